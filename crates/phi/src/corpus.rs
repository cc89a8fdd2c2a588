//! The labelled corpus format and the scorer.
//!
//! One document per line; `[[LABEL|text]]` marks a span; lines starting with `#` are comments.
//! `\n` inside a line stands for a line break. Example:
//! `hi this is [[NAME|maria lopez]], dob [[DATE|3/14/71]]`.

use crate::{Label, Scanner, Scratch, Span};
use std::fmt::Write as _;

/// The held-out sets whose texts the benchmarks scan (markup removed): written once and never
/// edited but for a corrected mark, so that figures stay comparable from change to change.
pub const BENCH_SETS: &[&str] = &[
    include_str!("../corpus/heldout.txt"),
    include_str!("../corpus/heldout2.txt"),
    include_str!("../corpus/heldout3.txt"),
    include_str!("../corpus/heldout4.txt"),
    include_str!("../corpus/heldout5.txt"),
    include_str!("../corpus/heldout6.txt"),
    include_str!("../corpus/heldout7.txt"),
    include_str!("../corpus/heldout8.txt"),
    include_str!("../corpus/heldout9.txt"),
];

/// A document of the corpus: its text and the spans a person marked in it.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Line number in the source, for messages.
    pub line: usize,
    /// The text, markup removed.
    pub text: String,
    /// Marked spans: byte offsets into `text`, and label.
    pub gold: Vec<(usize, usize, Label)>,
}

/// Parses a corpus file; errors name the line.
pub fn parse(src: &str) -> Result<Vec<Doc>, String> {
    let mut docs = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.replace("\\n", "\n");
        let mut text = String::with_capacity(line.len());
        let mut gold = Vec::new();
        let mut rest = line.as_str();
        while let Some(open) = rest.find("[[") {
            text.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let close = after.find("]]").ok_or_else(|| format!("line {}: unclosed [[", n + 1))?;
            let inner = &after[..close];
            let (label, span_text) =
                inner.split_once('|').ok_or_else(|| format!("line {}: [[{inner}]] has no |", n + 1))?;
            let label = Label::parse(label).ok_or_else(|| format!("line {}: unknown label {label}", n + 1))?;
            let start = text.len();
            text.push_str(span_text);
            gold.push((start, text.len(), label));
            rest = &after[close + 2..];
        }
        text.push_str(rest);
        docs.push(Doc { line: n + 1, text, gold });
    }
    Ok(docs)
}

/// Precision, recall and F1 from counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Marked spans found by an overlapping prediction.
    pub found: usize,
    /// Marked spans.
    pub gold: usize,
    /// Predictions that overlap a marked span.
    pub correct: usize,
    /// Predictions.
    pub predicted: usize,
}

impl Counts {
    /// Share of marked spans found (1 when there are none).
    pub fn recall(&self) -> f64 {
        if self.gold == 0 { 1.0 } else { self.found as f64 / self.gold as f64 }
    }
    /// Share of predictions that were right (1 when there are none).
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 { 1.0 } else { self.correct as f64 / self.predicted as f64 }
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// Scores per label and per group, with the errors for inspection.
#[derive(Debug, Default)]
pub struct Report {
    /// Per label, in [`Label::ALL`] order; a span counts when the labels agree.
    pub labels: Vec<(Label, Counts)>,
    /// The 18 identifiers: a span counts when any identifier label overlaps it.
    pub identifiers: Counts,
    /// Conditions and medications: a span counts when any health label overlaps it.
    pub health: Counts,
    /// Missed marked spans and wrong predictions: (line, label, text, "missed" or "extra").
    pub errors: Vec<(usize, Label, String, &'static str)>,
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Scans every document and compares with what was marked.
pub fn score(docs: &[Doc], scanner: &Scanner) -> Report {
    let mut per: Vec<Counts> = vec![Counts::default(); Label::ALL.len()];
    let mut report = Report::default();
    let idx = |l: Label| Label::ALL.iter().position(|x| *x == l).unwrap_or(0);
    let mut scratch = Scratch::default();
    for doc in docs {
        let pred: Vec<Span> = scanner.scan_with(&doc.text, &mut scratch).to_vec();
        for &(s, e, label) in &doc.gold {
            let c = &mut per[idx(label)];
            c.gold += 1;
            if pred.iter().any(|p| p.label == label && overlaps((s, e), (p.start, p.end))) {
                c.found += 1;
            }
            let group = if label.is_health() { &mut report.health } else { &mut report.identifiers };
            group.gold += 1;
            if pred.iter().any(|p| p.label.is_health() == label.is_health() && overlaps((s, e), (p.start, p.end))) {
                group.found += 1;
            } else {
                report.errors.push((doc.line, label, doc.text[s..e].to_string(), "missed"));
            }
        }
        for p in &pred {
            let c = &mut per[idx(p.label)];
            c.predicted += 1;
            if doc.gold.iter().any(|&(s, e, l)| l == p.label && overlaps((s, e), (p.start, p.end))) {
                c.correct += 1;
            }
            let group = if p.label.is_health() { &mut report.health } else { &mut report.identifiers };
            group.predicted += 1;
            if doc
                .gold
                .iter()
                .any(|&(s, e, l)| l.is_health() == p.label.is_health() && overlaps((s, e), (p.start, p.end)))
            {
                group.correct += 1;
            } else {
                report.errors.push((doc.line, p.label, doc.text[p.start..p.end].to_string(), "extra"));
            }
        }
    }
    report.labels = Label::ALL.iter().copied().zip(per).collect();
    report
}

impl Report {
    /// The table the scoring command prints.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ =
            writeln!(out, "{:<16} {:>6} {:>6} {:>9} {:>7} {:>7}", "label", "gold", "pred", "precision", "recall", "f1");
        let mut row = |name: &str, c: &Counts| {
            let _ = writeln!(
                out,
                "{:<16} {:>6} {:>6} {:>9.3} {:>7.3} {:>7.3}",
                name,
                c.gold,
                c.predicted,
                c.precision(),
                c.recall(),
                c.f1()
            );
        };
        for (label, c) in &self.labels {
            if c.gold + c.predicted > 0 {
                row(label.as_str(), c);
            }
        }
        row("= identifiers", &self.identifiers);
        row("= health terms", &self.health);
        out
    }
}
