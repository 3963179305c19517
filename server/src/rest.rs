//! The REST API, `/api/v1`: JSON for scripts and integrations, authenticated by personal API tokens
//! (`Authorization: Bearer aiseo_…`, see `domain::store::tokens`). A token acts as its user: every route
//! asks the same policy as the UI ([`ROUTES`] names the action of each) and reads through the same
//! portfolio scope. Errors are RFC 9457 problem documents (`application/problem+json`) carrying the field
//! errors and the request id. Reads carry an `ETag` and answer `304 Not Modified` to a matching
//! `If-None-Match`.

use app::error::AppError;
use app::state::AppState;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use domain::model::client_query::ClientQuery;
use domain::policy::{self, client_scope, Action, Actor};
use domain::store;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One route of the API: method, path (axum's syntax) and the policy action it checks. The router is built
/// from this table and the authorization tests walk it, so a route can't be added without its action.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
}

/// Every route of `/api/v1`.
pub static ROUTES: [Route; 3] = [
    Route { method: Method::GET, path: "/api/v1/me", action: Action::ViewOwnAccount },
    Route { method: Method::GET, path: "/api/v1/clients", action: Action::ListClients },
    Route { method: Method::GET, path: "/api/v1/clients/{id}", action: Action::ListClients },
];

/// The signed-in token's user, put in the request by [`bearer`].
#[derive(Debug, Clone)]
pub struct TokenUser(pub Actor, pub domain::model::User);

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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

/// The API's router: [`ROUTES`], then a problem document for any other path under `/api/v1`.
pub fn router(state: AppState) -> Router<AppState> {
    let mut r = Router::new();
    for route in &ROUTES {
        let action = route.action;
        let handler = match route.path {
            "/api/v1/me" => get(me),
            "/api/v1/clients" => get(clients),
            "/api/v1/clients/{id}" => get(client),
            other => unreachable!("route {other} has no handler"),
        };
        r = r.route(
            route.path,
            handler.layer(axum::middleware::from_fn(move |req: Request, next: Next| gate(action, req, next))),
        );
    }
    // Any other path under /api/v1 is a problem document too (the app's own routes have no fallback here).
    r.route("/api/v1/{*rest}", axum::routing::any(|| async { ApiError(AppError::NotFound) }))
        .layer(axum::middleware::from_fn_with_state(state, bearer))
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
async fn me(Extension(TokenUser(_, user)): Extension<TokenUser>, headers: HeaderMap) -> Result<Response, ApiError> {
    json_tagged(&headers, &user)
}

/// `GET /api/v1/clients?<the client list's filters>`: one page of the caller's clients.
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
