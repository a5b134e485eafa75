//! FHIR `instant` rendering of Unix seconds (UTC); see `sesgo_core::time`.

/// `1763650330` → `2025-11-20T14:52:10Z`. `None` outside years 1970–9999.
pub fn instant_from_unix(secs: i64) -> Option<String> {
    sesgo_core::time::instant(secs)
}
