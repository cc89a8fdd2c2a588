//! Masking and testimonial de-identification.

use crate::{Label, Span, scan};

/// How [`redact`] rewrites what it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every span becomes `[LABEL]`.
    Mask,
    /// For public testimonials: names become initials ("Maria Lopez" → "M. L."), health
    /// terms are removed, every other identifier is masked.
    Testimonial,
}

/// Redacts `text` (see [`Mode`]).
pub fn redact(text: &str, mode: Mode) -> String {
    redact_spans(text, &scan(text), mode)
}

/// Redacts `text` given its spans (sorted and non-overlapping, as [`crate::scan`] returns them).
pub fn redact_spans(text: &str, spans: &[Span], mode: Mode) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        if s.start < at || s.end > text.len() {
            continue;
        }
        out.push_str(&text[at..s.start]);
        let piece = &text[s.start..s.end];
        match (mode, s.label) {
            (Mode::Testimonial, Label::Name) => out.push_str(&initials(piece)),
            (Mode::Testimonial, l) if l.is_health() => {}
            (_, l) => {
                out.push('[');
                out.push_str(l.as_str());
                out.push(']');
            }
        }
        at = s.end;
    }
    out.push_str(&text[at..]);
    if mode == Mode::Testimonial { tidy(&out) } else { out }
}

/// "Maria de la Cruz" → "M. C."; "O'Brien" → "O.".
fn initials(name: &str) -> String {
    let parts: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase) || !w.chars().all(char::is_lowercase))
        .filter_map(|w| w.chars().find(|c| c.is_alphabetic()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect();
    if parts.is_empty() {
        name.chars().find(|c| c.is_alphabetic()).map(|c| format!("{}.", c.to_uppercase())).unwrap_or_default()
    } else {
        parts.join(" ")
    }
}

/// Repairs the spacing and punctuation that removing words leaves behind.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch == ' ' && (out.ends_with(' ') || out.ends_with('\n') || out.is_empty()) {
            continue;
        }
        if matches!(ch, ',' | '.' | '!' | '?' | ';' | ':' | ')') && out.ends_with(' ') {
            out.pop();
        }
        if ch == ',' && (out.ends_with(',') || out.ends_with('(')) {
            continue;
        }
        out.push(ch);
    }
    out.replace("( )", "").replace("()", "").trim_end().to_string()
}
