//! Technical SEO audits as tasks: a fixture site on 127.0.0.1 crawled through the task engine, pages and
//! issues in Postgres, the audit pages' server functions, exports, portfolio scoping, crawl comparison with
//! regression alerts, the recurring schedule, cancelling mid-crawl and the address guard.

use crate::common::*;
use crate::fixtures::*;
use crate::tasks::{get_task, wait_final};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn page(path: &str, title: &str, body: &str) -> String {
    let words = "Fixture text about technical audits, crawling and the health of a website. ".repeat(30);
    format!(
        "<!doctype html><html lang=en><head><title>{title}</title>\
         <meta name=description content=\"A fixture page of the site audit tests, long enough to pass the length check.\">\
         <link rel=canonical href=\"{path}\"><script type=\"application/ld+json\">{{\"@type\":\"WebPage\"}}</script>\
         </head><body><h1>{title}</h1><p>{words}</p>{body}</body></html>"
    )
}

/// The fixture site. While `broken` is set, the home page links to a missing page (http_4xx and
/// broken_internal_link) and /untitled has no title; `slow` makes every page take 300 ms and adds 60
/// numbered pages, for the cancel test.
struct Site {
    addr: SocketAddr,
    broken: Arc<AtomicBool>,
}

async fn fixture_site(slow: bool) -> Site {
    let broken = Arc::new(AtomicBool::new(true));
    let b1 = broken.clone();
    let b2 = broken.clone();
    let app = Router::new()
        .route(
            "/",
            get(move || {
                let broken = b1.load(Ordering::SeqCst);
                async move {
                    let mut links = String::from(
                        "<a href=\"/about\">About the fixture company</a> <a href=\"/old\">Old page</a> \
                         <a href=\"/untitled\">Untitled page</a>",
                    );
                    if broken {
                        links.push_str(" <a href=\"/missing\">Missing page</a>");
                    }
                    if slow {
                        for i in 0..60 {
                            links.push_str(&format!(" <a href=\"/n/{i}\">Numbered page {i}</a>"));
                        }
                    }
                    Html(page("/", "Fixture home page of the audits", &links))
                }
            }),
        )
        .route(
            "/about",
            get(|| async {
                Html(page(
                    "/about",
                    "About the fixture company",
                    "<a href=\"/\">Home page</a><img src=\"/big.png\" alt=\"A big photo\"><img src=\"/small.png\" alt=\"A logo\">",
                ))
            }),
        )
        // Images answer HEAD with their length: 600,000 bytes is over the 500 KiB limit, 2,000 is not.
        .route("/big.png", get(|| async { ([("content-type", "image/png")], vec![0u8; 600_000]) }))
        .route("/small.png", get(|| async { ([("content-type", "image/png")], vec![0u8; 2_000]) }))
        .route("/old", get(|| async { Redirect::permanent("/about") }))
        .route(
            "/untitled",
            get(move || {
                let broken = b2.load(Ordering::SeqCst);
                async move {
                    if broken {
                        Html("<html><body><h1>Untitled</h1><p>No title here.</p></body></html>".to_string())
                    } else {
                        Html(page("/untitled", "A page with a title at last", "<a href=\"/\">Home page</a>"))
                    }
                }
            }),
        )
        .route(
            "/n/{i}",
            get(move |axum::extract::Path(i): axum::extract::Path<u32>| async move {
                if slow {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Html(page(&format!("/n/{i}"), &format!("Numbered fixture page {i}"), ""))
            }),
        )
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .fallback(|| async {
            (StatusCode::NOT_FOUND, Html("<html><head><title>Not found</title></head></html>")).into_response()
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fixture site");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Site { addr, broken }
}

fn options() -> Options {
    Options { workers: 2, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }
}

async fn run_audit(c: &Client, client_id: &str) -> String {
    let r = c.post("/api/audits/run", &[("client_id", client_id)]).await;
    assert_eq!(r.status, 200, "run audit: {}", r.body);
    r.json().as_str().expect("task id").to_string()
}

async fn crawl(c: &Client, id: &str) -> Value {
    let r = c.post("/api/audits/crawl", &[("id", id)]).await;
    assert_eq!(r.status, 200, "get crawl: {}", r.body);
    r.json()
}

fn check_count(detail: &Value, check: &str) -> i64 {
    detail["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|k| k["check"] == check)
        .map_or(0, |k| k["count"].as_i64().unwrap_or(0))
}

#[tokio::test]
async fn an_audit_task_crawls_stores_and_scores_the_site() {
    let site = fixture_site(false).await;
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let client_id = client_on_site(&app, &admin, "Audited Fixture Ltd", site.addr, "").await;

    let task_id = run_audit(&admin, &client_id).await;
    let task = wait_final(&admin, &task_id).await;
    assert_eq!(task["summary"]["status"], "completed", "{task}");
    let out = &task["output"]["output"];
    assert_eq!(task["output"]["type"], "technical_seo_audit");
    let crawl_id = out["crawl_id"].as_str().expect("crawl id").to_string();
    // /, /about, /old (-> /about), /untitled and /missing (its 404 answer is HTML too).
    assert_eq!(out["pages"], 5, "{out}");
    assert_eq!(out["html_pages"], 5, "{out}");

    let detail = crawl(&admin, &crawl_id).await;
    let c = &detail["crawl"];
    assert_eq!(c["status"], "completed");
    assert_eq!(c["pages_done"], 5);
    assert_eq!(c["robots_txt_found"], true);
    assert_eq!(c["sitemap_found"], false);
    // Errors on / (no_https on a plain-HTTP site, broken_internal_link), /missing (http_4xx) and /untitled
    // (title_missing): 3 of 5 HTML URLs, so 100 x (1 - 3/5).
    assert_eq!(c["health"], 40.0, "{c}");
    assert_eq!(check_count(&detail, "no_https"), 1);
    assert_eq!(check_count(&detail, "http_4xx"), 1);
    assert_eq!(check_count(&detail, "broken_internal_link"), 1);
    assert_eq!(check_count(&detail, "title_missing"), 1);
    assert_eq!(check_count(&detail, "sitemap_missing"), 1);
    assert_eq!(check_count(&detail, "redirect_chain"), 0, "one hop is not a chain");
    assert_eq!(check_count(&detail, "image_too_large"), 1, "the big image only: {detail}");
    let r = admin.post("/api/audits/issues", &[("id", &crawl_id), ("check", "image_too_large"), ("offset", "0")]).await;
    assert_eq!(r.json()["rows"][0]["url"], format!("http://{}/big.png", site.addr));
    let categories = c["categories"].as_array().expect("categories");
    assert_eq!(categories.len(), 6);
    let on_page = categories.iter().find(|g| g["label"] == "On-page").expect("on-page");
    assert_eq!(on_page["score"], 80.0, "only /untitled has an on-page error: {on_page}");
    assert!(on_page["errors"].as_i64().unwrap_or(0) >= 1);

    // Issues of one check, paginated.
    let r = admin.post("/api/audits/issues", &[("id", &crawl_id), ("check", "title_missing"), ("offset", "0")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let issues = r.json();
    assert_eq!(issues["total"], 1);
    assert_eq!(issues["rows"][0]["url"], format!("http://{}/untitled", site.addr));
    let r = admin.post("/api/audits/issues", &[("id", &crawl_id), ("check", "no_such_check"), ("offset", "0")]).await;
    assert_eq!(r.status, 422);
    assert!(error_fields(&r).contains(&"check".to_string()), "{}", r.body);

    // The page explorer: filters by status class, depth and check.
    let pages = |status: &'static str, depth: &'static str, check: &'static str| {
        let (admin, crawl_id) = (&admin, crawl_id.clone());
        async move {
            let r = admin
                .post(
                    "/api/audits/pages",
                    &[("id", &crawl_id), ("status", status), ("depth", depth), ("check", check), ("offset", "0")],
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        }
    };
    let all = pages("", "", "").await;
    assert_eq!(all["total"], 5);
    let missing = pages("4xx", "", "").await;
    assert_eq!(missing["total"], 1);
    assert_eq!(missing["rows"][0]["url"], format!("http://{}/missing", site.addr));
    assert_eq!(missing["rows"][0]["errors"], 1, "the page's issue count is filled in");
    assert_eq!(pages("", "0", "").await["total"], 1, "only the start page is at depth 0");
    assert_eq!(pages("", "", "broken_internal_link").await["rows"][0]["url"], format!("http://{}/", site.addr));
    let r = admin
        .post(
            "/api/audits/pages",
            &[("id", &crawl_id), ("status", "7xx"), ("depth", "x"), ("check", ""), ("offset", "0")],
        )
        .await;
    assert_eq!(r.status, 422);
    let fields = error_fields(&r);
    assert!(fields.contains(&"status".to_string()) && fields.contains(&"depth".to_string()), "{}", r.body);

    // Links and text samples were stored for the link and content agents.
    let crawl_uuid = uuid::Uuid::parse_str(&crawl_id).expect("uuid");
    let (links, texts): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM crawl_links WHERE crawl_id = $1), (SELECT count(*) FROM crawl_texts WHERE crawl_id = $1)",
    )
    .bind(crawl_uuid)
    .fetch_one(&app.pool)
    .await
    .expect("counts");
    assert!(links >= 6, "links stored: {links}");
    assert_eq!(texts, 4, "one text sample per HTML page");

    let metrics = app.client().get("/metrics").await.body;
    assert!(metrics.contains("crawl_pages_total{outcome=\"fetched\"}"), "{metrics}");
    assert!(metrics.contains("crawl_duration_seconds"), "{metrics}");

    // The client's audits list it.
    let r = admin.post("/api/audits/client", &[("client_id", &client_id)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["crawls"][0]["id"], crawl_id.as_str());
    // ... and its health line has that audit as its one point, with the crawl's own health and errors.
    let r = admin.post("/api/audits/health", &[("client_id", &client_id)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let line = r.json()["points"].clone();
    assert_eq!(line.as_array().map(Vec::len), Some(1), "{line}");
    let crawl = admin.post("/api/audits/crawl", &[("id", &crawl_id)]).await.json();
    assert_eq!(line[0]["crawl_id"], crawl_id.as_str());
    assert_eq!(line[0]["health"], crawl["crawl"]["health"]);
    assert_eq!(line[0]["errors"], crawl["crawl"]["error_count"]);

    // Other agents read the audit: lead qualification's need part now names it.
    let r = crate::tasks::run_task(&admin, "lead_qualification", &client_id, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let lq = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(lq["summary"]["status"], "completed");
    let text = lq["output"].to_string();
    assert!(!text.contains("no audit yet"), "the lead qualification saw the audit: {text}");
}

#[tokio::test]
async fn exports_stream_issues_and_pages_and_respect_the_portfolio() {
    let site = fixture_site(false).await;
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client_id = client_on_site(&app, &admin, "Exported Fixture Ltd", site.addr, &manager_id).await;
    let task_id = run_audit(&manager, &client_id).await;
    let task = wait_final(&manager, &task_id).await;
    assert_eq!(task["summary"]["status"], "completed", "{task}");
    let crawl_id = task["output"]["output"]["crawl_id"].as_str().expect("crawl").to_string();

    let r = manager.get(&format!("/export/crawls/{crawl_id}/issues.csv")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap_or_default().starts_with("text/csv"));
    let rows = csv_records(&r.body);
    assert_eq!(rows[0], vec!["check", "severity", "category", "url", "detail"]);
    let issues_in_db: i64 = sqlx::query_scalar("SELECT count(*) FROM crawl_issues WHERE crawl_id = $1")
        .bind(uuid::Uuid::parse_str(&crawl_id).expect("uuid"))
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(rows.len() as i64 - 1, issues_in_db);
    assert!(rows.iter().any(|r| r[0] == "http_4xx" && r[1] == "error" && r[3].ends_with("/missing")));

    let r = manager.get(&format!("/export/crawls/{crawl_id}/issues.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().map(Vec::len), Some(issues_in_db as usize));

    let r = manager.get(&format!("/export/crawls/{crawl_id}/pages.csv")).await;
    assert_eq!(r.status, 200);
    let pages = csv_records(&r.body);
    assert_eq!(pages.len(), 6, "header and five pages");
    assert_eq!(pages[0][0], "id");
    assert_eq!(pages[1][1], format!("http://{}/", site.addr), "crawl order: the start page first");
    let r = manager.get(&format!("/export/crawls/{crawl_id}/pages.json")).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(5));

    // Another account manager reaches none of it; signed-out callers neither.
    let r = other.get(&format!("/export/crawls/{crawl_id}/issues.csv")).await;
    assert_eq!(r.status, 404);
    let r = other.post("/api/audits/crawl", &[("id", &crawl_id)]).await;
    assert_eq!(r.status, 404);
    let r = other.post("/api/audits/client", &[("client_id", &client_id)]).await;
    assert_eq!(r.status, 404);
    let r = other.post("/api/audits/health", &[("client_id", &client_id)]).await;
    assert_eq!(r.status, 404);
    let r = other.post("/api/audits/run", &[("client_id", &client_id)]).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app.client().get(&format!("/export/crawls/{crawl_id}/pages.csv")).await;
    assert_eq!(r.status, 401);
    let r = manager.get(&format!("/export/crawls/{crawl_id}/other.csv")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_second_audit_is_compared_with_the_first_and_regressions_raise_events() {
    let site = fixture_site(false).await;
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let client_id = client_on_site(&app, &admin, "Compared Fixture Ltd", site.addr, "").await;

    // First audit with the defects fixed, the second with them back: a regression.
    site.broken.store(false, Ordering::SeqCst);
    let first = wait_final(&admin, &run_audit(&admin, &client_id).await).await;
    assert_eq!(first["summary"]["status"], "completed", "{first}");
    // Only the start page's no_https error (a plain-HTTP fixture) of 4 HTML URLs.
    assert_eq!(first["output"]["output"]["health"], 75.0, "{}", first["output"]);
    site.broken.store(true, Ordering::SeqCst);
    let second = wait_final(&admin, &run_audit(&admin, &client_id).await).await;
    assert_eq!(second["summary"]["status"], "completed");

    // The completed second audit queued a crawl comparison.
    let mut comparison = None;
    for _ in 0..100 {
        let id: Option<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM tasks WHERE client_id = $1 AND task_type = 'crawl_comparison' AND status = 'completed'",
        )
        .bind(uuid::Uuid::parse_str(&client_id).expect("uuid"))
        .fetch_optional(&app.pool)
        .await
        .expect("query");
        if let Some(id) = id {
            comparison = Some(get_task(&admin, &id.to_string()).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(comparison) = comparison else {
        let tasks: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT task_type, status, error FROM tasks WHERE client_id = $1 ORDER BY created_at")
                .bind(uuid::Uuid::parse_str(&client_id).expect("uuid"))
                .fetch_all(&app.pool)
                .await
                .expect("tasks");
        panic!("no completed crawl comparison; the client's tasks: {tasks:?}");
    };
    let out = &comparison["output"]["output"];
    assert_eq!(out["before"]["health"], 75.0);
    assert_eq!(out["after"]["health"], 40.0);
    assert_eq!(out["health_delta"], -35.0);
    let checks = out["checks"].as_array().expect("checks");
    let http_4xx = checks.iter().find(|c| c["check"] == "http_4xx").expect("http_4xx row");
    assert_eq!((http_4xx["new"].as_i64(), http_4xx["fixed"].as_i64()), (Some(1), Some(0)));
    let sitemap = checks.iter().find(|c| c["check"] == "sitemap_missing").expect("persisting row");
    assert_eq!(sitemap["persisting"], 1);

    let events: Vec<Value> = client_events(&app, &client_id)
        .await
        .into_iter()
        .filter(|(a, _)| a == "audit.regression")
        .map(|(_, d)| d)
        .collect();
    assert!(events.iter().any(|d| d["severity"] == "critical" && d["check"].is_null()), "{events:?}");
    assert!(events.iter().any(|d| d["check"] == "http_4xx"), "{events:?}");

    // Fixing the site again: the next comparison reports fixes and raises nothing.
    site.broken.store(false, Ordering::SeqCst);
    let third = wait_final(&admin, &run_audit(&admin, &client_id).await).await;
    assert_eq!(third["summary"]["status"], "completed");
    let third_crawl = third["output"]["output"]["crawl_id"].clone();
    let mut fixed = None;
    for _ in 0..100 {
        let out: Option<Value> = sqlx::query_scalar(
            "SELECT output FROM tasks WHERE client_id = $1 AND task_type = 'crawl_comparison' AND status = 'completed'
              ORDER BY finished_at DESC LIMIT 1 OFFSET 0",
        )
        .bind(uuid::Uuid::parse_str(&client_id).expect("uuid"))
        .fetch_optional(&app.pool)
        .await
        .expect("query");
        if let Some(o) = out.filter(|o| o["output"]["after"]["crawl_id"] == third_crawl) {
            fixed = Some(o);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fixed = fixed.expect("the third audit's comparison");
    assert!(fixed["output"]["alerts"].as_array().is_some_and(Vec::is_empty), "{fixed}");
    assert!(fixed["output"]["fixed_issues"].as_i64().unwrap_or(0) >= 3, "{fixed}");

    // Any two crawls compare on demand: the first (fixed site) against the second (broken), same figures as
    // the comparison task; a crawl against itself is refused naming the field.
    let first_crawl = first["output"]["output"]["crawl_id"].as_str().expect("crawl").to_string();
    let second_crawl = second["output"]["output"]["crawl_id"].as_str().expect("crawl").to_string();
    let r = admin.post("/api/audits/compare", &[("before", &first_crawl), ("after", &second_crawl)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let on_demand = r.json();
    assert_eq!(on_demand["health_delta"], -35.0);
    assert_eq!(on_demand["new_issues"], out["new_issues"]);
    let html = on_demand["html"].as_str().expect("the comparison's view, rendered by the server");
    assert!(html.contains("<table") && html.contains("-35"), "{html}");
    let r = admin.post("/api/audits/compare", &[("before", &first_crawl), ("after", &first_crawl)]).await;
    assert_eq!(r.status, 422);
    assert_eq!(error_fields(&r), vec!["after".to_string()]);
    let (outsider, _, _) = app.user(&admin, "account_manager").await;
    let r = outsider.post("/api/audits/compare", &[("before", &first_crawl), ("after", &second_crawl)]).await;
    assert_eq!(r.status, 404, "outside the portfolio: {}", r.body);
}

#[tokio::test]
async fn the_schedule_queues_audits_when_due() {
    let site = fixture_site(false).await;
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let client_id = client_on_site(&app, &admin, "Scheduled Fixture Ltd", site.addr, "").await;

    let r = admin.post("/api/audits/schedule", &[("client_id", &client_id), ("cadence", "fortnightly")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(error_fields(&r), vec!["cadence".to_string()]);
    let r = admin.post("/api/audits/schedule", &[("client_id", &client_id), ("cadence", "weekly")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(r.json()["next_run_at"].clone()).expect("next run");
    let days = (next - chrono::Utc::now()).num_hours();
    assert!((167..=168).contains(&days), "a week from now: {next}");
    assert!(client_events(&app, &client_id)
        .await
        .iter()
        .any(|(a, d)| a == "client.audit_scheduled" && d["cadence"] == "weekly"));

    // Make it due: the worker's scheduler queues an audit and moves the next run a week on.
    let cid = uuid::Uuid::parse_str(&client_id).expect("uuid");
    sqlx::query("UPDATE audit_schedules SET next_run_at = now() - interval '1 minute' WHERE client_id = $1")
        .bind(cid)
        .execute(&app.pool)
        .await
        .expect("due");
    let mut task = None;
    for _ in 0..100 {
        let t: Option<(uuid::Uuid, Option<uuid::Uuid>)> = sqlx::query_as(
            "SELECT t.id, t.created_by FROM tasks t WHERE t.client_id = $1 AND t.task_type = 'technical_seo_audit'",
        )
        .bind(cid)
        .fetch_optional(&app.pool)
        .await
        .expect("query");
        if t.is_some() {
            task = t;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (task_id, created_by) = task.expect("the scheduler queued an audit");
    assert_eq!(created_by, None, "queued by the system");
    let (next, last): (chrono::DateTime<chrono::Utc>, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT next_run_at, last_task_id FROM audit_schedules WHERE client_id = $1")
            .bind(cid)
            .fetch_one(&app.pool)
            .await
            .expect("schedule");
    assert_eq!(last, Some(task_id));
    assert!(next > chrono::Utc::now() + chrono::Duration::days(6), "moved on: {next}");
    let done = wait_final(&admin, &task_id.to_string()).await;
    assert_eq!(done["summary"]["status"], "completed", "{done}");

    // Removing the schedule.
    let r = admin.post("/api/audits/schedule", &[("client_id", &client_id), ("cadence", "")]).await;
    assert_eq!(r.status, 200);
    assert!(r.json().is_null());
}

#[tokio::test]
async fn cancelling_stops_the_crawl_and_keeps_what_it_stored() {
    let site = fixture_site(true).await;
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let client_id = client_on_site(&app, &admin, "Cancelled Fixture Ltd", site.addr, "").await;
    let task_id = run_audit(&admin, &client_id).await;
    let cid = uuid::Uuid::parse_str(&client_id).expect("uuid");
    // Wait until pages are stored, then cancel.
    let mut crawl_id = None;
    for _ in 0..200 {
        let row: Option<(uuid::Uuid, i32)> =
            sqlx::query_as("SELECT id, pages_done FROM crawls WHERE client_id = $1 AND pages_done >= 3")
                .bind(cid)
                .fetch_optional(&app.pool)
                .await
                .expect("query");
        if let Some((id, _)) = row {
            crawl_id = Some(id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let crawl_id = crawl_id.expect("the crawl started storing pages");
    let r = admin.post("/api/tasks/cancel", &[("id", &task_id)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t = wait_final(&admin, &task_id).await;
    assert_eq!(t["summary"]["status"], "cancelled", "{t}");
    let (status, pages): (String, i64) = sqlx::query_as(
        "SELECT k.status, (SELECT count(*) FROM crawl_pages p WHERE p.crawl_id = k.id) FROM crawls k WHERE k.id = $1",
    )
    .bind(crawl_id)
    .fetch_one(&app.pool)
    .await
    .expect("crawl");
    assert_eq!(status, "cancelled");
    assert!((3..64).contains(&pages), "stopped mid-way with its pages kept: {pages}");
    // Nothing more is written once it stopped.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let later: i64 = sqlx::query_scalar("SELECT count(*) FROM crawl_pages WHERE crawl_id = $1")
        .bind(crawl_id)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(later, pages);
}

#[tokio::test]
async fn audits_of_private_addresses_are_refused_without_the_allow_list() {
    let site = fixture_site(false).await;
    let app = TestApp::spawn(Options { workers: 1, ..Options::default() }).await;
    let admin = app.admin().await;
    let client_id = client_on_site(&app, &admin, "Private Fixture Ltd", site.addr, "").await;
    let task = wait_final(&admin, &run_audit(&admin, &client_id).await).await;
    assert_eq!(task["summary"]["status"], "failed", "{task}");
    let error = task["summary"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("refused"), "{error}");
    assert_eq!(task["error_kind"], "input", "not retried: {task}");
    let (status,): (String,) = sqlx::query_as("SELECT status FROM crawls WHERE client_id = $1")
        .bind(uuid::Uuid::parse_str(&client_id).expect("uuid"))
        .fetch_one(&app.pool)
        .await
        .expect("crawl row");
    assert_eq!(status, "failed");
}

#[tokio::test]
async fn the_crawl_agents_read_the_stored_crawls_and_competitive_analysis_crawls_competitors() {
    let site = fixture_site(false).await;
    let rival = fixture_site(false).await;
    rival.broken.store(false, Ordering::SeqCst);
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let client_id = client_on_site(&app, &admin, "Agents Fixture Ltd", site.addr, "").await;
    let cid = uuid::Uuid::parse_str(&client_id).expect("uuid");
    sqlx::query("UPDATE clients SET competitor_domains = $2 WHERE id = $1")
        .bind(cid)
        .bind(vec![format!("http://{}/", rival.addr)])
        .execute(&app.pool)
        .await
        .expect("competitors");

    // Before any audit the crawl agents say what is missing, and don't retry.
    let r = crate::tasks::run_task(&admin, "link_building", &client_id, &[]).await;
    let t = wait_final(&admin, r.json().as_str().expect("id")).await;
    assert_eq!(t["summary"]["status"], "failed");
    assert!(t["summary"]["error"].as_str().unwrap_or_default().contains("no completed technical SEO audit"), "{t}");
    assert_eq!(t["error_kind"], "input");

    let audit = wait_final(&admin, &run_audit(&admin, &client_id).await).await;
    assert_eq!(audit["summary"]["status"], "completed");

    let run = |kind: &'static str| {
        let (admin, client_id) = (&admin, client_id.clone());
        async move {
            let r = crate::tasks::run_task(admin, kind, &client_id, &[]).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let t = wait_final(admin, r.json().as_str().expect("id")).await;
            assert_eq!(t["summary"]["status"], "completed", "{kind}: {t}");
            assert_eq!(t["output"]["type"], kind);
            t["output"]["output"].clone()
        }
    };
    let competitive = run("competitive_analysis").await;
    let rows = competitive["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{competitive}");
    assert_eq!(rows[0]["is_client"], true);
    assert_eq!(rows[0]["health_score"], 40.0);
    assert_eq!(rows[1]["health_score"], 75.0, "the rival's crawl was scored: {competitive}");
    assert_eq!(rows[1]["pages_crawled"], 4);
    let jaccard = competitive["overlaps"][0]["jaccard"].as_f64().expect("jaccard");
    assert!(jaccard > 0.5, "the two fixture sites share their text: {jaccard}");
    let (competitor_crawls,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM crawls WHERE client_id = $1 AND kind = 'competitor' AND status = 'completed'",
    )
    .bind(cid)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(competitor_crawls, 1);

    let links = run("link_building").await;
    assert_eq!(links["pages"], 5, "{links}");
    assert_eq!(links["broken_links_total"], 1, "/ links to /missing: {links}");
    assert_eq!(links["broken_links"][0]["targets"][0]["status"], 404);
    let ranks: f64 =
        links["top_pages"].as_array().expect("top").iter().map(|p| p["pagerank"].as_f64().unwrap_or(0.0)).sum();
    assert!(ranks > 0.0 && ranks <= 1.0 + 1e-9, "{ranks}");
    assert!(links["health"]["components"].as_array().is_some_and(|c| c.len() == 4), "{links}");

    let content = run("content_strategy").await;
    // /, /about and /untitled: /old redirects to /about and /missing has no text.
    assert_eq!(content["pages_analysed"], 3, "{content}");
    assert_eq!(content["competitor_pages_analysed"], 3, "the rival's crawl is the competitor corpus");
    assert!(content["duplicates"].as_array().is_some_and(Vec::is_empty), "a redirect is not a duplicate: {content}");
    let terms: Vec<&str> =
        content["top_terms"].as_array().expect("terms").iter().filter_map(|t| t["term"].as_str()).collect();
    assert!(terms.iter().any(|t| t.contains("fixture")), "{terms:?}");
    let thin: Vec<&str> =
        content["thin_pages"].as_array().expect("thin").iter().filter_map(|p| p["url"].as_str()).collect();
    assert!(thin.iter().any(|u| u.ends_with("/untitled")), "the untitled page has a dozen words: {thin:?}");
    assert!(!content["calendar"].as_array().expect("calendar").is_empty(), "a rewrite is planned: {content}");

    // The strategist now reads all three.
    let strategy = run("strategy").await;
    assert!(!strategy.to_string().contains("Not yet available: audit, content, competitive, links"), "{strategy}");
}

#[tokio::test]
async fn the_site_audits_page_lists_each_clients_latest_audit_and_health_change_within_the_portfolio() {
    let site = fixture_site(false).await;
    let app = TestApp::spawn(options()).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let (other, other_id, _) = app.user(&admin, "account_manager").await;
    let client_id = client_on_site(&app, &admin, "Overview Audited Ltd", site.addr, &manager_id).await;
    client_on_site(&app, &admin, "Overview Unaudited Ltd", site.addr, &other_id).await;

    let r = manager.post("/api/audits/overview", &[("offset", "0")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let o = r.json();
    assert_eq!(o["total"], 1, "{o}");
    assert!(o["rows"][0]["latest"].is_null(), "not audited yet: {o}");

    for _ in 0..2 {
        let task = wait_final(&manager, &run_audit(&manager, &client_id).await).await;
        assert_eq!(task["summary"]["status"], "completed", "{task}");
    }
    let o = manager.post("/api/audits/overview", &[("offset", "0")]).await.json();
    let row = &o["rows"][0];
    assert_eq!(row["client_name"], "Overview Audited Ltd");
    assert_eq!(row["latest"]["status"], "completed", "{o}");
    let (now, before) = (row["health"].as_f64().expect("health"), row["previous_health"].as_f64().expect("previous"));
    assert_eq!(now, row["latest"]["health"].as_f64().expect("latest health"));
    // The same site twice: the same score.
    assert_eq!(now, before, "{o}");

    let page = manager.get("/audits").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Audits of Overview Audited Ltd"), "{}", page.body);
    assert!(page.body.contains("no change"), "{}", page.body);
    assert!(!page.body.contains("Overview Unaudited Ltd"), "another portfolio's client");
    let theirs = other.get("/audits").await;
    assert!(theirs.body.contains("Not audited yet") && theirs.body.contains("Overview Unaudited Ltd"));
    assert!(!theirs.body.contains("Overview Audited Ltd"), "another portfolio's client");
    let everyone = admin.get("/audits").await;
    assert!(everyone.body.contains("Overview Audited Ltd") && everyone.body.contains("Overview Unaudited Ltd"));

    let r = manager.post("/api/audits/overview", &[("offset", "-1")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("offset"), "{}", r.body);
}
