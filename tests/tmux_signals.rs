//! Every catchable signal restores the terminal, and `demo` removes its temporary log on
//! each way out (issue #12, findings 6 and 11): the explorer in tmux. Skips without tmux.

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

    fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// A shell in a fresh tmux server, or `None` when tmux is not installed.
fn shell(name: &str) -> Option<Tmux> {
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
            "120",
            "-y",
            "40",
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

/// The explorer's pid: the shell's only child in the pane.
fn explorer_pid(t: &Tmux) -> String {
    let shell_pid = t.run(&["display-message", "-p", "-t", "smoke", "#{pane_pid}"]);
    let shell_pid = String::from_utf8_lossy(&shell_pid.stdout).trim().to_owned();
    let child = Command::new("pgrep")
        .args(["-P", &shell_pid])
        .output()
        .expect("pgrep runs");
    let child = String::from_utf8_lossy(&child.stdout).trim().to_owned();
    assert!(!child.is_empty(), "no explorer process under the shell");
    child
}

fn restored(t: &Tmux, signal: &str, marker: &str, screen_text: &str) {
    let s = t.wait(marker, |s| s.lines().any(|l| l.trim() == marker));
    assert!(
        !s.contains(screen_text),
        "explorer still on screen after SIG{signal}:\n{s}"
    );
    let alt = t.run(&["display-message", "-p", "-t", "smoke", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alt.stdout).trim(),
        "0",
        "SIG{signal}: alternate screen not left"
    );
    t.keys(&["clear", "Enter"]);
    t.wait("cleared", |s| {
        !s.contains(screen_text) && !s.contains(marker)
    });
}

#[test]
fn sigquit_sigusr1_sigusr2_and_sigalrm_restore_the_terminal() {
    let Some(t) = shell("more-signals") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    for signal in ["QUIT", "USR1", "USR2", "ALRM"] {
        let marker = format!("SIGNAL-EXIT-{signal}");
        let cmd = format!("'{bin}' assets/atof/agent-session.jsonl; echo SIGNAL-EXIT-{signal}");
        t.keys(&[&cmd, "Enter"]);
        t.wait_for("Runs 3");
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &explorer_pid(&t)])
            .status()
            .unwrap();
        assert!(killed.success());
        restored(&t, signal, &marker, "Runs 3");
    }
    t.keys(&["stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | sort | tr '\\n' ' '; echo STTY-$((40 + 2))", "Enter"]);
    let s = t.wait_for("STTY-42");
    assert!(s.contains("echo icanon"), "terminal left in raw mode:\n{s}");
}

#[test]
fn demo_removes_its_temporary_log_on_a_signal() {
    let Some(t) = shell("demo-signal") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_trace-tui");
    for signal in ["TERM", "QUIT"] {
        let marker = format!("DEMO-EXIT-{signal}");
        t.keys(&[
            &format!("'{bin}' demo --speed 4; echo DEMO-EXIT-{signal}"),
            "Enter",
        ]);
        t.wait_for("Runs");
        let pid = explorer_pid(&t);
        let tmp = std::env::temp_dir().join(format!("trace-tui-demo-{pid}.jsonl"));
        let start = Instant::now();
        while !tmp.exists() {
            assert!(
                start.elapsed() < TIMEOUT,
                "no demo log at {}",
                tmp.display()
            );
            std::thread::sleep(POLL);
        }
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        restored(&t, signal, &marker, "Runs");
        assert!(!tmp.exists(), "SIG{signal}: demo left {}", tmp.display());
    }
}
