//! The webhook dispatcher: turns new events into messages (one per subscribed endpoint) and delivers them,
//! at least once, with the specification's retry schedule. It runs beside the task worker (in `serve` and
//! in `server worker`); several may run against one database.
//!
//! - **Fan-out.** `webhook_cursor` holds the last event turned into messages. A dispatcher locks that row
//!   (`SKIP LOCKED`: one at a time, the others skip), reads the next events in id order and queues a
//!   message for each active endpoint subscribed to the event's type (`ON CONFLICT DO NOTHING`: doing an
//!   event twice queues nothing twice). Ids are taken when a transaction inserts, not when it commits, so
//!   an event may become visible after a later one: the cursor stops before a missing id and passes it only
//!   once it has been missing for [`DispatchConfig::gap_wait`] (a rolled-back transaction's id never comes).
//! - **Delivery.** Due messages are claimed with `FOR UPDATE SKIP LOCKED` under a lease, fairly across
//!   endpoints (at most [`DispatchConfig::per_endpoint`] in flight for one endpoint, so a slow receiver holds
//!   up only itself), and sent concurrently. A process that dies mid-delivery leaves the lease to lapse and
//!   the message is tried again: deliveries survive restarts, and receivers deduplicate on `webhook-id`.
//! - **Outcome.** 2xx delivers. Anything else (3xx included: redirects are not followed), a timeout or a
//!   refused address fails the attempt; the next one waits for the schedule's next step (or longer when the
//!   answer's `Retry-After` asks). 410 Gone disables the endpoint at once; so does failing every attempt
//!   for [`DispatchConfig::disable_after`]. Each disabling is an event (`webhook.disabled`) with its reason.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{retry_wait_secs, signature_header, Secret};
use crate::crawl::fetch::AddressPolicy;
use crate::store::events::{self, Target};
use crate::store::webhooks::{self as store, EventForHook, EventRow, EVENT_COLUMNS};
use crate::DomainError;

/// The first bytes of an answer kept in the delivery log.
pub const RESPONSE_KEPT: usize = 1_024;
/// Events read per fan-out round.
const FAN_OUT_BATCH: i64 = 1_000;
/// How often a dispatcher deletes old messages (`store::webhooks::prune`).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// The longest `Retry-After` honoured (a longer one waits this long).
const RETRY_AFTER_MAX: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// How long one attempt may take, connection and answer included (15 s).
    pub timeout: Duration,
    /// Attempts in flight at once, over all endpoints.
    pub concurrency: usize,
    /// Attempts in flight at once to one endpoint.
    pub per_endpoint: usize,
    /// How often the dispatcher looks for due messages and new events without being woken.
    pub poll: Duration,
    /// What one second of the retry schedule lasts (one second; the tests shrink it).
    pub retry_unit: Duration,
    /// An endpoint whose every attempt has failed for this long is disabled (5 days).
    pub disable_after: chrono::Duration,
    /// How long a missing event id holds the cursor back (see the module's doc).
    pub gap_wait: Duration,
    /// The outbound guard: the crawler's.
    pub policy: Arc<AddressPolicy>,
}

impl DispatchConfig {
    pub fn new(policy: AddressPolicy) -> DispatchConfig {
        DispatchConfig {
            timeout: Duration::from_secs(15),
            concurrency: 64,
            per_endpoint: 8,
            poll: Duration::from_secs(1),
            retry_unit: Duration::from_secs(1),
            disable_after: chrono::Duration::days(5),
            gap_wait: Duration::from_secs(60),
            policy: Arc::new(policy),
        }
    }

    /// How long a claim lasts: the attempt's timeout and a minute for writing its outcome.
    fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(60)
    }
}

/// The user agent of deliveries.
pub const USER_AGENT: &str = concat!("AISEOArchitects-Webhooks/", env!("CARGO_PKG_VERSION"));

/// Runs until `shutdown` resolves; attempts in flight then get the timeout to finish, and any still
/// running are left to their lease (they are tried again).
pub async fn run(pool: PgPool, config: DispatchConfig, shutdown: impl Future<Output = ()>) {
    let client = match crate::crawl::fetch::guarded_client_named(config.policy.clone(), config.timeout, USER_AGENT) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook dispatcher not started");
            return;
        }
    };
    let new_events = Arc::new(Notify::new());
    let queued = Arc::new(Notify::new());
    let listening = tokio::spawn(listen(pool.clone(), new_events.clone(), queued.clone()));
    let config = Arc::new(config);
    let mut gaps = Gaps::default();
    let mut flights: JoinSet<Uuid> = JoinSet::new();
    let mut in_flight: HashMap<Uuid, usize> = HashMap::new();
    let mut fan_out_due = true;
    let mut claim_due = true;
    let mut next_poll = tokio::time::Instant::now();
    let mut last_prune = Instant::now();
    tokio::pin!(shutdown);
    loop {
        if fan_out_due {
            fan_out_due = false;
            match fan_out(&pool, &mut gaps, config.gap_wait).await {
                Ok(more) => {
                    fan_out_due = more;
                    claim_due = true;
                }
                Err(e) => tracing::warn!(error = %e, "webhook fan-out"),
            }
        }
        let room = config.concurrency.saturating_sub(flights.len());
        if claim_due && room > 0 {
            claim_due = false;
            let busy: Vec<Uuid> =
                in_flight.iter().filter(|(_, n)| **n >= config.per_endpoint).map(|(id, _)| *id).collect();
            match claim(&pool, &busy, config.per_endpoint, room, config.lease()).await {
                Ok(claimed) => {
                    // A full claim may have left more behind: look again at once.
                    claim_due = claimed.len() == room;
                    for c in claimed {
                        *in_flight.entry(c.endpoint_id).or_default() += 1;
                        let (pool, client, config) = (pool.clone(), client.clone(), config.clone());
                        flights.spawn(async move {
                            let endpoint = c.endpoint_id;
                            deliver(&pool, &client, &config, c).await;
                            endpoint
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming webhook messages"),
            }
        }
        if fan_out_due {
            continue;
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = new_events.notified() => fan_out_due = true,
            _ = queued.notified() => claim_due = true,
            Some(done) = flights.join_next(), if !flights.is_empty() => {
                if let Ok(endpoint) = done {
                    if let Some(n) = in_flight.get_mut(&endpoint) {
                        *n -= 1;
                        if *n == 0 {
                            in_flight.remove(&endpoint);
                        }
                    }
                }
                claim_due = true;
            }
            _ = tokio::time::sleep_until(next_poll) => {
                next_poll = tokio::time::Instant::now() + config.poll;
                fan_out_due = true;
                claim_due = true;
                if last_prune.elapsed() >= PRUNE_EVERY {
                    last_prune = Instant::now();
                    match store::prune(&pool, chrono::Duration::days(store::KEEP_DAYS)).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(messages = n, "old webhook messages deleted"),
                        Err(e) => tracing::warn!(error = %e, "deleting old webhook messages"),
                    }
                }
            }
        }
    }
    listening.abort();
    let _ = tokio::time::timeout(config.timeout, async { while flights.join_next().await.is_some() {} }).await;
    flights.abort_all();
}

/// Wakes the loop on new events and on messages queued by hand; reconnects after a lost connection (the
/// poll covers what is missed meanwhile).
async fn listen(pool: PgPool, new_events: Arc<Notify>, queued: Arc<Notify>) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if listener.listen_all([events::CHANNEL, store::CHANNEL]).await.is_ok() {
                    while let Ok(n) = listener.recv().await {
                        if n.channel() == events::CHANNEL {
                            new_events.notify_one();
                        } else {
                            queued.notify_one();
                        }
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "webhook dispatcher: LISTEN connection"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Missing event ids, by the span they fill, with when each span was first seen missing.
#[derive(Debug, Default)]
pub struct Gaps(HashMap<(i64, i64), Instant>);

/// Where the cursor may move from `cursor`, given the ids read after it (ascending): over every id read and
/// over every missing span seen missing for `wait`, up to the first span that is not.
pub fn advance(cursor: i64, ids: &[i64], gaps: &mut Gaps, now: Instant, wait: Duration) -> i64 {
    let mut at = cursor;
    let mut held = false;
    let mut spans = HashMap::new();
    let mut prev = cursor;
    for &id in ids {
        if id > prev + 1 {
            let span = (prev + 1, id - 1);
            let seen = *gaps.0.get(&span).unwrap_or(&now);
            spans.insert(span, seen);
            if !held && now.duration_since(seen) >= wait {
                at = id - 1;
            } else {
                held = true;
            }
        }
        if !held {
            at = id;
        }
        prev = id;
    }
    // Only the spans still missing are remembered.
    gaps.0 = spans.into_iter().filter(|((_, last), _)| *last > at).collect();
    at
}

/// One fan-out round. Returns whether more events are waiting (the batch was full).
pub async fn fan_out(pool: &PgPool, gaps: &mut Gaps, gap_wait: Duration) -> Result<bool, DomainError> {
    let mut tx = pool.begin().await?;
    let cursor: Option<i64> = sqlx::query_scalar("SELECT last_event_id FROM webhook_cursor FOR UPDATE SKIP LOCKED")
        .fetch_optional(&mut *tx)
        .await?;
    let Some(cursor) = cursor else {
        return Ok(false);
    };
    let rows: Vec<EventRow> =
        sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.id > $1 ORDER BY e.id LIMIT $2"))
            .bind(cursor)
            .bind(FAN_OUT_BATCH)
            .fetch_all(&mut *tx)
            .await?;
    if rows.is_empty() {
        return Ok(false);
    }
    let full = rows.len() as i64 == FAN_OUT_BATCH;
    let events: Vec<EventForHook> = rows.into_iter().map(EventForHook::from).collect();
    let endpoints: Vec<(Uuid, Vec<String>)> =
        sqlx::query_as("SELECT id, event_types FROM webhook_endpoints WHERE active").fetch_all(&mut *tx).await?;
    let pairs: Vec<(Uuid, &EventForHook)> = events
        .iter()
        .flat_map(|e| endpoints.iter().filter(|(_, types)| types.contains(&e.action)).map(move |(id, _)| (*id, e)))
        .collect();
    let queued = store::insert_messages(&mut tx, &pairs).await?;
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let to = advance(cursor, &ids, gaps, Instant::now(), gap_wait);
    if to != cursor {
        sqlx::query("UPDATE webhook_cursor SET last_event_id = $1").bind(to).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if queued > 0 {
        metrics::counter!("webhook_messages_queued_total").increment(queued);
    }
    Ok(full && to > cursor)
}

/// A message claimed for one attempt.
#[derive(Debug)]
pub struct Claimed {
    pub id: i64,
    pub msg_id: String,
    pub endpoint_id: Uuid,
    pub payload: Value,
    /// This attempt's number (1 for the first).
    pub attempt: i32,
    pub url: String,
    pub secrets: Vec<String>,
}

/// Claims up to `limit` due messages, at most `per_endpoint` of one endpoint, none of the `busy` ones.
pub async fn claim(
    pool: &PgPool,
    busy: &[Uuid],
    per_endpoint: usize,
    limit: usize,
    lease: Duration,
) -> Result<Vec<Claimed>, DomainError> {
    type Row = (i64, String, Uuid, Value, i32, String, String, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "WITH picked AS (
             SELECT m.id FROM webhook_endpoints e
             CROSS JOIN LATERAL (
                 SELECT m.id FROM webhook_messages m
                  WHERE m.endpoint_id = e.id AND m.status = 'pending' AND m.next_attempt_at <= now()
                    AND (m.locked_until IS NULL OR m.locked_until < now())
                  ORDER BY m.next_attempt_at, m.id
                  LIMIT $1
                  FOR UPDATE OF m SKIP LOCKED) m
              WHERE e.active AND e.id <> ALL($2)
              LIMIT $3)
         UPDATE webhook_messages m
            SET locked_until = now() + $4, attempts = m.attempts + 1, updated_at = now()
           FROM picked, webhook_endpoints e
          WHERE m.id = picked.id AND e.id = m.endpoint_id
      RETURNING m.id, m.msg_id, m.endpoint_id, m.payload, m.attempts, e.url, e.secret,
                CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END",
    )
    .bind(per_endpoint as i64)
    .bind(busy)
    .bind(limit as i64)
    .bind(lease)
    .fetch_all(pool)
    .await?;
    let mut claimed: Vec<Claimed> = rows
        .into_iter()
        .map(|(id, msg_id, endpoint_id, payload, attempt, url, secret, previous)| Claimed {
            id,
            msg_id,
            endpoint_id,
            payload,
            attempt,
            url,
            secrets: std::iter::once(secret).chain(previous).collect(),
        })
        .collect();
    // Oldest first, so that one endpoint's first attempts leave in event order.
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

/// What one attempt got.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub response: String,
    pub retry_after: Option<Duration>,
    pub duration: Duration,
}

impl Answer {
    pub fn delivered(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    pub fn gone(&self) -> bool {
        self.status_code == Some(410)
    }
}

/// Sends one attempt and writes its outcome.
async fn deliver(pool: &PgPool, client: &reqwest::Client, config: &DispatchConfig, c: Claimed) {
    let answer = attempt(client, config, &c, Utc::now().timestamp()).await;
    let outcome = if answer.delivered() { "delivered" } else { "failed" };
    metrics::counter!("webhook_attempts_total", "outcome" => outcome).increment(1);
    if let Err(e) = record(pool, config, &c, &answer).await {
        // The lease lapses and the message is tried again: at least once.
        tracing::warn!(error = %e, msg_id = %c.msg_id, "writing a webhook attempt");
    }
}

/// Sends `c` signed with its secrets at `timestamp`.
pub async fn attempt(client: &reqwest::Client, config: &DispatchConfig, c: &Claimed, timestamp: i64) -> Answer {
    let started = Instant::now();
    let failed = |error: String| Answer {
        status_code: None,
        error: Some(error),
        response: String::new(),
        retry_after: None,
        duration: started.elapsed(),
    };
    let url = match url::Url::parse(&c.url) {
        Ok(url) => url,
        Err(e) => return failed(format!("the endpoint's URL does not parse: {e}")),
    };
    if let Err(e) = config.policy.check_url(&url) {
        return failed(e.to_string());
    }
    let secrets: Vec<Secret> = c.secrets.iter().filter_map(|s| Secret::parse(s).ok()).collect();
    if secrets.is_empty() {
        return failed("the endpoint has no usable signing secret".into());
    }
    let body = serde_json::to_vec(&c.payload).unwrap_or_default();
    let signature = signature_header(&secrets, &c.msg_id, timestamp, &body);
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &c.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    let mut response = match sent {
        Ok(r) => r,
        Err(e) => return failed(describe(&e, config.timeout)),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, Utc::now()));
    let mut kept: Vec<u8> = Vec::new();
    let mut error = None;
    while kept.len() < RESPONSE_KEPT {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                error = Some(format!("reading the answer: {}", describe(&e, config.timeout)));
                break;
            }
        }
    }
    Answer { status_code: Some(status), error, response: keep_text(&kept), retry_after, duration: started.elapsed() }
}

fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs_f64());
    }
    // The source chain says what happened (refused connection, the guard's refusal of an address).
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// The first [`RESPONSE_KEPT`] bytes of an answer as text: invalid UTF-8 replaced, cut on a character
/// boundary, NUL (which Postgres' text refuses) replaced.
pub fn keep_text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(RESPONSE_KEPT)];
    let mut text = String::from_utf8_lossy(head).into_owned();
    if bytes.len() > RESPONSE_KEPT {
        // A character cut in two at the end became U+FFFD above; drop it.
        if text.ends_with('\u{FFFD}') {
            text.pop();
        }
        text.push('…');
    }
    text.replace('\0', "\u{FFFD}")
}

/// `Retry-After` as seconds or an HTTP date, capped at a day; None when it is neither.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
            (at - now).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(RETRY_AFTER_MAX))
}

/// When the next attempt after a failed attempt number `attempt` goes, or None when the schedule is spent:
/// the schedule's next step (with jitter from `unit`, scaled by `retry_unit`), or the answer's
/// `Retry-After` when that is later.
pub fn next_wait(attempt: i32, unit: f64, retry_unit: Duration, retry_after: Option<Duration>) -> Option<Duration> {
    let step = retry_wait_secs(usize::try_from(attempt).ok()? + 1, unit)?;
    let scheduled = retry_unit.mul_f64(step as f64);
    Some(retry_after.map_or(scheduled, |r| r.max(scheduled)))
}

/// Writes an attempt, the message's new state and the endpoint's failing streak, in one transaction; on a
/// failure it also disables the endpoint when it answered 410 or has failed for too long, before anyone can
/// claim the message again.
async fn record(pool: &PgPool, config: &DispatchConfig, c: &Claimed, answer: &Answer) -> Result<(), DomainError> {
    let ok = answer.delivered();
    let next = if ok || answer.gone() {
        None
    } else {
        next_wait(c.attempt, rand::random::<f64>(), config.retry_unit, answer.retry_after)
    };
    let status = match (ok, next) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    let next_at = Utc::now() + chrono::Duration::from_std(next.unwrap_or_default()).unwrap_or_default();
    let error = answer.error.clone().or_else(|| {
        answer.status_code.filter(|_| !ok).map(|s| match s {
            300..=399 => format!("answered {s}: redirects are not followed"),
            _ => format!("answered {s}"),
        })
    });
    let mut tx = pool.begin().await?;
    if !ok {
        disable_if_due(&mut tx, c.endpoint_id, answer.gone(), config.disable_after).await?;
    }
    sqlx::query(
        "WITH a AS (
             INSERT INTO webhook_attempts (message_id, endpoint_id, attempt, status_code, error, duration_ms, response)
             VALUES ($1, $2, $3, $4, $5, $6, $7)),
         e AS (
             UPDATE webhook_endpoints SET failing_since = CASE WHEN $8 THEN NULL ELSE now() END
              WHERE id = $2 AND (failing_since IS NULL) <> $8)
         UPDATE webhook_messages
            SET status = $9, next_attempt_at = $10, locked_until = NULL, last_status_code = $4, last_error = $5,
                updated_at = now()
          WHERE id = $1",
    )
    .bind(c.id)
    .bind(c.endpoint_id)
    .bind(c.attempt)
    .bind(answer.status_code.map(i32::from))
    .bind(&error)
    .bind(answer.duration.as_millis().min(i32::MAX as u128) as i32)
    .bind(&answer.response)
    .bind(ok)
    .bind(status)
    .bind(next_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables the endpoint when it answered 410 Gone, or when it has been failing for `after`.
async fn disable_if_due(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    gone: bool,
    after: chrono::Duration,
) -> Result<(), DomainError> {
    let row: Option<(bool, Option<DateTime<Utc>>, String)> =
        sqlx::query_as("SELECT active, failing_since, url FROM webhook_endpoints WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((true, failing_since, url)) = row else {
        return Ok(());
    };
    let now = Utc::now();
    let reason = if gone {
        format!("The receiver answered 410 Gone on {} UTC: it asked not to be sent more.", now.format("%Y-%m-%d %H:%M"))
    } else {
        match failing_since.filter(|since| now - *since >= after) {
            Some(since) => format!(
                "Every delivery attempt failed since {} UTC ({} days).",
                since.format("%Y-%m-%d %H:%M"),
                after.num_days()
            ),
            None => return Ok(()),
        }
    };
    sqlx::query("UPDATE webhook_endpoints SET active = false, disabled_reason = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(&reason)
        .execute(&mut *conn)
        .await?;
    events::record(conn, None, "webhook.disabled", Target::webhook(id), json!({ "reason": reason, "url": url }))
        .await?;
    tracing::warn!(endpoint = %id, %reason, "webhook endpoint disabled");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_stops_at_a_fresh_gap_and_passes_an_old_one() {
        let wait = Duration::from_secs(60);
        let t0 = Instant::now();
        let mut gaps = Gaps::default();
        assert_eq!(advance(10, &[11, 12, 13], &mut gaps, t0, wait), 13, "no gap");
        assert_eq!(advance(10, &[11, 14, 15], &mut gaps, t0, wait), 11, "12..13 missing: held");
        assert_eq!(advance(10, &[11, 14, 15], &mut gaps, t0 + Duration::from_secs(30), wait), 11, "still young");
        assert_eq!(advance(11, &[14, 15], &mut gaps, t0 + Duration::from_secs(61), wait), 15, "rolled back: passed");
        assert!(gaps.0.is_empty(), "nothing left to remember");
    }

    #[test]
    fn a_gap_that_fills_late_is_read_and_a_new_span_waits_afresh() {
        let wait = Duration::from_secs(60);
        let t0 = Instant::now();
        let mut gaps = Gaps::default();
        assert_eq!(advance(0, &[1, 4], &mut gaps, t0, wait), 1);
        // 2 committed late; 3 is still missing, a new span.
        assert_eq!(advance(1, &[2, 4], &mut gaps, t0 + Duration::from_secs(59), wait), 2);
        assert_eq!(advance(2, &[4], &mut gaps, t0 + Duration::from_secs(61), wait), 2, "3's span is new");
        assert_eq!(advance(2, &[4], &mut gaps, t0 + Duration::from_secs(121), wait), 4);
        assert_eq!(advance(4, &[], &mut gaps, t0, wait), 4, "nothing read");
    }

    #[test]
    fn retry_after_is_seconds_or_a_date_capped_at_a_day() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Mon, 30 Nov 2026 12:01:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Mon, 30 Nov 2026 11:00:00 GMT", now), Some(Duration::ZERO), "past");
        assert_eq!(parse_retry_after("9999999", now), Some(RETRY_AFTER_MAX));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn the_next_wait_follows_the_schedule_or_a_later_retry_after() {
        let s = Duration::from_secs(1);
        assert_eq!(next_wait(1, 0.5, s, None), Some(Duration::from_secs(5)), "after the first attempt: 5 s");
        assert_eq!(next_wait(2, 0.5, s, None), Some(Duration::from_secs(300)));
        assert_eq!(next_wait(1, 0.5, s, Some(Duration::from_secs(30))), Some(Duration::from_secs(30)), "later");
        assert_eq!(next_wait(2, 0.5, s, Some(Duration::from_secs(30))), Some(Duration::from_secs(300)), "sooner");
        assert_eq!(next_wait(8, 0.5, s, None), None, "the eighth attempt was the last");
        assert_eq!(next_wait(1, 0.5, Duration::from_millis(1), None), Some(Duration::from_millis(5)), "scaled");
    }

    #[test]
    fn kept_answers_are_a_kilobyte_of_text() {
        assert_eq!(keep_text(b"ok"), "ok");
        let long = "é".repeat(RESPONSE_KEPT);
        let kept = keep_text(long.as_bytes());
        assert!(kept.len() <= RESPONSE_KEPT + '…'.len_utf8() && kept.ends_with('…') && !kept.contains('\u{FFFD}'));
        assert_eq!(keep_text(b"a\0b\xff"), "a\u{FFFD}b\u{FFFD}");
    }
}
