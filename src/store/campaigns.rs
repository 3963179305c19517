//! Campaigns: created under a client, edited, moved through their lifecycle, deleted when no work is in
//! flight. Scope is the client's: an account manager reaches only campaigns of their clients.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::postgres::{PgArguments, PgQueryResult};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use crate::model::campaign::{CampaignAction, CampaignDraft, CampaignKind, CampaignStatus};
use crate::model::paging::TimeCursor;
use crate::model::{AgentId, Campaign};
use crate::policy::ClientScope;
use crate::DomainError;

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: Uuid,
    client_id: Uuid,
    client_name: String,
    name: String,
    kind: String,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    budget: i64,
    objectives: String,
    agents: Vec<String>,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CampaignRow {
    fn into_campaign(self) -> Campaign {
        Campaign {
            id: self.id,
            client_id: self.client_id,
            client_name: self.client_name,
            name: self.name,
            kind: CampaignKind::parse(&self.kind).unwrap_or(CampaignKind::FullSeo),
            start_date: self.start_date,
            end_date: self.end_date,
            budget: self.budget,
            objectives: self.objectives,
            agents: self.agents.iter().filter_map(|a| AgentId::parse(a)).collect(),
            status: CampaignStatus::parse(&self.status).unwrap_or(CampaignStatus::Draft),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const SELECT: &str =
    "SELECT k.id, k.client_id, c.company_name AS client_name, k.name, k.kind, k.start_date, k.end_date,
        k.budget, k.objectives, k.agents, k.status, k.created_at, k.updated_at
   FROM campaigns k JOIN clients c ON c.id = k.client_id";

pub async fn get(pool: &PgPool, scope: ClientScope, id: Uuid) -> Result<Campaign, DomainError> {
    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    b.push(" AND k.id = ").push_bind(id);
    let row: Option<CampaignRow> = b.build_query_as().fetch_optional(pool).await?;
    row.map(CampaignRow::into_campaign).ok_or(DomainError::NotFound)
}

pub async fn for_client(pool: &PgPool, scope: ClientScope, client_id: Uuid) -> Result<Vec<Campaign>, DomainError> {
    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    b.push(" AND k.client_id = ").push_bind(client_id).push(" ORDER BY k.created_at DESC, k.id");
    let rows: Vec<CampaignRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(CampaignRow::into_campaign).collect())
}

/// The campaigns in `scope` after `after` in newest-first order (`created_at DESC, id`), at most `limit`,
/// narrowed to one client and one status when given (the API's list).
pub async fn page(
    pool: &PgPool,
    scope: ClientScope,
    client: Option<Uuid>,
    status: Option<CampaignStatus>,
    after: Option<TimeCursor>,
    limit: i64,
) -> Result<Vec<Campaign>, DomainError> {
    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    if let Some(c) = client {
        b.push(" AND k.client_id = ").push_bind(c);
    }
    if let Some(s) = status {
        b.push(" AND k.status = ").push_bind(s.as_str());
    }
    if let Some((at, id)) = after.and_then(|c| c.created_at().map(|t| (t, c.id))) {
        b.push(" AND k.created_at <= ").push_bind(at);
        b.push(" AND (k.created_at < ").push_bind(at).push(" OR k.id > ").push_bind(id).push(")");
    }
    // The API reads one row past its largest slice (200) to tell whether another follows.
    b.push(" ORDER BY k.created_at DESC, k.id LIMIT ").push_bind(limit.clamp(1, 201));
    let rows: Vec<CampaignRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(CampaignRow::into_campaign).collect())
}

/// Campaigns for exports, `limit` at a time, oldest first; `status` narrows when given.
pub async fn export_chunk(
    pool: &PgPool,
    scope: ClientScope,
    status: Option<CampaignStatus>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Campaign>, DomainError> {
    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    if let Some(s) = status {
        b.push(" AND k.status = ").push_bind(s.as_str());
    }
    b.push(" ORDER BY k.created_at, k.id LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    let rows: Vec<CampaignRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(CampaignRow::into_campaign).collect())
}

fn duplicate_name(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

const DUPLICATE: &str = "this client already has a campaign with this name";

/// Binds a draft's columns in the order both statements list them: name, kind, start and end date, budget,
/// objectives, agents, and the acting user.
fn bind_draft<'q>(
    q: sqlx::query::Query<'q, Postgres, PgArguments>,
    d: &'q CampaignDraft,
    agents: &'q [&'q str],
    actor: Uuid,
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    q.bind(&d.name)
        .bind(d.kind.as_str())
        .bind(d.start_date)
        .bind(d.end_date)
        .bind(d.budget)
        .bind(&d.objectives)
        .bind(agents)
        .bind(actor)
}

/// A written draft, or the name's field error when the client already has a campaign by that name.
fn stored(written: Result<PgQueryResult, sqlx::Error>) -> Result<(), DomainError> {
    match written {
        Err(e) if duplicate_name(&e) => Err(DomainError::field("name", DUPLICATE)),
        other => other.map(drop).map_err(DomainError::from),
    }
}

/// Creates a draft campaign under a client inside `scope`.
pub async fn create(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    client_id: Uuid,
    d: &CampaignDraft,
) -> Result<Campaign, DomainError> {
    super::clients::get(pool, scope, client_id).await?;
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let agents: Vec<&str> = d.agents.iter().map(|a| a.as_str()).collect();
    let statement = sqlx::query(
        "INSERT INTO campaigns (id, client_id, name, kind, start_date, end_date, budget, objectives, agents, status,
                                created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $10)",
    )
    .bind(id)
    .bind(client_id);
    stored(bind_draft(statement, d, &agents, actor).execute(&mut *tx).await)?;
    events::record(
        &mut tx,
        Some(actor),
        "campaign.created",
        Target::campaign(id, client_id),
        json!({ "name": d.name, "kind": d.kind, "agents": agents }),
    )
    .await?;
    tx.commit().await?;
    get(pool, ClientScope::All, id).await
}

pub async fn update(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    id: Uuid,
    d: &CampaignDraft,
) -> Result<Campaign, DomainError> {
    let before = get(pool, scope, id).await?;
    let mut tx = pool.begin().await?;
    let agents: Vec<&str> = d.agents.iter().map(|a| a.as_str()).collect();
    let statement = sqlx::query(
        "UPDATE campaigns SET name = $2, kind = $3, start_date = $4, end_date = $5, budget = $6, objectives = $7,
                agents = $8, updated_by = $9, updated_at = now()
          WHERE id = $1",
    )
    .bind(id);
    stored(bind_draft(statement, d, &agents, actor).execute(&mut *tx).await)?;
    events::record(
        &mut tx,
        Some(actor),
        "campaign.updated",
        Target::campaign(id, before.client_id),
        json!({ "name": d.name }),
    )
    .await?;
    tx.commit().await?;
    get(pool, ClientScope::All, id).await
}

/// Moves a campaign to `to` if the lifecycle allows it from its current status (checked under a row lock,
/// so two concurrent moves can't both pass).
pub async fn change_status(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    id: Uuid,
    to: CampaignStatus,
) -> Result<Campaign, DomainError> {
    move_campaign(pool, scope, actor, id, |from| from.transition(to).map_err(|refused| refused.message())).await
}

/// Applies a named lifecycle action (see [`CampaignAction::apply`]) as [`change_status`] does a target.
pub async fn apply(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    id: Uuid,
    action: CampaignAction,
) -> Result<Campaign, DomainError> {
    move_campaign(pool, scope, actor, id, |from| action.apply(from)).await
}

/// Moves a campaign to where `next` says from its current status, read under the row lock.
async fn move_campaign(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    id: Uuid,
    next: impl FnOnce(CampaignStatus) -> Result<CampaignStatus, String>,
) -> Result<Campaign, DomainError> {
    let campaign = get(pool, scope, id).await?;
    let mut tx = pool.begin().await?;
    let current: String = sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1 FOR NO KEY UPDATE")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let from = CampaignStatus::parse(&current).unwrap_or(CampaignStatus::Draft);
    let to = next(from).map_err(DomainError::Rule)?;
    sqlx::query("UPDATE campaigns SET status = $2, updated_by = $3, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to.as_str())
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    events::record(
        &mut tx,
        Some(actor),
        "campaign.status_changed",
        Target::campaign(id, campaign.client_id),
        json!({ "name": campaign.name, "from": from, "to": to }),
    )
    .await?;
    // Starting a campaign has the task coordinator plan its task graph (agents.md).
    if from == CampaignStatus::Draft && to == CampaignStatus::Active {
        super::tasks::insert(&mut tx, Some(actor), &super::tasks::Insert::campaign_plan(id, campaign.client_id))
            .await?;
    }
    tx.commit().await?;
    get(pool, ClientScope::All, id).await
}

/// Deletes a draft, completed or cancelled campaign; active and paused ones are refused.
///
/// Lock order: the campaign row with FOR NO KEY UPDATE (which holds off status changes but not a worker
/// inserting a task that references the campaign), then the campaign's tasks, then the campaign itself. A
/// worker completing a task of this campaign takes the task row, then a key-share lock on the campaign; the
/// same order here means the two wait for each other instead of deadlocking.
pub async fn delete(pool: &PgPool, scope: ClientScope, actor: Uuid, id: Uuid) -> Result<Uuid, DomainError> {
    super::with_retries("deleting a campaign", || delete_once(pool, scope, actor, id)).await
}

async fn delete_once(pool: &PgPool, scope: ClientScope, actor: Uuid, id: Uuid) -> Result<Uuid, super::Attempt> {
    let campaign = get(pool, scope, id).await?;
    let mut tx = pool.begin().await?;
    let current: String = sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1 FOR NO KEY UPDATE")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let status = CampaignStatus::parse(&current).unwrap_or(CampaignStatus::Draft);
    if !status.deletable() {
        return Err(super::Attempt::Failed(DomainError::Rule(format!(
            "{} is {} and can't be deleted: only draft, completed or cancelled campaigns can. Complete or cancel it first.",
            campaign.name, status
        ))));
    }
    sqlx::query("DELETE FROM tasks WHERE campaign_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM campaigns WHERE id = $1").bind(id).execute(&mut *tx).await?;
    events::record(
        &mut tx,
        Some(actor),
        "campaign.deleted",
        Target::campaign(id, campaign.client_id),
        json!({ "name": campaign.name, "status": status }),
    )
    .await?;
    tx.commit().await?;
    Ok(campaign.client_id)
}
