//! Timestamps: RFC 3339 strings (with `Z` or an offset) and integer epoch microseconds.

use serde_json::value::RawValue;

/// Parses an RFC 3339 timestamp to epoch microseconds.
pub fn parse_rfc3339_us(s: &str) -> Option<i64> {
    let dt = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    Some(dt.timestamp_micros())
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
}
