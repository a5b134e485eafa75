//! # sesgo-provenance
//!
//! The FHIR side of a signature of the SES-GO security guide:
//!
//! * [`signed_set`]: the targeted instances of a Bundle, in `Provenance.target` order
//!   (criar Etapas 3–6 input), and, on the reading side, every signed Provenance of a
//!   received Bundle with its signed set (validar, need N2);
//! * [`signature`]: the FHIR `Signature` of profile `assinatura-avancada` (criar Etapa 14)
//!   and its strict reading;
//! * [`provenance`]: the signed `Provenance` (profile `conteudo-assinado`) and the transfer
//!   Bundle (seed page "Referências", Restrições);
//! * [`flow`]: the signing side of a whole set — [`flow::signed_content`],
//!   [`flow::wrap`] and their composition [`flow::sign_set`] (Bundle + Provenance + signer
//!   → Signature, signed Provenance, transfer Bundle);
//! * [`attachment`]: signed attachments (profiles `anexo-assinado`,
//!   `informacao-assinada`, extension `hash-sha256`).
//!
//! ```
//! use sesgo_provenance::signature::{build_signature, SignatureFormats, SignerIdentifier};
//!
//! let who = SignerIdentifier::new("urn:brasil:cpf", "11144477735").unwrap();
//! let sig = build_signature(&SignatureFormats::POLICY_0_1, 1_763_650_330, &who, br#"{"payload":"x"}"#).unwrap();
//! assert_eq!(sig["when"], "2025-11-20T14:52:10Z");
//! assert_eq!(sig["sigFormat"], "application/jose");
//! ```

pub mod attachment;
pub mod flow;
pub mod provenance;
pub mod signature;
pub mod signed_set;
#[cfg(feature = "test-support")]
pub mod testing;
mod time;

pub use time::instant_from_unix;
