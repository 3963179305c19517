//! Settings, from the command line or the environment. Every setting has a default that runs the app on
//! one machine; the README lists them.

use clap::Args;
use std::net::SocketAddr;
use std::sync::Arc;

/// A setting that must never be printed: a password, an API key, a URL that may carry a password.
///
/// `Debug` shows `<redacted>` and there is no `Display`, so `{config:?}` in a log line or a panic message
/// carries no secret and `{}` does not compile. The code that needs the value (connecting to Postgres or
/// Redis, creating the first admin, calling the LLM) reads it as a `&str` through `Deref`. A newtype rather
/// than `secrecy::SecretString`: the value is handed on as `&str` where the services are built, and deref
/// keeps those call sites unchanged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for code that hands it to a client library.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Secret {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What clap parses a secret setting from (and what tests build one from).
impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Postgres connection URL (it may carry the password: kept out of logs and `--help`).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/aiseo",
        hide_env_values = true
    )]
    pub database_url: Secret,
    /// Maximum connections in the Postgres pool.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
    /// Redis URL for sessions and login throttling; unset means in-memory (one instance only).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,
    /// Prefix of this deployment's keys in Redis.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "aiseo")]
    pub redis_key_prefix: String,
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:3000")]
    pub listen_addr: SocketAddr,
    /// The address people reach the console at (`https://seo.agency.example`): reports link their sources
    /// there. Empty: `http://` and LISTEN_ADDR.
    #[arg(long, env = "PUBLIC_URL", default_value = "")]
    pub public_url: String,
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
    pub admin_password: Option<Secret>,
    #[arg(long, env = "ADMIN_NAME", default_value = "Administrator")]
    pub admin_name: String,
    /// Agent tasks the in-process worker runs at once; 0 runs no worker in this process (then run
    /// `server worker` elsewhere).
    #[arg(long, env = "WORKER_CONCURRENCY", default_value_t = 4)]
    pub worker_concurrency: usize,
    /// Seconds a claimed task stays leased without a heartbeat; a dead worker's tasks run again after it.
    #[arg(long, env = "TASK_LEASE_SECS", default_value_t = 30)]
    pub task_lease_secs: u64,
    /// Seconds a running task's own work may make no progress (no crawl batch stored, no LLM answer)
    /// before the worker fails it for a retry, however well its heartbeat beats.
    #[arg(long, env = "TASK_STALL_SECS", default_value_t = 180)]
    pub task_stall_secs: u64,
    /// Currency of proposals when a task doesn't name one (ISO 4217).
    #[arg(long, env = "PROPOSAL_CURRENCY", default_value = "USD")]
    pub proposal_currency: String,
    /// OpenAI-compatible endpoint up to the API version (e.g. `http://localhost:11434/v1`); unset: agents
    /// write their prose from templates.
    #[arg(long, env = "LLM_BASE_URL")]
    pub llm_base_url: Option<String>,
    #[arg(long, env = "LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<Secret>,
    /// Requests one API token's user may make per minute on one instance (`/api/v1`).
    #[arg(long, env = "API_RATE_PER_MINUTE", default_value_t = 600)]
    pub api_rate_per_minute: u32,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <this token>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,
    #[arg(long, env = "LLM_MODEL", default_value = "gpt-4o-mini")]
    pub llm_model: String,
    /// Seconds one LLM attempt may take.
    #[arg(long, env = "LLM_TIMEOUT_SECS", default_value_t = 20)]
    pub llm_timeout_secs: u64,
    /// Price of 1,000 prompt tokens, for the cost shown per task and agent.
    #[arg(long, env = "LLM_PRICE_PROMPT_PER_1K", default_value_t = 0.0)]
    pub llm_price_prompt_per_1k: f64,
    #[arg(long, env = "LLM_PRICE_COMPLETION_PER_1K", default_value_t = 0.0)]
    pub llm_price_completion_per_1k: f64,
    /// Address ranges audits may crawl although they are private (comma-separated CIDRs, e.g.
    /// `10.0.0.0/8,127.0.0.0/8` for a staging network). Private, loopback and link-local targets are refused
    /// otherwise, after DNS resolution and on every redirect.
    #[arg(long, env = "CRAWL_ALLOW", default_value = "")]
    pub crawl_allow: String,
    /// Pages one audit fetches at most.
    #[arg(long, env = "CRAWL_MAX_PAGES", default_value_t = 500)]
    pub crawl_max_pages: usize,
    /// Clicks from the start page an audit follows at most.
    #[arg(long, env = "CRAWL_MAX_DEPTH", default_value_t = 10)]
    pub crawl_max_depth: u32,
    /// Seconds one audit may crawl.
    #[arg(long, env = "CRAWL_TIME_BUDGET_SECS", default_value_t = 600)]
    pub crawl_time_budget_secs: u64,
    /// Requests in flight at once per crawled host.
    #[arg(long, env = "CRAWL_CONCURRENCY", default_value_t = 8)]
    pub crawl_concurrency: usize,
    /// Least milliseconds between two request starts on a host (robots.txt's Crawl-delay can raise it).
    #[arg(long, env = "CRAWL_DELAY_MS", default_value_t = 0)]
    pub crawl_delay_ms: u64,
    /// A PEM file of certificates audits trust besides the web's roots (a staging site behind a private CA).
    #[arg(long, env = "CRAWL_ROOT_CERTS")]
    pub crawl_root_certs: Option<std::path::PathBuf>,
    /// The mail server report emails go through, e.g. `smtps://user:pass@smtp.example.com:465` (TLS),
    /// `smtp://user:pass@smtp.example.com:587?tls=required` (STARTTLS) or `smtp://127.0.0.1:25` (no TLS).
    /// Unset: emails are written as `.eml` files to OUTBOX_DIR and listed on the deliveries page.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,
    /// The sender of report emails; the agency's name (branding) is shown as its name.
    #[arg(long, env = "MAIL_FROM", default_value = "reports@aiseo.local")]
    pub mail_from: String,
    /// Where report emails are written when SMTP_URL is unset.
    #[arg(long, env = "OUTBOX_DIR", default_value = "target/outbox")]
    pub outbox_dir: std::path::PathBuf,
}

impl Config {
    /// The LLM client when `LLM_BASE_URL` is set.
    pub fn llm(&self) -> Result<Option<domain::llm::LlmClient>, domain::DomainError> {
        let Some(base) = self.llm_base_url.as_deref().map(str::trim).filter(|b| !b.is_empty()) else {
            return Ok(None);
        };
        let key = self.llm_api_key.as_ref().map(|k| k.expose().to_string()).filter(|k| !k.is_empty());
        let mut c = domain::llm::LlmConfig::new(base, key, &self.llm_model);
        c.timeout = std::time::Duration::from_secs(self.llm_timeout_secs.max(1));
        c.price_prompt_per_1k = self.llm_price_prompt_per_1k.max(0.0);
        c.price_completion_per_1k = self.llm_price_completion_per_1k.max(0.0);
        domain::llm::LlmClient::new(c).map(Some).map_err(|e| domain::DomainError::internal("LLM_BASE_URL", e))
    }

    /// The outbound guard of crawls: private ranges refused except those `CRAWL_ALLOW` lists. The client
    /// form accepts an IP-address website by the same rule.
    pub fn crawl_policy(&self) -> Result<domain::crawl::fetch::AddressPolicy, domain::DomainError> {
        let ranges: Vec<&str> = self.crawl_allow.split(',').map(str::trim).filter(|r| !r.is_empty()).collect();
        domain::crawl::fetch::AddressPolicy::allowing(&ranges)
            .map_err(|e| domain::DomainError::internal("CRAWL_ALLOW", e))
    }

    /// The webhook dispatcher: the crawler's outbound guard, the specification's timings.
    pub fn webhooks(&self) -> Result<domain::webhooks::dispatch::DispatchConfig, domain::DomainError> {
        Ok(domain::webhooks::dispatch::DispatchConfig::new(self.crawl_policy()?))
    }

    /// Where reports link their sources: PUBLIC_URL without a trailing slash, or `http://<LISTEN_ADDR>`.
    pub fn public_url(&self) -> String {
        match self.public_url.trim().trim_end_matches('/') {
            "" => format!("http://{}", self.listen_addr),
            url => url.to_string(),
        }
    }

    /// Where report emails go: SMTP_URL, or the outbox folder.
    pub fn mail(&self) -> Result<domain::mail::Mailer, domain::DomainError> {
        domain::mail::Mailer::new(&domain::mail::MailSettings {
            smtp_url: self.smtp_url.as_ref().map(|u| u.expose().to_string()).filter(|u| !u.trim().is_empty()),
            from: self.mail_from.clone(),
            outbox: self.outbox_dir.clone(),
        })
    }

    /// What report email tasks need: the mailer, the PDF writer and the links' address.
    pub fn delivery(&self) -> Result<domain::tasks::delivery::DeliverySettings, domain::DomainError> {
        let public_url = self.public_url();
        Ok(domain::tasks::delivery::DeliverySettings {
            mailer: self.mail()?,
            pdf: Arc::new(crate::reports::PdfRenderer { base_url: public_url.clone() }),
            public_url,
        })
    }

    /// Whether webhook endpoints may use plain `http://` (development only).
    pub fn plain_http_webhooks(&self) -> bool {
        self.app_env == "development"
    }

    /// Bounds and the allow-list of the crawls tasks run.
    pub fn crawl(&self) -> Result<domain::tasks::audit::CrawlSettings, domain::DomainError> {
        Ok(domain::tasks::audit::CrawlSettings {
            policy: self.crawl_policy()?,
            max_pages: self.crawl_max_pages.clamp(1, 1_000_000),
            max_depth: self.crawl_max_depth,
            time_budget: std::time::Duration::from_secs(self.crawl_time_budget_secs.max(1)),
            concurrency: self.crawl_concurrency.clamp(1, 64),
            delay: std::time::Duration::from_millis(self.crawl_delay_ms),
            root_certificates: match &self.crawl_root_certs {
                Some(path) => vec![std::fs::read(path).map_err(|e| {
                    domain::DomainError::internal(format!("CRAWL_ROOT_CERTS: reading {}", path.display()), e)
                })?],
                None => Vec::new(),
            },
        })
    }

    pub fn worker_config(&self) -> domain::tasks::worker::WorkerConfig {
        let mut worker = domain::tasks::worker::WorkerConfig::new(
            self.worker_concurrency,
            std::time::Duration::from_secs(self.task_lease_secs.max(1)),
        );
        worker.stall = self.task_stall();
        worker
    }

    /// The stall bound of running tasks (at least 2 s).
    pub fn task_stall(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.task_stall_secs.max(2))
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    const SECRETS: [&str; 5] =
        ["db-pass-7Hq2", "redis-pass-Vx91", "admin-pass-Lm4k", "sk-llm-key-Zr83", "smtp-pass-Qw55"];

    fn parsed() -> Config {
        Cli::try_parse_from([
            "server",
            "--database-url",
            "postgres://aiseo:db-pass-7Hq2@db.internal:5432/aiseo",
            "--redis-url",
            "redis://:redis-pass-Vx91@cache.internal:6379",
            "--admin-email",
            "ada@agency.test",
            "--admin-password",
            "admin-pass-Lm4k",
            "--llm-base-url",
            "https://llm.internal/v1",
            "--llm-api-key",
            "sk-llm-key-Zr83",
            "--smtp-url",
            "smtps://reports:smtp-pass-Qw55@mail.internal:465",
        ])
        .expect("the settings parse")
        .config
    }

    #[test]
    fn reports_link_to_the_public_url_or_the_listen_address() {
        let mut c = parsed();
        assert_eq!(c.public_url(), "http://127.0.0.1:3000");
        c.public_url = " https://seo.agency.example/ ".into();
        assert_eq!(c.public_url(), "https://seo.agency.example");
    }

    #[test]
    fn secrets_parse_from_the_command_line_and_never_print() {
        Cli::command().debug_assert();
        let config = parsed();
        assert_eq!(config.database_url.expose(), "postgres://aiseo:db-pass-7Hq2@db.internal:5432/aiseo");
        assert_eq!(config.admin_password.as_deref(), Some("admin-pass-Lm4k"));
        let printed = format!("{config:?} {config:#?}");
        for secret in SECRETS {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        assert!(printed.contains("ada@agency.test"), "the rest still prints: {printed}");
    }
}
