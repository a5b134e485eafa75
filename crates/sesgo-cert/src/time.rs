//! Unix-time helpers (no clock access here: every check takes an injected reference time).
//! The conversions live in `sesgo_core::time`.

/// RFC 3339 UTC (`2025-07-01T00:00:00Z`); outside 1970–9999, the Unix seconds as text.
pub(crate) fn rfc3339(unix: i64) -> String {
    sesgo_core::time::instant(unix).unwrap_or_else(|| format!("unix:{unix}"))
}

/// Current unix time in seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    sesgo_core::time::now_unix()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn civil_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_751_328_000), "2025-07-01T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
