//! Technical SEO operations manager: compares a client's last two crawls and raises regression alerts.
//!
//! An issue is identified by (check id, URL), as in audit-checks.md: it is *new* when only the later crawl
//! has it, *fixed* when only the earlier one has it, *persisting* when both do. The input carries those
//! counts per check (the store computes them in SQL, so crawls of any size compare without loading them).
//! Two crawls compare when they are two different completed crawls of one client ([`comparable`]).
//!
//! # Deltas
//!
//! `health_delta = after.health − before.health`, and the same per category, rounded to one decimal.
//!
//! # Alerts
//!
//! | rule | severity |
//! |---|---|
//! | health fell by at least [`HEALTH_CRITICAL_DROP`] points | critical |
//! | health fell by at least [`HEALTH_WARNING_DROP`] points (and less than the above) | warning |
//! | a category's score fell by at least [`CATEGORY_DROP`] points | warning |
//! | an error-severity check has new URLs: at least [`NEW_ERRORS_CRITICAL`] | critical |
//! | an error-severity check has new URLs: fewer than that | warning |
//!
//! Alerts are sorted critical first, then by the size of the change. Warning- and notice-severity checks
//! never alert on their own: they move the counts and show in the table.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::round;
use crate::model::crawl::{Crawl, CrawlStatus};
use crate::validation::FieldErrors;

/// Health points lost that make a critical alert.
pub const HEALTH_CRITICAL_DROP: f64 = 10.0;
/// Health points lost that make a warning.
pub const HEALTH_WARNING_DROP: f64 = 3.0;
/// Category points lost that make a warning.
pub const CATEGORY_DROP: f64 = 10.0;
/// New URLs of one error-severity check that make the alert critical.
pub const NEW_ERRORS_CRITICAL: i64 = 10;

/// One crawl's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrawlScores {
    pub crawl_id: Uuid,
    pub finished_at: chrono::DateTime<chrono::Utc>,
    pub pages: u32,
    pub health: f64,
    /// (category label, score).
    pub categories: Vec<(String, f64)>,
    pub errors: u32,
    pub warnings: u32,
    pub notices: u32,
}

impl CrawlScores {
    /// A crawl's scores as the comparison reads them: counts missing on an unfinished crawl are 0, a
    /// missing health is 100 (nothing found), and an unfinished crawl ends at its last update.
    pub fn of(crawl: &Crawl) -> CrawlScores {
        let n = |v: Option<i32>| u32::try_from(v.unwrap_or(0)).unwrap_or(0);
        CrawlScores {
            crawl_id: crawl.id,
            finished_at: crawl.finished_at.unwrap_or(crawl.updated_at),
            pages: n(crawl.html_pages),
            health: crawl.health.unwrap_or(100.0),
            categories: crawl.categories.iter().map(|g| (g.label.clone(), g.score)).collect(),
            errors: n(crawl.error_count),
            warnings: n(crawl.warning_count),
            notices: n(crawl.notice_count),
        }
    }
}

/// One check's movement between the crawls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckDelta {
    pub check: String,
    /// The check's severity in the catalogue: error, warning or notice.
    pub severity: String,
    pub new: i64,
    pub fixed: i64,
    pub persisting: i64,
    /// A few of the new URLs, for the alert and the table.
    pub new_examples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub client_name: String,
    pub before: CrawlScores,
    pub after: CrawlScores,
    pub checks: Vec<CheckDelta>,
}

impl Input {
    /// The comparison of two crawls of one client, `before` the earlier, with their per-check movement.
    pub fn of(before: &Crawl, after: &Crawl, checks: Vec<CheckDelta>) -> Input {
        Input {
            client_name: after.client_name.clone(),
            before: CrawlScores::of(before),
            after: CrawlScores::of(after),
            checks,
        }
    }
}

/// Whether two crawls compare: two different completed crawls of the same client. The errors name the
/// field (`before`, `after`) to choose again.
pub fn comparable(before: &Crawl, after: &Crawl) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if before.client_id != after.client_id {
        errors.add("after", "choose two crawls of the same client");
    } else if before.id == after.id {
        errors.add("after", "choose two different crawls");
    }
    for (field, k) in [("before", before), ("after", after)] {
        if k.status != CrawlStatus::Completed {
            errors.add(field, format!("this crawl is {}, not completed", k.status.label().to_lowercase()));
        }
    }
    errors.into_result()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Critical,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub severity: AlertSeverity,
    pub message: String,
    /// The check it is about, when it is about one.
    pub check: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub before: CrawlScores,
    pub after: CrawlScores,
    pub health_delta: f64,
    /// (category label, before, after, delta).
    pub category_deltas: Vec<(String, f64, f64, f64)>,
    pub new_issues: i64,
    pub fixed_issues: i64,
    pub persisting_issues: i64,
    /// Checks with any movement or any persisting issue, errors first, then by new issues.
    pub checks: Vec<CheckDelta>,
    pub alerts: Vec<Alert>,
    /// One sentence for people.
    pub summary: String,
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    }
}

pub fn run(input: &Input) -> Output {
    let (before, after) = (&input.before, &input.after);
    let health_delta = round(after.health - before.health, 1);
    let category_deltas: Vec<(String, f64, f64, f64)> = after
        .categories
        .iter()
        .map(|(label, now)| {
            let was = before.categories.iter().find(|(l, _)| l == label).map_or(*now, |(_, s)| *s);
            (label.clone(), was, *now, round(now - was, 1))
        })
        .collect();
    let mut checks: Vec<CheckDelta> =
        input.checks.iter().filter(|c| c.new + c.fixed + c.persisting > 0).cloned().collect();
    checks.sort_by(|a, b| {
        (severity_rank(&a.severity), -a.new, -a.persisting, &a.check).cmp(&(
            severity_rank(&b.severity),
            -b.new,
            -b.persisting,
            &b.check,
        ))
    });
    let new_issues = checks.iter().map(|c| c.new).sum();
    let fixed_issues = checks.iter().map(|c| c.fixed).sum();
    let persisting_issues = checks.iter().map(|c| c.persisting).sum();

    // (severity, size of the change for ordering, alert)
    let mut alerts: Vec<(AlertSeverity, f64, Alert)> = Vec::new();
    let drop = -health_delta;
    if drop >= HEALTH_WARNING_DROP {
        let severity = if drop >= HEALTH_CRITICAL_DROP { AlertSeverity::Critical } else { AlertSeverity::Warning };
        alerts.push((
            severity,
            drop,
            Alert {
                severity,
                message: format!(
                    "Site health fell from {:.1} to {:.1} ({:+.1} points).",
                    before.health, after.health, health_delta
                ),
                check: None,
            },
        ));
    }
    for (label, was, now, delta) in &category_deltas {
        if -delta >= CATEGORY_DROP {
            alerts.push((
                AlertSeverity::Warning,
                -delta,
                Alert {
                    severity: AlertSeverity::Warning,
                    message: format!("{label} score fell from {was:.1} to {now:.1} ({delta:+.1} points)."),
                    check: None,
                },
            ));
        }
    }
    for c in checks.iter().filter(|c| c.severity == "error" && c.new > 0) {
        let severity = if c.new >= NEW_ERRORS_CRITICAL { AlertSeverity::Critical } else { AlertSeverity::Warning };
        let examples = if c.new_examples.is_empty() {
            String::new()
        } else {
            format!(" For example: {}.", c.new_examples.iter().take(3).cloned().collect::<Vec<_>>().join(", "))
        };
        alerts.push((
            severity,
            c.new as f64,
            Alert {
                severity,
                message: format!(
                    "{} new URL{} with the error {}.{examples}",
                    c.new,
                    if c.new == 1 { "" } else { "s" },
                    c.check
                ),
                check: Some(c.check.clone()),
            },
        ));
    }
    alerts.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.message.cmp(&b.2.message)));
    let alerts: Vec<Alert> = alerts.into_iter().map(|(_, _, a)| a).collect();

    let trend = if health_delta > 0.0 {
        format!("improved by {health_delta:.1} points")
    } else if health_delta < 0.0 {
        format!("fell by {:.1} points", -health_delta)
    } else {
        "held steady".to_string()
    };
    let summary = format!(
        "Since the crawl of {}, {}'s site health {trend} (now {:.1}): {new_issues} new, {fixed_issues} fixed and \
         {persisting_issues} persisting issues; {} alert{}.",
        before.finished_at.format("%Y-%m-%d"),
        input.client_name,
        after.health,
        alerts.len(),
        if alerts.len() == 1 { "" } else { "s" }
    );
    Output {
        before: before.clone(),
        after: after.clone(),
        health_delta,
        category_deltas,
        new_issues,
        fixed_issues,
        persisting_issues,
        checks,
        alerts,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn scores(health: f64, security: f64) -> CrawlScores {
        CrawlScores {
            crawl_id: Uuid::nil(),
            finished_at: chrono::Utc.with_ymd_and_hms(2027, 1, 4, 6, 0, 0).unwrap(),
            pages: 100,
            health,
            categories: vec![("Crawlability".into(), 90.0), ("Security".into(), security)],
            errors: 0,
            warnings: 0,
            notices: 0,
        }
    }

    fn delta(check: &str, severity: &str, new: i64, fixed: i64, persisting: i64) -> CheckDelta {
        CheckDelta {
            check: check.into(),
            severity: severity.into(),
            new,
            fixed,
            persisting,
            new_examples: (0..new.min(3)).map(|i| format!("https://example.com/{check}/{i}")).collect(),
        }
    }

    fn input(before: f64, after: f64, checks: Vec<CheckDelta>) -> Input {
        Input { client_name: "Acme".into(), before: scores(before, 100.0), after: scores(after, 100.0), checks }
    }

    #[test]
    fn a_big_drop_and_many_new_errors_are_critical() {
        let out = run(&input(
            92.0,
            80.5,
            vec![
                delta("http_4xx", "error", 12, 1, 3),
                delta("title_length", "warning", 40, 0, 10),
                delta("mixed_content", "error", 2, 0, 0),
            ],
        ));
        assert_eq!(out.health_delta, -11.5);
        assert_eq!((out.new_issues, out.fixed_issues, out.persisting_issues), (54, 1, 13));
        let sev: Vec<_> = out.alerts.iter().map(|a| (a.severity, a.check.clone())).collect();
        assert_eq!(
            sev,
            vec![
                (AlertSeverity::Critical, Some("http_4xx".to_string())),
                (AlertSeverity::Critical, None),
                (AlertSeverity::Warning, Some("mixed_content".to_string())),
            ]
        );
        assert!(out.alerts[0].message.starts_with("12 new URLs with the error http_4xx."), "{}", out.alerts[0].message);
        assert!(out.alerts[1].message.contains("from 92.0 to 80.5 (-11.5 points)"));
        // Errors first, then warnings; title_length has more new issues but a lower severity.
        assert_eq!(out.checks[0].check, "http_4xx");
        assert_eq!(out.checks[2].check, "title_length");
        assert!(out.summary.contains("fell by 11.5 points"), "{}", out.summary);
    }

    #[test]
    fn small_drops_warn_and_improvements_do_not_alert() {
        let out = run(&input(90.0, 86.0, vec![]));
        assert_eq!(out.alerts.len(), 1);
        assert_eq!(out.alerts[0].severity, AlertSeverity::Warning);
        let out = run(&input(90.0, 88.0, vec![delta("title_missing", "warning", 5, 0, 0)]));
        assert!(out.alerts.is_empty(), "{:?}", out.alerts);
        let out = run(&input(80.0, 95.0, vec![delta("http_5xx", "error", 0, 7, 0)]));
        assert!(out.alerts.is_empty());
        assert!(out.summary.contains("improved by 15.0 points"));
        assert_eq!(out.fixed_issues, 7);
    }

    #[test]
    fn a_category_drop_warns() {
        let mut i = input(90.0, 90.0, vec![]);
        i.after = scores(90.0, 70.0);
        let out = run(&i);
        assert_eq!(out.category_deltas[1], ("Security".to_string(), 100.0, 70.0, -30.0));
        assert_eq!(out.alerts.len(), 1);
        assert!(out.alerts[0].message.starts_with("Security score fell from 100.0 to 70.0"));
    }

    proptest! {
        #[test]
        fn counts_add_up_and_alerts_follow_the_rules(
            before in 0.0f64..=100.0,
            after in 0.0f64..=100.0,
            moves in proptest::collection::vec((0i64..30, 0i64..30, 0i64..30, 0usize..3), 0..8),
        ) {
            let sev = ["error", "warning", "notice"];
            let checks: Vec<CheckDelta> = moves.iter().enumerate()
                .map(|(i, (n, f, p, s))| delta(&format!("check_{i}"), sev[*s], *n, *f, *p))
                .collect();
            let out = run(&input(before, after, checks.clone()));
            prop_assert_eq!(out.new_issues, checks.iter().map(|c| c.new).sum::<i64>());
            prop_assert_eq!(out.fixed_issues, checks.iter().map(|c| c.fixed).sum::<i64>());
            let error_alerts = out.alerts.iter().filter(|a| a.check.is_some()).count();
            prop_assert_eq!(error_alerts, checks.iter().filter(|c| c.severity == "error" && c.new > 0).count());
            let health_alert = out.alerts.iter().any(|a| a.check.is_none() && a.message.starts_with("Site health"));
            prop_assert_eq!(health_alert, round(after - before, 1) <= -HEALTH_WARNING_DROP);
            prop_assert_eq!(run(&input(before, after, checks)), out);
        }
    }
}
