//! A panic while a page renders ends its request with the error page, the request id and the security
//! headers: in the handler's own task, and in a task a resource spawned (which no catch-panic layer sees).

use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use std::time::Duration;

#[component]
fn PanickingResource() -> impl IntoView {
    let value = Resource::new_blocking(
        || (),
        |_| async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let n: i64 = std::hint::black_box(i64::MAX);
            // The overflow the audit pager once had, inside a resource's loader.
            n.checked_add(1).expect("the resource's loader overflowed")
        },
    );
    view! {
        <main>
            <Suspense fallback=|| ()>{move || Suspend::new(async move { value.await.to_string() })}</Suspense>
        </main>
    }
}

/// The same loader in a resource that does not hold the page back: under streaming SSR the shell is sent
/// first and the panic comes while the body streams.
#[component]
fn PanickingStreamedResource() -> impl IntoView {
    let value = Resource::new(
        || (),
        |_| async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let n: i64 = std::hint::black_box(i64::MAX);
            n.checked_add(1).expect("the resource's loader overflowed")
        },
    );
    view! {
        <main>
            <p>"Before the resource."</p>
            <Suspense fallback=|| "loading">{move || Suspend::new(async move { value.await.to_string() })}</Suspense>
        </main>
    }
}

async fn handler_boom() -> &'static str {
    panic!("the handler failed")
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_page_whose_resource_panics_gets_a_complete_error_page() {
    server::panics::install();
    let routes = Router::new()
        .route("/boom", get(leptos_axum::render_app_async(|| view! { <PanickingResource /> })))
        .route("/handler-boom", get(handler_boom))
        .route("/stream-boom", get(leptos_axum::render_app_to_stream(|| view! { <PanickingStreamedResource /> })));
    let base = serve(server::edge(routes)).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    for path in ["/boom", "/handler-boom"] {
        let res = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: no complete answer: {e}"));
        assert_eq!(res.status(), 500, "{path}");
        let headers = res.headers().clone();
        let id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(!id.is_empty(), "{path}: the error answer has a request id");
        assert!(headers.contains_key("content-security-policy"), "{path}: security headers");
        assert_eq!(headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
        let body = res.text().await.expect("body");
        assert!(body.contains("Something went wrong") && body.ends_with("</html>"), "{path}: {body}");
        assert!(body.contains(&id), "{path}: the page names the request id for the administrator");
        assert!(!body.contains("overflowed") && !body.contains("handler failed"), "{path}: no details shown");
    }

    // Streamed: the headers and the shell are out before the panic; the response is aborted, not left
    // hanging (the client's own 20 s timeout would be a different error).
    let res = http.get(format!("{base}/stream-boom")).send().await.expect("the streamed page starts");
    assert_eq!(res.status(), 200);
    match res.text().await {
        Ok(body) => panic!("a streamed page whose resource panicked ended normally: {body}"),
        Err(e) => assert!(!e.is_timeout(), "the aborted stream ended at once, not by timeout: {e}"),
    }
}
