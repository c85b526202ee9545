//! The figures a correct reader must report for a generated file, and the check of a
//! `summary --json` document against them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::atof::Usage;

/// Token sums as `summary --json` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedTokens {
    pub input: u64,
    pub output: u64,
    pub total: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

impl ExpectedTokens {
    pub(crate) fn add(&mut self, u: &Usage) {
        self.input += u.prompt();
        self.output += u.output;
        self.total += u.prompt() + u.output;
        self.cache_read += u.cache_read;
        self.cache_write += u.cache_write;
    }
}

/// Calls and tokens of one model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedModel {
    pub calls: u64,
    pub tokens: ExpectedTokens,
}

/// How often each record shape was written, so a test can tell every path was exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shapes {
    pub openai_calls: u64,
    pub anthropic_calls: u64,
    /// LLM ends whose usage is only in `data.usage` (no `annotated_response`).
    pub data_usage_only: u64,
    /// Annotated usage written without `total_tokens`.
    pub no_total_tokens: u64,
    /// LLM scopes without `category_profile.model_name`.
    pub no_model_name: u64,
    pub streamed_calls: u64,
    pub chunk_marks: u64,
    pub int_timestamps: u64,
    pub function_scopes: u64,
    pub subagents: u64,
    pub llm_errors: u64,
    pub error_bodies: u64,
    pub tool_errors: u64,
    pub rejections: u64,
}

/// What a correct reader must find in the generated file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub seed: u64,
    pub generator_version: u32,
    pub bytes: u64,
    /// Lines; every line is one event.
    pub events: u64,
    pub runs: u64,
    pub scopes: u64,
    pub marks: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
    /// Nodes with an error of their own (failed calls and rejection marks).
    pub errors: u64,
    /// Runs with at least one error.
    pub error_runs: u64,
    pub tokens: ExpectedTokens,
    pub by_model: BTreeMap<String, ExpectedModel>,
    pub shapes: Shapes,
}

impl Expected {
    /// Differences between these figures and a `summary --json` document; empty when equal.
    pub fn check_summary(&self, v: &Value) -> Vec<String> {
        let mut bad = Vec::new();
        let mut eq = |what: &str, got: Option<u64>, want: u64| {
            if got != Some(want) {
                bad.push(format!("{what}: got {got:?}, expected {want}"));
            }
        };
        let t = &v["totals"];
        eq("events", v["events"].as_u64(), self.events);
        eq("skipped_lines", v["skipped_lines"].as_u64(), 0);
        eq("totals.runs", t["runs"].as_u64(), self.runs);
        eq("totals.llm_calls", t["llm_calls"].as_u64(), self.llm_calls);
        eq(
            "totals.tool_calls",
            t["tool_calls"].as_u64(),
            self.tool_calls,
        );
        eq("totals.errors", t["errors"].as_u64(), self.errors);
        let tokens = |prefix: &str,
                      got: &Value,
                      want: &ExpectedTokens,
                      eq: &mut dyn FnMut(&str, Option<u64>, u64)| {
            eq(
                &format!("{prefix}.input"),
                got["input"].as_u64(),
                want.input,
            );
            eq(
                &format!("{prefix}.output"),
                got["output"].as_u64(),
                want.output,
            );
            eq(
                &format!("{prefix}.total"),
                got["total"].as_u64(),
                want.total,
            );
            eq(
                &format!("{prefix}.cache_read"),
                got["cache_read"].as_u64(),
                want.cache_read,
            );
            eq(
                &format!("{prefix}.cache_write"),
                got["cache_write"].as_u64(),
                want.cache_write,
            );
        };
        tokens("totals.tokens", &t["tokens"], &self.tokens, &mut eq);
        let status = |k: &str| Some(t["by_status"][k].as_u64().unwrap_or(0));
        eq("totals.by_status.error", status("error"), self.error_runs);
        eq(
            "totals.by_status.ok",
            status("ok"),
            self.runs - self.error_runs,
        );
        eq("totals.by_status.incomplete", status("incomplete"), 0);
        for (model, m) in &self.by_model {
            let got = &t["by_model"][model];
            eq(
                &format!("by_model[{model}].calls"),
                got["calls"].as_u64(),
                m.calls,
            );
            tokens(&format!("by_model[{model}]"), got, &m.tokens, &mut eq);
        }
        let models = t["by_model"].as_object().map(|o| o.len() as u64);
        eq("number of models", models, self.by_model.len() as u64);
        bad
    }
}
