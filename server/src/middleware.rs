//! Request middleware: who is calling, page guards, origin checks, security headers, metrics, 503 mapping.

use app::api::CurrentUser;
use app::state::{session_keys, AppState, Caller, ClientIp, ClientsVersion, CspNonce};
use app::AppError;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::policy;
use domain::DomainError;
use http::{header, HeaderValue, Method, StatusCode};
use std::net::SocketAddr;
use std::time::Instant;
use tower_sessions::Session;

/// Pages are GET/HEAD requests outside /api and /pkg whose last segment has no file extension (the live
/// event stream, `/events`, is not a page: an anonymous caller gets 401, not the sign-in page).
pub fn is_page_request(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && path != "/events"
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !path.rsplit('/').next().unwrap_or("").contains('.')
}

fn unavailable(page: bool) -> Response {
    let mut res = if page {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::response::Html(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Temporarily unavailable</title></head>\
                 <body><main><h1>Temporarily unavailable</h1><p>The service can't reach its database or session store \
                 right now. Try again in a moment.</p></main></body></html>",
            ),
        )
            .into_response()
    } else {
        let body = serde_json::to_string(&AppError::Unavailable).unwrap_or_default();
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res
}

/// Loads the signed-in user for this request. A session whose user is gone, deactivated or whose
/// session version is stale is flushed: that is how deactivation and password resets end sessions.
async fn load_caller(state: &AppState, session: &Session) -> Result<Option<(CurrentUser, i64)>, DomainError> {
    let store_err = |e: tower_sessions::session::Error| DomainError::unavailable("session store", e);
    let Some(user_id) = session.get::<uuid::Uuid>(session_keys::USER_ID).await.map_err(store_err)? else {
        return Ok(None);
    };
    let version = session.get::<i32>(session_keys::VERSION).await.map_err(store_err)?;
    match domain::store::users::session_user(&state.pool, user_id).await? {
        Some(found) if found.user.active && Some(found.session_version) == version => {
            let user = found.user;
            // Refresh the idle timer at most once a minute (a save re-sets the store's expiry).
            let now = chrono::Utc::now().timestamp();
            let seen = session.get::<i64>(session_keys::SEEN).await.map_err(store_err)?.unwrap_or(0);
            if now - seen >= 60 {
                session.insert(session_keys::SEEN, now).await.map_err(store_err)?;
            }
            Ok(Some((
                CurrentUser {
                    id: user.id,
                    email: user.email,
                    name: user.name,
                    role: user.role,
                    client_id: user.client_id,
                },
                found.clients_version,
            )))
        }
        _ => {
            session.flush().await.map_err(store_err)?;
            Ok(None)
        }
    }
}

/// Puts [`Caller`] in the request, sends anonymous page visits to sign-in (and back afterwards), and
/// answers 403 for pages the caller's role doesn't allow (the page itself renders "Access denied").
pub async fn authenticate(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let page = is_page_request(req.method(), req.uri().path());
    let caller = match load_caller(&state, &session).await {
        Ok(caller) => caller,
        Err(DomainError::Unavailable(detail)) => {
            tracing::warn!(%detail, "request refused: dependency unavailable");
            return unavailable(page);
        }
        Err(e) => {
            tracing::error!(error = %e, "loading the caller failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (caller, clients_version) = match caller {
        Some((user, v)) => (Caller(Some(user)), Some(ClientsVersion(v))),
        None => (Caller(None), None),
    };
    if let Some(v) = clients_version {
        req.extensions_mut().insert(v);
    }
    let mut forbidden = false;
    if page {
        let path = req.uri().path().to_string();
        let client_user = caller.0.as_ref().is_some_and(|u| u.role == domain::model::Role::Client);
        // A client user's home is the portal.
        if (path == "/login" && caller.0.is_some()) || (path == "/" && client_user) {
            return Redirect::to(if client_user { "/portal" } else { "/" }).into_response();
        }
        if let Some(action) = policy::page_action(&path) {
            match policy::authorize(caller.actor().as_ref(), action) {
                Ok(()) => {}
                Err(policy::Denied::Unauthenticated) => {
                    let target = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
                    let location = format!("/login?next={}", urlencode(target));
                    return Redirect::to(&location).into_response();
                }
                Err(policy::Denied::Forbidden) => forbidden = true,
            }
        }
    }
    req.extensions_mut().insert(caller);
    let mut res = next.run(req).await;
    if forbidden {
        *res.status_mut() = StatusCode::FORBIDDEN;
    }
    res
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The client's IP: the peer address, or the last X-Forwarded-For entry when configured to trust it.
pub async fn client_ip(State(trust_forwarded): State<bool>, mut req: Request, next: Next) -> Response {
    let forwarded = trust_forwarded
        .then(|| req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let ip = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// Refuses cross-site state-changing requests (CSRF). Both signals a browser sends must agree with a
/// same-origin request: an `Origin` header, when present, must name this host (a mismatch refuses whatever
/// else the request says), and `Sec-Fetch-Site`, when present, must be `same-origin` or `none` (typed
/// into the address bar). Requests with neither (scripts, curl) carry no ambient browser credentials of a
/// victim and pass.
pub async fn same_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !origin_allowed(req.headers()) {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        let body = serde_json::to_string(&AppError::Forbidden).unwrap_or_default();
        return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    next.run(req).await
}

pub fn origin_allowed(headers: &http::HeaderMap) -> bool {
    let origin_ok = match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => match (origin.to_str().ok(), headers.get(header::HOST).and_then(|v| v.to_str().ok())) {
            (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest == host).unwrap_or(false),
            _ => false,
        },
    };
    let fetch_site_ok = match headers.get("sec-fetch-site") {
        None => true,
        Some(site) => matches!(site.to_str(), Ok("same-origin" | "none")),
    };
    origin_ok && fetch_site_ok
}

/// Security headers on every response, with a fresh CSP nonce for the inline scripts Leptos writes.
pub async fn security_headers(mut req: Request, next: Next) -> Response {
    let nonce = {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    res
}

/// How long browsers may keep what they got:
/// - content-hashed assets (`/pkg/<name>.<16 hex>.js|wasm`, a new name for new bytes): a year, immutable;
/// - other static files (CSS, ECharts, icons): kept but revalidated each time (`no-cache`; unchanged files
///   answer 304 from their Last-Modified);
/// - everything else (pages, server-function answers, exports: per-user data): never stored (`no-store`).
pub async fn cache_control(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    if res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let value = if !(res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED) {
        "no-store"
    } else if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else if is_static_file(&path) {
        "no-cache"
    } else {
        "no-store"
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// `/pkg/<name>.<16 lowercase hex>.<ext>`: the content-hashed copies `scripts/build.sh` writes.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else { return false };
    let mut parts = file.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else { return false };
    !stem.is_empty()
        && !stem.contains('/')
        && matches!(ext, "js" | "wasm")
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/")
        || (!path.starts_with("/api/")
            && !path.starts_with("/export/")
            && path.rsplit('/').next().unwrap_or("").contains('.'))
}

/// Request count and latency by route template (never by raw path, which would explode cardinality).
pub async fn record_metrics(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| {
        if req.uri().path().starts_with("/pkg/") {
            "/pkg/*".into()
        } else {
            "unmatched".into()
        }
    });
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// Server-function errors leave server_fn as 500s; this gives them their real status (401, 403, 422,
/// 429 with Retry-After, 503, ...) from the typed error in the body.
pub async fn api_error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match error {
            AppError::Throttled { retry_after_secs } => {
                parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            AppError::Unavailable => {
                parts.headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(origin_allowed(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!origin_allowed(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!origin_allowed(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(origin_allowed(&headers(&[("origin", "http://app.test:3000"), ("host", "app.test:3000")])));
        assert!(!origin_allowed(&headers(&[("origin", "http://evil.test"), ("host", "app.test:3000")])));
        assert!(origin_allowed(&headers(&[("host", "app.test")])));
    }

    #[test]
    fn a_mismatched_origin_refuses_whatever_sec_fetch_site_says() {
        for site in ["none", "same-origin"] {
            assert!(!origin_allowed(&headers(&[
                ("sec-fetch-site", site),
                ("origin", "http://evil.test"),
                ("host", "app.test:3000")
            ])));
            assert!(origin_allowed(&headers(&[
                ("sec-fetch-site", site),
                ("origin", "http://app.test:3000"),
                ("host", "app.test:3000")
            ])));
        }
        assert!(!origin_allowed(&headers(&[("sec-fetch-site", "none"), ("origin", "null"), ("host", "app.test")])));
        assert!(!origin_allowed(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://app.test"),
            ("host", "app.test")
        ])));
    }

    #[test]
    fn pages_are_told_apart_from_assets_and_api() {
        assert!(is_page_request(&Method::GET, "/admin/users"));
        assert!(!is_page_request(&Method::POST, "/admin/users"));
        assert!(!is_page_request(&Method::GET, "/api/me"));
        assert!(!is_page_request(&Method::GET, "/events"));
        assert!(!is_page_request(&Method::GET, "/pkg/app.wasm"));
        assert!(!is_page_request(&Method::GET, "/favicon.ico"));
    }

    #[test]
    fn only_content_hashed_assets_are_immutable() {
        assert!(is_hashed_asset("/pkg/ai-seo-architects.0123456789abcdef.wasm"));
        assert!(is_hashed_asset("/pkg/ai-seo-architects.0123456789abcdef.js"));
        assert!(!is_hashed_asset("/pkg/ai-seo-architects.wasm"));
        assert!(!is_hashed_asset("/pkg/ai-seo-architects.css"));
        assert!(!is_hashed_asset("/pkg/ai-seo-architects.0123456789ABCDEF.js"));
        assert!(!is_hashed_asset("/pkg/x.0123456789abcdef.css"));
        assert!(!is_hashed_asset("/clients/ai-seo-architects.0123456789abcdef.js"));
        assert!(is_static_file("/echarts.min.js") && is_static_file("/pkg/ai-seo-architects.css"));
        assert!(!is_static_file("/clients") && !is_static_file("/export/clients.csv"));
    }

    #[test]
    fn next_parameter_is_percent_encoded() {
        assert_eq!(urlencode("/admin/users?role=staff&x=1"), "%2Fadmin%2Fusers%3Frole%3Dstaff%26x%3D1");
    }
}
