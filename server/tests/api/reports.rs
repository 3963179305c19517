//! Client reports: the figures assembled for a period (health and its change, issues fixed and new,
//! campaigns, work done), the same report as a PDF read back with pdftotext, portfolio scoping, and the
//! agency's branding with its logo upload.

use crate::common::*;
use crate::fixtures::*;

/// A completed site audit of the client finished at `at` with `health`, and one issue per `(check, url)`.
async fn seed_audit(app: &TestApp, client: &str, at: &str, health: f64, issues: &[(&str, &str)]) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO crawls (id, client_id, kind, start_url, status, max_pages, max_depth, pages_done, health,
                             html_pages, error_count, warning_count, notice_count, started_at, finished_at)
         VALUES ($1, $2::uuid, 'site', 'https://report.example/', 'completed', 100, 3, 10, $3, 10, 1, 2, 0,
                 $4::timestamptz, $4::timestamptz)",
    )
    .bind(id)
    .bind(client)
    .bind(health)
    .bind(at)
    .execute(&app.pool)
    .await
    .expect("crawl");
    for (check, url) in issues {
        sqlx::query(
            "INSERT INTO crawl_issues (crawl_id, check_id, severity, category, url, detail)
             VALUES ($1, $2, 'warning', 'content', $3, '')",
        )
        .bind(id)
        .bind(check)
        .bind(url)
        .execute(&app.pool)
        .await
        .expect("issue");
    }
    id
}

pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let file = std::env::temp_dir().join(format!("aiseo-report-test-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&file, pdf).expect("write");
    let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext runs");
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_report_shows_the_periods_figures_on_the_web_and_in_the_pdf_for_the_portfolio_only() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (mine, mine_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client = id_of(&create_client(&admin, "Reported Ltd", &[], &mine_id).await);
    // October's audit, then two in November: the report for November compares its last with October's.
    seed_audit(
        &app,
        &client,
        "2026-10-20T10:00:00Z",
        60.0,
        &[("title_missing", "/a"), ("title_missing", "/b"), ("h1_missing", "/c")],
    )
    .await;
    seed_audit(&app, &client, "2026-11-05T10:00:00Z", 66.0, &[("title_missing", "/a")]).await;
    let last =
        seed_audit(&app, &client, "2026-11-25T10:00:00Z", 71.5, &[("title_missing", "/a"), ("h1_missing", "/new")])
            .await;
    seed_audit(&app, &client, "2026-12-03T10:00:00Z", 90.0, &[]).await; // after the period: not in it
    let campaign = id_of(&create_campaign(&admin, &client, "Autumn push").await);
    // Made during the period (the report counts campaigns that existed by its end).
    sqlx::query("UPDATE campaigns SET created_at = '2026-11-10T09:00:00Z' WHERE id = $1::uuid")
        .bind(&campaign)
        .execute(&app.pool)
        .await
        .expect("date the campaign");

    let form = [("client_id", client.as_str()), ("period", "2026-11"), ("from", ""), ("to", "")];
    let r = mine.post("/api/reports/client", &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["period_label"], "November 2026");
    assert_eq!(v["health"]["latest"]["crawl_id"], last.to_string().as_str(), "the latest audit by the period's end");
    assert_eq!(v["health"]["latest"]["health"], 71.5);
    assert_eq!(v["health"]["before"]["health"], 60.0, "the latest before the period");
    assert_eq!(v["health"]["change"], 11.5);
    assert_eq!(v["health"]["points"].as_array().map(Vec::len), Some(3));
    // October: title /a, /b, h1 /c. Now: title /a, h1 /new. Fixed: /b and /c; new: /new.
    assert_eq!((v["issues"]["fixed"].as_i64(), v["issues"]["new"].as_i64()), (Some(2), Some(1)), "{}", v["issues"]);
    assert_eq!(v["issues"]["top_new"][0]["check"], "h1_missing");
    assert_eq!(v["issues"]["top_new"][0]["example"], "/new");
    assert_eq!(v["campaigns"][0]["name"], "Autumn push");
    assert!(v["missing"]
        .as_array()
        .is_some_and(|m| m.iter().any(|x| x.as_str().unwrap_or("").contains("reporting agent"))));
    assert!(v["charts"]["health"].is_string() || v["charts"].to_string().contains("health"), "{}", v["charts"]);

    let path = format!("/clients/{client}/report.pdf?period=2026-11");
    let (status, headers, pdf) = mine.get_bytes(&path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    assert!(headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|d| d.contains("reported-ltd-seo-report-2026-11.pdf")));
    let text = pdf_text(&pdf);
    for expected in ["Reported Ltd", "November 2026", "71.5", "+11.5", "Autumn push", "https://console.test/audits/"] {
        assert!(text.contains(expected), "{expected:?} in the PDF:\n{text}");
    }
    let (_, _, again) = admin.get_bytes(&path).await;
    assert_eq!(again, pdf, "the same report, the same bytes, whoever asks");

    // Another portfolio's client has no report; a bad period is refused by name.
    assert_eq!(other.post("/api/reports/client", &form).await.status, 404);
    assert_eq!(other.get_bytes(&path).await.0, 404);
    let r = mine
        .post("/api/reports/client", &[("client_id", client.as_str()), ("period", "2026-13"), ("from", ""), ("to", "")])
        .await;
    assert_eq!(error_fields(&r), vec!["period".to_string()], "{}", r.body);
    let (status, _, body) =
        mine.get_bytes(&format!("/clients/{client}/report.pdf?from=2026-11-20&to=2026-11-01")).await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    assert_eq!(app.client().get_bytes(&path).await.0, 401, "signed out");
    // The web page.
    let page = mine.get(&format!("/clients/{client}/report?period=2026-11")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Download the PDF") && page.body.contains("Reported Ltd"), "{}", page.body);
}

#[tokio::test]
async fn admins_brand_the_reports_with_a_name_a_colour_and_a_checked_logo() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let set = |name: &'static str, accent: &'static str| [("input[name]", name), ("input[accent]", accent)];
    let r = admin.post("/api/branding/set", &set("Northwind SEO", "#0F766E")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["accent"], "#0f766e");
    let r = admin.post("/api/branding/set", &set("", "teal")).await;
    let mut fields = error_fields(&r);
    fields.sort();
    assert_eq!(fields, vec!["accent".to_string(), "name".to_string()]);
    assert_eq!(staff.post("/api/branding/set", &set("Mine now", "#000000")).await.status, 403);
    assert_eq!(staff.post("/api/branding/get", &[]).await.json()["name"], "Northwind SEO");

    // A 1×1 PNG is taken; an SVG (it can carry script), a file claiming PNG and an oversized one are not.
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
        0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff,
        0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    for (name, bytes, reason) in [
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(), "PNG or JPEG"),
        ("logo.png", b"GIF89a not really a png".to_vec(), "PNG or JPEG"),
        ("big.png", [png.clone(), vec![0u8; 600 * 1024]].concat(), "512 KB"),
    ] {
        let r = admin.upload("/admin/branding/logo", "logo", name, bytes).await;
        assert!(r.status == 303 || r.status == 413, "{name}: {} {}", r.status, r.body);
        if r.status == 303 {
            let to = r.header("location").unwrap_or_default();
            let to = url::form_urlencoded::parse(to.split_once('?').map_or("", |q| q.1).as_bytes())
                .find(|(k, _)| k == "logo_error")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            assert!(to.contains(reason), "{name}: {to}");
        }
    }
    assert_eq!(admin.get_bytes("/branding/logo").await.0, 404, "nothing stored");
    assert_eq!(staff.upload("/admin/branding/logo", "logo", "logo.png", png.clone()).await.status, 403);
    let r = admin.upload("/admin/branding/logo", "logo", "logo.png", png.clone()).await;
    assert_eq!((r.status, r.header("location").as_deref()), (303, Some("/admin/branding")), "{}", r.body);
    let (status, headers, bytes) = staff.get_bytes("/branding/logo").await;
    assert_eq!((status, bytes), (200, png));
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    let (status, headers, _) = app.client().get_bytes("/branding/logo").await;
    assert_eq!(status, 303, "signed out: to the sign-in page");
    assert!(headers.get("location").and_then(|v| v.to_str().ok()).is_some_and(|l| l.starts_with("/login")));
    let r = admin.post("/api/branding/remove_logo", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["logo_type"].is_null());
    let changes: Vec<String> = sqlx::query_scalar("SELECT action FROM events WHERE target_type = 'agency' ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .expect("events");
    assert_eq!(changes, ["agency.branding_changed", "agency.logo_changed", "agency.logo_changed"]);
}

#[tokio::test]
async fn templates_choose_the_sections_and_their_order_and_one_is_the_default() {
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let client = id_of(&create_client(&admin, "Templated Ltd", &[], "").await);
    let save = |id: &'static str, name: &'static str, default: &'static str| {
        [
            ("id", id),
            ("input[name]", name),
            ("input[intro]", "Dear client,\nyour month."),
            ("input[figures]", "1"),
            ("input[health]", "2"),
            ("input[is_default]", default),
        ]
    };
    let r = admin.post("/api/reports/templates/save", &save("", "Executive", "on")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["sections"], serde_json::json!(["figures", "health"]));
    let executive = r.json()["id"].as_str().expect("id").to_string();
    let r = admin.post("/api/reports/templates/save", &save("", "executive", "")).await;
    assert_eq!(error_fields(&r), vec!["name".to_string()], "names are unique: {}", r.body);
    let clash = [("id", ""), ("input[name]", "Clash"), ("input[health]", "1"), ("input[work]", "1")];
    assert_eq!(error_fields(&admin.post("/api/reports/templates/save", &clash).await), vec!["work".to_string()]);
    assert_eq!(staff.post("/api/reports/templates/save", &save("", "Staff's", "")).await.status, 403);

    // The default template lays out reports that name none; the standard one is still listed.
    let form = [("client_id", client.as_str()), ("period", "2026-11"), ("from", ""), ("to", "")];
    let v = staff.post("/api/reports/client", &form).await.json();
    assert_eq!((v["template"].as_str(), v["intro"].as_str()), (Some("Executive"), Some("Dear client,\nyour month.")));
    assert_eq!(v["sections"], serde_json::json!(["figures", "health"]));
    let list = staff.post("/api/reports/templates", &[]).await.json();
    let names: Vec<&str> = list.as_array().expect("list").iter().map(|t| t["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["Standard", "Executive"]);
    assert_eq!(list[0]["is_default"], false, "the made default replaces the standard one");

    // Another default takes over; a report may name its template; a deleted one falls back.
    let r = admin
        .post(
            "/api/reports/templates/save",
            &[
                ("id", ""),
                ("input[name]", "Full"),
                ("input[health]", "1"),
                ("input[issues]", "2"),
                ("input[is_default]", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let defaults: i64 = sqlx::query_scalar("SELECT count(*) FROM report_templates WHERE is_default")
        .fetch_one(&app.pool)
        .await
        .expect("n");
    assert_eq!(defaults, 1);
    let named = [
        ("client_id", client.as_str()),
        ("period", "2026-11"),
        ("from", ""),
        ("to", ""),
        ("template", executive.as_str()),
    ];
    assert_eq!(staff.post("/api/reports/client", &named).await.json()["template"], "Executive");
    let (status, _, pdf) =
        staff.get_bytes(&format!("/clients/{client}/report.pdf?period=2026-11&template={executive}")).await;
    assert_eq!(status, 200);
    let text = pdf_text(&pdf);
    assert!(text.contains("your month.") && !text.contains("Campaigns"), "{text}");
    assert_eq!(admin.post("/api/reports/templates/delete", &[("id", executive.as_str())]).await.status, 200);
    let r = staff.post("/api/reports/client", &named).await;
    assert_eq!(error_fields(&r), vec!["template".to_string()], "{}", r.body);
    assert_eq!(staff.post("/api/reports/client", &form).await.json()["template"], "Full");
}
