"""Send GenAI spans to an OTLP/HTTP receiver with the OpenTelemetry Python SDK.

Usage: send_genai.py URL MODE [TOKEN]   (URL like http://127.0.0.1:4318/v1/traces;
MODE is protobuf, protobuf-gzip or json)

protobuf modes use the real exporter, opentelemetry-exporter-otlp-proto-http's OTLPSpanExporter
(it only speaks protobuf). json encodes the same spans with the SDK's own OTLP encoder and posts
them as OTLP/JSON (proto3 JSON mapping, with the OTLP rule that ids are hex, not base64).
Prints one JSON object: what was sent (spans, traces, runs, llm and tool calls, tokens in total and
by model, errors) and whether every export was acknowledged.
"""

import base64
import json
import sys

import requests
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

RUNS = 3


def make_spans():
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "travel-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("send_genai", "1.0")
    for run in range(RUNS):
        with tracer.start_as_current_span("invoke_agent travel-agent", kind=SpanKind.INTERNAL) as agent:
            agent.set_attribute("gen_ai.operation.name", "invoke_agent")
            agent.set_attribute("gen_ai.agent.name", "travel-agent")
            with tracer.start_as_current_span("chat claude-sonnet-4", kind=SpanKind.CLIENT) as chat:
                chat.set_attribute("gen_ai.operation.name", "chat")
                chat.set_attribute("gen_ai.provider.name", "anthropic")
                chat.set_attribute("gen_ai.request.model", "claude-sonnet-4")
                chat.set_attribute("gen_ai.response.model", "claude-sonnet-4")
                chat.set_attribute("gen_ai.usage.input_tokens", 1500 + run)
                chat.set_attribute("gen_ai.usage.output_tokens", 200)
                chat.set_attribute("gen_ai.usage.cache_read.input_tokens", 1000)
                chat.set_attribute("gen_ai.usage.cache_creation.input_tokens", 300)
            with tracer.start_as_current_span("execute_tool get_weather", kind=SpanKind.INTERNAL) as tool:
                tool.set_attribute("gen_ai.operation.name", "execute_tool")
                tool.set_attribute("gen_ai.tool.name", "get_weather")
                tool.set_attribute("gen_ai.tool.call.id", f"call_{run}")
            with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as chat:
                chat.set_attribute("gen_ai.operation.name", "chat")
                chat.set_attribute("gen_ai.provider.name", "openai")
                chat.set_attribute("gen_ai.request.model", "gpt-4o")
                chat.set_attribute("gen_ai.usage.input_tokens", 800)
                chat.set_attribute("gen_ai.usage.output_tokens", 50)
                if run == RUNS - 1:
                    chat.set_attribute("error.type", "rate_limit_exceeded")
                    chat.set_status(Status(StatusCode.ERROR, "429 from the provider"))
    provider.shutdown()
    return memory.get_finished_spans()


def to_otlp_json(message):
    """Proto3 JSON of the request with OTLP's rules: enums as integers, ids as hex (not base64)."""
    doc = MessageToDict(message, use_integers_for_enums=True)

    def fix(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                    node[key] = base64.b64decode(value).hex()
                else:
                    fix(value)
        elif isinstance(node, list):
            for item in node:
                fix(item)

    fix(doc)
    return json.dumps(doc)


def main():
    url, mode = sys.argv[1], sys.argv[2]
    headers = {"Authorization": f"Bearer {sys.argv[3]}"} if len(sys.argv) > 3 else {}
    spans = list(make_spans())
    ok = True
    if mode in ("protobuf", "protobuf-gzip"):
        compression = Compression.Gzip if mode == "protobuf-gzip" else Compression.NoCompression
        exporter = OTLPSpanExporter(endpoint=url, headers=headers, compression=compression, timeout=10)
        for start in range(0, len(spans), 4):
            ok &= exporter.export(spans[start : start + 4]) == SpanExportResult.SUCCESS
        exporter.shutdown()
    else:
        for start in range(0, len(spans), 4):
            body = to_otlp_json(encode_spans(spans[start : start + 4]))
            r = requests.post(url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=10)
            ok &= r.status_code == 200 and not r.json().get("partialSuccess")
    tokens = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    names = {
        "gen_ai.usage.input_tokens": "input",
        "gen_ai.usage.output_tokens": "output",
        "gen_ai.usage.cache_read.input_tokens": "cache_read",
        "gen_ai.usage.cache_creation.input_tokens": "cache_write",
    }
    for s in spans:
        for key, field in names.items():
            tokens[field] += int(s.attributes.get(key, 0))
    ops = [s.attributes.get("gen_ai.operation.name") for s in spans]
    by_model = {}
    for s in spans:
        if s.attributes.get("gen_ai.operation.name") != "chat":
            continue
        model = s.attributes.get("gen_ai.response.model") or s.attributes.get("gen_ai.request.model")
        m = by_model.setdefault(model, {"calls": 0, **{f: 0 for f in names.values()}})
        m["calls"] += 1
        for key, field in names.items():
            m[field] += int(s.attributes.get(key, 0))
    print(
        json.dumps(
            {
                "ok": ok,
                "runs": sum(1 for s in spans if s.parent is None),
                "llm_calls": ops.count("chat"),
                "tool_calls": ops.count("execute_tool"),
                "by_model": by_model,
                "spans": len(spans),
                "traces": len({s.context.trace_id for s in spans}),
                "errors": sum(1 for s in spans if s.status.status_code == StatusCode.ERROR),
                "tokens": tokens,
            }
        )
    )


if __name__ == "__main__":
    main()
