//! Writes deterministic synthetic OTLP/JSON trace lines and prints what a summary must report.
//!
//! ```text
//! cargo run --release --example gen_otlp -- 200M /tmp/otlp-200m.otlp.jsonl [SEED]
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use trace_synth::parse_size;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(size), Some(path)) = (args.first().and_then(|s| parse_size(s)), args.get(1)) else {
        eprintln!("usage: gen_otlp SIZE PATH [SEED]");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let out = match File::create(path) {
        Ok(f) => BufWriter::with_capacity(1 << 20, f),
        Err(e) => {
            eprintln!("gen_otlp: cannot create {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match trace_synth::otlp::generate(seed, size, out) {
        Ok(exp) => {
            // A closed stdout (piped to `head`) is not an error of the generator.
            let _ = writeln!(std::io::stdout(), "{exp:#?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_otlp: {e}");
            ExitCode::FAILURE
        }
    }
}
