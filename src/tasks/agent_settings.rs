//! Whether an agent may run: an admin's switch (enabled or disabled, in `agent_settings`) and its circuit,
//! derived from its latest results; and the agents page's health view built from both with the agent's
//! load and its latest tasks in the caller's scope.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::model::task::{AgentStatus, CircuitState};
use crate::model::AgentId;
use crate::policy::ClientScope;
use crate::store::events::{self, Target};
use crate::store::tasks as stored;
use crate::DomainError;

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
    let results = stored::latest_results(pool, agent, CIRCUIT_FAILURES).await?;
    Ok(circuit_of(&results, Utc::now()))
}

/// Every agent's circuit per the rule of [`gate`], read in one query.
pub async fn circuits(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<(AgentId, CircuitState)>, DomainError> {
    let results = stored::latest_results_of_all(pool, AgentId::ALL, CIRCUIT_FAILURES).await?;
    Ok(AgentId::ALL
        .iter()
        .map(|agent| {
            let mine: Vec<(String, DateTime<Utc>)> =
                results.iter().filter(|(a, _, _)| a == agent.as_str()).map(|(_, s, at)| (s.clone(), *at)).collect();
            (*agent, circuit_of(&mine, now))
        })
        .collect())
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

/// Health of every agent: enabled, circuit, success rate and mean duration over the last hour and day,
/// queue depth, LLM use, and its latest tasks in the caller's scope.
pub async fn agent_statuses(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    recent_per_agent: i64,
) -> Result<Vec<AgentStatus>, DomainError> {
    let disabled = disabled_agents(pool).await?;
    let mut gates = Vec::new();
    for agent in AgentId::ALL {
        gates.push((*agent, !disabled.contains(agent), circuit(pool, *agent).await?));
    }
    stored::agent_statuses(pool, scope, actor, recent_per_agent, &gates).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
