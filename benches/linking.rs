//! Linking cost on the shape that was quadratic (issue #12): a long parent chain, then many
//! children that arrive before their parents, each late parent attached at the chain's
//! bottom. `cargo bench --bench linking` applies it at three sizes through `Trace::apply` and
//! prints the time per event, which stays flat when linking is O(log n) amortized.

use std::borrow::Cow;
use std::time::Instant;

use trace_model::Trace;
use trace_model::event::{Category, Event, EventKind};

fn start(trace: &mut Trace, id: String, parent: Option<String>, ts: i64, name: &'static str) {
    let mut e = Event::new(EventKind::Start, Cow::Owned(id), Cow::Borrowed(name));
    e.parent = parent.map(Cow::Owned);
    e.ts_us = Some(ts);
    e.category = Some(Category::Function);
    trace.apply(&e);
}

fn main() {
    for n in [40_000u32, 80_000, 160_000] {
        let t0 = Instant::now();
        let mut trace = Trace::new();
        let ts = 1_700_000_000_000_000i64;
        let mut prev = None;
        for i in 0..n {
            let id = format!("c{i}");
            start(
                &mut trace,
                id.clone(),
                prev.take(),
                ts + i64::from(i),
                "chain",
            );
            prev = Some(id);
        }
        let bottom = prev.unwrap();
        for i in 0..n {
            let t = ts + i64::from(n + i);
            start(&mut trace, format!("k{i}"), Some(format!("p{i}")), t, "kid");
            start(
                &mut trace,
                format!("p{i}"),
                Some(bottom.clone()),
                t,
                "late-parent",
            );
        }
        trace.settle();
        let el = t0.elapsed();
        let events = 3 * u64::from(n);
        println!(
            "chain {n:>7} + {n:>7} late parents: {events:>7} events in {:>7.1} ms ({:.0} ns/event), {} runs",
            el.as_secs_f64() * 1e3,
            el.as_nanos() as f64 / events as f64,
            trace.runs().count()
        );
    }
}
