//! Minimal PEM block splitting (decoding of each block is done by `der::pem`).

use zeroize::Zeroizing;

/// One decoded PEM block.
pub(crate) struct PemBlock {
    pub label: String,
    pub der: Zeroizing<Vec<u8>>,
    /// Whether the block carried RFC 1421 headers (`Proc-Type`, `DEK-Info`).
    pub legacy_encrypted: bool,
}

/// Splits `text` into PEM blocks. Text between blocks is ignored. `Err(index)` if block `index`
/// is malformed.
pub(crate) fn blocks(text: &[u8]) -> std::result::Result<Vec<PemBlock>, (usize, String)> {
    let s = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    let mut rest: &str = &s;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let Some(end_hdr) = after[11..].find("-----") else {
            return Err((out.len(), "cabeçalho BEGIN sem terminação".into()));
        };
        let label = after[11..11 + end_hdr].to_string();
        let footer = format!("-----END {label}-----");
        let Some(fpos) = after.find(&footer) else {
            return Err((out.len(), format!("bloco '{label}' sem linha END")));
        };
        let block = &after[..fpos + footer.len()];
        let legacy_encrypted = block.contains("Proc-Type:") || block.contains("DEK-Info:");
        if legacy_encrypted {
            out.push(PemBlock {
                label,
                der: Zeroizing::new(Vec::new()),
                legacy_encrypted,
            });
        } else {
            let (_, der) = der::pem::decode_vec(block.as_bytes())
                .map_err(|e| (out.len(), format!("bloco '{label}': {e}")))?;
            out.push(PemBlock {
                label,
                der: Zeroizing::new(der),
                legacy_encrypted,
            });
        }
        rest = &after[fpos + footer.len()..];
    }
    Ok(out)
}
