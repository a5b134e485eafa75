package br.gov.go.saude.sesgo;

import static br.gov.go.saude.sesgo.SesgoTest.example;
import static br.gov.go.saude.sesgo.SesgoTest.expectSesgo;
import static br.gov.go.saude.sesgo.SesgoTest.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Signing and verification with the test PKI ({@link TestPki}): PKCS#12, PEM and a real JCA
 * key through {@link Signer#external}, every exception path, handles after close, and
 * concurrency.
 *
 * <p>xtask runs live loopback OCSP responders for the test PKI: one test verifies under
 * the default {@code revocationPolicy: "strict"} against them; the others pass
 * {@code "revocationPolicy":"warn"} so that they do not depend on the responders.
 */
class SignVerifyTest {
    static final String WARN = "\"settings\":{\"revocationPolicy\":\"warn\"}";

    static TrustStore trust;
    static byte[] bundle;
    static byte[] provenance;

    @BeforeAll
    static void setUp() throws IOException {
        NativeLibrary.load();
        trust = TestPki.trustStore();
        bundle = example("bundle.json");
        provenance = example("provenance.json");
    }

    @AfterAll
    static void tearDown() {
        trust.close();
    }

    /** The policies under test, their URIs read from the native library. */
    static List<String> policies() {
        return List.of(Sesgo.POLICY_0_1_2, Sesgo.POLICY_0_2_0);
    }

    static String options(String policy) {
        return "{\"policy\":" + Json.string(policy) + "," + WARN + "}";
    }

    static Signer pkcs12Signer() {
        return Signer.fromPkcs12(TestPki.read(TestPki.get("p12Aes")), TestPki.password(), TestPki.get("ecpfAlias"));
    }

    /** Loads the test PKI's AES PKCS#12 with Java's own PKCS12 KeyStore (JCA). */
    static KeyStore javaKeyStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(new ByteArrayInputStream(TestPki.read(TestPki.get("p12Aes"))), TestPki.password());
        return ks;
    }

    static X509Certificate[] chain(KeyStore ks, String alias) throws Exception {
        Certificate[] c = ks.getCertificateChain(alias);
        return Arrays.copyOf(c, c.length, X509Certificate[].class);
    }

    /** Signs, then verifies the transfer Bundle alone and the Provenance + original Bundle. */
    static SignResult roundTrip(Signer signer, String policy) {
        SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, options(policy));
        assertTrue(r.json().startsWith("{\"signature\":"), r.json());
        assertTrue(r.signatureJson().contains("\"data\""), r.signatureJson());
        assertTrue(r.provenanceJson().contains("\"resourceType\":\"Provenance\""));
        assertTrue(r.bundleJson().contains("\"resourceType\":\"Bundle\""));
        assertTrue(r.json().contains(r.bundleJson()));
        if (r.warningsJson() == null) {
            assertTrue(r.json().endsWith("\"warnings\":null}"), r.json());
        } else {
            assertTrue(r.warningsJson().contains("\"resourceType\":\"OperationOutcome\""), r.warningsJson());
            assertTrue(r.json().contains(r.warningsJson()));
        }

        VerificationResult v = Sesgo.verifyResult(trust, null, null, utf8(r.bundleJson()), null, options(policy));
        assertTrue(v.isValid(), v.outcomeJson());
        assertTrue(v.outcomeJson().contains("VALIDATION.SUCCESS"), v.outcomeJson());
        assertTrue(v.json().startsWith("{\"valid\":true,\"indication\":"), v.json());
        assertEquals(v.json(), Sesgo.verify(trust, null, null, utf8(r.bundleJson()), null, options(policy)));

        VerificationResult v2 = Sesgo.verifyResult(
                trust, null, utf8(r.provenanceJson()), bundle, null, "{" + WARN + "}");
        assertTrue(v2.isValid(), v2.outcomeJson());
        return r;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void pkcs12RoundTrip(String policy) {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = roundTrip(signer, policy);
            // The signature follows the requested policy: expecting the other one fails.
            String other = policy.equals(Sesgo.POLICY_0_1_2) ? Sesgo.POLICY_0_2_0 : Sesgo.POLICY_0_1_2;
            VerificationResult v = Sesgo.verifyResult(trust, null, null, utf8(r.bundleJson()), null, options(other));
            assertFalse(v.isValid(), v.outcomeJson());
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void pemRoundTrip(String policy) {
        byte[] key = TestPki.read(TestPki.get("ecpf", "keyPem"));
        try (Signer signer = Signer.fromPem(key, null, TestPki.ecpfChainPem())) {
            roundTrip(signer, policy);
        }
        byte[] encrypted = TestPki.read(TestPki.get("keyPkcs8Encrypted"));
        char[] pw = TestPki.password();
        try (Signer signer = Signer.fromPem(encrypted, pw, TestPki.ecpfChainPem())) {
            roundTrip(signer, policy);
        }
        assertArrayEquals(TestPki.password(), pw, "the caller's char[] is left as given");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void externalSignerWithARealJcaKey(String policy) throws Exception {
        KeyStore ks = javaKeyStore();
        String alias = TestPki.get("ecpfAlias");
        assertTrue(ks.isKeyEntry(alias), "Java 17 reads the AES (PBES2) PKCS#12");
        PrivateKey key = (PrivateKey) ks.getKey(alias, TestPki.password());
        X509Certificate[] chain = chain(ks, alias);
        try (Signer signer = Signer.external(key, chain)) {
            roundTrip(signer, policy);
        }
        // The same JCA function, counted: sesgo really calls back into Java.
        AtomicInteger calls = new AtomicInteger();
        Signer.SigningFunction jca = Signer.jca(key);
        try (Signer signer = Signer.external(new X509Certificate[] {chain[0]}, input -> {
            calls.incrementAndGet();
            assertTrue(new String(input, StandardCharsets.US_ASCII).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*"));
            return jca.sign(input);
        })) {
            // Leaf only: the intermediates come from the trust store.
            roundTrip(signer, policy);
        }
        assertEquals(1, calls.get());
    }

    /** Default options (strict revocation) against the live loopback OCSP responders xtask runs. */
    @Test
    void strictRevocationAgainstTheLiveResponder() {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, "{}");
            VerificationResult v = Sesgo.verifyResult(trust, null, null, utf8(r.bundleJson()), null, null);
            assertTrue(v.isValid(), v.outcomeJson());
            assertTrue(v.json().contains("\"indication\":\"TOTAL-PASSED\""), v.json());
        }
    }

    @Test
    void verifyRequestNamesTheInputs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, "{\"policy\":\"" + Sesgo.POLICY_0_2_0 + "\"}");
            // The exact bytes of each part, as the native library wrote them.
            assertArrayEquals(utf8(r.bundleJson()), r.bundleUtf8());
            assertTrue(new String(r.bundleUtf8(), java.nio.charset.StandardCharsets.UTF_8).contains("36.50"));
            VerificationResult v = Sesgo.verifyResult(trust, VerifyRequest.bundle(r.bundleUtf8()).revocationPolicy("warn"));
            assertTrue(v.isValid(), v.outcomeJson());
            v = Sesgo.verifyResult(trust, VerifyRequest.provenance(r.provenanceUtf8()).withBundle(bundle)
                    .options("{" + WARN + "}"));
            assertTrue(v.isValid(), v.outcomeJson());
            assertTrue(v.contentChecked());
            v = Sesgo.verifyResult(trust, VerifyRequest.signature(r.signatureUtf8()).revocationPolicy("warn"));
            assertTrue(v.isValid(), v.outcomeJson());
            assertFalse(v.contentChecked());
            // The default (strict) against the suite's live OCSP responders: valid; offline
            // (no status obtainable): invalid, a result, REVOCATION.NO-CONNECTIVITY.
            v = Sesgo.verifyResult(trust, VerifyRequest.bundle(r.bundleUtf8()));
            assertTrue(v.isValid(), v.outcomeJson());
            try (Network offline = Network.create("{\"network\":false}", "{\"cacheDir\":" + Json.string(tmp.toString()) + "}");
                    TrustStore t = offline.trustStore(trust)) {
                v = Sesgo.verifyResult(t, VerifyRequest.bundle(r.bundleUtf8()));
                assertFalse(v.isValid());
                assertTrue(v.outcomeJson().contains("REVOCATION.NO-CONNECTIVITY"), v.outcomeJson());
            }
            assertTrue(Sesgo.verify(trust, VerifyRequest.bundle(r.bundleUtf8()).revocationPolicy("warn"))
                    .startsWith("{\"valid\":true,"));
            // Both shorthand and options: refused, never silently merged.
            assertThrows(IllegalStateException.class, () -> Sesgo.verifyResult(trust,
                    VerifyRequest.bundle(r.bundleUtf8()).options("{}").revocationPolicy("warn")));
            assertThrows(NullPointerException.class, () -> VerifyRequest.bundle(null));
        }
    }

    @Test
    void signatureDataAlone() {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, "{" + WARN + "}");
            String s = r.signatureJson();
            int at = s.indexOf("\"data\":\"") + 8;
            String data = s.substring(at, s.indexOf('"', at));
            assertTrue(Base64.getDecoder().decode(data).length > 0);
            assertTrue(Sesgo.verifyResult(trust, null, null, null, data, "{" + WARN + "}").isValid());
            assertTrue(Sesgo.verifyResult(trust, utf8(s), null, null, null, "{" + WARN + "}").isValid());
        }
    }

    @Test
    void tamperedBundleIsAnInvalidResult() {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, "{" + WARN + "}");
            String tampered = r.bundleJson().replace("36.50", "39.50").replace("36.5,", "39.5,");
            assertFalse(tampered.equals(r.bundleJson()), "the example carries 36.50");
            VerificationResult v = Sesgo.verifyResult(trust, null, null, utf8(tampered), null, "{" + WARN + "}");
            assertFalse(v.isValid());
            assertTrue(v.outcomeJson().contains("CRYPTO.HASH-VERIFICATION-FAILED"), v.outcomeJson());
            assertTrue(v.json().startsWith("{\"valid\":false,"), v.json());
        }
    }

    @Test
    void aSuppliedBundleIsNeverIgnoredAndTheResultSaysWhatWasChecked() {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, "{" + WARN + "}");
            byte[] sig = utf8(r.signatureJson());
            String opts = "{" + WARN + "}";
            // Signature + the transfer Bundle carrying it: content checked.
            VerificationResult v = Sesgo.verifyResult(trust, sig, null, utf8(r.bundleJson()), null, opts);
            assertTrue(v.isValid(), v.json());
            assertTrue(v.contentChecked(), v.json());
            // Revocation established by the live loopback responders xtask runs.
            assertEquals("TOTAL-PASSED", v.indication(), v.json());
            assertNull(v.subIndication());
            assertTrue(v.json().contains("\"signedFullUrls\":[\"urn:uuid:"), v.json());
            // The Signature alone: the signature is proven, not the content.
            v = Sesgo.verifyResult(trust, sig, null, null, null, opts);
            assertTrue(v.isValid());
            assertFalse(v.contentChecked());
            assertEquals("SIGNED_DATA_NOT_FOUND", v.subIndication());
            // A tampered or foreign Bundle with the Signature: invalid, never ignored.
            String tampered = r.bundleJson().replace("36.50", "39.50");
            v = Sesgo.verifyResult(trust, sig, null, utf8(tampered), null, opts);
            assertFalse(v.isValid());
            assertEquals("TOTAL-FAILED", v.indication());
            assertTrue(v.outcomeJson().contains("CRYPTO.HASH-VERIFICATION-FAILED"), v.outcomeJson());
            v = Sesgo.verifyResult(trust, sig, null, bundle, null, opts);
            assertFalse(v.isValid());
            assertTrue(v.outcomeJson().contains("FORMAT.SIGNATURE-MISSING"), v.outcomeJson());
            // Receiver policy: refusing the signature's policy makes it invalid.
            v = Sesgo.verifyResult(trust, null, null, utf8(r.bundleJson()), null,
                    "{" + WARN + ",\"acceptedPolicies\":[\"https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0\"]}");
            assertFalse(v.isValid());
            assertTrue(v.outcomeJson().contains("POLICY.VERSION-UNSUPPORTED"), v.outcomeJson());
        }
    }

    @Test
    void untrustedRootIsRefused() {
        try (Signer signer = pkcs12Signer(); TrustStore icp = TrustStore.icpBrasil()) {
            SesgoException e = assertThrows(SesgoException.class,
                    () -> Sesgo.sign(bundle, provenance, signer, icp, "{" + WARN + "}"));
            assertTrue(Set.of("CERT.NOT-ICP-BRASIL", "CERT.CHAIN-INCOMPLETE").contains(e.code()), e.getMessage());
        }
        // Verification against the production roots: an invalid result, not an exception.
        try (Signer signer = pkcs12Signer(); TrustStore icp = TrustStore.icpBrasil()) {
            String signed = Sesgo.signResult(bundle, provenance, signer, trust, "{" + WARN + "}").bundleJson();
            VerificationResult v = Sesgo.verifyResult(icp, null, null, utf8(signed), null, "{" + WARN + "}");
            assertFalse(v.isValid());
            assertTrue(v.outcomeJson().contains("CERT.NOT-ICP-BRASIL"), v.outcomeJson());
        }
    }

    @Test
    void callbackThatThrows() throws Exception {
        X509Certificate[] chain = chain(javaKeyStore(), TestPki.get("ecpfAlias"));
        try (Signer signer = Signer.external(chain, input -> {
            throw new IllegalStateException("token removido da leitora");
        })) {
            SesgoException e = expectSesgo("CRYPTO.SIGNATURE-CREATION-FAILED", null,
                    () -> Sesgo.sign(bundle, provenance, signer, trust, "{" + WARN + "}"));
            assertTrue(e.diagnostics().contains("token removido da leitora"), e.diagnostics());
            assertTrue(e.diagnostics().contains("IllegalStateException"), e.diagnostics());
        }
        // A key the JCA cannot use for SHA256withRSA: InvalidKeyException inside the callback.
        PrivateKey ec = KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate();
        try (Signer signer = Signer.external(ec, chain)) {
            SesgoException e = expectSesgo("CRYPTO.SIGNATURE-CREATION-FAILED", null,
                    () -> Sesgo.sign(bundle, provenance, signer, trust, "{" + WARN + "}"));
            assertTrue(e.diagnostics().contains("InvalidKeyException"), e.diagnostics());
        }
        try (Signer signer = Signer.external(chain, input -> null)) {
            expectSesgo("CRYPTO.SIGNATURE-CREATION-FAILED", null,
                    () -> Sesgo.sign(bundle, provenance, signer, trust, "{" + WARN + "}"));
        }
        // A signature by another key: refused by sesgo's check against the leaf.
        PrivateKey other = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();
        try (Signer signer = Signer.external(other, chain)) {
            expectSesgo("CRYPTO.SIGNATURE-CREATION-FAILED", null,
                    () -> Sesgo.sign(bundle, provenance, signer, trust, "{" + WARN + "}"));
        }
        // The JVM and the signer machinery are fine afterwards.
        try (Signer signer = pkcs12Signer()) {
            roundTrip(signer, Sesgo.POLICY_0_1_2);
        }
    }

    @Test
    void wrongPassword() {
        char[] wrong = "errada".toCharArray();
        expectSesgo("CRYPTO.KEY-INACCESSIBLE", null,
                () -> Signer.fromPkcs12(TestPki.read(TestPki.get("p12Aes")), wrong, null));
        expectSesgo("CRYPTO.KEY-INACCESSIBLE", null,
                () -> Signer.fromPem(TestPki.read(TestPki.get("keyPkcs8Encrypted")), wrong, TestPki.ecpfChainPem()));
        expectSesgo("CRYPTO.KEY-INACCESSIBLE", null,
                () -> Sesgo.inspectCertificate(TestPki.read(TestPki.get("p12Aes")), wrong, null));
        assertArrayEquals("errada".toCharArray(), wrong);
    }

    @Test
    void legacyPkcs12AndAlias() {
        for (String p12 : List.of("p12_3des", "p12Rc2")) {
            try (Signer s = Signer.fromPkcs12(TestPki.read(TestPki.get(p12)), TestPki.password(), null)) {
                roundTrip(s, Sesgo.POLICY_0_1_2);
            }
        }
        SesgoException e = assertThrows(SesgoException.class, () -> Signer.fromPkcs12(
                TestPki.read(TestPki.get("p12Aes")), TestPki.password(), "no such alias"));
        assertNotNull(e.code());
    }

    @Test
    void malformedJson() {
        try (Signer signer = pkcs12Signer()) {
            expectSesgo("FORMAT.JSON-MALFORMED", null,
                    () -> Sesgo.sign(utf8("{"), provenance, signer, trust, null));
            expectSesgo("FORMAT.JSON-MALFORMED", null,
                    () -> Sesgo.sign(bundle, utf8("not json"), signer, trust, null));
            expectSesgo("FORMAT.JSON-MALFORMED", "options",
                    () -> Sesgo.sign(bundle, provenance, signer, trust, "not json"));
            expectSesgo("CONFIG.INVALID-PARAMETER", null,
                    () -> Sesgo.sign(bundle, provenance, signer, trust, "{\"noSuchOption\":1}"));
        }
        expectSesgo("FORMAT.JSON-MALFORMED", null,
                () -> Sesgo.verify(trust, null, null, utf8("{"), null, null));
        expectSesgo("FORMAT.JSON-MALFORMED", "options",
                () -> Sesgo.verify(trust, null, null, bundle, null, "{"));
        expectSesgo("FORMAT.JSON-MALFORMED", null, () -> TrustStore.fromJson("{"));
        expectSesgo("CONFIG.INVALID-PARAMETER", null, () -> TrustStore.fromJson("{\"rootSha256\":\"x\"}"));
        expectSesgo("FORMAT.JSON-MALFORMED", null,
                () -> Sesgo.inspectCertificate(utf8("x"), null, "{"));
    }

    @Test
    void trustStoreBuilderJson() {
        String json = TrustStore.builder()
                .icpBrasil(false)
                .rootSha256("ab")
                .rootSha256("cd")
                .caCertsPem("a\"b\nc")
                .toJson();
        assertEquals("{\"icpBrasil\":false,\"rootSha256\":[\"ab\",\"cd\"],\"caCertsPem\":\"a\\\"b\\u000ac\"}", json);
        try (TrustStore t = TrustStore.fromJson("{\"rootCertsPem\":" + Json.string(TestPki.readString(TestPki.get("root", "certPem")))
                + ",\"caCertsPem\":" + Json.string(TestPki.readString(TestPki.get("chainPem"))) + "}");
                Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, t, "{" + WARN + "}");
            assertTrue(Sesgo.verifyResult(t, null, null, utf8(r.bundleJson()), null, "{" + WARN + "}").isValid());
        }
        expectSesgo("CONFIG.TRUST-STORE-EMPTY", null, () -> TrustStore.builder().icpBrasil(false).build());
    }

    @Test
    void itiArchiveCompletesALeafOnlyChain() {
        // The signer holds only its leaf; the ACs come from an ITI-shaped ACcompactado.zip
        // whose hashsha512.txt is checked first.
        try (TrustStore t = TrustStore.builder()
                        .rootSha256(TestPki.get("rootSha256"))
                        .caArchive(TestPki.get("acArchive"), null)
                        .build();
                Signer leafOnly = Signer.fromPem(TestPki.read(TestPki.get("ecpf", "keyPem")), null,
                        TestPki.read(TestPki.get("ecpf", "certPem")))) {
            SignResult r = Sesgo.signResult(bundle, provenance, leafOnly, t, "{" + WARN + "}");
            assertTrue(Sesgo.verifyResult(t, null, null, utf8(r.bundleJson()), null, "{" + WARN + "}").isValid());
        }
        expectSesgo("SECURITY.HASH-VALIDATION-FAILED", null, () -> TrustStore.builder()
                .rootSha256(TestPki.get("rootSha256"))
                .caArchive(TestPki.get("acArchive"), TestPki.get("chainPem"))
                .build());
    }

    @Test
    void inspectCertificate() {
        String fromP12 = Sesgo.inspectCertificate(TestPki.read(TestPki.get("p12Aes")), TestPki.password(), null);
        String fromPem = Sesgo.inspectCertificate(TestPki.read(TestPki.get("ecpf", "certPem")), null, null);
        String fromDer = Sesgo.inspectCertificate(TestPki.read(TestPki.get("ecpf", "certDer")), null, null);
        for (String r : List.of(fromP12, fromPem, fromDer)) {
            assertTrue(r.contains("12345678909"), r);
            assertTrue(r.contains("\"fingerprints\""), r);
        }
        expectSesgo("CERT.INVALID-FORMAT", null, () -> Sesgo.inspectCertificate(utf8("not a certificate"), null, null));
        // Trust apart from eligibility: the ICP-Brasil roots (default) do not trust the test
        // root; a store with it does.
        assertTrue(fromP12.contains("\"trusted\":false"), fromP12);
        try (TrustStore t = TestPki.trustStore()) {
            String trusted = Sesgo.inspectCertificate(TestPki.read(TestPki.get("p12Aes")), TestPki.password(), t, null);
            assertTrue(trusted.contains("\"trusted\":true"), trusted);
            assertTrue(trusted.contains(TestPki.get("rootSha256")), trusted);
        }
    }

    @Test
    void useAfterCloseAndIdempotentClose() {
        Signer signer = pkcs12Signer();
        TrustStore t = TestPki.trustStore();
        signer.close();
        signer.close();
        assertTrue(signer.isClosed());
        assertThrows(IllegalStateException.class, () -> Sesgo.sign(bundle, provenance, signer, trust, null));
        t.close();
        t.close();
        assertThrows(IllegalStateException.class, () -> Sesgo.verify(t, null, null, bundle, null, null));
        try (Signer open = pkcs12Signer()) {
            assertThrows(IllegalStateException.class, () -> Sesgo.sign(bundle, provenance, open, t, null));
        }
        // Native layer (defence in depth): a 0 handle is an exception, never a crash.
        expectSesgo("CONFIG.MISSING-PARAMETER", "signer", () -> Native.sign(bundle, provenance, 0, 0, null));
        expectSesgo("CONFIG.MISSING-PARAMETER", "trustStore", () -> Native.verify(0, null, null, bundle, null, null));
        Native.signerDestroy(0);
        Native.trustStoreDestroy(0);
        expectSesgo("CONFIG.MISSING-PARAMETER", "chain", () -> Native.signerExternal(null, input -> input));
        expectSesgo("CONFIG.MISSING-PARAMETER", "function", () -> Native.signerExternal(new byte[0][], null));
        expectSesgo("CONFIG.MISSING-PARAMETER", "chain[0]", () -> Native.signerExternal(new byte[1][], input -> input));
        expectSesgo("CONFIG.MISSING-PARAMETER", "chain", () -> Native.signerExternal(new byte[0][], input -> input));
        expectSesgo("CONFIG.MISSING-PARAMETER", "password", () -> Native.signerFromPkcs12(new byte[1], null, null));
    }

    @Test
    void nullRequiredArguments() {
        assertThrows(NullPointerException.class, () -> Signer.fromPkcs12(null, new char[0], null));
        assertThrows(NullPointerException.class, () -> Signer.fromPkcs12(new byte[0], null, null));
        assertThrows(NullPointerException.class, () -> Signer.external((PrivateKey) null, new X509Certificate[0]));
        assertThrows(NullPointerException.class, () -> Signer.external(new X509Certificate[0], null));
        assertThrows(NullPointerException.class, () -> Sesgo.sign(bundle, provenance, null, trust, null));
        assertThrows(NullPointerException.class, () -> Sesgo.verify(null, null, null, bundle, null, null));
        assertThrows(NullPointerException.class, () -> TrustStore.fromJson(null));
    }

    /**
     * Eight threads sign and verify with one Signer and one TrustStore while a ninth
     * closes both (issue 24): every call either completes with a valid result or is
     * refused with IllegalStateException - a close never frees native memory a call is
     * using (reference-counted handles), so nothing crashes or reads freed memory.
     */
    @Test
    void closeWhileEightThreadsCall() throws Exception {
        String opts = "{" + WARN + "}";
        String signed;
        try (Signer s = pkcs12Signer()) {
            signed = Sesgo.signResult(bundle, provenance, s, trust, opts).bundleJson();
        }
        ExecutorService pool = Executors.newFixedThreadPool(9);
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try {
            for (int round = 0; round < 4; round++) {
                Signer signer = pkcs12Signer();
                TrustStore store = TestPki.trustStore();
                CountDownLatch running = new CountDownLatch(8);
                List<Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    final int n = t;
                    tasks.add(pool.submit(() -> {
                        running.countDown();
                        while (true) { // until the close refuses the next call
                            try {
                                if (n % 2 == 0) {
                                    VerificationResult v = Sesgo.verifyResult(store, null, null, utf8(signed), null, opts);
                                    assertTrue(v.isValid(), v.outcomeJson());
                                } else {
                                    String b = Sesgo.signResult(bundle, provenance, signer, store, opts).bundleJson();
                                    assertTrue(b.contains("36.50"));
                                }
                                completed.incrementAndGet();
                            } catch (IllegalStateException closed) {
                                refused.incrementAndGet();
                                return null; // closed: later calls would be refused too
                            }
                        }
                    }));
                }
                assertTrue(running.await(60, TimeUnit.SECONDS));
                Thread.sleep(50L * (round + 1));
                tasks.add(pool.submit(() -> {
                    store.close();
                    signer.close();
                    return null;
                }));
                for (Future<?> task : tasks) {
                    task.get(300, TimeUnit.SECONDS);
                }
                assertTrue(store.isClosed() && signer.isClosed());
                assertThrows(IllegalStateException.class, () -> Sesgo.verify(store, null, null, bundle, null, opts));
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(completed.get() > 0, "calls completed before the close");
        assertEquals(32, refused.get(), "every thread of every round was refused once closed");
    }

    @Test
    void eightThreadsShareOneTrustStore() throws Exception {
        KeyStore ks = javaKeyStore();
        String alias = TestPki.get("ecpfAlias");
        PrivateKey key = (PrivateKey) ks.getKey(alias, TestPki.password());
        Set<String> callbackThreads = ConcurrentHashMap.newKeySet();
        Signer.SigningFunction jca = Signer.jca(key);
        String opts = "{" + WARN + "}";
        try (Signer local = pkcs12Signer();
                Signer external = Signer.external(chain(ks, alias), input -> {
                    callbackThreads.add(Thread.currentThread().getName());
                    return jca.sign(input);
                })) {
            String signed = Sesgo.signResult(bundle, provenance, local, trust, opts).bundleJson();
            String tampered = signed.replace("36.50", "39.50");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 48; i++) {
                    final int n = i;
                    results.add(pool.submit(() -> {
                        switch (n % 3) {
                            case 0:
                                return String.valueOf(Sesgo.verifyResult(trust, null, null, utf8(signed), null, opts).isValid());
                            case 1:
                                return String.valueOf(Sesgo.verifyResult(trust, null, null, utf8(tampered), null, opts).isValid());
                            default:
                                // External signing from pool threads: the callback runs on each.
                                String b = Sesgo.signResult(bundle, provenance, external, trust, opts).bundleJson();
                                return String.valueOf(Sesgo.verifyResult(trust, null, null, utf8(b), null, opts).isValid());
                        }
                    }));
                }
                for (int i = 0; i < results.size(); i++) {
                    assertEquals(i % 3 == 1 ? "false" : "true", results.get(i).get(120, TimeUnit.SECONDS), "task " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertTrue(callbackThreads.size() > 1, "callbacks ran on several pool threads: " + callbackThreads);
    }

    /**
     * Strategy "tsa" (issue 20): an RFC 3161 token from the loopback HTTPS TSA that
     * {@code cargo xtask test java} starts ({@code openssl ts -reply}); the TSA settings go
     * in the options JSON.
     */
    @ParameterizedTest
    @MethodSource("policies")
    void signWithATsa(String policy) {
        String settings = "\"settings\":{\"revocationPolicy\":\"warn\",\"tsaUrl\":" + Json.string(TestPki.get("tsa", "url"))
                + ",\"tsaTlsRootsPem\":" + Json.string(TestPki.readString(TestPki.get("tsa", "tlsRootPem")))
                + ",\"tsaPolicy\":" + Json.string(TestPki.get("tsa", "policy")) + "}";
        String opts = "{\"policy\":" + Json.string(policy) + ",\"strategy\":\"tsa\"," + settings + "}";
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, opts);
            String data = r.signatureJson().replaceAll("(?s).*\"data\":\"([^\"]+)\".*", "$1");
            String jws = new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
            assertTrue(jws.contains(policy.equals(Sesgo.POLICY_0_2_0) ? "\"header\":{\"etsiU\":[{\"sigTst\":{\"tstTokens\":[{\"val\":\"" : "\"header\":{\"sigTst\":\""), jws);
            VerificationResult v = Sesgo.verifyResult(trust, null, null, utf8(r.bundleJson()), null,
                    "{\"policy\":" + Json.string(policy) + "," + settings + "}");
            assertTrue(v.isValid(), v.outcomeJson());
            assertTrue(v.json().contains("\"strategy\":\"tsa\""), v.json());
            String down = opts.replace(TestPki.get("tsa", "url"), "https://127.0.0.1:1/tsa");
            expectSesgo("TSA.UNAVAILABLE", null, () -> Sesgo.sign(bundle, provenance, signer, trust, down));
        }
    }

    /**
     * {@link Sesgo#verifyMany} (issue 17): one result per request, in order, each equal to
     * what {@link Sesgo#verifyResult(TrustStore, VerifyRequest)} gives; an unusable request
     * answers alone; batch-wide options only.
     */
    @Test
    void verifyManyMatchesOneByOne() {
        try (Signer signer = pkcs12Signer()) {
            SignResult r = Sesgo.signResult(bundle, provenance, signer, trust, options(Sesgo.POLICY_0_2_0));
            String opts = "{" + WARN + "}";
            java.util.function.IntFunction<VerifyRequest> make = i -> switch (i % 4) {
                case 0 -> VerifyRequest.bundle(utf8(r.bundleJson()));
                case 1 -> VerifyRequest.bundle(utf8("{"));
                case 2 -> VerifyRequest.provenance(utf8(r.provenanceJson())).withBundle(bundle);
                default -> VerifyRequest.bundle(utf8(r.bundleJson().replace("52998224725", "52998224726")));
            };
            List<VerifyRequest> requests = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                requests.add(make.apply(i));
            }
            List<VerificationResult> many = Sesgo.verifyMany(trust, requests, opts, 2);
            assertEquals(requests.size(), many.size());
            for (int i = 0; i < requests.size(); i++) {
                if (i % 4 == 1) {
                    // Alone, unusable input is an exception; in a batch, that item's result.
                    int k = i;
                    expectSesgo("FORMAT.JSON-MALFORMED", null,
                            () -> Sesgo.verifyResult(trust, make.apply(k).options(opts)));
                    continue;
                }
                VerificationResult one = Sesgo.verifyResult(trust, make.apply(i).options(opts));
                assertEquals(one.json(), many.get(i).json(), "item " + i);
                assertEquals(one.isValid(), many.get(i).isValid());
                assertEquals(one.indication(), many.get(i).indication());
            }
            assertTrue(many.get(0).isValid(), many.get(0).json());
            assertFalse(many.get(1).isValid());
            assertTrue(many.get(1).outcomeJson().contains("FORMAT.JSON-MALFORMED"), many.get(1).json());
            assertTrue(many.get(2).isValid(), many.get(2).json());
            assertFalse(many.get(3).isValid(), many.get(3).json());
            assertEquals("TOTAL-FAILED", many.get(3).indication());

            assertEquals(List.of(), Sesgo.verifyMany(trust, List.of(), opts, 0));
            assertThrows(IllegalArgumentException.class, () -> Sesgo.verifyMany(
                    trust, List.of(VerifyRequest.bundle(bundle).revocationPolicy("warn")), null, 0));
            assertThrows(IllegalArgumentException.class, () -> Sesgo.verifyMany(trust, requests, opts, -1));
            expectSesgo("CONFIG.INVALID-PARAMETER", null, () -> Sesgo.verifyMany(
                    trust, requests, "{\"settings\":{\"revocationPolicy\":\"talvez\"}}", 0));
        }
    }
}
