//! Server functions of the webhook pages (admins only): endpoints, secrets, the delivery log, test,
//! redeliver and replay.

use domain::model::webhook::{Endpoint, EndpointDetail, EndpointInput};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// An endpoint with a signing secret just made: shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithSecret {
    pub endpoint: Endpoint,
    pub secret: String,
}

/// How many messages and attempts an endpoint's page lists.
pub const LOG_ROWS: i64 = 50;
/// The longest overlap of a rotation: a week.
pub const OVERLAP_MAX_HOURS: i64 = 168;

#[cfg(feature = "ssr")]
fn draft(input: &EndpointInput) -> Result<domain::model::webhook::EndpointDraft, AppError> {
    let state = super::ssr::state()?;
    input.validate(state.plain_http_webhooks, |ip| state.crawl_policy.permits(ip)).map_err(AppError::Validation)
}

#[server(prefix = "/api", endpoint = "webhooks/list")]
pub async fn list_webhooks() -> Result<Vec<Endpoint>, AppError> {
    super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    Ok(domain::store::webhooks::list(&state.pool).await?)
}

#[server(prefix = "/api", endpoint = "webhooks/get")]
pub async fn get_webhook(id: String) -> Result<EndpointDetail, AppError> {
    super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    Ok(domain::store::webhooks::detail(&state.pool, super::ssr::parse_id(&id)?, LOG_ROWS).await?)
}

/// Adds an endpoint; its signing secret is in the answer and never again.
#[server(prefix = "/api", endpoint = "webhooks/create")]
pub async fn create_webhook(input: EndpointInput) -> Result<WithSecret, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    let draft = draft(&input)?;
    let secret = domain::webhooks::Secret::generate();
    let endpoint = domain::store::webhooks::create(&state.pool, actor.user_id, &draft, &secret).await?;
    Ok(WithSecret { endpoint, secret: secret.expose() })
}

#[server(prefix = "/api", endpoint = "webhooks/update")]
pub async fn update_webhook(id: String, input: EndpointInput) -> Result<Endpoint, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    let draft = draft(&input)?;
    Ok(domain::store::webhooks::update(&state.pool, actor.user_id, super::ssr::parse_id(&id)?, &draft).await?)
}

#[server(prefix = "/api", endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    domain::store::webhooks::delete(&state.pool, actor.user_id, super::ssr::parse_id(&id)?).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/admin/webhooks");
    }
    Ok(())
}

/// A new signing secret (in the answer, once); the old one keeps signing beside it for `overlap_hours`.
#[server(prefix = "/api", endpoint = "webhooks/rotate")]
pub async fn rotate_webhook_secret(id: String, overlap_hours: String) -> Result<WithSecret, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    let hours: i64 =
        overlap_hours.trim().parse().ok().filter(|h| (0..=OVERLAP_MAX_HOURS).contains(h)).ok_or_else(|| {
            AppError::field("overlap_hours", format!("enter whole hours from 0 to {OVERLAP_MAX_HOURS}"))
        })?;
    let secret = domain::webhooks::Secret::generate();
    let endpoint = domain::store::webhooks::rotate(
        &state.pool,
        actor.user_id,
        super::ssr::parse_id(&id)?,
        &secret,
        chrono::Duration::hours(hours),
    )
    .await?;
    Ok(WithSecret { endpoint, secret: secret.expose() })
}

/// Queues a `webhook.test` message; answers its `webhook-id`.
#[server(prefix = "/api", endpoint = "webhooks/test")]
pub async fn send_test_webhook(id: String) -> Result<String, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    Ok(domain::store::webhooks::send_test(&state.pool, actor.user_id, super::ssr::parse_id(&id)?).await?)
}

#[server(prefix = "/api", endpoint = "webhooks/redeliver")]
pub async fn redeliver_webhook(id: String, message: String) -> Result<(), AppError> {
    super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    let message: i64 = message.trim().parse().map_err(|_| AppError::NotFound)?;
    Ok(domain::store::webhooks::redeliver(&state.pool, super::ssr::parse_id(&id)?, message).await?)
}

/// Sends everything since `since` (`YYYY-MM-DDTHH:MM`, UTC, as a `datetime-local` input gives it) again.
/// Answers how many messages were queued.
#[server(prefix = "/api", endpoint = "webhooks/replay")]
pub async fn replay_webhook(id: String, since: String) -> Result<u64, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageWebhooks)?;
    let state = super::ssr::state()?;
    let since = parse_since(&since)?;
    Ok(domain::store::webhooks::replay(&state.pool, actor.user_id, super::ssr::parse_id(&id)?, since).await?)
}

/// A `datetime-local` value (seconds optional) or RFC 3339, as UTC; not in the future, not before 30 days ago.
pub fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    use chrono::{NaiveDateTime, TimeZone, Utc};
    let text = text.trim();
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
                .map(|t| Utc.from_utc_datetime(&t))
        })
        .ok_or_else(|| AppError::field("since", "enter a date and time (UTC)"))?;
    let now = Utc::now();
    if at > now {
        return Err(AppError::field("since", "must not be in the future"));
    }
    if now - at > chrono::Duration::days(30) {
        return Err(AppError::field("since", "must be within the last 30 days"));
    }
    Ok(at)
}
