//! The queue's lifecycle in Postgres: tasks are rows, claimed with `FOR UPDATE SKIP LOCKED` under a lease.
//!
//! - Create checks that the task's client or campaign lies in the caller's scope and inserts it with
//!   `store::tasks::insert` (its `task.created` event and a `NOTIFY tasks_ready`, delivered at commit).
//! - Claim moves ready tasks (pending, `run_after` passed, every dependency completed) to in_progress,
//!   counts the attempt and sets a lease; the `task.started` events are written by the same statement.
//! - The running worker renews the lease (the heartbeat), which also reads `cancel_requested`.
//! - Complete, fail (retry or give up) and cancel only touch a task still leased to the calling worker: a
//!   worker whose lease expired and was taken over can't write a second result, so a task completes
//!   exactly once.
//! - A lease that expires (the worker died) puts the task back to pending, or fails it when its attempts
//!   are used up.
//!
//! Reads of tasks (lists, the task page, queue depth) are `store::tasks`; whether an agent may run is
//! `tasks::agent_settings`.

use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use std::time::Duration;
use uuid::Uuid;

use crate::model::task::{NewTask, TaskOutput, TaskParams, TaskStatus, TaskType};
use crate::policy::ClientScope;
use crate::store::events::{self, Target};
use crate::store::scope;
use crate::store::tasks::{self as stored, CHANNEL};
use crate::DomainError;

/// The queue's first step: a task inserted in the caller's transaction, with its `task.created` event and
/// the workers' wake-up at commit. The insert is the store's, which the client and campaign writes use too.
pub use crate::store::tasks::{insert as enqueue, Insert};

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

/// Enqueues one task in a transaction of its own; the client or campaign must lie in `scope`.
pub async fn create(pool: &PgPool, scope: ClientScope, actor: Uuid, task: NewTask) -> Result<Uuid, DomainError> {
    let mut task = task;
    let mut tx = pool.begin().await?;
    if let Some(campaign) = task.campaign_id {
        let mut b = QueryBuilder::<Postgres>::new(
            "SELECT k.client_id FROM campaigns k JOIN clients c ON c.id = k.client_id WHERE k.id = ",
        );
        b.push_bind(campaign);
        scope::push(&mut b, scope, "c");
        let client: Option<Uuid> = b.build_query_scalar().fetch_optional(&mut *tx).await?;
        let Some(client) = client else { return Err(DomainError::field("campaign_id", "no such campaign")) };
        if task.client_id.is_some_and(|c| c != client) {
            return Err(DomainError::field("campaign_id", "this campaign belongs to another client"));
        }
        task.client_id = Some(client);
    }
    if let Some(client) = task.client_id {
        if !scope::includes_client(&mut tx, scope, client).await? {
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
    let output = serde_json::to_value(output).map_err(|e| DomainError::internal("task output", e))?;
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
    /// A report email could not be handed to the mail server: retried like [`FailureKind::Agent`], but not
    /// counted by the agent's circuit (an outage of the mail server is not the agent failing).
    Delivery,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Agent => "agent",
            FailureKind::Input => "input",
            FailureKind::Disabled => "disabled",
            FailureKind::Circuit => "circuit",
            FailureKind::Dependency => "dependency",
            FailureKind::Delivery => "delivery",
        }
    }

    /// Whether an attempt that failed this way is tried again while attempts remain.
    pub fn retried(self) -> bool {
        matches!(self, FailureKind::Agent | FailureKind::Delivery)
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
    let retry = kind.retried() && task.attempts < task.max_attempts;
    let mut tx = pool.begin().await?;
    let message: String = message.chars().take(2000).collect();
    let updated = if retry {
        let delay = backoff(task.attempts);
        sqlx::query(
            "UPDATE tasks SET status = 'pending', run_after = now() + make_interval(secs => $4), error = $3,
                    error_kind = $5, locked_by = NULL, lease_until = NULL
              WHERE id = $1 AND locked_by = $2 AND status = 'in_progress'",
        )
        .bind(task.id)
        .bind(worker)
        .bind(&message)
        .bind(delay.as_secs_f64())
        .bind(kind.as_str())
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
    let task = stored::get(pool, scope, actor, id).await?;
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
}
