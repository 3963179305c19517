//! The client list's filters, sorting and paging, as carried in a page URL's query string.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::client::{parse_amount, Industry, Stage, EMPLOYEES_MAX, MONEY_MAX};
use super::country::country_name;
use crate::validation::{control_char_error, FieldErrors};

pub const PAGE_SIZE_DEFAULT: u32 = 25;
pub const PAGE_SIZE_MAX: u32 = 100;
pub const SEARCH_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SortKey {
    #[default]
    CompanyName,
    AnnualRevenue,
    EmployeeCount,
    MonthlyValue,
    Stage,
    CreatedAt,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::CompanyName,
        SortKey::AnnualRevenue,
        SortKey::EmployeeCount,
        SortKey::MonthlyValue,
        SortKey::Stage,
        SortKey::CreatedAt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::CompanyName => "company_name",
            SortKey::AnnualRevenue => "annual_revenue",
            SortKey::EmployeeCount => "employee_count",
            SortKey::MonthlyValue => "monthly_value",
            SortKey::Stage => "stage",
            SortKey::CreatedAt => "created_at",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::CompanyName => "Company",
            SortKey::AnnualRevenue => "Revenue",
            SortKey::EmployeeCount => "Employees",
            SortKey::MonthlyValue => "Monthly value",
            SortKey::Stage => "Stage",
            SortKey::CreatedAt => "Created",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Which account manager's clients: anyone's, nobody's, or one person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ManagerFilter {
    #[default]
    Any,
    Unassigned,
    User(Uuid),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientQuery {
    pub industry: Option<Industry>,
    pub country: Option<String>,
    pub revenue_min: Option<i64>,
    pub revenue_max: Option<i64>,
    pub employees_min: Option<i64>,
    pub employees_max: Option<i64>,
    pub stage: Option<Stage>,
    pub manager: ManagerFilter,
    /// Matches company name or domain, case-insensitively.
    pub search: String,
    pub sort: SortKey,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ClientQuery {
    fn default() -> Self {
        ClientQuery {
            industry: None,
            country: None,
            revenue_min: None,
            revenue_max: None,
            employees_min: None,
            employees_max: None,
            stage: None,
            manager: ManagerFilter::Any,
            search: String::new(),
            sort: SortKey::CompanyName,
            descending: false,
            page: 1,
            per_page: PAGE_SIZE_DEFAULT,
        }
    }
}

impl ClientQuery {
    /// Parses `industry=saas&country=DE&revenue_min=1000000&sort=annual_revenue&dir=desc&page=2...`.
    /// Unknown keys are ignored; bad values, and control characters in any value, are field errors.
    pub fn parse(query: &str) -> Result<ClientQuery, FieldErrors> {
        let mut q = ClientQuery::default();
        let mut e = FieldErrors::default();
        let query = query.trim_start_matches('?');
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            if let Some(m) = control_char_error(v) {
                e.add(&key, m);
                continue;
            }
            match key.as_ref() {
                "industry" => match Industry::parse(v) {
                    Some(i) => q.industry = Some(i),
                    None => e.add("industry", "choose an industry from the list"),
                },
                "country" => {
                    let c = v.to_uppercase();
                    if country_name(&c).is_some() {
                        q.country = Some(c);
                    } else {
                        e.add("country", "choose a country from the list");
                    }
                }
                "stage" => match Stage::parse(v) {
                    Some(s) => q.stage = Some(s),
                    None => e.add("stage", "choose a stage from the list"),
                },
                "revenue_min" | "revenue_max" | "employees_min" | "employees_max" => {
                    let max = if key.starts_with("revenue") { MONEY_MAX } else { EMPLOYEES_MAX };
                    match parse_amount(v, max) {
                        Ok(n) => match key.as_ref() {
                            "revenue_min" => q.revenue_min = n,
                            "revenue_max" => q.revenue_max = n,
                            "employees_min" => q.employees_min = n,
                            _ => q.employees_max = n,
                        },
                        Err(m) => e.add(&key, m),
                    }
                }
                "manager" => {
                    q.manager = match v {
                        "none" => ManagerFilter::Unassigned,
                        id => match Uuid::parse_str(id) {
                            Ok(u) => ManagerFilter::User(u),
                            Err(_) => {
                                e.add("manager", "choose an account manager from the list");
                                ManagerFilter::Any
                            }
                        },
                    }
                }
                "q" => {
                    if v.chars().count() > SEARCH_MAX {
                        e.add("q", format!("search at most {SEARCH_MAX} characters"));
                    } else {
                        q.search = v.to_string();
                    }
                }
                "sort" => match SortKey::parse(v) {
                    Some(s) => q.sort = s,
                    None => e.add("sort", "unknown sort column"),
                },
                "dir" => match v {
                    "asc" => q.descending = false,
                    "desc" => q.descending = true,
                    _ => e.add("dir", "sort direction is asc or desc"),
                },
                "page" => match v.parse::<u32>() {
                    Ok(p) if (1..=1_000_000).contains(&p) => q.page = p,
                    _ => e.add("page", "page must be a number from 1"),
                },
                "per_page" => match v.parse::<u32>() {
                    Ok(n) if (1..=PAGE_SIZE_MAX).contains(&n) => q.per_page = n,
                    _ => e.add("per_page", format!("page size is 1 to {PAGE_SIZE_MAX}")),
                },
                _ => {}
            }
        }
        if let (Some(a), Some(b)) = (q.revenue_min, q.revenue_max) {
            if a > b {
                e.add("revenue_max", "maximum revenue is below the minimum");
            }
        }
        if let (Some(a), Some(b)) = (q.employees_min, q.employees_max) {
            if a > b {
                e.add("employees_max", "maximum employees is below the minimum");
            }
        }
        e.into_result().map(|_| q)
    }

    /// The query string of this query (defaults left out), for links and exports.
    pub fn to_query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(i) = self.industry {
            s.append_pair("industry", i.as_str());
        }
        if let Some(c) = &self.country {
            s.append_pair("country", c);
        }
        for (k, v) in [
            ("revenue_min", self.revenue_min),
            ("revenue_max", self.revenue_max),
            ("employees_min", self.employees_min),
            ("employees_max", self.employees_max),
        ] {
            if let Some(v) = v {
                s.append_pair(k, &v.to_string());
            }
        }
        if let Some(st) = self.stage {
            s.append_pair("stage", st.as_str());
        }
        match self.manager {
            ManagerFilter::Any => {}
            ManagerFilter::Unassigned => {
                s.append_pair("manager", "none");
            }
            ManagerFilter::User(u) => {
                s.append_pair("manager", &u.to_string());
            }
        }
        if !self.search.is_empty() {
            s.append_pair("q", &self.search);
        }
        if self.sort != SortKey::CompanyName {
            s.append_pair("sort", self.sort.as_str());
        }
        if self.descending {
            s.append_pair("dir", "desc");
        }
        if self.page != 1 {
            s.append_pair("page", &self.page.to_string());
        }
        if self.per_page != PAGE_SIZE_DEFAULT {
            s.append_pair("per_page", &self.per_page.to_string());
        }
        s.finish()
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }
}

/// One page of clients and the total that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClientPage {
    pub clients: Vec<super::client::ClientSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// A slice of a client list read by cursor (the REST API): the clients, how many match in all, and the
/// cursor of the next slice (absent on the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClientSlice {
    pub clients: Vec<super::client::ClientSummary>,
    pub total: i64,
    /// Pass as `cursor` for the next slice.
    pub next: Option<Uuid>,
}

impl ClientPage {
    /// ceil(total / per_page), at least 1.
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        ((self.total + per - 1) / per).max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let s = "industry=saas&country=de&revenue_min=1%20000&revenue_max=5000000&employees_min=10&stage=won&manager=none&q=acme&sort=annual_revenue&dir=desc&page=3&per_page=50";
        let q = ClientQuery::parse(s).unwrap();
        assert_eq!(q.industry, Some(Industry::Saas));
        assert_eq!(q.country.as_deref(), Some("DE"));
        assert_eq!(q.revenue_min, Some(1000));
        assert_eq!(q.manager, ManagerFilter::Unassigned);
        assert_eq!((q.sort, q.descending, q.page, q.per_page), (SortKey::AnnualRevenue, true, 3, 50));
        assert_eq!(q.offset(), 100);
        assert_eq!(ClientQuery::parse(&q.to_query_string()).unwrap(), q);
    }

    #[test]
    fn empty_query_is_the_default_view() {
        assert_eq!(ClientQuery::parse("").unwrap(), ClientQuery::default());
        assert_eq!(ClientQuery::default().to_query_string(), "");
    }

    #[test]
    fn a_control_character_in_a_filter_or_the_search_names_it() {
        let e = ClientQuery::parse("q=acme%00&industry=saas%1b&country=de").unwrap_err();
        assert!(e.get("q").is_some() && e.get("industry").is_some(), "{e}");
        assert_eq!(e.get("country"), None);
        assert_eq!(ClientQuery::parse("q=acme%09co").unwrap().search, "acme\tco");
    }

    #[test]
    fn bad_values_name_their_field() {
        let e = ClientQuery::parse(
            "industry=mining&country=ZZ&per_page=500&page=0&sort=x&dir=up&revenue_min=9&revenue_max=1",
        )
        .unwrap_err();
        for f in ["industry", "country", "per_page", "page", "sort", "dir", "revenue_max"] {
            assert!(e.get(f).is_some(), "{f}: {e}");
        }
    }

    #[test]
    fn page_count_rounds_up() {
        let p = |total| ClientPage { clients: vec![], total, page: 1, per_page: 25 }.pages();
        assert_eq!((p(0), p(1), p(25), p(26), p(10_000)), (1, 1, 1, 2, 400));
    }
}
