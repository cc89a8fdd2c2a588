//! The kinds of information the scanner finds.

/// What kind of information a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// A person's name (patients, relatives, staff).
    Name,
    /// Any element of a date but the year alone.
    Date,
    /// Telephone number.
    Phone,
    /// Fax number.
    Fax,
    /// E-mail address.
    Email,
    /// Social Security number.
    Ssn,
    /// Medical record number.
    Mrn,
    /// Health plan beneficiary number.
    HealthPlanId,
    /// Account number (including payment cards).
    Account,
    /// Certificate or licence number (including NPI and DEA numbers).
    License,
    /// Vehicle identifier or licence plate.
    Vehicle,
    /// Device identifier or serial number.
    Device,
    /// Web address.
    Url,
    /// IP address.
    Ip,
    /// Street address or a place smaller than a state.
    Address,
    /// ZIP code.
    Zip,
    /// An age over 89.
    AgeOver89,
    /// Any other unique identifying number or code.
    OtherId,
    /// A condition, symptom, procedure or test.
    Condition,
    /// A medication.
    Medication,
}

impl Label {
    /// Every label, in the order reports print them.
    pub const ALL: [Label; 20] = [
        Label::Name,
        Label::Date,
        Label::Phone,
        Label::Fax,
        Label::Email,
        Label::Ssn,
        Label::Mrn,
        Label::HealthPlanId,
        Label::Account,
        Label::License,
        Label::Vehicle,
        Label::Device,
        Label::Url,
        Label::Ip,
        Label::Address,
        Label::Zip,
        Label::AgeOver89,
        Label::OtherId,
        Label::Condition,
        Label::Medication,
    ];

    /// The label as the CLI and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Name => "NAME",
            Label::Date => "DATE",
            Label::Phone => "PHONE",
            Label::Fax => "FAX",
            Label::Email => "EMAIL",
            Label::Ssn => "SSN",
            Label::Mrn => "MRN",
            Label::HealthPlanId => "HEALTH_PLAN_ID",
            Label::Account => "ACCOUNT",
            Label::License => "LICENSE",
            Label::Vehicle => "VEHICLE",
            Label::Device => "DEVICE",
            Label::Url => "URL",
            Label::Ip => "IP",
            Label::Address => "ADDRESS",
            Label::Zip => "ZIP",
            Label::AgeOver89 => "AGE_OVER_89",
            Label::OtherId => "OTHER_ID",
            Label::Condition => "CONDITION",
            Label::Medication => "MEDICATION",
        }
    }

    /// Parses the spelling of [`Label::as_str`].
    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Health terms, as opposed to identifiers.
    pub fn is_health(self) -> bool {
        matches!(self, Label::Condition | Label::Medication)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
