//! How a running task shows that it is getting somewhere, for the worker's stall watchdog.
//!
//! The lease heartbeat proves only that the worker process is alive: it runs beside the task and keeps
//! beating while the task itself waits forever (a write blocked on a lock, a crawl blocked on a full
//! channel). So the task's own work touches a [`Mark`] when it gets something done (a batch of crawled
//! pages stored, an LLM answer received), and the worker fails and retries a task whose mark has not moved
//! for the stall bound. The mark travels with the task's future as a task-local, so the code that does the
//! work needs no handle passed down: it calls [`touch`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

tokio::task_local! {
    static MARK: Arc<Mark>;
}

/// When a task last made progress.
#[derive(Debug)]
pub struct Mark {
    started: Instant,
    /// Milliseconds from `started` to the last progress.
    last_ms: AtomicU64,
}

impl Mark {
    pub fn new() -> Arc<Mark> {
        Arc::new(Mark { started: Instant::now(), last_ms: AtomicU64::new(0) })
    }

    pub fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// Time since the last progress (or since the task started).
    pub fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }
}

/// Records progress of the task this code runs for; does nothing outside a task.
pub fn touch() {
    let _ = MARK.try_with(|m| m.touch());
}

/// Runs `work` with `mark` as its task's progress mark.
pub async fn scope<F: Future>(mark: Arc<Mark>, work: F) -> F::Output {
    MARK.scope(mark, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_touch_inside_the_tasks_scope_moves_its_mark() {
        let mark = Mark::new();
        std::thread::sleep(Duration::from_millis(300));
        touch();
        assert!(mark.idle() >= Duration::from_millis(300), "a touch outside the scope moved the mark");
        scope(mark.clone(), async { touch() }).await;
        assert!(mark.idle() < Duration::from_millis(300), "the touch inside the scope did not move the mark");
    }
}
