//! The REST API with personal tokens: tokens made, used, revoked, expired and stopped with their user; every
//! route of `server::rest::ROUTES` called as every role and portfolio (the table, not a hand list); problem
//! documents; ETags.

use crate::common::*;
use crate::fixtures::*;
use domain::model::Role;
use domain::policy::allowed;

/// Makes an API token as `who`; returns its secret.
async fn token(who: &Client, name: &str) -> String {
    let r = who.post("/api/tokens/create", &[("input[name]", name), ("input[expires_in_days]", "")]).await;
    assert_eq!(r.status, 200, "make a token: {}", r.body);
    let secret = r.json()["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("aiseo_") && secret.len() > 40, "{secret}");
    secret
}

async fn api(app: &TestApp, path: &str, secret: Option<&str>, extra: &[(&str, &str)]) -> Reply {
    let auth = secret.map(|s| format!("Bearer {s}"));
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    // A fresh client: no session cookie reaches the API.
    app.client().get_with(path, &headers).await
}

fn is_problem(r: &Reply, status: u16) -> bool {
    r.status == status
        && r.header("content-type").as_deref() == Some("application/problem+json")
        && r.json()["status"] == status
}

#[tokio::test]
async fn tokens_act_as_their_user_until_revoked_expired_or_the_user_is_deactivated() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (staff, staff_id, staff_email) = app.user(&admin, "staff").await;
    let secret = token(&staff, "CRM sync").await;

    let r = api(&app, "/api/v1/me", Some(&secret), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["email"], staff_email.as_str());
    // The secret is stored only as a hash.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens t WHERE strpos(t::text, $1) > 0")
        .bind(&secret)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(stored, 0, "the secret itself is nowhere in the table");

    for (what, header) in
        [("no token", None), ("a wrong token", Some("aiseo_not-a-token")), ("a malformed token", Some("x"))]
    {
        let r = api(&app, "/api/v1/me", header, &[]).await;
        assert!(is_problem(&r, 401), "{what}: {} {}", r.status, r.body);
        assert!(r.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")), "{what}");
    }
    // A signed-in browser session is not an API credential.
    let r = staff.get("/api/v1/me").await;
    assert_eq!(r.status, 401, "cookies don't reach the API: {}", r.body);

    // The owner sees it with its last use; someone else can't revoke it.
    let list = staff.post("/api/tokens/list", &[]).await.json();
    assert_eq!(list[0]["name"], "CRM sync");
    assert!(list[0]["last_used_at"].is_string(), "{list}");
    let id = list[0]["id"].as_str().expect("id").to_string();
    let r = admin.post("/api/tokens/revoke", &[("id", id.as_str())]).await;
    assert_eq!(r.status, 404, "another user's token is not found: {}", r.body);
    assert_eq!(api(&app, "/api/v1/me", Some(&secret), &[]).await.status, 200);
    let r = staff.post("/api/tokens/revoke", &[("id", id.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(is_problem(&api(&app, "/api/v1/me", Some(&secret), &[]).await, 401), "revoked");

    // Expired.
    let second = token(&staff, "BI").await;
    assert_eq!(api(&app, "/api/v1/me", Some(&second), &[]).await.status, 200);
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 s' WHERE name = 'BI'")
        .execute(&app.pool)
        .await
        .expect("expire");
    assert!(is_problem(&api(&app, "/api/v1/me", Some(&second), &[]).await, 401), "expired");

    // Deactivated user.
    let third = token(&staff, "chat").await;
    assert_eq!(api(&app, "/api/v1/me", Some(&third), &[]).await.status, 200);
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &staff_id)]).await.status, 200);
    assert!(is_problem(&api(&app, "/api/v1/me", Some(&third), &[]).await, 401), "deactivated user");

    // Bad token forms are refused by name.
    let r = admin
        .post("/api/tokens/create", &[("input[name]", ""), ("input[expires_in_days]", "9223372036854775807")])
        .await;
    let mut fields = error_fields(&r);
    fields.sort();
    assert_eq!(fields, vec!["expires_in_days".to_string(), "name".to_string()], "{}", r.body);
    let made: Vec<String> =
        sqlx::query_scalar("SELECT action FROM events WHERE action LIKE 'user.token_%' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .expect("events");
    assert_eq!(made, vec!["user.token_created", "user.token_revoked", "user.token_created", "user.token_created"]);
}

#[tokio::test]
async fn every_route_answers_each_role_and_portfolio_as_the_policy_says() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let (mine, mine_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client = create_client(&admin, "Portfolio Client", &[], &mine_id).await;
    let client_id = id_of(&client);
    let callers: Vec<(&str, Role, Option<String>, bool)> = vec![
        ("admin", Role::Admin, Some(token(&admin, "t").await), true),
        ("staff", Role::Staff, Some(token(&staff, "t").await), true),
        ("the client's manager", Role::AccountManager, Some(token(&mine, "t").await), true),
        ("another manager", Role::AccountManager, Some(token(&other, "t").await), false),
    ];
    let mut checked = 0;
    for route in server::rest::ROUTES.iter() {
        let path = route.path.replace("{id}", &client_id);
        let anonymous = api(&app, &path, None, &[]).await;
        assert!(is_problem(&anonymous, 401), "{path} anonymous: {} {}", anonymous.status, anonymous.body);
        for (who, role, secret, sees_client) in &callers {
            let r = api(&app, &path, secret.as_deref(), &[]).await;
            let expected = if !allowed(route.action).contains(role) {
                403
            } else if route.path.contains("{id}") && !sees_client {
                404
            } else {
                200
            };
            assert_eq!(r.status, expected, "{path} as {who}: {}", r.body);
            if expected != 200 {
                assert!(is_problem(&r, expected), "{path} as {who}: {}", r.body);
            }
            if route.path == "/api/v1/clients" {
                assert_eq!(r.body.contains(&client_id), *sees_client, "{path} as {who} lists only its portfolio");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, server::rest::ROUTES.len() * callers.len());
    let r = api(&app, "/api/v1/nothing/here", callers[0].2.as_deref(), &[]).await;
    assert!(is_problem(&r, 404), "{}", r.body);
}

#[tokio::test]
async fn reads_carry_etags_and_errors_are_problem_documents_with_their_fields() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let secret = token(&admin, "etag").await;
    let client_id = id_of(&create_client(&admin, "Tagged Ltd", &[], "").await);
    let path = format!("/api/v1/clients/{client_id}");

    let first = api(&app, &path, Some(&secret), &[]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["company_name"], "Tagged Ltd");
    let tag = first.header("etag").expect("an ETag");
    let again = api(&app, &path, Some(&secret), &[("if-none-match", tag.as_str())]).await;
    assert_eq!(again.status, 304, "unchanged: {}", again.body);
    assert!(again.body.is_empty());
    let r = try_update_client(&admin, &client_id, "Tagged Ltd renamed", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let changed = api(&app, &path, Some(&secret), &[("if-none-match", tag.as_str())]).await;
    assert_eq!(changed.status, 200, "changed: a new body");
    assert_ne!(changed.header("etag"), Some(tag));

    let bad = api(&app, "/api/v1/clients?revenue_min=lots&per_page=9223372036854775807", Some(&secret), &[]).await;
    assert!(is_problem(&bad, 422), "{} {}", bad.status, bad.body);
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(fields.contains(&"revenue_min".to_string()), "{fields:?}");
    let missing = api(&app, "/api/v1/clients/not-a-uuid", Some(&secret), &[]).await;
    assert!(is_problem(&missing, 404), "{}", missing.body);
    assert!(missing.header("x-request-id").is_some(), "the request id is echoed");
}
