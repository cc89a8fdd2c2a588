//! Compiles the lexicon's word lists (`data/` and the lists in `src/lexicon/builder.rs`) into
//! the tables the scanner reads where they lie in its binary (see `src/lexicon/table.rs`), so
//! that a process starts scanning at once instead of building hash tables first.

// These modules are the crate's own; the scanner's half of them goes unused here.
#![allow(dead_code)]

#[path = "src/lexicon/builder.rs"]
mod builder;
#[path = "src/lexicon/entries.rs"]
mod entries;
#[path = "src/label.rs"]
mod label;
#[path = "src/lexicon/table.rs"]
mod table;

use label::Label;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for input in ["build.rs", "data", "src/label.rs", "src/lexicon"] {
        println!("cargo::rerun-if-changed={input}");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let built = builder::Builder::build();
    let mut phrases = builder::WordTable::default();
    for (term, label) in &built.phrases {
        *phrases.or_insert(term) = if *label == Label::Medication { entries::flag::MED } else { entries::flag::COND };
    }
    for (name, table) in [
        ("words", &built.words),
        ("phrases", &phrases),
        ("phrase_starts", &built.phrase_starts),
        ("upper", &built.upper),
        ("fuzzy", &built.fuzzy),
    ] {
        let [slots, long, keys] = table.compile();
        std::fs::write(out.join(format!("{name}.slots")), slots)?;
        std::fs::write(out.join(format!("{name}.long")), long)?;
        std::fs::write(out.join(format!("{name}.keys")), keys)?;
    }
    Ok(())
}
