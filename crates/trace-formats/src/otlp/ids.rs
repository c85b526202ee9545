//! Trace and span ids: hex as OTLP/JSON requires (case-insensitive), or base64 as protobuf's
//! generic JSON writer encodes bytes. Both become lowercase hex, so the two encodings of one
//! span agree; anything else is kept verbatim.

use std::borrow::Cow;

/// Normalizes an id of `bytes` bytes; `None` for a blank or all-zero id (no parent).
pub(super) fn normalize(raw: &str, bytes: usize) -> Option<Cow<'_, str>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let id = if raw.len() == 2 * bytes && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        if raw.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(raw.to_ascii_lowercase())
        } else {
            Cow::Borrowed(raw)
        }
    } else if let Some(decoded) = base64(raw).filter(|d| d.len() == bytes) {
        Cow::Owned(hex(&decoded))
    } else {
        Cow::Borrowed(raw)
    };
    (!id.bytes().all(|b| b == b'0')).then_some(id)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Standard or URL-safe base64, padded or not; `None` on any other character.
fn base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_base64_and_others() {
        assert_eq!(
            normalize("5B8EFFF798038103D269B633813FC60C", 16).as_deref(),
            Some("5b8efff798038103d269b633813fc60c")
        );
        assert!(matches!(
            normalize("eee19b7ec3c1b174", 8),
            Some(Cow::Borrowed(_))
        ));
        // protobuf's MessageToJson: bytes as base64.
        assert_eq!(
            normalize("AWqOMkizSX3hdSROX+Di8w==", 16).as_deref(),
            Some("016a8e3248b3497de175244e5fe0e2f3")
        );
        assert_eq!(
            normalize("U/Yr1vQR2KE=", 8).as_deref(),
            Some("53f62bd6f411d8a1")
        );
        assert_eq!(normalize("", 8), None);
        assert_eq!(normalize("0000000000000000", 8), None);
        assert_eq!(normalize("AAAAAAAAAAA=", 8), None);
        assert_eq!(normalize("span-7", 8).as_deref(), Some("span-7"));
        assert_eq!(normalize("é", 8).as_deref(), Some("é"));
    }
}
