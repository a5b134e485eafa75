//! # sesgo
//!
//! Sign and verify FHIR R4 content with ICP-Brasil certificates, as the security guide of
//! the Goiás state health secretariat (SES-GO) requires
//! (<https://fhir.saude.go.gov.br/r4/seguranca/>). This facade is the one API the C, Python
//! and JVM bindings wrap (docs/adr/0005): bytes in, FHIR JSON out, every failure an
//! [`Error`] carrying the guide's code and rendering as an `OperationOutcome`.
//!
//! ```
//! // The canonical bytes a signature covers (policy 0.1.2: RFC 8785 JCS).
//! let canon = sesgo::canonicalize(
//!     br#"{"resourceType":"Observation","id":"o1","valueQuantity":{"value":36.50}}"#,
//!     None,
//! )
//! .unwrap();
//! assert_eq!(canon, br#"{"resourceType":"Observation","valueQuantity":{"value":36.5}}"#);
//! ```

mod attachments;
mod clock;
mod export;
mod inspect;
pub mod json {
    //! Read-only access to JSON text, for bindings that build their runtime's own objects
    //! from a result: the strict compact document ([`Doc`]), read through [`View`].
    //!
    //! ```
    //! use sesgo::json::{Doc, Kind, Limits, View};
    //!
    //! let doc = Doc::parse(br#"{"valid":true,"value":36.50}"#, &Limits::default()).unwrap();
    //! let root = doc.root();
    //! assert_eq!(root.kind(), Kind::Object);
    //! assert_eq!(root.get("value").and_then(|v| v.number_token()), Some("36.50"));
    //! ```
    pub use sesgo_core::json::{Doc, Kind, Limits, Node, View, MAX_DEPTH_CEILING};
}
mod limits;
pub mod network;
mod options;
pub mod pkcs11;
mod revocation;
mod settings;
mod sign;
mod signer;
pub mod token;
mod tools;
mod trust;
mod tsa;
pub(crate) mod verify;

pub use attachments::{
    check_attachment, fill_attachment, AttachmentOptions, DEFAULT_ATTACHMENT_LOCATION,
    HASH_SHA256_URL,
};
pub use clock::{system_clock, Clock, FixedClock, SharedClock, SystemClock};
pub use export::{export_certificate, ExportFormat};
pub use inspect::{inspect_certificate, inspect_certificate_with_trust, InspectOptions};
pub use limits::{read_input_file, InputKind};
pub use network::{build_x5c, Fetch, Network, NetworkOptions};
pub use options::{parse_policy, DEFAULT_POLICY};
pub use sesgo_core::json::{Object, Value};
pub use sesgo_core::{Code, Error, Finding, OperationOutcome, Result, Severity};
pub use sesgo_jades::{Policy, Strategy};
pub use settings::{
    check_reference_range, check_reference_time, OcspUnknown, RevocationPolicy, Settings,
    MAX_CLOCK_SKEW_SECS, REFERENCE_TIME_RANGE,
};
pub use sign::{sign, sign_with_clock, SignOptions, Signed};
pub use signer::{ExternalSignFn, Signer, TrustStore};
pub use tools::{
    build_bundle, build_bundle_parts, canonicalize, check_references, BuildBundleOptions,
    CanonicalizeOptions, ExternalReference, ReferenceCheckOptions,
};
pub use trust::TrustStoreOptions;
pub use verify::{
    verify, verify_batch, verify_batch_items, verify_batch_items_json, verify_batch_json,
    verify_batch_with_clock, verify_with_clock, Indication, SignatureReport, SignerReport, Stage,
    StageStatus, UnsignedContent, UnsignedEntries, Verification, VerifyInput, VerifyOptions,
};

/// Runs `f`, turning a panic into an [`Error`] with the guide's group code `SYSTEM`
/// (the CodeSystem has no "internal error" code; docs/adr/0005). Every binding wraps its
/// entry points with this, so a bug surfaces as a coded error, never as a crash.
///
/// ```
/// let r: sesgo::Result<()> = sesgo::guard(|| panic!("boom"));
/// assert_eq!(r.unwrap_err().code(), sesgo::Code::System);
/// ```
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "pânico sem mensagem".into());
            Err(Error::new(
                Code::System,
                format!("erro interno (pânico capturado na fronteira): {msg}"),
            ))
        }
    }
}

/// Version of sesgo (every artifact shares it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version of the binding interface (C ABI, JNI, Python native module). Wrappers refuse a
/// native library whose ABI version differs from the one they were built for.
pub const ABI_VERSION: u32 = 2;
