using System;
using System.IO;
using System.Text;
using Br.Gov.Go.Saude.Sesgo;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    /// <summary>
    /// The throw-away test PKI of `cargo xtask testpki` (its manifest.json path in
    /// SESGO_TEST_PKI), read with the binding's own JSON reader, and the example inputs.
    /// </summary>
    internal static class TestPki
    {
        private static readonly JsonValue Manifest = Load();

        /// <summary>`{"settings":{"revocationPolicy":"warn"}}`: results that do not depend on the live responders.</summary>
        internal const string Warn = "{\"settings\":{\"revocationPolicy\":\"warn\"}}";

        private static JsonValue Load()
        {
            string path = Environment.GetEnvironmentVariable("SESGO_TEST_PKI");
            if (string.IsNullOrEmpty(path))
            {
                throw new InvalidOperationException("SESGO_TEST_PKI is not set: run `cargo xtask test dotnet`");
            }
            return JsonValue.Parse(File.ReadAllText(path));
        }

        internal static string Get(string name)
        {
            string v = Manifest.GetString(name);
            if (v == null)
            {
                throw new InvalidOperationException("manifest has no " + name);
            }
            return v;
        }

        internal static string Cert(string who, string what)
        {
            return Manifest.Get(who).GetString(what);
        }

        /// <summary>A member of the online PKI (AIA and CRLs served by the loopback server xtask runs).</summary>
        internal static string Online(string name)
        {
            string v = Manifest.Get("online").GetString(name);
            if (v == null)
            {
                throw new InvalidOperationException("manifest has no online." + name);
            }
            return v;
        }

        /// <summary>A member of a certificate of the online PKI (e.g. ecpf.certPem).</summary>
        internal static string Online(string who, string what)
        {
            return Manifest.Get("online").Get(who).GetString(what);
        }

        /// <summary>The signer of the legacy 3DES PKCS#12 (Mono reads no PBES2/AES one).</summary>
        internal static Signer TripleDesSigner()
        {
            return Signer.FromPkcs12(Bytes("p12_3des"), Password);
        }

        /// <summary>A fresh directory under the system temp dir, for one test's cache.</summary>
        internal static string TempDir(string name)
        {
            string dir = Path.Combine(Path.GetTempPath(), "sesgo-dotnet-" + System.Diagnostics.Process.GetCurrentProcess().Id + "-" + name);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
            Directory.CreateDirectory(dir);
            return dir;
        }

        internal static string Password
        {
            get { return Get("password"); }
        }

        internal static string RootSha256
        {
            get { return Get("rootSha256"); }
        }

        internal static byte[] Bytes(string manifestPath)
        {
            return File.ReadAllBytes(Get(manifestPath));
        }

        internal static string Examples
        {
            get
            {
                string dir = Environment.GetEnvironmentVariable("SESGO_TEST_EXAMPLES");
                if (string.IsNullOrEmpty(dir))
                {
                    throw new InvalidOperationException("SESGO_TEST_EXAMPLES is not set: run `cargo xtask test dotnet`");
                }
                return dir;
            }
        }

        internal static byte[] Bundle
        {
            get { return File.ReadAllBytes(Path.Combine(Examples, "bundle.json")); }
        }

        internal static byte[] Provenance
        {
            get { return File.ReadAllBytes(Path.Combine(Examples, "provenance.json")); }
        }

        internal static TrustStore Trust()
        {
            return TrustStore.NewBuilder()
                .RootSha256(RootSha256)
                .CaCertsPem(File.ReadAllText(Get("chainPem")))
                .Build();
        }

        internal static Signer Pkcs12Signer()
        {
            return Signer.FromPkcs12(Bytes("p12Aes"), Password);
        }

        /// <summary>Sign options: policy, fixed reference time, revocation downgraded to a warning.</summary>
        internal static string Options(string policy, long referenceTime)
        {
            return "{\"policy\":\"" + policy + "\",\"referenceTime\":" + referenceTime
                + ",\"settings\":{\"revocationPolicy\":\"warn\"}}";
        }

        internal static long Now
        {
            get { return (long)(DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds; }
        }

        internal static byte[] Utf8(string s)
        {
            return Encoding.UTF8.GetBytes(s);
        }

        /// <summary>The `data` member of a FHIR Signature (JSON).</summary>
        internal static string SignatureData(SignResult signed)
        {
            return JsonValue.Parse(signed.SignatureJson).GetString("data");
        }
    }
}
