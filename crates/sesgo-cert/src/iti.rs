//! ITI's single-file distribution of the ICP-Brasil CA certificates (IG-DIGEST §12,
//! *gerenciar trust store*): `ACcompactado.zip`, one PEM `.crt` per currently valid AC, and
//! `hashsha512.txt`, the SHA-512 of the `.zip`.
//!
//! Reading is offline: the caller keeps the two files exactly as downloaded (the guide's
//! *repositório local*) and sesgo builds the pool from them (the *cache de consulta*). The
//! hash is checked before the archive is opened; sizes and entry counts are bounded before
//! anything is decompressed. The certificates only complete chains: trust is still decided
//! by the pinned root fingerprints (§3.2).

use crate::cert::Certificate;
use sesgo_core::{Code, Error, Result};
use sha2::{Digest, Sha512};
use std::io::{Cursor, Read};

/// Bounds applied while reading the archive (zip bombs, oversized inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Maximum size of the `.zip` itself (default 64 MiB; ITI's is about 1 MiB).
    pub max_zip_bytes: usize,
    /// Maximum number of entries (default 10 000).
    pub max_entries: usize,
    /// Maximum uncompressed size of one entry (default 1 MiB).
    pub max_entry_bytes: u64,
    /// Maximum total uncompressed size (default 128 MiB).
    pub max_total_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_zip_bytes: 64 << 20,
            max_entries: 10_000,
            max_entry_bytes: 1 << 20,
            max_total_bytes: 128 << 20,
        }
    }
}

/// The CA certificates of one `ACcompactado.zip`.
#[derive(Debug, Clone)]
pub struct AcArchive {
    /// Lower-case hex SHA-512 of the archive (equal to the hash file's).
    pub sha512: String,
    /// `(entry name, certificate)`, in archive order.
    pub certificates: Vec<(String, Certificate)>,
}

const HASH_LOC: &str = "hashsha512.txt";
const ZIP_LOC: &str = "ACcompactado.zip";

/// Reads the expected SHA-512 from `hashsha512.txt` (`<128 hex digits>[ <file name>]`, as
/// `sha512sum` writes it). Failure: `SECURITY.HASH-VALIDATION-FAILED`.
pub fn parse_hash_file(text: &[u8]) -> Result<[u8; 64]> {
    let bad = |why: &str| {
        Error::new(
            Code::SecurityHashValidationFailed,
            format!("arquivo de hash SHA-512 inválido: {why}"),
        )
        .at(HASH_LOC)
    };
    if text.len() > 4096 {
        return Err(bad("maior que 4096 bytes"));
    }
    let text = std::str::from_utf8(text).map_err(|_| bad("não é texto UTF-8"))?;
    let token = text.split_whitespace().next().ok_or_else(|| bad("vazio"))?;
    if token.len() != 128 {
        return Err(bad(&format!(
            "esperados 128 dígitos hexadecimais, encontrados {}",
            token.len()
        )));
    }
    crate::cert::unhex(token.as_bytes()).ok_or_else(|| bad("dígito não hexadecimal"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn index_error(msg: String, loc: &str) -> Error {
    Error::new(Code::StorageIndexCreationFailed, msg).at(loc)
}

/// Verifies `zip` against `hash_file` and reads every certificate in it.
///
/// Entries ending in `.crt`, `.cer`, `.pem` or `.der` (case-insensitive) are read as PEM
/// (one or more certificates) or DER; other entries and directories are ignored.
///
/// Failures: hash file malformed or not matching → `SECURITY.HASH-VALIDATION-FAILED`
/// (nothing is decompressed); archive too large, unreadable, over a limit, or holding an
/// entry that is not a certificate → `STORAGE.INDEX-CREATION-FAILED`, located at the entry.
///
/// ```
/// # let pki = sesgo_cert::testpki::TestPki::shared();
/// use sesgo_cert::iti::{read_ac_archive, ArchiveLimits};
/// use sha2::{Digest, Sha512};
/// use std::io::Write;
/// // An archive in ITI's shape: one PEM `.crt` per AC.
/// let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
/// zip.start_file("ac-teste.crt", zip::write::SimpleFileOptions::default()).unwrap();
/// zip.write_all(&std::fs::read(&pki.ac2.cert_pem).unwrap()).unwrap();
/// let zip = zip.finish().unwrap().into_inner();
/// let hash: String = Sha512::digest(&zip).iter().map(|b| format!("{b:02x}")).collect();
/// let hash_file = format!("{hash}  ACcompactado.zip\n");
///
/// let archive = read_ac_archive(&zip, hash_file.as_bytes(), &ArchiveLimits::default()).unwrap();
/// assert_eq!(archive.certificates.len(), 1);
///
/// let err = read_ac_archive(&zip, format!("{}  x\n", "0".repeat(128)).as_bytes(),
///     &ArchiveLimits::default()).unwrap_err();
/// assert_eq!(err.code().as_str(), "SECURITY.HASH-VALIDATION-FAILED");
/// ```
pub fn read_ac_archive(zip: &[u8], hash_file: &[u8], limits: &ArchiveLimits) -> Result<AcArchive> {
    let expected = parse_hash_file(hash_file)?;
    if zip.len() > limits.max_zip_bytes {
        return Err(index_error(
            format!(
                "arquivo de certificados com {} bytes excede o limite de {}",
                zip.len(),
                limits.max_zip_bytes
            ),
            ZIP_LOC,
        ));
    }
    let actual: [u8; 64] = Sha512::digest(zip).into();
    if actual != expected {
        return Err(Error::new(
            Code::SecurityHashValidationFailed,
            format!(
                "SHA-512 do arquivo de certificados ({}) difere do publicado ({})",
                hex(&actual),
                hex(&expected)
            ),
        )
        .at(ZIP_LOC));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))
        .map_err(|e| index_error(format!("arquivo zip ilegível: {e}"), ZIP_LOC))?;
    if archive.len() > limits.max_entries {
        return Err(index_error(
            format!(
                "arquivo zip com {} entradas excede o limite de {}",
                archive.len(),
                limits.max_entries
            ),
            ZIP_LOC,
        ));
    }
    let mut total: u64 = 0;
    let mut certificates = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| index_error(format!("entrada {i} ilegível: {e}"), ZIP_LOC))?;
        let name = entry.name().to_string();
        let lower = name.to_ascii_lowercase();
        if entry.is_dir()
            || ![".crt", ".cer", ".pem", ".der"]
                .iter()
                .any(|e| lower.ends_with(e))
        {
            continue;
        }
        let loc = format!("{ZIP_LOC}/{name}");
        if entry.size() > limits.max_entry_bytes {
            return Err(index_error(
                format!(
                    "entrada com {} bytes excede o limite de {}",
                    entry.size(),
                    limits.max_entry_bytes
                ),
                &loc,
            ));
        }
        // Declared sizes can lie: read at most one byte past the limit.
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limits.max_entry_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| index_error(format!("falha ao descompactar: {e}"), &loc))?;
        if bytes.len() as u64 > limits.max_entry_bytes {
            return Err(index_error(
                format!(
                    "entrada excede o limite de {} bytes",
                    limits.max_entry_bytes
                ),
                &loc,
            ));
        }
        total += bytes.len() as u64;
        if total > limits.max_total_bytes {
            return Err(index_error(
                format!(
                    "conteúdo descompactado excede o limite de {} bytes",
                    limits.max_total_bytes
                ),
                &loc,
            ));
        }
        let parsed = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            Certificate::all_from_pem(&bytes)
        } else {
            Certificate::from_der(&bytes).map(|c| vec![c])
        }
        .map_err(|e| {
            index_error(
                format!("certificado ilegível: {}", e.primary().diagnostics()),
                &loc,
            )
        })?;
        if parsed.is_empty() {
            return Err(index_error("entrada sem certificado".to_string(), &loc));
        }
        certificates.extend(parsed.into_iter().map(|c| (name.clone(), c)));
    }
    Ok(AcArchive {
        sha512: hex(&actual),
        certificates,
    })
}
