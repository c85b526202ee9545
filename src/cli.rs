//! The command line: arguments, subcommands and the `--help` text (examples aligned to the
//! terminal's width, the description naming every registered dialect).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use trace_formats::Format;

/// `--help` examples: (command, what it does).
const EXAMPLES: &[(&str, &str)] = &[
    (
        "trace-tui demo",
        "a live agent session, followed as it is written",
    ),
    (
        "trace-tui --follow nemo-relay-events-*.jsonl",
        "tail a growing log (directories and - work too)",
    ),
    (
        "trace-tui assets/atof/agent-session.jsonl",
        "open the explorer (e: first error, ? keys)",
    ),
    (
        "trace-tui summary assets/atof/agent-session.jsonl",
        "runs, statuses, tokens per model",
    ),
    (
        "producer | trace-tui summary -",
        "the same for stdin, read to its end",
    ),
    (
        "trace-tui summary --json logs/*.jsonl | jq .totals",
        "one JSON document for scripts",
    ),
    (
        "trace-tui summary --tree assets/harn/event_log-*.jsonl",
        "indented scope trees",
    ),
    (
        "trace-tui export log.jsonl#research-agent --md",
        "one run as a Markdown transcript (--json: JSON)",
    ),
    (
        "trace-tui diff before.jsonl after.jsonl",
        "align two runs: Δ time, Δ tokens, missing scopes",
    ),
    (
        "trace-tui diff --json log.jsonl --runs codex 2",
        "two runs of one file (id, name or position)",
    ),
    (
        "trace-tui serve --record spans.jsonl",
        "receive OTLP/HTTP traces on 127.0.0.1:4318",
    ),
];

/// The examples aligned in two columns, or each description under its command (indented)
/// when the terminal is too narrow for both on one line.
pub fn examples_text() -> String {
    use std::fmt::Write as _;
    // Built at every start (clap takes it up front), so the terminal is asked by its ioctl
    // alone: `terminal::size` falls back to running `tput cols` and `tput lines` when there
    // is no terminal, two processes that cost a scripted `summary` ~2.6 ms (9% of a 10 MB
    // log's run). Without a terminal the width is 80, what `tput` said then.
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or_else(|| {
            crossterm::terminal::window_size()
                .ok()
                .filter(|w| w.columns > 0)
                .map_or(80, |w| usize::from(w.columns))
        });
    let cmd_w = EXAMPLES
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    let desc_w = EXAMPLES
        .iter()
        .map(|(_, d)| d.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::from("Examples:");
    for (cmd, desc) in EXAMPLES {
        if 2 + cmd_w + 2 + desc_w <= width {
            let _ = write!(out, "\n  {cmd:<cmd_w$}  {desc}");
        } else {
            let _ = write!(out, "\n  {cmd}\n      {desc}");
        }
    }
    out
}

/// The one-line description, naming every registered dialect.
pub fn about_text() -> String {
    let names: Vec<&str> = Format::all().map(Format::as_str).collect();
    format!(
        "Explore LLM-agent traces ({}) in the terminal",
        names.join(", ")
    )
}

#[derive(Parser)]
#[command(
    name = "trace-tui",
    version,
    about = "Explore LLM-agent traces in the terminal",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Longest line read, in bytes; a longer line is skipped with a diagnostic naming it.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = trace_ingest::DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Price catalogue to use instead of the bundled one (genai-prices v2 JSON).
    #[arg(long, global = true, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    #[command(flatten)]
    pub explore: ExploreArgs,
}

/// The default mode: the interactive explorer.
#[derive(Args)]
pub struct ExploreArgs {
    /// Force the dialect instead of detecting it.
    #[arg(long, value_parser = format_parser())]
    pub format: Option<Format>,
    /// Keep reading as the logs grow (live view).
    #[arg(long, short)]
    pub follow: bool,
    /// Receive OTLP/HTTP traces on this address and explore them live (recorded to
    /// `--record`, else a kept temporary file).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = trace_otlp::DEFAULT_LISTEN)]
    pub serve: Option<std::net::SocketAddr>,
    /// With `--serve`: the recording (one OTLP/JSON request per line).
    #[arg(long, value_name = "FILE", requires = "serve")]
    pub record: Option<PathBuf>,
    /// Log files to explore (rotated parts of a named file are read too); none: pick one of
    /// the recent sessions found in ~/.claude/projects, ~/.codex/sessions,
    /// $HARN_EVENT_LOG_DIR and the current directory.
    pub files: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Write a realistic live agent session to a temporary file over ~30 s and follow it.
    Demo {
        /// Write faster (2 = twice as fast).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Keep the log at this path instead of a temporary file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print runs, statuses, token totals and per-model figures, then exit.
    Summary {
        /// Emit exactly one JSON document on stdout.
        #[arg(long)]
        json: bool,
        /// Also print each run's indented scope tree.
        #[arg(long, conflicts_with = "json")]
        tree: bool,
        /// Every run in the text table; with --json each run's critical path, self time and
        /// own tokens, and exemplars by repeated scope name.
        #[arg(long, conflicts_with = "follow")]
        detail: bool,
        /// Force the dialect instead of detecting it.
        #[arg(long, value_parser = format_parser())]
        format: Option<Format>,
        /// Keep reading as the logs grow; print one line (JSON with --json) per run as it completes.
        #[arg(long, short)]
        follow: bool,
        /// Log files (rotated parts of a named file are read too); with --follow also directories and `-` for stdin.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write one run out whole: a Markdown transcript (prompts, answers, tool calls and
    /// results, tokens, errors) or one JSON document.
    #[command(override_usage = "trace-tui export FILE[#RUN] (--md | --json)")]
    Export {
        /// Markdown transcript (the default).
        #[arg(long, conflicts_with = "json")]
        md: bool,
        /// One JSON document: the scope tree with figures and the records.
        #[arg(long)]
        json: bool,
        /// Force the dialect instead of detecting it.
        #[arg(long, value_parser = format_parser())]
        format: Option<Format>,
        /// The log, with `#RUN` (id, name or 1-based position) to pick a run; else the first.
        file: String,
    },
    /// Align two runs by scope path and order; print Δ duration, Δ tokens, missing and extra scopes.
    #[command(override_usage = "trace-tui diff [OPTIONS] <A> [B]")]
    ///
    /// Each file's first run by start time is used unless picked with `FILE#RUN` (a run id,
    /// name or 1-based position) or, for one file, `--runs RUN1 RUN2`.
    Diff {
        /// Emit exactly one JSON document on stdout.
        #[arg(long)]
        json: bool,
        /// Force the dialect instead of detecting it.
        #[arg(long, value_parser = format_parser())]
        format: Option<Format>,
        /// The two runs to compare (ids, names or 1-based positions), in one file or in A and B.
        #[arg(long, num_args = 2, value_names = ["RUN1", "RUN2"])]
        runs: Option<Vec<String>>,
        /// The left log, and the right one (the left again when omitted).
        #[arg(required = true, num_args = 1..=2, value_names = ["A", "B"])]
        files: Vec<String>,
    },
    /// Receive OpenTelemetry traces over OTLP/HTTP (`POST /v1/traces`, protobuf or JSON, gzip)
    /// and append each accepted request to a recording as one OTLP/JSON line.
    Serve {
        /// Address to listen on; anything but loopback prints a warning.
        #[arg(long, default_value = trace_otlp::DEFAULT_LISTEN)]
        listen: std::net::SocketAddr,
        /// Append to this file (a temporary file, printed, when omitted).
        #[arg(long)]
        record: Option<PathBuf>,
        /// Require `Authorization: Bearer TOKEN` (default: $TRACE_TUI_OTLP_TOKEN).
        #[arg(long)]
        token: Option<String>,
    },
}

/// `--format` takes the names of the dialects the formats crate registers.
pub fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Format::all().map(Format::as_str))
        .map(|name| Format::from_name(&name).expect("a listed dialect"))
}

/// The subcommand a mistyped first argument was probably meant to be (`sumary` → `summary`).
pub fn did_you_mean(arg: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, &cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    ["summary", "diff", "demo", "export", "help"]
        .into_iter()
        .map(|c| (distance(&arg.to_lowercase(), c), c))
        .filter(|&(d, c)| d > 0 && d <= 2 && d < c.len() / 2 + 1)
        .min()
        .map(|(_, c)| c)
}
