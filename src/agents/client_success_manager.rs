//! Client success manager (task type `client_health`): the health and churn risk of one client from real
//! data — its campaigns, the last 30 days of agent tasks, its audit scores and its last recorded activity —
//! with alerts for the things an account manager should act on.
//!
//! `today` is `now`'s UTC date. Every component below is scored only when its input exists.
//!
//! # Health (0..=100)
//!
//! | component | max | points | missing when |
//! |---|---|---|---|
//! | Campaign standing | 20 | `20 × (active + completed) / (active + completed + paused + cancelled)`; drafts have not started and are left out | no campaign has started |
//! | Campaign schedule | 10 | `10 × mean(on_time)` over active campaigns with an end date: `on_time = 1` while `today <= end_date`, then `1 − days_overdue / 30` down to 0 (a month overdue scores nothing); the reason gives the mean share of their time elapsed | no active campaign has an end date |
//! | Task reliability | 30 | `30 × completed / (completed + failed)` over the last 30 days | no task completed or failed |
//! | Audit score | 15 | `15 × last / 100`, the latest audit's health score clamped to 0..=100 | no audit |
//! | Audit trend | 5 | `5 × clamp((delta + 10) / 20, 0, 1)`, `delta = last − previous`: a drop of 10 points or more scores 0, no change 2.5, a rise of 10 or more 5 | fewer than two audits |
//! | Activity recency | 20 | `d` = days since `last_activity` (a future time counts as 0): 20 for `d <= 7` (a weekly touch is the agency's service standard), then `20 × (60 − d) / 53` down to 0 at 60 days (two monthly reports missed) | no activity recorded |
//!
//! Audit scores are sorted by time (the input should be oldest first already); non-finite scores are not
//! measurements and are left out. `health = Σ points / Σ max of scored components × 100`; when components
//! are missing the score is rescaled to 0..=100 over what exists and the reasons say so. With nothing to
//! score the health is 0 and `missing` names every input: a client with no campaign, no task, no audit and
//! no activity has nobody working on it. Points and scores are rounded to 1 decimal.
//!
//! # Alerts
//!
//! | alert | severity |
//! |---|---|
//! | no activity for 30 days or more (a monthly report missed) | warning; critical at 60 days or more |
//! | no activity recorded at all | warning |
//! | task failure rate `failed / (completed + failed)` above 25 % (one task in four) | warning; critical above 50 % |
//! | latest audit score more than 10 points below the previous | warning; critical more than 20 below |
//! | an active campaign past its end date | warning, one per campaign |
//! | no audit yet | info |
//! | no campaign started | info |
//!
//! # Churn risk (0..=100)
//!
//! `churn_risk = clamp(100 − health + 10 × critical alerts + 5 × warning alerts, 0, 100)`: alerts add risk
//! on top of the score because they mark things getting worse now. A client in stage lost or churned has
//! already gone: risk 100. Bands: low below 30, medium 30 to below 60, high 60 and above (health 70 with no
//! alerts is the agency's "healthy" line; below 40 most components are failing).
//!
//! `monthly_value_at_risk` = the client's monthly value (negative read as 0) when the band is high, else 0:
//! the retainer the agency stands to lose this month if nothing changes.

pub mod reply;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{clamp, round, Breakdown, Component};
use crate::model::campaign::CampaignStatus;
use crate::model::client::Stage;

pub const STANDING_MAX: f64 = 20.0;
pub const SCHEDULE_MAX: f64 = 10.0;
pub const RELIABILITY_MAX: f64 = 30.0;
pub const AUDIT_SCORE_MAX: f64 = 15.0;
pub const AUDIT_TREND_MAX: f64 = 5.0;
pub const RECENCY_MAX: f64 = 20.0;

/// Days overdue at which a campaign's schedule scores nothing.
pub const OVERDUE_ZERO_DAYS: f64 = 30.0;
/// Audit delta (points) at which the trend scores nothing (−) or full (+).
pub const AUDIT_DELTA_SPAN: f64 = 10.0;
/// Activity within this many days earns full recency points.
pub const RECENCY_FULL_DAYS: f64 = 7.0;
/// Activity this many days ago or more earns no recency points.
pub const RECENCY_ZERO_DAYS: f64 = 60.0;
pub const QUIET_WARNING_DAYS: f64 = 30.0;
pub const QUIET_CRITICAL_DAYS: f64 = 60.0;
pub const FAILURE_WARNING: f64 = 0.25;
pub const FAILURE_CRITICAL: f64 = 0.50;
pub const AUDIT_DROP_WARNING: f64 = 10.0;
pub const AUDIT_DROP_CRITICAL: f64 = 20.0;
pub const RISK_MEDIUM_FROM: f64 = 30.0;
pub const RISK_HIGH_FROM: f64 = 60.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignProgress {
    pub name: String,
    pub status: CampaignStatus,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub now: DateTime<Utc>,
    pub company_name: String,
    pub stage: Stage,
    pub monthly_value: i64,
    pub client_since: DateTime<Utc>,
    pub campaigns: Vec<CampaignProgress>,
    pub tasks_completed_30d: u32,
    pub tasks_failed_30d: u32,
    /// Audit health scores, oldest first.
    pub audit_scores: Vec<(DateTime<Utc>, f64)>,
    pub last_activity: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskBand {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub health: Breakdown,
    pub churn_risk: f64,
    pub risk: RiskBand,
    pub alerts: Vec<Alert>,
    pub monthly_value_at_risk: i64,
    pub reasons: Vec<String>,
}

/// The band for a churn risk (see the module doc).
pub fn risk_band(churn_risk: f64) -> RiskBand {
    if churn_risk >= RISK_HIGH_FROM {
        RiskBand::High
    } else if churn_risk >= RISK_MEDIUM_FROM {
        RiskBand::Medium
    } else {
        RiskBand::Low
    }
}

/// Recency points for `days` since the last activity.
pub fn recency_points(days: f64) -> f64 {
    let days = clamp(days, 0.0, f64::MAX);
    if days <= RECENCY_FULL_DAYS {
        RECENCY_MAX
    } else {
        RECENCY_MAX * clamp((RECENCY_ZERO_DAYS - days) / (RECENCY_ZERO_DAYS - RECENCY_FULL_DAYS), 0.0, 1.0)
    }
}

fn days_between(later: DateTime<Utc>, earlier: DateTime<Utc>) -> f64 {
    later.signed_duration_since(earlier).num_seconds().max(0) as f64 / 86_400.0
}

fn percent(x: f64) -> String {
    format!("{} %", round(x * 100.0, 1))
}

/// Critical above `critical`, a warning above `warning`, nothing otherwise.
fn severity_above(value: f64, critical: f64, warning: f64) -> Option<Severity> {
    if value > critical {
        Some(Severity::Critical)
    } else if value > warning {
        Some(Severity::Warning)
    } else {
        None
    }
}

fn alert(alerts: &mut Vec<Alert>, severity: Severity, message: String) {
    alerts.push(Alert { severity, message });
}

pub fn run(input: &Input) -> Output {
    let today = input.now.date_naive();
    let mut components = Vec::new();
    let mut missing = Vec::new();
    let mut alerts = Vec::new();

    // Campaign standing.
    let started: Vec<&CampaignProgress> =
        input.campaigns.iter().filter(|c| c.status != CampaignStatus::Draft).collect();
    if started.is_empty() {
        missing.push("no campaign has started: campaign standing not scored".to_string());
        alert(&mut alerts, Severity::Info, format!("{} has no started campaign", input.company_name));
    } else {
        let good =
            started.iter().filter(|c| matches!(c.status, CampaignStatus::Active | CampaignStatus::Completed)).count();
        let points = STANDING_MAX * good as f64 / started.len() as f64;
        components.push(Component::new(
            "Campaign standing",
            round(points, 1),
            STANDING_MAX,
            format!(
                "{good} of {} started campaigns are active or completed (the rest paused or cancelled)",
                started.len()
            ),
        ));
    }

    // Campaign schedule.
    let dated: Vec<(&CampaignProgress, NaiveDate)> = input
        .campaigns
        .iter()
        .filter(|c| c.status == CampaignStatus::Active)
        .filter_map(|c| c.end_date.map(|end| (c, end)))
        .collect();
    if dated.is_empty() {
        missing.push("no active campaign with an end date: schedule not scored".to_string());
    } else {
        let mut on_time_sum = 0.0;
        let mut elapsed_sum = 0.0;
        let mut overdue = 0;
        for (c, end) in &dated {
            let days_overdue = today.signed_duration_since(*end).num_days();
            if days_overdue > 0 {
                overdue += 1;
                on_time_sum += clamp(1.0 - days_overdue as f64 / OVERDUE_ZERO_DAYS, 0.0, 1.0);
                alert(
                    &mut alerts,
                    Severity::Warning,
                    format!("campaign \"{}\" is still active {days_overdue} days after its end date {end}", c.name),
                );
            } else {
                on_time_sum += 1.0;
            }
            let length = end.signed_duration_since(c.start_date).num_days();
            let elapsed = today.signed_duration_since(c.start_date).num_days();
            elapsed_sum += if length > 0 {
                clamp(elapsed as f64 / length as f64, 0.0, 1.0)
            } else if today >= *end {
                1.0
            } else {
                0.0
            };
        }
        let n = dated.len() as f64;
        components.push(Component::new(
            "Campaign schedule",
            round(SCHEDULE_MAX * on_time_sum / n, 1),
            SCHEDULE_MAX,
            format!(
                "{} active campaigns with an end date, on average {} of their time elapsed; {overdue} past the end date",
                dated.len(),
                percent(elapsed_sum / n)
            ),
        ));
    }

    // Task reliability.
    let (done, failed) = (f64::from(input.tasks_completed_30d), f64::from(input.tasks_failed_30d));
    let tasks = done + failed;
    if tasks == 0.0 {
        missing.push("no tasks completed or failed in the last 30 days: task reliability not scored".to_string());
    } else {
        components.push(Component::new(
            "Task reliability",
            round(RELIABILITY_MAX * done / tasks, 1),
            RELIABILITY_MAX,
            format!("{done} of {tasks} tasks in the last 30 days completed"),
        ));
        let failure_rate = failed / tasks;
        if let Some(severity) = severity_above(failure_rate, FAILURE_CRITICAL, FAILURE_WARNING) {
            alert(
                &mut alerts,
                severity,
                format!("{} of tasks failed in the last 30 days ({failed} of {tasks})", percent(failure_rate)),
            );
        }
    }

    // Audit score and trend.
    let mut audits: Vec<(DateTime<Utc>, f64)> =
        input.audit_scores.iter().filter(|(_, s)| s.is_finite()).map(|&(at, s)| (at, clamp(s, 0.0, 100.0))).collect();
    audits.sort_by_key(|a| a.0);
    match audits.as_slice() {
        [] => {
            missing.push("no audit yet: audit score and trend not scored".to_string());
            alert(&mut alerts, Severity::Info, "no audit yet: run a technical audit for a baseline".to_string());
        }
        [.., (at, last)] => {
            components.push(Component::new(
                "Audit score",
                round(AUDIT_SCORE_MAX * last / 100.0, 1),
                AUDIT_SCORE_MAX,
                format!("latest audit ({}) scored {}", at.date_naive(), round(*last, 1)),
            ));
        }
    }
    if let [.., (_, previous), (_, last)] = audits.as_slice() {
        let delta = last - previous;
        let points = AUDIT_TREND_MAX * clamp((delta + AUDIT_DELTA_SPAN) / (2.0 * AUDIT_DELTA_SPAN), 0.0, 1.0);
        components.push(Component::new(
            "Audit trend",
            round(points, 1),
            AUDIT_TREND_MAX,
            format!("{:+} points since the previous audit", round(delta, 1)),
        ));
        if let Some(severity) = severity_above(-delta, AUDIT_DROP_CRITICAL, AUDIT_DROP_WARNING) {
            alert(
                &mut alerts,
                severity,
                format!(
                    "audit score dropped {} points (from {} to {})",
                    round(-delta, 1),
                    round(*previous, 1),
                    round(*last, 1)
                ),
            );
        }
    } else if audits.len() == 1 {
        missing.push("only one audit: audit trend not scored".to_string());
    }

    // Activity recency.
    match input.last_activity {
        None => {
            missing.push("no activity recorded: recency not scored".to_string());
            alert(&mut alerts, Severity::Warning, "no activity recorded for this client".to_string());
        }
        Some(last) => {
            let days = days_between(input.now, last);
            components.push(Component::new(
                "Activity recency",
                round(recency_points(days), 1),
                RECENCY_MAX,
                format!(
                    "last activity {} days ago; full points within {RECENCY_FULL_DAYS} days, none after {RECENCY_ZERO_DAYS}",
                    round(days, 1)
                ),
            ));
            let severity = if days >= QUIET_CRITICAL_DAYS {
                Some(Severity::Critical)
            } else if days >= QUIET_WARNING_DAYS {
                Some(Severity::Warning)
            } else {
                None
            };
            if let Some(severity) = severity {
                alert(&mut alerts, severity, format!("no activity for {} days", days.floor()));
            }
        }
    }

    let max: f64 = components.iter().map(|c| c.max).sum();
    let points: f64 = components.iter().map(|c| c.points).sum();
    let health = if max > 0.0 { round(clamp(points / max * 100.0, 0.0, 100.0), 1) } else { 0.0 };

    let critical = alerts.iter().filter(|a| a.severity == Severity::Critical).count();
    let warnings = alerts.iter().filter(|a| a.severity == Severity::Warning).count();
    let gone = matches!(input.stage, Stage::Lost | Stage::Churned);
    let churn_risk = if gone {
        100.0
    } else {
        round(clamp(100.0 - health + 10.0 * critical as f64 + 5.0 * warnings as f64, 0.0, 100.0), 1)
    };
    let risk = risk_band(churn_risk);
    let monthly_value_at_risk = if risk == RiskBand::High { input.monthly_value.max(0) } else { 0 };

    let mut reasons = vec![
        format!(
            "{} has been a client since {} ({} days)",
            input.company_name,
            input.client_since.date_naive(),
            days_between(input.now, input.client_since).floor()
        ),
        format!("health {health} from {} scored components", components.len()),
    ];
    if max == 0.0 {
        reasons.push("nothing to score: no campaign, task, audit or activity, so health is 0".to_string());
    } else if !missing.is_empty() {
        reasons.push(format!("health scored on {points:.1} of {max} available points and rescaled to 0-100"));
    }
    if gone {
        reasons.push(format!("stage is {}: the client has gone, churn risk 100", input.stage.label()));
    } else {
        reasons.push(format!(
            "churn risk = 100 − {health} + 10 × {critical} critical + 5 × {warnings} warning alerts = {churn_risk}"
        ));
    }
    if monthly_value_at_risk > 0 {
        reasons.push(format!("high risk: {monthly_value_at_risk} per month at risk"));
    }

    Output {
        health: Breakdown { score: health, components, missing },
        churn_risk,
        risk,
        alerts,
        monthly_value_at_risk,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn campaign(name: &str, status: CampaignStatus, start: NaiveDate, end: Option<NaiveDate>) -> CampaignProgress {
        CampaignProgress { name: name.into(), status, start_date: start, end_date: end }
    }

    fn client() -> Input {
        use CampaignStatus::*;
        Input {
            now: now(),
            company_name: "Acme".into(),
            stage: Stage::Won,
            monthly_value: 3000,
            client_since: now() - Duration::days(400),
            campaigns: vec![
                campaign("Audit", Active, date(2026, 1, 1), Some(date(2026, 2, 19))),
                campaign("Content", Active, date(2026, 2, 1), Some(date(2026, 4, 30))),
                campaign("Links", Cancelled, date(2025, 6, 1), None),
                campaign("Old", Completed, date(2025, 1, 1), Some(date(2025, 6, 1))),
                campaign("Next", Draft, date(2026, 6, 1), None),
            ],
            tasks_completed_30d: 9,
            tasks_failed_30d: 3,
            audit_scores: vec![
                (Utc.with_ymd_and_hms(2026, 1, 15, 0, 0, 0).unwrap(), 80.0),
                (Utc.with_ymd_and_hms(2026, 2, 15, 0, 0, 0).unwrap(), 66.0),
            ],
            last_activity: Some(now() - Duration::days(20)),
        }
    }

    #[test]
    fn health_of_a_client_with_every_input() {
        let out = run(&client());
        let points: Vec<(&str, f64)> = out.health.components.iter().map(|c| (c.name.as_str(), c.points)).collect();
        assert_eq!(
            points,
            [
                // (2 active + 1 completed) of 4 started (draft left out) → 20 × 3/4
                ("Campaign standing", 15.0),
                // "Audit" 10 days overdue → 1 − 10/30 = 0.667, "Content" on time → 1; 10 × 1.667/2 = 8.33
                ("Campaign schedule", 8.3),
                // 9 of 12 → 30 × 0.75
                ("Task reliability", 22.5),
                // 15 × 66/100
                ("Audit score", 9.9),
                // delta −14 → 5 × clamp((−14 + 10)/20) = 0
                ("Audit trend", 0.0),
                // 20 days → 20 × (60 − 20)/53 = 15.09
                ("Activity recency", 15.1),
            ]
        );
        // 15 + 8.33 + 22.5 + 9.9 + 0 + 15.09 = 70.8 of 100
        assert_eq!(out.health.score, 70.8);
        assert!(out.health.missing.is_empty());
        let warnings: Vec<&str> = out.alerts.iter().map(|a| a.message.as_str()).collect();
        assert_eq!(out.alerts.len(), 2, "{warnings:?}");
        assert!(out.alerts.iter().all(|a| a.severity == Severity::Warning));
        assert!(warnings[0].contains("\"Audit\"") && warnings[1].contains("dropped 14"));
        // 100 − 70.8 + 5 × 2 warnings = 39.2
        assert_eq!(out.churn_risk, 39.2);
        assert_eq!((out.risk, out.monthly_value_at_risk), (RiskBand::Medium, 0));
    }

    #[test]
    fn failure_rate_of_exactly_a_quarter_is_not_an_alert_but_above_is() {
        let mut i = client();
        i.audit_scores.clear();
        i.campaigns.clear();
        i.last_activity = Some(now());
        // 3 of 12 failed = 25 %: not above 25 %
        assert!(!run(&i).alerts.iter().any(|a| a.message.contains("failed")));
        i.tasks_failed_30d = 4;
        // 4 of 13 = 30.8 % → warning
        let out = run(&i);
        assert!(out.alerts.iter().any(|a| a.severity == Severity::Warning && a.message.contains("30.8 %")));
        i.tasks_failed_30d = 10;
        // 10 of 19 = 52.6 % → critical
        assert!(run(&i).alerts.iter().any(|a| a.severity == Severity::Critical && a.message.contains("failed")));
    }

    #[test]
    fn only_failed_tasks_and_nothing_else_means_high_risk_and_says_what_is_missing() {
        let i = Input {
            campaigns: vec![],
            tasks_completed_30d: 0,
            tasks_failed_30d: 4,
            audit_scores: vec![],
            last_activity: None,
            ..client()
        };
        let out = run(&i);
        // only task reliability is scored: 0 of 30 → 0
        assert_eq!(out.health.score, 0.0);
        assert_eq!(out.health.components.len(), 1);
        // standing, schedule, audit, recency
        assert_eq!(out.health.missing.len(), 4);
        // 100 − 0 + 10 (failure 100 % critical) + 5 (no activity warning) → clamped to 100
        assert_eq!(out.churn_risk, 100.0);
        assert_eq!((out.risk, out.monthly_value_at_risk), (RiskBand::High, 3000));
    }

    #[test]
    fn a_churned_client_is_at_full_risk() {
        let out = run(&Input { stage: Stage::Churned, ..client() });
        assert_eq!((out.churn_risk, out.risk, out.monthly_value_at_risk), (100.0, RiskBand::High, 3000));
    }

    #[test]
    fn recency_decays_from_a_week_to_two_months() {
        assert_eq!(recency_points(0.0), 20.0);
        assert_eq!(recency_points(7.0), 20.0);
        // 20 × (60 − 33.5)/53 = 10
        assert_eq!(recency_points(33.5), 10.0);
        assert_eq!(recency_points(60.0), 0.0);
        assert_eq!(recency_points(-5.0), 20.0);
        assert_eq!(recency_points(f64::NAN), 20.0);
    }

    #[test]
    fn long_silence_is_critical() {
        let out = run(&Input { last_activity: Some(now() - Duration::days(61)), ..client() });
        assert!(out.alerts.iter().any(|a| a.severity == Severity::Critical && a.message.contains("61 days")));
    }

    #[test]
    fn risk_bands_follow_the_documented_thresholds() {
        assert_eq!(risk_band(29.9), RiskBand::Low);
        assert_eq!(risk_band(30.0), RiskBand::Medium);
        assert_eq!(risk_band(59.9), RiskBand::Medium);
        assert_eq!(risk_band(60.0), RiskBand::High);
    }

    fn status() -> impl Strategy<Value = CampaignStatus> {
        prop::sample::select(CampaignStatus::ALL.to_vec())
    }

    fn input() -> impl Strategy<Value = Input> {
        let campaign = (status(), -2000i64..2000, prop::option::of(-2000i64..2000)).prop_map(|(status, s, e)| {
            let base = now().date_naive();
            CampaignProgress {
                name: "c".into(),
                status,
                start_date: base + Duration::days(s),
                end_date: e.map(|e| base + Duration::days(e)),
            }
        });
        let audit = (-1_000i64..0, prop_oneof![-50.0f64..150.0, Just(f64::NAN), Just(f64::INFINITY)])
            .prop_map(|(d, s)| (now() + Duration::days(d), s));
        (
            prop::sample::select(Stage::ALL.to_vec()),
            any::<i64>(),
            prop::collection::vec(campaign, 0..6),
            0u32..1000,
            0u32..1000,
            prop::collection::vec(audit, 0..5),
            prop::option::of(-100_000_000i64..100_000_000),
        )
            .prop_map(|(stage, monthly_value, campaigns, done, failed, audit_scores, last)| Input {
                now: now(),
                company_name: "P".into(),
                stage,
                monthly_value,
                client_since: now(),
                campaigns,
                tasks_completed_30d: done,
                tasks_failed_30d: failed,
                audit_scores,
                last_activity: last.map(|s| now() - Duration::seconds(s)),
            })
    }

    proptest! {
        #[test]
        fn scores_stay_in_bounds(i in input()) {
            let out = run(&i);
            prop_assert!((0.0..=100.0).contains(&out.health.score));
            prop_assert!((0.0..=100.0).contains(&out.churn_risk));
            prop_assert!(out.monthly_value_at_risk >= 0);
            for c in &out.health.components { prop_assert!(c.points >= 0.0 && c.points <= c.max, "{c:?}"); }
        }

        #[test]
        fn more_failed_tasks_never_raise_health(i in input(), extra in 1u32..1000) {
            let before = run(&i).health.score;
            let after = run(&Input { tasks_failed_30d: i.tasks_failed_30d + extra, ..i }).health.score;
            prop_assert!(after <= before, "{after} > {before}");
        }

        #[test]
        fn more_recent_activity_never_lowers_health(i in input(), last in 0i64..10_000_000, sooner in 0i64..10_000_000) {
            let older = Input { last_activity: Some(now() - Duration::seconds(last)), ..i };
            let newer = Input { last_activity: Some(now() - Duration::seconds(last - sooner)), ..older.clone() };
            prop_assert!(run(&newer).health.score >= run(&older).health.score);
        }

        #[test]
        fn same_input_same_output(i in input()) {
            prop_assert_eq!(run(&i), run(&i.clone()));
        }
    }
}
