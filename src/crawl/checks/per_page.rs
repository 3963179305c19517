//! The checks that need nothing but the page: run on each internal page as it arrives (status, redirects,
//! speed and size, depth, links, mixed content, sitemap indexability, generic anchors, and the on-page checks
//! of a 200 HTML page), and the page facts the cross-page checks share ([`is_indexable`], [`valid_hreflang`]).
//!
//! An *HTML page* is one with `facts`; *indexable* means status 200, HTML, no `noindex`/`none` in meta robots
//! or `X-Robots-Tag`, and no canonical pointing at another URL. Issues attach to the page's URL as
//! discovered ([`CrawledPage::url`]).
//!
//! hreflang codes are BCP 47 as search engines read them: a 2-3 letter language, an optional 4-letter script, an
//! optional 2-letter or 3-digit region, or `x-default`; `en_US` is invalid.

use std::collections::{BTreeSet, HashSet};

use url::Url;

use super::catalogue::{issue, issue_as, sample, Issue, Severity, Thresholds, GENERIC_ANCHORS};
use super::urls::{exact, normalize, Scope};
use crate::crawl::{CrawledPage, PageFacts};

/// The checks of an internal page that need nothing but the page.
pub(super) fn page_checks(scope: &Scope, page: &CrawledPage, t: &Thresholds, out: &mut Vec<Issue>) {
    let url = page.url.as_str();
    match page.status {
        400..=499 => issue(out, "http_4xx", url, format!("answered {}", page.status)),
        500..=599 => issue(out, "http_5xx", url, format!("answered {}", page.status)),
        _ => {}
    }
    redirects(page, out);
    if page.status != 0 {
        if let Some(severity) = graded(page.ttfb_ms, t.ttfb_warning_ms, t.ttfb_error_ms) {
            issue_as(out, "slow_response", severity, url, format!("time to first byte {} ms", page.ttfb_ms));
        }
    }
    if let Some(facts) = &page.facts {
        if let Some(severity) = graded(page.bytes, t.page_warning_bytes, t.page_error_bytes) {
            issue_as(out, "page_too_large", severity, url, format!("{} bytes of HTML", page.bytes));
        }
        if page.depth > t.max_depth {
            issue(out, "deep_page", url, format!("{} clicks from the start page", page.depth));
        }
        if facts.links.len() > t.max_links {
            issue(out, "too_many_links", url, format!("{} links", facts.links.len()));
        }
        if is_https(&page.final_url) && !facts.subresources.is_empty() {
            let found: Vec<&str> = facts.subresources.iter().map(String::as_str).collect();
            issue(out, "mixed_content", url, format!("{} http:// resources: {}", found.len(), sample(&found)));
        }
        generic_anchors(scope, page, facts, out);
    }
    if page.in_sitemap {
        if is_noindex(page) {
            issue(out, "noindex_in_sitemap", url, "listed in the sitemap but marked noindex".to_string());
        } else if let Some(canonical) = canonical_elsewhere(page) {
            issue(out, "noindex_in_sitemap", url, format!("listed in the sitemap but canonical is {canonical}"));
        }
    }
    if let Some(facts) = ok_html(page) {
        on_page(page, facts, t, out);
    }
}

/// [`Severity::Error`] over `error`, [`Severity::Warning`] over `warning`, else none: the checks graded by
/// two thresholds.
fn graded<T: PartialOrd>(value: T, warning: T, error: T) -> Option<Severity> {
    if value > error {
        Some(Severity::Error)
    } else if value > warning {
        Some(Severity::Warning)
    } else {
        None
    }
}

fn redirects(page: &CrawledPage, out: &mut Vec<Issue>) {
    let url = page.url.as_str();
    if page.redirect_chain.len() > 1 {
        issue(out, "redirect_chain", url, format!("{} hops to {}", page.redirect_chain.len(), page.final_url));
    }
    let mut seen = HashSet::new();
    let hops = page.redirect_chain.iter().map(|hop| hop.0.as_str()).chain(std::iter::once(page.final_url.as_str()));
    if !page.redirect_chain.is_empty() {
        if let Some(repeated) = hops.map(exact).find(|u| !seen.insert(u.clone())) {
            issue(out, "redirect_loop", url, format!("{repeated} is visited twice"));
        }
    }
}

fn generic_anchors(scope: &Scope, page: &CrawledPage, facts: &PageFacts, out: &mut Vec<Issue>) {
    let mut generic = BTreeSet::new();
    for link in facts.links.iter().filter(|l| scope.is_internal(&l.url)) {
        let anchor = link.anchor.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if GENERIC_ANCHORS.contains(&anchor.as_str()) {
            generic.insert(anchor);
        }
    }
    if !generic.is_empty() {
        let quoted: Vec<String> = generic.iter().map(|a| format!("\"{a}\"")).collect();
        let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
        issue(out, "generic_anchor_text", &page.url, format!("link text {}", sample(&quoted)));
    }
}

/// A text a page should have within a length: the title and the meta description.
struct TextRule {
    /// The check raised when the text is absent or blank, and its detail.
    missing: (&'static str, &'static str),
    /// The check raised when the text's length in characters is out of range, and what the text is called.
    length: (&'static str, &'static str),
}

const TITLE: TextRule = TextRule { missing: ("title_missing", "no <title>"), length: ("title_length", "title") };
const DESCRIPTION: TextRule = TextRule {
    missing: ("meta_description_missing", "no meta description"),
    length: ("meta_description_length", "meta description"),
};

impl TextRule {
    fn check(&self, url: &str, text: Option<&str>, chars: (usize, usize), out: &mut Vec<Issue>) {
        match present(text) {
            None => issue(out, self.missing.0, url, self.missing.1.to_string()),
            Some(text) => {
                let n = text.chars().count();
                if n < chars.0 || n > chars.1 {
                    issue(out, self.length.0, url, format!("{} is {n} characters", self.length.1));
                }
            }
        }
    }
}

/// The text trimmed, when there is any.
pub(super) fn present(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|s| !s.is_empty())
}

/// The on-page checks of an internal 200 HTML page that need nothing but the page (`canonical_to_non_200`
/// and `hreflang_invalid` wait for the auditor's finish).
fn on_page(page: &CrawledPage, facts: &PageFacts, t: &Thresholds, out: &mut Vec<Issue>) {
    let url = page.url.as_str();
    TITLE.check(url, facts.title.as_deref(), (t.title_min_chars, t.title_max_chars), out);
    let description_chars = (t.meta_description_min_chars, t.meta_description_max_chars);
    DESCRIPTION.check(url, facts.meta_description.as_deref(), description_chars, out);
    match facts.h1.len() {
        0 => issue(out, "h1_missing", url, "no H1".to_string()),
        1 => {}
        n => issue(out, "h1_multiple", url, format!("{n} H1 headings")),
    }
    if facts.canonical.is_none() {
        issue(out, "canonical_missing", url, "no canonical link".to_string());
    }
    let missing_alt: Vec<&str> = facts.images.iter().filter(|i| i.alt.is_none()).map(|i| i.src.as_str()).collect();
    if !missing_alt.is_empty() {
        issue(
            out,
            "image_alt_missing",
            url,
            format!("{} images without alt: {}", missing_alt.len(), sample(&missing_alt)),
        );
    }
    if is_indexable(page) && facts.word_count < t.thin_content_min_words {
        issue(out, "thin_content", url, format!("{} words", facts.word_count));
    }
    if facts.json_ld_types.is_empty() {
        issue(out, "structured_data_missing", url, "no JSON-LD".to_string());
    }
    if is_https(&page.final_url) {
        if !page.hsts {
            issue(out, "missing_hsts", url, "no Strict-Transport-Security header".to_string());
        }
        if !page.csp {
            issue(out, "missing_csp", url, "no Content-Security-Policy header".to_string());
        }
    }
}

/// `url` names the page: its URL or its final URL, normalised.
pub(super) fn same_page(page: &CrawledPage, url: &str) -> bool {
    let n = normalize(url);
    n == normalize(&page.url) || n == normalize(&page.final_url)
}

/// `noindex` or `none` among robots directives (`X-Robots-Tag` may prefix a bot name: `googlebot: noindex`).
fn has_noindex(directives: &str) -> bool {
    directives
        .split(|c: char| c == ',' || c == ':' || c.is_whitespace())
        .any(|d| d.eq_ignore_ascii_case("noindex") || d.eq_ignore_ascii_case("none"))
}

fn is_noindex(page: &CrawledPage) -> bool {
    page.x_robots_tag.as_deref().is_some_and(has_noindex)
        || page.facts.as_ref().and_then(|f| f.meta_robots.as_deref()).is_some_and(has_noindex)
}

fn canonical_elsewhere(page: &CrawledPage) -> Option<&str> {
    let canonical = page.facts.as_ref()?.canonical.as_deref()?;
    (!same_page(page, canonical)).then_some(canonical)
}

/// Status 200, HTML, no `noindex`, and no canonical pointing elsewhere.
pub fn is_indexable(page: &CrawledPage) -> bool {
    page.status == 200 && page.facts.is_some() && !is_noindex(page) && canonical_elsewhere(page).is_none()
}

/// Facts of a 200 HTML page: the on-page checks judge only pages that answered.
pub(super) fn ok_html(page: &CrawledPage) -> Option<&PageFacts> {
    if page.status == 200 {
        page.facts.as_ref()
    } else {
        None
    }
}

/// The URL parses with this scheme.
pub(super) fn has_scheme(url: &str, scheme: &str) -> bool {
    Url::parse(url.trim()).is_ok_and(|u| u.scheme() == scheme)
}

fn is_https(url: &str) -> bool {
    has_scheme(url, "https")
}

/// BCP 47 as search engines read hreflang: language (2-3 letters), optional script (4 letters), optional
/// region (2 letters or 3 digits); or `x-default`. Underscores (`en_US`) are a common mistake and invalid.
pub(super) fn valid_hreflang(code: &str) -> bool {
    if code.eq_ignore_ascii_case("x-default") {
        return true;
    }
    let letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic())
    };
    let script = |s: &str| letters(s, 4..=4);
    let region = |s: &str| letters(s, 2..=2) || (s.len() == 3 && s.chars().all(|c| c.is_ascii_digit()));
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        [lang] => letters(lang, 2..=3),
        [lang, x] => letters(lang, 2..=3) && (script(x) || region(x)),
        [lang, s, r] => letters(lang, 2..=3) && script(s) && region(r),
        _ => false,
    }
}
