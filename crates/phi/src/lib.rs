//! A fast detector of protected health information in free text.
//!
//! [`scan`] finds the Safe Harbor identifiers of 45 CFR 164.514(b)(2) that can appear in text
//! (names, dates, phone and fax numbers, e-mail addresses, SSNs, record, plan, account, licence,
//! vehicle and device numbers, URLs, IP addresses, street addresses, ZIP codes, ages over 89 and
//! other unique identifiers) and health terms (conditions, symptoms, procedures, medications).
//! [`redact`] masks what was found, or de-identifies a testimonial.
//!
//! One pass tokenizes the text; every word is looked up once in a single hash table that knows
//! whether it is a given name, a family name, an everyday English word, a health term or a cue
//! ("MRN", "Dr.", "member id"). Recognizers then work on tokens, never on regular expressions.
//! This crate depends on nothing else in Portico.

mod detect;
mod label;
mod lexicon;
mod redact;
mod token;

pub mod corpus;

pub use label::Label;
pub use redact::{Mode, redact, redact_spans};

use std::sync::LazyLock;

/// A piece of the text that is PHI: byte offsets `start..end` (on char boundaries).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// What it is.
    pub label: Label,
    /// How sure the recognizer is, from 0 to 1.
    pub confidence: f32,
}

/// The scanner with its lexicons loaded; [`Scanner::global`] shares one per process.
pub struct Scanner {
    lex: lexicon::Lexicon,
}

/// Buffers a caller can keep between scans to avoid allocating per text.
#[derive(Default)]
pub struct Scratch {
    tokens: Vec<token::Tok>,
    cands: Vec<detect::Cand>,
    key: Vec<u8>,
    spans: Vec<Span>,
    words: token::WordCache,
}

static GLOBAL: LazyLock<Scanner> = LazyLock::new(Scanner::new);

impl Scanner {
    /// Loads the lexicons, compiled into the binary (well under a millisecond).
    pub fn new() -> Scanner {
        Scanner { lex: lexicon::Lexicon::load() }
    }

    /// The process-wide scanner, built on first use.
    pub fn global() -> &'static Scanner {
        &GLOBAL
    }

    /// Every span of PHI in `text`: sorted, non-overlapping, on char boundaries.
    pub fn scan(&self, text: &str) -> Vec<Span> {
        let mut scratch = Scratch::default();
        self.scan_into(text, &mut scratch).to_vec()
    }

    /// As [`Scanner::scan`], reusing the caller's buffers, and a cache of the words seen that
    /// makes scanning many texts faster.
    pub fn scan_with<'s>(&self, text: &str, scratch: &'s mut Scratch) -> &'s [Span] {
        scratch.words.enable();
        self.scan_into(text, scratch)
    }

    fn scan_into<'s>(&self, text: &str, scratch: &'s mut Scratch) -> &'s [Span] {
        let summary = token::tokenize(text, &self.lex, &mut scratch.words, &mut scratch.tokens);
        scratch.cands.clear();
        detect::run(
            text,
            &scratch.tokens,
            summary,
            &self.lex,
            &mut scratch.words,
            &mut scratch.key,
            &mut scratch.cands,
        );
        detect::resolve(&mut scratch.cands, &mut scratch.spans);
        &scratch.spans
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

/// Every span of PHI in `text` (see [`Scanner::scan`]).
pub fn scan(text: &str) -> Vec<Span> {
    Scanner::global().scan(text)
}
