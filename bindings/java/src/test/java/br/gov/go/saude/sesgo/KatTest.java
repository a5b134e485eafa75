package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Known-answer vectors ({@code testdata/kat}, README there) through the JNI binding.
 *
 * <p>The binding has no injectable clock (a reference time must lie within 300 s of the
 * system clock), so the committed JWS cannot be reproduced byte for byte. Checked against the
 * committed bytes instead: a signature made now with the committed key — read by sesgo from
 * the legacy 3DES PKCS#12, and by Java's own PKCS12 KeyStore behind {@link Signer#external} —
 * carries exactly the committed payload (content digest) and, with its only time-dependent
 * member {@code iat} set to the reference time, exactly the committed protected header; the
 * committed transfer Bundle verifies (at the current time); the committed JWS with one
 * signature byte changed does not.
 */
class KatTest {
    static final Path KAT = Path.of("../../testdata/kat");
    /** Revocation is not checked by these vectors (no OCSP/CRL for the test PKI). */
    static final String NO_REVOCATION = "{\"settings\":{\"revocationPolicy\":\"off\"}}";

    static TrustStore trust;

    static byte[] read(String rel) {
        try {
            return Files.readAllBytes(KAT.resolve(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readString(String rel) {
        return new String(read(rel), StandardCharsets.UTF_8);
    }

    /** The string value after {@code key} (e.g. {@code "payload":"}) in compact JSON. */
    static String after(String json, String key) {
        int i = json.indexOf(key);
        assertTrue(i >= 0, key);
        int start = i + key.length();
        return json.substring(start, json.indexOf('"', start));
    }

    @BeforeAll
    static void setUp() {
        NativeLibrary.load();
        // Pinned to the committed root by its fingerprint; root and ACs complete chains.
        trust = TrustStore.builder()
                .icpBrasil(false)
                .rootSha256(readString("pki/root.sha256").trim())
                .caCertsPem(readString("pki/root.pem") + readString("pki/intermediates.pem"))
                .build();
    }

    static Signer javaKeyStoreSigner() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        char[] password = "teste123".toCharArray();
        ks.load(new ByteArrayInputStream(read("pki/signer-3des.p12")), password);
        PrivateKey key = (PrivateKey) ks.getKey("kat teste", password);
        Certificate[] chain = ks.getCertificateChain("kat teste");
        return Signer.external(key, Arrays.copyOf(chain, chain.length, X509Certificate[].class));
    }

    @ParameterizedTest
    @CsvSource({"ig-0.1.2", "politica-0.2.0"})
    void knownAnswers(String folder) throws Exception {
        String policy = readString(folder + "/policy-uri.txt");
        String referenceTime = readString("reference-time.txt").trim();
        String digestHex = readString(folder + "/digest.hex");
        // The committed signed set hashes to the committed digest.
        assertEquals(
                digestHex,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(read(folder + "/signed-set.bin"))));
        String committedJws = readString(folder + "/jws.json");

        Signer sesgoP12 = Signer.fromPkcs12(read("pki/signer-3des.p12"), "teste123".toCharArray(), "kat teste");
        for (Signer signer : new Signer[] {sesgoP12, javaKeyStoreSigner()}) {
            try (signer) {
                SignResult r = Sesgo.signResult(
                        read("input/bundle.json"),
                        read("input/provenance.json"),
                        signer,
                        trust,
                        "{\"policy\":" + Json.string(policy) + ",\"settings\":{\"revocationPolicy\":\"off\"}}");
                assertNull(r.warningsJson());
                String jws = new String(
                        Base64.getDecoder().decode(after(r.signatureJson(), "\"data\":\"")), StandardCharsets.UTF_8);
                String payload = after(jws, "\"payload\":\"");
                assertEquals(after(committedJws, "\"payload\":\""), payload);
                assertEquals(digestHex, HexFormat.of().formatHex(Base64.getUrlDecoder().decode(payload)));
                String header = new String(
                        Base64.getUrlDecoder().decode(after(jws, "\"protected\":\"")), StandardCharsets.UTF_8);
                String normalized = header.replaceFirst(",\"iat\":[0-9]+,", ",\"iat\":" + referenceTime + ",");
                assertArrayEquals(read(folder + "/protected-header.json"), normalized.getBytes(StandardCharsets.UTF_8));
            }
        }

        VerificationResult v = Sesgo.verifyResult(trust, null, null, read(folder + "/bundle.json"), null, NO_REVOCATION);
        assertTrue(v.isValid(), v::json);
        assertTrue(v.outcomeJson().contains("VALIDATION.SUCCESS"), v::json);

        int at = committedJws.indexOf("\"signature\":\"") + "\"signature\":\"".length();
        char c = committedJws.charAt(at) == 'A' ? 'B' : 'A';
        String flipped = committedJws.substring(0, at) + c + committedJws.substring(at + 1);
        assertEquals(
                readString(folder + "/signature-data.txt"),
                Base64.getEncoder().encodeToString(committedJws.getBytes(StandardCharsets.UTF_8)));
        v = Sesgo.verifyResult(
                trust,
                null,
                null,
                null,
                Base64.getEncoder().encodeToString(flipped.getBytes(StandardCharsets.UTF_8)),
                NO_REVOCATION);
        assertFalse(v.isValid(), v::json);
        assertTrue(v.outcomeJson().contains("VALIDATION.SIGNATURE-VERIFICATION-FAILED"), v::json);
        assertTrue(v.outcomeJson().contains("\"location\":[\"Signature.data#signature\"]"), v::json);
    }
}
