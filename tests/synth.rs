//! Token counting on realistic data: a synthetic Relay-shaped log read back through the public
//! load path must give exactly the totals the generator wrote.

use std::io::Write;

use trace_ingest::files::load;
use trace_model::stats::{RunStatus, TokenSum, Totals};
use trace_report::summary::{runs_by_start, summary_json};
use trace_synth::{Expected, Target, generate};

fn check(seed: u64, events: u64) -> Expected {
    let mut file = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    let exp = generate(seed, Target::Events(events), &mut file).unwrap();
    file.flush().unwrap();
    let (trace, formats) = load(&[file.path().to_path_buf()], None, &mut |_| {}).unwrap();

    assert_eq!(trace.events, exp.events, "seed {seed}: events");
    assert_eq!(
        trace.skipped,
        0,
        "seed {seed}: skipped lines: {:?}",
        trace.diagnostics()
    );
    assert_eq!(
        trace.warnings_count,
        0,
        "seed {seed}: warnings: {:?}",
        trace.warnings()
    );

    let runs = runs_by_start(&trace);
    let totals = Totals::of(runs.iter().map(|(_, s)| s));
    assert_eq!(totals.runs, exp.runs, "seed {seed}: runs");
    assert_eq!(totals.llm_calls, exp.llm_calls, "seed {seed}: llm_calls");
    assert_eq!(totals.tool_calls, exp.tool_calls, "seed {seed}: tool_calls");
    assert_eq!(totals.errors, exp.errors, "seed {seed}: errors");
    let t = &exp.tokens;
    let want = TokenSum {
        input: t.input,
        output: t.output,
        total: t.total,
        cache_read: t.cache_read,
        cache_write: t.cache_write,
        ..totals.tokens
    };
    assert_eq!(totals.tokens, want, "seed {seed}: tokens");
    assert_eq!(
        totals
            .by_status
            .get(&RunStatus::Error)
            .copied()
            .unwrap_or(0),
        exp.error_runs,
        "seed {seed}: error runs"
    );
    assert_eq!(
        totals.by_status.get(&RunStatus::Incomplete),
        None,
        "seed {seed}: incomplete runs"
    );
    let scopes: u64 = runs.iter().map(|(_, s)| s.scopes).sum();
    let marks: u64 = runs.iter().map(|(_, s)| s.marks).sum();
    assert_eq!(
        (scopes, marks),
        (exp.scopes, exp.marks),
        "seed {seed}: scopes, marks"
    );
    for (model, m) in &exp.by_model {
        let got = totals
            .by_model
            .get(model)
            .unwrap_or_else(|| panic!("seed {seed}: model {model} missing"));
        assert_eq!(got.calls, m.calls, "seed {seed}: {model} calls");
        assert_eq!(
            (got.tokens.input, got.tokens.output),
            (m.tokens.input, m.tokens.output),
            "seed {seed}: {model}"
        );
    }
    assert_eq!(
        totals.by_model.len(),
        exp.by_model.len(),
        "seed {seed}: models"
    );

    // The JSON document the CLI prints carries the same figures.
    let bad = exp.check_summary(&summary_json(&trace, &formats));
    assert!(
        bad.is_empty(),
        "seed {seed}: summary --json differs: {bad:#?}"
    );
    exp
}

#[test]
fn synthetic_totals_are_reproduced_exactly() {
    let mut seen = trace_synth::Shapes::default();
    for seed in [1, 2, 3] {
        let s = check(seed, 2_000).shapes;
        seen.openai_calls += s.openai_calls;
        seen.anthropic_calls += s.anthropic_calls;
        seen.data_usage_only += s.data_usage_only;
        seen.no_total_tokens += s.no_total_tokens;
        seen.no_model_name += s.no_model_name;
        seen.chunk_marks += s.chunk_marks;
        seen.int_timestamps += s.int_timestamps;
        seen.function_scopes += s.function_scopes;
        seen.subagents += s.subagents;
        seen.tool_errors += s.tool_errors;
        seen.llm_errors += s.llm_errors + s.error_bodies + s.rejections;
    }
    // Every rule under test was exercised, else the equalities above prove less than they say.
    for (what, n) in [
        ("OpenAI calls", seen.openai_calls),
        ("Anthropic calls", seen.anthropic_calls),
        ("data.usage-only ends", seen.data_usage_only),
        ("usage without total_tokens", seen.no_total_tokens),
        ("LLM scopes without model_name", seen.no_model_name),
        ("llm.chunk marks", seen.chunk_marks),
        ("integer timestamps", seen.int_timestamps),
        ("function scopes", seen.function_scopes),
        ("sub-agents", seen.subagents),
        ("tool errors", seen.tool_errors),
        ("LLM errors, error bodies, rejections", seen.llm_errors),
    ] {
        assert!(n > 0, "no {what} in the generated logs");
    }
}
