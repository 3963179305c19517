//! Agent tasks: what runs, on what, in which state, and what it produced.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::campaign::AgentId;
use super::client::string_enum;
use crate::agents;
use crate::validation::{no_control_chars, FieldErrors};

string_enum! {
    /// The lifecycle: pending -> in_progress -> completed | failed | cancelled. A failed attempt that may
    /// be retried goes back to pending with a later `run_after`.
    TaskStatus {
        Pending => "pending", "Pending",
        InProgress => "in_progress", "In progress",
        Completed => "completed", "Completed",
        Failed => "failed", "Failed",
        Cancelled => "cancelled", "Cancelled",
    }
}

impl TaskStatus {
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled)
    }
}

string_enum! {
    /// Claimed highest first; within a priority, oldest first.
    Priority {
        Low => "low", "Low",
        Normal => "normal", "Normal",
        High => "high", "High",
        Urgent => "urgent", "Urgent",
    }
}

impl Priority {
    /// The stored value (0 low .. 3 urgent).
    pub fn rank(self) -> i16 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
            Priority::Urgent => 3,
        }
    }

    pub fn from_rank(rank: i16) -> Priority {
        match rank {
            i16::MIN..=0 => Priority::Low,
            1 => Priority::Normal,
            2 => Priority::High,
            _ => Priority::Urgent,
        }
    }
}

string_enum! {
    /// What a task does. Each type belongs to one agent (see [`TaskType::agent`]).
    TaskType {
        ClientAnalysis => "client_analysis", "Client analysis",
        LeadQualification => "lead_qualification", "Lead qualification",
        SalesConversation => "sales_conversation", "Sales conversation",
        ProposalGeneration => "proposal_generation", "Proposal",
        PipelineReview => "pipeline_review", "Pipeline review",
        ClientHealth => "client_health", "Client health",
        Strategy => "strategy", "Strategy roadmap",
        Reporting => "reporting", "Report",
        ReportDelivery => "report_delivery", "Report email",
        MessageReply => "message_reply", "Reply draft",
        CampaignPlan => "campaign_plan", "Campaign plan",
        TechnicalSeoAudit => "technical_seo_audit", "Technical SEO audit",
        ContentStrategy => "content_strategy", "Content strategy",
        LinkBuilding => "link_building", "Link building",
        CompetitiveAnalysis => "competitive_analysis", "Competitive analysis",
        CrawlComparison => "crawl_comparison", "Crawl comparison",
        Ping => "ping", "Engine check",
    }
}

/// What a task type needs to be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A client; a campaign of that client is optional.
    Client,
    /// A campaign (its client comes with it).
    Campaign,
    /// The pipeline in the caller's scope: neither a client nor a campaign.
    Pipeline,
}

impl TaskType {
    /// The agent that runs this task type (the task coordinator's routing table).
    pub fn agent(self) -> AgentId {
        use TaskType::*;
        match self {
            ClientAnalysis => AgentId::BusinessDevelopmentDirector,
            LeadQualification => AgentId::LeadQualification,
            SalesConversation => AgentId::SalesConversation,
            ProposalGeneration => AgentId::ProposalGeneration,
            PipelineReview => AgentId::SalesOperationsManager,
            ClientHealth | MessageReply => AgentId::ClientSuccessManager,
            Strategy => AgentId::ChiefSeoStrategist,
            Reporting | ReportDelivery => AgentId::Reporting,
            CampaignPlan | Ping => AgentId::TaskCoordinator,
            TechnicalSeoAudit => AgentId::TechnicalSeoAuditor,
            ContentStrategy => AgentId::ContentStrategy,
            LinkBuilding => AgentId::LinkBuilding,
            CompetitiveAnalysis => AgentId::CompetitiveAnalysis,
            CrawlComparison => AgentId::TechnicalSeoOperationsManager,
        }
    }

    pub fn subject(self) -> Subject {
        match self {
            TaskType::PipelineReview | TaskType::Ping => Subject::Pipeline,
            TaskType::CampaignPlan => Subject::Campaign,
            _ => Subject::Client,
        }
    }

    /// Task types a person may start from the "Run an agent" form (campaign plans start with their
    /// campaign; the engine check is for operators and benchmarks).
    pub fn runnable_by_people(self) -> bool {
        !matches!(self, TaskType::CampaignPlan | TaskType::Ping | TaskType::ReportDelivery | TaskType::MessageReply)
    }

    /// Attempts a task of this type gets. A report email waits out a mail server's outage:
    /// eight attempts span about four minutes of backoff ([`crate::tasks::queue::backoff`]), after which
    /// the delivery shows as failed and can be sent again.
    pub fn max_attempts(self) -> i32 {
        match self {
            TaskType::ReportDelivery => 8,
            _ => 3,
        }
    }

    /// The task types an agent takes.
    pub fn of_agent(agent: AgentId) -> Vec<TaskType> {
        TaskType::ALL.iter().copied().filter(|t| t.agent() == agent && *t != TaskType::Ping).collect()
    }
}

/// Agent tier (agents.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Executive,
    Management,
    Operational,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Executive => "Executive",
            Tier::Management => "Management",
            Tier::Operational => "Operational",
        }
    }
}

impl AgentId {
    pub fn tier(self) -> Tier {
        use AgentId::*;
        match self {
            ChiefSeoStrategist | BusinessDevelopmentDirector => Tier::Executive,
            TaskCoordinator | SalesOperationsManager | TechnicalSeoOperationsManager | ClientSuccessManager => {
                Tier::Management
            }
            _ => Tier::Operational,
        }
    }

    /// What the agent computes, in one sentence for the agents page.
    pub fn description(self) -> &'static str {
        use AgentId::*;
        match self {
            ChiefSeoStrategist => "Campaign roadmap: items scored impact x effort into quick wins, major projects and fill-ins, a 90-day plan and KPI targets.",
            BusinessDevelopmentDirector => "Runs on every new client: enterprise score from revenue, employees, industry and market; deal-size band, priority and approach.",
            TaskCoordinator => "Plans a campaign's task graph when it starts and routes each task type to its agent; fails clearly when an agent is disabled or its circuit is open.",
            SalesOperationsManager => "Pipeline by stage: counts, conversion between stages, days in stage, weighted forecast and a pipeline health score.",
            TechnicalSeoOperationsManager => "Compares a client's last two crawls: new, fixed and persisting issues, score deltas and regression alerts; runs each client's weekly or monthly audit schedule.",
            ClientSuccessManager => "Client health and churn risk from campaign progress, task failures, audit trend, activity and monthly value; alerts as events.",
            LeadQualification => "BANT (budget, authority, need, timeline) plus firmographic fit: score, tier, close probability and the next agent.",
            SalesConversation => "Next-step email or call script for a lead: talking points and objection answers from the lead's data and audit.",
            ProposalGeneration => "Three packages with scope, monthly price and expected outcomes, priced from size band, industry, lead tier and audit issue load.",
            TechnicalSeoAuditor => "Crawls the client's site (robots.txt, sitemaps, polite limits), runs the audit checks and stores pages, links and issues with the health score.",
            ContentStrategy => "Top terms, thin and duplicate pages, topic clusters and a content calendar from crawled text.",
            LinkBuilding => "Internal link graph, orphan and deep pages, broken links and outreach prospects.",
            CompetitiveAnalysis => "Bounded crawls of competitors compared side by side.",
            Reporting => "Client or campaign report: KPIs, score trend, issues fixed and new, anomalies; printable, CSV and JSON.",
        }
    }
}

/// Extra parameters a task type takes besides its client or campaign (stored as the task's `input`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskParams {
    /// Proposal currency (ISO 4217); the server's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Report period in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_days: Option<u32>,
    /// Pipeline review: the account manager whose portfolio it covers (None: every client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portfolio_of: Option<Uuid>,
    /// Report email: the delivery it sends (`report_deliveries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<Uuid>,
    /// Reply draft: the client's message it answers (`messages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
}

/// One planned task of a campaign graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedTask {
    pub task_id: Option<Uuid>,
    pub task_type: TaskType,
    pub agent: AgentId,
    /// Task types that must complete first.
    pub after: Vec<TaskType>,
    /// Set when the step is left out, with the reason.
    pub skipped: Option<String>,
}

/// The task coordinator's plan of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignPlan {
    pub steps: Vec<PlannedTask>,
    pub reasons: Vec<String>,
}

/// What a task produced, by type; stored as JSONB and rendered by the task page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "output", rename_all = "snake_case")]
pub enum TaskOutput {
    ClientAnalysis(agents::business_development_director::Output),
    LeadQualification(agents::lead_qualification::Output),
    SalesConversation(agents::sales_conversation::Output),
    ProposalGeneration(agents::proposal_generation::Output),
    PipelineReview(agents::sales_operations_manager::Output),
    ClientHealth(agents::client_success_manager::Output),
    Strategy(agents::chief_seo_strategist::Output),
    Reporting(agents::reporting::Output),
    ReportDelivery(super::delivery::DeliveryOutput),
    MessageReply(agents::client_success_manager::reply::Output),
    CampaignPlan(CampaignPlan),
    TechnicalSeoAudit(super::crawl::AuditResult),
    ContentStrategy(agents::content_strategy::ContentOutput),
    LinkBuilding(agents::link_building::LinkOutput),
    CompetitiveAnalysis(agents::competitive_analysis::CompetitiveOutput),
    CrawlComparison(agents::technical_seo_operations_manager::Output),
    Ping {},
}

/// A task as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TaskSummary {
    pub id: Uuid,
    pub task_type: TaskType,
    pub agent: AgentId,
    pub status: TaskStatus,
    pub priority: Priority,
    pub client_id: Option<Uuid>,
    pub client_name: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub campaign_name: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i32>,
}

/// A task with everything its page shows. `O` is how its result is held: typed (the default), or as its
/// JSON where the result is passed on without being read (the task page, see `Task::with_output_json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task<O = TaskOutput> {
    pub summary: TaskSummary,
    pub params: TaskParams,
    pub output: Option<O>,
    pub error_kind: Option<String>,
    pub run_after: DateTime<Utc>,
    pub depends_on: Vec<Uuid>,
    pub cancel_requested: bool,
    pub created_by_email: Option<String>,
    pub llm_prompt_tokens: i32,
    pub llm_completion_tokens: i32,
    pub llm_cost: f64,
}

impl Task {
    /// The same task with its result as JSON (the shape it is stored and exported in).
    pub fn with_output_json(self) -> Result<Task<serde_json::Value>, serde_json::Error> {
        let output = self.output.as_ref().map(serde_json::to_value).transpose()?;
        Ok(Task {
            summary: self.summary,
            params: self.params,
            output,
            error_kind: self.error_kind,
            run_after: self.run_after,
            depends_on: self.depends_on,
            cancel_requested: self.cancel_requested,
            created_by_email: self.created_by_email,
            llm_prompt_tokens: self.llm_prompt_tokens,
            llm_completion_tokens: self.llm_completion_tokens,
            llm_cost: self.llm_cost,
        })
    }
}

/// The task list's filters; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub task_type: Option<TaskType>,
    pub agent: Option<AgentId>,
    pub client_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub priority: Option<Priority>,
    /// Show tasks created before this one (paging, newest first).
    pub before: Option<DateTime<Utc>>,
    /// Show the tasks after this one in the list's order (the API's cursor; see `TimeCursor`).
    pub after: Option<crate::model::paging::TimeCursor>,
    pub limit: Option<i64>,
}

impl TaskFilter {
    /// Reads the filter from query parameters (as strings); unknown values are errors naming the field.
    pub fn parse(
        status: &str,
        task_type: &str,
        agent: &str,
        client: &str,
        campaign: &str,
        priority: &str,
    ) -> Result<TaskFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut f = TaskFilter::default();
        fn pick<T>(
            errors: &mut FieldErrors,
            field: &str,
            raw: &str,
            parse: impl Fn(&str) -> Option<T>,
            what: &str,
        ) -> Option<T> {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            let v = parse(raw);
            if v.is_none() {
                errors.add(field, format!("unknown {what} \u{201c}{raw}\u{201d}"));
            }
            v
        }
        f.status = pick(&mut errors, "status", status, TaskStatus::parse, "status");
        f.task_type = pick(&mut errors, "task_type", task_type, TaskType::parse, "task type");
        f.agent = pick(&mut errors, "agent", agent, AgentId::parse, "agent");
        f.client_id = pick(&mut errors, "client", client, |s| Uuid::parse_str(s).ok(), "client id");
        f.campaign_id = pick(&mut errors, "campaign", campaign, |s| Uuid::parse_str(s).ok(), "campaign id");
        f.priority = pick(&mut errors, "priority", priority, Priority::parse, "priority");
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }
}

/// The "Run an agent" form, every field a string (a field left out is empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewTaskInput {
    pub task_type: String,
    pub client_id: String,
    pub campaign_id: String,
    pub priority: String,
    pub currency: String,
    pub period_days: String,
}

/// A validated request to run a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    pub task_type: TaskType,
    pub client_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub priority: Priority,
    pub params: TaskParams,
}

impl NewTask {
    /// The task as `scope` may run it: a pipeline review covers what its requester sees (an account
    /// manager's portfolio, or every client), never one client or campaign.
    pub fn for_scope(mut self, scope: crate::policy::ClientScope) -> NewTask {
        if self.task_type == TaskType::PipelineReview {
            self.client_id = None;
            self.campaign_id = None;
            if let crate::policy::ClientScope::ManagedBy(me) = scope {
                self.params.portfolio_of = Some(me);
            }
        }
        self
    }
}

/// Proposal currencies offered (ISO 4217).
pub const CURRENCIES: [&str; 6] = ["USD", "EUR", "GBP", "CAD", "AUD", "RUB"];

/// Longest report period a person may ask for.
pub const MAX_PERIOD_DAYS: u32 = 366;

impl NewTaskInput {
    pub fn validate(&self) -> Result<NewTask, FieldErrors> {
        no_control_chars(self)?;
        let mut errors = FieldErrors::default();
        let task_type = match TaskType::parse(self.task_type.trim()) {
            Some(t) if t.runnable_by_people() => Some(t),
            Some(t) => {
                errors.add("task_type", format!("{} tasks can't be started from this form", t.label()));
                None
            }
            None if self.task_type.trim().is_empty() => {
                errors.add("task_type", "choose what to run");
                None
            }
            None => {
                errors.add("task_type", "unknown task type");
                None
            }
        };
        let uuid = |errors: &mut FieldErrors, field: &str, raw: &str| -> Option<Uuid> {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            let id = Uuid::parse_str(raw).ok();
            if id.is_none() {
                errors.add(field, "not a valid id");
            }
            id
        };
        let client_id = uuid(&mut errors, "client_id", &self.client_id);
        let campaign_id = uuid(&mut errors, "campaign_id", &self.campaign_id);
        if let Some(t) = task_type {
            match t.subject() {
                Subject::Client if client_id.is_none() && self.client_id.trim().is_empty() => {
                    errors.add("client_id", format!("choose the client to run {} on", t.label().to_lowercase()))
                }
                Subject::Campaign if campaign_id.is_none() && self.campaign_id.trim().is_empty() => {
                    errors.add("campaign_id", "choose a campaign")
                }
                _ => {}
            }
        }
        let priority = match self.priority.trim() {
            "" => Priority::Normal,
            p => Priority::parse(p).unwrap_or_else(|| {
                errors.add("priority", "choose low, normal, high or urgent");
                Priority::Normal
            }),
        };
        let mut params = TaskParams::default();
        if task_type == Some(TaskType::ProposalGeneration) {
            let c = self.currency.trim().to_ascii_uppercase();
            if !c.is_empty() {
                if CURRENCIES.contains(&c.as_str()) {
                    params.currency = Some(c);
                } else {
                    errors.add("currency", format!("choose one of {}", CURRENCIES.join(", ")));
                }
            }
        }
        if task_type == Some(TaskType::Reporting) {
            let p = self.period_days.trim();
            if !p.is_empty() {
                match p.parse::<u32>() {
                    Ok(d) if (1..=MAX_PERIOD_DAYS).contains(&d) => params.period_days = Some(d),
                    _ => errors.add("period_days", format!("a whole number of days from 1 to {MAX_PERIOD_DAYS}")),
                }
            }
        }
        match task_type {
            Some(task_type) if errors.is_empty() => Ok(NewTask { task_type, client_id, campaign_id, priority, params }),
            _ => Err(errors),
        }
    }
}

/// Health of one agent over a window, for the agents page, /ready and /metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AgentWindowStats {
    pub completed: i64,
    pub failed: i64,
    /// completed / (completed + failed); None when nothing finished in the window.
    pub success_rate: Option<f64>,
    pub mean_duration_ms: Option<f64>,
}

/// An agent as the agents page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AgentStatus {
    pub agent: AgentId,
    pub enabled: bool,
    pub circuit: CircuitState,
    pub last_hour: AgentWindowStats,
    pub last_day: AgentWindowStats,
    pub running: i64,
    pub pending: i64,
    pub llm_tokens: i64,
    pub llm_cost: f64,
    pub recent: Vec<TaskSummary>,
}

/// An agent's circuit, derived from its recent results (see `tasks::agent_settings::circuit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CircuitState {
    Closed,
    /// Open after repeated failures until `until`.
    Open {
        until: DateTime<Utc>,
        failures: i64,
    },
}

impl CircuitState {
    pub fn label(&self) -> &'static str {
        match self {
            CircuitState::Closed => "Closed",
            CircuitState::Open { .. } => "Open",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(t: &str) -> NewTaskInput {
        NewTaskInput { task_type: t.into(), ..Default::default() }
    }

    #[test]
    fn a_control_character_in_any_run_field_is_refused_by_name() {
        let mut i = input("lead_qualification");
        i.client_id = Uuid::nil().to_string();
        i.currency = "USD\0".into();
        let e = i.validate().unwrap_err();
        assert!(e.get("currency").is_some(), "even a field this task type ignores: {e}");
    }

    #[test]
    fn client_tasks_need_a_client() {
        let e = input("lead_qualification").validate().unwrap_err();
        assert!(e.get("client_id").is_some_and(|m| m.contains("client")), "{e:?}");
    }

    #[test]
    fn crawl_tasks_are_run_by_people_on_a_client() {
        let mut i = input("technical_seo_audit");
        i.client_id = Uuid::nil().to_string();
        assert_eq!(i.validate().map(|t| t.task_type), Ok(TaskType::TechnicalSeoAudit));
        let e = input("campaign_plan").validate().unwrap_err();
        assert!(e.get("task_type").is_some_and(|m| m.contains("can't be started")), "{e:?}");
    }

    #[test]
    fn proposal_currency_and_report_period_are_checked() {
        let mut i = input("proposal_generation");
        i.client_id = Uuid::nil().to_string();
        i.currency = "XYZ".into();
        assert!(i.validate().unwrap_err().get("currency").is_some());
        i.currency = "eur".into();
        assert_eq!(i.validate().unwrap().params.currency.as_deref(), Some("EUR"));
        let mut r = input("reporting");
        r.client_id = Uuid::nil().to_string();
        r.period_days = "0".into();
        assert!(r.validate().unwrap_err().get("period_days").is_some());
        r.period_days = "30".into();
        assert_eq!(r.validate().unwrap().params.period_days, Some(30));
    }

    #[test]
    fn every_agent_but_the_coordinator_has_task_types_and_routes_back_to_itself() {
        for a in AgentId::ALL {
            for t in TaskType::of_agent(*a) {
                assert_eq!(t.agent(), *a);
            }
            assert!(!TaskType::of_agent(*a).is_empty(), "{a} takes no task type");
        }
    }

    #[test]
    fn priority_rank_round_trips() {
        for p in Priority::ALL {
            assert_eq!(Priority::from_rank(p.rank()), *p);
        }
    }
}
