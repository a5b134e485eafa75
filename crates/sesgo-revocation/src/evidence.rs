//! Revocation evidence given by the caller (`revocationEvidence`): OCSP responses and
//! CRLs, DER or PEM, one per file or several PEM blocks in one file, or a directory of
//! such files — how an air-gapped receiver verifies under `strict`.

use der::Decode;
use sesgo_cert::crypto;
use sesgo_core::{Code, Error, Result};
use std::path::Path;
use std::sync::Arc;
use x509_cert::crl::CertificateList;
use x509_ocsp::OcspResponse;

/// Largest evidence file read, bytes.
pub const MAX_EVIDENCE_FILE_BYTES: u64 = 32 << 20;
/// Most files read from one evidence directory.
pub const MAX_EVIDENCE_FILES: usize = 1000;

/// An OCSP response or a CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    /// An `OCSPResponse` (RFC 6960).
    Ocsp,
    /// A `CertificateList` (RFC 5280).
    Crl,
}

/// One piece of revocation evidence (DER), shared cheaply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceItem {
    /// What it is.
    pub kind: EvidenceKind,
    /// Its DER.
    pub der: Arc<[u8]>,
}

impl EvidenceItem {
    /// Wraps DER of a known kind.
    pub fn new(kind: EvidenceKind, der: Vec<u8>) -> EvidenceItem {
        EvidenceItem {
            kind,
            der: der.into(),
        }
    }

    /// Classifies DER: an `OCSPResponse`, else a `CertificateList`; `None` for neither.
    pub fn classify(der: Vec<u8>) -> Option<EvidenceItem> {
        if OcspResponse::from_der(&der).is_ok() {
            Some(EvidenceItem::new(EvidenceKind::Ocsp, der))
        } else if CertificateList::from_der(&der).is_ok() {
            Some(EvidenceItem::new(EvidenceKind::Crl, der))
        } else {
            None
        }
    }

    /// SHA-512 of the DER (what `rRefs` carries, criar Etapa 13).
    pub fn sha512(&self) -> [u8; 64] {
        crypto::sha512(&self.der)
    }
}

/// The DER blocks of `bytes`: every PEM block when it is PEM text, else `bytes` itself.
pub(crate) fn pem_or_der(bytes: &[u8]) -> Vec<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return vec![bytes.to_vec()];
    };
    if !text.trim_start().starts_with("-----BEGIN ") {
        return vec![bytes.to_vec()];
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(end_marker) = block.find("-----END ") else {
            break;
        };
        let after = &block[end_marker + 9..];
        let Some(close) = after.find("-----") else {
            break;
        };
        let len = end_marker + 9 + close + 5;
        let pem = block.as_bytes().get(..len).unwrap_or_default();
        if let Ok((_, der)) = der::pem::decode_vec(pem) {
            out.push(der);
        } else {
            out.push(Vec::new());
        }
        rest = &block[len..];
    }
    out
}

/// Evidence given by the caller.
#[derive(Clone, Debug, Default)]
pub struct EvidenceStore {
    items: Vec<EvidenceItem>,
}

impl EvidenceStore {
    /// No evidence.
    pub fn new() -> EvidenceStore {
        EvidenceStore::default()
    }

    /// The items, in the order given.
    pub fn items(&self) -> &[EvidenceItem] {
        &self.items
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds an item (duplicates are kept once).
    pub fn push(&mut self, item: EvidenceItem) {
        if !self.items.contains(&item) {
            self.items.push(item);
        }
    }

    /// Adds the OCSP responses and CRLs in `bytes` (DER, or PEM with one or more blocks).
    /// `name` says where they came from in the error: `REVOCATION.RESPONSE-MALFORMED` when
    /// a block is neither an OCSP response nor a CRL.
    pub fn add_bytes(&mut self, bytes: &[u8], name: &str) -> Result<()> {
        for der in pem_or_der(bytes) {
            let item = EvidenceItem::classify(der).ok_or_else(|| {
                Error::new(
                    Code::RevocationResponseMalformed,
                    format!(
                        "evidência de revogação '{name}': não é resposta OCSP nem LCR (DER ou PEM)"
                    ),
                )
            })?;
            self.push(item);
        }
        Ok(())
    }

    /// Adds a file, or every regular file of a directory (sorted by name; hidden files and
    /// subdirectories skipped). Unreadable paths are `CONFIG.INVALID-PARAMETER`.
    pub fn add_path(&mut self, path: &Path) -> Result<()> {
        let cfg = |what: String| Error::new(Code::ConfigInvalidParameter, what);
        let meta = std::fs::metadata(path).map_err(|e| {
            cfg(format!(
                "revocationEvidence: '{}' ilegível: {e}",
                path.display()
            ))
        })?;
        let files = if meta.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| cfg(format!("revocationEvidence: '{}': {e}", path.display())))?
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect();
            v.sort();
            if v.len() > MAX_EVIDENCE_FILES {
                return Err(cfg(format!(
                    "revocationEvidence: '{}' tem mais de {MAX_EVIDENCE_FILES} arquivos",
                    path.display()
                )));
            }
            v
        } else {
            vec![path.to_path_buf()]
        };
        for f in files {
            // Bounded read (docs/adr/0058): a device or a growing file stops at the limit.
            let bytes = sesgo_core::io::read_file_limited(&f, MAX_EVIDENCE_FILE_BYTES)
                .map_err(|e| cfg(format!("revocationEvidence: '{}': {e}", f.display())))?;
            self.add_bytes(&bytes, &f.display().to_string())?;
        }
        Ok(())
    }
}
