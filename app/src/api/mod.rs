//! Server functions. Each has an explicit endpoint under `/api/` (outside callers and the authorization
//! matrix test name them) and starts by asking the policy, except the three that serve signing in and out.

use domain::model::{Event, User};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What [`get_me`] answers with, where callers of the server functions look for it.
pub use crate::current_user::CurrentUser;

/// A created user and, when the admin left the password empty, the generated one (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: User,
    pub generated_password: Option<String>,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! What every server function uses on the server: the state, the caller, the policy check.

    use crate::current_user::CurrentUser;
    use crate::error::AppError;
    use crate::state::{AppState, Caller, ClientIp};
    use domain::policy::{self, Action, Actor};
    use leptos::prelude::*;

    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or(AppError::Internal)
    }

    fn parts() -> Result<http::request::Parts, AppError> {
        use_context::<http::request::Parts>().ok_or(AppError::Internal)
    }

    pub fn caller() -> Result<Caller, AppError> {
        Ok(parts()?.extensions.get::<Caller>().cloned().unwrap_or_default())
    }

    /// The clients data version read with the caller (None for anonymous callers).
    pub fn clients_version() -> Option<i64> {
        parts().ok()?.extensions.get::<crate::state::ClientsVersion>().map(|v| v.0)
    }

    pub fn client_ip() -> Result<String, AppError> {
        Ok(parts()?.extensions.get::<ClientIp>().map(|ip| ip.0.clone()).unwrap_or_else(|| "unknown".into()))
    }

    /// True when the request is a plain HTML form post (no JavaScript): the answer is then a redirect.
    pub fn is_form_post() -> bool {
        parts()
            .ok()
            .and_then(|p| {
                p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// The policy gate every server function passes first.
    pub fn authorize(action: Action) -> Result<(Actor, CurrentUser), AppError> {
        let caller = caller()?;
        let actor = caller.actor();
        policy::authorize(actor.as_ref(), action)?;
        match (actor, caller.0) {
            (Some(actor), Some(user)) => Ok((actor, user)),
            _ => Err(AppError::Unauthenticated),
        }
    }

    pub async fn session() -> Result<tower_sessions::Session, AppError> {
        leptos_axum::extract::<tower_sessions::Session>().await.map_err(|_| AppError::Internal)
    }

    pub fn session_error(err: tower_sessions::session::Error) -> AppError {
        tracing::warn!(error = %err, "session store unavailable");
        AppError::Unavailable
    }

    pub fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
        uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)
    }
}

/// Who is signed in (None when nobody is). Public: the login page asks it too.
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_me() -> Result<Option<CurrentUser>, AppError> {
    Ok(ssr::caller()?.0)
}

/// Signs in with email and password. On success the session id is cycled and the user's id and session
/// version are stored in it; the answer is the page to go to next (a plain form post is redirected there).
/// Unknown email, wrong password and deactivated account all give the same error after the same work.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<String, AppError> {
    use crate::state::session_keys;
    use domain::store::users;
    use domain::validation::safe_redirect_target;

    let state = ssr::state()?;
    let ip = ssr::client_ip()?;
    let next = safe_redirect_target(next.as_deref().unwrap_or("/"));
    if email.trim().is_empty() || password.is_empty() {
        return Err(AppError::InvalidCredentials);
    }
    domain::validation::sign_in_errors(&email, &password).into_result().map_err(AppError::Validation)?;
    if let Err(throttled) = state.throttle.check(&email, &ip).await? {
        return Err(AppError::Throttled { retry_after_secs: throttled.retry_after.as_secs() });
    }
    let credentials = users::find_credentials(&state.pool, &email).await?;
    let stored = credentials.as_ref().map(|c| c.password_hash.clone());
    let password_ok = domain::password::verify_blocking(password, stored).await;
    let credentials = match credentials {
        Some(c) if password_ok && c.user.active => c,
        _ => {
            state.throttle.record_failure(&email, &ip).await?;
            tracing::info!(ip = %ip, "sign-in failed");
            return Err(AppError::InvalidCredentials);
        }
    };
    state.throttle.clear_account(&email).await?;

    let session = ssr::session().await?;
    session.cycle_id().await.map_err(ssr::session_error)?;
    session.insert(session_keys::USER_ID, credentials.user.id).await.map_err(ssr::session_error)?;
    session.insert(session_keys::VERSION, credentials.session_version).await.map_err(ssr::session_error)?;
    session.insert(session_keys::SEEN, chrono::Utc::now().timestamp()).await.map_err(ssr::session_error)?;
    users::record_session_event(&state.pool, credentials.user.id, "user.signed_in", serde_json::json!({ "ip": ip }))
        .await?;
    tracing::info!(user_id = %credentials.user.id, "signed in");
    if ssr::is_form_post() {
        leptos_axum::redirect(&next);
    }
    Ok(next)
}

/// Ends the session: it is deleted from the store and the cookie removed.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = ssr::state()?;
    let caller = ssr::caller()?;
    let session = ssr::session().await?;
    session.flush().await.map_err(ssr::session_error)?;
    if let Some(user) = caller.0 {
        domain::store::users::record_session_event(&state.pool, user.id, "user.signed_out", serde_json::json!({}))
            .await?;
    }
    if ssr::is_form_post() {
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// Changes the caller's own password; the current one is required. Other sessions of the user end.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_own_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use domain::policy::Action;
    use domain::store::users;
    use domain::validation::password_change_errors;

    let (actor, me) = ssr::authorize(Action::ChangeOwnPassword)?;
    let state = ssr::state()?;
    let stored = users::password_hash(&state.pool, actor.user_id).await?;
    if !domain::password::verify_blocking(current_password, Some(stored)).await {
        return Err(AppError::field("current_password", "the current password is not correct"));
    }
    let errors = password_change_errors(&new_password, &confirm_password, &me.email);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = domain::password::hash_blocking(new_password).await?;
    let version =
        users::set_password(&state.pool, actor.user_id, actor.user_id, &hash, "user.password_changed").await?;
    let session = ssr::session().await?;
    session.cycle_id().await.map_err(ssr::session_error)?;
    session.insert(crate::state::session_keys::VERSION, version).await.map_err(ssr::session_error)?;
    Ok(())
}

/// Users, filtered by role ("" for all) and status ("", "active", "inactive").
#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_users(role: String, status: String) -> Result<Vec<User>, AppError> {
    use domain::model::{Role, UserFilter, UserStatus};
    use domain::policy::Action;

    ssr::authorize(Action::ListUsers)?;
    let mut errors = domain::validation::FieldErrors::default();
    let role = match role.as_str() {
        "" => None,
        r => Role::parse(r).map(Some).unwrap_or_else(|| {
            errors.add("role", "choose a role from the list");
            None
        }),
    };
    let status = UserStatus::parse(&status).unwrap_or_else(|| {
        errors.add("status", "choose any, active or inactive");
        UserStatus::Any
    });
    errors.into_result().map_err(AppError::Validation)?;
    let state = ssr::state()?;
    Ok(domain::store::users::list(&state.pool, &UserFilter { role, status }).await?)
}

#[server(prefix = "/api", endpoint = "users/get")]
pub async fn get_user(id: String) -> Result<User, AppError> {
    use domain::policy::Action;
    ssr::authorize(Action::ListUsers)?;
    let state = ssr::state()?;
    Ok(domain::store::users::get(&state.pool, ssr::parse_id(&id)?).await?)
}

/// Creates a user. An empty password means "generate one": it is returned once and never stored in clear.
#[server(prefix = "/api", endpoint = "users/create")]
pub async fn create_user(email: String, name: String, role: String, password: String) -> Result<CreatedUser, AppError> {
    use domain::policy::Action;
    use domain::validation::NewUser;

    let (actor, _) = ssr::authorize(Action::CreateUser)?;
    let state = ssr::state()?;
    let mut input = NewUser { email, name, role, password };
    input.validate().map_err(AppError::Validation)?;
    let generated = input.password.is_empty().then(domain::password::generate);
    if let Some(generated) = &generated {
        input.password = generated.clone();
    }
    let hash = domain::password::hash_blocking(input.password.clone()).await?;
    let user = domain::store::users::create(&state.pool, Some(actor.user_id), &input, &hash).await?;
    Ok(CreatedUser { user, generated_password: generated })
}

#[server(prefix = "/api", endpoint = "users/role")]
pub async fn change_user_role(id: String, role: String) -> Result<User, AppError> {
    use domain::model::Role;
    use domain::policy::Action;
    let (actor, _) = ssr::authorize(Action::ChangeUserRole)?;
    let role = Role::parse(&role).ok_or_else(|| AppError::field("role", "choose admin, account manager or staff"))?;
    let state = ssr::state()?;
    Ok(domain::store::users::change_role(&state.pool, actor.user_id, ssr::parse_id(&id)?, role).await?)
}

/// Deactivates a user; their sessions end at their next request.
#[server(prefix = "/api", endpoint = "users/deactivate")]
pub async fn deactivate_user(id: String) -> Result<User, AppError> {
    use domain::policy::Action;
    let (actor, _) = ssr::authorize(Action::DeactivateUser)?;
    let state = ssr::state()?;
    Ok(domain::store::users::set_active(&state.pool, actor.user_id, ssr::parse_id(&id)?, false).await?)
}

#[server(prefix = "/api", endpoint = "users/reactivate")]
pub async fn reactivate_user(id: String) -> Result<User, AppError> {
    use domain::policy::Action;
    let (actor, _) = ssr::authorize(Action::ReactivateUser)?;
    let state = ssr::state()?;
    Ok(domain::store::users::set_active(&state.pool, actor.user_id, ssr::parse_id(&id)?, true).await?)
}

/// Sets a new password for a user (generated when empty, returned once); their sessions end.
#[server(prefix = "/api", endpoint = "users/reset-password")]
pub async fn reset_user_password(id: String, password: String) -> Result<Option<String>, AppError> {
    use domain::policy::Action;
    use domain::store::users;

    let (actor, _) = ssr::authorize(Action::ResetUserPassword)?;
    let state = ssr::state()?;
    let target = users::get(&state.pool, ssr::parse_id(&id)?).await?;
    let generated = password.is_empty().then(domain::password::generate);
    let password = generated.clone().unwrap_or(password);
    if let Some(message) = domain::validation::password_error(&password, &target.email) {
        return Err(AppError::field("password", message));
    }
    let hash = domain::password::hash_blocking(password).await?;
    users::set_password(&state.pool, actor.user_id, target.id, &hash, "user.password_reset").await?;
    Ok(generated)
}

/// The activity log: sign-ins and user-administration changes, newest first, 50 per page (`before` = the
/// last id seen).
#[server(prefix = "/api", endpoint = "activity/list")]
pub async fn list_activity(before: Option<i64>) -> Result<Vec<Event>, AppError> {
    use domain::policy::Action;
    ssr::authorize(Action::ViewActivityLog)?;
    let state = ssr::state()?;
    Ok(domain::store::events::list(&state.pool, "user.", before, 50).await?)
}

pub mod analytics;
pub mod audits;
pub mod campaigns;
pub mod clients;
pub mod dashboard;
pub mod deliveries;
pub mod portal;
pub mod reports;
pub mod tasks;
pub mod tokens;
pub mod webhooks;
