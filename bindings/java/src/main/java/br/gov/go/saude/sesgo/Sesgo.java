package br.gov.go.saude.sesgo;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Entry point of sesgo for the JVM: FHIR R4 signing support of the SES-GO security guide
 * ({@code https://fhir.saude.go.gov.br/r4/seguranca/}). JSON goes in as {@code byte[]}
 * (UTF-8, exactly as received, so number tokens such as {@code 36.50} are preserved) and
 * comes out as {@code String} (JSON) or {@code byte[]} (canonical bytes).
 *
 * <p>Every method is thread-safe and throws {@link SesgoException} carrying the guide's
 * code when the input or options are refused. A {@code null} where a value is required
 * throws {@link NullPointerException} (a programming error, not a guide code); parameters
 * named {@code ...OrNull} accept {@code null} for "absent / default".
 *
 * <p>Signing and verification take a {@link Signer} and a {@link TrustStore} (native
 * handles; open objects may be shared by any number of threads). Options are JSON text:
 * {@code {"policy": uri?, "strategy": "iat"|"tsa"?, "referenceTime": unix?, "settings":
 * {...}}} (settings in camelCase, e.g. {@code "revocationPolicy": "strict"|"soft-fail"|"warn"|"off"}).
 */
public final class Sesgo {
    /**
     * Signature policy 0.1.2 (RFC 8785 JCS canonicalization), its URI as the native
     * library names it ({@code sesgo_policies}, read when this class is initialized; the
     * jar repeats no policy URI). Null only when the native library cannot be loaded -
     * every method then throws that {@link SesgoException}.
     */
    public static final String POLICY_0_1_2 = PolicyCatalog.uriOf("0.1.2");

    /**
     * Signature policy 0.2.0 ({@code fhir-json-lossless}: number tokens kept as written),
     * from the native library as {@link #POLICY_0_1_2}.
     */
    public static final String POLICY_0_2_0 = PolicyCatalog.uriOf("0.2.0");

    /** URL of the extension {@code hash-sha256} (SHA-256 of a signed attachment's content). */
    public static final String HASH_SHA256_URL =
            "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/hash-sha256";

    private Sesgo() {}

    /**
     * Every signature policy URI the loaded native library supports, in its order.
     *
     * @throws SesgoException if the native library cannot be loaded
     */
    public static java.util.List<String> supportedPolicies() {
        return PolicyCatalog.load().uris;
    }

    /**
     * The policy URI the native library signs with when none is given.
     *
     * @throws SesgoException if the native library cannot be loaded
     */
    public static String defaultPolicy() {
        return PolicyCatalog.load().defaultUri;
    }

    /**
     * The guide's default settings as the native library applies them, as JSON in the form
     * every {@code settings} argument takes (camelCase members, e.g.
     * {@code "revocationPolicy":"strict"}, {@code "maxBundleBytes":52428800}). A member a
     * call's settings leave out takes this value; the jar repeats none of them.
     */
    public static String defaultSettings() {
        NativeLibrary.load();
        return Native.defaultSettings();
    }

    /** The sesgo version of the loaded native library (every artifact shares it). */
    public static String version() {
        NativeLibrary.load();
        return Native.version();
    }

    /**
     * The canonical bytes of one FHIR resource exactly as a signature covers them
     * (unsigned elements removed, then the policy's canonicalization). Useful to debug a
     * digest mismatch.
     *
     * @param resource the resource JSON (UTF-8)
     * @param policyOrNull policy URI ({@link #POLICY_0_1_2}, {@link #POLICY_0_2_0}); null for the default
     * @throws SesgoException e.g. {@code FORMAT.JSON-MALFORMED}, {@code POLICY.VERSION-UNSUPPORTED}
     */
    public static byte[] canonicalize(byte[] resource, String policyOrNull) {
        Objects.requireNonNull(resource, "resource");
        NativeLibrary.load();
        return result(Native.canonicalize(resource, policyOrNull));
    }

    /**
     * Checks a Bundle (and optionally the Provenance designating its signed set) against the
     * guide's structural and reference rules. Findings are the result, not exceptions.
     *
     * @param bundle the Bundle JSON (UTF-8)
     * @param provenanceOrNull the Provenance JSON, or null
     * @param optionsJsonOrNull options as JSON ({@code {"policy": ..., "validating": bool,
     *     "strictOrder": bool, "maxEntriesBundle": n}}), or null for the defaults
     * @return the OperationOutcome JSON: {@code VALIDATION.SUCCESS} or every finding, located
     * @throws SesgoException when an input is not JSON or the options are invalid
     */
    public static String checkReferences(byte[] bundle, byte[] provenanceOrNull, String optionsJsonOrNull) {
        Objects.requireNonNull(bundle, "bundle");
        NativeLibrary.load();
        return utf8(result(Native.checkReferences(bundle, provenanceOrNull, optionsJsonOrNull)));
    }

    /**
     * Builds a transfer Bundle from a JSON array of resources (references rewritten to the
     * entries' {@code fullUrl}s).
     *
     * @param resourcesJson a JSON array of FHIR resources (UTF-8)
     * @param optionsJsonOrNull options as JSON, or null for the defaults
     * @return the Bundle JSON
     * @throws SesgoException when the input or options are refused
     */
    public static String buildBundle(byte[] resourcesJson, String optionsJsonOrNull) {
        Objects.requireNonNull(resourcesJson, "resourcesJson");
        NativeLibrary.load();
        return utf8(result(Native.buildBundle(resourcesJson, optionsJsonOrNull)));
    }

    /**
     * Fills {@code size}, {@code hash} (SHA-1, Base64) and the extension {@code hash-sha256}
     * (SHA-256, Base64) of an Attachment (profile {@code anexo-assinado}) from its content,
     * before the DocumentReference holding it is signed. Every other member is kept as
     * written.
     *
     * @param attachment the Attachment JSON (UTF-8)
     * @param contentOrNull the content of an Attachment with only a {@code url} (an empty
     *     array is empty content); null when the content is the inline {@code data}
     * @param optionsJsonOrNull {@code {"location": "DocumentReference.content[0].attachment"}}
     *     (prefixed to every finding; default {@code Attachment}), or null
     * @return the Attachment JSON, exactly as the library wrote it
     * @throws SesgoException e.g. {@code FORMAT.BASE64-INVALID}, or
     *     {@code CONFIG.MISSING-PARAMETER} for a {@code url} Attachment without content
     */
    public static String fillAttachment(byte[] attachment, byte[] contentOrNull, String optionsJsonOrNull) {
        Objects.requireNonNull(attachment, "attachment");
        NativeLibrary.load();
        return utf8(result(Native.fillAttachment(attachment, contentOrNull, optionsJsonOrNull)));
    }

    /**
     * Checks an Attachment against the profile {@code anexo-assinado} and its content (as
     * {@link #fillAttachment} takes it): {@code contentType}, {@code size}, {@code hash} and
     * one {@code hash-sha256} present, and all three matching the content. Findings are the
     * result, not exceptions: a content that does not match is
     * {@code CRYPTO.HASH-VERIFICATION-FAILED}, located.
     *
     * @param attachment the Attachment JSON (UTF-8)
     * @param contentOrNull the content of a {@code url} Attachment, or null
     * @param optionsJsonOrNull {@code {"location": ...}}, or null
     * @return the OperationOutcome JSON: {@code VALIDATION.SUCCESS} or every finding
     * @throws SesgoException only when the input or options are unusable
     */
    public static String checkAttachment(byte[] attachment, byte[] contentOrNull, String optionsJsonOrNull) {
        Objects.requireNonNull(attachment, "attachment");
        NativeLibrary.load();
        return utf8(result(Native.checkAttachment(attachment, contentOrNull, optionsJsonOrNull)));
    }

    /**
     * Signs (caso de uso criar, Etapas 1–14): the instances of {@code bundle} that
     * {@code provenance} designates, with {@code signer}, whose chain must lead to a root of
     * {@code trustStore}.
     *
     * @param bundle the Bundle JSON (UTF-8)
     * @param provenance the Provenance JSON designating the signed set
     * @param signer who signs
     * @param trustStore the trusted roots
     * @param optionsJsonOrNull sign options as JSON, or null for the defaults
     * @return {@code {"signature":…,"provenance":…,"bundle":…,"warnings":OperationOutcome|null}}
     * @throws SesgoException with the guide's code when signing is refused
     * @throws IllegalStateException when {@code signer} or {@code trustStore} is closed
     */
    public static String sign(
            byte[] bundle, byte[] provenance, Signer signer, TrustStore trustStore, String optionsJsonOrNull) {
        return signResult(bundle, provenance, signer, trustStore, optionsJsonOrNull).json();
    }

    /** {@link #sign}, with the parts of the result separately. */
    public static SignResult signResult(
            byte[] bundle, byte[] provenance, Signer signer, TrustStore trustStore, String optionsJsonOrNull) {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(trustStore, "trustStore");
        NativeLibrary.load();
        SignResult r = signer.withHandle(s -> trustStore.withHandle(
                t -> Native.sign(bundle, provenance, s, t, optionsJsonOrNull)));
        return present(r);
    }

    /**
     * Verifies a signature (caso de uso validar). Give {@code signatureData}
     * ({@code Signature.data}), a FHIR {@code Signature}, a signed {@code Provenance}, or a
     * transfer {@code Bundle} alone; with a Signature or Provenance, {@code bundle} is the
     * content for the integrity check. An invalid signature is a result, not an exception.
     *
     * @param trustStore the trusted roots
     * @param signatureOrNull a FHIR Signature (JSON), or null
     * @param provenanceOrNull the signed Provenance (JSON), or null
     * @param bundleOrNull the Bundle (JSON), or null
     * @param signatureDataOrNull {@code Signature.data} (Base64 of the JWS JSON), or null
     * @param optionsJsonOrNull verify options as JSON, or null for the defaults
     * @return {@code {"valid": bool, "outcome": OperationOutcome}}
     * @throws SesgoException only when the inputs or options are unusable (e.g. malformed JSON)
     * @throws IllegalStateException when {@code trustStore} is closed
     */
    public static String verify(
            TrustStore trustStore,
            byte[] signatureOrNull,
            byte[] provenanceOrNull,
            byte[] bundleOrNull,
            String signatureDataOrNull,
            String optionsJsonOrNull) {
        return verifyResult(
                        trustStore, signatureOrNull, provenanceOrNull, bundleOrNull, signatureDataOrNull, optionsJsonOrNull)
                .json();
    }

    /**
     * Verifies what {@code request} names (a transfer Bundle, a signed Provenance or a
     * Signature with its Bundle, or {@code Signature.data}) against {@code trustStore}:
     *
     * <pre>{@code
     * VerificationResult v = Sesgo.verifyResult(trust,
     *         VerifyRequest.bundle(transferBundle).revocationPolicy("warn"));
     * }</pre>
     *
     * An invalid signature is a result ({@code isValid() == false}), not an exception.
     *
     * @throws SesgoException only when the inputs or options are unusable
     * @throws IllegalStateException when {@code trustStore} is closed
     */
    public static VerificationResult verifyResult(TrustStore trustStore, VerifyRequest request) {
        Objects.requireNonNull(request, "request");
        return verifyResult(
                trustStore,
                request.signature,
                request.provenance,
                request.bundle,
                request.signatureData,
                request.optionsJson());
    }

    /** {@link #verifyResult(TrustStore, VerifyRequest)} as the whole result JSON. */
    public static String verify(TrustStore trustStore, VerifyRequest request) {
        return verifyResult(trustStore, request).json();
    }

    /**
     * {@link #verify}, with {@link VerificationResult#isValid()} read without parsing JSON.
     * Positional form kept for existing callers; prefer
     * {@link #verifyResult(TrustStore, VerifyRequest)}.
     */
    public static VerificationResult verifyResult(
            TrustStore trustStore,
            byte[] signatureOrNull,
            byte[] provenanceOrNull,
            byte[] bundleOrNull,
            String signatureDataOrNull,
            String optionsJsonOrNull) {
        Objects.requireNonNull(trustStore, "trustStore");
        NativeLibrary.load();
        VerificationResult r = trustStore.withHandle(t -> Native.verify(
                t, signatureOrNull, provenanceOrNull, bundleOrNull, signatureDataOrNull, optionsJsonOrNull));
        return present(r);
    }

    /**
     * Verifies many requests (an archive, a day's feed) against one trust store on up to
     * {@code threads} native threads (0 = one per core), sharing its chain, AIA and
     * revocation caches; each result is what {@link #verifyResult(TrustStore, VerifyRequest)}
     * would return, in the order of {@code requests}:
     *
     * <pre>{@code
     * List<VerificationResult> rs = Sesgo.verifyMany(trust,
     *         List.of(VerifyRequest.bundle(a), VerifyRequest.bundle(b)),
     *         "{\"settings\":{\"revocationPolicy\":\"warn\"}}", 0);
     * }</pre>
     *
     * A request whose own input is unusable (JSON that does not parse, a limit exceeded)
     * gets an invalid result carrying its error, never an exception for the batch.
     *
     * @param optionsJsonOrNull verify options for every request (requests must not carry
     *     their own {@code options}/{@code revocationPolicy}), or null for the defaults
     * @param threads 0 (one per core) or the number of threads
     * @throws SesgoException when the options are unusable (they would refuse every item)
     * @throws IllegalArgumentException when a request carries its own options
     * @throws IllegalStateException when {@code trustStore} is closed
     */
    public static java.util.List<VerificationResult> verifyMany(
            TrustStore trustStore,
            java.util.List<VerifyRequest> requests,
            String optionsJsonOrNull,
            int threads) {
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(requests, "requests");
        if (threads < 0) {
            throw new IllegalArgumentException("threads < 0: use 0 (um por núcleo) ou um número positivo");
        }
        int n = requests.size();
        byte[][] signatures = new byte[n][];
        byte[][] provenances = new byte[n][];
        byte[][] bundles = new byte[n][];
        String[] signatureData = new String[n];
        for (int i = 0; i < n; i++) {
            VerifyRequest r = Objects.requireNonNull(requests.get(i), "requests[" + i + "]");
            if (r.optionsJson != null || r.revocationPolicy != null) {
                throw new IllegalArgumentException(
                        "requests[" + i + "]: as opções valem para o lote; informe-as em optionsJsonOrNull");
            }
            signatures[i] = r.signature;
            provenances[i] = r.provenance;
            bundles[i] = r.bundle;
            signatureData[i] = r.signatureData;
        }
        NativeLibrary.load();
        VerificationResult[] out = trustStore.withHandle(t -> Native.verifyMany(
                t, signatures, provenances, bundles, signatureData, optionsJsonOrNull, threads));
        return java.util.List.of(present(out));
    }

    /**
     * Reports on a certificate for credentialing: identity, type, policy, key, validity,
     * fingerprints, eligibility per policy family and the PEM.
     *
     * @param certOrPkcs12 a certificate (DER or PEM), or a PKCS#12 when a password is given
     * @param passwordOrNull the PKCS#12 password, or null for a certificate
     * @param optionsJsonOrNull {@code {"referenceTime": unix?, "alias": "..."?}}, or null
     * @return the report JSON
     * @throws SesgoException e.g. {@code CERT.INVALID-FORMAT}, {@code CRYPTO.KEY-INACCESSIBLE}
     */
    public static String inspectCertificate(byte[] certOrPkcs12, char[] passwordOrNull, String optionsJsonOrNull) {
        return inspectCertificate(certOrPkcs12, passwordOrNull, null, optionsJsonOrNull);
    }

    /**
     * {@link #inspectCertificate(byte[], char[], String)} against a trust store: the
     * report's {@code trust} member says, apart from {@code eligibility}, whether the
     * certificate chains to one of its roots ({@code trusted}, {@code rootSha256},
     * {@code chain}, {@code findings}).
     *
     * @param trustStoreOrNull the roots to judge trust by; null = the embedded ICP-Brasil roots
     */
    public static String inspectCertificate(
            byte[] certOrPkcs12, char[] passwordOrNull, TrustStore trustStoreOrNull, String optionsJsonOrNull) {
        Objects.requireNonNull(certOrPkcs12, "certOrPkcs12");
        NativeLibrary.load();
        byte[] pw = Secrets.utf8(passwordOrNull);
        try {
            byte[] out = trustStoreOrNull == null
                    ? Native.inspectCertificate(certOrPkcs12, pw, 0L, optionsJsonOrNull)
                    : trustStoreOrNull.withHandle(t -> Native.inspectCertificate(certOrPkcs12, pw, t, optionsJsonOrNull));
            return utf8(result(out));
        } finally {
            Secrets.wipe(pw);
        }
    }

    /**
     * Obtains an OAuth 2.0 access token with the signer's certificate (caso de uso obter
     * token): mutual TLS with {@code clientSecret} (the guide) or, with
     * {@code "assertion": true}, an RS384 {@code private_key_jwt} assertion signed by the
     * signer's key (HubSaúde). Tokens are cached per endpoint, client, scope and
     * certificate until 30 s before expiry, for the whole process.
     *
     * @param signer the establishment's certificate and key (PKCS#12, PEM, PKCS#11)
     * @param optionsJson {@code {"issuer": url | "tokenEndpoint": url, "clientId": "...",
     *     "clientSecret": "..." | "assertion": true, "scope": "...", "caCertsPem": "...",
     *     "mtls": true, "timeout": 30, "cache": true, "assertionTtl": 60}}
     * @return {@code {"accessToken", "tokenType", "expiresIn", "expiresAt", "scope",
     *     "fromCache", "cnfX5tS256", "tokenEndpoint", "response"}} (holds the token)
     * @throws SesgoException with the guide's code and the server's {@code error} /
     *     {@code error_description} (DECISIONS D22)
     */
    public static String token(Signer signer, String optionsJson) {
        return token(signer, null, optionsJson);
    }

    /**
     * {@link #token(Signer, String)} with every request through {@code networkOrNull}:
     * its transport (a {@link Fetcher} too; {@code caCertsPem} is added to sesgo's own
     * HTTP client) and its offline mode ({@code CONFIG.INVALID-PARAMETER} at
     * {@code network}). Null = a default network (sesgo's HTTP client).
     */
    public static String token(Signer signer, Network networkOrNull, String optionsJson) {
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(optionsJson, "optionsJson");
        NativeLibrary.load();
        byte[] out = signer.withHandle(s -> networkOrNull == null
                ? Native.token(s, 0L, optionsJson)
                : networkOrNull.withHandle(n -> Native.token(s, n, optionsJson)));
        try {
            return utf8(present(out));
        } finally {
            Secrets.wipe(out);
        }
    }

    /**
     * Exports what the credentialing portal asks for: the certificate ({@code "pem"},
     * {@code "der"}) or the JWK / JWK Set of its public key ({@code "jwk"}, {@code "jwks"}).
     *
     * @param certOrPkcs12 a certificate (DER or PEM), or a PKCS#12 when a password is given
     * @param passwordOrNull the PKCS#12 password, or null
     * @param format {@code pem}, {@code der}, {@code jwk} or {@code jwks}
     * @return the exported bytes
     */
    public static byte[] exportCertificate(byte[] certOrPkcs12, char[] passwordOrNull, String format) {
        Objects.requireNonNull(certOrPkcs12, "certOrPkcs12");
        Objects.requireNonNull(format, "format");
        NativeLibrary.load();
        byte[] pw = Secrets.utf8(passwordOrNull);
        try {
            return present(Native.exportCertificate(certOrPkcs12, pw, format));
        } finally {
            Secrets.wipe(pw);
        }
    }

    private static <T> T present(T out) {
        if (out == null) {
            throw NativeLibrary.system("SYSTEM", "a biblioteca nativa não devolveu resultado");
        }
        return out;
    }

    private static byte[] result(byte[] out) {
        if (out == null) {
            // The native side always throws when it returns no value; never expected.
            throw NativeLibrary.system("SYSTEM", "a biblioteca nativa não devolveu resultado");
        }
        return out;
    }

    private static String utf8(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }

    /**
     * Caso de uso montar cadeia: the {@code x5c} (standard Base64 DER, leaf first, root
     * last) of a certificate (PEM, DER or Base64), completed from {@code trustStore} — and
     * from AIA when it came from {@link Network#trustStore}.
     *
     * @throws SesgoException {@code CERT.CHAIN-INCOMPLETE} when no way to a trusted root
     *     is found, or the certificate's own code
     */
    public static java.util.List<String> buildX5c(byte[] certificate, TrustStore trustStore, String settingsJson) {
        java.util.Objects.requireNonNull(certificate, "certificate");
        java.util.Objects.requireNonNull(trustStore, "trustStore");
        NativeLibrary.load();
        byte[] json = trustStore.withHandle(t -> Native.buildX5c(certificate, t, settingsJson));
        String text = new String(json, java.nio.charset.StandardCharsets.UTF_8).trim();
        java.util.List<String> out = new java.util.ArrayList<>();
        String inner = text.substring(1, text.length() - 1).trim();
        if (!inner.isEmpty()) {
            for (String part : inner.split(",")) {
                String p = part.trim();
                out.add(p.substring(1, p.length() - 1));
            }
        }
        return java.util.Collections.unmodifiableList(out);
    }
}
