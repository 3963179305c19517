//! The dashboard's figures through `/api/dashboard`: each KPI for its window against the window before,
//! point-in-time figures replayed from the events (a client won three days ago counts as won now, not a
//! week ago), the charts' series, the feed, the custom range and its errors, and the portfolio rule (an
//! account manager's figures and feed cover their clients only). History is written straight into the
//! tables with past timestamps, since the API only writes "now"; no worker runs, so nothing else moves.

use crate::common::*;
use crate::fixtures::*;
use chrono::{Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

async fn dashboard(c: &Client, range: &str, from: &str, to: &str) -> Reply {
    c.post("/api/dashboard", &[("range", range), ("from", from), ("to", to)]).await
}

async fn figures(c: &Client, range: &str) -> Value {
    let r = dashboard(c, range, "", "").await;
    assert_eq!(r.status, 200, "dashboard: {}", r.body);
    r.json()
}

fn kpi<'a>(d: &'a Value, key: &str) -> &'a Value {
    d["kpis"].as_array().expect("kpis").iter().find(|k| k["key"] == key).unwrap_or_else(|| panic!("no kpi {key}"))
}

fn value(d: &Value, key: &str) -> (Option<f64>, Option<f64>, String) {
    let k = kpi(d, key);
    (k["value"].as_f64(), k["previous"].as_f64(), k["trend"].as_str().unwrap_or("none").to_string())
}

/// A finished task of `agent`'s type `task_type` on `client`, created and finished `days_ago`.
async fn finished_task(app: &TestApp, client: Uuid, task_type: &str, agent: &str, status: &str, days_ago: i64) {
    let at = Utc::now() - Duration::days(days_ago) - Duration::minutes(5);
    sqlx::query(
        "INSERT INTO tasks (id, task_type, agent, client_id, status, created_at, started_at, finished_at, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6, 1000)",
    )
    .bind(Uuid::new_v4())
    .bind(task_type)
    .bind(agent)
    .bind(client)
    .bind(status)
    .bind(at)
    .execute(&app.pool)
    .await
    .expect("insert task");
}

/// A completed site audit of `client` with `health`, finished `days_ago`.
async fn audit(app: &TestApp, client: Uuid, health: f64, days_ago: i64) -> Uuid {
    let id = Uuid::new_v4();
    let at = Utc::now() - Duration::days(days_ago) - Duration::minutes(5);
    sqlx::query(
        "INSERT INTO crawls (id, client_id, start_url, status, max_pages, max_depth, health, started_at, finished_at)
         VALUES ($1, $2, 'https://example.test/', 'completed', 10, 3, $3, $4, $4)",
    )
    .bind(id)
    .bind(client)
    .bind(health)
    .bind(at)
    .execute(&app.pool)
    .await
    .expect("insert crawl");
    id
}

async fn event(app: &TestApp, client: Uuid, action: &str, target: (&str, String), detail: Value, days_ago: i64) {
    sqlx::query(
        "INSERT INTO events (at, action, target_type, target_id, client_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Utc::now() - Duration::days(days_ago))
    .bind(action)
    .bind(target.0)
    .bind(target.1)
    .bind(client)
    .bind(detail)
    .execute(&app.pool)
    .await
    .expect("insert event");
}

fn feed_text(d: &Value) -> String {
    d["feed"].to_string()
}

#[tokio::test]
async fn kpis_compare_with_the_window_before_and_managers_see_their_portfolio_only() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;

    let empty = figures(&admin, "").await;
    assert_eq!(empty["empty"], true, "a new agency's dashboard says so: {empty}");
    assert_eq!(value(&empty, "clients").0, Some(0.0));
    assert_eq!(empty["agents"].as_array().map(Vec::len), Some(14), "every agent on the strip");
    assert!(empty["agents"].as_array().unwrap().iter().all(|a| a["state"]["state"] == "idle"));

    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let mine = create_client(
        &admin,
        "Dashmine Oy",
        &[("stage", "won"), ("monthly_value", "1500"), ("industry", "finance")],
        &manager_id,
    )
    .await;
    let mine = Uuid::parse_str(&id_of(&mine)).expect("id");
    let other = create_client(&admin, "Dashother AB", &[("industry", "travel"), ("monthly_value", "800")], "").await;
    let other = Uuid::parse_str(&id_of(&other)).expect("id");

    // The other client existed for 20 days and was won 3 days ago (its row says won; the event says when).
    sqlx::query("UPDATE clients SET created_at = now() - interval '20 days', stage = 'won' WHERE id = $1")
        .bind(other)
        .execute(&app.pool)
        .await
        .expect("backdate");
    event(
        &app,
        other,
        "client.stage_changed",
        ("client", other.to_string()),
        serde_json::json!({"from": "prospect", "to": "won"}),
        3,
    )
    .await;

    // A campaign of mine, drafted 20 days ago and started 3 days ago.
    let campaign = id_of(&create_campaign(&admin, &mine.to_string(), "Dash campaign").await);
    sqlx::query("UPDATE campaigns SET status = 'active', created_at = now() - interval '20 days' WHERE id = $1::uuid")
        .bind(&campaign)
        .execute(&app.pool)
        .await
        .expect("backdate campaign");
    event(
        &app,
        mine,
        "campaign.status_changed",
        ("campaign", campaign.clone()),
        serde_json::json!({"from": "draft", "to": "active"}),
        3,
    )
    .await;

    // Tasks: this week mine completed one and cancelled one, the other failed one; last week mine completed one.
    finished_task(&app, mine, "client_analysis", "business_development_director", "completed", 0).await;
    finished_task(&app, mine, "client_analysis", "business_development_director", "cancelled", 1).await;
    finished_task(&app, other, "technical_seo_audit", "technical_seo_operations_manager", "failed", 2).await;
    finished_task(&app, mine, "client_analysis", "business_development_director", "completed", 10).await;

    // Audits: mine scored 60 ten days ago and 80 now; the latest raised one regression alert.
    audit(&app, mine, 60.0, 10).await;
    let latest = audit(&app, mine, 80.0, 0).await;
    event(
        &app,
        mine,
        "audit.regression",
        ("task", Uuid::new_v4().to_string()),
        serde_json::json!({"severity": "error", "message": "broken links up", "crawl_id": latest}),
        0,
    )
    .await;

    let d = figures(&admin, "week").await;
    assert_eq!(d["empty"], false);
    assert_eq!(d["portfolio_only"], false);
    assert_eq!(value(&d, "clients"), (Some(2.0), Some(1.0), "up".into()), "clients now and a week ago");
    assert_eq!(value(&d, "new_clients").0, Some(1.0), "the other was created 20 days ago");
    assert_eq!(value(&d, "revenue"), (Some(2300.0), Some(0.0), "up".into()), "won now: 1500 + 800; a week ago none");
    // Finished this week: 1 completed, 1 failed (the cancelled one is not a result); last week 1 completed.
    assert_eq!(value(&d, "success_rate"), (Some(50.0), Some(100.0), "down".into()));
    assert_eq!(value(&d, "health"), (Some(80.0), Some(60.0), "up".into()), "latest audit now and a week ago");
    assert_eq!(value(&d, "alerts"), (Some(1.0), Some(0.0), "up".into()));
    assert_eq!(value(&d, "campaigns"), (Some(1.0), Some(0.0), "up".into()), "active now, a draft a week ago");
    assert_eq!(kpi(&d, "alerts")["up_is_good"], false);
    let buckets: Vec<&Value> = d["tasks_per_bucket"].as_array().expect("series").iter().collect();
    let sum = |k: &str| buckets.iter().map(|p| p["value"][k].as_i64().unwrap_or(0)).sum::<i64>();
    assert_eq!((sum("completed"), sum("failed"), sum("cancelled")), (1, 1, 1), "{buckets:?}");
    let health: Vec<f64> = d["health"].as_array().unwrap().iter().map(|p| p["value"][0].as_f64().unwrap()).collect();
    assert_eq!(health, vec![80.0], "only the audit inside the week");
    // The charts come built (charming on the server) with the figures: the tasks chart draws the same
    // totals as the table, the health line the same point; a chart with no numbers is left out.
    let chart = |id: &str| -> Option<Value> {
        let charts = d["charts"].as_array().expect("charts");
        charts.iter().find(|c| c[0] == id).map(|c| serde_json::from_str(c[1].as_str().expect("option")).expect("json"))
    };
    let tasks_chart = chart("tasks-per-bucket").expect("tasks chart");
    let drawn: Vec<(String, f64)> = tasks_chart["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").to_string(),
                s["data"].as_array().unwrap().iter().filter_map(Value::as_f64).sum(),
            )
        })
        .collect();
    assert_eq!(
        drawn,
        vec![("Completed".into(), 1.0), ("Failed".into(), 1.0), ("Cancelled".into(), 1.0)],
        "{tasks_chart}"
    );
    assert_eq!(chart("health").expect("health chart")["series"][0]["data"], serde_json::json!([80.0]));
    assert!(chart("crawl-rate").is_none(), "no crawl ran: no chart, the panel says so");
    let industries = d["industries"].to_string();
    assert!(industries.contains("Finance and insurance") && industries.contains("Travel and hospitality"));
    assert!(feed_text(&d).contains("Dashmine Oy") && feed_text(&d).contains("Dashother AB"), "{}", feed_text(&d));
    assert!(feed_text(&d).contains("regression alert"), "{}", feed_text(&d));

    // A custom range that ended five days ago: the other client existed but was not won yet.
    let to = (Utc::now() - Duration::days(5)).date_naive();
    let from = to - Duration::days(6);
    let r = dashboard(&admin, "custom", &from.to_string(), &to.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let past = r.json();
    assert_eq!(value(&past, "clients").0, Some(1.0));
    assert_eq!(value(&past, "revenue").0, Some(0.0), "not won yet then");
    assert_eq!(value(&past, "health").0, Some(60.0), "the audit of ten days ago was the latest then");

    // The manager: their client only, everywhere.
    let m = figures(&manager, "week").await;
    assert_eq!(m["portfolio_only"], true);
    assert_eq!(value(&m, "clients").0, Some(1.0));
    assert_eq!(value(&m, "revenue").0, Some(1500.0));
    assert_eq!(value(&m, "success_rate"), (Some(100.0), Some(100.0), "stable".into()));
    assert!(!m.to_string().contains("Dashother"), "the other portfolio leaks: {m}");
    assert!(!m["industries"].to_string().contains("Travel"), "{}", m["industries"]);
    assert!(feed_text(&m).contains("Dashmine Oy"), "{}", feed_text(&m));
    let funnel_won = m["funnel"].as_array().unwrap().iter().find(|s| s["stage"] == "Won").expect("won step").clone();
    assert_eq!(funnel_won["reached"], 1);
}

#[tokio::test]
async fn a_bad_range_names_its_field_and_strangers_are_refused() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    for (range, from, to, field) in [
        ("decade", "", "", "range"),
        ("custom", "", "2026-01-01", "from"),
        ("custom", "2026-01-31", "2026-01-01", "to"),
        ("custom", "2026-01-01", "not a date", "to"),
        ("custom", "2019-01-01", "2026-01-01", "to"),
    ] {
        let r = dashboard(&admin, range, from, to).await;
        assert_eq!(r.status, 422, "{range} {from} {to}: {}", r.body);
        assert!(error_fields(&r).contains(&field.to_string()), "{range} {from} {to}: {}", r.body);
    }
    let r = dashboard(&app.client(), "", "", "").await;
    assert_eq!(r.status, 401);
}

/// The rollup's non-zero rows, and the same counts computed from the tasks table.
async fn rollup_and_truth(app: &TestApp) -> (Vec<(String, String, String, i64)>, Vec<(String, String, String, i64)>) {
    let rollup = sqlx::query_as(
        "SELECT day::text, agent, status, sum(tasks)::bigint FROM task_daily GROUP BY 1, 2, 3
          HAVING sum(tasks) <> 0 ORDER BY 1, 2, 3",
    )
    .fetch_all(&app.pool)
    .await
    .expect("rollup");
    let truth = sqlx::query_as(
        "SELECT day, agent, status, n FROM (
            SELECT (created_at AT TIME ZONE 'UTC')::date::text AS day, agent, 'created' AS status, count(*) AS n
              FROM tasks GROUP BY 1, 2, 3
            UNION ALL
            SELECT (finished_at AT TIME ZONE 'UTC')::date::text, agent, status, count(*) FROM tasks
             WHERE finished_at IS NOT NULL AND status IN ('completed', 'failed', 'cancelled') GROUP BY 1, 2, 3) x
          ORDER BY 1, 2, 3",
    )
    .fetch_all(&app.pool)
    .await
    .expect("truth");
    (rollup, truth)
}

#[tokio::test]
async fn the_daily_rollup_equals_the_tasks_table_through_finishes_changes_and_deletes() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    let keep = Uuid::parse_str(&id_of(&create_client(&admin, "Rollup Keep", &[], "").await)).unwrap();
    let gone = Uuid::parse_str(&id_of(&create_client(&admin, "Rollup Gone", &[], "").await)).unwrap();
    for (client, status, days) in
        [(keep, "completed", 0), (keep, "failed", 3), (gone, "completed", 3), (gone, "cancelled", 9)]
    {
        finished_task(&app, client, "client_analysis", "business_development_director", status, days).await;
    }
    let (rollup, truth) = rollup_and_truth(&app).await;
    assert_eq!(rollup, truth, "after inserts");
    // A failure retried to success, a pending task finished, then a client deleted with its tasks.
    sqlx::query(
        "UPDATE tasks SET status = 'completed', finished_at = now() WHERE client_id = $1 AND status = 'failed'",
    )
    .bind(keep)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE tasks SET status = 'completed', finished_at = now() - interval '1 day' WHERE client_id = $1 AND status = 'pending'")
        .bind(keep)
        .execute(&app.pool)
        .await
        .unwrap();
    let (rollup, truth) = rollup_and_truth(&app).await;
    assert_eq!(rollup, truth, "after status changes");
    assert_eq!(admin.post("/api/clients/delete", &[("id", &gone.to_string())]).await.status, 200);
    let (rollup, truth) = rollup_and_truth(&app).await;
    assert_eq!(rollup, truth, "after a client's tasks went with it");
    // Folding the past days into one row each changes no sum.
    domain::store::tasks::fold_daily_counts(&app.pool).await.expect("fold");
    let (rollup, truth) = rollup_and_truth(&app).await;
    assert_eq!(rollup, truth, "after folding");
    let (shards,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM task_daily WHERE shard <> 0 AND day < (now() AT TIME ZONE 'UTC')::date")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(shards, 0, "past days are one row each");
    // And the agency-wide figures read from it agree with the manager-style scan of the same tasks.
    let d = figures(&admin, "month").await;
    let sum = |k: &str| {
        d["tasks_per_bucket"].as_array().unwrap().iter().map(|p| p["value"][k].as_i64().unwrap_or(0)).sum::<i64>()
    };
    let (completed,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM tasks WHERE status = 'completed' AND finished_at >= now() - interval '30 days'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(sum("completed"), completed);
    assert_eq!(sum("cancelled"), 0, "the cancelled task went with its client");
}
