//! A local stand-in for an OpenAI-compatible chat-completions server, for tests.
//!
//! It speaks just enough HTTP/1.1 (one request per connection, `Content-Length` bodies, `Connection: close`)
//! over a tokio listener on 127.0.0.1, and depends on nothing but tokio and serde_json, so any test binary can
//! include it:
//!
//! ```ignore
//! #[path = "../../tests/support/llm_standin.rs"]
//! mod llm_standin;
//! ```
//!
//! Each request to `POST /v1/chat/completions` takes the next planned [`Behaviour`], or [`Behaviour::Echo`]
//! when the plan is empty. When a key is configured, a request without `Authorization: Bearer <key>` gets a
//! 401 and takes nothing from the plan. Every request that reaches the stand-in is recorded.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// What the stand-in does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// The default: replies [`echo_text`] of the last user message, with word-count usage.
    Echo,
    /// Replies this text. Usage: `prompt_tokens` = words in all request messages, `completion_tokens` = words
    /// in the text.
    Reply(String),
    /// Replies this text with exactly this usage.
    ReplyWithUsage { text: String, prompt_tokens: u32, completion_tokens: u32 },
    /// Answers this status with an OpenAI-style error body, and `Retry-After: <seconds>` when given.
    Status { code: u16, retry_after: Option<u64> },
    /// Answers this status and this body verbatim as `application/json` (malformed answers).
    Raw { status: u16, body: String },
    /// Reads the request, answers nothing for this long, then closes the connection.
    Stall(Duration),
    /// Reads the request and closes the connection without answering.
    Disconnect,
    /// Holds the request until [`StandIn::release`] lets it go, then answers as [`Behaviour::Echo`].
    Gate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub role: String,
    pub content: String,
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Request target, e.g. `/v1/chat/completions`.
    pub path: String,
    /// The `Authorization` header verbatim.
    pub authorization: Option<String>,
    /// The body's `model`; empty when missing.
    pub model: String,
    pub messages: Vec<ReceivedMessage>,
    /// The whole JSON body; `Value::Null` when it was not JSON.
    pub body: Value,
}

impl Received {
    pub fn last_user_message(&self) -> Option<&str> {
        self.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.as_str())
    }
}

/// The default reply: `"LLM: "` followed by the first 60 characters of the last user message, trimmed as a
/// client trims replies.
pub fn echo_text(user: &str) -> String {
    format!("LLM: {}", user.chars().take(60).collect::<String>()).trim().to_string()
}

struct Shared {
    api_key: Option<String>,
    plan: Mutex<VecDeque<Behaviour>>,
    received: Mutex<Vec<Received>>,
    /// Requests held by a [`Behaviour::Gate`] right now.
    held: AtomicUsize,
    gate: Semaphore,
    /// Woken whenever a request is recorded or held.
    changed: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running stand-in; dropping it stops the listener and every open connection.
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl StandIn {
    /// A stand-in that accepts any (or no) key.
    pub async fn start() -> StandIn {
        StandIn::spawn(None).await
    }

    /// A stand-in that answers 401 unless the request carries `Authorization: Bearer <key>`.
    pub async fn with_key(key: &str) -> StandIn {
        StandIn::spawn(Some(key.to_string())).await
    }

    async fn spawn(api_key: Option<String>) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the LLM stand-in on 127.0.0.1");
        let addr = listener.local_addr().expect("the stand-in's address");
        let shared = Arc::new(Shared {
            api_key,
            plan: Mutex::new(VecDeque::new()),
            received: Mutex::new(Vec::new()),
            held: AtomicUsize::new(0),
            gate: Semaphore::new(0),
            changed: Notify::new(),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        StandIn { addr, shared, accept }
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL to configure the client with.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Appends behaviours for the coming requests, in order.
    pub fn plan(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        lock(&self.shared.plan).extend(behaviours);
    }

    /// Planned behaviours not used yet.
    pub fn pending(&self) -> usize {
        lock(&self.shared.plan).len()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.received).len()
    }

    pub fn requests(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    pub fn last_request(&self) -> Option<Received> {
        lock(&self.shared.received).last().cloned()
    }

    /// Requests held by a gate right now.
    pub fn held(&self) -> usize {
        self.shared.held.load(Ordering::SeqCst)
    }

    /// Lets `n` gated requests answer; a release before a request arrives lets that future request through.
    pub fn release(&self, n: usize) {
        self.shared.gate.add_permits(n);
    }

    /// Waits until at least `n` requests are held by a gate. Wrap it in a timeout.
    pub async fn wait_held(&self, n: usize) {
        self.wait_until(|| self.held() >= n).await;
    }

    /// Waits until at least `n` requests have been received. Wrap it in a timeout.
    pub async fn wait_requests(&self, n: usize) {
        self.wait_until(|| self.request_count() >= n).await;
    }

    async fn wait_until(&self, done: impl Fn() -> bool) {
        loop {
            // Created before the check, so a change between the check and the await still wakes it.
            let changed = self.shared.changed.notified();
            if done() {
                return;
            }
            changed.await;
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Owning the connections here means aborting this task (dropping the set) closes all of them.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, shared.clone()));
                }
            }
            Some(_) = connections.join_next() => {}
        }
    }
}

struct Request {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let request = match read_request(&stream).await {
        Ok(Ok(request)) => request,
        Ok(Err((status, message))) => {
            let _ = respond(&stream, status, &error_body(message, "invalid_request_error"), None).await;
            return;
        }
        Err(_) => return,
    };
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let received = Received {
        method: request.method.clone(),
        path: request.path.clone(),
        authorization: request.authorization.clone(),
        model: body.get("model").and_then(Value::as_str).unwrap_or_default().to_string(),
        messages: messages_of(&body),
        body: body.clone(),
    };
    lock(&shared.received).push(received.clone());
    shared.changed.notify_waiters();

    if request.method != "POST" || request.path != "/v1/chat/completions" {
        let _ = respond(&stream, 404, &error_body("no such endpoint", "invalid_request_error"), None).await;
        return;
    }
    if let Some(key) = &shared.api_key {
        if request.authorization.as_deref() != Some(format!("Bearer {key}").as_str()) {
            let _ = respond(&stream, 401, &error_body("Incorrect API key provided", "invalid_api_key"), None).await;
            return;
        }
    }
    if body.is_null() || received.messages.is_empty() {
        let _ =
            respond(&stream, 400, &error_body("the body needs a model and messages", "invalid_request_error"), None)
                .await;
        return;
    }

    let behaviour = lock(&shared.plan).pop_front().unwrap_or(Behaviour::Echo);
    let _ = act(&stream, &shared, &received, behaviour).await;
}

async fn act(stream: &TcpStream, shared: &Shared, received: &Received, behaviour: Behaviour) -> io::Result<()> {
    let prompt_words = received.messages.iter().map(|m| words(&m.content)).sum::<u32>();
    match behaviour {
        Behaviour::Echo => {
            let text = echo_text(received.last_user_message().unwrap_or_default());
            let completion = words(&text);
            respond(stream, 200, &completion_body(received, &text, prompt_words, completion), None).await
        }
        Behaviour::Reply(text) => {
            let completion = words(&text);
            respond(stream, 200, &completion_body(received, &text, prompt_words, completion), None).await
        }
        Behaviour::ReplyWithUsage { text, prompt_tokens, completion_tokens } => {
            respond(stream, 200, &completion_body(received, &text, prompt_tokens, completion_tokens), None).await
        }
        Behaviour::Status { code, retry_after } => {
            let message = format!("stand-in answers {code}");
            let kind = if code == 429 { "rate_limit_error" } else { "server_error" };
            respond(stream, code, &error_body(&message, kind), retry_after).await
        }
        Behaviour::Raw { status, body } => respond(stream, status, &body, None).await,
        Behaviour::Stall(duration) => {
            tokio::time::sleep(duration).await;
            Ok(())
        }
        Behaviour::Disconnect => Ok(()),
        Behaviour::Gate => {
            shared.held.fetch_add(1, Ordering::SeqCst);
            shared.changed.notify_waiters();
            let permit = shared.gate.acquire().await;
            shared.held.fetch_sub(1, Ordering::SeqCst);
            shared.changed.notify_waiters();
            if let Ok(permit) = permit {
                permit.forget();
            }
            let text = echo_text(received.last_user_message().unwrap_or_default());
            let completion = words(&text);
            respond(stream, 200, &completion_body(received, &text, prompt_words, completion), None).await
        }
    }
}

fn messages_of(body: &Value) -> Vec<ReceivedMessage> {
    let Some(messages) = body.get("messages").and_then(Value::as_array) else { return Vec::new() };
    messages
        .iter()
        .map(|m| ReceivedMessage {
            role: m.get("role").and_then(Value::as_str).unwrap_or_default().to_string(),
            content: m.get("content").and_then(Value::as_str).unwrap_or_default().to_string(),
        })
        .collect()
}

fn words(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

fn completion_body(received: &Received, text: &str, prompt_tokens: u32, completion_tokens: u32) -> String {
    let id = format!("chatcmpl-standin-{}", completion_id());
    json!({
        "id": id,
        "object": "chat.completion",
        "created": 0,
        "model": received.model,
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": text },
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": u64::from(prompt_tokens) + u64::from(completion_tokens)
        }
    })
    .to_string()
}

fn completion_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn error_body(message: &str, kind: &str) -> String {
    json!({ "error": { "message": message, "type": kind, "code": null } }).to_string()
}

/// Reads one request; `Ok(Err(..))` is a request to refuse with that status.
async fn read_request(stream: &TcpStream) -> io::Result<Result<Request, (u16, &'static str)>> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Ok(Err((431, "request head too large")));
        }
        if read_some(stream, &mut buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split_whitespace();
    let method = request_line.next().unwrap_or_default().to_string();
    let path = request_line.next().unwrap_or_default().to_string();
    let mut authorization = None;
    let mut content_length = 0usize;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "authorization" => authorization = Some(value.to_string()),
            "content-length" => match value.parse() {
                Ok(n) => content_length = n,
                Err(_) => return Ok(Err((400, "bad Content-Length"))),
            },
            "transfer-encoding" => return Ok(Err((411, "send a Content-Length body"))),
            _ => {}
        }
    }
    if content_length > MAX_BODY_BYTES {
        return Ok(Err((413, "body too large")));
    }
    let body_start = head_end + 4;
    while buf.len() < body_start + content_length {
        if read_some(stream, &mut buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    let body = buf[body_start..body_start + content_length].to_vec();
    Ok(Ok(Request { method, path, authorization, body }))
}

// readable/try_read and writable/try_write need only tokio's `net` feature, not `io-util`.
async fn read_some(stream: &TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn respond(stream: &TcpStream, status: u16, body: &str, retry_after: Option<u64>) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    if let Some(seconds) = retry_after {
        head.push_str(&format!("Retry-After: {seconds}\r\n"));
    }
    head.push_str("\r\n");
    write_all(stream, head.as_bytes()).await?;
    write_all(stream, body.as_bytes()).await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
