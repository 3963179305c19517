//! Streamed exports of clients and campaigns as CSV and JSON. Rows are read from Postgres a chunk at a
//! time and written as they come, so memory stays flat however many rows match. Filters come from the
//! query string (the list page's URL) and the caller's portfolio always applies.

use app::state::{AppState, Caller};
use app::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use domain::model::client_query::ClientQuery;
use domain::model::country::country_name;
use domain::model::crawl::{IssueRow, PageRow};
use domain::model::{Campaign, CampaignStatus, Client};
use domain::policy::{self, client_scope, Action, ClientScope};
use domain::DomainError;
use futures_util::stream::{self, Stream, StreamExt};
use http::{header, StatusCode};

const CHUNK: i64 = 1_000;

pub(crate) fn error(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The signed-in caller, when the policy lets them do `action` (the check every file route starts with).
pub(crate) fn authorized(caller: &Caller, action: Action) -> Result<policy::Actor, AppError> {
    let actor = caller.actor();
    policy::authorize(actor.as_ref(), action)?;
    actor.ok_or(AppError::Unauthenticated)
}

/// [`authorized`], as the clients the caller reaches.
fn authorize(caller: &Caller, action: Action) -> Result<ClientScope, AppError> {
    authorized(caller, action).map(|a| client_scope(&a))
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Json,
}

fn format_of(file: &str, stem: &str) -> Option<Format> {
    match file.strip_prefix(stem)? {
        ".csv" => Some(Format::Csv),
        ".json" => Some(Format::Json),
        _ => None,
    }
}

/// One CSV record with its line end, every cell formula-guarded: the exports' and `server audit`'s files.
pub fn csv_line(fields: &[String]) -> Bytes {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(fields.iter().map(|f| domain::spreadsheet::formula_safe(f)));
    Bytes::from(w.into_inner().unwrap_or_default())
}

/// Streams `header`, then every row that `fetch(offset, CHUNK)` yields, chunk after chunk, as CSV or a
/// JSON array. A database error mid-stream ends the body early (logged); the client sees a truncated file.
fn rows_stream<T, F, Fut>(
    format: Format,
    header: &'static [&'static str],
    to_fields: fn(&T) -> Vec<String>,
    fetch: F,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send
where
    T: serde::Serialize + Send + 'static,
    F: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<T>, DomainError>> + Send,
{
    let head = match format {
        Format::Csv => csv_line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>()),
        Format::Json => Bytes::from_static(b"["),
    };
    let body = stream::unfold((0i64, false, true), move |(offset, done, first)| {
        let fut = if done { None } else { Some(fetch(offset)) };
        async move {
            let rows = match fut?.await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "export stopped");
                    return None;
                }
            };
            let finished = (rows.len() as i64) < CHUNK;
            let mut out = Vec::new();
            let mut first = first;
            for row in &rows {
                match format {
                    Format::Csv => out.extend_from_slice(&csv_line(&to_fields(row))),
                    Format::Json => {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        out.extend_from_slice(&serde_json::to_vec(row).unwrap_or_default());
                    }
                }
            }
            Some((Ok(Bytes::from(out)), (offset + CHUNK, finished, first)))
        }
    });
    let tail = match format {
        Format::Csv => Bytes::new(),
        Format::Json => Bytes::from_static(b"]"),
    };
    stream::once(async move { Ok(head) }).chain(body).chain(stream::once(async move { Ok(tail) }))
}

fn respond(format: Format, name: &str, body: Body) -> Response {
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Json => "application/json",
    };
    let ext = if format == Format::Csv { "csv" } else { "json" };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{ext}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

const CLIENT_HEADER: &[&str] = &[
    "id",
    "company_name",
    "website",
    "domain",
    "industry",
    "country",
    "country_name",
    "annual_revenue",
    "employee_count",
    "stage",
    "monthly_value",
    "account_manager",
    "competitor_domains",
    "contact_name",
    "contact_email",
    "contact_phone",
    "created_at",
    "updated_at",
];

fn client_fields(c: &Client) -> Vec<String> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        c.id.to_string(),
        c.company_name.clone(),
        c.website.clone(),
        c.domain.clone(),
        c.industry.as_str().into(),
        c.country.clone(),
        country_name(&c.country).unwrap_or("").into(),
        opt(c.annual_revenue),
        opt(c.employee_count.map(i64::from)),
        c.stage.as_str().into(),
        c.monthly_value.to_string(),
        c.account_manager_name.clone().unwrap_or_default(),
        c.competitor_domains.join(" "),
        c.contact_name.clone(),
        c.contact_email.clone(),
        c.contact_phone.clone(),
        c.created_at.to_rfc3339(),
        c.updated_at.to_rfc3339(),
    ]
}

/// GET /export/clients.csv and /export/clients.json, with the list page's filters in the query string.
pub async fn clients(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(format) = format_of(&file, "clients") else { return error(AppError::NotFound) };
    let scope = match authorize(&caller, Action::ExportClients) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let q = match ClientQuery::parse(query.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return error(AppError::Validation(e)),
    };
    let pool = state.pool.clone();
    let stream = rows_stream(format, CLIENT_HEADER, client_fields, move |offset| {
        let (pool, q) = (pool.clone(), q.clone());
        async move { domain::store::clients::export_chunk(&pool, scope, &q, offset, CHUNK).await }
    });
    respond(format, "clients", Body::from_stream(stream))
}

const CAMPAIGN_HEADER: &[&str] = &[
    "id",
    "client_id",
    "client",
    "name",
    "type",
    "status",
    "start_date",
    "end_date",
    "budget",
    "agents",
    "objectives",
];

fn campaign_fields(c: &Campaign) -> Vec<String> {
    vec![
        c.id.to_string(),
        c.client_id.to_string(),
        c.client_name.clone(),
        c.name.clone(),
        c.kind.as_str().into(),
        c.status.as_str().into(),
        c.start_date.to_string(),
        c.end_date.map(|d| d.to_string()).unwrap_or_default(),
        c.budget.to_string(),
        c.agents.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" "),
        c.objectives.clone(),
    ]
}

/// GET /export/campaigns.csv and /export/campaigns.json; `?status=active` narrows.
pub async fn campaigns(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(format) = format_of(&file, "campaigns") else { return error(AppError::NotFound) };
    let scope = match authorize(&caller, Action::ExportCampaigns) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let mut status = None;
    for (k, v) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        if k == "status" && !v.is_empty() {
            match CampaignStatus::parse(&v) {
                Some(s) => status = Some(s),
                None => {
                    let mut e = domain::validation::FieldErrors::default();
                    e.add("status", "unknown campaign status");
                    return error(AppError::Validation(e));
                }
            }
        }
    }
    let pool = state.pool.clone();
    let stream = rows_stream(format, CAMPAIGN_HEADER, campaign_fields, move |offset| {
        let pool = pool.clone();
        async move { domain::store::campaigns::export_chunk(&pool, scope, status, offset, CHUNK).await }
    });
    respond(format, "campaigns", Body::from_stream(stream))
}

/// `/export/tasks/{id}.json` (any finished task's output) and `/export/tasks/{id}.csv` (reports, as
/// `agents::reporting::to_csv` lays them out). Scoped like the task pages.
pub async fn task(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
) -> Response {
    use domain::model::task::TaskOutput;
    let scope = match authorize(&caller, Action::ListTasks) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let Some(actor) = caller.actor() else { return error(AppError::Unauthenticated) };
    let (stem, format) = match file.rsplit_once('.') {
        Some((stem, "csv")) => (stem, Format::Csv),
        Some((stem, "json")) => (stem, Format::Json),
        _ => return error(AppError::NotFound),
    };
    let Ok(id) = uuid::Uuid::parse_str(stem) else { return error(AppError::NotFound) };
    let task = match domain::store::tasks::get(&state.pool, scope, actor.user_id, id).await {
        Ok(t) => t,
        Err(e) => return error(e.into()),
    };
    let name = format!("{}-{}", task.summary.task_type.as_str(), id);
    match (format, task.output) {
        (_, None) => error(AppError::Rule("this task has no result yet".into())),
        (Format::Json, Some(output)) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.json\"")),
            ],
            serde_json::to_string_pretty(&output).unwrap_or_default(),
        )
            .into_response(),
        (Format::Csv, Some(TaskOutput::Reporting(report))) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
            ],
            domain::agents::reporting::to_csv(&report),
        )
            .into_response(),
        (Format::Csv, Some(_)) => error(AppError::Rule("only reports export as CSV; use the JSON export".into())),
    }
}

/// `/export/crawls/{id}/issues.csv|json` and `/export/crawls/{id}/pages.csv|json`: a crawl's issues (check,
/// severity, category, URL, detail) or pages, streamed a chunk at a time in keyset order, so a 100k-page
/// crawl exports without being held in memory. The crawl's client must be in the caller's portfolio.
pub async fn crawl(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let scope = match authorize(&caller, Action::ExportAudits) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else { return error(AppError::NotFound) };
    let (what, format) = match (format_of(&file, "issues"), format_of(&file, "pages")) {
        (Some(f), _) => ("issues", f),
        (_, Some(f)) => ("pages", f),
        _ => return error(AppError::NotFound),
    };
    let crawl = match domain::store::crawls::get(&state.pool, scope, id).await {
        Ok(c) => c,
        Err(e) => return error(e.into()),
    };
    let name = format!("crawl-{}-{what}", crawl.id);
    let pool = state.pool.clone();
    if what == "issues" {
        // Keyset paging: each chunk starts after the last id the previous one returned.
        let last = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
        let stream = rows_stream(format, IssueRow::COLUMNS, IssueRow::fields, move |_| {
            let (pool, last) = (pool.clone(), last.clone());
            async move {
                let after = last.load(std::sync::atomic::Ordering::SeqCst);
                let (rows, next) = domain::store::crawls::issue_chunk(&pool, id, None, after, CHUNK).await?;
                if let Some(next) = next {
                    last.store(next, std::sync::atomic::Ordering::SeqCst);
                }
                Ok(rows)
            }
        });
        respond(format, &name, Body::from_stream(stream))
    } else {
        // Page ids run 1, 2, ... in a crawl, so the rows emitted so far are the keyset position.
        let stream = rows_stream(format, PageRow::COLUMNS, PageRow::fields, move |offset| {
            let pool = pool.clone();
            async move {
                let after = i32::try_from(offset).unwrap_or(i32::MAX);
                domain::store::crawls::page_chunk(&pool, id, after, CHUNK).await
            }
        });
        respond(format, &name, Body::from_stream(stream))
    }
}

/// GET /export/analytics/{agents|business|system}.{csv|json|xlsx}?range=…&from=…&to=…: one analytics table
/// for the range, within the caller's portfolio. CSV and JSON stream as they are written; the Excel file
/// is built in memory (these tables are at most a few dozen rows). The system figures need
/// [`Action::ViewSystemFigures`].
pub async fn analytics(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(actor) = caller.actor() else { return error(AppError::Unauthenticated) };
    analytics_file(&state, actor, &file, query.as_deref()).await.unwrap_or_else(error)
}

/// The analytics table `file` names (`agents|business|system` `.csv|.json|.xlsx`) for `actor`, the range
/// read from `query`: the body of [`analytics`] and of the API's export route.
pub async fn analytics_file(
    state: &AppState,
    actor: policy::Actor,
    file: &str,
    query: Option<&str>,
) -> Result<Response, AppError> {
    use domain::model::analytics::Report;
    use domain::model::dashboard::DashboardRange;
    let Some((report, ext)) = file.split_once('.') else { return Err(AppError::NotFound) };
    let (Some(report), true) = (Report::parse(report), matches!(ext, "csv" | "json" | "xlsx")) else {
        return Err(AppError::NotFound);
    };
    let action = if report == Report::System { Action::ViewSystemFigures } else { Action::ViewDashboard };
    policy::authorize(Some(&actor), action)?;
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let range = DashboardRange::parse(param("range"), param("from"), param("to")).map_err(AppError::Validation)?;
    let mut figures = domain::store::analytics::load(&state.pool, &actor, range, chrono::Utc::now()).await?;
    if report == Report::System {
        figures.system = Some(app::api::analytics::ssr::system_figures(state).await?);
    }
    let Some(table) = figures.table(report) else { return Err(AppError::Forbidden) };
    let name = format!("analytics-{}-{}", report.as_str(), figures.window.end.format("%Y-%m-%d"));
    Ok(match ext {
        "csv" => {
            let head = csv_line(&table.columns.iter().map(|c| c.to_string()).collect::<Vec<_>>());
            let rows = table
                .rows
                .into_iter()
                .map(|r| Ok::<_, std::io::Error>(csv_line(&r.iter().map(|c| c.text()).collect::<Vec<_>>())));
            let body = stream::once(async move { Ok(head) }).chain(stream::iter(rows));
            respond(Format::Csv, &name, Body::from_stream(body))
        }
        "json" => {
            let columns = table.columns.clone();
            let rows = table.rows.into_iter().enumerate().map(move |(i, r)| {
                let object: serde_json::Map<String, serde_json::Value> = columns
                    .iter()
                    .zip(r.iter())
                    .map(|(c, v)| (c.to_string(), serde_json::to_value(v).unwrap_or_default()))
                    .collect();
                let mut bytes = if i == 0 { Vec::new() } else { b",".to_vec() };
                bytes.extend_from_slice(&serde_json::to_vec(&object).unwrap_or_default());
                Ok::<_, std::io::Error>(Bytes::from(bytes))
            });
            let body = stream::once(async { Ok(Bytes::from_static(b"[")) })
                .chain(stream::iter(rows))
                .chain(stream::once(async { Ok(Bytes::from_static(b"]")) }));
            respond(Format::Json, &name, Body::from_stream(body))
        }
        _ => match xlsx(report.as_str(), &table) {
            Ok(bytes) => (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the Excel export failed");
                return Err(AppError::Internal);
            }
        },
    })
}

/// One sheet named `sheet` with the table's header row and its rows: numbers as numbers, text as text
/// (an Excel cell written as a string is never evaluated as a formula, so no guard is needed here).
fn xlsx(sheet: &str, table: &domain::model::analytics::Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use domain::model::analytics::Cell;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    for (c, name) in table.columns.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).unwrap_or(u16::MAX), *name)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ())?,
                Cell::Num(n) => ws.write_number(r, c, *n).map(|_| ())?,
                Cell::Text(t) => ws.write_string(r, c, t).map(|_| ())?,
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(domain::spreadsheet::formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(domain::spreadsheet::formula_safe("-1"), "'-1");
        assert_eq!(domain::spreadsheet::formula_safe("Acme"), "Acme");
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let line = csv_line(&["a,b".into(), "say \"hi\"".into(), "plain".into()]);
        assert_eq!(&line[..], b"\"a,b\",\"say \"\"hi\"\"\",plain\n");
    }
}
