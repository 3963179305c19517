//! The events table: the activity feeds, the activity log and the live stream's source. Every write of an
//! event also wakes the live stream's readers ([`CHANNEL`]); the rows themselves are read by id.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::event::FeedEvent;
use crate::model::Event;
use crate::DomainError;

/// What an event is about.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: String,
    /// The client it belongs to, when it concerns one (activity feeds and portfolio scoping use it).
    pub client_id: Option<Uuid>,
}

impl<'a> Target<'a> {
    pub fn user(id: Uuid) -> Target<'a> {
        Target { kind: "user", id: id.to_string(), client_id: None }
    }

    /// The agency itself (its branding).
    pub fn agency() -> Target<'a> {
        Target { kind: "agency", id: String::new(), client_id: None }
    }

    pub fn client(id: Uuid) -> Target<'a> {
        Target { kind: "client", id: id.to_string(), client_id: Some(id) }
    }

    pub fn campaign(id: Uuid, client_id: Uuid) -> Target<'a> {
        Target { kind: "campaign", id: id.to_string(), client_id: Some(client_id) }
    }

    pub fn task(id: Uuid, client_id: Option<Uuid>) -> Target<'a> {
        Target { kind: "task", id: id.to_string(), client_id }
    }

    pub fn webhook(id: Uuid) -> Target<'a> {
        Target { kind: "webhook", id: id.to_string(), client_id: None }
    }

    pub fn agent(agent: &'a str) -> Target<'a> {
        Target { kind: "agent", id: agent.to_string(), client_id: None }
    }
}

/// The `NOTIFY` channel that says "new events": no payload, since readers read the rows by id. Postgres
/// folds identical notifications of one transaction into one, so a transaction that writes a thousand
/// events wakes each listener once (a `NOTIFY` takes a cluster-wide lock at commit: one per transaction,
/// never one per row).
pub const CHANNEL: &str = "aiseo_events";

/// The `NOTIFY` channel of a running crawl's counters: the payload is the crawl's id. Each batch a crawl
/// stores sends one; the live streams pass it on as a `progress` message (no row, no id: a page that
/// misses one reads the counters when the next comes or when it loads).
pub const PROGRESS_CHANNEL: &str = "aiseo_progress";

/// Appends an event and wakes the live stream's readers at commit; call it inside the transaction of the
/// change it describes.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    action: &str,
    target: Target<'_>,
    detail: Value,
) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO events (actor_id, action, target_type, target_id, client_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(actor)
    .bind(action)
    .bind(target.kind)
    .bind(target.id)
    .bind(target.client_id)
    .bind(detail)
    .execute(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut *conn).await?;
    Ok(())
}

/// An event as the live stream reads it: the row, and its client's account manager at read time (who may
/// see it: `policy::may_see_event`).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    pub feed: FeedEvent,
    pub client_manager: Option<Uuid>,
}

/// Events with an id above `after` or among `also` (ids seen missing earlier, see the hub), oldest first, at
/// most `limit`.
pub async fn after(pool: &PgPool, after: i64, also: &[i64], limit: i64) -> Result<Vec<LiveEvent>, DomainError> {
    type Row = (
        i64,
        chrono::DateTime<chrono::Utc>,
        Option<Uuid>,
        Option<String>,
        String,
        String,
        String,
        Value,
        Option<Uuid>,
        Option<Uuid>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.email, e.action, e.target_type, e.target_id, e.detail, e.client_id,
                c.account_manager_id
           FROM events e LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN clients c ON c.id = e.client_id
          WHERE e.id > $1 OR e.id = ANY($2)
          ORDER BY e.id
          LIMIT $3",
    )
    .bind(after)
    .bind(also)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, actor_id, email, action, target_type, target_id, detail, client_id, client_manager)| LiveEvent {
            feed: FeedEvent {
                event: from_row((id, at, actor_id, email, action, target_type, target_id, detail)),
                client_id,
            },
            client_manager,
        })
        .collect())
}

/// The newest event's id (0 when there is none): where a live stream starts.
pub async fn newest_id(pool: &PgPool) -> Result<i64, DomainError> {
    let (id,): (Option<i64>,) = sqlx::query_as("SELECT max(id) FROM events").fetch_one(pool).await?;
    Ok(id.unwrap_or(0))
}

/// The activity of one client (its own events and its campaigns'), newest first. Task status changes are
/// left out: the client page lists the client's tasks on their own.
pub async fn for_client(pool: &PgPool, client_id: Uuid, limit: i64) -> Result<Vec<Event>, DomainError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.email, e.action, e.target_type, e.target_id, e.detail
           FROM events e LEFT JOIN users u ON u.id = e.actor_id
          WHERE e.client_id = $1 AND e.action NOT LIKE 'task.%'
          ORDER BY e.id DESC
          LIMIT $2",
    )
    .bind(client_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}

type EventRow = (i64, chrono::DateTime<chrono::Utc>, Option<Uuid>, Option<String>, String, String, String, Value);

fn from_row(r: EventRow) -> Event {
    Event {
        id: r.0,
        at: r.1,
        actor_id: r.2,
        actor_email: r.3,
        action: r.4,
        target_type: r.5,
        target_id: r.6,
        detail: r.7,
    }
}

/// Events whose action starts with `action_prefix` (e.g. `user.`), newest first, before `before_id` when given.
pub async fn list(
    pool: &PgPool,
    action_prefix: &str,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Event>, DomainError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.id, e.at, e.actor_id, u.email, e.action, e.target_type, e.target_id, e.detail
           FROM events e LEFT JOIN users u ON u.id = e.actor_id
          WHERE e.action LIKE $1 || '%' AND ($2::bigint IS NULL OR e.id < $2)
          ORDER BY e.id DESC
          LIMIT $3",
    )
    .bind(action_prefix.replace('%', "").replace('_', "\\_"))
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(from_row).collect())
}
