//! Operations endpoints: /health (alive), /ready (dependencies), /metrics (Prometheus).

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
        detail: pg.err().map(|e| e.to_string()),
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
                detail: ping.err().map(|e| e.to_string()),
            });
        }
        None => checks.push(Check {
            name: "redis",
            status: "not_configured",
            detail: Some("sessions and login throttling are in memory: one instance only".into()),
        }),
    }
    let status = match (pg_ok, redis_ok) {
        (true, true) => "healthy",
        _ => "degraded",
    };
    let code = if pg_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(Readiness { status, checks })).into_response()
}

async fn metrics_text() -> impl IntoResponse {
    ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::telemetry::metrics_handle().render())
}
