//! Writing a client report as a PDF: the time per document (p50, p90 over repeated runs) and the process's
//! peak memory, for a report of about ten pages with all five charts (release build:
//! `cargo bench -p reports --bench pdf`). Targets: p50 <= 500 ms, peak <= 100 MB on a 2-core machine.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use domain::agents::reporting::{Anomaly, AnomalyLevel, KpiRow};
use domain::model::crawl::{CategoryScore, HealthPoint};
use domain::model::report::*;
use uuid::Uuid;

const RUNS: usize = 30;

/// A large report: a year of audits, ten categories, ten checks fixed and new, 120 campaigns, 14 task types,
/// 30 figures and 5 next steps.
fn big_report() -> ClientReport {
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-12-01T10:00:00Z").expect("time").with_timezone(&Utc);
    let points: Vec<HealthPoint> = (0..12)
        .map(|i| HealthPoint {
            crawl_id: Uuid::from_u128(i + 1),
            finished_at: start + chrono::Duration::days(30 * i as i64),
            health: 55.0 + (i as f64 * 2.7) % 30.0,
            errors: 20 - i as i64,
        })
        .collect();
    let line = |i: usize, count: i64| CheckLine {
        check: format!("check_{i}"),
        description: format!("Check number {i}: pages with a problem worth fixing"),
        severity: ["error", "warning", "notice"][i % 3].into(),
        count,
        example: Some(format!("https://big.example/section/{i}/page")),
    };
    ClientReport {
        agency: Branding { name: "Northwind SEO".into(), accent: "#0f766e".into(), logo_type: None },
        client_id: Uuid::from_u128(42),
        client_name: "Big Retail Group".into(),
        website: "https://big.example/".into(),
        industry: "E-commerce".into(),
        period: ReportPeriod {
            kind: PeriodKind::Quarter,
            from: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
            to: NaiveDate::from_ymd_opt(2026, 9, 30).expect("date"),
        },
        period_label: "Q3 2026".into(),
        template: "Standard".into(),
        intro: "Your quarter in numbers.".into(),
        sections: ReportSection::ALL.to_vec(),
        health: HealthSection {
            latest: points.last().cloned(),
            before: points.get(8).cloned(),
            change: Some(4.1),
            categories: (0..10)
                .map(|i| CategoryScore {
                    category: format!("c{i}"),
                    label: format!("Category {i}"),
                    score: 40.0 + i as f64 * 5.5,
                    errors: i,
                    warnings: 2 * i,
                    notices: 3 * i,
                })
                .collect(),
            points,
        },
        issues: Some(IssueSection {
            before_crawl: Uuid::from_u128(9),
            after_crawl: Uuid::from_u128(12),
            fixed: 420,
            new: 57,
            top_fixed: (0..5).map(|i| line(i, 90 - 10 * i as i64)).collect(),
            top_new: (5..10).map(|i| line(i, 20 - i as i64)).collect(),
        }),
        campaigns: (0..120)
            .map(|i| CampaignLine {
                id: Uuid::from_u128(100 + i),
                name: format!("Campaign {i}: a season of content and links"),
                status: "active".into(),
                done: (i % 9) as i64,
                planned: 9,
            })
            .collect(),
        tasks: TaskSection {
            completed: 310,
            failed: 4,
            by_type: (0..14).map(|i| (format!("Task type {i}"), 30 - i as i64)).collect(),
        },
        figures: Some(FiguresSection {
            task_id: Uuid::from_u128(7),
            finished_at: start,
            kpis: (0..30)
                .map(|i| KpiRow {
                    name: format!("Measure {i}"),
                    value: 100.0 + i as f64,
                    previous: Some(90.0),
                    change: Some(0.11),
                })
                .collect(),
            anomalies: vec![Anomaly { metric: "Measure 3".into(), change: 0.8, level: AnomalyLevel::Critical }],
        }),
        next_steps: Some(NextSteps {
            task_id: Uuid::from_u128(8),
            items: (0..5)
                .map(|i| StepLine {
                    title: format!("Step {i}"),
                    why: "Because the audit found it on many pages and fixing it lifts the health score. ".repeat(3),
                    priority: 20 - i as u8,
                    quadrant: "Quick win".into(),
                })
                .collect(),
        }),
        missing: vec![],
    }
}

/// The process's peak resident memory so far (VmHWM), in bytes.
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        .map_or(0, |kb| kb * 1024)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let report = big_report();
    let before = peak_rss();
    let first = Instant::now();
    let pdf = reports::pdf(&report, None, None).expect("pdf");
    let cold = first.elapsed();
    let pages = reports::document(&report, None, None).expect("document").pages().len();
    // Cold: typst's memoized layout dropped before each document (the fonts stay parsed), the worst case
    // for a report unlike the ones before it. Warm: the same report again, as `pdf` leaves the cache.
    let mut times = Vec::with_capacity(RUNS);
    let mut warm = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        typst::comemo::evict(0);
        let t = Instant::now();
        let again = reports::pdf(&report, None, None).expect("pdf");
        times.push(t.elapsed());
        assert_eq!(again.len(), pdf.len(), "the same report, the same document");
        let t = Instant::now();
        reports::pdf(&report, None, None).expect("pdf");
        warm.push(t.elapsed());
    }
    times.sort();
    warm.sort();
    println!(
        "report PDF: {pages} pages, 5 charts, {} KB; first document (fonts parsed) {:.0} ms",
        pdf.len() / 1024,
        cold.as_secs_f64() * 1000.0
    );
    println!(
        "time per document over {RUNS} runs, cold layout cache: p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.9).as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    println!(
        "the same report right after: p50 {:.0} ms, p90 {:.0} ms",
        percentile(&warm, 0.5).as_secs_f64() * 1000.0,
        percentile(&warm, 0.9).as_secs_f64() * 1000.0
    );
    println!(
        "peak resident memory: {:.1} MB for the process ({:.1} MB before the first document)",
        peak_rss() as f64 / 1e6,
        before as f64 / 1e6
    );
}
