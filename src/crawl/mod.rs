//! The crawler and the technical SEO audit (audit-checks.md): fetching with robots.txt, sitemaps and an
//! outbound address guard ([`fetch`]), the page parser ([`page`]) and the checks with the health score
//! ([`checks`]).

pub mod audit;
pub mod checks;
pub mod crawler;
pub mod fetch;
pub mod page;

use serde::{Deserialize, Serialize};

/// What the parser reads out of one HTML page. Every string is as found (trimmed); the UI escapes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageFacts {
    pub title: Option<String>,
    pub meta_description: Option<String>,
    /// `<meta name="robots">` content, lower case.
    pub meta_robots: Option<String>,
    /// Absolute URL of `<link rel="canonical">`.
    pub canonical: Option<String>,
    /// `(hreflang, absolute URL)` of `<link rel="alternate" hreflang>`.
    pub hreflang: Vec<(String, String)>,
    pub h1: Vec<String>,
    /// `(level 1..=6, text)` in document order.
    pub headings: Vec<(u8, String)>,
    pub word_count: u32,
    /// Visible text (scripts, styles and templates left out), capped at [`page::TEXT_CAP`] characters.
    pub text: String,
    pub images: Vec<Image>,
    pub links: Vec<Link>,
    /// `@type` values of the JSON-LD blocks.
    pub json_ld_types: Vec<String>,
    /// Absolute `http://` URLs of resources the page loads (img, script, link rel=stylesheet, iframe, ...),
    /// for the mixed-content check.
    pub subresources: Vec<String>,
    /// Hex SHA-256 of the normalised visible text (whitespace collapsed, lower case).
    pub content_hash: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Absolute URL.
    pub src: String,
    /// None when the attribute is absent; `Some("")` is a decorative image, which is fine.
    pub alt: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// Absolute URL with the fragment removed.
    pub url: String,
    /// Visible anchor text (or an image's alt inside the link), whitespace collapsed.
    pub anchor: String,
    /// `rel="nofollow"` (or ugc / sponsored).
    pub nofollow: bool,
}

/// One fetched URL as the checks read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrawledPage {
    /// The URL as discovered (before redirects).
    pub url: String,
    /// Where the redirects ended.
    pub final_url: String,
    /// The final answer's status; 0 when the fetch failed (network error, refused address, timeout).
    pub status: u16,
    /// Each hop's `(url, status)` before the final URL; empty when there was no redirect.
    pub redirect_chain: Vec<(String, u16)>,
    /// Clicks from the start URL (sitemap-only URLs get the depth they were first found at).
    pub depth: u32,
    /// Time to first byte, milliseconds.
    pub ttfb_ms: u32,
    /// Bytes of the body as served (the parser reads at most a capped prefix).
    pub bytes: u64,
    pub content_type: Option<String>,
    pub x_robots_tag: Option<String>,
    pub hsts: bool,
    pub csp: bool,
    /// Listed in the site's sitemap(s).
    pub in_sitemap: bool,
    /// Why the fetch failed, when `status` is 0.
    pub error: Option<String>,
    /// Parsed facts for HTML answers.
    pub facts: Option<PageFacts>,
}
