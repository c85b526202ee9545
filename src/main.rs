//! The `trace-tui` binary: argument parsing and dispatch; everything else lives in the library.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use trace_tui::formats::Format;

const EXAMPLES: &str = "\
Examples:
  trace-tui summary assets/atof/agent-session.jsonl      runs, statuses, tokens per model
  trace-tui summary --json logs/*.jsonl | jq .totals       one JSON document for scripts
  trace-tui summary --tree assets/harn/event_log-*.jsonl   indented scope trees";

#[derive(Parser)]
#[command(name = "trace-tui", version, about = "Explore LLM-agent event logs (ATOF, harn, greentic) in the terminal", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print runs, statuses, token totals and per-model figures, then exit.
    Summary {
        /// Emit exactly one JSON document on stdout.
        #[arg(long)]
        json: bool,
        /// Also print each run's indented scope tree.
        #[arg(long, conflicts_with = "json")]
        tree: bool,
        /// Force the dialect instead of detecting it.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Log files (rotated parts of a named file are read too).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("trace-tui: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Summary {
            json,
            tree,
            format,
            files,
        } => {
            let (trace, formats) = trace_tui::ingest::files::load(&files, format, &mut |_| {})?;
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            if json {
                serde_json::to_writer_pretty(
                    &mut out,
                    &trace_tui::summary::summary_json(&trace, &formats),
                )?;
                writeln!(out)?;
            } else {
                trace_tui::summary::write_text(&mut out, &trace, &formats)?;
                if tree {
                    writeln!(out)?;
                    for (id, _) in trace_tui::summary::runs_by_start(&trace) {
                        write!(out, "{}", trace.dump_run(id))?;
                    }
                }
            }
            out.flush()?;
            if !json && trace.skipped > 0 {
                for d in trace_tui::summary::diagnostics_text(&trace, 5) {
                    eprintln!("skipped {d}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
