//! The crawl: breadth-first from the start URL over the start host's internal links, plus the URLs its
//! sitemaps list; bounded by pages, depth and time; polite (robots.txt, a concurrency limit, a delay
//! between request starts, Retry-After on 429 and 503); cancellable. Each page goes to `sink` as soon as
//! it is fetched and parsed, so the caller decides what to keep.
//!
//! Pages leave through a bounded channel ([`crawl_to`]): a slow consumer (a database writer) slows the crawl
//! instead of letting pages pile up in memory. Markup is parsed inside each fetch's own task on the blocking
//! pool, so parsing runs on every core while the loop only schedules.
//!
//! Per host: the crawl stays on the start URL's host (and its `www.` twin), so `concurrency` and `delay`
//! are the per-host limits; a 429 or 503 with Retry-After holds every request start for that long (at most
//! 60 s).
//!
//! Depth: the start URL is 0 and a link adds one. URLs found only in a sitemap are queued after the link
//! frontier at depth 1 (one step from the start, which is where a sitemap is announced).

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use sha2::{Digest, Sha256};

use super::fetch::{self, AddressPolicy, FetchError, Robots};
use super::{page, CrawledPage};

#[derive(Debug, Clone)]
pub struct CrawlConfig {
    pub start: Url,
    pub max_pages: usize,
    pub max_depth: u32,
    pub time_budget: Duration,
    /// Requests in flight at once (one host).
    pub concurrency: usize,
    /// Least time between two request starts; robots.txt's Crawl-delay raises it.
    pub delay: Duration,
    pub request_timeout: Duration,
    pub policy: AddressPolicy,
    /// PEM certificates trusted besides the built-in web roots (a staging site behind a private CA).
    pub root_certificates: Vec<Vec<u8>>,
}

impl CrawlConfig {
    pub fn new(start: Url) -> CrawlConfig {
        CrawlConfig {
            start,
            max_pages: 500,
            max_depth: 10,
            time_budget: Duration::from_secs(600),
            concurrency: 8,
            delay: Duration::ZERO,
            request_timeout: Duration::from_secs(20),
            policy: AddressPolicy::default(),
            root_certificates: Vec::new(),
        }
    }
}

/// Why a crawl ended before its frontier was empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    MaxPages,
    TimeBudget,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub pages: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub robots_txt_found: bool,
    pub sitemap_found: bool,
    pub stopped: Option<Stop>,
}

/// The first 128 bits of a URL's SHA-256: what the crawl remembers of each URL it has queued or found in a
/// sitemap, 16 bytes instead of the URL. Two URLs share a fingerprint with probability about n²/2¹²⁹
/// (below 10⁻²⁶ for a million URLs).
fn fingerprint(url: &str) -> u128 {
    let digest = Sha256::digest(url.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(bytes)
}

/// Fragment removed; the form pages are compared and stored in.
pub fn normalise(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    u
}

/// Same host as the start, ignoring a leading `www.` on either side.
pub fn is_internal(start: &Url, url: &Url) -> bool {
    let strip = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_ascii_lowercase();
    match (start.host_str(), url.host_str()) {
        (Some(a), Some(b)) => strip(a) == strip(b) && matches!(url.scheme(), "http" | "https"),
        _ => false,
    }
}

/// Counters as of the page they travel with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Pages fetched (or failed) so far, this one included.
    pub done: usize,
    /// URLs waiting or in flight.
    pub queued: usize,
    /// Fetches that failed (network error, refused address, timeout).
    pub errors: usize,
}

/// Runs the crawl; `sink` receives every page in the order fetches finish.
pub async fn crawl(
    config: &CrawlConfig,
    cancel: Arc<AtomicBool>,
    mut sink: impl FnMut(CrawledPage),
) -> Result<Summary, FetchError> {
    let (tx, mut rx) = mpsc::channel(64);
    let crawling = crawl_to(config, cancel, tx);
    let draining = async {
        while let Some((page, _)) = rx.recv().await {
            sink(page);
        }
    };
    let (summary, ()) = tokio::join!(crawling, draining);
    summary
}

/// Runs the crawl, sending each page with the counters after it. When the receiver is gone the crawl stops
/// as cancelled.
pub async fn crawl_to(
    config: &CrawlConfig,
    cancel: Arc<AtomicBool>,
    tx: mpsc::Sender<(CrawledPage, Progress)>,
) -> Result<Summary, FetchError> {
    let started = Instant::now();
    let policy = Arc::new(config.policy.clone());
    let client = fetch::client_trusting(policy.clone(), config.request_timeout, &config.root_certificates)?;
    policy.check_url(&config.start)?;

    let robots_url = config.start.join("/robots.txt").map_err(|e| FetchError::Network(e.to_string()))?;
    let robots = match fetch::fetch(&client, &policy, &robots_url, 512 * 1024, false).await {
        Ok(f) => Robots::from_response(f.status, &f.body),
        Err(FetchError::Refused(m)) => return Err(FetchError::Refused(m)),
        Err(_) => Robots::from_response(404, b""),
    };
    let delay = robots.crawl_delay().map_or(config.delay, |d| d.max(config.delay));

    // Sitemaps: the ones robots.txt names, else /sitemap.xml; indexes followed up to 50 files.
    let mut sitemap_files: VecDeque<String> = robots.sitemaps.iter().cloned().collect();
    if sitemap_files.is_empty() {
        if let Ok(u) = config.start.join("/sitemap.xml") {
            sitemap_files.push_back(u.to_string());
        }
    }
    // Queued URLs are kept as text (a parsed `Url` is about twice the size) and parsed again at launch.
    let mut sitemap_pages: Vec<Box<str>> = Vec::new();
    let mut sitemap_found = false;
    let mut files_read = 0;
    while let Some(file) = sitemap_files.pop_front() {
        if files_read >= 50 || started.elapsed() > config.time_budget {
            break;
        }
        files_read += 1;
        let Ok(u) = Url::parse(&file) else { continue };
        if let Ok(f) = fetch::fetch(&client, &policy, &u, 50 * 1024 * 1024, false).await {
            if f.status == 200 {
                let s = fetch::parse_sitemap(&f.body);
                sitemap_found |= !s.pages.is_empty() || !s.sitemaps.is_empty();
                sitemap_files.extend(s.sitemaps);
                sitemap_pages
                    .extend(s.pages.iter().filter_map(|p| Url::parse(p).ok()).map(|u| normalise(&u).as_str().into()));
            }
        }
    }
    let in_sitemap: HashSet<u128> = sitemap_pages.iter().map(|u| fingerprint(u)).collect();

    let mut seen: HashSet<u128> = HashSet::new();
    let mut frontier: VecDeque<(Box<str>, u32)> = VecDeque::new();
    let start = normalise(&config.start);
    seen.insert(fingerprint(start.as_str()));
    frontier.push_back((start.as_str().into(), 0));
    let mut sitemap_queue: VecDeque<Box<str>> = sitemap_pages.into_iter().collect();

    type Fetch = Result<(fetch::Fetched, Option<super::PageFacts>), FetchError>;
    let mut running: JoinSet<(Url, u32, Fetch)> = JoinSet::new();
    let mut next_start = Instant::now();
    let mut pages = 0usize;
    let mut errors = 0usize;
    let mut launched = 0usize;
    let mut stopped = None;
    loop {
        if cancel.load(Ordering::Relaxed) {
            stopped = Some(Stop::Cancelled);
            break;
        }
        if started.elapsed() > config.time_budget {
            stopped = Some(Stop::TimeBudget);
            break;
        }
        // Launch while there is room, work and budget.
        while running.len() < config.concurrency.max(1) && launched < config.max_pages {
            let next =
                frontier.pop_front().and_then(|(u, depth)| Url::parse(&u).ok().map(|u| (u, depth))).or_else(|| {
                    while let Some(raw) = sitemap_queue.pop_front() {
                        let Ok(u) = Url::parse(&raw) else { continue };
                        if is_internal(&config.start, &u) && seen.insert(fingerprint(u.as_str())) {
                            return Some((u, 1));
                        }
                    }
                    None
                });
            let Some((url, depth)) = next else { break };
            if !robots.allows(url.as_str()) {
                continue;
            }
            let now = Instant::now();
            if next_start > now {
                tokio::time::sleep(next_start - now).await;
            }
            next_start = Instant::now() + delay;
            launched += 1;
            let (client, policy) = (client.clone(), policy.clone());
            let start = config.start.clone();
            running.spawn(async move {
                let r = fetch::fetch(&client, &policy, &url, page::BODY_CAP, false).await;
                let r = match r {
                    Ok(mut f)
                        if page::is_html(f.content_type.as_deref(), &f.body) && is_internal(&start, &f.final_url) =>
                    {
                        // Parsing is CPU work (up to 5 MB of markup): on the blocking pool, one per fetch.
                        let body = std::mem::take(&mut f.body);
                        let (content_type, base) = (f.content_type.clone(), f.final_url.clone());
                        let facts =
                            tokio::task::spawn_blocking(move || page::parse(&body, content_type.as_deref(), &base))
                                .await
                                .unwrap_or_default();
                        Ok((f, Some(facts)))
                    }
                    Ok(f) => Ok((f, None)),
                    Err(e) => Err(e),
                };
                (url, depth, r)
            });
        }
        let Some(joined) = running.join_next().await else {
            if launched >= config.max_pages && (!frontier.is_empty() || !sitemap_queue.is_empty()) {
                stopped = Some(Stop::MaxPages);
            }
            break;
        };
        let Ok((url, depth, result)) = joined else { continue };
        let mut record = CrawledPage {
            url: url.to_string(),
            final_url: url.to_string(),
            depth,
            in_sitemap: in_sitemap.contains(&fingerprint(url.as_str())),
            ..Default::default()
        };
        match result {
            Ok((f, facts)) => {
                if matches!(f.status, 429 | 503) {
                    if let Some(wait) = f.retry_after {
                        // Back off for the whole host; the page is recorded with the status it got.
                        next_start = next_start.max(Instant::now() + wait.min(Duration::from_secs(60)));
                    }
                }
                record.final_url = f.final_url.to_string();
                record.status = f.status;
                record.redirect_chain = f.chain.clone();
                record.ttfb_ms = u32::try_from(f.ttfb.as_millis()).unwrap_or(u32::MAX);
                record.bytes = f.bytes;
                record.content_type = f.content_type.clone();
                record.x_robots_tag = f.x_robots_tag.clone();
                record.hsts = f.hsts;
                record.csp = f.csp;
                if let Some(facts) = facts {
                    if depth < config.max_depth {
                        for link in &facts.links {
                            let Ok(u) = Url::parse(&link.url) else { continue };
                            if is_internal(&config.start, &u) && seen.insert(fingerprint(u.as_str())) {
                                frontier.push_back((u.as_str().into(), depth + 1));
                            }
                        }
                    }
                    record.facts = Some(facts);
                }
            }
            Err(e) => {
                errors += 1;
                record.error = Some(e.to_string());
            }
        }
        pages += 1;
        let progress = Progress { done: pages, queued: frontier.len() + sitemap_queue.len() + running.len(), errors };
        if tx.send((record, progress)).await.is_err() {
            stopped = Some(Stop::Cancelled);
            break;
        }
    }
    running.abort_all();
    Ok(Summary { pages, errors, elapsed: started.elapsed(), robots_txt_found: robots.found, sitemap_found, stopped })
}
