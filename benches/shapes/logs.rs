//! Writers for the three ATOF log shapes `trace-synth` does not make: scope-heavy (every line
//! a scope, ~400 B, ~5.5 kB a run, each run root named after its session), many small runs
//! (~3.3 kB a run) and one huge run (every scope under one root, each with its own name).
//! Records look like NeMo Relay's (the `trace-synth` generator's spelling); bytes are
//! deterministic for a shape and size.

use std::fmt::Write as _;
use std::io::{self, Write};

/// What a writer produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct Made {
    pub bytes: u64,
    pub lines: u64,
    pub runs: u64,
    pub llm_calls: u64,
    pub tool_calls: u64,
}

/// First timestamp: 2026-06-24T18:00:00Z in epoch microseconds.
const EPOCH_US: i64 = 1_782_324_000_000_000;

const MODELS: [&str; 3] = ["gpt-4.1-mini", "claude-sonnet-4-5", "gpt-4.1"];
const TOOLS: [&str; 4] = ["search_files", "read_file", "run_tests", "apply_patch"];
const FILLER: &str = "value let looks review parser case retry because timeout unused README.md src/parse.rs cargo trait consider ";

struct W<O: Write> {
    out: O,
    line: String,
    made: Made,
    ids: u64,
    now_us: i64,
}

impl<O: Write> W<O> {
    fn uuid(&mut self) -> String {
        self.ids += 1;
        let x = self.ids.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "019efaca-{:04x}-7{:03x}-9{:03x}-{:012x}",
            (self.ids >> 24) & 0xffff,
            (self.ids >> 12) & 0xfff,
            self.ids & 0xfff,
            x & 0xffff_ffff_ffff
        )
    }

    /// One scope record, padded with prose in `data` to about `len` bytes.
    #[allow(clippy::too_many_arguments)]
    fn scope(
        &mut self,
        uuid: &str,
        parent: Option<&str>,
        name: &str,
        phase: &str,
        category: &str,
        profile: &str,
        usage: Option<(u64, u64)>,
        len: usize,
    ) -> io::Result<()> {
        self.now_us += 1_000 + (self.ids % 7) as i64 * 137;
        let l = &mut self.line;
        l.clear();
        l.push_str(r#"{"kind":"scope","atof_version":"0.1","parent_uuid":"#);
        match parent {
            Some(p) => write!(l, "\"{p}\"").unwrap(),
            None => l.push_str("null"),
        }
        write!(l, r#","uuid":"{uuid}","timestamp":""#).unwrap();
        rfc3339(l, self.now_us);
        write!(l, r#"","name":"{name}","scope_category":"{phase}","category":"{category}","category_profile":{profile},"data":{{"#).unwrap();
        if let Some((i, o)) = usage {
            write!(
                l,
                r#""usage":{{"prompt_tokens":{i},"completion_tokens":{o},"total_tokens":{}}},"#,
                i + o
            )
            .unwrap();
        }
        l.push_str(r#""text":""#);
        let mut k = (self.ids as usize * 7) % FILLER.len();
        while l.len() + 3 < len {
            let c = FILLER.as_bytes()[k];
            l.push(c as char);
            k = (k + 1) % FILLER.len();
        }
        l.push_str("\"}}\n");
        self.out.write_all(l.as_bytes())?;
        self.made.bytes += l.len() as u64;
        self.made.lines += 1;
        Ok(())
    }

    /// A scope's start and end around `inner`.
    fn pair(
        &mut self,
        parent: Option<&str>,
        name: &str,
        category: &str,
        len: usize,
        inner: impl FnOnce(&mut Self, &str) -> io::Result<()>,
    ) -> io::Result<()> {
        let id = self.uuid();
        let n = self.made.lines;
        let (profile, usage) = match category {
            "llm" => (
                format!(r#"{{"model_name":"{}"}}"#, MODELS[(n % 3) as usize]),
                Some((800 + n % 4000, 40 + n % 700)),
            ),
            _ => ("null".to_owned(), None),
        };
        self.scope(&id, parent, name, "start", category, &profile, None, len)?;
        inner(self, &id)?;
        self.scope(&id, parent, name, "end", category, &profile, usage, len)?;
        match category {
            "llm" => self.made.llm_calls += 1,
            "tool" => self.made.tool_calls += 1,
            _ => {}
        }
        Ok(())
    }
}

fn writer<O: Write>(out: O) -> W<O> {
    W {
        out,
        line: String::with_capacity(4096),
        made: Made::default(),
        ids: 0,
        now_us: EPOCH_US,
    }
}

/// Scope-heavy: runs of 7 scopes (session → turn → 2 LLM calls, 2 tools, a function), every
/// line a ~400 B scope record, the session root named after its session.
pub fn scope_heavy<O: Write>(bytes: u64, out: O) -> io::Result<Made> {
    let mut w = writer(out);
    while w.made.bytes < bytes {
        let run = w.made.runs;
        w.pair(
            None,
            &format!("session-{run:06}"),
            "agent",
            400,
            |w, root| {
                w.pair(Some(root), "turn", "agent", 400, |w, turn| {
                    for i in 0..2 {
                        w.pair(Some(turn), "openai.chat.completions", "llm", 400, |_, _| {
                            Ok(())
                        })?;
                        w.pair(
                            Some(turn),
                            TOOLS[(run as usize + i) % 4],
                            "tool",
                            400,
                            |_, _| Ok(()),
                        )?;
                    }
                    w.pair(Some(turn), "summarize", "function", 400, |_, _| Ok(()))
                })
            },
        )?;
        w.made.runs += 1;
    }
    w.out.flush()?;
    Ok(w.made)
}

/// Many small runs: a run is a root, one LLM call and one tool call (6 lines of ~550 B).
pub fn many_small<O: Write>(bytes: u64, out: O) -> io::Result<Made> {
    let mut w = writer(out);
    while w.made.bytes < bytes {
        let run = w.made.runs;
        w.pair(None, "task", "agent", 550, |w, root| {
            w.pair(Some(root), "anthropic.messages", "llm", 550, |_, _| Ok(()))?;
            w.pair(Some(root), TOOLS[run as usize % 4], "tool", 550, |_, _| {
                Ok(())
            })
        })?;
        w.made.runs += 1;
    }
    w.out.flush()?;
    Ok(w.made)
}

/// One huge run: a root holding phases of 1,000 steps (LLM calls, tools and functions in
/// turn), every step but the tools a scope with its own name, ~400 B lines.
pub fn one_huge<O: Write>(bytes: u64, out: O) -> io::Result<Made> {
    let mut w = writer(out);
    let root = w.uuid();
    w.scope(&root, None, "huge-run", "start", "agent", "null", None, 400)?;
    let mut step = 0u64;
    while w.made.bytes < bytes {
        w.pair(
            Some(&root),
            &format!("phase-{}", step / 1000),
            "agent",
            400,
            |w, phase| {
                for _ in 0..1000 {
                    let category = ["llm", "tool", "function"][(step % 3) as usize];
                    // Tools are named after the tool; every other step has its own name.
                    let name = if category == "tool" {
                        TOOLS[(step % 4) as usize].to_owned()
                    } else {
                        format!("step-{step:07}")
                    };
                    w.pair(Some(phase), &name, category, 400, |_, _| Ok(()))?;
                    step += 1;
                    if w.made.bytes >= bytes {
                        break;
                    }
                }
                Ok(())
            },
        )?;
    }
    w.scope(&root, None, "huge-run", "end", "agent", "null", None, 400)?;
    w.made.runs = 1;
    w.out.flush()?;
    Ok(w.made)
}

/// Appends `us` (epoch microseconds) as RFC 3339 with microseconds and a `+00:00` offset.
fn rfc3339(out: &mut String, us: i64) {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = trace_formats::time::civil_from_days(days);
    write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+00:00",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
    .unwrap();
}
