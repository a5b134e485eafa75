package br.gov.go.saude.sesgo;

import static br.gov.go.saude.sesgo.SesgoTest.example;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Signer#fromPkcs11} with a SoftHSM2 token holding the test PKI's e-CPF key (the
 * manifest's {@code pkcs11} member; {@code cargo xtask test java} exports
 * {@code SOFTHSM2_CONF} to the JVM).
 */
class Pkcs11Test {
    static final String P020 = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

    static String hsm(String key) {
        Object h = TestPki.manifest().get("pkcs11");
        assertTrue(h instanceof Map, "manifest has no pkcs11 member");
        return (String) ((Map<?, ?>) h).get(key);
    }

    static Pkcs11Config config() {
        return Pkcs11Config.module(hsm("module"))
                .tokenLabel(hsm("tokenLabel"))
                .keyId(hsm("keyId"))
                .setting("maxRetries", 0);
    }

    static String data(SignResult r) {
        String sig = r.signatureJson();
        int at = sig.indexOf("\"data\":\"") + 8;
        return sig.substring(at, sig.indexOf('"', at));
    }

    @Test
    void signsThroughSoftHsmLikePkcs12AndVerifies() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String options = "{\"policy\":\"" + P020 + "\",\"referenceTime\":" + now + "}";
        try (TrustStore trust = TestPki.trustStore();
                Signer hsmSigner = Signer.fromPkcs11(config(), hsm("pin").toCharArray());
                Signer p12 = Signer.fromPkcs12(TestPki.read(TestPki.get("p12Aes")), TestPki.password(), null)) {
            byte[] bundle = example("bundle.json");
            byte[] provenance = example("provenance.json");
            SignResult a = Sesgo.signResult(bundle, provenance, hsmSigner, trust, options);
            SignResult b = Sesgo.signResult(bundle, provenance, p12, trust, options);
            // Header, payload and RS256 value: the same bytes as the PKCS#12 key's.
            assertEquals(data(b), data(a));
            VerificationResult v = Sesgo.verifyResult(
                    trust, null, a.provenanceJson().getBytes(java.nio.charset.StandardCharsets.UTF_8), bundle, null,
                    "{\"policy\":\"" + P020 + "\",\"settings\":{\"revocationPolicy\":\"warn\"}}");
            assertTrue(v.isValid(), v.outcomeJson());
        }
        SesgoException e = assertThrows(SesgoException.class,
                () -> Signer.fromPkcs11(config(), "000000".toCharArray()));
        assertEquals("CRYPTO.PIN-INVALID", e.code());
        assertEquals("pkcs11.pin", e.location());
    }
}
