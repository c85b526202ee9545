//! RFC 3339 timestamps for the records, without a date library.

use std::fmt::Write as _;

/// Appends epoch microseconds as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
pub(super) fn push_rfc3339(out: &mut String, us: i64) {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = trace_formats::time::civil_from_days(days);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}+00:00",
        sod / 3_600,
        sod % 3_600 / 60,
        sod % 60
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atof::EPOCH_US;
    use trace_formats::time::parse_rfc3339_us;

    #[test]
    fn timestamps_round_trip() {
        for us in [
            EPOCH_US,
            1_782_324_191_204_518,
            951_782_400_000_001,
            4_107_542_399_999_999,
        ] {
            let mut s = String::new();
            push_rfc3339(&mut s, us);
            assert_eq!(parse_rfc3339_us(&s), Some(us), "{s}");
        }
        let mut s = String::new();
        push_rfc3339(&mut s, 1_782_324_191_204_518);
        assert_eq!(s, "2026-06-24T18:03:11.204518+00:00");
    }
}
