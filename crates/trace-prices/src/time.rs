//! Calendar arithmetic for price constraints, on epoch microseconds given by the caller (this crate
//! reads no clock): the UTC day of a call and its second of the day, and the parsing of the
//! catalogue's `YYYY-MM-DD` dates and `HH:MM:SS[.f][Z]` times.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` (a longer ISO timestamp is cut to its date) → days since 1970-01-01.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let s = s.get(..10)?;
    let mut parts = s.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| days_from_civil(y, m, d))
}

/// `HH:MM[:SS[.fff]][Z]` → seconds of the UTC day. Offsets other than `Z` are not in the data and
/// are refused.
pub(crate) fn parse_time_of_day(s: &str) -> Option<u32> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let s = s.strip_suffix("+00:00").unwrap_or(s);
    let s = s.split('.').next()?;
    let mut parts = s.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let sec: u32 = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    (parts.next().is_none() && h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

/// The UTC day (days since 1970-01-01) of an epoch-microsecond timestamp.
pub(crate) fn day_of(ts_us: i64) -> i64 {
    ts_us.div_euclid(86_400_000_000)
}

/// The second of the UTC day of an epoch-microsecond timestamp.
pub(crate) fn second_of_day(ts_us: i64) -> u32 {
    (ts_us.rem_euclid(86_400_000_000) / 1_000_000) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2025-06-10"), Some(20_249));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(parse_date("soon"), None);
        assert_eq!(parse_time_of_day("00:30:00Z"), Some(1800));
        assert_eq!(parse_time_of_day("16:30:00Z"), Some(59_400));
        assert_eq!(parse_time_of_day("25:00:00Z"), None);
        // 2025-06-10T00:00:00Z = 1_749_513_600 s
        assert_eq!(day_of(1_749_513_600_000_000), 20_249);
        assert_eq!(day_of(1_749_513_600_000_000 - 1), 20_248);
        assert_eq!(second_of_day(1_749_513_600_000_000 + 1_800_000_000), 1800);
        assert_eq!(day_of(-1), -1);
    }
}
