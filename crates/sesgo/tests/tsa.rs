//! Strategy `tsa` end to end (issue 20): signing with a real RFC 3161 TSA (`openssl ts
//! -reply` over the test PKI) under both policies, and verification where `genTime` is
//! the time at which the chain is judged. The TSA is reached through a network whose
//! transport is a [`Fetch`] that hands the request body to `openssl ts -reply`
//! (optionally altered, to make the TSA answer another request), attached to the trust
//! store (docs/adr/0055).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use base64ct::{Base64, Encoding};
use der::{Decode, Encode};
use sesgo::{
    sign_with_clock, verify_with_clock, Code, FixedClock, Network, NetworkOptions, Settings,
    SignOptions, Signer, Stage, StageStatus, TrustStore, TrustStoreOptions, Value, VerifyInput,
    VerifyOptions,
};
use sesgo_cert::testpki::{TestPki, TestTsa, TsaUnit, TSA_POLICY, TSA_REFUSED_POLICY};
use sesgo_cert::Certificate;
use sesgo_fetch::{Fetch, FetchError, Offline, Request, Response};
use std::sync::Arc;

const P012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const TSA_URL: &str = "https://127.0.0.1:1/tsa";

/// How the test fetcher alters the request before the TSA sees it.
#[derive(Clone, Copy)]
enum Alter {
    None,
    /// Another imprint (the TSA stamps something else).
    Imprint,
    /// Another nonce (a response to another request).
    Nonce,
}

/// A `Fetch` whose "server" is `openssl ts -reply` with one test TSA unit.
#[derive(Clone, Copy)]
struct OpensslTsa {
    unit: &'static TsaUnit,
    alter: Alter,
}

impl Fetch for OpensslTsa {
    fn fetch(&self, r: &Request<'_>) -> Result<Response, FetchError> {
        if r.purpose != sesgo_fetch::Purpose::Tsa {
            // OCSP and CRL of the signer's chain (revocationPolicy: warn): no responder.
            return Err(FetchError::Offline { url: r.url.into() });
        }
        assert_eq!(r.content_type, Some("application/timestamp-query"));
        let body = r.body.unwrap_or_default();
        let mut req = x509_tsp::TimeStampReq::from_der(body).expect("a TimeStampReq");
        assert!(req.cert_req);
        match self.alter {
            Alter::None => {}
            Alter::Imprint => {
                req.message_imprint.hashed_message =
                    der::asn1::OctetString::new(vec![7u8; 32]).unwrap()
            }
            Alter::Nonce => req.nonce = Some(der::asn1::Int::new(&[0x11, 0x22, 0x33]).unwrap()),
        }
        let body = TestTsa::shared()
            .reply(self.unit, &req.to_der().unwrap())
            .map_err(|e| FetchError::Custom {
                url: r.url.into(),
                detail: e,
            })?;
        Ok(Response {
            status: 200,
            content_type: Some("application/timestamp-reply".into()),
            retry_after_secs: None,
            body,
        })
    }
}

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn tsa() -> &'static TestTsa {
    TestTsa::shared()
}

fn good() -> OpensslTsa {
    OpensslTsa {
        unit: &tsa().good,
        alter: Alter::None,
    }
}

fn trust() -> TrustStore {
    TrustStore::from_root_certs(vec![Certificate::from_der(&pki().root.der).unwrap()]).unwrap()
}

fn now() -> i64 {
    let _ = tsa();
    sesgo_core::time::now_unix()
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn signer() -> Signer {
    Signer::from_pkcs12(
        &std::fs::read(&pki().p12_aes).unwrap(),
        &pki().password,
        None,
    )
    .unwrap()
}

fn settings() -> Settings {
    Settings {
        revocation_policy: sesgo::RevocationPolicy::Warn,
        tsa_url: Some(TSA_URL.into()),
        ..Settings::default()
    }
}

/// `trust()` with a network over `fetch` attached (the network's own settings are the
/// defaults; the operation's settings still decide timeouts and the TSA URL).
fn trust_over(fetch: impl Fetch + 'static) -> TrustStore {
    let cache = pki().dir.join("tsa-test-cache");
    let options = NetworkOptions {
        cache_dir: Some(cache.display().to_string()),
        ..NetworkOptions::default()
    };
    Network::with_fetcher(Arc::new(fetch), &Settings::default(), &options)
        .unwrap()
        .attach(&trust())
}

fn sign_at(
    policy: &str,
    t: i64,
    s: Settings,
    fetch: impl Fetch + 'static,
) -> sesgo::Result<sesgo::Signed> {
    sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(),
        &trust_over(fetch),
        &SignOptions {
            policy: sesgo::Policy::from_uri(policy).unwrap(),
            strategy: sesgo::Strategy::Tsa,
            reference_time: Some(t),
            settings: s,
            revocation_evidence: Vec::new(),
        },
        &FixedClock(t),
    )
}

fn sign(policy: &str, fetch: impl Fetch + 'static) -> sesgo::Result<sesgo::Signed> {
    sign_at(policy, now(), settings(), fetch)
}

fn verify_bundle(json: &str, t: i64, s: Settings) -> sesgo::Verification {
    verify_with_clock(
        &VerifyInput {
            bundle: Some(json.as_bytes()),
            ..Default::default()
        },
        &trust(),
        &VerifyOptions {
            reference_time: Some(t),
            settings: s,
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap()
}

fn codes(v: &sesgo::Verification) -> Vec<Code> {
    v.outcome.issues().iter().map(|f| f.code()).collect()
}

fn jws_of(signature: &Value) -> Value {
    let data = Base64::decode_vec(signature["data"].as_str().unwrap()).unwrap();
    sesgo_core::json::parse_strict(&data, &Default::default()).unwrap()
}

/// The transfer Bundle with its Provenance's Signature.data replaced by `jws`.
fn with_jws(signed: &sesgo::Signed, jws: &str) -> String {
    let data = Base64::encode_string(jws.as_bytes());
    let old = signed.signature["data"].as_str().unwrap();
    signed.bundle.replace(old, &data)
}

fn token_of(signed: &sesgo::Signed, policy: &str) -> Vec<u8> {
    let jws = jws_of(&signed.signature);
    let h = &jws["signatures"][0]["header"];
    let b64 = if policy == P020 {
        h["etsiU"][0]["sigTst"]["tstTokens"][0]["val"].as_str()
    } else {
        h["sigTst"].as_str()
    };
    Base64::decode_vec(b64.unwrap()).unwrap()
}

#[test]
fn both_policies_sign_with_a_tsa_and_verify_with_gen_time() {
    for policy in [P012, P020] {
        let t = now();
        let signed = sign(policy, good()).unwrap_or_else(|e| panic!("{policy}: {e:?}"));
        let jws = jws_of(&signed.signature);
        let protected = &jws["signatures"][0]["protected"];
        let header = Base64::decode_vec(&b64url_to_std(protected.as_str().unwrap())).unwrap();
        let header = String::from_utf8(header).unwrap();
        let h = &jws["signatures"][0]["header"];
        if policy == P020 {
            // JAdES-B-T: etsiU in clear JSON, exactly one sigTst; iat always.
            let members: Vec<&str> = h.as_object().unwrap().keys().collect();
            assert_eq!(members, ["etsiU"]);
            assert!(h["etsiU"][0]["sigTst"]["tstTokens"][0]["val"]
                .as_str()
                .is_some());
            assert!(header.contains("\"iat\""), "{header}");
        } else {
            assert!(h["sigTst"].as_str().is_some(), "{}", jws.to_json());
            assert!(!header.contains("\"iat\""), "{header}");
        }
        let v = verify_bundle(&signed.bundle, t, settings());
        assert!(v.valid, "{policy}: {}", v.outcome.to_json());
        let r = &v.signatures[0];
        assert_eq!(r.strategy, Some("tsa"));
        assert_eq!(r.stage(Stage::Time), StageStatus::Passed);
        let gen = r.signing_time.unwrap();
        assert!((gen - t).abs() <= 2, "{policy}: signing time {gen} vs {t}");
        // The TSA policy, when configured, must be the token's.
        let mut s = settings();
        s.tsa_policy = Some(TSA_POLICY.into());
        assert!(verify_bundle(&signed.bundle, t, s).valid);
        let mut s = settings();
        s.tsa_policy = Some("1.3.6.1.4.1.55555.20.2".into());
        let v = verify_bundle(&signed.bundle, t, s);
        assert!(!v.valid);
        assert!(
            codes(&v).contains(&Code::TsaValidationFailed),
            "{}",
            v.outcome.to_json()
        );
    }
}

fn b64url_to_std(s: &str) -> String {
    let mut t: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while t.len() % 4 != 0 {
        t.push('=');
    }
    t
}

#[test]
fn the_chain_is_judged_at_gen_time() {
    // 400 days later every leaf of the test PKI has expired (365-day validity). A
    // signature timestamped while it was valid still verifies; an iat one does not.
    let signed = sign(P020, good()).unwrap();
    let later = now() + 400 * 86_400;
    let mut s = settings();
    s.signature_age_threshold_days = 1825;
    let v = verify_bundle(&signed.bundle, later, s.clone());
    assert!(v.valid, "{}", v.outcome.to_json());
    assert_eq!(v.signatures[0].stage(Stage::Chain), StageStatus::Passed);

    let iat = sesgo::sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(),
        &trust(),
        &SignOptions {
            policy: sesgo::Policy::from_uri(P020).unwrap(),
            reference_time: Some(now()),
            settings: settings(),
            ..Default::default()
        },
        &FixedClock(now()),
    )
    .unwrap();
    let v = verify_bundle(&iat.bundle, later, s);
    assert!(!v.valid);
    assert!(
        codes(&v).contains(&Code::CertExpired),
        "{}",
        v.outcome.to_json()
    );
}

#[test]
fn tsa_unavailable_and_not_configured() {
    let e = sign(P020, Offline).unwrap_err();
    assert_eq!(e.code(), Code::TsaUnavailable, "{e:?}");
    let mut s = settings();
    s.tsa_url = None;
    let e = sign_at(P012, now(), s, good()).unwrap_err();
    assert_eq!(e.code(), Code::ConfigMissingParameter);
    let mut s = settings();
    s.tsa_url = Some("http://tsa.example.org/".into());
    let e = sign_at(P012, now(), s, good()).unwrap_err();
    assert_eq!(e.code(), Code::ConfigTsaUrlInvalid);
}

/// The TSA behind the loopback HTTPS server (sesgo-testserver: `openssl ts -reply` per
/// POST), a 503 path and a path answering garbage.
fn https_tsa() -> sesgo_testserver::TestServer {
    use sesgo_testserver::{CommandRoute, Fault, ServerConfig, TestServer, TlsConfig};
    let t = tsa();
    TestServer::start(ServerConfig {
        commands: vec![
            CommandRoute {
                prefix: "/tsa".into(),
                command: t.shell_command(&t.good),
                content_type: Some("application/timestamp-reply".into()),
            },
            CommandRoute {
                prefix: "/garbage".into(),
                command: "echo nao-e-um-TimeStampResp".into(),
                content_type: Some("application/timestamp-reply".into()),
            },
        ],
        faults: vec![("/down".into(), Fault::Status(503))],
        tls: Some(TlsConfig {
            cert_chain_pem: t.https_chain_pem.clone(),
            key_pem: t.https_key_pem.clone(),
            client_ca_pem: None,
            client_cert_required: false,
        }),
        ..ServerConfig::default()
    })
    .unwrap()
}

#[test]
fn the_default_http_fetcher_reaches_an_https_tsa() {
    let server = https_tsa();
    let root_pem = std::fs::read_to_string(&pki().root.cert_pem).unwrap();
    let with = |path: &str| Settings {
        tsa_url: Some(format!("{}{path}", server.base_url())),
        tsa_tls_roots_pem: Some(root_pem.clone()),
        ..settings()
    };
    let sign_default = |policy: &str, s: Settings| {
        let t = now();
        sesgo::sign_with_clock(
            &example("bundle.json"),
            &example("provenance.json"),
            &signer(),
            &trust(),
            &SignOptions {
                policy: sesgo::Policy::from_uri(policy).unwrap(),
                strategy: sesgo::Strategy::Tsa,
                reference_time: Some(t),
                settings: s,
                revocation_evidence: Vec::new(),
            },
            &FixedClock(t),
        )
    };
    for policy in [P012, P020] {
        let signed = sign_default(policy, with("/tsa")).unwrap_or_else(|e| panic!("{e:?}"));
        let v = verify_bundle(&signed.bundle, now(), settings());
        assert!(v.valid, "{}", v.outcome.to_json());
    }
    assert_eq!(server.hits("/tsa"), 2);
    // TSA down: an HTTP error, a closed port; a body that is not a TimeStampResp.
    let e = sign_default(P020, with("/down")).unwrap_err();
    assert_eq!(e.code(), Code::TsaUnavailable, "{e:?}");
    let mut s = with("/tsa");
    s.tsa_url = Some("https://127.0.0.1:1/tsa".into());
    let e = sign_default(P020, s).unwrap_err();
    assert_eq!(e.code(), Code::TsaUnavailable, "{e:?}");
    let e = sign_default(P020, with("/garbage")).unwrap_err();
    assert_eq!(e.code(), Code::TsaInvalidResponse, "{e:?}");
    // The server's certificate is not trusted without tsaTlsRootsPem.
    let mut s = with("/tsa");
    s.tsa_tls_roots_pem = None;
    let e = sign_default(P020, s).unwrap_err();
    assert_eq!(e.code(), Code::TsaUnavailable, "{e:?}");
    server.stop();
}

#[test]
fn a_rejection_status_is_an_invalid_response() {
    let mut s = settings();
    s.tsa_policy = Some(TSA_REFUSED_POLICY.into());
    let e = sign_at(P020, now(), s, good()).unwrap_err();
    assert_eq!(e.code(), Code::TsaInvalidResponse, "{e:?}");
}

#[test]
fn wrong_imprint_and_wrong_nonce_fail_signing() {
    for (alter, word) in [(Alter::Imprint, "messageImprint"), (Alter::Nonce, "nonce")] {
        let f = OpensslTsa {
            unit: &tsa().good,
            alter,
        };
        let e = sign(P012, f).unwrap_err();
        assert_eq!(e.code(), Code::TsaValidationFailed, "{e:?}");
        assert!(e.to_string().contains(word), "{e}");
    }
}

#[test]
fn an_untrusted_tsa_fails_unless_its_root_is_a_tsa_anchor() {
    let foreign = OpensslTsa {
        unit: &tsa().foreign,
        alter: Alter::None,
    };
    let e = sign(P020, foreign).unwrap_err();
    assert_eq!(e.code(), Code::TsaValidationFailed, "{e:?}");
    // With the foreign root as the TSA anchor (separate from the signer trust store).
    let mut s = settings();
    s.tsa_trust_store = Some(TrustStoreOptions {
        root_certs_pem: Some(std::fs::read_to_string(&pki().foreign_root.cert_pem).unwrap()),
        ..Default::default()
    });
    let t = now();
    let signed = sign_at(P020, t, s.clone(), foreign).unwrap();
    assert!(verify_bundle(&signed.bundle, t, s).valid);
    let v = verify_bundle(&signed.bundle, t, settings());
    assert!(!v.valid);
    assert!(
        codes(&v).contains(&Code::TsaValidationFailed),
        "{}",
        v.outcome.to_json()
    );
    assert_eq!(v.signatures[0].stage(Stage::Time), StageStatus::Failed);
}

#[test]
fn a_token_signed_without_the_critical_eku_fails_verification() {
    for policy in [P012, P020] {
        let t = now();
        let signed = sign(policy, good()).unwrap();
        let token = token_of(&signed, policy);
        // Re-sign the token's own TSTInfo with the non-critical-EKU certificate.
        let ci = cms::content_info::ContentInfo::from_der(&token).unwrap();
        let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
        let econtent: der::asn1::OctetString =
            sd.encap_content_info.econtent.unwrap().decode_as().unwrap();
        let bad = tsa()
            .cms_token(&tsa().no_critical_eku, econtent.as_bytes())
            .unwrap();
        let jws = jws_of(&signed.signature).to_json();
        let jws = jws.replace(&Base64::encode_string(&token), &Base64::encode_string(&bad));
        let v = verify_bundle(&with_jws(&signed, &jws), t, settings());
        assert!(!v.valid);
        let f = v
            .outcome
            .issues()
            .iter()
            .find(|f| f.code() == Code::TsaValidationFailed)
            .unwrap_or_else(|| panic!("{}", v.outcome.to_json()));
        assert!(f.diagnostics().contains("EKU"), "{}", f.diagnostics());
        assert!(f.locations()[0].contains("#header."), "{:?}", f.locations());
        // Garbage instead of a token.
        let jws = jws_of(&signed.signature).to_json();
        let jws = jws.replace(&Base64::encode_string(&token), "AAAA");
        let v = verify_bundle(&with_jws(&signed, &jws), t, settings());
        assert!(
            codes(&v).contains(&Code::TsaInvalidToken),
            "{}",
            v.outcome.to_json()
        );
    }
}

#[test]
fn gen_time_outside_the_window() {
    // (Signing against a TSA whose clock is off: the unit tests of `tsa::window`; the
    // test PKI is younger than any reference time 300 s in the past.)
    // Verification with a reference time 400 s before genTime.
    let signed = sign(P020, good()).unwrap();
    let v = verify_bundle(&signed.bundle, now() - 400, settings());
    assert!(!v.valid);
    assert!(
        codes(&v).contains(&Code::TemporalTsaTimestampOutOfBounds),
        "{}",
        v.outcome.to_json()
    );
    // Policy 0.1: genTime against Signature.when (its reference timestamp).
    let signed = sign(P012, good()).unwrap();
    let when = signed.signature["when"].as_str().unwrap().to_owned();
    let moved =
        sesgo_core::time::instant(sesgo_core::time::parse_instant(&when).unwrap() - 1000).unwrap();
    let text = signed.bundle.replace(&when, &moved);
    let v = verify_bundle(&text, now(), settings());
    assert!(
        codes(&v).contains(&Code::TemporalTsaTimestampOutOfBounds),
        "{}",
        v.outcome.to_json()
    );
}

#[test]
fn iat_and_sig_tst_together_are_refused_under_policy_0_1() {
    let t = now();
    let tsa_signed = sign(P012, good()).unwrap();
    let token = Base64::encode_string(&token_of(&tsa_signed, P012));
    let iat = sesgo::sign_with_clock(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(),
        &trust(),
        &SignOptions {
            policy: sesgo::Policy::from_uri(P012).unwrap(),
            reference_time: Some(t),
            settings: settings(),
            ..Default::default()
        },
        &FixedClock(t),
    )
    .unwrap();
    let jws = jws_of(&iat.signature).to_json();
    assert!(!jws.contains("\"header\""));
    let jws = jws.replacen(
        "\"}]}",
        &format!("\",\"header\":{{\"sigTst\":\"{token}\"}}}}]}}"),
        1,
    );
    let v = verify_bundle(&with_jws(&iat, &jws), t, settings());
    assert!(!v.valid);
    assert!(
        codes(&v).contains(&Code::ValidationTimestampStrategyInvalid),
        "{}",
        v.outcome.to_json()
    );
}
