//! The role x server-function matrix. Every registered server function must appear in [`MATRIX`] with
//! the policy action it has to check; the test then calls each one as anonymous, staff, account manager
//! and admin and expects exactly the roles the policy allows to get through. A new server function that
//! is not in the table, or that forgets its policy check, fails here.

use crate::common::*;
use domain::model::Role;
use domain::policy::{allowed, Action};

enum Access {
    /// Signing in and out and "who am I": open to everybody by design.
    Public,
    Needs(Action),
}

const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// Endpoint, the access it must enforce, and a form body to call it with.
type Row = (&'static str, Access, Vec<(&'static str, &'static str)>);

fn matrix() -> Vec<Row> {
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
        ("/api/audit/list", Needs(Action::ViewAuditTrail), vec![]),
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
        let used =
            m.iter().any(|(_, a, _)| matches!(a, Access::Needs(x) if *x == action)) || action == Action::ViewOwnAccount; // pages use it (see the page tests)
        assert!(used, "{action:?} is never checked by a server function");
    }
}

#[tokio::test]
async fn each_role_reaches_exactly_what_the_policy_allows() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let (manager, _, _) = app.user(&admin, "account_manager").await;
    let callers: Vec<(Option<Role>, Client)> = vec![
        (None, app.client()),
        (Some(Role::Staff), staff),
        (Some(Role::AccountManager), manager),
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
