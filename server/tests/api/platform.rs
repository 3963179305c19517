use crate::common::*;
use std::time::Duration;

#[tokio::test]
async fn health_ready_and_metrics_answer() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    let health = c.get("/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "alive");
    let ready = c.get("/ready").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["status"], "healthy");
    c.get("/login").await;
    let metrics = c.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("http_requests_total"), "{}", metrics.body);
    assert!(metrics.body.contains("route=\"/login\""), "requests are counted by route template");
    assert!(metrics.body.contains("http_request_duration_seconds_bucket"), "latency is a histogram");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let app = TestApp::spawn(Options::default()).await;
    let res = app.client().get("/login").await;
    assert_eq!(res.status, 200);
    let csp = res.header("content-security-policy").expect("CSP");
    for part in ["default-src 'self'", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in CSP");
    assert!(res.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the response's nonce");
    assert_eq!(res.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(res.header("x-frame-options").as_deref(), Some("DENY"));
    assert!(res.header("referrer-policy").is_some());
    assert!(res.header("x-request-id").is_some_and(|id| id.len() >= 32));
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    let res = c
        .post_with(
            "/api/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(res.status, 403);
    let res = c
        .post_with(
            "/api/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
            &[("origin", "http://evil.test")],
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(c.session_cookie(), None, "no session was created");
    let same = c
        .post_with(
            "/api/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
            &[("sec-fetch-site", "same-origin"), ("accept", "application/json")],
        )
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn(Options::default()).await;
    let big = "x".repeat(70 * 1024);
    let res = app.client().post("/api/login", &[("email", &big), ("password", "x")]).await;
    assert_eq!(res.status, 413);
}

#[tokio::test]
async fn unknown_pages_answer_404_with_a_page() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = admin.get("/no/such/page").await;
    assert_eq!(res.status, 404);
    assert!(res.body.contains("Page not found"));
}

#[tokio::test]
async fn redis_going_away_gives_503_and_the_app_recovers() {
    let proxy = Proxy::start(REDIS_ADDR).await;
    let app =
        TestApp::spawn(Options { redis_url: Some(format!("redis://{}", proxy.addr)), ..Default::default() }).await;
    let c = app.client();
    assert_eq!(c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 200);

    proxy.down();
    let res = c.post("/api/me", &[]).await;
    assert_eq!(res.status, 503, "{}", res.body);
    assert!(res.header("retry-after").is_some());
    let page = c.get("/").await;
    assert_eq!(page.status, 503);
    assert!(page.body.contains("Temporarily unavailable"));
    let ready = c.get("/ready").await;
    assert_eq!(ready.json()["status"], "degraded", "{}", ready.body);
    assert_eq!(ready.status, 200, "Redis alone down: degraded, not dead");
    assert_eq!(app.client().login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 503);

    proxy.up();
    let mut recovered = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if c.post("/api/me", &[]).await.status == 200 {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "requests succeed again without a restart");
    assert_eq!(c.me().await.as_deref(), Some(ADMIN_EMAIL), "the session in Redis survived the outage");
    assert_eq!(c.get("/ready").await.json()["status"], "healthy");
}

#[tokio::test]
async fn postgres_going_away_gives_503_and_the_app_recovers() {
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let db = std::sync::Arc::new(TestDb::create().await);
    let url = db.url.replace("127.0.0.1:5432", &proxy.addr.to_string());
    let app = TestApp::spawn_on(db, Options { database_url: Some(url), ..Default::default() }).await;
    let c = app.admin().await;

    proxy.down();
    let res = c.post("/api/users/list", &[("role", ""), ("status", "")]).await;
    assert_eq!(res.status, 503, "{}", res.body);
    assert!(res.body.contains("Unavailable"));
    let ready = c.get("/ready").await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["checks"][0]["status"], "down");
    assert_eq!(c.get("/health").await.status, 200, "alive while degraded");

    proxy.up();
    let mut recovered = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if c.post("/api/users/list", &[("role", ""), ("status", "")]).await.status == 200 {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "requests succeed again without a restart");
    assert_eq!(c.get("/ready").await.status, 200);
}
