//! `portico phi ...`: the PHI scanner on the command line.
//!
//! `scan` reads JSON Lines (`{"id": ..., "text": ...}`) and writes one line per document,
//! `{"id": ..., "spans": [{"start", "end", "label"}]}`, with offsets in Unicode code points
//! (end exclusive). `redact` reads plain text and writes it redacted. `score` prints precision,
//! recall and F1 of the scanner over labelled corpus files.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use portico_phi::{Mode, Scanner, Scratch, Span, corpus};
use serde::Deserialize;
use serde_json::value::RawValue;

/// `portico phi ...`.
#[derive(Subcommand, Debug)]
pub enum PhiCommand {
    /// JSON Lines in (`{"id","text"}`), one `{"id","spans"}` line out per document.
    Scan,
    /// Plain text in, redacted text out.
    Redact {
        /// `mask` replaces every finding with [LABEL]; `testimonial` turns names into
        /// initials, removes health terms and masks the rest.
        #[arg(long, value_enum, default_value_t = RedactMode::Mask)]
        mode: RedactMode,
    },
    /// Precision, recall and F1 over labelled corpus files (`[[LABEL|text]]` markup).
    Score {
        /// Corpus files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also list every missed and every extra span.
        #[arg(long)]
        errors: bool,
    },
}

/// Redaction modes on the command line.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RedactMode {
    /// Replace with [LABEL].
    Mask,
    /// De-identify a testimonial.
    Testimonial,
}

/// Runs a `phi` command; returns the exit code.
pub fn run(command: PhiCommand) -> i32 {
    let result = match command {
        PhiCommand::Scan => scan(std::io::stdin().lock(), std::io::stdout().lock()),
        PhiCommand::Redact { mode } => redact(mode),
        PhiCommand::Score { files, errors } => score(&files, errors),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow)]
    id: &'a RawValue,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

/// Streams JSON Lines; a line that is not a document is reported on stderr (by line number,
/// never by content) and makes the exit code 1, the others are still answered.
pub fn scan(mut input: impl Read, mut output: impl Write) -> std::io::Result<i32> {
    let scanner = Scanner::global();
    // The answers to a block of lines are gathered here and written together.
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut scratch = Scratch::default();
    // Lines are read in large blocks and scanned where they lie, without a copy each.
    let mut buf = vec![0u8; 1 << 20];
    let (mut filled, mut number, mut bad) = (0usize, 0usize, 0usize);
    let mut line = |line: &[u8], out: &mut Vec<u8>| -> std::io::Result<()> {
        number += 1;
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return Ok(());
        }
        if let Some((id, text)) = plain_doc(trimmed) {
            return answer(out, id, text, scanner.scan_with(text, &mut scratch));
        }
        match serde_json::from_slice::<Doc<'_>>(trimmed) {
            Ok(doc) => answer(out, doc.id.get().as_bytes(), &doc.text, scanner.scan_with(&doc.text, &mut scratch)),
            Err(e) => {
                let why = match e.classify() {
                    serde_json::error::Category::Data => "wrong or missing fields",
                    _ => "invalid JSON",
                };
                eprintln!("line {number}: not a {{\"id\", \"text\"}} document: {why}");
                bad += 1;
                Ok(())
            }
        }
    };
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the buffer
        }
        let n = match input.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        filled += n;
        let mut start = 0;
        while let Some(end) = memchr::memchr(b'\n', &buf[start..filled]) {
            line(&buf[start..start + end], &mut out)?;
            start += end + 1;
        }
        if n == 0 {
            if start < filled {
                line(&buf[start..filled], &mut out)?;
            }
            break;
        }
        output.write_all(&out)?;
        out.clear();
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
    output.write_all(&out)?;
    output.flush()?;
    Ok(if bad == 0 { 0 } else { 1 })
}

/// One answer line: `{"id":...,"spans":[...]}`.
fn answer(out: &mut impl Write, id: &[u8], text: &str, spans: &[Span]) -> std::io::Result<()> {
    out.write_all(b"{\"id\":")?;
    out.write_all(id)?;
    out.write_all(b",\"spans\":[")?;
    write_spans(out, text, spans)?;
    out.write_all(b"]}\n")
}

/// The usual line, `{"id":<integer or string>,"text":"<string>"}` with no white space and no
/// escapes, read without a JSON parser: its id as written, and its text. Any other line, valid
/// or not, is `None` and goes to serde_json, which decides what it means.
fn plain_doc(line: &[u8]) -> Option<(&[u8], &str)> {
    let rest = line.strip_prefix(b"{\"id\":")?;
    let id_len = match rest.first()? {
        b'"' => plain_string(&rest[1..])? + 2,
        _ => {
            let digits = rest.iter().position(|c| !c.is_ascii_digit() && *c != b'-')?;
            let number = &rest[..digits];
            let unsigned = number.strip_prefix(b"-").unwrap_or(number);
            let canonical =
                !unsigned.is_empty() && !unsigned.contains(&b'-') && (unsigned == b"0" || unsigned[0] != b'0');
            if !canonical {
                return None;
            }
            digits
        }
    };
    let (id, rest) = rest.split_at(id_len);
    let rest = rest.strip_prefix(b",\"text\":\"")?;
    let text_len = plain_string(rest)?;
    if &rest[text_len..] != b"\"}" {
        return None;
    }
    std::str::from_utf8(id).ok()?;
    Some((id, std::str::from_utf8(&rest[..text_len]).ok()?))
}

/// The length of a JSON string's contents up to its closing quote, when it has no escape
/// and no control character.
fn plain_string(s: &[u8]) -> Option<usize> {
    let end = memchr::memchr2(b'"', b'\\', s)?;
    // A fold without an early exit: the compiler checks 32 bytes a step.
    let controls = s[..end].iter().fold(false, |found, &c| found | (c < 0x20));
    (s[end] == b'"' && !controls).then_some(end)
}

/// Writes spans with code-point offsets.
fn write_spans(out: &mut impl Write, text: &str, spans: &[Span]) -> std::io::Result<()> {
    let ascii = text.is_ascii();
    let (mut byte, mut chars) = (0usize, 0usize);
    let mut to_chars = |b: usize| {
        if ascii {
            return b;
        }
        chars += text.as_bytes()[byte..b].iter().filter(|&&c| (c & 0xC0) != 0x80).count();
        byte = b;
        chars
    };
    let mut buf = [0u8; 20];
    for (n, s) in spans.iter().enumerate() {
        let (start, end) = (to_chars(s.start), to_chars(s.end));
        if n > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"{\"start\":")?;
        out.write_all(fmt_usize(&mut buf, start))?;
        out.write_all(b",\"end\":")?;
        out.write_all(fmt_usize(&mut buf, end))?;
        out.write_all(b",\"label\":\"")?;
        out.write_all(s.label.as_str().as_bytes())?;
        out.write_all(b"\"}")?;
    }
    Ok(())
}

fn fmt_usize(buf: &mut [u8; 20], mut v: usize) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

fn redact(mode: RedactMode) -> std::io::Result<i32> {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        eprintln!("error: the input is not UTF-8 text");
        return Ok(1);
    }
    let mode = match mode {
        RedactMode::Mask => Mode::Mask,
        RedactMode::Testimonial => Mode::Testimonial,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(portico_phi::redact(&text, mode).as_bytes())?;
    out.flush()?;
    Ok(0)
}

fn score(files: &[PathBuf], errors: bool) -> std::io::Result<i32> {
    let mut docs = Vec::new();
    for f in files {
        let src =
            std::fs::read_to_string(f).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", f.display())))?;
        match corpus::parse(&src) {
            Ok(d) => docs.extend(d),
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return Ok(1);
            }
        }
    }
    let report = corpus::score(&docs, Scanner::global());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} documents", docs.len())?;
    out.write_all(report.table().as_bytes())?;
    if errors {
        for (line, label, text, kind) in &report.errors {
            writeln!(out, "{kind:<6} line {line:>4} {label:<14} {text:?}")?;
        }
    }
    Ok(0)
}
