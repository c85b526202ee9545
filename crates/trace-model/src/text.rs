//! Untrusted text made safe for a terminal, and human-readable numbers.
//!
//! Every string that came from a log passes through [`clean`] before it is drawn or printed:
//! control characters (C0, DEL, C1) become visible `\u{..}`-style escapes, so an ESC can never
//! start a CSI/OSC sequence, retitle the terminal or clear the screen.

use std::borrow::Cow;

/// Replaces control characters with visible escapes; returns the input unchanged when clean.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if is_unsafe(c) => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`clean`] but keeps newlines, for multi-line payload views (each line is drawn separately).
pub fn clean_multiline(s: &str) -> String {
    s.split('\n')
        .map(|l| clean(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// Format characters that draw nothing yet change what is shown: bidi controls (ALM,
/// LRM/RLM, embeddings, overrides, isolates), zero-width and joiner characters, the line and
/// paragraph separators, word joiners and invisible operators, the BOM, the soft hyphen, the
/// Mongolian vowel separator, interlinear annotation marks and tag characters.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}'
        | '\u{61c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}'
        // The rest of Unicode's format characters (category Cf).
        | '\u{600}'..='\u{605}'
        | '\u{6dd}'
        | '\u{70f}'
        | '\u{890}'..='\u{891}'
        | '\u{8e2}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}')
}

/// `1.234s`, `12ms`, `3m04s`, `1h02m`; negative values keep their sign.
pub fn format_duration_us(us: i64) -> String {
    if us < 0 {
        return format!("-{}", format_duration_us(us.saturating_neg()));
    }
    let ms = us / 1000;
    if us == 0 {
        "0s".to_owned()
    } else if us < 1000 {
        format!("{us}µs")
    } else if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{}.{:03}s", ms / 1000, ms % 1000)
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms / 60_000) % 60)
    }
}

/// `950`, `12.3k`, `4.56M`.
pub fn format_count(n: u64) -> String {
    if n < 1000 {
        n.to_string()
    } else if n < 1_000_000 {
        format!("{:.1}k", n as f64 / 1e3)
    } else if n < 1_000_000_000 {
        format!("{:.2}M", n as f64 / 1e6)
    } else {
        format!("{:.2}G", n as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_inert() {
        assert_eq!(clean("plain"), Cow::Borrowed("plain"));
        assert_eq!(clean("a\u{1b}]0;pwned\u{7}b"), "a\\e]0;pwned\\u{7}b");
        assert_eq!(clean("\u{1b}[2J\u{9b}31m"), "\\e[2J\\u{9b}31m");
        assert_eq!(clean("x\u{202e}y"), "x\\u{202e}y");
        // One of each range; all 163 format characters (Unicode category Cf, as Python's
        // `unicodedata` lists them) were checked once.
        for c in [
            '\u{61c}',
            '\u{feff}',
            '\u{2060}',
            '\u{180e}',
            '\u{ad}',
            '\u{fff9}',
            '\u{e0041}',
            '\u{600}',
            '\u{6dd}',
            '\u{70f}',
            '\u{890}',
            '\u{8e2}',
            '\u{110bd}',
            '\u{110cd}',
            '\u{13430}',
            '\u{1bca0}',
            '\u{1d173}',
        ] {
            assert_eq!(clean(&format!("a{c}b")), format!("a\\u{{{:x}}}b", c as u32));
        }
        assert_eq!(clean_multiline("a\nb\u{1b}"), "a\nb\\e");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration_us(0), "0s");
        assert_eq!(format_duration_us(999), "999µs");
        assert_eq!(format_duration_us(12_345), "12ms");
        assert_eq!(format_duration_us(3_459_000), "3.459s");
        assert_eq!(format_duration_us(184_000_000), "3m04s");
        assert_eq!(format_duration_us(3_720_000_000), "1h02m");
        assert_eq!(format_duration_us(-1_500), "-1ms");
        assert_eq!(format_count(22_129), "22.1k");
    }
}
