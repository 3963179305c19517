//! Sales operations manager (task type `pipeline_review`): the pipeline by stage over the clients in the
//! caller's scope — counts, value and days in each stage, stage-to-stage conversion, a weighted forecast,
//! the win rate, stale deals and a pipeline health score with its breakdown.
//!
//! # Deal value
//!
//! `value = monthly_value` when it is above 0 (a signed or quoted retainer), otherwise the lead's
//! `lead_budget` (what the prospect said it could spend) when it is above 0, otherwise 0. Money sums
//! saturate at `i64::MAX` instead of overflowing.
//!
//! # Days in stage
//!
//! `days = max(0, now - stage_since)` in seconds / 86,400: a `stage_since` in the future counts as 0 days.
//! A stage's `mean_days_in_stage` is the mean over its deals, and 0 when it has none (its `count` says so).
//!
//! # Stage probabilities and the weighted forecast
//!
//! | stage | probability | why |
//! |---|---|---|
//! | prospect | 0.10 | a name on a list: most never reply |
//! | qualified | 0.25 | budget, need and timeline confirmed |
//! | proposal | 0.50 | a priced proposal is with the client |
//! | negotiation | 0.75 | only terms are left |
//! | won | 1.00 | signed |
//! | lost, churned | 0.00 | gone |
//!
//! These are the agency's planning defaults in the usual stage-weighted forecast, not measured rates; the
//! `conversions` below show the measured ones next to them. `weighted_value = value × probability` per
//! stage, and `weighted_forecast = Σ value × probability` over **open** deals only (prospect, qualified,
//! proposal, negotiation): won revenue is already booked, lost revenue never comes.
//!
//! # Conversion
//!
//! A deal's reach is the furthest forward stage it got to along prospect → qualified → proposal →
//! negotiation → won: the larger of its current stage and its `furthest_stage` (so inconsistent history
//! never undercounts). Won and churned count as having reached won (a churned client was signed first);
//! lost as a current stage says nothing about how far the deal got, so `furthest_stage` decides.
//! `reached(s)` = deals whose reach is `s` or beyond. For each forward step `from → to`:
//! `rate = reached(to) / reached(from)`, `None` when `reached(from)` is 0. Rates are fractions rounded to 3
//! decimals (0.1 %).
//!
//! # Win rate
//!
//! `win_rate = wins / (wins + losses)` where wins are deals in stage won or churned (the sale closed; churn
//! is a retention measure, see the client success manager) and losses are deals in stage lost; `None` when
//! nothing has closed. Rounded to 3 decimals.
//!
//! # Stale deals
//!
//! An open deal is stale when it has sat in its stage for more than 60 days: two 30-day benchmark periods
//! (see velocity) without moving. Listed longest first, then by company name and id.
//!
//! # Pipeline health (0..=100)
//!
//! | component | max | points |
//! |---|---|---|
//! | Conversion to won | 40 | `40 × min(1, win_rate / 0.5)`: full points when closed deals are won at least as often as lost (an agency target, not an industry statistic) |
//! | Velocity | 30 | mean days in stage over open deals `d`: 30 when `d <= 30`, then linear to 0 at `d >= 90` (`30 × (90 − d) / 60`); 30 days is the agency's benchmark for a stage, 90 is three benchmarks |
//! | Freshness | 30 | `30 × (open deals not stale) / (open deals)` |
//!
//! Missing inputs: with no closed deals, conversion to won is not scored; with no open deals, velocity and
//! freshness are not scored. The score is computed on what exists: `score = Σ points / Σ max of the scored
//! components × 100`, and the reasons say when it was rescaled. With no deals at all nothing can be scored:
//! the score is 0 and `missing` names every input. Scores and points are rounded to 1 decimal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{clamp, round, Breakdown, Component};
use crate::model::client::Stage;

/// The forward path a deal moves along; index = rank.
pub const FORWARD: [Stage; 5] = [Stage::Prospect, Stage::Qualified, Stage::Proposal, Stage::Negotiation, Stage::Won];
/// More days than this in one open stage make a deal stale (two 30-day benchmarks).
pub const STALE_AFTER_DAYS: f64 = 60.0;
/// Mean days in stage at or below which velocity gets full points.
pub const VELOCITY_BENCHMARK_DAYS: f64 = 30.0;
/// Mean days in stage at or above which velocity gets no points (three benchmarks).
pub const VELOCITY_ZERO_DAYS: f64 = 90.0;
/// Win rate that earns full conversion points.
pub const WIN_RATE_FULL: f64 = 0.5;

pub const CONVERSION_MAX: f64 = 40.0;
pub const VELOCITY_MAX: f64 = 30.0;
pub const FRESHNESS_MAX: f64 = 30.0;

/// One client in the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub client_id: Uuid,
    pub company_name: String,
    pub stage: Stage,
    /// Furthest stage reached along prospect → qualified → proposal → negotiation → won, from the stage
    /// history; for lost and churned deals it is where they got to.
    pub furthest_stage: Stage,
    pub monthly_value: i64,
    pub lead_budget: Option<i64>,
    /// When the deal entered its current stage.
    pub stage_since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub now: DateTime<Utc>,
    pub deals: Vec<Deal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRow {
    pub stage: Stage,
    pub count: u32,
    pub value: i64,
    pub mean_days_in_stage: f64,
    pub probability: f64,
    pub weighted_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    pub from: Stage,
    pub to: Stage,
    pub reached_from: u32,
    pub reached_to: u32,
    /// `reached_to / reached_from`; `None` when no deal reached `from`.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaleDeal {
    pub client_id: Uuid,
    pub company_name: String,
    pub stage: Stage,
    /// Whole days in the current stage.
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// Every stage, in pipeline order.
    pub stages: Vec<StageRow>,
    /// The four forward steps.
    pub conversions: Vec<Conversion>,
    pub weighted_forecast: f64,
    pub win_rate: Option<f64>,
    pub stale_deals: Vec<StaleDeal>,
    pub health: Breakdown,
    pub reasons: Vec<String>,
}

/// The documented probability that a deal in `stage` closes (see the module doc).
pub fn probability(stage: Stage) -> f64 {
    match stage {
        Stage::Prospect => 0.10,
        Stage::Qualified => 0.25,
        Stage::Proposal => 0.50,
        Stage::Negotiation => 0.75,
        Stage::Won => 1.0,
        Stage::Lost | Stage::Churned => 0.0,
    }
}

/// Prospect, qualified, proposal and negotiation: deals still to be decided.
pub fn is_open(stage: Stage) -> bool {
    matches!(stage, Stage::Prospect | Stage::Qualified | Stage::Proposal | Stage::Negotiation)
}

/// `monthly_value` if above 0, else `lead_budget` if above 0, else 0.
pub fn deal_value(deal: &Deal) -> i64 {
    if deal.monthly_value > 0 {
        deal.monthly_value
    } else {
        deal.lead_budget.unwrap_or(0).max(0)
    }
}

fn rank(stage: Stage) -> usize {
    match stage {
        Stage::Prospect | Stage::Lost => 0,
        Stage::Qualified => 1,
        Stage::Proposal => 2,
        Stage::Negotiation => 3,
        Stage::Won | Stage::Churned => 4,
    }
}

/// A deal's `furthest_stage` from its history: the furthest along prospect → qualified → proposal →
/// negotiation → won among its current stage and every stage its history moved it to. Lost and churned
/// are not a step forward there (they rank with prospect), so a history that ends lost or churned keeps the
/// stage reached before.
pub fn furthest_stage(current: Stage, history: &[Stage]) -> Stage {
    std::iter::once(current).chain(history.iter().copied()).max_by_key(|s| forward_rank(*s)).unwrap_or(current)
}

/// Position along the forward path for [`furthest_stage`]; lost and churned are 0.
fn forward_rank(s: Stage) -> u8 {
    match s {
        Stage::Prospect | Stage::Lost | Stage::Churned => 0,
        Stage::Qualified => 1,
        Stage::Proposal => 2,
        Stage::Negotiation => 3,
        Stage::Won => 4,
    }
}

/// Index in [`FORWARD`] of the furthest stage the deal reached (see "Conversion" in the module doc).
pub fn reach(deal: &Deal) -> usize {
    rank(deal.stage).max(rank(deal.furthest_stage))
}

fn seconds_in_stage(now: DateTime<Utc>, deal: &Deal) -> i64 {
    now.signed_duration_since(deal.stage_since).num_seconds().max(0)
}

fn days_in_stage(now: DateTime<Utc>, deal: &Deal) -> f64 {
    seconds_in_stage(now, deal) as f64 / 86_400.0
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn percent(x: f64) -> String {
    format!("{} %", round(x * 100.0, 1))
}

pub fn run(input: &Input) -> Output {
    let now = input.now;
    let deals = &input.deals;

    let stages: Vec<StageRow> = Stage::ALL
        .iter()
        .map(|&stage| {
            let in_stage: Vec<&Deal> = deals.iter().filter(|d| d.stage == stage).collect();
            let value = in_stage.iter().fold(0i64, |acc, d| acc.saturating_add(deal_value(d)));
            let mean_days = if in_stage.is_empty() {
                0.0
            } else {
                in_stage.iter().map(|d| days_in_stage(now, d)).sum::<f64>() / in_stage.len() as f64
            };
            StageRow {
                stage,
                count: count_u32(in_stage.len()),
                value,
                mean_days_in_stage: round(mean_days, 1),
                probability: probability(stage),
                weighted_value: round(value as f64 * probability(stage), 1),
            }
        })
        .collect();

    let reached = |i: usize| count_u32(deals.iter().filter(|d| reach(d) >= i).count());
    let conversions: Vec<Conversion> = (0..FORWARD.len() - 1)
        .map(|i| {
            let (reached_from, reached_to) = (reached(i), reached(i + 1));
            let rate = (reached_from > 0).then(|| round(f64::from(reached_to) / f64::from(reached_from), 3));
            Conversion { from: FORWARD[i], to: FORWARD[i + 1], reached_from, reached_to, rate }
        })
        .collect();

    let open: Vec<&Deal> = deals.iter().filter(|d| is_open(d.stage)).collect();
    let weighted_forecast = round(open.iter().map(|d| deal_value(d) as f64 * probability(d.stage)).sum::<f64>(), 1);

    let wins = deals.iter().filter(|d| matches!(d.stage, Stage::Won | Stage::Churned)).count();
    let losses = deals.iter().filter(|d| d.stage == Stage::Lost).count();
    let closed = wins + losses;
    let raw_win_rate = (closed > 0).then(|| wins as f64 / closed as f64);
    let win_rate = raw_win_rate.map(|r| round(r, 3));

    let mut stale: Vec<(&Deal, i64)> = open
        .iter()
        .map(|d| (*d, seconds_in_stage(now, d)))
        .filter(|&(_, secs)| secs as f64 / 86_400.0 > STALE_AFTER_DAYS)
        .collect();
    stale.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.company_name.cmp(&b.0.company_name))
            .then_with(|| a.0.client_id.cmp(&b.0.client_id))
    });
    let stale_deals: Vec<StaleDeal> = stale
        .iter()
        .map(|(d, secs)| StaleDeal {
            client_id: d.client_id,
            company_name: d.company_name.clone(),
            stage: d.stage,
            days: secs / 86_400,
        })
        .collect();

    let mut components = Vec::new();
    let mut missing = Vec::new();
    match raw_win_rate {
        Some(rate) => {
            let points = CONVERSION_MAX * clamp(rate / WIN_RATE_FULL, 0.0, 1.0);
            components.push(Component::new(
                "Conversion to won",
                round(points, 1),
                CONVERSION_MAX,
                format!(
                    "{wins} won of {closed} closed: win rate {}; full points at {} or more",
                    percent(rate),
                    percent(WIN_RATE_FULL)
                ),
            ));
        }
        None => missing.push("no closed deals (won or lost) yet: conversion to won not scored".to_string()),
    }
    if open.is_empty() {
        missing.push("no open deals: velocity and freshness not scored".to_string());
    } else {
        let mean = open.iter().map(|d| days_in_stage(now, d)).sum::<f64>() / open.len() as f64;
        let velocity = VELOCITY_MAX
            * clamp((VELOCITY_ZERO_DAYS - mean) / (VELOCITY_ZERO_DAYS - VELOCITY_BENCHMARK_DAYS), 0.0, 1.0);
        components.push(Component::new(
            "Velocity",
            round(velocity, 1),
            VELOCITY_MAX,
            format!(
                "open deals have spent {} days in their stage on average; full points at {VELOCITY_BENCHMARK_DAYS} \
                 days or less, none at {VELOCITY_ZERO_DAYS} or more",
                round(mean, 1)
            ),
        ));
        let fresh = open.len() - stale_deals.len();
        let freshness = FRESHNESS_MAX * fresh as f64 / open.len() as f64;
        components.push(Component::new(
            "Freshness",
            round(freshness, 1),
            FRESHNESS_MAX,
            format!("{fresh} of {} open deals moved within the last {STALE_AFTER_DAYS} days", open.len()),
        ));
    }
    let max: f64 = components.iter().map(|c| c.max).sum();
    let points: f64 = components.iter().map(|c| c.points).sum();
    let score = if max > 0.0 { round(clamp(points / max * 100.0, 0.0, 100.0), 1) } else { 0.0 };

    let mut reasons = vec![format!("{} deals: {} open, {wins} won or churned, {losses} lost", deals.len(), open.len())];
    reasons.push(format!("weighted forecast {weighted_forecast} per month from open deals"));
    if let Some(rate) = raw_win_rate {
        reasons.push(format!("win rate {}", percent(rate)));
    }
    if !stale_deals.is_empty() {
        reasons.push(format!("{} open deals sat over {STALE_AFTER_DAYS} days in their stage", stale_deals.len()));
    }
    if max == 0.0 {
        reasons.push("nothing to score: no deals in scope, so the health score is 0".to_string());
    } else if !missing.is_empty() {
        reasons.push(format!(
            "health scored on {points:.1} of {max} available points and rescaled to 0-100 because: {}",
            missing.join("; ")
        ));
    }

    Output {
        stages,
        conversions,
        weighted_forecast,
        win_rate,
        stale_deals,
        health: Breakdown { score, components, missing },
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn the_furthest_stage_is_the_furthest_forward_and_lost_or_churned_are_not_forward() {
        use Stage::*;
        assert_eq!(furthest_stage(Prospect, &[]), Prospect);
        assert_eq!(furthest_stage(Lost, &[Qualified, Proposal, Lost]), Proposal);
        assert_eq!(furthest_stage(Churned, &[Qualified, Won, Churned]), Won);
        assert_eq!(furthest_stage(Qualified, &[Negotiation]), Negotiation);
        assert_eq!(furthest_stage(Lost, &[]), Lost);
    }

    fn deal(n: u128, stage: Stage, furthest: Stage, value: i64, budget: Option<i64>, days: i64) -> Deal {
        Deal {
            client_id: Uuid::from_u128(n),
            company_name: format!("Company {n}"),
            stage,
            furthest_stage: furthest,
            monthly_value: value,
            lead_budget: budget,
            stage_since: now() - Duration::days(days),
        }
    }

    fn pipeline() -> Vec<Deal> {
        use Stage::*;
        vec![
            deal(1, Prospect, Prospect, 1000, None, 10),
            deal(2, Qualified, Qualified, 0, Some(2000), 20),
            deal(3, Proposal, Proposal, 4000, None, 70),
            deal(4, Negotiation, Negotiation, 3000, None, 40),
            deal(5, Won, Won, 5000, None, 100),
            deal(6, Lost, Proposal, 2000, None, 30),
            deal(7, Churned, Won, 1000, None, 200),
        ]
    }

    #[test]
    fn pipeline_review_of_a_mixed_pipeline() {
        let out = run(&Input { now: now(), deals: pipeline() });
        // 1000×0.10 + 2000×0.25 (lead budget, no retainer) + 4000×0.50 + 3000×0.75 = 100+500+2000+2250
        assert_eq!(out.weighted_forecast, 4850.0);
        // won + churned = 2, lost = 1: 2/3
        assert_eq!(out.win_rate, Some(0.667));
        let reached: Vec<(u32, u32)> = out.conversions.iter().map(|c| (c.reached_from, c.reached_to)).collect();
        // reach: 0,1,2,3,4,2 (lost at proposal),4 (churned) → ≥0: 7, ≥1: 6, ≥2: 5, ≥3: 3, ≥4: 2
        assert_eq!(reached, [(7, 6), (6, 5), (5, 3), (3, 2)]);
        let rates: Vec<Option<f64>> = out.conversions.iter().map(|c| c.rate).collect();
        // 6/7, 5/6, 3/5, 2/3
        assert_eq!(rates, [Some(0.857), Some(0.833), Some(0.6), Some(0.667)]);
        let proposal = &out.stages[2];
        assert_eq!((proposal.stage, proposal.count, proposal.value), (Stage::Proposal, 1, 4000));
        assert_eq!((proposal.mean_days_in_stage, proposal.weighted_value), (70.0, 2000.0));
        assert_eq!(out.stages.iter().map(|r| r.stage).collect::<Vec<_>>(), Stage::ALL);
        assert_eq!(out.stale_deals.len(), 1);
        assert_eq!((out.stale_deals[0].client_id, out.stale_deals[0].days), (Uuid::from_u128(3), 70));
        let points: Vec<f64> = out.health.components.iter().map(|c| c.points).collect();
        // conversion: 40 × min(1, 0.667/0.5) = 40; velocity: mean(10,20,70,40) = 35 → 30 × (90−35)/60 = 27.5;
        // freshness: 3 of 4 open deals fresh → 30 × 3/4 = 22.5
        assert_eq!(points, [40.0, 27.5, 22.5]);
        // 40 + 27.5 + 22.5 of 100
        assert_eq!(out.health.score, 90.0);
        assert!(out.health.missing.is_empty());
    }

    #[test]
    fn open_pipeline_without_closed_deals_is_rescaled_and_says_so() {
        use Stage::*;
        let deals = vec![deal(1, Prospect, Prospect, 100, None, 10), deal(2, Prospect, Prospect, 100, None, 100)];
        let out = run(&Input { now: now(), deals });
        // velocity: mean 55 days → 30 × (90−55)/60 = 17.5; freshness: 1 of 2 → 15; 32.5 of 60 → 54.17
        assert_eq!(out.health.score, 54.2);
        assert_eq!(out.health.missing.len(), 1);
        assert!(out.health.missing[0].contains("conversion"));
        assert!(out.reasons.iter().any(|r| r.contains("rescaled")));
        assert_eq!(out.win_rate, None);
        // the deal at 100 days is stale, the one at 10 is not
        assert_eq!(out.stale_deals.iter().map(|s| s.days).collect::<Vec<_>>(), [100]);
    }

    #[test]
    fn empty_scope_scores_nothing_and_names_what_is_missing() {
        let out = run(&Input { now: now(), deals: vec![] });
        assert_eq!(out.health.score, 0.0);
        assert!(out.health.components.is_empty());
        assert_eq!(out.health.missing.len(), 2);
        assert!(out.conversions.iter().all(|c| c.rate.is_none()));
        assert_eq!(out.weighted_forecast, 0.0);
        assert!(out.stages.iter().all(|r| r.count == 0 && r.mean_days_in_stage == 0.0));
    }

    #[test]
    fn stale_deals_are_listed_longest_first() {
        use Stage::*;
        let deals = vec![
            deal(1, Qualified, Qualified, 1, None, 61),
            deal(2, Negotiation, Negotiation, 1, None, 365),
            deal(3, Won, Won, 1, None, 500),
            deal(4, Proposal, Proposal, 1, None, 60),
        ];
        let out = run(&Input { now: now(), deals });
        // won deals are not open; exactly 60 days is not "more than 60"
        let ids: Vec<Uuid> = out.stale_deals.iter().map(|s| s.client_id).collect();
        assert_eq!(ids, [Uuid::from_u128(2), Uuid::from_u128(1)]);
    }

    #[test]
    fn absurd_values_saturate_instead_of_overflowing() {
        use Stage::*;
        let deals = vec![
            deal(1, Won, Won, i64::MAX, None, 1),
            deal(2, Won, Won, i64::MAX, None, 1),
            deal(3, Prospect, Prospect, i64::MIN, Some(i64::MIN), -5),
        ];
        let out = run(&Input { now: now(), deals });
        assert_eq!(out.stages[4].value, i64::MAX);
        // negative retainer and negative budget: value 0; a future stage_since counts as 0 days
        assert_eq!((out.stages[0].value, out.stages[0].mean_days_in_stage), (0, 0.0));
        assert!(out.health.score.is_finite());
    }

    fn stage() -> impl Strategy<Value = Stage> {
        prop::sample::select(Stage::ALL.to_vec())
    }

    fn money() -> impl Strategy<Value = i64> {
        prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(0), -1_000i64..1_000_000]
    }

    fn deals() -> impl Strategy<Value = Vec<Deal>> {
        prop::collection::vec(
            (stage(), stage(), money(), prop::option::of(money()), -100_000_000i64..100_000_000),
            0..20,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (stage, furthest, value, budget, secs))| Deal {
                    client_id: Uuid::from_u128(i as u128),
                    company_name: format!("c{i}"),
                    stage,
                    furthest_stage: furthest,
                    monthly_value: value,
                    lead_budget: budget,
                    stage_since: now() - Duration::seconds(secs),
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn health_and_rates_stay_in_bounds(deals in deals()) {
            let out = run(&Input { now: now(), deals });
            prop_assert!((0.0..=100.0).contains(&out.health.score));
            prop_assert!(out.weighted_forecast.is_finite() && out.weighted_forecast >= 0.0);
            for c in &out.conversions {
                prop_assert!(c.reached_to <= c.reached_from);
                if let Some(r) = c.rate { prop_assert!((0.0..=1.0).contains(&r)); }
            }
            if let Some(r) = out.win_rate { prop_assert!((0.0..=1.0).contains(&r)); }
            for c in &out.health.components { prop_assert!(c.points >= 0.0 && c.points <= c.max); }
            for r in &out.stages { prop_assert!(r.mean_days_in_stage.is_finite() && r.weighted_value.is_finite()); }
        }

        #[test]
        fn moving_a_deal_further_never_lowers_reached_counts(
            deals in deals().prop_filter("need a deal", |d| !d.is_empty()),
            pick in any::<prop::sample::Index>(),
            step in 0usize..5,
        ) {
            let before = run(&Input { now: now(), deals: deals.clone() });
            let mut moved = deals;
            let i = pick.index(moved.len());
            let to = FORWARD[reach(&moved[i]).max(step)];
            moved[i].stage = to;
            moved[i].furthest_stage = to;
            let after = run(&Input { now: now(), deals: moved });
            for (b, a) in before.conversions.iter().zip(&after.conversions) {
                prop_assert!(a.reached_from >= b.reached_from && a.reached_to >= b.reached_to);
            }
        }

        #[test]
        fn adding_value_to_an_open_deal_never_lowers_the_forecast(
            deals in deals().prop_filter("need an open deal", |d| d.iter().any(|d| is_open(d.stage))),
            pick in any::<prop::sample::Index>(),
            extra in 0i64..1_000_000_000,
        ) {
            let before = run(&Input { now: now(), deals: deals.clone() });
            let mut more = deals;
            let open: Vec<usize> = (0..more.len()).filter(|&i| is_open(more[i].stage)).collect();
            let d = &mut more[open[pick.index(open.len())]];
            // The deal's value is its retainer when there is one, else its lead budget: raise that one.
            if d.monthly_value > 0 {
                d.monthly_value = d.monthly_value.saturating_add(extra);
            } else {
                d.lead_budget = Some(d.lead_budget.unwrap_or(0).max(0).saturating_add(extra));
            }
            let after = run(&Input { now: now(), deals: more });
            prop_assert!(after.weighted_forecast >= before.weighted_forecast);
        }

        #[test]
        fn same_input_same_output(deals in deals()) {
            let input = Input { now: now(), deals };
            prop_assert_eq!(run(&input), run(&input.clone()));
        }
    }
}
