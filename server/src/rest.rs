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
use domain::throttle::{RequestBudget, BUDGET_WINDOW};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// One route of the API: method, path (axum's syntax) and the policy action it checks. The router is built
/// from this table and the authorization tests walk it, so a route can't be added without its action.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
}

/// Every route of `/api/v1`.
pub static ROUTES: [Route; 21] = [
    Route { method: Method::GET, path: "/api/v1/me", action: Action::ViewOwnAccount },
    Route { method: Method::GET, path: "/api/v1/clients", action: Action::ListClients },
    Route { method: Method::GET, path: "/api/v1/clients/{id}", action: Action::ListClients },
    Route { method: Method::POST, path: "/api/v1/clients/{id}/campaigns", action: Action::CreateCampaign },
    Route { method: Method::GET, path: "/api/v1/clients/{id}/crawls", action: Action::ViewAudits },
    Route { method: Method::GET, path: "/api/v1/campaigns", action: Action::ListClients },
    Route { method: Method::GET, path: "/api/v1/campaigns/{id}", action: Action::ListClients },
    Route { method: Method::POST, path: "/api/v1/campaigns/{id}/{action}", action: Action::ChangeCampaignStatus },
    Route { method: Method::GET, path: "/api/v1/tasks", action: Action::ListTasks },
    Route { method: Method::POST, path: "/api/v1/tasks", action: Action::RunAgentTask },
    Route { method: Method::GET, path: "/api/v1/tasks/{id}", action: Action::ListTasks },
    Route { method: Method::POST, path: "/api/v1/tasks/{id}/cancel", action: Action::CancelTask },
    Route { method: Method::GET, path: "/api/v1/agents", action: Action::ViewAgents },
    Route { method: Method::GET, path: "/api/v1/agents/{agent}", action: Action::ViewAgents },
    Route { method: Method::GET, path: "/api/v1/crawls/{id}", action: Action::ViewAudits },
    Route { method: Method::GET, path: "/api/v1/crawls/{id}/issues", action: Action::ViewAudits },
    Route { method: Method::GET, path: "/api/v1/crawls/{id}/pages", action: Action::ViewAudits },
    Route { method: Method::GET, path: "/api/v1/analytics", action: Action::ViewDashboard },
    Route { method: Method::GET, path: "/api/v1/analytics/dashboard", action: Action::ViewDashboard },
    Route { method: Method::GET, path: "/api/v1/analytics/exports/{file}", action: Action::ViewDashboard },
    Route { method: Method::GET, path: "/api/v1/events", action: Action::ViewDashboard },
];

/// Requests one token's user may make per minute on one instance (`API_RATE_PER_MINUTE`).
pub const RATE_PER_MINUTE_DEFAULT: u32 = 600;

/// The signed-in token's user, put in the request by [`bearer`].
#[derive(Debug, Clone)]
pub struct TokenUser(pub Actor, pub domain::model::User);

/// The id of the request's token (each token has its own request budget).
#[derive(Debug, Clone, Copy)]
pub struct TokenId(pub uuid::Uuid);

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
        Ok(Some((token, user))) => {
            let actor = Actor::of(&user);
            req.extensions_mut().insert(TokenUser(actor, user));
            req.extensions_mut().insert(TokenId(token));
            next.run(req).await
        }
        Ok(None) => ApiError(AppError::Unauthenticated).into_response(),
        Err(e) => ApiError(e.into()).into_response(),
    }
}

/// The API's router: [`ROUTES`], then a problem document for any other path under `/api/v1`. Each
/// token may make the `budget`'s requests a minute.
pub fn router(state: AppState, budget: Arc<RequestBudget>) -> Router<AppState> {
    let mut r = Router::new();
    for route in &ROUTES {
        let action = route.action;
        let handler = match (route.method.as_str(), route.path) {
            ("GET", "/api/v1/me") => get(me),
            ("GET", "/api/v1/clients") => get(clients),
            ("GET", "/api/v1/clients/{id}") => get(client),
            ("POST", "/api/v1/clients/{id}/campaigns") => post(create_campaign),
            ("GET", "/api/v1/clients/{id}/crawls") => get(client_crawls),
            ("GET", "/api/v1/campaigns") => get(campaigns),
            ("GET", "/api/v1/campaigns/{id}") => get(campaign),
            ("POST", "/api/v1/campaigns/{id}/{action}") => post(campaign_action),
            ("GET", "/api/v1/tasks") => get(tasks),
            ("POST", "/api/v1/tasks") => post(create_task),
            ("GET", "/api/v1/tasks/{id}") => get(task),
            ("POST", "/api/v1/tasks/{id}/cancel") => post(cancel_task),
            ("GET", "/api/v1/agents") => get(agents),
            ("GET", "/api/v1/agents/{agent}") => get(agent),
            ("GET", "/api/v1/crawls/{id}") => get(crawl),
            ("GET", "/api/v1/crawls/{id}/issues") => get(crawl_issues),
            ("GET", "/api/v1/crawls/{id}/pages") => get(crawl_pages),
            ("GET", "/api/v1/analytics") => get(analytics),
            ("GET", "/api/v1/analytics/dashboard") => get(dashboard),
            ("GET", "/api/v1/analytics/exports/{file}") => get(analytics_export),
            ("GET", "/api/v1/events") => get(events),
            (method, path) => unreachable!("route {method} {path} has no handler"),
        };
        let gated = handler.layer(axum::middleware::from_fn(move |req: Request, next: Next| gate(action, req, next)));
        r = r.route(route.path, gated);
    }
    // Any other path under /api/v1 is a problem document too (the app's own routes have no fallback here).
    let guarded = r
        .route("/api/v1/{*rest}", axum::routing::any(|| async { ApiError(AppError::NotFound) }))
        .layer(axum::middleware::from_fn_with_state(budget, rate_limit))
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
    responses((status = 200, description = "The token's user", body = domain::model::User)))]
async fn me(Extension(TokenUser(_, user)): Extension<TokenUser>, headers: HeaderMap) -> Result<Response, ApiError> {
    json_tagged(&headers, &user)
}

/// The largest `limit` of the cursor lists.
pub const LIST_MAX: i64 = 200;

/// A cursor list's `limit` from the query (50 when absent).
fn limit_of(q: &HashMap<String, String>) -> Result<i64, AppError> {
    domain::model::paging::parse_limit("limit", q.get("limit").map_or("", String::as_str), 50, LIST_MAX)
        .map_err(AppError::Validation)
}

/// `GET /api/v1/clients?<the client list's filters>&cursor=&limit=`: the caller's clients in the list's
/// order, a slice at a time. `next` is the cursor of the following slice (absent on the last); `total` is
/// how many match.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    params(
        ("q" = Option<String>, Query, description = "Text in the name or domain (at most 100 characters)"),
        ("industry" = Option<domain::model::Industry>, Query, description = "An industry"),
        ("country" = Option<String>, Query, pattern = "^[A-Za-z]{2}$", description = "ISO 3166-1 alpha-2"),
        ("stage" = Option<domain::model::Stage>, Query, description = "A pipeline stage"),
        ("revenue_min" = Option<String>, Query, description = "Whole currency units (empty: no bound)"),
        ("revenue_max" = Option<String>, Query, description = "Whole currency units, at least `revenue_min` (empty: no bound)"),
        ("employees_min" = Option<String>, Query, description = "A whole number (empty: no bound)"),
        ("employees_max" = Option<String>, Query, description = "A whole number, at least `employees_min` (empty: no bound)"),
        ("manager" = Option<String>, Query, description = "A user id, or `none`"),
        ("sort" = Option<String>, Query, description = "`company_name` (default), `annual_revenue`, `employee_count`, `monthly_value`, `stage` or `created_at`"),
        ("dir" = Option<String>, Query, description = "`asc` (default) or `desc`"),
        ("cursor" = Option<String>, Query, description = "`next` of the previous slice (empty: from the start)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (empty: 50)"),
    ),
    responses((status = 200, description = "A slice of the caller's clients", body = domain::model::client_query::ClientSlice),
        (status = 422, description = "A filter is refused", body = Problem, content_type = "application/problem+json")))]
async fn clients(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    RawQuery(query): RawQuery,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let q = ClientQuery::parse(query.as_deref().unwrap_or("")).map_err(AppError::Validation)?;
    let cursor = match params.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(uuid::Uuid::parse_str(c).map_err(|_| {
            AppError::field("cursor", "not a cursor this list gave out: pass `next` from the previous slice")
        })?),
    };
    let limit = limit_of(&params)?;
    let slice = state.client_index.slice(&state.pool, client_scope(&actor), &q, cursor, limit as usize).await?;
    json_tagged(&headers, &slice)
}

/// `GET /api/v1/clients/{id}`: one client of the caller's portfolio (another's is 404).
#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The client's id")),
    responses((status = 200, description = "The client", body = domain::model::Client),
        (status = 404, description = "No such client in the caller's portfolio", body = Problem, content_type = "application/problem+json")))]
async fn client(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let client = store::clients::get(&state.pool, client_scope(&actor), id_of(&id)?).await?;
    json_tagged(&headers, &client)
}

/// A path's id; anything that is not one names no object (404).
fn id_of(raw: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}

/// Runs a create once per `Idempotency-Key` (when the request has one): the first answer is kept and
/// repeated, marked `Idempotent-Replayed: true`. The key covers `request` (method and path) and the body.
/// `Location` is `location` + the answer's `id`.
async fn idempotent<F, Fut>(
    state: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    (request, location): (&str, &str),
    body: &[u8],
    run: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(u16, serde_json::Value), domain::DomainError>>,
{
    let answer = match headers.get("idempotency-key") {
        Some(key) => {
            let key = key.to_str().map_err(|_| AppError::field("Idempotency-Key", "must be visible ASCII"))?;
            let fingerprint = [request.as_bytes(), b"\n", body].concat();
            store::idempotency::once(&state.pool, actor.user_id, key, &fingerprint, run).await?
        }
        None => {
            let (status, body) = run().await?;
            store::idempotency::Answer { status, body, replayed: false }
        }
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::CREATED);
    let mut res = (status, axum::Json(&answer.body)).into_response();
    if answer.replayed {
        res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    let id = answer.body.get("id").and_then(|v| v.as_str());
    if let Some(v) = id.and_then(|id| HeaderValue::from_str(&format!("{location}{id}")).ok()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// `POST /api/v1/clients/{id}/campaigns` with the campaign form's fields as JSON: a draft campaign for the
/// client; `201` with the campaign and its `Location`. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/clients/{id}/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The client's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Runs the request once per key (24 hours)")),
    request_body(content = CampaignBody, content_type = "application/json"),
    responses((status = 201, description = "The draft campaign", body = domain::model::Campaign),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client in the caller's portfolio", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json")))]
async fn create_campaign(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let client_id = id_of(&id)?;
    let input: domain::model::campaign::CampaignInput = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("the body is not a campaign as JSON: {e}")))?;
    let pool = state.pool.clone();
    let run = || async move {
        let draft = input.validate().map_err(domain::DomainError::Validation)?;
        let campaign = store::campaigns::create(&pool, client_scope(&actor), actor.user_id, client_id, &draft).await?;
        let json =
            serde_json::to_value(&campaign).map_err(|e| domain::DomainError::internal("a campaign as JSON", e))?;
        Ok((201u16, json))
    };
    let request = format!("POST /api/v1/clients/{client_id}/campaigns");
    idempotent(&state, &actor, &headers, (&request, "/api/v1/campaigns/"), &body, run).await
}

/// The campaign form as the API takes it: every field a string, as the form sends it (`agents` a list of
/// agent ids; none means the default five).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CampaignBody {
    /// 1 to 120 characters, unique among the client's campaigns.
    name: String,
    /// `technical_audit`, `content`, `link_building`, `local` or `full_seo`.
    kind: String,
    /// `YYYY-MM-DD`.
    start_date: String,
    /// `YYYY-MM-DD` or empty; not before the start.
    end_date: Option<String>,
    /// Whole currency units.
    budget: Option<String>,
    objectives: Option<String>,
    agents: Option<Vec<domain::model::AgentId>>,
}

/// `GET /api/v1/clients/{id}/crawls`: the client's site audits and competitor crawls, newest first, with
/// its audit schedule.
#[utoipa::path(get, path = "/api/v1/clients/{id}/crawls", tag = "crawls", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The client's id")),
    responses((status = 200, description = "The client's crawls and schedule", body = domain::model::crawl::ClientAudits),
        (status = 404, description = "No such client in the caller's portfolio", body = Problem, content_type = "application/problem+json")))]
async fn client_crawls(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let audits = store::crawls::for_client(&state.pool, client_scope(&actor), id_of(&id)?).await?;
    json_tagged(&headers, &audits)
}

/// A slice of a cursor list: the rows, and the cursor of the next slice (absent on the last).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// `GET /api/v1/campaigns?client=&status=&cursor=&limit=`: the caller's campaigns, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    params(("client" = Option<uuid::Uuid>, Query, description = "Only this client's"),
        ("status" = Option<domain::model::CampaignStatus>, Query, description = "Only campaigns with this status"),
        ("cursor" = Option<String>, Query, description = "`next` of the previous slice (empty: from the newest)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (empty: 50)")),
    responses((status = 200, description = "A slice of the caller's campaigns, newest first", body = Slice<domain::model::Campaign>),
        (status = 422, description = "A parameter is refused", body = Problem, content_type = "application/problem+json")))]
async fn campaigns(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    use domain::model::paging::TimeCursor;
    let p = |k: &str| q.get(k).map(|v| v.trim()).unwrap_or("");
    let client = match p("client") {
        "" => None,
        c => Some(uuid::Uuid::parse_str(c).map_err(|_| AppError::field("client", "not a client id"))?),
    };
    let status = match p("status") {
        "" => None,
        s => Some(
            domain::model::CampaignStatus::parse(s)
                .ok_or_else(|| AppError::field("status", "unknown campaign status"))?,
        ),
    };
    let after = TimeCursor::parse("cursor", p("cursor")).map_err(AppError::Validation)?;
    let limit = limit_of(&q)?;
    // One more than asked tells whether another slice follows.
    let mut items = store::campaigns::page(&state.pool, client_scope(&actor), client, status, after, limit + 1).await?;
    let next = cut(&mut items, limit, |c| TimeCursor::new(c.created_at, c.id));
    json_tagged(&headers, &Slice { items, next })
}

/// Trims `items` (read with one extra row) to `limit`; the cursor of its last row when the extra row showed
/// that more follow.
fn cut<T>(items: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> domain::model::paging::TimeCursor) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| cursor(last).to_string())
    } else {
        None
    }
}

/// `GET /api/v1/campaigns/{id}`: one campaign of the caller's portfolio.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The campaign's id")),
    responses((status = 200, description = "The campaign", body = domain::model::Campaign),
        (status = 404, description = "No such campaign in the caller's portfolio", body = Problem, content_type = "application/problem+json")))]
async fn campaign(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let campaign = store::campaigns::get(&state.pool, client_scope(&actor), id_of(&id)?).await?;
    json_tagged(&headers, &campaign)
}

/// `POST /api/v1/campaigns/{id}/{action}`: `start` a draft, `pause` an active campaign, `resume` a paused
/// one, `complete` an active one, `cancel` any that is not finished. Starting has the task coordinator plan
/// the campaign's tasks. A move the lifecycle refuses is `409` naming the moves allowed.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/{action}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The campaign's id"),
        ("action" = domain::model::campaign::CampaignAction, Path, description = "What to do")),
    responses((status = 200, description = "The campaign after the move", body = domain::model::Campaign),
        (status = 404, description = "No such campaign in the caller's portfolio, or no such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The campaign's status doesn't allow it", body = Problem, content_type = "application/problem+json")))]
async fn campaign_action(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let action = domain::model::campaign::CampaignAction::parse(action.trim()).ok_or(AppError::NotFound)?;
    let campaign =
        store::campaigns::apply(&state.pool, client_scope(&actor), actor.user_id, id_of(&id)?, action).await?;
    Ok(axum::Json(campaign).into_response())
}

/// Applies the per-token limit and says where the caller stands, as the IETF draft's headers have it:
/// `RateLimit-Policy: "minute";q=<limit>;w=60` and `RateLimit: "minute";r=<left>;t=<seconds>`; a spent
/// window is a 429 problem with `Retry-After`.
async fn rate_limit(State(budget): State<Arc<RequestBudget>>, req: Request, next: Next) -> Response {
    let Some(TokenId(token)) = req.extensions().get::<TokenId>().copied() else {
        return next.run(req).await;
    };
    let policy = format!("\"minute\";q={};w={}", budget.limit(), BUDGET_WINDOW.as_secs());
    let (mut res, left, reset) = match budget.take(token).await {
        Ok(standing) => (next.run(req).await, standing.left, standing.reset_secs),
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

/// `GET /api/v1/tasks?status=&task_type=&agent=&client=&campaign=&priority=&cursor=&limit=`: the caller's
/// tasks, newest first (as the task list shows them), a slice at a time.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(("status" = Option<domain::model::task::TaskStatus>, Query),
        ("task_type" = Option<domain::model::task::TaskType>, Query),
        ("agent" = Option<domain::model::AgentId>, Query),
        ("client" = Option<uuid::Uuid>, Query, description = "A client id"),
        ("campaign" = Option<uuid::Uuid>, Query, description = "A campaign id"),
        ("priority" = Option<domain::model::task::Priority>, Query),
        ("cursor" = Option<String>, Query, description = "`next` of the previous slice (empty: from the newest)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (empty: 50)")),
    responses((status = 200, description = "A slice of the caller's tasks, newest first", body = Slice<domain::model::task::TaskSummary>),
        (status = 422, description = "A filter is refused", body = Problem, content_type = "application/problem+json")))]
async fn tasks(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    use domain::model::paging::TimeCursor;
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let mut filter = domain::model::task::TaskFilter::parse(
        p("status"),
        p("task_type"),
        p("agent"),
        p("client"),
        p("campaign"),
        p("priority"),
    )
    .map_err(AppError::Validation)?;
    let limit = limit_of(&q)?;
    filter.after = TimeCursor::parse("cursor", p("cursor")).map_err(AppError::Validation)?;
    filter.limit = Some(limit + 1);
    let mut items = store::tasks::list(&state.pool, client_scope(&actor), actor.user_id, &filter).await?;
    let next = cut(&mut items, limit, |t| TimeCursor::new(t.created_at, t.id));
    json_tagged(&headers, &Slice { items, next })
}

/// `GET /api/v1/tasks/{id}`: a task with its result.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The task's id")),
    responses((status = 200, description = "The task (`summary`, `params`, `output`: its result, whose shape is the agent's)", body = Object),
        (status = 404, description = "No such task in the caller's scope", body = Problem, content_type = "application/problem+json")))]
async fn task(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let task = store::tasks::get(&state.pool, client_scope(&actor), actor.user_id, id_of(&id)?).await?;
    json_tagged(&headers, &task)
}

/// The run form as the API takes it (every field a string, as the form sends it).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TaskBody {
    task_type: domain::model::task::TaskType,
    /// The client the task is about (most task types need one).
    client_id: Option<String>,
    campaign_id: Option<String>,
    priority: Option<String>,
    /// ISO 4217, for the proposal and pricing agents.
    currency: Option<String>,
    /// The reporting period in days.
    period_days: Option<String>,
}

/// A queued task's id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub id: uuid::Uuid,
}

/// `POST /api/v1/tasks` with the run form's fields as JSON: queues the task; `201` with its id and
/// `Location`. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Runs the request once per key (24 hours)")),
    request_body(content = TaskBody, content_type = "application/json"),
    responses((status = 201, description = "Queued", body = Queued),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json")))]
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
    idempotent(&state, &actor, &headers, ("POST /api/v1/tasks", "/api/v1/tasks/"), &body, run).await
}

/// A task's status after a cancel request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cancelled {
    pub id: uuid::Uuid,
    pub status: domain::model::task::TaskStatus,
}

/// `POST /api/v1/tasks/{id}/cancel`: cancels a pending task at once, a running one at its next checkpoint.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/cancel", tag = "tasks", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The task's id")),
    responses((status = 200, description = "The task's status after the request", body = Cancelled),
        (status = 404, description = "No such task in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task has already finished", body = Problem, content_type = "application/problem+json")))]
async fn cancel_task(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let status = domain::tasks::queue::cancel(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    Ok(axum::Json(Cancelled { id, status }).into_response())
}

/// The language model's circuit, when one is configured.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LlmCircuit {
    pub model: String,
    /// `Closed`, `Open` or `HalfOpen`.
    pub circuit: String,
    pub consecutive_failures: u32,
    pub retry_in_secs: u64,
}

/// The fourteen agents' health.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Agents {
    pub agents: Vec<domain::model::task::AgentStatus>,
    pub llm: Option<LlmCircuit>,
}

/// `GET /api/v1/agents`: every agent's health (enabled, circuit, success and duration over the last hour
/// and day, running and pending tasks, LLM use) with its five latest tasks the caller may see, and the
/// language model's circuit.
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", security(("bearer" = [])),
    responses((status = 200, description = "The agents' health", body = Agents)))]
async fn agents(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let agents =
        domain::tasks::agent_settings::agent_statuses(&state.pool, client_scope(&actor), actor.user_id, 5).await?;
    let llm = state.llm.as_ref().map(|l| {
        let c = l.circuit();
        LlmCircuit {
            model: l.model().to_string(),
            circuit: format!("{:?}", c.phase),
            consecutive_failures: c.consecutive_failures,
            retry_in_secs: c.retry_in_secs,
        }
    });
    json_tagged(&headers, &Agents { agents, llm })
}

/// `GET /api/v1/agents/{agent}`: one agent's health with its 20 latest tasks the caller may see.
#[utoipa::path(get, path = "/api/v1/agents/{agent}", tag = "agents", security(("bearer" = [])),
    params(("agent" = domain::model::AgentId, Path, description = "The agent's id")),
    responses((status = 200, description = "The agent's health", body = domain::model::task::AgentStatus),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json")))]
async fn agent(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(agent): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = domain::model::AgentId::parse(agent.trim()).ok_or(AppError::NotFound)?;
    let all =
        domain::tasks::agent_settings::agent_statuses(&state.pool, client_scope(&actor), actor.user_id, 20).await?;
    let status = all.into_iter().find(|a| a.agent == id).ok_or(AppError::NotFound)?;
    json_tagged(&headers, &status)
}

/// A crawl with its issue counts by check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrawlDetail {
    pub crawl: domain::model::crawl::Crawl,
    pub checks: Vec<domain::model::crawl::CheckCount>,
}

/// `GET /api/v1/crawls/{id}`: a crawl (status, counters, health and category scores) with its issues
/// counted by check.
#[utoipa::path(get, path = "/api/v1/crawls/{id}", tag = "crawls", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The crawl's id")),
    responses((status = 200, description = "The crawl", body = CrawlDetail),
        (status = 404, description = "No such crawl in the caller's portfolio", body = Problem, content_type = "application/problem+json")))]
async fn crawl(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let crawl = store::crawls::get(&state.pool, client_scope(&actor), id_of(&id)?).await?;
    let checks = store::crawls::check_counts(&state.pool, crawl.id).await?;
    json_tagged(&headers, &CrawlDetail { crawl, checks })
}

/// An issue with its id (the cursor's position).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssueItem {
    pub id: i64,
    #[serde(flatten)]
    pub issue: domain::model::crawl::IssueRow,
}

/// A slice of a crawl's issues or pages; `next` is the id to pass as `after` (absent on the last slice).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowSlice<T> {
    pub items: Vec<T>,
    pub next: Option<i64>,
}

/// `after` (a row id, 0 by default) and `limit` of a crawl's row lists.
fn rows_window(q: &HashMap<String, String>) -> Result<(i64, i64), AppError> {
    let after = match q.get("after").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => 0,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AppError::field("after", "enter a row id from 0 (`next` of the previous slice)"))?,
    };
    Ok((after, limit_of(q)?))
}

/// `GET /api/v1/crawls/{id}/issues?check=&after=&limit=`: the crawl's issues (of one check when given), in
/// the order they were found, a slice at a time.
#[utoipa::path(get, path = "/api/v1/crawls/{id}/issues", tag = "crawls", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The crawl's id"),
        ("check" = Option<String>, Query, description = "A check id (see audit-checks in the docs), e.g. `title_missing`"),
        ("after" = Option<i64>, Query, minimum = 0, description = "`next` of the previous slice (empty: from the first)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (empty: 50)")),
    responses((status = 200, description = "A slice of the crawl's issues", body = RowSlice<IssueItem>),
        (status = 404, description = "No such crawl in the caller's portfolio", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is refused", body = Problem, content_type = "application/problem+json")))]
async fn crawl_issues(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let crawl = store::crawls::get(&state.pool, client_scope(&actor), id_of(&id)?).await?;
    let check = q.get("check").map(|c| c.trim()).filter(|c| !c.is_empty());
    if let Some(check) = check {
        if !domain::crawl::checks::CHECKS.iter().any(|c| c.id == check) {
            return Err(AppError::field("check", format!("unknown check \u{201c}{check}\u{201d}")).into());
        }
    }
    let (after, limit) = rows_window(&q)?;
    let rows = store::crawls::issue_slice(&state.pool, crawl.id, check, after, limit).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| r.0) } else { None };
    let items: Vec<IssueItem> = rows.into_iter().map(|(id, issue)| IssueItem { id, issue }).collect();
    json_tagged(&headers, &RowSlice { items, next })
}

/// `GET /api/v1/crawls/{id}/pages?after=&limit=`: the crawl's pages in crawl order, a slice at a time.
#[utoipa::path(get, path = "/api/v1/crawls/{id}/pages", tag = "crawls", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The crawl's id"),
        ("after" = Option<i64>, Query, minimum = 0, description = "`next` of the previous slice (empty: from the first)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (empty: 50)")),
    responses((status = 200, description = "A slice of the crawl's pages", body = RowSlice<domain::model::crawl::PageRow>),
        (status = 404, description = "No such crawl in the caller's portfolio", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is refused", body = Problem, content_type = "application/problem+json")))]
async fn crawl_pages(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let crawl = store::crawls::get(&state.pool, client_scope(&actor), id_of(&id)?).await?;
    let (after, limit) = rows_window(&q)?;
    let after = i32::try_from(after).unwrap_or(i32::MAX);
    let items = store::crawls::page_chunk(&state.pool, crawl.id, after, limit).await?;
    let next = if items.len() as i64 == limit { items.last().map(|p| i64::from(p.id)) } else { None };
    json_tagged(&headers, &RowSlice { items, next })
}

/// The range parameters of the analytics routes, for the OpenAPI document (read by [`range_of`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct RangeQuery {
    /// `day`, `week`, `month` (default), `quarter`, `year` or `custom`
    range: Option<String>,
    /// `YYYY-MM-DD`, with `range=custom`
    from: Option<String>,
    /// `YYYY-MM-DD`, with `range=custom`
    to: Option<String>,
}

/// The range of the analytics routes from the query: `range` (`day`, `week`, `month`, `quarter`, `year`,
/// `custom`) with `from` and `to` for custom dates.
fn range_of(q: &HashMap<String, String>) -> Result<domain::model::dashboard::DashboardRange, AppError> {
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    domain::model::dashboard::DashboardRange::parse(p("range"), p("from"), p("to")).map_err(AppError::Validation)
}

/// `GET /api/v1/analytics?range=&from=&to=`: the analytics page's figures for the range within the caller's
/// portfolio: per agent (tasks, success rate, mean and p95 duration, LLM tokens and cost), the business
/// (pipeline by stage, won and lost, revenue under management, audits and health), and the system's own
/// figures for admins.
#[utoipa::path(get, path = "/api/v1/analytics", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery),
    responses((status = 200, description = "The figures (`window`, `agents`, `business`, `system`)", body = Object),
        (status = 422, description = "The range is refused", body = Problem, content_type = "application/problem+json")))]
async fn analytics(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let range = range_of(&q)?;
    let mut figures = store::analytics::load(&state.pool, &actor, range, chrono::Utc::now()).await?;
    if policy::authorize(Some(&actor), Action::ViewSystemFigures).is_ok() {
        figures.system = Some(app::api::analytics::ssr::system_figures(&state).await?);
    }
    json_tagged(&headers, &figures)
}

/// `GET /api/v1/analytics/dashboard?range=&from=&to=`: the dashboard's figures for the range within the
/// caller's portfolio (KPIs with their trends, agent states, the charts' series, the pipeline funnel).
#[utoipa::path(get, path = "/api/v1/analytics/dashboard", tag = "analytics", security(("bearer" = [])),
    params(RangeQuery),
    responses((status = 200, description = "The dashboard's figures", body = Object),
        (status = 422, description = "The range is refused", body = Problem, content_type = "application/problem+json")))]
async fn dashboard(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let range = range_of(&q)?;
    let data = store::dashboard::load(&state.pool, &actor, range, chrono::Utc::now()).await?;
    json_tagged(&headers, &data)
}

/// `GET /api/v1/analytics/exports/{file}?range=&from=&to=`: one analytics table as a file:
/// `agents`, `business` or `system` (admins), as `.csv`, `.json` or `.xlsx`; CSV and JSON are streamed.
#[utoipa::path(get, path = "/api/v1/analytics/exports/{file}", tag = "analytics", security(("bearer" = [])),
    params(("file" = String, Path, description = "`agents.csv`, `business.xlsx`, `system.json`, …"),
        RangeQuery),
    responses((status = 200, description = "The table as a file",
            content((String = "text/csv"), (Object = "application/json"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such table or format", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The range is refused", body = Problem, content_type = "application/problem+json")))]
async fn analytics_export(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    Ok(crate::export::analytics_file(&state, actor, &file, query.as_deref()).await?)
}

/// The most events one page of `GET /api/v1/events` returns.
pub const EVENTS_MAX: i64 = 500;

/// `GET /api/v1/events?after=<id>&limit=<n>`: the events the caller may see after `after`, oldest first
/// (the events table the live stream and webhooks read), with `next` to pass as `after` for the next page
/// (cursor pagination: it moves past events the caller may not see, too) and `more` when the page was full.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    params(("after" = Option<i64>, Query, minimum = 0, description = "The cursor: events after this id (empty: from the first)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (empty: 100)")),
    responses((status = 200, description = "`events` (oldest first), `next` (the next cursor), `more`", body = Object),
        (status = 422, description = "A parameter is refused", body = Problem, content_type = "application/problem+json")))]
async fn events(
    State(state): State<AppState>,
    Extension(TokenUser(actor, _)): Extension<TokenUser>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let number = |field: &str, default: i64, max: i64| -> Result<i64, AppError> {
        match q.get(field).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| AppError::field(field, format!("enter a whole number from 0 to {max}"))),
        }
    };
    let after = number("after", 0, i64::MAX)?;
    let limit = domain::model::paging::parse_limit("limit", q.get("limit").map_or("", String::as_str), 100, EVENTS_MAX)
        .map_err(AppError::Validation)?;
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
    paths(me, clients, client, create_campaign, client_crawls, campaigns, campaign, campaign_action, tasks, create_task,
        task, cancel_task, agents, agent, crawl, crawl_issues, crawl_pages, analytics, dashboard, analytics_export, events),
    components(schemas(Problem, FieldProblem, domain::model::campaign::CampaignAction, domain::model::AgentId,
        domain::model::Industry, domain::model::Stage, domain::model::CampaignStatus, domain::model::task::TaskStatus,
        domain::model::task::TaskType, domain::model::task::Priority)),
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
        // What every route may answer: no valid token, a role without the route's action, a spent budget.
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                )
                .build()
        };
        // A query parameter sent empty counts as not sent (as the UI's forms send them): say so in each one's
        // schema, `anyOf` its own type and the empty string.
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
        let empty =
            || -> Schema { ObjectBuilder::new().schema_type(Type::String).enum_values(Some([""])).build().into() };
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if parameter.parameter_in == ParameterIn::Query {
                        if let Some(schema) = parameter.schema.take() {
                            let either = AnyOfBuilder::new().item(schema).item(empty()).build();
                            parameter.schema = Some(Schema::AnyOf(either).into());
                        }
                    }
                }
                let responses = &mut operation.responses.responses;
                responses.insert("401".into(), problem("No valid token").into());
                responses.insert("403".into(), problem("The token's user may not do this").into());
                responses.insert("429".into(), problem("The user's requests this minute are spent").into());
            }
        }
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
