//! # sesgo-cert
//!
//! ICP-Brasil certificates for sesgo, offline:
//!
//! * [`Credentials`]: a signer's RSA key and chain from PKCS#12 (PBES2/AES, legacy 3DES and
//!   RC2-40; MAC verified), PEM PKCS#8 (plain or encrypted) or PKCS#1; [`Credentials::sign_rs256`];
//! * [`Certificate`]: DER, PEM and `x5c` (standard Base64) parsing; [`parse_x5c`];
//! * [`Identity`] / [`SignerId`]: DOC-ICP-04 `otherName` fields, CPF/CNPJ check digits, the
//!   `urn:brasil:cpf|cnpj` identifier (criar 14.2);
//! * [`check_eligibility`]: leaf rules per [`SignaturePolicyFamily`] (criar 2.5/2.6, §17.7);
//! * [`TrustStore`], [`build_chain`], [`validate_chain`]: chain completion and validation
//!   (criar 2.2–2.7, validar §3), trust pinned by the root's DER SHA-256;
//! * [`credentialing_report`]: the report of the credentialing use case.
//!
//! Every failure is a [`sesgo_core::Error`] carrying one of the guide's codes.
//!
//! ```
//! # let pki = sesgo_cert::testpki::TestPki::shared();
//! use sesgo_cert::*;
//! let p12 = std::fs::read(&pki.p12_3des).unwrap();
//! let creds = Credentials::from_pkcs12(&p12, "teste123", Some("ecpf teste")).unwrap();
//! let trust = TrustStore::from_fingerprints([pki.root_sha256.as_str()]).unwrap();
//! let chain = trust.complete_chain(creds.chain()).unwrap();
//! let now = now_unix();
//! let valid = validate_chain(&chain, &trust, &ChainOptions::at(now)).unwrap();
//! let who = Identity::from_certificate(valid.leaf()).signer_id().unwrap();
//! assert_eq!(who.value, "12345678909");
//! assert!(check_eligibility(valid.leaf(), SignaturePolicyFamily::V01, &EligibilityOptions::at(now)).is_empty());
//! ```

pub mod aia;
mod cert;
mod chain;
mod credentials;
pub mod crypto;
mod eligibility;
mod identity;
pub mod iti;
pub mod iti_refresh;
mod jwk;
mod path;
mod pem;
mod pkcs12;
mod report;
#[cfg(any(test, feature = "test-pki"))]
#[allow(
    clippy::panic,
    reason = "test fixture (feature test-pki, never in a shipped artifact): a fixture that cannot be built aborts the test"
)]
pub mod testpki;
mod time;
mod trust;
pub mod tsp;

pub use aia::{AiaConfig, AiaSource};
pub use cert::{
    parse_x5c, Certificate, CertificateCache, KeyAlgorithm, KeyUsageInfo,
    CERTIFICATE_CACHE_MAX_BYTES, CERTIFICATE_CACHE_MAX_ENTRIES,
};
pub use chain::{
    build_chain, validate_chain, ChainOptions, ValidatedChain, DEFAULT_MAX_DEPTH,
    DEFAULT_NEAR_EXPIRY_DAYS, UNTRUSTED_ROOT_CODE,
};
pub use credentials::Credentials;
pub use eligibility::{
    check_eligibility, classify_policy, icp_policy, CertificateType, EligibilityOptions,
    SignaturePolicyFamily, DEFAULT_MIN_CERT_ISSUE_DATE,
};
pub use identity::{
    is_valid_cnpj, is_valid_cpf, Identity, PersonData, SignerId, ValueEncoding, VoterId,
    CNPJ_SYSTEM, CPF_SYSTEM,
};
pub use jwk::{jwk_thumbprint, public_jwk, public_jwks, x5t_s256};
pub use report::{credentialing_report, CredentialingReport};
pub use time::now_unix;
pub use trust::{embedded_icp_roots, parse_fingerprint, TrustStore, EMBEDDED_ICP_ROOTS};

#[cfg(test)]
mod assert_traits {
    fn send_sync<T: Send + Sync>() {}
    #[test]
    fn types_are_send_sync() {
        send_sync::<super::Credentials>();
        send_sync::<super::Certificate>();
        send_sync::<super::TrustStore>();
        send_sync::<super::ValidatedChain>();
        send_sync::<super::CredentialingReport>();
    }
}
