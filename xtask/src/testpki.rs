//! A throw-away test PKI for the binding test suites (C, Python, Java) and the examples:
//! generated with `sesgo_cert::testpki` (openssl CLI) and described by a `manifest.json`
//! whose path the suites receive in `SESGO_TEST_PKI`.
//!
//! For the suites xtask starts, the PKI is online (issue 19): a loopback `sesgo-testserver`
//! runs inside xtask for as long as it does, with the real `openssl ocsp` behind
//! `/ocsp/{ac2,ac1,root}` and the CAs' CRLs and certificates as files, and every
//! certificate's AIA/OCSP/CDP URLs point at it. So signing and verifying under the
//! default `revocationPolicy: "strict"` work in every suite against live responders.

use crate::Result;
use serde_json::{json, Value};
use sesgo_cert::testpki::{
    ocsp_route_command, OcspSigner, PkiCert, PkiOptions, RevocationPki, TestPki, ECPF_ALIAS,
};
use sesgo_testserver::{CommandRoute, ServerConfig, TestServer};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable carrying the manifest path to the test suites.
pub const ENV: &str = "SESGO_TEST_PKI";

/// The test TSAs of the PKI this process generated.
static TSA: OnceLock<sesgo_cert::testpki::TestTsa> = OnceLock::new();

static MANIFEST: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();

fn cert(c: &PkiCert) -> Value {
    json!({
        "certPem": c.cert_pem,
        "certDer": c.cert_der_path,
        "keyPem": c.key_pem,
    })
}

/// Generates a PKI into `dir` and writes `dir/manifest.json`; returns the manifest path.
pub fn generate(dir: &Path) -> Result<PathBuf> {
    generate_with(dir, None)
}

/// [`generate`] with the certificates' AIA/OCSP/CDP URLs under a base URL, and the files
/// the server at that URL serves written into its web root.
fn generate_with(dir: &Path, served: Option<(String, &Path)>) -> Result<PathBuf> {
    let base_url = served.as_ref().map(|(u, _)| u.clone());
    let pki = TestPki::generate_with(dir, &PkiOptions { base_url })?;
    if let Some((_, www)) = served {
        pki.write_web_root(www)?;
    }
    let rev = RevocationPki::generate(&pki)?;
    let evidence = rev.write_evidence(&pki.ecpf.cert_pem, &dir.join("evidence-ecpf"), 600)?;
    let _ = TSA.set(sesgo_cert::testpki::TestTsa::generate(&pki)?);
    let ac_archive = pki.write_ac_archive(&dir.join("iti"))?;
    let manifest = json!({
        "dir": pki.dir,
        "password": pki.password,
        "ecpfAlias": ECPF_ALIAS,
        "rootSha256": pki.root_sha256,
        "root": cert(&pki.root),
        "ac1": cert(&pki.ac1),
        "ac2": cert(&pki.ac2),
        "ecpf": cert(&pki.ecpf),
        "ecnpj": cert(&pki.ecnpj),
        "eseal": cert(&pki.eseal),
        "ecpfRevoked": cert(&pki.ecpf_revoked),
        "weakKey": cert(&pki.weak_key),
        "noIcpPolicy": cert(&pki.no_icp_policy),
        "issuedTooEarly": cert(&pki.issued_too_early),
        "foreignRoot": cert(&pki.foreign_root),
        "foreignLeaf": cert(&pki.foreign_leaf),
        "chainPem": pki.chain_pem,
        "crlAc2Der": pki.crl_ac2_der,
        "p12Aes": pki.p12_aes,
        "p12_3des": pki.p12_3des,
        "p12Rc2": pki.p12_rc2,
        "p12CertOnly": pki.p12_cert_only,
        "p12Ecnpj": pki.p12_ecnpj,
        "keyPkcs8Encrypted": pki.key_pkcs8_encrypted,
        "keyPkcs1": pki.key_pkcs1,
        "acArchive": ac_archive,
        "baseUrl": pki.base_url,
        "revocationEvidence": evidence,
        "p12Revoked": rev.p12_revoked,
        "pkcs11": pkcs11(dir, &pki)?,
        "online": online(&dir.join("online"))?,
    });
    let path = dir.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The loopback AIA server of the suites: `sesgo-testserver` running inside this xtask
/// process (bound to 127.0.0.1, stopped when xtask exits) serving `www/`.
static AIA_SERVER: OnceLock<sesgo_testserver::TestServer> = OnceLock::new();

/// A second PKI whose AIA, OCSP and CRL URLs point at the loopback server, for the
/// suites' "complete one chain through AIA" tests (issue 18): the server starts first
/// (ephemeral port), then the PKI is generated with its URL, then its files are served.
fn online(dir: &Path) -> Result<Value> {
    let www = dir.join("www");
    std::fs::create_dir_all(&www).map_err(|e| format!("{}: {e}", www.display()))?;
    let server = sesgo_testserver::TestServer::start(sesgo_testserver::ServerConfig {
        root: Some(www.clone()),
        ..Default::default()
    })
    .map_err(|e| format!("loopback test server: {e}"))?;
    let base_url = server.base_url();
    let pki = TestPki::generate_with(
        &dir.join("pki"),
        &sesgo_cert::testpki::PkiOptions {
            base_url: Some(base_url.clone()),
        },
    )?;
    pki.write_web_root(&www)?;
    let _ = AIA_SERVER.set(server);
    let leaf_only = leaf_only_bundle(&pki, &dir.join("leaf-only-bundle.json"))?;
    Ok(json!({
        "baseUrl": base_url,
        "www": www,
        "leafOnlyBundle": leaf_only,
        "rootSha256": pki.root_sha256,
        "root": cert(&pki.root),
        "ac2": cert(&pki.ac2),
        "ecpf": cert(&pki.ecpf),
    }))
}

/// A transfer Bundle of the examples signed by `pki`'s e-CPF under policy 0.2.0 with
/// `x5c` = the leaf alone (as other signers may send it): the suites verify it strictly
/// with only the root trusted, the chain completed through AIA and the statuses from the
/// server's CRLs. Written to `path`; returns it.
fn leaf_only_bundle(pki: &TestPki, path: &Path) -> Result<PathBuf> {
    let read = |p: PathBuf| std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()));
    let examples = crate::root().join("examples");
    let p12 = read(pki.p12_aes.clone())?;
    let creds = sesgo_cert::Credentials::from_pkcs12(&p12, &pki.password, None)
        .map_err(|e| e.to_string())?;
    let bytes = sesgo_provenance::testing::leaf_only_transfer_bundle(
        &read(examples.join("bundle.json"))?,
        &read(examples.join("provenance.json"))?,
        &creds,
        sesgo_jades::Policy::Politica020,
        sesgo_cert::now_unix(),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

/// SoftHSM2 tokens in `dir/softhsm` holding the e-CPF key (sesgo_pkcs11::softhsm); the
/// suites export `conf` as `SOFTHSM2_CONF` (xtask does it for the processes it starts).
fn pkcs11(dir: &Path, pki: &TestPki) -> Result<Value> {
    use sesgo_pkcs11::softhsm::{self, SoftHsm};
    let hsm = SoftHsm::create(&dir.join("softhsm"), pki)
        .map_err(|e| format!("PKCS#11 fixture (apt-get install softhsm2 opensc): {e}"))?;
    let config = json!({
        "module": hsm.module,
        "tokenLabel": softhsm::TOKEN,
        "keyId": softhsm::KEY_ID,
        "maxRetries": 0,
    });
    Ok(json!({
        "conf": hsm.conf,
        "module": hsm.module,
        "tokenLabel": softhsm::TOKEN,
        "keyId": softhsm::KEY_ID,
        "keyLabel": softhsm::KEY_LABEL,
        "pin": softhsm::USER_PIN,
        "config": config.to_string(),
    }))
}

/// One fresh PKI per xtask process under `target/xtask-testpki/` (certificates become
/// valid at generation time, so it is never reused across runs).
pub fn ensure() -> Result<PathBuf> {
    MANIFEST
        .get_or_init(|| {
            let base = crate::ctest::target_dir().join("xtask-testpki");
            let _ = std::fs::remove_dir_all(&base);
            std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
            eprintln!("xtask: generating the test PKI in {}", base.display());
            let pki_dir = base.join("pki");
            let www = base.join("www");
            std::fs::create_dir_all(&www).map_err(|e| format!("{}: {e}", www.display()))?;
            let server = start_responders(&pki_dir, &www)?;
            let base_url = server.base_url();
            eprintln!("xtask: OCSP responders and CRLs on {base_url}");
            // Serves until xtask exits.
            std::mem::forget(server);
            let manifest = generate_with(&pki_dir, Some((base_url, &www)))?;
            start_tsa(&manifest)?;
            // Every suite xtask starts (C, Python, the JVM) inherits the SoftHSM2 configuration.
            std::env::set_var(
                "SOFTHSM2_CONF",
                base.join("pki").join("softhsm").join("softhsm2.conf"),
            );
            Ok(manifest)
        })
        .clone()
}

/// The loopback server of the online test PKI: `openssl ocsp` for each CA (the issuing
/// AC through its delegated responder, the others self-signed responses), files from
/// `www` (filled once the PKI exists).
fn start_responders(pki_dir: &Path, www: &Path) -> Result<TestServer> {
    let route = |ca: &str, signer: OcspSigner| CommandRoute {
        prefix: format!("/ocsp/{ca}"),
        command: ocsp_route_command(pki_dir, ca, signer, 600),
        content_type: Some("application/ocsp-response".into()),
    };
    TestServer::start(ServerConfig {
        root: Some(www.to_path_buf()),
        commands: vec![
            route("ac2", OcspSigner::Delegated),
            route("ac1", OcspSigner::Ca),
            route("root", OcspSigner::Ca),
        ],
        ..Default::default()
    })
    .map_err(|e| format!("sesgo-testserver: {e}"))
}

/// Starts, inside this xtask process, the loopback HTTPS server whose `POST /tsa` runs
/// `openssl ts -reply` with the test TSA (issue 20), and adds to the manifest
/// `"tsa": {"url", "tlsRootPem", "policy"}`. The server lives as long as xtask (its
/// threads end with the process): started once per run, shared by every suite.
fn start_tsa(manifest: &Path) -> Result<()> {
    use sesgo_cert::testpki::TSA_POLICY;
    use sesgo_testserver::{CommandRoute, ServerConfig, TestServer, TlsConfig};
    let text = std::fs::read_to_string(manifest).map_err(|e| e.to_string())?;
    let mut m: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let tsa = TSA.get().ok_or("test TSA not generated")?;
    let server = TestServer::start(ServerConfig {
        commands: vec![CommandRoute {
            prefix: "/tsa".into(),
            command: tsa.shell_command(&tsa.good),
            content_type: Some("application/timestamp-reply".into()),
        }],
        tls: Some(TlsConfig {
            cert_chain_pem: tsa.https_chain_pem.clone(),
            key_pem: tsa.https_key_pem.clone(),
            client_ca_pem: None,
            client_cert_required: false,
        }),
        ..ServerConfig::default()
    })
    .map_err(|e| format!("TSA test server: {e}"))?;
    let url = format!("{}/tsa", server.base_url());
    eprintln!("xtask: test TSA at {url}");
    std::mem::forget(server);
    m["tsa"] = json!({
        "url": url,
        "tlsRootPem": m["root"]["certPem"].clone(),
        "policy": TSA_POLICY,
    });
    let text = serde_json::to_string_pretty(&m).map_err(|e| e.to_string())?;
    std::fs::write(manifest, text).map_err(|e| e.to_string())?;
    Ok(())
}
