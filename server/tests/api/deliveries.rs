//! Report emails against a real local SMTP server (aiosmtpd from PyPI, started by the tests): a due
//! schedule's email arrives with the PDF attached and the right recipients; the mail server down means
//! retries and a visible failure, then the report is sent when it is back; without SMTP the email goes to
//! the outbox and is listed with a warning; and every route is scoped to the caller's portfolio.

use std::path::PathBuf;
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};

use crate::common::*;
use crate::fixtures::*;
use crate::reports::pdf_text;

/// aiosmtpd on `port`, keeping what it receives in a maildir.
pub(crate) struct SmtpServer {
    child: std::process::Child,
    pub dir: PathBuf,
}

impl SmtpServer {
    pub(crate) async fn start(port: u16) -> SmtpServer {
        let dir = std::env::temp_dir().join(format!("aiseo-maildir-{}", uuid::Uuid::new_v4().simple()));
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd runs (scripts/setup.sh --test installs it)");
        let server = SmtpServer { child, dir };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The messages received so far.
    pub(crate) fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else { return Vec::new() };
        entries.filter_map(|e| e.ok()).filter_map(|e| std::fs::read(e.path()).ok()).collect()
    }

    pub(crate) async fn wait_for(&self, n: usize, within: Duration) -> Vec<Vec<u8>> {
        let end = std::time::Instant::now() + within;
        loop {
            let got = self.messages();
            if got.len() >= n || std::time::Instant::now() > end {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on (bound, then let go).
pub(crate) fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn set_schedule(c: &Client, client: &str, cadence: &str, day: &str, recipients: &str) -> Reply {
    c.post(
        "/api/reports/schedule/set",
        &[
            ("client_id", client),
            ("input[cadence]", cadence),
            ("input[day]", day),
            ("input[hour]", "6"),
            ("input[recipients]", recipients),
            ("input[template]", ""),
            ("enabled", "on"),
        ],
    )
    .await
}

/// The client's deliveries as its page lists them.
async fn deliveries(c: &Client, client: &str) -> Vec<serde_json::Value> {
    let r = c.post("/api/reports/deliveries/client", &[("client_id", client)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["deliveries"].as_array().cloned().unwrap_or_default()
}

/// Polls the client's newest delivery until `done` holds (at most `secs`), and returns it.
async fn newest_until(
    c: &Client,
    client: &str,
    secs: u64,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let end = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let list = deliveries(c, client).await;
        if let Some(d) = list.first() {
            if done(d) || std::time::Instant::now() > end {
                return d.clone();
            }
        } else if std::time::Instant::now() > end {
            panic!("no delivery");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_due_schedule_emails_the_report_pdf_to_its_recipients_through_smtp() {
    let port = free_port();
    let smtp = SmtpServer::start(port).await;
    let app =
        TestApp::spawn(Options { smtp_url: Some(format!("smtp://127.0.0.1:{port}")), ..Options::default() }).await;
    let admin = app.admin().await;
    let client = id_of(&create_client(&admin, "Mailed Ltd", &[], "").await);
    sqlx::query(
        "INSERT INTO crawls (id, client_id, kind, start_url, status, max_pages, max_depth, pages_done, health,
                             html_pages, error_count, warning_count, notice_count, started_at, finished_at)
         VALUES (gen_random_uuid(), $1::uuid, 'site', 'https://mailed.example/', 'completed', 100, 3, 10, 77.5, 10,
                 1, 2, 0, '2026-10-20T10:00:00Z', '2026-10-20T10:00:00Z')",
    )
    .bind(&client)
    .execute(&app.pool)
    .await
    .expect("audit");

    let r = set_schedule(&admin, &client, "monthly", "1", "Ana@Example.com, bo@example.org\nana@example.com").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let saved = r.json();
    assert_eq!(saved["rule"]["recipients"], serde_json::json!(["ana@example.com", "bo@example.org"]));
    // Due at a fixed past instant: it reports the month before it (October 2026), whatever today is.
    sqlx::query("UPDATE report_schedules SET next_run_at = '2026-11-01T06:00:00Z' WHERE client_id = $1::uuid")
        .bind(&client)
        .execute(&app.pool)
        .await
        .expect("make it due");

    let got = smtp.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(got.len(), 1, "one email arrives; deliveries: {:?}", deliveries(&admin, &client).await);
    let message = MessageParser::default().parse(&got[0]).expect("a MIME message");
    let rcpt = message.header_raw("X-RcptTo").unwrap_or_default().to_string();
    assert!(rcpt.contains("ana@example.com") && rcpt.contains("bo@example.org"), "{rcpt}");
    assert_eq!(message.header_raw("X-MailFrom").map(str::trim), Some("reports@agency.test"));
    let subject = message.subject().unwrap_or_default().to_string();
    assert!(subject.ends_with("SEO report for Mailed Ltd, October 2026"), "{subject}");
    let text = message.body_text(0).unwrap_or_default().to_string();
    assert!(text.contains("Site health: 77.5 of 100"), "{text}");
    assert!(text.contains(&format!("https://console.test/clients/{client}/report?period=2026-10")), "{text}");
    let pdf = message.attachments().next().expect("an attachment");
    assert_eq!(pdf.attachment_name(), Some("mailed-ltd-seo-report-2026-10.pdf"));
    assert!(pdf.contents().starts_with(b"%PDF-"));
    let pdf_text = pdf_text(pdf.contents());
    assert!(pdf_text.contains("Mailed Ltd") && pdf_text.contains("October 2026"), "{pdf_text}");

    // Recorded: sent, to whom, the size, the server's answer; and the schedule moved to its next send.
    let d = newest_until(&admin, &client, 10, |d| d["status"] == "sent").await;
    assert_eq!(d["status"], "sent", "{d}");
    assert_eq!(d["trigger"], "schedule");
    assert_eq!(d["recipients"], serde_json::json!(["ana@example.com", "bo@example.org"]));
    assert!(d["smtp_reply"].as_str().unwrap_or_default().starts_with("250"), "{d}");
    assert!(d["bytes"].as_i64().unwrap_or(0) > pdf.contents().len() as i64, "{d}");
    let next: (chrono::DateTime<chrono::Utc>, bool) =
        sqlx::query_as("SELECT next_run_at, next_run_at > now() FROM report_schedules WHERE client_id = $1::uuid")
            .bind(&client)
            .fetch_one(&app.pool)
            .await
            .expect("schedule");
    assert!(next.1, "the next send is in the future: {}", next.0);
    assert_eq!(next.0.format("%d %H:%M").to_string(), "01 06:00");
    // The client's page lists it, and the event was recorded for the feed and webhooks.
    let page = admin.post("/api/clients/get", &[("id", client.as_str())]).await;
    assert_eq!(page.json()["deliveries"][0]["id"], d["id"]);
    let sent_events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE action = 'report.sent' AND client_id = $1::uuid")
            .bind(&client)
            .fetch_one(&app.pool)
            .await
            .expect("events");
    assert_eq!(sent_events, 1);
    // Exactly one email, however often the workers look.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn the_mail_server_down_means_retries_and_a_visible_failure_and_nothing_is_lost() {
    let port = free_port();
    let app =
        TestApp::spawn(Options { smtp_url: Some(format!("smtp://127.0.0.1:{port}")), ..Options::default() }).await;
    let admin = app.admin().await;
    let client = id_of(&create_client(&admin, "Patient Co", &[], "").await);
    assert_eq!(set_schedule(&admin, &client, "weekly", "1", "ops@patient.example").await.status, 200);

    // Nothing listens: the attempt fails, the delivery says so and waits for its next attempt.
    let r = admin.post("/api/reports/send_now", &[("client_id", client.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = newest_until(&admin, &client, 30, |d| d["status"] == "retrying").await;
    assert_eq!(d["status"], "retrying", "{d}");
    assert_eq!(d["trigger"], "manual");
    assert!(d["error"].as_str().unwrap_or_default().contains("sending the report email failed"), "{d}");
    assert_eq!(d["max_attempts"], 8);

    // The mail server comes back: the next attempt sends it.
    let smtp = SmtpServer::start(port).await;
    sqlx::query("UPDATE tasks SET run_after = now() WHERE id = $1")
        .bind(uuid_of(&d["task_id"]))
        .execute(&app.pool)
        .await
        .expect("retry now");
    let got = smtp.wait_for(1, Duration::from_secs(60)).await;
    assert_eq!(got.len(), 1, "the report arrives once the server is back");
    let d = newest_until(&admin, &client, 10, |d| d["status"] == "sent").await;
    assert_eq!(d["status"], "sent", "{d}");
    assert!(d["attempts"].as_i64().unwrap_or(0) >= 2, "{d}");
    drop(smtp);

    // Down for good: after its attempts the delivery is failed, with the error, for everyone to see.
    let r = admin.post("/api/reports/send_now", &[("client_id", client.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = newest_until(&admin, &client, 30, |d| d["status"] == "retrying").await;
    let task = uuid_of(&d["task_id"]);
    sqlx::query("UPDATE tasks SET max_attempts = 2, run_after = now() WHERE id = $1")
        .bind(task)
        .execute(&app.pool)
        .await
        .expect("fewer attempts");
    let d = newest_until(&admin, &client, 30, |d| d["status"] == "failed").await;
    assert_eq!(d["status"], "failed", "{d}");
    assert!(d["error"].as_str().unwrap_or_default().contains("127.0.0.1"), "{d}");
    // Recorded as the mail server's failure, not the reporting agent's: its circuit stays closed.
    let kind: Option<String> = sqlx::query_scalar("SELECT error_kind FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&app.pool)
        .await
        .expect("task");
    assert_eq!(kind.as_deref(), Some("delivery"));
    let counted = domain::store::tasks::latest_results(&app.pool, domain::model::AgentId::Reporting, 5)
        .await
        .expect("the circuit's inputs");
    assert!(counted.iter().all(|(status, _)| status != "failed"), "{counted:?}");
    let failed = admin.post("/api/reports/deliveries", &[("status", "failed")]).await;
    assert_eq!(failed.json()["deliveries"].as_array().map(Vec::len), Some(1), "{}", failed.body);
    let page = admin.get("/reports/deliveries?status=failed").await;
    assert!(page.body.contains("failed after every attempt"), "{}", page.body);

    // Sent again once the server is back: the same delivery (same period and recipients) goes out.
    let smtp = SmtpServer::start(port).await;
    let r =
        admin.post("/api/reports/deliveries/resend", &[("delivery_id", d["id"].as_str().unwrap_or_default())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(smtp.wait_for(1, Duration::from_secs(60)).await.len(), 1);
    let again = newest_until(&admin, &client, 10, |x| x["status"] == "sent").await;
    assert_eq!((again["id"].clone(), again["status"].clone()), (d["id"].clone(), "sent".into()));
    // A sent delivery is not sent twice.
    let r =
        admin.post("/api/reports/deliveries/resend", &[("delivery_id", d["id"].as_str().unwrap_or_default())]).await;
    assert_eq!(r.status, 409, "{}", r.body);
}

fn uuid_of(v: &serde_json::Value) -> uuid::Uuid {
    uuid::Uuid::parse_str(v.as_str().expect("an id")).expect("a uuid")
}

#[tokio::test]
async fn without_smtp_emails_go_to_the_outbox_listed_with_a_warning_and_scoped_to_the_portfolio() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (mine, mine_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let client = id_of(&create_client(&admin, "Outbox & Sons", &[], &mine_id).await);

    // Validation names the field.
    let eleven: Vec<String> = (0..11).map(|i| format!("p{i}@example.com")).collect();
    let r = set_schedule(&mine, &client, "monthly", "1", &eleven.join(",")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("recipients") && r.body.contains("at most 10"), "{}", r.body);
    let r = set_schedule(&mine, &client, "monthly", "29", "a@example.com").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("\"day\""), "{}", r.body);
    // Numbers at the ends of the number line, and NUL, are refused by field too.
    for bad in ["9223372036854775807", "-9223372036854775808", "\0", "1\u{0}1"] {
        let r = mine
            .post(
                "/api/reports/schedule/set",
                &[
                    ("client_id", client.as_str()),
                    ("input[cadence]", "weekly"),
                    ("input[day]", bad),
                    ("input[hour]", bad),
                    ("input[recipients]", "a@example.com"),
                    ("input[template]", bad),
                    ("enabled", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{bad:?}: {}", r.body);
        for field in ["\"day\"", "\"hour\"", "\"template\""] {
            assert!(r.body.contains(field), "{bad:?} names {field}: {}", r.body);
        }
    }
    // No schedule, no one to send to.
    let r = mine.post("/api/reports/send_now", &[("client_id", client.as_str())]).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Another manager's portfolio is not there; staff see deliveries but send nothing.
    assert_eq!(set_schedule(&other, &client, "monthly", "1", "x@example.com").await.status, 404);
    assert_eq!(set_schedule(&staff, &client, "monthly", "1", "x@example.com").await.status, 403);
    assert_eq!(set_schedule(&mine, &client, "weekly", "3", "Boss@Outbox.example").await.status, 200);
    assert_eq!(other.post("/api/reports/send_now", &[("client_id", client.as_str())]).await.status, 404);
    assert_eq!(other.post("/api/reports/preview", &[("client_id", client.as_str())]).await.status, 404);
    assert_eq!(staff.post("/api/reports/send_now", &[("client_id", client.as_str())]).await.status, 403);

    // Preview: what would be sent.
    let p = mine.post("/api/reports/preview", &[("client_id", client.as_str())]).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let p = p.json();
    assert_eq!(p["recipients"], serde_json::json!(["boss@outbox.example"]));
    assert!(p["subject"].as_str().unwrap_or_default().contains("SEO report for Outbox & Sons"), "{p}");
    assert!(p["attachment_name"].as_str().unwrap_or_default().starts_with("outbox-sons-seo-report-"), "{p}");

    // Send now: written to the outbox, listed as such, downloadable by the portfolio only.
    let r = mine.post("/api/reports/send_now", &[("client_id", client.as_str())]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = newest_until(&mine, &client, 60, |d| d["status"] == "outbox").await;
    assert_eq!(d["status"], "outbox", "{d}");
    let file = d["outbox_file"].as_str().expect("a file").to_string();
    let eml = std::fs::read(app.outbox_dir().join(&file)).expect("the .eml file is in the outbox");
    let message = MessageParser::default().parse(&eml).expect("MIME");
    assert!(message.attachments().next().is_some_and(|a| a.contents().starts_with(b"%PDF-")));
    let id = d["id"].as_str().unwrap_or_default();
    let (status, _, bytes) = mine.get_bytes(&format!("/reports/deliveries/{id}.eml")).await;
    assert_eq!((status, bytes), (200, eml));
    assert_eq!(other.get_bytes(&format!("/reports/deliveries/{id}.eml")).await.0, 404);
    assert_eq!(staff.get_bytes(&format!("/reports/deliveries/{id}.eml")).await.0, 200);
    let listed = mine.post("/api/reports/deliveries", &[("status", "")]).await.json();
    assert_eq!(listed["outbox"].as_str(), Some(app.outbox_dir().display().to_string().as_str()));
    assert_eq!(listed["deliveries"][0]["id"], d["id"]);
    assert_eq!(
        other.post("/api/reports/deliveries", &[("status", "")]).await.json()["deliveries"],
        serde_json::json!([])
    );
    let page = mine.get("/reports/deliveries").await;
    assert!(page.body.contains("No mail server is configured"), "{}", page.body);
    let page = mine.get(&format!("/clients/{client}/report-emails")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Weekly on Wednesday at 06:00 UTC"), "{}", page.body);
    assert_eq!(other.get(&format!("/clients/{client}/report-emails")).await.status, 404);
    // A status filter that doesn't exist is refused by name.
    let r = mine.post("/api/reports/deliveries", &[("status", "lost")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("status"), "{}", r.body);
}
