//! Panics while a request is answered, including inside the tasks a page's render spawns.
//!
//! A Leptos resource runs its loader on a task of its own (`any_spawner`). When that task panics, the page
//! it belongs to waits for it forever: tower-http's catch-panic layer never sees a panic that is not on the
//! request's own task. So the app installs its own spawner: every task spawned while a request is being
//! answered carries that request's [`Watch`] (and hands it on to the tasks it spawns), runs under
//! `catch_unwind`, and trips the watch when it panics. [`contain`] answers the request with the error page
//! as soon as its watch trips, or when the handler itself panics.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use any_spawner::{CustomExecutor, PinnedFuture, PinnedLocalFuture};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::{header, StatusCode};
use tokio::sync::Notify;

tokio::task_local! {
    static WATCH: Arc<Watch>;
}

/// Whether any task of one request panicked.
#[derive(Default)]
pub struct Watch {
    tripped: AtomicBool,
    notify: Notify,
}

impl Watch {
    fn trip(&self) {
        self.tripped.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    fn is_tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }

    async fn tripped(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_tripped() {
                return;
            }
            notified.await;
        }
    }
}

/// Runs `fut` to its end, turning a panic into a tripped watch (the spawning request's, if any) and a log
/// line. Tasks `fut` spawns inherit the same watch.
async fn guarded(watch: Option<Arc<Watch>>, fut: impl Future<Output = ()>) {
    let run = AssertUnwindSafe(fut).catch_unwind();
    let outcome = match watch.clone() {
        Some(w) => WATCH.scope(w, run).await,
        None => run.await,
    };
    if let Err(panic) = outcome {
        tracing::error!(panic = %panic_message(&*panic), "a request's render task panicked");
        if let Some(w) = watch {
            w.trip();
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Tokio, with every task guarded as above.
struct GuardedTokio;

impl CustomExecutor for GuardedTokio {
    fn spawn(&self, fut: PinnedFuture<()>) {
        let watch = WATCH.try_with(Arc::clone).ok();
        tokio::spawn(guarded(watch, fut));
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        let watch = WATCH.try_with(Arc::clone).ok();
        tokio::task::spawn_local(guarded(watch, fut));
    }

    fn poll_local(&self) {}
}

/// Makes [`GuardedTokio`] the spawner of Leptos (before leptos_axum would install plain tokio). Calling it
/// again is harmless.
pub fn install() {
    let _ = any_spawner::Executor::init_custom_executor(GuardedTokio);
}

/// Middleware: answers the request normally, or with the error page (500) when its handler or any task it
/// spawned panics. The error page carries the request id; the outer layers add the security headers.
pub async fn contain(req: Request, next: Next) -> Response {
    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    let page = crate::middleware::is_page_request(req.method(), req.uri().path());
    let watch = Arc::new(Watch::default());
    let run = WATCH.scope(watch.clone(), AssertUnwindSafe(next.run(req)).catch_unwind());
    let outcome = tokio::select! {
        outcome = run => match outcome {
            Ok(res) if !watch.is_tripped() => return if page { watched(res, watch) } else { res },
            Ok(_) => "a render task panicked".to_string(),
            Err(panic) => panic_message(&*panic),
        },
        _ = watch.tripped() => "a render task panicked".to_string(),
    };
    tracing::error!(%request_id, panic = %outcome, "a request handler panicked");
    error_response(page, &request_id)
}

/// A page whose render goes on while its body streams (streaming SSR modes): the body's polls run under the
/// request's watch, so tasks spawned then carry it too, and a trip ends the body with an error, which makes
/// the server abort the response instead of leaving the browser waiting (headers are gone by then).
fn watched(res: Response, watch: Arc<Watch>) -> Response {
    let (parts, body) = res.into_parts();
    let trip = watch.clone();
    let body = WatchedBody {
        inner: body.into_data_stream(),
        watch,
        tripped: Box::pin(async move { trip.tripped().await }),
        done: false,
    };
    Response::from_parts(parts, axum::body::Body::from_stream(body))
}

struct WatchedBody {
    inner: axum::body::BodyDataStream,
    watch: Arc<Watch>,
    tripped: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
    done: bool,
}

impl futures_util::Stream for WatchedBody {
    type Item = Result<axum::body::Bytes, axum::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.done {
            return Poll::Ready(None);
        }
        if self.tripped.as_mut().poll(cx).is_ready() {
            self.done = true;
            tracing::error!("a render task panicked while its page streamed; the response is aborted");
            return Poll::Ready(Some(Err(axum::Error::new(std::io::Error::other("a render task panicked")))));
        }
        let watch = self.watch.clone();
        let next = WATCH.sync_scope(watch, || std::pin::Pin::new(&mut self.inner).poll_next(cx));
        if matches!(next, Poll::Ready(None)) {
            self.done = true;
        }
        next
    }
}

/// The 500 answer: a page for browsers, the app's JSON error for everything else. Details stay in the log.
pub fn error_response(page: bool, request_id: &str) -> Response {
    let request_id = domain::markup::escape_html(request_id);
    if page {
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Something went wrong · AI SEO Architects</title></head><body><main>\
             <h1>Something went wrong</h1><p>The page could not be shown because of an error on our side. \
             It has been logged; try again, and if it keeps happening, give your administrator this reference: \
             <code>{request_id}</code>.</p><p><a href=\"/\">Back to the dashboard</a></p></main></body></html>"
        );
        (StatusCode::INTERNAL_SERVER_ERROR, axum::response::Html(html)).into_response()
    } else {
        let body = serde_json::to_string(&app::AppError::Internal).unwrap_or_default();
        (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_panic_in_a_task_spawned_for_a_request_trips_that_requests_watch_only() {
        install();
        let mine = Arc::new(Watch::default());
        let other = Arc::new(Watch::default());
        WATCH
            .scope(mine.clone(), async {
                any_spawner::Executor::spawn(async {
                    // A grandchild task: the watch is handed on.
                    any_spawner::Executor::spawn(async { panic!("loader failed") });
                });
            })
            .await;
        tokio::time::timeout(Duration::from_secs(5), mine.tripped()).await.expect("the watch trips");
        assert!(!other.is_tripped());
    }
}
