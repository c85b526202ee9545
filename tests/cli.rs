//! The binary as scripts use it: exit codes, messages, a closed stdout, `--help`.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::bin;

#[test]
fn closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let mut bytes = Vec::new();
    trace_synth::generate(3, trace_synth::Target::Events(20_000), &mut bytes).unwrap();
    std::fs::write(&path, bytes).unwrap();
    for args in [vec!["summary", "--json"], vec!["summary", "--tree"]] {
        let mut child = bin()
            .args(&args)
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take()); // like `| head -c 64`
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {:?}", out.status);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn missing_file_and_directory_exit_2_with_a_message() {
    let out = bin()
        .args(["summary", "no/such/file.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("trace-tui: cannot open no/such/file.jsonl"),
        "{err}"
    );
    let out = bin()
        .args(["summary", "assets"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("assets is a directory"));
    // The explorer checks its inputs before touching the terminal.
    let out = bin()
        .arg("no/such/file.jsonl")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A file name is untrusted text too (found by a sweep: it reached stderr raw).
    let out = bin()
        .args(["summary", "a\u{1b}[31mb/x.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("trace-tui: cannot open a\\e[31mb/x.jsonl"),
        "{err}"
    );
}

#[test]
fn bad_lines_are_reported_but_the_run_succeeds() {
    let out = bin()
        .args(["summary", "tests/fixtures/atof-odd.jsonl"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped tests/fixtures/atof-odd.jsonl:1: not JSON"),
        "{err}"
    );
    assert!(err.contains("atof-odd.jsonl:2: not a JSON object"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("15 events (atof) in 1 file(s): 5 runs"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "escape sequences from the log reach the terminal"
    );
}

#[test]
fn help_has_examples() {
    let out = bin().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("trace-tui demo"),
        "{help}"
    );
    assert!(help.contains("summary"));
}
