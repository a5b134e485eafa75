//! One network for everything (docs/adr/0055; DECISIONS D23): a caller's own transport — a
//! Rust closure here — sees every request sign and verify make (AIA, OCSP, CRL, TSA), the
//! disk cache of the network serves revocation later without the network, and offline
//! mode yields the guide's code for each kind of request. Real responders on 127.0.0.1:
//! `openssl ocsp` behind `sesgo-testserver`, CRLs and AIA files, `openssl ts -reply`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::network::{Fetch, FetchError, HttpFetcher, Purpose, Request, Response};
use sesgo::{
    Code, Network, NetworkOptions, Policy, RevocationPolicy, Settings, SignOptions, Signer,
    Strategy, TrustStore, TrustStoreOptions, VerifyInput, VerifyOptions,
};
use sesgo_cert::testpki::{ocsp_route_command, OcspSigner, PkiOptions, TestPki, TestTsa};
use sesgo_testserver::{CommandRoute, ServerConfig, TestServer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A PKI whose AIA, OCSP and CRL URLs point at a loopback server with live responders.
struct World {
    dir: PathBuf,
    pki: TestPki,
    server: TestServer,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn world(name: &str) -> World {
    let dir = std::env::temp_dir().join(format!("sesgo-network-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (pki_dir, www) = (dir.join("pki"), dir.join("www"));
    std::fs::create_dir_all(&www).unwrap();
    let route = |ca: &str, signer| CommandRoute {
        prefix: format!("/ocsp/{ca}"),
        command: ocsp_route_command(&pki_dir, ca, signer, 600),
        content_type: Some("application/ocsp-response".into()),
    };
    let server = TestServer::start(ServerConfig {
        root: Some(www.clone()),
        commands: vec![
            route("ac2", OcspSigner::Delegated),
            route("ac1", OcspSigner::Ca),
            route("root", OcspSigner::Ca),
        ],
        ..ServerConfig::default()
    })
    .unwrap();
    let pki = TestPki::generate_with(
        &pki_dir,
        &PkiOptions {
            base_url: Some(server.base_url()),
        },
    )
    .unwrap();
    pki.write_web_root(&www).unwrap();
    World { dir, pki, server }
}

/// What the host transport saw: (purpose, URL) of every request.
type Log = Arc<Mutex<Vec<(Purpose, String)>>>;

/// A host transport as a closure: records each request, answers the TSA with `openssl ts
/// -reply` of the shared test TSA, and passes the rest to sesgo's HTTP client (the
/// loopback server), refusing the purposes in `refuse`.
fn host(log: Log, refuse: &'static [Purpose]) -> impl Fetch + 'static {
    let http = HttpFetcher::with_defaults().unwrap();
    move |r: &Request<'_>| -> Result<Response, FetchError> {
        log.lock().unwrap().push((r.purpose, r.url.to_owned()));
        if refuse.contains(&r.purpose) {
            return Err(FetchError::Custom {
                url: r.url.into(),
                detail: "recusado pelo host".into(),
            });
        }
        if r.purpose == Purpose::Tsa {
            let tsa = TestTsa::shared();
            let body = tsa
                .reply(&tsa.good, r.body.unwrap_or_default())
                .map_err(|detail| FetchError::Custom {
                    url: r.url.into(),
                    detail,
                })?;
            return Ok(Response {
                status: 200,
                content_type: Some("application/timestamp-reply".into()),
                retry_after_secs: None,
                body,
            });
        }
        http.fetch(r)
    }
}

fn purposes(log: &Log) -> Vec<Purpose> {
    log.lock().unwrap().iter().map(|(p, _)| *p).collect()
}

fn options(cache: &Path) -> NetworkOptions {
    NetworkOptions {
        cache_dir: Some(cache.display().to_string()),
        ..NetworkOptions::default()
    }
}

fn offline() -> Settings {
    Settings {
        network: false,
        ..Settings::default()
    }
}

/// The PKI's root, trusted by fingerprint only: intermediates come from AIA.
fn roots_only(w: &World) -> TrustStore {
    TrustStoreOptions {
        root_sha256: vec![w.pki.root_sha256.clone()],
        ..Default::default()
    }
    .build()
    .unwrap()
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn signer(w: &World) -> Signer {
    Signer::from_pkcs12(
        &std::fs::read(&w.pki.p12_aes).unwrap(),
        &w.pki.password,
        None,
    )
    .unwrap()
}

/// Strategy `tsa` with the shared test TSA (its root as the TSA anchor), under `policy`.
fn tsa_options(revocation: RevocationPolicy) -> SignOptions {
    let tsa_root = std::fs::read_to_string(&TestPki::shared().root.cert_pem).unwrap();
    SignOptions {
        policy: Policy::Politica020,
        strategy: Strategy::Tsa,
        settings: Settings {
            revocation_policy: revocation,
            tsa_url: Some("https://127.0.0.1:1/tsa".into()),
            tsa_trust_store: Some(TrustStoreOptions {
                root_certs_pem: Some(tsa_root),
                ..Default::default()
            }),
            ..Settings::default()
        },
        ..SignOptions::default()
    }
}

fn leaf_only(w: &World) -> Vec<u8> {
    let creds = sesgo_cert::Credentials::from_pkcs12(
        &std::fs::read(&w.pki.p12_aes).unwrap(),
        &w.pki.password,
        None,
    )
    .unwrap();
    sesgo_provenance::testing::leaf_only_transfer_bundle(
        &example("bundle.json"),
        &example("provenance.json"),
        &creds,
        // 0.2.0: no rRefs expected, so it verifies under strict with fresh statuses.
        Policy::Politica020,
        sesgo_cert::now_unix(),
    )
    .unwrap()
}

#[test]
fn a_closure_transport_sees_aia_ocsp_crl_and_tsa_requests() {
    let w = world("closure");
    let log: Log = Arc::default();
    let net = Network::with_fetcher(
        Arc::new(host(log.clone(), &[])),
        &Settings::default(),
        &options(&w.dir.join("cache")),
    )
    .unwrap();
    let trust = net.attach(&roots_only(&w));

    // Signing under strict revocation with a TSA: OCSP for each certificate but the root,
    // then the time stamp, all through the closure; nothing else reached the server.
    let signed = sesgo::sign(
        &example("bundle.json"),
        &example("provenance.json"),
        &signer(&w),
        &trust,
        &tsa_options(RevocationPolicy::Strict),
    )
    .unwrap();
    let seen = purposes(&log);
    assert_eq!(
        seen.iter().filter(|p| **p == Purpose::Ocsp).count(),
        3,
        "{seen:?}"
    );
    assert_eq!(seen.last(), Some(&Purpose::Tsa), "{seen:?}");
    assert_eq!(w.server.hits("/ocsp/ac2"), 1);

    // Verifying a leaf-only signature: the chain through AIA, then revocation — here with
    // OCSP refused by the host, so each status comes from the CRLs.
    let log2: Log = Arc::default();
    let refusing = Network::with_fetcher(
        Arc::new(host(log2.clone(), &[Purpose::Ocsp])),
        &Settings::default(),
        &options(&w.dir.join("cache-2")),
    )
    .unwrap();
    let bundle = leaf_only(&w);
    let v = sesgo::verify(
        &VerifyInput {
            bundle: Some(&bundle),
            ..Default::default()
        },
        &refusing.attach(&roots_only(&w)),
        &VerifyOptions::default(),
    )
    .unwrap();
    assert!(v.valid, "{}", v.outcome.to_json());
    let seen = purposes(&log2);
    for p in [Purpose::Aia, Purpose::Ocsp, Purpose::Crl] {
        assert!(seen.contains(&p), "{p:?} not seen: {seen:?}");
    }
    assert!(!seen.contains(&Purpose::Tsa));

    // The TSA-signed transfer Bundle verifies strictly through the first network.
    let text = signed.bundle.clone();
    let v = sesgo::verify(
        &VerifyInput {
            bundle: Some(text.as_bytes()),
            ..Default::default()
        },
        &trust,
        &VerifyOptions {
            settings: tsa_options(RevocationPolicy::Strict).settings,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(v.valid, "{}", v.outcome.to_json());
}

#[test]
fn the_network_cache_serves_revocation_offline() {
    let w = world("cache");
    let cache = w.dir.join("cache");
    let online = Network::new(&Settings::default(), &options(&cache)).unwrap();
    let bundle = leaf_only(&w);
    let input = VerifyInput {
        bundle: Some(&bundle),
        ..Default::default()
    };
    let v = sesgo::verify(
        &input,
        &online.attach(&roots_only(&w)),
        &VerifyOptions::default(),
    )
    .unwrap();
    assert!(v.valid, "{}", v.outcome.to_json());
    let disk = online.cache().unwrap();
    assert_eq!(disk.list("ocsp").len(), 3, "OCSP responses on disk");
    assert_eq!(disk.list(sesgo_cert::aia::CACHE_NAMESPACE).len(), 3);

    // Another context on the same directory, offline: AIA and the OCSP responses come from
    // the disk cache; strict verification holds and nothing reaches the server.
    let hits = w.server.total_hits();
    let offline = Network::new(&offline(), &options(&cache)).unwrap();
    let v = sesgo::verify(
        &input,
        &offline.attach(&roots_only(&w)),
        &VerifyOptions::default(),
    )
    .unwrap();
    assert!(v.valid, "{}", v.outcome.to_json());
    assert_eq!(w.server.total_hits(), hits);
}

#[test]
fn offline_yields_the_guides_code_for_each_request() {
    let w = world("offline");
    let log: Log = Arc::default();
    // A network with a working transport that the operation's settings turn offline, and
    // an offline network: neither reaches the transport.
    let online = Network::with_fetcher(
        Arc::new(host(log.clone(), &[])),
        &Settings::default(),
        &options(&w.dir.join("cache")),
    )
    .unwrap();
    let net = Network::new(&offline(), &options(&w.dir.join("cache-off"))).unwrap();
    assert!(net.is_offline());
    let full_chain = TrustStoreOptions {
        root_sha256: vec![w.pki.root_sha256.clone()],
        ca_certs_pem: Some(std::fs::read_to_string(&w.pki.chain_pem).unwrap()),
        ..Default::default()
    }
    .build()
    .unwrap();
    let sign = |trust: &TrustStore, o: &SignOptions| {
        sesgo::sign(
            &example("bundle.json"),
            &example("provenance.json"),
            &signer(&w),
            trust,
            o,
        )
    };

    // OCSP and CRL: REVOCATION.NO-CONNECTIVITY for each certificate but the root.
    let strict = SignOptions::default();
    let mut strict_offline = SignOptions::default();
    strict_offline.settings.network = false;
    for (trust, o) in [
        (net.attach(&full_chain), &strict),
        (online.attach(&full_chain), &strict_offline),
        (full_chain.clone(), &strict_offline),
    ] {
        let e = sign(&trust, o).unwrap_err();
        let codes: Vec<Code> = e.findings().iter().map(|f| f.code()).collect();
        assert!(codes.len() >= 3, "{codes:?}");
        assert!(
            codes.iter().all(|c| *c == Code::RevocationNoConnectivity),
            "{codes:?}"
        );
        assert!(e.to_string().contains("sem acesso à rede"), "{e}");
    }

    // TSA: TSA.UNAVAILABLE.
    let e = sign(
        &net.attach(&full_chain),
        &tsa_options(RevocationPolicy::Off),
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::TsaUnavailable, "{e:?}");

    // AIA: a leaf alone stays CERT.CHAIN-INCOMPLETE, saying offline.
    let leaf = std::fs::read(&w.pki.ecpf.cert_pem).unwrap();
    let e = sesgo::build_x5c(
        &leaf,
        &net.attach(&roots_only(&w)),
        &Settings::default(),
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), Code::CertChainIncomplete);
    assert!(e.to_string().contains("offline"), "{e}");

    // Token: CONFIG.INVALID-PARAMETER at `network`.
    let mut o = sesgo::token::TokenOptions::new(
        "sistema",
        sesgo::token::ClientAuth::Secret("s".to_owned().into()),
    );
    o.token_endpoint = Some(format!(
        "{}/token",
        w.server.base_url().replace("http:", "https:")
    ));
    let e = sesgo::token::token(&net, &signer(&w), &o).unwrap_err();
    assert_eq!(e.code(), Code::ConfigInvalidParameter);
    assert_eq!(e.primary().locations(), ["network"]);

    // The ITI archive: NETWORK.HASH-DOWNLOAD-FAILED.
    let e = net.refresh_trust_store().unwrap_err();
    assert_eq!(e.code(), Code::NetworkHashDownloadFailed);

    assert!(purposes(&log).is_empty(), "{:?}", purposes(&log));
    assert_eq!(w.server.total_hits(), 0);
}
