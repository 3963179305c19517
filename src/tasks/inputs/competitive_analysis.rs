//! The competitive analysis's input: a summary of the client's latest completed site crawl and of a fresh,
//! bounded crawl of each competitor domain of the client (scores from the crawl, averages over its pages,
//! top terms by the content strategy's TF-IDF).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use super::{blocking, site_crawl};
use crate::agents::{competitive_analysis as ca, content_strategy as cs};
use crate::model::crawl::{Crawl, CrawlKind};
use crate::model::Client;
use crate::policy::ClientScope;
use crate::store;
use crate::tasks::audit::{self as audit_run, CrawlSettings};
use crate::tasks::error::TaskError;

/// Competitor domains crawled per analysis, at most.
pub const MAX_COMPETITORS: usize = 5;
/// Pages per competitor crawl, at most (and never more than the server's own crawl limit).
pub const COMPETITOR_PAGES: usize = 100;
/// Time budget per competitor crawl, at most.
pub const COMPETITOR_TIME: Duration = Duration::from_secs(120);
/// Top terms a site is compared by.
pub const COMPARED_TERMS: usize = 30;

/// One site's summary for the comparison: scores from its crawl, averages over its pages, and its top terms
/// by the content strategy's TF-IDF.
async fn summary(pool: &PgPool, crawl: &Crawl) -> Result<ca::SiteSummary, TaskError> {
    let (words, ttfb, json_ld) = store::crawls::page_stats(pool, crawl.id).await?;
    let (site, pages) = store::crawls::agent_view(pool, crawl).await?;
    let input =
        cs::ContentInput { pages, competitor_pages: Vec::new(), start_date: Utc::now().date_naive(), cadence: 1 };
    let terms = blocking(move || cs::analyse(&input))
        .await?
        .top_terms
        .into_iter()
        .take(COMPARED_TERMS)
        .map(|t| t.term)
        .collect();
    let n = |v: Option<i32>| u32::try_from(v.unwrap_or(0)).unwrap_or(0);
    Ok(ca::SiteSummary {
        domain: site.domain,
        health_score: crawl.health.unwrap_or(0.0),
        pages_crawled: n(crawl.html_pages),
        avg_words_per_page: words,
        median_ttfb_ms: ttfb,
        structured_data_coverage: json_ld,
        errors: n(crawl.error_count),
        warnings: n(crawl.warning_count),
        notices: n(crawl.notice_count),
        top_terms: terms,
    })
}

/// Crawls each competitor domain (bounded by [`COMPETITOR_PAGES`] and [`COMPETITOR_TIME`]) for task
/// `task_id` and returns the comparison's input with the inputs it misses: a competitor that can't be
/// crawled (refused address, not a domain) is named there; one that doesn't answer is compared with its
/// empty crawl.
pub async fn load(
    pool: &PgPool,
    settings: &CrawlSettings,
    c: &Client,
    task_id: Uuid,
) -> Result<(ca::CompetitiveInput, Vec<String>), TaskError> {
    let crawl = site_crawl(pool, c).await?;
    let client = summary(pool, &crawl).await?;
    let mut bounded = settings.clone();
    bounded.max_pages = bounded.max_pages.min(COMPETITOR_PAGES);
    bounded.time_budget = bounded.time_budget.min(COMPETITOR_TIME);
    let mut competitors = Vec::new();
    let mut missing = Vec::new();
    if c.competitor_domains.len() > MAX_COMPETITORS {
        missing.push(format!(
            "only the first {MAX_COMPETITORS} of {} competitor domains were crawled",
            c.competitor_domains.len()
        ));
    }
    for domain in c.competitor_domains.iter().take(MAX_COMPETITORS) {
        let start = match audit_run::start_url(domain) {
            Ok(u) => u,
            Err(e) => {
                missing.push(format!("competitor {domain}: {e}"));
                continue;
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        match audit_run::run(pool, &bounded, c.id, Some(task_id), CrawlKind::Competitor, start, cancel).await {
            Ok(result) => {
                let k = store::crawls::get(pool, ClientScope::All, result.crawl_id).await?;
                competitors.push(summary(pool, &k).await?);
            }
            Err(TaskError::Input(m)) => missing.push(format!("competitor {domain}: {m}")),
            Err(e) => return Err(e),
        }
    }
    Ok((ca::CompetitiveInput { client, competitors }, missing))
}
