//! Server functions of report emails: a client's schedule, "send now", the preview, sending a failed
//! delivery again, and the lists of deliveries.

use domain::model::delivery::{Delivery, EmailDraft, ReportSchedule, ScheduleInput};
use domain::model::report::ReportTemplate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// A client's report emails page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDeliveries {
    pub client_id: String,
    pub client_name: String,
    pub schedule: Option<ReportSchedule>,
    /// The schedule form's values (the saved schedule, or a monthly default).
    pub form: ScheduleInput,
    pub templates: Vec<ReportTemplate>,
    pub deliveries: Vec<Delivery>,
    /// The outbox folder when no SMTP server is configured.
    pub outbox: Option<String>,
    /// Whether the caller may change the schedule and send.
    pub can_send: bool,
}

/// Deliveries the client's page and the report emails page list.
pub const CLIENT_DELIVERIES: i64 = 50;

/// The client's schedule, its deliveries (newest first) and what the form needs. Another portfolio's
/// client is not found.
#[server(prefix = "/api", endpoint = "reports/deliveries/client")]
pub async fn load_client_deliveries(client_id: String) -> Result<ClientDeliveries, AppError> {
    use domain::policy::{self, client_scope, Action};
    use domain::store::deliveries::{self, DeliveryFilter};
    let (actor, _) = super::ssr::authorize(Action::ViewReports)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let scope = client_scope(&actor);
    let client = domain::store::clients::get(&state.pool, scope, id).await?;
    let schedule = deliveries::schedule(&state.pool, scope, id).await?;
    let form = match &schedule {
        Some(s) => ScheduleInput::of(&s.rule),
        None => ScheduleInput {
            cadence: "monthly".into(),
            day: "1".into(),
            hour: "6".into(),
            recipients: String::new(),
            template: String::new(),
        },
    };
    let list = deliveries::list(
        &state.pool,
        scope,
        DeliveryFilter { client_id: Some(id), ..DeliveryFilter::default() },
        CLIENT_DELIVERIES,
    )
    .await?;
    Ok(ClientDeliveries {
        client_id: id.to_string(),
        client_name: client.company_name,
        schedule,
        form,
        templates: domain::store::reports::templates(&state.pool).await?,
        deliveries: list,
        outbox: state.mail_outbox(),
        can_send: policy::authorize(Some(&actor), Action::ScheduleReports).is_ok(),
    })
}

/// Sets the client's report email schedule; `enabled` is a checkbox (`on`, or absent to pause it).
#[server(prefix = "/api", endpoint = "reports/schedule/set")]
pub async fn set_report_schedule(
    client_id: String,
    input: ScheduleInput,
    #[server(default)] enabled: String,
) -> Result<Option<ReportSchedule>, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ScheduleReports)?;
    let rule = input.validate().map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let enabled = matches!(enabled.trim(), "on" | "true" | "1");
    let saved = domain::store::deliveries::set_schedule(
        &state.pool,
        actor.user_id,
        client_scope(&actor),
        id,
        Some(&rule),
        enabled,
    )
    .await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{id}/report-emails"));
    }
    Ok(saved)
}

/// Removes the client's report email schedule (deliveries already made stay listed).
#[server(prefix = "/api", endpoint = "reports/schedule/remove")]
pub async fn remove_report_schedule(client_id: String) -> Result<(), AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ScheduleReports)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    domain::store::deliveries::set_schedule(&state.pool, actor.user_id, client_scope(&actor), id, None, false).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{id}/report-emails"));
    }
    Ok(())
}

/// Sends the report now to the schedule's recipients, for the last whole period of its cadence. Answers
/// with the delivery's id.
#[server(prefix = "/api", endpoint = "reports/send_now")]
pub async fn send_report_now(client_id: String) -> Result<String, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ScheduleReports)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let delivery = domain::store::deliveries::send_now(&state.pool, actor.user_id, client_scope(&actor), id).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{id}/report-emails"));
    }
    Ok(delivery.to_string())
}

/// The email "send now" would send: subject, recipients, body and attachment name, for the schedule's
/// recipients and template and the last whole period of its cadence.
#[server(prefix = "/api", endpoint = "reports/preview")]
pub async fn preview_report_email(client_id: String) -> Result<EmailDraft, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewReports)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&client_id)?;
    let scope = client_scope(&actor);
    let schedule = domain::store::deliveries::schedule(&state.pool, scope, id)
        .await?
        .ok_or_else(|| AppError::field("recipients", "set the schedule's recipients first"))?;
    let period = schedule.rule.period_for(chrono::Utc::now().date_naive());
    Ok(domain::tasks::delivery::draft(
        &state.pool,
        scope,
        id,
        period,
        schedule.rule.template_id,
        &schedule.rule.recipients,
        &state.public_url,
    )
    .await?)
}

/// Sends a failed delivery again (same period, recipients and template).
#[server(prefix = "/api", endpoint = "reports/deliveries/resend")]
pub async fn resend_delivery(delivery_id: String) -> Result<String, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ScheduleReports)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&delivery_id)?;
    let task = domain::store::deliveries::resend(&state.pool, actor.user_id, client_scope(&actor), id).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/reports/deliveries");
    }
    Ok(task.to_string())
}

/// The deliveries page: every delivery in the caller's scope, newest first, optionally of one status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryOverview {
    pub deliveries: Vec<Delivery>,
    pub outbox: Option<String>,
    pub can_send: bool,
}

#[server(prefix = "/api", endpoint = "reports/deliveries")]
pub async fn list_deliveries(#[server(default)] status: String) -> Result<DeliveryOverview, AppError> {
    use domain::model::delivery::DeliveryStatus;
    use domain::policy::{self, client_scope, Action};
    use domain::store::deliveries::{self, DeliveryFilter, LIST_MAX};
    let (actor, _) = super::ssr::authorize(Action::ViewReports)?;
    let status = match status.trim() {
        "" => None,
        raw => Some(DeliveryStatus::parse(raw).ok_or_else(|| AppError::field("status", "no such delivery status"))?),
    };
    let state = super::ssr::state()?;
    let list = deliveries::list(
        &state.pool,
        client_scope(&actor),
        DeliveryFilter { status, ..DeliveryFilter::default() },
        LIST_MAX,
    )
    .await?;
    Ok(DeliveryOverview {
        deliveries: list,
        outbox: state.mail_outbox(),
        can_send: policy::authorize(Some(&actor), Action::ScheduleReports).is_ok(),
    })
}
