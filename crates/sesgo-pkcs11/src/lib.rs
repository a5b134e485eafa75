//! PKCS#11 tokens and smartcards (ICP-Brasil A3) for sesgo: RS256 signatures made by a
//! key that never leaves the device (criar input 3 "PKCS#11" and input 8 "middleware
//! operational settings"; DECISIONS D4; docs/adr/0040).
//!
//! - [`Pkcs11Options`]: module path, slot / token label / auto-discovery, key by `CKA_ID`
//!   (hex) or `CKA_LABEL`, and the guide's [`MiddlewareSettings`], validated in their
//!   ranges (`MIDDLEWARE.*` codes).
//! - [`Pkcs11Signer::open`]: loads the module once per process (`C_Initialize` with OS
//!   locking), finds the token, logs in (never retrying a wrong PIN unless told to), finds
//!   the key and its certificate (chain completed from the token's certificates), and
//!   picks `CKM_SHA256_RSA_PKCS` or, when the token lacks it, `CKM_RSA_PKCS` over a
//!   DigestInfo built here.
//! - [`Pkcs11Signer::sign_rs256`]: `Send + Sync`; sessions are pooled, one per concurrent
//!   signature, closed after the inactivity timeout.
//! - [`inspect`]: tokens, keys and certificates a module exposes (what an integrator needs
//!   to find the right key).
//!
//! Every failure is a [`sesgo_core::Error`] with one code of `situacao-excepcional-assinatura`;
//! failures reported by the module carry the `CKR_*` name in `diagnostics`.

mod config;
mod errors;
mod inspect;
mod module;
mod signer;
#[cfg(feature = "test-softhsm")]
#[allow(
    clippy::panic,
    reason = "test fixture (feature test-softhsm, never in a shipped artifact): a fixture that cannot be built aborts the test"
)]
pub mod softhsm;

pub use config::{KeyRef, MechanismChoice, MiddlewareSettings, Pkcs11Options, SessionMode};
pub use errors::ckr_name;
pub use inspect::{inspect, InspectOptions};
pub use module::check_module_file;
pub use signer::{Pin, PinCallback, Pkcs11Signer, SigningMechanism};
