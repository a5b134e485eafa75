//! Revocation from evidence produced by the real `openssl ocsp` responder (`-reqin` /
//! `-respout`) and `openssl ca -gencrl`, over the test PKI. No network: the fetcher is
//! `Offline`, so what is not in the evidence is reported unobtainable.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo_cert::testpki::{OcspSigner, RevocationPki, TestPki};
use sesgo_cert::Certificate;
use sesgo_core::Code;
use sesgo_fetch::Offline;
use sesgo_revocation::{
    check_chain, evaluate_ocsp, ocsp_request_der, Config, EvidenceKind, EvidenceStore, NoCache,
    Origin, Status,
};

fn now() -> i64 {
    sesgo_cert::now_unix()
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn chain(leaf: &[u8]) -> Vec<Certificate> {
    let pki = TestPki::shared();
    vec![
        cert(leaf),
        cert(&pki.ac2.der),
        cert(&pki.ac1.der),
        cert(&pki.root.der),
    ]
}

fn store(items: &[&[u8]]) -> EvidenceStore {
    let mut s = EvidenceStore::new();
    for (i, b) in items.iter().enumerate() {
        s.add_bytes(b, &format!("item {i}")).unwrap();
    }
    s
}

fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn good_chain_from_ocsp_and_crls() {
    let pki = TestPki::shared();
    let r = RevocationPki::shared();
    let ocsp = r
        .response_for(&pki.ecpf.cert_pem, OcspSigner::Delegated, 60)
        .unwrap();
    let s = store(&[&ocsp, &read(&r.crl_ac1), &read(&r.crl_root)]);
    let out = check_chain(
        &chain(&pki.ecpf.der),
        &Config::at(now(), now()),
        &s,
        &Offline,
        &NoCache,
    );
    assert_eq!(out.len(), 3, "every certificate but the root");
    for c in &out {
        let e = c.established.as_ref().unwrap_or_else(|| panic!("{c:?}"));
        assert_eq!(e.status, Status::Good);
        assert_eq!(e.origin, Origin::Given);
    }
    assert_eq!(
        out[0].established.as_ref().unwrap().evidence.kind,
        EvidenceKind::Ocsp
    );
    assert_eq!(
        out[1].established.as_ref().unwrap().evidence.kind,
        EvidenceKind::Crl
    );
}

#[test]
fn revoked_by_ocsp_and_by_crl() {
    let r = RevocationPki::shared();
    let ocsp = r
        .response_for(&r.revoked.cert_pem, OcspSigner::Delegated, 60)
        .unwrap();
    let cfg = Config::at(now(), now());
    let out = check_chain(
        &chain(&r.revoked.der),
        &cfg,
        &store(&[&ocsp]),
        &Offline,
        &NoCache,
    );
    match &out[0].established.as_ref().unwrap().status {
        Status::Revoked { reason, .. } => assert_eq!(*reason, Some("keyCompromise")),
        s => panic!("{s:?}"),
    }
    let out = check_chain(
        &chain(&r.revoked.der),
        &cfg,
        &store(&[&read(&r.crl_ac2)]),
        &Offline,
        &NoCache,
    );
    let e = out[0].established.as_ref().unwrap();
    assert_eq!(e.evidence.kind, EvidenceKind::Crl);
    assert!(
        matches!(
            e.status,
            Status::Revoked {
                reason: Some("keyCompromise"),
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn unknown_certificate_and_crl_fallback() {
    let r = RevocationPki::shared();
    let ocsp = r
        .response_for(&r.unknown.cert_pem, OcspSigner::Delegated, 60)
        .unwrap();
    let cfg = Config::at(now(), now());
    let out = check_chain(
        &chain(&r.unknown.der),
        &cfg,
        &store(&[&ocsp]),
        &Offline,
        &NoCache,
    );
    assert!(out[0].established.is_none());
    assert_eq!(out[0].unknown.as_ref().unwrap().status, Status::Unknown);
    // With the AC's CRL the status is established (not listed: good).
    let out = check_chain(
        &chain(&r.unknown.der),
        &cfg,
        &store(&[&ocsp, &read(&r.crl_ac2)]),
        &Offline,
        &NoCache,
    );
    assert_eq!(out[0].established.as_ref().unwrap().status, Status::Good);
}

#[test]
fn response_signed_by_the_ca_itself_is_accepted() {
    let pki = TestPki::shared();
    let r = RevocationPki::shared();
    let ocsp = r
        .response_for(&pki.ecpf.cert_pem, OcspSigner::Ca, 60)
        .unwrap();
    let out = check_chain(
        &chain(&pki.ecpf.der),
        &Config::at(now(), now()),
        &store(&[&ocsp]),
        &Offline,
        &NoCache,
    );
    assert_eq!(out[0].established.as_ref().unwrap().status, Status::Good);
}

#[test]
fn response_signed_by_an_unrelated_key_is_refused() {
    let pki = TestPki::shared();
    let r = RevocationPki::shared();
    let ocsp = r
        .response_for(&pki.ecpf.cert_pem, OcspSigner::Unrelated, 60)
        .unwrap();
    let out = check_chain(
        &chain(&pki.ecpf.der),
        &Config::at(now(), now()),
        &store(&[&ocsp]),
        &Offline,
        &NoCache,
    );
    assert!(out[0].established.is_none());
    let codes: Vec<Code> = out[0].unobtainable().iter().map(|p| p.code).collect();
    assert!(codes.contains(&Code::RevocationOcspInvalid), "{:?}", out[0]);
}

#[test]
fn stale_response_expired_crl_and_bad_crl_signature() {
    let pki = TestPki::shared();
    let r = RevocationPki::shared();
    let ocsp = r
        .response_for(&pki.ecpf.cert_pem, OcspSigner::Delegated, 1)
        .unwrap();
    // Two hours later the response (nextUpdate +1 min) is stale.
    let later = now() + 7200;
    let out = check_chain(
        &chain(&pki.ecpf.der),
        &Config::at(later, later),
        &store(&[&ocsp]),
        &Offline,
        &NoCache,
    );
    let p = out[0].unobtainable();
    assert!(
        p.iter()
            .any(|p| p.code == Code::RevocationOcspInvalid && p.detail.contains("desatualizada")),
        "{p:?}"
    );

    let cfg = Config::at(now(), now());
    for (crl, needle) in [
        (&r.crl_ac2_expired, "desatualizada"),
        (&r.crl_ac2_bad_signature, "assinatura"),
    ] {
        let out = check_chain(
            &chain(&pki.ecpf.der),
            &cfg,
            &store(&[&read(crl)]),
            &Offline,
            &NoCache,
        );
        let p = out[0].unobtainable();
        assert!(
            p.iter()
                .any(|p| p.code == Code::RevocationCrlInvalid && p.detail.contains(needle)),
            "{p:?}"
        );
    }
}

#[test]
fn nonce_is_echoed_and_checked() {
    let pki = TestPki::shared();
    let r = RevocationPki::shared();
    let (leaf, ac2) = (cert(&pki.ecpf.der), cert(&pki.ac2.der));
    let nonce = [7u8; 16];
    let req = ocsp_request_der(&leaf, &ac2, Some(&nonce)).unwrap();
    let resp = r.respond(&req, OcspSigner::Delegated, 60).unwrap();
    let cfg = Config::at(now(), now());
    let (status, _, next) = evaluate_ocsp(&resp, &leaf, &ac2, &cfg, Some(&nonce))
        .unwrap()
        .unwrap();
    assert_eq!(status, Status::Good);
    assert!(next.is_some());
    let e = evaluate_ocsp(&resp, &leaf, &ac2, &cfg, Some(&[8u8; 16])).unwrap_err();
    assert_eq!(e.code, Code::RevocationOcspInvalid);
    // A response about another certificate says nothing about this one.
    let other = cert(&pki.ecnpj.der);
    assert!(evaluate_ocsp(&resp, &other, &ac2, &cfg, None)
        .unwrap()
        .is_none());
}

#[test]
fn nothing_to_go_on() {
    let pki = TestPki::shared();
    let cfg = Config::at(now(), now());
    // The e-CPF names OCSP and CRL URLs: offline, no connectivity.
    let out = check_chain(
        &chain(&pki.ecpf.der),
        &cfg,
        &EvidenceStore::new(),
        &Offline,
        &NoCache,
    );
    let p = out[0].unobtainable();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].code, Code::RevocationNoConnectivity, "{p:?}");
    // This one names none.
    let out = check_chain(
        &chain(&pki.ecpf_printable.der),
        &cfg,
        &EvidenceStore::new(),
        &Offline,
        &NoCache,
    );
    assert_eq!(
        out[0].unobtainable()[0].code,
        Code::RevocationNoDistributionPoints
    );
}

#[test]
fn evidence_files_der_pem_and_directories() {
    let r = RevocationPki::shared();
    let dir = r.dir.join("evidence-dir-test");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&r.crl_ac1, dir.join("a.crl")).unwrap();
    std::fs::copy(r.dir.join("root.crl.pem"), dir.join("b.pem")).unwrap();
    std::fs::write(dir.join(".hidden"), b"ignored").unwrap();
    let mut s = EvidenceStore::new();
    s.add_path(&dir).unwrap();
    assert_eq!(s.items().len(), 2);
    assert!(s.items().iter().all(|i| i.kind == EvidenceKind::Crl));
    let e = EvidenceStore::new()
        .add_bytes(b"not evidence", "x")
        .unwrap_err();
    assert_eq!(e.code(), Code::RevocationResponseMalformed);
    let e = EvidenceStore::new()
        .add_path(&dir.join("missing"))
        .unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
}
