//! HttpFetcher against the real loopback test server (no mocks): limits, redirects,
//! scheme rule, retries, HTTPS with extra roots and mutual TLS with an external signer.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sesgo_fetch::{
    ClientIdentity, Fetch, FetchError, HttpConfig, HttpFetcher, Method, ProxyConfig, Purpose,
    Request, TlsSignatureScheme,
};
use sesgo_testserver::{Fault, ServerConfig, TestServer, TlsConfig};

fn get<'a>(url: &'a str, purpose: Purpose) -> Request<'a> {
    Request {
        method: Method::Get,
        url,
        purpose,
        content_type: None,
        accept: None,
        headers: &[],
        body: None,
        max_bytes: 1 << 20,
        timeout: Duration::from_secs(5),
        client_identity: None,
    }
}

fn fetcher() -> HttpFetcher {
    HttpFetcher::new(HttpConfig {
        system_roots: false,
        proxy: ProxyConfig::none(),
        ..HttpConfig::default()
    })
    .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sesgo-fetch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn server(root: &Path, faults: Vec<(&str, Fault)>) -> TestServer {
    TestServer::start(ServerConfig {
        root: Some(root.to_owned()),
        faults: faults.into_iter().map(|(p, f)| (p.to_owned(), f)).collect(),
        ..ServerConfig::default()
    })
    .unwrap()
}

#[test]
fn serves_files_and_reports_status_and_type() {
    let dir = temp_dir("files");
    std::fs::write(dir.join("ca.cer"), b"DER").unwrap();
    let s = server(&dir, vec![("/gone", Fault::Status(410))]);
    let f = fetcher();
    let url = format!("{}/ca.cer", s.base_url());
    let r = f.fetch(&get(&url, Purpose::Aia)).unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"DER"[..]));
    assert_eq!(r.content_type.as_deref(), Some("application/pkix-cert"));
    let missing = format!("{}/missing.cer", s.base_url());
    assert_eq!(f.fetch(&get(&missing, Purpose::Aia)).unwrap().status, 404);
    let gone = format!("{}/gone", s.base_url());
    assert_eq!(f.fetch(&get(&gone, Purpose::Crl)).unwrap().status, 410);
}

#[test]
fn plain_http_only_for_signed_content() {
    let f = fetcher();
    for purpose in [Purpose::Tsa, Purpose::TrustStore, Purpose::Token] {
        let err = f.fetch(&get("http://127.0.0.1:9/x", purpose)).unwrap_err();
        assert!(
            matches!(err, FetchError::Scheme { .. }),
            "{purpose:?}: {err:?}"
        );
    }
    let err = f
        .fetch(&get("ftp://127.0.0.1/x", Purpose::Aia))
        .unwrap_err();
    assert!(matches!(err, FetchError::Scheme { .. }));
    let err = f.fetch(&get("not a url", Purpose::Aia)).unwrap_err();
    assert!(matches!(err, FetchError::Scheme { .. }));
}

#[test]
fn a_server_that_never_answers_times_out_on_time() {
    let dir = temp_dir("never");
    let s = server(&dir, vec![("/never", Fault::NeverAnswer)]);
    let f = fetcher();
    let url = format!("{}/never", s.base_url());
    let mut request = get(&url, Purpose::Ocsp);
    request.timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let err = f.fetch(&request).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err:?}");
    assert!(took >= Duration::from_millis(1400), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    s.stop();
}

#[test]
fn a_trickling_body_is_cut_at_the_total_deadline() {
    let dir = temp_dir("slow");
    let slow = Fault::Slow {
        interval: Duration::from_millis(100),
        bytes: 100,
    };
    let s = server(&dir, vec![("/slow", slow)]);
    let f = fetcher();
    let url = format!("{}/slow", s.base_url());
    let mut request = get(&url, Purpose::Crl);
    request.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = f.fetch(&request).unwrap_err();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn oversized_bodies_are_refused_with_or_without_length() {
    let dir = temp_dir("big");
    let s = server(
        &dir,
        vec![
            (
                "/big",
                Fault::Oversized {
                    bytes: 10_000_000,
                    declare_length: false,
                },
            ),
            (
                "/biglen",
                Fault::Oversized {
                    bytes: 10_000_000,
                    declare_length: true,
                },
            ),
            (
                "/exact",
                Fault::Oversized {
                    bytes: 1000,
                    declare_length: false,
                },
            ),
        ],
    );
    let f = fetcher();
    for path in ["/big", "/biglen"] {
        let url = format!("{}{path}", s.base_url());
        let mut request = get(&url, Purpose::Aia);
        request.max_bytes = 1000;
        let err = f.fetch(&request).unwrap_err();
        assert!(
            matches!(
                err,
                FetchError::TooLarge {
                    max_bytes: 1000,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    let url = format!("{}/exact", s.base_url());
    let mut request = get(&url, Purpose::Aia);
    request.max_bytes = 1000;
    assert_eq!(f.fetch(&request).unwrap().body.len(), 1000);
}

#[test]
fn redirects_are_bounded_and_loops_detected() {
    let dir = temp_dir("redirects");
    std::fs::write(dir.join("target.cer"), b"T").unwrap();
    let s = server(
        &dir,
        vec![
            ("/loop", Fault::RedirectLoop),
            ("/a", Fault::Redirect("/b".into())),
            ("/b", Fault::Redirect("/a".into())),
            ("/r1", Fault::Redirect("/target.cer".into())),
            ("/to-http-only", Fault::Redirect("ftp://127.0.0.1/x".into())),
        ],
    );
    let f = fetcher();
    for path in ["/loop", "/a"] {
        let url = format!("{}{path}", s.base_url());
        let err = f.fetch(&get(&url, Purpose::Aia)).unwrap_err();
        assert!(matches!(err, FetchError::Redirects { .. }), "{err:?}");
    }
    assert_eq!(s.hits("/loop"), 1, "a loop is seen at the first repeat");
    let url = format!("{}/r1", s.base_url());
    assert_eq!(f.fetch(&get(&url, Purpose::Aia)).unwrap().body, b"T");
    let url = format!("{}/to-http-only", s.base_url());
    assert!(matches!(
        f.fetch(&get(&url, Purpose::Aia)).unwrap_err(),
        FetchError::Scheme { .. }
    ));
    // A chain longer than the bound.
    let mut faults = Vec::new();
    for i in 0..7 {
        faults.push((format!("/c{i}"), Fault::Redirect(format!("/c{}", i + 1))));
    }
    let chain = TestServer::start(ServerConfig {
        faults,
        ..ServerConfig::default()
    })
    .unwrap();
    let url = format!("{}/c0", chain.base_url());
    let err = f.fetch(&get(&url, Purpose::Aia)).unwrap_err();
    assert!(matches!(err, FetchError::Redirects { .. }), "{err:?}");
    assert_eq!(chain.total_hits(), 6, "the first request and 5 redirects");
}

#[test]
fn connection_refused_is_a_connect_error_and_is_not_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/x");
    let f = HttpFetcher::new(HttpConfig {
        system_roots: false,
        proxy: ProxyConfig::none(),
        retries: 2,
        retry_backoff: Duration::from_millis(500),
        ..HttpConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = f.fetch(&get(&url, Purpose::Aia)).unwrap_err();
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    // Nothing listens there: an answer, not a transient failure — no backoff was waited
    // (two retries would have waited 500 ms + 1 s).
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retries_a_503_get_but_never_a_post() {
    let dir = temp_dir("retry");
    let s = server(&dir, vec![("/busy", Fault::Status(503))]);
    let f = HttpFetcher::new(HttpConfig {
        system_roots: false,
        proxy: ProxyConfig::none(),
        retries: 2,
        retry_backoff: Duration::from_millis(50),
        ..HttpConfig::default()
    })
    .unwrap();
    let url = format!("{}/busy", s.base_url());
    assert_eq!(f.fetch(&get(&url, Purpose::Crl)).unwrap().status, 503);
    assert_eq!(s.hits("/busy"), 3);
    let mut post = get(&url, Purpose::Ocsp);
    post.method = Method::Post;
    post.body = Some(b"x");
    assert_eq!(f.fetch(&post).unwrap().status, 503);
    assert_eq!(s.hits("/busy"), 4);
}

#[test]
fn post_goes_through_a_command_route() {
    let s = TestServer::start(ServerConfig {
        commands: vec![sesgo_testserver::CommandRoute {
            prefix: "/echo/".into(),
            command: "printf '%s:' \"$SESGO_PATH_REST\"; cat".into(),
            content_type: Some("text/plain".into()),
        }],
        ..ServerConfig::default()
    })
    .unwrap();
    let url = format!("{}/echo/abc", s.base_url());
    let mut post = get(&url, Purpose::Ocsp);
    post.method = Method::Post;
    post.content_type = Some("application/ocsp-request");
    post.body = Some(b"hello");
    let r = fetcher().fetch(&post).unwrap();
    assert_eq!(r.body, b"abc:hello");
    assert_eq!(r.content_type.as_deref(), Some("text/plain"));
}

// ---- HTTPS -------------------------------------------------------------------------

struct Pki {
    dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate (openssl CLI).
fn tls_pki(name: &str) -> Pki {
    let dir = temp_dir(name);
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Teste CA",
        ],
    );
    for (who, ext) in [
        (
            "server",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ] {
        std::fs::write(dir.join(format!("{who}.ext")), ext).unwrap();
        openssl(
            &dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{who}.key"),
                "-out",
                &format!("{who}.csr"),
                "-subj",
                &format!("/CN={who}"),
            ],
        );
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{who}.ext"),
                "-out",
                &format!("{who}.pem"),
            ],
        );
        openssl(
            &dir,
            &[
                "x509",
                "-in",
                &format!("{who}.pem"),
                "-outform",
                "DER",
                "-out",
                &format!("{who}.der"),
            ],
        );
    }
    openssl(
        &dir,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
    );
    std::fs::write(dir.join("hello.txt"), b"oi").unwrap();
    Pki { dir }
}

/// A client identity whose key stays outside the process (signed by the openssl CLI), as
/// a PKCS#11 token would.
struct ExternalKey {
    dir: PathBuf,
    signatures: std::sync::atomic::AtomicUsize,
}

impl ClientIdentity for ExternalKey {
    fn certificate_chain_der(&self) -> Vec<Vec<u8>> {
        vec![std::fs::read(self.dir.join("client.der")).unwrap()]
    }
    fn schemes(&self) -> Vec<TlsSignatureScheme> {
        vec![
            TlsSignatureScheme::RsaPssSha256,
            TlsSignatureScheme::RsaPkcs1Sha256,
        ]
    }
    fn sign(&self, scheme: TlsSignatureScheme, message: &[u8]) -> Result<Vec<u8>, String> {
        self.signatures
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let msg = self.dir.join(format!("msg-{}", std::process::id()));
        std::fs::write(&msg, message).map_err(|e| e.to_string())?;
        let mut args = vec!["dgst", "-sha256", "-sign", "client.key"];
        if scheme == TlsSignatureScheme::RsaPssSha256 {
            args.extend([
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:32",
            ]);
        }
        let msg_name = msg.to_string_lossy().into_owned();
        args.push(&msg_name);
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(out.stdout)
    }
}

fn tls_server(pki: &Pki, client_ca: bool) -> TestServer {
    TestServer::start(ServerConfig {
        root: Some(pki.dir.clone()),
        tls: Some(TlsConfig {
            cert_chain_pem: pki.dir.join("server.pem"),
            key_pem: pki.dir.join("server.key"),
            client_ca_pem: client_ca.then(|| pki.dir.join("ca.pem")),
            client_cert_required: client_ca,
        }),
        ..ServerConfig::default()
    })
    .unwrap()
}

#[test]
fn https_needs_a_trusted_root_and_presents_a_client_key_that_stays_outside() {
    let pki = tls_pki("tls");
    let ca = std::fs::read(pki.dir.join("ca.der")).unwrap();
    let trusting = HttpFetcher::new(HttpConfig {
        system_roots: false,
        extra_roots_der: vec![ca],
        proxy: ProxyConfig::none(),
        ..HttpConfig::default()
    })
    .unwrap();

    let s = tls_server(&pki, false);
    let url = format!("{}/hello.txt", s.base_url());
    assert!(url.starts_with("https://127.0.0.1:"));
    assert_eq!(
        trusting
            .fetch(&get(&url, Purpose::TrustStore))
            .unwrap()
            .body,
        b"oi"
    );
    let err = fetcher()
        .fetch(&get(&url, Purpose::TrustStore))
        .unwrap_err();
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
    s.stop();

    let s = tls_server(&pki, true);
    let url = format!("{}/hello.txt", s.base_url());
    let err = trusting.fetch(&get(&url, Purpose::Token)).unwrap_err();
    assert!(
        matches!(err, FetchError::Tls { .. } | FetchError::Connect { .. }),
        "no client certificate: {err:?}"
    );
    let key = ExternalKey {
        dir: pki.dir.clone(),
        signatures: Default::default(),
    };
    let mut request = get(&url, Purpose::Token);
    request.client_identity = Some(&key);
    assert_eq!(trusting.fetch(&request).unwrap().body, b"oi");
    assert!(key.signatures.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}
