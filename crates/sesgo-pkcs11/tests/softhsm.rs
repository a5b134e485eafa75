//! A real PKCS#11 module: SoftHSM2 tokens made per test run in a temporary directory with
//! the test PKI's e-CPF key (sesgo_pkcs11::softhsm).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sesgo_cert::testpki::TestPki;
use sesgo_cert::{Certificate, Credentials};
use sesgo_core::{Code, Error};
use sesgo_pkcs11::softhsm::{self, SoftHsm};
use sesgo_pkcs11::{
    inspect, InspectOptions, KeyRef, MechanismChoice, MiddlewareSettings, Pin, Pkcs11Options,
    Pkcs11Signer, SessionMode, SigningMechanism,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Instant;
use zeroize::Zeroizing;

fn hsm() -> &'static SoftHsm {
    SoftHsm::shared()
}

fn opts(token: &str, key: KeyRef) -> Pkcs11Options {
    let mut o = Pkcs11Options::new(&hsm().module, key);
    o.token_label = Some(token.to_owned());
    o.settings.max_retries = 0;
    o
}

fn main_opts() -> Pkcs11Options {
    opts(softhsm::TOKEN, KeyRef::Id(softhsm::KEY_ID.into()))
}

fn pin() -> Pin {
    Pin::value(softhsm::USER_PIN)
}

fn err(o: &Pkcs11Options, p: Pin) -> Error {
    match Pkcs11Signer::open(o, p) {
        Ok(s) => panic!("expected an error, opened {s:?}"),
        Err(e) => e,
    }
}

fn assert_err(e: &Error, code: Code, loc: &str) {
    assert_eq!(e.code(), code, "{e:?}");
    assert_eq!(e.primary().locations(), [loc.to_owned()], "{e:?}");
}

fn p12_creds() -> Credentials {
    let pki = TestPki::shared();
    Credentials::from_pkcs12(&std::fs::read(&pki.p12_aes).unwrap(), &pki.password, None).unwrap()
}

fn verify(cert_der: &[u8], msg: &[u8], sig: &[u8]) {
    let cert = Certificate::from_der(cert_der).unwrap();
    // RustCrypto as an independent second implementation (the product signs with OpenSSL).
    let k = cert.public_key().unwrap();
    let key = RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(&k.modulus()),
        rsa::BigUint::from_bytes_be(&k.exponent()),
    )
    .unwrap();
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), sig)
        .expect("RS256 signature verifies with the certificate");
}

#[test]
fn signs_like_pkcs12_with_both_mechanisms() {
    let creds = p12_creds();
    let msg = b"eyJhbGciOiJSUzI1NiJ9.cGF5bG9hZA";
    let want = creds.sign_rs256(msg).unwrap();
    for (choice, mech) in [
        (MechanismChoice::Auto, SigningMechanism::Sha256RsaPkcs),
        (
            MechanismChoice::Sha256RsaPkcs,
            SigningMechanism::Sha256RsaPkcs,
        ),
        (MechanismChoice::RsaPkcs, SigningMechanism::RsaPkcs),
    ] {
        let mut o = main_opts();
        o.settings.mechanism = choice;
        let s = Pkcs11Signer::open(&o, pin()).unwrap();
        assert_eq!(s.mechanism(), mech);
        let sig = s.sign_rs256(msg).unwrap();
        verify(&s.chain_der()[0], msg, &sig);
        // PKCS#1 v1.5 is deterministic: the token and the PKCS#12 key give the same bytes.
        assert_eq!(sig, want, "{choice:?}");
    }
}

#[test]
fn chain_completed_from_the_token() {
    let pki = TestPki::shared();
    let s = Pkcs11Signer::open(&main_opts(), pin()).unwrap();
    assert_eq!(
        s.chain_der(),
        [
            pki.ecpf.der.clone(),
            pki.ac2.der.clone(),
            pki.ac1.der.clone(),
            pki.root.der.clone()
        ]
    );
    assert_eq!(s.token_label(), softhsm::TOKEN);
}

#[test]
fn by_label_by_slot_and_auto_discovery() {
    let pki = TestPki::shared();
    let by_label = Pkcs11Signer::open(
        &opts(softhsm::TOKEN, KeyRef::Label(softhsm::KEY_LABEL.into())),
        pin(),
    )
    .unwrap();
    assert_eq!(by_label.chain_der()[0], pki.ecpf.der);
    let mut by_slot = main_opts();
    by_slot.token_label = None;
    by_slot.slot_id = Some(by_label.slot_id());
    let s = Pkcs11Signer::open(&by_slot, pin()).unwrap();
    assert_eq!(s.token_label(), softhsm::TOKEN);
    // Auto-discovery: no slot, no label; the first token holding the certificate.
    let mut auto = main_opts();
    auto.token_label = None;
    let s = Pkcs11Signer::open(&auto, pin()).unwrap();
    assert_eq!(s.chain_der()[0], pki.ecpf.der);
    // read-write sessions sign too.
    let mut rw = main_opts();
    rw.settings.session_mode = SessionMode::ReadWrite;
    let s = Pkcs11Signer::open(&rw, pin()).unwrap();
    verify(&pki.ecpf.der, b"x", &s.sign_rs256(b"x").unwrap());
}

#[test]
fn wrong_pin_is_tried_once() {
    let e = err(&main_opts(), Pin::value("000000"));
    assert_err(&e, Code::CryptoPinInvalid, "pkcs11.pin");
    assert!(
        e.primary().diagnostics().contains("CKR_PIN_INCORRECT"),
        "{e:?}"
    );
    // A callback is asked once by default (max_pin_attempts 1)...
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let cb = Pin::Callback(Box::new(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
        Ok(Zeroizing::new("000000".to_owned()))
    }));
    assert_err(&err(&main_opts(), cb), Code::CryptoPinInvalid, "pkcs11.pin");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // ...and again, up to max_pin_attempts, only when allowed.
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let cb = Pin::Callback(Box::new(move |attempt| {
        c.fetch_add(1, Ordering::SeqCst);
        Ok(Zeroizing::new(
            if attempt == 1 {
                "000000"
            } else {
                softhsm::USER_PIN
            }
            .to_owned(),
        ))
    }));
    let mut o = main_opts();
    o.settings.max_pin_attempts = 3;
    Pkcs11Signer::open(&o, cb).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // A callback that gives up stops with its own error.
    let cb = Pin::Callback(Box::new(|_| {
        Err(Error::new(Code::ConfigMissingParameter, "sem PIN"))
    }));
    assert_err(
        &err(&main_opts(), cb),
        Code::ConfigMissingParameter,
        "pkcs11.pin",
    );
}

#[test]
fn locked_pin() {
    let o = opts(softhsm::TOKEN_LOCKED, KeyRef::Id(softhsm::KEY_ID.into()));
    // Locked: not even the right PIN is tried.
    assert_err(&err(&o, pin()), Code::DevicePinBlocked, "pkcs11.pin");
}

#[test]
fn module_path_and_format() {
    let _ = hsm();
    let mut o = main_opts();
    o.module = PathBuf::from("/nao/existe/libpkcs11.so");
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareLibraryNotFound,
        "pkcs11.module",
    );
    o.module = PathBuf::from("libsofthsm2.so");
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareLibraryPathInvalid,
        "pkcs11.module",
    );
    o.module = std::env::temp_dir();
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareLibraryPathInvalid,
        "pkcs11.module",
    );
    o.module = hsm().conf.clone();
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareLibraryInvalidFormat,
        "pkcs11.module",
    );
    // An ELF shared library that is not a PKCS#11 module (no C_GetFunctionList).
    let libc = [
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file());
    if let Some(lib) = libc {
        o.module = lib;
        assert_err(
            &err(&o, pin()),
            Code::MiddlewareLibraryInvalidFormat,
            "pkcs11.module",
        );
    }
    // Declared architecture must match the file.
    let mut o = main_opts();
    o.architecture = Some(if usize::BITS == 64 { "32" } else { "64" }.into());
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareLibraryInvalidFormat,
        "pkcs11.module",
    );
    o.architecture = Some("16".into());
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareInvalidConfig,
        "pkcs11.architecture",
    );
}

#[test]
fn wrong_slot_label_id() {
    let mut o = main_opts();
    o.token_label = None;
    o.slot_id = Some(987_654_321);
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareSlotIdInvalid,
        "pkcs11.slotId",
    );
    let o = opts("nao-existe", KeyRef::Id(softhsm::KEY_ID.into()));
    assert_err(
        &err(&o, pin()),
        Code::DeviceTokenNotFound,
        "pkcs11.tokenLabel",
    );
    let o = opts(&"x".repeat(33), KeyRef::Id(softhsm::KEY_ID.into()));
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareTokenLabelInvalid,
        "pkcs11.tokenLabel",
    );
    let o = opts(softhsm::TOKEN, KeyRef::Id("ff".into()));
    assert_err(
        &err(&o, pin()),
        Code::DeviceCertificateNotFound,
        "pkcs11.keyId",
    );
    let o = opts(softhsm::TOKEN, KeyRef::Label("outra".into()));
    assert_err(
        &err(&o, pin()),
        Code::DeviceCertificateNotFound,
        "pkcs11.keyLabel",
    );
    let o = opts(softhsm::TOKEN, KeyRef::Id("a1zz".into()));
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareInvalidConfig,
        "pkcs11.keyId",
    );
    // A certificate without its private key (the AC certificate, id b2).
    let o = opts(softhsm::TOKEN, KeyRef::Id("b2".into()));
    assert_err(&err(&o, pin()), Code::DeviceKeyAccessDenied, "pkcs11.keyId");
}

#[test]
fn token_without_the_certificate() {
    let o = opts(softhsm::TOKEN_NO_CERT, KeyRef::Id(softhsm::KEY_ID.into()));
    let e = err(&o, pin());
    assert_err(&e, Code::DeviceCertificateNotFound, "pkcs11.keyId");
    assert!(
        e.primary().diagnostics().contains(softhsm::TOKEN_NO_CERT),
        "{e:?}"
    );
}

#[test]
fn ecdsa_is_refused() {
    let o = opts(softhsm::TOKEN, KeyRef::Id(softhsm::EC_KEY_ID.into()));
    let e = err(&o, pin());
    assert_err(&e, Code::MiddlewareUnsupportedMechanisms, "pkcs11.keyId");
    assert!(e.primary().diagnostics().contains("CKM_ECDSA"), "{e:?}");
    let mut o = main_opts();
    o.settings.mechanism = MechanismChoice::Ecdsa;
    assert_err(
        &err(&o, pin()),
        Code::MiddlewareUnsupportedMechanisms,
        "pkcs11.mechanism",
    );
}

#[test]
fn settings_ranges() {
    type Set = fn(&mut MiddlewareSettings);
    let cases: [(Set, Code, &str); 10] = [
        (
            |s| s.session_timeout_secs = 59,
            Code::MiddlewareTimeoutOutOfRange,
            "pkcs11.sessionTimeout",
        ),
        (
            |s| s.session_timeout_secs = 3601,
            Code::MiddlewareTimeoutOutOfRange,
            "pkcs11.sessionTimeout",
        ),
        (
            |s| s.max_pin_attempts = 0,
            Code::MiddlewareAuthAttemptsOutOfRange,
            "pkcs11.maxPinAttempts",
        ),
        (
            |s| s.max_pin_attempts = 11,
            Code::MiddlewareAuthAttemptsOutOfRange,
            "pkcs11.maxPinAttempts",
        ),
        (
            |s| s.connection_timeout_secs = 2,
            Code::MiddlewareTimeoutOutOfRange,
            "pkcs11.connectionTimeout",
        ),
        (
            |s| s.connection_timeout_secs = 61,
            Code::MiddlewareTimeoutOutOfRange,
            "pkcs11.connectionTimeout",
        ),
        (
            |s| s.retry_interval_secs = 0,
            Code::MiddlewareRetryConfigInvalid,
            "pkcs11.retryInterval",
        ),
        (
            |s| s.retry_interval_secs = 31,
            Code::MiddlewareRetryConfigInvalid,
            "pkcs11.retryInterval",
        ),
        (
            |s| s.max_retries = 11,
            Code::MiddlewareRetryConfigInvalid,
            "pkcs11.maxRetries",
        ),
        (
            |s| s.mechanism = MechanismChoice::Ecdsa,
            Code::MiddlewareUnsupportedMechanisms,
            "pkcs11.mechanism",
        ),
    ];
    for (set, code, loc) in cases {
        let mut s = MiddlewareSettings::default();
        s.validate().unwrap();
        set(&mut s);
        assert_err(&s.validate().unwrap_err(), code, loc);
    }
    let bounds = MiddlewareSettings {
        session_timeout_secs: 3600,
        max_pin_attempts: 10,
        connection_timeout_secs: 60,
        retry_interval_secs: 30,
        max_retries: 10,
        ..Default::default()
    };
    bounds.validate().unwrap();
    assert_err(
        &SessionMode::parse("rw-only").unwrap_err(),
        Code::MiddlewareSessionModeInvalid,
        "pkcs11.sessionMode",
    );
    assert_eq!(
        SessionMode::parse("read-write").unwrap(),
        SessionMode::ReadWrite
    );
    assert_eq!(
        MechanismChoice::parse("CKM_RSA_PKCS").unwrap(),
        MechanismChoice::RsaPkcs
    );
}

#[test]
fn retries_wait_then_give_up() {
    let mut o = opts("ainda-nao-inserido", KeyRef::Id(softhsm::KEY_ID.into()));
    o.settings.max_retries = 1;
    o.settings.retry_interval_secs = 1;
    let t = Instant::now();
    assert_err(
        &err(&o, pin()),
        Code::DeviceTokenNotFound,
        "pkcs11.tokenLabel",
    );
    assert!(t.elapsed().as_millis() >= 1000);
    // Never past the connection budget: 3 s budget, 2 s interval, 10 retries → at most 1.
    o.settings.max_retries = 10;
    o.settings.retry_interval_secs = 2;
    o.settings.connection_timeout_secs = 3;
    let t = Instant::now();
    assert_err(
        &err(&o, pin()),
        Code::DeviceTokenNotFound,
        "pkcs11.tokenLabel",
    );
    assert!(t.elapsed().as_secs() < 4, "{:?}", t.elapsed());
}

#[test]
fn eight_threads() {
    let pki = TestPki::shared();
    let s = Arc::new(Pkcs11Signer::open(&main_opts(), pin()).unwrap());
    let creds = Arc::new(p12_creds());
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let s = s.clone();
            let creds = creds.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let msg = format!("thread {t} mensagem {i}");
                    let sig = s.sign_rs256(msg.as_bytes()).unwrap();
                    assert_eq!(sig, creds.sign_rs256(msg.as_bytes()).unwrap());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    verify(&pki.ecpf.der, b"fim", &s.sign_rs256(b"fim").unwrap());
}

#[test]
fn inspect_lists_tokens_keys_and_certificates() {
    let h = hsm();
    let report = inspect(&InspectOptions {
        module: h.module.clone(),
        token_label: Some(softhsm::TOKEN.into()),
        pin: Some(Zeroizing::new(softhsm::USER_PIN.into())),
        ..Default::default()
    })
    .unwrap();
    let slots = report["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 1, "{report:#}");
    let token = &slots[0]["token"];
    assert_eq!(token["label"], softhsm::TOKEN);
    assert_eq!(token["login"], "CKR_OK");
    assert_eq!(token["mechanisms"]["CKM_SHA256_RSA_PKCS"], true);
    let certs = token["certificates"].as_array().unwrap();
    assert!(certs.iter().any(|c| c["id"] == softhsm::KEY_ID
        && c["label"] == softhsm::KEY_LABEL
        && c["subject"].as_str().unwrap().contains("CN=")));
    let keys = token["privateKeys"].as_array().unwrap();
    assert!(keys
        .iter()
        .any(|k| k["id"] == softhsm::KEY_ID && k["keyType"] == "RSA" && k["sign"] == true));
    assert!(keys
        .iter()
        .any(|k| k["id"] == softhsm::EC_KEY_ID && k["keyType"] == "EC"));
    // Without a PIN: certificates only; a wrong PIN is reported, not retried.
    let report = inspect(&InspectOptions {
        module: h.module.clone(),
        pin: Some(Zeroizing::new("000000".into())),
        token_label: Some(softhsm::TOKEN_NO_CERT.into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(report["slots"][0]["token"]["login"], "CKR_PIN_INCORRECT");
    assert_eq!(
        report["slots"][0]["token"]["certificates"],
        serde_json::json!([])
    );
}

#[test]
fn wrong_pin_while_the_token_is_logged_in() {
    // Login state is per application: with a signer holding the token open, C_Login
    // answers CKR_USER_ALREADY_LOGGED_IN to any PIN; the wrong PIN must still fail.
    let good = Pkcs11Signer::open(&main_opts(), pin()).unwrap();
    let e = err(&main_opts(), Pin::value("000000"));
    assert_err(&e, Code::CryptoPinInvalid, "pkcs11.pin");
    good.sign_rs256(b"ainda funciona").unwrap();
    Pkcs11Signer::open(&main_opts(), pin()).unwrap();
}
