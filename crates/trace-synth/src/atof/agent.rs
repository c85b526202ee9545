//! The shape of a run: session, turns, agent-loop steps, function scopes, sub-agents and
//! parallel tool scopes.

use std::io::{self, Write};

use super::vocab::{ANTHROPIC_MODELS, Api, FUNCTIONS, HARNESSES, OPENAI_MODELS, TOOLS};
use super::{Ctx, Gen, Scope, ToolCall};

impl<W: Write> Gen<W> {
    pub(super) fn run(&mut self) -> io::Result<()> {
        self.tick(500_000, 120_000_000);
        self.run_errors = 0;
        let &(harness, api) = self.rng.pick(HARNESSES);
        let model = *self.rng.pick(if api == Api::OpenAi {
            OPENAI_MODELS
        } else {
            ANTHROPIC_MODELS
        });
        let session_id = self.uuid();
        let ctx = Ctx {
            api,
            model,
            session_id,
            harness,
        };
        let root = Scope {
            uuid: self.uuid(),
            name: harness.to_owned(),
            category: "agent",
            parent: None,
        };
        let meta = format!(
            r#"{{"session_id":"{}","agent_kind":"{harness}","nemo_relay_scope_role":"session"}}"#,
            ctx.session_id
        );
        self.start(&root, "null", &meta, "[]", "null")?;
        if self.rng.chance(500) {
            self.tick(100, 5_000);
            let data = format!(
                r#"{{"cwd":"/home/dev/project-{}","model":"{model}"}}"#,
                self.rng.below(50)
            );
            self.mark(&root.uuid, "session.start", &data, "null")?;
        }
        for turn in 0..self.rng.range(1, 6) {
            self.turn(&ctx, &root, turn)?;
        }
        self.tick(1_000, 200_000);
        let meta = format!(
            r#"{{"session_id":"{}","nemo_relay_scope_role":"session","status":"closed_by_agent_end"}}"#,
            ctx.session_id
        );
        self.end(&root, "null", &meta, "[]", "null")?;
        self.exp.runs += 1;
        if self.run_errors > 0 {
            self.exp.error_runs += 1;
        }
        Ok(())
    }

    fn turn(&mut self, ctx: &Ctx, parent: &Scope, index: u64) -> io::Result<()> {
        self.tick(1_000, 30_000_000);
        let turn = self.scope(format!("{}-turn", ctx.harness), "agent", parent);
        let meta = format!(
            r#"{{"session_id":"{}","nemo_relay_scope_role":"turn","turn_index":{index},"turn_source":"user_prompt"}}"#,
            ctx.session_id
        );
        self.start(&turn, "null", &meta, "[]", "null")?;
        let prompt = self.text_of(30, 200);
        self.tick(100, 2_000);
        self.mark(
            &turn.uuid,
            "prompt_submitted",
            &format!(r#"{{"prompt":"{prompt}"}}"#),
            "null",
        )?;
        let steps = self.rng.range(1, 5);
        self.steps(ctx, &turn, &prompt, steps, 0)?;
        self.tick(100, 10_000);
        self.end(&turn, "null", &meta, "[]", "null")
    }

    /// An agent loop: LLM call, then the tools it asked for, `steps` times; the last call asks for none.
    fn steps(
        &mut self,
        ctx: &Ctx,
        parent: &Scope,
        prompt: &str,
        steps: u64,
        depth: u32,
    ) -> io::Result<()> {
        for step in 0..steps {
            if self.rng.chance(80) {
                self.function(ctx, parent, prompt)?;
            }
            let last = step + 1 == steps;
            let want_tools = if last {
                0
            } else {
                *self.rng.pick(&[1, 1, 1, 2, 2, 3])
            };
            let calls = self.llm_with_retry(ctx, parent, prompt, step, want_tools)?;
            if !calls.is_empty() {
                self.tools(parent, &calls)?;
            }
            if depth == 0 && self.rng.chance(50) {
                self.subagent(ctx, parent, prompt)?;
            }
            if self.rng.chance(4) {
                self.tick(100, 5_000);
                let tool = *self.rng.pick(TOOLS);
                self.exp.shapes.rejections += 1;
                self.error();
                let data =
                    r#"{"rejected":true,"rejection_reason":"command matches deny rule 'rm -rf'"}"#;
                self.mark(
                    &parent.uuid,
                    tool,
                    data,
                    r#"{"nemo_relay.log.severity":"warn"}"#,
                )?;
            }
        }
        Ok(())
    }

    fn function(&mut self, ctx: &Ctx, parent: &Scope, prompt: &str) -> io::Result<()> {
        self.exp.shapes.function_scopes += 1;
        self.tick(100, 5_000);
        let name = *self.rng.pick(FUNCTIONS);
        let f = self.scope(name.to_owned(), "function", parent);
        let query = self.text_of(20, 200);
        self.start(&f, &format!(r#"{{"query":"{query}"}}"#), "{}", "[]", "null")?;
        if self.rng.chance(500) {
            self.llm_with_retry(ctx, &f, prompt, 0, 0)?;
        }
        self.tick(1_000, 400_000);
        let result = self.text_of(20, 400);
        self.end(
            &f,
            &format!(r#"{{"result":"{result}"}}"#),
            "{}",
            "[]",
            "null",
        )
    }

    fn subagent(&mut self, ctx: &Ctx, parent: &Scope, prompt: &str) -> io::Result<()> {
        self.exp.shapes.subagents += 1;
        self.tick(100, 5_000);
        let sub = self.scope(format!("{}-subagent", ctx.harness), "agent", parent);
        let meta = format!(
            r#"{{"session_id":"{}","nemo_relay_scope_role":"subagent"}}"#,
            ctx.session_id
        );
        self.start(
            &sub,
            &format!(r#"{{"task":"{prompt}"}}"#),
            &meta,
            "[]",
            "null",
        )?;
        let steps = self.rng.range(1, 3);
        self.steps(ctx, &sub, prompt, steps, 1)?;
        self.tick(100, 5_000);
        self.end(&sub, "null", &meta, "[]", "null")
    }

    /// Parallel tool scopes: all start, then they end in random order.
    fn tools(&mut self, parent: &Scope, calls: &[ToolCall]) -> io::Result<()> {
        let mut scopes = Vec::with_capacity(calls.len());
        for c in calls {
            self.tick(100, 20_000);
            self.exp.tool_calls += 1;
            let s = self.scope(c.name.to_owned(), "tool", parent);
            let meta = format!(
                r#"{{"tool_correlation_status":"explicit","tool_correlation_tool_call_id":"{}"}}"#,
                c.id
            );
            let profile = format!(r#"{{"tool_call_id":"{}"}}"#, c.id);
            self.start(&s, &c.args, &meta, "[]", &profile)?;
            scopes.push((s, c));
        }
        while !scopes.is_empty() {
            let (s, c) = scopes.swap_remove(self.rng.below(scopes.len() as u64) as usize);
            self.tick(5_000, 8_000_000);
            let profile = format!(r#"{{"tool_call_id":"{}"}}"#, c.id);
            if self.rng.chance(15) {
                self.exp.shapes.tool_errors += 1;
                self.error();
                let meta = format!(
                    r#"{{"tool_correlation_status":"explicit","tool_correlation_tool_call_id":"{}","otel.status_code":"ERROR","otel.status_description":"tool execution failed: exit status 101"}}"#,
                    c.id
                );
                self.end(&s, "null", &meta, "[]", &profile)?;
            } else {
                let output = self.text_of(20, 400);
                let data = format!(r#"{{"output":"{output}","exit_code":0}}"#);
                let meta = format!(
                    r#"{{"tool_correlation_status":"explicit","tool_correlation_tool_call_id":"{}","otel.status_code":"OK"}}"#,
                    c.id
                );
                self.end(&s, &data, &meta, "[]", &profile)?;
            }
        }
        Ok(())
    }
}
