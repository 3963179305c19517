//! A whole audit without a database: crawl, probe images, run the checks, score. The `server audit` command
//! runs this; the technical SEO auditor task will run the same steps with pages streamed to Postgres.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use url::Url;

use super::checks::{self, Issue, Score, SiteFacts, Thresholds};
use super::crawler::{self, CrawlConfig, Summary};
use super::fetch::{self, FetchError};
use super::CrawledPage;
use crate::spreadsheet::text_cell;

/// Image URLs probed with HEAD for their size, at most.
pub const MAX_IMAGE_PROBES: usize = 1_000;

pub struct Report {
    pub summary: Summary,
    /// Pages as checked (visible text dropped once hashed: the checks don't read it).
    pub pages: Vec<CrawledPage>,
    pub issues: Vec<Issue>,
    pub score: Score,
}

pub async fn run(config: &CrawlConfig, cancel: Arc<AtomicBool>) -> Result<Report, FetchError> {
    let mut pages: Vec<CrawledPage> = Vec::new();
    let summary = crawler::crawl(config, cancel, |mut p| {
        if let Some(f) = p.facts.as_mut() {
            f.text = String::new();
        }
        pages.push(p);
    })
    .await?;
    let images: BTreeSet<String> = pages
        .iter()
        .filter_map(|p| p.facts.as_ref())
        .flat_map(|f| f.images.iter().map(|i| i.src.clone()))
        .filter(|src| Url::parse(src).is_ok_and(|u| crawler::is_internal(&config.start, &u)))
        .take(MAX_IMAGE_PROBES)
        .collect();
    let image_sizes = probe_images(config, images.into_iter().collect()).await?;
    let site = SiteFacts {
        start_url: crawler::normalise(&config.start).to_string(),
        robots_txt_found: summary.robots_txt_found,
        sitemap_found: summary.sitemap_found,
        image_sizes,
    };
    let issues = checks::run(&pages, &site, &Thresholds::default());
    let score = checks::score(&pages, &issues);
    Ok(Report { summary, pages, issues, score })
}

/// HEAD requests for image sizes, `concurrency` at a time.
async fn probe_images(config: &CrawlConfig, urls: Vec<String>) -> Result<Vec<(String, u16, Option<u64>)>, FetchError> {
    let policy = Arc::new(config.policy.clone());
    let client = fetch::client(policy.clone(), config.request_timeout.min(Duration::from_secs(10)))?;
    let mut out = Vec::new();
    let mut running = JoinSet::new();
    let mut queue = urls.into_iter();
    loop {
        while running.len() < config.concurrency.max(1) {
            let Some(src) = queue.next() else { break };
            let (client, policy) = (client.clone(), policy.clone());
            running.spawn(async move {
                let r = match Url::parse(&src) {
                    Ok(u) => fetch::fetch(&client, &policy, &u, 0, true).await.ok(),
                    Err(_) => None,
                };
                (src, r.map(|f| (f.status, (f.bytes > 0).then_some(f.bytes))))
            });
        }
        let Some(joined) = running.join_next().await else { break };
        if let Ok((src, Some((status, size)))) = joined {
            out.push((src, status, size));
        }
    }
    out.sort();
    Ok(out)
}

/// Issues as CSV: check, severity, category, URL, detail. Cells that a spreadsheet would run as a formula
/// get a leading `'`.
pub fn issues_csv(issues: &[Issue]) -> String {
    let mut out = String::from("check,severity,category,url,detail\r\n");
    for i in issues {
        let severity = serde_json::to_value(i.severity).ok().and_then(|v| v.as_str().map(str::to_string));
        let category = serde_json::to_value(i.category).ok().and_then(|v| v.as_str().map(str::to_string));
        let row = [
            text_cell(&i.check),
            severity.unwrap_or_default(),
            category.unwrap_or_default(),
            text_cell(&i.url),
            text_cell(&i.detail),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}
