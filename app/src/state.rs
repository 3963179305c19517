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
    /// Webhook endpoints may use plain `http://` (APP_ENV=development).
    pub plain_http_webhooks: bool,
    /// Where people reach the console (PUBLIC_URL): reports link their sources there.
    pub public_url: String,
    /// Where report emails are written when no SMTP server is configured (OUTBOX_DIR).
    pub outbox_dir: String,
    /// Whether an SMTP server is configured (SMTP_URL): otherwise report emails go to the outbox, unsent.
    pub sends_mail: bool,
}

impl AppState {
    /// The outbox folder, when report emails are written there instead of sent.
    pub fn mail_outbox(&self) -> Option<String> {
        (!self.sends_mail).then(|| self.outbox_dir.clone())
    }
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
        self.0.as_ref().map(CurrentUser::actor)
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

/// When the server started serving (set once by the server at start), for the uptime figure.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Open live streams of this process (the server's `/events` counts them in and out).
pub static LIVE_STREAMS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// This process's CPU time (user + system, seconds) and resident memory (bytes), from `/proc/self`;
/// `None` where the system has no such files.
pub fn process_usage() -> (Option<f64>, Option<u64>) {
    // /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 a second for user space.
    const TICKS_PER_SEC: f64 = 100.0;
    let cpu = std::fs::read_to_string("/proc/self/stat").ok().and_then(|stat| {
        // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th
        // and stime the 13th of them (fields 14 and 15 of proc(5)).
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some((utime + stime) / TICKS_PER_SEC)
    });
    let rss = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    });
    (cpu, rss)
}
