using System;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// The native testing hooks (<c>sesgo_testing_panic</c>, <c>sesgo_testing_error</c>),
    /// exported only by a library built with the <c>testing</c> feature; for the test suite.
    /// </summary>
    internal static class Testing
    {
        internal static bool Available
        {
            get { return Native.Api.TestingPanic != null && Native.Api.TestingError != null; }
        }

        /// <summary>A panic inside the boundary: must become <c>SYSTEM</c>, never a crash.</summary>
        internal static void Panic()
        {
            Run(Native.Api.TestingPanic);
        }

        /// <summary>Fails on purpose with <c>CERT.EXPIRED</c> at <c>x5c[0]</c>.</summary>
        internal static void Error()
        {
            Run(Native.Api.TestingError);
        }

        private static void Run(Native.TestingFn hook)
        {
            if (hook == null)
            {
                throw new InvalidOperationException("biblioteca nativa sem os ganchos de teste (feature testing)");
            }
            Native api = Native.Api;
            IntPtr err;
            uint st = hook(out err);
            if (st != 0)
            {
                throw SesgoException.FromNative(api, st, err, null);
            }
            if (err != IntPtr.Zero)
            {
                api.ErrorFree(err);
            }
        }
    }
}
