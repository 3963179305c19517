use crate::common::*;

#[tokio::test]
async fn admin_creates_a_user_who_can_sign_in() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = admin
        .post(
            "/api/users/create",
            &[
                ("email", "Sam@Agency.test"),
                ("name", "Sam Staff"),
                ("role", "staff"),
                ("password", "sams-long-password"),
            ],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let body = res.json();
    assert_eq!(body["user"]["email"], "sam@agency.test", "stored normalised");
    assert_eq!(body["user"]["role"], "staff");
    assert_eq!(body["generated_password"], serde_json::Value::Null);
    assert_eq!(app.client().login("sam@agency.test", "sams-long-password").await.status, 200);
}

#[tokio::test]
async fn empty_password_is_generated_and_shown_once() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = admin
        .post(
            "/api/users/create",
            &[("email", "gen@agency.test"), ("name", "Gen"), ("role", "account_manager"), ("password", "")],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let generated = res.json()["generated_password"].as_str().expect("generated").to_string();
    assert_eq!(generated.chars().count(), 20);
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'gen@agency.test'")
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert!(stored.starts_with("$argon2id$"), "only the hash is stored");
    assert_eq!(app.client().login("gen@agency.test", &generated).await.status, 200);
}

#[tokio::test]
async fn duplicate_email_is_a_field_error() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = admin
        .post(
            "/api/users/create",
            &[("email", "ADMIN@agency.test"), ("name", "Copy"), ("role", "staff"), ("password", "")],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    let body = res.json();
    assert_eq!(body["Validation"][0][0], "email");
    assert_eq!(body["Validation"][0][1], "a user with this email already exists");
}

#[tokio::test]
async fn invalid_input_names_every_bad_field() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = admin
        .post("/api/users/create", &[("email", "not-an-email"), ("name", ""), ("role", "boss"), ("password", "short")])
        .await;
    assert_eq!(res.status, 422);
    let fields: Vec<String> = res.json()["Validation"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e[0].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(fields, ["email", "name", "role", "password"]);
    let same_as_email = admin
        .post(
            "/api/users/create",
            &[("email", "pat@agency.test"), ("name", "Pat"), ("role", "staff"), ("password", "pat@agency.test")],
        )
        .await;
    assert_eq!(same_as_email.status, 422);
    assert!(same_as_email.body.contains("must not be your email"), "{}", same_as_email.body);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&app.pool).await.expect("count");
    assert_eq!(count, 1, "nothing was written");
}

#[tokio::test]
async fn users_are_filtered_by_role_and_status() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (_, staff_id, _) = app.user(&admin, "staff").await;
    app.user(&admin, "account_manager").await;
    admin.post("/api/users/deactivate", &[("id", &staff_id)]).await;
    let emails = |r: Reply| -> Vec<String> {
        r.json().as_array().expect("list").iter().map(|u| u["role"].as_str().unwrap_or("").to_string()).collect()
    };
    assert_eq!(emails(admin.post("/api/users/list", &[("role", ""), ("status", "")]).await).len(), 3);
    assert_eq!(emails(admin.post("/api/users/list", &[("role", "staff"), ("status", "")]).await), ["staff"]);
    assert_eq!(emails(admin.post("/api/users/list", &[("role", ""), ("status", "inactive")]).await), ["staff"]);
    let mut active = emails(admin.post("/api/users/list", &[("role", ""), ("status", "active")]).await);
    active.sort();
    assert_eq!(active, ["account_manager", "admin"]);
    let bad = admin.post("/api/users/list", &[("role", "boss"), ("status", "sleeping")]).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn last_active_admin_cannot_be_deactivated_or_demoted() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let admin_id: String = sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM users WHERE role = 'admin'")
        .fetch_one(&app.pool)
        .await
        .expect("admin")
        .to_string();
    let demote = admin.post("/api/users/role", &[("id", &admin_id), ("role", "staff")]).await;
    assert_eq!(demote.status, 409, "{}", demote.body);
    assert!(demote.body.contains("last active admin"));
    let deactivate = admin.post("/api/users/deactivate", &[("id", &admin_id)]).await;
    assert_eq!(deactivate.status, 409);

    // With a second admin (and the first one's role change) the rule lets it through.
    let (_second, second_id, _) = app.user(&admin, "staff").await;
    assert_eq!(admin.post("/api/users/role", &[("id", &second_id), ("role", "admin")]).await.status, 200);
    assert_eq!(admin.post("/api/users/role", &[("id", &admin_id), ("role", "staff")]).await.status, 200);
    // The first admin is staff now: their session no longer has admin rights.
    assert_eq!(admin.post("/api/users/list", &[("role", ""), ("status", "")]).await.status, 403);
}

#[tokio::test]
async fn deactivated_admin_does_not_count_as_the_remaining_admin() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (_, second_id, _) = app.user(&admin, "admin").await;
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &second_id)]).await.status, 200);
    let admin_id: String = sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM users WHERE email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(&app.pool)
        .await
        .expect("admin")
        .to_string();
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &admin_id)]).await.status, 409);
    assert_eq!(admin.post("/api/users/reactivate", &[("id", &second_id)]).await.status, 200);
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &admin_id)]).await.status, 200);
}

#[tokio::test]
async fn every_user_change_writes_an_audit_event_in_the_same_transaction() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (_, id, _) = app.user(&admin, "staff").await;
    admin.post("/api/users/role", &[("id", &id), ("role", "account_manager")]).await;
    admin.post("/api/users/deactivate", &[("id", &id)]).await;
    admin.post("/api/users/reactivate", &[("id", &id)]).await;
    admin.post("/api/users/reset-password", &[("id", &id), ("password", "another-long-password")]).await;
    let res = admin.post("/api/activity/list", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let actions: Vec<String> =
        res.json().as_array().expect("events").iter().map(|e| e["action"].as_str().unwrap_or("").to_string()).collect();
    for expected in [
        "user.created",
        "user.role_changed",
        "user.deactivated",
        "user.reactivated",
        "user.password_reset",
        "user.signed_in",
    ] {
        assert!(actions.iter().any(|a| a == expected), "missing {expected} in {actions:?}");
    }
    let admin_email = &res.json()[0]["actor_email"];
    assert_eq!(admin_email, ADMIN_EMAIL, "newest first, with the actor");

    // A refused change writes neither the row nor an event.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&app.pool).await.expect("count");
    admin.post("/api/users/create", &[("email", "bad"), ("name", ""), ("role", "staff"), ("password", "")]).await;
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&app.pool).await.expect("count");
    assert_eq!(before, after);
}

#[tokio::test]
async fn unknown_or_malformed_user_ids_are_not_found() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    assert_eq!(admin.post("/api/users/get", &[("id", "not-a-uuid")]).await.status, 404);
    assert_eq!(admin.post("/api/users/get", &[("id", &uuid::Uuid::new_v4().to_string())]).await.status, 404);
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &uuid::Uuid::new_v4().to_string())]).await.status, 404);
}
