//! Model-name matching (TOKENS.md §2.2, genai-prices `find_provider_model` semantics, extended
//! with the pre-lookup steps trace-tui needs):
//!
//! 1. the reference is trimmed and lowercased; an AWS ARN is cut to its last `/` part; Gemini's
//!    `models/` prefix is stripped;
//! 2. the caller's provider hint (a catalogue id such as `openai`, or a system name such as
//!    `aws.bedrock`, `gcp.vertex_ai`, `azure.ai.openai`) resolves to a provider by id, then by its
//!    `provider_match`; that provider is tried with the whole reference, then with the part after a
//!    `provider/` prefix;
//! 3. a `provider/model` reference (`openai/gpt-4.1`, LiteLLM's `bedrock/…`, `vertex_ai/…`) whose
//!    prefix resolves to a provider is tried there with the rest;
//! 4. a Bedrock model id (`us.anthropic.…-v1:0`, `global.…`, in-region `anthropic.…`) goes to `aws`;
//! 5. every provider whose `model_match` accepts the reference is tried, in file order.
//!
//! Unlike genai-prices, a hint that names no catalogue provider, or a provider that lacks the
//! model, is not an error: the later steps still run (a proxy's name should not hide `gpt-4.1`).
//!
//! "Tried" means: the provider's models in file order, first `match` wins; on a miss the same with
//! compact dates dashed (`gpt-5.2-20251211` → `gpt-5.2-2025-12-11`); then each of its
//! `fallback_model_providers`, one step only (a fallback's own fallbacks are not followed).

use std::sync::LazyLock;

use crate::data::{Model, Provider};

/// Vendors that prefix Bedrock model ids, optionally after a cross-region profile prefix.
static BEDROCK_ID: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:(?:us|eu|apac|au|jp|ca|us-gov|global)\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|openai|deepseek|qwen|writer|twelvelabs|moonshot|moonshotai|minimax|google|nvidia|stability)\.[a-z0-9]",
    )
    .expect("static regex")
});

/// Finds the provider and model a reference names; `None` when the catalogue has no such model.
/// The provider returned is the one whose record matched (after a fallback, the fallback's).
pub(crate) fn find<'a>(
    providers: &'a [Provider],
    model: &str,
    provider_hint: Option<&str>,
) -> Option<(&'a Provider, &'a Model)> {
    let reference = normalize(model);
    if reference.is_empty() {
        return None;
    }
    let split = reference
        .split_once('/')
        .map(|(prefix, rest)| (prefix, strip_models(rest)))
        .filter(|(prefix, rest)| !prefix.is_empty() && !rest.is_empty());

    if let Some(p) = provider_hint.and_then(|h| provider_by_hint(providers, h)) {
        if let Some(hit) = try_provider(providers, p, &reference) {
            return Some(hit);
        }
        if let Some(hit) = split.and_then(|(_, rest)| try_provider(providers, p, rest)) {
            return Some(hit);
        }
    }
    if let Some((prefix, rest)) = split {
        if let Some(hit) =
            provider_by_id(providers, prefix).and_then(|p| try_provider(providers, p, rest))
        {
            return Some(hit);
        }
    }
    if BEDROCK_ID.is_match(&reference) {
        if let Some(hit) =
            by_id(providers, "aws").and_then(|p| try_provider(providers, p, &reference))
        {
            return Some(hit);
        }
    }
    providers
        .iter()
        .filter(|p| {
            p.model_match
                .as_ref()
                .is_some_and(|m| m.is_match(&reference))
        })
        .find_map(|p| try_provider(providers, p, &reference))
}

/// Lowercase, trim, cut an ARN to its resource name, strip `models/`.
fn normalize(model: &str) -> String {
    let mut s = model.trim().to_lowercase();
    if s.starts_with("arn:") {
        if let Some((_, last)) = s.rsplit_once('/') {
            s = last.to_string();
        }
    }
    strip_models(&s).to_string()
}

fn strip_models(s: &str) -> &str {
    s.strip_prefix("models/").unwrap_or(s)
}

fn by_id<'a>(providers: &'a [Provider], id: &str) -> Option<&'a Provider> {
    providers.iter().find(|p| p.id == id)
}

/// genai-prices `find_provider_by_id`: exact id, then `provider_match`.
fn provider_by_id<'a>(providers: &'a [Provider], id: &str) -> Option<&'a Provider> {
    let id = id.trim().to_lowercase();
    by_id(providers, &id).or_else(|| {
        providers
            .iter()
            .find(|p| p.provider_match.as_ref().is_some_and(|m| m.is_match(&id)))
    })
}

/// A caller's provider name: Azure's system names (`azure.ai.openai`, `az.ai.inference`) go to
/// `azure`, which has no `provider_match` in the data (else they would land on `openai`).
fn provider_by_hint<'a>(providers: &'a [Provider], hint: &str) -> Option<&'a Provider> {
    let h = hint.trim().to_lowercase();
    if h.contains("azure") || h.starts_with("az.") {
        if let Some(p) = by_id(providers, "azure") {
            return Some(p);
        }
    }
    provider_by_id(providers, &h)
}

/// The provider's own models (as given, then with dashed dates), then its fallbacks, one step.
fn try_provider<'a>(
    providers: &'a [Provider],
    p: &'a Provider,
    reference: &str,
) -> Option<(&'a Provider, &'a Model)> {
    let dashed = dash_compact_dates(reference);
    let own = |q: &'a Provider| {
        q.find(reference)
            .or_else(|| dashed.as_deref().and_then(|d| q.find(d)))
            .map(|m| (q, m))
    };
    own(p).or_else(|| {
        p.fallback
            .iter()
            .filter_map(|id| by_id(providers, id))
            .find_map(own)
    })
}

/// `-YYYYMMDD` (ended by the string's end or a non-digit) → `-YYYY-MM-DD`; `None` when there is
/// no such date.
pub(crate) fn dash_compact_dates(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 4);
    let mut changed = false;
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        let is_date = b[i] == b'-'
            && b.len() >= i + 9
            && b[i + 1..i + 9].iter().all(u8::is_ascii_digit)
            && b.get(i + 9).is_none_or(|c| !c.is_ascii_digit())
            && plausible_date(&s[i + 1..i + 9]);
        if is_date {
            out.push_str(&s[last..=i]);
            out.push_str(&s[i + 1..i + 5]);
            out.push('-');
            out.push_str(&s[i + 5..i + 7]);
            out.push('-');
            out.push_str(&s[i + 7..i + 9]);
            i += 9;
            last = i;
            changed = true;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    changed.then_some(out)
}

fn plausible_date(d: &str) -> bool {
    let y: u32 = d[..4].parse().unwrap_or(0);
    let m: u32 = d[4..6].parse().unwrap_or(0);
    let day: u32 = d[6..].parse().unwrap_or(0);
    (1990..=2199).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::dash_compact_dates;

    #[test]
    fn compact_dates_are_dashed() {
        assert_eq!(
            dash_compact_dates("gpt-5.2-20251211").as_deref(),
            Some("gpt-5.2-2025-12-11")
        );
        assert_eq!(
            dash_compact_dates("claude-x-20250929-v1:0").as_deref(),
            Some("claude-x-2025-09-29-v1:0")
        );
        assert_eq!(dash_compact_dates("gpt-4.1"), None);
        assert_eq!(dash_compact_dates("m-123456789"), None);
        assert_eq!(dash_compact_dates("m-20251399"), None);
    }
}
