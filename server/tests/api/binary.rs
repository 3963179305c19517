//! The `server` binary itself: the create-admin command, JSON logs with request ids, graceful shutdown.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[tokio::test]
async fn create_admin_command_prints_a_generated_password_that_signs_in() {
    let db = std::sync::Arc::new(TestDb::create().await);
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--log-level", "warn", "create-admin", "--email", "boss@agency.test", "--name", "Boss"])
        .env("DATABASE_URL", &db.url)
        .env_remove("CREATE_ADMIN_PASSWORD")
        .output()
        .expect("run server create-admin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password =
        stdout.lines().find_map(|l| l.strip_prefix("password (shown once): ")).expect("password printed").to_string();
    let again = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["create-admin", "--email", "BOSS@agency.test", "--password", "another-long-password"])
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("run again");
    assert!(!again.status.success(), "a duplicate email is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let app = TestApp::spawn_on(db, Options::default()).await;
    assert_eq!(app.client().login("boss@agency.test", &password).await.status, 200);
}

#[tokio::test]
async fn binary_logs_json_with_request_ids_and_shuts_down_on_sigterm() {
    let db = TestDb::create().await;
    let port = free_port();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_LEVEL", "info")
        .env("LOG_FORMAT", "json")
        .env("APP_ENV", "development")
        .env_remove("REDIS_URL")
        .env("ADMIN_EMAIL", "first@agency.test")
        .env("ADMIN_PASSWORD", "first-admin-password")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let c = Client::new(&format!("http://127.0.0.1:{port}"));
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/ready")).send().await {
            ready = r.status().is_success();
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "server became ready");
    eprintln!("start to ready: {:?}", started.elapsed());
    let failed = c.login("first@agency.test", "wrong-password-1").await;
    let request_id = failed.header("x-request-id").expect("request id header");

    // SIGTERM: in-flight work finishes, the process exits cleanly.
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = exited.expect("server exited after SIGTERM");
    assert!(status.success(), "clean exit: {status:?}");

    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<serde_json::Value> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l}")))
        .collect();
    let failure = lines
        .iter()
        .find(|l| l["message"] == "sign-in failed")
        .unwrap_or_else(|| panic!("no sign-in failure logged in {lines:?}"));
    let ids: Vec<&str> = failure["spans"]
        .as_array()
        .map(|spans| spans.iter().filter_map(|s| s["request_id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, [request_id.as_str()], "the line carries the request's id: {failure}");
    assert!(lines.iter().any(|l| l["message"].as_str().is_some_and(|m| m.contains("shutdown signal"))));
}
