//! Online PKI against a real loopback server (issue 18): AIA chain completion (PKCS#7,
//! DER, PEM; memory and disk caches; offline; 8 threads on a cold cache) and the ITI
//! trust-store refresh over HTTPS (wrong hash, corrupted zip, stale copies, offline).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sesgo_cert::aia::parse_certificates;
use sesgo_cert::iti_refresh::{self, ItiConfig};
use sesgo_cert::testpki::{PkiOptions, TestPki, TlsServer};
use sesgo_cert::{validate_chain, AiaConfig, AiaSource, Certificate, ChainOptions, TrustStore};
use sesgo_core::Code;
use sesgo_fetch::{DiskCache, Fetch, HttpConfig, HttpFetcher, Offline, ProxyConfig};
use sesgo_testserver::{ServerConfig, TestServer, TlsConfig};

struct World {
    pki: TestPki,
    www: PathBuf,
    server: TestServer,
    tmp: PathBuf,
}

/// One HTTP server (AIA) and one PKI whose URLs point to it, for the whole file.
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let tmp = std::env::temp_dir().join(format!("sesgo-cert-online-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let www = tmp.join("www");
        std::fs::create_dir_all(&www).unwrap();
        let server = TestServer::start(ServerConfig {
            root: Some(www.clone()),
            ..ServerConfig::default()
        })
        .unwrap();
        let pki = TestPki::generate_with(
            &tmp.join("pki"),
            &PkiOptions {
                base_url: Some(server.base_url()),
            },
        )
        .unwrap();
        pki.write_web_root(&www).unwrap();
        World {
            pki,
            www,
            server,
            tmp,
        }
    })
}

/// Tests that count the shared server's hits run one at a time.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn http(extra_roots: Vec<Vec<u8>>) -> Arc<dyn Fetch> {
    Arc::new(
        HttpFetcher::new(HttpConfig {
            system_roots: false,
            extra_roots_der: extra_roots,
            proxy: ProxyConfig::none(),
            ..HttpConfig::default()
        })
        .unwrap(),
    )
}

fn cache(name: &str) -> Arc<DiskCache> {
    let dir = world().tmp.join(format!("cache-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    Arc::new(DiskCache::open(dir, 16 << 20).unwrap())
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn root_only() -> TrustStore {
    TrustStore::from_fingerprints([world().pki.root_sha256.as_str()]).unwrap()
}

#[test]
fn a_leaf_alone_is_completed_through_aia_and_validates() {
    let _serial = serial();
    let w = world();
    let source = Arc::new(AiaSource::new(
        http(vec![]),
        Some(cache("leaf")),
        AiaConfig::default(),
    ));
    let trust = root_only().with_aia(Arc::clone(&source));
    let leaf = cert(&w.pki.ecpf.der);
    assert_eq!(
        leaf.ca_issuers_urls(),
        vec![format!("{}/aia/ac2.p7b", w.server.base_url())]
    );
    assert_eq!(
        leaf.ocsp_urls(),
        vec![format!("{}/ocsp/ac2", w.server.base_url())]
    );
    assert_eq!(
        leaf.crl_urls(),
        vec![format!("{}/crl/ac2.crl", w.server.base_url())]
    );
    let before = (w.server.hits("/aia/ac2.p7b"), w.server.hits("/aia/ac1.cer"));
    let chain = trust.complete_chain(std::slice::from_ref(&leaf)).unwrap();
    assert_eq!(chain.len(), 4);
    assert_eq!(chain[1], cert(&w.pki.ac2.der));
    assert_eq!(chain[3], cert(&w.pki.root.der));
    let now = sesgo_cert::now_unix();
    validate_chain(&chain, &trust, &ChainOptions::at(now)).unwrap();
    // The memory layer answers the second time; a new store reuses the source's memory.
    root_only()
        .with_aia(source)
        .complete_chain(&[leaf])
        .unwrap();
    assert_eq!(w.server.hits("/aia/ac2.p7b"), before.0 + 1);
    assert_eq!(w.server.hits("/aia/ac1.cer"), before.1 + 1);
}

#[test]
fn trust_still_comes_only_from_pinned_roots() {
    let _serial = serial();
    let w = world();
    let source = Arc::new(AiaSource::new(http(vec![]), None, AiaConfig::default()));
    // Completed up to the test root, but the store pins only the ICP-Brasil roots.
    let trust = TrustStore::icp_brasil_default().with_aia(source);
    let chain = trust.complete_chain(&[cert(&w.pki.ecpf.der)]).unwrap();
    let err =
        validate_chain(&chain, &trust, &ChainOptions::at(sesgo_cert::now_unix())).unwrap_err();
    assert_eq!(err.code(), sesgo_cert::UNTRUSTED_ROOT_CODE);
}

#[test]
fn the_disk_cache_serves_offline_and_offline_without_it_fails_with_chain_incomplete() {
    let _serial = serial();
    let w = world();
    let disk = cache("offline");
    let leaf = cert(&w.pki.ecpf.der);
    let online = AiaSource::new(http(vec![]), Some(Arc::clone(&disk)), AiaConfig::default());
    root_only()
        .with_aia(Arc::new(online))
        .complete_chain(std::slice::from_ref(&leaf))
        .unwrap();
    // AC2 (PKCS#7), AC1 and the root (pinned by fingerprint only, so not in the pool).
    assert_eq!(disk.list("aia").len(), 3);

    let offline = AiaSource::new(Arc::new(Offline), Some(disk), AiaConfig::default());
    let chain = root_only()
        .with_aia(Arc::new(offline))
        .complete_chain(std::slice::from_ref(&leaf))
        .unwrap();
    assert_eq!(chain.len(), 4);

    let bare = AiaSource::new(Arc::new(Offline), None, AiaConfig::default());
    let err = root_only()
        .with_aia(Arc::new(bare))
        .complete_chain(&[leaf])
        .unwrap_err();
    assert_eq!(err.code(), Code::CertChainIncomplete);
    assert_eq!(err.primary().locations(), ["x5c[0]"]);
    assert!(err.to_string().contains("offline"), "{err}");
}

#[test]
fn depth_is_bounded() {
    let _serial = serial();
    let w = world();
    let source = AiaSource::new(
        http(vec![]),
        None,
        AiaConfig {
            max_depth: 2,
            ..AiaConfig::default()
        },
    );
    let err = root_only()
        .with_aia(Arc::new(source))
        .complete_chain(&[cert(&w.pki.ecpf.der)])
        .unwrap_err();
    assert_eq!(err.code(), Code::CertChainIncomplete);
    assert!(err.to_string().contains("profundidade"), "{err}");
}

#[test]
fn eight_threads_on_a_cold_cache_fetch_each_url_once() {
    let _serial = serial();
    let w = world();
    let disk = cache("threads");
    let fetch = http(vec![]);
    // ac1.cer is not reached by anybody else in this file through this path.
    let url = format!("{}/aia/ac2.cer", w.server.base_url());
    let before = w.server.hits("/aia/ac2.cer");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            // Separate sources (as separate trust stores would be) sharing one disk cache.
            let source = AiaSource::new(
                Arc::clone(&fetch),
                Some(Arc::clone(&disk)),
                AiaConfig::default(),
            );
            let url = url.clone();
            std::thread::spawn(move || source.certificates_at(&url).unwrap())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), vec![cert(&w.pki.ac2.der)]);
    }
    assert_eq!(w.server.hits("/aia/ac2.cer"), before + 1);
}

#[test]
fn aia_payloads_der_pem_and_pkcs7() {
    let w = world();
    let ac2 = cert(&w.pki.ac2.der);
    for file in ["aia/ac2.cer", "aia/ac2.pem", "aia/ac2.p7b"] {
        let bytes = std::fs::read(w.www.join(file)).unwrap();
        assert_eq!(
            parse_certificates(&bytes).unwrap(),
            vec![ac2.clone()],
            "{file}"
        );
    }
    // PKCS#7 in PEM, as some ACs publish it.
    let out = std::process::Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-certfile"])
        .arg(&w.pki.chain_pem)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(parse_certificates(&out.stdout).unwrap().len(), 3);
    for junk in [
        &b""[..],
        b"<html>404</html>",
        b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
    ] {
        assert!(parse_certificates(junk).is_err());
    }
}

#[test]
fn a_wrong_payload_leaves_the_chain_incomplete() {
    let w = world();
    // A server whose AIA URL answers 404: nothing cached, CERT.CHAIN-INCOMPLETE.
    let empty = TestServer::start(ServerConfig::default()).unwrap();
    let source = AiaSource::new(http(vec![]), Some(cache("wrong")), AiaConfig::default());
    let err = source
        .certificates_at(&format!("{}/aia/ac2.p7b", empty.base_url()))
        .unwrap_err();
    assert!(err.contains("404"), "{err}");
    // The leaf's AIA returns the leaf itself: not an issuer.
    let dir = w.tmp.join("www-wrong/aia");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ac2.p7b"), &w.pki.ecpf.der).unwrap();
    let s = TestServer::start(ServerConfig {
        root: Some(w.tmp.join("www-wrong")),
        ..ServerConfig::default()
    })
    .unwrap();
    let url = format!("{}/aia/ac2.p7b", s.base_url());
    let certs = source.certificates_at(&url).unwrap();
    assert_eq!(certs, vec![cert(&w.pki.ecpf.der)]);
}

// ---- ITI trust store ----------------------------------------------------------------

struct Mirror {
    server: TestServer,
    dir: PathBuf,
    fetch: Arc<dyn Fetch>,
}

fn mirror(name: &str) -> Mirror {
    let w = world();
    let dir = w.tmp.join(format!("iti-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    w.pki.write_ac_archive(&dir).unwrap();
    let tls = TlsServer::generate(&w.pki, &w.tmp.join(format!("tls-{name}"))).unwrap();
    let (chain, key) = (tls.chain_pem, tls.key_pem);
    let server = TestServer::start(ServerConfig {
        root: Some(dir.clone()),
        tls: Some(TlsConfig {
            cert_chain_pem: chain,
            key_pem: key,
            client_ca_pem: None,
            client_cert_required: false,
        }),
        ..ServerConfig::default()
    })
    .unwrap();
    Mirror {
        server,
        dir,
        fetch: http(vec![w.pki.root.der.clone()]),
    }
}

fn config(m: &Mirror) -> ItiConfig {
    ItiConfig {
        zip_url: format!("{}/ACcompactado.zip", m.server.base_url()),
        hash_url: format!("{}/hashsha512.txt", m.server.base_url()),
        timeout: Duration::from_secs(5),
        ..ItiConfig::default()
    }
}

#[test]
fn iti_refresh_checks_the_hash_stores_atomically_and_keeps_the_last_good_copy() {
    let m = mirror("refresh");
    let disk = cache("iti-refresh");
    let cfg = config(&m);
    assert!(iti_refresh::cached(&disk, &cfg).is_none());

    let first = iti_refresh::refresh_and_compare(m.fetch.as_ref(), &disk, &cfg).unwrap();
    assert!(first.changed && first.refreshed);
    assert_eq!(first.archive.certificates.len(), 3);
    assert_eq!(first.added.len(), 3);
    assert_eq!(m.server.hits("/ACcompactado.zip"), 1);

    // Same hash: the archive is not downloaded again.
    let again = iti_refresh::refresh_and_compare(m.fetch.as_ref(), &disk, &cfg).unwrap();
    assert!(!again.changed && again.added.is_empty());
    assert_eq!(m.server.hits("/ACcompactado.zip"), 1);
    assert_eq!(m.server.hits("/hashsha512.txt"), 2);

    // Wrong hash published: SECURITY.HASH-VALIDATION-FAILED, nothing replaced.
    let good_hash = std::fs::read(m.dir.join("hashsha512.txt")).unwrap();
    std::fs::write(
        m.dir.join("hashsha512.txt"),
        format!("{}  ACcompactado.zip\n", "ab".repeat(64)),
    )
    .unwrap();
    let err = iti_refresh::refresh(m.fetch.as_ref(), &disk, &cfg).unwrap_err();
    assert_eq!(err.code(), Code::SecurityHashValidationFailed);
    let kept = iti_refresh::cached(&disk, &cfg).unwrap().unwrap();
    assert_eq!(kept.archive.sha512, first.archive.sha512);

    // A corrupted archive whose hash matches the corruption: STORAGE.INDEX-CREATION-FAILED.
    let mut zip = std::fs::read(m.dir.join("ACcompactado.zip")).unwrap();
    let mid = zip.len() / 2;
    zip.truncate(mid);
    std::fs::write(m.dir.join("ACcompactado.zip"), &zip).unwrap();
    let out = std::process::Command::new("sha512sum")
        .arg(m.dir.join("ACcompactado.zip"))
        .output()
        .unwrap();
    std::fs::write(m.dir.join("hashsha512.txt"), &out.stdout).unwrap();
    let err = iti_refresh::refresh(m.fetch.as_ref(), &disk, &cfg).unwrap_err();
    assert_eq!(err.code(), Code::StorageIndexCreationFailed);
    assert_eq!(
        iti_refresh::cached(&disk, &cfg)
            .unwrap()
            .unwrap()
            .archive
            .sha512,
        first.archive.sha512
    );
    std::fs::write(m.dir.join("hashsha512.txt"), good_hash).unwrap();

    // The archive's certificates complete chains; trust stays with the pinned root.
    let trust = root_only().with_ca_certs(kept.archive.certificates.into_iter().map(|(_, c)| c));
    assert_eq!(
        trust
            .complete_chain(&[cert(&world().pki.ecpf.der)])
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn iti_downloads_fail_with_network_codes_and_stale_copies_warn() {
    let m = mirror("stale");
    let disk = cache("iti-stale");
    let cfg = config(&m);
    // Plain http is refused for the trust store.
    let plain = ItiConfig {
        hash_url: cfg.hash_url.replace("https://", "http://"),
        ..cfg.clone()
    };
    let err = iti_refresh::refresh(m.fetch.as_ref(), &disk, &plain).unwrap_err();
    assert_eq!(err.code(), Code::NetworkHashDownloadFailed);
    // Offline, nothing cached: the network code, saying offline.
    let err = iti_refresh::ensure(&Offline, &disk, &cfg).unwrap_err();
    assert_eq!(err.code(), Code::NetworkHashDownloadFailed);
    assert!(err.to_string().contains("offline"));
    // Hash served but the zip missing.
    std::fs::rename(m.dir.join("ACcompactado.zip"), m.dir.join("x.zip")).unwrap();
    let err = iti_refresh::refresh(m.fetch.as_ref(), &disk, &cfg).unwrap_err();
    assert_eq!(err.code(), Code::NetworkZipDownloadFailed);
    std::fs::rename(m.dir.join("x.zip"), m.dir.join("ACcompactado.zip")).unwrap();

    iti_refresh::ensure(m.fetch.as_ref(), &disk, &cfg).unwrap();
    // Fresh: offline is fine and silent.
    let fresh = iti_refresh::ensure(&Offline, &disk, &cfg).unwrap();
    assert!(fresh.warnings.is_empty() && !fresh.refreshed);
    std::thread::sleep(Duration::from_millis(1100));
    let aged = |refresh, critical, max| ItiConfig {
        refresh_after: Duration::from_secs(refresh),
        critical_after: Duration::from_secs(critical),
        max_age: Duration::from_secs(max),
        ..cfg.clone()
    };
    let stale = iti_refresh::ensure(&Offline, &disk, &aged(0, 100, 200)).unwrap();
    assert_eq!(stale.warnings[0].code(), Code::CacheStaleButValid);
    let critical = iti_refresh::ensure(&Offline, &disk, &aged(0, 0, 200)).unwrap();
    assert_eq!(critical.warnings[0].code(), Code::CacheCriticalStale);
    let err = iti_refresh::ensure(&Offline, &disk, &aged(0, 0, 0)).unwrap_err();
    assert_eq!(err.code(), Code::CacheExpiredUnsafe);
    // Online again, a stale copy is simply refreshed.
    let renewed = iti_refresh::ensure(m.fetch.as_ref(), &disk, &aged(0, 0, 0)).unwrap();
    assert!(renewed.refreshed && renewed.warnings.is_empty());
}
