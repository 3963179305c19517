//! `server audit URL`: the one audit pipeline (`crawl::audit::run`) from the command line, no web app and no
//! database. Issues (and with `--pages`, page rows) are written as they are found, in the format of the web
//! app's crawl exports, and nothing per page is kept beyond the auditor's compact facts, so a 100,000-page
//! site audits in flat memory.

use crate::export::csv_line;
use domain::crawl::audit::{self, AuditSink, AuditedPage, PipelineError};
use domain::crawl::checks::{Issue, Thresholds};
use domain::crawl::crawler::{CrawlConfig, Progress};
use domain::crawl::fetch::AddressPolicy;
use domain::model::crawl::{IssueRow, PageRow};
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
    /// Also write every page row here, in the same format.
    pub pages: Option<std::path::PathBuf>,
}

/// Loopback and private ranges `--allow-private` opens; link-local (cloud metadata) stays closed.
const PRIVATE: [&str; 6] = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

pub async fn run(o: Options) -> Result<(), DomainError> {
    let start = audit::start_url(&o.url).map_err(|e| DomainError::field("url", e))?;
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
    let csv = o.format == "csv";
    let issues = RowWriter::new(writer, csv, IssueRow::COLUMNS).map_err(|e| write_failed(&o.out, e))?;
    let pages = match &o.pages {
        Some(path) => {
            let failed = |e: std::io::Error| DomainError::field("pages", format!("writing {}: {e}", path.display()));
            let file = std::fs::File::create(path).map_err(failed)?;
            Some(RowWriter::new(Box::new(file), csv, PageRow::COLUMNS).map_err(failed)?)
        }
        None => None,
    };
    let mut sink = FileSink { issues, pages };
    let outcome = audit::run(&config, Thresholds::default(), cancel, &mut sink).await;
    if !matches!(outcome, Err(PipelineError::Sink(_))) {
        // The files are whole (closed JSON arrays) even when the audit stopped early.
        sink.end().map_err(|e| write_failed(&o.out, e))?;
    }
    let outcome = outcome.map_err(|e| match e {
        PipelineError::Crawl(e) => DomainError::Rule(format!("crawl failed: {e}")),
        PipelineError::Cancelled(s) => DomainError::Rule(format!(
            "interrupted after {} pages: the issues found so far are written; no score",
            s.pages
        )),
        PipelineError::Sink(e) => write_failed(&o.out, e),
    })?;
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

/// Rows written as they come, in the format of the web app's exports (`/export/crawls/:id/...`): CSV
/// records with the same header and formula guard, or the elements of one JSON array, one row per line
/// (the array is complete once the audit ends).
struct RowWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    csv: bool,
    written: u64,
}

impl RowWriter {
    fn new(out: Box<dyn Write + Send>, csv: bool, columns: &[&str]) -> std::io::Result<RowWriter> {
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        if csv {
            out.write_all(&csv_line(&columns.iter().map(|c| c.to_string()).collect::<Vec<_>>()))?;
        } else {
            out.write_all(b"[")?;
        }
        Ok(RowWriter { out, csv, written: 0 })
    }

    fn row<T: serde::Serialize>(&mut self, row: &T, fields: impl FnOnce(&T) -> Vec<String>) -> std::io::Result<()> {
        if self.csv {
            self.out.write_all(&csv_line(&fields(row)))?;
        } else {
            self.out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut self.out, row)?;
        }
        self.written += 1;
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        if !self.csv {
            self.out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}

/// The command's sink: every issue, and with `--pages` every page row, written as found.
struct FileSink {
    issues: RowWriter,
    pages: Option<RowWriter>,
}

impl FileSink {
    fn end(&mut self) -> std::io::Result<()> {
        self.issues.end()?;
        self.pages.as_mut().map_or(Ok(()), RowWriter::end)
    }
}

impl AuditSink for FileSink {
    type Error = std::io::Error;

    async fn page(&mut self, page: AuditedPage, _progress: Progress) -> std::io::Result<()> {
        match &mut self.pages {
            Some(pages) => pages.row(&page.row, PageRow::fields),
            None => Ok(()),
        }
    }

    async fn issue(&mut self, issue: Issue) -> std::io::Result<()> {
        self.issues.row(&audit::issue_row(&issue), IssueRow::fields)
    }
}
