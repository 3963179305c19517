//! Server functions for the dashboard.

use domain::model::dashboard::Dashboard;
use leptos::prelude::*;

use crate::charts::Charted;
use crate::AppError;

/// The dashboard's figures for the range in the URL (`range`, and `from`/`to` for custom dates), within the
/// caller's portfolio.
#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn get_dashboard(range: String, from: String, to: String) -> Result<Charted<Dashboard>, AppError> {
    use domain::model::dashboard::DashboardRange;
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ViewDashboard)?;
    let range = DashboardRange::parse(&range, &from, &to).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let data = domain::store::dashboard::load(&state.pool, &actor, range, chrono::Utc::now()).await?;
    let charts = crate::pages::dashboard::charts(&data);
    Ok(Charted { data, charts })
}
