//! Arbitrary bytes through every reader (forced and sniffed), fed in two pieces, then every
//! query the UI and `summary` make. Must never panic, overflow or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trace_tui::formats::Format;
use trace_tui::ingest::Decoder;
use trace_tui::model::Trace;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| usize::from(*b) % (data.len() + 1));
    for format in [None, Some(Format::Atof), Some(Format::Harn)] {
        let mut trace = Trace::new();
        trace.add_file("fuzz");
        let mut d = Decoder::new(0, Some("fuzz".into()), format);
        d.feed(&data[..split], &mut trace);
        d.feed(&data[split..], &mut trace);
        d.finish(&mut trace);
        exercise(&mut trace, format);
    }
    let mut trace = Trace::new();
    trace.add_file("fuzz");
    Decoder::new(0, None, Some(Format::Greentic)).document(data, Some(i64::from(split as u32)), &mut trace);
    exercise(&mut trace, Some(Format::Greentic));
});

fn exercise(trace: &mut Trace, format: Option<Format>) {
    trace.settle();
    let _ = trace.dump();
    let runs: Vec<_> = trace.runs().collect();
    for r in runs {
        let _ = trace.run_stats(r);
    }
    let _ = trace_tui::summary::summary_json(trace, &format.into_iter().collect::<Vec<_>>());
}
