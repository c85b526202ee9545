//! `examples/otel-collector.yaml`, the scale story's Collector configuration: parsed with a tiny
//! indentation reader (no YAML dependency for one file) and checked for the endpoints and paths
//! that trace-tui expects — the OTLP/HTTP exporter aimed at `trace-tui serve`'s default address,
//! a rotated JSON `file` exporter into a directory for `--follow DIR`, and the pipeline wiring.

use std::collections::BTreeMap;

const CONFIG: &str = include_str!("../examples/otel-collector.yaml");

/// Dotted key path -> scalar value (`""` for a mapping), for the block-mapping subset used.
fn flatten(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        assert!(!raw.contains('\t'), "line {}: tabs are not YAML", n + 1);
        let (key, value) = body
            .split_once(':')
            .unwrap_or_else(|| panic!("line {}: not `key: value`", n + 1));
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let path = stack
            .iter()
            .map(|(_, k)| k.as_str())
            .chain([key.trim()])
            .collect::<Vec<_>>()
            .join(".");
        let value = value.trim().trim_matches('"').to_owned();
        assert!(
            out.insert(path.clone(), value).is_none(),
            "line {}: duplicate key {path}",
            n + 1
        );
        stack.push((indent, key.trim().to_owned()));
    }
    out
}

fn list(v: &str) -> Vec<&str> {
    v.trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .collect()
}

#[test]
fn collector_config_names_trace_tui_endpoints_and_paths() {
    let c = flatten(CONFIG);
    let get = |k: &str| {
        c.get(k)
            .map_or_else(|| panic!("missing {k}"), String::as_str)
    };
    // OTLP/HTTP to `trace-tui serve` on its default loopback address, gzip, bearer token from env.
    let endpoint = get("exporters.otlphttp/trace-tui.endpoint");
    assert_eq!(endpoint, format!("http://{}", trace_otlp::DEFAULT_LISTEN));
    assert_eq!(get("exporters.otlphttp/trace-tui.compression"), "gzip");
    assert_eq!(get("exporters.otlphttp/trace-tui.encoding"), "proto");
    assert_eq!(
        get("exporters.otlphttp/trace-tui.headers.authorization"),
        "Bearer ${env:TRACE_TUI_OTLP_TOKEN}"
    );
    assert_eq!(
        get("exporters.otlphttp/trace-tui.retry_on_failure.enabled"),
        "true"
    );
    // The Collector's own receivers must not take trace-tui's port.
    let tui_port = trace_otlp::DEFAULT_LISTEN.rsplit(':').next().unwrap();
    for k in ["grpc", "http"] {
        let ep = get(&format!("receivers.otlp.protocols.{k}.endpoint"));
        assert_ne!(ep.rsplit(':').next().unwrap(), tui_port, "{k} receiver");
    }
    // Rotated OTLP/JSON files in one directory, the one the comment tells `--follow`.
    let path = get("exporters.file/trace-tui.path");
    let dir = std::path::Path::new(path)
        .parent()
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(dir, "/var/lib/trace-tui/otlp");
    assert_eq!(
        std::path::Path::new(path)
            .extension()
            .and_then(|e| e.to_str()),
        Some("jsonl")
    );
    assert_eq!(get("exporters.file/trace-tui.format"), "json");
    assert!(
        get("exporters.file/trace-tui.rotation.max_megabytes")
            .parse::<u32>()
            .unwrap()
            > 0
    );
    assert!(CONFIG.contains(&format!("trace-tui --follow {dir}")));
    // The pipeline wires them: otlp -> batch -> both exporters.
    assert_eq!(list(get("service.pipelines.traces.receivers")), ["otlp"]);
    assert_eq!(list(get("service.pipelines.traces.processors")), ["batch"]);
    assert_eq!(
        list(get("service.pipelines.traces.exporters")),
        ["otlphttp/trace-tui", "file/trace-tui"]
    );
    assert!(c.contains_key("processors.batch.timeout"));
}

#[test]
fn the_reader_rejects_what_it_should() {
    let c = flatten("a:\n  b: 1\n  c:\n    d: x\ne: [y]\n");
    assert_eq!(c["a.b"], "1");
    assert_eq!(c["a.c.d"], "x");
    assert_eq!(c["e"], "[y]");
    assert!(std::panic::catch_unwind(|| flatten("a: 1\na: 2\n")).is_err());
}
