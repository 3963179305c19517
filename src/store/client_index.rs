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
use crate::model::client_query::{ClientPage, ClientQuery, ClientSlice, ManagerFilter, SortKey};
use crate::model::{Industry, Stage};
use crate::policy::ClientScope;
use crate::DomainError;
use uuid::Uuid;

/// The fields the filters and sorts read, packed small: a scan over 10,000 of these touches well under a
/// megabyte, where scanning whole clients (strings and all) would touch several.
struct Key {
    industry: Industry,
    stage: Stage,
    country: [u8; 2],
    annual_revenue: Option<i64>,
    employee_count: Option<i32>,
    monthly_value: i64,
    created_at: i64,
    manager: Option<Uuid>,
    /// Dense rank of lower(company_name) in Postgres order: equal names share a rank.
    name_group: u32,
}

struct Snapshot {
    version: i64,
    /// Parallel vectors in Postgres order of (lower(company_name), id): the position is the tie-break rank.
    keys: Vec<Key>,
    rows: Vec<ClientSummary>,
    /// Lower-case name and domain, read only when the query searches text.
    names: Vec<(String, String)>,
}

fn country_code(c: &str) -> [u8; 2] {
    let b = c.as_bytes();
    [b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]
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
        /// created_at in microseconds since the epoch: Postgres's own resolution, so ties stay ties.
        created_micros: i64,
    }
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    let version: i64 =
        sqlx::query_scalar("SELECT version FROM data_versions WHERE name = 'clients'").fetch_one(&mut *tx).await?;
    let sql = format!(
        "{} ORDER BY lower(c.company_name) ASC, c.id ASC",
        super::clients::SELECT.replacen(
            " FROM clients c",
            ", lower(c.company_name) AS name_lower,
          (extract(epoch FROM c.created_at) * 1000000)::bigint AS created_micros FROM clients c",
            1
        )
    );
    let rows: Vec<Row> = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut keys = Vec::with_capacity(rows.len());
    let mut summaries = Vec::with_capacity(rows.len());
    let mut names: Vec<(String, String)> = Vec::with_capacity(rows.len());
    let mut group = 0u32;
    for r in rows {
        if names.last().is_some_and(|(prev, _)| *prev != r.name_lower) {
            group += 1;
        }
        let c = ClientSummary::from(&r.row.into_client());
        keys.push(Key {
            industry: c.industry,
            stage: c.stage,
            country: country_code(&c.country),
            annual_revenue: c.annual_revenue,
            employee_count: c.employee_count,
            monthly_value: c.monthly_value,
            created_at: r.created_micros,
            manager: c.account_manager_id,
            name_group: group,
        });
        names.push((r.name_lower, c.domain.to_lowercase()));
        summaries.push(c);
    }
    Ok(Snapshot { version, keys, rows: summaries, names })
}

impl ClientIndex {
    pub fn new() -> ClientIndex {
        ClientIndex::default()
    }

    /// The current snapshot, reloaded first when the data changed since it was taken. `known_version` is a
    /// version read earlier in the same request (it saves the read).
    async fn snapshot(&self, pool: &PgPool, known_version: Option<i64>) -> Result<Arc<Snapshot>, DomainError> {
        let version = match known_version {
            Some(v) => v,
            None => current_version(pool).await?,
        };
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

    /// Same answer as [`super::clients::list`], as of `known_version` when the caller read the data version
    /// already in this request, else as of now.
    pub async fn list(
        &self,
        pool: &PgPool,
        scope: ClientScope,
        q: &ClientQuery,
        known_version: Option<i64>,
    ) -> Result<ClientPage, DomainError> {
        let snapshot = self.snapshot(pool, known_version).await?;
        let search = q.search.to_lowercase();
        let country = q.country.as_deref().map(country_code);
        let mut hits: Vec<usize> = snapshot
            .keys
            .iter()
            .enumerate()
            .filter(|(i, k)| {
                matches(k, snapshot.rows[*i].id, scope, q, country)
                    && (search.is_empty() || {
                        let (name, domain) = &snapshot.names[*i];
                        name.contains(&search) || domain.contains(&search)
                    })
            })
            .map(|(i, _)| i)
            .collect();
        let total = hits.len() as i64;
        let keys = &snapshot.keys;
        let order = |&a: &usize, &b: &usize| compare(&keys[a], &keys[b], q).then(a.cmp(&b));
        let start = (q.offset().max(0) as usize).min(hits.len());
        let end = (start + q.per_page as usize).min(hits.len());
        // Only the first `end` positions need ordering: partition around the end of the page, then sort
        // that prefix (the order is total, so the page is the same as with a full sort).
        if end < hits.len() && end > 0 {
            hits.select_nth_unstable_by(end - 1, order);
            hits.truncate(end);
        }
        hits.sort_unstable_by(order);
        let clients = hits[start..end].iter().map(|&i| snapshot.rows[i].clone()).collect();
        Ok(ClientPage { clients, total, page: q.page, per_page: q.per_page })
    }

    /// The clients matching `q` (its page and page size aside) that come after the client `after` in the
    /// query's order, at most `limit`, and the cursor of the next slice when more follow. The cursor is a
    /// client id: its place in the order is read from the current snapshot, so a page boundary holds while
    /// clients are added or removed around it. A cursor whose client was deleted is refused by name.
    pub async fn slice(
        &self,
        pool: &PgPool,
        scope: ClientScope,
        q: &ClientQuery,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<ClientSlice, DomainError> {
        let snapshot = self.snapshot(pool, None).await?;
        let keys = &snapshot.keys;
        let order = |&a: &usize, &b: &usize| compare(&keys[a], &keys[b], q).then(a.cmp(&b));
        let cursor = match after {
            None => None,
            Some(id) => Some(snapshot.rows.iter().position(|r| r.id == id).ok_or_else(|| {
                DomainError::field("cursor", "the client this cursor points at is gone: start from the first page")
            })?),
        };
        let search = q.search.to_lowercase();
        let country = q.country.as_deref().map(country_code);
        let matching = |i: usize| {
            matches(&keys[i], snapshot.rows[i].id, scope, q, country)
                && (search.is_empty() || {
                    let (name, domain) = &snapshot.names[i];
                    name.contains(&search) || domain.contains(&search)
                })
        };
        let total = (0..keys.len()).filter(|&i| matching(i)).count() as i64;
        let mut hits: Vec<usize> = (0..keys.len())
            .filter(|&i| matching(i) && cursor.is_none_or(|c| order(&i, &c) == Ordering::Greater))
            .collect();
        let limit = limit.max(1);
        let more = hits.len() > limit;
        if more {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(order);
        let next = if more { hits.last().map(|&i| snapshot.rows[i].id) } else { None };
        let clients = hits.iter().map(|&i| snapshot.rows[i].clone()).collect();
        Ok(ClientSlice { clients, total, next })
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

fn matches(k: &Key, id: Uuid, scope: ClientScope, q: &ClientQuery, country: Option<[u8; 2]>) -> bool {
    scope.includes(id, k.manager)
        && q.industry.is_none_or(|i| k.industry == i)
        && country.is_none_or(|x| k.country == x)
        && in_range(k.annual_revenue, q.revenue_min, q.revenue_max)
        && in_range(k.employee_count.map(i64::from), q.employees_min, q.employees_max)
        && q.stage.is_none_or(|s| k.stage == s)
        && match q.manager {
            ManagerFilter::Any => true,
            ManagerFilter::Unassigned => k.manager.is_none(),
            ManagerFilter::User(u) => k.manager == Some(u),
        }
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
fn compare(x: &Key, y: &Key, q: &ClientQuery) -> Ordering {
    let d = q.descending;
    let primary = match q.sort {
        SortKey::CompanyName => nulls_last(Some(x.name_group), Some(y.name_group), d),
        SortKey::AnnualRevenue => nulls_last(x.annual_revenue, y.annual_revenue, d),
        SortKey::EmployeeCount => nulls_last(x.employee_count, y.employee_count, d),
        SortKey::MonthlyValue => nulls_last(Some(x.monthly_value), Some(y.monthly_value), d),
        SortKey::Stage => nulls_last(Some(x.stage), Some(y.stage), d),
        SortKey::CreatedAt => nulls_last(Some(x.created_at), Some(y.created_at), d),
    };
    primary.then(x.name_group.cmp(&y.name_group))
}
