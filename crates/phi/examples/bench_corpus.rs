//! Writes a chat-like JSON Lines corpus of about N megabytes (default 50) to stdout, for the
//! `portico phi scan` benchmark: documents of the held-out corpora, markup removed, combined
//! one to three at a time in a fixed pseudo-random order.
//! (see [`portico_phi::corpus::BENCH_SETS`]; the development set, which grows with every fix,
//! is left out).

use std::io::Write;

fn main() -> std::io::Result<()> {
    let megabytes: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let mut texts = Vec::new();
    for src in portico_phi::corpus::BENCH_SETS {
        texts.extend(portico_phi::corpus::parse(src).unwrap_or_default().into_iter().map(|d| d.text));
    }
    if texts.is_empty() {
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut written, mut id) = (0usize, 0u64);
    while written < megabytes * 1_000_000 {
        let parts = 1 + (next() % 3) as usize;
        let text: Vec<&str> = (0..parts).map(|_| texts[(next() % texts.len() as u64) as usize].as_str()).collect();
        let line = format!("{{\"id\":{id},\"text\":{}}}\n", json_string(&text.join(" ")));
        out.write_all(line.as_bytes())?;
        written += line.len();
        id += 1;
    }
    out.flush()
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
