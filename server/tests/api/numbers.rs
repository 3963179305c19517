//! Extreme numbers in every numeric query parameter of every page and export: each answer is complete, has
//! a status below 500 (a bad number is the caller's error, named), and carries the request id and the
//! security headers. Values are a fixed set of edges plus a deterministic sample of proptest strategies.

use crate::common::*;
use crate::fixtures::*;
use domain::model::crawl::CrawlKind;
use domain::store::crawls::NewCrawl;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// Numbers a request may carry: the edges of every integer type, beyond them, and things that only look
/// like numbers.
const EDGES: [&str; 16] = [
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "2147483647",
    "2147483648",
    "-1",
    "0",
    "1e400",
    "NaN",
    "99999999999999999999999999999999999999",
    "+5",
    "0x10",
    "1.5",
    "",
];

/// The numeric parameters the pages and exports read, and the ones every page is also fed (unknown
/// parameters must be ignored).
const CLIENT_LIST: [&str; 6] = ["page", "per_page", "revenue_min", "revenue_max", "employees_min", "employees_max"];
const CRAWL_PAGE: [&str; 3] = ["po", "io", "depth"];
const EVERY_PAGE: [&str; 5] = ["page", "per_page", "offset", "limit", "po"];

fn sampled_values() -> Vec<String> {
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::prop_oneof![
        proptest::num::i64::ANY.prop_map(|n| n.to_string()),
        proptest::num::u64::ANY.prop_map(|n| n.to_string()),
        "[0-9]{19,40}",
        "-[0-9]{10,30}",
        "[0-9]{1,4}[eE][0-9]{2,4}",
    ];
    let mut values: Vec<String> = EDGES.iter().map(|s| s.to_string()).collect();
    for _ in 0..16 {
        values.push(strategy.new_tree(&mut runner).expect("value").current());
    }
    values
}

#[tokio::test]
async fn extreme_numbers_in_every_page_and_export_get_a_complete_answer_below_500() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let client = create_client(&admin, "Numbers Ltd", &[], "").await;
    let client_id = id_of(&client);
    let campaign = id_of(&create_campaign(&admin, &client_id, "Numbers campaign").await);
    let crawl = domain::store::crawls::create(
        &app.pool,
        &NewCrawl {
            client_id: uuid::Uuid::parse_str(&client_id).expect("uuid"),
            task_id: None,
            kind: CrawlKind::Site,
            start_url: "https://numbers.example/",
            max_pages: 10,
            max_depth: 2,
        },
    )
    .await
    .expect("crawl");
    let me: String = sqlx::query_scalar("SELECT id::text FROM users LIMIT 1").fetch_one(&app.pool).await.expect("user");

    // (path, parameter, other parameters) for every numeric parameter, then every page with the common ones.
    let mut targets: Vec<(String, &str, &str)> = Vec::new();
    for p in CLIENT_LIST {
        for path in ["/clients", "/export/clients.csv", "/export/clients.json"] {
            targets.push((path.to_string(), p, ""));
        }
    }
    for p in CRAWL_PAGE {
        targets.push((format!("/audits/{crawl}"), p, "check=title_missing&"));
        targets.push((format!("/audits/{crawl}"), p, ""));
    }
    for route in server::app_routes() {
        let template = route.path().to_string();
        let path = template
            .split('/')
            .map(|s| {
                if !(s.starts_with(':') || s.starts_with('{')) {
                    return s.to_string();
                }
                match template.split('/').nth(1) {
                    Some("clients") => client_id.clone(),
                    Some("campaigns") => campaign.clone(),
                    Some("audits") => crawl.to_string(),
                    Some("admin") => me.clone(),
                    _ => uuid::Uuid::nil().to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for p in EVERY_PAGE {
            targets.push((path.clone(), p, ""));
        }
    }

    let values = sampled_values();
    let mut failures = Vec::new();
    for (path, param, extra) in &targets {
        for v in &values {
            let encoded: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            let url = format!("{path}?{extra}{param}={encoded}");
            let r = admin.get(&url).await;
            if r.status >= 500 {
                failures.push(format!("{url}: status {}", r.status));
            }
            if r.header("x-request-id").is_none() || r.header("content-security-policy").is_none() {
                failures.push(format!("{url}: no request id or security headers"));
            }
            let page = !path.starts_with("/export/");
            if page && r.status != 302 && r.status != 303 && !r.body.contains("</html>") {
                failures.push(format!("{url}: incomplete page ({} bytes)", r.body.len()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} requests failed:\n{}",
        failures.len(),
        targets.len() * values.len(),
        failures.join("\n")
    );

    // A bad offset is named on the page, with the status of a bad request.
    let r = admin.get(&format!("/audits/{crawl}?po=9223372036854775807")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("offset") || r.body.contains("Please correct"), "{}", r.body);
}
