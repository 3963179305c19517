//! Test harness: each test gets its own Postgres database, a server on a free port, and an HTTP client
//! that keeps the session cookie. A switchable TCP proxy stands between the app and Postgres or Redis so
//! tests can take a dependency away and bring it back. [`page_paths`] lists every page of the app's route
//! list with given objects, for the tests that visit them all.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use server::Config;
use sqlx::{Connection, Executor, PgConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const REDIS_ADDR: &str = "127.0.0.1:6379";
pub const ADMIN_EMAIL: &str = "admin@agency.test";
pub const ADMIN_PASSWORD: &str = "admin-password-123";

/// A database created for one test and dropped when the guard goes.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let name = format!("aiseo_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(PG_ADMIN_URL).await.expect("connect to Postgres at 127.0.0.1:5432");
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
        TestDb { url: format!("postgres://postgres@127.0.0.1:5432/{name}"), name }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(PG_ADMIN_URL).await {
                    let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                }
            });
        })
        .join();
    }
}

/// A TCP proxy to `upstream` that can be switched off (dropping every open connection and refusing new
/// ones) and on again, on the same port.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: Arc<Notify>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(Notify::new());
        let upstream = upstream.to_string();
        let (up2, cut2) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { continue };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let cut = cut2.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Proxy { addr, up, cut }
    }

    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

pub struct Options {
    pub redis: bool,
    pub redis_url: Option<String>,
    pub database_url: Option<String>,
    pub redis_prefix: Option<String>,
    pub account_failures: u32,
    pub ip_failures: u32,
    /// Tasks the in-process worker runs at once; 0: no worker (tests then drive the queue themselves or
    /// start `server worker` processes).
    pub workers: usize,
    pub task_lease_secs: u64,
    /// TASK_STALL_SECS: a running task without progress this long is failed for a retry.
    pub task_stall_secs: u64,
    /// METRICS_TOKEN.
    pub metrics_token: Option<String>,
    /// API_RATE_PER_MINUTE.
    pub api_rate_per_minute: u32,
    /// SITE_ROOT: the built site the server serves static files from.
    pub site_root: String,
    pub llm_base_url: Option<String>,
    /// CRAWL_ALLOW: ranges audits may crawl (tests serve fixture sites on 127.0.0.1).
    pub crawl_allow: String,
    pub crawl_max_pages: usize,
    /// SMTP_URL (report emails); None writes them to `outbox_dir`.
    pub smtp_url: Option<String>,
    /// OUTBOX_DIR: a fresh folder of the test's own by default.
    pub outbox_dir: std::path::PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            redis: true,
            redis_url: None,
            database_url: None,
            redis_prefix: None,
            account_failures: 5,
            ip_failures: 50,
            workers: 2,
            task_lease_secs: 30,
            task_stall_secs: 180,
            metrics_token: None,
            api_rate_per_minute: 600,
            site_root: "target/site".into(),
            llm_base_url: None,
            crawl_allow: String::new(),
            crawl_max_pages: 200,
            smtp_url: None,
            outbox_dir: std::env::temp_dir().join(format!("aiseo-test-outbox-{}", uuid::Uuid::new_v4().simple())),
        }
    }
}

/// A running server on its own database.
pub struct TestApp {
    pub base: String,
    pub pool: sqlx::PgPool,
    pub db: Arc<TestDb>,
    pub redis_prefix: String,
    outbox: std::path::PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn spawn(options: Options) -> TestApp {
        let db = Arc::new(TestDb::create().await);
        Self::spawn_on(db, options).await
    }

    /// Another instance on the same database (scale-out tests).
    pub async fn spawn_on(db: Arc<TestDb>, options: Options) -> TestApp {
        let prefix =
            options.redis_prefix.clone().unwrap_or_else(|| format!("aiseo-test-{}", uuid::Uuid::new_v4().simple()));
        let redis_url = options.redis_url.clone().or_else(|| options.redis.then(|| format!("redis://{REDIS_ADDR}")));
        let config = Config {
            database_url: options.database_url.clone().unwrap_or_else(|| db.url.clone()).into(),
            db_max_connections: 5,
            redis_url: redis_url.map(Into::into),
            redis_key_prefix: prefix.clone(),
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            app_env: "development".into(),
            public_url: "https://console.test".into(),
            log_level: "warn".into(),
            log_format: "json".into(),
            session_idle_minutes: 480,
            login_max_failures_account: options.account_failures,
            login_max_failures_ip: options.ip_failures,
            login_window_seconds: 300,
            trust_forwarded_for: false,
            body_limit_bytes: 64 * 1024,
            site_root: options.site_root.clone(),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            admin_name: "Ada Admin".into(),
            worker_concurrency: options.workers,
            task_lease_secs: options.task_lease_secs,
            task_stall_secs: options.task_stall_secs,
            metrics_token: options.metrics_token.clone().map(Into::into),
            api_rate_per_minute: options.api_rate_per_minute,
            proposal_currency: "USD".into(),
            llm_base_url: options.llm_base_url.clone(),
            llm_api_key: Some("test-key".into()),
            llm_model: "stand-in-model".into(),
            llm_timeout_secs: 5,
            llm_price_prompt_per_1k: 0.5,
            llm_price_completion_per_1k: 1.5,
            crawl_allow: options.crawl_allow.clone(),
            crawl_max_pages: options.crawl_max_pages,
            crawl_max_depth: 10,
            crawl_time_budget_secs: 60,
            crawl_concurrency: 4,
            crawl_delay_ms: 0,
            crawl_root_certs: None,
            smtp_url: options.smtp_url.clone().map(Into::into),
            mail_from: "reports@agency.test".into(),
            outbox_dir: options.outbox_dir.clone(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let pool = sqlx::PgPool::connect(&db.url).await.expect("test pool");
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(e) = server::serve(config, listener, shutdown).await {
                eprintln!("test server stopped: {e}");
            }
        });
        let app = TestApp {
            base: format!("http://{addr}"),
            pool,
            db,
            redis_prefix: prefix,
            outbox: options.outbox_dir.clone(),
            shutdown: Some(tx),
        };
        // Wait until migrations ran and the server answers.
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(res) = client.get(format!("{}/health", app.base)).send().await {
                if res.status().is_success() {
                    return app;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("test server did not start");
    }

    /// OUTBOX_DIR of this instance.
    pub fn outbox_dir(&self) -> std::path::PathBuf {
        self.outbox.clone()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client signed in as the bootstrap admin.
    pub async fn admin(&self) -> Client {
        let c = self.client();
        let res = c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(res.status, 200, "admin sign-in: {}", res.body);
        c
    }

    /// Creates a user through the admin API and returns a client signed in as them, with their id.
    pub async fn user(&self, admin: &Client, role: &str) -> (Client, String, String) {
        let email = format!("{}-{}@agency.test", role.replace('_', "-"), uuid::Uuid::new_v4().simple());
        let password = "a-good-long-password";
        let res = admin
            .post(
                "/api/users/create",
                &[("email", &email), ("name", "Test User"), ("role", role), ("password", password)],
            )
            .await;
        assert_eq!(res.status, 200, "create user: {}", res.body);
        let id = res.json()["user"]["id"].as_str().expect("id").to_string();
        let c = self.client();
        let login = c.login(&email, password).await;
        assert_eq!(login.status, 200, "user sign-in: {}", login.body);
        (c, id, email)
    }
}

/// A client user's password in tests.
pub const CLIENT_PASSWORD: &str = "a-client-long-password";

/// A client user made the way people are: invited by `inviter` (an admin or the client's manager) and
/// accepting the link.
pub struct ClientUser {
    /// Signed in as the client user (accepting signs in).
    pub client: Client,
    pub id: String,
    pub email: String,
}

impl TestApp {
    /// Invites a person of client `client_id` and accepts the invitation as them.
    pub async fn client_user(&self, inviter: &Client, client_id: &str) -> ClientUser {
        let email = format!("client-{}@client.test", uuid::Uuid::new_v4().simple());
        let r = inviter
            .post(
                "/api/portal/invite",
                &[("client_id", client_id), ("input[email]", &email), ("input[name]", "Casey Client")],
            )
            .await;
        assert_eq!(r.status, 200, "invite: {}", r.body);
        let link = r.json()["path"].as_str().expect("invitation link").to_string();
        let token = link.rsplit('/').next().expect("token").to_string();
        let client = self.client();
        let r = client
            .post(
                "/api/invite/accept",
                &[
                    ("token", &token),
                    ("input[name]", "Casey Client"),
                    ("input[new_password]", CLIENT_PASSWORD),
                    ("input[confirm_password]", CLIENT_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "accept the invitation: {}", r.body);
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&self.pool)
            .await
            .expect("the client user");
        ClientUser { client, id: id.to_string(), email }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// An HTTP client that behaves like a browser tab for cookies: it keeps the one session cookie.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    pub cookie: Arc<Mutex<Option<String>>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        // A hung request fails its test with the request named instead of stalling the whole run.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        Client { base: base.to_string(), http, cookie: Arc::new(Mutex::new(None)) }
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookie.lock().expect("cookie lock").clone()
    }

    pub fn with_cookie(&self, cookie: Option<String>) -> Client {
        let c = Client::new(&self.base);
        *c.cookie.lock().expect("cookie lock") = cookie;
        c
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let cookie = self.session_cookie();
        let req = match cookie {
            Some(c) => req.header("cookie", format!("aiseo_session={c}")),
            None => req,
        };
        let res = match req.send().await {
            Ok(res) => res,
            Err(e) => panic!("request failed: {e} (url {:?}): {e:?}", e.url().map(|u| u.as_str())),
        };
        for value in res.headers().get_all("set-cookie") {
            let Ok(value) = value.to_str() else { continue };
            if let Some(rest) = value.strip_prefix("aiseo_session=") {
                let v = rest.split(';').next().unwrap_or("").to_string();
                let removed = value.contains("Max-Age=0") || v.is_empty();
                *self.cookie.lock().expect("cookie lock") = if removed { None } else { Some(v) };
            }
        }
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap_or_default();
        Reply { status, headers, body }
    }

    /// GETs `path` and keeps the body as bytes (files: PDFs, images).
    pub async fn get_bytes(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = self.session_cookie() {
            req = req.header("cookie", format!("aiseo_session={c}"));
        }
        let res = req.send().await.expect("request");
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.bytes().await.expect("body").to_vec())
    }

    /// POSTs a multipart form with one file field, as a browser's upload form does.
    pub async fn upload(&self, path: &str, field: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part(field.to_string(), part);
        self.send(self.http.post(format!("{}{path}", self.base)).multipart(form)).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(self.http.post(format!("{}{path}", self.base)).header("accept", "application/json").form(form)).await
    }

    pub async fn post_with(&self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    /// POSTs `body` as it is (the caller sets its content type among `headers`).
    pub async fn post_json_with(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post("/api/login", &[("email", email), ("password", password)]).await
    }

    /// The signed-in user's email per the server, or None.
    pub async fn me(&self) -> Option<String> {
        let r = self.post("/api/me", &[]).await;
        assert_eq!(r.status, 200, "me: {}", r.body);
        r.json()["email"].as_str().map(str::to_string)
    }
}

/// Objects to visit pages with, by kind (ids as strings).
#[derive(Debug, Clone, Default)]
pub struct Objects {
    pub clients: Vec<String>,
    pub campaigns: Vec<String>,
    pub crawls: Vec<String>,
    pub tasks: Vec<String>,
    pub users: Vec<String>,
    pub webhooks: Vec<String>,
    /// API tokens (their ids).
    pub tokens: Vec<String>,
    /// Report templates (agency-wide, admins'): pages under `/admin/report-templates/` and the server
    /// functions under `/api/reports/` that take an `id`.
    pub report_templates: Vec<String>,
    /// Report email deliveries (server functions that take a `delivery_id`).
    pub deliveries: Vec<String>,
    /// Portal invitations (their ids: `/api/portal/invite/...` takes one).
    pub invites: Vec<String>,
    /// Portal invitation links' tokens (the `/invite/:token` page).
    pub invite_tokens: Vec<String>,
    /// Client users (`/api/portal-users/...` takes one).
    pub portal_users: Vec<String>,
}

impl Objects {
    /// The objects of the kind that pages and server functions under `/{segment}/` take (`audits` are
    /// crawls, `admin` pages are users'); None for a segment that names no kind.
    pub fn of_segment(&self, segment: &str) -> Option<&[String]> {
        match segment {
            "clients" => Some(&self.clients),
            "campaigns" => Some(&self.campaigns),
            "audits" => Some(&self.crawls),
            "tasks" => Some(&self.tasks),
            "admin" | "users" => Some(&self.users),
            "webhooks" => Some(&self.webhooks),
            "tokens" => Some(&self.tokens),
            "reports" | "report-templates" => Some(&self.report_templates),
            "deliveries" => Some(&self.deliveries),
            // A conversation is a client's.
            "messages" => Some(&self.clients),
            "portal" => Some(&self.invites),
            "invite" => Some(&self.invite_tokens),
            "portal-users" => Some(&self.portal_users),
            _ => None,
        }
    }
}

/// Every page of the app's own route list: a route without a parameter once, a route with one once per
/// object of the kind its first path segment names. A route whose parameter names no kind fails the test
/// until it is given one here.
pub fn page_paths(objects: &Objects) -> Vec<String> {
    let mut paths = Vec::new();
    for route in server::app_routes() {
        let template = route.path().to_string();
        let param = template.split('/').find(|s| s.starts_with(':') || s.starts_with('{'));
        let Some(param) = param else {
            paths.push(template);
            continue;
        };
        // `/admin/<kind>/:id` takes the kind's objects; other routes their first segment's.
        let mut parts = template.split('/').skip(1);
        let first = parts.next().unwrap_or("");
        let segment = match (first, parts.next()) {
            ("admin", Some("webhooks")) => "webhooks",
            ("admin", Some("report-templates")) => "report-templates",
            _ => first,
        };
        let ids = objects
            .of_segment(segment)
            .unwrap_or_else(|| panic!("route {template}: give its parameter {param} a value in page_paths"));
        paths.extend(ids.iter().map(|id| template.replace(param, id)));
    }
    paths
}
