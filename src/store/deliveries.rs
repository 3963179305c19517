//! Report emails in Postgres: each client's schedule (`report_schedules`) and every delivery
//! (`report_deliveries`). A delivery is queued with its task (type `report_delivery`) in one transaction,
//! so no delivery exists without the task that sends it; while under way, its state, attempts and last
//! error are its task's. Deletes of a client take its schedule and deliveries with it.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use crate::model::delivery::{Delivery, DeliveryStatus, DeliveryTrigger, ReportCadence, ReportSchedule, ScheduleRule};
use crate::model::report::{PeriodKind, ReportPeriod};
use crate::model::task::{NewTask, Priority, TaskParams, TaskType};
use crate::policy::ClientScope;
use crate::store::tasks::{insert as enqueue, Insert};
use crate::DomainError;

/// Deliveries a list shows at most.
pub const LIST_MAX: i64 = 200;

async fn client_in_scope(conn: &mut PgConnection, scope: ClientScope, client_id: Uuid) -> Result<(), DomainError> {
    if scope::includes_client(conn, scope, client_id).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound)
    }
}

type ScheduleRow =
    (Uuid, String, i16, i16, Vec<String>, Option<Uuid>, Option<String>, bool, DateTime<Utc>, DateTime<Utc>);

/// The client's schedule (the client must lie in `scope`).
pub async fn schedule(
    pool: &PgPool,
    scope: ClientScope,
    client_id: Uuid,
) -> Result<Option<ReportSchedule>, DomainError> {
    client_in_scope(&mut *pool.acquire().await?, scope, client_id).await?;
    let row: Option<ScheduleRow> = sqlx::query_as(
        "SELECT s.client_id, s.cadence, s.day, s.hour, s.recipients, s.template_id, t.name, s.enabled, s.next_run_at,
                s.updated_at
           FROM report_schedules s LEFT JOIN report_templates t ON t.id = s.template_id
          WHERE s.client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| ReportSchedule {
        client_id: r.0,
        rule: ScheduleRule {
            cadence: ReportCadence::parse(&r.1).unwrap_or(ReportCadence::Monthly),
            day: u32::try_from(r.2).unwrap_or(1),
            hour: u32::try_from(r.3).unwrap_or(0),
            recipients: r.4,
            template_id: r.5,
        },
        template_name: r.6,
        enabled: r.7,
        next_run_at: r.8,
        updated_at: r.9,
    }))
}

async fn template_exists(conn: &mut PgConnection, id: Option<Uuid>) -> Result<(), DomainError> {
    let Some(id) = id else { return Ok(()) };
    let found: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM report_templates WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    found.map(|_| ()).ok_or_else(|| DomainError::field("template", "no such template; choose one from the list"))
}

/// Sets the client's schedule (`rule`, paused when `enabled` is false) or removes it (`rule` None). The next
/// send is the rule's first time after now.
pub async fn set_schedule(
    pool: &PgPool,
    actor: Uuid,
    scope: ClientScope,
    client_id: Uuid,
    rule: Option<&ScheduleRule>,
    enabled: bool,
) -> Result<Option<ReportSchedule>, DomainError> {
    let mut tx = pool.begin().await?;
    client_in_scope(&mut tx, scope, client_id).await?;
    match rule {
        Some(rule) => {
            template_exists(&mut tx, rule.template_id).await?;
            let next = rule.next_after(Utc::now());
            sqlx::query(
                "INSERT INTO report_schedules (client_id, cadence, day, hour, recipients, template_id, enabled,
                                               next_run_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (client_id) DO UPDATE SET cadence = $2, day = $3, hour = $4, recipients = $5,
                     template_id = $6, enabled = $7, next_run_at = $8, updated_by = $9, updated_at = now()",
            )
            .bind(client_id)
            .bind(rule.cadence.as_str())
            .bind(i16::try_from(rule.day).unwrap_or(1))
            .bind(i16::try_from(rule.hour).unwrap_or(0))
            .bind(&rule.recipients)
            .bind(rule.template_id)
            .bind(enabled)
            .bind(next)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
            events::record(
                &mut tx,
                Some(actor),
                "report.scheduled",
                Target::client(client_id),
                json!({ "schedule": rule.describe(), "recipients": rule.recipients.len(), "enabled": enabled,
                        "next_run_at": next }),
            )
            .await?;
        }
        None => {
            let removed = sqlx::query("DELETE FROM report_schedules WHERE client_id = $1")
                .bind(client_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if removed > 0 {
                events::record(&mut tx, Some(actor), "report.unscheduled", Target::client(client_id), json!({}))
                    .await?;
            }
        }
    }
    tx.commit().await?;
    schedule(pool, scope, client_id).await
}

/// What a new delivery sends.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub client_id: Uuid,
    pub trigger: DeliveryTrigger,
    pub period: ReportPeriod,
    pub template_id: Option<Uuid>,
    pub recipients: Vec<String>,
    pub priority: Priority,
}

/// The task that sends delivery `id` of `client_id`.
fn delivery_task(client_id: Uuid, id: Uuid, priority: Priority) -> Insert {
    Insert {
        id: Uuid::new_v4(),
        task: NewTask {
            task_type: TaskType::ReportDelivery,
            client_id: Some(client_id),
            campaign_id: None,
            priority,
            params: TaskParams { delivery_id: Some(id), ..TaskParams::default() },
        },
        depends_on: Vec::new(),
    }
}

/// Records a delivery and queues its task, in the caller's transaction; returns (delivery, task).
pub async fn queue(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    delivery: &NewDelivery,
) -> Result<(Uuid, Uuid), DomainError> {
    let id = Uuid::new_v4();
    let insert = delivery_task(delivery.client_id, id, delivery.priority);
    let task_id = insert.id;
    let period = delivery.period;
    sqlx::query(
        "INSERT INTO report_deliveries (id, client_id, trigger, period_from, period_to, period_kind, template_id,
                                        recipients, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(delivery.client_id)
    .bind(delivery.trigger.as_str())
    .bind(period.from)
    .bind(period.to)
    .bind(period_kind(period.kind))
    .bind(delivery.template_id)
    .bind(&delivery.recipients)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    enqueue(&mut *conn, actor, &insert).await?;
    sqlx::query("UPDATE report_deliveries SET task_id = $2 WHERE id = $1")
        .bind(id)
        .bind(task_id)
        .execute(&mut *conn)
        .await?;
    Ok((id, task_id))
}

fn period_kind(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Month => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::Custom => "custom",
    }
}

/// "Send now": a delivery of the client's schedule (its recipients and template) for the last whole period
/// of its cadence before today, queued at high priority. Without a schedule there is no one to send to.
pub async fn send_now(pool: &PgPool, actor: Uuid, scope: ClientScope, client_id: Uuid) -> Result<Uuid, DomainError> {
    let schedule = schedule(pool, scope, client_id)
        .await?
        .ok_or_else(|| DomainError::field("recipients", "set the schedule's recipients first"))?;
    let period = schedule.rule.period_for(Utc::now().date_naive());
    let mut tx = pool.begin().await?;
    let (id, _) = queue(
        &mut tx,
        Some(actor),
        &NewDelivery {
            client_id,
            trigger: DeliveryTrigger::Manual,
            period,
            template_id: schedule.rule.template_id,
            recipients: schedule.rule.recipients.clone(),
            priority: Priority::High,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sends a failed or cancelled delivery again: a new task for the same delivery (same period, recipients and
/// template). A delivery that was sent, or is still under way, is left as it is.
pub async fn resend(pool: &PgPool, actor: Uuid, scope: ClientScope, id: Uuid) -> Result<Uuid, DomainError> {
    let d = get(pool, scope, id).await?;
    if !matches!(d.status, DeliveryStatus::Failed | DeliveryStatus::Cancelled) {
        return Err(DomainError::Rule(format!(
            "this delivery is {}; only a failed one is sent again",
            d.status.label()
        )));
    }
    let insert = delivery_task(d.client_id, id, Priority::High);
    let task_id = insert.id;
    let mut tx = pool.begin().await?;
    enqueue(&mut tx, Some(actor), &insert).await?;
    sqlx::query("UPDATE report_deliveries SET task_id = $2 WHERE id = $1 AND sent_at IS NULL")
        .bind(id)
        .bind(task_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(task_id)
}

/// The state of a delivery, from its own row and its task's:
/// sent (through SMTP) or outbox once it left; else failed or cancelled as its task ended; sending while
/// its task runs; retrying after a failed attempt; queued before the first.
const STATUS: &str = "CASE WHEN d.sent_at IS NOT NULL AND d.outbox_file IS NOT NULL THEN 'outbox'
            WHEN d.sent_at IS NOT NULL THEN 'sent'
            WHEN t.status = 'failed' OR t.id IS NULL THEN 'failed'
            WHEN t.status = 'cancelled' THEN 'cancelled'
            WHEN t.status = 'in_progress' THEN 'sending'
            WHEN t.attempts > 0 THEN 'retrying'
            ELSE 'queued' END";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    client_id: Uuid,
    client_name: String,
    task_id: Option<Uuid>,
    trigger: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    period_kind: String,
    template_name: Option<String>,
    recipients: Vec<String>,
    status: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    subject: Option<String>,
    bytes: Option<i32>,
    smtp_reply: Option<String>,
    outbox_file: Option<String>,
    attempts: Option<i32>,
    max_attempts: Option<i32>,
    error: Option<String>,
}

fn select() -> String {
    format!(
        "SELECT d.id, d.client_id, c.company_name AS client_name, d.task_id, d.trigger, d.period_from, d.period_to,
                d.period_kind, rt.name AS template_name, d.recipients, {STATUS} AS status, d.created_at, d.sent_at,
                d.subject, d.bytes, d.smtp_reply, d.outbox_file, t.attempts, t.max_attempts,
                CASE WHEN d.sent_at IS NULL THEN t.error END AS error
           FROM report_deliveries d
           JOIN clients c ON c.id = d.client_id
           LEFT JOIN tasks t ON t.id = d.task_id
           LEFT JOIN report_templates rt ON rt.id = d.template_id
          WHERE TRUE"
    )
}

fn period_of(kind: &str, from: NaiveDate, to: NaiveDate) -> ReportPeriod {
    let kind = match kind {
        "month" => PeriodKind::Month,
        "quarter" => PeriodKind::Quarter,
        _ => PeriodKind::Custom,
    };
    ReportPeriod { kind, from, to }
}

fn delivery(r: DeliveryRow) -> Delivery {
    let period = period_of(&r.period_kind, r.period_from, r.period_to);
    Delivery {
        id: r.id,
        client_id: r.client_id,
        client_name: r.client_name,
        task_id: r.task_id,
        trigger: DeliveryTrigger::parse(&r.trigger).unwrap_or(DeliveryTrigger::Schedule),
        period_label: period.label(),
        period,
        template_name: r.template_name,
        recipients: r.recipients,
        status: DeliveryStatus::parse(&r.status).unwrap_or(DeliveryStatus::Queued),
        created_at: r.created_at,
        sent_at: r.sent_at,
        subject: r.subject,
        bytes: r.bytes.map(i64::from),
        smtp_reply: r.smtp_reply,
        outbox_file: r.outbox_file,
        attempts: r.attempts.unwrap_or(0),
        max_attempts: r.max_attempts.unwrap_or(0),
        error: r.error,
    }
}

/// One delivery in `scope`.
pub async fn get(pool: &PgPool, scope: ClientScope, id: Uuid) -> Result<Delivery, DomainError> {
    let mut b = QueryBuilder::<Postgres>::new(select());
    b.push(" AND d.id = ").push_bind(id);
    scope::push(&mut b, scope, "c");
    let row: Option<DeliveryRow> = b.build_query_as().fetch_optional(pool).await?;
    row.map(delivery).ok_or(DomainError::NotFound)
}

/// Which deliveries a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryFilter {
    pub client_id: Option<Uuid>,
    pub status: Option<DeliveryStatus>,
    /// Only deliveries created at or after this instant.
    pub since: Option<DateTime<Utc>>,
}

/// Deliveries in `scope`, newest first, at most `limit` (capped at [`LIST_MAX`]).
pub async fn list(
    pool: &PgPool,
    scope: ClientScope,
    filter: DeliveryFilter,
    limit: i64,
) -> Result<Vec<Delivery>, DomainError> {
    let mut b = QueryBuilder::<Postgres>::new(format!("SELECT * FROM ({}", select()));
    if let Some(client) = filter.client_id {
        b.push(" AND d.client_id = ").push_bind(client);
    }
    if let Some(since) = filter.since {
        b.push(" AND d.created_at >= ").push_bind(since);
    }
    scope::push(&mut b, scope, "c");
    b.push(") AS x");
    if let Some(status) = filter.status {
        b.push(" WHERE x.status = ").push_bind(status.as_str());
    }
    b.push(" ORDER BY x.created_at DESC, x.id DESC LIMIT ").push_bind(limit.clamp(1, LIST_MAX));
    let rows: Vec<DeliveryRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(delivery).collect())
}

/// What the task that sends delivery `id` needs: the client, period, template and recipients, and whether
/// it was already sent (then nothing is sent twice).
pub struct ToSend {
    pub client_id: Uuid,
    pub period: ReportPeriod,
    pub template_id: Option<Uuid>,
    pub recipients: Vec<String>,
    pub sent: bool,
}

type ToSendRow = (Uuid, NaiveDate, NaiveDate, String, Option<Uuid>, Vec<String>, bool);

pub async fn to_send(pool: &PgPool, id: Uuid) -> Result<Option<ToSend>, DomainError> {
    let row: Option<ToSendRow> = sqlx::query_as(
        "SELECT client_id, period_from, period_to, period_kind, template_id, recipients, sent_at IS NOT NULL
           FROM report_deliveries WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| ToSend {
        client_id: r.0,
        period: period_of(&r.3, r.1, r.2),
        template_id: r.4,
        recipients: r.5,
        sent: r.6,
    }))
}

/// What left, recorded once.
pub struct SentRecord<'a> {
    pub subject: &'a str,
    pub bytes: i64,
    pub smtp_reply: Option<&'a str>,
    pub outbox_file: Option<&'a str>,
}

pub async fn mark_sent(pool: &PgPool, id: Uuid, sent: &SentRecord<'_>) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE report_deliveries SET sent_at = now(), subject = $2, bytes = $3, smtp_reply = $4, outbox_file = $5
          WHERE id = $1 AND sent_at IS NULL",
    )
    .bind(id)
    .bind(sent.subject)
    .bind(i32::try_from(sent.bytes).unwrap_or(i32::MAX))
    .bind(sent.smtp_reply)
    .bind(sent.outbox_file)
    .execute(pool)
    .await?;
    Ok(())
}

/// Schedules that are due get a delivery each, for the last whole period before their due time, and move
/// to their next send (from the due time, or from now when a send was missed by more than a cadence).
/// Returns the deliveries queued; called by every worker, so rows are taken with `SKIP LOCKED`.
pub async fn queue_due(pool: &PgPool, limit: i64) -> Result<Vec<Uuid>, DomainError> {
    let mut tx = pool.begin().await?;
    let due: Vec<ScheduleRow> = sqlx::query_as(
        "SELECT s.client_id, s.cadence, s.day, s.hour, s.recipients, s.template_id, NULL::text, s.enabled,
                s.next_run_at, s.updated_at
           FROM report_schedules s
          WHERE s.enabled AND s.next_run_at <= now()
          ORDER BY s.next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let now = Utc::now();
    let mut queued = Vec::with_capacity(due.len());
    for r in due {
        let rule = ScheduleRule {
            cadence: ReportCadence::parse(&r.1).unwrap_or(ReportCadence::Monthly),
            day: u32::try_from(r.2).unwrap_or(1),
            hour: u32::try_from(r.3).unwrap_or(0),
            recipients: r.4,
            template_id: r.5,
        };
        let due_at = r.8;
        let mut next = rule.next_after(due_at);
        if next <= now {
            next = rule.next_after(now);
        }
        let (id, _) = queue(
            &mut tx,
            None,
            &NewDelivery {
                client_id: r.0,
                trigger: DeliveryTrigger::Schedule,
                period: rule.period_for(due_at.date_naive()),
                template_id: rule.template_id,
                recipients: rule.recipients.clone(),
                priority: Priority::Normal,
            },
        )
        .await?;
        sqlx::query("UPDATE report_schedules SET next_run_at = $2 WHERE client_id = $1")
            .bind(r.0)
            .bind(next)
            .execute(&mut *tx)
            .await?;
        queued.push(id);
    }
    tx.commit().await?;
    Ok(queued)
}

/// Failed deliveries in `scope` created since `since` (the dashboard's warning).
pub async fn failed_since(pool: &PgPool, scope: ClientScope, since: DateTime<Utc>) -> Result<i64, DomainError> {
    let mut b = QueryBuilder::<Postgres>::new(
        "SELECT count(*) FROM report_deliveries d JOIN clients c ON c.id = d.client_id
           LEFT JOIN tasks t ON t.id = d.task_id
          WHERE d.sent_at IS NULL AND (t.id IS NULL OR t.status = 'failed') AND d.created_at >= ",
    );
    b.push_bind(since);
    scope::push(&mut b, scope, "c");
    Ok(b.build_query_scalar().fetch_one(pool).await?)
}
