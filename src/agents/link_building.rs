//! Link building (task type `link_building`): the client's internal link graph — PageRank, orphan pages,
//! deep pages, broken outbound links and the anchor text mix — and outreach prospects: external domains
//! that the competitors' crawls link to and the client's does not. A link-health score sums it up.
//!
//! The input is plain crawl data ([`CrawlPage`] rows and a [`LinkEdge`] list per site), filled by the
//! server from the crawl tables. URLs are compared exactly as stored (the crawler already made them
//! absolute and removed fragments).
//!
//! # PageRank
//!
//! Nodes are all crawled pages of the client (`N` of them). An edge `q → p` exists when `q` has an internal
//! link without nofollow whose target URL is the crawled page `p`, and `p ≠ q`. Several links from `q` to
//! the same `p` count once; `out(q)` is the number of distinct targets of `q`. A page without such edges
//! (including every non-200 page) is dangling and its rank is spread evenly over all pages:
//!
//! ```text
//! PR₀(p)   = 1 / N
//! PRₜ₊₁(p) = (1 − d) / N + d · ( Σ_{q → p} PRₜ(q) / out(q) + Σ_{q dangling} PRₜ(q) / N ),   d = 0.85
//! ```
//!
//! iterated until `Σ_p |PRₜ₊₁(p) − PRₜ(p)| < 1e-9` or 100 iterations. The ranks sum to 1. Reported values
//! are rounded to 6 decimals. The top pages are the 10 highest (ties by URL); the weakest pages are the 10
//! lowest among indexable pages that answered 200 (ties by URL): those need more internal links.
//!
//! # Orphans, deep pages, broken links
//!
//! - **Orphan**: a crawled page that answered 200, is not the start page, and has no inbound internal link
//!   (followed or nofollow: a visitor can still click it) from another page. Pages found only through the
//!   sitemap are the usual orphans; the audit's `orphan_page` check flags the sitemap ones.
//! - **Deep**: a 200 page more than [`DEEP_AFTER`] = 3 clicks from the start page. This is stricter than the
//!   audit's `deep_page` notice (over 4 clicks): for link building, pages at depth 4 are already the ones
//!   worth a link from a hub page ("three-click rule").
//! - **Broken outbound link**: a link (internal or external) whose target URL is a crawled page with status
//!   0 (no answer) or ≥ 400, grouped by the source page, each target once.
//!
//! Lists are capped at [`LIST_LIMIT`] entries (worst first); the totals count everything.
//!
//! # Anchor text mix
//!
//! Over all internal links of the client (followed and nofollow), each anchor is put in the first category
//! that fits, after trimming non-alphanumeric characters from both ends and lower-casing (as the audit's
//! `generic_anchor_text` check does):
//!
//! 1. **empty** — nothing left: an image link without alt, or a link without text;
//! 2. **naked URL** — the raw text starts with `http://`, `https://` or `www.`, or equals the target URL
//!    without its scheme;
//! 3. **generic** — in [`GENERIC_ANCHORS`] ("click here", "read more", "подробнее", …), the list the audit's
//!    `generic_anchor_text` check uses too;
//! 4. **exact match** — equals the target page's title, normalised the same way;
//! 5. **descriptive** — anything else.
//!
//! Counts and shares (`count / total`, 3 decimals) per category.
//!
//! # Outreach prospects
//!
//! From every site, external links (internal flag false) are reduced to a domain: the URL's host, lower
//! case, with a leading `www.` removed. This is the host, not a public-suffix-aware registrable domain
//! (`blog.example.com` and `example.com` stay apart; there is no suffix list in the browser build). Only
//! followed links of the competitors count: nofollow, ugc and sponsored links are not endorsements anyone
//! earned. A prospect is a domain that at least one competitor links to, that the client links to in no way,
//! and that is not the client's or a competitor's own domain. Ranked by the number of competitors linking to
//! it (more first), then the number of distinct competitor pages linking to it, then the domain; the top
//! [`PROSPECT_LIMIT`] = 50 are kept, each with its competitors and an example source page (the smallest URL).
//!
//! # Link-health score (0..=100)
//!
//! Four components of 25 points, each losing points linearly with a share until it reaches the share where
//! it is worth nothing: `points = 25 × max(0, 1 − share / zero_at)`.
//!
//! | component | share | zero at |
//! |---|---|---|
//! | orphans | orphan pages / 200 pages | 25 % |
//! | broken links | distinct (source, target) links to broken pages / distinct (source, target) links with a crawled target | 10 % |
//! | generic anchors | generic anchors / internal links | 50 % |
//! | deep pages | deep pages / 200 pages | 50 % |
//!
//! Broken links weigh most because each one is a dead end for visitors and crawlers; generic anchors weigh
//! least because navigation ("more") legitimately uses some. A component without a denominator (no 200
//! pages, no links) is missing; the score is then `100 × Σ points / (25 × known components)`, and 0 with
//! none known.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{clamp, round, Breakdown, Component};

pub const DAMPING: f64 = 0.85;
/// Stop when the L1 change of one iteration is below this.
pub const TOLERANCE: f64 = 1e-9;
pub const MAX_ITERATIONS: u32 = 100;
/// A page deeper than this many clicks from the start page is deep.
pub const DEEP_AFTER: u32 = 3;
/// Top and weakest pages listed.
pub const RANK_LIST: usize = 10;
/// Orphans, deep pages and pages with broken links listed at most.
pub const LIST_LIMIT: usize = 200;
pub const PROSPECT_LIMIT: usize = 50;
const COMPONENT_MAX: f64 = 25.0;
/// Shares at which a link-health component is worth nothing (see the module doc).
pub const ORPHANS_ZERO_AT: f64 = 0.25;
pub const BROKEN_ZERO_AT: f64 = 0.10;
pub const GENERIC_ZERO_AT: f64 = 0.50;
pub const DEEP_ZERO_AT: f64 = 0.50;

/// Link texts that say nothing about the target (English and Russian), compared lower case with surrounding
/// whitespace and punctuation trimmed. The same list as the audit's `generic_anchor_text` check.
pub const GENERIC_ANCHORS: &[&str] = &[
    "click here",
    "click",
    "here",
    "read more",
    "more",
    "learn more",
    "see more",
    "more info",
    "this link",
    "link",
    "continue",
    "подробнее",
    "здесь",
    "тут",
    "далее",
    "читать далее",
    "читать дальше",
    "узнать больше",
    "нажмите здесь",
    "по ссылке",
    "ссылка",
];

/// One crawled URL, as the link and content agents read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrawlPage {
    pub url: String,
    /// HTTP status of the final answer; 0 when there was none (timeout, refused, DNS).
    pub status: u16,
    /// Clicks from the start page.
    pub depth: u32,
    pub in_sitemap: bool,
    /// Not excluded by meta robots, X-Robots-Tag or a canonical to another URL.
    pub indexable: bool,
    pub title: Option<String>,
    pub word_count: u32,
    pub content_hash: Option<String>,
}

/// One link found on a crawled page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEdge {
    /// Index of the source page in [`SiteCrawl::pages`].
    pub from: usize,
    /// Absolute target URL.
    pub to: String,
    pub anchor: String,
    pub nofollow: bool,
    /// The target is on the crawled site.
    pub internal: bool,
}

/// One site's crawl.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteCrawl {
    /// The site's domain, e.g. `shop.example`; a leading `www.` is ignored.
    pub domain: String,
    pub start_url: String,
    pub pages: Vec<CrawlPage>,
    pub links: Vec<LinkEdge>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkInput {
    pub client: SiteCrawl,
    /// Zero or more competitors' crawls, used for outreach prospects only.
    pub competitors: Vec<SiteCrawl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedPage {
    pub url: String,
    pub pagerank: f64,
    /// Distinct pages linking here with a followed internal link.
    pub inbound: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrphanPage {
    pub url: String,
    pub in_sitemap: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepPage {
    pub url: String,
    pub depth: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokenTarget {
    pub url: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokenLinks {
    pub source: String,
    pub targets: Vec<BrokenTarget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorCategory {
    Empty,
    NakedUrl,
    Generic,
    ExactMatch,
    Descriptive,
}

impl AnchorCategory {
    pub const ALL: [AnchorCategory; 5] = [
        AnchorCategory::Empty,
        AnchorCategory::NakedUrl,
        AnchorCategory::Generic,
        AnchorCategory::ExactMatch,
        AnchorCategory::Descriptive,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AnchorCategory::Empty => "image or empty",
            AnchorCategory::NakedUrl => "naked URL",
            AnchorCategory::Generic => "generic",
            AnchorCategory::ExactMatch => "exact match to the target's title",
            AnchorCategory::Descriptive => "other descriptive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnchorShare {
    pub category: AnchorCategory,
    pub count: u32,
    /// `count / total`, 3 decimals; 0 when there are no internal links.
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnchorMix {
    pub total: u32,
    /// One row per category, in [`AnchorCategory::ALL`] order.
    pub categories: Vec<AnchorShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prospect {
    pub domain: String,
    /// Competitor domains linking to it, sorted.
    pub competitors: Vec<String>,
    /// Distinct competitor pages linking to it.
    pub linking_pages: u32,
    pub example_source: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkOutput {
    pub pages: u32,
    pub internal_links: u32,
    pub pagerank_iterations: u32,
    pub top_pages: Vec<RankedPage>,
    pub weakest_pages: Vec<RankedPage>,
    pub orphans_total: u32,
    pub orphans: Vec<OrphanPage>,
    pub deep_pages_total: u32,
    pub deep_pages: Vec<DeepPage>,
    pub broken_links_total: u32,
    pub broken_links: Vec<BrokenLinks>,
    pub anchors: AnchorMix,
    pub prospects: Vec<Prospect>,
    /// Link health 0..=100 with the four components.
    pub health: Breakdown,
    pub reasons: Vec<String>,
    pub missing: Vec<String>,
}

/// PageRank over `n` nodes and directed `edges` (see the module doc): self-loops are dropped, duplicate
/// edges count once, edges to nodes `>= n` are ignored. Returns the ranks (summing to 1; empty for `n = 0`)
/// and the number of iterations run.
pub fn pagerank(n: usize, edges: &[(usize, usize)]) -> (Vec<f64>, u32) {
    if n == 0 {
        return (Vec::new(), 0);
    }
    let distinct: BTreeSet<(usize, usize)> =
        edges.iter().copied().filter(|&(from, to)| from != to && from < n && to < n).collect();
    let mut out_degree = vec![0usize; n];
    for &(from, _) in &distinct {
        out_degree[from] += 1;
    }
    let nf = n as f64;
    let mut rank = vec![1.0 / nf; n];
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let dangling: f64 = (0..n).filter(|&p| out_degree[p] == 0).map(|p| rank[p]).sum();
        let base = (1.0 - DAMPING) / nf + DAMPING * dangling / nf;
        let mut next = vec![base; n];
        for &(from, to) in &distinct {
            next[to] += DAMPING * rank[from] / out_degree[from] as f64;
        }
        let change: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if change < TOLERANCE {
            break;
        }
    }
    (rank, iterations)
}

/// The host of a URL, lower case, without a leading `www.`; `None` when the URL has no host.
pub fn link_domain(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let host = parsed.host_str()?.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_string())
}

fn bare_domain(domain: &str) -> String {
    let d = domain.trim().to_lowercase();
    link_domain(&d)
        .or_else(|| link_domain(&format!("http://{d}")))
        .unwrap_or_else(|| d.strip_prefix("www.").unwrap_or(&d).to_string())
}

/// Lower case with non-alphanumeric characters trimmed from both ends, whitespace collapsed.
fn normalise_anchor(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

fn without_scheme(url: &str) -> &str {
    let url = url.trim();
    url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url)
}

/// The category of an internal link's anchor (see the module doc for the order of the rules).
pub fn categorise_anchor(anchor: &str, target_url: &str, target_title: Option<&str>) -> AnchorCategory {
    let normalised = normalise_anchor(anchor);
    if normalised.is_empty() {
        return AnchorCategory::Empty;
    }
    let raw = anchor.trim().to_lowercase();
    let target = without_scheme(target_url).to_lowercase();
    if raw.starts_with("http://")
        || raw.starts_with("https://")
        || raw.starts_with("www.")
        || without_scheme(&raw).trim_end_matches('/') == target.trim_end_matches('/')
    {
        return AnchorCategory::NakedUrl;
    }
    if GENERIC_ANCHORS.contains(&normalised.as_str()) {
        return AnchorCategory::Generic;
    }
    if target_title.map(normalise_anchor).is_some_and(|t| !t.is_empty() && t == normalised) {
        return AnchorCategory::ExactMatch;
    }
    AnchorCategory::Descriptive
}

fn broken_status(status: u16) -> bool {
    status == 0 || status >= 400
}

fn share(count: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    }
}

fn percent(x: f64) -> String {
    format!("{} %", round(x * 100.0, 1))
}

/// A component losing points linearly with `count / total` until `zero_at`; `None` without a denominator.
fn share_component(name: &str, count: usize, total: usize, zero_at: f64, what: &str) -> Option<Component> {
    if total == 0 {
        return None;
    }
    let s = share(count, total);
    let points = round(COMPONENT_MAX * clamp(1.0 - s / zero_at, 0.0, 1.0), 1);
    Some(Component::new(
        name,
        points,
        COMPONENT_MAX,
        format!("{count} of {total} {what} ({}); worth nothing at {}", percent(s), percent(zero_at)),
    ))
}

pub fn analyse(input: &LinkInput) -> LinkOutput {
    let client = &input.client;
    let pages = &client.pages;
    let n = pages.len();
    let mut missing = Vec::new();
    let mut reasons = Vec::new();
    if n == 0 {
        missing.push("client crawl: no pages crawled yet".to_string());
    }

    let index: BTreeMap<&str, usize> = pages.iter().enumerate().map(|(i, p)| (p.url.as_str(), i)).collect();
    let target_of = |url: &str| index.get(url).copied();
    let valid = |e: &&LinkEdge| e.from < n;

    // PageRank over followed internal links between crawled pages.
    let followed: Vec<(usize, usize)> = client
        .links
        .iter()
        .filter(valid)
        .filter(|e| e.internal && !e.nofollow)
        .filter_map(|e| target_of(&e.to).map(|t| (e.from, t)))
        .collect();
    let (ranks, iterations) = pagerank(n, &followed);
    let mut inbound_from: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for &(from, to) in &followed {
        if from != to {
            inbound_from[to].insert(from);
        }
    }
    let ranked = |i: usize| RankedPage {
        url: pages[i].url.clone(),
        pagerank: round(ranks[i], 6),
        inbound: inbound_from[i].len() as u32,
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| ranks[b].total_cmp(&ranks[a]).then_with(|| pages[a].url.cmp(&pages[b].url)));
    let top_pages: Vec<RankedPage> = order.iter().take(RANK_LIST).map(|&i| ranked(i)).collect();
    let mut weak: Vec<usize> = (0..n).filter(|&i| pages[i].indexable && pages[i].status == 200).collect();
    weak.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]).then_with(|| pages[a].url.cmp(&pages[b].url)));
    let weakest_pages: Vec<RankedPage> = weak.iter().take(RANK_LIST).map(|&i| ranked(i)).collect();

    // Orphans: any internal link from another page counts as inbound.
    let mut linked = vec![false; n];
    for e in client.links.iter().filter(valid).filter(|e| e.internal) {
        if let Some(t) = target_of(&e.to) {
            if t != e.from {
                linked[t] = true;
            }
        }
    }
    let ok: Vec<usize> = (0..n).filter(|&i| pages[i].status == 200).collect();
    let mut orphan_idx: Vec<usize> =
        ok.iter().copied().filter(|&i| !linked[i] && pages[i].url != client.start_url).collect();
    orphan_idx.sort_by(|&a, &b| pages[b].in_sitemap.cmp(&pages[a].in_sitemap).then(pages[a].url.cmp(&pages[b].url)));
    let orphans: Vec<OrphanPage> = orphan_idx
        .iter()
        .take(LIST_LIMIT)
        .map(|&i| OrphanPage {
            url: pages[i].url.clone(),
            in_sitemap: pages[i].in_sitemap,
            reason: if pages[i].in_sitemap {
                "listed in the sitemap, but no other page links to it".to_string()
            } else {
                "crawled, but no other page links to it (reached through a redirect or the start list)".to_string()
            },
        })
        .collect();

    let mut deep_idx: Vec<usize> = ok.iter().copied().filter(|&i| pages[i].depth > DEEP_AFTER).collect();
    deep_idx.sort_by(|&a, &b| pages[b].depth.cmp(&pages[a].depth).then(pages[a].url.cmp(&pages[b].url)));
    let deep_pages: Vec<DeepPage> = deep_idx
        .iter()
        .take(LIST_LIMIT)
        .map(|&i| DeepPage { url: pages[i].url.clone(), depth: pages[i].depth })
        .collect();

    // Broken links: distinct (source, target) pairs whose target was crawled and failed.
    let with_target: BTreeSet<(usize, usize)> =
        client.links.iter().filter(valid).filter_map(|e| target_of(&e.to).map(|t| (e.from, t))).collect();
    let mut broken: BTreeMap<&str, Vec<BrokenTarget>> = BTreeMap::new();
    let mut broken_pairs = 0usize;
    for &(from, to) in &with_target {
        if broken_status(pages[to].status) {
            broken_pairs += 1;
            broken
                .entry(pages[from].url.as_str())
                .or_default()
                .push(BrokenTarget { url: pages[to].url.clone(), status: pages[to].status });
        }
    }
    let mut broken_links: Vec<BrokenLinks> = broken
        .into_iter()
        .map(|(source, mut targets)| {
            targets.sort_by(|a, b| a.url.cmp(&b.url));
            BrokenLinks { source: source.to_string(), targets }
        })
        .collect();
    broken_links.sort_by(|a, b| b.targets.len().cmp(&a.targets.len()).then(a.source.cmp(&b.source)));
    let broken_sources = broken_links.len();
    broken_links.truncate(LIST_LIMIT);

    // Anchor mix over all internal links.
    let mut counts: BTreeMap<AnchorCategory, u32> = BTreeMap::new();
    let mut internal_total = 0u32;
    for e in client.links.iter().filter(valid).filter(|e| e.internal) {
        let title = target_of(&e.to).and_then(|t| pages[t].title.as_deref());
        *counts.entry(categorise_anchor(&e.anchor, &e.to, title)).or_default() += 1;
        internal_total += 1;
    }
    let anchors = AnchorMix {
        total: internal_total,
        categories: AnchorCategory::ALL
            .iter()
            .map(|&category| {
                let count = counts.get(&category).copied().unwrap_or(0);
                AnchorShare { category, count, share: round(share(count as usize, internal_total as usize), 3) }
            })
            .collect(),
    };
    let generic = counts.get(&AnchorCategory::Generic).copied().unwrap_or(0);

    let prospects = prospects(input);
    if input.competitors.is_empty() {
        missing.push("competitor crawls: none yet, so no outreach prospects".to_string());
    }

    let deep_what = format!("pages answering 200 are more than {DEEP_AFTER} clicks deep");
    let measures = [
        (
            "Orphan pages",
            orphan_idx.len(),
            ok.len(),
            ORPHANS_ZERO_AT,
            "pages answering 200 are orphans",
            "pages answering 200",
        ),
        (
            "Broken links",
            broken_pairs,
            with_target.len(),
            BROKEN_ZERO_AT,
            "links to crawled pages hit a broken page",
            "links to crawled pages",
        ),
        (
            "Generic anchors",
            generic as usize,
            internal_total as usize,
            GENERIC_ZERO_AT,
            "internal links use generic text",
            "internal links",
        ),
        ("Deep pages", deep_idx.len(), ok.len(), DEEP_ZERO_AT, deep_what.as_str(), "pages answering 200"),
    ];
    let (mut components, mut health_missing) = (Vec::new(), Vec::new());
    for (name, count, total, zero_at, what, denominator) in measures {
        match share_component(name, count, total, zero_at, what) {
            Some(c) => components.push(c),
            None => health_missing.push(format!("{name}: no {denominator} to measure it on")),
        }
    }
    missing.extend(health_missing.iter().cloned());
    let score = if components.is_empty() {
        0.0
    } else {
        let points: f64 = components.iter().map(|c| c.points).sum();
        round(clamp(100.0 * points / (COMPONENT_MAX * components.len() as f64), 0.0, 100.0), 1)
    };
    if components.len() < 4 && !components.is_empty() {
        reasons.push(format!("link health rescaled over the {} components that could be measured", components.len()));
    }

    if n > 0 {
        reasons.push(format!(
            "PageRank over {n} pages and {} distinct followed internal links, {iterations} iterations",
            followed.iter().filter(|(a, b)| a != b).collect::<BTreeSet<_>>().len()
        ));
    }
    if let Some(top) = top_pages.first() {
        reasons.push(format!("strongest page: {} (PageRank {})", top.url, top.pagerank));
    }
    if !orphan_idx.is_empty() {
        let in_sitemap = orphan_idx.iter().filter(|&&i| pages[i].in_sitemap).count();
        reasons.push(format!(
            "{} orphan pages ({in_sitemap} of them only in the sitemap): link to them from related pages",
            orphan_idx.len()
        ));
    }
    if !deep_idx.is_empty() {
        reasons.push(format!(
            "{} pages are more than {DEEP_AFTER} clicks from the start page: link to them from hubs",
            deep_idx.len()
        ));
    }
    if broken_pairs > 0 {
        reasons
            .push(format!("{broken_pairs} links on {broken_sources} pages point at broken pages: fix or remove them"));
    }
    if generic > 0 {
        reasons.push(format!(
            "{generic} of {internal_total} internal links use generic text ({}): describe the target instead",
            percent(share(generic as usize, internal_total as usize))
        ));
    }
    if !prospects.is_empty() {
        reasons.push(format!("{} external domains linked by competitors but not by the client", prospects.len()));
    }

    LinkOutput {
        pages: n as u32,
        internal_links: internal_total,
        pagerank_iterations: iterations,
        top_pages,
        weakest_pages,
        orphans_total: orphan_idx.len() as u32,
        orphans,
        deep_pages_total: deep_idx.len() as u32,
        deep_pages,
        broken_links_total: broken_pairs as u32,
        broken_links,
        anchors,
        prospects,
        health: Breakdown { score, components, missing: health_missing },
        reasons,
        missing,
    }
}

fn prospects(input: &LinkInput) -> Vec<Prospect> {
    let client = &input.client;
    let own: BTreeSet<String> =
        std::iter::once(&input.client).chain(&input.competitors).map(|s| bare_domain(&s.domain)).collect();
    let client_links: BTreeSet<String> = client
        .links
        .iter()
        .filter(|e| !e.internal && e.from < client.pages.len())
        .filter_map(|e| link_domain(&e.to))
        .collect();
    // domain → (competitor domains, source page URLs)
    let mut found: BTreeMap<String, (BTreeSet<String>, BTreeSet<&str>)> = BTreeMap::new();
    for site in &input.competitors {
        let name = bare_domain(&site.domain);
        for e in site.links.iter().filter(|e| !e.internal && !e.nofollow) {
            let Some(source) = site.pages.get(e.from) else { continue };
            let Some(domain) = link_domain(&e.to) else { continue };
            if own.contains(&domain) || client_links.contains(&domain) {
                continue;
            }
            let entry = found.entry(domain).or_default();
            entry.0.insert(name.clone());
            entry.1.insert(source.url.as_str());
        }
    }
    let mut list: Vec<Prospect> = found
        .into_iter()
        .filter_map(|(domain, (competitors, sources))| {
            let example_source = sources.iter().next()?.to_string();
            let competitors: Vec<String> = competitors.into_iter().collect();
            let reason = format!(
                "linked from {} competitor{} ({}) on {} page{}; the client never links to it",
                competitors.len(),
                if competitors.len() == 1 { "" } else { "s" },
                competitors.join(", "),
                sources.len(),
                if sources.len() == 1 { "" } else { "s" },
            );
            Some(Prospect { domain, competitors, linking_pages: sources.len() as u32, example_source, reason })
        })
        .collect();
    list.sort_by(|a, b| {
        b.competitors
            .len()
            .cmp(&a.competitors.len())
            .then(b.linking_pages.cmp(&a.linking_pages))
            .then_with(|| a.domain.cmp(&b.domain))
    });
    list.truncate(PROSPECT_LIMIT);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn page(url: &str, status: u16, depth: u32) -> CrawlPage {
        CrawlPage {
            url: url.into(),
            status,
            depth,
            in_sitemap: false,
            indexable: true,
            title: None,
            word_count: 500,
            content_hash: None,
        }
    }

    fn link(from: usize, to: &str, anchor: &str) -> LinkEdge {
        LinkEdge { from, to: to.into(), anchor: anchor.into(), nofollow: false, internal: to.contains("a.example") }
    }

    fn site(domain: &str, pages: Vec<CrawlPage>, links: Vec<LinkEdge>) -> SiteCrawl {
        SiteCrawl {
            domain: domain.into(),
            start_url: pages.first().map(|p| p.url.clone()).unwrap_or_default(),
            pages,
            links,
        }
    }

    const A: &str = "https://a.example/";
    const B: &str = "https://a.example/b";
    const C: &str = "https://a.example/c";
    const D: &str = "https://a.example/d";

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-7
    }

    #[test]
    fn pagerank_of_a_three_page_graph_matches_the_hand_solution() {
        // A→B, A→C, B→C, C→A. With d = 0.85, N = 3:
        // a = 0.05 + 0.85c, b = 0.05 + 0.425a, c = 0.05 + 0.425a + 0.85b
        // ⇒ c = 0.0925 + 0.78625a ⇒ a = 0.128625 / 0.3316875 = 0.3877897…, b = 0.2148106…, c = 0.3973997…
        let (r, iterations) = pagerank(3, &[(0, 1), (0, 2), (1, 2), (2, 0)]);
        assert!(close(r[0], 0.128625 / 0.3316875), "{r:?}");
        assert!(close(r[1], 0.05 + 0.425 * r[0]), "{r:?}");
        assert!(close(r[2], 0.0925 + 0.78625 * r[0]), "{r:?}");
        assert!(iterations > 1 && iterations < MAX_ITERATIONS);
    }

    #[test]
    fn a_dangling_page_spreads_its_rank_over_all_pages() {
        // A→B, B links nowhere. a = 0.075 + 0.85·b/2, b = 0.075 + 0.85·(a + b/2), a + b = 1
        // ⇒ 1.425a = 0.5 ⇒ a = 0.350877…, b = 0.649122…
        let (r, _) = pagerank(2, &[(0, 1)]);
        assert!(close(r[0], 0.5 / 1.425), "{r:?}");
        assert!(close(r[1], 1.0 - 0.5 / 1.425), "{r:?}");
    }

    #[test]
    fn duplicate_edges_and_self_links_count_once_or_not_at_all() {
        let (once, _) = pagerank(3, &[(0, 1), (0, 2), (1, 2), (2, 0)]);
        let (dup, _) = pagerank(3, &[(0, 1), (0, 1), (0, 1), (0, 2), (1, 2), (2, 0), (1, 1)]);
        assert_eq!(once, dup);
    }

    #[test]
    fn nofollow_links_do_not_pass_rank_but_do_stop_a_page_being_an_orphan() {
        let pages = vec![page(A, 200, 0), page(B, 200, 1), page(C, 200, 1)];
        let mut to_c = link(0, C, "Pricing");
        to_c.nofollow = true;
        let input = LinkInput {
            client: site("a.example", pages, vec![link(0, B, "Blog"), to_c, link(1, A, "Home")]),
            competitors: vec![],
        };
        let out = analyse(&input);
        assert_eq!(out.orphans_total, 0);
        let c = out.top_pages.iter().find(|p| p.url == C).map(|p| p.inbound);
        assert_eq!(c, Some(0));
        // C has no followed inbound link: it is the weakest page
        assert_eq!(out.weakest_pages[0].url, C);
    }

    fn audited_site() -> LinkInput {
        let mut pages = vec![page(A, 200, 0), page(B, 200, 1), page(C, 404, 2), page(D, 200, 5)];
        pages[1].title = Some("Blue Widgets".into());
        pages[3].in_sitemap = true;
        let links = vec![
            link(0, B, "Blue widgets!"),
            link(0, B, "read more »"),
            link(0, C, "https://a.example/c"),
            link(1, C, ""),
            link(1, C, "gone"),
            link(1, A, "Home page"),
            link(0, "https://partner.example/x", "Partner"),
        ];
        LinkInput { client: site("a.example", pages, links), competitors: vec![] }
    }

    #[test]
    fn orphans_deep_pages_broken_links_and_anchors_are_found() {
        let out = analyse(&audited_site());
        assert_eq!(out.orphans.iter().map(|o| (o.url.as_str(), o.in_sitemap)).collect::<Vec<_>>(), [(D, true)]);
        assert_eq!(out.deep_pages, [DeepPage { url: D.into(), depth: 5 }]);
        // A→C and B→C, each once although B links to C twice
        assert_eq!(out.broken_links_total, 2);
        assert_eq!(out.broken_links.iter().map(|b| b.source.as_str()).collect::<Vec<_>>(), [A, B]);
        assert_eq!(out.broken_links[1].targets, [BrokenTarget { url: C.into(), status: 404 }]);
        let counts: Vec<(AnchorCategory, u32)> = out.anchors.categories.iter().map(|c| (c.category, c.count)).collect();
        assert_eq!(
            counts,
            [
                (AnchorCategory::Empty, 1),
                (AnchorCategory::NakedUrl, 1),
                (AnchorCategory::Generic, 1),
                (AnchorCategory::ExactMatch, 1),
                (AnchorCategory::Descriptive, 2),
            ]
        );
        assert_eq!(out.anchors.total, 6);
        assert_eq!(out.anchors.categories[2].share, 0.167);
    }

    #[test]
    fn link_health_follows_the_documented_formula() {
        let out = analyse(&audited_site());
        let points: Vec<(&str, f64)> = out.health.components.iter().map(|c| (c.name.as_str(), c.points)).collect();
        // 200 pages: A, B, D. Orphans 1/3 ≥ 25 % → 0. Broken 2 of 3 distinct pairs with a crawled target
        // (A→B, A→C, B→C, B→A minus… A→B, A→C, B→C, B→A = 4) → 2/4 ≥ 10 % → 0.
        // Generic 1/6: 25 × (1 − (1/6)/0.5) = 16.7. Deep 1/3: 25 × (1 − (1/3)/0.5) = 8.3.
        assert_eq!(
            points,
            [("Orphan pages", 0.0), ("Broken links", 0.0), ("Generic anchors", 16.7), ("Deep pages", 8.3)]
        );
        assert_eq!(out.health.score, 25.0);
    }

    #[test]
    fn a_clean_site_scores_100() {
        let pages = vec![page(A, 200, 0), page(B, 200, 1)];
        let input = LinkInput {
            client: site("a.example", pages, vec![link(0, B, "Blue widgets"), link(1, A, "Home")]),
            competitors: vec![],
        };
        let out = analyse(&input);
        assert_eq!(out.health.score, 100.0);
        assert!(out.missing.iter().any(|m| m.starts_with("competitor crawls")));
    }

    #[test]
    fn anchors_are_categorised_in_the_documented_order() {
        assert_eq!(categorise_anchor("  ", B, None), AnchorCategory::Empty);
        assert_eq!(categorise_anchor("www.a.example", B, None), AnchorCategory::NakedUrl);
        assert_eq!(categorise_anchor("a.example/b", B, None), AnchorCategory::NakedUrl);
        assert_eq!(categorise_anchor("Подробнее →", B, None), AnchorCategory::Generic);
        assert_eq!(categorise_anchor("Here", B, Some("Here")), AnchorCategory::Generic);
        assert_eq!(categorise_anchor("blue  WIDGETS", B, Some("Blue Widgets")), AnchorCategory::ExactMatch);
        assert_eq!(categorise_anchor("Our blue widgets", B, Some("Blue Widgets")), AnchorCategory::Descriptive);
    }

    #[test]
    fn prospects_rank_by_competitors_then_linking_pages() {
        let comp = |domain: &str, links: Vec<(&str, &str)>| {
            let base = format!("https://{domain}/");
            let pages: Vec<CrawlPage> = (0..3).map(|i| page(&format!("{base}{i}"), 200, 1)).collect();
            let edges = links
                .into_iter()
                .map(|(from, to)| LinkEdge {
                    from: from.parse().unwrap_or(0),
                    to: to.into(),
                    anchor: "x".into(),
                    nofollow: false,
                    internal: false,
                })
                .collect();
            site(domain, pages, edges)
        };
        let mut input = audited_site();
        input.competitors = vec![
            comp(
                "www.c1.example",
                vec![
                    ("0", "https://www.news.example/a"),
                    ("1", "https://news.example/b"),
                    ("2", "https://news.example/c"),
                    ("0", "https://blog.example/"),
                    ("0", "https://partner.example/"),
                    ("0", "https://c2.example/"),
                ],
            ),
            comp("c2.example", vec![("1", "https://blog.example/x"), ("2", "https://zine.example/")]),
        ];
        let mut nofollow = input.competitors[1].links[1].clone();
        nofollow.to = "https://paid.example/".into();
        nofollow.nofollow = true;
        input.competitors[1].links.push(nofollow);
        let out = analyse(&input);
        let got: Vec<(&str, usize, u32)> =
            out.prospects.iter().map(|p| (p.domain.as_str(), p.competitors.len(), p.linking_pages)).collect();
        // partner.example: the client links to it; c2.example: a competitor; paid.example: nofollow
        assert_eq!(got, [("blog.example", 2, 2), ("news.example", 1, 3), ("zine.example", 1, 1)]);
        assert_eq!(out.prospects[0].competitors, ["c1.example", "c2.example"]);
        // the smallest source URL: https://c2.example/1 sorts before https://www.c1.example/0
        assert_eq!(out.prospects[0].example_source, "https://c2.example/1");
        assert!(!out.missing.iter().any(|m| m.starts_with("competitor crawls")));
    }

    #[test]
    fn an_empty_crawl_says_what_is_missing() {
        let input = LinkInput { client: site("a.example", vec![], vec![]), competitors: vec![] };
        let out = analyse(&input);
        assert_eq!(out.health.score, 0.0);
        assert!(out.health.components.is_empty());
        assert!(out.missing.iter().any(|m| m.starts_with("client crawl")));
        assert_eq!(out.health.missing.len(), 4, "{:?}", out.health.missing);
        assert!(out.health.missing.iter().all(|m| out.missing.contains(m)));
    }

    #[test]
    fn links_from_unknown_pages_are_ignored() {
        let mut input = audited_site();
        input.client.links.push(link(99, B, "stray"));
        assert_eq!(analyse(&input), analyse(&audited_site()));
    }

    fn any_graph() -> impl Strategy<Value = (usize, Vec<(usize, usize)>)> {
        (1usize..12).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, 0..n), 0..40)))
    }

    fn any_input() -> impl Strategy<Value = LinkInput> {
        (1usize..8)
            .prop_flat_map(|n| {
                let pages = prop::collection::vec(
                    (prop::sample::select(vec![0u16, 200, 301, 404, 500]), 0u32..7, any::<bool>(), any::<bool>()),
                    n,
                );
                let links = prop::collection::vec(
                    (
                        0..n + 1,
                        0..n + 2,
                        prop::sample::select(vec!["", "here", "Blue", "www.x", "Page 1"]),
                        any::<bool>(),
                    ),
                    0..30,
                );
                (pages, links)
            })
            .prop_map(|(pages, links)| {
                let pages: Vec<CrawlPage> = pages
                    .into_iter()
                    .enumerate()
                    .map(|(i, (status, depth, sitemap, indexable))| CrawlPage {
                        in_sitemap: sitemap,
                        indexable,
                        title: Some(format!("Page {i}")),
                        ..page(&format!("https://a.example/{i}"), status, depth)
                    })
                    .collect();
                let links = links
                    .into_iter()
                    .map(|(from, to, anchor, nofollow)| LinkEdge {
                        from,
                        to: format!("https://a.example/{to}"),
                        anchor: anchor.into(),
                        nofollow,
                        internal: true,
                    })
                    .collect();
                LinkInput { client: site("a.example", pages, links), competitors: vec![] }
            })
    }

    proptest! {
        #[test]
        fn pagerank_is_a_probability_distribution((n, edges) in any_graph()) {
            let (r, iterations) = pagerank(n, &edges);
            prop_assert_eq!(r.len(), n);
            prop_assert!(iterations <= MAX_ITERATIONS);
            prop_assert!(r.iter().all(|&x| x > 0.0 && x.is_finite()));
            prop_assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{:?}", r);
            // every page gets at least the teleport share
            prop_assert!(r.iter().all(|&x| x >= (1.0 - DAMPING) / n as f64 - 1e-12));
        }

        #[test]
        fn link_health_is_bounded_and_the_output_deterministic(input in any_input()) {
            let out = analyse(&input);
            prop_assert!((0.0..=100.0).contains(&out.health.score));
            for c in &out.health.components { prop_assert!((0.0..=c.max).contains(&c.points)); }
            let shares: f64 = out.anchors.categories.iter().map(|c| f64::from(c.count)).sum();
            prop_assert_eq!(shares, f64::from(out.anchors.total));
            prop_assert_eq!(out.clone(), analyse(&input.clone()));
        }
    }
}
