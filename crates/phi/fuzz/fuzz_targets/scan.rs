//! Any bytes that are UTF-8: the scanner and both redactions never panic, and spans are
//! sorted, disjoint, inside the text and on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portico_phi::{Mode, redact_spans, scan};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let spans = scan(text);
    let mut last = 0;
    for s in &spans {
        assert!(s.start >= last && s.start < s.end && s.end <= text.len());
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        last = s.end;
    }
    let _ = redact_spans(text, &spans, Mode::Mask);
    let _ = redact_spans(text, &spans, Mode::Testimonial);
});
