//! A worker: claims ready tasks, runs each under a renewed lease, and writes its end.
//!
//! It wakes on `NOTIFY tasks_ready` (sent when a task is enqueued, when a task others wait for completes,
//! and when leases are recovered) and polls every `poll` as well, so a lost notification (Postgres
//! restarted, LISTEN connection dropped) delays work by at most one poll. Every `recover_every` it puts
//! back tasks whose worker died. On shutdown it stops claiming, gives running tasks `grace` to finish and
//! hands the rest back to the queue without counting the attempt.

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::queue::{self, Claimed, Lease, Written};
use super::runner::Runner;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in leases and events (host, process and a random suffix by default).
    pub id: String,
    /// Tasks run at once.
    pub concurrency: usize,
    /// How long a claim lasts without a heartbeat; a dead worker's tasks run again after this.
    pub lease: Duration,
    pub poll: Duration,
    pub recover_every: Duration,
    pub grace: Duration,
    /// A running task whose own work has not moved its progress mark for this long is failed (and retried
    /// like any failure), however well its heartbeat beats: see [`super::progress`].
    pub stall: Duration,
}

/// The default stall bound: well above the longest quiet stretch of healthy work (a crawl honouring a
/// 60 s Retry-After, plus a 20 s request timeout; an LLM call's three attempts of 20 s with backoff).
pub const STALL_DEFAULT: Duration = Duration::from_secs(180);
/// Report schedules a worker turns into deliveries per round (a round is `recover_every`).
const DUE_REPORTS_PER_ROUND: i64 = 200;
/// How often a worker folds the past days of the daily task counts (`store::tasks::fold_daily_counts`).
pub const FOLD_EVERY: Duration = Duration::from_secs(60);

impl WorkerConfig {
    pub fn new(concurrency: usize, lease: Duration) -> WorkerConfig {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        WorkerConfig {
            id: format!("{host}-{}-{}", std::process::id(), &suffix[..8]),
            concurrency: concurrency.max(1),
            lease: lease.max(Duration::from_secs(1)),
            poll: Duration::from_millis(500),
            recover_every: Duration::from_secs(1),
            grace: Duration::from_secs(10),
            stall: STALL_DEFAULT,
        }
    }

    /// The heartbeat interval: a third of the lease (so two beats may fail before it lapses), and at most
    /// one second, which is how quickly a running task notices a cancel.
    pub fn beat(&self) -> Duration {
        (self.lease / 3).min(Duration::from_secs(1))
    }
}

/// Runs a worker until `shutdown` resolves.
pub async fn run(pool: PgPool, runner: Arc<Runner>, config: WorkerConfig, shutdown: impl Future<Output = ()>) {
    let wake = Arc::new(Notify::new());
    let listener = tokio::spawn(listen(pool.clone(), wake.clone(), config.poll));
    let config = Arc::new(config);
    tracing::info!(worker = %config.id, concurrency = config.concurrency, "worker started");
    let mut running: JoinSet<()> = JoinSet::new();
    let mut last_recover: Option<Instant> = None;
    let mut last_fold: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        while running.try_join_next().is_some() {}
        if last_recover.is_none_or(|t| t.elapsed() >= config.recover_every) {
            last_recover = Some(Instant::now());
            match queue::recover_expired(&pool).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(recovered = n, "tasks of a lost worker put back on the queue"),
                Err(e) => tracing::debug!(error = %e, "recovering expired leases failed"),
            }
            match super::audit::run_due_schedules(&pool).await {
                Ok(q) if q.is_empty() => {}
                Ok(q) => tracing::info!(queued = q.len(), "scheduled audits queued"),
                Err(e) => tracing::debug!(error = %e, "queueing scheduled audits failed"),
            }
            match crate::store::deliveries::queue_due(&pool, DUE_REPORTS_PER_ROUND).await {
                Ok(q) if q.is_empty() => {}
                Ok(q) => tracing::info!(queued = q.len(), "scheduled report emails queued"),
                Err(e) => tracing::debug!(error = %e, "queueing scheduled report emails failed"),
            }
        }
        if last_fold.is_none_or(|t| t.elapsed() >= FOLD_EVERY) {
            last_fold = Some(Instant::now());
            if let Err(e) = crate::store::tasks::fold_daily_counts(&pool).await {
                tracing::debug!(error = %e, "folding the daily task counts failed");
            }
        }
        let free = config.concurrency.saturating_sub(running.len());
        if free > 0 {
            match queue::claim(&pool, &config.id, config.lease, free as i64).await {
                Ok(tasks) => {
                    let full = tasks.len() == free;
                    for task in tasks {
                        let span =
                            tracing::info_span!("task", id = %task.id, kind = %task.raw_type, attempt = task.attempts);
                        running.spawn(execute(pool.clone(), runner.clone(), config.clone(), task).instrument(span));
                    }
                    if full {
                        // More may be ready: go round again as soon as a slot frees.
                        tokio::select! {
                            _ = &mut shutdown => break,
                            _ = running.join_next() => {},
                        }
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming tasks failed; retrying after the poll interval"),
            }
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = wake.notified(), if running.len() < config.concurrency => {},
            Some(_) = running.join_next(), if !running.is_empty() => {},
            _ = tokio::time::sleep(config.poll) => {},
        }
    }
    listener.abort();
    tracing::info!(worker = %config.id, running = running.len(), "worker stopping");
    let drained = tokio::time::timeout(config.grace, async { while running.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        running.abort_all();
        match queue::release(&pool, &config.id).await {
            Ok(n) => tracing::info!(released = n, "unfinished tasks handed back to the queue"),
            Err(e) => tracing::warn!(error = %e, "handing tasks back failed; their leases will expire"),
        }
    }
}

/// Forwards `NOTIFY tasks_ready` to `wake`, reconnecting after errors.
async fn listen(pool: PgPool, wake: Arc<Notify>, retry: Duration) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "LISTEN connection failed; polling meanwhile");
                tokio::time::sleep(retry * 4).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(crate::store::tasks::CHANNEL).await {
            tracing::debug!(error = %e, "LISTEN failed; polling meanwhile");
            tokio::time::sleep(retry * 4).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                // The connection dropped (notifications may have been missed): wake once and reconnect.
                Ok(None) | Err(_) => {
                    wake.notify_one();
                    break;
                }
            }
        }
    }
}

enum Stop {
    Cancel,
    Lost,
    /// No progress for this long.
    Stalled(Duration),
}

/// Ends the crawls a task's dropped run left running (they keep what they stored); a failure is only logged:
/// the task's next attempt ends them before it crawls again.
async fn end_crawls(pool: &PgPool, task: &Claimed, status: crate::model::crawl::CrawlStatus, why: &str) {
    if let Err(e) = crate::store::crawls::end_for_task(pool, task.id, status, why).await {
        tracing::warn!(task = %task.id, error = %e, "ending a stopped task's crawl failed");
    }
}

/// Runs one claimed task to its end.
async fn execute(pool: PgPool, runner: Arc<Runner>, config: Arc<WorkerConfig>, task: Claimed) {
    let started = Instant::now();
    let agent = task.task_type.map(|t| t.agent().as_str()).unwrap_or("unknown");
    let mark = super::progress::Mark::new();
    let heartbeat = async {
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + config.beat(), config.beat());
        loop {
            beat.tick().await;
            let idle = mark.idle();
            if idle >= config.stall {
                return Stop::Stalled(idle);
            }
            match queue::heartbeat(&pool, task.id, &config.id, config.lease, idle).await {
                Ok(Lease::Held { cancel_requested: false }) => {}
                Ok(Lease::Held { cancel_requested: true }) => return Stop::Cancel,
                Ok(Lease::Lost) => return Stop::Lost,
                Err(e) => tracing::warn!(task = %task.id, error = %e, "lease renewal failed"),
            }
        }
    };
    let result = tokio::select! {
        r = super::progress::scope(mark.clone(), runner.run(&task)) => Ok(r),
        stop = heartbeat => Err(stop),
    };
    let status = match &result {
        Ok(Ok(_)) => "completed",
        Ok(Err(_)) => "failed",
        Err(Stop::Cancel) => "cancelled",
        Err(Stop::Lost) => "lost",
        Err(Stop::Stalled(_)) => "stalled",
    };
    let written = match result {
        Ok(Ok(outcome)) => {
            queue::complete(
                &pool,
                &task,
                &config.id,
                &outcome.output,
                outcome.usage,
                &outcome.follow_ups,
                &outcome.events,
            )
            .await
        }
        Ok(Err(failure)) => {
            let (message, kind) = (failure.to_string(), failure.kind());
            tracing::info!(task = %task.id, error = %message, kind = kind.as_str(), "task attempt failed");
            queue::fail(&pool, &task, &config.id, &message, kind).await
        }
        Err(Stop::Cancel) => {
            // Dropping the run stopped its crawl mid-way; the crawl keeps what it stored.
            end_crawls(&pool, &task, crate::model::crawl::CrawlStatus::Cancelled, "cancelled while crawling").await;
            queue::cancelled(&pool, &task, &config.id)
                .await
                .map(|done| if done { Written::Cancelled } else { Written::Lost })
        }
        Err(Stop::Lost) => Ok(Written::Lost),
        Err(Stop::Stalled(idle)) => {
            // The run was dropped where it waited; its crawl keeps what it stored and is marked failed.
            let message = format!("the task made no progress for {} s and was stopped; it runs again", idle.as_secs());
            tracing::warn!(task = %task.id, idle_secs = idle.as_secs(), "task stalled");
            metrics::counter!("tasks_stalled_total", "agent" => agent).increment(1);
            end_crawls(&pool, &task, crate::model::crawl::CrawlStatus::Failed, "stopped: no progress").await;
            queue::fail(&pool, &task, &config.id, &message, queue::FailureKind::Agent).await
        }
    };
    let outcome = match &written {
        Ok(Written::Done) => status,
        Ok(Written::Cancelled) => "cancelled",
        Ok(Written::Lost) => "lost",
        Err(_) => "write_failed",
    };
    if let Err(e) = &written {
        // Nothing was stored: the lease expires and the task runs again.
        tracing::warn!(task = %task.id, error = %e, "writing a task's result failed");
    }
    metrics::counter!("tasks_finished_total", "agent" => agent, "outcome" => outcome).increment(1);
    metrics::histogram!("task_duration_seconds", "agent" => agent).record(started.elapsed().as_secs_f64());
}
