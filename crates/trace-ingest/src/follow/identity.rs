//! What makes a followed file the same file from one wake-up to the next: its inode, its
//! first bytes (up to 4 KiB, or up to the offset if less) and the bytes just before the
//! offset. Re-checked on each wake-up, so a truncate-and-refill between two polls (same inode,
//! same or bigger size) is told apart from an append, and a replacement whose old content is
//! a prefix of the new (a superset) is told apart from a rewrite.

use std::fs::File;
use std::os::unix::fs::FileExt;

/// Bytes of the head kept.
const HEAD: usize = 4096;
/// Bytes kept from just before the offset.
const BEFORE: usize = 64;

/// The bytes read so far, as far as identity goes.
#[derive(Debug, Default, Clone)]
pub struct Fingerprint {
    head: Vec<u8>,
    before: Vec<u8>,
    /// The offset `before` ends at.
    offset: u64,
}

impl Fingerprint {
    /// Notes `bytes`, read at the current end.
    pub fn extend(&mut self, bytes: &[u8]) {
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        if bytes.len() >= BEFORE {
            self.before.clear();
            self.before
                .extend_from_slice(&bytes[bytes.len() - BEFORE..]);
        } else {
            self.before.extend_from_slice(bytes);
            let extra = self.before.len().saturating_sub(BEFORE);
            self.before.drain(..extra);
        }
        self.offset += bytes.len() as u64;
    }

    /// Starts over at `offset` with nothing known (after a parallel catch-up, say), then reads
    /// what it needs back from `f`.
    pub fn reread(f: &File, offset: u64) -> Self {
        let mut fp = Self {
            offset,
            ..Self::default()
        };
        let head_len = offset.min(HEAD as u64) as usize;
        let mut head = vec![0u8; head_len];
        if f.read_exact_at(&mut head, 0).is_ok() {
            fp.head = head;
        }
        let before_len = offset.min(BEFORE as u64) as usize;
        let mut before = vec![0u8; before_len];
        if f.read_exact_at(&mut before, offset - before_len as u64)
            .is_ok()
        {
            fp.before = before;
        }
        fp
    }

    /// Whether `f` still holds, at the same places, the bytes this fingerprint saw: a file
    /// that only grew, or a replacement whose content starts with what was read.
    pub fn matches(&self, f: &File) -> bool {
        if self.offset == 0 {
            return true;
        }
        let mut head = vec![0u8; self.head.len()];
        if f.read_exact_at(&mut head, 0).is_err() || head != self.head {
            return false;
        }
        let mut before = vec![0u8; self.before.len()];
        f.read_exact_at(&mut before, self.offset - self.before.len() as u64)
            .is_ok()
            && before == self.before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_refill_of_the_same_size_is_not_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, b"aaaa\nbbbb\n").unwrap();
        let mut fp = Fingerprint::default();
        fp.extend(b"aaaa\n");
        fp.extend(b"bbbb\n");
        assert!(fp.matches(&File::open(&p).unwrap()));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"cc\n")
            .unwrap();
        assert!(fp.matches(&File::open(&p).unwrap()), "an append");
        std::fs::write(&p, b"aaaa\nBBBB\ncc\n").unwrap();
        assert!(!fp.matches(&File::open(&p).unwrap()), "a rewrite");
        assert!(Fingerprint::reread(&File::open(&p).unwrap(), 10).offset == 10);
    }
}
