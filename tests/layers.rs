//! The model layer stays pure: no terminal, no watcher, no async, no clock.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

#[test]
fn model_formats_and_summary_are_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for sub in ["model", "formats"] {
        sources(&root.join(sub), &mut files);
    }
    for f in ["event.rs", "summary.rs", "text.rs"] {
        let p = root.join(f);
        files.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    assert!(
        files.len() >= 10,
        "expected the model sources, found {}",
        files.len()
    );
    for (name, text) in &files {
        for banned in [
            "ratatui",
            "crossterm",
            "notify::",
            "tokio",
            "SystemTime::now",
            "Instant::now",
            "Utc::now",
            "Local::now",
        ] {
            assert!(!text.contains(banned), "{name} mentions {banned}");
        }
    }
}
