//! # sesgo-core
//!
//! The foundation every sesgo crate shares:
//!
//! * [`Code`]: every code of the guide's CodeSystem `situacao-excepcional-assinatura`,
//!   generated from the official JSON (plus the few codes policy 0.2.0 adds, marked
//!   [`Origin::Policy020Addendum`]), with display, definition, severity and category;
//! * [`Finding`] and [`Error`]: one coded, located observation, and the error type of every
//!   fallible sesgo operation (one or more findings);
//! * [`OperationOutcome`]: rendering to the profile `operation-outcome-assinatura`;
//! * [`json`]: strict JSON reading (duplicate members rejected, size and depth bounded).
//!
//! ```
//! use sesgo_core::{Code, Error, Severity};
//!
//! let err = Error::new(Code::FormatUuidInvalid, "fullUrl inválido: 'Patient/1'")
//!     .at("Bundle.entry[0].fullUrl");
//! assert_eq!(err.code(), Code::FormatUuidInvalid);
//! assert_eq!(err.code().severity(), Severity::Error);
//! let oo = err.to_operation_outcome().to_value();
//! assert_eq!(oo["issue"][0]["details"]["coding"][0]["code"], "FORMAT.UUID-INVALID");
//! assert_eq!(oo["issue"][0]["location"][0], "Bundle.entry[0].fullUrl");
//! ```

pub mod base64;
pub mod budget;
pub mod codes;
mod finding;
pub mod hints;
pub mod io;
mod issue_type;
pub mod json;
mod outcome;
pub mod policy;
pub mod time;

pub use codes::{Code, CodeInfo, Origin, CODE_SYSTEM_URL, CODE_SYSTEM_VERSION};
pub use finding::{Error, Finding, Result, Severity};
pub use issue_type::IssueType;
pub use json::{Number, Object, Str, Value};
pub use outcome::{OperationOutcome, OPERATION_OUTCOME_PROFILE, VALUE_SET_URL};
pub use policy::{Policy, PolicyProfile, Strategy};
