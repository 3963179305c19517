//! Task coordinator: plans a campaign's task graph when the campaign starts and routes task types to
//! agents.
//!
//! The graph (agents.md): the technical audit first; content, competitive and link work after it;
//! reporting after all of those; the strategy roadmap last, after reporting. A step is planned when its
//! agent is assigned to the campaign, except the strategy, which every campaign ends with; a step depends
//! only on the planned steps before it (an unassigned agent's step is simply absent from the dependencies).
//! `PlannedTask::skipped` stays in the stored plan for plans written by earlier versions.
//!
//! A disabled agent's step is planned all the same, with a warning in the plan: an admin may enable the
//! agent before the step runs. Routing at run time lives with the engine: a task whose agent is disabled,
//! or whose circuit is open, fails with that reason, and the steps waiting for it fail saying so.
//! agents.md names no substitute agent for any task type of this build, so none is rerouted.

use crate::model::task::{CampaignPlan, PlannedTask, TaskType};
use crate::model::AgentId;

/// The campaign graph in order, with each step's predecessors.
pub const GRAPH: [(TaskType, &[TaskType]); 6] = [
    (TaskType::TechnicalSeoAudit, &[]),
    (TaskType::ContentStrategy, &[TaskType::TechnicalSeoAudit]),
    (TaskType::CompetitiveAnalysis, &[TaskType::TechnicalSeoAudit]),
    (TaskType::LinkBuilding, &[TaskType::TechnicalSeoAudit]),
    (
        TaskType::Reporting,
        &[
            TaskType::TechnicalSeoAudit,
            TaskType::ContentStrategy,
            TaskType::CompetitiveAnalysis,
            TaskType::LinkBuilding,
        ],
    ),
    (
        TaskType::Strategy,
        &[
            TaskType::TechnicalSeoAudit,
            TaskType::ContentStrategy,
            TaskType::CompetitiveAnalysis,
            TaskType::LinkBuilding,
            TaskType::Reporting,
        ],
    ),
];

pub struct Input<'a> {
    /// The agents assigned to the campaign.
    pub assigned: &'a [AgentId],
    /// Whether an agent is enabled by the admins.
    pub enabled: &'a dyn Fn(AgentId) -> bool,
}

/// Plans the graph. Dependencies name only steps that are planned (not skipped), so that the engine can
/// run each step as soon as its planned predecessors complete.
pub fn plan(input: &Input<'_>) -> CampaignPlan {
    let mut steps: Vec<PlannedTask> = Vec::new();
    let mut reasons = Vec::new();
    for (task_type, before) in GRAPH {
        let agent = task_type.agent();
        let wanted = task_type == TaskType::Strategy || input.assigned.contains(&agent);
        if !wanted {
            continue;
        }
        if !(input.enabled)(agent) {
            reasons.push(format!(
                "{} is disabled by an admin: its step fails unless the agent is enabled before it runs.",
                agent.label()
            ));
        }
        let after: Vec<TaskType> = before.iter().copied().filter(|b| steps.iter().any(|s| s.task_type == *b)).collect();
        if after.is_empty() {
            reasons.push(format!("{} runs first.", task_type.label()));
        } else {
            reasons.push(format!(
                "{} runs after {}.",
                task_type.label(),
                after.iter().map(|t| t.label().to_lowercase()).collect::<Vec<_>>().join(", ")
            ));
        }
        steps.push(PlannedTask { task_id: None, task_type, agent, after, skipped: None });
    }
    CampaignPlan { steps, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::campaign::DEFAULT_AGENTS;

    fn planned(p: &CampaignPlan) -> Vec<(TaskType, Vec<TaskType>)> {
        p.steps.iter().filter(|s| s.skipped.is_none()).map(|s| (s.task_type, s.after.clone())).collect()
    }

    #[test]
    fn default_campaign_runs_the_audit_then_the_crawl_agents_then_reporting_then_strategy() {
        use TaskType::*;
        let p = plan(&Input { assigned: &DEFAULT_AGENTS, enabled: &|_| true });
        let crawl = vec![TechnicalSeoAudit, ContentStrategy, CompetitiveAnalysis, LinkBuilding];
        assert_eq!(
            planned(&p),
            vec![
                (TechnicalSeoAudit, vec![]),
                (ContentStrategy, vec![TechnicalSeoAudit]),
                (CompetitiveAnalysis, vec![TechnicalSeoAudit]),
                (LinkBuilding, vec![TechnicalSeoAudit]),
                (Reporting, crawl.clone()),
                (Strategy, [crawl, vec![Reporting]].concat()),
            ]
        );
        assert!(p.steps.iter().all(|s| s.skipped.is_none()));
    }

    #[test]
    fn disabled_agent_is_planned_with_a_warning() {
        let p = plan(&Input { assigned: &DEFAULT_AGENTS, enabled: &|a| a != AgentId::Reporting });
        assert_eq!(planned(&p).len(), 6);
        assert!(p.reasons.iter().any(|r| r.starts_with("Reporting is disabled")), "{:?}", p.reasons);
    }

    #[test]
    fn reporting_only_when_assigned_but_strategy_always() {
        let p = plan(&Input { assigned: &[AgentId::ContentStrategy], enabled: &|_| true });
        assert_eq!(
            planned(&p),
            vec![(TaskType::ContentStrategy, vec![]), (TaskType::Strategy, vec![TaskType::ContentStrategy])]
        );
    }

    #[test]
    fn strategy_is_always_last_and_every_dependency_comes_before_its_step() {
        let p = plan(&Input { assigned: AgentId::ALL, enabled: &|_| true });
        assert_eq!(p.steps.last().map(|s| s.task_type), Some(TaskType::Strategy));
        for (i, s) in p.steps.iter().enumerate() {
            for a in &s.after {
                assert!(p.steps[..i].iter().any(|e| e.task_type == *a));
            }
        }
    }
}
