//! The word lists, loaded once into hash tables keyed by lower-cased bytes.

use crate::Label;
#[cfg(test)]
use crate::token::{self, Tok};
use rustc_hash::FxHashMap;

/// Bits of a word's entry.
pub(crate) mod flag {
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
    /// "ninety", "hundred": an age in words may start here.
    pub const AGE_WORD: u32 = 1 << 21;
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
pub(crate) mod fuzzy {
    /// [`flag::COND`](super::flag::COND) or [`flag::MED`](super::flag::MED): the key is a
    /// one-word health term of five letters or more, or one of its one-letter deletions.
    /// The same bits shifted left by `EXACT`: the key is a one-word health term of any length.
    pub const EXACT: u32 = 8;
}

/// What an identifier cue announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cue {
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

/// Lower-cased word → flags. Words of up to 15 bytes (nearly all) are packed into the key
/// itself, so a lookup is one hash of two machine words and one probe, no pointer to follow.
#[derive(Default)]
struct WordTable {
    short: FxHashMap<Short, u32>,
    long: FxHashMap<Box<[u8]>, u32>,
}

/// A packed short key, stored as two 64-bit halves: 24-byte table entries where a `u128`'s
/// alignment makes them 32 (the tables are megabytes, and every page of them is touched).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Short([u64; 2]);

impl From<u128> for Short {
    fn from(key: u128) -> Short {
        Short([key as u64, (key >> 64) as u64])
    }
}

impl std::hash::Hash for Short {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0[0]);
        state.write_u64(self.0[1]);
    }
}

fn pack(word: &[u8]) -> Option<u128> {
    let mut key = [0u8; 16];
    key.get_mut(..word.len())?.copy_from_slice(word);
    key[15] = u8::try_from(word.len()).ok().filter(|&l| l <= 15)?;
    Some(u128::from_le_bytes(key))
}

impl WordTable {
    fn get(&self, word: &[u8]) -> u32 {
        match pack(word) {
            Some(k) => self.short.get(&k.into()).copied().unwrap_or(0),
            None => self.long.get(word).copied().unwrap_or(0),
        }
    }

    fn get_mut(&mut self, word: &[u8]) -> Option<&mut u32> {
        match pack(word) {
            Some(k) => self.short.get_mut(&k.into()),
            None => self.long.get_mut(word),
        }
    }

    fn or_insert(&mut self, word: &[u8]) -> &mut u32 {
        match pack(word) {
            Some(k) => self.short.entry(k.into()).or_insert(0),
            None => self.long.entry(word.to_vec().into_boxed_slice()).or_insert(0),
        }
    }
}

/// The words of a cue after its first, and what the cue announces.
type CuePhrase = (Vec<Box<[u8]>>, Cue);

pub(crate) struct Lexicon {
    words: WordTable,
    /// Multi-word health terms, lower case with single spaces.
    phrases: FxHashMap<Box<[u8]>, Label>,
    /// The keys of every multi-word health term's first two tokens (see [`token::phrase_key`]).
    phrase_starts: WordTable,
    /// Health terms that count only in upper case ("ADD", "MS").
    upper: WordTable,
    /// Each one-word health term of six letters or more (five when curated), and each of its
    /// one-letter deletions.
    fuzzy: WordTable,
    /// Correctly spelled words beyond the everyday list (see [`Lexicon::is_english`]).
    english: SortedLines,
    /// Cue phrases by first word: the remaining words, and what they announce.
    cues: FxHashMap<Box<[u8]>, Vec<CuePhrase>>,
}

const COMMON: &str = include_str!("../data/gen_common.txt");
const ENGLISH: &str = include_str!("../data/gen_english.txt");
const GIVEN: &str = include_str!("../data/gen_given.txt");
const FAMILY: &str = include_str!("../data/gen_family.txt");
const GEN_CONDITIONS: &str = include_str!("../data/gen_conditions.txt");
const GEN_MEDICATIONS: &str = include_str!("../data/gen_medications.txt");
const CURATED_CONDITIONS: &str = include_str!("../data/curated_conditions.txt");
const CURATED_MEDICATIONS: &str = include_str!("../data/curated_medications.txt");
const NOT_NAMES: &str = include_str!("../data/curated_not_names.txt");
const NOT_HEALTH: &str = include_str!("../data/curated_not_health.txt");
const CURATED_COMMON: &str = include_str!("../data/curated_common.txt");
const NAME_FIRST: &str = include_str!("../data/curated_name_first.txt");

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
];
const STREETS: &[&str] = &[
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
];

/// Identifier cues: words that announce an identifier of a known kind.
const CUES: &[(&str, Cue)] = &[
    ("mrn", Cue::Id(Label::Mrn)),
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

/// The sorted word lines of `gen_english.txt`, its comment header skipped.
fn english_words() -> &'static [u8] {
    let b = ENGLISH.as_bytes();
    let mut at = 0;
    while b.get(at) == Some(&b'#') {
        at = b[at..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| at + p + 1);
    }
    &b[at..]
}

/// A list of lines sorted by bytes, searched by halving: each line's place is noted once.
struct SortedLines {
    data: &'static [u8],
    /// Start and end of each line.
    lines: Vec<(u32, u32)>,
}

impl SortedLines {
    fn new(data: &'static [u8]) -> SortedLines {
        let mut lines = Vec::new();
        let mut start = 0;
        for (at, _) in data.iter().enumerate().filter(|&(_, &c)| c == b'\n') {
            lines.push((start as u32, at as u32));
            start = at + 1;
        }
        if start < data.len() {
            lines.push((start as u32, data.len() as u32));
        }
        SortedLines { data, lines }
    }

    fn contains(&self, word: &[u8]) -> bool {
        self.lines.binary_search_by(|&(a, b)| self.data[a as usize..b as usize].cmp(word)).is_ok()
    }
}

fn lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Splits a lexicon entry as the tokenizer would: words, digit runs, single other characters.
pub(crate) fn entry_tokens(entry: &str) -> Vec<&str> {
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

/// "surgery" → "surgeries": the plural of an ASCII term ending in a consonant and "y".
fn ies_plural(term: &str) -> Option<String> {
    let stem = term.strip_suffix('y')?;
    let before = *stem.as_bytes().last()?;
    (term.is_ascii() && stem.len() >= 3 && before.is_ascii_alphabetic() && !b"aeiou".contains(&before))
        .then(|| format!("{stem}ies"))
}

impl Lexicon {
    pub fn build() -> Lexicon {
        let mut lex = Lexicon {
            words: WordTable::default(),
            phrases: FxHashMap::default(),
            phrase_starts: WordTable::default(),
            upper: WordTable::default(),
            fuzzy: WordTable::default(),
            cues: FxHashMap::default(),
            english: SortedLines::new(english_words()),
        };
        // About the sizes they reach, so that the tables are not copied as they grow.
        lex.words.short.reserve(160_000);
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
            (&["ninety", "hundred"], flag::AGE_WORD),
            (STOPWORDS, flag::STOPWORD),
            (INTROS, flag::INTRO),
            (
                &["live", "living", "lives", "moved", "moving", "i'm", "im", "am", "we're", "are", "stay", "staying"],
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
        for (phrase, cue) in CUES {
            let toks: Vec<&str> = entry_tokens(phrase);
            let Some((first, rest)) = toks.split_first() else { continue };
            lex.add(first, flag::CUE);
            let rest = rest.iter().map(|t| t.as_bytes().to_vec().into_boxed_slice()).collect();
            lex.cues.entry(first.as_bytes().to_vec().into_boxed_slice()).or_default().push((rest, *cue));
        }
        for list in lex.cues.values_mut() {
            list.sort_by_key(|(rest, _)| std::cmp::Reverse(rest.len())); // longest cue first
        }
        lex
    }

    /// The first two tokens of each multi-word term, keyed as the detector keys a text's, the
    /// term split by the tokenizer itself: what [`two_token_start`] must agree with.
    #[cfg(test)]
    fn phrase_starts_by_tokenizer(&self) -> WordTable {
        let (mut toks, mut key, mut ends): (Vec<Tok>, Vec<u8>, _) = (Vec::new(), Vec::new(), [0; flag::MAX_PHRASE + 1]);
        let mut starts = WordTable::default();
        for term in self.phrases.keys() {
            let Ok(term) = std::str::from_utf8(term) else { continue };
            token::tokenize(term, self, &mut token::WordCache::default(), &mut toks);
            if token::phrase_key(term, &toks, 0, 2, &mut key, &mut ends) == 2 {
                *starts.or_insert(&key) = 1;
            }
        }
        starts
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

    /// Flags of a word given as its packed short key (see `token::packed_lower`).
    pub fn flags_packed(&self, key: u128) -> u32 {
        self.words.short.get(&key.into()).copied().unwrap_or(0)
    }

    /// Flags of a punctuation mark: only "#" means something (an identifier follows).
    pub fn punct_flags(&self, c: u8) -> u32 {
        if c == b'#' { flag::CUE } else { 0 }
    }

    pub fn phrase(&self, key: &[u8]) -> Option<Label> {
        self.phrases.get(key).copied()
    }

    /// Whether a multi-word term may start with these two tokens (keyed by `token::phrase_key`).
    pub fn phrase_may_start(&self, two: &[u8]) -> bool {
        self.phrase_starts.get(two) != 0
    }

    /// As [`Lexicon::phrase_may_start`], given the two tokens' key packed (when it is short).
    pub fn phrase_may_start_packed(&self, two: u128) -> bool {
        self.phrase_starts.short.contains_key(&two.into())
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

    /// Whether `lower` is a correctly spelled English word or proper noun beyond the everyday
    /// list ("resend", "africa"): never read as a misspelled health term. A binary search of
    /// the sorted list as compiled in, cheaper to build than a table.
    pub fn is_english(&self, lower: &[u8]) -> bool {
        self.english.contains(lower)
    }

    /// As [`Lexicon::fuzzy`], given a packed short key.
    pub fn fuzzy_packed(&self, key: u128) -> u32 {
        self.fuzzy.short.get(&key.into()).copied().unwrap_or(0)
    }

    pub fn cues(&self, first: &[u8]) -> &[CuePhrase] {
        self.cues.get(first).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::{Lexicon, SortedLines, english_words};

    /// The multi-word terms' two-token starts, taken from the terms' text while building, are
    /// exactly the ones the tokenizer gives.
    #[test]
    fn phrase_starts_agree_with_the_tokenizer() {
        let lex = Lexicon::build();
        let reference = lex.phrase_starts_by_tokenizer();
        let keys = |t: &super::WordTable| {
            let mut short: Vec<[u64; 2]> = t.short.keys().map(|k| k.0).collect();
            let mut long: Vec<Vec<u8>> = t.long.keys().map(|k| k.to_vec()).collect();
            short.sort_unstable();
            long.sort_unstable();
            (short, long)
        };
        let (built, expected) = (keys(&lex.phrase_starts), keys(&reference));
        assert!(built.0.len() + built.1.len() > 10_000);
        assert_eq!(built, expected);
    }

    /// The binary search finds every line of the list, and nothing between or around them.
    #[test]
    fn the_sorted_english_list_finds_each_of_its_words_and_nothing_else() {
        let data = english_words();
        let list = SortedLines::new(data);
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
        let small = SortedLines::new(b"b\nd\nf");
        assert!(small.contains(b"f") && small.contains(b"b") && !small.contains(b"e") && !small.contains(b""));
    }
}
