//! The vendor registry: who may carry PHI for the clinic, under which business associate
//! agreement, and which agreements need attention (ended, missing, or ending within 30 days).

use portico_domain::Actor;
use portico_domain::audit::{AuditRecord, Purpose, RequestContext};
use portico_domain::authz::Action;
use portico_domain::vendor::{Standing, VendorRecord};
use serde::Serialize;

use crate::App;
use crate::admin::{AdminError, require};

/// A vendor as the admin API shows it, with where its agreement stands today.
#[derive(Clone, Debug, Serialize)]
pub struct VendorView {
    /// Id.
    pub id: String,
    /// The vendor.
    pub name: String,
    /// What it does for the clinic.
    pub service: String,
    /// When the BAA was signed (YYYY-MM-DD).
    pub baa_signed_on: Option<String>,
    /// When it ends (YYYY-MM-DD).
    pub baa_expires_on: Option<String>,
    /// Where the signed document is kept.
    pub document_ref: String,
    /// `active`, `pending` or `terminated`.
    pub status: &'static str,
    /// Where the agreement stands today.
    pub standing: Standing,
    /// Days until the agreement ends (negative once it has).
    pub days_left: Option<i64>,
    /// PHI may go to this vendor today.
    pub may_carry_phi: bool,
    /// The agreement needs an admin: it ends within 30 days, has ended, or is missing.
    pub needs_attention: bool,
}

/// A configured notification channel and where its vendor's agreement stands.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderView {
    /// `email` or `sms`.
    pub channel: String,
    /// The vendor named in the configuration (`vendor = "..."`), if any.
    pub vendor: Option<String>,
    /// Its standing today: `unnamed` (no vendor in the configuration), `unknown` (not in the
    /// registry), or the vendor's standing.
    pub standing: String,
    /// The provider has a current BAA.
    pub has_current_baa: bool,
}

/// Something an administrator should act on.
#[derive(Clone, Debug, Serialize)]
pub struct AdminAlert {
    /// `baa`, `provider` or `dead_letter`.
    pub kind: &'static str,
    /// `warning` or `critical`.
    pub severity: &'static str,
    /// What, in words (vendor names and counts only).
    pub message: String,
}

/// Fields to change on a vendor; `None` keeps the stored value.
#[derive(Clone, Debug, Default)]
pub struct VendorPatch {
    /// The vendor.
    pub name: Option<String>,
    /// What it does.
    pub service: Option<String>,
    /// BAA signature date (empty: none).
    pub baa_signed_on: Option<String>,
    /// BAA end date (empty: none).
    pub baa_expires_on: Option<String>,
    /// Where the document is kept.
    pub document_ref: Option<String>,
    /// `active`, `pending` or `terminated`.
    pub status: Option<String>,
}

/// Why PHI may not go to a vendor.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoBaa {
    /// The vendor is not in the registry.
    #[error("vendor {0:?} is not in the registry")]
    Unknown(String),
    /// The vendor's agreement does not allow it today.
    #[error("vendor {0:?} has no current business associate agreement ({1:?})")]
    NotCurrent(String, Standing),
    /// The registry could not be read.
    #[error("the vendor registry could not be read")]
    Unreadable,
}

impl App {
    /// Today's date (UTC) by the application's clock.
    pub(crate) fn today(&self) -> Result<portico_domain::vendor::Date, AdminError> {
        self.now().utc_date().ok_or_else(|| AdminError::Unexpected(anyhow::anyhow!("the clock is out of range").into()))
    }

    /// Records a vendor (admins).
    pub async fn create_vendor(
        &self,
        actor: &Actor,
        v: &VendorRecord,
        ctx: &RequestContext,
    ) -> Result<String, AdminError> {
        require(actor, &Action::ManageVendors)?;
        let rec = AuditRecord::new(actor, "vendor.create", "vendor", Purpose::Operations, ctx);
        Ok(self.store.create_vendor(v, self.now(), &rec).await?)
    }

    /// Changes a vendor's record (admins): the fields given replace the stored ones (an empty
    /// date clears it), and the result is validated as a whole.
    pub async fn update_vendor(
        &self,
        actor: &Actor,
        id: &str,
        patch: &VendorPatch,
        ctx: &RequestContext,
    ) -> Result<(), AdminError> {
        require(actor, &Action::ManageVendors)?;
        let current = self.store.vendor(id).await?.ok_or(AdminError::NotFound("vendor"))?.record;
        let date = |d: Option<portico_domain::vendor::Date>| d.map(|d| d.to_string()).unwrap_or_default();
        let (signed, expires) = (date(current.baa_signed_on), date(current.baa_expires_on));
        let v = VendorRecord::parse(
            patch.name.as_deref().unwrap_or(&current.name),
            patch.service.as_deref().unwrap_or(&current.service),
            Some(patch.baa_signed_on.as_deref().unwrap_or(&signed)),
            Some(patch.baa_expires_on.as_deref().unwrap_or(&expires)),
            patch.document_ref.as_deref().unwrap_or(&current.document_ref),
            patch.status.as_deref().unwrap_or(current.status.as_str()),
        )?;
        let rec = AuditRecord::new(actor, "vendor.update", "vendor", Purpose::Operations, ctx);
        Ok(self.store.update_vendor(id, &v, self.now(), &rec).await?)
    }

    /// The registry, by name, each vendor with its standing today (admins, privacy officer).
    pub async fn vendors(&self, actor: &Actor) -> Result<Vec<VendorView>, AdminError> {
        require(actor, &Action::ViewVendors)?;
        let today = self.today()?;
        let list = self.store.vendors().await.map_err(|e| AdminError::Unexpected(e.into()))?;
        Ok(list
            .into_iter()
            .map(|v| {
                let r = &v.record;
                let standing = r.standing(today);
                VendorView {
                    id: v.id,
                    name: r.name.clone(),
                    service: r.service.clone(),
                    baa_signed_on: r.baa_signed_on.map(|d| d.to_string()),
                    baa_expires_on: r.baa_expires_on.map(|d| d.to_string()),
                    document_ref: r.document_ref.clone(),
                    status: r.status.as_str(),
                    standing,
                    days_left: r.days_left(today),
                    may_carry_phi: standing.allows_phi(),
                    needs_attention: standing != Standing::Current,
                }
            })
            .collect())
    }

    /// Each configured notification channel with its vendor's standing (admins, privacy officer).
    /// The addresses they carry reach the provider: each should have a current BAA.
    pub async fn providers(&self, actor: &Actor) -> Result<Vec<ProviderView>, AdminError> {
        require(actor, &Action::ViewVendors)?;
        let today = self.today()?;
        let mut out = Vec::new();
        for (channel, vendor) in &self.settings.providers {
            let record = match vendor {
                Some(name) => self.store.vendor_named(name).await?,
                None => None,
            };
            let standing = record.as_ref().map(|v| v.record.standing(today));
            let label = match (vendor, standing) {
                (None, _) => "unnamed".to_owned(),
                (Some(_), None) => "unknown".to_owned(),
                (Some(_), Some(s)) => {
                    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                }
            };
            out.push(ProviderView {
                channel: channel.clone(),
                vendor: vendor.clone(),
                standing: label,
                has_current_baa: standing.is_some_and(Standing::allows_phi),
            });
        }
        Ok(out)
    }

    /// What needs an administrator (admins): every agreement that ends within 30 days, has
    /// ended or is missing, every notification channel whose vendor lacks a current agreement,
    /// and deliveries dead-lettered in the last 7 days. Nothing here is patient data.
    pub async fn admin_alerts(&self, actor: &Actor) -> Result<Vec<AdminAlert>, AdminError> {
        require(actor, &Action::ReadAdminAlerts)?;
        let mut alerts = Vec::new();
        for v in self.vendors(actor).await?.into_iter().filter(|v| v.needs_attention) {
            let message = match (v.standing, v.days_left) {
                (Standing::ExpiringSoon, Some(days)) => format!(
                    "The business associate agreement with {} ends in {days} days ({}).",
                    v.name,
                    v.baa_expires_on.as_deref().unwrap_or("")
                ),
                (Standing::Expired, _) => format!(
                    "The business associate agreement with {} has ended ({}): PHI may not go to it.",
                    v.name,
                    v.baa_expires_on.as_deref().unwrap_or("")
                ),
                _ => format!("{} has no business associate agreement in force.", v.name),
            };
            let severity = if v.standing == Standing::ExpiringSoon { "warning" } else { "critical" };
            alerts.push(AdminAlert { kind: "baa", severity, message });
        }
        for p in self.providers(actor).await?.into_iter().filter(|p| !p.has_current_baa) {
            let vendor = p.vendor.as_deref().unwrap_or("a vendor not named in the configuration");
            alerts.push(AdminAlert {
                kind: "provider",
                severity: "critical",
                message: format!("The {} channel is carried by {vendor}, without a current agreement.", p.channel),
            });
        }
        let since = portico_domain::Timestamp::from_unix_millis(self.now().unix_millis() - 7 * 24 * 3600 * 1000);
        for d in self.store.dead_letters(since).await? {
            let what = match d.source {
                "notification" => format!("{} notification", d.what),
                _ => format!("social-media call ({})", d.what.replace('_', " ")),
            };
            alerts.push(AdminAlert {
                kind: "dead_letter",
                severity: "critical",
                message: format!(
                    "{} {what}{} failed for good in the last 7 days; see the operators' guide.",
                    d.count,
                    if d.count == 1 { "" } else { "s" }
                ),
            });
        }
        Ok(alerts)
    }

    /// The check for anything that would send PHI to a named vendor: refused unless the
    /// registry holds a current agreement with it.
    pub async fn vendor_may_carry_phi(&self, name: &str) -> Result<(), NoBaa> {
        let v = self.store.vendor_named(name).await.map_err(|_| NoBaa::Unreadable)?;
        let v = v.ok_or_else(|| NoBaa::Unknown(name.to_string()))?;
        let today = self.now().utc_date().ok_or(NoBaa::Unreadable)?;
        v.record.may_carry_phi(today).map_err(|s| NoBaa::NotCurrent(v.record.name.clone(), s))
    }
}
