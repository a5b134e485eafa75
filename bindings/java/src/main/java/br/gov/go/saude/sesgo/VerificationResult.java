package br.gov.go.saude.sesgo;

/**
 * The result of {@link Sesgo#verifyResult} (validar output): whether the signature is
 * valid, what was checked, and the OperationOutcome explaining why ({@code
 * VALIDATION.SUCCESS} plus warnings, or every error found, located). Built by the native
 * library.
 *
 * <p>{@link #isValid()} alone does not say the content was checked: a Signature verified
 * without its Bundle proves the signature, not the content ({@link #contentChecked()} is
 * false and the indication {@code INDETERMINATE}). The full report — each stage's
 * conclusion, the signer, the signed {@code fullUrl}s, the unsigned content of the Bundle —
 * is in {@link #json()}.
 */
public final class VerificationResult {
    private final boolean valid;
    private final String json;
    private final String outcomeJson;
    private final String indication;
    private final String subIndication;
    private final boolean contentChecked;

    VerificationResult(
            boolean valid,
            String json,
            String outcomeJson,
            String indication,
            String subIndication,
            boolean contentChecked) {
        this.valid = valid;
        this.json = json;
        this.outcomeJson = outcomeJson;
        this.indication = indication;
        this.subIndication = subIndication;
        this.contentChecked = contentChecked;
    }

    /** True when no finding is an error or fatal. */
    public boolean isValid() {
        return valid;
    }

    /** {@code TOTAL-PASSED}, {@code TOTAL-FAILED} or {@code INDETERMINATE} (ETSI EN 319 102-1). */
    public String indication() {
        return indication;
    }

    /** Why not {@code TOTAL-PASSED} (e.g. {@code HASH_FAILURE}, {@code SIGNED_DATA_NOT_FOUND},
     * {@code TRY_LATER}), or null. */
    public String subIndication() {
        return subIndication;
    }

    /** True when every signature's content digest was recomputed from supplied content. */
    public boolean contentChecked() {
        return contentChecked;
    }

    /**
     * The whole result as JSON (what {@link Sesgo#verify} returns): {@code valid},
     * {@code indication}, {@code subIndication}, {@code contentChecked}, {@code signatures}
     * (location, policy, strategy, signer, signingTime, signedFullUrls, contentChecked,
     * stages), {@code unsignedContent} and {@code outcome}.
     */
    public String json() {
        return json;
    }

    /** The OperationOutcome (profile {@code operation-outcome-assinatura}). */
    public String outcomeJson() {
        return outcomeJson;
    }

    @Override
    public String toString() {
        return json;
    }
}
