//! The hand-written parser behind [`Filter::parse`](super::Filter::parse): one pass over the
//! characters, one term at a time, errors naming the term and its column.

use super::{Cmp, FilterError, Pattern, Pred, StatusWord, Term, TokenField};

/// One term as split from the input.
struct Raw {
    /// Character offset of the term's first character (its `-`, if negated).
    pos: usize,
    /// The term as typed.
    text: String,
    negated: bool,
    key: String,
    /// `:`, `~`, `>`, `>=`, `<`, `<=`, `=`; empty for a bare word.
    op: String,
    value: String,
    /// The value was quoted (so a bare `"error"` is a name search, not the keyword).
    quoted: bool,
}

fn is_op_char(c: char) -> bool {
    matches!(c, ':' | '~' | '<' | '>' | '=')
}

/// Splits the input into terms, handling `-` and quotes.
fn split(input: &str) -> Result<Vec<Raw>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let term_text = |end: usize| {
            chars[start..end.min(chars.len())]
                .iter()
                .collect::<String>()
        };
        let mut end = start;
        while end < chars.len() && !chars[end].is_whitespace() {
            if chars[end] == '"' {
                // Skip to the closing quote so spaces inside do not split the term.
                end += 1;
                while end < chars.len() && chars[end] != '"' {
                    end += usize::from(chars[end] == '\\') + 1;
                }
            }
            end += 1;
        }
        let bad = |message: String| FilterError {
            pos: start,
            term: term_text(end),
            message,
        };
        let negated = chars[i] == '-';
        i += usize::from(negated);
        let mut key = String::new();
        while i < chars.len() && !chars[i].is_whitespace() && !is_op_char(chars[i]) {
            if chars[i] == '"' {
                break;
            }
            key.push(chars[i]);
            i += 1;
        }
        let mut op = String::new();
        while i < chars.len() && is_op_char(chars[i]) && op.len() < 2 {
            op.push(chars[i]);
            i += 1;
            if !matches!(op.as_str(), ">" | "<") {
                break;
            }
            if i < chars.len() && chars[i] != '=' {
                break;
            }
        }
        let mut value = String::new();
        let mut quoted = false;
        if i < chars.len() && chars[i] == '"' {
            if !op.is_empty() || key.is_empty() {
                quoted = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(bad("unterminated quote".into())),
                        Some('"') => break,
                        Some('\\') if i + 1 < chars.len() => {
                            value.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(&c) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                i += 1;
                if i < chars.len() && !chars[i].is_whitespace() {
                    return Err(bad("unexpected text after the closing quote".into()));
                }
            } else {
                return Err(bad("a quote must follow an operator such as name~".into()));
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                value.push(chars[i]);
                i += 1;
            }
        }
        if key.is_empty() && op.is_empty() && !quoted {
            return Err(bad("empty term".into()));
        }
        out.push(Raw {
            pos: start,
            text: term_text(end.max(i)),
            negated,
            key,
            op,
            value,
            quoted,
        });
        i = i.max(end);
    }
    Ok(out)
}

/// `1.5` → 1.5 and the rest of the text (the unit).
fn number_prefix(s: &str) -> Option<(f64, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let n: f64 = s[..end].parse().ok()?;
    n.is_finite().then_some((n, &s[end..]))
}

fn duration_us(s: &str) -> Result<i64, String> {
    let (n, unit) = number_prefix(s).ok_or_else(|| format!("{s:?} is not a duration like 2s"))?;
    let scale = match unit {
        "µs" | "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        "" => return Err(format!("{s:?} needs a unit (µs, ms, s, m, h)")),
        u => return Err(format!("unknown duration unit {u:?} (use µs, ms, s, m, h)")),
    };
    let us = (n * scale).round();
    if us > 9.0e18 {
        return Err(format!("{s:?} is too long"));
    }
    Ok(us as i64)
}

fn count(s: &str) -> Result<u64, String> {
    let (n, suffix) = number_prefix(s).ok_or_else(|| format!("{s:?} is not a count like 10k"))?;
    let scale = match suffix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" | "m" => 1e6,
        u => return Err(format!("unknown count suffix {u:?} (use k or M)")),
    };
    let v = (n * scale).round();
    if v > 1.8e19 {
        return Err(format!("{s:?} is too large"));
    }
    Ok(v as u64)
}

fn cmp_of(op: &str) -> Option<Cmp> {
    Some(match op {
        ">" => Cmp::Gt,
        ">=" => Cmp::Ge,
        "<" => Cmp::Lt,
        "<=" => Cmp::Le,
        "=" => Cmp::Eq,
        _ => return None,
    })
}

const FIELDS: &str = "model, tool, name, category, status, dur, tokens, in, out, text";

fn pred(raw: &Raw) -> Result<Pred, String> {
    let key = raw.key.to_ascii_lowercase();
    if raw.op.is_empty() {
        // A bare word: the `error` keyword, else a name search.
        return Ok(if key == "error" && !raw.quoted {
            Pred::Status(StatusWord::Error)
        } else if raw.quoted {
            Pred::NameContains(raw.value.to_lowercase())
        } else {
            Pred::NameContains(raw.key.to_lowercase())
        });
    }
    if key.is_empty() {
        return Err(format!("missing field before {:?}", raw.op));
    }
    if raw.value.is_empty() && !raw.quoted {
        return Err(format!("missing value after {}{}", raw.key, raw.op));
    }
    let numeric = matches!(
        key.as_str(),
        "dur" | "duration" | "tokens" | "tok" | "in" | "out"
    );
    match raw.op.as_str() {
        "~" if key == "name" => Ok(Pred::NameContains(raw.value.to_lowercase())),
        "~" if matches!(key.as_str(), "text" | "payload") => {
            Ok(Pred::Text(raw.value.to_lowercase()))
        }
        "~" => Err(format!(
            "only name~ and text~ take a substring; use {key}:…"
        )),
        ":" if numeric => Err(format!("{key} needs a comparison, like {key}>…")),
        ":" => {
            let p = Pattern::new(&raw.value);
            match key.as_str() {
                "model" => Ok(Pred::Model(p)),
                "tool" => Ok(Pred::Tool(p)),
                "name" => Ok(Pred::Name(p)),
                "category" | "cat" => Ok(Pred::Category(p)),
                "status" => Ok(Pred::Status(
                    match raw.value.to_ascii_lowercase().as_str() {
                        "ok" => StatusWord::Ok,
                        "error" => StatusWord::Error,
                        "incomplete" => StatusWord::Incomplete,
                        "open" => StatusWord::Open,
                        v => {
                            return Err(format!(
                                "unknown status {v:?} (use ok, error, incomplete, open)"
                            ));
                        }
                    },
                )),
                _ => Err(format!("unknown field {:?} (use {FIELDS})", raw.key)),
            }
        }
        op => {
            let Some(cmp) = cmp_of(op) else {
                return Err(format!("unknown operator {op:?}"));
            };
            match key.as_str() {
                "dur" | "duration" => Ok(Pred::Duration(cmp, duration_us(&raw.value)?)),
                "tokens" | "tok" => Ok(Pred::Tokens(TokenField::Total, cmp, count(&raw.value)?)),
                "in" => Ok(Pred::Tokens(TokenField::Input, cmp, count(&raw.value)?)),
                "out" => Ok(Pred::Tokens(TokenField::Output, cmp, count(&raw.value)?)),
                _ if FIELDS.split(", ").any(|f| f == key) || key == "category" => {
                    Err(format!("{key} takes {key}:…, not a comparison"))
                }
                _ => Err(format!("unknown field {:?} (use {FIELDS})", raw.key)),
            }
        }
    }
}

/// Parses the whole input into terms.
pub(super) fn parse(input: &str) -> Result<Vec<Term>, FilterError> {
    split(input)?
        .into_iter()
        .map(|raw| {
            pred(&raw)
                .map(|pred| Term {
                    negated: raw.negated,
                    pred,
                })
                .map_err(|message| FilterError {
                    pos: raw.pos,
                    term: raw.text.clone(),
                    message,
                })
        })
        .collect()
}
