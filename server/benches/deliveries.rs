//! Scheduled report emails: `REPORTS` (default 300) clients whose monthly schedules are due at the same
//! minute, each with three audits and its demo campaigns, sent through a local SMTP server (aiosmtpd,
//! keeping what it receives in a maildir). A worker as the server runs it (`WORKERS` tasks at once, default
//! 4, the default WORKER_CONCURRENCY; PDFs written two at a time) turns the schedules into deliveries,
//! writes each report as a PDF and sends it. Prints the time until the SMTP server holds every email, the
//! rate, each delivery's queued-to-sent time (p50, p99) and the process's peak resident memory.
//!
//! It asserts nothing about time. Run with `cargo bench -p server --bench deliveries`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::mail::{MailSettings, Mailer};
use domain::tasks::delivery::DeliverySettings;
use domain::tasks::runner::Runner;
use domain::tasks::worker::{self, WorkerConfig};
use support::{percentile, BenchDb};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let reports = env_usize("REPORTS", 300);
    let workers = env_usize("WORKERS", 4);
    let db = BenchDb::create().await;
    let pool = domain::store::pool(&db.url, 10).expect("pool");
    domain::store::migrate(&pool).await.expect("migrate");
    domain::demo::seed(&pool, reports, 42).await.expect("seed");
    // Three audits a client (September and two in October) so every report has its chart and comparison.
    sqlx::query(
        "INSERT INTO crawls (id, client_id, kind, start_url, status, max_pages, max_depth, pages_done, health,
                             html_pages, error_count, warning_count, notice_count, started_at, finished_at)
         SELECT gen_random_uuid(), c.id, 'site', 'https://' || c.website || '/', 'completed', 100, 3, 40,
                55 + (abs(hashtext(c.id::text || d)) % 40), 40, 3, 5, 2, d::timestamptz, d::timestamptz
           FROM clients c, unnest(ARRAY['2026-09-15T10:00:00Z', '2026-10-05T10:00:00Z', '2026-10-25T10:00:00Z']) d",
    )
    .execute(&pool)
    .await
    .expect("audits");

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let maildir = std::env::temp_dir().join(format!("aiseo-bench-maildir-{}", uuid::Uuid::new_v4().simple()));
    let mut smtp = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd (scripts/setup.sh --test installs it)");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Every schedule due at the same minute.
    sqlx::query(
        "INSERT INTO report_schedules (client_id, cadence, day, hour, recipients, enabled, next_run_at)
         SELECT id, 'monthly', 1, 6, ARRAY['owner@client.example', 'seo@client.example'], true,
                '2026-11-01T06:00:00Z' FROM clients",
    )
    .execute(&pool)
    .await
    .expect("schedules");

    let mailer = Mailer::new(&MailSettings {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: "reports@agency.test".into(),
        outbox: std::env::temp_dir(),
    })
    .expect("mailer");
    let public_url = "https://console.example".to_string();
    let runner = Arc::new(Runner::new(pool.clone(), None, "USD").with_delivery(DeliverySettings {
        mailer,
        pdf: Arc::new(server::reports::PdfRenderer { base_url: public_url.clone() }),
        public_url,
    }));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let mut rx = stopped.clone();
    let worker = tokio::spawn(worker::run(
        pool.clone(),
        runner,
        WorkerConfig::new(workers, Duration::from_secs(30)),
        async move {
            let _ = rx.wait_for(|s| *s).await;
        },
    ));

    let count = |dir: &std::path::Path| std::fs::read_dir(dir.join("new")).map(|d| d.count()).unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(1800);
    while count(&maildir) < reports && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let received = count(&maildir);
    let _ = stop.send(true);
    let _ = worker.await;

    let rows: Vec<(f64, i32)> = sqlx::query_as(
        "SELECT extract(epoch FROM d.sent_at - d.created_at)::float8, d.bytes FROM report_deliveries d
          WHERE d.sent_at IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("deliveries");
    let waits: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let mean_kb = rows.iter().map(|r| f64::from(r.1)).sum::<f64>() / rows.len().max(1) as f64 / 1024.0;
    let failed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tasks WHERE task_type = 'report_delivery' AND status = 'failed'")
            .fetch_one(&pool)
            .await
            .expect("failed");
    println!(
        "{reports} scheduled reports due at the same minute, worker concurrency {workers}, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("  received by the SMTP server: {received} of {reports} ({failed} failed) in {elapsed:.1} s");
    println!(
        "  rate: {:.1} reports/s; {:.0} ms a report",
        received as f64 / elapsed,
        elapsed * 1000.0 / received.max(1) as f64
    );
    println!(
        "  queued to sent: p50 {:.1} s, p99 {:.1} s, max {:.1} s; mean email {mean_kb:.0} KB",
        percentile(&waits, 0.5),
        percentile(&waits, 0.99),
        percentile(&waits, 1.0)
    );
    println!("  peak resident memory of the process: {:.0} MB", peak_rss_mb());
    let _ = smtp.kill();
    let _ = smtp.wait();
    let _ = std::fs::remove_dir_all(&maildir);
}
