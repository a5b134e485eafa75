package sesgo.bench;

import br.gov.go.saude.sesgo.Sesgo;
import br.gov.go.saude.sesgo.SignResult;
import br.gov.go.saude.sesgo.Signer;
import br.gov.go.saude.sesgo.TrustStore;
import br.gov.go.saude.sesgo.VerificationResult;
import br.gov.go.saude.sesgo.VerifyRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * The sesgo jar against the same policy-0.1.2 work written in plain Java as a competent
 * integrator would (JCA for RSA and SHA-256, Jackson for JSON, erdtman's
 * java-json-canonicalization for RFC 8785), timed in one warm JVM on the same inputs
 * (issue 17). It mirrors crates/sesgo-bench/python/pipeline_bench.py: sign = parse,
 * select the signed set, strip, JCS, SHA-256, RS256, build Signature / Provenance /
 * transfer Bundle, serialize; verify = parse, decode the JWS, check the x5c chain to the
 * trusted root (cached per chain, as sesgo's trust store caches chain validation), RS256,
 * recompute the digest. Cross-checks (exit status 1 otherwise): identical content
 * digests, sesgo's JWS payload equals the plain digest, the plain verifier accepts
 * sesgo's transfer Bundle, sesgo accepts the plain one's.
 *
 * <p>usage: JvmPipelineBench MANIFEST DATA_DIR SIZES OUT.json MIN_SECONDS [--quick]
 */
public final class JvmPipelineBench {
    static final String POLICY =
            "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
    static final Set<String> META_STRIPPED = Set.of("versionId", "lastUpdated", "source", "tag");
    static final String OPTIONS = "{\"settings\":{\"revocationPolicy\":\"off\"}}";
    static final ObjectMapper M = new ObjectMapper();
    static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    static final class CrossCheckFailed extends Exception {
        CrossCheckFailed(String m) {
            super(m);
        }
    }

    // ----------------------------------------------------------------------------------
    // The plain-Java pipeline
    // ----------------------------------------------------------------------------------

    static JsonNode strip01(JsonNode resource) {
        ObjectNode out = ((ObjectNode) resource).deepCopy();
        out.remove("id");
        JsonNode meta = out.get("meta");
        if (meta instanceof ObjectNode m) {
            m.remove(META_STRIPPED);
            if (m.isEmpty()) {
                out.remove("meta");
            }
        }
        return out;
    }

    static List<JsonNode> signedSet(JsonNode bundle, JsonNode provenance) {
        Map<String, JsonNode> byUrl = new HashMap<>();
        for (JsonNode e : bundle.get("entry")) {
            if (e.hasNonNull("fullUrl")) {
                byUrl.put(e.get("fullUrl").asText(), e.get("resource"));
            }
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode t : provenance.get("target")) {
            JsonNode r = byUrl.get(t.get("reference").asText());
            if (r == null) {
                throw new IllegalArgumentException("target not in the Bundle: " + t);
            }
            out.add(r);
        }
        return out;
    }

    static byte[] digest(List<JsonNode> resources) throws Exception {
        MessageDigest h = MessageDigest.getInstance("SHA-256");
        for (JsonNode r : resources) {
            h.update(new JsonCanonicalizer(M.writeValueAsString(strip01(r))).getEncodedUTF8());
        }
        return h.digest();
    }

    static final class PlainSigner {
        final PrivateKey key;
        final List<String> x5c = new ArrayList<>();
        final String cpf;

        PlainSigner(byte[] keyPem, List<byte[]> chainDer, String cpf) throws Exception {
            String pem = new String(keyPem, StandardCharsets.US_ASCII)
                    .replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "")
                    .replaceAll("\\s", "");
            key = KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            for (byte[] d : chainDer) {
                x5c.add(Base64.getEncoder().encodeToString(d));
            }
            this.cpf = cpf;
        }

        /** The transfer Bundle, serialized. */
        byte[] sign(byte[] bundleBytes, byte[] provenanceBytes) throws Exception {
            JsonNode bundle = M.readTree(bundleBytes);
            JsonNode provenance = M.readTree(provenanceBytes);
            List<JsonNode> resources = signedSet(bundle, provenance);
            byte[] digest = digest(resources);
            long iat = Instant.now().getEpochSecond();
            ObjectNode header = M.createObjectNode();
            header.put("alg", "RS256");
            ArrayNode chain = header.putArray("x5c");
            x5c.forEach(chain::add);
            header.put("iat", iat);
            header.putObject("sigPId").put("id", POLICY);
            String protectedB64 = B64URL.encodeToString(M.writeValueAsBytes(header));
            String payload = B64URL.encodeToString(digest);
            java.security.Signature s = java.security.Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update((protectedB64 + "." + payload).getBytes(StandardCharsets.US_ASCII));
            ObjectNode jws = M.createObjectNode();
            jws.put("payload", payload);
            ObjectNode sig0 = jws.putArray("signatures").addObject();
            sig0.put("protected", protectedB64);
            sig0.put("signature", B64URL.encodeToString(s.sign()));
            ObjectNode element = M.createObjectNode();
            ObjectNode type = element.putArray("type").addObject();
            type.put("system", "urn:iso-astm:E1762-95:2013");
            type.put("code", "1.2.840.10065.1.12.1.5");
            element.put("when", Instant.ofEpochSecond(iat).toString());
            ObjectNode identifier = element.putObject("who").putObject("identifier");
            identifier.put("system", "urn:brasil:cpf");
            identifier.put("value", cpf);
            element.put("targetFormat", "application/octet-stream");
            element.put("sigFormat", "application/jose");
            element.put("data", Base64.getEncoder().encodeToString(M.writeValueAsBytes(jws)));
            ObjectNode signedProvenance = ((ObjectNode) provenance).deepCopy();
            signedProvenance.putArray("signature").add(element);
            ObjectNode transfer = M.createObjectNode();
            transfer.put("resourceType", "Bundle");
            transfer.put("type", "collection");
            ArrayNode entries = transfer.putArray("entry");
            JsonNode targets = provenance.get("target");
            for (int i = 0; i < resources.size(); i++) {
                ObjectNode e = entries.addObject();
                e.put("fullUrl", targets.get(i).get("reference").asText());
                e.set("resource", resources.get(i));
            }
            entries.addObject().set("resource", signedProvenance);
            return M.writeValueAsBytes(transfer);
        }
    }

    static final class PlainVerifier {
        final Set<String> roots;
        final Map<List<String>, X509Certificate> chainCache = new HashMap<>();
        final CertificateFactory cf = CertificateFactory.getInstance("X.509");

        PlainVerifier(String rootSha256) throws Exception {
            roots = Set.of(rootSha256.toLowerCase());
        }

        X509Certificate chain(List<String> x5c) throws Exception {
            X509Certificate hit = chainCache.get(x5c);
            if (hit == null) {
                List<X509Certificate> certs = new ArrayList<>();
                for (String c : x5c) {
                    certs.add((X509Certificate) cf.generateCertificate(
                            new ByteArrayInputStream(Base64.getDecoder().decode(c))));
                }
                for (int i = 0; i + 1 < certs.size(); i++) {
                    certs.get(i).verify(certs.get(i + 1).getPublicKey());
                }
                X509Certificate last = certs.get(certs.size() - 1);
                if (certs.size() == 1 || !last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                    throw new IllegalArgumentException("x5c does not end at a root");
                }
                last.verify(last.getPublicKey());
                String fp = HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(last.getEncoded()));
                if (!roots.contains(fp)) {
                    throw new IllegalArgumentException("untrusted root");
                }
                hit = certs.get(0);
                chainCache.put(List.copyOf(x5c), hit);
            }
            hit.checkValidity();
            return hit;
        }

        /** Throws on any failure; returns the verified content digest. */
        byte[] verify(byte[] transferBytes) throws Exception {
            JsonNode bundle = M.readTree(transferBytes);
            JsonNode provenance = null;
            for (JsonNode e : bundle.get("entry")) {
                JsonNode r = e.get("resource");
                if ("Provenance".equals(r.path("resourceType").asText()) && r.has("signature")) {
                    provenance = r;
                }
            }
            if (provenance == null) {
                throw new IllegalArgumentException("no signed Provenance");
            }
            JsonNode jws = M.readTree(
                    Base64.getDecoder().decode(provenance.get("signature").get(0).get("data").asText()));
            JsonNode s0 = jws.get("signatures").get(0);
            String protectedB64 = s0.get("protected").asText();
            JsonNode header = M.readTree(Base64.getUrlDecoder().decode(protectedB64));
            if (!"RS256".equals(header.path("alg").asText())
                    || !POLICY.equals(header.path("sigPId").path("id").asText())) {
                throw new IllegalArgumentException("unexpected header");
            }
            List<String> x5c = new ArrayList<>();
            header.get("x5c").forEach(c -> x5c.add(c.asText()));
            PublicKey key = chain(x5c).getPublicKey();
            java.security.Signature v = java.security.Signature.getInstance("SHA256withRSA");
            v.initVerify(key);
            v.update((protectedB64 + "." + jws.get("payload").asText()).getBytes(StandardCharsets.US_ASCII));
            if (!v.verify(Base64.getUrlDecoder().decode(s0.get("signature").asText()))) {
                throw new IllegalArgumentException("bad signature");
            }
            byte[] digest = digest(signedSet(bundle, provenance));
            if (!B64URL.encodeToString(digest).equals(jws.get("payload").asText())) {
                throw new IllegalArgumentException("content digest does not match the payload");
            }
            return digest;
        }
    }

    // ----------------------------------------------------------------------------------
    // Timing
    // ----------------------------------------------------------------------------------

    /** Median seconds per call after a warm-up (JIT): at least 3 calls and minTime seconds. */
    static double timed(Callable<?> f, double minTime, boolean quick) throws Exception {
        long warm = System.nanoTime();
        int warmCalls = 0;
        while (warmCalls < (quick ? 1 : 20) || (!quick && System.nanoTime() - warm < 1_000_000_000L)) {
            f.call();
            warmCalls++;
        }
        List<Double> samples = new ArrayList<>();
        long start = System.nanoTime();
        while (samples.size() < (quick ? 1 : 3) || (!quick && (System.nanoTime() - start) / 1e9 < minTime)) {
            long t = System.nanoTime();
            f.call();
            samples.add((System.nanoTime() - t) / 1e9);
        }
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static byte[] payloadOf(String signatureJson) throws Exception {
        JsonNode jws = M.readTree(Base64.getDecoder().decode(M.readTree(signatureJson).get("data").asText()));
        return Base64.getUrlDecoder().decode(jws.get("payload").asText());
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (CrossCheckFailed e) {
            System.err.println("jvm_bench: CROSS-CHECK FAILED: " + e.getMessage());
            System.exit(1);
        }
    }

    static void run(String[] args) throws Exception {
        Path manifest = Path.of(args[0]);
        Path data = Path.of(args[1]);
        String[] sizes = args[2].split(",");
        Path out = Path.of(args[3]);
        double minTime = Double.parseDouble(args[4]);
        boolean quick = args.length > 5 && args[5].equals("--quick");

        JsonNode m = M.readTree(manifest.toFile());
        List<byte[]> chainDer = new ArrayList<>();
        for (String k : List.of("ecpf", "ac2", "ac1", "root")) {
            chainDer.add(Files.readAllBytes(Path.of(m.get(k).get("certDer").asText())));
        }
        PlainSigner plainSigner = new PlainSigner(
                Files.readAllBytes(Path.of(m.get("ecpf").get("keyPem").asText())), chainDer, "12345678909");
        PlainVerifier plainVerifier = new PlainVerifier(m.get("rootSha256").asText());
        String chainPem = Files.readString(Path.of(m.get("chainPem").asText()));

        ObjectNode results = M.createObjectNode();
        results.put("java", System.getProperty("java.version"));
        results.put("vm", System.getProperty("java.vm.name"));
        results.put("sesgoVersion", Sesgo.version());
        ObjectNode bySize = results.putObject("sizes");
        try (Signer signer = Signer.fromPkcs12(
                        Files.readAllBytes(Path.of(m.get("p12Aes").asText())),
                        m.get("password").asText().toCharArray(),
                        null);
                TrustStore trust = TrustStore.builder()
                        .rootSha256(m.get("rootSha256").asText())
                        .caCertsPem(chainPem)
                        .build()) {
            for (String label : sizes) {
                if (label.isEmpty()) {
                    continue;
                }
                byte[] bundle = Files.readAllBytes(data.resolve("bundle-" + label + ".json"));
                byte[] prov = Files.readAllBytes(data.resolve("provenance-" + label + ".json"));
                ObjectNode r = bySize.putObject(label);
                r.put("bytes", bundle.length);

                // Cross-check 1: the content digest, plain vs sesgo's canonicalization.
                List<JsonNode> resources = signedSet(M.readTree(bundle), M.readTree(prov));
                byte[] expected = digest(resources);
                MessageDigest h = MessageDigest.getInstance("SHA-256");
                for (JsonNode res : resources) {
                    h.update(Sesgo.canonicalize(M.writeValueAsBytes(res), Sesgo.POLICY_0_1_2));
                }
                if (!Arrays.equals(h.digest(), expected)) {
                    throw new CrossCheckFailed(label + ": content digests differ (canonicalize path)");
                }
                r.put("digestSha256", HexFormat.of().formatHex(expected));

                // Cross-check 2: each side accepts the other's transfer Bundle.
                byte[] plainTransfer = plainSigner.sign(bundle, prov);
                if (!Arrays.equals(plainVerifier.verify(plainTransfer), expected)) {
                    throw new CrossCheckFailed(label + ": plain verify digest differs");
                }
                SignResult signed = Sesgo.signResult(bundle, prov, signer, trust, OPTIONS);
                if (!Arrays.equals(payloadOf(signed.signatureJson()), expected)) {
                    throw new CrossCheckFailed(label + ": sesgo's JWS payload differs from the plain digest");
                }
                byte[] transfer = signed.bundleUtf8();
                if (!Arrays.equals(plainVerifier.verify(transfer), expected)) {
                    throw new CrossCheckFailed(label + ": the plain verifier rejects sesgo's signature");
                }
                VerificationResult own = Sesgo.verifyResult(trust, VerifyRequest.bundle(transfer).options(OPTIONS));
                if (!own.isValid()) {
                    throw new CrossCheckFailed(label + ": sesgo rejects its own signature: " + own.json());
                }

                r.put("plain_sign_s", timed(() -> plainSigner.sign(bundle, prov), minTime, quick));
                r.put("plain_verify_s", timed(() -> plainVerifier.verify(plainTransfer), minTime, quick));
                r.put("jar_sign_s", timed(
                        () -> Sesgo.signResult(bundle, prov, signer, trust, OPTIONS).bundleUtf8(), minTime, quick));
                VerifyRequest request = VerifyRequest.bundle(transfer).options(OPTIONS);
                r.put("jar_verify_s", timed(() -> {
                    if (!Sesgo.verifyResult(trust, request).isValid()) {
                        throw new IllegalStateException("sesgo verify failed during timing");
                    }
                    return null;
                }, minTime, quick));
                System.err.println("jvm_bench: " + label + ": " + r);
            }
        }
        Files.writeString(out, M.writerWithDefaultPrettyPrinter().writeValueAsString(results));
    }
}
