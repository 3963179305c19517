//! Clients: list with filters, detail, create, update, assign, delete, statistics, portfolio, export.
//!
//! Every read and write takes the caller's [`ClientScope`]: a client outside it is reported as not found,
//! so an account manager can't learn that another manager's client exists.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use crate::model::client::{ClientDraft, ClientSummary, LeadProfile, Timeline};
use crate::model::client_query::{ClientPage, ClientQuery, ManagerFilter, SortKey};
use crate::model::country::country_name;
pub use crate::model::portfolio::{ClientStats, GroupStats, PortfolioRow};
use crate::model::{Client, Industry, Stage};
use crate::policy::ClientScope;
use crate::DomainError;

#[derive(sqlx::FromRow)]
pub(crate) struct ClientRow {
    id: Uuid,
    company_name: String,
    website: String,
    domain: String,
    industry: String,
    country: String,
    annual_revenue: Option<i64>,
    employee_count: Option<i32>,
    stage: String,
    monthly_value: i64,
    account_manager_id: Option<Uuid>,
    account_manager_name: Option<String>,
    competitor_domains: Vec<String>,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    lead_budget: Option<i64>,
    lead_timeline: Option<String>,
    lead_decision_maker_role: String,
    lead_pain_points: String,
    lead_source: String,
    notes: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_by: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

impl ClientRow {
    pub(crate) fn into_client(self) -> Client {
        Client {
            id: self.id,
            company_name: self.company_name,
            website: self.website,
            domain: self.domain,
            industry: Industry::parse(&self.industry).unwrap_or(Industry::Other),
            country: self.country,
            annual_revenue: self.annual_revenue,
            employee_count: self.employee_count,
            stage: Stage::parse(&self.stage).unwrap_or(Stage::Prospect),
            monthly_value: self.monthly_value,
            account_manager_id: self.account_manager_id,
            account_manager_name: self.account_manager_name,
            competitor_domains: self.competitor_domains,
            contact_name: self.contact_name,
            contact_email: self.contact_email,
            contact_phone: self.contact_phone,
            lead: LeadProfile {
                budget: self.lead_budget,
                timeline: self.lead_timeline.as_deref().and_then(Timeline::parse),
                decision_maker_role: self.lead_decision_maker_role,
                pain_points: self.lead_pain_points,
                source: self.lead_source,
            },
            notes: self.notes,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_by: self.updated_by,
            updated_at: self.updated_at,
        }
    }
}

pub(crate) const SELECT: &str =
    "SELECT c.id, c.company_name, c.website, c.domain, c.industry, c.country, c.annual_revenue,
        c.employee_count, c.stage, c.monthly_value, c.account_manager_id, m.name AS account_manager_name,
        c.competitor_domains, c.contact_name, c.contact_email, c.contact_phone, c.lead_budget, c.lead_timeline,
        c.lead_decision_maker_role, c.lead_pain_points, c.lead_source, c.notes, c.created_by, c.created_at,
        c.updated_by, c.updated_at
   FROM clients c LEFT JOIN users m ON m.id = c.account_manager_id";

/// Escapes `%`, `_` and `\` so user text matches literally inside ILIKE.
fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

fn push_filters(b: &mut QueryBuilder<'_, Postgres>, q: &ClientQuery) {
    if let Some(i) = q.industry {
        b.push(" AND c.industry = ").push_bind(i.as_str());
    }
    if let Some(c) = &q.country {
        b.push(" AND c.country = ").push_bind(c.clone());
    }
    if let Some(v) = q.revenue_min {
        b.push(" AND c.annual_revenue >= ").push_bind(v);
    }
    if let Some(v) = q.revenue_max {
        b.push(" AND c.annual_revenue <= ").push_bind(v);
    }
    if let Some(v) = q.employees_min {
        b.push(" AND c.employee_count >= ").push_bind(v as i32);
    }
    if let Some(v) = q.employees_max {
        b.push(" AND c.employee_count <= ").push_bind(v as i32);
    }
    if let Some(s) = q.stage {
        b.push(" AND c.stage = ").push_bind(s.as_str());
    }
    match q.manager {
        ManagerFilter::Any => {}
        ManagerFilter::Unassigned => {
            b.push(" AND c.account_manager_id IS NULL");
        }
        ManagerFilter::User(u) => {
            b.push(" AND c.account_manager_id = ").push_bind(u);
        }
    }
    if !q.search.is_empty() {
        let pattern = like_pattern(&q.search);
        b.push(" AND (c.company_name ILIKE ").push_bind(pattern.clone());
        b.push(" OR c.domain ILIKE ").push_bind(pattern).push(")");
    }
}

fn push_order(b: &mut QueryBuilder<'_, Postgres>, q: &ClientQuery) {
    let dir = if q.descending { "DESC" } else { "ASC" };
    let column = match q.sort {
        SortKey::CompanyName => "lower(c.company_name)",
        SortKey::AnnualRevenue => "c.annual_revenue",
        SortKey::EmployeeCount => "c.employee_count",
        SortKey::MonthlyValue => "c.monthly_value",
        // Pipeline order, not alphabetical.
        SortKey::Stage => {
            "array_position(ARRAY['prospect','qualified','proposal','negotiation','won','lost','churned'], c.stage)"
        }
        SortKey::CreatedAt => "c.created_at",
    };
    b.push(format!(" ORDER BY {column} {dir} NULLS LAST, lower(c.company_name) ASC, c.id ASC"));
}

/// One page of the clients in `scope` that match `q`, with the total count.
pub async fn list(pool: &PgPool, scope: ClientScope, q: &ClientQuery) -> Result<ClientPage, DomainError> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM clients c");
    scope::push_where(&mut count, scope, "c");
    push_filters(&mut count, q);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    push_filters(&mut b, q);
    push_order(&mut b, q);
    b.push(" LIMIT ").push_bind(i64::from(q.per_page)).push(" OFFSET ").push_bind(q.offset());
    let rows: Vec<ClientRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(ClientPage {
        clients: rows.into_iter().map(|r| ClientSummary::from(&r.into_client())).collect(),
        total,
        page: q.page,
        per_page: q.per_page,
    })
}

/// A chunk of matching clients for exports: `limit` rows after skipping `offset`, in the query's order.
pub async fn export_chunk(
    pool: &PgPool,
    scope: ClientScope,
    q: &ClientQuery,
    offset: i64,
    limit: i64,
) -> Result<Vec<Client>, DomainError> {
    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    push_filters(&mut b, q);
    push_order(&mut b, q);
    b.push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    let rows: Vec<ClientRow> = b.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(ClientRow::into_client).collect())
}

/// A client inside `scope`, or NotFound (also when it exists outside the scope).
pub async fn get(pool: &PgPool, scope: ClientScope, id: Uuid) -> Result<Client, DomainError> {
    let mut b = QueryBuilder::new(SELECT);
    scope::push_where(&mut b, scope, "c");
    b.push(" AND c.id = ").push_bind(id);
    let row: Option<ClientRow> = b.build_query_as().fetch_optional(pool).await?;
    row.map(ClientRow::into_client).ok_or(DomainError::NotFound)
}

fn bind_draft<'a>(b: &mut QueryBuilder<'a, Postgres>, d: &'a ClientDraft) {
    let mut s = b.separated(", ");
    s.push_bind(&d.company_name)
        .push_bind(&d.website)
        .push_bind(&d.domain)
        .push_bind(d.industry.as_str())
        .push_bind(&d.country)
        .push_bind(d.annual_revenue)
        .push_bind(d.employee_count)
        .push_bind(d.stage.as_str())
        .push_bind(d.monthly_value)
        .push_bind(&d.competitor_domains)
        .push_bind(&d.contact_name)
        .push_bind(&d.contact_email)
        .push_bind(&d.contact_phone)
        .push_bind(d.lead.budget)
        .push_bind(d.lead.timeline.map(Timeline::as_str))
        .push_bind(&d.lead.decision_maker_role)
        .push_bind(&d.lead.pain_points)
        .push_bind(&d.lead.source)
        .push_bind(&d.notes);
}

const DRAFT_COLUMNS: &str = "company_name, website, domain, industry, country, annual_revenue, employee_count, stage,
    monthly_value, competitor_domains, contact_name, contact_email, contact_phone, lead_budget, lead_timeline,
    lead_decision_maker_role, lead_pain_points, lead_source, notes";

/// Creates a client (optionally with its account manager, who must be an active account manager).
pub async fn create(
    pool: &PgPool,
    actor: Uuid,
    draft: &ClientDraft,
    manager: Option<Uuid>,
) -> Result<Client, DomainError> {
    let mut tx = pool.begin().await?;
    if let Some(m) = manager {
        check_manager(&mut tx, m).await?;
    }
    let id = Uuid::new_v4();
    let mut b = QueryBuilder::new(format!(
        "INSERT INTO clients (id, account_manager_id, created_by, updated_by, {DRAFT_COLUMNS}) VALUES ("
    ));
    b.separated(", ").push_bind(id).push_bind(manager).push_bind(actor).push_bind(actor);
    b.push(", ");
    bind_draft(&mut b, draft);
    b.push(")");
    b.build().execute(&mut *tx).await?;
    events::record(
        &mut tx,
        Some(actor),
        "client.created",
        Target::client(id),
        json!({ "company_name": draft.company_name, "domain": draft.domain, "stage": draft.stage }),
    )
    .await?;
    // The business development director analyses every new client (agents.md).
    super::tasks::insert(&mut tx, Some(actor), &super::tasks::Insert::client_analysis(id)).await?;
    tx.commit().await?;
    get(pool, ClientScope::All, id).await
}

/// Updates a client inside `scope`; the event lists the fields that changed.
pub async fn update(
    pool: &PgPool,
    scope: ClientScope,
    actor: Uuid,
    id: Uuid,
    draft: &ClientDraft,
) -> Result<Client, DomainError> {
    let before = get(pool, scope, id).await?;
    let mut tx = pool.begin().await?;
    let mut b = QueryBuilder::new(format!("UPDATE clients c SET ({DRAFT_COLUMNS}, updated_by, updated_at) = ("));
    bind_draft(&mut b, draft);
    b.push(", ").push_bind(actor).push(", now()) WHERE c.id = ").push_bind(id);
    scope::push(&mut b, scope, "c");
    let done = b.build().execute(&mut *tx).await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound);
    }
    let changed = changed_fields(&before, draft);
    events::record(&mut tx, Some(actor), "client.updated", Target::client(id), json!({ "changed": changed })).await?;
    if before.stage != draft.stage {
        events::record(
            &mut tx,
            Some(actor),
            "client.stage_changed",
            Target::client(id),
            json!({ "from": before.stage, "to": draft.stage }),
        )
        .await?;
    }
    tx.commit().await?;
    get(pool, ClientScope::All, id).await
}

fn changed_fields(c: &Client, d: &ClientDraft) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name: &'static str, same: bool| {
        if !same {
            out.push(name);
        }
    };
    check("company_name", c.company_name == d.company_name);
    check("website", c.website == d.website);
    check("industry", c.industry == d.industry);
    check("country", c.country == d.country);
    check("annual_revenue", c.annual_revenue == d.annual_revenue);
    check("employee_count", c.employee_count == d.employee_count);
    check("stage", c.stage == d.stage);
    check("monthly_value", c.monthly_value == d.monthly_value);
    check("competitor_domains", c.competitor_domains == d.competitor_domains);
    check(
        "contact",
        c.contact_name == d.contact_name && c.contact_email == d.contact_email && c.contact_phone == d.contact_phone,
    );
    check("lead_profile", c.lead == d.lead);
    check("notes", c.notes == d.notes);
    out
}

async fn check_manager(conn: &mut sqlx::PgConnection, manager: Uuid) -> Result<(), DomainError> {
    let ok: Option<bool> = sqlx::query_scalar("SELECT active AND role = 'account_manager' FROM users WHERE id = $1")
        .bind(manager)
        .fetch_optional(&mut *conn)
        .await?;
    match ok {
        Some(true) => Ok(()),
        _ => Err(DomainError::field("account_manager", "choose an active account manager")),
    }
}

/// Gives the client an account manager (None removes it).
pub async fn assign(pool: &PgPool, actor: Uuid, id: Uuid, manager: Option<Uuid>) -> Result<Client, DomainError> {
    let before = get(pool, ClientScope::All, id).await?;
    let mut tx = pool.begin().await?;
    if let Some(m) = manager {
        check_manager(&mut tx, m).await?;
    }
    sqlx::query("UPDATE clients SET account_manager_id = $2, updated_by = $3, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(manager)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    events::record(
        &mut tx,
        Some(actor),
        "client.assigned",
        Target::client(id),
        json!({ "from": before.account_manager_id, "to": manager }),
    )
    .await?;
    tx.commit().await?;
    get(pool, ClientScope::All, id).await
}

/// Deletes a client and its campaigns, unless a campaign is active or paused: then the refusal names them.
pub async fn delete(pool: &PgPool, actor: Uuid, id: Uuid) -> Result<(), DomainError> {
    super::with_retries("deleting a client", || delete_once(pool, actor, id)).await
}

async fn delete_once(pool: &PgPool, actor: Uuid, id: Uuid) -> Result<(), super::Attempt> {
    let mut tx = pool.begin().await?;
    // FOR NO KEY UPDATE, then the tasks, then the rows: the order a worker completing one of the client's
    // tasks takes its locks in (task row, then key-share on the client and campaign), so neither deadlocks.
    let client: Option<(String,)> = sqlx::query_as("SELECT company_name FROM clients WHERE id = $1 FOR NO KEY UPDATE")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let (name,) = client.ok_or(DomainError::NotFound)?;
    // Lock every campaign of the client, so none can start while the delete decides (a status change
    // locks its campaign row first).
    let blocking: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, status FROM (SELECT name, status FROM campaigns WHERE client_id = $1 FOR NO KEY UPDATE) k
          WHERE status IN ('active', 'paused') ORDER BY lower(name)",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    if !blocking.is_empty() {
        let list: Vec<String> = blocking.iter().map(|(n, s)| format!("{n} ({s})")).collect();
        return Err(super::Attempt::Failed(DomainError::Rule(format!(
            "{name} can't be deleted while it has active or paused campaigns: {}. Complete or cancel them first.",
            list.join(", ")
        ))));
    }
    // The company's portal users lose access with it.
    super::users::end_access(&mut tx, super::users::Whose::ClientsPeople(id)).await?;
    sqlx::query("DELETE FROM tasks WHERE client_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&mut *tx).await?;
    events::record(&mut tx, Some(actor), "client.deleted", Target::client(id), json!({ "company_name": name })).await?;
    tx.commit().await?;
    Ok(())
}

/// Ids and names of the clients in `scope`, by name (pickers).
pub async fn names(pool: &PgPool, scope: ClientScope) -> Result<Vec<(Uuid, String)>, DomainError> {
    let mut b = QueryBuilder::new("SELECT c.id, c.company_name FROM clients c");
    scope::push_where(&mut b, scope, "c");
    b.push(" ORDER BY lower(c.company_name), c.id LIMIT 5000");
    Ok(b.build_query_as().fetch_all(pool).await?)
}

/// Account managers (active ones) to filter by and assign.
pub async fn account_managers(pool: &PgPool) -> Result<Vec<(Uuid, String)>, DomainError> {
    Ok(sqlx::query_as("SELECT id, name FROM users WHERE role = 'account_manager' AND active ORDER BY lower(name)")
        .fetch_all(pool)
        .await?)
}

/// Clients grouped by `column` (`industry` or `country`), each group named by `label`.
async fn group_stats(
    pool: &PgPool,
    scope: ClientScope,
    column: &str,
    label: fn(&str) -> String,
) -> Result<Vec<GroupStats>, DomainError> {
    let mut b = QueryBuilder::new(format!(
        "SELECT c.{column} AS key, c.stage, count(*)::bigint, coalesce(sum(c.annual_revenue), 0)::bigint,
                coalesce(sum(c.monthly_value) FILTER (WHERE c.stage = 'won'), 0)::bigint
           FROM clients c"
    ));
    scope::push_where(&mut b, scope, "c");
    b.push(format!(" GROUP BY c.{column}, c.stage"));
    let rows: Vec<(String, String, i64, i64, i64)> = b.build_query_as().fetch_all(pool).await?;
    let mut groups: Vec<GroupStats> = Vec::new();
    for (key, stage, n, revenue, managed) in rows {
        let idx = match groups.iter().position(|g| g.key == key) {
            Some(i) => i,
            None => {
                groups.push(GroupStats {
                    label: label(&key),
                    key: key.clone(),
                    clients: 0,
                    annual_revenue: 0,
                    managed_monthly_value: 0,
                    stages: Stage::ALL.iter().map(|s| (s.label().to_string(), 0)).collect(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[idx];
        g.clients += n;
        g.annual_revenue = g.annual_revenue.saturating_add(revenue);
        g.managed_monthly_value = g.managed_monthly_value.saturating_add(managed);
        let label = Stage::parse(&stage).map(Stage::label);
        if let Some(slot) = g.stages.iter_mut().find(|(s, _)| Some(s.as_str()) == label) {
            slot.1 += n;
        }
    }
    groups.sort_by(|a, b| b.clients.cmp(&a.clients).then_with(|| a.key.cmp(&b.key)));
    Ok(groups)
}

pub async fn stats(pool: &PgPool, scope: ClientScope) -> Result<ClientStats, DomainError> {
    let by_industry = group_stats(pool, scope, "industry", |k| {
        Industry::parse(k).map(|i| i.label().to_string()).unwrap_or_else(|| k.into())
    })
    .await?;
    let by_country =
        group_stats(pool, scope, "country", |k| country_name(k).map(str::to_string).unwrap_or_else(|| k.into()))
            .await?;
    let total_clients = by_industry.iter().map(|g| g.clients).sum();
    let total_managed_monthly_value = by_industry.iter().map(|g| g.managed_monthly_value).sum();
    Ok(ClientStats { by_industry, by_country, total_clients, total_managed_monthly_value })
}

/// The clients `manager` manages, by name.
pub async fn portfolio(pool: &PgPool, manager: Uuid) -> Result<Vec<PortfolioRow>, DomainError> {
    let mut b = QueryBuilder::new(
        "SELECT c.id, c.company_name, c.domain, c.stage, c.monthly_value,
                (SELECT count(*) FROM campaigns k WHERE k.client_id = c.id AND k.status = 'active') AS active_campaigns,
                (SELECT max(e.at) FROM events e WHERE e.client_id = c.id) AS last_activity
           FROM clients c",
    );
    scope::push_where(&mut b, ClientScope::ManagedBy(manager), "c");
    b.push(" ORDER BY lower(c.company_name)");
    Ok(b.build_query_as().fetch_all(pool).await?)
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn search_text_matches_literally() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
