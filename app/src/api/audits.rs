//! Server functions of the site audit pages: every client's latest audit, a client's crawls and schedule, a crawl with its live progress,
//! issues by check, the page explorer, starting an audit and setting the recurring one. Every read goes
//! through the crawl's client, so account managers reach only their portfolio's crawls.

use domain::model::crawl::{AuditOverviewPage, CheckCount, ClientAudits, Crawl, HealthPoint, IssuePage, PagePage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::charts::{Charted, Charts};
use crate::AppError;

/// A result rendered on the server (see `components::output`): its JSON, and its view as HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rendered {
    #[serde(flatten)]
    pub json: serde_json::Map<String, serde_json::Value>,
    pub html: String,
}

#[cfg(feature = "ssr")]
impl Rendered {
    fn of<T: Serialize>(value: &T, html: String) -> Result<Self, AppError> {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(json)) => Ok(Rendered { json, html }),
            Ok(_) => Err(domain::DomainError::Internal("a rendered result is not a JSON object".into()).into()),
            Err(e) => Err(domain::DomainError::Internal(format!("a rendered result as JSON: {e}").into()).into()),
        }
    }
}

/// A crawl with its issue counts by check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrawlDetail {
    pub crawl: Crawl,
    pub checks: Vec<CheckCount>,
    /// `categories`: the score per category, once the crawl has HTML pages.
    pub charts: Charts,
}

/// The site audits page: every client in the caller's portfolio with its latest site audit, 50 per page.
#[server(prefix = "/api", endpoint = "audits/overview")]
pub async fn audit_overview(offset: String) -> Result<AuditOverviewPage, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let state = super::ssr::state()?;
    let offset = domain::model::paging::Offset::parse("offset", &offset).map_err(AppError::Validation)?;
    Ok(domain::store::crawls::overview(&state.pool, client_scope(&actor), offset).await?)
}

#[server(prefix = "/api", endpoint = "audits/client")]
pub async fn load_client_audits(client_id: String) -> Result<Charted<ClientAudits>, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let data = domain::store::crawls::for_client(&state.pool, client_scope(&actor), id).await?;
    let charts = crate::pages::site_audit::client_audit_charts(&data);
    Ok(Charted { data, charts })
}

/// A client's health line and its chart (`health`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthLine {
    pub points: Vec<HealthPoint>,
    pub charts: Charts,
}

/// A client's health line: its latest completed site audits with a health, oldest first.
#[server(prefix = "/api", endpoint = "audits/health")]
pub async fn client_health(client_id: String) -> Result<HealthLine, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let points = domain::store::crawls::health_history(&state.pool, client_scope(&actor), id).await?;
    let charts = crate::pages::clients::health_charts(&points);
    Ok(HealthLine { points, charts })
}

#[server(prefix = "/api", endpoint = "audits/crawl")]
pub async fn get_crawl(id: String) -> Result<CrawlDetail, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let state = super::ssr::state()?;
    let crawl = domain::store::crawls::get(&state.pool, client_scope(&actor), super::ssr::parse_id(&id)?).await?;
    let checks = domain::store::crawls::check_counts(&state.pool, crawl.id).await?;
    let charts = crate::pages::site_audit::crawl_charts(&crawl);
    Ok(CrawlDetail { crawl, checks, charts })
}

/// One page (of 50) of a check's issues in a crawl.
#[server(prefix = "/api", endpoint = "audits/issues")]
pub async fn crawl_issues(id: String, check: String, offset: String) -> Result<IssuePage, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let offset = domain::model::paging::Offset::parse("offset", &offset).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let crawl = domain::store::crawls::get(&state.pool, client_scope(&actor), super::ssr::parse_id(&id)?).await?;
    let check = check.trim();
    if !domain::crawl::checks::CHECKS.iter().any(|c| c.id == check) {
        return Err(AppError::field("check", format!("unknown check \u{201c}{check}\u{201d}")));
    }
    Ok(domain::store::crawls::issues(&state.pool, crawl.id, check, offset.get(), 50).await?)
}

/// One page (of 50) of the page explorer: filter by status class, depth and check.
#[server(prefix = "/api", endpoint = "audits/pages")]
pub async fn crawl_pages(
    id: String,
    status: String,
    depth: String,
    check: String,
    offset: String,
) -> Result<PagePage, AppError> {
    use domain::model::crawl::PageFilter;
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let filter = PageFilter::parse(&status, &depth, &check, &offset, 50).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let crawl = domain::store::crawls::get(&state.pool, client_scope(&actor), super::ssr::parse_id(&id)?).await?;
    Ok(domain::store::crawls::pages(&state.pool, crawl.id, &filter).await?)
}

/// Compares two completed crawls of the same client: new, fixed and persisting issues per check, score
/// deltas and the alerts the operations manager would raise.
#[server(prefix = "/api", endpoint = "audits/compare")]
pub async fn compare_crawls(before: String, after: String) -> Result<Rendered, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewAudits)?;
    let state = super::ssr::state()?;
    let scope = client_scope(&actor);
    let before = domain::store::crawls::get(&state.pool, scope, super::ssr::parse_id(&before)?).await?;
    let after = domain::store::crawls::get(&state.pool, scope, super::ssr::parse_id(&after)?).await?;
    let o = domain::tasks::inputs::technical_seo_operations_manager::compare(&state.pool, &before, &after).await?;
    let html = crate::components::output::render_comparison(o.clone());
    Rendered::of(&o, html)
}

/// Queues a technical SEO audit of the client's website; answers with the task id.
#[server(prefix = "/api", endpoint = "audits/run")]
pub async fn run_audit(client_id: String) -> Result<String, AppError> {
    use domain::model::task::{NewTask, Priority, TaskParams, TaskType};
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::RunAgentTask)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let task = NewTask {
        task_type: TaskType::TechnicalSeoAudit,
        client_id: Some(id),
        campaign_id: None,
        priority: Priority::Normal,
        params: TaskParams::default(),
    };
    let task_id = domain::tasks::queue::create(&state.pool, client_scope(&actor), actor.user_id, task).await.map_err(
        |e| match e {
            // The client is out of scope or gone: the page doesn't exist for this caller.
            domain::DomainError::Validation(_) => AppError::NotFound,
            other => other.into(),
        },
    )?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{id}/audits"));
    }
    Ok(task_id.to_string())
}

/// Sets the client's recurring audit: `weekly`, `monthly`, or empty to stop it.
#[server(prefix = "/api", endpoint = "audits/schedule")]
pub async fn set_audit_schedule(
    client_id: String,
    cadence: String,
) -> Result<Option<domain::model::crawl::Schedule>, AppError> {
    use domain::model::crawl::Cadence;
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ScheduleAudits)?;
    let cadence = match cadence.trim() {
        "" | "none" => None,
        c => match Cadence::parse(c) {
            Some(c) => Some(c),
            None => {
                return Err(AppError::field("cadence", "choose weekly, monthly or no schedule"));
            }
        },
    };
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let schedule =
        domain::store::crawls::set_schedule(&state.pool, actor.user_id, client_scope(&actor), id, cadence).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{id}/audits"));
    }
    Ok(schedule)
}
