//! The chief SEO strategist's input: the client, the campaign when the task has one, the latest audit and
//! the latest outputs of the content strategy, competitive analysis and link building agents.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use crate::agents::chief_seo_strategist as cs;
use crate::model::task::{TaskOutput, TaskType};
use crate::model::Client;
use crate::policy::ClientScope;
use crate::store;
use crate::DomainError;

/// Gap terms the strategy reads from the content strategy, at most.
const GAP_TERMS: usize = 10;

pub async fn load(pool: &PgPool, c: &Client, campaign_id: Option<Uuid>) -> Result<cs::Input, DomainError> {
    let campaign = match campaign_id {
        Some(id) => Some(store::campaigns::get(pool, ClientScope::All, id).await?),
        None => None,
    };
    let latest = |task_type| store::tasks::latest_output(pool, task_type, c.id, None);
    Ok(cs::Input {
        today: Utc::now().date_naive(),
        company_name: c.company_name.clone(),
        industry: c.industry,
        campaign: campaign.map(|k| cs::CampaignBrief {
            name: k.name,
            kind: k.kind,
            objectives: k.objectives,
            start_date: k.start_date,
            end_date: k.end_date,
        }),
        pain_points: c.lead.pain_points.clone(),
        audit: store::crawls::latest_audit(pool, c.id).await?,
        content: match latest(TaskType::ContentStrategy).await? {
            Some((_, TaskOutput::ContentStrategy(o))) => Some(cs::ContentSummary {
                pages_analysed: o.pages_analysed,
                thin_pages: u32::try_from(o.thin_pages.len()).unwrap_or(u32::MAX),
                duplicate_pages: u32::try_from(o.duplicates.iter().map(|d| d.urls.len()).sum::<usize>())
                    .unwrap_or(u32::MAX),
                gap_terms: o.gaps.iter().take(GAP_TERMS).map(|g| g.term.clone()).collect(),
            }),
            _ => None,
        },
        competitive: match latest(TaskType::CompetitiveAnalysis).await? {
            Some((_, TaskOutput::CompetitiveAnalysis(o))) => {
                o.rows.iter().find(|r| r.is_client).map(|r| cs::CompetitiveSummary {
                    strength_index: r.strength.score,
                    weaker_on: o.weaknesses.iter().map(|w| w.metric.clone()).collect(),
                })
            }
            _ => None,
        },
        links: match latest(TaskType::LinkBuilding).await? {
            Some((_, TaskOutput::LinkBuilding(o))) => Some(cs::LinkSummary {
                orphan_pages: o.orphans_total,
                broken_outbound: o.broken_links_total,
                deep_pages: o.deep_pages_total,
            }),
            _ => None,
        },
    })
}
