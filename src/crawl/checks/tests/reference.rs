//! The batch implementation the streaming [`Auditor`](super::super::Auditor) replaced, kept as the oracle the
//! property tests check it against.
//!
//! It is a reference implementation, independent of the auditor on purpose: it keeps every page at hand and
//! finds link, canonical and hreflang targets, duplicates, orphans and image uses with plain maps of
//! normalised URL strings, where the auditor streams and keeps interned ids, fingerprints and compact
//! records; and it counts the score with sets of URLs, where the auditor marks bits. It shares with the
//! production code only what has no second way to be written: the checks that need nothing but the page
//! (`per_page`), the site-level checks and the image check's wording given what they judge, URL scope and
//! normalisation, issue building and the rounding of the health formula.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::super::auditor::{large_images, site_level, SiteFacts};
use super::super::catalogue::{issue, sample, Category, Issue, Severity, Thresholds};
use super::super::per_page::{is_indexable, ok_html, page_checks, same_page, valid_hreflang};
use super::super::score::{health, Score};
use super::super::urls::{normalize, to_u32, Scope};
use crate::crawl::{CrawledPage, PageFacts};

/// Runs every check over the crawl. Deterministic order: by check id, then URL, then detail.
pub fn run(pages: &[CrawledPage], site: &SiteFacts, t: &Thresholds) -> Vec<Issue> {
    let crawl = Crawl::new(pages, site);
    let mut out = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if !crawl.scope.is_internal(&page.url) {
            continue;
        }
        page_checks(&crawl.scope, page, t, &mut out);
        if let Some(facts) = &page.facts {
            broken_links(&crawl, page, facts, &mut out);
        }
        if let Some(facts) = ok_html(page) {
            canonical(&crawl, page, facts, &mut out);
            hreflang(&crawl, i, page, facts, &mut out);
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
    scope: Scope,
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
        Crawl { pages, site, scope: Scope::new(&site.start_url), by_url }
    }

    fn target(&self, url: &str) -> Option<Target> {
        self.by_url.get(&normalize(url)).copied()
    }
}

fn broken_links(crawl: &Crawl, page: &CrawledPage, facts: &PageFacts, out: &mut Vec<Issue>) {
    let mut broken = BTreeMap::new();
    for link in facts.links.iter().filter(|l| crawl.scope.is_internal(&l.url)) {
        if let Some(target) = crawl.target(&link.url) {
            if (400..=599).contains(&target.final_status) {
                broken.insert(link.url.as_str(), target.final_status);
            }
        }
    }
    for (target, status) in broken {
        issue(out, "broken_internal_link", &page.url, format!("links to {target}, which answered {status}"));
    }
}

fn canonical(crawl: &Crawl, page: &CrawledPage, facts: &PageFacts, out: &mut Vec<Issue>) {
    let Some(canonical) = facts.canonical.as_deref() else { return };
    if let Some(target) = crawl.target(canonical).filter(|target| target.answered != 200) {
        let detail = format!("canonical {canonical} answered {}", target.answered);
        issue(out, "canonical_to_non_200", &page.url, detail);
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
    for page in crawl.pages.iter().filter(|p| is_indexable(p) && crawl.scope.is_internal(&p.url)) {
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
    flag_groups(crawl, "meta_description_duplicate", "meta description", |f| f.meta_description.as_deref(), out);
    flag_groups(crawl, "duplicate_content", "text", |f| Some(f.content_hash.as_str()), out);
}

fn site_checks(crawl: &Crawl, t: &Thresholds, out: &mut Vec<Issue>) {
    let start = crawl.site.start_url.as_str();
    let start_final =
        crawl.target(start).and_then(|target| crawl.pages.get(target.page)).map_or(start, |p| p.final_url.as_str());
    site_level(crawl.site, start_final, out);
    orphans(crawl, out);
    let mut used_on: HashMap<String, Vec<&str>> = HashMap::new();
    for page in crawl.pages {
        for image in page.facts.iter().flat_map(|f| &f.images) {
            used_on.entry(normalize(&image.src)).or_default().push(page.url.as_str());
        }
    }
    large_images(crawl.site, t, |image| used_on.get(&normalize(image)).map(|pages| sample(pages)), out);
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
    for page in crawl.pages.iter().filter(|p| p.in_sitemap && p.status == 200 && crawl.scope.is_internal(&p.url)) {
        let (url, final_url) = (normalize(&page.url), normalize(&page.final_url));
        if url != start && !linked.contains(&url) && !linked.contains(&final_url) {
            issue(out, "orphan_page", &page.url, "in the sitemap, but no crawled page links to it".to_string());
        }
    }
}

/// The reference for [`score`](super::super::score): the HTML URLs as a set, and each category's failing
/// URLs as the set of HTML URLs with an error issue of it.
pub fn score(pages: &[CrawledPage], issues: &[Issue]) -> Score {
    let html: BTreeSet<&str> = pages.iter().filter(|p| p.facts.is_some()).map(|p| p.url.as_str()).collect();
    let failing = |category: Option<Category>| {
        issues
            .iter()
            .filter(|i| i.severity == Severity::Error && category.is_none_or(|c| c == i.category))
            .filter_map(|i| html.get(i.url.as_str()))
            .collect::<BTreeSet<_>>()
            .len()
    };
    let count = |s: Severity| to_u32(issues.iter().filter(|i| i.severity == s).count());
    let pages_with_errors = failing(None);
    Score {
        health: health(pages_with_errors, html.len()),
        html_pages: to_u32(html.len()),
        pages_with_errors: to_u32(pages_with_errors),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notices: count(Severity::Notice),
        categories: Category::ALL.iter().map(|&c| (c, health(failing(Some(c)), html.len()))).collect(),
    }
}
