//! The sales conversation agent's input: the client's contact and lead profile, its qualification and its
//! latest completed site audit.

use sqlx::PgPool;

use crate::agents::{lead_qualification as lq, sales_conversation as sc};
use crate::model::Client;
use crate::store;
use crate::DomainError;

pub async fn load(pool: &PgPool, c: &Client) -> Result<sc::Input, DomainError> {
    let audit = store::crawls::latest_audit(pool, c.id).await?;
    Ok(sc::Input {
        company_name: c.company_name.clone(),
        contact_name: c.contact_name.clone(),
        industry: c.industry,
        lead: c.lead.clone(),
        qualification: lq::run(&lq::Input::of(c, audit.clone())),
        audit,
    })
}
