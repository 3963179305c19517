//! Client list benchmark: 10,000 demo clients in a database of its own, the server in-process, an admin
//! signed in over HTTP. Measures
//!   1. sequential latency of POST /api/clients/list with realistic filtered queries,
//!   2. throughput with many concurrent callers for a fixed time,
//!   3. the same queries against `domain::store::clients::list` directly (the SQL path, no HTTP),
//!   4. the same queries against the in-process `ClientIndex` that the server function uses (one version
//!      read per call plus in-memory filtering),
//!
//! and prints the figures. It asserts nothing about time. Run with `cargo bench -p server --bench client_list`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use support::BenchDb;

use domain::model::client_query::ClientQuery;
use domain::policy::ClientScope;
use server::Config;

const REDIS_URL: &str = "redis://127.0.0.1:6379";
const ADMIN_EMAIL: &str = "bench-admin@agency.test";
const ADMIN_PASSWORD: &str = "bench-admin-password-123";

const CLIENTS: usize = 10_000;
const SEED: u64 = 42;
const SEQUENTIAL: usize = 2_000;
const WARMUP: usize = 100;
const CONCURRENCY: usize = 32;
const THROUGHPUT_FOR: Duration = Duration::from_secs(10);
const DB_POOL: u32 = 10;

/// What the list page sends: filters, a sort and a page, as a URL query string.
const QUERIES: [&str; 5] = [
    "industry=saas&revenue_min=1000000&sort=annual_revenue&dir=desc&page=2",
    "country=US&stage=won&sort=monthly_value&dir=desc",
    "q=stone&employees_min=20&sort=company_name",
    "industry=ecommerce&employees_min=10&employees_max=500&sort=created_at&dir=desc&page=3",
    "stage=prospect&revenue_min=500000&revenue_max=50000000&sort=employee_count&dir=desc&per_page=50",
];

fn config(db: &BenchDb, listen: std::net::SocketAddr) -> Config {
    Config {
        database_url: db.url.clone().into(),
        db_max_connections: DB_POOL,
        redis_url: Some(REDIS_URL.into()),
        redis_key_prefix: format!("aiseo-bench-{}", uuid::Uuid::new_v4().simple()),
        listen_addr: listen,
        app_env: "development".into(),
        public_url: String::new(),
        log_level: "warn".into(),
        log_format: "pretty".into(),
        session_idle_minutes: 480,
        login_max_failures_account: 5,
        login_max_failures_ip: 50,
        login_window_seconds: 300,
        trust_forwarded_for: false,
        body_limit_bytes: 64 * 1024,
        site_root: "target/site".into(),
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(ADMIN_PASSWORD.into()),
        admin_name: "Bench Admin".into(),
        worker_concurrency: 0,
        task_lease_secs: 30,
        task_stall_secs: 180,
        metrics_token: None,
        api_rate_per_minute: 1_000_000,
        proposal_currency: "USD".into(),
        llm_base_url: None,
        llm_api_key: None,
        llm_model: "none".into(),
        llm_timeout_secs: 20,
        llm_price_prompt_per_1k: 0.0,
        llm_price_completion_per_1k: 0.0,
        crawl_allow: String::new(),
        crawl_max_pages: 500,
        crawl_max_depth: 10,
        crawl_time_budget_secs: 600,
        crawl_concurrency: 8,
        crawl_delay_ms: 0,
        crawl_root_certs: None,
        smtp_url: None,
        mail_from: "reports@agency.test".into(),
        outbox_dir: std::env::temp_dir().join("aiseo-bench-outbox"),
    }
}

/// The value at percentile `p` (0-100) of sorted samples, in milliseconds.
fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn summary(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().map(Duration::as_secs_f64).sum::<f64>() / samples.len().max(1) as f64 * 1000.0;
    println!(
        "{label}: n={} p50={:.2} ms p90={:.2} ms p99={:.2} ms max={:.2} ms mean={:.2} ms",
        samples.len(),
        pct(&samples, 50.0),
        pct(&samples, 90.0),
        pct(&samples, 99.0),
        pct(&samples, 100.0),
        mean
    );
}

/// One list call over HTTP: Ok(total) or Err(description).
async fn list(http: &reqwest::Client, url: &str, query: &str) -> Result<i64, String> {
    let res = http
        .post(url)
        .header("accept", "application/json")
        .form(&[("query", query)])
        .send()
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = res.status();
    let body = res.bytes().await.map_err(|e| format!("body: {e}"))?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("json: {e}"))?;
    v["total"].as_i64().ok_or_else(|| "no total".to_string())
}

async fn run(db: &BenchDb) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(config(db, addr), listener, async move {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    let probe = reqwest::Client::new();
    let mut up = false;
    for _ in 0..400 {
        if probe.get(format!("{base}/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "server did not start");

    // The server ran the migrations and created the admin; now the demo agency.
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(DB_POOL).connect(&db.url).await.expect("pool");
    let started = Instant::now();
    let seeded = domain::demo::seed(&pool, CLIENTS, SEED).await.expect("seed");
    sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
    println!(
        "seeded {} clients and {} campaigns in {:.1} s (seed {SEED}); server at {base}, pool {DB_POOL}",
        seeded.clients,
        seeded.campaigns,
        started.elapsed().as_secs_f64()
    );

    let http = reqwest::Client::builder().cookie_store(true).build().expect("http client");
    let login = http
        .post(format!("{base}/api/login"))
        .header("accept", "application/json")
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("login");
    assert!(login.status().is_success(), "admin sign-in: {}", login.status());
    let url = format!("{base}/api/clients/list");

    for q in QUERIES {
        let total = list(&http, &url, q).await.expect("list");
        println!("  query {q:?}: {total} matching clients");
    }

    // 1. Sequential latency over HTTP.
    for i in 0..WARMUP {
        let _ = list(&http, &url, QUERIES[i % QUERIES.len()]).await;
    }
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    let mut errors = 0usize;
    let started = Instant::now();
    for i in 0..SEQUENTIAL {
        let t = Instant::now();
        let ok = list(&http, &url, QUERIES[i % QUERIES.len()]).await;
        samples.push(t.elapsed());
        if let Err(e) = ok {
            errors += 1;
            if errors <= 3 {
                eprintln!("error: {e}");
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    println!(
        "\n[1] sequential HTTP POST /api/clients/list ({} query shapes, {errors} errors, {:.0} req/s)",
        QUERIES.len(),
        SEQUENTIAL as f64 / wall
    );
    summary("    latency", samples);

    // 2. Throughput: CONCURRENCY callers sharing the admin session for THROUGHPUT_FOR.
    let http = Arc::new(http);
    let session = http.clone();
    let list_url = url.clone();
    let (ok, err, lat, elapsed) = throughput(move |i| {
        let (http, url) = (session.clone(), list_url.clone());
        async move { list(&http, &url, QUERIES[i % QUERIES.len()]).await }
    })
    .await;
    println!(
        "\n[2] throughput: {CONCURRENCY} concurrent callers for {:.1} s: {ok} ok, {err} errors, {:.0} requests/s",
        elapsed,
        (ok + err) as f64 / elapsed
    );
    summary("    latency under load", lat);

    // 3. The store's query alone, same shapes, same pool size.
    let parsed: Vec<ClientQuery> = QUERIES.iter().map(|q| ClientQuery::parse(q).expect("query")).collect();
    for i in 0..WARMUP {
        domain::store::clients::list(&pool, ClientScope::All, &parsed[i % parsed.len()]).await.expect("list");
    }
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let t = Instant::now();
        domain::store::clients::list(&pool, ClientScope::All, &parsed[i % parsed.len()]).await.expect("list");
        samples.push(t.elapsed());
    }
    println!("\n[3] domain::store::clients::list directly (count + page query, no HTTP)");
    summary("    latency", samples);

    // 4. The index the server function uses, same shapes.
    let index = domain::store::client_index::ClientIndex::new();
    for i in 0..WARMUP {
        index.list(&pool, ClientScope::All, &parsed[i % parsed.len()], None).await.expect("list");
    }
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let t = Instant::now();
        index.list(&pool, ClientScope::All, &parsed[i % parsed.len()], None).await.expect("list");
        samples.push(t.elapsed());
    }
    println!("\n[4] domain::store::client_index::ClientIndex::list directly (version read + in-memory filter)");
    summary("    latency", samples);

    // 5. The same list through the REST API with a personal token (no session), sequential then under load.
    let made = http
        .post(format!("{base}/api/tokens/create"))
        .header("accept", "application/json")
        .form(&[("input[name]", "bench"), ("input[expires_in_days]", "")])
        .send()
        .await
        .expect("token");
    let made: serde_json::Value = made.json().await.expect("token JSON");
    let token = Arc::new(made["secret"].as_str().expect("secret").to_string());
    let plain = Arc::new(reqwest::Client::new());
    let api_url = Arc::new(format!("{base}/api/v1/clients"));
    for i in 0..WARMUP {
        let _ = api_list(&plain, &api_url, &token, QUERIES[i % QUERIES.len()]).await;
    }
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    let mut errors = 0usize;
    let started = Instant::now();
    for i in 0..SEQUENTIAL {
        let t = Instant::now();
        if let Err(e) = api_list(&plain, &api_url, &token, QUERIES[i % QUERIES.len()]).await {
            errors += 1;
            if errors <= 3 {
                eprintln!("error: {e}");
            }
        }
        samples.push(t.elapsed());
    }
    println!(
        "\n[5] sequential HTTP GET /api/v1/clients with a token ({errors} errors, {:.0} req/s)",
        SEQUENTIAL as f64 / started.elapsed().as_secs_f64()
    );
    summary("    latency", samples);
    let (ok, err, lat, elapsed) = throughput(move |i| {
        let (http, url, token) = (plain.clone(), api_url.clone(), token.clone());
        async move { api_list(&http, &url, &token, QUERIES[i % QUERIES.len()]).await }
    })
    .await;
    println!(
        "\n[6] REST throughput: {CONCURRENCY} concurrent callers for {:.1} s: {ok} ok, {err} errors, {:.0} requests/s",
        elapsed,
        (ok + err) as f64 / elapsed
    );
    summary("    latency under load", lat);

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    pool.close().await;
}

/// One REST list call: Ok(total) or Err(description).
/// The list page's query as the API's: `per_page` is `limit` (25 when absent, the page's default), and a
/// page number has no cursor analogue, so the API reads the first slice of the same filter and sort.
fn api_query(query: &str) -> String {
    let mut parts: Vec<String> =
        query.split('&').filter(|p| !p.starts_with("page=")).map(|p| p.replacen("per_page=", "limit=", 1)).collect();
    if !parts.iter().any(|p| p.starts_with("limit=")) {
        parts.push("limit=25".into());
    }
    parts.join("&")
}

async fn api_list(http: &reqwest::Client, url: &str, token: &str, query: &str) -> Result<i64, String> {
    let res = http
        .get(format!("{url}?{}", api_query(query)))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = res.status();
    let body = res.bytes().await.map_err(|e| format!("body: {e}"))?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("json: {e}"))?;
    v["total"].as_i64().ok_or_else(|| "no total".to_string())
}

/// [`CONCURRENCY`] callers running `call(i)` for [`THROUGHPUT_FOR`]: successes, errors, latencies and the
/// seconds it took.
async fn throughput<F, Fut>(call: F) -> (usize, usize, Vec<Duration>, f64)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<i64, String>> + Send,
{
    let deadline = Instant::now() + THROUGHPUT_FOR;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..CONCURRENCY {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut err, mut lat) = (0usize, 0usize, Vec::new());
            let mut i = t;
            while Instant::now() < deadline {
                let s = Instant::now();
                match call(i).await {
                    Ok(_) => ok += 1,
                    Err(_) => err += 1,
                }
                lat.push(s.elapsed());
                i += 1;
            }
            (ok, err, lat)
        }));
    }
    let (mut ok, mut err, mut lat) = (0usize, 0usize, Vec::new());
    for task in tasks {
        let (o, e, l) = task.await.expect("task");
        ok += o;
        err += e;
        lat.extend(l);
    }
    (ok, err, lat, started.elapsed().as_secs_f64())
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that doesn't name this benchmark skips it.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.iter().any(|a| !"client_list".contains(a.as_str())) {
        return;
    }
    server::telemetry::init_logs("warn", "pretty");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let db = rt.block_on(BenchDb::create());
    println!("benchmark database {}", db.name);
    rt.block_on(run(&db));
    drop(rt);
    drop(db);
}
