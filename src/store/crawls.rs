//! Crawls in Postgres: pages, links, text samples and issues written in batches while the crawl runs, the
//! live counters, the finished scores, the audit pages' reads (all scoped to the caller's clients), keyset
//! chunks for the streamed exports, and the recurring audit schedule.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::events::{self, Target};
use super::scope;
use crate::crawl::audit::{clip, enum_name, issue_row, AuditedPage, TITLE_CHARS};
use crate::crawl::checks::{self, Issue, Score};
use crate::crawl::crawler::Progress;
use crate::model::crawl::{
    AuditOverviewPage, Cadence, CategoryScore, CheckCount, ClientAuditRow, ClientAudits, Crawl, CrawlKind, CrawlStatus,
    IssuePage, IssueRow, PageFilter, PagePage, PageRow, Schedule,
};
use crate::model::paging::Offset;
use crate::policy::ClientScope;
use crate::DomainError;

/// Pages whose visible text is kept for content analysis, per crawl (the first ones fetched: breadth-first,
/// so the pages nearest the start).
pub const TEXT_SAMPLE_PAGES: i32 = 5_000;
/// Characters of visible text kept per sampled page.
pub const TEXT_SAMPLE_CHARS: usize = 20_000;

pub struct NewCrawl<'a> {
    pub client_id: Uuid,
    pub task_id: Option<Uuid>,
    pub kind: CrawlKind,
    pub start_url: &'a str,
    pub max_pages: i32,
    pub max_depth: i32,
}

pub async fn create(pool: &PgPool, c: &NewCrawl<'_>) -> Result<Uuid, DomainError> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO crawls (id, client_id, task_id, kind, start_url, max_pages, max_depth)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(c.client_id)
    .bind(c.task_id)
    .bind(c.kind.as_str())
    .bind(c.start_url)
    .bind(c.max_pages)
    .bind(c.max_depth)
    .execute(pool)
    .await?;
    Ok(id)
}

/// Pages (with their links and, for the first [`TEXT_SAMPLE_PAGES`], their text) waiting to be written.
#[derive(Default)]
pub struct PageBatch {
    ids: Vec<i32>,
    url: Vec<String>,
    final_url: Vec<String>,
    status: Vec<i16>,
    depth: Vec<i32>,
    ttfb: Vec<i32>,
    bytes: Vec<i64>,
    content_type: Vec<Option<String>>,
    title: Vec<Option<String>>,
    description: Vec<Option<String>>,
    h1: Vec<i32>,
    h1_text: Vec<Option<String>>,
    words: Vec<i32>,
    canonical: Vec<Option<String>>,
    hash: Vec<Option<String>>,
    json_ld: Vec<bool>,
    html: Vec<bool>,
    indexable: Vec<bool>,
    in_sitemap: Vec<bool>,
    internal: Vec<i32>,
    external: Vec<i32>,
    error: Vec<Option<String>>,
    link_from: Vec<i32>,
    link_to: Vec<String>,
    link_anchor: Vec<String>,
    link_nofollow: Vec<bool>,
    link_internal: Vec<bool>,
    text_page: Vec<i32>,
    text: Vec<String>,
}

impl PageBatch {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a page as the audit pipeline hands it over: its row and links as they are, and, for the first
    /// [`TEXT_SAMPLE_PAGES`], its visible text.
    pub fn push(&mut self, a: &AuditedPage) {
        let (r, f) = (&a.row, a.page.facts.as_ref());
        self.ids.push(r.id);
        self.url.push(r.url.clone());
        self.final_url.push(r.final_url.clone());
        self.status.push(r.status);
        self.depth.push(r.depth);
        self.ttfb.push(r.ttfb_ms);
        self.bytes.push(r.bytes);
        self.content_type.push(r.content_type.clone());
        self.title.push(r.title.clone());
        self.description.push(r.meta_description.clone());
        self.h1.push(r.h1_count);
        self.h1_text.push(f.and_then(|f| f.h1.first()).map(|t| clip(t, TITLE_CHARS)));
        self.words.push(r.word_count);
        self.canonical.push(r.canonical.clone());
        self.hash.push(f.map(|f| f.content_hash.clone()).filter(|h| !h.is_empty()));
        self.json_ld.push(f.is_some_and(|f| !f.json_ld_types.is_empty()));
        self.html.push(f.is_some());
        self.indexable.push(r.indexable);
        self.in_sitemap.push(r.in_sitemap);
        self.error.push(r.error.clone());
        self.internal.push(r.internal_links);
        self.external.push(r.external_links);
        for l in &a.links {
            self.link_from.push(r.id);
            self.link_to.push(l.to_url.clone());
            self.link_anchor.push(l.anchor.clone());
            self.link_nofollow.push(l.nofollow);
            self.link_internal.push(l.internal);
        }
        if let Some(f) = f.filter(|f| r.id <= TEXT_SAMPLE_PAGES && !f.text.is_empty()) {
            self.text_page.push(r.id);
            self.text.push(clip(&f.text, TEXT_SAMPLE_CHARS));
        }
    }

    /// Writes the batch in one transaction and empties it.
    pub async fn flush(&mut self, pool: &PgPool, crawl_id: Uuid) -> Result<(), DomainError> {
        if self.is_empty() {
            return Ok(());
        }
        let b = std::mem::take(self);
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO crawl_pages (crawl_id, id, url, final_url, status, depth, ttfb_ms, bytes, content_type,
                 title, meta_description, h1_count, word_count, canonical, content_hash, json_ld, html, indexable,
                 in_sitemap, internal_links, external_links, error, h1)
             SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::text[], $5::smallint[], $6::int[], $7::int[],
                 $8::bigint[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[],
                 $15::text[], $16::bool[], $17::bool[], $18::bool[], $19::bool[], $20::int[], $21::int[],
                 $22::text[], $23::text[])",
        )
        .bind(crawl_id)
        .bind(&b.ids)
        .bind(&b.url)
        .bind(&b.final_url)
        .bind(&b.status)
        .bind(&b.depth)
        .bind(&b.ttfb)
        .bind(&b.bytes)
        .bind(&b.content_type)
        .bind(&b.title)
        .bind(&b.description)
        .bind(&b.h1)
        .bind(&b.words)
        .bind(&b.canonical)
        .bind(&b.hash)
        .bind(&b.json_ld)
        .bind(&b.html)
        .bind(&b.indexable)
        .bind(&b.in_sitemap)
        .bind(&b.internal)
        .bind(&b.external)
        .bind(&b.error)
        .bind(&b.h1_text)
        .execute(&mut *tx)
        .await?;
        if !b.link_from.is_empty() {
            sqlx::query(
                "INSERT INTO crawl_links (crawl_id, from_page, to_url, anchor, nofollow, internal)
                 SELECT $1, * FROM UNNEST($2::int[], $3::text[], $4::text[], $5::bool[], $6::bool[])",
            )
            .bind(crawl_id)
            .bind(&b.link_from)
            .bind(&b.link_to)
            .bind(&b.link_anchor)
            .bind(&b.link_nofollow)
            .bind(&b.link_internal)
            .execute(&mut *tx)
            .await?;
        }
        if !b.text_page.is_empty() {
            sqlx::query(
                "INSERT INTO crawl_texts (crawl_id, page_id, text) SELECT $1, * FROM UNNEST($2::int[], $3::text[])",
            )
            .bind(crawl_id)
            .bind(&b.text_page)
            .bind(&b.text)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Issues waiting to be written.
#[derive(Default)]
pub struct IssueBatch {
    check: Vec<String>,
    severity: Vec<String>,
    category: Vec<String>,
    url: Vec<String>,
    detail: Vec<String>,
}

impl IssueBatch {
    pub fn len(&self) -> usize {
        self.check.len()
    }

    pub fn is_empty(&self) -> bool {
        self.check.is_empty()
    }

    pub fn push(&mut self, i: &Issue) {
        let row = issue_row(i);
        self.check.push(row.check);
        self.severity.push(row.severity);
        self.category.push(row.category);
        self.url.push(row.url);
        self.detail.push(row.detail);
    }

    pub async fn flush(&mut self, pool: &PgPool, crawl_id: Uuid) -> Result<(), DomainError> {
        if self.is_empty() {
            return Ok(());
        }
        let b = std::mem::take(self);
        sqlx::query(
            "INSERT INTO crawl_issues (crawl_id, check_id, severity, category, url, detail)
             SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])",
        )
        .bind(crawl_id)
        .bind(&b.check)
        .bind(&b.severity)
        .bind(&b.category)
        .bind(&b.url)
        .bind(&b.detail)
        .execute(pool)
        .await?;
        Ok(())
    }
}

pub async fn progress(pool: &PgPool, crawl_id: Uuid, p: Progress) -> Result<(), DomainError> {
    // The same statement wakes the live streams' readers with the crawl's id (see
    // `events::PROGRESS_CHANNEL`): counters are state, not events, so nothing is stored for them.
    sqlx::query(
        "WITH updated AS (
            UPDATE crawls SET pages_done = $2, queued = $3, fetch_errors = $4, updated_at = now() WHERE id = $1
            RETURNING id)
         SELECT pg_notify($5, id::text) FROM updated",
    )
    .bind(crawl_id)
    .bind(i32::try_from(p.done).unwrap_or(i32::MAX))
    .bind(i32::try_from(p.queued).unwrap_or(i32::MAX))
    .bind(i32::try_from(p.errors).unwrap_or(i32::MAX))
    .bind(super::events::PROGRESS_CHANNEL)
    .execute(pool)
    .await?;
    Ok(())
}

/// The client of a crawl and that client's account manager (who may see its progress), if it exists.
pub async fn owner(pool: &PgPool, crawl_id: Uuid) -> Result<Option<(Uuid, Option<Uuid>)>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT cr.client_id, c.account_manager_id FROM crawls cr JOIN clients c ON c.id = cr.client_id WHERE cr.id = $1",
    )
    .bind(crawl_id)
    .fetch_optional(pool)
    .await?)
}

/// What a finished crawl stores besides its rows.
pub struct Finished<'a> {
    pub pages: usize,
    pub fetch_errors: usize,
    pub stopped: Option<&'a str>,
    pub robots_txt_found: bool,
    pub sitemap_found: bool,
    pub score: &'a Score,
}

/// Marks the crawl completed with its scores and counts each page's issues.
pub async fn finish(pool: &PgPool, crawl_id: Uuid, f: &Finished<'_>) -> Result<(), DomainError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE crawl_pages p SET errors = c.e, warnings = c.w, notices = c.n
           FROM (SELECT url, count(*) FILTER (WHERE severity = 'error') AS e,
                        count(*) FILTER (WHERE severity = 'warning') AS w,
                        count(*) FILTER (WHERE severity = 'notice') AS n
                   FROM crawl_issues WHERE crawl_id = $1 GROUP BY url) c
          WHERE p.crawl_id = $1 AND p.url = c.url",
    )
    .bind(crawl_id)
    .execute(&mut *tx)
    .await?;
    let (errors, warnings, notices): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE severity = 'error'), count(*) FILTER (WHERE severity = 'warning'),
                count(*) FILTER (WHERE severity = 'notice')
           FROM crawl_issues WHERE crawl_id = $1",
    )
    .bind(crawl_id)
    .fetch_one(&mut *tx)
    .await?;
    let score = serde_json::to_value(f.score).map_err(|e| DomainError::Internal(Box::new(e)))?;
    sqlx::query(
        "UPDATE crawls SET status = 'completed', pages_done = $2, queued = 0, fetch_errors = $3, stopped = $4,
                robots_txt_found = $5, sitemap_found = $6, health = $7, html_pages = $8, score = $9,
                error_count = $10, warning_count = $11, notice_count = $12, updated_at = now(), finished_at = now()
          WHERE id = $1",
    )
    .bind(crawl_id)
    .bind(i32::try_from(f.pages).unwrap_or(i32::MAX))
    .bind(i32::try_from(f.fetch_errors).unwrap_or(i32::MAX))
    .bind(f.stopped)
    .bind(f.robots_txt_found)
    .bind(f.sitemap_found)
    .bind(f.score.health)
    .bind(i32::try_from(f.score.html_pages).unwrap_or(i32::MAX))
    .bind(score)
    .bind(i32::try_from(errors).unwrap_or(i32::MAX))
    .bind(i32::try_from(warnings).unwrap_or(i32::MAX))
    .bind(i32::try_from(notices).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a crawl that did not complete (failed or cancelled), keeping what it stored.
pub async fn end(pool: &PgPool, crawl_id: Uuid, status: CrawlStatus, error: Option<&str>) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE crawls SET status = $2, error = $3, queued = 0, updated_at = now(), finished_at = now()
          WHERE id = $1 AND status = 'running'",
    )
    .bind(crawl_id)
    .bind(status.as_str())
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends the running crawls of a task whose run stopped outside the crawl's own code (cancelled, lease lost,
/// worker gone).
pub async fn end_for_task(pool: &PgPool, task_id: Uuid, status: CrawlStatus, error: &str) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE crawls SET status = $2, error = $3, queued = 0, updated_at = now(), finished_at = now()
          WHERE task_id = $1 AND status = 'running'",
    )
    .bind(task_id)
    .bind(status.as_str())
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

const CRAWL_COLUMNS: &str = "k.id, k.client_id, c.company_name, k.task_id, k.kind, k.start_url, k.status,
    k.max_pages, k.max_depth, k.pages_done, k.queued, k.fetch_errors, k.health, k.html_pages, k.error_count,
    k.warning_count, k.notice_count, k.score, k.stopped, k.error, k.robots_txt_found, k.sitemap_found,
    k.started_at, k.updated_at, k.finished_at";

fn crawl_from_row(r: &sqlx::postgres::PgRow) -> Result<Crawl, sqlx::Error> {
    use sqlx::Row;
    let score: Option<serde_json::Value> = r.try_get("score")?;
    let categories = score
        .and_then(|v| serde_json::from_value::<Score>(v).ok())
        .map(|s| {
            s.categories
                .iter()
                .map(|&(category, score)| CategoryScore {
                    category: enum_name(category),
                    label: category_label(category).to_string(),
                    score,
                    errors: 0,
                    warnings: 0,
                    notices: 0,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Crawl {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        client_name: r.try_get("company_name")?,
        task_id: r.try_get("task_id")?,
        kind: CrawlKind::parse(r.try_get::<&str, _>("kind")?).unwrap_or(CrawlKind::Site),
        start_url: r.try_get("start_url")?,
        status: CrawlStatus::parse(r.try_get::<&str, _>("status")?).unwrap_or(CrawlStatus::Failed),
        max_pages: r.try_get("max_pages")?,
        max_depth: r.try_get("max_depth")?,
        pages_done: r.try_get("pages_done")?,
        queued: r.try_get("queued")?,
        fetch_errors: r.try_get("fetch_errors")?,
        health: r.try_get("health")?,
        html_pages: r.try_get("html_pages")?,
        error_count: r.try_get("error_count")?,
        warning_count: r.try_get("warning_count")?,
        notice_count: r.try_get("notice_count")?,
        categories,
        stopped: r.try_get("stopped")?,
        error: r.try_get("error")?,
        robots_txt_found: r.try_get("robots_txt_found")?,
        sitemap_found: r.try_get("sitemap_found")?,
        started_at: r.try_get("started_at")?,
        updated_at: r.try_get("updated_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// A category's name as people read it.
pub fn category_label(c: checks::Category) -> &'static str {
    match c {
        checks::Category::Crawlability => "Crawlability",
        checks::Category::OnPage => "On-page",
        checks::Category::Content => "Content",
        checks::Category::Links => "Links",
        checks::Category::Performance => "Performance",
        checks::Category::Security => "Security",
    }
}

/// A crawl of a client in `scope`, or NotFound.
pub async fn get(pool: &PgPool, scope: ClientScope, id: Uuid) -> Result<Crawl, DomainError> {
    let mut b = QueryBuilder::new(format!(
        "SELECT {CRAWL_COLUMNS} FROM crawls k JOIN clients c ON c.id = k.client_id WHERE k.id = "
    ));
    b.push_bind(id);
    scope::push(&mut b, scope, "c");
    let row = b.build().fetch_optional(pool).await?.ok_or(DomainError::NotFound)?;
    let mut crawl = crawl_from_row(&row)?;
    let counts: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT category, count(*) FILTER (WHERE severity = 'error'), count(*) FILTER (WHERE severity = 'warning'),
                count(*) FILTER (WHERE severity = 'notice')
           FROM crawl_issues WHERE crawl_id = $1 GROUP BY category",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    for c in &mut crawl.categories {
        if let Some((_, e, w, n)) = counts.iter().find(|r| r.0 == c.category) {
            (c.errors, c.warnings, c.notices) = (*e, *w, *n);
        }
    }
    Ok(crawl)
}

/// The client's crawls (newest first, at most 50) and schedule.
pub async fn for_client(pool: &PgPool, scope: ClientScope, client_id: Uuid) -> Result<ClientAudits, DomainError> {
    let mut b = QueryBuilder::new("SELECT c.company_name, c.website FROM clients c WHERE c.id = ");
    b.push_bind(client_id);
    scope::push(&mut b, scope, "c");
    let client: Option<(String, String)> = b.build_query_as().fetch_optional(pool).await?;
    let (client_name, website) = client.ok_or(DomainError::NotFound)?;
    let rows = sqlx::query(&format!(
        "SELECT {CRAWL_COLUMNS} FROM crawls k JOIN clients c ON c.id = k.client_id
          WHERE k.client_id = $1 ORDER BY k.started_at DESC, k.id LIMIT 50"
    ))
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let crawls = rows.iter().map(crawl_from_row).collect::<Result<Vec<_>, _>>()?;
    let schedule = schedule(pool, client_id).await?;
    Ok(ClientAudits { client_id, client_name, website, crawls, schedule })
}

/// Points on a client's health line: its latest [`HEALTH_POINTS`] completed site audits with a health,
/// oldest first. NotFound when the client is outside `scope`.
pub async fn health_history(
    pool: &PgPool,
    scope: ClientScope,
    client_id: Uuid,
) -> Result<Vec<crate::model::crawl::HealthPoint>, DomainError> {
    if !scope::includes_client(&mut *pool.acquire().await?, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    // Served by crawls_site_latest_idx (client_id, finished_at DESC) for completed site crawls.
    let rows: Vec<(Uuid, DateTime<Utc>, f64, i32)> = sqlx::query_as(
        "SELECT id, finished_at, health, coalesce(error_count, 0) FROM crawls
          WHERE client_id = $1 AND kind = 'site' AND status = 'completed' AND finished_at IS NOT NULL
            AND health IS NOT NULL
          ORDER BY finished_at DESC LIMIT $2",
    )
    .bind(client_id)
    .bind(HEALTH_POINTS)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .rev()
        .map(|(crawl_id, finished_at, health, errors)| crate::model::crawl::HealthPoint {
            crawl_id,
            finished_at,
            health,
            errors: i64::from(errors),
        })
        .collect())
}

/// How many audits a client's health line shows.
pub const HEALTH_POINTS: i64 = 24;

/// Clients on the site audits page, per page.
pub const OVERVIEW_PAGE: i64 = 50;

/// The clients in `scope` with their latest site audit and health trend, most recently audited first (never
/// audited last, by name), [`OVERVIEW_PAGE`] from `offset`.
pub async fn overview(pool: &PgPool, scope: ClientScope, offset: Offset) -> Result<AuditOverviewPage, DomainError> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM clients c");
    scope::push_where(&mut count, scope, "c");
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    let mut b = QueryBuilder::new(format!(
        "SELECT c.id AS client, c.company_name AS client_name, c.website, s.cadence, h.healths, {CRAWL_COLUMNS}
           FROM clients c
           LEFT JOIN LATERAL (SELECT * FROM crawls WHERE client_id = c.id AND kind = 'site'
                               ORDER BY started_at DESC, id LIMIT 1) k ON true
           LEFT JOIN LATERAL (SELECT array_agg(health ORDER BY started_at DESC) AS healths
                                FROM (SELECT health, started_at FROM crawls
                                       WHERE client_id = c.id AND kind = 'site' AND status = 'completed'
                                       ORDER BY started_at DESC LIMIT 2) d) h ON true
           LEFT JOIN audit_schedules s ON s.client_id = c.id"
    ));
    scope::push_where(&mut b, scope, "c");
    b.push(" ORDER BY k.started_at DESC NULLS LAST, lower(c.company_name), c.id OFFSET ")
        .push_bind(offset.get())
        .push(" LIMIT ")
        .push_bind(OVERVIEW_PAGE);
    let rows = b.build().fetch_all(pool).await?;
    let rows = rows
        .iter()
        .map(|r| {
            use sqlx::Row;
            let latest = match r.try_get::<Option<Uuid>, _>("id")? {
                Some(_) => Some(crawl_from_row(r)?),
                None => None,
            };
            let healths: Vec<Option<f64>> = r.try_get::<Option<Vec<Option<f64>>>, _>("healths")?.unwrap_or_default();
            Ok(ClientAuditRow {
                client_id: r.try_get("client")?,
                client_name: r.try_get("client_name")?,
                website: r.try_get("website")?,
                latest,
                health: healths.first().copied().flatten(),
                previous_health: healths.get(1).copied().flatten(),
                schedule: r.try_get::<Option<String>, _>("cadence")?.as_deref().and_then(Cadence::parse),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(AuditOverviewPage { rows, total, offset: offset.get(), limit: OVERVIEW_PAGE })
}

/// Issue counts by check, most severe first, then most frequent.
pub async fn check_counts(pool: &PgPool, crawl_id: Uuid) -> Result<Vec<CheckCount>, DomainError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT check_id, severity, category, count(*) FROM crawl_issues WHERE crawl_id = $1
          GROUP BY check_id, severity, category
          ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, count(*) DESC, check_id",
    )
    .bind(crawl_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(check, severity, category, count)| {
            let description =
                checks::CHECKS.iter().find(|c| c.id == check).map(|c| c.description.to_string()).unwrap_or_default();
            CheckCount { check, severity, category, description, count }
        })
        .collect())
}

/// One page of a check's issues, by URL.
pub async fn issues(
    pool: &PgPool,
    crawl_id: Uuid,
    check: &str,
    offset: i64,
    limit: i64,
) -> Result<IssuePage, DomainError> {
    let limit = limit.clamp(1, crate::model::crawl::MAX_PAGE_SIZE);
    let offset = offset.max(0);
    let total: (i64,) = sqlx::query_as("SELECT count(*) FROM crawl_issues WHERE crawl_id = $1 AND check_id = $2")
        .bind(crawl_id)
        .bind(check)
        .fetch_one(pool)
        .await?;
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT check_id, severity, category, url, detail FROM crawl_issues WHERE crawl_id = $1 AND check_id = $2
          ORDER BY url, id OFFSET $3 LIMIT $4",
    )
    .bind(crawl_id)
    .bind(check)
    .bind(offset)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let rows = rows
        .into_iter()
        .map(|(check, severity, category, url, detail)| IssueRow { check, severity, category, url, detail })
        .collect();
    Ok(IssuePage { rows, total: total.0, offset, limit })
}

fn push_page_filter(b: &mut QueryBuilder<'_, Postgres>, crawl_id: Uuid, f: &PageFilter) {
    b.push(" FROM crawl_pages p WHERE p.crawl_id = ").push_bind(crawl_id);
    if let Some(s) = f.status {
        let (lo, hi) = s.range();
        b.push(" AND p.status BETWEEN ").push_bind(lo).push(" AND ").push_bind(hi);
    }
    if let Some(d) = f.depth {
        b.push(" AND p.depth = ").push_bind(d);
    }
    if let Some(check) = &f.check {
        b.push(" AND EXISTS (SELECT 1 FROM crawl_issues i WHERE i.crawl_id = p.crawl_id AND i.url = p.url AND i.check_id = ")
            .push_bind(check.clone())
            .push(")");
    }
}

/// One page of the page explorer, in crawl order.
pub async fn pages(pool: &PgPool, crawl_id: Uuid, f: &PageFilter) -> Result<PagePage, DomainError> {
    let mut count = QueryBuilder::new("SELECT count(*)");
    push_page_filter(&mut count, crawl_id, f);
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    let mut b = QueryBuilder::new(PAGE_COLUMNS);
    push_page_filter(&mut b, crawl_id, f);
    b.push(" ORDER BY p.id OFFSET ").push_bind(f.offset).push(" LIMIT ").push_bind(f.limit);
    let rows = b.build().fetch_all(pool).await?;
    let rows = rows.iter().map(page_from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(PagePage { rows, total, offset: f.offset, limit: f.limit })
}

/// The columns [`page_from_row`] reads, as a select list.
const PAGE_COLUMNS: &str = "SELECT p.id, p.url, p.final_url, p.status, p.depth, p.ttfb_ms, p.bytes, p.content_type,
    p.title, p.meta_description, p.h1_count, p.word_count, p.canonical, p.indexable, p.in_sitemap, p.internal_links,
    p.external_links, p.errors, p.warnings, p.notices, p.error";

fn page_from_row(r: &sqlx::postgres::PgRow) -> Result<PageRow, sqlx::Error> {
    use sqlx::Row;
    Ok(PageRow {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        final_url: r.try_get("final_url")?,
        status: r.try_get("status")?,
        depth: r.try_get("depth")?,
        ttfb_ms: r.try_get("ttfb_ms")?,
        bytes: r.try_get("bytes")?,
        content_type: r.try_get("content_type")?,
        title: r.try_get("title")?,
        meta_description: r.try_get("meta_description")?,
        h1_count: r.try_get("h1_count")?,
        word_count: r.try_get("word_count")?,
        canonical: r.try_get("canonical")?,
        indexable: r.try_get("indexable")?,
        in_sitemap: r.try_get("in_sitemap")?,
        internal_links: r.try_get("internal_links")?,
        external_links: r.try_get("external_links")?,
        errors: r.try_get("errors")?,
        warnings: r.try_get("warnings")?,
        notices: r.try_get("notices")?,
        error: r.try_get("error")?,
    })
}

/// Export chunk: the issues after `after_id` (keyset, in the primary key's order), at most `limit`, of one
/// check when `check` is given, with the last id.
pub async fn issue_chunk(
    pool: &PgPool,
    crawl_id: Uuid,
    check: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<(Vec<IssueRow>, Option<i64>), DomainError> {
    let rows = issue_slice(pool, crawl_id, check, after_id, limit).await?;
    let last = rows.last().map(|r| r.0);
    Ok((rows.into_iter().map(|(_, row)| row).collect(), last))
}

/// The issues after `after_id` in the primary key's order (the order they were found), at most `limit`, of
/// one check when `check` is given, each with its id.
pub async fn issue_slice(
    pool: &PgPool,
    crawl_id: Uuid,
    check: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, IssueRow)>, DomainError> {
    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, check_id, severity, category, url, detail FROM crawl_issues
          WHERE crawl_id = $1 AND id > $2 AND ($4::text IS NULL OR check_id = $4) ORDER BY id LIMIT $3",
    )
    .bind(crawl_id)
    .bind(after_id)
    .bind(limit)
    .bind(check)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, check, severity, category, url, detail)| (id, IssueRow { check, severity, category, url, detail }))
        .collect())
}

/// Export chunk: the pages after `after_id` in crawl order, at most `limit`.
pub async fn page_chunk(pool: &PgPool, crawl_id: Uuid, after_id: i32, limit: i64) -> Result<Vec<PageRow>, DomainError> {
    let sql = format!("{PAGE_COLUMNS} FROM crawl_pages p WHERE p.crawl_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3");
    let rows = sqlx::query(&sql).bind(crawl_id).bind(after_id).bind(limit).fetch_all(pool).await?;
    Ok(rows.iter().map(page_from_row).collect::<Result<Vec<_>, _>>()?)
}

pub async fn schedule(pool: &PgPool, client_id: Uuid) -> Result<Option<Schedule>, DomainError> {
    let row: Option<(String, DateTime<Utc>, DateTime<Utc>)> =
        sqlx::query_as("SELECT cadence, next_run_at, updated_at FROM audit_schedules WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(cadence, next_run_at, updated_at)| {
        Cadence::parse(&cadence).map(|cadence| Schedule { client_id, cadence, next_run_at, updated_at })
    }))
}

/// Sets (or with `None` removes) a client's recurring audit; the first run is one cadence from now.
pub async fn set_schedule(
    pool: &PgPool,
    actor: Uuid,
    scope: ClientScope,
    client_id: Uuid,
    cadence: Option<Cadence>,
) -> Result<Option<Schedule>, DomainError> {
    let mut tx = pool.begin().await?;
    if !scope::includes_client(&mut tx, scope, client_id).await? {
        return Err(DomainError::NotFound);
    }
    match cadence {
        Some(c) => {
            let next = c.next_after(Utc::now());
            sqlx::query(
                "INSERT INTO audit_schedules (client_id, cadence, next_run_at, updated_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (client_id) DO UPDATE SET cadence = $2, next_run_at = $3, updated_by = $4,
                     updated_at = now()",
            )
            .bind(client_id)
            .bind(c.as_str())
            .bind(next)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
            events::record(
                &mut tx,
                Some(actor),
                "client.audit_scheduled",
                Target::client(client_id),
                json!({ "cadence": c.as_str(), "next_run_at": next }),
            )
            .await?;
        }
        None => {
            let removed = sqlx::query("DELETE FROM audit_schedules WHERE client_id = $1")
                .bind(client_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if removed > 0 {
                events::record(&mut tx, Some(actor), "client.audit_unscheduled", Target::client(client_id), json!({}))
                    .await?;
            }
        }
    }
    tx.commit().await?;
    schedule(pool, client_id).await
}

/// The client's completed site audits, oldest first (at most the last `limit`), as the other agents read them.
pub async fn audit_summaries(
    pool: &PgPool,
    client_id: Uuid,
    limit: i64,
) -> Result<Vec<crate::agents::AuditSummary>, DomainError> {
    type Row = (f64, i32, i32, i32, i32, DateTime<Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT * FROM (SELECT health, coalesce(html_pages, 0), coalesce(error_count, 0), coalesce(warning_count, 0),
                coalesce(notice_count, 0), finished_at
           FROM crawls WHERE client_id = $1 AND kind = 'site' AND status = 'completed' AND health IS NOT NULL
          ORDER BY finished_at DESC LIMIT $2) r ORDER BY finished_at",
    )
    .bind(client_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(health, pages, e, w, notices, at)| crate::agents::AuditSummary {
            health_score: health,
            pages: n(pages),
            critical_issues: n(e),
            warnings: n(w),
            notices: n(notices),
            finished_at: at,
        })
        .collect())
}

/// The client's latest completed site audit.
pub async fn latest_audit(pool: &PgPool, client_id: Uuid) -> Result<Option<crate::agents::AuditSummary>, DomainError> {
    Ok(audit_summaries(pool, client_id, 1).await?.pop())
}

/// The two latest completed site crawls of a client: (earlier, later).
pub async fn last_two(pool: &PgPool, client_id: Uuid) -> Result<Option<(Crawl, Crawl)>, DomainError> {
    let ids: Vec<(Uuid,)> = sqlx::query_as(
        "SELECT id FROM crawls WHERE client_id = $1 AND kind = 'site' AND status = 'completed'
          ORDER BY finished_at DESC LIMIT 2",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    match ids.as_slice() {
        [(later,), (earlier,)] => {
            Ok(Some((get(pool, ClientScope::All, *earlier).await?, get(pool, ClientScope::All, *later).await?)))
        }
        _ => Ok(None),
    }
}

/// How many completed site crawls the client has.
pub async fn completed_site_crawls(pool: &PgPool, client_id: Uuid) -> Result<i64, DomainError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM crawls WHERE client_id = $1 AND kind = 'site' AND status = 'completed'",
    )
    .bind(client_id)
    .fetch_one(pool)
    .await?)
}

/// Per check: issues (by check id and URL) only in `after` (new), only in `before` (fixed), in both
/// (persisting), with up to five new URLs each. Computed in Postgres, so crawls of any size compare.
pub async fn compare(
    pool: &PgPool,
    before: Uuid,
    after: Uuid,
) -> Result<Vec<crate::agents::technical_seo_operations_manager::CheckDelta>, DomainError> {
    let rows: Vec<(String, i64, i64, i64, Vec<String>)> = sqlx::query_as(
        "WITH a AS (SELECT DISTINCT check_id, url FROM crawl_issues WHERE crawl_id = $1),
              b AS (SELECT DISTINCT check_id, url FROM crawl_issues WHERE crawl_id = $2),
              j AS (SELECT coalesce(a.check_id, b.check_id) AS check_id, coalesce(b.url, a.url) AS url,
                           a.url IS NULL AS is_new, b.url IS NULL AS is_fixed
                      FROM a FULL JOIN b ON a.check_id = b.check_id AND a.url = b.url)
         SELECT check_id, count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE is_fixed),
                count(*) FILTER (WHERE NOT is_new AND NOT is_fixed),
                coalesce((array_agg(url ORDER BY url) FILTER (WHERE is_new))[1:5], '{}')
           FROM j GROUP BY check_id ORDER BY check_id",
    )
    .bind(before)
    .bind(after)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(check, new, fixed, persisting, examples)| {
            let severity = checks::CHECKS
                .iter()
                .find(|c| c.id == check)
                .map(|c| enum_name(c.severity))
                .unwrap_or_else(|| "notice".to_string());
            crate::agents::technical_seo_operations_manager::CheckDelta {
                check,
                severity,
                new,
                fixed,
                persisting,
                new_examples: examples,
            }
        })
        .collect())
}

/// The latest completed crawl of the client's own site.
pub async fn latest_site_crawl(pool: &PgPool, client_id: Uuid) -> Result<Option<Crawl>, DomainError> {
    let id: Option<(Uuid,)> = sqlx::query_as(
        "SELECT id FROM crawls WHERE client_id = $1 AND kind = 'site' AND status = 'completed'
          ORDER BY finished_at DESC LIMIT 1",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    match id {
        Some((id,)) => Ok(Some(get(pool, ClientScope::All, id).await?)),
        None => Ok(None),
    }
}

/// The latest completed crawl of each competitor site of the client, by start URL.
pub async fn latest_competitor_crawls(pool: &PgPool, client_id: Uuid) -> Result<Vec<Crawl>, DomainError> {
    let ids: Vec<(Uuid,)> = sqlx::query_as(
        "SELECT id FROM (SELECT DISTINCT ON (start_url) id, start_url FROM crawls
                           WHERE client_id = $1 AND kind = 'competitor' AND status = 'completed'
                           ORDER BY start_url, finished_at DESC) k ORDER BY start_url",
    )
    .bind(client_id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for (id,) in ids {
        out.push(get(pool, ClientScope::All, id).await?);
    }
    Ok(out)
}

/// Pages the crawl-based agents read per crawl, at most (the first fetched: breadth-first, nearest the start).
pub const AGENT_PAGES: i64 = 20_000;

/// A crawl as the link and content agents read it: its pages (first [`AGENT_PAGES`]) with their links, and
/// for content the pages that are their own final URL (redirects left out) with text sample and first H1.
pub async fn agent_view(
    pool: &PgPool,
    crawl: &Crawl,
) -> Result<(crate::agents::link_building::SiteCrawl, Vec<crate::agents::content_strategy::ContentPage>), DomainError> {
    use crate::agents::content_strategy::ContentPage;
    use crate::agents::link_building::{CrawlPage, LinkEdge, SiteCrawl};
    type Row = (
        i32,
        String,
        i16,
        i32,
        bool,
        bool,
        Option<String>,
        i32,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id, p.url, p.status, p.depth, p.in_sitemap, p.indexable, p.title, p.word_count, p.content_hash,
                p.h1, t.text, p.final_url
           FROM crawl_pages p LEFT JOIN crawl_texts t ON t.crawl_id = p.crawl_id AND t.page_id = p.id
          WHERE p.crawl_id = $1 ORDER BY p.id LIMIT $2",
    )
    .bind(crawl.id)
    .bind(AGENT_PAGES)
    .fetch_all(pool)
    .await?;
    let last_id = rows.last().map_or(0, |r| r.0);
    let mut index = std::collections::HashMap::new();
    let mut pages = Vec::with_capacity(rows.len());
    let mut content = Vec::with_capacity(rows.len());
    for (i, (id, url, status, depth, in_sitemap, indexable, title, words, hash, h1, text, final_url)) in
        rows.into_iter().enumerate()
    {
        index.insert(id, i);
        let page = CrawlPage {
            url,
            status: u16::try_from(status).unwrap_or(0),
            depth: u32::try_from(depth).unwrap_or(0),
            in_sitemap,
            indexable,
            title,
            word_count: u32::try_from(words).unwrap_or(0),
            content_hash: hash,
        };
        // A redirect's content is its target's, which is a page of its own: content reads each page once.
        if final_url == page.url {
            content.push(ContentPage { page: page.clone(), h1, text });
        }
        pages.push(page);
    }
    let links: Vec<(i32, String, String, bool, bool)> = sqlx::query_as(
        "SELECT from_page, to_url, anchor, nofollow, internal FROM crawl_links
          WHERE crawl_id = $1 AND from_page <= $2 ORDER BY from_page",
    )
    .bind(crawl.id)
    .bind(last_id)
    .fetch_all(pool)
    .await?;
    let links = links
        .into_iter()
        .filter_map(|(from, to, anchor, nofollow, internal)| {
            index.get(&from).map(|&from| LinkEdge { from, to, anchor, nofollow, internal })
        })
        .collect();
    let domain = url::Url::parse(&crawl.start_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_string()))
        .unwrap_or_else(|| crawl.start_url.clone());
    Ok((SiteCrawl { domain, start_url: crawl.start_url.clone(), pages, links }, content))
}

/// Averages over a crawl's HTML pages: words per page, median time to first byte (ms) and the share with
/// JSON-LD.
pub async fn page_stats(pool: &PgPool, crawl_id: Uuid) -> Result<(f64, u32, f64), DomainError> {
    let (words, ttfb, json_ld): (Option<f64>, Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT avg(word_count)::float8, percentile_cont(0.5) WITHIN GROUP (ORDER BY ttfb_ms)::float8,
                avg(CASE WHEN json_ld THEN 1.0 ELSE 0.0 END)::float8
           FROM crawl_pages WHERE crawl_id = $1 AND html",
    )
    .bind(crawl_id)
    .fetch_one(pool)
    .await?;
    Ok((words.unwrap_or(0.0), ttfb.map_or(0, |t| t.round().max(0.0) as u32), json_ld.unwrap_or(0.0)))
}
