//! The attributes the reader maps (FORMATS.md §4.3–4.4, TOKENS.md §1.2), and what they mean:
//! category, tokens, model, tool name and call id, error text. GenAI conventions first, then
//! OpenInference, then NeMo Relay's `full` projection names.

use std::borrow::Cow;

use super::wire::Attrs;
use trace_model::event::{Category, Tokens};

/// A decoded scalar attribute value: its text (strings) and its count (integers, integral
/// doubles, digit strings).
pub(super) struct Val<'a> {
    pub text: Option<Cow<'a, str>>,
    pub count: Option<u64>,
}

macro_rules! slots {
    ($($slot:ident = $($key:literal)|+;)*) => {
        /// One mapped attribute key (or a group of synonyms).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Slot { $($slot),* }

        impl Slot {
            /// The slot of an attribute key, `None` when the reader does not map it.
            pub fn of(key: &str) -> Option<Slot> {
                match key {
                    $($($key)|+ => Some(Slot::$slot),)*
                    _ => None,
                }
            }
        }
    };
}

slots! {
    Op = "gen_ai.operation.name";
    OiKind = "openinference.span.kind";
    RelayScope = "nemo_relay.scope_type";
    Provider = "gen_ai.provider.name" | "gen_ai.system" | "llm.provider" | "llm.system";
    RespModel = "gen_ai.response.model";
    ReqModel = "gen_ai.request.model";
    OiModel = "llm.model_name";
    OiRespModel = "llm.response.model_name";
    OiReqModel = "llm.request.model_name";
    RelayModel = "nemo_relay.model_name";
    Input = "gen_ai.usage.input_tokens";
    Prompt = "gen_ai.usage.prompt_tokens";
    OiPrompt = "llm.token_count.prompt";
    Output = "gen_ai.usage.output_tokens";
    Completion = "gen_ai.usage.completion_tokens";
    OiCompletion = "llm.token_count.completion";
    OiTotal = "llm.token_count.total";
    CacheRead = "gen_ai.usage.cache_read.input_tokens";
    OiCacheRead = "llm.token_count.prompt_details.cache_read";
    // Relay's gen_ai projection writes `cache_write`; the conventions say `cache_creation`.
    CacheWrite = "gen_ai.usage.cache_creation.input_tokens" | "gen_ai.usage.cache_write.input_tokens";
    OiCacheWrite = "llm.token_count.prompt_details.cache_write";
    ToolName = "gen_ai.tool.name";
    OiToolName = "tool.name";
    ToolCallId = "gen_ai.tool.call.id";
    OiToolCallId = "tool_call.id";
    RelayToolCallId = "nemo_relay.tool_call_id";
    AgentName = "gen_ai.agent.name";
    ErrorType = "error.type";
    ExcType = "exception.type";
    ExcMessage = "exception.message";
    Session = "gen_ai.conversation.id" | "session.id";
}

impl<'a> Attrs<'a> {
    fn val(&self, s: Slot) -> Option<&Val<'a>> {
        self.vals
            .iter()
            .rev()
            .find(|(k, _)| *k == s)
            .map(|(_, v)| v)
    }

    /// The non-blank text of a slot.
    pub fn text(&self, s: Slot) -> Option<&str> {
        self.val(s)?
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// Takes a slot's text out (to hand it to an event without copying).
    pub fn take_text(&mut self, s: Slot) -> Option<Cow<'a, str>> {
        self.vals
            .iter_mut()
            .rev()
            .find(|(k, _)| *k == s)?
            .1
            .text
            .take()
            .filter(|t| !t.trim().is_empty())
    }

    pub fn count(&self, s: Slot) -> Option<u64> {
        self.val(s)?.count
    }

    fn first_count(&self, slots: &[Slot]) -> Option<u64> {
        slots.iter().find_map(|&s| self.count(s))
    }

    /// The scope's category: `gen_ai.operation.name`, else `openinference.span.kind`, else
    /// Relay's scope type; a span with token counts and nothing else is an LLM call.
    pub fn category(&self, has_tokens: bool) -> Category {
        if let Some(op) = self.text(Slot::Op) {
            return match op {
                "chat" | "generate_content" | "text_completion" => Category::Llm,
                "embeddings" => Category::Embedder,
                "execute_tool" => Category::Tool,
                "invoke_agent" | "create_agent" => Category::Agent,
                "invoke_workflow" => Category::Function,
                "retrieval" => Category::Retriever,
                other => Category::parse(other),
            };
        }
        if let Some(kind) = self.text(Slot::OiKind) {
            return match kind.to_ascii_uppercase().as_str() {
                "LLM" => Category::Llm,
                "TOOL" => Category::Tool,
                "AGENT" => Category::Agent,
                "CHAIN" => Category::Function,
                "RETRIEVER" => Category::Retriever,
                "EMBEDDING" => Category::Embedder,
                "RERANKER" => Category::Reranker,
                "GUARDRAIL" => Category::Guardrail,
                "EVALUATOR" => Category::Evaluator,
                _ => Category::parse(kind),
            };
        }
        if let Some(t) = self.text(Slot::RelayScope) {
            return Category::parse(t);
        }
        if has_tokens {
            Category::Llm
        } else {
            Category::Unknown
        }
    }

    /// Token usage in the normalized semantics: input includes cached tokens.
    pub fn tokens(&self) -> Option<Tokens> {
        let mut t = Tokens {
            input: self.first_count(&[Slot::Input, Slot::OiPrompt, Slot::Prompt]),
            output: self.first_count(&[Slot::Output, Slot::OiCompletion, Slot::Completion]),
            total: self.count(Slot::OiTotal),
            cache_read: self.first_count(&[Slot::CacheRead, Slot::OiCacheRead]),
            cache_write: self.first_count(&[Slot::CacheWrite, Slot::OiCacheWrite]),
            ..Tokens::default()
        };
        // TOKENS.md §1.3: an Anthropic span whose cache figures exceed its input reported the
        // raw (cache-exclusive) `input_tokens`: add the cache buckets back.
        let cached = t
            .cache_read
            .unwrap_or(0)
            .saturating_add(t.cache_write.unwrap_or(0));
        let exclusive_provider = self
            .text(Slot::Provider)
            .is_some_and(|p| p.eq_ignore_ascii_case("anthropic") || p == "aws.bedrock");
        if let Some(input) = t.input {
            if exclusive_provider && cached > input {
                t.input = Some(input.saturating_add(cached));
                t.total = None;
            }
        }
        crate::usage::finish(t)
    }

    /// The served model, else the requested one.
    pub fn take_model(&mut self) -> Option<Cow<'a, str>> {
        [
            Slot::RespModel,
            Slot::ReqModel,
            Slot::OiModel,
            Slot::OiRespModel,
            Slot::OiReqModel,
            Slot::RelayModel,
        ]
        .into_iter()
        .find_map(|s| self.take_text(s))
    }

    pub fn take_tool_name(&mut self) -> Option<Cow<'a, str>> {
        self.take_text(Slot::ToolName)
            .or_else(|| self.take_text(Slot::OiToolName))
    }

    pub fn take_tool_call_id(&mut self) -> Option<Cow<'a, str>> {
        self.take_text(Slot::ToolCallId)
            .or_else(|| self.take_text(Slot::OiToolCallId))
            .or_else(|| self.take_text(Slot::RelayToolCallId))
    }
}
