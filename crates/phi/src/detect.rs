//! Recognizers over the token stream, and the resolution of overlapping candidates.

use crate::lexicon::{Cue, DIGIT_WORDS, Lexicon, ORDINAL_WORDS, flag, fuzzy};
use crate::token::{self, Kind, Summary, Tok, WordCache};
use crate::{Label, Span};

/// A span some recognizer proposes; `prio` decides between overlapping proposals.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cand {
    pub start: usize,
    pub end: usize,
    pub label: Label,
    pub conf: f32,
    pub prio: u8,
}

mod spoken;

/// Priorities, highest first: the more specific evidence wins an overlap.
mod prio {
    pub const EMAIL: u8 = 40;
    pub const URL: u8 = 38;
    pub const CUED_ID: u8 = 30;
    pub const VIN: u8 = 28;
    pub const SSN: u8 = 27;
    pub const CUED_ZIP: u8 = 26;
    pub const ADDRESS: u8 = 25;
    pub const DOB: u8 = 24;
    pub const PHONE: u8 = 23;
    pub const NUMERIC: u8 = 22;
    pub const CARD: u8 = 21;
    pub const NAME_CUED: u8 = 20;
    pub const MONTH_DATE: u8 = 19;
    pub const CITY: u8 = 19;
    pub const NAME: u8 = 18;
    pub const HEALTH: u8 = 15;
    pub const GENERIC_ID: u8 = 14;
    pub const MONTH_ALONE: u8 = 12;
    pub const ALNUM_ID: u8 = 6;
    pub const LONG_NUMBER: u8 = 5;
}

const TLDS: &[&str] = &[
    "com", "org", "net", "edu", "gov", "io", "co", "us", "info", "biz", "me", "ly", "app", "health", "care", "clinic",
    "ca", "uk", "mx",
];
const FILLER: &[&str] = &[
    "is", "was", "number", "no", "num", "nbr", "of", "my", "the", "it's", "its", "are", "be", "will", "on", "file",
    "ending", "in", "card", "id", "code", "it", "should", "say", "says", "if", "that", "helps", "es", "mi", "es:",
];
const AGE_PERSON: &[&str] = &["she", "he", "i", "who", "mom", "dad", "grandma", "grandpa", "mother", "father"];
const AGE_BEFORE: &[&str] = &["age", "aged", "turned", "turning", "turns", "i'm", "im", "she's", "he's", "shes", "hes"];
const NAME_INTRO_TWO: &[(&str, &str)] = &[
    ("name", "is"),
    ("i", "am"),
    ("this", "is"),
    ("call", "me"),
    ("nombre", "es"),
    ("it", "is"),
    ("is", "with"),
    ("saw", "dr"),
    ("last", "name"),
    ("first", "name"),
    ("full", "name"),
    ("maiden", "name"),
];
/// Lower-case words that follow a title without being a name ("the doctor said").
const AFTER_TITLE_NOT_NAME: &[&str] = &[
    // Spanish pronouns and function words after "la enfermera", "la doctora"
    "me",
    "le",
    "les",
    "nos",
    "se",
    "te",
    "lo",
    "que",
    "de",
    "del",
    "en",
    "es",
    "dijo",
    "said",
    "says",
    "told",
    "tells",
    "office",
    "offices",
    "appointment",
    "appointments",
    "visit",
    "wants",
    "will",
    "would",
    "was",
    "is",
    "has",
    "had",
    "can",
    "could",
    "should",
    "recommended",
    "ordered",
    "prescribed",
    "called",
    "gave",
    "thinks",
    "thought",
    "and",
    "or",
    "but",
    "my",
    "your",
    "his",
    "her",
    "the",
    "a",
    "an",
    "who",
    "that",
    "asked",
    "wrote",
    "note",
    "notes",
    "orders",
    "visits",
    "on",
    "at",
    "in",
    "for",
    "to",
    "about",
    "again",
    "today",
    "tomorrow",
    "yesterday",
    "please",
    "here",
    "there",
    "did",
    "does",
    "do",
    "just",
    "also",
    "never",
    "always",
];
const DATE_LEAD: &[&str] = &["on", "since", "dob", "by", "until", "before", "after", "from", "born", "date"];
/// [`Ctx::name_context`]: a relation ("my son", "wife:") comes before the name.
const RELATION_BEFORE: u8 = 3;
const SURNAME_PARTICLES: &[&str] = &["de", "del", "la", "van", "von", "da", "dos", "das", "di", "le", "y", "st"];
const AMBIGUOUS_MONTHS: &[&str] = &["may", "march", "jan", "sat", "sun", "dec", "mar", "jun", "aug", "sept", "sep"];
/// Words before a month alone that make it part of someone's history ("since April").
const MONTH_LEAD: &[&str] = &["since", "last"];
const ORDINALS: &[&str] = &["st", "nd", "rd", "th"];
/// Words before "the 18th" that make it a day of the month unless a counted noun follows.
const ORDINAL_DAY_LEAD: &[&str] = &["on", "by", "until", "till", "before", "after", "since", "from", "through", "thru"];
/// What an ordinal counts when it is not a day: "the 3rd floor", "the 2nd time".
const COUNTED_BY_ORDINALS: &[&str] = &[
    "floor",
    "time",
    "times",
    "grade",
    "day",
    "week",
    "month",
    "year",
    "place",
    "try",
    "attempt",
    "round",
    "dose",
    "shot",
    "visit",
    "trimester",
    "percentile",
    "street",
    "st",
    "ave",
    "avenue",
    "row",
    "level",
    "story",
    "period",
    "generation",
    "birthday",
    "anniversary",
    "edition",
    "page",
    "chapter",
    "line",
    "question",
    "item",
    "option",
    "child",
    "baby",
    "kid",
    "son",
    "daughter",
    "pregnancy",
    "degree",
    "person",
    "one",
    "of",
    "door",
    "room",
    "box",
    "bed",
    "stop",
    "exit",
    "lane",
    "building",
    "wing",
    "tower",
    "unit",
    "suite",
    "booster",
    "appointment",
];
/// Words that end the names of places of care, schools, churches and lodgings: "Mercy General
/// Hospital", "Austin Regional Clinic", "Hampton Inn".
const PLACES: &[&str] = &[
    "hospital",
    "hospitals",
    "clinic",
    "clinics",
    "center",
    "centre",
    "associates",
    "pharmacy",
    "pediatrics",
    "dentistry",
    "orthopedics",
    "cardiology",
    "dermatology",
    "practice",
    "labs",
    "laboratory",
    "institute",
    "university",
    "college",
    "school",
    "academy",
    "church",
    "foundation",
    "hospice",
    "deaconess",
    "daycare",
    "parish",
    "rehab",
    "rehabilitation",
    "physicians",
    "specialists",
    "wellness",
    "medicine",
    "imaging",
    "radiology",
    "inn",
    "hotel",
    "motel",
    // "Mercy General", "Houston Methodist"
    "general",
    "methodist",
    "presbyterian",
    "baptist",
    // A business: "Henderson LLC", "Ramirez Group"
    "llc",
    "inc",
    "ltd",
    "plc",
    "corp",
    "group",
];

/// A unit's word after a street's name: "Apt 4B", "suite 200", "Avenida Juárez Apt 3", "Int. 2".
const UNITS: &[&str] = &["apt", "apartment", "unit", "suite", "ste", "lot", "fl", "floor", "int", "interior", "depto"];

/// What happened to someone, after a name: "Kairo has had a fever", "Chidinma said ...".
const HAPPENED: &[&str] = &[
    "is",
    "was",
    "has",
    "had",
    "needs",
    "keeps",
    "kept",
    "got",
    "gets",
    "fell",
    "threw",
    "swallowed",
    "rolled",
    "woke",
    "started",
    "hasn't",
    "won't",
    "can't",
    "didn't",
    "doesn't",
    // what someone said: "Chidinma said the nurse was kind"
    "said",
    "says",
    "told",
    "asked",
    "called",
    "wants",
    "wanted",
];
/// Words before "here" at the start of a sentence that are not the writer's name.
const NOT_WRITERS: &[&str] = &[
    "over", "back", "down", "out", "up", "right", "left", "just", "still", "all", "everyone", "someone", "nobody",
    "anyone", "stuck", "home", "thanks", "hope", "new", "same", "nothing", "sorry",
];
/// Verbs whose object is usually a person: "tell Will", "ask Grace", "took Mason to".
const PERSON_VERBS: &[&str] = &[
    "tell", "ask", "thank", "thanks", "call", "text", "email", "message", "remind", "let", "with", "take", "takes",
    "took", "taking", "bring", "brings", "brought", "bringing",
];
/// What a capitalized word after a relation is when it is not the relation's name.
const NOT_A_RELATIONS_NAME: u32 = flag::STOPWORD
    | flag::COND
    | flag::MED
    | flag::MONTH
    | flag::WEEKDAY
    | flag::STATE
    | flag::COUNTRY
    | flag::STREET
    | flag::NOT_NAME
    | flag::TITLE
    | flag::RELATION
    | flag::UNIT
    | flag::SIGNOFF
    | flag::YEARS
    | flag::NUMBER_WORD
    | flag::ORGAN;
const MED_SUFFIXES: &[&str] =
    &["itis", "osis", "ectomy", "otomy", "ostomy", "oscopy", "emia", "algia", "opathy", "plasty"];
/// Street suffixes of USPS Publication 28 (appendix C1) beyond the lexicon's own, which are also
/// everyday words or names: a street suffix only in capitals, after a house number and a name.
const USPS_SUFFIXES: &[&str] = &[
    "anex",
    "arcade",
    "bayou",
    "beach",
    "bend",
    "bluff",
    "bluffs",
    "bottom",
    "branch",
    "bridge",
    "brook",
    "brooks",
    "burg",
    "burgs",
    "bypass",
    "camp",
    "canyon",
    "cape",
    "causeway",
    "center",
    "centers",
    "circles",
    "cliff",
    "cliffs",
    "club",
    "common",
    "commons",
    "corner",
    "corners",
    "course",
    "courts",
    "cove",
    "coves",
    "creek",
    "crest",
    "crossing",
    "crossroad",
    "crossroads",
    "curve",
    "dale",
    "dam",
    "divide",
    "drives",
    "estate",
    "estates",
    "expressway",
    "extension",
    "extensions",
    "fall",
    "falls",
    "ferry",
    "field",
    "fields",
    "flat",
    "flats",
    "ford",
    "fords",
    "forest",
    "forge",
    "forges",
    "fork",
    "forks",
    "fort",
    "freeway",
    "garden",
    "gardens",
    "gateway",
    "glen",
    "glens",
    "green",
    "greens",
    "grove",
    "groves",
    "harbor",
    "harbors",
    "haven",
    "heights",
    "hill",
    "hills",
    "hollow",
    "inlet",
    "island",
    "islands",
    "isle",
    "junction",
    "junctions",
    "key",
    "keys",
    "knoll",
    "knolls",
    "lake",
    "lakes",
    "land",
    "landing",
    "light",
    "lights",
    "loaf",
    "lock",
    "locks",
    "lodge",
    "mall",
    "manor",
    "manors",
    "meadow",
    "meadows",
    "mews",
    "mill",
    "mills",
    "mission",
    "motorway",
    "mount",
    "mountain",
    "mountains",
    "neck",
    "orchard",
    "oval",
    "overpass",
    "park",
    "parks",
    "parkways",
    "pass",
    "passage",
    "path",
    "pine",
    "pines",
    "plain",
    "plains",
    "point",
    "points",
    "port",
    "ports",
    "prairie",
    "radial",
    "ramp",
    "ranch",
    "rapid",
    "rapids",
    "rest",
    "ridge",
    "ridges",
    "river",
    "roads",
    "route",
    "rue",
    "run",
    "shoal",
    "shoals",
    "shore",
    "shores",
    "skyway",
    "spring",
    "springs",
    "spur",
    "spurs",
    "squares",
    "station",
    "stravenue",
    "stream",
    "streets",
    "summit",
    "throughway",
    "trace",
    "track",
    "trafficway",
    "tunnel",
    "turnpike",
    "underpass",
    "union",
    "unions",
    "valley",
    "valleys",
    "via",
    "viaduct",
    "view",
    "views",
    "village",
    "villages",
    "ville",
    "vista",
    "walk",
    "walks",
    "wall",
    "ways",
    "well",
    "wells",
];
const DOSE_UNITS: &[&str] = &["mg", "mcg", "ml", "units", "iu", "milligrams"];
const PLACE_LEAD: &[(&str, &str)] = &[
    ("live", "in"),
    ("living", "in"),
    ("lives", "in"),
    ("moved", "to"),
    ("moving", "to"),
    ("moved", "from"),
    ("moving", "from"),
    ("i'm", "from"),
    ("im", "from"),
    ("am", "from"),
    ("we're", "from"),
    ("we're", "in"),
    ("are", "in"),
    ("i'm", "in"),
    ("im", "in"),
    ("stay", "in"),
    ("staying", "in"),
];

struct Ctx<'a> {
    text: &'a str,
    t: &'a [Tok],
    lex: &'a Lexicon,
    /// The word cache, which also remembers the misspelling search's answers.
    words: &'a mut WordCache,
    key: &'a mut Vec<u8>,
    out: &'a mut Vec<Cand>,
    /// Where each fax cue starts and ends.
    fax_cues: Vec<(usize, usize)>,
    /// The word "dot" was seen (see [`Ctx::spelled_emails`]).
    spelled_dot: bool,
    /// The union of the words' flags (see [`Summary`]).
    flags: u32,
    /// Maybe an IPv6 address (see [`Summary`]).
    hex_address_marks: bool,
}

/// Runs every recognizer over `t` (the tokens of `text`), appending candidates to `out`.
/// Recognizers that the text's [`Summary`] shows have nothing to find are skipped.
pub(crate) fn run(
    text: &str,
    t: &[Tok],
    summary: Summary,
    lex: &Lexicon,
    words: &mut WordCache,
    key: &mut Vec<u8>,
    out: &mut Vec<Cand>,
) {
    let mut cx = Ctx {
        text,
        t,
        lex,
        words,
        key,
        out,
        fax_cues: Vec::new(),
        spelled_dot: false,
        flags: summary.flags,
        hex_address_marks: summary.hex_address_marks,
    };
    let any = |f: u32| summary.flags & f != 0;
    if summary.address_marks {
        cx.contacts();
    }
    if any(flag::CUE) {
        cx.cues();
    }
    if summary.address_marks || cx.spelled_dot {
        cx.spelled_emails();
    }
    if summary.digits {
        cx.numbers();
        cx.chunks();
    }
    if summary.read_aloud > 0 || summary.digits && any(flag::CUE) {
        cx.spoken(summary.read_aloud >= 7, summary.digits && any(flag::CUE));
    }
    if summary.digits || any(flag::STATE | flag::PLACE_LEAD | flag::STREET) {
        cx.addresses(summary.digits);
    }
    if any(flag::MONTH) {
        cx.months();
    }
    cx.names();
    cx.health();
    if !cx.fax_cues.is_empty() {
        cx.apply_fax_cues();
    }
    if cx.out.iter().any(|c| c.label == Label::OtherId) {
        cx.name_generic_ids();
    }
}

/// Words that, earlier in the sentence, say what kind of identifier a number with no cue of
/// its own is ("the number on my medicare card is ...", "the glucose monitor ID is ...").
const ID_KINDS: &[(Label, &[&str])] = &[
    (
        Label::HealthPlanId,
        &[
            "insurance",
            "insurer",
            "medicare",
            "medicaid",
            "member",
            "policy",
            "subscriber",
            "plan",
            "coverage",
            "aetna",
            "cigna",
            "humana",
            "bcbs",
            "anthem",
            "kaiser",
            "tricare",
            "unitedhealthcare",
            "uhc",
            "molina",
            "ambetter",
            "wellcare",
            "chip",
            "seguro",
            "aseguranza",
        ],
    ),
    (
        Label::Device,
        &[
            "device",
            "pump",
            "pacemaker",
            "monitor",
            "meter",
            "implant",
            "defibrillator",
            "cpap",
            "bipap",
            "hearing",
            "stimulator",
            "glucometer",
            "cgm",
            "dexcom",
            "libre",
            "omnipod",
            "nebulizer",
            "oximeter",
            "wheelchair",
            "serial",
            "imei",
            "udi",
            "sensor",
            "transmitter",
        ],
    ),
    (Label::License, &["license", "licence", "dea", "npi", "certificate", "permit"]),
    (Label::Account, &["account", "acct", "invoice", "statement", "billing", "bill", "balance"]),
    (Label::Mrn, &["chart", "mrn", "record"]),
    (Label::Vehicle, &["plate", "vin", "car", "vehicle", "truck"]),
    (Label::Ssn, &["ssn", "social", "itin", "tax"]),
];

/// A word no list knows that has the ending of a family name in one of the languages of the
/// clinics' patients: "Wojciekowski", "Kovalenko", "Hovhannisyan", "Popescu", "Papadopoulos".
fn surname_shape(word: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "ski", "ska", "cki", "wicz", "czyk", "enko", "chuk", "yan", "ian", "escu", "poulos", "akis", "idis", "sson",
        "dottir", "ovic", "evic", "ovich", "evich", "shvili", "adze", "oglu",
    ];
    let b = word.as_bytes();
    // "D'Andre", "O'Shaughnessy": a capital, an apostrophe, a capitalized word
    let apostrophe_name = b.len() >= 5 && b[0].is_ascii_uppercase() && b[1] == b'\'' && b[2].is_ascii_uppercase();
    let last = b.last().map_or(0, |c| c | 0x20);
    apostrophe_name
        || b.len() >= 6
            && ENDINGS
                .iter()
                .any(|e| e.as_bytes()[e.len() - 1] == last && b[b.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
}

/// What `word` says of an identifier later in its sentence: `Some(Some(label))` its kind (see
/// [`ID_KINDS`]), `Some(None)` that it is of no such kind (see [`ID_KIND_STOPS`]), `None`
/// nothing. One hash lookup, for identifiers are looked back from over a dozen words each.
fn id_kind(word: &str) -> Option<Option<Label>> {
    static TABLE: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, Option<Label>>> =
        std::sync::LazyLock::new(|| {
            let kinds = ID_KINDS.iter().flat_map(|(label, words)| words.iter().map(|w| (*w, Some(*label))));
            ID_KIND_STOPS.iter().map(|w| (*w, None)).chain(kinds).collect()
        });
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..word.len())?;
    for (d, c) in lower.iter_mut().zip(word.bytes()) {
        *d = c.to_ascii_lowercase();
    }
    TABLE.get(std::str::from_utf8(lower).ok()?).copied()
}

/// Cues of identifiers of no kind above: before them, the words above say nothing.
const ID_KIND_STOPS: &[&str] = &[
    "claim",
    "confirmation",
    "reference",
    "ref",
    "order",
    "ticket",
    "case",
    "rx",
    "prescription",
    "employee",
    "student",
    "passport",
    "username",
    "user",
    "tracking",
    "booking",
];

/// Keeps the best non-overlapping candidates (priority, then length), sorted by start.
pub(crate) fn resolve(cands: &mut [Cand], spans: &mut Vec<Span>) {
    spans.clear();
    // Candidates that overlap nothing else are most of them. Only within a cluster of
    // candidates that overlap one another does priority decide, and a cluster's choice cannot
    // clash with another cluster's: the result is that of taking every candidate in priority
    // order, in time that grows with the text's length rather than with its square.
    cands.sort_unstable_by_key(|c| (c.start, c.end));
    let mut rest = &mut cands[..];
    while let Some(first) = rest.first() {
        let mut reach = first.end;
        let mut n = 1;
        while rest.get(n).is_some_and(|c| c.start < reach) {
            reach = reach.max(rest[n].end);
            n += 1;
        }
        let (cluster, tail) = rest.split_at_mut(n);
        rest = tail;
        if let [c] = cluster {
            if c.end > c.start {
                spans.push(Span { start: c.start, end: c.end, label: c.label, confidence: c.conf });
            }
            continue;
        }
        cluster.sort_unstable_by(|a, b| {
            b.prio
                .cmp(&a.prio)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
                .then(a.label.cmp(&b.label))
        });
        let from = spans.len();
        for c in cluster.iter().filter(|c| c.end > c.start) {
            if spans[from..].iter().all(|s| s.end <= c.start || c.end <= s.start) {
                spans.push(Span { start: c.start, end: c.end, label: c.label, confidence: c.conf });
            }
        }
        spans[from..].sort_unstable_by_key(|s| s.start);
    }
}

/// The word's own entry in the misspelling table, then each of its one-letter deletions':
/// the first health term found, and how sure. An exact term after a deletion is surer than a
/// deletion of a term.
fn fuzzy_match(word: u32, deletions: impl Iterator<Item = u32>) -> Option<(Label, f32)> {
    const HEALTH: u32 = flag::COND | flag::MED;
    let label = |f: u32| if f & flag::MED != 0 { Label::Medication } else { Label::Condition };
    if word & HEALTH != 0 {
        return Some((label(word), 0.65));
    }
    for entry in deletions {
        let exact = (entry >> fuzzy::EXACT) & HEALTH;
        if exact != 0 {
            return Some((label(exact), 0.65));
        }
        if entry & HEALTH != 0 {
            return Some((label(entry), 0.6));
        }
    }
    None
}

/// [`Ctx::fuzzy`] for an ASCII word `s` of at most 40 bytes; `buf` is scratch space.
fn misspelling(lex: &Lexicon, s: &str, buf: &mut Vec<u8>) -> Option<(Label, f32)> {
    let n = s.len();
    let mut lower = [0u8; 40];
    let lower = lower.get_mut(..n)?;
    lower.copy_from_slice(s.as_bytes());
    lower.make_ascii_lowercase();
    let lower = &*lower;
    let found = if n <= 15 {
        // Packed keys: a deletion is two masks and a shift, no copy.
        let key = token::packed_lower(s.as_bytes(), 0, n);
        fuzzy_match(lex.fuzzy_packed(key), (0..n).map(|skip| lex.fuzzy_packed(token::without_byte(key, n, skip))))
    } else {
        fuzzy_match(
            lex.fuzzy(lower),
            (0..n).map(|skip| {
                buf.clear();
                buf.extend_from_slice(&lower[..skip]);
                buf.extend_from_slice(&lower[skip + 1..]);
                lex.fuzzy(buf)
            }),
        )
    };
    // A word spelled right is no misspelling (checked last: most words match nothing).
    if found.is_some() && !lex.is_english(lower) {
        return found;
    }
    let b = s.as_bytes();
    if n >= 7
        && MED_SUFFIXES.iter().any(|suf| n >= suf.len() && b[n - suf.len()..].eq_ignore_ascii_case(suf.as_bytes()))
    {
        return Some((Label::Condition, 0.55));
    }
    None
}

/// [`misspelling`]'s answer as the word cache keeps it: never 0.
struct Misspelling;

impl Misspelling {
    fn encode(found: Option<(Label, f32)>) -> u32 {
        match found {
            None => 1,
            Some((label, confidence)) => {
                2 + u32::from(label == Label::Medication) + 2 * (confidence * 100.0).round() as u32
            }
        }
    }

    fn decode(code: u32) -> Option<(Label, f32)> {
        let code = code.checked_sub(2)?;
        let label = if code & 1 == 1 { Label::Medication } else { Label::Condition };
        Some((label, (code / 2) as f32 / 100.0))
    }
}

/// The end of an IPv6 address starting at byte `start`: groups of one to four hexadecimal
/// digits between colons, eight of them, or fewer with one "::" ("fe80::1ff:fe23:4567:890a").
/// A time ("10:30:45") has neither.
fn ipv6_end(b: &[u8], start: usize) -> Option<usize> {
    let (mut end, mut colons) = (start, 0);
    while end < b.len() && (b[end].is_ascii_hexdigit() || b[end] == b':') {
        colons += usize::from(b[end] == b':');
        end += 1;
    }
    if colons < 2 || end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
        return None; // most words: no colon, or a word that goes on
    }
    while end > start && b[end - 1] == b':' && !b[start..end].ends_with(b"::") {
        end -= 1; // a colon ending a sentence ("from fe80::1:")
    }
    let s = &b[start..end];
    let compressed = s.windows(2).filter(|w| w == b"::").count();
    let (mut groups, mut short) = (0, true);
    for g in s.split(|&c| c == b':').filter(|g| !g.is_empty()) {
        groups += 1;
        short &= g.len() <= 4;
    }
    let ok = short
        && match compressed {
            0 => groups == 8,
            1 => (2..=7).contains(&groups) && !s.windows(3).any(|w| w == b":::"),
            _ => false,
        };
    ok.then_some(end)
}

/// The end of a Canadian postal code whose first half is bytes `s..e`: "H2J 2K7" (letter,
/// digit, letter, a space, digit, letter, digit; the first letter one that Canada Post uses).
fn canadian_postal_code(b: &[u8], s: usize, e: usize) -> Option<usize> {
    let shape = |g: &[u8], letter_first: bool| {
        g.iter()
            .enumerate()
            .all(|(n, c)| if (n % 2 == 0) == letter_first { c.is_ascii_uppercase() } else { c.is_ascii_digit() })
    };
    let (first, second) = (b.get(s..e)?, b.get(e + 1..e + 4)?);
    let ok = first.len() == 3
        && shape(first, true)
        && b[e] == b' '
        && shape(second, false)
        && b"ABCEGHJKLMNPRSTVXY".contains(&first[0])
        && b.get(e + 4).is_none_or(|c| !c.is_ascii_alphanumeric());
    ok.then_some(e + 4)
}

/// The end of an international bank account number (IBAN) starting at byte `start`: a country's
/// two capitals, two check digits, then up to 30 letters and digits, in groups of four or not
/// ("GB82 WEST 1234 5698 7654 32"), 15 to 34 in all, that pass the ISO 13616 check (mod 97).
fn iban_end(b: &[u8], start: usize) -> Option<usize> {
    let head = b.get(start..start + 4)?;
    if !(head[..2].iter().all(u8::is_ascii_uppercase) && head[2..].iter().all(u8::is_ascii_digit)) {
        return None;
    }
    // The remainder of the rearranged number (country and check digits moved to the end),
    // reading letters as 10..35.
    let add = |r: u32, c: u8| {
        if c.is_ascii_digit() { (r * 10 + u32::from(c - b'0')) % 97 } else { (r * 100 + u32::from(c - b'A') + 10) % 97 }
    };
    let (mut r, mut n, mut k) = (0u32, 4usize, start + 4);
    let mut best = None;
    loop {
        if b.get(k) == Some(&b' ') {
            k += 1; // between groups
        }
        if !b.get(k).is_some_and(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            break;
        }
        while let Some(&c) = b.get(k).filter(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
            r = add(r, c);
            (n, k) = (n + 1, k + 1);
            if n > 34 {
                return best;
            }
        }
        if n >= 15 && head.iter().fold(r, |r, &c| add(r, c)) == 1 {
            best = Some(k);
        }
    }
    best.filter(|&e| b.get(e).is_none_or(|c| !c.is_ascii_alphanumeric()))
}

/// The end of a hardware (MAC) address starting at byte `start`: six pairs of hex digits joined
/// by colons, "3C:71:BF:2A:09:E4", and nothing glued after them.
fn mac_end(b: &[u8], start: usize) -> Option<usize> {
    let s = b.get(start..start + 17)?;
    let shaped = s
        .chunks(3)
        .all(|g| g[0].is_ascii_hexdigit() && g[1].is_ascii_hexdigit() && g.get(2).is_none_or(|&c| c == b':'));
    let alone = b.get(start + 17).is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b':');
    (shaped && alone).then_some(start + 17)
}

fn is_word_in(s: &str, list: &[&str]) -> bool {
    list.iter().any(|w| s.eq_ignore_ascii_case(w))
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (k, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if k % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// A ten-digit NPI with the "80840" prefix its check digit is computed over.
fn npi_with_prefix(npi: &str) -> [u8; 15] {
    let mut all = *b"808400000000000";
    for (to, from) in all[5..].iter_mut().zip(npi.bytes()) {
        *to = from;
    }
    all
}

fn parse(s: &str) -> u32 {
    s.bytes().fold(0u32, |acc, b| acc.saturating_mul(10).saturating_add(u32::from(b.wrapping_sub(b'0'))))
}

fn valid_day(month: u32, day: u32) -> bool {
    let max = match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    };
    (1..=max).contains(&day)
}

fn valid_year(s: &str) -> bool {
    s.len() == 2 || (s.len() == 4 && (1900..=2099).contains(&parse(s)))
}

/// SSN rules: area not 000, 666 or 9xx; group not 00; serial not 0000.
fn valid_ssn(area: &str, group: &str, serial: &str) -> bool {
    let a = parse(area);
    a != 0 && a != 666 && a < 900 && parse(group) != 0 && parse(serial) != 0
}

/// ISO 3779 check digit of a 17-character VIN.
fn valid_vin(vin: &[u8]) -> bool {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    if vin.len() != 17 || !vin.iter().any(u8::is_ascii_digit) || !vin.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut sum = 0;
    for (c, w) in vin.iter().zip(WEIGHTS) {
        let v = match c.to_ascii_uppercase() {
            d @ b'0'..=b'9' => u32::from(d - b'0'),
            b'A' | b'J' => 1,
            b'B' | b'K' | b'S' => 2,
            b'C' | b'L' | b'T' => 3,
            b'D' | b'M' | b'U' => 4,
            b'E' | b'N' | b'V' => 5,
            b'F' | b'W' => 6,
            b'G' | b'P' | b'X' => 7,
            b'H' | b'Y' => 8,
            b'R' | b'Z' => 9,
            _ => return false, // I, O, Q and anything else
        };
        sum += v * w;
    }
    let check = match sum % 11 {
        10 => b'X',
        r => b'0' + r as u8,
    };
    vin[8].to_ascii_uppercase() == check
}

impl Ctx<'_> {
    fn s(&self, i: usize) -> &str {
        let t = &self.t[i];
        &self.text[t.start..t.end]
    }

    fn is_p(&self, i: usize, c: u8) -> bool {
        self.t.get(i).is_some_and(|t| t.kind == Kind::Punct && self.text.as_bytes()[t.start] == c)
    }

    fn is_w(&self, i: usize, w: &str) -> bool {
        self.word_bytes(i).is_some_and(|b| b.eq_ignore_ascii_case(w.as_bytes()))
    }

    fn word_in(&self, i: usize, list: &[&str]) -> bool {
        self.word_bytes(i)
            .is_some_and(|b| list.iter().any(|w| w.len() == b.len() && b.eq_ignore_ascii_case(w.as_bytes())))
    }

    /// The bytes of token `i` when it is a word (no char-boundary checks: tokens lie on them).
    #[inline(always)]
    fn word_bytes(&self, i: usize) -> Option<&[u8]> {
        let t = self.t.get(i).filter(|t| t.kind == Kind::Word)?;
        self.text.as_bytes().get(t.start..t.end)
    }

    fn has(&self, i: usize, f: u32) -> bool {
        self.t.get(i).is_some_and(|t| t.kind == Kind::Word && t.has(f))
    }

    /// Token `i` exists and touches the one before it.
    fn glued(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(|t| !t.space_before)
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.t.get(i).map(|t| t.kind)
    }

    fn emit(&mut self, start: usize, end: usize, label: Label, conf: f32, prio: u8) {
        self.out.push(Cand { start, end, label, conf, prio });
    }

    fn emit_toks(&mut self, a: usize, b: usize, label: Label, conf: f32, prio: u8) {
        let (start, end) = (self.t[a].start, self.t[b].end);
        self.emit(start, end, label, conf, prio);
    }

    /// The previous word before token `i`, skipping up to `skip` punctuation tokens.
    fn prev_word(&self, i: usize, skip: usize) -> Option<usize> {
        let mut k = i;
        for _ in 0..=skip {
            k = k.checked_sub(1)?;
            if self.t[k].kind == Kind::Word {
                return Some(k);
            }
            if self.t[k].kind == Kind::Num {
                return None;
            }
        }
        None
    }

    // ---- e-mail addresses and URLs --------------------------------------------------------

    fn contacts(&mut self) {
        let b = self.text.as_bytes();
        for i in 0..self.t.len() {
            let tk = &self.t[i];
            if tk.kind == Kind::Punct && b[tk.start] == b'@' {
                let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
                let mut s = tk.start;
                while s > 0 && local(b[s - 1]) {
                    s -= 1;
                }
                let mut e = tk.end;
                while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'.' || b[e] == b'-') {
                    e += 1;
                }
                while e > tk.end && matches!(b[e - 1], b'.' | b'-') {
                    e -= 1;
                }
                let domain = &self.text[tk.end..e];
                let tld_ok = domain.rsplit_once('.').is_some_and(|(h, tld)| {
                    !h.is_empty() && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic())
                });
                if s < tk.start && tld_ok {
                    self.emit(s, e, Label::Email, 0.99, prio::EMAIL);
                } else if s == tk.start && tk.space_before || i == 0 {
                    // A social-media handle: "@jsmith22"
                    let mut e = tk.end;
                    while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_' || b[e] == b'.') {
                        e += 1;
                    }
                    while e > tk.end && b[e - 1] == b'.' {
                        e -= 1;
                    }
                    if e - tk.end >= 3 {
                        // Before any name inside it: "@jane.doe.92" is one handle
                        self.emit(tk.start, e, Label::OtherId, 0.7, prio::CUED_ID);
                    }
                }
                continue;
            }
            if self.hex_address_marks
                && (tk.space_before || i == 0)
                && tk.kind != Kind::Punct
                && b[tk.start].is_ascii_hexdigit()
                && let Some(end) = ipv6_end(b, tk.start)
            {
                self.emit(tk.start, end, Label::Ip, 0.9, prio::URL);
                continue;
            }
            if self.hex_address_marks
                && (tk.space_before || i == 0)
                && tk.kind != Kind::Punct
                && let Some(end) = mac_end(b, tk.start)
            {
                self.emit(tk.start, end, Label::Device, 0.85, prio::URL);
                continue;
            }
            // Only a word glued to "." or ":" can start a web address.
            if tk.kind != Kind::Word || !self.glued(i + 1) || !(self.is_p(i + 1, b'.') || self.is_p(i + 1, b':')) {
                continue;
            }
            let scheme = (self.is_w(i, "http") || self.is_w(i, "https")) && self.is_p(i + 1, b':') && self.glued(i + 1);
            let www = self.is_w(i, "www") && self.is_p(i + 1, b'.') && self.glued(i + 1);
            let domain = self.is_p(i + 1, b'.')
                && self.glued(i + 1)
                && self.glued(i + 2)
                && self.word_in(i + 2, TLDS)
                && !(self.glued(i + 3) && self.kind(i + 3) == Some(Kind::Word))
                && (tk.space_before || i == 0 || !self.is_p(i - 1, b'@'));
            if scheme || www || domain {
                let mut s = tk.start;
                while s > 0 && !b[s - 1].is_ascii_whitespace() && !b"(<\"'".contains(&b[s - 1]) {
                    s -= 1;
                }
                let mut e = tk.end;
                while e < b.len() && !b[e].is_ascii_whitespace() {
                    e += 1;
                }
                while e > tk.end && b".,;:!?)]}'\"".contains(&b[e - 1]) {
                    e -= 1;
                }
                if !self.text.is_char_boundary(s) || !self.text.is_char_boundary(e) {
                    continue;
                }
                if self.text[s..e].contains('@') && !scheme {
                    continue; // an e-mail address
                }
                self.emit(s, e, Label::Url, if domain { 0.85 } else { 0.95 }, prio::URL);
            }
        }
    }

    /// E-mail addresses spelled out so that machines miss them: "ana at gmail dot com",
    /// "pedro(dot)alvarez(at)yahoo(dot)com", "jo [at] mail.org". The domain ends in a known
    /// top-level domain, and "dot", a bracketed "at" or a glued "." marks it as an address.
    fn spelled_emails(&mut self) {
        for i in 1..self.t.len() {
            if self.t[i].len() != 2 || !self.is_w(i, "at") {
                continue;
            }
            let bracketed = self.punct_in(i - 1, b"([{") && self.punct_in(i + 1, b")]}");
            let (before, after) = if bracketed { (i.wrapping_sub(2), i + 2) } else { (i - 1, i + 1) };
            let Some(start) = self.spelled_part(before) else { continue };
            let Some((end, spelled_dot)) = self.spelled_domain(after) else { continue };
            if spelled_dot || bracketed {
                self.emit_toks(start, end, Label::Email, 0.9, prio::EMAIL);
            }
        }
    }

    /// Token `k` is one of the punctuation marks in `set`.
    fn punct_in(&self, k: usize, set: &[u8]) -> bool {
        self.kind(k) == Some(Kind::Punct) && set.contains(&self.text.as_bytes()[self.t[k].start])
    }

    /// A spelled-out separator at token `k`: "dot", "(dot)", "[dot]" or a glued "."; the
    /// token after it, and whether it was spelled.
    fn spelled_dot(&self, k: usize) -> Option<(usize, bool)> {
        if self.is_w(k, "dot") {
            return Some((k + 1, true));
        }
        if self.punct_in(k, b"([{") && self.is_w(k + 1, "dot") && self.punct_in(k + 2, b")]}") {
            return Some((k + 3, true));
        }
        (self.is_p(k, b'.') && self.glued(k) && self.glued(k + 1)).then_some((k + 1, false))
    }

    /// The local part of a spelled e-mail address ending at token `k`: words and numbers joined
    /// by glued "._-" or by a spelled "dot". Returns its first token.
    fn spelled_part(&self, k: usize) -> Option<usize> {
        let part = |k: usize| self.t.get(k).is_some_and(|t| t.kind != Kind::Punct && !self.is_w(k, "dot"));
        if !part(k) {
            return None;
        }
        let mut start = k;
        loop {
            let glued_sep = start >= 2
                && !self.t[start].space_before
                && self.punct_in(start - 1, b"._-")
                && !self.t[start - 1].space_before
                && part(start - 2);
            let glued_part = start >= 1 && !self.t[start].space_before && part(start - 1);
            let spelled_sep = start >= 2 && self.is_w(start - 1, "dot") && part(start - 2);
            if glued_part {
                start -= 1;
            } else if glued_sep || spelled_sep {
                start -= 2;
            } else if start >= 4
                && self.is_w(start - 2, "dot")
                && self.punct_in(start - 1, b")]}")
                && self.punct_in(start - 3, b"([{")
                && part(start - 4)
            {
                start -= 4;
            } else {
                return Some(start);
            }
        }
    }

    /// The domain of a spelled e-mail address from token `k`: a name, then separators and
    /// names up to a known top-level domain. Returns its last token and whether a separator
    /// was spelled out.
    fn spelled_domain(&self, k: usize) -> Option<(usize, bool)> {
        let name = |k: usize| self.t.get(k).is_some_and(|t| t.kind != Kind::Punct);
        if !name(k) {
            return None;
        }
        let (mut last, mut spelled, mut dots) = (k, false, 0);
        while let Some((next, s)) = self.spelled_dot(last + 1) {
            if !name(next) || dots == 3 {
                break;
            }
            (last, spelled, dots) = (next, spelled || s, dots + 1);
        }
        (dots > 0 && self.word_in(last, TLDS)).then_some((last, spelled))
    }

    // ---- cued identifiers -------------------------------------------------------------------

    /// If a cue phrase starts at token `i`, what it announces and the index of its last token.
    fn cue_at(&self, i: usize) -> Option<(Cue, usize)> {
        let tk = &self.t[i];
        if !tk.has(flag::CUE) {
            return None;
        }
        let mut buf = [0u8; 16];
        let first = self.s(i).as_bytes();
        let lower = buf.get_mut(..first.len())?;
        for (d, c) in lower.iter_mut().zip(first) {
            *d = c.to_ascii_lowercase();
        }
        'cues: for (rest, cue) in self.lex.cues(lower) {
            let mut k = i;
            for w in rest {
                k += 1;
                while self.is_p(k, b'.') && w.as_ref() != b"." {
                    k += 1;
                }
                match self.t.get(k) {
                    Some(_) if self.s(k).as_bytes().eq_ignore_ascii_case(w) => {}
                    _ => continue 'cues,
                }
            }
            return Some((*cue, k));
        }
        None
    }

    /// The word before "#" at token `i` numbers a place or a paper: a room, a suite, a store
    /// ("Walgreens #4471", "store #12"), a check, not a person's record.
    fn place_before_number_sign(&self, i: usize) -> bool {
        const PLACES_NUMBERED: &[&str] = &[
            "room",
            "rm",
            "suite",
            "ste",
            "unit",
            "store",
            "gate",
            "bed",
            "bay",
            "exam",
            "floor",
            "building",
            "bldg",
            "lot",
            "space",
            "spot",
            "door",
            "station",
            "office",
            "location",
            "pharmacy",
            "clinic",
            "branch",
            "cvs",
            "aid",
            "walgreens",
            "walmart",
            "kroger",
            "costco",
            "target",
            "safeway",
            "publix",
            "heb",
            // a payment's paper, not the payer's account: "paid with check #2231"
            "check",
            "cheque",
        ];
        i.checked_sub(1)
            .filter(|&p| self.t[p].kind == Kind::Word)
            .is_some_and(|p| self.word_in(p, PLACES_NUMBERED) || self.t[p].has(flag::NOT_NAME) && self.t[p].cap)
    }

    /// The first token after a cue that can hold its value, skipping filler words and marks.
    fn after_filler(&self, mut k: usize) -> usize {
        for _ in 0..5 {
            let Some(tk) = self.t.get(k) else { break };
            let filler = match tk.kind {
                Kind::Punct => b":#-=.(".contains(&self.text.as_bytes()[tk.start]),
                Kind::Word => is_word_in(self.s(k), FILLER),
                Kind::Num => false,
            };
            if !filler {
                break;
            }
            k += 1;
        }
        k
    }

    /// An identifier starting at token `v`: glued words, digits, '-' and '/', then more digit
    /// groups after single spaces. Returns its last token and how many digits it holds.
    fn id_chunk(&self, v: usize) -> Option<(usize, usize)> {
        let tk = self.t.get(v)?;
        if tk.kind == Kind::Punct {
            return None;
        }
        let mut end = v;
        let mut digits = if tk.kind == Kind::Num { tk.len() } else { 0 };
        let mut k = v + 1;
        while let Some(n) = self.t.get(k) {
            let joins = !n.space_before
                && match n.kind {
                    Kind::Word | Kind::Num => true,
                    Kind::Punct => {
                        b"-/_".contains(&self.text.as_bytes()[n.start])
                            && self.glued(k + 1)
                            && self.kind(k + 1).is_some_and(|k| k != Kind::Punct)
                    }
                };
            // "123 45 6789": an SSN's short middle group
            let ssn_middle = n.len() == 2
                && self.t[end].len() == 3
                && end == v
                && self.t.get(k + 1).is_some_and(|m| m.kind == Kind::Num && m.len() == 4 && m.start == n.end + 1);
            let spaced_group = n.space_before
                && n.kind == Kind::Num
                && self.t[end].kind == Kind::Num
                && n.start == self.t[end].end + 1
                && (n.len() >= 3 || ssn_middle);
            if !(joins || spaced_group) {
                break;
            }
            if n.kind == Kind::Num {
                digits += n.len();
            }
            end = k;
            k += 1;
        }
        (digits > 0).then_some((end, digits))
    }

    fn cues(&mut self) {
        let mut i = 0;
        while i < self.t.len() {
            if !self.t[i].has(flag::CUE) {
                i += 1; // most words
                continue;
            }
            let Some((cue, last)) = self.cue_at(i) else {
                i += 1;
                continue;
            };
            let v = self.after_filler(last + 1);
            match cue {
                // "room #204", "Walgreens #4471": a place's number, not a person's
                Cue::Id(Label::OtherId) if self.is_p(i, b'#') && self.place_before_number_sign(i) => {}
                Cue::Id(label) => {
                    if let Some((v, end, digits)) = self.cued_value(v, label) {
                        let generic = label == Label::OtherId;
                        let chars = self.t[end].end - self.t[v].start;
                        // A generic cue takes three digits, or a code of letters and digits of
                        // five characters or more ("confirmation code QZ7P4K")
                        let code = digits >= 1 && chars >= 5 && (v..=end).any(|k| self.t[k].kind == Kind::Word);
                        // An SSN has nine digits, or its last four: "social history: 2-3 beers" has none
                        let ssn_digits = label != Label::Ssn || digits >= 4;
                        if (!generic || digits >= 3 || code) && chars >= 3 && ssn_digits && !self.unit_after(end) {
                            let (conf, p) = if generic { (0.75, prio::GENERIC_ID) } else { (0.9, prio::CUED_ID) };
                            self.emit_toks(v, end, label, conf, p);
                            i = end + 1;
                            continue;
                        }
                    }
                }
                Cue::Dob => {
                    if let Some(tk) = self.t.get(v)
                        && tk.kind == Kind::Num
                        && (tk.len() == 6 || tk.len() == 8)
                        && !self.glued(v + 1)
                    {
                        self.emit_toks(v, v, Label::Date, 0.85, prio::DOB);
                    }
                }
                Cue::Fax => self.fax_cues.push((self.t[i].start, self.t[last].end)),
                Cue::SpelledDot => self.spelled_dot = true,
                Cue::Zip => {
                    if let Some(tk) = self.t.get(v)
                        && tk.kind == Kind::Num
                        && tk.len() == 5
                    {
                        let end = if self.is_p(v + 1, b'-') && self.t.get(v + 2).is_some_and(|t| t.len() == 4) {
                            v + 2
                        } else {
                            v
                        };
                        self.emit_toks(v, end, Label::Zip, 0.9, prio::CUED_ZIP);
                    }
                }
            }
            i = last + 1;
        }
    }

    /// The value a cue announces: the first identifier within a few words of it, in the same
    /// sentence ("the serial number on my insulin pump is PMP-77120-A").
    fn cued_value(&self, v: usize, label: Label) -> Option<(usize, usize, usize)> {
        let mut k = v;
        while k < self.t.len() && k <= v + 6 {
            let tk = &self.t[k];
            if tk.kind == Kind::Punct
                && b".?!;,".contains(&self.text.as_bytes()[tk.start])
                && !(self.glued(k) && self.glued(k + 1))
            {
                return None;
            }
            if k > v && self.cue_at(k).is_some() {
                return None;
            }
            // "ssn last 4: 6621": the count of digits is no value
            if self.is_w(k, "last")
                && (self.is_w(k + 1, "four") || self.kind(k + 1) == Some(Kind::Num) && self.s(k + 1) == "4")
            {
                k += 2;
                continue;
            }
            if let Some((end, digits)) = self.id_chunk(k) {
                // Plates are often letters, a space, digits: "BXT 4471"
                let letters_before = k > v
                    && self.t[k - 1].kind == Kind::Word
                    && self.t[k - 1].upper
                    && self.t[k - 1].len() <= 4
                    && self.t[k].start == self.t[k - 1].end + 1;
                let start = if label == Label::Vehicle && letters_before { k - 1 } else { k };
                // ... or a short group, a space and another: "3F 7964U", "6K 1L0PYV"
                let short = self.t[end].end - self.t[k].start <= 3;
                if label == Label::Vehicle
                    && short
                    && !letters_before
                    && self.t.get(end + 1).is_some_and(|n| n.start == self.t[end].end + 1 && n.kind != Kind::Punct)
                    && let Some((more, d)) = self.id_chunk(end + 1).or_else(|| {
                        let n = &self.t[end + 1];
                        (n.kind == Kind::Word && n.upper).then_some((end + 1, 0))
                    })
                {
                    return Some((start, more, digits + d));
                }
                return Some((start, end, digits));
            }
            k += 1;
        }
        None
    }

    /// Gives an identifier found without a cue of its kind (`OTHER_ID`) the kind that a word
    /// earlier in its sentence names (see [`ID_KINDS`]), the nearest first.
    fn name_generic_ids(&mut self) {
        for c in 0..self.out.len() {
            if self.out[c].label != Label::OtherId {
                continue;
            }
            let mut k = self.t.partition_point(|t| t.start < self.out[c].start);
            let mut kind = None;
            // A short sentence goes on from the one before: "... my driver's license on file?
            // New one is F255-921-50-094-0"
            let (mut words, mut crossed) = (0, false);
            for _ in 0..14 {
                let short = words <= 3 && !crossed;
                if k == 0 || self.t.get(k).is_some_and(|t| t.sentence_start && !(short && t.kind == Kind::Word)) {
                    break;
                }
                k -= 1;
                let tk = &self.t[k];
                if tk.kind == Kind::Punct && b".!?".contains(&self.text.as_bytes()[tk.start]) {
                    if !short {
                        break;
                    }
                    crossed = true;
                    continue;
                }
                if tk.kind != Kind::Word {
                    continue;
                }
                words += 1;
                match id_kind(self.s(k)) {
                    None => {}
                    Some(None) => break, // a cue of another kind
                    Some(found) => {
                        kind = found;
                        break;
                    }
                }
            }
            // "tax ID 84-1234567": an employer's number (two digits, a dash, seven), no SSN
            let ein = |s: &[u8]| s.len() == 10 && s[2] == b'-' && s.iter().filter(|b| b.is_ascii_digit()).count() == 9;
            match kind {
                Some(Label::Ssn) if ein(&self.text.as_bytes()[self.out[c].start..self.out[c].end]) => {}
                Some(label) => self.out[c].label = label,
                None => {}
            }
        }
    }

    /// The phone number just after a fax cue, else one just before it ("555-0139 (fax)"), is a
    /// fax number.
    fn apply_fax_cues(&mut self) {
        for &(cue_start, at) in &self.fax_cues {
            let after = self
                .out
                .iter()
                .enumerate()
                .filter(|(_, c)| c.label == Label::Phone && c.start >= at && c.start - at <= 40)
                .min_by_key(|(_, c)| c.start)
                .map(|(n, _)| n);
            let before = || {
                self.out.iter().position(|c| c.label == Label::Phone && c.end <= cue_start && cue_start - c.end <= 3)
            };
            if let Some(n) = after.or_else(before) {
                self.out[n].label = Label::Fax;
            }
        }
    }

    fn unit_after(&self, i: usize) -> bool {
        let k = i + 1;
        self.has(k, flag::UNIT) || self.is_p(k, b'%')
    }

    // ---- numbers: phones, dates, SSNs, IPs, cards, ZIPs, ages ------------------------------

    fn numbers(&mut self) {
        let mut i = 0;
        while i < self.t.len() {
            if self.t[i].kind != Kind::Num {
                i += 1;
                continue;
            }
            let next = self.number_run(i);
            self.age(i);
            self.ordinal_day(i);
            self.fever(i);
            i = next.max(i + 1);
        }
    }

    /// Collects the digit groups starting at `i` and emits the longest prefix that is
    /// something; returns the token after what it consumed.
    fn number_run(&mut self, i: usize) -> usize {
        // Money and glued words ("B12", "x2") are not identifiers.
        let money = i > 0 && (self.is_p(i - 1, b'$') || (self.glued(i) && self.t[i - 1].kind == Kind::Word));
        if money {
            let mut k = i + 1;
            while self.glued(k) && self.kind(k) != Some(Kind::Word) {
                k += 1;
            }
            return k;
        }
        let mut groups: [usize; 6] = [i; 6];
        let mut seps: [u8; 6] = [0; 6];
        let mut n = 1;
        let open_paren = i > 0 && self.is_p(i - 1, b'(') && self.glued(i);
        let plus = i > 0 && self.is_p(i - 1, b'+') && self.glued(i);
        let mut j = i;
        while n < 6 {
            let k = j + 1;
            let Some(tk) = self.t.get(k) else { break };
            if tk.kind == Kind::Punct && !tk.space_before {
                let c = self.text.as_bytes()[tk.start];
                let paren = c == b')' && open_paren && n == 1;
                // "(555)-123-4567": a dash or dot may follow the closing parenthesis
                let after = if paren && (self.is_p(k + 1, b'-') || self.is_p(k + 1, b'.')) && self.glued(k + 1) {
                    k + 1
                } else {
                    k
                };
                let gap_ok = if paren { true } else { self.glued(k + 1) };
                if (b"-./".contains(&c) || paren) && gap_ok && self.kind(after + 1) == Some(Kind::Num) {
                    seps[n] = c;
                    groups[n] = after + 1;
                    n += 1;
                    j = after + 1;
                    continue;
                }
                // "(555) 123-4567": a space after the closing parenthesis
                break;
            }
            if tk.kind == Kind::Num && tk.start == self.t[j].end + 1 && self.text.as_bytes()[self.t[j].end] == b' ' {
                seps[n] = b' ';
                groups[n] = k;
                n += 1;
                j = k;
                continue;
            }
            break;
        }
        for k in (1..=n).rev() {
            if let Some((label, conf, p)) = self.classify(&groups[..k], &seps[..k], plus, open_paren) {
                let mut last = groups[k - 1];
                if label == Label::Phone {
                    last = self.extension(last);
                }
                let mut start = self.t[i].start;
                if (open_paren && seps.get(1) == Some(&b')') && k > 1) || plus {
                    start = self.t[i - 1].start;
                }
                if plus && i >= 2 && self.is_p(i - 1, b'+') {
                    start = self.t[i - 1].start;
                }
                self.emit(start, self.t[last].end, label, conf, p);
                return last + 1;
            }
        }
        i + 1
    }

    /// The last token of a phone number ending at `last` with an extension glued to it:
    /// "555-0199x1234", as forms and generated records write it. One after a space ("ext 22")
    /// is left out, as a person writing it leaves it apart.
    fn extension(&self, last: usize) -> usize {
        let glued_x = self.glued(last + 1) && self.is_w(last + 1, "x");
        if glued_x && self.glued(last + 2) && self.kind(last + 2) == Some(Kind::Num) && self.t[last + 2].len() <= 5 {
            return last + 2;
        }
        last
    }

    fn classify(&self, g: &[usize], seps: &[u8], plus: bool, paren: bool) -> Option<(Label, f32, u8)> {
        // At most six groups (see `number_run`): no allocation per number.
        let (mut d_buf, mut lens_buf) = ([""; 6], [0usize; 6]);
        for ((d, l), &k) in d_buf.iter_mut().zip(lens_buf.iter_mut()).zip(g) {
            *d = self.s(k);
            *l = d.len();
        }
        let (d, lens) = (&d_buf[..g.len()], &lens_buf[..g.len()]);
        let total: usize = lens.iter().sum();
        let last = *g.last()?;
        let same_sep = seps[1..].windows(2).all(|w| w[0] == w[1]);
        let sep = seps.get(1).copied().unwrap_or(0);
        let followed_by_num = self.glued(last + 1)
            && self.is_p(last + 1, b'.')
            && self.kind(last + 2) == Some(Kind::Num)
            && self.glued(last + 2);
        // A decimal or a time; not an IP address with a port after it ("10.0.0.5:8080")
        if followed_by_num || (self.glued(last + 1) && self.is_p(last + 1, b':') && !(g.len() == 4 && sep == b'.')) {
            return None;
        }
        let all = |f: &dyn Fn(usize) -> bool| lens.iter().all(|&l| f(l));
        // IP address
        if g.len() == 4 && sep == b'.' && same_sep && all(&|l| l <= 3) && d.iter().all(|s| parse(s) <= 255) {
            return Some((Label::Ip, 0.95, prio::NUMERIC));
        }
        // Dates: m/d/y, d/m/y, y-m-d, m/d, m/yyyy
        if g.len() == 3 && same_sep && b"/-.".contains(&sep) {
            let (a, b, c) = (parse(d[0]), parse(d[1]), parse(d[2]));
            if lens[0] <= 2 && lens[1] <= 2 && valid_year(d[2]) && (valid_day(a, b) || valid_day(b, a)) {
                return Some((Label::Date, 0.95, prio::NUMERIC));
            }
            if lens[0] == 4 && valid_year(d[0]) && lens[1] <= 2 && lens[2] <= 2 && valid_day(b, c) {
                return Some((Label::Date, 0.95, prio::NUMERIC));
            }
        }
        if g.len() == 2 && sep == b'/' && lens[0] <= 2 {
            let (a, b) = (parse(d[0]), parse(d[1]));
            let lead =
                self.prev_word(g[0], 1).is_some_and(|p| self.word_in(p, DATE_LEAD) || self.has(p, flag::WEEKDAY));
            let fraction = matches!(b, 2 | 3 | 4 | 8) && a < b;
            let rating = matches!(b, 5 | 10) && a <= b;
            if lens[1] <= 2 && valid_day(a, b) && (lead || !fraction && !rating) && !self.unit_after(last) {
                return Some((Label::Date, 0.75, prio::NUMERIC));
            }
            if lens[1] == 4 && (1..=12).contains(&a) && valid_year(d[1]) {
                return Some((Label::Date, 0.8, prio::NUMERIC));
            }
        }
        // SSN
        if g.len() == 3 && lens == [3, 2, 4] && same_sep && (sep == b'-' || sep == b' ') {
            if valid_ssn(d[0], d[1], d[2]) {
                return Some((Label::Ssn, 0.95, prio::SSN));
            }
            return Some((Label::OtherId, 0.6, prio::NUMERIC));
        }
        // Payment cards
        if (13..=19).contains(&total) && (g.len() == 1 || all(&|l| l == 4 || l >= 3)) && sep != b'/' && sep != b'.' {
            let mut digits = [0u8; 19];
            for (to, from) in digits.iter_mut().zip(d.iter().flat_map(|s| s.bytes())) {
                *to = from;
            }
            if luhn(&digits[..total]) && (g.len() > 1 || total >= 15) {
                return Some((Label::Account, 0.85, prio::CARD));
            }
        }
        // Phones (NANP and international)
        let first = d[0].as_bytes()[0];
        let phone_seps = sep != b'/';
        if plus && (8..=15).contains(&total) && phone_seps {
            return Some((Label::Phone, 0.9, prio::PHONE));
        }
        if phone_seps && lens == [3, 3, 4] && first >= b'2' && (sep != b' ' || same_sep || paren) {
            return Some((Label::Phone, 0.95, prio::PHONE));
        }
        // "(555)1234567"
        if paren && lens == [3, 7] && first >= b'2' {
            return Some((Label::Phone, 0.9, prio::PHONE));
        }
        // "call 555 1234": seven digits in two groups after a word for calling
        if g.len() == 2 && lens == [3, 4] && sep == b' ' && first >= b'2' {
            let calling = ["call", "text", "phone", "cell", "tel", "ph", "mobile", "number", "reach", "dial", "at"];
            if self.prev_word(g[0], 1).is_some_and(|p| self.word_in(p, &calling)) {
                return Some((Label::Phone, 0.7, prio::PHONE));
            }
        }
        // "001-847-555-0144": dialled from abroad with the exit code
        if phone_seps && (lens == [1, 3, 3, 4] && d[0] == "1" || lens == [3, 3, 3, 4] && d[0] == "001") {
            return Some((Label::Phone, 0.95, prio::PHONE));
        }
        if g.len() == 1 && lens[0] == 10 && first >= b'2' && !self.unit_after(last) {
            return Some((Label::Phone, 0.8, prio::PHONE));
        }
        if g.len() == 1 && lens[0] == 10 && first == b'1' && luhn(&npi_with_prefix(d[0])) {
            return Some((Label::License, 0.7, prio::PHONE)); // an NPI
        }
        if g.len() == 1 && lens[0] == 11 && first == b'1' {
            return Some((Label::Phone, 0.75, prio::PHONE));
        }
        if g.len() == 2 && lens == [3, 4] && (sep == b'-' || sep == b'.') && first >= b'2' {
            return Some((Label::Phone, 0.7, prio::PHONE));
        }
        // Numbers dialled with a national trunk prefix, outside North America: "07700 900461",
        // "020 7946 0958", "06 12 34 56 78"
        let trunk = first == b'0' && d[0].as_bytes().get(1).is_some_and(|&c| c != b'0');
        if trunk && g.len() >= 2 && (10..=11).contains(&total) && lens[0] <= 5 && same_sep && b" -.".contains(&sep) {
            return Some((Label::Phone, 0.8, prio::PHONE));
        }
        // ZIP after a state ("Springfield, IL 62704")
        if (g.len() == 1 && lens[0] == 5) || (g.len() == 2 && lens == [5, 4] && sep == b'-') {
            let before = self.prev_word(g[0], 1);
            if before.is_some_and(|w| {
                let t = self.t[w];
                t.has(flag::STATE) && (t.upper || t.len() > 2 || self.is_p(g[0] - 1, b','))
            }) {
                return Some((Label::Zip, 0.9, prio::NUMERIC));
            }
        }
        // "I'm in 02139": five digits after "in" or "near", and nothing after them in the sentence
        if g.len() == 1
            && lens[0] == 5
            && self.prev_word(g[0], 0).is_some_and(|p| self.word_in(p, &["in", "near"]))
            && self.t.get(last + 1).is_none_or(|n| {
                n.sentence_start
                    || n.kind == Kind::Punct && !self.glued(last + 2)
                    || n.has(flag::STOPWORD)
                    || self.word_in(last + 1, &["until", "till", "since", "now", "but"])
            })
        {
            return Some((Label::Zip, 0.6, prio::NUMERIC));
        }
        // Long bare numbers
        if g.len() == 1 && lens[0] >= 7 && !self.unit_after(last) {
            return Some((Label::OtherId, 0.5, prio::LONG_NUMBER));
        }
        // ... but not a span of years: "1948-2024", "2015-2021"
        let years = || lens == [4, 4] && valid_year(d[0]) && valid_year(d[1]) && d[0] <= d[1];
        if g.len() >= 2 && total >= 8 && sep == b'-' && !years() {
            return Some((Label::OtherId, 0.5, prio::LONG_NUMBER));
        }
        None
    }

    /// Token `i` is followed by a mark that ends a sentence or a clause ("12.", "12,"), not by
    /// a decimal's point ("12.5").
    fn sentence_mark_after(&self, i: usize) -> bool {
        let mark = self.t.get(i + 1).is_some_and(|t| {
            t.kind == Kind::Punct && matches!(self.text.as_bytes()[t.start], b'.' | b',' | b'!' | b'?' | b';')
        });
        mark && !(self.glued(i + 2) && self.kind(i + 2) == Some(Kind::Num))
    }

    /// "on Tuesday the 14th", "the 3rd at 10": a day of the month.
    fn ordinal_day(&mut self, i: usize) {
        // "el martes 14", "Tuesday 14, at ten": a weekday and a bare day of the month, not a time
        let bare = self.t[i].len() <= 2
            && (1..=31).contains(&parse(self.s(i)))
            && i > 0
            && self.has(i - 1, flag::WEEKDAY)
            && self.t[i].space_before
            && (!self.glued(i + 1) || self.sentence_mark_after(i))
            && !self.has(i + 1, flag::UNIT)
            && !self.is_p(i + 1, b'-')
            && !self.is_p(i + 1, b':')
            && !self.word_in(
                i + 1,
                &["am", "pm", "o'clock", "oclock", "h", "hrs", "to", "till", "until", "thru", "through"],
            );
        if bare {
            self.emit_toks(i - 1, i, Label::Date, 0.6, prio::MONTH_ALONE);
            return;
        }
        let Some(suffix) = (self.glued(i + 1) && self.word_in(i + 1, ORDINALS)).then_some(i + 1) else { return };
        if !(1..=31).contains(&parse(self.s(i))) || !self.prev_word(i, 0).is_some_and(|p| self.is_w(p, "the")) {
            return;
        }
        let before_the = self.prev_word(i, 0).and_then(|p| self.prev_word(p, 0));
        let weekday = before_the.is_some_and(|w| self.has(w, flag::WEEKDAY));
        // "on the 18th still works", but not "on the 3rd floor": after a preposition of time,
        // any next word but one that the ordinal counts.
        let time_lead = before_the.is_some_and(|w| self.word_in(w, ORDINAL_DAY_LEAD))
            && self.t.get(suffix + 1).is_some_and(|n| n.kind == Kind::Word)
            && !self.word_in(suffix + 1, COUNTED_BY_ORDINALS);
        let next_ok = time_lead
            || match self.t.get(suffix + 1) {
                None => true,
                Some(n) if n.kind == Kind::Punct => !self.is_p(suffix + 1, b'-'),
                Some(_) => self.word_in(
                    suffix + 1,
                    &["at", "and", "or", "for", "if", "so", "but", "please", "instead", "then", "ok", "works", "is"],
                ),
            };
        if weekday || next_ok {
            self.emit_toks(i, suffix, Label::Date, 0.6, prio::MONTH_ALONE);
        }
    }

    /// "a temp of 101", "temperature was 39.5": a raised temperature is a symptom (a fever).
    fn fever(&mut self, i: usize) {
        let v = parse(self.s(i));
        if !(99..=106).contains(&v) && !(38..=42).contains(&v) || self.t[i].len() > 3 {
            return;
        }
        let mut p = i;
        for _ in 0..2 {
            match self.prev_word(p, 1) {
                Some(w) if self.word_in(w, &["of", "is", "was", "at", "de", "hit", "reached", "around"]) => p = w,
                _ => break,
            }
        }
        if let Some(w) = self.prev_word(p, 1).filter(|&w| self.word_in(w, &["temp", "temperature", "fever", "fiebre"]))
        {
            let end = if self.is_p(i + 1, b'.') && self.glued(i + 1) && self.kind(i + 2) == Some(Kind::Num) {
                i + 2
            } else {
                i
            };
            self.emit_toks(w, end, Label::Condition, 0.7, prio::HEALTH);
        }
    }

    fn age(&mut self, i: usize) {
        let tk = &self.t[i];
        let v = parse(self.s(i));
        if !(90..=125).contains(&v)
            || tk.len() > 3
            || (i > 0 && self.glued(i) && self.t[i - 1].kind == Kind::Punct && !self.is_p(i - 1, b'('))
        {
            return;
        }
        let mut k = i + 1;
        if self.is_p(k, b'-') {
            k += 1;
        }
        let years_after = self.has(k, flag::YEARS)
            || (self.is_w(k, "y") && self.is_p(k + 1, b'/') && self.is_w(k + 2, "o"))
            || (self.glued(i + 1)
                && self.word_in(i + 1, &["yo", "yof", "yom", "f", "m"])
                && (!self.glued(i + 2) || self.kind(i + 2) == Some(Kind::Punct)));
        // "his 103rd birthday"
        let birthday = self.glued(i + 1)
            && self.word_in(i + 1, ORDINALS)
            && self.word_in(i + 2, &["birthday", "bday", "b-day", "cumpleaños"]);
        if birthday {
            self.emit_toks(i, i + 1, Label::AgeOver89, 0.9, prio::NUMERIC);
        } else if years_after || self.age_context(i, i) {
            self.emit_toks(i, i, Label::AgeOver89, if years_after { 0.9 } else { 0.75 }, prio::NUMERIC);
        }
    }

    /// Words around an age written without "years": "she is 93", "aged 91", "grandpa (92)",
    /// "at 97 he". `a..=b` are the tokens of the number.
    fn age_context(&self, a: usize, b: usize) -> bool {
        if self.unit_after(b) || (self.glued(b + 1) && self.kind(b + 1) != Some(Kind::Punct)) {
            return false;
        }
        // A capitalized word no list knows is a name too: "my grandmother Consolata is 96"
        let unlisted_name = |p: usize| {
            let t = &self.t[p];
            t.cap && !t.upper && !t.sentence_start && t.flags & !(flag::GIVEN | flag::FAMILY) == 0
        };
        let person = |p: usize| {
            self.word_in(p, AGE_PERSON)
                || self.has(p, flag::RELATION | flag::TITLE | flag::GIVEN)
                || self.in_law(p)
                || unlisted_name(p)
                // "Mr. Delacruz (93)": a capitalized word after a title
                || self.t[p].cap && self.prev_word(p, 1).is_some_and(|q| self.has(q, flag::TITLE))
        };
        // "age: 97"; "is almost 96"
        let before = self.prev_word(a, usize::from(a > 0 && self.is_p(a - 1, b':'))).map(|w| {
            let hedge = self.word_in(w, &["almost", "nearly", "about", "around", "over", "already", "now", "just"]);
            if hedge { self.prev_word(w, 0).unwrap_or(w) } else { w }
        });
        let cued = before.is_some_and(|w| {
            self.word_in(w, AGE_BEFORE)
                || (self.word_in(w, &["is", "am", "was"]) && self.prev_word(w, 0).is_some_and(person))
                // "grandma's 95": a person's "'s" is "is"
                || self.t[w].stem_end < self.t[w].end && self.has(w, flag::RELATION | flag::TITLE)
                // "she'll be 100", "my dad will be 95"
                || self.is_w(w, "be")
                    && self.prev_word(w, 0).is_some_and(|v| {
                        self.word_in(v, &["she'll", "he'll", "i'll", "shell", "hell"])
                            || self.word_in(v, &["will", "would"]) && self.prev_word(v, 0).is_some_and(person)
                    })
        });
        let paren = self.is_p(b + 1, b')')
            && (a.saturating_sub(6)..a).rev().find(|&k| self.is_p(k, b'(')).is_some_and(|open| {
                (open + 1..a).all(|k| self.t[k].kind != Kind::Num)
                    && (self.prev_word(open, 0).is_some_and(person) || open == a - 1 && self.date_ends_at(open))
            });
        // "at 97 he ...", "passed away at 96"
        let at = before.is_some_and(|w| {
            self.is_w(w, "at")
                && (self.word_in(b + 1, &["he", "she", "i", "my", "her", "his"])
                    || self.prev_word(w, 0).is_some_and(|d| self.word_in(d, &["away", "died", "passed", "death"])))
        });
        // "lived to 96", "made it to 101", "still alive at 101", "reached 100"
        let reached = before.is_some_and(|w| {
            self.is_w(w, "to")
                && self.prev_word(w, 0).is_some_and(|v| {
                    self.word_in(v, &["lived", "live", "lives", "living"])
                        || self.is_w(v, "it")
                            && self.prev_word(v, 0).is_some_and(|m| self.word_in(m, &["made", "make", "makes"]))
                })
                || self.is_w(w, "at")
                    && self.prev_word(w, 0).is_some_and(|v| self.is_w(v, "alive") || self.event_of_age(v))
                || self.word_in(w, &["reached", "reaching"])
        });
        // Between commas after a person: "my mother, Hortensia Ruiz, ninety-four, is ..."
        let apposition = a >= 2
            && self.is_p(a - 1, b',')
            && self.has(a - 2, flag::GIVEN | flag::FAMILY | flag::RELATION)
            && (self.is_p(b + 1, b',') || self.is_p(b + 1, b'.') || b + 1 == self.t.len());
        cued || paren || at || reached || apposition
    }

    /// Token `v`, before "at" and a number, names what happened at an age ("a stroke at 90",
    /// "diagnosed at 92"), not a reading that the number measures ("fever at 101", "sugar at 95").
    fn event_of_age(&self, v: usize) -> bool {
        const MEASURED: &[&str] = &[
            "fever",
            "temp",
            "temperature",
            "sugar",
            "sugars",
            "glucose",
            "pressure",
            "bp",
            "oxygen",
            "sat",
            "sats",
            "pulse",
            "rate",
            "a1c",
            "weight",
            "level",
            "levels",
            "reading",
            "readings",
            "count",
        ];
        // The last word of a term of several: "a heart attack at 91", "a hip replacement at 90"
        let events = ["diagnosed", "died", "passed", "away", "attack", "replacement", "fall", "transplant", "surgery"];
        (self.has(v, flag::COND) || self.word_in(v, &events)) && !self.word_in(v, MEASURED)
    }

    /// A date ends just before token `k`: "DOB 1/1/1930 (94)". Dates are found before ages and
    /// names, so the candidates found so far say.
    fn date_ends_at(&self, k: usize) -> bool {
        k > 0 && self.out.iter().any(|c| c.label == Label::Date && c.end == self.t[k - 1].end)
    }

    /// A date starts at token `k`: "Destiny 4/4/2002" (see [`Ctx::date_ends_at`]).
    fn date_starts_at(&self, k: usize) -> bool {
        self.t.get(k).is_some_and(|t| self.out.iter().any(|c| c.label == Label::Date && c.start == t.start))
    }

    /// "mother in law", "father-in-law": token `p` is the "law" of a relation in law.
    fn in_law(&self, p: usize) -> bool {
        self.is_w(p, "law")
            && self.prev_word(p, 1).is_some_and(|q| {
                self.is_w(q, "in") && self.prev_word(q, 1).is_some_and(|r| self.has(r, flag::RELATION))
            })
    }

    /// An age over 89 in words starting at token `i`, a number word: "ninety-one", "ninety three
    /// years old", "a hundred" (see [`Ctx::spoken`], which calls it).
    fn age_word(&mut self, i: usize) {
        if !self.word_in(i, &["ninety", "hundred"])
            || self.is_w(i, "hundred") && !self.prev_word(i, 0).is_some_and(|p| self.word_in(p, &["a", "one"]))
        {
            return;
        }
        let mut end = i;
        if self.is_p(i + 1, b'-') && self.glued(i + 1) && self.glued(i + 2) && self.kind(i + 2) == Some(Kind::Word) {
            end = i + 2;
        } else if self.word_in(i + 1, &DIGIT_WORDS[1..]) {
            end = i + 1;
        }
        let mut k = end + 1;
        if self.is_p(k, b'-') {
            k += 1;
        }
        if self.has(k, flag::YEARS) || self.age_context(i, end) {
            self.emit_toks(i, end, Label::AgeOver89, 0.8, prio::NUMERIC);
        }
    }

    // ---- alphanumeric identifiers without a cue ---------------------------------------------

    fn chunks(&mut self) {
        let mut i = 0;
        while i < self.t.len() {
            let tk = &self.t[i];
            // A mixed identifier has a number and something glued to it (most tokens have not).
            let mixed = self.glued(i + 1)
                && (tk.kind == Kind::Num || self.kind(i + 1) == Some(Kind::Num) || self.is_p(i + 1, b'-'));
            if !mixed || !(tk.kind != Kind::Punct && (i == 0 || tk.space_before || self.t[i - 1].kind == Kind::Punct)) {
                i += 1;
                continue;
            }
            let mut end = i;
            let (mut letters, mut digits) = (0, 0);
            let mut k = i;
            while let Some(n) = self.t.get(k) {
                if k > i && n.space_before {
                    break;
                }
                match n.kind {
                    Kind::Word if n.start == n.end || self.text[n.start..n.end].is_ascii() => letters += n.len(),
                    Kind::Num => digits += n.len(),
                    Kind::Punct if self.text.as_bytes()[n.start] == b'-' && self.glued(k + 1) => {}
                    _ => break,
                }
                end = k;
                k += 1;
            }
            let (s, e) = (tk.start, self.t[end].end);
            if let Some(z) =
                (letters == 2 && digits == 1).then(|| canadian_postal_code(self.text.as_bytes(), s, e)).flatten()
            {
                self.emit(s, z, Label::Zip, 0.8, prio::NUMERIC);
                while self.t.get(end + 1).is_some_and(|t| t.end <= z) {
                    end += 1;
                }
                i = end + 1;
                continue;
            }
            if tk.kind == Kind::Word
                && tk.len() == 2
                && tk.upper
                && let Some(z) = iban_end(self.text.as_bytes(), s)
            {
                self.emit(s, z, Label::Account, 0.85, prio::CUED_ID);
                while self.t.get(end + 1).is_some_and(|t| t.end <= z) {
                    end += 1;
                }
                i = end + 1;
                continue;
            }
            if letters > 0 && digits > 0 {
                if valid_vin(&self.text.as_bytes()[s..e]) {
                    self.emit(s, e, Label::Vehicle, 0.85, prio::VIN);
                } else if digits >= 5 && e - s >= 6 || digits >= 4 && letters >= 2 && e - s >= 7 {
                    // "X7Q91K2", "QX7781Z"
                    self.emit(s, e, Label::OtherId, 0.6, prio::ALNUM_ID);
                }
            }
            i = end + 1;
        }
    }

    // ---- addresses ----------------------------------------------------------------------------

    fn addresses(&mut self, digits: bool) {
        // A city needs a state after it or a place lead before it ("live in"); a street
        // address, a street suffix.
        let cities = self.flags & (flag::STATE | flag::PLACE_LEAD) != 0;
        let streets = self.flags & flag::STREET != 0;
        for i in 0..self.t.len() {
            let tk = &self.t[i];
            match tk.kind {
                Kind::Punct => {}
                Kind::Num => {
                    let named_after = || self.t.get(i + 1).is_some_and(|t| t.kind == Kind::Word && t.cap);
                    if digits && tk.len() <= 6 && (tk.space_before || i == 0) && (streets || named_after()) {
                        self.street(i);
                    }
                }
                // Most words: in lower case, only "box" of "po box 12" starts anything here.
                Kind::Word if !tk.cap => {
                    if digits && tk.len() == 3 && self.kind(i + 1) == Some(Kind::Num) {
                        self.po_box(i);
                    }
                }
                Kind::Word => {
                    if streets && tk.has(flag::STREET) {
                        self.street_name(i);
                        // "Calle Morelos 245", "Av. Juárez 1200": the street's kind first
                        if digits && self.word_in(i, &["calle", "avenida", "calzada", "privada", "av"]) {
                            self.street_kind_first(i);
                        }
                    }
                    if digits && tk.len() == 3 {
                        if self.kind(i + 1) == Some(Kind::Num) {
                            self.po_box(i);
                        }
                        if tk.upper && self.word_in(i, &["apo", "fpo", "dpo"]) {
                            self.military(i);
                        }
                    }
                    if cities && !tk.sentence_start {
                        self.city(i);
                    }
                }
            }
        }
    }

    /// A post-office box or a rural route's box, "box" at token `i` before its number: "PO Box
    /// 1190", "P.O. Box 12", "Rural Route 3 Box 45", "RR 2 Box 17", "HC 68 Box 12".
    fn po_box(&mut self, i: usize) {
        if !self.is_w(i, "box") {
            return;
        }
        let po = if self.is_w(i.wrapping_sub(1), "po") {
            Some(i - 1)
        } else if i >= 3 && self.is_w(i - 3, "p") && self.is_w(i - 1, "o") {
            Some(i - 3)
        } else if i >= 4 && self.is_w(i - 4, "p") && self.is_p(i - 1, b'.') && self.is_w(i - 2, "o") {
            Some(i - 4)
        } else if i >= 2 && self.kind(i - 1) == Some(Kind::Num) && self.word_in(i - 2, &["route", "rr", "hc"]) {
            Some(if self.is_w(i.wrapping_sub(3), "rural") { i - 3 } else { i - 2 })
        } else {
            None
        };
        if let Some(s) = po {
            let end = self.city_after(i + 1);
            self.emit_toks(s, end, Label::Address, 0.9, prio::ADDRESS);
        }
    }

    /// A street named without a house number where someone lives or comes from, its suffix at
    /// token `i`: "from Elm Street", "we live off Oak Ave". Not a business's street ("the Rite
    /// Aid on Broad St.").
    fn street_name(&mut self, i: usize) {
        let name = |k: usize| self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.cap && !t.has(flag::STREET));
        let Some(first) = (1..=2).map(|n| i.wrapping_sub(n)).take_while(|&k| name(k)).last() else { return };
        let lead = first.wrapping_sub(1);
        let lives = || {
            (lead.saturating_sub(3)..lead).any(|k| {
                self.has(k, flag::PLACE_LEAD) && !self.word_in(k, &["am", "are", "i'm", "im", "we're", "from"])
            })
        };
        if !(self.is_w(lead, "from") || self.word_in(lead, &["on", "off", "near"]) && lives()) {
            return;
        }
        let end = if self.is_p(i + 1, b'.') && self.glued(i + 1) { i + 1 } else { i };
        self.emit_toks(first, end, Label::Address, 0.7, prio::ADDRESS);
    }

    /// A military address ending at token `i`, "APO", "FPO" or "DPO" before "AA", "AE" or "AP"
    /// and a ZIP code: "PSC 4115, Box 7815, APO AA 41945", "USNS Harrell, FPO AP 66514",
    /// "Unit 8329 Box 1136, DPO AE 18062".
    fn military(&mut self, i: usize) {
        let zip = i + 2;
        let region = self.t.get(i + 1).is_some_and(|t| t.upper) && self.word_in(i + 1, &["aa", "ae", "ap"]);
        if !region || !self.t.get(zip).is_some_and(|t| t.kind == Kind::Num && t.len() == 5) {
            return;
        }
        self.emit_toks(zip, zip, Label::Zip, 0.9, prio::NUMERIC);
        let units = ["psc", "cmr", "unit", "usns", "uss", "usnv", "uscgc"];
        if let Some(start) = (i.saturating_sub(8)..i).find(|&k| self.t[k].cap && self.word_in(k, &units)) {
            self.emit_toks(start, i + 1, Label::Address, 0.85, prio::ADDRESS);
        }
    }

    fn street(&mut self, i: usize) {
        if self.glued(i + 1) && self.word_in(i + 1, ORDINALS) {
            return; // "5th Street" names a street, not an address
        }
        let mut k = i + 1;
        if self.glued(k) && self.kind(k) == Some(Kind::Word) && self.t[k].len() == 1 {
            k += 1; // "12B"
        } else if self.is_p(k, b'-') && self.glued(k) && self.glued(k + 1) && self.kind(k + 1) == Some(Kind::Word) {
            k += usize::from(self.t[k + 1].len() == 1) * 2; // "12-B"
        }
        let first = k;
        let mut street = None;
        while k < self.t.len() && k < first + 6 {
            let tk = &self.t[k];
            match tk.kind {
                Kind::Word => {
                    // The other suffixes of USPS Publication 28 only in capitals, after a name in
                    // capitals: "48955 Christopher Crossing", "552 Mitchell Squares"
                    let other_suffix = || {
                        tk.cap
                            && (first..k).all(|j| self.t[j].kind != Kind::Word || self.t[j].cap)
                            && self.word_in(k, USPS_SUFFIXES)
                    };
                    if k > first && !tk.has(flag::STREET) && other_suffix() {
                        street = Some(k); // unless a suffix of the lexicon's follows: "Cedar Ridge Dr"
                        k += 1;
                        continue;
                    }
                    if k > first && tk.has(flag::STREET) {
                        street = Some(k);
                        let risky = self.word_in(
                            k,
                            &["way", "place", "court", "drive", "circle", "square", "row", "loop", "trail", "dr", "pl"],
                        );
                        let capitalized = (first..k).all(|j| self.t[j].kind != Kind::Word || self.t[j].cap);
                        if risky && !capitalized && self.t[i].len() < 3 {
                            street = None;
                        }
                        break;
                    }
                    if tk.has(flag::STOPWORD) || tk.has(flag::UNIT) || (k == first && tk.has(flag::YEARS)) {
                        break;
                    }
                }
                Kind::Num => {
                    // "West 5th Ave": a number glued to an ordinal
                    if !(tk.space_before && self.glued(k + 1) && self.word_in(k + 1, ORDINALS)) {
                        break;
                    }
                    k += 1;
                }
                Kind::Punct if self.text.as_bytes()[tk.start] == b'.' && self.t[k - 1].len() == 1 => {}
                Kind::Punct => break,
            }
            k += 1;
        }
        // "1420 Calle Olivo", "88 Avenida de la Paz": the street's kind before its name
        let prefix = ["calle", "avenida", "camino", "paseo", "carretera", "callejon", "callejón", "rue"];
        if street.is_none() && self.word_in(first, &prefix) {
            let mut k = first + 1;
            while k < first + 5
                && self.t.get(k).is_some_and(|t| {
                    t.kind == Kind::Word
                        && (t.cap || self.word_in(k, SURNAME_PARTICLES) || self.word_in(k, &["des", "du", "les"]))
                })
                && !self.word_in(k, UNITS)
            {
                k += 1;
            }
            if k > first + 1 && self.t[k - 1].cap {
                street = Some(k - 1);
            }
        }
        let Some(st) = street else { return };
        let mut end = st;
        if self.is_p(end + 1, b'.') && self.glued(end + 1) {
            end += 1;
        }
        // "Pennsylvania Ave NW", and "ave nw" in lower case
        if self.t.get(end + 1).is_some_and(|t| t.upper || t.len() == 1 || !self.t[st].cap)
            && self.word_in(end + 1, &["n", "s", "e", "w", "ne", "nw", "se", "sw"])
        {
            end += 1;
        }
        // Unit: ", Apt 4B", "#12", "suite 200"
        let mut k = end + 1;
        if self.is_p(k, b',') {
            k += 1;
        }
        if self.word_in(k, UNITS) || self.is_p(k, b'#') {
            let mut v = k + 1;
            if self.is_p(v, b'.') || self.is_p(v, b'#') {
                v += 1;
            }
            if let Some((e, _)) = self
                .id_chunk(v)
                .or_else(|| (self.kind(v) == Some(Kind::Word) && self.t[v].len() <= 2).then_some((v, 0)))
            {
                end = e;
            }
        }
        let end = self.city_after(end);
        self.emit(self.t[i].start, self.t[end].end, Label::Address, 0.9, prio::ADDRESS);
        // "... in Hillsboro", and in lower case after a street in lower case: "... in decatur"
        let lower_case = !self.t[st].cap;
        if self.is_w(end + 1, "in")
            && self.t.get(end + 2).is_some_and(|t| {
                t.kind == Kind::Word
                    && (t.cap || lower_case)
                    && !t.has(flag::COMMON | flag::COUNTRY | flag::STATE | flag::NOT_NAME | flag::MONTH)
            })
        {
            self.emit_toks(end + 2, end + 2, Label::Address, 0.7, prio::CITY);
        }
        self.zip_after(end);
    }

    /// "Calle Morelos 245, Col. Centro, Guadalajara", "Av. Juárez 1200": a street's kind, its
    /// name, then its number, as Mexico writes them, from token `i`; a "colonia" and a city may
    /// follow.
    fn street_kind_first(&mut self, i: usize) {
        if i > 0 && self.t[i - 1].kind == Kind::Num {
            return; // "4410 Avenida Juárez": the number first, as `street` reads it
        }
        let mut k = i + 1;
        if self.is_p(k, b'.') && self.glued(k) {
            k += 1; // "Av."
        }
        let name_start = k;
        while k < name_start + 4
            && self.t.get(k).is_some_and(|t| t.kind == Kind::Word && (t.cap || self.word_in(k, SURNAME_PARTICLES)))
            && !self.word_in(k, UNITS)
        {
            k += 1;
        }
        let number = self.t.get(k).is_some_and(|t| t.kind == Kind::Num && t.len() <= 5 && t.space_before);
        if k == name_start || !self.t[k - 1].cap || !number {
            return;
        }
        let mut end = k;
        // ", Col. Centro", ", Colonia Del Valle"
        let c = if self.is_p(end + 1, b',') { end + 2 } else { end + 1 };
        if self.word_in(c, &["col", "colonia"]) {
            let mut n = if self.is_p(c + 1, b'.') { c + 2 } else { c + 1 };
            while n < c + 5 && self.t.get(n).is_some_and(|t| t.kind == Kind::Word && t.cap) {
                end = n;
                n += 1;
            }
        }
        let end = self.city_after(end);
        self.emit(self.t[i].start, self.t[end].end, Label::Address, 0.85, prio::ADDRESS);
        self.zip_after(end);
    }

    /// A ZIP code after an address ending at token `end`: right after it, without a state ("3150
    /// West 5th Ave 43204"), after a state's abbreviation abroad ("Guadalajara, Jal. 44100") or
    /// after a state in lower case ("spokane wa 99201").
    fn zip_after(&mut self, end: usize) {
        let mut z = end + 1;
        if self.is_p(z, b',') {
            z += 1;
        }
        if self.t.get(z).is_some_and(|t| t.kind == Kind::Num && t.len() == 5) && !self.glued(z + 1) {
            self.emit_toks(z, z, Label::Zip, 0.8, prio::NUMERIC);
        }
        // ... after a state's abbreviation abroad: "Guadalajara, Jal. 44100"
        if self.t.get(z).is_some_and(|t| t.kind == Kind::Word && t.cap && (2..=5).contains(&t.len()))
            && self.is_p(z + 1, b'.')
            && self.t.get(z + 2).is_some_and(|t| t.kind == Kind::Num && t.len() == 5)
            && !(self.glued(z + 3) && self.kind(z + 3) != Some(Kind::Punct))
        {
            self.emit_toks(z + 2, z + 2, Label::Zip, 0.8, prio::NUMERIC);
        }
        // ... and after a state in lower case, as chat writes it: "spokane wa 99201"
        if self.has(z, flag::STATE)
            && self.t.get(z + 1).is_some_and(|t| t.kind == Kind::Num && t.len() == 5)
            && !self.glued(z + 2)
        {
            self.emit_toks(z + 1, z + 1, Label::Zip, 0.8, prio::NUMERIC);
        }
    }

    /// Extends an address ending at token `end` over a city that a state follows
    /// (", Springfield, IL"); returns the new last token.
    fn city_after(&self, end: usize) -> usize {
        let mut k = end + 1;
        if self.is_p(k, b',') {
            k += 1;
        }
        let city_start = k;
        // "Washington DC": a city named like a state, before the state
        let city_like_state = |k: usize| k == city_start && self.state_at(k + 1) && self.t[k + 1].len() == 2;
        while k < self.t.len()
            && k < city_start + 3
            && self.kind(k) == Some(Kind::Word)
            && (!self.state_at(k) || city_like_state(k))
        {
            k += 1;
        }
        if k > city_start {
            let mut s = k;
            if self.is_p(s, b',') {
                s += 1;
            }
            // ... or a ZIP code right after the city: "apt 3c, nyc 10011"
            let zip = self.t.get(k).is_some_and(|t| t.kind == Kind::Num && t.len() == 5) && !self.glued(k + 1);
            if self.state_at(s) || zip {
                return k - 1;
            }
        }
        // ", Springfield" ending the address with no state: one or two capitalized words no
        // everyday list knows
        if self.is_p(end + 1, b',') {
            let mut k = city_start;
            while k < city_start + 2
                && self.t.get(k).is_some_and(|t| {
                    t.kind == Kind::Word
                        && t.cap
                        && !t.upper
                        && !t.has(flag::COMMON | flag::NOT_NAME | flag::SIGNOFF | flag::MONTH | flag::WEEKDAY)
                })
            {
                k += 1;
            }
            // ... and then anything but one more capitalized word
            let ends = self.t.get(k).is_none_or(|t| t.sentence_start || t.kind != Kind::Word || !t.cap);
            if k > city_start && ends {
                return k - 1;
            }
            // ... or a town by its shape: ", Port Kennethtown", ", South Christinahaven"
            let mut k = city_start;
            while k < city_start + 3 && self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.cap && !t.upper) {
                k += 1;
            }
            if k >= city_start + 2
                && self.town_shaped(city_start, k)
                && self.t.get(k).is_none_or(|t| t.kind != Kind::Word)
            {
                return k - 1;
            }
        }
        end
    }

    /// A state: a full name, or a two-letter code in upper case or followed by a ZIP code.
    fn state_at(&self, k: usize) -> bool {
        let Some(tk) = self.t.get(k) else { return false };
        if tk.kind != Kind::Word || !tk.has(flag::STATE) {
            return false;
        }
        if tk.len() > 2 {
            return !tk.has(flag::COMMON) || tk.cap;
        }
        let zip_after = self.t.get(k + 1).is_some_and(|n| n.kind == Kind::Num && n.len() == 5);
        zip_after || tk.upper && !self.identifier_after_id(k)
    }

    /// "ID" at token `k` announces an identifier, not Idaho: "BCBS, ID XYP442019873", "ID: 4471",
    /// "ID is ...".
    fn identifier_after_id(&self, k: usize) -> bool {
        if !self.is_w(k, "id") {
            return false;
        }
        let Some(n) = self.t.get(k + 1) else { return false };
        match n.kind {
            Kind::Punct => self.is_p(k + 1, b':') || self.is_p(k + 1, b'#'),
            Kind::Num => true, // a ZIP code was ruled out before
            Kind::Word => {
                self.word_in(k + 1, &["is", "number", "no"]) || self.kind(k + 2) == Some(Kind::Num) && self.glued(k + 2)
            }
        }
    }

    #[inline(never)]
    fn city(&mut self, i: usize) {
        let prev_is_cap_word = i > 0 && self.t[i - 1].kind == Kind::Word && self.t[i - 1].cap && self.t[i].space_before;
        if prev_is_cap_word {
            return; // only from the first word of a city
        }
        let bad =
            |t: &Tok| t.has(flag::NOT_NAME | flag::COUNTRY | flag::TITLE | flag::MONTH | flag::WEEKDAY | flag::SIGNOFF);
        let mut k = i;
        while k < i + 3 && self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.cap && !bad(t)) && !self.state_at(k)
        {
            k += 1;
        }
        if k == i {
            return;
        }
        // "Springfield, IL"; "Boston MA" with no comma only before a ZIP code or the end of the
        // sentence
        let bare_state = self.t.get(k).is_some_and(|t| t.upper && t.len() == 2)
            && self.state_at(k)
            && self.t.get(k + 1).is_none_or(|n| {
                n.sentence_start
                    || n.kind == Kind::Num && n.len() == 5
                    || self.is_p(k + 1, b'.')
                    || self.is_p(k + 1, b',')
            });
        let state_after = self.is_p(k, b',') && self.state_at(k + 1) || bare_state;
        // "live in", "moved to": the first word is one the lexicon marks as a place lead.
        let after_lead = || {
            let p = self.prev_word(i, 0).filter(|&p| self.t[p].len() <= 4)?;
            let mut q = self.prev_word(p, 0)?;
            // "moved from Tulsa to Broken Arrow": "to" after the city just found
            if self.is_w(p, "to")
                && self.out.last().is_some_and(|c| c.label == Label::Address && c.end == self.t[q].end)
            {
                return Some(true);
            }
            if !self.t[q].has(flag::PLACE_LEAD)
                && self.t[q].len() <= 4
                && self.word_in(q, &["out", "over", "up", "down"])
            {
                q = self.prev_word(q, 0)?; // "we live out in Millbrook"
            }
            // "Stephanie Wallace from New Amandamouth": a town by its shape after "from"
            if self.is_w(p, "from") && self.town_shaped(i, k) {
                return Some(true);
            }
            // "my sister in Tucson": where a relation lives
            if self.is_w(p, "in")
                && self.has(q, flag::RELATION)
                && self.t[q].stem_end == self.t[q].end
                && !self.t[i].upper
                && !self.word_in(q, &["pt", "patient"])
            {
                return Some(true);
            }
            let q = Some(q).filter(|&q| self.t[q].has(flag::PLACE_LEAD))?;
            let (w1, w0) = (self.s(p), self.s(q));
            Some(PLACE_LEAD.iter().any(|(a, b)| w0.eq_ignore_ascii_case(a) && w1.eq_ignore_ascii_case(b)))
        };
        // "Harriet Vandermeer, MD": a clinician's credential after a person's name, not a state
        let credential = || {
            let st = if self.is_p(k, b',') { k + 1 } else { k };
            k > i + 1 && self.t[i].has(flag::GIVEN) && self.word_in(st, &["md", "do", "pa"]) && self.t[st].upper
        };
        if state_after && credential() {
            return;
        }
        if state_after || (!self.t[i].has(flag::STATE) && after_lead() == Some(true)) {
            let conf = if state_after { 0.8 } else { 0.6 };
            self.emit_toks(i, k - 1, Label::Address, conf, prio::CITY);
        }
    }

    /// Capitalized words `i..k` shaped like a town's name: a first or last word that many have
    /// ("New Amandamouth", "Port Jameschester", "Cedar Falls"), or one word that ends like many
    /// ("Bakersfield", "Millersville") and is no given name ("Clayton"). Not a business
    /// ("Medford Family Medicine").
    fn town_shaped(&self, i: usize, k: usize) -> bool {
        const LEADS: &[&str] = &[
            "new", "port", "lake", "east", "west", "north", "south", "fort", "mount", "glen", "san", "santa", "los",
            "las",
        ];
        const ENDS: &[&str] = &[
            "ville", "ton", "town", "burg", "burgh", "boro", "borough", "bury", "port", "mouth", "chester", "field",
            "ford", "land", "haven", "side", "view", "wood", "dale", "stad", "shire", "berg", "furt", "fort", "mont",
        ];
        // The last word of many: "Cedar Falls", "Sioux City", "Garden Heights"
        const LAST_WORDS: &[&str] = &[
            "falls", "springs", "city", "heights", "beach", "creek", "valley", "rapids", "junction", "harbor", "grove",
        ];
        if (i..=k).any(|j| self.word_in(j, PLACES)) {
            return false;
        }
        if k >= i + 2 {
            return self.word_in(i, LEADS) || self.word_in(k - 1, LAST_WORDS);
        }
        let w = self.s(i).as_bytes();
        !self.t[i].has(flag::GIVEN)
            && w.len() >= 6
            && ENDS.iter().any(|e| w.len() > e.len() && w[w.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
    }

    // ---- dates with month names -------------------------------------------------------------

    fn day_at(&self, k: usize) -> Option<usize> {
        let tk = self.t.get(k)?;
        if self.word_in(k, ORDINAL_WORDS) {
            return Some(k);
        }
        if self.word_in(k, &["twenty", "thirty"]) && self.is_p(k + 1, b'-') && self.word_in(k + 2, ORDINAL_WORDS) {
            return Some(k + 2);
        }
        if tk.kind != Kind::Num || tk.len() > 2 || !(1..=31).contains(&parse(self.s(k))) {
            return None;
        }
        if self.glued(k + 1) && self.word_in(k + 1, ORDINALS) {
            return Some(k + 1);
        }
        if self.glued(k + 1) && self.kind(k + 1) != Some(Kind::Punct) {
            return None;
        }
        Some(k)
    }

    fn year_at(&self, k: usize) -> Option<usize> {
        let mut k = k;
        if self.is_p(k, b',') || self.word_in(k, &["de", "of"]) {
            k += 1;
        }
        if self.is_p(k, b'\'') && self.t.get(k + 1).is_some_and(|t| t.kind == Kind::Num && t.len() == 2) {
            return Some(k + 1);
        }
        let tk = self.t.get(k)?;
        (tk.kind == Kind::Num
            && tk.len() == 4
            && valid_year(self.s(k))
            && !(self.glued(k + 1) && self.kind(k + 1) == Some(Kind::Num)))
        .then_some(k)
    }

    /// The first token of a day written before the month at token `i` when a year follows:
    /// "10 June 2024", "14th March 1971", "04JUL1976" (as records print it), "the fourth of
    /// July 1976", "4th of July 1976".
    fn day_before_month(&self, i: usize) -> Option<usize> {
        let day = |d: usize| {
            self.t.get(d).is_some_and(|t| t.kind == Kind::Num && t.len() <= 2) && (1..=31).contains(&parse(self.s(d)))
        };
        let before = |m: usize| {
            if self.word_in(m.wrapping_sub(1), ORDINALS) && self.glued(m - 1) {
                m.wrapping_sub(2)
            } else {
                m.wrapping_sub(1)
            }
        };
        let d = before(i);
        if day(d) && (self.t[i].space_before || self.t[i].upper) {
            return Some(d);
        }
        if !self.word_in(i.wrapping_sub(1), &["of", "de"]) {
            return None;
        }
        let d = before(i - 1);
        (day(d) || self.word_in(d, ORDINAL_WORDS)).then(|| if self.is_w(d.wrapping_sub(1), "the") { d - 1 } else { d })
    }

    fn months(&mut self) {
        for i in 0..self.t.len() {
            let tk = &self.t[i];
            if tk.kind != Kind::Word || !tk.has(flag::MONTH) {
                continue;
            }
            if let Some((start, end)) = self.dashed_month_date(i) {
                self.emit_toks(start, end, Label::Date, 0.9, prio::MONTH_DATE);
                continue;
            }
            let mut m_end = i;
            if self.is_p(i + 1, b'.') && self.glued(i + 1) && tk.len() <= 4 {
                m_end = i + 1;
            }
            // "March 3rd, 1971", "March 3", "March 1971"
            let mut after = m_end + 1;
            if self.is_p(after, b',') {
                after += 1;
            }
            let ambiguous_word_day = self.word_in(after, ORDINAL_WORDS)
                && (!tk.cap || self.word_in(i, AMBIGUOUS_MONTHS) && tk.sentence_start);
            if let Some(d) = self.day_at(after).filter(|_| !ambiguous_word_day) {
                let end = self.year_at(d + 1).unwrap_or(d);
                if end == d && self.holiday_closing(i, after) {
                    continue;
                }
                self.emit_toks(i, end, Label::Date, 0.9, prio::MONTH_DATE);
                continue;
            }
            if let Some(y) = self.year_at(m_end + 1) {
                let start = self.day_before_month(i).unwrap_or(i);
                self.emit_toks(start, y, Label::Date, 0.85, prio::MONTH_DATE);
                continue;
            }
            // "3rd of March 1971", "3 de marzo de 2020", "the 14 March"
            let mut k = i;
            if self.word_in(k.wrapping_sub(1), &["of", "de"]) {
                k -= 1;
            }
            let day = k
                .checked_sub(1)
                .and_then(|p| if self.word_in(p, ORDINALS) && self.glued(p) { p.checked_sub(1) } else { Some(p) });
            if let Some(d) = day
                && self.word_in(d, ORDINAL_WORDS)
                && k < i
            {
                let end = self.year_at(m_end + 1).unwrap_or(m_end);
                if end == m_end && self.word_in(d, &["fourth"]) && self.word_in(i, &["july", "jul"]) {
                    continue; // the holiday
                }
                let start = if self.is_w(d.wrapping_sub(1), "the") { d - 1 } else { d };
                self.emit_toks(start, end, Label::Date, 0.85, prio::MONTH_DATE);
                continue;
            }
            if let Some(d) = day
                && self.t[d].kind == Kind::Num
                && self.t[d].len() <= 2
                && (1..=31).contains(&parse(self.s(d)))
                && !(d > 0 && self.glued(d) && self.t[d - 1].kind != Kind::Word)
            {
                let end = self.year_at(m_end + 1).unwrap_or(m_end);
                if end == m_end && self.s(d) == "4" && self.word_in(i, &["july", "jul"]) && self.word_in(k, &["of"]) {
                    continue; // "the 4th of July": the holiday
                }
                self.emit_toks(d, end, Label::Date, 0.9, prio::MONTH_DATE);
                if let Some(f) = self.range_start(d) {
                    self.emit_toks(f, f, Label::Date, 0.8, prio::MONTH_DATE);
                }
                continue;
            }
            // A month alone: "since April", "in March"
            let ambiguous = self.word_in(i, AMBIGUOUS_MONTHS) || tk.len() <= 3;
            let lead = self.prev_word(i, 0).is_some_and(|p| self.word_in(p, MONTH_LEAD));
            if lead && (!ambiguous || tk.cap && !tk.sentence_start && tk.len() > 3) {
                self.emit_toks(i, i, Label::Date, 0.6, prio::MONTH_ALONE);
            }
        }
    }

    /// "del 3 al 7 de marzo", "from 3 to 7 March", "3-7 de marzo": the first day of a range
    /// whose last day is token `d`.
    fn range_start(&self, d: usize) -> Option<usize> {
        let link = d.checked_sub(1)?;
        let dash = self.is_p(link, b'-');
        if !dash && !self.word_in(link, &["al", "a", "y", "to", "and", "through", "thru"]) {
            return None;
        }
        let f = link.checked_sub(1)?;
        let day =
            self.t[f].kind == Kind::Num && self.t[f].len() <= 2 && (1..parse(self.s(d))).contains(&parse(self.s(f)));
        let lead = dash || self.word_in(f.wrapping_sub(1), &["del", "de", "from", "between", "entre", "desde"]);
        (day && lead).then_some(f)
    }

    /// "14-Mar-1971", "14-MAR-71", "Mar-14-1971": a month name between a day and a year,
    /// or before both, joined by dashes. Returns the first and last tokens.
    fn dashed_month_date(&self, i: usize) -> Option<(usize, usize)> {
        let joined = |k: usize| self.is_p(k, b'-') && self.glued(k) && self.glued(k + 1);
        let day = |k: usize| {
            self.t.get(k).is_some_and(|t| t.kind == Kind::Num && t.len() <= 2 && (1..=31).contains(&parse(self.s(k))))
        };
        let year = |k: usize| {
            self.t.get(k).is_some_and(|t| t.kind == Kind::Num && valid_year(self.s(k)))
                && !(self.glued(k + 1) && (self.kind(k + 1) != Some(Kind::Punct) || self.glued(k + 2)))
        };
        if i >= 2 && joined(i - 1) && day(i - 2) && joined(i + 1) && year(i + 2) {
            return Some((i - 2, i + 2));
        }
        (joined(i + 1) && day(i + 2) && joined(i + 3) && year(i + 4)).then_some((i, i + 4))
    }

    /// "We will be closed December 25": a public holiday of fixed date (no year), just after
    /// "closed" or "open", is the clinic's calendar, not a date of a person's.
    fn holiday_closing(&self, month: usize, day: usize) -> bool {
        const HOLIDAYS: &[(&str, u32)] =
            &[("jan", 1), ("jun", 19), ("jul", 4), ("nov", 11), ("dec", 24), ("dec", 25), ("dec", 31)];
        let m = self.s(month);
        let Some(m) = m.get(..3) else { return false };
        let d = self.s(day).bytes().take_while(u8::is_ascii_digit).fold(0, |a, c| a * 10 + u32::from(c - b'0'));
        let holiday = HOLIDAYS.iter().any(|&(hm, hd)| hd == d && m.eq_ignore_ascii_case(hm));
        // "closed December 25 and January 1"
        for k in (month.saturating_sub(6)..month).rev() {
            if self.t[k].kind == Kind::Punct && b".!?".contains(&self.text.as_bytes()[self.t[k].start]) {
                return false;
            }
            if self.word_in(k, &["closed", "open", "closing", "closes"]) {
                return holiday;
            }
        }
        false
    }

    // ---- names ------------------------------------------------------------------------------

    /// How strongly the words before token `i` announce a name.
    fn name_context(&self, i: usize) -> Option<u8> {
        // A signature dash at the start of a line: "- Maria"
        if i > 0
            && (self.is_p(i - 1, b'-') || self.s(i - 1) == "\u{2014}" || self.is_p(i - 1, b'~'))
            && self.t[i - 1].sentence_start
        {
            return Some(1);
        }
        let p = self.prev_word(i, 2)?;
        let between = |ok: &[u8]| (p + 1..i).all(|k| ok.contains(&self.text.as_bytes()[self.t[k].start]));
        // "Dr. Lee", "Dr Lee"; but "my doctor. Fax ..." ends a sentence.
        if self.is_title(p) && (i == p + 1 || between(b".") && self.t[p].len() <= 4) {
            return Some(2);
        }
        // "my son Liam", "my mother-in-law Hyacinth"
        if (self.t[p].has(flag::RELATION) || self.t[p].len() == 3 && self.in_law(p)) && between(b",") {
            return Some(RELATION_BEFORE);
        }
        if self.t[p].has(flag::SIGNOFF) && between(b",!.-") {
            return Some(1);
        }
        if self.is_w(p, "you") && self.prev_word(p, 0).is_some_and(|q| self.is_w(q, "thank")) && i > p + 1 {
            return Some(1);
        }
        // "The nurse, Ngozi, was ...": a title and a name between commas
        if between(b",") && i == p + 2 && self.is_p(i + 1, b',') && self.is_title(p) {
            return Some(2);
        }
        // "Hi, Sunita here": the writer, after a greeting and a comma
        if between(b",") && self.is_w(i + 1, "here") && self.word_in(p, &["hi", "hey", "hello", "hola"]) {
            return Some(1);
        }
        if between(b":") {
            if self.t[p].has(flag::INTRO)
                || (i == p + 2 && self.word_in(p, &["name", "patient", "pt", "from", "signed", "child", "contact"]))
            {
                return Some(1);
            }
            if let Some(q) = self.prev_word(p, 0).filter(|_| self.t[p].len() <= 4) {
                let (a, b) = (self.s(q), self.s(p));
                if NAME_INTRO_TWO.iter().any(|(x, y)| a.eq_ignore_ascii_case(x) && b.eq_ignore_ascii_case(y)) {
                    return Some(1);
                }
            }
        }
        None
    }

    /// "Dr Brown", "dr. brown": a title just before token `i`.
    fn title_before(&self, i: usize) -> bool {
        (i >= 1 && self.is_title(i - 1))
            || (i >= 2 && self.is_p(i - 1, b'.') && self.is_title(i - 2) && self.t[i - 2].len() <= 4)
    }

    /// A title before a name. In lower case only the unambiguous ones count: "dr smith", but
    /// not "ms word" or "pa state".
    fn is_title(&self, p: usize) -> bool {
        self.has(p, flag::TITLE)
            && (self.t[p].cap
                || self.word_in(p, &["dr", "doctor", "doc", "nurse", "mr", "mrs", "dra", "enfermera", "enfermero"]))
    }

    /// "my son jaxon", "my son, jaxon": a relation just before token `i`.
    /// The family name's token after a hyphenated given name starting at token `i`: a
    /// capitalized syllable, "-", a syllable in lower case, then a listed family name.
    fn hyphenated_given(&self, i: usize) -> Option<usize> {
        let tk = &self.t[i];
        let syllable = |t: &Tok| t.kind == Kind::Word && (2..=4).contains(&t.len()) && !t.upper;
        let shaped = tk.cap
            && syllable(tk)
            && self.is_p(i + 1, b'-')
            && self.glued(i + 1)
            && self.glued(i + 2)
            && self.t.get(i + 2).is_some_and(|t| syllable(t) && !t.cap)
            && self.t.get(i + 3).is_some_and(|t| {
                t.kind == Kind::Word
                    && t.cap
                    && !t.upper
                    && t.space_before
                    && t.has(flag::FAMILY)
                    && !t.has(flag::STREET)
            });
        shaped.then_some(i + 3)
    }

    /// "my daughter Poppy", "her son, Hunter,": an everyday word capitalized in the middle of a
    /// sentence, right after a relation in lower case, is the relation's name. (Text that
    /// capitalizes every word, "My Mom Needs", capitalizes the relation too.)
    fn named_by_relation(&self, i: usize) -> bool {
        let tk = &self.t[i];
        let p = if self.is_p(i.wrapping_sub(1), b',') { i.wrapping_sub(2) } else { i.wrapping_sub(1) };
        tk.cap
            && !tk.upper
            && !tk.sentence_start
            && tk.len() >= 3
            && !tk.has(NOT_A_RELATIONS_NAME)
            && self.t.get(p).is_some_and(|r| r.has(flag::RELATION) && !r.cap && r.kind == Kind::Word)
            // "my dad Social Security check": a proper noun of everyday words
            && !self.t.get(i + 1).is_some_and(|n| {
                n.kind == Kind::Word && n.cap && n.has(flag::COMMON) && !n.has(flag::GIVEN | flag::FAMILY)
            })
    }

    fn relation_before(&self, i: usize) -> bool {
        let p = if self.is_p(i.wrapping_sub(1), b',') { i.wrapping_sub(2) } else { i.wrapping_sub(1) };
        self.has(p, flag::RELATION)
    }

    /// Whether token `k` can be (part of) a name, and how sure: 0 = no.
    fn name_word(&self, k: usize, context: Option<u8>, first: bool) -> f32 {
        let Some(tk) = self.t.get(k) else { return 0.0 };
        if tk.kind != Kind::Word || tk.len() < 2 && !tk.cap {
            return 0.0;
        }
        if self.glued(k + 1) && self.kind(k + 1) == Some(Kind::Num) {
            return 0.0; // the letters of a code: "QX7781Z"
        }
        let never =
            flag::NOT_NAME | flag::TITLE | flag::RELATION | flag::WEEKDAY | flag::UNIT | flag::SIGNOFF | flag::YEARS;
        if tk.has(never) {
            return 0.0;
        }
        if tk.len() <= 4
            && matches!(self.text.as_bytes()[tk.start], b'i' | b'I')
            && self.word_in(k, &["i", "i'm", "i've", "i'll", "i'd", "im"])
        {
            return 0.0; // the writer, in capitals or not
        }
        let (given, family, common) = (tk.has(flag::GIVEN), tk.has(flag::FAMILY), tk.has(flag::COMMON));
        // "Parent: Camila Ferreira": a given name that is also a drug's brand, before a family
        // name in capitals, is a name
        let named = || {
            given
                && tk.cap
                && !tk.upper
                && self.t.get(k + 1).is_some_and(|n| n.kind == Kind::Word && n.cap && n.has(flag::FAMILY))
        };
        let health = tk.has(flag::COND | flag::MED) && !named();
        let place = tk.has(flag::MONTH | flag::STATE | flag::COUNTRY | flag::STREET);
        let unknown = tk.flags == 0 || tk.flags & !(flag::GIVEN | flag::FAMILY) == 0;
        match context {
            Some(2) => {
                // After a title: any capitalized word, or a listed name, or an unknown word. But
                // after a title that is also an everyday word, in lower case, an everyday word
                // that is no given name is not a name: "a nurse check on him" ("dr brown" is).
                let everyday_title =
                    self.prev_word(k, 1).is_some_and(|p| !self.t[p].cap && self.t[p].has(flag::COMMON));
                if !tk.cap && common && !given && everyday_title {
                    return 0.0;
                }
                if tk.cap || (given || family || unknown) && !self.word_in(k, AFTER_TITLE_NOT_NAME) {
                    return 0.9;
                }
                0.0
            }
            Some(_) if first => {
                // "my husband's VA claim": an abbreviation in capitals is no name
                if health || place && !tk.cap || context == Some(RELATION_BEFORE) && tk.upper && tk.len() <= 3 {
                    return 0.0;
                }
                if (given || family) && (!common || tk.cap) || tk.cap && unknown {
                    return 0.85;
                }
                // "hey its destiny", "hi this is grace": after a greeting and an introduction, a
                // given name in lower case even when it is an everyday word
                if given && context == Some(1) && tk.len() >= 3 && !tk.has(flag::STOPWORD) && self.greeted(k) {
                    return 0.7;
                }
                // "my son jaxon": a word no list knows, right after a relation (names newer
                // than the lists); "my daughter Poppy": an everyday word capitalized there
                if context == Some(RELATION_BEFORE) && (tk.flags == 0 && tk.len() >= 3 || self.named_by_relation(k)) {
                    return 0.7;
                }
                // "my son max has a fever": a given name that is an everyday word, in lower case
                // after a relation, before what happened to someone
                if context == Some(RELATION_BEFORE)
                    && given
                    && tk.len() >= 3
                    && !tk.has(flag::STOPWORD)
                    && self.word_in(k + 1, HAPPENED)
                {
                    return 0.7;
                }
                0.0
            }
            _ => {
                // "Shawn Mayo", "Jennifer Lane": after a name, a family name that is also a month's
                // or a street's word, not before a day or a number ("123 Jennifer Lane" is an
                // address, which outranks a name)
                let month_or_street_surname = !first
                    && tk.cap
                    && !tk.upper
                    && family
                    && tk.flags & (flag::STATE | flag::COUNTRY) == 0
                    && self.kind(k + 1) != Some(Kind::Num);
                if health || place && !month_or_street_surname {
                    return 0.0;
                }
                if first {
                    // "born in Manila", "a clinic in Springfield": a lone listed name after "in"
                    // or "near" is a place
                    if self.prev_word(k, 0).is_some_and(|p| self.word_in(p, &["in", "near"]))
                        && tk.stem_end == tk.end
                        && !self.t.get(k + 1).is_some_and(|n| n.cap && n.kind == Kind::Word)
                    {
                        return 0.0;
                    }
                    if given && !common && !tk.upper && (tk.cap || tk.len() >= 3) {
                        return if tk.cap { 0.85 } else { 0.7 };
                    }
                    if given
                        && tk.cap
                        && !tk.upper
                        && self.name_word(k + 1, None, false) > 0.0
                        && self.t[k + 1].cap
                        && self.t[k + 1].len() >= 2
                    {
                        return 0.75;
                    }
                    // "Mark and I", "Hope and Faith", "tell Will thanks"
                    if given && tk.cap && !tk.upper {
                        let and_next = self.is_w(k + 1, "and")
                            && (self.t.get(k + 2).is_some_and(|n| n.cap && n.has(flag::GIVEN))
                                || self.is_w(k + 2, "i")
                                || self.is_w(k + 2, "me"));
                        let and_prev = self.prev_word(k, 0).is_some_and(|p| {
                            self.is_w(p, "and")
                                && self.prev_word(p, 0).is_some_and(|q| self.t[q].cap && self.t[q].has(flag::GIVEN))
                        });
                        let verb = self.prev_word(k, 0).is_some_and(|p| self.word_in(p, PERSON_VERBS));
                        // "Luz (daughter, 9)": a relation named in brackets after the name
                        let relation_after = self.is_p(k + 1, b'(') && self.has(k + 2, flag::RELATION);
                        // "Destiny 4/4/2002": a signature, a name and a date of birth
                        let signed = self.date_starts_at(k + 1);
                        if and_next || and_prev || verb || relation_after || signed || self.listed_among_names(k) {
                            return 0.7;
                        }
                    }
                    if family && !given && tk.cap && !common && !tk.sentence_start && !tk.upper {
                        return 0.6;
                    }
                    if common && tk.cap && !tk.upper && !tk.has(flag::STOPWORD) && self.listed_among_names(k) {
                        return 0.6;
                    }
                    // Names the lists miss, before a date of birth ("Wanjiru Kamau, DOB ...") or
                    // introducing the writer ("Oksana Petrenko here", "Zeynep here")
                    let unlisted = |t: &Tok| t.cap && !t.upper && t.flags & !(flag::GIVEN | flag::FAMILY) == 0;
                    if unlisted(tk) && (self.praised_person(k) || surname_shape(self.s(k))) {
                        return 0.7;
                    }
                    if self.new_name(k) {
                        return 0.65;
                    }
                    // "Jimin Park", "Daeho Moon": a given name the lists lack before a family name
                    // that is also an everyday word
                    if unlisted(tk)
                        && !tk.sentence_start
                        && self.t.get(k + 1).is_some_and(|n| {
                            n.kind == Kind::Word && n.cap && !n.upper && n.has(flag::FAMILY) && n.space_before
                        })
                    {
                        return 0.65;
                    }
                    if unlisted(tk) {
                        let two = self.t.get(k + 1).is_some_and(unlisted);
                        // "Farida Haidari, daughter, (857) ...": a relation named after a name
                        let relation_after = self.is_p(k + 2, b',') && self.has(k + 3, flag::RELATION);
                        // "Emeka (DOB 4/2/2019)", "Wanjiru Kamau, DOB ..."
                        let dob_after = |j: usize| {
                            self.dob_at(j) || (self.is_p(j, b'(') || self.is_p(j, b',')) && self.dob_at(j + 1)
                        };
                        if two && (dob_after(k + 2) || relation_after)
                            || dob_after(k + 1)
                            || tk.sentence_start && (self.is_w(k + 1, "here") || two && self.is_w(k + 2, "here"))
                            || two && self.foreign_pair(k)
                            || self.listed_among_names(k)
                        {
                            return 0.7;
                        }
                    }
                    // "Patient JOSÉ ÁLVAREZ needs ...": in a text not in capitals, a listed given name
                    // and a family name, both in capitals
                    if tk.upper && given && !common && tk.len() >= 3 {
                        let surname = |n: &Tok| {
                            n.kind == Kind::Word
                                && n.upper
                                && n.space_before
                                && n.len() >= 3
                                && n.flags & !(flag::GIVEN | flag::FAMILY) == 0
                                && (n.has(flag::FAMILY) || n.flags == 0 && (n.len() >= 4 || !self.s(k + 1).is_ascii()))
                        };
                        if self.t.get(k + 1).is_some_and(surname) {
                            return 0.7;
                        }
                    }
                    // "... go to the ER. Ray": a given name alone ending the text, its signature
                    if given
                        && tk.cap
                        && !tk.upper
                        && tk.sentence_start
                        && self.t[k + 1..].iter().all(|t| t.kind == Kind::Punct)
                    {
                        return 0.7;
                    }
                    // "Wren here -": a name that is also an everyday word, introducing the writer at
                    // the start of a sentence ("Down here, ..." is no name)
                    if (given || family)
                        && tk.cap
                        && !tk.upper
                        && tk.sentence_start
                        && self.is_w(k + 1, "here")
                        && self.t.get(k + 2).is_none_or(|n| n.kind == Kind::Punct)
                        && !tk.has(flag::STOPWORD)
                        && !self.word_in(k, NOT_WRITERS)
                    {
                        return 0.7;
                    }
                    // Names the lists miss, in scripts with diacritics: "Kateřina Dvořák"
                    let foreign = |t: &Tok| {
                        t.cap && !t.upper && t.flags & !(flag::GIVEN | flag::FAMILY) == 0 && !self.s(k).is_ascii()
                    };
                    if foreign(tk)
                        && self
                            .t
                            .get(k + 1)
                            .is_some_and(|n| n.cap && n.kind == Kind::Word && n.flags & flag::COMMON == 0)
                    {
                        return 0.6;
                    }
                    return 0.0;
                }
                // Continuing a name: a surname ("JOSE ALVAREZ": in capitals after a word in capitals).
                if tk.cap && !tk.upper && (family || given || !common) || !tk.cap && family && !common {
                    return 0.85;
                }
                if tk.upper && (family || given && !common) && self.t[k - 1].upper {
                    return 0.8;
                }
                0.0
            }
        }
    }

    /// "Brynlee, Cash, Journee and Ezra": token `k` sits between a name just found and a comma or
    /// "and", in a list of names, or ends a list of three or more after "and".
    #[inline(never)]
    fn listed_among_names(&self, k: usize) -> bool {
        let name_ends_at =
            |p: usize| self.out.last().is_some_and(|c| c.label == Label::Name && c.end == self.t[p].stem_end);
        if k < 2 {
            return false;
        }
        // "..., Wren and Atlas": the last of a list of three or more
        let last_of_list = || k >= 3 && self.is_w(k - 1, "and") && name_ends_at(k - 2) && self.is_p(k - 3, b',');
        self.is_p(k - 1, b',') && (self.is_p(k + 1, b',') || self.is_w(k + 1, "and")) && name_ends_at(k - 2)
            || last_of_list()
    }

    /// Token `k` follows an introduction ("its", "this is") that follows a greeting ("hey").
    fn greeted(&self, k: usize) -> bool {
        let Some(p) = self.prev_word(k, 0) else { return false };
        let intro = if self.is_w(p, "is") { self.prev_word(p, 0).filter(|&q| self.is_w(q, "this")) } else { Some(p) };
        intro
            .and_then(|q| self.prev_word(q, 1))
            .is_some_and(|g| self.word_in(g, &["hi", "hey", "hello", "hiya", "heyy", "hii", "hola", "morning"]))
    }

    /// A family named in the plural after "the": "the Nguyens", "the Adebayo-Smiths" (a family
    /// name, not an everyday word, before the "s"). Returns the last token.
    fn family_plural(&self, i: usize) -> Option<usize> {
        // After a hyphen the family name may be an everyday word too ("Adebayo-Smiths").
        let plural_family = |k: usize, everyday_ok: bool| {
            let t = self.t.get(k).filter(|t| t.kind == Kind::Word && t.cap && !t.upper && t.len() >= 4)?;
            let s = self.s(k);
            if !s.is_ascii() || !s.ends_with('s') || t.has(flag::COMMON) && !everyday_ok {
                return None;
            }
            let lower = s.to_ascii_lowercase();
            let family = |stem: &str| {
                let f = self.lex.flags(stem.as_bytes());
                f & flag::FAMILY != 0 && (everyday_ok || f & flag::COMMON == 0)
            };
            let stem = &lower[..lower.len() - 1];
            (family(stem) || stem.ends_with('e') && family(&stem[..stem.len() - 1])).then_some(k) // "Joneses"
        };
        if !self.prev_word(i, 0).is_some_and(|p| self.is_w(p, "the")) {
            return None;
        }
        // The first half a name too, of five letters or more ("Tri-Cares", "Coca-Colas" are not)
        let hyphenated = self.is_p(i + 1, b'-')
            && self.glued(i + 1)
            && self.glued(i + 2)
            && self.t[i].cap
            && self.t[i].len() >= 5
            && self.t[i].flags & !(flag::GIVEN | flag::FAMILY) == 0;
        if hyphenated { plural_family(i + 2, true) } else { plural_family(i, false) }
    }

    /// Capitalized words `first..=last` after "at", "in", "near" or "from", the last a word that
    /// ends the names of places ("at Lincoln Park", "in Forest Hills"): a place, not a person.
    fn named_place(&self, first: usize, last: usize) -> bool {
        const ENDS: &[&str] = &[
            "park", "hill", "hills", "heights", "square", "plaza", "gardens", "beach", "valley", "springs", "falls",
            "creek", "ridge", "village", "mall", "lake", "lakes", "harbor", "point", "grove",
        ];
        last > first
            && self.t[last].cap
            && self.word_in(last, ENDS)
            && self.prev_word(first, 0).is_some_and(|p| self.word_in(p, &["at", "in", "near", "from"]))
    }

    /// "Jackson, MS 39201": a name ending at token `last` before a state and a ZIP code is a
    /// city's ("Sarah Jackson, MD" is not: no ZIP code follows).
    fn city_before_state(&self, last: usize) -> bool {
        let state = if self.is_p(last + 1, b',') { last + 2 } else { last + 1 };
        self.state_at(state) && self.t.get(state + 1).is_some_and(|z| z.kind == Kind::Num && z.len() == 5)
    }

    /// A name from token `first` to `last` that is an insurer's after words of insurance ("my
    /// insurance is Kaiser", "Mi seguro es Molina") or before "Healthcare".
    fn insurer(&self, first: usize, last: usize) -> bool {
        const INSURERS: &[&str] = &["molina", "kaiser", "humana", "cigna", "aetna", "anthem", "ambetter", "wellcare"];
        if first != last || !self.word_in(first, INSURERS) {
            return false;
        }
        let words = ["insurance", "insurer", "seguro", "aseguranza", "plan", "coverage", "covered", "carrier"];
        self.word_in(last + 1, &["healthcare", "permanente", "medicaid", "medicare"])
            || (first.saturating_sub(4)..first).any(|k| self.word_in(k, &words))
    }

    /// "at Lincoln High", "for Jefferson Elementary", "at Jefferson Middle": a school named
    /// without the word, from token `first` to `last`, after a preposition ("Tom High called"
    /// is a person).
    fn school(&self, first: usize, last: usize) -> bool {
        self.t.get(last).is_some_and(|t| t.cap)
            && self.word_in(last, &["high", "elementary", "middle"])
            && self.prev_word(first, 0).is_some_and(|p| self.word_in(p, &["at", "from", "to", "for", "in"]))
    }

    /// A name starting at token `i` follows a Spanish place of care's word: "Clínica San
    /// Rafael", "Hospital San José", "Farmacia Guadalajara".
    fn institution_before(&self, i: usize) -> bool {
        const BEFORE: &[&str] = &["clínica", "clinica", "hospital", "centro", "farmacia", "consultorio", "sanatorio"];
        i > 0 && self.t[i - 1].cap && self.word_in(i - 1, BEFORE)
    }

    /// A name ending at token `last` names a place of care, a school or a church: up to two
    /// more capitalized words, then a capitalized word such as "Hospital" or "Clinic". A
    /// possessive ("Dr. Jordan's Clinic") is still a person's name.
    fn institution_after(&self, last: usize) -> bool {
        // These only with another capitalized word after them: "Medical Center", "High School"
        const BEFORE_PLACE: &[&str] = &[
            "medical",
            "health",
            "urgent",
            "dental",
            "surgical",
            "high",
            "middle",
            "elementary",
            "county",
            "regional",
            "community",
            "memorial",
            "family",
            "assisted",
        ];
        if self.t[last].stem_end < self.t[last].end {
            return false;
        }
        let cap_word = |k: usize| self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.cap);
        (last + 1..last + 4).any(|k| {
            cap_word(k)
                && (last + 1..k).all(cap_word)
                && (self.word_in(k, PLACES) || self.word_in(k, BEFORE_PLACE) && cap_word(k + 1))
        })
    }

    /// "Nguyen Thi Mai", "Oluwaseun Adeyemi": a name found at token `i` may start earlier, with
    /// up to two capitalized words that no list knows or that are family names (family name
    /// first, or a given name the lists lack). Returns the first token of the name.
    fn family_name_before(&self, i: usize) -> usize {
        let never = flag::NOT_NAME | flag::TITLE | flag::RELATION | flag::WEEKDAY | flag::MONTH | flag::SIGNOFF;
        let mut first = i;
        while first > 0 && first + 2 > i {
            let p = &self.t[first - 1];
            let fits = p.kind == Kind::Word
                && p.cap
                && !p.upper
                && p.len() >= 2
                && p.flags & !(flag::GIVEN | flag::FAMILY) == 0
                && !p.has(never)
                && p.stem_end == p.end
                && self.t[first].start == p.end + 1
                && self.text.as_bytes()[p.end] == b' '
                && !self.t[first].sentence_start;
            if !fits {
                break;
            }
            first -= 1;
        }
        first
    }

    /// "Kowalczyk, Agnieszka": a surname first, as forms write it, at the start of a sentence
    /// and before a listed given name at token `i`; the surname's token.
    fn surname_first(&self, i: usize) -> Option<usize> {
        let s = i.checked_sub(2)?;
        let st = &self.t[s];
        let fits = self.t[i].cap
            && self.t[i].has(flag::GIVEN)
            && self.is_p(i - 1, b',')
            && !self.t[i - 1].space_before
            && st.kind == Kind::Word
            && st.cap
            && !st.upper
            && st.len() >= 2
            && (s == 0 || st.sentence_start)
            && st.flags & !(flag::GIVEN | flag::FAMILY) == 0;
        fits.then_some(s)
    }

    /// A word that the sentence goes on to praise or thank as a person, in the way of
    /// testimonials: "Thandiwe was amazing", "Oyelaran explained everything".
    fn praised_person(&self, k: usize) -> bool {
        const DEEDS: &[&str] =
            &["helped", "explained", "listened", "treated", "answered", "calmed", "reassured", "walked", "took"];
        const PRAISE: &[&str] = &[
            "amazing",
            "great",
            "wonderful",
            "awesome",
            "fantastic",
            "excellent",
            "incredible",
            "kind",
            "patient",
            "helpful",
            "so",
            "very",
            "super",
            "the",
            "a",
            "an",
            "caring",
            "gentle",
            "sweet",
            "professional",
        ];
        self.word_in(k + 1, DEEDS) || self.word_in(k + 1, &["was", "is"]) && self.word_in(k + 2, PRAISE)
    }

    /// "dob", ", DOB", "date of birth", "born" at token `k`.
    fn dob_at(&self, k: usize) -> bool {
        let k = if self.is_p(k, b',') { k + 1 } else { k };
        self.word_in(k, &["dob", "born"]) || self.is_w(k, "date") && self.is_w(k + 1, "of") && self.is_w(k + 2, "birth")
    }

    /// The end of a generational suffix after a full name ending at token `last`: "Jr.",
    /// ", Sr.", "III".
    fn name_suffix(&self, last: usize) -> Option<usize> {
        let k = if self.word_in(last, &["jr", "sr"]) {
            last // found as part of the name; its period was not
        } else if self.is_p(last + 1, b',') {
            last + 2
        } else {
            last + 1
        };
        let t = self.t.get(k).filter(|t| t.cap)?;
        if self.word_in(k, &["jr", "sr"]) {
            let dot = self.is_p(k + 1, b'.') && self.glued(k + 1);
            return Some(if dot { self.t[k + 1].end } else { t.end });
        }
        (t.upper && self.word_in(k, &["ii", "iii", "iv"])).then_some(t.end)
    }

    /// "Perpetua Mbeki called", "pt Saoirse Delacroix notified": two capitalized words at `k`
    /// that no list knows, not even the English one, and no third one after them (which would
    /// make a place or a business of them): a person the name lists lack.
    #[inline(never)]
    fn foreign_pair(&self, k: usize) -> bool {
        let third = self.t.get(k + 2).is_some_and(|t| t.kind == Kind::Word && t.cap);
        !third && self.t[k + 1].space_before && self.not_english(k) && self.not_english(k + 1)
    }

    /// Token `j` (without a possessive "'s") is a word of three letters or more that not even the
    /// English word list knows.
    fn not_english(&self, j: usize) -> bool {
        let t = &self.t[j];
        let mut lower = [0u8; 24];
        let Some(word) = self.text.as_bytes().get(t.start..t.stem_end).filter(|w| (3..=24).contains(&w.len())) else {
            return false;
        };
        lower[..word.len()].copy_from_slice(word);
        lower[..word.len()].make_ascii_lowercase();
        !self.lex.is_english(&lower[..word.len()])
    }

    /// Names newer than the lists, that no list knows, not even the English one: "Kairo has had
    /// a fever" (before a verb of what happened to someone, at a sentence's start), "send
    /// Kehlani's records" (a possessive), "Bexley and Brixton" (after a name and "and", or
    /// before "and" and a given name or another word no list knows).
    fn new_name(&self, k: usize) -> bool {
        let tk = &self.t[k];
        if tk.flags != 0 || !tk.cap || tk.upper {
            return false;
        }
        let starts = tk.sentence_start && self.word_in(k + 1, HAPPENED);
        let possessive = !tk.sentence_start && tk.stem_end < tk.end;
        let after_name = !tk.sentence_start
            && self.prev_word(k, 0).is_some_and(|a| {
                self.is_w(a, "and")
                    && self.prev_word(a, 0).is_some_and(|p| {
                        self.out.last().is_some_and(|c| c.label == Label::Name && c.end == self.t[p].stem_end)
                    })
            });
        // "Mahlet and Tesfaye Bekele": before "and" and a given name
        let before_name = self.is_w(k + 1, "and")
            && self.t.get(k + 2).is_some_and(|n| n.kind == Kind::Word && n.cap && !n.upper)
            && (self.has(k + 2, flag::GIVEN) || self.t[k + 2].flags == 0 && self.not_english(k + 2));
        (starts || possessive || after_name || before_name) && self.not_english(k)
    }

    /// "- Walt D., Shelbyville": a town, by its shape, after a name ending at token `last` (and
    /// its initial) and a comma, ending the text as a testimonial's signature does.
    fn signature_town(&mut self, last: usize) {
        let mut k = last + 1;
        if self.is_p(k, b'.') {
            k += 1; // "Marta K., ..." with the initial in the name
        } else if self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.len() == 1 && t.cap) && self.is_p(k + 1, b'.')
        {
            k += 2;
        }
        if !self.is_p(k, b',') {
            return;
        }
        let first = k + 1;
        let mut end = first;
        while end < first + 3 && self.t.get(end).is_some_and(|t| t.kind == Kind::Word && t.cap) {
            end += 1;
        }
        if end > first && self.t[end..].iter().all(|t| t.kind == Kind::Punct) && self.town_shaped(first, end) {
            self.emit_toks(first, end - 1, Label::Address, 0.6, prio::CITY);
        }
    }

    /// "St. Mary's": a hospital or a place, not a person.
    fn after_saint(&self, k: usize) -> bool {
        self.prev_word(k, 1).is_some_and(|p| self.t[p].len() <= 5 && self.word_in(p, &["st", "saint", "san", "santa"]))
    }

    fn names(&mut self) {
        let mut i = 0;
        while i < self.t.len() {
            if self.t[i].kind != Kind::Word {
                i += 1;
                continue;
            }
            let tk = &self.t[i];
            let listed = tk.has(flag::GIVEN | flag::FAMILY);
            let unknown = tk.flags & !(flag::GIVEN | flag::FAMILY) == 0;
            let maybe = if tk.cap {
                // One capital letter starts a name only as an initial ("J. Smith"); "I" and "A"
                // start sentences.
                listed
                    || unknown
                    || tk.len() == 1 && self.is_p(i + 1, b'.')
                    // "Brynlee, Cash, Journee": an everyday word among names in a list
                    || i >= 2
                        && self.out.last().is_some_and(|c| c.label == Label::Name && c.end == self.t[i - 2].stem_end)
                        && self.listed_among_names(i)
                    || !tk.sentence_start
                        && i > 0
                        && (self.t[i - 1].has(flag::RELATION) || self.t[i - 1].kind == Kind::Punct)
                        && self.named_by_relation(i)
            } else {
                listed && !tk.has(flag::COMMON)
                    || tk.flags == 0 && self.relation_before(i)
                    || tk.has(flag::GIVEN) && self.greeted(i)
                    || tk.has(flag::GIVEN) && self.relation_before(i) && self.word_in(i + 1, HAPPENED)
            };
            if !maybe && (self.flags & flag::TITLE == 0 || !self.title_before(i)) {
                i += 1; // the common case: an everyday word
                continue;
            }
            // "Medi-Cal", "X-Ray": the second half of a hyphenated word whose first half is no name
            if i >= 2
                && self.is_p(i - 1, b'-')
                && !self.t[i].space_before
                && !self.t[i - 1].space_before
                && self.t[i - 2].kind == Kind::Word
            {
                i += 1;
                continue;
            }
            // "KAPOOR, ANJALI": a surname and a listed given name, in capitals, as records print them
            if tk.upper
                && tk.len() >= 3
                && tk.flags & !(flag::GIVEN | flag::FAMILY) == 0
                && self.is_p(i + 1, b',')
                && self.t.get(i + 2).is_some_and(|g| g.upper && g.has(flag::GIVEN) && g.space_before)
            {
                let initial = self.t.get(i + 3).is_some_and(|t| t.kind == Kind::Word && t.len() == 1 && t.cap);
                let end = if initial { i + 3 } else { i + 2 };
                self.emit_toks(i, end, Label::Name, 0.75, prio::NAME);
                i = end + 1;
                continue;
            }
            // "We're the Nguyens", "the Adebayo-Smiths": a family by its name in the plural
            if let Some(end) = self.family_plural(i) {
                self.emit_toks(i, end, Label::Name, 0.7, prio::NAME);
                i = end + 1;
                continue;
            }
            let context = self.name_context(i);
            // Initials before a surname: "J.R. Whitaker", "J. Smith"
            if self.t[i].cap && self.t[i].len() == 1 && self.is_p(i + 1, b'.') {
                let mut k = i + 2;
                if self.t.get(k).is_some_and(|t| t.cap && t.len() == 1 && t.kind == Kind::Word)
                    && self.is_p(k + 1, b'.')
                {
                    k += 2;
                }
                // A listed family name, or a word no list knows: "L. Okonjo"
                let surname = |t: &Tok| {
                    t.has(flag::FAMILY) || t.kind == Kind::Word && t.len() >= 4 && t.flags & !flag::GIVEN == 0
                };
                if self.t.get(k).is_some_and(|t| t.cap && surname(t) && !t.upper)
                    && !self.t[k].has(flag::NOT_NAME | flag::MONTH)
                {
                    // "M. Osei-Tutu": a hyphenated surname
                    let hyphen = self.is_p(k + 1, b'-') && self.glued(k + 1) && self.glued(k + 2);
                    if hyphen && self.t.get(k + 2).is_some_and(|t| t.kind == Kind::Word && t.cap) {
                        k += 2;
                    }
                    self.emit(self.t[i].start, self.t[k].stem_end, Label::Name, 0.75, prio::NAME);
                    i = k + 1;
                    continue;
                }
            }
            // "Hyun-woo Park", "Min-ji Kim": a given name of two syllables joined by a hyphen,
            // before a family name
            if let Some(end) = self.hyphenated_given(i) {
                self.emit(self.t[i].start, self.t[end].stem_end, Label::Name, 0.75, prio::NAME);
                i = end + 1;
                continue;
            }
            let conf = self.name_word(i, context, true);
            if conf == 0.0 || self.after_saint(i) {
                i += 1;
                continue;
            }
            let mut last = i;
            let mut k = i + 1;
            let mut surnames = 0;
            while surnames < 3 {
                // Middle initial: "J." or "J"
                if self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.len() == 1 && t.cap) && surnames == 0 {
                    let after = if self.is_p(k + 1, b'.') { k + 2 } else { k + 1 };
                    if self.name_word(after, None, false) > 0.0 {
                        k = after;
                        continue;
                    }
                }
                if self.is_p(k, b'-') && self.glued(k) && self.glued(k + 1) && self.name_word(k + 1, None, false) > 0.0
                {
                    last = k + 1;
                    k += 2;
                    continue;
                }
                if self.t[i].cap
                    && self.t.get(k + 1).is_some_and(|t| t.cap)
                    && self.word_in(k, SURNAME_PARTICLES)
                    && self.name_word(k + 1, None, false) > 0.0
                {
                    last = k + 1;
                    k += 2;
                    surnames += 1;
                    continue;
                }
                // "Mohammed Al-Farsi", "Layla El-Amin": a hyphenated surname in capitals
                if surnames == 0
                    && self.t.get(k).is_some_and(|t| t.kind == Kind::Word && t.cap && !t.sentence_start)
                    && self.is_p(k + 1, b'-')
                    && self.glued(k + 1)
                    && self.glued(k + 2)
                    && self.t.get(k + 2).is_some_and(|t| t.kind == Kind::Word && t.cap && !t.upper)
                    && self.name_word(k + 2, None, false) > 0.0
                {
                    last = k + 2;
                    k += 3;
                    surnames += 1;
                    continue;
                }
                let lower_ok = !self.t[i].cap || context.is_some();
                // "my name is john smith": after an introduction, a family name in lower case
                // even when it is also an everyday word
                let introduced_surname = surnames == 0
                    && context == Some(1)
                    && self.t.get(k).is_some_and(|t| {
                        t.kind == Kind::Word
                            && !t.cap
                            && t.len() >= 3
                            && t.has(flag::FAMILY)
                            && !t.has(flag::STOPWORD | flag::COND | flag::MED | flag::NOT_NAME)
                    });
                let next_ok = introduced_surname
                    || self.t.get(k).is_some_and(|t| t.cap || lower_ok) && self.name_word(k, None, false) > 0.0;
                if !next_ok || self.t[k].sentence_start {
                    break;
                }
                last = k;
                k += 1;
                surnames += 1;
            }
            // "Mi seguro es Molina", "Molina Healthcare": an insurer named like a family
            if self.insurer(i, last) {
                i = last + 1;
                continue;
            }
            // "Tri-Care", "Tele-Health": the first half of a hyphenated everyday word
            let hyphen_word = self.is_p(last + 1, b'-')
                && !self.t[last + 1].space_before
                && self.glued(last + 2)
                && self
                    .t
                    .get(last + 2)
                    .is_some_and(|t| t.kind == Kind::Word && t.has(flag::COMMON) && !t.has(flag::GIVEN));
            // "Harmon Rd", "Juniper Lane": the name of a street
            let street_after =
                self.t.get(last + 1).is_some_and(|t| t.cap && t.has(flag::STREET) && t.kind == Kind::Word)
                    && !self.is_w(last + 1, "dr");
            if hyphen_word
                || street_after
                || self.institution_after(last)
                || self.institution_before(i)
                || last > i && (self.word_in(last, PLACES) || self.school(i, last))
                || self.school(i, last + 1)
                || context.is_none() && (self.named_place(i, last) || self.city_before_state(last))
            {
                i = last + 1; // "Mercy General Hospital", "Austin Regional Clinic", "at Lincoln Park"
                continue;
            }
            let p = if context.is_some() { prio::NAME_CUED } else { prio::NAME };
            let first = self.family_name_before(i);
            let suffix = if last > i { self.name_suffix(last) } else { None };
            let end = suffix.unwrap_or(self.t[last].stem_end);
            self.emit(self.t[first].start, end, Label::Name, conf, p);
            if let Some(s) = self.surname_first(i) {
                self.emit(self.t[s].start, self.t[s].stem_end, Label::Name, 0.7, prio::NAME);
            }
            if (last + 1..last + 4).any(|k| self.is_p(k, b',')) {
                self.signature_town(last);
            }
            // "Name: SMITH, JOHN": after a name a form announces, a given name after a comma
            if context.is_some()
                && self.is_p(last + 1, b',')
                && self
                    .t
                    .get(last + 2)
                    .is_some_and(|t| t.cap && t.has(flag::GIVEN) && (!t.has(flag::COMMON) || t.upper))
            {
                let g = last + 2;
                let initial = self.t.get(g + 1).is_some_and(|t| t.kind == Kind::Word && t.len() == 1 && t.cap);
                let end = if initial { g + 1 } else { g };
                self.emit_toks(g, end, Label::Name, 0.7, prio::NAME_CUED);
                i = end + 1;
                continue;
            }
            i = last + 1;
        }
    }

    // ---- health terms -----------------------------------------------------------------------

    fn phrase_at(&mut self, i: usize) -> Option<(usize, Label)> {
        let lengths = self.t[i].flags >> flag::PHRASE_LENGTHS;
        // Bit k stands for a term of k + 2 tokens.
        let longest = (u32::BITS - lengths.leading_zeros()) as usize + 1;
        let mut ends = [0; flag::MAX_PHRASE + 1];
        // Most words that start a term are not followed by its second word ("to", "a"):
        // the first two tokens are checked alone before longer keys are built. (Lower-casing
        // outside ASCII may split a term differently: those keys skip the check.)
        let (a, b) = (self.t[i], *self.t.get(i + 1)?);
        let bytes = self.text.as_bytes();
        let gap = &bytes[a.end..b.start];
        let len = b.end - a.start;
        if len <= 15 && (gap.is_empty() || gap == b" ") && bytes[a.start..b.end].is_ascii() {
            // Short and ASCII, with at most one space between: the text is its own key.
            let ok = b.kind != Kind::Punct || b"-'/".contains(&bytes[b.start]);
            if !ok || !self.lex.phrase_may_start_packed(token::packed_lower(bytes, a.start, len)) {
                return None;
            }
        } else {
            let two = token::phrase_key(self.text, self.t, i, 2, self.key, &mut ends);
            if two < 2 || self.key.is_ascii() && !self.lex.phrase_may_start(self.key) {
                return None;
            }
        }
        let built = token::phrase_key(self.text, self.t, i, longest, self.key, &mut ends);
        for len in (2..=built).rev() {
            if lengths & (1 << (len - 2)) != 0
                && let Some(label) = self.lex.phrase(&self.key[..ends[len]])
            {
                return Some((i + len - 1, label));
            }
        }
        None
    }

    fn health(&mut self) {
        let mut i = 0;
        while i < self.t.len() {
            let tk = &self.t[i];
            if tk.kind != Kind::Word {
                i += 1;
                continue;
            }
            if tk.has(flag::PHRASE)
                && let Some((j, label)) = self.phrase_at(i)
            {
                // "CKD stage 4": a stage is part of the condition before it
                let stage = i > 0 && self.is_w(i, "stage");
                let (before, end) = (self.t[i.saturating_sub(1)].end, self.t[j].end);
                match self.out.last_mut() {
                    Some(c) if stage && c.label == Label::Condition && c.end == before => c.end = end,
                    _ => self.emit_toks(i, j, label, 0.9, prio::HEALTH),
                }
                i = j + 1;
                continue;
            }
            if tk.has(flag::ORGAN) && self.has(i + 1, flag::PROBLEM_HEAD) {
                self.emit_toks(i, i + 1, Label::Condition, 0.8, prio::HEALTH);
                i += 2;
                continue;
            }
            if tk.has(flag::ORGAN)
                && let Some((a, b)) = self.body_complaint(i)
            {
                self.emit_toks(a, b, Label::Condition, 0.7, prio::HEALTH);
                i = b + 1;
                continue;
            }
            // "Allergies: sulfa, latex": a form's field label, not a term of its own
            if tk.cap && self.is_p(i + 1, b':') && (tk.sentence_start || self.is_p(i.wrapping_sub(1), b'|')) {
                self.allergens(i);
                i += 1;
                continue;
            }
            let found = if tk.has(flag::MED) {
                Some((Label::Medication, 0.9))
            } else if tk.has(flag::COND) && !self.paperwork(i) {
                Some((Label::Condition, 0.85))
            } else if tk.upper
                && tk.len() <= 5
                && !self.in_code(i)
                && !self.state_after_city(i)
                && !self.emergency_department(i)
                && !self.room_air_or_laughter(i)
            {
                self.lex.upper_term(self.s(i).as_bytes()).map(|l| (l, 0.8))
            } else if tk.flags & !(flag::FAMILY) == 0 && tk.len() >= 5 {
                self.fuzzy(i)
            } else {
                None
            };
            if let Some((label, conf)) = found {
                self.emit_toks(i, i, label, conf, prio::HEALTH);
                if label == Label::Condition && tk.len() >= 7 {
                    self.allergens(i);
                }
            } else if self.is_dose_after(i) && !tk.has(flag::COMMON) {
                self.emit_toks(i, i, Label::Medication, 0.7, prio::HEALTH);
            } else if tk.has(flag::COMMON)
                && i > 0
                && (self.t[i - 1].has(flag::STOPWORD) || tk.len() == 8)
                && self.health_in_context(i)
            {
                self.emit_toks(i, i, Label::Condition, 0.6, prio::HEALTH);
            }
            i += 1;
        }
    }

    /// What someone is allergic to, after "allergic to", "allergy to" or "allergies:" at token
    /// `i`: a list of single words ("penicillin, latex and shellfish"); each one that is no
    /// drug or condition of its own is a condition (an allergen).
    fn allergens(&mut self, i: usize) {
        if !self.word_in(i, &["allergic", "allergy", "allergies", "alergia", "alergias", "alérgico", "alérgica"]) {
            return;
        }
        let Some(mut k) =
            [i + 1].into_iter().find(|&k| self.word_in(k, &["to", "a"]) || self.is_p(k, b':')).map(|k| k + 1)
        else {
            return;
        };
        for _ in 0..6 {
            let Some(tk) = self.t.get(k).copied() else { return };
            let aside =
                ["please", "pls", "thanks", "thank", "thx", "so", "but", "which", "that", "because", "since", "just"];
            if tk.kind != Kind::Word || tk.has(flag::STOPWORD) || tk.len() < 3 || self.word_in(k, &aside) {
                return;
            }
            if !tk.has(flag::COND | flag::MED) {
                self.emit_toks(k, k, Label::Condition, 0.6, prio::HEALTH);
            }
            let sep = self.is_p(k + 1, b',') || self.is_p(k + 1, b'/') || self.is_p(k + 1, b'&');
            k += if sep && self.word_in(k + 2, &["and", "or", "y"]) {
                3
            } else if sep || self.word_in(k + 1, &["and", "or", "y"]) {
                2
            } else {
                return;
            };
        }
    }

    /// A complaint about a body part at token `i`, in everyday words: "my gums bleed", "my
    /// ankle is twisted", "my eyes are red and crusty", "I broke my toe", "had my gallbladder
    /// removed". The body part follows a possessive; returns the complaint's first and last
    /// tokens.
    fn body_complaint(&self, i: usize) -> Option<(usize, usize)> {
        const INJURED: &[&str] = &[
            "broke",
            "broken",
            "sprained",
            "twisted",
            "hurt",
            "injured",
            "fractured",
            "dislocated",
            "pulled",
            "tore",
            "torn",
            "banged",
            "jammed",
            "bruised",
            "stubbed",
            "strained",
            "burned",
            "burnt",
            "cut",
            "smashed",
            "hit",
            "bumped",
            "bonked",
            "smacked",
            "scraped",
        ];
        const LINKS: &[&str] = &[
            "is", "are", "was", "were", "feels", "feel", "felt", "keeps", "kept", "looks", "look", "got", "gets",
            "getting", "been", "has", "have", "still", "really", "so", "very", "kinda", "super", "all", "a", "bit",
            "little", "kind", "of", "and", "just", "always", "won't", "wont", "keep", "sounds", "sound", "seems",
            "seem",
        ];
        const COMPLAINTS: &[&str] = &[
            "hurts",
            "hurt",
            "hurting",
            "aches",
            "ache",
            "aching",
            "achy",
            "bleeds",
            "bleed",
            "bleeding",
            "burns",
            "burning",
            "itches",
            "itch",
            "itching",
            "itchy",
            "swells",
            "swelling",
            "swollen",
            "cramps",
            "cramp",
            "cramping",
            "races",
            "racing",
            "pounds",
            "pounding",
            "throbs",
            "throbbing",
            "tingles",
            "tingling",
            "numb",
            "twitches",
            "twitching",
            "spins",
            "spinning",
            "clicks",
            "clicking",
            "pops",
            "popping",
            "locks",
            "locking",
            "twisted",
            "puffy",
            "red",
            "crusty",
            "sore",
            "stiff",
            "weak",
            "bruised",
            "infected",
            "painful",
            "tender",
            "irritated",
            "inflamed",
            "blurry",
            "broken",
            "sprained",
            "removed",
            "killing",
            "bothering",
            "flaring",
            "cracked",
            "peeling",
            "oozing",
            "goopy",
            "gunky",
            "watery",
            "bloodshot",
            "raspy",
            "rattly",
            "crackly",
            "wheezy",
            "discolored",
            "shaking",
            "trembling",
            "stop",
            "stops",
            "tight",
            "congested",
            "stuffy",
            "foggy",
        ];
        // Body fluids, whose colour is the complaint: "his urine has been dark"
        const FLUIDS: &[&str] = &["urine", "pee", "stool", "stools", "poop", "phlegm", "mucus", "snot", "discharge"];
        const COLOURS: &[&str] =
            &["dark", "cloudy", "bloody", "black", "foamy", "green", "yellow", "brown", "pink", "smelly", "tarry"];
        // "my", or a relation's: "my mom's memory"
        let possessive = |k: usize| {
            self.word_in(k, &["my", "his", "her", "their", "your", "our"])
                || self.t[k].has(flag::RELATION) && self.t[k].stem_end < self.t[k].end
        };
        let mut p = self.prev_word(i, 0)?;
        // "my neck and back have been killing me"
        let mut first = i;
        if self.is_w(p, "and")
            && let Some(o) = self.prev_word(p, 0).filter(|&o| self.t[o].has(flag::ORGAN))
        {
            (first, p) = (o, self.prev_word(o, 0)?);
        }
        let p = if self.word_in(p, &["left", "right", "big", "little", "lower", "upper"]) {
            self.prev_word(p, 0)?
        } else {
            p
        };
        if !possessive(p) {
            return None;
        }
        // "I broke my toe"
        if let Some(v) = self.prev_word(p, 0)
            && self.word_in(v, INJURED)
        {
            return Some((v, i));
        }
        // "had my tonsils out", "getting her appendix taken out"
        if let Some(v) = self.prev_word(p, 0)
            && self.word_in(v, &["had", "have", "has", "having", "got", "get", "gets", "getting"])
        {
            let k = if self.is_w(i + 1, "taken") { i + 2 } else { i + 1 };
            if self.is_w(k, "out") {
                return Some((i, k));
            }
        }
        // "my gums bleed", "my ankle is twisted", "my gallbladder removed"
        let mut k = i + 1;
        while k < i + 5 && self.word_in(k, LINKS) {
            k += 1;
        }
        if !(self.word_in(k, COMPLAINTS) || self.word_in(i, FLUIDS) && self.word_in(k, COLOURS)) {
            return None;
        }
        // "my eyes are red and crusty"
        while self.is_w(k + 1, "and") && self.word_in(k + 2, COMPLAINTS) {
            k += 2;
        }
        Some((first, k))
    }

    /// An everyday word that is a health term in its context: after a possessive ("my sugar was
    /// 42", "her periods", "his mole", "her pump"), "the bite", "in a cast", "have a cold", "running a temp",
    /// "more confused than usual". Token `i - 1` is a function word, or token `i` has eight letters.
    fn health_in_context(&self, i: usize) -> bool {
        const POSSESSIVES: &[&str] = &["my", "his", "her", "their", "your"];
        let tk = &self.t[i];
        if tk.len() == 3 {
            return self.atrial_fib(i);
        }
        if !(4..=8).contains(&tk.len())
            || !matches!(self.text.as_bytes()[tk.start] | 0x20, b's' | b'p' | b'm' | b'c' | b't' | b'b' | b'o' | b'i')
        {
            return false;
        }
        if tk.len() == 8 {
            return self.is_w(i, "confused") && self.confused_person(i);
        }
        if self.word_in(i, &["sugar", "sugars", "period", "periods", "mole", "moles", "oxygen", "iron", "pump"]) {
            return self.word_in(i - 1, POSSESSIVES);
        }
        // "the bite is red", "his bites" (not "a bite of", "the bite to eat")
        if self.word_in(i, &["bite", "bites"]) {
            return (self.word_in(i - 1, POSSESSIVES) || self.word_in(i - 1, &["the", "this", "that"]))
                && !self.word_in(i + 1, &["of", "to", "into", "out"]);
        }
        // "in a cast", "her cast" (not "the cast of", "cast a vote")
        if self.is_w(i, "cast") {
            // "in a cast", "the guy with the cast" (not "the cast of the show")
            let worn = self.word_in(i - 1, &["a", "the"])
                && !self.is_w(i + 1, "of")
                && (self.is_w(i + 1, "on")
                    || self
                        .prev_word(i - 1, 0)
                        .is_some_and(|q| self.word_in(q, &["in", "wear", "wearing", "wears", "needs", "with"])));
            return worn
                || self.word_in(i - 1, POSSESSIVES) && !self.word_in(i + 1, &["member", "members", "list", "iron"]);
        }
        (self.is_w(i, "cold") || self.is_w(i, "temp"))
            && self.is_w(i - 1, "a")
            && self
                .prev_word(i - 1, 0)
                .is_some_and(|q| self.word_in(q, &["have", "has", "had", "got", "caught", "running", "runs"]))
    }

    /// "89% on RA": room air after a saturation, not rheumatoid arthritis; "HA HA", "HA!":
    /// laughter, not a headache.
    fn room_air_or_laughter(&self, i: usize) -> bool {
        if self.is_w(i, "ra") {
            return self.prev_word(i, 0).is_some_and(|p| {
                self.is_w(p, "on") && p > 0 && (self.is_p(p - 1, b'%') || self.kind(p - 1) == Some(Kind::Num))
            });
        }
        self.is_w(i, "ha")
            && (self.is_p(i + 1, b'!')
                || self.prev_word(i, 0).is_some_and(|p| self.word_in(p, &["ha", "haha"]))
                || self.word_in(i + 1, &["ha", "haha"]))
    }

    /// Token `i` is letters inside a code of letters and digits ("8GK4PT"), not a word.
    fn in_code(&self, i: usize) -> bool {
        self.glued(i) && self.kind(i - 1) == Some(Kind::Num) || self.glued(i + 1) && self.kind(i + 1) == Some(Kind::Num)
    }

    /// "a fib" at token `i` ("fib", after "a"): atrial fibrillation as chat spells it, not a
    /// small lie ("told a fib").
    fn atrial_fib(&self, i: usize) -> bool {
        self.is_w(i, "fib")
            && self.is_w(i.wrapping_sub(1), "a")
            && !self.prev_word(i - 1, 0).is_some_and(|p| self.word_in(p, &["told", "tell", "tells", "telling"]))
    }

    /// "discharge papers", "hospital discharge": a health term's word that names a document or
    /// an administrative step here.
    fn paperwork(&self, i: usize) -> bool {
        self.t[i].len() == 9
            && self.is_w(i, "discharge")
            && (self.word_in(
                i + 1,
                &["papers", "paperwork", "summary", "instructions", "date", "planner", "form", "forms"],
            ) || self.prev_word(i, 0).is_some_and(|p| self.word_in(p, &["hospital", "hospital's", "er"])))
    }

    /// "Bridgeport, CT", "Jackson, MS": a state's abbreviation after a place's name and a comma,
    /// not the scan or the disease that the same letters name.
    fn state_after_city(&self, i: usize) -> bool {
        // "Springfield, IL", "Detroit MI 48201"
        if self.t[i].len() != 2 || !self.t[i].has(flag::STATE) {
            return false;
        }
        let zip_after = || self.t.get(i + 1).is_some_and(|t| t.kind == Kind::Num && t.len() == 5);
        let comma = i >= 2 && self.is_p(i - 1, b',');
        let Some(city) = (if comma { Some(i - 2) } else { i.checked_sub(1) }) else { return false };
        (comma || zip_after()) && self.t.get(city).is_some_and(|c| c.kind == Kind::Word && c.cap && !c.upper)
    }

    /// "in ED at St. Luke's", "to the ED", "ED visit": the emergency department, a place.
    fn emergency_department(&self, i: usize) -> bool {
        self.is_w(i, "ED")
            && (self.word_in(i.wrapping_sub(1), &["in", "to", "the", "from", "at", "our"])
                || self.word_in(
                    i + 1,
                    &["visit", "visits", "at", "physician", "doctor", "doc", "nurse", "triage", "today"],
                ))
    }

    /// "he has been more confused than usual", "tired and confused": a person's state, not the
    /// writer's puzzlement ("I'm confused about my bill", "confused by the portal").
    fn confused_person(&self, i: usize) -> bool {
        const BEFORE: &[&str] =
            &["more", "very", "been", "getting", "gets", "and", "is", "was", "seems", "seemed", "quite"];
        const AFTER: &[&str] = &[
            "about", "by", "with", "as", "on", "why", "how", "what", "if", "whether", "because", "at", "over", "when",
            "which", "where", "who", "to",
        ];
        self.word_in(i - 1, BEFORE)
            && !self.word_in(i + 1, AFTER)
            && !self
                .prev_word(i - 1, 0)
                .is_some_and(|q| self.word_in(q, &["i", "i'm", "im", "i've", "we", "we're", "am"]))
    }

    /// A misspelled health term: one deletion, insertion, substitution or transposition away.
    /// The answer depends on the word alone, so the word cache remembers it.
    fn fuzzy(&mut self, i: usize) -> Option<(Label, f32)> {
        let tk = self.t[i];
        let s = &self.text[tk.start..tk.end];
        if !s.is_ascii() || s.len() > 40 {
            return None;
        }
        let (lex, buf) = (self.lex, &mut *self.key);
        if s.len() > 15 {
            return misspelling(lex, s, buf);
        }
        let key = token::packed_lower(self.text.as_bytes(), tk.start, s.len());
        let answer = self.words.memo_or(key, || Misspelling::encode(misspelling(lex, s, buf)));
        Misspelling::decode(answer)
    }

    fn is_dose_after(&self, i: usize) -> bool {
        self.t.get(i + 1).is_some_and(|t| t.kind == Kind::Num)
            && self.t[i].len() >= 4
            && self.word_in(i + 2, DOSE_UNITS)
    }
}

#[cfg(test)]
mod tests {
    use super::{Cand, resolve};
    use crate::Label;

    fn cand(start: usize, end: usize, prio: u8, label: Label) -> Cand {
        Cand { start, end, label, conf: 0.5, prio }
    }

    fn kept(cands: &mut [Cand]) -> Vec<(usize, usize, Label)> {
        let mut spans = Vec::new();
        resolve(cands, &mut spans);
        spans.iter().map(|s| (s.start, s.end, s.label)).collect()
    }

    /// In a chain of overlaps the highest priority wins and decides for its neighbours; two
    /// candidates a lower one had linked are both kept when they do not overlap each other.
    #[test]
    fn priority_decides_within_a_chain_of_overlaps() {
        let mut chain = [
            cand(8, 12, 10, Label::Date),
            cand(0, 5, 10, Label::Name),
            cand(4, 9, 20, Label::Phone),
            cand(20, 25, 1, Label::Zip),
        ];
        assert_eq!(kept(&mut chain), [(4, 9, Label::Phone), (20, 25, Label::Zip)]);
        let mut ends_win = [
            cand(4, 9, 10, Label::Phone),
            cand(8, 12, 20, Label::Date),
            cand(0, 5, 20, Label::Name),
            cand(3, 3, 30, Label::Ssn),
        ];
        assert_eq!(kept(&mut ends_win), [(0, 5, Label::Name), (8, 12, Label::Date)]);
        // Same priority: the longer wins; same length too: the earlier.
        let mut ties = [cand(2, 6, 10, Label::Name), cand(0, 7, 10, Label::Date), cand(7, 9, 10, Label::Zip)];
        assert_eq!(kept(&mut ties), [(0, 7, Label::Date), (7, 9, Label::Zip)]);
        let mut same = [cand(3, 6, 10, Label::Name), cand(0, 3, 10, Label::Date), cand(1, 4, 10, Label::Zip)];
        assert_eq!(kept(&mut same), [(0, 3, Label::Date), (3, 6, Label::Name)]);
    }
}
