//! Messages between a client's people and the agency: one conversation per client. A client user writes
//! to their own company's conversation only (the company comes from their account, never from the
//! request); the agency answers in the conversations of the clients in its scope. Every message is an
//! event (`message.received`, `message.sent`) for the feed, the live stream and webhooks, and each client
//! message queues the client success manager's reply draft (`message_reply`).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use super::tasks::Insert;
use crate::model::portal::{Draft, InboxItem, Message, Thread};
use crate::model::task::{NewTask, Priority, TaskOutput, TaskParams, TaskType};
use crate::policy::ClientScope;
use crate::DomainError;

/// How many messages a conversation shows (the newest).
pub const THREAD_LIMIT: i64 = 200;
/// How many conversations the inbox lists.
pub const INBOX_LIMIT: i64 = 200;

type Row = (Uuid, Uuid, bool, Option<String>, String, DateTime<Utc>);

fn message(r: Row) -> Message {
    Message { id: r.0, client_id: r.1, from_client: r.2, author_name: r.3, body: r.4, created_at: r.5 }
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    client_id: Uuid,
    author: Uuid,
    from_client: bool,
    body: &str,
    task_id: Option<Uuid>,
) -> Result<Message, DomainError> {
    let row: Row = sqlx::query_as(
        "WITH m AS (
            INSERT INTO messages (id, client_id, author_id, from_client, body, task_id)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
         SELECT m.id, m.client_id, m.from_client, u.name, m.body, m.created_at
           FROM m LEFT JOIN users u ON u.id = m.author_id",
    )
    .bind(id)
    .bind(client_id)
    .bind(author)
    .bind(from_client)
    .bind(body)
    .bind(task_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(message(row))
}

/// The event's detail: who wrote, an excerpt (the feed), the whole text (webhooks).
fn detail(m: &Message) -> Value {
    let excerpt: String = m.body.chars().take(140).collect();
    json!({ "message_id": m.id, "author": m.author_name, "excerpt": excerpt, "body": m.body })
}

/// A client user's message to the agency (`body` already validated): stored, announced, and a reply
/// draft queued, in one transaction.
pub async fn from_client(pool: &PgPool, author: Uuid, client_id: Uuid, body: &str) -> Result<Message, DomainError> {
    let mut tx = pool.begin().await?;
    let id = Uuid::new_v4();
    let task = Insert {
        id: Uuid::new_v4(),
        task: NewTask {
            task_type: TaskType::MessageReply,
            client_id: Some(client_id),
            campaign_id: None,
            priority: Priority::High,
            params: TaskParams { message_id: Some(id), ..TaskParams::default() },
        },
        depends_on: Vec::new(),
    };
    // The task first: the message's row points at it.
    super::tasks::insert(&mut tx, Some(author), &task).await?;
    let m = insert(&mut tx, id, client_id, author, true, body, Some(task.id)).await?;
    events::record(&mut tx, Some(author), "message.received", message_target(&m), detail(&m)).await?;
    tx.commit().await?;
    Ok(m)
}

fn message_target<'a>(m: &Message) -> Target<'a> {
    Target { kind: "message", id: m.id.to_string(), client_id: Some(m.client_id) }
}

/// The agency's answer in client `client_id`'s conversation (in `scope`); `draft` is the reply task it
/// began from, when it did.
pub async fn answer(
    pool: &PgPool,
    scope: ClientScope,
    author: Uuid,
    client_id: Uuid,
    body: &str,
    draft: Option<Uuid>,
) -> Result<Message, DomainError> {
    let mut tx = pool.begin().await?;
    if !scope::includes_client(&mut tx, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    // Only a draft of this client's conversation is linked; anything else is ignored.
    let draft = match draft {
        Some(id) => {
            sqlx::query_scalar("SELECT id FROM tasks WHERE id = $1 AND client_id = $2 AND task_type = 'message_reply'")
                .bind(id)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => None,
    };
    let m = insert(&mut tx, Uuid::new_v4(), client_id, author, false, body, draft).await?;
    events::record(&mut tx, Some(author), "message.sent", message_target(&m), detail(&m)).await?;
    tx.commit().await?;
    Ok(m)
}

/// Client `client_id`'s conversation, oldest first (the newest [`THREAD_LIMIT`]). The caller has checked
/// the client is theirs.
pub async fn messages(pool: &PgPool, client_id: Uuid) -> Result<Vec<Message>, DomainError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT * FROM (
            SELECT m.id, m.client_id, m.from_client, u.name, m.body, m.created_at
              FROM messages m LEFT JOIN users u ON u.id = m.author_id
             WHERE m.client_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2) r
          ORDER BY created_at, id",
    )
    .bind(client_id)
    .bind(THREAD_LIMIT)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(message).collect())
}

/// The conversation of client `client_id` (in `scope`) with its context and the draft of an answer to the
/// latest message when the client wrote last.
pub async fn thread(pool: &PgPool, scope: ClientScope, client_id: Uuid) -> Result<Thread, DomainError> {
    let client = super::clients::get(pool, scope, client_id).await?;
    let messages = messages(pool, client_id).await?;
    let health = super::crawls::latest_audit(pool, client_id).await?.map(|a| a.health_score);
    let open_campaigns: i64 =
        sqlx::query_scalar("SELECT count(*) FROM campaigns WHERE client_id = $1 AND status IN ('active', 'paused')")
            .bind(client_id)
            .fetch_one(pool)
            .await?;
    let draft = match messages.last() {
        Some(last) if last.from_client => draft_of(pool, last.id).await?,
        _ => Draft::None,
    };
    Ok(Thread {
        client_id,
        company_name: client.company_name,
        website: client.website,
        stage: client.stage.label().to_string(),
        manager_name: client.account_manager_name,
        health,
        open_campaigns,
        messages,
        draft,
    })
}

/// The reply task of client message `message_id`, as a draft.
async fn draft_of(pool: &PgPool, message_id: Uuid) -> Result<Draft, DomainError> {
    let row: Option<(Uuid, String, Option<Value>, Option<String>)> = sqlx::query_as(
        "SELECT t.id, t.status, t.output, t.error FROM messages m JOIN tasks t ON t.id = m.task_id WHERE m.id = $1",
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Draft::None,
        Some((task_id, status, output, error)) => match status.as_str() {
            "completed" => match output.and_then(|v| serde_json::from_value::<TaskOutput>(v).ok()) {
                Some(TaskOutput::MessageReply(output)) => Draft::Ready { task_id, output },
                _ => Draft::Failed { task_id, error: "the draft could not be read".into() },
            },
            "failed" | "cancelled" => {
                Draft::Failed { task_id, error: error.unwrap_or_else(|| "the draft task was cancelled".into()) }
            }
            _ => Draft::Pending { task_id },
        },
    })
}

/// The conversations of the clients in `scope`, the latest first, each with how many client messages
/// wait for an answer.
pub async fn inbox(pool: &PgPool, scope: ClientScope) -> Result<Vec<InboxItem>, DomainError> {
    let mut b = QueryBuilder::<Postgres>::new(
        "SELECT c.id, c.company_name, am.name, l.id, l.from_client, au.name, l.body, l.created_at,
                (SELECT count(*) FROM messages w WHERE w.client_id = c.id AND w.from_client
                    AND w.created_at > coalesce((SELECT max(a.created_at) FROM messages a
                                                  WHERE a.client_id = c.id AND NOT a.from_client), '-infinity'))
           FROM clients c
           JOIN LATERAL (SELECT * FROM messages m WHERE m.client_id = c.id
                          ORDER BY m.created_at DESC, m.id DESC LIMIT 1) l ON TRUE
           LEFT JOIN users am ON am.id = c.account_manager_id
           LEFT JOIN users au ON au.id = l.author_id
          WHERE TRUE",
    );
    scope::push(&mut b, scope, "c");
    b.push(" ORDER BY l.created_at DESC, c.id LIMIT ").push_bind(INBOX_LIMIT);
    type InboxRow = (Uuid, String, Option<String>, Uuid, bool, Option<String>, String, DateTime<Utc>, i64);
    let rows: Vec<InboxRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(client_id, company_name, manager_name, id, from_client, author_name, body, created_at, waiting)| {
            InboxItem {
                client_id,
                company_name,
                manager_name,
                latest: Message { id, client_id, from_client, author_name, body, created_at },
                waiting,
            }
        })
        .collect())
}

/// The client message a reply task answers and the facts its draft may use.
pub async fn reply_input(
    pool: &PgPool,
    message_id: Uuid,
) -> Result<crate::agents::client_success_manager::reply::Input, DomainError> {
    let row: Option<(Uuid, String, Option<String>)> = sqlx::query_as(
        "SELECT m.client_id, m.body, u.name FROM messages m LEFT JOIN users u ON u.id = m.author_id
          WHERE m.id = $1 AND m.from_client",
    )
    .bind(message_id)
    .fetch_optional(pool)
    .await?;
    let (client_id, message, writer) = row.ok_or(DomainError::NotFound)?;
    let client = super::clients::get(pool, ClientScope::All, client_id).await?;
    let audits = super::crawls::audit_summaries(pool, client_id, 2).await?;
    let campaigns: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT k.name, k.status,
                (SELECT count(*) FROM tasks t WHERE t.campaign_id = k.id AND t.status = 'completed'),
                (SELECT count(*) FROM tasks t WHERE t.campaign_id = k.id AND t.status <> 'cancelled')
           FROM campaigns k WHERE k.client_id = $1 ORDER BY lower(k.name), k.id",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let today = Utc::now().date_naive();
    let last_month = crate::model::report::ReportPeriod::parse("", "", "", today).map_err(DomainError::Validation)?;
    Ok(crate::agents::client_success_manager::reply::Input {
        company_name: client.company_name,
        agency_name: super::reports::branding(pool).await?.name,
        writer_name: writer.unwrap_or_default(),
        manager_name: client.account_manager_name,
        message,
        audits,
        campaigns,
        report_period: last_month.label(),
    })
}
