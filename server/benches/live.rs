//! Live stream benchmark against the release `server serve` binary, run as a process of its own on a
//! database of its own (1,000 demo clients), so its memory is measured alone:
//!   1. RSS of the idle server, then with `STREAMS` (default 10,000) `/events` streams open: the cost of a
//!      stream;
//!   2. fan-out: one event committed, the time until every open stream has received it (max and p50);
//!   3. commit-to-client latency of single events with one stream open (200 events one after another):
//!      p50, p99;
//!   4. with half the streams still held: a DB-backed read (`POST /api/clients/list`, 16 concurrent
//!      callers for 10 s): requests per second, p50 and p95.
//!
//! It prints the figures and asserts nothing about time. Run with `cargo bench -p server --bench live`
//! (`STREAMS=2000` for a quicker run). `H2C=1` opens the streams over HTTP/2 (prior knowledge, 100 streams a
//! connection), as a proxy that speaks HTTP/2 to the app (Caddy, Envoy, HAProxy) would carry them;
//! otherwise each stream has its own HTTP/1.1 connection, its first request (a proxy that opens a
//! connection per request). `KEPT_ALIVE=1` sends a `GET /ready` on each connection first, so the stream is
//! the second request of a kept-alive connection, as a browser that reuses one sends it. Either way the
//! stream leaves hyper with its connection (`server::connections`).
//! The client side needs a file descriptor per stream: keep `STREAMS` under `ulimit -n`.

mod support;

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::percentile;

use serde_json::json;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::{watch, Semaphore};

const EMAIL: &str = "bench@aiseo.test";
const PASSWORD: &str = "bench-password-123";
/// Streams per connection with `H2C=1` (the server allows 200 at once on one HTTP/2 connection).
const STREAMS_PER_H2_CONNECTION: usize = 100;

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Commits one event every admin stream receives, and returns when the commit returned.
async fn publish(pool: &PgPool, n: usize) -> Instant {
    let mut tx = pool.begin().await.expect("begin");
    domain::store::events::record(
        &mut tx,
        None,
        "bench.ping",
        domain::store::events::Target { kind: "bench", id: n.to_string(), client_id: None },
        json!({ "n": n }),
    )
    .await
    .expect("event");
    tx.commit().await.expect("commit");
    Instant::now()
}

/// Holds one stream open and reports the arrival of each `bench.ping` (its `n`) on `arrivals`.
async fn hold(
    http: reqwest::Client,
    url: String,
    cookie: String,
    ready: Arc<AtomicUsize>,
    arrivals: tokio::sync::mpsc::UnboundedSender<(usize, Instant)>,
    mut stop: watch::Receiver<bool>,
) {
    let Ok(mut res) = http.get(&url).header("cookie", &cookie).send().await else { return };
    if res.status() != 200 {
        return;
    }
    ready.fetch_add(1, Ordering::Relaxed);
    let mut buf = String::new();
    loop {
        let chunk = tokio::select! {
            _ = stop.changed() => return,
            c = res.chunk() => c,
        };
        let Ok(Some(chunk)) = chunk else { return };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if let Some(at) = block.find("\"bench.ping\"") {
                let rest = &block[at..];
                let n = rest
                    .find("\"n\":")
                    .and_then(|i| rest[i + 4..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
                if let Some(n) = n {
                    let _ = arrivals.send((n, Instant::now()));
                }
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let streams: usize = std::env::var("STREAMS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let h2c = std::env::var("H2C").is_ok_and(|v| v == "1");
    let kept_alive = std::env::var("KEPT_ALIVE").is_ok_and(|v| v == "1");
    let name = format!("aiseo_live_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(support::PG_ADMIN_URL).await.expect("connect to Postgres at 127.0.0.1:5432");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create database");
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let bin = env!("CARGO_BIN_EXE_server");
    let env = |c: &mut tokio::process::Command| {
        c.env("DATABASE_URL", &url)
            .env("ADMIN_EMAIL", EMAIL)
            .env("ADMIN_PASSWORD", PASSWORD)
            .env("REDIS_URL", "redis://127.0.0.1:6379")
            .env("REDIS_KEY_PREFIX", format!("aiseo-live-bench-{port}"))
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("APP_ENV", "development")
            .env("LOG_LEVEL", "error")
            .env("WORKER_CONCURRENCY", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let mut seed = tokio::process::Command::new(bin);
    env(&mut seed);
    seed.args(["seed", "--clients", "1000", "--seed", "42"]).status().await.expect("seed");
    let mut serve = tokio::process::Command::new(bin);
    env(&mut serve);
    let mut server = serve.arg("serve").kill_on_drop(true).spawn().expect("start the server");
    let pid = server.id().expect("pid");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().expect("client");
    for _ in 0..200 {
        if http.get(format!("{base}/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = http
        .post(format!("{base}/api/login"))
        .header("accept", "application/json")
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("aiseo_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_string();
    let pool = PgPool::connect(&url).await.expect("pool");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_mb(pid);

    // 1. Open the streams, at most 256 connecting at once.
    let h2_clients: Vec<reqwest::Client> = if h2c {
        (0..streams.div_ceil(STREAMS_PER_H2_CONNECTION))
            .map(|_| reqwest::Client::builder().http2_prior_knowledge().build().expect("client"))
            .collect()
    } else {
        Vec::new()
    };
    let ready = Arc::new(AtomicUsize::new(0));
    let (arrivals_tx, mut arrivals) = tokio::sync::mpsc::unbounded_channel();
    let mut stops = Vec::new();
    let gate = Arc::new(Semaphore::new(256));
    let opening = Instant::now();
    for i in 0..streams {
        let (stop_tx, stop_rx) = watch::channel(false);
        stops.push(stop_tx);
        let permit = gate.clone().acquire_owned().await.expect("permit");
        let http = if h2c {
            h2_clients[i / STREAMS_PER_H2_CONNECTION].clone()
        } else if kept_alive {
            reqwest::Client::builder().pool_max_idle_per_host(1).build().expect("client")
        } else {
            http.clone()
        };
        let (url, cookie, counter, tx) = (format!("{base}/events"), cookie.clone(), ready.clone(), arrivals_tx.clone());
        let before = ready.load(Ordering::Relaxed);
        let first = kept_alive.then(|| format!("{base}/ready"));
        tokio::spawn(async move {
            if let Some(first) = first {
                // Read whole, so the connection goes back to the client's pool for the stream.
                if let Ok(res) = http.get(first).send().await {
                    let _ = res.bytes().await;
                }
            }
            let r = counter.clone();
            let task = tokio::spawn(hold(http, url, cookie, counter, tx, stop_rx));
            // Release the gate once this stream answered (or gave up).
            for _ in 0..400 {
                if r.load(Ordering::Relaxed) > before || task.is_finished() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            drop(permit);
            let _ = task.await;
        });
        if i % 1000 == 999 {
            eprintln!("  {} streams opening, {} open", i + 1, ready.load(Ordering::Relaxed));
        }
    }
    while ready.load(Ordering::Relaxed) < streams && opening.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open = ready.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = rss_mb(pid);
    println!(
        "streams: {open} of {streams} open in {:.1} s ({})",
        opening.elapsed().as_secs_f64(),
        if h2c {
            format!("HTTP/2, {} connections", h2_clients.len())
        } else if kept_alive {
            "HTTP/1.1, each the second request of its connection".into()
        } else {
            "HTTP/1.1, each the first request of its connection".into()
        }
    );
    println!(
        "server RSS: idle {idle:.1} MB, with {open} streams {held:.1} MB: {:.1} MB above idle, {:.1} KB a stream",
        held - idle,
        (held - idle) * 1024.0 / open.max(1) as f64
    );

    // 2. Fan-out of one event to every stream.
    while arrivals.try_recv().is_ok() {}
    let committed = publish(&pool, 1).await;
    let mut times = Vec::with_capacity(open);
    let deadline = committed + Duration::from_secs(30);
    while times.len() < open {
        match tokio::time::timeout_at(deadline.into(), arrivals.recv()).await {
            Ok(Some((1, at))) => times.push(at.duration_since(committed).as_secs_f64() * 1000.0),
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "fan-out of one event: {} of {open} streams received it; all within {:.0} ms (p50 {:.0} ms, p99 {:.0} ms)",
        times.len(),
        times.last().copied().unwrap_or(f64::NAN),
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    // 4. Reads while half the streams are held.
    for stop in stops.drain(open / 2..) {
        let _ = stop.send(true);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut callers = Vec::new();
    for k in 0..16 {
        let (http, base, cookie, latencies) = (http.clone(), base.clone(), cookie.clone(), latencies.clone());
        callers.push(tokio::spawn(async move {
            let queries = ["industry=saas&sort=annual_revenue&dir=desc", "stage=won&sort=monthly_value", "q=stone", ""];
            let mut i = k;
            while started.elapsed() < Duration::from_secs(10) {
                let t = Instant::now();
                let ok = http
                    .post(format!("{base}/api/clients/list"))
                    .header("cookie", &cookie)
                    .header("accept", "application/json")
                    .form(&[("query", queries[i % queries.len()])])
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    latencies.lock().expect("lock").push(t.elapsed().as_secs_f64() * 1000.0);
                }
                i += 1;
            }
        }));
    }
    for c in callers {
        let _ = c.await;
    }
    let mut l = latencies.lock().expect("lock").clone();
    l.sort_by(f64::total_cmp);
    println!(
        "client list with {} streams held: {:.0} requests/s, p50 {:.1} ms, p95 {:.1} ms ({} requests, 16 callers)",
        open - open / 2,
        l.len() as f64 / started.elapsed().as_secs_f64(),
        percentile(&l, 0.5),
        percentile(&l, 0.95),
        l.len()
    );

    // 3. Commit-to-client latency with one stream.
    for stop in stops.drain(1..) {
        let _ = stop.send(true);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    while arrivals.try_recv().is_ok() {}
    let mut single = Vec::new();
    for n in 2..202 {
        let committed = publish(&pool, n).await;
        let deadline = committed + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline.into(), arrivals.recv()).await {
                Ok(Some((m, at))) if m == n => {
                    single.push(at.duration_since(committed).as_secs_f64() * 1000.0);
                    break;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
    }
    single.sort_by(f64::total_cmp);
    println!(
        "commit to client, one stream, {} events: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        single.len(),
        percentile(&single, 0.5),
        percentile(&single, 0.99),
        single.last().copied().unwrap_or(f64::NAN)
    );

    drop(stops);
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Every closed stream is gone from the server (the gauge the server keeps of open streams).
    let metrics = http.get(format!("{base}/metrics")).send().await;
    let open_after = match metrics {
        Ok(res) => res.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let gauge = open_after.lines().find(|l| l.starts_with("live_streams ")).unwrap_or("live_streams (not reported)");
    println!("after every client left: {gauge}, server RSS {:.1} MB", rss_mb(pid));
    let _ = server.kill().await;
    pool.close().await;
    let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
}
