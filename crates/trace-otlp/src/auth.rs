//! Bearer-token check, compared in constant time.

/// Whether `header` (an `Authorization` value) carries exactly `Bearer <token>`.
/// The comparison time depends on the lengths only, never on where the bytes differ.
pub(crate) fn bearer_ok(header: Option<&[u8]>, token: &str) -> bool {
    let Some(value) = header else {
        return false;
    };
    let Some(given) = strip_bearer(value) else {
        return false;
    };
    ct_eq(given, token.as_bytes())
}

fn strip_bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then_some(rest)
}

/// Constant-time equality: every byte is looked at whatever the first difference.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer() {
        assert!(bearer_ok(Some(b"Bearer s3cret"), "s3cret"));
        assert!(bearer_ok(Some(b"bearer s3cret"), "s3cret"));
        assert!(!bearer_ok(Some(b"Bearer s3cre"), "s3cret"));
        assert!(!bearer_ok(Some(b"Bearer s3creT"), "s3cret"));
        assert!(!bearer_ok(Some(b"Basic s3cret"), "s3cret"));
        assert!(!bearer_ok(Some(b"Bearer"), "s3cret"));
        assert!(!bearer_ok(None, "s3cret"));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"a", b""));
    }
}
