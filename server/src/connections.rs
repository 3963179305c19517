//! The server's connections: the accept loop and who serves each connection.
//!
//! hyper serves every connection (HTTP/1.1, and HTTP/2 with prior knowledge, as a proxy speaks it) through
//! the app's router, as `axum::serve` does, until an HTTP/1 connection asks for the live stream: a plain
//! `GET /events` (any query, no body). That request is taken off hyper ([`Takeover`]) once hyper has sent
//! everything it owed the connection; it still passes through the whole router (sessions, authentication,
//! security headers, metrics, the request id and tracing), and its answer, the stream, is written to the
//! socket here ([`events`]), with `Connection: close` and the body delimited by the close. So the stream is
//! the connection's last request, whether it was its first (a proxy that opens a connection per request)
//! or a browser's kept-alive connection that had served the page.
//!
//! Why: hyper gives every HTTP/1.1 connection a read buffer (8 KB, reserved again for the read it keeps
//! posted on the connection: 16 KB in all) and an 8 KB write buffer, with no setting below 8 KB. A live
//! stream held by hyper cost about 26 KB, two thirds of it those buffers. Here a stream costs its own
//! state (broadcast receiver, keep-alive timer, viewer, the request's span) and the socket; the live
//! benchmark (`cargo bench -p server --bench live`) measures it. Streams over HTTP/2 share their
//! connection's buffers and stay with hyper.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::Router;
use futures_util::future::Either;
use http::header::{CONNECTION, DATE, TRANSFER_ENCODING};
use http::{HeaderValue, Method, Request, Uri};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tower::util::Oneshot;
use tower::ServiceExt;

/// How long a connection may take to send a request head, counted from its opening or from the end of its
/// previous answer (so it is also how long an idle kept-alive connection stays open): hyper's
/// `header_read_timeout`, and the bound on the first bytes read here to tell HTTP/2 from HTTP/1.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one write of a stream may wait for a client that reads nothing.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// What a connection speaking HTTP/2 with prior knowledge begins with.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves `app` on `listener` until `stop` turns true, then waits for the connections to finish their
/// requests (open live streams end with the hub, which the caller closes on the same signal).
pub async fn serve(listener: TcpListener, app: Router, stop: watch::Receiver<bool>) {
    // Every connection's task holds a sender; when the last is gone, every connection has ended.
    let (open, mut all_closed) = mpsc::channel::<()>(1);
    let mut accepting = stop.clone();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = stopped(&mut accepting) => break,
        };
        // No Nagle: pages stream in several writes, and waiting for the client's delayed ACK between them
        // added up to 40 ms to a page.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY could not be set");
        }
        let (app, stop, open) = (app.clone(), stop.clone(), open.clone());
        tokio::spawn(async move {
            // Boxed: hyper's connection is large, and the task's memory is sized by its largest state,
            // which a stream's would otherwise be charged for.
            // (Bound first: a temporary in the `if let` would keep the box for as long as the stream.)
            let taken = Box::pin(with_hyper(tcp, peer, app.clone(), stop)).await;
            if let Some((tcp, request)) = taken {
                events(tcp, peer, request, app).await;
            }
            drop(open);
        });
    }
    drop(listener);
    drop(open);
    let _ = all_closed.recv().await;
}

/// Serves a connection with hyper until it ends, or until it asks for a stream: then the socket and the
/// stream's request.
async fn with_hyper(
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> Option<(TcpStream, Request<Body>)> {
    let takeover = Arc::new(Takeover::default());
    let (io, http2) = tokio::select! {
        first = tokio::time::timeout(HEAD_TIMEOUT, sniff(tcp, takeover.clone())) => first.ok()??,
        () = stopped(&mut stop) => return None,
    };
    let service = Service { app, peer, takeover: (!http2).then(|| takeover.clone()) };
    if http2 {
        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
        tokio::pin!(connection);
        let ended = tokio::select! {
            ended = connection.as_mut() => ended,
            () = stopped(&mut stop) => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = ended {
            tracing::trace!(error = %e, "connection ended with an error");
        }
        return None;
    }
    let mut connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .serve_connection(TokioIo::new(io), service);
    let mut stopping = std::pin::pin!(stopped(&mut stop));
    let mut shutting_down = false;
    let taken = std::future::poll_fn(|cx| {
        if !shutting_down && stopping.as_mut().poll(cx).is_ready() {
            shutting_down = true;
            Pin::new(&mut connection).graceful_shutdown();
        }
        if let Poll::Ready(ended) = Pin::new(&mut connection).poll(cx) {
            if let Err(e) = ended {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            return Poll::Ready(false);
        }
        // hyper waits for the stream's answer; once it has written everything before it, the connection
        // is the stream's.
        if takeover.ready() {
            Poll::Ready(true)
        } else {
            Poll::Pending
        }
    })
    .await;
    if !taken {
        return None;
    }
    let parts = connection.into_parts();
    let request = takeover.request.lock().ok()?.take()?;
    if !parts.read_buf.is_empty() {
        // Bytes after a stream's request (pipelined requests) are not answered: the stream ends the
        // connection, which tells the client so.
        tracing::debug!(bytes = parts.read_buf.len(), "bytes after a stream's request are dropped");
    }
    Some((parts.io.into_inner().tcp, request))
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

/// Reads the start of a connection until it tells HTTP/2 with prior knowledge (true) from HTTP/1; `None`
/// when the client leaves first. hyper reads the bytes again through [`Rewind`].
async fn sniff(mut tcp: TcpStream, takeover: Arc<Takeover>) -> Option<(Rewind, bool)> {
    let mut read = Vec::with_capacity(H2_PREFACE.len());
    loop {
        match tcp.read_buf(&mut read).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let n = read.len().min(H2_PREFACE.len());
        if read[..n] != H2_PREFACE[..n] {
            return Some((Rewind::new(read, tcp, takeover), false));
        }
        if n == H2_PREFACE.len() {
            return Some((Rewind::new(read, tcp, takeover), true));
        }
    }
}

/// A stream's request taken off an HTTP/1 connection, and whether hyper has written everything it was
/// given: the connection can leave hyper when both hold.
#[derive(Default)]
struct Takeover {
    /// The stream's request, set by [`Service`] in place of answering it.
    request: Mutex<Option<Request<Body>>>,
    /// Whether hyper's last write left bytes unwritten (the socket was full); hyper writes again when it
    /// can, so when its connection waits with this false, its buffer is empty.
    unwritten: AtomicBool,
}

impl Takeover {
    fn ready(&self) -> bool {
        !self.unwritten.load(Ordering::Relaxed) && self.request.lock().is_ok_and(|request| request.is_some())
    }
}

/// Whether a request is the live stream's, as taken off hyper: `GET /events`, no body.
fn is_stream(request: &Request<Incoming>) -> bool {
    request.method() == Method::GET && request.uri().path() == "/events" && request.body().is_end_stream()
}

/// The router as hyper calls it, with the peer's address, handing a stream's request on an HTTP/1
/// connection to [`Takeover`] instead.
#[derive(Clone)]
struct Service {
    app: Router,
    peer: SocketAddr,
    takeover: Option<Arc<Takeover>>,
}

impl hyper::service::Service<Request<Incoming>> for Service {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Oneshot<Router, Request<Incoming>>, std::future::Pending<Result<Response, Infallible>>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        if let Some(takeover) = self.takeover.as_ref().filter(|_| is_stream(&request)) {
            if let Ok(mut slot) = takeover.request.lock() {
                *slot = Some(detached(request.into_parts().0));
                // hyper waits on this until the connection is taken from it.
                return Either::Right(std::future::pending());
            }
        }
        Either::Left(self.app.clone().oneshot(request))
    }
}

/// A stream's request head with bytes of its own. hyper's header values and path are slices of its
/// connection's 8 KB read buffer, which would stay allocated for as long as the stream held any of them.
fn detached(parts: http::request::Parts) -> Request<Body> {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = parts.method;
    *request.version_mut() = parts.version;
    *request.uri_mut() = Uri::try_from(parts.uri.to_string()).unwrap_or(parts.uri);
    let headers = request.headers_mut();
    headers.reserve(parts.headers.len());
    for (name, value) in &parts.headers {
        let mut owned = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        owned.set_sensitive(value.is_sensitive());
        headers.append(name.clone(), owned);
    }
    *request.extensions_mut() = parts.extensions;
    request
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

/// A socket whose first reads return the bytes already taken from it, and which tells [`Takeover`] whether
/// hyper's last write left anything unwritten.
struct Rewind {
    read: Vec<u8>,
    at: usize,
    tcp: TcpStream,
    takeover: Arc<Takeover>,
}

impl Rewind {
    fn new(read: Vec<u8>, tcp: TcpStream, takeover: Arc<Takeover>) -> Rewind {
        Rewind { read, at: 0, tcp, takeover }
    }

    fn written(&self, offered: usize, written: &Poll<io::Result<usize>>) {
        let all = matches!(written, Poll::Ready(Ok(n)) if *n >= offered);
        self.takeover.unwritten.store(!all, Ordering::Relaxed);
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
        let written = Pin::new(&mut self.tcp).poll_write(cx, buf);
        self.written(buf.len(), &written);
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs);
        self.written(bufs.iter().map(|b| b.len()).sum(), &written);
        written
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

    #[test]
    fn a_taken_request_keeps_nothing_of_the_buffer_it_was_read_from() {
        // As hyper parses: the path and the header values are slices of the connection's read buffer.
        let buffer = axum::body::Bytes::from(b"/events?since=7 aiseo_session=abc 42".to_vec());
        let request = Request::builder()
            .uri(Uri::from_maybe_shared(buffer.slice(0..15)).expect("uri"))
            .header("cookie", HeaderValue::from_maybe_shared(buffer.slice(16..33)).expect("cookie"))
            .header("last-event-id", HeaderValue::from_maybe_shared(buffer.slice(34..36)).expect("id"))
            .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9))))
            .body(())
            .expect("request");
        let taken = detached(request.into_parts().0);
        assert!(buffer.is_unique(), "the copy shares the read buffer");
        assert_eq!(taken.uri(), "/events?since=7");
        assert_eq!(taken.headers()["cookie"], "aiseo_session=abc");
        assert_eq!(taken.headers()["last-event-id"], "42");
        assert!(taken.extensions().get::<ConnectInfo<SocketAddr>>().is_some());
    }
}
