//! Faults in the middle of long work: Postgres going away (stopped and started again) or its connections
//! terminated while an audit crawls, and a task whose work stalls while its heartbeat keeps beating. Each
//! audit ends completed after a retry, with no page or issue stored twice in the completed crawl.

use crate::common::*;
use crate::fixtures::*;
use crate::tasks::run_task;
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

const PAGES: usize = 400;

/// A site of `PAGES` pages, each answering after 25 ms: long enough to interrupt, and far more pages than
/// the crawl's hand-over channel holds.
async fn long_site() -> SocketAddr {
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                let links: String = (0..PAGES).map(|i| format!("<a href=\"/n/{i}\">Page {i}</a> ")).collect();
                Html(format!("<html><head><title>Long site</title></head><body>{links}</body></html>"))
            }),
        )
        .route(
            "/n/{i}",
            get(|axum::extract::Path(i): axum::extract::Path<usize>| async move {
                tokio::time::sleep(Duration::from_millis(25)).await;
                Html(format!(
                    "<html><head><title>Page {i} of the long site</title></head><body><p>Page {i}.</p></body></html>"
                ))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Waits until the task's first crawl has stored at least `pages` pages.
async fn wait_for_pages(pool: &sqlx::PgPool, pages: i32) {
    for _ in 0..400 {
        let done: Option<i32> =
            sqlx::query_scalar("SELECT max(pages_done) FROM crawls").fetch_one(pool).await.expect("crawl progress");
        if done.unwrap_or(0) >= pages {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the crawl never stored {pages} pages");
}

/// Polls the task (in the database: requests answer 503 while the app's connections are being replaced)
/// until it ends, for up to `secs` seconds, and returns its status and last error.
async fn wait_end(pool: &sqlx::PgPool, id: &str, secs: u64) -> (String, Option<String>) {
    let id = uuid::Uuid::parse_str(id).expect("uuid");
    let mut last = (String::new(), None);
    for _ in 0..secs * 10 {
        if let Ok(row) = sqlx::query_as::<_, (String, Option<String>)>("SELECT status, error FROM tasks WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
        {
            if matches!(row.0.as_str(), "completed" | "failed" | "cancelled") {
                return row;
            }
            last = row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("task {id} did not end within {secs} s: {last:?}");
}

/// The completed crawl holds every page once, and no issue twice.
async fn assert_one_complete_crawl(pool: &sqlx::PgPool, task: &str) {
    let task = uuid::Uuid::parse_str(task).expect("uuid");
    let crawls: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, status FROM crawls WHERE task_id = $1 ORDER BY started_at")
            .bind(task)
            .fetch_all(pool)
            .await
            .expect("crawls");
    assert!(crawls.len() >= 2, "the first attempt's crawl and the retry's: {crawls:?}");
    assert_ne!(crawls[0].1, "running", "the interrupted crawl is not left running: {crawls:?}");
    let completed: Vec<uuid::Uuid> = crawls.iter().filter(|c| c.1 == "completed").map(|c| c.0).collect();
    assert_eq!(completed.len(), 1, "one completed crawl: {crawls:?}");
    let (pages, urls): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT url) FROM crawl_pages WHERE crawl_id = $1")
            .bind(completed[0])
            .fetch_one(pool)
            .await
            .expect("pages");
    assert_eq!(pages, urls, "no page stored twice");
    assert_eq!(pages, PAGES as i64 + 1, "every page of the site");
    let (issues, distinct): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT (check_id, url, detail)) FROM crawl_issues WHERE crawl_id = $1",
    )
    .bind(completed[0])
    .fetch_one(pool)
    .await
    .expect("issues");
    assert_eq!(issues, distinct, "no issue stored twice");
}

async fn attempts(pool: &sqlx::PgPool, task: &str) -> i32 {
    sqlx::query_scalar("SELECT attempts FROM tasks WHERE id = $1")
        .bind(uuid::Uuid::parse_str(task).expect("uuid"))
        .fetch_one(pool)
        .await
        .expect("attempts")
}

/// Queues an audit of a fresh long site for a new client; returns the task id.
async fn audit_of_long_site(app: &TestApp) -> String {
    let admin = app.admin().await;
    let site = long_site().await;
    let client = client_on_site(app, &admin, "Long Site Ltd", site, "").await;
    let r = run_task(&admin, "technical_seo_audit", &client, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json().as_str().expect("task id").to_string()
}

/// Terminates every connection of the app's database (but the one doing it), `rounds` times 150 ms apart.
async fn terminate_connections(app: &TestApp, rounds: usize) {
    let mut killer = PgConnection::connect(&app.db.url).await.expect("connect");
    for _ in 0..rounds {
        killer
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await
            .expect("terminate the app's connections");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn options() -> Options {
    Options {
        workers: 1,
        crawl_allow: "127.0.0.0/8".into(),
        crawl_max_pages: 1_000,
        task_lease_secs: 3,
        ..Options::default()
    }
}

#[tokio::test]
async fn an_audit_survives_postgres_going_away_mid_crawl() {
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let db = Arc::new(TestDb::create().await);
    let url = db.url.replace("127.0.0.1:5432", &proxy.addr.to_string());
    let app = TestApp::spawn_on(db, Options { database_url: Some(url), ..options() }).await;
    let task = audit_of_long_site(&app).await;

    wait_for_pages(&app.pool, 20).await;
    // Postgres stops for 3 s and starts again, as in a restart.
    proxy.down();
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.up();

    let done = wait_end(&app.pool, &task, 90).await;
    assert_eq!(done.0, "completed", "{done:?}");
    assert!(attempts(&app.pool, &task).await >= 2, "completed by a retry: {done:?}");
    assert_one_complete_crawl(&app.pool, &task).await;
}

#[tokio::test]
async fn an_audit_survives_its_database_connections_being_terminated() {
    let app = TestApp::spawn(options()).await;
    let task = audit_of_long_site(&app).await;

    wait_for_pages(&app.pool, 20).await;
    // Several rounds, so the crawl's writer meets a terminated connection whatever it was doing at the first.
    terminate_connections(&app, 5).await;

    let done = wait_end(&app.pool, &task, 90).await;
    assert_eq!(done.0, "completed", "{done:?}");
    assert!(attempts(&app.pool, &task).await >= 2, "completed by a retry: {done:?}");
    assert_one_complete_crawl(&app.pool, &task).await;
}

#[tokio::test]
async fn a_task_whose_work_stalls_is_failed_and_retried_while_its_heartbeat_beats() {
    let app = TestApp::spawn(Options { task_stall_secs: 3, task_lease_secs: 30, ..options() }).await;
    let admin = app.admin().await;
    let site = long_site().await;
    let client = client_on_site(&app, &admin, "Long Site Ltd", site, "").await;

    // Every write of crawled pages waits on this lock: the crawl's work stalls, its heartbeat does not.
    let mut blocker = PgConnection::connect(&app.db.url).await.expect("connect");
    blocker.execute("BEGIN").await.expect("begin");
    blocker.execute("LOCK TABLE crawl_pages IN ACCESS EXCLUSIVE MODE").await.expect("lock");

    let r = run_task(&admin, "technical_seo_audit", &client, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let task = r.json().as_str().expect("task id").to_string();
    let task_id = uuid::Uuid::parse_str(&task).expect("uuid");

    // /ready reports the quiet task before the watchdog acts (at half the bound).
    let mut reported = None;
    for _ in 0..100 {
        let ready = admin.get("/ready").await;
        let workers = ready.json()["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == "workers").cloned())
            .unwrap_or_default();
        if workers["status"] == "degraded"
            && workers["detail"].as_str().is_some_and(|d| d.contains("1 running without progress"))
        {
            reported = Some(ready.json()["status"].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(reported, Some(Value::from("degraded")), "/ready reports the task without progress");

    // The watchdog fails the attempt with the cause and queues the retry.
    let mut failed_once = None;
    for _ in 0..100 {
        let (attempts, error): (i32, Option<String>) =
            sqlx::query_as("SELECT attempts, error FROM tasks WHERE id = $1")
                .bind(task_id)
                .fetch_one(&app.pool)
                .await
                .expect("task");
        if error.as_deref().is_some_and(|e| e.contains("no progress")) {
            failed_once = Some(attempts);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed_once, Some(1), "the first attempt was failed by the watchdog");

    blocker.execute("ROLLBACK").await.expect("release the lock");
    let done = wait_end(&app.pool, &task, 90).await;
    assert_eq!(done.0, "completed", "{done:?}");
    assert_eq!(attempts(&app.pool, &task).await, 2, "completed by the retry");
    assert_one_complete_crawl(&app.pool, &task).await;
}

#[tokio::test]
async fn an_agent_task_waiting_on_the_llm_survives_its_database_connections_being_terminated() {
    use crate::llm_standin::{Behaviour, StandIn};
    let llm = StandIn::start().await;
    let app =
        TestApp::spawn(Options { llm_base_url: Some(llm.base_url()), task_lease_secs: 3, workers: 1, ..options() })
            .await;
    let admin = app.admin().await;
    let client = id_of(&create_client(&admin, "Long Agent Ltd", &[("lead_budget", "900")], "").await);
    llm.plan([Behaviour::Gate]);
    let r = run_task(&admin, "proposal_generation", &client, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let task = r.json().as_str().expect("task id").to_string();
    tokio::time::timeout(Duration::from_secs(30), llm.wait_held(1)).await.expect("the agent waits on the LLM");

    // Mid-task, every connection of the app goes; then the LLM answers and the agent writes its result.
    terminate_connections(&app, 1).await;
    llm.release(1);

    let done = wait_end(&app.pool, &task, 90).await;
    assert_eq!(done.0, "completed", "{done:?}");
    let completions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE target_type = 'task' AND target_id = $1 AND action = 'task.completed'",
    )
    .bind(&task)
    .fetch_one(&app.pool)
    .await
    .expect("events");
    assert_eq!(completions, 1, "completed once, whatever attempt wrote it");
}
