//! Errors carried by harn's terminal and failure events (FORMATS.md §2.6), and which events
//! end a session (§2.4).

use std::borrow::Cow;

use serde_json::Value;

use super::{Envelope, as_str, scalar_str};
use crate::scalar::Scalar;
use crate::usage::{error_text, is_error_status};
use trace_model::event::Failure;

/// Errors carried by harn's terminal and failure events.
pub(super) fn terminal_failure(kind: &str, env: &Envelope<'_>) -> Failure<'static> {
    let text = |v: Option<&Value>, fallback: &str| -> Failure<'static> {
        Failure::Error(Cow::Owned(
            v.and_then(error_text)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| fallback.to_owned()),
        ))
    };
    match kind {
        "budget_exhausted" => text(env.reason.as_ref(), "budget exhausted"),
        "loop_stuck" => Failure::Error(Cow::Borrowed("loop stuck: no progress")),
        "boundary_failure" => text(env.detail.as_ref(), "boundary failure"),
        "session_closed" if scalar_str(env.status.as_ref()).is_some_and(is_error_status) => {
            text(env.reason.as_ref(), "session closed with error")
        }
        "final_wrapup" if as_str(env.final_status.as_ref()).is_some_and(is_error_status) => {
            text(env.final_status.as_ref(), "failed")
        }
        "turn_phase_changed" => {
            let terminal = as_str(env.phase.as_ref()) == Some("terminal");
            let outcome = env.outcome.as_ref();
            let kind = as_str(outcome.and_then(|o| o.get("kind")));
            match kind {
                Some(k) if terminal && k != "natural" => {
                    let msg = as_str(outcome.and_then(|o| o.get("message")))
                        .or_else(|| as_str(outcome.and_then(|o| o.get("reason"))))
                        .unwrap_or(k);
                    Failure::Error(Cow::Owned(format!("{k}: {msg}")))
                }
                _ => Failure::None,
            }
        }
        "subagent_stop" => match as_str(env.terminal_status.as_ref()) {
            Some(s) if s != "success" => text(env.reason.as_ref(), s),
            _ => Failure::None,
        },
        "worker_update" if scalar_str(env.status.as_ref()) == Some("failed") => {
            text(env.error.as_ref(), "worker failed")
        }
        "llm_fallback_attempt" if env.ok.as_ref().and_then(Value::as_bool) == Some(false) => text(
            env.status.as_ref().map(Scalar::to_value).as_ref(),
            "fallback attempt failed",
        ),
        "llm_call_log" if scalar_str(env.status.as_ref()).is_some_and(is_error_status) => {
            text(env.error.as_ref(), "call failed")
        }
        _ => Failure::None,
    }
}

/// True for the events after which a session is over (FORMATS.md §2.4): `session_closed`,
/// `final_wrapup`, `budget_exhausted`, `loop_stuck`, and `turn_phase_changed` into the
/// `terminal` phase.
pub(super) fn ends_session(kind: &str, env: &Envelope<'_>) -> bool {
    match kind {
        "session_closed" | "final_wrapup" | "budget_exhausted" | "loop_stuck" => true,
        "turn_phase_changed" => as_str(env.phase.as_ref()) == Some("terminal"),
        _ => false,
    }
}
