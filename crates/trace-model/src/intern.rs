//! String interner: names, models and ids are stored once and referred to by a dense [`Sym`].

use std::sync::Arc;

use rustc_hash::FxHashMap;

/// A dense handle to an interned string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

/// Maps strings to [`Sym`]s and back; each distinct string is allocated once.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    map: FxHashMap<Arc<str>, Sym>,
    strs: Vec<Arc<str>>,
}

impl Interner {
    /// Returns the symbol for `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = Sym(self.strs.len() as u32);
        let arc: Arc<str> = Arc::from(s);
        self.strs.push(Arc::clone(&arc));
        self.map.insert(arc, sym);
        sym
    }

    /// The string behind a symbol.
    pub fn resolve(&self, sym: Sym) -> &str {
        &self.strs[sym.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.strs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strs.is_empty()
    }
}
