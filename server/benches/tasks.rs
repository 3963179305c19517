//! Task engine benchmark on a database of its own:
//!   1. task creation: `tasks::queue::create` (scope check, insert, `task.created` event, NOTIFY, commit)
//!      one after another; p50 / p95 / p99;
//!   2. idle pickup latency: with two idle workers listening, one task at a time, the time from the task's
//!      creation to its claim (`started_at - created_at`, both Postgres clocks); p50 / p95;
//!   3. no-op throughput: `TASKS` engine-check tasks queued, then two workers (concurrency 16 each) run
//!      them; tasks per second from the workers' start to the last completion.
//!
//! It prints the figures and asserts nothing about time. Run with `cargo bench -p server --bench tasks`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{percentile, BenchDb};

use domain::model::task::{NewTask, Priority, TaskParams, TaskType};
use domain::policy::ClientScope;
use domain::tasks::runner::Runner;
use domain::tasks::worker::{self, WorkerConfig};
use sqlx::PgPool;

const CREATIONS: usize = 2_000;
const PICKUPS: usize = 200;
const TASKS: i64 = 20_000;
const WORKER_CONCURRENCY: usize = 16;

fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name}: n={} p50={:.3} ms p95={:.3} ms p99={:.3} ms max={:.3} ms",
        ms.len(),
        percentile(&ms, 0.50),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

fn ping() -> NewTask {
    NewTask {
        task_type: TaskType::Ping,
        client_id: None,
        campaign_id: None,
        priority: Priority::Normal,
        params: TaskParams::default(),
    }
}

/// Starts `n` workers; returns a sender that stops them and their join handles.
fn start_workers(pool: &PgPool, n: usize) -> (tokio::sync::watch::Sender<bool>, Vec<tokio::task::JoinHandle<()>>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let runner = Arc::new(Runner::new(pool.clone(), None, "USD"));
    let handles = (0..n)
        .map(|_| {
            let mut rx = rx.clone();
            let config = WorkerConfig::new(WORKER_CONCURRENCY, Duration::from_secs(30));
            tokio::spawn(worker::run(pool.clone(), runner.clone(), config, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }))
        })
        .collect();
    (tx, handles)
}

async fn stop(tx: tokio::sync::watch::Sender<bool>, handles: Vec<tokio::task::JoinHandle<()>>) {
    let _ = tx.send(true);
    for h in handles {
        let _ = h.await;
    }
}

#[tokio::main]
async fn main() {
    let db = BenchDb::create().await;
    // Each worker holds a LISTEN connection besides its queries.
    let pool = domain::store::pool(&db.url, 20).expect("pool");
    domain::store::migrate(&pool).await.expect("migrate");
    let actor = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, 'bench@agency.test', 'Bench', 'admin', 'x')")
        .bind(actor)
        .execute(&pool)
        .await
        .expect("bench user");

    // 1. Creation, no workers running.
    for _ in 0..100 {
        domain::tasks::queue::create(&pool, ClientScope::All, actor, ping()).await.expect("create");
    }
    let mut created = Vec::with_capacity(CREATIONS);
    for _ in 0..CREATIONS {
        let t = Instant::now();
        domain::tasks::queue::create(&pool, ClientScope::All, actor, ping()).await.expect("create");
        created.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("task creation (queue::create)", created);
    sqlx::query("DELETE FROM tasks").execute(&pool).await.expect("clear");

    // 2. Idle pickup latency with two idle workers.
    let (tx, handles) = start_workers(&pool, 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut pickups = Vec::with_capacity(PICKUPS);
    for _ in 0..PICKUPS {
        let id = domain::tasks::queue::create(&pool, ClientScope::All, actor, ping()).await.expect("create");
        let started = Instant::now();
        loop {
            let latency: Option<f64> = sqlx::query_scalar(
                "SELECT extract(epoch FROM started_at - created_at)::float8 * 1000 FROM tasks WHERE id = $1 AND started_at IS NOT NULL",
            )
            .bind(id)
            .fetch_optional(&pool)
            .await
            .expect("poll");
            if let Some(ms) = latency {
                pickups.push(ms);
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "task was not picked up");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Let the workers go idle again.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    report("idle pickup latency (created_at -> started_at)", pickups);
    stop(tx, handles).await;
    sqlx::query("DELETE FROM tasks").execute(&pool).await.expect("clear");
    sqlx::query("DELETE FROM events").execute(&pool).await.expect("clear");

    // 3. Throughput: queue TASKS no-op tasks, then run them with two workers.
    sqlx::query(
        "INSERT INTO tasks (id, task_type, agent, priority, created_by)
         SELECT gen_random_uuid(), 'ping', 'task_coordinator', 1, $1 FROM generate_series(1, $2)",
    )
    .bind(actor)
    .bind(TASKS)
    .execute(&pool)
    .await
    .expect("queue tasks");
    // A queue that grows 20,000 rows in one statement has stale planner statistics until autovacuum's
    // analyze comes round; a real queue grows a task at a time.
    sqlx::query("ANALYZE tasks").execute(&pool).await.expect("analyze");
    let t = Instant::now();
    let (tx, handles) = start_workers(&pool, 2);
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE status <> 'completed'")
            .fetch_one(&pool)
            .await
            .expect("count");
        if left == 0 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(600), "{left} tasks left after 10 minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = t.elapsed().as_secs_f64();
    stop(tx, handles).await;
    let completed_events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE action = 'task.completed'")
        .fetch_one(&pool)
        .await
        .expect("count");
    println!(
        "no-op throughput, 2 workers x {WORKER_CONCURRENCY}: {TASKS} tasks in {secs:.2} s = {:.0} tasks/s ({completed_events} task.completed events)",
        TASKS as f64 / secs
    );
}
