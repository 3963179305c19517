//! Hostile strings on every page: markup typed into every user-controlled field (client, campaign and user
//! names, notes, lead fields, objectives) and served by a crawled site (titles, descriptions, headings,
//! anchors, URLs) must come back as text on every page of the app, never as markup. Pages come from the
//! app's own route list ([`page_paths`]), so a new page is visited without being added here (a new path
//! parameter fails the test until it is given a value).

use crate::common::*;
use crate::fixtures::*;
use crate::tasks::{run_task, wait_final};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use domain::markup::escape_html;
use scraper::{Html as Document, Selector};
use std::net::SocketAddr;

/// Hostile strings, each with an id its markup would create if it leaked (`hx1` ...).
const HOSTILE: [&str; 7] = [
    "</title><h1 id=hx1>X</h1>",
    "<script id=hx2>alert('hx2')</script>",
    "\"><img id=hx3 src=x onerror=alert('hx3')>",
    "</textarea><b id=hx4>t</b>",
    "]]><i id=hx5>cdata</i>",
    "<meta id=hx6 http-equiv=\"refresh\" content=\"0;url=//evil.test/hx6\">",
    "</script><u id=hx7>s</u>",
];

/// What a leak would look like in the parsed document: an element the hostile strings create, an
/// attribute they carry, or a second `<title>`.
fn leaks(body: &str) -> Vec<String> {
    let doc = Document::parse_document(body);
    let mut found = Vec::new();
    let sel = |s: &str| Selector::parse(s).expect("selector");
    for el in doc.select(&sel("[id^=hx]")) {
        found.push(format!("element <{} id={}>", el.value().name(), el.value().id().unwrap_or("")));
    }
    for el in doc.select(&sel("[onerror], meta[http-equiv]")) {
        found.push(format!("element <{}> with a hostile attribute", el.value().name()));
    }
    let titles = doc.select(&sel("title")).count();
    if titles > 1 {
        found.push(format!("{titles} <title> elements"));
    }
    found
}

/// A page of the fixture site whose title, description, heading and text are `hostile`, with `links`.
fn hostile_page(hostile: &str, links: &str) -> String {
    let words = "Fixture text about audits, crawling, content and links of a hostile website. ".repeat(25);
    let h = escape_html(hostile);
    format!(
        "<!doctype html><html lang=en><head><title>{h}</title><meta name=description content=\"{h}\"></head>\
         <body><h1>{h}</h1><p>{words} {h}</p>{links}</body></html>"
    )
}

/// A site whose pages carry the hostile strings: titles, descriptions, headings, anchors (also of a broken
/// link) and query strings of URLs.
async fn hostile_site() -> SocketAddr {
    let mut links = String::new();
    for (i, h) in HOSTILE.iter().enumerate() {
        let anchor = escape_html(h);
        let query = url::form_urlencoded::byte_serialize(h.as_bytes()).collect::<String>();
        links.push_str(&format!("<a href=\"/p/{i}\">{anchor}</a> <a href=\"/q?x={query}\">{anchor}</a> "));
    }
    links.push_str(&format!("<a href=\"/missing\">{}</a>", escape_html(HOSTILE[0])));
    let home = hostile_page(HOSTILE[1], &links);
    let app = Router::new()
        .route("/", get(move || async move { Html(home) }))
        .route(
            "/p/{i}",
            get(|axum::extract::Path(i): axum::extract::Path<usize>| async move {
                let h = HOSTILE[i % HOSTILE.len()];
                Html(hostile_page(h, &format!("<a href=\"/\">{}</a>", escape_html(h))))
            }),
        )
        .route("/q", get(|| async { Html(hostile_page(HOSTILE[2], "<a href=\"/\">home</a>")) }))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        // A webhook receiver that fails with markup in its answer (the delivery log shows the answer).
        .route(
            "/hook",
            axum::routing::post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, HOSTILE.join(" ")) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind hostile site");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Every free-text field of the client form set to `h` (with `i` to keep names unique).
fn hostile_client_fields(h: &str, i: usize) -> Vec<(&'static str, String)> {
    vec![
        ("company_name", format!("{h} {i}")),
        ("contact_name", h.to_string()),
        ("lead_decision_maker_role", h.to_string()),
        ("lead_pain_points", h.to_string()),
        ("lead_source", h.to_string()),
        ("notes", h.to_string()),
    ]
}

#[tokio::test]
async fn hostile_strings_in_every_field_render_as_text_on_every_page() {
    let app = TestApp::spawn(Options { workers: 2, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }).await;
    let admin = app.admin().await;
    let site = hostile_site().await;

    // A manager with a hostile name, owning every hostile client.
    let manager_email = "hostile-manager@agency.test";
    let r = admin
        .post(
            "/api/users/create",
            &[("email", manager_email), ("name", HOSTILE[0]), ("role", "account_manager"), ("password", "")],
        )
        .await;
    assert_eq!(r.status, 200, "create a manager with a hostile name: {}", r.body);
    let manager_id = r.json()["user"]["id"].as_str().expect("user id").to_string();

    // A webhook endpoint with a hostile description, at a receiver that answers with markup; its test
    // event's failed attempt puts the answer into the delivery log.
    let hook_url = format!(
        "http://{site}/hook?x={}",
        url::form_urlencoded::byte_serialize(HOSTILE[2].as_bytes()).collect::<String>()
    );
    let description = HOSTILE.join(" ");
    let r = admin
        .post(
            "/api/webhooks/create",
            &[
                ("input[url]", hook_url.as_str()),
                ("input[description]", description.as_str()),
                ("input[event_types][]", "client.created"),
                ("input[active]", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "webhook endpoint with a hostile description: {}", r.body);
    let webhook_id = r.json()["endpoint"]["id"].as_str().expect("endpoint id").to_string();
    let r = admin.post("/api/webhooks/test", &[("id", webhook_id.as_str())]).await;
    assert_eq!(r.status, 200, "test event: {}", r.body);
    // An API token with a hostile name: the account page lists it.
    let r =
        admin.post("/api/tokens/create", &[("input[name]", format!("{} {}", HOSTILE[0], HOSTILE[2]).as_str())]).await;
    assert_eq!(r.status, 200, "token with a hostile name: {}", r.body);
    // The agency's name and a report template carry hostile text too: every report shows them.
    let hostile_name: String = HOSTILE[0].chars().take(80).collect();
    let r =
        admin.post("/api/branding/set", &[("input[name]", hostile_name.as_str()), ("input[accent]", "#123456")]).await;
    assert_eq!(r.status, 200, "branding with a hostile name: {}", r.body);
    let r = admin
        .post(
            "/api/reports/templates/save",
            &[
                ("id", ""),
                ("input[name]", hostile_name.as_str()),
                ("input[intro]", HOSTILE[2]),
                ("input[health]", "1"),
                ("input[is_default]", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "report template with hostile text: {}", r.body);
    let template_id = r.json()["id"].as_str().expect("template id").to_string();

    let mut clients = Vec::new();
    let mut campaigns = Vec::new();
    for (i, h) in HOSTILE.iter().enumerate() {
        let mut fields = hostile_client_fields(h, i);
        if i == 0 {
            // The first client's website is the hostile site (an address CRAWL_ALLOW covers).
            fields.push(("website", format!("http://{site}/")));
        }
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let company = fields[0].1.clone();
        let form = client_input(&company, &pairs);
        let mut form = form;
        form.push(("account_manager".into(), manager_id.clone()));
        let r = admin.post("/api/clients/create", &as_form(&form)).await;
        assert_eq!(r.status, 200, "client with hostile fields {h:?}: {}", r.body);
        let client_id = id_of(&r.json());
        let r =
            try_create_campaign(&admin, &client_id, &format!("{h} campaign"), &[("objectives", h)], &DEFAULT_AGENTS)
                .await;
        assert_eq!(r.status, 200, "campaign with hostile fields {h:?}: {}", r.body);
        campaigns.push(id_of(&r.json()));
        clients.push(client_id);
    }

    // Two audits of the hostile site (and so a comparison), then every task type the run form takes for a
    // client, so every output page shows crawled and typed strings.
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let r = run_task(&admin, "technical_seo_audit", &clients[0], &[]).await;
        assert_eq!(r.status, 200, "run an audit: {}", r.body);
        let id = r.json().as_str().expect("task id").to_string();
        let done = wait_final(&admin, &id).await;
        assert_eq!(done["summary"]["status"], "completed", "audit of the hostile site: {done}");
        tasks.push(id);
    }
    for t in domain::model::task::TaskType::ALL {
        let r = run_task(&admin, t.as_str(), &clients[0], &[]).await;
        if r.status == 200 {
            if let Some(id) = r.json().as_str() {
                tasks.push(id.to_string());
            }
        }
    }
    for id in &tasks {
        wait_final(&admin, id).await;
    }
    let crawls: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM crawls WHERE status = 'completed' ORDER BY started_at")
            .fetch_all(&app.pool)
            .await
            .expect("crawls");
    assert!(crawls.len() >= 2, "two completed crawls of the hostile site");
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_attempts WHERE response LIKE '%hx1%'")
        .fetch_one(&app.pool)
        .await
        .expect("attempts");
    assert!(logged > 0, "the receiver's hostile answer is in the delivery log");
    // A report email of every hostile client (no SMTP here: each goes to the outbox): the deliveries pages
    // list them, and each email's HTML body shows the names as text.
    for client in &clients {
        let r = admin
            .post(
                "/api/reports/schedule/set",
                &[
                    ("client_id", client.as_str()),
                    ("input[cadence]", "monthly"),
                    ("input[day]", "1"),
                    ("input[hour]", "6"),
                    ("input[recipients]", "client@hostile.example"),
                    ("input[template]", template_id.as_str()),
                    ("enabled", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "a schedule of a hostile client: {}", r.body);
        let r = admin.post("/api/reports/send_now", &[("client_id", client.as_str())]).await;
        assert_eq!(r.status, 200, "send now: {}", r.body);
    }
    let mut emails = Vec::new();
    for _ in 0..600 {
        emails =
            sqlx::query_scalar::<_, String>("SELECT outbox_file FROM report_deliveries WHERE outbox_file IS NOT NULL")
                .fetch_all(&app.pool)
                .await
                .expect("deliveries");
        if emails.len() == clients.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(emails.len(), clients.len(), "every hostile client's email is in the outbox");
    for file in &emails {
        let eml = std::fs::read(app.outbox_dir().join(file)).expect("the email");
        let message = mail_parser::MessageParser::default().parse(&eml).expect("MIME");
        let html = message.body_html(0).expect("an HTML body").to_string();
        let text = message.body_text(0).expect("a text body").to_string();
        assert!(leaks(&html).is_empty(), "markup in a report email: {:?}\n{html}", leaks(&html));
        assert!(HOSTILE.iter().any(|h| text.contains(h)), "the name as typed in the text body: {text}");
        assert!(message.subject().is_some_and(|s| !s.contains('\n')), "one subject line");
    }
    // The portal: an open invitation per hostile client, for a person with a hostile name (the invitation
    // page shows both); a client user of the first client writes hostile text and is answered with it.
    let mut invite_tokens = Vec::new();
    for (client, h) in clients.iter().zip(HOSTILE.iter().cycle()) {
        let email = format!("invitee-{}@hostile.example", uuid::Uuid::new_v4().simple());
        let r = admin
            .post("/api/portal/invite", &[("client_id", client.as_str()), ("input[email]", &email), ("input[name]", h)])
            .await;
        assert_eq!(r.status, 200, "invite: {}", r.body);
        invite_tokens.push(r.json()["path"].as_str().expect("link").rsplit('/').next().expect("token").to_string());
    }
    let person = app.client_user(&admin, &clients[0]).await;
    let r = person.client.post("/api/portal/messages/send", &[("input[body]", HOSTILE.join("\n").as_str())]).await;
    assert_eq!(r.status, 200, "a hostile message: {}", r.body);
    let r = admin
        .post(
            "/api/messages/answer",
            &[("client_id", clients[0].as_str()), ("body", HOSTILE.join(" ").as_str()), ("draft", "")],
        )
        .await;
    assert_eq!(r.status, 200, "a hostile answer: {}", r.body);
    let all_tasks: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM tasks ORDER BY created_at").fetch_all(&app.pool).await.expect("tasks");

    // Every route of the app, with each of its objects; query strings that pages reflect carry hostile text.
    let mut paths = page_paths(&Objects {
        clients: clients.clone(),
        campaigns: campaigns.clone(),
        crawls: crawls.iter().map(|c| c.to_string()).collect(),
        tasks: all_tasks.iter().map(|t| t.to_string()).collect(),
        users: vec![manager_id.clone()],
        webhooks: vec![webhook_id.clone()],
        tokens: vec![],
        report_templates: vec![template_id.clone()],
        deliveries: vec![],
        invites: vec![],
        invite_tokens: invite_tokens.clone(),
        portal_users: vec![],
    });
    let q = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for h in HOSTILE {
        paths.push(format!("/clients?q={}", q(h)));
        paths.push(format!("/tasks?status={}&client={}", q(h), q(h)));
        for c in &crawls {
            paths.push(format!("/audits/{c}?check=title_too_long&pcheck={}&status={}", q(h), q(h)));
        }
    }
    for c in &crawls {
        for check in ["broken_internal_link", "meta_description_too_long", "title_too_long", "http_4xx"] {
            paths.push(format!("/audits/{c}?check={check}"));
        }
    }
    paths.push(format!("/clients/{}/audits/compare?before={}&after={}", clients[0], crawls[0], crawls[1]));
    paths.push(format!("/login?next={}", q(HOSTILE[2])));

    let mut failures = Vec::new();
    for path in &paths {
        let r = admin.get(path).await;
        if r.status >= 500 {
            failures.push(format!("{path}: status {}", r.status));
        }
        for leak in leaks(&r.body) {
            failures.push(format!("{path}: {leak}"));
        }
    }
    // The portal's pages, as the client user reads them.
    for path in ["/portal", "/portal/report", "/portal/messages"] {
        let r = person.client.get(path).await;
        if r.status != 200 {
            failures.push(format!("{path} (client user): status {}", r.status));
        }
        for leak in leaks(&r.body) {
            failures.push(format!("{path} (client user): {leak}"));
        }
    }
    // Signed out, the sign-in page reflects `next` too.
    let anonymous = app.client();
    for h in HOSTILE {
        let r = anonymous.get(&format!("/login?next={}", q(h))).await;
        for leak in leaks(&r.body) {
            failures.push(format!("/login (signed out): {leak}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} markup leaks or errors over {} pages:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );

    // The hostile text arrived as text: the client page's title holds it, escaped on the wire.
    let r = admin.get(&format!("/clients/{}", clients[0])).await;
    let doc = Document::parse_document(&r.body);
    let title = doc.select(&Selector::parse("title").expect("sel")).next().map(|t| t.text().collect::<String>());
    assert_eq!(title.as_deref(), Some(format!("{} 0 · AI SEO Architects", HOSTILE[0]).as_str()), "{}", r.body);
    assert!(r.body.contains("&lt;/title&gt;&lt;h1 id=hx1&gt;"), "the title is escaped on the wire");

    // The report PDF of every hostile client (the first one's with its audits of the hostile site, under
    // the hostile agency name and template) is written, and shows the names as they were typed.
    let today = chrono::Utc::now().date_naive();
    let period = format!("from={}&to={today}", today - chrono::Duration::days(30));
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (i, (client, h)) in clients.iter().zip(HOSTILE).enumerate() {
        let (status, headers, pdf) = admin.get_bytes(&format!("/clients/{client}/report.pdf?{period}")).await;
        assert_eq!(status, 200, "the PDF of {h:?}: {}", String::from_utf8_lossy(&pdf));
        assert!(headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|d| d.is_ascii() && !d.contains('<')));
        let text = squash(&crate::reports::pdf_text(&pdf));
        assert!(text.contains(&squash(&format!("{h} {i}"))), "{h:?} in its PDF as text:\n{text}");
        assert!(text.contains(&squash(&hostile_name)), "the agency's name as text:\n{text}");
    }
    // Period and template parameters from the far end of the number line are refused by name, not a 500.
    for (query, field) in [
        ("period=9223372036854775807-11", "period"),
        ("period=2026-Q9223372036854775807", "period"),
        ("from=-9223372036854775808-01-01&to=2026-01-01", "from"),
        ("period=2026-11&template=%00", "template"),
    ] {
        let r = admin.get(&format!("/clients/{}/report.pdf?{query}", clients[0])).await;
        assert_eq!(r.status, 422, "{query}: {}", r.body);
        assert!(r.body.contains(field), "{query}: {}", r.body);
    }
}
