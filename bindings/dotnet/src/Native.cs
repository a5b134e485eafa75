using System;
using System.Runtime.InteropServices;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary><c>sesgo_bytes</c>: a buffer owned by libsesgo.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SesgoBytes
    {
        public IntPtr Data;
        public UIntPtr Len;
    }

    /// <summary><c>sesgo_verify_input</c>: borrowed (pointer, length) pairs; NULL = absent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VerifyInputNative
    {
        public IntPtr SignatureData;
        public UIntPtr SignatureDataLen;
        public IntPtr Signature;
        public UIntPtr SignatureLen;
        public IntPtr Provenance;
        public UIntPtr ProvenanceLen;
        public IntPtr Bundle;
        public UIntPtr BundleLen;
    }

    /// <summary><c>sesgo_signed</c>: the four exact outputs of <c>sesgo_sign_parts</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SignedNative
    {
        public SesgoBytes Signature;
        public SesgoBytes Provenance;
        public SesgoBytes Bundle;
        public SesgoBytes Warnings;
    }

    /// <summary><c>sesgo_fetch_request</c>: borrowed for the duration of one callback.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FetchRequestNative
    {
        public IntPtr Method;
        public IntPtr Url;
        public IntPtr Purpose;
        public IntPtr ContentType;
        public IntPtr Accept;
        public IntPtr Headers;
        public IntPtr Body;
        public UIntPtr BodyLen;
        public ulong MaxBytes;
        public ulong TimeoutMs;
    }

    /// <summary><c>sesgo_fetch_response</c>: zeroed by sesgo; filled by the callback.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FetchResponseNative
    {
        public ushort Status;
        public SesgoBytes ContentType;
        public SesgoBytes Body;
    }

    /// <summary>
    /// The functions of <c>include/sesgo.h</c>, bound by name from the loaded library
    /// (see <see cref="SesgoLibrary"/>). One instance per process; every delegate is kept
    /// alive by it. Only translation: every function is called exactly as the header says.
    /// </summary>
    internal sealed class Native
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr VersionFn();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint AbiVersionFn();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void BytesFreeFn(SesgoBytes bytes);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint ErrorStatusFn(IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr ErrorStringFn(IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void FreeFn(IntPtr p);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate IntPtr StatusNameFn(uint status);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint BytesSetFn(IntPtr target, IntPtr data, UIntPtr len);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint SignerFromPkcs12Fn(
            IntPtr p12, UIntPtr p12Len, IntPtr password, IntPtr alias, out IntPtr signer, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint SignerFromPemFn(
            IntPtr keyPem, UIntPtr keyLen, IntPtr password, IntPtr chainPem, UIntPtr chainLen,
            out IntPtr signer, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint SignerFromPkcs11Fn(IntPtr configJson, IntPtr pin, out IntPtr signer, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint SignerExternalFn(
            IntPtr chainPem, UIntPtr chainLen, IntPtr callback, IntPtr userdata, out IntPtr signer, out IntPtr err);

        /// <summary><c>sesgo_sign_callback</c>.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int SignCallback(IntPtr userdata, IntPtr input, UIntPtr inputLen, IntPtr outSignature);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint TrustStoreNewFn(IntPtr options, UIntPtr optionsLen, out IntPtr store, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint SignFn(
            IntPtr signer, IntPtr trust, IntPtr bundle, UIntPtr bundleLen, IntPtr provenance, UIntPtr provenanceLen,
            IntPtr options, UIntPtr optionsLen, out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint VerifyFn(
            IntPtr trust, ref VerifyInputNative input, IntPtr options, UIntPtr optionsLen,
            out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint VerifyManyFn(
            IntPtr trust, [In] VerifyInputNative[] inputs, UIntPtr count, IntPtr options, UIntPtr optionsLen,
            UIntPtr threads, [In, Out] SesgoBytes[] outs, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint InspectFn(
            IntPtr input, UIntPtr inputLen, IntPtr password, IntPtr trust, IntPtr options, UIntPtr optionsLen,
            out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint SignPartsFn(
            IntPtr signer, IntPtr trust, IntPtr bundle, UIntPtr bundleLen, IntPtr provenance, UIntPtr provenanceLen,
            IntPtr options, UIntPtr optionsLen, out SignedNative result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void SignedFreeFn(ref SignedNative signed);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint NetworkNewFn(
            IntPtr settings, UIntPtr settingsLen, IntPtr options, UIntPtr optionsLen, out IntPtr network, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint NetworkWithFetcherFn(
            IntPtr settings, UIntPtr settingsLen, IntPtr options, UIntPtr optionsLen, IntPtr callback, IntPtr userdata,
            out IntPtr network, out IntPtr err);

        /// <summary><c>sesgo_fetch_callback</c>.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int FetchCallback(IntPtr userdata, IntPtr request, IntPtr response);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint TrustStoreWithNetworkFn(IntPtr store, IntPtr network, out IntPtr result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint BuildX5cFn(
            IntPtr cert, UIntPtr certLen, IntPtr store, IntPtr settings, UIntPtr settingsLen,
            out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint TrustRefreshFn(IntPtr network, out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint TrustShowFn(IntPtr network, IntPtr store, out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint TokenFn(
            IntPtr signer, IntPtr network, IntPtr options, UIntPtr optionsLen, out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint ExportCertificateFn(
            IntPtr input, UIntPtr inputLen, IntPtr password, IntPtr format, out SesgoBytes result, out IntPtr err);

        /// <summary><c>sesgo_fill_attachment</c> and <c>sesgo_check_attachment</c>.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint AttachmentFn(
            IntPtr attachment, UIntPtr attachmentLen, IntPtr content, UIntPtr contentLen, IntPtr options,
            UIntPtr optionsLen, out SesgoBytes result, out IntPtr err);

        /// <summary><c>sesgo_canonicalize</c> and <c>sesgo_build_bundle</c>.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint InputOptionsFn(
            IntPtr input, UIntPtr inputLen, IntPtr options, UIntPtr optionsLen, out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint CheckReferencesFn(
            IntPtr bundle, UIntPtr bundleLen, IntPtr provenance, UIntPtr provenanceLen, IntPtr options,
            UIntPtr optionsLen, out SesgoBytes result, out IntPtr err);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate uint TestingFn(out IntPtr err);

        internal readonly VersionFn Version;
        internal readonly VersionFn Policies;
        internal readonly VersionFn DefaultSettings;
        internal readonly AbiVersionFn AbiVersion;
        internal readonly BytesFreeFn BytesFree;
        internal readonly ErrorStatusFn ErrorStatus;
        internal readonly ErrorStringFn ErrorCode;
        internal readonly ErrorStringFn ErrorLocation;
        internal readonly ErrorStringFn ErrorDiagnostics;
        internal readonly ErrorStringFn ErrorOperationOutcome;
        internal readonly FreeFn ErrorFree;
        internal readonly StatusNameFn StatusName;
        internal readonly BytesSetFn BytesSet;
        internal readonly SignerFromPkcs12Fn SignerFromPkcs12;
        internal readonly SignerFromPemFn SignerFromPem;
        internal readonly SignerFromPkcs11Fn SignerFromPkcs11;
        internal readonly SignerExternalFn SignerExternal;
        internal readonly FreeFn SignerFree;
        internal readonly TrustStoreNewFn TrustStoreNew;
        internal readonly FreeFn TrustStoreFree;
        internal readonly SignFn Sign;
        internal readonly VerifyFn Verify;
        internal readonly VerifyManyFn VerifyMany;
        internal readonly InspectFn InspectCertificate;
        internal readonly SignPartsFn SignParts;
        internal readonly SignedFreeFn SignedFree;
        internal readonly NetworkNewFn NetworkNew;
        internal readonly NetworkWithFetcherFn NetworkWithFetcher;
        internal readonly FreeFn NetworkFree;
        internal readonly TrustStoreWithNetworkFn TrustStoreWithNetwork;
        internal readonly BuildX5cFn BuildX5c;
        internal readonly TrustRefreshFn TrustRefresh;
        internal readonly TrustShowFn TrustShow;
        internal readonly TokenFn Token;
        internal readonly ExportCertificateFn ExportCertificate;
        internal readonly AttachmentFn FillAttachment;
        internal readonly AttachmentFn CheckAttachment;
        internal readonly InputOptionsFn Canonicalize;
        internal readonly CheckReferencesFn CheckReferences;
        internal readonly InputOptionsFn BuildBundle;

        /// <summary><c>sesgo_testing_panic</c>: only in a library built with the <c>testing</c> feature, else null.</summary>
        internal readonly TestingFn TestingPanic;

        /// <summary><c>sesgo_testing_error</c>: only in a library built with the <c>testing</c> feature, else null.</summary>
        internal readonly TestingFn TestingError;

        internal Native(Func<string, IntPtr> symbol)
        {
            Version = Bind<VersionFn>(symbol, "sesgo_version");
            Policies = Bind<VersionFn>(symbol, "sesgo_policies");
            DefaultSettings = Bind<VersionFn>(symbol, "sesgo_default_settings");
            AbiVersion = Bind<AbiVersionFn>(symbol, "sesgo_abi_version");
            BytesFree = Bind<BytesFreeFn>(symbol, "sesgo_bytes_free");
            ErrorStatus = Bind<ErrorStatusFn>(symbol, "sesgo_error_status");
            ErrorCode = Bind<ErrorStringFn>(symbol, "sesgo_error_code");
            ErrorLocation = Bind<ErrorStringFn>(symbol, "sesgo_error_location");
            ErrorDiagnostics = Bind<ErrorStringFn>(symbol, "sesgo_error_diagnostics");
            ErrorOperationOutcome = Bind<ErrorStringFn>(symbol, "sesgo_error_operation_outcome");
            ErrorFree = Bind<FreeFn>(symbol, "sesgo_error_free");
            StatusName = Bind<StatusNameFn>(symbol, "sesgo_status_name");
            BytesSet = Bind<BytesSetFn>(symbol, "sesgo_bytes_set");
            SignerFromPkcs12 = Bind<SignerFromPkcs12Fn>(symbol, "sesgo_signer_from_pkcs12");
            SignerFromPem = Bind<SignerFromPemFn>(symbol, "sesgo_signer_from_pem");
            SignerFromPkcs11 = Bind<SignerFromPkcs11Fn>(symbol, "sesgo_signer_from_pkcs11");
            SignerExternal = Bind<SignerExternalFn>(symbol, "sesgo_signer_external");
            SignerFree = Bind<FreeFn>(symbol, "sesgo_signer_free");
            TrustStoreNew = Bind<TrustStoreNewFn>(symbol, "sesgo_trust_store_new");
            TrustStoreFree = Bind<FreeFn>(symbol, "sesgo_trust_store_free");
            Sign = Bind<SignFn>(symbol, "sesgo_sign");
            Verify = Bind<VerifyFn>(symbol, "sesgo_verify");
            VerifyMany = Bind<VerifyManyFn>(symbol, "sesgo_verify_many");
            InspectCertificate = Bind<InspectFn>(symbol, "sesgo_inspect_certificate");
            SignParts = Bind<SignPartsFn>(symbol, "sesgo_sign_parts");
            SignedFree = Bind<SignedFreeFn>(symbol, "sesgo_signed_free");
            NetworkNew = Bind<NetworkNewFn>(symbol, "sesgo_network_new");
            NetworkWithFetcher = Bind<NetworkWithFetcherFn>(symbol, "sesgo_network_with_fetcher");
            NetworkFree = Bind<FreeFn>(symbol, "sesgo_network_free");
            TrustStoreWithNetwork = Bind<TrustStoreWithNetworkFn>(symbol, "sesgo_trust_store_with_network");
            BuildX5c = Bind<BuildX5cFn>(symbol, "sesgo_build_x5c");
            TrustRefresh = Bind<TrustRefreshFn>(symbol, "sesgo_trust_refresh");
            TrustShow = Bind<TrustShowFn>(symbol, "sesgo_trust_show");
            Token = Bind<TokenFn>(symbol, "sesgo_token");
            ExportCertificate = Bind<ExportCertificateFn>(symbol, "sesgo_export_certificate");
            FillAttachment = Bind<AttachmentFn>(symbol, "sesgo_fill_attachment");
            CheckAttachment = Bind<AttachmentFn>(symbol, "sesgo_check_attachment");
            Canonicalize = Bind<InputOptionsFn>(symbol, "sesgo_canonicalize");
            CheckReferences = Bind<CheckReferencesFn>(symbol, "sesgo_check_references");
            BuildBundle = Bind<InputOptionsFn>(symbol, "sesgo_build_bundle");
            TestingPanic = BindOptional<TestingFn>(symbol, "sesgo_testing_panic");
            TestingError = BindOptional<TestingFn>(symbol, "sesgo_testing_error");
        }

        private static T Bind<T>(Func<string, IntPtr> symbol, string name) where T : class
        {
            IntPtr p = symbol(name);
            if (p == IntPtr.Zero)
            {
                throw new EntryPointNotFoundException(name);
            }
            return Marshal.GetDelegateForFunctionPointer<T>(p);
        }

        private static T BindOptional<T>(Func<string, IntPtr> symbol, string name) where T : class
        {
            IntPtr p = symbol(name);
            return p == IntPtr.Zero ? null : Marshal.GetDelegateForFunctionPointer<T>(p);
        }

        /// <summary>The loaded library's functions (loads it on first use).</summary>
        internal static Native Api
        {
            get { return SesgoLibrary.Functions(); }
        }
    }
}
