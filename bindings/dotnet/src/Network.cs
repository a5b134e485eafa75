using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>One request sesgo asks a host transport (<see cref="Fetcher"/>) to perform.</summary>
    public sealed class FetchRequest
    {
        internal FetchRequest(string method, string url, string purpose, string contentType, string accept,
            IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, long maxBytes, TimeSpan timeout)
        {
            Method = method;
            Url = url;
            Purpose = purpose;
            ContentType = contentType;
            Accept = accept;
            Headers = headers;
            Body = body;
            MaxBytes = maxBytes;
            Timeout = timeout;
        }

        /// <summary><c>GET</c> or <c>POST</c>.</summary>
        public string Method { get; private set; }

        /// <summary>Absolute <c>https://</c> URL (<c>http://</c> only for <c>aia</c>, <c>crl</c> and <c>ocsp</c>).</summary>
        public string Url { get; private set; }

        /// <summary><c>aia</c>, <c>crl</c>, <c>ocsp</c>, <c>tsa</c>, <c>trust-store</c> or <c>token</c>.</summary>
        public string Purpose { get; private set; }

        /// <summary>The body's <c>Content-Type</c>, or null.</summary>
        public string ContentType { get; private set; }

        /// <summary>The <c>Accept</c> header, or null.</summary>
        public string Accept { get; private set; }

        /// <summary>Extra headers (name, value).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; private set; }

        /// <summary>The POST body, or null.</summary>
        public byte[] Body { get; private set; }

        /// <summary>A longer response body is refused.</summary>
        public long MaxBytes { get; private set; }

        /// <summary>Total time allowed, connection included.</summary>
        public TimeSpan Timeout { get; private set; }
    }

    /// <summary>What a host transport answers: any HTTP status (sesgo decides what a non-200 means).</summary>
    public sealed class FetchResponse
    {
        /// <summary>A response.</summary>
        public FetchResponse(int status, byte[] body, string contentType = null)
        {
            Status = status;
            Body = body ?? new byte[0];
            ContentType = contentType;
        }

        /// <summary>The HTTP status.</summary>
        public int Status { get; private set; }

        /// <summary>The body.</summary>
        public byte[] Body { get; private set; }

        /// <summary>The <c>Content-Type</c>, or null.</summary>
        public string ContentType { get; private set; }
    }

    /// <summary>
    /// A host transport (its own HTTP stack, proxy authentication, egress rules): performs
    /// <paramref name="request"/>. Throw when no response could be obtained; the failure is
    /// reported as a transport failure of the URL. Called on the thread that uses the network,
    /// possibly from several threads at once. (Token requests over mutual TLS need the host to
    /// present the client certificate itself.)
    /// </summary>
    public delegate FetchResponse Fetcher(FetchRequest request);

    /// <summary>
    /// The network context: one transport (sesgo's HTTP client, or a <see cref="Fetcher"/>),
    /// one on-disk cache and the network settings — the one way sesgo reaches the network
    /// (docs/adr/0055). <see cref="Attach"/> gives a trust store with which
    /// <see cref="Sesgo.Sign"/>, <see cref="Sesgo.Verify"/> and <see cref="Sesgo.BuildX5c"/>
    /// complete chains through AIA and make their OCSP, CRL and TSA requests through it;
    /// <see cref="Sesgo.Token"/> takes it; it refreshes ITI's archive. Offline, nothing is
    /// fetched and what could not be obtained is reported with the guide's code. Immutable
    /// and thread-safe; holds native memory: dispose it.
    /// </summary>
    public sealed class Network : IDisposable
    {
        private static readonly Native.FetchCallback Callback = OnFetch;
        private static readonly IntPtr CallbackPointer = Marshal.GetFunctionPointerForDelegate(Callback);

        internal readonly NetworkHandle Handle;

        private Network(NetworkHandle handle)
        {
            Handle = handle;
        }

        /// <summary>
        /// A network with sesgo's HTTP client. <paramref name="settingsJson"/>: the guide's
        /// settings (<c>{"network": false}</c> = offline; timeouts, retries, cache ages; null =
        /// defaults); <paramref name="optionsJson"/>: <c>{"cacheDir", "cacheMaxBytes",
        /// "tlsRootsPem", "trustStoreZipUrl", "trustStoreHashUrl"}</c> (null = defaults: the
        /// per-user cache, ITI's URLs). See <see cref="NewBuilder"/>.
        /// </summary>
        public static Network Create(string settingsJson = null, string optionsJson = null)
        {
            return Make(settingsJson, optionsJson, null);
        }

        /// <summary>As <see cref="Create"/>, every request through <paramref name="fetcher"/>.</summary>
        public static Network WithFetcher(Fetcher fetcher, string settingsJson = null, string optionsJson = null)
        {
            if (fetcher == null)
            {
                throw new ArgumentNullException("fetcher");
            }
            return Make(settingsJson, optionsJson, fetcher);
        }

        /// <summary>A builder of the settings and options of <see cref="Create"/>.</summary>
        public static Builder NewBuilder()
        {
            return new Builder();
        }

        private static Network Make(string settingsJson, string optionsJson, Fetcher fetcher)
        {
            Native api = Native.Api;
            FetcherState state = fetcher == null ? null : new FetcherState(api, fetcher);
            IntPtr raw = IntPtr.Zero, err = IntPtr.Zero;
            uint st;
            try
            {
                using (var s = new Pinned(Utf8.Bytes(settingsJson)))
                using (var o = new Pinned(Utf8.Bytes(optionsJson)))
                {
                    st = state == null
                        ? api.NetworkNew(s.Ptr, s.Len, o.Ptr, o.Len, out raw, out err)
                        : api.NetworkWithFetcher(s.Ptr, s.Len, o.Ptr, o.Len, CallbackPointer, state.UserData, out raw, out err);
                }
            }
            catch
            {
                if (state != null)
                {
                    state.Release();
                }
                throw;
            }
            if (st != 0 || raw == IntPtr.Zero)
            {
                if (raw != IntPtr.Zero)
                {
                    api.NetworkFree(raw);
                }
                if (state != null)
                {
                    state.Release();
                }
                throw SesgoException.FromNative(api, st == 0 ? (uint)SesgoStatus.Panic : st, err, null);
            }
            return new Network(new NetworkHandle(api, raw, state));
        }

        /// <summary>
        /// A new trust store (same roots and pool as <paramref name="trust"/>) with this
        /// network attached. Trust still comes only from its pinned roots. Dispose it too; it
        /// stays usable after this network is disposed.
        /// </summary>
        public TrustStore Attach(TrustStore trust)
        {
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            Native api = Native.Api;
            IntPtr raw, err;
            uint st;
            using (var n = new HandleUse(Handle, "Network"))
            using (var t = new HandleUse(trust.Handle, "TrustStore"))
            {
                st = api.TrustStoreWithNetwork(t.Ptr, n.Ptr, out raw, out err);
            }
            if (st != 0 || raw == IntPtr.Zero)
            {
                if (raw != IntPtr.Zero)
                {
                    api.TrustStoreFree(raw);
                }
                throw SesgoException.FromNative(api, st == 0 ? (uint)SesgoStatus.Panic : st, err, null);
            }
            if (Handle.Transport != null)
            {
                Handle.Transport.AddRef();
            }
            return TrustStore.FromHandle(new TrustStoreHandle(api, raw, Handle.Transport));
        }

        /// <summary>
        /// Refreshes ITI's CA archive into the cache (hash first, SHA-512 checked before the
        /// archive is opened, atomic replace): the JSON report <c>{"sha512", "previousSha512",
        /// "changed", "verifiedAt", "ageSecs", "certificates", "added", "removed", "cacheDir"}</c>.
        /// </summary>
        /// <exception cref="SesgoException"><c>NETWORK.*</c>, <c>SECURITY.HASH-VALIDATION-FAILED</c>, …</exception>
        public string RefreshTrustStore()
        {
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var n = new HandleUse(Handle, "Network"))
            {
                st = api.TrustRefresh(n.Ptr, out result, out err);
            }
            return Sesgo.Text(api, st, result, err, null);
        }

        /// <summary>
        /// What trust rests on, never the network (<c>sesgo trust show</c>): the roots of
        /// <paramref name="trust"/> and what this network's cache holds — <c>{"roots",
        /// "cacheDir", "itiArchive", "aia"}</c> (JSON).
        /// </summary>
        public string ShowTrustStore(TrustStore trust)
        {
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var n = new HandleUse(Handle, "Network"))
            using (var t = new HandleUse(trust.Handle, "TrustStore"))
            {
                st = api.TrustShow(n.Ptr, t.Ptr, out result, out err);
            }
            return Sesgo.Text(api, st, result, err, null);
        }

        /// <summary>True once <see cref="Dispose"/> ran.</summary>
        public bool IsDisposed
        {
            get { return Handle.IsClosed; }
        }

        /// <summary>Releases the native network. Idempotent; trust stores made with it keep working.</summary>
        public void Dispose()
        {
            Handle.Dispose();
        }

        private static string Str(IntPtr p)
        {
            return p == IntPtr.Zero ? null : Utf8.FromNative(p);
        }

        /// <summary><c>sesgo_fetch_callback</c>: never lets an exception reach native code.</summary>
        private static int OnFetch(IntPtr userdata, IntPtr request, IntPtr response)
        {
            try
            {
                var state = (FetcherState)GCHandle.FromIntPtr(userdata).Target;
                var r = Marshal.PtrToStructure<FetchRequestNative>(request);
                ulong len = r.BodyLen.ToUInt64();
                byte[] body = null;
                if (r.Body != IntPtr.Zero && len > 0 && len <= int.MaxValue)
                {
                    body = new byte[(int)len];
                    Marshal.Copy(r.Body, body, 0, body.Length);
                }
                var headers = new List<KeyValuePair<string, string>>();
                foreach (string line in (Str(r.Headers) ?? "").Split(new[] { "\r\n" }, StringSplitOptions.RemoveEmptyEntries))
                {
                    int colon = line.IndexOf(':');
                    if (colon > 0)
                    {
                        headers.Add(new KeyValuePair<string, string>(line.Substring(0, colon), line.Substring(colon + 1).Trim()));
                    }
                }
                var req = new FetchRequest(
                    Str(r.Method), Str(r.Url), Str(r.Purpose), Str(r.ContentType), Str(r.Accept), headers, body,
                    r.MaxBytes > long.MaxValue ? long.MaxValue : (long)r.MaxBytes,
                    TimeSpan.FromMilliseconds(r.TimeoutMs > int.MaxValue ? int.MaxValue : r.TimeoutMs));
                FetchResponse answer = state.Fetch(req);
                if (answer == null || answer.Status < 0 || answer.Status > ushort.MaxValue)
                {
                    return 1;
                }
                Marshal.WriteInt16(response, (int)Marshal.OffsetOf<FetchResponseNative>("Status"), (short)(ushort)answer.Status);
                IntPtr bodySlot = response + (int)Marshal.OffsetOf<FetchResponseNative>("Body");
                using (var b = new Pinned(answer.Body))
                {
                    if (state.Api.BytesSet(bodySlot, b.Ptr, b.Len) != 0)
                    {
                        return 1;
                    }
                }
                if (answer.ContentType != null)
                {
                    IntPtr typeSlot = response + (int)Marshal.OffsetOf<FetchResponseNative>("ContentType");
                    using (var c = new Pinned(Encoding.UTF8.GetBytes(answer.ContentType)))
                    {
                        state.Api.BytesSet(typeSlot, c.Ptr, c.Len);
                    }
                }
                return 0;
            }
            catch (Exception)
            {
                return 1;
            }
        }

        /// <summary>The settings and options of <see cref="Create"/>, as JSON.</summary>
        public sealed class Builder
        {
            private bool offline;
            private string cacheDir;
            private long? cacheMaxBytes;
            private string tlsRootsPem;
            private string zipUrl;
            private string hashUrl;
            private string settingsJson;
            private Fetcher fetcher;

            internal Builder()
            {
            }

            /// <summary>Forbid every network access: only the cache answers (<c>"network": false</c>).</summary>
            public Builder Offline(bool value = true)
            {
                offline = value;
                return this;
            }

            /// <summary>The shared cache directory (default: the per-user cache).</summary>
            public Builder CacheDir(string dir)
            {
                cacheDir = dir;
                return this;
            }

            /// <summary>Bound of the cache's content, bytes (default 256 MiB).</summary>
            public Builder CacheMaxBytes(long bytes)
            {
                cacheMaxBytes = bytes;
                return this;
            }

            /// <summary>Extra trusted roots for HTTPS servers (PEM), besides the system's.</summary>
            public Builder TlsRootsPem(string pem)
            {
                tlsRootsPem = pem;
                return this;
            }

            /// <summary>Where ITI's <c>ACcompactado.zip</c> and its <c>hashsha512.txt</c> are (https).</summary>
            public Builder TrustStoreUrls(string zip, string hash)
            {
                zipUrl = zip;
                hashUrl = hash;
                return this;
            }

            /// <summary>The guide's settings as JSON (timeouts, retries, cache ages); <see cref="Offline"/> wins.</summary>
            public Builder Settings(string json)
            {
                settingsJson = json;
                return this;
            }

            /// <summary>The host's transport instead of sesgo's HTTP client.</summary>
            public Builder Fetcher(Fetcher value)
            {
                fetcher = value;
                return this;
            }

            /// <summary>The settings JSON (with <c>"network": false</c> when offline).</summary>
            public string SettingsJson()
            {
                string s = string.IsNullOrEmpty(settingsJson) ? "{}" : settingsJson.Trim();
                if (!offline)
                {
                    return s;
                }
                string inner = s.Substring(1, s.Length - 2).Trim();
                return "{\"network\":false" + (inner.Length > 0 ? "," + inner : "") + "}";
            }

            /// <summary>The options JSON.</summary>
            public string OptionsJson()
            {
                var sb = new StringBuilder("{");
                string sep = "";
                Member(sb, ref sep, "cacheDir", cacheDir);
                if (cacheMaxBytes.HasValue)
                {
                    sb.Append(sep).Append("\"cacheMaxBytes\":").Append(cacheMaxBytes.Value);
                    sep = ",";
                }
                Member(sb, ref sep, "tlsRootsPem", tlsRootsPem);
                Member(sb, ref sep, "trustStoreZipUrl", zipUrl);
                Member(sb, ref sep, "trustStoreHashUrl", hashUrl);
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

            /// <summary>Builds the network.</summary>
            public Network Build()
            {
                return Make(SettingsJson(), OptionsJson(), fetcher);
            }
        }
    }
}
