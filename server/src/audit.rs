//! `server audit URL`: the crawler and the checks from the command line, no web app and no database. Issues
//! are written as they are found and nothing per page is kept beyond the auditor's compact facts, so a
//! 100,000-page site audits in flat memory.

use domain::crawl::audit::{self, AuditError, AuditSink, PageRow};
use domain::crawl::checks::{Issue, Thresholds};
use domain::crawl::crawler::{CrawlConfig, Progress};
use domain::crawl::fetch::AddressPolicy;
use domain::DomainError;
use std::io::{BufWriter, Write};
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
        config.policy = AddressPolicy::allowing(&PRIVATE).map_err(|e| DomainError::Internal(e.into()))?;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, Ordering::Relaxed);
        }
    });
    let writer: Box<dyn Write + Send> = match &o.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| DomainError::field("out", format!("creating {}: {e}", path.display())))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let mut issues = IssueWriter::new(writer, o.format == "csv").map_err(|e| write_failed(&o.out, e))?;
    let outcome = audit::run(&config, Thresholds::default(), cancel, &mut issues).await.map_err(|e| match e {
        AuditError::Crawl(e) => DomainError::Rule(format!("crawl failed: {e}")),
        AuditError::Sink(e) => write_failed(&o.out, e),
    })?;
    issues.end().map_err(|e| write_failed(&o.out, e))?;
    let secs = outcome.summary.elapsed.as_secs_f64().max(1e-9);
    let s = &outcome.score;
    let summary = format!(
        "pages: {} ({} failed to fetch) in {:.2} s = {:.0} pages/s{}\nhealth score: {:.1} ({} of {} HTML pages with errors)\nissues: {} errors, {} warnings, {} notices\ncategories: {}\n",
        outcome.summary.pages,
        outcome.summary.errors,
        secs,
        outcome.summary.pages as f64 / secs,
        match outcome.summary.stopped {
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
    match o.out {
        Some(_) => print!("{summary}"),
        None => eprint!("{summary}"),
    }
    Ok(())
}

fn write_failed(out: &Option<std::path::PathBuf>, e: std::io::Error) -> DomainError {
    match out {
        Some(path) => DomainError::field("out", format!("writing {}: {e}", path.display())),
        None => DomainError::internal("writing the issues", e),
    }
}

/// Writes each issue as it is found: CSV rows, or the elements of one JSON array, one issue per line (the
/// array is complete once the audit ends). Pages are not written.
struct IssueWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    csv: bool,
    written: u64,
}

impl IssueWriter {
    fn new(out: Box<dyn Write + Send>, csv: bool) -> std::io::Result<IssueWriter> {
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        out.write_all(if csv { audit::issue_csv_header().as_bytes() } else { b"[" })?;
        Ok(IssueWriter { out, csv, written: 0 })
    }

    fn end(mut self) -> std::io::Result<()> {
        if !self.csv {
            self.out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

impl AuditSink for IssueWriter {
    type Error = std::io::Error;

    async fn page(&mut self, _row: PageRow, _progress: Progress) -> std::io::Result<()> {
        Ok(())
    }

    async fn issue(&mut self, issue: Issue) -> std::io::Result<()> {
        if self.csv {
            self.out.write_all(audit::issue_csv_row(&issue).as_bytes())?;
        } else {
            self.out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut self.out, &issue)?;
        }
        self.written += 1;
        Ok(())
    }
}
