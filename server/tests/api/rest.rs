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
    // The client's own task (its business analysis, queued when it was added): the tasks routes' object.
    let task_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM tasks WHERE client_id = $1::uuid LIMIT 1")
        .bind(&client_id)
        .fetch_one(&app.pool)
        .await
        .expect("the client's task");
    let task_id = task_id.to_string();
    let run_body = format!(r#"{{"task_type": "lead_qualification", "client_id": "{client_id}"}}"#);
    let mut checked = 0;
    for route in server::rest::ROUTES.iter() {
        let object = if route.path.starts_with("/api/v1/tasks") { &task_id } else { &client_id };
        let path = route.path.replace("{id}", object);
        let call = |secret: Option<String>| {
            let (app, path, body, method) = (&app, path.clone(), run_body.clone(), route.method.clone());
            async move {
                let c = app.client();
                let auth = secret.map(|s| format!("Bearer {s}"));
                let mut headers = vec![("content-type", "application/json")];
                if let Some(a) = &auth {
                    headers.push(("authorization", a.as_str()));
                }
                if method == axum::http::Method::POST {
                    c.post_json_with(&path, &body, &headers).await
                } else {
                    c.get_with(&path, &headers).await
                }
            }
        };
        let anonymous = call(None).await;
        assert!(is_problem(&anonymous, 401), "{path} anonymous: {} {}", anonymous.status, anonymous.body);
        // Does the route touch the client (its id in the path, or the task run on it)?
        let touches_client = route.path.contains("{id}") || route.method == axum::http::Method::POST;
        for (who, role, secret, sees_client) in &callers {
            let r = call(secret.clone()).await;
            let what = format!("{} {path} as {who}: {} {}", route.method, r.status, r.body);
            if !allowed(route.action).contains(role) {
                assert!(is_problem(&r, 403), "{what} (expected 403)");
            } else if touches_client && !sees_client && route.path == "/api/v1/tasks" {
                // Running a task on another portfolio's client: "no such client", by field (as the form).
                assert!(is_problem(&r, 422) && r.json()["errors"][0]["field"] == "client_id", "{what} (expected 422)");
            } else if touches_client && !sees_client {
                assert!(is_problem(&r, 404), "{what} (expected 404: another portfolio)");
            } else {
                // A second cancel of the same task is refused as a rule (409); everything else goes through.
                let cancel_again = route.path.ends_with("/cancel") && r.status == 409;
                assert!((200..300).contains(&r.status) || cancel_again, "{what} (expected success)");
            }
            if route.method == axum::http::Method::GET && !route.path.contains("{id}") && route.path != "/api/v1/me" {
                assert_eq!(r.body.contains(&client_id), *sees_client, "{what}: lists only its portfolio");
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

#[tokio::test]
async fn an_idempotency_key_runs_a_create_once_and_events_page_by_cursor() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let secret = token(&admin, "idem").await;
    let client_id = id_of(&create_client(&admin, "Once Ltd", &[], "").await);
    let auth = format!("Bearer {secret}");
    let body = format!(r#"{{"task_type": "lead_qualification", "client_id": "{client_id}"}}"#);
    let post = |body: String, key: &'static str| {
        let (c, auth) = (app.client(), auth.clone());
        async move {
            c.post_json_with(
                "/api/v1/tasks",
                &body,
                &[("authorization", auth.as_str()), ("content-type", "application/json"), ("idempotency-key", key)],
            )
            .await
        }
    };
    let first = post(body.clone(), "run-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let id = first.json()["id"].as_str().expect("id").to_string();
    assert_eq!(first.header("location"), Some(format!("/api/v1/tasks/{id}")));
    let again = post(body.clone(), "run-1").await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["id"], id.as_str(), "the same answer");
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let other = post(body.replace("lead_qualification", "client_health"), "run-1").await;
    assert!(is_problem(&other, 422), "{}", other.body);
    assert_eq!(other.json()["errors"][0]["field"], "Idempotency-Key");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE task_type = 'lead_qualification'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(runs, 1, "created once");
    let bad = post(r#"{"task_type": "nonsense"}"#.to_string(), "run-2").await;
    assert!(is_problem(&bad, 422), "{}", bad.body);
    assert_eq!(bad.json()["errors"][0]["field"], "task_type");
    let garbage = post("not json".to_string(), "run-3").await;
    assert!(is_problem(&garbage, 400), "{}", garbage.body);

    // Events by cursor: pages of two, in order, each id once, to the end.
    let mut after = 0;
    let mut ids = Vec::new();
    for _ in 0..100 {
        let r = api(&app, &format!("/api/v1/events?after={after}&limit=2"), Some(&secret), &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        ids.extend(v["events"].as_array().expect("events").iter().map(|e| e["id"].as_i64().expect("id")));
        after = v["next"].as_i64().expect("next");
        if v["more"] == false {
            break;
        }
    }
    let all: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM events ORDER BY id").fetch_all(&app.pool).await.expect("ids");
    assert_eq!(ids, all, "every event once, oldest first (the admin sees them all)");
    let r = api(&app, "/api/v1/events?limit=501", Some(&secret), &[]).await;
    assert_eq!(r.json()["errors"][0]["field"], "limit", "{}", r.body);
    let r = api(&app, "/api/v1/events?after=-1", Some(&secret), &[]).await;
    assert_eq!(r.json()["errors"][0]["field"], "after", "{}", r.body);
}

#[tokio::test]
async fn each_token_user_has_a_request_budget_a_minute() {
    let app = TestApp::spawn(Options { workers: 0, api_rate_per_minute: 3, ..Options::default() }).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let (a, b) = (token(&admin, "a").await, token(&staff, "b").await);
    for left in [2, 1, 0] {
        let r = api(&app, "/api/v1/me", Some(&a), &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("ratelimit-policy").as_deref(), Some("\"minute\";q=3;w=60"));
        let state = r.header("ratelimit").expect("RateLimit");
        assert!(state.starts_with(&format!("\"minute\";r={left};t=")), "{state}");
    }
    let r = api(&app, "/api/v1/me", Some(&a), &[]).await;
    assert!(is_problem(&r, 429), "{} {}", r.status, r.body);
    let wait: u64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(api(&app, "/api/v1/me", Some(&b), &[]).await.status, 200, "another user has their own budget");
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_route_table() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let r = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, 200, "no token needed: {}", r.body);
    let doc = r.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object().expect("operations").keys().map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let mut routed: Vec<(String, String)> =
        server::rest::ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed, "every route documented, nothing else");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["Client"]["properties"]["company_name"].is_object(), "schemas from the types");

    let page = app.client().get("/api/v1/docs").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    for (method, path) in &routed {
        assert!(page.body.contains(&format!("<code>{method} {path}</code>")), "{method} {path} on the page");
    }
}
