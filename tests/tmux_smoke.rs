//! The explorer in a real terminal: tmux runs it, keys go in with `send-keys`, the screen comes
//! back with `capture-pane`. Skips (with a message) when tmux is not installed.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

/// A tmux server on a private socket, killed on drop.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Polls the screen until `pred` holds; panics with the last screen after the timeout.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits for every needle at once (a capture can land mid-frame).
    fn wait_all(&self, needles: &[&str]) -> String {
        self.wait(&needles.join(" + "), |s| {
            needles.iter().all(|n| s.contains(n))
        })
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// A shell in a fresh 120×40 tmux server, or `None` when tmux is not installed.
fn shell(name: &str) -> Option<Tmux> {
    shell_sized(name, 120, 40)
}

/// A shell in a fresh `w`×`h` tmux server, or `None` when tmux is not installed.
fn shell_sized(name: &str, w: u16, h: u16) -> Option<Tmux> {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed: skipping the real-terminal smoke test");
        return None;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let t = Tmux {
        socket: format!("trace-tui-{name}-{}", std::process::id()),
        session: "smoke".to_owned(),
    };
    let ok = t
        .run(&[
            "new-session",
            "-d",
            "-s",
            "smoke",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            "-c",
            root,
            "env",
            "PS1=$ ",
            "TERM=xterm-256color",
            "sh",
        ])
        .status
        .success();
    assert!(ok, "tmux new-session failed");
    t.wait_for("$");
    Some(t)
}

#[test]
fn open_move_scrub_help_quit() {
    let Some(t) = shell("smoke") else { return };
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    let cmd = format!("'{bin}' assets/atof/agent-session.jsonl; echo SMOKE-EXIT-$?");
    t.keys(&[&cmd, "Enter"]);
    t.wait_for("Runs 3");
    // A capture can land mid-frame: wait for the lower pane too (a frame is written top down).
    let s = t.wait_for("Scopes · claude-code");
    assert!(s.contains("research-agent"), "{s}");

    // Focus starts on the runs; Tab moves it to the tree, down the tree the detail follows.
    t.keys(&["Tab", "j"]);
    t.wait_for("agent · turn 1 · Fix the failing test");

    // Timeline: scrub to the start, then two events forward.
    t.keys(&["2"]);
    t.wait_for("Timeline · claude-code");
    t.keys(&["Home"]);
    t.wait_for("event 1/13");
    t.keys(&["Right", "Right"]);
    let s = t.wait_for("event 3/13");
    assert!(s.contains("scrubbing"), "{s}");

    // Help overlay from the key table, then close it.
    t.keys(&["?"]);
    t.wait_for("scrub one event forward");
    t.keys(&["Escape"]);
    t.wait("help closed", |s| !s.contains("scrub one event forward"));

    // Quit: the program exits cleanly and the shell's screen is back.
    t.keys(&["q"]);
    let s = t.wait_for("SMOKE-EXIT-0");
    assert!(!s.contains("Timeline ·"), "explorer still on screen:\n{s}");
    let alt = t.run(&["display-message", "-p", "-t", "smoke", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alt.stdout).trim(),
        "0",
        "alternate screen not left"
    );
}

#[test]
fn a_panic_restores_the_terminal() {
    let Some(t) = shell("panic") else { return };
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    let cmd = format!(
        "{}=1 '{bin}' assets/atof/agent-session.jsonl; echo PANIC-EXIT-$?",
        trace_tui::runtime::PANIC_HOOK_VAR
    );
    t.keys(&[&cmd, "Enter"]);
    // `$?` is expanded only in the output, so this cannot match the typed command.
    let s = t.wait_for("PANIC-EXIT-101");
    assert!(s.contains("panic requested by TRACE_TUI_TEST_PANIC"), "{s}");
    assert!(!s.contains("Runs 3"), "explorer still on screen:\n{s}");
    let alt = t.run(&["display-message", "-p", "-t", "smoke", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alt.stdout).trim(),
        "0",
        "alternate screen not left"
    );
    // Raw mode is off again: the terminal echoes and reads lines.
    t.keys(&["stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | sort | tr '\\n' ' '; echo STTY-$((40 + 2))", "Enter"]);
    let s = t.wait_for("STTY-42");
    assert!(s.contains("echo icanon"), "terminal left in raw mode:\n{s}");
}

#[test]
fn sigterm_and_sigint_restore_the_terminal() {
    let Some(t) = shell("signals") else { return };
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    for (signal, marker) in [("TERM", "SIGNAL-EXIT-TERM"), ("INT", "SIGNAL-EXIT-INT")] {
        let cmd = format!("'{bin}' assets/atof/agent-session.jsonl; echo SIGNAL-EXIT-{signal}");
        t.keys(&[&cmd, "Enter"]);
        t.wait_for("Runs 3");
        // The explorer is the shell's only child in this pane.
        let shell_pid = t.run(&["display-message", "-p", "-t", "smoke", "#{pane_pid}"]);
        let shell_pid = String::from_utf8_lossy(&shell_pid.stdout).trim().to_owned();
        let child = Command::new("pgrep")
            .args(["-P", &shell_pid])
            .output()
            .expect("pgrep runs");
        let child = String::from_utf8_lossy(&child.stdout).trim().to_owned();
        assert!(!child.is_empty(), "no explorer process under the shell");
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child])
            .status()
            .unwrap();
        assert!(killed.success());
        let s = t.wait(marker, |s| s.lines().any(|l| l.trim() == marker));
        assert!(
            !s.contains("Runs 3"),
            "explorer still on screen after SIG{signal}:\n{s}"
        );
        let alt = t.run(&["display-message", "-p", "-t", "smoke", "#{alternate_on}"]);
        assert_eq!(
            String::from_utf8_lossy(&alt.stdout).trim(),
            "0",
            "SIG{signal}: alternate screen not left"
        );
        t.keys(&["clear", "Enter"]);
        t.wait("cleared", |s| !s.contains("Runs 3") && !s.contains(marker));
    }
    t.keys(&["stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | sort | tr '\\n' ' '; echo STTY-$((40 + 2))", "Enter"]);
    let s = t.wait_for("STTY-42");
    assert!(s.contains("echo icanon"), "terminal left in raw mode:\n{s}");
}

/// The failed-run story, typed into a real terminal at 140×40 and 80×24: `e` from the runs
/// opens the first failed run's timeline at the failing event with the scopes open then, `3`
/// Tab and `o` sort the run's calls by latency, `Enter` opens the slowest call in the explorer.
#[test]
fn the_failed_run_story() {
    for (w, h) in [(140u16, 40u16), (80, 24)] {
        let Some(t) = shell_sized(&format!("story{w}"), w, h) else {
            return;
        };
        let bin = env!("CARGO_BIN_EXE_trace-tui");
        let cmd = format!("'{bin}' assets/atof/agent-session.jsonl; echo STORY-EXIT-$?");
        t.keys(&[&cmd, "Enter"]);
        let s = t.wait_for("▶Runs 3");
        assert!(
            s.contains("e error") || s.contains("e next error"),
            "no hint:\n{s}"
        );
        // One key: the failed run's timeline at its failing event, with the open-scope stack.
        t.keys(&["e"]);
        let s = t.wait_all(&[
            "Timeline · research-agent",
            "web_search ended after 2.900s",
            "failed: HTTP 503",
            "open at this instant (1)",
            "so far",
        ]);
        let stack = s
            .lines()
            .find(|l| l.contains("so far"))
            .unwrap_or_else(|| panic!("no open scope listed:\n{s}"));
        assert!(stack.contains("research-agent  5.000s so far"), "{stack}");
        // Tokens view: focus the calls, sort by latency (6 columns on from time order).
        t.keys(&["3"]);
        t.wait_for("sort time (o)");
        t.keys(&["Tab"]);
        t.wait_for("▶Calls");
        for _ in 0..6 {
            t.keys(&["o"]);
        }
        let s = t.wait_all(&["sort latency (o)", "Latency by tool"]);
        let calls: Vec<&str> = s
            .lines()
            .skip_while(|l| !l.contains("LATENCY"))
            .skip(1)
            .take(2)
            .collect();
        assert!(
            calls[0].contains("web_search") && calls[0].contains("2.900s"),
            "{s}"
        );
        // Enter: that call in the explorer.
        t.keys(&["Enter"]);
        t.wait_all(&[
            "▶Scopes · research-agent",
            "tool · web_search",
            "latency    2.900s",
        ]);
        t.keys(&["q"]);
        t.wait_for("STORY-EXIT-0");
    }
}
