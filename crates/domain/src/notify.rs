//! Notification texts, PHI-free by construction.
//!
//! A notification only invites its recipient to sign in. The fixed set of templates below, in
//! English and Spanish, can reference three things and nothing else: the clinic's display name
//! (configurable, may be generic), the portal's address, and the section of the portal to open
//! (a path with no identifier and no token in it: it still requires signing in). Events carry
//! the patient and the message so that the rest of Portico can decide *whether* to notify and
//! *whom*; [`Notice::of`] keeps only the kind of event, so no patient field can reach a text.

use std::fmt::Write as _;

/// Why someone is notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A new message in one of the patient's threads.
    NewMessage,
    /// A test result was shared and is now released.
    ResultReleased,
    /// A message sent to the patient was withdrawn by the clinic.
    MessageRecalled,
    /// An invitation to create a portal account.
    EnrollmentInvite,
    /// A sign-in to the account from a new device.
    NewSignIn,
    /// Staff: new threads are waiting in their teams' queues.
    StaffQueue,
    /// Privacy officers: an emergency (break-glass) access was granted and waits for review.
    BreakGlassReview,
}

impl Kind {
    /// Every kind, for tests and documentation.
    pub const ALL: [Kind; 7] = [
        Kind::NewMessage,
        Kind::ResultReleased,
        Kind::MessageRecalled,
        Kind::EnrollmentInvite,
        Kind::NewSignIn,
        Kind::StaffQueue,
        Kind::BreakGlassReview,
    ];

    /// The portal section the link opens: a fixed path, never an identifier.
    pub fn section(self) -> &'static str {
        match self {
            Kind::NewMessage | Kind::MessageRecalled => "/portal/messages",
            Kind::ResultReleased => "/portal/results",
            Kind::EnrollmentInvite => "/portal/enroll",
            Kind::NewSignIn => "/portal/security",
            Kind::StaffQueue => "/staff",
            Kind::BreakGlassReview => "/staff/privacy",
        }
    }
}

/// The language of a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// English (the default).
    #[default]
    En,
    /// Spanish.
    Es,
}

impl Locale {
    /// Every locale.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Es];

    /// From a language tag ("es", "es-MX"); anything else is English.
    pub fn from_tag(tag: &str) -> Locale {
        if tag.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("es")) { Locale::Es } else { Locale::En }
    }
}

/// How a notification travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail: subject, plain text and HTML.
    Email,
    /// SMS: one short text.
    Sms,
}

/// What happened, with everything the rest of Portico knows about it. Only `kind` may reach a
/// notification's text: see [`Notice::of`].
#[derive(Clone, Debug)]
pub struct Event<'a> {
    /// The kind of event.
    pub kind: Kind,
    /// The patient concerned, when there is one (used to find the recipient, never rendered).
    pub patient_name: Option<&'a str>,
    /// The thread's subject, when there is one (never rendered).
    pub subject: Option<&'a str>,
    /// The message, when there is one (never rendered).
    pub body: Option<&'a str>,
}

/// A notification to render: the event's kind, and nothing else about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notice {
    kind: Kind,
}

impl Notice {
    /// The notice for an event. Everything but the kind is dropped here, by construction.
    pub fn of(event: &Event<'_>) -> Notice {
        Notice { kind: event.kind }
    }

    /// The kind of notice.
    pub fn kind(self) -> Kind {
        self.kind
    }
}

/// The clinic's side of every text: its display name and its portal's public address.
#[derive(Clone, Debug)]
pub struct Sender<'a> {
    /// The name shown to patients ("Example Family Clinic", or something generic).
    pub clinic_name: &'a str,
    /// The portal's public base address, without a trailing slash.
    pub public_url: &'a str,
}

/// A rendered notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// E-mail subject (empty for SMS).
    pub subject: String,
    /// The plain text (the SMS body, or the e-mail's text part).
    pub text: String,
    /// The e-mail's HTML part (empty for SMS).
    pub html: String,
}

struct Words {
    subject: &'static str,
    line: &'static str,
    action: &'static str,
}

fn words(kind: Kind, locale: Locale) -> Words {
    use Kind::*;
    use Locale::*;
    let (subject, line, action) = match (kind, locale) {
        (NewMessage, En) => {
            ("New secure message", "You have a new secure message from your care team.", "Sign in to read it")
        }
        (NewMessage, Es) => (
            "Nuevo mensaje seguro",
            "Tiene un nuevo mensaje seguro de su equipo de atención.",
            "Inicie sesión para leerlo",
        ),
        (ResultReleased, En) => {
            ("New result available", "A new result is available in your patient portal.", "Sign in to see it")
        }
        (ResultReleased, Es) => (
            "Nuevo resultado disponible",
            "Hay un nuevo resultado disponible en su portal del paciente.",
            "Inicie sesión para verlo",
        ),
        (MessageRecalled, En) => (
            "A message was withdrawn",
            "Your care team withdrew a message sent to you.",
            "Sign in to see your messages",
        ),
        (MessageRecalled, Es) => (
            "Se retiró un mensaje",
            "Su equipo de atención retiró un mensaje que le había enviado.",
            "Inicie sesión para ver sus mensajes",
        ),
        (EnrollmentInvite, En) => (
            "Your patient portal invitation",
            "You are invited to create your secure patient portal account. Use the invitation code your care team gave you.",
            "Create your account",
        ),
        (EnrollmentInvite, Es) => (
            "Su invitación al portal del paciente",
            "Le invitamos a crear su cuenta segura en el portal del paciente. Use el código de invitación que le dio su equipo de atención.",
            "Cree su cuenta",
        ),
        (NewSignIn, En) => (
            "New sign-in to your account",
            "Your patient portal account was just used to sign in from a new device. If this was not you, change your password now.",
            "Review your account security",
        ),
        (NewSignIn, Es) => (
            "Nuevo inicio de sesión en su cuenta",
            "Se acaba de iniciar sesión en su cuenta del portal desde un dispositivo nuevo. Si no fue usted, cambie su contraseña ahora.",
            "Revise la seguridad de su cuenta",
        ),
        (StaffQueue, En) => ("New threads waiting", "New threads are waiting in your team's queue.", "Open the inbox"),
        (StaffQueue, Es) => {
            ("Nuevas conversaciones", "Hay conversaciones nuevas en la cola de su equipo.", "Abra la bandeja")
        }
        (BreakGlassReview, En) => (
            "Emergency access to review",
            "A staff member used emergency access to a patient's record. It waits for your review.",
            "Open the privacy reviews",
        ),
        (BreakGlassReview, Es) => (
            "Acceso de emergencia por revisar",
            "Un miembro del personal usó el acceso de emergencia al expediente de un paciente. Queda pendiente de su revisión.",
            "Abra las revisiones de privacidad",
        ),
    };
    Words { subject, line, action }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders `notice` for `channel` in `locale`.
pub fn render(notice: Notice, locale: Locale, channel: Channel, sender: &Sender<'_>) -> Rendered {
    let w = words(notice.kind, locale);
    let link = format!("{}{}", sender.public_url.trim_end_matches('/'), notice.kind.section());
    let clinic = sender.clinic_name;
    match channel {
        Channel::Sms => Rendered {
            subject: String::new(),
            text: format!("{clinic}: {} {}: {link}", w.line, w.action),
            html: String::new(),
        },
        Channel::Email => {
            let text = format!("{}\n\n{}: {link}\n\n{clinic}\n", w.line, w.action);
            let mut html = String::new();
            let _ = write!(
                html,
                "<!doctype html><html lang=\"{}\"><body><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p></body></html>",
                if locale == Locale::Es { "es" } else { "en" },
                escape_html(w.line),
                escape_html(&link),
                escape_html(w.action),
                escape_html(clinic),
            );
            Rendered { subject: format!("{clinic}: {}", w.subject), text, html }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARIES: [&str; 3] = ["Zebulon Quattlebaum", "Biopsy of the left kidney", "your HIV test was positive"];

    fn every_rendering() -> Vec<(Kind, Locale, Channel, Rendered)> {
        let sender = Sender { clinic_name: "Example Family Clinic", public_url: "https://portal.example-clinic.test/" };
        let mut out = Vec::new();
        for kind in Kind::ALL {
            let event =
                Event { kind, patient_name: Some(CANARIES[0]), subject: Some(CANARIES[1]), body: Some(CANARIES[2]) };
            for locale in Locale::ALL {
                for channel in [Channel::Email, Channel::Sms] {
                    out.push((kind, locale, channel, render(Notice::of(&event), locale, channel, &sender)));
                }
            }
        }
        out
    }

    #[test]
    fn no_patient_field_reaches_any_template_in_any_locale() {
        let all = every_rendering();
        assert_eq!(all.len(), Kind::ALL.len() * Locale::ALL.len() * 2);
        for (kind, locale, channel, r) in all {
            for part in [&r.subject, &r.text, &r.html] {
                for canary in CANARIES {
                    assert!(!part.contains(canary), "{kind:?} {locale:?} {channel:?} leaks {canary:?}");
                }
            }
        }
    }

    #[test]
    fn every_text_holds_the_link_to_its_section_and_no_identifier() {
        for (kind, _, channel, r) in every_rendering() {
            let link = format!("https://portal.example-clinic.test{}", kind.section());
            assert!(r.text.contains(&link), "{kind:?} {channel:?}: {}", r.text);
            assert!(!kind.section().contains(|c: char| c.is_ascii_digit() || c == '?' || c == '='));
            if channel == Channel::Email {
                assert!(
                    r.html.contains(&format!("href=\"{link}\"")) && r.subject.starts_with("Example Family Clinic: ")
                );
            } else {
                assert!(r.subject.is_empty() && r.html.is_empty());
                assert!(r.text.chars().count() <= 320, "an SMS stays within two segments: {}", r.text);
            }
        }
    }

    #[test]
    fn the_clinic_name_is_escaped_in_html() {
        let sender = Sender { clinic_name: "A&B <Clinic>", public_url: "https://x.test" };
        let event = Event { kind: Kind::NewMessage, patient_name: None, subject: None, body: None };
        let r = render(Notice::of(&event), Locale::En, Channel::Email, &sender);
        assert!(r.html.contains("A&amp;B &lt;Clinic&gt;") && !r.html.contains("<Clinic>"));
    }

    #[test]
    fn spanish_for_spanish_tags_english_otherwise() {
        assert_eq!(Locale::from_tag("es-MX"), Locale::Es);
        assert_eq!(Locale::from_tag("ES"), Locale::Es);
        assert_eq!(Locale::from_tag("en"), Locale::En);
        assert_eq!(Locale::from_tag("vi"), Locale::En);
    }
}

#[cfg(test)]
mod scanned {
    use super::*;

    /// The PHI scanner finds nothing in any template but the portal link (a URL of the clinic)
    /// and the clinic's name; with a generic clinic name, nothing but the link.
    #[test]
    fn the_phi_scanner_finds_only_the_portal_link() {
        let sender = Sender { clinic_name: "Your clinic", public_url: "https://portal.example-clinic.test" };
        for kind in Kind::ALL {
            let event = Event { kind, patient_name: None, subject: None, body: None };
            for locale in Locale::ALL {
                for channel in [Channel::Email, Channel::Sms] {
                    let r = render(Notice::of(&event), locale, channel, &sender);
                    for part in [&r.subject, &r.text] {
                        for span in portico_phi::scan(part) {
                            assert_eq!(
                                span.label,
                                portico_phi::Label::Url,
                                "{kind:?} {locale:?} {channel:?}: {:?} in {part:?}",
                                &part[span.start..span.end]
                            );
                        }
                    }
                }
            }
        }
    }
}

/// `hour`:00 in `time_zone` on the local day of `t`, and on the days before and after:
/// `(yesterday, today, tomorrow)`; `None` for an unknown time zone.
fn daily_around(
    time_zone: &str,
    hour: i8,
    t: crate::Timestamp,
) -> Option<(crate::Timestamp, crate::Timestamp, crate::Timestamp)> {
    let tz = jiff::tz::TimeZone::get(time_zone).ok()?;
    let day = jiff::Timestamp::from_millisecond(t.unix_millis()).ok()?.to_zoned(tz.clone()).date();
    let at = |date: jiff::civil::Date| -> Option<crate::Timestamp> {
        let z = date.at(hour, 0, 0, 0).to_zoned(tz.clone()).ok()?;
        Some(crate::Timestamp::from_unix_millis(z.timestamp().as_millisecond()))
    };
    Some((at(day.yesterday().ok()?)?, at(day)?, at(day.tomorrow().ok()?)?))
}

/// The latest `hour`:00 in `time_zone` at or before `now` (a daily job's last due time);
/// `None` for an unknown time zone.
pub fn latest_daily(time_zone: &str, hour: i8, now: crate::Timestamp) -> Option<crate::Timestamp> {
    let (yesterday, today, _) = daily_around(time_zone, hour, now)?;
    Some(if today <= now { today } else { yesterday })
}

/// A patient's notification preferences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preferences {
    /// Notify by e-mail.
    pub email: bool,
    /// Notify by SMS.
    pub sms: bool,
    /// Hours when texts wait (minutes after local midnight, start and end; may wrap midnight).
    pub quiet_hours: Option<(u16, u16)>,
    /// IANA time zone of the quiet hours ("America/Chicago").
    pub time_zone: String,
    /// One notice a day, at [`Preferences::DIGEST_HOUR`], for the day's new messages and results.
    pub digest: bool,
}

impl Preferences {
    /// The defaults: both channels, texts held from 21:00 to 08:00 in `time_zone`.
    pub fn default_in(time_zone: &str) -> Preferences {
        Preferences {
            email: true,
            sms: true,
            quiet_hours: Some((21 * 60, 8 * 60)),
            time_zone: time_zone.to_owned(),
            digest: false,
        }
    }

    /// Validates preferences from their text form: `channels` among `email`, `sms` (none: no
    /// notifications), quiet hours as `HH:MM` (both or neither), an IANA time zone.
    pub fn parse(
        channels: &[String],
        quiet_start: Option<&str>,
        quiet_end: Option<&str>,
        time_zone: &str,
    ) -> Result<Preferences, crate::patient::FieldError> {
        use crate::patient::FieldError;
        let mut p = Preferences {
            email: false,
            sms: false,
            quiet_hours: None,
            time_zone: time_zone.trim().to_owned(),
            digest: false,
        };
        for c in channels {
            match c.as_str() {
                "email" => p.email = true,
                "sms" => p.sms = true,
                _ => return Err(FieldError { field: "channels", reason: "must hold only \"email\" and \"sms\"" }),
            }
        }
        let hhmm = |field: &'static str, s: &str| -> Result<u16, FieldError> {
            let bad = FieldError { field, reason: "must be a time, HH:MM" };
            let (h, m) = s.trim().split_once(':').ok_or(bad.clone())?;
            let (h, m): (u16, u16) = (h.parse().map_err(|_| bad.clone())?, m.parse().map_err(|_| bad.clone())?);
            if h > 23 || m > 59 || s.trim().len() != 5 {
                return Err(bad);
            }
            Ok(h * 60 + m)
        };
        p.quiet_hours = match (quiet_start, quiet_end) {
            (Some(a), Some(b)) => Some((hhmm("quiet_start", a)?, hhmm("quiet_end", b)?)),
            (None, None) => None,
            _ => return Err(FieldError { field: "quiet_end", reason: "quiet hours need both a start and an end" }),
        };
        if jiff::tz::TimeZone::get(&p.time_zone).is_err() {
            return Err(FieldError { field: "time_zone", reason: "must be an IANA time zone, like America/Chicago" });
        }
        Ok(p)
    }

    /// `HH:MM` of minutes after midnight.
    pub fn hhmm(minutes: u16) -> String {
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// The local hour of the daily digest.
    pub const DIGEST_HOUR: i8 = 17;

    /// The digest a notice due at `due` belongs to: the one sent at the first
    /// [`Preferences::DIGEST_HOUR`] at or after `due`, gathering what fell due since the one
    /// before. `(previous digest, this digest)`; `None` for an unknown time zone.
    pub fn digest_window(&self, due: crate::Timestamp) -> Option<(crate::Timestamp, crate::Timestamp)> {
        let (yesterday, today, tomorrow) = daily_around(&self.time_zone, Self::DIGEST_HOUR, due)?;
        Some(if today >= due { (yesterday, today) } else { (today, tomorrow) })
    }

    /// When a text due at `now` may go: `None` now, or the end of the quiet hours.
    pub fn sms_held_until(&self, now: crate::Timestamp) -> Option<crate::Timestamp> {
        let (start, end) = self.quiet_hours?;
        if start == end {
            return None;
        }
        let tz = jiff::tz::TimeZone::get(&self.time_zone).ok()?;
        let local = jiff::Timestamp::from_millisecond(now.unix_millis()).ok()?.to_zoned(tz);
        let minute = (local.hour() as u16) * 60 + local.minute() as u16;
        let quiet = if start < end { start <= minute && minute < end } else { minute >= start || minute < end };
        if !quiet {
            return None;
        }
        let day = if start > end && minute >= start { local.date().tomorrow().ok()? } else { local.date() };
        let at = day.at((end / 60) as i8, (end % 60) as i8, 0, 0).to_zoned(local.time_zone().clone()).ok()?;
        Some(crate::Timestamp::from_unix_millis(at.timestamp().as_millisecond()))
    }
}

#[cfg(test)]
mod preferences {
    use super::*;
    use crate::Timestamp;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::from_unix_millis(rfc3339.parse::<jiff::Timestamp>().unwrap().as_millisecond())
    }

    #[test]
    fn texts_wait_for_the_end_of_quiet_hours_in_the_patients_time_zone() {
        let p = Preferences::default_in("America/Chicago");
        // 02:00 UTC on 24 November is 20:00 in Chicago (CST, UTC-6): not quiet yet.
        assert_eq!(p.sms_held_until(at("2026-11-24T02:00:00Z")), None);
        // 04:00 UTC is 22:00 in Chicago: held until 08:00 Chicago time, 14:00 UTC.
        assert_eq!(p.sms_held_until(at("2026-11-24T04:00:00Z")), Some(at("2026-11-24T14:00:00Z")));
        // 10:00 UTC is 04:00 in Chicago: held until 08:00 the same day.
        assert_eq!(p.sms_held_until(at("2026-11-24T10:00:00Z")), Some(at("2026-11-24T14:00:00Z")));
        // Summer time: 08:00 in Chicago is 13:00 UTC.
        assert_eq!(p.sms_held_until(at("2026-07-01T10:00:00Z")), Some(at("2026-07-01T13:00:00Z")));
        let day = Preferences { quiet_hours: Some((12 * 60, 13 * 60)), ..p.clone() };
        // The digest of 17:00 in the patient's zone gathers what fell due since 17:00 the day
        // before; a notice due at 17:00 exactly is in that day's digest.
        let chicago = Preferences { digest: true, ..Preferences::default_in("America/Chicago") };
        let window = |t: &str| chicago.digest_window(at(t)).unwrap();
        assert_eq!(window("2026-11-24T15:00:00Z"), (at("2026-11-23T23:00:00Z"), at("2026-11-24T23:00:00Z")));
        assert_eq!(window("2026-11-24T23:00:00Z"), (at("2026-11-23T23:00:00Z"), at("2026-11-24T23:00:00Z")));
        assert_eq!(window("2026-11-24T23:00:01Z"), (at("2026-11-24T23:00:00Z"), at("2026-11-25T23:00:00Z")));
        assert_eq!(day.sms_held_until(at("2026-11-24T18:30:00Z")), Some(at("2026-11-24T19:00:00Z")));
        assert_eq!(Preferences { quiet_hours: None, ..p }.sms_held_until(at("2026-11-24T04:00:00Z")), None);
    }

    #[test]
    fn bad_preferences_name_their_field() {
        let ch = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let err = |r: Result<Preferences, crate::patient::FieldError>| r.unwrap_err().field;
        assert_eq!(err(Preferences::parse(&ch(&["fax"]), None, None, "UTC")), "channels");
        assert_eq!(err(Preferences::parse(&ch(&["sms"]), Some("25:00"), Some("08:00"), "UTC")), "quiet_start");
        assert_eq!(err(Preferences::parse(&ch(&["sms"]), Some("21:00"), None, "UTC")), "quiet_end");
        assert_eq!(err(Preferences::parse(&ch(&["sms"]), None, None, "Mars/Olympus")), "time_zone");
        let ok = Preferences::parse(&ch(&[]), Some("22:30"), Some("07:15"), "Europe/Madrid").unwrap();
        assert_eq!((ok.email, ok.sms, ok.quiet_hours), (false, false, Some((22 * 60 + 30, 7 * 60 + 15))));
    }
}
