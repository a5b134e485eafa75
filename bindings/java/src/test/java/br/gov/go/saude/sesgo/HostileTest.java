package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus ({@code testdata/hostile}, written by {@code cargo xtask
 * hostile}; issue 25) through the JNI binding: every case gives its guide code — as a
 * {@link SesgoException}, or among the issues of the result — and nothing but a
 * {@link SesgoException} ever escapes. Large inputs are {@code .repeat} recipes (count,
 * head, item, separator, tail; {@code crates/sesgo-fuzz/src/hostile.rs}).
 */
class HostileTest {
    static final Path ROOT = Path.of("../..");
    static final Path HOSTILE = ROOT.resolve("testdata/hostile");
    static final Path KAT = ROOT.resolve("testdata/kat");
    static final String OFF = "{\"settings\":{\"revocationPolicy\":\"off\"}}";

    static TrustStore trust;
    static Signer signer;

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Path p) {
        return new String(read(p), StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void setUp() {
        NativeLibrary.load();
        trust = TrustStore.builder()
                .icpBrasil(false)
                .rootSha256(text(KAT.resolve("pki/root.sha256")).trim())
                .caCertsPem(text(KAT.resolve("pki/root.pem")) + text(KAT.resolve("pki/intermediates.pem")))
                .build();
        signer = Signer.fromPkcs12(read(KAT.resolve("pki/signer-3des.p12")), "teste123".toCharArray(), null);
    }

    /** The {@code .repeat} rule. */
    static byte[] expand(String recipe) {
        String[] l = recipe.split("\n", -1);
        int count = Integer.parseInt(l[0].trim());
        StringBuilder sb = new StringBuilder(l[1]);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append(l[3]);
            }
            sb.append(l[2].replace("{i}", String.format("%012d", i)));
        }
        sb.append(l[4]);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String line : text(HOSTILE.resolve("manifest.tsv")).split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            out.add(Arguments.of(f[0], f[1], f[2], f[3]));
        }
        assertTrue(out.size() >= 40, "corpus");
        return out.stream();
    }

    /** The result JSON of a call that returns one, or null. */
    static String run(String op, byte[] data) {
        byte[] katBundle = read(KAT.resolve("input/bundle.json"));
        byte[] katProv = read(KAT.resolve("input/provenance.json"));
        switch (op) {
            case "verify-bundle":
                return Sesgo.verify(trust, null, null, data, null, OFF);
            case "verify-signature":
                return Sesgo.verify(trust, data, null, null, null, OFF);
            case "verify-signature-data":
                return Sesgo.verify(trust, null, null, null, new String(data, StandardCharsets.UTF_8), OFF);
            case "settings":
                return Sesgo.verify(trust, null, null, read(KAT.resolve("ig-0.1.2/bundle.json")), null,
                        "{\"settings\":" + new String(data, StandardCharsets.UTF_8) + "}");
            case "sign-bundle":
                return Sesgo.sign(data, katProv, signer, trust, OFF);
            case "sign-provenance":
                return Sesgo.sign(katBundle, data, signer, trust, OFF);
            case "refs-check":
                return Sesgo.checkReferences(data, null, null);
            case "bundle-build":
                return Sesgo.buildBundle(data, null);
            case "canonicalize":
                return new String(Sesgo.canonicalize(data, null), StandardCharsets.UTF_8);
            case "cert-inspect":
                return Sesgo.inspectCertificate(data, null, null);
            case "pkcs12":
                Signer.fromPkcs12(data, "teste123".toCharArray(), null).close();
                return "";
            default:
                fail("unknown op " + op);
                return null;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyCaseGivesItsCode(String name, String op, String input, String code) {
        if (input.startsWith("/")) {
            return; // a path: the binding takes bytes
        }
        byte[] raw = read(HOSTILE.resolve(input));
        byte[] data = input.endsWith(".repeat") ? expand(new String(raw, StandardCharsets.UTF_8)) : raw;
        String result;
        try {
            result = run(op, data);
        } catch (SesgoException e) {
            assertEquals(code, e.code(), name + ": " + e.getMessage());
            assertTrue(e.operationOutcomeJson().contains("OperationOutcome"), name);
            return;
        } catch (Throwable t) {
            fail(name + ": a non-sesgo exception escaped: " + t);
            return;
        }
        assertTrue(result.contains("\"code\":\"" + code + "\""), name + ": " + code + " not in the result");
    }

    interface Call {
        void run() throws Exception;
    }

    /** Only a {@link SesgoException} with a guide code (never {@code SYSTEM}) escapes. */
    static void sesgoOnly(String what, String code, Call call) {
        try {
            call.run();
            fail(what + ": no exception");
        } catch (SesgoException e) {
            if (code != null) {
                assertEquals(code, e.code(), what + ": " + e.getMessage());
            }
            assertTrue(e.code().contains("."), what + ": " + e.getMessage());
        } catch (Throwable t) {
            fail(what + ": a non-sesgo exception escaped: " + t);
        }
    }

    /**
     * Text that is not Unicode (a lone surrogate): the JVM's modified UTF-8 may reach sesgo
     * as an error (CONFIG.INVALID-PARAMETER) or with the surrogate replaced (then the value
     * itself is refused); either way a sesgo error with a guide code.
     */
    @Test
    void textThatIsNotUnicodeIsASesgoError() {
        sesgoOnly("Signature.data with a lone surrogate", null,
                () -> Sesgo.verify(trust, null, null, null, "\ud800", OFF));
        sesgoOnly("options with a lone surrogate", null,
                () -> Sesgo.verify(trust, null, null, "{}".getBytes(StandardCharsets.UTF_8), null, "{\"policy\":\"\udc00\"}"));
        sesgoOnly("alias with a lone surrogate", null,
                () -> Signer.fromPkcs12(read(KAT.resolve("pki/signer-3des.p12")), "teste123".toCharArray(), "\ud800"));
        sesgoOnly("settings as a positional array", "CONFIG.INVALID-PARAMETER",
                () -> Sesgo.verify(trust, null, null, "{}".getBytes(StandardCharsets.UTF_8), null, "{\"settings\":[1609459200,30]}"));
        sesgoOnly("trust store options with an unknown member", "CONFIG.INVALID-PARAMETER",
                () -> TrustStore.fromJson("{\"icpBrasil\":true,\"rootSha2566\":[]}"));
    }
}
