//! The social bridge's rules: which channels it listens to, how a public comment is classified,
//! what the clinic's policy does with each class, and the clinic's standard messages.
//!
//! Nothing here decides whether text holds PHI (that is the scanner's job, in `app`), and no
//! rule here may ever produce a reply that repeats the sender's words: every reply is one of
//! the clinic's [`StandardMessages`], rendered from fixed settings only.

use crate::PhiText;

/// Where an inbound item came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocialChannel {
    /// A Messenger direct message to the clinic's Facebook page.
    Messenger,
    /// An Instagram direct message.
    Instagram,
    /// A comment on the Facebook page's posts.
    FacebookComment,
    /// A comment on the Instagram account's media.
    InstagramComment,
    /// A text message to the clinic's number.
    Sms,
}

impl SocialChannel {
    /// Every channel.
    pub const ALL: [SocialChannel; 5] = [
        SocialChannel::Messenger,
        SocialChannel::Instagram,
        SocialChannel::FacebookComment,
        SocialChannel::InstagramComment,
        SocialChannel::Sms,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            SocialChannel::Messenger => "messenger",
            SocialChannel::Instagram => "instagram",
            SocialChannel::FacebookComment => "facebook_comment",
            SocialChannel::InstagramComment => "instagram_comment",
            SocialChannel::Sms => "sms",
        }
    }

    /// The channel of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Public comments (moderated) rather than private messages (answered).
    pub fn is_comment(self) -> bool {
        matches!(self, SocialChannel::FacebookComment | SocialChannel::InstagramComment)
    }
}

/// What kind of inbound item it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InboundKind {
    /// Words.
    Text,
    /// Only attachments (photos, files, stickers): never downloaded.
    Attachment,
    /// A button press or "Get Started".
    Postback,
}

impl InboundKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            InboundKind::Text => "text",
            InboundKind::Attachment => "attachment",
            InboundKind::Postback => "postback",
        }
    }

    /// The kind of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [InboundKind::Text, InboundKind::Attachment, InboundKind::Postback].into_iter().find(|k| k.as_str() == s)
    }
}

/// One inbound item as the platform sent it: its id there, who sent it, what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundEvent {
    /// The channel.
    pub channel: SocialChannel,
    /// The platform's id of the item (a message's `mid`, a comment's id, an SMS's SID): what
    /// makes a redelivery the same item.
    pub external_id: String,
    /// The sender's page-scoped id (or phone number for SMS).
    pub sender: String,
    /// What it is.
    pub kind: InboundKind,
    /// Its words (empty for attachments).
    pub text: PhiText,
}

impl InboundEvent {
    /// The key that makes redeliveries of this item one item.
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.channel.as_str(), self.external_id)
    }

    /// The event in one string, for sealing: ids cannot hold the separator, the text comes last.
    pub fn encode(&self) -> String {
        format!("{}\u{1f}{}\u{1f}{}\u{1f}{}", self.external_id, self.sender, self.kind.as_str(), self.text.expose())
    }

    /// The event [`encode`](Self::encode) wrote.
    pub fn decode(channel: SocialChannel, s: &str) -> Option<Self> {
        let mut parts = s.splitn(4, '\u{1f}');
        let (id, sender, kind, text) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            channel,
            external_id: id.to_owned(),
            sender: sender.to_owned(),
            kind: InboundKind::parse(kind)?,
            text: PhiText::new(text),
        })
    }
}

/// Whether a platform id looks like one (and so cannot break [`InboundEvent::encode`]).
pub fn plausible_id(id: &str) -> bool {
    (1..=256).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'+' | b'=' | b'/'))
}

/// What a comment reveals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Protected health information (a condition, a medication, an identifier).
    Phi,
    /// That the writer (or someone they name) is a patient: praise or complaint about care.
    Relationship,
    /// Nothing of the kind.
    Neutral,
}

impl Category {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Phi => "phi",
            Category::Relationship => "relationship",
            Category::Neutral => "neutral",
        }
    }
}

/// What Portico did with an inbound item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Answered with the standard redirect.
    Replied,
    /// Answered with the gentle variant (the item held PHI).
    RepliedPhi,
    /// Not answered: the sender already had an automatic reply in the last 24 hours.
    NoReplyWindow,
    /// Not answered: the number answered STOP.
    NoReplyOptedOut,
    /// A comment hidden, with the standard public reply.
    Hidden,
    /// A comment left visible and queued for staff to decide.
    Queued,
    /// A comment left alone.
    Left,
    /// Nothing to answer (a reaction, an unreadable or stale event).
    Ignored,
}

impl Decision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Replied => "replied",
            Decision::RepliedPhi => "replied_phi",
            Decision::NoReplyWindow => "no_reply_window",
            Decision::NoReplyOptedOut => "no_reply_opted_out",
            Decision::Hidden => "hidden",
            Decision::Queued => "queued",
            Decision::Left => "left",
            Decision::Ignored => "ignored",
        }
    }

    /// The decision of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Decision::Replied,
            Decision::RepliedPhi,
            Decision::NoReplyWindow,
            Decision::NoReplyOptedOut,
            Decision::Hidden,
            Decision::Queued,
            Decision::Left,
            Decision::Ignored,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// Which standard message a reply carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// [`StandardMessages::redirect`].
    Redirect,
    /// [`StandardMessages::phi_redirect`].
    PhiRedirect,
    /// [`StandardMessages::public_reply`].
    PublicReply,
}

impl Template {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Redirect => "redirect",
            Template::PhiRedirect => "phi_redirect",
            Template::PublicReply => "public_reply",
        }
    }

    /// The template of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Template::Redirect, Template::PhiRedirect, Template::PublicReply].into_iter().find(|t| t.as_str() == s)
    }

    /// This template's text among the clinic's messages.
    pub fn pick(self, m: &StandardMessages) -> &str {
        match self {
            Template::Redirect => &m.redirect,
            Template::PhiRedirect => &m.phi_redirect,
            Template::PublicReply => &m.public_reply,
        }
    }
}

/// A call to the platform that Portico owes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// A private reply (Send API, or the SMS reply).
    SendMessage,
    /// Hide a comment.
    HideComment,
    /// Show a hidden comment again.
    UnhideComment,
    /// The standard public reply under a comment.
    ReplyComment,
}

impl ActionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::SendMessage => "send_message",
            ActionKind::HideComment => "hide_comment",
            ActionKind::UnhideComment => "unhide_comment",
            ActionKind::ReplyComment => "reply_comment",
        }
    }

    /// The kind of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [ActionKind::SendMessage, ActionKind::HideComment, ActionKind::UnhideComment, ActionKind::ReplyComment]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What the clinic wants done with a class of comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Hide it at once and post the standard public reply.
    Hide,
    /// Leave it visible and queue it for staff to decide.
    Review,
    /// Leave it alone.
    Leave,
}

impl Policy {
    /// `hide`, `review` or `leave`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hide" => Some(Policy::Hide),
            "review" => Some(Policy::Review),
            "leave" => Some(Policy::Leave),
            _ => None,
        }
    }

    /// The word [`parse`](Self::parse) reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Hide => "hide",
            Policy::Review => "review",
            Policy::Leave => "leave",
        }
    }
}

/// Words that speak of oneself or one's family.
const FIRST_PERSON: &[&str] = &[
    "i", "i'm", "im", "i've", "ive", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "we've", "our",
    "ours", "us", "yo", "mi", "mis", "me", "nosotros", "nuestro", "nuestra",
];

/// Words of care received: visits, clinicians, results, bills.
const CARE: &[&str] = &[
    "visit",
    "visits",
    "visited",
    "appointment",
    "appointments",
    "appt",
    "appts",
    "treated",
    "treat",
    "treatment",
    "treatments",
    "surgery",
    "surgeon",
    "operation",
    "procedure",
    "doctor",
    "doctors",
    "dr",
    "doc",
    "nurse",
    "nurses",
    "physician",
    "provider",
    "results",
    "result",
    "lab",
    "labs",
    "test",
    "tests",
    "tested",
    "diagnosis",
    "diagnosed",
    "prescription",
    "prescribed",
    "refill",
    "meds",
    "medication",
    "medications",
    "checkup",
    "exam",
    "physical",
    "care",
    "cared",
    "waited",
    "receptionist",
    "staff",
    "saw",
    "seen",
    "helped",
    "saved",
    "delivered",
    "referred",
    "referral",
    "discharged",
    "admitted",
    "er",
    "xray",
    "x-ray",
    "mri",
    "scan",
    "ultrasound",
    "shot",
    "shots",
    "vaccine",
    "vaccinated",
    "therapy",
    "therapist",
    "dentist",
    "billed",
    "bill",
    "charged",
    "overcharged",
    "copay",
    "injection",
    "stitches",
    "mammogram",
    "colonoscopy",
    "bloodwork",
    "pediatrician",
    "midwife",
    "cita",
    "consulta",
    "doctora",
    "dra",
    "enfermera",
    "enfermero",
    "resultados",
    "visita",
    "tratamiento",
    "receta",
    "atendieron",
    "atendió",
];

/// Words that judge care.
const JUDGE: &[&str] = &[
    "best",
    "worst",
    "great",
    "amazing",
    "awesome",
    "excellent",
    "wonderful",
    "fantastic",
    "terrible",
    "horrible",
    "awful",
    "rude",
    "kind",
    "caring",
    "professional",
    "unprofessional",
    "incompetent",
    "thank",
    "thanks",
    "grateful",
    "love",
    "loved",
    "recommend",
    "recommended",
    "hate",
    "disappointed",
    "disappointing",
    "lost",
    "ignored",
    "nice",
    "friendly",
    "helpful",
    "attentive",
    "compassionate",
    "careless",
    "negligent",
    "saved",
    "mejor",
    "peor",
    "gracias",
    "excelente",
    "terrible",
    "amable",
    "grosero",
    "grosera",
];

/// Where care happens or who gives it: judged without a named person, "worst visit ever".
const EXPERIENCE: &[&str] = &[
    "visit",
    "experience",
    "service",
    "care",
    "staff",
    "appointment",
    "doctor",
    "doctors",
    "nurse",
    "nurses",
    "clinic",
    "office",
    "receptionist",
    "bedside",
    "atención",
    "servicio",
];

/// Titles before a clinician's name.
const TITLES: &[&str] = &["dr", "doctor", "doc", "nurse", "dra", "doctora", "np", "pa"];

/// Whether a public comment reveals that its writer (or someone they speak of) is a patient:
/// care spoken of in the first person ("they lost my lab results"), a named clinician praised
/// or blamed ("Dr. Smith is the best"), or care judged ("worst visit ever"). Questions that
/// mention no care received ("what are your hours?") and general good wishes do not.
pub fn reveals_relationship(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |set: &[&str], w: &str| set.contains(&w.replace('’', "'").as_str());
    let first_person = words.iter().any(|w| has(FIRST_PERSON, w));
    let care = words.iter().any(|w| has(CARE, w));
    let judged = words.iter().any(|w| has(JUDGE, w));
    if first_person && care {
        return true;
    }
    // A title followed by a name-like word: "Dr. Smith", "nurse Jane".
    let named_clinician =
        words.windows(2).any(|p| has(TITLES, p[0]) && !has(JUDGE, p[1]) && !has(FIRST_PERSON, p[1]) && p[1].len() > 1);
    if named_clinician && (judged || care) {
        return true;
    }
    // Thanks alone is a courtesy ("thank you nurses for all you do"), not a judgement of care.
    let appraised = words.iter().any(|w| has(JUDGE, w) && !has(COURTESY, w));
    appraised && words.iter().any(|w| has(EXPERIENCE, w))
}

/// Words of thanks, which judge no care by themselves.
const COURTESY: &[&str] = &["thank", "thanks", "grateful", "gracias"];

/// The clinic's standard messages: the only texts Portico ever sends to an insecure channel.
/// Each is fixed by configuration; none can include anything the sender wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardMessages {
    /// The private reply to a message without PHI: the secure portal and how else to reach us.
    pub redirect: String,
    /// The private reply to a message that held PHI: a gentle request not to share health
    /// details here, and the same ways to reach us.
    pub phi_redirect: String,
    /// The public reply under a hidden comment: thanks, please contact the office directly.
    /// It never confirms that anyone is a patient.
    pub public_reply: String,
}

/// The facts a standard message may name; all of them are the clinic's, none a patient's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClinicContact {
    /// The clinic's display name.
    pub clinic: String,
    /// The secure portal's address.
    pub portal_url: String,
    /// Where to request an appointment.
    pub appointment_url: String,
    /// The office phone number (may be empty).
    pub phone: String,
    /// Opening hours in words (may be empty).
    pub hours: String,
}

/// The placeholders a standard message may use.
pub const PLACEHOLDERS: [&str; 5] = ["{clinic}", "{portal}", "{appointments}", "{phone}", "{hours}"];

/// Why a standard message was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{...}` that is not one of [`PLACEHOLDERS`].
    #[error("unknown placeholder {0}; use {{clinic}}, {{portal}}, {{appointments}}, {{phone}} or {{hours}}")]
    UnknownPlaceholder(String),
    /// Empty or too long for a message.
    #[error("must be between 1 and 640 characters")]
    Length,
}

/// Checks a standard message's shape: known placeholders only, at most 640 characters (the
/// longest text a Messenger message or four SMS segments carry comfortably).
pub fn check_template(t: &str) -> Result<(), TemplateError> {
    if t.trim().is_empty() || t.chars().count() > 640 {
        return Err(TemplateError::Length);
    }
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        let tail = &rest[open..];
        let close = tail.find('}').map_or(tail.len(), |c| c + 1);
        let ph = &tail[..close];
        if !PLACEHOLDERS.contains(&ph) {
            return Err(TemplateError::UnknownPlaceholder(ph.chars().take(32).collect()));
        }
        rest = &tail[close..];
    }
    Ok(())
}

/// The template with its placeholders removed: what the PHI scanner checks when a message is
/// saved (the clinic's own phone number and address are not patient data).
pub fn template_words(t: &str) -> String {
    PLACEHOLDERS.iter().fold(t.to_owned(), |s, p| s.replace(p, " "))
}

/// Fills a standard message's placeholders from the clinic's contact facts.
pub fn render_template(t: &str, c: &ClinicContact) -> String {
    t.replace("{clinic}", &c.clinic)
        .replace("{portal}", &c.portal_url)
        .replace("{appointments}", &c.appointment_url)
        .replace("{phone}", &c.phone)
        .replace("{hours}", &c.hours)
}

impl StandardMessages {
    /// The default messages (English), naming the phone and hours only when the clinic gave them.
    pub fn defaults(has_phone: bool, has_hours: bool) -> Self {
        let mut reach = String::new();
        if has_phone {
            reach.push_str(" You can also call us at {phone}.");
        }
        if has_hours {
            reach.push_str(" Our hours: {hours}.");
        }
        StandardMessages {
            redirect: format!(
                "Thank you for contacting {{clinic}}. We can't discuss health matters here. Please send us a secure message in our patient portal: {{portal}} To request an appointment: {{appointments}}{reach} For emergencies, call 911."
            ),
            phi_redirect: format!(
                "Thank you for contacting {{clinic}}. To protect your privacy, please don't share health or personal details in this chat. Please write to us in our secure patient portal instead: {{portal}}{reach} For emergencies, call 911."
            ),
            public_reply: format!(
                "Thank you for your comment. To protect everyone's privacy we don't discuss personal matters here. Please contact our office directly{}.",
                if has_phone { " at {phone}" } else { " through {portal}" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_about_care_received_reveal_a_patient_relationship() {
        for text in [
            "Dr. Smith treated my son last week, best doctor ever",
            "worst visit ever, they lost my lab results",
            "Thank you nurse Jenna for taking such good care of my mom!",
            "Dr Patel is amazing",
            "I waited two hours for my appointment",
            "The staff were so rude to me",
            "Terrible service at the front desk",
            "I love this clinic, they helped me so much",
            "Gracias a la doctora por atenderme, excelente atención",
            "My results still aren't in and nobody calls back",
        ] {
            assert!(reveals_relationship(text), "{text}");
        }
    }

    #[test]
    fn questions_and_wishes_that_mention_no_care_received_are_neutral() {
        for text in [
            "What are your hours on Saturday?",
            "Is there parking near the building?",
            "Happy holidays everyone!",
            "Great post, thanks for sharing",
            "Do you accept new patients?",
            "Congrats on the new building",
            "Where is the office located?",
            "Thank you nurses for all you do",
            "Can't wait for the health fair",
        ] {
            assert!(!reveals_relationship(text), "{text}");
        }
    }

    #[test]
    fn templates_accept_only_known_placeholders_and_render_only_clinic_facts() {
        let d = StandardMessages::defaults(true, true);
        for t in [&d.redirect, &d.phi_redirect, &d.public_reply] {
            check_template(t).unwrap();
        }
        assert_eq!(check_template("Hi {name}"), Err(TemplateError::UnknownPlaceholder("{name}".into())));
        assert_eq!(check_template("Hi {clinic"), Err(TemplateError::UnknownPlaceholder("{clinic".into())));
        assert_eq!(check_template("  "), Err(TemplateError::Length));
        let c = ClinicContact {
            clinic: "Elm Clinic".into(),
            portal_url: "https://p.example/portal".into(),
            appointment_url: "https://p.example/appointments/request".into(),
            phone: "+1 503 555 0100".into(),
            hours: "Mon-Fri 8-5".into(),
        };
        let r = render_template(&d.redirect, &c);
        assert!(r.contains("Elm Clinic") && r.contains("https://p.example/portal") && r.contains("911"));
        assert!(!r.contains('{'));
        assert!(!template_words(&d.public_reply).contains("{phone}"));
    }

    #[test]
    fn events_survive_their_sealed_encoding_and_ids_are_checked() {
        let e = InboundEvent {
            channel: SocialChannel::Messenger,
            external_id: "m_abc-1".into(),
            sender: "24023232".into(),
            kind: InboundKind::Text,
            text: PhiText::new("a\u{1f}b\nc"),
        };
        assert_eq!(InboundEvent::decode(SocialChannel::Messenger, &e.encode()), Some(e));
        assert!(plausible_id("m_1457764197618:41d102a3e1ae206a38"));
        assert!(!plausible_id("a\u{1f}b") && !plausible_id(""));
    }
}
