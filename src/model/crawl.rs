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
pub struct CheckCount {
    pub check: String,
    pub severity: String,
    pub category: String,
    pub description: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueRow {
    pub check: String,
    pub severity: String,
    pub category: String,
    pub url: String,
    pub detail: String,
}

/// A page of issues of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuePage {
    pub rows: Vec<IssueRow>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// A crawled page as the page explorer lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRow {
    pub id: i32,
    pub url: String,
    pub final_url: String,
    pub status: i16,
    pub depth: i32,
    pub ttfb_ms: i32,
    pub bytes: i64,
    pub title: Option<String>,
    pub word_count: i32,
    pub indexable: bool,
    pub in_sitemap: bool,
    pub internal_links: i32,
    pub errors: i32,
    pub warnings: i32,
    pub notices: i32,
    pub error: Option<String>,
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
pub struct Schedule {
    pub client_id: Uuid,
    pub cadence: Cadence,
    pub next_run_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The audits tab of a client: its crawls, newest first, and its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientAudits {
    pub client_id: Uuid,
    pub client_name: String,
    pub website: String,
    pub crawls: Vec<Crawl>,
    pub schedule: Option<Schedule>,
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
