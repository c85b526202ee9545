//! OTLP/HTTP trace receiver: the one library crate with a network and tokio.
//!
//! [`serve`] binds `POST /v1/traces` (OTLP/HTTP, protobuf or JSON bodies, gzip accepted), turns every
//! accepted request into one OTLP/JSON line — the format the OpenTelemetry Collector's `file`
//! exporter writes, so the `otlp` reader and `--follow` read a recording like any Collector file —
//! appends it to the record file when one is given, and hands it to the app through a bounded
//! queue ([`Lines`]) that the non-async side reads. The 200 is sent only after the line is written,
//! so nothing acknowledged is lost; a full queue answers 429 with `Retry-After`, it never grows.
//!
//! Why these crates: `tokio` is the runtime hyper and axum are built on, kept on its own threads
//! here so the rest of the workspace stays synchronous; `axum` (on hyper 1.x, both maintained by
//! the tokio project) gives routing with correct 404/405 answers and HTTP/1.1 keep-alive without
//! hand-written connection code; `opentelemetry-proto` is the OpenTelemetry project's own generated
//! wire types (prost for protobuf, serde with the OTLP/JSON mapping: hex ids, decimal-string
//! nanoseconds, integer enums), so both encodings decode to one type and the line written is the
//! canonical JSON; `prost` encodes the protobuf answers; `flate2` inflates gzip bodies as a stream,
//! so the decompression-bomb guard stops reading at the size limit instead of inflating it all;
//! `http-body-util` reads the body with a length limit.
//!
//! Must not touch: the model, the readers, the terminal. It knows OTLP wire types only.

mod auth;
mod decode;
mod http;
mod queue;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

pub use decode::{Decoded, Encoding, decode_body};
pub use queue::{Batch, Lines};

/// The default listen address: loopback only, the OTLP/HTTP port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4318";
/// The default request size limit, compressed and decompressed alike.
pub const DEFAULT_MAX_BODY: usize = 16 << 20;

/// What [`serve`] listens on and how it guards itself.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind; port 0 picks a free one ([`Handle::addr`] tells which).
    pub listen: SocketAddr,
    /// Append each accepted request as one OTLP/JSON line here (created if missing).
    pub record: Option<PathBuf>,
    /// When set, requests must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Largest body accepted, before and after gzip; larger answers 413.
    pub max_body: usize,
    /// Accepted requests the app has not read yet (plus those being written); past it, 429.
    pub queue: usize,
    /// The `Retry-After` sent with 429 and 503.
    pub retry_after: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.parse().expect("a valid address"),
            record: None,
            token: None,
            max_body: DEFAULT_MAX_BODY,
            queue: 256,
            retry_after: Duration::from_secs(1),
        }
    }
}

impl Config {
    /// Whether the listen address is loopback only (the safe default); callers warn otherwise.
    pub fn is_loopback(&self) -> bool {
        self.listen.ip().is_loopback()
    }
}

/// A running receiver. Dropping it stops the server (in-flight writes get two seconds).
pub struct Handle {
    addr: SocketAddr,
    lines: Option<Lines>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The queue of accepted requests, in the order they were written to the record file.
    /// Can be taken once; if it is dropped the server keeps recording and stops queueing.
    pub fn take_lines(&mut self) -> Option<Lines> {
        self.lines.take()
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds the listener (errors such as an address in use are returned here) and starts the
/// server on its own tokio runtime thread.
pub fn serve(config: &Config) -> std::io::Result<Handle> {
    let listener = TcpListener::bind(config.listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let record = match &config.record {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        ),
        None => None,
    };
    let (sink, lines) = queue::bounded(config.queue.max(1), record);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("trace-otlp")
        .enable_all()
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = http::State::new(config, sink);
    let thread = std::thread::Builder::new()
        .name("trace-otlp".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = http::router(state);
                tokio::select! {
                    r = axum::serve(listener, app) => {
                        if let Err(e) = r {
                            eprintln!("trace-otlp: server stopped: {e}");
                        }
                    }
                    _ = stopped => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(2));
        })?;
    Ok(Handle {
        addr,
        lines: Some(lines),
        stop: Some(stop),
        thread: Some(thread),
    })
}
