//! `trace-tui demo`: a scripted, realistic agent session written to a file in real time, so the
//! explorer can follow it exactly as it follows a real producer (same `--follow` code path).
//!
//! The script is a list of ATOF 0.1 lines at offsets from the start; [`write_live`] sleeps
//! until each offset and appends the line stamped with the wall-clock time, flushing each line
//! like NeMo Relay's exporter does.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// One scripted line: when to write it and what it says (timestamp filled in at write time).
#[derive(Debug, Clone)]
pub struct Step {
    pub at: Duration,
    pub event: Value,
}

struct Script {
    steps: Vec<Step>,
    next_id: u32,
}

impl Script {
    fn id(&mut self, run: u32) -> String {
        self.next_id += 1;
        format!(
            "0197d3e0-{run:04x}-7{:03x}-8000-{:012x}",
            self.next_id % 0xfff,
            self.next_id
        )
    }

    fn push(&mut self, ms: u64, event: Value) {
        self.steps.push(Step {
            at: Duration::from_millis(ms),
            event,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn scope(
        &mut self,
        ms: u64,
        uuid: &str,
        parent: Option<&str>,
        name: &str,
        cat: &str,
        sc: &str,
        extra: Value,
    ) {
        let mut e = json!({"kind": "scope", "atof_version": "0.1", "uuid": uuid, "parent_uuid": parent,
            "name": name, "data": null, "data_schema": null, "metadata": null, "scope_category": sc,
            "attributes": [], "category": cat, "category_profile": null});
        if let (Some(obj), Value::Object(more)) = (e.as_object_mut(), extra) {
            obj.extend(more);
        }
        self.push(ms, e);
    }

    #[allow(clippy::too_many_arguments)]
    fn llm(
        &mut self,
        run: u32,
        parent: &str,
        ms: u64,
        dur: u64,
        model: &str,
        prompt: &str,
        reply: &str,
        tokens: (u64, u64, u64),
    ) -> String {
        let id = self.id(run);
        let route = if model.starts_with("claude") {
            "anthropic.messages"
        } else {
            "openai.chat_completions"
        };
        self.scope(ms, &id, Some(parent), route, "llm", "start", json!({
            "attributes": ["streaming"],
            "category_profile": {"model_name": model},
            "data": {"headers": {}, "content": {"model": model, "messages": [{"role": "user", "content": prompt}]}},
        }));
        let (input, output, cached) = tokens;
        self.scope(ms + dur, &id, Some(parent), route, "llm", "end", json!({
            "attributes": ["streaming"],
            "metadata": {"otel.status_code": "OK"},
            "category_profile": {"model_name": model, "annotated_response": {"model": model, "message": reply,
                "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output, "cache_read_tokens": cached}}},
            "data": {"model": model, "choices": [{"message": {"role": "assistant", "content": reply}}],
                "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output}},
        }));
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn tool(
        &mut self,
        run: u32,
        parent: &str,
        ms: u64,
        dur: u64,
        name: &str,
        call: &str,
        args: &Value,
        result: Result<Value, &str>,
    ) {
        let id = self.id(run);
        self.scope(
            ms,
            &id,
            Some(parent),
            name,
            "tool",
            "start",
            json!({"category_profile": {"tool_call_id": call}, "data": args}),
        );
        let end = match result {
            Ok(v) => {
                json!({"category_profile": {"tool_call_id": call}, "data": v, "metadata": {"otel.status_code": "OK"}})
            }
            Err(e) => json!({"category_profile": {"tool_call_id": call},
                "metadata": {"otel.status_code": "ERROR", "otel.status_description": e}}),
        };
        self.scope(ms + dur, &id, Some(parent), name, "tool", "end", end);
    }
}

/// The demo session: four runs over about 30 seconds, one failing, one still running at the end.
pub fn script() -> Vec<Step> {
    let mut s = Script {
        steps: Vec::new(),
        next_id: 0,
    };

    // Run 1: support triage, fast and clean.
    let r1 = s.id(1);
    s.scope(
        0,
        &r1,
        None,
        "support-triage",
        "agent",
        "start",
        json!({"data": {"ticket": 4411}}),
    );
    s.llm(
        1,
        &r1,
        300,
        1400,
        "gpt-4.1-mini",
        "Classify ticket 4411",
        "category: billing",
        (812, 96, 0),
    );
    s.tool(
        1,
        &r1,
        1800,
        600,
        "lookup_customer",
        "call_t1",
        &json!({"customer": "acme"}),
        Ok(json!({"plan": "pro", "seats": 40})),
    );
    s.llm(
        1,
        &r1,
        2500,
        2600,
        "claude-sonnet-4-5",
        "Draft a reply for a billing question",
        "Hi! Your invoice was prorated…",
        (2400, 410, 1800),
    );
    s.scope(5300, &r1, None, "support-triage", "agent", "end", json!({}));

    // Run 2: research with parallel searches; one backend fails, the run errors.
    let r2 = s.id(2);
    s.scope(
        6000,
        &r2,
        None,
        "research-agent",
        "agent",
        "start",
        json!({"data": {"question": "Q3 vector DB pricing"}}),
    );
    let plan = s.id(2);
    s.scope(
        6200,
        &plan,
        Some(&r2),
        "plan",
        "function",
        "start",
        json!({}),
    );
    s.llm(
        2,
        &plan,
        6300,
        1900,
        "gpt-4.1",
        "Plan the research",
        "search three vendors in parallel",
        (1500, 220, 1024),
    );
    s.scope(8300, &plan, Some(&r2), "plan", "function", "end", json!({}));
    s.tool(
        2,
        &r2,
        8400,
        1300,
        "web_search",
        "call_a",
        &json!({"q": "pinecone pricing"}),
        Ok(json!({"hits": 12})),
    );
    s.tool(
        2,
        &r2,
        8400,
        2100,
        "web_search",
        "call_b",
        &json!({"q": "weaviate pricing"}),
        Ok(json!({"hits": 9})),
    );
    s.tool(
        2,
        &r2,
        8450,
        4200,
        "web_search",
        "call_c",
        &json!({"q": "qdrant pricing"}),
        Err("HTTP 503 from search backend"),
    );
    s.llm(
        2,
        &r2,
        12800,
        1700,
        "gpt-4.1",
        "Summarize what was found",
        "Two of three vendors confirmed.",
        (5200, 380, 4096),
    );
    s.scope(
        14600,
        &r2,
        None,
        "research-agent",
        "agent",
        "end",
        json!({}),
    );

    // Run 3: a coding agent with nested steps.
    let r3 = s.id(3);
    s.scope(
        15000,
        &r3,
        None,
        "code-fix",
        "agent",
        "start",
        json!({"data": {"task": "fix failing parser test"}}),
    );
    let turn = s.id(3);
    s.scope(
        15100,
        &turn,
        Some(&r3),
        "turn-1",
        "agent",
        "start",
        json!({}),
    );
    s.llm(
        3,
        &turn,
        15200,
        2300,
        "claude-sonnet-4-5",
        "Fix the failing test in src/parse.rs",
        "Reading the parser.",
        (9, 74, 21480),
    );
    s.tool(
        3,
        &turn,
        17600,
        500,
        "Read",
        "toolu_1",
        &json!({"path": "src/parse.rs"}),
        Ok(json!({"lines": 180})),
    );
    s.tool(
        3,
        &turn,
        17620,
        900,
        "Grep",
        "toolu_2",
        &json!({"pattern": "parse_header"}),
        Ok(json!({"matches": 3})),
    );
    s.llm(
        3,
        &turn,
        18600,
        3100,
        "claude-sonnet-4-5",
        "(tool results)",
        "Patch: trim \\r before splitting.",
        (1200, 310, 20000),
    );
    s.tool(
        3,
        &turn,
        21800,
        2600,
        "Bash",
        "toolu_3",
        &json!({"command": "cargo test -p parser"}),
        Ok(json!({"exit": 0})),
    );
    s.scope(24500, &turn, Some(&r3), "turn-1", "agent", "end", json!({}));
    s.scope(24600, &r3, None, "code-fix", "agent", "end", json!({}));

    // Run 4: still working when the demo ends.
    let r4 = s.id(4);
    s.scope(
        25000,
        &r4,
        None,
        "nightly-report",
        "agent",
        "start",
        json!({}),
    );
    s.llm(
        4,
        &r4,
        25200,
        2200,
        "gpt-4.1-mini",
        "Collect yesterday's metrics",
        "Fetching dashboards.",
        (640, 120, 0),
    );
    let open_tool = s.id(4);
    s.scope(
        27600,
        &open_tool,
        Some(&r4),
        "fetch_dashboard",
        "tool",
        "start",
        json!({"category_profile": {"tool_call_id": "call_z"}, "data": {"board": "latency"}}),
    );

    s.steps.sort_by_key(|st| st.at);
    s.steps
}

/// Writes the script to `path` in real time (`speed` > 1 runs faster). Returns when done.
pub fn write_live(path: &Path, speed: f64) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let started = Instant::now();
    let t0 = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    for step in script() {
        let due = step.at.div_f64(speed.max(0.001));
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        let mut event = step.event;
        let ts = t0 + step.at.as_micros() as i64;
        let stamp = chrono::DateTime::from_timestamp_micros(ts)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Micros, false));
        event["timestamp"] = json!(stamp);
        let mut line = serde_json::to_vec(&event)?;
        line.push(b'\n');
        f.write_all(&line)?;
        f.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_reads_back_as_four_runs_one_failed_one_live() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("demo.jsonl");
        write_live(&p, 1e6).unwrap();
        let (trace, _) = trace_ingest::files::load(&[p], None, &mut |_| {}).unwrap();
        assert_eq!(trace.skipped, 0);
        let runs = trace_report::summary::runs_by_start(&trace);
        let got: Vec<(&str, &str)> = runs
            .iter()
            .map(|(id, s)| (trace.str(trace.node(*id).name), s.status().as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("support-triage", "ok"),
                ("research-agent", "error"),
                ("code-fix", "ok"),
                ("nightly-report", "incomplete")
            ]
        );
        let totals = trace_model::stats::Totals::of(runs.iter().map(|(_, s)| s));
        assert_eq!(
            (totals.llm_calls, totals.tool_calls),
            (7, 8),
            "2 + 2 + 2 + 1 calls; 1 + 3 + 3 + 1 tools"
        );
        // Relay's `prompt_tokens` of an Anthropic call (`anthropic.messages`) excludes its
        // cache reads: input = prompt + cache_read there (1800, 21480, 20000).
        assert_eq!(
            totals.tokens.input,
            812 + (2400 + 1800) + 1500 + 5200 + (9 + 21480) + (1200 + 20000) + 640
        );
    }
}
