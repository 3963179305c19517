//! The cross-page checks: the [`Auditor`] takes pages one at a time as the crawl delivers them, runs the
//! per-page checks on each at once, keeps the compact facts the cross-page checks need and judges those in
//! [`Auditor::finish`] (broken links, canonical and hreflang targets, duplicates, images, site checks,
//! orphans). [`run`] is the same over a slice of pages.
//!
//! Site-level issues attach to the start URL; `image_too_large` attaches to the image URL. Duplicate checks
//! flag every page of the group, naming how many other URLs share the value; a redirecting URL and its target
//! are one URL for this purpose (grouping is by normalised final URL). hreflang targets that were not crawled
//! are not judged.
//!
//! # Streaming, and what it keeps
//!
//! [`Auditor::add_page`] runs every check that needs only the page and returns its issues at once; what the
//! cross-page checks need is kept in compact form and judged by [`Auditor::finish`], which hands each issue
//! to a callback as it is found. No visible text, anchors, headings or image lists are kept. The cost:
//!
//! - every distinct URL seen (page and final URLs, link targets internal and external, canonicals,
//!   hreflang targets, images to probe) is interned once: its bytes in one buffer plus about 53 bytes
//!   (see `urls`);
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

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use url::Url;

use super::catalogue::{issue, sample_of, Issue, Thresholds};
use super::per_page::{has_scheme, is_indexable, page_checks, present, valid_hreflang};
use super::score::{Score, Tally, HTML};
use super::urls::{normalize, to_u32, Scope, Urls, NONE};
use crate::crawl::{CrawledPage, PageFacts};

/// Site-level facts the page list alone doesn't have.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteFacts {
    pub start_url: String,
    pub robots_txt_found: bool,
    pub sitemap_found: bool,
    /// Image URLs probed with HEAD: `(url, status, Content-Length)`.
    pub image_sizes: Vec<(String, u16, Option<u64>)>,
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
/// what that is and what it costs. [`run`] and [`score`](super::score) are this over a page slice.
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
                    if let Some(v) = present(value) {
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
        site_level(site, start_final, out);
        large_images(site, &self.t, |image| self.used_on(image), out);
    }

    /// The pages using a probed image: the first three and how many more.
    fn used_on(&self, image: &str) -> Option<String> {
        let used = self.urls.names.get(&normalize(image)).and_then(|id| self.images.get(&id))?;
        let first: Vec<&str> = used.first.iter().map(|&p| self.urls.str(p)).collect();
        (used.uses > 0).then(|| sample_of(&first, used.uses as usize))
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

/// The site-level checks, given where the start page ended (the start URL itself when it was not crawled);
/// they attach to the start URL.
pub(super) fn site_level(site: &SiteFacts, start_final: &str, out: &mut Vec<Issue>) {
    let start = site.start_url.as_str();
    if has_scheme(start_final, "http") {
        issue(out, "no_https", start, format!("{start_final} is served over plain HTTP"));
    }
    if !site.robots_txt_found {
        issue(out, "robots_txt_missing", start, "no robots.txt".to_string());
    }
    if !site.sitemap_found {
        issue(out, "sitemap_missing", start, "no sitemap found".to_string());
    }
}

/// `image_too_large` for each probed image over the limit, naming the pages `used_on` lists for it.
pub(super) fn large_images(
    site: &SiteFacts,
    t: &Thresholds,
    used_on: impl Fn(&str) -> Option<String>,
    out: &mut Vec<Issue>,
) {
    for (image, _, length) in &site.image_sizes {
        let Some(bytes) = length.filter(|b| *b > t.image_max_bytes) else { continue };
        let pages = used_on(image).map(|p| format!("; used on {p}")).unwrap_or_default();
        issue(out, "image_too_large", image, format!("{} KB{pages}", bytes / 1024));
    }
}
