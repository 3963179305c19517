//! Server-side state shared with server functions through Leptos context.

use axum::extract::FromRef;
use domain::policy::Actor;
use domain::throttle::LoginThrottle;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

use crate::current_user::CurrentUser;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub throttle: Arc<LoginThrottle>,
    /// The in-process client list index (see `domain::store::client_index`).
    pub client_index: Arc<domain::store::client_index::ClientIndex>,
    pub leptos_options: LeptosOptions,
    /// The configured LLM, for its circuit on the agents page.
    pub llm: Option<domain::llm::LlmClient>,
    /// The crawler's outbound guard (CRAWL_ALLOW): a client's website may be an IP address it permits.
    pub crawl_policy: domain::crawl::fetch::AddressPolicy,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Put in the request's extensions by the server's authentication middleware: who is calling.
#[derive(Debug, Clone, Default)]
pub struct Caller(pub Option<CurrentUser>);

impl Caller {
    pub fn actor(&self) -> Option<Actor> {
        self.0.as_ref().map(|u| Actor { user_id: u.id, role: u.role })
    }
}

/// The client's address as the server's middleware determined it (peer address, or the forwarded one
/// when the deployment says a proxy sets it).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// Keys of the values kept in a session.
pub mod session_keys {
    pub const USER_ID: &str = "uid";
    pub const VERSION: &str = "ver";
    pub const SEEN: &str = "seen";
}

/// The nonce of this response's Content-Security-Policy, for inline scripts that Leptos writes.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The clients data version read with the caller at the start of the request (see
/// `domain::store::users::SessionUser`).
#[derive(Debug, Clone, Copy)]
pub struct ClientsVersion(pub i64);
