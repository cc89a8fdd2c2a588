//! One pass over the text: words, numbers and punctuation, each word looked up once.

use crate::lexicon::{Lexicon, flag};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters (any script), with inner apostrophes.
    Word,
    /// ASCII digits.
    Num,
    /// Any other single character that is not white space.
    Punct,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    /// `end` without a possessive "'s": where a name ends.
    pub stem_end: usize,
    /// Lexicon flags of the word (lower-cased), or of the punctuation mark.
    pub flags: u32,
    pub kind: Kind,
    pub space_before: bool,
    /// A sentence may start here: start of text, a line break, or after . ! ?
    pub sentence_start: bool,
    /// First letter upper case.
    pub cap: bool,
    /// Every letter upper case, two letters or more.
    pub upper: bool,
}

impl Tok {
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }
}

/// What a text contains, so that recognizers with nothing to find can be skipped.
#[derive(Clone, Copy, Default)]
pub(crate) struct Summary {
    /// The union of the words' flags.
    pub flags: u32,
    pub digits: bool,
    /// "@", or "." or ":" between two non-blank characters: maybe an e-mail or web address.
    pub address_marks: bool,
    /// "::", or five colons between non-blank characters: maybe an IPv6 or a hardware (MAC)
    /// address.
    pub hex_address_marks: bool,
    /// Numbers in words ("two", "fourth") and numerals of one digit: digits or a date read
    /// aloud may be here.
    pub read_aloud: u32,
}

/// The flags of the short words looked up last, by packed key, in a small direct-mapped table.
/// Chat is mostly a few thousand everyday words: this table stays in the processor's near
/// caches, where their entries in the lexicon's, spread over megabytes, do not (about 5 % of a
/// scan's time).
#[derive(Default)]
pub(crate) struct WordCache {
    /// Empty until [`WordCache::enable`], so that a one-off scan does not pay for it. A slot
    /// holds a key, its flags, and what [`WordCache::memo_or`] remembered for it (0: nothing).
    slots: Vec<(u64, u64, u32, u32)>,
}

impl WordCache {
    /// 4,096 slots of 24 bytes (96 KiB): within the second-level cache, and enough for the
    /// vocabulary of messages of several paragraphs (a quarter of it cost 6-9 % on those).
    const BITS: u32 = 12;

    pub fn enable(&mut self) {
        if self.slots.is_empty() {
            self.slots = vec![(0, 0, 0, 0); 1 << Self::BITS];
        }
    }

    /// The cached flags of `key`, else `lookup()`'s, then cached. No word's key is 0 (a packed
    /// key holds the word's length), so an empty slot matches nothing.
    #[inline(always)]
    fn get_or(&mut self, key: u128, lookup: impl FnOnce() -> u32) -> u32 {
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let Some(slot) = self.slots.get_mut(Self::slot(lo, hi)) else { return lookup() };
        if slot.0 == lo && slot.1 == hi {
            return slot.2;
        }
        let flags = lookup();
        *slot = (lo, hi, flags, 0);
        flags
    }

    /// A further answer about the word of `key` that depends on the word alone (the misspelling
    /// search's): remembered beside its flags while the word stays cached, else `compute()`'s,
    /// which is never 0.
    #[inline]
    pub fn memo_or(&mut self, key: u128, compute: impl FnOnce() -> u32) -> u32 {
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        match self.slots.get_mut(Self::slot(lo, hi)) {
            Some(slot) if slot.0 == lo && slot.1 == hi => {
                if slot.3 == 0 {
                    slot.3 = compute();
                }
                slot.3
            }
            _ => compute(),
        }
    }

    fn slot(lo: u64, hi: u64) -> usize {
        ((lo ^ hi).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize
    }
}

/// Splits `text` into tokens (into `out`, cleared first) and looks every word up in `lex`
/// (short ones through `cache`).
pub(crate) fn tokenize(text: &str, lex: &Lexicon, cache: &mut WordCache, out: &mut Vec<Tok>) -> Summary {
    out.clear();
    let mut summary = Summary::default();
    let b = text.as_bytes();
    let mut i = 0;
    let mut space = true;
    let mut sentence = true;
    let mut lower = [0u8; 48];
    // Words of two letters or more, and those in capitals: see `shouting_is_not_capitalization`.
    let (mut words, mut upper) = (0usize, 0usize);
    let mut colons = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            space = true;
            if c == b'\n' {
                sentence = true;
            }
            i += 1;
            continue;
        }
        let start = i;
        let kind;
        let (mut ascii, mut apostrophe) = (true, false);
        if c.is_ascii_alphabetic() {
            (i, ascii, apostrophe) = word_end(text, i);
            kind = Kind::Word;
        } else if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            kind = Kind::Num;
        } else if c < 0x80 {
            i += 1;
            kind = Kind::Punct;
        } else {
            let ch = char_at(text, i);
            if ch.is_whitespace() {
                space = true;
                i += ch.len_utf8();
                continue;
            }
            if ch.is_alphabetic() {
                (i, ascii, apostrophe) = word_end(text, i);
                kind = Kind::Word;
            } else {
                i += ch.len_utf8();
                kind = Kind::Punct;
            }
        }
        let mut tok = Tok {
            start,
            end: i,
            stem_end: i,
            flags: 0,
            kind,
            space_before: space,
            sentence_start: sentence,
            cap: false,
            upper: false,
        };
        match kind {
            Kind::Word => {
                // Bytes, not `&str`, on the ASCII path: slicing a `str` checks char boundaries.
                let (word, n) = (&b[start..i], i - start);
                if apostrophe {
                    tok.stem_end = start + possessive_stem(&text[start..i]);
                }
                tok.cap = if c < 0x80 { c.is_ascii_uppercase() } else { char_at(text, start).is_uppercase() };
                tok.upper = tok.cap
                    && n >= 2
                    && if ascii {
                        !word.iter().any(u8::is_ascii_lowercase)
                    } else {
                        !text[start..i].chars().any(char::is_lowercase)
                    };
                tok.flags = if ascii && n <= 15 {
                    // The flags are a function of the word alone: its stem is part of its key.
                    let (key, stem) = (packed_lower(b, start, n), tok.stem_end - start);
                    cache.get_or(key, || lookup_packed(lex, key, n, stem))
                } else if ascii && n <= lower.len() {
                    for (d, s) in lower.iter_mut().zip(word) {
                        *d = s.to_ascii_lowercase();
                    }
                    lookup_word(lex, &lower[..n], tok.stem_end - start)
                } else if ascii {
                    0
                } else {
                    let l = text[start..i].to_lowercase();
                    let stem = l.len() - (n - (tok.stem_end - start));
                    lookup_word(lex, l.as_bytes(), stem)
                };
                if tok.cap
                    && word[n - 1] == b's'
                    && (3..=6).contains(&n)
                    && word[..n - 1].iter().all(u8::is_ascii_uppercase)
                {
                    // The plural of an abbreviation: "MRIs", "UTIs" (not cached: "mris" is not one)
                    let stem = packed_lower(b, start, n - 1);
                    tok.flags |= lookup_packed(lex, stem, n - 1, n - 1) & (flag::COND | flag::MED);
                    tok.flags |= upper_plural(lex, &word[..n - 1]);
                }
                if apostrophe && tok.flags & flag::COMMON == 0 && is_contraction(&text[start..i]) {
                    tok.flags |= flag::COMMON; // "i'm", "don't", "we're"; not "O'Brien"
                }
                if n >= 2 {
                    words += 1;
                    upper += usize::from(tok.upper);
                }
                summary.read_aloud += u32::from(tok.flags & flag::NUMBER_WORD != 0);
            }
            Kind::Punct => {
                tok.flags = lex.punct_flags(c);
                let glued_after = b.get(i).is_some_and(|n| !n.is_ascii_whitespace());
                summary.address_marks |= c == b'@' || (matches!(c, b'.' | b':') && !space && glued_after);
                if c == b':' && glued_after {
                    colons += 1;
                    summary.hex_address_marks |= b[i] == b':' || colons >= 5;
                }
            }
            Kind::Num => {
                summary.digits = true;
                summary.read_aloud += u32::from(i - start == 1);
            }
        }
        summary.flags |= tok.flags;
        sentence = kind == Kind::Punct && matches!(c, b'.' | b'!' | b'?');
        space = false;
        out.push(tok);
    }
    if words >= 3 && upper * 4 >= words * 3 {
        shouting_is_not_capitalization(out);
    }
    summary
}

/// Appends to `key` the lower-cased text of tokens `i`, `i + 1`, ... (at most `max` of them),
/// each after a space when one preceded it: the form of a multi-word health term's key. Stops
/// before a punctuation mark other than "-", "'" or "/". `ends[n]` is the key's length after
/// `n` tokens; returns how many tokens were added.
pub(crate) fn phrase_key(
    text: &str,
    t: &[Tok],
    i: usize,
    max: usize,
    key: &mut Vec<u8>,
    ends: &mut [usize; flag::MAX_PHRASE + 1],
) -> usize {
    key.clear();
    let mut n = 0;
    for (k, tk) in t.iter().enumerate().skip(i).take(max.min(flag::MAX_PHRASE)) {
        if tk.kind == Kind::Punct && !b"-'/".contains(&text.as_bytes()[tk.start]) {
            break;
        }
        if k > i && tk.space_before {
            key.push(b' ');
        }
        let s = &text[tk.start..tk.end];
        if s.is_ascii() {
            key.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            key.extend_from_slice(s.to_lowercase().as_bytes());
        }
        n += 1;
        ends[n] = key.len();
    }
    n
}

/// A text written in capitals ("MY NAME IS JOHN SMITH": three quarters of its words of two
/// letters or more, and at least three) says nothing by its case: its words are read as if in
/// lower case, so that names are found the way they are in lower-case chat.
fn shouting_is_not_capitalization(toks: &mut [Tok]) {
    for t in toks.iter_mut().filter(|t| t.kind == Kind::Word) {
        t.cap = false;
        t.upper = false;
    }
}

/// An ASCII word of up to 15 bytes (letters and apostrophes), lower-cased and packed as the
/// lexicon's short key, without copying it byte by byte.
pub(crate) fn packed_lower(b: &[u8], start: usize, n: usize) -> u128 {
    let raw = match b.get(start..start + 16) {
        Some(s) => <[u8; 16]>::try_from(s).map(u128::from_le_bytes).unwrap_or(0),
        None => {
            let mut a = [0u8; 16];
            for (d, s) in a.iter_mut().zip(b.get(start..start + n).unwrap_or(&[])) {
                *d = *s;
            }
            u128::from_le_bytes(a)
        }
    };
    // Setting bit 5 lower-cases an ASCII letter and leaves the apostrophe (0x27) as it is.
    with_len(raw | 0x2020_2020_2020_2020_2020_2020_2020_2020, n)
}

/// The packed key of an `n`-byte word without its byte at `skip`.
pub(crate) fn without_byte(key: u128, n: usize, skip: usize) -> u128 {
    let low = key & low_bytes(skip);
    let high = (key & low_bytes(n)) >> (8 * (skip + 1)) << (8 * skip);
    with_len(low | high, n - 1)
}

/// The first `n` bytes of a packed key, as the key of that shorter word.
fn with_len(key: u128, n: usize) -> u128 {
    (key & low_bytes(n)) | ((n as u128) << 120)
}

/// A mask of the low `n` bytes (`n` < 16): a table, as a variable 128-bit shift is a branch
/// and several instructions.
fn low_bytes(n: usize) -> u128 {
    const MASKS: [u128; 16] = {
        let mut m = [0u128; 16];
        let mut k = 1;
        while k < 16 {
            m[k] = (1u128 << (8 * k)) - 1;
            k += 1;
        }
        m
    };
    MASKS[n & 15]
}

fn lookup_packed(lex: &Lexicon, key: u128, n: usize, stem: usize) -> u32 {
    let plural = (key >> (8 * (n - 1))) as u8 == b's';
    lookup_with(n, stem, plural, |len| lex.flags_packed(with_len(key, len)))
}

fn lookup_word(lex: &Lexicon, lower: &[u8], stem: usize) -> u32 {
    lookup_with(lower.len(), stem, lower.ends_with(b"s"), |len| lex.flags(&lower[..len]))
}

/// The flags of a word of `n` bytes, given `prefix(len)`, the flags of its first `len` bytes:
/// the word's own; a health term's flags too when it is that term's plural ("vaccines"); or,
/// for an unknown word, its stem's without a possessive "'s".
fn lookup_with(n: usize, stem: usize, ends_in_s: bool, prefix: impl Fn(usize) -> u32) -> u32 {
    let f = prefix(n);
    if f & (flag::COND | flag::MED | flag::NOT_HEALTH) == 0 && n > 4 && ends_in_s {
        let singular = prefix(n - 1) & (flag::COND | flag::MED);
        if singular != 0 {
            return f | singular;
        }
    }
    if f != 0 || stem >= n {
        return f;
    }
    prefix(stem)
}

/// The flags of an abbreviation that counts only in capitals, for its plural: "PFTs".
#[cold]
fn upper_plural(lex: &Lexicon, stem: &[u8]) -> u32 {
    match lex.upper_term(stem) {
        Some(crate::Label::Medication) => flag::MED,
        Some(_) => flag::COND,
        None => 0,
    }
}

/// "i'm", "don't", "we're", "they'll": an apostrophe before a contraction's ending.
fn is_contraction(word: &str) -> bool {
    let Some(at) = word.rfind(['\'', '\u{2019}']) else { return false };
    let tail = &word[at..];
    let tail = tail.trim_start_matches(['\'', '\u{2019}']);
    // Not "'s": a possessive ("Sarah's") is looked up by its stem, which knows what it is.
    ["m", "re", "t", "ve", "ll", "d"].iter().any(|e| tail.eq_ignore_ascii_case(e))
}

/// Length of `word` without a possessive "'s" or "’s".
fn possessive_stem(word: &str) -> usize {
    if !word.ends_with(['s', 'S']) {
        return word.len();
    }
    for suffix in ["'s", "'S", "\u{2019}s", "\u{2019}S"] {
        if word.len() > suffix.len() + 1 && word.ends_with(suffix) {
            return word.len() - suffix.len();
        }
    }
    word.len()
}

pub(crate) fn char_at(text: &str, i: usize) -> char {
    text.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ')
}

/// End of the word starting at `i`, whether it is all ASCII, and whether it has an apostrophe.
#[inline(always)] // once per word: a call costs more than the loop
fn word_end(text: &str, mut i: usize) -> (usize, bool, bool) {
    let b = text.as_bytes();
    let (mut ascii, mut apostrophe) = (true, false);
    loop {
        i = skip_ascii_letters(b, i);
        let Some(&c) = b.get(i) else { break };
        if c == b'\'' && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) && i > 0 {
            apostrophe = true;
            i += 1;
        } else if c >= 0x80 {
            let ch = char_at(text, i);
            let curly = ch == '\u{2019}' && char_at(text, i + ch.len_utf8()).is_alphabetic();
            if !(ch.is_alphabetic() || curly || is_mark(ch)) {
                break;
            }
            ascii = false;
            apostrophe |= curly;
            i += ch.len_utf8();
        } else {
            break;
        }
    }
    (i, ascii, apostrophe)
}

/// The first position from `i` on that is not an ASCII letter: eight bytes a step, each tested
/// with word-wide arithmetic (every byte's high bit says "not a letter").
#[inline(always)]
fn skip_ascii_letters(b: &[u8], mut i: usize) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    while let Some(Ok(chunk)) = b.get(i..i + 8).map(<[u8; 8]>::try_from) {
        let x = u64::from_le_bytes(chunk);
        // Setting bit 5 maps "A".."Z" onto "a".."z" and nothing else into that range.
        let y = (x | 0x2020_2020_2020_2020) & !HIGH;
        let at_least_a = (y + ONES * (0x80 - b'a' as u64)) & HIGH;
        let past_z = (y + ONES * (0x80 - b'z' as u64 - 1)) & HIGH;
        let not_letter = !(at_least_a & !past_z & !(x & HIGH)) & HIGH;
        if not_letter != 0 {
            return i + (not_letter.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i].is_ascii_alphabetic() {
        i += 1;
    }
    i
}

/// Combining marks (decomposed accents) belong to the word they follow.
fn is_mark(ch: char) -> bool {
    matches!(ch, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}')
}

#[cfg(test)]
mod tests {
    use super::skip_ascii_letters;

    /// The word-wide test agrees with a byte-by-byte one for every byte value at every place
    /// of an eight-byte step, and in the tail after it.
    #[test]
    fn skipping_letters_eight_at_a_time_stops_where_one_at_a_time_does() {
        for place in 0..12 {
            for byte in 0..=255u8 {
                let mut text = *b"abcXYZqrstuvWxyz";
                text[place] = byte;
                let expected = text.iter().position(|c| !c.is_ascii_alphabetic()).unwrap_or(text.len());
                assert_eq!(skip_ascii_letters(&text, 0), expected, "byte {byte:#04x} at {place}");
                assert_eq!(skip_ascii_letters(&text[..place + 1], 0), expected.min(place + 1), "tail, {byte:#04x}");
            }
        }
    }
}
