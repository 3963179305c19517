//! Operations endpoints: /health (alive), /ready (dependencies), /metrics (Prometheus).
//!
//! These routes sit outside the session layer and answer anyone (load balancers, monitors), so /ready says
//! what is wrong in words ("database unavailable") and the drivers' own errors, which may carry host
//! names, addresses and user names, go to the log only.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;
use serde::Serialize;
use tower_sessions_redis_store::fred::prelude::*;

use crate::Services;

pub fn router(services: Services) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .with_state(services)
}

async fn health() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "alive" }))
}

#[derive(Serialize)]
struct Check {
    name: &'static str,
    status: &'static str,
    detail: Option<String>,
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    checks: Vec<Check>,
}

/// Healthy when Postgres and Redis answer. Postgres down: 503 (nothing works without it). Redis down:
/// 200 "degraded" with the reason (sign-in and sessions fail, the rest of the process is fine).
async fn ready(State(services): State<Services>) -> Response {
    let mut checks = Vec::new();
    let pg = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&services.state.pool).await;
    let pg_ok = pg.is_ok();
    checks.push(Check {
        name: "postgres",
        status: if pg_ok { "healthy" } else { "down" },
        detail: pg.err().map(|e| {
            tracing::warn!(error = %e, "readiness: Postgres does not answer");
            "database unavailable".to_string()
        }),
    });
    metrics::gauge!("db_pool_connections").set(services.state.pool.size() as f64);
    metrics::gauge!("db_pool_idle_connections").set(services.state.pool.num_idle() as f64);
    let mut redis_ok = true;
    match &services.redis {
        Some(redis) => {
            let ping: Result<String, _> = redis.ping(None).await;
            redis_ok = ping.is_ok();
            checks.push(Check {
                name: "redis",
                status: if redis_ok { "healthy" } else { "down" },
                detail: ping.err().map(|e| {
                    tracing::warn!(error = %e, "readiness: Redis does not answer");
                    "session store unavailable: sign-in and sessions fail".to_string()
                }),
            });
        }
        None => checks.push(Check {
            name: "redis",
            status: "not_configured",
            detail: Some("sessions and login throttling are in memory: one instance only".into()),
        }),
    }
    let mut tasks_ok = true;
    if pg_ok {
        let (check, ok) = workers_check(&services).await;
        tasks_ok = ok;
        checks.push(check);
        checks.push(agents_check(&services).await);
    }
    if let Some(llm) = &services.state.llm {
        let c = llm.circuit();
        checks.push(Check {
            name: "llm",
            status: if c.phase == domain::llm::CircuitPhase::Open { "degraded" } else { "healthy" },
            detail: (c.phase != domain::llm::CircuitPhase::Closed).then(|| {
                format!(
                    "circuit {:?} after {} failed calls; retry in {} s; agents write template prose meanwhile",
                    c.phase, c.consecutive_failures, c.retry_in_secs
                )
            }),
        });
    }
    let status = match (pg_ok, redis_ok, tasks_ok) {
        (true, true, true) => "healthy",
        _ => "degraded",
    };
    let code = if pg_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(Readiness { status, checks })).into_response()
}

/// Degraded when ready tasks wait more than a minute (no worker is taking them), leases have expired
/// (a worker died; its tasks are being recovered), or running tasks have made no progress for half the
/// stall bound (the watchdog fails them at the whole bound).
async fn workers_check(services: &Services) -> (Check, bool) {
    let pool = &services.state.pool;
    let quiet = services.task_stall / 2;
    let stats = domain::store::tasks::queue_stats(pool).await;
    let stuck = domain::store::tasks::without_progress(pool, quiet).await;
    match (stats, stuck) {
        (Ok(q), Ok(stuck)) => {
            let waiting = q.oldest_ready_secs.unwrap_or(0.0);
            let ok = waiting <= 60.0 && q.expired_leases == 0 && stuck == 0;
            let detail = format!(
                "{} ready, {} running, {} expired leases, oldest ready task waiting {:.0} s, \
                 {stuck} running without progress for over {} s",
                q.pending_ready,
                q.running,
                q.expired_leases,
                waiting,
                quiet.as_secs()
            );
            (Check { name: "workers", status: if ok { "healthy" } else { "degraded" }, detail: Some(detail) }, ok)
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "readiness: the task queue can't be read");
            (Check { name: "workers", status: "down", detail: Some("task queue unavailable".into()) }, false)
        }
    }
}

/// Agents that are disabled or whose circuit is open (informational: the rest keep working).
async fn agents_check(services: &Services) -> Check {
    use domain::model::task::CircuitState;
    use domain::model::AgentId;
    let disabled = domain::tasks::agent_settings::disabled_agents(&services.state.pool).await.unwrap_or_default();
    let mut open = Vec::new();
    for agent in AgentId::ALL {
        if let Ok((_, CircuitState::Open { .. })) =
            domain::tasks::agent_settings::gate(&services.state.pool, *agent).await
        {
            open.push(agent.as_str());
        }
    }
    let mut notes = Vec::new();
    if !disabled.is_empty() {
        notes.push(format!("disabled: {}", disabled.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if !open.is_empty() {
        notes.push(format!("circuit open: {}", open.join(", ")));
    }
    Check {
        name: "agents",
        status: if open.is_empty() { "healthy" } else { "degraded" },
        detail: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// Whether the request carries the configured metrics token (compared in constant time), or none is set.
fn metrics_allowed(services: &Services, headers: &http::HeaderMap) -> bool {
    let Some(token) = &services.metrics_token else { return true };
    let given = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let (a, b) = (given.as_bytes(), token.expose().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn metrics_text(State(services): State<Services>, headers: http::HeaderMap) -> Response {
    if !metrics_allowed(&services, &headers) {
        return (StatusCode::UNAUTHORIZED, [(http::header::WWW_AUTHENTICATE, "Bearer")], "metrics need the token")
            .into_response();
    }
    if let Ok(q) = domain::store::tasks::queue_stats(&services.state.pool).await {
        metrics::gauge!("tasks_ready").set(q.pending_ready as f64);
        metrics::gauge!("tasks_running").set(q.running as f64);
        metrics::gauge!("tasks_expired_leases").set(q.expired_leases as f64);
    }
    if let Some(llm) = &services.state.llm {
        let open = llm.circuit().phase == domain::llm::CircuitPhase::Open;
        metrics::gauge!("llm_circuit_open").set(if open { 1.0 } else { 0.0 });
    }
    ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::telemetry::metrics_handle().render())
        .into_response()
}
