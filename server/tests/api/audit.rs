//! The crawler and the checks on a fixture site served on 127.0.0.1, through `server audit`.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::process::Command;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><title>{title}</title>\
         <meta name=description content=\"A fixture page of the audit tests, long enough to pass the length check of eighty.\">\
         <link rel=canonical href=\"/{}\"></head><body><h1>{title}</h1>{body}</body></html>",
        title.to_lowercase().replace(' ', "-")
    )
}

/// A small site with known defects: a broken link, a redirect chain, a page without a title, a page
/// only in the sitemap (orphan), a noindex page in the sitemap, and a robots.txt that disallows /private.
async fn fixture_site() -> SocketAddr {
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                Html(page(
                    "Fixture home page",
                    "<p>Welcome.</p><a href=\"/about\">About us</a> <a href=\"/missing\">click here</a> \
                     <a href=\"/old\">Old page</a> <a href=\"/untitled\">Untitled</a> <a href=\"/private/x\">Private</a>",
                ))
            }),
        )
        .route("/about", get(|| async { Html(page("About the fixture company", "<p>About.</p><a href=\"/\">Home</a>")) }))
        .route("/old", get(|| async { Redirect::permanent("/older") }))
        .route("/older", get(|| async { Redirect::permanent("/about") }))
        .route("/untitled", get(|| async { Html("<html><body><p>No title here.</p></body></html>") }))
        .route("/orphan", get(|| async { Html(page("An orphan fixture page", "<p>Nobody links here.</p>")) }))
        .route(
            "/hidden",
            get(|| async {
                Html("<html><head><title>Hidden fixture page title</title><meta name=robots content=noindex></head><body><h1>Hidden</h1></body></html>")
            }),
        )
        .route("/private/x", get(|| async { Html(page("Private fixture page", "<p>Must not be crawled.</p>")) }))
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /private\n" }))
        .route(
            "/sitemap.xml",
            get(|| async {
                let xml = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
                    <url><loc>SITE/</loc></url><url><loc>SITE/orphan</loc></url><url><loc>SITE/hidden</loc></url></urlset>";
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/xml")
                    .body(axum::body::Body::from(xml.to_string()))
                    .unwrap_or_default()
            }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, Html("<html><head><title>Not found</title></head></html>")).into_response() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fixture site");
    let addr = listener.local_addr().expect("addr");
    // The sitemap names absolute URLs: rewrite SITE to this server.
    let site = format!("http://{addr}");
    let app = app.layer(axum::middleware::map_response(move |res: Response| {
        let site = site.clone();
        async move {
            let is_xml =
                res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/xml"));
            if !is_xml {
                return res;
            }
            let (parts, body) = res.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).replace("SITE", &site);
            Response::from_parts(parts, axum::body::Body::from(text))
        }
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn issues_of(path: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("issues file");
    let v: serde_json::Value = serde_json::from_str(&text).expect("issues JSON");
    v.as_array()
        .expect("array")
        .iter()
        .map(|i| (i["check"].as_str().unwrap_or("").to_string(), i["url"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[tokio::test]
async fn server_audit_crawls_a_fixture_site_and_reports_its_defects() {
    let addr = fixture_site().await;
    let dir = std::env::temp_dir().join(format!("aiseo-audit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("issues.json");
    let site = format!("http://{addr}");
    let run = tokio::task::spawn_blocking({
        let (site, out) = (site.clone(), out.clone());
        move || {
            Command::new(env!("CARGO_BIN_EXE_server"))
                .args(["audit", &format!("{site}/"), "--allow-private", "--format", "json", "--out"])
                .arg(&out)
                .output()
                .expect("run server audit")
        }
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("health score:"), "{stdout}");
    assert!(stdout.contains("pages/s"), "{stdout}");
    let issues = issues_of(&out);
    let has = |check: &str, path: &str| issues.iter().any(|(c, u)| c == check && *u == format!("{site}{path}"));
    assert!(has("http_4xx", "/missing"), "{issues:?}");
    assert!(has("broken_internal_link", "/"), "{issues:?}");
    assert!(has("redirect_chain", "/old"), "{issues:?}");
    assert!(has("title_missing", "/untitled"), "{issues:?}");
    assert!(has("orphan_page", "/orphan"), "{issues:?}");
    assert!(has("noindex_in_sitemap", "/hidden"), "{issues:?}");
    assert!(has("generic_anchor_text", "/"), "{issues:?}");
    assert!(has("no_https", "/"), "{issues:?}");
    assert!(!issues.iter().any(|(_, u)| u.contains("/private")), "robots.txt disallows /private: {issues:?}");
    assert!(!has("robots_txt_missing", "/") && !has("sitemap_missing", "/"), "{issues:?}");
    assert!(!has("title_missing", "/about"), "{issues:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn server_audit_refuses_a_private_site_without_the_allow_flag() {
    let addr = fixture_site().await;
    let run = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_server")).args(["audit", &format!("http://{addr}/")]).output().expect("run")
    })
    .await
    .expect("join");
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("private or reserved"), "{stderr}");
}

fn run_audit(args: Vec<String>) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server")).args(args).output().expect("run server audit")
}

#[tokio::test]
async fn server_audit_writes_csv_rows_to_a_file() {
    let addr = fixture_site().await;
    let dir = std::env::temp_dir().join(format!("aiseo-audit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("issues.csv");
    let site = format!("http://{addr}");
    let args = vec![
        "audit".into(),
        format!("{site}/"),
        "--allow-private".into(),
        "--format".into(),
        "csv".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    let run = tokio::task::spawn_blocking(move || run_audit(args)).await.expect("join");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let csv = std::fs::read_to_string(&out).expect("issues file");
    // The web exports' format: one record per line.
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("check,severity,category,url,detail"));
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    assert!(rows.iter().any(|r| r.starts_with(&format!("broken_internal_link,error,links,{site}/,"))), "{csv}");
    assert!(rows.iter().any(|r| r.starts_with(&format!("orphan_page,warning,links,{site}/orphan,"))), "{csv}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let counted: usize = ["errors", "warnings", "notices"]
        .iter()
        .filter_map(|what| {
            let line = stdout.lines().find(|l| l.starts_with("issues: "))?;
            let part = line.trim_start_matches("issues: ").split(", ").find(|p| p.ends_with(what))?;
            part.split(' ').next()?.parse::<usize>().ok()
        })
        .sum();
    assert_eq!(counted, rows.len(), "the summary counts every issue written: {stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn server_audit_streams_a_json_array_to_stdout_and_the_summary_to_stderr() {
    let addr = fixture_site().await;
    let args =
        vec!["audit".into(), format!("http://{addr}/"), "--allow-private".into(), "--max-pages".into(), "3".into()];
    let run = tokio::task::spawn_blocking(move || run_audit(args)).await.expect("join");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("pages: 3 ") && stderr.contains("(stopped: MaxPages)"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).expect("stdout is one JSON array");
    let issues = v.as_array().expect("array");
    assert!(!issues.is_empty());
    assert!(issues.iter().all(|i| i["check"].is_string() && i["severity"].is_string() && i["url"].is_string()));
}
