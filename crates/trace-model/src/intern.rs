//! String interner: names, models and ids are stored once and referred to by a dense [`Sym`].
//!
//! One text arena, one end offset per string and a hash table of 4-byte symbols: about
//! 13–17 bytes per distinct string beside its text. (A `HashMap<Arc<str>, Sym>` with a
//! `Vec<Arc<str>>` took ~70: an allocation per string, a 24-byte map slot and a 16-byte list
//! slot; a log whose every scope has its own name spent 61 MB of 280 on it.)

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

/// A dense handle to an interned string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

/// Maps strings to [`Sym`]s and back; each distinct string's text is kept once.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    /// Every string, end to end.
    text: String,
    /// Where each string ends in `text`; it starts where the one before it ends.
    ends: Vec<u64>,
    /// Symbols, found by the hash of their text.
    table: HashTable<u32>,
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl Interner {
    /// Returns the symbol for `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        let h = hash(s);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(&sym) = self.table.find(h, |&i| span(text, ends, i) == s) {
            return Sym(sym);
        }
        let sym = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len() as u64);
        let (text, ends) = (&self.text, &self.ends);
        self.table
            .insert_unique(h, sym, |&i| hash(span(text, ends, i)));
        Sym(sym)
    }

    /// The string behind a symbol.
    pub fn resolve(&self, sym: Sym) -> &str {
        span(&self.text, &self.ends, sym.0)
    }

    /// Bytes reserved on the heap: the text, the offsets and the table.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * std::mem::size_of::<u64>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The text of symbol `i`.
fn span<'t>(text: &'t str, ends: &[u64], i: u32) -> &'t str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &text[start..ends[i] as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_string_once_and_back_exactly() {
        let mut i = Interner::default();
        let words = ["", "a", "llm", "a", "", "ünï", "llm", "ab"];
        let syms: Vec<Sym> = words.iter().map(|w| i.intern(w)).collect();
        assert_eq!(
            syms.iter().map(|s| s.0).collect::<Vec<_>>(),
            [0, 1, 2, 1, 0, 3, 2, 4]
        );
        assert_eq!(i.len(), 5);
        for (w, s) in words.iter().zip(&syms) {
            assert_eq!(i.resolve(*s), *w);
        }
        // Growth re-hashes from the text: every symbol is still found.
        let many: Vec<Sym> = (0..10_000).map(|n| i.intern(&format!("n{n}"))).collect();
        for (n, s) in many.iter().enumerate() {
            assert_eq!(i.intern(&format!("n{n}")), *s);
            assert_eq!(i.resolve(*s), format!("n{n}"));
        }
        assert_eq!(i.len(), 10_005);
    }
}
