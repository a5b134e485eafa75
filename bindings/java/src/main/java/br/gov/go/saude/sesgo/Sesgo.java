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
 * <p>{@code sign} and {@code verify} (with {@code Signer} and {@code TrustStore}) will be
 * added here when the facade provides them.
 */
public final class Sesgo {
    /** Signature policy 0.1.2 (RFC 8785 JCS canonicalization); the default. */
    public static final String POLICY_0_1_2 =
            "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";

    /** Signature policy 0.2.0 ({@code fhir-json-lossless}: number tokens kept as written). */
    public static final String POLICY_0_2_0 =
            "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

    private Sesgo() {}

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
}
