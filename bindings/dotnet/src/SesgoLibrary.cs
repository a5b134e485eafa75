using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Br.Gov.Go.Saude.Sesgo
{
    /// <summary>
    /// Finds and loads the native library (<c>libsesgo.so</c>, <c>sesgo.dll</c>,
    /// <c>libsesgo.dylib</c>) once per process, on first use, and refuses one built for
    /// another ABI version (<c>SYSTEM.INCOMPATIBLE-LIBRARY-VERSION</c>).
    /// </summary>
    /// <remarks>
    /// Search order: the path given to <see cref="Load"/> (call it before any other sesgo
    /// call); the environment variable <c>SESGO_NATIVE_LIBRARY</c> (a file, or a directory
    /// holding the file); the NuGet layout next to this assembly
    /// (<c>runtimes/&lt;rid&gt;/native/</c>, and <c>../../runtimes/&lt;rid&gt;/native/</c> when the
    /// assembly is used from an extracted package's <c>lib/netstandard2.0/</c>); the
    /// assembly's own directory; and finally the bare file name (the system's search:
    /// <c>LD_LIBRARY_PATH</c>, <c>PATH</c>, …). A failure is remembered: every later call
    /// throws the same <see cref="SesgoException"/> (code <c>SYSTEM</c>).
    /// </remarks>
    public static class SesgoLibrary
    {
        /// <summary>The ABI version this binding was written for (<c>SESGO_ABI_VERSION</c>).</summary>
        public const uint AbiVersion = 2;

        /// <summary>Environment variable naming the native library (file or directory).</summary>
        public const string EnvironmentVariable = "SESGO_NATIVE_LIBRARY";

        private static readonly object Gate = new object();
        private static string explicitPath;
        private static volatile Native api;
        private static Exception failure;
        private static string loadedPath;

        /// <summary>
        /// Loads the native library from <paramref name="path"/> (a file, or a directory
        /// holding <see cref="FileName"/>) instead of searching for it. Call it before any
        /// other sesgo call; calling it again with the library already loaded from the same
        /// file does nothing.
        /// </summary>
        /// <exception cref="InvalidOperationException">the library is already loaded from another file</exception>
        /// <exception cref="SesgoException">the library cannot be loaded or has another ABI version</exception>
        public static void Load(string path)
        {
            if (path == null)
            {
                throw new ArgumentNullException("path");
            }
            string full = Resolve(path);
            lock (Gate)
            {
                if (api != null || failure != null)
                {
                    if (api != null && string.Equals(loadedPath, full, StringComparison.Ordinal))
                    {
                        return;
                    }
                    throw new InvalidOperationException(
                        "a biblioteca nativa sesgo já foi carregada (" + (loadedPath ?? "falhou") + ")");
                }
                explicitPath = full;
            }
            Functions();
        }

        /// <summary>The file the native library was loaded from, or null before the first use.</summary>
        public static string LoadedPath
        {
            get
            {
                lock (Gate)
                {
                    return loadedPath;
                }
            }
        }

        /// <summary>The native library's file name on this platform.</summary>
        public static string FileName
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return "sesgo.dll";
                }
                return RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libsesgo.dylib" : "libsesgo.so";
            }
        }

        /// <summary>The NuGet runtime identifier of this process (e.g. <c>linux-x64</c>, <c>win-x64</c>).</summary>
        public static string RuntimeIdentifier
        {
            get
            {
                string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                    : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
                string arch;
                switch (RuntimeInformation.ProcessArchitecture)
                {
                    case Architecture.X86: arch = "x86"; break;
                    case Architecture.Arm: arch = "arm"; break;
                    case Architecture.Arm64: arch = "arm64"; break;
                    default: arch = "x64"; break;
                }
                return os + "-" + arch;
            }
        }

        /// <summary>The places searched, in order, when no path is given (for diagnostics and tests).</summary>
        internal static List<string> Candidates(string assemblyDir, string environment)
        {
            var list = new List<string>();
            if (!string.IsNullOrEmpty(environment))
            {
                list.Add(Resolve(environment));
            }
            if (!string.IsNullOrEmpty(assemblyDir))
            {
                string native = Path.Combine("runtimes", RuntimeIdentifier, "native", FileName);
                list.Add(Path.Combine(assemblyDir, native));
                list.Add(Path.GetFullPath(Path.Combine(assemblyDir, "..", "..", native)));
                list.Add(Path.Combine(assemblyDir, FileName));
            }
            list.Add(FileName);
            return list;
        }

        private static string Resolve(string path)
        {
            string full = Path.GetFullPath(path);
            return Directory.Exists(full) ? Path.Combine(full, FileName) : full;
        }

        internal static Native Functions()
        {
            Native a = api;
            if (a != null)
            {
                return a;
            }
            lock (Gate)
            {
                if (api != null)
                {
                    return api;
                }
                if (failure != null)
                {
                    throw Rethrowable(failure);
                }
                try
                {
                    string from;
                    Native loaded = LoadFirst(out from);
                    uint found = loaded.AbiVersion();
                    if (found != AbiVersion)
                    {
                        throw SesgoException.Managed(
                            SesgoStatus.AbiMismatch,
                            null,
                            "biblioteca nativa " + from + " com ABI " + found + "; este assembly exige ABI " + AbiVersion,
                            null);
                    }
                    loadedPath = from;
                    api = loaded;
                    return loaded;
                }
                catch (Exception e)
                {
                    failure = e is SesgoException ? e : SesgoException.Managed(
                        SesgoStatus.System, null, "falha ao carregar a biblioteca nativa sesgo: " + e.Message, e);
                    throw Rethrowable(failure);
                }
            }
        }

        private static Exception Rethrowable(Exception remembered)
        {
            var s = remembered as SesgoException;
            return s == null ? remembered : s.Copy();
        }

        private static Native LoadFirst(out string from)
        {
            List<string> candidates;
            if (explicitPath != null)
            {
                candidates = new List<string> { explicitPath };
            }
            else
            {
                string dir = null;
                try
                {
                    string location = typeof(SesgoLibrary).Assembly.Location;
                    if (!string.IsNullOrEmpty(location))
                    {
                        dir = Path.GetDirectoryName(location);
                    }
                }
                catch (NotSupportedException)
                {
                    // Dynamic or single-file assemblies have no location: system search only.
                }
                candidates = Candidates(dir, Environment.GetEnvironmentVariable(EnvironmentVariable));
            }
            var tried = new StringBuilder();
            foreach (string candidate in candidates)
            {
                bool bare = candidate == FileName;
                if (!bare && !File.Exists(candidate))
                {
                    tried.Append("\n  ").Append(candidate).Append(": não existe");
                    continue;
                }
                string error;
                IntPtr module = Loader.Open(candidate, out error);
                if (module == IntPtr.Zero)
                {
                    tried.Append("\n  ").Append(candidate).Append(": ").Append(error);
                    continue;
                }
                from = candidate;
                IntPtr m = module;
                return new Native(name => Loader.Symbol(m, name));
            }
            throw new DllNotFoundException(
                "biblioteca nativa " + FileName + " (" + RuntimeIdentifier + ") não encontrada; defina "
                + EnvironmentVariable + " ou chame SesgoLibrary.Load. Tentativas:" + tried);
        }

        /// <summary>dlopen/dlsym (Linux, macOS) and LoadLibrary/GetProcAddress (Windows).</summary>
        private static class Loader
        {
            private const int RtldNow = 2;
            private const uint LoadWithAlteredSearchPath = 0x8;

            internal static IntPtr Open(string path, out string error)
            {
                error = null;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    IntPtr h = Path.IsPathRooted(path)
                        ? Kernel32.LoadLibraryExW(path, IntPtr.Zero, LoadWithAlteredSearchPath)
                        : Kernel32.LoadLibraryExW(path, IntPtr.Zero, 0);
                    if (h == IntPtr.Zero)
                    {
                        error = "LoadLibrary: erro " + Marshal.GetLastWin32Error();
                    }
                    return h;
                }
                IntPtr module;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                {
                    module = LibSystem.dlopen(path, RtldNow);
                    if (module == IntPtr.Zero)
                    {
                        error = Utf8.FromNative(LibSystem.dlerror());
                    }
                    return module;
                }
                try
                {
                    module = LibDl2.dlopen(path, RtldNow);
                    if (module == IntPtr.Zero)
                    {
                        error = Utf8.FromNative(LibDl2.dlerror());
                    }
                }
                catch (DllNotFoundException)
                {
                    // No libdl.so.2 (musl): dlopen lives in libc.
                    module = LibC.dlopen(path, RtldNow);
                    if (module == IntPtr.Zero)
                    {
                        error = Utf8.FromNative(LibC.dlerror());
                    }
                }
                return module;
            }

            internal static IntPtr Symbol(IntPtr module, string name)
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return Kernel32.GetProcAddress(module, name);
                }
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                {
                    return LibSystem.dlsym(module, name);
                }
                try
                {
                    return LibDl2.dlsym(module, name);
                }
                catch (DllNotFoundException)
                {
                    return LibC.dlsym(module, name);
                }
            }
        }

        private static class LibDl2
        {
            [DllImport("libdl.so.2", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlopen(string file, int mode);

            [DllImport("libdl.so.2", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlsym(IntPtr handle, string name);

            [DllImport("libdl.so.2")]
            internal static extern IntPtr dlerror();
        }

        private static class LibC
        {
            [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlopen(string file, int mode);

            [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlsym(IntPtr handle, string name);

            [DllImport("libc")]
            internal static extern IntPtr dlerror();
        }

        private static class LibSystem
        {
            [DllImport("/usr/lib/libSystem.dylib", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlopen(string file, int mode);

            [DllImport("/usr/lib/libSystem.dylib", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr dlsym(IntPtr handle, string name);

            [DllImport("/usr/lib/libSystem.dylib")]
            internal static extern IntPtr dlerror();
        }

        private static class Kernel32
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            internal static extern IntPtr LoadLibraryExW(string path, IntPtr reserved, uint flags);

            [DllImport("kernel32", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            internal static extern IntPtr GetProcAddress(IntPtr module, string name);
        }
    }
}
