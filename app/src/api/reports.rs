//! Server functions of client reports and the agency's branding.

use domain::model::report::{Branding, BrandingInput, ClientReport, ReportTemplate, TemplateInput};
use leptos::prelude::*;

use crate::charts::Charted;
use crate::AppError;

/// The client's report for a period: `period` (`YYYY-MM` or `YYYY-Qn`), or `from` and `to` for custom
/// dates; all empty is the last whole month. `template` is a template's id (empty: the default one).
/// Another portfolio's client is not found.
#[server(prefix = "/api", endpoint = "reports/client")]
pub async fn load_client_report(
    client_id: String,
    period: String,
    from: String,
    to: String,
    #[server(default)] template: String,
) -> Result<Charted<ClientReport>, AppError> {
    use domain::model::report::ReportPeriod;
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewReports)?;
    let period =
        ReportPeriod::parse(&period, &from, &to, chrono::Utc::now().date_naive()).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let template = ssr::template_id(&template)?;
    let data = domain::store::reports::client_report(&state.pool, client_scope(&actor), id, period, template).await?;
    let charts = crate::pages::clients::health_charts(&data.health.points);
    Ok(Charted { data, charts })
}

/// The agency's branding as reports show it.
#[server(prefix = "/api", endpoint = "branding/get")]
pub async fn get_branding() -> Result<Branding, AppError> {
    use domain::policy::Action;
    super::ssr::authorize(Action::ViewReports)?;
    let state = super::ssr::state()?;
    Ok(domain::store::reports::branding(&state.pool).await?)
}

/// Sets the agency's name and accent colour (admins).
#[server(prefix = "/api", endpoint = "branding/set")]
pub async fn set_branding(input: BrandingInput) -> Result<Branding, AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ManageBranding)?;
    let (name, accent) = input.validate().map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let branding = domain::store::reports::set_branding(&state.pool, actor.user_id, &name, &accent).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/admin/branding");
    }
    Ok(branding)
}

/// Removes the logo (admins).
#[server(prefix = "/api", endpoint = "branding/remove_logo")]
pub async fn remove_logo() -> Result<Branding, AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ManageBranding)?;
    let state = super::ssr::state()?;
    let branding = domain::store::reports::set_logo(&state.pool, actor.user_id, None).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/admin/branding");
    }
    Ok(branding)
}

/// The report templates, the built-in standard one first.
#[server(prefix = "/api", endpoint = "reports/templates")]
pub async fn list_templates() -> Result<Vec<ReportTemplate>, AppError> {
    use domain::policy::Action;
    super::ssr::authorize(Action::ViewReports)?;
    let state = super::ssr::state()?;
    Ok(domain::store::reports::templates(&state.pool).await?)
}

/// Creates a report template (`id` empty) or changes one (admins).
#[server(prefix = "/api", endpoint = "reports/templates/save")]
pub async fn save_template(id: String, input: TemplateInput) -> Result<ReportTemplate, AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ManageBranding)?;
    let id = match id.trim() {
        "" => None,
        raw => Some(super::ssr::parse_id(raw)?),
    };
    let draft = input.validate().map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let saved = domain::store::reports::save_template(&state.pool, actor.user_id, id, &draft).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/admin/report-templates");
    }
    Ok(saved)
}

/// Deletes a report template (admins).
#[server(prefix = "/api", endpoint = "reports/templates/delete")]
pub async fn delete_template(id: String) -> Result<(), AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ManageBranding)?;
    let id = super::ssr::parse_id(&id)?;
    let state = super::ssr::state()?;
    domain::store::reports::delete_template(&state.pool, actor.user_id, id).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/admin/report-templates");
    }
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::AppError;

    /// A template id from a form or query (empty: the default template).
    pub fn template_id(raw: &str) -> Result<Option<uuid::Uuid>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            raw => {
                uuid::Uuid::parse_str(raw).map(Some).map_err(|_| AppError::field("template", "no such report template"))
            }
        }
    }
}
