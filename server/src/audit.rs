//! `server audit URL`: the crawler and the checks from the command line, no web app and no database.

use domain::crawl::audit;
use domain::crawl::crawler::CrawlConfig;
use domain::crawl::fetch::AddressPolicy;
use domain::DomainError;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Options {
    pub url: String,
    pub max_pages: usize,
    pub max_depth: u32,
    pub time_budget: u64,
    pub concurrency: usize,
    pub allow_private: bool,
    pub format: String,
    pub out: Option<std::path::PathBuf>,
}

/// Loopback and private ranges `--allow-private` opens; link-local (cloud metadata) stays closed.
const PRIVATE: [&str; 6] = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

pub async fn run(o: Options) -> Result<(), DomainError> {
    let raw = o.url.trim();
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let start = url::Url::parse(&with_scheme).map_err(|e| DomainError::field("url", format!("not a URL: {e}")))?;
    if !matches!(o.format.as_str(), "json" | "csv") {
        return Err(DomainError::field("format", "json or csv"));
    }
    let mut config = CrawlConfig::new(start);
    config.max_pages = o.max_pages.max(1);
    config.max_depth = o.max_depth;
    config.time_budget = Duration::from_secs(o.time_budget.max(1));
    config.concurrency = o.concurrency.clamp(1, 64);
    if o.allow_private {
        config.policy = AddressPolicy::allowing(&PRIVATE).map_err(DomainError::Internal)?;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::Relaxed);
        }
    });
    let report = audit::run(&config, cancel).await.map_err(|e| DomainError::Rule(format!("crawl failed: {e}")))?;
    let secs = report.summary.elapsed.as_secs_f64().max(1e-9);
    let s = &report.score;
    let summary = format!(
        "pages: {} ({} failed to fetch) in {:.2} s = {:.0} pages/s{}\nhealth score: {:.1} ({} of {} HTML pages with errors)\nissues: {} errors, {} warnings, {} notices\ncategories: {}\n",
        report.summary.pages,
        report.summary.errors,
        secs,
        report.summary.pages as f64 / secs,
        match report.summary.stopped {
            Some(stop) => format!(" (stopped: {stop:?})"),
            None => String::new(),
        },
        s.health,
        s.pages_with_errors,
        s.html_pages,
        s.errors,
        s.warnings,
        s.notices,
        s.categories.iter().map(|(c, v)| format!("{c:?} {v:.1}")).collect::<Vec<_>>().join(", "),
    );
    let issues = match o.format.as_str() {
        "csv" => audit::issues_csv(&report.issues),
        _ => serde_json::to_string_pretty(&report.issues).map_err(|e| DomainError::Internal(e.to_string()))?,
    };
    match o.out {
        Some(path) => {
            std::fs::write(&path, issues)
                .map_err(|e| DomainError::field("out", format!("writing {}: {e}", path.display())))?;
            print!("{summary}");
        }
        None => {
            eprint!("{summary}");
            let _ = std::io::stdout().write_all(issues.as_bytes());
        }
    }
    Ok(())
}
