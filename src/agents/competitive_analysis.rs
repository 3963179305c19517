//! Competitive analysis (task type `competitive_analysis`): the client's site beside its competitors' — a
//! side-by-side table, term overlap with each competitor, the client's strengths and weaknesses, and a
//! strength index per site.
//!
//! The input is one [`SiteSummary`] per site, built by the server from each site's (bounded) crawl and
//! audit. Competitors are sorted by domain, so their input order does not matter.
//!
//! # Strength index (0..=100)
//!
//! | component | max | points |
//! |---|---|---|
//! | health | 35 | `35 × health / 100` (health clamped to 0..=100) |
//! | content depth | 20 | `20 × min(words per page, 1,500) / 1,500` |
//! | speed | 20 | `20 × clamp((2,000 − TTFB) / 1,800, 0, 1)`: 200 ms or faster → 20, 2,000 ms or slower → 0 |
//! | structured data | 15 | `15 × coverage` (share of HTML pages with JSON-LD, clamped to 0..=1) |
//! | size | 10 | `10 × ln(1 + pages) / ln(1 + largest pages of all sites compared)`; 0 when no site has pages |
//!
//! Health weighs most because it sums up the audit (errors per page). 1,500 words is where long-form
//! articles sit; longer is no advantage in itself, so depth is capped there. Speed: 200 ms is the server
//! response time PageSpeed Insights long recommended, and web.dev rates a TTFB over 1.8 s as poor (2 s
//! rounds it to where no speed points are left). Size is
//! log-scaled and relative: 100 pages against a 1,000-page competitor is two-thirds of the way, not a
//! tenth. The index is the sum, rounded to 1 decimal; it only compares sites within one analysis (size
//! depends on the largest site).
//!
//! # Term overlap
//!
//! Terms are compared lower case and trimmed, as sets: `Jaccard(A, B) = |A ∩ B| / |A ∪ B|` (3 decimals),
//! 0 when both are empty. The shared terms are listed (at most [`SHARED_TERMS_LISTED`], by term).
//!
//! # Strengths and weaknesses
//!
//! Each metric of the client — health, pages crawled, words per page, median TTFB (lower is better),
//! structured-data coverage, errors per page (lower is better), strength index — is compared with the
//! median of the competitors (the mean of the two middle values for an even count). Within
//! [`PAR_WITHIN`] = 5 % of the median (or equal, when the median is 0) it is on par and listed in neither;
//! otherwise it is a strength or a weakness, stated with both numbers. With no competitors there is nothing
//! to compare: the client's row and index stand alone and `missing` lists the competitor crawls.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{clamp, round, Breakdown, Component};

pub const HEALTH_MAX: f64 = 35.0;
pub const DEPTH_MAX: f64 = 20.0;
pub const SPEED_MAX: f64 = 20.0;
pub const STRUCTURED_MAX: f64 = 15.0;
pub const SIZE_MAX: f64 = 10.0;
/// Words per page that earn full depth points.
pub const DEPTH_FULL_AT: f64 = 1_500.0;
/// TTFB at or under which speed earns full points.
pub const TTFB_BEST_MS: f64 = 200.0;
/// TTFB at or over which speed earns nothing.
pub const TTFB_WORST_MS: f64 = 2_000.0;
/// A metric within this share of the competitor median is on par.
pub const PAR_WITHIN: f64 = 0.05;
pub const SHARED_TERMS_LISTED: usize = 20;

/// One site's crawl and audit, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSummary {
    pub domain: String,
    /// Audit health score, 0..=100.
    pub health_score: f64,
    pub pages_crawled: u32,
    pub avg_words_per_page: f64,
    pub median_ttfb_ms: u32,
    /// Share of HTML pages with JSON-LD, 0..=1.
    pub structured_data_coverage: f64,
    pub errors: u32,
    pub warnings: u32,
    pub notices: u32,
    /// The site's top terms (e.g. the content strategy's TF-IDF top terms).
    pub top_terms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetitiveInput {
    pub client: SiteSummary,
    pub competitors: Vec<SiteSummary>,
}

/// One row of the side-by-side table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRow {
    pub domain: String,
    pub is_client: bool,
    pub health_score: f64,
    pub pages_crawled: u32,
    pub avg_words_per_page: f64,
    pub median_ttfb_ms: u32,
    /// 0..=1, 3 decimals.
    pub structured_data_coverage: f64,
    pub errors: u32,
    pub warnings: u32,
    pub notices: u32,
    /// The strength index with its five components.
    pub strength: Breakdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermOverlap {
    pub competitor: String,
    pub shared: u32,
    pub union: u32,
    /// `shared / union`, 3 decimals; 0 when both sets are empty.
    pub jaccard: f64,
    pub shared_terms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub metric: String,
    pub client: f64,
    pub competitor_median: f64,
    /// In words, with the numbers.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetitiveOutput {
    /// The client first, then the competitors by domain.
    pub rows: Vec<SiteRow>,
    pub overlaps: Vec<TermOverlap>,
    pub strengths: Vec<Finding>,
    pub weaknesses: Vec<Finding>,
    pub missing: Vec<String>,
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// The strength index of a site (see the module doc); `largest_pages` is the most pages any compared site has.
pub fn strength_index(site: &SiteSummary, largest_pages: u32) -> Breakdown {
    let health = clamp(site.health_score, 0.0, 100.0);
    let words = clamp(finite_or_zero(site.avg_words_per_page), 0.0, f64::MAX);
    let ttfb = f64::from(site.median_ttfb_ms);
    let coverage = clamp(site.structured_data_coverage, 0.0, 1.0);
    let largest = largest_pages.max(site.pages_crawled);
    let size_share =
        if largest == 0 { 0.0 } else { (1.0 + f64::from(site.pages_crawled)).ln() / (1.0 + f64::from(largest)).ln() };
    let components = vec![
        Component::new(
            "Health",
            round(HEALTH_MAX * health / 100.0, 2),
            HEALTH_MAX,
            format!("health score {}", round(health, 1)),
        ),
        Component::new(
            "Content depth",
            round(DEPTH_MAX * words.min(DEPTH_FULL_AT) / DEPTH_FULL_AT, 2),
            DEPTH_MAX,
            format!("{} words per page (full points from {DEPTH_FULL_AT})", round(words, 0)),
        ),
        Component::new(
            "Speed",
            round(SPEED_MAX * clamp((TTFB_WORST_MS - ttfb) / (TTFB_WORST_MS - TTFB_BEST_MS), 0.0, 1.0), 2),
            SPEED_MAX,
            format!(
                "median time to first byte {} ms (full points at {TTFB_BEST_MS} ms, none at {TTFB_WORST_MS} ms)",
                site.median_ttfb_ms
            ),
        ),
        Component::new(
            "Structured data",
            round(STRUCTURED_MAX * coverage, 2),
            STRUCTURED_MAX,
            format!("{} % of HTML pages carry JSON-LD", round(coverage * 100.0, 1)),
        ),
        Component::new(
            "Size",
            round(SIZE_MAX * size_share, 2),
            SIZE_MAX,
            format!("{} pages against {largest} on the largest site compared (log scale)", site.pages_crawled),
        ),
    ];
    let score = round(clamp(components.iter().map(|c| c.points).sum(), 0.0, 100.0), 1);
    let missing = if site.pages_crawled == 0 { vec![format!("{}: no pages crawled", site.domain)] } else { Vec::new() };
    Breakdown { score, components, missing }
}

fn term_set(terms: &[String]) -> BTreeSet<String> {
    terms.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect()
}

/// `|A ∩ B| / |A ∪ B|`, 0 when both are empty (unrounded).
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        0.0
    } else {
        a.intersection(b).count() as f64 / union as f64
    }
}

/// The median; `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    // the same index twice for an odd count, the two middle ones for an even count
    let (lower, upper) = ((v.len() - 1) / 2, v.len() / 2);
    Some((v[lower] + v[upper]) / 2.0)
}

struct Metric {
    name: &'static str,
    unit: &'static str,
    higher_is_better: bool,
    value: fn(&SiteSummary, f64) -> f64,
}

const METRICS: [Metric; 7] = [
    Metric { name: "Health score", unit: "", higher_is_better: true, value: |s, _| clamp(s.health_score, 0.0, 100.0) },
    Metric { name: "Pages crawled", unit: " pages", higher_is_better: true, value: |s, _| f64::from(s.pages_crawled) },
    Metric {
        name: "Words per page",
        unit: " words",
        higher_is_better: true,
        value: |s, _| finite_or_zero(s.avg_words_per_page).max(0.0),
    },
    Metric {
        name: "Median time to first byte",
        unit: " ms",
        higher_is_better: false,
        value: |s, _| f64::from(s.median_ttfb_ms),
    },
    Metric {
        name: "Structured-data coverage",
        unit: " %",
        higher_is_better: true,
        value: |s, _| 100.0 * clamp(s.structured_data_coverage, 0.0, 1.0),
    },
    Metric {
        name: "Errors per page",
        unit: "",
        higher_is_better: false,
        value: |s, _| f64::from(s.errors) / f64::from(s.pages_crawled.max(1)),
    },
    Metric { name: "Strength index", unit: "", higher_is_better: true, value: |_, index| index },
];

pub fn analyse(input: &CompetitiveInput) -> CompetitiveOutput {
    let mut competitors: Vec<&SiteSummary> = input.competitors.iter().collect();
    competitors.sort_by(|a, b| a.domain.cmp(&b.domain));
    let largest = std::iter::once(&input.client).chain(input.competitors.iter()).map(|s| s.pages_crawled).max();
    let largest = largest.unwrap_or(0);

    let row = |site: &SiteSummary, is_client: bool| SiteRow {
        domain: site.domain.clone(),
        is_client,
        health_score: round(clamp(site.health_score, 0.0, 100.0), 1),
        pages_crawled: site.pages_crawled,
        avg_words_per_page: round(finite_or_zero(site.avg_words_per_page).max(0.0), 1),
        median_ttfb_ms: site.median_ttfb_ms,
        structured_data_coverage: round(clamp(site.structured_data_coverage, 0.0, 1.0), 3),
        errors: site.errors,
        warnings: site.warnings,
        notices: site.notices,
        strength: strength_index(site, largest),
    };
    let mut rows = vec![row(&input.client, true)];
    rows.extend(competitors.iter().map(|s| row(s, false)));

    let mut missing = Vec::new();
    if competitors.is_empty() {
        missing.push(
            "competitor crawls: none yet, so only the client's own row and index are shown, with no overlap, \
             strengths or weaknesses"
                .to_string(),
        );
    }
    for r in &rows {
        missing.extend(r.strength.missing.iter().cloned());
    }

    let ours = term_set(&input.client.top_terms);
    if ours.is_empty() && !competitors.is_empty() {
        missing.push("client terms: none yet (no content analysis), so term overlap is 0".to_string());
    }
    let overlaps: Vec<TermOverlap> = competitors
        .iter()
        .map(|c| {
            let theirs = term_set(&c.top_terms);
            if theirs.is_empty() {
                missing.push(format!("{}: no terms, so its term overlap is 0", c.domain));
            }
            let shared: Vec<String> = ours.intersection(&theirs).cloned().collect();
            TermOverlap {
                competitor: c.domain.clone(),
                shared: shared.len() as u32,
                union: ours.union(&theirs).count() as u32,
                jaccard: round(jaccard(&ours, &theirs), 3),
                shared_terms: shared.into_iter().take(SHARED_TERMS_LISTED).collect(),
            }
        })
        .collect();

    let (mut strengths, mut weaknesses) = (Vec::new(), Vec::new());
    if !competitors.is_empty() {
        let client_index = rows[0].strength.score;
        for m in &METRICS {
            let values: Vec<f64> =
                competitors.iter().zip(&rows[1..]).map(|(s, r)| (m.value)(s, r.strength.score)).collect();
            let Some(med) = median(&values) else { continue };
            let ours = (m.value)(&input.client, client_index);
            let diff = ours - med;
            let on_par = if med == 0.0 { diff == 0.0 } else { diff.abs() <= PAR_WITHIN * med.abs() };
            if on_par {
                continue;
            }
            let better = (diff > 0.0) == m.higher_is_better;
            let digits = if m.name == "Errors per page" { 3 } else { 1 };
            let text = format!(
                "{} {}{} against a competitor median of {}{}: {}{} {}",
                m.name,
                round(ours, digits),
                m.unit,
                round(med, digits),
                m.unit,
                round(diff.abs(), digits),
                m.unit,
                if better { "better" } else { "worse" }
            );
            let finding = Finding {
                metric: m.name.to_string(),
                client: round(ours, digits),
                competitor_median: round(med, digits),
                text,
            };
            if better {
                strengths.push(finding);
            } else {
                weaknesses.push(finding);
            }
        }
    }

    CompetitiveOutput { rows, overlaps, strengths, weaknesses, missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn site(domain: &str, health: f64, pages: u32, words: f64, ttfb: u32, coverage: f64) -> SiteSummary {
        SiteSummary {
            domain: domain.into(),
            health_score: health,
            pages_crawled: pages,
            avg_words_per_page: words,
            median_ttfb_ms: ttfb,
            structured_data_coverage: coverage,
            errors: pages / 10,
            warnings: 3,
            notices: 7,
            top_terms: vec![],
        }
    }

    fn set(terms: &[&str]) -> BTreeSet<String> {
        terms.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn strength_index_matches_the_hand_computation() {
        // health 80 → 28; 750 words → 10; TTFB 650 ms → 20 × 1350/1800 = 15; coverage 0.5 → 7.5;
        // 100 pages against 1,000 → 10 × ln 101 / ln 1001 = 6.68. Sum 67.18 → 67.2
        let b = strength_index(&site("a.example", 80.0, 100, 750.0, 650, 0.5), 1000);
        let points: Vec<f64> = b.components.iter().map(|c| c.points).collect();
        assert_eq!(points, [28.0, 10.0, 15.0, 7.5, 6.68]);
        assert_eq!(b.score, 67.2);
        // the bounds of the speed and depth mappings
        let fast = strength_index(&site("a.example", 0.0, 0, 5000.0, 150, 0.0), 0);
        assert_eq!(fast.components.iter().map(|c| c.points).collect::<Vec<_>>(), [0.0, 20.0, 20.0, 0.0, 0.0]);
        let slow = strength_index(&site("a.example", 0.0, 0, 0.0, 2500, 0.0), 0);
        assert_eq!(slow.score, 0.0);
        assert_eq!(slow.missing, ["a.example: no pages crawled"]);
    }

    #[test]
    fn jaccard_of_small_sets() {
        // {seo, audit, links} and {seo, links, content, speed}: 2 shared of 5
        assert_eq!(jaccard(&set(&["seo", "audit", "links"]), &set(&["seo", "links", "content", "speed"])), 0.4);
        assert_eq!(jaccard(&set(&[]), &set(&[])), 0.0);
        assert_eq!(jaccard(&set(&["a"]), &set(&["a"])), 1.0);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    fn three_sites() -> CompetitiveInput {
        let mut client = site("client.example", 90.0, 400, 1200.0, 300, 0.8);
        client.top_terms = vec!["SEO".into(), "audit ".into(), "links".into()];
        let mut b = site("b.example", 70.0, 1000, 800.0, 900, 0.2);
        b.top_terms = vec!["seo".into(), "links".into(), "content".into(), "speed".into()];
        let mut a = site("a.example", 60.0, 200, 1250.0, 1100, 0.8);
        a.top_terms = vec!["pricing".into()];
        CompetitiveInput { client, competitors: vec![b, a] }
    }

    #[test]
    fn side_by_side_overlap_strengths_and_weaknesses() {
        let out = analyse(&three_sites());
        let domains: Vec<(&str, bool)> = out.rows.iter().map(|r| (r.domain.as_str(), r.is_client)).collect();
        assert_eq!(domains, [("client.example", true), ("a.example", false), ("b.example", false)]);
        let overlap: Vec<(&str, u32, u32, f64)> =
            out.overlaps.iter().map(|o| (o.competitor.as_str(), o.shared, o.union, o.jaccard)).collect();
        assert_eq!(overlap, [("a.example", 0, 4, 0.0), ("b.example", 2, 5, 0.4)]);
        assert_eq!(out.overlaps[1].shared_terms, ["links", "seo"]);

        let strong: Vec<&str> = out.strengths.iter().map(|f| f.metric.as_str()).collect();
        let weak: Vec<&str> = out.weaknesses.iter().map(|f| f.metric.as_str()).collect();
        // health 90 vs median 65; pages 400 vs 600; words 1200 vs 1025; TTFB 300 vs 1000;
        // coverage 80 % vs 50 %; errors per page 0.1 vs 0.1 (on par)
        assert_eq!(
            strong,
            [
                "Health score",
                "Words per page",
                "Median time to first byte",
                "Structured-data coverage",
                "Strength index"
            ]
        );
        assert_eq!(weak, ["Pages crawled"]);
        assert_eq!(out.strengths[0].text, "Health score 90 against a competitor median of 65: 25 better");
        assert_eq!(
            out.weaknesses[0].text,
            "Pages crawled 400 pages against a competitor median of 600 pages: 200 pages worse"
        );
        assert!(out.missing.is_empty(), "{:?}", out.missing);
    }

    #[test]
    fn competitor_order_does_not_matter() {
        let mut reversed = three_sites();
        reversed.competitors.reverse();
        assert_eq!(analyse(&reversed), analyse(&three_sites()));
    }

    #[test]
    fn without_competitors_the_client_stands_alone() {
        let input =
            CompetitiveInput { client: site("client.example", 90.0, 400, 1200.0, 300, 0.8), competitors: vec![] };
        let out = analyse(&input);
        assert_eq!(out.rows.len(), 1);
        // size: the client is the largest site, so full size points
        assert_eq!(out.rows[0].strength.components[4].points, 10.0);
        assert!(out.overlaps.is_empty() && out.strengths.is_empty() && out.weaknesses.is_empty());
        assert!(out.missing.iter().any(|m| m.starts_with("competitor crawls")), "{:?}", out.missing);
    }

    fn any_site() -> impl Strategy<Value = SiteSummary> {
        (
            prop_oneof![-10.0f64..110.0, Just(f64::NAN)],
            0u32..100_000,
            prop_oneof![0.0f64..5000.0, Just(f64::INFINITY)],
            0u32..10_000,
            -0.5f64..1.5,
            "[a-z]{1,8}",
            prop::collection::vec(prop::sample::select(vec!["seo", "links", "audit", "speed", "content"]), 0..5),
        )
            .prop_map(|(h, p, w, t, c, name, terms)| SiteSummary {
                top_terms: terms.into_iter().map(str::to_string).collect(),
                ..site(&format!("{name}.example"), h, p, w, t, c)
            })
    }

    proptest! {
        #[test]
        fn indexes_and_overlaps_are_bounded(client in any_site(), competitors in prop::collection::vec(any_site(), 0..5)) {
            let out = analyse(&CompetitiveInput { client, competitors });
            for r in &out.rows {
                prop_assert!((0.0..=100.0).contains(&r.strength.score), "{}", r.strength.score);
                for c in &r.strength.components { prop_assert!((0.0..=c.max).contains(&c.points)); }
            }
            for o in &out.overlaps { prop_assert!((0.0..=1.0).contains(&o.jaccard) && o.shared <= o.union); }
        }

        #[test]
        fn strength_index_rises_with_health(site in any_site(), a in 0.0f64..100.0, b in 0.0f64..100.0, largest in 0u32..100_000) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let at = |h: f64| strength_index(&SiteSummary { health_score: h, ..site.clone() }, largest).score;
            prop_assert!(at(low) <= at(high), "{} at {} vs {} at {}", at(low), low, at(high), high);
        }

        #[test]
        fn same_input_same_output(client in any_site(), competitors in prop::collection::vec(any_site(), 0..4)) {
            let input = CompetitiveInput { client, competitors };
            prop_assert_eq!(analyse(&input), analyse(&input.clone()));
        }
    }
}
