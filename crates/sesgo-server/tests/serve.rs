//! The real server on 127.0.0.1 (ephemeral ports) driven by a real HTTP client (ureq 2 +
//! rustls, the workspace's client) and by raw sockets for what clients do not send on
//! purpose (oversized declarations, slow headers and bodies). Signing uses the test PKI
//! (openssl CLI) and its revocation evidence, so `strict` revocation holds offline.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use serde_json::Value;
use sesgo::{OperationOutcome, Policy, Settings, Signer, TrustStoreOptions};
use sesgo_cert::testpki::{RevocationPki, TestPki, TlsServer};
use sesgo_server::{Backend, LogFormat, Server, ServerConfig, ShutdownHandle, Stats, TlsConfig};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";
const P012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";

fn example(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn backend(with_signer: bool) -> Backend {
    let pki = TestPki::shared();
    let trust = TrustStoreOptions {
        root_sha256: vec![pki.root_sha256.clone()],
        ca_certs_pem: Some(std::fs::read_to_string(&pki.chain_pem).unwrap()),
        ..Default::default()
    }
    .build()
    .unwrap();
    let mut b = Backend::new(trust);
    b.settings = Settings {
        network: false,
        ..Settings::default()
    };
    b.revocation_evidence = vec![RevocationPki::shared()
        .ecpf_evidence()
        .display()
        .to_string()];
    if with_signer {
        b.signer = Some(
            Signer::from_pkcs12(&std::fs::read(&pki.p12_aes).unwrap(), &pki.password, None)
                .unwrap(),
        );
    }
    b
}

fn config() -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        log: LogFormat::Off,
        ..ServerConfig::default()
    }
}

/// A server running on its own thread, stopped gracefully when dropped.
struct Running {
    addr: SocketAddr,
    stop: ShutdownHandle,
    stats: Stats,
    thread: Option<std::thread::JoinHandle<sesgo::Result<()>>>,
    scheme: &'static str,
}

impl Running {
    fn start(config: ServerConfig, backend: Backend) -> Running {
        let tls = config.tls.is_some();
        let server = Server::bind(config, backend)
            .unwrap()
            .without_signal_handlers();
        let addr = server.local_addr();
        let stop = server.shutdown_handle();
        let stats = server.stats();
        let thread = Some(std::thread::spawn(move || server.run()));
        Running {
            addr,
            stop,
            stats,
            thread,
            scheme: if tls { "https" } else { "http" },
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    fn stop(&mut self) {
        self.stop.shutdown();
        if let Some(t) = self.thread.take() {
            t.join().unwrap().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// A member of a JSON body as its exact JSON text (sesgo's reader keeps number tokens
    /// verbatim; serde_json would turn `36.50` into `36.5` and break a 0.2.0 signature).
    fn member(&self, name: &str) -> String {
        sesgo_core::json::parse_strict(&self.body, &sesgo_core::json::Limits::default())
            .unwrap()
            .member(name)
            .to_json()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as a conforming OperationOutcome (read back and re-rendered byte for
    /// byte); its codes.
    fn outcome(&self) -> Vec<String> {
        let v = self.json();
        assert_eq!(v["resourceType"], "OperationOutcome", "{v}");
        let oo = OperationOutcome::from_value(&v)
            .unwrap_or_else(|| panic!("not a conforming OperationOutcome: {v}"));
        assert_eq!(oo.to_value(), v, "re-rendering differs");
        oo.issues()
            .iter()
            .map(|f| f.code().as_str().to_owned())
            .collect()
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build()
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> Answer {
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let headers = r
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = r.header(&n).unwrap_or_default().to_owned();
            (n, v)
        })
        .collect();
    let status = r.status();
    let mut body = Vec::new();
    r.into_reader()
        .take(64 << 20)
        .read_to_end(&mut body)
        .unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> Answer {
    answer(
        agent
            .post(url)
            .set("Content-Type", "application/json")
            .send_bytes(body.as_bytes()),
    )
}

fn post_with(agent: &ureq::Agent, url: &str, body: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = agent.post(url).set("Content-Type", "application/json");
    for (k, v) in headers {
        req = req.set(k, v);
    }
    answer(req.send_bytes(body.as_bytes()))
}

fn get(agent: &ureq::Agent, url: &str) -> Answer {
    answer(agent.get(url).call())
}

/// The `/sign` envelope around the example files, their bytes verbatim.
fn sign_request(policy: &str) -> String {
    format!(
        r#"{{"bundle":{},"provenance":{},"options":{{"policy":"{policy}"}}}}"#,
        example("bundle.json"),
        example("provenance.json")
    )
}

/// Sends a raw request and reads until the server closes or `wait` passes.
fn raw(addr: SocketAddr, bytes: &[u8], wait: Duration) -> String {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(wait)).unwrap();
    c.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn signs_and_verifies_under_both_policies_json_and_fhir_operations() {
    let server = Running::start(config(), backend(true));
    let a = agent();
    for policy in [P012, P020] {
        let signed = post(&a, &server.url("/sign"), &sign_request(policy));
        assert_eq!(
            signed.status,
            200,
            "{}",
            String::from_utf8_lossy(&signed.body)
        );
        assert_eq!(signed.header("content-type"), Some("application/json"));
        let s = signed.json();
        assert_eq!(s["signature"]["who"]["identifier"]["value"], "12345678909");
        let transfer = signed.member("bundle");

        // /verify: the whole report; valid.
        let v = post(
            &a,
            &server.url("/verify"),
            &format!(r#"{{"bundle":{transfer}}}"#),
        );
        assert_eq!(v.status, 200);
        let report = v.json();
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["signatures"][0]["policy"], policy);

        // $verify: the transfer Bundle as the body, the OperationOutcome back.
        let fv = post(&a, &server.url("/Bundle/$verify"), &transfer);
        assert_eq!(fv.status, 200);
        assert_eq!(fv.header("content-type"), Some("application/fhir+json"));
        assert_eq!(fv.outcome()[0], "VALIDATION.SUCCESS");

        // The Provenance with the original Bundle, and the Signature with the transfer
        // Bundle (a string holding the exact JSON text works as well as an object).
        let prov = signed.member("provenance");
        let v = post(
            &a,
            &server.url("/verify"),
            &format!(
                r#"{{"provenance":{prov},"bundle":{},"options":{{"acceptedPolicies":["{policy}"]}}}}"#,
                serde_json::to_string(&example("bundle.json")).unwrap()
            ),
        );
        assert_eq!(v.json()["valid"], true);
        let sig = signed.member("signature");
        let v = post(
            &a,
            &server.url("/verify"),
            &format!(r#"{{"signature":{sig},"bundle":{transfer}}}"#),
        );
        assert_eq!(v.json()["valid"], true);

        // $sign with FHIR Parameters: the transfer Bundle back, and it verifies.
        let params = format!(
            r#"{{"resourceType":"Parameters","parameter":[{{"name":"bundle","resource":{}}},{{"name":"provenance","resource":{}}},{{"name":"policy","valueUri":"{policy}"}},{{"name":"strategy","valueCode":"iat"}}]}}"#,
            example("bundle.json"),
            example("provenance.json")
        );
        let fs = post(&a, &server.url("/Bundle/$sign"), &params);
        assert_eq!(fs.status, 200, "{}", String::from_utf8_lossy(&fs.body));
        assert_eq!(fs.json()["resourceType"], "Bundle");
        // The body is the transfer Bundle's exact bytes: sent back as is.
        let fv = post(
            &a,
            &server.url("/Bundle/$verify"),
            std::str::from_utf8(&fs.body).unwrap(),
        );
        assert_eq!(fv.outcome()[0], "VALIDATION.SUCCESS");

        // One changed signed decimal: a verification result (200), invalid, with the code.
        let tampered = transfer.replacen("36.5", "36.51", 1);
        assert_ne!(tampered, transfer);
        let fv = post(&a, &server.url("/Bundle/$verify"), &tampered);
        assert_eq!(fv.status, 200);
        assert!(
            fv.outcome()
                .contains(&"CRYPTO.HASH-VERIFICATION-FAILED".to_owned()),
            "{}",
            fv.json()
        );
    }
}

#[test]
fn tools_policies_health_and_metrics() {
    let server = Running::start(config(), backend(false));
    let a = agent();
    let canon = post(
        &a,
        &server.url("/canonicalize"),
        &format!(
            r#"{{"resource":{{"resourceType":"Observation","id":"x","valueQuantity":{{"value":36.50}}}},"options":{{"policy":"{P020}"}}}}"#
        ),
    );
    assert_eq!(canon.status, 200);
    assert_eq!(
        canon.body,
        br#"{"resourceType":"Observation","valueQuantity":{"value":36.50}}"#
    );
    assert_eq!(
        canon.body,
        sesgo::canonicalize(
            br#"{"resourceType":"Observation","id":"x","valueQuantity":{"value":36.50}}"#,
            Some(P020)
        )
        .unwrap()
    );

    let refs = post(
        &a,
        &server.url("/refs/check"),
        &format!(
            r#"{{"bundle":{},"provenance":{}}}"#,
            example("bundle.json"),
            example("provenance.json")
        ),
    );
    assert_eq!(refs.status, 200);
    assert_eq!(refs.outcome(), ["VALIDATION.SUCCESS"]);
    let bad_refs = post(
        &a,
        &server.url("/refs/check"),
        r#"{"bundle":{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:550e8400-e29b-41d4-a716-446655440000","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/x"}}}]}}"#,
    );
    assert_eq!(bad_refs.status, 200);
    assert_eq!(bad_refs.outcome()[0], "FORMAT.REFERENCE-INVALID");

    let p = get(&a, &server.url("/policies")).json();
    assert_eq!(p["default"], P012);
    assert_eq!(p["signing"], false);
    assert_eq!(p["policies"].as_array().unwrap().len(), Policy::ALL.len());

    let h = get(&a, &server.url("/health"));
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["status"], "ok");
    assert!(h.header("x-request-id").is_some_and(|r| r.len() == 36));
    let h = answer(
        a.get(&server.url("/health"))
            .set("X-Request-Id", "abc-123")
            .call(),
    );
    assert_eq!(h.header("x-request-id"), Some("abc-123"));

    // No signer configured: signing is not available here (501), with the guide's code.
    let s = post(&a, &server.url("/sign"), &sign_request(P012));
    assert_eq!(s.status, 501);
    assert_eq!(s.outcome(), ["CONFIG.MISSING-PARAMETER"]);

    let m = String::from_utf8(get(&a, &server.url("/metrics")).body).unwrap();
    assert!(
        m.contains(r#"sesgo_http_requests_total{endpoint="canonicalize",status="200"} 1"#),
        "{m}"
    );
    assert!(m.contains(
        r#"sesgo_results_total{endpoint="refs_check",code="FORMAT.REFERENCE-INVALID"} 1"#
    ));
    assert!(m.contains(r#"sesgo_results_total{endpoint="sign",code="CONFIG.MISSING-PARAMETER"} 1"#));
    assert!(m.contains("sesgo_http_request_duration_seconds_bucket"));
    assert!(m.ends_with("# EOF\n"));
}

#[test]
fn unusable_requests_are_typed_operation_outcomes() {
    let server = Running::start(config(), backend(true));
    let a = agent();
    let url = server.url("/verify");
    let cases: &[(&str, &str, u16, &str)] = &[
        ("not JSON", "{", 400, "FORMAT.JSON-MALFORMED"),
        ("not an object", "[]", 400, "FORMAT.JSON-MALFORMED"),
        (
            "unknown member",
            r#"{"bundel":{}}"#,
            400,
            "CONFIG.INVALID-PARAMETER",
        ),
        ("nothing to verify", "{}", 400, "CONFIG.MISSING-PARAMETER"),
        (
            "bundle not JSON text",
            r#"{"bundle":"{"}"#,
            400,
            "FORMAT.JSON-MALFORMED",
        ),
        (
            "bundle of the wrong type",
            r#"{"bundle":3}"#,
            400,
            "FORMAT.JSON-MALFORMED",
        ),
        (
            "unknown policy",
            r#"{"bundle":{"resourceType":"Bundle"},"options":{"policy":"urn:x"}}"#,
            400,
            "POLICY.URI-INVALID",
        ),
        (
            "server-only setting",
            r#"{"bundle":{"resourceType":"Bundle"},"options":{"settings":{"tsaUrl":"https://127.0.0.1:1/"}}}"#,
            400,
            "CONFIG.INVALID-PARAMETER",
        ),
        (
            "revocation evidence paths",
            r#"{"bundle":{"resourceType":"Bundle"},"options":{"revocationEvidence":["/etc"]}}"#,
            400,
            "CONFIG.INVALID-PARAMETER",
        ),
        (
            "setting out of range",
            r#"{"bundle":{"resourceType":"Bundle"},"options":{"settings":{"ocspTimeoutSecs":1}}}"#,
            400,
            "CONFIG.TIMEOUT-OUT-OF-RANGE",
        ),
    ];
    for (what, body, status, code) in cases {
        let r = post(&a, &url, body);
        assert_eq!(
            r.status,
            *status,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/fhir+json"),
            "{what}"
        );
        assert_eq!(r.outcome()[0], *code, "{what}");
    }
    // A duplicate member inside the Bundle is located in the Bundle, as the CLI does.
    let r = post(
        &a,
        &url,
        r#"{"bundle":{"resourceType":"Bundle","entry":[{"fullUrl":"a","fullUrl":"b"}]}}"#,
    );
    assert_eq!(r.outcome(), ["FORMAT.JSON-MALFORMED"]);
    assert_eq!(
        r.json()["issue"][0]["location"][0],
        "Bundle.entry[0].fullUrl"
    );

    // Signing refuses settings that decide whether the server's signer may sign.
    let r = post(
        &a,
        &server.url("/sign"),
        &format!(
            r#"{{"bundle":{},"provenance":{},"options":{{"settings":{{"revocationPolicy":"off"}}}}}}"#,
            example("bundle.json"),
            example("provenance.json")
        ),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["issue"][0]["location"][0],
        "options.settings.revocationPolicy"
    );
    let r = post(
        &a,
        &server.url("/sign"),
        r#"{"bundle":{"resourceType":"Bundle"}}"#,
    );
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (400, "CONFIG.MISSING-PARAMETER")
    );
    let r = post(
        &a,
        &server.url("/Bundle/$sign"),
        r#"{"resourceType":"Patient"}"#,
    );
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (400, "FORMAT.RESOURCE-TYPE-UNSUPPORTED")
    );
    // A reference time too far from the clock (criar 1.10).
    let r = post(
        &a,
        &server.url("/sign"),
        &format!(
            r#"{{"bundle":{},"provenance":{},"options":{{"referenceTime":1800000000}}}}"#,
            example("bundle.json"),
            example("provenance.json")
        ),
    );
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));

    // Wrong media type (also what keeps browsers' simple cross-site POSTs out), unknown
    // route, wrong method.
    let r = answer(
        a.post(&url)
            .set("Content-Type", "text/plain")
            .send_string("{}"),
    );
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (415, "CONFIG.INVALID-PARAMETER")
    );
    let r = get(&a, &server.url("/nope"));
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (404, "CONFIG.INVALID-PARAMETER")
    );
    let r = get(&a, &server.url("/sign"));
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (405, "CONFIG.INVALID-PARAMETER")
    );

    // DNS rebinding: an unauthenticated loopback server answers loopback names only.
    let r = raw(
        server.addr,
        b"GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    let r = raw(
        server.addr,
        b"GET /health HTTP/1.1\r\nHost: localhost:1234\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[test]
fn limits_are_enforced_before_and_while_reading() {
    let mut c = config();
    c.limits.max_body_bytes = 4096;
    c.limits.header_timeout_secs = 1;
    c.limits.body_timeout_secs = 1;
    c.limits.max_in_flight = 1;
    let server = Running::start(c, backend(false));

    // A declared length above the limit: 413 before any of the body is read.
    let r = raw(
        server.addr,
        b"POST /verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{",
        Duration::from_secs(10),
    );
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert!(r.contains("SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED"), "{r}");
    // A chunked body that crosses the limit: 413 as soon as it does.
    let mut chunked = b"POST /verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"800\r\n");
        chunked.extend_from_slice(&[b' '; 0x800]);
        chunked.extend_from_slice(b"\r\n");
    }
    let r = raw(server.addr, &chunked, Duration::from_secs(10));
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    // And through a real client.
    let big = format!(r#"{{"bundle":"{}"}}"#, "x".repeat(8000));
    let r = post(&agent(), &server.url("/verify"), &big);
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (413, "SECURITY.BUNDLE-SIZE-LIMIT-EXCEEDED")
    );

    // Slow-loris headers: the connection is closed after headerTimeoutSecs.
    let start = std::time::Instant::now();
    let r = raw(
        server.addr,
        b"GET /health HTTP/1.1\r\nHost: 127",
        Duration::from_secs(20),
    );
    assert!(!r.contains("200 OK"), "{r}");
    assert!(start.elapsed() < Duration::from_secs(15));

    // A body that never completes: 408 with SYSTEM.TIMEOUT after bodyTimeoutSecs; while
    // it is pending, the one admission slot is taken and another request gets 503 +
    // Retry-After.
    let addr = server.addr;
    let slow = std::thread::spawn(move || {
        raw(
            addr,
            b"POST /verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"bu",
            Duration::from_secs(20),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let busy = post(&agent(), &server.url("/verify"), "{}");
    assert_eq!(busy.status, 503);
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(busy.outcome(), ["SYSTEM.TIMEOUT"]);
    let r = slow.join().unwrap();
    assert!(r.starts_with("HTTP/1.1 408"), "{r}");
    assert!(r.contains("SYSTEM.TIMEOUT"), "{r}");
    // Health is never subject to admission.
    assert_eq!(get(&agent(), &server.url("/health")).status, 200);
    let m = server.stats.metrics_text();
    assert!(
        m.contains(r#"sesgo_http_rejected_total{reason="overload"} 1"#),
        "{m}"
    );
    assert!(
        m.contains(r#"sesgo_http_rejected_total{reason="too-large"} 3"#),
        "{m}"
    );
}

fn with_tokens(var: &str, tokens: &str) -> ServerConfig {
    // Each test uses its own variable name.
    std::env::set_var(var, tokens);
    let mut c = config();
    c.auth.bearer_tokens_env = Some(var.to_owned());
    c
}

#[test]
fn bearer_tokens_are_required_once_configured() {
    let token = "s3cr3t-token-0123456789";
    let server = Running::start(
        with_tokens(
            "SESGO_SERVE_TEST_TOKENS_A",
            &format!("other-token-abcdefgh, {token}"),
        ),
        backend(true),
    );
    let a = agent();
    let url = server.url("/sign");
    let none = post(&a, &url, &sign_request(P012));
    assert_eq!(
        (none.status, none.outcome()[0].as_str()),
        (401, "CONFIG.MISSING-PARAMETER")
    );
    assert_eq!(
        none.header("www-authenticate"),
        Some(r#"Bearer realm="sesgo""#)
    );
    let wrong = post_with(
        &a,
        &url,
        &sign_request(P012),
        &[("Authorization", "Bearer other-token-abcdefgX")],
    );
    assert_eq!(
        (wrong.status, wrong.outcome()[0].as_str()),
        (401, "CONFIG.INVALID-PARAMETER")
    );
    assert!(wrong
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
    let right = post_with(
        &a,
        &url,
        &sign_request(P012),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(
        right.status,
        200,
        "{}",
        String::from_utf8_lossy(&right.body)
    );
    // A refused request's body is read before the refusal, so the connection stays
    // usable (closing with unread bytes would reset it and could lose the 401): the
    // request pipelined behind it is answered on the same connection.
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(100_000));
    let pipelined = format!(
        "POST /verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let both = raw(server.addr, pipelined.as_bytes(), Duration::from_secs(30));
    assert!(both.starts_with("HTTP/1.1 401"), "{both}");
    assert_eq!(both.matches("HTTP/1.1 200").count(), 1, "{both}");
    // Verification and metrics too; health and the policy list stay open.
    assert_eq!(post(&a, &server.url("/verify"), "{}").status, 401);
    assert_eq!(get(&a, &server.url("/metrics")).status, 401);
    assert_eq!(
        answer(
            a.get(&server.url("/metrics"))
                .set("Authorization", &format!("Bearer {token}"))
                .call()
        )
        .status,
        200
    );
    assert_eq!(get(&a, &server.url("/health")).status, 200);
    assert_eq!(get(&a, &server.url("/policies")).status, 200);
    // With authentication configured, the Host rule is not needed (any name may reach it).
    let r = raw(
        server.addr,
        b"GET /health HTTP/1.1\r\nHost: sesgo.internal\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[test]
fn what_the_server_refuses_to_start_with() {
    // A signer beyond the loopback without authentication (checked before binding).
    let mut c = config();
    c.listen = "0.0.0.0:0".parse().unwrap();
    let e = Server::bind(c.clone(), backend(true)).unwrap_err();
    assert_eq!(e.code(), sesgo::Code::ConfigMissingParameter);
    // Bearer tokens over plain HTTP beyond the loopback.
    let mut c = with_tokens("SESGO_SERVE_TEST_TOKENS_B", "abcdefghijklmnopqrstuvwxyz");
    c.listen = "0.0.0.0:0".parse().unwrap();
    let e = Server::bind(c, backend(true)).unwrap_err();
    assert_eq!(e.code(), sesgo::Code::ConfigInvalidParameter);
    // Weak or absent tokens.
    let c = with_tokens("SESGO_SERVE_TEST_TOKENS_C", "short");
    assert_eq!(
        Server::bind(c, backend(false)).unwrap_err().code(),
        sesgo::Code::ConfigInvalidParameter
    );
    let mut c = config();
    c.auth.bearer_tokens_env = Some("SESGO_SERVE_TEST_TOKENS_UNSET".into());
    assert_eq!(
        Server::bind(c, backend(false)).unwrap_err().code(),
        sesgo::Code::ConfigMissingParameter
    );
    // The configuration file is read strictly.
    assert_eq!(
        ServerConfig::from_json(br#"{"listen":"127.0.0.1:0","listen":"127.0.0.1:1"}"#)
            .unwrap_err()
            .code(),
        sesgo::Code::FormatJsonMalformed
    );
    for bad in [r#"{"limit":{}}"#, r#"{"listen":"localhost"}"#] {
        assert_eq!(
            ServerConfig::from_json(bad.as_bytes()).unwrap_err().code(),
            sesgo::Code::ConfigInvalidParameter,
            "{bad}"
        );
    }
}

struct TlsFiles {
    dir: PathBuf,
    server: TlsServer,
}

impl Drop for TlsFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn tls_files(name: &str) -> TlsFiles {
    let dir = std::env::temp_dir().join(format!("sesgo-serve-test-{}-{name}", std::process::id()));
    let server = TlsServer::generate(TestPki::shared(), &dir).unwrap();
    TlsFiles { dir, server }
}

fn tls_agent(files: &TlsFiles, client_cert: bool) -> ureq::Agent {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&files.server.root_pem).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = if client_cert {
        let pki = TestPki::shared();
        let mut chain = vec![CertificateDer::from(pki.ecpf.der.clone())];
        chain.extend(pki.ca_ders().into_iter().map(CertificateDer::from));
        let key = PrivateKeyDer::from_pem_file(&pki.ecpf.key_pem).unwrap();
        builder.with_client_auth_cert(chain, key).unwrap()
    } else {
        builder.with_no_client_auth()
    };
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .timeout(Duration::from_secs(60))
        .build()
}

#[test]
fn tls_with_and_without_a_client_certificate() {
    let files = tls_files("optional");
    let mut c = config();
    c.tls = Some(TlsConfig {
        cert_chain_pem: files.server.chain_pem.clone(),
        key_pem: files.server.key_pem.clone(),
        client_ca_pem: Some(files.server.root_pem.clone()),
        client_cert_required: false,
    });
    let server = Running::start(c.clone(), backend(true));
    // Without a certificate: TLS works, the operation requires authentication.
    let anon = tls_agent(&files, false);
    assert_eq!(get(&anon, &server.url("/health")).status, 200);
    let r = post(&anon, &server.url("/sign"), &sign_request(P020));
    assert_eq!(
        (r.status, r.outcome()[0].as_str()),
        (401, "CONFIG.MISSING-PARAMETER")
    );
    // With the e-CPF certificate (chains to the configured root): signed and verified.
    let client = tls_agent(&files, true);
    let s = post(&client, &server.url("/sign"), &sign_request(P020));
    assert_eq!(s.status, 200, "{}", String::from_utf8_lossy(&s.body));
    let v = post(&client, &server.url("/Bundle/$verify"), &s.member("bundle"));
    assert_eq!(v.outcome()[0], "VALIDATION.SUCCESS");
    // Plain HTTP to the TLS port is not served.
    let r = raw(
        server.addr,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        Duration::from_secs(15),
    );
    assert!(!r.contains("200 OK"), "{r}");

    // Required: a client without a certificate does not complete the handshake.
    if let Some(t) = c.tls.as_mut() {
        t.client_cert_required = true;
    }
    let server = Running::start(c, backend(false));
    assert!(anon.get(&server.url("/health")).call().is_err());
    assert_eq!(get(&client, &server.url("/health")).status, 200);
    let m = server.stats.metrics_text();
    assert!(
        m.contains(r#"sesgo_http_rejected_total{reason="tls-handshake"}"#),
        "{m}"
    );
}

#[test]
fn concurrent_clients_then_graceful_shutdown_lose_no_answered_request() {
    let mut c = config();
    c.limits.max_in_flight = 64;
    let mut server = Running::start(c, backend(true));
    let url_sign = server.url("/sign");
    let url_verify = server.url("/Bundle/$verify");
    let transfer = {
        let s = post(&agent(), &url_sign, &sign_request(P020));
        assert_eq!(s.status, 200);
        s.member("bundle")
    };
    let stop_at = std::time::Instant::now() + Duration::from_millis(2500);
    let clients: Vec<_> = (0..12)
        .map(|i| {
            let (url_sign, url_verify, transfer) =
                (url_sign.clone(), url_verify.clone(), transfer.clone());
            std::thread::spawn(move || {
                // A fresh connection per request: a request is either refused at connect
                // (after the listener closed) or answered.
                let a = agent();
                let (mut ok, mut refused) = (0u64, 0u64);
                let mut n = 0;
                loop {
                    let r = if (i + n) % 3 == 0 {
                        a.post(&url_sign)
                            .set("Content-Type", "application/json")
                            .set("Connection", "close")
                            .send_string(&sign_request(P012))
                    } else {
                        a.post(&url_verify)
                            .set("Content-Type", "application/fhir+json")
                            .set("Connection", "close")
                            .send_string(&transfer)
                    };
                    n += 1;
                    match r {
                        Ok(r) => {
                            assert_eq!(r.status(), 200);
                            ok += 1;
                        }
                        Err(ureq::Error::Status(s, r)) => {
                            panic!("status {s}: {}", r.into_string().unwrap_or_default())
                        }
                        Err(ureq::Error::Transport(t)) => {
                            assert!(
                                std::time::Instant::now() >= stop_at,
                                "transport error before the shutdown: {t}"
                            );
                            refused += 1;
                            if refused > 3 {
                                return ok;
                            }
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(stop_at - std::time::Instant::now());
    server.stop();
    let answered_ok: u64 = clients.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(answered_ok > 12, "load too light: {answered_ok}");
    // The first signing request above, then every request the server answered reached
    // its client as a 200.
    assert_eq!(server.stats.answered(), answered_ok + 1);
}
