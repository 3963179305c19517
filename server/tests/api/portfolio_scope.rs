//! The portfolio rule end to end (`store::scope`, the one place it is written): an account manager
//! reaches nothing of another manager's portfolio. Two managers each get a client on a fixture site of
//! their own, a campaign, a completed audit (a task and its crawl) and a pipeline review (a task without a
//! client). Then manager A asks, with the ids of manager B's objects, for every page of the app's route
//! list ([`page_paths`]), every server function of the authorization matrix ([`matrix`], which a test
//! keeps equal to the registered server functions) and every export (those B's pages link to, and the list
//! exports of [`export_routes`]). Every answer must be a refusal (403) or "not found" (404, or the run
//! form's "no such client"), must carry no string of B's objects, and B's objects must be untouched. B
//! asking the same pages and exports gets past the scope, so each refusal A got is the rule's, not a bad id;
//! and B's answers carry no string of A's objects (B's pipeline review, say, covers B's clients only).

use crate::common::*;
use crate::fixtures::*;
use crate::matrix::{export_routes, matrix, Access};
use crate::tasks::{run_task, wait_final};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use domain::model::Role;
use domain::policy::allowed;
use scraper::{Html as Document, Selector};
use std::collections::BTreeSet;
use std::net::SocketAddr;

/// A site whose two pages carry `marker` in their titles and headings.
async fn marker_site(marker: &str) -> SocketAddr {
    let page = |title: String, link: &str| {
        let words = "Fixture text of a portfolio site, long enough to count as content. ".repeat(20);
        Html(format!(
            "<!doctype html><html lang=en><head><title>{title}</title></head>\
             <body><h1>{title}</h1><p>{words}</p><a href=\"{link}\">{title}</a></body></html>"
        ))
    };
    let (home, about) = (page(format!("{marker} home"), "/about"), page(format!("{marker} about"), "/"));
    let app = Router::new()
        .route("/", get(move || async move { home }))
        .route("/about", get(move || async move { about }))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind marker site");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// One manager's portfolio, and the manager signed in.
struct Portfolio {
    manager: Client,
    manager_id: String,
    objects: Objects,
    /// The word in every name of the portfolio (client, campaign, crawled titles).
    marker: String,
    site: String,
}

impl Portfolio {
    async fn seed(app: &TestApp, admin: &Client) -> Portfolio {
        let marker = format!("Mark{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let site = marker_site(&marker).await;
        let (manager, manager_id, _) = app.user(admin, "account_manager").await;
        let client = client_on_site(app, admin, &format!("{marker} Holdings"), site, &manager_id).await;
        let campaign = id_of(&create_campaign(admin, &client, &format!("{marker} campaign")).await);
        let audit = run_task(&manager, "technical_seo_audit", &client, &[]).await;
        assert_eq!(audit.status, 200, "run the audit: {}", audit.body);
        let audit = wait_final(&manager, audit.json().as_str().expect("task id")).await;
        assert_eq!(audit["summary"]["status"], "completed", "the audit: {audit}");
        let crawl = audit["output"]["output"]["crawl_id"].as_str().expect("crawl id").to_string();
        let review = run_task(&manager, "pipeline_review", "", &[]).await;
        assert_eq!(review.status, 200, "run the pipeline review: {}", review.body);
        // Every task of the portfolio (the client's analysis was queued with the client), each finished.
        let tasks: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT id FROM tasks WHERE client_id = $1 OR created_by = $2 ORDER BY created_at")
                .bind(uuid::Uuid::parse_str(&client).expect("uuid"))
                .bind(uuid::Uuid::parse_str(&manager_id).expect("uuid"))
                .fetch_all(&app.pool)
                .await
                .expect("tasks");
        let mut tasks: Vec<String> = tasks.iter().map(|t| t.to_string()).collect();
        for t in &tasks {
            wait_final(&manager, t).await;
        }
        // A report email of the client (no SMTP here: it goes to the outbox), so its schedule and delivery are
        // objects of the portfolio too.
        let r = manager
            .post(
                "/api/reports/schedule/set",
                &[
                    ("client_id", client.as_str()),
                    ("input[cadence]", "monthly"),
                    ("input[day]", "1"),
                    ("input[hour]", "6"),
                    ("input[recipients]", "owner@portfolio.example"),
                    ("input[template]", ""),
                    ("enabled", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "report schedule: {}", r.body);
        let r = manager.post("/api/reports/send_now", &[("client_id", client.as_str())]).await;
        assert_eq!(r.status, 200, "send now: {}", r.body);
        let delivery = r.json().as_str().expect("delivery id").to_string();
        let delivery_task: uuid::Uuid = sqlx::query_scalar("SELECT task_id FROM report_deliveries WHERE id = $1::uuid")
            .bind(&delivery)
            .fetch_one(&app.pool)
            .await
            .expect("the delivery's task");
        wait_final(&manager, &delivery_task.to_string()).await;
        tasks.push(delivery_task.to_string());
        let r = manager.post("/api/tokens/create", &[("input[name]", "portfolio token")]).await;
        assert_eq!(r.status, 200, "token: {}", r.body);
        let token = r.json()["token"]["id"].as_str().expect("token id").to_string();
        // A portal user of the client who wrote to the agency, and an open invitation.
        let person = app.client_user(&manager, &client).await;
        let r =
            person.client.post("/api/portal/messages/send", &[("input[body]", &format!("{marker} question"))]).await;
        assert_eq!(r.status, 200, "a client's message: {}", r.body);
        let message_task: uuid::Uuid = sqlx::query_scalar("SELECT task_id FROM messages WHERE client_id = $1::uuid")
            .bind(&client)
            .fetch_one(&app.pool)
            .await
            .expect("the reply task");
        wait_final(&manager, &message_task.to_string()).await;
        tasks.push(message_task.to_string());
        let r = manager
            .post(
                "/api/portal/invite",
                &[
                    ("client_id", client.as_str()),
                    ("input[email]", &format!("{}@portfolio.example", marker.to_lowercase())),
                    ("input[name]", "Invitee"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "invite: {}", r.body);
        let invite = r.json()["invite"]["id"].as_str().expect("invite id").to_string();
        let objects = Objects {
            clients: vec![client],
            campaigns: vec![campaign],
            crawls: vec![crawl],
            tasks,
            users: vec![manager_id.clone()],
            webhooks: vec![],
            tokens: vec![token],
            report_templates: vec![],
            deliveries: vec![delivery],
            invites: vec![invite],
            invite_tokens: vec![],
            portal_users: vec![person.id.clone()],
        };
        Portfolio { manager, manager_id, objects, marker, site: format!("http://{site}/") }
    }

    /// Strings only this portfolio's objects carry: its marker, its site and the ids of its client,
    /// campaign, crawl and tasks (the manager's own id is not one: the manager list names every manager).
    fn strings(&self) -> Vec<&str> {
        let o = &self.objects;
        let ids = o
            .clients
            .iter()
            .chain(&o.campaigns)
            .chain(&o.crawls)
            .chain(&o.tasks)
            .chain(&o.tokens)
            .chain(&o.deliveries)
            .chain(&o.invites)
            .chain(&o.portal_users);
        [self.marker.as_str(), self.site.as_str()].into_iter().chain(ids.map(String::as_str)).collect()
    }

    /// The portfolio's strings in `body` that the request (`sent`) did not carry itself.
    fn leaks(&self, body: &str, sent: &str) -> Vec<String> {
        self.strings().into_iter().filter(|s| body.contains(s) && !sent.contains(s)).map(str::to_string).collect()
    }

    /// The portfolio's rows as Postgres holds them, to see that nothing of it changed.
    async fn fingerprint(&self, app: &TestApp) -> String {
        let client = uuid::Uuid::parse_str(&self.objects.clients[0]).expect("uuid");
        let manager = uuid::Uuid::parse_str(&self.manager_id).expect("uuid");
        sqlx::query_scalar(
            "SELECT concat_ws(' | ',
                (SELECT row_to_json(c)::text FROM clients c WHERE c.id = $1),
                (SELECT json_agg(k ORDER BY k.id)::text FROM campaigns k WHERE k.client_id = $1),
                (SELECT json_agg(json_build_array(t.id, t.status, t.cancel_requested, t.finished_at) ORDER BY t.id)::text
                   FROM tasks t WHERE t.client_id = $1 OR t.created_by = $2),
                (SELECT json_agg(s)::text FROM audit_schedules s WHERE s.client_id = $1),
                (SELECT json_agg(r)::text FROM report_schedules r WHERE r.client_id = $1),
                (SELECT json_agg(d ORDER BY d.id)::text FROM report_deliveries d WHERE d.client_id = $1),
                (SELECT json_agg(json_build_array(k.id, k.status) ORDER BY k.id)::text FROM crawls k WHERE k.client_id = $1),
                (SELECT json_agg(json_build_array(a.id, a.revoked_at) ORDER BY a.id)::text FROM api_tokens a WHERE a.user_id = $2),
                (SELECT json_agg(i ORDER BY i.id)::text FROM portal_invites i WHERE i.client_id = $1),
                (SELECT json_agg(json_build_array(u.id, u.active, u.session_version) ORDER BY u.id)::text
                   FROM users u WHERE u.client_id = $1),
                (SELECT json_agg(m ORDER BY m.id)::text FROM messages m WHERE m.client_id = $1))",
        )
        .bind(client)
        .bind(manager)
        .fetch_one(&app.pool)
        .await
        .expect("fingerprint")
    }
}

/// Form fields that name an object the call acts on, and the kind of object (None: by the path).
fn target_kind(field: &str) -> Option<Option<&'static str>> {
    match field {
        "id" => Some(None),
        "before" | "after" => Some(Some("audits")),
        "client_id" | "input[client_id]" => Some(Some("clients")),
        "input[campaign_id]" => Some(Some("campaigns")),
        "delivery_id" => Some(Some("deliveries")),
        _ => None,
    }
}

/// Form fields that only filter a list, and the kind of object they filter by.
fn filter_kind(field: &str) -> Option<&'static str> {
    match field {
        "client" => Some("clients"),
        "campaign" => Some("campaigns"),
        _ => None,
    }
}

/// The matrix's forms made to pass validation, so that a call reaches its scope check.
fn valid(field: &str, value: &str) -> String {
    match (field, value) {
        ("input[company_name]", "") => "Scope probe".into(),
        ("input[task_type]", "") => "client_health".into(),
        ("body", "") => "Scope probe".into(),
        _ => value.to_string(),
    }
}

/// The objects of `kind` (a path segment, see [`Objects::of_segment`]) a call of `path` takes.
fn objects_of<'a>(b: &'a Objects, path: &str, kind: &str) -> &'a [String] {
    b.of_segment(kind).unwrap_or_else(|| panic!("{path}: no objects of kind {kind}"))
}

/// Every call of a matrix row with `b`'s objects in its id fields: one per object of the kind its `id`
/// field takes (by the path: `/api/tasks/...` takes tasks), the first object of each other kind.
fn calls_with(path: &str, form: &[(&'static str, &'static str)], b: &Objects) -> Vec<Vec<(String, String)>> {
    const NIL: &str = "00000000-0000-0000-0000-000000000000";
    let segment = path.split('/').nth(2).unwrap_or("");
    let ids: &[String] = if form.iter().any(|(f, _)| *f == "id") { objects_of(b, path, segment) } else { &[] };
    let one = |id: Option<&String>| -> Vec<(String, String)> {
        form.iter()
            .map(|(field, value)| {
                let kind = match target_kind(field) {
                    Some(kind) => Some(kind),
                    None => filter_kind(field).map(Some),
                };
                let value = match kind {
                    Some(None) => id.cloned().unwrap_or_default(),
                    Some(Some(kind)) => objects_of(b, path, kind).first().cloned().unwrap_or_default(),
                    None if *value == NIL => panic!("{path}: give the id field {field} a kind in this test"),
                    None => valid(field, value),
                };
                (field.to_string(), value)
            })
            .collect()
    };
    if ids.is_empty() {
        vec![one(None)]
    } else {
        ids.iter().map(|id| one(Some(id))).collect()
    }
}

/// The `/export/...` links of a page.
fn export_links(body: &str) -> Vec<String> {
    let doc = Document::parse_document(body);
    let links = Selector::parse("a[href^='/export/']").expect("selector");
    doc.select(&links).filter_map(|a| a.value().attr("href")).map(str::to_string).collect()
}

#[tokio::test]
async fn account_manager_reaches_nothing_of_another_portfolio_on_any_page_server_function_or_export() {
    let app = TestApp::spawn(Options { workers: 2, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }).await;
    let admin = app.admin().await;
    let a = Portfolio::seed(&app, &admin).await;
    let b = Portfolio::seed(&app, &admin).await;
    let before = b.fingerprint(&app).await;
    let mut failures = Vec::new();

    // Pages, with B's objects (the comparison page takes its crawls from the query). B's own visits collect
    // the export links B's pages offer.
    let crawl = &b.objects.crawls[0];
    let pages: Vec<String> = page_paths(&b.objects)
        .into_iter()
        .map(|p| if p.ends_with("/compare") { format!("{p}?before={crawl}&after={crawl}") } else { p })
        .collect();
    let templates: BTreeSet<String> = page_paths(&Objects::default()).into_iter().collect();
    let mut exports: BTreeSet<String> = export_routes().into_iter().map(|(p, _)| p.to_string()).collect();
    for path in &pages {
        let (as_a, as_b) = (a.manager.get(path).await, b.manager.get(path).await);
        exports.extend(export_links(&as_b.body));
        if !templates.contains(path) {
            if as_b.status == 404 {
                failures.push(format!("page {path}: 404 for its own manager too, so it proves nothing"));
            }
            if ![403, 404].contains(&as_a.status) {
                failures.push(format!("page {path}: {} for the other manager", as_a.status));
            }
        }
        for leak in b.leaks(&as_a.body, path) {
            failures.push(format!("page {path}: shows {leak} to A"));
        }
        for leak in a.leaks(&as_b.body, path) {
            failures.push(format!("page {path}: shows {leak} to B"));
        }
    }
    assert!(
        exports.iter().any(|e| e.starts_with("/export/crawls/"))
            && exports.iter().any(|e| e.starts_with("/export/tasks/")),
        "B's pages link to the exports of B's crawl and tasks: {exports:?}"
    );

    // Exports: every one B's pages link to, and the list exports.
    for path in &exports {
        let (as_a, as_b) = (a.manager.get(path).await, b.manager.get(path).await);
        if !b.leaks(path, "").is_empty() {
            if as_b.status == 404 {
                failures.push(format!("export {path}: 404 for its own manager too"));
            }
            if ![403, 404].contains(&as_a.status) {
                failures.push(format!("export {path}: {} for the other manager", as_a.status));
            }
        }
        for leak in b.leaks(&as_a.body, path) {
            failures.push(format!("export {path}: carries {leak} to A"));
        }
        for leak in a.leaks(&as_b.body, path) {
            failures.push(format!("export {path}: carries {leak} to B"));
        }
    }

    // Server functions, with B's objects in every id field.
    let mut calls = 0;
    for (path, access, form) in matrix() {
        let Access::Needs(action) = access else { continue };
        let allowed_to_managers = allowed(action).contains(&Role::AccountManager);
        for fields in calls_with(path, &form, &b.objects) {
            calls += 1;
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let sent = format!("{path} {fields:?}");
            let r = a.manager.post(path, &pairs).await;
            let targets_b = fields.iter().any(|(f, _)| target_kind(f).is_some());
            let refused = r.status == 403 || r.status == 404 || (r.status == 422 && r.body.contains("no such"));
            if !allowed_to_managers && r.status != 403 {
                failures.push(format!("{sent}: {} {} where the policy refuses managers", r.status, r.body));
            } else if targets_b && !refused {
                failures.push(format!("{sent}: {} {}", r.status, r.body));
            }
            for leak in b.leaks(&r.body, &sent) {
                failures.push(format!("{sent}: answers with {leak}"));
            }
        }
    }

    let after = b.fingerprint(&app).await;
    if after != before {
        failures.push(format!("B's portfolio changed:\n  before {before}\n  after  {after}"));
    }
    println!("portfolio walk: {} pages, {} exports, {} server-function calls", pages.len(), exports.len(), calls);
    assert!(failures.is_empty(), "{} leaks across portfolios:\n{}", failures.len(), failures.join("\n"));
}
