//! `trace-tui serve`: the OTLP/HTTP receiver in the foreground, one stderr line per request.
//!
//! The explorer's `--serve` starts the same receiver ([`start`]) and follows its recording with
//! the `otlp` reader, so what is shown is exactly what was acknowledged.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// The environment variable that carries the bearer token when `--token` is not given.
pub const TOKEN_ENV: &str = "TRACE_TUI_OTLP_TOKEN";

/// Starts the receiver recording to `record` (a kept temporary file when `None`): the
/// listener is bound before this returns. Gives the handle, the recording's path and whether
/// a token is required.
pub fn start(
    listen: SocketAddr,
    record: Option<PathBuf>,
    token: Option<String>,
) -> Result<(trace_otlp::Handle, PathBuf, bool)> {
    let token = token
        .or_else(|| std::env::var(TOKEN_ENV).ok())
        .filter(|t| !t.is_empty());
    let record = if let Some(p) = record {
        p
    } else {
        let (_, path) = tempfile::Builder::new()
            .prefix("trace-tui-otlp-")
            .suffix(".jsonl")
            .tempfile()
            .context("creating the temporary recording")?
            .keep()
            .context("keeping the temporary recording")?;
        path
    };
    let config = trace_otlp::Config {
        listen,
        record: Some(record.clone()),
        token,
        ..trace_otlp::Config::default()
    };
    if !config.is_loopback() {
        eprintln!(
            "trace-tui serve: warning: listening on {listen}, reachable from other machines{}",
            if config.token.is_some() {
                ""
            } else {
                "; no token set (--token or TRACE_TUI_OTLP_TOKEN)"
            }
        );
    }
    let has_token = config.token.is_some();
    let handle = trace_otlp::serve(&config).with_context(|| format!("listening on {listen}"))?;
    Ok((handle, record, has_token))
}

pub fn run(listen: SocketAddr, record: Option<PathBuf>, token: Option<String>) -> Result<ExitCode> {
    let (mut handle, record, has_token) = start(listen, record, token)?;
    let lines = handle.take_lines().expect("lines are taken once");
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "trace-tui serve: listening on http://{}/v1/traces{}, recording to {}",
        handle.addr(),
        if has_token {
            " (bearer token required)"
        } else {
            ""
        },
        record.display()
    )?;
    let (mut requests, mut spans) = (0u64, 0u64);
    for batch in lines {
        requests += 1;
        spans += batch.spans as u64;
        let rejected = if batch.rejected > 0 {
            format!(", {} rejected", batch.rejected)
        } else {
            String::new()
        };
        writeln!(
            err,
            "request {requests}: {} spans in {} traces{rejected} (total {spans} spans)",
            batch.spans, batch.traces
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
