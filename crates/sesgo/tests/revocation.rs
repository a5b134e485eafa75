//! Revocation end to end through the facade (criar 2.8 and Etapa 13, validar §5;
//! DECISIONS D5) with evidence produced by the real `openssl ocsp` responder and
//! `openssl ca -gencrl` over the test PKI. No network here (the default transport is
//! offline in tests): what is not in the evidence is unobtainable.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::{
    sign_with_clock, verify_with_clock, Code, FixedClock, Indication, OcspUnknown, Policy,
    RevocationPolicy, Settings, Severity, SignOptions, Signer, Stage, StageStatus, TrustStore,
    Verification, VerifyInput, VerifyOptions,
};
use sesgo_cert::testpki::{OcspSigner, RevocationPki, TestPki};
use sesgo_cert::Certificate;
use std::path::{Path, PathBuf};

const P020: Policy = Policy::Politica020;

/// Now, after the PKI exists (its certificates become valid when generated).
fn now() -> i64 {
    rev();
    sesgo_cert::now_unix()
}

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn rev() -> &'static RevocationPki {
    RevocationPki::shared()
}

fn trust() -> TrustStore {
    TrustStore::from_root_certs(vec![Certificate::from_der(&pki().root.der).unwrap()])
        .unwrap()
        .with_ca_certs([
            Certificate::from_der(&pki().ac1.der).unwrap(),
            Certificate::from_der(&pki().ac2.der).unwrap(),
        ])
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn p12(path: &Path) -> Signer {
    Signer::from_pkcs12(&std::fs::read(path).unwrap(), &pki().password, None).unwrap()
}

fn dir(name: &str) -> PathBuf {
    let d = rev().dir.join(format!("facade-{name}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Evidence for the chain of the end entity at `cert_pem` in a fresh directory.
fn evidence(name: &str, cert_pem: &Path, minutes: u32) -> String {
    rev()
        .write_evidence(cert_pem, &dir(name), minutes)
        .unwrap()
        .display()
        .to_string()
}

fn sign(
    signer: &Signer,
    policy: Option<Policy>,
    settings: Settings,
    ev: Vec<String>,
    t: i64,
) -> sesgo::Result<sesgo::Signed> {
    sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        signer,
        &trust(),
        &SignOptions {
            policy: policy.unwrap_or(Policy::DEFAULT),
            reference_time: Some(t),
            settings,
            revocation_evidence: ev,
            ..Default::default()
        },
        &FixedClock(t),
    )
}

fn policy(rp: RevocationPolicy) -> Settings {
    Settings {
        revocation_policy: rp,
        ..Settings::default()
    }
}

fn verify(bundle: &str, settings: Settings, ev: Vec<String>, t: i64) -> Verification {
    verify_with_clock(
        &VerifyInput {
            bundle: Some(bundle.as_bytes()),
            ..Default::default()
        },
        &trust(),
        &VerifyOptions {
            reference_time: Some(t),
            settings,
            revocation_evidence: ev,
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap()
}

/// Status unobtainable: responders unreachable (connection refused on the test PKI's
/// fixed loopback URLs) or no network at all.
fn unreachable(c: Code) -> bool {
    matches!(
        c,
        Code::RevocationOcspUnavailable
            | Code::RevocationCrlUnavailable
            | Code::RevocationNoConnectivity
    )
}

fn has_unreachable(v: &Verification, sev: Severity) -> bool {
    v.outcome.issues().iter().any(|f| {
        unreachable(f.code())
            && f.severity() == sev
            && f.locations()
                .iter()
                .any(|l| l.ends_with("#protected.x5c[0]"))
    })
}

fn has(v: &Verification, code: Code, sev: Severity, loc_end: &str) -> bool {
    v.outcome.issues().iter().any(|f| {
        f.code() == code
            && f.severity() == sev
            && f.locations().iter().any(|l| l.ends_with(loc_end))
    })
}

#[test]
fn good_signer_signs_strictly_with_rrefs_and_verifies_strictly_offline() {
    let t = now();
    let ev = rev().ecpf_evidence().display().to_string();
    let signed = sign(
        &p12(&pki().p12_aes),
        None,
        Settings::default(),
        vec![ev.clone()],
        t,
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    let v = verify(&bundle, Settings::default(), vec![ev.clone()], t);
    assert!(v.valid, "{}", v.outcome.to_json());
    assert_eq!(
        v.indication,
        Indication::TotalPassed,
        "{}",
        v.outcome.to_json()
    );
    assert_eq!(
        v.signatures[0].stage(Stage::Revocation),
        StageStatus::Passed
    );
    assert!(
        !v.outcome
            .issues()
            .iter()
            .any(|f| f.code() == Code::ValidationLtvEvidenceInvalid),
        "{}",
        v.outcome.to_json()
    );
    // Policy 0.2.0 forbids rRefs; revocation is still checked.
    let signed = sign(
        &p12(&pki().p12_aes),
        Some(P020),
        Settings::default(),
        vec![ev.clone()],
        t,
    )
    .unwrap();
    let v = verify(&signed.bundle.clone(), Settings::default(), vec![ev], t);
    assert!(v.valid, "{}", v.outcome.to_json());
    assert_eq!(v.indication, Indication::TotalPassed);
}

#[test]
fn rrefs_carry_the_sha512_of_each_evidence() {
    use sesgo_cert::crypto::sha512;
    let t = now();
    let ev = rev().ecpf_evidence();
    let signed = sign(
        &p12(&pki().p12_aes),
        None,
        Settings::default(),
        vec![ev.display().to_string()],
        t,
    )
    .unwrap();
    let data = signed.signature["data"].as_str().unwrap();
    let raw = b64(data);
    let text = String::from_utf8(raw).unwrap();
    let b = |p: &str| b64enc(&sha512(&std::fs::read(ev.join(p)).unwrap()));
    let expected = format!(
        r#""header":{{"rRefs":{{"ocspRefs":[{{"digestAlg":"http://www.w3.org/2001/04/xmlenc#sha512","digestValue":"{}"}}],"crlRefs":[{{"digestAlg":"http://www.w3.org/2001/04/xmlenc#sha512","digestValue":"{}"}},{{"digestAlg":"http://www.w3.org/2001/04/xmlenc#sha512","digestValue":"{}"}}]}}}}"#,
        b("leaf.ocsp"),
        b("ac1.crl"),
        b("root.crl")
    );
    assert!(text.contains(&expected), "{text}");
}

fn b64(s: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    Base64::decode_vec(s).unwrap()
}

fn b64enc(d: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    Base64::encode_string(d)
}

#[test]
fn revoked_signer_is_refused_at_signing_by_ocsp_and_by_crl() {
    let t = now();
    let r = rev();
    for ev in [
        evidence("revoked-ocsp", &r.revoked.cert_pem, 60),
        r.crl_ac2.display().to_string(),
    ] {
        for rp in [
            RevocationPolicy::Strict,
            RevocationPolicy::SoftFail,
            RevocationPolicy::Warn,
        ] {
            let e = sign(&p12(&r.p12_revoked), None, policy(rp), vec![ev.clone()], t).unwrap_err();
            assert_eq!(e.code(), Code::CertRevoked, "{e}");
            let f = e
                .findings()
                .iter()
                .find(|f| f.code() == Code::CertRevoked)
                .unwrap();
            assert_eq!(f.locations(), ["x5c[0]"]);
            assert!(
                f.diagnostics().contains("keyCompromise"),
                "{}",
                f.diagnostics()
            );
        }
    }
}

#[test]
fn unknown_signer_is_refused_at_signing() {
    let t = now();
    let r = rev();
    let ocsp = r
        .response_for(&r.unknown.cert_pem, OcspSigner::Delegated, 60)
        .unwrap();
    let d = dir("unknown-sign");
    std::fs::write(d.join("unknown.ocsp"), ocsp).unwrap();
    let e = sign(
        &p12(&r.p12_unknown),
        None,
        Settings::default(),
        vec![d.display().to_string()],
        t,
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::CertRevoked, "{e}");
    assert!(e.primary().diagnostics().contains("unknown"));
}

#[test]
fn revoked_signature_is_invalid_under_every_policy() {
    let t = now();
    let r = rev();
    // Signed without checking (off), as a revoked signer could.
    let signed = sign(
        &p12(&r.p12_revoked),
        Some(P020),
        policy(RevocationPolicy::Off),
        vec![],
        t,
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    let ev = evidence("revoked-verify", &r.revoked.cert_pem, 60);
    for rp in [
        RevocationPolicy::Strict,
        RevocationPolicy::SoftFail,
        RevocationPolicy::Warn,
    ] {
        let v = verify(&bundle, policy(rp), vec![ev.clone()], t);
        assert!(!v.valid, "{rp:?}");
        assert!(
            has(&v, Code::CertRevoked, Severity::Error, "#protected.x5c[0]"),
            "{}",
            v.outcome.to_json()
        );
        assert_eq!(v.sub_indication, Some("REVOKED"));
        assert_eq!(
            v.signatures[0].stage(Stage::Revocation),
            StageStatus::Failed
        );
    }
}

#[test]
fn unobtainable_status_follows_the_policy() {
    let t = now();
    let signed = sign(
        &p12(&pki().p12_aes),
        Some(P020),
        policy(RevocationPolicy::Off),
        vec![],
        t,
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    let v = verify(&bundle, Settings::default(), vec![], t);
    assert!(!v.valid);
    assert!(
        has_unreachable(&v, Severity::Error),
        "{}",
        v.outcome.to_json()
    );
    assert_eq!(v.sub_indication, Some("TRY_LATER"));
    for (rp, sev) in [
        (RevocationPolicy::SoftFail, Severity::Information),
        (RevocationPolicy::Warn, Severity::Warning),
    ] {
        let v = verify(&bundle, policy(rp), vec![], t);
        assert!(v.valid, "{rp:?}");
        assert!(has_unreachable(&v, sev), "{}", v.outcome.to_json());
        assert_eq!(v.indication, Indication::Indeterminate);
        assert_eq!(v.sub_indication, Some("TRY_LATER"));
    }
    // Signing follows the same policy.
    let e = sign(
        &p12(&pki().p12_aes),
        Some(P020),
        Settings::default(),
        vec![],
        t,
    )
    .unwrap_err();
    assert!(unreachable(e.code()), "{e}");
    let s = sign(
        &p12(&pki().p12_aes),
        Some(P020),
        policy(RevocationPolicy::Warn),
        vec![],
        t,
    )
    .unwrap();
    assert!(s
        .warnings
        .iter()
        .any(|w| unreachable(w.code()) && w.severity() == Severity::Warning));
}

#[test]
fn rrefs_that_do_not_match_the_evidence() {
    let t = now();
    let a = evidence("rrefs-a", &pki().ecpf.cert_pem, 60);
    let signed = sign(&p12(&pki().p12_aes), None, Settings::default(), vec![a], t).unwrap();
    let bundle = signed.bundle.clone();
    // Another response about the same certificate: valid, but not the one referenced.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = evidence("rrefs-b", &pki().ecpf.cert_pem, 60);
    let v = verify(&bundle, Settings::default(), vec![b.clone()], t);
    assert!(!v.valid);
    assert!(
        has(
            &v,
            Code::ValidationLtvEvidenceInvalid,
            Severity::Error,
            "#header.rRefs.ocspRefs[0]"
        ),
        "{}",
        v.outcome.to_json()
    );
    let v = verify(&bundle, policy(RevocationPolicy::Warn), vec![b], t);
    assert!(v.valid);
    assert!(has(
        &v,
        Code::ValidationLtvEvidenceInvalid,
        Severity::Warning,
        "#header.rRefs.ocspRefs[0]"
    ));
}

#[test]
fn unknown_status_at_verification_follows_ocsp_unknown() {
    let t = now();
    let r = rev();
    let signed = sign(
        &p12(&r.p12_unknown),
        Some(P020),
        policy(RevocationPolicy::Off),
        vec![],
        t,
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    let d = dir("unknown-verify");
    std::fs::write(
        d.join("unknown.ocsp"),
        r.response_for(&r.unknown.cert_pem, OcspSigner::Delegated, 60)
            .unwrap(),
    )
    .unwrap();
    std::fs::copy(&r.crl_ac1, d.join("ac1.crl")).unwrap();
    std::fs::copy(&r.crl_root, d.join("root.crl")).unwrap();
    let ev = vec![d.display().to_string()];
    let v = verify(&bundle, Settings::default(), ev.clone(), t);
    assert!(!v.valid);
    assert!(
        has(&v, Code::CertRevoked, Severity::Error, "#protected.x5c[0]"),
        "{}",
        v.outcome.to_json()
    );
    let warn = Settings {
        ocsp_unknown: OcspUnknown::Warning,
        ..Settings::default()
    };
    let v = verify(&bundle, warn, ev, t);
    assert!(v.valid, "{}", v.outcome.to_json());
    assert!(has(
        &v,
        Code::RevocationOcspInvalid,
        Severity::Warning,
        "#protected.x5c[0]"
    ));
    assert_eq!(v.indication, Indication::Indeterminate);
}

#[test]
fn stale_evidence_and_bad_crls_leave_the_status_unobtainable() {
    let t = now();
    let signed = sign(
        &p12(&pki().p12_aes),
        Some(P020),
        policy(RevocationPolicy::Off),
        vec![],
        t,
    )
    .unwrap();
    let bundle = signed.bundle.clone();
    // nextUpdate one minute after issue; verified two hours later.
    let ev = evidence("stale", &pki().ecpf.cert_pem, 1);
    let later = t + 7200;
    let v = verify(&bundle, Settings::default(), vec![ev], later);
    assert!(!v.valid);
    assert!(
        has(
            &v,
            Code::RevocationOcspInvalid,
            Severity::Error,
            "#protected.x5c[0]"
        ),
        "{}",
        v.outcome.to_json()
    );
    let r = rev();
    for (crl, code) in [
        (&r.crl_ac2_expired, Code::RevocationCrlInvalid),
        (&r.crl_ac2_bad_signature, Code::RevocationCrlInvalid),
    ] {
        let d = dir(&format!(
            "bad-crl-{}",
            crl.file_name().unwrap().to_string_lossy()
        ));
        std::fs::copy(crl, d.join("ac2.crl")).unwrap();
        std::fs::copy(&r.crl_ac1, d.join("ac1.crl")).unwrap();
        std::fs::copy(&r.crl_root, d.join("root.crl")).unwrap();
        let v = verify(
            &bundle,
            Settings::default(),
            vec![d.display().to_string()],
            t,
        );
        assert!(!v.valid);
        assert!(
            has(&v, code, Severity::Error, "#protected.x5c[0]"),
            "{}",
            v.outcome.to_json()
        );
    }
}

#[test]
fn evidence_options_are_checked() {
    let e = VerifyOptions::from_json(br#"{"revocationEvidence":"x"}"#).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    let o = VerifyOptions::from_json(
        br#"{"revocationEvidence":["a","b"],"settings":{"ocspUnknown":"warning"}}"#,
    )
    .unwrap();
    assert_eq!(o.revocation_evidence, ["a", "b"]);
    let t = now();
    let signed = sign(
        &p12(&pki().p12_aes),
        Some(P020),
        policy(RevocationPolicy::Off),
        vec![],
        t,
    )
    .unwrap();
    let e = verify_with_clock(
        &VerifyInput {
            bundle: Some(signed.bundle.clone().as_bytes()),
            ..Default::default()
        },
        &trust(),
        &VerifyOptions {
            reference_time: Some(t),
            revocation_evidence: vec!["/nonexistent/evidence".into()],
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    let bad = dir("not-evidence");
    std::fs::write(bad.join("x.der"), b"\x30\x03\x02\x01\x01").unwrap();
    let e = sign(
        &p12(&pki().p12_aes),
        None,
        Settings::default(),
        vec![bad.display().to_string()],
        t,
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::RevocationResponseMalformed);
}
