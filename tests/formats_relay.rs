//! One NeMo Relay 0.10.4 session written at once as ATOF (its ATOF exporter) and as OTLP/JSON
//! (its OpenTelemetry file sink, `gen_ai` and `openinference` projections): the three files
//! give the same calls and tokens; only the run still open is absent from OTLP, which exports
//! ended spans. Answers from `tests/fixtures/relay/count.py`.

mod formats_support;

use formats_support::{figures, summary};
use serde_json::{Value, json};
use trace_formats::Format;

const ATOF: &str = "tests/fixtures/relay/relay.atof.jsonl";
const GEN_AI: &str = "tests/fixtures/relay/relay_gen_ai.otlp.jsonl";
const OPENINFERENCE: &str = "tests/fixtures/relay/relay_openinference.otlp.jsonl";
const SERVED: &str = "claude-sonnet-4-5-20250929";

/// count.py on the OTLP files (and on ATOF, with one more run: the open one).
fn counted(runs: u64) -> Value {
    json!({
        "runs": runs, "llm_calls": 2, "tool_calls": 2, "errors": 1,
        "tokens": {"input": 44261, "output": 194, "cache_read": 43600, "cache_write": 640},
        "by_model": {SERVED: {"calls": 2, "input": 44261, "output": 194,
                              "cache_read": 43600, "cache_write": 640}},
    })
}

fn read(file: &str, format: Format) -> Value {
    let (_, doc) = summary(&[file], None);
    assert_eq!(
        doc["format"],
        format.as_str(),
        "{file} sniffed as {}",
        doc["format"]
    );
    assert_eq!(doc["skipped_lines"], 0, "{file}: {}", doc["diagnostics"]);
    figures(&doc)
}

#[test]
fn both_otlp_projections_give_count_py_answers() {
    assert_eq!(read(GEN_AI, Format::Otlp), counted(1));
    assert_eq!(read(OPENINFERENCE, Format::Otlp), counted(1));
}

#[test]
fn atof_gives_the_same_calls_as_otlp_plus_the_open_run() {
    let atof = read(ATOF, Format::Atof);
    let otlp = read(GEN_AI, Format::Otlp);
    assert_eq!(atof["runs"], 2, "the finished run and the open one");
    assert_eq!(otlp["runs"], 1, "OTLP exports ended spans only");
    for k in ["llm_calls", "tool_calls", "errors"] {
        assert_eq!(atof[k], otlp[k], "{k}");
    }
    for k in ["output", "cache_read", "cache_write"] {
        assert_eq!(atof["tokens"][k], otlp["tokens"][k], "tokens.{k}");
    }
}

/// The whole agreement, input tokens included (input = uncached 21 + cache read 43,600 + cache
/// write 640, the one token meaning). The ATOF reader names the calls by
/// `category_profile.model_name` (the requested `claude-sonnet-4-5`) where OTLP has the served
/// model, so by-model rows are compared by their figures.
#[test]
fn atof_gives_the_same_tokens_as_otlp() {
    let atof = read(ATOF, Format::Atof);
    let want = counted(2);
    assert_eq!(atof["tokens"], want["tokens"]);
    let rows: Vec<&Value> = atof["by_model"].as_object().unwrap().values().collect();
    assert_eq!(rows, vec![&want["by_model"][SERVED]]);
}
