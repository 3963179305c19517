//! The client portal end to end: invitations (one use, expiry, withdrawal, who may invite), what a client
//! user reaches (their own company's overview, report and PDF; nothing of the console, of other clients or
//! of internal notes), and messages (the client writes, the client success manager drafts an answer, the
//! manager edits and sends it, both see the thread; events for the feed and webhooks).

use crate::common::*;
use crate::fixtures::*;
use crate::reports::pdf_text;
use crate::tasks::wait_final;

/// The invitation token of a link from `/api/portal/invite`.
fn token_of(r: &Reply) -> String {
    assert_eq!(r.status, 200, "invite: {}", r.body);
    r.json()["path"].as_str().expect("link").rsplit('/').next().expect("token").to_string()
}

async fn accept(app: &TestApp, token: &str, password: &str) -> (Client, Reply) {
    let c = app.client();
    let r = c
        .post(
            "/api/invite/accept",
            &[
                ("token", token),
                ("input[name]", "Dana Buyer"),
                ("input[new_password]", password),
                ("input[confirm_password]", password),
            ],
        )
        .await;
    (c, r)
}

#[tokio::test]
async fn a_client_user_reaches_their_own_company_and_nothing_else() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let mine = id_of(
        &create_client(&admin, "Acme Portal Co", &[("notes", "INTERNAL-NOTE do not show the client")], &manager_id)
            .await,
    );
    create_campaign(&admin, &mine, "Acme spring push").await;
    let other = id_of(&create_client(&admin, "Othercorp Secret", &[], "").await);
    create_campaign(&admin, &other, "Othercorp campaign").await;

    // The manager invites; the link shows the company; a weak password is refused by field.
    let token = token_of(
        &manager
            .post(
                "/api/portal/invite",
                &[("client_id", &mine), ("input[email]", "dana@acme.test"), ("input[name]", "Dana")],
            )
            .await,
    );
    let view = app.client().post("/api/invite/get", &[("token", &token)]).await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(view.json()["company_name"], "Acme Portal Co");
    assert_eq!(view.json()["email"], "dana@acme.test");
    let (_, weak) = accept(&app, &token, "short").await;
    assert_eq!(error_fields(&weak), vec!["new_password"]);
    let (dana, ok) = accept(&app, &token, CLIENT_PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json(), "/portal");
    let me = dana.post("/api/me", &[]).await.json();
    assert_eq!(me["role"], "client");
    assert_eq!(me["client_id"], mine.as_str());
    // The link works once.
    let (_, again) = accept(&app, &token, CLIENT_PASSWORD).await;
    assert!(rule(&again).contains("already used"), "{}", again.body);
    // And the person signs in with the password they chose.
    let signed = app.client();
    assert_eq!(signed.login("dana@acme.test", CLIENT_PASSWORD).await.status, 200);

    // Their company: overview, report, PDF.
    let overview = dana.post("/api/portal/overview", &[]).await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert_eq!(overview.json()["report"]["client_name"], "Acme Portal Co");
    assert!(overview.body.contains("Acme spring push"));
    let report = dana.post("/api/portal/report", &[("period", "2026-10"), ("from", ""), ("to", "")]).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.json()["period"]["from"], "2026-10-01");
    let (status, headers, pdf) = dana.get_bytes("/portal/report.pdf?period=2026-10").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    let text = pdf_text(&pdf);
    assert!(text.contains("Acme Portal Co") && text.contains("October 2026"), "{text}");
    for body in [&overview.body, &report.body, &text] {
        assert!(!body.contains("INTERNAL-NOTE"), "internal notes reach the portal");
        assert!(!body.contains("Othercorp"), "another client reaches the portal");
    }
    for page in ["/portal", "/portal/report", "/portal/messages"] {
        let r = dana.get(page).await;
        assert_eq!(r.status, 200, "{page}");
        assert!(!r.body.contains("Othercorp") && !r.body.contains("INTERNAL-NOTE"), "{page}");
    }
    // Home is the portal.
    let home = dana.get("/").await;
    assert!(home.status == 303 || home.status == 307 || home.status == 302, "{}", home.status);
    assert_eq!(home.header("location").as_deref(), Some("/portal"));

    // Nothing of the console: pages, server functions, exports, the agency's PDFs.
    for page in ["/clients", &format!("/clients/{mine}"), "/tasks", "/audits", "/analytics", "/messages"] {
        assert_eq!(dana.get(page).await.status, 403, "{page}");
    }
    for (path, form) in [
        ("/api/clients/get", vec![("id", mine.as_str())]),
        ("/api/clients/list", vec![("query", "")]),
        ("/api/reports/client", vec![("client_id", mine.as_str()), ("period", "2026-10"), ("from", ""), ("to", "")]),
        ("/api/audits/client", vec![("client_id", mine.as_str())]),
        ("/api/portal/access", vec![("client_id", mine.as_str())]),
        ("/api/messages/thread", vec![("client_id", mine.as_str())]),
    ] {
        let r = dana.post(path, &form).await;
        assert_eq!((r.status, r.body.as_str()), (403, "\"Forbidden\""), "{path}");
    }
    for path in [
        format!("/clients/{mine}/report.pdf?period=2026-10"),
        format!("/clients/{other}/report.pdf?period=2026-10"),
        "/export/clients.csv".to_string(),
        "/export/campaigns.json".to_string(),
    ] {
        assert_eq!(dana.get(&path).await.status, 403, "{path}");
    }
    // The agency's people have no portal.
    assert_eq!(manager.post("/api/portal/overview", &[]).await.status, 403);
    assert_eq!(manager.get("/portal/report.pdf").await.status, 403);
    // Anonymous: the PDF needs a sign-in.
    assert_eq!(app.client().get("/portal/report.pdf").await.status, 401);
}

#[tokio::test]
async fn invitations_expire_can_be_withdrawn_and_only_the_clients_manager_or_an_admin_invites() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let (other_manager, _, _) = app.user(&admin, "account_manager").await;
    let (staff, _, staff_email) = app.user(&admin, "staff").await;
    let mine = id_of(&create_client(&admin, "Invite Co", &[], &manager_id).await);
    let invite = |c: &Client, email: &str| {
        let (c, email, mine) = (c.clone(), email.to_string(), mine.clone());
        async move {
            c.post("/api/portal/invite", &[("client_id", &mine), ("input[email]", &email), ("input[name]", "Pat")])
                .await
        }
    };
    // Another portfolio's manager: not found; staff: not allowed; bad input and a taken email: by field.
    assert_eq!(invite(&other_manager, "pat@invite.test").await.status, 404);
    assert_eq!(invite(&staff, "pat@invite.test").await.status, 403);
    assert_eq!(error_fields(&invite(&manager, "not-an-email").await), vec!["email"]);
    assert_eq!(error_fields(&invite(&manager, &staff_email).await), vec!["email"]);

    // Expired: the link says so and can't be used.
    let expired = token_of(&invite(&manager, "late@invite.test").await);
    sqlx::query("UPDATE portal_invites SET expires_at = now() - interval '1 second' WHERE email = 'late@invite.test'")
        .execute(&app.pool)
        .await
        .expect("expire");
    assert!(rule(&app.client().post("/api/invite/get", &[("token", &expired)]).await).contains("expired"));
    let (_, r) = accept(&app, &expired, CLIENT_PASSWORD).await;
    assert!(rule(&r).contains("expired"));
    // Withdrawn: the same.
    let withdrawn = token_of(&invite(&admin, "gone@invite.test").await);
    let access = manager.post("/api/portal/access", &[("client_id", &mine)]).await;
    assert_eq!(access.status, 200, "{}", access.body);
    let invites = access.json()["invites"].as_array().cloned().unwrap_or_default();
    assert_eq!(invites.len(), 2);
    let gone = invites.iter().find(|i| i["email"] == "gone@invite.test").expect("the invitation");
    assert_eq!(gone["state"], "open");
    let gone_id = gone["id"].as_str().expect("id").to_string();
    assert_eq!(other_manager.post("/api/portal/invite/withdraw", &[("id", &gone_id)]).await.status, 404);
    assert_eq!(manager.post("/api/portal/invite/withdraw", &[("id", &gone_id)]).await.status, 200);
    let (_, r) = accept(&app, &withdrawn, CLIENT_PASSWORD).await;
    assert!(rule(&r).contains("withdrawn"));
    // An unknown token is simply not found.
    assert_eq!(app.client().post("/api/invite/get", &[("token", "x".repeat(43).as_str())]).await.status, 404);
    assert_eq!(app.client().post("/api/invite/get", &[("token", "y".repeat(5000).as_str())]).await.status, 404);

    // Removing access ends the person's session at once.
    let person = app.client_user(&manager, &mine).await;
    assert_eq!(person.client.post("/api/portal/overview", &[]).await.status, 200);
    assert_eq!(other_manager.post("/api/portal-users/remove", &[("id", &person.id)]).await.status, 404);
    assert_eq!(manager.post("/api/portal-users/remove", &[("id", &person.id)]).await.status, 200);
    assert_eq!(person.client.post("/api/portal/overview", &[]).await.status, 401);
    assert_eq!(app.client().login(&person.email, CLIENT_PASSWORD).await.status, 401);
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM events WHERE client_id = $1::uuid AND action LIKE 'portal.%' ORDER BY id",
    )
    .bind(&mine)
    .fetch_all(&app.pool)
    .await
    .expect("events");
    assert_eq!(
        events,
        vec![
            "portal.invited",
            "portal.invited",
            "portal.invite_withdrawn",
            "portal.invited",
            "portal.joined",
            "portal.access_removed"
        ]
    );
}

#[tokio::test]
async fn a_clients_message_gets_a_drafted_answer_the_manager_sends_and_both_see_the_thread() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let (other_manager, _, _) = app.user(&admin, "account_manager").await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let mine = id_of(&create_client(&admin, "Thread Co", &[], &manager_id).await);
    create_campaign(&admin, &mine, "Thread launch").await;
    let person = app.client_user(&manager, &mine).await;

    // Refused by field, then written.
    let empty = person.client.post("/api/portal/messages/send", &[("input[body]", "  ")]).await;
    assert_eq!(error_fields(&empty), vec!["body"]);
    let text = "Hello! How is the campaign going? Could we schedule a call next week?";
    let sent = person.client.post("/api/portal/messages/send", &[("input[body]", text)]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let message_id = sent.json()["id"].as_str().expect("id").to_string();

    // The client success manager drafts an answer.
    let task: uuid::Uuid = sqlx::query_scalar("SELECT task_id FROM messages WHERE id = $1::uuid")
        .bind(&message_id)
        .fetch_one(&app.pool)
        .await
        .expect("the draft task");
    let done = wait_final(&manager, &task.to_string()).await;
    assert_eq!(done["summary"]["status"], "completed", "{done}");
    assert_eq!(done["summary"]["agent"], "client_success_manager");

    let inbox = manager.post("/api/messages/inbox", &[]).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let items = inbox.json().as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["company_name"], "Thread Co");
    assert_eq!(items[0]["waiting"], 1);
    assert_eq!(other_manager.post("/api/messages/inbox", &[]).await.json().as_array().map(Vec::len), Some(0));
    assert_eq!(other_manager.post("/api/messages/thread", &[("client_id", &mine)]).await.status, 404);
    assert_eq!(staff.post("/api/messages/thread", &[("client_id", &mine)]).await.status, 403);

    let thread = manager.post("/api/messages/thread", &[("client_id", &mine)]).await;
    assert_eq!(thread.status, 200, "{}", thread.body);
    let t = thread.json();
    assert_eq!(t["messages"][0]["body"], text);
    let draft = &t["draft"]["Ready"];
    let draft_text = draft["output"]["narrative"]["text"].as_str().expect("a ready draft");
    assert!(draft_text.starts_with("Hello Casey,"), "{draft_text}");
    assert!(draft_text.contains("Where your campaigns stand: Thread launch (draft)"), "{draft_text}");
    assert!(draft_text.contains("talk"), "{draft_text}");
    let draft_task = draft["task_id"].as_str().expect("task id").to_string();

    // The manager edits the draft and sends it.
    let answer = format!("{draft_text}\n\nP.S. Edited by your manager.");
    let r =
        manager.post("/api/messages/answer", &[("client_id", &mine), ("body", &answer), ("draft", &draft_task)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        other_manager.post("/api/messages/answer", &[("client_id", &mine), ("body", "hi"), ("draft", "")]).await.status,
        404
    );
    let seen = person.client.post("/api/portal/messages", &[]).await;
    let bodies: Vec<String> = seen
        .json()
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(bodies, vec![text.to_string(), answer.clone()]);
    let page = person.client.get("/portal/messages").await;
    assert!(page.body.contains("P.S. Edited by your manager."));
    let inbox = manager.post("/api/messages/inbox", &[]).await.json();
    assert_eq!(inbox[0]["waiting"], 0);
    assert_eq!(manager.post("/api/messages/thread", &[("client_id", &mine)]).await.json()["draft"], "None");

    // Messages are events, with the client, for the feed and webhooks.
    let events: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT action, detail FROM events WHERE client_id = $1::uuid AND action LIKE 'message.%' ORDER BY id",
    )
    .bind(&mine)
    .fetch_all(&app.pool)
    .await
    .expect("events");
    assert_eq!(events.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(), vec!["message.received", "message.sent"]);
    assert_eq!(events[0].1["body"], text);
    let feed = manager.post("/api/dashboard", &[("range", ""), ("from", ""), ("to", "")]).await;
    assert!(feed.body.contains("wrote to the agency for"), "{}", feed.body);
}

#[tokio::test]
async fn client_users_come_only_by_invitation_keep_their_role_and_go_with_their_company() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/users/create",
            &[("email", "direct@client.test"), ("name", "Direct"), ("role", "client"), ("password", "")],
        )
        .await;
    assert_eq!(error_fields(&r), vec!["role"]);
    let company = id_of(&create_client(&admin, "Going Co", &[], "").await);
    let person = app.client_user(&admin, &company).await;
    let r = admin.post("/api/users/role", &[("id", &person.id), ("role", "admin")]).await;
    assert_eq!(error_fields(&r), vec!["role"]);
    let (_, staff_id, _) = app.user(&admin, "staff").await;
    let r = admin.post("/api/users/role", &[("id", &staff_id), ("role", "client")]).await;
    assert_eq!(error_fields(&r), vec!["role"]);
    // The admin's user list shows them as client users.
    let list = admin.post("/api/users/list", &[("role", "client"), ("status", "")]).await;
    assert_eq!(list.json().as_array().map(Vec::len), Some(1), "{}", list.body);
    // Deleting the company ends their access.
    assert_eq!(admin.post("/api/clients/delete", &[("id", &company)]).await.status, 200);
    assert_eq!(person.client.post("/api/portal/overview", &[]).await.status, 401);
    assert_eq!(app.client().login(&person.email, CLIENT_PASSWORD).await.status, 401);
}
