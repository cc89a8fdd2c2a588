//! What the lexicon's entries mean, shared by the build script that compiles the tables and
//! by the scanner that reads them.

use crate::Label;

/// Bits of a word's entry.
pub mod flag {
    pub const GIVEN: u32 = 1 << 0;
    pub const FAMILY: u32 = 1 << 1;
    /// An everyday English word in lower case ("will", "mark", "brown").
    pub const COMMON: u32 = 1 << 2;
    /// A one-word condition, symptom or procedure.
    pub const COND: u32 = 1 << 3;
    /// A one-word medication.
    pub const MED: u32 = 1 << 4;
    /// First word of a multi-word health term; the lengths are in [`PHRASE_LENGTHS`].
    pub const PHRASE: u32 = 1 << 5;
    /// "Dr", "Mrs", "nurse".
    pub const TITLE: u32 = 1 << 6;
    /// "son", "wife", "mom": a name may follow.
    pub const RELATION: u32 = 1 << 7;
    pub const MONTH: u32 = 1 << 8;
    pub const WEEKDAY: u32 = 1 << 9;
    /// A US state's name, or its two-letter code (which counts only in upper case).
    pub const STATE: u32 = 1 << 10;
    /// "street", "ave", "blvd".
    pub const STREET: u32 = 1 << 11;
    /// First word of an identifier cue ("mrn", "member", "#").
    pub const CUE: u32 = 1 << 12;
    /// Capitalized, but never a person ("Facebook", "Medicare", "Christmas").
    pub const NOT_NAME: u32 = 1 << 13;
    /// "thanks", "sincerely": a signature may follow.
    pub const SIGNOFF: u32 = 1 << 14;
    /// "mg", "dollars", "minutes": the number before is a quantity.
    pub const UNIT: u32 = 1 << 15;
    /// "years", "yrs", "yo".
    pub const YEARS: u32 = 1 << 16;
    /// A country or a nationality: not smaller than a state.
    pub const COUNTRY: u32 = 1 << 17;
    /// Listed as not a health term, whatever a generated list says ("online").
    pub const NOT_HEALTH: u32 = 1 << 18;
    /// A body part or system: with a [`PROBLEM_HEAD`] after it, a condition ("kidney issues").
    pub const ORGAN: u32 = 1 << 19;
    /// "problems", "issues", "infection".
    pub const PROBLEM_HEAD: u32 = 1 << 20;
    /// A number or an ordinal in words ("two", "ninety", "fourth"): an age, a date or digits
    /// read aloud may start here.
    pub const NUMBER_WORD: u32 = 1 << 21;
    /// "live", "moved", "staying": a place may follow ("live in Salem").
    pub const PLACE_LEAD: u32 = 1 << 22;
    /// Function words that never sit inside a street name ("the", "my", "to").
    pub const STOPWORD: u32 = 1 << 23;
    /// "i'm", "named", "hello": a name may follow.
    pub const INTRO: u32 = 1 << 24;
    /// Bits 25..32: bit k set when a multi-word health term of k+2 tokens starts here.
    pub const PHRASE_LENGTHS: u32 = 25;
    /// The longest multi-word health term, in tokens.
    pub const MAX_PHRASE: usize = 8;
}

/// The entries of the misspelling table: bits of a word's flags.
pub mod fuzzy {
    /// [`flag::COND`](super::flag::COND) or [`flag::MED`](super::flag::MED): the key is a
    /// one-word health term of five letters or more, or one of its one-letter deletions.
    /// The same bits shifted left by `EXACT`: the key is a one-word health term of any length.
    pub const EXACT: u32 = 8;
}

/// What an identifier cue announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cue {
    /// The identifier that follows has this label.
    Id(Label),
    /// A date of birth follows.
    Dob,
    /// The phone number that follows is a fax.
    Fax,
    /// A ZIP code follows.
    Zip,
    /// "dot": an e-mail address may be spelled out around it ("ana at gmail dot com").
    SpelledDot,
}

/// Identifier cues: words that announce an identifier of a known kind.
pub const CUES: &[(&str, Cue)] = &[
    ("mrn", Cue::Id(Label::Mrn)),
    ("unit no", Cue::Id(Label::Mrn)),
    ("medical record number", Cue::Id(Label::Mrn)),
    ("medical record #", Cue::Id(Label::Mrn)),
    ("medical record no", Cue::Id(Label::Mrn)),
    ("medical record", Cue::Id(Label::Mrn)),
    ("record number", Cue::Id(Label::Mrn)),
    ("record #", Cue::Id(Label::Mrn)),
    ("chart number", Cue::Id(Label::Mrn)),
    ("chart #", Cue::Id(Label::Mrn)),
    ("chart no", Cue::Id(Label::Mrn)),
    ("patient id", Cue::Id(Label::Mrn)),
    ("patient number", Cue::Id(Label::Mrn)),
    ("patient #", Cue::Id(Label::Mrn)),
    ("pt id", Cue::Id(Label::Mrn)),
    ("hospital number", Cue::Id(Label::Mrn)),
    ("member id", Cue::Id(Label::HealthPlanId)),
    ("member number", Cue::Id(Label::HealthPlanId)),
    ("member #", Cue::Id(Label::HealthPlanId)),
    ("member no", Cue::Id(Label::HealthPlanId)),
    ("insurance id", Cue::Id(Label::HealthPlanId)),
    ("insurance number", Cue::Id(Label::HealthPlanId)),
    ("insurance #", Cue::Id(Label::HealthPlanId)),
    ("insurance card number", Cue::Id(Label::HealthPlanId)),
    ("policy number", Cue::Id(Label::HealthPlanId)),
    ("policy #", Cue::Id(Label::HealthPlanId)),
    ("policy no", Cue::Id(Label::HealthPlanId)),
    ("policy id", Cue::Id(Label::HealthPlanId)),
    ("subscriber id", Cue::Id(Label::HealthPlanId)),
    ("subscriber number", Cue::Id(Label::HealthPlanId)),
    ("subscriber #", Cue::Id(Label::HealthPlanId)),
    ("group number", Cue::Id(Label::HealthPlanId)),
    ("group #", Cue::Id(Label::HealthPlanId)),
    ("group no", Cue::Id(Label::HealthPlanId)),
    ("group is", Cue::Id(Label::HealthPlanId)),
    ("group:", Cue::Id(Label::HealthPlanId)),
    ("group id", Cue::Id(Label::HealthPlanId)),
    ("grp", Cue::Id(Label::HealthPlanId)),
    ("medicaid id", Cue::Id(Label::HealthPlanId)),
    ("medicaid number", Cue::Id(Label::HealthPlanId)),
    ("medicaid #", Cue::Id(Label::HealthPlanId)),
    ("medicaid", Cue::Id(Label::HealthPlanId)),
    ("medicare id", Cue::Id(Label::HealthPlanId)),
    ("medicare number", Cue::Id(Label::HealthPlanId)),
    ("medicare #", Cue::Id(Label::HealthPlanId)),
    ("medicare", Cue::Id(Label::HealthPlanId)),
    ("mbi", Cue::Id(Label::HealthPlanId)),
    ("plan id", Cue::Id(Label::HealthPlanId)),
    ("plan no", Cue::Id(Label::HealthPlanId)),
    ("plan number", Cue::Id(Label::HealthPlanId)),
    ("plan #", Cue::Id(Label::HealthPlanId)),
    ("health plan", Cue::Id(Label::HealthPlanId)),
    ("beneficiary id", Cue::Id(Label::HealthPlanId)),
    ("account number", Cue::Id(Label::Account)),
    ("account #", Cue::Id(Label::Account)),
    ("account no", Cue::Id(Label::Account)),
    ("acct", Cue::Id(Label::Account)),
    ("acct #", Cue::Id(Label::Account)),
    ("acct no", Cue::Id(Label::Account)),
    ("account", Cue::Id(Label::Account)),
    ("billing account", Cue::Id(Label::Account)),
    ("card number", Cue::Id(Label::Account)),
    ("card ending", Cue::Id(Label::Account)),
    ("card ending in", Cue::Id(Label::Account)),
    ("ending in", Cue::Id(Label::Account)),
    ("credit card", Cue::Id(Label::Account)),
    ("debit card", Cue::Id(Label::Account)),
    ("routing number", Cue::Id(Label::Account)),
    ("invoice number", Cue::Id(Label::Account)),
    ("invoice #", Cue::Id(Label::Account)),
    ("statement number", Cue::Id(Label::Account)),
    ("license number", Cue::Id(Label::License)),
    ("license is", Cue::Id(Label::License)),
    ("licence is", Cue::Id(Label::License)),
    ("license #", Cue::Id(Label::License)),
    ("license no", Cue::Id(Label::License)),
    ("licence number", Cue::Id(Label::License)),
    ("driver's license", Cue::Id(Label::License)),
    ("drivers license", Cue::Id(Label::License)),
    ("driver license", Cue::Id(Label::License)),
    ("driving licence", Cue::Id(Label::License)),
    ("dl", Cue::Id(Label::License)),
    ("dl #", Cue::Id(Label::License)),
    ("dea", Cue::Id(Label::License)),
    ("dea number", Cue::Id(Label::License)),
    ("dea #", Cue::Id(Label::License)),
    ("npi", Cue::Id(Label::License)),
    ("npi number", Cue::Id(Label::License)),
    ("npi #", Cue::Id(Label::License)),
    ("certificate number", Cue::Id(Label::License)),
    ("permit number", Cue::Id(Label::License)),
    ("license plate", Cue::Id(Label::Vehicle)),
    ("license plate number", Cue::Id(Label::Vehicle)),
    ("plate number", Cue::Id(Label::Vehicle)),
    ("plate #", Cue::Id(Label::Vehicle)),
    ("plates", Cue::Id(Label::Vehicle)),
    ("plate", Cue::Id(Label::Vehicle)),
    ("vin", Cue::Id(Label::Vehicle)),
    ("vin number", Cue::Id(Label::Vehicle)),
    ("vin #", Cue::Id(Label::Vehicle)),
    ("vehicle identification number", Cue::Id(Label::Vehicle)),
    ("tag number", Cue::Id(Label::Vehicle)),
    ("tag #", Cue::Id(Label::Vehicle)),
    ("tag no", Cue::Id(Label::Vehicle)),
    ("serial number", Cue::Id(Label::Device)),
    ("serial #", Cue::Id(Label::Device)),
    ("serial no", Cue::Id(Label::Device)),
    ("serial", Cue::Id(Label::Device)),
    ("s/n", Cue::Id(Label::Device)),
    ("sn", Cue::Id(Label::Device)),
    ("device id", Cue::Id(Label::Device)),
    ("device number", Cue::Id(Label::Device)),
    ("device #", Cue::Id(Label::Device)),
    ("udi", Cue::Id(Label::Device)),
    ("imei", Cue::Id(Label::Device)),
    ("ssn", Cue::Id(Label::Ssn)),
    ("ss#", Cue::Id(Label::Ssn)),
    ("ss #", Cue::Id(Label::Ssn)),
    ("social security number", Cue::Id(Label::Ssn)),
    ("social security #", Cue::Id(Label::Ssn)),
    ("social security no", Cue::Id(Label::Ssn)),
    ("social security", Cue::Id(Label::Ssn)),
    ("social", Cue::Id(Label::Ssn)),
    ("seguro social", Cue::Id(Label::Ssn)),
    ("id", Cue::Id(Label::OtherId)),
    ("id number", Cue::Id(Label::OtherId)),
    ("id #", Cue::Id(Label::OtherId)),
    ("id no", Cue::Id(Label::OtherId)),
    ("#", Cue::Id(Label::OtherId)),
    ("confirmation number", Cue::Id(Label::OtherId)),
    ("confirmation #", Cue::Id(Label::OtherId)),
    ("confirmation code", Cue::Id(Label::OtherId)),
    ("claim number", Cue::Id(Label::OtherId)),
    ("claim #", Cue::Id(Label::OtherId)),
    ("claim", Cue::Id(Label::OtherId)),
    ("reference number", Cue::Id(Label::OtherId)),
    ("reference #", Cue::Id(Label::OtherId)),
    ("ref #", Cue::Id(Label::OtherId)),
    ("ref", Cue::Id(Label::OtherId)),
    ("case number", Cue::Id(Label::OtherId)),
    ("case #", Cue::Id(Label::OtherId)),
    ("ticket number", Cue::Id(Label::OtherId)),
    ("ticket #", Cue::Id(Label::OtherId)),
    ("order number", Cue::Id(Label::OtherId)),
    ("order #", Cue::Id(Label::OtherId)),
    ("rx number", Cue::Id(Label::OtherId)),
    ("rx #", Cue::Id(Label::OtherId)),
    ("prescription number", Cue::Id(Label::OtherId)),
    ("prescription #", Cue::Id(Label::OtherId)),
    ("employee id", Cue::Id(Label::OtherId)),
    ("student id", Cue::Id(Label::OtherId)),
    ("passport number", Cue::Id(Label::OtherId)),
    ("passport #", Cue::Id(Label::OtherId)),
    ("passport", Cue::Id(Label::OtherId)),
    ("username", Cue::Id(Label::OtherId)),
    ("user id", Cue::Id(Label::OtherId)),
    ("user name", Cue::Id(Label::OtherId)),
    ("login", Cue::Id(Label::OtherId)),
    ("login id", Cue::Id(Label::OtherId)),
    ("screen name", Cue::Id(Label::OtherId)),
    ("dob", Cue::Dob),
    ("d o b", Cue::Dob),
    ("date of birth", Cue::Dob),
    ("birth date", Cue::Dob),
    ("birthdate", Cue::Dob),
    ("birthday", Cue::Dob),
    ("bday", Cue::Dob),
    ("b-day", Cue::Dob),
    ("born", Cue::Dob),
    ("born on", Cue::Dob),
    ("fecha de nacimiento", Cue::Dob),
    ("fax", Cue::Fax),
    ("fax number", Cue::Fax),
    ("fax #", Cue::Fax),
    ("fax no", Cue::Fax),
    ("faxed", Cue::Fax),
    ("dot", Cue::SpelledDot),
    ("zip", Cue::Zip),
    ("zip code", Cue::Zip),
    ("zipcode", Cue::Zip),
    ("postal code", Cue::Zip),
    ("código postal", Cue::Zip),
];

/// Digits in words, as digits read aloud are written.
pub const DIGIT_WORDS: &[&str] = &["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/// Days of the month in words.
pub const ORDINAL_WORDS: &[&str] = &[
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "thirtieth",
];

/// Correctly spelled words beyond the everyday list, sorted by bytes after a comment header.
const ENGLISH: &str = include_str!("../../data/gen_english.txt");

/// The sorted word lines of `gen_english.txt`, its comment header skipped.
pub fn english_words() -> &'static [u8] {
    let b = ENGLISH.as_bytes();
    let mut at = 0;
    while b.get(at) == Some(&b'#') {
        at = b[at..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| at + p + 1);
    }
    &b[at..]
}

/// Splits a lexicon entry as the tokenizer would: words, digit runs, single other characters.
pub fn entry_tokens(entry: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut it = entry.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = i + c.len_utf8();
        let word = c.is_alphabetic();
        if word || c.is_ascii_digit() {
            while let Some(&(j, d)) = it.peek() {
                let inner_apostrophe = word && d == '\'' && entry[j + 1..].starts_with(char::is_alphabetic);
                let same = if word { d.is_alphabetic() || inner_apostrophe } else { d.is_ascii_digit() };
                if !same {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
        }
        out.push(&entry[i..end]);
    }
    out
}
