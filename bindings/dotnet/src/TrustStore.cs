using System;
using System.Collections.Generic;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// The roots trusted for chain validation and the CA certificates that complete chains.
    /// Trust is decided only by root fingerprints. Immutable and thread-safe: build one and
    /// share it between threads; holds native memory: dispose it after the last use.
    /// </summary>
    public sealed class TrustStore : IDisposable
    {
        internal readonly TrustStoreHandle Handle;

        private TrustStore(TrustStoreHandle handle)
        {
            Handle = handle;
        }

        internal static TrustStore FromHandle(TrustStoreHandle handle)
        {
            return new TrustStore(handle);
        }

        /// <summary>The embedded ICP-Brasil roots v5 and v12.</summary>
        public static TrustStore IcpBrasil()
        {
            return FromJson("{\"icpBrasil\":true}");
        }

        /// <summary>
        /// A trust store from its options (JSON, all optional; empty or null = ICP-Brasil):
        /// <c>{"icpBrasil": bool, "rootSha256": ["hex", …], "rootCertsPem": "PEM",
        /// "caCertsPem": "PEM", "caDir": "path"}</c>.
        /// </summary>
        public static TrustStore FromJson(string optionsJson)
        {
            Native api = Native.Api;
            IntPtr raw, err;
            uint st;
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                st = api.TrustStoreNew(o.Ptr, o.Len, out raw, out err);
            }
            if (st != 0 || raw == IntPtr.Zero)
            {
                if (raw != IntPtr.Zero)
                {
                    api.TrustStoreFree(raw);
                }
                throw SesgoException.FromNative(api, st == 0 ? (uint)SesgoStatus.Panic : st, err, null);
            }
            return new TrustStore(new TrustStoreHandle(api, raw));
        }

        /// <summary>A builder writing the options JSON of <see cref="FromJson"/>.</summary>
        public static Builder NewBuilder()
        {
            return new Builder();
        }

        /// <summary>True once <see cref="Dispose"/> ran.</summary>
        public bool IsDisposed
        {
            get { return Handle.IsClosed; }
        }

        /// <summary>
        /// Releases the native store. Idempotent; calls in progress on other threads complete
        /// first. Using a disposed store throws <see cref="ObjectDisposedException"/>.
        /// </summary>
        public void Dispose()
        {
            Handle.Dispose();
        }

        /// <summary>Options of a <see cref="TrustStore"/>.</summary>
        public sealed class Builder
        {
            private bool? icpBrasil;
            private readonly List<string> rootSha256 = new List<string>();
            private string rootCertsPem;
            private string caCertsPem;
            private string caDir;

            internal Builder()
            {
            }

            /// <summary>Also trust (or not) the embedded ICP-Brasil roots.</summary>
            public Builder IcpBrasil(bool include)
            {
                icpBrasil = include;
                return this;
            }

            /// <summary>Trust the root whose DER has this SHA-256 (hex). Repeatable.</summary>
            public Builder RootSha256(string hex)
            {
                if (hex == null)
                {
                    throw new ArgumentNullException("hex");
                }
                rootSha256.Add(hex);
                return this;
            }

            /// <summary>Trust these root certificates (PEM).</summary>
            public Builder RootCertsPem(string pem)
            {
                rootCertsPem = pem;
                return this;
            }

            /// <summary>CA certificates (PEM) that complete chains (not trusted by themselves).</summary>
            public Builder CaCertsPem(string pem)
            {
                caCertsPem = pem;
                return this;
            }

            /// <summary>A directory of CA certificates (e.g. the extracted ITI archive).</summary>
            public Builder CaDir(string path)
            {
                caDir = path;
                return this;
            }

            /// <summary>The options as JSON.</summary>
            public string ToJson()
            {
                var sb = new StringBuilder("{");
                string sep = "";
                if (icpBrasil.HasValue)
                {
                    sb.Append("\"icpBrasil\":").Append(icpBrasil.Value ? "true" : "false");
                    sep = ",";
                }
                if (rootSha256.Count > 0)
                {
                    sb.Append(sep).Append("\"rootSha256\":[");
                    for (int i = 0; i < rootSha256.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }
                        Json.AppendString(sb, rootSha256[i]);
                    }
                    sb.Append(']');
                    sep = ",";
                }
                Member(sb, ref sep, "rootCertsPem", rootCertsPem);
                Member(sb, ref sep, "caCertsPem", caCertsPem);
                Member(sb, ref sep, "caDir", caDir);
                return sb.Append('}').ToString();
            }

            private static void Member(StringBuilder sb, ref string sep, string name, string value)
            {
                if (value == null)
                {
                    return;
                }
                sb.Append(sep).Append('"').Append(name).Append("\":");
                Json.AppendString(sb, value);
                sep = ",";
            }

            /// <summary>Builds the trust store.</summary>
            public TrustStore Build()
            {
                return FromJson(ToJson());
            }
        }
    }
}
