//! One input loader per agent: each reads from Postgres what its agent needs and builds the agent's
//! `Input` for the runner (the pure builders from a client or a crawl sit with the agents, e.g.
//! `lead_qualification::Input::of`). The business development director needs nothing beyond the client,
//! and the technical SEO auditor crawls (`tasks::audit`), so neither has a loader here.
//!
//! The crawl-based agents (link building, content strategy, competitive analysis) read the client's latest
//! completed site crawl, and the latest competitor crawls when the competitive analysis has made some.

pub mod chief_seo_strategist;
pub mod client_success_manager;
pub mod competitive_analysis;
pub mod content_strategy;
pub mod lead_qualification;
pub mod link_building;
pub mod proposal_generation;
pub mod reporting;
pub mod sales_conversation;
pub mod sales_operations_manager;
pub mod task_coordinator;
pub mod technical_seo_operations_manager;

use sqlx::PgPool;

use super::error::TaskError;
use crate::model::crawl::Crawl;
use crate::model::Client;
use crate::store;

/// The client's latest completed site crawl, which the crawl-based agents read.
async fn site_crawl(pool: &PgPool, c: &Client) -> Result<Crawl, TaskError> {
    store::crawls::latest_site_crawl(pool, c.id).await?.ok_or_else(|| {
        TaskError::Input(format!("{} has no completed technical SEO audit yet; run one first", c.company_name))
    })
}

/// Runs CPU-heavy agent work (text analysis over thousands of pages) off the async workers.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, TaskError> {
    Ok(tokio::task::spawn_blocking(work).await?)
}
