using System;
using System.Diagnostics;
using System.IO;
using Br.Gov.Go.Saude.Sesgo;
using NUnit.Framework;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    /// <summary>
    /// Same inputs, same result as another front end of the same core: the `sesgo` command
    /// line (path in SESGO_TEST_CLI) signing the example with the same PKCS#12, policy and
    /// reference time must produce the very Signature.data this binding does.
    /// </summary>
    [TestFixture]
    public class CrossCheckTests
    {
        /// <summary>The policies under test, their URIs read from the native library.</summary>
        public static string[] Policies()
        {
            return new[] { Sesgo.Policy012, Sesgo.Policy020 };
        }

        [TestCaseSource(nameof(Policies))]
        public void SameSignatureDataAsTheCommandLine(string policy)
        {
            string cli = Environment.GetEnvironmentVariable("SESGO_TEST_CLI");
            Assert.IsFalse(string.IsNullOrEmpty(cli), "SESGO_TEST_CLI is not set: run `cargo xtask test dotnet`");
            long at = TestPki.Now;
            string ours;
            using (TrustStore trust = TestPki.Trust())
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                // The same revocation evidence on both sides: policy 0.1's rRefs hash it, and
                // two fresh OCSP responses need not be the same bytes.
                string options = "{\"policy\":" + Json.String(policy) + ",\"referenceTime\":" + at
                    + ",\"revocationEvidence\":[" + Json.String(TestPki.Get("revocationEvidence")) + "]}";
                ours = TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, options));
            }
            var psi = new ProcessStartInfo(cli)
            {
                Arguments = string.Join(" ", new[]
                {
                    "sign", "--quiet",
                    "--bundle", Quote(Path.Combine(TestPki.Examples, "bundle.json")),
                    "--provenance", Quote(Path.Combine(TestPki.Examples, "provenance.json")),
                    "--p12", Quote(TestPki.Get("p12Aes")), "--password-env", "SESGO_TEST_PASSWORD",
                    "--trust-root-sha256", TestPki.RootSha256, "--ca-certs", Quote(TestPki.Get("chainPem")),
                    "--policy", Quote(policy), "--reference-time", at.ToString(),
                    "--revocation-evidence", Quote(TestPki.Get("revocationEvidence")), "--offline",
                }),
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.EnvironmentVariables["SESGO_TEST_PASSWORD"] = TestPki.Password;
            using (Process p = Process.Start(psi))
            {
                string stdout = p.StandardOutput.ReadToEnd();
                string stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.AreEqual(0, p.ExitCode, stderr + stdout);
                var provenance = JsonValue.Parse(stdout);
                string theirs = provenance.Get("signature").Items[0].GetString("data");
                Assert.AreEqual(theirs, ours);
            }
        }

        private static string Quote(string s)
        {
            return "\"" + s + "\"";
        }
    }
}
