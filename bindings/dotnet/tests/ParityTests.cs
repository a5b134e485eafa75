using System;
using System.IO;
using System.Text;
using Br.Gov.Go.Saude.Sesgo;
using NUnit.Framework;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    /// <summary>
    /// What C, Python and Java expose, from C#: exact-bytes signing, inspection against a
    /// trust store, credentialing exports and signed attachments.
    /// </summary>
    [TestFixture]
    public class ParityTests
    {
        [Test]
        public void PoliciesComeFromTheNativeLibrary()
        {
            // The binding repeats no URI: what sesgo_policies() lists, as the other bindings read it.
            var all = Sesgo.SupportedPolicies;
            Assert.AreEqual(4, all.Count);
            CollectionAssert.Contains(all, Sesgo.Policy012);
            CollectionAssert.Contains(all, Sesgo.Policy020);
            Assert.AreEqual(Sesgo.Policy012, Sesgo.DefaultPolicy);
            StringAssert.EndsWith("|0.1.2", Sesgo.Policy012);
            StringAssert.EndsWith("/politica/0.2.0", Sesgo.Policy020);
            Assert.AreEqual(Utf8.FromNative(Native.Api.Policies()).Split(new[] { "\"uri\":" }, StringSplitOptions.None).Length - 1, all.Count);
            // A catalog that is not one is refused, never half-read.
            Assert.Throws<SesgoException>(() => PolicyCatalog.Parse("{\"policies\":[]}"));
            Assert.Throws<SesgoException>(() => PolicyCatalog.Parse("{\"default\":\"x\",\"policies\":[{\"uri\":\"y\"}]}"));
        }

        [Test]
        public void DefaultSettingsComeFromTheNativeLibrary()
        {
            string d = Sesgo.DefaultSettings;
            StringAssert.StartsWith("{", d);
            StringAssert.Contains("\"revocationPolicy\":\"strict\"", d);
            StringAssert.Contains("\"maxBundleBytes\":52428800", d);
            StringAssert.Contains("\"ocspTimeoutSecs\":30", d);
            StringAssert.DoesNotContain("tsaUrl", d);
        }

        [Test]
        public void SignPartsGivesEachOutputAsItsOwnExactBytes()
        {
            using (TrustStore trust = TestPki.Trust())
            using (Signer signer = TestPki.TripleDesSigner())
            {
                SignedParts parts = Sesgo.SignParts(
                    TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Options(Sesgo.Policy020, TestPki.Now));
                string signature = Encoding.UTF8.GetString(parts.Signature);
                StringAssert.Contains("\"data\"", signature);
                StringAssert.Contains("\"resourceType\":\"Provenance\"", Encoding.UTF8.GetString(parts.Provenance));
                // Policy 0.2.0 keeps the numbers as written: the Bundle's bytes verify as they are.
                StringAssert.Contains("36.50", Encoding.UTF8.GetString(parts.Bundle));
                VerificationResult v = Sesgo.Verify(trust, bundle: parts.Bundle, optionsJson: TestPki.Warn);
                Assert.IsTrue(v.Valid, v.OutcomeJson);
                // Nothing prevented signing; what was noted, if anything, is an OperationOutcome.
                if (parts.Warnings != null)
                {
                    StringAssert.Contains("OperationOutcome", Encoding.UTF8.GetString(parts.Warnings));
                }

                var e = Assert.Throws<SesgoException>(() => Sesgo.SignParts(
                    Encoding.UTF8.GetBytes("{"), TestPki.Provenance, signer, trust, TestPki.Warn));
                Assert.AreEqual("FORMAT.JSON-MALFORMED", e.Code);
            }
        }

        [Test]
        public void InspectionReportsTrustApartFromEligibility()
        {
            byte[] p12 = TestPki.Bytes("p12_3des");
            var byDefault = JsonValue.Parse(Sesgo.InspectCertificate(p12, TestPki.Password));
            Assert.AreEqual(JsonValue.Kind.False, byDefault.Get("trust").Get("trusted").Type);
            using (TrustStore trust = TestPki.Trust())
            {
                var report = JsonValue.Parse(Sesgo.InspectCertificate(p12, TestPki.Password, null, trust));
                Assert.AreEqual(JsonValue.Kind.True, report.Get("trust").Get("trusted").Type);
                Assert.AreEqual(TestPki.RootSha256, report.Get("trust").GetString("rootSha256"));
                StringAssert.Contains("12345678909", report.Raw);
            }
        }

        [Test]
        public void ExportsWhatTheCredentialingPortalAsksFor()
        {
            byte[] pem = File.ReadAllBytes(TestPki.Cert("ecnpj", "certPem"));
            StringAssert.StartsWith("-----BEGIN CERTIFICATE-----", Encoding.ASCII.GetString(Sesgo.ExportCertificate(pem, "pem")));
            byte[] der = Sesgo.ExportCertificate(pem, "der");
            Assert.AreEqual(0x30, der[0]);
            Assert.AreEqual(File.ReadAllBytes(TestPki.Cert("ecnpj", "certDer")), der);
            var jwk = JsonValue.Parse(Encoding.UTF8.GetString(Sesgo.ExportCertificate(pem, "jwk")));
            Assert.AreEqual("RSA", jwk.GetString("kty"));
            Assert.IsNotNull(jwk.GetString("x5t#S256"));
            var jwks = JsonValue.Parse(Encoding.UTF8.GetString(Sesgo.ExportCertificate(pem, "jwks")));
            Assert.AreEqual(1, jwks.Get("keys").Items.Count);
            // From a PKCS#12 (its leaf).
            byte[] fromP12 = Sesgo.ExportCertificate(TestPki.Bytes("p12_3des"), "der", TestPki.Password);
            Assert.AreEqual(File.ReadAllBytes(TestPki.Cert("ecpf", "certDer")), fromP12);
            var e = Assert.Throws<SesgoException>(() => Sesgo.ExportCertificate(pem, "xml"));
            StringAssert.StartsWith("CONFIG.", e.Code);
            e = Assert.Throws<SesgoException>(() => Sesgo.ExportCertificate(TestPki.Bytes("p12_3des"), "pem", "errada"));
            Assert.AreEqual("CRYPTO.KEY-INACCESSIBLE", e.Code);
        }

        [Test]
        public void FillsAndChecksASignedAttachment()
        {
            byte[] content = Encoding.UTF8.GetBytes("laudo em PDF, em bytes");
            string filled = Sesgo.FillAttachment(Encoding.UTF8.GetBytes("{\"contentType\":\"application/pdf\"}"), content);
            var a = JsonValue.Parse(filled);
            Assert.AreEqual(content.Length.ToString(), a.Get("size").Raw);
            string ok = Sesgo.CheckAttachment(Encoding.UTF8.GetBytes(filled), content);
            StringAssert.Contains("VALIDATION.SUCCESS", ok);
            string bad = Sesgo.CheckAttachment(
                Encoding.UTF8.GetBytes(filled), Encoding.UTF8.GetBytes("outro conteúdo"),
                "{\"location\":\"DocumentReference.content[0].attachment\"}");
            StringAssert.Contains("CRYPTO.HASH-VERIFICATION-FAILED", bad);
            StringAssert.Contains("DocumentReference.content[0].attachment", bad);
        }
    }
}
