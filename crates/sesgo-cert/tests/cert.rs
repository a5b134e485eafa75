//! Integration tests against a freshly generated test PKI.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]
use sesgo_cert::testpki::{TestPki, CA_ALIAS, ECPF_ALIAS};
use sesgo_cert::*;
use sesgo_core::{Code, Severity};

fn pki() -> &'static TestPki {
    TestPki::shared()
}
fn c(d: &[u8]) -> Certificate {
    Certificate::from_der(d).unwrap()
}
fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}
fn now() -> i64 {
    now_unix()
}
fn codes(f: &[sesgo_core::Finding]) -> Vec<Code> {
    f.iter().map(|x| x.code()).collect()
}
fn full_chain() -> Vec<Certificate> {
    let p = pki();
    vec![c(&p.ecpf.der), c(&p.ac2.der), c(&p.ac1.der), c(&p.root.der)]
}
fn trust() -> TrustStore {
    TrustStore::from_fingerprints([pki().root_sha256.as_str()]).unwrap()
}

fn check_creds(cr: &Credentials) {
    let p = pki();
    assert_eq!(cr.leaf().der(), &p.ecpf.der[..]);
    let msg = b"eyJhbGciOiJSUzI1NiJ9.cGF5bG9hZA";
    let sig = cr.sign_rs256(msg).unwrap();
    use rsa::signature::Verifier;
    // RustCrypto as an independent second implementation (the product signs with OpenSSL).
    let k = cr.leaf().public_key().unwrap();
    let public = rsa::RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(&k.modulus()),
        rsa::BigUint::from_bytes_be(&k.exponent()),
    )
    .unwrap();
    let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    vk.verify(
        msg,
        &rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap(),
    )
    .unwrap();
}

#[test]
fn pkcs12_all_encodings_load() {
    let p = pki();
    for f in [&p.p12_aes, &p.p12_3des, &p.p12_rc2] {
        for alias in [None, Some(ECPF_ALIAS)] {
            let cr = Credentials::from_pkcs12(&read(f), &p.password, alias)
                .unwrap_or_else(|e| panic!("{f:?}: {e}"));
            check_creds(&cr);
            assert_eq!(cr.chain().len(), 4, "{f:?}");
            assert_eq!(cr.alias(), Some(ECPF_ALIAS));
        }
    }
    let cr = Credentials::from_pkcs12(&read(&p.p12_ecnpj), &p.password, None).unwrap();
    assert_eq!(cr.leaf().der(), &p.ecnpj.der[..]);
}

#[test]
fn pkcs12_failures_are_coded() {
    let p = pki();
    for f in [&p.p12_aes, &p.p12_3des, &p.p12_rc2] {
        let e = Credentials::from_pkcs12(&read(f), "senha-errada", None).unwrap_err();
        assert_eq!(e.code(), Code::CryptoKeyInaccessible, "{f:?}");
    }
    let bytes = read(&p.p12_aes);
    let e = Credentials::from_pkcs12(&bytes, &p.password, Some("inexistente")).unwrap_err();
    assert_eq!(e.code(), Code::DeviceCertificateNotFound);
    assert!(e.to_string().contains("inexistente"));
    let e = Credentials::from_pkcs12(&bytes, &p.password, Some(CA_ALIAS)).unwrap_err();
    assert_eq!(e.code(), Code::DeviceKeyAccessDenied);
    let e = Credentials::from_pkcs12(&read(&p.p12_cert_only), &p.password, Some(ECPF_ALIAS))
        .unwrap_err();
    assert_eq!(e.code(), Code::DeviceKeyAccessDenied);
    let e = Credentials::from_pkcs12(&read(&p.p12_cert_only), &p.password, None).unwrap_err();
    assert_eq!(e.code(), Code::DeviceKeyAccessDenied);
    let e = Credentials::from_pkcs12(b"definitely not a pfx", &p.password, None).unwrap_err();
    assert_eq!(e.code(), Code::CertInvalidFormat);
    let mut trunc = bytes.clone();
    trunc.truncate(bytes.len() / 2);
    assert_eq!(
        Credentials::from_pkcs12(&trunc, &p.password, None)
            .unwrap_err()
            .code(),
        Code::CertInvalidFormat
    );
    // flipped byte inside the authSafe: MAC mismatch
    let mut tampered = bytes.clone();
    let i = bytes.len() / 2;
    tampered[i] ^= 0x01;
    let e = Credentials::from_pkcs12(&tampered, &p.password, None).unwrap_err();
    assert!(
        matches!(
            e.code(),
            Code::CryptoKeyInaccessible | Code::CertInvalidFormat
        ),
        "{e}"
    );
}

#[test]
fn pem_keys_load() {
    let p = pki();
    let chain = std::fs::read(&p.chain_pem).unwrap();
    let mut bundle = read(&p.ecpf.cert_pem);
    bundle.extend_from_slice(&chain);
    let plain = Credentials::from_pem(&read(&p.ecpf.key_pem), None, &bundle).unwrap();
    check_creds(&plain);
    assert_eq!(plain.chain().len(), 4);
    // leaf anywhere in the bundle
    let mut shuffled = chain.clone();
    shuffled.extend_from_slice(&read(&p.ecpf.cert_pem));
    let enc = Credentials::from_pem(
        &read(&p.key_pkcs8_encrypted),
        Some(p.password.as_bytes()),
        &shuffled,
    )
    .unwrap();
    check_creds(&enc);
    let pk1 = Credentials::from_pem(&read(&p.key_pkcs1), None, &bundle).unwrap();
    check_creds(&pk1);
    let e =
        Credentials::from_pem(&read(&p.key_pkcs8_encrypted), Some(b"errada"), &bundle).unwrap_err();
    assert_eq!(e.code(), Code::CryptoKeyInaccessible);
    let e = Credentials::from_pem(&read(&p.key_pkcs8_encrypted), None, &bundle).unwrap_err();
    assert_eq!(e.code(), Code::CryptoKeyInaccessible);
    let e = Credentials::from_pem(
        &read(&p.ecpf.key_pem),
        None,
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::FormatCertPemInvalid);
    let e =
        Credentials::from_pem(&read(&p.ecpf.key_pem), None, &read(&p.ecnpj.cert_pem)).unwrap_err();
    assert_eq!(e.code(), Code::DeviceCertificateNotFound);
    let e = Credentials::from_pem(b"garbage", None, &bundle).unwrap_err();
    assert_eq!(e.code(), Code::CryptoKeyInaccessible);
}

#[test]
fn certificate_formats() {
    let p = pki();
    let der = c(&p.ecpf.der);
    let pem = Certificate::from_pem(read(&p.ecpf.cert_pem)).unwrap();
    assert_eq!(der, pem);
    assert_eq!(Certificate::from_pem(der.to_pem()).unwrap(), der);
    let x5c = [der.to_base64(), c(&p.ac2.der).to_base64()];
    let certs = parse_x5c(&x5c).unwrap();
    assert_eq!(certs.len(), 2);
    let e = parse_x5c(&[der.to_base64(), "@@@".to_string()]).unwrap_err();
    assert_eq!(e.code(), Code::FormatBase64Invalid);
    assert!(e.primary().locations().contains(&"x5c[1]".to_string()));
    let e = parse_x5c(&["AAAA"]).unwrap_err();
    assert_eq!(e.code(), Code::CertInvalidFormat);
    assert_eq!(
        Certificate::from_der(b"xx").unwrap_err().code(),
        Code::CertInvalidFormat
    );
    assert_eq!(
        Certificate::from_pem("nothing").unwrap_err().code(),
        Code::FormatCertPemInvalid
    );
    assert_eq!(
        Certificate::all_from_pem(read(&p.chain_pem)).unwrap().len(),
        3
    );
}

#[test]
fn identity_octet_printable_utf8_ecnpj() {
    let p = pki();
    let id = Identity::from_certificate(&c(&p.ecpf.der));
    let per = id.person.clone().unwrap();
    assert_eq!(per.birth_date.as_deref(), Some("01011980"));
    assert_eq!(per.cpf.as_deref(), Some("12345678909"));
    assert_eq!(per.nis, None);
    assert_eq!(per.rg.as_deref(), Some("000000012345678"));
    assert_eq!(per.rg_issuer.as_deref(), Some("SSP"));
    assert_eq!(per.rg_uf.as_deref(), Some("SP"));
    assert_eq!(per.encoding, Some(ValueEncoding::OctetString));
    let v = id.voter_id.clone().unwrap();
    assert_eq!(v.number.as_deref(), Some("123456789012"));
    assert_eq!(v.municipality_uf.as_deref(), Some("BRASILIADF"));
    assert_eq!(id.cn_document.as_deref(), Some("12345678909"));
    assert!(id.findings.is_empty(), "{:?}", id.findings);
    assert_eq!(
        id.signer_id().unwrap(),
        SignerId {
            system: CPF_SYSTEM,
            value: "12345678909".into()
        }
    );

    let id = Identity::from_certificate(&c(&p.ecpf_printable.der));
    let per = id.person.clone().unwrap();
    assert_eq!(per.encoding, Some(ValueEncoding::PrintableString));
    assert_eq!(per.cpf.as_deref(), Some("52998224725"));
    assert_eq!((per.rg, per.rg_issuer, per.rg_uf), (None, None, None));
    assert!(id.findings.is_empty(), "{:?}", id.findings);

    let id = Identity::from_certificate(&c(&p.ecpf_utf8.der));
    assert_eq!(
        id.person.as_ref().unwrap().encoding,
        Some(ValueEncoding::Utf8String)
    );
    assert_eq!(
        id.person.as_ref().unwrap().cpf.as_deref(),
        Some("11144477735")
    );
    assert!(id
        .findings
        .iter()
        .any(|f| f.code() == Code::CertInvalidFormat && f.diagnostics().contains("Utf8String")));
    assert!(id
        .findings
        .iter()
        .any(|f| f.diagnostics().contains("37 caracteres")));
    assert!(id
        .findings
        .iter()
        .all(|f| f.severity() == Severity::Warning));

    let id = Identity::from_certificate(&c(&p.ecnpj.der));
    assert_eq!(id.cnpj.as_deref(), Some("11222333000181"));
    assert_eq!(
        id.responsible.as_ref().unwrap().cpf.as_deref(),
        Some("12345678909")
    );
    assert_eq!(
        id.responsible_name.as_deref(),
        Some("FULANO DE TAL DA SILVA")
    );
    assert_eq!(id.cei_company, None);
    assert_eq!(
        id.signer_id().unwrap(),
        SignerId {
            system: CNPJ_SYSTEM,
            value: "11222333000181".into()
        }
    );

    let id = Identity::from_certificate(&c(&p.ecpf_cn_mismatch.der));
    assert!(id.has_disagreement());
    // no SAN identity at all
    let e = Identity::from_certificate(&c(&p.root.der))
        .signer_id()
        .unwrap_err();
    assert_eq!(e.code(), Code::CertMissingIdentification);
}

#[test]
fn check_digits() {
    for ok in ["12345678909", "52998224725", "11144477735", "39053344705"] {
        assert!(is_valid_cpf(ok), "{ok}");
    }
    for bad in [
        "12345678900",
        "11111111111",
        "00000000000",
        "1234567890",
        "1234567890a",
        "52998224724",
    ] {
        assert!(!is_valid_cpf(bad), "{bad}");
    }
    for ok in ["11222333000181", "11444777000161", "00000000000191"] {
        assert!(is_valid_cnpj(ok), "{ok}");
    }
    for bad in [
        "11222333000182",
        "00000000000000",
        "1122233300018",
        "11111111111111",
    ] {
        assert!(!is_valid_cnpj(bad), "{bad}");
    }
}

#[test]
fn eligibility() {
    let p = pki();
    let o = EligibilityOptions::at(now());
    use SignaturePolicyFamily::*;
    assert!(check_eligibility(&c(&p.ecpf.der), V01, &o).is_empty());
    assert!(check_eligibility(&c(&p.ecpf.der), V020, &o).is_empty());
    assert!(check_eligibility(&c(&p.ecpf_printable.der), V01, &o).is_empty());
    assert!(check_eligibility(&c(&p.ecnpj.der), V01, &o).is_empty());
    assert!(check_eligibility(&c(&p.eseal.der), V020, &o).is_empty());
    assert_eq!(
        codes(&check_eligibility(&c(&p.ecpf_printable.der), V020, &o)),
        [Code::CertNotIcpBrasil]
    );

    let weak = check_eligibility(&c(&p.weak_key.der), V01, &o);
    assert_eq!(codes(&weak), [Code::CertWeakKey]);
    assert_eq!(weak[0].severity(), Severity::Error);
    assert_eq!(
        codes(&check_eligibility(&c(&p.no_icp_policy.der), V01, &o)),
        [Code::CertNotIcpBrasil]
    );
    let nods = check_eligibility(&c(&p.no_digital_signature.der), V020, &o);
    assert_eq!(codes(&nods), [Code::CertNotIcpBrasil]);
    assert!(nods[0].diagnostics().contains("digitalSignature"));
    assert_eq!(
        codes(&check_eligibility(&c(&p.issued_too_early.der), V01, &o)),
        [Code::CertIssueDateTooOld]
    );
    let leaf = c(&p.ecpf.der);
    let later = EligibilityOptions::at(leaf.not_after() + 1);
    assert_eq!(
        codes(&check_eligibility(&leaf, V01, &later)),
        [Code::CertExpired]
    );
    let earlier = EligibilityOptions {
        min_cert_issue_date: 0,
        ..EligibilityOptions::at(leaf.not_before() - 10)
    };
    assert_eq!(
        codes(&check_eligibility(&leaf, V01, &earlier)),
        [Code::CertNotYetValid]
    );
    let near = check_eligibility(
        &leaf,
        V01,
        &EligibilityOptions::at(leaf.not_after() - 86_400),
    );
    assert_eq!(codes(&near), [Code::CertNearExpiry]);
    assert_eq!(near[0].severity(), Severity::Warning);
    // CN disagreement blocks 0.2.0 only
    assert!(check_eligibility(&c(&p.ecpf_cn_mismatch.der), V01, &o).is_empty());
    assert_eq!(
        codes(&check_eligibility(&c(&p.ecpf_cn_mismatch.der), V020, &o)),
        [Code::CertMissingIdentification]
    );
    // A1 e-CNPJ under 0.2.0: policy refused
    assert!(codes(&check_eligibility(&c(&p.ecnpj.der), V020, &o)).contains(&Code::CertNotIcpBrasil));
    // TSA has no nonRepudiation issue but is T3: fine for 0.1 policy OID, no SAN identity
    assert!(codes(&check_eligibility(&c(&p.tsa.der), V01, &o))
        .contains(&Code::CertMissingIdentification));
}

#[test]
fn policy_classification_by_arcs() {
    assert_eq!(
        classify_policy("2.16.76.1.2.1.9999"),
        Some(CertificateType::A1)
    );
    assert_eq!(
        classify_policy("2.16.76.1.2.101.3"),
        Some(CertificateType::S1)
    );
    assert_eq!(
        classify_policy("2.16.76.1.2.3.6"),
        Some(CertificateType::A3)
    );
    assert_eq!(
        classify_policy("2.16.76.1.2.4.4"),
        Some(CertificateType::A4)
    );
    assert_eq!(
        classify_policy("2.16.76.1.2.201.1"),
        Some(CertificateType::SeS)
    );
    assert_eq!(
        classify_policy("2.16.76.1.2.202.1"),
        Some(CertificateType::SeH)
    );
    assert_eq!(
        classify_policy("2.16.76.1.2.303.1"),
        Some(CertificateType::T3)
    );
    assert_eq!(
        classify_policy("2.16.76.1.1.0"),
        Some(CertificateType::OtherIcp)
    );
    assert_eq!(classify_policy("2.16.76.10.2.1.1"), None);
    assert_eq!(classify_policy("2.16.761.2.1.1"), None);
    assert_eq!(classify_policy("garbage"), None);
}

#[test]
fn chain_any_order_and_validation() {
    let p = pki();
    let full = full_chain();
    let pools = [
        vec![c(&p.root.der), c(&p.ac1.der), c(&p.ac2.der)],
        vec![
            c(&p.ac1.der),
            c(&p.root.der),
            c(&p.ac2.der),
            c(&p.ecnpj.der),
        ],
    ];
    for pool in pools {
        assert_eq!(build_chain(&full[0], &pool).unwrap(), full);
    }
    // x5c in scrambled order, completed
    let scrambled = vec![
        full[0].clone(),
        full[3].clone(),
        full[1].clone(),
        full[2].clone(),
    ];
    assert_eq!(trust().complete_chain(&scrambled).unwrap(), full);
    // only the leaf + a trust store holding the CAs
    let ts = trust().with_ca_certs([c(&p.ac2.der), c(&p.ac1.der), c(&p.root.der)]);
    assert_eq!(ts.complete_chain(&full[..1]).unwrap(), full);
    // missing intermediate
    let e = build_chain(&full[0], &[c(&p.root.der), c(&p.ac2.der)]).unwrap_err();
    assert_eq!(e.code(), Code::CertChainIncomplete);

    let v = validate_chain(&full, &trust(), &ChainOptions::at(now())).unwrap();
    assert_eq!(v.root_sha256, p.root_sha256);
    assert_eq!(v.to_x5c().len(), 4);
    assert!(trust().cached_chains() <= 1);
}

#[test]
fn chain_failures() {
    let p = pki();
    let full = full_chain();
    let t = now();
    let e = validate_chain(&full[..1], &trust(), &ChainOptions::at(t)).unwrap_err();
    assert_eq!(e.code(), Code::CertChainIncomplete);
    // untrusted (real ICP roots only)
    let e = validate_chain(
        &full,
        &TrustStore::icp_brasil_default(),
        &ChainOptions::at(t),
    )
    .unwrap_err();
    assert_eq!(e.code(), UNTRUSTED_ROOT_CODE);
    assert_eq!(e.primary().locations(), ["x5c[3]"]);
    // foreign root
    let foreign = [c(&p.foreign_leaf.der), c(&p.foreign_root.der)];
    let e = validate_chain(&foreign, &trust(), &ChainOptions::at(t)).unwrap_err();
    assert_eq!(e.code(), UNTRUSTED_ROOT_CODE);
    assert!(e.to_string().contains(&c(&p.foreign_root.der).sha256_hex()));
    // tampered intermediate: flip a byte of its signature
    let mut ac1 = p.ac1.der.clone();
    let n = ac1.len();
    ac1[n - 5] ^= 0xff;
    let tampered = vec![full[0].clone(), full[1].clone(), c(&ac1), full[3].clone()];
    let e = validate_chain(&tampered, &trust(), &ChainOptions::at(t)).unwrap_err();
    assert_eq!(e.code(), Code::CertChainValidationFailed);
    assert_eq!(e.primary().locations(), ["x5c[2]"]);
    // wrong order
    let wrong = vec![
        full[0].clone(),
        full[2].clone(),
        full[1].clone(),
        full[3].clone(),
    ];
    assert_eq!(
        validate_chain(&wrong, &trust(), &ChainOptions::at(t))
            .unwrap_err()
            .code(),
        Code::CertChainValidationFailed
    );
    // dates, via the injected reference time (twice: second run hits the cache)
    for _ in 0..2 {
        let e = validate_chain(&full, &trust(), &ChainOptions::at(full[0].not_after() + 1))
            .unwrap_err();
        assert_eq!(e.code(), Code::CertExpired);
        assert_eq!(e.primary().locations(), ["x5c[0]"]);
        let e = validate_chain(&full, &trust(), &ChainOptions::at(full[3].not_before() - 1))
            .unwrap_err();
        assert_eq!(e.code(), Code::CertNotYetValid);
    }
    let v = validate_chain(
        &full,
        &trust(),
        &ChainOptions::at(full[0].not_after() - 3600),
    )
    .unwrap();
    assert_eq!(codes(&v.warnings), [Code::CertNearExpiry]);
    // depth
    assert_eq!(
        ChainOptions::at(t).with_max_depth(1).unwrap_err().code(),
        Code::ConfigInvalidParameter
    );
    assert_eq!(
        ChainOptions::at(t).with_max_depth(11).unwrap_err().code(),
        Code::ConfigInvalidParameter
    );
    let o = ChainOptions::at(t).with_max_depth(3).unwrap();
    assert_eq!(
        validate_chain(&full, &trust(), &o).unwrap_err().code(),
        Code::CertChainValidationFailed
    );
    // a leaf used as issuer (not a CA)
    let bogus = vec![c(&p.ecpf.der), c(&p.ecnpj.der)];
    let e = validate_chain(&bogus, &trust(), &ChainOptions::at(t)).unwrap_err();
    assert!(codes(e.findings()).contains(&Code::CertChainValidationFailed));
}

#[test]
fn trust_store() {
    let p = pki();
    assert_eq!(
        TrustStore::from_fingerprints(Vec::<&str>::new())
            .unwrap_err()
            .code(),
        Code::ConfigTrustStoreEmpty
    );
    let e = TrustStore::from_fingerprints(["abc"]).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    let upper = p.root_sha256.to_uppercase();
    let colons: String = p
        .root_sha256
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_string())
        .collect::<Vec<_>>()
        .join(":");
    for f in [upper, colons] {
        assert!(TrustStore::from_fingerprints([f])
            .unwrap()
            .contains_hex(&p.root_sha256));
    }
    let ts = TrustStore::from_root_certs(vec![c(&p.root.der)]).unwrap();
    assert!(validate_chain(&full_chain(), &ts, &ChainOptions::at(now())).is_ok());
    // directory of CA files
    let dir = p.dir.join("ca-dir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&p.ac1.cert_der_path, dir.join("ac1.der")).unwrap();
    std::fs::copy(&p.ac2.cert_pem, dir.join("ac2.pem")).unwrap();
    std::fs::copy(&p.root.cert_pem, dir.join("root.crt")).unwrap();
    let ts = trust().with_ca_dir(&dir).unwrap();
    assert_eq!(ts.complete_chain(&full_chain()[..1]).unwrap(), full_chain());
    // clones share the cache; Send + Sync across threads
    let ts2 = ts.clone();
    std::thread::spawn(move || {
        validate_chain(&full_chain(), &ts2, &ChainOptions::at(now())).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(ts.cached_chains(), 1);
}

#[test]
fn real_icp_roots() {
    let expected = [
        (
            "ICP-Brasilv5",
            "caa53fc6091c6951887c976e378f6ef89aa6377c55d97b6475422b71ed7e9b17",
        ),
        (
            "ICP-Brasilv12",
            "d8478e37ce19c690cf657381e68fe600e4e1a042536830f06847e03e554c4b01",
        ),
        (
            "ICP-Brasilv10",
            "6e0bff069a26994c15de2c4888cc54af84882e5495b7fbf66be9ccffec7489f6",
        ),
        (
            "ICP-Brasilv11",
            "1406710058180fa4081aab3f246f1702429c552a11fa3143b84c88cb3ab8e5e7",
        ),
        (
            "ICP-Brasilv2",
            "fb47d92a9909fd4fa9bec02737543e1f3514ced747407a8d9cfa397b0915067c",
        ),
    ];
    let roots = embedded_icp_roots();
    assert_eq!(roots.len(), 5);
    for (name, fp) in expected {
        let (_, cert) = roots.iter().find(|(n, _)| *n == name).unwrap();
        assert_eq!(cert.sha256_hex(), fp, "{name}");
        assert!(cert.is_self_issued());
        assert_eq!(cert.key_algorithm(), KeyAlgorithm::Rsa { bits: 4096 });
        assert_eq!(cert.signature_algorithm(), "sha512WithRSAEncryption");
        // self-signature verifies (sha512WithRSA)
        assert!(build_chain(cert, &[]).is_ok());
        // a root alone is not a chain (criar 2.2) but is trusted where expected
        let ts = TrustStore::icp_brasil_default();
        assert_eq!(
            ts.contains(&cert.sha256()),
            name == "ICP-Brasilv5" || name == "ICP-Brasilv12"
        );
    }
    let mut fps = TrustStore::icp_brasil_default().fingerprints_hex();
    fps.sort();
    assert_eq!(fps, [expected[0].1, expected[1].1]);
}

#[test]
fn credentialing_report_json() {
    let p = pki();
    let cr = Credentials::from_pkcs12(&read(&p.p12_aes), &p.password, None).unwrap();
    let r = credentialing_report(cr.leaf(), &EligibilityOptions::at(now()));
    let j = r.to_json();
    assert_eq!(j["certificateType"], "A3");
    assert_eq!(j["policyOid"], "2.16.76.1.2.3.9999");
    assert_eq!(j["keyAlgorithm"], "RSA-2048");
    assert_eq!(j["identity"]["signer"]["value"], "12345678909");
    assert_eq!(j["identity"]["person"]["rgUf"], "SP");
    assert_eq!(j["eligibility"]["0.1"]["eligible"], true);
    assert_eq!(j["eligibility"]["0.2.0"]["eligible"], true);
    assert_eq!(j["fingerprints"]["sha256"], cr.leaf().sha256_hex());
    assert_eq!(j["fingerprints"]["sha1"].as_str().unwrap().len(), 40);
    assert!(j["keyUsage"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "nonRepudiation"));
    assert_eq!(
        Certificate::from_pem(j["pem"].as_str().unwrap()).unwrap(),
        *cr.leaf()
    );
    let weak = credentialing_report(&c(&p.weak_key.der), &EligibilityOptions::at(now())).to_json();
    assert_eq!(
        weak["eligibility"]["0.1"]["findings"][0]["code"],
        "CERT.WEAK-KEY"
    );
}

/// `complete_chain` caches its result per exact input (in order): repeated calls, other
/// inputs and failures are never confused.
#[test]
fn complete_chain_cache_is_keyed_by_exact_input() {
    let p = pki();
    let full = full_chain();
    let ts = trust(); // no CA pool: only what the caller gives completes the chain
    for _ in 0..2 {
        let e = ts.complete_chain(&full[..1]).unwrap_err();
        assert_eq!(e.code(), Code::CertChainIncomplete);
        assert_eq!(ts.complete_chain(&full).unwrap(), full);
        let scrambled = [
            full[0].clone(),
            full[2].clone(),
            full[3].clone(),
            full[1].clone(),
        ];
        assert_eq!(ts.complete_chain(&scrambled).unwrap(), full);
        // a different leaf with the same CAs: its own chain, not the cached one
        let other = [
            c(&p.ecnpj.der),
            full[1].clone(),
            full[2].clone(),
            full[3].clone(),
        ];
        let got = ts.complete_chain(&other).unwrap();
        assert_eq!(got[0], c(&p.ecnpj.der));
        assert_eq!(&got[1..], &full[1..]);
        // missing intermediate: still incomplete
        let e = ts
            .complete_chain(&[full[0].clone(), full[3].clone()])
            .unwrap_err();
        assert_eq!(e.code(), Code::CertChainIncomplete);
    }
    // a store with the CAs in its pool completes the leaf alone
    let with_pool = ts.with_ca_certs(full[1..].iter().cloned());
    assert_eq!(with_pool.complete_chain(&full[..1]).unwrap(), full);
    assert_eq!(with_pool.complete_chain(&full[..1]).unwrap(), full);
    // the original store's cached failure is unaffected
    assert!(ts.complete_chain(&full[..1]).is_err());
}
