//! The test PKI's `base_url` option: AIA, OCSP and CRL URLs under a loopback base, and the
//! web root that serves them.

use sesgo_cert::testpki::{PkiOptions, TestPki};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn urls_point_under_the_base_and_the_web_root_serves_them() {
    let base = "http://127.0.0.1:45678";
    let dir = std::env::temp_dir().join(format!("sesgo-online-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pki = TestPki::generate_with(
        &dir.join("pki"),
        &PkiOptions {
            base_url: Some(base.to_owned()),
        },
    )
    .unwrap();
    assert_eq!(pki.base_url.as_deref(), Some(base));
    for url in ["/aia/ac2.p7b", "/ocsp/ac2", "/crl/ac2.crl"] {
        assert!(
            contains(&pki.ecpf.der, &format!("{base}{url}")),
            "leaf lacks {url}"
        );
    }
    for url in ["/aia/ac1.cer", "/ocsp/ac1", "/crl/ac1.crl"] {
        assert!(
            contains(&pki.ac2.der, &format!("{base}{url}")),
            "AC2 lacks {url}"
        );
    }
    for url in ["/aia/root.cer", "/ocsp/root", "/crl/root.crl"] {
        assert!(
            contains(&pki.ac1.der, &format!("{base}{url}")),
            "AC1 lacks {url}"
        );
    }
    assert!(!contains(&pki.ecpf.der, "18080") && !contains(&pki.ecpf.der, "18888"));

    let www = pki.write_web_root(&dir.join("www")).unwrap();
    assert_eq!(std::fs::read(www.join("aia/ac2.cer")).unwrap(), pki.ac2.der);
    assert_eq!(std::fs::read(www.join("aia/ac1.cer")).unwrap(), pki.ac1.der);
    let p7b = std::fs::read(www.join("aia/ac2.p7b")).unwrap();
    assert!(contains(&p7b, "AC TESTE Assinatura G1"));
    for crl in ["ac2", "ac1", "root"] {
        assert!(www.join(format!("crl/{crl}.crl")).is_file());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
