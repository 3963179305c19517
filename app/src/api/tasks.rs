//! Server functions for agent tasks and the agents page. Tasks are scoped like their client: account
//! managers reach tasks on their portfolio and the pipeline reviews they started.

use domain::model::task::{AgentStatus, NewTaskInput, Task, TaskStatus, TaskSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppError;

/// What the "Run an agent" form offers: clients in scope and, for the chosen client, its campaigns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunTargets {
    pub clients: Vec<(Uuid, String)>,
    pub campaigns: Vec<(Uuid, String)>,
}

/// The LLM's state for the agents page (None when no LLM is configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmState {
    pub model: String,
    pub circuit: String,
    pub consecutive_failures: u32,
    pub retry_in_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentsPage {
    pub agents: Vec<AgentStatus>,
    pub llm: Option<LlmState>,
}

/// A task as its page shows it: the task with its result as its stored JSON (what API callers and the
/// JSON export read), and that result's view rendered on the server (`output_html`, see
/// `components::output`), so the browser never decodes the fourteen kinds of result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: Task<serde_json::Value>,
    pub output_html: Option<String>,
}

#[cfg(feature = "ssr")]
impl TaskDetail {
    fn of(t: Task) -> Result<Self, AppError> {
        let output_html = t.output.clone().map(crate::components::output::render_output);
        let task = t
            .with_output_json()
            .map_err(|e| domain::DomainError::Internal(format!("task output as JSON: {e}").into()))?;
        Ok(TaskDetail { task, output_html })
    }
}

#[server(prefix = "/api", endpoint = "tasks/list")]
pub async fn list_tasks(
    status: String,
    task_type: String,
    agent: String,
    client: String,
    campaign: String,
    priority: String,
) -> Result<Vec<TaskSummary>, AppError> {
    use domain::model::task::TaskFilter;
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ListTasks)?;
    let filter =
        TaskFilter::parse(&status, &task_type, &agent, &client, &campaign, &priority).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    Ok(domain::store::tasks::list(&state.pool, client_scope(&actor), actor.user_id, &filter).await?)
}

#[server(prefix = "/api", endpoint = "tasks/get")]
pub async fn get_task(id: String) -> Result<TaskDetail, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ListTasks)?;
    let state = super::ssr::state()?;
    let task =
        domain::store::tasks::get(&state.pool, client_scope(&actor), actor.user_id, super::ssr::parse_id(&id)?).await?;
    TaskDetail::of(task)
}

/// Starts an agent task; answers with its id (a plain form post is redirected to the task's page).
#[server(prefix = "/api", endpoint = "tasks/run")]
pub async fn run_task(input: NewTaskInput) -> Result<String, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::RunAgentTask)?;
    let task = input.validate().map_err(AppError::Validation)?.for_scope(client_scope(&actor));
    let state = super::ssr::state()?;
    let id = domain::tasks::queue::create(&state.pool, client_scope(&actor), actor.user_id, task).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/tasks/{id}"));
    }
    Ok(id.to_string())
}

/// Cancels a task: a pending one at once, a running one at its next checkpoint.
#[server(prefix = "/api", endpoint = "tasks/cancel")]
pub async fn cancel_task(id: String) -> Result<TaskStatus, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::CancelTask)?;
    let id = super::ssr::parse_id(&id)?;
    let state = super::ssr::state()?;
    let status = domain::tasks::queue::cancel(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/tasks/{id}"));
    }
    Ok(status)
}

/// Clients (and the chosen client's campaigns) the caller may run agents on.
#[server(prefix = "/api", endpoint = "tasks/targets")]
pub async fn task_targets(client: String) -> Result<RunTargets, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::RunAgentTask)?;
    let state = super::ssr::state()?;
    let scope = client_scope(&actor);
    let clients = domain::store::clients::names(&state.pool, scope).await?;
    let campaigns = match Uuid::parse_str(client.trim()) {
        Ok(id) => domain::store::campaigns::for_client(&state.pool, scope, id)
            .await?
            .into_iter()
            .map(|k| (k.id, k.name))
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok(RunTargets { clients, campaigns })
}

#[server(prefix = "/api", endpoint = "agents/list")]
pub async fn list_agents() -> Result<AgentsPage, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAgents)?;
    let state = super::ssr::state()?;
    let agents =
        domain::tasks::agent_settings::agent_statuses(&state.pool, client_scope(&actor), actor.user_id, 5).await?;
    let llm = state.llm.as_ref().map(|l| {
        let c = l.circuit();
        LlmState {
            model: l.model().to_string(),
            circuit: format!("{:?}", c.phase),
            consecutive_failures: c.consecutive_failures,
            retry_in_secs: c.retry_in_secs,
        }
    });
    Ok(AgentsPage { agents, llm })
}

/// Enables or disables an agent (admins).
#[server(prefix = "/api", endpoint = "agents/set_enabled")]
pub async fn set_agent_enabled(agent: String, enabled: bool) -> Result<(), AppError> {
    use domain::model::AgentId;
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ConfigureAgents)?;
    let agent = AgentId::parse(agent.trim()).ok_or_else(|| AppError::field("agent", "unknown agent"))?;
    let state = super::ssr::state()?;
    domain::tasks::agent_settings::set_enabled(&state.pool, actor.user_id, agent, enabled).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/agents");
    }
    Ok(())
}
