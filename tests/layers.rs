//! The layers are the crates: each crate's `[dependencies]` says what it may touch, so a
//! layer break is a compile error. This test keeps those lists honest (nobody adds ratatui to
//! the model "just for a colour") and checks what a manifest cannot: the pure crates never
//! read the clock.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The names in a manifest's `[dependencies]` table (not dev-dependencies).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['.', '=', ' ']).next().unwrap();
            out.push(name.to_string());
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            out.push((p, text));
        }
    }
}

const TERMINAL: [&str; 3] = ["ratatui", "crossterm", "tokio"];

#[test]
fn each_crate_depends_only_on_its_lower_layers() {
    let allowed: &[(&str, &[&str])] = &[
        (
            "trace-model",
            &[
                "fixedbitset",
                "hashbrown",
                "rustc-hash",
                "thiserror",
                "uuid",
            ],
        ),
        (
            "trace-formats",
            &[
                "trace-model",
                "chrono",
                "itoa",
                "rustc-hash",
                "serde",
                "serde_json",
                "thiserror",
            ],
        ),
        (
            "trace-ingest",
            &[
                "trace-model",
                "trace-formats",
                "anyhow",
                "memchr",
                "notify",
                "serde_json",
            ],
        ),
        (
            "trace-report",
            &[
                "trace-model",
                "trace-formats",
                "trace-prices",
                "rustc-hash",
                "serde",
                "serde_json",
            ],
        ),
        (
            "trace-synth",
            &["trace-formats", "trace-model", "serde", "serde_json"],
        ),
        (
            "trace-prices",
            &["regex", "regex-syntax", "serde", "serde_json", "thiserror"],
        ),
    ];
    for (krate, ok) in allowed {
        let deps = dependencies(&root().join("crates").join(krate).join("Cargo.toml"));
        assert!(!deps.is_empty(), "{krate}: no [dependencies] table read");
        for d in &deps {
            assert!(
                ok.contains(&d.as_str()),
                "{krate} depends on {d}, outside its layer"
            );
            assert!(!TERMINAL.contains(&d.as_str()), "{krate} depends on {d}");
        }
    }
}

/// The receiver is the one library crate with tokio and a network; it knows OTLP wire types
/// only, never the model, the readers or the terminal.
#[test]
fn the_otlp_receiver_is_the_only_async_library() {
    let ok = [
        "axum",
        "flate2",
        "http-body-util",
        "opentelemetry-proto",
        "prost",
        "serde_json",
        "tokio",
    ];
    let deps = dependencies(&root().join("crates/trace-otlp/Cargo.toml"));
    assert!(deps.contains(&"tokio".to_owned()), "{deps:?}");
    for d in &deps {
        assert!(ok.contains(&d.as_str()), "trace-otlp depends on {d}");
    }
}

#[test]
fn pure_crates_never_read_the_clock() {
    let mut files = Vec::new();
    for krate in [
        "trace-model",
        "trace-formats",
        "trace-report",
        "trace-prices",
    ] {
        sources(&root().join("crates").join(krate).join("src"), &mut files);
    }
    assert!(
        files.len() >= 20,
        "expected the pure sources, found {}",
        files.len()
    );
    for (path, text) in &files {
        for banned in [
            "Instant::now",
            "SystemTime::now",
            "Utc::now",
            "Local::now",
            "std::fs::",
            "std::thread::spawn",
        ] {
            assert!(
                !text.contains(banned),
                "{} uses {banned}: the pure layers do no IO and read no clock",
                path.display()
            );
        }
    }
}
