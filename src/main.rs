//! The `trace-tui` binary: argument parsing and dispatch; everything else lives in the library.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

mod cli;
mod serve_cmd;

use cli::{Cli, Command, ExploreArgs, about_text, did_you_mean, examples_text};
use trace_formats::Format;
use trace_ingest::follow::{self, Target};

mod follow_summary;
use follow_summary::follow_summary;

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
            // File names and messages from the input are untrusted text.
            eprintln!("trace-tui: {}", trace_model::text::clean(&format!("{e:#}")));
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
            detail,
            format,
            follow,
            files,
        } => {
            if follow {
                return follow_summary(&files, format, json);
            }
            let t0 = std::time::Instant::now();
            // The price catalogue (16 M instructions to parse) is read beside the load, not
            // after it.
            std::thread::spawn(trace_report::cost::catalogue);
            let (trace, formats) = if files.len() == 1 && files[0].as_os_str() == "-" {
                read_stdin(format)?
            } else {
                trace_ingest::files::load(&files, format, &mut |_| {})?
            };
            phase_report("load", t0);
            model_report(&trace);
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            if json {
                trace_report::summary::write_summary_json(&mut out, &trace, &formats, detail)?;
            } else {
                trace_report::summary::write_text(&mut out, &trace, &formats, detail || tree)?;
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
            if !json {
                for d in trace_report::summary::warnings_text(&trace, 5) {
                    eprintln!("warning {d}");
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
    // User and system time so far, fields 14 and 15 of `/proc/self/stat` (after the
    // parenthesized command name), in USER_HZ ticks: 100 a second on Linux.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let cpu: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().skip(11).take(2))
        .into_iter()
        .flatten()
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    eprintln!(
        "phase {phase}: {:.3} s, cpu {:.2} s, VmRSS {}, VmHWM {}",
        since.elapsed().as_secs_f64(),
        cpu as f64 / 100.0,
        field("VmRSS:"),
        field("VmHWM:")
    );
}

/// With `TRACE_TUI_PHASES` set, prints the model's reserved bytes by table to stderr.
fn model_report(trace: &trace_model::Trace) {
    if std::env::var_os("TRACE_TUI_PHASES").is_none() {
        return;
    }
    let rows = trace.memory_by_table();
    let total: usize = rows.iter().map(|r| r.1).sum();
    let nodes = trace.node_count().max(1);
    let parts: Vec<String> = rows
        .iter()
        .map(|(name, b)| format!("{name} {} KiB", b / 1024))
        .collect();
    eprintln!(
        "model: {} KiB ({} B/node): {}",
        total / 1024,
        total / nodes,
        parts.join(", ")
    );
}

/// Batches in flight between the follow thread and the UI: a runaway log slows the reader, never the keys.
const FOLLOW_QUEUE: usize = 64;

/// The explorer over the named files.
fn explore(args: &ExploreArgs) -> Result<ExitCode> {
    // The price catalogue is parsed off the screen's thread, before the first cost is drawn.
    std::thread::spawn(trace_report::cost::catalogue);
    // `--serve`: the receiver records every acknowledged request, and the explorer follows the
    // recording like any OTLP file; the handle keeps the server up until the explorer quits.
    let mut _server = None;
    let mut served;
    let args = if let Some(listen) = args.serve {
        if !trace_tui::runtime::has_terminal() {
            anyhow::bail!("the explorer needs a terminal; try `trace-tui serve`");
        }
        let (mut handle, record, _) = serve_cmd::start(listen, args.record.clone(), None)?;
        // The explorer reads the recording, not the queue: with the queue's receiver gone the
        // server only records, so a slow screen never turns requests away with 429s.
        drop(handle.take_lines());
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
