//! Business development director (task type `client_analysis`): runs on every new client and sizes the
//! opportunity. It scores how big and how promising the company is as an SEO buyer, puts it in a deal-size
//! band, sets a sales priority and picks the approach.
//!
//! # Enterprise score (0..=100)
//!
//! Four components; their points add up to at most 100:
//!
//! | component | max | formula |
//! |---|---|---|
//! | Revenue | 40 | `40 × clamp(log10(revenue / 100,000) / 3, 0, 1)`: 100,000 a year or less → 0, 1 M → 13.3, 10 M → 26.7, 100 M or more → 40 |
//! | Employees | 30 | `30 × clamp(log10(employees / 10) / 3, 0, 1)`: 10 or fewer → 0, 100 → 10, 1,000 → 20, 10,000 or more → 30 |
//! | Industry | 15 | SEO spend propensity per industry, table below |
//! | Market | 15 | country tier, table below |
//!
//! Log scales because company size spans six orders of magnitude and a retainer grows with it far more
//! slowly than linearly: going from 1 M to 10 M revenue matters as much as from 10 M to 100 M. The scales
//! start where a company can afford a retainer at all (100,000 revenue, 10 people) and saturate where any
//! bigger company is simply "enterprise" to an agency (100 M revenue, 10,000 people). Zero, negative or
//! absurd figures are clamped into the scale, never rejected.
//!
//! **Missing inputs.** A missing revenue, employee count or country (blank) drops its component and is
//! named in `missing`; the score is then `100 × points / (sum of the max of the components that exist)`,
//! i.e. the present components are rescaled to the full 0..=100 range. Industry always exists (unknown
//! industries are `Other`). A country code that is given but not an ISO 3166-1 alpha-2 code is not missing:
//! it scores the lowest tier and the reason says the code was not recognised.
//!
//! ## Industry: SEO spend propensity (max 15)
//!
//! How directly organic search turns into revenue in the sector, and how expensive the alternative (paid
//! search) is there. An editorial ranking by the agency, not fitted to data; change it here together with
//! the tests.
//!
//! | industry | points | why |
//! |---|---|---|
//! | E-commerce | 15 | every product search is a sale; organic traffic is revenue |
//! | SaaS and software | 14 | buyers research online; content and comparison searches drive sign-ups |
//! | Finance and insurance | 13 | some of the most expensive paid clicks; organic rankings pay back fast |
//! | Legal services | 13 | very expensive paid clicks and high-value clients per lead |
//! | Real estate | 12 | listing and local searches drive enquiries |
//! | Travel and hospitality | 12 | bookings start in search; strong seasonal demand |
//! | Healthcare | 11 | strong search demand, but strict content rules slow the work |
//! | Education | 10 | course and admission searches; budgets vary widely |
//! | Automotive | 10 | dealer and parts searches; often local |
//! | Local services | 9 | local search matters but budgets are small |
//! | Media and publishing | 9 | traffic is the product, but margins per visit are thin |
//! | Manufacturing | 7 | long B2B cycles; few buyers find suppliers through search alone |
//! | Other | 6 | unknown sector: below average until we know more |
//! | Non-profit | 4 | small marketing budgets |
//!
//! ## Market: country tiers (max 15)
//!
//! Grouped by the agency's judgment of digital-marketing budgets, not fitted to data:
//!
//! - **Tier A, 15 points** — high-income markets with mature search advertising: AT, AU, BE, CA, CH, DE, DK,
//!   FI, FR, GB, IE, JP, KR, LU, NL, NO, NZ, SE, SG, US.
//! - **Tier B, 10 points** — large or upper-middle-income markets with growing search budgets: AE, AR, BG,
//!   BR, CL, CN, CO, CY, CZ, EE, ES, GR, HK, HR, HU, ID, IL, IN, IS, IT, KZ, LT, LV, MT, MX, MY, PL, PT, QA,
//!   RO, RU, SA, SI, SK, TH, TR, TW, UA, VN, ZA.
//! - **Tier C, 6 points** — every other ISO 3166-1 alpha-2 country, and any code we don't recognise (a
//!   low tier rather than zero: a typo must not sink a lead).
//!
//! The code is compared after trimming and upper-casing.
//!
//! # Size band
//!
//! From the rounded score: **SMB** below 50, **mid-market** 50 up to 75, **enterprise** 75 and above.
//! Calibrated on anchor companies in an average industry (11 points) and a tier-A market (15 points):
//! 20 people and 2 M revenue score 46.4 (SMB); 100 people and 10 M score 62.7 (mid-market); 500 people and
//! 50 M score 79 (enterprise).
//!
//! When neither revenue nor employees is known the band is at most **SMB**: industry and market alone say
//! nothing about deal size, and the rescaled score of those two would otherwise read as "enterprise". The
//! reasons say so, and the approach asks for the figures.
//!
//! # Priority
//!
//! - **High** — enterprise band, or mid-market band in an industry with propensity 12 or more (e-commerce,
//!   SaaS, finance, legal, real estate, travel): a deal big enough to be worth a senior seller's time now.
//! - **Low** — SMB band in an industry with propensity below 10 (local services, media, manufacturing,
//!   other, non-profit): small deal, unlikely buyer.
//! - **Medium** — everything else.
//!
//! # Recommended approach
//!
//! One fixed text per band (see [`SizeBand::approach`]) with concrete next steps; when revenue or
//! employees are missing, a sentence asking for them is appended.

use serde::{Deserialize, Serialize};

use super::{clamp, round, Breakdown, Component};
use crate::model::client::{Client, Industry};
use crate::model::country::country_name;

pub const REVENUE_MAX_POINTS: f64 = 40.0;
pub const EMPLOYEES_MAX_POINTS: f64 = 30.0;
pub const INDUSTRY_MAX_POINTS: f64 = 15.0;
pub const MARKET_MAX_POINTS: f64 = 15.0;

/// Revenue at or below this scores 0; each factor of ten above it adds a third of the revenue points.
const REVENUE_FLOOR: f64 = 100_000.0;
/// Headcount at or below this scores 0; each factor of ten above it adds a third of the employee points.
const EMPLOYEES_FLOOR: f64 = 10.0;
/// Orders of magnitude from floor to full points (100,000 → 100 M; 10 → 10,000).
const DECADES: f64 = 3.0;

/// Band thresholds on the rounded score; see the module docs for the anchor companies.
pub const MID_MARKET_FROM: f64 = 50.0;
pub const ENTERPRISE_FROM: f64 = 75.0;

/// Industry points at or above which a mid-market company is high priority.
const HIGH_PROPENSITY: f64 = 12.0;
/// Industry points below which an SMB is low priority.
const LOW_PROPENSITY: f64 = 10.0;

const TIER_A: [&str; 20] = [
    "AT", "AU", "BE", "CA", "CH", "DE", "DK", "FI", "FR", "GB", "IE", "JP", "KR", "LU", "NL", "NO", "NZ", "SE", "SG",
    "US",
];
const TIER_B: [&str; 40] = [
    "AE", "AR", "BG", "BR", "CL", "CN", "CO", "CY", "CZ", "EE", "ES", "GR", "HK", "HR", "HU", "ID", "IL", "IN", "IS",
    "IT", "KZ", "LT", "LV", "MT", "MX", "MY", "PL", "PT", "QA", "RO", "RU", "SA", "SI", "SK", "TH", "TR", "TW", "UA",
    "VN", "ZA",
];
const TIER_A_POINTS: f64 = 15.0;
const TIER_B_POINTS: f64 = 10.0;
const TIER_C_POINTS: f64 = 6.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub company_name: String,
    pub industry: Industry,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    pub annual_revenue: Option<i64>,
    pub employee_count: Option<i32>,
}

impl Input {
    /// The client as the director sizes it.
    pub fn of(c: &Client) -> Input {
        Input {
            company_name: c.company_name.clone(),
            industry: c.industry,
            country: c.country.clone(),
            annual_revenue: c.annual_revenue,
            employee_count: c.employee_count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The enterprise score and its components.
    pub breakdown: Breakdown,
    pub band: SizeBand,
    pub priority: Priority,
    pub recommended_approach: String,
    pub reasons: Vec<String>,
}

/// Deal-size band, from the enterprise score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeBand {
    Smb,
    MidMarket,
    Enterprise,
}

impl SizeBand {
    pub const ALL: [SizeBand; 3] = [SizeBand::Smb, SizeBand::MidMarket, SizeBand::Enterprise];

    pub fn label(self) -> &'static str {
        match self {
            SizeBand::Smb => "SMB",
            SizeBand::MidMarket => "Mid-market",
            SizeBand::Enterprise => "Enterprise",
        }
    }

    /// The band of a (rounded) enterprise score: below 50 SMB, below 75 mid-market, else enterprise.
    pub fn from_score(score: f64) -> SizeBand {
        if score >= ENTERPRISE_FROM {
            SizeBand::Enterprise
        } else if score >= MID_MARKET_FROM {
            SizeBand::MidMarket
        } else {
            SizeBand::Smb
        }
    }

    /// How to sell to a company of this band, as concrete next steps.
    pub fn approach(self) -> &'static str {
        match self {
            SizeBand::Enterprise => {
                "Enterprise approach: the business development director leads with a senior strategist. Ask for \
                 read access to Search Console and analytics (offer an NDA), run the full technical audit and a \
                 comparison with their top three competitors before the first meeting, and bring a 12-month \
                 roadmap with a Premium proposal. Expect procurement and a security review; plan for a 2-3 month \
                 sales cycle."
            }
            SizeBand::MidMarket => {
                "Mid-market approach: book a 45-minute discovery call with the marketing lead. Run the technical \
                 audit beforehand and open with its three most serious findings, then send a Growth proposal \
                 within a week of the call."
            }
            SizeBand::Smb => {
                "SMB approach: send the free technical audit summary with the three most urgent fixes and offer \
                 the Essentials package on a 6-month term. Keep the cycle short: one call and one follow-up email."
            }
        }
    }
}

/// How soon sales should work this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl Priority {
    pub fn label(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Medium => "Medium",
            Priority::High => "High",
        }
    }
}

/// SEO spend propensity of an industry (0..=15) and why; see the table in the module docs.
pub fn industry_points(industry: Industry) -> (f64, &'static str) {
    match industry {
        Industry::Ecommerce => (15.0, "every product search is a sale; organic traffic is revenue"),
        Industry::Saas => (14.0, "buyers research online; content and comparison searches drive sign-ups"),
        Industry::Finance => (13.0, "some of the most expensive paid clicks; organic rankings pay back fast"),
        Industry::Legal => (13.0, "very expensive paid clicks and high-value clients per lead"),
        Industry::RealEstate => (12.0, "listing and local searches drive enquiries"),
        Industry::Travel => (12.0, "bookings start in search; strong seasonal demand"),
        Industry::Healthcare => (11.0, "strong search demand, but strict content rules slow the work"),
        Industry::Education => (10.0, "course and admission searches; budgets vary widely"),
        Industry::Automotive => (10.0, "dealer and parts searches; often local"),
        Industry::LocalServices => (9.0, "local search matters but budgets are small"),
        Industry::Media => (9.0, "traffic is the product, but margins per visit are thin"),
        Industry::Manufacturing => (7.0, "long B2B cycles; few buyers find suppliers through search alone"),
        Industry::Other => (6.0, "unknown sector: below average until we know more"),
        Industry::Nonprofit => (4.0, "small marketing budgets"),
    }
}

/// Formats a whole number with thousands separators: `12345678` → `12,345,678`.
pub(crate) fn thousands(n: i64) -> String {
    // ASCII digits, at least one: the slicing below is on char boundaries and in range.
    let digits = n.unsigned_abs().to_string();
    let head = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    out.push_str(&digits[..head]);
    for group in digits.as_bytes()[head..].chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|&b| char::from(b)));
    }
    out
}

/// `max × clamp(log10(value / floor) / 3, 0, 1)`; zero and negative values give 0 (log10 is -inf or NaN,
/// both clamped to 0).
fn log_points(value: f64, floor: f64, max: f64) -> f64 {
    max * clamp((value / floor).log10() / DECADES, 0.0, 1.0)
}

fn revenue_component(revenue: i64) -> Component {
    let points = log_points(revenue as f64, REVENUE_FLOOR, REVENUE_MAX_POINTS);
    let shown = thousands(revenue);
    let reason = if points <= 0.0 {
        format!("annual revenue {shown} is at or below 100,000, where the scale starts: 0 of 40")
    } else if points >= REVENUE_MAX_POINTS {
        format!("annual revenue {shown} is at or above 100,000,000: the full 40")
    } else {
        format!("annual revenue {shown}: 40 × log10({shown} / 100,000) / 3 = {points:.1} of 40")
    };
    Component::new("Revenue", round(points, 1), REVENUE_MAX_POINTS, reason)
}

fn employees_component(employees: i32) -> Component {
    let points = log_points(f64::from(employees), EMPLOYEES_FLOOR, EMPLOYEES_MAX_POINTS);
    let shown = thousands(i64::from(employees));
    let reason = if points <= 0.0 {
        format!("{shown} employees is at or below 10, where the scale starts: 0 of 30")
    } else if points >= EMPLOYEES_MAX_POINTS {
        format!("{shown} employees is at or above 10,000: the full 30")
    } else {
        format!("{shown} employees: 30 × log10({shown} / 10) / 3 = {points:.1} of 30")
    };
    Component::new("Employees", round(points, 1), EMPLOYEES_MAX_POINTS, reason)
}

fn market_component(code: &str) -> Component {
    let (points, reason) = if TIER_A.contains(&code) {
        (TIER_A_POINTS, format!("{code} is a tier-A market (high income, mature search advertising): 15 of 15"))
    } else if TIER_B.contains(&code) {
        (TIER_B_POINTS, format!("{code} is a tier-B market (large or growing search budgets): 10 of 15"))
    } else if country_name(code).is_some() {
        (TIER_C_POINTS, format!("{code} is a tier-C market: 6 of 15"))
    } else {
        (TIER_C_POINTS, format!("country code {code:?} is not recognised, so it scores the lowest tier (C): 6 of 15"))
    };
    Component::new("Market", points, MARKET_MAX_POINTS, reason)
}

pub fn run(input: &Input) -> Output {
    let mut components = Vec::new();
    let mut missing = Vec::new();
    // Unrounded points, so rounding each component for display does not move the score.
    let mut points = 0.0;
    let mut present_max = 0.0;

    match input.annual_revenue {
        Some(revenue) => {
            points += log_points(revenue as f64, REVENUE_FLOOR, REVENUE_MAX_POINTS);
            present_max += REVENUE_MAX_POINTS;
            components.push(revenue_component(revenue));
        }
        None => missing.push("annual revenue".to_string()),
    }
    match input.employee_count {
        Some(employees) => {
            points += log_points(f64::from(employees), EMPLOYEES_FLOOR, EMPLOYEES_MAX_POINTS);
            present_max += EMPLOYEES_MAX_POINTS;
            components.push(employees_component(employees));
        }
        None => missing.push("employee count".to_string()),
    }
    let (industry, why) = industry_points(input.industry);
    points += industry;
    present_max += INDUSTRY_MAX_POINTS;
    components.push(Component::new(
        "Industry",
        industry,
        INDUSTRY_MAX_POINTS,
        format!("{}: {why}: {industry} of 15", input.industry.label()),
    ));
    let code = input.country.trim().to_ascii_uppercase();
    if code.is_empty() {
        missing.push("country".to_string());
    } else {
        let market = market_component(&code);
        points += market.points;
        present_max += MARKET_MAX_POINTS;
        components.push(market);
    }

    // Industry always exists, so present_max >= 15.
    let score = round(clamp(100.0 * points / present_max, 0.0, 100.0), 1);
    let mut reasons: Vec<String> = components.iter().map(|c| format!("{}: {}", c.name, c.reason)).collect();
    if !missing.is_empty() {
        reasons.push(format!(
            "missing: {}; the score {score} is {:.1} points out of the {present_max} that the known inputs can give, \
             rescaled to 0-100",
            missing.join(", "),
            points
        ));
    }

    let size_known = input.annual_revenue.is_some() || input.employee_count.is_some();
    let by_score = SizeBand::from_score(score);
    let band = if size_known { by_score } else { SizeBand::Smb };
    if band == by_score {
        reasons.push(format!(
            "band {}: score {score} ({})",
            band.label(),
            match band {
                SizeBand::Smb => "below 50",
                SizeBand::MidMarket => "50 up to 75",
                SizeBand::Enterprise => "75 or more",
            }
        ));
    } else {
        reasons.push(format!(
            "band SMB: neither revenue nor employees is known, so the band is held at SMB although the score \
             {score} would read {}",
            by_score.label()
        ));
    }

    let priority = match band {
        SizeBand::Enterprise => Priority::High,
        SizeBand::MidMarket if industry >= HIGH_PROPENSITY => Priority::High,
        SizeBand::Smb if industry < LOW_PROPENSITY => Priority::Low,
        _ => Priority::Medium,
    };
    reasons.push(format!(
        "priority {}: {}",
        priority.label(),
        match (priority, band) {
            (Priority::High, SizeBand::Enterprise) => "enterprise band".to_string(),
            (Priority::High, _) => format!("mid-market band in an industry with propensity {industry} (12 or more)"),
            (Priority::Low, _) => format!("SMB band in an industry with propensity {industry} (below 10)"),
            (Priority::Medium, _) => format!("{} band with industry propensity {industry}", band.label()),
        }
    ));

    let mut recommended_approach = band.approach().to_string();
    if !size_known {
        recommended_approach
            .push_str(" Before pricing, ask for annual revenue and headcount: without them the band is a guess.");
    } else if input.annual_revenue.is_none() || input.employee_count.is_none() {
        recommended_approach.push_str(&format!(
            " Before pricing, ask for the {}: the band rests on partial data.",
            if input.annual_revenue.is_none() { "annual revenue" } else { "headcount" }
        ));
    }

    Output { breakdown: Breakdown { score, components, missing }, band, priority, recommended_approach, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(revenue: Option<i64>, employees: Option<i32>, industry: Industry, country: &str) -> Input {
        Input {
            company_name: "Acme".into(),
            industry,
            country: country.into(),
            annual_revenue: revenue,
            employee_count: employees,
        }
    }

    fn points(out: &Output, name: &str) -> Option<f64> {
        out.breakdown.components.iter().find(|c| c.name == name).map(|c| c.points)
    }

    #[test]
    fn mid_sized_saas_in_the_us_is_mid_market_and_high_priority() {
        let out = run(&input(Some(10_000_000), Some(100), Industry::Saas, "us"));
        // revenue 40 × log10(100) / 3 = 26.667; employees 30 × log10(10) / 3 = 10; SaaS 14; US 15
        // 26.667 + 10 + 14 + 15 = 65.667 → 65.7
        assert_eq!(out.breakdown.score, 65.7);
        assert_eq!(points(&out, "Revenue"), Some(26.7));
        assert_eq!(points(&out, "Employees"), Some(10.0));
        assert_eq!(out.band, SizeBand::MidMarket);
        // mid-market and SaaS propensity 14 >= 12
        assert_eq!(out.priority, Priority::High);
        assert!(out.breakdown.missing.is_empty());
        assert!(out.recommended_approach.starts_with("Mid-market approach"));
    }

    #[test]
    fn anchor_companies_land_in_the_documented_bands() {
        // healthcare (11) in Germany (15): 26 points of industry and market
        // 20 people, 2 M: 40 × log10(20) / 3 = 17.35; 30 × log10(2) / 3 = 3.01; 17.35 + 3.01 + 26 = 46.36
        let small = run(&input(Some(2_000_000), Some(20), Industry::Healthcare, "DE"));
        assert_eq!(small.breakdown.score, 46.4);
        assert_eq!(small.band, SizeBand::Smb);
        // 100 people, 10 M: 26.67 + 10 + 26 = 62.67
        let mid = run(&input(Some(10_000_000), Some(100), Industry::Healthcare, "DE"));
        assert_eq!(mid.breakdown.score, 62.7);
        assert_eq!(mid.band, SizeBand::MidMarket);
        // 500 people, 50 M: 40 × log10(500) / 3 = 35.99; 30 × log10(50) / 3 = 16.99; 35.99 + 16.99 + 26 = 78.98
        let big = run(&input(Some(50_000_000), Some(500), Industry::Healthcare, "DE"));
        assert_eq!(big.breakdown.score, 79.0);
        assert_eq!(big.band, SizeBand::Enterprise);
        assert_eq!(big.priority, Priority::High);
    }

    #[test]
    fn missing_employees_are_named_and_the_rest_rescaled() {
        let out = run(&input(Some(1_000_000), None, Industry::Ecommerce, "GB"));
        // revenue 40 × log10(10) / 3 = 13.333; e-commerce 15; GB 15 → 43.333 of 70 → 61.9
        assert_eq!(out.breakdown.score, 61.9);
        assert_eq!(out.breakdown.missing, vec!["employee count".to_string()]);
        assert!(points(&out, "Employees").is_none());
        assert!(out.reasons.iter().any(|r| r.contains("rescaled")));
        assert!(out.recommended_approach.contains("headcount"));
    }

    #[test]
    fn without_any_size_figure_the_band_stays_smb() {
        let out = run(&input(None, None, Industry::Ecommerce, "US"));
        // 15 + 15 of 30 → 100, which alone would read Enterprise
        assert_eq!(out.breakdown.score, 100.0);
        assert_eq!(out.band, SizeBand::Smb);
        assert_eq!(out.breakdown.missing, vec!["annual revenue".to_string(), "employee count".to_string()]);
        assert!(out.recommended_approach.contains("ask for annual revenue and headcount"));
    }

    #[test]
    fn unknown_country_scores_the_lowest_tier_and_blank_is_missing() {
        let unknown = run(&input(Some(100_000), Some(10), Industry::Other, "Narnia"));
        // revenue 0, employees 0, other 6, unknown country 6 → 12
        assert_eq!(unknown.breakdown.score, 12.0);
        assert_eq!(points(&unknown, "Market"), Some(6.0));
        assert!(unknown.breakdown.missing.is_empty());
        // tier C proper: Kenya
        assert_eq!(points(&run(&input(None, None, Industry::Other, "KE")), "Market"), Some(6.0));
        // tier B: Brazil
        assert_eq!(points(&run(&input(None, None, Industry::Other, "br")), "Market"), Some(10.0));
        let blank = run(&input(Some(100_000), Some(10), Industry::Other, "  "));
        // 0 + 0 + 6 of 85 → 7.06
        assert_eq!(blank.breakdown.score, 7.1);
        assert_eq!(blank.breakdown.missing, vec!["country".to_string()]);
        // SMB and other (6 < 10)
        assert_eq!(blank.priority, Priority::Low);
    }

    #[test]
    fn absurd_figures_are_clamped() {
        let huge = run(&input(Some(i64::MAX), Some(i32::MAX), Industry::Ecommerce, "US"));
        assert_eq!(huge.breakdown.score, 100.0);
        let negative = run(&input(Some(i64::MIN), Some(i32::MIN), Industry::Nonprofit, "US"));
        // 0 + 0 + 4 + 15 = 19
        assert_eq!(negative.breakdown.score, 19.0);
        assert_eq!(points(&negative, "Revenue"), Some(0.0));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(-12_345_678), "-12,345,678");
        assert_eq!(thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }

    fn any_industry() -> impl Strategy<Value = Industry> {
        prop::sample::select(Industry::ALL.to_vec())
    }

    fn any_country() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["US", "de", "BR", "KE", "", "ZZ", "Narnia"]).prop_map(String::from)
    }

    proptest! {
        #[test]
        fn score_is_within_0_and_100(
            revenue in proptest::option::of(any::<i64>()),
            employees in proptest::option::of(any::<i32>()),
            industry in any_industry(),
            country in any_country(),
        ) {
            let out = run(&input(revenue, employees, industry, &country));
            prop_assert!((0.0..=100.0).contains(&out.breakdown.score));
            prop_assert_eq!(out.band > SizeBand::Smb, out.breakdown.score >= 50.0 && (revenue.is_some() || employees.is_some()));
        }

        #[test]
        fn more_revenue_never_lowers_the_score(
            a in any::<i64>(), b in any::<i64>(),
            employees in proptest::option::of(any::<i32>()),
            industry in any_industry(), country in any_country(),
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let low = run(&input(Some(lo), employees, industry, &country));
            let high = run(&input(Some(hi), employees, industry, &country));
            prop_assert!(high.breakdown.score >= low.breakdown.score);
            prop_assert!(high.band >= low.band);
        }

        #[test]
        fn more_employees_never_lower_the_score(
            a in any::<i32>(), b in any::<i32>(),
            revenue in proptest::option::of(any::<i64>()),
            industry in any_industry(), country in any_country(),
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let low = run(&input(revenue, Some(lo), industry, &country));
            let high = run(&input(revenue, Some(hi), industry, &country));
            prop_assert!(high.breakdown.score >= low.breakdown.score);
        }

        #[test]
        fn the_same_input_gives_the_same_output(
            revenue in proptest::option::of(any::<i64>()),
            employees in proptest::option::of(any::<i32>()),
            industry in any_industry(), country in any_country(),
        ) {
            let i = input(revenue, employees, industry, &country);
            prop_assert_eq!(run(&i), run(&i.clone()));
        }
    }
}
