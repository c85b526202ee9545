//! RFC 3339 timestamps for the records, without a date library.

use std::fmt::Write as _;

/// Appends epoch microseconds as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
pub(super) fn push_rfc3339(out: &mut String, us: i64) {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
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
