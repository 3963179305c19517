//! Helpers for the client and campaign tests: forms as the browser posts them (nested fields in
//! brackets), creation through the API, and small readers for replies and the events table.

#![allow(dead_code)]

use crate::common::*;
use serde_json::Value;

/// Every field of `ClientInput`, in the order the form has them.
pub const CLIENT_FIELDS: [&str; 18] = [
    "company_name",
    "website",
    "industry",
    "country",
    "annual_revenue",
    "employee_count",
    "stage",
    "monthly_value",
    "competitor_domains",
    "contact_name",
    "contact_email",
    "contact_phone",
    "lead_budget",
    "lead_timeline",
    "lead_decision_maker_role",
    "lead_pain_points",
    "lead_source",
    "notes",
];

/// A website derived from a company name: `Acme & Co` -> `acme-co.example`.
pub fn website_for(company: &str) -> String {
    let slug: String = company
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{}.example", if slug.is_empty() { "client".to_string() } else { slug })
}

/// The `input[...]` fields of a client form: a valid SaaS prospect in Germany named `company`, with
/// `fields` (bare field names) overriding the defaults.
pub fn client_input(company: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let website = website_for(company);
    let default = |name: &str| -> String {
        match name {
            "company_name" => company.to_string(),
            "website" => website.clone(),
            "industry" => "saas".into(),
            "country" => "DE".into(),
            "stage" => "prospect".into(),
            "monthly_value" => "0".into(),
            _ => String::new(),
        }
    };
    CLIENT_FIELDS
        .iter()
        .map(|name| {
            let value =
                fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.to_string()).unwrap_or_else(|| default(name));
            (format!("input[{name}]"), value)
        })
        .collect()
}

pub fn as_form(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// POST /api/clients/create; `manager` is a user id or "".
pub async fn try_create_client(c: &Client, company: &str, fields: &[(&str, &str)], manager: &str) -> Reply {
    let mut form = client_input(company, fields);
    form.push(("account_manager".into(), manager.into()));
    c.post("/api/clients/create", &as_form(&form)).await
}

/// Creates a client and returns it (as JSON); fails the test if the server refuses.
pub async fn create_client(c: &Client, company: &str, fields: &[(&str, &str)], manager: &str) -> Value {
    let res = try_create_client(c, company, fields, manager).await;
    assert_eq!(res.status, 200, "create client {company}: {}", res.body);
    res.json()
}

pub async fn try_update_client(c: &Client, id: &str, company: &str, fields: &[(&str, &str)]) -> Reply {
    let mut form = client_input(company, fields);
    form.push(("id".into(), id.into()));
    c.post("/api/clients/update", &as_form(&form)).await
}

pub async fn get_client(c: &Client, id: &str) -> Reply {
    c.post("/api/clients/get", &[("id", id)]).await
}

pub async fn assign(c: &Client, id: &str, manager: &str) -> Reply {
    c.post("/api/clients/assign", &[("id", id), ("account_manager", manager)]).await
}

/// POST /api/clients/list with a list-page query string.
pub async fn list(c: &Client, query: &str) -> Reply {
    c.post("/api/clients/list", &[("query", query)]).await
}

/// The company names of a list reply, in order.
pub fn names(res: &Reply) -> Vec<String> {
    assert_eq!(res.status, 200, "list: {}", res.body);
    res.json()["clients"].as_array().expect("clients").iter().map(|c| s(&c["company_name"])).collect()
}

pub fn total(res: &Reply) -> i64 {
    res.json()["total"].as_i64().expect("total")
}

/// The (field, message) pairs of a 422 reply.
pub fn field_errors(res: &Reply) -> Vec<(String, String)> {
    assert_eq!(res.status, 422, "expected a validation error: {}", res.body);
    res.json()["Validation"].as_array().expect("validation errors").iter().map(|e| (s(&e[0]), s(&e[1]))).collect()
}

pub fn error_fields(res: &Reply) -> Vec<String> {
    field_errors(res).into_iter().map(|(f, _)| f).collect()
}

/// The message of a 409 business-rule refusal.
pub fn rule(res: &Reply) -> String {
    assert_eq!(res.status, 409, "expected a rule refusal: {}", res.body);
    s(&res.json()["Rule"])
}

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// The `input[...]` fields of a campaign form; `agents` become repeated `input[agents][]` fields.
pub fn campaign_input(name: &str, fields: &[(&str, &str)], agents: &[&str]) -> Vec<(String, String)> {
    let default = |field: &str| -> String {
        match field {
            "name" => name.to_string(),
            "kind" => "technical_audit".into(),
            "start_date" => "2026-01-05".into(),
            "end_date" => "2026-03-31".into(),
            "budget" => "4 000".into(),
            "objectives" => "Fix crawl errors".into(),
            _ => String::new(),
        }
    };
    let mut form: Vec<(String, String)> = ["name", "kind", "start_date", "end_date", "budget", "objectives"]
        .iter()
        .map(|f| {
            let value = fields.iter().find(|(k, _)| k == f).map(|(_, v)| v.to_string()).unwrap_or_else(|| default(f));
            (format!("input[{f}]"), value)
        })
        .collect();
    for a in agents {
        form.push(("input[agents][]".into(), a.to_string()));
    }
    form
}

pub async fn try_create_campaign(
    c: &Client,
    client_id: &str,
    name: &str,
    fields: &[(&str, &str)],
    agents: &[&str],
) -> Reply {
    let mut form = campaign_input(name, fields, agents);
    form.push(("client_id".into(), client_id.into()));
    c.post("/api/campaigns/create", &as_form(&form)).await
}

/// The five agents a campaign gets by default (agents.md), in their order.
pub const DEFAULT_AGENTS: [&str; 5] =
    ["technical_seo_auditor", "content_strategy", "competitive_analysis", "link_building", "reporting"];

/// Creates a draft campaign with the default agents named explicitly (see the campaign tests for a form
/// that names none).
pub async fn create_campaign(c: &Client, client_id: &str, name: &str) -> Value {
    let res = try_create_campaign(c, client_id, name, &[], &DEFAULT_AGENTS).await;
    assert_eq!(res.status, 200, "create campaign {name}: {}", res.body);
    res.json()
}

pub async fn set_status(c: &Client, campaign_id: &str, status: &str) -> Reply {
    c.post("/api/campaigns/status", &[("id", campaign_id), ("status", status)]).await
}

/// Moves a campaign through `statuses` in order, failing the test on any refusal.
pub async fn move_through(c: &Client, campaign_id: &str, statuses: &[&str]) {
    for st in statuses {
        let res = set_status(c, campaign_id, st).await;
        assert_eq!(res.status, 200, "move to {st}: {}", res.body);
        assert_eq!(res.json()["status"], *st);
    }
}

/// (action, detail) of every event about `client_id` (its own and its campaigns'), oldest first; task status
/// changes and completed audits (written by workers on their own time) are left out.
pub async fn client_events(app: &TestApp, client_id: &str) -> Vec<(String, Value)> {
    let id = uuid::Uuid::parse_str(client_id).expect("uuid");
    sqlx::query_as(
        "SELECT action, detail FROM events WHERE client_id = $1 AND action NOT LIKE 'task.%' AND action <> 'audit.completed'
          ORDER BY id",
    )
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .expect("events")
}

/// Events other than those workers write on their own time (task status changes, completed audits).
pub async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE action NOT LIKE 'task.%' AND action NOT LIKE 'audit.%'")
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

/// Parses a CSV body into records (header included).
pub fn csv_records(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_string).collect())
        .collect()
}

/// A client whose website is `site` (a fixture on 127.0.0.1). The address is stored directly rather than
/// through the form, which takes it only where the app's CRAWL_ALLOW covers it: tests of the crawler's
/// own refusal need a client the form would refuse.
pub async fn client_on_site(
    app: &TestApp,
    admin: &Client,
    name: &str,
    site: std::net::SocketAddr,
    manager: &str,
) -> String {
    let id = id_of(&create_client(admin, name, &[], manager).await);
    sqlx::query("UPDATE clients SET website = $2 WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&id).expect("uuid"))
        .bind(format!("http://{site}/"))
        .execute(&app.pool)
        .await
        .expect("point the client at the fixture site");
    id
}
