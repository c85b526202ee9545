//! Writes a deterministic synthetic ATOF 0.1 log and prints the totals `trace-tui summary`
//! must report for it.
//!
//! ```text
//! cargo run --release --example gen_atof -- --bytes 200M --out /tmp/atof-200m.jsonl
//! cargo run --release --example gen_atof -- --events 2000 --seed 7 --out -
//! ```
//!
//! Sizes take `k`/`M`/`G` (powers of 1000) or `KiB`/`MiB`/`GiB`. With `--out -` the log goes
//! to stdout and the report to stderr.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use trace_synth::{Expected, Target, generate, parse_size};

const USAGE: &str = "usage: gen_atof (--bytes SIZE | --events N) [--seed N] [--out PATH|-]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_atof: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut target = None;
    let mut seed = 42u64;
    let mut out = "-".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--bytes" => {
                target = Some(Target::Bytes(
                    parse_size(&value()?).ok_or("bad --bytes size")?,
                ));
            }
            "--events" => {
                target = Some(Target::Events(
                    value()?.parse().map_err(|_| "bad --events count")?,
                ));
            }
            "--seed" => seed = value()?.parse().map_err(|_| "bad --seed")?,
            "--out" => out = value()?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let target = target.ok_or("give --bytes or --events")?;
    let started = Instant::now();
    let exp = if out == "-" {
        generate(
            seed,
            target,
            BufWriter::with_capacity(1 << 20, io::stdout().lock()),
        )
    } else {
        let f = File::create(&out).map_err(|e| format!("cannot create {out}: {e}"))?;
        generate(seed, target, BufWriter::with_capacity(1 << 20, f))
    }
    .map_err(|e| format!("write failed: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let report = report(&exp, secs);
    if out == "-" {
        eprint!("{report}");
    } else {
        print!("{report}");
        io::stdout().flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn report(e: &Expected, secs: f64) -> String {
    let t = &e.tokens;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "wrote {} bytes ({:.1} MB), {} events, {} runs in {secs:.2} s (seed {}, generator v{})",
        e.bytes,
        e.bytes as f64 / 1e6,
        e.events,
        e.runs,
        e.seed,
        e.generator_version
    );
    let _ = writeln!(
        s,
        "expected totals: runs {} | llm_calls {} | tool_calls {} | errors {} ({} error runs) | \
         tokens input {} output {} total {} cache_read {} cache_write {}",
        e.runs,
        e.llm_calls,
        e.tool_calls,
        e.errors,
        e.error_runs,
        t.input,
        t.output,
        t.total,
        t.cache_read,
        t.cache_write
    );
    let _ = writeln!(
        s,
        "expected (JSON, compare with `trace-tui summary --json FILE | jq .totals`):\n{}",
        serde_json::to_string(e).unwrap_or_default()
    );
    s
}
