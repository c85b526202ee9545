//! Screenshots: a rendered buffer written as an SVG (monospace `<text>` rows, colours kept), so
//! the images in `screenshots/` come from the real drawing code.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FG: &str = "#d8dee9";
const BG: &str = "#1e222a";

/// The hex colour of a terminal colour (a fixed dark palette).
fn hex(c: Color, default: &'static str) -> String {
    let named = match c {
        Color::Reset => default,
        Color::Black => "#1e222a",
        Color::Red => "#e06c75",
        Color::Green => "#98c379",
        Color::Yellow => "#e5c07b",
        Color::Blue => "#61afef",
        Color::Magenta => "#c678dd",
        Color::Cyan => "#56b6c2",
        Color::Gray => "#abb2bf",
        Color::DarkGray => "#5c6370",
        Color::LightRed => "#ff7b86",
        Color::LightGreen => "#b5e890",
        Color::LightYellow => "#ffd787",
        Color::LightBlue => "#8cc8ff",
        Color::LightMagenta => "#e0a0ff",
        Color::LightCyan => "#8be9fd",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) if i >= 232 => {
            let v = 8 + 10 * (i - 232);
            return format!("#{v:02x}{v:02x}{v:02x}");
        }
        Color::Indexed(_) => default,
    };
    named.to_owned()
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The whole buffer as a standalone SVG document.
pub fn buffer_to_svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="0 0 {:.0} {:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#,
        f64::from(w) * CELL_W,
        f64::from(h) * CELL_H,
        f64::from(w) * CELL_W,
        f64::from(h) * CELL_H
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="{BG}"/>"#);
    for y in 0..h {
        // Backgrounds, merged into runs of equal colour.
        let mut x = 0;
        while x < w {
            let bg = buf[(x, y)].bg;
            let start = x;
            while x < w && buf[(x, y)].bg == bg {
                x += 1;
            }
            if bg != Color::Reset {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{}"/>"#,
                    f64::from(start) * CELL_W,
                    f64::from(y) * CELL_H,
                    f64::from(x - start) * CELL_W,
                    hex(bg, BG)
                );
            }
        }
        let _ = write!(
            out,
            r#"<text y="{:.1}" xml:space="preserve">"#,
            f64::from(y) * CELL_H + 13.0
        );
        let mut x = 0;
        while x < w {
            let cell = &buf[(x, y)];
            if cell.symbol().is_empty() || cell.symbol() == " " {
                x += 1;
                continue;
            }
            // One tspan per run of equally styled cells, placed at its column.
            let (fg, bold) = (cell.fg, cell.modifier.contains(Modifier::BOLD));
            let _ = write!(
                out,
                r#"<tspan x="{:.1}" fill="{}""#,
                f64::from(x) * CELL_W,
                hex(fg, FG)
            );
            if bold {
                out.push_str(r#" font-weight="bold""#);
            }
            out.push('>');
            while x < w {
                let c = &buf[(x, y)];
                if c.fg != fg
                    || c.modifier.contains(Modifier::BOLD) != bold
                    || c.symbol().is_empty()
                {
                    break;
                }
                escape(c.symbol(), &mut out);
                x += 1;
                if !c.symbol().is_ascii() && x < w && buf[(x, y)].symbol().is_empty() {
                    break;
                }
            }
            out.push_str("</tspan>");
            while x < w && buf[(x, y)].symbol().is_empty() {
                x += 1;
            }
        }
        out.push_str("</text>\n");
    }
    out.push_str("</svg>\n");
    out
}
