//! Clients of the agency: companies with a website, a pipeline stage and at most one account manager.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::country::country_name;
use crate::validation::{email_error, no_control_chars, FieldErrors};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $id:literal, $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($id => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// Industries the agency reports on; anything else is `Other`.
    Industry {
        Ecommerce => "ecommerce", "E-commerce",
        Saas => "saas", "SaaS and software",
        Finance => "finance", "Finance and insurance",
        Healthcare => "healthcare", "Healthcare",
        Education => "education", "Education",
        RealEstate => "real_estate", "Real estate",
        Travel => "travel", "Travel and hospitality",
        Legal => "legal", "Legal services",
        Manufacturing => "manufacturing", "Manufacturing",
        Media => "media", "Media and publishing",
        LocalServices => "local_services", "Local services",
        Automotive => "automotive", "Automotive",
        Nonprofit => "nonprofit", "Non-profit",
        Other => "other", "Other",
    }
}

string_enum! {
    /// Where a client is in the sales pipeline.
    Stage {
        Prospect => "prospect", "Prospect",
        Qualified => "qualified", "Qualified",
        Proposal => "proposal", "Proposal",
        Negotiation => "negotiation", "Negotiation",
        Won => "won", "Won",
        Lost => "lost", "Lost",
        Churned => "churned", "Churned",
    }
}

string_enum! {
    /// When a prospect means to buy.
    Timeline {
        Immediate => "immediate", "Immediately",
        WithinQuarter => "within_quarter", "Within 3 months",
        WithinHalfYear => "within_half_year", "Within 6 months",
        WithinYear => "within_year", "Within a year",
        Undecided => "undecided", "Undecided",
    }
}

/// The lead profile kept for prospects (the lead-qualification agent reads it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LeadProfile {
    /// Monthly budget the prospect mentioned, in whole currency units.
    pub budget: Option<i64>,
    pub timeline: Option<Timeline>,
    pub decision_maker_role: String,
    pub pain_points: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Client {
    pub id: Uuid,
    pub company_name: String,
    /// Normalised URL (`https://example.com/`).
    pub website: String,
    /// The website's host, lower case: what the crawler starts from.
    pub domain: String,
    pub industry: Industry,
    pub country: String,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i32>,
    pub stage: Stage,
    /// Monthly retainer in whole currency units.
    pub monthly_value: i64,
    pub account_manager_id: Option<Uuid>,
    pub account_manager_name: Option<String>,
    pub competitor_domains: Vec<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub lead: LeadProfile,
    pub notes: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// What the client list shows of a client (the list answers with these, not whole clients).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClientSummary {
    pub id: Uuid,
    pub company_name: String,
    pub domain: String,
    pub industry: Industry,
    pub country: String,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i32>,
    pub stage: Stage,
    pub monthly_value: i64,
    pub account_manager_id: Option<Uuid>,
    pub account_manager_name: Option<String>,
}

impl From<&Client> for ClientSummary {
    fn from(c: &Client) -> Self {
        ClientSummary {
            id: c.id,
            company_name: c.company_name.clone(),
            domain: c.domain.clone(),
            industry: c.industry,
            country: c.country.clone(),
            annual_revenue: c.annual_revenue,
            employee_count: c.employee_count,
            stage: c.stage,
            monthly_value: c.monthly_value,
            account_manager_id: c.account_manager_id,
            account_manager_name: c.account_manager_name.clone(),
        }
    }
}

/// A client as a form submits it: every field a string, checked by [`ClientInput::validate`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientInput {
    pub company_name: String,
    pub website: String,
    pub industry: String,
    pub country: String,
    pub annual_revenue: String,
    pub employee_count: String,
    pub stage: String,
    pub monthly_value: String,
    /// One domain per line or separated by commas.
    pub competitor_domains: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub lead_budget: String,
    pub lead_timeline: String,
    pub lead_decision_maker_role: String,
    pub lead_pain_points: String,
    pub lead_source: String,
    pub notes: String,
}

/// Validated, normalised client fields, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDraft {
    pub company_name: String,
    pub website: String,
    pub domain: String,
    pub industry: Industry,
    pub country: String,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i32>,
    pub stage: Stage,
    pub monthly_value: i64,
    pub competitor_domains: Vec<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub lead: LeadProfile,
    pub notes: String,
}

pub const COMPANY_NAME_MAX: usize = 200;
pub const NOTES_MAX: usize = 5_000;
pub const TEXT_MAX: usize = 500;
pub const MAX_COMPETITORS: usize = 20;
/// Upper bound on money fields: a trillion units is beyond any client's revenue and keeps sums in i64.
pub const MONEY_MAX: i64 = 1_000_000_000_000;
pub const EMPLOYEES_MAX: i64 = 10_000_000;

/// Parses an amount such as `1 200 000`, `1,200,000` or `1200000`; empty is None.
pub fn parse_amount(raw: &str, max: i64) -> Result<Option<i64>, String> {
    let cleaned: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | ',' | '_' | '\u{a0}')).collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    match cleaned.parse::<i64>() {
        Ok(v) if v < 0 => Err("must not be negative".into()),
        Ok(v) if v > max => Err(format!("must be at most {max}")),
        Ok(v) => Ok(Some(v)),
        Err(_) => Err("must be a whole number".into()),
    }
}

/// Normalises a website to `scheme://host[:port]/path` with a lower-case host and no fragment.
/// A missing scheme means https. Only http and https with a dotted host are accepted.
pub fn normalize_website(raw: &str) -> Result<(String, String), String> {
    normalize_website_reaching(raw, |_| false)
}

/// [`normalize_website`], except that an IP-address host is accepted when `ip_allowed` says so: on the
/// server that is the crawler's outbound guard (`crawl::fetch::AddressPolicy::permits`), so a staging site
/// on an address `CRAWL_ALLOW` covers can be a client's website, and an address audits may not crawl can't.
pub fn normalize_website_reaching(raw: &str, ip_allowed: impl Fn(IpAddr) -> bool) -> Result<(String, String), String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("enter the client's website".into());
    }
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let mut url =
        url::Url::parse(&with_scheme).map_err(|_| "enter a website such as https://example.com".to_string())?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err("the website must start with http:// or https://".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the website must not contain a user name or password".into());
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) if d.contains('.') && !d.starts_with('.') && !d.ends_with('.') => d.to_lowercase(),
        Some(url::Host::Domain(_)) => return Err("the website needs a full domain such as example.com".into()),
        Some(url::Host::Ipv4(ip)) if ip_allowed(IpAddr::V4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) if ip_allowed(IpAddr::V6(ip)) => format!("[{ip}]"),
        Some(_) => return Err("the website must use a domain name: audits may not crawl this IP address".into()),
        None => return Err("the website needs a domain".into()),
    };
    url.set_fragment(None);
    Ok((url.to_string(), host))
}

/// A competitor given as a domain or URL, reduced to its lower-case host.
pub fn normalize_domain(raw: &str) -> Result<String, String> {
    normalize_website(raw).map(|(_, host)| host)
}

fn bounded(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    v.to_string()
}

impl ClientInput {
    /// Checks every field and returns the normalised draft, or every problem keyed by its field. An
    /// IP-address website is refused: only the server knows which addresses audits may crawl, and it
    /// checks with [`ClientInput::validate_reaching`].
    pub fn validate(&self) -> Result<ClientDraft, FieldErrors> {
        self.validate_reaching(|_| false)
    }

    /// [`ClientInput::validate`], with an IP-address website accepted when `ip_allowed` says so (see
    /// [`normalize_website_reaching`]).
    pub fn validate_reaching(&self, ip_allowed: impl Fn(IpAddr) -> bool) -> Result<ClientDraft, FieldErrors> {
        no_control_chars(self)?;
        let mut e = FieldErrors::default();
        let company_name = self.company_name.trim().to_string();
        if company_name.is_empty() {
            e.add("company_name", "enter the company name");
        } else if company_name.chars().count() > COMPANY_NAME_MAX {
            e.add("company_name", format!("must be at most {COMPANY_NAME_MAX} characters"));
        }
        let (website, domain) = match normalize_website_reaching(&self.website, ip_allowed) {
            Ok(v) => v,
            Err(m) => {
                e.add("website", m);
                Default::default()
            }
        };
        let industry = Industry::parse(self.industry.trim()).unwrap_or_else(|| {
            e.add("industry", "choose an industry from the list");
            Industry::Other
        });
        let country = self.country.trim().to_uppercase();
        if country_name(&country).is_none() {
            e.add("country", "choose a country (ISO 3166-1 two-letter code)");
        }
        let annual_revenue = parse_amount(&self.annual_revenue, MONEY_MAX).unwrap_or_else(|m| {
            e.add("annual_revenue", format!("annual revenue {m}"));
            None
        });
        let employee_count = parse_amount(&self.employee_count, EMPLOYEES_MAX).unwrap_or_else(|m| {
            e.add("employee_count", format!("employee count {m}"));
            None
        });
        let stage = Stage::parse(self.stage.trim()).unwrap_or_else(|| {
            e.add("stage", "choose a pipeline stage");
            Stage::Prospect
        });
        let monthly_value = parse_amount(&self.monthly_value, MONEY_MAX).unwrap_or_else(|m| {
            e.add("monthly_value", format!("monthly value {m}"));
            None
        });
        let mut competitor_domains = Vec::new();
        for part in self.competitor_domains.split(|c: char| c == ',' || c == '\n' || c.is_whitespace()) {
            if part.trim().is_empty() {
                continue;
            }
            match normalize_domain(part) {
                Ok(d) if d == domain => e.add("competitor_domains", "a competitor can't be the client's own domain"),
                Ok(d) if !competitor_domains.contains(&d) => competitor_domains.push(d),
                Ok(_) => {}
                Err(_) => e.add("competitor_domains", format!("{:?} is not a domain", part.trim())),
            }
        }
        if competitor_domains.len() > MAX_COMPETITORS {
            e.add("competitor_domains", format!("at most {MAX_COMPETITORS} competitors"));
        }
        let contact_name = bounded(&mut e, "contact_name", &self.contact_name, TEXT_MAX);
        let contact_email = self.contact_email.trim().to_lowercase();
        if !contact_email.is_empty() {
            if let Some(m) = email_error(&contact_email) {
                e.add("contact_email", m);
            }
        }
        let contact_phone = self.contact_phone.trim().to_string();
        if !contact_phone.is_empty() {
            let digits = contact_phone.chars().filter(char::is_ascii_digit).count();
            let allowed = contact_phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
            if !allowed || !(6..=15).contains(&digits) {
                e.add("contact_phone", "enter a phone number of 6 to 15 digits, e.g. +44 20 7946 0958");
            }
        }
        let lead_budget = parse_amount(&self.lead_budget, MONEY_MAX).unwrap_or_else(|m| {
            e.add("lead_budget", format!("budget {m}"));
            None
        });
        let lead_timeline = match self.lead_timeline.trim() {
            "" => None,
            t => Timeline::parse(t).or_else(|| {
                e.add("lead_timeline", "choose a timeline from the list");
                None
            }),
        };
        let lead = LeadProfile {
            budget: lead_budget,
            timeline: lead_timeline,
            decision_maker_role: bounded(&mut e, "lead_decision_maker_role", &self.lead_decision_maker_role, TEXT_MAX),
            pain_points: bounded(&mut e, "lead_pain_points", &self.lead_pain_points, NOTES_MAX),
            source: bounded(&mut e, "lead_source", &self.lead_source, TEXT_MAX),
        };
        let notes = bounded(&mut e, "notes", &self.notes, NOTES_MAX);
        e.into_result()?;
        Ok(ClientDraft {
            company_name,
            website,
            domain,
            industry,
            country,
            annual_revenue,
            employee_count: employee_count.map(|v| v as i32),
            stage,
            monthly_value: monthly_value.unwrap_or(0),
            competitor_domains,
            contact_name,
            contact_email,
            contact_phone,
            lead,
            notes,
        })
    }

    /// The form values of an existing client (for the edit page).
    pub fn from_client(c: &Client) -> ClientInput {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        ClientInput {
            company_name: c.company_name.clone(),
            website: c.website.clone(),
            industry: c.industry.as_str().into(),
            country: c.country.clone(),
            annual_revenue: opt(c.annual_revenue),
            employee_count: opt(c.employee_count.map(i64::from)),
            stage: c.stage.as_str().into(),
            monthly_value: c.monthly_value.to_string(),
            competitor_domains: c.competitor_domains.join("\n"),
            contact_name: c.contact_name.clone(),
            contact_email: c.contact_email.clone(),
            contact_phone: c.contact_phone.clone(),
            lead_budget: opt(c.lead.budget),
            lead_timeline: c.lead.timeline.map(|t| t.as_str().to_string()).unwrap_or_default(),
            lead_decision_maker_role: c.lead.decision_maker_role.clone(),
            lead_pain_points: c.lead.pain_points.clone(),
            lead_source: c.lead.source.clone(),
            notes: c.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ClientInput {
        ClientInput {
            company_name: "  Acme Widgets ".into(),
            website: "WWW.Acme-Widgets.com/shop#top".into(),
            industry: "ecommerce".into(),
            country: "de".into(),
            annual_revenue: "12 500 000".into(),
            employee_count: "85".into(),
            stage: "prospect".into(),
            monthly_value: "2,500".into(),
            competitor_domains: "widgets.example, https://www.rival.example/x\nwidgets.example".into(),
            contact_email: "Jane@Acme-Widgets.com".into(),
            contact_phone: "+49 30 1234567".into(),
            lead_timeline: "within_quarter".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_client_is_normalised() {
        let d = input().validate().unwrap();
        assert_eq!(d.company_name, "Acme Widgets");
        assert_eq!(d.website, "https://www.acme-widgets.com/shop");
        assert_eq!(d.domain, "www.acme-widgets.com");
        assert_eq!(d.country, "DE");
        assert_eq!(d.annual_revenue, Some(12_500_000));
        assert_eq!(d.monthly_value, 2_500);
        assert_eq!(d.competitor_domains, ["widgets.example", "www.rival.example"]);
        assert_eq!(d.contact_email, "jane@acme-widgets.com");
        assert_eq!(d.lead.timeline, Some(Timeline::WithinQuarter));
    }

    #[test]
    fn websites_must_be_http_urls_with_a_domain() {
        assert!(normalize_website("ftp://acme.com").is_err());
        assert!(normalize_website("http://localhost").is_err());
        assert!(normalize_website("http://10.0.0.1/").is_err());
        assert!(normalize_website("https://user:pw@acme.com").is_err());
        assert!(normalize_website("").is_err());
        assert_eq!(normalize_website("http://Acme.COM:80").unwrap(), ("http://acme.com/".into(), "acme.com".into()));
    }

    #[test]
    fn an_ip_website_is_accepted_only_where_the_address_rule_allows_it() {
        let loopback = |ip: IpAddr| ip.is_loopback();
        assert_eq!(
            normalize_website_reaching("http://127.0.0.1:8080/shop#x", loopback).unwrap(),
            ("http://127.0.0.1:8080/shop".into(), "127.0.0.1".into())
        );
        assert_eq!(normalize_website_reaching("http://[::1]/", loopback).unwrap().1, "[::1]");
        assert!(normalize_website_reaching("http://10.0.0.1/", loopback).is_err());
        assert!(normalize_website("http://127.0.0.1/").is_err(), "without a rule no address is accepted");
        let mut i = input();
        i.website = "127.0.0.1:3000".into();
        assert!(i.validate().unwrap_err().get("website").is_some());
        assert_eq!(i.validate_reaching(loopback).unwrap().domain, "127.0.0.1");
    }

    #[test]
    fn a_control_character_in_any_field_is_refused_by_name() {
        let mut fields = serde_json::to_value(input()).unwrap();
        let names: Vec<String> = fields.as_object().unwrap().keys().cloned().collect();
        for name in names {
            let mut bad = fields.clone();
            bad[&name] = serde_json::Value::String(format!("{}\0", fields[&name].as_str().unwrap()));
            let bad: ClientInput = serde_json::from_value(bad).unwrap();
            let errors = bad.validate().unwrap_err();
            assert!(errors.get(&name).is_some(), "{name}: {errors}");
        }
        fields["notes"] = "first line\r\nsecond\tline".into();
        let ok: ClientInput = serde_json::from_value(fields).unwrap();
        assert_eq!(ok.validate().unwrap().notes, "first line\r\nsecond\tline");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ClientInput {
            company_name: "".into(),
            website: "not a site".into(),
            industry: "mining".into(),
            country: "XX".into(),
            annual_revenue: "-5".into(),
            employee_count: "many".into(),
            stage: "maybe".into(),
            monthly_value: "1e9".into(),
            competitor_domains: "???".into(),
            contact_email: "nope".into(),
            contact_phone: "call me".into(),
            lead_budget: "lots".into(),
            lead_timeline: "soon".into(),
            ..Default::default()
        };
        let errors = bad.validate().unwrap_err();
        for field in [
            "company_name",
            "website",
            "industry",
            "country",
            "annual_revenue",
            "employee_count",
            "stage",
            "monthly_value",
            "competitor_domains",
            "contact_email",
            "contact_phone",
            "lead_budget",
            "lead_timeline",
        ] {
            assert!(errors.get(field).is_some(), "no error for {field}: {errors}");
        }
    }

    #[test]
    fn competitor_may_not_be_the_client_itself() {
        let mut i = input();
        i.competitor_domains = "www.acme-widgets.com".into();
        assert!(i.validate().unwrap_err().get("competitor_domains").is_some());
    }

    #[test]
    fn amounts_accept_separators_and_refuse_garbage() {
        assert_eq!(parse_amount(" 1 000 ", MONEY_MAX), Ok(Some(1000)));
        assert_eq!(parse_amount("", MONEY_MAX), Ok(None));
        assert!(parse_amount("1.5", MONEY_MAX).is_err());
        assert!(parse_amount("99999999999999999999", MONEY_MAX).is_err());
    }

    #[test]
    fn a_client_round_trips_through_its_form() {
        let d = input().validate().unwrap();
        let client = Client {
            id: Uuid::nil(),
            company_name: d.company_name.clone(),
            website: d.website.clone(),
            domain: d.domain.clone(),
            industry: d.industry,
            country: d.country.clone(),
            annual_revenue: d.annual_revenue,
            employee_count: d.employee_count,
            stage: d.stage,
            monthly_value: d.monthly_value,
            account_manager_id: None,
            account_manager_name: None,
            competitor_domains: d.competitor_domains.clone(),
            contact_name: d.contact_name.clone(),
            contact_email: d.contact_email.clone(),
            contact_phone: d.contact_phone.clone(),
            lead: d.lead.clone(),
            notes: d.notes.clone(),
            created_by: None,
            created_at: Utc::now(),
            updated_by: None,
            updated_at: Utc::now(),
        };
        assert_eq!(ClientInput::from_client(&client).validate().unwrap(), d);
    }
}
