package br.gov.go.saude.sesgo;

/**
 * Every {@code native} method of the binding, implemented by {@code libsesgo_jni}
 * ({@code bindings/java/src/rust/lib.rs}, one {@code Java_br_gov_go_saude_sesgo_Native_*}
 * function each). Package-private: the public API is {@link Sesgo}. Only {@code byte[]},
 * {@code String} and primitives cross; JSON stays bytes. Every method throws
 * {@link SesgoException} on failure (never crashes the JVM).
 *
 * <p>Callers must have called {@link NativeLibrary#load()} first. {@code cargo xtask test
 * java} checks that every method declared here has an exported symbol and vice versa.
 *
 * <p>Handle-based methods for signers and trust stores ({@code long} handles owned by
 * {@link NativeObject} subclasses) will be added here when the facade gains sign/verify.
 */
final class Native {
    private Native() {}

    /** The sesgo version of the native library. */
    static native String version();

    /** The binding ABI version of the native library (see {@link NativeLibrary#ABI_VERSION}). */
    static native int abiVersion();

    /**
     * Canonical bytes of {@code resource}; {@code policy} may be null (default policy).
     * A null {@code resource} throws {@code CONFIG.MISSING-PARAMETER}.
     */
    static native byte[] canonicalize(byte[] resource, String policy);

    /**
     * OperationOutcome JSON (UTF-8) of the reference check; {@code provenance} and
     * {@code optionsJson} may be null.
     */
    static native byte[] checkReferences(byte[] bundle, byte[] provenance, String optionsJson);

    /** Transfer-Bundle JSON (UTF-8); {@code optionsJson} may be null. */
    static native byte[] buildBundle(byte[] resources, String optionsJson);

    /**
     * Test hook: panics inside the native panic guard; must throw {@code SesgoException}
     * with code {@code SYSTEM}. Present only in libraries built with the {@code testing}
     * cargo feature (otherwise {@link UnsatisfiedLinkError}).
     */
    static native void testingPanic();

    /**
     * Test hook: throws {@code SesgoException} with code {@code CERT.EXPIRED} at location
     * {@code x5c[0]}. Present only with the {@code testing} cargo feature.
     */
    static native void testingError();
}
