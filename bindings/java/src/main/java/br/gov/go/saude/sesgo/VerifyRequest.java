package br.gov.go.saude.sesgo;

/**
 * What {@link Sesgo#verifyResult(TrustStore, VerifyRequest)} verifies, built by name
 * instead of six positional arguments:
 *
 * <pre>{@code
 * VerificationResult v = Sesgo.verifyResult(trust,
 *         VerifyRequest.bundle(transferBundle).revocationPolicy("warn"));
 * VerificationResult w = Sesgo.verifyResult(trust,
 *         VerifyRequest.provenance(signedProvenance).withBundle(originalBundle));
 * }</pre>
 *
 * Give whichever input you have: a transfer Bundle alone, a signed Provenance or a FHIR
 * Signature (with the Bundle it covers), or {@code Signature.data}. The bytes are used
 * exactly as given (UTF-8 JSON, as received). Instances are mutable builders: build one
 * per call, do not share them between threads.
 */
public final class VerifyRequest {
    byte[] signature;
    byte[] provenance;
    byte[] bundle;
    String signatureData;
    String optionsJson;
    String revocationPolicy;

    private VerifyRequest() {}

    /** A transfer Bundle alone: every signed Provenance in it is verified. */
    public static VerifyRequest bundle(byte[] bundle) {
        return new VerifyRequest().withBundle(bundle);
    }

    /** A signed Provenance; add the Bundle it covers with {@link #withBundle}. */
    public static VerifyRequest provenance(byte[] provenance) {
        VerifyRequest r = new VerifyRequest();
        r.provenance = java.util.Objects.requireNonNull(provenance, "provenance");
        return r;
    }

    /** A FHIR {@code Signature}; add the transfer Bundle that carries it with {@link #withBundle}. */
    public static VerifyRequest signature(byte[] signature) {
        VerifyRequest r = new VerifyRequest();
        r.signature = java.util.Objects.requireNonNull(signature, "signature");
        return r;
    }

    /** {@code Signature.data} (Base64 of the JWS): the signature is proven, not the content. */
    public static VerifyRequest signatureData(String signatureData) {
        VerifyRequest r = new VerifyRequest();
        r.signatureData = java.util.Objects.requireNonNull(signatureData, "signatureData");
        return r;
    }

    /** The Bundle: the content of the integrity check (always checked when given). */
    public VerifyRequest withBundle(byte[] bundle) {
        this.bundle = java.util.Objects.requireNonNull(bundle, "bundle");
        return this;
    }

    /**
     * Verify options as JSON: {@code {"policy": uri, "referenceTime": unix, "settings": {...},
     * "acceptedPolicies": [...], "unsignedEntries": "warning"|"error"}}.
     */
    public VerifyRequest options(String optionsJson) {
        this.optionsJson = optionsJson;
        return this;
    }

    /**
     * Shorthand for the options {@code {"settings": {"revocationPolicy": policy}}}
     * ({@code "strict"}, {@code "warn"}, {@code "soft-fail"}, {@code "off"}). Not combined
     * with {@link #options}: with an options JSON, put {@code revocationPolicy} in its
     * {@code settings}.
     */
    public VerifyRequest revocationPolicy(String policy) {
        this.revocationPolicy = java.util.Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** The options JSON sent to the native library. */
    String optionsJson() {
        if (revocationPolicy == null) {
            return optionsJson;
        }
        if (optionsJson != null) {
            throw new IllegalStateException(
                    "revocationPolicy() e options() juntos: informe revocationPolicy em options.settings");
        }
        return "{\"settings\":{\"revocationPolicy\":" + Json.string(revocationPolicy) + "}}";
    }
}
