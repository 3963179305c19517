//! Crawls of a client's site as the audit pages show them: status and live progress, scores, issues by
//! check, the page explorer's rows and filters, and the recurring audit schedule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::client::string_enum;
use crate::validation::FieldErrors;

string_enum! {
    /// running -> completed | failed | cancelled.
    CrawlStatus {
        Running => "running", "Running",
        Completed => "completed", "Completed",
        Failed => "failed", "Failed",
        Cancelled => "cancelled", "Cancelled",
    }
}

string_enum! {
    /// The client's own site, or one competitor's.
    CrawlKind {
        Site => "site", "Client site",
        Competitor => "competitor", "Competitor",
    }
}

string_enum! {
    /// How often the recurring audit runs.
    Cadence {
        Weekly => "weekly", "Weekly",
        Monthly => "monthly", "Monthly",
    }
}

impl Cadence {
    /// The next run after `from`: seven days, or the same day of the next month (the month's last day
    /// when it is shorter).
    pub fn next_after(self, from: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Cadence::Weekly => from + chrono::Duration::days(7),
            Cadence::Monthly => {
                from.checked_add_months(chrono::Months::new(1)).unwrap_or(from + chrono::Duration::days(30))
            }
        }
    }
}

/// Issue counts of one category with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CategoryScore {
    pub category: String,
    pub label: String,
    /// 0..=100, one decimal.
    pub score: f64,
    pub errors: i64,
    pub warnings: i64,
    pub notices: i64,
}

/// A crawl with its live counters and, once completed, its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Crawl {
    pub id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub task_id: Option<Uuid>,
    pub kind: CrawlKind,
    pub start_url: String,
    pub status: CrawlStatus,
    pub max_pages: i32,
    pub max_depth: i32,
    pub pages_done: i32,
    pub queued: i32,
    pub fetch_errors: i32,
    pub health: Option<f64>,
    pub html_pages: Option<i32>,
    pub error_count: Option<i32>,
    pub warning_count: Option<i32>,
    pub notice_count: Option<i32>,
    pub categories: Vec<CategoryScore>,
    pub stopped: Option<String>,
    pub error: Option<String>,
    pub robots_txt_found: Option<bool>,
    pub sitemap_found: Option<bool>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Crawl {
    /// Pages per second over the crawl so far (or its whole run).
    pub fn pages_per_second(&self) -> f64 {
        let end = self.finished_at.unwrap_or(self.updated_at);
        let secs = (end - self.started_at).num_milliseconds() as f64 / 1000.0;
        if secs <= 0.0 {
            0.0
        } else {
            f64::from(self.pages_done) / secs
        }
    }
}

/// One check's issues in a crawl.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CheckCount {
    pub check: String,
    pub severity: String,
    pub category: String,
    pub description: String,
    pub count: i64,
}

/// An issue as stored, listed and exported (the checks' `Issue` with its severity and category as their
/// names: `crawl::audit::issue_row`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct IssueRow {
    pub check: String,
    pub severity: String,
    pub category: String,
    pub url: String,
    pub detail: String,
}

impl IssueRow {
    /// The columns of an issue export (CSV header), in the order of [`IssueRow::fields`].
    pub const COLUMNS: &'static [&'static str] = &["check", "severity", "category", "url", "detail"];

    pub fn fields(&self) -> Vec<String> {
        vec![self.check.clone(), self.severity.clone(), self.category.clone(), self.url.clone(), self.detail.clone()]
    }
}

/// A page of issues of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuePage {
    pub rows: Vec<IssueRow>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// A crawled page: what the audit pipeline hands its sinks (`crawl::audit::page_row`), what Postgres keeps
/// in `crawl_pages`, what the page explorer lists and the page export writes. Counts are stored as the
/// database's column types, capped at their largest value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PageRow {
    /// Crawl order, from 1.
    pub id: i32,
    pub url: String,
    pub final_url: String,
    /// 0 when the fetch failed (see `error`).
    pub status: i16,
    pub depth: i32,
    pub ttfb_ms: i32,
    pub bytes: i64,
    pub content_type: Option<String>,
    pub title: Option<String>,
    pub meta_description: Option<String>,
    pub h1_count: i32,
    pub word_count: i32,
    pub canonical: Option<String>,
    pub indexable: bool,
    pub in_sitemap: bool,
    /// Distinct (target URL, anchor text) links to the crawled site and elsewhere (`crawl::audit::page_links`).
    pub internal_links: i32,
    pub external_links: i32,
    /// Issues on this page by severity, counted once the crawl's checks have all run (0 until then).
    pub errors: i32,
    pub warnings: i32,
    pub notices: i32,
    pub error: Option<String>,
}

impl PageRow {
    /// The columns of a page export (CSV header), in the order of [`PageRow::fields`]; the columns added
    /// later come last, so older spreadsheets keep their positions.
    pub const COLUMNS: &'static [&'static str] = &[
        "id",
        "url",
        "final_url",
        "status",
        "depth",
        "ttfb_ms",
        "bytes",
        "title",
        "word_count",
        "indexable",
        "in_sitemap",
        "internal_links",
        "errors",
        "warnings",
        "notices",
        "fetch_error",
        "content_type",
        "meta_description",
        "h1_count",
        "canonical",
        "external_links",
    ];

    pub fn fields(&self) -> Vec<String> {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        vec![
            self.id.to_string(),
            self.url.clone(),
            self.final_url.clone(),
            self.status.to_string(),
            self.depth.to_string(),
            self.ttfb_ms.to_string(),
            self.bytes.to_string(),
            text(&self.title),
            self.word_count.to_string(),
            self.indexable.to_string(),
            self.in_sitemap.to_string(),
            self.internal_links.to_string(),
            self.errors.to_string(),
            self.warnings.to_string(),
            self.notices.to_string(),
            text(&self.error),
            text(&self.content_type),
            text(&self.meta_description),
            self.h1_count.to_string(),
            text(&self.canonical),
            self.external_links.to_string(),
        ]
    }
}

string_enum! {
    /// Status classes the page explorer filters by.
    StatusClass {
        Ok => "2xx", "2xx OK",
        Redirect => "3xx", "3xx redirect",
        ClientError => "4xx", "4xx client error",
        ServerError => "5xx", "5xx server error",
        Failed => "failed", "Fetch failed",
    }
}

impl StatusClass {
    /// Inclusive status range; `Failed` is status 0.
    pub fn range(self) -> (i16, i16) {
        match self {
            StatusClass::Ok => (200, 299),
            StatusClass::Redirect => (300, 399),
            StatusClass::ClientError => (400, 499),
            StatusClass::ServerError => (500, 599),
            StatusClass::Failed => (0, 0),
        }
    }
}

/// The page explorer's filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageFilter {
    pub status: Option<StatusClass>,
    pub depth: Option<i32>,
    /// Only pages with an issue of this check.
    pub check: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// The audit's check ids (audit-checks.md), for the page explorer's filter. The server's catalogue
/// (`crawl::checks::CHECKS`) has the same ids; a test keeps the two equal.
pub const CHECK_IDS: &[&str] = &[
    "broken_internal_link",
    "canonical_missing",
    "canonical_to_non_200",
    "deep_page",
    "duplicate_content",
    "generic_anchor_text",
    "h1_missing",
    "h1_multiple",
    "hreflang_invalid",
    "http_4xx",
    "http_5xx",
    "image_alt_missing",
    "image_too_large",
    "meta_description_duplicate",
    "meta_description_length",
    "meta_description_missing",
    "missing_csp",
    "missing_hsts",
    "mixed_content",
    "no_https",
    "noindex_in_sitemap",
    "orphan_page",
    "page_too_large",
    "redirect_chain",
    "redirect_loop",
    "robots_txt_missing",
    "sitemap_missing",
    "slow_response",
    "structured_data_missing",
    "thin_content",
    "title_duplicate",
    "title_length",
    "title_missing",
    "too_many_links",
];

/// Largest page of rows a list returns.
pub const MAX_PAGE_SIZE: i64 = 200;

impl PageFilter {
    /// Reads the filter from the explorer's fields; errors name the field.
    pub fn parse(status: &str, depth: &str, check: &str, offset: &str, limit: i64) -> Result<PageFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let offset = match super::paging::Offset::parse("offset", offset) {
            Ok(o) => o.get(),
            Err(e) => {
                errors.0.extend(e.0);
                0
            }
        };
        let status = match status.trim() {
            "" => None,
            s => {
                let v = StatusClass::parse(s);
                if v.is_none() {
                    errors.add("status", format!("unknown status class \u{201c}{s}\u{201d}"));
                }
                v
            }
        };
        let depth = match depth.trim() {
            "" => None,
            d => match d.parse::<i32>() {
                Ok(n) if (0..=1000).contains(&n) => Some(n),
                _ => {
                    errors.add("depth", "a whole number of clicks from 0 to 1000");
                    None
                }
            },
        };
        let check = match check.trim() {
            "" => None,
            c if c.len() <= 64 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()) => {
                Some(c.to_string())
            }
            _ => {
                errors.add("check", "a check id such as title_missing");
                None
            }
        };
        errors.into_result()?;
        Ok(PageFilter { status, depth, check, offset, limit: limit.clamp(1, MAX_PAGE_SIZE) })
    }
}

/// A page of the explorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagePage {
    pub rows: Vec<PageRow>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// The recurring audit of a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Schedule {
    pub client_id: Uuid,
    pub cadence: Cadence,
    pub next_run_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The audits tab of a client: its crawls, newest first, and its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ClientAudits {
    pub client_id: Uuid,
    pub client_name: String,
    pub website: String,
    pub crawls: Vec<Crawl>,
    pub schedule: Option<Schedule>,
}

/// A client's row on the site audits page: its latest site audit (any status) and the health of its two
/// latest completed ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientAuditRow {
    pub client_id: Uuid,
    pub client_name: String,
    pub website: String,
    pub latest: Option<Crawl>,
    /// Health of the latest completed site audit, and of the one before it.
    pub health: Option<f64>,
    pub previous_health: Option<f64>,
    pub schedule: Option<Cadence>,
}

impl ClientAuditRow {
    /// The change in health since the audit before: `health - previous_health`, when both exist.
    pub fn health_change(&self) -> Option<f64> {
        Some(self.health? - self.previous_health?)
    }
}

/// One page of the site audits page: the clients in the caller's portfolio, most recently audited first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditOverviewPage {
    pub rows: Vec<ClientAuditRow>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// What the technical SEO auditor's task produced: the crawl it ran and its scores. The pages and issues
/// are in the crawl's tables (the audit page and the exports read them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditResult {
    pub crawl_id: Uuid,
    pub start_url: String,
    pub pages: u32,
    pub html_pages: u32,
    pub fetch_errors: u32,
    pub pages_per_second: f64,
    /// 0..=100, one decimal; 100 with no HTML pages (see `html_pages`).
    pub health: f64,
    /// (category label, score) in the catalogue's order.
    pub categories: Vec<(String, f64)>,
    pub errors: u32,
    pub warnings: u32,
    pub notices: u32,
    /// The checks with the most issues, most severe first (at most ten).
    pub top_checks: Vec<CheckCount>,
    /// Why the crawl ended early (max_pages, time_budget), if it did.
    pub stopped: Option<String>,
    pub robots_txt_found: bool,
    pub sitemap_found: bool,
    pub finished_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn monthly_cadence_keeps_the_day_or_takes_the_months_last() {
        let jan31 = Utc.with_ymd_and_hms(2027, 1, 31, 9, 0, 0).unwrap();
        assert_eq!(Cadence::Monthly.next_after(jan31), Utc.with_ymd_and_hms(2027, 2, 28, 9, 0, 0).unwrap());
        let mar15 = Utc.with_ymd_and_hms(2027, 3, 15, 9, 0, 0).unwrap();
        assert_eq!(Cadence::Monthly.next_after(mar15), Utc.with_ymd_and_hms(2027, 4, 15, 9, 0, 0).unwrap());
        assert_eq!(Cadence::Weekly.next_after(mar15), Utc.with_ymd_and_hms(2027, 3, 22, 9, 0, 0).unwrap());
    }

    #[cfg(feature = "server")]
    #[test]
    fn check_ids_match_the_catalogue() {
        let catalogue: Vec<&str> = crate::crawl::checks::CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(CHECK_IDS, catalogue.as_slice());
    }

    #[test]
    fn page_filter_names_the_bad_field() {
        let e = PageFilter::parse("6xx", "deep", "Title Missing!", "9223372036854775807", 50).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("status") && text.contains("depth") && text.contains("check") && text.contains("offset"),
            "{text}"
        );
        assert!(PageFilter::parse("", "", "", "-5", 50).unwrap_err().get("offset").is_some());
        let f = PageFilter::parse("4xx", "3", "title_missing", "", 10_000).unwrap();
        assert_eq!(f.status, Some(StatusClass::ClientError));
        assert_eq!(f.depth, Some(3));
        assert_eq!(f.check.as_deref(), Some("title_missing"));
        assert_eq!((f.offset, f.limit), (0, MAX_PAGE_SIZE));
    }
}

/// One completed site audit on a client's health line: when it finished and its health (0..=100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthPoint {
    pub crawl_id: Uuid,
    pub finished_at: DateTime<Utc>,
    pub health: f64,
    /// Error-level issues of that crawl.
    pub errors: i64,
}
