//! What happened around clients, as the agents that report on them read it: when a person last acted on a
//! client, how many events a client (or one campaign) had in a window, and each client's stage history.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use super::scope;
use crate::model::Stage;
use crate::policy::ClientScope;
use crate::DomainError;

/// When a person (not a worker) last recorded an event about the client.
pub async fn last_person_activity(pool: &PgPool, client_id: Uuid) -> Result<Option<DateTime<Utc>>, DomainError> {
    Ok(sqlx::query_scalar("SELECT max(at) FROM events WHERE client_id = $1 AND actor_id IS NOT NULL")
        .bind(client_id)
        .fetch_one(pool)
        .await?)
}

/// Events about the client after `since`; with a campaign, only those whose target is that campaign.
pub async fn event_count(
    pool: &PgPool,
    client_id: Uuid,
    campaign_id: Option<Uuid>,
    since: DateTime<Utc>,
) -> Result<i64, DomainError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE client_id = $1 AND at > $3 AND ($2::uuid IS NULL OR target_id = $2::text)",
    )
    .bind(client_id)
    .bind(campaign_id)
    .bind(since)
    .fetch_one(pool)
    .await?)
}

/// A client in the pipeline with the stages its history moved it to.
#[derive(Debug, Clone, PartialEq)]
pub struct StageHistory {
    pub client_id: Uuid,
    pub company_name: String,
    pub stage: Stage,
    /// Every stage a `client.stage_changed` event moved it to, in no particular order.
    pub reached: Vec<Stage>,
    pub monthly_value: i64,
    pub lead_budget: Option<i64>,
    /// The last stage change, or the client's creation.
    pub stage_since: DateTime<Utc>,
}

/// The clients in `scope` with their stage histories.
pub async fn stage_histories(pool: &PgPool, scope: ClientScope) -> Result<Vec<StageHistory>, DomainError> {
    type Row = (Uuid, String, String, i64, Option<i64>, Vec<String>, DateTime<Utc>);
    let mut b = QueryBuilder::new(
        "SELECT c.id, c.company_name, c.stage, c.monthly_value, c.lead_budget,
                coalesce(array_agg(e.detail->>'to') FILTER (WHERE e.id IS NOT NULL), '{}'),
                coalesce(max(e.at), c.created_at)
           FROM clients c
           LEFT JOIN events e ON e.client_id = c.id AND e.action = 'client.stage_changed'
          WHERE TRUE",
    );
    scope::push(&mut b, scope, "c");
    b.push(" GROUP BY c.id");
    let rows: Vec<Row> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(client_id, company_name, stage, monthly_value, lead_budget, history, stage_since)| StageHistory {
            client_id,
            company_name,
            stage: Stage::parse(&stage).unwrap_or(Stage::Prospect),
            reached: history.iter().filter_map(|s| Stage::parse(s)).collect(),
            monthly_value,
            lead_budget,
            stage_since,
        })
        .collect())
}
