use crate::common::*;

#[tokio::test]
async fn admin_signs_in_and_the_session_knows_them() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    assert_eq!(c.me().await, None);
    let res = c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json(), serde_json::json!("/"));
    assert_eq!(c.me().await.as_deref(), Some(ADMIN_EMAIL));
}

#[tokio::test]
async fn email_is_matched_case_insensitively() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    assert_eq!(c.login("  ADMIN@Agency.Test ", ADMIN_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn(Options::default()).await;
    let unknown = app.client().login("nobody@agency.test", ADMIN_PASSWORD).await;
    let wrong = app.client().login(ADMIN_EMAIL, "not-the-password").await;
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.body, wrong.body);
    assert!(unknown.body.contains("InvalidCredentials"), "{}", unknown.body);
}

#[tokio::test]
async fn deactivated_user_cannot_sign_in_and_gets_the_generic_error() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (_user, id, email) = app.user(&admin, "staff").await;
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &id)]).await.status, 200);
    let res = app.client().login(&email, "a-good-long-password").await;
    assert_eq!(res.status, 401);
    assert!(res.body.contains("InvalidCredentials"));
}

#[tokio::test]
async fn session_id_is_cycled_at_sign_in() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.admin().await;
    let first = c.session_cookie().expect("cookie after sign-in");
    let res = c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, 200);
    let second = c.session_cookie().expect("cookie after second sign-in");
    assert_ne!(first, second, "the session id must change at sign-in");
    let old = c.with_cookie(Some(first));
    assert_eq!(old.me().await, None, "the previous session id must no longer work");
    assert_eq!(c.me().await.as_deref(), Some(ADMIN_EMAIL));
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    let res = c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let cookie = res.header("set-cookie").expect("set-cookie");
    assert!(cookie.starts_with("aiseo_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age="), "inactivity expiry: {cookie}");
}

#[tokio::test]
async fn logout_deletes_the_session_from_the_store() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.admin().await;
    let cookie = c.session_cookie();
    let res = c.post("/api/logout", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(c.session_cookie(), None, "cookie removed");
    let replay = c.with_cookie(cookie);
    assert_eq!(replay.me().await, None, "the old session id is dead server-side");
}

#[tokio::test]
async fn account_is_throttled_after_five_failures_with_retry_after() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(c.login(ADMIN_EMAIL, "wrong-password-x").await.status, 401);
    }
    let res = c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status, 429, "even the right password waits: {}", res.body);
    let retry: u64 = res.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(retry > 0 && retry <= 300, "{retry}");
    assert!(res.body.contains("Throttled"), "{}", res.body);
}

#[tokio::test]
async fn client_ip_is_throttled_across_accounts() {
    let app = TestApp::spawn(Options { ip_failures: 3, ..Default::default() }).await;
    let c = app.client();
    for i in 0..3 {
        assert_eq!(c.login(&format!("u{i}@agency.test"), "wrong-password-x").await.status, 401);
    }
    assert_eq!(c.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 429);
}

#[tokio::test]
async fn throttling_is_shared_by_instances_through_redis() {
    let a = TestApp::spawn(Options::default()).await;
    let b =
        TestApp::spawn_on(a.db.clone(), Options { redis_prefix: Some(a.redis_prefix.clone()), ..Default::default() })
            .await;
    for _ in 0..5 {
        assert_eq!(a.client().login(ADMIN_EMAIL, "wrong-password-x").await.status, 401);
    }
    assert_eq!(b.client().login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 429);
}

#[tokio::test]
async fn sessions_work_across_instances_through_redis() {
    let a = TestApp::spawn(Options::default()).await;
    let b =
        TestApp::spawn_on(a.db.clone(), Options { redis_prefix: Some(a.redis_prefix.clone()), ..Default::default() })
            .await;
    let on_a = a.admin().await;
    let on_b = b.client().with_cookie(on_a.session_cookie());
    assert_eq!(on_b.me().await.as_deref(), Some(ADMIN_EMAIL));
}

#[tokio::test]
async fn memory_sessions_work_without_redis() {
    let app = TestApp::spawn(Options { redis: false, ..Default::default() }).await;
    let c = app.admin().await;
    assert_eq!(c.me().await.as_deref(), Some(ADMIN_EMAIL));
    for _ in 0..5 {
        app.client().login(ADMIN_EMAIL, "wrong-password-x").await;
    }
    assert_eq!(app.client().login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 429);
}

#[tokio::test]
async fn deactivation_ends_the_users_sessions_at_once() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (user, id, email) = app.user(&admin, "staff").await;
    assert_eq!(user.me().await.as_deref(), Some(email.as_str()));
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &id)]).await.status, 200);
    assert_eq!(user.me().await, None, "next request is anonymous");
    let page = user.get("/").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location").as_deref(), Some("/login?next=%2F"));
}

#[tokio::test]
async fn password_reset_ends_the_users_sessions() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (user, id, email) = app.user(&admin, "staff").await;
    let res = admin.post("/api/users/reset-password", &[("id", &id), ("password", "")]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let generated = res.json().as_str().expect("generated password").to_string();
    assert_eq!(user.me().await, None);
    assert_eq!(app.client().login(&email, "a-good-long-password").await.status, 401);
    assert_eq!(app.client().login(&email, &generated).await.status, 200);
}

#[tokio::test]
async fn own_password_change_needs_the_current_one_and_keeps_this_session() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (user, _, email) = app.user(&admin, "account_manager").await;
    let other_tab = app.client();
    assert_eq!(other_tab.login(&email, "a-good-long-password").await.status, 200);
    let wrong = user
        .post(
            "/api/account/password",
            &[
                ("current_password", "nope-nope-nope"),
                ("new_password", "brand-new-password"),
                ("confirm_password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("current_password"), "{}", wrong.body);
    let short = user
        .post(
            "/api/account/password",
            &[("current_password", "a-good-long-password"), ("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("new_password"), "{}", short.body);
    let ok = user
        .post(
            "/api/account/password",
            &[
                ("current_password", "a-good-long-password"),
                ("new_password", "brand-new-password"),
                ("confirm_password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(user.me().await.as_deref(), Some(email.as_str()), "this session stays");
    assert_eq!(other_tab.me().await, None, "other sessions end");
    assert_eq!(app.client().login(&email, "brand-new-password").await.status, 200);
}

#[tokio::test]
async fn anonymous_page_visit_redirects_to_sign_in_and_back() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    let res = c.get("/admin/users?role=staff").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.header("location").as_deref(), Some("/login?next=%2Fadmin%2Fusers%3Frole%3Dstaff"));
    let login = c
        .post(
            "/api/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("next", "/admin/users?role=staff")],
        )
        .await;
    assert_eq!(login.json(), serde_json::json!("/admin/users?role=staff"));
    let offsite = app
        .client()
        .post("/api/login", &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("next", "//evil.test/")])
        .await;
    assert_eq!(offsite.json(), serde_json::json!("/"), "never redirect off-site");
}

#[tokio::test]
async fn plain_form_sign_in_redirects_without_javascript() {
    let app = TestApp::spawn(Options::default()).await;
    let c = app.client();
    let res = c
        .post_with(
            "/api/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("next", "/account")],
            &[("accept", "text/html"), ("referer", "http://x/login?next=%2Faccount")],
        )
        .await;
    assert_eq!(res.status, 302, "{}", res.body);
    assert_eq!(res.header("location").as_deref(), Some("/account"));
    assert_eq!(c.me().await.as_deref(), Some(ADMIN_EMAIL));
}

#[tokio::test]
async fn signed_in_user_is_refused_admin_pages_with_403() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let res = staff.get("/admin/users").await;
    assert_eq!(res.status, 403);
    assert!(res.body.contains("Access denied"), "renders the access-denied page");
    assert_eq!(staff.get("/account").await.status, 200);
    assert_eq!(admin.get("/admin/users").await.status, 200);
}
