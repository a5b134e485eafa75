using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Br.Gov.Go.Saude.Sesgo;
using NUnit.Framework;

namespace Br.Gov.Go.Saude.Sesgo.Tests
{
    /// <summary>Handles: disposal, finalization, sharing between threads, and no leaks.</summary>
    [TestFixture]
    public class LifecycleTests
    {
        [Test]
        public void UseAfterDisposeIsObjectDisposedException()
        {
            TrustStore trust = TestPki.Trust();
            Signer signer = TestPki.Pkcs12Signer();
            signer.Dispose();
            signer.Dispose(); // idempotent
            Assert.IsTrue(signer.IsDisposed);
            var e = Assert.Throws<ObjectDisposedException>(() => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust));
            Assert.AreEqual("Signer", e.ObjectName);

            trust.Dispose();
            e = Assert.Throws<ObjectDisposedException>(() => Sesgo.Verify(trust, bundle: TestPki.Bundle));
            Assert.AreEqual("TrustStore", e.ObjectName);
            using (Signer live = TestPki.Pkcs12Signer())
            {
                Assert.Throws<ObjectDisposedException>(() => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, live, trust));
            }
        }

        [Test]
        public void DisposeDuringACallWaitsForIt()
        {
            // The external function disposes its own signer and the trust store mid-call: the
            // handles are released only when the call returns, so the call completes.
            using (var cert = new X509Certificate2(TestPki.Bytes("p12_3des"), TestPki.Password))
            using (RSA key = cert.GetRSAPrivateKey())
            {
                TrustStore trust = TestPki.Trust();
                Signer signer = null;
                signer = Signer.External(File.ReadAllBytes(TestPki.Cert("ecpf", "certPem")), input =>
                {
                    signer.Dispose();
                    trust.Dispose();
                    return key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                });
                SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust, TestPki.Warn);
                StringAssert.StartsWith("{\"resourceType\":\"Bundle\"", signed.BundleJson);
                Assert.IsTrue(signer.IsDisposed);
                Assert.Throws<ObjectDisposedException>(() => Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, signer, trust));
            }
        }

        [Test]
        public void ForgottenHandlesAreReleasedByTheFinalizer()
        {
            WeakReference[] refs = AbandonHandles(50);
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            foreach (WeakReference r in refs)
            {
                Assert.IsFalse(r.IsAlive, "an undisposed signer/trust store must be collectable");
            }
        }

        private static WeakReference[] AbandonHandles(int n)
        {
            var refs = new List<WeakReference>();
            byte[] leaf = File.ReadAllBytes(TestPki.Cert("ecpf", "certPem"));
            for (int i = 0; i < n; i++)
            {
                refs.Add(new WeakReference(TrustStore.FromJson(null)));
                refs.Add(new WeakReference(Signer.External(leaf, input => input)));
            }
            return refs.ToArray();
        }

        [Test]
        public void EightThreadsShareOneTrustStore()
        {
            const int threads = 8;
            const int rounds = 6;
            string options = TestPki.Options(Sesgo.Policy012, TestPki.Now);
            using (TrustStore trust = TestPki.Trust())
            using (Signer shared = TestPki.Pkcs12Signer())
            using (var cert = new X509Certificate2(TestPki.Bytes("p12_3des"), TestPki.Password))
            using (Signer external = Signer.External(cert))
            {
                string expected = TestPki.SignatureData(Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, shared, trust, options));
                var failures = new List<string>();
                var workers = new List<Thread>();
                using (var start = new ManualResetEvent(false))
                {
                    for (int t = 0; t < threads; t++)
                    {
                        int id = t;
                        var th = new Thread(() =>
                        {
                            start.WaitOne();
                            try
                            {
                                for (int r = 0; r < rounds; r++)
                                {
                                    Signer s = (id + r) % 2 == 0 ? shared : external;
                                    SignResult signed = Sesgo.Sign(TestPki.Bundle, TestPki.Provenance, s, trust, options);
                                    if (TestPki.SignatureData(signed) != expected)
                                    {
                                        throw new Exception("different signature on thread " + id);
                                    }
                                    if (!Sesgo.Verify(trust, bundle: signed.BundleUtf8(), optionsJson: options).Valid)
                                    {
                                        throw new Exception("invalid on thread " + id);
                                    }
                                    byte[] tampered = TestPki.Utf8(signed.BundleJson.Replace("36.50", "36.51"));
                                    if (Sesgo.Verify(trust, bundle: tampered, optionsJson: options).Valid)
                                    {
                                        throw new Exception("tampered valid on thread " + id);
                                    }
                                }
                            }
                            catch (Exception e)
                            {
                                lock (failures)
                                {
                                    failures.Add(e.ToString());
                                }
                            }
                        });
                        th.Start();
                        workers.Add(th);
                    }
                    start.Set();
                    foreach (Thread th in workers)
                    {
                        th.Join();
                    }
                }
                CollectionAssert.IsEmpty(failures);
            }
        }

        /// <summary>
        /// 10,000 calls (a tenth signing, a tenth creating, using and disposing an external
        /// signer, the rest verifying) with stable memory: neither native handles nor callback state (GCHandles) nor result buffers may
        /// leak. Loose bounds: managed heap within 8 MiB, resident set within 64 MiB of the
        /// measurement after warm-up.
        /// </summary>
        [Test]
        public void TenThousandCallsWithStableMemory()
        {
            string options = TestPki.Options(Sesgo.Policy012, TestPki.Now);
            byte[] bundle = TestPki.Bundle;
            byte[] provenance = TestPki.Provenance;
            byte[] leaf = File.ReadAllBytes(TestPki.Cert("ecpf", "certPem"));
            using (TrustStore trust = TestPki.Trust())
            using (Signer signer = TestPki.Pkcs12Signer())
            using (var cert = new X509Certificate2(TestPki.Bytes("p12_3des"), TestPki.Password))
            using (RSA key = cert.GetRSAPrivateKey())
            {
                byte[] received = Sesgo.Sign(bundle, provenance, signer, trust, options).BundleUtf8();
                Func<byte[], byte[]> sign = input => key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                Action<int> round = i =>
                {
                    switch (i % 10)
                    {
                        case 0:
                            Sesgo.Sign(bundle, provenance, signer, trust, options);
                            break;
                        case 1:
                            using (Signer external = Signer.External(leaf, sign))
                            {
                                Sesgo.Sign(bundle, provenance, external, trust, options);
                            }
                            break;
                        default:
                            if (!Sesgo.Verify(trust, bundle: received, optionsJson: options).Valid)
                            {
                                throw new Exception("invalid at " + i);
                            }
                            break;
                    }
                };
                for (int i = 0; i < 400; i++)
                {
                    round(i);
                }
                long heapBefore = Settle();
                long rssBefore = Rss();
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < 10000; i++)
                {
                    round(i);
                }
                clock.Stop();
                long heapAfter = Settle();
                long rssAfter = Rss();
                Console.WriteLine(
                    "10000 calls in {0} ms; managed heap {1} -> {2} KiB; RSS {3} -> {4} KiB",
                    clock.ElapsedMilliseconds, heapBefore / 1024, heapAfter / 1024, rssBefore / 1024, rssAfter / 1024);
                Assert.Less(heapAfter - heapBefore, 8L << 20, "managed heap grew");
                Assert.Less(rssAfter - rssBefore, 64L << 20, "resident set grew");
            }
        }

        private static long Settle()
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            return GC.GetTotalMemory(true);
        }

        /// <summary>Resident set size (Linux /proc; elsewhere the working set).</summary>
        private static long Rss()
        {
            const string status = "/proc/self/status";
            if (File.Exists(status))
            {
                foreach (string line in File.ReadAllLines(status))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        string[] parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                        return long.Parse(parts[1]) * 1024;
                    }
                }
            }
            using (Process p = Process.GetCurrentProcess())
            {
                return p.WorkingSet64;
            }
        }
    }
}
