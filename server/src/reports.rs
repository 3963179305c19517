//! Client reports as PDF files and the agency's logo: `GET /clients/{id}/report.pdf?period=…`,
//! `GET /branding/logo`, and `POST /admin/branding/logo` (a plain HTML form's multipart upload).

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::state::{AppState, Caller};
use app::AppError;
use axum::extract::{Extension, Multipart, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::model::report::{logo_type, ReportPeriod, LOGO_MAX_BYTES};
use domain::policy::{client_scope, Action};
use http::header;
use tokio::sync::Semaphore;

use crate::export::{authorized, error};

/// The request body a logo upload may carry: the logo and the form around it.
pub const UPLOAD_LIMIT_BYTES: usize = LOGO_MAX_BYTES + 16 * 1024;
/// Documents written at once: laying out a report takes a core for a moment, and this machine has two.
const RENDERS: usize = 2;
/// The longest a report may take to write (waiting for a turn included) before the request fails.
const RENDER_TIMEOUT: Duration = Duration::from_secs(30);

static RENDERING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(RENDERS)));

/// The report as a PDF: the same period parameters as the report page.
pub async fn pdf(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match pdf_response(&state, &caller, &id, query.as_deref()).await {
        Ok(res) => res,
        Err(e) => error(e),
    }
}

async fn pdf_response(state: &AppState, caller: &Caller, id: &str, query: Option<&str>) -> Result<Response, AppError> {
    let actor = authorized(caller, Action::ViewReports)?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    pdf_of(state, &actor, id, query, true).await
}

/// The portal's report as a PDF: `GET /portal/report.pdf?period=…`, a client user's own company's, in the
/// default template.
pub async fn portal_pdf(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    let work = async {
        let actor = authorized(&caller, Action::UsePortal)?;
        let id = actor.client_id.ok_or(AppError::NotFound)?;
        pdf_of(&state, &actor, id, query.as_deref(), false).await
    };
    match work.await {
        Ok(res) => res,
        Err(e) => error(e),
    }
}

/// The report on client `id` (in `actor`'s scope) for the query's period as a PDF attachment; the
/// query's template only where `templates` (the portal uses the default one).
async fn pdf_of(
    state: &AppState,
    actor: &domain::policy::Actor,
    id: uuid::Uuid,
    query: Option<&str>,
    templates: bool,
) -> Result<Response, AppError> {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let period = ReportPeriod::parse(param("period"), param("from"), param("to"), chrono::Utc::now().date_naive())
        .map_err(AppError::Validation)?;
    let template = if templates { app::api::reports::ssr::template_id(param("template"))? } else { None };
    let report = domain::store::reports::client_report(&state.pool, client_scope(actor), id, period, template).await?;
    let logo = match report.agency.logo_type {
        Some(_) => domain::store::reports::logo(&state.pool).await?,
        None => None,
    };
    let name =
        format!("{}-seo-report-{}.pdf", domain::model::delivery::file_stem(&report.client_name), report.period.slug());
    let bytes = render(report, logo, state.public_url.clone()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The report email tasks' PDF writer: [`render`], sharing its bound on renders at once.
pub struct PdfRenderer {
    pub base_url: String,
}

impl domain::tasks::delivery::PdfWriter for PdfRenderer {
    fn write(
        &self,
        report: domain::model::report::ClientReport,
        logo: Option<(Vec<u8>, String)>,
    ) -> domain::tasks::delivery::PdfFuture {
        let base_url = self.base_url.clone();
        Box::pin(async move {
            render(report, logo, base_url).await.map_err(|e| format!("the report PDF could not be written: {e}"))
        })
    }
}

/// Writes the PDF on the blocking pool, at most [`RENDERS`] at a time, within [`RENDER_TIMEOUT`].
pub async fn render(
    report: domain::model::report::ClientReport,
    logo: Option<(Vec<u8>, String)>,
    base_url: String,
) -> Result<Vec<u8>, AppError> {
    let work = async move {
        let _turn = RENDERING.clone().acquire_owned().await.map_err(|_| AppError::Unavailable)?;
        tokio::task::spawn_blocking(move || {
            let logo = logo.as_ref().map(|(bytes, media_type)| reports::Logo { bytes, media_type });
            reports::pdf(&report, logo, Some(base_url.as_str()))
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the report renderer stopped");
            AppError::Internal
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "a report could not be written as a PDF");
            AppError::Internal
        })
    };
    tokio::time::timeout(RENDER_TIMEOUT, work).await.unwrap_or(Err(AppError::Unavailable))
}

/// The agency's logo, for the people who see reports: the agency's, and client users in the portal.
pub async fn logo(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Response {
    if let Err(e) = authorized(&caller, Action::ViewReports).or_else(|_| authorized(&caller, Action::UsePortal)) {
        return error(e);
    }
    match domain::store::reports::logo(&state.pool).await {
        Ok(Some((bytes, media_type))) => {
            ([(header::CONTENT_TYPE, media_type), (header::CACHE_CONTROL, "private, max-age=300".to_string())], bytes)
                .into_response()
        }
        Ok(None) => error(AppError::NotFound),
        Err(e) => error(e.into()),
    }
}

/// Takes the logo from the branding page's upload form (field `logo`): PNG or JPEG by its bytes, at most
/// [`LOGO_MAX_BYTES`]. Answers by sending the browser back to the branding page, with the reason when the
/// file was refused.
pub async fn upload_logo(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let actor = match authorized(&caller, Action::ManageBranding) {
        Ok(a) => a,
        Err(e) => return error(e),
    };
    let refused = |message: &str| {
        let q: String =
            url::form_urlencoded::Serializer::new(String::new()).append_pair("logo_error", message).finish();
        Redirect::to(&format!("/admin/branding?{q}")).into_response()
    };
    let Ok(mut multipart) = multipart else { return refused("Choose a PNG or JPEG file to upload.") };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("logo") => match field.bytes().await {
                Ok(bytes) => file = Some(bytes),
                Err(_) => return refused("The logo is larger than 512 KB."),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => return refused("The upload could not be read; a logo may be at most 512 KB."),
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else { return refused("Choose a PNG or JPEG file to upload.") };
    if bytes.len() > LOGO_MAX_BYTES {
        return refused("The logo is larger than 512 KB.");
    }
    let Some(media_type) = logo_type(&bytes) else { return refused("The logo must be a PNG or JPEG image.") };
    match domain::store::reports::set_logo(&state.pool, actor.user_id, Some((&bytes, media_type))).await {
        Ok(_) => Redirect::to("/admin/branding").into_response(),
        Err(e) => error(e.into()),
    }
}

/// A report email written to the outbox (`/reports/deliveries/{id}.eml`), for whoever may see the client's
/// reports: downloaded, it can be opened or forwarded by hand.
pub async fn outbox_file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file): Path<String>,
) -> Response {
    match outbox_response(&state, &caller, &file).await {
        Ok(res) => res,
        Err(e) => error(e),
    }
}

async fn outbox_response(state: &AppState, caller: &Caller, file: &str) -> Result<Response, AppError> {
    let actor = authorized(caller, Action::ViewReports)?;
    let id = file.strip_suffix(".eml").and_then(|id| uuid::Uuid::parse_str(id).ok()).ok_or(AppError::NotFound)?;
    let delivery = domain::store::deliveries::get(&state.pool, client_scope(&actor), id).await?;
    // The stored name is lettre's (a UUID and `.eml`); anything else never reaches the file system.
    let name = delivery
        .outbox_file
        .filter(|f| f.strip_suffix(".eml").is_some_and(|stem| uuid::Uuid::parse_str(stem).is_ok()))
        .ok_or(AppError::NotFound)?;
    let path = std::path::Path::new(&state.outbox_dir).join(&name);
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::warn!(file = %path.display(), error = %e, "an outbox file could not be read");
        AppError::NotFound
    })?;
    let download = format!(
        "{}-seo-report-{}.eml",
        domain::model::delivery::file_stem(&delivery.client_name),
        delivery.period.slug()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{download}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
