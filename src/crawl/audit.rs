//! The one audit pipeline, streamed: crawl, check each page as it arrives, hand each page (its row, its
//! links, the page itself) and every issue to the caller's [`AuditSink`] at once, probe images, then run
//! the cross-page checks and score. The `server audit` command writes issues to a file through one sink and
//! the technical SEO auditor task writes Postgres through another (`tasks::audit`), so both see the same
//! rows, links and issues. Nothing grows with the site but the [`Auditor`]'s compact facts (see `checks`),
//! so both stay flat in memory.

use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

pub use super::checks::MAX_IMAGE_PROBES;
use super::checks::{self, Auditor, Issue, Scope, Score, SiteFacts, Thresholds};
use super::crawler::{self, CrawlConfig, Progress, Stop, Summary};
use super::fetch::{self, FetchError};
use super::CrawledPage;
use crate::model::crawl::{IssueRow, PageRow};

/// Pages waiting between the crawler and the checks: a slow sink slows the crawl instead of filling memory.
const PAGE_QUEUE: usize = 64;
/// Issues of the cross-page checks waiting for the sink.
const ISSUE_QUEUE: usize = 256;

/// Characters kept of a page's title and first H1, of its meta description, of a link's anchor text and of
/// an issue's detail: what every sink receives, so a file and the database hold the same text.
pub const TITLE_CHARS: usize = 1_000;
pub const DESCRIPTION_CHARS: usize = 2_000;
pub const ANCHOR_CHARS: usize = 300;
pub const DETAIL_CHARS: usize = 2_000;

/// The first `max` characters of `s`.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// The crawl start of a website as a client or a user gives it: a missing scheme means https; only http(s)
/// URLs with a host; the fragment removed. Every crawl starts from this URL, and the checks judge
/// "internal" against it.
pub fn start_url(website: &str) -> Result<Url, String> {
    let raw = website.trim();
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let url = Url::parse(&with_scheme).map_err(|e| format!("the website {raw} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("the website {raw} is not an http(s) address"));
    }
    Ok(crawler::normalise(&url))
}

/// A link of a crawled page as the sinks store and count it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PageLink {
    pub to_url: String,
    /// The anchor text, clipped to [`ANCHOR_CHARS`].
    pub anchor: String,
    pub nofollow: bool,
    /// On the crawled site: same host (ignoring `www.`) and port as the start ([`Scope::is_internal`]).
    pub internal: bool,
}

/// The links of a page, one per distinct (target URL, anchor text) pair in page order: a menu repeated in
/// a page's header and footer is one link, a second link to the same target with other words is another.
/// This is the one link rule: the stored links are these, and a page's internal and external link counts
/// are the number of these that are (not) [`PageLink::internal`].
pub fn page_links(page: &CrawledPage, scope: &Scope) -> Vec<PageLink> {
    let Some(facts) = page.facts.as_ref() else { return Vec::new() };
    let mut seen = std::collections::HashSet::new();
    facts
        .links
        .iter()
        .filter(|l| seen.insert((l.url.as_str(), l.anchor.as_str())))
        .map(|l| PageLink {
            to_url: l.url.clone(),
            anchor: clip(&l.anchor, ANCHOR_CHARS),
            nofollow: l.nofollow,
            internal: scope.is_internal(&l.url),
        })
        .collect()
}

fn int<T: TryInto<I>, I: Bounded>(n: T) -> I {
    n.try_into().unwrap_or(I::MAX)
}

/// The largest value of a column type, where a larger count is stored.
trait Bounded {
    const MAX: Self;
}
impl Bounded for i16 {
    const MAX: i16 = i16::MAX;
}
impl Bounded for i32 {
    const MAX: i32 = i32::MAX;
}
impl Bounded for i64 {
    const MAX: i64 = i64::MAX;
}

/// The row of page number `id` (crawl order, from 1) with its `links` (from [`page_links`]). Its issue
/// counts are zero: they are known once the cross-page checks have run (`store::crawls::finish` counts
/// them per URL).
pub fn page_row(id: i32, page: &CrawledPage, links: &[PageLink]) -> PageRow {
    let facts = page.facts.as_ref();
    let internal = links.iter().filter(|l| l.internal).count();
    PageRow {
        id,
        url: page.url.clone(),
        final_url: page.final_url.clone(),
        status: int(page.status),
        depth: int(page.depth),
        ttfb_ms: int(page.ttfb_ms),
        bytes: int(page.bytes),
        content_type: page.content_type.clone(),
        title: facts.and_then(|f| f.title.as_deref()).map(|t| clip(t, TITLE_CHARS)),
        meta_description: facts.and_then(|f| f.meta_description.as_deref()).map(|t| clip(t, DESCRIPTION_CHARS)),
        h1_count: facts.map_or(0, |f| int(f.h1.len())),
        word_count: facts.map_or(0, |f| int(f.word_count)),
        canonical: facts.and_then(|f| f.canonical.clone()),
        indexable: checks::is_indexable(page),
        in_sitemap: page.in_sitemap,
        internal_links: int(internal),
        external_links: int(links.len() - internal),
        errors: 0,
        warnings: 0,
        notices: 0,
        error: page.error.clone(),
    }
}

/// A crawled page as a sink receives it: its row and links (the one rule for both), and the page itself
/// for what else a sink keeps (the text sample, the content hash, the first H1).
#[derive(Debug, Clone)]
pub struct AuditedPage {
    pub row: PageRow,
    pub links: Vec<PageLink>,
    pub page: CrawledPage,
}

/// Where an audit's results go as they are found. A sink error stops the crawl and ends the audit with
/// [`PipelineError::Sink`].
pub trait AuditSink {
    type Error;
    /// A crawled page, with the crawl's counters as of this page.
    fn page(&mut self, page: AuditedPage, progress: Progress) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// An issue (its detail clipped to [`DETAIL_CHARS`]): page checks as each page arrives, the cross-page
    /// and site checks at the end.
    fn issue(&mut self, issue: Issue) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// Everything handed over so far must be kept: called once the crawl's pages are all in, and again
    /// after the last issue. Sinks that write at once need nothing here.
    fn flush(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        async { Ok(()) }
    }
}

#[derive(Debug)]
/// Why a run of the audit pipeline ended without a score.
pub enum PipelineError<E> {
    /// The crawl could not start (refused address, no HTTP client) or its checks stopped.
    Crawl(FetchError),
    /// The cancel flag was raised: the pages and page issues handed over so far stand, no cross-page
    /// checks ran and there is no score.
    Cancelled(Summary),
    Sink(E),
}

impl<E: std::fmt::Display> std::fmt::Display for PipelineError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::Crawl(e) => write!(f, "crawl failed: {e}"),
            PipelineError::Cancelled(s) => write!(f, "the crawl was cancelled after {} pages", s.pages),
            PipelineError::Sink(e) => write!(f, "storing results failed: {e}"),
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

fn bounded(mut issue: Issue) -> Issue {
    if issue.detail.chars().nth(DETAIL_CHARS).is_some() {
        issue.detail = clip(&issue.detail, DETAIL_CHARS);
    }
    issue
}

/// Crawls `config.start`, checks each page as it arrives and hands it (numbered from 1 in arrival order)
/// and its issues to `sink`, probes the internal images (at most [`MAX_IMAGE_PROBES`]) for size, then
/// hands over the cross-page and site issues and returns the score. A sink error raises `cancel`, so the
/// crawl's fetches stop at once. Memory: the crawl's frontier, [`PAGE_QUEUE`] pages in flight and the
/// auditor's compact facts; never the pages or the issues.
pub async fn run<S: AuditSink>(
    config: &CrawlConfig,
    thresholds: Thresholds,
    cancel: Arc<AtomicBool>,
    sink: &mut S,
) -> Result<Outcome, PipelineError<S::Error>> {
    let start_url = crawler::normalise(&config.start).to_string();
    let mut auditor = Auditor::new(&start_url, thresholds);
    let (tx, mut rx) = mpsc::channel::<(CrawledPage, Progress)>(PAGE_QUEUE);
    let crawling = crawler::crawl_to(config, cancel.clone(), tx);
    let checking = async {
        let mut n = 0i32;
        while let Some((page, progress)) = rx.recv().await {
            n = n.saturating_add(1);
            let outcome = if page.error.is_some() { "error" } else { "fetched" };
            metrics::counter!("crawl_pages_total", "outcome" => outcome).increment(1);
            let issues = auditor.add_page(&page);
            let links = page_links(&page, auditor.scope());
            let row = page_row(n, &page, &links);
            sink.page(AuditedPage { row, links, page }, progress).await?;
            for issue in issues {
                sink.issue(bounded(issue)).await?;
            }
        }
        sink.flush().await
    };
    // The checks end first on a sink error: raising the flag stops the crawl's fetches, and dropping the
    // receiver stops it at its next page.
    let checking = async {
        let checked = checking.await;
        if checked.is_err() {
            cancel.store(true, Ordering::SeqCst);
        }
        checked
    };
    let (summary, checked) = tokio::join!(crawling, checking);
    checked.map_err(PipelineError::Sink)?;
    let summary = summary.map_err(PipelineError::Crawl)?;
    if summary.stopped == Some(Stop::Cancelled) {
        return Err(PipelineError::Cancelled(summary));
    }
    let image_sizes = probe_images(config, auditor.image_urls()).await.map_err(PipelineError::Crawl)?;
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
        sink.issue(bounded(issue)).await.map_err(PipelineError::Sink)?;
    }
    sink.flush().await.map_err(PipelineError::Sink)?;
    let score =
        finishing.await.map_err(|e| PipelineError::Crawl(FetchError::Network(format!("checks failed: {e}"))))?;
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

/// The name a unit enum (a severity, a category) serialises to.
pub fn enum_name<T: Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// An issue as every sink keeps it: severity and category by their names.
pub fn issue_row(issue: &Issue) -> IssueRow {
    IssueRow {
        check: issue.check.clone(),
        severity: enum_name(issue.severity),
        category: enum_name(issue.category),
        url: issue.url.clone(),
        detail: issue.detail.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::{Link, PageFacts};

    #[test]
    fn links_count_once_per_target_and_anchor_and_rows_count_those() {
        let link = |u: &str, a: &str| Link { url: u.to_string(), anchor: a.to_string(), nofollow: false };
        let page = CrawledPage {
            url: "https://example.com/a".into(),
            final_url: "https://example.com/a".into(),
            status: 200,
            facts: Some(PageFacts {
                title: Some("t".repeat(TITLE_CHARS + 5)),
                canonical: Some("https://example.com/a".into()),
                h1: vec!["A".into(), "B".into()],
                links: vec![
                    link("https://example.com/b", "B"),
                    link("https://example.com/b", "B"),
                    link("https://example.com/b", "more about B"),
                    link("https://www.example.com/c", "C"),
                    link("https://other.org/", "x".repeat(ANCHOR_CHARS + 1).as_str()),
                ],
                ..PageFacts::default()
            }),
            ..CrawledPage::default()
        };
        let links = page_links(&page, &Scope::new("https://example.com/"));
        assert_eq!(links.len(), 4, "{links:?}");
        assert_eq!(links.iter().filter(|l| l.internal).count(), 3);
        assert_eq!(links[3].anchor.chars().count(), ANCHOR_CHARS);
        let row = page_row(7, &page, &links);
        assert_eq!((row.id, row.internal_links, row.external_links, row.h1_count), (7, 3, 1, 2));
        assert_eq!(row.title.as_ref().map(|t| t.chars().count()), Some(TITLE_CHARS));
        assert!(row.indexable);
    }

    #[test]
    fn start_url_adds_https_and_drops_the_fragment() {
        assert_eq!(start_url(" example.com/shop#top ").map(|u| u.to_string()), Ok("https://example.com/shop".into()));
        assert_eq!(start_url("http://example.com").map(|u| u.to_string()), Ok("http://example.com/".into()));
        assert!(start_url("ftp://example.com/").is_err());
        assert!(start_url("https://").is_err());
    }

    #[test]
    fn issue_rows_name_severity_and_category() {
        let issue = Issue {
            check: "title_missing".into(),
            severity: checks::Severity::Error,
            category: checks::Category::OnPage,
            url: "https://example.com/a".into(),
            detail: "no <title>, at all".into(),
        };
        let row = issue_row(&issue);
        assert_eq!((row.severity.as_str(), row.category.as_str()), ("error", "on_page"));
        assert_eq!(row.fields().len(), IssueRow::COLUMNS.len());
    }
}
