//! Webhooks end to end against a local receiver: subscribed events only, signed as Standard Webhooks says,
//! retried on 500, 429 and timeouts with the same message id, 410 disabling the endpoint, the outbound
//! guard refusing private targets, rotation signing with both secrets, and a dispatcher restart mid-retry
//! losing nothing. The dispatcher runs here with the schedule shrunk (a second of it lasts a millisecond).

use crate::common::*;
use crate::fixtures::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use domain::crawl::fetch::AddressPolicy;
use domain::webhooks::dispatch::{self, DispatchConfig};
use domain::webhooks::Secret;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// What the receiver answers next on a path: a status (with `Retry-After` for 429), or a stall past the
/// dispatcher's timeout. When a path's script is used up it answers 204.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    Stall,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<std::collections::HashMap<String, VecDeque<Reply>>>>,
}

impl Receiver {
    fn script(&self, path: &str, replies: &[Reply]) {
        self.script.lock().unwrap().insert(path.to_string(), replies.iter().copied().collect());
    }

    fn got(&self, path: &str) -> Vec<Received> {
        self.got.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }
}

async fn receive(State(rx): State<Receiver>, uri: axum::http::Uri, headers: HeaderMap, body: String) -> Response {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let path = uri.path().to_string();
    rx.got.lock().unwrap().push(Received {
        path: path.clone(),
        id: h("webhook-id"),
        timestamp: h("webhook-timestamp").parse().unwrap_or(0),
        signature: h("webhook-signature"),
        body,
    });
    let next = rx.script.lock().unwrap().get_mut(&path).and_then(|q| q.pop_front());
    match next {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(Reply::Stall) => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            StatusCode::OK.into_response()
        }
        Some(Reply::Status(429)) => {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "slow down").into_response()
        }
        Some(Reply::Status(s)) => (StatusCode::from_u16(s).unwrap(), format!("answer {s}")).into_response(),
    }
}

async fn receiver() -> (Receiver, SocketAddr) {
    let rx = Receiver::default();
    let app = Router::new().route("/{*path}", post(receive)).with_state(rx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (rx, addr)
}

/// The dispatcher with the schedule shrunk a thousandfold and a 1 s timeout, reaching 127.0.0.1.
fn fast(policy: AddressPolicy) -> DispatchConfig {
    let mut c = DispatchConfig::new(policy);
    c.timeout = Duration::from_secs(1);
    c.poll = Duration::from_millis(20);
    c.retry_unit = Duration::from_millis(1);
    c.gap_wait = Duration::from_millis(500);
    c
}

fn loopback() -> AddressPolicy {
    AddressPolicy::allowing(&["127.0.0.0/8"]).expect("policy")
}

/// Runs a dispatcher until the returned sender is dropped or sent to.
fn start(app: &TestApp, config: DispatchConfig) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(dispatch::run(app.pool.clone(), config, async move {
        let _ = stopped.await;
    }));
    (stop, handle)
}

async fn add_endpoint(admin: &Client, url: &str, events: &[&str]) -> (String, String) {
    let mut form = vec![("input[url]", url), ("input[description]", "test receiver"), ("input[active]", "true")];
    form.extend(events.iter().map(|e| ("input[event_types][]", *e)));
    let r = admin.post("/api/webhooks/create", &form).await;
    assert_eq!(r.status, 200, "add endpoint {url}: {}", r.body);
    let v = r.json();
    (v["endpoint"]["id"].as_str().expect("id").to_string(), v["secret"].as_str().expect("secret").to_string())
}

/// Waits (up to 20 s) until `check` holds over the endpoint's detail.
async fn wait_for(
    admin: &Client,
    id: &str,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..400 {
        let r = admin.post("/api/webhooks/get", &[("id", id)]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        if check(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: never happened");
}

fn verify(secret: &str, r: &Received) -> bool {
    Secret::parse(secret).expect("secret").verify(&r.id, r.timestamp, r.body.as_bytes(), &r.signature)
}

#[tokio::test]
async fn subscribed_events_arrive_signed_and_failures_retry_with_the_same_id() {
    let app = TestApp::spawn(Options { workers: 0, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }).await;
    let admin = app.admin().await;
    let (rx, addr) = receiver().await;
    // 500, then 429 (Retry-After: 0), then a stall past the timeout, then 204.
    rx.script("/flaky", &[Reply::Status(500), Reply::Status(429), Reply::Stall]);
    let (flaky, secret) = add_endpoint(&admin, &format!("http://{addr}/flaky"), &["client.created"]).await;
    let (quiet, _) = add_endpoint(&admin, &format!("http://{addr}/quiet"), &["campaign.deleted"]).await;
    let (stop, handle) = start(&app, fast(loopback()));

    let client = create_client(&admin, "Hooked Ltd", &[], "").await;
    let client_id = id_of(&client);
    let r = try_update_client(&admin, &client_id, "Hooked Ltd renamed", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let detail = wait_for(&admin, &flaky, "the flaky endpoint's message delivered", |v| {
        v["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["status"] == "delivered"))
    })
    .await;
    let messages = detail["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "client.created only, not client.updated: {messages:?}");
    assert_eq!(messages[0]["event_type"], "client.created");
    assert_eq!(messages[0]["attempts"], 4, "500, 429, timeout, then delivered");
    let attempts = detail["attempts"].as_array().expect("attempts");
    let results: Vec<(i64, Option<i64>)> =
        attempts.iter().rev().map(|a| (a["attempt"].as_i64().unwrap(), a["status_code"].as_i64())).collect();
    assert_eq!(results, vec![(1, Some(500)), (2, Some(429)), (3, None), (4, Some(204))], "{attempts:?}");
    assert!(attempts[1]["error"].as_str().unwrap_or("").contains("timed out"), "{:?}", attempts[1]);
    assert_eq!(attempts[3]["response"], "answer 500", "the answer's body is logged");

    let got = rx.got("/flaky");
    assert_eq!(got.len(), 4);
    let msg_id = messages[0]["msg_id"].as_str().expect("msg_id");
    for r in &got {
        assert_eq!(r.id, msg_id, "one id across retries");
        assert!(verify(&secret, r), "signature verifies: {r:?}");
        let body: serde_json::Value = serde_json::from_str(&r.body).expect("JSON body");
        assert_eq!(body["type"], "client.created");
        assert_eq!(body["data"]["target"]["id"], client_id.as_str());
        assert_eq!(body["data"]["detail"]["company_name"], "Hooked Ltd");
    }
    assert!(rx.got("/quiet").is_empty(), "nothing for events the endpoint did not subscribe to");
    let quiet = admin.post("/api/webhooks/get", &[("id", quiet.as_str())]).await.json();
    assert_eq!(quiet["messages"].as_array().map(Vec::len), Some(0));

    let _ = stop.send(());
    handle.await.expect("dispatcher ends");
}

#[tokio::test]
async fn gone_disables_and_five_days_of_failures_disable_with_the_reason_in_the_feed() {
    let app = TestApp::spawn(Options { workers: 0, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }).await;
    let admin = app.admin().await;
    let (rx, addr) = receiver().await;
    rx.script("/gone", &[Reply::Status(410)]);
    rx.script("/down", &[Reply::Status(503)]);
    let (gone, _) = add_endpoint(&admin, &format!("http://{addr}/gone"), &["client.created"]).await;
    let (down, _) = add_endpoint(&admin, &format!("http://{addr}/down"), &["client.created"]).await;
    // The down endpoint has been failing for six days already.
    sqlx::query("UPDATE webhook_endpoints SET failing_since = now() - interval '6 days' WHERE id = $1::uuid")
        .bind(&down)
        .execute(&app.pool)
        .await
        .expect("backdate");
    let (stop, handle) = start(&app, fast(loopback()));
    create_client(&admin, "Gone Corp", &[], "").await;

    for (id, says) in [(&gone, "410 Gone"), (&down, "failed since")] {
        let v = wait_for(&admin, id, "disabled", |v| v["endpoint"]["active"] == false).await;
        let reason = v["endpoint"]["disabled_reason"].as_str().expect("reason");
        assert!(reason.contains(says), "{reason}");
        assert_eq!(rx.got(if id == &gone { "/gone" } else { "/down" }).len(), 1, "one attempt, then off");
    }
    let disabled: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT target_id, detail FROM events WHERE action = 'webhook.disabled' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .expect("events");
    assert_eq!(disabled.len(), 2, "{disabled:?}");
    // Admins see it in the dashboard's feed, linking to the endpoint; staff don't.
    let r = admin.post("/api/dashboard", &[("range", ""), ("from", ""), ("to", "")]).await;
    let feed = r.json()["feed"].clone();
    assert!(
        feed.as_array()
            .expect("feed")
            .iter()
            .any(|f| f["href"] == format!("/admin/webhooks/{gone}")
                && f["what"].as_str().unwrap_or("").contains("410 Gone")),
        "{feed}"
    );
    let (staff, _, _) = app.user(&admin, "staff").await;
    let r = staff.post("/api/dashboard", &[("range", ""), ("from", ""), ("to", "")]).await;
    assert!(!r.body.contains("/admin/webhooks/"), "staff see no webhook events: {}", r.body);

    // Switching it on again clears the reason; the waiting message goes out.
    let r = admin
        .post(
            "/api/webhooks/update",
            &[
                ("id", gone.as_str()),
                ("input[url]", &format!("http://{addr}/gone")),
                ("input[description]", ""),
                ("input[event_types][]", "client.created"),
                ("input[active]", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["disabled_reason"], serde_json::Value::Null);
    let r = admin.post("/api/webhooks/redeliver", &[("id", gone.as_str()), ("message", "0")]).await;
    assert_eq!(r.status, 404, "a message of nobody's: {}", r.body);
    let v = admin.post("/api/webhooks/get", &[("id", gone.as_str())]).await.json();
    let message = v["messages"][0]["id"].as_i64().expect("message").to_string();
    let r = admin.post("/api/webhooks/redeliver", &[("id", gone.as_str()), ("message", &message)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    wait_for(&admin, &gone, "redelivered", |v| v["messages"][0]["status"] == "delivered").await;

    let _ = stop.send(());
    handle.await.expect("dispatcher ends");
}

#[tokio::test]
async fn private_targets_are_refused_when_added_and_when_delivering() {
    // No CRAWL_ALLOW: loopback and private addresses are refused.
    let app = TestApp::spawn(Options { workers: 0, ..Options::default() }).await;
    let admin = app.admin().await;
    for url in
        ["http://127.0.0.1:9/hook", "https://10.0.0.1/hook", "https://169.254.169.254/latest", "https://localhost/x"]
    {
        let r = admin
            .post(
                "/api/webhooks/create",
                &[("input[url]", url), ("input[description]", ""), ("input[event_types][]", "task.completed")],
            )
            .await;
        assert_eq!(r.status, 422, "{url}: {}", r.body);
        assert!(error_fields(&r).contains(&"url".to_string()), "{url}: {}", r.body);
    }
    // A browser asks for compressed answers: the error keeps its status through compression.
    let r = admin
        .post_with(
            "/api/webhooks/create",
            &[("input[url]", "https://10.0.0.1/hook"), ("input[event_types][]", "task.completed")],
            &[("accept-encoding", "gzip, br")],
        )
        .await;
    assert_eq!(r.status, 422, "a compressed validation error is still a 422");
    assert!(r.header("content-encoding").is_some(), "and it was compressed");
    // An endpoint that got in some other way is still refused at delivery, by the dispatcher's guard.
    let (rx, addr) = receiver().await;
    let (id, _) = {
        let (id, secret) = (uuid::Uuid::new_v4(), Secret::generate());
        sqlx::query("INSERT INTO webhook_endpoints (id, url, event_types, secret) VALUES ($1, $2, '{}', $3)")
            .bind(id)
            .bind(format!("http://{addr}/sneaky"))
            .bind(secret.expose())
            .execute(&app.pool)
            .await
            .expect("insert");
        (id.to_string(), secret)
    };
    let r = admin.post("/api/webhooks/test", &[("id", id.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (stop, handle) = start(&app, fast(AddressPolicy::default()));
    let v = wait_for(&admin, &id, "an attempt", |v| v["attempts"].as_array().is_some_and(|a| !a.is_empty())).await;
    let error = v["attempts"][0]["error"].as_str().unwrap_or("");
    assert!(error.contains("private or reserved"), "{error}");
    assert!(rx.got("/sneaky").is_empty(), "nothing reached the private address");
    let _ = stop.send(());
    handle.await.expect("dispatcher ends");
}

#[tokio::test]
async fn a_restart_mid_retry_loses_nothing_and_rotation_signs_with_both_secrets() {
    let app = TestApp::spawn(Options { workers: 0, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }).await;
    let admin = app.admin().await;
    let (rx, addr) = receiver().await;
    rx.script("/hook", &[Reply::Status(500)]);
    let (id, old_secret) = add_endpoint(&admin, &format!("http://{addr}/hook"), &["client.created"]).await;

    // A dispatcher whose retries wait long: it makes the first attempt and is stopped while the retry waits.
    let mut slow = fast(loopback());
    slow.retry_unit = Duration::from_secs(3600);
    let (stop, handle) = start(&app, slow);
    create_client(&admin, "Restart Inc", &[], "").await;
    wait_for(&admin, &id, "first attempt", |v| v["messages"][0]["attempts"] == 1).await;
    let _ = stop.send(());
    handle.await.expect("dispatcher ends");
    // A process that died mid-attempt leaves a lease behind: it lapses and the message is claimed again.
    sqlx::query("UPDATE webhook_messages SET next_attempt_at = now(), locked_until = now() - interval '1 s'")
        .execute(&app.pool)
        .await
        .expect("due now");

    // Rotation with an overlap: both secrets sign the retry.
    let r = admin.post("/api/webhooks/rotate", &[("id", id.as_str()), ("overlap_hours", "24")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new_secret = r.json()["secret"].as_str().expect("secret").to_string();
    assert_ne!(new_secret, old_secret);
    let r = admin.post("/api/webhooks/rotate", &[("id", id.as_str()), ("overlap_hours", "999")]).await;
    assert_eq!(error_fields(&r), vec!["overlap_hours".to_string()], "{}", r.body);

    let (stop, handle) = start(&app, fast(loopback()));
    let v = wait_for(&admin, &id, "delivered after the restart", |v| v["messages"][0]["status"] == "delivered").await;
    assert_eq!(v["messages"][0]["attempts"], 2);
    let got = rx.got("/hook");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id, "the same message id after the restart");
    assert!(verify(&old_secret, &got[0]) && !verify(&new_secret, &got[0]));
    assert_eq!(got[1].signature.split(' ').count(), 2, "two signatures during the overlap");
    assert!(verify(&old_secret, &got[1]) && verify(&new_secret, &got[1]), "either secret verifies");

    // Replay since before the client: the delivered message goes out again with its id.
    let since = (chrono::Utc::now() - chrono::Duration::minutes(5)).format("%Y-%m-%dT%H:%M").to_string();
    let r = admin.post("/api/webhooks/replay", &[("id", id.as_str()), ("since", since.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), serde_json::json!(1));
    for _ in 0..200 {
        if rx.got("/hook").len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = rx.got("/hook");
    assert_eq!(got.len(), 3, "replayed");
    assert_eq!(got[2].id, got[0].id);
    let r = admin.post("/api/webhooks/replay", &[("id", id.as_str()), ("since", "2000-01-01T00:00")]).await;
    assert_eq!(error_fields(&r), vec!["since".to_string()], "{}", r.body);
    // Numbers at and past i64's end are refused without a panic: by name, or as a message that isn't there.
    for big in ["9223372036854775807", "9223372036854775808", "-9223372036854775808"] {
        let r = admin.post("/api/webhooks/rotate", &[("id", id.as_str()), ("overlap_hours", big)]).await;
        assert_eq!(error_fields(&r), vec!["overlap_hours".to_string()], "{big}: {}", r.body);
        let r = admin.post("/api/webhooks/redeliver", &[("id", id.as_str()), ("message", big)]).await;
        assert_eq!(r.status, 404, "{big}: {}", r.body);
    }
    let r = admin.post("/api/webhooks/replay", &[("id", id.as_str()), ("since", "+262143-12-31T23:59")]).await;
    assert_eq!(error_fields(&r), vec!["since".to_string()], "{}", r.body);

    let _ = stop.send(());
    handle.await.expect("dispatcher ends");

    // Old delivered messages go after 30 days, with their attempts; waiting ones stay.
    sqlx::query("UPDATE webhook_messages SET updated_at = now() - interval '31 days'")
        .execute(&app.pool)
        .await
        .expect("age");
    sqlx::query("INSERT INTO webhook_messages (msg_id, endpoint_id, event_type, payload, updated_at) VALUES ('msg_old_pending', $1::uuid, 'webhook.test', '{}', now() - interval '40 days')")
        .bind(&id)
        .execute(&app.pool)
        .await
        .expect("old pending");
    let gone = domain::store::webhooks::prune(&app.pool, chrono::Duration::days(30)).await.expect("prune");
    assert_eq!(gone, 1, "the delivered message");
    let left: Vec<String> =
        sqlx::query_scalar("SELECT msg_id FROM webhook_messages").fetch_all(&app.pool).await.expect("left");
    assert_eq!(left, vec!["msg_old_pending".to_string()]);
    let attempts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_attempts").fetch_one(&app.pool).await.expect("n");
    assert_eq!(attempts, 0, "its attempts went with it");
}

#[tokio::test]
async fn portal_messages_and_invitations_reach_subscribed_endpoints() {
    let app = TestApp::spawn(Options { workers: 0, crawl_allow: "127.0.0.0/8".into(), ..Options::default() }).await;
    let admin = app.admin().await;
    let (rx, addr) = receiver().await;
    let (hook, secret) =
        add_endpoint(&admin, &format!("http://{addr}/portal"), &["message.received", "message.sent", "portal.joined"])
            .await;
    let (stop, handle) = start(&app, fast(loopback()));
    let client_id = id_of(&create_client(&admin, "Hooked Portal Co", &[], "").await);
    let person = app.client_user(&admin, &client_id).await;
    let r = person.client.post("/api/portal/messages/send", &[("input[body]", "Where is my report?")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin
        .post("/api/messages/answer", &[("client_id", &client_id), ("body", "In the portal."), ("draft", "")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    wait_for(&admin, &hook, "three messages delivered", |v| {
        v["messages"].as_array().is_some_and(|m| m.len() == 3 && m.iter().all(|m| m["status"] == "delivered"))
    })
    .await;
    let got = rx.got("/portal");
    let bodies: Vec<serde_json::Value> = got
        .iter()
        .inspect(|r| assert!(verify(&secret, r), "signed: {r:?}"))
        .map(|r| serde_json::from_str(&r.body).expect("JSON"))
        .collect();
    let mut types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap_or("")).collect();
    types.sort();
    assert_eq!(types, vec!["message.received", "message.sent", "portal.joined"]);
    let received = bodies.iter().find(|b| b["type"] == "message.received").expect("message.received");
    assert_eq!(received["data"]["detail"]["body"], "Where is my report?");
    assert_eq!(received["data"]["client_id"], client_id.as_str());
    let _ = stop.send(());
    handle.await.expect("dispatcher ends");
}
