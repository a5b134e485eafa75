// Signs the example Bundle with a PKCS#12 and verifies it with sesgo's JVM binding.
//
// Run from the repository root (single-file program, Java 17+):
//
//   SESGO_PASSWORD=... java -cp sesgo-0.1.0.jar examples/java/SignVerify.java \
//       <certificate.p12> <root SHA-256 hex> <CA chain PEM file>
//
// The trust store trusts the root with that SHA-256 fingerprint and uses the PEM file to
// complete the chain (with the test PKI of `cargo xtask testpki DIR`: `p12Aes`,
// `rootSha256` and `chainPem` of its manifest.json; password `teste123`).

import br.gov.go.saude.sesgo.Sesgo;
import br.gov.go.saude.sesgo.SesgoException;
import br.gov.go.saude.sesgo.SignResult;
import br.gov.go.saude.sesgo.Signer;
import br.gov.go.saude.sesgo.TrustStore;
import br.gov.go.saude.sesgo.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

public class SignVerify {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SESGO_PASSWORD=... java -cp sesgo.jar SignVerify.java <p12> <rootSha256> <chainPem>");
            System.exit(2);
        }
        String pw = System.getenv("SESGO_PASSWORD");
        if (pw == null) {
            System.err.println("set SESGO_PASSWORD to the PKCS#12 password");
            System.exit(2);
        }
        byte[] p12 = Files.readAllBytes(Path.of(args[0]));
        byte[] bundle = Files.readAllBytes(Path.of("examples/bundle.json"));
        byte[] provenance = Files.readAllBytes(Path.of("examples/provenance.json"));

        // Revocation: under the default "strict" policy an OCSP/CRL status that cannot be
        // obtained is an error; this example reports it as a warning, so it also runs where
        // the responders named in the certificates cannot be reached.
        String options = "{\"policy\":\"" + Sesgo.POLICY_0_1_2 + "\","
                + "\"settings\":{\"revocationPolicy\":\"warn\"}}";

        char[] password = pw.toCharArray();
        try (Signer signer = Signer.fromPkcs12(p12, password, null);
                TrustStore trust = TrustStore.builder()
                        .rootSha256(args[1])
                        .caCertsPem(Files.readString(Path.of(args[2])))
                        .build()) {
            Arrays.fill(password, '\0'); // the signer holds what it needs

            SignResult signed = Sesgo.signResult(bundle, provenance, signer, trust, options);
            System.out.println("sesgo " + Sesgo.version());
            System.out.println("signed Bundle: " + signed.bundleJson().length() + " characters");
            System.out.println("warnings: " + (signed.warningsJson() == null ? "none" : signed.warningsJson()));

            // The receiver verifies the transfer Bundle alone.
            byte[] received = signed.bundleJson().getBytes(StandardCharsets.UTF_8);
            VerificationResult v = Sesgo.verifyResult(trust, null, null, received, null, options);
            System.out.println("valid: " + v.isValid());
            System.out.println("outcome: " + v.outcomeJson());

            // A changed value breaks the signature: a result, not an exception.
            byte[] tampered = signed.bundleJson().replace("36.50", "39.50").getBytes(StandardCharsets.UTF_8);
            VerificationResult t = Sesgo.verifyResult(trust, null, null, tampered, null, options);
            System.out.println("tampered valid: " + t.isValid());
            if (!v.isValid() || t.isValid()) {
                System.exit(1);
            }
        } catch (SesgoException e) {
            // Refusals carry the guide's code, the location and the OperationOutcome.
            System.err.println(e.code() + " at " + e.location() + ": " + e.diagnostics());
            System.err.println(e.operationOutcomeJson());
            System.exit(1);
        }
    }
}
