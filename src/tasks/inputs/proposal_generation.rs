//! The proposal agent's input: the client's size (the business development director's analysis), its
//! qualification and latest completed site audit, in the task's currency.

use sqlx::PgPool;

use crate::agents::{business_development_director as bdd, lead_qualification as lq, proposal_generation as pg};
use crate::model::Client;
use crate::store;
use crate::DomainError;

/// `currency`: ISO 4217, the task's or the server's default.
pub async fn load(pool: &PgPool, c: &Client, currency: String) -> Result<pg::Input, DomainError> {
    let audit = store::crawls::latest_audit(pool, c.id).await?;
    Ok(pg::Input {
        company_name: c.company_name.clone(),
        industry: c.industry,
        enterprise: bdd::run(&bdd::Input::of(c)),
        qualification: Some(lq::run(&lq::Input::of(c, audit.clone()))),
        audit,
        currency,
    })
}
