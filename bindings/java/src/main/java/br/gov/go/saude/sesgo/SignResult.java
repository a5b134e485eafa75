package br.gov.go.saude.sesgo;

/**
 * The result of {@link Sesgo#signResult} (criar output): the FHIR {@code Signature}, the
 * signed {@code Provenance} carrying it, the transfer {@code Bundle} to send, and the
 * warnings that did not prevent signing — each as JSON text, plus the whole as
 * {@code {"signature":…,"provenance":…,"bundle":…,"warnings":OperationOutcome|null}}.
 * Built by the native library.
 */
public final class SignResult {
    private final String json;
    private final String signatureJson;
    private final String provenanceJson;
    private final String bundleJson;
    private final String warningsJson;

    SignResult(String json, String signatureJson, String provenanceJson, String bundleJson, String warningsJson) {
        this.json = json;
        this.signatureJson = signatureJson;
        this.provenanceJson = provenanceJson;
        this.bundleJson = bundleJson;
        this.warningsJson = warningsJson;
    }

    /** The whole result as JSON (what {@link Sesgo#sign} returns). */
    public String json() {
        return json;
    }

    /** The FHIR {@code Signature} (profile {@code assinatura-avancada}). */
    public String signatureJson() {
        return signatureJson;
    }

    /** The signed {@code Provenance} (profile {@code conteudo-assinado}). */
    public String provenanceJson() {
        return provenanceJson;
    }

    /** The transfer {@code Bundle}: the signed instances and the signed Provenance. */
    public String bundleJson() {
        return bundleJson;
    }

    /**
     * The transfer {@code Bundle} as the exact UTF-8 bytes to store or send (the native
     * library's own text, never re-serialized: under policy 0.2.0 a re-serialization can
     * change a signed number such as {@code 36.50}).
     */
    public byte[] bundleUtf8() {
        return bundleJson.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The signed {@code Provenance} as exact UTF-8 bytes. */
    public byte[] provenanceUtf8() {
        return provenanceJson.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The FHIR {@code Signature} as exact UTF-8 bytes. */
    public byte[] signatureUtf8() {
        return signatureJson.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** An OperationOutcome of warnings (e.g. {@code CERT.NEAR-EXPIRY}), or null when there are none. */
    public String warningsJson() {
        return warningsJson;
    }

    @Override
    public String toString() {
        return json;
    }
}
