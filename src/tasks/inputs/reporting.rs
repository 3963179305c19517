//! The reporting agent's input: the client's (or one campaign's) KPIs over the period, the previous
//! report's figures and the audit scores over time.

use chrono::{Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::agents::reporting as rp;
use crate::model::campaign::CampaignStatus;
use crate::model::task::{TaskOutput, TaskType, MAX_PERIOD_DAYS};
use crate::model::{Campaign, Client};
use crate::policy::ClientScope;
use crate::store;
use crate::DomainError;

/// The report's period when the task names none.
const DEFAULT_PERIOD_DAYS: u32 = 30;
/// Audits whose scores the report charts, at most.
const AUDITS: i64 = 12;

/// The report on client `c`, or on its campaign `campaign_id`, over `period_days` (clamped to
/// 1..=[`MAX_PERIOD_DAYS`]); the asking task `task_id` is left out of the counts.
pub async fn load(
    pool: &PgPool,
    c: &Client,
    campaign_id: Option<Uuid>,
    period_days: Option<u32>,
    task_id: Uuid,
) -> Result<rp::Input, DomainError> {
    let period_days = period_days.unwrap_or(DEFAULT_PERIOD_DAYS).clamp(1, MAX_PERIOD_DAYS);
    let since = Utc::now() - Duration::days(i64::from(period_days));
    let campaign = match campaign_id {
        Some(id) => Some(store::campaigns::get(pool, ClientScope::All, id).await?),
        None => None,
    };
    let (completed, failed) = store::tasks::finished_counts(pool, c.id, campaign_id, since, task_id).await?;
    let events = store::activity::event_count(pool, c.id, campaign_id, since).await?;
    let campaigns = store::campaigns::for_client(pool, ClientScope::All, c.id).await?;
    let in_subject = |k: &&Campaign| campaign_id.is_none_or(|id| id == k.id);
    let count = |status| campaigns.iter().filter(in_subject).filter(|k| k.status == status).count() as u32;
    let kpis = rp::Kpis {
        tasks_completed: u32::try_from(completed).unwrap_or(u32::MAX),
        tasks_failed: u32::try_from(failed).unwrap_or(u32::MAX),
        campaigns_active: count(CampaignStatus::Active),
        campaigns_completed: count(CampaignStatus::Completed),
        monthly_value: c.monthly_value,
        events: u32::try_from(events).unwrap_or(u32::MAX),
    };
    let previous = match store::tasks::latest_output(pool, TaskType::Reporting, c.id, campaign_id).await? {
        Some((_, TaskOutput::Reporting(prev))) => Some(prev.current),
        _ => None,
    };
    Ok(rp::Input {
        now: Utc::now(),
        subject: match campaign {
            Some(k) => rp::Subject::Campaign { company_name: c.company_name.clone(), campaign_name: k.name },
            None => rp::Subject::Client { company_name: c.company_name.clone() },
        },
        period_days,
        kpis,
        previous,
        audits: store::crawls::audit_summaries(pool, c.id, AUDITS).await?,
    })
}
