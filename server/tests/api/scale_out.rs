//! Scale-out: two web instances and a separate `server worker` process on one Postgres and one Redis. A
//! session made on one instance works on the other; a task created through one is completed by the
//! worker, and its event reaches a live stream held on the other; a reconnect with `Last-Event-ID` to
//! either instance replays what was missed.

use crate::common::*;
use crate::fixtures::*;
use crate::live::Stream;
use crate::tasks::get_task;
use std::time::Duration;

#[tokio::test]
async fn two_instances_and_a_worker_share_sessions_tasks_and_the_live_stream() {
    let a = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let b = TestApp::spawn_on(
        a.db.clone(),
        Options { workers: 0, redis_prefix: Some(a.redis_prefix.clone()), ..Default::default() },
    )
    .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let _worker = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("worker")
        .env("DATABASE_URL", &a.db.url)
        .env("REDIS_URL", format!("redis://{REDIS_ADDR}"))
        .env("REDIS_KEY_PREFIX", &a.redis_prefix)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("WORKER_CONCURRENCY", "2")
        .env("APP_ENV", "development")
        .env("LOG_LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the worker");

    // Signed in on A, recognised on B.
    let on_a = a.admin().await;
    let on_b = b.client().with_cookie(on_a.session_cookie());
    assert_eq!(on_b.me().await.as_deref(), Some(ADMIN_EMAIL), "the session made on A works on B");

    // A stream on B; a client (and its analysis task) created through A; the worker completes the task.
    let mut stream = Stream::connect(&b, &on_b, &[]).await;
    let client = create_client(&on_a, "Scaled Out Ltd", &[], "").await;
    let client_id = id_of(&client);
    let done = loop {
        let e = stream.until("task.completed").await;
        if e.data["client_id"] == client_id.as_str() {
            break e;
        }
    };
    let task_id = done.data["target_id"].as_str().expect("task id").to_string();
    assert_eq!(get_task(&on_b, &task_id).await["summary"]["status"], "completed", "completed by the worker");
    let last = done.id.expect("id");
    drop(stream);

    // Missed while no stream is open: another client, created through B, and its task's completion.
    let missed = create_client(&on_b, "Missed While Away Ltd", &[], "").await;
    let missed_id = id_of(&missed);
    let mut finished = false;
    for _ in 0..300 {
        let (n,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM tasks WHERE client_id = $1::uuid AND status = 'completed'")
                .bind(&missed_id)
                .fetch_one(&a.pool)
                .await
                .expect("count");
        if n > 0 {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(finished, "the worker completed the missed client's task");
    let resume = last.to_string();
    for (name, app, c) in [("A", &a, &on_a), ("B", &b, &on_b)] {
        let mut again = Stream::connect(app, c, &[("last-event-id", resume.as_str())]).await;
        let replayed = again.drain(Duration::from_millis(1500)).await;
        let about_missed: Vec<&str> = replayed
            .iter()
            .filter(|e| e.data["client_id"] == missed_id.as_str())
            .filter_map(|e| e.data["action"].as_str())
            .collect();
        assert!(about_missed.contains(&"client.created"), "{name} replays the missed client: {about_missed:?}");
        assert!(about_missed.contains(&"task.completed"), "{name} replays its task's completion: {about_missed:?}");
        assert!(
            replayed.iter().all(|e| e.id.is_some_and(|id| id > last)),
            "{name}: nothing at or before the resume point"
        );
    }
}
