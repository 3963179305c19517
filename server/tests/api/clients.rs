//! Clients through the API: creation and validation, the list's filters, search, sorting and paging,
//! account managers' portfolios, assignment, deletion rules, the activity trail, statistics, exports and
//! the demo seed.

use std::collections::HashSet;

use crate::common::*;
use crate::fixtures::*;
use serde_json::{json, Value};

/// A list-page query string from pairs (values URL-encoded as the browser would).
fn qs(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------------
// Creating clients
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_creates_a_client_with_a_normalised_website_and_its_domain() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = try_create_client(
        &admin,
        "  Acme Widgets ",
        &[
            ("website", "WWW.Acme-Widgets.com/shop#top"),
            ("industry", "ecommerce"),
            ("country", "de"),
            ("annual_revenue", "12 500 000"),
            ("employee_count", "85"),
            ("stage", "won"),
            ("monthly_value", "2,500"),
            ("competitor_domains", "widgets.example, https://www.rival.example/x\nwidgets.example"),
            ("contact_name", "Jane Doe"),
            ("contact_email", "Jane@Acme-Widgets.com"),
            ("contact_phone", "+49 30 1234567"),
            ("lead_timeline", "within_quarter"),
        ],
        "",
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let c = res.json();
    assert_eq!(c["company_name"], "Acme Widgets");
    assert_eq!(c["website"], "https://www.acme-widgets.com/shop");
    assert_eq!(c["domain"], "www.acme-widgets.com");
    assert_eq!(c["country"], "DE");
    assert_eq!(c["industry"], "ecommerce");
    assert_eq!(c["annual_revenue"], 12_500_000);
    assert_eq!(c["employee_count"], 85);
    assert_eq!(c["stage"], "won");
    assert_eq!(c["monthly_value"], 2_500);
    assert_eq!(c["competitor_domains"], json!(["widgets.example", "www.rival.example"]));
    assert_eq!(c["contact_email"], "jane@acme-widgets.com");
    assert_eq!(c["lead"]["timeline"], "within_quarter");
    assert_eq!(c["account_manager_id"], Value::Null);

    // Stored as answered, by the admin.
    let (website, domain, created_by): (String, String, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT website, domain, created_by FROM clients WHERE id = $1")
            .bind(uuid::Uuid::parse_str(&id_of(&c)).expect("uuid"))
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!((website.as_str(), domain.as_str()), ("https://www.acme-widgets.com/shop", "www.acme-widgets.com"));
    assert_eq!(created_by.map(|u| u.to_string()), c["created_by"].as_str().map(str::to_string));
    assert!(created_by.is_some());
}

#[tokio::test]
async fn staff_create_a_client_for_an_account_manager() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, staff_id, _) = app.user(&admin, "staff").await;
    let (_, manager_id, _) = app.user(&admin, "account_manager").await;
    let c = create_client(&staff, "Northwind", &[("website", "http://Northwind.EXAMPLE:80")], &manager_id).await;
    assert_eq!(c["website"], "http://northwind.example/");
    assert_eq!(c["domain"], "northwind.example");
    assert_eq!(c["account_manager_id"], manager_id.as_str());
    assert_eq!(c["account_manager_name"], "Test User");
    assert_eq!(c["created_by"], staff_id.as_str());
}

#[tokio::test]
async fn invalid_client_input_is_a_422_naming_each_bad_field_and_writes_nothing() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let res = try_create_client(
        &admin,
        "",
        &[
            ("website", "ftp://acme.com"),
            ("industry", "mining"),
            ("country", "XX"),
            ("annual_revenue", "-5"),
            ("employee_count", "many"),
            ("stage", "maybe"),
            ("monthly_value", "1e9"),
            ("contact_email", "nope"),
        ],
        "",
    )
    .await;
    let errors = field_errors(&res);
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    for f in [
        "company_name",
        "website",
        "industry",
        "country",
        "annual_revenue",
        "employee_count",
        "stage",
        "monthly_value",
        "contact_email",
    ] {
        assert!(fields.contains(&f), "no error for {f}: {}", res.body);
    }
    let website = &errors.iter().find(|(f, _)| f == "website").expect("website").1;
    assert!(website.contains("http"), "{website}");

    // One bad field alone is named alone.
    let res = try_create_client(&admin, "Acme", &[("website", "localhost")], "").await;
    assert_eq!(error_fields(&res), ["website"]);
    let res = try_create_client(&admin, "Acme", &[("country", "Germany")], "").await;
    assert_eq!(
        field_errors(&res),
        [("country".to_string(), "choose a country (ISO 3166-1 two-letter code)".to_string())]
    );

    let clients: i64 = sqlx::query_scalar("SELECT count(*) FROM clients").fetch_one(&app.pool).await.expect("count");
    assert_eq!(clients, 0);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE action LIKE 'client.%'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(events, 0);
}

#[tokio::test]
async fn a_client_form_missing_a_field_is_a_bad_request() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let mut form = client_input("Acme", &[]);
    form.retain(|(k, _)| k != "input[notes]");
    form.push(("account_manager".into(), String::new()));
    let res = admin.post("/api/clients/create", &as_form(&form)).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("notes"), "{}", res.body);
}

// ---------------------------------------------------------------------------------------------------
// The list: filters, search, sorting, paging
// ---------------------------------------------------------------------------------------------------

/// One client of the list dataset.
struct Row {
    name: &'static str,
    industry: &'static str,
    country: &'static str,
    revenue: Option<i64>,
    employees: Option<i64>,
    monthly: i64,
    stage: &'static str,
}

const STAGES: [&str; 7] = ["prospect", "qualified", "proposal", "negotiation", "won", "lost", "churned"];

fn dataset() -> Vec<Row> {
    let r = |name, industry, country, revenue, employees, monthly, stage| Row {
        name,
        industry,
        country,
        revenue,
        employees,
        monthly,
        stage,
    };
    vec![
        r("Alpha", "saas", "DE", Some(5_000_000), Some(50), 2_000, "won"),
        r("bravo", "ecommerce", "US", None, Some(10), 0, "prospect"),
        r("Charlie", "saas", "US", Some(1_000_000), None, 500, "proposal"),
        r("Delta", "finance", "GB", Some(20_000_000), Some(300), 8_000, "negotiation"),
        r("echo", "saas", "DE", Some(1_000_000), Some(5), 0, "lost"),
        r("Foxtrot", "legal", "FR", Some(300_000), Some(50), 1_200, "qualified"),
        r("Golf", "ecommerce", "DE", Some(2_000_000), Some(20), 0, "churned"),
    ]
}

async fn create_dataset(admin: &Client) -> Vec<Row> {
    let rows = dataset();
    for r in &rows {
        let revenue = r.revenue.map(|v| v.to_string()).unwrap_or_default();
        let employees = r.employees.map(|v| v.to_string()).unwrap_or_default();
        let monthly = r.monthly.to_string();
        create_client(
            admin,
            r.name,
            &[
                ("industry", r.industry),
                ("country", r.country),
                ("annual_revenue", &revenue),
                ("employee_count", &employees),
                ("monthly_value", &monthly),
                ("stage", r.stage),
            ],
            "",
        )
        .await;
    }
    rows
}

/// Names of the dataset rows that `keep` selects, in company-name order.
fn expect(rows: &[Row], keep: impl Fn(&Row) -> bool) -> Vec<String> {
    let mut v: Vec<&Row> = rows.iter().filter(|r| keep(r)).collect();
    v.sort_by_key(|r| r.name.to_lowercase());
    v.into_iter().map(|r| r.name.to_string()).collect()
}

#[tokio::test]
async fn clients_are_filtered_by_industry_country_revenue_employees_and_stage() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let rows = create_dataset(&admin).await;

    // (query pairs, the company names expected in order)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<String>);
    let cases: Vec<Case> = vec![
        (vec![], expect(&rows, |_| true)),
        (vec![("industry", "saas")], expect(&rows, |r| r.industry == "saas")),
        (vec![("country", "de")], expect(&rows, |r| r.country == "DE")),
        (vec![("industry", "saas"), ("country", "DE")], expect(&rows, |r| r.industry == "saas" && r.country == "DE")),
        (vec![("revenue_min", "1000000")], expect(&rows, |r| r.revenue.is_some_and(|v| v >= 1_000_000))),
        (
            vec![("revenue_min", "1 000 000"), ("revenue_max", "2,000,000")],
            expect(&rows, |r| r.revenue.is_some_and(|v| (1_000_000..=2_000_000).contains(&v))),
        ),
        (vec![("revenue_max", "999999")], expect(&rows, |r| r.revenue.is_some_and(|v| v <= 999_999))),
        (
            vec![("employees_min", "20"), ("employees_max", "50")],
            expect(&rows, |r| r.employees.is_some_and(|v| (20..=50).contains(&v))),
        ),
        (vec![("employees_max", "10")], expect(&rows, |r| r.employees.is_some_and(|v| v <= 10))),
        (vec![("stage", "won")], expect(&rows, |r| r.stage == "won")),
        (
            vec![("industry", "saas"), ("revenue_min", "1000000"), ("stage", "lost")],
            expect(&rows, |r| r.industry == "saas" && r.stage == "lost"),
        ),
        (vec![("industry", "travel")], vec![]),
    ];
    for (pairs, expected) in cases {
        let res = list(&admin, &qs(&pairs)).await;
        assert_eq!(names(&res), expected, "filter {pairs:?}");
        assert_eq!(total(&res), expected.len() as i64, "total for {pairs:?}");
    }
    // Sanity: the cases above are not trivially empty.
    assert_eq!(expect(&rows, |r| r.industry == "saas" && r.country == "DE"), ["Alpha", "echo"]);
    assert_eq!(expect(&rows, |r| r.employees.is_some_and(|v| (20..=50).contains(&v))), ["Alpha", "Foxtrot", "Golf"]);

    // Bad values name their field.
    for (query, field) in [
        ("industry=mining", "industry"),
        ("country=ZZ", "country"),
        ("stage=asleep", "stage"),
        ("revenue_min=lots", "revenue_min"),
        ("employees_min=-3", "employees_min"),
        ("revenue_min=9&revenue_max=1", "revenue_max"),
        ("employees_min=9&employees_max=1", "employees_max"),
        ("manager=bob", "manager"),
    ] {
        assert_eq!(error_fields(&list(&admin, query).await), [field], "{query}");
    }
}

#[tokio::test]
async fn clients_are_filtered_by_account_manager_or_unassigned() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (_, a, _) = app.user(&admin, "account_manager").await;
    let (_, b, _) = app.user(&admin, "account_manager").await;
    create_client(&admin, "A One", &[], &a).await;
    create_client(&admin, "A Two", &[], &a).await;
    create_client(&admin, "B One", &[], &b).await;
    create_client(&admin, "Nobody's", &[], "").await;

    assert_eq!(names(&list(&admin, &qs(&[("manager", &a)])).await), ["A One", "A Two"]);
    assert_eq!(names(&list(&admin, &qs(&[("manager", &b)])).await), ["B One"]);
    assert_eq!(names(&list(&admin, "manager=none").await), ["Nobody's"]);
    assert_eq!(total(&list(&admin, &qs(&[("manager", &uuid::Uuid::new_v4().to_string())])).await), 0);
    assert_eq!(names(&list(&admin, &qs(&[("manager", &a), ("q", "two")])).await), ["A Two"]);

    // The managers list offers exactly the active account managers.
    let res = admin.post("/api/clients/managers", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let ids: HashSet<String> = res.json().as_array().expect("managers").iter().map(|m| s(&m[0])).collect();
    assert_eq!(ids, HashSet::from([a.clone(), b.clone()]));
}

#[tokio::test]
async fn search_matches_name_or_domain_case_insensitively_and_literally() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    create_client(&admin, "50% Off Deals", &[("website", "deals.example")], "").await;
    create_client(&admin, "500 Offers", &[("website", "offers500.example")], "").await;
    create_client(&admin, "Under_Score Ltd", &[("website", "underscore.example")], "").await;
    create_client(&admin, "UnderXScore Ltd", &[("website", "underx.example")], "").await;
    create_client(&admin, "Acme Widgets", &[("website", "WWW.Acme-Widgets.com")], "").await;

    for (q, expected) in [
        ("off", vec!["500 Offers", "50% Off Deals"]),
        ("OFF DEALS", vec!["50% Off Deals"]),
        ("%", vec!["50% Off Deals"]),
        ("50%", vec!["50% Off Deals"]),
        ("_", vec!["Under_Score Ltd"]),
        ("under_score", vec!["Under_Score Ltd"]),
        ("underxscore", vec!["UnderXScore Ltd"]),
        ("ACME-WIDGETS", vec!["Acme Widgets"]),
        ("Offers500.EXAMPLE", vec!["500 Offers"]),
        ("\\", vec![]),
        ("nothing like it", vec![]),
    ] {
        let res = list(&admin, &qs(&[("q", q)])).await;
        // (Order is the database collation's; what matters here is which clients match.)
        assert_eq!(sorted(names(&res)), sorted(expected.iter().map(|e| e.to_string()).collect()), "search {q:?}");
        assert_eq!(total(&res), expected.len() as i64, "total for {q:?}");
    }
    let long = "x".repeat(101);
    assert_eq!(error_fields(&list(&admin, &qs(&[("q", &long)])).await), ["q"]);
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    N(i64),
    S(String),
}

#[tokio::test]
async fn every_sort_key_orders_both_ways_with_empty_values_last() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let rows = create_dataset(&admin).await;
    let key = |sort: &str, i: usize, r: &Row| -> Option<Key> {
        match sort {
            "company_name" => Some(Key::S(r.name.to_lowercase())),
            "annual_revenue" => r.revenue.map(Key::N),
            "employee_count" => r.employees.map(Key::N),
            "monthly_value" => Some(Key::N(r.monthly)),
            "stage" => STAGES.iter().position(|s| *s == r.stage).map(|p| Key::N(p as i64)),
            "created_at" => Some(Key::N(i as i64)),
            other => panic!("{other}"),
        }
    };
    for sort in ["company_name", "annual_revenue", "employee_count", "monthly_value", "stage", "created_at"] {
        for dir in ["asc", "desc"] {
            let mut expected: Vec<(Option<Key>, String, &str)> =
                rows.iter().enumerate().map(|(i, r)| (key(sort, i, r), r.name.to_lowercase(), r.name)).collect();
            expected.sort_by(|a, b| {
                use std::cmp::Ordering::*;
                let by_key = match (&a.0, &b.0) {
                    (None, None) => Equal,
                    (None, Some(_)) => Greater,
                    (Some(_), None) => Less,
                    (Some(x), Some(y)) if dir == "desc" => y.cmp(x),
                    (Some(x), Some(y)) => x.cmp(y),
                };
                by_key.then_with(|| a.1.cmp(&b.1))
            });
            let expected: Vec<&str> = expected.iter().map(|e| e.2).collect();
            let res = list(&admin, &qs(&[("sort", sort), ("dir", dir)])).await;
            assert_eq!(names(&res), expected, "sort={sort} dir={dir}");
        }
    }
    // Spot checks that the expectation above means what it says.
    assert_eq!(names(&list(&admin, "sort=annual_revenue&dir=desc").await)[..2], ["Delta", "Alpha"]);
    assert_eq!(names(&list(&admin, "sort=annual_revenue&dir=desc").await).last().map(String::as_str), Some("bravo"));
    assert_eq!(names(&list(&admin, "sort=annual_revenue").await).last().map(String::as_str), Some("bravo"));
    assert_eq!(names(&list(&admin, "sort=stage").await)[..2], ["bravo", "Foxtrot"]);
    assert_eq!(names(&list(&admin, "").await)[..3], ["Alpha", "bravo", "Charlie"]);
    assert_eq!(error_fields(&list(&admin, "sort=colour").await), ["sort"]);
    assert_eq!(error_fields(&list(&admin, "dir=sideways").await), ["dir"]);
}

#[tokio::test]
async fn pages_split_the_list_and_carry_the_total() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let rows = create_dataset(&admin).await;
    let all = expect(&rows, |_| true);
    let mut seen = Vec::new();
    for page in 1..=3 {
        let res = list(&admin, &format!("per_page=3&page={page}")).await;
        assert_eq!(total(&res), 7);
        assert_eq!(res.json()["page"], page);
        assert_eq!(res.json()["per_page"], 3);
        let n = names(&res);
        assert_eq!(n.len(), if page < 3 { 3 } else { 1 });
        seen.extend(n);
    }
    assert_eq!(seen, all, "pages cover every client once, in order");
    let past_the_end = list(&admin, "per_page=3&page=4").await;
    assert_eq!((names(&past_the_end).len(), total(&past_the_end)), (0, 7));
    let default = list(&admin, "").await;
    assert_eq!((default.json()["page"].clone(), default.json()["per_page"].clone()), (json!(1), json!(25)));

    assert_eq!(list(&admin, "per_page=100").await.status, 200);
    let too_big = list(&admin, "per_page=101").await;
    assert_eq!(field_errors(&too_big), [("per_page".to_string(), "page size is 1 to 100".to_string())]);
    assert_eq!(error_fields(&list(&admin, "per_page=0").await), ["per_page"]);
    assert_eq!(error_fields(&list(&admin, "page=0").await), ["page"]);
    assert_eq!(error_fields(&list(&admin, "page=two").await), ["page"]);
}

#[tokio::test]
async fn a_page_holds_at_most_100_of_many_clients() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    domain::demo::seed(&app.pool, 150, 3).await.expect("seed");
    let first = list(&admin, "per_page=100").await;
    let second = list(&admin, "per_page=100&page=2").await;
    assert_eq!((names(&first).len(), total(&first)), (100, 150));
    assert_eq!((names(&second).len(), total(&second)), (50, 150));
    let ids = |r: &Reply| -> HashSet<String> {
        r.json()["clients"].as_array().expect("clients").iter().map(|c| s(&c["id"])).collect()
    };
    assert!(ids(&first).is_disjoint(&ids(&second)));
    let saas: i64 = sqlx::query_scalar("SELECT count(*) FROM clients WHERE industry = 'saas'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(total(&list(&admin, "industry=saas&per_page=1").await), saas);
}

// ---------------------------------------------------------------------------------------------------
// Portfolios and assignment
// ---------------------------------------------------------------------------------------------------

struct Portfolios {
    app: TestApp,
    admin: Client,
    a: Client,
    a_id: String,
    b: Client,
    b_id: String,
    /// A's clients, B's client, an unassigned one.
    a1: String,
    a2: String,
    b1: String,
    u1: String,
}

async fn portfolios() -> Portfolios {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (a, a_id, _) = app.user(&admin, "account_manager").await;
    let (b, b_id, _) = app.user(&admin, "account_manager").await;
    let a1 = id_of(
        &create_client(
            &admin,
            "Apple Orchard",
            &[("industry", "saas"), ("annual_revenue", "1000000"), ("stage", "won"), ("monthly_value", "1000")],
            &a_id,
        )
        .await,
    );
    let a2 = id_of(
        &create_client(
            &admin,
            "Avocado Farm",
            &[("industry", "legal"), ("country", "US"), ("annual_revenue", "200000")],
            &a_id,
        )
        .await,
    );
    let b1 = id_of(
        &create_client(
            &admin,
            "Banana Boat",
            &[("industry", "saas"), ("annual_revenue", "9000000"), ("stage", "won"), ("monthly_value", "5000")],
            &b_id,
        )
        .await,
    );
    let u1 = id_of(&create_client(&admin, "Unassigned Union", &[], "").await);
    Portfolios { app, admin, a, a_id, b, b_id, a1, a2, b1, u1 }
}

#[tokio::test]
async fn an_account_manager_lists_gets_and_updates_only_their_clients() {
    let p = portfolios().await;
    let res = list(&p.a, "").await;
    assert_eq!(names(&res), ["Apple Orchard", "Avocado Farm"]);
    assert_eq!(total(&res), 2);
    // Filters can't widen the portfolio.
    assert_eq!(total(&list(&p.a, &qs(&[("manager", &p.b_id)])).await), 0);
    assert_eq!(total(&list(&p.a, "manager=none").await), 0);
    assert_eq!(total(&list(&p.a, "q=banana").await), 0);
    assert_eq!(names(&list(&p.b, "").await), ["Banana Boat"]);

    let own = get_client(&p.a, &p.a1).await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.json()["client"]["company_name"], "Apple Orchard");
    assert_eq!((own.json()["may_assign"].clone(), own.json()["may_delete"].clone()), (json!(false), json!(false)));
    let admin_view = get_client(&p.admin, &p.a1).await.json();
    assert_eq!((admin_view["may_assign"].clone(), admin_view["may_delete"].clone()), (json!(true), json!(true)));

    for other in [&p.b1, &p.u1] {
        let res = get_client(&p.a, other).await;
        assert_eq!((res.status, res.body.as_str()), (404, "\"NotFound\""), "not 403: its existence stays hidden");
        let res = try_update_client(&p.a, other, "Hijacked", &[]).await;
        assert_eq!((res.status, res.body.as_str()), (404, "\"NotFound\""));
    }
    let name: String = sqlx::query_scalar("SELECT company_name FROM clients WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&p.b1).expect("uuid"))
        .fetch_one(&p.app.pool)
        .await
        .expect("row");
    assert_eq!(name, "Banana Boat", "B's client is unchanged");

    // Their own client they may edit.
    let res = try_update_client(&p.a, &p.a1, "Apple Orchard Ltd", &[("website", "apple-orchard.example")]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["company_name"], "Apple Orchard Ltd");
    assert_eq!(res.json()["account_manager_id"], p.a_id.as_str(), "editing keeps the assignment");
}

#[tokio::test]
async fn an_account_managers_statistics_and_exports_cover_only_their_clients() {
    let p = portfolios().await;
    let stats = p.a.post("/api/clients/stats", &[]).await;
    assert_eq!(stats.status, 200, "{}", stats.body);
    let stats = stats.json();
    assert_eq!(stats["total_clients"], 2);
    assert_eq!(stats["total_managed_monthly_value"], 1000);
    let saas =
        stats["by_industry"].as_array().expect("groups").iter().find(|g| g["key"] == "saas").expect("saas").clone();
    assert_eq!((saas["clients"].clone(), saas["annual_revenue"].clone()), (json!(1), json!(1_000_000)));
    let all = p.admin.post("/api/clients/stats", &[]).await.json();
    assert_eq!(all["total_clients"], 4);
    assert_eq!(all["total_managed_monthly_value"], 6000);

    let csv = p.a.get("/export/clients.csv").await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    let records = csv_records(&csv.body);
    let names: Vec<&str> = records[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["Apple Orchard", "Avocado Farm"]);
    // Even when asked for someone else's clients.
    let csv = p.a.get(&format!("/export/clients.csv?manager={}", p.b_id)).await;
    assert_eq!(csv_records(&csv.body).len(), 1, "header only: {}", csv.body);

    let json = p.a.get("/export/clients.json").await;
    assert_eq!(json.status, 200);
    let ids: Vec<String> = json.json().as_array().expect("array").iter().map(id_of).collect();
    assert_eq!(sorted(ids), sorted(vec![p.a1.clone(), p.a2.clone()]));

    // Campaign exports follow the same portfolio.
    create_campaign(&p.admin, &p.a1, "Apple audit").await;
    create_campaign(&p.admin, &p.b1, "Banana audit").await;
    let campaigns = p.a.get("/export/campaigns.json").await.json();
    let names: Vec<String> = campaigns.as_array().expect("array").iter().map(|c| s(&c["name"])).collect();
    assert_eq!(names, ["Apple audit"]);
    let csv = csv_records(&p.b.get("/export/campaigns.csv").await.body);
    assert_eq!(csv.len(), 2);
    assert_eq!(csv[1][3], "Banana audit");
}

#[tokio::test]
async fn an_account_manager_cannot_reach_campaigns_of_other_managers_clients() {
    let p = portfolios().await;
    let theirs = id_of(&create_campaign(&p.admin, &p.b1, "Banana audit").await);

    let res = try_create_campaign(&p.a, &p.b1, "Sneaky", &[], &["reporting"]).await;
    assert_eq!((res.status, res.body.as_str()), (404, "\"NotFound\""));
    assert_eq!(p.a.post("/api/campaigns/get", &[("id", &theirs)]).await.status, 404);
    assert_eq!(set_status(&p.a, &theirs, "active").await.status, 404);
    assert_eq!(p.a.post("/api/campaigns/delete", &[("id", &theirs)]).await.status, 404);
    let mut form = campaign_input("Renamed", &[], &["reporting"]);
    form.push(("id".into(), theirs.clone()));
    assert_eq!(p.a.post("/api/campaigns/update", &as_form(&form)).await.status, 404);
    let (status, name): (String, String) = sqlx::query_as("SELECT status, name FROM campaigns WHERE id = $1")
        .bind(uuid::Uuid::parse_str(&theirs).expect("uuid"))
        .fetch_one(&p.app.pool)
        .await
        .expect("row");
    assert_eq!((status.as_str(), name.as_str()), ("draft", "Banana audit"));

    // Their own client's campaigns they run.
    let mine = try_create_campaign(&p.a, &p.a1, "Apple audit", &[], &["reporting"]).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    move_through(&p.a, &id_of(&mine.json()), &["active", "paused"]).await;
    let detail = get_client(&p.a, &p.a1).await.json();
    assert_eq!(detail["campaigns"].as_array().expect("campaigns").len(), 1);
}

#[tokio::test]
async fn the_portfolio_page_lists_the_managers_clients_with_active_campaigns() {
    let p = portfolios().await;
    let k = id_of(&create_campaign(&p.admin, &p.a1, "Apple audit").await);
    move_through(&p.admin, &k, &["active"]).await;
    let k2 = id_of(&create_campaign(&p.admin, &p.a1, "Apple content").await);
    move_through(&p.admin, &k2, &["active", "paused"]).await;
    let res = p.a.post("/api/portfolio", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let rows = res.json();
    let rows = rows.as_array().expect("rows");
    let summary: Vec<(String, i64)> =
        rows.iter().map(|r| (s(&r["company_name"]), r["active_campaigns"].as_i64().unwrap_or(-1))).collect();
    assert_eq!(summary, [("Apple Orchard".to_string(), 1), ("Avocado Farm".to_string(), 0)]);
    assert!(rows[0]["last_activity"].is_string());
    assert_eq!(p.admin.post("/api/portfolio", &[]).await.status, 403, "admins hold no portfolio");
}

#[tokio::test]
async fn staff_assign_and_reassign_clients_and_portfolios_follow() {
    let p = portfolios().await;
    let (staff, _, _) = p.app.user(&p.admin, "staff").await;

    let res = assign(&staff, &p.u1, &p.a_id).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["account_manager_id"], p.a_id.as_str());
    assert_eq!(total(&list(&p.a, "").await), 3);
    assert_eq!(get_client(&p.a, &p.u1).await.status, 200);

    let res = assign(&staff, &p.u1, &p.b_id).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(total(&list(&p.a, "").await), 2);
    assert_eq!(get_client(&p.a, &p.u1).await.status, 404);
    assert_eq!(names(&list(&p.b, "").await), ["Banana Boat", "Unassigned Union"]);

    let res = assign(&p.admin, &p.u1, "").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["account_manager_id"], Value::Null);
    assert_eq!(names(&list(&p.admin, "manager=none").await), ["Unassigned Union"]);
    assert_eq!(total(&list(&p.b, "").await), 1);

    let assigned: Vec<Value> = client_events(&p.app, &p.u1)
        .await
        .into_iter()
        .filter(|(a, _)| a == "client.assigned")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(
        assigned,
        [
            json!({ "from": null, "to": p.a_id }),
            json!({ "from": p.a_id, "to": p.b_id }),
            json!({ "from": p.b_id, "to": null }),
        ]
    );
}

#[tokio::test]
async fn account_managers_cannot_create_assign_or_delete_clients() {
    let p = portfolios().await;
    let res = try_create_client(&p.a, "Mine Now", &[], &p.a_id).await;
    assert_eq!((res.status, res.body.as_str()), (403, "\"Forbidden\""));
    let res = assign(&p.a, &p.u1, &p.a_id).await;
    assert_eq!((res.status, res.body.as_str()), (403, "\"Forbidden\""));
    let res = assign(&p.a, &p.a1, "").await;
    assert_eq!(res.status, 403);
    let res = p.a.post("/api/clients/delete", &[("id", &p.a1)]).await;
    assert_eq!((res.status, res.body.as_str()), (403, "\"Forbidden\""));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM clients").fetch_one(&p.app.pool).await.expect("count");
    assert_eq!(count, 4);
    assert_eq!(names(&list(&p.admin, "manager=none").await), ["Unassigned Union"]);
}

#[tokio::test]
async fn assigning_to_anyone_but_an_active_account_manager_is_a_field_error() {
    let p = portfolios().await;
    let (_, staff_id, _) = p.app.user(&p.admin, "staff").await;
    let (_, gone_id, _) = p.app.user(&p.admin, "account_manager").await;
    assert_eq!(p.admin.post("/api/users/deactivate", &[("id", &gone_id)]).await.status, 200);
    let admin_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(&p.app.pool)
        .await
        .expect("admin");
    let unknown = uuid::Uuid::new_v4().to_string();
    for manager in [staff_id.as_str(), &admin_id.to_string(), gone_id.as_str(), unknown.as_str(), "not-an-id"] {
        let res = assign(&p.admin, &p.u1, manager).await;
        assert_eq!(error_fields(&res), ["account_manager"], "assign to {manager}");
        let res = try_create_client(&p.admin, "Fresh Start", &[], manager).await;
        assert_eq!(error_fields(&res), ["account_manager"], "create for {manager}");
    }
    assert_eq!(total(&list(&p.admin, "q=fresh").await), 0, "nothing created");
    assert_eq!(names(&list(&p.admin, "manager=none").await), ["Unassigned Union"], "nothing assigned");
    let assigned: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE action = 'client.assigned'")
        .fetch_one(&p.app.pool)
        .await
        .expect("count");
    assert_eq!(assigned, 0);
}

// ---------------------------------------------------------------------------------------------------
// Deleting, and the activity trail
// ---------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_with_active_or_paused_campaigns_cannot_be_deleted_until_they_end() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, _, _) = app.user(&admin, "staff").await;
    let client = id_of(&create_client(&admin, "Busy Bee", &[], "").await);
    let audit = id_of(&create_campaign(&admin, &client, "Audit").await);
    let content = id_of(&create_campaign(&admin, &client, "Content").await);
    create_campaign(&admin, &client, "Links").await;
    move_through(&admin, &audit, &["active"]).await;
    move_through(&admin, &content, &["active", "paused"]).await;

    let res = staff.post("/api/clients/delete", &[("id", &client)]).await;
    let message = rule(&res);
    assert_eq!(
        message,
        "Busy Bee can't be deleted while it has active or paused campaigns: Audit (active), Content (paused). \
         Complete or cancel them first."
    );
    assert!(!message.contains("Links"), "draft campaigns don't block");
    assert_eq!(get_client(&admin, &client).await.status, 200, "still there");

    // One ended, one still in flight: still refused, naming only that one.
    move_through(&admin, &audit, &["completed"]).await;
    let message = rule(&staff.post("/api/clients/delete", &[("id", &client)]).await);
    assert!(message.contains("Content (paused)") && !message.contains("Audit"), "{message}");

    move_through(&admin, &content, &["cancelled"]).await;
    let res = staff.post("/api/clients/delete", &[("id", &client)]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(get_client(&admin, &client).await.status, 404);
    let campaigns: i64 =
        sqlx::query_scalar("SELECT count(*) FROM campaigns").fetch_one(&app.pool).await.expect("count");
    assert_eq!(campaigns, 0, "its campaigns went with it");
    let events = client_events(&app, &client).await;
    let (action, detail) = events.last().expect("events");
    assert_eq!((action.as_str(), detail), ("client.deleted", &json!({ "company_name": "Busy Bee" })));
    assert_eq!(events.iter().filter(|(a, _)| a == "client.deleted").count(), 1, "refusals wrote no event");

    assert_eq!(staff.post("/api/clients/delete", &[("id", &client)]).await.status, 404);
}

#[tokio::test]
async fn every_change_writes_its_event_in_the_same_transaction() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (staff, staff_id, staff_email) = app.user(&admin, "staff").await;
    let (_, manager_id, _) = app.user(&admin, "account_manager").await;
    let client = id_of(&create_client(&staff, "Acme", &[("website", "acme.example")], "").await);
    let res = try_update_client(
        &staff,
        &client,
        "Acme Corp",
        &[("website", "acme.example"), ("stage", "won"), ("monthly_value", "2500")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(assign(&staff, &client, &manager_id).await.status, 200);
    let campaign = id_of(&create_campaign(&staff, &client, "Audit").await);
    move_through(&staff, &campaign, &["active"]).await;

    let detail = get_client(&staff, &client).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let activity = detail.json()["activity"].as_array().expect("activity").clone();
    let actions: Vec<String> = activity.iter().map(|e| s(&e["action"])).collect();
    assert_eq!(
        actions,
        [
            "campaign.status_changed",
            "campaign.created",
            "client.assigned",
            "client.stage_changed",
            "client.updated",
            "client.created",
        ],
        "newest first"
    );
    assert!(activity.iter().all(|e| e["actor_email"] == staff_email.as_str() && e["actor_id"] == staff_id.as_str()));
    let find = |a: &str| activity.iter().find(|e| e["action"] == a).expect(a).clone();
    assert_eq!(find("client.updated")["detail"], json!({ "changed": ["company_name", "stage", "monthly_value"] }));
    assert_eq!(find("client.stage_changed")["detail"], json!({ "from": "prospect", "to": "won" }));
    assert_eq!(find("client.assigned")["detail"], json!({ "from": null, "to": manager_id }));
    assert_eq!(find("campaign.created")["detail"]["name"], "Audit");
    assert_eq!(find("campaign.created")["target_id"], campaign.as_str());
    assert_eq!(find("campaign.status_changed")["detail"], json!({ "name": "Audit", "from": "draft", "to": "active" }));
    assert_eq!(find("client.created")["detail"]["company_name"], "Acme");

    // Each event carries its change's transaction time: the row's timestamp and the event's are the same now().
    let client_uuid = uuid::Uuid::parse_str(&client).expect("uuid");
    let same: bool = sqlx::query_scalar(
        "SELECT c.created_at = (SELECT at FROM events WHERE client_id = c.id AND action = 'client.created')
            AND c.updated_at = (SELECT at FROM events WHERE client_id = c.id AND action = 'client.assigned')
           FROM clients c WHERE c.id = $1",
    )
    .bind(client_uuid)
    .fetch_one(&app.pool)
    .await
    .expect("query");
    assert!(same, "client rows and their events share a transaction");
    let same: bool = sqlx::query_scalar(
        "SELECT k.updated_at = (SELECT at FROM events WHERE target_id = k.id::text AND action = 'campaign.status_changed')
            AND k.created_at = (SELECT at FROM events WHERE target_id = k.id::text AND action = 'campaign.created')
           FROM campaigns k WHERE k.id = $1",
    )
    .bind(uuid::Uuid::parse_str(&campaign).expect("uuid"))
    .fetch_one(&app.pool)
    .await
    .expect("query");
    assert!(same, "campaign rows and their events share a transaction");

    // Refused changes write neither the change nor an event.
    let before = event_count(&app).await;
    assert_eq!(try_update_client(&staff, &client, "", &[]).await.status, 422);
    assert_eq!(set_status(&staff, &campaign, "draft").await.status, 409);
    assert_eq!(staff.post("/api/clients/delete", &[("id", &client)]).await.status, 409);
    assert_eq!(assign(&staff, &client, &staff_id).await.status, 422);
    assert_eq!(event_count(&app).await, before);

    move_through(&staff, &campaign, &["cancelled"]).await;
    assert_eq!(staff.post("/api/clients/delete", &[("id", &client)]).await.status, 200);
    let events = client_events(&app, &client).await;
    let actions: Vec<&str> = events.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "client.created",
            "client.updated",
            "client.stage_changed",
            "client.assigned",
            "campaign.created",
            "campaign.status_changed",
            "campaign.status_changed",
            "client.deleted",
        ]
    );
}

// ---------------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------------

fn stage_mix(pairs: &[(&str, i64)]) -> Value {
    let labels = ["Prospect", "Qualified", "Proposal", "Negotiation", "Won", "Lost", "Churned"];
    Value::Array(
        labels.iter().map(|l| json!([l, pairs.iter().find(|(k, _)| k == l).map(|(_, n)| *n).unwrap_or(0)])).collect(),
    )
}

#[tokio::test]
async fn statistics_by_industry_and_country_add_up() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    // (name, industry, country, revenue, stage, monthly value)
    let data = [
        ("A", "saas", "DE", "1000000", "won", "2000"),
        ("B", "saas", "US", "500000", "won", "3000"),
        ("C", "saas", "DE", "", "prospect", "0"),
        ("D", "ecommerce", "DE", "2000000", "negotiation", "1500"),
        ("E", "ecommerce", "FR", "250000", "won", "1000"),
        ("F", "legal", "US", "100000", "churned", "800"),
    ];
    for (name, industry, country, revenue, stage, monthly) in data {
        create_client(
            &admin,
            &format!("Company {name}"),
            &[
                ("industry", industry),
                ("country", country),
                ("annual_revenue", revenue),
                ("stage", stage),
                ("monthly_value", monthly),
            ],
            "",
        )
        .await;
    }
    let res = admin.post("/api/clients/stats", &[]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let stats = res.json();
    assert_eq!(
        stats["by_industry"],
        json!([
            { "key": "saas", "label": "SaaS and software", "clients": 3, "annual_revenue": 1_500_000,
              "managed_monthly_value": 5000, "stages": stage_mix(&[("Prospect", 1), ("Won", 2)]) },
            { "key": "ecommerce", "label": "E-commerce", "clients": 2, "annual_revenue": 2_250_000,
              "managed_monthly_value": 1000, "stages": stage_mix(&[("Negotiation", 1), ("Won", 1)]) },
            { "key": "legal", "label": "Legal services", "clients": 1, "annual_revenue": 100_000,
              "managed_monthly_value": 0, "stages": stage_mix(&[("Churned", 1)]) },
        ])
    );
    assert_eq!(
        stats["by_country"],
        json!([
            { "key": "DE", "label": "Germany", "clients": 3, "annual_revenue": 3_000_000,
              "managed_monthly_value": 2000, "stages": stage_mix(&[("Prospect", 1), ("Negotiation", 1), ("Won", 1)]) },
            { "key": "US", "label": "United States", "clients": 2, "annual_revenue": 600_000,
              "managed_monthly_value": 3000, "stages": stage_mix(&[("Won", 1), ("Churned", 1)]) },
            { "key": "FR", "label": "France", "clients": 1, "annual_revenue": 250_000,
              "managed_monthly_value": 1000, "stages": stage_mix(&[("Won", 1)]) },
        ])
    );
    assert_eq!(stats["total_clients"], 6);
    assert_eq!(stats["total_managed_monthly_value"], 6000);
}

// ---------------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------------

const CLIENT_CSV_HEADER: [&str; 18] = [
    "id",
    "company_name",
    "website",
    "domain",
    "industry",
    "country",
    "country_name",
    "annual_revenue",
    "employee_count",
    "stage",
    "monthly_value",
    "account_manager",
    "competitor_domains",
    "contact_name",
    "contact_email",
    "contact_phone",
    "created_at",
    "updated_at",
];

#[tokio::test]
async fn csv_export_has_a_header_and_the_rows_the_filters_select_in_list_order() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let rows = create_dataset(&admin).await;
    let res = admin.get("/export/clients.csv?industry=saas&sort=annual_revenue&dir=desc").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(res.header("content-disposition").as_deref(), Some("attachment; filename=\"clients.csv\""));
    let records = csv_records(&res.body);
    assert_eq!(records[0], CLIENT_CSV_HEADER);
    let exported: Vec<&str> = records[1..].iter().map(|r| r[1].as_str()).collect();
    let listed = names(&list(&admin, "industry=saas&sort=annual_revenue&dir=desc").await);
    assert_eq!(exported, listed);
    assert_eq!(exported.len(), rows.iter().filter(|r| r.industry == "saas").count());
    // Revenue 5M, then the two 1M ones by name.
    assert_eq!(exported, ["Alpha", "Charlie", "echo"]);
    let alpha = &records[1];
    assert_eq!(alpha[4], "saas");
    assert_eq!((alpha[5].as_str(), alpha[6].as_str()), ("DE", "Germany"));
    assert_eq!((alpha[7].as_str(), alpha[8].as_str(), alpha[9].as_str()), ("5000000", "50", "won"));
    assert_eq!(alpha[3], "alpha.example");

    let everything = csv_records(&admin.get("/export/clients.csv").await.body);
    assert_eq!(everything.len(), 1 + rows.len());
    let bad = admin.get("/export/clients.csv?per_page=500&country=ZZ").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(admin.get("/export/clients.xml").await.status, 404);
}

#[tokio::test]
async fn json_export_is_a_valid_array_of_the_filtered_clients() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    create_dataset(&admin).await;
    let res = admin.get("/export/clients.json?country=DE").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.header("content-type").as_deref(), Some("application/json"));
    let parsed: Value = serde_json::from_str(&res.body).expect("valid JSON");
    let names: Vec<String> = parsed.as_array().expect("an array").iter().map(|c| s(&c["company_name"])).collect();
    assert_eq!(names, ["Alpha", "echo", "Golf"]);
    assert_eq!(parsed[0]["website"], "https://alpha.example/");
    let empty: Value =
        serde_json::from_str(&admin.get("/export/clients.json?industry=travel").await.body).expect("JSON");
    assert_eq!(empty, json!([]));

    // Campaign export narrows by status.
    let client = list(&admin, "q=alpha").await.json()["clients"][0]["id"].as_str().expect("id").to_string();
    let k = id_of(&create_campaign(&admin, &client, "Live one").await);
    create_campaign(&admin, &client, "Draft one").await;
    move_through(&admin, &k, &["active"]).await;
    let active: Value =
        serde_json::from_str(&admin.get("/export/campaigns.json?status=active").await.body).expect("JSON");
    assert_eq!(active.as_array().expect("array").len(), 1);
    assert_eq!(active[0]["name"], "Live one");
    let csv = csv_records(&admin.get("/export/campaigns.csv").await.body);
    assert_eq!(
        csv[0],
        [
            "id",
            "client_id",
            "client",
            "name",
            "type",
            "status",
            "start_date",
            "end_date",
            "budget",
            "agents",
            "objectives"
        ]
    );
    assert_eq!(csv.len(), 3);
    assert_eq!(admin.get("/export/campaigns.csv?status=sleeping").await.status, 422);
}

#[tokio::test]
async fn formula_like_cells_are_neutralised_in_csv() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"click\")";
    create_client(&admin, evil, &[("website", "evil.example"), ("contact_name", "+SUM(A1:A9)")], "").await;
    create_client(&admin, "@cmd", &[("website", "at.example"), ("contact_name", "-2+3")], "").await;
    let records = csv_records(&admin.get("/export/clients.csv").await.body);
    let row = records.iter().find(|r| r[3] == "evil.example").expect("row");
    assert_eq!(row[1], format!("'{evil}"));
    assert_eq!(row[13], "'+SUM(A1:A9)");
    let at = records.iter().find(|r| r[3] == "at.example").expect("row");
    assert_eq!((at[1].as_str(), at[13].as_str()), ("'@cmd", "'-2+3"));
    assert_eq!(at[3], "at.example", "ordinary cells are untouched");
    // JSON is data, not a spreadsheet: values stay as entered.
    let json: Value = serde_json::from_str(&admin.get("/export/clients.json?q=evil").await.body).expect("JSON");
    assert_eq!(json[0]["company_name"], evil);
}

#[tokio::test]
async fn exports_stream_thousands_of_rows() {
    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    domain::demo::seed(&app.pool, 2500, 7).await.expect("seed");
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.expect("count") }
    };
    let in_db = count("SELECT count(*) FROM clients").await;
    assert_eq!(in_db, 2500);

    let csv = admin.get("/export/clients.csv").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-length"), None, "streamed, not buffered");
    let records = csv_records(&csv.body);
    assert_eq!(records[0], CLIENT_CSV_HEADER);
    assert_eq!(records.len() as i64 - 1, in_db);
    let ids: HashSet<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len() as i64, in_db, "no row twice across chunks");
    // Export order is the list's order.
    let first_page: Vec<String> =
        list(&admin, "per_page=100").await.json()["clients"].as_array().expect("clients").iter().map(id_of).collect();
    let exported: Vec<String> = records[1..101].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, first_page);

    let json: Value = serde_json::from_str(&admin.get("/export/clients.json").await.body).expect("valid JSON");
    assert_eq!(json.as_array().expect("array").len() as i64, in_db);

    let saas = csv_records(&admin.get("/export/clients.csv?industry=saas").await.body);
    assert_eq!(saas.len() as i64 - 1, count("SELECT count(*) FROM clients WHERE industry = 'saas'").await);

    let campaigns = csv_records(&admin.get("/export/campaigns.csv").await.body);
    assert_eq!(campaigns.len() as i64 - 1, count("SELECT count(*) FROM campaigns").await);

    // A demo account manager exports their portfolio only.
    let alex = app.client();
    assert_eq!(alex.login("alex@demo.aiseo.test", domain::demo::DEMO_PASSWORD).await.status, 200);
    let theirs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM clients c JOIN users u ON u.id = c.account_manager_id WHERE u.email = 'alex@demo.aiseo.test'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert!(theirs > 0 && theirs < in_db);
    let json: Value = serde_json::from_str(&alex.get("/export/clients.json").await.body).expect("valid JSON");
    assert_eq!(json.as_array().expect("array").len() as i64, theirs);
}

// ---------------------------------------------------------------------------------------------------
// Demo seed
// ---------------------------------------------------------------------------------------------------

const CLIENT_DIGEST: &str = "SELECT md5(string_agg(ROW(id, company_name, website, domain, industry, country, annual_revenue,
        employee_count, stage, monthly_value, account_manager_id, competitor_domains, contact_name, contact_email,
        contact_phone, lead_budget, lead_timeline, lead_decision_maker_role, lead_pain_points, lead_source, notes)::text,
        E'\\n' ORDER BY id)) FROM clients";
const CAMPAIGN_DIGEST: &str = "SELECT md5(string_agg(ROW(id, client_id, name, kind, start_date, end_date, budget,
        objectives, agents, status)::text, E'\\n' ORDER BY id)) FROM campaigns";

async fn seeded(clients: usize, seed: u64) -> (TestDb, sqlx::PgPool) {
    let db = TestDb::create().await;
    let pool = sqlx::PgPool::connect(&db.url).await.expect("pool");
    domain::store::migrate(&pool).await.expect("migrate");
    let summary = domain::demo::seed(&pool, clients, seed).await.expect("seed");
    assert_eq!(summary.clients, clients);
    (db, pool)
}

async fn digest(pool: &sqlx::PgPool, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect("digest")
}

#[tokio::test]
async fn demo_seed_is_deterministic_and_refuses_a_database_with_clients() {
    let (_db1, one) = seeded(400, 42).await;
    let (_db2, two) = seeded(400, 42).await;
    let (_db3, other) = seeded(400, 43).await;
    assert_eq!(digest(&one, CLIENT_DIGEST).await, digest(&two, CLIENT_DIGEST).await, "same seed, same clients");
    assert_eq!(digest(&one, CAMPAIGN_DIGEST).await, digest(&two, CAMPAIGN_DIGEST).await, "same seed, same campaigns");
    assert_ne!(digest(&one, CLIENT_DIGEST).await, digest(&other, CLIENT_DIGEST).await, "another seed, another agency");

    let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM campaigns ORDER BY status")
        .fetch_all(&one)
        .await
        .expect("statuses");
    assert_eq!(statuses, ["active", "cancelled", "completed", "draft", "paused"]);
    // The demo client user: a person at one of Alex's won clients, with a conversation.
    let dana: (String, String, String, i64) = sqlx::query_as(
        "SELECT u.role, c.stage, m.email, (SELECT count(*) FROM messages WHERE client_id = c.id)
           FROM users u JOIN clients c ON c.id = u.client_id JOIN users m ON m.id = c.account_manager_id
          WHERE u.email = 'dana@demo.aiseo.test'",
    )
    .fetch_one(&one)
    .await
    .expect("the demo client user");
    assert_eq!(dana, ("client".into(), "won".into(), "alex@demo.aiseo.test".into(), 2));

    let before = digest(&one, CLIENT_DIGEST).await;
    match domain::demo::seed(&one, 10, 42).await {
        Err(domain::DomainError::Rule(m)) => assert!(m.contains("already has 400 clients"), "{m}"),
        Err(e) => panic!("expected a rule refusal, got {e}"),
        Ok(_) => panic!("seeding a database with clients must be refused"),
    }
    assert_eq!(digest(&one, CLIENT_DIGEST).await, before, "nothing added");
    one.close().await;
    two.close().await;
    other.close().await;
}
