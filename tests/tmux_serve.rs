//! `trace-tui --serve` in a real terminal: an OTLP/JSON request POSTed over loopback (a plain
//! `TcpStream` client) shows as a run on screen, and `q` quits. Skips when tmux is not installed.

#[path = "otlp/client.rs"]
mod client;
mod tmux;

use std::time::{Duration, Instant};

#[test]
fn a_posted_request_shows_as_a_run_then_q_quits() {
    let Some(t) = tmux::shell_sized("serve", 120, 40) else {
        return;
    };
    let port = tmux::free_port();
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("rec.jsonl");
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    let cmd = format!(
        "'{bin}' --serve 127.0.0.1:{port} --record '{}'; echo SERVE-EXIT-$?",
        record.display()
    );
    t.keys(&[&cmd, "Enter"]);
    t.wait_for("Runs 0");

    let body = include_str!("fixtures/otlp/sdk.otlp.jsonl")
        .lines()
        .next()
        .unwrap();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    let resp = loop {
        match client::request(
            addr,
            "POST",
            "/v1/traces",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        ) {
            Ok(r) => break r,
            Err(e) if start.elapsed() < Duration::from_secs(10) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("no answer from the receiver: {e}\n{}", t.screen()),
        }
    };
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));

    // The request's one chat span (its parent is outside the request) is a run of one call.
    let s = t.wait_for("Runs 1");
    assert!(s.contains("claude-sonnet-4-5"), "{s}");

    t.keys(&["q"]);
    let s = t.wait_for("SERVE-EXIT-0");
    assert!(!s.contains("Runs 1"), "explorer still on screen:\n{s}");
    assert_eq!(std::fs::read_to_string(&record).unwrap().lines().count(), 1);
}
