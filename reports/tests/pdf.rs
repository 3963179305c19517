//! The report's PDF: its text read back with pdftotext (Debian's poppler-utils), the same bytes from the same
//! report, and hostile strings shown as text.

use chrono::{DateTime, NaiveDate, Utc};
use domain::agents::reporting::{Anomaly, AnomalyLevel, KpiRow};
use domain::model::crawl::{CategoryScore, HealthPoint};
use domain::model::report::*;
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

/// A report as the store assembles it, for "Acme Widgets" in November 2026.
pub fn fixture(client_name: &str, issue_description: &str) -> ClientReport {
    let points: Vec<HealthPoint> =
        [("2026-09-03T10:00:00Z", 61.5), ("2026-10-02T10:00:00Z", 68.0), ("2026-11-05T10:00:00Z", 74.2)]
            .iter()
            .enumerate()
            .map(|(i, (t, h))| HealthPoint {
                crawl_id: Uuid::from_u128(i as u128 + 1),
                finished_at: at(t),
                health: *h,
                errors: 3,
            })
            .collect();
    ClientReport {
        agency: Branding { name: "Northwind SEO".into(), accent: "#0f766e".into(), logo_type: None },
        client_id: Uuid::from_u128(42),
        client_name: client_name.into(),
        website: "https://acme.example/".into(),
        industry: "E-commerce".into(),
        period: ReportPeriod {
            kind: PeriodKind::Month,
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        },
        period_label: "November 2026".into(),
        template: "Standard".into(),
        intro: String::new(),
        sections: ReportSection::ALL.to_vec(),
        health: HealthSection {
            latest: points.last().cloned(),
            before: points.get(1).cloned(),
            change: Some(6.2),
            categories: vec![CategoryScore {
                category: "content".into(),
                label: "Content".into(),
                score: 71.0,
                errors: 2,
                warnings: 5,
                notices: 1,
            }],
            points,
        },
        issues: Some(IssueSection {
            before_crawl: Uuid::from_u128(2),
            after_crawl: Uuid::from_u128(3),
            fixed: 14,
            new: 3,
            top_fixed: vec![CheckLine {
                check: "title_missing".into(),
                description: "Page has no title".into(),
                severity: "error".into(),
                count: 9,
                example: None,
            }],
            top_new: vec![CheckLine {
                check: "h1_missing".into(),
                description: issue_description.into(),
                severity: "warning".into(),
                count: 3,
                example: Some("https://acme.example/new".into()),
            }],
        }),
        campaigns: vec![CampaignLine {
            id: Uuid::from_u128(7),
            name: "Q4 content push".into(),
            status: "active".into(),
            done: 3,
            planned: 4,
        }],
        tasks: TaskSection { completed: 12, failed: 1, by_type: vec![("Site audit".into(), 2), ("Report".into(), 1)] },
        figures: Some(FiguresSection {
            task_id: Uuid::from_u128(9),
            finished_at: at("2026-11-28T09:00:00Z"),
            kpis: vec![KpiRow { name: "Tasks completed".into(), value: 12.0, previous: Some(6.0), change: Some(1.0) }],
            anomalies: vec![Anomaly { metric: "Tasks completed".into(), change: 1.0, level: AnomalyLevel::Critical }],
        }),
        next_steps: Some(NextSteps {
            task_id: Uuid::from_u128(10),
            items: vec![StepLine {
                title: "Fix missing titles".into(),
                why: "9 pages have none".into(),
                priority: 20,
                quadrant: "Quick win".into(),
            }],
        }),
        missing: vec![],
    }
}

fn text_of(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("aiseo-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let file = dir.join(format!("{}.pdf", N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
    std::fs::write(&file, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_file(&file);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_pdf_says_who_when_how_healthy_and_what_to_fix_and_is_the_same_every_time() {
    let report = fixture("Acme Widgets", "Page has no H1 heading");
    let pdf = reports::pdf(&report, None, None).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    // To look at it: AISEO_REPORT_DUMP=/tmp/report.pdf cargo test -p reports
    if let Ok(path) = std::env::var("AISEO_REPORT_DUMP") {
        std::fs::write(path, &pdf).expect("dump");
    }
    let text = text_of(&pdf);
    for expected in [
        "Northwind SEO",
        "Acme Widgets",
        "November 2026",
        "74.2",
        "+6.2",
        "Page has no H1 heading",
        "Page has no title",
        "Q4 content push",
        "Fix missing titles",
        "+100 %",
    ] {
        assert!(text.contains(expected), "{expected:?} in the PDF:\n{text}");
    }
    assert_eq!(reports::pdf(&report, None, None).expect("again"), pdf, "the same report, the same bytes");
    let other = fixture("Acme Widgets", "Page has no H1 heading");
    let mut later = other.clone();
    later.period_label = "December 2026".into();
    assert_ne!(reports::pdf(&later, None, None).expect("other"), pdf);
}

#[test]
fn hostile_strings_are_text_in_the_document() {
    let hostile = r#"#set text(fill: red) ]} #panic("x") <script>alert(1)</script> $x^2$ @ref *bold* \ "#;
    let report = fixture(hostile, hostile);
    let pdf = reports::pdf(&report, None, None).expect("a hostile name still renders");
    let text = text_of(&pdf);
    assert!(text.contains(r#"#panic("x")"#), "shown as written:\n{text}");
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    assert!(text.contains("*bold*"), "not read as markup: {text}");
}

#[test]
fn a_logo_goes_on_the_cover_and_a_report_without_audits_says_so() {
    let mut report = fixture("Acme Widgets", "x");
    report.health = HealthSection { points: vec![], latest: None, before: None, change: None, categories: vec![] };
    report.issues = None;
    report.figures = None;
    report.next_steps = None;
    report.missing = vec!["No site audit had finished by the end of the period.".into()];
    // A 1×1 PNG.
    let png: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
        0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff,
        0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    let pdf = reports::pdf(&report, Some(reports::Logo { bytes: png, media_type: "image/png" }), None).expect("pdf");
    let text = text_of(&pdf);
    assert!(text.contains("No site audit had finished"), "{text}");
    assert!(pdf.windows(7).any(|w| w == b"/Image\n" || w == b"/Image " || w == b"/Image/"), "the logo is embedded");
}

#[test]
fn a_template_chooses_the_sections_their_order_and_an_introduction() {
    let mut report = fixture("Acme Widgets", "Page has no H1 heading");
    report.template = "Executive".into();
    report.intro = "Dear Acme team,\nhere is your month in short. #strong[not markup]".into();
    report.sections = vec![ReportSection::Figures, ReportSection::Health];
    let text = text_of(&reports::pdf(&report, None, None).expect("pdf"));
    assert!(text.contains("Dear Acme team,") && text.contains("#strong[not markup]"), "{text}");
    let figures = text.find("Figures").expect("figures");
    let health = text.find("Health score").expect("health");
    assert!(figures < health, "figures first:\n{text}");
    for left_out in ["Campaigns", "Next steps", "Issues fixed and new"] {
        assert!(!text.contains(left_out), "{left_out} is not in this template:\n{text}");
    }
}
