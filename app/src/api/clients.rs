//! Server functions for clients, portfolios and client statistics.

use domain::model::client::ClientInput;
use domain::model::client_query::ClientPage;
use domain::model::{Campaign, Client, Event};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppError;

/// A client's page: the client, its campaigns, activity and latest tasks, and what the caller may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientDetail {
    pub client: Client,
    pub campaigns: Vec<Campaign>,
    pub activity: Vec<Event>,
    /// The client's latest agent tasks.
    pub tasks: Vec<domain::model::TaskSummary>,
    /// The client's latest report emails.
    pub deliveries: Vec<domain::model::delivery::Delivery>,
    pub may_assign: bool,
    pub may_delete: bool,
}

pub use domain::model::portfolio::{ClientStats, GroupStats, PortfolioRow};

#[cfg(feature = "ssr")]
fn manager_param(raw: &str) -> Result<Option<Uuid>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        id => Uuid::parse_str(id)
            .map(Some)
            .map_err(|_| AppError::field("account_manager", "choose an account manager from the list")),
    }
}

/// One page of clients matching the filters in `query` (a URL query string), within the caller's portfolio.
#[server(prefix = "/api", endpoint = "clients/list")]
pub async fn list_clients(query: String) -> Result<ClientPage, AppError> {
    use domain::model::client_query::ClientQuery;
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ListClients)?;
    let q = ClientQuery::parse(&query).map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let version = super::ssr::clients_version();
    Ok(state.client_index.list(&state.pool, client_scope(&actor), &q, version).await?)
}

#[server(prefix = "/api", endpoint = "clients/get")]
pub async fn get_client(id: String) -> Result<ClientDetail, AppError> {
    use domain::policy::{authorize, client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ListClients)?;
    let state = super::ssr::state()?;
    let id = super::ssr::parse_id(&id)?;
    let scope = client_scope(&actor);
    let client = domain::store::clients::get(&state.pool, scope, id).await?;
    let campaigns = domain::store::campaigns::for_client(&state.pool, scope, id).await?;
    let activity = domain::store::events::for_client(&state.pool, id, 50).await?;
    let filter = domain::model::task::TaskFilter { client_id: Some(id), limit: Some(10), ..Default::default() };
    let tasks = domain::store::tasks::list(&state.pool, scope, actor.user_id, &filter).await?;
    let deliveries = domain::store::deliveries::list(
        &state.pool,
        scope,
        domain::store::deliveries::DeliveryFilter { client_id: Some(id), ..Default::default() },
        5,
    )
    .await?;
    Ok(ClientDetail {
        client,
        campaigns,
        activity,
        tasks,
        deliveries,
        may_assign: authorize(Some(&actor), Action::AssignClient).is_ok(),
        may_delete: authorize(Some(&actor), Action::DeleteClient).is_ok(),
    })
}

/// Creates a client; `account_manager` is a user id or empty.
#[server(prefix = "/api", endpoint = "clients/create")]
pub async fn create_client(input: ClientInput, account_manager: String) -> Result<Client, AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::CreateClient)?;
    let state = super::ssr::state()?;
    let draft = input.validate_reaching(|ip| state.crawl_policy.permits(ip)).map_err(AppError::Validation)?;
    let manager = manager_param(&account_manager)?;
    let client = domain::store::clients::create(&state.pool, actor.user_id, &draft, manager).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{}", client.id));
    }
    Ok(client)
}

#[server(prefix = "/api", endpoint = "clients/update")]
pub async fn update_client(id: String, input: ClientInput) -> Result<Client, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::EditClient)?;
    let id = super::ssr::parse_id(&id)?;
    let state = super::ssr::state()?;
    let draft = input.validate_reaching(|ip| state.crawl_policy.permits(ip)).map_err(AppError::Validation)?;
    let client = domain::store::clients::update(&state.pool, client_scope(&actor), actor.user_id, id, &draft).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{}", client.id));
    }
    Ok(client)
}

/// Assigns the client to an account manager (empty `account_manager` removes the assignment).
#[server(prefix = "/api", endpoint = "clients/assign")]
pub async fn assign_client(id: String, account_manager: String) -> Result<Client, AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::AssignClient)?;
    let id = super::ssr::parse_id(&id)?;
    let manager = manager_param(&account_manager)?;
    let state = super::ssr::state()?;
    Ok(domain::store::clients::assign(&state.pool, actor.user_id, id, manager).await?)
}

/// Deletes a client without active or paused campaigns.
#[server(prefix = "/api", endpoint = "clients/delete")]
pub async fn delete_client(id: String) -> Result<(), AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::DeleteClient)?;
    let id = super::ssr::parse_id(&id)?;
    let state = super::ssr::state()?;
    domain::store::clients::delete(&state.pool, actor.user_id, id).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect("/clients");
    }
    Ok(())
}

/// Active account managers, for filters and assignment.
#[server(prefix = "/api", endpoint = "clients/managers")]
pub async fn list_account_managers() -> Result<Vec<(Uuid, String)>, AppError> {
    use domain::policy::Action;
    super::ssr::authorize(Action::ListClients)?;
    let state = super::ssr::state()?;
    Ok(domain::store::clients::account_managers(&state.pool).await?)
}

/// Counts, revenue and stage mix by industry and by country, within the caller's portfolio.
#[server(prefix = "/api", endpoint = "clients/stats")]
pub async fn get_client_stats() -> Result<crate::charts::Charted<ClientStats>, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ListClients)?;
    let state = super::ssr::state()?;
    let data = domain::store::clients::stats(&state.pool, client_scope(&actor)).await?;
    let charts = crate::pages::clients::stats_charts(&data);
    Ok(crate::charts::Charted { data, charts })
}

/// The signed-in account manager's clients at a glance.
#[server(prefix = "/api", endpoint = "portfolio")]
pub async fn my_portfolio() -> Result<Vec<PortfolioRow>, AppError> {
    use domain::policy::Action;
    let (actor, _) = super::ssr::authorize(Action::ViewPortfolio)?;
    let state = super::ssr::state()?;
    Ok(domain::store::clients::portfolio(&state.pool, actor.user_id).await?)
}
