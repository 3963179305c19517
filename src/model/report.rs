//! What the agency sends its clients: the client report for a period (a month, a quarter or custom dates),
//! assembled from what the console already holds (audits, the crawl comparison, campaigns, tasks, the
//! reporting agent's figures, the strategist's roadmap), and the agency's branding on its cover.
//!
//! Every section names where its numbers come from (`source`: the crawl, task or campaign page), so a
//! reader can trace each figure. The report reads nothing of "now": the same data and period give the same
//! report, and the same document bytes.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::client::string_enum;
use super::crawl::{CategoryScore, HealthPoint};
use crate::validation::FieldErrors;

/// The longest custom period, in days.
pub const CUSTOM_MAX_DAYS: i64 = 366;

/// A report's period: whole days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Custom,
}

impl ReportPeriod {
    /// Reads a period: `period` is `YYYY-MM` (a month) or `YYYY-Qn` (a quarter); empty with `from` and `to`
    /// (`YYYY-MM-DD`) is a custom period of 1 to [`CUSTOM_MAX_DAYS`] days; all empty is the last whole
    /// month before `today`. Errors name the field.
    pub fn parse(period: &str, from: &str, to: &str, today: NaiveDate) -> Result<ReportPeriod, FieldErrors> {
        let (period, from, to) = (period.trim(), from.trim(), to.trim());
        if !period.is_empty() {
            return Self::named(period)
                .ok_or_else(|| FieldErrors::one("period", "a month as YYYY-MM or a quarter as YYYY-Q1 to YYYY-Q4"));
        }
        if from.is_empty() && to.is_empty() {
            let first_of_this_month = today.with_day(1).unwrap_or(today);
            let last_month = first_of_this_month.checked_sub_months(Months::new(1)).unwrap_or(first_of_this_month);
            return Ok(Self::month(last_month.year(), last_month.month()).unwrap_or(ReportPeriod {
                kind: PeriodKind::Custom,
                from: today,
                to: today,
            }));
        }
        let mut errors = FieldErrors::default();
        let date = |field: &str, raw: &str, errors: &mut FieldErrors| {
            let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().filter(|d| (1900..=9999).contains(&d.year()));
            if d.is_none() {
                errors.add(field, "a date as YYYY-MM-DD");
            }
            d
        };
        let (f, t) = (date("from", from, &mut errors), date("to", to, &mut errors));
        if let (Some(f), Some(t)) = (f, t) {
            let days = (t - f).num_days() + 1;
            if days < 1 {
                errors.add("to", "the end comes before the start");
            } else if days > CUSTOM_MAX_DAYS {
                errors.add("to", format!("a report covers at most {CUSTOM_MAX_DAYS} days"));
            } else {
                return Ok(ReportPeriod { kind: PeriodKind::Custom, from: f, to: t });
            }
        }
        Err(errors)
    }

    fn named(raw: &str) -> Option<ReportPeriod> {
        let (year, rest) = raw.split_once('-')?;
        let year: i32 = year.parse().ok().filter(|y| (1900..=9999).contains(y))?;
        match rest.strip_prefix('Q') {
            Some(q) => {
                let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
                let from = NaiveDate::from_ymd_opt(year, q * 3 - 2, 1)?;
                let to = from.checked_add_months(Months::new(3))?.pred_opt()?;
                Some(ReportPeriod { kind: PeriodKind::Quarter, from, to })
            }
            None if rest.len() == 2 => Self::month(year, rest.parse().ok()?),
            None => None,
        }
    }

    fn month(year: i32, month: u32) -> Option<ReportPeriod> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let to = from.checked_add_months(Months::new(1))?.pred_opt()?;
        Some(ReportPeriod { kind: PeriodKind::Month, from, to })
    }

    /// "November 2026", "Q4 2026", "1 Nov 2026 – 15 Nov 2026".
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Month => self.from.format("%B %Y").to_string(),
            PeriodKind::Quarter => format!("Q{} {}", self.from.month0() / 3 + 1, self.from.year()),
            PeriodKind::Custom => format!("{} – {}", self.from.format("%-d %b %Y"), self.to.format("%-d %b %Y")),
        }
    }

    /// The query string that names this period (`period=2026-11`, `period=2026-Q4`, `from=…&to=…`).
    pub fn query(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("period={}", self.from.format("%Y-%m")),
            PeriodKind::Quarter => format!("period={}-Q{}", self.from.year(), self.from.month0() / 3 + 1),
            PeriodKind::Custom => format!("from={}&to={}", self.from, self.to),
        }
    }

    /// A file name stem: `2026-11`, `2026-Q4`, `2026-11-01_2026-11-15`.
    pub fn slug(&self) -> String {
        match self.kind {
            PeriodKind::Custom => format!("{}_{}", self.from, self.to),
            _ => self.query().trim_start_matches("period=").to_string(),
        }
    }

    /// The first instant of the period (midnight UTC of `from`).
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The first instant after the period (midnight UTC after `to`).
    pub fn end(&self) -> DateTime<Utc> {
        self.to.succ_opt().unwrap_or(self.to).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }
}

/// The agency as its reports show it (set by admins on `/admin/branding`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branding {
    pub name: String,
    /// `#rrggbb`.
    pub accent: String,
    /// The logo's media type when one was uploaded (`image/png` or `image/jpeg`).
    pub logo_type: Option<String>,
}

impl Default for Branding {
    fn default() -> Self {
        Branding { name: "AI SEO Architects".into(), accent: DEFAULT_ACCENT.into(), logo_type: None }
    }
}

/// The accent colour until an admin chooses one.
pub const DEFAULT_ACCENT: &str = "#1d4ed8";
/// The longest agency name.
pub const AGENCY_NAME_MAX: usize = 80;
/// The largest logo accepted, in bytes.
pub const LOGO_MAX_BYTES: usize = 512 * 1024;

/// The branding form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandingInput {
    pub name: String,
    pub accent: String,
}

impl BrandingInput {
    /// A name of 1 to [`AGENCY_NAME_MAX`] characters without control characters, and a `#rrggbb` colour.
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > AGENCY_NAME_MAX {
            errors.add("name", format!("1 to {AGENCY_NAME_MAX} characters"));
        } else if name.chars().any(char::is_control) {
            errors.add("name", "no control characters");
        }
        let accent = self.accent.trim().to_ascii_lowercase();
        let hex = accent.strip_prefix('#').filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
        if hex.is_none() {
            errors.add("accent", "a colour as #rrggbb");
        }
        errors.into_result().map(|_| (name.to_string(), accent))
    }
}

/// The media type of an uploaded logo from its first bytes: PNG or JPEG, nothing else (an SVG can carry
/// script, and the type a browser claims is not checked).
pub fn logo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

string_enum! {
    /// The sections a report template puts in its order (the cover always comes first).
    ReportSection {
        Health => "health", "Health score",
        Issues => "issues", "Issues fixed and new",
        Campaigns => "campaigns", "Campaigns",
        Work => "work", "Work done in the period",
        Figures => "figures", "Figures",
        NextSteps => "next_steps", "Next steps",
    }
}

/// Which sections a report shows, in which order, after an introduction of the agency's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTemplate {
    /// None for the built-in standard template.
    pub id: Option<Uuid>,
    pub name: String,
    pub intro: String,
    pub sections: Vec<ReportSection>,
    /// Reports use it when none is chosen.
    pub is_default: bool,
}

impl ReportTemplate {
    /// Every section in the catalogue's order, no introduction: what reports use until a template is made
    /// the default.
    pub fn standard() -> ReportTemplate {
        ReportTemplate {
            id: None,
            name: "Standard".into(),
            intro: String::new(),
            sections: ReportSection::ALL.to_vec(),
            is_default: true,
        }
    }
}

/// The longest template introduction, in characters.
pub const INTRO_MAX: usize = 2000;

/// The template form: a name, an introduction, each section's position (`1`..`6`, empty to leave it out)
/// and whether it is the default (`on` from a ticked box).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateInput {
    pub name: String,
    pub intro: String,
    pub health: String,
    pub issues: String,
    pub campaigns: String,
    pub work: String,
    pub figures: String,
    pub next_steps: String,
    pub is_default: Option<String>,
}

/// A checked template form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateDraft {
    pub name: String,
    pub intro: String,
    pub sections: Vec<ReportSection>,
    pub is_default: bool,
}

impl TemplateInput {
    /// A name of 1 to [`AGENCY_NAME_MAX`] characters, an introduction of at most [`INTRO_MAX`] (line breaks
    /// allowed, other control characters not), and at least one section, each position used once. The
    /// errors name the field.
    pub fn validate(&self) -> Result<TemplateDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > AGENCY_NAME_MAX {
            errors.add("name", format!("1 to {AGENCY_NAME_MAX} characters"));
        } else if name.chars().any(char::is_control) {
            errors.add("name", "no control characters");
        }
        let intro = self.intro.trim().replace("\r\n", "\n");
        if intro.chars().count() > INTRO_MAX {
            errors.add("intro", format!("at most {INTRO_MAX} characters"));
        } else if intro.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            errors.add("intro", "no control characters");
        }
        let positions = [
            (ReportSection::Health, &self.health),
            (ReportSection::Issues, &self.issues),
            (ReportSection::Campaigns, &self.campaigns),
            (ReportSection::Work, &self.work),
            (ReportSection::Figures, &self.figures),
            (ReportSection::NextSteps, &self.next_steps),
        ];
        let mut placed: Vec<(u32, ReportSection)> = Vec::new();
        for (section, raw) in positions {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let field = section.as_str();
            match raw.parse::<u32>() {
                Ok(n) if (1..=ReportSection::ALL.len() as u32).contains(&n) => {
                    if placed.iter().any(|(p, _)| *p == n) {
                        errors.add(field, format!("position {n} is taken by another section"));
                    } else {
                        placed.push((n, section));
                    }
                }
                _ => errors
                    .add(field, format!("a position from 1 to {}, or empty to leave it out", ReportSection::ALL.len())),
            }
        }
        if placed.is_empty() && errors.is_empty() {
            errors.add("health", "give at least one section a position");
        }
        placed.sort();
        errors.into_result().map(|_| TemplateDraft {
            name: name.to_string(),
            intro,
            sections: placed.into_iter().map(|(_, s)| s).collect(),
            is_default: self.is_default.as_deref().is_some_and(|v| !v.is_empty()),
        })
    }

    /// The form filled with a template.
    pub fn of(t: &ReportTemplate) -> TemplateInput {
        let at =
            |s: ReportSection| t.sections.iter().position(|x| *x == s).map(|i| (i + 1).to_string()).unwrap_or_default();
        TemplateInput {
            name: t.name.clone(),
            intro: t.intro.clone(),
            health: at(ReportSection::Health),
            issues: at(ReportSection::Issues),
            campaigns: at(ReportSection::Campaigns),
            work: at(ReportSection::Work),
            figures: at(ReportSection::Figures),
            next_steps: at(ReportSection::NextSteps),
            is_default: t.is_default.then(|| "on".to_string()),
        }
    }
}

/// The client report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientReport {
    pub agency: Branding,
    pub client_id: Uuid,
    pub client_name: String,
    pub website: String,
    pub industry: String,
    pub period: ReportPeriod,
    pub period_label: String,
    /// The template's name, introduction and sections in order.
    pub template: String,
    pub intro: String,
    pub sections: Vec<ReportSection>,
    pub health: HealthSection,
    pub issues: Option<IssueSection>,
    pub campaigns: Vec<CampaignLine>,
    pub tasks: TaskSection,
    pub figures: Option<FiguresSection>,
    pub next_steps: Option<NextSteps>,
    /// What the report could not show, and why.
    pub missing: Vec<String>,
}

/// The health score: every completed site audit up to the period's end (at most 12, oldest first), the
/// latest of them, the latest before the period began, and `change = latest − before` in points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthSection {
    pub points: Vec<HealthPoint>,
    pub latest: Option<HealthPoint>,
    pub before: Option<HealthPoint>,
    pub change: Option<f64>,
    /// The latest audit's score per category.
    pub categories: Vec<CategoryScore>,
}

impl HealthSection {
    /// `latest − before`, rounded to one decimal; None without both.
    pub fn change_of(latest: Option<&HealthPoint>, before: Option<&HealthPoint>) -> Option<f64> {
        let (l, b) = (latest?, before?);
        Some(((l.health - b.health) * 10.0).round() / 10.0)
    }
}

/// Issues fixed and new between two audits: the latest audit of the period and the latest before it (or,
/// when none came before, the audit before the latest), compared issue by issue (same check, same URL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueSection {
    pub before_crawl: Uuid,
    pub after_crawl: Uuid,
    pub fixed: i64,
    pub new: i64,
    /// Checks with the most fixed issues, then the most new ones (five each, most first).
    pub top_fixed: Vec<CheckLine>,
    pub top_new: Vec<CheckLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    pub check: String,
    pub description: String,
    pub severity: String,
    pub count: i64,
    /// One affected URL (new issues only).
    pub example: Option<String>,
}

/// A campaign of the client with its progress: `done / planned`, where planned counts its tasks that were
/// not cancelled and done those completed, as of the period's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignLine {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub done: i64,
    pub planned: i64,
}

/// Tasks on the client that finished in the period, by type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskSection {
    pub completed: i64,
    pub failed: i64,
    /// (task type label, completed), most first.
    pub by_type: Vec<(String, i64)>,
}

/// The reporting agent's latest figures for the client finished by the period's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiguresSection {
    pub task_id: Uuid,
    pub finished_at: DateTime<Utc>,
    pub kpis: Vec<crate::agents::reporting::KpiRow>,
    pub anomalies: Vec<crate::agents::reporting::Anomaly>,
}

/// The strategist's latest roadmap for the client: its first items by priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextSteps {
    pub task_id: Uuid,
    pub items: Vec<StepLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepLine {
    pub title: String,
    pub why: String,
    /// `impact × (6 − effort)` (see `agents::chief_seo_strategist::priority`).
    pub priority: u8,
    pub quadrant: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_read_months_quarters_and_custom_dates() {
        let today = d("2026-11-30");
        let m = ReportPeriod::parse("2026-02", "", "", today).expect("month");
        assert_eq!(
            (m.from, m.to, m.label(), m.slug()),
            (d("2026-02-01"), d("2026-02-28"), "February 2026".into(), "2026-02".into())
        );
        let q = ReportPeriod::parse("2026-Q4", "", "", today).expect("quarter");
        assert_eq!(
            (q.from, q.to, q.label(), q.query()),
            (d("2026-10-01"), d("2026-12-31"), "Q4 2026".into(), "period=2026-Q4".into())
        );
        let c = ReportPeriod::parse("", "2026-11-01", "2026-11-15", today).expect("custom");
        assert_eq!((c.kind, c.label()), (PeriodKind::Custom, "1 Nov 2026 – 15 Nov 2026".into()));
        assert_eq!(c.end() - c.start(), chrono::Duration::days(15));
        let default = ReportPeriod::parse("", "", "", d("2026-01-10")).expect("default");
        assert_eq!(default.label(), "December 2025", "the last whole month");
        for (p, f, t, field) in [
            ("2026-13", "", "", "period"),
            ("2026-Q5", "", "", "period"),
            ("26-11", "", "", "period"),
            ("", "2026-11-15", "2026-11-01", "to"),
            ("", "2026-01-01", "2027-06-01", "to"),
            ("", "yesterday", "2026-11-01", "from"),
            ("", "2026-11-01", "", "to"),
        ] {
            let e = ReportPeriod::parse(p, f, t, today).expect_err(p);
            assert!(e.get(field).is_some(), "{p} {f} {t}: {e}");
        }
    }

    #[test]
    fn branding_takes_a_name_and_a_hex_colour_and_logos_by_their_bytes() {
        let ok = BrandingInput { name: " Northwind SEO ".into(), accent: "#1D4ED8".into() }.validate();
        assert_eq!(ok, Ok(("Northwind SEO".into(), "#1d4ed8".into())));
        let bad = BrandingInput { name: "".into(), accent: "blue".into() }.validate().expect_err("bad");
        assert!(bad.get("name").is_some() && bad.get("accent").is_some());
        assert!(BrandingInput { name: "a\u{7}b".into(), accent: "#000000".into() }.validate().is_err());
        assert_eq!(logo_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(logo_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(logo_type(b"<svg onload=alert(1)>"), None);
    }

    #[test]
    fn templates_order_the_sections_they_give_positions_and_refuse_clashes() {
        let input = TemplateInput {
            name: " Executive ".into(),
            intro: "Dear client,\r\nhere is your month.".into(),
            figures: "1".into(),
            health: "2".into(),
            is_default: Some("on".into()),
            ..Default::default()
        };
        let draft = input.validate().expect("valid");
        assert_eq!(draft.name, "Executive");
        assert_eq!(draft.intro, "Dear client,\nhere is your month.");
        assert_eq!(draft.sections, vec![ReportSection::Figures, ReportSection::Health]);
        assert!(draft.is_default);
        let t = ReportTemplate {
            id: None,
            name: draft.name,
            intro: draft.intro,
            sections: draft.sections,
            is_default: true,
        };
        assert_eq!(TemplateInput::of(&t).validate().expect("round trip").sections, t.sections);

        let clash = TemplateInput {
            name: "x".into(),
            health: "1".into(),
            issues: "1".into(),
            work: "9".into(),
            ..Default::default()
        };
        let e = clash.validate().expect_err("clash");
        assert!(e.get("issues").is_some() && e.get("work").is_some(), "{e}");
        let none = TemplateInput { name: "x".into(), ..Default::default() }.validate().expect_err("no section");
        assert!(none.get("health").is_some());
        let bell =
            TemplateInput { name: "x".into(), intro: "ding\u{7}".into(), health: "1".into(), ..Default::default() };
        assert!(bell.validate().expect_err("control").get("intro").is_some());
        assert_eq!(ReportTemplate::standard().sections.len(), 6);
    }

    #[test]
    fn health_change_is_the_difference_in_points() {
        let p = |h: f64| HealthPoint { crawl_id: Uuid::nil(), finished_at: DateTime::default(), health: h, errors: 0 };
        assert_eq!(HealthSection::change_of(Some(&p(81.26)), Some(&p(74.0))), Some(7.3));
        assert_eq!(HealthSection::change_of(Some(&p(70.0)), None), None);
    }
}
