//! The server's connections: the accept loop and who serves each connection.
//!
//! Every connection is served by hyper (HTTP/1.1, and HTTP/2 with prior knowledge, as a proxy speaks it)
//! through the app's router, as `axum::serve` does, except one whose first request is a plain
//! `GET /events`. That request still passes through the whole router (sessions, authentication, security
//! headers, metrics, the request id and tracing); only its answer, the live stream, is written to the
//! socket here instead of through hyper.
//!
//! Why: hyper gives every HTTP/1.1 connection a read buffer (8 KB, reserved again for the read it keeps
//! posted on the connection: 16 KB in all) and an 8 KB write buffer, with no setting below 8 KB. A live
//! stream held on its own connection cost about 26 KB, two thirds of it those buffers. Here a stream costs
//! its own state (broadcast receiver, keep-alive timer, viewer, the request's span) and the socket; the
//! live benchmark (`cargo bench -p server --bench live`) measures both paths.
//!
//! The compact path takes only a request it reads whole and plainly ([`first_request`]): `GET /events`
//! (any query) in origin form, a head of at most [`MAX_HEAD`] bytes that `httparse` accepts, no body (no
//! `Transfer-Encoding`, no `Content-Length` above 0) and nothing sent after the head. Anything else goes to
//! hyper with the bytes read so far given back first ([`Rewind`]), so hyper answers it exactly as it
//! would have. The compact answer ends the connection (`Connection: close`, the body delimited by the
//! close), so there is never a second request to read. A stream asked for on a connection hyper already
//! holds (a browser reusing a kept-alive connection) stays with hyper.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http::header::{CONNECTION, CONTENT_LENGTH, DATE, TRANSFER_ENCODING};
use http::{HeaderName, HeaderValue, Method, Request, Version};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// The longest request head the compact path reads; a longer one goes to hyper.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long the compact path waits for the rest of a request head it has begun to read.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one write of the compact path may wait for a client that reads nothing.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// What a stream's request starts with.
const EVENTS: &[u8] = b"GET /events";

/// Serves `app` on `listener` until `stop` turns true, then waits for hyper's connections to finish
/// their requests (open live streams end with the hub, which the caller closes on the same signal).
pub async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        // No Nagle: pages stream in several writes, and waiting for the client's delayed ACK between them
        // added up to 40 ms to a page.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY could not be set");
        }
        let (app, watcher) = (app.clone(), graceful.watcher());
        tokio::spawn(async move {
            match first_request(tcp).await {
                First::Events(tcp, request) => events(tcp, peer, *request, app).await,
                // Boxed: hyper's connection is large, and the task's memory is sized by its largest state,
                // which a stream's would otherwise be charged for.
                First::Other(io) => Box::pin(with_hyper(io, peer, app, watcher)).await,
                First::Gone => {}
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Serves a connection with hyper, as `axum::serve` does.
async fn with_hyper(io: Rewind, peer: SocketAddr, app: Router, watcher: hyper_util::server::graceful::Watcher) {
    let service = app.map_request(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let builder = Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service));
    if let Err(e) = watcher.watch(connection.into_owned()).await {
        tracing::trace!(error = %e, "connection ended with an error");
    }
}

/// Resolves when `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// As `axum::serve`: errors of one connection are skipped; others (out of file descriptors) are logged and
/// accepting pauses for a second.
async fn accept_error(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Who serves a new connection.
enum First {
    /// The compact path, with the request read.
    Events(TcpStream, Box<Request<Body>>),
    /// hyper, with what was read so far given back first.
    Other(Rewind),
    /// The client left (or stalled in a stream's request head).
    Gone,
}

/// Where the bytes read so far leave a connection.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// Not the compact path's.
    Other,
    /// Too early to tell.
    More,
    /// A complete head of `GET /events`, to be parsed.
    Complete,
}

/// Classifies the start of a connection: `GET /events`, then a space or `?`, and the head's end within
/// [`MAX_HEAD`] bytes.
fn classify(read: &[u8]) -> Head {
    let n = read.len().min(EVENTS.len());
    if read[..n] != EVENTS[..n] {
        return Head::Other;
    }
    match read.get(EVENTS.len()) {
        None => return Head::More,
        Some(b' ' | b'?') => {}
        Some(_) => return Head::Other,
    }
    if read.windows(4).any(|w| w == b"\r\n\r\n") {
        Head::Complete
    } else if read.len() >= MAX_HEAD {
        Head::Other
    } else {
        Head::More
    }
}

/// Reads the start of a connection until it knows who serves it.
async fn first_request(mut tcp: TcpStream) -> First {
    let mut read = Vec::new();
    loop {
        // Before the first byte there is no bound, as with hyper (a browser may open a connection before it
        // needs one); a stream's head, once begun, has [`HEAD_TIMEOUT`].
        let more = if read.is_empty() {
            read.reserve(1024);
            tcp.read_buf(&mut read).await
        } else {
            read.reserve(1024.min(MAX_HEAD.saturating_sub(read.len())).max(1));
            match tokio::time::timeout(HEAD_TIMEOUT, tcp.read_buf(&mut read)).await {
                Ok(more) => more,
                Err(_) => return First::Gone,
            }
        };
        match more {
            Ok(0) | Err(_) => return First::Gone,
            Ok(_) => {}
        }
        match classify(&read) {
            Head::More => continue,
            Head::Other => return First::Other(Rewind::new(read, tcp)),
            Head::Complete => {
                return match parse(&read) {
                    Some(request) => First::Events(tcp, Box::new(request)),
                    None => First::Other(Rewind::new(read, tcp)),
                };
            }
        }
    }
}

/// The request in `head` when the compact path takes it: the whole of `head`, `GET /events`, HTTP/1.x,
/// valid header names and values, no body.
fn parse(head: &[u8]) -> Option<Request<Body>> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(len)) if len == head.len() => {}
        _ => return None,
    }
    if parsed.method != Some("GET") {
        return None;
    }
    let version = match parsed.version? {
        1 => Version::HTTP_11,
        0 => Version::HTTP_10,
        _ => return None,
    };
    let uri: http::Uri = parsed.path?.parse().ok()?;
    if uri.path() != "/events" || uri.scheme().is_some() {
        return None;
    }
    let mut request = Request::builder().method(Method::GET).uri(uri).version(version).body(Body::empty()).ok()?;
    for h in parsed.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        if name == TRANSFER_ENCODING || (name == CONTENT_LENGTH && h.value.trim_ascii() != b"0") {
            return None;
        }
        request.headers_mut().append(name, HeaderValue::from_bytes(h.value).ok()?);
    }
    Some(request)
}

/// Answers a stream's request through the router and writes the answer to the socket until the body or the
/// client ends.
async fn events(mut tcp: TcpStream, peer: SocketAddr, mut request: Request<Body>, app: Router) {
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = match app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    if parts.status == http::StatusCode::OK {
        metrics::counter!("live_streams_compact_total").increment(1);
    }
    let head = response_head(&parts);
    drop(parts);
    let (mut reader, mut writer) = tcp.split();
    if write(&mut writer, &head).await.is_err() {
        return;
    }
    drop(head);
    let mut body = body;
    // The client sends nothing more; a read returns when it closes the connection.
    let mut scratch = [0u8; 64];
    loop {
        tokio::select! {
            frame = body.frame() => match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if write(&mut writer, &data).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Err(_)) | None => break,
            },
            read = reader.read(&mut scratch) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
        }
    }
    let _ = tokio::time::timeout(WRITE_TIMEOUT, writer.shutdown()).await;
}

/// The status line and headers of `parts`, as HTTP/1.1 with `Connection: close`: the body runs to the
/// close (a `Content-Length` the router set stays).
fn response_head(parts: &http::response::Parts) -> Vec<u8> {
    let mut head = Vec::with_capacity(512);
    let status = parts.status;
    head.extend_from_slice(b"HTTP/1.1 ");
    head.extend_from_slice(status.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        if name == CONNECTION || name == TRANSFER_ENCODING {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if !parts.headers.contains_key(DATE) {
        head.extend_from_slice(b"date: ");
        head.extend_from_slice(httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    head
}

async fn write(writer: &mut (impl AsyncWrite + Unpin), bytes: &[u8]) -> io::Result<()> {
    match tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(bytes)).await {
        Ok(written) => written,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

/// A socket whose first reads return the bytes already taken from it.
struct Rewind {
    read: Vec<u8>,
    at: usize,
    tcp: TcpStream,
}

impl Rewind {
    fn new(read: Vec<u8>, tcp: TcpStream) -> Rewind {
        Rewind { read, at: 0, tcp }
    }
}

impl AsyncRead for Rewind {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.at < this.read.len() {
            let n = buf.remaining().min(this.read.len() - this.at);
            buf.put_slice(&this.read[this.at..this.at + n]);
            this.at += n;
            if this.at == this.read.len() {
                this.read = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Response;

    #[test]
    fn only_a_get_of_events_in_origin_form_takes_the_compact_path() {
        assert_eq!(classify(b"GET /eve"), Head::More);
        assert_eq!(classify(b"GET /events"), Head::More);
        assert_eq!(classify(b"GET /events HTTP/1.1\r\nHost: a\r\n"), Head::More);
        assert_eq!(classify(b"GET /events HTTP/1.1\r\nHost: a\r\n\r\n"), Head::Complete);
        assert_eq!(classify(b"GET /events?after=4 HTTP/1.1\r\n\r\n"), Head::Complete);
        assert_eq!(classify(b"GET /eventsx HTTP/1.1\r\n\r\n"), Head::Other);
        assert_eq!(classify(b"GET /events/x HTTP/1.1\r\n\r\n"), Head::Other);
        assert_eq!(classify(b"GET / HTTP/1.1\r\n\r\n"), Head::Other);
        assert_eq!(classify(b"POST /events HTTP/1.1\r\n\r\n"), Head::Other);
        assert_eq!(classify(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Head::Other);
        assert_eq!(classify(b"G"), Head::More);
        let mut long = b"GET /events HTTP/1.1\r\nx: ".to_vec();
        long.resize(MAX_HEAD, b'a');
        assert_eq!(classify(&long), Head::Other);
    }

    #[test]
    fn a_head_with_a_body_or_more_after_it_goes_to_hyper() {
        let ok = parse(b"GET /events?after=7 HTTP/1.1\r\nHost: a\r\nCookie: s=1\r\nLast-Event-ID: 3\r\n\r\n")
            .expect("a plain stream request");
        assert_eq!(ok.uri().query(), Some("after=7"));
        assert_eq!(ok.headers()["cookie"], "s=1");
        assert_eq!(ok.version(), Version::HTTP_11);
        assert!(parse(b"GET /events HTTP/1.1\r\nContent-Length: 0\r\n\r\n").is_some());
        assert!(parse(b"GET /events HTTP/1.0\r\n\r\n").is_some_and(|r| r.version() == Version::HTTP_10));
        assert!(parse(b"GET /events HTTP/1.1\r\nContent-Length: 5\r\n\r\n").is_none());
        assert!(parse(b"GET /events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").is_none());
        assert!(parse(b"GET /events HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n").is_none());
        assert!(parse(b"GET /events HTTP/1.1\r\nBad Header: x\r\n\r\n").is_none());
        assert!(parse(b"GET /events HTTP/1.1\r\nX: \x01\r\n\r\n").is_none());
        assert!(parse(b"GET /events HTTP/2.0\r\n\r\n").is_none());
    }

    #[test]
    fn the_answer_head_closes_the_connection_and_drops_hop_headers() {
        let response = Response::builder()
            .status(401)
            .header("content-type", "application/json")
            .header("connection", "keep-alive")
            .header("transfer-encoding", "chunked")
            .body(())
            .expect("response");
        let (parts, ()) = response.into_parts();
        let head = String::from_utf8(response_head(&parts)).expect("ascii");
        assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{head}");
        assert!(head.contains("content-type: application/json\r\n"));
        assert!(head.contains("\r\ndate: "));
        assert!(head.ends_with("connection: close\r\n\r\n"));
        assert!(!head.contains("keep-alive") && !head.contains("chunked"));
    }
}
