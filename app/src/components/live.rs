//! Live updates without a socket: a tick that pages key their resources on while something they show is
//! still running (tasks, crawls).

use leptos::prelude::*;

/// Ticks every two seconds while `active()` says something is still running, so lists and pages follow
/// task status live; stops when nothing is pending or running.
pub fn live_tick(active: Signal<bool>) -> RwSignal<u64> {
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                if active.get_untracked() {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(2),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = active;
    tick
}
