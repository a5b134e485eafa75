//! # sesgo-refs
//!
//! The Reference rules of the SES-GO security guide (seed page `003_…` "Referências",
//! criar 1.4–1.9, DECISIONS D2/D3), type-aware and located:
//!
//! * a FHIR R4 type table generated from the official StructureDefinitions
//!   ([`member_type`], [`is_resource_type`]; `cargo xtask gen`, docs/adr/0011): a member is
//!   a Reference because R4 says so, never because of its name;
//! * the traversal that finds every Reference of a resource with its FHIRPath-like
//!   location ([`find_references`]), its classification ([`ReferenceKind`]);
//! * the checker of a transfer Bundle and its Provenance ([`check`], [`check_json`]),
//!   reporting every finding with the guide's code and location;
//! * a transfer-Bundle builder for integrators ([`BundleBuilder`]).
//!
//! Members that FHIR R4 does not define in their context are ignored for reference
//! purposes (nothing is reported for them): profile validation is another step.
//!
//! ```
//! use sesgo_core::Code;
//! use sesgo_refs::{check_json, CheckOptions};
//!
//! let bundle = br#"{"resourceType":"Bundle","type":"collection","entry":[
//!   {"fullUrl":"urn:uuid:550e8400-e29b-41d4-a716-446655440000",
//!    "resource":{"resourceType":"Observation","status":"final","code":{"text":"massa"},
//!                "subject":{"reference":"Patient/x"}}}]}"#;
//! let provenance = br#"{"resourceType":"Provenance",
//!   "target":[{"reference":"urn:uuid:550e8400-e29b-41d4-a716-446655440000"}]}"#;
//! let report = check_json(bundle, Some(provenance), &CheckOptions::policy_0_2());
//! let codes: Vec<_> = report.findings.iter().map(|f| (f.code(), f.locations()[0].as_str())).collect();
//! assert_eq!(codes, [(Code::FormatReferenceInvalid, "Bundle.entry[0].resource.subject.reference")]);
//! assert!(report.into_result().is_err());
//! ```

mod builder;
mod check;
mod generated {
    pub(crate) mod table;
}
mod kind;
mod resolve;
mod table;
mod uuid_urn;
mod walk;

pub use builder::{BuiltBundle, BundleBuilder, ExternalReplacement};
pub use check::{check, check_json, too_many_entries, CheckOptions, Mode, Report};
pub use kind::{classify, classify_str, ReferenceKind};
pub use resolve::{EntryIndex, Resolution};
pub use table::{is_resource_type, member_type, MemberType, FHIR_VERSION};
pub use walk::{find_references, FoundReference};
