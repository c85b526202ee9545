//! Synthetic OTLP/JSON trace lines (file-exporter shape) with GenAI attributes, plus the exact
//! figures a summary of them must report. Deterministic for a seed and a size.
//!
//! A trace is one agent turn: an `invoke_agent` root span holding `chat` calls (with cache
//! reads and writes, inclusive input as the conventions require) and `execute_tool` spans, a
//! few of which fail with an `exception` event. Spans are exported as they end, children
//! before parents, several per line, and consecutive traces overlap in the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::Rng;

/// What the generated file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtlpExpected {
    pub bytes: u64,
    pub lines: u64,
    pub runs: u64,
    pub spans: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub errors: u64,
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    /// Per served model: (calls, input, output).
    pub by_model: BTreeMap<String, (u64, u64, u64)>,
}

const MODELS: [(&str, &str, &str); 3] = [
    (
        "anthropic",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
    ),
    ("openai", "gpt-4.1", "gpt-4.1-2025-04-14"),
    ("gcp.gemini", "gemini-2.5-pro", "gemini-2.5-pro"),
];
const TOOLS: [&str; 4] = ["read_file", "run_command", "search_docs", "apply_patch"];
/// 2026-06-24T18:00:00Z in epoch nanoseconds.
const EPOCH_NS: u64 = 1_782_324_000_000_000_000;

struct Gen<W> {
    rng: Rng,
    out: W,
    exp: OtlpExpected,
    /// Spans waiting for their line, as JSON text.
    batch: Vec<String>,
    now_ns: u64,
}

/// Writes OTLP lines to `out` until at least `bytes` are written.
pub fn generate<W: Write>(seed: u64, bytes: u64, out: W) -> io::Result<OtlpExpected> {
    let mut g = Gen {
        rng: Rng::new(seed),
        out,
        exp: OtlpExpected::default(),
        batch: Vec::new(),
        now_ns: EPOCH_NS,
    };
    while g.exp.bytes < bytes {
        g.trace()?;
    }
    g.flush()?;
    g.out.flush()?;
    Ok(g.exp)
}

fn attr_s(out: &mut String, key: &str, v: &str) {
    let _ = write!(out, r#"{{"key":"{key}","value":{{"stringValue":"{v}"}}}},"#);
}

fn attr_i(out: &mut String, key: &str, v: u64) {
    let _ = write!(out, r#"{{"key":"{key}","value":{{"intValue":"{v}"}}}},"#);
}

impl<W: Write> Gen<W> {
    fn id(&mut self, bytes: usize) -> String {
        let mut s = String::with_capacity(bytes * 2);
        for _ in 0..bytes {
            let _ = write!(s, "{:02x}", self.rng.below(256));
        }
        s
    }

    #[allow(clippy::too_many_arguments)]
    fn span(
        &mut self,
        trace: &str,
        id: &str,
        parent: Option<&str>,
        name: &str,
        start: u64,
        end: u64,
        attrs: &str,
        tail: &str,
    ) -> io::Result<()> {
        let mut s = String::with_capacity(256 + attrs.len());
        let _ = write!(s, r#"{{"traceId":"{trace}","spanId":"{id}","#);
        if let Some(p) = parent {
            let _ = write!(s, r#""parentSpanId":"{p}","#);
        }
        let attrs = attrs.trim_end_matches(',');
        let _ = write!(
            s,
            r#""name":"{name}","kind":1,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":[{attrs}]{tail}}}"#
        );
        self.exp.spans += 1;
        self.batch.push(s);
        if self.batch.len() > self.rng.below(8) as usize {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let line = format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"synth-agent"}}}},{{"key":"telemetry.sdk.language","value":{{"stringValue":"rust"}}}}]}},"scopeSpans":[{{"scope":{{"name":"trace-synth","version":"1"}},"spans":[{}]}}]}}]}}"#,
            self.batch.join(",")
        );
        self.batch.clear();
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.exp.bytes += line.len() as u64 + 1;
        self.exp.lines += 1;
        Ok(())
    }

    fn trace(&mut self) -> io::Result<()> {
        let trace = self.id(16);
        let root = self.id(8);
        let start = self.now_ns;
        let mut t = start + 1_000_000;
        self.exp.runs += 1;
        for _ in 0..self.rng.range(1, 6) {
            let (provider, model, served) = MODELS[self.rng.below(3) as usize];
            let id = self.id(8);
            let dur = self.rng.range(200, 4000) * 1_000_000;
            let cache_read = self.rng.below(20_000);
            let cache_write = if provider == "anthropic" {
                self.rng.below(2_000)
            } else {
                0
            };
            let input = cache_read + cache_write + self.rng.range(10, 3_000);
            let output = self.rng.range(5, 1_500);
            let mut a = String::with_capacity(1024);
            attr_s(&mut a, "gen_ai.operation.name", "chat");
            attr_s(&mut a, "gen_ai.provider.name", provider);
            attr_s(&mut a, "gen_ai.request.model", model);
            attr_s(&mut a, "gen_ai.response.model", served);
            attr_i(&mut a, "gen_ai.usage.input_tokens", input);
            attr_i(&mut a, "gen_ai.usage.output_tokens", output);
            attr_i(&mut a, "gen_ai.usage.cache_read.input_tokens", cache_read);
            if provider == "anthropic" {
                attr_i(
                    &mut a,
                    "gen_ai.usage.cache_creation.input_tokens",
                    cache_write,
                );
            }
            let words = self.rng.range(10, 120) as usize;
            let msg = "please look at the failing test and fix it ".repeat(words / 8 + 1);
            attr_s(
                &mut a,
                "gen_ai.input.messages",
                &format!(
                    r#"[{{\"role\":\"user\",\"parts\":[{{\"type\":\"text\",\"content\":\"{msg}\"}}]}}]"#
                ),
            );
            let name = format!("chat {model}");
            self.span(
                &trace,
                &id,
                Some(&root),
                &name,
                t,
                t + dur,
                &a,
                r#","status":{}"#,
            )?;
            self.exp.llm_calls += 1;
            self.exp.input += input;
            self.exp.output += output;
            self.exp.cache_read += cache_read;
            self.exp.cache_write += cache_write;
            let m = self.exp.by_model.entry(served.to_owned()).or_default();
            m.0 += 1;
            m.1 += input;
            m.2 += output;
            t += dur;
            for _ in 0..self.rng.below(3) {
                let tool = TOOLS[self.rng.below(4) as usize];
                let id = self.id(8);
                let dur = self.rng.range(5, 900) * 1_000_000;
                let mut a = String::with_capacity(256);
                attr_s(&mut a, "gen_ai.operation.name", "execute_tool");
                attr_s(&mut a, "gen_ai.tool.name", tool);
                let call = self.id(6);
                attr_s(&mut a, "gen_ai.tool.call.id", &format!("call_{call}"));
                let fails = self.rng.below(100) < 4;
                let tail = if fails {
                    attr_s(&mut a, "error.type", "ToolError");
                    self.exp.errors += 1;
                    format!(
                        r#","events":[{{"timeUnixNano":"{}","name":"exception","attributes":[{{"key":"exception.type","value":{{"stringValue":"ToolError"}}}},{{"key":"exception.message","value":{{"stringValue":"{tool} failed"}}}}]}}],"status":{{"code":2,"message":"{tool} failed"}}"#,
                        t + dur
                    )
                } else {
                    r#","status":{"code":1}"#.to_owned()
                };
                let name = format!("execute_tool {tool}");
                self.span(&trace, &id, Some(&root), &name, t, t + dur, &a, &tail)?;
                self.exp.tool_calls += 1;
                t += dur;
            }
        }
        let mut a = String::new();
        attr_s(&mut a, "gen_ai.operation.name", "invoke_agent");
        attr_s(&mut a, "gen_ai.agent.name", "synth");
        self.span(
            &trace,
            &root,
            None,
            "invoke_agent synth",
            start,
            t + 1_000_000,
            &a,
            "",
        )?;
        // The next turn starts before this one's root is written: traces overlap in the file.
        self.now_ns = start + (t - start) / 2;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ea = generate(7, 50_000, &mut a).unwrap();
        let eb = generate(7, 50_000, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(ea, eb);
        assert!(ea.bytes >= 50_000 && ea.bytes == a.len() as u64);
        assert_eq!(ea.lines, a.split(|&c| c == b'\n').count() as u64 - 1);
        for line in a.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_slice(line).unwrap();
            assert!(v["resourceSpans"].is_array());
        }
    }
}
