//! The word lists, compiled by the build script into tables that the scanner reads in place
//! (see `lexicon/table.rs`): loading them costs well under a millisecond.

#[cfg(test)]
mod builder;
mod entries;
mod table;

pub(crate) use entries::{Cue, DIGIT_WORDS, ORDINAL_WORDS, flag, fuzzy};

use crate::Label;
use entries::{CUES, english_words, entry_tokens};
use rustc_hash::FxHashMap;
use table::{Lines, Table};

/// A table the build script wrote to its output directory (see `build.rs`).
macro_rules! compiled {
    ($name:literal) => {
        Table::new(
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".slots")),
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".long")),
            include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".keys")),
        )
    };
}

/// The words of a cue after its first, and what the cue announces.
type CuePhrase = (Vec<Box<[u8]>>, Cue);

pub(crate) struct Lexicon {
    /// Lower-cased word → its [`flag`]s.
    words: Table,
    /// Multi-word health terms, lower case with single spaces → [`flag::COND`] or
    /// [`flag::MED`].
    phrases: Table,
    /// The keys of every multi-word health term's first two tokens (see `token::phrase_key`).
    phrase_starts: Table,
    /// Health terms that count only in upper case ("ADD", "MS").
    upper: Table,
    /// Each one-word health term of six letters or more (five when curated), and each of its
    /// one-letter deletions (see [`fuzzy`]).
    fuzzy: Table,
    /// Correctly spelled words beyond the everyday list (see [`Lexicon::is_english`]).
    english: Lines,
    /// Cue phrases by first word: the remaining words, and what they announce.
    cues: FxHashMap<Box<[u8]>, Vec<CuePhrase>>,
}

impl Lexicon {
    pub fn load() -> Lexicon {
        let mut cues: FxHashMap<Box<[u8]>, Vec<CuePhrase>> = FxHashMap::default();
        for (phrase, cue) in CUES {
            let toks: Vec<&str> = entry_tokens(phrase);
            let Some((first, rest)) = toks.split_first() else { continue };
            let rest = rest.iter().map(|t| t.as_bytes().to_vec().into_boxed_slice()).collect();
            cues.entry(first.as_bytes().to_vec().into_boxed_slice()).or_default().push((rest, *cue));
        }
        for list in cues.values_mut() {
            list.sort_by_key(|(rest, _)| std::cmp::Reverse(rest.len())); // longest cue first
        }
        Lexicon {
            words: compiled!("words"),
            phrases: compiled!("phrases"),
            phrase_starts: compiled!("phrase_starts"),
            upper: compiled!("upper"),
            fuzzy: compiled!("fuzzy"),
            english: Lines::new(english_words()),
            cues,
        }
    }

    /// Flags of a lower-cased word (0 when unknown).
    pub fn flags(&self, lower: &[u8]) -> u32 {
        self.words.get(lower)
    }

    /// Flags of a word given as its packed short key (see `token::packed_lower`).
    pub fn flags_packed(&self, key: u128) -> u32 {
        self.words.get_packed(key)
    }

    /// Flags of a punctuation mark: only "#" means something (an identifier follows).
    pub fn punct_flags(&self, c: u8) -> u32 {
        if c == b'#' { flag::CUE } else { 0 }
    }

    pub fn phrase(&self, key: &[u8]) -> Option<Label> {
        match self.phrases.get(key) {
            0 => None,
            flag::MED => Some(Label::Medication),
            _ => Some(Label::Condition),
        }
    }

    /// Whether a multi-word term may start with these two tokens (keyed by `token::phrase_key`).
    pub fn phrase_may_start(&self, two: &[u8]) -> bool {
        self.phrase_starts.get(two) != 0
    }

    /// As [`Lexicon::phrase_may_start`], given the two tokens' key packed (when it is short).
    pub fn phrase_may_start_packed(&self, two: u128) -> bool {
        self.phrase_starts.get_packed(two) != 0
    }

    pub fn upper_term(&self, word: &[u8]) -> Option<Label> {
        match self.upper.get(word) {
            0 => None,
            flag::MED => Some(Label::Medication),
            _ => Some(Label::Condition),
        }
    }

    /// What `key` is to the misspelling search (see [`fuzzy`]); 0 when nothing.
    pub fn fuzzy(&self, key: &[u8]) -> u32 {
        self.fuzzy.get(key)
    }

    /// As [`Lexicon::fuzzy`], given a packed short key.
    pub fn fuzzy_packed(&self, key: u128) -> u32 {
        self.fuzzy.get_packed(key)
    }

    /// Whether `lower` is a correctly spelled English word or proper noun beyond the everyday
    /// list ("resend", "africa"): never read as a misspelled health term. A binary search of
    /// the sorted list as compiled in, cheaper to build than a table.
    pub fn is_english(&self, lower: &[u8]) -> bool {
        self.english.contains(lower)
    }

    pub fn cues(&self, first: &[u8]) -> &[CuePhrase] {
        self.cues.get(first).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::builder::{Builder, WordTable};
    use super::table::{Lines, Table, pack};
    use super::{Lexicon, english_words, flag};
    use crate::Label;
    use crate::token::{self, Tok, WordCache};

    type Entries = Vec<(Vec<u8>, u32)>;

    /// Every key of a compiled table, with its value, and the same of a built one.
    fn entries(compiled: &Table, built: &WordTable) -> (Entries, Entries) {
        let mut a = compiled.entries();
        let unpack = |k: u128| k.to_le_bytes()[..usize::from(k.to_le_bytes()[15])].to_vec();
        let mut b: Entries = built.short.iter().map(|(&k, &v)| (unpack(k), v)).collect();
        b.extend(built.long.iter().map(|(k, &v)| (k.to_vec(), v)));
        a.sort_unstable();
        b.sort_unstable();
        (a, b)
    }

    /// The tables compiled into the binary hold exactly what the lists build today, and each
    /// key is found by the lookup the scanner makes, as is nothing else.
    #[test]
    fn the_compiled_tables_answer_as_the_lists_build() {
        let (built, lex) = (Builder::build(), Lexicon::load());
        for (name, compiled, table) in [
            ("words", &lex.words, &built.words),
            ("phrase starts", &lex.phrase_starts, &built.phrase_starts),
            ("upper", &lex.upper, &built.upper),
            ("fuzzy", &lex.fuzzy, &built.fuzzy),
        ] {
            let (a, b) = entries(compiled, table);
            assert!(a == b, "the compiled {name} table differs from the built one: rebuild");
            for (key, value) in &b {
                assert_eq!(compiled.get(key), *value, "{name}: {}", String::from_utf8_lossy(key));
            }
        }
        assert!(built.words.short.len() > 100_000 && built.fuzzy.short.len() > 50_000);
        for absent in [&b"zzqx"[..], b"", b"metformn", b"a very long key that no table holds at all"] {
            assert_eq!(lex.flags(absent), 0);
        }
        assert_eq!(built.phrases.len(), lex.phrases.entries().len());
        for (term, label) in &built.phrases {
            assert_eq!(lex.phrase(term), Some(*label), "{}", String::from_utf8_lossy(term));
        }
        assert_eq!(lex.phrase(b"blood pressur"), None);
        assert_eq!(lex.phrase(b"blood pressure"), Some(Label::Condition));
        assert!(
            lex.flags(b"metformin") & flag::MED != 0 && lex.flags_packed(pack(b"mary").unwrap_or(0)) & flag::GIVEN != 0
        );
    }

    /// Written by the builder and read by the scanner, a table finds each of its keys, short
    /// and long, with its value, wherever probing placed it, and nothing else.
    #[test]
    fn a_table_finds_what_was_written_into_it() {
        let mut built = WordTable::default();
        let words: Vec<String> =
            (0..200).map(|n| format!("w{n}")).chain((0..50).map(|n| format!("a much longer key {n}"))).collect();
        for (n, w) in words.iter().enumerate() {
            *built.or_insert(w.as_bytes()) = n as u32 + 1;
        }
        let [slots, long, keys] = built.compile();
        assert!(slots.len() / super::table::SLOT >= 256, "at most 60 % full");
        let table = Table::new(slots.leak(), long.leak(), keys.leak());
        for (n, w) in words.iter().enumerate() {
            assert_eq!(table.get(w.as_bytes()), n as u32 + 1, "{w}");
        }
        for absent in ["w200", "", "a much longer key 50", "a much longer key", "w"] {
            assert_eq!(table.get(absent.as_bytes()), 0, "{absent}");
        }
        let empty = WordTable::default().compile();
        assert_eq!(Table::new(&[], &[], &[]).get(b"w1"), 0);
        assert_eq!(empty[0].len(), super::table::MIN_SLOTS * super::table::SLOT);
    }

    /// The multi-word terms' two-token starts, taken from the terms' text while building, are
    /// exactly the ones the tokenizer gives.
    #[test]
    fn phrase_starts_agree_with_the_tokenizer() {
        let (built, lex) = (Builder::build(), Lexicon::load());
        let (mut toks, mut key, mut ends): (Vec<Tok>, Vec<u8>, _) = (Vec::new(), Vec::new(), [0; flag::MAX_PHRASE + 1]);
        let mut reference = WordTable::default();
        for term in built.phrases.keys() {
            let Ok(term) = std::str::from_utf8(term) else { continue };
            token::tokenize(term, &lex, &mut WordCache::default(), &mut toks);
            if token::phrase_key(term, &toks, 0, 2, &mut key, &mut ends) == 2 {
                *reference.or_insert(&key) = 1;
            }
        }
        let keys = |t: &WordTable| {
            let mut short: Vec<u128> = t.short.keys().copied().collect();
            let mut long: Vec<Vec<u8>> = t.long.keys().map(|k| k.to_vec()).collect();
            short.sort_unstable();
            long.sort_unstable();
            (short, long)
        };
        let (built, expected) = (keys(&built.phrase_starts), keys(&reference));
        assert!(built.0.len() + built.1.len() > 10_000);
        assert_eq!(built, expected);
    }

    /// The binary search finds every line of the list, and nothing between or around them.
    #[test]
    fn the_sorted_english_list_finds_each_of_its_words_and_nothing_else() {
        let data = english_words();
        let list = Lines::new(data);
        let words: Vec<&[u8]> = data.split(|&c| c == b'\n').filter(|w| !w.is_empty()).collect();
        assert!(words.len() > 30_000 && words.is_sorted(), "the generated list is sorted by bytes");
        for w in &words {
            assert!(list.contains(w), "{}", String::from_utf8_lossy(w));
            let mut longer = w.to_vec();
            longer.push(b'~'); // after every letter: between this word and the next
            assert!(!list.contains(&longer) || words.contains(&longer.as_slice()));
        }
        for absent in [&b""[..], b"a", b"zzzzzz", b"resen", b"metformn"] {
            assert!(!list.contains(absent), "{}", String::from_utf8_lossy(absent));
        }
        let small = Lines::new(b"b\nd\nf");
        assert!(small.contains(b"f") && small.contains(b"b") && !small.contains(b"e") && !small.contains(b""));
    }
}
