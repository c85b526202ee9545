//! A compact run row ([`RunRow`]) written straight into bytes: the document serde's derived
//! `Serialize` writes for it (a test compares the two on every row of a log), without the
//! per-field serializer calls, which were ~6 k instructions a row, more than computing the
//! row's figures.

use serde::Serialize;

use super::json::{RunRow, Tok};

/// One value through serde_json: strings escaped, floats formatted and `None` as `null`,
/// exactly as the derived `Serialize` writes them.
fn value(out: &mut Vec<u8>, v: &impl Serialize) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, v)
}

/// `,"key":` then the value (keys here need no escaping).
fn member(out: &mut Vec<u8>, key: &str, v: &impl Serialize) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    value(out, v)
}

impl RunRow<'_> {
    /// Appends this row to `out` as `serde_json` would write it.
    pub(crate) fn write_compact(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"id\":");
        value(out, &self.id)?;
        member(out, "name", &self.name)?;
        if let Some(file) = self.file {
            member(out, "file", &file)?;
        }
        member(out, "status", &self.status)?;
        member(out, "start", &self.start)?;
        member(out, "duration_ms", &self.duration_ms)?;
        member(out, "scopes", &self.scopes)?;
        member(out, "llm_calls", &self.llm_calls)?;
        member(out, "tool_calls", &self.tool_calls)?;
        member(out, "errors", &self.errors)?;
        out.extend_from_slice(b",\"tokens\":");
        self.tokens.write_compact(out)?;
        member(out, "cost_usd", &self.cost_usd)?;
        member(out, "cost_partial", &self.cost_partial)?;
        if let Some(r) = self.reported_cost_usd {
            member(out, "reported_cost_usd", &r)?;
        }
        out.push(b'}');
        Ok(())
    }
}

impl Tok<'_> {
    /// Appends the token object to `out` as its `Serialize` writes it.
    fn write_compact(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.push(b'{');
        for (i, (k, v)) in self.members().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"\":");
            value(out, &v)?;
        }
        out.push(b'}');
        Ok(())
    }
}
