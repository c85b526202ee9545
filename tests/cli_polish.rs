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
