// Signs the example Bundle with a PKCS#12 and verifies it with sesgo's .NET binding.
//
// Build (Mono; with a .NET SDK, reference the NuGet package Br.Gov.Go.Saude.Sesgo instead):
//
//   mcs -out:SignVerify.exe -r:Br.Gov.Go.Saude.Sesgo.dll examples/dotnet/SignVerify.cs
//
// Run from the repository root:
//
//   SESGO_PASSWORD=... mono SignVerify.exe <certificate.p12> <root SHA-256 hex> <CA chain PEM file>
//
// The trust store trusts the root with that SHA-256 fingerprint and uses the PEM file to
// complete the chain (with the test PKI of `cargo xtask testpki DIR`: `p12Aes`,
// `rootSha256` and `chainPem` of its manifest.json; password `teste123`). The native
// library is found next to the assembly (runtimes/<rid>/native/, the NuGet layout) or
// where SESGO_NATIVE_LIBRARY points.

using System;
using System.IO;
using System.Text;
using Br.Gov.Go.Saude.Sesgo;

public static class SignVerify
{
    public static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: SESGO_PASSWORD=... mono SignVerify.exe <p12> <rootSha256> <chainPem>");
            return 2;
        }
        string password = Environment.GetEnvironmentVariable("SESGO_PASSWORD");
        if (password == null)
        {
            Console.Error.WriteLine("set SESGO_PASSWORD to the PKCS#12 password");
            return 2;
        }
        byte[] p12 = File.ReadAllBytes(args[0]);
        byte[] bundle = File.ReadAllBytes("examples/bundle.json");
        byte[] provenance = File.ReadAllBytes("examples/provenance.json");

        // Revocation: under the default "strict" policy an OCSP/CRL status that cannot be
        // obtained is an error; this example reports it as a warning, so it also runs where
        // the responders named in the certificates cannot be reached.
        string options = "{\"policy\":\"" + Sesgo.Policy012 + "\","
            + "\"settings\":{\"revocationPolicy\":\"warn\"}}";

        try
        {
            using (Signer signer = Signer.FromPkcs12(p12, password))
            using (TrustStore trust = TrustStore.NewBuilder()
                .RootSha256(args[1])
                .CaCertsPem(File.ReadAllText(args[2]))
                .Build())
            {
                SignResult signed = Sesgo.Sign(bundle, provenance, signer, trust, options);
                Console.WriteLine("sesgo " + Sesgo.Version + " (" + SesgoLibrary.LoadedPath + ")");
                Console.WriteLine("signed Bundle: " + signed.BundleJson.Length + " characters");
                Console.WriteLine("warnings: " + (signed.WarningsJson ?? "none"));

                // The receiver verifies the transfer Bundle alone.
                VerificationResult v = Sesgo.Verify(trust, bundle: signed.BundleUtf8(), optionsJson: options);
                Console.WriteLine("valid: " + (v.Valid ? "true" : "false"));
                foreach (Issue issue in v.Issues)
                {
                    Console.WriteLine("  " + issue);
                }

                // A changed value breaks the signature: a result, not an exception.
                byte[] tampered = Encoding.UTF8.GetBytes(signed.BundleJson.Replace("36.50", "39.50"));
                VerificationResult t = Sesgo.Verify(trust, bundle: tampered, optionsJson: options);
                Console.WriteLine("tampered valid: " + (t.Valid ? "true" : "false"));
                foreach (Issue issue in t.Issues)
                {
                    Console.WriteLine("  " + issue);
                }
                return v.Valid && !t.Valid ? 0 : 1;
            }
        }
        catch (SesgoException e)
        {
            // Refusals carry the guide's code, the location and the OperationOutcome.
            Console.Error.WriteLine(e.Code + " at " + e.Location + ": " + e.Diagnostics);
            Console.Error.WriteLine(e.OperationOutcomeJson);
            return 1;
        }
    }
}
