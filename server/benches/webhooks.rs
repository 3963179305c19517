//! Webhook delivery benchmark on a database of its own, against a fast receiver in this process
//! (127.0.0.1, answers 204 at once), with the dispatcher's production settings (signing included):
//!   1. throughput: `EVENTS` subscribed events written in one transaction, then one dispatcher turns them
//!      into messages and delivers them; deliveries per second from the dispatcher's start to the last
//!      delivery's record;
//!   2. latency: with the dispatcher idle, one event at a time committed through `events::record`; the time
//!      from the commit to the receiver getting the request; p50 / p95 / p99.
//!
//! It prints the figures and asserts nothing about time. Run with `cargo bench -p server --bench webhooks`.

mod support;

use std::time::{Duration, Instant};
use support::{percentile, BenchDb};

use axum::routing::post;
use axum::Router;
use domain::crawl::fetch::AddressPolicy;
use domain::model::webhook::EndpointDraft;
use domain::store::events::{self, Target};
use domain::webhooks::dispatch::{self, DispatchConfig};
use domain::webhooks::Secret;
use tokio::sync::mpsc;

const EVENTS: i64 = 10_000;
const LATENCY_SAMPLES: usize = 300;

#[tokio::main]
async fn main() {
    let db = BenchDb::create().await;
    let pool = domain::store::pool(&db.url, 20).expect("pool");
    domain::store::migrate(&pool).await.expect("migrate");
    let actor = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, 'bench@agency.test', 'Bench', 'admin', 'x')")
        .bind(actor)
        .execute(&pool)
        .await
        .expect("bench user");

    // The receiver reports each arrival's instant.
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel::<Instant>();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let tx = arrived_tx.clone();
            async move {
                let _ = tx.send(Instant::now());
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let draft = EndpointDraft {
        url: url::Url::parse(&format!("http://{addr}/hook")).expect("url"),
        description: "bench".into(),
        event_types: vec!["client.created".into()],
        active: true,
    };
    domain::store::webhooks::create(&pool, actor, &draft, &Secret::generate()).await.expect("endpoint");
    let config = || DispatchConfig::new(AddressPolicy::allowing(&["127.0.0.0/8"]).expect("policy"));

    // 1. Throughput.
    sqlx::query(
        "INSERT INTO events (actor_id, action, target_type, target_id, detail)
         SELECT $1, 'client.created', 'client', gen_random_uuid()::text,
                jsonb_build_object('company_name', 'Bench ' || n, 'domain', 'bench' || n || '.example')
           FROM generate_series(1, $2) n",
    )
    .bind(actor)
    .bind(EVENTS)
    .execute(&pool)
    .await
    .expect("events");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let handle = tokio::spawn(dispatch::run(pool.clone(), config(), async move {
        let _ = stop_rx.await;
    }));
    let mut received = 0;
    while received < EVENTS {
        match tokio::time::timeout(Duration::from_secs(60), arrived.recv()).await {
            Ok(Some(_)) => received += 1,
            _ => panic!("deliveries stopped at {received}"),
        }
    }
    loop {
        let delivered: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_messages WHERE status = 'delivered'")
            .fetch_one(&pool)
            .await
            .expect("count");
        if delivered >= EVENTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "webhook throughput: {EVENTS} deliveries (fan-out, signing, POST, record) in {secs:.2} s = {:.0} deliveries/s",
        EVENTS as f64 / secs
    );

    // 2. Commit-to-first-attempt latency, one event at a time on an idle dispatcher.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ms = Vec::with_capacity(LATENCY_SAMPLES);
    for i in 0..LATENCY_SAMPLES {
        let mut tx = pool.begin().await.expect("begin");
        let client = uuid::Uuid::new_v4();
        events::record(
            &mut tx,
            Some(actor),
            "client.created",
            Target { kind: "client", id: client.to_string(), client_id: None },
            serde_json::json!({ "company_name": format!("Latency {i}") }),
        )
        .await
        .expect("event");
        tx.commit().await.expect("commit");
        let committed = Instant::now();
        let at = tokio::time::timeout(Duration::from_secs(10), arrived.recv()).await.expect("delivered").expect("open");
        ms.push(at.saturating_duration_since(committed).as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "webhook commit-to-first-attempt: n={} p50={:.2} ms p95={:.2} ms p99={:.2} ms max={:.2} ms",
        ms.len(),
        percentile(&ms, 0.50),
        percentile(&ms, 0.95),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    );
    let _ = stop_tx.send(());
    let _ = handle.await;
}
