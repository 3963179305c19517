//! Settings, from the command line or the environment. Every setting has a default that runs the app on
//! one machine; the README lists them.

use clap::Args;
use std::net::SocketAddr;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Postgres connection URL.
    #[arg(long, env = "DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/aiseo")]
    pub database_url: String,
    /// Maximum connections in the Postgres pool.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
    /// Redis URL for sessions and login throttling; unset means in-memory (one instance only).
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of this deployment's keys in Redis.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "aiseo")]
    pub redis_key_prefix: String,
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:3000")]
    pub listen_addr: SocketAddr,
    /// `development` allows session cookies over plain HTTP; anything else sets them Secure.
    #[arg(long, env = "APP_ENV", default_value = "production")]
    pub app_env: String,
    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `server=debug,info`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// `json` (one JSON object per line) or `pretty`.
    #[arg(long, env = "LOG_FORMAT", default_value = "json")]
    pub log_format: String,
    /// Sessions end after this many minutes without a request.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 480)]
    pub session_idle_minutes: i64,
    /// Failed sign-ins allowed per account in a window.
    #[arg(long, env = "LOGIN_MAX_FAILURES_ACCOUNT", default_value_t = 5)]
    pub login_max_failures_account: u32,
    /// Failed sign-ins allowed per client IP in a window.
    #[arg(long, env = "LOGIN_MAX_FAILURES_IP", default_value_t = 20)]
    pub login_max_failures_ip: u32,
    /// Length of the sign-in throttling window, in seconds.
    #[arg(long, env = "LOGIN_WINDOW_SECONDS", default_value_t = 300)]
    pub login_window_seconds: u64,
    /// Take the client IP from the last X-Forwarded-For entry (only behind a proxy that sets it).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 64 * 1024)]
    pub body_limit_bytes: usize,
    /// Directory with the built site (pkg/ with the WASM bundle, CSS, public assets).
    #[arg(long, env = "SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// First admin, created at start when the database has no user yet.
    #[arg(long, env = "ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    #[arg(long, env = "ADMIN_NAME", default_value = "Administrator")]
    pub admin_name: String,
}

impl Config {
    pub fn cookie_secure(&self) -> bool {
        self.app_env != "development"
    }

    pub fn login_limits(&self) -> domain::throttle::Limits {
        domain::throttle::Limits {
            account_max_failures: self.login_max_failures_account,
            ip_max_failures: self.login_max_failures_ip,
            window: std::time::Duration::from_secs(self.login_window_seconds),
        }
    }
}
