package br.gov.go.saude.sesgo;

/**
 * A failure reported by sesgo, carrying the guide's exception code (CodeSystem
 * {@code situacao-excepcional-assinatura}, e.g. {@code FORMAT.JSON-MALFORMED}), its
 * severity, the location of the offending element, the diagnostics and the full
 * OperationOutcome (JSON) describing it.
 *
 * <p>Thrown by the native library for every facade error and for any internal failure
 * (a Rust panic or a JNI error becomes code {@code SYSTEM}), and by {@link NativeLibrary}
 * when the native library cannot be loaded or has another ABI version
 * ({@code SYSTEM.INCOMPATIBLE-LIBRARY-VERSION}).
 */
public class SesgoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final String severity;
    private final String location;
    private final String diagnostics;
    private final String operationOutcomeJson;

    /**
     * Creates the exception (called by the native library through JNI; the signature
     * {@code (String, String, String, String, String)} is part of the binding).
     *
     * @param code the guide's code, e.g. {@code CERT.EXPIRED}
     * @param severity the FHIR issue severity ({@code fatal}, {@code error}, ...)
     * @param location the location of the offending element, or null
     * @param diagnostics human-readable detail (Portuguese, as the guide)
     * @param operationOutcomeJson the OperationOutcome describing the failure (JSON)
     */
    public SesgoException(
            String code,
            String severity,
            String location,
            String diagnostics,
            String operationOutcomeJson) {
        super(message(code, location, diagnostics));
        this.code = code;
        this.severity = severity;
        this.location = location;
        this.diagnostics = diagnostics;
        this.operationOutcomeJson = operationOutcomeJson;
    }

    private static String message(String code, String location, String diagnostics) {
        StringBuilder sb = new StringBuilder(String.valueOf(code));
        if (location != null) {
            sb.append(" at ").append(location);
        }
        if (diagnostics != null && !diagnostics.isEmpty()) {
            sb.append(": ").append(diagnostics);
        }
        return sb.toString();
    }

    /** The guide's code, e.g. {@code FORMAT.JSON-MALFORMED} or {@code SYSTEM}. */
    public String code() {
        return code;
    }

    /** The FHIR issue severity of the primary finding ({@code fatal}, {@code error}, ...). */
    public String severity() {
        return severity;
    }

    /** Location of the offending element (e.g. {@code resource.a}, {@code x5c[0]}), or null. */
    public String location() {
        return location;
    }

    /** Human-readable detail of the primary finding. */
    public String diagnostics() {
        return diagnostics;
    }

    /** The OperationOutcome (JSON text) describing the failure. */
    public String operationOutcomeJson() {
        return operationOutcomeJson;
    }
}
