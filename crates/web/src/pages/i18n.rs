//! The patient pages in English and Spanish. The language comes from the `portico_lang` cookie
//! (set by the switch at the foot of every patient page) or else from `Accept-Language`; staff
//! pages are in English. A middleware puts it in a task-local for the duration of a request,
//! so every page and message reads it the same way.

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

/// The languages of the patient pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    /// English (the default).
    En,
    /// Spanish.
    Es,
}

/// The cookie that keeps a visitor's choice (a year; not a secret).
pub(crate) const LANG_COOKIE: &str = "portico_lang";

tokio::task_local! {
    static CURRENT: Lang;
}

impl Lang {
    /// `en` or `es`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The cookie's choice, else the best of `Accept-Language` we speak, else English.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        if let Some(l) = crate::extract::cookie_value(headers, LANG_COOKIE).and_then(Lang::parse) {
            return l;
        }
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut fields = part.split(';');
            let Some(lang) = fields.next().and_then(Lang::parse) else { continue };
            let q = fields.find_map(|f| f.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The language of the request being answered (English outside one).
    pub(crate) fn current() -> Lang {
        CURRENT.try_with(|l| *l).unwrap_or(Lang::En)
    }

    /// The words of this language.
    pub(crate) fn t(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }
}

/// Middleware: answers the request in its language. `?lang=es` (the switch at the foot of the
/// patient pages) chooses it, and a cookie keeps the choice for a year.
pub(crate) async fn language(req: Request, next: Next) -> Response {
    let chosen =
        req.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))).and_then(Lang::parse);
    let lang = chosen.unwrap_or_else(|| Lang::of(req.headers()));
    let mut resp = CURRENT.scope(lang, next.run(req)).await;
    if let Some(l) = chosen {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax", l.code());
        if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Lang {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, axum::http::HeaderValue::from_str(v).unwrap());
        Lang::of(&h)
    }

    #[test]
    fn the_best_language_we_speak_wins_and_the_cookie_wins_over_it() {
        assert_eq!(accept("es-MX,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(accept("fr-FR,fr;q=0.9,en;q=0.5,es;q=0.4"), Lang::En);
        assert_eq!(accept("de"), Lang::En);
        assert_eq!(accept("en;q=0.2, es;q=0.7"), Lang::Es);
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, axum::http::HeaderValue::from_static("es"));
        h.insert(header::COOKIE, axum::http::HeaderValue::from_static("portico_lang=en"));
        assert_eq!(Lang::of(&h), Lang::En);
    }

    #[test]
    fn spanish_has_every_word() {
        let es = format!("{:?}", Lang::Es.t());
        assert!(!es.contains(": \"\""), "no empty text");
        assert_eq!(format!("{:?}", Lang::En.t()).matches(": \"").count(), es.matches(": \"").count());
    }
}

/// Every word of the patient pages, in one language.
#[derive(Debug)]
pub(crate) struct Texts {
    pub(crate) skip: &'static str,
    pub(crate) portal_label: &'static str,
    pub(crate) center_label: &'static str,
    pub(crate) nav_messages: &'static str,
    pub(crate) nav_notifications: &'static str,
    pub(crate) nav_access: &'static str,
    pub(crate) nav_security: &'static str,
    pub(crate) sign_out: &'static str,
    pub(crate) footer: &'static str,
    pub(crate) other_language: &'static str,
    pub(crate) idle_warning: &'static str,
    pub(crate) stay_signed_in: &'static str,
    pub(crate) back_to_start: &'static str,
    pub(crate) index_title: &'static str,
    pub(crate) index_h1: &'static str,
    pub(crate) index_intro: &'static str,
    pub(crate) index_sign_in: &'static str,
    pub(crate) index_enroll: &'static str,
    pub(crate) index_note: &'static str,
    pub(crate) index_staff: &'static str,
    pub(crate) index_staff_link: &'static str,
    pub(crate) sign_in_title: &'static str,
    pub(crate) sign_in_h1: &'static str,
    pub(crate) email: &'static str,
    pub(crate) password: &'static str,
    pub(crate) code_optional: &'static str,
    pub(crate) code_required: &'static str,
    pub(crate) sign_in_button: &'static str,
    pub(crate) new_here: &'static str,
    pub(crate) new_here_link: &'static str,
    pub(crate) expired: &'static str,
    pub(crate) signed_out: &'static str,
    pub(crate) err_missing: &'static str,
    pub(crate) err_credentials: &'static str,
    pub(crate) err_mfa: &'static str,
    pub(crate) err_throttled: &'static str,
    pub(crate) enroll_title: &'static str,
    pub(crate) enroll_h1: &'static str,
    pub(crate) enroll_intro: &'static str,
    pub(crate) invite_code: &'static str,
    pub(crate) date_of_birth: &'static str,
    pub(crate) new_password: &'static str,
    pub(crate) enroll_button: &'static str,
    pub(crate) have_account: &'static str,
    pub(crate) err_enroll_rejected: &'static str,
    pub(crate) err_enroll_taken: &'static str,
    pub(crate) err_enroll_enrolled: &'static str,
    pub(crate) err_weak_password: &'static str,
    pub(crate) err_check_form: &'static str,
    pub(crate) inbox_title: &'static str,
    pub(crate) compose_link: &'static str,
    pub(crate) no_messages: &'static str,
    pub(crate) new_badge: &'static str,
    pub(crate) open: &'static str,
    pub(crate) closed: &'static str,
    pub(crate) compose_note: &'static str,
    pub(crate) to: &'static str,
    pub(crate) choose_team: &'static str,
    pub(crate) about: &'static str,
    pub(crate) subject: &'static str,
    pub(crate) message: &'static str,
    pub(crate) attach_files: &'static str,
    pub(crate) send: &'static str,
    pub(crate) cat_general: &'static str,
    pub(crate) cat_appointment: &'static str,
    pub(crate) cat_billing: &'static str,
    pub(crate) cat_results: &'static str,
    pub(crate) cat_clinical: &'static str,
    pub(crate) err_subject: &'static str,
    pub(crate) err_body: &'static str,
    pub(crate) err_team: &'static str,
    pub(crate) err_category: &'static str,
    pub(crate) err_file_type: &'static str,
    pub(crate) err_file_size: &'static str,
    pub(crate) all_messages: &'static str,
    pub(crate) you: &'static str,
    pub(crate) care_team_of: &'static str,
    pub(crate) shared_access: &'static str,
    pub(crate) read_by_team: &'static str,
    pub(crate) withdrawn_own: &'static str,
    pub(crate) withdrawn_other: &'static str,
    pub(crate) withdraw: &'static str,
    pub(crate) reply: &'static str,
    pub(crate) your_message: &'static str,
    pub(crate) attach_optional: &'static str,
    pub(crate) prefs_title: &'static str,
    pub(crate) prefs_h1: &'static str,
    pub(crate) prefs_intro: &'static str,
    pub(crate) saved: &'static str,
    pub(crate) tell_me_by: &'static str,
    pub(crate) by_email: &'static str,
    pub(crate) by_text: &'static str,
    pub(crate) quiet_legend: &'static str,
    pub(crate) quiet_from: &'static str,
    pub(crate) quiet_until: &'static str,
    pub(crate) time_zone: &'static str,
    pub(crate) save: &'static str,
    pub(crate) access_title: &'static str,
    pub(crate) access_intro: &'static str,
    pub(crate) access_none: &'static str,
    pub(crate) access_caption: &'static str,
    pub(crate) when: &'static str,
    pub(crate) who: &'static str,
    pub(crate) what: &'static str,
    pub(crate) why: &'static str,
    pub(crate) security_title: &'static str,
    pub(crate) two_step: &'static str,
    pub(crate) two_step_on: &'static str,
    pub(crate) two_step_off: &'static str,
    pub(crate) set_up_app: &'static str,
    pub(crate) scan_intro: &'static str,
    pub(crate) qr_label: &'static str,
    pub(crate) cannot_scan: &'static str,
    pub(crate) six_digit: &'static str,
    pub(crate) turn_on: &'static str,
    pub(crate) two_step_enabled: &'static str,
    pub(crate) code_mismatch: &'static str,
    pub(crate) not_found: &'static str,
    pub(crate) not_found_text: &'static str,
    pub(crate) not_allowed: &'static str,
    pub(crate) not_allowed_text: &'static str,
    pub(crate) wrong_account: &'static str,
    pub(crate) whose: &'static str,
    pub(crate) page_not_found: &'static str,
    pub(crate) appt_title: &'static str,
    pub(crate) appt_soon: &'static str,
    pub(crate) appt_call: &'static str,
    pub(crate) appt_portal: &'static str,
    pub(crate) appt_no_phone: &'static str,

    pub(crate) recovery_h2: &'static str,
    pub(crate) recovery_intro: &'static str,
    pub(crate) recovery_left: &'static str,
    pub(crate) recovery_button: &'static str,
    pub(crate) recovery_shown: &'static str,
    pub(crate) passkeys_h2: &'static str,
    pub(crate) passkeys_intro: &'static str,
    pub(crate) passkey_add: &'static str,
    pub(crate) passkey_remove: &'static str,
    pub(crate) passkeys_none: &'static str,
    pub(crate) passkey_added: &'static str,
    pub(crate) passkey_removed: &'static str,
    pub(crate) passkey_sign_in: &'static str,
    pub(crate) passkey_or: &'static str,
    pub(crate) passkey_elsewhere: &'static str,
    pub(crate) passkey_failed: &'static str,
    pub(crate) passkey_unsupported: &'static str,
    pub(crate) added_on: &'static str,
    pub(crate) digest_label: &'static str,

    pub(crate) fault_title: &'static str,
    pub(crate) fault_text: &'static str,
    pub(crate) everyone: &'static str,
    pub(crate) about_person: &'static str,
    pub(crate) password_h2: &'static str,
    pub(crate) current_password: &'static str,
    pub(crate) change_password: &'static str,
    pub(crate) password_changed: &'static str,
    pub(crate) wrong_current: &'static str,
    pub(crate) sessions_h2: &'static str,
    pub(crate) this_browser: &'static str,
    pub(crate) signed_in_at: &'static str,
    pub(crate) last_used: &'static str,
    pub(crate) sign_out_others: &'static str,
    pub(crate) others_signed_out: &'static str,
}

/// English.
pub(crate) const EN: Texts = Texts {
    skip: "Skip to content",
    portal_label: "Patient portal",
    center_label: "Secure message center",
    nav_messages: "Messages",
    nav_notifications: "Notifications",
    nav_access: "Who accessed my record",
    nav_security: "Security",
    sign_out: "Sign out",
    footer: "In an emergency, call 911. · Portico, self-hosted and open source.",
    other_language: "Español",
    idle_warning: "For your privacy you will be signed out in",
    stay_signed_in: "Stay signed in",
    back_to_start: "Back to the start",
    index_title: "Secure message center",
    index_h1: "Your clinic's secure message center",
    index_intro: "Write to your care team, read results and manage appointments in one private place. Messages here are encrypted and only your care team can read them. Please do not send health details by Facebook, Instagram, text message or email.",
    index_sign_in: "Sign in",
    index_enroll: "Enroll with an invitation code",
    index_note: "Requesting an appointment on the web is coming soon; until then, please call the office.",
    index_staff: "Clinic staff sign in at",
    index_staff_link: "the staff inbox",
    sign_in_title: "Sign in",
    sign_in_h1: "Sign in to your patient portal",
    email: "Email",
    password: "Password",
    code_optional: "Code from your authenticator app, or a recovery code (only if you set one up)",
    code_required: "Six-digit code from your authenticator app, or a recovery code",
    sign_in_button: "Sign in",
    new_here: "New here? Your clinic gives you an invitation code to",
    new_here_link: "enroll",
    expired: "You were signed out because the page was idle. Sign in again to continue.",
    signed_out: "You are signed out.",
    err_missing: "Enter your email and password.",
    err_credentials: "The email, password or code is not right.",
    err_mfa: "Enter the six-digit code from your authenticator app.",
    err_throttled: "Too many attempts. Wait a few minutes, then try again.",
    enroll_title: "Enroll",
    enroll_h1: "Open your patient portal account",
    enroll_intro: "Your clinic gave you an invitation code. Enter it with your date of birth, then choose the email and password you will sign in with.",
    invite_code: "Invitation code",
    date_of_birth: "Date of birth (YYYY-MM-DD)",
    new_password: "Password (at least 12 characters)",
    enroll_button: "Open my account",
    have_account: "Already have an account?",
    err_enroll_rejected: "The invitation code and date of birth do not match an open invitation.",
    err_enroll_taken: "An account with this email already exists.",
    err_enroll_enrolled: "This patient already has an account. Sign in instead.",
    err_weak_password: "Choose a longer password: at least 12 characters.",
    err_check_form: "Check the form: a field is missing or not valid.",
    inbox_title: "Your messages",
    compose_link: "Write to your care team",
    no_messages: "No messages yet.",
    new_badge: "new",
    open: "Open",
    closed: "Closed",
    compose_note: "Not for emergencies: call 911. Your care team usually answers within two business days.",
    to: "To",
    choose_team: "Choose a team",
    about: "About",
    subject: "Subject",
    message: "Message",
    attach_files: "Attach files (PDF, PNG, JPEG or text; optional)",
    send: "Send",
    cat_general: "General question",
    cat_appointment: "Appointment",
    cat_billing: "Billing",
    cat_results: "Test results",
    cat_clinical: "Health question",
    err_subject: "Write a short subject.",
    err_body: "Write your message.",
    err_team: "Choose who to write to.",
    err_category: "Choose what this is about.",
    err_file_type: "Files must be PDF, PNG, JPEG or plain text.",
    err_file_size: "A file is larger than the limit.",
    all_messages: "← All messages",
    you: "You",
    care_team_of: "{team} care team",
    shared_access: "Someone you share access with",
    read_by_team: "Read by the care team",
    withdrawn_own: "Withdrawn: only the side that wrote it still sees it.",
    withdrawn_other: "This message was withdrawn by its sender.",
    withdraw: "Withdraw this message",
    reply: "Reply",
    your_message: "Your message",
    attach_optional: "Attach files (optional)",
    prefs_title: "Notifications",
    prefs_h1: "How we tell you about new messages",
    prefs_intro: "Notifications only say that something new is waiting and invite you to sign in; they never contain your health information.",
    saved: "Saved.",
    tell_me_by: "Tell me by",
    by_email: "Email",
    by_text: "Text message",
    quiet_legend: "Quiet hours for texts (leave both empty for none)",
    quiet_from: "From",
    quiet_until: "Until",
    time_zone: "Time zone",
    save: "Save",
    access_title: "Who accessed your record",
    access_intro: "Every time someone at the clinic opens your messages, files or details, it is recorded. If something here looks wrong, tell the clinic's privacy officer.",
    access_none: "No one has accessed your record yet.",
    access_caption: "Accesses to your record, newest first",
    when: "When",
    who: "Who",
    what: "What",
    why: "Why",
    security_title: "Security",
    two_step: "Two-step sign-in",
    two_step_on: "On: signing in asks for a code from your authenticator app.",
    two_step_off: "Off. With it on, signing in also asks for a code from an app on your phone, so a stolen password is not enough to read your messages.",
    set_up_app: "Set up an authenticator app",
    scan_intro: "Scan this code with an authenticator app (for example the one that came with your phone), then enter the six-digit code it shows.",
    qr_label: "QR code to scan with your authenticator app",
    cannot_scan: "Cannot scan? Type this key into the app instead:",
    six_digit: "Six-digit code from the app",
    turn_on: "Turn on two-step sign-in",
    two_step_enabled: "Two-step sign-in is on. From now on, sign in with a code from your app.",
    code_mismatch: "That code did not match. Start again and enter the code your app shows now.",
    not_found: "Not found",
    not_found_text: "This conversation does not exist, or you do not have access to it.",
    not_allowed: "Not allowed",
    not_allowed_text: "Your account may not do that.",
    wrong_account: "This page is not for your account. Sign out and sign in with the right account.",
    whose: "Whose messages",
    page_not_found: "There is no page at this address. Check the link, or start again from the home page.",
    appt_title: "Request an appointment",
    appt_soon: "Requesting an appointment on this site is coming soon.",
    appt_call: "Until then, please call the office:",
    appt_portal: "If you already have a portal account, you can also sign in and write to your care team.",
    appt_no_phone: "Until then, please call the office.",

    recovery_h2: "Recovery codes",
    recovery_intro: "If you lose your phone, a recovery code signs you in once in place of the code from your app.",
    recovery_left: "Unused codes left:",
    recovery_button: "Create new recovery codes",
    recovery_shown: "Print these or write them down and keep them somewhere safe. Each works once. They are shown only now, and any earlier codes no longer work.",
    passkeys_h2: "Passkeys",
    passkeys_intro: "A passkey signs you in with your fingerprint, face or phone screen lock instead of a password and code. It stays on your device and cannot be phished.",
    passkey_add: "Add a passkey",
    passkey_remove: "Remove",
    passkeys_none: "No passkey yet.",
    passkey_added: "Your passkey was added. Next time, choose \"Sign in with a passkey\".",
    passkey_removed: "The passkey was removed.",
    passkey_sign_in: "Sign in with a passkey",
    passkey_or: "Or, without a password:",
    passkey_elsewhere: "Passkeys work at this address:",
    passkey_failed: "The passkey did not work. Try again, or sign in with your password.",
    passkey_unsupported: "This browser cannot use passkeys.",
    added_on: "added",
    digest_label: "Once a day: one notice at 5 pm for the day's new messages and results",

    fault_title: "Something went wrong",
    fault_text: "Something went wrong on our side. Try again in a moment; if it happens again, tell the clinic and quote this request id:",
    everyone: "Everyone",
    about_person: "Who is this about",
    password_h2: "Password",
    current_password: "Current password",
    change_password: "Change password",
    password_changed: "Your password was changed. Other browsers signed in to your account were signed out.",
    wrong_current: "The current password is not right.",
    sessions_h2: "Where you are signed in",
    this_browser: "This browser",
    signed_in_at: "Signed in",
    last_used: "last used",
    sign_out_others: "Sign out everywhere else",
    others_signed_out: "The other sessions were signed out.",
};

/// Spanish (Latin American usage, formal "usted").
pub(crate) const ES: Texts = Texts {
    skip: "Saltar al contenido",
    portal_label: "Portal del paciente",
    center_label: "Centro de mensajes seguro",
    nav_messages: "Mensajes",
    nav_notifications: "Avisos",
    nav_access: "Quién vio mi expediente",
    nav_security: "Seguridad",
    sign_out: "Cerrar sesión",
    footer: "En una emergencia, llame al 911. · Portico, autoalojado y de código abierto.",
    other_language: "English",
    idle_warning: "Por su privacidad, se cerrará su sesión en",
    stay_signed_in: "Seguir conectado",
    back_to_start: "Volver al inicio",
    index_title: "Centro de mensajes seguro",
    index_h1: "El centro de mensajes seguro de su clínica",
    index_intro: "Escriba a su equipo de atención, lea resultados y gestione citas en un solo lugar privado. Los mensajes aquí están cifrados y solo su equipo de atención puede leerlos. Por favor, no envíe datos de salud por Facebook, Instagram, mensaje de texto ni correo electrónico.",
    index_sign_in: "Iniciar sesión",
    index_enroll: "Inscribirse con un código de invitación",
    index_note: "Pronto podrá pedir citas en la web; mientras tanto, llame a la oficina.",
    index_staff: "El personal de la clínica inicia sesión en",
    index_staff_link: "la bandeja del personal",
    sign_in_title: "Iniciar sesión",
    sign_in_h1: "Inicie sesión en su portal del paciente",
    email: "Correo electrónico",
    password: "Contraseña",
    code_optional: "Código de su aplicación de autenticación, o un código de recuperación (solo si configuró una)",
    code_required: "Código de seis dígitos de su aplicación de autenticación, o un código de recuperación",
    sign_in_button: "Iniciar sesión",
    new_here: "¿Es nuevo? Su clínica le da un código de invitación para",
    new_here_link: "inscribirse",
    expired: "Se cerró su sesión porque la página estuvo inactiva. Inicie sesión de nuevo para continuar.",
    signed_out: "Ha cerrado la sesión.",
    err_missing: "Escriba su correo electrónico y su contraseña.",
    err_credentials: "El correo electrónico, la contraseña o el código no son correctos.",
    err_mfa: "Escriba el código de seis dígitos de su aplicación de autenticación.",
    err_throttled: "Demasiados intentos. Espere unos minutos y vuelva a intentarlo.",
    enroll_title: "Inscribirse",
    enroll_h1: "Abra su cuenta del portal del paciente",
    enroll_intro: "Su clínica le dio un código de invitación. Escríbalo con su fecha de nacimiento y elija el correo electrónico y la contraseña con los que iniciará sesión.",
    invite_code: "Código de invitación",
    date_of_birth: "Fecha de nacimiento (AAAA-MM-DD)",
    new_password: "Contraseña (al menos 12 caracteres)",
    enroll_button: "Abrir mi cuenta",
    have_account: "¿Ya tiene una cuenta?",
    err_enroll_rejected: "El código de invitación y la fecha de nacimiento no coinciden con una invitación abierta.",
    err_enroll_taken: "Ya existe una cuenta con este correo electrónico.",
    err_enroll_enrolled: "Este paciente ya tiene una cuenta. Inicie sesión.",
    err_weak_password: "Elija una contraseña más larga: al menos 12 caracteres.",
    err_check_form: "Revise el formulario: falta un dato o no es válido.",
    inbox_title: "Sus mensajes",
    compose_link: "Escribir a su equipo de atención",
    no_messages: "Todavía no hay mensajes.",
    new_badge: "nuevos",
    open: "Abierta",
    closed: "Cerrada",
    compose_note: "No es para emergencias: llame al 911. Su equipo de atención suele responder en dos días hábiles.",
    to: "Para",
    choose_team: "Elija un equipo",
    about: "Tema",
    subject: "Asunto",
    message: "Mensaje",
    attach_files: "Adjuntar archivos (PDF, PNG, JPEG o texto; opcional)",
    send: "Enviar",
    cat_general: "Pregunta general",
    cat_appointment: "Cita",
    cat_billing: "Facturación",
    cat_results: "Resultados de pruebas",
    cat_clinical: "Pregunta de salud",
    err_subject: "Escriba un asunto breve.",
    err_body: "Escriba su mensaje.",
    err_team: "Elija a quién escribir.",
    err_category: "Elija el tema.",
    err_file_type: "Los archivos deben ser PDF, PNG, JPEG o texto.",
    err_file_size: "Un archivo supera el tamaño permitido.",
    all_messages: "← Todos los mensajes",
    you: "Usted",
    care_team_of: "Equipo de atención de {team}",
    shared_access: "Alguien con quien comparte el acceso",
    read_by_team: "Leído por el equipo de atención",
    withdrawn_own: "Retirado: solo quien lo escribió lo sigue viendo.",
    withdrawn_other: "Quien envió este mensaje lo retiró.",
    withdraw: "Retirar este mensaje",
    reply: "Responder",
    your_message: "Su mensaje",
    attach_optional: "Adjuntar archivos (opcional)",
    prefs_title: "Avisos",
    prefs_h1: "Cómo le avisamos de mensajes nuevos",
    prefs_intro: "Los avisos solo dicen que hay algo nuevo y le invitan a iniciar sesión; nunca contienen su información de salud.",
    saved: "Guardado.",
    tell_me_by: "Avisarme por",
    by_email: "Correo electrónico",
    by_text: "Mensaje de texto",
    quiet_legend: "Horas de silencio para mensajes de texto (deje ambos vacíos para ninguna)",
    quiet_from: "Desde",
    quiet_until: "Hasta",
    time_zone: "Zona horaria",
    save: "Guardar",
    access_title: "Quién vio su expediente",
    access_intro: "Cada vez que alguien de la clínica abre sus mensajes, archivos o datos, queda registrado. Si algo no le parece correcto, avise al responsable de privacidad de la clínica.",
    access_none: "Nadie ha visto su expediente todavía.",
    access_caption: "Accesos a su expediente, los más recientes primero",
    when: "Cuándo",
    who: "Quién",
    what: "Qué",
    why: "Por qué",
    security_title: "Seguridad",
    two_step: "Inicio de sesión en dos pasos",
    two_step_on: "Activado: al iniciar sesión se pide un código de su aplicación de autenticación.",
    two_step_off: "Desactivado. Si lo activa, al iniciar sesión también se pedirá un código de una aplicación de su teléfono, así una contraseña robada no basta para leer sus mensajes.",
    set_up_app: "Configurar una aplicación de autenticación",
    scan_intro: "Escanee este código con una aplicación de autenticación (por ejemplo, la que trae su teléfono) y escriba el código de seis dígitos que muestra.",
    qr_label: "Código QR para escanear con su aplicación de autenticación",
    cannot_scan: "¿No puede escanear? Escriba esta clave en la aplicación:",
    six_digit: "Código de seis dígitos de la aplicación",
    turn_on: "Activar el inicio de sesión en dos pasos",
    two_step_enabled: "El inicio de sesión en dos pasos está activado. Desde ahora, inicie sesión con un código de su aplicación.",
    code_mismatch: "Ese código no coincide. Empiece de nuevo y escriba el código que muestra su aplicación ahora.",
    not_found: "No encontrado",
    not_found_text: "Esta conversación no existe o usted no tiene acceso a ella.",
    not_allowed: "No permitido",
    not_allowed_text: "Su cuenta no puede hacer eso.",
    wrong_account: "Esta página no es para su cuenta. Cierre la sesión e inicie sesión con la cuenta correcta.",
    whose: "Mensajes de",
    page_not_found: "No hay ninguna página en esta dirección. Revise el enlace o empiece de nuevo desde la página de inicio.",
    appt_title: "Pedir una cita",
    appt_soon: "Pronto podrá pedir citas en este sitio.",
    appt_call: "Mientras tanto, llame a la oficina:",
    appt_portal: "Si ya tiene una cuenta del portal, también puede iniciar sesión y escribir a su equipo de atención.",
    appt_no_phone: "Mientras tanto, llame a la oficina.",

    recovery_h2: "Códigos de recuperación",
    recovery_intro: "Si pierde su teléfono, un código de recuperación le permite iniciar sesión una vez en lugar del código de su aplicación.",
    recovery_left: "Códigos sin usar:",
    recovery_button: "Crear códigos de recuperación nuevos",
    recovery_shown: "Imprímalos o anótelos y guárdelos en un lugar seguro. Cada uno sirve una vez. Solo se muestran ahora, y los códigos anteriores ya no sirven.",
    passkeys_h2: "Llaves de acceso",
    passkeys_intro: "Una llave de acceso le permite iniciar sesión con su huella, su cara o el bloqueo de pantalla del teléfono en lugar de contraseña y código. Se queda en su dispositivo y no se puede robar con un correo falso.",
    passkey_add: "Agregar una llave de acceso",
    passkey_remove: "Quitar",
    passkeys_none: "Todavía no tiene llaves de acceso.",
    passkey_added: "Se agregó su llave de acceso. La próxima vez, elija \"Iniciar sesión con una llave de acceso\".",
    passkey_removed: "Se quitó la llave de acceso.",
    passkey_sign_in: "Iniciar sesión con una llave de acceso",
    passkey_or: "O, sin contraseña:",
    passkey_elsewhere: "Las llaves de acceso funcionan en esta dirección:",
    passkey_failed: "La llave de acceso no funcionó. Vuelva a intentarlo o inicie sesión con su contraseña.",
    passkey_unsupported: "Este navegador no puede usar llaves de acceso.",
    added_on: "agregada",
    digest_label: "Una vez al día: un solo aviso a las 5 de la tarde por los mensajes y resultados nuevos del día",

    fault_title: "Algo salió mal",
    fault_text: "Algo salió mal de nuestro lado. Vuelva a intentarlo en un momento; si vuelve a pasar, avise a la clínica y mencione este identificador de solicitud:",
    everyone: "Todos",
    about_person: "Sobre quién es",
    password_h2: "Contraseña",
    current_password: "Contraseña actual",
    change_password: "Cambiar la contraseña",
    password_changed: "Su contraseña cambió. Se cerró la sesión en los demás navegadores conectados a su cuenta.",
    wrong_current: "La contraseña actual no es correcta.",
    sessions_h2: "Dónde tiene la sesión iniciada",
    this_browser: "Este navegador",
    signed_in_at: "Inició sesión",
    last_used: "último uso",
    sign_out_others: "Cerrar la sesión en todos los demás lugares",
    others_signed_out: "Se cerraron las demás sesiones.",
};
