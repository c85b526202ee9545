//! The explorer's first screens in a real terminal: `trace-tui FILE` in a detached tmux
//! session (120x40), its pane read with `capture-pane` every few milliseconds. Times are
//! from the spawn, so they include tmux starting the program (a few ms) and the polling step.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// When the first frame, the first run row and the end of indexing were on the screen.
pub struct Screen {
    pub first_frame: Duration,
    pub first_run: Option<Duration>,
    pub indexed: Option<Duration>,
}

fn tmux(args: &[&str]) -> Option<String> {
    let out = Command::new("tmux")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `None` without tmux, or when nothing was drawn within the time limit.
pub fn first_screens(bin: &str, path: &Path, limit: Duration) -> Option<Screen> {
    let session = format!("shapes-{}", std::process::id());
    let cmd = format!("{bin} '{}'", path.display());
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ])?;
    let t0 = Instant::now();
    let (mut first_frame, mut first_run, mut indexed, mut indexing) = (None, None, None, false);
    while t0.elapsed() < limit {
        let Some(screen) = tmux(&["capture-pane", "-p", "-t", &session]) else {
            break;
        };
        let now = t0.elapsed();
        if first_frame.is_none() && screen.contains("Runs") {
            first_frame = Some(now);
        }
        // A run row starts with its status glyph.
        if first_run.is_none()
            && screen
                .lines()
                .any(|l| l.contains("┃✓") || l.contains("┃✗") || l.contains("┃…"))
        {
            first_run = Some(now);
        }
        if screen.contains("indexing") {
            indexing = true;
        } else if indexing && screen.contains("events") {
            indexed = Some(now);
            break;
        } else if !indexing && first_run.is_some() && now > Duration::from_secs(1) {
            // A small file is indexed before any progress is shown: its first rows are all.
            indexed = first_run;
            break;
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    let _ = tmux(&["kill-session", "-t", &session]);
    Some(Screen {
        first_frame: first_frame?,
        first_run,
        indexed,
    })
}
