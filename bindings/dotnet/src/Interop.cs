using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>UTF-8 conversions at the boundary (netstandard2.0 has no <c>PtrToStringUTF8</c>).</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>A NUL-terminated UTF-8 string owned by native code; "" for NULL.</summary>
        internal static string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return "";
            }
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0)
            {
                n++;
            }
            var bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>UTF-8 bytes of <paramref name="s"/>; null for null.</summary>
        internal static byte[] Bytes(string s)
        {
            return s == null ? null : Strict.GetBytes(s);
        }

        /// <summary>UTF-8 bytes of <paramref name="s"/> plus a terminating NUL; null for null.</summary>
        internal static byte[] NulTerminated(string s, string name)
        {
            if (s == null)
            {
                return null;
            }
            if (s.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("o texto contém o caractere NUL", name);
            }
            var bytes = new byte[Strict.GetByteCount(s) + 1];
            Strict.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Copies a library-owned buffer to managed memory and releases it.</summary>
        internal static byte[] Take(Native api, SesgoBytes b)
        {
            try
            {
                ulong len = b.Len.ToUInt64();
                if (b.Data == IntPtr.Zero || len == 0)
                {
                    return new byte[0];
                }
                if (len > int.MaxValue)
                {
                    throw new OutOfMemoryException("resultado da biblioteca nativa maior que 2 GiB");
                }
                var bytes = new byte[(int)len];
                Marshal.Copy(b.Data, bytes, 0, bytes.Length);
                return bytes;
            }
            finally
            {
                api.BytesFree(b);
            }
        }
    }

    /// <summary>
    /// A managed array pinned for the duration of one native call: pointer and length as
    /// the C ABI borrows them (NULL and 0 for a null or empty array). With
    /// <c>wipe</c>, the array is cleared when released (passwords).
    /// </summary>
    internal struct Pinned : IDisposable
    {
        private GCHandle handle;
        private readonly byte[] array;
        private readonly bool wipe;
        internal readonly IntPtr Ptr;
        internal readonly UIntPtr Len;

        internal Pinned(byte[] bytes, bool wipe = false)
        {
            array = bytes;
            this.wipe = wipe;
            if (bytes == null || bytes.Length == 0)
            {
                handle = default(GCHandle);
                Ptr = IntPtr.Zero;
                Len = UIntPtr.Zero;
                return;
            }
            handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            Ptr = handle.AddrOfPinnedObject();
            Len = new UIntPtr((uint)bytes.Length);
        }

        public void Dispose()
        {
            if (handle.IsAllocated)
            {
                handle.Free();
            }
            if (wipe && array != null)
            {
                Array.Clear(array, 0, array.Length);
            }
        }
    }

    /// <summary>
    /// Holds a <see cref="SafeHandle"/> open for the duration of one native call
    /// (<see cref="SafeHandle.DangerousAddRef"/>): a concurrent <c>Dispose</c> is deferred
    /// until the call returns, and a disposed handle throws <see cref="ObjectDisposedException"/>
    /// before any native call.
    /// </summary>
    internal struct HandleUse : IDisposable
    {
        private readonly SafeHandle handle;
        private readonly bool added;
        internal readonly IntPtr Ptr;

        internal HandleUse(SafeHandle handle, string owner)
        {
            this.handle = handle;
            added = false;
            Ptr = IntPtr.Zero;
            if (handle.IsClosed)
            {
                throw new ObjectDisposedException(owner);
            }
            try
            {
                handle.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(owner);
            }
            Ptr = handle.DangerousGetHandle();
        }

        public void Dispose()
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
