//! The task coordinator's input: the campaign with its assigned agents, and which agents the admins
//! disabled.

use sqlx::PgPool;
use uuid::Uuid;

use crate::model::{AgentId, Campaign};
use crate::policy::ClientScope;
use crate::store;
use crate::tasks::agent_settings;
use crate::DomainError;

/// The campaign to plan and the disabled agents (the coordinator's `Input` borrows both).
pub async fn load(pool: &PgPool, campaign_id: Uuid) -> Result<(Campaign, Vec<AgentId>), DomainError> {
    let campaign = store::campaigns::get(pool, ClientScope::All, campaign_id).await?;
    Ok((campaign, agent_settings::disabled_agents(pool).await?))
}
