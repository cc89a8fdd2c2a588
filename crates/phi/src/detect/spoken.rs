//! Numbers in words, and read aloud as voicemail transcripts and dictated messages write them:
//! ages ("ninety-one"), digits one word at a time ("five five five, two one four ..."), dates in
//! words ("june fourth nineteen sixty two", "on the second", "date of birth twelve twelve
//! eighty").

use super::{AMBIGUOUS_MONTHS, Ctx, DATE_LEAD, Kind, flag, prio};
use crate::Label;
use crate::lexicon::{DIGIT_WORDS, ORDINAL_WORDS};

/// Words before read-aloud digits that say what they are, nearest kinds first.
const KINDS: &[(Label, &[&str])] = &[
    (Label::Ssn, &["social", "ssn", "security"]),
    (Label::HealthPlanId, &["member", "insurance", "policy", "medicaid", "medicare", "subscriber"]),
    (Label::Account, &["account", "acct", "card"]),
    (Label::Mrn, &["mrn", "chart", "record"]),
    (Label::Phone, &["call", "phone", "cell", "reach", "text", "at", "callback", "number", "line", "me"]),
];

impl Ctx<'_> {
    /// `runs`: there are seven tokens or more that may be digits read aloud; `numerals`: a
    /// numeral may follow a date-of-birth cue.
    pub(super) fn spoken(&mut self, runs: bool, numerals: bool) {
        // Every form has a number in it: look around the numbers only.
        let mut i = 0;
        while i < self.t.len() {
            let tk = &self.t[i];
            let next = match tk.kind {
                Kind::Word if tk.has(flag::NUMBER_WORD) => {
                    self.age_word(i);
                    self.after_number_word(i, runs)
                }
                Kind::Num => {
                    // "DOB 3 11 1949": numerals spaced apart after a cue
                    let spaced = numerals && self.t.get(i + 1).is_some_and(|n| n.kind == Kind::Num && n.space_before);
                    let run = runs && tk.len() == 1;
                    let cue = if spaced { self.birth_cue_before(i) } else { None };
                    match cue.and_then(|cue| self.birth_date_in_words(cue)) {
                        Some(next) => Some(next),
                        None if run => self.digits_read_aloud(i),
                        None => None,
                    }
                }
                _ => None,
            };
            i = next.unwrap_or(i + 1);
        }
    }

    /// The forms that a number in words at token `i` may belong to; the token after the one
    /// found.
    fn after_number_word(&mut self, i: usize, runs: bool) -> Option<usize> {
        let before = |n: usize| i.checked_sub(n);
        let month = before(1)
            .filter(|&p| self.has(p, flag::MONTH))
            .or_else(|| before(2).filter(|&p| self.has(p, flag::MONTH) && self.is_w(p + 1, "the")));
        month
            .and_then(|m| self.month_in_words(m))
            .or_else(|| before(1).filter(|&p| self.is_w(p, "the")).and_then(|the| self.day_in_words(the)))
            .or_else(|| self.birth_cue_before(i).and_then(|cue| self.birth_date_in_words(cue)))
            .or_else(|| if runs { self.spoken_digit(i).and_then(|_| self.digits_read_aloud(i)) } else { None })
    }

    /// How many digits token `k` stands for: a digit in words, or a numeral of one digit.
    fn spoken_digit(&self, k: usize) -> Option<usize> {
        let t = self.t.get(k)?;
        match t.kind {
            Kind::Num if t.len() == 1 => Some(1),
            Kind::Word if t.has(flag::NUMBER_WORD) && t.len() <= 5 && self.word_in(k, DIGIT_WORDS) => Some(1),
            // "oh" only between digits: "five oh three"
            Kind::Word if k > 0 && self.is_w(k, "oh") && self.spoken_digit(k - 1).is_some() => Some(1),
            _ => None,
        }
    }

    /// Digits read one by one from token `i`, with commas or dashes between groups: seven or
    /// more make an identifier, whose kind the words before it say. Returns the token after.
    fn digits_read_aloud(&mut self, i: usize) -> Option<usize> {
        let (mut k, mut digits, mut words, mut last) = (i, 0, 0, i);
        while let Some(d) = self.spoken_digit(k) {
            digits += d;
            words += usize::from(self.t[k].kind == Kind::Word);
            last = k;
            k += 1;
            if (self.is_p(k, b',') || self.is_p(k, b'-')) && self.spoken_digit(k + 1).is_some() {
                k += 1;
            }
        }
        // Written digits spaced one by one ("4 4 7 1 9 0 2") count as read aloud too.
        let all_numerals = words == 0;
        if digits < 7 || all_numerals && self.t[i..=last].iter().any(|t| t.kind == Kind::Num && t.len() > 1) {
            return Some(last + 1);
        }
        // "W two seven four ...": a letter read before the digits
        let start = match i.checked_sub(1) {
            Some(p) if self.t[p].kind == Kind::Word && self.t[p].len() == 1 && self.t[p].cap && !self.is_w(p, "I") => p,
            _ => i,
        };
        let label = self.kind_before(start).unwrap_or(if matches!(digits, 7 | 10 | 11) {
            Label::Phone
        } else {
            Label::OtherId
        });
        self.emit_toks(start, last, label, 0.75, prio::CUED_ID);
        Some(last + 1)
    }

    /// The kind of identifier the words before token `i` name, within its sentence.
    fn kind_before(&self, i: usize) -> Option<Label> {
        let from = (i.saturating_sub(10)..i).rev().take_while(|&k| !self.t[k + 1].sentence_start).last()?;
        KINDS.iter().find(|(_, words)| (from..i).any(|k| self.word_in(k, words))).map(|(label, _)| *label)
    }

    /// A month, then a day in words and maybe a year in words: "june fourth nineteen sixty two",
    /// "March the twenty-first".
    fn month_in_words(&mut self, i: usize) -> Option<usize> {
        let mut k = i + 1;
        if self.is_w(k, "the") {
            k += 1;
        }
        let day = self.ordinal_in_words(k)?;
        let year = self.year_in_words(day + 1);
        // "you may first want to": a month that is also a verb needs a year or a lead word
        let lead = || i.checked_sub(1).is_some_and(|p| self.word_in(p, DATE_LEAD));
        if self.word_in(i, AMBIGUOUS_MONTHS) && !self.t[i].cap && year.is_none() && !lead() {
            return None;
        }
        let end = year.unwrap_or(day);
        self.emit_toks(i, end, Label::Date, 0.8, prio::NUMERIC);
        Some(end + 1)
    }

    /// After a word that leads to a date ("on", "from", "until"), "the" and a day in words not
    /// followed by what it counts: "on the second", "from the twenty third" (not "on the
    /// second floor").
    fn day_in_words(&mut self, the: usize) -> Option<usize> {
        let lead = the.checked_sub(1).filter(|&p| self.word_in(p, DATE_LEAD) || self.is_w(p, "to"))?;
        let day = self.ordinal_in_words(the + 1)?;
        let joins = ["but", "and", "or", "so", "then", "please", "because", "when", "if"];
        let counted = self.t.get(day + 1).is_some_and(|t| t.kind == Kind::Word && !t.has(flag::STOPWORD))
            && !self.word_in(day + 1, &joins);
        let of_month = self.is_w(day + 1, "of") && self.has(day + 2, flag::MONTH);
        if counted || of_month || lead + 1 != the {
            return None; // "the first of May" is found with its month
        }
        self.emit_toks(the + 1, day, Label::Date, 0.7, prio::NUMERIC);
        Some(day + 1)
    }

    /// The cue of a date of birth just before token `i`: "DOB", "DOB:", "born", "date of birth
    /// is".
    fn birth_cue_before(&self, i: usize) -> Option<usize> {
        let mut p = i.checked_sub(1)?;
        if self.is_p(p, b':') || self.is_w(p, "is") {
            p = p.checked_sub(1)?;
        }
        if self.word_in(p, &["dob", "born"]) {
            return Some(p);
        }
        let date = p.checked_sub(2).filter(|&d| self.is_w(p, "birth") && self.dob_at(d))?;
        Some(date)
    }

    /// After "DOB", "born" or "date of birth": a date read as numbers, in words or spaced
    /// numerals ("twelve twelve eighty", "3 11 1949").
    fn birth_date_in_words(&mut self, cue: usize) -> Option<usize> {
        let mut k = if self.is_w(cue, "date") { cue + 3 } else { cue + 1 };
        if self.is_p(k, b':') || self.is_w(k, "is") {
            k += 1;
        }
        let start = k;
        while let Some(t) = self.t.get(k) {
            let numeral = t.kind == Kind::Num && t.len() <= 4 && (k == start || t.space_before);
            let word = t.kind == Kind::Word && t.has(flag::NUMBER_WORD);
            if !(numeral || word) || k >= start + 8 {
                break;
            }
            k += 1;
        }
        let numerals = (start..k).all(|j| self.t[j].kind == Kind::Num);
        // "born nineteen sixty two" is a year alone, which is no date
        let year_alone = self.year_in_words(start) == Some(k.wrapping_sub(1));
        if k < start + 3 || numerals && k - start != 3 || year_alone {
            return None;
        }
        self.emit_toks(start, k - 1, Label::Date, 0.8, prio::NUMERIC);
        Some(k)
    }

    /// The last token of a day of the month in words at token `k`: "fourth", "twenty third",
    /// "twenty-third", "thirty first".
    fn ordinal_in_words(&self, k: usize) -> Option<usize> {
        if self.word_in(k, ORDINAL_WORDS) {
            return Some(k);
        }
        if !self.word_in(k, &["twenty", "thirty"]) {
            return None;
        }
        let d = if self.is_p(k + 1, b'-') { k + 2 } else { k + 1 };
        self.word_in(d, ORDINAL_WORDS).then_some(d)
    }

    /// The last token of a year read aloud from token `k`: "nineteen sixty two", "nineteen
    /// eighty", "two thousand twelve", "twenty twenty".
    fn year_in_words(&self, k: usize) -> Option<usize> {
        let century = self.word_in(k, &["nineteen", "twenty"]);
        let thousand = self.is_w(k, "two") && self.is_w(k + 1, "thousand");
        if !century && !thousand {
            return None;
        }
        let mut end = if thousand { k + 1 } else { k };
        let mut j = end + 1;
        if self.is_w(j, "and") {
            j += 1;
        }
        while j < k + 5 && self.t.get(j).is_some_and(|t| t.kind == Kind::Word && t.has(flag::NUMBER_WORD)) {
            end = j;
            j += 1;
        }
        (end > k).then_some(end)
    }
}
