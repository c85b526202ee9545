//! The only place that touches the terminal. Input events (from an input thread), ingest
//! messages (forwarded from the feed) and signals merge into one channel; the loop drains
//! everything pending, applies it through `app::update`, and draws at most once per frame and
//! only when something changed. Idle means blocked on the channel: no redraws, no polling —
//! except while following, when a one-second tick keeps open runs' durations running.

use std::io::stdout;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, MouseButton, MouseEventKind,
};

use crate::app::{self, Action, App, Feed, keymap};
use trace_formats::Format;
use trace_ingest::IngestMsg;
use trace_model::Trace;

/// Shortest time between two frames (60 fps).
pub const FRAME: Duration = Duration::from_micros(16_667);
/// Messages applied before a frame is drawn anyway, so a flood of events cannot starve keys.
const MAX_DRAIN: usize = 4096;
/// Set in the environment, makes the explorer panic after its first frame (tests only).
pub const PANIC_HOOK_VAR: &str = "TRACE_TUI_TEST_PANIC";
/// Longest the loop spends applying queued messages before it draws.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);
/// How often the running durations of live runs are refreshed.
const TICK: Duration = Duration::from_secs(1);

fn wall_clock_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
/// Capacity of the merged channel: a runaway feed waits, the keyboard does not.
const CHANNEL: usize = 1024;

/// What the explorer opens with.
pub struct ExplorerInput {
    /// Already loaded (may be empty).
    pub trace: Trace,
    pub formats: Vec<Format>,
    /// Live follow feed; `None` for a file read once.
    pub updates: Option<Receiver<IngestMsg>>,
    /// Shown in the status bar, e.g. file names.
    pub title: String,
    /// More events will keep arriving (follow); otherwise `updates` only delivers a load.
    pub live: bool,
}

enum Msg {
    Input(Event),
    Ingest(IngestMsg),
    /// Figures a worker thread computed.
    Stats(Box<app::WorkDone>),
    /// Ingest messages are waiting in their own queue.
    Wake,
    Quit,
}

/// Restores the terminal on every way out of [`run_explorer`], including early returns.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = crossterm::execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Runs the interactive explorer until the user quits.
pub fn run_explorer(input: ExplorerInput) -> Result<()> {
    let ExplorerInput {
        trace,
        formats,
        updates,
        title,
        live,
    } = input;
    if !has_terminal() {
        anyhow::bail!("the explorer needs a terminal; try `trace-tui summary FILE`");
    }
    let mut app = App::new(trace, formats, title, live);
    if updates.is_some() && !live {
        // A load in the background: until its first progress report, the screen says it is
        // reading rather than that the input is empty.
        app.progress = Some((0, 0));
    }
    let (tx, rx) = mpsc::sync_channel::<Msg>(CHANNEL);
    let jobs = spawn_figures_worker(tx.clone());
    app.set_offload(jobs.is_some());
    // Ingest has its own queue, so a key never waits behind a backlog of batches: the loop
    // takes every key first, then batches for at most `DRAIN_BUDGET`. The forward thread only
    // wakes the loop (a dropped wake-up is harmless: the loop drains this queue each turn).
    let (ingest_tx, ingest_rx) = mpsc::sync_channel::<IngestMsg>(CHANNEL);
    if let Some(updates) = updates {
        let tx = tx.clone();
        thread::Builder::new()
            .name("ingest-forward".into())
            .spawn(move || {
                for m in updates {
                    if ingest_tx.send(m).is_err() {
                        break;
                    }
                    let _ = tx.try_send(Msg::Wake);
                }
            })?;
    } else {
        drop(ingest_tx);
    }
    spawn_signal_watcher(tx.clone());

    // ratatui::init installs a panic hook that restores the terminal before the report prints.
    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
    crossterm::execute!(stdout(), EnableMouseCapture).context("cannot enable mouse capture")?;
    {
        let tx = tx.clone();
        thread::Builder::new().name("input".into()).spawn(move || {
            while let Ok(ev) = event::read() {
                if tx.send(Msg::Input(ev)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Msg::Quit);
        })?;
    }
    drop(tx);

    let size = terminal.size()?;
    app::update(&mut app, Action::Resize(size.width, size.height));
    let mut dirty = true;
    let panic_requested = std::env::var_os(PANIC_HOOK_VAR).is_some();
    let mut next_frame = Instant::now();
    let mut next_tick = Instant::now();
    let mut ingest_pending = false;
    loop {
        // Following: wake once a second so open runs' durations keep running. Otherwise sleep
        // until input or data arrives (no CPU while idle).
        if app.feed != Feed::Static && Instant::now() >= next_tick {
            app::update(&mut app, Action::Tick(wall_clock_us()));
            next_tick = Instant::now() + TICK;
            dirty = true;
        }
        let first = if ingest_pending && !dirty {
            rx.try_recv().map_err(|_| RecvTimeoutError::Timeout)
        } else if dirty {
            rx.recv_timeout(next_frame.saturating_duration_since(Instant::now()))
        } else if app.feed != Feed::Static {
            rx.recv_timeout(next_tick.saturating_duration_since(Instant::now()))
        } else {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        match first {
            Ok(m) => {
                dirty |= handle(&mut app, m);
                // Every key (and worker answer) queued, first.
                for m in rx.try_iter().take(MAX_DRAIN) {
                    dirty |= handle(&mut app, m);
                    if app.quit {
                        break;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Then batches, within a time budget: during a burst the screen and the keys still get
        // their turn every frame; what is left waits in its queue for the next turn.
        ingest_pending = false;
        let budget = Instant::now() + DRAIN_BUDGET;
        while !app.quit {
            if Instant::now() >= budget {
                ingest_pending = true;
                break;
            }
            match ingest_rx.try_recv() {
                Ok(m) => dirty |= handle(&mut app, Msg::Ingest(m)),
                Err(_) => break,
            }
        }
        if app.quit {
            break;
        }
        start_job(&mut app, jobs.as_ref());
        if let Some(seq) = app.clipboard.take() {
            // OSC 52: the terminal sets its clipboard (also over ssh).
            let mut out = stdout();
            let _ = std::io::Write::write_all(&mut out, seq.as_bytes());
            let _ = std::io::Write::flush(&mut out);
        }
        let now = Instant::now();
        if dirty && now >= next_frame {
            app::update(&mut app, Action::Refresh);
            start_job(&mut app, jobs.as_ref());
            terminal
                .draw(|f| crate::ui::render(f, &app))
                .context("cannot draw")?;
            next_frame = now + FRAME;
            dirty = false;
            // Test hook: proves in a real terminal that a panic restores it.
            assert!(!panic_requested, "panic requested by {PANIC_HOOK_VAR}");
        }
    }
    Ok(())
}

/// Whether there is a terminal to draw on and read keys from: stdout is one and the process
/// has a controlling terminal (`/dev/tty`, which crossterm reads keys from). Cron, `ssh`
/// without `-t` and `setsid` have none.
pub fn has_terminal() -> bool {
    use std::io::IsTerminal;
    stdout().is_terminal()
        && std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

/// The thread that computes the tokens view's heavy figures; its answers come back through
/// the merged channel like any other message. `None` when no thread could be started (the
/// app then computes in place).
fn spawn_figures_worker(tx: SyncSender<Msg>) -> Option<mpsc::Sender<app::Work>> {
    let (jobs_tx, jobs_rx) = mpsc::channel::<app::Work>();
    thread::Builder::new()
        .name("figures".into())
        .spawn(move || {
            for job in jobs_rx {
                if tx.send(Msg::Stats(Box::new(job.run()))).is_err() {
                    return;
                }
            }
        })
        .ok()?;
    Some(jobs_tx)
}

/// Hands the figures the app asked for to the worker.
fn start_job(app: &mut App, jobs: Option<&mpsc::Sender<app::Work>>) {
    if let (Some(job), Some(jobs)) = (app.take_job(), jobs) {
        // The worker lives as long as the loop; a send cannot fail before it ends.
        let _ = jobs.send(job);
    }
}

/// Applies one message; returns whether the screen may have changed.
fn handle(app: &mut App, m: Msg) -> bool {
    let action = match m {
        Msg::Quit => Some(Action::Quit),
        Msg::Wake => None,
        // The follow thread's idle heartbeat carries nothing: no redraw (no CPU when idle).
        Msg::Ingest(IngestMsg::Batch(b)) if b.is_empty() => None,
        Msg::Ingest(i) => Some(Action::Ingest(i)),
        Msg::Stats(done) => Some(Action::WorkDone(done)),
        Msg::Input(Event::Key(k)) => keymap::action_for(app, k),
        Msg::Input(Event::Resize(w, h)) => Some(Action::Resize(w, h)),
        Msg::Input(Event::Mouse(me)) => match me.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(me.column, me.row)),
            MouseEventKind::ScrollDown => Some(Action::Scroll(me.column, me.row, 1)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(me.column, me.row, -1)),
            _ => None,
        },
        Msg::Input(_) => None,
    };
    match action {
        Some(a) => {
            app::update(app, a);
            true
        }
        None => false,
    }
}

/// SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM and an external SIGINT end the loop
/// like `q` (in raw mode Ctrl-C is a key), so the terminal is restored on the way out: each
/// of them would otherwise kill the process with the terminal still in raw mode.
fn spawn_signal_watcher(tx: SyncSender<Msg>) {
    let _ = thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{SignalKind, signal};
                    let kinds = [
                        SignalKind::terminate(),
                        SignalKind::hangup(),
                        SignalKind::quit(),
                        SignalKind::user_defined1(),
                        SignalKind::user_defined2(),
                        SignalKind::alarm(),
                    ];
                    let mut streams: Vec<_> =
                        kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
                    let any = async {
                        let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
                        futures_select_all(waits.collect()).await;
                    };
                    tokio::select! {
                        () = any => {}
                        _ = tokio::signal::ctrl_c() => {}
                    }
                }
                #[cfg(not(unix))]
                let _ = tokio::signal::ctrl_c().await;
            });
            let _ = tx.send(Msg::Quit);
        });
}

/// Resolves when the first of `futs` does (a tiny `select_all`, without the futures crate).
async fn futures_select_all<F: std::future::Future + Unpin>(mut futs: Vec<F>) {
    std::future::poll_fn(move |cx| {
        for f in &mut futs {
            if std::pin::Pin::new(f).poll(cx).is_ready() {
                return std::task::Poll::Ready(());
            }
        }
        std::task::Poll::Pending
    })
    .await;
}
