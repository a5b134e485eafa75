//! RFC 5280 path-validation rules of `validate_chain` (ADR 0030): every chain of
//! `testpki::ChainVariants` breaks exactly one rule and yields exactly one finding with the
//! expected code and location; the positive variants and the untouched chain stay valid.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo_cert::testpki::{ChainVariants, DerChain, TestPki};
use sesgo_cert::{
    embedded_icp_roots, validate_chain, Certificate, ChainOptions, TrustStore, ValidatedChain,
};
use sesgo_core::{Code, Error};

fn variants() -> &'static ChainVariants {
    ChainVariants::shared()
}

fn trust() -> TrustStore {
    TrustStore::from_fingerprints([TestPki::shared().root_sha256.as_str()]).unwrap()
}

fn certs(chain: &DerChain) -> Vec<Certificate> {
    chain
        .iter()
        .map(|d| Certificate::from_der(d).expect("variant parses as X.509"))
        .collect()
}

fn run(chain: &DerChain) -> Result<ValidatedChain, Error> {
    validate_chain(
        &certs(chain),
        &trust(),
        &ChainOptions::at(sesgo_cert::now_unix()),
    )
}

#[test]
fn each_variant_breaks_exactly_one_rule() {
    let v = variants();
    let fail = Code::CertChainValidationFailed;
    let table: [(&str, &DerChain, Code, &str, &str); 14] = [
        (
            "unknown critical on leaf",
            &v.unknown_critical_leaf,
            fail,
            "x5c[0]",
            "1.3.6.1.4.1.99999.77.1",
        ),
        (
            "unknown critical on intermediate",
            &v.unknown_critical_intermediate,
            fail,
            "x5c[1]",
            "1.3.6.1.4.1.99999.77.2",
        ),
        (
            "duplicate extension",
            &v.duplicate_extension,
            Code::CertInvalidFormat,
            "x5c[0]",
            "mais de uma vez",
        ),
        (
            "outer/TBS algorithm mismatch",
            &v.signature_algorithm_mismatch,
            Code::CertInvalidFormat,
            "x5c[0]",
            "TBSCertificate.signature",
        ),
        (
            "intermediate not CA",
            &v.intermediate_not_ca,
            fail,
            "x5c[1]",
            "não é AC",
        ),
        (
            "CA without keyCertSign",
            &v.ca_without_key_cert_sign,
            fail,
            "x5c[1]",
            "keyCertSign",
        ),
        (
            "pathLen exceeded",
            &v.path_len_exceeded,
            fail,
            "x5c[2]",
            "pathLenConstraint 0",
        ),
        (
            "name constraints exclude the leaf DN",
            &v.name_constraints_excluded_dn,
            fail,
            "x5c[0]",
            "subárvore excluída",
        ),
        (
            "name constraints exclude the leaf e-mail",
            &v.name_constraints_excluded_email,
            fail,
            "x5c[0]",
            "fulano.teste@example.com",
        ),
        (
            "critical name constraint of an unsupported form",
            &v.name_constraints_unsupported_form,
            fail,
            "x5c[1]",
            "iPAddress",
        ),
        (
            "expired intermediate",
            &v.expired_intermediate,
            Code::CertExpired,
            "x5c[1]",
            "expirou em 2021-01-01T00:00:00Z",
        ),
        (
            "not-yet-valid intermediate",
            &v.not_yet_valid_intermediate,
            Code::CertNotYetValid,
            "x5c[1]",
            "AC TESTE Assinatura G1",
        ),
        ("leaf is a CA", &v.leaf_is_ca, fail, "x5c[0]", "é uma AC"),
        (
            "requireExplicitPolicy on an ICP-shaped chain",
            &v.require_explicit_policy,
            fail,
            "x5c[0]",
            "requireExplicitPolicy de x5c[1]",
        ),
    ];
    for (name, chain, code, loc, text) in table {
        // twice: the second run is served by the trust store's structural cache
        for _ in 0..2 {
            let e = run(chain).map(|_| ()).unwrap_err();
            let got: Vec<_> = e
                .findings()
                .iter()
                .map(|f| (f.code(), f.locations().to_vec()))
                .collect();
            assert_eq!(got, [(code, vec![loc.to_string()])], "{name}: {e}");
            assert!(e.to_string().contains(text), "{name}: {e}");
        }
    }
}

#[test]
fn positive_variants_are_valid() {
    let v = variants();
    for (name, chain) in [
        ("untouched", &v.valid),
        (
            "permitted name constraints",
            &v.name_constraints_permitted_ok,
        ),
        (
            "inhibitAnyPolicy / inhibitPolicyMapping",
            &v.inhibit_any_policy_ok,
        ),
    ] {
        let ok = run(chain).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ok.certificates.len(), 4, "{name}");
        assert_eq!(ok.root_sha256, TestPki::shared().root_sha256, "{name}");
    }
    // the untouched variant chain is the shared PKI's chain
    let p = TestPki::shared();
    assert_eq!(
        v.valid,
        [&p.ecpf.der, &p.ac2.der, &p.ac1.der, &p.root.der].map(|d| d.clone())
    );
}

/// Every variant differs from the valid chain in exactly one certificate.
#[test]
fn variants_change_one_certificate() {
    let v = variants();
    for chain in [
        &v.unknown_critical_leaf,
        &v.unknown_critical_intermediate,
        &v.duplicate_extension,
        &v.signature_algorithm_mismatch,
        &v.intermediate_not_ca,
        &v.ca_without_key_cert_sign,
        &v.path_len_exceeded,
        &v.name_constraints_excluded_dn,
        &v.name_constraints_excluded_email,
        &v.name_constraints_unsupported_form,
        &v.expired_intermediate,
        &v.not_yet_valid_intermediate,
        &v.leaf_is_ca,
        &v.require_explicit_policy,
        &v.name_constraints_permitted_ok,
        &v.inhibit_any_policy_ok,
    ] {
        assert_eq!(chain.len(), 4);
        let changed = chain.iter().zip(&v.valid).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 1);
    }
}

/// The real ICP-Brasil roots pass every per-certificate and CA rule as pinned roots: a
/// two-certificate chain "root, root" exercises them as issuer and as trust anchor.
#[test]
fn real_icp_roots_pass_the_rules() {
    for (name, root) in embedded_icp_roots() {
        let ts = TrustStore::from_root_certs(vec![root.clone()]).unwrap();
        let t = (root.not_before() + root.not_after()) / 2;
        // a self-issued CA as "leaf" is rejected only because the leaf may not be a CA
        let e = validate_chain(&[root.clone(), root.clone()], &ts, &ChainOptions::at(t))
            .map(|_| ())
            .unwrap_err();
        let got: Vec<_> = e
            .findings()
            .iter()
            .map(|f| (f.code(), f.locations().to_vec()))
            .collect();
        assert_eq!(
            got,
            [(Code::CertChainValidationFailed, vec!["x5c[0]".to_string()])],
            "{name}: {e}"
        );
        assert!(e.to_string().contains("é uma AC"), "{name}: {e}");
    }
}

/// Independent check of the generator: `openssl verify` (with policy checking) rejects every
/// negative variant and accepts the positive ones, so each variant is really what it claims.
#[test]
fn openssl_agrees_with_the_variants() {
    let v = variants();
    let dir = v.dir.join("openssl-verify");
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &DerChain, bool); 17] = [
        ("valid", &v.valid, true),
        ("nc-permitted", &v.name_constraints_permitted_ok, true),
        ("inhibit-any", &v.inhibit_any_policy_ok, true),
        ("unknown-critical-leaf", &v.unknown_critical_leaf, false),
        (
            "unknown-critical-ac2",
            &v.unknown_critical_intermediate,
            false,
        ),
        ("duplicate-extension", &v.duplicate_extension, false),
        ("alg-mismatch", &v.signature_algorithm_mismatch, false),
        ("not-ca", &v.intermediate_not_ca, false),
        ("no-keycertsign", &v.ca_without_key_cert_sign, false),
        ("pathlen", &v.path_len_exceeded, false),
        ("nc-dn", &v.name_constraints_excluded_dn, false),
        ("nc-email", &v.name_constraints_excluded_email, false),
        // openssl evaluates iPAddress constraints (the leaf has no IP address, so it passes);
        // sesgo does not evaluate that form and rejects it when critical (ADR 0030)
        ("nc-ip", &v.name_constraints_unsupported_form, true),
        ("expired-ac2", &v.expired_intermediate, false),
        ("future-ac2", &v.not_yet_valid_intermediate, false),
        ("leaf-ca", &v.leaf_is_ca, true), // RFC 5280 itself does not forbid a CA leaf
        ("explicit-policy", &v.require_explicit_policy, false),
    ];
    for (name, chain, ok) in cases {
        let pem = |d: &Vec<u8>| Certificate::from_der(d).unwrap().to_pem();
        let leaf = dir.join(format!("{name}-leaf.pem"));
        let untrusted = dir.join(format!("{name}-cas.pem"));
        let root = dir.join(format!("{name}-root.pem"));
        std::fs::write(&leaf, pem(&chain[0])).unwrap();
        std::fs::write(&untrusted, pem(&chain[1]) + &pem(&chain[2])).unwrap();
        std::fs::write(&root, pem(&chain[3])).unwrap();
        let out = std::process::Command::new("openssl")
            .arg("verify")
            .arg("-policy_check")
            .arg("-CAfile")
            .arg(&root)
            .arg("-untrusted")
            .arg(&untrusted)
            .arg(&leaf)
            .output()
            .expect("openssl CLI");
        assert_eq!(
            out.status.success(),
            ok,
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
