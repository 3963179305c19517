//! The operations manager's comparison of two crawls, the one path the comparison page and the
//! `crawl_comparison` task both take: the rule that two crawls compare, the per-check movement computed in
//! Postgres, and the agent's run.

use sqlx::PgPool;

use crate::agents::technical_seo_operations_manager as ops;
use crate::model::crawl::Crawl;
use crate::model::Client;
use crate::store;
use crate::tasks::error::TaskError;
use crate::DomainError;

/// Compares `before` with `after` (found in the caller's scope); refuses, naming the field, unless they are
/// two different completed crawls of the same client.
pub async fn compare(pool: &PgPool, before: &Crawl, after: &Crawl) -> Result<ops::Output, DomainError> {
    ops::comparable(before, after).map_err(DomainError::Validation)?;
    let checks = store::crawls::compare(pool, before.id, after.id).await?;
    Ok(ops::run(&ops::Input::of(before, after, checks)))
}

/// The client's two latest completed site crawls, (earlier, later), which the task compares.
pub async fn latest_two(pool: &PgPool, c: &Client) -> Result<(Crawl, Crawl), TaskError> {
    store::crawls::last_two(pool, c.id).await?.ok_or_else(|| {
        TaskError::Input(format!(
            "{} has fewer than two completed audits; run a technical SEO audit first",
            c.company_name
        ))
    })
}
