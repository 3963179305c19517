//! The in-process client list index gives exactly the SQL list's answers, and sees changes at once.

use crate::common::*;
use domain::model::client_query::ClientQuery;
use domain::policy::ClientScope;
use domain::store::client_index::ClientIndex;

#[tokio::test]
async fn client_index_matches_the_sql_list() {
    let app = TestApp::spawn(Options::default()).await;
    domain::demo::seed(&app.pool, 600, 11).await.expect("seed");
    // Names that differ only in case or punctuation, and rows without revenue or employees, to pin the
    // collation, tie-break and NULLS LAST behaviour.
    sqlx::query(
        "INSERT INTO clients (id, company_name, website, domain, industry, country, stage, annual_revenue, employee_count)
         VALUES (gen_random_uuid(), 'acme', 'https://a1.example/', 'a1.example', 'saas', 'US', 'won', NULL, NULL),
                (gen_random_uuid(), 'ACME', 'https://a2.example/', 'a2.example', 'saas', 'US', 'won', 5, NULL),
                (gen_random_uuid(), 'Acme', 'https://a3.example/', 'a3.example', 'saas', 'US', 'won', NULL, 7),
                (gen_random_uuid(), 'a-cme', 'https://a4.example/', 'a4.example', 'saas', 'DE', 'lost', 9, 9),
                (gen_random_uuid(), 'Ä Acme', 'https://a5.example/', 'a5.example', 'other', 'DE', 'prospect', NULL, NULL),
                (gen_random_uuid(), '50% Off_Store', 'https://a6.example/', 'a6.example', 'ecommerce', 'FR', 'won', 1, 1)",
    )
    .execute(&app.pool)
    .await
    .expect("extra clients");
    let manager: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'account_manager' ORDER BY email LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .expect("manager");
    let index = ClientIndex::new();
    let filters = [
        "",
        "industry=saas",
        "revenue_min=1000000",
        "revenue_max=10",
        "employees_min=10&employees_max=500",
        "stage=won",
        "manager=none",
        &format!("manager={manager}"),
        "q=stone",
        "q=ACME",
        "q=%25",
        "q=_",
        "country=US&stage=prospect",
    ];
    let mut compared = 0;
    for scope in [ClientScope::All, ClientScope::ManagedBy(manager)] {
        for filter in filters {
            for sort in ["company_name", "annual_revenue", "employee_count", "monthly_value", "stage", "created_at"] {
                for dir in ["asc", "desc"] {
                    for paging in ["page=1&per_page=25", "page=3&per_page=25", "page=1&per_page=100", "page=99"] {
                        let query = format!("{filter}&sort={sort}&dir={dir}&{paging}");
                        let q = ClientQuery::parse(&query).expect("query");
                        let sql = domain::store::clients::list(&app.pool, scope, &q).await.expect("sql list");
                        let mem = index.list(&app.pool, scope, &q, None).await.expect("index list");
                        let ids = |p: &domain::model::client_query::ClientPage| {
                            p.clients.iter().map(|c| c.id).collect::<Vec<_>>()
                        };
                        assert_eq!(sql.total, mem.total, "total for {query} ({scope:?})");
                        assert_eq!(ids(&sql), ids(&mem), "order for {query} ({scope:?})");
                        assert_eq!(sql.clients, mem.clients, "rows for {query} ({scope:?})");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert_eq!(compared, 2 * filters.len() * 6 * 2 * 4);
}

#[tokio::test]
async fn client_index_sees_every_change_at_once() {
    let app = TestApp::spawn(Options::default()).await;
    let index = ClientIndex::new();
    let q = ClientQuery::parse("q=fresh").expect("query");
    assert_eq!(index.list(&app.pool, ClientScope::All, &q, None).await.expect("list").total, 0);
    sqlx::query(
        "INSERT INTO clients (id, company_name, website, domain, industry, country, stage)
         VALUES (gen_random_uuid(), 'Fresh Co', 'https://fresh.example/', 'fresh.example', 'saas', 'US', 'won')",
    )
    .execute(&app.pool)
    .await
    .expect("insert");
    let page = index.list(&app.pool, ClientScope::All, &q, None).await.expect("list");
    assert_eq!(page.total, 1, "an insert is visible to the next list");
    sqlx::query(
        "UPDATE clients SET company_name = 'Stale Co', domain = 'stale.example' WHERE company_name = 'Fresh Co'",
    )
    .execute(&app.pool)
    .await
    .expect("update");
    assert_eq!(index.list(&app.pool, ClientScope::All, &q, None).await.expect("list").total, 0, "an update too");
    let manager_renamed = ClientQuery::parse("q=stale").expect("query");
    let admin = app.admin().await;
    let (_, am_id, _) = app.user(&admin, "account_manager").await;
    sqlx::query("UPDATE clients SET account_manager_id = $1")
        .bind(uuid::Uuid::parse_str(&am_id).expect("id"))
        .execute(&app.pool)
        .await
        .expect("assign");
    sqlx::query("UPDATE users SET name = 'Renamed Manager' WHERE id = $1::uuid")
        .bind(&am_id)
        .execute(&app.pool)
        .await
        .expect("rename");
    let page = index.list(&app.pool, ClientScope::All, &manager_renamed, None).await.expect("list");
    assert_eq!(page.clients[0].account_manager_name.as_deref(), Some("Renamed Manager"), "and a manager's new name");
}

#[tokio::test]
async fn a_client_created_on_one_instance_is_listed_by_the_next_request_on_another() {
    let a = TestApp::spawn(Options::default()).await;
    let b =
        TestApp::spawn_on(a.db.clone(), Options { redis_prefix: Some(a.redis_prefix.clone()), ..Default::default() })
            .await;
    let on_a = a.admin().await;
    let on_b = b.client().with_cookie(on_a.session_cookie());
    let total = |r: Reply| r.json()["total"].as_i64();
    assert_eq!(total(on_b.post("/api/clients/list", &[("query", "q=crossover")]).await), Some(0), "B's index is warm");
    crate::fixtures::create_client(&on_a, "Crossover Ltd", &[], "").await;
    assert_eq!(total(on_b.post("/api/clients/list", &[("query", "q=crossover")]).await), Some(1));
    assert_eq!(total(on_a.post("/api/clients/list", &[("query", "q=crossover")]).await), Some(1));
}
