//! Trust store options, certificate inspection and the PEM external signer, with the test PKI.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed unwrap or index is a failed test; no public API (docs/adr/0043)"
)]

use sesgo::{inspect_certificate, InspectOptions, Signer, TrustStoreOptions};
use sesgo_cert::testpki::TestPki;

fn pki() -> &'static TestPki {
    TestPki::shared()
}

fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn trust_store_options_combine_roots_pools_and_defaults() {
    let root_pem = String::from_utf8(read(&pki().root.cert_pem)).unwrap();
    let ts = TrustStoreOptions {
        root_certs_pem: Some(root_pem.clone()),
        ..Default::default()
    }
    .build()
    .unwrap();
    assert_eq!(ts.fingerprints_hex(), vec![pki().root_sha256.clone()]);

    let ts = TrustStoreOptions {
        root_sha256: vec![pki().root_sha256.to_uppercase()],
        icp_brasil: Some(true),
        ..Default::default()
    }
    .build()
    .unwrap();
    assert_eq!(ts.fingerprints_hex().len(), 3);
    assert!(ts.contains_hex(&pki().root_sha256));

    let err = TrustStoreOptions::from_json(br#"{"rootSha256":["abc"]}"#)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(err.code().as_str(), "CONFIG.INVALID-PARAMETER");
    let err = TrustStoreOptions::from_json(br#"{"icpBrasil":false}"#)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(err.code().as_str(), "CONFIG.TRUST-STORE-EMPTY");
    let err = TrustStoreOptions::from_json(br#"{"roots":[]}"#).unwrap_err();
    assert_eq!(err.code().as_str(), "CONFIG.INVALID-PARAMETER");
    let err = TrustStoreOptions {
        ca_dir: Some("/nonexistent/sesgo".into()),
        ..Default::default()
    }
    .build()
    .unwrap_err();
    assert_eq!(err.code().as_str(), "CONFIG.INVALID-PARAMETER");
    let err = TrustStoreOptions {
        root_certs_pem: Some(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
        ),
        ..Default::default()
    }
    .build()
    .unwrap_err();
    assert!(err
        .primary()
        .locations()
        .contains(&"rootCertsPem".to_string()));
}

#[test]
fn inspect_reports_pem_der_and_pkcs12() {
    let now = {
        let _ = pki();
        sesgo_core::time::now_unix()
    };
    let opts = InspectOptions {
        reference_time: Some(now),
        alias: None,
    };
    let from_pem = inspect_certificate(&read(&pki().ecpf.cert_pem), None, &opts).unwrap();
    let from_der = inspect_certificate(&pki().ecpf.der, None, &opts).unwrap();
    assert_eq!(from_pem.to_json(), from_der.to_json());
    let signer = from_pem
        .get("identity")
        .and_then(|i| i.get("signer"))
        .unwrap();
    assert_eq!(
        signer.get("value").and_then(|v| v.as_str()),
        Some("12345678909")
    );

    let p12 = read(&pki().p12_aes);
    let from_p12 = inspect_certificate(&p12, Some(&pki().password), &opts).unwrap();
    assert_eq!(
        from_p12.get("fingerprints").unwrap().to_json(),
        from_der.get("fingerprints").unwrap().to_json()
    );
    match from_p12.get("chain") {
        Some(sesgo::Value::Array(a)) => assert_eq!(a.len(), 3),
        other => panic!("chain: {other:?}"),
    }
    let err = inspect_certificate(&p12, Some("errada"), &opts).unwrap_err();
    assert_eq!(err.code().as_str(), "CRYPTO.KEY-INACCESSIBLE");
    let err = inspect_certificate(b"garbage", None, &opts).unwrap_err();
    assert_eq!(err.code().as_str(), "CERT.INVALID-FORMAT");
}

#[test]
fn external_pem_signer_reads_the_chain() {
    let pem = read(&pki().ecpf.cert_pem);
    let s = Signer::external_pem(&pem, |_| Ok(vec![0u8; 256])).unwrap();
    assert_eq!(s.chain().len(), 1);
    let err = Signer::external_pem(b"no pem here", |_| Ok(Vec::new())).unwrap_err();
    assert_eq!(err.code().as_str(), "FORMAT.CERT-PEM-INVALID");
}

#[test]
fn trust_store_options_read_iti_archives() {
    let dir = std::env::temp_dir().join(format!("sesgo-facade-iti-{}", std::process::id()));
    let zip = pki().write_ac_archive(&dir).unwrap();
    let leaf = sesgo_cert::Certificate::from_der(&pki().ecpf.der).unwrap();
    let opts = TrustStoreOptions {
        root_sha256: vec![pki().root_sha256.clone()],
        ca_archive: Some(zip.display().to_string()),
        ..Default::default()
    };
    let ts = opts.build().unwrap();
    assert_eq!(ts.complete_chain(&[leaf]).unwrap().len(), 4);

    // A hash file that does not match the archive.
    let wrong = dir.join("wrong.txt");
    std::fs::write(&wrong, format!("{}  ACcompactado.zip\n", "ab".repeat(64))).unwrap();
    let err = TrustStoreOptions {
        ca_archive_sha512: Some(wrong.display().to_string()),
        ..opts.clone()
    }
    .build()
    .unwrap_err();
    assert_eq!(err.code().as_str(), "SECURITY.HASH-VALIDATION-FAILED");
    let err = TrustStoreOptions {
        ca_archive: None,
        ca_archive_sha512: Some(wrong.display().to_string()),
        ..opts
    }
    .build()
    .unwrap_err();
    assert_eq!(err.code().as_str(), "CONFIG.MISSING-PARAMETER");
}
