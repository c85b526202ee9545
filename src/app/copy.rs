//! `y`: the record shown in the detail pane, put on the clipboard with OSC 52 (the terminal
//! does it, so it works over ssh). `App::clipboard` holds the escape sequence until the
//! runtime writes it; the text is the cleaned, pretty-printed record, base64-encoded.

use super::{App, View};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

impl App {
    /// Copies the shown node's records (start and end) to the clipboard.
    pub(super) fn copy_record(&mut self) {
        let shown = match self.view {
            View::Timeline => self.event_node(),
            _ => self.tree.selected,
        };
        let Some(id) = shown else {
            self.search.message = Some("nothing to copy".to_owned());
            return;
        };
        let p = self.payloads.get_or_load(&self.trace, id);
        let mut text = String::new();
        for (heading, lines) in &p.sections {
            text.push_str(heading);
            text.push('\n');
            for l in lines {
                text.push_str(l);
                text.push('\n');
            }
        }
        let lines = text.lines().count();
        self.clipboard = Some(osc52(&text));
        self.search.message = Some(format!("copied {lines} lines to the clipboard (OSC 52)"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
