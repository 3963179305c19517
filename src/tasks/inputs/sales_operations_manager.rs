//! The sales operations manager's input: every client in the portfolio reviewed (all clients for staff)
//! as a deal, with the furthest stage its history reached.

use chrono::Utc;
use sqlx::PgPool;

use crate::agents::sales_operations_manager as som;
use crate::policy::ClientScope;
use crate::store;
use crate::DomainError;

pub async fn load(pool: &PgPool, scope: ClientScope) -> Result<som::Input, DomainError> {
    let deals = store::activity::stage_histories(pool, scope)
        .await?
        .into_iter()
        .map(|h| som::Deal {
            client_id: h.client_id,
            company_name: h.company_name,
            stage: h.stage,
            furthest_stage: som::furthest_stage(h.stage, &h.reached),
            monthly_value: h.monthly_value,
            lead_budget: h.lead_budget,
            stage_since: h.stage_since,
        })
        .collect();
    Ok(som::Input { now: Utc::now(), deals })
}
