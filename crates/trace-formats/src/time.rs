//! Timestamps: RFC 3339 strings (with `Z` or an offset) and integer epoch microseconds.

use serde_json::value::RawValue;

/// Parses an RFC 3339 timestamp to epoch microseconds.
pub fn parse_rfc3339_us(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(us) = fast_rfc3339_us(s.as_bytes()) {
        return Some(us);
    }
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(dt.timestamp_micros())
}

/// The form producers write, `YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±HH:MM)`, read without
/// chrono's general scanner (once per line: ~4% of a parse thread's profile). Anything else
/// (other separators, leap seconds, out-of-range fields) is `None` and goes to chrono, so the
/// answers are chrono's.
fn fast_rfc3339_us(b: &[u8]) -> Option<i64> {
    fn num(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    }
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(num(&b[0..4])?).ok()?,
        num(&b[5..7])?,
        num(&b[8..10])?,
    )?;
    let time = date.and_hms_opt(num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?)?;
    let mut rest = &b[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        let mut nanos = i64::from(num(&frac[..digits])?);
        for _ in digits..9 {
            nanos *= 10;
        }
        micros = nanos / 1_000;
        rest = &frac[digits..];
    }
    let offset_s = match rest {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (num(&[*h1, *h2])?, num(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let v = i64::from(h * 3600 + m * 60);
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let secs = time.and_utc().timestamp() - offset_s;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// Reads an ATOF `timestamp`: a string in RFC 3339, or a number of epoch microseconds.
pub fn timestamp_us(raw: &RawValue) -> Option<i64> {
    let text = raw.get();
    match text.as_bytes().first()? {
        b'"' => {
            // The common case has no escapes: read it in place (serde never borrows a `Cow`
            // inside a `RawValue`, so decoding it would allocate on every line).
            let s: std::borrow::Cow<'_, str> =
                match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                    Some(inner) if !inner.contains('\\') => std::borrow::Cow::Borrowed(inner),
                    _ => serde_json::from_str(text).ok()?,
                };
            parse_rfc3339_us(&s).or_else(|| s.trim().parse::<i64>().ok())
        }
        b'-' | b'0'..=b'9' => text.parse::<i64>().ok().or_else(|| {
            let f: f64 = text.parse().ok()?;
            (f.is_finite() && f.abs() < 9.2e18).then(|| f.round() as i64)
        }),
        _ => None,
    }
}

/// Formats epoch microseconds as RFC 3339 UTC with millisecond precision.
pub fn format_us(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us).map_or_else(
        || format!("{us}µs"),
        |d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(
            timestamp_us(&raw("\"2026-06-24T18:03:11.204518+00:00\"")),
            Some(1_782_324_191_204_518)
        );
        assert_eq!(
            timestamp_us(&raw("\"2026-06-24T18:03:11.204518Z\"")),
            Some(1_782_324_191_204_518)
        );
        assert_eq!(
            timestamp_us(&raw("\"2026-06-24T20:03:11.204518+02:00\"")),
            Some(1_782_324_191_204_518)
        );
        assert_eq!(
            timestamp_us(&raw("1782324200015660")),
            Some(1_782_324_200_015_660)
        );
        assert_eq!(timestamp_us(&raw("\"2026-06-24T18:03:11\"")), None);
        assert_eq!(timestamp_us(&raw("null")), None);
        assert_eq!(timestamp_us(&raw("1e400")), None);
        assert_eq!(format_us(1_782_324_191_204_518), "2026-06-24T18:03:11.204Z");
    }

    /// The fast path gives chrono's answer wherever it answers, and leaves the rest to it.
    #[test]
    fn fast_path_agrees_with_chrono() {
        let chrono_us = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s.trim())
                .ok()
                .map(|d| d.timestamp_micros())
        };
        for s in [
            "2026-06-24T18:03:11.204518+00:00",
            "2026-06-24T18:03:11Z",
            "2026-06-24T18:03:11.2Z",
            "2026-06-24T18:03:11.123456789Z",
            "2026-06-24T18:03:11.1234567891Z",
            "2026-06-24T20:03:11.204518+02:00",
            "2026-06-24T00:03:11.204518-05:30",
            "1969-12-31T23:59:59.5Z",
            "0001-01-01T00:00:00Z",
            "2024-02-29T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "2026-06-24T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-06-24t18:03:11Z",
            "2026-06-24 18:03:11Z",
            "2026-06-24T18:03:11z",
            "2026-06-24T18:03:11+24:00",
            "2026-06-24T18:03:11.Z",
            "2026-06-24T18:03:11+0200",
            "2026-13-24T18:03:11Z",
            "  2026-06-24T18:03:11Z ",
            "2026-06-24T18:03:11",
            "+026-06-24T18:03:11Z",
        ] {
            assert_eq!(parse_rfc3339_us(s), chrono_us(s), "{s}");
            if let Some(fast) = fast_rfc3339_us(s.trim().as_bytes()) {
                assert_eq!(Some(fast), chrono_us(s), "fast {s}");
            }
        }
        assert!(fast_rfc3339_us(b"2026-06-24T18:03:11.204518+00:00").is_some());
    }
}
