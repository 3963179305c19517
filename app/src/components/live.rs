//! Live updates. Signed in, each tab holds one connection to the server's event stream (`/events`): the
//! header shows its state (live, reconnecting, offline), and pages refetch what they show when events
//! arrive, at most twice a second however many come ([`COALESCE`]). The browser resumes a dropped stream
//! with `Last-Event-ID`; when the stream fails for good it is opened again with backoff ([`BACKOFF_MAX`]),
//! from the last event seen. While the stream is not live, pages fall back to polling.

use leptos::prelude::*;
use std::time::Duration;

/// Events arriving within this window cause one refetch.
pub const COALESCE: Duration = Duration::from_millis(500);
/// The longest wait before opening a failed stream again (1 s, 2 s, 4 s, ... up to this).
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How often pages poll while the stream is not live.
pub const POLL: Duration = Duration::from_secs(2);

/// The state of the tab's connection to the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
    /// The browser is offline, or the server ended the stream (the account was deactivated).
    Offline,
}

impl Connection {
    pub fn label(self) -> &'static str {
        match self {
            Connection::Connecting => "Connecting…",
            Connection::Live => "Live",
            Connection::Reconnecting => "Reconnecting…",
            Connection::Offline => "Offline",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Connection::Connecting | Connection::Reconnecting => "live-state live-state-waiting",
            Connection::Live => "live-state live-state-live",
            Connection::Offline => "live-state live-state-offline",
        }
    }
}

/// The tab's live stream as pages see it: its state, and a version that moves when events arrive.
#[derive(Debug, Clone, Copy)]
pub struct LiveStream {
    pub state: RwSignal<Connection>,
    pub version: RwSignal<u64>,
    /// Moves when running crawls store pages (their counters), coalesced like `version`.
    pub progress: RwSignal<u64>,
}

/// Provides the (not yet connected) live stream to the whole app; [`connect`] opens it once signed in.
pub fn provide_live_stream() {
    provide_context(LiveStream {
        state: RwSignal::new(Connection::Connecting),
        version: RwSignal::new(0),
        progress: RwSignal::new(0),
    });
}

/// Opens the tab's event stream (in the browser; nothing on the server).
pub fn connect() {
    #[cfg(feature = "hydrate")]
    if let Some(live) = use_context::<LiveStream>() {
        browser::connect(live);
    }
}

/// The connection state, announced politely when it changes.
#[component]
pub fn ConnectionState() -> impl IntoView {
    let state = use_context::<LiveStream>().map(|l| l.state);
    let current = move || state.map_or(Connection::Connecting, |s| s.get());
    view! {
        <span class=move || current().class() role="status" aria-live="polite" title="Updates from the server">
            {move || current().label()}
        </span>
    }
}

/// A tick pages key their resources on so they follow tasks live: it moves with the event stream while
/// `active()` says something shown is still pending or running, and every [`POLL`] while the stream is
/// not live.
pub fn live_tick(active: Signal<bool>) -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    if let Some(live) = use_context::<LiveStream>() {
        Effect::new(move |seen: Option<u64>| {
            let version = live.version.get();
            if seen.is_some_and(|v| v != version) && active.get_untracked() {
                tick.update(|t| *t += 1);
            }
            version
        });
        every(POLL, move || {
            if active.get_untracked() && live.state.get_untracked() != Connection::Live {
                tick.update(|t| *t += 1);
            }
        });
    }
    tick
}

/// A tick for running crawls' counters: it moves with the stream's `progress` messages while `active()`
/// says a crawl shown is running. Pages pair it with [`live_tick`], which covers the crawl's end (a task
/// event) and polls while the stream is not live.
pub fn progress_tick(active: Signal<bool>) -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    if let Some(live) = use_context::<LiveStream>() {
        Effect::new(move |seen: Option<u64>| {
            let version = live.progress.get();
            if seen.is_some_and(|v| v != version) && active.get_untracked() {
                tick.update(|t| *t += 1);
            }
            version
        });
    }
    tick
}

/// Runs `f` every `period` in the browser while the calling component lives.
fn every(period: Duration, f: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(f, period) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (period, f);
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{Connection, LiveStream, BACKOFF_MAX, COALESCE};
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    /// `EventSource.readyState` of a stream that will not reconnect by itself.
    const CLOSED: u16 = 2;

    struct Conn {
        live: LiveStream,
        last_id: Cell<Option<i64>>,
        backoff: Cell<Duration>,
        pending: Cell<bool>,
        pending_progress: Cell<bool>,
        ended: Cell<bool>,
        source: RefCell<Option<web_sys::EventSource>>,
    }

    pub fn connect(live: LiveStream) {
        let conn = Rc::new(Conn {
            live,
            last_id: Cell::new(None),
            backoff: Cell::new(Duration::from_secs(1)),
            pending: Cell::new(false),
            pending_progress: Cell::new(false),
            ended: Cell::new(false),
            source: RefCell::new(None),
        });
        // One per tab: the signed-in header lives as long as the page (signing out loads a new page).
        open(&conn);
        // Offline: say so and close the stream; back online: open it again at once from the last event,
        // rather than waiting out the backoff.
        let c = conn.clone();
        on_window("offline", move || {
            if let Some(source) = c.source.borrow_mut().take() {
                source.close();
            }
            if !c.ended.get() {
                c.live.state.set(Connection::Offline);
            }
        });
        let c = conn.clone();
        on_window("online", move || {
            let open_now = c.source.borrow().as_ref().is_none_or(|s| s.ready_state() == CLOSED);
            if open_now && !c.ended.get() {
                c.backoff.set(Duration::from_secs(1));
                c.live.state.set(Connection::Reconnecting);
                open(&c);
            }
        });
    }

    fn on_window(name: &str, f: impl FnMut() + 'static) {
        let handler = Closure::<dyn FnMut()>::new(f);
        let _ = window().add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        // For the life of the tab, as the stream.
        handler.forget();
    }

    fn listen(source: &web_sys::EventSource, name: &str, f: impl FnMut(web_sys::MessageEvent) + 'static) {
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(f);
        let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        // The handler lives as long as its stream, which the browser keeps until it is closed.
        handler.forget();
    }

    fn open(conn: &Rc<Conn>) {
        // Ended for good, or a stream is open or opening already (a retry timer and coming back online
        // may both ask).
        if conn.ended.get() || conn.source.borrow().as_ref().is_some_and(|s| s.ready_state() != CLOSED) {
            return;
        }
        let url = match conn.last_id.get() {
            Some(id) => format!("/events?after={id}"),
            None => "/events".to_string(),
        };
        let Ok(source) = web_sys::EventSource::new(&url) else {
            retry(conn);
            return;
        };
        let c = conn.clone();
        listen(&source, "open", move |_| {
            c.backoff.set(Duration::from_secs(1));
            c.live.state.set(Connection::Live);
        });
        let c = conn.clone();
        listen(&source, "event", move |e| {
            if let Ok(id) = e.last_event_id().parse::<i64>() {
                c.last_id.set(Some(id));
            }
            bump(&c);
        });
        // The stream's starting position: a reconnect resumes from it even before any event arrived.
        let c = conn.clone();
        listen(&source, "ready", move |e| {
            if let Ok(id) = e.last_event_id().parse::<i64>() {
                c.last_id.set(Some(id));
            }
        });
        let c = conn.clone();
        listen(&source, "reload", move |_| bump(&c));
        let c = conn.clone();
        listen(&source, "progress", move |_| coalesce(&c, |c| &c.pending_progress, |l| l.progress));
        let c = conn.clone();
        listen(&source, "end", move |_| {
            c.ended.set(true);
            if let Some(source) = c.source.borrow_mut().take() {
                source.close();
            }
            c.live.state.set(Connection::Offline);
        });
        let c = conn.clone();
        listen(&source, "error", move |_| {
            if c.ended.get() {
                return;
            }
            let offline = !window().navigator().on_line();
            c.live.state.set(if offline { Connection::Offline } else { Connection::Reconnecting });
            let closed = c.source.borrow().as_ref().is_some_and(|s| s.ready_state() == CLOSED);
            if closed {
                // The browser gave up (an error answer): open it again ourselves, after a while.
                if let Some(source) = c.source.borrow_mut().take() {
                    source.close();
                }
                retry(&c);
            }
        });
        *conn.source.borrow_mut() = Some(source);
    }

    fn retry(conn: &Rc<Conn>) {
        let wait = conn.backoff.get();
        conn.backoff.set((wait * 2).min(BACKOFF_MAX));
        let c = conn.clone();
        set_timeout(move || open(&c), wait);
    }

    /// One version step for every burst of events within [`COALESCE`].
    fn bump(conn: &Rc<Conn>) {
        coalesce(conn, |c| &c.pending, |l| l.version);
    }

    /// Steps `signal` once [`COALESCE`] after the first of a burst; `pending` says a step is on its way.
    fn coalesce(conn: &Rc<Conn>, pending: fn(&Conn) -> &Cell<bool>, signal: fn(&LiveStream) -> RwSignal<u64>) {
        if pending(conn).replace(true) {
            return;
        }
        let c = conn.clone();
        set_timeout(
            move || {
                pending(&c).set(false);
                signal(&c.live).update(|v| *v += 1);
            },
            COALESCE,
        );
    }
}
