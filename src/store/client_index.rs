//! An in-process index of the clients for the filtered list: the list's filters, sorting and paging run in
//! memory instead of as two SQL queries per request.
//!
//! Freshness: triggers bump `data_versions.clients` on every change to clients (and to users' names). Each
//! list call reads that version (one primary-key read); when it differs from the snapshot's, the snapshot is
//! reloaded (one query, in a repeatable-read transaction together with the version). So a change is visible
//! to the next request on every instance, including the writer's own.
//!
//! Semantics match [`super::clients::list`] exactly: rows are loaded in Postgres's own order of
//! `lower(company_name), id` (so the database's collation decides name order), NULLs sort last in both
//! directions, ties break by that name order; search is a case-insensitive substring match on name or
//! domain. `client_index_matches_the_sql_list` in the integration tests compares the two on many queries.

use std::cmp::Ordering;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{Mutex, RwLock};

use super::clients::ClientRow;
use crate::model::client::ClientSummary;
use crate::model::client_query::{ClientPage, ClientQuery, ManagerFilter, SortKey};
use crate::model::Client;
use crate::policy::ClientScope;
use crate::DomainError;

struct Entry {
    client: Client,
    /// Dense rank of lower(company_name) in Postgres order: equal names share a rank.
    name_group: u32,
    name_lower: String,
    domain_lower: String,
}

struct Snapshot {
    version: i64,
    /// In Postgres order of (lower(company_name), id): the position is the tie-break rank.
    entries: Vec<Entry>,
}

#[derive(Default)]
pub struct ClientIndex {
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    reload: Mutex<()>,
}

async fn current_version(pool: &PgPool) -> Result<i64, DomainError> {
    Ok(sqlx::query_scalar("SELECT version FROM data_versions WHERE name = 'clients'").fetch_one(pool).await?)
}

async fn load(pool: &PgPool) -> Result<Snapshot, DomainError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        row: ClientRow,
        name_lower: String,
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    let version: i64 =
        sqlx::query_scalar("SELECT version FROM data_versions WHERE name = 'clients'").fetch_one(&mut *tx).await?;
    let sql = format!(
        "{} ORDER BY lower(c.company_name) ASC, c.id ASC",
        super::clients::SELECT.replacen(" FROM clients c", ", lower(c.company_name) AS name_lower FROM clients c", 1)
    );
    let rows: Vec<Row> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut entries: Vec<Entry> = Vec::with_capacity(rows.len());
    let mut group = 0u32;
    for r in rows {
        if entries.last().is_some_and(|prev| prev.name_lower != r.name_lower) {
            group += 1;
        }
        let client = r.row.into_client();
        entries.push(Entry {
            domain_lower: client.domain.to_lowercase(),
            name_lower: r.name_lower,
            name_group: group,
            client,
        });
    }
    Ok(Snapshot { version, entries })
}

impl ClientIndex {
    pub fn new() -> ClientIndex {
        ClientIndex::default()
    }

    /// The current snapshot, reloaded first when the data changed since it was taken.
    async fn snapshot(&self, pool: &PgPool) -> Result<Arc<Snapshot>, DomainError> {
        let version = current_version(pool).await?;
        if let Some(s) = self.snapshot.read().await.as_ref() {
            if s.version >= version {
                return Ok(s.clone());
            }
        }
        // One reload at a time; whoever waited finds the fresh snapshot.
        let _guard = self.reload.lock().await;
        if let Some(s) = self.snapshot.read().await.as_ref() {
            if s.version >= version {
                return Ok(s.clone());
            }
        }
        let fresh = Arc::new(load(pool).await?);
        *self.snapshot.write().await = Some(fresh.clone());
        Ok(fresh)
    }

    /// Same answer as [`super::clients::list`].
    pub async fn list(&self, pool: &PgPool, scope: ClientScope, q: &ClientQuery) -> Result<ClientPage, DomainError> {
        let snapshot = self.snapshot(pool).await?;
        let search = q.search.to_lowercase();
        let mut hits: Vec<usize> = snapshot
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches(e, scope, q, &search))
            .map(|(i, _)| i)
            .collect();
        let total = hits.len() as i64;
        let entries = &snapshot.entries;
        let order = |&a: &usize, &b: &usize| compare(&entries[a], &entries[b], q).then(a.cmp(&b));
        let start = (q.offset().max(0) as usize).min(hits.len());
        let end = (start + q.per_page as usize).min(hits.len());
        // Only the first `end` positions need ordering: partition around the end of the page, then sort
        // that prefix (the order is total, so the page is the same as with a full sort).
        if end < hits.len() && end > 0 {
            hits.select_nth_unstable_by(end - 1, order);
            hits.truncate(end);
        }
        hits.sort_unstable_by(order);
        let clients = hits[start..end].iter().map(|&i| ClientSummary::from(&entries[i].client)).collect();
        Ok(ClientPage { clients, total, page: q.page, per_page: q.per_page })
    }
}

fn in_range(value: Option<i64>, min: Option<i64>, max: Option<i64>) -> bool {
    if min.is_none() && max.is_none() {
        return true;
    }
    // SQL: NULL >= x is not true, so a row without the value never passes a bound.
    match value {
        None => false,
        Some(v) => min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m),
    }
}

fn matches(e: &Entry, scope: ClientScope, q: &ClientQuery, search: &str) -> bool {
    let c = &e.client;
    scope.includes(c.account_manager_id)
        && q.industry.is_none_or(|i| c.industry == i)
        && q.country.as_ref().is_none_or(|x| &c.country == x)
        && in_range(c.annual_revenue, q.revenue_min, q.revenue_max)
        && in_range(c.employee_count.map(i64::from), q.employees_min, q.employees_max)
        && q.stage.is_none_or(|s| c.stage == s)
        && match q.manager {
            ManagerFilter::Any => true,
            ManagerFilter::Unassigned => c.account_manager_id.is_none(),
            ManagerFilter::User(u) => c.account_manager_id == Some(u),
        }
        && (search.is_empty() || e.name_lower.contains(search) || e.domain_lower.contains(search))
}

/// `ORDER BY key <dir> NULLS LAST`: None after every value whatever the direction.
fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            if descending {
                y.cmp(&x)
            } else {
                x.cmp(&y)
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The primary sort key, then the name group ascending (the SQL's `lower(company_name) ASC`); the caller
/// breaks remaining ties by Postgres position, which is the SQL's `id ASC` within a name group.
fn compare(a: &Entry, b: &Entry, q: &ClientQuery) -> Ordering {
    let (x, y) = (&a.client, &b.client);
    let d = q.descending;
    let primary = match q.sort {
        SortKey::CompanyName => nulls_last(Some(a.name_group), Some(b.name_group), d),
        SortKey::AnnualRevenue => nulls_last(x.annual_revenue, y.annual_revenue, d),
        SortKey::EmployeeCount => nulls_last(x.employee_count, y.employee_count, d),
        SortKey::MonthlyValue => nulls_last(Some(x.monthly_value), Some(y.monthly_value), d),
        SortKey::Stage => nulls_last(Some(x.stage), Some(y.stage), d),
        SortKey::CreatedAt => nulls_last(Some(x.created_at), Some(y.created_at), d),
    };
    primary.then(a.name_group.cmp(&b.name_group))
}
