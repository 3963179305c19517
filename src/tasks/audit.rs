//! The technical SEO auditor's run: the one audit pipeline (`crawl::audit::run`) with Postgres as its sink:
//! pages, links, text samples and issues written in batches while the crawl goes (the crawl waits when the
//! database is slower, so memory stays flat), the crawl row's counters kept current for the live progress,
//! then the scores stored.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use url::Url;
use uuid::Uuid;

use super::error::TaskError;
use crate::crawl::audit::{self as crawl_audit, AuditSink, AuditedPage, PipelineError};
use crate::crawl::checks::{Issue, Thresholds};
use crate::crawl::crawler::{CrawlConfig, Progress, Stop};
use crate::crawl::fetch::{AddressPolicy, FetchError};
use crate::model::crawl::{AuditResult, CrawlKind, CrawlStatus};
use crate::store::crawls::{self, Finished, IssueBatch, NewCrawl, PageBatch};
use crate::DomainError;

/// How crawls started by tasks are bounded and where they may go.
#[derive(Debug, Clone)]
pub struct CrawlSettings {
    pub policy: AddressPolicy,
    pub max_pages: usize,
    pub max_depth: u32,
    pub time_budget: Duration,
    pub concurrency: usize,
    pub delay: Duration,
    /// PEM certificates (bundles) trusted besides the built-in web roots.
    pub root_certificates: Vec<Vec<u8>>,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        CrawlSettings {
            policy: AddressPolicy::default(),
            max_pages: 500,
            max_depth: 10,
            time_budget: Duration::from_secs(600),
            concurrency: 8,
            delay: Duration::ZERO,
            root_certificates: Vec::new(),
        }
    }
}

/// Pages written per batch, and the longest a page waits to be written (the progress shown lags by at most
/// this much).
const BATCH_PAGES: usize = 100;
const BATCH_WAIT: Duration = Duration::from_millis(500);

/// The crawl start URL of a client's website ([`crawl_audit::start_url`], the one rule).
pub fn start_url(website: &str) -> Result<Url, TaskError> {
    crawl_audit::start_url(website).map_err(TaskError::Input)
}

/// Crawls `start` for `client_id` as crawl `kind`, storing everything under a new crawl row, and returns the
/// result. `cancel` stops the crawl at its next fetch.
pub async fn run(
    pool: &PgPool,
    settings: &CrawlSettings,
    client_id: Uuid,
    task_id: Option<Uuid>,
    kind: CrawlKind,
    start: Url,
    cancel: Arc<AtomicBool>,
) -> Result<AuditResult, TaskError> {
    let mut config = CrawlConfig::new(start.clone());
    config.max_pages = settings.max_pages.max(1);
    config.max_depth = settings.max_depth;
    config.time_budget = settings.time_budget;
    config.concurrency = settings.concurrency.max(1);
    config.delay = settings.delay;
    config.policy = settings.policy.clone();
    config.root_certificates = settings.root_certificates.clone();
    if let Some(task) = task_id {
        // A crawl an earlier attempt of this task left running (its end could not be written when the
        // database went away) is over: this attempt starts afresh. A task's crawls run one after another.
        crawls::end_for_task(pool, task, CrawlStatus::Failed, "interrupted; the task ran again").await?;
    }
    let crawl_id = crawls::create(
        pool,
        &NewCrawl {
            client_id,
            task_id,
            kind,
            start_url: start.as_str(),
            max_pages: i32::try_from(config.max_pages).unwrap_or(i32::MAX),
            max_depth: i32::try_from(config.max_depth).unwrap_or(i32::MAX),
        },
    )
    .await?;
    match crawl_and_store(pool, &config, crawl_id, cancel).await {
        Ok(r) => Ok(r),
        Err(e) => {
            let message = e.to_string();
            // The failure may be the database itself: try a few times over about 3 s, then leave it to the
            // task's next attempt, which ends it before crawling again.
            for wait_ms in [0u64, 500, 1_000, 2_000] {
                tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                match crawls::end(pool, crawl_id, CrawlStatus::Failed, Some(&message)).await {
                    Ok(()) => break,
                    Err(end) => tracing::warn!(crawl = %crawl_id, error = %end, "marking a failed crawl failed"),
                }
            }
            Err(e)
        }
    }
}

/// The audit pipeline's Postgres sink: pages, links, text samples and issues written in batches of
/// [`BATCH_PAGES`] pages (or every [`BATCH_WAIT`]), with the crawl row's live counters after each batch.
struct PgSink<'a> {
    pool: &'a PgPool,
    crawl_id: Uuid,
    pages: PageBatch,
    issues: IssueBatch,
    progress: Progress,
    last_flush: Instant,
}

/// Issues written per batch once the pages are in (the cross-page checks' issues).
const BATCH_ISSUES: usize = 1_000;

impl AuditSink for PgSink<'_> {
    type Error = DomainError;

    async fn page(&mut self, page: AuditedPage, progress: Progress) -> Result<(), DomainError> {
        self.pages.push(&page);
        self.progress = progress;
        if self.pages.len() >= BATCH_PAGES || self.last_flush.elapsed() >= BATCH_WAIT {
            self.flush().await?;
        }
        Ok(())
    }

    async fn issue(&mut self, issue: Issue) -> Result<(), DomainError> {
        self.issues.push(&issue);
        if self.issues.len() >= BATCH_ISSUES {
            self.issues.flush(self.pool, self.crawl_id).await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), DomainError> {
        self.pages.flush(self.pool, self.crawl_id).await?;
        self.issues.flush(self.pool, self.crawl_id).await?;
        crawls::progress(self.pool, self.crawl_id, self.progress).await?;
        super::progress::touch();
        self.last_flush = Instant::now();
        Ok(())
    }
}

async fn crawl_and_store(
    pool: &PgPool,
    config: &CrawlConfig,
    crawl_id: Uuid,
    cancel: Arc<AtomicBool>,
) -> Result<AuditResult, TaskError> {
    let started = Instant::now();
    let mut sink = PgSink {
        pool,
        crawl_id,
        pages: PageBatch::default(),
        issues: IssueBatch::default(),
        progress: Progress::default(),
        last_flush: Instant::now(),
    };
    let outcome = match crawl_audit::run(config, Thresholds::default(), cancel, &mut sink).await {
        Ok(outcome) => outcome,
        Err(PipelineError::Sink(e)) => {
            return Err(TaskError::failed("storing the crawl failed, so the crawl was stopped", e))
        }
        Err(PipelineError::Crawl(FetchError::Refused(m))) => {
            return Err(TaskError::Input(format!("the crawl was refused: {m}")))
        }
        Err(PipelineError::Crawl(e)) => return Err(TaskError::failed("the crawl failed", e)),
        Err(PipelineError::Cancelled(summary)) => {
            metrics::histogram!("crawl_duration_seconds").record(summary.elapsed.as_secs_f64());
            crawls::end(pool, crawl_id, CrawlStatus::Cancelled, None).await?;
            return Err(TaskError::Failed("the crawl was cancelled".into()));
        }
    };
    let (summary, score) = (outcome.summary, outcome.score);
    metrics::histogram!("crawl_duration_seconds").record(summary.elapsed.as_secs_f64());
    let stopped = summary.stopped.map(|s| match s {
        Stop::MaxPages => "max_pages",
        Stop::TimeBudget => "time_budget",
        Stop::Cancelled => "cancelled",
    });
    crawls::finish(
        pool,
        crawl_id,
        &Finished {
            pages: summary.pages,
            fetch_errors: summary.errors,
            stopped,
            robots_txt_found: summary.robots_txt_found,
            sitemap_found: summary.sitemap_found,
            score: &score,
        },
    )
    .await?;
    let crawl = crawls::get(pool, crate::policy::ClientScope::All, crawl_id).await?;
    let mut top_checks = crawls::check_counts(pool, crawl_id).await?;
    top_checks.truncate(10);
    let secs = started.elapsed().as_secs_f64();
    Ok(AuditResult {
        crawl_id,
        start_url: outcome.site.start_url,
        pages: u32::try_from(summary.pages).unwrap_or(u32::MAX),
        html_pages: score.html_pages,
        fetch_errors: u32::try_from(summary.errors).unwrap_or(u32::MAX),
        pages_per_second: if secs > 0.0 { crate::agents::round(summary.pages as f64 / secs, 1) } else { 0.0 },
        health: score.health,
        categories: crawl.categories.iter().map(|c| (c.label.clone(), c.score)).collect(),
        errors: u32::try_from(crawl.error_count.unwrap_or(0)).unwrap_or(0),
        warnings: u32::try_from(crawl.warning_count.unwrap_or(0)).unwrap_or(0),
        notices: u32::try_from(crawl.notice_count.unwrap_or(0)).unwrap_or(0),
        top_checks,
        stopped: stopped.map(str::to_string),
        robots_txt_found: summary.robots_txt_found,
        sitemap_found: summary.sitemap_found,
        finished_at: crawl.finished_at.unwrap_or_else(chrono::Utc::now),
    })
}

/// Schedules that are due: each gets its audit task queued and its next run moved one cadence on (from the
/// due time, or from now when more than one cadence was missed). Returns the tasks queued.
pub async fn run_due_schedules(pool: &PgPool) -> Result<Vec<Uuid>, DomainError> {
    use super::queue::{self, Insert};
    use crate::model::crawl::Cadence;
    use crate::model::task::{NewTask, Priority, TaskParams, TaskType};
    use chrono::{DateTime, Utc};
    let mut tx = pool.begin().await?;
    let due: Vec<(Uuid, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT client_id, cadence, next_run_at FROM audit_schedules WHERE next_run_at <= now()
          ORDER BY next_run_at LIMIT 50 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut queued = Vec::new();
    let now = Utc::now();
    for (client_id, cadence, due_at) in due {
        let cadence = Cadence::parse(&cadence).unwrap_or(Cadence::Weekly);
        let mut next = cadence.next_after(due_at);
        if next <= now {
            next = cadence.next_after(now);
        }
        let insert = Insert {
            id: Uuid::new_v4(),
            task: NewTask {
                task_type: TaskType::TechnicalSeoAudit,
                client_id: Some(client_id),
                campaign_id: None,
                priority: Priority::Normal,
                params: TaskParams::default(),
            },
            depends_on: Vec::new(),
        };
        queue::enqueue(&mut tx, None, &insert).await?;
        sqlx::query("UPDATE audit_schedules SET next_run_at = $2, last_task_id = $3 WHERE client_id = $1")
            .bind(client_id)
            .bind(next)
            .bind(insert.id)
            .execute(&mut *tx)
            .await?;
        queued.push(insert.id);
    }
    tx.commit().await?;
    Ok(queued)
}
