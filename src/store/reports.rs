//! Client reports and the agency's branding. A report is read, never stored: it is assembled from the
//! audits, crawl comparisons, campaigns, tasks and agent results as they stood at the period's end (see
//! `model::report`), so the same data and period give the same report.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::events::{self, Target};
use super::tasks::OfCampaign;
use crate::crawl::checks::CHECKS;
use crate::model::crawl::HealthPoint;
use crate::model::report::{
    Branding, CampaignLine, CheckLine, ClientReport, FiguresSection, HealthSection, IssueSection, NextSteps,
    ReportPeriod, ReportSection, ReportTemplate, StepLine, TaskSection, TemplateDraft,
};
use crate::model::task::{TaskOutput, TaskType};
use crate::policy::ClientScope;
use crate::DomainError;

/// Audits the health chart shows, at most.
const HEALTH_POINTS: i64 = 12;
/// Lines in each of the fixed and new issue lists, and roadmap items shown.
const TOP: usize = 5;

/// The agency's branding, or the defaults until an admin sets it.
pub async fn branding(pool: &PgPool) -> Result<Branding, DomainError> {
    let row: Option<(String, String, Option<String>)> =
        sqlx::query_as("SELECT name, accent, logo_type FROM agency_branding").fetch_optional(pool).await?;
    Ok(row.map(|(name, accent, logo_type)| Branding { name, accent, logo_type }).unwrap_or_default())
}

/// The logo's bytes and media type, when one was uploaded.
pub async fn logo(pool: &PgPool) -> Result<Option<(Vec<u8>, String)>, DomainError> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> =
        sqlx::query_as("SELECT logo, logo_type FROM agency_branding").fetch_optional(pool).await?;
    Ok(row.and_then(|(logo, t)| Some((logo?, t?))))
}

/// Sets the agency's name and accent colour (validated by `BrandingInput::validate`).
pub async fn set_branding(pool: &PgPool, actor: Uuid, name: &str, accent: &str) -> Result<Branding, DomainError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO agency_branding (name, accent, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = $1, accent = $2, updated_by = $3, updated_at = now()",
    )
    .bind(name)
    .bind(accent)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    events::record(
        &mut tx,
        Some(actor),
        "agency.branding_changed",
        Target::agency(),
        json!({ "name": name, "accent": accent }),
    )
    .await?;
    tx.commit().await?;
    branding(pool).await
}

/// Stores the logo (`None` removes it); the bytes were checked by `model::report::logo_type`.
pub async fn set_logo(pool: &PgPool, actor: Uuid, logo: Option<(&[u8], &str)>) -> Result<Branding, DomainError> {
    let defaults = Branding::default();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO agency_branding (name, accent, logo, logo_type, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET logo = $3, logo_type = $4, updated_by = $5, updated_at = now()",
    )
    .bind(&defaults.name)
    .bind(&defaults.accent)
    .bind(logo.map(|l| l.0))
    .bind(logo.map(|l| l.1))
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    let detail = json!({ "logo": logo.map(|(bytes, t)| json!({ "type": t, "bytes": bytes.len() })) });
    events::record(&mut tx, Some(actor), "agency.logo_changed", Target::agency(), detail).await?;
    tx.commit().await?;
    branding(pool).await
}

type TemplateRow = (Uuid, String, String, Vec<String>, bool);

fn template_of((id, name, intro, sections, is_default): TemplateRow) -> ReportTemplate {
    ReportTemplate {
        id: Some(id),
        name,
        intro,
        sections: sections.iter().filter_map(|s| ReportSection::parse(s)).collect(),
        is_default,
    }
}

const TEMPLATE_COLUMNS: &str = "SELECT id, name, intro, sections, is_default FROM report_templates";

/// The templates made by admins, by name, after the built-in standard one.
pub async fn templates(pool: &PgPool) -> Result<Vec<ReportTemplate>, DomainError> {
    let rows: Vec<TemplateRow> =
        sqlx::query_as(&format!("{TEMPLATE_COLUMNS} ORDER BY lower(name), id")).fetch_all(pool).await?;
    let mut out: Vec<ReportTemplate> = rows.into_iter().map(template_of).collect();
    let mut standard = ReportTemplate::standard();
    standard.is_default = !out.iter().any(|t| t.is_default);
    out.insert(0, standard);
    Ok(out)
}

/// The template `id`, or when None the default one (the standard template when no template is).
pub async fn template(pool: &PgPool, id: Option<Uuid>) -> Result<ReportTemplate, DomainError> {
    let row: Option<TemplateRow> = match id {
        Some(id) => {
            let row =
                sqlx::query_as(&format!("{TEMPLATE_COLUMNS} WHERE id = $1")).bind(id).fetch_optional(pool).await?;
            Some(row.ok_or_else(|| DomainError::field("template", "no such report template"))?)
        }
        None => sqlx::query_as(&format!("{TEMPLATE_COLUMNS} WHERE is_default")).fetch_optional(pool).await?,
    };
    Ok(row.map(template_of).unwrap_or_else(ReportTemplate::standard))
}

/// Creates a template (`id` None) or changes one; a default template takes the default from any other.
pub async fn save_template(
    pool: &PgPool,
    actor: Uuid,
    id: Option<Uuid>,
    d: &TemplateDraft,
) -> Result<ReportTemplate, DomainError> {
    let sections: Vec<&str> = d.sections.iter().map(|s| s.as_str()).collect();
    let mut tx = pool.begin().await?;
    if d.is_default {
        sqlx::query("UPDATE report_templates SET is_default = false WHERE is_default AND id IS DISTINCT FROM $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let written = match id {
        None => sqlx::query(
            "INSERT INTO report_templates (id, name, intro, sections, is_default, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(Uuid::new_v4()),
        Some(id) => sqlx::query(
            "UPDATE report_templates SET name = $2, intro = $3, sections = $4, is_default = $5, updated_by = $6,
                    updated_at = now()
              WHERE id = $1 RETURNING id",
        )
        .bind(id),
    }
    .bind(&d.name)
    .bind(&d.intro)
    .bind(&sections)
    .bind(d.is_default)
    .bind(actor)
    .fetch_optional(&mut *tx)
    .await;
    let saved: Uuid = match written {
        Ok(Some(row)) => sqlx::Row::try_get(&row, "id")?,
        Ok(None) => return Err(DomainError::NotFound),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            return Err(DomainError::field("name", "another template has this name"))
        }
        Err(e) => return Err(e.into()),
    };
    let action = if id.is_some() { "agency.template_updated" } else { "agency.template_created" };
    events::record(&mut tx, Some(actor), action, Target::agency(), json!({ "template": saved, "name": d.name }))
        .await?;
    tx.commit().await?;
    template(pool, Some(saved)).await
}

/// Deletes a template; reports that named it fall back to the default.
pub async fn delete_template(pool: &PgPool, actor: Uuid, id: Uuid) -> Result<(), DomainError> {
    let mut tx = pool.begin().await?;
    let name: Option<String> = sqlx::query_scalar("DELETE FROM report_templates WHERE id = $1 RETURNING name")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let name = name.ok_or(DomainError::NotFound)?;
    events::record(
        &mut tx,
        Some(actor),
        "agency.template_deleted",
        Target::agency(),
        json!({ "template": id, "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The report on client `client_id` (inside `scope`) for `period`, laid out by the template `template_id`
/// (the default template when None).
pub async fn client_report(
    pool: &PgPool,
    scope: ClientScope,
    client_id: Uuid,
    period: ReportPeriod,
    template_id: Option<Uuid>,
) -> Result<ClientReport, DomainError> {
    let client = super::clients::get(pool, scope, client_id).await?;
    let template = template(pool, template_id).await?;
    let (start, end) = (period.start(), period.end());
    let mut missing = Vec::new();

    // Health: the audits finished before the period's end, oldest first.
    let rows: Vec<(Uuid, DateTime<Utc>, f64, i32)> = sqlx::query_as(
        "SELECT id, finished_at, health, coalesce(error_count, 0) FROM crawls
          WHERE client_id = $1 AND kind = 'site' AND status = 'completed' AND health IS NOT NULL
            AND finished_at < $2
          ORDER BY finished_at DESC LIMIT $3",
    )
    .bind(client_id)
    .bind(end)
    .bind(HEALTH_POINTS)
    .fetch_all(pool)
    .await?;
    let points: Vec<HealthPoint> = rows
        .into_iter()
        .rev()
        .map(|(crawl_id, finished_at, health, errors)| HealthPoint {
            crawl_id,
            finished_at,
            health,
            errors: i64::from(errors),
        })
        .collect();
    let latest = points.last().cloned();
    let before = points.iter().rev().find(|p| p.finished_at < start).cloned();
    let categories = match &latest {
        Some(p) => super::crawls::get(pool, ClientScope::All, p.crawl_id).await?.categories,
        None => {
            missing.push("No site audit had finished by the end of the period: run one from the client's page.".into());
            Vec::new()
        }
    };
    let change = HealthSection::change_of(latest.as_ref(), before.as_ref());

    // Issues: the latest audit against the latest before the period (or the one before the latest).
    let baseline = match (&latest, &before) {
        (Some(l), Some(b)) if b.crawl_id != l.crawl_id => Some(b.clone()),
        (Some(_), _) if points.len() >= 2 => Some(points[points.len() - 2].clone()),
        _ => None,
    };
    let issues = match (&latest, baseline) {
        (Some(after), Some(before)) => {
            let deltas = super::crawls::compare(pool, before.crawl_id, after.crawl_id).await?;
            let line =
                |d: &crate::agents::technical_seo_operations_manager::CheckDelta, count: i64, example| CheckLine {
                    check: d.check.clone(),
                    description: CHECKS
                        .iter()
                        .find(|c| c.id == d.check)
                        .map_or_else(|| d.check.clone(), |c| c.description.to_string()),
                    severity: d.severity.clone(),
                    count,
                    example,
                };
            let mut fixed: Vec<_> = deltas.iter().filter(|d| d.fixed > 0).collect();
            fixed.sort_by(|a, b| b.fixed.cmp(&a.fixed).then(a.check.cmp(&b.check)));
            let mut new: Vec<_> = deltas.iter().filter(|d| d.new > 0).collect();
            new.sort_by(|a, b| b.new.cmp(&a.new).then(a.check.cmp(&b.check)));
            Some(IssueSection {
                before_crawl: before.crawl_id,
                after_crawl: after.crawl_id,
                fixed: deltas.iter().map(|d| d.fixed).sum(),
                new: deltas.iter().map(|d| d.new).sum(),
                top_fixed: fixed.iter().take(TOP).map(|d| line(d, d.fixed, None)).collect(),
                top_new: new.iter().take(TOP).map(|d| line(d, d.new, d.new_examples.first().cloned())).collect(),
            })
        }
        (Some(_), None) => {
            missing.push("Issues fixed and new need two audits; the client has one so far.".into());
            None
        }
        (None, _) => None,
    };

    // Campaigns created by the period's end, with their tasks as of then.
    let lines: Vec<(Uuid, String, String, i64, i64)> = sqlx::query_as(
        "SELECT k.id, k.name, k.status,
                count(t.id) FILTER (WHERE t.status = 'completed' AND t.finished_at < $2),
                count(t.id) FILTER (WHERE t.status <> 'cancelled' AND t.created_at < $2)
           FROM campaigns k LEFT JOIN tasks t ON t.campaign_id = k.id
          WHERE k.client_id = $1 AND k.created_at < $2
          GROUP BY k.id ORDER BY k.created_at, k.id",
    )
    .bind(client_id)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let campaigns = lines
        .into_iter()
        .map(|(id, name, status, done, planned)| CampaignLine { id, name, status, done, planned })
        .collect();

    // Tasks that finished in the period.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT task_type, count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed')
           FROM tasks WHERE client_id = $1 AND finished_at >= $2 AND finished_at < $3
          GROUP BY task_type",
    )
    .bind(client_id)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let mut by_type: Vec<(String, i64)> = rows
        .iter()
        .filter(|r| r.1 > 0)
        .map(|(t, done, _)| (TaskType::parse(t).map_or_else(|| t.clone(), |t| t.label().to_string()), *done))
        .collect();
    by_type.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let tasks =
        TaskSection { completed: rows.iter().map(|r| r.1).sum(), failed: rows.iter().map(|r| r.2).sum(), by_type };

    // The agents' latest results by the period's end.
    let figures = match super::tasks::latest_output_where(
        pool,
        TaskType::Reporting,
        client_id,
        OfCampaign::ClientLevel,
        Some(end),
    )
    .await?
    {
        Some((task_id, finished_at, TaskOutput::Reporting(o))) => {
            Some(FiguresSection { task_id, finished_at, kpis: o.kpis, anomalies: o.anomalies })
        }
        _ => {
            missing.push("The reporting agent has not reported on this client by the end of the period.".into());
            None
        }
    };
    let next_steps = match super::tasks::latest_output_where(
        pool,
        TaskType::Strategy,
        client_id,
        OfCampaign::ClientLevel,
        Some(end),
    )
    .await?
    {
        Some((task_id, _, TaskOutput::Strategy(o))) => {
            let mut items = o.items;
            items.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.title.cmp(&b.title)));
            Some(NextSteps {
                task_id,
                items: items
                    .into_iter()
                    .take(TOP)
                    .map(|i| StepLine {
                        title: i.title,
                        why: i.why,
                        priority: i.priority,
                        quadrant: quadrant_label(i.quadrant).into(),
                    })
                    .collect(),
            })
        }
        _ => {
            missing.push("The SEO strategist has no roadmap for this client by the end of the period.".into());
            None
        }
    };

    Ok(ClientReport {
        agency: branding(pool).await?,
        client_id,
        client_name: client.company_name,
        website: client.website,
        industry: client.industry.label().to_string(),
        period,
        period_label: period.label(),
        template: template.name,
        intro: template.intro,
        sections: template.sections,
        health: HealthSection { points, latest, before, change, categories },
        issues,
        campaigns,
        tasks,
        figures,
        next_steps,
        missing,
    })
}

fn quadrant_label(q: crate::agents::chief_seo_strategist::Quadrant) -> &'static str {
    use crate::agents::chief_seo_strategist::Quadrant;
    match q {
        Quadrant::QuickWin => "Quick win",
        Quadrant::MajorProject => "Major project",
        Quadrant::FillIn => "Fill-in",
        Quadrant::Deprioritise => "Later",
    }
}
