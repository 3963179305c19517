//! Loading the crawl-based agents' inputs from Postgres and running them: link building and content
//! strategy read the client's latest completed site crawl (and the latest competitor crawls, when the
//! competitive analysis has made some); the competitive analysis first crawls each competitor domain of the
//! client, bounded, then compares.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;

use super::audit::{self as audit_run, AuditError, CrawlSettings};
use crate::agents::{competitive_analysis as ca, content_strategy as cs, link_building as lb};
use crate::model::crawl::{Crawl, CrawlKind};
use crate::model::Client;
use crate::store;
use crate::DomainError;

/// Competitor domains crawled per analysis, at most.
pub const MAX_COMPETITORS: usize = 5;
/// Pages per competitor crawl, at most (and never more than the server's own crawl limit).
pub const COMPETITOR_PAGES: usize = 100;
/// Time budget per competitor crawl, at most.
pub const COMPETITOR_TIME: Duration = Duration::from_secs(120);
/// Top terms a site is compared by.
pub const COMPARED_TERMS: usize = 30;

/// Why a crawl-based agent could not run.
#[derive(Debug)]
pub enum AgentError {
    Input(String),
    Failed(String),
}

impl From<DomainError> for AgentError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => AgentError::Input("the client no longer exists".into()),
            other => AgentError::Failed(other.to_string()),
        }
    }
}

async fn site_crawl(pool: &PgPool, c: &Client) -> Result<Crawl, AgentError> {
    store::crawls::latest_site_crawl(pool, c.id).await?.ok_or_else(|| {
        AgentError::Input(format!("{} has no completed technical SEO audit yet; run one first", c.company_name))
    })
}

pub async fn link_building(pool: &PgPool, c: &Client) -> Result<lb::LinkOutput, AgentError> {
    let crawl = site_crawl(pool, c).await?;
    let (client, _) = store::crawls::agent_view(pool, &crawl).await?;
    let mut competitors = Vec::new();
    for k in store::crawls::latest_competitor_crawls(pool, c.id).await? {
        competitors.push(store::crawls::agent_view(pool, &k).await?.0);
    }
    let input = lb::LinkInput { client, competitors };
    tokio::task::spawn_blocking(move || lb::analyse(&input)).await.map_err(|e| AgentError::Failed(e.to_string()))
}

pub async fn content_strategy(pool: &PgPool, c: &Client) -> Result<cs::ContentOutput, AgentError> {
    let crawl = site_crawl(pool, c).await?;
    let (_, pages) = store::crawls::agent_view(pool, &crawl).await?;
    let mut competitor_pages = Vec::new();
    for k in store::crawls::latest_competitor_crawls(pool, c.id).await? {
        competitor_pages.extend(store::crawls::agent_view(pool, &k).await?.1);
    }
    let input = cs::ContentInput { pages, competitor_pages, start_date: Utc::now().date_naive(), cadence: 1 };
    tokio::task::spawn_blocking(move || cs::analyse(&input)).await.map_err(|e| AgentError::Failed(e.to_string()))
}

/// One site's summary for the comparison: scores from its crawl, averages over its pages, and its top terms
/// by the content strategy's TF-IDF.
async fn summary(pool: &PgPool, crawl: &Crawl) -> Result<ca::SiteSummary, AgentError> {
    let (words, ttfb, json_ld) = store::crawls::page_stats(pool, crawl.id).await?;
    let (site, pages) = store::crawls::agent_view(pool, crawl).await?;
    let input =
        cs::ContentInput { pages, competitor_pages: Vec::new(), start_date: Utc::now().date_naive(), cadence: 1 };
    let terms = tokio::task::spawn_blocking(move || cs::analyse(&input))
        .await
        .map_err(|e| AgentError::Failed(e.to_string()))?
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

/// Crawls each competitor domain (bounded by [`COMPETITOR_PAGES`] and [`COMPETITOR_TIME`]), then compares.
/// A competitor that can't be crawled (refused address, not a domain) is named in the output's missing
/// inputs; one that doesn't answer is compared with its empty crawl.
pub async fn competitive_analysis(
    pool: &PgPool,
    settings: &CrawlSettings,
    c: &Client,
    task_id: uuid::Uuid,
) -> Result<ca::CompetitiveOutput, AgentError> {
    let crawl = site_crawl(pool, c).await?;
    let client = summary(pool, &crawl).await?;
    let mut bounded = settings.clone();
    bounded.max_pages = bounded.max_pages.min(COMPETITOR_PAGES);
    bounded.time_budget = bounded.time_budget.min(COMPETITOR_TIME);
    let mut competitors = Vec::new();
    let mut skipped = Vec::new();
    for domain in c.competitor_domains.iter().take(MAX_COMPETITORS) {
        let start = match audit_run::start_url(domain) {
            Ok(u) => u,
            Err(AuditError::Input(m) | AuditError::Failed(m)) => {
                skipped.push(format!("competitor {domain}: {m}"));
                continue;
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        match audit_run::run(pool, &bounded, c.id, Some(task_id), CrawlKind::Competitor, start, cancel).await {
            Ok(result) => {
                let k = store::crawls::get(pool, crate::policy::ClientScope::All, result.crawl_id).await?;
                competitors.push(summary(pool, &k).await?);
            }
            Err(AuditError::Input(m)) => skipped.push(format!("competitor {domain}: {m}")),
            Err(AuditError::Failed(m)) => return Err(AgentError::Failed(m)),
        }
    }
    let mut out = ca::analyse(&ca::CompetitiveInput { client, competitors });
    if c.competitor_domains.len() > MAX_COMPETITORS {
        out.missing.push(format!(
            "only the first {MAX_COMPETITORS} of {} competitor domains were crawled",
            c.competitor_domains.len()
        ));
    }
    out.missing.extend(skipped);
    Ok(out)
}
