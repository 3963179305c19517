//! Campaigns: a client's piece of work with a type, dates, budget, assigned agents and a lifecycle.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::client::{parse_amount, string_enum, MONEY_MAX, NOTES_MAX};
use crate::validation::{no_control_chars, FieldErrors};

string_enum! {
    CampaignKind {
        TechnicalAudit => "technical_audit", "Technical audit",
        Content => "content", "Content",
        LinkBuilding => "link_building", "Link building",
        Local => "local", "Local SEO",
        FullSeo => "full_seo", "Full SEO",
    }
}

string_enum! {
    /// The lifecycle. Moves: draft -> active -> paused -> active -> completed; cancel from draft, active
    /// or paused. Completed and cancelled are final. See [`CampaignStatus::allowed_moves`].
    CampaignStatus {
        Draft => "draft", "Draft",
        Active => "active", "Active",
        Paused => "paused", "Paused",
        Completed => "completed", "Completed",
        Cancelled => "cancelled", "Cancelled",
    }
}

string_enum! {
    /// The fourteen agents (see agents.md); campaigns name the ones assigned to them.
    AgentId {
        ChiefSeoStrategist => "chief_seo_strategist", "Chief SEO strategist",
        BusinessDevelopmentDirector => "business_development_director", "Business development director",
        TaskCoordinator => "task_coordinator", "Task coordinator",
        SalesOperationsManager => "sales_operations_manager", "Sales operations manager",
        TechnicalSeoOperationsManager => "technical_seo_operations_manager", "Technical SEO operations manager",
        ClientSuccessManager => "client_success_manager", "Client success manager",
        LeadQualification => "lead_qualification", "Lead qualification",
        SalesConversation => "sales_conversation", "Sales conversation",
        ProposalGeneration => "proposal_generation", "Proposal generation",
        TechnicalSeoAuditor => "technical_seo_auditor", "Technical SEO auditor",
        ContentStrategy => "content_strategy", "Content strategy",
        LinkBuilding => "link_building", "Link building",
        CompetitiveAnalysis => "competitive_analysis", "Competitive analysis",
        Reporting => "reporting", "Reporting",
    }
}

string_enum! {
    /// What a user does to a campaign's lifecycle, by name (the API's `POST /campaigns/{id}/{action}`).
    /// Each verb has one target status and starts from the statuses that move there, with one narrowing:
    /// `start` is for drafts and `resume` for paused campaigns, though both end in active.
    CampaignAction {
        Start => "start", "Start",
        Pause => "pause", "Pause",
        Resume => "resume", "Resume",
        Complete => "complete", "Complete",
        Cancel => "cancel", "Cancel",
    }
}

impl CampaignAction {
    /// The status the action moves to.
    pub fn target(self) -> CampaignStatus {
        match self {
            CampaignAction::Start | CampaignAction::Resume => CampaignStatus::Active,
            CampaignAction::Pause => CampaignStatus::Paused,
            CampaignAction::Complete => CampaignStatus::Completed,
            CampaignAction::Cancel => CampaignStatus::Cancelled,
        }
    }

    /// The status a campaign moves to from `from` by this action, or why it can't.
    pub fn apply(self, from: CampaignStatus) -> Result<CampaignStatus, String> {
        let narrowed = match self {
            CampaignAction::Start => from == CampaignStatus::Draft,
            CampaignAction::Resume => from == CampaignStatus::Paused,
            _ => true,
        };
        match from.transition(self.target()) {
            Ok(to) if narrowed => Ok(to),
            Ok(_) if self == CampaignAction::Start => {
                Err("only a draft campaign can be started; resume a paused one".into())
            }
            Ok(_) => Err("only a paused campaign can be resumed; start a draft one".into()),
            Err(refused) => Err(refused.message()),
        }
    }
}

/// Assigned to every new campaign unless the user picks otherwise (agents.md).
pub const DEFAULT_AGENTS: [AgentId; 5] = [
    AgentId::TechnicalSeoAuditor,
    AgentId::ContentStrategy,
    AgentId::CompetitiveAnalysis,
    AgentId::LinkBuilding,
    AgentId::Reporting,
];

/// A refused status change, naming the moves that are allowed from where the campaign is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionRefused {
    pub from: CampaignStatus,
    pub to: CampaignStatus,
    pub allowed: Vec<CampaignStatus>,
}

impl TransitionRefused {
    pub fn message(&self) -> String {
        let allowed: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
        let article = if self.from.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        if allowed.is_empty() {
            format!("{article} {} campaign can't change status any more", self.from)
        } else {
            format!("{article} {} campaign can't become {}; it can become: {}", self.from, self.to, allowed.join(", "))
        }
    }
}

impl CampaignStatus {
    pub fn allowed_moves(self) -> &'static [CampaignStatus] {
        use CampaignStatus::*;
        match self {
            Draft => &[Active, Cancelled],
            Active => &[Paused, Completed, Cancelled],
            Paused => &[Active, Cancelled],
            Completed | Cancelled => &[],
        }
    }

    pub fn transition(self, to: CampaignStatus) -> Result<CampaignStatus, TransitionRefused> {
        if self.allowed_moves().contains(&to) {
            Ok(to)
        } else {
            Err(TransitionRefused { from: self, to, allowed: self.allowed_moves().to_vec() })
        }
    }

    /// Active and paused campaigns hold work in flight: they can't be deleted, nor can their client.
    pub fn deletable(self) -> bool {
        !matches!(self, CampaignStatus::Active | CampaignStatus::Paused)
    }

    /// The button text for moving to this status.
    pub fn verb(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "Back to draft",
            CampaignStatus::Active => "Start",
            CampaignStatus::Paused => "Pause",
            CampaignStatus::Completed => "Complete",
            CampaignStatus::Cancelled => "Cancel campaign",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub name: String,
    pub kind: CampaignKind,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub budget: i64,
    pub objectives: String,
    pub agents: Vec<AgentId>,
    pub status: CampaignStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The campaign form, every field a string (a field left out is empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignInput {
    pub name: String,
    pub kind: String,
    pub start_date: String,
    pub end_date: String,
    pub budget: String,
    pub objectives: String,
    /// Agent ids; empty means the default five. A form with no box ticked sends no key at all.
    #[serde(default)]
    pub agents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDraft {
    pub name: String,
    pub kind: CampaignKind,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub budget: i64,
    pub objectives: String,
    pub agents: Vec<AgentId>,
}

pub const CAMPAIGN_NAME_MAX: usize = 120;

impl CampaignInput {
    pub fn validate(&self) -> Result<CampaignDraft, FieldErrors> {
        no_control_chars(self)?;
        let mut e = FieldErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.add("name", "enter a campaign name");
        } else if name.chars().count() > CAMPAIGN_NAME_MAX {
            e.add("name", format!("must be at most {CAMPAIGN_NAME_MAX} characters"));
        }
        let kind = CampaignKind::parse(self.kind.trim()).unwrap_or_else(|| {
            e.add("kind", "choose a campaign type");
            CampaignKind::FullSeo
        });
        let date = |raw: &str| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d");
        let start_date = match date(&self.start_date) {
            Ok(d) => Some(d),
            Err(_) => {
                e.add("start_date", "enter a start date (YYYY-MM-DD)");
                None
            }
        };
        let end_date = match self.end_date.trim() {
            "" => None,
            raw => match date(raw) {
                Ok(d) => Some(d),
                Err(_) => {
                    e.add("end_date", "enter an end date (YYYY-MM-DD) or leave it empty");
                    None
                }
            },
        };
        if let (Some(s), Some(end)) = (start_date, end_date) {
            if end < s {
                e.add("end_date", "the end date can't be before the start date");
            }
        }
        let budget = parse_amount(&self.budget, MONEY_MAX).unwrap_or_else(|m| {
            e.add("budget", format!("budget {m}"));
            None
        });
        let objectives = self.objectives.trim().to_string();
        if objectives.chars().count() > NOTES_MAX {
            e.add("objectives", format!("must be at most {NOTES_MAX} characters"));
        }
        let mut agents = Vec::new();
        for a in &self.agents {
            match AgentId::parse(a.trim()) {
                Some(id) if !agents.contains(&id) => agents.push(id),
                Some(_) => {}
                None => e.add("agents", format!("{a:?} is not an agent")),
            }
        }
        if agents.is_empty() {
            agents = DEFAULT_AGENTS.to_vec();
        }
        e.into_result()?;
        Ok(CampaignDraft {
            name,
            kind,
            start_date: start_date.unwrap_or_default(),
            end_date,
            budget: budget.unwrap_or(0),
            objectives,
            agents,
        })
    }

    pub fn from_campaign(c: &Campaign) -> CampaignInput {
        CampaignInput {
            name: c.name.clone(),
            kind: c.kind.as_str().into(),
            start_date: c.start_date.format("%Y-%m-%d").to_string(),
            end_date: c.end_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            budget: c.budget.to_string(),
            objectives: c.objectives.clone(),
            agents: c.agents.iter().map(|a| a.as_str().to_string()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CampaignStatus::*;
    use super::*;

    /// Every (from, to) pair: exactly the documented moves pass, everything else is refused with the
    /// allowed moves named.
    #[test]
    fn lifecycle_allows_exactly_the_documented_moves() {
        let allowed = [
            (Draft, Active),
            (Draft, Cancelled),
            (Active, Paused),
            (Active, Completed),
            (Active, Cancelled),
            (Paused, Active),
            (Paused, Cancelled),
        ];
        for &from in CampaignStatus::ALL {
            for &to in CampaignStatus::ALL {
                let result = from.transition(to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(to), "{from} -> {to}");
                } else {
                    let refused = result.expect_err(&format!("{from} -> {to} must be refused"));
                    assert_eq!(refused.allowed, from.allowed_moves());
                    for a in from.allowed_moves() {
                        assert!(refused.message().contains(a.as_str()), "{}", refused.message());
                    }
                }
            }
        }
    }

    #[test]
    fn final_states_say_so() {
        assert_eq!(
            Completed.transition(Active).unwrap_err().message(),
            "a completed campaign can't change status any more"
        );
    }

    #[test]
    fn only_campaigns_without_work_in_flight_are_deletable() {
        let deletable: Vec<_> = CampaignStatus::ALL.iter().filter(|s| s.deletable()).collect();
        assert_eq!(deletable, [&Draft, &Completed, &Cancelled]);
    }

    fn input() -> CampaignInput {
        CampaignInput {
            name: " Q1 audit ".into(),
            kind: "technical_audit".into(),
            start_date: "2026-01-05".into(),
            end_date: "2026-03-31".into(),
            budget: "4 000".into(),
            objectives: "Fix crawl errors".into(),
            agents: vec![],
        }
    }

    #[test]
    fn actions_move_from_their_own_statuses_only() {
        let every: Vec<(CampaignAction, CampaignStatus, Option<CampaignStatus>)> = CampaignAction::ALL
            .iter()
            .flat_map(|a| CampaignStatus::ALL.iter().map(move |f| (*a, *f, a.apply(*f).ok())))
            .collect();
        let allowed: Vec<_> =
            every.iter().filter(|(_, _, to)| to.is_some()).map(|(a, f, to)| (*a, *f, to.unwrap())).collect();
        assert_eq!(
            allowed,
            vec![
                (CampaignAction::Start, Draft, Active),
                (CampaignAction::Pause, Active, Paused),
                (CampaignAction::Resume, Paused, Active),
                (CampaignAction::Complete, Active, Completed),
                (CampaignAction::Cancel, Draft, Cancelled),
                (CampaignAction::Cancel, Active, Cancelled),
                (CampaignAction::Cancel, Paused, Cancelled),
            ]
        );
        assert!(CampaignAction::Start.apply(Paused).unwrap_err().contains("resume"));
        assert!(CampaignAction::Resume.apply(Draft).unwrap_err().contains("start"));
        assert!(CampaignAction::Pause.apply(Completed).unwrap_err().contains("can't change status"));
    }

    #[test]
    fn new_campaigns_get_the_five_default_agents() {
        let d = input().validate().unwrap();
        assert_eq!(d.name, "Q1 audit");
        assert_eq!(d.agents, DEFAULT_AGENTS);
        assert_eq!(d.budget, 4000);
    }

    #[test]
    fn the_user_can_choose_the_agents() {
        let mut i = input();
        i.agents = vec!["reporting".into(), "lead_qualification".into(), "reporting".into()];
        assert_eq!(i.validate().unwrap().agents, [AgentId::Reporting, AgentId::LeadQualification]);
        i.agents = vec!["magic".into()];
        assert!(i.validate().unwrap_err().get("agents").is_some());
    }

    #[test]
    fn end_may_not_precede_start() {
        let mut i = input();
        i.end_date = "2025-12-31".into();
        assert!(i.validate().unwrap_err().get("end_date").is_some());
        i.end_date = "2026-01-05".into();
        assert!(i.validate().is_ok(), "same day is fine");
    }

    #[test]
    fn a_control_character_is_refused_by_field() {
        let mut i = input();
        i.name = "Q1\0".into();
        i.agents = vec!["reporting\u{1b}".into()];
        let e = i.validate().unwrap_err();
        assert!(e.get("name").is_some() && e.get("agents").is_some(), "{e}");
        let mut i = input();
        i.objectives = "Fix crawl errors\r\nthen\twrite".into();
        assert!(i.validate().is_ok(), "a textarea's CRLF and tabs are text");
    }

    #[test]
    fn there_are_fourteen_agents() {
        assert_eq!(AgentId::ALL.len(), 14);
    }
}
