//! trace-tui: a terminal explorer for LLM-agent event logs.
//!
//! Layers, one direction: [`formats`] (what a record means) → [`ingest`] (where records come
//! from) → [`model`] (pure accumulator of runs and scope trees) → [`summary`] (headless
//! report). The model never touches the terminal, the clock or async.

pub mod app;
pub mod demo;
pub mod diff_report;
pub mod event;
pub mod formats;
pub mod ingest;
pub mod model;
pub mod runtime;
pub mod summary;
pub mod synth;
pub mod text;
pub mod ui;
