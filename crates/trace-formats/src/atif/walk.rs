//! Walks one ATIF trajectory (and the embedded subagent trajectories its tool results name)
//! and emits the run's events: a scope per trajectory and per agent step, an LLM call and
//! tool calls inside each agent step, marks for system and user steps.

use std::borrow::Cow;

use rustc_hash::FxHashSet;
use serde_json::{Map, Value};

use super::excerpt;
use super::metrics::{invocation, llm_failure, step_time, tokens, tool_failure};
use trace_model::event::{Category, Event, EventKind, SourceRef};

/// How deep embedded subagents may nest before the rest is shown as a mark.
const MAX_DEPTH: usize = 32;

type Obj = Map<String, Value>;

pub(super) struct Walker<'o, 'f> {
    src: SourceRef,
    out: &'f mut dyn FnMut(Event<'_>),
    /// Root `extra.nemo_relay`: `cached_tokens` counts reads and writes together.
    relay: bool,
    /// Embedded trajectories in scope, by `trajectory_id` (innermost last).
    known: Vec<(&'o str, &'o Obj)>,
    /// Embedded trajectories already placed (each is shown once).
    placed: FxHashSet<*const Obj>,
    /// Subagents placed so far: numbers their scope ids.
    subagents: usize,
    /// The latest time emitted inside the scope being walked: ends a step or a trajectory.
    latest: Option<i64>,
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl<'o, 'f> Walker<'o, 'f> {
    pub(super) fn new(top: &'o Obj, src: SourceRef, out: &'f mut dyn FnMut(Event<'_>)) -> Self {
        let relay = top
            .get("extra")
            .and_then(|e| e.get("nemo_relay"))
            .is_some_and(|r| !r.is_null());
        Self {
            src,
            out,
            relay,
            known: Vec::new(),
            placed: FxHashSet::default(),
            subagents: 0,
            latest: None,
        }
    }

    fn emit(&mut self, e: Event<'static>, item: u32) {
        let mut e = e;
        e.src = SourceRef { item, ..self.src };
        self.latest = self.latest.max(e.ts_us);
        (self.out)(e);
    }

    /// Emits trajectory `t` as scope `id` under `parent`.
    pub(super) fn trajectory(&mut self, t: &'o Obj, id: &str, parent: Option<&str>, depth: usize) {
        self.placed.insert(t);
        let known_before = self.known.len();
        if let Some(subs) = t.get("subagent_trajectories").and_then(Value::as_array) {
            for s in subs.iter().filter_map(Value::as_object) {
                if let Some(tid) = s.get("trajectory_id").and_then(Value::as_str) {
                    self.known.push((tid, s));
                }
            }
        }
        let steps: &'o [Value] = t
            .get("steps")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let times: Vec<Option<i64>> = steps.iter().map(step_time).collect();
        let agent = t.get("agent");
        let agent_model = agent.and_then(|a| str_of(a, "model_name"));
        let name = agent
            .and_then(|a| str_of(a, "name"))
            .unwrap_or("ATIF trajectory");
        let first = steps
            .iter()
            .zip(&times)
            .filter_map(|(s, t)| earliest(s).into_iter().chain(*t).min())
            .min();
        let mut root = Event::new(EventKind::Start, id.to_owned(), name.to_owned());
        root.parent = parent.map(|p| Cow::Owned(p.to_owned()));
        root.ts_us = first;
        root.category = Some(Category::Agent);
        let outer = self.latest.take();
        self.emit(root, 0);

        for (i, step) in steps.iter().enumerate() {
            // Only the top document's steps can be re-read by index.
            let item = if depth == 0 { i as u32 + 1 } else { 0 };
            let prev = times[..i].iter().rev().find_map(|t| *t);
            let next = times[i + 1..].iter().find_map(|t| *t);
            let step_id = format!("{id}:s{i}");
            match step.get("source").and_then(Value::as_str) {
                Some("agent") => {
                    let ctx = StepCtx {
                        id: &step_id,
                        parent: id,
                        item,
                        ts: times[i],
                        prev,
                        next,
                        agent_model,
                        depth,
                    };
                    self.agent_step(step, &ctx);
                }
                source => {
                    let label = source.unwrap_or("step");
                    let name = match excerpt(step.get("message")) {
                        Some(x) => format!("{label}: {x}"),
                        None => label.to_owned(),
                    };
                    let mut m = Event::new(EventKind::Mark, step_id.clone(), name);
                    m.parent = Some(Cow::Owned(id.to_owned()));
                    m.ts_us = times[i];
                    self.emit(m, item);
                    // A system step may delegate (context management): its subagents go
                    // under the trajectory, as a mark cannot hold children.
                    for r in results(step) {
                        self.subagent_refs(r, id, item, depth);
                    }
                }
            }
        }
        // Embedded trajectories no result names are still shown, under this one.
        let unplaced: Vec<&'o Obj> = self.known[known_before..]
            .iter()
            .map(|(_, s)| *s)
            .filter(|s| !self.placed.contains(&std::ptr::from_ref::<Obj>(*s)))
            .collect();
        for s in unplaced {
            self.place(s, id, depth);
        }
        self.known.truncate(known_before);
        let mut end = Event::new(EventKind::End, id.to_owned(), name.to_owned());
        end.parent = parent.map(|p| Cow::Owned(p.to_owned()));
        end.ts_us = self.latest;
        end.category = Some(Category::Agent);
        self.emit(end, 0);
        self.latest = self.latest.max(outer);
    }

    fn agent_step(&mut self, step: &'o Value, c: &StepCtx<'_, 'o>) {
        let calls: Vec<&'o Value> = step
            .get("tool_calls")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let llm_count = step.get("llm_call_count").and_then(Value::as_u64);
        let (inv_start, inv_end) = invocation(step);
        let llm_end = inv_end.or(c.ts);
        let llm_start = inv_start.or(c.prev).or(llm_end);
        let tool_times: Vec<(Option<i64>, Option<i64>)> = calls
            .iter()
            .map(|tc| {
                let (s, e) = invocation(tc);
                let s = s.or(c.ts);
                (s, e.or(c.next).or(s))
            })
            .collect();
        let start = if llm_count == Some(0) {
            tool_times.iter().filter_map(|t| t.0).min().or(c.ts)
        } else {
            llm_start
        };
        let label = match step.get("step_id").and_then(Value::as_u64) {
            Some(n) => format!("step {n}"),
            None => "step".to_owned(),
        };
        let start = start
            .into_iter()
            .chain(tool_times.iter().filter_map(|t| t.0))
            .min();
        let mut s = Event::new(EventKind::Start, c.id.to_owned(), label.clone());
        s.parent = Some(Cow::Owned(c.parent.to_owned()));
        s.ts_us = start;
        s.category = Some(Category::Other("step".into()));
        let outer = self.latest.take();
        self.emit(s, c.item);

        if llm_count != Some(0) {
            let model = str_of(step, "model_name").or(c.agent_model);
            let base = model.unwrap_or("model call");
            let name = match llm_count {
                Some(n) if n > 1 => format!("{base} ×{n}"),
                _ => base.to_owned(),
            };
            let llm_id = format!("{}:llm", c.id);
            let mut s = Event::new(EventKind::Start, llm_id.clone(), name.clone());
            s.parent = Some(Cow::Owned(c.id.to_owned()));
            s.ts_us = llm_start;
            s.category = Some(Category::Llm);
            s.model = model.map(|m| Cow::Owned(m.to_owned()));
            self.emit(s, c.item);
            let mut e = Event::new(EventKind::End, llm_id, name);
            e.parent = Some(Cow::Owned(c.id.to_owned()));
            e.ts_us = llm_end;
            e.category = Some(Category::Llm);
            e.model = model.map(|m| Cow::Owned(m.to_owned()));
            e.tokens = step.get("metrics").and_then(|m| tokens(m, self.relay));
            // The RFC's `metrics.cost_usd`, the producer's actual cost (TOKENS.md §1.4).
            e.reported_cost_nusd = step
                .get("metrics")
                .and_then(|m| m.get("cost_usd"))
                .and_then(crate::usage::reported_cost);
            e.failure = llm_failure(step);
            self.emit(e, c.item);
        }

        let results: Vec<&'o Value> = results(step).collect();
        let mut claimed = vec![false; results.len()];
        for (j, (tc, (ts, te))) in calls.iter().zip(tool_times).enumerate() {
            let call_id = str_of(tc, "tool_call_id");
            let name = str_of(tc, "function_name").unwrap_or("tool").to_owned();
            let tool_id = format!("{}:t{j}", c.id);
            let mine: Vec<&'o Value> = results
                .iter()
                .enumerate()
                .filter(|(_, r)| call_id.is_some() && str_of(r, "source_call_id") == call_id)
                .map(|(k, r)| {
                    claimed[k] = true;
                    *r
                })
                .collect();
            let mut s = Event::new(EventKind::Start, tool_id.clone(), name.clone());
            s.parent = Some(Cow::Owned(c.id.to_owned()));
            s.ts_us = ts;
            s.category = Some(Category::Tool);
            s.tool_call_id = call_id.map(|i| Cow::Owned(i.to_owned()));
            self.emit(s, c.item);
            for r in &mine {
                self.subagent_refs(r, &tool_id, c.item, c.depth);
            }
            let mut e = Event::new(EventKind::End, tool_id, name);
            e.parent = Some(Cow::Owned(c.id.to_owned()));
            e.ts_us = te;
            e.category = Some(Category::Tool);
            e.tool_call_id = call_id.map(|i| Cow::Owned(i.to_owned()));
            e.failure = tool_failure(tc, &mine);
            self.emit(e, c.item);
        }
        // Results naming no tool call of this step (non-tool actions) can still delegate.
        for (r, _) in results.iter().zip(&claimed).filter(|(_, c)| !**c) {
            self.subagent_refs(r, c.id, c.item, c.depth);
        }
        let mut e = Event::new(EventKind::End, c.id.to_owned(), label);
        e.parent = Some(Cow::Owned(c.parent.to_owned()));
        e.ts_us = self.latest;
        e.category = Some(Category::Other("step".into()));
        self.emit(e, c.item);
        self.latest = self.latest.max(outer);
    }

    /// Places the subagents one observation result references under `parent`.
    fn subagent_refs(&mut self, result: &'o Value, parent: &str, item: u32, depth: usize) {
        let Some(refs) = result
            .get("subagent_trajectory_ref")
            .and_then(Value::as_array)
        else {
            return;
        };
        for r in refs {
            let tid = str_of(r, "trajectory_id");
            let found = tid.and_then(|tid| {
                self.known
                    .iter()
                    .rev()
                    .find(|(k, _)| *k == tid)
                    .map(|(_, s)| *s)
            });
            match found {
                Some(s) if !self.placed.contains(&std::ptr::from_ref::<Obj>(s)) => {
                    self.place(s, parent, depth);
                }
                _ => {
                    // Not embedded here (an external file) or already shown: a pointer.
                    let what = str_of(r, "trajectory_path").or(tid).unwrap_or("unnamed");
                    self.subagents += 1;
                    let mut m = Event::new(
                        EventKind::Mark,
                        format!("{parent}:ref{}", self.subagents),
                        format!("subagent trajectory {what}"),
                    );
                    m.parent = Some(Cow::Owned(parent.to_owned()));
                    self.emit(m, item);
                }
            }
        }
    }

    fn place(&mut self, s: &'o Obj, parent: &str, depth: usize) {
        self.subagents += 1;
        let id = format!("{parent}:sub{}", self.subagents);
        if depth + 1 > MAX_DEPTH {
            self.placed.insert(s);
            let mut m = Event::new(EventKind::Mark, id, "subagent nesting too deep");
            m.parent = Some(Cow::Owned(parent.to_owned()));
            self.emit(m, 0);
            return;
        }
        self.trajectory(s, &id, Some(parent), depth + 1);
    }
}

struct StepCtx<'a, 'o> {
    id: &'a str,
    parent: &'a str,
    item: u32,
    ts: Option<i64>,
    prev: Option<i64>,
    next: Option<i64>,
    agent_model: Option<&'o str>,
    depth: usize,
}

/// The earliest invocation start of a step or its tool calls.
fn earliest(step: &Value) -> Option<i64> {
    let calls = step.get("tool_calls").and_then(Value::as_array);
    invocation(step)
        .0
        .into_iter()
        .chain(calls.into_iter().flatten().filter_map(|c| invocation(c).0))
        .min()
}

/// A step's `observation.results[]`.
fn results(step: &Value) -> impl Iterator<Item = &Value> {
    step.get("observation")
        .and_then(|o| o.get("results"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}
