package br.gov.go.saude.sesgo.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eu.europa.esig.dss.enumerations.DigestAlgorithm;
import eu.europa.esig.dss.enumerations.Indication;
import eu.europa.esig.dss.enumerations.JWSSerializationType;
import eu.europa.esig.dss.enumerations.SignatureLevel;
import eu.europa.esig.dss.enumerations.SignaturePackaging;
import eu.europa.esig.dss.jades.JAdESSignatureParameters;
import eu.europa.esig.dss.jades.JAdESSigningTimeType;
import eu.europa.esig.dss.jades.signature.JAdESService;
import eu.europa.esig.dss.model.CommonCommitmentType;
import eu.europa.esig.dss.model.DSSDocument;
import eu.europa.esig.dss.model.FileDocument;
import eu.europa.esig.dss.model.InMemoryDocument;
import eu.europa.esig.dss.model.Policy;
import eu.europa.esig.dss.model.SignatureValue;
import eu.europa.esig.dss.model.ToBeSigned;
import eu.europa.esig.dss.model.x509.CertificateToken;
import eu.europa.esig.dss.service.http.commons.TimestampDataLoader;
import eu.europa.esig.dss.service.tsp.OnlineTSPSource;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.spi.DSSUtils;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.spi.x509.revocation.crl.ExternalResourcesCRLSource;
import eu.europa.esig.dss.validation.SignedDocumentValidator;
import eu.europa.esig.dss.validation.reports.Reports;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * EU DSS 6.4 as the interop oracle of sesgo's policy-0.2.0 JAdES signatures (ADR 0050).
 * The cases file (system property {@code sesgo.interop.cases}, Java properties) is written
 * by {@code cargo xtask test interop}.
 */
class DssInteropTest {
    static Properties cases;

    @BeforeAll
    static void load() throws IOException {
        String path = System.getProperty("sesgo.interop.cases");
        assertNotNull(path, "sesgo.interop.cases not set: run `cargo xtask test interop`");
        assertFalse(path.isEmpty() || path.startsWith("${"), "sesgo.interop.cases not set: run `cargo xtask test interop`");
        cases = new Properties();
        try (InputStream in = new FileInputStream(path)) {
            cases.load(in);
        }
    }

    static String get(String k) {
        String v = cases.getProperty(k);
        assertNotNull(v, "cases without " + k);
        return v;
    }

    /** Trusts the test root; the test PKI's CRLs as the only revocation data; no network. */
    static CommonCertificateVerifier verifier() {
        CommonCertificateVerifier cv = new CommonCertificateVerifier();
        CommonTrustedCertificateSource trusted = new CommonTrustedCertificateSource();
        trusted.addCertificate(DSSUtils.loadCertificate(new java.io.File(get("rootDer"))));
        cv.setTrustedCertSources(trusted);
        List<DSSDocument> crls = new ArrayList<>();
        for (String c : get("crls").split(",")) {
            crls.add(new FileDocument(c));
        }
        cv.setCrlSource(new ExternalResourcesCRLSource(crls.toArray(new DSSDocument[0])));
        cv.setOcspSource(null);
        cv.setAIASource(null);
        return cv;
    }

    static SimpleReport validate(String file) {
        SignedDocumentValidator v = SignedDocumentValidator.fromDocument(new FileDocument(file));
        v.setCertificateVerifier(verifier());
        Reports reports = v.validateDocument();
        return reports.getSimpleReport();
    }

    static void expect(String file, SignatureLevel level) {
        SimpleReport r = validate(file);
        String id = r.getFirstSignatureId();
        assertNotNull(id, "DSS found no signature in " + file);
        String why = file + ": " + r.getIndication(id) + " / " + r.getSubIndication(id)
                + " errors " + r.getAdESValidationErrors(id) + " warnings " + r.getAdESValidationWarnings(id);
        assertEquals(level, r.getSignatureFormat(id), why);
        assertEquals(Indication.TOTAL_PASSED, r.getIndication(id), why);
    }

    /** (a) sesgo's policy-0.2.0 B-B is JAdES-BASELINE-B, TOTAL_PASSED. */
    @Test
    void sesgoBaselineBValidatesInDss() {
        expect(get("sesgoBB"), SignatureLevel.JAdES_BASELINE_B);
    }

    /** (a) sesgo's policy-0.2.0 B-T (etsiU sigTst in clear JSON) is JAdES-BASELINE-T. */
    @Test
    void sesgoBaselineTValidatesInDss() {
        expect(get("sesgoBT"), SignatureLevel.JAdES_BASELINE_T);
    }

    /**
     * (b) DSS signs the policy-0.2.0 payload (the 32-byte content digest) as
     * JAdES-BASELINE-T: enveloping, JSON serialization, x5t#S256, the full chain in x5c,
     * iat, sigPId, srCms commitment 1.2.840.10065.1.12.1.5, etsiU in clear JSON, the token
     * from the loopback test TSA. xtask then verifies the result with sesgo.
     */
    @Test
    void dssMakesABaselineT() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        char[] pw = get("password").toCharArray();
        try (InputStream in = new FileInputStream(get("p12"))) {
            ks.load(in, pw);
        }
        String alias = null;
        for (String a : java.util.Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(a)) {
                alias = a;
            }
        }
        assertNotNull(alias);
        PrivateKey key = (PrivateKey) ks.getKey(alias, pw);
        List<CertificateToken> chain = new ArrayList<>();
        for (java.security.cert.Certificate c : ks.getCertificateChain(alias)) {
            chain.add(new CertificateToken((X509Certificate) c));
        }
        for (String pem : new String[] {get("ac2Der"), get("ac1Der"), get("rootDer")}) {
            CertificateToken t = DSSUtils.loadCertificate(new java.io.File(pem));
            if (!chain.contains(t)) {
                chain.add(t);
            }
        }

        JAdESSignatureParameters p = new JAdESSignatureParameters();
        p.setSignatureLevel(SignatureLevel.JAdES_BASELINE_T);
        p.setSignaturePackaging(SignaturePackaging.ENVELOPING);
        p.setJwsSerializationType(JWSSerializationType.JSON_SERIALIZATION);
        p.setDigestAlgorithm(DigestAlgorithm.SHA256);
        p.setSigningCertificateDigestMethod(DigestAlgorithm.SHA256);
        p.setSigningCertificate(chain.get(0));
        p.setCertificateChain(chain);
        p.setIncludeSignatureType(false);
        p.setIncludeKeyIdentifier(false);
        p.setJadesSigningTimeType(JAdESSigningTimeType.IAT);
        p.setBase64UrlEncodedPayload(true);
        p.setBase64UrlEncodedEtsiUComponents(false);
        p.bLevel().setTrustAnchorBPPolicy(false);
        Policy policy = new Policy();
        policy.setId(get("policy"));
        p.bLevel().setSignaturePolicy(policy);
        CommonCommitmentType commitment = new CommonCommitmentType();
        commitment.setUri("urn:oid:1.2.840.10065.1.12.1.5");
        p.bLevel().setCommitmentTypeIndications(List.of(commitment));

        CommonCertificateVerifier cv = verifier();
        JAdESService service = new JAdESService(cv);
        TimestampDataLoader loader = new TimestampDataLoader();
        // The loopback TSA's TLS certificate is issued by the test root.
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", DSSUtils.loadCertificate(new java.io.File(get("rootDer"))).getCertificate());
        ByteArrayOutputStream ts = new ByteArrayOutputStream();
        trust.store(ts, "teste".toCharArray());
        loader.setSslTruststore(new InMemoryDocument(ts.toByteArray()));
        loader.setSslTruststoreType("PKCS12");
        loader.setSslTruststorePassword("teste".toCharArray());
        service.setTspSource(new OnlineTSPSource(get("tsaUrl"), loader));

        DSSDocument payload = new InMemoryDocument(Files.readAllBytes(Path.of(get("payload"))));
        ToBeSigned tbs = service.getDataToSign(payload, p);
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(tbs.getBytes());
        SignatureValue value = new SignatureValue(eu.europa.esig.dss.enumerations.SignatureAlgorithm.RSA_SHA256, rsa.sign());
        DSSDocument signed = service.signDocument(payload, p, value);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        signed.writeTo(out);
        Files.write(Path.of(get("dssOut")), out.toByteArray());
        String json = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"etsiU\":[{\"sigTst\""), json);
        // DSS accepts what it made.
        expect(get("dssOut"), SignatureLevel.JAdES_BASELINE_T);
    }
}
