//! Analytics through `/api/analytics` and its exports: per-agent counts, success rate, mean and p95
//! duration from known run times; deals won and lost in the range and the win rate; the same figures in
//! CSV, JSON and Excel; system figures for admins and staff only; managers see their portfolio only.

use crate::common::*;
use crate::fixtures::*;
use chrono::{Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

async fn task(app: &TestApp, client: Option<Uuid>, agent: &str, status: &str, ms: i32, days_ago: i64) {
    let at = Utc::now() - Duration::days(days_ago) - Duration::minutes(1);
    sqlx::query(
        "INSERT INTO tasks (id, task_type, agent, client_id, status, created_at, started_at, finished_at, duration_ms,
                            llm_prompt_tokens, llm_completion_tokens, llm_cost)
         VALUES ($1, 'reporting', $2, $3, $4, $5, $5, $5, $6, 100, 50, 0.25)",
    )
    .bind(Uuid::new_v4())
    .bind(agent)
    .bind(client)
    .bind(status)
    .bind(at)
    .bind(ms)
    .execute(&app.pool)
    .await
    .expect("insert task");
}

async fn stage_change(app: &TestApp, client: Uuid, to: &str, days_ago: i64) {
    sqlx::query(
        "INSERT INTO events (at, action, target_type, target_id, client_id, detail)
         VALUES (now() - make_interval(days => $1), 'client.stage_changed', 'client', $2, $2::uuid, $3)",
    )
    .bind(i32::try_from(days_ago).unwrap())
    .bind(client.to_string())
    .bind(serde_json::json!({"from": "negotiation", "to": to}))
    .execute(&app.pool)
    .await
    .expect("insert event");
}

fn agent<'a>(a: &'a Value, id: &str) -> &'a Value {
    a["agents"].as_array().expect("agents").iter().find(|x| x["agent"] == id).expect("agent row")
}

#[tokio::test]
async fn agent_and_business_figures_for_the_range_in_every_format() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let mine = Uuid::parse_str(&id_of(&create_client(&admin, "Analytic Mine", &[], &manager_id).await)).unwrap();
    let other = Uuid::parse_str(&id_of(&create_client(&admin, "Analytic Other", &[], "").await)).unwrap();
    for ms in [100, 200, 300, 400, 500] {
        task(&app, Some(mine), "reporting", "completed", ms, 1).await;
    }
    task(&app, Some(other), "reporting", "failed", 1000, 2).await;
    task(&app, Some(other), "reporting", "cancelled", 50, 3).await;
    task(&app, Some(mine), "reporting", "completed", 9999, 40).await; // before the month
    stage_change(&app, mine, "won", 5).await;
    stage_change(&app, other, "won", 6).await;
    stage_change(&app, other, "lost", 2).await;
    stage_change(&app, other, "won", 60).await; // before the month

    let r = admin.post("/api/analytics", &[("range", "month"), ("from", ""), ("to", "")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = r.json();
    let rep = agent(&a, "reporting");
    assert_eq!(
        (rep["completed"].as_i64(), rep["failed"].as_i64(), rep["cancelled"].as_i64()),
        (Some(5), Some(1), Some(1))
    );
    assert_eq!(rep["success_rate"].as_f64(), Some(83.3), "5 of 6 results");
    assert_eq!(rep["mean_ms"].as_f64(), Some(416.7), "(100+200+300+400+500+1000)/6");
    assert_eq!(rep["p95_ms"].as_f64(), Some(875.0), "continuous 95th percentile of the six");
    assert_eq!(rep["llm_tokens"].as_i64(), Some(7 * 150));
    assert_eq!(a["agents"].as_array().map(Vec::len), Some(14));
    assert_eq!(agent(&a, "link_building")["success_rate"], Value::Null, "no result, no rate");
    let b = &a["business"];
    assert_eq!((b["won"].as_i64(), b["lost"].as_i64(), b["win_rate"].as_f64()), (Some(2), Some(1), Some(66.7)));
    assert!(a["system"]["uptime_secs"].is_u64(), "admins see the system figures: {}", a["system"]);
    assert!(a["system"]["rss_bytes"].as_u64().is_some_and(|b| b > 1_000_000), "{}", a["system"]);

    // The manager: their client's tasks and deals only, and no system figures.
    let m = manager.post("/api/analytics", &[("range", "month"), ("from", ""), ("to", "")]).await.json();
    let rep = agent(&m, "reporting");
    assert_eq!((rep["completed"].as_i64(), rep["failed"].as_i64()), (Some(5), Some(0)));
    assert_eq!((m["business"]["won"].as_i64(), m["business"]["lost"].as_i64()), (Some(1), Some(0)));
    assert_eq!(m["system"], Value::Null);
    assert_eq!(manager.post("/api/analytics/system", &[]).await.status, 403);
    assert_eq!(staff.post("/api/analytics/system", &[]).await.status, 200);

    // Exports: the same figures in each format.
    let csv = admin.get("/export/analytics/agents.csv?range=month").await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let records = csv_records(&csv.body);
    assert_eq!(records.len(), 15, "a header and the fourteen agents");
    let row = records.iter().find(|r| r[0] == "reporting").expect("reporting row");
    assert_eq!(&row[1..7], &["5", "1", "1", "83.3", "416.7", "875"]);
    let json: Value =
        serde_json::from_str(&admin.get("/export/analytics/business.json?range=month").await.body).unwrap();
    let won = json.as_array().unwrap().iter().find(|r| r["figure"] == "won in range").expect("won row");
    assert_eq!(won["count"], 2);
    let xlsx = reqwest::Client::new()
        .get(format!("{}/export/analytics/agents.xlsx?range=month", app.base))
        .header("cookie", format!("aiseo_session={}", admin.session_cookie().expect("cookie")))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.expect("body").to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an Excel file");
    let sheet = book.worksheet_range("agents").expect("the agents sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "agent");
    let row = rows.iter().find(|r| r[0] == "reporting").expect("reporting row");
    assert_eq!(&row[1..7], &["5", "1", "1", "83.3", "416.7", "875"]);

    // Scope and role on the exports.
    let mine_only = csv_records(&manager.get("/export/analytics/agents.csv?range=month").await.body);
    assert_eq!(
        mine_only.iter().find(|r| r[0] == "reporting").map(|r| r[2].clone()),
        Some("0".into()),
        "the other client's failure is not theirs"
    );
    assert_eq!(manager.get("/export/analytics/system.csv").await.status, 403);
    assert_eq!(app.client().get("/export/analytics/agents.csv").await.status, 401);
    assert_eq!(admin.get("/export/analytics/agents.pdf").await.status, 404);
    let bad = admin.get("/export/analytics/agents.csv?range=custom&from=2026-02-01&to=2026-01-01").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("\"to\""), "{}", bad.body);
}
