//! Proposal generation (task type `proposal_generation`): three packages — Essentials, Growth, Premium —
//! with scope, monthly price, term and expected outcomes, priced from the company's size band, its
//! industry, the lead's tier and the load of issues the site audit found; plus a cover letter.
//!
//! # Price
//!
//! `unit = base(band) × industry factor × lead-tier factor × issue-load factor`, and each package costs
//! `unit × multiplier` (Essentials 0.6, Growth 1.0, Premium 1.8) rounded to the nearest 50 (halves away
//! from zero), never below 50. Prices are in the agency's list currency: `currency` labels them, no
//! exchange rate is applied.
//!
//! **Base monthly price by size band** (the business development director's band; the agency's list
//! prices, edit here together with the tests): SMB 1,500; mid-market 4,000; enterprise 9,000.
//!
//! **Industry factor** — how much work the sector's search results demand. Finance, legal and health are
//! "Your Money or Your Life" topics in Google's Search Quality Rater Guidelines, held to a higher standard
//! of expertise and trust, so their content needs expert writing and review:
//!
//! | industry | factor | why |
//! |---|---|---|
//! | Finance and insurance | 1.3 | YMYL topic; among the most contested search results |
//! | Legal services | 1.3 | YMYL topic; contested local and national terms |
//! | Healthcare | 1.25 | YMYL topic; medical review of content |
//! | E-commerce | 1.15 | large catalogues: many pages to fix and structure |
//! | SaaS and software | 1.15 | contested B2B terms; comparison and documentation pages |
//! | Real estate | 1.1 | listings change constantly; local and national terms |
//! | Travel and hospitality | 1.1 | seasonal, contested, many landing pages |
//! | Automotive | 1.05 | model and parts pages; often local |
//! | Education | 1.0 | average |
//! | Media and publishing | 1.0 | average: content exists, structure is the work |
//! | Other | 1.0 | no reason to price up or down |
//! | Manufacturing | 0.95 | niche terms with little competition |
//! | Local services | 0.9 | small sites, local competition only |
//! | Non-profit | 0.9 | small sites; non-profit rate |
//!
//! **Lead-tier factor** (lead qualification's tier): hot 1.0 (ready to buy: list price), warm 0.95, cold
//! 0.9, unqualified 0.9 (a buyer still to be convinced gets at most 10 % off). No qualification → 1.0, and
//! `missing` says so.
//!
//! **Issue-load factor**: `1 + 0.5 × min(total issues, 200) / 200` with total = critical + warnings +
//! notices of the site audit: each issue adds 0.25 % for the fixing work, up to +50 % at 200 issues; beyond
//! that the extra work goes into the term, not the price. No audit → 1.0, and `missing` says so.
//!
//! Every factor is at least 0.9, so the Essentials → Growth → Premium gaps (0.4 and 0.8 of a unit of at
//! least 1,215) exceed the rounding step of 50 and the order is always strict.
//!
//! # Scope, term, outcomes
//!
//! | | Essentials | Growth | Premium |
//! |---|---|---|---|
//! | term | 6 months | 6 months | 12 months |
//! | issues fixed | critical | critical + warnings | all, notices included |
//! | key pages optimised a month | 10 | 25 | 50 |
//! | articles a month | — | 4 | 8 |
//! | link prospects contacted a month | — | 10 | 25 |
//! | competitor comparison | — | quarterly | monthly, with a strategy review |
//!
//! Six months is the shortest term in which fixes are recrawled and show in the monthly reports; Premium's
//! content and link work runs a year. Outcomes are derived from the inputs, never invented: with an audit,
//! "fix the N issues of the kinds the package covers, about ⌈N / term⌉ a month"; without one, an audit in
//! month 1 and targets derived from it. Page, article and prospect totals are the monthly numbers × term.
//! No traffic or ranking percentages are promised.
//!
//! # Recommendation
//!
//! Enterprise band → Premium (enterprise sites need its content and link volume). SMB band with a cold or
//! unqualified lead → Essentials (start small, prove results). Everything else → Growth.

use serde::{Deserialize, Serialize};

use super::business_development_director::{self as bdd, thousands, SizeBand};
use super::lead_qualification::{self as lq, Tier};
use super::{clamp, AuditSummary, Component, Narrative};
use crate::model::client::Industry;

pub const SMB_BASE_MONTHLY: i64 = 1_500;
pub const MID_MARKET_BASE_MONTHLY: i64 = 4_000;
pub const ENTERPRISE_BASE_MONTHLY: i64 = 9_000;

pub const PACKAGE_NAMES: [&str; 3] = ["Essentials", "Growth", "Premium"];
pub const PACKAGE_MULTIPLIERS: [f64; 3] = [0.6, 1.0, 1.8];
pub const TERM_MONTHS: [u32; 3] = [6, 6, 12];
const KEY_PAGES_PER_MONTH: [u32; 3] = [10, 25, 50];
const ARTICLES_PER_MONTH: [u32; 3] = [0, 4, 8];
const LINK_PROSPECTS_PER_MONTH: [u32; 3] = [0, 10, 25];

/// Issues at which the issue-load factor reaches its cap: each issue adds `MAX_ISSUE_LOAD / 200` = 0.25 %.
const ISSUES_FOR_FULL_LOAD: f64 = 200.0;
/// The most the audit's issues raise a price: +50 %.
const MAX_ISSUE_LOAD: f64 = 0.5;
/// Prices are rounded to this step.
const PRICE_STEP: f64 = 50.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub company_name: String,
    pub industry: Industry,
    pub enterprise: bdd::Output,
    pub qualification: Option<lq::Output>,
    pub audit: Option<AuditSummary>,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    /// Whole currency units a month, a multiple of 50.
    pub monthly_price: i64,
    pub currency: String,
    pub scope: Vec<String>,
    pub expected_outcomes: Vec<String>,
    pub term_months: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// Essentials, Growth, Premium, in that order.
    pub packages: Vec<Package>,
    /// Index into `packages`.
    pub recommended: usize,
    pub recommended_reason: String,
    /// The base price and each factor, with its reason; the last entry shows the package arithmetic.
    pub price_breakdown: Vec<Component>,
    /// The cover letter.
    pub narrative: Narrative,
    pub missing: Vec<String>,
}

pub fn base_monthly(band: SizeBand) -> i64 {
    match band {
        SizeBand::Smb => SMB_BASE_MONTHLY,
        SizeBand::MidMarket => MID_MARKET_BASE_MONTHLY,
        SizeBand::Enterprise => ENTERPRISE_BASE_MONTHLY,
    }
}

/// Price factor of an industry (0.9..=1.3) and why; see the table in the module docs.
pub fn industry_factor(industry: Industry) -> (f64, &'static str) {
    match industry {
        Industry::Finance => (1.3, "YMYL topic; among the most contested search results"),
        Industry::Legal => (1.3, "YMYL topic; contested local and national terms"),
        Industry::Healthcare => (1.25, "YMYL topic; medical review of content"),
        Industry::Ecommerce => (1.15, "large catalogues: many pages to fix and structure"),
        Industry::Saas => (1.15, "contested B2B terms; comparison and documentation pages"),
        Industry::RealEstate => (1.1, "listings change constantly; local and national terms"),
        Industry::Travel => (1.1, "seasonal, contested, many landing pages"),
        Industry::Automotive => (1.05, "model and parts pages; often local"),
        Industry::Education => (1.0, "average"),
        Industry::Media => (1.0, "average: content exists, structure is the work"),
        Industry::Other => (1.0, "no reason to price up or down"),
        Industry::Manufacturing => (0.95, "niche terms with little competition"),
        Industry::LocalServices => (0.9, "small sites, local competition only"),
        Industry::Nonprofit => (0.9, "small sites; non-profit rate"),
    }
}

/// Price factor of a lead tier.
pub fn tier_factor(tier: Tier) -> f64 {
    match tier {
        Tier::Hot => 1.0,
        Tier::Warm => 0.95,
        Tier::Cold | Tier::Unqualified => 0.9,
    }
}

/// All issues of an audit, added in u64 so no count can overflow.
fn total_issues(a: &AuditSummary) -> u64 {
    u64::from(a.critical_issues) + u64::from(a.warnings) + u64::from(a.notices)
}

/// `1 + 0.5 × min(issues, 200) / 200`: 0.25 % an issue, +50 % from 200 issues on.
pub fn issue_load_factor(total_issues: u64) -> f64 {
    1.0 + MAX_ISSUE_LOAD * (total_issues as f64).min(ISSUES_FOR_FULL_LOAD) / ISSUES_FOR_FULL_LOAD
}

/// Rounds to the nearest 50, never below 50.
fn to_price(x: f64) -> i64 {
    // x is at most 9,000 × 1.3 × 1 × 1.5 × 1.8 = 31,590, so the cast is exact.
    (((clamp(x, 0.0, 1e9) / PRICE_STEP).round() as i64) * PRICE_STEP as i64).max(PRICE_STEP as i64)
}

fn count(n: u64) -> String {
    thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

fn scope(i: usize) -> Vec<String> {
    let mut s = vec![
        "Monthly technical crawl with a health report".to_string(),
        match i {
            0 => "Fixes for critical (error-level) issues".to_string(),
            1 => "Fixes for critical issues and warnings".to_string(),
            _ => "Fixes for every audit finding, notices included".to_string(),
        },
        format!("Titles, meta descriptions and headings on {} key pages a month", KEY_PAGES_PER_MONTH[i]),
    ];
    if ARTICLES_PER_MONTH[i] > 0 {
        s.push(format!("Content strategy with {} articles a month", ARTICLES_PER_MONTH[i]));
    }
    if LINK_PROSPECTS_PER_MONTH[i] > 0 {
        s.push(format!("Internal linking and outreach to {} link prospects a month", LINK_PROSPECTS_PER_MONTH[i]));
    }
    match i {
        0 => {}
        1 => s.push("Competitor comparison every quarter".to_string()),
        _ => s.push("Monthly competitor comparison and strategy review with a senior strategist".to_string()),
    }
    s
}

fn outcomes(i: usize, audit: Option<&AuditSummary>) -> Vec<String> {
    let term = TERM_MONTHS[i];
    let mut o = Vec::new();
    match audit {
        Some(a) => {
            let date = a.finished_at.format("%-d %B %Y");
            let (covered, kinds) = match i {
                0 => (u64::from(a.critical_issues), "critical issues"),
                1 => (u64::from(a.critical_issues) + u64::from(a.warnings), "critical issues and warnings"),
                _ => (total_issues(a), "issues (critical, warnings and notices)"),
            };
            if covered == 0 {
                o.push(format!("No {kinds} open in the audit of {date}; the monthly crawl catches new ones."));
            } else {
                let per_month = covered.div_ceil(u64::from(term));
                o.push(format!(
                    "Fix the {} {kinds} found by the audit of {date}: about {} a month over {term} months.",
                    count(covered),
                    count(per_month)
                ));
            }
            o.push(format!(
                "Every monthly crawl reports the health score against today's {:.1}.",
                clamp(a.health_score, 0.0, 100.0)
            ));
        }
        None => o.push(
            "Month 1: a full technical audit and a prioritised fix list; the monthly fix targets follow from its \
             issue counts."
                .to_string(),
        ),
    }
    o.push(format!("{} key pages optimised over the {term} months.", KEY_PAGES_PER_MONTH[i] * term));
    if ARTICLES_PER_MONTH[i] > 0 {
        o.push(format!("{} articles published over the term.", ARTICLES_PER_MONTH[i] * term));
    }
    if LINK_PROSPECTS_PER_MONTH[i] > 0 {
        o.push(format!("{} link prospects contacted over the term.", LINK_PROSPECTS_PER_MONTH[i] * term));
    }
    o
}

fn fmt_factor(x: f64) -> String {
    // Factors have at most four decimals (the issue load moves in steps of 0.0025); print 1 and 1.5 without
    // trailing zeros.
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn run(input: &Input) -> Output {
    let mut missing = Vec::new();
    let band = input.enterprise.band;
    missing.extend(input.enterprise.breakdown.missing.iter().map(|m| format!("{m} (size band)")));

    let base = base_monthly(band);
    let (ind, ind_why) = industry_factor(input.industry);
    let (tier, tier_reason) = match &input.qualification {
        Some(q) => {
            let f = tier_factor(q.tier);
            (f, format!("{} lead (score {}): factor {}", q.tier.label(), q.breakdown.score, fmt_factor(f)))
        }
        None => {
            missing.push("no lead qualification yet (lead-tier factor 1)".to_string());
            (1.0, "no lead qualification yet: factor 1".to_string())
        }
    };
    let (load, load_reason) = match &input.audit {
        Some(a) => {
            let total = total_issues(a);
            let f = issue_load_factor(total);
            (
                f,
                format!(
                    "the audit found {} issues: 1 + 0.5 × min({}, 200) / 200 = {}",
                    count(total),
                    count(total),
                    fmt_factor(f)
                ),
            )
        }
        None => {
            missing.push("no site audit yet (issue-load factor 1)".to_string());
            (1.0, "no site audit yet: factor 1".to_string())
        }
    };
    let code = input.currency.trim().to_ascii_uppercase();
    if code.is_empty() {
        missing.push("currency (prices are shown without one)".to_string());
    } else if code.len() != 3 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
        missing.push(format!("currency {code:?} is not a three-letter ISO 4217 code"));
    }

    let unit = base as f64 * ind * tier * load;
    let prices: Vec<i64> = PACKAGE_MULTIPLIERS.iter().map(|m| to_price(unit * m)).collect();
    let arithmetic: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "{} × {} = {:.2} → {}",
                PACKAGE_NAMES[i],
                fmt_factor(PACKAGE_MULTIPLIERS[i]),
                unit * PACKAGE_MULTIPLIERS[i],
                thousands(prices[i])
            )
        })
        .collect();
    let price_breakdown = vec![
        Component::new(
            "Base price",
            base as f64,
            ENTERPRISE_BASE_MONTHLY as f64,
            format!("{} band: base {} a month", band.label(), thousands(base)),
        ),
        Component::new(
            "Industry factor",
            ind,
            1.3,
            format!("{}: {ind_why}: factor {}", input.industry.label(), fmt_factor(ind)),
        ),
        Component::new("Lead-tier factor", tier, 1.0, tier_reason),
        Component::new("Issue-load factor", load, 1.0 + MAX_ISSUE_LOAD, load_reason),
        Component::new(
            "Package multipliers",
            1.0,
            1.8,
            format!(
                "{} × {} × {} × {} = {unit:.2} a month; {}, rounded to the nearest 50",
                thousands(base),
                fmt_factor(ind),
                fmt_factor(tier),
                fmt_factor(load),
                arithmetic.join("; ")
            ),
        ),
    ];

    let packages: Vec<Package> = (0..3)
        .map(|i| Package {
            name: PACKAGE_NAMES[i].to_string(),
            monthly_price: prices[i],
            currency: code.clone(),
            scope: scope(i),
            expected_outcomes: outcomes(i, input.audit.as_ref()),
            term_months: TERM_MONTHS[i],
        })
        .collect();

    let lead_tier = input.qualification.as_ref().map(|q| q.tier);
    let (recommended, recommended_reason) = match (band, lead_tier) {
        (SizeBand::Enterprise, _) => (2, "an enterprise site needs Premium's content and link volume".to_string()),
        (SizeBand::Smb, Some(t @ (Tier::Cold | Tier::Unqualified))) => (
            0,
            format!(
                "an SMB with a {} lead starts small and widens the scope once results show",
                t.label().to_lowercase()
            ),
        ),
        (SizeBand::Smb, _) => (1, "the standard package for an SMB ready to invest".to_string()),
        (SizeBand::MidMarket, _) => (1, "the standard package for a mid-market company".to_string()),
    };

    let narrative = Narrative::template(cover_letter(input, &packages, recommended, &recommended_reason));
    Output { packages, recommended, recommended_reason, price_breakdown, narrative, missing }
}

fn money(p: &Package) -> String {
    if p.currency.is_empty() {
        thousands(p.monthly_price)
    } else {
        format!("{} {}", thousands(p.monthly_price), p.currency)
    }
}

fn cover_letter(input: &Input, packages: &[Package], recommended: usize, reason: &str) -> String {
    let company = &input.company_name;
    let mut t = format!("Dear {company} team,\n\nThank you for your time discussing {company}'s search. ");
    match &input.audit {
        Some(a) => t.push_str(&format!(
            "Our audit of {} found {} critical issues, {} warnings and {} notices across {} pages, and the packages \
             below are built around fixing them.\n\n",
            a.finished_at.format("%-d %B %Y"),
            thousands(i64::from(a.critical_issues)),
            thousands(i64::from(a.warnings)),
            thousands(i64::from(a.notices)),
            thousands(i64::from(a.pages))
        )),
        None => {
            t.push_str("Each package below starts with a full technical audit of your site in the first month.\n\n")
        }
    }
    t.push_str("We propose three packages:\n\n");
    for p in packages {
        t.push_str(&format!(
            "- {}: {} a month for {} months. {}.\n",
            p.name,
            money(p),
            p.term_months,
            p.scope.join("; ")
        ));
    }
    if let Some(p) = packages.get(recommended) {
        t.push_str(&format!("\nWe recommend {}: {reason}. What you can expect from it:\n\n", p.name));
        for o in &p.expected_outcomes {
            t.push_str(&format!("- {o}\n"));
        }
    }
    t.push_str("\nWe would be glad to walk you through the proposal on a short call.\n\nKind regards");
    t
}

/// The prompt that asks an LLM to rewrite the cover letter's prose: the facts it must keep, then the draft.
pub fn llm_prompt(input: &Input, output: &Output) -> String {
    let mut p = format!(
        "Rewrite this proposal cover letter to {} in clear, friendly, professional prose. Keep every package name, \
         price, currency, term, count and date listed below exactly as given. Add no facts, figures, prices, \
         discounts, percentages, guarantees or promises that are not in the draft.",
        input.company_name
    );
    if input.audit.is_none() {
        p.push_str(" No site audit has run yet: don't mention audit findings or figures.");
    }
    p.push_str("\n\nFacts:\n");
    p.push_str(&format!("- Company: {}\n", input.company_name));
    if let Some(a) = &input.audit {
        p.push_str(&format!(
            "- Audit of {}: {} critical issues, {} warnings, {} notices, {} pages\n",
            a.finished_at.format("%-d %B %Y"),
            a.critical_issues,
            a.warnings,
            a.notices,
            a.pages
        ));
    }
    for pk in &output.packages {
        p.push_str(&format!(
            "- {}: {} a month for {} months; scope: {}; outcomes: {}\n",
            pk.name,
            money(pk),
            pk.term_months,
            pk.scope.join("; "),
            pk.expected_outcomes.join(" ")
        ));
    }
    if let Some(r) = output.packages.get(output.recommended) {
        p.push_str(&format!("- Recommended: {} ({})\n", r.name, output.recommended_reason));
    }
    p.push_str("\nDraft:\n");
    p.push_str(&output.narrative.text);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::client::{LeadProfile, Stage};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn audit(critical: u32, warnings: u32, notices: u32) -> AuditSummary {
        AuditSummary {
            health_score: 64.0,
            pages: 120,
            critical_issues: critical,
            warnings,
            notices,
            finished_at: chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        }
    }

    fn enterprise(band: SizeBand) -> bdd::Output {
        // 10 M revenue, 100 people, SaaS, US: 65.7, mid-market (see business_development_director).
        let mut e = bdd::run(&bdd::Input {
            company_name: "Acme".into(),
            industry: Industry::Saas,
            country: "US".into(),
            annual_revenue: Some(10_000_000),
            employee_count: Some(100),
        });
        // Only the band prices; tests set it directly.
        e.band = band;
        e
    }

    fn qualification(tier: Tier) -> lq::Output {
        let mut q = lq::run(&lq::Input {
            company_name: "Acme".into(),
            industry: Industry::Saas,
            country: "US".into(),
            annual_revenue: Some(10_000_000),
            employee_count: Some(100),
            stage: Stage::Prospect,
            lead: LeadProfile::default(),
            audit: None,
        });
        // Only the tier prices; tests set it directly.
        q.tier = tier;
        q
    }

    fn input(band: SizeBand, industry: Industry, tier: Option<Tier>, audit: Option<AuditSummary>) -> Input {
        Input {
            company_name: "Acme".into(),
            industry,
            enterprise: enterprise(band),
            qualification: tier.map(qualification),
            audit,
            currency: "usd".into(),
        }
    }

    fn prices(out: &Output) -> Vec<i64> {
        out.packages.iter().map(|p| p.monthly_price).collect()
    }

    #[test]
    fn mid_market_saas_warm_lead_with_an_audit() {
        let out = run(&input(SizeBand::MidMarket, Industry::Saas, Some(Tier::Warm), Some(audit(12, 40, 30))));
        // issues 12 + 40 + 30 = 82 → load 1 + 0.5 × 82 / 200 = 1.205
        // unit 4,000 × 1.15 × 0.95 × 1.205 = 5,265.85
        // Essentials 5,265.85 × 0.6 = 3,159.5 → 3,150; Growth 5,265.85 → 5,250; Premium × 1.8 = 9,478.5 → 9,500
        assert_eq!(prices(&out), [3_150, 5_250, 9_500]);
        assert_eq!(out.packages[0].currency, "USD");
        assert_eq!(out.recommended, 1);
        assert!(out.missing.is_empty());
        assert!((out.price_breakdown[3].points - 1.205).abs() < 1e-12);
        assert!(out.price_breakdown[3].reason.ends_with("= 1.205"), "{}", out.price_breakdown[3].reason);
        // Essentials: 12 critical over 6 months → 2 a month; Growth: 52 → ⌈8.67⌉ = 9; Premium: 82 over 12 → 7
        assert_eq!(
            out.packages[0].expected_outcomes[0],
            "Fix the 12 critical issues found by the audit of 1 March 2026: about 2 a month over 6 months."
        );
        assert!(out.packages[1].expected_outcomes[0].starts_with("Fix the 52 critical issues and warnings"));
        assert!(out.packages[1].expected_outcomes[0].contains("about 9 a month"));
        assert!(out.packages[2].expected_outcomes[0].contains("about 7 a month over 12 months"));
        // Growth 4 articles × 6 = 24; Premium 8 × 12 = 96
        assert!(out.packages[1].expected_outcomes.contains(&"24 articles published over the term.".to_string()));
        assert!(out.packages[2].expected_outcomes.contains(&"96 articles published over the term.".to_string()));
        assert!(out.narrative.text.contains("- Growth: 5,250 USD a month for 6 months."));
        assert!(out.narrative.text.contains("We recommend Growth"));
    }

    #[test]
    fn each_issue_adds_a_quarter_percent_up_to_200_issues() {
        for (issues, factor) in
            [(0, 1.0), (1, 1.0025), (100, 1.25), (150, 1.375), (199, 1.4975), (200, 1.5), (250, 1.5)]
        {
            assert!(
                (issue_load_factor(issues) - factor).abs() < 1e-12,
                "{issues} issues: {}",
                issue_load_factor(issues)
            );
        }
    }

    #[test]
    fn a_hundred_issues_raise_the_price_by_a_quarter() {
        let out = run(&input(SizeBand::MidMarket, Industry::Other, Some(Tier::Hot), Some(audit(20, 50, 30))));
        // 4,000 × 1 × 1 × 1.25 = 5,000; × 0.6 = 3,000; 5,000; × 1.8 = 9,000
        assert_eq!(out.price_breakdown[3].points, 1.25);
        assert!(out.price_breakdown[3].reason.ends_with("1 + 0.5 × min(100, 200) / 200 = 1.25"));
        assert_eq!(prices(&out), [3_000, 5_000, 9_000]);
    }

    #[test]
    fn small_local_business_cold_lead_without_an_audit() {
        let out = run(&input(SizeBand::Smb, Industry::LocalServices, Some(Tier::Cold), None));
        // 1,500 × 0.9 × 0.9 × 1 = 1,215; × 0.6 = 729 → 750; 1,215 → 1,200; × 1.8 = 2,187 → 2,200
        assert_eq!(prices(&out), [750, 1_200, 2_200]);
        assert_eq!(out.recommended, 0);
        assert_eq!(out.missing, ["no site audit yet (issue-load factor 1)"]);
        for p in &out.packages {
            assert!(p.expected_outcomes[0].starts_with("Month 1: a full technical audit"));
            assert!(!p.expected_outcomes.iter().any(|o| o.contains('%')));
        }
        assert!(!out.narrative.text.contains("Our audit of"));
        assert!(!out.narrative.text.contains("found by the audit"));
    }

    #[test]
    fn enterprise_finance_without_qualification_and_a_heavy_audit() {
        let out = run(&input(SizeBand::Enterprise, Industry::Finance, None, Some(audit(100, 150, 50))));
        // 300 issues → load capped at 1.5; 9,000 × 1.3 × 1 × 1.5 = 17,550
        // × 0.6 = 10,530 → 10,550; 17,550; × 1.8 = 31,590 → 31,600
        assert_eq!(prices(&out), [10_550, 17_550, 31_600]);
        assert_eq!(out.recommended, 2);
        assert_eq!(out.missing, ["no lead qualification yet (lead-tier factor 1)"]);
    }

    #[test]
    fn currency_is_checked_and_absurd_counts_do_not_overflow() {
        let mut i = input(SizeBand::Smb, Industry::Other, Some(Tier::Hot), Some(audit(u32::MAX, u32::MAX, u32::MAX)));
        i.currency = "dollars".into();
        let out = run(&i);
        assert!(out.missing.iter().any(|m| m.contains("not a three-letter ISO 4217 code")));
        // 1,500 × 1 × 1 × 1.5 = 2,250 → 1,350 / 2,250 / 4,050
        assert_eq!(prices(&out), [1_350, 2_250, 4_050]);
        i.currency = " ".into();
        let out = run(&i);
        assert_eq!(out.packages[0].currency, "");
        assert!(out.narrative.text.contains("- Essentials: 1,350 a month"));
    }

    #[test]
    fn the_llm_prompt_carries_every_price_and_the_draft() {
        let i = input(SizeBand::MidMarket, Industry::Saas, Some(Tier::Warm), Some(audit(12, 40, 30)));
        let out = run(&i);
        let prompt = llm_prompt(&i, &out);
        for p in &out.packages {
            assert!(prompt.contains(&format!(
                "- {}: {} USD a month for {} months",
                p.name,
                thousands(p.monthly_price),
                p.term_months
            )));
        }
        assert!(prompt.contains("12 critical issues, 40 warnings, 30 notices, 120 pages"));
        assert!(prompt.ends_with(&out.narrative.text));
    }

    fn any_band() -> impl Strategy<Value = SizeBand> {
        prop::sample::select(SizeBand::ALL.to_vec())
    }

    fn any_industry() -> impl Strategy<Value = Industry> {
        prop::sample::select(Industry::ALL.to_vec())
    }

    fn any_tier() -> impl Strategy<Value = Option<Tier>> {
        proptest::option::of(prop::sample::select(vec![Tier::Hot, Tier::Warm, Tier::Cold, Tier::Unqualified]))
    }

    fn any_audit() -> impl Strategy<Value = Option<AuditSummary>> {
        proptest::option::of((any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(c, w, n)| audit(c, w, n)))
    }

    proptest! {
        #[test]
        fn prices_are_positive_and_strictly_ordered(
            band in any_band(), industry in any_industry(), tier in any_tier(), audit in any_audit(),
        ) {
            let out = run(&input(band, industry, tier, audit));
            let p = prices(&out);
            prop_assert_eq!(p.len(), 3);
            prop_assert!(p[0] > 0);
            prop_assert!(p[0] < p[1] && p[1] < p[2], "{:?}", p);
            prop_assert!(p.iter().all(|x| x % 50 == 0));
            prop_assert!(out.recommended < 3);
        }

        #[test]
        fn a_bigger_band_never_lowers_a_price(
            a in any_band(), b in any_band(), industry in any_industry(), tier in any_tier(), audit in any_audit(),
        ) {
            let (small, big) = if a <= b { (a, b) } else { (b, a) };
            let lo = prices(&run(&input(small, industry, tier, audit.clone())));
            let hi = prices(&run(&input(big, industry, tier, audit)));
            prop_assert!(lo.iter().zip(&hi).all(|(l, h)| h >= l), "{:?} {:?}", lo, hi);
        }

        #[test]
        fn more_audit_issues_never_lower_a_price(
            (c, w, n) in (0u32..5_000, 0u32..5_000, 0u32..5_000),
            (dc, dw, dn) in (0u32..500, 0u32..500, 0u32..500),
            band in any_band(), industry in any_industry(), tier in any_tier(),
        ) {
            let lo = prices(&run(&input(band, industry, tier, Some(audit(c, w, n)))));
            let hi = prices(&run(&input(band, industry, tier, Some(audit(c + dc, w + dw, n + dn)))));
            prop_assert!(lo.iter().zip(&hi).all(|(l, h)| h >= l), "{:?} {:?}", lo, hi);
        }

        #[test]
        fn the_same_input_gives_the_same_output(
            band in any_band(), industry in any_industry(), tier in any_tier(), audit in any_audit(),
        ) {
            let i = input(band, industry, tier, audit);
            prop_assert_eq!(run(&i), run(&i.clone()));
        }
    }
}
