//! The content strategy agent's input: the pages of the client's latest completed site crawl with their
//! text samples, and the competitors' pages from their latest crawls; the calendar starts today, one piece
//! a week.

use chrono::Utc;
use sqlx::PgPool;

use super::site_crawl;
use crate::agents::content_strategy as cs;
use crate::model::Client;
use crate::store;
use crate::tasks::error::TaskError;

pub async fn load(pool: &PgPool, c: &Client) -> Result<cs::ContentInput, TaskError> {
    let crawl = site_crawl(pool, c).await?;
    let (_, pages) = store::crawls::agent_view(pool, &crawl).await?;
    let mut competitor_pages = Vec::new();
    for k in store::crawls::latest_competitor_crawls(pool, c.id).await? {
        competitor_pages.extend(store::crawls::agent_view(pool, &k).await?.1);
    }
    Ok(cs::ContentInput { pages, competitor_pages, start_date: Utc::now().date_naive(), cadence: 1 })
}
