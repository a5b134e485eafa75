//! The CLI online (issue 18), against a real loopback server: a signature whose `x5c`
//! holds only the leaf verifies through AIA, offline it is CERT.CHAIN-INCOMPLETE until the
//! cache holds the intermediates; `sesgo cert chain`; `sesgo trust refresh` / `show`
//! against a loopback HTTPS mirror of ITI's files.
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

use serde_json::Value;
use sesgo_cert::testpki::{PkiOptions, TestPki, TlsServer};
use sesgo_cert::Credentials;
use sesgo_testserver::{ServerConfig, TestServer, TlsConfig};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn sesgo(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_sesgo"))
        .args(args)
        .env_remove("SESGO_CACHE_DIR")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn codes(stdout: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(stdout).unwrap();
    v["issue"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    i["details"]["coding"][0]["code"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A transfer Bundle signed by `pki`'s e-CPF with `x5c` = the leaf alone (as other
/// signers may send it; sesgo itself always writes the whole chain).
fn leaf_only_bundle(pki: &TestPki) -> Vec<u8> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let creds =
        Credentials::from_pkcs12(&std::fs::read(&pki.p12_aes).unwrap(), &pki.password, None)
            .unwrap();
    sesgo_provenance::testing::leaf_only_transfer_bundle(
        &std::fs::read(examples.join("bundle.json")).unwrap(),
        &std::fs::read(examples.join("provenance.json")).unwrap(),
        &creds,
        sesgo::parse_policy(None).unwrap(),
        sesgo_cert::now_unix(),
    )
    .unwrap()
}

struct World {
    dir: PathBuf,
    pki: TestPki,
    server: TestServer,
}

fn world(name: &str) -> World {
    let dir = std::env::temp_dir().join(format!("sesgo-cli-online-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    let server = TestServer::start(ServerConfig {
        root: Some(www.clone()),
        ..ServerConfig::default()
    })
    .unwrap();
    let pki = TestPki::generate_with(
        &dir.join("pki"),
        &PkiOptions {
            base_url: Some(server.base_url()),
        },
    )
    .unwrap();
    pki.write_web_root(&www).unwrap();
    World { dir, pki, server }
}

#[test]
fn a_leaf_only_signature_verifies_through_aia_and_offline_from_the_cache() {
    let w = world("aia");
    let bundle = w.dir.join("leaf-only.json");
    std::fs::write(&bundle, leaf_only_bundle(&w.pki)).unwrap();
    let cache = w.dir.join("cache");
    let base = [
        "verify",
        "--bundle",
        s(&bundle),
        "--trust-root-sha256",
        &w.pki.root_sha256,
        "--revocation",
        "warn",
        "--cache-dir",
        s(&cache),
    ];

    // Offline with a cold cache: the chain cannot be completed.
    let mut offline = base.to_vec();
    offline.push("--offline");
    let r = sesgo(&offline);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        codes(&r.stdout).contains(&"CERT.CHAIN-INCOMPLETE".to_owned()),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("offline"), "{}", r.stdout);
    assert_eq!(w.server.total_hits(), 0);

    // Online: AC2 (PKCS#7), AC1 and the root fetched once each; valid.
    let r = sesgo(&base);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(w.server.hits("/aia/ac2.p7b"), 1);
    assert_eq!(w.server.hits("/aia/ac1.cer"), 1);

    // Offline again: the cache completes the chain.
    let r = sesgo(&offline);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(w.server.hits("/aia/ac2.p7b"), 1);

    // The embedded ICP-Brasil roots do not trust the test root, AIA or not.
    let r = sesgo(&[
        "verify",
        "--bundle",
        s(&bundle),
        "--revocation",
        "warn",
        "--cache-dir",
        s(&cache),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        codes(&r.stdout).contains(&"CERT.NOT-ICP-BRASIL".to_owned()),
        "{}",
        r.stdout
    );

    // Montar cadeia from the CLI.
    let r = sesgo(&[
        "cert",
        "chain",
        "--cert",
        s(&w.pki.ecpf.cert_pem),
        "--trust-root-sha256",
        &w.pki.root_sha256,
        "--cache-dir",
        s(&cache),
        "--offline",
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let x5c: Vec<String> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(x5c.len(), 4);

    // trust show lists the AIA downloads.
    let r = sesgo(&["trust", "show", "--cache-dir", s(&cache)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["aia"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["roots"].as_array().unwrap().len(),
        2,
        "the embedded v5 and v12"
    );
    assert!(v["itiArchive"].is_null());
}

#[test]
fn trust_refresh_against_a_loopback_https_mirror_of_iti() {
    let w = world("iti");
    let mirror = w.dir.join("iti");
    w.pki.write_ac_archive(&mirror).unwrap();
    let tls = TlsServer::generate(&w.pki, &w.dir.join("tls")).unwrap();
    let (chain, key) = (tls.chain_pem, tls.key_pem);
    let server = TestServer::start(ServerConfig {
        root: Some(mirror.clone()),
        tls: Some(TlsConfig {
            cert_chain_pem: chain,
            key_pem: key,
            client_ca_pem: None,
            client_cert_required: false,
        }),
        ..ServerConfig::default()
    })
    .unwrap();
    let cache = w.dir.join("cache");
    let zip = format!("{}/ACcompactado.zip", server.base_url());
    let hash = format!("{}/hashsha512.txt", server.base_url());
    let refresh = |extra: &[&str]| {
        let mut args = vec![
            "trust",
            "refresh",
            "--iti-zip-url",
            &zip,
            "--iti-hash-url",
            &hash,
            "--cache-dir",
            s(&cache),
            "--tls-roots-pem",
            s(&w.pki.root.cert_pem),
        ];
        args.extend_from_slice(extra);
        sesgo(&args)
    };
    let r = refresh(&[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["changed"], true);
    assert_eq!(v["certificates"], 3);
    let r = refresh(&[]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["changed"], false);
    assert_eq!(server.hits("/ACcompactado.zip"), 1);

    // Wrong hash: SECURITY.HASH-VALIDATION-FAILED, exit 2, the cached copy kept.
    std::fs::write(
        mirror.join("hashsha512.txt"),
        format!("{}  ACcompactado.zip\n", "0".repeat(128)),
    )
    .unwrap();
    let r = refresh(&[]);
    assert_eq!(r.code, 2);
    assert_eq!(codes(&r.stdout), ["SECURITY.HASH-VALIDATION-FAILED"]);
    // Offline: NETWORK.HASH-DOWNLOAD-FAILED.
    let r = refresh(&["--offline"]);
    assert_eq!(r.code, 2);
    assert_eq!(codes(&r.stdout), ["NETWORK.HASH-DOWNLOAD-FAILED"]);
    // Without the test root, the mirror's TLS certificate is not trusted.
    let r = sesgo(&[
        "trust",
        "refresh",
        "--iti-zip-url",
        &zip,
        "--iti-hash-url",
        &hash,
        "--cache-dir",
        s(&cache),
    ]);
    assert_eq!(codes(&r.stdout), ["NETWORK.HASH-DOWNLOAD-FAILED"]);
    assert!(r.stdout.contains("TLS"), "{}", r.stdout);

    let r = sesgo(&[
        "trust",
        "show",
        "--iti-zip-url",
        &zip,
        "--iti-hash-url",
        &hash,
        "--cache-dir",
        s(&cache),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["itiArchive"]["cas"].as_array().unwrap().len(), 3);

    // --iti: the archive completes a chain whose x5c holds only the leaf, offline.
    let r = sesgo(&[
        "cert",
        "chain",
        "--cert",
        s(&w.pki.ecpf.cert_pem),
        "--trust-root-sha256",
        &w.pki.root_sha256,
        "--cache-dir",
        s(&cache),
        "--offline",
        "--iti",
        "--iti-zip-url",
        &zip,
        "--iti-hash-url",
        &hash,
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(w.server.total_hits(), 0, "no AIA: the archive had every CA");
}
