package br.gov.go.saude.sesgo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The roots a signer's chain must lead to (criar/validar input "trust store"). Trust is
 * decided only by SHA-256 fingerprints of root certificates; CA certificates only help
 * complete chains. Immutable and thread-safe (share one instance across threads); holds a
 * native handle, so close it when done.
 */
public final class TrustStore extends NativeObject {
    private TrustStore(long handle) {
        super(handle, Native::trustStoreDestroy);
    }

    /** Wraps a handle produced by the native side (Network.trustStore). */
    static TrustStore fromHandle(long handle) {
        return new TrustStore(handle);
    }

    /** The embedded ICP-Brasil roots v5 and v12. */
    public static TrustStore icpBrasil() {
        return fromJson("{\"icpBrasil\":true}");
    }

    /**
     * A store from the facade's options JSON: {@code {"icpBrasil": bool?, "rootSha256":
     * [hex...], "rootCertsPem": "PEM"?, "caCertsPem": "PEM"?, "caDir": "path"?, "caArchive": "path"?, "caArchiveSha512": "path"?}} (an empty
     * object = the ICP-Brasil roots).
     *
     * @throws SesgoException e.g. {@code CONFIG.INVALID-PARAMETER}, {@code CONFIG.TRUST-STORE-EMPTY},
     *     {@code FORMAT.CERT-PEM-INVALID}, {@code FORMAT.JSON-MALFORMED}
     */
    public static TrustStore fromJson(String optionsJson) {
        Objects.requireNonNull(optionsJson, "optionsJson");
        NativeLibrary.load();
        return new TrustStore(Native.trustStoreNew(optionsJson));
    }

    /** A builder producing the same JSON as {@link #fromJson}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link TrustStore} options; every method may be called in any order. */
    public static final class Builder {
        private Boolean icpBrasil;
        private final List<String> rootSha256 = new ArrayList<>();
        private String rootCertsPem;
        private String caCertsPem;
        private String caDir;
        private String caArchive;
        private String caArchiveSha512;

        private Builder() {}

        /** Also trust (or not) the embedded ICP-Brasil roots; default: only when no root is given. */
        public Builder icpBrasil(boolean include) {
            this.icpBrasil = include;
            return this;
        }

        /** Trusts the root whose DER has this SHA-256 (hex; case and {@code :} ignored); repeatable. */
        public Builder rootSha256(String hex) {
            rootSha256.add(Objects.requireNonNull(hex, "hex"));
            return this;
        }

        /** Trusts these root certificates (PEM, one or more). */
        public Builder rootCertsPem(String pem) {
            this.rootCertsPem = Objects.requireNonNull(pem, "pem");
            return this;
        }

        /** Intermediate CA certificates (PEM) used to complete chains. */
        public Builder caCertsPem(String pem) {
            this.caCertsPem = Objects.requireNonNull(pem, "pem");
            return this;
        }

        /** A directory of CA certificates ({@code .pem}, {@code .crt}, {@code .cer}, {@code .der}). */
        public Builder caDir(String path) {
            this.caDir = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * ITI's {@code ACcompactado.zip} (a path): its certificates join the pool after its
         * SHA-512 is checked against {@code hashSha512Path} ({@code null}: the
         * {@code hashsha512.txt} beside it).
         */
        public Builder caArchive(String zipPath, String hashSha512Path) {
            this.caArchive = Objects.requireNonNull(zipPath, "zipPath");
            this.caArchiveSha512 = hashSha512Path;
            return this;
        }

        /** The options JSON {@link #build()} passes to {@link TrustStore#fromJson}. */
        public String toJson() {
            StringBuilder sb = new StringBuilder("{");
            if (icpBrasil != null) {
                sb.append("\"icpBrasil\":").append(icpBrasil).append(',');
            }
            sb.append("\"rootSha256\":[");
            for (int i = 0; i < rootSha256.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(Json.string(rootSha256.get(i)));
            }
            sb.append(']');
            if (rootCertsPem != null) {
                sb.append(",\"rootCertsPem\":").append(Json.string(rootCertsPem));
            }
            if (caCertsPem != null) {
                sb.append(",\"caCertsPem\":").append(Json.string(caCertsPem));
            }
            if (caDir != null) {
                sb.append(",\"caDir\":").append(Json.string(caDir));
            }
            if (caArchive != null) {
                sb.append(",\"caArchive\":").append(Json.string(caArchive));
            }
            if (caArchiveSha512 != null) {
                sb.append(",\"caArchiveSha512\":").append(Json.string(caArchiveSha512));
            }
            return sb.append('}').toString();
        }

        /** Builds the store (see {@link TrustStore#fromJson} for the failures). */
        public TrustStore build() {
            return TrustStore.fromJson(toJson());
        }
    }
}
