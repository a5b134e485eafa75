using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Br.Gov.Go.Saude.Sesgo;
using NUnit.Framework;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    [TestFixture]
    public class SignVerifyTests
    {
        /// <summary>The policies under test, their URIs read from the native library.</summary>
        public static string[] Policies()
        {
            return new[] { Sesgo.Policy012, Sesgo.Policy020 };
        }

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

        [Test]
        public void LoadsTheLibraryFromTheNuGetLayoutNextToTheAssembly()
        {
            Assert.AreEqual("0.1.0", Sesgo.Version);
            string expected = Path.Combine(
                Path.GetDirectoryName(typeof(Sesgo).Assembly.Location),
                "runtimes", SesgoLibrary.RuntimeIdentifier, "native", SesgoLibrary.FileName);
            Assert.AreEqual(expected, SesgoLibrary.LoadedPath);
            // Loading the same file again is a no-op; another file is refused.
            SesgoLibrary.Load(expected);
            Assert.Throws<InvalidOperationException>(() => SesgoLibrary.Load("/nonexistent/libsesgo.so"));
        }

        [Test]
        public void SearchOrderCoversEnvironmentNuGetLayoutsAndSystemSearch()
        {
            string dir = Path.Combine(Path.GetTempPath(), "pkg", "lib", "netstandard2.0");
            string rid = SesgoLibrary.RuntimeIdentifier;
            string file = SesgoLibrary.FileName;
            var list = SesgoLibrary.Candidates(dir, "/opt/sesgo/" + file);
            CollectionAssert.AreEqual(
                new[]
                {
                    "/opt/sesgo/" + file,
                    Path.Combine(dir, "runtimes", rid, "native", file),
                    Path.Combine(Path.GetTempPath(), "pkg", "runtimes", rid, "native", file),
                    Path.Combine(dir, file),
                    file,
                },
                list);
            // A directory in the environment variable means the file inside it.
            Assert.AreEqual(Path.Combine(Path.GetTempPath(), file), SesgoLibrary.Candidates(null, Path.GetTempPath())[0]);
        }

        [Test]
        public void GeneratedStatusEnumMatchesTheLibrary()
        {
            int n = 0;
            foreach (SesgoStatus s in Enum.GetValues(typeof(SesgoStatus)))
            {
                Assert.AreEqual(Sesgo.StatusName((uint)s), s.CName(), s.ToString());
                Assert.AreEqual(s == SesgoStatus.Ok, s.GuideCode() == null, s.ToString());
                n++;
            }
            Assert.Greater(n, 150);
            Assert.AreEqual("SESGO_STATUS_UNKNOWN", Sesgo.StatusName(99));
            Assert.AreEqual("SESGO_STATUS_UNKNOWN", ((SesgoStatus)99).CName());
            Assert.AreEqual("DEVICE.PIN-BLOCKED", SesgoStatus.DevicePinBlocked.GuideCode());
            Assert.AreEqual(171u, (uint)SesgoStatus.DevicePinBlocked);
        }

        /// <summary>VerifyMany (issue 17): one result per item, in order, each the same as
        /// Verify's; an unusable item answers alone; unusable options refuse the batch.</summary>
        [Test]
        public void VerifyManyMatchesVerifyOneByOne()
        {
            string options = TestPki.Options(Sesgo.Policy020, TestPki.Now);
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, options);
                var items = new List<VerifyItem>();
                for (int i = 0; i < 20; i++)
                {
                    switch (i % 4)
                    {
                        case 0: items.Add(new VerifyItem(bundle: signed.BundleUtf8())); break;
                        case 1: items.Add(new VerifyItem(bundle: TestPki.Utf8("{"))); break;
                        case 2: items.Add(new VerifyItem(signatureData: TestPki.SignatureData(signed))); break;
                        default: items.Add(new VerifyItem(bundle: TestPki.Utf8(signed.BundleJson.Replace("36.50", "36.51")))); break;
                    }
                }
                IList<VerificationResult> many = Sesgo.VerifyMany(trust, items, options, 2);
                Assert.AreEqual(items.Count, many.Count);
                for (int i = 0; i < items.Count; i++)
                {
                    VerifyItem it = items[i];
                    if (i % 4 == 1)
                    {
                        // Alone, unusable input is an exception; in a batch, that item's result.
                        var alone = Assert.Throws<SesgoException>(() => Sesgo.Verify(trust, bundle: it.Bundle, optionsJson: options));
                        Assert.AreEqual("FORMAT.JSON-MALFORMED", alone.Code);
                        continue;
                    }
                    VerificationResult one = Sesgo.Verify(
                        trust, bundle: it.Bundle, provenance: it.Provenance, signature: it.Signature,
                        signatureData: it.SignatureData, optionsJson: options);
                    Assert.AreEqual(one.Json, many[i].Json, "item " + i);
                }
                Assert.IsTrue(many[0].Valid, many[0].Json);
                Assert.IsFalse(many[1].Valid);
                StringAssert.Contains("FORMAT.JSON-MALFORMED", many[1].OutcomeJson);
                Assert.IsTrue(many[2].Valid, many[2].Json);
                Assert.IsFalse(many[2].ContentChecked);
                Assert.IsFalse(many[3].Valid);
                Assert.AreEqual("TOTAL-FAILED", many[3].Indication);

                Assert.AreEqual(0, Sesgo.VerifyMany(trust, new List<VerifyItem>(), options).Count);
                Assert.Throws<ArgumentOutOfRangeException>(() => Sesgo.VerifyMany(trust, items, options, -1));
                var e = Assert.Throws<SesgoException>(() => Sesgo.VerifyMany(
                    trust, items, "{\"settings\":{\"revocationPolicy\":\"talvez\"}}"));
                Assert.AreEqual("CONFIG.INVALID-PARAMETER", e.Code);
            }
        }

        [TestCaseSource(nameof(Policies))]
        public void SignsAndVerifiesUnderBothPolicies(string policy)
        {
            string options = TestPki.Options(policy, TestPki.Now);
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, options);
                StringAssert.StartsWith("{\"type\":[{\"system\":\"urn:iso-astm:E1762-95:2013\"", signed.SignatureJson);
                StringAssert.Contains("\"sigFormat\":\"application/jose", signed.SignatureJson);
                StringAssert.StartsWith("{\"resourceType\":\"Provenance\"", signed.ProvenanceJson);
                StringAssert.StartsWith("{\"resourceType\":\"Bundle\"", signed.BundleJson);
                Assert.IsNull(signed.WarningsJson);
                Assert.AreEqual(0, signed.Warnings.Count);
                CollectionAssert.IsSubsetOf(new[] { "signature", "provenance", "bundle", "warnings" }, signed.Members.Keys);
                // Exact decimals: the transfer Bundle carries 36.50 as written.
                StringAssert.Contains("36.50", signed.BundleJson);

                VerificationResult v = Sesgo.Verify(trust, bundle: signed.BundleUtf8(), optionsJson: options);
                Assert.IsTrue(v.Valid, v.Json);
                Assert.AreEqual("VALIDATION.SUCCESS", v.Issues[0].Code);
                Assert.AreEqual("information", v.Issues[0].Severity);
                StringAssert.StartsWith("{\"valid\":true,", v.Json);
                Assert.AreEqual(v.OutcomeJson, v.Members["outcome"]);

                // The same signature checked as a Provenance + Bundle, as a Signature + the
                // transfer Bundle that carries it, and as Signature.data alone (the
                // signature proven, not the content).
                Assert.IsTrue(Sesgo.Verify(trust, bundle: TestPki.Bundle, provenance: TestPki.Utf8(signed.ProvenanceJson), optionsJson: options).Valid);
                VerificationResult withBundle = Sesgo.Verify(trust, bundle: signed.BundleUtf8(), signature: TestPki.Utf8(signed.SignatureJson), optionsJson: options);
                Assert.IsTrue(withBundle.Valid, withBundle.Json);
                Assert.IsTrue(withBundle.ContentChecked, withBundle.Json);
                // Revocation established by the live loopback responders xtask runs.
                Assert.AreEqual("TOTAL-PASSED", withBundle.Indication, withBundle.Json);
                VerificationResult alone = Sesgo.Verify(trust, signatureData: TestPki.SignatureData(signed), optionsJson: options);
                Assert.IsTrue(alone.Valid, alone.Json);
                Assert.IsFalse(alone.ContentChecked);
                Assert.AreEqual("SIGNED_DATA_NOT_FOUND", alone.SubIndication);
                // A supplied Bundle is never ignored: one that does not carry the signature
                // makes the result invalid.
                VerificationResult foreign = Sesgo.Verify(trust, bundle: TestPki.Bundle, signature: TestPki.Utf8(signed.SignatureJson), optionsJson: options);
                Assert.IsFalse(foreign.Valid);
                Assert.AreEqual("TOTAL-FAILED", foreign.Indication);
                StringAssert.Contains("FORMAT.SIGNATURE-MISSING", foreign.OutcomeJson);

                // One changed decimal: invalid, as a result with the guide's code and location.
                byte[] tampered = TestPki.Utf8(signed.BundleJson.Replace("36.50", "36.51"));
                VerificationResult t = Sesgo.Verify(trust, bundle: tampered, optionsJson: options);
                Assert.IsFalse(t.Valid);
                Assert.AreEqual("TOTAL-FAILED", t.Indication);
                Assert.AreEqual("HASH_FAILURE", t.SubIndication);
                Issue hash = null;
                foreach (Issue i in t.Issues)
                {
                    if (i.Code == "CRYPTO.HASH-VERIFICATION-FAILED") hash = i;
                }
                Assert.IsNotNull(hash, t.OutcomeJson);
                Assert.AreEqual("error", hash.Severity);
                // Located at the JWS payload and at the signed content (DECISIONS D10).
                CollectionAssert.AreEqual(
                    new[] { "Bundle.entry[3].resource.signature[0].data#payload", "Bundle.entry" },
                    hash.Locations);
            }
        }

        [Test]
        public void Policy020KeepsNumberTokensAsWritten()
        {
            // Under 0.2.0 the signed bytes are the number tokens as written: 36.50 and 36.5
            // are different content.
            string options = TestPki.Options(Sesgo.Policy020, TestPki.Now);
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, options);
                byte[] rewritten = TestPki.Utf8(signed.BundleJson.Replace("36.50", "36.5"));
                VerificationResult v = Sesgo.Verify(trust, bundle: rewritten, optionsJson: options);
                Assert.IsFalse(v.Valid);
                Assert.AreEqual("CRYPTO.HASH-VERIFICATION-FAILED", v.Issues[0].Code);
            }
        }

        /// <summary>Default options (strict revocation) against the live loopback OCSP responders xtask runs.</summary>
        [Test]
        public void StrictRevocationAgainstTheLiveResponder()
        {
            using (Signer signer = TestPki.Pkcs12Signer())
            {
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, "{}");
                VerificationResult v = Sesgo.Verify(trust, bundle: signed.BundleUtf8());
                Assert.IsTrue(v.Valid, v.OutcomeJson);
                StringAssert.DoesNotContain("REVOCATION.", v.OutcomeJson);
            }
        }

        [TestCase("p12Aes")]
        [TestCase("p12_3des")]
        [TestCase("p12Rc2")]
        public void EveryPkcs12FormGivesTheSameSignature(string which)
        {
            string options = TestPki.Options(Sesgo.Policy012, TestPki.Now);
            string reference;
            using (Signer aes = TestPki.Pkcs12Signer())
            {
                reference = TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, aes, trust, options));
            }
            using (Signer signer = Signer.FromPkcs12(TestPki.Bytes(which), TestPki.Password, TestPki.Get("ecpfAlias")))
            {
                Assert.AreEqual(reference, TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, options)));
            }
        }

        /// <summary>
        /// A key inside a SoftHSM2 token (the test PKI's e-CPF key, imported by
        /// <c>cargo xtask testpki</c>) signs byte for byte like the same key from PKCS#12; a
        /// wrong PIN is CRYPTO.PIN-INVALID.
        /// </summary>
        [Test]
        public void Pkcs11SignerGivesTheSameSignatureAsPkcs12()
        {
            string options = TestPki.Options(Sesgo.Policy020, TestPki.Now);
            string config = TestPki.Cert("pkcs11", "config");
            string pin = TestPki.Cert("pkcs11", "pin");
            string reference;
            using (Signer p12 = TestPki.Pkcs12Signer())
            {
                reference = TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, p12, trust, options));
            }
            using (Signer token = Signer.FromPkcs11(config, pin))
            {
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, token, trust, options);
                Assert.AreEqual(reference, TestPki.SignatureData(signed));
                Assert.IsTrue(Sesgo.Verify(trust, bundle: signed.BundleUtf8(), optionsJson: options).Valid);
            }
            SesgoException e = Assert.Throws<SesgoException>(() => Signer.FromPkcs11(config, pin + "0"));
            Assert.AreEqual("CRYPTO.PIN-INVALID", e.Code);
        }

        [Test]
        public void PemSignersGiveTheSameSignature()
        {
            string options = TestPki.Options(Sesgo.Policy020, TestPki.Now);
            byte[] chain = Encoding.ASCII.GetBytes(
                File.ReadAllText(TestPki.Cert("ecpf", "certPem")) + File.ReadAllText(TestPki.Get("chainPem")));
            string reference;
            using (Signer p12 = TestPki.Pkcs12Signer())
            {
                reference = TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, p12, trust, options));
            }
            using (Signer plain = Signer.FromPem(File.ReadAllBytes(TestPki.Cert("ecpf", "keyPem")), chain))
            using (Signer pkcs1 = Signer.FromPem(TestPki.Bytes("keyPkcs1"), chain))
            using (Signer encrypted = Signer.FromPem(TestPki.Bytes("keyPkcs8Encrypted"), chain, TestPki.Password))
            {
                foreach (Signer s in new[] { plain, pkcs1, encrypted })
                {
                    Assert.AreEqual(reference, TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, s, trust, options)));
                }
            }
        }

        /// <summary>
        /// The Windows path: the key behind an X509Certificate2 (here loaded by Mono from the
        /// legacy 3DES PKCS#12; on Windows the certificate store or a CNG/CSP smart card)
        /// signs through GetRSAPrivateKey(): byte for byte the native PKCS#12 signer's result.
        /// </summary>
        [TestCaseSource(nameof(Policies))]
        public void ExternalX509Certificate2SignerMatchesTheNativeSigner(string policy)
        {
            string options = TestPki.Options(policy, TestPki.Now);
            SignResult native;
            using (Signer p12 = TestPki.Pkcs12Signer())
            {
                native = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, p12, trust, options);
            }
            using (var cert = new X509Certificate2(TestPki.Bytes("p12_3des"), TestPki.Password))
            {
                Assert.IsTrue(cert.HasPrivateKey);
                // Leaf only: the trust store completes the chain.
                using (Signer external = Signer.External(cert))
                {
                    SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, external, trust, options);
                    Assert.AreEqual(TestPki.SignatureData(native), TestPki.SignatureData(signed));
                    Assert.AreEqual(native.SignatureJson, signed.SignatureJson);
                    Assert.IsTrue(Sesgo.Verify(trust, bundle: signed.BundleUtf8(), optionsJson: options).Valid);
                }
                // With the intermediates given explicitly.
                var chain = new X509Certificate2Collection();
                chain.Import(TestPki.Get("chainPem"));
                var intermediates = new X509Certificate2[chain.Count];
                chain.CopyTo(intermediates, 0);
                using (Signer external = Signer.External(cert, intermediates))
                {
                    SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, external, trust, options);
                    Assert.AreEqual(TestPki.SignatureData(native), TestPki.SignatureData(signed));
                }
            }
        }

        [Test]
        public void ExternalFunctionSignerIsCalledOncePerSignature()
        {
            string options = TestPki.Options(Sesgo.Policy012, TestPki.Now);
            int calls = 0;
            using (var cert = new X509Certificate2(TestPki.Bytes("p12_3des"), TestPki.Password))
            using (RSA key = cert.GetRSAPrivateKey())
            using (Signer external = Signer.External(
                File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")),
                input =>
                {
                    calls++;
                    return key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                }))
            {
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, external, trust, options);
                Assert.AreEqual(1, calls);
                Assert.IsTrue(Sesgo.Verify(trust, bundle: signed.BundleUtf8(), optionsJson: options).Valid);
            }
        }

        [Test]
        public void Tools()
        {
            // Canonical bytes (JCS): members sorted, numbers normalized under 0.1.x.
            byte[] jcs = Sesgo.Canonicalize(TestPki.Utf8("{\"resourceType\":\"Basic\",\"id\":\"x\",\"b\":1.50,\"a\":true}"));
            // `id` is not signed content: removed.
            Assert.AreEqual("{\"a\":true,\"b\":1.5,\"resourceType\":\"Basic\"}", Encoding.UTF8.GetString(jcs));
            byte[] lossless = Sesgo.Canonicalize(TestPki.Utf8("{\"resourceType\":\"Basic\",\"b\":1.50}"), Sesgo.Policy020);
            StringAssert.Contains("1.50", Encoding.UTF8.GetString(lossless));

            string refs = Sesgo.CheckReferences(TestPki.Bundle, TestPki.Provenance);
            StringAssert.Contains("VALIDATION.SUCCESS", refs);

            string built = Sesgo.BuildBundle(TestPki.Utf8(
                "[{\"resourceType\":\"Patient\",\"id\":\"p1\"},"
                + "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
                + "\"code\":{\"text\":\"t\"},\"subject\":{\"reference\":\"Patient/p1\"}}]"));
            StringAssert.Contains("\"fullUrl\":\"urn:uuid:", built);
            StringAssert.DoesNotContain("Patient/p1", built);

            string report = Sesgo.InspectCertificate(File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")));
            StringAssert.Contains("12345678909", report);
            string fromP12 = Sesgo.InspectCertificate(TestPki.Bytes("p12Aes"), TestPki.Password);
            StringAssert.Contains("12345678909", fromP12);
        }
    }
}
