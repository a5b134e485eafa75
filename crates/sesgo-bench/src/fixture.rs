//! What every measurement shares: the e-CPF signer and a trust store from the test PKI,
//! a fixed clock, the options, and the floor's building blocks.
//!
//! Revocation: online revocation (OCSP/CRL) is not built yet, so every measurement runs
//! with `{"settings":{"revocationPolicy":"off"}}`; with the default `strict` every
//! verification would be invalid (REVOCATION.NO-CONNECTIVITY) and the figures would measure
//! an early exit. The figures therefore exclude any revocation lookup (docs/adr/0024).

use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use sesgo::{
    FixedClock, SignOptions, Signed, Signer, TrustStore, TrustStoreOptions, Value, Verification,
    VerifyInput, VerifyOptions,
};
use sesgo_cert::testpki::TestPki;
use sha2::{Digest, Sha256};

/// Policy 0.1.2 (the signing default).
pub const P012: &str =
    "https://fhir.saude.go.gov.br/r4/seguranca/ImplementationGuide/br.go.ses.seguranca|0.1.2";
/// Policy 0.2.0.
pub const P020: &str = "https://fhir.saude.go.gov.br/r4/seguranca/assinatura/politica/0.2.0";

/// Signer, trust store and clock over one test PKI.
pub struct Fixture {
    /// The PKI (generated once per process with the openssl CLI).
    pub pki: &'static TestPki,
    /// The e-CPF (RSA-2048) from its PKCS#12.
    pub signer: Signer,
    /// `{"rootSha256":[…],"caCertsPem":…}`: the trust store's JSON form.
    pub trust_json: String,
    /// A trust store built once: its chain-validation cache warms up across calls.
    pub trust: TrustStore,
    /// The fixed clock and reference time (Unix seconds, after the PKI was generated).
    pub now: i64,
}

impl Fixture {
    /// Generates (or reuses) the process's test PKI and loads the signer.
    pub fn new() -> Fixture {
        let pki = TestPki::shared();
        let p12 = std::fs::read(&pki.p12_aes).expect("e-CPF PKCS#12");
        let signer = Signer::from_pkcs12(&p12, &pki.password, None).expect("e-CPF signer");
        let chain = std::fs::read_to_string(&pki.chain_pem).expect("chain PEM");
        let trust_json = serde_json::json!({
            "rootSha256": [pki.root_sha256],
            "caCertsPem": chain,
        })
        .to_string();
        let trust = trust_store(&trust_json);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Fixture {
            pki,
            signer,
            trust_json,
            trust,
            now,
        }
    }

    /// A fresh trust store (empty chain cache).
    pub fn fresh_trust(&self) -> TrustStore {
        trust_store(&self.trust_json)
    }

    /// The clock every sign and verify uses.
    pub fn clock(&self) -> FixedClock {
        FixedClock(self.now)
    }

    /// Sign options: `policy`, reference time = the fixed clock, revocation off.
    pub fn sign_options(&self, policy: &str) -> SignOptions {
        SignOptions::from_json(
            serde_json::json!({
                "policy": policy,
                "referenceTime": self.now,
                "settings": {"revocationPolicy": "off"},
            })
            .to_string()
            .as_bytes(),
        )
        .expect("sign options")
    }

    /// Verify options: reference time = the fixed clock, revocation off.
    pub fn verify_options(&self) -> VerifyOptions {
        VerifyOptions::from_json(
            serde_json::json!({
                "referenceTime": self.now,
                "settings": {"revocationPolicy": "off"},
            })
            .to_string()
            .as_bytes(),
        )
        .expect("verify options")
    }

    /// `sesgo::sign_with_clock` with this fixture.
    pub fn sign(&self, bundle: &[u8], provenance: &[u8], opts: &SignOptions) -> Signed {
        sesgo::sign_with_clock(
            bundle,
            provenance,
            &self.signer,
            &self.trust,
            opts,
            &self.clock(),
        )
        .unwrap_or_else(|e| panic!("sign: {e}"))
    }

    /// `sesgo::verify_with_clock` of a transfer Bundle; panics unless valid, so a
    /// measurement never times an early failure.
    pub fn verify(
        &self,
        transfer_bundle: &[u8],
        trust: &TrustStore,
        opts: &VerifyOptions,
    ) -> Verification {
        let v = sesgo::verify_with_clock(
            &VerifyInput {
                bundle: Some(transfer_bundle),
                ..Default::default()
            },
            trust,
            opts,
            &self.clock(),
        )
        .unwrap_or_else(|e| panic!("verify: {e}"));
        assert!(v.valid, "verification failed: {}", v.to_json());
        v
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// Builds a trust store from its JSON form.
pub fn trust_store(json: &str) -> TrustStore {
    TrustStoreOptions::from_json(json.as_bytes())
        .and_then(|o| o.build())
        .expect("trust store")
}

/// The signed set of a Bundle: `(Provenance.target[i].reference, resource)` in target
/// order, resolved by `fullUrl` (what the content digest covers, criar Etapas 3–6).
pub fn signed_targets<'a>(bundle: &'a Value, provenance: &'a Value) -> Vec<(&'a str, &'a Value)> {
    let entries = bundle["entry"].as_array().expect("Bundle.entry");
    provenance["target"]
        .as_array()
        .expect("Provenance.target")
        .iter()
        .map(|t| {
            let r = t["reference"].as_str().expect("target.reference");
            let e = entries
                .iter()
                .find(|e| e["fullUrl"].as_str() == Some(r))
                .expect("target in Bundle");
            (r, &e["resource"])
        })
        .collect()
}

/// Strictly parses input JSON as sesgo does (no limits beyond the defaults).
pub fn parse(bytes: &[u8]) -> Value {
    sesgo_core::json::parse_strict(
        bytes,
        &sesgo_core::json::Limits {
            max_bytes: usize::MAX,
            ..Default::default()
        },
    )
    .map_err(|e| e.into_error("input", sesgo::Code::FormatResourceTooLarge))
    .expect("input JSON")
}

/// Floor: plain `serde_json` parse of the bytes into a `serde_json::Value`.
pub fn floor_parse(bytes: &[u8]) -> usize {
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
    v.as_object().map_or(0, |o| o.len())
}

/// Floor: SHA-256 of bytes.
pub fn floor_sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Floor: one RSA-2048 PKCS#1 v1.5 SHA-256 sign and verify with OpenSSL, with the same
/// e-CPF key sesgo signs with.
pub struct OpensslRsa {
    key: PKey<Private>,
    public: PKey<Public>,
}

impl OpensslRsa {
    /// Loads the e-CPF key of the test PKI.
    pub fn new(pki: &TestPki) -> OpensslRsa {
        let pem = std::fs::read(&pki.ecpf.key_pem).expect("e-CPF key");
        let key = PKey::private_key_from_pem(&pem).expect("PKCS#8 key");
        assert_eq!(key.bits(), 2048, "the floor is RSA-2048");
        let public = PKey::public_key_from_pem(&key.public_key_to_pem().expect("SPKI PEM"))
            .expect("public key");
        OpensslRsa { key, public }
    }

    /// RS256 signature of `input`.
    pub fn sign(&self, input: &[u8]) -> Vec<u8> {
        let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), &self.key).expect("signer");
        s.update(input).expect("update");
        s.sign_to_vec().expect("sign")
    }

    /// Checks an RS256 signature of `input`.
    pub fn verify(&self, input: &[u8], sig: &[u8]) -> bool {
        let mut v =
            openssl::sign::Verifier::new(MessageDigest::sha256(), &self.public).expect("verifier");
        v.update(input).expect("update");
        v.verify(sig).expect("verify")
    }
}

/// Floor of a cold trust store: the three issuer signatures of the test chain (e-CPF ←
/// issuing AC, issuing AC ← first-level AC, first-level AC ← RSA-4096 root), each checked
/// with OpenSSL (`X509_verify`), issuer keys already extracted.
pub struct OpensslChain {
    links: Vec<(openssl::x509::X509, PKey<Public>)>,
    /// Each link's issuer key as its RSA modulus and exponent, for
    /// [`OpensslChain::verify_cold`].
    issuers: Vec<(Vec<u8>, Vec<u8>)>,
}

impl OpensslChain {
    /// The links of the test PKI's chain.
    pub fn new(pki: &TestPki) -> OpensslChain {
        let x = |der: &[u8]| openssl::x509::X509::from_der(der).expect("certificate");
        let (leaf, ac2, ac1, root) = (
            x(&pki.ecpf.der),
            x(&pki.ac2.der),
            x(&pki.ac1.der),
            x(&pki.root.der),
        );
        let key = |c: &openssl::x509::X509| c.public_key().expect("issuer key");
        let links = vec![
            (leaf, key(&ac2)),
            (ac2.clone(), key(&ac1)),
            (ac1.clone(), key(&root)),
        ];
        let issuers = links
            .iter()
            .map(|(_, k)| {
                let rsa = k.rsa().expect("RSA issuer key");
                (rsa.n().to_vec(), rsa.e().to_vec())
            })
            .collect();
        OpensslChain { links, issuers }
    }

    /// The same three checks with issuer keys new to OpenSSL on every call, as a cold trust
    /// store meets them: each key is built from its modulus and exponent (no decoder), so
    /// its first use pays the Montgomery set-up that OpenSSL then keeps with the key and
    /// that [`OpensslChain::verify`] never pays again. Parsing is left out: this is the
    /// signature work alone.
    pub fn verify_cold(&self) -> bool {
        self.links
            .iter()
            .zip(&self.issuers)
            .all(|((c, _), (n, e))| {
                let key = BigNum::from_slice(n)
                    .and_then(|n| Ok((n, BigNum::from_slice(e)?)))
                    .and_then(|(n, e)| Rsa::from_public_components(n, e))
                    .and_then(PKey::from_rsa);
                key.is_ok_and(|k| c.verify(&k).unwrap_or(false))
            })
    }

    /// Checks the three signatures; true when all verify.
    pub fn verify(&self) -> bool {
        self.links.iter().all(|(c, k)| c.verify(k).unwrap_or(false))
    }
}
