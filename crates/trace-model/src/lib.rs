//! The pure accumulator: normalized events in, runs as scope trees out.
//!
//! [`Trace::apply`] is the only way events enter. It does no IO and reads no clock. External
//! ids map to dense [`NodeId`]s in a packed arena (layout in ARCHITECTURE.md); children are
//! intrusive lists in time order. Out-of-order input is
//! absorbed: an end before its start fills one node from both sides, a child before its
//! parent hangs under a placeholder that the parent later fills, a duplicate start becomes a
//! second node, and parent cycles are refused at the link that would close them.
//!
//! This crate owns the normalized [`event`]s, the [`Trace`] built from them and everything
//! derived from a trace (statistics, critical paths, exemplars, filters, diffs, queries). It
//! must not touch the outside world: no IO (files, sockets, stdin), no clock, no terminal, no
//! async runtime, no threads; so no notify, ratatui, crossterm or tokio. Readers, followers
//! and the app sit in the crates above and feed it events.
//!
//! Inside, by concern:
//! - `node`: the public [`Node`] view, [`NodeId`], [`NodeKind`], [`Children`], time clamping;
//! - `records`: the packed per-node records behind it (hot/cold parts, sources, token slots);
//! - `ids`: producer ids to nodes (UUIDs as `u128` in a hash table, other ids in one arena);
//! - `trace`: the [`Trace`] and its read side (tables, sources, runs, diagnostics);
//! - `apply`: [`Trace::apply`], filling nodes from events, duplicates, warnings;
//! - `link`: parent links, placeholders, refused cycles, run roots, [`Trace::settle`].

pub mod event;
pub mod text;

pub mod analysis;
pub mod critical;
pub mod diff;
pub mod exemplars;
pub mod filter;
mod intern;
pub mod nodemap;
pub mod query;
pub mod stats;
pub mod tree;
pub mod walk;

mod apply;
mod ids;
mod link;
mod memory;
mod node;
mod ranks;
mod records;
mod replay;
mod skips;
mod srcs;
mod times;
mod trace;

pub use intern::{Interner, Sym};
pub use node::{Children, MAX_ABS_TIME_US, Node, NodeId, NodeKind, clamp_time};
pub use trace::{Diagnostic, MAX_DIAGNOSTICS, Trace};
