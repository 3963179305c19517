//! Input and output at the edges: control characters in any form field are a 422 naming the field, never a
//! database error (NUL is not storable in Postgres text); a client's website may be an IP address exactly
//! where the crawler may go; and the public /ready names what is down without the drivers' error text.

use crate::common::*;
use crate::fixtures::*;
use crate::matrix::matrix;
use domain::model::client_query::{ClientQuery, ManagerFilter, SortKey};
use domain::model::{Industry, Stage};

/// Control characters no form accepts: NUL (Postgres' text refuses it) and escape (terminal sequences).
const CONTROL: [char; 2] = ['\0', '\u{1b}'];

/// `value` with `c` in its middle, where no trimming reaches it (just `c` when `value` is empty).
fn with_control(value: &str, c: char) -> String {
    let mid = value.char_indices().nth(value.chars().count() / 2).map_or(value.len(), |(i, _)| i);
    format!("{}{c}{}", &value[..mid], &value[mid..])
}

/// The name a field's errors are keyed by: `input[website]` → `website`, `input[agents][]` → `agents`.
fn error_key(field: &str) -> &str {
    field.strip_prefix("input[").map_or(field, |f| f.trim_end_matches("[]").trim_end_matches(']'))
}

/// Everything the forms could write, as text: compared before and after the refused calls.
async fn stored(app: &TestApp) -> Vec<String> {
    let mut all = Vec::new();
    for table in [
        "users",
        "clients",
        "campaigns",
        "tasks",
        "events",
        "agent_settings",
        "audit_schedules",
        "webhook_endpoints",
        "api_tokens",
    ] {
        let rows: String = sqlx::query_scalar(&format!(
            "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM {table} t"
        ))
        .fetch_one(&app.pool)
        .await
        .expect("table contents");
        all.push(format!("{table}:\n{rows}"));
    }
    all
}

#[tokio::test]
async fn control_characters_in_any_form_field_are_refused_by_name_and_never_stored() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    let (_, staff_id, _) = app.user(&admin, "staff").await;
    let client = create_client(&admin, "Target Co", &[], "").await;
    let client_id = id_of(&client);
    let campaign_id = id_of(&create_campaign(&admin, &client_id, "Target campaign").await);
    let hook = "https://hooks.example.com/in";
    let r =
        admin.post("/api/webhooks/create", &[("input[url]", hook), ("input[event_types][]", "task.completed")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let webhook_id = r.json()["endpoint"]["id"].as_str().expect("endpoint id").to_string();

    // The forms that write, with what makes the matrix's form for them succeed. Every one of their fields
    // must be refused by name (an id that doesn't parse is a 404: the thing doesn't exist).
    let writes: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/login", vec![]),
        ("/api/users/create", vec![]),
        ("/api/users/reset-password", vec![("id", staff_id.as_str()), ("password", "a-new-long-password")]),
        ("/api/clients/create", vec![("input[company_name]", "Hardening Co")]),
        (
            "/api/clients/update",
            vec![
                ("id", client_id.as_str()),
                ("input[company_name]", "Target Co"),
                ("input[website]", "target-co.example"),
            ],
        ),
        ("/api/campaigns/update", vec![("id", campaign_id.as_str()), ("input[name]", "Renamed campaign")]),
        ("/api/campaigns/create", vec![("client_id", client_id.as_str())]),
        ("/api/tasks/run", vec![("input[task_type]", "lead_qualification"), ("input[client_id]", client_id.as_str())]),
        ("/api/webhooks/create", vec![("input[url]", hook)]),
        ("/api/tokens/create", vec![("input[name]", "Hardening token")]),
        ("/api/webhooks/update", vec![("id", webhook_id.as_str()), ("input[url]", hook)]),
        // Last: once its unchanged form goes through, the admin's password is another.
        ("/api/account/password", vec![("current_password", ADMIN_PASSWORD)]),
    ];
    let form_of = |path: &str, matrix_form: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        let overrides = writes.iter().find(|(p, _)| *p == path).map(|(_, o)| o.as_slice()).unwrap_or_default();
        matrix_form
            .iter()
            .map(|(field, value)| {
                let value = overrides.iter().find(|(f, _)| f == field).map_or(*value, |(_, v)| *v);
                (field.to_string(), value.to_string())
            })
            .collect()
    };

    let before = stored(&app).await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for (path, _, matrix_form) in matrix() {
        let form = form_of(path, &matrix_form);
        let writes_data = writes.iter().any(|(p, _)| *p == path);
        for (i, (field, value)) in form.iter().enumerate() {
            for c in CONTROL {
                let mut bad = form.clone();
                bad[i].1 = with_control(value, c);
                // Signing in is tried by somebody signed out, so the admin's session stays as it is.
                let caller = if path == "/api/login" { app.client() } else { admin.clone() };
                let res = caller.post(path, &as_form(&bad)).await;
                calls += 1;
                let what = format!("{path} {field}={:?}: {} {}", bad[i].1, res.status, res.body);
                if res.status >= 500 {
                    failures.push(what);
                } else if writes_data && matches!(field.as_str(), "id" | "client_id") {
                    if res.status != 404 {
                        failures.push(format!("{what} (expected 404)"));
                    }
                } else if writes_data {
                    let named = res.status == 422
                        && res.json()["Validation"]
                            .as_array()
                            .is_some_and(|errors| errors.iter().any(|e| e[0] == error_key(field)));
                    if !named {
                        failures.push(format!("{what} (expected a 422 naming {})", error_key(field)));
                    }
                }
            }
        }
    }
    assert!(calls > 100, "the matrix's forms were all tried: {calls} calls");
    assert!(
        failures.is_empty(),
        "{} control-character calls not refused by name:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(stored(&app).await == before, "a refused call wrote something");

    // Without the control character the same forms go through: the refusals above were for it alone.
    for (path, _) in writes.iter().filter(|(p, _)| *p != "/api/login") {
        let (_, _, matrix_form) = matrix().into_iter().find(|(p, _, _)| p == path).expect("matrix row");
        let res = admin.post(path, &as_form(&form_of(path, &matrix_form))).await;
        assert_eq!(res.status, 200, "{path} without control characters: {}", res.body);
    }
}

#[tokio::test]
async fn control_characters_in_client_list_filters_and_search_are_refused_by_name() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    // Every filter the list page puts in its URL, as the page writes them.
    let query = ClientQuery {
        industry: Some(Industry::Saas),
        country: Some("DE".into()),
        revenue_min: Some(1_000),
        revenue_max: Some(5_000_000),
        employees_min: Some(10),
        employees_max: Some(500),
        stage: Some(Stage::Won),
        manager: ManagerFilter::User(uuid::Uuid::nil()),
        search: "acme".into(),
        sort: SortKey::AnnualRevenue,
        descending: true,
        page: 2,
        per_page: 50,
    }
    .to_query_string();
    assert_eq!(list(&admin, &query).await.status, 200, "the filters themselves are fine");
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(pairs.len() >= 12, "{query}");
    let mut failures = Vec::new();
    for (i, (key, _)) in pairs.iter().enumerate() {
        for c in CONTROL {
            let mut bad = pairs.clone();
            bad[i].1 = with_control(&bad[i].1, c);
            let bad_query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&bad).finish();
            let res = list(&admin, &bad_query).await;
            let named = res.status == 422
                && res.json()["Validation"]
                    .as_array()
                    .is_some_and(|errors| errors.iter().any(|e| e[0] == key.as_str()));
            if !named {
                failures.push(format!("{bad_query}: {} {}", res.status, res.body));
            }
        }
    }
    assert!(failures.is_empty(), "not refused by name:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn an_ip_website_is_refused_where_audits_may_not_crawl_it() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    for website in ["http://127.0.0.1:8080/", "http://10.0.0.1/", "http://[::1]/"] {
        let res = try_create_client(&admin, "Staging Co", &[("website", website)], "").await;
        assert_eq!(error_fields(&res), ["website"], "{website}: {}", res.body);
    }
}

#[tokio::test]
async fn an_ip_website_inside_crawl_allow_is_accepted() {
    let app = TestApp::spawn(Options { workers: 0, crawl_allow: "127.0.0.0/8".into(), ..Default::default() }).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Staging Co", &[("website", "http://127.0.0.1:8080/shop")], "").await;
    assert_eq!(client["website"], "http://127.0.0.1:8080/shop");
    assert_eq!(client["domain"], "127.0.0.1");
    let res = try_update_client(&admin, &id_of(&client), "Staging Co", &[("website", "127.0.0.2:9090")]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["website"], "https://127.0.0.2:9090/");
    let res = try_create_client(&admin, "Private Co", &[("website", "http://10.0.0.1/")], "").await;
    assert_eq!(error_fields(&res), ["website"], "outside the allow-list: {}", res.body);
}

/// Words of the drivers' errors (io, connection and pool failures) that must not reach an anonymous caller.
fn driver_error_text(body: &str, upstream: &str) -> Vec<String> {
    let lower = body.to_lowercase();
    ["error", "refused", "reset", "timed out", "timeout", "closed", "canceled", "pool", "io ", upstream]
        .iter()
        .filter(|w| lower.contains(*w))
        .map(|w| w.to_string())
        .collect()
}

#[tokio::test]
async fn anonymous_ready_says_redis_is_down_without_the_driver_error() {
    let proxy = Proxy::start(REDIS_ADDR).await;
    let app =
        TestApp::spawn(Options { redis_url: Some(format!("redis://{}", proxy.addr)), ..Default::default() }).await;
    // Signed in first, like the outage test in platform.rs: the pool's connection is up when it is cut.
    app.admin().await;
    proxy.down();
    let mut ready = app.client().get("/ready").await;
    for _ in 0..20 {
        if ready.json()["status"] == "degraded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        ready = app.client().get("/ready").await;
    }
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["status"], "degraded", "{}", ready.body);
    let checks = ready.json()["checks"].as_array().cloned().unwrap_or_default();
    let redis = checks.iter().find(|c| c["name"] == "redis").expect("a redis check");
    assert_eq!(redis["status"], "down");
    assert!(redis["detail"].as_str().is_some_and(|d| d.contains("unavailable")), "{redis}");
    let leaked = driver_error_text(&ready.body, &proxy.addr.to_string());
    assert!(leaked.is_empty(), "/ready shows {leaked:?} to anyone: {}", ready.body);
}

#[tokio::test]
async fn anonymous_ready_says_postgres_is_down_without_the_driver_error() {
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let db = std::sync::Arc::new(TestDb::create().await);
    let url = db.url.replace("127.0.0.1:5432", &proxy.addr.to_string());
    let app = TestApp::spawn_on(db, Options { database_url: Some(url), ..Default::default() }).await;
    proxy.down();
    let ready = app.client().get("/ready").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.json()["checks"][0]["detail"], "database unavailable", "{}", ready.body);
    let leaked = driver_error_text(&ready.body, &proxy.addr.to_string());
    assert!(leaked.is_empty(), "/ready shows {leaked:?} to anyone: {}", ready.body);
}

#[tokio::test]
async fn metrics_answer_only_with_the_token_when_one_is_set() {
    let app =
        TestApp::spawn(Options { metrics_token: Some("metrics-secret-token".into()), ..Options::default() }).await;
    let c = app.client();
    assert_eq!(c.get("/metrics").await.status, 401);
    assert_eq!(c.get_with("/metrics", &[("authorization", "Bearer wrong-token-of-same-len")]).await.status, 401);
    let ok = c.get_with("/metrics", &[("authorization", "Bearer metrics-secret-token")]).await;
    assert_eq!(ok.status, 200);
    assert!(ok.body.contains("http_requests_total"), "{}", ok.body);
    let open = TestApp::spawn(Options::default()).await;
    assert_eq!(open.client().get("/metrics").await.status, 200, "no token set: open, as the README says");
}

#[tokio::test]
async fn a_mismatched_origin_is_refused_even_when_sec_fetch_site_says_none() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let host = app.base.trim_start_matches("http://").to_string();
    let form = [("email", "csrf-target@agency.test"), ("name", "Csrf"), ("role", "admin"), ("password", "")];
    let evil = admin
        .post_with("/api/users/create", &form, &[("sec-fetch-site", "none"), ("origin", "http://evil.test")])
        .await;
    assert_eq!(evil.status, 403, "{}", evil.body);
    let same = admin
        .post_with(
            "/api/users/create",
            &form,
            &[("sec-fetch-site", "same-origin"), ("origin", &format!("http://{host}")), ("accept", "application/json")],
        )
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
}

#[tokio::test]
async fn pages_of_objects_outside_the_callers_portfolio_answer_404() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (_, owner, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client = id_of(&create_client(&admin, "Someone Else's Client", &[], &owner).await);
    let campaign = id_of(&create_campaign(&admin, &client, "Their campaign").await);
    let crawl = domain::store::crawls::create(
        &app.pool,
        &domain::store::crawls::NewCrawl {
            client_id: uuid::Uuid::parse_str(&client).expect("uuid"),
            task_id: None,
            kind: domain::model::crawl::CrawlKind::Site,
            start_url: "https://theirs.example/",
            max_pages: 10,
            max_depth: 2,
        },
    )
    .await
    .expect("crawl");
    let r = crate::tasks::run_task(&admin, "lead_qualification", &client, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let task = r.json().as_str().expect("task id").to_string();

    // Every page of the app that shows one client's object, from the route list.
    let mut checked = 0;
    for route in server::app_routes() {
        let template = route.path().to_string();
        let Some(param) = template.split('/').find(|s| s.starts_with(':') || s.starts_with('{')) else { continue };
        let id = match template.split('/').nth(1) {
            Some("clients") => client.clone(),
            Some("campaigns") => campaign.clone(),
            Some("audits") => crawl.to_string(),
            Some("tasks") => task.clone(),
            Some("admin") => continue, // user pages: the role rule (403) decides, tested in the matrix
            Some("messages") => client.clone(), // a client's conversation
            Some("invite") => continue, // an invitation link: the token is the credential, no portfolio
            _ => panic!("route {template}: name the object its parameter {param} stands for"),
        };
        let mut path = template.replace(param, &id);
        if path.ends_with("/compare") {
            path.push_str(&format!("?before={crawl}&after={crawl}"));
        }
        let theirs = admin.get(&path).await;
        assert!(theirs.status != 404 && theirs.status < 500, "{path} as admin: {}", theirs.status);
        let mine = other.get(&path).await;
        assert_eq!(mine.status, 404, "{path} for another account manager");
        assert!(mine.body.contains("Not found"), "{path}: the page says so");
        checked += 1;
    }
    assert!(checked >= 8, "every object page was checked ({checked})");
}

#[tokio::test]
async fn assets_are_served_precompressed_with_cache_headers_and_pages_compressed_and_never_stored() {
    let site = std::env::temp_dir().join(format!("aiseo-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(site.join("pkg")).expect("site dir");
    let glue = "export function hello() { return 'a hashed asset'; }\n".repeat(20);
    std::fs::write(site.join("pkg/app.0123456789abcdef.js"), &glue).expect("asset");
    std::fs::write(site.join("pkg/app.0123456789abcdef.js.br"), b"brotli bytes").expect("br asset");
    std::fs::write(site.join("pkg/app.css"), "body { color: black; }\n".repeat(20)).expect("css");
    let app = TestApp::spawn(Options { site_root: site.to_string_lossy().into_owned(), ..Options::default() }).await;
    let c = app.client();

    let hashed = c.get_with("/pkg/app.0123456789abcdef.js", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(hashed.status, 200);
    assert_eq!(hashed.header("content-encoding").as_deref(), Some("br"), "the precompressed variant");
    assert_eq!(hashed.body, "brotli bytes");
    assert_eq!(hashed.header("cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    let plain = c.get("/pkg/app.0123456789abcdef.js").await;
    assert_eq!(plain.header("content-encoding"), None, "no encoding asked, none given");
    assert_eq!(plain.body, glue);

    let css = c.get("/pkg/app.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("cache-control").as_deref(), Some("no-cache"));
    let modified = css.header("last-modified").expect("last-modified");
    let again = c.get_with("/pkg/app.css", &[("if-modified-since", &modified)]).await;
    assert_eq!(again.status, 304, "an unchanged file revalidates without its bytes");

    let page = c.get_with("/login", &[("accept-encoding", "gzip")]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-encoding").as_deref(), Some("gzip"), "pages are compressed on the fly");
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let missing = c.get("/pkg/nothing-here.js").await;
    assert_eq!(missing.status, 404);
    let _ = std::fs::remove_dir_all(&site);
}
