//! The task engine and the agents through the API: runs, outputs, campaign graphs, disabled agents,
//! circuits, cancel, retries, leases, scoping, and the events every status change writes.

use crate::common::*;
use crate::fixtures::*;
use domain::model::task::{NewTask, Priority, TaskParams, TaskType};
use domain::tasks::queue::{self, FailureKind, Insert, Written};
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

pub async fn run_task(c: &Client, task_type: &str, client_id: &str, extra: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("input[task_type]", task_type),
        ("input[client_id]", client_id),
        ("input[campaign_id]", ""),
        ("input[priority]", ""),
        ("input[currency]", ""),
        ("input[period_days]", ""),
    ];
    for (k, v) in extra {
        if let Some(slot) = form.iter_mut().find(|(f, _)| f == k) {
            slot.1 = v;
        }
    }
    c.post("/api/tasks/run", &form).await
}

pub async fn get_task(c: &Client, id: &str) -> Value {
    let r = c.post("/api/tasks/get", &[("id", id)]).await;
    assert_eq!(r.status, 200, "get task: {}", r.body);
    r.json()
}

/// Polls a task until it reaches a final status (30 s at most).
pub async fn wait_final(c: &Client, id: &str) -> Value {
    for _ in 0..300 {
        let t = get_task(c, id).await;
        if matches!(t["summary"]["status"].as_str(), Some("completed" | "failed" | "cancelled")) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("task {id} did not finish: {}", get_task(c, id).await);
}

pub async fn task_actions(app: &TestApp, id: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM events WHERE target_type = 'task' AND target_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .expect("events")
}

fn lead_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("annual_revenue", "12000000"),
        ("employee_count", "180"),
        ("lead_budget", "6000"),
        ("lead_timeline", "within_quarter"),
        ("lead_decision_maker_role", "VP Marketing"),
        ("lead_pain_points", "Organic traffic fell after the site migration; rankings for key products dropped"),
    ]
}

#[tokio::test]
async fn every_new_client_gets_a_client_analysis_with_its_breakdown() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Analysed Ltd", &lead_fields(), "").await;
    let list = admin
        .post(
            "/api/tasks/list",
            &[
                ("status", ""),
                ("task_type", "client_analysis"),
                ("agent", ""),
                ("client", &id_of(&client)),
                ("campaign", ""),
                ("priority", ""),
            ],
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let tasks = list.json();
    assert_eq!(tasks.as_array().map(Vec::len), Some(1), "{tasks}");
    let id = s(&tasks[0]["id"]);
    let t = wait_final(&admin, &id).await;
    assert_eq!(t["summary"]["status"], "completed", "{t}");
    assert_eq!(t["output"]["type"], "client_analysis");
    let out = &t["output"]["output"];
    let components = out["breakdown"]["components"].as_array().expect("components");
    assert_eq!(components.len(), 4, "revenue, employees, industry, market: {out}");
    let sum: f64 = components.iter().map(|c| c["points"].as_f64().unwrap_or(0.0)).sum();
    assert!((sum - out["breakdown"]["score"].as_f64().unwrap_or(-1.0)).abs() < 0.11, "score is the sum: {out}");
    // The page's view of the result comes rendered by the server beside the JSON, with the same score.
    let html = t["output_html"].as_str().expect("output_html");
    let score = out["breakdown"]["score"].as_f64().expect("score");
    assert!(html.contains("<table") && html.contains(&format!("{score:.1}")), "{score} in {html}");
    assert!(t["summary"]["duration_ms"].as_i64().is_some());
    assert_eq!(task_actions(&app, &id).await, ["task.created", "task.started", "task.completed"]);
}

#[tokio::test]
async fn lead_qualification_scores_bant_with_reasons_and_routes_the_lead() {
    let app = TestApp::spawn(Options::default()).await;
    let staff = app.user(&app.admin().await, "staff").await.0;
    let client = create_client(&staff, "Qualified Lead GmbH", &lead_fields(), "").await;
    let r = run_task(&staff, "lead_qualification", &id_of(&client), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t = wait_final(&staff, r.json().as_str().expect("id")).await;
    assert_eq!(t["summary"]["status"], "completed", "{t}");
    let out = &t["output"]["output"];
    let names: Vec<&str> = out["breakdown"]["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for part in ["Budget", "Authority", "Need", "Timeline"] {
        assert!(names.iter().any(|n| n.contains(part)), "{part} in {names:?}");
    }
    assert!(["hot", "warm"].contains(&out["tier"].as_str().unwrap_or("")), "a strong lead: {out}");
    assert!(out["breakdown"]["missing"]
        .as_array()
        .is_some_and(|m| m.iter().any(|x| x.as_str().is_some_and(|x| x.contains("audit")))));
}

#[tokio::test]
async fn a_lead_with_nothing_known_is_unqualified() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Unknown Quantity", &[], "").await;
    let r = run_task(&admin, "lead_qualification", &id_of(&client), &[]).await;
    let t = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(t["output"]["output"]["tier"], "unqualified", "{t}");
}

#[tokio::test]
async fn a_proposal_has_three_rising_packages_in_the_chosen_currency() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Proposal Co", &lead_fields(), "").await;
    let r = run_task(&admin, "proposal_generation", &id_of(&client), &[("input[currency]", "EUR")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t = wait_final(&admin, r.json().as_str().expect("id")).await;
    let packages = t["output"]["output"]["packages"].as_array().expect("packages").clone();
    assert_eq!(packages.len(), 3);
    let prices: Vec<i64> = packages.iter().map(|p| p["monthly_price"].as_i64().expect("price")).collect();
    assert!(prices[0] < prices[1] && prices[1] < prices[2], "{prices:?}");
    assert!(packages.iter().all(|p| p["currency"] == "EUR"));
    assert_eq!(t["output"]["output"]["narrative"]["source"]["kind"], "template");
}

#[tokio::test]
async fn run_form_errors_name_their_field() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let r = run_task(&admin, "lead_qualification", "", &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(error_fields(&r).contains(&"client_id".to_string()), "{}", r.body);
    let r = run_task(&admin, "campaign_plan", &Uuid::new_v4().to_string(), &[]).await;
    assert!(error_fields(&r).contains(&"task_type".to_string()), "{}", r.body);
    let r = run_task(&admin, "lead_qualification", &Uuid::new_v4().to_string(), &[]).await;
    assert_eq!(r.status, 422, "an unknown client: {}", r.body);
    assert!(error_fields(&r).contains(&"client_id".to_string()), "{}", r.body);
}

#[tokio::test]
async fn starting_a_campaign_runs_its_graph_in_dependency_order() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Graph Inc", &lead_fields(), "").await;
    let campaign = create_campaign(&admin, &id_of(&client), "Spring push").await;
    move_through(&admin, &id_of(&campaign), &["active"]).await;
    let plan_id: Uuid =
        sqlx::query_scalar("SELECT id FROM tasks WHERE campaign_id = $1 AND task_type = 'campaign_plan'")
            .bind(Uuid::parse_str(&id_of(&campaign)).expect("uuid"))
            .fetch_one(&app.pool)
            .await
            .expect("the start enqueued a plan");
    let plan = wait_final(&admin, &plan_id.to_string()).await;
    assert_eq!(plan["summary"]["status"], "completed", "{plan}");
    let steps = plan["output"]["output"]["steps"].as_array().expect("steps").clone();
    let skipped: Vec<&str> =
        steps.iter().filter(|s| !s["skipped"].is_null()).filter_map(|s| s["task_type"].as_str()).collect();
    assert!(skipped.is_empty(), "{skipped:?}");
    let audit = s(&steps.iter().find(|s| s["task_type"] == "technical_seo_audit").expect("audit step")["task_id"]);
    let report = s(&steps.iter().find(|s| s["task_type"] == "reporting").expect("reporting step")["task_id"]);
    let strategy = s(&steps.iter().find(|s| s["task_type"] == "strategy").expect("strategy step")["task_id"]);
    let report = wait_final(&admin, &report).await;
    let strategy = wait_final(&admin, &strategy).await;
    assert_eq!(report["summary"]["status"], "completed", "{report}");
    assert_eq!(strategy["summary"]["status"], "completed", "{strategy}");
    // The audit of a website that doesn't resolve completes with the fetch error recorded and nothing scored.
    let audit = wait_final(&admin, &audit).await;
    assert_eq!(audit["summary"]["status"], "completed", "{audit}");
    assert_eq!(audit["output"]["output"]["html_pages"], 0);
    assert_eq!(audit["output"]["output"]["fetch_errors"], 1);
    let step = |t: &str| s(&steps.iter().find(|s| s["task_type"] == t).expect("step")["task_id"]);
    let crawl_steps = [
        audit["summary"]["id"].clone(),
        step("content_strategy").into(),
        step("competitive_analysis").into(),
        step("link_building").into(),
    ];
    assert_eq!(report["depends_on"], serde_json::json!(crawl_steps));
    let mut before_strategy = crawl_steps.to_vec();
    before_strategy.push(report["summary"]["id"].clone());
    assert_eq!(strategy["depends_on"], serde_json::json!(before_strategy));
    let finished = report["summary"]["finished_at"].as_str().expect("finished");
    let started = strategy["summary"]["started_at"].as_str().expect("started");
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).expect("time");
    assert!(parse(started) >= parse(finished), "strategy started {started} before reporting finished {finished}");
    assert_eq!(strategy["output"]["type"], "strategy");
}

#[tokio::test]
async fn a_disabled_agent_fails_its_task_with_the_reason_and_the_steps_after_it_say_why() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let r = admin.post("/api/agents/set_enabled", &[("agent", "reporting"), ("enabled", "false")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let client = create_client(&admin, "Disabled Agent Ltd", &[], "").await;
    let campaign = create_campaign(&admin, &id_of(&client), "Blocked").await;
    move_through(&admin, &id_of(&campaign), &["active"]).await;
    let campaign_id = Uuid::parse_str(&id_of(&campaign)).expect("uuid");
    let mut rows: Vec<(String, String, Option<String>)> = Vec::new();
    for _ in 0..300 {
        rows = sqlx::query_as(
            "SELECT task_type, status, error FROM tasks WHERE campaign_id = $1 AND task_type <> 'campaign_plan' ORDER BY created_at, task_type",
        )
        .bind(campaign_id)
        .fetch_all(&app.pool)
        .await
        .expect("tasks");
        if rows.len() == 2 && rows.iter().all(|r| r.1 == "failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reporting = rows.iter().find(|r| r.0 == "reporting").expect("reporting planned");
    assert_eq!(reporting.1, "failed", "{rows:?}");
    assert!(reporting.2.as_deref().is_some_and(|e| e.contains("disabled by an admin")), "{rows:?}");
    let strategy = rows.iter().find(|r| r.0 == "strategy").expect("strategy planned");
    assert_eq!(strategy.1, "failed", "{rows:?}");
    assert!(strategy.2.as_deref().is_some_and(|e| e.contains("depends on the report task")), "{rows:?}");

    // Enabled again, the agent runs.
    let r = admin.post("/api/agents/set_enabled", &[("agent", "reporting"), ("enabled", "true")]).await;
    assert_eq!(r.status, 200);
    let r = run_task(&admin, "reporting", &id_of(&client), &[("input[period_days]", "7")]).await;
    let t = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(t["summary"]["status"], "completed", "{t}");
}

#[tokio::test]
async fn five_agent_failures_in_a_row_open_the_circuit() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Circuit Co", &[], "").await;
    let client_id = Uuid::parse_str(&id_of(&client)).expect("uuid");
    for i in 0..5 {
        sqlx::query(
            "INSERT INTO tasks (id, task_type, agent, client_id, status, error, error_kind, attempts, finished_at)
             VALUES ($1, 'lead_qualification', 'lead_qualification', $2, 'failed', 'boom', 'agent', 3, now() - make_interval(secs => $3))",
        )
        .bind(Uuid::new_v4())
        .bind(client_id)
        .bind(f64::from(i))
        .execute(&app.pool)
        .await
        .expect("seed failures");
    }
    let r = run_task(&admin, "lead_qualification", &id_of(&client), &[]).await;
    let t = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(t["summary"]["status"], "failed");
    assert!(s(&t["summary"]["error"]).contains("circuit is open"), "{t}");
    assert_eq!(t["error_kind"], "circuit");
    let agents = admin.post("/api/agents/list", &[]).await.json();
    let lq = agents["agents"].as_array().expect("agents").iter().find(|a| a["agent"] == "lead_qualification").cloned();
    assert_eq!(lq.expect("listed")["circuit"]["state"], "open");
    let ready = app.client().get("/ready").await.json();
    let check = ready["checks"].as_array().expect("checks").iter().find(|c| c["name"] == "agents").cloned();
    assert!(s(&check.expect("agents check")["detail"]).contains("lead_qualification"), "{ready}");
    // Other agents are unaffected.
    let r = run_task(&admin, "client_health", &id_of(&client), &[]).await;
    assert_eq!(wait_final(&admin, r.json().as_str().expect("id")).await["summary"]["status"], "completed");
}

#[tokio::test]
async fn cancel_stops_a_pending_task_at_once_and_refuses_a_finished_one() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Cancel Me", &[], "").await;
    let r = run_task(&admin, "client_health", &id_of(&client), &[]).await;
    let id = r.json().as_str().expect("id").to_string();
    let c = admin.post("/api/tasks/cancel", &[("id", &id)]).await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.json(), "cancelled");
    assert_eq!(get_task(&admin, &id).await["summary"]["status"], "cancelled");
    assert_eq!(task_actions(&app, &id).await, ["task.created", "task.cancelled"]);
    let again = admin.post("/api/tasks/cancel", &[("id", &id)]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(rule(&again).contains("cancelled already"), "{}", again.body);
    // A claim never picks it up.
    let claimed = queue::claim(&app.pool, "test-worker", Duration::from_secs(30), 10).await.expect("claim");
    assert!(claimed.iter().all(|t| t.id.to_string() != id));
}

async fn enqueue_direct(app: &TestApp, task_type: TaskType, client: Option<Uuid>) -> Uuid {
    let id = Uuid::new_v4();
    let mut tx = app.pool.begin().await.expect("tx");
    let insert = Insert {
        id,
        task: NewTask {
            task_type,
            client_id: client,
            campaign_id: None,
            priority: Priority::Normal,
            params: TaskParams::default(),
        },
        depends_on: Vec::new(),
    };
    queue::enqueue(&mut tx, None, &insert).await.expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn a_failed_attempt_is_retried_with_backoff_and_keeps_its_error() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let id = enqueue_direct(&app, TaskType::Ping, None).await;
    let claimed = queue::claim(&app.pool, "w1", Duration::from_secs(30), 10).await.expect("claim");
    let task = claimed.into_iter().find(|t| t.id == id).expect("claimed");
    assert_eq!(task.attempts, 1);
    let w = queue::fail(&app.pool, &task, "w1", "the database went away", FailureKind::Agent).await.expect("fail");
    assert_eq!(w, Written::Done);
    let (status, error, attempts, wait): (String, Option<String>, i32, f64) = sqlx::query_as(
        "SELECT status, error, attempts, extract(epoch FROM run_after - now())::float8 FROM tasks WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .expect("row");
    assert_eq!((status.as_str(), error.as_deref(), attempts), ("pending", Some("the database went away"), 1));
    assert!(wait > 1.0 && wait <= 2.0, "first retry waits 2 s: {wait}");
    // Not claimable before its time.
    assert!(queue::claim(&app.pool, "w1", Duration::from_secs(30), 10).await.expect("claim").is_empty());
    // An input failure is final at once, whatever attempts remain.
    sqlx::query("UPDATE tasks SET run_after = now() WHERE id = $1").bind(id).execute(&app.pool).await.expect("due");
    let task = queue::claim(&app.pool, "w1", Duration::from_secs(30), 10).await.expect("claim").remove(0);
    assert_eq!(task.attempts, 2);
    queue::fail(&app.pool, &task, "w1", "the client is gone", FailureKind::Input).await.expect("fail");
    let status: String = sqlx::query_scalar("SELECT status FROM tasks WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("status");
    assert_eq!(status, "failed");
    assert_eq!(
        task_actions(&app, &id.to_string()).await,
        ["task.created", "task.started", "task.retrying", "task.started", "task.failed"]
    );
}

#[tokio::test]
async fn an_expired_lease_runs_the_task_again_and_the_old_worker_cannot_complete_it() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let id = enqueue_direct(&app, TaskType::Ping, None).await;
    let old = queue::claim(&app.pool, "old", Duration::from_secs(1), 1).await.expect("claim").remove(0);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(queue::recover_expired(&app.pool).await.expect("recover"), 1);
    let new = queue::claim(&app.pool, "new", Duration::from_secs(30), 1).await.expect("claim").remove(0);
    assert_eq!((new.id, new.attempts), (id, 2));
    let output = domain::model::task::TaskOutput::Ping {};
    let late = queue::complete(&app.pool, &old, "old", &output, Default::default(), &[], &[]).await.expect("write");
    assert_eq!(late, Written::Lost, "the lost worker's result is discarded");
    let done = queue::complete(&app.pool, &new, "new", &output, Default::default(), &[], &[]).await.expect("write");
    assert_eq!(done, Written::Done);
    let actions = task_actions(&app, &id.to_string()).await;
    assert_eq!(actions.iter().filter(|a| *a == "task.completed").count(), 1, "{actions:?}");
}

#[tokio::test]
async fn account_managers_see_and_run_tasks_only_on_their_portfolio() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (am, am_id, _) = app.user(&admin, "account_manager").await;
    let mine = create_client(&admin, "Mine Ltd", &[], &am_id).await;
    let theirs = create_client(&admin, "Theirs Ltd", &[], "").await;
    let r = run_task(&am, "client_health", &id_of(&theirs), &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(error_fields(&r).contains(&"client_id".to_string()));
    let r = run_task(&am, "client_health", &id_of(&mine), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let review = run_task(&am, "pipeline_review", "", &[]).await;
    assert_eq!(review.status, 200, "{}", review.body);
    let review = wait_final(&am, review.json().as_str().expect("id")).await;
    let counted: i64 = review["output"]["output"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(counted, 1, "the review covers the portfolio only: {review}");
    let list = am
        .post(
            "/api/tasks/list",
            &[("status", ""), ("task_type", ""), ("agent", ""), ("client", ""), ("campaign", ""), ("priority", "")],
        )
        .await
        .json();
    let clients: Vec<String> = list.as_array().expect("list").iter().map(|t| s(&t["client_name"])).collect();
    assert!(!clients.iter().any(|c| c == "Theirs Ltd"), "{clients:?}");
    assert!(clients.iter().any(|c| c == "Mine Ltd"), "{clients:?}");
    let theirs_task: Uuid = sqlx::query_scalar("SELECT id FROM tasks WHERE client_id = $1 LIMIT 1")
        .bind(Uuid::parse_str(&id_of(&theirs)).expect("uuid"))
        .fetch_one(&app.pool)
        .await
        .expect("task");
    assert_eq!(am.post("/api/tasks/get", &[("id", &theirs_task.to_string())]).await.status, 404);
    assert_eq!(am.post("/api/tasks/cancel", &[("id", &theirs_task.to_string())]).await.status, 404);
    let toggle = am.post("/api/agents/set_enabled", &[("agent", "reporting"), ("enabled", "false")]).await;
    assert_eq!(toggle.status, 403);
}

#[tokio::test]
async fn ready_and_metrics_report_the_queue_and_workers() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Metrics Co", &[], "").await;
    let r = run_task(&admin, "client_health", &id_of(&client), &[]).await;
    wait_final(&admin, r.json().as_str().expect("id")).await;
    let ready = app.client().get("/ready").await.json();
    let workers = ready["checks"].as_array().expect("checks").iter().find(|c| c["name"] == "workers").cloned();
    assert_eq!(workers.expect("workers check")["status"], "healthy", "{ready}");
    let metrics = app.client().get("/metrics").await.body;
    assert!(metrics.contains("tasks_finished_total"), "{metrics}");
    assert!(metrics.contains("agent=\"client_success_manager\""), "{metrics}");
    assert!(metrics.contains("tasks_ready"), "{metrics}");
}

#[tokio::test]
async fn a_report_exports_as_csv_and_json_within_the_callers_scope() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (am, _, _) = app.user(&admin, "account_manager").await;
    let client = create_client(&admin, "=Report Co", &[("monthly_value", "3000")], "").await;
    let r = run_task(&admin, "reporting", &id_of(&client), &[("input[period_days]", "30")]).await;
    let id = r.json().as_str().expect("id").to_string();
    let t = wait_final(&admin, &id).await;
    assert_eq!(t["summary"]["status"], "completed", "{t}");
    let csv = admin.get(&format!("/export/tasks/{id}.csv")).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").is_some_and(|c| c.starts_with("text/csv")));
    // Sections of different widths, one after another.
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.body.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_string).collect())
        .collect();
    assert!(records.iter().any(|r| r.first().is_some_and(|c| c == "KPIs")), "{records:?}");
    assert!(records.iter().any(|r| r.iter().any(|c| c.contains("3000"))), "monthly value in the KPIs: {records:?}");
    assert!(!csv.body.contains(",=Report"), "no cell starts a formula: {}", csv.body);
    let json = admin.get(&format!("/export/tasks/{id}.json")).await;
    assert_eq!(json.status, 200);
    assert_eq!(json.json(), t["output"]);
    assert_eq!(app.client().get(&format!("/export/tasks/{id}.csv")).await.status, 401);
    assert_eq!(am.get(&format!("/export/tasks/{id}.csv")).await.status, 404, "not in the manager's portfolio");
    let lq = run_task(&admin, "lead_qualification", &id_of(&client), &[]).await;
    let lq = lq.json().as_str().expect("id").to_string();
    wait_final(&admin, &lq).await;
    assert_eq!(admin.get(&format!("/export/tasks/{lq}.csv")).await.status, 409, "only reports have a CSV");
    assert_eq!(admin.get(&format!("/export/tasks/{lq}.json")).await.status, 200);
}
