using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>One issue of an OperationOutcome (a finding of the guide's CodeSystem).</summary>
    public sealed class Issue
    {
        internal Issue(JsonValue issue)
        {
            Json = issue.Raw;
            Severity = issue.GetString("severity");
            Diagnostics = issue.GetString("diagnostics");
            var details = issue.Get("details");
            var coding = details == null ? null : details.Get("coding");
            if (coding != null && coding.Items != null && coding.Items.Count > 0)
            {
                Code = coding.Items[0].GetString("code");
            }
            var locations = new List<string>();
            var loc = issue.Get("location");
            if (loc != null && loc.Items != null)
            {
                foreach (var l in loc.Items)
                {
                    if (l.Type == JsonValue.Kind.String)
                    {
                        locations.Add(l.Text);
                    }
                }
            }
            Locations = new ReadOnlyCollection<string>(locations);
        }

        /// <summary>FHIR severity: <c>fatal</c>, <c>error</c>, <c>warning</c> or <c>information</c>.</summary>
        public string Severity { get; private set; }

        /// <summary>The guide's code (e.g. <c>CRYPTO.HASH-VERIFICATION-FAILED</c>, <c>VALIDATION.SUCCESS</c>).</summary>
        public string Code { get; private set; }

        /// <summary>Plain-language detail.</summary>
        public string Diagnostics { get; private set; }

        /// <summary>FHIRPath-like locations (may be empty).</summary>
        public IReadOnlyList<string> Locations { get; private set; }

        /// <summary>The first location, or null.</summary>
        public string Location
        {
            get { return Locations.Count > 0 ? Locations[0] : null; }
        }

        /// <summary>The issue exactly as the library wrote it (JSON).</summary>
        public string Json { get; private set; }

        /// <inheritdoc/>
        public override string ToString()
        {
            return Severity + " " + Code + (Location != null ? " at " + Location : "") + ": " + Diagnostics;
        }

        internal static IReadOnlyList<Issue> Of(JsonValue outcome)
        {
            var list = new List<Issue>();
            var issues = outcome == null ? null : outcome.Get("issue");
            if (issues != null && issues.Items != null)
            {
                foreach (var i in issues.Items)
                {
                    if (i.Type == JsonValue.Kind.Object)
                    {
                        list.Add(new Issue(i));
                    }
                }
            }
            return new ReadOnlyCollection<Issue>(list);
        }
    }

    /// <summary>
    /// A result envelope of libsesgo: the exact JSON text, and each top-level member's exact
    /// text — including members this version of the binding does not name, so fields added
    /// by a newer library reach the caller unchanged.
    /// </summary>
    public abstract class JsonResult
    {
        private readonly Dictionary<string, string> members = new Dictionary<string, string>(StringComparer.Ordinal);

        internal JsonResult(string json, JsonValue root)
        {
            Json = json;
            if (root.Type != JsonValue.Kind.Object)
            {
                throw new FormatException("resultado da biblioteca nativa não é um objeto JSON");
            }
            foreach (var m in root.Members)
            {
                if (!members.ContainsKey(m.Key))
                {
                    members.Add(m.Key, m.Value.Raw);
                }
            }
            Members = new ReadOnlyDictionary<string, string>(members);
        }

        /// <summary>The whole result, exactly as the library returned it (UTF-8 decoded).</summary>
        public string Json { get; private set; }

        /// <summary>Every top-level member as its exact JSON text (<c>null</c> appears as the text <c>null</c>).</summary>
        public IReadOnlyDictionary<string, string> Members { get; private set; }

        /// <summary>The exact JSON text of member <paramref name="name"/>, or null when absent or JSON <c>null</c>.</summary>
        public string Member(string name)
        {
            string v;
            return members.TryGetValue(name, out v) && v != "null" ? v : null;
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            return Json;
        }
    }

    /// <summary>The result of <see cref="Sesgo.Sign"/>.</summary>
    public sealed class SignResult : JsonResult
    {
        internal SignResult(string json, JsonValue root)
            : base(json, root)
        {
            Warnings = Issue.Of(root.Get("warnings"));
        }

        /// <summary>The FHIR <c>Signature</c> (JSON).</summary>
        public string SignatureJson
        {
            get { return Member("signature"); }
        }

        /// <summary>The signed <c>Provenance</c> (JSON).</summary>
        public string ProvenanceJson
        {
            get { return Member("provenance"); }
        }

        /// <summary>The transfer <c>Bundle</c> to send (JSON, exact decimals).</summary>
        public string BundleJson
        {
            get { return Member("bundle"); }
        }

        /// <summary>The transfer Bundle as UTF-8 bytes, ready to send or to verify.</summary>
        public byte[] BundleUtf8()
        {
            string b = BundleJson;
            return b == null ? null : Encoding.UTF8.GetBytes(b);
        }

        /// <summary>The warnings OperationOutcome (JSON), or null when there are none.</summary>
        public string WarningsJson
        {
            get { return Member("warnings"); }
        }

        /// <summary>The warnings' issues (empty when there are none).</summary>
        public IReadOnlyList<Issue> Warnings { get; private set; }
    }

    /// <summary>
    /// One item of <see cref="Sesgo.VerifyMany"/>: what <see cref="Sesgo.Verify"/> takes for
    /// one signature — the transfer Bundle alone; a signed Provenance or a FHIR Signature with
    /// the Bundle it covers; or <c>Signature.data</c>. The bytes are used as given.
    /// </summary>
    public sealed class VerifyItem
    {
        /// <summary>An item; give at least one input (null = absent).</summary>
        public VerifyItem(byte[] bundle = null, byte[] provenance = null, byte[] signature = null, string signatureData = null)
        {
            Bundle = bundle;
            Provenance = provenance;
            Signature = signature;
            SignatureData = signatureData;
        }

        /// <summary>The Bundle (UTF-8 JSON), or null.</summary>
        public byte[] Bundle { get; private set; }

        /// <summary>The signed Provenance (UTF-8 JSON), or null.</summary>
        public byte[] Provenance { get; private set; }

        /// <summary>A FHIR Signature (UTF-8 JSON), or null.</summary>
        public byte[] Signature { get; private set; }

        /// <summary><c>Signature.data</c> (Base64 of the JWS), or null.</summary>
        public string SignatureData { get; private set; }
    }

    /// <summary>
    /// The result of <see cref="Sesgo.Verify"/>: an invalid signature is a result
    /// (<see cref="Valid"/> false with every finding), not an exception.
    /// </summary>
    public sealed class VerificationResult : JsonResult
    {
        internal VerificationResult(string json, JsonValue root)
            : base(json, root)
        {
            var valid = root.Get("valid");
            if (valid == null || (valid.Type != JsonValue.Kind.True && valid.Type != JsonValue.Kind.False))
            {
                throw new FormatException("resultado da verificação sem \"valid\"");
            }
            Valid = valid.Type == JsonValue.Kind.True;
            Issues = Issue.Of(root.Get("outcome"));
            Indication = root.GetString("indication");
            SubIndication = root.GetString("subIndication");
            var checkedContent = root.Get("contentChecked");
            ContentChecked = checkedContent != null && checkedContent.Type == JsonValue.Kind.True;
        }

        /// <summary>True when no finding is an error. Read it with <see cref="ContentChecked"/>:
        /// a signature verified without its content proves the signature, not the content.</summary>
        public bool Valid { get; private set; }

        /// <summary><c>TOTAL-PASSED</c>, <c>TOTAL-FAILED</c> or <c>INDETERMINATE</c> (ETSI EN 319 102-1).</summary>
        public string Indication { get; private set; }

        /// <summary>Why not <c>TOTAL-PASSED</c> (e.g. <c>HASH_FAILURE</c>, <c>SIGNED_DATA_NOT_FOUND</c>, <c>TRY_LATER</c>), or null.</summary>
        public string SubIndication { get; private set; }

        /// <summary>True when every signature's content digest was recomputed from supplied
        /// content. The per-signature report (stages, signer, signed fullUrls) and the unsigned
        /// content are in <see cref="JsonResult.Members"/> (<c>signatures</c>, <c>unsignedContent</c>).</summary>
        public bool ContentChecked { get; private set; }

        /// <summary>The OperationOutcome (JSON): <c>VALIDATION.SUCCESS</c>, or every finding with its location.</summary>
        public string OutcomeJson
        {
            get { return Member("outcome"); }
        }

        /// <summary>The outcome's issues.</summary>
        public IReadOnlyList<Issue> Issues { get; private set; }
    }

    /// <summary>
    /// The result of <see cref="Sesgo.SignParts"/>: each output as its own exact UTF-8
    /// bytes. Send <see cref="Bundle"/> as it is.
    /// </summary>
    public sealed class SignedParts
    {
        internal SignedParts(byte[] signature, byte[] provenance, byte[] bundle, byte[] warnings)
        {
            Signature = signature;
            Provenance = provenance;
            Bundle = bundle;
            Warnings = warnings;
        }

        /// <summary>The FHIR <c>Signature</c> (profile <c>assinatura-avancada</c>).</summary>
        public byte[] Signature { get; private set; }

        /// <summary>The signed <c>Provenance</c> (profile <c>conteudo-assinado</c>).</summary>
        public byte[] Provenance { get; private set; }

        /// <summary>The transfer Bundle: the signed instances and the signed Provenance.</summary>
        public byte[] Bundle { get; private set; }

        /// <summary>An OperationOutcome of what did not prevent signing, or null when nothing.</summary>
        public byte[] Warnings { get; private set; }
    }
}
