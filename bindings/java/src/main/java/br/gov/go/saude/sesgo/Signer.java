package br.gov.go.saude.sesgo;

import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * Who signs: a private key (PKCS#12 or PEM) or an external signing function, with its
 * certificate chain (criar input 3). Immutable and thread-safe; holds a native handle, so
 * close it (try-with-resources) when done; a {@link java.lang.ref.Cleaner} frees it if it
 * becomes unreachable first.
 *
 * <p>Passwords are taken as {@code char[]}: the jar encodes them to UTF-8 bytes that are
 * wiped right after the native call (the native copy is zeroized too). The array you pass
 * is not modified (as {@code KeyStore.load}); wipe it yourself when you no longer need it.
 */
public final class Signer extends NativeObject {
    /**
     * Produces the RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256, raw bytes) of the JWS
     * signing input it receives. Called by sesgo during {@link Sesgo#sign}, on the thread
     * that called it; may throw anything: the exception becomes a {@link SesgoException}
     * with code {@code CRYPTO.SIGNATURE-CREATION-FAILED} carrying its message. What it
     * returns is checked against the leaf certificate's key before a JWS is built.
     */
    @FunctionalInterface
    public interface SigningFunction {
        /**
         * Signs {@code signingInput}.
         *
         * @param signingInput the ASCII bytes {@code BASE64URL(header) "." BASE64URL(payload)}
         * @return the raw RS256 signature
         * @throws Exception any failure (becomes {@code CRYPTO.SIGNATURE-CREATION-FAILED})
         */
        byte[] sign(byte[] signingInput) throws Exception;
    }

    private Signer(long handle) {
        super(handle, Native::signerDestroy);
    }

    /**
     * A signer from a PKCS#12 file (PBES2/AES or legacy 3DES/RC2).
     *
     * @param pkcs12 the PKCS#12 bytes
     * @param password its password
     * @param aliasOrNull the alias (friendlyName) of the key to use; null when it holds one key
     * @throws SesgoException e.g. {@code CRYPTO.KEY-INACCESSIBLE} (wrong password)
     */
    public static Signer fromPkcs12(byte[] pkcs12, char[] password, String aliasOrNull) {
        Objects.requireNonNull(pkcs12, "pkcs12");
        Objects.requireNonNull(password, "password");
        NativeLibrary.load();
        byte[] pw = Secrets.utf8(password);
        try {
            return new Signer(Native.signerFromPkcs12(pkcs12, pw, aliasOrNull));
        } finally {
            Secrets.wipe(pw);
        }
    }

    /**
     * A signer from a PEM private key (PKCS#8, encrypted or not, or PKCS#1) and the PEM
     * certificate chain (leaf first).
     *
     * @param keyPem the private key (PEM)
     * @param passwordOrNull the password of an encrypted PKCS#8 key, or null
     * @param chainPem the certificates (PEM, leaf first)
     * @throws SesgoException e.g. {@code CRYPTO.KEY-INACCESSIBLE}, {@code FORMAT.CERT-PEM-INVALID}
     */
    public static Signer fromPem(byte[] keyPem, char[] passwordOrNull, byte[] chainPem) {
        Objects.requireNonNull(keyPem, "keyPem");
        Objects.requireNonNull(chainPem, "chainPem");
        NativeLibrary.load();
        byte[] pw = Secrets.utf8(passwordOrNull);
        try {
            return new Signer(Native.signerFromPem(keyPem, pw, chainPem));
        } finally {
            Secrets.wipe(pw);
        }
    }

    /**
     * A signer from a key on a PKCS#11 token or smartcard (ICP-Brasil A3): the key never
     * leaves the device. The module is loaded once per process and shared; the signer may
     * be used by several threads at once. The PIN is tried once: a wrong PIN is never
     * retried (a card locks after a few).
     *
     * @param config the module, token and key, and the middleware settings
     * @param pin the token PIN (encoded to UTF-8 and wiped after the call; not modified)
     * @throws SesgoException {@code CRYPTO.PIN-INVALID}, {@code DEVICE.PIN-BLOCKED},
     *     {@code DEVICE.TOKEN-NOT-FOUND}, {@code DEVICE.CERTIFICATE-NOT-FOUND},
     *     {@code DEVICE.KEY-ACCESS-DENIED}, {@code DEVICE.MIDDLEWARE-ERROR} (the
     *     {@code CKR_*} in the diagnostics), {@code MIDDLEWARE.*} (module path/format,
     *     slot, label, settings out of range)
     */
    public static Signer fromPkcs11(Pkcs11Config config, char[] pin) {
        Objects.requireNonNull(config, "config");
        return fromPkcs11(config.toJson(), pin);
    }

    /**
     * {@link #fromPkcs11(Pkcs11Config, char[])} with the configuration as JSON
     * ({@code {"module": "…", "tokenLabel": "…", "keyId": "a1", "maxRetries": 0, …}}).
     *
     * @param configJson the configuration
     * @param pin the token PIN
     * @throws SesgoException as {@link #fromPkcs11(Pkcs11Config, char[])}
     */
    public static Signer fromPkcs11(String configJson, char[] pin) {
        Objects.requireNonNull(configJson, "configJson");
        Objects.requireNonNull(pin, "pin");
        NativeLibrary.load();
        byte[] p = Secrets.utf8(pin);
        try {
            return new Signer(Native.signerFromPkcs11(configJson, p));
        } finally {
            Secrets.wipe(p);
        }
    }

    /**
     * A signer whose key lives in any JCA provider: a {@code KeyStore} of type PKCS11,
     * Windows-MY, a cloud provider, or a PKCS#12 loaded by Java. Each signature runs
     * {@code Signature.getInstance("SHA256withRSA")} with {@code key}, so the provider
     * that supports the key is selected by the JCA; sesgo builds and finalizes the JWS.
     *
     * @param key the RSA private key (never leaves its provider)
     * @param chain the certificates, leaf first (intermediates may also come from the trust store)
     * @throws SesgoException e.g. {@code CERT.INVALID-FORMAT} located at {@code chain[i]}
     */
    public static Signer external(PrivateKey key, X509Certificate[] chain) {
        Objects.requireNonNull(key, "key");
        return external(chain, jca(key));
    }

    /**
     * A signer whose RS256 signatures come from {@code function} (e.g. a remote signing
     * service that is not a JCA provider).
     *
     * @param chain the certificates, leaf first
     * @param function produces the raw RS256 signature of the signing input
     * @throws SesgoException e.g. {@code CONFIG.MISSING-PARAMETER} for an empty chain
     */
    public static Signer external(X509Certificate[] chain, SigningFunction function) {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(function, "function");
        byte[][] der = new byte[chain.length][];
        for (int i = 0; i < chain.length; i++) {
            X509Certificate c = Objects.requireNonNull(chain[i], "chain[" + i + "]");
            try {
                der[i] = c.getEncoded();
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("chain[" + i + "] cannot be DER-encoded: " + e.getMessage(), e);
            }
        }
        NativeLibrary.load();
        return new Signer(Native.signerExternal(der, function));
    }

    /** The JCA signing function over {@code key}. */
    static SigningFunction jca(PrivateKey key) {
        return input -> {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(input);
            return s.sign();
        };
    }
}
