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

    /// <summary>
    /// <c>sesgo_trust_store *</c>; for a store with a network attached, also a reference on
    /// the host transport's state, which native code may call until the store is freed.
    /// </summary>
    internal sealed class TrustStoreHandle : SesgoHandle
    {
        private readonly Native api;
        private readonly FetcherState transport;

        internal TrustStoreHandle(Native api, IntPtr raw, FetcherState transport = null)
            : base(raw)
        {
            this.api = api;
            this.transport = transport;
        }

        protected override bool ReleaseHandle()
        {
            api.TrustStoreFree(handle);
            if (transport != null)
            {
                transport.Release();
            }
            return true;
        }
    }

    /// <summary><c>sesgo_network *</c>, and a reference on its host transport's state, if any.</summary>
    internal sealed class NetworkHandle : SesgoHandle
    {
        private readonly Native api;
        internal readonly FetcherState Transport;

        internal NetworkHandle(Native api, IntPtr raw, FetcherState transport)
            : base(raw)
        {
            this.api = api;
            Transport = transport;
        }

        protected override bool ReleaseHandle()
        {
            api.NetworkFree(handle);
            if (Transport != null)
            {
                Transport.Release();
            }
            return true;
        }
    }

    /// <summary>
    /// The <c>userdata</c> of a host transport: a <see cref="GCHandle"/> on the
    /// <see cref="Fetcher"/>, freed when the network and every trust store made with it
    /// have been released (reference counted: the C ABI may call the transport until then).
    /// </summary>
    internal sealed class FetcherState
    {
        private GCHandle handle;
        private int references = 1;
        internal readonly Native Api;
        internal readonly Fetcher Fetch;

        internal FetcherState(Native api, Fetcher fetch)
        {
            Api = api;
            Fetch = fetch;
            handle = GCHandle.Alloc(this);
        }

        internal IntPtr UserData
        {
            get { return GCHandle.ToIntPtr(handle); }
        }

        internal void AddRef()
        {
            System.Threading.Interlocked.Increment(ref references);
        }

        internal void Release()
        {
            if (System.Threading.Interlocked.Decrement(ref references) == 0 && handle.IsAllocated)
            {
                handle.Free();
            }
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
