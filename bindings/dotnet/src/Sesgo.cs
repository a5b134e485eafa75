using System;
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
        /// <summary>Signature policy 0.1.2 (RFC 8785 JCS canonicalization); the default.</summary>
        public const string Policy012 =
            "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";

        /// <summary>Signature policy 0.2.0 (<c>fhir-json-lossless</c>: number tokens kept as written).</summary>
        public const string Policy020 = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

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
        /// A credentialing report on a certificate (JSON: subject, identity, type A1/A3,
        /// validity, fingerprints, eligibility per policy, PEM, …).
        /// </summary>
        /// <param name="certificate">DER or PEM; or a PKCS#12 when <paramref name="password"/> is given</param>
        /// <param name="password">the PKCS#12 password, or null for a certificate</param>
        /// <param name="optionsJson"><c>{"referenceTime": unix, "alias": "…"}</c> or null</param>
        public static string InspectCertificate(byte[] certificate, string password = null, string optionsJson = null)
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
                st = api.InspectCertificate(c.Ptr, c.Len, pw.Ptr, o.Ptr, o.Len, out result, out err);
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

        private static byte[] Bytes(Native api, uint status, SesgoBytes result, IntPtr err, Exception inner)
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

        private static string Text(Native api, uint status, SesgoBytes result, IntPtr err, Exception inner)
        {
            return Encoding.UTF8.GetString(Bytes(api, status, result, err, inner));
        }
    }
}
