//! The REST API, `/api/v1`: JSON for scripts and integrations, authenticated by personal API tokens
//! (`Authorization: Bearer aiseo_…`, see `domain::store::tokens`). A token acts as its user: every route
//! asks the same policy as the UI ([`ROUTES`] names the action of each) and reads through the same
//! portfolio scope. Errors are RFC 9457 problem documents (`application/problem+json`) carrying the field
//! errors and the request id. Reads carry an `ETag` and answer `304 Not Modified` to a matching
//! `If-None-Match`.

use app::error::AppError;
use app::state::AppState;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use domain::model::client_query::ClientQuery;
use domain::policy::{self, client_scope, Action, Actor};
use domain::store;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One route of the API: method, path (axum's syntax) and the policy action it checks. The router is built
/// from this table and the authorization tests walk it, so a route can't be added without its action.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
}

/// Every route of `/api/v1`.
pub static ROUTES: [Route; 8] = [
    Route { method: Method::GET, path: "/api/v1/me", action: Action::ViewOwnAccount },
    Route { method: Method::GET, path: "/api/v1/clients", action: Action::ListClients },
    Route { method: Method::GET, path: "/api/v1/clients/{id}", action: Action::ListClients },
    Route { method: Method::GET, path: "/api/v1/tasks", action: Action::ListTasks },
    Route { method: Method::POST, path: "/api/v1/tasks", action: Action::RunAgentTask },
    Route { method: Method::GET, path: "/api/v1/tasks/{id}", action: Action::ListTasks },
    Route { method: Method::POST, path: "/api/v1/tasks/{id}/cancel", action: Action::CancelTask },
    Route { method: Method::GET, path: "/api/v1/events", action: Action::ViewDashboard },
];

/// Requests one token's user may make per minute on one instance (`API_RATE_PER_MINUTE`).
pub const RATE_PER_MINUTE_DEFAULT: u32 = 600;

/// The signed-in token's user, put in the request by [`bearer`].
#[derive(Debug, Clone)]
pub struct TokenUser(pub Actor, pub domain::model::User);

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields a validation error names, with what is wrong with each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl Problem {
    fn of(error: &AppError) -> Problem {
        let (slug, title) = match error {
            AppError::Unauthenticated | AppError::InvalidCredentials => ("unauthenticated", "Unauthenticated"),
            AppError::Forbidden => ("forbidden", "Forbidden"),
            AppError::NotFound => ("not-found", "Not found"),
            AppError::Validation(_) => ("validation", "Invalid input"),
            AppError::Rule(_) => ("rule", "Refused by a business rule"),
            AppError::Throttled { .. } => ("rate-limited", "Too many requests"),
            AppError::Unavailable => ("unavailable", "Service unavailable"),
            AppError::Internal => ("internal", "Internal error"),
            AppError::BadRequest(_) => ("bad-request", "Bad request"),
        };
        let detail = match error {
            AppError::Unauthenticated => "send a valid API token: Authorization: Bearer aiseo_…".to_string(),
            other => other.to_string(),
        };
        let errors = error
            .field_errors()
            .map(|e| e.0.iter().map(|(f, m)| FieldProblem { field: f.clone(), message: m.clone() }).collect())
            .unwrap_or_default();
        Problem {
            kind: format!("/api/v1/problems/{slug}"),
            title: title.into(),
            status: error.status(),
            detail,
            errors,
        }
    }
}

/// A handler's error: any error of the app, answered as a problem document.
pub struct ApiError(AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem::of(&self.0);
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut res = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"api\""));
        }
        if let AppError::Throttled { retry_after_secs } = self.0 {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        res
    }
}

/// Authenticates `/api/v1` requests by their bearer token (sessions don't reach the API: no cookie, no
/// cross-site request forgery).
pub async fn bearer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let Some(token) = token else {
        return ApiError(AppError::Unauthenticated).into_response();
    };
    match store::tokens::authenticate(&state.pool, &token).await {
        Ok(Some(user)) => {
            let actor = Actor { user_id: user.id, role: user.role };
            req.extensions_mut().insert(TokenUser(actor, user));
            next.run(req).await
        }
        Ok(None) => ApiError(AppError::Unauthenticated).into_response(),
        Err(e) => ApiError(e.into()).into_response(),
    }
}

/// The API's router: [`ROUTES`], then a problem document for any other path under `/api/v1`. Each
/// token's user may make `rate_per_minute` requests a minute.
pub fn router(state: AppState, rate_per_minute: u32) -> Router<AppState> {
    let mut r = Router::new();
    for route in &ROUTES {
        let action = route.action;
        let handler = match (route.method.as_str(), route.path) {
            ("GET", "/api/v1/me") => get(me),
            ("GET", "/api/v1/clients") => get(clients),
            ("GET", "/api/v1/clients/{id}") => get(client),
            ("GET", "/api/v1/tasks") => get(tasks),
            ("POST", "/api/v1/tasks") => post(create_task),
            ("GET", "/api/v1/tasks/{id}") => get(task),
            ("POST", "/api/v1/tasks/{id}/cancel") => post(cancel_task),
            ("GET", "/api/v1/events") => get(events),
            (method, path) => unreachable!("route {method} {path} has no handler"),
        };
        let gated = handler.layer(axum::middleware::from_fn(move |req: Request, next: Next| gate(action, req, next)));
        r = r.route(route.path, gated);
    }
    let limiter = Arc::new(RateLimiter::new(rate_per_minute));
    // Any other path under /api/v1 is a problem document too (the app's own routes have no fallback here).
    let guarded = r
        .route("/api/v1/{*rest}", axum::routing::any(|| async { ApiError(AppError::NotFound) }))
        .layer(axum::middleware::from_fn_with_state(limiter, rate_limit))
        .layer(axum::middleware::from_fn_with_state(state, bearer));
    // The document and its reference page need no token.
    let document = openapi_json();
    let page = docs_page(&document);
    guarded
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let document = document.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], document) }
            }),
        )
        .route(
            "/api/v1/docs",
            get(move || {
                let page = page.clone();
                async move { axum::response::Html(page) }
            }),
        )
}

/// Checks the route's action for the token's user.
async fn gate(action: Action, req: Request, next: Next) -> Response {
    let actor = req.extensions().get::<TokenUser>().map(|t| t.0);
    match policy::authorize(actor.as_ref(), action) {
        Ok(()) => next.run(req).await,
        Err(denied) => ApiError(denied.into()).into_response(),
    }
}

/// `value` as JSON with a strong `ETag` (the SHA-256 of the body); `304` when `If-None-Match` has it.
fn json_tagged<T: Serialize>(headers: &HeaderMap, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| domain::DomainError::internal("an API answer as JSON", e))?;
    let digest = Sha256::digest(&body);
    let tag = format!("\"{}\"", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let etag = HeaderValue::from_str(&tag).map_err(|e| domain::DomainError::internal("an ETag", e))?;
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::ETAG, etag)],
        body,
    )
        .into_response())
}

/// `GET /api/v1/me`: the token's user.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The token's user", body = domain::model::User), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn me(Extension(TokenUser(_, user)): Extension<TokenUser>, headers: HeaderMap) -> Result<Response, ApiError> {
    json_tagged(&headers, &user)
}

/// `GET /api/v1/clients?<the client list's filters>`: one page of the caller's clients.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    params(
        ("q" = Option<String>, Query, description = "Text in the name or domain"),
        ("industry" = Option<String>, Query, description = "An industry id"),
        ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2"),
        ("stage" = Option<String>, Query, description = "A pipeline stage"),
        ("revenue_min" = Option<String>, Query, description = "Whole currency units (empty: no bound)"),
        ("revenue_max" = Option<String>, Query, description = "Whole currency units (empty: no bound)"),
        ("employees_min" = Option<String>, Query, description = "A whole number (empty: no bound)"),
        ("employees_max" = Option<String>, Query, description = "A whole number (empty: no bound)"),
        ("manager" = Option<String>, Query, description = "A user id, or `none`"),
        ("sort" = Option<String>, Query), ("dir" = Option<String>, Query, description = "`asc` or `desc`"),
        ("page" = Option<String>, Query, description = "From 1 (empty: 1)"),
        ("per_page" = Option<String>, Query, description = "1 to 100 (empty: the default)"),
    ),
    responses((status = 200, description = "One page of the caller's clients", body = domain::model::client_query::ClientPage),
        (status = 422, description = "A filter is refused", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn clients(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let q = ClientQuery::parse(query.as_deref().unwrap_or("")).map_err(AppError::Validation)?;
    let page = state.client_index.list(&state.pool, client_scope(&actor), &q, None).await?;
    json_tagged(&headers, &page)
}

/// `GET /api/v1/clients/{id}`: one client of the caller's portfolio (another's is 404).
#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path, description = "The client's id")),
    responses((status = 200, description = "The client", body = domain::model::Client),
        (status = 404, description = "No such client in the caller's portfolio", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn client(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let client = store::clients::get(&state.pool, client_scope(&actor), id).await?;
    json_tagged(&headers, &client)
}

/// Fixed one-minute windows per user, in this process (several instances each count their own).
pub struct RateLimiter {
    limit: u32,
    windows: Mutex<HashMap<uuid::Uuid, (Instant, u32)>>,
}

/// The window of [`RateLimiter`].
const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(limit: u32) -> RateLimiter {
        RateLimiter { limit: limit.max(1), windows: Mutex::new(HashMap::new()) }
    }

    /// Counts a request of `user` at `now`: the requests left in its window and the seconds until the
    /// window ends, or Err(seconds until it may try again) when the window is spent.
    pub fn take(&self, user: uuid::Uuid, now: Instant) -> Result<(u32, u64), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = windows.entry(user).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        let reset = WINDOW.saturating_sub(now.duration_since(*start)).as_secs().max(1);
        if *count >= self.limit {
            return Err(reset);
        }
        *count += 1;
        Ok((self.limit - *count, reset))
    }
}

/// Applies the per-user limit and says where the caller stands, as the IETF draft's headers have it:
/// `RateLimit-Policy: "minute";q=<limit>;w=60` and `RateLimit: "minute";r=<left>;t=<seconds>`; a spent
/// window is a 429 problem with `Retry-After`.
async fn rate_limit(State(limiter): State<Arc<RateLimiter>>, req: Request, next: Next) -> Response {
    let Some(user) = req.extensions().get::<TokenUser>().map(|t| t.0.user_id) else {
        return next.run(req).await;
    };
    let policy = format!("\"minute\";q={};w={}", limiter.limit, WINDOW.as_secs());
    let (mut res, left, reset) = match limiter.take(user, Instant::now()) {
        Ok((left, reset)) => (next.run(req).await, left, reset),
        Err(reset) => (ApiError(AppError::Throttled { retry_after_secs: reset }).into_response(), 0, reset),
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert("ratelimit-policy", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"minute\";r={left};t={reset}")) {
        h.insert("ratelimit", v);
    }
    res
}

/// `GET /api/v1/tasks?status=&task_type=&agent=&client=&campaign=&priority=`: the caller's tasks, newest
/// first (as the task list shows them).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(("status" = Option<String>, Query), ("task_type" = Option<String>, Query), ("agent" = Option<String>, Query),
        ("client" = Option<String>, Query, description = "A client id"), ("campaign" = Option<String>, Query, description = "A campaign id"),
        ("priority" = Option<String>, Query)),
    responses((status = 200, description = "The caller's tasks, newest first", body = Vec<Object>),
        (status = 422, description = "A filter is refused", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn tasks(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let filter = domain::model::task::TaskFilter::parse(
        p("status"),
        p("task_type"),
        p("agent"),
        p("client"),
        p("campaign"),
        p("priority"),
    )
    .map_err(AppError::Validation)?;
    let list = store::tasks::list(&state.pool, client_scope(&actor), actor.user_id, &filter).await?;
    json_tagged(&headers, &list)
}

/// `GET /api/v1/tasks/{id}`: a task with its result.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The task's id")),
    responses((status = 200, description = "The task with its result", body = Object),
        (status = 404, description = "No such task in the caller's scope", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn task(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let task = store::tasks::get(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    json_tagged(&headers, &task)
}

/// `POST /api/v1/tasks` with the run form's fields as JSON (`task_type`, `client_id`, `campaign_id`,
/// `priority`, `currency`, `period_days`): queues the task; `201` with its id and `Location`. With an
/// `Idempotency-Key`, repeating the request answers the first answer (`Idempotent-Replayed: true`).
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Runs the request once per key (24 hours)")),
    request_body(content = Object, description = "`task_type`, `client_id`, `campaign_id`, `priority`, `currency`, `period_days` (strings)", content_type = "application/json"),
    responses((status = 201, description = "Queued; `id` of the task", body = Object),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn create_task(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let input: domain::model::task::NewTaskInput = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("the body is not a task as JSON: {e}")))?;
    let pool = state.pool.clone();
    let run = || async move {
        let task = input.validate().map_err(domain::DomainError::Validation)?.for_scope(client_scope(&actor));
        let id = domain::tasks::queue::create(&pool, client_scope(&actor), actor.user_id, task).await?;
        Ok((201u16, serde_json::json!({ "id": id })))
    };
    let answer = match headers.get("idempotency-key") {
        Some(key) => {
            let key = key.to_str().map_err(|_| AppError::field("Idempotency-Key", "must be visible ASCII"))?;
            store::idempotency::once(&state.pool, actor.user_id, key, &body, run).await?
        }
        None => {
            let (status, body) = run().await?;
            store::idempotency::Answer { status, body, replayed: false }
        }
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::CREATED);
    let mut res = (status, axum::Json(&answer.body)).into_response();
    if let Some(id) = answer.body.get("id").and_then(|v| v.as_str()) {
        if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/tasks/{id}")) {
            res.headers_mut().insert(header::LOCATION, v);
        }
    }
    if answer.replayed {
        res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// `POST /api/v1/tasks/{id}/cancel`: cancels a pending task at once, a running one at its next checkpoint.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/cancel", tag = "tasks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The task's id")),
    responses((status = 200, description = "The task's status after the request", body = Object),
        (status = 404, description = "No such task in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task has already finished", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn cancel_task(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let status = domain::tasks::queue::cancel(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    Ok(axum::Json(serde_json::json!({ "id": id, "status": status })).into_response())
}

/// The most events one page of `GET /api/v1/events` returns.
pub const EVENTS_MAX: i64 = 500;

/// `GET /api/v1/events?after=<id>&limit=<n>`: the events the caller may see after `after`, oldest first
/// (the events table the live stream and webhooks read), with `next` to pass as `after` for the next page
/// (cursor pagination: it moves past events the caller may not see, too) and `more` when the page was full.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    params(("after" = Option<i64>, Query, description = "The cursor: events after this id"),
        ("limit" = Option<i64>, Query, description = "1 to 500, 100 by default")),
    responses((status = 200, description = "`events` (oldest first), `next` (the next cursor), `more`", body = Object),
        (status = 422, description = "A parameter is refused", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The user's requests this minute are spent", body = Problem, content_type = "application/problem+json")))]
async fn events(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let number = |field: &str, default: i64, max: i64| -> Result<i64, AppError> {
        match q.get(field).map(|v| v.trim()) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| AppError::field(field, format!("enter a whole number from 0 to {max}"))),
        }
    };
    let after = number("after", 0, i64::MAX)?;
    let limit = number("limit", 100, EVENTS_MAX)?.max(1);
    let rows = store::events::after(&state.pool, after, &[], limit).await?;
    let next = rows.last().map_or(after, |e| e.feed.event.id);
    let more = rows.len() as i64 == limit;
    let visible: Vec<&domain::model::event::FeedEvent> = rows
        .iter()
        .filter(|e| {
            policy::may_see_event(
                &actor,
                &e.feed.event.action,
                e.feed.client_id,
                e.client_manager,
                e.feed.event.actor_id,
            )
        })
        .map(|e| &e.feed)
        .collect();
    Ok(axum::Json(serde_json::json!({ "events": visible, "next": next, "more": more })).into_response())
}

/// The API's OpenAPI 3.1 document, from the handlers' annotations (`utoipa`).
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "AI SEO Architects API", version = "1",
        description = "The agency console's REST API. Authenticate with a personal API token (account page): `Authorization: Bearer aiseo_…`."),
    paths(me, clients, client, tasks, create_task, task, cancel_task, events),
    components(schemas(Problem, FieldProblem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("aiseo_…").build()),
        );
    }
}

/// The document as JSON.
pub fn openapi_json() -> String {
    use utoipa::OpenApi;
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

/// The API reference as a plain HTML page, written from the OpenAPI document (no script: it works under the
/// app's content security policy). Every text from the document is escaped.
pub fn docs_page(document: &str) -> String {
    use domain::markup::escape_html as e;
    let doc: serde_json::Value = serde_json::from_str(document).unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>API reference · AI SEO Architects</title>\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/pkg/ai-seo-architects.css\"></head><body><main id=\"main\">",
    );
    html.push_str(&format!("<h1>{}</h1>", e(&text(&doc["info"]["title"]))));
    html.push_str(&format!("<p>{}</p>", e(&text(&doc["info"]["description"]))));
    html.push_str(
        "<p>The machine-readable document: <a href=\"/api/v1/openapi.json\">OpenAPI 3.1 (JSON)</a>. \
                   Make a token on <a href=\"/account\">your account page</a>.</p>",
    );
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            let Some(ops) = ops.as_object() else { continue };
            for (method, op) in ops {
                html.push_str(&format!(
                    "<section><h2><code>{} {}</code></h2><p>{}</p>",
                    e(&method.to_uppercase()),
                    e(path),
                    e(&text(&op["summary"]))
                ));
                let description = text(&op["description"]);
                if !description.is_empty() {
                    html.push_str(&format!("<p>{}</p>", e(&description)));
                }
                if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                    html.push_str(
                        "<div class=\"table-wrap\"><table><caption>Parameters</caption><thead><tr>\
                        <th scope=\"col\">Name</th><th scope=\"col\">In</th><th scope=\"col\">Required</th>\
                        <th scope=\"col\">Description</th></tr></thead><tbody>",
                    );
                    for p in params {
                        html.push_str(&format!(
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            e(&text(&p["name"])),
                            e(&text(&p["in"])),
                            if p["required"] == true { "yes" } else { "no" },
                            e(&text(&p["description"]))
                        ));
                    }
                    html.push_str("</tbody></table></div>");
                }
                if let Some(responses) = op["responses"].as_object() {
                    html.push_str(
                        "<div class=\"table-wrap\"><table><caption>Responses</caption><thead><tr>\
                        <th scope=\"col\">Status</th><th scope=\"col\">Meaning</th></tr></thead><tbody>",
                    );
                    for (status, r) in responses {
                        html.push_str(&format!(
                            "<tr><td>{}</td><td>{}</td></tr>",
                            e(status),
                            e(&text(&r["description"]))
                        ));
                    }
                    html.push_str("</tbody></table></div>");
                }
                html.push_str("</section>");
            }
        }
    }
    html.push_str("</main></body></html>");
    html
}
