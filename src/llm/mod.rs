//! Client for an OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp servers).
//!
//! The LLM is optional and only writes prose; callers fall back to their templates on any [`LlmError`].
//!
//! One call ([`LlmClient::complete`]) is up to `max_retries + 1` attempts:
//! - each attempt (connect, send, read the whole answer) is bounded by `timeout`;
//! - only 429, 5xx, timeouts and connection errors are retried; any other status and any malformed answer
//!   fail at once;
//! - before retry `n` (1-based) it waits `Retry-After` seconds when the server sent them (at most
//!   [`MAX_RETRY_AFTER`]), else `backoff_base × 2^(n-1)` (at most [`MAX_BACKOFF`]).
//!
//! A circuit breaker (see [`circuit`]) counts failed calls, not attempts: after `circuit_failures` in a row it
//! refuses calls for `circuit_cooldown` with [`LlmError::CircuitOpen`], without touching the network.
//!
//! Metrics (the `metrics` facade; the server installs the Prometheus exporter):
//! - `llm_requests_total{outcome="ok"|"error"|"circuit_open"}`: calls, not attempts;
//! - `llm_attempts_total{result="ok"|"retried"|"failed"}`: HTTP attempts;
//! - `llm_tokens_total{kind="prompt"|"completion"}`: tokens the server reported;
//! - `llm_cost_total`: cost in millionths of the price currency (a counter holds integers), so 1.5 units of
//!   money add 1,500,000.
//!
//! Neither the API key nor the prompts are logged; logs carry lengths, token counts and errors.

pub mod circuit;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tracing::Instrument;

use self::circuit::{ceil_secs, Admission, Breaker};
pub use self::circuit::{CircuitPhase, CircuitSnapshot};

/// Longest wait a `Retry-After` header can impose; a server asking for more gets this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Longest exponential backoff between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Replies are trimmed and cut to this many characters: they end up on pages and in emails.
pub const MAX_TEXT_CHARS: usize = 8_000;
/// Larger response bodies are refused as a protocol error; a chat completion of 8,000 characters is far below.
const MAX_RESPONSE_BYTES: usize = 1 << 20;
/// Error bodies are quoted in [`LlmError::Status`] up to this many characters.
const MAX_ERROR_CHARS: usize = 300;

#[derive(Clone)]
pub struct LlmConfig {
    /// Up to and including the API version, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`;
    /// requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when set. Local servers usually need none.
    pub api_key: Option<String>,
    pub model: String,
    /// Bound on one attempt, from connecting to the last byte of the answer.
    pub timeout: Duration,
    /// Attempts after the first, for retryable failures only.
    pub max_retries: u32,
    pub backoff_base: Duration,
    /// Price of 1,000 prompt tokens, in the currency costs are reported in.
    pub price_prompt_per_1k: f64,
    /// Price of 1,000 completion tokens.
    pub price_completion_per_1k: f64,
    /// Failed calls in a row that open the circuit (at least 1).
    pub circuit_failures: u32,
    pub circuit_cooldown: Duration,
}

impl LlmConfig {
    /// Defaults: 20 s per attempt (local models answer slowly), 3 retries from 500 ms (0.5 + 1 + 2 s of
    /// backoff), free tokens, and a circuit that opens for 30 s after 5 failed calls in a row.
    pub fn new(base_url: impl Into<String>, api_key: Option<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            api_key,
            model: model.into(),
            timeout: Duration::from_secs(20),
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            price_prompt_per_1k: 0.0,
            price_completion_per_1k: 0.0,
            circuit_failures: 5,
            circuit_cooldown: Duration::from_secs(30),
        }
    }

    /// `cost = prompt_tokens / 1000 × price_prompt_per_1k + completion_tokens / 1000 × price_completion_per_1k`
    pub fn cost(&self, prompt_tokens: u32, completion_tokens: u32) -> f64 {
        f64::from(prompt_tokens) / 1000.0 * self.price_prompt_per_1k
            + f64::from(completion_tokens) / 1000.0 * self.price_completion_per_1k
    }
}

/// The key is never printed, only whether there is one.
impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .field("price_prompt_per_1k", &self.price_prompt_per_1k)
            .field("price_completion_per_1k", &self.price_completion_per_1k)
            .field("circuit_failures", &self.circuit_failures)
            .field("circuit_cooldown", &self.circuit_cooldown)
            .finish()
    }
}

/// One successful call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    /// The first choice's text, trimmed and cut to [`MAX_TEXT_CHARS`] characters. Not HTML-safe: escape it.
    pub text: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// See [`LlmConfig::cost`].
    pub cost: f64,
    /// HTTP attempts this call took (1 when the first answered).
    pub attempts: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the language model did not answer in time")]
    Timeout,
    #[error("the language model answered HTTP {code}: {message}")]
    Status { code: u16, message: String },
    #[error("the language model is paused after repeated failures; retry in {retry_in_secs} s")]
    CircuitOpen { retry_in_secs: u64 },
    #[error("the language model's answer was not a usable chat completion: {0}")]
    Protocol(String),
    #[error("could not reach the language model: {0}")]
    Network(String),
    #[error("language model configuration: {0}")]
    Config(String),
}

impl LlmError {
    /// 429, 5xx, timeouts and connection errors may pass; anything else would fail the same way again.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Timeout | LlmError::Network(_) => true,
            LlmError::Status { code, .. } => *code == 429 || (500..=599).contains(code),
            LlmError::CircuitOpen { .. } | LlmError::Protocol(_) | LlmError::Config(_) => false,
        }
    }
}

/// Cheap to clone; clones share the connection pool and the circuit.
#[derive(Clone)]
pub struct LlmClient {
    inner: std::sync::Arc<Inner>,
}

struct Inner {
    config: LlmConfig,
    endpoint: String,
    http: reqwest::Client,
    breaker: Mutex<Breaker>,
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("endpoint", &self.inner.endpoint)
            .field("model", &self.inner.config.model)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// Checks the configuration: an http(s) base URL without credentials, query or fragment, a model, a
    /// non-zero timeout and a circuit threshold of at least 1.
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        let endpoint = endpoint(&config.base_url)?;
        if config.model.trim().is_empty() {
            return Err(LlmError::Config("the model name is empty".into()));
        }
        if config.timeout.is_zero() {
            return Err(LlmError::Config("the timeout must be more than zero".into()));
        }
        if config.circuit_failures == 0 {
            return Err(LlmError::Config("circuit_failures must be at least 1".into()));
        }
        if let Some(key) = &config.api_key {
            if reqwest::header::HeaderValue::from_str(&format!("Bearer {key}")).is_err() {
                return Err(LlmError::Config("the API key has characters an HTTP header can't carry".into()));
            }
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("ai-seo-architects/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Config(format!("HTTP client: {}", error_chain(&e))))?;
        let breaker = Mutex::new(Breaker::new(config.circuit_failures, config.circuit_cooldown));
        Ok(LlmClient { inner: std::sync::Arc::new(Inner { config, endpoint, http, breaker }) })
    }

    pub fn model(&self) -> &str {
        &self.inner.config.model
    }

    pub fn circuit(&self) -> CircuitSnapshot {
        self.breaker().snapshot(Instant::now())
    }

    /// Asks for one chat completion: `system` (left out when empty) then `user`.
    pub async fn complete(&self, system: &str, user: &str) -> Result<Completion, LlmError> {
        let admission = self.breaker().admit(Instant::now());
        let trial = match admission {
            Ok(admission) => admission == Admission::Trial,
            Err(wait) => {
                metrics::counter!("llm_requests_total", "outcome" => "circuit_open").increment(1);
                tracing::debug!(model = %self.model(), "LLM call refused: circuit open");
                return Err(LlmError::CircuitOpen { retry_in_secs: ceil_secs(wait) });
            }
        };
        let mut guard = TrialGuard { client: self, armed: trial };
        let span = tracing::info_span!("llm_complete", model = %self.model(), trial);
        let started = Instant::now();
        let result = self.attempts(system, user).instrument(span.clone()).await;
        guard.armed = false;
        span.in_scope(|| self.settle(&result, started));
        result
    }

    /// Feeds a finished call to the circuit, the metrics and the log.
    fn settle(&self, result: &Result<Completion, LlmError>, started: Instant) {
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(c) => {
                self.breaker().succeeded();
                // An answer is progress of the task that asked (the stall watchdog).
                crate::tasks::progress::touch();
                metrics::counter!("llm_requests_total", "outcome" => "ok").increment(1);
                metrics::counter!("llm_tokens_total", "kind" => "prompt").increment(u64::from(c.prompt_tokens));
                metrics::counter!("llm_tokens_total", "kind" => "completion").increment(u64::from(c.completion_tokens));
                metrics::counter!("llm_cost_total").increment(micros(c.cost));
                tracing::info!(
                    attempts = c.attempts,
                    prompt_tokens = c.prompt_tokens,
                    completion_tokens = c.completion_tokens,
                    cost = c.cost,
                    elapsed_ms,
                    "LLM call succeeded"
                );
            }
            Err(e) => {
                let opened = self.breaker().failed(Instant::now());
                metrics::counter!("llm_requests_total", "outcome" => "error").increment(1);
                tracing::warn!(error = %e, elapsed_ms, "LLM call failed");
                if opened {
                    let cooldown_secs = self.inner.config.circuit_cooldown.as_secs_f64();
                    tracing::warn!(cooldown_secs, "LLM circuit opened");
                }
            }
        }
    }

    fn breaker(&self) -> MutexGuard<'_, Breaker> {
        // The breaker's methods can't panic, so a poisoned lock still holds a consistent state.
        self.inner.breaker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn attempts(&self, system: &str, user: &str) -> Result<Completion, LlmError> {
        let config = &self.inner.config;
        let mut messages = Vec::with_capacity(2);
        if !system.is_empty() {
            messages.push(WireMessage { role: "system", content: system });
        }
        messages.push(WireMessage { role: "user", content: user });
        let body = WireRequest { model: &config.model, messages, stream: false };
        tracing::debug!(system_chars = system.chars().count(), user_chars = user.chars().count(), "LLM request");

        let mut attempt: u32 = 1;
        loop {
            match self.attempt(&body).await {
                Ok(answer) => {
                    metrics::counter!("llm_attempts_total", "result" => "ok").increment(1);
                    return Ok(Completion {
                        text: answer.text,
                        prompt_tokens: answer.prompt_tokens,
                        completion_tokens: answer.completion_tokens,
                        cost: config.cost(answer.prompt_tokens, answer.completion_tokens),
                        attempts: attempt,
                    });
                }
                Err(failure) if attempt <= config.max_retries && failure.error.is_retryable() => {
                    metrics::counter!("llm_attempts_total", "result" => "retried").increment(1);
                    let delay = retry_delay(attempt, config.backoff_base, failure.retry_after);
                    tracing::warn!(
                        attempt,
                        error = %failure.error,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "LLM attempt failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(failure) => {
                    metrics::counter!("llm_attempts_total", "result" => "failed").increment(1);
                    return Err(failure.error);
                }
            }
        }
    }

    async fn attempt(&self, body: &WireRequest<'_>) -> Result<Answer, AttemptFailure> {
        let config = &self.inner.config;
        let exchange = async {
            let mut request = self.inner.http.post(&self.inner.endpoint).json(body);
            if let Some(key) = &config.api_key {
                request = request.bearer_auth(key);
            }
            let mut response = request.send().await.map_err(network)?;
            let status = response.status();
            let retry_after = retry_after(response.headers());
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(network)? {
                if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(LlmError::Protocol(format!("the answer is larger than {MAX_RESPONSE_BYTES} bytes")));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok((status, retry_after, bytes))
        };
        let (status, retry_after, bytes) = match tokio::time::timeout(config.timeout, exchange).await {
            Err(_elapsed) => return Err(AttemptFailure { error: LlmError::Timeout, retry_after: None }),
            Ok(Err(error)) => return Err(AttemptFailure { error, retry_after: None }),
            Ok(Ok(exchanged)) => exchanged,
        };
        if !status.is_success() {
            let error = LlmError::Status { code: status.as_u16(), message: error_message(&bytes) };
            return Err(AttemptFailure { error, retry_after });
        }
        parse_answer(&bytes).map_err(|error| AttemptFailure { error, retry_after: None })
    }
}

/// Puts an abandoned half-open trial back, so a dropped call can't leave the circuit waiting forever.
struct TrialGuard<'a> {
    client: &'a LlmClient,
    armed: bool,
}

impl Drop for TrialGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.client.breaker().trial_abandoned(Instant::now());
        }
    }
}

struct AttemptFailure {
    error: LlmError,
    retry_after: Option<Duration>,
}

struct Answer {
    text: String,
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    stream: bool,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: Option<WireReply>,
}

#[derive(Deserialize)]
struct WireReply {
    content: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

/// `{base_url}/chat/completions`, once the base URL is known to be a plain http(s) address.
fn endpoint(base_url: &str) -> Result<String, LlmError> {
    let base = base_url.trim().trim_end_matches('/');
    let parsed =
        url::Url::parse(base).map_err(|e| LlmError::Config(format!("the base URL {base:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(LlmError::Config(format!("the base URL must start with http:// or https://, not {base:?}")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(LlmError::Config("put the API key in api_key, not in the base URL".into()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(LlmError::Config("the base URL can't have a query or a fragment".into()));
    }
    Ok(format!("{base}/chat/completions"))
}

fn parse_answer(bytes: &[u8]) -> Result<Answer, LlmError> {
    let response: WireResponse =
        serde_json::from_slice(bytes).map_err(|e| LlmError::Protocol(format!("not chat-completion JSON: {e}")))?;
    let usage = response.usage.ok_or_else(|| LlmError::Protocol("no token usage in the answer".into()))?;
    let choice = response.choices.into_iter().next().ok_or_else(|| LlmError::Protocol("no choices".into()))?;
    let content = choice
        .message
        .and_then(|m| m.content)
        .ok_or_else(|| LlmError::Protocol("the first choice has no text".into()))?;
    let text = cap_text(&content);
    if text.is_empty() {
        return Err(LlmError::Protocol("the reply is empty".into()));
    }
    Ok(Answer { text, prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens })
}

/// Trimmed, then cut after [`MAX_TEXT_CHARS`] characters (never inside a character).
fn cap_text(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => text[..cut].trim_end().to_string(),
        None => text.to_string(),
    }
}

/// The server's own explanation: OpenAI's `{"error": {"message": …}}`, Ollama's `{"error": "…"}`, or the
/// start of the body.
fn error_message(bytes: &[u8]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(bytes).ok().and_then(|v| {
        let error = v.get("error")?;
        error.get("message").and_then(|m| m.as_str()).or_else(|| error.as_str()).map(str::to_string)
    });
    let message = from_json.unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned());
    let message: String =
        message.trim().chars().take(MAX_ERROR_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if message.is_empty() {
        "(no details)".to_string()
    } else {
        message
    }
}

/// `Retry-After` in seconds; the HTTP-date form is rare from API servers and falls back to the backoff.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// Wait before retry `retry` (1-based): the server's `Retry-After` when given, else
/// `backoff_base × 2^(retry-1)`, at most [`MAX_BACKOFF`].
fn retry_delay(retry: u32, backoff_base: Duration, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(wait) => wait.min(MAX_RETRY_AFTER),
        None => {
            let factor = 2u32.saturating_pow(retry.saturating_sub(1));
            backoff_base.saturating_mul(factor).min(MAX_BACKOFF)
        }
    }
}

fn network(e: reqwest::Error) -> LlmError {
    if e.is_timeout() {
        LlmError::Timeout
    } else if e.is_builder() {
        LlmError::Config(error_chain(&e))
    } else {
        LlmError::Network(error_chain(&e))
    }
}

/// reqwest's top-level message ("error sending request") hides the cause; the chain names it.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Money in millionths, for the integer `llm_cost_total` counter.
fn micros(cost: f64) -> u64 {
    if cost.is_finite() && cost > 0.0 {
        (cost * 1_000_000.0).round() as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_follows_the_per_thousand_prices() {
        let mut config = LlmConfig::new("http://localhost/v1", None, "m");
        config.price_prompt_per_1k = 0.5;
        config.price_completion_per_1k = 1.5;
        // 1200/1000 × 0.5 + 300/1000 × 1.5 = 0.6 + 0.45
        assert!((config.cost(1200, 300) - 1.05).abs() < 1e-12);
        assert_eq!(micros(1.05), 1_050_000);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_retry_after_wins() {
        let base = Duration::from_millis(500);
        assert_eq!(retry_delay(1, base, None), Duration::from_millis(500));
        assert_eq!(retry_delay(2, base, None), Duration::from_secs(1));
        assert_eq!(retry_delay(3, base, None), Duration::from_secs(2));
        assert_eq!(retry_delay(40, base, None), MAX_BACKOFF);
        assert_eq!(retry_delay(1, base, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(retry_delay(1, base, Some(Duration::from_secs(3600))), MAX_RETRY_AFTER);
    }

    #[test]
    fn only_rate_limits_server_errors_timeouts_and_network_errors_are_retried() {
        let status = |code| LlmError::Status { code, message: String::new() };
        assert!(status(429).is_retryable());
        assert!(status(503).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(401).is_retryable());
        assert!(LlmError::Timeout.is_retryable());
        assert!(LlmError::Network("reset".into()).is_retryable());
        assert!(!LlmError::Protocol("bad".into()).is_retryable());
    }

    #[test]
    fn endpoint_needs_a_plain_http_url() {
        assert_eq!(endpoint("http://127.0.0.1:8080/v1/").unwrap(), "http://127.0.0.1:8080/v1/chat/completions");
        assert!(matches!(endpoint("ftp://example.com/v1"), Err(LlmError::Config(_))));
        assert!(matches!(endpoint("example.com/v1"), Err(LlmError::Config(_))));
        assert!(matches!(endpoint("https://user:pw@example.com/v1"), Err(LlmError::Config(_))));
    }

    #[test]
    fn text_is_trimmed_and_cut_on_a_character_boundary() {
        assert_eq!(cap_text("  hi \n"), "hi");
        let long = "я".repeat(MAX_TEXT_CHARS + 5);
        assert_eq!(cap_text(&long).chars().count(), MAX_TEXT_CHARS);
    }

    #[test]
    fn error_messages_come_from_the_body() {
        assert_eq!(error_message(br#"{"error":{"message":"slow down","type":"rate_limit"}}"#), "slow down");
        assert_eq!(error_message(br#"{"error":"model not found"}"#), "model not found");
        assert_eq!(error_message(b"Bad\ngateway"), "Bad gateway");
        assert_eq!(error_message(b""), "(no details)");
    }

    #[test]
    fn the_key_stays_out_of_debug_output() {
        let config = LlmConfig::new("http://localhost/v1", Some("sk-secret".into()), "m");
        assert!(!format!("{config:?}").contains("sk-secret"));
    }
}
