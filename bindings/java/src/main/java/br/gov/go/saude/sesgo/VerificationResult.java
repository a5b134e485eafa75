package br.gov.go.saude.sesgo;

/**
 * The result of {@link Sesgo#verifyResult} (validar output): whether the signature is
 * valid and the OperationOutcome explaining why ({@code VALIDATION.SUCCESS} plus warnings,
 * or every error found, located). Built by the native library.
 */
public final class VerificationResult {
    private final boolean valid;
    private final String json;
    private final String outcomeJson;

    VerificationResult(boolean valid, String json, String outcomeJson) {
        this.valid = valid;
        this.json = json;
        this.outcomeJson = outcomeJson;
    }

    /** True when no finding is an error or fatal. */
    public boolean isValid() {
        return valid;
    }

    /** {@code {"valid": bool, "outcome": OperationOutcome}} (what {@link Sesgo#verify} returns). */
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
