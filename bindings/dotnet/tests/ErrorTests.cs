using System;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Br.Gov.Go.Saude.Sesgo;
using NUnit.Framework;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    /// <summary>Every kind of failure reaches .NET as a SesgoException with the right code.</summary>
    [TestFixture]
    public class ErrorTests
    {
        private TrustStore trust;

        [TestFixtureSetUp]
        public void SetUp()
        {
            trust = TestPki.Trust();
        }

        [TestFixtureTearDown]
        public void TearDown()
        {
            trust.Dispose();
        }

        private static SesgoException Fails(SesgoStatus status, string code, string location, TestDelegate call)
        {
            var e = Assert.Throws<SesgoException>(call);
            Assert.AreEqual(code, e.Code, e.Message);
            Assert.AreEqual(status, e.Status, e.Message);
            Assert.AreEqual(location, e.Location, e.Message);
            Assert.IsNotEmpty(e.Diagnostics);
            // The OperationOutcome carries the same code, and the message says it all.
            var outcome = JsonValue.Parse(e.OperationOutcomeJson);
            Assert.AreEqual("OperationOutcome", outcome.GetString("resourceType"));
            StringAssert.Contains("\"code\":\"" + code + "\"", e.OperationOutcomeJson);
            StringAssert.StartsWith(code, e.Message);
            return e;
        }

        [Test]
        public void WrongPassword()
        {
            Fails(SesgoStatus.CryptoKeyInaccessible, "CRYPTO.KEY-INACCESSIBLE", null,
                () => Signer.FromPkcs12(TestPki.Bytes("p12Aes"), "errada"));
            Fails(SesgoStatus.CryptoKeyInaccessible, "CRYPTO.KEY-INACCESSIBLE", null,
                () => Signer.FromPem(TestPki.Bytes("keyPkcs8Encrypted"), File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")), "errada"));
        }

        [Test]
        public void Pkcs12WithoutKeyOrGarbage()
        {
            Fails(SesgoStatus.DeviceKeyAccessDenied, "DEVICE.KEY-ACCESS-DENIED", null,
                () => Signer.FromPkcs12(TestPki.Bytes("p12CertOnly"), TestPki.Password));
            Fails(SesgoStatus.CertInvalidFormat, "CERT.INVALID-FORMAT", null,
                () => Signer.FromPkcs12(new byte[] { 1, 2, 3 }, TestPki.Password));
        }

        [Test]
        public void MalformedJsonEverywhere()
        {
            byte[] bad = TestPki.Utf8("{\"resourceType\":");
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "Bundle",
                    () => Sesgo.Sign(bad, TestPki.Provenance, signer, trust));
                Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "Provenance",
                    () => Sesgo.Sign(TestPki.Bundle, bad, signer, trust));
                Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "options",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, "{"));
            }
            Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "Bundle",
                () => Sesgo.Verify(trust, bundle: bad));
            Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "trustStore",
                () => TrustStore.FromJson("{"));
            Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "resource",
                () => Sesgo.Canonicalize(bad));
            Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "Bundle",
                () => Sesgo.CheckReferences(bad));
            Fails(SesgoStatus.FormatJsonMalformed, "FORMAT.JSON-MALFORMED", "resources",
                () => Sesgo.BuildBundle(bad));
        }

        [Test]
        public void BadOptions()
        {
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                Fails(SesgoStatus.ConfigInvalidStrategy, "CONFIG.INVALID-STRATEGY", "options.strategy",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, "{\"strategy\":\"agora\"}"));
                Fails(SesgoStatus.PolicyUriInvalid, "POLICY.URI-INVALID", "options.policy",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, "{\"policy\":\"urn:x\"}"));
            }
            Fails(SesgoStatus.ConfigInvalidParameter, "CONFIG.INVALID-PARAMETER", "trustStore.unknown",
                () => TrustStore.FromJson("{\"unknown\":1}"));
            Fails(SesgoStatus.ConfigInvalidParameter, "CONFIG.INVALID-PARAMETER", "options.settings.revocationPolicy",
                () => Sesgo.Verify(trust, bundle: TestPki.Bundle, optionsJson: "{\"settings\":{\"revocationPolicy\":\"talvez\"}}"));
        }

        [Test]
        public void NothingToVerify()
        {
            Fails(SesgoStatus.ConfigMissingParameter, "CONFIG.MISSING-PARAMETER", null,
                () => Sesgo.Verify(trust));
        }

        [Test]
        public void SignerNotTrustedOrBadChain()
        {
            using (Signer signer = TestPki.Pkcs12Signer())
            using (TrustStore icp = TrustStore.IcpBrasil())
            {
                Fails(SesgoStatus.CertNotIcpBrasil, "CERT.NOT-ICP-BRASIL", "x5c[3]",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, icp, TestPki.Warn));
            }
            Fails(SesgoStatus.FormatCertPemInvalid, "FORMAT.CERT-PEM-INVALID", "pem[0]",
                () => Signer.External(TestPki.Utf8("-----BEGIN CERTIFICATE-----\nAAAA\n"), input => input));
            Fails(SesgoStatus.FormatCertPemInvalid, "FORMAT.CERT-PEM-INVALID", "chain",
                () => Signer.External(TestPki.Utf8("nada"), input => input));
        }

        [Test]
        public void InspectGarbage()
        {
            Fails(SesgoStatus.CertInvalidFormat, "CERT.INVALID-FORMAT", null,
                () => Sesgo.InspectCertificate(new byte[] { 0x30, 0x03, 1, 2, 3 }));
        }

        [Test]
        public void PanicBecomesSystemNeverACrash()
        {
            Assert.IsTrue(Testing.Available, "the test run uses the library with the testing hooks");
            Fails(SesgoStatus.Panic, "SYSTEM", null, Testing.Panic);
            Fails(SesgoStatus.CertExpired, "CERT.EXPIRED", "x5c[0]", Testing.Error);
            // Still usable afterwards.
            Assert.AreEqual("0.1.0", Sesgo.Version);
        }

        [Test]
        public void CallbackThatThrows()
        {
            using (Signer signer = Signer.External(
                File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")),
                input => { throw new CryptographicException("cartão removido"); }))
            {
                var e = Fails(SesgoStatus.CryptoSignatureCreationFailed, "CRYPTO.SIGNATURE-CREATION-FAILED", "callback",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Warn));
                Assert.IsInstanceOf<CryptographicException>(e.InnerException);
                Assert.AreEqual("cartão removido", e.InnerException.Message);
                StringAssert.Contains("cartão removido", e.Message);
                // The signer stays usable: the next call fails the same way, cleanly.
                e = Assert.Throws<SesgoException>(() => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Warn));
                Assert.IsInstanceOf<CryptographicException>(e.InnerException);
            }
            // A failure not caused by a callback carries no stale inner exception.
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                var e = Assert.Throws<SesgoException>(() => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, "{"));
                Assert.IsNull(e.InnerException);
            }
        }

        [Test]
        public void CallbackReportsAGuideCode()
        {
            using (Signer signer = Signer.External(
                File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")),
                input => { throw new SesgoException(SesgoStatus.DevicePinBlocked, "PIN bloqueado"); }))
            {
                var e = Fails(SesgoStatus.DevicePinBlocked, "DEVICE.PIN-BLOCKED", "callback",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Warn));
                Assert.AreEqual("DEVICE.PIN-BLOCKED", ((SesgoException)e.InnerException).Code);
            }
        }

        [Test]
        public void CallbackReturningNullOrAnotherKeysSignature()
        {
            using (Signer signer = Signer.External(File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")), input => null))
            {
                var e = Fails(SesgoStatus.CryptoSignatureCreationFailed, "CRYPTO.SIGNATURE-CREATION-FAILED", "callback",
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Warn));
                Assert.IsInstanceOf<InvalidOperationException>(e.InnerException);
            }
            using (RSA other = RSA.Create())
            {
                other.KeySize = 2048;
                using (Signer signer = Signer.External(
                    File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")),
                    input => other.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)))
                {
                    var e = Assert.Throws<SesgoException>(
                        () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Warn));
                    Assert.AreEqual("CRYPTO.SIGNATURE-CREATION-FAILED", e.Code);
                    Assert.IsNull(e.InnerException);
                }
            }
        }

        [Test]
        public void CertificateWithoutPrivateKeyIsRefusedUpFront()
        {
            using (var cert = new X509Certificate2(File.ReadAllBytes(TestPki.Cert("ecpf", "certPem"))))
            {
                Assert.Throws<ArgumentException>(() => Signer.External(cert));
            }
        }

        [Test]
        public void NullArgumentsAndNulInPasswords()
        {
            Assert.Throws<ArgumentNullException>(() => Signer.FromPkcs12(null, "x"));
            Assert.Throws<ArgumentNullException>(() => Signer.FromPkcs12(TestPki.Bytes("p12Aes"), null));
            Assert.Throws<ArgumentException>(() => Signer.FromPkcs12(TestPki.Bytes("p12Aes"), "tes\0te123"));
            Assert.Throws<ArgumentNullException>(() => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, null, trust));
            Assert.Throws<ArgumentNullException>(() => Sesgo.Verify(null, bundle: TestPki.Bundle));
            Assert.Throws<ArgumentNullException>(() => Signer.External((byte[])null, input => input));
            Assert.Throws<ArgumentNullException>(() => Signer.External(TestPki.Utf8("x"), null));
        }

        [Test]
        public void ManagedSideFailuresHaveAMinimalOutcome()
        {
            var e = new SesgoException(SesgoStatus.DeviceTokenNotFound, "token \"A3\" ausente");
            Assert.AreEqual("DEVICE.TOKEN-NOT-FOUND", e.Code);
            Assert.IsNull(e.Location);
            var outcome = JsonValue.Parse(e.OperationOutcomeJson);
            var issue = outcome.Get("issue").Items[0];
            Assert.AreEqual("fatal", issue.GetString("severity"));
            Assert.AreEqual("token \"A3\" ausente", issue.GetString("diagnostics"));
            Assert.AreEqual("DEVICE.TOKEN-NOT-FOUND", issue.Get("details").Get("coding").Items[0].GetString("code"));
        }
    }
}
