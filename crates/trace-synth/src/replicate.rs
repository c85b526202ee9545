//! Big logs in any line dialect from one real session: the template's lines are written again
//! and again, each copy with its ids made unique (the value of every object key named in
//! `id_keys` gets a `-<copy>` suffix), so copies are separate sessions, calls and tool pairs
//! rather than duplicates. Used by the `dialects` bench for Claude Code, Codex and harn, whose
//! shapes are easiest taken from a real file.

use std::io::{self, Write};

use serde_json::Value;

/// Figures of a replicated file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replicated {
    pub bytes: u64,
    pub lines: u64,
    pub copies: u64,
}

/// Writes copies of `template` (JSON lines) to `out` until at least `bytes` are written.
/// Lines that are not JSON objects are left out.
pub fn replicate<W: Write>(
    template: &str,
    id_keys: &[&str],
    bytes: u64,
    mut out: W,
) -> io::Result<Replicated> {
    let lines: Vec<Value> = template
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(Value::is_object)
        .collect();
    let mut r = Replicated::default();
    if lines.is_empty() {
        return Ok(r);
    }
    while r.bytes < bytes {
        let suffix = format!("-{}", r.copies);
        for l in &lines {
            let mut v = l.clone();
            rename(&mut v, id_keys, &suffix);
            let mut text = serde_json::to_vec(&v)?;
            text.push(b'\n');
            out.write_all(&text)?;
            r.bytes += text.len() as u64;
            r.lines += 1;
        }
        r.copies += 1;
    }
    out.flush()?;
    Ok(r)
}

fn rename(v: &mut Value, keys: &[&str], suffix: &str) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if let Value::String(s) = x {
                    if keys.contains(&k.as_str()) {
                        s.push_str(suffix);
                    }
                } else {
                    rename(x, keys, suffix);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename(x, keys, suffix)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_get_their_own_ids() {
        let t = "{\"uuid\":\"a\",\"message\":{\"id\":\"m\",\"n\":1}}\nnot json\n";
        let mut out = Vec::new();
        let r = replicate(t, &["uuid", "id"], 60, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(r.copies, 2);
        assert_eq!(
            text,
            "{\"message\":{\"id\":\"m-0\",\"n\":1},\"uuid\":\"a-0\"}\n{\"message\":{\"id\":\"m-1\",\"n\":1},\"uuid\":\"a-1\"}\n"
        );
    }
}
