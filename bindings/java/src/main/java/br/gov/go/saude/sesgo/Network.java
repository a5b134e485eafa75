package br.gov.go.saude.sesgo;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The network context (issues 18–20, 22; docs/adr/0055): one transport (sesgo's HTTP
 * client, or a {@link Fetcher}), one on-disk cache and the network settings — the one way
 * sesgo reaches the network: AIA chain completion, the ITI trust-store refresh, the OCSP,
 * CRL and TSA requests of {@code sign}/{@code verify} with a {@link #trustStore} of it,
 * and {@link Sesgo#token(Signer, Network, String)}. Immutable and thread-safe; holds a
 * native handle, so close it when done.
 */
public final class Network extends NativeObject {
    private Network(long handle) {
        super(handle, Native::networkDestroy);
    }

    /**
     * A context with sesgo's HTTP client. {@code settingsJson}: the guide's settings
     * ({@code {"network": false}} = offline; timeouts, retries, ages; null = defaults);
     * {@code optionsJson}: {@code {"cacheDir", "cacheMaxBytes", "tlsRootsPem",
     * "trustStoreZipUrl", "trustStoreHashUrl"}} (null = defaults).
     *
     * @throws SesgoException {@code CONFIG.*} for settings out of range or bad options
     */
    public static Network create(String settingsJson, String optionsJson) {
        NativeLibrary.load();
        return new Network(Native.networkNew(settingsJson, optionsJson, null));
    }

    /** As {@link #create}, with the host's transport. */
    public static Network withFetcher(String settingsJson, String optionsJson, Fetcher fetcher) {
        Objects.requireNonNull(fetcher, "fetcher");
        NativeLibrary.load();
        return new Network(Native.networkNew(settingsJson, optionsJson, fetcher));
    }

    /**
     * A new trust store (same roots and pool as {@code base}) with this network attached:
     * {@code sign}, {@code verify} and {@code buildX5c} with it complete chains from AIA
     * {@code caIssuers} and make their OCSP, CRL and TSA requests through this network
     * (transport, cache, offline mode). Trust still comes only from the pinned roots.
     * Close it when done.
     */
    public TrustStore trustStore(TrustStore base) {
        Objects.requireNonNull(base, "base");
        return withHandle(n -> base.withHandle(t -> TrustStore.fromHandle(Native.networkTrustStore(n, t))));
    }

    /**
     * Refreshes ITI's CA archive into the cache (hash first, SHA-512 checked before the
     * archive is opened, atomic replace); returns the JSON report.
     *
     * @throws SesgoException {@code NETWORK.*}, {@code SECURITY.HASH-VALIDATION-FAILED},
     *     {@code STORAGE.INDEX-CREATION-FAILED}
     */
    public String refreshTrustStore() {
        return new String(withHandle(Native::networkRefreshTrustStore), StandardCharsets.UTF_8);
    }

    /**
     * What trust rests on, without touching the network ({@code sesgo trust show}): the
     * roots of {@code trustStore} and what this network's cache holds — {@code {"roots",
     * "cacheDir", "itiArchive", "aia"}} as JSON.
     */
    public String showTrustStore(TrustStore trustStore) {
        Objects.requireNonNull(trustStore, "trustStore");
        return new String(
                withHandle(n -> trustStore.withHandle(t -> Native.networkShowTrustStore(n, t))),
                StandardCharsets.UTF_8);
    }
}
