//! A tmux server on a private socket for real-terminal tests and benches: keys go in with
//! `send-keys`, the screen comes back with `capture-pane`.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

/// A tmux server on a private socket, killed on drop.
pub struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    /// Polls the screen every `poll` until `pred` holds; `None` after `timeout`.
    pub fn poll(
        &self,
        timeout: Duration,
        poll: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return Some(s);
            }
            if start.elapsed() >= timeout {
                return None;
            }
            std::thread::sleep(poll);
        }
    }

    /// Polls the screen until `pred` holds; panics with the last screen after the timeout.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        match self.poll(TIMEOUT, POLL, &pred) {
            Some(s) => s,
            None => panic!("timed out waiting for {what}; screen:\n{}", self.screen()),
        }
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// A shell in a fresh `w`×`h` tmux server, or `None` when tmux is not installed.
pub fn shell_sized(name: &str, w: u16, h: u16) -> Option<Tmux> {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed: skipping the real-terminal test");
        return None;
    }
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
            env!("CARGO_MANIFEST_DIR"),
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

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
