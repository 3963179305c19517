//! The analytics page's figures from SQL over indexed columns, within the caller's portfolio ([`scope`]).
//! Like the dashboard, each query reads its window only. Stage values and the pipeline come from the sales
//! operations manager's own rules (`agents::sales_operations_manager`).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use super::scope;
use crate::agents::sales_operations_manager as som;
use crate::model::analytics::{AgentFigures, Analytics, BusinessFigures, StageFigures};
use crate::model::campaign::AgentId;
use crate::model::dashboard::{DashboardRange, Window};
use crate::policy::{client_scope, Actor, ClientScope};
use crate::DomainError;

/// The agents and business figures `actor` may see for `range` as of `now` (system figures are the
/// server's to add).
pub async fn load(
    pool: &PgPool,
    actor: &Actor,
    range: DashboardRange,
    now: DateTime<Utc>,
) -> Result<Analytics, DomainError> {
    let scope = client_scope(actor);
    let window = range.window(now);
    Ok(Analytics {
        range,
        window,
        portfolio_only: matches!(scope, ClientScope::ManagedBy(_)),
        agents: agents(pool, scope, actor.user_id, &window).await?,
        business: business(pool, scope, &window, now).await?,
        system: None,
    })
}

/// Every agent's tasks that finished in the window (all fourteen, zeros included).
pub async fn agents(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    w: &Window,
) -> Result<Vec<AgentFigures>, DomainError> {
    type Row = (String, i64, i64, i64, Option<f64>, Option<f64>, i64, f64);
    let mut b = QueryBuilder::new(
        "SELECT t.agent,
                count(*) FILTER (WHERE t.status = 'completed'),
                count(*) FILTER (WHERE t.status = 'failed'),
                count(*) FILTER (WHERE t.status = 'cancelled'),
                avg(t.duration_ms) FILTER (WHERE t.status IN ('completed', 'failed'))::float8,
                (percentile_cont(0.95) WITHIN GROUP (ORDER BY t.duration_ms)
                    FILTER (WHERE t.status IN ('completed', 'failed')))::float8,
                coalesce(sum(t.llm_prompt_tokens + t.llm_completion_tokens), 0)::bigint,
                coalesce(sum(t.llm_cost), 0)::float8
           FROM tasks t LEFT JOIN clients c ON c.id = t.client_id
          WHERE t.finished_at >= ",
    );
    b.push_bind(w.start).push(" AND t.finished_at < ").push_bind(w.end);
    scope::push_tasks(&mut b, scope, actor, "t", "c");
    b.push(" GROUP BY t.agent");
    let rows: Vec<Row> = b.build_query_as().fetch_all(pool).await?;
    Ok(AgentId::ALL
        .iter()
        .map(|agent| {
            let r = rows.iter().find(|r| r.0 == agent.as_str());
            let (completed, failed, cancelled) = r.map_or((0, 0, 0), |r| (r.1, r.2, r.3));
            AgentFigures {
                agent: *agent,
                completed,
                failed,
                cancelled,
                success_rate: (completed + failed > 0)
                    .then(|| round1(100.0 * completed as f64 / (completed + failed) as f64)),
                mean_ms: r.and_then(|r| r.4).map(round1),
                p95_ms: r.and_then(|r| r.5).map(round1),
                llm_tokens: r.map_or(0, |r| r.6),
                llm_cost: r.map_or(0.0, |r| r.7),
            }
        })
        .collect())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The pipeline now, deals won and lost in the window, revenue under management now, and the site
/// audits that completed in the window.
pub async fn business(
    pool: &PgPool,
    scope: ClientScope,
    w: &Window,
    now: DateTime<Utc>,
) -> Result<BusinessFigures, DomainError> {
    let mut input = crate::tasks::inputs::sales_operations_manager::load(pool, scope).await?;
    input.now = now;
    let pipeline = som::run(&input);
    let stages: Vec<StageFigures> = pipeline
        .stages
        .iter()
        .map(|s| StageFigures { stage: s.stage.label().into(), clients: s.count.into(), value: s.value })
        .collect();

    let mut b = QueryBuilder::new(
        "SELECT count(*) FILTER (WHERE e.detail->>'to' = 'won'), count(*) FILTER (WHERE e.detail->>'to' = 'lost')
           FROM events e JOIN clients c ON c.id = e.client_id
          WHERE e.action = 'client.stage_changed' AND e.at >= ",
    );
    b.push_bind(w.start).push(" AND e.at < ").push_bind(w.end);
    scope::push(&mut b, scope, "c");
    let (won, lost): (i64, i64) = b.build_query_as().fetch_one(pool).await?;

    let mut b = QueryBuilder::new(
        "SELECT coalesce(sum(c.monthly_value), 0)::bigint, count(*) FROM clients c WHERE c.stage = 'won'",
    );
    scope::push(&mut b, scope, "c");
    let (revenue_under_management, won_clients): (i64, i64) = b.build_query_as().fetch_one(pool).await?;

    let mut b = QueryBuilder::new(
        "SELECT count(*), avg(cr.health)::float8 FROM crawls cr JOIN clients c ON c.id = cr.client_id
          WHERE cr.kind = 'site' AND cr.status = 'completed' AND cr.finished_at >= ",
    );
    b.push_bind(w.start).push(" AND cr.finished_at < ").push_bind(w.end);
    scope::push(&mut b, scope, "c");
    let (audits, mean_health): (i64, Option<f64>) = b.build_query_as().fetch_one(pool).await?;

    Ok(BusinessFigures {
        stages,
        won,
        lost,
        win_rate: (won + lost > 0).then(|| round1(100.0 * won as f64 / (won + lost) as f64)),
        revenue_under_management,
        won_clients,
        audits,
        mean_health: mean_health.map(round1),
    })
}
