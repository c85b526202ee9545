//! Percentile exemplars in `summary --json`: per group its size and, for latency and tokens,
//! each rank's value and the call that has it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use trace_model::Trace;
use trace_model::exemplars::{Group, Percentiles, RANKS};

/// Exemplars of one kind of group, by key.
pub(crate) struct Groups<'a> {
    pub trace: &'a Trace,
    pub groups: &'a BTreeMap<String, Group>,
}

impl Serialize for Groups<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.groups.len()))?;
        for (k, g) in self.groups {
            m.serialize_entry(
                k,
                &GroupOut {
                    count: g.latency_us.count.max(g.tokens.count),
                    latency_ms: Ranks {
                        trace: self.trace,
                        p: &g.latency_us,
                        scale: 1000.0,
                    },
                    tokens: Ranks {
                        trace: self.trace,
                        p: &g.tokens,
                        scale: 1.0,
                    },
                },
            )?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct GroupOut<'a> {
    count: usize,
    latency_ms: Ranks<'a>,
    tokens: Ranks<'a>,
}

/// Percentiles: each rank names the call that has it.
struct Ranks<'a> {
    trace: &'a Trace,
    p: &'a Percentiles,
    scale: f64,
}

#[derive(Serialize)]
struct RankOut<'a> {
    value: f64,
    id: Cow<'a, str>,
    name: &'a str,
}

impl Serialize for Ranks<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.p.ranks.len()))?;
        for ((rank, _), e) in RANKS.iter().zip(&self.p.ranks) {
            let out = RankOut {
                value: e.value as f64 / self.scale,
                id: self.trace.ext_id(e.node),
                name: self.trace.str(self.trace.node(e.node).name),
            };
            m.serialize_entry(rank, &out)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
#[allow(clippy::struct_field_names)]
pub(crate) struct ExemplarsOut<'a> {
    pub by_model: Groups<'a>,
    pub by_tool: Groups<'a>,
    /// With `--detail` only: names held by two or more scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_name: Option<Groups<'a>>,
}
