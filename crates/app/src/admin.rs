//! Administration: teams, staff accounts, patient registration and invitations, proxy links,
//! key rotation and crypto-shredding. Each use case asks the policy first; the CLI acts as
//! [`Actor::System`], the operator who holds the key file.

use portico_crypto::Kek;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::{Action, permits};
use portico_domain::credentials::{Password, PasswordError};
use portico_domain::patient::{EmailAddress, FieldError, NewPatient, PersonName};
use portico_domain::{AccountId, Actor, PatientId, StaffId, StaffRole, TeamId, Timestamp};
use portico_store::{NewStaff, ProxyLink, RotationReport, StoreError, Team};

use crate::{App, Unexpected, blocking, totp};

/// Why an administrative action failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The actor may not do this.
    #[error("not permitted")]
    Forbidden,
    /// Input is malformed.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The password does not meet the policy.
    #[error(transparent)]
    WeakPassword(#[from] PasswordError),
    /// Something with the same unique key exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A referenced thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Something unexpected.
    #[error(transparent)]
    Unexpected(#[from] Unexpected),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => AdminError::Conflict(what),
            StoreError::NotFound(what) => AdminError::NotFound(what),
            other => AdminError::Unexpected(other.into()),
        }
    }
}

/// A staff account to create, as typed.
#[derive(Clone, Debug)]
pub struct StaffInput {
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Teams to join.
    pub teams: Vec<TeamId>,
    /// Initial password.
    pub password: Password,
}

/// A created staff account.
#[derive(Clone, Debug)]
pub struct StaffCreated {
    /// Id.
    pub id: StaffId,
    /// The provisioning URI of the TOTP secret enrolled at creation (when staff MFA is required).
    pub totp_uri: Option<String>,
}

/// A created patient and the invitation code to hand them (shown once, stored only hashed).
#[derive(Clone)]
pub struct PatientCreated {
    /// Id.
    pub id: PatientId,
    /// The invitation code.
    pub invite_code: String,
    /// When the code expires.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for PatientCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PatientCreated({})", self.id)
    }
}

/// Refuses the actor unless the policy permits `action`.
pub(crate) fn require(actor: &Actor, action: &Action) -> Result<(), AdminError> {
    if permits(actor, action) { Ok(()) } else { Err(AdminError::Forbidden) }
}

impl App {
    /// Creates a team.
    pub async fn create_team(&self, actor: &Actor, name: &str, ctx: &RequestContext) -> Result<TeamId, AdminError> {
        require(actor, &Action::ManageStaff)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(FieldError { field: "name", reason: "must be 1 to 100 characters" }.into());
        }
        let rec = AuditRecord::new(actor, "team.create", "team", Purpose::Operations, ctx);
        Ok(self.store.create_team(name, self.now(), &rec).await?)
    }

    /// Every active staff account with its teams (admins).
    pub async fn staff_accounts(&self, actor: &Actor) -> Result<Vec<portico_store::StaffProfile>, AdminError> {
        require(actor, &Action::ManageStaff)?;
        Ok(self.store.list_staff().await?)
    }

    /// Teams the actor may address: patients see those open to patient messages.
    pub async fn list_teams(&self, actor: &Actor) -> Result<Vec<Team>, Unexpected> {
        Ok(self.store.list_teams(matches!(actor, Actor::Patient(_))).await?)
    }

    /// Creates a staff account; enrolls TOTP at creation when staff MFA is required.
    pub async fn create_staff(
        &self,
        actor: &Actor,
        input: StaffInput,
        ctx: &RequestContext,
    ) -> Result<StaffCreated, AdminError> {
        require(actor, &Action::ManageStaff)?;
        let email = EmailAddress::parse(&input.email)?;
        let name = PersonName::parse(&input.name)?;
        let password = input.password.clone();
        let hash = blocking(move || portico_crypto::password::hash_password(password.expose()))
            .await?
            .map_err(Unexpected::from)?;
        let secret = if self.settings.require_staff_mfa { Some(totp::new_secret()?) } else { None };
        let new = NewStaff {
            email: email.expose().to_owned(),
            name: name.expose().to_owned(),
            role: input.role,
            teams: input.teams,
            password_hash: hash,
            totp_secret: secret.clone(),
        };
        let rec = AuditRecord::new(actor, "staff.create", "staff", Purpose::Operations, ctx);
        let id = self.store.create_staff(&new, self.now(), &rec).await?;
        let totp_uri =
            secret.map(|s| totp::provisioning_uri(&s, &self.settings.totp_issuer, email.expose())).transpose()?;
        Ok(StaffCreated { id, totp_uri })
    }

    /// Registers a patient and issues their first invitation code.
    pub async fn create_patient(
        &self,
        actor: &Actor,
        new: &NewPatient,
        ctx: &RequestContext,
    ) -> Result<PatientCreated, AdminError> {
        require(actor, &Action::RegisterPatient)?;
        let now = self.now();
        let (code, hash) = portico_crypto::token::invitation_code().map_err(Unexpected::from)?;
        let expires = now.plus(self.settings.invitation_ttl);
        let rec = AuditRecord::new(actor, "patient.create", "patient", Purpose::Operations, ctx);
        let (id, issued) = self.store.create_patient_with_invitation(new, &hash, expires, now, &rec).await?;
        Ok(PatientCreated { id, invite_code: code, expires_at: issued.expires_at })
    }

    /// Finds patients by exact MRN, exact email or family name, and reads the matches'
    /// demographics (each read audited). Only roles that may read any patient's demographics
    /// (the front desk) may search: for the care team a search would reveal patients they have
    /// no relationship with.
    pub async fn search_patients(
        &self,
        actor: &Actor,
        query: &str,
        ctx: &RequestContext,
    ) -> Result<Vec<portico_domain::patient::PatientRecord>, AdminError> {
        if !self.may_search_patients(actor) {
            return Err(AdminError::Forbidden);
        }
        let ids = self.store.find_patients(query, 20).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let rec = AuditRecord::new(actor, "patient.read", "patient", Purpose::Operations, ctx);
            out.push(self.store.read_patient(id, self.now(), &rec).await?);
        }
        Ok(out)
    }

    /// Whether the actor may search patients: staff whose role may read any patient's
    /// demographics without a care relationship (the front desk).
    pub fn may_search_patients(&self, actor: &Actor) -> bool {
        let anyone = PatientId::from_uuid(Default::default());
        matches!(actor, Actor::Staff(_))
            && permits(actor, &Action::ReadPatientDemographics { patient: anyone, care_relationship: false })
    }

    /// Issues a new invitation code for a patient, voiding any unused one.
    pub async fn reissue_invitation(
        &self,
        actor: &Actor,
        patient: PatientId,
        ctx: &RequestContext,
    ) -> Result<PatientCreated, AdminError> {
        require(actor, &Action::RegisterPatient)?;
        let now = self.now();
        let (code, hash) = portico_crypto::token::invitation_code().map_err(Unexpected::from)?;
        let rec = AuditRecord::new(actor, "invitation.issue", "invitation", Purpose::Operations, ctx);
        let issued =
            self.store.reissue_invitation(patient, &hash, now.plus(self.settings.invitation_ttl), now, &rec).await?;
        Ok(PatientCreated { id: patient, invite_code: code, expires_at: issued.expires_at })
    }

    /// [`link_proxy`](Self::link_proxy) for the portal account signed in with `email`, until
    /// the end of `ends_on` (`YYYY-MM-DD`, clinic time) if given (front desk).
    pub async fn link_proxy_by_email(
        &self,
        actor: &Actor,
        patient: PatientId,
        email: &str,
        relationship: &str,
        ends_on: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<(), AdminError> {
        require(actor, &Action::RegisterPatient)?;
        let email = EmailAddress::parse(email)?;
        let ends_at = match ends_on {
            None => None,
            Some(d) => Some(
                Timestamp::parse_local(&format!("{}T23:59:59", d.trim()), &self.settings.time_zone)
                    .ok_or(FieldError { field: "ends_on", reason: "must be a date written YYYY-MM-DD" })?
                    .unix_millis(),
            ),
        };
        let account = self.store.account_auth_by_email(&email).await?.ok_or(AdminError::NotFound("portal account"))?;
        let link = ProxyLink { patient_id: patient, relationship: relationship.trim().to_owned(), ends_at };
        self.link_proxy(actor, account.id, &link, ctx).await
    }

    /// Lets a patient account act for another patient (parent, guardian, caregiver).
    pub async fn link_proxy(
        &self,
        actor: &Actor,
        account: AccountId,
        link: &ProxyLink,
        ctx: &RequestContext,
    ) -> Result<(), AdminError> {
        require(actor, &Action::RegisterPatient)?;
        if !matches!(link.relationship.as_str(), "parent" | "guardian" | "caregiver") {
            return Err(FieldError { field: "relationship", reason: "must be parent, guardian or caregiver" }.into());
        }
        let rec = AuditRecord::new(actor, "proxy.link", "proxy_link", Purpose::Operations, ctx);
        Ok(self.store.link_proxy(link, account, self.now(), &rec).await?)
    }

    /// Re-wraps every data key under `new_kek` (operator only).
    pub async fn rotate_keys(
        &self,
        actor: &Actor,
        new_kek: &Kek,
        ctx: &RequestContext,
    ) -> Result<RotationReport, AdminError> {
        if *actor != Actor::System {
            return Err(AdminError::Forbidden);
        }
        if !self.store.same_audit_key(new_kek) {
            return Err(FieldError {
                field: "new_key_file",
                reason: "must keep the audit signing key (let rotation create it)",
            }
            .into());
        }
        let rec = AuditRecord::new(actor, "keys.rotate", "keyring", Purpose::Operations, ctx).resource(new_kek.id());
        Ok(self.store.rotate_kek(new_kek, &rec, self.now()).await?)
    }

    /// Destroys a patient's data key so their PHI can never be read again (retention, erasure).
    pub async fn shred_patient(
        &self,
        actor: &Actor,
        patient: PatientId,
        ctx: &RequestContext,
    ) -> Result<(), AdminError> {
        if *actor != Actor::System {
            return Err(AdminError::Forbidden);
        }
        let rec = AuditRecord::new(actor, "patient.shred", "patient_key", Purpose::Operations, ctx)
            .patient(patient)
            .resource(patient);
        Ok(self.store.shred_patient_key(patient, &rec, self.now()).await?)
    }

    /// Deactivates a staff account: sign-in stops working and its sessions end.
    pub async fn deactivate_staff(
        &self,
        actor: &Actor,
        email: &str,
        ctx: &RequestContext,
    ) -> Result<StaffId, AdminError> {
        require(actor, &Action::ManageStaff)?;
        let email = EmailAddress::parse(email)?;
        let rec = AuditRecord::new(actor, "staff.deactivate", "staff", Purpose::Operations, ctx);
        Ok(self.store.deactivate_staff(email.expose(), self.now(), &rec).await?)
    }

    /// Gives a staff member a new TOTP secret (a lost or replaced phone) and ends their
    /// sessions; returns the provisioning URI to scan.
    pub async fn reset_staff_mfa(
        &self,
        actor: &Actor,
        email: &str,
        ctx: &RequestContext,
    ) -> Result<String, AdminError> {
        require(actor, &Action::ManageStaff)?;
        let email = EmailAddress::parse(email)?;
        let secret = totp::new_secret()?;
        let rec = AuditRecord::new(actor, "staff.reset_mfa", "staff", Purpose::Operations, ctx);
        self.store.reset_staff_totp(email.expose(), &secret, self.now(), &rec).await?;
        Ok(totp::provisioning_uri(&secret, &self.settings.totp_issuer, email.expose())?)
    }

    /// Whether an active admin exists (first-run guidance).
    pub async fn has_admin(&self) -> Result<bool, Unexpected> {
        Ok(self.store.count_active_admins().await? > 0)
    }
}
