//! FHIR `instant` rendering of Unix seconds (UTC), without a date-time dependency.

/// `1763650330` → `2025-11-20T14:52:10Z`. `None` outside years 1970–9999.
pub fn instant_from_unix(secs: i64) -> Option<String> {
    if !(0..=253_402_300_799).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(instant_from_unix(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            instant_from_unix(1_751_328_000).unwrap(),
            "2025-07-01T00:00:00Z"
        );
        assert_eq!(
            instant_from_unix(4_102_444_800).unwrap(),
            "2100-01-01T00:00:00Z"
        );
        assert_eq!(
            instant_from_unix(951_782_400).unwrap(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            instant_from_unix(1_709_251_199).unwrap(),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(instant_from_unix(-1), None);
    }
}
