using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// Who signs: a private key (PKCS#12 or PEM) held by libsesgo, or an external key (the
    /// Windows certificate store, a CNG/CSP smart card, an HSM) reached through a callback.
    /// Immutable and thread-safe; holds native memory: dispose it (<c>using</c>).
    /// </summary>
    public sealed class Signer : IDisposable
    {
        private static readonly Native.SignCallback Callback = OnSign;
        private static readonly IntPtr CallbackPointer = Marshal.GetFunctionPointerForDelegate(Callback);

        /// <summary>The exception the current thread's signing function threw during its last call, if any.</summary>
        [ThreadStatic]
        private static Exception callbackException;

        internal readonly SignerHandle Handle;

        private Signer(SignerHandle handle)
        {
            Handle = handle;
        }

        /// <summary>
        /// A signer from a PKCS#12 (<c>.p12</c>/<c>.pfx</c>: PBES2/AES, legacy 3DES or RC2).
        /// A wrong password is <c>CRYPTO.KEY-INACCESSIBLE</c>.
        /// </summary>
        /// <param name="pkcs12">the file's bytes</param>
        /// <param name="password">its password (<c>""</c> for none); sesgo wipes its own copies</param>
        /// <param name="alias">the key's friendlyName when the file holds several, or null</param>
        public static Signer FromPkcs12(byte[] pkcs12, string password, string alias = null)
        {
            if (pkcs12 == null)
            {
                throw new ArgumentNullException("pkcs12");
            }
            if (password == null)
            {
                throw new ArgumentNullException("password");
            }
            Native api = Native.Api;
            IntPtr raw, err;
            uint st;
            using (var p = new Pinned(pkcs12))
            using (var pw = new Pinned(Utf8.NulTerminated(password, "password"), true))
            using (var al = new Pinned(Utf8.NulTerminated(alias, "alias")))
            {
                st = api.SignerFromPkcs12(p.Ptr, p.Len, pw.Ptr, al.Ptr, out raw, out err);
            }
            return Wrap(api, st, raw, err, default(GCHandle), null);
        }

        /// <summary>
        /// A signer whose key stays on a PKCS#11 token or smart card (ICP-Brasil A3). The
        /// configuration is the library's JSON (<c>{"module": "/path/lib.so", "tokenLabel" |
        /// "slotId", "keyId" | "keyLabel", "settings": {…}}</c>, the same as the C
        /// <c>sesgo_signer_from_pkcs11</c>); a wrong PIN is <c>CRYPTO.PIN-INVALID</c>, a locked
        /// one <c>DEVICE.PIN-BLOCKED</c>, never retried.
        /// </summary>
        /// <param name="configJson">the token, key and middleware settings (JSON)</param>
        /// <param name="pin">the user PIN; sesgo wipes its own copies</param>
        public static Signer FromPkcs11(string configJson, string pin)
        {
            if (configJson == null)
            {
                throw new ArgumentNullException("configJson");
            }
            if (pin == null)
            {
                throw new ArgumentNullException("pin");
            }
            Native api = Native.Api;
            IntPtr raw, err;
            uint st;
            using (var c = new Pinned(Utf8.NulTerminated(configJson, "configJson")))
            using (var p = new Pinned(Utf8.NulTerminated(pin, "pin"), true))
            {
                st = api.SignerFromPkcs11(c.Ptr, p.Ptr, out raw, out err);
            }
            return Wrap(api, st, raw, err, default(GCHandle), null);
        }

        /// <summary>
        /// A signer from a PEM private key (PKCS#8, encrypted or not, or PKCS#1) and its PEM
        /// certificate chain (leaf first; intermediates may come from the trust store).
        /// </summary>
        /// <param name="keyPem">the private key (PEM)</param>
        /// <param name="chainPem">the certificate chain (PEM), leaf first</param>
        /// <param name="password">the PKCS#8 password, or null for an unencrypted key</param>
        public static Signer FromPem(byte[] keyPem, byte[] chainPem, string password = null)
        {
            if (keyPem == null)
            {
                throw new ArgumentNullException("keyPem");
            }
            if (chainPem == null)
            {
                throw new ArgumentNullException("chainPem");
            }
            Native api = Native.Api;
            IntPtr raw, err;
            uint st;
            using (var k = new Pinned(keyPem))
            using (var c = new Pinned(chainPem))
            using (var pw = new Pinned(Utf8.NulTerminated(password, "password"), true))
            {
                st = api.SignerFromPem(k.Ptr, k.Len, pw.Ptr, c.Ptr, c.Len, out raw, out err);
            }
            return Wrap(api, st, raw, err, default(GCHandle), null);
        }

        /// <summary>
        /// A signer whose key stays where it is — the Windows certificate store, a CNG or CSP
        /// smart card or token (ICP-Brasil A3), a PKCS#12 loaded by .NET: sesgo builds the
        /// JWS and calls <c>certificate.GetRSAPrivateKey().SignData(input, SHA256, Pkcs1)</c>
        /// for the RS256 signature, on the thread that called <see cref="Sesgo.Sign"/>.
        /// Concurrent signatures with one signer are serialized on the key.
        /// </summary>
        /// <param name="certificate">the signer's certificate, with its private key (<see cref="X509Certificate2.HasPrivateKey"/>)</param>
        /// <param name="intermediates">CA certificates completing the chain (optional when the trust store has them)</param>
        /// <exception cref="ArgumentException">the certificate has no RSA private key</exception>
        public static Signer External(X509Certificate2 certificate, IEnumerable<X509Certificate2> intermediates = null)
        {
            if (certificate == null)
            {
                throw new ArgumentNullException("certificate");
            }
            if (!certificate.HasPrivateKey)
            {
                throw new ArgumentException("o certificado não tem chave privada associada", "certificate");
            }
            RSA key = certificate.GetRSAPrivateKey();
            if (key == null)
            {
                throw new ArgumentException("a chave privada do certificado não é RSA", "certificate");
            }
            var chain = new List<X509Certificate2> { certificate };
            if (intermediates != null)
            {
                chain.AddRange(intermediates);
            }
            var gate = new object();
            Func<byte[], byte[]> sign = input =>
            {
                lock (gate)
                {
                    return key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                }
            };
            try
            {
                return Create(ToPem(chain), sign, key);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        /// <summary>
        /// A signer whose key is reached by <paramref name="sign"/>: it receives the JWS
        /// signing input and returns the raw RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256).
        /// sesgo checks the signature against the leaf certificate before using it.
        /// </summary>
        /// <remarks>
        /// The function runs on the thread that called <see cref="Sesgo.Sign"/>; with one
        /// signer used by several threads it runs concurrently. An exception it throws never
        /// crosses into native code: it becomes a <see cref="SesgoException"/> with code
        /// <c>CRYPTO.SIGNATURE-CREATION-FAILED</c> (the exception as its
        /// <see cref="Exception.InnerException"/>), or the code of a
        /// <see cref="SesgoException"/> it throws (e.g. <c>DEVICE.PIN-BLOCKED</c>).
        /// </remarks>
        /// <param name="chainPem">the certificate chain (PEM), leaf first</param>
        /// <param name="sign">the signing function</param>
        public static Signer External(byte[] chainPem, Func<byte[], byte[]> sign)
        {
            if (chainPem == null)
            {
                throw new ArgumentNullException("chainPem");
            }
            if (sign == null)
            {
                throw new ArgumentNullException("sign");
            }
            return Create(chainPem, sign, null);
        }

        private static Signer Create(byte[] chainPem, Func<byte[], byte[]> sign, IDisposable owned)
        {
            Native api = Native.Api;
            GCHandle state = GCHandle.Alloc(new CallbackState(api, sign));
            IntPtr raw = IntPtr.Zero, err = IntPtr.Zero;
            uint st;
            try
            {
                using (var c = new Pinned(chainPem))
                {
                    st = api.SignerExternal(c.Ptr, c.Len, CallbackPointer, GCHandle.ToIntPtr(state), out raw, out err);
                }
            }
            catch
            {
                state.Free();
                throw;
            }
            if (st != 0 || raw == IntPtr.Zero)
            {
                state.Free();
            }
            return Wrap(api, st, raw, err, state, owned);
        }

        private static Signer Wrap(Native api, uint status, IntPtr raw, IntPtr err, GCHandle state, IDisposable owned)
        {
            if (status != 0 || raw == IntPtr.Zero)
            {
                if (raw != IntPtr.Zero)
                {
                    api.SignerFree(raw);
                }
                throw SesgoException.FromNative(api, status == 0 ? (uint)SesgoStatus.Panic : status, err, null);
            }
            return new Signer(new SignerHandle(api, raw, state, owned));
        }

        /// <summary>PEM text (CERTIFICATE blocks) of the certificates, in order.</summary>
        internal static byte[] ToPem(IEnumerable<X509Certificate2> certificates)
        {
            var sb = new StringBuilder();
            foreach (var cert in certificates)
            {
                if (cert == null)
                {
                    throw new ArgumentException("certificado null na cadeia", "intermediates");
                }
                sb.Append("-----BEGIN CERTIFICATE-----\n");
                // RFC 7468: 64 characters per line.
                string b64 = Convert.ToBase64String(cert.RawData);
                for (int i = 0; i < b64.Length; i += 64)
                {
                    sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
                }
                sb.Append("-----END CERTIFICATE-----\n");
            }
            return Encoding.ASCII.GetBytes(sb.ToString());
        }

        /// <summary>True once <see cref="Dispose"/> ran.</summary>
        public bool IsDisposed
        {
            get { return Handle.IsClosed; }
        }

        /// <summary>
        /// Releases the native signer (and wipes a PKCS#12/PEM key). Idempotent; a call in
        /// progress on another thread completes first. Using a disposed signer throws
        /// <see cref="ObjectDisposedException"/>.
        /// </summary>
        public void Dispose()
        {
            Handle.Dispose();
        }

        /// <summary>Clears the current thread's record of a signing-function exception.</summary>
        internal static void ClearCallbackException()
        {
            callbackException = null;
        }

        /// <summary>Takes the current thread's record of a signing-function exception (or null).</summary>
        internal static Exception TakeCallbackException()
        {
            Exception e = callbackException;
            callbackException = null;
            return e;
        }

        private sealed class CallbackState
        {
            internal readonly Native Api;
            internal readonly Func<byte[], byte[]> Sign;

            internal CallbackState(Native api, Func<byte[], byte[]> sign)
            {
                Api = api;
                Sign = sign;
            }
        }

        /// <summary>
        /// <c>sesgo_sign_callback</c>: one static delegate for every external signer (kept
        /// alive by a static field), the signer's state in <c>userdata</c>. Never lets an
        /// exception reach native code.
        /// </summary>
        private static int OnSign(IntPtr userdata, IntPtr input, UIntPtr inputLen, IntPtr outSignature)
        {
            try
            {
                var state = (CallbackState)GCHandle.FromIntPtr(userdata).Target;
                ulong len = inputLen.ToUInt64();
                if (len > int.MaxValue)
                {
                    throw new ArgumentOutOfRangeException("inputLen");
                }
                var data = new byte[(int)len];
                if (len > 0)
                {
                    Marshal.Copy(input, data, 0, data.Length);
                }
                byte[] signature = state.Sign(data);
                if (signature == null)
                {
                    throw new InvalidOperationException("a função de assinatura devolveu null");
                }
                uint st;
                using (var s = new Pinned(signature))
                {
                    st = state.Api.BytesSet(outSignature, s.Ptr, s.Len);
                }
                return (int)st;
            }
            catch (Exception e)
            {
                try
                {
                    callbackException = e;
                    var se = e as SesgoException;
                    if (se != null && (uint)se.Status >= 100)
                    {
                        return (int)se.Status;
                    }
                }
                catch (Exception)
                {
                    // Nothing may escape into native code.
                }
                return (int)SesgoStatus.CryptoSignatureCreationFailed;
            }
        }
    }
}
