//! trace-tui, the terminal app: view state and its one mutator (`app`), pure rendering
//! (`ui`), the terminal loop with its threads and channels (`runtime`) and the `demo`.
//!
//! This is the only package that touches ratatui, crossterm and the terminal. What a record
//! means lives in `trace-formats`, where records come from in `trace-ingest`, the pure model
//! in `trace-model`, headless reports in `trace-report`.

pub mod app;
pub mod demo;
pub mod discover;
pub mod export;
pub mod runtime;
pub mod ui;
