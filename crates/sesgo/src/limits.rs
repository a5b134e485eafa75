//! Size limits of every input, and bounded reads of files (issue 25; docs/adr/0058,
//! DECISIONS D42). The CLI and every binding that takes a path read it here, so
//! `/dev/zero` or a 1 GiB file given as a Bundle costs the limit + 1 byte, never the
//! file.

use crate::settings::Settings;
use sesgo_core::io::{read_file_limited, ReadError};
use sesgo_core::{Code, Error, Result};
use std::path::Path;

/// What an input is, which decides its size limit and the code of exceeding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// A Bundle: `maxBundleBytes` (default 50 MB), `SECURITY.BUNDLE-MEMORY-LIMIT-EXCEEDED`.
    Bundle,
    /// A Provenance: `maxBundleBytes`, `FORMAT.RESOURCE-TOO-LARGE`.
    Provenance,
    /// A FHIR resource or resources to build a Bundle from, or to canonicalize: 50 MB,
    /// `FORMAT.RESOURCE-TOO-LARGE`.
    Resource,
    /// A FHIR `Signature`: 8 MiB (the JWS limit), `FORMAT.RESOURCE-TOO-LARGE`.
    Signature,
    /// `Signature.data` (Base64 of the JWS): 12 MiB, `FORMAT.RESOURCE-TOO-LARGE`.
    SignatureData,
    /// Settings or options JSON: 1 MiB, `CONFIG.INVALID-PARAMETER`.
    Settings,
    /// A certificate, a private key or a PKCS#12: 1 MiB, `CONFIG.INVALID-PARAMETER`.
    Credential,
    /// PEM certificates (chains, trust roots, CA lists): 16 MiB, `CONFIG.INVALID-PARAMETER`.
    Certificates,
    /// An Attachment (JSON) or the content it describes: 200 MiB (the ceiling of
    /// `maxBundleBytes`), `FORMAT.RESOURCE-TOO-LARGE`.
    Attachment,
}

/// 1 MiB.
const MIB: u64 = 1 << 20;

impl InputKind {
    /// The most bytes accepted; `settings` gives `maxBundleBytes` for Bundles and
    /// Provenances (default 50 MB).
    pub fn max_bytes(self, settings: Option<&Settings>) -> u64 {
        let bundle = settings.map_or(52_428_800, |s| s.max_bundle_bytes);
        match self {
            InputKind::Bundle | InputKind::Provenance => bundle,
            InputKind::Resource => 52_428_800,
            InputKind::Signature => 8 * MIB,
            InputKind::SignatureData => 12 * MIB,
            InputKind::Settings | InputKind::Credential => MIB,
            InputKind::Certificates => 16 * MIB,
            InputKind::Attachment => 209_715_200,
        }
    }

    /// The code of an input over [`max_bytes`](Self::max_bytes).
    pub fn too_large_code(self) -> Code {
        match self {
            InputKind::Bundle => Code::SecurityBundleMemoryLimitExceeded,
            InputKind::Provenance
            | InputKind::Resource
            | InputKind::Signature
            | InputKind::SignatureData
            | InputKind::Attachment => Code::FormatResourceTooLarge,
            InputKind::Settings | InputKind::Credential | InputKind::Certificates => {
                Code::ConfigInvalidParameter
            }
        }
    }
}

/// Reads the file at `path` as an input of `kind`, reading at most its limit + 1 byte.
/// Too large: the kind's code; unreadable (missing, a directory, no permission):
/// `CONFIG.INVALID-PARAMETER`. The error names the path and has no location (the caller
/// knows which parameter it was).
///
/// ```
/// use sesgo::{read_input_file, Code, InputKind};
///
/// let e = read_input_file("/dev/zero".as_ref(), InputKind::Bundle, None).unwrap_err();
/// assert_eq!(e.code(), Code::SecurityBundleMemoryLimitExceeded);
/// let e = read_input_file("/nonexistent".as_ref(), InputKind::Bundle, None).unwrap_err();
/// assert_eq!(e.code(), Code::ConfigInvalidParameter);
/// ```
pub fn read_input_file(
    path: &Path,
    kind: InputKind,
    settings: Option<&Settings>,
) -> Result<Vec<u8>> {
    let max = kind.max_bytes(settings);
    read_file_limited(path, max).map_err(|e| match e {
        ReadError::TooLarge { max } => Error::new(
            kind.too_large_code(),
            format!(
                "'{}' excede o limite de {max} bytes para esta entrada",
                path.display()
            ),
        ),
        ReadError::Io(e) => Error::new(
            Code::ConfigInvalidParameter,
            format!("não foi possível ler '{}': {e}", path.display()),
        ),
    })
}
