//! The lead qualification agent's input: the client as a lead, with its latest completed site audit.

use sqlx::PgPool;

use crate::agents::lead_qualification as lq;
use crate::model::Client;
use crate::store;
use crate::DomainError;

pub async fn load(pool: &PgPool, c: &Client) -> Result<lq::Input, DomainError> {
    Ok(lq::Input::of(c, store::crawls::latest_audit(pool, c.id).await?))
}
