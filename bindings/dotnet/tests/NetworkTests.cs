using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Br.Gov.Go.Saude.Sesgo;
using NUnit.Framework;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    /// <summary>
    /// The network context over the C ABI (docs/adr/0055): a chain completed through AIA from
    /// the loopback server xtask runs, a C# transport that sees every request, offline mode
    /// with the guide's codes, the trust-store refresh and report.
    /// </summary>
    [TestFixture]
    public class NetworkTests
    {
        private readonly List<string> dirs = new List<string>();

        private string Cache(string name)
        {
            string dir = TestPki.TempDir(name);
            dirs.Add(dir);
            return "{\"cacheDir\":" + Json.String(dir) + "}";
        }

        [TestFixtureTearDown]
        public void RemoveCaches()
        {
            foreach (string d in dirs)
            {
                if (Directory.Exists(d))
                {
                    Directory.Delete(d, true);
                }
            }
        }

        private static TrustStore OnlineRoot()
        {
            return TrustStore.NewBuilder().RootSha256(TestPki.Online("rootSha256")).Build();
        }

        /// <summary>Serves GETs under the loopback server's URL from its directory; refuses the rest.</summary>
        private static Fetcher FilesOnly(List<string> purposes)
        {
            string baseUrl = TestPki.Online("baseUrl");
            string www = TestPki.Online("www");
            return request =>
            {
                lock (purposes)
                {
                    purposes.Add(request.Purpose);
                }
                Assert.Greater(request.Timeout, TimeSpan.Zero);
                Assert.Greater(request.MaxBytes, 0);
                if (request.Method != "GET" || !request.Url.StartsWith(baseUrl, StringComparison.Ordinal))
                {
                    throw new IOException("somente arquivos");
                }
                string path = Path.Combine(www, request.Url.Substring(baseUrl.Length + 1));
                return File.Exists(path) ? new FetchResponse(200, File.ReadAllBytes(path)) : new FetchResponse(404, null);
            };
        }

        private static int Count(List<string> list, string what)
        {
            return list.FindAll(p => p == what).Count;
        }

        [Test]
        public void ALeafIsCompletedThroughAia()
        {
            byte[] leaf = File.ReadAllBytes(TestPki.Online("ecpf", "certPem"));
            using (TrustStore roots = OnlineRoot())
            {
                var e = Assert.Throws<SesgoException>(() => Sesgo.BuildX5c(leaf, roots));
                Assert.AreEqual("CERT.CHAIN-INCOMPLETE", e.Code);
                using (Network net = Network.Create(null, Cache("x5c")))
                using (TrustStore online = net.Attach(roots))
                {
                    string[] x5c = Sesgo.BuildX5c(leaf, online);
                    Assert.AreEqual(4, x5c.Length);
                    Assert.AreEqual(Convert.ToBase64String(Convert.FromBase64String(x5c[0])), x5c[0]);
                }
            }
        }

        [Test]
        public void ALeafOnlySignatureVerifiesStrictlyThroughAia()
        {
            // x5c holds only the leaf (another signer's signature); only the root is trusted;
            // default strict revocation: the chain through AIA and the statuses from the CRLs,
            // all through the network attached to the trust store.
            byte[] bundle = File.ReadAllBytes(TestPki.Online("leafOnlyBundle"));
            using (TrustStore roots = OnlineRoot())
            {
                VerificationResult plain = Sesgo.Verify(roots, bundle: bundle);
                Assert.IsFalse(plain.Valid);
                Assert.IsTrue(plain.OutcomeJson.Contains("CERT.CHAIN-INCOMPLETE"), plain.OutcomeJson);
                TrustStore online;
                using (Network net = Network.Create(null, Cache("leaf-only")))
                {
                    online = net.Attach(roots);
                    string show = net.ShowTrustStore(roots);
                    Assert.IsTrue(show.Contains(TestPki.Online("rootSha256")), show);
                }
                // The attached store outlives the network it came from.
                using (online)
                {
                    VerificationResult v = Sesgo.Verify(online, bundle: bundle);
                    Assert.IsTrue(v.Valid, v.OutcomeJson);
                    Assert.AreEqual("TOTAL-PASSED", v.Indication);
                }
            }
        }

        [Test]
        public void ACSharpTransportSeesAiaOcspAndCrlRequests()
        {
            byte[] bundle = File.ReadAllBytes(TestPki.Online("leafOnlyBundle"));
            var purposes = new List<string>();
            string dir = TestPki.TempDir("host");
            dirs.Add(dir);
            using (TrustStore roots = OnlineRoot())
            using (Network net = Network.NewBuilder().CacheDir(dir).Fetcher(FilesOnly(purposes)).Build())
            using (TrustStore online = net.Attach(roots))
            {
                VerificationResult v = Sesgo.Verify(online, bundle: bundle);
                Assert.IsTrue(v.Valid, v.OutcomeJson);
            }
            Assert.AreEqual(3, Count(purposes, "aia"), string.Join(",", purposes));
            Assert.AreEqual(3, Count(purposes, "ocsp"), string.Join(",", purposes));
            Assert.AreEqual(3, Count(purposes, "crl"), string.Join(",", purposes));
        }

        [Test]
        public void OfflineReachesNothingAndGivesTheGuidesCodes()
        {
            var purposes = new List<string>();
            string dir = TestPki.TempDir("offline");
            dirs.Add(dir);
            using (Network net = Network.NewBuilder().Offline().CacheDir(dir).Fetcher(FilesOnly(purposes)).Build())
            using (TrustStore trust = TestPki.Trust())
            using (TrustStore attached = net.Attach(trust))
            using (Signer signer = TestPki.TripleDesSigner())
            {
                // OCSP and CRL under strict: REVOCATION.NO-CONNECTIVITY.
                var e = Assert.Throws<SesgoException>(
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, attached));
                Assert.AreEqual("REVOCATION.NO-CONNECTIVITY", e.Code);
                // The TSA: TSA.UNAVAILABLE.
                string tsa = "{\"strategy\":\"tsa\",\"settings\":{\"revocationPolicy\":\"off\",\"tsaUrl\":"
                    + Json.String(TestPki.Cert("tsa", "url")) + "}}";
                e = Assert.Throws<SesgoException>(
                    () => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, attached, tsa));
                Assert.AreEqual("TSA.UNAVAILABLE", e.Code);
                // AIA: a leaf alone stays incomplete, saying offline.
                using (TrustStore roots = OnlineRoot())
                using (TrustStore online = net.Attach(roots))
                {
                    e = Assert.Throws<SesgoException>(
                        () => Sesgo.BuildX5c(File.ReadAllBytes(TestPki.Online("ecpf", "certPem")), online));
                    Assert.AreEqual("CERT.CHAIN-INCOMPLETE", e.Code);
                    StringAssert.Contains("offline", e.Diagnostics);
                }
                // A token: CONFIG.INVALID-PARAMETER at "network".
                e = Assert.Throws<SesgoException>(() => Sesgo.Token(
                    signer,
                    "{\"tokenEndpoint\":\"https://127.0.0.1:1/token\",\"clientId\":\"c\",\"clientSecret\":\"s\",\"cache\":false}",
                    net));
                Assert.AreEqual("CONFIG.INVALID-PARAMETER", e.Code);
                Assert.AreEqual("network", e.Location);
                // The ITI archive: NETWORK.HASH-DOWNLOAD-FAILED; the report still answers.
                e = Assert.Throws<SesgoException>(() => net.RefreshTrustStore());
                Assert.AreEqual("NETWORK.HASH-DOWNLOAD-FAILED", e.Code);
                var show = JsonValue.Parse(net.ShowTrustStore(trust));
                Assert.AreEqual(JsonValue.Kind.Null, show.Get("itiArchive").Type);
                Assert.AreEqual(dir, show.GetString("cacheDir"));
            }
            Assert.AreEqual(0, purposes.Count, string.Join(",", purposes));
        }

        [Test]
        public void NetworkOptionsAreChecked()
        {
            string dir = TestPki.TempDir("urls");
            dirs.Add(dir);
            var e = Assert.Throws<SesgoException>(() => Network.NewBuilder()
                .CacheDir(dir).TrustStoreUrls("http://127.0.0.1:1/a.zip", null).Build());
            Assert.AreEqual("CONFIG.TRUST-STORE-URL-INVALID", e.Code);
            e = Assert.Throws<SesgoException>(() => Network.Create("{\"aiaTimeoutSecs\":1}", null));
            StringAssert.StartsWith("CONFIG.", e.Code);
            Assert.AreEqual("{\"network\":false,\"aiaTimeoutSecs\":30}", Network.NewBuilder().Offline().Settings("{\"aiaTimeoutSecs\":30}").SettingsJson());
            Network disposed = Network.Create(null, Cache("disposed"));
            disposed.Dispose();
            disposed.Dispose();
            Assert.IsTrue(disposed.IsDisposed);
            using (TrustStore t = TestPki.Trust())
            {
                Assert.Throws<ObjectDisposedException>(() => disposed.Attach(t));
            }
        }
    }
}
