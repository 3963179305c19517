//! The dashboard's figures from SQL over indexed columns, limited to the caller's portfolio by the one
//! rule in [`scope`]. Each aggregate reads only its window (plus the previous window for trends), so the
//! cost grows with the range asked for, not with the history kept.
//!
//! Point-in-time figures (clients, revenue under management, active campaigns, mean health, open alerts)
//! are taken at the end of the window and at the end of the previous window. A client's stage at a time
//! `t` is the `to` of its last `client.stage_changed` event before `t`, else the `from` of its first one
//! after `t`, else its current stage; a campaign's status likewise from `campaign.status_changed`. Money
//! uses each client's current monthly value (changes to the value itself are not replayed).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{PgPool, QueryBuilder};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::scope;
use crate::agents::sales_operations_manager as som;
use crate::model::campaign::AgentId;
use crate::model::client::{Industry, Stage};
use crate::model::dashboard::{
    describe, AgentState, AgentStrip, Bucket, Dashboard, DashboardRange, FeedItem, FunnelStep, Kpi, Outcomes, Point,
    Unit, Window, CRAWL_RATE_MINUTES,
};
use crate::model::task::{CircuitState, TaskType};
use crate::policy::{client_scope, may_see_event, Actor, ClientScope};
use crate::DomainError;

/// How many lines the activity feed shows.
pub const FEED_LINES: usize = 20;

/// Everything the dashboard shows to `actor` for `range`, as of `now`.
pub async fn load(
    pool: &PgPool,
    actor: &Actor,
    range: DashboardRange,
    now: DateTime<Utc>,
) -> Result<Dashboard, DomainError> {
    let scope = client_scope(actor);
    let window = range.window(now);
    let prev = window.previous();
    // Point-in-time figures are taken at the window's end, but never in the future (a custom range may
    // end tomorrow at midnight).
    let (at, prev_at) = (window.end.min(now), prev.end.min(now));

    // Independent reads, run at once (each takes its own pooled connection).
    let (clients, stages, revenue, campaigns, tasks, finished, audits) = tokio::try_join!(
        client_counts(pool, scope, &window),
        stage_counts(pool, scope),
        managed_revenue(pool, scope, at, prev_at),
        active_campaigns(pool, scope, at, prev_at),
        task_counts(pool, scope, actor.user_id, &window),
        finished_tasks(pool, scope, actor.user_id, &window),
        latest_audits(pool, scope, at, prev_at),
    )?;
    let ((revenue, won_clients), revenue_before) = revenue;
    let (campaigns, campaigns_before) = campaigns;

    let stage_text = stages
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    let success = |o: &Outcomes| {
        (o.completed + o.failed > 0).then(|| 100.0 * o.completed as f64 / (o.completed + o.failed) as f64)
    };
    let (now_total, prev_total) = (finished.total(), finished.previous.clone());
    let kpis = vec![
        Kpi::new("clients", "Clients", Unit::Count, Some(clients.at_end as f64), Some(clients.at_prev_end as f64))
            .detail(if stage_text.is_empty() { "none yet".to_string() } else { stage_text })
            .href("/clients"),
        Kpi::new("new_clients", "New clients", Unit::Count, Some(clients.new as f64), Some(clients.new_before as f64))
            .detail("added in the range")
            .href("/clients?sort=created&dir=desc"),
        Kpi::new("revenue", "Revenue under management", Unit::Money, Some(revenue as f64), Some(revenue_before as f64))
            .detail(format!("monthly, from {won_clients} won clients"))
            .href("/clients?stage=won"),
        Kpi::new("campaigns", "Active campaigns", Unit::Count, Some(campaigns as f64), Some(campaigns_before as f64))
            .detail("running at the end of the range")
            .href("/clients"),
        Kpi::new("tasks", "Tasks", Unit::Count, Some(tasks.created as f64), Some(tasks.created_before as f64))
            .detail(format!(
                "{} created in the range; now {} pending, {} running; {} completed, {} failed, {} cancelled in the range",
                tasks.created, tasks.pending, tasks.running, now_total.completed, now_total.failed, now_total.cancelled
            ))
            .href("/tasks"),
        Kpi::new("success_rate", "Agent success rate", Unit::Points, success(&now_total), success(&prev_total))
            .detail("completed ÷ (completed + failed), tasks finished in the range")
            .href("/agents"),
        Kpi::new("health", "Mean audit health", Unit::Points, audits.health, audits.health_before)
            .detail(format!("latest site audit of {} clients", audits.audited))
            .href("/audits"),
        Kpi::new("alerts", "Open regression alerts", Unit::Count, Some(audits.alerts as f64), Some(audits.alerts_before as f64))
            .bad_when_up()
            .detail("raised by each client's latest audit comparison")
            .href("/audits"),
    ];

    let (funnel, industries, (crawl_rate, running_crawls), agents, health, feed) = tokio::try_join!(
        funnel(pool, scope, now),
        industries(pool, scope),
        crawl_rate(pool, scope, now),
        agent_strip(pool, now),
        health_series(pool, scope, &window),
        feed(pool, actor, FEED_LINES),
    )?;
    let empty = clients.at_end == 0 && tasks.created == 0 && tasks.pending + tasks.running == 0;
    Ok(Dashboard {
        range,
        window,
        bucket: window.bucket(),
        portfolio_only: matches!(scope, ClientScope::ManagedBy(_)),
        kpis,
        agents,
        tasks_per_bucket: finished.per_bucket.into_iter().map(|(at, value)| Point { at, value }).collect(),
        tasks_by_agent: finished.per_agent.into_iter().collect(),
        health,
        industries,
        funnel,
        crawl_rate,
        running_crawls,
        feed,
        empty,
        failed_report_emails: super::deliveries::failed_since(
            pool,
            scope,
            now - chrono::Duration::days(crate::model::dashboard::FAILED_REPORTS_DAYS),
        )
        .await?,
    })
}

struct ClientCounts {
    at_end: i64,
    at_prev_end: i64,
    new: i64,
    new_before: i64,
}

async fn client_counts(pool: &PgPool, scope: ClientScope, w: &Window) -> Result<ClientCounts, DomainError> {
    let p = w.previous();
    let mut b = QueryBuilder::new("SELECT count(*) FILTER (WHERE c.created_at < ");
    b.push_bind(w.end).push("), count(*) FILTER (WHERE c.created_at < ").push_bind(p.end);
    b.push("), count(*) FILTER (WHERE c.created_at >= ")
        .push_bind(w.start)
        .push(" AND c.created_at < ")
        .push_bind(w.end);
    b.push("), count(*) FILTER (WHERE c.created_at >= ")
        .push_bind(p.start)
        .push(" AND c.created_at < ")
        .push_bind(p.end);
    b.push(") FROM clients c");
    scope::push_where(&mut b, scope, "c");
    let (at_end, at_prev_end, new, new_before): (i64, i64, i64, i64) = b.build_query_as().fetch_one(pool).await?;
    Ok(ClientCounts { at_end, at_prev_end, new, new_before })
}

/// Clients per stage now, in pipeline order (every stage, zeros included).
async fn stage_counts(pool: &PgPool, scope: ClientScope) -> Result<Vec<(Stage, i64)>, DomainError> {
    let mut b = QueryBuilder::new("SELECT c.stage, count(*) FROM clients c");
    scope::push_where(&mut b, scope, "c");
    b.push(" GROUP BY c.stage");
    let rows: Vec<(String, i64)> = b.build_query_as().fetch_all(pool).await?;
    Ok(Stage::ALL.iter().map(|s| (*s, rows.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n))).collect())
}

/// Clients per industry now, largest first.
async fn industries(pool: &PgPool, scope: ClientScope) -> Result<Vec<(String, i64)>, DomainError> {
    let mut b = QueryBuilder::new("SELECT c.industry, count(*) FROM clients c");
    scope::push_where(&mut b, scope, "c");
    b.push(" GROUP BY c.industry ORDER BY 2 DESC, 1");
    let rows: Vec<(String, i64)> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(k, n)| (Industry::parse(&k).map_or(k, |i| i.label().to_string()), n)).collect())
}

/// `LEFT JOIN`s that give each row its state at `t` as `coalesce({alias}_b.state, {alias}_a.state, <its
/// current state>)`: the `to` of its last `action` event before `t` (`{alias}_b`), else the `from` of its
/// first one at or after `t` (`{alias}_a`). Events are matched by their column `key` (`client_id`, or
/// `target_id` for campaigns) to `on`. Each join reads the action's events once (by the action index),
/// not once per row.
fn push_state_at(
    b: &mut QueryBuilder<'_, sqlx::Postgres>,
    action: &str,
    key: &str,
    on: &str,
    alias: &str,
    t: DateTime<Utc>,
) {
    for (side, field, cmp, order) in [("b", "to", "<", "DESC"), ("a", "from", ">=", "ASC")] {
        b.push(format_args!(
            " LEFT JOIN (SELECT DISTINCT ON ({key}) {key}, detail->>'{field}' AS state FROM events
                WHERE action = '{action}' AND at {cmp} "
        ))
        .push_bind(t)
        .push(format_args!(" ORDER BY {key}, id {order}) {alias}_{side} ON {alias}_{side}.{key} = {on}"));
    }
}

/// Revenue under management at `t` and at `before`: the sum of the monthly values of the clients in stage
/// won at that time, and (at `t`) how many they are.
async fn managed_revenue(
    pool: &PgPool,
    scope: ClientScope,
    t: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<((i64, i64), i64), DomainError> {
    let won = |b: &mut QueryBuilder<'_, sqlx::Postgres>, alias: &str, at: DateTime<Utc>| {
        b.push("c.created_at < ").push_bind(at);
        b.push(format_args!(" AND coalesce({alias}_b.state, {alias}_a.state, c.stage) = 'won'"));
    };
    let mut b = QueryBuilder::new("SELECT coalesce(sum(c.monthly_value) FILTER (WHERE ");
    won(&mut b, "n", t);
    b.push("), 0)::bigint, count(*) FILTER (WHERE ");
    won(&mut b, "n", t);
    b.push("), coalesce(sum(c.monthly_value) FILTER (WHERE ");
    won(&mut b, "p", before);
    b.push("), 0)::bigint FROM clients c");
    for (alias, at) in [("n", t), ("p", before)] {
        push_state_at(&mut b, "client.stage_changed", "client_id", "c.id", alias, at);
    }
    scope::push_where(&mut b, scope, "c");
    let (now, count, then): (i64, i64, i64) = b.build_query_as().fetch_one(pool).await?;
    Ok(((now, count), then))
}

/// Campaigns whose status was active at `t` and at `before` (replayed from `campaign.status_changed` like
/// a client's stage).
async fn active_campaigns(
    pool: &PgPool,
    scope: ClientScope,
    t: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<(i64, i64), DomainError> {
    let mut b = QueryBuilder::new("SELECT count(*) FILTER (WHERE cm.created_at < ");
    b.push_bind(t)
        .push(" AND coalesce(n_b.state, n_a.state, cm.status) = 'active'), count(*) FILTER (WHERE cm.created_at < ");
    b.push_bind(before).push(" AND coalesce(p_b.state, p_a.state, cm.status) = 'active') FROM campaigns cm JOIN clients c ON c.id = cm.client_id");
    for (alias, at) in [("n", t), ("p", before)] {
        push_state_at(&mut b, "campaign.status_changed", "target_id", "cm.id::text", alias, at);
    }
    scope::push_where(&mut b, scope, "c");
    Ok(b.build_query_as().fetch_one(pool).await?)
}

struct TaskCounts {
    created: i64,
    created_before: i64,
    pending: i64,
    running: i64,
}

async fn task_counts(pool: &PgPool, scope: ClientScope, actor: Uuid, w: &Window) -> Result<TaskCounts, DomainError> {
    let p = w.previous();
    let (created, created_before) = if scope == ClientScope::All && w.bucket() == Bucket::Day {
        tokio::try_join!(created_from_rollup(pool, w.start, w.end), created_from_rollup(pool, p.start, p.end))?
    } else {
        let mut b = QueryBuilder::new("SELECT count(*) FILTER (WHERE t.created_at >= ");
        b.push_bind(w.start).push("), count(*) FILTER (WHERE t.created_at < ").push_bind(w.start);
        b.push(") FROM tasks t LEFT JOIN clients c ON c.id = t.client_id WHERE t.created_at >= ").push_bind(p.start);
        b.push(" AND t.created_at < ").push_bind(w.end);
        scope::push_tasks(&mut b, scope, actor, "t", "c");
        b.build_query_as().fetch_one(pool).await?
    };

    let mut b = QueryBuilder::new(
        "SELECT count(*) FILTER (WHERE t.status = 'pending'), count(*) FILTER (WHERE t.status = 'in_progress')
           FROM tasks t LEFT JOIN clients c ON c.id = t.client_id
          WHERE (t.status = 'pending' OR t.status = 'in_progress')",
    );
    scope::push_tasks(&mut b, scope, actor, "t", "c");
    let (pending, running): (i64, i64) = b.build_query_as().fetch_one(pool).await?;
    Ok(TaskCounts { created, created_before, pending, running })
}

/// Tasks that finished in the window, by bucket and by agent, and the previous window's totals.
struct Finished {
    per_bucket: BTreeMap<DateTime<Utc>, Outcomes>,
    per_agent: BTreeMap<AgentId, Outcomes>,
    previous: Outcomes,
}

impl Finished {
    fn new() -> Finished {
        Finished { per_bucket: BTreeMap::new(), per_agent: BTreeMap::new(), previous: Outcomes::default() }
    }

    /// Counts `n` tasks of `agent` with outcome `status` in the bucket starting `at`, of the current window
    /// or (totals only) the previous one.
    fn add(&mut self, current: bool, at: DateTime<Utc>, agent: &str, status: &str, n: i64) {
        if !current {
            count_into(&mut self.previous, status, n);
            return;
        }
        count_into(self.per_bucket.entry(at).or_default(), status, n);
        if let Some(agent) = AgentId::parse(agent) {
            count_into(self.per_agent.entry(agent).or_default(), status, n);
        }
    }

    fn total(&self) -> Outcomes {
        self.per_bucket.values().fold(Outcomes::default(), |mut acc, o| {
            acc.completed += o.completed;
            acc.failed += o.failed;
            acc.cancelled += o.cancelled;
            acc
        })
    }
}

fn count_into(o: &mut Outcomes, status: &str, n: i64) {
    match status {
        "completed" => o.completed += n,
        "failed" => o.failed += n,
        "cancelled" => o.cancelled += n,
        _ => {}
    }
}

/// A stretch of time `[from, to)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The whole UTC days inside `[from, to)` as `(first, end)` (end exclusive; empty when `first >= end`),
/// and the parts of `[from, to)` outside them.
fn split_days(from: DateTime<Utc>, to: DateTime<Utc>) -> (NaiveDate, NaiveDate, Vec<Span>) {
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let first =
        if midnight(from.date_naive()) == from { from.date_naive() } else { from.date_naive() + Duration::days(1) };
    let end = to.date_naive();
    if first >= end {
        return (first, first, vec![(from, to)]);
    }
    let mut edges = Vec::new();
    if from < midnight(first) {
        edges.push((from, midnight(first)));
    }
    if midnight(end) < to {
        edges.push((midnight(end), to));
    }
    (first, end, edges)
}

/// [`finished_tasks`] for the whole agency over day buckets: whole days from the `task_daily` rollup (kept
/// by a trigger, so it equals the tasks table), the partial days at the window's edges from the tasks.
/// The cost then grows with the days of the range, not with the tasks in it.
async fn finished_from_rollup(pool: &PgPool, w: &Window) -> Result<Finished, DomainError> {
    let mut out = Finished::new();
    for (current, span) in [(true, *w), (false, w.previous())] {
        let (first, end, edges) = split_days(span.start, span.end);
        let mut rows: Vec<(DateTime<Utc>, String, String, i64)> = sqlx::query_as(
            "SELECT day::timestamp AT TIME ZONE 'UTC', agent, status, sum(tasks)::bigint FROM task_daily
              WHERE status <> 'created' AND day >= $1 AND day < $2 GROUP BY 1, 2, 3",
        )
        .bind(first)
        .bind(end)
        .fetch_all(pool)
        .await?;
        for (from, to) in edges {
            rows.extend(
                sqlx::query_as::<_, (DateTime<Utc>, String, String, i64)>(
                    "SELECT date_trunc('day', finished_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', agent, status, count(*)
                       FROM tasks WHERE finished_at >= $1 AND finished_at < $2 GROUP BY 1, 2, 3",
                )
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?,
            );
        }
        for (at, agent, status, n) in rows {
            out.add(current, at, &agent, &status, n);
        }
    }
    // A bucket whose counts were all taken out again (deleted tasks) is no bucket.
    out.per_bucket.retain(|_, o| o.completed + o.failed + o.cancelled > 0);
    out.per_agent.retain(|_, o| o.completed + o.failed + o.cancelled > 0);
    Ok(out)
}

/// Tasks created in `[from, to)` by the whole agency: whole days from the rollup, the edges from the tasks.
async fn created_from_rollup(pool: &PgPool, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, DomainError> {
    let (first, end, edges) = split_days(from, to);
    let mut n: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(tasks), 0)::bigint FROM task_daily WHERE status = 'created' AND day >= $1 AND day < $2",
    )
    .bind(first)
    .bind(end)
    .fetch_one(pool)
    .await?;
    for (a, b) in edges {
        let edge: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE created_at >= $1 AND created_at < $2")
            .bind(a)
            .bind(b)
            .fetch_one(pool)
            .await?;
        n += edge;
    }
    Ok(n)
}

async fn finished_tasks(pool: &PgPool, scope: ClientScope, actor: Uuid, w: &Window) -> Result<Finished, DomainError> {
    if scope == ClientScope::All && w.bucket() == Bucket::Day {
        return finished_from_rollup(pool, w).await;
    }
    let p = w.previous();
    let bucket = w.bucket().as_str();
    let mut b = QueryBuilder::new("SELECT t.finished_at >= ");
    b.push_bind(w.start).push(format!(
        ", date_trunc('{bucket}', t.finished_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', t.agent, t.status, count(*)
           FROM tasks t LEFT JOIN clients c ON c.id = t.client_id
          WHERE t.finished_at >= "
    ));
    b.push_bind(p.start).push(" AND t.finished_at < ").push_bind(w.end);
    scope::push_tasks(&mut b, scope, actor, "t", "c");
    b.push(" GROUP BY 1, 2, 3, 4");
    let rows: Vec<(bool, DateTime<Utc>, String, String, i64)> = b.build_query_as().fetch_all(pool).await?;
    let mut out = Finished::new();
    for (current, at, agent, status, n) in rows {
        out.add(current, at, &agent, &status, n);
    }
    Ok(out)
}

/// The point-in-time audit figures at `t` and at `before`.
struct LatestAudits {
    /// Mean health of each in-scope client's latest completed site audit (`None` when none has one).
    health: Option<f64>,
    health_before: Option<f64>,
    /// Clients with such an audit at `t`.
    audited: i64,
    /// Regression alerts open: those raised for the crawl that was its client's latest completed site audit
    /// at that time (a newer audit either raises an alert again or clears it).
    alerts: i64,
    alerts_before: i64,
}

async fn latest_audits(
    pool: &PgPool,
    scope: ClientScope,
    t: DateTime<Utc>,
    before: DateTime<Utc>,
) -> Result<LatestAudits, DomainError> {
    let alerts = |alias: &str| {
        format!(
            "coalesce(sum(CASE WHEN {alias}.id IS NULL THEN 0 ELSE (SELECT count(*) FROM events e
                WHERE e.client_id = c.id AND e.action = 'audit.regression' AND e.detail->>'crawl_id' = {alias}.id::text
                  AND e.at < {alias}.t) END), 0)::bigint"
        )
    };
    let mut b = QueryBuilder::new(format!(
        "SELECT avg(n.health)::float8, avg(p.health)::float8, count(n.id), {}, {} FROM clients c",
        alerts("n"),
        alerts("p")
    ));
    for (alias, at) in [("n", t), ("p", before)] {
        b.push(" LEFT JOIN LATERAL (SELECT cr.id, cr.health, ").push_bind(at).push(
            "::timestamptz AS t FROM crawls cr
              WHERE cr.client_id = c.id AND cr.kind = 'site' AND cr.status = 'completed' AND cr.health IS NOT NULL
                AND cr.finished_at < ",
        );
        b.push_bind(at).push(format_args!(" ORDER BY cr.finished_at DESC LIMIT 1) {alias} ON TRUE"));
    }
    scope::push_where(&mut b, scope, "c");
    let (health, health_before, audited, alerts, alerts_before): (Option<f64>, Option<f64>, i64, i64, i64) =
        b.build_query_as().fetch_one(pool).await?;
    let round = |m: Option<f64>| m.map(|m| (m * 10.0).round() / 10.0);
    Ok(LatestAudits { health: round(health), health_before: round(health_before), audited, alerts, alerts_before })
}

/// Mean health of the site audits that completed in each bucket of the window, with their number.
async fn health_series(pool: &PgPool, scope: ClientScope, w: &Window) -> Result<Vec<Point<(f64, i64)>>, DomainError> {
    let bucket = w.bucket().as_str();
    let mut b = QueryBuilder::new(format!(
        "SELECT date_trunc('{bucket}', cr.finished_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', avg(cr.health)::float8, count(*)
           FROM crawls cr JOIN clients c ON c.id = cr.client_id
          WHERE cr.kind = 'site' AND cr.status = 'completed' AND cr.health IS NOT NULL AND cr.finished_at >= "
    ));
    b.push_bind(w.start).push(" AND cr.finished_at < ").push_bind(w.end);
    scope::push(&mut b, scope, "c");
    b.push(" GROUP BY 1 ORDER BY 1");
    let rows: Vec<(DateTime<Utc>, f64, i64)> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(at, mean, n)| Point { at, value: ((mean * 10.0).round() / 10.0, n) }).collect())
}

/// Pages fetched per minute over the last [`CRAWL_RATE_MINUTES`] minutes by the in-scope crawls, and how
/// many crawls are running.
async fn crawl_rate(
    pool: &PgPool,
    scope: ClientScope,
    now: DateTime<Utc>,
) -> Result<(Vec<Point<i64>>, i64), DomainError> {
    let since = now - Duration::minutes(CRAWL_RATE_MINUTES);
    let mut b = QueryBuilder::new(
        "SELECT date_trunc('minute', p.fetched_at), count(*)
           FROM crawl_pages p JOIN crawls cr ON cr.id = p.crawl_id JOIN clients c ON c.id = cr.client_id
          WHERE (cr.status = 'running' OR cr.finished_at >= ",
    );
    b.push_bind(since).push(") AND p.fetched_at >= ").push_bind(since);
    scope::push(&mut b, scope, "c");
    b.push(" GROUP BY 1 ORDER BY 1");
    let rows: Vec<(DateTime<Utc>, i64)> = b.build_query_as().fetch_all(pool).await?;
    let mut b = QueryBuilder::new(
        "SELECT count(*) FROM crawls cr JOIN clients c ON c.id = cr.client_id WHERE cr.status = 'running'",
    );
    scope::push(&mut b, scope, "c");
    let running: i64 = b.build_query_scalar().fetch_one(pool).await?;
    Ok((rows.into_iter().map(|(at, value)| Point { at, value }).collect(), running))
}

/// The funnel by the sales operations manager's own rule (see `agents::sales_operations_manager`).
async fn funnel(pool: &PgPool, scope: ClientScope, now: DateTime<Utc>) -> Result<Vec<FunnelStep>, DomainError> {
    let mut input = crate::tasks::inputs::sales_operations_manager::load(pool, scope).await?;
    input.now = now;
    let out = som::run(&input);
    let mut steps = Vec::new();
    if let Some(first) = out.conversions.first() {
        steps.push(FunnelStep {
            stage: first.from.label().into(),
            reached: first.reached_from.into(),
            conversion: None,
        });
    }
    steps.extend(out.conversions.iter().map(|c| FunnelStep {
        stage: c.to.label().into(),
        reached: c.reached_to.into(),
        conversion: c.rate,
    }));
    Ok(steps)
}

/// Each agent's state: disabled, circuit open, running N, or idle, with its pending tasks (all tasks: the
/// strip names no client).
async fn agent_strip(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<AgentStrip>, DomainError> {
    let (disabled, circuits) = tokio::try_join!(
        crate::tasks::agent_settings::disabled_agents(pool),
        crate::tasks::agent_settings::circuits(pool, now),
    )?;
    let counts: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT agent, count(*) FILTER (WHERE status = 'in_progress'), count(*) FILTER (WHERE status = 'pending')
           FROM tasks WHERE status = 'pending' OR status = 'in_progress' GROUP BY agent",
    )
    .fetch_all(pool)
    .await?;
    Ok(AgentId::ALL
        .iter()
        .map(|agent| {
            let open = circuits.iter().any(|(a, c)| a == agent && matches!(c, CircuitState::Open { .. }));
            let (running, pending) =
                counts.iter().find(|(a, _, _)| a == agent.as_str()).map_or((0, 0), |(_, r, p)| (*r, *p));
            AgentStrip { agent: *agent, state: AgentState::of(!disabled.contains(agent), open, running), pending }
        })
        .collect())
}

/// The most events [`feed`] looks at for one answer.
const FEED_LOOK_AT: i64 = 2_000;

/// Events the feed leaves out: bookkeeping that says nothing a person needs to see.
const QUIET: [&str; 7] = [
    "task.created",
    "task.started",
    "task.retrying",
    "task.cancel_requested",
    "client.example",
    "user.signed_in",
    "user.signed_out",
];

/// The newest events `actor` may see (by `policy::may_see_event`, the live stream's rule), as feed lines.
/// Reads newest first in pages (twice `limit` rows at first, doubling: most callers see most events, so
/// the first page usually suffices) until it has `limit` lines or has looked at [`FEED_LOOK_AT`] events.
pub async fn feed(pool: &PgPool, actor: &Actor, limit: usize) -> Result<Vec<FeedItem>, DomainError> {
    type Row = (
        i64,
        DateTime<Utc>,
        Option<Uuid>,
        Option<String>,
        String,
        String,
        String,
        Value,
        Option<Uuid>,
        Option<Uuid>,
        Option<String>,
    );
    let mut page = (limit as i64 * 2).clamp(10, FEED_LOOK_AT);
    let mut looked_at = 0;
    let mut out = Vec::new();
    let mut before: Option<i64> = None;
    while looked_at < FEED_LOOK_AT {
        let mut b = QueryBuilder::new(
            "SELECT e.id, e.at, e.actor_id, u.name, e.action, e.target_type, e.target_id, e.detail, e.client_id,
                    c.account_manager_id, c.company_name
               FROM events e LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN clients c ON c.id = e.client_id
              WHERE e.action <> ALL(",
        );
        b.push_bind(QUIET.to_vec()).push(")");
        if let Some(before) = before {
            b.push(" AND e.id < ").push_bind(before);
        }
        if let ClientScope::ManagedBy(me) = client_scope(actor) {
            // The rule below decides; this only keeps a manager's pages from filling with others' events.
            b.push(" AND (c.account_manager_id = ").push_bind(me).push(" OR e.client_id IS NULL)");
        }
        b.push(" ORDER BY e.id DESC LIMIT ").push_bind(page);
        let rows: Vec<Row> = b.build_query_as().fetch_all(pool).await?;
        let exhausted = (rows.len() as i64) < page;
        looked_at += page;
        page = (page * 2).min(FEED_LOOK_AT - looked_at).max(1);
        for (id, at, actor_id, name, action, target_type, target_id, detail, client_id, manager, company) in rows {
            before = Some(id);
            if !may_see_event(actor, &action, client_id, manager, actor_id) {
                continue;
            }
            out.push(feed_item(id, at, name, &action, &target_type, &target_id, &detail, client_id, company));
            if out.len() >= limit {
                return Ok(out);
            }
        }
        if exhausted {
            break;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn feed_item(
    id: i64,
    at: DateTime<Utc>,
    actor_name: Option<String>,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: &Value,
    client_id: Option<Uuid>,
    company: Option<String>,
) -> FeedItem {
    let s = |k: &str| detail.get(k).and_then(|v| v.as_str());
    // An agent's work is the agent's: tasks say their type, alerts their agent.
    let agent = s("agent").and_then(AgentId::parse).or_else(|| s("type").and_then(TaskType::parse).map(|t| t.agent()));
    let who = match (actor_name, agent) {
        (Some(name), _) => name,
        (None, Some(agent)) => agent.label().to_string(),
        (None, None) => "System".to_string(),
    };
    let client_href = client_id.map(|c| format!("/clients/{c}"));
    let (object, href) = match (target_type, action) {
        (_, "audit.completed" | "audit.regression") => {
            (company, s("crawl_id").map(|c| format!("/audits/{c}")).or(client_href))
        }
        ("task", _) => (company, Some(format!("/tasks/{target_id}"))),
        ("message", _) => (company, client_id.map(|c| format!("/messages/{c}"))),
        ("campaign", _) => (
            Some(match (s("name"), company) {
                (Some(n), Some(c)) => format!("{c} ({n})"),
                (Some(n), None) => n.to_string(),
                (None, c) => c.unwrap_or_default(),
            }),
            (action != "campaign.deleted").then(|| format!("/campaigns/{target_id}")).or(client_href),
        ),
        ("webhook", _) => (
            s("url").map(str::to_string),
            (action != "webhook.deleted").then(|| format!("/admin/webhooks/{target_id}")),
        ),
        ("agent", _) => (AgentId::parse(target_id).map(|a| a.label().to_string()), Some("/agents".to_string())),
        // A user's own sign-in or password change names nobody else.
        ("user", _) => match s("email") {
            Some(email) => (Some(email.to_string()), Some(format!("/admin/users/{target_id}"))),
            None => (None, None),
        },
        _ => (
            company.or_else(|| s("company_name").map(str::to_string)),
            client_href.filter(|_| action != "client.deleted"),
        ),
    };
    FeedItem { id, at, who, what: describe(action, detail), object, href }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_window_splits_into_whole_days_and_its_edges() {
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(
            split_days(at(3, 15), at(10, 15)),
            (day(4), day(10), vec![(at(3, 15), at(4, 0)), (at(10, 0), at(10, 15))])
        );
        assert_eq!(split_days(at(3, 0), at(10, 0)), (day(3), day(10), vec![]), "midnight to midnight: no edges");
        let (first, end, edges) = split_days(at(3, 5), at(3, 20));
        assert!(first >= end, "no whole day");
        assert_eq!(edges, vec![(at(3, 5), at(3, 20))]);
    }
}
