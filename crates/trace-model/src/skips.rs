//! Skipped records, told once per file when a file yields nothing: a file in no known
//! dialect (or forced into the wrong one) would otherwise list the same reason on every line.
//! While a file has given no event, its skips are held and one diagnostic stands for them
//! ("1,512 records skipped, none read; the first: …"); its first event brings the held ones
//! back line by line, since they are then genuinely bad lines of a real file.

use crate::{Diagnostic, MAX_DIAGNOSTICS, Trace};

/// What is known of one file's skips.
#[derive(Debug, Default, Clone)]
pub(crate) struct FileSkips {
    /// The file has given an event: its skips are listed one by one.
    recognised: bool,
    /// Skips held while nothing was recognised.
    count: u64,
    /// The first skip's message.
    first: String,
    /// Where the diagnostic standing for them is, in `Trace::diagnostics`.
    summary: Option<usize>,
    held: Vec<Diagnostic>,
}

/// The message standing for `count` skipped records whose first said `first`.
fn summary_message(count: u64, first: &str) -> String {
    if count == 1 {
        return first.to_owned();
    }
    format!(
        "{} records skipped, none read; the first: {first}",
        thousands(count)
    )
}

/// `1512` → `1,512`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Trace {
    /// Records a skipped record.
    pub fn skip(&mut self, file: u16, line: u64, message: impl Into<String>) {
        self.skipped += 1;
        self.generation += 1;
        let message = message.into();
        let i = usize::from(file);
        if self.file_skips.len() <= i {
            self.file_skips.resize_with(i + 1, FileSkips::default);
        }
        let st = &mut self.file_skips[i];
        let d = Diagnostic {
            file,
            line,
            message,
        };
        if st.recognised {
            if self.diagnostics.len() < MAX_DIAGNOSTICS {
                self.diagnostics.push(d);
            }
            return;
        }
        st.count += 1;
        match st.summary {
            Some(at) => {
                self.absorbed += 1;
                self.diagnostics[at].message = summary_message(st.count, &st.first);
            }
            None if st.count == 1 && self.diagnostics.len() < MAX_DIAGNOSTICS => {
                st.first.clone_from(&d.message);
                st.summary = Some(self.diagnostics.len());
                self.diagnostics.push(d.clone());
            }
            None => {}
        }
        if st.held.len() < MAX_DIAGNOSTICS {
            st.held.push(d);
        }
    }

    /// The first event of file `file`: its held skips are listed one by one from now on.
    #[cold]
    pub(crate) fn recognise_file(&mut self, file: u16) {
        let i = usize::from(file);
        if self.file_skips.len() <= i {
            self.file_skips.resize_with(i + 1, FileSkips::default);
        }
        let st = &mut self.file_skips[i];
        st.recognised = true;
        let held = std::mem::take(&mut st.held);
        if let Some(at) = st.summary.take() {
            self.absorbed -= st.count - 1;
            let mut held = held.into_iter();
            if let Some(first) = held.next() {
                self.diagnostics[at] = first;
            }
            for d in held {
                if self.diagnostics.len() >= MAX_DIAGNOSTICS {
                    break;
                }
                self.diagnostics.push(d);
            }
        }
    }

    /// Whether file `file` has given an event (fast path of [`Trace::apply`]).
    #[inline]
    pub(crate) fn file_recognised(&self, file: u16) -> bool {
        self.file_skips
            .get(usize::from(file))
            .is_some_and(|s| s.recognised)
    }

    /// Skipped records neither listed in [`Trace::diagnostics`] nor counted in one of its
    /// once-per-file messages (beyond the list's cap).
    pub fn unlisted_skips(&self) -> u64 {
        self.skipped
            .saturating_sub(self.diagnostics.len() as u64 + self.absorbed)
    }
}

#[cfg(test)]
mod tests {
    use crate::Trace;

    #[test]
    fn a_file_that_yields_nothing_gets_one_message() {
        let mut t = Trace::new();
        for line in 1..=1512 {
            t.skip(0, line, "not atof: missing `kind`");
        }
        assert_eq!(t.skipped, 1512);
        let d = t.diagnostics();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 1);
        assert_eq!(
            d[0].message,
            "1,512 records skipped, none read; the first: not atof: missing `kind`"
        );
        assert_eq!(t.unlisted_skips(), 0);
    }

    #[test]
    fn bad_lines_of_a_real_file_are_listed_each() {
        let mut t = Trace::new();
        t.skip(0, 1, "not JSON: x");
        t.skip(0, 2, "not JSON: y");
        t.skip(1, 1, "other file");
        let ev = crate::event::Event::new(crate::event::EventKind::Mark, "m", "m");
        t.apply(&ev);
        t.skip(0, 9, "not JSON: z");
        let lines: Vec<(u16, u64)> = t.diagnostics().iter().map(|d| (d.file, d.line)).collect();
        assert_eq!(lines, vec![(0, 1), (1, 1), (0, 2), (0, 9)]);
        assert_eq!(t.unlisted_skips(), 0);
    }
}
