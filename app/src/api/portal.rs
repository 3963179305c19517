//! Server functions of the client portal: a client user's own company (overview, reports, the
//! conversation with the agency), the invitations that make client users, and the agency's messages inbox.
//!
//! A client user's company always comes from their account ([`domain::policy::Actor::client_id`]), never
//! from the request: the portal's functions take no client id.

use domain::model::portal::{
    AcceptInput, InboxItem, InviteInput, InviteView, Message, MessageInput, NewInvite, PortalAccess, PortalOverview,
    Thread,
};
use domain::model::report::ClientReport;
use leptos::prelude::*;

use crate::charts::Charted;
use crate::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::AppError;
    use domain::policy::{Action, Actor};

    /// The caller's company, after the policy check of `action` (a portal action).
    pub fn own_company(action: Action) -> Result<(Actor, uuid::Uuid), AppError> {
        let (actor, _) = crate::api::ssr::authorize(action)?;
        let client = actor.client_id.ok_or(AppError::NotFound)?;
        Ok((actor, client))
    }
}

/// The portal's overview: the last 30 days of the caller's company (health and its trend, issues,
/// campaigns), its audits and its account manager.
#[server(prefix = "/api", endpoint = "portal/overview")]
pub async fn load_portal_overview() -> Result<Charted<PortalOverview>, AppError> {
    use domain::policy::Action;
    let (_, client) = ssr::own_company(Action::UsePortal)?;
    let state = crate::api::ssr::state()?;
    let data = domain::store::portal::overview(&state.pool, client, chrono::Utc::now().date_naive()).await?;
    let charts = crate::pages::clients::health_charts(&data.report.health.points);
    Ok(Charted { data, charts })
}

/// The caller's company's report for a period (the same parameters as the agency's report page), in the
/// default template.
#[server(prefix = "/api", endpoint = "portal/report")]
pub async fn portal_report(period: String, from: String, to: String) -> Result<Charted<ClientReport>, AppError> {
    use domain::model::report::ReportPeriod;
    use domain::policy::{client_scope, Action};
    let (actor, client) = ssr::own_company(Action::UsePortal)?;
    let period =
        ReportPeriod::parse(&period, &from, &to, chrono::Utc::now().date_naive()).map_err(AppError::Validation)?;
    let state = crate::api::ssr::state()?;
    let data = domain::store::reports::client_report(&state.pool, client_scope(&actor), client, period, None).await?;
    let charts = crate::pages::clients::health_charts(&data.health.points);
    Ok(Charted { data, charts })
}

/// The caller's company's conversation with the agency, oldest first.
#[server(prefix = "/api", endpoint = "portal/messages")]
pub async fn portal_messages() -> Result<Vec<Message>, AppError> {
    use domain::policy::Action;
    let (_, client) = ssr::own_company(Action::UsePortal)?;
    let state = crate::api::ssr::state()?;
    Ok(domain::store::messages::messages(&state.pool, client).await?)
}

/// Writes to the agency from the portal.
#[server(prefix = "/api", endpoint = "portal/messages/send")]
pub async fn send_portal_message(input: MessageInput) -> Result<Message, AppError> {
    use domain::policy::Action;
    let (actor, client) = ssr::own_company(Action::WriteToAgency)?;
    let body = input.validate().map_err(AppError::Validation)?;
    let state = crate::api::ssr::state()?;
    let message = domain::store::messages::from_client(&state.pool, actor.user_id, client, &body).await?;
    if crate::api::ssr::is_form_post() {
        leptos_axum::redirect("/portal/messages");
    }
    Ok(message)
}

/// Who has portal access to a client, and its invitations (admins, and account managers for their
/// portfolio).
#[server(prefix = "/api", endpoint = "portal/access")]
pub async fn load_portal_access(client_id: String) -> Result<PortalAccess, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::InviteClientUsers)?;
    let id = crate::api::ssr::parse_id(&client_id)?;
    let state = crate::api::ssr::state()?;
    Ok(domain::store::portal::access(&state.pool, client_scope(&actor), id).await?)
}

/// Invites a person of client `client_id` to the portal. The answer's link is shown once; it works for
/// seven days.
#[server(prefix = "/api", endpoint = "portal/invite")]
pub async fn invite_to_portal(client_id: String, input: InviteInput) -> Result<NewInvite, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::InviteClientUsers)?;
    let id = crate::api::ssr::parse_id(&client_id)?;
    let state = crate::api::ssr::state()?;
    let mut invite =
        domain::store::portal::invite_user(&state.pool, client_scope(&actor), actor.user_id, id, &input).await?;
    invite.path = format!("{}{}", state.public_url.trim_end_matches('/'), invite.path);
    Ok(invite)
}

/// Withdraws an invitation that was not used yet.
#[server(prefix = "/api", endpoint = "portal/invite/withdraw")]
pub async fn withdraw_invite(id: String) -> Result<(), AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::InviteClientUsers)?;
    let id = crate::api::ssr::parse_id(&id)?;
    let state = crate::api::ssr::state()?;
    let client = domain::store::portal::withdraw(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    if crate::api::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{client}"));
    }
    Ok(())
}

/// Ends a client user's portal access.
#[server(prefix = "/api", endpoint = "portal-users/remove")]
pub async fn remove_portal_user(id: String) -> Result<(), AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::InviteClientUsers)?;
    let id = crate::api::ssr::parse_id(&id)?;
    let state = crate::api::ssr::state()?;
    let client = domain::store::portal::remove_user(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    if crate::api::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{client}"));
    }
    Ok(())
}

/// What an invitation link offers (public: the link is the credential).
#[server(prefix = "/api", endpoint = "invite/get")]
pub async fn get_invite(token: String) -> Result<InviteView, AppError> {
    let state = crate::api::ssr::state()?;
    Ok(domain::store::portal::open_invite(&state.pool, token.trim()).await?)
}

/// Accepts an invitation: makes the client user with the chosen name and password and signs them in.
/// The answer is where to go next (the portal).
#[server(prefix = "/api", endpoint = "invite/accept")]
pub async fn accept_invite(token: String, input: AcceptInput) -> Result<String, AppError> {
    use crate::state::session_keys;
    let state = crate::api::ssr::state()?;
    let token = token.trim();
    let view = domain::store::portal::open_invite(&state.pool, token).await?;
    input.validate(&view.email).map_err(AppError::Validation)?;
    let hash = domain::password::hash_blocking(input.new_password.clone()).await?;
    let user = domain::store::portal::accept(&state.pool, token, &input.name, &hash).await?;
    let session = crate::api::ssr::session().await?;
    session.cycle_id().await.map_err(crate::api::ssr::session_error)?;
    session.insert(session_keys::USER_ID, user.id).await.map_err(crate::api::ssr::session_error)?;
    session.insert(session_keys::VERSION, 1).await.map_err(crate::api::ssr::session_error)?;
    session.insert(session_keys::SEEN, chrono::Utc::now().timestamp()).await.map_err(crate::api::ssr::session_error)?;
    if crate::api::ssr::is_form_post() {
        leptos_axum::redirect("/portal");
    }
    Ok("/portal".to_string())
}

/// The conversations of the clients in the caller's scope, the latest first.
#[server(prefix = "/api", endpoint = "messages/inbox")]
pub async fn messages_inbox() -> Result<Vec<InboxItem>, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::AnswerMessages)?;
    let state = crate::api::ssr::state()?;
    Ok(domain::store::messages::inbox(&state.pool, client_scope(&actor)).await?)
}

/// One client's conversation with its context and the draft answer.
#[server(prefix = "/api", endpoint = "messages/thread")]
pub async fn message_thread(client_id: String) -> Result<Thread, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::AnswerMessages)?;
    let id = crate::api::ssr::parse_id(&client_id)?;
    let state = crate::api::ssr::state()?;
    Ok(domain::store::messages::thread(&state.pool, client_scope(&actor), id).await?)
}

/// Answers client `client_id`'s conversation; `draft` is the reply task the text began from (or empty).
#[server(prefix = "/api", endpoint = "messages/answer")]
pub async fn answer_message(
    client_id: String,
    body: String,
    #[server(default)] draft: String,
) -> Result<Message, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = crate::api::ssr::authorize(Action::AnswerMessages)?;
    let id = crate::api::ssr::parse_id(&client_id)?;
    let body = MessageInput { body }.validate().map_err(AppError::Validation)?;
    let draft = match draft.trim() {
        "" => None,
        raw => Some(uuid::Uuid::parse_str(raw).map_err(|_| AppError::field("draft", "no such draft"))?),
    };
    let state = crate::api::ssr::state()?;
    let message =
        domain::store::messages::answer(&state.pool, client_scope(&actor), actor.user_id, id, &body, draft).await?;
    if crate::api::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/messages/{id}"));
    }
    Ok(message)
}
