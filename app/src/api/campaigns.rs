//! Server functions for campaigns. Every one resolves the campaign (or its client) inside the caller's
//! portfolio first, so account managers reach only their clients' campaigns.

use domain::model::campaign::CampaignInput;
use domain::model::Campaign;
use leptos::prelude::*;

use crate::AppError;

#[server(prefix = "/api", endpoint = "campaigns/get")]
pub async fn get_campaign(id: String) -> Result<Campaign, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ListClients)?;
    let state = super::ssr::state()?;
    Ok(domain::store::campaigns::get(&state.pool, client_scope(&actor), super::ssr::parse_id(&id)?).await?)
}

/// Creates a draft campaign for a client; no agents chosen means the default five.
#[server(prefix = "/api", endpoint = "campaigns/create")]
pub async fn create_campaign(client_id: String, input: CampaignInput) -> Result<Campaign, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::CreateCampaign)?;
    let client_id = super::ssr::parse_id(&client_id)?;
    let draft = input.validate().map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let campaign =
        domain::store::campaigns::create(&state.pool, client_scope(&actor), actor.user_id, client_id, &draft).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/campaigns/{}", campaign.id));
    }
    Ok(campaign)
}

#[server(prefix = "/api", endpoint = "campaigns/update")]
pub async fn update_campaign(id: String, input: CampaignInput) -> Result<Campaign, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::EditCampaign)?;
    let id = super::ssr::parse_id(&id)?;
    let draft = input.validate().map_err(AppError::Validation)?;
    let state = super::ssr::state()?;
    let campaign =
        domain::store::campaigns::update(&state.pool, client_scope(&actor), actor.user_id, id, &draft).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/campaigns/{}", campaign.id));
    }
    Ok(campaign)
}

/// Moves a campaign through its lifecycle; a refused move says which moves are allowed.
#[server(prefix = "/api", endpoint = "campaigns/status")]
pub async fn change_campaign_status(id: String, status: String) -> Result<Campaign, AppError> {
    use domain::model::CampaignStatus;
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::ChangeCampaignStatus)?;
    let id = super::ssr::parse_id(&id)?;
    let to =
        CampaignStatus::parse(status.trim()).ok_or_else(|| AppError::field("status", "unknown campaign status"))?;
    let state = super::ssr::state()?;
    Ok(domain::store::campaigns::change_status(&state.pool, client_scope(&actor), actor.user_id, id, to).await?)
}

/// Deletes a draft, completed or cancelled campaign. Returns its client's id.
#[server(prefix = "/api", endpoint = "campaigns/delete")]
pub async fn delete_campaign(id: String) -> Result<String, AppError> {
    use domain::policy::{client_scope, Action};
    let (actor, _) = super::ssr::authorize(Action::DeleteCampaign)?;
    let id = super::ssr::parse_id(&id)?;
    let state = super::ssr::state()?;
    let client = domain::store::campaigns::delete(&state.pool, client_scope(&actor), actor.user_id, id).await?;
    if super::ssr::is_form_post() {
        leptos_axum::redirect(&format!("/clients/{client}"));
    }
    Ok(client.to_string())
}
