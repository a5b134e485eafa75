package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SesgoTest {
    /** The repository's sample Bundle and Provenance (tests run in bindings/java). */
    static final Path EXAMPLES = Path.of("../../examples");

    static final String OBSERVATION =
            "{\"resourceType\":\"Observation\",\"id\":\"o\",\"valueQuantity\":{\"value\":36.50}}";

    static final String RELATIVE_REFERENCE_BUNDLE = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{"
            + "\"fullUrl\":\"urn:uuid:550e8400-e29b-41d4-a716-446655440000\",\"resource\":{"
            + "\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"massa\"},"
            + "\"subject\":{\"reference\":\"Patient/x\"}}}]}";

    @BeforeAll
    static void load() {
        NativeLibrary.load();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] example(String name) throws IOException {
        return Files.readAllBytes(EXAMPLES.resolve(name));
    }

    static SesgoException expectSesgo(String code, String location, Executable call) {
        SesgoException e = assertThrows(SesgoException.class, call);
        assertEquals(code, e.code(), e::getMessage);
        if (location != null) {
            assertEquals(location, e.location());
        }
        assertTrue(e.severity().equals("error") || e.severity().equals("fatal"), e.severity());
        assertNotNull(e.diagnostics());
        assertTrue(e.getMessage().startsWith(code), e.getMessage());
        String oo = e.operationOutcomeJson();
        assertTrue(oo.contains("\"resourceType\":\"OperationOutcome\""), oo);
        assertTrue(oo.contains("\"code\":\"" + code + "\""), oo);
        assertTrue(oo.contains("operation-outcome-assinatura"), oo);
        return e;
    }

    @Test
    void policiesComeFromTheNativeLibrary() {
        assertEquals(
                java.util.List.of(
                        "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.0.2",
                        "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.0",
                        Sesgo.POLICY_0_1_2,
                        Sesgo.POLICY_0_2_0),
                Sesgo.supportedPolicies());
        assertEquals(Sesgo.POLICY_0_1_2, Sesgo.defaultPolicy());
        assertTrue(Sesgo.POLICY_0_1_2.endsWith("|0.1.2"), Sesgo.POLICY_0_1_2);
        assertTrue(Sesgo.POLICY_0_2_0.endsWith("/politica/0.2.0"), Sesgo.POLICY_0_2_0);
        // A catalog that is not one is refused, never half-read.
        expectSesgo("SYSTEM", null, () -> PolicyCatalog.parse("{\"default\":\"x\",\"policies\":[]}"));
        expectSesgo("SYSTEM", null, () -> PolicyCatalog.parse("{\"default\":\"x\",\"policies\":[{\"uri\":\"y\"}]}"));
    }

    @Test
    void defaultSettingsComeFromTheNativeLibrary() {
        String d = Sesgo.defaultSettings();
        assertTrue(d.startsWith("{") && d.endsWith("}"), d);
        assertTrue(d.contains("\"revocationPolicy\":\"strict\""), d);
        assertTrue(d.contains("\"maxBundleBytes\":52428800"), d);
        assertTrue(d.contains("\"ocspTimeoutSecs\":30"), d);
        assertFalse(d.contains("tsaUrl"), d);
    }

    @Test
    void versionIsTheJarVersion() {
        String v = Sesgo.version();
        assertTrue(v.matches("\\d+\\.\\d+\\.\\d+.*"), v);
        String expected = System.getProperty("sesgo.expectedVersion");
        if (expected != null) {
            assertEquals(expected, v);
        }
    }

    @Test
    void canonicalizeUnderBothPolicies() {
        assertEquals(
                "{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":36.5}}",
                new String(Sesgo.canonicalize(utf8(OBSERVATION), null), StandardCharsets.UTF_8));
        assertArrayEquals(
                Sesgo.canonicalize(utf8(OBSERVATION), null),
                Sesgo.canonicalize(utf8(OBSERVATION), Sesgo.POLICY_0_1_2));
        assertEquals(
                "{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":36.50}}",
                new String(Sesgo.canonicalize(utf8(OBSERVATION), Sesgo.POLICY_0_2_0), StandardCharsets.UTF_8));
    }

    @Test
    void exampleBundlePassesReferenceRules() throws IOException {
        String oo = Sesgo.checkReferences(example("bundle.json"), example("provenance.json"), null);
        assertTrue(oo.contains("\"resourceType\":\"OperationOutcome\""), oo);
        assertTrue(oo.contains("\"code\":\"VALIDATION.SUCCESS\""), oo);
        String withOptions = Sesgo.checkReferences(
                example("bundle.json"), example("provenance.json"), "{\"validating\":true}");
        assertTrue(withOptions.contains("\"code\":\"VALIDATION.SUCCESS\""), withOptions);
    }

    @Test
    void referenceFindingsAreResultsNotExceptions() {
        String oo = Sesgo.checkReferences(utf8(RELATIVE_REFERENCE_BUNDLE), null, null);
        assertTrue(oo.contains("\"code\":\"FORMAT.REFERENCE-INVALID\""), oo);
        assertTrue(oo.contains("Bundle.entry[0].resource.subject.reference"), oo);
    }

    @Test
    void buildBundleRoundTrip() {
        String resources = "[{\"resourceType\":\"Patient\",\"id\":\"1\"},"
                + "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"Patient/1\"}}]";
        String bundle = Sesgo.buildBundle(utf8(resources), null);
        assertTrue(bundle.contains("\"resourceType\":\"Bundle\""), bundle);
        assertTrue(bundle.contains("urn:uuid:"), bundle);
        String oo = Sesgo.checkReferences(utf8(bundle), null, null);
        assertTrue(oo.contains("\"code\":\"VALIDATION.SUCCESS\""), oo);
        assertTrue(Sesgo.buildBundle(utf8(resources), "{\"bundleType\":\"transaction\"}")
                .contains("\"type\":\"transaction\""));
    }

    @Test
    void malformedJson() {
        expectSesgo("FORMAT.JSON-MALFORMED", "resource.a",
                () -> Sesgo.canonicalize(utf8("{\"a\":1,\"a\":2}"), null));
        expectSesgo("FORMAT.JSON-MALFORMED", null,
                () -> Sesgo.checkReferences(utf8("{"), null, null));
        expectSesgo("FORMAT.JSON-MALFORMED", null,
                () -> Sesgo.buildBundle(utf8("not json"), null));
    }

    @Test
    void unknownPolicy() {
        expectSesgo("POLICY.VERSION-UNSUPPORTED", "policy",
                () -> Sesgo.canonicalize(utf8("{}"), "https://x.org/p|1.0.0"));
        expectSesgo("POLICY.VERSION-UNSUPPORTED", null,
                () -> Sesgo.checkReferences(utf8("{}"), null, "{\"policy\":\"https://x.org/p|1.0.0\"}"));
    }

    @Test
    void badOptions() {
        expectSesgo("CONFIG.INVALID-PARAMETER", null,
                () -> Sesgo.checkReferences(utf8("{}"), null, "{\"noSuchOption\":true}"));
        // Options that are not JSON at all are malformed JSON, located at "options".
        expectSesgo("FORMAT.JSON-MALFORMED", "options",
                () -> Sesgo.checkReferences(utf8("{}"), null, "not json"));
        expectSesgo("CONFIG.INVALID-PARAMETER", null,
                () -> Sesgo.buildBundle(utf8("[]"), "{\"bundleType\":7}"));
        expectSesgo("CONFIG.BUNDLE-SIZE-LIMIT-OUT-OF-RANGE", null,
                () -> Sesgo.checkReferences(utf8("{}"), null, "{\"maxEntriesBundle\":5}"));
    }

    /** Public API: a required null is a programming error (NullPointerException). */
    @Test
    void nullRequiredArgumentsThrowNullPointerException() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> Sesgo.canonicalize(null, null));
        assertEquals("resource", e.getMessage());
        assertThrows(NullPointerException.class, () -> Sesgo.checkReferences(null, null, null));
        assertThrows(NullPointerException.class, () -> Sesgo.buildBundle(null, null));
    }

    /** Native layer (defence in depth): a required null is CONFIG.MISSING-PARAMETER, never a crash. */
    @Test
    void nullRequiredArgumentsReachingNativeThrowMissingParameter() {
        expectSesgo("CONFIG.MISSING-PARAMETER", "resource", () -> Native.canonicalize(null, null));
        expectSesgo("CONFIG.MISSING-PARAMETER", "bundle", () -> Native.checkReferences(null, null, null));
        expectSesgo("CONFIG.MISSING-PARAMETER", "resources", () -> Native.buildBundle(null, null));
    }

    @Test
    void errorHookCarriesCodeLocationAndOutcome() {
        SesgoException e = expectSesgo("CERT.EXPIRED", "x5c[0]", Native::testingError);
        assertTrue(e.diagnostics().contains("propósito"), e.diagnostics());
        assertTrue(e.getMessage().contains("x5c[0]"), e.getMessage());
    }

    @Test
    void panicThrowsAndTheJvmSurvives() {
        for (int i = 0; i < 3; i++) {
            SesgoException e = expectSesgo("SYSTEM", null, Native::testingPanic);
            assertNull(e.location());
            assertTrue(e.diagnostics().contains("testingPanic"), e.diagnostics());
        }
        assertArrayEquals(utf8("{}"), Sesgo.canonicalize(utf8("{}"), null));
    }

    @Test
    void eightThreadsCheckReferencesConcurrently() throws Exception {
        byte[] bundle = example("bundle.json");
        byte[] provenance = example("provenance.json");
        byte[] bad = utf8(RELATIVE_REFERENCE_BUNDLE);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 128; i++) {
                final int n = i;
                results.add(pool.submit(() -> {
                    if (n % 4 == 3) {
                        try {
                            Sesgo.canonicalize(utf8("{\"a\":1,\"a\":2}"), null);
                            return "no exception";
                        } catch (SesgoException e) {
                            return e.code();
                        }
                    }
                    String oo = n % 2 == 0
                            ? Sesgo.checkReferences(bundle, provenance, null)
                            : Sesgo.checkReferences(bad, null, null);
                    return oo.contains("VALIDATION.SUCCESS") ? "VALIDATION.SUCCESS" : oo.contains(
                            "FORMAT.REFERENCE-INVALID") ? "FORMAT.REFERENCE-INVALID" : oo;
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                String want = i % 4 == 3 ? "FORMAT.JSON-MALFORMED"
                        : i % 2 == 0 ? "VALIDATION.SUCCESS" : "FORMAT.REFERENCE-INVALID";
                assertEquals(want, results.get(i).get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void abiMismatchIsRefused() {
        assertEquals(NativeLibrary.ABI_VERSION, Native.abiVersion());
        assertDoesNotThrow(() -> NativeLibrary.checkAbi(NativeLibrary.ABI_VERSION));
        SesgoException e = assertThrows(SesgoException.class, () -> NativeLibrary.checkAbi(NativeLibrary.ABI_VERSION + 1));
        assertEquals("SYSTEM.INCOMPATIBLE-LIBRARY-VERSION", e.code());
        assertEquals("fatal", e.severity());
        assertTrue(e.diagnostics().contains("ABI " + (NativeLibrary.ABI_VERSION + 1)), e.diagnostics());
        assertTrue(e.operationOutcomeJson().contains("\"code\":\"SYSTEM.INCOMPATIBLE-LIBRARY-VERSION\""));
        assertThrows(SesgoException.class, () -> NativeLibrary.checkAbi(0));
    }

    @Test
    void libraryWasLoadedAndClassifierIsKnown() {
        assertNotNull(NativeLibrary.source());
        String c = NativeLibrary.classifier();
        assertTrue(c.matches("[a-z0-9]+-[a-z0-9_]+"), c);
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertEquals("linux-x86_64", c);
        }
    }
}
