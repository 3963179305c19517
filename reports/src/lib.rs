//! Client reports as PDF documents.
//!
//! The report's data ([`domain::model::report::ClientReport`]) goes to a typst template (`report.typ`) as a
//! JSON file the template reads: every text from a client, a crawl or a user reaches the document as a
//! string value, never as markup or code, so nothing in it is interpreted (there is nothing to escape). The
//! health chart is drawn here as SVG (plotters) and the logo passed as its bytes. The fonts are compiled
//! into the binary (typst-assets) and the document carries no timestamp, so the same report gives the
//! same bytes on every machine.

mod chart;

use std::collections::HashMap;
use std::sync::LazyLock;

use domain::model::report::ClientReport;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The report's template.
const TEMPLATE: &str = include_str!("report.typ");

/// Why a report could not be written as a PDF.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the report's data could not be written for the template: {0}")]
    Data(String),
    #[error("the report's template failed: {0}")]
    Template(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// The logo to put on the cover: its bytes and media type (`image/png` or `image/jpeg`).
pub struct Logo<'a> {
    pub bytes: &'a [u8],
    pub media_type: &'a str,
}

/// The fonts every document uses, parsed once.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// The report as a PDF; `base_url` (the console's address) makes each section's source a link.
pub fn pdf(report: &ClientReport, logo: Option<Logo<'_>>, base_url: Option<&str>) -> Result<Vec<u8>, RenderError> {
    let document = document(report, logo, base_url)?;
    let options = typst_pdf::PdfOptions {
        // A stable identifier: the same report, the same document id.
        ident: Smart::Custom(format!("aiseo-report-{}-{}", report.client_id, report.period.slug())),
        creator: Smart::Custom(Some("AI SEO Architects".into())),
        timestamp: None,
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| RenderError::Pdf(messages(&e)));
    // typst memoizes layout across compilations; in a long-running server that cache would only grow.
    // Keep what the last two documents used (reports share their template and fonts) and drop the rest.
    typst::comemo::evict(2);
    pdf
}

/// The report laid out as pages (the PDF's content), for callers that count or inspect pages.
pub fn document(
    report: &ClientReport,
    logo: Option<Logo<'_>>,
    base_url: Option<&str>,
) -> Result<PagedDocument, RenderError> {
    let mut files = HashMap::new();
    let logo_path = logo.map(|l| {
        let path = if l.media_type == "image/png" { "/logo.png" } else { "/logo.jpg" };
        files.insert(id(path), Bytes::new(l.bytes.to_vec()));
        path
    });
    let mut paths = serde_json::Map::new();
    for (name, svg) in charts(report) {
        let path = format!("/{name}.svg");
        files.insert(id(&path), Bytes::new(svg.into_bytes()));
        paths.insert(name.to_string(), path.into());
    }
    let data = serde_json::json!({ "report": report, "logo": logo_path, "charts": paths, "base_url": base_url });
    let data = serde_json::to_vec(&data).map_err(|e| RenderError::Data(e.to_string()))?;
    files.insert(id("/data.json"), Bytes::new(data));
    let main = Source::new(id("/report.typ"), TEMPLATE.to_string());
    let world = ReportWorld { main, files };
    typst::compile::<PagedDocument>(&world).output.map_err(|e| RenderError::Template(messages(&e)))
}

/// The report's charts that have data to show, by name: the health line (two audits or more), scores by
/// category, issues fixed and new by check, campaign progress, and tasks completed by type.
fn charts(r: &ClientReport) -> Vec<(&'static str, String)> {
    let accent = r.agency.accent.as_str();
    let mut out = Vec::new();
    if r.health.points.len() >= 2 {
        out.push(("health", chart::health(&r.health.points, accent)));
    }
    if !r.health.categories.is_empty() {
        let rows: Vec<(String, f64)> = r.health.categories.iter().map(|c| (c.label.clone(), c.score)).collect();
        out.push(("categories", chart::bars(&rows, 100.0, "", accent)));
    }
    if let Some(i) = &r.issues {
        let mut rows: Vec<(String, f64, f64)> = Vec::new();
        for line in i.top_fixed.iter().chain(&i.top_new) {
            if rows.iter().any(|(d, _, _)| *d == line.description) {
                continue;
            }
            let count = |list: &[domain::model::report::CheckLine]| {
                list.iter().find(|l| l.check == line.check).map_or(0.0, |l| l.count as f64)
            };
            rows.push((line.description.clone(), count(&i.top_fixed), count(&i.top_new)));
        }
        if !rows.is_empty() {
            out.push(("issues", chart::fixed_and_new(&rows, accent)));
        }
    }
    let campaigns: Vec<(String, f64)> = r
        .campaigns
        .iter()
        .filter(|k| k.planned > 0)
        .map(|k| (k.name.clone(), k.done as f64 / k.planned as f64 * 100.0))
        .collect();
    if !campaigns.is_empty() {
        out.push(("campaigns", chart::bars(&campaigns, 100.0, " %", accent)));
    }
    if !r.tasks.by_type.is_empty() {
        let rows: Vec<(String, f64)> = r.tasks.by_type.iter().map(|(t, n)| (t.clone(), *n as f64)).collect();
        let max = rows.iter().map(|r| r.1).fold(1.0, f64::max);
        out.push(("tasks", chart::bars(&rows, max, "", accent)));
    }
    out
}

/// The id of a file of the document (`path` is one of this module's constants, always valid).
fn id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("{path} is a valid path"));
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}

fn messages(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// The template and its files, in memory: nothing is read from disk or the network.
struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    /// No date: the document depends on its data only.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
