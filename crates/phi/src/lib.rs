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
mod lexicon;
mod redact;
mod token;

pub mod corpus;

pub use redact::{Mode, redact, redact_spans};

use std::sync::LazyLock;

/// What kind of information a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// A person's name (patients, relatives, staff).
    Name,
    /// Any element of a date but the year alone.
    Date,
    /// Telephone number.
    Phone,
    /// Fax number.
    Fax,
    /// E-mail address.
    Email,
    /// Social Security number.
    Ssn,
    /// Medical record number.
    Mrn,
    /// Health plan beneficiary number.
    HealthPlanId,
    /// Account number (including payment cards).
    Account,
    /// Certificate or licence number (including NPI and DEA numbers).
    License,
    /// Vehicle identifier or licence plate.
    Vehicle,
    /// Device identifier or serial number.
    Device,
    /// Web address.
    Url,
    /// IP address.
    Ip,
    /// Street address or a place smaller than a state.
    Address,
    /// ZIP code.
    Zip,
    /// An age over 89.
    AgeOver89,
    /// Any other unique identifying number or code.
    OtherId,
    /// A condition, symptom, procedure or test.
    Condition,
    /// A medication.
    Medication,
}

impl Label {
    /// Every label, in the order reports print them.
    pub const ALL: [Label; 20] = [
        Label::Name,
        Label::Date,
        Label::Phone,
        Label::Fax,
        Label::Email,
        Label::Ssn,
        Label::Mrn,
        Label::HealthPlanId,
        Label::Account,
        Label::License,
        Label::Vehicle,
        Label::Device,
        Label::Url,
        Label::Ip,
        Label::Address,
        Label::Zip,
        Label::AgeOver89,
        Label::OtherId,
        Label::Condition,
        Label::Medication,
    ];

    /// The label as the CLI and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Name => "NAME",
            Label::Date => "DATE",
            Label::Phone => "PHONE",
            Label::Fax => "FAX",
            Label::Email => "EMAIL",
            Label::Ssn => "SSN",
            Label::Mrn => "MRN",
            Label::HealthPlanId => "HEALTH_PLAN_ID",
            Label::Account => "ACCOUNT",
            Label::License => "LICENSE",
            Label::Vehicle => "VEHICLE",
            Label::Device => "DEVICE",
            Label::Url => "URL",
            Label::Ip => "IP",
            Label::Address => "ADDRESS",
            Label::Zip => "ZIP",
            Label::AgeOver89 => "AGE_OVER_89",
            Label::OtherId => "OTHER_ID",
            Label::Condition => "CONDITION",
            Label::Medication => "MEDICATION",
        }
    }

    /// Parses the spelling of [`Label::as_str`].
    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Health terms, as opposed to identifiers.
    pub fn is_health(self) -> bool {
        matches!(self, Label::Condition | Label::Medication)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// Builds the lexicons (a few tens of milliseconds).
    pub fn new() -> Scanner {
        Scanner { lex: lexicon::Lexicon::build() }
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
        detect::run(text, &scratch.tokens, summary, &self.lex, &mut scratch.key, &mut scratch.cands);
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
