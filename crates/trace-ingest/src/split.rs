//! Splits a byte stream into lines, holding a partial last line until its newline arrives.

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Incremental line splitter with line numbers and byte offsets.
#[derive(Debug)]
pub struct LineSplitter {
    rest: Vec<u8>,
    /// Byte offset of `rest[0]` in the stream.
    rest_offset: u64,
    /// Number of the next line (1-based).
    next_line: u64,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl LineSplitter {
    pub fn new() -> Self {
        Self {
            rest: Vec::new(),
            rest_offset: 0,
            next_line: 1,
        }
    }

    /// A splitter that continues a stream whose first `offset` bytes, `lines` whole lines,
    /// were read elsewhere.
    pub fn resume(offset: u64, lines: u64) -> Self {
        Self {
            rest: Vec::new(),
            rest_offset: offset,
            next_line: lines + 1,
        }
    }

    /// Feeds bytes; calls `line(bytes, line_no, offset)` for each complete line (without `\n`/`\r\n`).
    pub fn push(&mut self, bytes: &[u8], line: &mut dyn FnMut(&[u8], u64, u64)) {
        // Stream offset of bytes[0].
        let base = self.rest_offset + self.rest.len() as u64;
        let mut start = 0usize;
        for nl in memchr::memchr_iter(b'\n', bytes) {
            if self.rest.is_empty() {
                line(
                    trim_cr(&bytes[start..nl]),
                    self.next_line,
                    base + start as u64,
                );
            } else {
                // Only a line that straddles two reads is copied.
                let mut t = std::mem::take(&mut self.rest);
                t.extend_from_slice(&bytes[start..nl]);
                line(trim_cr(&t), self.next_line, self.rest_offset);
            }
            self.next_line += 1;
            start = nl + 1;
            self.rest_offset = base + start as u64;
        }
        if self.rest.is_empty() {
            self.rest_offset = base + start as u64;
        }
        self.rest.extend_from_slice(&bytes[start..]);
    }

    /// Takes the unterminated tail, if any, as a final line.
    pub fn take_rest(&mut self) -> Option<(Vec<u8>, u64, u64)> {
        if self.rest.is_empty() {
            return None;
        }
        let mut text = std::mem::take(&mut self.rest);
        if text.last() == Some(&b'\r') {
            text.pop();
        }
        let out = (text, self.next_line, self.rest_offset);
        self.next_line += 1;
        Some(out)
    }

    pub fn has_rest(&self) -> bool {
        !self.rest.is_empty()
    }

    /// Bytes consumed as complete lines so far.
    pub fn consumed(&self) -> u64 {
        self.rest_offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (Vec<(String, u64, u64)>, Option<(Vec<u8>, u64, u64)>) {
        let mut s = LineSplitter::new();
        let mut got = Vec::new();
        for c in chunks {
            s.push(c, &mut |l, n, o| {
                got.push((String::from_utf8(l.to_vec()).unwrap(), n, o));
            });
        }
        (got, s.take_rest())
    }

    #[test]
    fn half_lines_are_held() {
        let (got, rest) = run(&[b"ab", b"c\nde", b"f\r\n", b"\ng"]);
        assert_eq!(
            got,
            vec![
                ("abc".into(), 1, 0),
                ("def".into(), 2, 4),
                (String::new(), 3, 9)
            ]
        );
        assert_eq!(rest, Some((b"g".to_vec(), 4, 10)));
    }

    #[test]
    fn offsets_across_many_chunks() {
        let (got, rest) = run(&[b"x\ny\n", b"zz\n"]);
        assert_eq!(
            got,
            vec![("x".into(), 1, 0), ("y".into(), 2, 2), ("zz".into(), 3, 4)]
        );
        assert_eq!(rest, None);
    }
}
