//! Chief SEO strategist (task type `strategy`): a campaign roadmap from the latest audit, content,
//! competitive and link outputs. Each candidate item is scored for impact and effort, placed in a quadrant,
//! scheduled into a 90-day plan, and the roadmap sets KPI targets.
//!
//! The crawl-based agents (content strategy, competitive analysis, link building) come later; until they
//! run, their summaries are `None`. The roadmap then lists them in `missing` and builds on what exists: the
//! audit if any, the client's industry, the campaign kind and objectives, and the pain points.
//!
//! # Candidate items
//!
//! Rules run in this order; an item whose title another rule already produced is merged into it (its source
//! and reason are appended; the first rule's impact and effort stand). `N` is the count the rule reads.
//! Count bands read "1-5 → 2" as "N from 1 to 5 gives 2".
//!
//! | source | when | title | impact | effort |
//! |---|---|---|---|---|
//! | audit | no audit | Run a baseline technical audit | 5 | 1 |
//! | audit | critical issues N > 0 | Fix N critical technical issues | 5 (they block indexing or break pages) | 1-5 → 2, 6-20 → 3, 21-50 → 4, more → 5 |
//! | audit | warnings N > 0 | Resolve N technical warnings | N >= 50 → 4, N >= 10 → 3, else 2 | 1-20 → 2, 21-100 → 3, more → 4 |
//! | audit | notices N > 0 | Review N notices | 1 | 1-50 → 1, more → 2 |
//! | content | thin pages N > 0 | Expand N thin pages | share `N / max(pages analysed, N)` >= 30 % → 4, >= 10 % → 3, else 2 | 1-5 → 2, 6-20 → 3, 21-50 → 4, more → 5 (each page is rewritten) |
//! | content | duplicate pages N > 0 | Consolidate N duplicate pages | share >= 10 % → 4, else 3 | 1-10 → 2, 11-50 → 3, more → 4 (canonicals and redirects are often template-wide) |
//! | content | gap terms N > 0 (distinct, non-empty) | Create content for N gap terms | N >= 10 → 4, else 3 | 1-5 → 3, 6-20 → 4, more → 5 (new pages) |
//! | competitive | each area the client is weaker on (distinct, first 5) | Close the gap on AREA | strength index < 40 → 4, else 3 | 3 |
//! | links | orphan pages N > 0 | Link N orphan pages | 3 (crawlers reach pages through links) | 1-10 → 1, 11-50 → 2, more → 3 |
//! | links | broken outbound links N > 0 | Fix N broken outbound links | 2 | 1-20 → 1, more → 2 |
//! | links | deep pages N > 0 | Bring N deep pages within three clicks of the home page | 3 | 1-20 → 2, 21-100 → 3, more → 4 |
//! | campaign kind | technical audit | Schedule a monthly re-audit | 3 | 1 |
//! | campaign kind | content | Publish a content calendar | 4 | 3 |
//! | campaign kind | link building | Build an outreach prospect list | 4 | 3 |
//! | campaign kind | local | Complete and verify local business listings | 4 | 2 |
//! | campaign kind | full SEO | Agree KPI targets and a monthly reporting cadence | 3 | 1 |
//! | objectives, then pain points | keyword table below | | | |
//! | industry | e-commerce | Add product structured data | 3 | 2 |
//! | industry | finance, healthcare, legal | Show author credentials and sources (E-E-A-T) | 3 | 2 |
//! | industry | local services | Complete and verify local business listings | 4 | 2 |
//!
//! Finance, healthcare and legal are "Your Money or Your Life" topics, which Google's Search Quality Rater
//! Guidelines hold to the highest E-E-A-T standard; hence the credentials item.
//!
//! Keywords match as case-insensitive substrings of the campaign objectives and of the pain points (English,
//! and Russian stems for the agency's Russian-speaking clients):
//!
//! | keywords | title | impact | effort |
//! |---|---|---|---|
//! | speed, slow, core web vitals, performance, скорост | Improve page speed and Core Web Vitals | 4 | 3 |
//! | mobile, мобил | Fix mobile usability | 4 | 2 |
//! | traffic, ranking, visibility, трафик, позици | Map target keywords to key pages | 4 | 2 |
//! | conversion, leads, конверси, заявк | Optimise landing pages for conversion | 3 | 3 |
//! | local, maps, локальн | Complete and verify local business listings | 4 | 2 |
//! | content, blog, контент | Plan topic clusters around core services | 3 | 3 |
//! | backlink, link building, authority, ссылк | Build an outreach prospect list | 4 | 3 |
//! | international, hreflang, multilingual | Set up hreflang for language versions | 3 | 3 |
//!
//! Only the baseline audit has impact 5 with effort 1, so without an audit it is always the first item.
//!
//! # Priority and quadrant
//!
//! `priority = impact × (6 − effort)` (1..=25). Quadrant: quick win when `impact >= 3 && effort <= 2`; major
//! project when `impact >= 3 && effort >= 3`; fill-in when `impact < 3 && effort <= 2`; deprioritise
//! otherwise. Items are sorted by priority, highest first, then by title.
//!
//! # The 90-day plan
//!
//! Three contiguous 30-day phases from `today`: "Days 1-30" (`today` to `today + 29`) holds the quick wins,
//! "Days 31-60" (`today + 30` to `today + 59`) the major projects (started once the quick wins are in), and
//! "Days 61-90" (`today + 60` to `today + 89`) the fill-ins; each in item order. Deprioritised items stay in
//! the list but are not scheduled. Dates saturate at the last date chrono represents.
//!
//! # KPI targets
//!
//! | KPI | baseline | target | without the input |
//! |---|---|---|---|
//! | Site health score | latest audit's score (clamped 0..=100) | `min(100, baseline + 15)`: the agency's 90-day target | set after the first audit |
//! | Critical issues | audit critical issues | 0 | set after the first audit |
//! | Thin pages | thin pages | `floor(baseline / 2)`: half expanded in 90 days | set after the first content analysis |
//! | Orphan pages | orphan pages | 0 | set after the first link analysis |
//! | Competitive strength index | strength index (clamped 0..=100) | `min(100, baseline + 10)` | set after the first competitive analysis |
//!
//! A non-finite strength index is not a measurement: it is ignored (impact 3, no KPI baseline).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{clamp, round, AuditSummary, Narrative};
use crate::model::campaign::CampaignKind;
use crate::model::client::Industry;

/// What the content strategy agent found (produced by the crawl-based agent once it exists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentSummary {
    pub pages_analysed: u32,
    pub thin_pages: u32,
    pub duplicate_pages: u32,
    pub gap_terms: Vec<String>,
}

/// What the competitive analysis agent found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetitiveSummary {
    /// The client against its competitors, 0..=100.
    pub strength_index: f64,
    pub weaker_on: Vec<String>,
}

/// What the link building agent found in the internal link graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSummary {
    pub orphan_pages: u32,
    pub broken_outbound: u32,
    pub deep_pages: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignBrief {
    pub name: String,
    pub kind: CampaignKind,
    pub objectives: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub today: NaiveDate,
    pub company_name: String,
    pub industry: Industry,
    pub campaign: Option<CampaignBrief>,
    pub pain_points: String,
    pub audit: Option<AuditSummary>,
    pub content: Option<ContentSummary>,
    pub competitive: Option<CompetitiveSummary>,
    pub links: Option<LinkSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    QuickWin,
    MajorProject,
    FillIn,
    Deprioritise,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadmapItem {
    pub title: String,
    pub why: String,
    pub impact: u8,
    pub effort: u8,
    pub priority: u8,
    pub quadrant: Quadrant,
    /// Which input produced it ("audit", "content", "campaign kind", "pain points", ...).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPhase {
    pub name: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    /// Item titles.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiTarget {
    pub name: String,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub items: Vec<RoadmapItem>,
    pub plan: Vec<PlanPhase>,
    pub kpis: Vec<KpiTarget>,
    pub narrative: Narrative,
    pub missing: Vec<String>,
}

/// The quadrant for an impact and effort (see the module doc).
pub fn quadrant(impact: u8, effort: u8) -> Quadrant {
    match (impact >= 3, effort <= 2) {
        (true, true) => Quadrant::QuickWin,
        (true, false) => Quadrant::MajorProject,
        (false, true) => Quadrant::FillIn,
        (false, false) => Quadrant::Deprioritise,
    }
}

/// `impact × (6 − effort)`, both clamped to 1..=5.
pub fn priority(impact: u8, effort: u8) -> u8 {
    impact.clamp(1, 5) * (6 - effort.clamp(1, 5))
}

/// Maps a count to the value of the first band whose upper bound it does not exceed, else `last`.
fn band(n: u32, bands: &[(u32, u8)], last: u8) -> u8 {
    bands.iter().find(|(upper, _)| n <= *upper).map_or(last, |(_, v)| *v)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The keyword table (see the module doc): keywords, title, impact, effort.
const KEYWORD_RULES: [(&[&str], &str, u8, u8); 8] = [
    (&["speed", "slow", "core web vitals", "performance", "скорост"], "Improve page speed and Core Web Vitals", 4, 3),
    (&["mobile", "мобил"], "Fix mobile usability", 4, 2),
    (&["traffic", "ranking", "visibility", "трафик", "позици"], "Map target keywords to key pages", 4, 2),
    (&["conversion", "leads", "конверси", "заявк"], "Optimise landing pages for conversion", 3, 3),
    (&["local", "maps", "локальн"], LOCAL_LISTINGS, 4, 2),
    (&["content", "blog", "контент"], "Plan topic clusters around core services", 3, 3),
    (&["backlink", "link building", "authority", "ссылк"], OUTREACH_LIST, 4, 3),
    (&["international", "hreflang", "multilingual"], "Set up hreflang for language versions", 3, 3),
];

const LOCAL_LISTINGS: &str = "Complete and verify local business listings";
const OUTREACH_LIST: &str = "Build an outreach prospect list";
const BASELINE_AUDIT: &str = "Run a baseline technical audit";
const MAX_COMPETITIVE_AREAS: usize = 5;
const AREA_MAX_CHARS: usize = 80;

struct Items(Vec<RoadmapItem>);

impl Items {
    fn add(&mut self, title: String, why: String, impact: u8, effort: u8, source: &str) {
        if let Some(existing) = self.0.iter_mut().find(|i| i.title == title) {
            if !existing.source.split(", ").any(|s| s == source) {
                existing.source = format!("{}, {source}", existing.source);
            }
            existing.why = format!("{}; {why}", existing.why);
            return;
        }
        let (impact, effort) = (impact.clamp(1, 5), effort.clamp(1, 5));
        self.0.push(RoadmapItem {
            title,
            why,
            impact,
            effort,
            priority: priority(impact, effort),
            quadrant: quadrant(impact, effort),
            source: source.to_string(),
        });
    }
}

fn distinct_trimmed(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v: String = v.trim().chars().take(AREA_MAX_CHARS).collect();
        if !v.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&v)) {
            out.push(v);
        }
    }
    out
}

fn strength(c: &CompetitiveSummary) -> Option<f64> {
    c.strength_index.is_finite().then(|| round(clamp(c.strength_index, 0.0, 100.0), 1))
}

fn add_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

fn kind_item(kind: CampaignKind) -> (&'static str, u8, u8) {
    match kind {
        CampaignKind::TechnicalAudit => ("Schedule a monthly re-audit", 3, 1),
        CampaignKind::Content => ("Publish a content calendar", 4, 3),
        CampaignKind::LinkBuilding => (OUTREACH_LIST, 4, 3),
        CampaignKind::Local => (LOCAL_LISTINGS, 4, 2),
        CampaignKind::FullSeo => ("Agree KPI targets and a monthly reporting cadence", 3, 1),
    }
}

fn add_keyword_items(items: &mut Items, text: &str, source: &str) {
    let text = text.to_lowercase();
    for (keywords, title, impact, effort) in KEYWORD_RULES {
        if let Some(k) = keywords.iter().find(|k| text.contains(*k)) {
            items.add(title.to_string(), format!("the {source} mention \"{k}\""), impact, effort, source);
        }
    }
}

fn candidate_items(input: &Input) -> Vec<RoadmapItem> {
    let mut items = Items(Vec::new());
    match &input.audit {
        None => items.add(
            BASELINE_AUDIT.into(),
            "no technical audit yet: every other number in this roadmap depends on one".into(),
            5,
            1,
            "audit",
        ),
        Some(a) => {
            let n = a.critical_issues;
            if n > 0 {
                items.add(
                    format!("Fix {}", plural(n as usize, "critical technical issue", "critical technical issues")),
                    format!("the latest audit found {n} critical issues; they block indexing or break pages"),
                    5,
                    band(n, &[(5, 2), (20, 3), (50, 4)], 5),
                    "audit",
                );
            }
            let n = a.warnings;
            if n > 0 {
                items.add(
                    format!("Resolve {}", plural(n as usize, "technical warning", "technical warnings")),
                    format!("the latest audit found {n} warnings"),
                    if n >= 50 {
                        4
                    } else if n >= 10 {
                        3
                    } else {
                        2
                    },
                    band(n, &[(20, 2), (100, 3)], 4),
                    "audit",
                );
            }
            let n = a.notices;
            if n > 0 {
                items.add(
                    format!("Review {}", plural(n as usize, "notice", "notices")),
                    format!("the latest audit listed {n} notices"),
                    1,
                    band(n, &[(50, 1)], 2),
                    "audit",
                );
            }
        }
    }
    if let Some(c) = &input.content {
        let share = |n: u32| f64::from(n) / f64::from(c.pages_analysed.max(n).max(1));
        let n = c.thin_pages;
        if n > 0 {
            let s = share(n);
            items.add(
                format!("Expand {}", plural(n as usize, "thin page", "thin pages")),
                format!("{n} of {} analysed pages are thin ({} %)", c.pages_analysed, round(s * 100.0, 1)),
                if s >= 0.3 {
                    4
                } else if s >= 0.1 {
                    3
                } else {
                    2
                },
                band(n, &[(5, 2), (20, 3), (50, 4)], 5),
                "content",
            );
        }
        let n = c.duplicate_pages;
        if n > 0 {
            let s = share(n);
            items.add(
                format!("Consolidate {}", plural(n as usize, "duplicate page", "duplicate pages")),
                format!("{n} of {} analysed pages duplicate others ({} %)", c.pages_analysed, round(s * 100.0, 1)),
                if s >= 0.1 { 4 } else { 3 },
                band(n, &[(10, 2), (50, 3)], 4),
                "content",
            );
        }
        let terms = distinct_trimmed(&c.gap_terms);
        if !terms.is_empty() {
            let n = u32::try_from(terms.len()).unwrap_or(u32::MAX);
            let shown: Vec<&str> = terms.iter().take(5).map(String::as_str).collect();
            items.add(
                format!("Create content for {}", plural(terms.len(), "gap term", "gap terms")),
                format!("competitors cover terms the client doesn't: {}", shown.join(", ")),
                if n >= 10 { 4 } else { 3 },
                band(n, &[(5, 3), (20, 4)], 5),
                "content",
            );
        }
    }
    if let Some(k) = &input.competitive {
        let index = strength(k);
        let impact = if index.is_some_and(|s| s < 40.0) { 4 } else { 3 };
        let areas = distinct_trimmed(&k.weaker_on);
        for area in areas.iter().take(MAX_COMPETITIVE_AREAS) {
            let index_text = index.map_or("unknown".to_string(), |s| s.to_string());
            items.add(
                format!("Close the gap on {area}"),
                format!("competitors are stronger on {area}; strength index {index_text}"),
                impact,
                3,
                "competitive",
            );
        }
    }
    if let Some(l) = &input.links {
        let n = l.orphan_pages;
        if n > 0 {
            items.add(
                format!("Link {}", plural(n as usize, "orphan page", "orphan pages")),
                format!("{n} pages have no internal link pointing to them, so crawlers rarely reach them"),
                3,
                band(n, &[(10, 1), (50, 2)], 3),
                "links",
            );
        }
        let n = l.broken_outbound;
        if n > 0 {
            items.add(
                format!("Fix {}", plural(n as usize, "broken outbound link", "broken outbound links")),
                format!("{n} outbound links lead to errors"),
                2,
                band(n, &[(20, 1)], 2),
                "links",
            );
        }
        let n = l.deep_pages;
        if n > 0 {
            items.add(
                format!("Bring {} within three clicks of the home page", plural(n as usize, "deep page", "deep pages")),
                format!("{n} pages sit more than three clicks deep"),
                3,
                band(n, &[(20, 2), (100, 3)], 4),
                "links",
            );
        }
    }
    if let Some(c) = &input.campaign {
        let (title, impact, effort) = kind_item(c.kind);
        items.add(
            title.into(),
            format!("campaign \"{}\" is a {} campaign", c.name, c.kind.label()),
            impact,
            effort,
            "campaign kind",
        );
        add_keyword_items(&mut items, &c.objectives, "objectives");
    }
    add_keyword_items(&mut items, &input.pain_points, "pain points");
    let industry_item = match input.industry {
        Industry::Ecommerce => Some(("Add product structured data", 3, 2)),
        Industry::Finance | Industry::Healthcare | Industry::Legal => {
            Some(("Show author credentials and sources (E-E-A-T)", 3, 2))
        }
        Industry::LocalServices => Some((LOCAL_LISTINGS, 4, 2)),
        _ => None,
    };
    if let Some((title, impact, effort)) = industry_item {
        items.add(
            title.into(),
            format!("{} sites are judged on this", input.industry.label()),
            impact,
            effort,
            "industry",
        );
    }
    let mut items = items.0;
    items.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.title.cmp(&b.title)));
    items
}

fn plan(today: NaiveDate, items: &[RoadmapItem]) -> Vec<PlanPhase> {
    let phases = [
        ("Days 1-30", 0, Quadrant::QuickWin),
        ("Days 31-60", 30, Quadrant::MajorProject),
        ("Days 61-90", 60, Quadrant::FillIn),
    ];
    phases
        .iter()
        .map(|&(name, offset, q)| PlanPhase {
            name: name.into(),
            starts: add_days(today, offset),
            ends: add_days(today, offset + 29),
            items: items.iter().filter(|i| i.quadrant == q).map(|i| i.title.clone()).collect(),
        })
        .collect()
}

fn kpis(input: &Input) -> Vec<KpiTarget> {
    let target = |name: &str, baseline: Option<f64>, to: fn(f64) -> f64, rule: &str, without: &str| match baseline {
        Some(b) => KpiTarget { name: name.into(), baseline: Some(b), target: Some(round(to(b), 1)), rule: rule.into() },
        None => KpiTarget { name: name.into(), baseline: None, target: None, rule: without.into() },
    };
    let audit = input.audit.as_ref();
    vec![
        target(
            "Site health score",
            audit.map(|a| round(clamp(a.health_score, 0.0, 100.0), 1)),
            |b| (b + 15.0).min(100.0),
            "baseline + 15 points, at most 100",
            "set after the first audit",
        ),
        target(
            "Critical issues",
            audit.map(|a| f64::from(a.critical_issues)),
            |_| 0.0,
            "every critical issue fixed",
            "set after the first audit",
        ),
        target(
            "Thin pages",
            input.content.as_ref().map(|c| f64::from(c.thin_pages)),
            |b| (b / 2.0).floor(),
            "half of the thin pages expanded",
            "set after the first content analysis",
        ),
        target(
            "Orphan pages",
            input.links.as_ref().map(|l| f64::from(l.orphan_pages)),
            |_| 0.0,
            "every orphan page linked",
            "set after the first link analysis",
        ),
        target(
            "Competitive strength index",
            input.competitive.as_ref().and_then(strength),
            |b| (b + 10.0).min(100.0),
            "baseline + 10, at most 100",
            "set after the first competitive analysis",
        ),
    ]
}

pub fn run(input: &Input) -> Output {
    let mut missing = Vec::new();
    if input.audit.is_none() {
        missing.push("audit: no technical audit yet".to_string());
    }
    if input.content.is_none() {
        missing.push("content: no content analysis yet".to_string());
    }
    if input.competitive.is_none() {
        missing.push("competitive: no competitive analysis yet".to_string());
    }
    if input.links.is_none() {
        missing.push("links: no link analysis yet".to_string());
    }
    if input.campaign.is_none() {
        missing.push("campaign: no campaign brief; objectives not read".to_string());
    }
    let items = candidate_items(input);
    let plan = plan(input.today, &items);
    let kpis = kpis(input);
    let count = |q: Quadrant| items.iter().filter(|i| i.quadrant == q).count();
    let mut text = format!(
        "Roadmap for {} ({}): {}, of which {} quick wins, {} major projects, {} fill-ins and {} deprioritised.",
        input.company_name,
        input.industry.label(),
        plural(items.len(), "item", "items"),
        count(Quadrant::QuickWin),
        count(Quadrant::MajorProject),
        count(Quadrant::FillIn),
        count(Quadrant::Deprioritise),
    );
    if let Some(first) = items.first() {
        text.push_str(&format!(" Top priority: {} (priority {}).", first.title, first.priority));
    }
    if let Some(phase) = plan.first() {
        text.push_str(&format!(
            " The plan runs from {} to {}.",
            phase.starts,
            plan.last().map_or(phase.ends, |p| p.ends)
        ));
    }
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().filter_map(|m| m.split(':').next()).collect();
        text.push_str(&format!(
            " Not yet available: {}; this roadmap builds on the client, the campaign and the pain points until they are.",
            names.join(", ")
        ));
    }
    Output { items, plan, kpis, narrative: Narrative::template(text), missing }
}

/// A prompt asking an LLM to rewrite the narrative as prose for the client, using only the computed figures.
pub fn llm_prompt(input: &Input, output: &Output) -> String {
    let mut p = String::new();
    p.push_str(
        "You are an SEO strategist writing a short roadmap summary for a client. Use only the facts below. \
         Do not change, add or round any number, title or date. Write 2-3 short paragraphs.\n\n",
    );
    p.push_str(&format!("Client: {} ({})\n", input.company_name, input.industry.label()));
    if let Some(c) = &input.campaign {
        let ends = c.end_date.map_or("open-ended".to_string(), |d| format!("ends {d}"));
        p.push_str(&format!(
            "Campaign: {} ({}), starts {}, {ends}; objectives: {}\n",
            c.name,
            c.kind.label(),
            c.start_date,
            c.objectives.trim()
        ));
    }
    if !input.pain_points.trim().is_empty() {
        p.push_str(&format!("Pain points: {}\n", input.pain_points.trim()));
    }
    p.push_str("Roadmap items (priority = impact x (6 - effort)):\n");
    for i in &output.items {
        p.push_str(&format!(
            "- {} | impact {} effort {} priority {} | {:?} | {}\n",
            i.title, i.impact, i.effort, i.priority, i.quadrant, i.why
        ));
    }
    p.push_str("Plan:\n");
    for ph in &output.plan {
        p.push_str(&format!("- {} ({} to {}): {}\n", ph.name, ph.starts, ph.ends, ph.items.join("; ")));
    }
    p.push_str("KPI targets:\n");
    for k in &output.kpis {
        let fmt = |v: Option<f64>| v.map_or("not set".to_string(), |v| v.to_string());
        p.push_str(&format!("- {}: baseline {}, target {} ({})\n", k.name, fmt(k.baseline), fmt(k.target), k.rule));
    }
    if !output.missing.is_empty() {
        p.push_str(&format!("Not yet available: {}\n", output.missing.join("; ")));
    }
    p.push_str(&format!("Template summary to improve: {}\n", output.narrative.text));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    fn bare() -> Input {
        Input {
            today: today(),
            company_name: "Acme".into(),
            industry: Industry::Other,
            campaign: Some(CampaignBrief {
                name: "Growth".into(),
                kind: CampaignKind::FullSeo,
                objectives: "More organic traffic".into(),
                start_date: today(),
                end_date: None,
            }),
            pain_points: String::new(),
            audit: None,
            content: None,
            competitive: None,
            links: None,
        }
    }

    fn full() -> Input {
        Input {
            audit: Some(AuditSummary {
                health_score: 62.0,
                pages: 100,
                critical_issues: 4,
                warnings: 30,
                notices: 10,
                finished_at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            }),
            content: Some(ContentSummary {
                pages_analysed: 100,
                thin_pages: 25,
                duplicate_pages: 5,
                gap_terms: vec!["pricing".into(), "reviews".into(), " Pricing ".into(), "".into()],
            }),
            competitive: Some(CompetitiveSummary { strength_index: 55.0, weaker_on: vec!["page speed".into()] }),
            links: Some(LinkSummary { orphan_pages: 8, broken_outbound: 3, deep_pages: 40 }),
            ..bare()
        }
    }

    #[test]
    fn quadrants_follow_impact_and_effort() {
        use Quadrant::*;
        let cases = [
            ((5, 1), QuickWin, 25),    // 5 × (6 − 1)
            ((3, 2), QuickWin, 12),    // 3 × 4
            ((3, 3), MajorProject, 9), // 3 × 3
            ((5, 5), MajorProject, 5), // 5 × 1
            ((2, 2), FillIn, 8),       // 2 × 4
            ((1, 1), FillIn, 5),       // 1 × 5
            ((2, 3), Deprioritise, 6), // 2 × 3
            ((1, 5), Deprioritise, 1), // 1 × 1
        ];
        for ((impact, effort), q, p) in cases {
            assert_eq!((quadrant(impact, effort), priority(impact, effort)), (q, p), "{impact}/{effort}");
        }
    }

    #[test]
    fn full_inputs_give_an_ordered_roadmap_and_plan() {
        let out = run(&full());
        let got: Vec<(&str, u8, u8, u8)> =
            out.items.iter().map(|i| (i.title.as_str(), i.impact, i.effort, i.priority)).collect();
        assert_eq!(
            got,
            [
                ("Fix 4 critical technical issues", 5, 2, 20),  // 4 → effort 2
                ("Map target keywords to key pages", 4, 2, 16), // "traffic"
                ("Agree KPI targets and a monthly reporting cadence", 3, 1, 15), // full SEO
                ("Link 8 orphan pages", 3, 1, 15),              // 8 ≤ 10 → effort 1
                ("Consolidate 5 duplicate pages", 3, 2, 12),    // 5 % < 10 % → impact 3
                ("Fix 3 broken outbound links", 2, 1, 10),      // 2 × 5
                ("Bring 40 deep pages within three clicks of the home page", 3, 3, 9), // 21-100 → 3
                ("Close the gap on page speed", 3, 3, 9),       // index 55 ≥ 40
                ("Create content for 2 gap terms", 3, 3, 9),    // "Pricing" deduplicated
                ("Resolve 30 technical warnings", 3, 3, 9),     // 10-49 → 3; 21-100 → 3
                ("Expand 25 thin pages", 3, 4, 6),              // 25 % → 3; 21-50 → 4
                ("Review 10 notices", 1, 1, 5),                 // 1 × 5
            ]
        );
        let phases: Vec<(&str, usize)> = out.plan.iter().map(|p| (p.name.as_str(), p.items.len())).collect();
        // quick wins: critical, keywords, KPI cadence, orphans, duplicates; majors: deep, gap, content,
        // warnings, thin; fill-ins: broken links, notices
        assert_eq!(phases, [("Days 1-30", 5), ("Days 31-60", 5), ("Days 61-90", 2)]);
        assert_eq!(out.plan[0].items[0], "Fix 4 critical technical issues");
        assert_eq!(out.plan[2].items, ["Fix 3 broken outbound links", "Review 10 notices"]);
        let health = &out.kpis[0];
        // 62 + 15
        assert_eq!((health.baseline, health.target), (Some(62.0), Some(77.0)));
        // floor(25 / 2)
        assert_eq!((out.kpis[2].baseline, out.kpis[2].target), (Some(25.0), Some(12.0)));
        assert!(out.missing.is_empty());
    }

    #[test]
    fn without_an_audit_the_roadmap_starts_with_the_baseline_audit_and_lists_what_is_missing() {
        let out = run(&Input { pain_points: "Site is slow on mobile".into(), ..bare() });
        assert_eq!(out.items[0].title, "Run a baseline technical audit");
        assert_eq!(out.items[0].priority, 25);
        assert_eq!(out.plan[0].items[0], "Run a baseline technical audit");
        assert_eq!(out.missing.len(), 4);
        for name in ["audit", "content", "competitive", "links"] {
            assert!(out.missing.iter().any(|m| m.starts_with(name)), "{name} missing from {:?}", out.missing);
        }
        let titles: Vec<&str> = out.items.iter().map(|i| i.title.as_str()).collect();
        assert!(titles.contains(&"Improve page speed and Core Web Vitals"), "{titles:?}");
        assert!(titles.contains(&"Fix mobile usability"));
        assert!(titles.contains(&"Map target keywords to key pages"));
        assert_eq!(out.kpis[0].baseline, None);
        assert_eq!(out.kpis[0].rule, "set after the first audit");
        assert!(out.narrative.text.contains("Not yet available: audit, content, competitive, links"));
    }

    #[test]
    fn the_same_item_from_two_rules_is_merged() {
        let mut i = bare();
        i.industry = Industry::LocalServices;
        i.pain_points = "No calls from Google Maps".into();
        if let Some(c) = i.campaign.as_mut() {
            c.kind = CampaignKind::Local;
        }
        let out = run(&i);
        let local: Vec<&RoadmapItem> =
            out.items.iter().filter(|i| i.title == "Complete and verify local business listings").collect();
        assert_eq!(local.len(), 1);
        assert_eq!(local[0].source, "campaign kind, pain points, industry");
    }

    #[test]
    fn russian_pain_points_are_read() {
        let out = run(&Input {
            pain_points: "Падает трафик, медленная скорость сайта".into(), ..bare()
        });
        let titles: Vec<&str> = out.items.iter().map(|i| i.title.as_str()).collect();
        assert!(titles.contains(&"Improve page speed and Core Web Vitals"), "{titles:?}");
    }

    #[test]
    fn prompt_carries_every_item_and_forbids_new_numbers() {
        let input = full();
        let out = run(&input);
        let p = llm_prompt(&input, &out);
        assert!(p.contains("Acme") && p.contains("Do not change"));
        for i in &out.items {
            assert!(p.contains(&i.title), "{}", i.title);
        }
    }

    fn input() -> impl Strategy<Value = Input> {
        let count = prop_oneof![Just(0u32), Just(u32::MAX), 0u32..200];
        let audit =
            (0.0f64..100.0, count.clone(), count.clone(), count.clone()).prop_map(|(h, c, w, n)| AuditSummary {
                health_score: h,
                pages: 10,
                critical_issues: c,
                warnings: w,
                notices: n,
                finished_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            });
        let content =
            (count.clone(), count.clone(), count.clone(), prop::collection::vec("[a-z ]{0,8}", 0..30)).prop_map(
                |(p, t, d, g)| ContentSummary { pages_analysed: p, thin_pages: t, duplicate_pages: d, gap_terms: g },
            );
        let competitive = (prop_oneof![any::<f64>(), -10.0f64..110.0], prop::collection::vec("[a-z]{0,6}", 0..8))
            .prop_map(|(s, w)| CompetitiveSummary { strength_index: s, weaker_on: w });
        let links = (count.clone(), count.clone(), count).prop_map(|(o, b, d)| LinkSummary {
            orphan_pages: o,
            broken_outbound: b,
            deep_pages: d,
        });
        let kind = prop::sample::select(CampaignKind::ALL.to_vec());
        let industry = prop::sample::select(Industry::ALL.to_vec());
        let campaign = (kind, "[a-z ]{0,40}").prop_map(|(kind, objectives)| CampaignBrief {
            name: "c".into(),
            kind,
            objectives,
            start_date: today(),
            end_date: None,
        });
        (
            -100_000i64..100_000,
            industry,
            prop::option::of(campaign),
            "[a-zA-Zа-я ]{0,40}",
            prop::option::of(audit),
            prop::option::of(content),
            prop::option::of(competitive),
            prop::option::of(links),
        )
            .prop_map(|(offset, industry, campaign, pain_points, audit, content, competitive, links)| Input {
                today: today() + chrono::Duration::days(offset),
                company_name: "P".into(),
                industry,
                campaign,
                pain_points,
                audit,
                content,
                competitive,
                links,
            })
    }

    proptest! {
        #[test]
        fn priorities_quadrants_and_order_follow_the_rules(i in input()) {
            let out = run(&i);
            for item in &out.items {
                prop_assert!((1..=5).contains(&item.impact) && (1..=5).contains(&item.effort));
                prop_assert_eq!(item.priority, item.impact * (6 - item.effort));
                prop_assert_eq!(item.quadrant, quadrant(item.impact, item.effort));
            }
            for w in out.items.windows(2) {
                prop_assert!(w[0].priority > w[1].priority || (w[0].priority == w[1].priority && w[0].title < w[1].title));
            }
            if i.audit.is_none() {
                prop_assert_eq!(out.items[0].title.as_str(), BASELINE_AUDIT);
            }
        }

        #[test]
        fn plan_dates_are_contiguous_within_ninety_days(i in input()) {
            let out = run(&i);
            prop_assert_eq!(out.plan.len(), 3);
            prop_assert_eq!(out.plan[0].starts, i.today);
            for w in out.plan.windows(2) {
                prop_assert_eq!(w[1].starts, w[0].ends + chrono::Duration::days(1));
            }
            for p in &out.plan {
                prop_assert!(p.starts <= p.ends);
                prop_assert!(p.ends < i.today + chrono::Duration::days(90));
                for t in &p.items { prop_assert!(out.items.iter().any(|it| &it.title == t)); }
            }
        }

        #[test]
        fn same_input_same_output(i in input()) {
            prop_assert_eq!(run(&i), run(&i.clone()));
        }
    }
}
