//! The technical SEO audit checks of audit-checks.md, the health score and crawl comparison. No I/O: the
//! [`Auditor`] takes pages one at a time as the crawl delivers them; [`run`] and [`score`] are the same over
//! a slice of pages.
//!
//! # Scope
//!
//! A URL is *internal* when its host equals the start URL's host, ignoring case and a leading `www.` (sites
//! commonly redirect between the two, and both are "the client's site"), and its explicit port is the same (so
//! `http://` and `https://` on default ports are the same site, but fixture sites on `127.0.0.1:8080` and
//! `127.0.0.1:9090` are not). When the start URL does not parse, every page counts as internal. Page checks
//! only look at internal pages. An *HTML page* is one with `facts`; *indexable* means status 200, HTML, no
//! `noindex`/`none` in meta robots or `X-Robots-Tag`, and no canonical pointing at another URL.
//!
//! URLs are compared *normalised*: parsed, fragment removed, trailing slash of the path ignored (`/a/` = `/a`,
//! the root stays `/`). Redirect loops compare exact URLs instead (fragment removed only), since `/a` → `/a/`
//! is a legitimate redirect, not a loop. Issues attach to the page's URL as discovered ([`CrawledPage::url`]);
//! site-level issues attach to the start URL; `image_too_large` attaches to the image URL.
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
//! hreflang codes are BCP 47 as search engines read them: a 2-3 letter language, an optional 4-letter script, an
//! optional 2-letter or 3-digit region, or `x-default`; `en_US` is invalid. Targets that were not crawled are
//! not judged.
//!
//! Duplicate checks flag every page of the group, naming how many other URLs share the value; a redirecting URL
//! and its target are one URL for this purpose (grouping is by normalised final URL).
//!
//! # Streaming, and what it keeps
//!
//! [`Auditor::add_page`] runs every check that needs only the page and returns its issues at once; what the
//! cross-page checks need is kept in compact form and judged by [`Auditor::finish`], which hands each issue
//! to a callback as it is found (broken links, canonical and hreflang targets, duplicates, orphans, images,
//! site checks). No visible text, anchors, headings or image lists are kept. The cost:
//!
//! - every distinct URL seen (page and final URLs, link targets internal and external, canonicals,
//!   hreflang targets, images to probe) is interned once: its bytes in one buffer plus about 53 bytes
//!   (8 of end offset, 4 of hash chain, ~24 of hash index, 16 of slot: normalised id, the page it names as
//!   URL and as final URL, linked-to flag; 1 of score marks);
//! - per page 36 bytes: URL, final URL and their normalised ids, canonical id (internal 200 HTML pages),
//!   first-hop and final status, flags (internal, HTML, in sitemap);
//! - per internal link of an internal page, deduplicated per page: 4 bytes (the target's id);
//! - per indexable internal page, 16 bytes for each of title, description and content hash: 96 bits of
//!   their SHA-256 and the page index (duplicates are grouped by fingerprint; a false match between two
//!   different values has probability about n²/2⁹⁷);
//! - per hreflang alternate 24 bytes (and the code when it is invalid); per probed image (at most
//!   [`MAX_IMAGE_PROBES`]) the first three pages using it and a count.
//!
//! A 100,000-page crawl with 40 internal links a page and 70-byte URLs keeps about
//! 100k × (36 + 160 + 48 + 70 + 53) bytes ≈ 37 MB. The duplicate groups are sorted at finish (no extra copy); the
//! orphan check collects the redirect targets of linked URLs (4 bytes each).
//!
//! # Score
//!
//! Health (Ahrefs' definition) = 100 × (1 − internal HTML URLs with ≥1 error issue / internal HTML URLs),
//! rounded to one decimal. Each category's score uses the same formula with only that category's issues. With
//! no HTML pages there is nothing to fail: every score is 100.0 and `html_pages` is 0, which the UI shows as
//! "no pages crawled" rather than a perfect site.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;

use serde::{Deserialize, Serialize};
use url::Url;

use super::{CrawledPage, PageFacts};

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

/// Site-level facts the page list alone doesn't have.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteFacts {
    pub start_url: String,
    pub robots_txt_found: bool,
    pub sitemap_found: bool,
    /// Image URLs probed with HEAD: `(url, status, Content-Length)`.
    pub image_sizes: Vec<(String, u16, Option<u64>)>,
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

/// Runs every check over the crawl. Deterministic order: by check id, then URL, then detail. The same checks
/// as [`Auditor`], with every page at hand: the image sizes of `site` are looked up among all pages' images.
pub fn run(pages: &[CrawledPage], site: &SiteFacts, t: &Thresholds) -> Vec<Issue> {
    let mut auditor = Auditor::new(&site.start_url, t.clone());
    auditor.track_images(site.image_sizes.iter().map(|(url, _, _)| url.as_str()));
    let mut out = Vec::new();
    for page in pages {
        out.extend(auditor.add_page(page));
    }
    auditor.finish(site, |issue| out.push(issue));
    out.sort_by(|a, b| (&a.check, &a.url, &a.detail).cmp(&(&b.check, &b.url, &b.detail)));
    out
}

/// Which URLs belong to the audited site (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    home: Option<(String, Option<u16>)>,
}

impl Scope {
    pub fn new(start_url: &str) -> Scope {
        Scope { home: Url::parse(start_url.trim()).ok().and_then(|u| site_key(&u)) }
    }

    pub fn is_internal(&self, url: &str) -> bool {
        match &self.home {
            None => true,
            Some(home) => Url::parse(url.trim()).ok().and_then(|u| site_key(&u)).as_ref() == Some(home),
        }
    }
}

/// No id: a missing page, URL or canonical.
const NONE: u32 = u32::MAX;

/// Strings kept once in one buffer and named by a `u32`: the text, 8 bytes of end offset, 4 of hash chain
/// and about 24 of hash index per distinct string.
struct Interner {
    text: String,
    ends: Vec<usize>,
    /// Hash of a string → the newest id with that hash; older ids with the same hash chain through `next`.
    index: HashMap<u64, u32>,
    next: Vec<u32>,
    hasher: std::collections::hash_map::RandomState,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            text: String::new(),
            ends: Vec::new(),
            index: HashMap::new(),
            next: Vec::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    fn str(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    fn get(&self, s: &str) -> Option<u32> {
        let mut id = *self.index.get(&self.hasher.hash_one(s))?;
        while id != NONE {
            if self.str(id) == s {
                return Some(id);
            }
            id = self.next[id as usize];
        }
        None
    }

    fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let head = self.index.get(&hash).copied().unwrap_or(NONE);
        let mut id = head;
        while id != NONE {
            if self.str(id) == s {
                return id;
            }
            id = self.next[id as usize];
        }
        let id = to_u32(self.ends.len());
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.next.push(head);
        self.index.insert(hash, id);
        id
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// What is known about an interned URL: its normalised form's id, and, when it is a normalised form, the
/// pages it names. 16 bytes.
#[derive(Clone, Copy)]
struct Slot {
    /// Id of `normalize(this)`; [`NONE`] until asked.
    norm: u32,
    /// The last page whose normalised URL this is (a later fetch of the same URL wins).
    as_url: u32,
    /// The first page whose normalised final URL this is; consulted only when `as_url` is [`NONE`].
    as_final: u32,
    /// A crawled page other than the target links here (the orphan check).
    linked: bool,
}

const EMPTY: Slot = Slot { norm: NONE, as_url: NONE, as_final: NONE, linked: false };

struct Urls {
    names: Interner,
    slots: Vec<Slot>,
}

impl Urls {
    fn new() -> Urls {
        Urls { names: Interner::new(), slots: Vec::new() }
    }

    fn id(&mut self, s: &str) -> u32 {
        let id = self.names.intern(s);
        if self.slots.len() < self.names.len() {
            self.slots.resize(self.names.len(), EMPTY);
        }
        id
    }

    /// Id of the normalised form of `id`'s string, computed once.
    fn norm(&mut self, id: u32) -> u32 {
        let known = self.slots[id as usize].norm;
        if known != NONE {
            return known;
        }
        let n = normalize(self.names.str(id));
        let nid = if n == self.names.str(id) { id } else { self.id(&n) };
        self.slots[id as usize].norm = nid;
        nid
    }

    /// `(id, normalised id)` of a string.
    fn ids(&mut self, s: &str) -> (u32, u32) {
        let id = self.id(s);
        (id, self.norm(id))
    }

    fn str(&self, id: u32) -> &str {
        self.names.str(id)
    }

    fn slot(&self, id: u32) -> &Slot {
        &self.slots[id as usize]
    }
}

/// The error / warning / notice counts and, per interned URL, whether it is an HTML page and in which
/// categories it has errors (one byte per URL).
#[derive(Default)]
struct Tally {
    marks: Vec<u8>,
    errors: u32,
    warnings: u32,
    notices: u32,
}

const HTML: u8 = 1 << 7;
const ANY_ERROR: u8 = 1 << 6;

fn category_bit(c: Category) -> u8 {
    1 << Category::ALL.iter().position(|&x| x == c).unwrap_or(0)
}

impl Tally {
    fn mark(&mut self, id: u32, bits: u8) {
        let i = id as usize;
        if self.marks.len() <= i {
            self.marks.resize(i + 1, 0);
        }
        self.marks[i] |= bits;
    }

    fn count(&mut self, urls: &Urls, issue: &Issue) {
        match issue.severity {
            Error => {
                self.errors += 1;
                // A URL never interned is no page's URL, so not an HTML page the score counts.
                if let Some(id) = urls.names.get(&issue.url) {
                    self.mark(id, ANY_ERROR | category_bit(issue.category));
                }
            }
            Warning => self.warnings += 1,
            Notice => self.notices += 1,
        }
    }

    fn score(&self) -> Score {
        let html = self.marks.iter().filter(|m| *m & HTML != 0);
        let html_pages = html.clone().count();
        let failing = |bit: u8| html.clone().filter(|m| *m & bit != 0).count();
        let health = |bad: usize| {
            if html_pages == 0 {
                100.0
            } else {
                (1000.0 * (1.0 - bad as f64 / html_pages as f64)).round() / 10.0
            }
        };
        let pages_with_errors = failing(ANY_ERROR);
        Score {
            health: health(pages_with_errors),
            html_pages: to_u32(html_pages),
            pages_with_errors: to_u32(pages_with_errors),
            errors: self.errors,
            warnings: self.warnings,
            notices: self.notices,
            categories: Category::ALL.iter().map(|&c| (c, health(failing(category_bit(c))))).collect(),
        }
    }
}

/// The compact facts of one page the cross-page checks need. 36 bytes.
#[derive(Clone, Copy)]
struct PageRecord {
    url: u32,
    url_n: u32,
    final_url: u32,
    final_n: u32,
    /// Raw canonical of an internal 200 HTML page (the `canonical_to_non_200` check), else [`NONE`].
    canonical: u32,
    /// Its deduplicated internal link targets (raw ids): `links[links_at..links_at + links_len]`.
    links_at: u32,
    links_len: u32,
    /// The first hop's status when the URL redirected, else `status`.
    answered: u16,
    status: u16,
    flags: u8,
}

const INTERNAL: u8 = 1;
const HAS_FACTS: u8 = 1 << 1;
const IN_SITEMAP: u8 = 1 << 2;
/// Internal 200 HTML page: its hreflang is judged.
const OK_HTML: u8 = 1 << 3;

/// One `<link rel=alternate hreflang>`: the code when it is invalid, the raw and normalised target ids.
struct Alternate {
    invalid_code: Option<Box<str>>,
    target: u32,
    target_n: u32,
}

/// 96 bits of SHA-256 of a trimmed title, description or content hash: duplicates are grouped by this
/// instead of the text. Two different values collide with probability about n²/2⁹⁷ (n = pages).
type Fingerprint = [u32; 3];

fn fingerprint(value: &str) -> Fingerprint {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(value.as_bytes());
    let word = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
    [word(0), word(4), word(8)]
}

/// The duplicate checks, in the order of [`Auditor::values`].
const DUPLICATES: [(&str, &str); 3] =
    [("title_duplicate", "title"), ("meta_description_duplicate", "meta description"), ("duplicate_content", "text")];

/// Pages an image appears on: the first three page URL ids and how many uses in all.
#[derive(Default)]
struct ImageUse {
    first: Vec<u32>,
    uses: u32,
}

/// The checks one page at a time, keeping only what the cross-page checks need; see the module doc for
/// what that is and what it costs. [`run`] and [`score`] are this over a page slice.
pub struct Auditor {
    scope: Scope,
    t: Thresholds,
    urls: Urls,
    pages: Vec<PageRecord>,
    links: Vec<u32>,
    hreflang: HashMap<u32, Box<[Alternate]>>,
    /// `(value, page index)` of indexable internal pages, per duplicate check.
    values: [Vec<(Fingerprint, u32)>; 3],
    /// Normalised image id → where it is used, for the images that will be probed.
    images: HashMap<u32, ImageUse>,
    /// Raw image URLs to probe, first seen first; at most [`MAX_IMAGE_PROBES`] (none when the images were
    /// given by [`Auditor::track_images`]).
    probes: Vec<u32>,
    auto_probe: bool,
    tally: Tally,
}

/// Internal image URLs offered for HEAD probes, at most.
pub const MAX_IMAGE_PROBES: usize = 1_000;

impl Auditor {
    pub fn new(start_url: &str, thresholds: Thresholds) -> Auditor {
        Auditor {
            scope: Scope::new(start_url),
            t: thresholds,
            urls: Urls::new(),
            pages: Vec::new(),
            links: Vec::new(),
            hreflang: HashMap::new(),
            values: [Vec::new(), Vec::new(), Vec::new()],
            images: HashMap::new(),
            probes: Vec::new(),
            auto_probe: true,
            tally: Tally::default(),
        }
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Follows the uses of exactly these images (whose sizes are already known) instead of collecting
    /// internal images to probe. Call before the first page.
    fn track_images<'a>(&mut self, images: impl Iterator<Item = &'a str>) {
        self.auto_probe = false;
        for image in images {
            let id = self.urls.id(&normalize(image));
            self.images.entry(id).or_default();
        }
    }

    /// Runs every check that needs only this page and returns its issues; keeps the page's compact facts
    /// for [`Auditor::finish`].
    pub fn add_page(&mut self, page: &CrawledPage) -> Vec<Issue> {
        let index = to_u32(self.pages.len());
        let (url, url_n) = self.urls.ids(&page.url);
        let (final_url, final_n) = self.urls.ids(&page.final_url);
        let slot = &mut self.urls.slots[url_n as usize];
        slot.as_url = index;
        let slot = &mut self.urls.slots[final_n as usize];
        if slot.as_final == NONE {
            slot.as_final = index;
        }
        let internal = self.scope.is_internal(&page.url);
        let mut record = PageRecord {
            url,
            url_n,
            final_url,
            final_n,
            canonical: NONE,
            links_at: to_u32(self.links.len()),
            links_len: 0,
            answered: page.redirect_chain.first().map_or(page.status, |hop| hop.1),
            status: page.status,
            flags: 0,
        };
        for (set, flag) in [(internal, INTERNAL), (page.in_sitemap, IN_SITEMAP), (page.facts.is_some(), HAS_FACTS)] {
            if set {
                record.flags |= flag;
            }
        }
        let mut out = Vec::new();
        if internal {
            page_checks(&self.scope, page, &self.t, &mut out);
        }
        if let Some(facts) = &page.facts {
            self.tally.mark(url, HTML);
            self.keep_links(&mut record, facts, internal);
            self.keep_images(url, facts);
            if !facts.hreflang.is_empty() {
                let alternates = facts
                    .hreflang
                    .iter()
                    .map(|(code, target)| {
                        let (target, target_n) = self.urls.ids(target);
                        Alternate {
                            invalid_code: (!valid_hreflang(code)).then(|| code.as_str().into()),
                            target,
                            target_n,
                        }
                    })
                    .collect();
                self.hreflang.insert(index, alternates);
            }
            if internal && page.status == 200 {
                record.flags |= OK_HTML;
                if let Some(canonical) = &facts.canonical {
                    let (id, _) = self.urls.ids(canonical);
                    record.canonical = id;
                }
            }
            if internal && is_indexable(page) {
                let values =
                    [facts.title.as_deref(), facts.meta_description.as_deref(), Some(facts.content_hash.as_str())];
                for (kept, value) in self.values.iter_mut().zip(values) {
                    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
                        kept.push((fingerprint(v), index));
                    }
                }
            }
        }
        self.pages.push(record);
        for issue in &out {
            self.tally.count(&self.urls, issue);
        }
        out
    }

    /// Internal link targets (raw ids, deduplicated) of an internal page for `broken_internal_link`; every
    /// link target but the page itself marked as linked for `orphan_page`.
    fn keep_links(&mut self, record: &mut PageRecord, facts: &PageFacts, internal: bool) {
        for link in &facts.links {
            let (id, n) = self.urls.ids(&link.url);
            if n != record.url_n && n != record.final_n {
                self.urls.slots[n as usize].linked = true;
            }
            if internal && self.scope.is_internal(&link.url) {
                self.links.push(id);
            }
        }
        let mut kept = self.links.split_off(record.links_at as usize);
        kept.sort_unstable();
        kept.dedup();
        let unique = kept.len();
        self.links.extend(kept);
        record.links_len = to_u32(unique);
    }

    fn keep_images(&mut self, page_url: u32, facts: &PageFacts) {
        for image in &facts.images {
            let n = normalize(&image.src);
            let id = match self.urls.names.get(&n) {
                Some(id) if self.images.contains_key(&id) => id,
                _ => {
                    let probe = self.auto_probe
                        && self.probes.len() < MAX_IMAGE_PROBES
                        && Url::parse(&image.src).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                        && self.scope.is_internal(&image.src);
                    if !probe {
                        continue;
                    }
                    let id = self.urls.id(&n);
                    let raw = self.urls.id(&image.src);
                    self.probes.push(raw);
                    id
                }
            };
            let used = self.images.entry(id).or_default();
            if used.first.len() < 3 {
                used.first.push(page_url);
            }
            used.uses += 1;
        }
    }

    /// Internal image URLs seen so far, first seen first, at most [`MAX_IMAGE_PROBES`]: the ones to probe
    /// with HEAD for `image_too_large`.
    pub fn image_urls(&self) -> Vec<String> {
        self.probes.iter().map(|&id| self.urls.str(id).to_string()).collect()
    }

    /// Where a normalised URL was crawled: as a page's URL (its first hop's answer), else as a page's
    /// final URL.
    fn target(&self, n: u32) -> Option<(u16, &PageRecord, u32)> {
        let slot = self.urls.slot(n);
        if slot.as_url != NONE {
            let p = &self.pages[slot.as_url as usize];
            Some((p.answered, p, slot.as_url))
        } else if slot.as_final != NONE {
            let p = &self.pages[slot.as_final as usize];
            Some((p.status, p, slot.as_final))
        } else {
            None
        }
    }

    /// The cross-page and site-level checks, each issue handed to `emit` as it is found; returns the
    /// score over every issue, those of [`Auditor::add_page`] included. `site.start_url` should be the
    /// start URL the auditor was made with.
    pub fn finish(mut self, site: &SiteFacts, mut emit: impl FnMut(Issue)) -> Score {
        let mut tally = std::mem::take(&mut self.tally);
        let mut out = Vec::new();
        let mut flush = |out: &mut Vec<Issue>, urls: &Urls| {
            for issue in out.drain(..) {
                tally.count(urls, &issue);
                emit(issue);
            }
        };
        for (index, page) in self.pages.iter().enumerate() {
            self.page_links(page, &mut out);
            if page.flags & OK_HTML != 0 {
                self.canonical(page, &mut out);
                self.hreflang(to_u32(index), page, &mut out);
            }
            flush(&mut out, &self.urls);
        }
        for (values, (check, what)) in self.values.iter_mut().zip(DUPLICATES) {
            values.sort_unstable();
            for group in values.chunk_by(|a, b| a.0 == b.0) {
                let mut finals: Vec<u32> = group.iter().map(|(_, p)| self.pages[*p as usize].final_n).collect();
                finals.sort_unstable();
                finals.dedup();
                if finals.len() < 2 {
                    continue;
                }
                for (_, p) in group {
                    let url = self.urls.str(self.pages[*p as usize].url);
                    let others = finals.len() - 1;
                    issue(&mut out, check, url, format!("same {what} as {others} other page(s)"));
                }
                flush(&mut out, &self.urls);
            }
        }
        self.site_checks(site, &mut out);
        flush(&mut out, &self.urls);
        self.orphans(site, &mut out);
        flush(&mut out, &self.urls);
        tally.score()
    }

    fn page_links(&self, page: &PageRecord, out: &mut Vec<Issue>) {
        let targets = &self.links[page.links_at as usize..(page.links_at + page.links_len) as usize];
        let mut broken: Vec<(&str, u16)> = Vec::new();
        for &raw in targets {
            if let Some((_, target, _)) = self.target(self.urls.slot(raw).norm) {
                if (400..=599).contains(&target.status) {
                    broken.push((self.urls.str(raw), target.status));
                }
            }
        }
        broken.sort_unstable();
        for (target, status) in broken {
            issue(
                out,
                "broken_internal_link",
                self.urls.str(page.url),
                format!("links to {target}, which answered {status}"),
            );
        }
    }

    fn canonical(&self, page: &PageRecord, out: &mut Vec<Issue>) {
        if page.canonical == NONE {
            return;
        }
        if let Some((answered, _, _)) = self.target(self.urls.slot(page.canonical).norm).filter(|t| t.0 != 200) {
            let canonical = self.urls.str(page.canonical);
            issue(
                out,
                "canonical_to_non_200",
                self.urls.str(page.url),
                format!("canonical {canonical} answered {answered}"),
            );
        }
    }

    fn hreflang(&self, index: u32, page: &PageRecord, out: &mut Vec<Issue>) {
        let Some(alternates) = self.hreflang.get(&index) else { return };
        let same_page = |n: u32| n == page.url_n || n == page.final_n;
        let mut problems = Vec::new();
        for alternate in alternates.iter() {
            if let Some(code) = &alternate.invalid_code {
                problems.push(format!("invalid code \"{code}\""));
            }
            let Some((answered, other, other_index)) = self.target(alternate.target_n) else { continue };
            if other_index == index || same_page(alternate.target_n) {
                continue;
            }
            let target_url = self.urls.str(alternate.target);
            if answered != 200 {
                problems.push(format!("{target_url} answered {answered}"));
            } else if other.flags & HAS_FACTS != 0 {
                let back = self.hreflang.get(&other_index).is_some_and(|a| a.iter().any(|b| same_page(b.target_n)));
                if !back {
                    problems.push(format!("{target_url} has no hreflang back"));
                }
            }
        }
        if !problems.is_empty() {
            issue(out, "hreflang_invalid", self.urls.str(page.url), problems.join("; "));
        }
    }

    fn site_checks(&self, site: &SiteFacts, out: &mut Vec<Issue>) {
        let start = site.start_url.as_str();
        let start_final = self
            .urls
            .names
            .get(&normalize(start))
            .and_then(|n| self.target(n))
            .map_or(start, |(_, p, _)| self.urls.str(p.final_url));
        if Url::parse(start_final.trim()).is_ok_and(|u| u.scheme() == "http") {
            issue(out, "no_https", start, format!("{start_final} is served over plain HTTP"));
        }
        if !site.robots_txt_found {
            issue(out, "robots_txt_missing", start, "no robots.txt".to_string());
        }
        if !site.sitemap_found {
            issue(out, "sitemap_missing", start, "no sitemap found".to_string());
        }
        for (image, _, length) in &site.image_sizes {
            let Some(bytes) = length.filter(|b| *b > self.t.image_max_bytes) else { continue };
            let used = self.urls.names.get(&normalize(image)).and_then(|id| self.images.get(&id));
            let pages = match used {
                Some(u) if u.uses > 0 => {
                    let first: Vec<&str> = u.first.iter().map(|&p| self.urls.str(p)).collect();
                    format!("; used on {}", sample_of(&first, u.uses as usize))
                }
                _ => String::new(),
            };
            issue(out, "image_too_large", image, format!("{} KB{pages}", bytes / 1024));
        }
    }

    /// Sitemap pages no other page links to, directly or through a redirect.
    fn orphans(&mut self, site: &SiteFacts, out: &mut Vec<Issue>) {
        // A link through a redirect still reaches the redirect's target.
        let through: Vec<u32> = (0..self.urls.slots.len())
            .filter(|&n| self.urls.slots[n].linked)
            .filter_map(|n| self.target(to_u32(n)).map(|(_, p, _)| p.final_n))
            .collect();
        for n in through {
            self.urls.slots[n as usize].linked = true;
        }
        let start = self.urls.names.get(&normalize(&site.start_url)).unwrap_or(NONE);
        let wanted = INTERNAL | IN_SITEMAP;
        for page in self.pages.iter().filter(|p| p.flags & wanted == wanted && p.status == 200) {
            let linked = self.urls.slot(page.url_n).linked || self.urls.slot(page.final_n).linked;
            if page.url_n != start && !linked {
                let url = self.urls.str(page.url);
                issue(out, "orphan_page", url, "in the sitemap, but no crawled page links to it".to_string());
            }
        }
    }
}

fn site_key(u: &Url) -> Option<(String, Option<u16>)> {
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_string).unwrap_or(host);
    Some((host, u.port()))
}

/// Fragment removed and the path's trailing slash ignored (the root keeps its `/`).
fn normalize(raw: &str) -> String {
    let raw = raw.trim();
    match Url::parse(raw) {
        Ok(mut u) => {
            u.set_fragment(None);
            let trimmed = u.path().trim_end_matches('/').to_string();
            if !trimmed.is_empty() && trimmed.len() < u.path().len() {
                u.set_path(&trimmed);
            }
            u.to_string()
        }
        Err(_) => raw.split('#').next().unwrap_or_default().trim_end_matches('/').to_string(),
    }
}

/// Fragment removed only: what a redirect loop compares.
fn exact(raw: &str) -> String {
    let raw = raw.trim();
    match Url::parse(raw) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => raw.split('#').next().unwrap_or_default().to_string(),
    }
}

fn same_page(page: &CrawledPage, url: &str) -> bool {
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
fn ok_html(page: &CrawledPage) -> Option<&PageFacts> {
    if page.status == 200 {
        page.facts.as_ref()
    } else {
        None
    }
}

fn is_https(url: &str) -> bool {
    Url::parse(url.trim()).is_ok_and(|u| u.scheme() == "https")
}

fn issue_as(out: &mut Vec<Issue>, check: &str, severity: Severity, url: &str, detail: String) {
    let category = CHECKS.iter().find(|c| c.id == check).map_or(Crawlability, |c| c.category);
    out.push(Issue { check: check.to_string(), severity, category, url: url.to_string(), detail });
}

fn issue(out: &mut Vec<Issue>, check: &str, url: &str, detail: String) {
    let severity = CHECKS.iter().find(|c| c.id == check).map_or(Error, |c| c.severity);
    issue_as(out, check, severity, url, detail);
}

/// `"a, b, c and 2 more"`.
fn sample(items: &[&str]) -> String {
    sample_of(items, items.len())
}

/// The first items shown, out of `total`: `"a, b, c and 2 more"`.
fn sample_of(items: &[&str], total: usize) -> String {
    const SHOWN: usize = 3;
    let head = items.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    match total.saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more"),
    }
}

/// The checks of an internal page that need nothing but the page.
fn page_checks(scope: &Scope, page: &CrawledPage, t: &Thresholds, out: &mut Vec<Issue>) {
    let url = page.url.as_str();
    match page.status {
        400..=499 => issue(out, "http_4xx", url, format!("answered {}", page.status)),
        500..=599 => issue(out, "http_5xx", url, format!("answered {}", page.status)),
        _ => {}
    }
    redirects(page, out);
    if page.status != 0 {
        if page.ttfb_ms > t.ttfb_error_ms {
            issue_as(out, "slow_response", Error, url, format!("time to first byte {} ms", page.ttfb_ms));
        } else if page.ttfb_ms > t.ttfb_warning_ms {
            issue_as(out, "slow_response", Warning, url, format!("time to first byte {} ms", page.ttfb_ms));
        }
    }
    if let Some(facts) = &page.facts {
        let size = format!("{} bytes of HTML", page.bytes);
        if page.bytes > t.page_error_bytes {
            issue_as(out, "page_too_large", Error, url, size);
        } else if page.bytes > t.page_warning_bytes {
            issue_as(out, "page_too_large", Warning, url, size);
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

/// The on-page checks of an internal 200 HTML page that need nothing but the page (`canonical_to_non_200`
/// and `hreflang_invalid` wait for [`Auditor::finish`]).
fn on_page(page: &CrawledPage, facts: &PageFacts, t: &Thresholds, out: &mut Vec<Issue>) {
    let url = page.url.as_str();
    match facts.title.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => issue(out, "title_missing", url, "no <title>".to_string()),
        Some(title) => {
            let n = title.chars().count();
            if n < t.title_min_chars || n > t.title_max_chars {
                issue(out, "title_length", url, format!("title is {n} characters"));
            }
        }
    }
    match facts.meta_description.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => issue(out, "meta_description_missing", url, "no meta description".to_string()),
        Some(description) => {
            let n = description.chars().count();
            if n < t.meta_description_min_chars || n > t.meta_description_max_chars {
                issue(out, "meta_description_length", url, format!("meta description is {n} characters"));
            }
        }
    }
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

/// BCP 47 as search engines read hreflang: language (2-3 letters), optional script (4 letters), optional
/// region (2 letters or 3 digits); or `x-default`. Underscores (`en_US`) are a common mistake and invalid.
fn valid_hreflang(code: &str) -> bool {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub health: f64,
    pub html_pages: u32,
    pub pages_with_errors: u32,
    pub errors: u32,
    pub warnings: u32,
    pub notices: u32,
    /// Every category, in [`Category::ALL`] order.
    pub categories: Vec<(Category, f64)>,
}

/// Health = 100 × (1 − HTML URLs with ≥1 error / HTML URLs), one decimal; per category the same over that
/// category's issues. The crawler stores only internal URLs, so every page given counts as internal. With no
/// HTML pages every score is 100.0 and `html_pages` is 0 (nothing was measured, which the caller must show).
/// The error / warning / notice counts cover every issue, including site-level and image ones.
pub fn score(pages: &[CrawledPage], issues: &[Issue]) -> Score {
    let mut urls = Urls::new();
    let mut tally = Tally::default();
    for page in pages.iter().filter(|p| p.facts.is_some()) {
        let id = urls.id(&page.url);
        tally.mark(id, HTML);
    }
    for issue in issues {
        tally.count(&urls, issue);
    }
    tally.score()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub new: Vec<Issue>,
    pub fixed: Vec<Issue>,
    pub persisting: Vec<Issue>,
}

/// Issue identity is (check id, URL): `new` and `persisting` come from `after`, `fixed` from `before`, each in
/// its input order. Several issues sharing an identity (one per broken link target) move together.
pub fn compare(before: &[Issue], after: &[Issue]) -> Comparison {
    let key = |i: &Issue| (i.check.clone(), i.url.clone());
    let was: HashSet<_> = before.iter().map(key).collect();
    let is: HashSet<_> = after.iter().map(key).collect();
    let (persisting, new): (Vec<Issue>, Vec<Issue>) = after.iter().cloned().partition(|i| was.contains(&key(i)));
    let fixed = before.iter().filter(|i| !is.contains(&key(i))).cloned().collect();
    Comparison { new, fixed, persisting }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::{Image, Link};
    use proptest::prelude::*;

    const HOME: &str = "https://example.com/";

    /// A page no check objects to: unique title and description, self canonical, one H1, enough words,
    /// JSON-LD, security headers, small and fast.
    fn page(url: &str) -> CrawledPage {
        CrawledPage {
            url: url.to_string(),
            final_url: url.to_string(),
            status: 200,
            depth: 1,
            ttfb_ms: 100,
            bytes: 10_000,
            content_type: Some("text/html".to_string()),
            hsts: true,
            csp: true,
            facts: Some(PageFacts {
                title: Some(format!("Title of {url}")),
                meta_description: Some(format!("Description of {url} {}", "x".repeat(70))),
                canonical: Some(url.to_string()),
                h1: vec!["Heading".to_string()],
                word_count: 300,
                json_ld_types: vec!["Organization".to_string()],
                content_hash: format!("hash of {url}"),
                ..PageFacts::default()
            }),
            ..CrawledPage::default()
        }
    }

    fn facts(p: &mut CrawledPage) -> &mut PageFacts {
        p.facts.get_or_insert_with(PageFacts::default)
    }

    fn link(url: &str, anchor: &str) -> Link {
        Link { url: url.to_string(), anchor: anchor.to_string(), nofollow: false }
    }

    fn site() -> SiteFacts {
        SiteFacts { start_url: HOME.to_string(), robots_txt_found: true, sitemap_found: true, image_sizes: vec![] }
    }

    fn audit(pages: &[CrawledPage]) -> Vec<Issue> {
        run(pages, &site(), &Thresholds::default())
    }

    fn flagged(issues: &[Issue], check: &str) -> Vec<String> {
        issues.iter().filter(|i| i.check == check).map(|i| i.url.clone()).collect()
    }

    fn only(pages: &[CrawledPage], check: &str) -> Vec<String> {
        flagged(&audit(pages), check)
    }

    fn err(check: &str, url: &str, category: Category) -> Issue {
        Issue { check: check.to_string(), severity: Error, category, url: url.to_string(), detail: String::new() }
    }

    #[test]
    fn catalogue_is_sorted_unique_and_complete() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(ids.len(), 34);
    }

    #[test]
    fn clean_site_has_no_issues() {
        let mut home = page(HOME);
        facts(&mut home).links = vec![link("https://example.com/a", "About us")];
        assert_eq!(audit(&[home, page("https://example.com/a")]), vec![]);
    }

    #[test]
    fn http_4xx_and_5xx_flag_error_answers() {
        let mut a = page("https://example.com/a");
        a.status = 404;
        let mut b = page("https://example.com/b");
        b.status = 503;
        let issues = audit(&[a, b]);
        assert_eq!(flagged(&issues, "http_4xx"), vec!["https://example.com/a"]);
        assert_eq!(flagged(&issues, "http_5xx"), vec!["https://example.com/b"]);
    }

    #[test]
    fn http_status_checks_ignore_200_and_external_pages() {
        let mut ext = page("https://other.org/x");
        ext.status = 404;
        let issues = audit(&[page(HOME), ext]);
        assert!(flagged(&issues, "http_4xx").is_empty() && flagged(&issues, "http_5xx").is_empty());
    }

    #[test]
    fn broken_internal_link_names_target_and_status() {
        let mut home = page(HOME);
        facts(&mut home).links = vec![link("https://example.com/gone/", "Gone"), link("https://example.com/gone", "x")];
        let mut gone = page("https://example.com/gone");
        gone.status = 410;
        let issues: Vec<Issue> =
            audit(&[home, gone]).into_iter().filter(|i| i.check == "broken_internal_link").collect();
        assert_eq!(issues.len(), 2);
        assert!(issues.iter().all(|i| i.url == HOME && i.detail.contains("410")));
    }

    #[test]
    fn broken_internal_link_ignores_working_and_uncrawled_targets() {
        let mut home = page(HOME);
        facts(&mut home).links =
            vec![link("https://example.com/a", "About"), link("https://example.com/not-crawled", "Somewhere")];
        assert!(only(&[home, page("https://example.com/a")], "broken_internal_link").is_empty());
    }

    #[test]
    fn redirect_chain_flags_two_hops() {
        let mut p = page("http://example.com/a");
        p.final_url = "https://example.com/a/".to_string();
        p.redirect_chain = vec![("http://example.com/a".into(), 301), ("https://example.com/a".into(), 301)];
        assert_eq!(only(&[p], "redirect_chain"), vec!["http://example.com/a"]);
    }

    #[test]
    fn redirect_chain_allows_one_hop_and_trailing_slash_is_no_loop() {
        let mut p = page("https://example.com/a");
        p.final_url = "https://example.com/a/".to_string();
        p.redirect_chain = vec![("https://example.com/a".into(), 301)];
        let issues = audit(&[p]);
        assert!(flagged(&issues, "redirect_chain").is_empty());
        assert!(flagged(&issues, "redirect_loop").is_empty());
    }

    #[test]
    fn redirect_loop_flags_revisited_url() {
        let mut p = page("https://example.com/a");
        p.status = 301;
        p.facts = None;
        p.final_url = "https://example.com/a".to_string();
        p.redirect_chain = vec![("https://example.com/a".into(), 301), ("https://example.com/b".into(), 301)];
        assert_eq!(only(&[p], "redirect_loop"), vec!["https://example.com/a"]);
    }

    #[test]
    fn title_missing_flags_absent_or_blank_title() {
        let mut a = page("https://example.com/a");
        facts(&mut a).title = None;
        let mut b = page("https://example.com/b");
        facts(&mut b).title = Some("  ".into());
        assert_eq!(only(&[a, b], "title_missing").len(), 2);
    }

    #[test]
    fn title_missing_ignores_error_pages() {
        let mut a = page("https://example.com/a");
        a.status = 404;
        facts(&mut a).title = None;
        assert!(only(&[a], "title_missing").is_empty());
    }

    #[test]
    fn title_duplicate_flags_every_page_of_the_group() {
        let mut a = page("https://example.com/a");
        let mut b = page("https://example.com/b");
        facts(&mut a).title = Some("Same title for both pages".into());
        facts(&mut b).title = Some("Same title for both pages".into());
        let issues = audit(&[a, b]);
        assert_eq!(flagged(&issues, "title_duplicate").len(), 2);
        assert!(issues.iter().any(|i| i.detail.contains("1 other")));
    }

    #[test]
    fn title_duplicate_ignores_noindex_and_canonicalised_pages() {
        let mut a = page("https://example.com/a");
        let mut b = page("https://example.com/b");
        let mut c = page("https://example.com/c");
        for p in [&mut a, &mut b, &mut c] {
            facts(p).title = Some("Same title for all pages".into());
        }
        facts(&mut b).meta_robots = Some("noindex, follow".into());
        facts(&mut c).canonical = Some("https://example.com/a".into());
        assert!(only(&[a, b, c], "title_duplicate").is_empty());
    }

    #[test]
    fn title_length_counts_characters() {
        let mut a = page("https://example.com/a");
        facts(&mut a).title = Some("Short".into());
        let mut b = page("https://example.com/b");
        facts(&mut b).title = Some("x".repeat(61));
        assert_eq!(only(&[a, b], "title_length").len(), 2);
    }

    #[test]
    fn title_length_accepts_cyrillic_within_limits() {
        let mut a = page("https://example.com/a");
        // 30 characters but 60 bytes: counted as characters.
        facts(&mut a).title = Some("ж".repeat(30));
        assert!(only(&[a], "title_length").is_empty());
    }

    #[test]
    fn meta_description_missing_flags_absent_description() {
        let mut a = page("https://example.com/a");
        facts(&mut a).meta_description = None;
        assert_eq!(only(&[a], "meta_description_missing"), vec!["https://example.com/a"]);
    }

    #[test]
    fn meta_description_missing_ignores_present_description() {
        assert!(only(&[page("https://example.com/a")], "meta_description_missing").is_empty());
    }

    #[test]
    fn meta_description_duplicate_flags_shared_description() {
        let mut a = page("https://example.com/a");
        let mut b = page("https://example.com/b");
        let d = "d".repeat(100);
        facts(&mut a).meta_description = Some(d.clone());
        facts(&mut b).meta_description = Some(d);
        assert_eq!(only(&[a, b], "meta_description_duplicate").len(), 2);
    }

    #[test]
    fn meta_description_duplicate_ignores_redirect_to_same_page() {
        let a = page("https://example.com/a");
        let mut old = page("https://example.com/old");
        old.final_url = "https://example.com/a".to_string();
        old.redirect_chain = vec![("https://example.com/old".into(), 301)];
        old.facts = a.facts.clone();
        assert!(only(&[a, old], "meta_description_duplicate").is_empty());
    }

    #[test]
    fn meta_description_length_flags_short_and_long() {
        let mut a = page("https://example.com/a");
        facts(&mut a).meta_description = Some("too short".into());
        let mut b = page("https://example.com/b");
        facts(&mut b).meta_description = Some("y".repeat(161));
        let issues = audit(&[a, b]);
        assert_eq!(flagged(&issues, "meta_description_length").len(), 2);
        assert!(issues.iter().filter(|i| i.check == "meta_description_length").all(|i| i.severity == Notice));
    }

    #[test]
    fn meta_description_length_accepts_bounds() {
        let mut a = page("https://example.com/a");
        facts(&mut a).meta_description = Some("y".repeat(80));
        let mut b = page("https://example.com/b");
        facts(&mut b).meta_description = Some("z".repeat(160));
        assert!(only(&[a, b], "meta_description_length").is_empty());
    }

    #[test]
    fn h1_missing_and_multiple() {
        let mut a = page("https://example.com/a");
        facts(&mut a).h1 = vec![];
        let mut b = page("https://example.com/b");
        facts(&mut b).h1 = vec!["One".into(), "Two".into()];
        let issues = audit(&[a, b]);
        assert_eq!(flagged(&issues, "h1_missing"), vec!["https://example.com/a"]);
        assert_eq!(flagged(&issues, "h1_multiple"), vec!["https://example.com/b"]);
    }

    #[test]
    fn h1_checks_accept_a_single_h1() {
        let issues = audit(&[page("https://example.com/a")]);
        assert!(flagged(&issues, "h1_missing").is_empty() && flagged(&issues, "h1_multiple").is_empty());
    }

    #[test]
    fn canonical_missing_flags_page_without_canonical() {
        let mut a = page("https://example.com/a");
        facts(&mut a).canonical = None;
        assert_eq!(only(&[a], "canonical_missing"), vec!["https://example.com/a"]);
    }

    #[test]
    fn canonical_missing_accepts_self_canonical() {
        assert!(only(&[page("https://example.com/a")], "canonical_missing").is_empty());
    }

    #[test]
    fn canonical_to_non_200_flags_404_and_redirecting_targets() {
        let mut a = page("https://example.com/a");
        facts(&mut a).canonical = Some("https://example.com/gone".into());
        let mut gone = page("https://example.com/gone");
        gone.status = 404;
        let mut b = page("https://example.com/b");
        facts(&mut b).canonical = Some("https://example.com/moved".into());
        let mut moved = page("https://example.com/moved");
        moved.final_url = "https://example.com/c".into();
        moved.redirect_chain = vec![("https://example.com/moved".into(), 301)];
        facts(&mut moved).canonical = Some("https://example.com/c".into());
        assert_eq!(only(&[a, gone, b, moved], "canonical_to_non_200").len(), 2);
    }

    #[test]
    fn canonical_to_non_200_ignores_200_and_uncrawled_targets() {
        let mut a = page("https://example.com/a");
        facts(&mut a).canonical = Some("https://example.com/b".into());
        let mut c = page("https://example.com/c");
        facts(&mut c).canonical = Some("https://example.com/elsewhere".into());
        assert!(only(&[a, page("https://example.com/b"), c], "canonical_to_non_200").is_empty());
    }

    #[test]
    fn noindex_in_sitemap_flags_noindex_and_canonicalised_urls() {
        let mut a = page("https://example.com/a");
        a.in_sitemap = true;
        a.x_robots_tag = Some("googlebot: noindex".into());
        let mut b = page("https://example.com/b");
        b.in_sitemap = true;
        facts(&mut b).canonical = Some("https://example.com/a".into());
        assert_eq!(only(&[a, b], "noindex_in_sitemap").len(), 2);
    }

    #[test]
    fn noindex_in_sitemap_ignores_indexable_and_unlisted_pages() {
        let mut a = page("https://example.com/a");
        a.in_sitemap = true;
        facts(&mut a).canonical = Some("https://example.com/a/#top".into());
        let mut b = page("https://example.com/b");
        facts(&mut b).meta_robots = Some("noindex".into());
        assert!(only(&[a, b], "noindex_in_sitemap").is_empty());
    }

    #[test]
    fn hreflang_invalid_flags_bad_code_missing_return_and_non_200() {
        let mut en = page("https://example.com/en");
        facts(&mut en).hreflang = vec![
            ("en_US".into(), "https://example.com/en".into()),
            ("de".into(), "https://example.com/de".into()),
            ("fr".into(), "https://example.com/fr".into()),
        ];
        let de = page("https://example.com/de");
        let mut fr = page("https://example.com/fr");
        fr.status = 404;
        let issues: Vec<Issue> = audit(&[en, de, fr]).into_iter().filter(|i| i.check == "hreflang_invalid").collect();
        assert_eq!(issues.len(), 1);
        let detail = &issues[0].detail;
        assert!(detail.contains("en_US") && detail.contains("no hreflang back") && detail.contains("404"), "{detail}");
    }

    #[test]
    fn hreflang_invalid_accepts_reciprocal_valid_codes() {
        let pair = vec![
            ("en".to_string(), "https://example.com/en".to_string()),
            ("zh-Hant-TW".to_string(), "https://example.com/tw".to_string()),
            ("es-419".to_string(), "https://example.com/tw".to_string()),
            ("x-default".to_string(), "https://example.com/en".to_string()),
        ];
        let mut en = page("https://example.com/en");
        facts(&mut en).hreflang = pair.clone();
        let mut tw = page("https://example.com/tw");
        facts(&mut tw).hreflang = pair;
        assert!(only(&[en, tw], "hreflang_invalid").is_empty());
    }

    #[test]
    fn image_alt_missing_flags_absent_alt() {
        let mut a = page("https://example.com/a");
        facts(&mut a).images = vec![Image { src: "https://example.com/i.png".into(), alt: None }];
        assert_eq!(only(&[a], "image_alt_missing"), vec!["https://example.com/a"]);
    }

    #[test]
    fn image_alt_missing_accepts_decorative_empty_alt() {
        let mut a = page("https://example.com/a");
        facts(&mut a).images = vec![Image { src: "https://example.com/i.png".into(), alt: Some(String::new()) }];
        assert!(only(&[a], "image_alt_missing").is_empty());
    }

    #[test]
    fn image_too_large_flags_images_over_500_kb() {
        let mut s = site();
        s.image_sizes = vec![
            ("https://example.com/big.jpg".into(), 200, Some(512_001)),
            ("https://example.com/ok.jpg".into(), 200, Some(512_000)),
            ("https://example.com/unknown.jpg".into(), 200, None),
        ];
        let mut a = page("https://example.com/a");
        facts(&mut a).images = vec![Image { src: "https://example.com/big.jpg".into(), alt: Some("Big".into()) }];
        let issues = run(&[a], &s, &Thresholds::default());
        let big: Vec<&Issue> = issues.iter().filter(|i| i.check == "image_too_large").collect();
        assert_eq!(big.len(), 1);
        assert_eq!(big[0].url, "https://example.com/big.jpg");
        assert!(big[0].detail.contains("https://example.com/a"));
    }

    #[test]
    fn thin_content_flags_short_indexable_pages() {
        let mut a = page("https://example.com/a");
        facts(&mut a).word_count = 199;
        assert_eq!(only(&[a], "thin_content"), vec!["https://example.com/a"]);
    }

    #[test]
    fn thin_content_ignores_noindex_pages() {
        let mut a = page("https://example.com/a");
        facts(&mut a).word_count = 10;
        a.x_robots_tag = Some("none".into());
        assert!(only(&[a], "thin_content").is_empty());
    }

    #[test]
    fn duplicate_content_flags_same_hash() {
        let mut a = page("https://example.com/a");
        let mut b = page("https://example.com/b");
        let mut c = page("https://example.com/c");
        for p in [&mut a, &mut b, &mut c] {
            facts(p).content_hash = "abc".into();
        }
        let issues = audit(&[a, b, c]);
        assert_eq!(flagged(&issues, "duplicate_content").len(), 3);
        assert!(issues.iter().any(|i| i.check == "duplicate_content" && i.detail.contains("2 other")));
    }

    #[test]
    fn duplicate_content_ignores_empty_hashes() {
        let mut a = page("https://example.com/a");
        let mut b = page("https://example.com/b");
        facts(&mut a).content_hash = String::new();
        facts(&mut b).content_hash = String::new();
        assert!(only(&[a, b], "duplicate_content").is_empty());
    }

    #[test]
    fn slow_response_picks_severity_by_threshold() {
        let mut a = page("https://example.com/a");
        a.ttfb_ms = 801;
        let mut b = page("https://example.com/b");
        b.ttfb_ms = 3001;
        let issues = audit(&[a, b]);
        let slow: Vec<(String, Severity)> =
            issues.iter().filter(|i| i.check == "slow_response").map(|i| (i.url.clone(), i.severity)).collect();
        assert_eq!(slow, vec![("https://example.com/a".into(), Warning), ("https://example.com/b".into(), Error)]);
    }

    #[test]
    fn slow_response_ignores_fast_and_failed_fetches() {
        let mut a = page("https://example.com/a");
        a.ttfb_ms = 800;
        let mut b = page("https://example.com/b");
        b.status = 0;
        b.ttfb_ms = 30_000;
        b.facts = None;
        assert!(only(&[a, b], "slow_response").is_empty());
    }

    #[test]
    fn page_too_large_picks_severity_by_threshold() {
        let mut a = page("https://example.com/a");
        a.bytes = 1_048_577;
        let mut b = page("https://example.com/b");
        b.bytes = 3 * 1_048_576 + 1;
        let issues = audit(&[a, b]);
        let large: Vec<Severity> = issues.iter().filter(|i| i.check == "page_too_large").map(|i| i.severity).collect();
        assert_eq!(large, vec![Warning, Error]);
    }

    #[test]
    fn page_too_large_ignores_one_mb_and_non_html() {
        let mut a = page("https://example.com/a");
        a.bytes = 1_048_576;
        let mut pdf = page("https://example.com/file.pdf");
        pdf.bytes = 50_000_000;
        pdf.facts = None;
        assert!(only(&[a, pdf], "page_too_large").is_empty());
    }

    #[test]
    fn too_many_links_flags_over_100() {
        let mut a = page("https://example.com/a");
        facts(&mut a).links = (0..101).map(|i| link(&format!("https://other.org/{i}"), "Partner")).collect();
        assert_eq!(only(&[a], "too_many_links"), vec!["https://example.com/a"]);
    }

    #[test]
    fn too_many_links_accepts_100() {
        let mut a = page("https://example.com/a");
        facts(&mut a).links = (0..100).map(|i| link(&format!("https://other.org/{i}"), "Partner")).collect();
        assert!(only(&[a], "too_many_links").is_empty());
    }

    #[test]
    fn deep_page_flags_depth_over_4() {
        let mut a = page("https://example.com/a");
        a.depth = 5;
        assert_eq!(only(&[a], "deep_page"), vec!["https://example.com/a"]);
    }

    #[test]
    fn deep_page_accepts_depth_4() {
        let mut a = page("https://example.com/a");
        a.depth = 4;
        assert!(only(&[a], "deep_page").is_empty());
    }

    #[test]
    fn orphan_page_flags_unlinked_sitemap_url() {
        let mut a = page("https://example.com/a");
        a.in_sitemap = true;
        // A page linking to itself does not rescue it.
        facts(&mut a).links = vec![link("https://example.com/a", "Self")];
        assert_eq!(only(&[page(HOME), a], "orphan_page"), vec!["https://example.com/a"]);
    }

    #[test]
    fn orphan_page_accepts_linked_pages_and_the_start_page() {
        let mut home = page(HOME);
        home.in_sitemap = true;
        facts(&mut home).links = vec![link("https://example.com/a/#team", "About")];
        let mut a = page("https://example.com/a");
        a.in_sitemap = true;
        assert!(only(&[home, a], "orphan_page").is_empty());
    }

    #[test]
    fn mixed_content_flags_http_resources_on_https_pages() {
        let mut a = page("https://example.com/a");
        facts(&mut a).subresources = vec!["http://cdn.example.com/x.js".into()];
        assert_eq!(only(&[a], "mixed_content"), vec!["https://example.com/a"]);
    }

    #[test]
    fn mixed_content_ignores_http_pages() {
        let mut a = page("http://example.com/a");
        facts(&mut a).subresources = vec!["http://cdn.example.com/x.js".into()];
        assert!(only(&[a], "mixed_content").is_empty());
    }

    #[test]
    fn no_https_flags_plain_http_site_on_start_url() {
        let mut s = site();
        s.start_url = "http://example.com/".into();
        let issues = run(&[page("http://example.com/")], &s, &Thresholds::default());
        assert_eq!(flagged(&issues, "no_https"), vec!["http://example.com/"]);
    }

    #[test]
    fn no_https_accepts_redirect_to_https() {
        let mut s = site();
        s.start_url = "http://example.com/".into();
        let mut home = page("http://example.com/");
        home.final_url = HOME.into();
        home.redirect_chain = vec![("http://example.com/".into(), 301)];
        assert!(flagged(&run(&[home], &s, &Thresholds::default()), "no_https").is_empty());
    }

    #[test]
    fn missing_hsts_and_csp_flag_https_pages() {
        let mut a = page("https://example.com/a");
        a.hsts = false;
        a.csp = false;
        let issues = audit(&[a]);
        assert_eq!(flagged(&issues, "missing_hsts"), vec!["https://example.com/a"]);
        assert_eq!(flagged(&issues, "missing_csp"), vec!["https://example.com/a"]);
    }

    #[test]
    fn missing_hsts_and_csp_ignore_http_and_non_html() {
        let mut a = page("http://example.com/a");
        a.hsts = false;
        a.csp = false;
        let mut img = page("https://example.com/i.png");
        img.facts = None;
        img.hsts = false;
        img.csp = false;
        let issues = audit(&[a, img]);
        assert!(flagged(&issues, "missing_hsts").is_empty() && flagged(&issues, "missing_csp").is_empty());
    }

    #[test]
    fn robots_and_sitemap_missing_attach_to_start_url() {
        let s = SiteFacts { start_url: HOME.into(), ..SiteFacts::default() };
        let issues = run(&[], &s, &Thresholds::default());
        assert_eq!(flagged(&issues, "robots_txt_missing"), vec![HOME]);
        assert_eq!(flagged(&issues, "sitemap_missing"), vec![HOME]);
    }

    #[test]
    fn robots_and_sitemap_found_are_not_flagged() {
        let issues = run(&[], &site(), &Thresholds::default());
        assert_eq!(issues, vec![]);
    }

    #[test]
    fn structured_data_missing_flags_page_without_json_ld() {
        let mut a = page("https://example.com/a");
        facts(&mut a).json_ld_types = vec![];
        assert_eq!(only(&[a], "structured_data_missing"), vec!["https://example.com/a"]);
    }

    #[test]
    fn structured_data_missing_ignores_non_200_pages() {
        let mut a = page("https://example.com/a");
        a.status = 500;
        facts(&mut a).json_ld_types = vec![];
        assert!(only(&[a], "structured_data_missing").is_empty());
    }

    #[test]
    fn generic_anchor_text_flags_click_here_and_russian() {
        let mut a = page("https://example.com/a");
        facts(&mut a).links = vec![link("https://example.com/b", "  Click HERE "), link(HOME, "Читать далее…")];
        let issues: Vec<Issue> = audit(&[a]).into_iter().filter(|i| i.check == "generic_anchor_text").collect();
        assert_eq!(issues.len(), 1);
        assert!(issues[0].detail.contains("click here") && issues[0].detail.contains("читать далее"));
    }

    #[test]
    fn generic_anchor_text_ignores_descriptive_and_external_links() {
        let mut a = page("https://example.com/a");
        facts(&mut a).links = vec![link("https://example.com/b", "Pricing plans"), link("https://other.org/", "here")];
        assert!(only(&[a], "generic_anchor_text").is_empty());
    }

    #[test]
    fn run_sorts_by_check_then_url() {
        let mut b = page("https://example.com/b");
        facts(&mut b).title = None;
        let mut a = page("https://example.com/a");
        facts(&mut a).title = None;
        facts(&mut a).h1 = vec![];
        let keys: Vec<(String, String)> = audit(&[b, a]).into_iter().map(|i| (i.check, i.url)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(keys.len(), 3);
    }

    #[test]
    fn run_survives_garbage() {
        let mut weird = CrawledPage { url: "not a url".into(), final_url: String::new(), ..CrawledPage::default() };
        weird.redirect_chain = vec![(String::new(), 0)];
        let f = PageFacts {
            hreflang: vec![("-".into(), "::".into()), (String::new(), "not a url".into())],
            links: vec![link("", ""), link("not a url", "here")],
            canonical: Some(String::new()),
            ..PageFacts::default()
        };
        weird.facts = Some(f);
        weird.status = 200;
        let mut s = site();
        s.start_url = "%%%".into();
        s.image_sizes = vec![(String::new(), 0, Some(u64::MAX))];
        let issues = run(&[weird.clone(), weird], &s, &Thresholds::default());
        assert!(!issues.is_empty());
        let _ = score(&[], &issues);
    }

    #[test]
    fn score_is_share_of_html_pages_without_errors() {
        let pages: Vec<CrawledPage> =
            ["a", "b", "c", "d"].iter().map(|p| page(&format!("https://example.com/{p}"))).collect();
        let mut image = page("https://example.com/i.png");
        image.facts = None;
        let issues = vec![
            err("http_4xx", "https://example.com/a", Crawlability),
            err("mixed_content", "https://example.com/a", Security),
            err("mixed_content", "https://example.com/b", Security),
            err("http_5xx", "https://example.com/i.png", Crawlability),
            Issue { severity: Warning, ..err("title_length", "https://example.com/c", OnPage) },
            Issue { severity: Notice, ..err("deep_page", "https://example.com/d", Crawlability) },
        ];
        let mut all = pages.clone();
        all.push(image);
        let s = score(&all, &issues);
        assert_eq!(s.html_pages, 4);
        assert_eq!(s.pages_with_errors, 2);
        assert_eq!(s.health, 50.0);
        assert_eq!((s.errors, s.warnings, s.notices), (4, 1, 1));
        assert_eq!(
            s.categories,
            vec![
                (Crawlability, 75.0),
                (OnPage, 100.0),
                (Content, 100.0),
                (Links, 100.0),
                (Performance, 100.0),
                (Security, 50.0)
            ]
        );
    }

    #[test]
    fn score_rounds_to_one_decimal_and_handles_no_pages() {
        let pages: Vec<CrawledPage> =
            ["a", "b", "c"].iter().map(|p| page(&format!("https://example.com/{p}"))).collect();
        let s = score(&pages, &[err("http_4xx", "https://example.com/a", Crawlability)]);
        assert_eq!(s.health, 66.7);
        let empty = score(&[], &[]);
        assert_eq!((empty.health, empty.html_pages), (100.0, 0));
    }

    #[test]
    fn score_one_error_page_of_four_is_75() {
        let pages: Vec<CrawledPage> =
            ["a", "b", "c", "d"].iter().map(|p| page(&format!("https://example.com/{p}"))).collect();
        let issues = audit(&{
            let mut p = pages.clone();
            facts(&mut p[0]).title = None;
            p
        });
        let s = score(&pages, &issues);
        assert_eq!(s.health, 75.0);
        assert_eq!(s.categories[1], (OnPage, 75.0));
    }

    #[test]
    fn compare_sorts_issues_into_new_fixed_and_persisting() {
        let before = vec![
            err("http_4xx", "https://example.com/a", Crawlability),
            err("title_missing", "https://example.com/b", OnPage),
        ];
        let after = vec![
            Issue { detail: "answered 410".into(), ..err("http_4xx", "https://example.com/a", Crawlability) },
            err("title_missing", "https://example.com/c", OnPage),
        ];
        let c = compare(&before, &after);
        assert_eq!(flagged(&c.persisting, "http_4xx"), vec!["https://example.com/a"]);
        assert_eq!(c.persisting[0].detail, "answered 410");
        assert_eq!(flagged(&c.new, "title_missing"), vec!["https://example.com/c"]);
        assert_eq!(flagged(&c.fixed, "title_missing"), vec!["https://example.com/b"]);
        assert_eq!((c.new.len(), c.fixed.len(), c.persisting.len()), (1, 1, 1));
    }

    /// The batch implementation the streaming [`Auditor`] replaced, kept as the oracle it is checked against.
    mod reference {
        use super::super::*;
        use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

        /// Runs every check over the crawl. Deterministic order: by check id, then URL, then detail.
        pub fn run(pages: &[CrawledPage], site: &SiteFacts, t: &Thresholds) -> Vec<Issue> {
            let crawl = Crawl::new(pages, site);
            let mut out = Vec::new();
            for (i, page) in pages.iter().enumerate() {
                if crawl.is_internal(&page.url) {
                    page_checks(&crawl, i, page, t, &mut out);
                }
            }
            duplicates(&crawl, &mut out);
            site_checks(&crawl, t, &mut out);
            out.sort_by(|a, b| (&a.check, &a.url, &a.detail).cmp(&(&b.check, &b.url, &b.detail)));
            out
        }

        /// Where a crawled URL ended: its answer as requested (the first hop's status when it redirected), its final
        /// status, and the page.
        #[derive(Clone, Copy)]
        struct Target {
            answered: u16,
            final_status: u16,
            page: usize,
        }

        struct Crawl<'a> {
            pages: &'a [CrawledPage],
            site: &'a SiteFacts,
            home: Option<(String, Option<u16>)>,
            by_url: HashMap<String, Target>,
        }

        impl<'a> Crawl<'a> {
            fn new(pages: &'a [CrawledPage], site: &'a SiteFacts) -> Self {
                let mut by_url = HashMap::new();
                for (i, p) in pages.iter().enumerate() {
                    let answered = p.redirect_chain.first().map_or(p.status, |hop| hop.1);
                    by_url.insert(normalize(&p.url), Target { answered, final_status: p.status, page: i });
                }
                for (i, p) in pages.iter().enumerate() {
                    by_url.entry(normalize(&p.final_url)).or_insert(Target {
                        answered: p.status,
                        final_status: p.status,
                        page: i,
                    });
                }
                let home = Url::parse(site.start_url.trim()).ok().and_then(|u| site_key(&u));
                Crawl { pages, site, home, by_url }
            }

            fn is_internal(&self, url: &str) -> bool {
                match &self.home {
                    None => true,
                    Some(home) => Url::parse(url.trim()).ok().and_then(|u| site_key(&u)).as_ref() == Some(home),
                }
            }

            fn target(&self, url: &str) -> Option<Target> {
                self.by_url.get(&normalize(url)).copied()
            }
        }

        fn page_checks(crawl: &Crawl, index: usize, page: &CrawledPage, t: &Thresholds, out: &mut Vec<Issue>) {
            let url = page.url.as_str();
            match page.status {
                400..=499 => issue(out, "http_4xx", url, format!("answered {}", page.status)),
                500..=599 => issue(out, "http_5xx", url, format!("answered {}", page.status)),
                _ => {}
            }
            redirects(page, out);
            if page.status != 0 {
                if page.ttfb_ms > t.ttfb_error_ms {
                    issue_as(out, "slow_response", Error, url, format!("time to first byte {} ms", page.ttfb_ms));
                } else if page.ttfb_ms > t.ttfb_warning_ms {
                    issue_as(out, "slow_response", Warning, url, format!("time to first byte {} ms", page.ttfb_ms));
                }
            }
            if let Some(facts) = &page.facts {
                let size = format!("{} bytes of HTML", page.bytes);
                if page.bytes > t.page_error_bytes {
                    issue_as(out, "page_too_large", Error, url, size);
                } else if page.bytes > t.page_warning_bytes {
                    issue_as(out, "page_too_large", Warning, url, size);
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
                links(crawl, page, facts, out);
            }
            if page.in_sitemap {
                if is_noindex(page) {
                    issue(out, "noindex_in_sitemap", url, "listed in the sitemap but marked noindex".to_string());
                } else if let Some(canonical) = canonical_elsewhere(page) {
                    issue(
                        out,
                        "noindex_in_sitemap",
                        url,
                        format!("listed in the sitemap but canonical is {canonical}"),
                    );
                }
            }
            if let Some(facts) = ok_html(page) {
                on_page(crawl, index, page, facts, t, out);
            }
        }

        fn links(crawl: &Crawl, page: &CrawledPage, facts: &PageFacts, out: &mut Vec<Issue>) {
            let url = page.url.as_str();
            let mut broken = BTreeMap::new();
            let mut generic = BTreeSet::new();
            for link in facts.links.iter().filter(|l| crawl.is_internal(&l.url)) {
                if let Some(target) = crawl.target(&link.url) {
                    if (400..=599).contains(&target.final_status) {
                        broken.insert(link.url.as_str(), target.final_status);
                    }
                }
                let anchor = link.anchor.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
                if GENERIC_ANCHORS.contains(&anchor.as_str()) {
                    generic.insert(anchor);
                }
            }
            for (target, status) in broken {
                issue(out, "broken_internal_link", url, format!("links to {target}, which answered {status}"));
            }
            if !generic.is_empty() {
                let quoted: Vec<String> = generic.iter().map(|a| format!("\"{a}\"")).collect();
                let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
                issue(out, "generic_anchor_text", url, format!("link text {}", sample(&quoted)));
            }
        }

        fn on_page(
            crawl: &Crawl,
            index: usize,
            page: &CrawledPage,
            facts: &PageFacts,
            t: &Thresholds,
            out: &mut Vec<Issue>,
        ) {
            let url = page.url.as_str();
            match facts.title.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => issue(out, "title_missing", url, "no <title>".to_string()),
                Some(title) => {
                    let n = title.chars().count();
                    if n < t.title_min_chars || n > t.title_max_chars {
                        issue(out, "title_length", url, format!("title is {n} characters"));
                    }
                }
            }
            match facts.meta_description.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => issue(out, "meta_description_missing", url, "no meta description".to_string()),
                Some(description) => {
                    let n = description.chars().count();
                    if n < t.meta_description_min_chars || n > t.meta_description_max_chars {
                        issue(out, "meta_description_length", url, format!("meta description is {n} characters"));
                    }
                }
            }
            match facts.h1.len() {
                0 => issue(out, "h1_missing", url, "no H1".to_string()),
                1 => {}
                n => issue(out, "h1_multiple", url, format!("{n} H1 headings")),
            }
            match facts.canonical.as_deref() {
                None => issue(out, "canonical_missing", url, "no canonical link".to_string()),
                Some(canonical) => {
                    if let Some(target) = crawl.target(canonical).filter(|target| target.answered != 200) {
                        issue(
                            out,
                            "canonical_to_non_200",
                            url,
                            format!("canonical {canonical} answered {}", target.answered),
                        );
                    }
                }
            }
            hreflang(crawl, index, page, facts, out);
            let missing_alt: Vec<&str> =
                facts.images.iter().filter(|i| i.alt.is_none()).map(|i| i.src.as_str()).collect();
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

        fn hreflang(crawl: &Crawl, index: usize, page: &CrawledPage, facts: &PageFacts, out: &mut Vec<Issue>) {
            let mut problems = Vec::new();
            for (code, target_url) in &facts.hreflang {
                if !valid_hreflang(code) {
                    problems.push(format!("invalid code \"{code}\""));
                }
                let Some(target) = crawl.target(target_url) else { continue };
                if target.page == index || same_page(page, target_url) {
                    continue;
                }
                if target.answered != 200 {
                    problems.push(format!("{target_url} answered {}", target.answered));
                } else if let Some(other) = crawl.pages.get(target.page).and_then(|p| p.facts.as_ref()) {
                    if !other.hreflang.iter().any(|(_, back)| same_page(page, back)) {
                        problems.push(format!("{target_url} has no hreflang back"));
                    }
                }
            }
            if !problems.is_empty() {
                issue(out, "hreflang_invalid", &page.url, problems.join("; "));
            }
        }

        /// Groups indexable internal pages by a value; every page of a group with ≥2 distinct final URLs is flagged.
        fn flag_groups<'a>(
            crawl: &Crawl<'a>,
            check: &str,
            what: &str,
            value: impl Fn(&'a PageFacts) -> Option<&'a str>,
            out: &mut Vec<Issue>,
        ) {
            let mut groups: BTreeMap<&str, Vec<&CrawledPage>> = BTreeMap::new();
            for page in crawl.pages.iter().filter(|p| is_indexable(p) && crawl.is_internal(&p.url)) {
                if let Some(v) = page.facts.as_ref().and_then(&value).map(str::trim).filter(|v| !v.is_empty()) {
                    groups.entry(v).or_default().push(page);
                }
            }
            for members in groups.values() {
                let finals: BTreeSet<String> = members.iter().map(|p| normalize(&p.final_url)).collect();
                if finals.len() < 2 {
                    continue;
                }
                for page in members {
                    let others = finals.len() - 1;
                    issue(out, check, &page.url, format!("same {what} as {others} other page(s)"));
                }
            }
        }

        fn duplicates(crawl: &Crawl, out: &mut Vec<Issue>) {
            flag_groups(crawl, "title_duplicate", "title", |f| f.title.as_deref(), out);
            flag_groups(
                crawl,
                "meta_description_duplicate",
                "meta description",
                |f| f.meta_description.as_deref(),
                out,
            );
            flag_groups(crawl, "duplicate_content", "text", |f| Some(f.content_hash.as_str()), out);
        }

        fn site_checks(crawl: &Crawl, t: &Thresholds, out: &mut Vec<Issue>) {
            let site = crawl.site;
            let start = site.start_url.as_str();
            let start_final = crawl
                .target(start)
                .and_then(|target| crawl.pages.get(target.page))
                .map_or(start, |p| p.final_url.as_str());
            if Url::parse(start_final.trim()).is_ok_and(|u| u.scheme() == "http") {
                issue(out, "no_https", start, format!("{start_final} is served over plain HTTP"));
            }
            if !site.robots_txt_found {
                issue(out, "robots_txt_missing", start, "no robots.txt".to_string());
            }
            if !site.sitemap_found {
                issue(out, "sitemap_missing", start, "no sitemap found".to_string());
            }
            orphans(crawl, out);
            let mut used_on: HashMap<String, Vec<&str>> = HashMap::new();
            for page in crawl.pages {
                for image in page.facts.iter().flat_map(|f| &f.images) {
                    used_on.entry(normalize(&image.src)).or_default().push(page.url.as_str());
                }
            }
            for (image, _, length) in &site.image_sizes {
                let Some(bytes) = length.filter(|b| *b > t.image_max_bytes) else { continue };
                let pages =
                    used_on.get(&normalize(image)).map(|p| format!("; used on {}", sample(p))).unwrap_or_default();
                issue(out, "image_too_large", image, format!("{} KB{pages}", bytes / 1024));
            }
        }

        fn orphans(crawl: &Crawl, out: &mut Vec<Issue>) {
            let mut linked = HashSet::new();
            for page in crawl.pages {
                for link in page.facts.iter().flat_map(|f| &f.links) {
                    if !same_page(page, &link.url) {
                        linked.insert(normalize(&link.url));
                        // A link through a redirect still reaches the redirect's target.
                        if let Some(target) = crawl.target(&link.url).and_then(|t| crawl.pages.get(t.page)) {
                            linked.insert(normalize(&target.final_url));
                        }
                    }
                }
            }
            let start = normalize(&crawl.site.start_url);
            for page in crawl.pages.iter().filter(|p| p.in_sitemap && p.status == 200 && crawl.is_internal(&p.url)) {
                let (url, final_url) = (normalize(&page.url), normalize(&page.final_url));
                if url != start && !linked.contains(&url) && !linked.contains(&final_url) {
                    issue(out, "orphan_page", &page.url, "in the sitemap, but no crawled page links to it".to_string());
                }
            }
        }

        /// Health = 100 × (1 − HTML URLs with ≥1 error / HTML URLs), one decimal; per category the same over that
        /// category's issues. The crawler stores only internal URLs, so every page given counts as internal. With no
        /// HTML pages every score is 100.0 and `html_pages` is 0 (nothing was measured, which the caller must show).
        /// The error / warning / notice counts cover every issue, including site-level and image ones.
        pub fn score(pages: &[CrawledPage], issues: &[Issue]) -> Score {
            let html: BTreeSet<&str> = pages.iter().filter(|p| p.facts.is_some()).map(|p| p.url.as_str()).collect();
            let failing = |category: Option<Category>| {
                issues
                    .iter()
                    .filter(|i| i.severity == Error && category.is_none_or(|c| c == i.category))
                    .filter_map(|i| html.get(i.url.as_str()))
                    .collect::<BTreeSet<_>>()
                    .len()
            };
            let health = |bad: usize| {
                if html.is_empty() {
                    100.0
                } else {
                    (1000.0 * (1.0 - bad as f64 / html.len() as f64)).round() / 10.0
                }
            };
            let count = |s: Severity| to_u32(issues.iter().filter(|i| i.severity == s).count());
            let pages_with_errors = failing(None);
            Score {
                health: health(pages_with_errors),
                html_pages: to_u32(html.len()),
                pages_with_errors: to_u32(pages_with_errors),
                errors: count(Error),
                warnings: count(Warning),
                notices: count(Notice),
                categories: Category::ALL.iter().map(|&c| (c, health(failing(Some(c))))).collect(),
            }
        }
    }

    /// URLs the fuzzer picks from: valid, relative, odd and broken.
    const POOL: &[&str] = &[
        "https://example.com/",
        "https://example.com/a",
        "https://www.example.com/a/",
        "http://example.com/a#x",
        "https://other.org/",
        "http://127.0.0.1:8080/",
        "not a url",
        "",
        "https://[::1",
        "https://example.com/%zz/ж",
    ];

    fn any_url() -> impl Strategy<Value = String> {
        (0..POOL.len()).prop_map(|i| POOL[i].to_string())
    }

    fn any_page() -> impl Strategy<Value = CrawledPage> {
        (
            (any_url(), any_url(), any::<u16>(), proptest::collection::vec((any_url(), any::<u16>()), 0..3)),
            (any::<u32>(), any::<u64>(), any::<bool>(), proptest::option::of(".{0,12}")),
            proptest::collection::vec((any_url(), ".{0,12}"), 0..4),
            proptest::collection::vec((".{0,8}", any_url()), 0..3),
            (proptest::option::of(".{0,70}"), proptest::option::of(any_url()), any::<u32>(), any::<bool>()),
        )
            .prop_map(
                |((url, final_url, status, chain), (ttfb, bytes, sitemap, robots), links, hreflang, rest)| {
                    let (title, canonical, words, html) = rest;
                    CrawledPage {
                        url,
                        final_url,
                        status,
                        redirect_chain: chain,
                        depth: ttfb % 10,
                        ttfb_ms: ttfb,
                        bytes,
                        in_sitemap: sitemap,
                        x_robots_tag: robots,
                        facts: html.then(|| PageFacts {
                            title,
                            canonical,
                            word_count: words,
                            hreflang,
                            links: links.iter().map(|(u, a)| link(u, a)).collect(),
                            content_hash: (words % 3).to_string(),
                            ..PageFacts::default()
                        }),
                        ..CrawledPage::default()
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn any_crawl_is_audited_without_panicking(
            pages in proptest::collection::vec(any_page(), 0..6),
            start in any_url(),
            images in proptest::collection::vec((any_url(), any::<u16>(), any::<Option<u64>>()), 0..3),
        ) {
            let site =
                SiteFacts { start_url: start, robots_txt_found: false, sitemap_found: true, image_sizes: images };
            let issues = run(&pages, &site, &Thresholds::default());
            prop_assert_eq!(&issues, &reference::run(&pages, &site, &Thresholds::default()));
            let keys: Vec<(&str, &str)> = issues.iter().map(|i| (i.check.as_str(), i.url.as_str())).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]));
            prop_assert!(issues.iter().all(|i| CHECKS.iter().any(|c| c.id == i.check && c.category == i.category)));
            let s = score(&pages, &issues);
            prop_assert_eq!(&s, &reference::score(&pages, &issues));
            prop_assert!((0.0..=100.0).contains(&s.health));
            prop_assert!(s.pages_with_errors <= s.html_pages);
            let c = compare(&issues, &issues);
            prop_assert_eq!(c.persisting.len(), issues.len());
        }
    }

    /// A site's URLs as links, canonicals and redirects name them, with fragments, slashes and strangers.
    const SITE: &[&str] = &[
        "https://example.com/",
        "https://example.com/a",
        "https://example.com/a/",
        "https://example.com/b",
        "https://www.example.com/c",
        "https://example.com/d#top",
        "http://example.com/e",
        "https://other.org/x",
        "not a url",
    ];
    const IMAGES: &[&str] = &[
        "https://example.com/i.png",
        "https://example.com/i.png#x",
        "https://example.com/k.png",
        "https://cdn.other.org/j.png",
        "data:image/png;base64,AAAA",
    ];

    fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> {
        (0..items.len()).prop_map(move |i| items[i].to_string())
    }

    /// Pages as a crawl of a small site gives them: few distinct URLs, titles, descriptions and texts, so
    /// duplicates, redirects, broken links, hreflang pairs and orphans all occur.
    fn crawl_page() -> impl Strategy<Value = CrawledPage> {
        let status = prop_oneof![4 => Just(200u16), 1 => Just(301), 1 => Just(404), 1 => Just(500), 1 => Just(0)];
        (
            (
                one_of(SITE),
                proptest::option::of(one_of(SITE)),
                status,
                proptest::collection::vec((one_of(SITE), 300u16..310), 0..3),
            ),
            (
                0u32..7,
                any::<bool>(),
                proptest::option::of(prop_oneof![Just("noindex".to_string()), Just("all".to_string())]),
            ),
            proptest::collection::vec(
                (one_of(SITE), prop_oneof![Just("About"), Just("click here"), Just("here")]),
                0..6,
            ),
            proptest::collection::vec(
                (prop_oneof![Just("en"), Just("de-AT"), Just("en_US"), Just("x-default")], one_of(SITE)),
                0..3,
            ),
            proptest::collection::vec((one_of(IMAGES), any::<bool>()), 0..4),
            (
                proptest::option::of(prop_oneof![Just("Home of the example company"), Just("Short"), Just("  ")]),
                proptest::option::of(prop_oneof![Just("d1"), Just("d2")]),
                proptest::option::of(one_of(SITE)),
                (0u32..400, 0usize..3, any::<bool>()),
            ),
        )
            .prop_map(
                |((url, final_url, status, chain), (depth, sitemap, robots), links, hreflang, images, rest)| {
                    let (title, description, canonical, (words, hash, html)) = rest;
                    CrawledPage {
                        final_url: final_url.unwrap_or_else(|| url.clone()),
                        url,
                        status,
                        redirect_chain: chain,
                        depth,
                        ttfb_ms: depth * 300,
                        bytes: 1000,
                        in_sitemap: sitemap,
                        x_robots_tag: robots.filter(|_| depth == 0),
                        facts: (html || status == 200).then(|| PageFacts {
                            title: title.map(str::to_string),
                            meta_description: description.map(|d| format!("{d} {}", "x".repeat(80))),
                            canonical,
                            word_count: words,
                            h1: vec!["Heading".into(); depth as usize % 3],
                            hreflang: hreflang.into_iter().map(|(c, u)| (c.to_string(), u)).collect(),
                            links: links.iter().map(|(u, a)| link(u, a)).collect(),
                            images: images
                                .into_iter()
                                .map(|(src, alt)| Image { src, alt: alt.then(String::new) })
                                .collect(),
                            content_hash: ["h0", "h1", ""][hash].to_string(),
                            ..PageFacts::default()
                        }),
                        ..CrawledPage::default()
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn streaming_audit_equals_the_batch_audit(
            pages in proptest::collection::vec(crawl_page(), 0..14),
            start in prop_oneof![Just("https://example.com/".to_string()), Just("http://example.com/a".to_string()), one_of(SITE)],
            found in (any::<bool>(), any::<bool>()),
            sizes in proptest::collection::vec(proptest::option::of(400_000u64..700_000), 1..4),
        ) {
            let t = Thresholds::default();
            let mut auditor = Auditor::new(&start, t.clone());
            let mut streamed = Vec::new();
            for page in &pages {
                streamed.extend(auditor.add_page(page));
            }
            let image_sizes =
                auditor.image_urls().into_iter().enumerate().map(|(i, url)| (url, 200, sizes[i % sizes.len()])).collect();
            let site = SiteFacts { start_url: start, robots_txt_found: found.0, sitemap_found: found.1, image_sizes };
            let s = auditor.finish(&site, |issue| streamed.push(issue));
            streamed.sort_by(|a, b| (&a.check, &a.url, &a.detail).cmp(&(&b.check, &b.url, &b.detail)));
            let expected = reference::run(&pages, &site, &t);
            prop_assert_eq!(&streamed, &expected);
            prop_assert_eq!(s, reference::score(&pages, &expected));
            prop_assert_eq!(run(&pages, &site, &t), expected);
        }
    }
}
