package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Access tokens from the live Keycloak that {@code cargo xtask test keycloak} starts
 * (its description in {@code SESGO_KEYCLOAK}); not run by the plain Java suite.
 */
class TokenKeycloakTest {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> keycloak() throws IOException {
        String path = System.getenv("SESGO_KEYCLOAK");
        Assumptions.assumeTrue(path != null && !path.isEmpty(), "SESGO_KEYCLOAK not set");
        return (Map<String, Object>) new TestPki.Reader(
                Files.readString(Path.of(path), StandardCharsets.UTF_8)).value();
    }

    private static Signer ecnpj() throws IOException {
        byte[] p12 = Files.readAllBytes(Path.of(TestPki.get("p12Ecnpj")));
        return Signer.fromPkcs12(p12, TestPki.get("password").toCharArray(), null);
    }

    @SuppressWarnings("unchecked")
    private static String options(Map<String, Object> kc, boolean assertion) throws IOException {
        String ca = Files.readString(Path.of((String) kc.get("caPem")), StandardCharsets.UTF_8);
        StringBuilder o = new StringBuilder("{");
        if (assertion) {
            Map<String, Object> c = (Map<String, Object>) kc.get("jwtClient");
            o.append("\"tokenEndpoint\":").append(Json.string((String) kc.get("tokenEndpoint")))
                    .append(",\"clientId\":").append(Json.string((String) c.get("clientId")))
                    .append(",\"assertion\":true");
        } else {
            Map<String, Object> c = (Map<String, Object>) kc.get("mtlsClient");
            o.append("\"issuer\":").append(Json.string((String) kc.get("issuer")))
                    .append(",\"clientId\":").append(Json.string((String) c.get("clientId")))
                    .append(",\"clientSecret\":").append(Json.string((String) c.get("secret")));
        }
        o.append(",\"cache\":false,\"caCertsPem\":").append(Json.string(ca)).append('}');
        return o.toString();
    }

    private static String thumbprint(String certPemPath) throws Exception {
        byte[] der = Sesgo.exportCertificate(Files.readAllBytes(Path.of(certPemPath)), null, "der");
        byte[] h = MessageDigest.getInstance("SHA-256").digest(der);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    }

    @Test
    void bothVariantsGiveACertificateBoundToken() throws Exception {
        Map<String, Object> kc = keycloak();
        String x5t = thumbprint(TestPki.get("ecnpj", "certPem"));
        try (Signer signer = ecnpj()) {
            for (boolean assertion : new boolean[] {false, true}) {
                String json = Sesgo.token(signer, options(kc, assertion));
                assertTrue(json.contains("\"tokenType\":\"Bearer\""), json);
                assertTrue(json.contains("\"cnfX5tS256\":\"" + x5t + "\""), json);
            }
        }
    }

    @Test
    void wrongSecretIsACodedError() throws Exception {
        Map<String, Object> kc = keycloak();
        String bad = options(kc, false).replaceFirst("\"clientSecret\":\"[^\"]*\"", "\"clientSecret\":\"errado\"");
        try (Signer signer = ecnpj()) {
            SesgoException e = assertThrows(SesgoException.class, () -> Sesgo.token(signer, bad));
            assertEquals("CONFIG.INVALID-PARAMETER", e.code());
            assertTrue(e.getMessage().contains("unauthorized_client") || e.getMessage().contains("invalid_client"),
                    e.getMessage());
        }
    }
}
