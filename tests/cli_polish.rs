//! CLI polish: `summary -` reads stdin to its end, a mistyped subcommand gets "did you mean",
//! `help --help` works, `--help` examples are aligned (or each description under its command
//! when narrow), and `diff`'s usage names its two files.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{ATOF, bin, path};

#[test]
fn summary_dash_reads_stdin_to_its_end() {
    let mut child = bin()
        .args(["summary", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(path(ATOF)).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["runs"].as_array().unwrap().len(), 3, "{doc}");
    let file = bin().args(["summary", "--json", ATOF]).output().unwrap();
    let from_file: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    assert_eq!(doc["totals"], from_file["totals"]);
}

#[test]
fn a_mistyped_subcommand_gets_did_you_mean() {
    let out = bin().arg("sumary").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `trace-tui summary`"), "{err}");
    // A name far from every subcommand is a missing file, plainly.
    let out = bin().arg("zzzzzzzz.jsonl").output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("did you mean"));
}

#[test]
fn help_help_and_aligned_examples_and_diff_usage() {
    let out = bin().args(["help", "--help"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
    let wide = bin().arg("--help").env("COLUMNS", "160").output().unwrap();
    let text = String::from_utf8_lossy(&wide.stdout).into_owned();
    let cols: Vec<usize> = text
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .filter_map(|l| l.find("  ").and_then(|_| l[2..].find("  ")))
        .collect();
    assert!(cols.len() >= 8, "{text}");
    assert!(cols.iter().all(|&c| c >= cols[0] - 2), "{text}");
    let narrow = bin().arg("--help").env("COLUMNS", "60").output().unwrap();
    let text = String::from_utf8_lossy(&narrow.stdout).into_owned();
    assert!(
        text.contains("\n  trace-tui demo\n      a live agent session"),
        "{text}"
    );
    let out = bin().args(["diff", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("<A> [B]\n"));
}

#[test]
fn export_writes_a_run_as_markdown_or_json() {
    let out = bin()
        .args(["export", &format!("{ATOF}#research-agent"), "--md"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# research-agent\n"), "{md}");
    assert!(
        md.contains("status **error** · 2 LLM calls · 2 tool calls"),
        "{md}"
    );
    assert!(
        md.contains("> **error:** HTTP 503 from search backend"),
        "{md}"
    );
    // The words as prose (the question asked, the answer given), the records folded below.
    assert!(
        md.contains(
            "**question:**\n\n> What changed in the Q3 pricing of the top three vector databases?\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("**answer:**\n\n> Only Pinecone's pricing could be confirmed.\n"),
        "{md}"
    );
    assert!(md.contains("<details><summary>records</summary>"), "{md}");
    assert!(md.contains("gpt-4.1 · 1.500s · tokens in 812"), "{md}");
    let out = bin()
        .args(["export", &format!("{ATOF}#2"), "--json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["name"], "research-agent");
    let kids = doc["children"].as_array().unwrap();
    assert_eq!(kids.len(), 5, "{doc}");
    assert!(
        kids.iter()
            .any(|k| k["error"] == "HTTP 503 from search backend")
    );
    let out = bin()
        .args(["export", &format!("{ATOF}#nope")])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no run \"nope\""));
}
