//! Patient records, their invitations, and enrollment. Every demographic column is sealed under
//! the patient's own data key; MRN and email also get blind indexes for exact lookup.

use portico_crypto::DataKey;
use portico_domain::audit::AuditRecord;
use portico_domain::patient::{DateOfBirth, EmailAddress, Mrn, NewPatient, PatientRecord};
use portico_domain::{AccountId, InvitationId, PatientId, Timestamp};
use sqlx::{AnyConnection, Row};

use crate::keys::patient_key_aad;
use crate::{Store, StoreError, audit, conflict, open_text, parse_id, seal_text};

/// Blind-index purposes (domain separation between columns).
pub(crate) const MRN_INDEX: &str = "patient.mrn";
pub(crate) const PATIENT_EMAIL_INDEX: &str = "patient.email";
pub(crate) const ACCOUNT_EMAIL_INDEX: &str = "account.email";
pub(crate) const FAMILY_NAME_INDEX: &str = "person.family_name";

/// The family name of a full name, as compared: the last word, lower case.
pub(crate) fn family_name(full: &str) -> String {
    full.split_whitespace().rfind(|w| !w.starts_with('(')).unwrap_or("").to_lowercase()
}

/// The blind-index domain of the beginnings of name words.
pub(crate) const NAME_PREFIX_INDEX: &str = "person.name_prefix";
/// Beginnings shorter than this are not indexed (whole words of any length are).
const MIN_PREFIX: usize = 3;
/// Words are indexed and searched on at most this many letters.
const MAX_PREFIX: usize = 24;

/// The words of a name or a search, as compared: lower case without accents, letters and digits
/// only, split at spaces and hyphens ("O'Brien-Lee" is "obrien" and "lee", "García" is
/// "garcia"); at most `MAX_PREFIX` letters each.
pub(crate) fn name_words(text: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization as _;
    let mut words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == '-')
        .map(|w| {
            w.nfd()
                .filter(|c| c.is_alphanumeric() && !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .take(MAX_PREFIX)
                .collect()
        })
        .filter(|w: &String| !w.is_empty())
        .collect();
    words.sort();
    words.dedup();
    words
}

/// What a name is found by: each word whole, and each of its beginnings of `MIN_PREFIX` letters
/// or more.
pub(crate) fn name_prefixes(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in name_words(name) {
        let chars: Vec<char> = word.chars().collect();
        for n in MIN_PREFIX..chars.len() {
            out.push(chars[..n].iter().collect());
        }
        out.push(word);
    }
    out.sort();
    out.dedup();
    out
}

/// Writes the blind indexes of a patient's name.
async fn insert_name_tokens(
    conn: &mut AnyConnection,
    store: &Store,
    patient: &str,
    name: &str,
) -> Result<(), StoreError> {
    for prefix in name_prefixes(name) {
        sqlx::query("INSERT INTO patient_name_tokens (token, patient_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(store.keys.blind.index(NAME_PREFIX_INDEX, &prefix))
            .bind(patient)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An invitation that was issued (the plain code is only with the caller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationIssued {
    /// Invitation id.
    pub id: InvitationId,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// What an enrollment attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrollOutcome {
    /// The account was created.
    Enrolled {
        /// The new account.
        account_id: AccountId,
        /// Its patient record.
        patient_id: PatientId,
    },
    /// The code is unknown, expired, used or voided.
    InvalidCode,
    /// The date of birth did not match; `voided` once the attempts are used up.
    WrongDateOfBirth {
        /// Whether this attempt voided the code.
        voided: bool,
    },
    /// Another account already uses this email.
    EmailTaken,
    /// The patient already has an account.
    AlreadyEnrolled,
}

/// The credentials part of an enrollment.
#[derive(Clone)]
pub struct NewAccount {
    /// Login email.
    pub email: EmailAddress,
    /// Argon2id PHC string.
    pub password_hash: String,
}

impl Store {
    /// Creates a patient record (with a fresh data key) and its first invitation, audited.
    pub async fn create_patient_with_invitation(
        &self,
        new: &NewPatient,
        invitation_code_hash: &[u8],
        expires_at: Timestamp,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<(PatientId, InvitationIssued), StoreError> {
        let id = PatientId::generate(at);
        let key = DataKey::generate()?;
        let wrapped = self.keys.kek.wrap(&patient_key_aad(id), &key)?;
        let row = id.to_string();
        let seal = |col: &str, text: &str| seal_text(&key, "patients", col, &row, text);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO patients (id, name, date_of_birth, mrn, mrn_index, email, email_index, phone, preferred_language, created_at, family_index)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&row)
        .bind(seal("name", new.name.expose())?)
        .bind(seal("date_of_birth", &new.date_of_birth.to_iso())?)
        .bind(seal("mrn", new.mrn.expose())?)
        .bind(self.keys.blind.index(MRN_INDEX, new.mrn.expose()))
        .bind(new.email.as_ref().map(|e| seal("email", e.expose())).transpose()?)
        .bind(new.email.as_ref().map(|e| self.keys.blind.index(PATIENT_EMAIL_INDEX, e.expose())))
        .bind(new.phone.as_ref().map(|p| seal("phone", p.expose())).transpose()?)
        .bind(seal("preferred_language", new.language.as_str())?)
        .bind(at.unix_millis())
        .bind(self.keys.blind.index(FAMILY_NAME_INDEX, &family_name(new.name.expose())))
        .execute(&mut *tx)
        .await
        .map_err(conflict("a patient with this MRN"))?;
        sqlx::query("INSERT INTO patient_keys (patient_id, wrapped_key, kek_id) VALUES ($1, $2, $3)")
            .bind(&row)
            .bind(wrapped.into_bytes())
            .bind(self.keys.kek.id())
            .execute(&mut *tx)
            .await?;
        insert_name_tokens(&mut tx, self, &row, new.name.expose()).await?;
        let invitation = insert_invitation(&mut tx, id, invitation_code_hash, expires_at, at).await?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(id).resource(id)).await?;
        tx.commit().await?;
        Ok((id, invitation))
    }

    /// Issues a new invitation for an existing patient, voiding any unused earlier one.
    pub async fn reissue_invitation(
        &self,
        patient: PatientId,
        invitation_code_hash: &[u8],
        expires_at: Timestamp,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<InvitationIssued, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 AS one FROM patients WHERE id = $1")
            .bind(patient.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("patient"));
        }
        sqlx::query(
            "UPDATE invitations SET voided_at = $1 WHERE patient_id = $2 AND used_at IS NULL AND voided_at IS NULL",
        )
        .bind(at.unix_millis())
        .bind(patient.to_string())
        .execute(&mut *tx)
        .await?;
        let invitation = insert_invitation(&mut tx, patient, invitation_code_hash, expires_at, at).await?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(patient).resource(invitation.id)).await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// The patient with this MRN (through its blind index), if any.
    pub async fn patient_by_mrn(&self, mrn: &Mrn) -> Result<Option<PatientId>, StoreError> {
        let row = sqlx::query("SELECT id FROM patients WHERE mrn_index = $1")
            .bind(self.keys.blind.index(MRN_INDEX, mrn.expose()))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| parse_id(&r, "id")).transpose()
    }

    /// Patients whose MRN or email is exactly `query`, then those whose name has a word beginning
    /// with each word of `query` ("gar ali" finds Alicia Garcia), found through the blind indexes
    /// (nothing is decrypted to search); at most `limit`.
    pub async fn find_patients(&self, query: &str, limit: i64) -> Result<Vec<PatientId>, StoreError> {
        let q = query.trim();
        let blind = &self.keys.blind;
        let mrn = Mrn::parse(q).ok().map(|m| blind.index(MRN_INDEX, m.expose()));
        let email = EmailAddress::parse(q).ok().map(|e| blind.index(PATIENT_EMAIL_INDEX, e.expose()));
        let exact = sqlx::query(
            "SELECT id FROM patients WHERE mrn_index = $1 OR email_index = $2 ORDER BY created_at LIMIT $3",
        )
        .bind(mrn)
        .bind(email)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut found: Vec<PatientId> = exact.iter().map(|r| parse_id(r, "id")).collect::<Result<_, _>>()?;
        let words = if q.contains('@') { Vec::new() } else { name_words(q) };
        if !words.is_empty() {
            let sql = format!(
                "SELECT t.patient_id FROM patient_name_tokens t JOIN patients p ON p.id = t.patient_id
                 WHERE t.token IN ({}) GROUP BY t.patient_id, p.created_at HAVING COUNT(*) = {}
                 ORDER BY p.created_at LIMIT {}",
                crate::batch::Params::Numbered.list(1, words.len()),
                words.len(),
                limit
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for w in &words {
                query = query.bind(blind.index(NAME_PREFIX_INDEX, w));
            }
            for r in query.fetch_all(&self.pool).await? {
                let id: PatientId = parse_id(&r, "patient_id")?;
                if !found.contains(&id) {
                    found.push(id);
                }
            }
        }
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    /// Fills in the name indexes of patients created before they existed (at start; a no-op
    /// once done). Patients whose data key was destroyed are left out: their name is gone.
    /// Each name opened for this is audited, by the system, in the same transaction.
    pub async fn backfill_name_tokens(&self, at: Timestamp) -> Result<usize, StoreError> {
        let rec = AuditRecord::new(
            &portico_domain::Actor::System,
            "patient.index_name",
            "patient",
            portico_domain::audit::Purpose::System,
            &portico_domain::audit::RequestContext::default(),
        );
        let rows = sqlx::query(
            "SELECT p.id FROM patients p JOIN patient_keys k ON k.patient_id = p.id
             WHERE NOT EXISTS (SELECT 1 FROM patient_name_tokens t WHERE t.patient_id = p.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: PatientId = parse_id(r, "id")?;
            let mut tx = self.begin_write().await?;
            let [name] = open_columns(self, &mut tx, id, ["name"]).await?;
            if let Some(name) = name {
                insert_name_tokens(&mut tx, self, &id.to_string(), name.expose()).await?;
            }
            audit::insert(&mut tx, at, &rec.clone().patient(id).resource(id)).await?;
            tx.commit().await?;
        }
        Ok(rows.len())
    }

    /// Reads a patient's demographics; the audit event is written before the data is returned,
    /// in the same transaction.
    pub async fn read_patient(
        &self,
        id: PatientId,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<PatientRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let record = load_patient(self, &mut tx, id).await?;
        audit::insert(&mut tx, at, &audit_rec.clone().patient(id).resource(id)).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Redeems an invitation: checks the code and the date of birth, counts failures (voiding
    /// the code at `max_attempts`), and on success creates the account. One transaction,
    /// audited whatever the outcome.
    pub async fn enroll_with_invitation(
        &self,
        code_hash: &[u8],
        date_of_birth: DateOfBirth,
        account: &NewAccount,
        max_attempts: i64,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<EnrollOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let invitation = sqlx::query(
            "SELECT id, patient_id, failed_attempts FROM invitations
             WHERE code_hash = $1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $2",
        )
        .bind(code_hash)
        .bind(at.unix_millis())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(invitation) = invitation else {
            audit::insert(&mut tx, at, &audit_rec.clone().failed()).await?;
            tx.commit().await?;
            return Ok(EnrollOutcome::InvalidCode);
        };
        let invitation_id: String = invitation.try_get("id")?;
        let patient: PatientId = parse_id(&invitation, "patient_id")?;
        let rec = audit_rec.clone().patient(patient).resource(&invitation_id);
        let key = self.patient_key(&mut tx, patient).await?;
        let dob_row = sqlx::query("SELECT date_of_birth FROM patients WHERE id = $1")
            .bind(patient.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let stored_dob =
            open_text(&key, "patients", "date_of_birth", &patient.to_string(), dob_row.try_get("date_of_birth")?)?;
        if !portico_crypto::constant_time_eq(stored_dob.expose().as_bytes(), date_of_birth.to_iso().as_bytes()) {
            let failed: i64 = invitation.try_get::<i64, _>("failed_attempts")? + 1;
            let voided = failed >= max_attempts;
            sqlx::query("UPDATE invitations SET failed_attempts = $1, voided_at = $2 WHERE id = $3")
                .bind(failed)
                .bind(voided.then_some(at.unix_millis()))
                .bind(&invitation_id)
                .execute(&mut *tx)
                .await?;
            audit::insert(&mut tx, at, &rec.failed()).await?;
            tx.commit().await?;
            return Ok(EnrollOutcome::WrongDateOfBirth { voided });
        }
        let account_id = AccountId::generate(at);
        let outcome = insert_account(self, &mut tx, &key, account_id, patient, account, at).await;
        match outcome {
            Err(StoreError::Conflict(what)) => {
                tx.rollback().await?;
                return Ok(if what == "email" { EnrollOutcome::EmailTaken } else { EnrollOutcome::AlreadyEnrolled });
            }
            other => other?,
        }
        sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2")
            .bind(at.unix_millis())
            .bind(&invitation_id)
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, at, &rec).await?;
        tx.commit().await?;
        Ok(EnrollOutcome::Enrolled { account_id, patient_id: patient })
    }
}

async fn insert_invitation(
    conn: &mut AnyConnection,
    patient: PatientId,
    code_hash: &[u8],
    expires_at: Timestamp,
    at: Timestamp,
) -> Result<InvitationIssued, StoreError> {
    let id = InvitationId::generate(at);
    sqlx::query(
        "INSERT INTO invitations (id, patient_id, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(patient.to_string())
    .bind(code_hash)
    .bind(expires_at.unix_millis())
    .bind(at.unix_millis())
    .execute(&mut *conn)
    .await
    .map_err(conflict("invitation code"))?;
    // The patient hears of it; the code itself is handed over by the care team, never sent.
    crate::notifications::enqueue_event(conn, patient, "enrollment_invite", &id.to_string(), at).await?;
    Ok(InvitationIssued { id, expires_at })
}

async fn insert_account(
    store: &Store,
    conn: &mut AnyConnection,
    key: &DataKey,
    id: AccountId,
    patient: PatientId,
    account: &NewAccount,
    at: Timestamp,
) -> Result<(), StoreError> {
    let taken = sqlx::query("SELECT 1 AS one FROM patient_accounts WHERE email_index = $1")
        .bind(store.keys.blind.index(ACCOUNT_EMAIL_INDEX, account.email.expose()))
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict("email"));
    }
    sqlx::query(
        "INSERT INTO patient_accounts (id, patient_id, email, email_index, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(patient.to_string())
    .bind(seal_text(key, "patient_accounts", "email", &id.to_string(), account.email.expose())?)
    .bind(store.keys.blind.index(ACCOUNT_EMAIL_INDEX, account.email.expose()))
    .bind(&account.password_hash)
    .bind(at.unix_millis())
    .execute(conn)
    .await
    .map_err(conflict("patient account"))?;
    Ok(())
}

pub(crate) async fn load_patient(
    store: &Store,
    conn: &mut AnyConnection,
    id: PatientId,
) -> Result<PatientRecord, StoreError> {
    const COLS: [&str; 6] = ["name", "date_of_birth", "mrn", "email", "phone", "preferred_language"];
    let [name, date_of_birth, mrn, email, phone, language] = open_columns(store, conn, id, COLS).await?;
    let required = |v: Option<portico_domain::PhiText>, col: &'static str| v.ok_or(StoreError::Integrity(col));
    Ok(PatientRecord {
        id,
        name: required(name, "name")?,
        date_of_birth: required(date_of_birth, "date_of_birth")?,
        mrn: required(mrn, "mrn")?,
        email,
        phone,
        language: required(language, "preferred_language")?.expose().to_owned(),
    })
}

/// Opens the given sealed columns of a patient's row (`None` where a column is empty): only
/// what the caller needs is decrypted.
pub(crate) async fn open_columns<const N: usize>(
    store: &Store,
    conn: &mut AnyConnection,
    id: PatientId,
    cols: [&'static str; N],
) -> Result<[Option<portico_domain::PhiText>; N], StoreError> {
    let sql = format!("SELECT {} FROM patients WHERE id = $1", cols.join(", "));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("patient"))?;
    let key = store.patient_key(conn, id).await?;
    let r = id.to_string();
    let mut out: [Option<portico_domain::PhiText>; N] = std::array::from_fn(|_| None);
    for (slot, col) in out.iter_mut().zip(cols) {
        *slot = row.try_get::<Option<Vec<u8>>, _>(col)?.map(|v| open_text(&key, "patients", col, &r, v)).transpose()?;
    }
    Ok(out)
}
