//! Builds the word tables from the lists: run by the build script, whose output the scanner
//! reads (see [`super::table`]), and by the tests that check that output.

use super::entries::{CUES, DIGIT_WORDS, ORDINAL_WORDS, entry_tokens, flag, fuzzy};
use super::table::{MIN_SLOTS, SLOT, hash_bytes, home, pack};
use crate::Label;
use rustc_hash::FxHashMap;

/// Lower-cased word → flags (or another value), as built: words of up to 15 bytes by their
/// packed key (see [`pack`]), longer ones by their bytes.
#[derive(Default)]
pub struct WordTable {
    pub short: FxHashMap<u128, u32>,
    pub long: FxHashMap<Box<[u8]>, u32>,
}

impl WordTable {
    pub fn get(&self, word: &[u8]) -> u32 {
        match pack(word) {
            Some(k) => self.short.get(&k).copied().unwrap_or(0),
            None => self.long.get(word).copied().unwrap_or(0),
        }
    }

    fn get_mut(&mut self, word: &[u8]) -> Option<&mut u32> {
        match pack(word) {
            Some(k) => self.short.get_mut(&k),
            None => self.long.get_mut(word),
        }
    }

    pub fn or_insert(&mut self, word: &[u8]) -> &mut u32 {
        match pack(word) {
            Some(k) => self.short.entry(k).or_insert(0),
            None => self.long.entry(word.to_vec().into_boxed_slice()).or_insert(0),
        }
    }

    /// The table laid out as the scanner reads it (see [`super::table`]): its slots, the slots
    /// of its longer keys, and their bytes.
    pub fn compile(&self) -> [Vec<u8>; 3] {
        let short = self.short.iter().map(|(&k, &v)| (k, v)).filter(|&(k, _)| k != 0);
        let mut keys = Vec::new();
        let mut long: Vec<(&Box<[u8]>, u32)> = self.long.iter().map(|(k, &v)| (k, v)).collect();
        long.sort_unstable();
        let long = long.into_iter().map(|(key, value)| {
            let slot = u128::from(hash_bytes(key)) | (keys.len() as u128) << 64 | (key.len() as u128) << 96;
            keys.extend_from_slice(key);
            (slot, value)
        });
        let long = slots(long.collect(), |slot| u128::from(slot as u64));
        [slots(short.collect(), |key| key), long, keys]
    }
}

/// The tables as built, before the build script lays them out for the scanner.
#[derive(Default)]
pub struct Builder {
    pub words: WordTable,
    /// Multi-word health terms, lower case with single spaces.
    pub phrases: FxHashMap<Box<[u8]>, Label>,
    /// The keys of every multi-word health term's first two tokens (see `token::phrase_key`).
    pub phrase_starts: WordTable,
    /// Health terms that count only in upper case ("ADD", "MS").
    pub upper: WordTable,
    /// Each one-word health term of six letters or more (five when curated), and each of its
    /// one-letter deletions.
    pub fuzzy: WordTable,
}

const COMMON: &str = include_str!("../../data/gen_common.txt");
const GIVEN: &str = include_str!("../../data/gen_given.txt");
const FAMILY: &str = include_str!("../../data/gen_family.txt");
const GEN_CONDITIONS: &str = include_str!("../../data/gen_conditions.txt");
const GEN_MEDICATIONS: &str = include_str!("../../data/gen_medications.txt");
const CURATED_CONDITIONS: &str = include_str!("../../data/curated_conditions.txt");
const CURATED_MEDICATIONS: &str = include_str!("../../data/curated_medications.txt");
const NOT_NAMES: &str = include_str!("../../data/curated_not_names.txt");
const NOT_HEALTH: &str = include_str!("../../data/curated_not_health.txt");
const CURATED_COMMON: &str = include_str!("../../data/curated_common.txt");
const NAME_FIRST: &str = include_str!("../../data/curated_name_first.txt");

const TITLES: &[&str] = &[
    "dr",
    "doctor",
    "doc",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "nurse",
    "prof",
    "professor",
    "sr",
    "sra",
    "dra",
    "srta",
    "señor",
    "señora",
    "np",
    "rn",
    "pa",
    "dentist",
    "therapist",
    "physician",
    "surgeon",
    "coach",
    "pastor",
    "aunt",
    "uncle",
    "grandma",
    "grandpa",
    "nana",
    "papa",
    "mama",
    "abuela",
    "abuelo",
    "tia",
    "tio",
    "fr",
    "rev",
    "enfermera",
    "enfermero",
    "doña",
];
const RELATIONS: &[&str] = &[
    "son",
    "daughter",
    "husband",
    "wife",
    "mom",
    "mother",
    "dad",
    "father",
    "brother",
    "sister",
    "grandson",
    "granddaughter",
    "grandmother",
    "grandfather",
    "baby",
    "kid",
    "child",
    "niece",
    "nephew",
    "cousin",
    "partner",
    "boyfriend",
    "girlfriend",
    "friend",
    "patient",
    "pt",
    "neighbor",
    "stepson",
    "stepdaughter",
    "fiance",
    "fiancé",
    "fiancee",
    "toddler",
    "infant",
    "newborn",
    "twins",
    "mum",
    "hija",
    "hijo",
    "esposo",
    "esposa",
    "madre",
    "padre",
    "roommate",
    "bro",
    "sis",
    "coworker",
    "boss",
    "caregiver",
    "spouse",
    "sibling",
    "stepmom",
    "stepdad",
    // Also titles ("Aunt Jo"), but relations in lower case: "my aunt Philippa"
    "aunt",
    "auntie",
    "uncle",
    "grandma",
    "grandpa",
    "granny",
    "nana",
    "abuela",
    "abuelo",
    "tia",
    "tía",
    "tio",
    "tío",
    "grandchild",
    "grandkid",
    "godmother",
    "godfather",
    "stepmother",
    "stepfather",
    "stepsister",
    "stepbrother",
];
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
    // Spanish ("domingo" is also a name, so not here)
    "lunes",
    "martes",
    "miércoles",
    "miercoles",
    "jueves",
    "viernes",
    "sábado",
    "sabado",
];
const STATES: &[&str] = &[
    "alabama",
    "alaska",
    "arizona",
    "arkansas",
    "california",
    "colorado",
    "connecticut",
    "delaware",
    "florida",
    "georgia",
    "hawaii",
    "idaho",
    "illinois",
    "indiana",
    "iowa",
    "kansas",
    "kentucky",
    "louisiana",
    "maine",
    "maryland",
    "massachusetts",
    "michigan",
    "minnesota",
    "mississippi",
    "missouri",
    "montana",
    "nebraska",
    "nevada",
    "ohio",
    "oklahoma",
    "oregon",
    "pennsylvania",
    "tennessee",
    "texas",
    "utah",
    "vermont",
    "virginia",
    "washington",
    "wisconsin",
    "wyoming",
    "al",
    "ak",
    "az",
    "ar",
    "ca",
    "co",
    "ct",
    "de",
    "dc",
    "fl",
    "ga",
    "hi",
    "id",
    "il",
    "in",
    "ia",
    "ks",
    "ky",
    "la",
    "me",
    "md",
    "ma",
    "mi",
    "mn",
    "ms",
    "mo",
    "mt",
    "ne",
    "nv",
    "nh",
    "nj",
    "nm",
    "ny",
    "nc",
    "nd",
    "oh",
    "ok",
    "or",
    "pa",
    "ri",
    "sc",
    "sd",
    "tn",
    "tx",
    "ut",
    "vt",
    "va",
    "wa",
    "wv",
    "wi",
    "wy",
    "pr",
    // territories and freely associated states, as addresses write them (not American Samoa's
    // "AS", an everyday word that would make most texts look for cities)
    "gu",
    "vi",
    "mp",
    "fm",
    "mh",
    "pw",
    "guam",
];
const STREETS: &[&str] = &[
    // Spanish kinds of street, before the name: "Calle Morelos 245"
    "calle",
    "avenida",
    "calzada",
    "privada",
    "street",
    "st",
    "avenue",
    "ave",
    "av",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "drive",
    "dr",
    "court",
    "ct",
    "way",
    "place",
    "pl",
    "terrace",
    "ter",
    "circle",
    "cir",
    "highway",
    "hwy",
    "parkway",
    "pkwy",
    "trail",
    "trl",
    "square",
    "sq",
    "loop",
    "pike",
    "alley",
    "crescent",
    "cres",
    "row",
    "plaza",
    "calle",
    "avenida",
];
const SIGNOFFS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "sincerely",
    "regards",
    "best",
    "cheers",
    "love",
    "signed",
    "gracias",
    "respectfully",
    "warmly",
    "blessings",
    "ty",
];
const UNITS: &[&str] = &[
    "mg",
    "mcg",
    "ml",
    "milligrams",
    "units",
    "unit",
    "iu",
    "cc",
    "tablets",
    "tablet",
    "pills",
    "pill",
    "capsules",
    "dollars",
    "usd",
    "bucks",
    "cents",
    "minutes",
    "min",
    "mins",
    "hours",
    "hour",
    "hrs",
    "days",
    "day",
    "weeks",
    "week",
    "months",
    "month",
    "lbs",
    "lb",
    "pounds",
    "kg",
    "degrees",
    "percent",
    "am",
    "pm",
    "times",
    "miles",
    "feet",
    "ft",
    "inches",
    "steps",
    "calories",
    "people",
    "patients",
    "reviews",
    "stars",
    "points",
    "floor",
];
const YEARS: &[&str] = &["years", "year", "yrs", "yr", "yo", "yrs.", "años", "yro"];
const COUNTRIES: &[&str] = &[
    "america",
    "usa",
    "us",
    "mexico",
    "canada",
    "guatemala",
    "honduras",
    "salvador",
    "cuba",
    "haiti",
    "jamaica",
    "colombia",
    "venezuela",
    "peru",
    "brazil",
    "china",
    "india",
    "vietnam",
    "philippines",
    "korea",
    "japan",
    "nigeria",
    "ghana",
    "ethiopia",
    "somalia",
    "kenya",
    "ukraine",
    "russia",
    "poland",
    "germany",
    "france",
    "italy",
    "spain",
    "england",
    "ireland",
    "scotland",
    "norway",
    "sweden",
    "denmark",
    "finland",
    "netherlands",
    "belgium",
    "switzerland",
    "austria",
    "portugal",
    "greece",
    "turkey",
    "egypt",
    "morocco",
    "iran",
    "iraq",
    "afghanistan",
    "pakistan",
    "bangladesh",
    "nepal",
    "thailand",
    "cambodia",
    "laos",
    "indonesia",
    "malaysia",
    "australia",
    "argentina",
    "chile",
    "ecuador",
    "bolivia",
    "nicaragua",
    "panama",
    "europe",
    "asia",
    "africa",
    "puerto",
    "rico",
    "dominican",
    "republic",
    "american",
    "mexican",
    "english",
    "spanish",
    "chinese",
    "vietnamese",
    "filipino",
];

/// Numbers in words beyond the digits (see [`DIGIT_WORDS`] and [`ORDINAL_WORDS`]).
const TENS_AND_MORE: &[&str] = &[
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
];
const STOPWORDS: &[&str] = &[
    "the", "a", "an", "my", "to", "on", "in", "of", "down", "up", "at", "and", "or", "for", "from", "with", "by",
    "near", "across", "is", "was", "i", "we", "you", "it", "this", "that", "your", "our", "his", "her", "their",
];
const INTROS: &[&str] =
    &["i'm", "im", "its", "it's", "named", "called", "soy", "llamo", "name's", "names", "dear", "hi", "hello", "hey"];

/// Body parts and systems that make a condition with a problem word: "kidney issues".
const ORGANS: &[&str] = &[
    "heart",
    "kidney",
    "liver",
    "lung",
    "lungs",
    "thyroid",
    "stomach",
    "bladder",
    "prostate",
    "breast",
    "skin",
    "eye",
    "eyes",
    "ear",
    "ears",
    "knee",
    "knees",
    "hip",
    "hips",
    "back",
    "neck",
    "shoulder",
    "tooth",
    "teeth",
    "bowel",
    "colon",
    "brain",
    "blood",
    "bone",
    "joint",
    "joints",
    "chest",
    "head",
    "sinus",
    "sinuses",
    "throat",
    "foot",
    "feet",
    "leg",
    "legs",
    "arm",
    "wrist",
    "ankle",
    "breathing",
    "memory",
    "sleep",
    "urinary",
    "heel",
    "gum",
    "gums",
    "toe",
    "toes",
    "finger",
    "fingers",
    "thumb",
    "hand",
    "hands",
    "elbow",
    "arms",
    "face",
    "lip",
    "lips",
    "tongue",
    "mouth",
    "nose",
    "jaw",
    "rib",
    "ribs",
    "belly",
    "tummy",
    "abdomen",
    "spine",
    "muscles",
    "vision",
    "hearing",
    "gallbladder",
    "appendix",
    "tonsils",
    "adenoids",
    "uterus",
    "urine",
    "pee",
    "stool",
    "stools",
    "poop",
    "phlegm",
    "mucus",
    "snot",
    "discharge",
    "ovary",
    "ovaries",
    "spleen",
    "wrists",
    "ankles",
    "shoulders",
];
const PROBLEM_HEADS: &[&str] = &[
    "problem",
    "problems",
    "issue",
    "issues",
    "disease",
    "infection",
    "infections",
    "surgery",
    "pain",
    "pains",
    "cancer",
    "failure",
    "condition",
    "trouble",
    "troubles",
    "disorder",
    "injury",
    "damage",
    // "breast ca", "colon CA": cancer in a chart's shorthand
    "ca",
];

/// The key of a multi-word term's first two tokens (`toks`, from [`entry_tokens`]), as
/// `token::phrase_key` builds a text's: the term is lower case with single spaces, so it is its
/// own key up to the end of its second token. None when a text's key would stop before that
/// token (a mark other than "-", "'" or "/").
fn two_token_start<'t>(term: &'t str, toks: &[&str]) -> Option<&'t str> {
    let second = toks.get(1)?;
    // A single character that is neither a letter nor a digit: a mark, to the tokenizer.
    let is_stop = |t: &str| {
        let mut chars = t.chars();
        let mark = chars.next().is_some_and(|c| !(c.is_alphabetic() || c.is_ascii_digit())) && chars.next().is_none();
        mark && !["-", "'", "/"].contains(&t)
    };
    if is_stop(toks[0]) || is_stop(second) {
        return None;
    }
    let end = second.as_ptr() as usize - term.as_ptr() as usize + second.len();
    term.get(..end)
}

fn lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// "surgery" → "surgeries": the plural of an ASCII term ending in a consonant and "y".
fn ies_plural(term: &str) -> Option<String> {
    let stem = term.strip_suffix('y')?;
    let before = *stem.as_bytes().last()?;
    (term.is_ascii() && stem.len() >= 3 && before.is_ascii_alphabetic() && !b"aeiou".contains(&before))
        .then(|| format!("{stem}ies"))
}

impl Builder {
    pub fn build() -> Builder {
        let mut lex = Builder::default();
        // About the sizes they reach, so that the tables are not copied as they grow.
        lex.words.short.reserve(190_000);
        lex.fuzzy.short.reserve(100_000);
        lex.phrases.reserve(20_000);
        for (data, f) in [(COMMON, flag::COMMON), (GIVEN, flag::GIVEN), (FAMILY, flag::FAMILY)] {
            for w in lines(data) {
                lex.add(w, f);
            }
        }
        for w in lines(CURATED_COMMON) {
            lex.add(w, flag::COMMON);
        }
        for w in lines(NAME_FIRST) {
            if let Some(f) = lex.words.get_mut(w.as_bytes()) {
                *f &= !flag::COMMON;
            }
        }
        for w in lines(NOT_NAMES) {
            lex.add(&w.to_lowercase(), flag::NOT_NAME);
        }
        for (list, f) in [
            (TITLES, flag::TITLE),
            (RELATIONS, flag::RELATION),
            (MONTHS, flag::MONTH),
            (WEEKDAYS, flag::WEEKDAY),
            (STATES, flag::STATE),
            (STREETS, flag::STREET),
            (SIGNOFFS, flag::SIGNOFF),
            (UNITS, flag::UNIT),
            (YEARS, flag::YEARS),
            (COUNTRIES, flag::COUNTRY),
            (ORGANS, flag::ORGAN),
            (PROBLEM_HEADS, flag::PROBLEM_HEAD),
            (DIGIT_WORDS, flag::NUMBER_WORD),
            (TENS_AND_MORE, flag::NUMBER_WORD),
            (ORDINAL_WORDS, flag::NUMBER_WORD),
            (STOPWORDS, flag::STOPWORD),
            (INTROS, flag::INTRO),
            (
                &[
                    "live", "living", "lives", "moved", "moving", "i'm", "im", "am", "we're", "are", "stay", "staying",
                    "from",
                ],
                flag::PLACE_LEAD,
            ),
        ] {
            for w in list {
                lex.add(w, f);
            }
        }
        for state in ["new hampshire", "new jersey", "new mexico", "new york", "north carolina", "north dakota"] {
            lex.add(state, flag::STATE); // matched word by word: "new" is common, so only with a ZIP after
        }
        let mut fuzzy_terms: Vec<(String, Label)> = Vec::new();
        for w in lines(CURATED_CONDITIONS) {
            let term = w.get(2..).unwrap_or("");
            lex.add_term(term, Label::Condition, true, &mut fuzzy_terms);
        }
        for w in lines(CURATED_MEDICATIONS) {
            lex.add_term(w, Label::Medication, true, &mut fuzzy_terms);
        }
        for w in lines(GEN_CONDITIONS) {
            lex.add_term(w, Label::Condition, false, &mut fuzzy_terms);
        }
        for w in lines(GEN_MEDICATIONS) {
            lex.add_term(w, Label::Medication, false, &mut fuzzy_terms);
        }
        for w in lines(NOT_HEALTH) {
            lex.add(w, 0);
            if let Some(f) = lex.words.get_mut(w.as_bytes()) {
                *f = (*f & !(flag::COND | flag::MED)) | flag::NOT_HEALTH;
            }
        }
        for (term, label) in fuzzy_terms {
            if lex.flags(term.as_bytes()) & (flag::COND | flag::MED) == 0 {
                continue; // withdrawn by the not-health list
            }
            let f = if label == Label::Medication { flag::MED } else { flag::COND };
            let bytes = term.as_bytes();
            let mut d = Vec::with_capacity(bytes.len());
            for skip in 0..=bytes.len() {
                d.clear();
                d.extend_from_slice(&bytes[..skip]);
                d.extend_from_slice(bytes.get(skip + 1..).unwrap_or_default());
                let entry = lex.fuzzy.or_insert(&d);
                if *entry == 0 {
                    *entry = f; // the first term to claim a key keeps it
                }
            }
        }
        // Every one-word health term, exactly: a misspelling one letter too long is found with
        // the same lookup as one a letter short.
        let exact = |f: u32| (f & (flag::COND | flag::MED)) << fuzzy::EXACT;
        for (&key, &f) in lex.words.short.iter().filter(|(_, f)| exact(**f) != 0) {
            *lex.fuzzy.short.entry(key).or_insert(0) |= exact(f);
        }
        for (key, &f) in lex.words.long.iter().filter(|(_, f)| exact(**f) != 0) {
            *lex.fuzzy.long.entry(key.clone()).or_insert(0) |= exact(f);
        }
        for (phrase, _) in CUES {
            if let Some(first) = entry_tokens(phrase).first() {
                lex.add(first, flag::CUE);
            }
        }
        lex
    }

    fn add(&mut self, word: &str, f: u32) {
        *self.words.or_insert(word.as_bytes()) |= f;
    }

    fn add_term(&mut self, term: &str, label: Label, curated: bool, fuzzy: &mut Vec<(String, Label)>) {
        let toks = entry_tokens(term);
        if toks.is_empty() {
            return;
        }
        let upper_only = term.chars().any(char::is_uppercase);
        if upper_only {
            *self.upper.or_insert(term.as_bytes()) = if label == Label::Medication { flag::MED } else { flag::COND };
            return;
        }
        let f = if label == Label::Medication { flag::MED } else { flag::COND };
        if toks.len() == 1 {
            let common = self.flags(term.as_bytes()) & flag::COMMON != 0;
            if !curated && common {
                return; // an everyday word ("today" is also a brand): only the curated list may claim it
            }
            self.add(term, f);
            if term.len() >= if curated { 5 } else { 6 } && term.is_ascii() && (curated || !common) {
                fuzzy.push((term.to_string(), label));
            }
            // A plural in "-ies" ("surgeries", "biopsies"); one in "-s" is found when scanning.
            if let Some(plural) = ies_plural(term)
                && (curated || self.flags(plural.as_bytes()) & flag::COMMON == 0)
            {
                self.add(&plural, f);
            }
        } else if toks.len() <= flag::MAX_PHRASE {
            // A generated term that starts with a short everyday word joined by a hyphen
            // ("call-fleming syndrome", "all-trans-retinol") or with a function word ("to
            // immediately re-void") would cost a look-up at every "call", "all" or "to" of every
            // text, for terms nobody writes in a message; their last words are found alone.
            let everyday = toks[0].len() <= 4 && self.flags(toks[0].as_bytes()) & flag::COMMON != 0;
            let function_word =
                matches!(toks[0], "to" | "the" | "and" | "or" | "of" | "in" | "for" | "with" | "on" | "at");
            if !curated && (function_word || everyday && toks[1] == "-") {
                return;
            }
            self.add(toks[0], flag::PHRASE | (1 << (flag::PHRASE_LENGTHS + toks.len() as u32 - 2)));
            // The term and its plural ("blood tests", "x-rays", "kidney biopsies"), or its
            // singular ("sleeping pill").
            let last = toks[toks.len() - 1];
            let other = if last.len() >= 4 && last.ends_with('s') && !last.ends_with("ss") {
                term.strip_suffix('s').map(str::to_string)
            } else {
                ies_plural(term).or_else(|| {
                    (last.chars().all(char::is_alphabetic) && !last.ends_with('s') && last.len() >= 3)
                        .then(|| format!("{term}s"))
                })
            };
            if let Some(start) = two_token_start(term, &toks) {
                *self.phrase_starts.or_insert(start.as_bytes()) = 1;
            }
            // Only a two-token term's other form starts differently ("pap smears").
            if let Some(other) = other.as_deref().filter(|_| toks.len() == 2)
                && let Some(start) = two_token_start(other, &entry_tokens(other))
            {
                *self.phrase_starts.or_insert(start.as_bytes()) = 1;
            }
            for t in std::iter::once(term.to_string()).chain(other) {
                self.phrases.entry(t.into_bytes().into_boxed_slice()).or_insert(label);
            }
        }
    }

    /// Flags of a lower-cased word (0 when unknown).
    pub fn flags(&self, lower: &[u8]) -> u32 {
        self.words.get(lower)
    }
}

/// Open-addressing slots (see [`super::table`]), at most 60 % full, for `entries`: a key
/// goes where [`home`] says for `hashed(key)`, or in the next free slot after.
fn slots(mut entries: Vec<(u128, u32)>, hashed: impl Fn(u128) -> u128) -> Vec<u8> {
    entries.sort_unstable();
    let mut n = MIN_SLOTS;
    while entries.len() * 10 > n * 6 {
        n *= 2;
    }
    let (bits, mut slots) = (n.trailing_zeros(), vec![0u8; n * SLOT]);
    for (key, value) in entries {
        let mut at = home(hashed(key), bits);
        while slots[at * SLOT..at * SLOT + 16].iter().any(|&b| b != 0) {
            at = (at + 1) % n;
        }
        slots[at * SLOT..at * SLOT + 16].copy_from_slice(&key.to_le_bytes());
        slots[at * SLOT + 16..at * SLOT + 20].copy_from_slice(&value.to_le_bytes());
    }
    slots
}
