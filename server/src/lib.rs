//! The axum server: builds the app from a [`Config`], serves it, and shuts down gracefully.

pub mod audit;
pub mod config;
pub mod connections;
pub mod export;
pub mod live;
pub mod middleware;
pub mod ops;
pub mod panics;
pub mod reports;
pub mod rest;
pub mod sessions;
pub mod telemetry;

use app::state::AppState;
use app::{shell, App};
use axum::Router;
use domain::throttle::LoginThrottle;
use domain::DomainError;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, MemoryStore, SessionManagerLayer};
use tower_sessions_redis_store::fred::prelude::*;
use tower_sessions_redis_store::RedisStore;

pub use config::Config;

/// What the running app holds besides the router: for /ready and for tests.
#[derive(Clone)]
pub struct Services {
    pub state: AppState,
    pub redis: Option<Pool>,
    /// Runs agent tasks for the in-process worker (and `server worker`).
    pub runner: Arc<domain::tasks::runner::Runner>,
    /// The stall bound of running tasks: /ready reports tasks quiet for half of it.
    pub task_stall: Duration,
    /// The bearer token /metrics asks for, when one is configured.
    pub metrics_token: Option<config::Secret>,
    /// The live stream's reader of the events table (`/events`).
    pub hub: Arc<live::Hub>,
}

/// A Redis pool that fails commands after 2 s while Redis is away and reconnects in the background.
pub fn redis_pool(url: &str) -> Result<Pool, DomainError> {
    let config = tower_sessions_redis_store::fred::types::config::Config::from_url(url)
        .map_err(|e| DomainError::internal("REDIS_URL", e))?;
    let perf = PerformanceConfig { default_command_timeout: Duration::from_secs(2), ..Default::default() };
    let conn = ConnectionConfig {
        connection_timeout: Duration::from_secs(2),
        internal_command_timeout: Duration::from_secs(2),
        max_command_attempts: 1,
        ..Default::default()
    };
    let policy = ReconnectPolicy::new_exponential(0, 100, 2_000, 2);
    let pool = Pool::new(config, Some(perf), Some(conn), Some(policy), 4)
        .map_err(|e| DomainError::internal("redis pool", e))?;
    // Connect in the background: the app starts (degraded) while Redis is down and recovers when it is back.
    drop(pool.connect());
    Ok(pool)
}

/// Connects (lazily) to Postgres and Redis, runs migrations and the admin bootstrap.
pub async fn services(config: &Config) -> Result<Services, DomainError> {
    let pool = domain::store::pool(&config.database_url, config.db_max_connections)?;
    domain::store::migrate(&pool).await?;
    bootstrap_admin(&pool, config).await?;
    let redis = match &config.redis_url {
        Some(url) if !url.trim().is_empty() => Some(redis_pool(url)?),
        _ => {
            tracing::warn!(
                "REDIS_URL is not set: sessions and login throttling are kept in memory; run one instance only"
            );
            None
        }
    };
    let throttle = match &redis {
        Some(redis) => LoginThrottle::redis(redis.clone(), config.login_limits(), &config.redis_key_prefix),
        None => LoginThrottle::memory(config.login_limits()),
    };
    let leptos_options = LeptosOptions::builder()
        .output_name("ai-seo-architects")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.listen_addr)
        .hash_files(assets_hashed())
        .build();
    let delivery = config.delivery()?;
    let sends_mail = delivery.mailer.outbox().is_none();
    if let Some(dir) = delivery.mailer.outbox() {
        tracing::warn!(outbox = %dir.display(), "SMTP_URL is not set: report emails are written to the outbox folder, not sent");
    }
    let llm = config.llm()?;
    if llm.is_none() {
        tracing::info!("LLM_BASE_URL is not set: agents write their prose from templates");
    }
    let runner = Arc::new(
        domain::tasks::runner::Runner::new(pool.clone(), llm.clone(), &config.proposal_currency)
            .with_crawl(config.crawl()?)
            .with_delivery(delivery),
    );
    // The live stream reads the events table through connections of its own (one listens, the others read
    // new rows and replays), so open streams never take the app's connections.
    let hub = live::Hub::start(domain::store::pool(&config.database_url, live::CONNECTIONS)?);
    Ok(Services {
        hub,
        runner,
        task_stall: config.task_stall(),
        metrics_token: config.metrics_token.clone().filter(|t| !t.is_empty()),
        state: AppState {
            llm,
            pool,
            throttle: Arc::new(throttle),
            client_index: Arc::new(domain::store::client_index::ClientIndex::new()),
            leptos_options,
            crawl_policy: config.crawl_policy()?,
            plain_http_webhooks: config.plain_http_webhooks(),
            public_url: config.public_url(),
            outbox_dir: config.outbox_dir.display().to_string(),
            sends_mail,
        },
        redis,
    })
}

/// Whether `scripts/build.sh` left `hash.txt` beside this binary: then pages name the content-hashed
/// copies of the WASM module and its JS glue (which browsers may keep for a year), as Leptos reads them
/// from there. A binary without it (the tests' binaries) names the plain files.
fn assets_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|p| p.is_file())
}

/// Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when the database has no user yet.
pub async fn bootstrap_admin(pool: &sqlx::PgPool, config: &Config) -> Result<(), DomainError> {
    let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) else {
        return Ok(());
    };
    if domain::store::users::count(pool).await? > 0 {
        return Ok(());
    }
    create_admin(pool, email, &config.admin_name, password).await?;
    tracing::info!(%email, "first admin created from ADMIN_EMAIL");
    Ok(())
}

/// Creates an admin account (the `create-admin` command and the bootstrap).
pub async fn create_admin(
    pool: &sqlx::PgPool,
    email: &str,
    name: &str,
    password: &str,
) -> Result<domain::model::User, DomainError> {
    let input = domain::validation::NewUser {
        email: email.to_string(),
        name: name.to_string(),
        role: "admin".into(),
        password: password.to_string(),
    };
    input.validate().map_err(DomainError::Validation)?;
    let hash = domain::password::hash_blocking(password.to_string()).await?;
    domain::store::users::create(pool, None, &input, &hash).await
}

/// The app's page routes, generated once per process.
///
/// Generating them runs the app with resource loading suppressed through a process-global flag
/// (leptos_server 0.8, leptos-rs/leptos#4773): a page's resource first polled on another thread meanwhile
/// waits forever, and its request never answers. Generated once, before the first router serves, no render
/// can meet it (tests build many routers in one process while others serve).
pub fn app_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            // Before anything of Leptos runs: route generation would install a plain spawner otherwise.
            panics::install();
            generate_route_list(App)
        })
        .clone()
}

/// The whole HTTP app.
pub fn router(config: &Config, services: &Services) -> Router {
    let _ = telemetry::metrics_handle();
    let state = services.state.clone();
    let store = match &services.redis {
        Some(redis) => sessions::Store::Redis(RedisStore::new(redis.clone())),
        None => sessions::Store::Memory(MemoryStore::default()),
    };
    let session_layer = SessionManagerLayer::new(store)
        .with_name("aiseo_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.cookie_secure())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes)));

    let routes = app_routes();
    let leptos_options = state.leptos_options.clone();
    let pages_and_exports = Router::<AppState>::new()
        .route("/export/{file}", axum::routing::get(export_file))
        .route("/export/tasks/{file}", axum::routing::get(export::task))
        .route("/export/analytics/{file}", axum::routing::get(export::analytics))
        .route("/export/crawls/{id}/{file}", axum::routing::get(export::crawl))
        .route("/clients/{id}/report.pdf", axum::routing::get(reports::pdf))
        .route("/portal/report.pdf", axum::routing::get(reports::portal_pdf))
        .route("/branding/logo", axum::routing::get(reports::logo))
        .route("/reports/deliveries/{file}", axum::routing::get(reports::outbox_file))
        .leptos_routes(&state, routes, move || shell(leptos_options.clone()))
        // Static files (the built site: pkg/ and public assets) with their precompressed variants and
        // conditional requests (304 when unchanged); anything else gets the app's not-found page.
        .fallback_service(
            tower_http::services::ServeDir::new(config.site_root.as_str())
                .precompressed_br()
                .precompressed_gzip()
                .fallback(axum::handler::Handler::with_state(
                    leptos_axum::file_and_error_handler::<AppState, _>(shell),
                    state.clone(),
                )),
        )
        // Inside compression: it reads the error's JSON before it is compressed.
        .layer(axum::middleware::from_fn(middleware::api_error_status))
        // Pages, server-function answers and exports compressed on the fly (static assets come
        // precompressed and pass through). The live stream joins after this layer: it is never compressed
        // nor buffered, and its body carries no compressor's state (about 5 KB a stream).
        .layer(CompressionLayer::new())
        .route("/events", axum::routing::get(live::stream).layer(axum::Extension(services.hub.clone())))
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        // The one route that takes a file: the logo upload, with a limit of its own.
        .route(
            "/admin/branding/logo",
            axum::routing::post(reports::upload_logo).layer(RequestBodyLimitLayer::new(reports::UPLOAD_LIMIT_BYTES)),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(config.trust_forwarded_for, middleware::client_ip))
        .layer(axum::middleware::from_fn(middleware::same_origin))
        .with_state(state);

    let ops_routes = ops::router(services.clone());
    // The REST API: bearer tokens, no session, no cookies.
    let budget = domain::throttle::RequestBudget::new(
        config.api_rate_per_minute,
        services.redis.clone(),
        &config.redis_key_prefix,
    );
    let api = rest::router(services.state.clone(), Arc::new(budget))
        .layer(CompressionLayer::new())
        .with_state(services.state.clone());
    edge(Router::new().merge(ops_routes.layer(CompressionLayer::new())).merge(api).merge(pages_and_exports))
}

/// The layers every answer passes through, the error pages of panics included: panic containment, security
/// headers, metrics, the request id (set, logged, echoed) and tracing. (Compression is the routes' own
/// layer, see [`router`]: the live stream has none.)
pub fn edge(routes: Router) -> Router {
    panics::install();
    routes
        .layer(axum::middleware::from_fn(panics::contain))
        .layer(axum::middleware::from_fn(middleware::cache_control))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::record_metrics))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Last resort for a panic in the layers above `panics::contain` (which answers every other one with
        // the error page, its headers and request id).
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request middleware panicked");
            panics::error_response(false, "-")
        }))
}

/// `/export/clients.csv|json` and `/export/campaigns.csv|json`.
async fn export_file(
    state: axum::extract::State<AppState>,
    caller: axum::extract::Extension<app::state::Caller>,
    axum::extract::Path(file): axum::extract::Path<String>,
    query: axum::extract::RawQuery,
) -> axum::response::Response {
    if file.starts_with("campaigns") {
        export::campaigns(state, caller, axum::extract::Path(file), query).await
    } else {
        export::clients(state, caller, axum::extract::Path(file), query).await
    }
}

/// Waits for SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}

/// Serves until `shutdown` resolves, with the in-process worker when `WORKER_CONCURRENCY` > 0.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DomainError> {
    let services = services(&config).await?;
    let _ = app::state::STARTED.set(std::time::Instant::now());
    let app = router(&config, &services);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let worker = (config.worker_concurrency > 0).then(|| {
        let pool = services.state.pool.clone();
        let runner = services.runner.clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(domain::tasks::worker::run(pool, runner, config.worker_config(), async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    });
    // Webhook deliveries run wherever tasks run.
    let webhooks = config.webhooks()?;
    let dispatcher = (config.worker_concurrency > 0).then(|| {
        let mut rx = stop_rx.clone();
        tokio::spawn(domain::webhooks::dispatch::run(services.state.pool.clone(), webhooks, async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    });
    let mut rx = stop_rx.clone();
    let hub = services.hub.clone();
    tokio::spawn(async move {
        // Open event streams would hold a graceful shutdown forever: they end first.
        let _ = rx.wait_for(|stop| *stop).await;
        hub.close();
    });
    connections::serve(listener, app, stop_rx.clone()).await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    if let Some(dispatcher) = dispatcher {
        let _ = dispatcher.await;
    }
    Ok(())
}

/// Runs only the task worker (`server worker`), for machines that don't serve the web app.
pub async fn work(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DomainError> {
    let pool = domain::store::pool(&config.database_url, config.db_max_connections)?;
    domain::store::migrate(&pool).await?;
    let runner = Arc::new(
        domain::tasks::runner::Runner::new(pool.clone(), config.llm()?, &config.proposal_currency)
            .with_crawl(config.crawl()?)
            .with_delivery(config.delivery()?),
    );
    let mut worker = config.worker_config();
    worker.concurrency = config.worker_concurrency.max(1);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut rx = stop_rx.clone();
    let dispatcher = tokio::spawn(domain::webhooks::dispatch::run(pool.clone(), config.webhooks()?, async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }));
    domain::tasks::worker::run(pool, runner, worker, shutdown).await;
    let _ = stop_tx.send(true);
    let _ = dispatcher.await;
    Ok(())
}
