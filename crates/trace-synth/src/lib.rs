//! Synthetic ATOF 0.1 logs shaped like NeMo Relay output, plus the exact figures a summary of
//! them must report. Deterministic: the same seed and target always give the same bytes.
//!
//! Shared by the `gen_atof` example, the `summary` bench and the `synth` test, so the
//! benchmark data and the token-counting cross-check come from one place.
//!
//! Dev-only (`publish = false`): never a dependency of the app or a library crate. Writes to
//! any `io::Write`; no terminal, no clock (times come from the seed).
//!
//! A file is several runs appended one after another. A run is a session `agent` scope
//! holding turn `agent` scopes; a turn holds `llm` calls (OpenAI or Anthropic spelling,
//! streamed ones with `llm.chunk` marks), parallel `tool` scopes linked by `tool_call_id`,
//! sometimes a `function` scope and sometimes a sub-agent. A few calls fail
//! (`otel.status_code: ERROR`, a provider error body, a guardrail rejection mark).
//!
//! Token figures follow the reader's rules: `input` is the producer's prompt count as reported
//! (Anthropic's uncached `input_tokens`), `total` is input + output, and a run's figure is the
//! sum of its LLM calls, since no other scope reports usage.
//!
//! Inside: `rng` (the seeded [`Rng`]), `target` ([`Target`], [`parse_size`]), `expected` (the
//! [`Expected`] figures and their check) and `atof`, the writer ([`generate`]; its run shapes,
//! LLM calls, vocabulary and timestamps in submodules).

mod atof;
mod expected;
pub mod otlp;
mod rng;
mod target;

pub use atof::{GENERATOR_VERSION, generate};
pub use expected::{Expected, ExpectedModel, ExpectedTokens, Shapes};
pub use rng::Rng;
pub use target::{Target, parse_size};
