//! Lead qualification (task type `lead_qualification`): BANT plus firmographic fit gives a score 0..=100,
//! a tier, a close probability and the agent to route the lead to next.
//!
//! # BANT: four parts, 0..=25 each
//!
//! **Budget** — `lead.budget`, the monthly budget in whole currency units, piecewise:
//!
//! - `budget <= 0` → 0;
//! - `0 < budget <= 500` → `5 × budget / 500` (linear to 5): below 500 a month no retainer is realistic;
//! - `500 < budget < 10,000` → `5 + 20 × log10(budget / 500) / log10(20)`: every doubling adds the same
//!   points (1,000 → 9.6, 2,000 → 14.3, 4,000 → 18.9);
//! - `budget >= 10,000` → 25: at or above the enterprise list price of proposal generation (9,000), so any
//!   such budget is fully qualified.
//!
//! **Authority** — `lead.decision_maker_role`, matched case-insensitively on whole words (English and
//! Russian); the highest matching group wins:
//!
//! | group | words | points |
//! |---|---|---|
//! | C-level, owners | ceo, cto, cmo, cfo, coo, cio, cdo, cro, cpo, chief, founder, cofounder, owner, president, vp, svp, evp, partner, and the phrases "managing director", "general manager"; генеральный, основатель, учредитель, владелец, собственник, президент, партнер, партнёр | 25 |
//! | directors, heads | director, head, директор, руководитель, начальник | 20 |
//! | managers, leads | manager, lead, менеджер | 12 |
//! | anyone else named | any other non-empty role | 5 |
//!
//! An empty role is missing. Keyword matching has limits ("assistant to the CEO" reads as C-level); the
//! reason shows the matched word so a person can see why.
//!
//! **Need** — distinct SEO-need themes found in `lead.pain_points`, 5 points each, matched on whole words
//! (English and Russian; [`NeedTheme::words`] lists them, a trailing `*` matches a prefix): traffic, ranking,
//! visibility, organic, conversions/leads, technical/speed, content, migration, local, competitors. When a site audit exists and its health score (clamped to
//! 0..=100) is below 70 — more than 3 pages in 10 carry an error, since health is the share of pages without
//! errors — it adds `10 × (70 − health) / 70` (up to 10 points at health 0). The sum is capped at 25.
//! Without an audit, `missing` lists "no site audit yet". Need is missing only when the pain points are
//! blank and there is no audit; pain points that match no theme are known and score 0.
//!
//! **Timeline** — `lead.timeline`: immediate 25, within a quarter 20, within half a year 12, within a year
//! 6, undecided 2; none is missing.
//!
//! `BANT_total` (0..=100) is the sum of the four parts. When some are missing it is
//! `100 × (sum of the known parts) / (25 × number of known parts)`, i.e. rescaled over the known parts, and
//! the reasons say so; with none known it is 0 (there is no evidence of qualification).
//!
//! # Firmographic fit (0..=100)
//!
//! The business development director's enterprise score of the same company
//! ([`super::business_development_director::run`]), including its own rescaling for missing revenue or
//! employees, which are listed in `missing` with "(firmographic fit)".
//!
//! # Score, tier, probability, routing
//!
//! `score = clamp(0.85 × BANT_total + 0.15 × fit, 0, 100)`, rounded to one decimal. The weights sum to 1
//! and the score starts at 0. The original Python system started every lead at 70, so no lead could ever be
//! cold, and its weights summed to 1.10; both bugs are absent here. Fit weighs little because a large
//! company that has shown no budget, authority, need or timeline is not yet a lead.
//!
//! Tier from the score: **hot** >= 75, **warm** >= 50, **cold** >= 25, **unqualified** below 25. Evidence
//! cap: a tier says how far sales can trust the lead, so with only two BANT parts known the tier is at most
//! warm, and with one or none at most cold (rescaling alone would make "budget 10,000, nothing else known"
//! hot). The reasons name the inputs to collect.
//!
//! `close_probability = 1 / (1 + exp(−(score − 60) / 10))`, rounded to two decimals: 0.5 at a score of 60
//! (the middle of the warm band), 0.82 at 75, 0.02 at 20.
//!
//! Next agent: hot → proposal generation; warm and cold → sales conversation; unqualified → none. A client
//! already at stage won is not routed anywhere (it bought; client success takes over).

use serde::{Deserialize, Serialize};

use super::business_development_director as bdd;
use super::business_development_director::thousands;
use super::{clamp, round, AuditSummary, Breakdown, Component};
use crate::model::campaign::AgentId;
use crate::model::client::{Client, Industry, LeadProfile, Stage, Timeline};

pub const PART_MAX: f64 = 25.0;
pub const BANT_WEIGHT: f64 = 0.85;
pub const FIT_WEIGHT: f64 = 0.15;

pub const HOT_FROM: f64 = 75.0;
pub const WARM_FROM: f64 = 50.0;
pub const COLD_FROM: f64 = 25.0;

/// Monthly budget where the linear part ends (5 points) and the log part begins.
const BUDGET_LINEAR_TO: f64 = 500.0;
/// Monthly budget that earns the full 25 points.
const BUDGET_FULL_AT: f64 = 10_000.0;

const THEME_POINTS: f64 = 5.0;
/// Audit health below this adds need.
const AUDIT_HEALTH_NEED_BELOW: f64 = 70.0;
/// Need added by an audit at health 0.
const AUDIT_NEED_MAX: f64 = 10.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub company_name: String,
    pub industry: Industry,
    pub country: String,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i32>,
    pub stage: Stage,
    pub lead: LeadProfile,
    pub audit: Option<AuditSummary>,
}

impl Input {
    /// The client as a lead, with its latest audit when there is one.
    pub fn of(c: &Client, audit: Option<AuditSummary>) -> Input {
        Input {
            company_name: c.company_name.clone(),
            industry: c.industry,
            country: c.country.clone(),
            annual_revenue: c.annual_revenue,
            employee_count: c.employee_count,
            stage: c.stage,
            lead: c.lead.clone(),
            audit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The final score with the four BANT parts (max 25 each) and the fit (max 100) as components.
    pub breakdown: Breakdown,
    /// 0..=100, rescaled over the known parts.
    pub bant_total: f64,
    /// The enterprise score, 0..=100.
    pub fit_score: f64,
    pub tier: Tier,
    /// 0..=1, two decimals.
    pub close_probability: f64,
    pub next_agent: Option<AgentId>,
    pub next_step: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Unqualified,
    Cold,
    Warm,
    Hot,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Unqualified => "Unqualified",
            Tier::Cold => "Cold",
            Tier::Warm => "Warm",
            Tier::Hot => "Hot",
        }
    }

    /// The tier of a score alone: hot >= 75, warm >= 50, cold >= 25, else unqualified.
    pub fn from_score(score: f64) -> Tier {
        if score >= HOT_FROM {
            Tier::Hot
        } else if score >= WARM_FROM {
            Tier::Warm
        } else if score >= COLD_FROM {
            Tier::Cold
        } else {
            Tier::Unqualified
        }
    }
}

/// An SEO need a prospect can name in their pain points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedTheme {
    Traffic,
    Ranking,
    Visibility,
    Organic,
    Conversion,
    Technical,
    Content,
    Migration,
    Local,
    Competitors,
}

impl NeedTheme {
    pub const ALL: [NeedTheme; 10] = [
        NeedTheme::Traffic,
        NeedTheme::Ranking,
        NeedTheme::Visibility,
        NeedTheme::Organic,
        NeedTheme::Conversion,
        NeedTheme::Technical,
        NeedTheme::Content,
        NeedTheme::Migration,
        NeedTheme::Local,
        NeedTheme::Competitors,
    ];

    pub fn label(self) -> &'static str {
        match self {
            NeedTheme::Traffic => "traffic",
            NeedTheme::Ranking => "rankings",
            NeedTheme::Visibility => "visibility",
            NeedTheme::Organic => "organic search",
            NeedTheme::Conversion => "conversions and leads",
            NeedTheme::Technical => "technical health and speed",
            NeedTheme::Content => "content",
            NeedTheme::Migration => "site migration",
            NeedTheme::Local => "local search",
            NeedTheme::Competitors => "competitors",
        }
    }

    /// Words that name the theme, lower case; a trailing `*` matches any word starting with the rest.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            NeedTheme::Traffic => &["traffic", "visitor*", "session*", "трафик*", "посещаем*"],
            NeedTheme::Ranking => &["rank*", "serp*", "position*", "позици*", "выдач*"],
            NeedTheme::Visibility => &["visib*", "invisib*", "видимост*"],
            NeedTheme::Organic => &["organic*", "органи*"],
            NeedTheme::Conversion => &[
                "conversion*",
                "convert*",
                "lead",
                "leads",
                "signup*",
                "enquir*",
                "inquir*",
                "sales",
                "конверси*",
                "заяв*",
                "лиды",
                "лидов",
                "продаж*",
            ],
            NeedTheme::Technical => &[
                "technical*",
                "speed*",
                "slow*",
                "crawl*",
                "index*",
                "vitals",
                "pagespeed*",
                "error*",
                "broken",
                "техническ*",
                "скорост*",
                "медлен*",
                "индекс*",
                "ошибк*",
            ],
            NeedTheme::Content => &[
                "content*",
                "blog*",
                "article*",
                "copy",
                "copywrit*",
                "контент*",
                "статья",
                "статьи",
                "статей",
                "текст*",
            ],
            NeedTheme::Migration => {
                &["migrat*", "redesign*", "replatform*", "relaunch*", "rebrand*", "миграц*", "редизайн*", "переезд*"]
            }
            NeedTheme::Local => &["local", "locally", "maps", "gbp", "gmb", "nearby", "локальн*", "местн*"],
            NeedTheme::Competitors => &["competit*", "rival*", "конкурент*"],
        }
    }
}

/// Lower-case words of a text (letters and digits; everything else separates).
fn words(text: &str) -> Vec<String> {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn word_matches(word: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
}

/// The distinct need themes the pain points name, in [`NeedTheme::ALL`] order.
pub fn need_themes(pain_points: &str) -> Vec<NeedTheme> {
    let words = words(pain_points);
    NeedTheme::ALL
        .into_iter()
        .filter(|theme| words.iter().any(|w| theme.words().iter().any(|p| word_matches(w, p))))
        .collect()
}

const C_LEVEL: [&str; 26] = [
    "ceo",
    "cto",
    "cmo",
    "cfo",
    "coo",
    "cio",
    "cdo",
    "cro",
    "cpo",
    "chief",
    "founder",
    "cofounder",
    "owner",
    "president",
    "vp",
    "svp",
    "evp",
    "partner",
    "генеральный",
    "основатель",
    "учредитель",
    "владелец",
    "собственник",
    "президент",
    "партнер",
    "партнёр",
];
const C_LEVEL_PHRASES: [[&str; 2]; 2] = [["managing", "director"], ["general", "manager"]];
const DIRECTORS: [&str; 5] = ["director", "head", "директор", "руководитель", "начальник"];
const MANAGERS: [&str; 3] = ["manager", "lead", "менеджер"];

/// Authority points of a decision maker's role and the word that decided them; `None` for an empty role.
pub fn authority(role: &str) -> Option<(f64, String)> {
    let words = words(role);
    if words.is_empty() {
        return None;
    }
    let phrase = words.windows(2).find(|w| C_LEVEL_PHRASES.iter().any(|p| w[0] == p[0] && w[1] == p[1]));
    if let Some(w) = phrase {
        return Some((25.0, format!("{} {}", w[0], w[1])));
    }
    for (group, points) in [(&C_LEVEL[..], 25.0), (&DIRECTORS[..], 20.0), (&MANAGERS[..], 12.0)] {
        if let Some(w) = words.iter().find(|w| group.contains(&w.as_str())) {
            return Some((points, w.clone()));
        }
    }
    Some((5.0, String::new()))
}

/// Budget points (0..=25) of a monthly budget; see the module docs.
pub fn budget_points(budget: i64) -> f64 {
    let b = budget as f64;
    if b <= 0.0 {
        0.0
    } else if b <= BUDGET_LINEAR_TO {
        5.0 * b / BUDGET_LINEAR_TO
    } else {
        clamp(5.0 + 20.0 * (b / BUDGET_LINEAR_TO).log10() / (BUDGET_FULL_AT / BUDGET_LINEAR_TO).log10(), 0.0, PART_MAX)
    }
}

/// Timeline points (0..=25).
pub fn timeline_points(timeline: Timeline) -> f64 {
    match timeline {
        Timeline::Immediate => 25.0,
        Timeline::WithinQuarter => 20.0,
        Timeline::WithinHalfYear => 12.0,
        Timeline::WithinYear => 6.0,
        Timeline::Undecided => 2.0,
    }
}

fn budget_component(budget: i64) -> Component {
    let points = budget_points(budget);
    let shown = thousands(budget);
    let reason = if budget <= 0 {
        format!("monthly budget {shown}: nothing to spend, 0 of 25")
    } else if budget as f64 <= BUDGET_LINEAR_TO {
        format!("monthly budget {shown} is at most 500: 5 × {shown} / 500 = {points:.1} of 25")
    } else if points >= PART_MAX {
        format!("monthly budget {shown} is at least 10,000: the full 25")
    } else {
        format!(
            "monthly budget {shown} is between 500 and 10,000: 5 + 20 × log10({shown} / 500) / log10(20) = \
             {points:.1} of 25"
        )
    };
    Component::new("Budget", round(points, 1), PART_MAX, reason)
}

fn authority_component(role: &str, points: f64, word: &str) -> Component {
    let role = role.trim();
    let reason = match points {
        p if p >= 25.0 => format!("{role:?} names a C-level or owner role ({word:?}): 25 of 25"),
        p if p >= 20.0 => format!("{role:?} names a director or head ({word:?}): 20 of 25"),
        p if p >= 12.0 => format!("{role:?} names a manager or lead ({word:?}): 12 of 25"),
        _ => format!("{role:?} names no decision-making role: 5 of 25"),
    };
    Component::new("Authority", points, PART_MAX, reason)
}

/// Internal view of one BANT part: unrounded points for the score, the component for display.
struct Part {
    points: f64,
    component: Component,
}

/// Need points and reason; `None` when there is nothing to judge need by.
fn need_part(pain_points: &str, audit: Option<&AuditSummary>) -> Option<Part> {
    let blank = pain_points.trim().is_empty();
    if blank && audit.is_none() {
        return None;
    }
    let themes = need_themes(pain_points);
    let from_themes = THEME_POINTS * themes.len() as f64;
    let mut parts = Vec::new();
    if blank {
        parts.push("no pain points given".to_string());
    } else if themes.is_empty() {
        parts.push("the pain points name none of the SEO-need themes: 0".to_string());
    } else {
        let names: Vec<&str> = themes.iter().map(|t| t.label()).collect();
        parts.push(format!("the pain points name {} ({} × 5 = {from_themes})", names.join(", "), themes.len()));
    }
    let mut from_audit = 0.0;
    if let Some(a) = audit {
        let health = clamp(a.health_score, 0.0, 100.0);
        from_audit = AUDIT_NEED_MAX * clamp((AUDIT_HEALTH_NEED_BELOW - health) / AUDIT_HEALTH_NEED_BELOW, 0.0, 1.0);
        if from_audit > 0.0 {
            parts.push(format!(
                "audit health {health:.1} is below 70: + 10 × (70 − {health:.1}) / 70 = {from_audit:.1}"
            ));
        } else {
            parts.push(format!("audit health {health:.1} is 70 or more: + 0"));
        }
    }
    let points = (from_themes + from_audit).min(PART_MAX);
    let capped = if from_themes + from_audit > PART_MAX { ", capped at 25" } else { "" };
    let reason = format!("{}{capped}: {points:.1} of 25", parts.join("; "));
    Some(Part { points, component: Component::new("Need", round(points, 1), PART_MAX, reason) })
}

pub fn run(input: &Input) -> Output {
    let lead = &input.lead;
    let mut missing = Vec::new();
    let mut parts: Vec<Part> = Vec::new();

    match lead.budget {
        Some(b) => parts.push(Part { points: budget_points(b), component: budget_component(b) }),
        None => missing.push("budget".to_string()),
    }
    match authority(&lead.decision_maker_role) {
        Some((points, word)) => {
            parts.push(Part { points, component: authority_component(&lead.decision_maker_role, points, &word) })
        }
        None => missing.push("decision maker's role".to_string()),
    }
    match need_part(&lead.pain_points, input.audit.as_ref()) {
        Some(p) => parts.push(p),
        None => missing.push("pain points".to_string()),
    }
    if input.audit.is_none() {
        missing.push("no site audit yet".to_string());
    }
    match lead.timeline {
        Some(t) => {
            let points = timeline_points(t);
            let reason = format!("timeline {}: {points} of 25", t.label().to_lowercase());
            parts.push(Part { points, component: Component::new("Timeline", points, PART_MAX, reason) });
        }
        None => missing.push("timeline".to_string()),
    }

    let known = parts.len();
    let sum: f64 = parts.iter().map(|p| p.points).sum();
    let bant = if known == 0 { 0.0 } else { clamp(100.0 * sum / (PART_MAX * known as f64), 0.0, 100.0) };

    let enterprise = bdd::run(&bdd::Input {
        company_name: input.company_name.clone(),
        industry: input.industry,
        country: input.country.clone(),
        annual_revenue: input.annual_revenue,
        employee_count: input.employee_count,
    });
    let fit = enterprise.breakdown.score;
    missing.extend(enterprise.breakdown.missing.iter().map(|m| format!("{m} (firmographic fit)")));

    let score = round(clamp(BANT_WEIGHT * bant + FIT_WEIGHT * fit, 0.0, 100.0), 1);

    let mut reasons: Vec<String> =
        parts.iter().map(|p| format!("{}: {}", p.component.name, p.component.reason)).collect();
    let bant_shown = round(bant, 1);
    reasons.push(match known {
        4 => format!("BANT total {bant_shown} of 100: the four parts added"),
        0 => "BANT total 0: budget, authority, need and timeline are all unknown".to_string(),
        n => format!(
            "BANT total {bant_shown}: {:.1} points from the {n} known parts (max {}), rescaled to 0-100",
            sum,
            PART_MAX * n as f64
        ),
    });
    reasons.push(format!("firmographic fit {fit}: the business development director's enterprise score"));
    reasons.push(format!("score {score} = 0.85 × {bant_shown} + 0.15 × {fit}"));

    let by_score = Tier::from_score(score);
    let cap = match known {
        0 | 1 => Tier::Cold,
        2 => Tier::Warm,
        _ => Tier::Hot,
    };
    let tier = by_score.min(cap);
    if tier < by_score {
        let unknown: Vec<&str> = missing
            .iter()
            .map(String::as_str)
            .filter(|m| ["budget", "decision maker's role", "pain points", "timeline"].contains(m))
            .collect();
        reasons.push(format!(
            "tier {}: the score reads {}, but only {known} of 4 BANT parts are known; ask for the {} first",
            tier.label(),
            by_score.label(),
            unknown.join(", ")
        ));
    } else {
        reasons.push(format!(
            "tier {}: score {score} ({})",
            tier.label(),
            match tier {
                Tier::Hot => "75 or more",
                Tier::Warm => "50 up to 75",
                Tier::Cold => "25 up to 50",
                Tier::Unqualified => "below 25",
            }
        ));
    }

    let close_probability = round(1.0 / (1.0 + (-(score - 60.0) / 10.0).exp()), 2);
    reasons.push(format!("close probability {close_probability} = 1 / (1 + exp(−({score} − 60) / 10))"));

    let (next_agent, next_step) = if input.stage == Stage::Won {
        (None, "Already a client (stage won): hand over to client success; no sales step.".to_string())
    } else {
        match tier {
            Tier::Hot => (
                Some(AgentId::ProposalGeneration),
                "Hot lead: send a proposal within two business days; proposal generation prices three packages \
                 from the company's size band and the site audit."
                    .to_string(),
            ),
            Tier::Warm => (
                Some(AgentId::SalesConversation),
                "Warm lead: follow up this week with an email built on their pain points and the audit; sales \
                 conversation drafts it."
                    .to_string(),
            ),
            Tier::Cold => (
                Some(AgentId::SalesConversation),
                "Cold lead: send a short nurturing email with one concrete audit finding and check in again next \
                 quarter; sales conversation drafts it."
                    .to_string(),
            ),
            Tier::Unqualified => (
                None,
                if missing
                    .iter()
                    .any(|m| ["budget", "decision maker's role", "pain points", "timeline"].contains(&m.as_str()))
                {
                    "Unqualified: don't spend sales time yet; collect the missing budget, role, pain points or \
                     timeline, then qualify again."
                        .to_string()
                } else {
                    "Unqualified: no budget, authority, need or timeline to work with; close the lead or revisit \
                     it in six months."
                        .to_string()
                },
            ),
        }
    };
    reasons.push(match next_agent {
        Some(a) => format!("next: {} ({} lead)", a.label(), tier.label().to_lowercase()),
        None if input.stage == Stage::Won => "next: no agent, the client has already bought".to_string(),
        None => "next: no agent, the lead is unqualified".to_string(),
    });

    let mut components: Vec<Component> = parts.into_iter().map(|p| p.component).collect();
    components.push(Component::new(
        "Firmographic fit",
        fit,
        100.0,
        format!("enterprise score {fit} ({} band), weighted 0.15", enterprise.band.label()),
    ));

    Output {
        breakdown: Breakdown { score, components, missing },
        bant_total: bant_shown,
        fit_score: fit,
        tier,
        close_probability,
        next_agent,
        next_step,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn audit(health: f64) -> AuditSummary {
        AuditSummary {
            health_score: health,
            pages: 120,
            critical_issues: 12,
            warnings: 40,
            notices: 30,
            finished_at: chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        }
    }

    fn lead(budget: Option<i64>, timeline: Option<Timeline>, role: &str, pains: &str) -> LeadProfile {
        LeadProfile {
            budget,
            timeline,
            decision_maker_role: role.into(),
            pain_points: pains.into(),
            source: "website form".into(),
        }
    }

    fn input(lead: LeadProfile, audit: Option<AuditSummary>) -> Input {
        Input {
            company_name: "Acme".into(),
            // Fit 88 (40 + 20 + 13 + 15): 0.15 × 88 = 13.2 keeps the hand arithmetic exact to one decimal.
            industry: Industry::Finance,
            country: "US".into(),
            annual_revenue: Some(100_000_000),
            employee_count: Some(1_000),
            stage: Stage::Prospect,
            lead,
            audit,
        }
    }

    fn part(out: &Output, name: &str) -> Option<f64> {
        out.breakdown.components.iter().find(|c| c.name == name).map(|c| c.points)
    }

    #[test]
    fn a_lead_with_nothing_known_is_unqualified_not_70() {
        let out = run(&Input {
            company_name: "Nobody".into(),
            industry: Industry::Other,
            country: String::new(),
            annual_revenue: None,
            employee_count: None,
            stage: Stage::Prospect,
            lead: LeadProfile::default(),
            audit: None,
        });
        // BANT 0 (nothing known); fit: Other 6 of 15 → 40; score 0.85 × 0 + 0.15 × 40 = 6
        assert_eq!(out.bant_total, 0.0);
        assert_eq!(out.fit_score, 40.0);
        assert_eq!(out.breakdown.score, 6.0);
        assert_eq!(out.tier, Tier::Unqualified);
        assert_eq!(out.next_agent, None);
        // 1 / (1 + e^5.4) = 0.0045
        assert_eq!(out.close_probability, 0.0);
        for m in ["budget", "decision maker's role", "pain points", "timeline", "no site audit yet"] {
            assert!(out.breakdown.missing.contains(&m.to_string()), "{m} missing");
        }
        assert!(out.breakdown.missing.contains(&"annual revenue (firmographic fit)".to_string()));
    }

    #[test]
    fn a_ready_director_with_budget_and_a_bad_audit_is_hot() {
        let out = run(&input(
            lead(
                Some(4_000),
                Some(Timeline::WithinQuarter),
                "Head of Marketing",
                "Organic traffic fell and rankings dropped",
            ),
            Some(audit(42.0)),
        ));
        // budget 5 + 20 × log10(8) / log10(20) = 5 + 20 × 0.90309 / 1.30103 = 18.883
        assert_eq!(part(&out, "Budget"), Some(18.9));
        // head → 20
        assert_eq!(part(&out, "Authority"), Some(20.0));
        // traffic, ranking, organic: 15; audit 10 × (70 − 42) / 70 = 4; 19
        assert_eq!(part(&out, "Need"), Some(19.0));
        assert_eq!(part(&out, "Timeline"), Some(20.0));
        // BANT 18.883 + 20 + 19 + 20 = 77.883 → 77.9
        assert_eq!(out.bant_total, 77.9);
        // fit 88; 0.85 × 77.883 + 0.15 × 88 = 66.200 + 13.2 = 79.400
        assert_eq!(out.fit_score, 88.0);
        assert_eq!(out.breakdown.score, 79.4);
        assert_eq!(out.tier, Tier::Hot);
        // 1 / (1 + e^(−(79.4 − 60) / 10)) = 1 / (1 + 0.1437) = 0.874
        assert_eq!(out.close_probability, 0.87);
        assert_eq!(out.next_agent, Some(AgentId::ProposalGeneration));
        assert!(!out.breakdown.missing.iter().any(|m| m == "no site audit yet"));
    }

    #[test]
    fn missing_parts_are_rescaled_and_the_tier_is_capped() {
        let out = run(&input(lead(Some(10_000), None, "", "slow site, few leads"), None));
        // budget 25; need: technical + conversion 10 (no audit) → 35 of 50 → BANT 70
        assert_eq!(out.bant_total, 70.0);
        // 0.85 × 70 + 0.15 × 88 = 59.5 + 13.2 = 72.7
        assert_eq!(out.breakdown.score, 72.7);
        assert_eq!(out.tier, Tier::Warm);
        assert!(out.breakdown.missing.contains(&"no site audit yet".to_string()));
        assert!(out.reasons.iter().any(|r| r.contains("rescaled")));

        let only_budget = run(&input(lead(Some(10_000), None, "", ""), None));
        // 25 of 25 → BANT 100; 85 + 13.2 = 98.2: hot by score, but one known part caps at cold
        assert_eq!(only_budget.breakdown.score, 98.2);
        assert_eq!(only_budget.tier, Tier::Cold);
        assert_eq!(only_budget.next_agent, Some(AgentId::SalesConversation));
        assert!(only_budget.reasons.iter().any(|r| r.contains("only 1 of 4")));
    }

    #[test]
    fn budget_follows_the_piecewise_scale() {
        assert_eq!(budget_points(i64::MIN), 0.0);
        assert_eq!(budget_points(0), 0.0);
        // 5 × 250 / 500
        assert_eq!(budget_points(250), 2.5);
        assert_eq!(budget_points(500), 5.0);
        // 5 + 20 × log10(2) / log10(20) = 5 + 20 × 0.30103 / 1.30103 = 9.63
        assert_eq!(round(budget_points(1_000), 2), 9.63);
        assert_eq!(budget_points(10_000), 25.0);
        assert_eq!(budget_points(i64::MAX), 25.0);
    }

    #[test]
    fn authority_reads_whole_words_case_insensitively() {
        assert_eq!(authority("  "), None);
        assert_eq!(authority("CEO & Co-Founder").map(|a| a.0), Some(25.0));
        assert_eq!(authority("Vice President, Growth").map(|a| a.0), Some(25.0));
        assert_eq!(authority("Managing Director").map(|a| a.0), Some(25.0));
        assert_eq!(authority("Генеральный директор").map(|a| a.0), Some(25.0));
        assert_eq!(authority("Marketing Director").map(|a| a.0), Some(20.0));
        assert_eq!(authority("SEO team lead").map(|a| a.0), Some(12.0));
        // "vp" must be a whole word: "mvp" is not a vice president
        assert_eq!(authority("MVP engineer").map(|a| a.0), Some(5.0));
    }

    #[test]
    fn need_themes_are_found_once_each() {
        assert_eq!(
            need_themes("Rankings dropped after the migration; competitors outrank us. Ranking, ranking!"),
            vec![NeedTheme::Ranking, NeedTheme::Migration, NeedTheme::Competitors]
        );
        assert_eq!(
            need_themes("мало трафика и заявок, сайт медленный"),
            vec![NeedTheme::Traffic, NeedTheme::Conversion, NeedTheme::Technical]
        );
        assert_eq!(need_themes("we want a new logo"), vec![]);
    }

    #[test]
    fn need_is_capped_at_25() {
        let out = run(&input(
            lead(Some(1_000), Some(Timeline::Immediate), "CMO", "traffic rankings visibility organic leads slow"),
            Some(audit(0.0)),
        ));
        // 6 themes × 5 = 30, + audit 10 → capped 25
        assert_eq!(part(&out, "Need"), Some(25.0));
    }

    #[test]
    fn won_clients_are_not_routed_to_sales() {
        let mut i = input(lead(Some(20_000), Some(Timeline::Immediate), "CEO", "traffic"), Some(audit(50.0)));
        i.stage = Stage::Won;
        let out = run(&i);
        assert_eq!(out.tier, Tier::Hot);
        assert_eq!(out.next_agent, None);
    }

    #[test]
    fn tiers_route_as_documented() {
        // Every BANT part known: the tier is the score's.
        let cold = run(&input(lead(Some(1_000), Some(Timeline::WithinHalfYear), "Marketing Manager", "content"), None));
        // 9.628 + 12 + 5 + 12 = 38.628; 0.85 × 38.628 + 13.2 = 32.833 + 13.2 = 46.03 → cold
        assert_eq!(cold.breakdown.score, 46.0);
        assert_eq!(cold.tier, Tier::Cold);
        assert_eq!(cold.next_agent, Some(AgentId::SalesConversation));
        let warm = run(&input(lead(Some(2_000), Some(Timeline::WithinQuarter), "Marketing Manager", "content"), None));
        // budget 5 + 20 × log10(4) / log10(20) = 5 + 20 × 0.60206 / 1.30103 = 14.255
        // 14.255 + 12 + 5 + 20 = 51.255; 0.85 × 51.255 + 13.2 = 43.567 + 13.2 = 56.77 → warm
        assert_eq!(warm.breakdown.score, 56.8);
        assert_eq!(warm.tier, Tier::Warm);
        assert_eq!(warm.next_agent, Some(AgentId::SalesConversation));
        let nobody = run(&input(lead(Some(0), Some(Timeline::Undecided), "intern", "a new logo"), None));
        // 0 + 5 + 0 + 2 = 7; 0.85 × 7 + 13.2 = 5.95 + 13.2 = 19.15 → unqualified
        assert_eq!(nobody.tier, Tier::Unqualified);
        assert_eq!(nobody.next_agent, None);
        assert!(nobody.next_step.contains("close the lead"));
    }

    fn any_timeline() -> impl Strategy<Value = Option<Timeline>> {
        proptest::option::of(prop::sample::select(Timeline::ALL.to_vec()))
    }

    fn any_role() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["", "CEO", "Head of SEO", "manager", "intern", "  "]).prop_map(String::from)
    }

    fn any_audit() -> impl Strategy<Value = Option<AuditSummary>> {
        proptest::option::of(any::<f64>().prop_map(audit))
    }

    /// Text naming the themes at `picks`, one example word each, after a neutral opening.
    fn pains(picks: &[usize]) -> String {
        const EXAMPLE: [&str; 10] = [
            "traffic",
            "ranking",
            "visibility",
            "organic",
            "leads",
            "slow",
            "blog",
            "migration",
            "local",
            "competitors",
        ];
        let mut text = String::from("we need help");
        for &i in picks {
            text.push(' ');
            text.push_str(EXAMPLE[i % EXAMPLE.len()]);
        }
        text
    }

    proptest! {
        #[test]
        fn score_is_within_0_and_100(
            budget in proptest::option::of(any::<i64>()),
            timeline in any_timeline(),
            role in any_role(),
            picks in proptest::collection::vec(0usize..10, 0..12),
            audit in any_audit(),
            revenue in proptest::option::of(any::<i64>()),
            employees in proptest::option::of(any::<i32>()),
        ) {
            let mut i = input(lead(budget, timeline, &role, &pains(&picks)), audit);
            i.annual_revenue = revenue;
            i.employee_count = employees;
            let out = run(&i);
            prop_assert!((0.0..=100.0).contains(&out.breakdown.score));
            prop_assert!((0.0..=100.0).contains(&out.bant_total));
            prop_assert!((0.0..=1.0).contains(&out.close_probability));
            prop_assert!(out.tier <= Tier::from_score(out.breakdown.score));
            prop_assert_eq!(out.next_agent.is_none(), out.tier == Tier::Unqualified);
        }

        #[test]
        fn more_budget_never_lowers_the_score(
            a in any::<i64>(), b in any::<i64>(),
            timeline in any_timeline(), role in any_role(), audit in any_audit(),
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let low = run(&input(lead(Some(lo), timeline, &role, "traffic"), audit.clone()));
            let high = run(&input(lead(Some(hi), timeline, &role, "traffic"), audit));
            prop_assert!(high.breakdown.score >= low.breakdown.score);
            prop_assert!(high.tier >= low.tier);
        }

        #[test]
        fn a_sooner_timeline_never_lowers_the_score(
            a in 0usize..5, b in 0usize..5,
            budget in proptest::option::of(any::<i64>()), role in any_role(), audit in any_audit(),
        ) {
            // Timeline::ALL runs from immediate to undecided: a lower index is sooner.
            let (sooner, later) = (Timeline::ALL[a.min(b)], Timeline::ALL[a.max(b)]);
            let s = run(&input(lead(budget, Some(sooner), &role, "content"), audit.clone()));
            let l = run(&input(lead(budget, Some(later), &role, "content"), audit));
            prop_assert!(s.breakdown.score >= l.breakdown.score);
        }

        #[test]
        fn another_pain_point_theme_never_lowers_the_score(
            picks in proptest::collection::vec(0usize..10, 0..10),
            extra in 0usize..10,
            budget in proptest::option::of(any::<i64>()),
            timeline in any_timeline(), role in any_role(), audit in any_audit(),
        ) {
            let mut more = picks.clone();
            more.push(extra);
            let before = run(&input(lead(budget, timeline, &role, &pains(&picks)), audit.clone()));
            let after = run(&input(lead(budget, timeline, &role, &pains(&more)), audit));
            prop_assert!(after.breakdown.score >= before.breakdown.score);
        }

        #[test]
        fn the_same_input_gives_the_same_output(
            budget in proptest::option::of(any::<i64>()),
            timeline in any_timeline(), role in any_role(), audit in any_audit(),
        ) {
            let i = input(lead(budget, timeline, &role, "local visibility"), audit);
            prop_assert_eq!(run(&i), run(&i.clone()));
        }
    }
}
