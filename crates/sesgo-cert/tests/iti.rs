//! ITI's `ACcompactado.zip` + `hashsha512.txt` (IG-DIGEST §12), built by independent tools:
//! CPython's `zipfile` writes the archive and coreutils' `sha512sum` the hash file.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo_cert::iti::{read_ac_archive, ArchiveLimits};
use sesgo_cert::testpki::TestPki;
use sesgo_cert::{validate_chain, Certificate, ChainOptions, TrustStore};
use std::path::{Path, PathBuf};
use std::process::Command;

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn python() -> String {
    std::env::var("SESGO_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Writes `dir/ACcompactado.zip` (deflate) from `(name, bytes)` with CPython and
/// `dir/hashsha512.txt` with `sha512sum`; returns the zip path.
fn make_archive(dir: &Path, entries: &[(&str, Vec<u8>)]) -> PathBuf {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let mut names = Vec::new();
    for (name, bytes) in entries {
        let p = dir.join("src").join(name);
        if name.ends_with('/') {
            std::fs::create_dir_all(&p).unwrap();
        } else {
            std::fs::write(&p, bytes).unwrap();
        }
        names.push(name.to_string());
    }
    let zip = dir.join("ACcompactado.zip");
    let script = "import sys, zipfile\n\
        out, src, names = sys.argv[1], sys.argv[2], sys.argv[3:]\n\
        with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n\
        \x20   for n in names:\n\
        \x20       z.write(src + '/' + n, n)\n";
    let st = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(&zip)
        .arg(dir.join("src"))
        .args(&names)
        .status()
        .unwrap();
    assert!(st.success());
    let out = Command::new("sha512sum")
        .arg("ACcompactado.zip")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(dir.join("hashsha512.txt"), &out.stdout).unwrap();
    zip
}

/// A scratch directory removed when the test ends (pass or fail).
struct TmpDir(PathBuf);

impl std::ops::Deref for TmpDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tmp(name: &str) -> TmpDir {
    let d = std::env::temp_dir().join(format!("sesgo-iti-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    TmpDir(d)
}

fn root_only() -> TrustStore {
    TrustStore::from_fingerprints([&pki().root_sha256]).unwrap()
}

#[test]
fn the_archive_completes_a_leaf_only_chain() {
    let dir = tmp("ok");
    let zip = make_archive(
        &dir,
        &[
            (
                "AC TESTE Nivel 1.crt",
                std::fs::read(&pki().ac1.cert_pem).unwrap(),
            ),
            ("ac2.CRT", std::fs::read(&pki().ac2.cert_pem).unwrap()),
            ("raiz.der", pki().root.der.clone()),
            ("LEIAME.txt", b"not a certificate".to_vec()),
            ("sub/", Vec::new()),
        ],
    );
    let leaf = Certificate::from_der(&pki().ecpf.der).unwrap();
    // Without the archive the intermediates are unknown.
    let err = root_only()
        .complete_chain(std::slice::from_ref(&leaf))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "CERT.CHAIN-INCOMPLETE");

    let ts = root_only().with_ac_archive_files(&zip, None).unwrap();
    let chain = ts.complete_chain(&[leaf]).unwrap();
    assert_eq!(chain.len(), 4);
    let now = sesgo_cert::now_unix();
    let v = validate_chain(&chain, &ts, &ChainOptions::at(now)).unwrap();
    assert_eq!(v.root_sha256, pki().root_sha256);

    // The archive adds no trust: without the pinned root the chain is not trusted.
    let other = TrustStore::from_fingerprints([&pki().foreign_root.der_sha256()])
        .unwrap()
        .with_ac_archive_files(&zip, None)
        .unwrap();
    assert!(validate_chain(&chain, &other, &ChainOptions::at(now)).is_err());

    let a = read_ac_archive(
        &std::fs::read(&zip).unwrap(),
        &std::fs::read(dir.join("hashsha512.txt")).unwrap(),
        &ArchiveLimits::default(),
    )
    .unwrap();
    assert_eq!(a.certificates.len(), 3);
    assert_eq!(a.sha512.len(), 128);
}

trait DerSha {
    fn der_sha256(&self) -> String;
}
impl DerSha for sesgo_cert::testpki::PkiCert {
    fn der_sha256(&self) -> String {
        Certificate::from_der(&self.der).unwrap().sha256_hex()
    }
}

#[test]
fn hash_and_archive_failures_are_coded() {
    let dir = tmp("bad");
    let zip_path = make_archive(
        &dir,
        &[("ac2.crt", std::fs::read(&pki().ac2.cert_pem).unwrap())],
    );
    let zip = std::fs::read(&zip_path).unwrap();
    let hash = std::fs::read(dir.join("hashsha512.txt")).unwrap();
    let lim = ArchiveLimits::default();

    // One byte changed in the archive: refused before it is opened.
    let mut tampered = zip.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let e = read_ac_archive(&tampered, &hash, &lim).unwrap_err();
    assert_eq!(e.code().as_str(), "SECURITY.HASH-VALIDATION-FAILED");
    assert_eq!(e.primary().locations(), ["ACcompactado.zip"]);

    for bad in [&b""[..], b"abc  ACcompactado.zip\n", &[0xff; 200][..]] {
        let e = read_ac_archive(&zip, bad, &lim).unwrap_err();
        assert_eq!(e.code().as_str(), "SECURITY.HASH-VALIDATION-FAILED");
        assert_eq!(e.primary().locations(), ["hashsha512.txt"]);
    }
    // Upper-case hex and no file name are accepted.
    let token = String::from_utf8(hash.clone()).unwrap();
    let upper = token.split_whitespace().next().unwrap().to_uppercase();
    assert!(read_ac_archive(&zip, upper.as_bytes(), &lim).is_ok());

    // Not a zip (with a matching hash).
    let not_zip = b"PK not really".to_vec();
    let e = read_ac_archive(&not_zip, sha512_line(&not_zip).as_bytes(), &lim).unwrap_err();
    assert_eq!(e.code().as_str(), "STORAGE.INDEX-CREATION-FAILED");

    // Too many entries; oversized entry (a compressed bomb); garbage certificate.
    let e = read_ac_archive(
        &zip,
        &hash,
        &ArchiveLimits {
            max_entries: 0,
            ..lim
        },
    )
    .unwrap_err();
    assert_eq!(e.code().as_str(), "STORAGE.INDEX-CREATION-FAILED");

    let dir = tmp("bomb");
    let bomb = make_archive(&dir, &[("bomba.crt", vec![b'A'; 4 << 20])]);
    let bytes = std::fs::read(&bomb).unwrap();
    assert!(bytes.len() < 64 << 10, "deflate should shrink the bomb");
    let e = read_ac_archive(&bytes, sha512_line(&bytes).as_bytes(), &lim).unwrap_err();
    assert_eq!(e.code().as_str(), "STORAGE.INDEX-CREATION-FAILED");
    assert_eq!(e.primary().locations(), ["ACcompactado.zip/bomba.crt"]);

    let dir = tmp("garbage");
    let g = make_archive(
        &dir,
        &[(
            "lixo.crt",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
        )],
    );
    let e = root_only().with_ac_archive_files(&g, None).unwrap_err();
    assert_eq!(e.code().as_str(), "STORAGE.INDEX-CREATION-FAILED");
    assert_eq!(e.primary().locations(), ["ACcompactado.zip/lixo.crt"]);

    let e = root_only()
        .with_ac_archive_files(Path::new("/nonexistent/ACcompactado.zip"), None)
        .unwrap_err();
    assert_eq!(e.code().as_str(), "STORAGE.INDEX-CREATION-FAILED");
}

fn sha512_line(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha512};
    let h: String = Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{h}  ACcompactado.zip\n")
}
