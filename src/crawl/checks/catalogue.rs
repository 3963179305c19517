//! The catalogue of audit-checks.md: every check's id, severity, category and description, the numeric
//! limits they use ([`Thresholds`]), and the [`Issue`] a check raises, built from the catalogue entry.
//!
//! # Checks (defaults from [`Thresholds::default`])
//!
//! | id | severity | category | rule |
//! |---|---|---|---|
//! | `http_4xx` / `http_5xx` | error | crawlability | internal page answered 4xx / 5xx |
//! | `broken_internal_link` | error | links | per source page and internal target whose final status is 4xx/5xx |
//! | `redirect_chain` | warning | crawlability | more than one redirect hop |
//! | `redirect_loop` | error | crawlability | a URL repeats among the chain's URLs and the final URL |
//! | `title_missing` | error | on-page | 200 HTML page without a (non-empty) title |
//! | `title_duplicate` | warning | on-page | the same title on ≥2 indexable pages (distinct final URLs) |
//! | `title_length` | warning | on-page | title under 20 or over 60 characters (chars, not bytes) |
//! | `meta_description_missing` | warning | on-page | 200 HTML page without a (non-empty) description |
//! | `meta_description_duplicate` | warning | on-page | the same description on ≥2 indexable pages |
//! | `meta_description_length` | notice | on-page | description under 80 or over 160 characters |
//! | `h1_missing` / `h1_multiple` | warning / notice | on-page | 200 HTML page with no H1 / more than one |
//! | `canonical_missing` | notice | crawlability | 200 HTML page without a canonical |
//! | `canonical_to_non_200` | error | crawlability | canonical target crawled, answered ≠ 200 (redirects count) |
//! | `noindex_in_sitemap` | error | crawlability | in the sitemap but noindex, or canonical points elsewhere |
//! | `hreflang_invalid` | warning | on-page | bad code, target not 200, or no hreflang back; one issue per page |
//! | `image_alt_missing` | warning | on-page | 200 HTML page with images lacking `alt` (`alt=""` is fine) |
//! | `image_too_large` | warning | performance | HEAD `Content-Length` over 500 KiB (512,000 bytes) |
//! | `thin_content` | warning | content | indexable page with fewer than 200 words |
//! | `duplicate_content` | warning | content | the same content hash on ≥2 indexable pages |
//! | `slow_response` | warning / error | performance | TTFB over 800 ms / over 3,000 ms (failed fetches skipped) |
//! | `page_too_large` | warning / error | performance | HTML over 1 MiB (1,048,576 bytes) / over 3 MiB |
//! | `too_many_links` | notice | links | more than 100 links (internal and external) on a page |
//! | `deep_page` | notice | crawlability | HTML page more than 4 clicks from the start |
//! | `orphan_page` | warning | links | 200 page in the sitemap no other crawled page links to (not the start) |
//! | `mixed_content` | error | security | HTTPS page loading an `http://` resource |
//! | `no_https` | error | security | start page's final URL (or the start URL if uncrawled) is plain HTTP |
//! | `missing_hsts` / `missing_csp` | notice | security | 200 HTML page served over HTTPS without the header |
//! | `robots_txt_missing` / `sitemap_missing` | warning | crawlability | no robots.txt; no sitemap found |
//! | `structured_data_missing` | notice | on-page | 200 HTML page with no JSON-LD |
//! | `generic_anchor_text` | notice | links | internal links whose text is in [`GENERIC_ANCHORS`]; one issue per page |
//!
//! Which checks run on each page as it arrives and which wait for the whole crawl: see `per_page` and
//! `auditor`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Notice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Crawlability,
    OnPage,
    Content,
    Links,
    Performance,
    Security,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Crawlability,
        Category::OnPage,
        Category::Content,
        Category::Links,
        Category::Performance,
        Category::Security,
    ];
}

/// One check of the catalogue. `severity` is the usual one; `slow_response` and `page_too_large` are raised
/// to [`Severity::Error`] above their higher threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub description: &'static str,
}

const fn check(id: &'static str, severity: Severity, category: Category, description: &'static str) -> CheckInfo {
    CheckInfo { id, severity, category, description }
}

use Category::{Content, Crawlability, Links, OnPage, Performance, Security};
use Severity::{Error, Notice, Warning};

/// Every check, sorted by id.
pub const CHECKS: &[CheckInfo] = &[
    check("broken_internal_link", Error, Links, "An internal link points at a 4xx/5xx page."),
    check("canonical_missing", Notice, Crawlability, "The page declares no canonical URL."),
    check("canonical_to_non_200", Error, Crawlability, "The canonical URL does not answer 200."),
    check("deep_page", Notice, Crawlability, "The page is more than 4 clicks from the start page."),
    check("duplicate_content", Warning, Content, "Another page has the same text."),
    check("generic_anchor_text", Notice, Links, "Internal links say \"click here\" instead of what they link to."),
    check("h1_missing", Warning, OnPage, "The page has no H1 heading."),
    check("h1_multiple", Notice, OnPage, "The page has more than one H1 heading."),
    check(
        "hreflang_invalid",
        Warning,
        OnPage,
        "An hreflang has a bad language code, no return link or a non-200 target.",
    ),
    check("http_4xx", Error, Crawlability, "The page answered with a 4xx client error."),
    check("http_5xx", Error, Crawlability, "The page answered with a 5xx server error."),
    check("image_alt_missing", Warning, OnPage, "Images have no alt attribute."),
    check("image_too_large", Warning, Performance, "The image is over 500 KB."),
    check("meta_description_duplicate", Warning, OnPage, "Another page has the same meta description."),
    check(
        "meta_description_length",
        Notice,
        OnPage,
        "The meta description is shorter than 80 or longer than 160 characters.",
    ),
    check("meta_description_missing", Warning, OnPage, "The page has no meta description."),
    check("missing_csp", Notice, Security, "The HTTPS page sends no Content-Security-Policy header."),
    check("missing_hsts", Notice, Security, "The HTTPS page sends no Strict-Transport-Security header."),
    check("mixed_content", Error, Security, "The HTTPS page loads resources over plain HTTP."),
    check("no_https", Error, Security, "The site is served over plain HTTP."),
    check("noindex_in_sitemap", Error, Crawlability, "The sitemap lists a noindex or non-canonical URL."),
    check("orphan_page", Warning, Links, "The page is in the sitemap but no crawled page links to it."),
    check("page_too_large", Warning, Performance, "The HTML is over 1 MB (over 3 MB is an error)."),
    check("redirect_chain", Warning, Crawlability, "The URL takes more than one redirect to reach its final URL."),
    check("redirect_loop", Error, Crawlability, "The redirects revisit a URL."),
    check("robots_txt_missing", Warning, Crawlability, "The site has no robots.txt."),
    check("sitemap_missing", Warning, Crawlability, "No sitemap was found."),
    check("slow_response", Warning, Performance, "Time to first byte is over 800 ms (over 3 s is an error)."),
    check("structured_data_missing", Notice, OnPage, "The page has no JSON-LD structured data."),
    check("thin_content", Warning, Content, "The indexable page has fewer than 200 words."),
    check("title_duplicate", Warning, OnPage, "Another page has the same title."),
    check("title_length", Warning, OnPage, "The title is shorter than 20 or longer than 60 characters."),
    check("title_missing", Error, OnPage, "The page has no title."),
    check("too_many_links", Notice, Links, "The page has more than 100 links."),
];

/// Link texts that say nothing about the target (English and Russian), compared lower case with surrounding
/// whitespace and punctuation trimmed ("Read more »" matches "read more"). One list for the check and the link
/// building agent's anchor mix (which compiles for the browser too, so the list lives there).
pub use crate::agents::link_building::GENERIC_ANCHORS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub check: String,
    pub severity: Severity,
    pub category: Category,
    pub url: String,
    pub detail: String,
}

/// The numeric limits of audit-checks.md. Sizes are binary: 1 KB = 1,024 bytes, 1 MB = 1,048,576 bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub title_min_chars: usize,
    pub title_max_chars: usize,
    pub meta_description_min_chars: usize,
    pub meta_description_max_chars: usize,
    pub image_max_bytes: u64,
    pub thin_content_min_words: u32,
    pub ttfb_warning_ms: u32,
    pub ttfb_error_ms: u32,
    pub page_warning_bytes: u64,
    pub page_error_bytes: u64,
    pub max_links: usize,
    pub max_depth: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            title_min_chars: 20,
            title_max_chars: 60,
            meta_description_min_chars: 80,
            meta_description_max_chars: 160,
            image_max_bytes: 500 * 1024,
            thin_content_min_words: 200,
            ttfb_warning_ms: 800,
            ttfb_error_ms: 3000,
            page_warning_bytes: 1024 * 1024,
            page_error_bytes: 3 * 1024 * 1024,
            max_links: 100,
            max_depth: 4,
        }
    }
}

/// Adds an issue of `check` with this severity (for the checks graded by a second threshold); the category
/// is the catalogue's.
pub(super) fn issue_as(out: &mut Vec<Issue>, check: &str, severity: Severity, url: &str, detail: String) {
    let category = CHECKS.iter().find(|c| c.id == check).map_or(Crawlability, |c| c.category);
    out.push(Issue { check: check.to_string(), severity, category, url: url.to_string(), detail });
}

/// Adds an issue of `check` with the catalogue's severity and category.
pub(super) fn issue(out: &mut Vec<Issue>, check: &str, url: &str, detail: String) {
    let severity = CHECKS.iter().find(|c| c.id == check).map_or(Error, |c| c.severity);
    issue_as(out, check, severity, url, detail);
}

/// An issue detail's list: `"a, b, c and 2 more"`.
pub(super) fn sample(items: &[&str]) -> String {
    sample_of(items, items.len())
}

/// The first items shown, out of `total`: `"a, b, c and 2 more"`.
pub(super) fn sample_of(items: &[&str], total: usize) -> String {
    const SHOWN: usize = 3;
    let head = items.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    match total.saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more"),
    }
}
