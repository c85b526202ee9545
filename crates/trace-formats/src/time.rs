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
    // Two digits, or `None`.
    fn two(hi: u8, lo: u8) -> Option<u32> {
        let (hi, lo) = (hi.wrapping_sub(b'0'), lo.wrapping_sub(b'0'));
        (hi < 10 && lo < 10).then(|| u32::from(hi) * 10 + u32::from(lo))
    }
    let h: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    if b.len() < 20
        || h[4] != b'-'
        || h[7] != b'-'
        || h[10] != b'T'
        || h[13] != b':'
        || h[16] != b':'
    {
        return None;
    }
    let year = two(h[0], h[1])? * 100 + two(h[2], h[3])?;
    // chrono's calendar: a real day and time, no leap second (`:60` goes to its parser).
    let time = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        two(h[5], h[6])?,
        two(h[8], h[9])?,
    )?
    .and_hms_opt(two(h[11], h[12])?, two(h[14], h[15])?, two(h[17], h[18])?)?;
    let mut rest = &b[19..];
    let mut micros = 0i64;
    if let [b'.', frac @ ..] = rest {
        let mut nanos = 0i64;
        let mut digits = 0u32;
        for &c in frac {
            let d = c.wrapping_sub(b'0');
            if d >= 10 {
                break;
            }
            nanos = nanos * 10 + i64::from(d);
            digits += 1;
            if digits > 9 {
                return None;
            }
        }
        if digits == 0 {
            return None;
        }
        micros = nanos * 10_i64.pow(9 - digits) / 1_000;
        rest = &frac[digits as usize..];
    }
    let offset_s = match rest {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (two(*h1, *h2)?, two(*m1, *m2)?);
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
    if let Some(s) = fast_format_us(us) {
        return s;
    }
    chrono::DateTime::from_timestamp_micros(us).map_or_else(
        || format!("{us}µs"),
        |d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// The proleptic Gregorian `(year, month, day)` of a day counted from 1970-01-01, by Howard
/// Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// [`format_us`] for the years 0000–9999, written directly (a summary row formats one per
/// run; chrono's `to_rfc3339_opts` took ~700 instructions a call); `None` outside them, for
/// chrono.
fn fast_format_us(us: i64) -> Option<String> {
    // 0000-01-01 and 10000-01-01 in epoch seconds.
    const FIRST: i64 = -62_167_219_200;
    const END: i64 = 253_402_300_800;
    let secs = us.div_euclid(1_000_000);
    if !(FIRST..END).contains(&secs) {
        return None;
    }
    let millis = us.rem_euclid(1_000_000) / 1_000;
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    // `YYYY-MM-DDTHH:MM:SS.mmmZ`, digits written into their places.
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: i64| {
        for d in out[at..at + width].iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, day_secs / 3_600);
    put(14, 2, day_secs / 60 % 60);
    put(17, 2, day_secs % 60);
    put(20, 3, millis);
    String::from_utf8(out.to_vec()).ok()
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

    /// Every hour, minute and second, the out-of-range ones included (24, 60, 99), on the
    /// first and last day of the four-digit range and around the epoch: chrono's answer.
    #[test]
    fn fast_path_time_of_day_agrees_with_chrono() {
        for date in ["0000-01-01", "1969-12-31", "1970-01-01", "9999-12-31"] {
            for hh in (0..=25).chain([99]) {
                for mm in (0..=60).filter(|m| m % 7 == 0 || *m >= 58) {
                    for ss in (0..=61).chain([99]) {
                        let s = format!("{date}T{hh:02}:{mm:02}:{ss:02}.5+05:45");
                        let chrono = chrono::DateTime::parse_from_rfc3339(&s)
                            .ok()
                            .map(|t| t.timestamp_micros());
                        if let Some(fast) = fast_rfc3339_us(s.as_bytes()) {
                            assert_eq!(Some(fast), chrono, "{s}");
                        }
                        assert_eq!(parse_rfc3339_us(&s), chrono, "{s}");
                    }
                }
            }
        }
    }

    /// The fast path agrees with chrono's parser on every day (and every invalid day 29–31)
    /// of the years around the Gregorian exceptions, and at the ends of the four-digit range.
    #[test]
    fn fast_path_calendar_agrees_with_chrono_on_every_day() {
        let years = (0..3)
            .chain(1896..1905)
            .chain(1968..2105)
            .chain(2396..2404)
            .chain(9997..10000);
        let mut checked = 0;
        for y in years {
            for m in 1..=13 {
                for d in 0..=32 {
                    let s = format!("{y:04}-{m:02}-{d:02}T23:59:58.25-01:30");
                    let chrono = chrono::DateTime::parse_from_rfc3339(&s)
                        .ok()
                        .map(|t| t.timestamp_micros());
                    assert_eq!(fast_rfc3339_us(s.as_bytes()), chrono, "{s}");
                    checked += usize::from(chrono.is_some());
                }
            }
        }
        // 160 years, 39 of them leap (0, 1896, 1904, 34 from 1968 to 2104, 2396, 2400).
        assert_eq!(checked, 160 * 365 + 39);
    }

    /// The direct formatter writes what chrono writes, across the four-digit years, at their
    /// ends and around the epoch, for negative times too; outside them chrono answers.
    #[test]
    fn format_us_agrees_with_chrono() {
        let chrono_text = |us: i64| {
            chrono::DateTime::from_timestamp_micros(us)
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        };
        let (first, end) = (-62_167_219_200_000_000_i64, 253_402_300_800_000_000_i64);
        let mut edges = vec![
            0,
            -1,
            1,
            999,
            1_000,
            -999,
            -1_000,
            -1_001,
            first,
            first - 1,
            end - 1,
            end,
        ];
        edges.extend([
            i64::MIN,
            i64::MAX,
            1_782_324_223_582_807,
            951_782_400_000_000,
        ]);
        // A walk across the range in steps that are no round number of days or seconds.
        let mut us = first;
        while us < end {
            edges.push(us);
            us += 3_157_812_345_678;
        }
        for us in edges {
            let fast = fast_format_us(us);
            assert_eq!(fast.is_some(), (first..end).contains(&us), "{us}");
            if let Some(text) = fast {
                assert_eq!(Some(text), chrono_text(us), "{us}");
            }
            assert_eq!(
                format_us(us),
                chrono_text(us).unwrap_or_else(|| format!("{us}µs")),
                "{us}"
            );
        }
        assert_eq!(format_us(1_782_324_223_582_807), "2026-06-24T18:03:43.582Z");
    }
}
