//! Teams and staff accounts. Staff data is not PHI, except the TOTP secret, which is sealed
//! under the `auth_secrets` system key.

use portico_crypto::{Aad, Sealed};
use portico_domain::actor::StaffActor;
use portico_domain::audit::AuditRecord;
use portico_domain::{StaffId, StaffRole, TeamId, Timestamp};
use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError, audit, conflict, parse_id};

/// A team as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Team {
    /// Id.
    pub id: TeamId,
    /// Display name.
    pub name: String,
}

/// A staff account to create.
#[derive(Clone, Debug)]
pub struct NewStaff {
    /// Login email, lower case.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Teams to join.
    pub teams: Vec<TeamId>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// TOTP secret bytes, when enrolled at creation.
    pub totp_secret: Option<Vec<u8>>,
}

/// What login needs to know about a staff account.
#[derive(Clone)]
pub struct StaffAuth {
    /// Id.
    pub id: StaffId,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The opened TOTP secret, if enrolled.
    pub totp_secret: Option<Vec<u8>>,
    /// Whether the account is deactivated.
    pub deactivated: bool,
}

impl std::fmt::Debug for StaffAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaffAuth({})", self.id)
    }
}

/// A staff member as shown to themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StaffProfile {
    /// Id.
    pub id: StaffId,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Teams.
    pub teams: Vec<Team>,
}

fn totp_aad(id: StaffId) -> Aad {
    Aad::field("staff", "totp_secret", &id.to_string())
}

impl Store {
    /// Creates a team.
    pub async fn create_team(&self, name: &str, at: Timestamp, audit_rec: &AuditRecord) -> Result<TeamId, StoreError> {
        let id = TeamId::generate(at);
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.to_string())
            .bind(name)
            .bind(at.unix_millis())
            .execute(&mut *tx)
            .await
            .map_err(conflict("a team with this name"))?;
        audit::insert(&mut tx, at, &audit_rec.clone().resource(id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Teams, by name. `patient_facing_only` keeps those that accept patient messages.
    pub async fn list_teams(&self, patient_facing_only: bool) -> Result<Vec<Team>, StoreError> {
        let rows = sqlx::query("SELECT id, name FROM teams WHERE accepts_patient_messages = 1 OR $1 = 0 ORDER BY name")
            .bind(i64::from(patient_facing_only))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(Team { id: parse_id(r, "id")?, name: r.try_get("name")? })).collect()
    }

    /// Creates a staff account and its team memberships.
    pub async fn create_staff(
        &self,
        new: &NewStaff,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<StaffId, StoreError> {
        let id = StaffId::generate(at);
        let totp = match &new.totp_secret {
            Some(secret) => Some(self.keys.auth_secrets.seal(&totp_aad(id), secret)?.into_bytes()),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO staff (id, email, name, role, password_hash, totp_secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(&new.email)
        .bind(&new.name)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(totp)
        .bind(at.unix_millis())
        .execute(&mut *tx)
        .await
        .map_err(conflict("a staff account with this email"))?;
        for team in &new.teams {
            sqlx::query("INSERT INTO staff_teams (staff_id, team_id) VALUES ($1, $2)")
                .bind(id.to_string())
                .bind(team.to_string())
                .execute(&mut *tx)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound("team"),
                    _ => conflict("team membership")(e),
                })?;
        }
        audit::insert(&mut tx, at, &audit_rec.clone().resource(id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The credentials of the staff account with this (lower-case) email.
    pub async fn staff_auth_by_email(&self, email: &str) -> Result<Option<StaffAuth>, StoreError> {
        let Some(row) =
            sqlx::query("SELECT id, password_hash, totp_secret, deactivated_at FROM staff WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let id: StaffId = parse_id(&row, "id")?;
        let sealed: Option<Vec<u8>> = row.try_get("totp_secret")?;
        let totp_secret = match sealed {
            Some(b) => Some(
                self.keys
                    .auth_secrets
                    .open(&totp_aad(id), &Sealed::from_bytes(b))
                    .map_err(|_| StoreError::Integrity("staff TOTP secret"))?,
            ),
            None => None,
        };
        Ok(Some(StaffAuth {
            id,
            password_hash: row.try_get("password_hash")?,
            totp_secret,
            deactivated: row.try_get::<Option<i64>, _>("deactivated_at")?.is_some(),
        }))
    }

    /// The staff member as an actor (role and teams), if the account exists and is active.
    pub async fn staff_actor(&self, id: StaffId) -> Result<Option<StaffActor>, StoreError> {
        Ok(self.staff_profile(id).await?.map(|p| StaffActor {
            id: p.id,
            role: p.role,
            teams: p.teams.iter().map(|t| t.id).collect(),
            emergency: Vec::new(),
        }))
    }

    /// Every active staff account with its teams, by name.
    pub async fn list_staff(&self) -> Result<Vec<StaffProfile>, StoreError> {
        let rows =
            sqlx::query("SELECT id, email, name, role FROM staff WHERE deactivated_at IS NULL ORDER BY name, email")
                .fetch_all(&self.pool)
                .await?;
        let links = sqlx::query(
            "SELECT st.staff_id, t.id, t.name FROM staff_teams st JOIN teams t ON t.id = st.team_id ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut teams: std::collections::HashMap<String, Vec<Team>> = std::collections::HashMap::new();
        for l in &links {
            let staff: String = l.try_get("staff_id")?;
            teams.entry(staff).or_default().push(Team { id: parse_id(l, "id")?, name: l.try_get("name")? });
        }
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                let id: String = r.try_get("id")?;
                Ok(StaffProfile {
                    id: parse_id(r, "id")?,
                    email: r.try_get("email")?,
                    name: r.try_get("name")?,
                    role: StaffRole::parse(&role).map_err(|_| StoreError::Integrity("staff role"))?,
                    teams: teams.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The staff member's profile, if the account exists and is active.
    pub async fn staff_profile(&self, id: StaffId) -> Result<Option<StaffProfile>, StoreError> {
        let Some(row) = sqlx::query("SELECT email, name, role FROM staff WHERE id = $1 AND deactivated_at IS NULL")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let role: String = row.try_get("role")?;
        let teams = sqlx::query(
            "SELECT t.id, t.name FROM teams t JOIN staff_teams st ON st.team_id = t.id WHERE st.staff_id = $1 ORDER BY t.name",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(Team { id: parse_id(r, "id")?, name: r.try_get("name")? }))
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(StaffProfile {
            id,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: StaffRole::parse(&role).map_err(|_| StoreError::Integrity("staff role"))?,
            teams,
        }))
    }

    /// Counts active admins (to tell a new operator how to create the first one).
    pub async fn count_active_admins(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM staff WHERE role = 'admin' AND deactivated_at IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The staff member's confirmed TOTP secret, if any.
    pub async fn staff_totp_secret(&self, id: StaffId) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT totp_secret FROM staff WHERE id = $1 AND deactivated_at IS NULL")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => self.open_totp(
                portico_domain::session::AccountKind::Staff,
                &id.to_string(),
                "totp_secret",
                r.try_get("totp_secret")?,
            ),
            None => Ok(None),
        }
    }

    /// Deactivates a staff account and ends its sessions; audited. Returns the staff id.
    pub async fn deactivate_staff(
        &self,
        email: &str,
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<StaffId, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = active_staff_by_email(&mut tx, email).await?;
        sqlx::query("UPDATE staff SET deactivated_at = $1 WHERE id = $2")
            .bind(at.unix_millis())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        end_staff_sessions(&mut tx, id).await?;
        audit::insert(&mut tx, at, &audit_rec.clone().resource(id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces a staff member's TOTP secret (a lost phone) and ends their sessions; audited.
    pub async fn reset_staff_totp(
        &self,
        email: &str,
        secret: &[u8],
        at: Timestamp,
        audit_rec: &AuditRecord,
    ) -> Result<StaffId, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = active_staff_by_email(&mut tx, email).await?;
        let sealed = self.keys.auth_secrets.seal(&totp_aad(id), secret)?;
        sqlx::query("UPDATE staff SET totp_secret = $1, totp_pending = NULL, totp_last_step = NULL WHERE id = $2")
            .bind(sealed.into_bytes())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        end_staff_sessions(&mut tx, id).await?;
        audit::insert(&mut tx, at, &audit_rec.clone().resource(id)).await?;
        tx.commit().await?;
        Ok(id)
    }
}

async fn active_staff_by_email(conn: &mut sqlx::AnyConnection, email: &str) -> Result<StaffId, StoreError> {
    let row = sqlx::query("SELECT id FROM staff WHERE email = $1 AND deactivated_at IS NULL")
        .bind(email)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("active staff account"))?;
    parse_id(&row, "id")
}

async fn end_staff_sessions(conn: &mut sqlx::AnyConnection, id: StaffId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE account_kind = 'staff' AND account_id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
