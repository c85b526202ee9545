//! LLM calls: the gateway request, the provider response in OpenAI or Anthropic
//! spelling, streamed chunks, failures and retries, and the tool calls they ask for.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::vocab::{Api, TOOLS};
use super::{Ctx, Gen, Scope, ToolCall, Usage};

impl<W: Write> Gen<W> {
    /// An LLM call; a failed call is retried once more (and may fail again).
    pub(super) fn llm_with_retry(
        &mut self,
        ctx: &Ctx,
        parent: &Scope,
        prompt: &str,
        step: u64,
        want_tools: usize,
    ) -> io::Result<Vec<ToolCall>> {
        match self.llm(ctx, parent, prompt, step, want_tools)? {
            Some(calls) => Ok(calls),
            None => Ok(self
                .llm(ctx, parent, prompt, step, want_tools)?
                .unwrap_or_default()),
        }
    }

    /// One LLM scope; `None` when it failed.
    fn llm(
        &mut self,
        ctx: &Ctx,
        parent: &Scope,
        prompt: &str,
        step: u64,
        want_tools: usize,
    ) -> io::Result<Option<Vec<ToolCall>>> {
        self.tick(100, 20_000);
        self.exp.llm_calls += 1;
        let model = ctx.model;
        let (name, gateway) = match ctx.api {
            Api::OpenAi => {
                self.exp.shapes.openai_calls += 1;
                ("openai.chat.completions", "/v1/chat/completions")
            }
            Api::Anthropic => {
                self.exp.shapes.anthropic_calls += 1;
                ("anthropic.messages", "/v1/messages")
            }
        };
        let llm = self.scope(name.to_owned(), "llm", parent);
        let streamed = self.rng.chance(600);
        let with_model_name = !self.rng.chance(80);
        if !with_model_name {
            self.exp.shapes.no_model_name += 1;
        }
        let attributes = if streamed { r#"["streaming"]"# } else { "[]" };
        let profile = if with_model_name {
            format!(r#"{{"model_name":"{model}"}}"#)
        } else {
            "{}".to_owned()
        };
        let data = self.llm_request(ctx, prompt, step, streamed);
        let meta = format!(
            r#"{{"gateway_path":"{gateway}","session_id":"{}"}}"#,
            ctx.session_id
        );
        self.start(&llm, &data, &meta, attributes, &profile)?;
        self.exp.by_model.entry(model.to_owned()).or_default().calls += 1;

        let roll = self.rng.below(1000);
        if roll < 5 {
            self.exp.shapes.llm_errors += 1;
            self.error();
            self.tick(1_000_000, 60_000_000);
            let meta = format!(
                r#"{{"gateway_path":"{gateway}","session_id":"{}","otel.status_code":"ERROR","otel.status_description":"upstream request failed: timed out after 60s"}}"#,
                ctx.session_id
            );
            self.end(&llm, "null", &meta, attributes, &profile)?;
            return Ok(None);
        }
        if roll < 8 {
            // A 529 through the gateway: the call itself is OK, the body is a provider error.
            self.exp.shapes.error_bodies += 1;
            self.error();
            self.tick(10_000, 2_000_000);
            let body =
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
            let meta = format!(
                r#"{{"gateway_path":"{gateway}","session_id":"{}","otel.status_code":"OK"}}"#,
                ctx.session_id
            );
            self.end(&llm, body, &meta, attributes, &profile)?;
            return Ok(None);
        }

        if streamed {
            self.exp.shapes.streamed_calls += 1;
            let provider = if ctx.api == Api::OpenAi {
                "openai_chat"
            } else {
                "anthropic_messages"
            };
            for i in 0..self.rng.range(2, 8) {
                self.tick(5_000, 400_000);
                self.exp.shapes.chunk_marks += 1;
                let data = format!(
                    r#"{{"chunk_index":{i},"provider":"{provider}","delta_chars":{}}}"#,
                    self.rng.range(1, 400)
                );
                self.mark(&llm.uuid, "llm.chunk", &data, "null")?;
            }
        }
        self.tick(200_000, 20_000_000);
        let usage = Usage {
            input: self.rng.skewed(800, 12_000) + 3_000 * step,
            output: self.rng.skewed(5, 1_500),
            cache_read: if self.rng.chance(700) {
                self.rng.skewed(0, 40_000)
            } else {
                0
            },
            cache_write: if ctx.api == Api::Anthropic && self.rng.chance(400) {
                self.rng.skewed(0, 3_000)
            } else {
                0
            },
        };
        let calls: Vec<ToolCall> = (0..want_tools).map(|_| self.tool_call(ctx.api)).collect();
        let message = self.text_of(10, 200);
        let annotated = !self.rng.chance(100);
        let (data, profile) =
            self.llm_response(ctx, &usage, &calls, &message, annotated, with_model_name);
        let meta = format!(
            r#"{{"gateway_path":"{gateway}","session_id":"{}","otel.status_code":"OK"}}"#,
            ctx.session_id
        );
        self.end(&llm, &data, &meta, attributes, &profile)?;
        self.exp.tokens.add(&usage);
        self.exp
            .by_model
            .entry(model.to_owned())
            .or_default()
            .tokens
            .add(&usage);
        Ok(Some(calls))
    }

    /// The Relay gateway request: `{"headers": …, "content": <provider body>}`.
    fn llm_request(&mut self, ctx: &Ctx, prompt: &str, step: u64, streamed: bool) -> String {
        let system = self.text_of(40, 200);
        let mut history = String::new();
        if step > 0 {
            let result = self.text_of(20, 200);
            let call_id = format!("call_{}", self.rng.below(1_000_000));
            let _ = write!(
                history,
                r#",{{"role":"assistant","content":"","tool_calls":[{{"id":"{call_id}","type":"function","function":{{"name":"Bash","arguments":"{{\"command\":\"cargo test\"}}"}}}}]}},{{"role":"tool","tool_call_id":"{call_id}","content":"{result}"}}"#
            );
        }
        let req_id = {
            let mut s = String::from("req_");
            self.rng.alnum(&mut s, 24);
            s
        };
        match ctx.api {
            Api::Anthropic => format!(
                r#"{{"headers":{{"anthropic-version":"2023-06-01","content-type":"application/json","x-request-id":"{req_id}"}},"content":{{"model":"{}","max_tokens":8192,"stream":{streamed},"system":"{system}","messages":[{{"role":"user","content":"{prompt}"}}{history}]}}}}"#,
                ctx.model
            ),
            Api::OpenAi => format!(
                r#"{{"headers":{{"content-type":"application/json","x-request-id":"{req_id}"}},"content":{{"model":"{}","temperature":0.2,"stream":{streamed},"messages":[{{"role":"system","content":"{system}"}},{{"role":"user","content":"{prompt}"}}{history}]}}}}"#,
                ctx.model
            ),
        }
    }

    fn tool_call(&mut self, api: Api) -> ToolCall {
        let mut id = String::from(if api == Api::OpenAi {
            "call_"
        } else {
            "toolu_01"
        });
        self.rng.alnum(&mut id, 22);
        let name = *self.rng.pick(TOOLS);
        let arg = self.text_of(10, 100);
        let args = match name {
            "Bash" => format!(
                r#"{{"command":"cargo test -p parser -- {}","timeout":120000}}"#,
                self.rng.below(100)
            ),
            "Read" | "Edit" => format!(
                r#"{{"file_path":"/home/dev/project/src/m{}.rs","note":"{arg}"}}"#,
                self.rng.below(40)
            ),
            _ => format!(r#"{{"pattern":"{arg}"}}"#),
        };
        ToolCall { id, name, args }
    }

    /// The LLM end's `data` (provider response) and `category_profile`.
    fn llm_response(
        &mut self,
        ctx: &Ctx,
        u: &Usage,
        calls: &[ToolCall],
        message: &str,
        annotated: bool,
        with_model_name: bool,
    ) -> (String, String) {
        let model = ctx.model;
        let mut resp_id = String::new();
        self.rng.alnum(&mut resp_id, 20);
        let data = match ctx.api {
            Api::Anthropic => {
                let mut content = format!(r#"[{{"type":"text","text":"{message}"}}"#);
                for c in calls {
                    let _ = write!(
                        content,
                        r#",{{"type":"tool_use","id":"{}","name":"{}","input":{}}}"#,
                        c.id, c.name, c.args
                    );
                }
                content.push(']');
                let stop = if calls.is_empty() {
                    "end_turn"
                } else {
                    "tool_use"
                };
                format!(
                    r#"{{"id":"msg_{resp_id}","type":"message","role":"assistant","model":"{model}","content":{content},"stop_reason":"{stop}","usage":{{"input_tokens":{},"cache_creation_input_tokens":{},"cache_read_input_tokens":{},"output_tokens":{}}}}}"#,
                    u.input, u.cache_write, u.cache_read, u.output
                )
            }
            Api::OpenAi => {
                let mut tool_calls = String::new();
                for (i, c) in calls.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    let args = c.args.replace('\\', "\\\\").replace('"', "\\\"");
                    let _ = write!(
                        tool_calls,
                        r#"{sep}{{"id":"{}","type":"function","function":{{"name":"{}","arguments":"{args}"}}}}"#,
                        c.id, c.name
                    );
                }
                let finish = if calls.is_empty() {
                    "stop"
                } else {
                    "tool_calls"
                };
                format!(
                    r#"{{"id":"chatcmpl-{resp_id}","object":"chat.completion","created":{},"model":"{model}","choices":[{{"index":0,"message":{{"role":"assistant","content":"{message}","tool_calls":[{tool_calls}]}},"finish_reason":"{finish}"}}],"usage":{{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{},"prompt_tokens_details":{{"cached_tokens":{}}}}}}}"#,
                    self.now_us / 1_000_000,
                    u.prompt(),
                    u.output,
                    u.prompt() + u.output,
                    u.cache_read
                )
            }
        };
        let mut profile = String::from("{");
        if with_model_name {
            let _ = write!(profile, r#""model_name":"{model}""#);
        }
        if annotated {
            let mut tool_calls = String::new();
            for (i, c) in calls.iter().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(
                    tool_calls,
                    r#"{sep}{{"id":"{}","name":"{}","arguments":{}}}"#,
                    c.id, c.name, c.args
                );
            }
            // Relay's `prompt_tokens` follows the provider: exclusive for Anthropic.
            let relay_prompt = if ctx.api == Api::OpenAi {
                u.prompt()
            } else {
                u.input
            };
            let total = if self.rng.chance(200) {
                self.exp.shapes.no_total_tokens += 1;
                String::new()
            } else {
                format!(r#","total_tokens":{}"#, relay_prompt + u.output)
            };
            let mut usage = format!(
                r#""prompt_tokens":{relay_prompt},"completion_tokens":{}{total}"#,
                u.output
            );
            if u.cache_read > 0 {
                let _ = write!(usage, r#","cache_read_tokens":{}"#, u.cache_read);
            }
            if u.cache_write > 0 {
                let _ = write!(usage, r#","cache_write_tokens":{}"#, u.cache_write);
            }
            let finish = if calls.is_empty() {
                "complete"
            } else {
                "tool_use"
            };
            let api = if ctx.api == Api::OpenAi {
                "openai_chat"
            } else {
                "anthropic_messages"
            };
            let sep = if with_model_name { "," } else { "" };
            let _ = write!(
                profile,
                r#"{sep}"annotated_response":{{"id":"{resp_id}","model":"{model}","message":"{message}","tool_calls":[{tool_calls}],"finish_reason":"{finish}","usage":{{{usage}}},"api_specific":{{"api":"{api}"}}}}"#
            );
        } else {
            self.exp.shapes.data_usage_only += 1;
        }
        profile.push('}');
        (data, profile)
    }
}
