//! The `trace-tui` binary: argument parsing and dispatch; everything else lives in the library.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand};

mod serve_cmd;
use trace_formats::Format;
use trace_ingest::follow::{self, Target};

mod follow_summary;
use follow_summary::follow_summary;

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
fn examples_text() -> String {
    use std::fmt::Write as _;
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .or_else(|| {
            crossterm::terminal::size()
                .ok()
                .map(|(w, _)| usize::from(w))
        })
        .unwrap_or(120);
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
fn about_text() -> String {
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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Longest line read, in bytes; a longer line is skipped with a diagnostic naming it.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = trace_ingest::DEFAULT_MAX_LINE_BYTES)]
    max_line_bytes: usize,
    /// Price catalogue to use instead of the bundled one (genai-prices v2 JSON).
    #[arg(long, global = true, value_name = "FILE")]
    prices: Option<PathBuf>,
    #[command(flatten)]
    explore: ExploreArgs,
}

/// The default mode: the interactive explorer.
#[derive(Args)]
struct ExploreArgs {
    /// Force the dialect instead of detecting it.
    #[arg(long, value_parser = format_parser())]
    format: Option<Format>,
    /// Keep reading as the logs grow (live view).
    #[arg(long, short)]
    follow: bool,
    /// Receive OTLP/HTTP traces on this address and explore them live (recorded to
    /// `--record`, else a kept temporary file).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = trace_otlp::DEFAULT_LISTEN)]
    serve: Option<std::net::SocketAddr>,
    /// With `--serve`: the recording (one OTLP/JSON request per line).
    #[arg(long, value_name = "FILE", requires = "serve")]
    record: Option<PathBuf>,
    /// Log files to explore (rotated parts of a named file are read too); none: pick one of
    /// the recent sessions found in ~/.claude/projects, ~/.codex/sessions,
    /// $HARN_EVENT_LOG_DIR and the current directory.
    files: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
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

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            // `trace-tui summary | head` ends quietly (ripgrep's rule), also when the write
            // failed inside serde_json.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .map(io::Error::kind)
                    .or_else(|| {
                        c.downcast_ref::<serde_json::Error>()
                            .and_then(serde_json::Error::io_error_kind)
                    })
                    == Some(io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("trace-tui: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let version = format!(
        "{} (prices: {})",
        env!("CARGO_PKG_VERSION"),
        trace_report::cost::catalogue_as_of_bundled()
    );
    let mut cmd = Cli::command()
        .about(about_text())
        .after_help(examples_text())
        .version(&*Box::leak(version.into_boxed_str()));
    // `trace-tui help --help` is the top-level help, as `help` alone is.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == "help" && (args[2] == "--help" || args[2] == "-h") {
        cmd.print_long_help()?;
        return Ok(ExitCode::SUCCESS);
    }
    let cli = Cli::from_arg_matches(&cmd.get_matches_mut()).unwrap_or_else(|e| e.exit());
    trace_ingest::set_max_line_bytes(cli.max_line_bytes);
    if let Some(p) = &cli.prices {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the price catalogue {}", p.display()))?;
        let c = trace_prices::Catalogue::from_json(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        trace_report::cost::set_catalogue(c);
    }
    let Some(command) = cli.command else {
        return explore(&cli.explore);
    };
    match command {
        Command::Demo { speed, out } => demo(speed, out),
        Command::Export {
            md: _,
            json,
            format,
            file,
        } => export(&file, format, json),
        Command::Serve {
            listen,
            record,
            token,
        } => serve_cmd::run(listen, record, token),
        Command::Diff {
            json,
            format,
            runs,
            files,
        } => diff(&files, runs.as_deref(), format, json),
        Command::Summary {
            json,
            tree,
            format,
            follow,
            files,
        } => {
            if follow {
                return follow_summary(&files, format, json);
            }
            let t0 = std::time::Instant::now();
            let (trace, formats) = if files.len() == 1 && files[0].as_os_str() == "-" {
                read_stdin(format)?
            } else {
                trace_ingest::files::load(&files, format, &mut |_| {})?
            };
            phase_report("load", t0);
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            if json {
                trace_report::summary::write_summary_json(&mut out, &trace, &formats)?;
            } else {
                trace_report::summary::write_text(&mut out, &trace, &formats)?;
                if tree {
                    writeln!(out)?;
                    for (id, _) in trace_report::summary::runs_by_start(&trace) {
                        write!(out, "{}", trace.dump_run(id))?;
                    }
                }
            }
            out.flush()?;
            phase_report("summary", t0);
            if !json && trace.skipped > 0 {
                for d in trace_report::summary::diagnostics_text(&trace, 5) {
                    eprintln!("skipped {d}");
                }
            }
            if trace.events == 0 && trace.skipped > 0 {
                // Nothing recognised in any input: status 1 (README, "Exit status").
                if !json {
                    eprintln!("trace-tui: no record of any input was recognised");
                }
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `trace-tui export`: one run as Markdown or JSON on stdout.
fn export(arg: &str, format: Option<Format>, json: bool) -> Result<ExitCode> {
    let (file, sel) = split_selector(arg);
    let (trace, _) = trace_ingest::files::load(&[PathBuf::from(file)], format, &mut |_| {})?;
    let run = trace_report::diff::find_run(&trace, sel).ok_or_else(|| match sel {
        Some(s) => anyhow::anyhow!(
            "no run {:?} in {}",
            trace_model::text::clean(s),
            trace_model::text::clean(file)
        ),
        None => anyhow::anyhow!("no runs in {}", trace_model::text::clean(file)),
    })?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &trace_tui::export::json_doc(&trace, run))?;
        writeln!(out)?;
    } else {
        write!(out, "{}", trace_tui::export::markdown(&trace, run))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `summary -`: stdin read to its end and decoded like a file (its dialect sniffed).
fn read_stdin(format: Option<Format>) -> Result<(trace_model::Trace, Vec<Format>)> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    io::stdin().lock().read_to_end(&mut bytes)?;
    let mut trace = trace_model::Trace::new();
    trace.add_file("-");
    let mut d = trace_ingest::Decoder::new(0, Some("-".into()), format);
    d.feed(&bytes, &mut trace);
    d.finish(&mut trace);
    trace.settle();
    Ok((trace, d.format().into_iter().collect()))
}

/// The subcommand a mistyped first argument was probably meant to be (`sumary` → `summary`).
fn did_you_mean(arg: &str) -> Option<&'static str> {
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

/// Splits `file#run`; a path that exists as given is never split.
fn split_selector(arg: &str) -> (&str, Option<&str>) {
    if std::path::Path::new(arg).exists() {
        return (arg, None);
    }
    match arg.rsplit_once('#') {
        Some((file, run)) if !file.is_empty() => (file, Some(run)),
        _ => (arg, None),
    }
}

/// `trace-tui diff`: two runs aligned, as a table or one JSON document.
/// `--format` takes the names of the dialects the formats crate registers.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Format::all().map(Format::as_str))
        .map(|name| Format::from_name(&name).expect("a listed dialect"))
}

fn diff(
    files: &[String],
    runs: Option<&[String]>,
    format: Option<Format>,
    json: bool,
) -> Result<ExitCode> {
    use trace_report::diff::{RunRef, diff_json, find_run, write_diff_text};
    let (left_arg, right_arg) = (files[0].as_str(), files.get(1).unwrap_or(&files[0]));
    let (left_file, left_sel) = split_selector(left_arg);
    let (right_file, right_sel) = split_selector(right_arg);
    if runs.is_some() && (left_sel.is_some() || right_sel.is_some()) {
        anyhow::bail!("give runs either as FILE#RUN or with --runs, not both");
    }
    let left_sel = runs.map_or(left_sel, |r| Some(r[0].as_str()));
    let right_sel = runs.map_or(right_sel, |r| Some(r[1].as_str()));
    if files.len() == 1 && left_sel == right_sel {
        anyhow::bail!("one file needs two runs: --runs RUN1 RUN2, or A#RUN1 A#RUN2");
    }
    let load = |file: &str| -> Result<trace_model::Trace> {
        Ok(trace_ingest::files::load(&[PathBuf::from(file)], format, &mut |_| {})?.0)
    };
    let left = load(left_file)?;
    let right = if files.len() == 1 || left_file == right_file {
        None
    } else {
        Some(load(right_file)?)
    };
    let right = right.as_ref().unwrap_or(&left);
    let pick = |trace: &trace_model::Trace, file: &str, sel: Option<&str>| {
        find_run(trace, sel).ok_or_else(|| match sel {
            Some(s) => anyhow::anyhow!(
                "no run {:?} in {}",
                trace_model::text::clean(s),
                trace_model::text::clean(file)
            ),
            None => anyhow::anyhow!("no runs in {}", trace_model::text::clean(file)),
        })
    };
    let l = pick(&left, left_file, left_sel)?;
    let r = pick(right, right_file, right_sel)?;
    let result = trace_model::diff::diff_runs(&left, l, right, r);
    let (lref, rref) = (
        RunRef::new(left_file, &left, l),
        RunRef::new(right_file, right, r),
    );
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if json {
        let mut esc = trace_report::escape::EscapingWriter::new(&mut out);
        serde_json::to_writer_pretty(
            &mut esc,
            &diff_json((&left, &lref), (right, &rref), &result),
        )?;
        writeln!(esc)?;
        esc.flush()?;
    } else {
        write_diff_text(&mut out, &lref, &rref, &result)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// With `TRACE_TUI_PHASES` set, prints elapsed time and resident memory after a phase to
/// stderr, to see where a summary's time and memory go (README, "Performance").
fn phase_report(phase: &str, since: std::time::Instant) {
    if std::env::var_os("TRACE_TUI_PHASES").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or_else(|| "?".to_owned(), |v| v.trim().to_owned())
    };
    eprintln!(
        "phase {phase}: {:.3} s, VmRSS {}, VmHWM {}",
        since.elapsed().as_secs_f64(),
        field("VmRSS:"),
        field("VmHWM:")
    );
}

/// Batches in flight between the follow thread and the UI: a runaway log slows the reader, never the keys.
const FOLLOW_QUEUE: usize = 64;

/// The explorer over the named files.
fn explore(args: &ExploreArgs) -> Result<ExitCode> {
    // `--serve`: the receiver records every acknowledged request, and the explorer follows the
    // recording like any OTLP file; the handle keeps the server up until the explorer quits.
    let mut _server = None;
    let mut served;
    let args = if let Some(listen) = args.serve {
        if !trace_tui::runtime::has_terminal() {
            anyhow::bail!("the explorer needs a terminal; try `trace-tui serve`");
        }
        let (handle, record, _) = serve_cmd::start(listen, args.record.clone(), None)?;
        _server = Some(handle);
        served = ExploreArgs {
            format: Some(Format::Otlp),
            follow: true,
            serve: None,
            record: None,
            files: args.files.clone(),
        };
        served.files.push(record);
        &served
    } else {
        args
    };
    if args.files.is_empty() {
        // No file: the recent sessions in the usual places, to pick from.
        let Some(path) = trace_tui::discover::choose()? else {
            return Ok(ExitCode::SUCCESS);
        };
        return explore(&ExploreArgs {
            format: args.format,
            follow: args.follow,
            serve: None,
            record: None,
            files: vec![path],
        });
    }
    if let [first, ..] = &args.files[..] {
        let arg = first.to_string_lossy();
        if !first.exists() && arg != "-" {
            if let Some(cmd) = did_you_mean(&arg) {
                anyhow::bail!(
                    "{}: no such file; did you mean `trace-tui {cmd}`?",
                    trace_model::text::clean(&arg)
                );
            }
        }
    }
    let title = args
        .files
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let input = if args.follow {
        let targets = args.files.iter().map(|f| Target::from_arg(f)).collect();
        trace_tui::runtime::ExplorerInput {
            trace: trace_model::Trace::new(),
            formats: args.format.into_iter().collect(),
            updates: Some(follow::spawn(targets, args.format, FOLLOW_QUEUE)),
            live: true,
            title,
        }
    } else {
        // Indexed in the background: the first screen and a progress bar appear at once.
        let rx = trace_ingest::files::spawn_load(args.files.clone(), args.format)?;
        trace_tui::runtime::ExplorerInput {
            trace: trace_model::Trace::new(),
            formats: Vec::new(),
            updates: Some(rx),
            live: false,
            title,
        }
    };
    trace_tui::runtime::run_explorer(input)?;
    Ok(ExitCode::SUCCESS)
}

/// `trace-tui demo`: a scripted session written live to a file, explored through `--follow`.
fn demo(speed: f64, out: Option<PathBuf>) -> Result<ExitCode> {
    // Before the writer starts: no file is left behind when there is nothing to show it on.
    if !trace_tui::runtime::has_terminal() {
        anyhow::bail!("the explorer needs a terminal; try `trace-tui summary FILE`");
    }
    let keep = out.is_some();
    let path = out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("trace-tui-demo-{}.jsonl", std::process::id()))
    });
    if !keep {
        // A fresh file each time; a stale one from a crashed demo would mix two sessions.
        let _ = std::fs::remove_file(&path);
    }
    let writer_path = path.clone();
    std::thread::Builder::new()
        .name("demo-writer".into())
        .spawn(move || {
            if let Err(e) = trace_tui::demo::write_live(&writer_path, speed) {
                eprintln!(
                    "trace-tui demo: cannot write {}: {e}",
                    writer_path.display()
                );
            }
        })?;
    // Removed however the explorer ends: a return, an error, or a panic unwinding through.
    let _cleanup = (!keep).then(|| RemoveOnDrop(path.clone()));
    explore(&ExploreArgs {
        format: None,
        follow: true,
        serve: None,
        record: None,
        files: vec![path.clone()],
    })
}

/// Deletes a file when dropped (the demo's temporary log).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
