using System;
using System.Runtime.InteropServices;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// Base of every native handle: NULL is invalid, and <see cref="SafeHandle"/> guarantees
    /// the release runs exactly once — on <c>Dispose</c>, or by the finalizer — and never
    /// while a call holds the handle (<see cref="HandleUse"/>).
    /// </summary>
    internal abstract class SesgoHandle : SafeHandle
    {
        protected SesgoHandle(IntPtr raw)
            : base(IntPtr.Zero, true)
        {
            SetHandle(raw);
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }
    }

    /// <summary><c>sesgo_signer *</c>; for an external signer, also the callback state it keeps alive.</summary>
    internal sealed class SignerHandle : SesgoHandle
    {
        private readonly Native api;
        private GCHandle callbackState;
        private readonly IDisposable owned;

        internal SignerHandle(Native api, IntPtr raw, GCHandle callbackState, IDisposable owned)
            : base(raw)
        {
            this.api = api;
            this.callbackState = callbackState;
            this.owned = owned;
        }

        protected override bool ReleaseHandle()
        {
            // The native signer first: it may call the callback until it is freed.
            api.SignerFree(handle);
            if (callbackState.IsAllocated)
            {
                callbackState.Free();
            }
            if (owned != null)
            {
                try
                {
                    owned.Dispose();
                }
                catch (Exception)
                {
                    // A key that fails to close must not fail the release (finalizer thread).
                }
            }
            return true;
        }
    }

    /// <summary><c>sesgo_trust_store *</c>.</summary>
    internal sealed class TrustStoreHandle : SesgoHandle
    {
        private readonly Native api;

        internal TrustStoreHandle(Native api, IntPtr raw)
            : base(raw)
        {
            this.api = api;
        }

        protected override bool ReleaseHandle()
        {
            api.TrustStoreFree(handle);
            return true;
        }
    }

    /// <summary><c>sesgo_error *</c>: read into a <see cref="SesgoException"/>, then released.</summary>
    internal sealed class ErrorHandle : SesgoHandle
    {
        private readonly Native api;

        internal ErrorHandle(Native api, IntPtr raw)
            : base(raw)
        {
            this.api = api;
        }

        protected override bool ReleaseHandle()
        {
            api.ErrorFree(handle);
            return true;
        }
    }
}
