using System;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// A failure reported by sesgo: the guide's exception code (CodeSystem
    /// <c>situacao-excepcional-assinatura</c>, e.g. <c>CRYPTO.KEY-INACCESSIBLE</c>), the C
    /// ABI status, the location of the offending element, the diagnostics and the full
    /// OperationOutcome (JSON) with every finding.
    /// </summary>
    /// <remarks>
    /// Thrown for every error of the native library (a Rust panic is code <c>SYSTEM</c>,
    /// never a crash) and when the native library cannot be loaded. An invalid signature is
    /// not an exception: <see cref="Sesgo.Verify"/> returns it as a result. When an external
    /// signing function threw, that exception is the <see cref="Exception.InnerException"/>.
    /// An external signing function may throw a <c>SesgoException</c> itself (see
    /// <see cref="SesgoException(SesgoStatus, string)"/>) to report a guide code such as
    /// <c>DEVICE.PIN-BLOCKED</c>.
    /// </remarks>
    public class SesgoException : Exception
    {
        private const string OutcomeProfile =
            "https://fhir.saude.go.gov.br/r4/seguranca/StructureDefinition/operation-outcome-assinatura";

        private const string CodeSystem =
            "https://fhir.saude.go.gov.br/r4/seguranca/CodeSystem/situacao-excepcional-assinatura";

        private readonly string code;
        private readonly SesgoStatus status;
        private readonly string location;
        private readonly string diagnostics;
        private readonly string operationOutcomeJson;

        /// <summary>
        /// An error for an external signing function to throw: sesgo reports
        /// <paramref name="status"/>'s guide code (a status of 100 or more, e.g.
        /// <see cref="SesgoStatus.DevicePinBlocked"/>); any other status is reported as
        /// <c>CRYPTO.SIGNATURE-CREATION-FAILED</c>.
        /// </summary>
        public SesgoException(SesgoStatus status, string diagnostics)
            : this(status, status.GuideCode() ?? "SYSTEM", null, diagnostics ?? "",
                   MinimalOutcome(status.GuideCode() ?? "SYSTEM", null, diagnostics ?? ""), null)
        {
        }

        internal SesgoException(
            SesgoStatus status, string code, string location, string diagnostics, string operationOutcomeJson,
            Exception inner)
            : base(Describe(code, location, diagnostics, inner), inner)
        {
            this.status = status;
            this.code = code;
            this.location = location;
            this.diagnostics = diagnostics;
            this.operationOutcomeJson = operationOutcomeJson;
        }

        /// <summary>The guide's code, e.g. <c>FORMAT.JSON-MALFORMED</c> or <c>SYSTEM</c>.</summary>
        public string Code
        {
            get { return code; }
        }

        /// <summary>The C ABI status (<c>sesgo_status</c>); numbers below 100 are boundary failures.</summary>
        public SesgoStatus Status
        {
            get { return status; }
        }

        /// <summary>FHIRPath-like location of the offending element (e.g. <c>x5c[0]</c>), or null.</summary>
        public string Location
        {
            get { return location; }
        }

        /// <summary>Plain-language detail of the primary finding (Portuguese, as the guide).</summary>
        public string Diagnostics
        {
            get { return diagnostics; }
        }

        /// <summary>The OperationOutcome (profile <c>operation-outcome-assinatura</c>) as JSON text.</summary>
        public string OperationOutcomeJson
        {
            get { return operationOutcomeJson; }
        }

        private static string Describe(string code, string location, string diagnostics, Exception inner)
        {
            var sb = new StringBuilder(code ?? "");
            if (!string.IsNullOrEmpty(location))
            {
                sb.Append(" at ").Append(location);
            }
            if (!string.IsNullOrEmpty(diagnostics))
            {
                sb.Append(": ").Append(diagnostics);
            }
            if (inner != null)
            {
                sb.Append(" (").Append(inner.GetType().FullName).Append(": ").Append(inner.Message).Append(')');
            }
            return sb.ToString();
        }

        /// <summary>The same error again (a remembered failure is rethrown as a new object).</summary>
        internal SesgoException Copy()
        {
            return new SesgoException(status, code, location, diagnostics, operationOutcomeJson, InnerException);
        }

        /// <summary>
        /// A failure detected on the .NET side, where the native library cannot render the
        /// OperationOutcome (it is missing, has another ABI, or never ran): a minimal
        /// OperationOutcome of the guide's profile with one fatal issue.
        /// </summary>
        internal static SesgoException Managed(SesgoStatus status, string location, string diagnostics, Exception inner)
        {
            string code = status.GuideCode() ?? "SYSTEM";
            return new SesgoException(status, code, location, diagnostics, MinimalOutcome(code, location, diagnostics), inner);
        }

        private static string MinimalOutcome(string code, string location, string diagnostics)
        {
            var sb = new StringBuilder();
            sb.Append("{\"resourceType\":\"OperationOutcome\",\"meta\":{\"profile\":[");
            Json.AppendString(sb, OutcomeProfile);
            sb.Append("]},\"issue\":[{\"severity\":\"fatal\",\"code\":\"exception\",\"details\":{\"coding\":[{\"system\":");
            Json.AppendString(sb, CodeSystem);
            sb.Append(",\"code\":");
            Json.AppendString(sb, code);
            sb.Append("}]},\"diagnostics\":");
            Json.AppendString(sb, diagnostics);
            if (location != null)
            {
                sb.Append(",\"location\":[");
                Json.AppendString(sb, location);
                sb.Append(']');
            }
            sb.Append("}]}");
            return sb.ToString();
        }

        /// <summary>Reads a native error (then releases it). <paramref name="err"/> may be NULL.</summary>
        internal static SesgoException FromNative(Native api, uint status, IntPtr err, Exception inner)
        {
            var st = (SesgoStatus)status;
            if (err == IntPtr.Zero)
            {
                return Managed(st, null, "a biblioteca nativa não devolveu detalhes do erro (" + Utf8.FromNative(api.StatusName(status)) + ")", inner);
            }
            using (var h = new ErrorHandle(api, err))
            {
                string code = Utf8.FromNative(api.ErrorCode(err));
                string location = Utf8.FromNative(api.ErrorLocation(err));
                string diagnostics = Utf8.FromNative(api.ErrorDiagnostics(err));
                string outcome = Utf8.FromNative(api.ErrorOperationOutcome(err));
                var errStatus = (SesgoStatus)api.ErrorStatus(err);
                return new SesgoException(
                    errStatus, code, location.Length == 0 ? null : location, diagnostics, outcome, inner);
            }
        }
    }
}
