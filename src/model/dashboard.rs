//! The dashboard's figures: the time range it covers, its KPI cards with their trends, the agent strip,
//! the chart series and the activity feed. The store fills them (`store::dashboard`), the app shows them;
//! the rules that decide what a figure means live here.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::model::campaign::AgentId;
use crate::validation::FieldErrors;

/// The longest custom range, in days (two years and a leap day).
pub const MAX_CUSTOM_DAYS: i64 = 731;

/// The ranges the dashboard offers. Presets are rolling windows that end now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeKind {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Custom,
}

impl RangeKind {
    pub const PRESETS: [RangeKind; 5] =
        [RangeKind::Day, RangeKind::Week, RangeKind::Month, RangeKind::Quarter, RangeKind::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            RangeKind::Day => "day",
            RangeKind::Week => "week",
            RangeKind::Month => "month",
            RangeKind::Quarter => "quarter",
            RangeKind::Year => "year",
            RangeKind::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RangeKind::Day => "Last 24 hours",
            RangeKind::Week => "Last 7 days",
            RangeKind::Month => "Last 30 days",
            RangeKind::Quarter => "Last 90 days",
            RangeKind::Year => "Last 365 days",
            RangeKind::Custom => "Custom dates",
        }
    }

    /// The length of a preset window.
    fn length(self) -> Option<Duration> {
        match self {
            RangeKind::Day => Some(Duration::days(1)),
            RangeKind::Week => Some(Duration::days(7)),
            RangeKind::Month => Some(Duration::days(30)),
            RangeKind::Quarter => Some(Duration::days(90)),
            RangeKind::Year => Some(Duration::days(365)),
            RangeKind::Custom => None,
        }
    }
}

/// The range a dashboard or analytics request asks for, as the URL carries it
/// (`?range=week`, or `?range=custom&from=2026-01-01&to=2026-03-31`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardRange {
    pub kind: RangeKind,
    /// First and last day (UTC, both included) of a custom range.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Default for DashboardRange {
    fn default() -> Self {
        DashboardRange { kind: RangeKind::Week, from: None, to: None }
    }
}

impl DashboardRange {
    /// Reads the URL's `range`, `from` and `to`. An empty `range` is the default (the last 7 days); `from`
    /// and `to` matter only for `custom`, where both are required, `from <= to`, and the range spans at most
    /// [`MAX_CUSTOM_DAYS`]. Errors name the field.
    pub fn parse(range: &str, from: &str, to: &str) -> Result<DashboardRange, FieldErrors> {
        let kind = match range.trim() {
            "" => return Ok(DashboardRange::default()),
            r => RangeKind::PRESETS
                .into_iter()
                .chain([RangeKind::Custom])
                .find(|k| k.as_str() == r)
                .ok_or_else(|| FieldErrors::one("range", "must be day, week, month, quarter, year or custom"))?,
        };
        if kind != RangeKind::Custom {
            return Ok(DashboardRange { kind, from: None, to: None });
        }
        let mut errors = FieldErrors::default();
        let date = |field: &str, value: &str, errors: &mut FieldErrors| match value.trim() {
            "" => {
                errors.add(field, "is required for custom dates (YYYY-MM-DD)");
                None
            }
            v => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| errors.add(field, "must be a date as YYYY-MM-DD"))
                .ok(),
        };
        let (from, to) = (date("from", from, &mut errors), date("to", to, &mut errors));
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                errors.add("to", "must be on or after the start date");
            } else if (t - f).num_days() + 1 > MAX_CUSTOM_DAYS {
                errors.add("to", format!("a custom range spans at most {MAX_CUSTOM_DAYS} days"));
            }
        }
        errors.into_result()?;
        Ok(DashboardRange { kind, from, to })
    }

    /// The query string that names this range (for links and exports).
    pub fn query(&self) -> String {
        match (self.kind, self.from, self.to) {
            (RangeKind::Custom, Some(f), Some(t)) => format!("range=custom&from={f}&to={t}"),
            (kind, _, _) => format!("range={}", kind.as_str()),
        }
    }

    /// The window this range covers when asked at `now`: a preset is the rolling window ending at `now`;
    /// a custom range runs from 00:00 UTC of `from` to 24:00 UTC of `to`.
    pub fn window(&self, now: DateTime<Utc>) -> Window {
        match (self.kind.length(), self.from, self.to) {
            (Some(length), _, _) => Window { start: now - length, end: now },
            (None, Some(f), Some(t)) => Window { start: midnight(f), end: midnight(t) + Duration::days(1) },
            // Parsing never leaves a custom range without dates; treat it as the default if built by hand.
            (None, _, _) => DashboardRange::default().window(now),
        }
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// A half-open time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// The window of the same length that ends where this one starts: what trends compare against.
    pub fn previous(&self) -> Window {
        Window { start: self.start - (self.end - self.start), end: self.start }
    }

    /// How charts bucket this window: by hour when it spans at most two days, by day otherwise.
    pub fn bucket(&self) -> Bucket {
        if self.end - self.start <= Duration::days(2) {
            Bucket::Hour
        } else {
            Bucket::Day
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    /// The `date_trunc` unit.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
        }
    }
}

/// Which way a KPI moved against the previous window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Stable,
}

impl Trend {
    pub fn label(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Stable => "stable",
        }
    }
}

/// What a KPI's number is, which decides how it is shown and what "stable" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    /// Whole currency units a month.
    Money,
    /// 0..=100: a success rate in percent or a health score.
    Points,
}

/// A counted or summed figure is stable when it moved by at most this share of its previous value.
pub const STABLE_RELATIVE: f64 = 0.05;
/// A rate or score (0..=100) is stable when it moved by less than this many points.
pub const STABLE_POINTS: f64 = 1.0;

/// The trend of `current` against `previous`, `None` when either is unknown (no data in a window).
///
/// For [`Unit::Count`] and [`Unit::Money`]: stable when `|current − previous| <= 0.05 × |previous|`
/// ([`STABLE_RELATIVE`]); from a previous 0, any rise is up. For [`Unit::Points`]: stable when
/// `|current − previous| < 1` point ([`STABLE_POINTS`]). Otherwise up or down by the sign of the change.
pub fn trend(current: Option<f64>, previous: Option<f64>, unit: Unit) -> Option<Trend> {
    let (c, p) = (current?, previous?);
    let change = c - p;
    let stable = match unit {
        Unit::Count | Unit::Money => change.abs() <= STABLE_RELATIVE * p.abs(),
        Unit::Points => change.abs() < STABLE_POINTS,
    };
    Some(if stable {
        Trend::Stable
    } else if change > 0.0 {
        Trend::Up
    } else {
        Trend::Down
    })
}

/// One KPI card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// Stable key (`clients`, `revenue`, ...), for tests and exports.
    pub key: String,
    pub label: String,
    /// For the chosen window; `None` when there is nothing to measure (no finished tasks, no audits).
    pub value: Option<f64>,
    /// The same figure for the previous window of the same length.
    pub previous: Option<f64>,
    pub unit: Unit,
    pub trend: Option<Trend>,
    /// Whether a rise is good news (false for open alerts): decides the trend's colour.
    pub up_is_good: bool,
    /// What the figure is made of, in words ("4 prospects, 2 won, …").
    pub detail: String,
    /// The page the figure comes from.
    pub href: String,
}

impl Kpi {
    /// A card whose trend follows from its two values by [`trend`].
    pub fn new(key: &str, label: &str, unit: Unit, value: Option<f64>, previous: Option<f64>) -> Kpi {
        Kpi {
            key: key.into(),
            label: label.into(),
            value,
            previous,
            unit,
            trend: trend(value, previous, unit),
            up_is_good: true,
            detail: String::new(),
            href: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Kpi {
        self.detail = detail.into();
        self
    }

    pub fn href(mut self, href: impl Into<String>) -> Kpi {
        self.href = href.into();
        self
    }

    pub fn bad_when_up(mut self) -> Kpi {
        self.up_is_good = false;
        self
    }
}

/// An agent's state on the status strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "n", rename_all = "snake_case")]
pub enum AgentState {
    Idle,
    Running(i64),
    Disabled,
    CircuitOpen,
}

impl AgentState {
    /// Disabled wins over an open circuit (nothing runs either way), an open circuit over running.
    pub fn of(enabled: bool, circuit_open: bool, running: i64) -> AgentState {
        match (enabled, circuit_open, running) {
            (false, _, _) => AgentState::Disabled,
            (true, true, _) => AgentState::CircuitOpen,
            (true, false, n) if n > 0 => AgentState::Running(n),
            _ => AgentState::Idle,
        }
    }

    pub fn label(self) -> String {
        match self {
            AgentState::Idle => "idle".into(),
            AgentState::Running(n) => format!("running {n}"),
            AgentState::Disabled => "disabled".into(),
            AgentState::CircuitOpen => "circuit open".into(),
        }
    }

    /// The CSS modifier that colours it.
    pub fn class(self) -> &'static str {
        match self {
            AgentState::Idle => "idle",
            AgentState::Running(_) => "running",
            AgentState::Disabled => "disabled",
            AgentState::CircuitOpen => "circuit",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentStrip {
    pub agent: AgentId,
    pub state: AgentState,
    pub pending: i64,
}

/// Finished tasks in one bucket (or of one agent), by outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    pub completed: i64,
    pub failed: i64,
    pub cancelled: i64,
}

/// One point of a time series: the bucket's start and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point<T> {
    pub at: DateTime<Utc>,
    pub value: T,
}

/// One step of the sales funnel: how many clients reached the stage, and the share of the previous step's
/// that did (the sales operations manager's conversion rule).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    pub stage: String,
    pub reached: i64,
    pub conversion: Option<f64>,
}

/// An activity-feed line: who did what to which object, and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The actor's name, or "System" for the task engine.
    pub who: String,
    pub what: String,
    /// The client's or object's name, when it has one.
    pub object: Option<String>,
    pub href: Option<String>,
}

/// Everything the dashboard shows, for one caller and window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub range: DashboardRange,
    pub window: Window,
    pub bucket: Bucket,
    /// Whether the figures are the caller's portfolio only (an account manager's).
    pub portfolio_only: bool,
    pub kpis: Vec<Kpi>,
    pub agents: Vec<AgentStrip>,
    pub tasks_per_bucket: Vec<Point<Outcomes>>,
    pub tasks_by_agent: Vec<(AgentId, Outcomes)>,
    /// Mean health of the site audits that completed in each bucket, with how many there were.
    pub health: Vec<Point<(f64, i64)>>,
    /// Clients per industry (label, count), largest first.
    pub industries: Vec<(String, i64)>,
    pub funnel: Vec<FunnelStep>,
    /// Pages fetched per minute over the last [`CRAWL_RATE_MINUTES`] minutes.
    pub crawl_rate: Vec<Point<i64>>,
    pub running_crawls: i64,
    pub feed: Vec<FeedItem>,
    /// No clients and no tasks in scope yet: the page shows how to start instead of empty charts.
    pub empty: bool,
    /// Report emails in scope that failed for good in the last [`FAILED_REPORTS_DAYS`] days (a warning
    /// that links to them).
    pub failed_report_emails: i64,
}

/// How far back the dashboard's failed report emails warning looks.
pub const FAILED_REPORTS_DAYS: i64 = 7;

/// How far back the crawl-rate chart looks.
pub const CRAWL_RATE_MINUTES: i64 = 30;

/// The feed's sentence for an event: "created client", "completed a site audit", ... Falls back to the
/// action's name with dots as spaces.
pub fn describe(action: &str, detail: &serde_json::Value) -> String {
    let s = |k: &str| detail.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    match action {
        "client.created" => "added client".into(),
        "client.updated" => "edited client".into(),
        "client.deleted" => "deleted client".into(),
        "client.assigned" => "assigned an account manager to".into(),
        "client.stage_changed" => format!("moved to {}:", s("to").replace('_', " ")),
        "client.alert" => format!("raised an alert ({}) for", s("severity")),
        "campaign.created" => "created a campaign for".into(),
        "campaign.updated" => "edited a campaign of".into(),
        "campaign.deleted" => "deleted a campaign of".into(),
        "campaign.status_changed" => format!("set a campaign to {} for", s("to")),
        "task.created" => "queued a task for".into(),
        "task.completed" => "finished a task for".into(),
        "task.failed" => "saw a task fail for".into(),
        "task.cancelled" => "cancelled a task for".into(),
        "report.sent" => format!("emailed the {} report of", s("period")),
        "report.scheduled" => "scheduled report emails for".into(),
        "report.unscheduled" => "stopped report emails for".into(),
        "audit.completed" => "completed a site audit of".into(),
        "message.received" => "wrote to the agency for".into(),
        "message.sent" => "answered the message of".into(),
        "portal.invited" => format!("invited {} to the portal of", s("email")),
        "portal.joined" => "joined the portal of".into(),
        "portal.access_removed" => format!("removed {}'s portal access to", s("email")),
        "audit.regression" => format!("raised a regression alert ({}) for", s("severity")),
        "user.created" => "created user".into(),
        "user.role_changed" => format!("made {} of", s("to").replace('_', " ")),
        "user.deactivated" => "deactivated user".into(),
        "user.reactivated" => "reactivated user".into(),
        "user.password_reset" => "reset the password of".into(),
        "user.password_changed" => "changed their password".into(),
        "user.signed_in" => "signed in".into(),
        "user.signed_out" => "signed out".into(),
        "webhook.created" => "added webhook endpoint".into(),
        "webhook.updated" => "changed webhook endpoint".into(),
        "webhook.deleted" => "deleted webhook endpoint".into(),
        "webhook.secret_rotated" => "rotated the signing secret of webhook endpoint".into(),
        "webhook.replayed" => "replayed deliveries to webhook endpoint".into(),
        "webhook.disabled" => format!("disabled webhook endpoint ({})", s("reason").trim_end_matches('.')),
        "agent.enabled" => "enabled agent".into(),
        "agent.disabled" => "disabled agent".into(),
        other => other.replace(['.', '_'], " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_means_within_five_percent_for_counts_and_under_a_point_for_rates() {
        assert_eq!(trend(Some(105.0), Some(100.0), Unit::Count), Some(Trend::Stable));
        assert_eq!(trend(Some(105.1), Some(100.0), Unit::Count), Some(Trend::Up));
        assert_eq!(trend(Some(94.0), Some(100.0), Unit::Money), Some(Trend::Down));
        assert_eq!(trend(Some(1.0), Some(0.0), Unit::Count), Some(Trend::Up));
        assert_eq!(trend(Some(0.0), Some(0.0), Unit::Count), Some(Trend::Stable));
        assert_eq!(trend(Some(80.9), Some(80.0), Unit::Points), Some(Trend::Stable));
        assert_eq!(trend(Some(81.0), Some(80.0), Unit::Points), Some(Trend::Up));
        assert_eq!(trend(Some(70.0), Some(80.0), Unit::Points), Some(Trend::Down));
        assert_eq!(trend(None, Some(80.0), Unit::Points), None);
        assert_eq!(trend(Some(1.0), None, Unit::Count), None);
    }

    #[test]
    fn ranges_parse_from_the_url_and_name_the_field_they_refuse() {
        assert_eq!(DashboardRange::parse("", "", "").unwrap(), DashboardRange::default());
        assert_eq!(DashboardRange::parse("quarter", "junk", "").unwrap().kind, RangeKind::Quarter);
        assert!(DashboardRange::parse("decade", "", "").unwrap_err().get("range").is_some());
        let missing = DashboardRange::parse("custom", "", "2026-01-01").unwrap_err();
        assert!(missing.get("from").is_some() && missing.get("to").is_none());
        assert!(DashboardRange::parse("custom", "2026-02-30", "2026-03-01").unwrap_err().get("from").is_some());
        assert!(DashboardRange::parse("custom", "2026-03-02", "2026-03-01").unwrap_err().get("to").is_some());
        assert!(DashboardRange::parse("custom", "2020-01-01", "2026-03-01").unwrap_err().get("to").is_some());
        let r = DashboardRange::parse("custom", "2026-03-01", "2026-03-31").unwrap();
        assert_eq!(r.query(), "range=custom&from=2026-03-01&to=2026-03-31");
    }

    #[test]
    fn windows_and_their_previous_windows_have_the_same_length() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let week = DashboardRange::default().window(now);
        assert_eq!(week.start, now - Duration::days(7));
        assert_eq!(week.previous().end, week.start);
        assert_eq!(week.previous().start, now - Duration::days(14));
        assert_eq!(week.bucket(), Bucket::Day);
        assert_eq!(DashboardRange::parse("day", "", "").unwrap().window(now).bucket(), Bucket::Hour);
        let custom = DashboardRange::parse("custom", "2026-03-01", "2026-03-31").unwrap().window(now);
        assert_eq!(custom.start, Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        assert_eq!(custom.end, Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
        assert_eq!(custom.previous().start, Utc.with_ymd_and_hms(2026, 1, 29, 0, 0, 0).unwrap());
    }

    #[test]
    fn agent_states_put_disabled_before_an_open_circuit_before_running() {
        assert_eq!(AgentState::of(false, true, 3), AgentState::Disabled);
        assert_eq!(AgentState::of(true, true, 3), AgentState::CircuitOpen);
        assert_eq!(AgentState::of(true, false, 3).label(), "running 3");
        assert_eq!(AgentState::of(true, false, 0), AgentState::Idle);
    }
}
