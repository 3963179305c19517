//! Agents with the optional LLM (against the local stand-in), cancelling a running task, and a worker
//! process killed mid-task.

use crate::common::*;
use crate::fixtures::*;
use crate::llm_standin::{Behaviour, StandIn};
use crate::tasks::{get_task, run_task, task_actions, wait_final};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use uuid::Uuid;

fn lead() -> Vec<(&'static str, &'static str)> {
    vec![
        ("contact_name", "Dana Fox"),
        ("lead_budget", "900"),
        ("lead_timeline", "undecided"),
        ("lead_decision_maker_role", "Marketing manager"),
        ("lead_pain_points", "Our rankings and organic traffic are falling"),
    ]
}

#[tokio::test]
async fn with_an_llm_the_prose_is_its_own_the_numbers_are_not_and_usage_is_costed() {
    let llm = StandIn::start().await;
    let app = TestApp::spawn(Options { llm_base_url: Some(llm.base_url()), ..Options::default() }).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Prose Ltd", &lead(), "").await;

    let r = run_task(&admin, "proposal_generation", &id_of(&client), &[]).await;
    let with_llm = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(with_llm["summary"]["status"], "completed", "{with_llm}");
    let out = &with_llm["output"]["output"];
    assert_eq!(out["narrative"]["source"]["kind"], "llm", "{out}");
    assert_eq!(out["narrative"]["source"]["model"], "stand-in-model");
    assert!(s(&out["narrative"]["text"]).starts_with("LLM: "), "{out}");
    let request = llm.last_request().expect("the LLM was called");
    assert_eq!(request.authorization.as_deref(), Some("Bearer test-key"));
    assert!(request.last_user_message().is_some_and(|m| m.contains("Prose Ltd")));
    // Usage and cost: cost = prompt / 1000 × 0.5 + completion / 1000 × 1.5 (the test app's prices).
    let prompt = with_llm["llm_prompt_tokens"].as_f64().expect("prompt tokens");
    let completion = with_llm["llm_completion_tokens"].as_f64().expect("completion tokens");
    assert!(prompt > 0.0 && completion > 0.0, "{with_llm}");
    let cost = with_llm["llm_cost"].as_f64().expect("cost");
    assert!((cost - (prompt / 1000.0 * 0.5 + completion / 1000.0 * 1.5)).abs() < 1e-9, "{cost}");

    // The LLM failing (500s, retried, then given up): the task completes on its template, same numbers.
    llm.plan(std::iter::repeat_n(Behaviour::Status { code: 500, retry_after: None }, 4));
    let r = run_task(&admin, "proposal_generation", &id_of(&client), &[]).await;
    let without = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(without["summary"]["status"], "completed", "{without}");
    let out2 = &without["output"]["output"];
    assert_eq!(out2["narrative"]["source"]["kind"], "template_after_llm_error", "{out2}");
    assert_eq!(out["packages"], out2["packages"], "prices never depend on the LLM");
    assert_eq!(out["price_breakdown"], out2["price_breakdown"]);
    let agents = admin.post("/api/agents/list", &[]).await.json();
    assert_eq!(agents["llm"]["model"], "stand-in-model", "{agents}");
    let pg = agents["agents"].as_array().expect("agents").iter().find(|a| a["agent"] == "proposal_generation").cloned();
    assert!(pg.expect("listed")["llm_tokens"].as_i64().unwrap_or(0) > 0);
}

#[tokio::test]
async fn cancel_stops_a_running_task_at_its_next_checkpoint() {
    let llm = StandIn::start().await;
    llm.plan([Behaviour::Gate]);
    let app = TestApp::spawn(Options { llm_base_url: Some(llm.base_url()), ..Options::default() }).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Cancel Running", &lead(), "").await;
    let r = run_task(&admin, "sales_conversation", &id_of(&client), &[]).await;
    let id = r.json().as_str().expect("id").to_string();
    tokio::time::timeout(Duration::from_secs(20), llm.wait_held(1)).await.expect("the agent is waiting on the LLM");
    assert_eq!(get_task(&admin, &id).await["summary"]["status"], "in_progress");
    let c = admin.post("/api/tasks/cancel", &[("id", &id)]).await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.json(), "in_progress", "a running task stops at its next checkpoint");
    let t = wait_final(&admin, &id).await;
    assert_eq!(t["summary"]["status"], "cancelled", "{t}");
    assert!(t["output"].is_null());
    llm.release(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get_task(&admin, &id).await["summary"]["status"], "cancelled", "nothing is written after the cancel");
    assert_eq!(
        task_actions(&app, &id).await,
        ["task.created", "task.started", "task.cancel_requested", "task.cancelled"]
    );
}

fn worker_process(db_url: &str, llm: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("worker")
        .env("DATABASE_URL", db_url)
        .env("LLM_BASE_URL", llm)
        .env("LLM_MODEL", "stand-in-model")
        .env("WORKER_CONCURRENCY", "1")
        .env("TASK_LEASE_SECS", "2")
        .env("LOG_LEVEL", "warn")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start `server worker`")
}

#[tokio::test]
async fn a_worker_process_killed_mid_task_loses_nothing_and_the_task_completes_once() {
    let llm = StandIn::start().await;
    llm.plan([Behaviour::Gate]);
    // No worker in the web process: only the `server worker` processes run tasks.
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Crash Test Ltd", &lead(), "").await;
    // The client's automatic analysis and this conversation both queue; the conversation is urgent.
    let r = run_task(&admin, "sales_conversation", &id_of(&client), &[("input[priority]", "urgent")]).await;
    let id = r.json().as_str().expect("id").to_string();

    let mut first = worker_process(&app.db.url, &llm.base_url());
    tokio::time::timeout(Duration::from_secs(30), llm.wait_held(1)).await.expect("the first worker is mid-task");
    let (status, locked_by): (String, Option<String>) =
        sqlx::query_as("SELECT status, locked_by FROM tasks WHERE id = $1")
            .bind(Uuid::parse_str(&id).expect("uuid"))
            .fetch_one(&app.pool)
            .await
            .expect("task");
    assert_eq!(status, "in_progress");
    let first_worker = locked_by.expect("leased");
    first.kill().expect("SIGKILL the worker");
    let _ = first.wait();

    let mut second = worker_process(&app.db.url, &llm.base_url());
    let t = wait_final(&admin, &id).await;
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(t["summary"]["status"], "completed", "{t}");
    assert_eq!(t["summary"]["attempts"], 2, "{t}");
    assert_eq!(t["output"]["output"]["narrative"]["source"]["kind"], "llm");
    let actions = task_actions(&app, &id).await;
    assert_eq!(actions.iter().filter(|a| *a == "task.completed").count(), 1, "{actions:?}");
    assert!(actions.contains(&"task.retrying".to_string()), "the lost lease was recovered: {actions:?}");
    let workers: Vec<String> = sqlx::query_scalar(
        "SELECT detail->>'worker' FROM events WHERE target_id = $1 AND action = 'task.started' ORDER BY id",
    )
    .bind(&id)
    .fetch_all(&app.pool)
    .await
    .expect("starts");
    assert_eq!(workers.len(), 2);
    assert_eq!(workers[0], first_worker);
    assert_ne!(workers[1], first_worker, "another worker finished it");
}

#[tokio::test]
async fn with_an_llm_the_reply_draft_is_its_prose_from_the_templates_facts() {
    let llm = StandIn::start().await;
    let app = TestApp::spawn(Options { llm_base_url: Some(llm.base_url()), ..Options::default() }).await;
    let admin = app.admin().await;
    let client = id_of(&create_client(&admin, "Replied Ltd", &[], "").await);
    let person = app.client_user(&admin, &client).await;
    let r = person.client.post("/api/portal/messages/send", &[("input[body]", "Can we talk about the audit?")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let task: uuid::Uuid = sqlx::query_scalar("SELECT task_id FROM messages WHERE client_id = $1::uuid")
        .bind(&client)
        .fetch_one(&app.pool)
        .await
        .expect("the draft task");
    let done = wait_final(&admin, &task.to_string()).await;
    assert_eq!(done["summary"]["status"], "completed", "{done}");
    let out = &done["output"]["output"];
    assert_eq!(out["narrative"]["source"]["kind"], "llm", "{out}");
    assert!(s(&out["narrative"]["text"]).starts_with("LLM: "), "{out}");
    let topics: Vec<&str> = out["topics"].as_array().expect("topics").iter().filter_map(|t| t[0].as_str()).collect();
    assert_eq!(topics, vec!["audit", "meeting"], "the topics are the agent's, not the LLM's");
    // The prompt carries the client's words and the template's facts.
    let request = llm.last_request().expect("the LLM was called");
    let prompt = request.last_user_message().expect("a user message");
    assert!(prompt.contains("Can we talk about the audit?") && prompt.contains("Replied Ltd"), "{prompt}");
    assert!(prompt.contains("No audit of Replied Ltd's site has finished yet"), "{prompt}");
    let thread = admin.post("/api/messages/thread", &[("client_id", &client)]).await.json();
    assert!(s(&thread["draft"]["Ready"]["output"]["narrative"]["text"]).starts_with("LLM: "), "{thread}");
}
