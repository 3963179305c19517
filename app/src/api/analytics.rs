//! Server functions for the analytics page.

use domain::model::analytics::{Analytics, SystemFigures};
use leptos::prelude::*;

use crate::charts::Charted;
use crate::AppError;

/// Agents and business figures for the range in the URL within the caller's portfolio, and the system's
/// figures for those who may see them.
#[server(prefix = "/api", endpoint = "analytics")]
pub async fn get_analytics(range: String, from: String, to: String) -> Result<Charted<Analytics>, AppError> {
    use domain::model::dashboard::DashboardRange;
    use domain::policy::{self, Action};
    let (actor, _) = super::ssr::authorize(Action::ViewDashboard)?;
    let range = DashboardRange::parse(&range, &from, &to).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let mut analytics = domain::store::analytics::load(&state.pool, &actor, range, chrono::Utc::now()).await?;
    if policy::authorize(Some(&actor), Action::ViewSystemFigures).is_ok() {
        analytics.system = Some(ssr::system_figures(&state).await?);
    }
    let charts = crate::pages::analytics::charts(&analytics);
    Ok(Charted { data: analytics, charts })
}

/// The server's own figures: uptime, CPU, memory, database pool, live streams, task queue.
#[server(prefix = "/api", endpoint = "analytics/system")]
pub async fn get_system_figures() -> Result<SystemFigures, AppError> {
    use domain::policy::Action;
    super::ssr::authorize(Action::ViewSystemFigures)?;
    let state = super::ssr::state()?;
    ssr::system_figures(&state).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::state::{process_usage, AppState, LIVE_STREAMS, STARTED};
    use std::sync::atomic::Ordering;

    pub async fn system_figures(state: &AppState) -> Result<SystemFigures, AppError> {
        let queue = domain::store::tasks::queue_stats(&state.pool).await?;
        let (cpu_secs, rss_bytes) = process_usage();
        Ok(SystemFigures {
            uptime_secs: STARTED.get().map_or(0, |s| s.elapsed().as_secs()),
            cpu_secs,
            rss_bytes,
            db_pool_size: state.pool.size(),
            db_pool_idle: u32::try_from(state.pool.num_idle()).unwrap_or(u32::MAX),
            db_pool_max: state.pool.options().get_max_connections(),
            live_streams: LIVE_STREAMS.load(Ordering::Relaxed),
            queue_ready: queue.pending_ready,
            queue_running: queue.running,
            queue_expired_leases: queue.expired_leases,
            oldest_ready_secs: queue.oldest_ready_secs,
        })
    }
}
