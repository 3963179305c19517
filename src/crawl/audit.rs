//! A whole audit, streamed: crawl, check each page as it arrives, hand a compact row per page and every
//! issue to the caller's [`AuditSink`] at once, probe images, then run the cross-page checks and score.
//! Nothing grows with the site but the [`Auditor`]'s compact facts (see `checks`), so the `server audit`
//! command and the technical SEO auditor task (which writes to Postgres) stay flat in memory.

use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

pub use super::checks::MAX_IMAGE_PROBES;
use super::checks::{self, Auditor, Issue, Scope, Score, SiteFacts, Thresholds};
use super::crawler::{self, CrawlConfig, Progress, Summary};
use super::fetch::{self, FetchError};
use super::CrawledPage;
use crate::spreadsheet::text_cell;

/// Pages waiting between the crawler and the checks: a slow sink slows the crawl instead of filling memory.
const PAGE_QUEUE: usize = 64;
/// Issues of the cross-page checks waiting for the sink.
const ISSUE_QUEUE: usize = 256;

/// One crawled URL as listed and exported: what a user scans in a page table, without the text, links and
/// images the checks read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageRow {
    pub url: String,
    pub final_url: String,
    /// 0 when the fetch failed (see `error`).
    pub status: u16,
    pub depth: u32,
    pub ttfb_ms: u32,
    pub bytes: u64,
    pub content_type: Option<String>,
    pub title: Option<String>,
    pub meta_description: Option<String>,
    pub h1_count: u32,
    pub word_count: u32,
    pub canonical: Option<String>,
    pub indexable: bool,
    pub in_sitemap: bool,
    pub internal_links: u32,
    pub external_links: u32,
    pub error: Option<String>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl PageRow {
    /// The row of a crawled page; links count as internal by `scope` (the site's host and port).
    pub fn new(page: &CrawledPage, scope: &Scope) -> PageRow {
        let facts = page.facts.as_ref();
        let internal = facts.map_or(0, |f| f.links.iter().filter(|l| scope.is_internal(&l.url)).count());
        let links = facts.map_or(0, |f| f.links.len());
        PageRow {
            url: page.url.clone(),
            final_url: page.final_url.clone(),
            status: page.status,
            depth: page.depth,
            ttfb_ms: page.ttfb_ms,
            bytes: page.bytes,
            content_type: page.content_type.clone(),
            title: facts.and_then(|f| f.title.clone()),
            meta_description: facts.and_then(|f| f.meta_description.clone()),
            h1_count: facts.map_or(0, |f| count(f.h1.len())),
            word_count: facts.map_or(0, |f| f.word_count),
            canonical: facts.and_then(|f| f.canonical.clone()),
            indexable: checks::is_indexable(page),
            in_sitemap: page.in_sitemap,
            internal_links: count(internal),
            external_links: count(links - internal),
            error: page.error.clone(),
        }
    }

    /// The header line of [`PageRow::csv_row`], with its CRLF.
    pub fn csv_header() -> &'static str {
        "url,final_url,status,depth,ttfb_ms,bytes,content_type,title,meta_description,h1_count,word_count,\
         canonical,indexable,in_sitemap,internal_links,external_links,error\r\n"
    }

    /// One CSV line with its CRLF; text cells formula-guarded and quoted, absent values empty.
    pub fn csv_row(&self) -> String {
        let text = |s: &Option<String>| s.as_deref().map(text_cell).unwrap_or_default();
        let row = [
            text_cell(&self.url),
            text_cell(&self.final_url),
            self.status.to_string(),
            self.depth.to_string(),
            self.ttfb_ms.to_string(),
            self.bytes.to_string(),
            text(&self.content_type),
            text(&self.title),
            text(&self.meta_description),
            self.h1_count.to_string(),
            self.word_count.to_string(),
            text(&self.canonical),
            self.indexable.to_string(),
            self.in_sitemap.to_string(),
            self.internal_links.to_string(),
            self.external_links.to_string(),
            text(&self.error),
        ];
        let mut line = row.join(",");
        line.push_str("\r\n");
        line
    }
}

/// Where an audit's results go as they are found. A sink error stops the crawl and ends the audit with
/// [`AuditError::Sink`].
pub trait AuditSink {
    type Error;
    /// A crawled page, with the crawl's counters as of this page.
    fn page(&mut self, row: PageRow, progress: Progress) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// An issue: page checks as each page arrives, the cross-page and site checks at the end.
    fn issue(&mut self, issue: Issue) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

#[derive(Debug)]
pub enum AuditError<E> {
    /// The crawl could not start (refused address, no HTTP client).
    Crawl(FetchError),
    Sink(E),
}

impl<E: std::fmt::Display> std::fmt::Display for AuditError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditError::Crawl(e) => write!(f, "crawl failed: {e}"),
            AuditError::Sink(e) => write!(f, "storing results failed: {e}"),
        }
    }
}

/// How the audit ended: the crawl's summary, the site facts the checks used, and the score over every issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub summary: Summary,
    pub site: SiteFacts,
    pub score: Score,
}

/// Crawls `config.start`, checks each page as it arrives and hands its row and issues to `sink`, probes
/// the internal images (at most [`MAX_IMAGE_PROBES`]) for size, then hands over the cross-page and site
/// issues and returns the score. Memory: the crawl's frontier, [`PAGE_QUEUE`] pages in flight and the
/// auditor's compact facts; never the pages or the issues.
pub async fn run<S: AuditSink>(
    config: &CrawlConfig,
    thresholds: Thresholds,
    cancel: Arc<AtomicBool>,
    sink: &mut S,
) -> Result<Outcome, AuditError<S::Error>> {
    let start_url = crawler::normalise(&config.start).to_string();
    let mut auditor = Auditor::new(&start_url, thresholds);
    let (tx, mut rx) = mpsc::channel::<(CrawledPage, Progress)>(PAGE_QUEUE);
    let crawling = crawler::crawl_to(config, cancel, tx);
    let checking = async {
        while let Some((page, progress)) = rx.recv().await {
            let issues = auditor.add_page(&page);
            let row = PageRow::new(&page, auditor.scope());
            drop(page);
            sink.page(row, progress).await?;
            for issue in issues {
                sink.issue(issue).await?;
            }
        }
        Ok(())
    };
    // The checks end first on a sink error: dropping the receiver stops the crawl.
    let (summary, checked) = tokio::join!(crawling, checking);
    checked.map_err(AuditError::Sink)?;
    let summary = summary.map_err(AuditError::Crawl)?;
    let image_sizes = probe_images(config, auditor.image_urls()).await.map_err(AuditError::Crawl)?;
    let site = SiteFacts {
        start_url,
        robots_txt_found: summary.robots_txt_found,
        sitemap_found: summary.sitemap_found,
        image_sizes,
    };
    // The cross-page checks are CPU work over the whole crawl: on the blocking pool, their issues coming
    // back through a bounded channel as they are found.
    let (issue_tx, mut issue_rx) = mpsc::channel::<Issue>(ISSUE_QUEUE);
    let finishing = {
        let site = site.clone();
        tokio::task::spawn_blocking(move || {
            auditor.finish(&site, |issue| {
                // A closed channel means the sink failed; the remaining issues have nowhere to go.
                let _ = issue_tx.blocking_send(issue);
            })
        })
    };
    while let Some(issue) = issue_rx.recv().await {
        sink.issue(issue).await.map_err(AuditError::Sink)?;
    }
    let score = finishing.await.map_err(|e| AuditError::Crawl(FetchError::Network(format!("checks failed: {e}"))))?;
    Ok(Outcome { summary, site, score })
}

/// HEAD requests for image sizes, `concurrency` at a time.
pub async fn probe_images(
    config: &CrawlConfig,
    urls: Vec<String>,
) -> Result<Vec<(String, u16, Option<u64>)>, FetchError> {
    let policy = Arc::new(config.policy.clone());
    let client = fetch::client_trusting(
        policy.clone(),
        config.request_timeout.min(Duration::from_secs(10)),
        &config.root_certificates,
    )?;
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

/// The header line of [`issue_csv_row`], with its CRLF.
pub fn issue_csv_header() -> &'static str {
    "check,severity,category,url,detail\r\n"
}

/// One issue as a CSV line with its CRLF: check, severity, category, URL, detail. Cells that a spreadsheet
/// would run as a formula get a leading `'`.
pub fn issue_csv_row(issue: &Issue) -> String {
    let name = |v: serde_json::Result<serde_json::Value>| {
        v.ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    };
    let row = [
        text_cell(&issue.check),
        name(serde_json::to_value(issue.severity)),
        name(serde_json::to_value(issue.category)),
        text_cell(&issue.url),
        text_cell(&issue.detail),
    ];
    let mut line = row.join(",");
    line.push_str("\r\n");
    line
}

/// Issues as one CSV text (header and rows).
pub fn issues_csv(issues: &[Issue]) -> String {
    let mut out = String::from(issue_csv_header());
    for issue in issues {
        out.push_str(&issue_csv_row(issue));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::{Link, PageFacts};

    #[test]
    fn page_row_counts_links_and_guards_csv_cells() {
        let page = CrawledPage {
            url: "https://example.com/a".into(),
            final_url: "https://example.com/a".into(),
            status: 200,
            facts: Some(PageFacts {
                title: Some("=HYPERLINK(\"x\")".into()),
                canonical: Some("https://example.com/a".into()),
                h1: vec!["A".into(), "B".into()],
                links: ["https://example.com/b", "https://www.example.com/c", "https://other.org/"]
                    .iter()
                    .map(|u| Link { url: u.to_string(), anchor: String::new(), nofollow: false })
                    .collect(),
                ..PageFacts::default()
            }),
            ..CrawledPage::default()
        };
        let row = PageRow::new(&page, &Scope::new("https://example.com/"));
        assert_eq!((row.internal_links, row.external_links, row.h1_count), (2, 1, 2));
        assert!(row.indexable);
        let line = row.csv_row();
        assert!(line.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{line}");
        assert_eq!(line.matches(',').count(), PageRow::csv_header().matches(',').count(), "{line}");
        assert!(line.ends_with("\r\n"));
    }

    #[test]
    fn issues_csv_is_the_header_and_one_row_per_issue() {
        let issue = Issue {
            check: "title_missing".into(),
            severity: checks::Severity::Error,
            category: checks::Category::OnPage,
            url: "https://example.com/a".into(),
            detail: "no <title>, at all".into(),
        };
        assert_eq!(
            issues_csv(std::slice::from_ref(&issue)),
            "check,severity,category,url,detail\r\ntitle_missing,error,on_page,https://example.com/a,\"no <title>, at all\"\r\n"
        );
    }
}
