//! Tool calls in a rollout: calls opened by `function_call` / `custom_tool_call` /
//! `local_shell_call`, closed by their output or, for a command still running then, by its
//! `exec_command_end`; a non-zero exit code fails them.

use std::borrow::Cow;

use serde_json::Value;

use super::prune::Obj;
use super::read::{CodexReader, OUTPUTS, event, str_of};
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef};

/// An open tool call.
#[derive(Debug)]
pub(super) struct Tool {
    id: String,
    parent: String,
    /// Its output said the command still runs: it ends at `exec_command_end`.
    running: bool,
    /// `exec_command_end` came before the output: its exit code.
    exit: Option<i64>,
    /// The tool is a command (`exec_command`, `shell`, ...), whose own output may carry its
    /// exit status (a `write_stdin` poll's output tells the polled command's, not its own).
    command: bool,
}

/// The exit code a command's output reports: `metadata.exit_code` of a JSON output (older
/// `shell`, `apply_patch`), or "Process exited with code N" of `exec_command`.
fn exit_in_output(output: &Value, command: bool) -> Option<i64> {
    let text = match output {
        Value::String(s) => s.as_str(),
        Value::Object(_) => return output.get("metadata")?.get("exit_code")?.as_i64(),
        _ => return None,
    };
    if text.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            return v.get("metadata")?.get("exit_code")?.as_i64();
        }
    }
    if !command {
        return None;
    }
    let at = text.find("Process exited with code ")? + 25;
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
}

impl CodexReader {
    pub(super) fn item(
        &mut self,
        p: &Obj,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let kind = str_of(p, "type").unwrap_or("");
        match kind {
            "function_call" | "custom_tool_call" | "local_shell_call" => {
                let call = str_of(p, "call_id").or_else(|| str_of(p, "id"));
                let Some(call) = call.map(str::to_owned) else {
                    return;
                };
                if self.tools.contains_key(&call) {
                    return;
                }
                let name = if kind == "local_shell_call" {
                    "local_shell"
                } else {
                    str_of(p, "name").unwrap_or("tool")
                };
                let command = matches!(name, "exec_command" | "shell" | "local_shell")
                    || name.ends_with("shell_command");
                let id = format!("{}:tool:{call}", self.root_id());
                let mut e = event(
                    EventKind::Start,
                    id.clone(),
                    Cow::Owned(name.to_owned()),
                    ts,
                );
                e.parent = Some(Cow::Owned(self.parent()));
                e.category = Some(Category::Tool);
                e.tool_call_id = Some(Cow::Owned(call.clone()));
                e.src = src;
                out(e);
                let parent = self.parent();
                self.tools.insert(
                    call,
                    Tool {
                        id,
                        parent,
                        running: false,
                        exit: None,
                        command,
                    },
                );
            }
            "function_call_output" | "custom_tool_call_output" => {
                self.output(p, ts, src, out);
                self.input(ts);
            }
            "web_search_call" => self.mark("web_search", Failure::None, ts, src, out),
            k if OUTPUTS.contains(&k) => {}
            "message" if str_of(p, "role") == Some("assistant") => {}
            _ => self.input(ts),
        }
    }

    fn output(&mut self, p: &Obj, ts: Option<i64>, src: SourceRef, out: &mut dyn FnMut(Event<'_>)) {
        let Some(call) = str_of(p, "call_id") else {
            return;
        };
        let Some(tool) = self.tools.get_mut(call) else {
            return;
        };
        let output = p.get("output").unwrap_or(&Value::Null);
        let still_running = tool.command
            && tool.exit.is_none()
            && output
                .as_str()
                .is_some_and(|s| s.contains("Process running with session ID"));
        if still_running {
            tool.running = true;
            return;
        }
        let exit = tool.exit.or_else(|| exit_in_output(output, tool.command));
        if let Some(tool) = self.tools.remove(call) {
            close_tool(tool, call, exit, ts, src, out);
        }
    }

    pub(super) fn exec_end(
        &mut self,
        p: &Obj,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let Some(call) = str_of(p, "call_id") else {
            return;
        };
        let exit = p.get("exit_code").and_then(Value::as_i64);
        let Some(tool) = self.tools.get_mut(call) else {
            return;
        };
        if tool.running {
            if let Some(tool) = self.tools.remove(call) {
                close_tool(tool, call, exit, ts, src, out);
            }
        } else {
            tool.exit = exit;
        }
    }
}

fn close_tool(
    tool: Tool,
    call: &str,
    exit: Option<i64>,
    ts: Option<i64>,
    src: SourceRef,
    out: &mut dyn FnMut(Event<'_>),
) {
    let mut e = event(EventKind::End, tool.id, Cow::Borrowed("tool"), ts);
    e.parent = Some(Cow::Owned(tool.parent));
    e.category = Some(Category::Tool);
    e.tool_call_id = Some(Cow::Owned(call.to_owned()));
    if let Some(code) = exit.filter(|&c| c != 0) {
        e.failure = Failure::Error(Cow::Owned(format!("exit code {code}")));
    }
    e.src = src;
    out(e);
}
