//! Reporting (task type `reporting`): a client or campaign report — KPIs against the previous report, the
//! health score trend across audits, issues fixed and new between the last two audits, and anomalies —
//! with a template narrative, a CSV export and a prompt for the optional LLM.
//!
//! # KPIs
//!
//! One row per KPI: tasks completed, tasks failed, campaigns active, campaigns completed, monthly value and
//! activity events in the period, each against the previous report's figure for the same subject; then
//! the health score of the latest audit against the audit before it (when there is at least one audit).
//!
//! `change = (current − previous) / |previous|`, a fraction (0.5 = +50 %) rounded to 3 decimals; `None` when
//! there is no previous figure or it is 0 (a relative change from nothing is undefined). The absolute value
//! in the denominator keeps the sign meaning "went up" even for a negative previous figure.
//!
//! # Anomalies
//!
//! agents.md: a change of more than 50 % is flagged, more than 75 % critical. On the rounded change:
//! `|change| > 0.5` → flagged, `|change| > 0.75` → critical; exactly 0.5 or 0.75 stays in the lower level.
//! Rows without a change cannot be anomalous.
//!
//! # Score trend and issue delta
//!
//! Audits are sorted by `finished_at` (the input should be oldest first already). The trend is every
//! audit's health score (clamped to 0..=100, rounded to 1 decimal). The issue delta compares the last two
//! audits per severity (critical, warnings, notices): `fixed = Σ max(0, before − now)` and
//! `new = Σ max(0, now − before)`. From counts alone this is a lower bound (an issue fixed and a new one of
//! the same severity cancel out); the crawl comparison agent reports issue by issue. With fewer than two
//! audits there is no delta and `missing` says so.
//!
//! # CSV
//!
//! RFC 4180: comma-separated, CRLF line ends, a field holding a comma, a double quote, CR or LF is wrapped in
//! double quotes with inner quotes doubled. Sections (report, KPIs, score trend, issues, anomalies) are
//! separated by a blank line and each starts with its own header row. Text cells that begin with `=`, `+`,
//! `-`, `@`, tab or CR are prefixed with a single quote so a spreadsheet never runs them as a formula
//! (OWASP "CSV injection"). Numbers the report formats itself are written as they are: a negative number
//! such as `-0.8` is a number to a spreadsheet, not a formula.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{clamp, round, AuditSummary, Narrative};
use crate::spreadsheet::text_cell;

/// A change above this (as a fraction) is flagged (agents.md: "change > 50 % flagged").
pub const FLAG_ABOVE: f64 = 0.5;
/// A change above this is critical (agents.md: "> 75 % critical").
pub const CRITICAL_ABOVE: f64 = 0.75;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Client { company_name: String },
    Campaign { company_name: String, campaign_name: String },
}

impl Subject {
    pub fn title(&self) -> String {
        match self {
            Subject::Client { company_name } => company_name.clone(),
            Subject::Campaign { company_name, campaign_name } => format!("{company_name}: {campaign_name}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub tasks_completed: u32,
    pub tasks_failed: u32,
    pub campaigns_active: u32,
    pub campaigns_completed: u32,
    pub monthly_value: i64,
    /// Activity count in the period.
    pub events: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub now: DateTime<Utc>,
    pub subject: Subject,
    pub period_days: u32,
    pub kpis: Kpis,
    /// The previous report's KPIs for the same subject.
    pub previous: Option<Kpis>,
    /// Oldest first.
    pub audits: Vec<AuditSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiRow {
    pub name: String,
    pub value: f64,
    pub previous: Option<f64>,
    /// `(value − previous) / |previous|`; `None` when previous is 0 or missing.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub at: DateTime<Utc>,
    pub health_score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueDelta {
    pub new: i64,
    pub fixed: i64,
    pub critical_now: u32,
    pub critical_before: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyLevel {
    Flagged,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub metric: String,
    pub change: f64,
    pub level: AnomalyLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The KPIs as measured, kept so the next report of the same subject compares against them.
    pub current: Kpis,
    pub kpis: Vec<KpiRow>,
    pub score_trend: Vec<TrendPoint>,
    pub issues: Option<IssueDelta>,
    pub anomalies: Vec<Anomaly>,
    pub narrative: Narrative,
    pub missing: Vec<String>,
}

/// `(current − previous) / |previous|` rounded to 3 decimals; `None` when previous is missing or 0.
pub fn relative_change(current: f64, previous: Option<f64>) -> Option<f64> {
    let previous = previous.filter(|p| *p != 0.0 && p.is_finite())?;
    let change = (current - previous) / previous.abs();
    change.is_finite().then(|| round(change, 3))
}

/// The anomaly level of a change (see the module doc); `None` below the flag threshold or for NaN.
pub fn anomaly_level(change: f64) -> Option<AnomalyLevel> {
    let size = change.abs();
    if size > CRITICAL_ABOVE {
        Some(AnomalyLevel::Critical)
    } else if size > FLAG_ABOVE {
        Some(AnomalyLevel::Flagged)
    } else {
        None
    }
}

fn kpi_values(k: &Kpis) -> [(&'static str, f64); 6] {
    [
        ("Tasks completed", f64::from(k.tasks_completed)),
        ("Tasks failed", f64::from(k.tasks_failed)),
        ("Campaigns active", f64::from(k.campaigns_active)),
        ("Campaigns completed", f64::from(k.campaigns_completed)),
        ("Monthly value", k.monthly_value as f64),
        ("Activity events", f64::from(k.events)),
    ]
}

fn health(a: &AuditSummary) -> f64 {
    round(clamp(a.health_score, 0.0, 100.0), 1)
}

fn percent(change: f64) -> String {
    format!("{:+} %", round(change * 100.0, 1))
}

pub fn run(input: &Input) -> Output {
    let mut missing = Vec::new();
    let mut audits: Vec<&AuditSummary> = input.audits.iter().collect();
    audits.sort_by_key(|a| a.finished_at);

    let previous = input.previous.as_ref().map(kpi_values);
    if previous.is_none() {
        missing.push("previous report: no earlier KPIs for this subject, changes not computed".to_string());
    }
    let mut kpis: Vec<KpiRow> = kpi_values(&input.kpis)
        .iter()
        .enumerate()
        .map(|(i, &(name, value))| {
            let prev = previous.as_ref().map(|p| p[i].1);
            KpiRow { name: name.into(), value, previous: prev, change: relative_change(value, prev) }
        })
        .collect();
    if let [.., last] = audits.as_slice() {
        let prev = audits.len().checked_sub(2).map(|i| health(audits[i]));
        let value = health(last);
        kpis.push(KpiRow { name: "Health score".into(), value, previous: prev, change: relative_change(value, prev) });
    }

    let score_trend: Vec<TrendPoint> =
        audits.iter().map(|a| TrendPoint { at: a.finished_at, health_score: health(a) }).collect();
    if audits.is_empty() {
        missing.push("audits: none yet, no score trend".to_string());
    }

    let issues = match audits.as_slice() {
        [.., before, now] => {
            let pairs = [
                (before.critical_issues, now.critical_issues),
                (before.warnings, now.warnings),
                (before.notices, now.notices),
            ];
            let (mut new, mut fixed) = (0i64, 0i64);
            for (b, n) in pairs {
                let (b, n) = (i64::from(b), i64::from(n));
                fixed += (b - n).max(0);
                new += (n - b).max(0);
            }
            Some(IssueDelta { new, fixed, critical_now: now.critical_issues, critical_before: before.critical_issues })
        }
        _ => {
            missing.push("fewer than two audits: no issues fixed or new".to_string());
            None
        }
    };

    let anomalies: Vec<Anomaly> = kpis
        .iter()
        .filter_map(|row| {
            let change = row.change?;
            anomaly_level(change).map(|level| Anomaly { metric: row.name.clone(), change, level })
        })
        .collect();

    let narrative = Narrative::template(narrative_text(input, &kpis, &score_trend, issues.as_ref(), &anomalies));
    Output { current: input.kpis.clone(), kpis, score_trend, issues, anomalies, narrative, missing }
}

fn narrative_text(
    input: &Input,
    kpis: &[KpiRow],
    trend: &[TrendPoint],
    issues: Option<&IssueDelta>,
    anomalies: &[Anomaly],
) -> String {
    let k = &input.kpis;
    let mut text = format!(
        "Report for {} over the {} days to {}: {} tasks completed, {} failed; {} campaigns active, {} completed; \
         {} activity events.",
        input.subject.title(),
        input.period_days,
        input.now.date_naive(),
        k.tasks_completed,
        k.tasks_failed,
        k.campaigns_active,
        k.campaigns_completed,
        k.events
    );
    match (trend.first(), trend.last()) {
        (Some(first), Some(last)) if trend.len() > 1 => text.push_str(&format!(
            " Health score {} across {} audits, from {} to {}.",
            if last.health_score >= first.health_score { "rose or held" } else { "fell" },
            trend.len(),
            first.health_score,
            last.health_score
        )),
        (Some(only), _) => text.push_str(&format!(" Health score {} from the only audit so far.", only.health_score)),
        _ => text.push_str(" No audit has run yet."),
    }
    if let Some(d) = issues {
        text.push_str(&format!(
            " Since the previous audit: {} issues fixed, {} new; critical issues {} (before {}).",
            d.fixed, d.new, d.critical_now, d.critical_before
        ));
    }
    if anomalies.is_empty() {
        if kpis.iter().any(|r| r.change.is_some()) {
            text.push_str(" No KPI moved by more than 50 %.");
        }
    } else {
        let list: Vec<String> =
            anomalies.iter().map(|a| format!("{} {} ({:?})", a.metric, percent(a.change), a.level)).collect();
        text.push_str(&format!(" Anomalies: {}.", list.join(", ")));
    }
    text
}

fn number(x: f64) -> String {
    x.to_string()
}

fn opt_number(x: Option<f64>) -> String {
    x.map(number).unwrap_or_default()
}

/// The report as CSV (see the module doc for the layout and escaping rules).
pub fn to_csv(output: &Output) -> String {
    let mut lines: Vec<String> = Vec::new();
    lines.push("KPIs".into());
    lines.push("name,value,previous,change".into());
    for r in &output.kpis {
        lines.push(format!(
            "{},{},{},{}",
            text_cell(&r.name),
            number(r.value),
            opt_number(r.previous),
            opt_number(r.change)
        ));
    }
    lines.push(String::new());
    lines.push("Score trend".into());
    lines.push("at,health_score".into());
    for p in &output.score_trend {
        lines.push(format!("{},{}", text_cell(&p.at.to_rfc3339()), number(p.health_score)));
    }
    lines.push(String::new());
    lines.push("Issues".into());
    lines.push("new,fixed,critical_now,critical_before".into());
    if let Some(d) = &output.issues {
        lines.push(format!("{},{},{},{}", d.new, d.fixed, d.critical_now, d.critical_before));
    }
    lines.push(String::new());
    lines.push("Anomalies".into());
    lines.push("metric,change,level".into());
    for a in &output.anomalies {
        let level = match a.level {
            AnomalyLevel::Flagged => "flagged",
            AnomalyLevel::Critical => "critical",
        };
        lines.push(format!("{},{},{level}", text_cell(&a.metric), number(a.change)));
    }
    lines.push(String::new());
    lines.push("Summary".into());
    lines.push(text_cell(&output.narrative.text));
    let mut csv = lines.join("\r\n");
    csv.push_str("\r\n");
    csv
}

/// A prompt asking an LLM to rewrite the report summary, using only the computed figures.
pub fn llm_prompt(input: &Input, output: &Output) -> String {
    let mut p = String::new();
    p.push_str(
        "You are an SEO account manager writing a short report summary for a client. Use only the facts below. \
         Do not change, add or round any number. Mention anomalies first. Write one or two short paragraphs.\n\n",
    );
    p.push_str(&format!(
        "Subject: {}\nPeriod: {} days to {}\n",
        input.subject.title(),
        input.period_days,
        input.now.date_naive()
    ));
    p.push_str("KPIs (change is relative to the previous report):\n");
    for r in &output.kpis {
        let prev = r.previous.map_or("none".to_string(), |v| v.to_string());
        let change = r.change.map_or("n/a".to_string(), percent);
        p.push_str(&format!("- {}: {} (previous {prev}, change {change})\n", r.name, r.value));
    }
    if !output.score_trend.is_empty() {
        let points: Vec<String> =
            output.score_trend.iter().map(|t| format!("{} {}", t.at.date_naive(), t.health_score)).collect();
        p.push_str(&format!("Health score by audit: {}\n", points.join(", ")));
    }
    if let Some(d) = &output.issues {
        p.push_str(&format!(
            "Issues since the previous audit: {} fixed, {} new; critical {} (before {})\n",
            d.fixed, d.new, d.critical_now, d.critical_before
        ));
    }
    for a in &output.anomalies {
        p.push_str(&format!("Anomaly: {} {} ({:?})\n", a.metric, percent(a.change), a.level));
    }
    if !output.missing.is_empty() {
        p.push_str(&format!("Not available: {}\n", output.missing.join("; ")));
    }
    p.push_str(&format!("Template summary to improve: {}\n", output.narrative.text));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
    }

    fn kpis(completed: u32, events: u32, value: i64) -> Kpis {
        Kpis {
            tasks_completed: completed,
            tasks_failed: 2,
            campaigns_active: 1,
            campaigns_completed: 0,
            monthly_value: value,
            events,
        }
    }

    fn audit(days_ago: i64, score: f64, critical: u32, warnings: u32, notices: u32) -> AuditSummary {
        AuditSummary {
            health_score: score,
            pages: 50,
            critical_issues: critical,
            warnings,
            notices,
            finished_at: now() - Duration::days(days_ago),
        }
    }

    fn input() -> Input {
        Input {
            now: now(),
            subject: Subject::Client { company_name: "Acme".into() },
            period_days: 30,
            kpis: kpis(149, 151, 176),
            previous: Some(kpis(100, 100, 100)),
            audits: vec![audit(60, 70.0, 5, 20, 10), audit(30, 80.0, 2, 25, 10)],
        }
    }

    #[test]
    fn anomalies_at_49_51_76_and_minus_80_percent() {
        let mut i = input();
        // tasks failed 2 → 10: +400 %
        i.kpis.tasks_failed = 10;
        i.kpis.campaigns_active = 1;
        // monthly 100 → 20: −80 %
        let mut prev = kpis(100, 100, 100);
        prev.monthly_value = 100;
        i.previous = Some(prev);
        i.kpis.monthly_value = 20;
        // events 100 → 176: +76 %
        i.kpis.events = 176;
        // health 70 → 80: +14.3 %
        let out = run(&i);
        let changes: Vec<(&str, Option<f64>)> = out.kpis.iter().map(|r| (r.name.as_str(), r.change)).collect();
        assert_eq!(
            changes,
            [
                ("Tasks completed", Some(0.49)), // (149 − 100)/100
                ("Tasks failed", Some(4.0)),     // (10 − 2)/2
                ("Campaigns active", Some(0.0)), // 1 → 1
                ("Campaigns completed", None),   // previous 0
                ("Monthly value", Some(-0.8)),   // (20 − 100)/100
                ("Activity events", Some(0.76)), // (176 − 100)/100
                ("Health score", Some(0.143)),   // (80 − 70)/70
            ]
        );
        let got: Vec<(&str, AnomalyLevel)> = out.anomalies.iter().map(|a| (a.metric.as_str(), a.level)).collect();
        assert_eq!(
            got,
            [
                ("Tasks failed", AnomalyLevel::Critical),
                ("Monthly value", AnomalyLevel::Critical),
                ("Activity events", AnomalyLevel::Critical),
            ]
        );
        // 0.49 is not above 0.5; 0.51 is flagged; 0.76 and −0.8 are above 0.75
        assert_eq!(anomaly_level(0.49), None);
        assert_eq!(anomaly_level(0.51), Some(AnomalyLevel::Flagged));
        assert_eq!(anomaly_level(0.76), Some(AnomalyLevel::Critical));
        assert_eq!(anomaly_level(-0.8), Some(AnomalyLevel::Critical));
        assert_eq!(anomaly_level(0.5), None);
        assert_eq!(anomaly_level(0.75), Some(AnomalyLevel::Flagged));
        // 151 events against 100: +51 % flagged
        i.kpis.events = 151;
        let out = run(&i);
        let events = out.anomalies.iter().find(|a| a.metric == "Activity events").map(|a| (a.change, a.level));
        assert_eq!(events, Some((0.51, AnomalyLevel::Flagged)));
    }

    #[test]
    fn issue_delta_compares_the_last_two_audits_per_severity() {
        let out = run(&input());
        // critical 5 → 2: 3 fixed; warnings 20 → 25: 5 new; notices 10 → 10
        assert_eq!(out.issues, Some(IssueDelta { new: 5, fixed: 3, critical_now: 2, critical_before: 5 }));
        assert_eq!(out.score_trend.iter().map(|t| t.health_score).collect::<Vec<_>>(), [70.0, 80.0]);
        assert!(out.missing.is_empty());
    }

    #[test]
    fn audits_out_of_order_are_sorted_by_time() {
        let mut i = input();
        i.audits.reverse();
        assert_eq!(run(&i), run(&input()));
    }

    #[test]
    fn a_first_report_says_what_it_cannot_compare() {
        let i = Input { previous: None, audits: vec![audit(1, 64.0, 1, 0, 0)], ..input() };
        let out = run(&i);
        assert!(out.kpis.iter().all(|r| r.change.is_none()));
        assert!(out.anomalies.is_empty());
        assert_eq!(out.issues, None);
        assert_eq!(out.missing.len(), 2, "{:?}", out.missing);
        assert!(out.narrative.text.contains("only audit so far"));
    }

    #[test]
    fn a_negative_previous_value_keeps_the_direction_of_change() {
        // −100 → −50 went up by half of |−100|
        assert_eq!(relative_change(-50.0, Some(-100.0)), Some(0.5));
        assert_eq!(relative_change(5.0, Some(0.0)), None);
        assert_eq!(relative_change(5.0, None), None);
    }

    #[test]
    fn csv_quotes_fields_and_guards_against_formulas() {
        assert_eq!(text_cell("Acme, \"The\" Shop"), "\"Acme, \"\"The\"\" Shop\"");
        assert_eq!(text_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-2+3"), "'-2+3");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(text_cell("plain"), "plain");

        let i = Input { subject: Subject::Client { company_name: "=cmd|' /C calc'!A0, Inc".into() }, ..input() };
        let csv = to_csv(&run(&i));
        assert!(csv.ends_with("\r\n"));
        assert!(!csv.replace("\r\n", "").contains('\n'), "bare LF outside a quoted field");
        let summary = csv.lines().rev().find(|l| !l.is_empty()).unwrap_or_default();
        assert!(summary.starts_with("\"Report for =cmd"), "{summary}");
        // the KPI block: header, then six KPIs and the health score
        assert!(csv.starts_with("KPIs\r\nname,value,previous,change\r\nTasks completed,149,100,0.49\r\n"), "{csv}");
        assert!(csv.contains("Monthly value,176,100,0.76\r\n"));
        assert!(csv.contains("Anomalies\r\nmetric,change,level\r\nMonthly value,0.76,critical\r\n"), "{csv}");
        assert!(csv.contains("Issues\r\nnew,fixed,critical_now,critical_before\r\n5,3,2,5\r\n"));
    }

    #[test]
    fn a_narrative_cell_starting_with_a_formula_character_is_guarded() {
        let out = Output {
            current: Kpis {
                tasks_completed: 0,
                tasks_failed: 0,
                campaigns_active: 0,
                campaigns_completed: 0,
                monthly_value: 0,
                events: 0,
            },
            kpis: vec![KpiRow { name: "-Evil".into(), value: -1.5, previous: None, change: None }],
            score_trend: vec![],
            issues: None,
            anomalies: vec![],
            narrative: Narrative::template("=1+1"),
            missing: vec![],
        };
        let csv = to_csv(&out);
        // the name is text and guarded; the number −1.5 is a number and is not
        assert!(csv.contains("\r\n'-Evil,-1.5,,\r\n"), "{csv}");
        assert!(csv.ends_with("Summary\r\n'=1+1\r\n"), "{csv}");
    }

    #[test]
    fn prompt_carries_the_figures() {
        let i = input();
        let out = run(&i);
        let p = llm_prompt(&i, &out);
        assert!(p.contains("Acme") && p.contains("Do not change"));
        assert!(p.contains("Monthly value: 176 (previous 100, change +76 %)"), "{p}");
    }

    fn any_kpis() -> impl Strategy<Value = Kpis> {
        (any::<u32>(), any::<u32>(), 0u32..10, 0u32..10, any::<i64>(), any::<u32>()).prop_map(|(c, f, a, d, v, e)| {
            Kpis {
                tasks_completed: c,
                tasks_failed: f,
                campaigns_active: a,
                campaigns_completed: d,
                monthly_value: v,
                events: e,
            }
        })
    }

    fn any_input() -> impl Strategy<Value = Input> {
        let audit =
            (0i64..1000, prop_oneof![-10.0f64..120.0, Just(f64::NAN)], any::<u32>(), any::<u32>(), any::<u32>())
                .prop_map(|(d, s, c, w, n)| audit(d, s, c, w, n));
        (any_kpis(), prop::option::of(any_kpis()), prop::collection::vec(audit, 0..5), "[ -~]{0,20}").prop_map(
            |(kpis, previous, audits, name)| Input {
                now: now(),
                subject: Subject::Campaign { company_name: name, campaign_name: "Q1".into() },
                period_days: 30,
                kpis,
                previous,
                audits,
            },
        )
    }

    proptest! {
        #[test]
        fn anomaly_level_is_monotone_in_the_size_of_the_change(a in -5.0f64..5.0, b in -5.0f64..5.0) {
            let (small, large) = if a.abs() <= b.abs() { (a, b) } else { (b, a) };
            prop_assert!(anomaly_level(small) <= anomaly_level(large), "{small} vs {large}");
        }

        #[test]
        fn outputs_are_finite_and_consistent(i in any_input()) {
            let out = run(&i);
            for r in &out.kpis {
                prop_assert!(r.value.is_finite());
                if let Some(c) = r.change { prop_assert!(c.is_finite()); }
                if r.previous.is_none_or(|p| p == 0.0) { prop_assert!(r.change.is_none()); }
            }
            for a in &out.anomalies { prop_assert!(a.change.abs() > FLAG_ABOVE); }
            for t in &out.score_trend { prop_assert!((0.0..=100.0).contains(&t.health_score)); }
            prop_assert_eq!(out.issues.is_some(), i.audits.len() >= 2);
            if let Some(d) = &out.issues { prop_assert!(d.new >= 0 && d.fixed >= 0); }
            let csv = to_csv(&out);
            prop_assert!(csv.ends_with("\r\n"));
        }

        #[test]
        fn same_input_same_output(i in any_input()) {
            prop_assert_eq!(run(&i), run(&i.clone()));
        }
    }
}
