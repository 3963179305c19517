//! Server functions of the account page's API tokens: each user makes, lists and revokes their own.

use domain::model::token::{ApiToken, TokenInput};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// A token just made, with its secret: shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MadeToken {
    pub token: ApiToken,
    pub secret: String,
}

#[server(prefix = "/api", endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageOwnTokens)?;
    let state = super::ssr::state()?;
    Ok(domain::store::tokens::list(&state.pool, actor.user_id).await?)
}

#[server(prefix = "/api", endpoint = "tokens/create")]
pub async fn create_token(input: TokenInput) -> Result<MadeToken, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageOwnTokens)?;
    let state = super::ssr::state()?;
    let draft = input.validate().map_err(AppError::Validation)?;
    let (token, secret) = domain::store::tokens::create(&state.pool, actor.user_id, &draft).await?;
    Ok(MadeToken { token, secret })
}

/// Revokes one of the caller's tokens (another user's answers "not found").
#[server(prefix = "/api", endpoint = "tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<ApiToken, AppError> {
    let (actor, _) = super::ssr::authorize(domain::policy::Action::ManageOwnTokens)?;
    let state = super::ssr::state()?;
    Ok(domain::store::tokens::revoke(&state.pool, actor.user_id, super::ssr::parse_id(&id)?).await?)
}
