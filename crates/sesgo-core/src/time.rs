//! Unix time ⇄ FHIR `instant` text, shared by every crate (no date-time dependency; no
//! clock access except [`now_unix`]).

/// Civil UTC `(year, month, day, hour, minute, second)` of a Unix time (proleptic
/// Gregorian; H. Hinnant's `civil_from_days`).
pub fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        ((secs % 3600) / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `1763650330` → `2025-11-20T14:52:10Z` (FHIR `instant`, RFC 3339 UTC). `None` outside
/// the years 1970–9999.
///
/// ```
/// assert_eq!(sesgo_core::time::instant(1_751_328_000).unwrap(), "2025-07-01T00:00:00Z");
/// assert_eq!(sesgo_core::time::instant(-1), None);
/// ```
pub fn instant(unix: i64) -> Option<String> {
    if !(0..=253_402_300_799).contains(&unix) {
        return None;
    }
    let (y, m, d, hh, mm, ss) = civil(unix);
    Some(format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"))
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A FHIR `instant` (`YYYY-MM-DDThh:mm:ss[.f+](Z|±hh:mm)`) → Unix seconds (fraction
/// dropped). `None` when it is not one.
///
/// ```
/// use sesgo_core::time::parse_instant;
/// assert_eq!(parse_instant("2025-07-01T00:00:00Z"), Some(1_751_328_000));
/// assert_eq!(parse_instant("2025-06-30T21:00:00.5-03:00"), Some(1_751_328_000));
/// assert_eq!(parse_instant("2025-07-01"), None);
/// ```
pub fn parse_instant(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if b.len() < 20 || !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':'))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest.as_bytes() {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let oh = rest.get(1..3)?.parse::<i64>().ok()?;
            let om = rest.get(4..6)?.parse::<i64>().ok()?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(y), mo, d);
    Some(days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se) - offset)
}

/// Current Unix time in seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(instant(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(instant(4_102_444_800).unwrap(), "2100-01-01T00:00:00Z");
        assert_eq!(instant(951_782_400).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(instant(1_709_251_199).unwrap(), "2024-02-29T23:59:59Z");
        assert_eq!(instant(253_402_300_800), None);
        assert_eq!(civil(-1), (1969, 12, 31, 23, 59, 59));
    }
}
