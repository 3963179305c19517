//! Reports sent by email: a client's delivery schedule (weekly on a weekday, or monthly on a day, at an
//! hour UTC, to up to [`RECIPIENTS_MAX`] addresses, with a report template) and the record of every
//! delivery, scheduled or sent by hand.
//!
//! A send at instant `t` reports the last whole period before it: a weekly send the seven days ending the day
//! before `t`, a monthly send the calendar month before `t`'s month. So a schedule on Monday mornings sends
//! Monday-to-Sunday weeks, and one on the 1st sends the month that just ended.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::client::string_enum;
use super::report::{PeriodKind, ReportPeriod};
use crate::validation::{email_error, FieldErrors};

/// The most addresses a schedule sends to.
pub const RECIPIENTS_MAX: usize = 10;
/// The last day of the month a monthly schedule may name (every month has it).
pub const MONTH_DAY_MAX: u32 = 28;

string_enum! {
    /// How often a client's report is sent.
    ReportCadence {
        Weekly => "weekly", "Weekly",
        Monthly => "monthly", "Monthly",
    }
}

string_enum! {
    /// Where a delivery stands. `Sent` went through SMTP; `Outbox` was written as a `.eml` file because no
    /// SMTP server is configured (nothing reached the recipients yet); `Retrying` failed an attempt and
    /// waits for the next; `Failed` used up its attempts.
    DeliveryStatus {
        Queued => "queued", "Queued",
        Sending => "sending", "Sending",
        Retrying => "retrying", "Retrying",
        Sent => "sent", "Sent",
        Outbox => "outbox", "In the outbox",
        Failed => "failed", "Failed",
        Cancelled => "cancelled", "Cancelled",
    }
}

string_enum! {
    /// What asked for a delivery.
    DeliveryTrigger {
        Schedule => "schedule", "Schedule",
        Manual => "manual", "Send now",
    }
}

/// A schedule's rule, validated: when it sends, to whom, with which template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRule {
    pub cadence: ReportCadence,
    /// Weekly: ISO weekday, 1 (Monday) to 7 (Sunday). Monthly: day of the month, 1 to [`MONTH_DAY_MAX`].
    pub day: u32,
    /// Hour of the day, UTC (0 to 23).
    pub hour: u32,
    /// Lower-cased, distinct, 1 to [`RECIPIENTS_MAX`].
    pub recipients: Vec<String>,
    /// None: the default template.
    pub template_id: Option<Uuid>,
}

impl ScheduleRule {
    /// The first send time strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        let at = |date: NaiveDate| {
            date.and_hms_opt(self.hour.min(23), 0, 0).map(|t| Utc.from_utc_datetime(&t)).unwrap_or(after)
        };
        let start = after.date_naive();
        match self.cadence {
            ReportCadence::Weekly => {
                let today = start.weekday().number_from_monday();
                let ahead = (self.day.clamp(1, 7) + 7 - today) % 7;
                let candidate = at(start + Days::new(u64::from(ahead)));
                if candidate > after {
                    candidate
                } else {
                    at(start + Days::new(u64::from(ahead) + 7))
                }
            }
            ReportCadence::Monthly => {
                let day = self.day.clamp(1, MONTH_DAY_MAX);
                let this_month = start.with_day(day).unwrap_or(start);
                let candidate = at(this_month);
                if candidate > after {
                    candidate
                } else {
                    at(this_month.checked_add_months(Months::new(1)).unwrap_or(this_month))
                }
            }
        }
    }

    /// The period a send on `date` reports (see the module's rule).
    pub fn period_for(&self, date: NaiveDate) -> ReportPeriod {
        period_before(self.cadence, date)
    }

    /// "Weekly on Monday at 06:00 UTC", "Monthly on day 1 at 06:00 UTC".
    pub fn describe(&self) -> String {
        match self.cadence {
            ReportCadence::Weekly => format!("Weekly on {} at {:02}:00 UTC", weekday_name(self.day), self.hour),
            ReportCadence::Monthly => format!("Monthly on day {} at {:02}:00 UTC", self.day, self.hour),
        }
    }
}

/// The last whole period of `cadence` before `date`: the seven days ending the day before it (weekly), or
/// the calendar month before its month (monthly).
pub fn period_before(cadence: ReportCadence, date: NaiveDate) -> ReportPeriod {
    match cadence {
        ReportCadence::Weekly => {
            let to = date.pred_opt().unwrap_or(date);
            let from = to.checked_sub_days(Days::new(6)).unwrap_or(to);
            ReportPeriod { kind: PeriodKind::Custom, from, to }
        }
        ReportCadence::Monthly => {
            let first = date.with_day(1).unwrap_or(date);
            let from = first.checked_sub_months(Months::new(1)).unwrap_or(first);
            ReportPeriod { kind: PeriodKind::Month, from, to: first.pred_opt().unwrap_or(first) }
        }
    }
}

/// "Monday" .. "Sunday" for ISO weekdays 1 .. 7.
pub fn weekday_name(day: u32) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        [usize::try_from(day.clamp(1, 7) - 1).unwrap_or(0)]
}

/// The schedule form as typed: `recipients` is one text of addresses separated by commas, semicolons,
/// spaces or new lines; `day` is the weekday (1–7) for a weekly schedule or the day of the month (1–28).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleInput {
    pub cadence: String,
    pub day: String,
    pub hour: String,
    pub recipients: String,
    /// A template's id; empty for the default template.
    #[serde(default)]
    pub template: String,
}

impl ScheduleInput {
    /// Checks every field, naming each one that is wrong.
    pub fn validate(&self) -> Result<ScheduleRule, FieldErrors> {
        let mut errors = FieldErrors::default();
        let cadence = ReportCadence::parse(self.cadence.trim());
        if cadence.is_none() {
            errors.add("cadence", "choose weekly or monthly");
        }
        let day: Option<u32> = self.day.trim().parse().ok();
        let day = match cadence {
            Some(ReportCadence::Weekly) => match day.filter(|d| (1..=7).contains(d)) {
                Some(d) => Some(d),
                None => {
                    errors.add("day", "choose a weekday");
                    None
                }
            },
            Some(ReportCadence::Monthly) => match day.filter(|d| (1..=MONTH_DAY_MAX).contains(d)) {
                Some(d) => Some(d),
                None => {
                    errors.add("day", format!("a day of the month from 1 to {MONTH_DAY_MAX}"));
                    None
                }
            },
            None => None,
        };
        let hour: Option<u32> = self.hour.trim().parse().ok().filter(|h| *h <= 23);
        if hour.is_none() {
            errors.add("hour", "an hour from 0 to 23 (UTC)");
        }
        let recipients = match parse_recipients(&self.recipients) {
            Ok(r) => Some(r),
            Err(message) => {
                errors.add("recipients", message);
                None
            }
        };
        let template_id = match self.template.trim() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.add("template", "choose a template from the list");
                    None
                }
            },
        };
        match (cadence, day, hour, recipients) {
            (Some(cadence), Some(day), Some(hour), Some(recipients)) if errors.is_empty() => {
                Ok(ScheduleRule { cadence, day, hour, recipients, template_id })
            }
            _ => Err(errors),
        }
    }

    /// The form filled in from a saved schedule.
    pub fn of(rule: &ScheduleRule) -> ScheduleInput {
        ScheduleInput {
            cadence: rule.cadence.as_str().into(),
            day: rule.day.to_string(),
            hour: rule.hour.to_string(),
            recipients: rule.recipients.join("\n"),
            template: rule.template_id.map(|t| t.to_string()).unwrap_or_default(),
        }
    }
}

/// Reads a list of recipients: addresses separated by commas, semicolons or whitespace, lower-cased and
/// without repeats; 1 to [`RECIPIENTS_MAX`], each a plain address (`name@example.com`: letters, digits and
/// ``!#$%&'*+-/=?^_`{|}~.`` before the `@`). The error names the first address that is wrong.
pub fn parse_recipients(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|p| !p.is_empty()) {
        let address = part.to_lowercase();
        if let Some(e) = recipient_error(&address) {
            let shown: String = part.chars().filter(|c| !c.is_control()).take(80).collect();
            return Err(format!("\u{201c}{shown}\u{201d}: {e}"));
        }
        if !out.contains(&address) {
            out.push(address);
        }
    }
    if out.is_empty() {
        return Err("enter at least one email address".into());
    }
    if out.len() > RECIPIENTS_MAX {
        return Err(format!("at most {RECIPIENTS_MAX} addresses; {} were given", out.len()));
    }
    Ok(out)
}

fn recipient_error(address: &str) -> Option<String> {
    if let Some(e) = email_error(address) {
        return Some(e);
    }
    let local = address.split('@').next().unwrap_or_default();
    let plain = local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    (!plain).then(|| "email must look like name@example.com".to_string())
}

/// A client's schedule as pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSchedule {
    pub client_id: Uuid,
    pub rule: ScheduleRule,
    pub template_name: Option<String>,
    pub enabled: bool,
    pub next_run_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One delivery: what was (or is to be) sent, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub task_id: Option<Uuid>,
    pub trigger: DeliveryTrigger,
    pub period: ReportPeriod,
    pub period_label: String,
    pub template_name: Option<String>,
    pub recipients: Vec<String>,
    pub status: DeliveryStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub subject: Option<String>,
    /// The whole message's size, attachment included.
    pub bytes: Option<i64>,
    /// The SMTP server's answer to the message (code and text).
    pub smtp_reply: Option<String>,
    /// The `.eml` file's name in the outbox folder, when no SMTP server is configured.
    pub outbox_file: Option<String>,
    /// Attempts made and allowed, and the last attempt's error (from the delivery's task).
    pub attempts: i32,
    pub max_attempts: i32,
    pub error: Option<String>,
}

/// What the email of a delivery says, before it is sent: shown by "Preview" and used to write the message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailDraft {
    pub from_name: String,
    pub recipients: Vec<String>,
    pub subject: String,
    /// The plain-text body; the HTML body says the same, escaped.
    pub text: String,
    pub attachment_name: String,
    pub period: ReportPeriod,
    pub period_label: String,
    /// Where the web report is (the server's public address).
    pub report_url: String,
}

impl EmailDraft {
    /// The email of `report` to `recipients`, linking to the web report at `public_url`.
    ///
    /// Subject: "{agency}: SEO report for {client}, {period}". Body: the health score and its change, the
    /// issues fixed and new, and the campaigns, each as the report states it, then the link. Names are
    /// written as typed, with control characters (line breaks included) turned into spaces, so no name
    /// can add a header line; the HTML body escapes them ([`Self::html`]).
    pub fn of(report: &super::report::ClientReport, recipients: &[String], public_url: &str) -> EmailDraft {
        let agency = one_line(&report.agency.name);
        let client = one_line(&report.client_name);
        let period_label = report.period.label();
        let subject = format!("{agency}: SEO report for {client}, {period_label}");
        let mut lines = vec![
            "Hello,".to_string(),
            String::new(),
            format!("attached is {client}'s SEO report for {period_label}, from {agency}."),
            String::new(),
        ];
        match (&report.health.latest, report.health.change) {
            (Some(latest), Some(change)) => lines.push(format!(
                "Site health: {:.1} of 100 ({}{:.1} points since the period began).",
                latest.health,
                if change >= 0.0 { "+" } else { "" },
                change
            )),
            (Some(latest), None) => lines.push(format!("Site health: {:.1} of 100.", latest.health)),
            (None, _) => lines.push("Site health: no site audit had finished by the end of the period.".into()),
        }
        if let Some(issues) = &report.issues {
            lines.push(format!("Issues fixed: {}; new issues: {}.", issues.fixed, issues.new));
        }
        if !report.campaigns.is_empty() {
            lines.push(format!("Campaigns: {}.", report.campaigns.len()));
        }
        lines.push(String::new());
        let base = public_url.trim_end_matches('/');
        let report_url = format!("{base}/clients/{}/report?{}", report.client_id, report.period.query());
        lines.push(format!("The report on the web: {report_url}"));
        lines.push(String::new());
        lines.push(agency.clone());
        let stem = file_stem(&report.client_name);
        EmailDraft {
            from_name: agency,
            recipients: recipients.to_vec(),
            subject,
            text: lines.join("\n"),
            attachment_name: format!("{stem}-seo-report-{}.pdf", report.period.slug()),
            period: report.period,
            period_label,
            report_url,
        }
    }

    /// The HTML body: the text's lines, each escaped, in paragraphs.
    pub fn html(&self) -> String {
        let mut out = String::from("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
        for para in self.text.split("\n\n") {
            out.push_str("<p>");
            out.push_str(&para.lines().map(crate::markup::escape_html).collect::<Vec<_>>().join("<br>"));
            out.push_str("</p>");
        }
        out.push_str("</body></html>");
        out
    }
}

/// `text` on one line: control characters (CR, LF, tabs) become spaces, runs of spaces one space.
fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A file name part from a client's name: lower-case ASCII letters and digits, other runs as one `-`, at
/// most 60 characters (`client` when nothing is left).
pub fn file_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "client".into()
    } else {
        out.chars().take(60).collect()
    }
}

/// What a report email task did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryOutput {
    pub delivery_id: Uuid,
    pub subject: String,
    pub recipients: Vec<String>,
    pub period_label: String,
    /// `Sent` (through SMTP) or `Outbox` (written to the outbox folder).
    pub status: DeliveryStatus,
    pub bytes: u64,
    pub pdf_bytes: u64,
    pub smtp_reply: Option<String>,
    pub outbox_file: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(cadence: ReportCadence, day: u32, hour: u32) -> ScheduleRule {
        ScheduleRule { cadence, day, hour, recipients: vec!["a@example.com".into()], template_id: None }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weekly_sends_on_the_weekday_at_the_hour_and_never_at_the_instant_given() {
        // 2026-12-01 is a Tuesday.
        let monday = rule(ReportCadence::Weekly, 1, 6);
        assert_eq!(monday.next_after(at("2026-12-01T10:00:00Z")), at("2026-12-07T06:00:00Z"));
        let tuesday = rule(ReportCadence::Weekly, 2, 6);
        assert_eq!(tuesday.next_after(at("2026-12-01T05:59:59Z")), at("2026-12-01T06:00:00Z"));
        assert_eq!(tuesday.next_after(at("2026-12-01T06:00:00Z")), at("2026-12-08T06:00:00Z"));
        let sunday = rule(ReportCadence::Weekly, 7, 23);
        assert_eq!(sunday.next_after(at("2026-12-01T00:00:00Z")), at("2026-12-06T23:00:00Z"));
    }

    #[test]
    fn monthly_sends_on_the_day_at_the_hour_across_year_ends() {
        let first = rule(ReportCadence::Monthly, 1, 6);
        assert_eq!(first.next_after(at("2026-12-01T05:00:00Z")), at("2026-12-01T06:00:00Z"));
        assert_eq!(first.next_after(at("2026-12-01T06:00:00Z")), at("2027-01-01T06:00:00Z"));
        let late = rule(ReportCadence::Monthly, 28, 0);
        assert_eq!(late.next_after(at("2027-02-28T00:00:00Z")), at("2027-03-28T00:00:00Z"));
    }

    #[test]
    fn a_send_reports_the_last_whole_period_before_it() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let week = period_before(ReportCadence::Weekly, d("2026-12-07"));
        assert_eq!((week.from, week.to, week.kind), (d("2026-11-30"), d("2026-12-06"), PeriodKind::Custom));
        let month = period_before(ReportCadence::Monthly, d("2027-01-01"));
        assert_eq!((month.from, month.to, month.label()), (d("2026-12-01"), d("2026-12-31"), "December 2026".into()));
        let march = period_before(ReportCadence::Monthly, d("2028-03-15"));
        assert_eq!((march.from, march.to), (d("2028-02-01"), d("2028-02-29")));
    }

    #[test]
    fn recipients_are_split_lower_cased_deduplicated_and_bounded() {
        assert_eq!(
            parse_recipients("Ana@Example.com, bo@example.org;\nana@example.com  cy@example.net").unwrap(),
            vec!["ana@example.com", "bo@example.org", "cy@example.net"]
        );
        assert_eq!(parse_recipients(" ,; ").unwrap_err(), "enter at least one email address");
        let eleven: Vec<String> = (0..11).map(|i| format!("p{i}@example.com")).collect();
        assert_eq!(parse_recipients(&eleven.join(",")).unwrap_err(), "at most 10 addresses; 11 were given");
        let err = parse_recipients("ok@example.com, \"x\"<y>@example.com").unwrap_err();
        assert!(err.starts_with("\u{201c}\"x\"<y>@example.com\u{201d}"), "{err}");
        assert!(parse_recipients("no-at-sign").unwrap_err().contains("name@example.com"));
        assert!(parse_recipients("a..b@example.com").is_err());
    }

    #[test]
    fn file_names_keep_letters_and_digits_only() {
        assert_eq!(file_stem("Acme Widgets, Inc."), "acme-widgets-inc");
        assert_eq!(file_stem("\"; rm -rf / <x>"), "rm-rf-x");
        assert_eq!(file_stem("Ünïcödé"), "n-c-d");
        assert_eq!(file_stem("!!!"), "client");
    }

    #[test]
    fn names_cannot_add_header_lines_and_the_html_body_escapes_them() {
        assert_eq!(one_line("Acme\r\nBcc: x@evil.test\t Inc"), "Acme Bcc: x@evil.test Inc");
        let draft = EmailDraft {
            from_name: "A".into(),
            recipients: vec![],
            subject: String::new(),
            text: "Hi <script>alert(1)</script>\n& more\n\nend".into(),
            attachment_name: String::new(),
            period: period_before(ReportCadence::Monthly, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            period_label: String::new(),
            report_url: String::new(),
        };
        let html = draft.html();
        assert!(html.contains("<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;<br>&amp; more</p><p>end</p>"), "{html}");
    }

    #[test]
    fn the_form_names_every_wrong_field() {
        let bad = ScheduleInput {
            cadence: "daily".into(),
            day: "9".into(),
            hour: "24".into(),
            recipients: String::new(),
            template: "nope".into(),
        };
        let errors = bad.validate().unwrap_err();
        for field in ["cadence", "hour", "recipients", "template"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let weekly_day_8 = ScheduleInput {
            cadence: "weekly".into(),
            day: "8".into(),
            hour: "6".into(),
            recipients: "a@example.com".into(),
            template: String::new(),
        };
        assert_eq!(weekly_day_8.validate().unwrap_err().get("day"), Some("choose a weekday"));
        let monthly_29 = ScheduleInput { cadence: "monthly".into(), day: "29".into(), ..weekly_day_8.clone() };
        assert_eq!(monthly_29.validate().unwrap_err().get("day"), Some("a day of the month from 1 to 28"));
        let good = ScheduleInput { day: "1".into(), ..weekly_day_8 };
        let r = good.validate().unwrap();
        assert_eq!((r.cadence, r.day, r.hour, r.recipients.len()), (ReportCadence::Weekly, 1, 6, 1));
        assert_eq!(r.describe(), "Weekly on Monday at 06:00 UTC");
        assert_eq!(ScheduleInput::of(&r).validate().unwrap(), r);
    }
}
