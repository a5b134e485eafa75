package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AIA chain completion through the loopback server xtask runs (issue 18), and a Java transport. */
class NetworkTest {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> online() {
        return (Map<String, Object>) TestPki.manifest().get("online");
    }

    private static String str(Map<String, Object> m, String k) {
        return (String) m.get(k);
    }

    @SuppressWarnings("unchecked")
    private static byte[] leaf() throws Exception {
        Map<String, Object> ecpf = (Map<String, Object>) online().get("ecpf");
        return Files.readAllBytes(Path.of((String) ecpf.get("certPem")));
    }

    private static TrustStore roots() {
        return TrustStore.builder().rootSha256(str(online(), "rootSha256")).build();
    }

    private static String options(Path dir) {
        return "{\"cacheDir\":" + Json.string(dir.toString()) + "}";
    }

    @Test
    void aLeafIsCompletedThroughAia(@TempDir Path tmp) throws Exception {
        byte[] leaf = leaf();
        try (TrustStore base = roots()) {
            SesgoException e = assertThrows(SesgoException.class, () -> Sesgo.buildX5c(leaf, base, null));
            assertEquals("CERT.CHAIN-INCOMPLETE", e.code());
            try (Network offline = Network.create("{\"network\":false}", options(tmp));
                    TrustStore t = offline.trustStore(base)) {
                e = assertThrows(SesgoException.class, () -> Sesgo.buildX5c(leaf, t, null));
                assertEquals("CERT.CHAIN-INCOMPLETE", e.code());
                assertTrue(e.getMessage().contains("offline"), e.getMessage());
            }
            try (Network net = Network.create(null, options(tmp)); TrustStore t = net.trustStore(base)) {
                List<String> x5c = Sesgo.buildX5c(leaf, t, null);
                assertEquals(4, x5c.size());
            }
        }
    }

    @Test
    void aJavaFetcherIsTheTransport(@TempDir Path tmp) throws Exception {
        String base = str(online(), "baseUrl");
        Path www = Path.of(str(online(), "www"));
        AtomicInteger calls = new AtomicInteger();
        Fetcher fromDisk = (method, url, purpose, body, timeoutMillis, maxBytes) -> {
            calls.incrementAndGet();
            assertEquals("GET", method);
            assertEquals("aia", purpose);
            assertTrue(timeoutMillis > 0 && maxBytes > 0);
            Path p = www.resolve(url.substring(base.length() + 1));
            return url.startsWith(base) && Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        };
        try (TrustStore roots = roots();
                Network net = Network.withFetcher(null, options(tmp.resolve("a")), fromDisk);
                TrustStore t = net.trustStore(roots)) {
            assertEquals(4, Sesgo.buildX5c(leaf(), t, null).size());
            assertEquals(3, calls.get());
        }
        Fetcher broken = (method, url, purpose, body, timeoutMillis, maxBytes) -> {
            throw new java.io.IOException("sem rota");
        };
        try (TrustStore roots = roots();
                Network net = Network.withFetcher(null, options(tmp.resolve("b")), broken);
                TrustStore t = net.trustStore(roots)) {
            SesgoException e = assertThrows(SesgoException.class, () -> Sesgo.buildX5c(leaf(), t, null));
            assertEquals("CERT.CHAIN-INCOMPLETE", e.code());
            assertTrue(e.getMessage().contains("IOException"), e.getMessage());
        }
    }

    /** Serves GETs under the loopback server's URL from its directory; refuses the rest. */
    private static Fetcher filesOnly(List<String> purposes) {
        String base = str(online(), "baseUrl");
        Path www = Path.of(str(online(), "www"));
        return (method, url, purpose, body, timeoutMillis, maxBytes) -> {
            synchronized (purposes) {
                purposes.add(purpose);
            }
            if (!"GET".equals(method) || !url.startsWith(base)) {
                throw new java.net.ConnectException("somente arquivos");
            }
            Path p = www.resolve(url.substring(base.length() + 1));
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        };
    }

    @Test
    void aLeafOnlySignatureVerifiesStrictlyThroughAia(@TempDir Path tmp) throws Exception {
        // x5c holds only the leaf (another signer's signature); only the root is trusted;
        // default strict revocation: the chain through AIA, statuses from the CRLs, all
        // through the network attached to the trust store.
        byte[] bundle = Files.readAllBytes(Path.of(str(online(), "leafOnlyBundle")));
        try (TrustStore base = roots()) {
            VerificationResult plain = Sesgo.verifyResult(base, VerifyRequest.bundle(bundle));
            assertFalse(plain.isValid());
            assertTrue(plain.outcomeJson().contains("CERT.CHAIN-INCOMPLETE"), plain.outcomeJson());
            try (Network net = Network.create(null, options(tmp.resolve("http")));
                    TrustStore t = net.trustStore(base)) {
                VerificationResult v = Sesgo.verifyResult(t, VerifyRequest.bundle(bundle));
                assertTrue(v.isValid(), v.outcomeJson());
                String show = net.showTrustStore(base);
                assertTrue(show.contains("/aia/ac2.p7b"), show);
                assertTrue(show.contains(str(online(), "rootSha256")), show);
            }
            List<String> purposes = new java.util.ArrayList<>();
            try (Network net = Network.withFetcher(null, options(tmp.resolve("host")), filesOnly(purposes));
                    TrustStore t = net.trustStore(base)) {
                VerificationResult v = Sesgo.verifyResult(t, VerifyRequest.bundle(bundle));
                assertTrue(v.isValid(), v.outcomeJson());
            }
            assertEquals(3, java.util.Collections.frequency(purposes, "aia"), purposes.toString());
            assertEquals(3, java.util.Collections.frequency(purposes, "ocsp"), purposes.toString());
            assertEquals(3, java.util.Collections.frequency(purposes, "crl"), purposes.toString());
        }
    }

    @Test
    void offlineReachesNothingAndSaysSo(@TempDir Path tmp) throws Exception {
        List<String> purposes = new java.util.ArrayList<>();
        byte[] bundle = SesgoTest.example("bundle.json");
        byte[] provenance = SesgoTest.example("provenance.json");
        try (Network net = Network.withFetcher("{\"network\":false}", options(tmp), filesOnly(purposes));
                TrustStore store = TestPki.trustStore();
                TrustStore t = net.trustStore(store);
                Signer signer = Signer.fromPkcs12(TestPki.read(TestPki.get("p12Aes")), TestPki.password(), null)) {
            SesgoException e = assertThrows(SesgoException.class, () -> Sesgo.sign(bundle, provenance, signer, t, null));
            assertEquals("REVOCATION.NO-CONNECTIVITY", e.code());
            String tsa = "{\"strategy\":\"tsa\",\"settings\":{\"revocationPolicy\":\"off\",\"tsaUrl\":"
                    + Json.string(TestPki.get("tsa", "url")) + "}}";
            e = assertThrows(SesgoException.class, () -> Sesgo.sign(bundle, provenance, signer, t, tsa));
            assertEquals("TSA.UNAVAILABLE", e.code());
            String token = "{\"tokenEndpoint\":\"https://127.0.0.1:1/token\",\"clientId\":\"c\","
                    + "\"clientSecret\":\"s\",\"cache\":false}";
            e = assertThrows(SesgoException.class, () -> Sesgo.token(signer, net, token));
            assertEquals("CONFIG.INVALID-PARAMETER", e.code());
            assertEquals("network", e.location());
        }
        assertEquals(List.of(), purposes);
    }
}
