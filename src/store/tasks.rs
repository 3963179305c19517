//! Tasks in Postgres as the rest of the app reads and adds them: the insert every enqueue goes through
//! (with its `task.created` event and the workers' wake-up), the task list and task page (scoped to the
//! caller's clients), an agent's latest output and latest results, the agents page's figures, and the
//! queue depth behind /ready and /metrics. The queue's lifecycle (claim, complete, fail, cancel) is
//! `tasks::queue`.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, QueryBuilder};
use std::time::Duration;
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use crate::model::task::{
    AgentStatus, AgentWindowStats, CircuitState, NewTask, Priority, Task, TaskFilter, TaskOutput, TaskParams,
    TaskStatus, TaskSummary, TaskType,
};
use crate::model::AgentId;
use crate::policy::ClientScope;
use crate::DomainError;

/// The channel workers LISTEN on.
pub const CHANNEL: &str = "tasks_ready";

/// A task to insert together with another write (a new client's analysis, a campaign plan's steps).
#[derive(Debug, Clone)]
pub struct Insert {
    pub id: Uuid,
    pub task: NewTask,
    pub depends_on: Vec<Uuid>,
}

impl Insert {
    /// The analysis every new client gets.
    pub fn client_analysis(client_id: Uuid) -> Insert {
        Insert {
            id: Uuid::new_v4(),
            task: NewTask {
                task_type: TaskType::ClientAnalysis,
                client_id: Some(client_id),
                campaign_id: None,
                priority: Priority::Normal,
                params: TaskParams::default(),
            },
            depends_on: Vec::new(),
        }
    }

    /// The coordinator's planning of a campaign that starts; high priority, since the campaign waits on it.
    pub fn campaign_plan(campaign_id: Uuid, client_id: Uuid) -> Insert {
        Insert {
            id: Uuid::new_v4(),
            task: NewTask {
                task_type: TaskType::CampaignPlan,
                client_id: Some(client_id),
                campaign_id: Some(campaign_id),
                priority: Priority::High,
                params: TaskParams::default(),
            },
            depends_on: Vec::new(),
        }
    }
}

/// Inserts a task (and its `task.created` event) in the caller's transaction and wakes the workers at
/// commit (Postgres delivers the `NOTIFY` then, so workers wake when the task is visible).
pub async fn insert(conn: &mut PgConnection, actor: Option<Uuid>, insert: &Insert) -> Result<(), DomainError> {
    let t = &insert.task;
    let params = serde_json::to_value(&t.params).map_err(|e| DomainError::internal("task params", e))?;
    sqlx::query(
        "INSERT INTO tasks (id, task_type, agent, client_id, campaign_id, priority, input, depends_on, created_by,
                            max_attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(insert.id)
    .bind(t.task_type.as_str())
    .bind(t.task_type.agent().as_str())
    .bind(t.client_id)
    .bind(t.campaign_id)
    .bind(t.priority.rank())
    .bind(&params)
    .bind(&insert.depends_on)
    .bind(actor)
    .bind(t.task_type.max_attempts())
    .execute(&mut *conn)
    .await?;
    events::record(
        conn,
        actor,
        "task.created",
        Target::task(insert.id, t.client_id),
        json!({ "type": t.task_type, "agent": t.task_type.agent(), "priority": t.priority, "campaign_id": t.campaign_id }),
    )
    .await?;
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut *conn).await?;
    Ok(())
}

const SUMMARY: &str = "SELECT t.id, t.task_type, t.agent, t.status, t.priority, t.client_id, c.company_name,
        t.campaign_id, k.name, t.attempts, t.max_attempts, t.error, t.created_at, t.started_at, t.finished_at,
        t.duration_ms
   FROM tasks t LEFT JOIN clients c ON c.id = t.client_id LEFT JOIN campaigns k ON k.id = t.campaign_id
  WHERE TRUE";

type SummaryRow = (
    Uuid,
    String,
    String,
    String,
    i16,
    Option<Uuid>,
    Option<String>,
    Option<Uuid>,
    Option<String>,
    i32,
    i32,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i32>,
);

fn summary(r: SummaryRow) -> TaskSummary {
    let task_type = TaskType::parse(&r.1).unwrap_or(TaskType::Ping);
    TaskSummary {
        id: r.0,
        task_type,
        agent: AgentId::parse(&r.2).unwrap_or_else(|| task_type.agent()),
        status: TaskStatus::parse(&r.3).unwrap_or(TaskStatus::Pending),
        priority: Priority::from_rank(r.4),
        client_id: r.5,
        client_name: r.6,
        campaign_id: r.7,
        campaign_name: r.8,
        attempts: r.9,
        max_attempts: r.10,
        error: r.11,
        created_at: r.12,
        started_at: r.13,
        finished_at: r.14,
        duration_ms: r.15,
    }
}

/// Tasks matching `filter` that `actor` may see, newest first: every task for admins and staff; for an
/// account manager, tasks on their clients and tasks they started themselves (their pipeline reviews).
pub async fn list(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    filter: &TaskFilter,
) -> Result<Vec<TaskSummary>, DomainError> {
    let mut b = QueryBuilder::new(SUMMARY);
    scope::push_tasks(&mut b, scope, actor, "t", "c");
    if let Some(s) = filter.status {
        b.push(" AND t.status = ").push_bind(s.as_str());
    }
    if let Some(t) = filter.task_type {
        b.push(" AND t.task_type = ").push_bind(t.as_str());
    }
    if let Some(a) = filter.agent {
        b.push(" AND t.agent = ").push_bind(a.as_str());
    }
    if let Some(c) = filter.client_id {
        b.push(" AND t.client_id = ").push_bind(c);
    }
    if let Some(k) = filter.campaign_id {
        b.push(" AND t.campaign_id = ").push_bind(k);
    }
    if let Some(p) = filter.priority {
        b.push(" AND t.priority = ").push_bind(p.rank());
    }
    if let Some(before) = filter.before {
        b.push(" AND t.created_at < ").push_bind(before);
    }
    // Keyset: the rows after (created_at, id) in `created_at DESC, id` order. The `<=` bound lets the scan
    // start at the cursor in `tasks_created_idx` instead of at the top.
    if let Some(at) = filter.after.and_then(|c| c.created_at().map(|t| (t, c.id))) {
        b.push(" AND t.created_at <= ").push_bind(at.0);
        b.push(" AND (t.created_at < ").push_bind(at.0).push(" OR t.id > ").push_bind(at.1).push(")");
    }
    // The API reads one row past its largest slice (200) to tell whether another follows.
    b.push(" ORDER BY t.created_at DESC, t.id LIMIT ").push_bind(filter.limit.unwrap_or(50).clamp(1, 201));
    let rows: Vec<SummaryRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(summary).collect())
}

type DetailRow = (Value, Option<Value>, Option<String>, DateTime<Utc>, Vec<Uuid>, bool, Option<String>, i32, i32, f64);

/// One task with its output, if `actor` may see it (as in [`list`]).
pub async fn get(pool: &PgPool, scope: ClientScope, actor: Uuid, id: Uuid) -> Result<Task, DomainError> {
    let mut b = QueryBuilder::new(SUMMARY);
    scope::push_tasks(&mut b, scope, actor, "t", "c");
    b.push(" AND t.id = ").push_bind(id);
    let row: Option<SummaryRow> = b.build_query_as().fetch_optional(pool).await?;
    let s = summary(row.ok_or(DomainError::NotFound)?);
    let d: DetailRow = sqlx::query_as(
        "SELECT t.input, t.output, t.error_kind, t.run_after, t.depends_on, t.cancel_requested, u.email,
                t.llm_prompt_tokens, t.llm_completion_tokens, t.llm_cost
           FROM tasks t LEFT JOIN users u ON u.id = t.created_by WHERE t.id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok(Task {
        summary: s,
        params: serde_json::from_value(d.0).unwrap_or_default(),
        output: d.1.and_then(|o| serde_json::from_value(o).ok()),
        error_kind: d.2,
        run_after: d.3,
        depends_on: d.4,
        cancel_requested: d.5,
        created_by_email: d.6,
        llm_prompt_tokens: d.7,
        llm_completion_tokens: d.8,
        llm_cost: d.9,
    })
}

/// Which campaign a task must be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfCampaign {
    /// Any campaign, or none.
    Any,
    /// This campaign.
    Only(Uuid),
    /// No campaign: the client-level task.
    ClientLevel,
}

/// The output of the client's latest completed task of `task_type` about `campaign`, finished before
/// `before` (when given): `(task id, finished at, output)`.
pub async fn latest_output_where(
    pool: &PgPool,
    task_type: TaskType,
    client_id: Uuid,
    campaign: OfCampaign,
    before: Option<DateTime<Utc>>,
) -> Result<Option<(Uuid, DateTime<Utc>, TaskOutput)>, DomainError> {
    let (only, client_level) = match campaign {
        OfCampaign::Any => (None, false),
        OfCampaign::Only(id) => (Some(id), false),
        OfCampaign::ClientLevel => (None, true),
    };
    let row: Option<(Uuid, DateTime<Utc>, Value)> = sqlx::query_as(
        "SELECT id, finished_at, output FROM tasks
          WHERE task_type = $1 AND client_id = $2 AND ($3::uuid IS NULL OR campaign_id = $3)
            AND (NOT $4 OR campaign_id IS NULL) AND ($5::timestamptz IS NULL OR finished_at < $5)
            AND status = 'completed' AND output IS NOT NULL
          ORDER BY finished_at DESC LIMIT 1",
    )
    .bind(task_type.as_str())
    .bind(client_id)
    .bind(only)
    .bind(client_level)
    .bind(before)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, at, v)| serde_json::from_value(v).ok().map(|o| (id, at, o))))
}

/// The latest completed output of `task_type` for a client (or campaign when given).
pub async fn latest_output(
    pool: &PgPool,
    task_type: TaskType,
    client_id: Uuid,
    campaign_id: Option<Uuid>,
) -> Result<Option<(Uuid, TaskOutput)>, DomainError> {
    let campaign = campaign_id.map_or(OfCampaign::Any, OfCampaign::Only);
    Ok(latest_output_where(pool, task_type, client_id, campaign, None).await?.map(|(id, _, o)| (id, o)))
}

/// Completed and failed tasks of a client (of one campaign, when given) that finished after `since`,
/// leaving out the asking task `except`.
pub async fn finished_counts(
    pool: &PgPool,
    client_id: Uuid,
    campaign_id: Option<Uuid>,
    since: DateTime<Utc>,
    except: Uuid,
) -> Result<(i64, i64), DomainError> {
    Ok(sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed')
           FROM tasks WHERE client_id = $1 AND ($2::uuid IS NULL OR campaign_id = $2)
            AND status IN ('completed', 'failed') AND finished_at > $3 AND id <> $4",
    )
    .bind(client_id)
    .bind(campaign_id)
    .bind(since)
    .bind(except)
    .fetch_one(pool)
    .await?)
}

/// The agents page's view of each agent in `gates` (with whether it is enabled and its circuit): success
/// rate and mean duration over the last hour and day, queue depth and LLM use (from all tasks: the figures
/// name no client), and its latest `recent_per_agent` tasks that `actor` may see.
/// `success_rate = completed / (completed + failed)`, None when nothing finished in the window.
pub async fn agent_statuses(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    recent_per_agent: i64,
    gates: &[(AgentId, bool, CircuitState)],
) -> Result<Vec<AgentStatus>, DomainError> {
    type StatRow = (String, i64, i64, Option<f64>, i64, i64, Option<f64>, i64, i64, i64, f64);
    let stats: Vec<StatRow> = sqlx::query_as(
        "SELECT agent,
                count(*) FILTER (WHERE status = 'completed' AND finished_at > now() - interval '1 hour'),
                count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '1 hour'),
                avg(duration_ms) FILTER (WHERE status IN ('completed', 'failed') AND finished_at > now() - interval '1 hour')::float8,
                count(*) FILTER (WHERE status = 'completed' AND finished_at > now() - interval '1 day'),
                count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '1 day'),
                avg(duration_ms) FILTER (WHERE status IN ('completed', 'failed') AND finished_at > now() - interval '1 day')::float8,
                count(*) FILTER (WHERE status = 'in_progress'),
                count(*) FILTER (WHERE status = 'pending'),
                coalesce(sum(llm_prompt_tokens + llm_completion_tokens), 0)::bigint,
                coalesce(sum(llm_cost), 0)::float8
           FROM tasks
          WHERE finished_at IS NULL OR finished_at > now() - interval '1 day'
          GROUP BY agent",
    )
    .fetch_all(pool)
    .await?;
    let window = |completed: i64, failed: i64, mean: Option<f64>| AgentWindowStats {
        completed,
        failed,
        success_rate: (completed + failed > 0).then(|| completed as f64 / (completed + failed) as f64),
        mean_duration_ms: mean,
    };
    let mut out = Vec::new();
    for (agent, enabled, circuit) in gates {
        let s = stats.iter().find(|s| s.0 == agent.as_str());
        let filter = TaskFilter { agent: Some(*agent), limit: Some(recent_per_agent), ..Default::default() };
        out.push(AgentStatus {
            agent: *agent,
            enabled: *enabled,
            circuit: circuit.clone(),
            last_hour: s.map(|s| window(s.1, s.2, s.3)).unwrap_or_default(),
            last_day: s.map(|s| window(s.4, s.5, s.6)).unwrap_or_default(),
            running: s.map(|s| s.7).unwrap_or(0),
            pending: s.map(|s| s.8).unwrap_or(0),
            llm_tokens: s.map(|s| s.9).unwrap_or(0),
            llm_cost: s.map(|s| s.10).unwrap_or(0.0),
            recent: list(pool, scope, actor, &filter).await?,
        });
    }
    Ok(out)
}

/// An agent's latest results (status and end) that its circuit counts: completions and agent failures,
/// newest first, at most `limit`.
///
/// Completed and failed tasks always have their `finished_at`; the query does not say `finished_at IS NOT
/// NULL`, which would let the planner walk the dashboard's partial `tasks_finished_idx` over every agent's
/// tasks (seconds at a million tasks) instead of `tasks_agent_finished_idx` (well under a millisecond).
pub async fn latest_results(
    pool: &PgPool,
    agent: AgentId,
    limit: i64,
) -> Result<Vec<(String, DateTime<Utc>)>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT status, finished_at FROM tasks
          WHERE agent = $1 AND (status = 'completed' OR (status = 'failed' AND error_kind = 'agent'))
          ORDER BY finished_at DESC LIMIT $2",
    )
    .bind(agent.as_str())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// [`latest_results`] of each of `agents` in one query: `(agent, status, finished_at)`, newest first per
/// agent (the same care about the index).
pub async fn latest_results_of_all(
    pool: &PgPool,
    agents: &[AgentId],
    limit: i64,
) -> Result<Vec<(String, String, DateTime<Utc>)>, DomainError> {
    let names: Vec<&str> = agents.iter().map(|a| a.as_str()).collect();
    Ok(sqlx::query_as(
        "SELECT a.agent, r.status, r.finished_at
           FROM unnest($1::text[]) AS a(agent)
           CROSS JOIN LATERAL (
               SELECT status, finished_at FROM tasks
                WHERE agent = a.agent AND (status = 'completed' OR (status = 'failed' AND error_kind = 'agent'))
                ORDER BY finished_at DESC LIMIT $2) r
          ORDER BY a.agent, r.finished_at DESC",
    )
    .bind(names)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Folds the past days of the `task_daily` rollup into one row per day, agent and outcome (see its
/// migration); the workers call it with their other periodic chores. Returns the rows folded away.
pub async fn fold_daily_counts(pool: &PgPool) -> Result<i64, DomainError> {
    Ok(sqlx::query_scalar("SELECT task_daily_fold()").fetch_one(pool).await?)
}

/// Queue depth and workers seen recently, for /ready and /metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueStats {
    pub pending_ready: i64,
    pub running: i64,
    pub expired_leases: i64,
    pub oldest_ready_secs: Option<f64>,
}

pub async fn queue_stats(pool: &PgPool) -> Result<QueueStats, DomainError> {
    let (pending_ready, running, expired_leases, oldest_ready_secs): (i64, i64, i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'pending' AND run_after <= now()),
                count(*) FILTER (WHERE status = 'in_progress'),
                count(*) FILTER (WHERE status = 'in_progress' AND lease_until < now()),
                extract(epoch FROM now() - min(run_after) FILTER (WHERE status = 'pending' AND run_after <= now()))::float8
           FROM tasks WHERE status IN ('pending', 'in_progress')",
    )
    .fetch_one(pool)
    .await?;
    Ok(QueueStats { pending_ready, running, expired_leases, oldest_ready_secs })
}

/// Running tasks whose own work has not moved for `bound` (as their workers last reported), for /ready.
pub async fn without_progress(pool: &PgPool, bound: Duration) -> Result<i64, DomainError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM tasks
          WHERE status = 'in_progress' AND progress_at < now() - make_interval(secs => $1)",
    )
    .bind(bound.as_secs_f64())
    .fetch_one(pool)
    .await?)
}
