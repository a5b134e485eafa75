package br.gov.go.saude.sesgo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a PKCS#11 key is (criar input 3 "PKCS#11") and the guide's middleware operational
 * settings (input 8), for {@link Signer#fromPkcs11(Pkcs11Config, char[])}. The PIN is
 * never part of it.
 *
 * <pre>{@code
 * Pkcs11Config cfg = Pkcs11Config.module("/usr/lib/libaetpkss.so")   // absolute path
 *         .tokenLabel("meu token")          // or .slotId(0); neither: auto-discovery
 *         .keyId("a1")                      // CKA_ID (hex), or .keyLabel("…")
 *         .setting("maxRetries", 0);        // sessionMode, sessionTimeout, maxPinAttempts, …
 * }</pre>
 */
public final class Pkcs11Config {
    private final Map<String, Object> members = new LinkedHashMap<>();

    private Pkcs11Config(String module) {
        members.put("module", Objects.requireNonNull(module, "module"));
    }

    /**
     * A configuration for the PKCS#11 module at {@code absolutePath}.
     *
     * @param absolutePath the module (.so / .dll / .dylib)
     * @return a new configuration
     */
    public static Pkcs11Config module(String absolutePath) {
        return new Pkcs11Config(absolutePath);
    }

    /**
     * The token's slot id.
     *
     * @param slotId the slot id
     * @return this
     */
    public Pkcs11Config slotId(long slotId) {
        members.put("slotId", slotId);
        return this;
    }

    /**
     * The token's label (at most 32 characters).
     *
     * @param label the label
     * @return this
     */
    public Pkcs11Config tokenLabel(String label) {
        members.put("tokenLabel", Objects.requireNonNull(label, "label"));
        return this;
    }

    /**
     * The key (and its certificate) by {@code CKA_ID}, hexadecimal.
     *
     * @param hex the id
     * @return this
     */
    public Pkcs11Config keyId(String hex) {
        members.put("keyId", Objects.requireNonNull(hex, "hex"));
        return this;
    }

    /**
     * The key's certificate by {@code CKA_LABEL}.
     *
     * @param label the label
     * @return this
     */
    public Pkcs11Config keyLabel(String label) {
        members.put("keyLabel", Objects.requireNonNull(label, "label"));
        return this;
    }

    /**
     * A middleware setting: {@code sessionMode} ("read-only" / "read-write"),
     * {@code sessionTimeout} [60, 3600] s, {@code maxPinAttempts} [1, 10],
     * {@code connectionTimeout} [3, 60] s, {@code retryInterval} [1, 30] s,
     * {@code maxRetries} [0, 10], {@code mechanism} ("auto", "CKM_SHA256_RSA_PKCS",
     * "CKM_RSA_PKCS"), {@code architecture} ("32" / "64"). Checked by sesgo.
     *
     * @param name the setting
     * @param value a {@code String} or a {@code Number}
     * @return this
     */
    public Pkcs11Config setting(String name, Object value) {
        Objects.requireNonNull(name, "name");
        if (!(value instanceof String) && !(value instanceof Long) && !(value instanceof Integer)) {
            throw new IllegalArgumentException(name + ": expected a String or an integer");
        }
        members.put(name, value);
        return this;
    }

    /**
     * The JSON form (the same in every language).
     *
     * @return the configuration as JSON
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : members.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(Json.string(e.getKey())).append(':');
            Object v = e.getValue();
            sb.append(v instanceof String ? Json.string((String) v) : v.toString());
        }
        return sb.append('}').toString();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
