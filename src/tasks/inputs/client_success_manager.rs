//! The client success manager's input: the client's campaigns, its tasks over the last 30 days (the
//! asking task left out), its audit scores over time and when a person last acted on it.

use chrono::{Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::agents::client_success_manager as csm;
use crate::model::Client;
use crate::policy::ClientScope;
use crate::store;
use crate::DomainError;

/// Days of task history the health check reads.
const WINDOW_DAYS: i64 = 30;
/// Audits whose scores it reads, at most.
const AUDITS: i64 = 12;

pub async fn load(pool: &PgPool, c: &Client, task_id: Uuid) -> Result<csm::Input, DomainError> {
    let now = Utc::now();
    let campaigns = store::campaigns::for_client(pool, ClientScope::All, c.id).await?;
    let (completed, failed) =
        store::tasks::finished_counts(pool, c.id, None, now - Duration::days(WINDOW_DAYS), task_id).await?;
    Ok(csm::Input {
        now,
        company_name: c.company_name.clone(),
        stage: c.stage,
        monthly_value: c.monthly_value,
        client_since: c.created_at,
        campaigns: campaigns
            .iter()
            .map(|k| csm::CampaignProgress {
                name: k.name.clone(),
                status: k.status,
                start_date: k.start_date,
                end_date: k.end_date,
            })
            .collect(),
        tasks_completed_30d: u32::try_from(completed).unwrap_or(u32::MAX),
        tasks_failed_30d: u32::try_from(failed).unwrap_or(u32::MAX),
        audit_scores: store::crawls::audit_summaries(pool, c.id, AUDITS)
            .await?
            .iter()
            .map(|a| (a.finished_at, a.health_score))
            .collect(),
        last_activity: store::activity::last_person_activity(pool, c.id).await?,
    })
}
