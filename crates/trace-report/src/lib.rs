//! Headless reports over a loaded [`trace_model::Trace`]: `summary` (text table, scope trees,
//! one JSON document, a JSON line per completed run) and `diff` (two runs aligned by scope
//! path).
//!
//! Owns formatting for scripts and pipes. Must not touch the terminal, the watcher, async or
//! the clock: it writes to any `io::Write` it is given.

pub mod cost;
pub mod diff;
pub mod escape;
pub mod summary;
