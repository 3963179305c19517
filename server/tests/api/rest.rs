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

/// A token of a client user of `client_id`. Client users can't make tokens (the policy refuses them), so
/// the store makes it: every route must still refuse the role.
async fn client_user_token(app: &TestApp, admin: &Client, client_id: &str) -> String {
    let person = app.client_user(admin, client_id).await;
    assert_eq!(person.client.post("/api/tokens/create", &[("input[name]", "mine")]).await.status, 403);
    let user = uuid::Uuid::parse_str(&person.id).expect("uuid");
    let draft = domain::model::token::TokenDraft { name: "made by the store".into(), expires_in_days: None };
    domain::store::tokens::create(&app.pool, user, &draft).await.expect("token").1
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
        // Refused every route (403) before the portfolio question arises.
        ("a client user of the client", Role::Client, Some(client_user_token(&app, &admin, &client_id).await), false),
    ];
    // The client's own task (its business analysis, queued when it was added): the tasks routes' object.
    let task_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM tasks WHERE client_id = $1::uuid LIMIT 1")
        .bind(&client_id)
        .fetch_one(&app.pool)
        .await
        .expect("the client's task");
    let task_id = task_id.to_string();
    let campaign_id = id_of(&create_campaign(&admin, &client_id, "Portfolio campaign").await);
    let crawl_id = seed_crawl(&app, &client_id, 3, 3).await;
    let mut checked = 0;
    for route in server::rest::ROUTES.iter() {
        // Each parameter stands for the portfolio client's object of its kind.
        let segment = route.path.split('/').nth(3).unwrap_or("");
        let object = match segment {
            "tasks" => &task_id,
            "campaigns" => &campaign_id,
            "crawls" => &crawl_id,
            _ => &client_id,
        };
        let path = route
            .path
            .replace("{id}", object)
            .replace("{action}", "start")
            .replace("{agent}", "technical_seo_auditor")
            .replace("{file}", "business.csv");
        assert!(!path.contains('{'), "{path}: name the object its parameter stands for");
        let body = match route.path {
            "/api/v1/tasks" => format!(r#"{{"task_type": "lead_qualification", "client_id": "{client_id}"}}"#),
            _ => r#"{"name": "Made through the API", "kind": "content", "start_date": "2026-12-01"}"#.to_string(),
        };
        let call = |secret: Option<String>| {
            let (app, path, body, method) = (&app, path.clone(), body.clone(), route.method.clone());
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
        // Does the route touch the client (an object of its in the path, or the task run on it)?
        let touches_client = route.path.contains("{id}") || route.path == "/api/v1/tasks" && route.method == "POST";
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
                // A move already made (a second start, a second cancel) is refused by the lifecycle (409); a
                // second campaign by the same name by its field (422). Everything else goes through.
                let repeated = route.method == axum::http::Method::POST
                    && (r.status == 409 || (r.status == 422 && r.json()["errors"][0]["field"] == "name"));
                assert!((200..300).contains(&r.status) || repeated, "{what} (expected success)");
            }
            if route.method == axum::http::Method::GET
                && ["/api/v1/clients", "/api/v1/campaigns", "/api/v1/tasks", "/api/v1/events"].contains(&route.path)
            {
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
async fn each_token_has_a_request_budget_a_minute() {
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
    assert_eq!(api(&app, "/api/v1/me", Some(&b), &[]).await.status, 200, "another token has its own budget");
    let second = token(&admin, "a second token").await;
    assert_eq!(api(&app, "/api/v1/me", Some(&second), &[]).await.status, 200, "each token counts apart");
}

#[tokio::test]
async fn the_request_budget_is_shared_by_instances_and_survives_redis_being_away() {
    let options = || Options { workers: 0, api_rate_per_minute: 3, ..Options::default() };
    let a = TestApp::spawn(options()).await;
    let b = TestApp::spawn_on(a.db.clone(), Options { redis_prefix: Some(a.redis_prefix.clone()), ..options() }).await;
    let secret = token(&a.admin().await, "shared").await;
    assert_eq!(api(&a, "/api/v1/me", Some(&secret), &[]).await.status, 200);
    assert_eq!(api(&b, "/api/v1/me", Some(&secret), &[]).await.status, 200);
    let third = api(&a, "/api/v1/me", Some(&secret), &[]).await;
    assert!(
        third.header("ratelimit").is_some_and(|v| v.starts_with("\"minute\";r=0;")),
        "{:?}",
        third.header("ratelimit")
    );
    let r = api(&b, "/api/v1/me", Some(&secret), &[]).await;
    assert!(is_problem(&r, 429), "the fourth request, on the other instance: {} {}", r.status, r.body);

    // With Redis unreachable each process counts on its own: the API keeps answering, within its limit.
    let away = server::redis_pool("redis://127.0.0.1:1").expect("pool");
    let budget = domain::throttle::RequestBudget::new(2, Some(away), "away");
    let user = uuid::Uuid::new_v4();
    assert_eq!(budget.take(user).await.map(|s| s.left), Ok(1));
    assert_eq!(budget.take(user).await.map(|s| s.left), Ok(0));
    assert!(budget.take(user).await.is_err(), "still limited");
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

/// A finished-looking crawl of the client with `pages` pages and `issues` issues (alternating two checks),
/// written straight to the tables; returns its id.
async fn seed_crawl(app: &TestApp, client_id: &str, pages: i32, issues: i32) -> String {
    let crawl = domain::store::crawls::create(
        &app.pool,
        &domain::store::crawls::NewCrawl {
            client_id: uuid::Uuid::parse_str(client_id).expect("uuid"),
            task_id: None,
            kind: domain::model::crawl::CrawlKind::Site,
            start_url: "https://seeded.example/",
            max_pages: 100,
            max_depth: 3,
        },
    )
    .await
    .expect("crawl");
    sqlx::query(
        "INSERT INTO crawl_pages (crawl_id, id, url, final_url, status, depth, ttfb_ms, bytes)
         SELECT $1, n, 'https://seeded.example/p' || n, 'https://seeded.example/p' || n, 200, 1, 10, 1000
           FROM generate_series(1, $2) n",
    )
    .bind(crawl)
    .bind(pages)
    .execute(&app.pool)
    .await
    .expect("pages");
    sqlx::query(
        "INSERT INTO crawl_issues (crawl_id, check_id, severity, category, url, detail)
         SELECT $1, CASE WHEN n % 2 = 0 THEN 'title_missing' ELSE 'meta_description_missing' END, 'warning',
                'content', 'https://seeded.example/p' || n, 'issue ' || n
           FROM generate_series(1, $2) n",
    )
    .bind(crawl)
    .bind(issues)
    .execute(&app.pool)
    .await
    .expect("issues");
    crawl.to_string()
}

/// Follows a cursor list from `first` to its end, `next` into `param`; returns every item's `key`.
async fn walk(app: &TestApp, secret: &str, first: &str, param: &str, key: &str) -> Vec<String> {
    walk_from(app, secret, first, param, key, None).await
}

/// [`walk`] from the cursor `start`.
async fn walk_from(
    app: &TestApp,
    secret: &str,
    first: &str,
    param: &str,
    key: &str,
    start: Option<&str>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut path = match start {
        Some(c) => format!("{first}&{param}={}", urlencoding(c)),
        None => first.to_string(),
    };
    for _ in 0..1000 {
        let r = api(app, &path, Some(secret), &[]).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let v = r.json();
        let items = v.get("items").or_else(|| v.get("clients")).and_then(|i| i.as_array()).expect("items");
        seen.extend(items.iter().map(|i| i[key].to_string()));
        match &v["next"] {
            serde_json::Value::Null => return seen,
            next => {
                let next = next.as_str().map(str::to_string).unwrap_or_else(|| next.to_string());
                path = format!("{first}&{param}={}", urlencoding(&next));
            }
        }
    }
    panic!("{first}: the cursor never ended");
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn lists_page_by_cursor_without_repeats_or_gaps_while_rows_come_and_go() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let secret = token(&admin, "cursor").await;
    // Equal revenues, so ties in the sort are broken by name and id.
    let mut ids = Vec::new();
    for i in 0..23 {
        let revenue = (i % 4 * 1000).to_string();
        ids.push(id_of(
            &create_client(&admin, &format!("Cursor Co {i:02}"), &[("annual_revenue", &revenue)], "").await,
        ));
    }
    // The whole list in one slice is the reference order.
    let base = "/api/v1/clients?sort=annual_revenue&dir=desc&q=cursor";
    let whole = api(&app, &format!("{base}&limit=200"), Some(&secret), &[]).await.json();
    assert_eq!(whole["total"], 23);
    assert!(whole["next"].is_null(), "one slice holds them all");
    let reference: Vec<String> =
        whole["clients"].as_array().expect("clients").iter().map(|c| c["id"].to_string()).collect();
    let walked = walk(&app, &secret, &format!("{base}&limit=5"), "cursor", "id").await;
    assert_eq!(walked, reference, "slices of 5 give the same order, each client once");

    // Rows added and removed around the cursor: nothing repeats, no client that stayed is skipped.
    let first = api(&app, &format!("{base}&limit=5"), Some(&secret), &[]).await.json();
    let cursor = first["next"].as_str().expect("next").to_string();
    let shown: Vec<String> = first["clients"].as_array().expect("c").iter().map(|c| c["id"].to_string()).collect();
    let gone = reference[7].trim_matches('"').to_string();
    let r = admin.post("/api/clients/delete", &[("id", gone.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    create_client(&admin, "Cursor Co 99", &[("annual_revenue", "3000")], "").await;
    let rest = walk_from(&app, &secret, &format!("{base}&limit=5"), "cursor", "id", Some(&cursor)).await;
    for id in &shown {
        assert!(!rest.contains(id), "{id} shown twice");
    }
    for id in reference.iter().skip(5).filter(|id| id.trim_matches('"') != gone) {
        assert!(rest.contains(id), "{id} skipped");
    }
    assert!(!rest.iter().any(|id| id.trim_matches('"') == gone), "the deleted client is not listed");

    // Tasks: every client's analysis task, newest first, slice by slice, the same as one slice.
    let whole = api(&app, "/api/v1/tasks?limit=200", Some(&secret), &[]).await.json();
    let reference: Vec<String> =
        whole["items"].as_array().expect("items").iter().map(|t| t["id"].to_string()).collect();
    assert!(reference.len() >= 23, "{}", reference.len());
    let walked = walk(&app, &secret, "/api/v1/tasks?limit=4", "cursor", "id").await;
    assert_eq!(walked, reference);

    // At the largest slice: 230 tasks of one client in slices of 200 are two slices, not one.
    sqlx::query(
        "INSERT INTO tasks (id, task_type, agent, client_id, status, created_at)
         SELECT gen_random_uuid(), 'client_health', 'client_success_manager', $1::uuid, 'cancelled',
                now() - n * interval '1 second'
           FROM generate_series(1, 230) n",
    )
    .bind(id_of(&create_client(&admin, "Busy Co", &[], "").await))
    .execute(&app.pool)
    .await
    .expect("tasks");
    let first = api(&app, "/api/v1/tasks?status=cancelled&limit=200", Some(&secret), &[]).await.json();
    assert_eq!(first["items"].as_array().map(Vec::len), Some(200));
    let next = first["next"].as_str().expect("a next slice after 200 of 230").to_string();
    let rest = api(&app, &format!("/api/v1/tasks?status=cancelled&limit=200&cursor={next}"), Some(&secret), &[]).await;
    assert_eq!(rest.json()["items"].as_array().map(Vec::len), Some(30), "{}", rest.body);
    assert!(rest.json()["next"].is_null());

    // Cursors and limits that aren't ours are refused by name.
    for (path, field) in [
        ("/api/v1/clients?cursor=nope", "cursor"),
        ("/api/v1/clients?cursor=00000000-0000-0000-0000-000000000001", "cursor"),
        ("/api/v1/clients?limit=0", "limit"),
        ("/api/v1/tasks?cursor=12.nope", "cursor"),
        ("/api/v1/tasks?limit=201", "limit"),
        ("/api/v1/campaigns?cursor=x", "cursor"),
        ("/api/v1/campaigns?status=finished", "status"),
        ("/api/v1/events?limit=0", "limit"),
    ] {
        let r = api(&app, path, Some(&secret), &[]).await;
        assert!(is_problem(&r, 422), "{path}: {} {}", r.status, r.body);
        assert_eq!(r.json()["errors"][0]["field"], field, "{path}");
    }
    let _ = ids;
}

#[tokio::test]
async fn campaigns_are_created_once_and_moved_through_their_lifecycle_by_name() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (mine, mine_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client_id = id_of(&create_client(&admin, "Lifecycle Ltd", &[], &mine_id).await);
    let secret = token(&mine, "lifecycle").await;
    let auth = format!("Bearer {secret}");
    let post = |path: String, body: &'static str, key: Option<&'static str>| {
        let (c, auth) = (app.client(), auth.clone());
        async move {
            let mut headers = vec![("authorization", auth.as_str()), ("content-type", "application/json")];
            if let Some(k) = key {
                headers.push(("idempotency-key", k));
            }
            c.post_json_with(&path, body, &headers).await
        }
    };
    let create = format!("/api/v1/clients/{client_id}/campaigns");
    let body = r#"{"name": "Q1 push", "kind": "content", "start_date": "2026-12-01", "budget": "5000"}"#;
    let first = post(create.clone(), body, Some("camp-1")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let campaign = first.json()["id"].as_str().expect("id").to_string();
    assert_eq!(first.header("location"), Some(format!("/api/v1/campaigns/{campaign}")));
    assert_eq!(first.json()["status"], "draft");
    let again = post(create.clone(), body, Some("camp-1")).await;
    assert_eq!((again.status, again.json()["id"].as_str()), (201, Some(campaign.as_str())));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let made: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns").fetch_one(&app.pool).await.expect("n");
    assert_eq!(made, 1, "created once");
    let bad = post(create.clone(), r#"{"name": "", "kind": "nonsense", "start_date": "soon"}"#, None).await;
    assert!(is_problem(&bad, 422), "{}", bad.body);
    let mut fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or("").into())
        .collect();
    fields.sort();
    assert_eq!(fields, ["kind", "name", "start_date"]);

    let act = |action: &'static str| post(format!("/api/v1/campaigns/{campaign}/{action}"), "", None);
    for (action, status) in [("start", "active"), ("pause", "paused"), ("resume", "active"), ("complete", "completed")]
    {
        let r = act(action).await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
        assert_eq!(r.json()["status"], status, "{action}");
    }
    let refused = act("cancel").await;
    assert!(is_problem(&refused, 409), "{}", refused.body);
    assert!(refused.json()["detail"].as_str().is_some_and(|d| d.contains("can't change status")), "{}", refused.body);
    assert!(is_problem(&act("archive").await, 404), "an unknown action is no route");
    // Starting planned the campaign's tasks (the task coordinator), as in the UI.
    let planned: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE campaign_id = $1::uuid")
        .bind(&campaign)
        .fetch_one(&app.pool)
        .await
        .expect("n");
    assert!(planned >= 1, "the start queued the plan");
    let moves: Vec<String> =
        sqlx::query_scalar("SELECT detail->>'to' FROM events WHERE action = 'campaign.status_changed' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .expect("events");
    assert_eq!(moves, ["active", "paused", "active", "completed"]);

    // Listed and read as its manager; another manager sees neither it nor a way to move it.
    let list = api(&app, &format!("/api/v1/campaigns?client={client_id}&status=completed"), Some(&secret), &[]).await;
    assert_eq!(list.json()["items"][0]["id"], campaign.as_str(), "{}", list.body);
    let theirs = token(&other, "other").await;
    let r = api(&app, &format!("/api/v1/campaigns/{campaign}"), Some(&theirs), &[]).await;
    assert!(is_problem(&r, 404), "{}", r.body);
    let r = api(&app, "/api/v1/campaigns", Some(&theirs), &[]).await;
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(0), "{}", r.body);
}

#[tokio::test]
async fn crawls_agents_and_analytics_read_through_the_callers_portfolio() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (mine, mine_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client_id = id_of(&create_client(&admin, "Crawled Ltd", &[], &mine_id).await);
    let crawl = seed_crawl(&app, &client_id, 12, 9).await;
    let secret = token(&mine, "reader").await;

    let list = api(&app, &format!("/api/v1/clients/{client_id}/crawls"), Some(&secret), &[]).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["crawls"][0]["id"], crawl.as_str());
    let detail = api(&app, &format!("/api/v1/crawls/{crawl}"), Some(&secret), &[]).await.json();
    assert_eq!(detail["crawl"]["start_url"], "https://seeded.example/");
    let counts: i64 =
        detail["checks"].as_array().expect("checks").iter().map(|c| c["count"].as_i64().unwrap_or(0)).sum();
    assert_eq!(counts, 9, "{detail}");

    // Pages and issues by cursor: every row once, in order; one check's issues only.
    let pages = walk(&app, &secret, &format!("/api/v1/crawls/{crawl}/pages?limit=5"), "after", "id").await;
    assert_eq!(pages, (1..=12).map(|n| n.to_string()).collect::<Vec<_>>());
    let issues = walk(&app, &secret, &format!("/api/v1/crawls/{crawl}/issues?limit=2"), "after", "detail").await;
    assert_eq!(issues, (1..=9).map(|n| format!("\"issue {n}\"")).collect::<Vec<_>>());
    let titles =
        walk(&app, &secret, &format!("/api/v1/crawls/{crawl}/issues?check=title_missing&limit=3"), "after", "detail")
            .await;
    assert_eq!(titles, ["\"issue 2\"", "\"issue 4\"", "\"issue 6\"", "\"issue 8\""]);
    let r = api(&app, &format!("/api/v1/crawls/{crawl}/issues?check=nonsense"), Some(&secret), &[]).await;
    assert!(is_problem(&r, 422) && r.json()["errors"][0]["field"] == "check", "{}", r.body);
    let r = api(&app, &format!("/api/v1/crawls/{crawl}/pages?after=-3"), Some(&secret), &[]).await;
    assert!(is_problem(&r, 422) && r.json()["errors"][0]["field"] == "after", "{}", r.body);
    let theirs = token(&other, "other").await;
    for path in [
        format!("/api/v1/crawls/{crawl}"),
        format!("/api/v1/crawls/{crawl}/pages"),
        format!("/api/v1/clients/{client_id}/crawls"),
    ] {
        assert!(is_problem(&api(&app, &path, Some(&theirs), &[]).await, 404), "{path} for another manager");
    }

    // Agents: all fourteen, and one by id with its health.
    let agents = api(&app, "/api/v1/agents", Some(&secret), &[]).await.json();
    assert_eq!(agents["agents"].as_array().map(Vec::len), Some(14), "{agents}");
    let one = api(&app, "/api/v1/agents/lead_qualification", Some(&secret), &[]).await.json();
    assert_eq!(one["agent"], "lead_qualification");
    assert_eq!(one["circuit"]["state"], "closed");
    assert!(is_problem(&api(&app, "/api/v1/agents/nobody", Some(&secret), &[]).await, 404));

    // Analytics: the dashboard's and the analytics page's figures, and the exports as files.
    let dash = api(&app, "/api/v1/analytics/dashboard?range=week", Some(&secret), &[]).await;
    assert_eq!(dash.status, 200, "{}", dash.body);
    let figures = api(&app, "/api/v1/analytics?range=month", Some(&secret), &[]).await;
    assert_eq!(figures.status, 200, "{}", figures.body);
    assert!(figures.json()["system"].is_null(), "system figures are for admins");
    let r = api(&app, "/api/v1/analytics?range=decade", Some(&secret), &[]).await;
    assert!(is_problem(&r, 422) && r.json()["errors"][0]["field"] == "range", "{}", r.body);
    let csv = api(&app, "/api/v1/analytics/exports/business.csv?range=month", Some(&secret), &[]).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")), "{:?}", csv.header("content-type"));
    assert!(csv.body.lines().count() >= 2, "a header and rows: {}", csv.body);
    let r = api(&app, "/api/v1/analytics/exports/system.csv", Some(&secret), &[]).await;
    assert!(is_problem(&r, 403), "system figures as a manager: {} {}", r.status, r.body);
    let r = api(&app, "/api/v1/analytics/exports/business.pdf", Some(&secret), &[]).await;
    assert!(is_problem(&r, 404), "{}", r.body);
    let admin_secret = token(&admin, "admin").await;
    let r = api(&app, "/api/v1/analytics/exports/system.json", Some(&admin_secret), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
}
