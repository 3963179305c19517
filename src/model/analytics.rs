//! Analytics: per-agent figures, business figures and the system's own figures for a range, and the one
//! table shape every export format writes them in.

use serde::{Deserialize, Serialize};

use crate::model::campaign::AgentId;
use crate::model::dashboard::{DashboardRange, Window};

/// One agent's tasks that finished in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentFigures {
    pub agent: AgentId,
    pub completed: i64,
    pub failed: i64,
    pub cancelled: i64,
    /// `completed / (completed + failed)` in percent; `None` when nothing completed or failed.
    pub success_rate: Option<f64>,
    /// Mean and 95th percentile (continuous, `percentile_cont(0.95)`) of the run time of completed and
    /// failed tasks, in milliseconds.
    pub mean_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub llm_tokens: i64,
    pub llm_cost: f64,
}

/// Clients in one pipeline stage now, and their deal value (the sales operations manager's rule: the
/// monthly value, else the lead's budget).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageFigures {
    pub stage: String,
    pub clients: i64,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessFigures {
    pub stages: Vec<StageFigures>,
    /// Clients moved to won, and to lost, within the window.
    pub won: i64,
    pub lost: i64,
    /// `won / (won + lost)` in percent over the window; `None` when nothing closed.
    pub win_rate: Option<f64>,
    /// Monthly values of the clients in stage won now, and how many they are.
    pub revenue_under_management: i64,
    pub won_clients: i64,
    /// Site audits that completed in the window, and their mean health.
    pub audits: i64,
    pub mean_health: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemFigures {
    pub uptime_secs: u64,
    /// CPU time the process used since it started (user + system), and its resident memory.
    pub cpu_secs: Option<f64>,
    pub rss_bytes: Option<u64>,
    pub db_pool_size: u32,
    pub db_pool_idle: u32,
    pub db_pool_max: u32,
    pub live_streams: i64,
    pub queue_ready: i64,
    pub queue_running: i64,
    pub queue_expired_leases: i64,
    pub oldest_ready_secs: Option<f64>,
}

/// The analytics page's figures for one range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub range: DashboardRange,
    pub window: Window,
    pub portfolio_only: bool,
    pub agents: Vec<AgentFigures>,
    pub business: BusinessFigures,
    /// For admins and staff only.
    pub system: Option<SystemFigures>,
}

/// Which table an export asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    Agents,
    Business,
    System,
}

impl Report {
    pub const ALL: [Report; 3] = [Report::Agents, Report::Business, Report::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Report::Agents => "agents",
            Report::Business => "business",
            Report::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Report> {
        Report::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A cell of an exported table: numbers stay numbers (in JSON and spreadsheets), text is text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Int(i64),
    Num(f64),
    Text(String),
    Empty,
}

impl Cell {
    fn opt(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, |v| Cell::Num((v * 10.0).round() / 10.0))
    }

    /// The cell as CSV text (empty for no value).
    pub fn text(&self) -> String {
        match self {
            Cell::Int(i) => i.to_string(),
            Cell::Num(n) => n.to_string(),
            Cell::Text(t) => t.clone(),
            Cell::Empty => String::new(),
        }
    }
}

/// An export's table: its columns and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Analytics {
    /// The table of `report`; `None` for the system figures when the caller may not see them.
    pub fn table(&self, report: Report) -> Option<Table> {
        match report {
            Report::Agents => Some(Table {
                columns: vec![
                    "agent",
                    "completed",
                    "failed",
                    "cancelled",
                    "success_rate_percent",
                    "mean_ms",
                    "p95_ms",
                    "llm_tokens",
                    "llm_cost",
                ],
                rows: self
                    .agents
                    .iter()
                    .map(|a| {
                        vec![
                            Cell::Text(a.agent.as_str().into()),
                            Cell::Int(a.completed),
                            Cell::Int(a.failed),
                            Cell::Int(a.cancelled),
                            Cell::opt(a.success_rate),
                            Cell::opt(a.mean_ms),
                            Cell::opt(a.p95_ms),
                            Cell::Int(a.llm_tokens),
                            Cell::Num((a.llm_cost * 10_000.0).round() / 10_000.0),
                        ]
                    })
                    .collect(),
            }),
            Report::Business => {
                let b = &self.business;
                let mut rows: Vec<Vec<Cell>> = b
                    .stages
                    .iter()
                    .map(|s| {
                        vec![
                            Cell::Text(format!("stage {}", s.stage.to_lowercase())),
                            Cell::Int(s.clients),
                            Cell::Int(s.value),
                        ]
                    })
                    .collect();
                rows.push(vec![Cell::Text("won in range".into()), Cell::Int(b.won), Cell::Empty]);
                rows.push(vec![Cell::Text("lost in range".into()), Cell::Int(b.lost), Cell::Empty]);
                rows.push(vec![Cell::Text("win rate percent".into()), Cell::opt(b.win_rate), Cell::Empty]);
                rows.push(vec![
                    Cell::Text("revenue under management".into()),
                    Cell::Int(b.won_clients),
                    Cell::Int(b.revenue_under_management),
                ]);
                rows.push(vec![Cell::Text("audits completed".into()), Cell::Int(b.audits), Cell::Empty]);
                rows.push(vec![Cell::Text("mean audit health".into()), Cell::opt(b.mean_health), Cell::Empty]);
                Some(Table { columns: vec!["figure", "count", "value"], rows })
            }
            Report::System => self.system.as_ref().map(|s| {
                let opt_int =
                    |v: Option<u64>| v.map_or(Cell::Empty, |v| Cell::Int(i64::try_from(v).unwrap_or(i64::MAX)));
                let rows = vec![
                    ("uptime_secs", Cell::Int(i64::try_from(s.uptime_secs).unwrap_or(i64::MAX))),
                    ("process_cpu_secs", Cell::opt(s.cpu_secs)),
                    ("process_rss_bytes", opt_int(s.rss_bytes)),
                    ("db_pool_size", Cell::Int(s.db_pool_size.into())),
                    ("db_pool_idle", Cell::Int(s.db_pool_idle.into())),
                    ("db_pool_max", Cell::Int(s.db_pool_max.into())),
                    ("live_streams", Cell::Int(s.live_streams)),
                    ("queue_ready", Cell::Int(s.queue_ready)),
                    ("queue_running", Cell::Int(s.queue_running)),
                    ("queue_expired_leases", Cell::Int(s.queue_expired_leases)),
                    ("queue_oldest_ready_secs", Cell::opt(s.oldest_ready_secs)),
                ];
                Table {
                    columns: vec!["figure", "value"],
                    rows: rows.into_iter().map(|(k, v)| vec![Cell::Text(k.into()), v]).collect(),
                }
            }),
        }
    }
}
