//! Splits a byte stream into lines, holding a partial last line until its newline arrives.

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Incremental line splitter with line numbers and byte offsets.
///
/// A line longer than the limit ([`crate::max_line_bytes`] when made) is never held whole:
/// once its partial exceeds the limit the bytes are dropped and only counted, and at its
/// newline the line is reported as too long (number, offset, size); reading resynchronizes at
/// the next line. Memory stays bounded by the limit whatever the input (`/dev/zero`).
#[derive(Debug)]
pub struct LineSplitter {
    rest: Vec<u8>,
    /// Byte offset of the current partial line in the stream.
    rest_offset: u64,
    /// Number of the next line (1-based).
    next_line: u64,
    /// Longest line kept, in bytes.
    max: usize,
    /// The current partial line went over `max`: its length so far (its bytes are gone).
    overlong: Option<u64>,
    /// A partial line was taken as whole ([`Self::take_whole_rest`]): the newline that
    /// ends it, if it comes next, ends no other line.
    taken: bool,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::resume(0, 0)
    }

    /// A splitter that continues a stream whose first `offset` bytes, `lines` whole lines,
    /// were read elsewhere.
    pub fn resume(offset: u64, lines: u64) -> Self {
        Self {
            rest: Vec::new(),
            rest_offset: offset,
            next_line: lines + 1,
            max: crate::max_line_bytes(),
            overlong: None,
            taken: false,
        }
    }

    /// This splitter with another line limit.
    #[must_use]
    pub fn with_max(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// Feeds bytes; calls `line(bytes, line_no, offset)` for each complete line (without `\n`/`\r\n`).
    /// Lines over the limit are dropped silently; see [`Self::push_checked`].
    pub fn push(&mut self, bytes: &[u8], line: &mut dyn FnMut(&[u8], u64, u64)) {
        self.push_checked(bytes, line, &mut |_, _, _| {});
    }

    /// [`Self::push`], calling `too_long(line_no, offset, len)` for each line over the limit.
    pub fn push_checked(
        &mut self,
        bytes: &[u8],
        line: &mut dyn FnMut(&[u8], u64, u64),
        too_long: &mut dyn FnMut(u64, u64, u64),
    ) {
        let mut bytes = bytes;
        if self.taken && !bytes.is_empty() {
            self.taken = false;
            if let Some(after) = bytes.strip_prefix(b"\n") {
                bytes = after;
                self.rest_offset += 1;
            }
        }
        // Stream offset of bytes[0].
        let base = self.rest_offset + self.partial_len();
        let mut start = 0usize;
        for nl in memchr::memchr_iter(b'\n', bytes) {
            let seg = &bytes[start..nl];
            if let Some(n) = self.overlong.take() {
                too_long(self.next_line, self.rest_offset, n + seg.len() as u64);
            } else if self.rest.len() + seg.len() > self.max {
                too_long(
                    self.next_line,
                    self.rest_offset,
                    (self.rest.len() + seg.len()) as u64,
                );
                self.rest = Vec::new();
            } else if self.rest.is_empty() {
                line(trim_cr(seg), self.next_line, base + start as u64);
            } else {
                // Only a line that straddles two reads is copied.
                let mut t = std::mem::take(&mut self.rest);
                t.extend_from_slice(seg);
                line(trim_cr(&t), self.next_line, self.rest_offset);
                t.clear();
                // Keep the allocation for the next straddling line unless it is big.
                if t.capacity() <= 1 << 20 {
                    self.rest = t;
                }
            }
            self.next_line += 1;
            start = nl + 1;
            self.rest_offset = base + start as u64;
        }
        let tail = &bytes[start..];
        match self.overlong.as_mut() {
            Some(n) => *n += tail.len() as u64,
            None if self.rest.len() + tail.len() > self.max => {
                self.overlong = Some((self.rest.len() + tail.len()) as u64);
                self.rest = Vec::new();
            }
            None => self.rest.extend_from_slice(tail),
        }
    }

    fn partial_len(&self) -> u64 {
        self.overlong.unwrap_or(self.rest.len() as u64)
    }

    /// Takes the unterminated tail, if any, as a final line. A tail over the limit is not
    /// returned: see [`Self::take_overlong`].
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

    /// Takes the unterminated tail as a line if `whole` says nothing can follow it on its
    /// line (a complete JSON object while the file is quiet). Its newline, if it comes
    /// later, is then skipped, so lines and offsets stay those of the file.
    pub fn take_whole_rest(
        &mut self,
        whole: impl Fn(&[u8]) -> bool,
    ) -> Option<(Vec<u8>, u64, u64)> {
        if self.rest.is_empty() || !whole(trim_cr(&self.rest)) {
            return None;
        }
        let len = self.rest.len() as u64;
        let out = self.take_rest()?;
        self.rest_offset += len;
        self.taken = true;
        Some(out)
    }

    /// Takes an unterminated tail that went over the limit, as (line_no, offset, len).
    pub fn take_overlong(&mut self) -> Option<(u64, u64, u64)> {
        let n = self.overlong.take()?;
        let out = (self.next_line, self.rest_offset, n);
        self.next_line += 1;
        Some(out)
    }

    pub fn has_rest(&self) -> bool {
        !self.rest.is_empty() || self.overlong.is_some()
    }

    /// Bytes consumed as complete lines so far.
    pub fn consumed(&self) -> u64 {
        self.rest_offset
    }

    /// Bytes held for the current partial line (at most the limit).
    pub fn held(&self) -> usize {
        self.rest.len()
    }
}

/// The diagnostic for a line over the limit.
pub fn too_long_message(len: u64, max: usize) -> String {
    format!("line too long: {len} bytes (limit {max}; see --max-line-bytes); skipped")
}

/// A JSON object or array and nothing else: no byte added on its line could make a record of
/// it and more. (A bare number or word could go on: `12` may be the start of `123`.)
pub fn is_whole_record(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    matches!(t.first(), Some(b'{' | b'['))
        && serde_json::from_slice::<&serde_json::value::RawValue>(t).is_ok()
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

    /// A quiet file's last line without newline is read if whole; its late newline then
    /// ends nothing, and the next line keeps the file's number and offset.
    #[test]
    fn a_whole_rest_is_taken_and_its_newline_skipped() {
        let mut s = LineSplitter::new();
        let mut got = Vec::new();
        s.push(b"{\"a\":1}\n{\"b\":", &mut |l, n, o| {
            got.push((l.to_vec(), n, o));
        });
        assert_eq!(
            s.take_whole_rest(is_whole_record),
            None,
            "a cut object is not whole"
        );
        s.push(b"2}", &mut |l, n, o| got.push((l.to_vec(), n, o)));
        assert_eq!(
            s.take_whole_rest(is_whole_record),
            Some((b"{\"b\":2}".to_vec(), 2, 8))
        );
        assert!(!s.has_rest());
        s.push(b"\n{\"c\":3}\n", &mut |l, n, o| {
            got.push((l.to_vec(), n, o));
        });
        assert_eq!(
            got,
            [
                (b"{\"a\":1}".to_vec(), 1, 0),
                (b"{\"c\":3}".to_vec(), 3, 16)
            ]
        );
        for partial in [&b"12"[..], b"true", b"{\"a\":1} x", b"  "] {
            assert!(!is_whole_record(partial), "{partial:?}");
        }
        assert!(is_whole_record(b" [1,{}] \r"));
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

    #[test]
    fn an_overlong_line_is_dropped_and_reading_resumes_at_the_next() {
        let mut s = LineSplitter::new().with_max(4);
        let mut got = Vec::new();
        let mut long = Vec::new();
        for c in [&b"ab\nabc"[..], b"defgh", b"ij\nxy\n", b"0123456789"] {
            s.push_checked(
                c,
                &mut |l, n, o| got.push((String::from_utf8(l.to_vec()).unwrap(), n, o)),
                &mut |n, o, len| long.push((n, o, len)),
            );
            assert!(s.held() <= 4);
        }
        assert_eq!(got, vec![("ab".into(), 1, 0), ("xy".into(), 3, 14)]);
        assert_eq!(long, vec![(2, 3, 10)]);
        assert_eq!(s.take_rest(), None);
        assert_eq!(s.take_overlong(), Some((4, 17, 10)));
    }
}
