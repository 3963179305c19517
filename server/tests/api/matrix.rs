//! The role x server-function matrix. Every registered server function must appear in [`MATRIX`] with
//! the policy action it has to check; the test then calls each one as anonymous, staff, account manager,
//! client user and admin and expects exactly the roles the policy allows to get through. A new server function that
//! is not in the table, or that forgets its policy check, fails here.

use crate::common::*;
use domain::model::Role;
use domain::policy::{allowed, Action};

pub(crate) enum Access {
    /// Signing in and out and "who am I": open to everybody by design.
    Public,
    Needs(Action),
}

const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// Endpoint, the access it must enforce, and a form body to call it with.
pub(crate) type Row = (&'static str, Access, Vec<(&'static str, &'static str)>);

pub(crate) fn matrix() -> Vec<Row> {
    use Access::*;
    vec![
        ("/api/me", Public, vec![]),
        ("/api/login", Public, vec![("email", "nobody@agency.test"), ("password", "whatever-password")]),
        ("/api/logout", Public, vec![]),
        (
            "/api/account/password",
            Needs(Action::ChangeOwnPassword),
            vec![
                ("current_password", "wrong-current-pw"),
                ("new_password", "new-long-password"),
                ("confirm_password", "new-long-password"),
            ],
        ),
        ("/api/users/list", Needs(Action::ListUsers), vec![("role", ""), ("status", "")]),
        ("/api/users/get", Needs(Action::ListUsers), vec![("id", NIL)]),
        (
            "/api/users/create",
            Needs(Action::CreateUser),
            vec![("email", "matrix-new@agency.test"), ("name", "Matrix"), ("role", "staff"), ("password", "")],
        ),
        ("/api/users/role", Needs(Action::ChangeUserRole), vec![("id", NIL), ("role", "staff")]),
        ("/api/users/deactivate", Needs(Action::DeactivateUser), vec![("id", NIL)]),
        ("/api/users/reactivate", Needs(Action::ReactivateUser), vec![("id", NIL)]),
        ("/api/users/reset-password", Needs(Action::ResetUserPassword), vec![("id", NIL), ("password", "")]),
        ("/api/activity/list", Needs(Action::ViewActivityLog), vec![]),
        ("/api/dashboard", Needs(Action::ViewDashboard), vec![("range", ""), ("from", ""), ("to", "")]),
        ("/api/analytics", Needs(Action::ViewDashboard), vec![("range", ""), ("from", ""), ("to", "")]),
        ("/api/analytics/system", Needs(Action::ViewSystemFigures), vec![]),
        ("/api/clients/list", Needs(Action::ListClients), vec![("query", "")]),
        ("/api/clients/get", Needs(Action::ListClients), vec![("id", NIL)]),
        ("/api/clients/managers", Needs(Action::ListClients), vec![]),
        ("/api/clients/stats", Needs(Action::ListClients), vec![]),
        ("/api/clients/create", Needs(Action::CreateClient), client_form(&[("account_manager", "")])),
        ("/api/clients/update", Needs(Action::EditClient), client_form(&[("id", NIL)])),
        ("/api/clients/assign", Needs(Action::AssignClient), vec![("id", NIL), ("account_manager", "")]),
        ("/api/clients/delete", Needs(Action::DeleteClient), vec![("id", NIL)]),
        ("/api/portfolio", Needs(Action::ViewPortfolio), vec![]),
        ("/api/campaigns/get", Needs(Action::ListClients), vec![("id", NIL)]),
        ("/api/campaigns/create", Needs(Action::CreateCampaign), campaign_form(&[("client_id", NIL)])),
        ("/api/campaigns/update", Needs(Action::EditCampaign), campaign_form(&[("id", NIL)])),
        ("/api/campaigns/status", Needs(Action::ChangeCampaignStatus), vec![("id", NIL), ("status", "active")]),
        ("/api/campaigns/delete", Needs(Action::DeleteCampaign), vec![("id", NIL)]),
        (
            "/api/tasks/list",
            Needs(Action::ListTasks),
            vec![("status", ""), ("task_type", ""), ("agent", ""), ("client", ""), ("campaign", ""), ("priority", "")],
        ),
        ("/api/tasks/get", Needs(Action::ListTasks), vec![("id", NIL)]),
        (
            "/api/tasks/run",
            Needs(Action::RunAgentTask),
            vec![
                ("input[task_type]", ""),
                ("input[client_id]", ""),
                ("input[campaign_id]", ""),
                ("input[priority]", ""),
                ("input[currency]", ""),
                ("input[period_days]", ""),
            ],
        ),
        ("/api/tasks/cancel", Needs(Action::CancelTask), vec![("id", NIL)]),
        ("/api/tasks/targets", Needs(Action::RunAgentTask), vec![("client", "")]),
        ("/api/agents/list", Needs(Action::ViewAgents), vec![]),
        (
            "/api/agents/set_enabled",
            Needs(Action::ConfigureAgents),
            vec![("agent", "no_such_agent"), ("enabled", "true")],
        ),
        ("/api/audits/overview", Needs(Action::ViewAudits), vec![("offset", "0")]),
        ("/api/audits/client", Needs(Action::ViewAudits), vec![("client_id", NIL)]),
        ("/api/audits/health", Needs(Action::ViewAudits), vec![("client_id", NIL)]),
        ("/api/audits/crawl", Needs(Action::ViewAudits), vec![("id", NIL)]),
        (
            "/api/audits/issues",
            Needs(Action::ViewAudits),
            vec![("id", NIL), ("check", "title_missing"), ("offset", "0")],
        ),
        (
            "/api/audits/pages",
            Needs(Action::ViewAudits),
            vec![("id", NIL), ("status", ""), ("depth", ""), ("check", ""), ("offset", "0")],
        ),
        ("/api/audits/run", Needs(Action::RunAgentTask), vec![("client_id", NIL)]),
        ("/api/audits/compare", Needs(Action::ViewAudits), vec![("before", NIL), ("after", NIL)]),
        ("/api/audits/schedule", Needs(Action::ScheduleAudits), vec![("client_id", NIL), ("cadence", "weekly")]),
        ("/api/tokens/list", Needs(Action::ManageOwnTokens), vec![]),
        (
            "/api/tokens/create",
            Needs(Action::ManageOwnTokens),
            vec![("input[name]", ""), ("input[expires_in_days]", "")],
        ),
        ("/api/tokens/revoke", Needs(Action::ManageOwnTokens), vec![("id", NIL)]),
        ("/api/webhooks/list", Needs(Action::ManageWebhooks), vec![]),
        ("/api/webhooks/get", Needs(Action::ManageWebhooks), vec![("id", NIL)]),
        (
            "/api/webhooks/create",
            Needs(Action::ManageWebhooks),
            vec![("input[url]", ""), ("input[description]", ""), ("input[event_types][]", "task.completed")],
        ),
        (
            "/api/webhooks/update",
            Needs(Action::ManageWebhooks),
            vec![
                ("id", NIL),
                ("input[url]", ""),
                ("input[description]", ""),
                ("input[event_types][]", "task.completed"),
            ],
        ),
        ("/api/webhooks/delete", Needs(Action::ManageWebhooks), vec![("id", NIL)]),
        ("/api/webhooks/rotate", Needs(Action::ManageWebhooks), vec![("id", NIL), ("overlap_hours", "24")]),
        ("/api/webhooks/test", Needs(Action::ManageWebhooks), vec![("id", NIL)]),
        ("/api/webhooks/redeliver", Needs(Action::ManageWebhooks), vec![("id", NIL), ("message", "1")]),
        ("/api/webhooks/replay", Needs(Action::ManageWebhooks), vec![("id", NIL), ("since", "")]),
        (
            "/api/reports/client",
            Needs(Action::ViewReports),
            vec![("client_id", NIL), ("period", "2026-11"), ("from", ""), ("to", "")],
        ),
        ("/api/branding/get", Needs(Action::ViewReports), vec![]),
        ("/api/branding/set", Needs(Action::ManageBranding), vec![("input[name]", ""), ("input[accent]", "")]),
        ("/api/branding/remove_logo", Needs(Action::ManageBranding), vec![]),
        ("/api/reports/templates", Needs(Action::ViewReports), vec![]),
        (
            "/api/reports/templates/save",
            Needs(Action::ManageBranding),
            vec![("id", NIL), ("input[name]", ""), ("input[health]", "1")],
        ),
        ("/api/reports/templates/delete", Needs(Action::ManageBranding), vec![("id", NIL)]),
        ("/api/reports/deliveries/client", Needs(Action::ViewReports), vec![("client_id", NIL)]),
        ("/api/reports/deliveries", Needs(Action::ViewReports), vec![("status", "")]),
        (
            "/api/reports/schedule/set",
            Needs(Action::ScheduleReports),
            vec![
                ("client_id", NIL),
                ("input[cadence]", "monthly"),
                ("input[day]", "1"),
                ("input[hour]", "6"),
                ("input[recipients]", "matrix@example.com"),
                ("input[template]", ""),
            ],
        ),
        ("/api/reports/schedule/remove", Needs(Action::ScheduleReports), vec![("client_id", NIL)]),
        ("/api/reports/send_now", Needs(Action::ScheduleReports), vec![("client_id", NIL)]),
        ("/api/reports/preview", Needs(Action::ViewReports), vec![("client_id", NIL)]),
        ("/api/reports/deliveries/resend", Needs(Action::ScheduleReports), vec![("delivery_id", NIL)]),
        ("/api/portal/overview", Needs(Action::UsePortal), vec![]),
        ("/api/portal/report", Needs(Action::UsePortal), vec![("period", "2026-11"), ("from", ""), ("to", "")]),
        ("/api/portal/messages", Needs(Action::UsePortal), vec![]),
        ("/api/portal/messages/send", Needs(Action::WriteToAgency), vec![("input[body]", "")]),
        ("/api/portal/access", Needs(Action::InviteClientUsers), vec![("client_id", NIL)]),
        (
            "/api/portal/invite",
            Needs(Action::InviteClientUsers),
            vec![("client_id", NIL), ("input[email]", "matrix-invite@client.test"), ("input[name]", "Matrix")],
        ),
        ("/api/portal/invite/withdraw", Needs(Action::InviteClientUsers), vec![("id", NIL)]),
        ("/api/portal-users/remove", Needs(Action::InviteClientUsers), vec![("id", NIL)]),
        ("/api/invite/get", Public, vec![("token", "no-such-token")]),
        (
            "/api/invite/accept",
            Public,
            vec![
                ("token", "no-such-token"),
                ("input[name]", "Matrix"),
                ("input[new_password]", "a-long-enough-password"),
                ("input[confirm_password]", "a-long-enough-password"),
            ],
        ),
        ("/api/messages/inbox", Needs(Action::AnswerMessages), vec![]),
        ("/api/messages/thread", Needs(Action::AnswerMessages), vec![("client_id", NIL)]),
        ("/api/messages/answer", Needs(Action::AnswerMessages), vec![("client_id", NIL), ("body", ""), ("draft", "")]),
    ]
}

/// A complete client form (every `input[...]` field present, so the arguments deserialize and the call
/// reaches its policy check) plus `extra`. The company name is empty: allowed callers get a 422.
fn client_form(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut form = vec![
        ("input[company_name]", ""),
        ("input[website]", "matrix.example"),
        ("input[industry]", "saas"),
        ("input[country]", "DE"),
        ("input[annual_revenue]", ""),
        ("input[employee_count]", ""),
        ("input[stage]", "prospect"),
        ("input[monthly_value]", ""),
        ("input[competitor_domains]", ""),
        ("input[contact_name]", ""),
        ("input[contact_email]", ""),
        ("input[contact_phone]", ""),
        ("input[lead_budget]", ""),
        ("input[lead_timeline]", ""),
        ("input[lead_decision_maker_role]", ""),
        ("input[lead_pain_points]", ""),
        ("input[lead_source]", ""),
        ("input[notes]", ""),
    ];
    form.extend_from_slice(extra);
    form
}

/// A complete campaign form for a client or campaign that doesn't exist: allowed callers get a 404.
fn campaign_form(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut form = vec![
        ("input[name]", "Matrix"),
        ("input[kind]", "content"),
        ("input[start_date]", "2026-01-05"),
        ("input[end_date]", ""),
        ("input[budget]", ""),
        ("input[objectives]", ""),
        ("input[agents][]", "reporting"),
    ];
    form.extend_from_slice(extra);
    form
}

/// The export routes (plain GET handlers, not server functions) and the action each must check.
pub(crate) fn export_routes() -> Vec<(&'static str, Action)> {
    vec![
        ("/export/clients.csv", Action::ExportClients),
        ("/export/clients.json", Action::ExportClients),
        ("/export/campaigns.csv", Action::ExportCampaigns),
        ("/export/campaigns.json", Action::ExportCampaigns),
    ]
}

#[test]
fn every_server_function_is_in_the_matrix() {
    let listed: Vec<&str> = matrix().iter().map(|(p, _, _)| *p).collect();
    let registered: Vec<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_string()).collect();
    assert!(!registered.is_empty());
    for path in &registered {
        assert!(listed.contains(&path.as_str()), "server function {path} has no row in the authorization matrix");
    }
    for path in &listed {
        assert!(registered.iter().any(|r| r == path), "matrix row {path} names no registered server function");
    }
}

#[test]
fn every_policy_action_is_exercised_by_a_server_function() {
    let m = matrix();
    for action in Action::ALL {
        let used = m.iter().any(|(_, a, _)| matches!(a, Access::Needs(x) if *x == action))
            || export_routes().iter().any(|(_, a)| *a == action)
            || action == Action::ViewOwnAccount // pages use it (see the page tests)
            // The crawl exports need a crawl: site_audits::exports_stream_issues_and_pages_and_respect_the_portfolio.
            || action == Action::ExportAudits;
        assert!(used, "{action:?} is never checked by a server function or export route");
    }
}

#[tokio::test]
async fn each_role_reaches_exactly_what_the_policy_allows() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let (manager, _, _) = app.user(&admin, "account_manager").await;
    let company = crate::fixtures::id_of(&crate::fixtures::create_client(&admin, "Matrix Co", &[], "").await);
    let client_user = app.client_user(&admin, &company).await.client;
    let callers: Vec<(Option<Role>, Client)> = vec![
        (None, app.client()),
        (Some(Role::Staff), staff),
        (Some(Role::AccountManager), manager),
        (Some(Role::Client), client_user),
        (Some(Role::Admin), admin),
    ];
    let mut failures = Vec::new();
    for (role, client) in &callers {
        // Sign-out last: it ends the session the other calls use.
        let mut rows = matrix();
        rows.sort_by_key(|(p, _, _)| *p == "/api/logout");
        for (path, access, form) in rows {
            let res = client.post(path, &form).await;
            let (expect_through, expected_refusal) = match (&access, role) {
                (Access::Public, _) => (true, 0),
                (Access::Needs(_), None) => (false, 401),
                (Access::Needs(action), Some(role)) => {
                    if allowed(*action).contains(role) {
                        (true, 0)
                    } else {
                        (false, 403)
                    }
                }
            };
            // A policy refusal is the typed error, not any 401 (a failed sign-in is a 401 too).
            let through = res.body != "\"Unauthenticated\"" && res.body != "\"Forbidden\"";
            if through != expect_through || (!through && res.status != expected_refusal) {
                failures.push(format!("{role:?} {path}: got {} {}", res.status, res.body));
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix broken:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn export_routes_need_a_signed_in_user_and_scope_account_managers() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let mine = crate::fixtures::create_client(&admin, "Managed Co", &[], &manager_id).await;
    let other = crate::fixtures::create_client(&admin, "Someone Else's", &[], "").await;
    crate::fixtures::create_campaign(&admin, &crate::fixtures::id_of(&mine), "Managed audit").await;
    crate::fixtures::create_campaign(&admin, &crate::fixtures::id_of(&other), "Other audit").await;
    let client_user = app.client_user(&admin, &crate::fixtures::id_of(&mine)).await.client;
    let callers: Vec<(Option<Role>, Client)> = vec![
        (None, app.client()),
        (Some(Role::Staff), staff),
        (Some(Role::AccountManager), manager),
        (Some(Role::Client), client_user),
        (Some(Role::Admin), admin),
    ];
    let mut failures = Vec::new();
    for (role, client) in &callers {
        for (path, action) in export_routes() {
            let res = client.get(path).await;
            let expected = match role {
                None => (401, Some("\"Unauthenticated\"")),
                Some(r) if allowed(action).contains(r) => (200, None),
                Some(_) => (403, Some("\"Forbidden\"")),
            };
            if res.status != expected.0 || expected.1.is_some_and(|b| res.body != b) {
                failures.push(format!("{role:?} {path}: got {} {}", res.status, res.body));
                continue;
            }
            if res.status != 200 {
                continue;
            }
            // What the caller sees: account managers their portfolio, everybody else all of it.
            let (clients, campaigns) = if *role == Some(Role::AccountManager) { (1, 1) } else { (2, 2) };
            let rows = if path.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&res.body).ok().and_then(|v| v.as_array().map(Vec::len))
            } else {
                Some(crate::fixtures::csv_records(&res.body).len() - 1)
            };
            let expected_rows = if path.contains("clients") { clients } else { campaigns };
            if rows != Some(expected_rows) {
                failures.push(format!("{role:?} {path}: {rows:?} rows, expected {expected_rows}: {}", res.body));
            }
        }
    }
    assert!(failures.is_empty(), "export authorization broken:\n{}", failures.join("\n"));
}
