using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// Signing and verification of FHIR R4 content under the SES-GO security guide
    /// (JWS/JAdES RS256, ICP-Brasil), and the guide's tools — a translation of
    /// <c>include/sesgo.h</c>. FHIR JSON goes in as UTF-8 bytes, exactly as received;
    /// options are JSON (null = defaults): <c>{"policy": uri, "strategy": "iat"|"tsa",
    /// "referenceTime": unixSeconds, "settings": {…}}</c>, settings in camelCase (e.g.
    /// <c>"revocationPolicy": "strict"|"soft-fail"|"warn"|"off"</c>).
    /// </summary>
    public static class Sesgo
    {
        /// <summary>
        /// Signature policy 0.1.2 (RFC 8785 JCS canonicalization), its URI as the native
        /// library names it (<c>sesgo_policies()</c>, read when this class is first used).
        /// Null only when the native library cannot be loaded — every call then throws that
        /// <see cref="SesgoException"/>.
        /// </summary>
        public static readonly string Policy012 = PolicyCatalog.UriOf("0.1.2");

        /// <summary>
        /// Signature policy 0.2.0 (<c>fhir-json-lossless</c>: number tokens kept as written),
        /// from the native library as <see cref="Policy012"/>.
        /// </summary>
        public static readonly string Policy020 = PolicyCatalog.UriOf("0.2.0");

        /// <summary>Every signature policy URI the native library supports, in its order.</summary>
        /// <exception cref="SesgoException">the native library cannot be loaded</exception>
        public static System.Collections.Generic.IReadOnlyList<string> SupportedPolicies
        {
            get { return PolicyCatalog.Load().Uris; }
        }

        /// <summary>The policy URI the native library signs with when none is given.</summary>
        /// <exception cref="SesgoException">the native library cannot be loaded</exception>
        public static string DefaultPolicy
        {
            get { return PolicyCatalog.Load().Default; }
        }

        /// <summary>
        /// The guide's default settings as the native library applies them: JSON in the form
        /// every <c>settings</c> argument takes (camelCase members, e.g.
        /// <c>"revocationPolicy":"strict"</c>, <c>"maxBundleBytes":52428800</c>). A member a
        /// call's settings leave out takes this value; the assembly repeats none of them.
        /// </summary>
        public static string DefaultSettings
        {
            get { return Utf8.FromNative(Native.Api.DefaultSettings()); }
        }

        /// <summary>The native library's version (e.g. <c>0.1.0</c>).</summary>
        public static string Version
        {
            get { return Utf8.FromNative(Native.Api.Version()); }
        }

        /// <summary>The C name of a status number (<c>SESGO_STATUS_…</c>), as the native library knows it.</summary>
        public static string StatusName(uint status)
        {
            return Utf8.FromNative(Native.Api.StatusName(status));
        }

        /// <summary>
        /// Signs the resources <paramref name="provenance"/> designates in
        /// <paramref name="bundle"/> (caso de uso <i>criar</i>): the chain is completed and
        /// validated with <paramref name="trust"/> and the signer's eligibility checked under
        /// the policy.
        /// </summary>
        /// <returns>the Signature, the signed Provenance, the transfer Bundle and the warnings</returns>
        /// <exception cref="SesgoException">any refusal, with the guide's code</exception>
        /// <exception cref="ObjectDisposedException">the signer or the trust store was disposed</exception>
        public static SignResult Sign(byte[] bundle, byte[] provenance, Signer signer, TrustStore trust, string optionsJson = null)
        {
            if (bundle == null)
            {
                throw new ArgumentNullException("bundle");
            }
            if (provenance == null)
            {
                throw new ArgumentNullException("provenance");
            }
            if (signer == null)
            {
                throw new ArgumentNullException("signer");
            }
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var s = new HandleUse(signer.Handle, "Signer"))
            using (var t = new HandleUse(trust.Handle, "TrustStore"))
            using (var b = new Pinned(bundle))
            using (var p = new Pinned(provenance))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                Signer.ClearCallbackException();
                st = api.Sign(s.Ptr, t.Ptr, b.Ptr, b.Len, p.Ptr, p.Len, o.Ptr, o.Len, out result, out err);
            }
            Exception inner = Signer.TakeCallbackException();
            string json = Text(api, st, result, err, inner);
            return new SignResult(json, JsonValue.Parse(json));
        }

        /// <summary>
        /// Verifies a signature (caso de uso <i>validar</i>) against <paramref name="trust"/>.
        /// Give what you have: the transfer <paramref name="bundle"/> alone; a signed
        /// <paramref name="provenance"/> or a FHIR <paramref name="signature"/> with the Bundle
        /// it covers; or <paramref name="signatureData"/> (<c>Signature.data</c>, checks the
        /// signature and certificate without the integrity check). Pass the bytes you
        /// received, not a re-serialization.
        /// </summary>
        /// <returns>the result: an invalid signature is <c>Valid == false</c> with every finding, not an exception</returns>
        /// <exception cref="SesgoException">unusable input or options (malformed JSON, settings out of range, unknown policy)</exception>
        public static VerificationResult Verify(
            TrustStore trust, byte[] bundle = null, byte[] provenance = null, byte[] signature = null,
            string signatureData = null, string optionsJson = null)
        {
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var t = new HandleUse(trust.Handle, "TrustStore"))
            using (var d = new Pinned(Utf8.Bytes(signatureData)))
            using (var s = new Pinned(signature))
            using (var p = new Pinned(provenance))
            using (var b = new Pinned(bundle))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                var input = new VerifyInputNative
                {
                    SignatureData = d.Ptr,
                    SignatureDataLen = d.Len,
                    Signature = s.Ptr,
                    SignatureLen = s.Len,
                    Provenance = p.Ptr,
                    ProvenanceLen = p.Len,
                    Bundle = b.Ptr,
                    BundleLen = b.Len,
                };
                st = api.Verify(t.Ptr, ref input, o.Ptr, o.Len, out result, out err);
            }
            string json = Text(api, st, result, err, null);
            return new VerificationResult(json, JsonValue.Parse(json));
        }

        /// <summary>
        /// Verifies many items (an archive, a day's feed) against one <paramref name="trust"/>
        /// on up to <paramref name="threads"/> native threads (0 = one per core), sharing its
        /// chain, AIA and revocation caches. Each result is what <see cref="Verify"/> returns
        /// for that item, in the order of <paramref name="items"/>; an item whose own input is
        /// unusable (JSON that does not parse, a limit exceeded) gets an invalid result
        /// carrying its error, never an exception for the batch.
        /// </summary>
        /// <param name="trust">the trusted roots (and the caches every item shares)</param>
        /// <param name="items">what to verify, one item per signature</param>
        /// <param name="optionsJson">verify options for every item, or null for the defaults</param>
        /// <param name="threads">0 (one per core) or the number of threads</param>
        /// <returns>one result per item, in order</returns>
        /// <exception cref="SesgoException">unusable options (they would refuse every item)</exception>
        public static IList<VerificationResult> VerifyMany(
            TrustStore trust, IList<VerifyItem> items, string optionsJson = null, int threads = 0)
        {
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            if (items == null)
            {
                throw new ArgumentNullException("items");
            }
            if (threads < 0)
            {
                throw new ArgumentOutOfRangeException("threads", "0 (um por núcleo) ou um número positivo");
            }
            int n = items.Count;
            var pins = new List<Pinned>(4 * n);
            var inputs = new VerifyInputNative[n];
            var outs = new SesgoBytes[n];
            Native api = Native.Api;
            IntPtr err;
            uint st;
            try
            {
                for (int i = 0; i < n; i++)
                {
                    VerifyItem item = items[i];
                    if (item == null)
                    {
                        throw new ArgumentNullException("items[" + i + "]");
                    }
                    var d = new Pinned(Utf8.Bytes(item.SignatureData));
                    pins.Add(d);
                    var s = new Pinned(item.Signature);
                    pins.Add(s);
                    var p = new Pinned(item.Provenance);
                    pins.Add(p);
                    var b = new Pinned(item.Bundle);
                    pins.Add(b);
                    inputs[i] = new VerifyInputNative
                    {
                        SignatureData = d.Ptr,
                        SignatureDataLen = d.Len,
                        Signature = s.Ptr,
                        SignatureLen = s.Len,
                        Provenance = p.Ptr,
                        ProvenanceLen = p.Len,
                        Bundle = b.Ptr,
                        BundleLen = b.Len,
                    };
                }
                using (var t = new HandleUse(trust.Handle, "TrustStore"))
                using (var o = new Pinned(Utf8.Bytes(optionsJson)))
                {
                    st = api.VerifyMany(
                        t.Ptr, inputs, new UIntPtr((uint)n), o.Ptr, o.Len, new UIntPtr((uint)threads), outs, out err);
                }
            }
            finally
            {
                foreach (Pinned pin in pins)
                {
                    pin.Dispose();
                }
            }
            if (st != 0)
            {
                throw SesgoException.FromNative(api, st, err, null);
            }
            if (err != IntPtr.Zero)
            {
                api.ErrorFree(err);
            }
            // Every slot is taken (and freed) before any is parsed.
            var texts = new string[n];
            for (int i = 0; i < n; i++)
            {
                texts[i] = Encoding.UTF8.GetString(Utf8.Take(api, outs[i]));
            }
            var results = new List<VerificationResult>(n);
            foreach (string json in texts)
            {
                results.Add(new VerificationResult(json, JsonValue.Parse(json)));
            }
            return results.AsReadOnly();
        }

        /// <summary>
        /// A credentialing report on a certificate (JSON: subject, identity, type A1/A3,
        /// validity, fingerprints, eligibility per policy, PEM, …).
        /// </summary>
        /// <param name="certificate">DER or PEM; or a PKCS#12 when <paramref name="password"/> is given</param>
        /// <param name="password">the PKCS#12 password, or null for a certificate</param>
        /// <param name="optionsJson"><c>{"referenceTime": unix, "alias": "…"}</c> or null</param>
        /// <param name="trust">the roots the report's <c>trust</c> member judges by (apart
        /// from <c>eligibility</c>: <c>{"trusted", "rootSha256", "chain", "findings"}</c>);
        /// null = the embedded ICP-Brasil roots</param>
        public static string InspectCertificate(
            byte[] certificate, string password = null, string optionsJson = null, TrustStore trust = null)
        {
            if (certificate == null)
            {
                throw new ArgumentNullException("certificate");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var c = new Pinned(certificate))
            using (var pw = new Pinned(Utf8.NulTerminated(password, "password"), true))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                if (trust == null)
                {
                    st = api.InspectCertificate(c.Ptr, c.Len, pw.Ptr, IntPtr.Zero, o.Ptr, o.Len, out result, out err);
                }
                else
                {
                    using (var t = new HandleUse(trust.Handle, "TrustStore"))
                    {
                        st = api.InspectCertificate(c.Ptr, c.Len, pw.Ptr, t.Ptr, o.Ptr, o.Len, out result, out err);
                    }
                }
            }
            return Text(api, st, result, err, null);
        }

        /// <summary>
        /// <see cref="Sign"/> with each output as its own exact bytes (never cut out of a
        /// combined document): store and send <see cref="SignedParts.Bundle"/> as it is —
        /// under policy 0.2.0 a re-serialization can break the signature.
        /// </summary>
        public static SignedParts SignParts(byte[] bundle, byte[] provenance, Signer signer, TrustStore trust, string optionsJson = null)
        {
            if (bundle == null)
            {
                throw new ArgumentNullException("bundle");
            }
            if (provenance == null)
            {
                throw new ArgumentNullException("provenance");
            }
            if (signer == null)
            {
                throw new ArgumentNullException("signer");
            }
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            Native api = Native.Api;
            SignedNative result;
            IntPtr err;
            uint st;
            using (var s = new HandleUse(signer.Handle, "Signer"))
            using (var t = new HandleUse(trust.Handle, "TrustStore"))
            using (var b = new Pinned(bundle))
            using (var p = new Pinned(provenance))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                Signer.ClearCallbackException();
                st = api.SignParts(s.Ptr, t.Ptr, b.Ptr, b.Len, p.Ptr, p.Len, o.Ptr, o.Len, out result, out err);
            }
            Exception inner = Signer.TakeCallbackException();
            if (st != 0)
            {
                api.SignedFree(ref result);
                throw SesgoException.FromNative(api, st, err, inner);
            }
            if (err != IntPtr.Zero)
            {
                api.ErrorFree(err);
            }
            try
            {
                return new SignedParts(Copy(result.Signature), Copy(result.Provenance), Copy(result.Bundle), Copy(result.Warnings));
            }
            finally
            {
                api.SignedFree(ref result);
            }
        }

        private static byte[] Copy(SesgoBytes b)
        {
            ulong len = b.Len.ToUInt64();
            if (b.Data == IntPtr.Zero || len == 0)
            {
                return null;
            }
            if (len > int.MaxValue)
            {
                throw new OutOfMemoryException("resultado da biblioteca nativa maior que 2 GiB");
            }
            var bytes = new byte[(int)len];
            Marshal.Copy(b.Data, bytes, 0, bytes.Length);
            return bytes;
        }

        /// <summary>
        /// Caso de uso <i>montar cadeia</i>: the <c>x5c</c> of a certificate (PEM, DER or
        /// standard Base64 DER) — standard Base64 DER, leaf first, the trusted root last —
        /// completed from <paramref name="trust"/> (and AIA when it came from
        /// <see cref="Network.Attach"/>) and validated now.
        /// </summary>
        /// <exception cref="SesgoException"><c>CERT.CHAIN-INCOMPLETE</c> (no way to the root), another <c>CERT.*</c></exception>
        public static string[] BuildX5c(byte[] certificate, TrustStore trust, string settingsJson = null)
        {
            if (certificate == null)
            {
                throw new ArgumentNullException("certificate");
            }
            if (trust == null)
            {
                throw new ArgumentNullException("trust");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var c = new Pinned(certificate))
            using (var t = new HandleUse(trust.Handle, "TrustStore"))
            using (var s = new Pinned(Utf8.Bytes(settingsJson)))
            {
                st = api.BuildX5c(c.Ptr, c.Len, t.Ptr, s.Ptr, s.Len, out result, out err);
            }
            var array = JsonValue.Parse(Text(api, st, result, err, null));
            var x5c = new string[array.Items.Count];
            for (int i = 0; i < x5c.Length; i++)
            {
                x5c[i] = array.Items[i].Text;
            }
            return x5c;
        }

        /// <summary>
        /// Obtains an OAuth 2.0 access token with the signer's certificate (caso de uso
        /// <i>obter token</i>): mutual TLS with <c>clientSecret</c> (the guide) or, with
        /// <c>"assertion": true</c>, an RS384 <c>private_key_jwt</c> assertion signed by the
        /// signer's key (HubSaúde). Cached per endpoint, client, scope and certificate until
        /// 30 s before expiry, for the whole process.
        /// </summary>
        /// <param name="signer">the establishment's certificate and key</param>
        /// <param name="optionsJson"><c>{"issuer": url | "tokenEndpoint": url, "clientId", "clientSecret" |
        /// "assertion": true, "scope", "caCertsPem", "mtls", "timeout", "cache", "assertionTtl", "hubCtx"}</c></param>
        /// <param name="network">every request through it (its transport, offline mode); null = sesgo's HTTP client</param>
        /// <returns><c>{"accessToken", "tokenType", "expiresIn", "expiresAt", "scope", "fromCache",
        /// "cnfX5tS256", "tokenEndpoint", "response"}</c> (holds the token)</returns>
        /// <exception cref="SesgoException">the guide's code and the server's <c>error</c> (DECISIONS D22)</exception>
        public static string Token(Signer signer, string optionsJson, Network network = null)
        {
            if (signer == null)
            {
                throw new ArgumentNullException("signer");
            }
            if (optionsJson == null)
            {
                throw new ArgumentNullException("optionsJson");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            byte[] options = Utf8.Bytes(optionsJson);
            using (var s = new HandleUse(signer.Handle, "Signer"))
            using (var o = new Pinned(options, true))
            {
                Signer.ClearCallbackException();
                if (network == null)
                {
                    st = api.Token(s.Ptr, IntPtr.Zero, o.Ptr, o.Len, out result, out err);
                }
                else
                {
                    using (var n = new HandleUse(network.Handle, "Network"))
                    {
                        st = api.Token(s.Ptr, n.Ptr, o.Ptr, o.Len, out result, out err);
                    }
                }
            }
            Exception inner = Signer.TakeCallbackException();
            byte[] bytes = Bytes(api, st, result, err, inner);
            try
            {
                return Encoding.UTF8.GetString(bytes);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        /// <summary>
        /// What the credentialing portal asks for: the certificate (<c>"pem"</c>,
        /// <c>"der"</c>) or the JWK / JWK Set of its public key (<c>"jwk"</c>, <c>"jwks"</c>,
        /// with <c>kid</c>, <c>x5c</c> and <c>x5t#S256</c>).
        /// </summary>
        /// <param name="certificate">DER or PEM; or a PKCS#12 when <paramref name="password"/> is given</param>
        /// <param name="format"><c>pem</c>, <c>der</c>, <c>jwk</c> or <c>jwks</c></param>
        /// <param name="password">the PKCS#12 password, or null</param>
        public static byte[] ExportCertificate(byte[] certificate, string format, string password = null)
        {
            if (certificate == null)
            {
                throw new ArgumentNullException("certificate");
            }
            if (format == null)
            {
                throw new ArgumentNullException("format");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var c = new Pinned(certificate))
            using (var pw = new Pinned(Utf8.NulTerminated(password, "password"), true))
            using (var f = new Pinned(Utf8.NulTerminated(format, "format")))
            {
                st = api.ExportCertificate(c.Ptr, c.Len, pw.Ptr, f.Ptr, out result, out err);
            }
            return Bytes(api, st, result, err, null);
        }

        /// <summary>
        /// Fills an <c>Attachment</c> (profile <c>anexo-assinado</c>) from its content:
        /// <c>size</c>, <c>hash</c> (SHA-1, as FHIR R4 defines it) and the extension
        /// <c>hash-sha256</c>; <paramref name="content"/> null = the inline <c>data</c>.
        /// Options: <c>{"location"}</c>. Returns the Attachment (JSON).
        /// </summary>
        public static string FillAttachment(byte[] attachment, byte[] content, string optionsJson = null)
        {
            return Attachment(Native.Api.FillAttachment, attachment, content, optionsJson);
        }

        /// <summary>
        /// Checks an <c>Attachment</c> against the profile <c>anexo-assinado</c> and its
        /// content: an OperationOutcome (JSON), <c>VALIDATION.SUCCESS</c> or every finding.
        /// </summary>
        public static string CheckAttachment(byte[] attachment, byte[] content, string optionsJson = null)
        {
            return Attachment(Native.Api.CheckAttachment, attachment, content, optionsJson);
        }

        private static string Attachment(Native.AttachmentFn fn, byte[] attachment, byte[] content, string optionsJson)
        {
            if (attachment == null)
            {
                throw new ArgumentNullException("attachment");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var a = new Pinned(attachment))
            using (var c = new Pinned(content))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                st = fn(a.Ptr, a.Len, c.Ptr, c.Len, o.Ptr, o.Len, out result, out err);
            }
            return Text(api, st, result, err, null);
        }

        /// <summary>
        /// The canonical bytes of one FHIR resource as a signature covers it (RFC 8785 JCS
        /// under policy 0.1.x, <c>fhir-json-lossless/0.2.0</c> under 0.2.0).
        /// </summary>
        /// <param name="resource">the resource (JSON)</param>
        /// <param name="policy">the policy URI, or null for the default</param>
        public static byte[] Canonicalize(byte[] resource, string policy = null)
        {
            if (resource == null)
            {
                throw new ArgumentNullException("resource");
            }
            string options = policy == null ? null : "{\"policy\":" + Json.String(policy) + "}";
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var r = new Pinned(resource))
            using (var o = new Pinned(Utf8.Bytes(options)))
            {
                st = api.Canonicalize(r.Ptr, r.Len, o.Ptr, o.Len, out result, out err);
            }
            return Bytes(api, st, result, err, null);
        }

        /// <summary>
        /// Checks a Bundle (and optionally its Provenance) against the guide's structural and
        /// reference rules: an OperationOutcome (JSON) with <c>VALIDATION.SUCCESS</c> or every
        /// finding. Options: <c>{"policy", "validating", "strictOrder", "maxEntriesBundle"}</c>.
        /// </summary>
        public static string CheckReferences(byte[] bundle, byte[] provenance = null, string optionsJson = null)
        {
            if (bundle == null)
            {
                throw new ArgumentNullException("bundle");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var b = new Pinned(bundle))
            using (var p = new Pinned(provenance))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                st = api.CheckReferences(b.Ptr, b.Len, p.Ptr, p.Len, o.Ptr, o.Len, out result, out err);
            }
            return Text(api, st, result, err, null);
        }

        /// <summary>
        /// Builds a transfer Bundle from a JSON array of resources (server ids, relative
        /// references): fresh <c>urn:uuid</c> fullUrls, internal references rewritten,
        /// external ones replaced per the options (<c>{"bundleType", "baseUrl",
        /// "external": [{"reference", "identifier", "display"}]}</c>) or refused.
        /// </summary>
        public static string BuildBundle(byte[] resources, string optionsJson = null)
        {
            if (resources == null)
            {
                throw new ArgumentNullException("resources");
            }
            Native api = Native.Api;
            SesgoBytes result;
            IntPtr err;
            uint st;
            using (var r = new Pinned(resources))
            using (var o = new Pinned(Utf8.Bytes(optionsJson)))
            {
                st = api.BuildBundle(r.Ptr, r.Len, o.Ptr, o.Len, out result, out err);
            }
            return Text(api, st, result, err, null);
        }

        internal static byte[] Bytes(Native api, uint status, SesgoBytes result, IntPtr err, Exception inner)
        {
            if (status != 0)
            {
                if (result.Data != IntPtr.Zero)
                {
                    api.BytesFree(result);
                }
                throw SesgoException.FromNative(api, status, err, inner);
            }
            if (err != IntPtr.Zero)
            {
                api.ErrorFree(err);
            }
            return Utf8.Take(api, result);
        }

        internal static string Text(Native api, uint status, SesgoBytes result, IntPtr err, Exception inner)
        {
            return Encoding.UTF8.GetString(Bytes(api, status, result, err, inner));
        }
    }
}
