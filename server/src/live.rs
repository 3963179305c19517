//! The live stream: `/events` sends each signed-in tab the events it may see (`policy::may_see_event`) as
//! server-sent events, each with its id, so a reconnecting browser (`Last-Event-ID`) gets what it missed from
//! the events table, across reconnects and restarts.
//!
//! One [`Hub`] per process reads the table: woken by `NOTIFY` (one per writing transaction, see
//! `store::events::CHANNEL`) and once a second besides, it reads the rows after the last one it saw and
//! sends them through one in-process broadcast to every stream. Ids come from a sequence, so a transaction
//! that commits after a later one leaves a gap for a moment: the hub asks again for the ids it saw missing
//! for [`GAP_WAIT`] before giving up on them (a rolled-back transaction leaves its id unused for good).
//! A stream that falls more than [`BUFFER`] events behind is ended; the browser reconnects with its last id
//! and reads the rest from the table, so a slow tab costs nothing of the others.
//!
//! Running crawls' counters travel the same way without rows: each batch a crawl stores sends a `NOTIFY`
//! on `store::events::PROGRESS_CHANNEL` with the crawl's id, and the hub passes it to the streams that may
//! see that client as a `progress` message without an id (a page that misses one reads the counters with
//! the next).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::state::Caller;
use axum::extract::{Extension, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::policy::{may_see_event, Actor};
use domain::store::events::{self, LiveEvent};
use futures_util::stream::{self, Stream, StreamExt};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// Events a stream may fall behind the hub before it is ended (and reconnects from the table).
pub const BUFFER: usize = 1_024;
/// How long the hub looks again for an id it saw missing.
pub const GAP_WAIT: Duration = Duration::from_secs(10);
/// Rows the hub reads at a time.
const READ: i64 = 500;
/// The longest the hub waits without a wake-up before reading anyway.
const POLL: Duration = Duration::from_secs(1);
/// Events a reconnecting stream replays from the table at the most; beyond that it is told to reload.
pub const REPLAY: i64 = 1_000;
/// Database connections of the hub's own pool: one listens, the others read new rows and replays.
pub const CONNECTIONS: u32 = 4;
/// A comment line this often keeps proxies and the browser from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The process's one reader of the events table and its broadcast to the streams.
pub struct Hub {
    pool: PgPool,
    tx: broadcast::Sender<Arc<Live>>,
    /// The highest event id the reader has published (0 until it has read the table once): where a new
    /// stream without a position starts.
    position: AtomicI64,
    /// Set on shutdown: every stream ends, so a graceful shutdown does not wait on open tabs.
    closed: watch::Sender<bool>,
}

impl Hub {
    /// Starts the reader from the newest event in the table; `pool` is the hub's own ([`CONNECTIONS`]).
    pub fn start(pool: PgPool) -> Arc<Hub> {
        let (tx, _) = broadcast::channel(BUFFER);
        let (closed, _) = watch::channel(false);
        let hub = Arc::new(Hub { pool, tx, position: AtomicI64::new(0), closed });
        tokio::spawn(read_loop(hub.clone()));
        hub
    }

    /// Ends every stream and the reader.
    pub fn close(&self) {
        let _ = self.closed.send(true);
    }
}

/// What the hub broadcasts: a new row of the events table, or a running crawl's counters moving.
#[derive(Debug)]
enum Live {
    Event(LiveEvent),
    /// A crawl stored a batch; its client and that client's manager decide who hears of it.
    Progress {
        crawl_id: Uuid,
        client_id: Uuid,
        manager: Option<Uuid>,
    },
}

/// What the reader knows: the highest id sent and the ids below it not seen yet.
struct Cursor {
    last: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Cursor {
    /// Takes the rows read (ascending ids) into account; returns the ones not sent before.
    fn advance(&mut self, rows: Vec<LiveEvent>, now: Instant) -> Vec<LiveEvent> {
        let mut fresh = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.feed.event.id;
            if id > self.last {
                for missing in (self.last + 1)..id {
                    self.gaps.insert(missing, now);
                }
                self.last = id;
                fresh.push(row);
            } else if self.gaps.remove(&id).is_some() {
                fresh.push(row);
            }
        }
        self.gaps.retain(|_, seen| now.duration_since(*seen) < GAP_WAIT);
        fresh
    }
}

async fn read_loop(hub: Arc<Hub>) {
    let mut closed = hub.closed.subscribe();
    let mut cursor = Cursor { last: 0, gaps: BTreeMap::new() };
    // Start at the newest event: streams replay older ones from the table themselves.
    loop {
        match events::newest_id(&hub.pool).await {
            Ok(id) => {
                cursor.last = id;
                hub.position.store(id, Ordering::Release);
                break;
            }
            Err(e) => tracing::warn!(error = %e, "live events: reading the newest id failed; retrying"),
        }
        tokio::select! {
            _ = closed.wait_for(|c| *c) => return,
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = listen(&hub.pool).await;
        }
        // Wait for a wake-up, or the poll interval when there is no listener or nothing came.
        let woke = async {
            match listener.as_mut() {
                Some(l) => {
                    let deadline = tokio::time::Instant::now() + POLL;
                    loop {
                        match tokio::time::timeout_at(deadline, l.recv()).await {
                            // A crawl's counters: pass them on and keep waiting for events.
                            Ok(Ok(n)) if n.channel() == events::PROGRESS_CHANNEL => progress(&hub, n.payload()).await,
                            Ok(Ok(_)) | Err(_) => break true,
                            Ok(Err(e)) => {
                                tracing::warn!(error = %e, "live events: the listener failed; polling until it is back");
                                break false;
                            }
                        }
                    }
                }
                None => {
                    tokio::time::sleep(POLL).await;
                    true
                }
            }
        };
        let listening = tokio::select! {
            _ = closed.wait_for(|c| *c) => return,
            ok = woke => ok,
        };
        if !listening {
            listener = None;
        }
        loop {
            let gaps: Vec<i64> = cursor.gaps.keys().copied().collect();
            let rows = match events::after(&hub.pool, cursor.last, &gaps, READ).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "live events: reading new events failed; retrying");
                    break;
                }
            };
            let full = rows.len() as i64 >= READ;
            for row in cursor.advance(rows, Instant::now()) {
                metrics::counter!("live_events_published_total").increment(1);
                // No stream listening is fine: the event is in the table for whoever connects later.
                let _ = hub.tx.send(Arc::new(Live::Event(row)));
            }
            hub.position.store(cursor.last, Ordering::Release);
            if !full {
                break;
            }
        }
    }
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen_all([events::CHANNEL, events::PROGRESS_CHANNEL]).await.ok()?;
    Some(listener)
}

/// Broadcasts the progress of the crawl `payload` names (a failed lookup only costs that one message).
async fn progress(hub: &Hub, payload: &str) {
    let Ok(crawl_id) = Uuid::parse_str(payload) else { return };
    match domain::store::crawls::owner(&hub.pool, crawl_id).await {
        Ok(Some((client_id, manager))) => {
            let _ = hub.tx.send(Arc::new(Live::Progress { crawl_id, client_id, manager }));
        }
        Ok(None) => {}
        Err(e) => tracing::debug!(error = %e, "live events: a crawl's owner could not be read"),
    }
}

/// `?after=ID`: where a first connection starts when the page knows the newest event it showed (a
/// reconnecting browser sends `Last-Event-ID` instead).
#[derive(Debug, serde::Deserialize)]
pub struct StreamQuery {
    after: Option<String>,
}

/// The id to resume after: `Last-Event-ID`, else `?after=`; none means "from now on".
fn resume_after(headers: &HeaderMap, query: &StreamQuery) -> Result<Option<i64>, &'static str> {
    let raw = headers.get("last-event-id").and_then(|v| v.to_str().ok()).or(query.after.as_deref());
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or("Last-Event-ID must be an event id"),
    }
}

fn sse(e: &LiveEvent) -> SseEvent {
    let data = serde_json::to_string(&e.feed).unwrap_or_else(|_| "{}".into());
    SseEvent::default().id(e.feed.event.id.to_string()).event("event").data(data)
}

fn visible(viewer: &Actor, e: &LiveEvent) -> bool {
    let ev = &e.feed.event;
    may_see_event(viewer, &ev.action, e.feed.client_id, e.client_manager, ev.actor_id)
}

/// Whether `e` changes what `viewer` may see: their account deactivated or their role changed. Their stream
/// ends; a reconnect is checked afresh (and refused for a deactivated account).
fn ends_stream_of(viewer: &Actor, e: &LiveEvent) -> bool {
    let ev = &e.feed.event;
    matches!(ev.action.as_str(), "user.deactivated" | "user.role_changed") && ev.target_id == viewer.user_id.to_string()
}

/// Counts open streams while it lives.
struct Open;

impl Open {
    fn new() -> Open {
        metrics::gauge!("live_streams").increment(1.0);
        app::state::LIVE_STREAMS.fetch_add(1, Ordering::Relaxed);
        Open
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!("live_streams").decrement(1.0);
        app::state::LIVE_STREAMS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `GET /events`: the caller's live stream. 401 for anonymous callers.
pub async fn stream(
    Extension(caller): Extension<Caller>,
    Extension(hub): Extension<Arc<Hub>>,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(viewer) = caller.actor() else {
        return (StatusCode::UNAUTHORIZED, [("content-type", "application/json")], r#"{"error":"unauthenticated"}"#)
            .into_response();
    };
    let after = match resume_after(&headers, &query) {
        Ok(after) => after,
        Err(message) => {
            let body = serde_json::json!({ "error": "validation", "fields": [["Last-Event-ID", message]] });
            return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
        }
    };
    // Subscribe before reading the table, so nothing committed in between is lost (duplicates are skipped
    // by id below).
    let live = hub.tx.subscribe();
    let mut replay: Vec<SseEvent> = Vec::new();
    let mut sent = after.unwrap_or(i64::MAX);
    if let Some(after) = after {
        match events::after(&hub.pool, after, &[], REPLAY + 1).await {
            Ok(rows) => {
                let more = rows.len() as i64 > REPLAY;
                for row in rows.iter().take(REPLAY as usize) {
                    sent = sent.max(row.feed.event.id);
                    if visible(&viewer, row) {
                        replay.push(sse(row));
                    }
                }
                metrics::counter!("live_events_replayed_total").increment(replay.len() as u64);
                if more {
                    // Too much was missed to replay: the page reloads its data instead.
                    replay.push(SseEvent::default().event("reload").data("{}"));
                    sent = i64::MAX;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "live events: replay failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "the events could not be read; retry").into_response();
            }
        }
    }
    if after.is_none() {
        // A stream without a position starts at the newest event published, and says so with a `ready`
        // event carrying that id: the browser then has a Last-Event-ID from the start, and a reconnect
        // replays what it missed even when no event had reached it yet.
        let position = hub.position.load(Ordering::Acquire);
        if position > 0 {
            replay.push(SseEvent::default().id(position.to_string()).event("ready").data("{}"));
            sent = position;
        }
    }
    let replayed_to = if sent == i64::MAX { None } else { Some(sent) };
    let open = Open::new();
    let closed = hub.closed.subscribe();
    let live = stream::unfold((live, closed, open, false), move |(mut rx, mut closed, open, done)| async move {
        if done {
            return None;
        }
        loop {
            let next = tokio::select! {
                _ = closed.wait_for(|c| *c) => return None,
                next = rx.recv() => next,
            };
            match next {
                Ok(live) => {
                    let e = match live.as_ref() {
                        Live::Event(e) => e,
                        Live::Progress { crawl_id, client_id, manager } => {
                            if may_see_event(&viewer, "crawl.progress", Some(*client_id), *manager, None) {
                                let data = serde_json::json!({ "crawl_id": crawl_id, "client_id": client_id });
                                let message = SseEvent::default().event("progress").data(data.to_string());
                                return Some((Ok(message), (rx, closed, open, false)));
                            }
                            continue;
                        }
                    };
                    if replayed_to.is_some_and(|upto| e.feed.event.id <= upto) {
                        continue;
                    }
                    if ends_stream_of(&viewer, e) {
                        let bye = SseEvent::default().event("end").data("{}");
                        return Some((Ok::<_, Infallible>(bye), (rx, closed, open, true)));
                    }
                    if visible(&viewer, e) {
                        metrics::counter!("live_events_delivered_total").increment(1);
                        return Some((Ok(sse(e)), (rx, closed, open, false)));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Too slow: end; the browser reconnects with its last id and reads the rest from the table.
                    metrics::counter!("live_slow_streams_dropped_total").increment(1);
                    return None;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let events = stream::iter(replay.into_iter().map(Ok::<_, Infallible>)).chain(live);
    sse_response(events)
}

fn sse_response(events: impl Stream<Item = Result<SseEvent, Infallible>> + Send + 'static) -> Response {
    let mut response = Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response();
    // Proxies (nginx) must not buffer the stream.
    response.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::model::event::FeedEvent;
    use domain::model::Event;

    fn row(id: i64) -> LiveEvent {
        LiveEvent {
            feed: FeedEvent {
                event: Event {
                    id,
                    at: chrono::Utc::now(),
                    actor_id: None,
                    actor_email: None,
                    action: "client.created".into(),
                    target_type: "client".into(),
                    target_id: String::new(),
                    detail: serde_json::json!({}),
                },
                client_id: None,
            },
            client_manager: None,
        }
    }

    fn ids(rows: &[LiveEvent]) -> Vec<i64> {
        rows.iter().map(|r| r.feed.event.id).collect()
    }

    #[test]
    fn a_late_commit_below_the_newest_id_is_still_sent_once() {
        let start = Instant::now();
        let mut c = Cursor { last: 10, gaps: BTreeMap::new() };
        // 12 commits before 11: 11 is a gap.
        assert_eq!(ids(&c.advance(vec![row(12)], start)), vec![12]);
        assert_eq!(c.gaps.keys().copied().collect::<Vec<_>>(), vec![11]);
        // 11 commits: sent once, and not again.
        assert_eq!(ids(&c.advance(vec![row(11), row(13)], start)), vec![11, 13]);
        assert_eq!(ids(&c.advance(vec![row(11), row(12), row(13)], start)), Vec::<i64>::new());
        assert!(c.gaps.is_empty());
        // A gap that never fills (a rolled-back transaction) is given up after GAP_WAIT.
        c.advance(vec![row(15)], start);
        assert!(c.gaps.contains_key(&14));
        c.advance(Vec::new(), start + GAP_WAIT);
        assert!(c.gaps.is_empty());
    }

    #[test]
    fn the_resume_point_is_the_last_event_id_or_the_query() {
        let mut h = HeaderMap::new();
        assert_eq!(resume_after(&h, &StreamQuery { after: None }), Ok(None));
        assert_eq!(resume_after(&h, &StreamQuery { after: Some("7".into()) }), Ok(Some(7)));
        h.insert("last-event-id", "42".parse().expect("header"));
        assert_eq!(resume_after(&h, &StreamQuery { after: Some("7".into()) }), Ok(Some(42)));
        h.insert("last-event-id", "-1".parse().expect("header"));
        assert!(resume_after(&h, &StreamQuery { after: None }).is_err());
        h.insert("last-event-id", "99999999999999999999".parse().expect("header"));
        assert!(resume_after(&h, &StreamQuery { after: None }).is_err());
    }
}
