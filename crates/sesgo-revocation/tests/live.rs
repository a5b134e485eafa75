//! Revocation online, against real responders on 127.0.0.1: `openssl ocsp` behind the
//! loopback `sesgo-testserver` (POST routes), CRLs served as files, through the real
//! `HttpFetcher`. The test PKI is generated with its AIA/OCSP/CDP URLs under the server.
//!
//! Fault scenarios use extra routes of the same server; `Reroute` sends a certificate's
//! URL to one of them (the HTTP exchange itself is real).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo_cert::testpki::{ocsp_route_command, OcspSigner, PkiOptions, RevocationPki, TestPki};
use sesgo_cert::Certificate;
use sesgo_core::Code;
use sesgo_fetch::{Fetch, FetchError, HttpFetcher, Request, Response};
use sesgo_revocation::{
    check_chain, CertRevocation, Config, EvidenceKind, EvidenceStore, MemoryCache, NoCache, Origin,
    Status,
};
use sesgo_testserver::{CommandRoute, Fault, ServerConfig, TestServer};
use std::sync::OnceLock;
use std::time::Duration;

struct Live {
    server: TestServer,
    pki: TestPki,
    rev: RevocationPki,
    http: HttpFetcher,
}

fn live() -> &'static Live {
    static LIVE: OnceLock<Live> = OnceLock::new();
    LIVE.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("sesgo-revocation-live-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (pki_dir, www) = (dir.join("pki"), dir.join("www"));
        std::fs::create_dir_all(&www).unwrap();
        let route = |prefix: &str, command: String| CommandRoute {
            prefix: prefix.into(),
            command,
            content_type: Some("application/ocsp-response".into()),
        };
        let server = TestServer::start(ServerConfig {
            root: Some(www.clone()),
            commands: vec![
                route(
                    "/ocsp/ac2",
                    ocsp_route_command(&pki_dir, "ac2", OcspSigner::Delegated, 60),
                ),
                route(
                    "/ocsp/ac1",
                    ocsp_route_command(&pki_dir, "ac1", OcspSigner::Ca, 60),
                ),
                route(
                    "/ocsp/root",
                    ocsp_route_command(&pki_dir, "root", OcspSigner::Ca, 60),
                ),
                route(
                    "/unrelated/ac2",
                    ocsp_route_command(&pki_dir, "ac2", OcspSigner::Unrelated, 60),
                ),
                route(
                    "/stale/ac2",
                    ocsp_route_command(&pki_dir, "ac2", OcspSigner::Delegated, 1),
                ),
                route("/garbage/ac2", "printf 'isto nao e DER'".into()),
            ],
            faults: vec![("/slow/ac2".into(), Fault::NeverAnswer)],
            tls: None,
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
        let rev = RevocationPki::generate(&pki).unwrap();
        std::fs::copy(&rev.crl_ac2_expired, www.join("crl/ac2-expired.crl")).unwrap();
        std::fs::copy(&rev.crl_ac2_bad_signature, www.join("crl/ac2-bad.crl")).unwrap();
        Live {
            server,
            pki,
            rev,
            http: HttpFetcher::with_defaults().unwrap(),
        }
    })
}

/// Sends URLs containing `from` to `to` instead (same real HTTP exchange).
struct Reroute<'a> {
    inner: &'a dyn Fetch,
    map: Vec<(String, String)>,
}

impl Fetch for Reroute<'_> {
    fn fetch(&self, r: &Request<'_>) -> Result<Response, FetchError> {
        let mut url = r.url.to_owned();
        for (from, to) in &self.map {
            url = url.replace(from.as_str(), to);
        }
        let mut req = *r;
        req.url = &url;
        self.inner.fetch(&req)
    }
}

fn now() -> i64 {
    live();
    sesgo_cert::now_unix()
}

fn cfg() -> Config {
    let mut c = Config::at(now(), now());
    c.ocsp_timeout = Duration::from_secs(2);
    c.crl_timeout = Duration::from_secs(2);
    c
}

fn chain(leaf: &[u8]) -> Vec<Certificate> {
    let p = &live().pki;
    [leaf, &p.ac2.der, &p.ac1.der, &p.root.der]
        .iter()
        .map(|d| Certificate::from_der(d).unwrap())
        .collect()
}

fn check(leaf: &[u8], cfg: &Config, fetch: &dyn Fetch) -> Vec<CertRevocation> {
    check_chain(&chain(leaf), cfg, &EvidenceStore::new(), fetch, &NoCache)
}

fn codes(r: &CertRevocation) -> Vec<Code> {
    r.unobtainable().iter().map(|p| p.code).collect()
}

fn reroute<'a>(pairs: &[(&str, String)]) -> Reroute<'a> {
    Reroute {
        inner: &live().http,
        map: pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.clone()))
            .collect(),
    }
}

#[test]
fn good_chain_online_every_certificate_by_ocsp() {
    let l = live();
    let out = check(&l.pki.ecpf.der, &cfg(), &l.http);
    assert_eq!(out.len(), 3);
    for r in &out {
        let e = r.established.as_ref().unwrap_or_else(|| panic!("{r:?}"));
        assert_eq!(e.status, Status::Good);
        assert_eq!(e.evidence.kind, EvidenceKind::Ocsp, "{r:?}");
        assert!(matches!(e.origin, Origin::Online(_)));
    }
}

#[test]
fn revoked_online() {
    let l = live();
    let out = check(&l.rev.revoked.der, &cfg(), &l.http);
    let e = out[0].established.as_ref().unwrap();
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
fn unknown_online_then_the_crl_decides() {
    let l = live();
    let out = check(&l.rev.unknown.der, &cfg(), &l.http);
    assert_eq!(out[0].unknown.as_ref().unwrap().status, Status::Unknown);
    let e = out[0].established.as_ref().unwrap();
    assert_eq!(
        (e.evidence.kind, &e.status),
        (EvidenceKind::Crl, &Status::Good)
    );
    // Without the CRL, the status stays unknown.
    let no_crl = reroute(&[("/crl/", "/missing/".into())]);
    let out = check(&l.rev.unknown.der, &cfg(), &no_crl);
    assert!(out[0].established.is_none());
    assert!(out[0].unknown.is_some());
}

/// A loopback port nobody listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("127.0.0.1:{port}")
}

#[test]
fn ocsp_down_then_crl_good_and_everything_down() {
    let l = live();
    let host = l.server.base_url().trim_start_matches("http://").to_owned();
    let ocsp_down = reroute(&[(&format!("{host}/ocsp/"), format!("{}/ocsp/", closed_port()))]);
    let out = check(&l.pki.ecpf.der, &cfg(), &ocsp_down);
    let e = out[0].established.as_ref().unwrap();
    assert_eq!(
        (e.evidence.kind, &e.status),
        (EvidenceKind::Crl, &Status::Good)
    );
    assert_eq!(out[0].problems[0].code, Code::RevocationOcspUnavailable);
    let all_down = reroute(&[(&host, closed_port())]);
    let out = check(&l.pki.ecpf.der, &cfg(), &all_down);
    assert!(out[0].established.is_none());
    assert_eq!(
        codes(&out[0]),
        [
            Code::RevocationOcspUnavailable,
            Code::RevocationCrlUnavailable
        ]
    );
    // And the revoked certificate, revoked by the CRL when OCSP is down.
    let out = check(&l.rev.revoked.der, &cfg(), &ocsp_down);
    assert!(matches!(
        out[0].established.as_ref().unwrap().status,
        Status::Revoked { .. }
    ));
}

#[test]
fn slow_responder_times_out() {
    let l = live();
    let slow = reroute(&[
        ("/ocsp/ac2", "/slow/ac2".into()),
        ("/crl/", "/missing/".into()),
    ]);
    let started = std::time::Instant::now();
    let out = check(&l.pki.ecpf.der, &cfg(), &slow);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(20),
        "{took:?}"
    );
    let p = out[0].unobtainable();
    assert_eq!(p[0].code, Code::RevocationOcspUnavailable, "{p:?}");
    assert!(p[0].detail.contains("2 s"), "{}", p[0].detail);
}

#[test]
fn malformed_unrelated_and_stale_responses() {
    let l = live();
    let no_crl = ("/crl/", "/missing/".to_owned());
    for (route, code, needle) in [
        (
            "/garbage/ac2",
            Code::RevocationResponseMalformed,
            "malformada",
        ),
        ("/unrelated/ac2", Code::RevocationOcspInvalid, "respondedor"),
    ] {
        let f = reroute(&[("/ocsp/ac2", route.into()), no_crl.clone()]);
        let out = check(&l.pki.ecpf.der, &cfg(), &f);
        let p = out[0].unobtainable();
        assert_eq!(p[0].code, code, "{route}: {p:?}");
        assert!(p[0].detail.contains(needle), "{route}: {p:?}");
    }
    // nextUpdate one minute after thisUpdate, checked two hours later.
    let f = reroute(&[("/ocsp/ac2", "/stale/ac2".into()), no_crl]);
    let later = now() + 7200;
    let mut c = cfg();
    c.reference_time = later;
    c.now = later;
    let out = check(&l.pki.ecpf.der, &c, &f);
    let p = out[0].unobtainable();
    assert!(
        p.iter()
            .any(|p| p.code == Code::RevocationOcspInvalid && p.detail.contains("desatualizada")),
        "{p:?}"
    );
}

#[test]
fn expired_and_badly_signed_crls() {
    let l = live();
    let host = l.server.base_url().trim_start_matches("http://").to_owned();
    for (file, needle) in [
        ("ac2-expired.crl", "desatualizada"),
        ("ac2-bad.crl", "assinatura"),
    ] {
        let f = reroute(&[
            (&format!("{host}/ocsp/"), format!("{}/ocsp/", closed_port())),
            ("/crl/ac2.crl", format!("/crl/{file}")),
        ]);
        let out = check(&l.pki.ecpf.der, &cfg(), &f);
        let p = out[0].unobtainable();
        assert!(
            p.iter()
                .any(|p| p.code == Code::RevocationCrlInvalid && p.detail.contains(needle)),
            "{file}: {p:?}"
        );
    }
}

#[test]
fn the_cache_answers_within_its_ttl() {
    let l = live();
    let cache = MemoryCache::new();
    let store = EvidenceStore::new();
    let c = cfg();
    // Its own path, so that tests running alongside do not count.
    let f = reroute(&[("/ocsp/ac2", "/ocsp/ac2/cache".into())]);
    let first = check_chain(&chain(&l.pki.ecpf.der), &c, &store, &f, &cache);
    let second = check_chain(&chain(&l.pki.ecpf.der), &c, &store, &f, &cache);
    assert!(matches!(
        first[0].established.as_ref().unwrap().origin,
        Origin::Online(_)
    ));
    assert!(matches!(
        second[0].established.as_ref().unwrap().origin,
        Origin::Cache(_)
    ));
    // Past the TTL it is fetched again.
    let mut later = c.clone();
    later.now += later.cache_ttl_secs + 1;
    let third = check_chain(&chain(&l.pki.ecpf.der), &later, &store, &f, &cache);
    assert!(matches!(
        third[0].established.as_ref().unwrap().origin,
        Origin::Online(_)
    ));
    assert_eq!(l.server.hits("/ocsp/ac2/cache"), 2);
}
