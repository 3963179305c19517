//! The live stream (`/events`): who gets which event, resuming with `Last-Event-ID`, the end of a
//! deactivated user's stream, and events arriving through the compression layer unbuffered.

use std::time::Duration;

use serde_json::Value;

use crate::common::*;
use crate::fixtures::*;

/// An open `/events` stream read event by event.
pub(crate) struct Stream {
    res: reqwest::Response,
    buf: String,
}

/// One server-sent event: its id, type and JSON data.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) id: Option<i64>,
    pub(crate) kind: String,
    pub(crate) data: Value,
}

impl Stream {
    /// Opens the stream as `c`'s session, with extra request headers.
    async fn open(app: &TestApp, c: &Client, headers: &[(&str, &str)]) -> reqwest::Response {
        // No overall timeout: the stream stays open; each read below has its own. A client of its own: the
        // stream's request is the first of its connection.
        Stream::open_with(&reqwest::Client::new(), app, c, headers).await
    }

    /// Opens the stream through `http` (whose kept-alive connection it may reuse).
    async fn open_with(
        http: &reqwest::Client,
        app: &TestApp,
        c: &Client,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = http.get(format!("{}/events", app.base));
        if let Some(cookie) = c.session_cookie() {
            req = req.header("cookie", format!("aiseo_session={cookie}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("open /events")
    }

    pub(crate) async fn connect(app: &TestApp, c: &Client, headers: &[(&str, &str)]) -> Stream {
        Stream::ready(Stream::open(app, c, headers).await)
    }

    fn ready(res: reqwest::Response) -> Stream {
        assert_eq!(res.status(), 200, "open /events");
        assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/event-stream"));
        Stream { res, buf: String::new() }
    }

    /// The next event (keep-alive comments and the opening `ready` skipped), or None when the stream ended
    /// or `wait` passed.
    pub(crate) async fn next(&mut self, wait: Duration) -> Option<Sent> {
        loop {
            let e = self.next_any(wait).await?;
            if e.kind != "ready" {
                return Some(e);
            }
        }
    }

    /// The next event of any kind (keep-alive comments skipped).
    async fn next_any(&mut self, wait: Duration) -> Option<Sent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (None, "message".to_string(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue; // a keep-alive comment
                }
                return Some(Sent { id, kind, data: serde_json::from_str(&data).unwrap_or(Value::Null) });
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await.ok()?.ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Events until `wait` passes with nothing new (or the stream ends).
    pub(crate) async fn drain(&mut self, wait: Duration) -> Vec<Sent> {
        let mut out = Vec::new();
        while let Some(e) = self.next(wait).await {
            out.push(e);
        }
        out
    }

    /// The next event whose action is `action`, skipping others.
    pub(crate) async fn until(&mut self, action: &str) -> Sent {
        loop {
            let e = self.next(Duration::from_secs(10)).await.unwrap_or_else(|| panic!("no {action} event came"));
            if e.data["action"] == action {
                return e;
            }
        }
    }
}

#[tokio::test]
async fn anonymous_callers_get_401_and_bad_resume_points_422() {
    let app = TestApp::spawn(Options::default()).await;
    let res = Stream::open(&app, &app.client(), &[]).await;
    assert_eq!(res.status(), 401);
    let admin = app.admin().await;
    let res = Stream::open(&app, &admin, &[("last-event-id", "not-a-number")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap_or_default().contains("Last-Event-ID"));
}

#[tokio::test]
async fn each_viewer_gets_the_events_of_their_portfolio_with_ids_through_compression() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (alex, alex_id, _) = app.user(&admin, "account_manager").await;
    let (bea, bea_id, _) = app.user(&admin, "account_manager").await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    // The browser asks for compression; the stream must still arrive event by event.
    let gzip = [("accept-encoding", "gzip, br")];
    let mut admin_stream = Stream::connect(&app, &admin, &gzip).await;
    assert!(admin_stream.res.headers().get("content-encoding").is_none(), "an event stream is never compressed");
    let mut alex_stream = Stream::connect(&app, &alex, &gzip).await;
    let mut bea_stream = Stream::connect(&app, &bea, &[]).await;
    let mut staff_stream = Stream::connect(&app, &staff, &[]).await;

    let alex_client = create_client(&admin, "Live Alex Ltd", &[], &alex_id).await;
    let bea_client = create_client(&admin, "Live Bea Ltd", &[], &bea_id).await;
    let (_, carl_id, _) = app.user(&admin, "staff").await;

    let created = admin_stream.until("client.created").await;
    assert!(created.id.is_some_and(|id| id > 0), "every event has an id");
    assert_eq!(created.kind, "event");
    assert_eq!(created.data["client_id"], alex_client["id"]);
    let seen = |events: &[Sent], action: &str| events.iter().filter(|e| e.data["action"] == action).count();
    let rest = admin_stream.drain(Duration::from_millis(1500)).await;
    assert_eq!(seen(&rest, "client.created"), 1, "the admin sees both clients");
    assert!(seen(&rest, "user.created") >= 1, "and user administration: {carl_id}");

    let alex_events = alex_stream.drain(Duration::from_millis(1500)).await;
    assert!(alex_events.iter().all(|e| e.data["client_id"] == alex_client["id"]), "{alex_events:?}");
    assert!(seen(&alex_events, "client.created") == 1, "{alex_events:?}");
    let bea_events = bea_stream.drain(Duration::from_millis(500)).await;
    assert!(bea_events.iter().all(|e| e.data["client_id"] == bea_client["id"]), "{bea_events:?}");
    assert!(seen(&bea_events, "client.created") == 1, "{bea_events:?}");
    let staff_events = staff_stream.drain(Duration::from_millis(500)).await;
    assert_eq!(seen(&staff_events, "client.created"), 2, "staff see every client");
    assert_eq!(seen(&staff_events, "user.created"), 0, "user administration is for admins");
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_what_it_missed_and_nothing_twice() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let mut first = Stream::connect(&app, &admin, &[]).await;
    create_client(&admin, "Before the drop Ltd", &[], "").await;
    let last = first.until("client.created").await.id.expect("id");
    drop(first);
    // Missed while disconnected.
    create_client(&admin, "Missed One Ltd", &[], "").await;
    create_client(&admin, "Missed Two Ltd", &[], "").await;
    let resume = last.to_string();
    let mut again = Stream::connect(&app, &admin, &[("last-event-id", resume.as_str())]).await;
    let replayed = again.drain(Duration::from_millis(1500)).await;
    let created: Vec<&Sent> = replayed.iter().filter(|e| e.data["action"] == "client.created").collect();
    assert_eq!(created.len(), 2, "{replayed:?}");
    assert!(replayed.iter().all(|e| e.id.is_some_and(|id| id > last)), "nothing at or before the resume point");
    let ids: Vec<i64> = replayed.iter().filter_map(|e| e.id).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "in order, each once");
    // And live again after the replay.
    create_client(&admin, "After the replay Ltd", &[], "").await;
    let live = again.until("client.created").await;
    assert!(live.id > ids.last().copied());
}

#[tokio::test]
async fn a_new_stream_starts_with_its_position_so_a_reconnect_misses_nothing_even_before_any_event() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    // Let the hub publish the events so far, so the new stream's position is past them.
    let mut warm = Stream::connect(&app, &admin, &[]).await;
    create_client(&admin, "Warm-up Ltd", &[], "").await;
    warm.until("client.created").await;
    let mut first = Stream::connect(&app, &manager, &[]).await;
    let ready = first.next_any(Duration::from_secs(5)).await.expect("a ready event");
    assert_eq!(ready.kind, "ready");
    let position = ready.id.expect("the ready event carries the stream's position");
    // Another manager's client: nothing the manager may see reaches the stream, which then drops.
    create_client(&admin, "Not Theirs Ltd", &[], "").await;
    assert!(first.next(Duration::from_millis(800)).await.is_none(), "the manager sees nothing of others");
    drop(first);
    // While disconnected, a client of theirs is created.
    create_client(&admin, "Theirs While Away Ltd", &[], &manager_id).await;
    let resume = position.to_string();
    let mut again = Stream::connect(&app, &manager, &[("last-event-id", resume.as_str())]).await;
    let replayed = again.drain(Duration::from_millis(1500)).await;
    let names: Vec<String> = replayed.iter().map(|e| e.data["detail"].to_string()).collect();
    assert!(
        replayed.iter().any(|e| e.data["action"] == "client.created" && e.data["detail"].to_string().contains("Theirs While Away")),
        "the missed event is replayed: {names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("Not Theirs")), "and only what they may see: {names:?}");
}

#[tokio::test]
async fn a_deactivated_users_stream_ends() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, staff_id, _) = app.user(&admin, "staff").await;
    let mut stream = Stream::connect(&app, &staff, &[]).await;
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &staff_id)]).await.status, 200);
    let end = stream.next(Duration::from_secs(10)).await.expect("an end event");
    assert_eq!(end.kind, "end");
    assert!(stream.next(Duration::from_secs(5)).await.is_none(), "the stream is closed");
    let res = Stream::open(&app, &staff, &[]).await;
    assert_eq!(res.status(), 401, "and a reconnect is refused");
}

#[tokio::test]
async fn crawl_progress_reaches_the_streams_that_may_see_its_client_without_an_id() {
    let app = TestApp::spawn(Options { workers: 0, ..Default::default() }).await;
    let admin = app.admin().await;
    let (manager, manager_id, _) = app.user(&admin, "account_manager").await;
    let (other, _, _) = app.user(&admin, "account_manager").await;
    let client = create_client(&admin, "Crawled Live Ltd", &[], &manager_id).await;
    let client = uuid::Uuid::parse_str(&id_of(&client)).expect("id");
    let crawl = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO crawls (id, client_id, start_url, status, max_pages, max_depth) VALUES ($1, $2, 'https://x.test/', 'running', 10, 3)",
    )
    .bind(crawl)
    .bind(client)
    .execute(&app.pool)
    .await
    .expect("crawl");
    let mut streams = Vec::new();
    for c in [&admin, &manager, &other] {
        streams.push(Stream::connect(&app, c, &[]).await);
    }
    // Let the client's own events pass first.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for s in streams.iter_mut() {
        s.drain(Duration::from_millis(200)).await;
    }
    let progress = domain::crawl::crawler::Progress { done: 7, queued: 3, errors: 1 };
    domain::store::crawls::progress(&app.pool, crawl, progress).await.expect("progress");
    for (who, s) in ["admin", "manager"].iter().zip(streams.iter_mut()) {
        let e = s.next(Duration::from_secs(5)).await.unwrap_or_else(|| panic!("{who} got no progress"));
        assert_eq!(e.kind, "progress", "{who}: {e:?}");
        assert_eq!(e.data["crawl_id"], crawl.to_string());
        assert_eq!(e.id, None, "progress is not an event of the table: no id, nothing to replay");
    }
    let theirs = streams[2].drain(Duration::from_millis(1000)).await;
    assert!(theirs.iter().all(|e| e.kind != "progress"), "another manager hears nothing of it: {theirs:?}");
    let (done,): (i32,) =
        sqlx::query_as("SELECT pages_done FROM crawls WHERE id = $1").bind(crawl).fetch_one(&app.pool).await.unwrap();
    assert_eq!(done, 7);
}

#[tokio::test]
async fn a_client_users_stream_carries_their_companys_messages_and_nothing_else() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let mine = id_of(&create_client(&admin, "Streamed Portal Co", &[], "").await);
    let other = id_of(&create_client(&admin, "Other Streamed Co", &[], "").await);
    let person = app.client_user(&admin, &mine).await;
    let mut stream = Stream::connect(&app, &person.client, &[]).await;
    // The agency's work on their own company, and messages of another company: none of it reaches them.
    create_campaign(&admin, &mine, "Streamed campaign").await;
    let r = try_update_client(&admin, &mine, "Streamed Portal Co", &[("notes", "internal")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.post("/api/messages/answer", &[("client_id", &other), ("body", "Not for you."), ("draft", "")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The agency's answer in their own conversation does.
    let r = admin.post("/api/messages/answer", &[("client_id", &mine), ("body", "For you."), ("draft", "")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let events = stream.drain(Duration::from_millis(1500)).await;
    let actions: Vec<&str> = events.iter().filter_map(|e| e.data["action"].as_str()).collect();
    assert_eq!(actions, vec!["message.sent"], "{events:?}");
    assert_eq!(events[0].data["client_id"], mine.as_str());
}

/// A request written to a new connection by hand: the answer's head (up to the blank line), the body bytes
/// read with it, and the socket.
async fn raw(app: &TestApp, pieces: &[&[u8]]) -> (String, Vec<u8>, tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let mut tcp = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect");
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tcp.write_all(piece).await.expect("write the request");
    }
    let (head, body) = raw_head(&mut tcp, Vec::new()).await;
    (head, body, tcp)
}

/// Reads an answer's head from `tcp` (after what `read` already holds).
async fn raw_head(tcp: &mut tokio::net::TcpStream, mut read: Vec<u8>) -> (String, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    loop {
        if let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            let body = read.split_off(end + 4);
            return (String::from_utf8_lossy(&read).to_ascii_lowercase(), body);
        }
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read_buf(&mut read))
            .await
            .expect("an answer within 10 s")
            .expect("read the answer");
        assert!(n > 0, "the server closed the connection before answering: {:?}", String::from_utf8_lossy(&read));
    }
}

/// Reads from `tcp` into `body` until it holds `needle` (10 s at the most); false when the connection ends.
async fn raw_until(tcp: &mut tokio::net::TcpStream, body: &mut Vec<u8>, needle: &str) -> bool {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(body).contains(needle) {
        match tokio::time::timeout_at(deadline, tcp.read_buf(body)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return false,
        }
    }
    true
}

/// The header names of an answer's head, without the ones that differ by transport.
fn header_names(head: &str) -> Vec<String> {
    let mut names: Vec<String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_string()))
        .filter(|n| !["connection", "transfer-encoding", "date", "content-length"].contains(&n.as_str()))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_stream_leaves_hyper_with_its_connection_and_passes_every_layer() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, staff_id, _) = app.user(&admin, "staff").await;
    let cookie = staff.session_cookie().expect("a session");
    let request = format!(
        "GET /events HTTP/1.1\r\nHost: console.test\r\nCookie: aiseo_session={cookie}\r\nAccept-Encoding: gzip, br\r\n\r\n"
    );
    // The stream as a connection's first request (a proxy that opens one per request).
    let (head, mut body, mut tcp) = raw(&app, &[request.as_bytes()]).await;
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for expected in [
        "content-type: text/event-stream",
        "cache-control: no-cache",
        "x-accel-buffering: no",
        "x-content-type-options: nosniff",
        "x-frame-options: deny",
        "x-request-id: ",
        "date: ",
        "connection: close",
    ] {
        assert!(head.contains(expected), "{expected} missing: {head}");
    }
    assert!(!head.contains("transfer-encoding") && !head.contains("content-encoding"), "{head}");
    // The stream as the second request of a kept-alive connection (a browser that loaded the page on it):
    // hyper answers the first, then the stream leaves hyper the same way.
    let (ready, mut kept_body, mut kept_tcp) = raw(&app, &[b"GET /ready HTTP/1.1\r\nHost: console.test\r\n\r\n"]).await;
    assert!(ready.starts_with("http/1.1 200 ok\r\n") && !ready.contains("connection: close"), "{ready}");
    // /ready's body is chunked (the compression layer does not know its length): it ends with the last chunk.
    assert!(ready.contains("transfer-encoding: chunked"), "{ready}");
    let end = loop {
        if let Some(at) = kept_body.windows(5).position(|w| w == b"0\r\n\r\n") {
            break at + 5;
        }
        use tokio::io::AsyncReadExt;
        assert!(kept_tcp.read_buf(&mut kept_body).await.expect("read /ready's body") > 0);
    };
    let rest = kept_body.split_off(end);
    {
        use tokio::io::AsyncWriteExt;
        kept_tcp.write_all(request.as_bytes()).await.expect("the stream's request");
    }
    let (kept_head, mut kept_body) = raw_head(&mut kept_tcp, rest).await;
    assert!(kept_head.starts_with("http/1.1 200 ok\r\n") && kept_head.contains("connection: close"), "{kept_head}");
    assert!(!kept_head.contains("transfer-encoding"), "{kept_head}");
    assert_eq!(header_names(&head), header_names(&kept_head));
    // Events arrive as they are committed, as plain SSE bytes (the body runs to the close).
    create_client(&admin, "Straight Off The Socket Ltd", &[], "").await;
    assert!(raw_until(&mut tcp, &mut body, "Straight Off The Socket Ltd").await, "the event arrived");
    assert!(raw_until(&mut kept_tcp, &mut kept_body, "Straight Off The Socket Ltd").await, "on both");
    let text = String::from_utf8_lossy(&body).to_string();
    assert!(text.lines().any(|l| l.starts_with("id:")), "every event has its id: {text}");
    // The same headers as a stream hyper keeps (HTTP/2, whose streams share their connection).
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().expect("client");
    let kept = Stream::open_with(&h2, &app, &staff, &[]).await;
    assert_eq!((kept.status(), kept.version()), (reqwest::StatusCode::OK, reqwest::Version::HTTP_2));
    let hyper_head: String = std::iter::once("http/1.1 200 ok".to_string())
        .chain(kept.headers().iter().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or(""))))
        .collect::<Vec<_>>()
        .join("\r\n");
    assert_eq!(header_names(&head), header_names(&hyper_head));
    let mut kept = Stream::ready(kept);
    // Deactivating the user ends every stream: the ones off hyper close their connections.
    assert_eq!(admin.post("/api/users/deactivate", &[("id", &staff_id)]).await.status, 200);
    for (tcp, body) in [(&mut tcp, &mut body), (&mut kept_tcp, &mut kept_body)] {
        assert!(raw_until(tcp, body, "event: end").await, "the end event");
        assert!(!raw_until(tcp, body, "anything more").await, "then the connection closes");
    }
    loop {
        let e = kept.next(Duration::from_secs(10)).await.expect("the end event over HTTP/2 too");
        if e.kind == "end" {
            break;
        }
    }
}

#[tokio::test]
async fn requests_that_are_not_a_plain_stream_stay_with_hyper() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let cookie = admin.session_cookie().expect("a session");
    // Anonymous: 401 with its JSON, then the connection closes.
    let (head, mut body, mut tcp) = raw(&app, &[b"GET /events HTTP/1.1\r\nHost: a\r\n\r\n"]).await;
    assert!(head.starts_with("http/1.1 401 unauthorized\r\n") && head.contains("connection: close"), "{head}");
    assert!(!raw_until(&mut tcp, &mut body, "never").await);
    assert_eq!(String::from_utf8_lossy(&body), r#"{"error":"unauthenticated"}"#);
    // A request that arrives in pieces and is not a stream: hyper gets every byte (the bytes read to tell
    // HTTP/2 from HTTP/1 are given back).
    let (head, _, _) = raw(&app, &[b"GET /rea", b"dy HTTP/1.1\r\nHost: a\r\n\r\n"]).await;
    assert!(head.starts_with("http/1.1 200 ok\r\n") && !head.contains("connection: close"), "{head}");
    let (head, _, _) = raw(&app, &[b"GET /even", b"ts-and-more HTTP/1.1\r\nHost: a\r\n\r\n"]).await;
    assert!(
        head.starts_with("http/1.1 303 see other") && head.contains("location: /login?next=%2fevents-and-more"),
        "{head}"
    );
    // A stream's request with a body: hyper's. A request sent after a stream's is not answered: the stream
    // ends the connection.
    let with_body =
        format!("GET /events HTTP/1.1\r\nHost: a\r\nCookie: aiseo_session={cookie}\r\nContent-Length: 3\r\n\r\nabc");
    let (head, _, _) = raw(&app, &[with_body.as_bytes()]).await;
    assert!(head.starts_with("http/1.1 200 ok\r\n") && head.contains("transfer-encoding: chunked"), "{head}");
    let pipelined = b"GET /events HTTP/1.1\r\nHost: a\r\n\r\nGET /ready HTTP/1.1\r\nHost: a\r\n\r\n";
    let (head, mut body, mut tcp) = raw(&app, &[pipelined]).await;
    assert!(head.starts_with("http/1.1 401 unauthorized\r\n") && head.contains("connection: close"), "{head}");
    assert!(!raw_until(&mut tcp, &mut body, "HTTP/1.1").await, "{:?}", String::from_utf8_lossy(&body));
    // A malformed head: hyper's 400.
    let (head, _, _) = raw(&app, &[b"GET /events HTTP/1.1\r\nBad Header: x\r\n\r\n"]).await;
    assert!(head.starts_with("http/1.1 400"), "{head}");
    // HTTP/2 with prior knowledge (a proxy's): hyper, streams included.
    let h2 = reqwest::Client::builder().http2_prior_knowledge().build().expect("client");
    let res = Stream::open_with(&h2, &app, &admin, &[]).await;
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    let mut stream = Stream::ready(res);
    create_client(&admin, "Over HTTP/2 Ltd", &[], "").await;
    assert!(stream.until("client.created").await.data["detail"].to_string().contains("Over HTTP/2"));
}
