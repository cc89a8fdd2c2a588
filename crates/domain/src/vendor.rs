//! The registry of vendors and their business associate agreements (45 CFR 164.502(e),
//! 164.504(e)). A vendor that would receive, carry or store PHI for the clinic may do so only
//! under a current BAA: [`Vendor::may_carry_phi`] is the one check every such path asks.

use crate::patient::FieldError;
use serde::Serialize;
pub use time::Date;

/// Days before a BAA's end when it is flagged for renewal.
pub const RENEWAL_NOTICE_DAYS: i64 = 30;

/// Where a vendor's agreement stands administratively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// Signed and in force (between its dates).
    Active,
    /// Being negotiated or awaiting signature.
    Pending,
    /// Ended by either party.
    Terminated,
}

impl AgreementStatus {
    /// Parses `active`, `pending` or `terminated`.
    pub fn parse(s: &str) -> Result<AgreementStatus, FieldError> {
        match s {
            "active" => Ok(AgreementStatus::Active),
            "pending" => Ok(AgreementStatus::Pending),
            "terminated" => Ok(AgreementStatus::Terminated),
            _ => Err(FieldError { field: "status", reason: "must be active, pending or terminated" }),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Active => "active",
            AgreementStatus::Pending => "pending",
            AgreementStatus::Terminated => "terminated",
        }
    }
}

/// A vendor's record, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorRecord {
    /// The vendor ("Example SMS Inc.").
    pub name: String,
    /// What it does for the clinic ("SMS delivery").
    pub service: String,
    /// When the BAA was signed.
    pub baa_signed_on: Option<Date>,
    /// When it ends (none: until terminated).
    pub baa_expires_on: Option<Date>,
    /// Where the signed document is kept (a reference, not the document).
    pub document_ref: String,
    /// Administrative status.
    pub status: AgreementStatus,
}

/// Whether a vendor may carry PHI today, and why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// A current BAA, not ending within [`RENEWAL_NOTICE_DAYS`].
    Current,
    /// A current BAA that ends within [`RENEWAL_NOTICE_DAYS`]: renew it.
    ExpiringSoon,
    /// The BAA's end date has passed.
    Expired,
    /// The BAA's start date is still ahead.
    NotYetInForce,
    /// No signed BAA (pending, or never recorded).
    NoBaa,
    /// The BAA was terminated.
    Terminated,
}

impl Standing {
    /// Whether PHI may go to the vendor.
    pub fn allows_phi(self) -> bool {
        matches!(self, Standing::Current | Standing::ExpiringSoon)
    }
}

pub(crate) fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let v = value.trim();
    if (required && v.is_empty()) || v.chars().count() > max || v.chars().any(char::is_control) {
        let reason = if required { "must be 1 to 200 characters, no control characters" } else { "is too long" };
        return Err(FieldError { field, reason });
    }
    Ok(v.to_string())
}

/// Parses an ISO date (`YYYY-MM-DD`).
pub fn parse_date(field: &'static str, value: &str) -> Result<Date, FieldError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value.trim(), format).map_err(|_| FieldError { field, reason: "must be a date, YYYY-MM-DD" })
}

impl VendorRecord {
    /// Validates a vendor's fields: names of 1 to 200 characters, ISO dates, an end after the
    /// start, and a signature date for an active agreement.
    pub fn parse(
        name: &str,
        service: &str,
        baa_signed_on: Option<&str>,
        baa_expires_on: Option<&str>,
        document_ref: &str,
        status: &str,
    ) -> Result<VendorRecord, FieldError> {
        let name = text("name", name, 200, true)?;
        let service = text("service", service, 200, true)?;
        let document_ref = text("document_ref", document_ref, 500, false)?;
        let signed =
            baa_signed_on.filter(|s| !s.trim().is_empty()).map(|s| parse_date("baa_signed_on", s)).transpose()?;
        let expires =
            baa_expires_on.filter(|s| !s.trim().is_empty()).map(|s| parse_date("baa_expires_on", s)).transpose()?;
        let status = AgreementStatus::parse(status)?;
        if let (Some(s), Some(e)) = (signed, expires)
            && e < s
        {
            return Err(FieldError { field: "baa_expires_on", reason: "must not be before baa_signed_on" });
        }
        if status == AgreementStatus::Active && signed.is_none() {
            return Err(FieldError { field: "baa_signed_on", reason: "is required for an active agreement" });
        }
        Ok(VendorRecord { name, service, baa_signed_on: signed, baa_expires_on: expires, document_ref, status })
    }

    /// Where the agreement stands on `today`.
    pub fn standing(&self, today: Date) -> Standing {
        match self.status {
            AgreementStatus::Terminated => return Standing::Terminated,
            AgreementStatus::Pending => return Standing::NoBaa,
            AgreementStatus::Active => {}
        }
        let Some(signed) = self.baa_signed_on else { return Standing::NoBaa };
        if today < signed {
            return Standing::NotYetInForce;
        }
        match self.baa_expires_on {
            Some(end) if today > end => Standing::Expired,
            Some(end) if (end - today).whole_days() <= RENEWAL_NOTICE_DAYS => Standing::ExpiringSoon,
            _ => Standing::Current,
        }
    }

    /// Days until the BAA ends (negative once it has), if it has an end date.
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.baa_expires_on.map(|end| (end - today).whole_days())
    }

    /// The check for anything that would send PHI to this vendor.
    pub fn may_carry_phi(&self, today: Date) -> Result<(), Standing> {
        let s = self.standing(today);
        if s.allows_phi() { Ok(()) } else { Err(s) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn vendor(signed: Option<&str>, expires: Option<&str>, status: &str) -> VendorRecord {
        VendorRecord::parse("Example SMS Inc.", "SMS delivery", signed, expires, "contracts/sms.pdf", status).unwrap()
    }

    #[test]
    fn an_active_baa_allows_phi_between_its_dates_and_warns_before_its_end() {
        let v = vendor(Some("2026-01-01"), Some("2026-12-31"), "active");
        assert_eq!(v.standing(date!(2025 - 12 - 31)), Standing::NotYetInForce);
        assert_eq!(v.standing(date!(2026 - 06 - 01)), Standing::Current);
        assert_eq!(v.standing(date!(2026 - 12 - 01)), Standing::ExpiringSoon);
        assert_eq!(v.days_left(date!(2026 - 12 - 01)), Some(30));
        assert_eq!(v.standing(date!(2026 - 12 - 31)), Standing::ExpiringSoon);
        assert_eq!(v.standing(date!(2027 - 01 - 01)), Standing::Expired);
        assert!(v.may_carry_phi(date!(2026 - 12 - 31)).is_ok());
        assert_eq!(v.may_carry_phi(date!(2027 - 01 - 01)), Err(Standing::Expired));
        assert_eq!(vendor(Some("2026-01-01"), None, "active").standing(date!(2040 - 01 - 01)), Standing::Current);
    }

    #[test]
    fn pending_and_terminated_agreements_never_allow_phi() {
        assert_eq!(vendor(None, None, "pending").may_carry_phi(date!(2026 - 06 - 01)), Err(Standing::NoBaa));
        let t = vendor(Some("2026-01-01"), Some("2030-01-01"), "terminated");
        assert_eq!(t.may_carry_phi(date!(2026 - 06 - 01)), Err(Standing::Terminated));
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |r: Result<VendorRecord, FieldError>| r.unwrap_err().field;
        assert_eq!(err(VendorRecord::parse(" ", "s", None, None, "", "pending")), "name");
        assert_eq!(err(VendorRecord::parse("n", "s", Some("2026-13-01"), None, "", "active")), "baa_signed_on");
        assert_eq!(
            err(VendorRecord::parse("n", "s", Some("2026-02-01"), Some("2026-01-01"), "", "active")),
            "baa_expires_on"
        );
        assert_eq!(err(VendorRecord::parse("n", "s", None, None, "", "active")), "baa_signed_on");
        assert_eq!(err(VendorRecord::parse("n", "s", None, None, "", "signed")), "status");
    }
}
