package br.gov.go.saude.sesgo;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
