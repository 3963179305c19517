//! The queue in Postgres: tasks are rows, claimed with `FOR UPDATE SKIP LOCKED` under a lease.
//!
//! - Enqueue inserts the task and its `task.created` event in the caller's transaction and sends a
//!   `NOTIFY tasks_ready`, which Postgres delivers at commit: workers wake when the task is visible.
//! - Claim moves ready tasks (pending, `run_after` passed, every dependency completed) to in_progress,
//!   counts the attempt and sets a lease; the `task.started` events are written by the same statement.
//! - The running worker renews the lease (the heartbeat), which also reads `cancel_requested`.
//! - Complete, fail and cancel only touch a task still leased to the calling worker: a worker whose lease
//!   expired and was taken over can't write a second result, so a task completes exactly once.
//! - A lease that expires (the worker died) puts the task back to pending, or fails it when its attempts
//!   are used up.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use std::time::Duration;
use uuid::Uuid;

use crate::model::task::{
    AgentStatus, AgentWindowStats, CircuitState, NewTask, Priority, Task, TaskFilter, TaskOutput, TaskParams,
    TaskStatus, TaskSummary, TaskType,
};
use crate::model::AgentId;
use crate::policy::ClientScope;
use crate::store::events::{self, Target};
use crate::DomainError;

/// The channel workers LISTEN on.
pub const CHANNEL: &str = "tasks_ready";

/// Delay before retry number `attempt` (1-based count of attempts made so far):
/// `min(300 s, 2 s × 2^(attempt − 1))`, i.e. 2 s, 4 s, 8 s, … capped at five minutes.
pub fn backoff(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 16) - 1;
    Duration::from_secs((2u64 << exp).min(300))
}

/// A task claimed by a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    /// None for a type this build doesn't know (rows written by a newer version): the worker fails it.
    pub task_type: Option<TaskType>,
    pub raw_type: String,
    pub client_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub params: TaskParams,
    pub attempts: i32,
    pub max_attempts: i32,
    pub created_by: Option<Uuid>,
    /// Whether an admin left the task's agent enabled, read in the claim itself.
    pub agent_enabled: bool,
}

/// A task to insert together with another write (a campaign plan's steps).
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

/// An event to record in the transaction that completes a task (e.g. a client-health alert).
#[derive(Debug, Clone)]
pub struct ExtraEvent {
    pub action: &'static str,
    pub client_id: Option<Uuid>,
    pub detail: Value,
}

/// LLM use of one task.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LlmUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub cost: f64,
}

/// Inserts a task (and its `task.created` event) in the caller's transaction and wakes the workers at
/// commit.
pub async fn enqueue(conn: &mut PgConnection, actor: Option<Uuid>, insert: &Insert) -> Result<(), DomainError> {
    let t = &insert.task;
    let params = serde_json::to_value(&t.params).map_err(|e| DomainError::Internal(format!("task params: {e}")))?;
    sqlx::query(
        "INSERT INTO tasks (id, task_type, agent, client_id, campaign_id, priority, input, depends_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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

/// Enqueues one task in a transaction of its own; the client or campaign must lie in `scope`.
pub async fn create(pool: &PgPool, scope: ClientScope, actor: Uuid, task: NewTask) -> Result<Uuid, DomainError> {
    let mut task = task;
    let mut tx = pool.begin().await?;
    if let Some(campaign) = task.campaign_id {
        let mut b =
            QueryBuilder::<Postgres>::new("SELECT k.client_id FROM campaigns k JOIN clients c ON c.id = k.client_id");
        crate::store::clients::push_scope(&mut b, scope);
        b.push(" AND k.id = ").push_bind(campaign);
        let client: Option<Uuid> = b.build_query_scalar().fetch_optional(&mut *tx).await?;
        let Some(client) = client else { return Err(DomainError::field("campaign_id", "no such campaign")) };
        if task.client_id.is_some_and(|c| c != client) {
            return Err(DomainError::field("campaign_id", "this campaign belongs to another client"));
        }
        task.client_id = Some(client);
    }
    if let Some(client) = task.client_id {
        let mut b = QueryBuilder::<Postgres>::new("SELECT c.id FROM clients c");
        crate::store::clients::push_scope(&mut b, scope);
        b.push(" AND c.id = ").push_bind(client);
        let found: Option<Uuid> = b.build_query_scalar().fetch_optional(&mut *tx).await?;
        if found.is_none() {
            return Err(DomainError::field("client_id", "no such client"));
        }
    }
    let id = Uuid::new_v4();
    enqueue(&mut tx, Some(actor), &Insert { id, task, depends_on: Vec::new() }).await?;
    tx.commit().await?;
    Ok(id)
}

type ClaimRow = (Uuid, String, Option<Uuid>, Option<Uuid>, Value, i32, i32, Option<Uuid>, bool);

/// Claims up to `limit` ready tasks for `worker`, highest priority first.
pub async fn claim(pool: &PgPool, worker: &str, lease: Duration, limit: i64) -> Result<Vec<Claimed>, DomainError> {
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "WITH picked AS (
            SELECT t.id FROM tasks t
             WHERE t.status = 'pending' AND t.run_after <= now()
               AND (cardinality(t.depends_on) = 0 OR NOT EXISTS (
                    SELECT 1 FROM tasks d WHERE d.id = ANY (t.depends_on) AND d.status <> 'completed'))
             ORDER BY t.priority DESC, t.run_after, t.created_at
             LIMIT $3
             FOR UPDATE OF t SKIP LOCKED
         ), claimed AS (
            UPDATE tasks t
               SET status = 'in_progress', attempts = t.attempts + 1, locked_by = $1,
                   lease_until = now() + make_interval(secs => $2), started_at = now(), progress_at = now()
              FROM picked WHERE t.id = picked.id
          RETURNING t.id, t.task_type, t.client_id, t.campaign_id, t.input, t.attempts, t.max_attempts, t.created_by,
                    t.agent
         ), started AS (
            INSERT INTO events (action, target_type, target_id, client_id, detail)
            SELECT 'task.started', 'task', id::text, client_id,
                   jsonb_build_object('type', task_type, 'attempt', attempts, 'worker', $1::text)
              FROM claimed
         )
         SELECT c.id, c.task_type, c.client_id, c.campaign_id, c.input, c.attempts, c.max_attempts, c.created_by,
                coalesce(s.enabled, true)
           FROM claimed c LEFT JOIN agent_settings s ON s.agent = c.agent",
    )
    .bind(worker)
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, raw_type, client_id, campaign_id, input, attempts, max_attempts, created_by, agent_enabled)| {
            Claimed {
                id,
                task_type: TaskType::parse(&raw_type),
                raw_type,
                client_id,
                campaign_id,
                params: serde_json::from_value(input).unwrap_or_default(),
                attempts,
                max_attempts,
                created_by,
                agent_enabled,
            }
        })
        .collect())
}

/// What the heartbeat learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    Held {
        cancel_requested: bool,
    },
    /// The task is no longer this worker's (its lease expired and another worker took it, or it was
    /// deleted with its client).
    Lost,
}

/// Extends the lease of a running task.
pub async fn heartbeat(
    pool: &PgPool,
    id: Uuid,
    worker: &str,
    lease: Duration,
    idle: Duration,
) -> Result<Lease, DomainError> {
    // progress_at: when the task's own work last moved (see tasks::progress), for /ready.
    let row: Option<bool> = sqlx::query_scalar(
        "UPDATE tasks SET lease_until = now() + make_interval(secs => $3),
                          progress_at = now() - make_interval(secs => $4)
          WHERE id = $1 AND locked_by = $2 AND status = 'in_progress'
      RETURNING cancel_requested",
    )
    .bind(id)
    .bind(worker)
    .bind(lease.as_secs_f64())
    .bind(idle.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(cancel_requested) => Lease::Held { cancel_requested },
        None => Lease::Lost,
    })
}

/// The result of trying to write a task's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// Someone asked to cancel before the output was written: the task is now cancelled instead.
    Cancelled,
    /// The lease was lost; nothing was written.
    Lost,
}

/// The completion of a task still leased to the worker ($2) and not asked to cancel.
const COMPLETE: &str = "UPDATE tasks
    SET status = 'completed', output = $3, finished_at = now(),
        duration_ms = greatest(0, (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int),
        locked_by = NULL, lease_until = NULL, error = NULL, error_kind = NULL,
        llm_prompt_tokens = llm_prompt_tokens + $4, llm_completion_tokens = llm_completion_tokens + $5,
        llm_cost = llm_cost + $6
  WHERE id = $1 AND locked_by = $2 AND status = 'in_progress' AND NOT cancel_requested";

/// Stores the output of a completed task, its follow-up tasks and extra events, in one transaction.
pub async fn complete(
    pool: &PgPool,
    task: &Claimed,
    worker: &str,
    output: &TaskOutput,
    usage: LlmUsage,
    follow_ups: &[Insert],
    extra: &[ExtraEvent],
) -> Result<Written, DomainError> {
    let output = serde_json::to_value(output).map_err(|e| DomainError::Internal(format!("task output: {e}")))?;
    if follow_ups.is_empty() && extra.is_empty() && task.campaign_id.is_none() {
        // Nothing else to write and nobody waiting: one statement (atomic on its own) does it all.
        let done: Option<i32> = sqlx::query_scalar(&format!(
            "WITH done AS ({COMPLETE} RETURNING id, client_id, task_type, attempts, duration_ms)
             INSERT INTO events (action, target_type, target_id, client_id, detail)
             SELECT 'task.completed', 'task', id::text, client_id,
                    jsonb_build_object('type', task_type, 'attempt', attempts, 'duration_ms', duration_ms)
               FROM done
          RETURNING 1"
        ))
        .bind(task.id)
        .bind(worker)
        .bind(&output)
        .bind(i32::try_from(usage.prompt_tokens).unwrap_or(i32::MAX))
        .bind(i32::try_from(usage.completion_tokens).unwrap_or(i32::MAX))
        .bind(usage.cost)
        .fetch_optional(pool)
        .await?;
        if done.is_some() {
            return Ok(Written::Done);
        }
        return match cancelled(pool, task, worker).await? {
            true => Ok(Written::Cancelled),
            false => Ok(Written::Lost),
        };
    }
    let mut tx = pool.begin().await?;
    let row: Option<(i32,)> = sqlx::query_as(&format!("{COMPLETE} RETURNING duration_ms"))
        .bind(task.id)
        .bind(worker)
        .bind(&output)
        .bind(i32::try_from(usage.prompt_tokens).unwrap_or(i32::MAX))
        .bind(i32::try_from(usage.completion_tokens).unwrap_or(i32::MAX))
        .bind(usage.cost)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((duration_ms,)) = row else {
        drop(tx);
        return match cancelled(pool, task, worker).await? {
            true => Ok(Written::Cancelled),
            false => Ok(Written::Lost),
        };
    };
    events::record(
        &mut tx,
        None,
        "task.completed",
        Target::task(task.id, task.client_id),
        json!({ "type": task.raw_type, "attempt": task.attempts, "duration_ms": duration_ms }),
    )
    .await?;
    for f in follow_ups {
        enqueue(&mut tx, task.created_by, f).await?;
    }
    for e in extra {
        events::record(&mut tx, None, e.action, Target::task(task.id, e.client_id), e.detail.clone()).await?;
    }
    // Wake the workers when a task was waiting for this one (only campaign graphs have dependencies).
    if let Some(campaign) = task.campaign_id {
        sqlx::query(
            "SELECT pg_notify($1, '') WHERE EXISTS (
                SELECT 1 FROM tasks WHERE campaign_id = $3 AND depends_on @> ARRAY[$2::uuid])",
        )
        .bind(CHANNEL)
        .bind(task.id)
        .bind(campaign)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Written::Done)
}

/// Why a task failed, as stored in `error_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The agent or what it depends on failed; retried with backoff while attempts remain, and counted by
    /// the agent's circuit.
    Agent,
    /// The input can't work (the client is gone, a required record is missing): not retried.
    Input,
    Disabled,
    Circuit,
    Dependency,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Agent => "agent",
            FailureKind::Input => "input",
            FailureKind::Disabled => "disabled",
            FailureKind::Circuit => "circuit",
            FailureKind::Dependency => "dependency",
        }
    }
}

/// Records a failed attempt: back to pending after [`backoff`] when the failure is worth retrying and
/// attempts remain, failed otherwise (and then every pending task that depends on it fails too).
pub async fn fail(
    pool: &PgPool,
    task: &Claimed,
    worker: &str,
    message: &str,
    kind: FailureKind,
) -> Result<Written, DomainError> {
    let retry = kind == FailureKind::Agent && task.attempts < task.max_attempts;
    let mut tx = pool.begin().await?;
    let message: String = message.chars().take(2000).collect();
    let updated = if retry {
        let delay = backoff(task.attempts);
        sqlx::query(
            "UPDATE tasks SET status = 'pending', run_after = now() + make_interval(secs => $4), error = $3,
                    error_kind = 'agent', locked_by = NULL, lease_until = NULL
              WHERE id = $1 AND locked_by = $2 AND status = 'in_progress'",
        )
        .bind(task.id)
        .bind(worker)
        .bind(&message)
        .bind(delay.as_secs_f64())
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        sqlx::query(
            "UPDATE tasks SET status = 'failed', error = $3, error_kind = $4, finished_at = now(),
                    duration_ms = greatest(0, (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int),
                    locked_by = NULL, lease_until = NULL
              WHERE id = $1 AND locked_by = $2 AND status = 'in_progress'",
        )
        .bind(task.id)
        .bind(worker)
        .bind(&message)
        .bind(kind.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    if updated == 0 {
        return Ok(Written::Lost);
    }
    if retry {
        events::record(
            &mut tx,
            None,
            "task.retrying",
            Target::task(task.id, task.client_id),
            json!({ "type": task.raw_type, "attempt": task.attempts, "error": message,
                    "retry_in_secs": backoff(task.attempts).as_secs() }),
        )
        .await?;
    } else {
        events::record(
            &mut tx,
            None,
            "task.failed",
            Target::task(task.id, task.client_id),
            json!({ "type": task.raw_type, "attempt": task.attempts, "error": message, "kind": kind.as_str() }),
        )
        .await?;
        fail_dependents(&mut tx, task.id, "failed").await?;
    }
    tx.commit().await?;
    Ok(Written::Done)
}

/// Fails, transitively, the pending tasks that wait for `id`, which ended as `how` (failed, cancelled).
/// Dependencies only exist inside a campaign's graph, so only that campaign's tasks are searched.
async fn fail_dependents(conn: &mut PgConnection, id: Uuid, how: &str) -> Result<(), DomainError> {
    let mut frontier = vec![(id, how.to_string())];
    while let Some((parent, how)) = frontier.pop() {
        let parent_row: Option<(String, Option<Uuid>)> =
            sqlx::query_as("SELECT task_type, campaign_id FROM tasks WHERE id = $1")
                .bind(parent)
                .fetch_optional(&mut *conn)
                .await?;
        let Some((parent_type, Some(campaign))) = parent_row else { continue };
        let label = TaskType::parse(&parent_type).map(|t| t.label()).unwrap_or("a task");
        let message = format!("it depends on the {} task, which {how}", label.to_lowercase());
        let rows: Vec<(Uuid, Option<Uuid>, String)> = sqlx::query_as(
            "UPDATE tasks SET status = 'failed', error = $2, error_kind = 'dependency', finished_at = now()
              WHERE campaign_id = $3 AND status = 'pending' AND depends_on @> ARRAY[$1::uuid]
          RETURNING id, client_id, task_type",
        )
        .bind(parent)
        .bind(&message)
        .bind(campaign)
        .fetch_all(&mut *conn)
        .await?;
        for (child, client, task_type) in rows {
            events::record(
                conn,
                None,
                "task.failed",
                Target::task(child, client),
                json!({ "type": task_type, "error": message, "kind": "dependency" }),
            )
            .await?;
            frontier.push((child, "failed".into()));
        }
    }
    Ok(())
}

/// Marks a running task cancelled after its worker saw the request (at a checkpoint).
pub async fn cancelled(pool: &PgPool, task: &Claimed, worker: &str) -> Result<bool, DomainError> {
    let mut tx = pool.begin().await?;
    let n = sqlx::query(
        "UPDATE tasks SET status = 'cancelled', finished_at = now(), locked_by = NULL, lease_until = NULL,
                duration_ms = greatest(0, (extract(epoch FROM clock_timestamp() - started_at) * 1000)::int)
          WHERE id = $1 AND locked_by = $2 AND status = 'in_progress' AND cancel_requested",
    )
    .bind(task.id)
    .bind(worker)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    events::record(
        &mut tx,
        None,
        "task.cancelled",
        Target::task(task.id, task.client_id),
        json!({ "type": task.raw_type, "while": "in_progress" }),
    )
    .await?;
    fail_dependents(&mut tx, task.id, "was cancelled").await?;
    tx.commit().await?;
    Ok(true)
}

/// A person's cancel: a pending task is cancelled at once; a running one is flagged and stops at its
/// worker's next checkpoint. Finished tasks are refused with the reason.
pub async fn cancel(pool: &PgPool, scope: ClientScope, actor: Uuid, id: Uuid) -> Result<TaskStatus, DomainError> {
    let task = get(pool, scope, actor, id).await?;
    let mut tx = pool.begin().await?;
    let row: Option<(String,)> = sqlx::query_as(
        "UPDATE tasks
            SET cancel_requested = true,
                status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'pending' THEN now() ELSE finished_at END
          WHERE id = $1 AND status IN ('pending', 'in_progress')
      RETURNING status",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status,)) = row else {
        return Err(DomainError::Rule(format!(
            "this task is {} already and can't be cancelled",
            task.summary.status.label().to_lowercase()
        )));
    };
    let status = TaskStatus::parse(&status).unwrap_or(TaskStatus::InProgress);
    let action = if status == TaskStatus::Cancelled { "task.cancelled" } else { "task.cancel_requested" };
    events::record(
        &mut tx,
        Some(actor),
        action,
        Target::task(id, task.summary.client_id),
        json!({ "type": task.summary.task_type }),
    )
    .await?;
    if status == TaskStatus::Cancelled {
        fail_dependents(&mut tx, id, "was cancelled").await?;
    }
    tx.commit().await?;
    Ok(status)
}

/// Puts tasks whose lease expired (their worker died) back to pending, or fails them when their attempts
/// are used up. Returns how many were recovered.
pub async fn recover_expired(pool: &PgPool) -> Result<u64, DomainError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<(Uuid, Option<Uuid>, String, i32, String)> = sqlx::query_as(
        "WITH expired AS (
            SELECT id FROM tasks WHERE status = 'in_progress' AND lease_until < now() FOR UPDATE SKIP LOCKED
         )
         UPDATE tasks t
            SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'failed' ELSE 'pending' END,
                finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now() END,
                error = 'its worker stopped before finishing (lease expired)',
                error_kind = 'agent', locked_by = NULL, lease_until = NULL
           FROM expired WHERE t.id = expired.id
       RETURNING t.id, t.client_id, t.task_type, t.attempts, t.status",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (id, client, task_type, attempts, status) in &rows {
        let action = if status == "failed" { "task.failed" } else { "task.retrying" };
        events::record(
            &mut tx,
            None,
            action,
            Target::task(*id, *client),
            json!({ "type": task_type, "attempt": attempts, "error": "worker lost: lease expired" }),
        )
        .await?;
        if status == "failed" {
            fail_dependents(&mut tx, *id, "failed").await?;
        }
        // A crawl its worker left running ends with it; a retry starts a new crawl.
        sqlx::query(
            "UPDATE crawls SET status = 'failed', error = 'its worker stopped before finishing', queued = 0,
                    updated_at = now(), finished_at = now()
              WHERE task_id = $1 AND status = 'running'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    if !rows.is_empty() {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// Hands a stopping worker's running tasks back without counting the attempt.
pub async fn release(pool: &PgPool, worker: &str) -> Result<u64, DomainError> {
    let n = sqlx::query(
        "UPDATE tasks SET status = 'pending', attempts = greatest(0, attempts - 1), locked_by = NULL,
                lease_until = NULL
          WHERE locked_by = $1 AND status = 'in_progress'",
    )
    .bind(worker)
    .execute(pool)
    .await?
    .rows_affected();
    if n > 0 {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(pool).await?;
    }
    Ok(n)
}

/// How many failures in a row open an agent's circuit, and for how long it stays open.
pub const CIRCUIT_FAILURES: i64 = 5;
pub const CIRCUIT_COOLDOWN_SECS: i64 = 60;

/// Whether `agent` may run now: enabled by the admins, and its circuit closed.
///
/// The circuit is derived from the agent's results, so every worker sees the same state: it is open when
/// the last [`CIRCUIT_FAILURES`] finished tasks of the agent (completions and agent failures; refusals for
/// input, disabled, circuit or dependency reasons don't count) all failed, and the last of them ended less
/// than [`CIRCUIT_COOLDOWN_SECS`] ago. After the cooldown the next task runs as a trial: success closes the
/// circuit, failure opens it again for another cooldown.
pub async fn gate(pool: &PgPool, agent: AgentId) -> Result<(bool, CircuitState), DomainError> {
    let enabled: Option<bool> = sqlx::query_scalar("SELECT enabled FROM agent_settings WHERE agent = $1")
        .bind(agent.as_str())
        .fetch_optional(pool)
        .await?;
    Ok((enabled.unwrap_or(true), circuit(pool, agent).await?))
}

/// The circuit of `agent` per the rule of [`gate`].
pub async fn circuit(pool: &PgPool, agent: AgentId) -> Result<CircuitState, DomainError> {
    let results: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT status, finished_at FROM tasks
          WHERE agent = $1 AND finished_at IS NOT NULL
            AND (status = 'completed' OR (status = 'failed' AND error_kind = 'agent'))
          ORDER BY finished_at DESC LIMIT $2",
    )
    .bind(agent.as_str())
    .bind(CIRCUIT_FAILURES)
    .fetch_all(pool)
    .await?;
    Ok(circuit_of(&results, Utc::now()))
}

/// The circuit rule of [`gate`] over an agent's latest results, newest first.
pub fn circuit_of(results: &[(String, DateTime<Utc>)], now: DateTime<Utc>) -> CircuitState {
    let all_failed = results.len() as i64 >= CIRCUIT_FAILURES && results.iter().all(|(s, _)| s == "failed");
    match results.first() {
        Some((_, last)) if all_failed => {
            let until = *last + chrono::Duration::seconds(CIRCUIT_COOLDOWN_SECS);
            if until > now {
                CircuitState::Open { until, failures: results.len() as i64 }
            } else {
                CircuitState::Closed
            }
        }
        _ => CircuitState::Closed,
    }
}

/// Enables or disables an agent.
pub async fn set_enabled(pool: &PgPool, actor: Uuid, agent: AgentId, enabled: bool) -> Result<(), DomainError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO agent_settings (agent, enabled, updated_by, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (agent) DO UPDATE SET enabled = $2, updated_by = $3, updated_at = now()",
    )
    .bind(agent.as_str())
    .bind(enabled)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    events::record(
        &mut tx,
        Some(actor),
        if enabled { "agent.enabled" } else { "agent.disabled" },
        Target::agent(agent.as_str()),
        json!({ "agent": agent }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Which agents are disabled.
pub async fn disabled_agents(pool: &PgPool) -> Result<Vec<AgentId>, DomainError> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT agent FROM agent_settings WHERE NOT enabled").fetch_all(pool).await?;
    Ok(rows.iter().filter_map(|a| AgentId::parse(a)).collect())
}

const SUMMARY: &str = "SELECT t.id, t.task_type, t.agent, t.status, t.priority, t.client_id, c.company_name,
        t.campaign_id, k.name, t.attempts, t.max_attempts, t.error, t.created_at, t.started_at, t.finished_at,
        t.duration_ms";
const FROM: &str =
    " FROM tasks t LEFT JOIN clients c ON c.id = t.client_id LEFT JOIN campaigns k ON k.id = t.campaign_id";

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

/// Limits a task query to what `actor` may see: every task for admins and staff; for an account manager,
/// tasks on their clients and tasks they started themselves (their pipeline reviews).
fn push_scope(b: &mut QueryBuilder<'_, Postgres>, scope: ClientScope, actor: Uuid) {
    match scope {
        ClientScope::All => b.push(" WHERE TRUE"),
        ClientScope::ManagedBy(me) => {
            b.push(" WHERE (c.account_manager_id = ")
                .push_bind(me)
                .push(" OR (t.client_id IS NULL AND t.created_by = ");
            b.push_bind(actor).push("))")
        }
    };
}

/// Tasks matching `filter` in the caller's scope, newest first.
pub async fn list(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    filter: &TaskFilter,
) -> Result<Vec<TaskSummary>, DomainError> {
    let mut b = QueryBuilder::new(format!("{SUMMARY}{FROM}"));
    push_scope(&mut b, scope, actor);
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
    b.push(" ORDER BY t.created_at DESC, t.id LIMIT ").push_bind(filter.limit.unwrap_or(50).clamp(1, 200));
    let rows: Vec<SummaryRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(summary).collect())
}

type DetailRow = (Value, Option<Value>, Option<String>, DateTime<Utc>, Vec<Uuid>, bool, Option<String>, i32, i32, f64);

/// One task with its output, if the caller may see it.
pub async fn get(pool: &PgPool, scope: ClientScope, actor: Uuid, id: Uuid) -> Result<Task, DomainError> {
    let mut b = QueryBuilder::new(format!("{SUMMARY}{FROM}"));
    push_scope(&mut b, scope, actor);
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

/// The latest completed output of `task_type` for a client (or campaign when given).
pub async fn latest_output(
    pool: &PgPool,
    task_type: TaskType,
    client_id: Uuid,
    campaign_id: Option<Uuid>,
) -> Result<Option<(Uuid, TaskOutput)>, DomainError> {
    let row: Option<(Uuid, Value)> = sqlx::query_as(
        "SELECT id, output FROM tasks
          WHERE task_type = $1 AND client_id = $2 AND ($3::uuid IS NULL OR campaign_id = $3)
            AND status = 'completed' AND output IS NOT NULL
          ORDER BY finished_at DESC LIMIT 1",
    )
    .bind(task_type.as_str())
    .bind(client_id)
    .bind(campaign_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, v)| serde_json::from_value(v).ok().map(|o| (id, o))))
}

/// Health of every agent: enabled, circuit, success rate and mean duration over the last hour and day,
/// queue depth, LLM use, and its latest tasks in the caller's scope.
pub async fn agent_statuses(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    recent_per_agent: i64,
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
    let disabled = disabled_agents(pool).await?;
    let mut out = Vec::new();
    for agent in AgentId::ALL {
        let s = stats.iter().find(|s| s.0 == agent.as_str());
        let window = |completed: i64, failed: i64, mean: Option<f64>| AgentWindowStats {
            completed,
            failed,
            success_rate: (completed + failed > 0).then(|| completed as f64 / (completed + failed) as f64),
            mean_duration_ms: mean,
        };
        let (_, circuit) = gate(pool, *agent).await?;
        let recent = list(
            pool,
            scope,
            actor,
            &TaskFilter { agent: Some(*agent), limit: Some(recent_per_agent), ..Default::default() },
        )
        .await?;
        out.push(AgentStatus {
            agent: *agent,
            enabled: !disabled.contains(agent),
            circuit,
            last_hour: s.map(|s| window(s.1, s.2, s.3)).unwrap_or_default(),
            last_day: s.map(|s| window(s.4, s.5, s.6)).unwrap_or_default(),
            running: s.map(|s| s.7).unwrap_or(0),
            pending: s.map(|s| s.8).unwrap_or(0),
            llm_tokens: s.map(|s| s.9).unwrap_or(0),
            llm_cost: s.map(|s| s.10).unwrap_or(0.0),
            recent,
        });
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_and_stops_at_five_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(9), Duration::from_secs(300));
        assert_eq!(backoff(i32::MAX), Duration::from_secs(300));
        assert_eq!(backoff(0), Duration::from_secs(2));
    }

    #[test]
    fn circuit_opens_after_five_failures_in_a_row_and_closes_after_the_cooldown() {
        let now = Utc::now();
        let failed = |secs_ago: i64| ("failed".to_string(), now - chrono::Duration::seconds(secs_ago));
        let five: Vec<_> = (0..5).map(|i| failed(10 + i)).collect();
        assert!(matches!(circuit_of(&five, now), CircuitState::Open { failures: 5, .. }));
        assert_eq!(circuit_of(&five[..4], now), CircuitState::Closed);
        let mut mixed = five.clone();
        mixed[2].0 = "completed".into();
        assert_eq!(circuit_of(&mixed, now), CircuitState::Closed);
        let old: Vec<_> = (0..5).map(|i| failed(61 + i)).collect();
        assert_eq!(circuit_of(&old, now), CircuitState::Closed);
    }
}
