//! ATIF reader unit tests on documents written for them (the FORMATS.md §7.4 shape).

use super::*;
use trace_model::event::{Category, EventKind, Tokens};

fn read(doc: &str) -> Vec<Event<'static>> {
    let mut evs = Vec::new();
    let mut out = |e: Event<'_>| evs.push(into_owned(e));
    AtifReader
        .read(doc.as_bytes(), SourceRef::default(), &mut out)
        .unwrap();
    evs
}

fn into_owned(e: Event<'_>) -> Event<'static> {
    let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
    Event {
        id: own(e.id),
        parent: e.parent.map(own),
        name: own(e.name),
        model: e.model.map(own),
        tool_call_id: e.tool_call_id.map(own),
        failure: match e.failure {
            trace_model::event::Failure::Error(t) => trace_model::event::Failure::Error(own(t)),
            trace_model::event::Failure::Incomplete(t) => {
                trace_model::event::Failure::Incomplete(own(t))
            }
            trace_model::event::Failure::None => trace_model::event::Failure::None,
        },
        ..Event::new(e.kind, "", "")
    }
    .with(e.kind, e.ts_us, e.category, e.tokens, e.container)
}

trait With {
    fn with(
        self,
        k: EventKind,
        ts: Option<i64>,
        c: Option<Category>,
        t: Option<Tokens>,
        container: bool,
    ) -> Self;
}

impl With for Event<'static> {
    fn with(
        mut self,
        k: EventKind,
        ts: Option<i64>,
        c: Option<Category>,
        t: Option<Tokens>,
        container: bool,
    ) -> Self {
        self.kind = k;
        self.ts_us = ts;
        self.category = c;
        self.tokens = t;
        self.container = container;
        self
    }
}

const EXAMPLE: &str = r#"{
  "schema_version": "ATIF-v1.7", "session_id": "run-7f3a", "trajectory_id": "root",
  "agent": {"name": "repo-fixer", "version": "0.4.1", "model_name": "claude-sonnet-4-5-20250929"},
  "steps": [
    {"step_id": 1, "timestamp": "2026-11-02T09:00:00Z", "source": "system", "message": "You fix failing tests."},
    {"step_id": 2, "timestamp": "2026-11-02T09:00:01Z", "source": "user", "message": "Make tests/test_dates.py pass."},
    {"step_id": 3, "timestamp": "2026-11-02T09:00:04Z", "source": "agent", "model_name": "claude-sonnet-4-5-20250929",
     "message": "Running the test file first.",
     "tool_calls": [{"tool_call_id": "toolu_a1", "function_name": "bash", "arguments": {"cmd": "pytest"},
                     "extra": {"invocation": {"start_timestamp": 1793610004.1, "end_timestamp": 1793610005.9, "status": "completed"}}}],
     "observation": {"results": [{"source_call_id": "toolu_a1", "content": "1 failed: test_leap_year"}]},
     "metrics": {"prompt_tokens": 352, "completion_tokens": 116, "cached_tokens": 300, "cost_usd": 0.001995,
                 "extra": {"cache_creation_input_tokens": 12}},
     "llm_call_count": 1},
    {"step_id": 4, "timestamp": "2026-11-02T09:00:09Z", "source": "agent", "message": "Delegating the patch.",
     "tool_calls": [{"tool_call_id": "toolu_a2", "function_name": "spawn_subagent", "arguments": {"task": "fix"}}],
     "observation": {"results": [{"source_call_id": "toolu_a2", "content": "patched src/dates.py",
                                  "subagent_trajectory_ref": [{"trajectory_id": "sub-1"}]}]},
     "metrics": {"prompt_tokens": 420, "completion_tokens": 60, "cached_tokens": 352}, "llm_call_count": 1},
    {"step_id": 5, "timestamp": "2026-11-02T09:01:30Z", "source": "agent", "message": "tests pass now.",
     "metrics": {"prompt_tokens": 500, "completion_tokens": 20, "cached_tokens": 480}, "llm_call_count": 1}
  ],
  "subagent_trajectories": [
    {"schema_version": "ATIF-v1.7", "trajectory_id": "sub-1",
     "agent": {"name": "patcher", "version": "0.4.1", "model_name": "claude-haiku-4-5"},
     "steps": [
       {"step_id": 1, "source": "user", "message": "fix leap-year rule"},
       {"step_id": 2, "source": "agent", "message": "Patched.",
        "tool_calls": [{"tool_call_id": "call_p1", "function_name": "edit_file", "arguments": {}}],
        "observation": {"results": [{"source_call_id": "call_p1", "content": "{\"error\": \"permission denied\"}"}]}}
     ]}
  ]
}"#;

fn find<'a>(evs: &'a [Event<'static>], kind: EventKind, id: &str) -> &'a Event<'static> {
    evs.iter()
        .find(|e| e.kind == kind && e.id == id)
        .unwrap_or_else(|| panic!("no {kind:?} {id}"))
}

#[test]
fn example_tree_tokens_and_times() {
    let evs = read(EXAMPLE);
    let root = find(&evs, EventKind::Start, "atif:0");
    assert_eq!(root.name, "repo-fixer");
    assert!(root.parent.is_none());
    assert_eq!(root.ts_us, Some(1_793_610_000_000_000));
    // A step ends with the latest time inside it; the run with its last step.
    let step = find(&evs, EventKind::End, "atif:0:s2");
    assert_eq!(step.ts_us, Some(1_793_610_005_900_000));
    let end = find(&evs, EventKind::End, "atif:0");
    assert_eq!(end.ts_us, Some(1_793_610_090_000_000));
    let llm = find(&evs, EventKind::End, "atif:0:s2:llm");
    assert_eq!(llm.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(
        llm.tokens,
        Some(Tokens {
            input: Some(352),
            output: Some(116),
            total: Some(468),
            cache_read: Some(300),
            cache_write: Some(12),
            cache_write_1h: None,
            reasoning: None,
        })
    );
    // The LLM call runs from the previous step's stamp to its own.
    let start = find(&evs, EventKind::Start, "atif:0:s2:llm");
    assert_eq!(start.ts_us, Some(1_793_610_001_000_000));
    assert_eq!(llm.ts_us, Some(1_793_610_004_000_000));
    // NAT invocation times win for the tool call.
    let tool = find(&evs, EventKind::End, "atif:0:s2:t0");
    assert_eq!(tool.ts_us, Some(1_793_610_005_900_000));
    assert_eq!(tool.tool_call_id.as_deref(), Some("toolu_a1"));
    assert!(!tool.failure.is_error());
    // Without invocation times a tool call ends at the next step's stamp.
    let spawn = find(&evs, EventKind::End, "atif:0:s3:t0");
    assert_eq!(spawn.ts_us, Some(1_793_610_090_000_000));
    // The subagent nests under the tool call that started it; its model is its agent's.
    let sub = find(&evs, EventKind::Start, "atif:0:s3:t0:sub1");
    assert_eq!(sub.parent.as_deref(), Some("atif:0:s3:t0"));
    assert_eq!(sub.name, "patcher");
    let sub_llm = find(&evs, EventKind::Start, "atif:0:s3:t0:sub1:s1:llm");
    assert_eq!(sub_llm.model.as_deref(), Some("claude-haiku-4-5"));
    let edit = find(&evs, EventKind::End, "atif:0:s3:t0:sub1:s1:t0");
    assert!(edit.failure.is_error());
    let llms = evs
        .iter()
        .filter(|e| e.kind == EventKind::End && e.category == Some(Category::Llm))
        .count();
    assert_eq!(llms, 4);
    let marks = evs.iter().filter(|e| e.kind == EventKind::Mark).count();
    assert_eq!(marks, 3);
}

#[test]
fn exclusive_cached_counts_and_relay_cache() {
    let m = serde_json::json!({"prompt_tokens": 40, "completion_tokens": 116, "cached_tokens": 300,
        "extra": {"cache_creation_input_tokens": 12}});
    let t = metrics::tokens(&m, false).unwrap();
    assert_eq!(
        (t.input, t.cache_read, t.cache_write),
        (Some(352), Some(300), Some(12))
    );
    let relay =
        serde_json::json!({"prompt_tokens": 352, "completion_tokens": 116, "cached_tokens": 312});
    let t = metrics::tokens(&relay, true).unwrap();
    assert_eq!(
        (t.input, t.cache_read, t.cache_write),
        (Some(352), Some(312), None)
    );
    assert_eq!(
        metrics::tokens(&serde_json::json!({"cost_usd": 0.1}), false),
        None
    );
}

#[test]
fn dispatch_steps_have_no_llm_and_external_refs_are_marks() {
    let doc = r#"{"schema_version":"ATIF-v1.7","agent":{"name":"a","version":"1"},"steps":[
      {"step_id":1,"source":"agent","llm_call_count":0,
       "tool_calls":[{"tool_call_id":"c1","function_name":"f","arguments":{},
                      "extra":{"invocation":{"status":"error"}}}],
       "observation":{"results":[{"source_call_id":"c1","content":"x",
                      "subagent_trajectory_ref":[{"trajectory_path":"child.json"}]}]}}]}"#;
    let evs = read(doc);
    assert!(!evs.iter().any(|e| e.category == Some(Category::Llm)));
    assert!(
        find(&evs, EventKind::End, "atif:0:s0:t0")
            .failure
            .is_error()
    );
    let m = evs.iter().find(|e| e.kind == EventKind::Mark).unwrap();
    assert_eq!(m.name, "subagent trajectory child.json");
    assert_eq!(m.parent.as_deref(), Some("atif:0:s0:t0"));
}

#[test]
fn sniff_rules() {
    let v: Value = serde_json::from_str(EXAMPLE).unwrap();
    assert_eq!((DIALECT.document)(&v), Claim::Strong);
    assert_eq!((crate::greentic::DIALECT.document)(&v), Claim::No);
    for bad in [
        r#"{"schema_version":"ATIF-1.7","agent":{},"steps":[]}"#,
        r#"{"schema_version":"ATIF-v1.7x","agent":{},"steps":[]}"#,
        r#"{"schema_version":"ATIF-v1.7","steps":[]}"#,
        r#"{"schema_version":"ATIF-v1.7","agent":{},"steps":[{"step_id":"1","source":"agent"}]}"#,
        r#"{"schema_version":"ATIF-v1.7","agent":{},"steps":[{"step_id":1,"source":"tool"}]}"#,
        r#"{"trace_version":1,"flow":{"id":"f"},"steps":[{"node_id":"n","duration_ms":3}]}"#,
    ] {
        let v: Value = serde_json::from_str(bad).unwrap();
        assert_eq!((DIALECT.document)(&v), Claim::No, "{bad}");
    }
    let greentic: Value =
        serde_json::from_str(r#"{"trace_version":1,"flow":{"id":"f"},"steps":[{"node_id":"n"}]}"#)
            .unwrap();
    assert_eq!(
        (crate::greentic::DIALECT.document)(&greentic),
        Claim::Strong
    );
    assert_eq!((DIALECT.document)(&greentic), Claim::No);
    let head = "{\n  \"schema_version\": \"ATIF-v1.2\",\n  \"agent\": {\"name\": \"h\"},\n  \"steps\": [\n    {\"step_id\": 1, \"message\": \"cut";
    assert_eq!(sniff_head(head), Claim::Strong);
    assert_eq!((crate::greentic::DIALECT.partial_document)(head), Claim::No);
    assert_eq!(sniff_head(&head.replace("ATIF-v1.2", "1.2")), Claim::No);
}

#[test]
fn malformed_documents_are_errors_not_panics() {
    let mut out = |_: Event<'_>| {};
    for bad in [
        "[]",
        "{",
        r#"{"schema_version":"ATIF-v1.7"}"#,
        r#"{"steps":[]}"#,
    ] {
        assert!(
            AtifReader
                .read(bad.as_bytes(), SourceRef::default(), &mut out)
                .is_err()
        );
    }
    // Odd shapes inside an ATIF document are tolerated.
    let odd = r#"{"schema_version":"ATIF-v1.7","agent":3,"steps":[1,{"source":"agent","tool_calls":[7],
      "observation":{"results":[{"subagent_trajectory_ref":[{"trajectory_id":"none"}]}]},
      "metrics":{"prompt_tokens":-1}}],"subagent_trajectories":[{"trajectory_id":"x","steps":[]}]}"#;
    assert!(!read(odd).is_empty());
}
