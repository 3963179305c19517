//! The LLM client against a local stand-in that speaks the chat-completions protocol.

#[path = "support/llm_standin.rs"]
mod llm_standin;

use domain::llm::{CircuitPhase, LlmClient, LlmConfig, LlmError, MAX_TEXT_CHARS};
use llm_standin::{echo_text, Behaviour, StandIn};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MODEL: &str = "test-model";

/// Quick settings: 200 ms per attempt, 2 retries from 10 ms, a circuit of 5 failures and 300 ms.
fn config(standin: &StandIn) -> LlmConfig {
    let mut config = LlmConfig::new(standin.base_url(), None, MODEL);
    config.timeout = Duration::from_millis(200);
    config.max_retries = 2;
    config.backoff_base = Duration::from_millis(10);
    config.circuit_failures = 5;
    config.circuit_cooldown = Duration::from_millis(300);
    config
}

fn client(config: LlmConfig) -> LlmClient {
    LlmClient::new(config).expect("a valid configuration")
}

fn status(code: u16) -> Behaviour {
    Behaviour::Status { code, retry_after: None }
}

async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), future).await.expect("the stand-in did not get there in 5 s")
}

#[tokio::test]
async fn reply_reports_usage_and_cost_from_configured_prices() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::ReplyWithUsage {
        text: "  Your site is healthy.\n".into(),
        prompt_tokens: 1200,
        completion_tokens: 300,
    }]);
    let mut config = config(&standin);
    config.price_prompt_per_1k = 0.5;
    config.price_completion_per_1k = 1.5;
    let completion = client(config).complete("You write for clients.", "Summarise the audit.").await.unwrap();

    assert_eq!(completion.text, "Your site is healthy.");
    assert_eq!((completion.prompt_tokens, completion.completion_tokens, completion.attempts), (1200, 300, 1));
    // 1200/1000 × 0.5 + 300/1000 × 1.5 = 0.6 + 0.45 = 1.05
    assert!((completion.cost - 1.05).abs() < 1e-9, "cost {}", completion.cost);

    let request = standin.last_request().unwrap();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(request.model, MODEL);
    let roles: Vec<_> = request.messages.iter().map(|m| (m.role.as_str(), m.content.as_str())).collect();
    assert_eq!(roles, [("system", "You write for clients."), ("user", "Summarise the audit.")]);
    assert_eq!(request.authorization, None);
}

#[tokio::test]
async fn default_reply_echoes_the_user_message_with_word_count_usage() {
    let standin = StandIn::start().await;
    let user = "Write a short follow-up email to the client about the audit results and next steps please";
    let completion = client(config(&standin)).complete("", user).await.unwrap();

    assert_eq!(completion.text, echo_text(user));
    // The first 60 characters end with a space, which the trim drops.
    assert_eq!(completion.text, "LLM: Write a short follow-up email to the client about the audit");
    // No system message was sent: the prompt is the user message's 16 words.
    assert_eq!(standin.last_request().unwrap().messages.len(), 1);
    assert_eq!(completion.prompt_tokens, 16);
    assert_eq!(completion.cost, 0.0);
}

#[tokio::test]
async fn bearer_key_is_sent() {
    let standin = StandIn::with_key("sk-test-123").await;
    let mut config = config(&standin);
    config.api_key = Some("sk-test-123".into());
    client(config).complete("system", "hello").await.unwrap();

    assert_eq!(standin.last_request().unwrap().authorization.as_deref(), Some("Bearer sk-test-123"));
}

#[tokio::test]
async fn wrong_key_fails_at_once_without_retries() {
    let standin = StandIn::with_key("sk-right").await;
    let mut config = config(&standin);
    config.api_key = Some("sk-wrong".into());
    let err = client(config).complete("system", "hello").await.unwrap_err();

    assert!(matches!(&err, LlmError::Status { code: 401, message } if message.contains("Incorrect API key")), "{err}");
    assert!(!err.to_string().contains("sk-wrong"));
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn rate_limit_is_retried_and_the_second_attempt_answers() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::Status { code: 429, retry_after: Some(0) }, Behaviour::Reply("Done.".into())]);
    let completion = client(config(&standin)).complete("", "hello").await.unwrap();

    assert_eq!(completion.text, "Done.");
    assert_eq!(completion.attempts, 2);
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn retry_after_header_is_honoured() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::Status { code: 503, retry_after: Some(1) }]);
    let started = Instant::now();
    let completion = client(config(&standin)).complete("", "hello").await.unwrap();

    // The backoff alone would have waited 10 ms.
    assert!(started.elapsed() >= Duration::from_secs(1), "waited only {:?}", started.elapsed());
    assert_eq!(completion.attempts, 2);
}

#[tokio::test]
async fn server_errors_exhaust_the_retries_then_fail_with_the_status() {
    let standin = StandIn::start().await;
    standin.plan([status(500), status(503), status(500)]);
    let err = client(config(&standin)).complete("", "hello").await.unwrap_err();

    assert!(matches!(&err, LlmError::Status { code: 500, message } if message == "stand-in answers 500"), "{err}");
    // max_retries = 2: one attempt and two retries.
    assert_eq!(standin.request_count(), 3);
    assert_eq!(standin.pending(), 0);
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let standin = StandIn::start().await;
    standin.plan([status(400)]);
    let err = client(config(&standin)).complete("", "hello").await.unwrap_err();

    assert!(matches!(err, LlmError::Status { code: 400, .. }), "{err}");
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn stall_longer_than_the_timeout_is_a_timeout() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::Stall(Duration::from_secs(3))]);
    let mut config = config(&standin);
    config.max_retries = 0;
    let started = Instant::now();
    let err = client(config).complete("", "hello").await.unwrap_err();

    assert!(matches!(err, LlmError::Timeout), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn timeout_and_dropped_connection_are_retried() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::Stall(Duration::from_secs(3)), Behaviour::Disconnect, Behaviour::Reply("ok".into())]);
    let completion = client(config(&standin)).complete("", "hello").await.unwrap();

    assert_eq!(completion.attempts, 3);
    assert_eq!(standin.request_count(), 3);
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    drop(standin);
    config.max_retries = 1;
    // Nothing listens on the port any more; give the aborted listener a moment to close.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let err = client(config).complete("", "hello").await.unwrap_err();

    assert!(matches!(err, LlmError::Network(_)), "{err}");
}

#[tokio::test]
async fn malformed_json_is_a_protocol_error_and_not_retried() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::Raw { status: 200, body: "{\"choices\": [".into() }]);
    let err = client(config(&standin)).complete("", "hello").await.unwrap_err();

    assert!(matches!(err, LlmError::Protocol(_)), "{err}");
    assert_eq!(standin.request_count(), 1);
}

#[tokio::test]
async fn missing_usage_empty_choices_and_null_content_are_protocol_errors() {
    let standin = StandIn::start().await;
    let choice = r#"{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}"#;
    let usage = r#"{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}"#;
    standin.plan([
        Behaviour::Raw { status: 200, body: format!(r#"{{"choices":[{choice}]}}"#) },
        Behaviour::Raw { status: 200, body: format!(r#"{{"choices":[],"usage":{usage}}}"#) },
        Behaviour::Raw {
            status: 200,
            body: format!(
                r#"{{"choices":[{{"index":0,"message":{{"role":"assistant","content":null}}}}],"usage":{usage}}}"#
            ),
        },
        Behaviour::Raw {
            status: 200,
            body: format!(r#"{{"choices":[{{"message":{{"content":"   "}}}}],"usage":{usage}}}"#),
        },
        Behaviour::Raw {
            status: 200,
            body: r#"{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-1}}"#.into(),
        },
        Behaviour::Raw { status: 200, body: "[]".into() },
    ]);
    let mut config = config(&standin);
    config.circuit_failures = 10;
    let client = client(config);
    for case in 0..6 {
        let err = client.complete("", "hello").await.unwrap_err();
        assert!(matches!(err, LlmError::Protocol(_)), "case {case}: {err}");
    }
    assert_eq!(standin.request_count(), 6);
}

#[tokio::test]
async fn long_reply_is_trimmed_and_capped() {
    let standin = StandIn::start().await;
    standin.plan([Behaviour::Reply(format!("\n  {}", "é".repeat(MAX_TEXT_CHARS + 1000)))]);
    let completion = client(config(&standin)).complete("", "hello").await.unwrap();

    assert_eq!(completion.text.chars().count(), MAX_TEXT_CHARS);
    assert!(completion.text.starts_with('é'));
}

#[tokio::test]
async fn circuit_opens_after_failed_calls_fails_fast_and_closes_after_a_good_trial() {
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    config.max_retries = 0;
    config.circuit_failures = 2;
    let client = client(config);
    standin.plan([status(500), status(500)]);

    for _ in 0..2 {
        assert!(matches!(client.complete("", "hello").await, Err(LlmError::Status { code: 500, .. })));
    }
    let circuit = client.circuit();
    assert_eq!((circuit.phase, circuit.consecutive_failures, circuit.retry_in_secs), (CircuitPhase::Open, 2, 1));

    let err = client.complete("", "hello").await.unwrap_err();
    assert!(matches!(err, LlmError::CircuitOpen { retry_in_secs: 1 }), "{err}");
    assert_eq!(standin.request_count(), 2, "an open circuit must not reach the server");

    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(client.circuit().phase, CircuitPhase::HalfOpen);
    let completion = client.complete("", "hello").await.unwrap();
    assert_eq!(completion.text, echo_text("hello"));
    let circuit = client.circuit();
    assert_eq!((circuit.phase, circuit.consecutive_failures, circuit.retry_in_secs), (CircuitPhase::Closed, 0, 0));
    assert_eq!(standin.request_count(), 3);
}

#[tokio::test]
async fn failed_trial_reopens_the_circuit() {
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    config.max_retries = 0;
    config.circuit_failures = 1;
    let client = client(config);
    standin.plan([status(502), status(502)]);

    assert!(client.complete("", "hello").await.is_err());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(matches!(client.complete("", "hello").await, Err(LlmError::Status { code: 502, .. })));
    assert_eq!(client.circuit().phase, CircuitPhase::Open);
    assert!(matches!(client.complete("", "hello").await, Err(LlmError::CircuitOpen { .. })));
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn a_retried_call_counts_once_and_success_resets_the_count() {
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    config.circuit_failures = 2;
    let client = client(config);
    // First call: three failed attempts, one failed call. Second call: a success. Third: one failed call.
    standin.plan([status(500), status(500), status(500), Behaviour::Echo, status(400)]);

    assert!(client.complete("", "one").await.is_err());
    assert_eq!(client.circuit().consecutive_failures, 1);
    assert!(client.complete("", "two").await.is_ok());
    assert_eq!(client.circuit().consecutive_failures, 0);
    assert!(client.complete("", "three").await.is_err());
    let circuit = client.circuit();
    assert_eq!((circuit.phase, circuit.consecutive_failures), (CircuitPhase::Closed, 1));
}

#[tokio::test]
async fn half_open_lets_one_trial_through_and_refuses_the_rest_meanwhile() {
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    config.max_retries = 0;
    config.circuit_failures = 1;
    config.timeout = Duration::from_secs(5);
    let client = client(config);
    standin.plan([status(500), Behaviour::Gate]);

    assert!(client.complete("", "hello").await.is_err());
    tokio::time::sleep(Duration::from_millis(350)).await;
    let trial = tokio::spawn({
        let client = client.clone();
        async move { client.complete("", "trial").await }
    });
    within(standin.wait_held(1)).await;

    assert_eq!(client.circuit().phase, CircuitPhase::HalfOpen);
    assert!(matches!(client.complete("", "other").await, Err(LlmError::CircuitOpen { retry_in_secs: 0 })));
    standin.release(1);
    let completion = within(trial).await.expect("the trial task").expect("the trial call");
    assert_eq!(completion.text, echo_text("trial"));
    assert_eq!(client.circuit().phase, CircuitPhase::Closed);
    assert_eq!(standin.request_count(), 2);
}

#[tokio::test]
async fn an_abandoned_trial_does_not_leave_the_circuit_stuck() {
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    config.max_retries = 0;
    config.circuit_failures = 1;
    config.timeout = Duration::from_secs(5);
    let client = client(config);
    standin.plan([status(500), Behaviour::Gate]);

    assert!(client.complete("", "hello").await.is_err());
    tokio::time::sleep(Duration::from_millis(350)).await;
    let trial = tokio::spawn({
        let client = client.clone();
        async move { client.complete("", "trial").await }
    });
    within(standin.wait_held(1)).await;
    trial.abort();
    let _ = trial.await;

    let completion = client.complete("", "next").await.unwrap();
    assert_eq!(completion.text, echo_text("next"));
    assert_eq!(client.circuit().phase, CircuitPhase::Closed);
}

#[test]
fn base_url_must_be_http_or_https() {
    for bad in ["ftp://example.com/v1", "localhost:11434/v1", "", "http://user:secret@example.com/v1"] {
        let result = LlmClient::new(LlmConfig::new(bad, None, MODEL));
        assert!(matches!(result, Err(LlmError::Config(_))), "{bad:?} was accepted");
    }
    assert!(LlmClient::new(LlmConfig::new("https://api.openai.com/v1", None, MODEL)).is_ok());
    assert!(LlmClient::new(LlmConfig::new("http://localhost:11434/v1/", None, MODEL)).is_ok());
    assert!(matches!(LlmClient::new(LlmConfig::new("http://localhost/v1", None, " ")), Err(LlmError::Config(_))));
}

/// Counters by `name{label=value,…}`, for the calls made while it is the thread's recorder.
#[derive(Default)]
struct Counters(Mutex<HashMap<String, Arc<AtomicU64>>>);

impl Counters {
    fn get(&self, key: &str) -> u64 {
        self.0.lock().unwrap().get(key).map_or(0, |c| c.load(Ordering::SeqCst))
    }
}

impl metrics::Recorder for Counters {
    fn describe_counter(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn describe_gauge(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn describe_histogram(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}

    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let counter = self.0.lock().unwrap().entry(name).or_default().clone();
        metrics::Counter::from_arc(counter)
    }

    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }

    fn register_histogram(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

#[tokio::test]
async fn metrics_count_calls_tokens_and_cost() {
    let counters = Counters::default();
    // The test runs on one thread, so the thread-local recorder sees every call.
    let _recorder = metrics::set_default_local_recorder(&counters);
    let standin = StandIn::start().await;
    let mut config = config(&standin);
    config.max_retries = 0;
    config.circuit_failures = 1;
    config.price_prompt_per_1k = 2.0;
    config.price_completion_per_1k = 4.0;
    let client = client(config);
    standin.plan([
        Behaviour::ReplyWithUsage { text: "ok".into(), prompt_tokens: 100, completion_tokens: 50 },
        status(500),
    ]);

    client.complete("", "a").await.unwrap();
    client.complete("", "b").await.unwrap_err();
    client.complete("", "c").await.unwrap_err();

    assert_eq!(counters.get("llm_requests_total{outcome=ok}"), 1);
    assert_eq!(counters.get("llm_requests_total{outcome=error}"), 1);
    assert_eq!(counters.get("llm_requests_total{outcome=circuit_open}"), 1);
    assert_eq!(counters.get("llm_tokens_total{kind=prompt}"), 100);
    assert_eq!(counters.get("llm_tokens_total{kind=completion}"), 50);
    // 100/1000 × 2.0 + 50/1000 × 4.0 = 0.4, in millionths.
    assert_eq!(counters.get("llm_cost_total{}"), 400_000);
    assert_eq!(counters.get("llm_attempts_total{result=ok}"), 1);
    assert_eq!(counters.get("llm_attempts_total{result=failed}"), 1);
}
