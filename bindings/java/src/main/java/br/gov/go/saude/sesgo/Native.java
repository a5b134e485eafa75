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
 * <p>Handles: {@code long} values owned by {@link NativeObject} subclasses ({@link Signer},
 * {@link TrustStore}); each type has a {@code ...Destroy(long)} release action. A handle
 * is passed only while its owner is open ({@link NativeObject#withHandle}); 0 reaching the
 * native side throws {@code CONFIG.MISSING-PARAMETER}. Passwords cross as UTF-8
 * {@code byte[]} that the caller wipes after the call (the native side zeroizes its copy).
 */
final class Native {
    private Native() {}

    /** The sesgo version of the native library. */
    static native String version();

    /**
     * The supported signature policies and the signing default, as JSON:
     * {@code {"default":uri,"policies":[{"uri":uri,"family":"0.1"|"0.2.0"},...]}}.
     */
    static native String policies();

    /** The guide's default settings as JSON, in the form every {@code settings} takes. */
    static native String defaultSettings();

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
     * The Attachment JSON (UTF-8) with {@code size}, {@code hash} and {@code hash-sha256}
     * filled; {@code content} (for a {@code url} Attachment) and {@code optionsJson} may be
     * null.
     */
    static native byte[] fillAttachment(byte[] attachment, byte[] content, String optionsJson);

    /**
     * OperationOutcome JSON (UTF-8) of the {@code anexo-assinado} check; {@code content}
     * and {@code optionsJson} may be null.
     */
    static native byte[] checkAttachment(byte[] attachment, byte[] content, String optionsJson);

    /** A signer from a PKCS#12; {@code alias} may be null. Returns a handle. */
    static native long signerFromPkcs12(byte[] pkcs12, byte[] passwordUtf8, String alias);

    /** A signer from a PEM key (password may be null) and a PEM chain. Returns a handle. */
    static native long signerFromPem(byte[] keyPem, byte[] passwordUtf8, byte[] chainPem);

    /**
     * An external signer: the DER chain (leaf first) and the function the native side
     * calls (through a global reference, attaching the calling thread) for every RS256
     * signature. Returns a handle.
     */
    static native long signerExternal(byte[][] chainDer, Signer.SigningFunction function);

    /** A signer from a PKCS#11 token: the configuration JSON and the PIN. Returns a handle. */
    static native long signerFromPkcs11(String configJson, byte[] pinUtf8);

    /** Frees a signer handle (0 ignored). */
    static native void signerDestroy(long signer);

    /** A trust store from {@code TrustStoreOptions} JSON (null = ICP-Brasil roots). Returns a handle. */
    static native long trustStoreNew(String optionsJson);

    /** Frees a trust-store handle (0 ignored). */
    static native void trustStoreDestroy(long trustStore);

    /** A network context: settings and options JSON (null = defaults), an optional transport. */
    static native long networkNew(String settingsJson, String optionsJson, Fetcher fetcher);

    /** Releases a network context. */
    static native void networkDestroy(long network);

    /** A new trust-store handle completing chains through AIA with the network. */
    static native long networkTrustStore(long network, long trustStore);

    /** Refreshes ITI's archive into the cache; the report JSON. */
    static native byte[] networkRefreshTrustStore(long network);

    /** The trust-store report JSON (roots, cached ITI archive and AIA downloads). */
    static native byte[] networkShowTrustStore(long network, long trustStore);

    /** Caso de uso montar cadeia: the x5c JSON array of a certificate (PEM, DER or Base64). */
    static native byte[] buildX5c(byte[] certificate, long trustStore, String settingsJson);

    /** Signs (criar); {@code optionsJson} may be null. */
    static native SignResult sign(byte[] bundle, byte[] provenance, long signer, long trustStore, String optionsJson);

    /** Verifies (validar); every argument but the trust store may be null. */
    static native VerificationResult verify(
            long trustStore,
            byte[] signature,
            byte[] provenance,
            byte[] bundle,
            String signatureData,
            String optionsJson);

    /**
     * Verifies many items on {@code threads} threads (0 = one per core); the four arrays
     * have one element per item (null = absent). One result per item, in order.
     */
    static native VerificationResult[] verifyMany(
            long trustStore,
            byte[][] signatures,
            byte[][] provenances,
            byte[][] bundles,
            String[] signatureData,
            String optionsJson,
            int threads);

    /** Credentialing report JSON (UTF-8); {@code passwordUtf8} (PKCS#12) and {@code optionsJson} may be null. */
    static native byte[] inspectCertificate(byte[] input, byte[] passwordUtf8, long trustStore, String optionsJson);

    /**
     * Access token JSON (UTF-8, holds the token); {@code network} a network handle or 0
     * (a default one); {@code optionsJson} is the facade's token options.
     */
    static native byte[] token(long signer, long network, String optionsJson);

    /** The certificate ({@code pem}, {@code der}) or its public JWK / JWKS ({@code jwk}, {@code jwks}). */
    static native byte[] exportCertificate(byte[] input, byte[] passwordUtf8, String format);

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
