//! The link building agent's input: the client's latest completed site crawl and the latest crawl of each
//! competitor, as pages and links.

use sqlx::PgPool;

use super::site_crawl;
use crate::agents::link_building as lb;
use crate::model::Client;
use crate::store;
use crate::tasks::error::TaskError;

pub async fn load(pool: &PgPool, c: &Client) -> Result<lb::LinkInput, TaskError> {
    let crawl = site_crawl(pool, c).await?;
    let (client, _) = store::crawls::agent_view(pool, &crawl).await?;
    let mut competitors = Vec::new();
    for k in store::crawls::latest_competitor_crawls(pool, c.id).await? {
        competitors.push(store::crawls::agent_view(pool, &k).await?.0);
    }
    Ok(lb::LinkInput { client, competitors })
}
