//! Campaigns through the API: creation with default or chosen agents, name and date rules, the
//! lifecycle and deletion.

use crate::common::*;
use crate::fixtures::*;
use serde_json::{json, Value};

async fn setup() -> (TestApp, Client, String) {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let client = id_of(&create_client(&admin, "Acme", &[], "").await);
    (app, admin, client)
}

async fn status_in_db(app: &TestApp, campaign: &str) -> String {
    sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
        .bind(uuid::Uuid::parse_str(campaign).expect("uuid"))
        .fetch_one(&app.pool)
        .await
        .expect("status")
}

#[tokio::test]
async fn a_campaign_created_without_agents_gets_the_default_five() {
    let (app, admin, client) = setup().await;
    // A form whose agent checkboxes are all unticked sends no `input[agents][]` field at all.
    let res = try_create_campaign(&admin, &client, " Q1 audit ", &[], &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let k = res.json();
    assert_eq!(k["agents"], json!(DEFAULT_AGENTS));
    assert_eq!(k["name"], "Q1 audit");
    assert_eq!(k["status"], "draft");
    assert_eq!(k["client_id"], client.as_str());
    assert_eq!(k["client_name"], "Acme");
    assert_eq!(k["budget"], 4000);
    assert_eq!((k["start_date"].clone(), k["end_date"].clone()), (json!("2026-01-05"), json!("2026-03-31")));
    let stored: Vec<String> = sqlx::query_scalar("SELECT agents FROM campaigns WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&id_of(&k)).expect("uuid"))
        .fetch_one(&app.pool)
        .await
        .expect("agents");
    assert_eq!(stored, DEFAULT_AGENTS);
}

#[tokio::test]
async fn a_campaign_keeps_the_agents_chosen_for_it() {
    let (app, admin, client) = setup().await;
    let res =
        try_create_campaign(&admin, &client, "Leads", &[], &["reporting", "lead_qualification", "reporting"]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["agents"], json!(["reporting", "lead_qualification"]), "in order, once each");
    let events = client_events(&app, &client).await;
    let (action, detail) = events.last().expect("event");
    assert_eq!(action, "campaign.created");
    assert_eq!(detail["agents"], json!(["reporting", "lead_qualification"]));

    // All fourteen can be chosen; an unknown one is a field error.
    let all = [
        "chief_seo_strategist",
        "business_development_director",
        "task_coordinator",
        "sales_operations_manager",
        "technical_seo_operations_manager",
        "client_success_manager",
        "lead_qualification",
        "sales_conversation",
        "proposal_generation",
        "technical_seo_auditor",
        "content_strategy",
        "link_building",
        "competitive_analysis",
        "reporting",
    ];
    let res = try_create_campaign(&admin, &client, "Everything", &[], &all).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["agents"], json!(all));
    let res = try_create_campaign(&admin, &client, "Magic", &[], &["reporting", "wizard"]).await;
    assert_eq!(field_errors(&res), [("agents".to_string(), "\"wizard\" is not an agent".to_string())]);
}

#[tokio::test]
async fn campaign_names_are_unique_per_client_ignoring_case() {
    let (_app, admin, client) = setup().await;
    let other = id_of(&create_client(&admin, "Globex", &[], "").await);
    create_campaign(&admin, &client, "Q1 Audit").await;

    for name in ["Q1 Audit", "q1 audit", "  Q1 AUDIT  "] {
        let res = try_create_campaign(&admin, &client, name, &[], &DEFAULT_AGENTS).await;
        assert_eq!(
            field_errors(&res),
            [("name".to_string(), "this client already has a campaign with this name".to_string())],
            "{name:?}"
        );
    }
    let res = try_create_campaign(&admin, &other, "q1 audit", &[], &DEFAULT_AGENTS).await;
    assert_eq!(res.status, 200, "another client may use the name: {}", res.body);

    // Renaming onto a sibling's name is refused the same way; keeping one's own name is fine.
    let second = id_of(&create_campaign(&admin, &client, "Q2 Audit").await);
    let update = |name: &str| {
        let mut form = campaign_input(name, &[], &DEFAULT_AGENTS);
        form.push(("id".into(), second.clone()));
        form
    };
    let res = admin.post("/api/campaigns/update", &as_form(&update("Q1 AUDIT"))).await;
    assert_eq!(error_fields(&res), ["name"]);
    assert!(res.body.contains("this client already has a campaign with this name"));
    let res = admin.post("/api/campaigns/update", &as_form(&update("q2 audit"))).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["name"], "q2 audit");
}

#[tokio::test]
async fn a_campaign_may_not_end_before_it_starts() {
    let (app, admin, client) = setup().await;
    let res = try_create_campaign(
        &admin,
        &client,
        "Backwards",
        &[("start_date", "2026-03-01"), ("end_date", "2026-02-28")],
        &DEFAULT_AGENTS,
    )
    .await;
    assert_eq!(
        field_errors(&res),
        [("end_date".to_string(), "the end date can't be before the start date".to_string())]
    );
    let res = try_create_campaign(
        &admin,
        &client,
        "Same day",
        &[("start_date", "2026-03-01"), ("end_date", "2026-03-01")],
        &DEFAULT_AGENTS,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = try_create_campaign(&admin, &client, "Open", &[("end_date", "")], &DEFAULT_AGENTS).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["end_date"], Value::Null);
    let res = try_create_campaign(
        &admin,
        &client,
        "",
        &[("kind", "magic"), ("start_date", "01/03/2026"), ("budget", "-1")],
        &DEFAULT_AGENTS,
    )
    .await;
    assert_eq!(error_fields(&res), ["name", "kind", "start_date", "budget"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns").fetch_one(&app.pool).await.expect("count");
    assert_eq!(count, 2);
    let res = try_create_campaign(&admin, &uuid::Uuid::new_v4().to_string(), "Orphan", &[], &DEFAULT_AGENTS).await;
    assert_eq!(res.status, 404);
}

#[tokio::test]
async fn a_campaign_runs_from_draft_through_active_and_paused_to_completed() {
    let (app, admin, client) = setup().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let k = id_of(&create_campaign(&admin, &client, "Audit").await);
    move_through(&staff, &k, &["active", "paused", "active", "completed"]).await;
    assert_eq!(status_in_db(&app, &k).await, "completed");
    let moves: Vec<Value> = client_events(&app, &client)
        .await
        .into_iter()
        .filter(|(a, _)| a == "campaign.status_changed")
        .map(|(_, d)| json!([d["from"], d["to"]]))
        .collect();
    assert_eq!(
        moves,
        [
            json!(["draft", "active"]),
            json!(["active", "paused"]),
            json!(["paused", "active"]),
            json!(["active", "completed"])
        ]
    );
    let got = admin.post("/api/campaigns/get", &[("id", &k)]).await;
    assert_eq!(got.json()["status"], "completed");
}

#[tokio::test]
async fn a_campaign_can_be_cancelled_from_draft_active_or_paused() {
    let (app, admin, client) = setup().await;
    for (name, path) in
        [("From draft", &[][..]), ("From active", &["active"][..]), ("From paused", &["active", "paused"][..])]
    {
        let k = id_of(&create_campaign(&admin, &client, name).await);
        move_through(&admin, &k, path).await;
        move_through(&admin, &k, &["cancelled"]).await;
        assert_eq!(status_in_db(&app, &k).await, "cancelled", "{name}");
    }
}

#[tokio::test]
async fn refused_moves_are_conflicts_that_name_the_allowed_moves() {
    let (app, admin, client) = setup().await;
    let k = id_of(&create_campaign(&admin, &client, "Audit").await);
    let before = event_count(&app).await;
    assert_eq!(
        rule(&set_status(&admin, &k, "paused").await),
        "a draft campaign can't become paused; it can become: active, cancelled"
    );
    assert_eq!(
        rule(&set_status(&admin, &k, "completed").await),
        "a draft campaign can't become completed; it can become: active, cancelled"
    );
    assert_eq!(
        rule(&set_status(&admin, &k, "draft").await),
        "a draft campaign can't become draft; it can become: active, cancelled"
    );
    move_through(&admin, &k, &["active"]).await;
    assert_eq!(
        rule(&set_status(&admin, &k, "draft").await),
        "an active campaign can't become draft; it can become: paused, completed, cancelled"
    );
    move_through(&admin, &k, &["paused"]).await;
    assert_eq!(
        rule(&set_status(&admin, &k, "completed").await),
        "a paused campaign can't become completed; it can become: active, cancelled"
    );
    assert_eq!(status_in_db(&app, &k).await, "paused", "a refused move changes nothing");
    assert_eq!(event_count(&app).await, before + 2, "only the two accepted moves wrote events");

    assert_eq!(error_fields(&set_status(&admin, &k, "finished").await), ["status"]);
    assert_eq!(set_status(&admin, &uuid::Uuid::new_v4().to_string(), "active").await.status, 404);
}

#[tokio::test]
async fn completed_and_cancelled_campaigns_are_final() {
    let (app, admin, client) = setup().await;
    let done = id_of(&create_campaign(&admin, &client, "Done").await);
    move_through(&admin, &done, &["active", "completed"]).await;
    let dropped = id_of(&create_campaign(&admin, &client, "Dropped").await);
    move_through(&admin, &dropped, &["cancelled"]).await;
    for (k, from) in [(&done, "completed"), (&dropped, "cancelled")] {
        for to in ["draft", "active", "paused", "completed", "cancelled"] {
            let res = set_status(&admin, k, to).await;
            assert_eq!(rule(&res), format!("a {from} campaign can't change status any more"), "{from} -> {to}");
        }
        assert_eq!(status_in_db(&app, k).await, from);
    }
}

#[tokio::test]
async fn active_and_paused_campaigns_cannot_be_deleted() {
    let (app, admin, client) = setup().await;
    let live = id_of(&create_campaign(&admin, &client, "Live").await);
    move_through(&admin, &live, &["active"]).await;
    let resting = id_of(&create_campaign(&admin, &client, "Resting").await);
    move_through(&admin, &resting, &["active", "paused"]).await;
    let before = event_count(&app).await;
    assert_eq!(
        rule(&admin.post("/api/campaigns/delete", &[("id", &live)]).await),
        "Live is active and can't be deleted: only draft, completed or cancelled campaigns can. Complete or cancel it first."
    );
    let message = rule(&admin.post("/api/campaigns/delete", &[("id", &resting)]).await);
    assert!(message.starts_with("Resting is paused and can't be deleted"), "{message}");
    assert_eq!(status_in_db(&app, &live).await, "active");
    assert_eq!(status_in_db(&app, &resting).await, "paused");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn draft_completed_and_cancelled_campaigns_are_deleted() {
    let (app, admin, client) = setup().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    assert_eq!(assign(&admin, &client, &manager_id).await.status, 200);
    for (name, path) in [
        ("Draft", &[][..]),
        ("Completed", &["active", "completed"][..]),
        ("Cancelled", &["active", "paused", "cancelled"][..]),
    ] {
        let k = id_of(&create_campaign(&admin, &client, name).await);
        move_through(&admin, &k, path).await;
        // The client's account manager may delete it (DeleteCampaign is open to every role, in scope).
        let res = manager.post("/api/campaigns/delete", &[("id", &k)]).await;
        assert_eq!(res.status, 200, "{name}: {}", res.body);
        assert_eq!(res.json(), json!(client), "answers the client's id");
        assert_eq!(admin.post("/api/campaigns/get", &[("id", &k)]).await.status, 404);
        let (action, detail) = client_events(&app, &client).await.pop().expect("event");
        assert_eq!(action, "campaign.deleted");
        assert_eq!(detail, json!({ "name": name, "status": name.to_lowercase() }));
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns").fetch_one(&app.pool).await.expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_campaign_can_be_edited() {
    let (app, admin, client) = setup().await;
    let k = id_of(&create_campaign(&admin, &client, "Audit").await);
    let mut form = campaign_input(
        "Audit and content",
        &[("kind", "full_seo"), ("start_date", "2026-02-01"), ("end_date", ""), ("budget", "12 000")],
        &["content_strategy"],
    );
    form.push(("id".into(), k.clone()));
    let res = admin.post("/api/campaigns/update", &as_form(&form)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let c = res.json();
    assert_eq!(
        (c["name"].clone(), c["kind"].clone(), c["start_date"].clone(), c["end_date"].clone(), c["budget"].clone()),
        (json!("Audit and content"), json!("full_seo"), json!("2026-02-01"), Value::Null, json!(12_000))
    );
    assert_eq!(c["agents"], json!(["content_strategy"]));
    assert_eq!(c["status"], "draft", "editing doesn't move the lifecycle");
    let (action, detail) = client_events(&app, &client).await.pop().expect("event");
    assert_eq!((action.as_str(), detail), ("campaign.updated", json!({ "name": "Audit and content" })));
}
