//! Demo data: a realistic agency built deterministically from a seed (the same seed gives the same agency).
//!
//! Distributions, chosen to look like a mid-sized agency's book:
//! - employees: log-normal, median 60 (ln-mean 4.1, ln-sd 1.4), clamped to 1..200,000;
//! - annual revenue: employees x revenue per employee for the industry (e.g. SaaS 220k, local services
//!   90k) x a log-normal factor (ln-sd 0.5), rounded to thousands; 8 % unknown;
//! - stage: prospect 30 %, qualified 15 %, proposal 10 %, negotiation 7 %, won 28 %, lost 6 %, churned 4 %;
//! - monthly value (won, negotiation, proposal, churned): by size band, SMB 1.5k-4k, mid-market 4k-12k,
//!   enterprise 12k-40k, in hundreds;
//! - 85 % of clients have an account manager, spread round-robin;
//! - campaigns: won clients 1-3, negotiation/proposal 0-1, churned 1 (completed or cancelled), with every
//!   status present.

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::model::campaign::DEFAULT_AGENTS;
use crate::model::{CampaignKind, CampaignStatus, Industry, Stage};
use crate::DomainError;

/// The password every demo user gets (demo data only; printed by the run script).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub struct Summary {
    pub users: usize,
    pub clients: usize,
    pub campaigns: usize,
}

const FIRST: &[&str] = &[
    "North", "Blue", "Silver", "Bright", "Green", "Iron", "Swift", "Clear", "True", "Red", "Oak", "Stone", "Sun",
    "Star", "River", "Cedar", "Summit", "Harbor", "Maple", "Pioneer", "Atlas", "Nova", "Vertex", "Polar",
];
const SECOND: &[&str] = &[
    "wind", "field", "bridge", "gate", "line", "point", "path", "works", "leaf", "light", "stone", "crest", "wave",
    "forge", "peak", "vale", "mark", "spring", "haven", "ridge",
];
const SUFFIX: &[&str] =
    &["Labs", "Group", "Partners", "Systems", "Co", "Studio", "Health", "Digital", "Logistics", "Foods"];
const PEOPLE: &[&str] = &[
    "Olivia Brown",
    "Liam Smith",
    "Emma Jones",
    "Noah Taylor",
    "Ava Wilson",
    "Mia Davies",
    "Lucas Martin",
    "Sofia Rossi",
    "Jonas Weber",
    "Anna Novak",
    "Ivan Petrov",
    "Maria Garcia",
    "Yuki Tanaka",
    "Priya Shah",
];
const COUNTRIES: &[(&str, u32)] = &[
    ("US", 30),
    ("GB", 12),
    ("DE", 9),
    ("FR", 6),
    ("CA", 6),
    ("AU", 5),
    ("NL", 4),
    ("ES", 4),
    ("IT", 3),
    ("SE", 3),
    ("PL", 3),
    ("IN", 3),
    ("BR", 2),
    ("JP", 2),
    ("RU", 2),
    ("IE", 2),
    ("CH", 2),
    ("AE", 1),
    ("SG", 1),
];

fn industry_weights() -> Vec<(Industry, u32, f64)> {
    use Industry::*;
    // (industry, weight, revenue per employee)
    vec![
        (Ecommerce, 16, 180_000.0),
        (Saas, 14, 220_000.0),
        (Finance, 8, 300_000.0),
        (Healthcare, 8, 140_000.0),
        (Education, 5, 90_000.0),
        (RealEstate, 7, 200_000.0),
        (Travel, 6, 120_000.0),
        (Legal, 6, 160_000.0),
        (Manufacturing, 7, 250_000.0),
        (Media, 5, 130_000.0),
        (LocalServices, 10, 90_000.0),
        (Automotive, 4, 280_000.0),
        (Nonprofit, 2, 70_000.0),
        (Other, 2, 120_000.0),
    ]
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (item, w) in items {
        if roll < *w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1].0
}

/// A standard normal sample (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn stage(rng: &mut ChaCha8Rng) -> Stage {
    use Stage::*;
    *pick(rng, &[(Prospect, 30), (Qualified, 15), (Proposal, 10), (Negotiation, 7), (Won, 28), (Lost, 6), (Churned, 4)])
}

fn monthly_value(rng: &mut ChaCha8Rng, employees: i64) -> i64 {
    let (lo, hi) = match employees {
        0..=49 => (15, 40),
        50..=999 => (40, 120),
        _ => (120, 400),
    };
    rng.gen_range(lo..=hi) * 100
}

/// Creates demo users (3 account managers, 2 staff, and a client user with portal access to one of the
/// first manager's won clients; password [`DEMO_PASSWORD`]), `clients` clients and their campaigns. Refuses to run on a database that already has clients.
pub async fn seed(pool: &PgPool, clients: usize, seed: u64) -> Result<Summary, DomainError> {
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM clients").fetch_one(pool).await?;
    if existing > 0 {
        return Err(DomainError::Rule(format!("the database already has {existing} clients; seed an empty one")));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let hash = crate::password::hash_blocking(DEMO_PASSWORD.to_string()).await?;
    let mut tx = pool.begin().await?;

    let staff = [("Sam Carter", "staff"), ("Rita Moreno", "staff")];
    let managers =
        [("Alex Kim", "account_manager"), ("Bea Schultz", "account_manager"), ("Chen Wei", "account_manager")];
    let mut manager_ids = Vec::new();
    let mut users = 0;
    for (name, role) in staff.iter().chain(managers.iter()) {
        let email = format!("{}@demo.aiseo.test", name.split(' ').next().unwrap_or("user").to_lowercase());
        let id = Uuid::from_u64_pair(seed, rng.gen());
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&email)
        .bind(name)
        .bind(role)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            users += 1;
            if *role == "account_manager" {
                manager_ids.push(id);
            }
        }
    }
    if manager_ids.is_empty() {
        manager_ids =
            sqlx::query_scalar("SELECT id FROM users WHERE role = 'account_manager' AND active ORDER BY email")
                .fetch_all(&mut *tx)
                .await?;
    }

    let industries = industry_weights();
    let industry_pick: Vec<(usize, u32)> = industries.iter().enumerate().map(|(i, (_, w, _))| (i, *w)).collect();
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let mut campaign_rows = Vec::new();
    let mut client_ids = Vec::with_capacity(clients);
    for chunk_start in (0..clients).step_by(500) {
        let n = (clients - chunk_start).min(500);
        let mut b: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO clients (id, company_name, website, domain, industry, country, annual_revenue, employee_count,
                                  stage, monthly_value, account_manager_id, competitor_domains, contact_name,
                                  contact_email, contact_phone, lead_budget, lead_timeline, lead_decision_maker_role,
                                  lead_pain_points, lead_source, notes) ",
        );
        let mut rows = Vec::with_capacity(n);
        for i in chunk_start..chunk_start + n {
            let id = Uuid::from_u64_pair(seed ^ 0x5eed, i as u64);
            let name = format!(
                "{}{} {}",
                FIRST[rng.gen_range(0..FIRST.len())],
                SECOND[rng.gen_range(0..SECOND.len())],
                SUFFIX[rng.gen_range(0..SUFFIX.len())]
            );
            // The index keeps names and domains unique across thousands of clients.
            let company_name = if i < 200 { name } else { format!("{name} {}", i / 200) };
            let slug: String =
                company_name.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>();
            let domain = format!("{slug}-{i}.example");
            let (industry, _, per_employee) = industries[*pick(&mut rng, &industry_pick)];
            let country = *pick(&mut rng, COUNTRIES);
            let employees = (4.1 + 1.4 * normal(&mut rng)).exp().round().clamp(1.0, 200_000.0) as i64;
            let revenue = (rng.gen_range(0..100) >= 8).then(|| {
                let r = employees as f64 * per_employee * (0.5 * normal(&mut rng)).exp();
                ((r / 1000.0).round() as i64) * 1000
            });
            let st = stage(&mut rng);
            let paying = matches!(st, Stage::Won | Stage::Negotiation | Stage::Proposal | Stage::Churned);
            let monthly = if paying { monthly_value(&mut rng, employees) } else { 0 };
            let manager =
                (rng.gen_range(0..100) < 85 && !manager_ids.is_empty()).then(|| manager_ids[i % manager_ids.len()]);
            let competitors: Vec<String> =
                (0..rng.gen_range(0..=3)).map(|k| format!("rival{}-{}.example", i, k)).collect();
            let contact = PEOPLE[rng.gen_range(0..PEOPLE.len())];
            let prospect = matches!(st, Stage::Prospect | Stage::Qualified);
            let budget = prospect.then(|| rng.gen_range(5..=60) * 100);
            let timeline = prospect.then(|| {
                ["immediate", "within_quarter", "within_half_year", "within_year", "undecided"][rng.gen_range(0..5)]
            });
            rows.push((
                id,
                company_name,
                domain,
                industry,
                country,
                revenue,
                employees,
                st,
                monthly,
                manager,
                competitors,
                contact,
                budget,
                timeline,
            ));
            match st {
                Stage::Won => {
                    for k in 0..rng.gen_range(1..=3) {
                        campaign_rows.push((id, k, st));
                    }
                }
                Stage::Negotiation | Stage::Proposal if rng.gen_bool(0.5) => campaign_rows.push((id, 0, st)),
                Stage::Churned => campaign_rows.push((id, 0, st)),
                _ => {}
            }
            client_ids.push(id);
        }
        b.push_values(
            rows,
            |mut r,
             (
                id,
                name,
                domain,
                industry,
                country,
                revenue,
                employees,
                st,
                monthly,
                manager,
                competitors,
                contact,
                budget,
                timeline,
            )| {
                let email = format!("{}@{}", contact.split(' ').next().unwrap_or("info").to_lowercase(), domain);
                r.push_bind(id)
                    .push_bind(name)
                    .push_bind(format!("https://{domain}/"))
                    .push_bind(domain)
                    .push_bind(industry.as_str())
                    .push_bind(country)
                    .push_bind(revenue)
                    .push_bind(employees as i32)
                    .push_bind(st.as_str())
                    .push_bind(monthly)
                    .push_bind(manager)
                    .push_bind(competitors)
                    .push_bind(contact)
                    .push_bind(email)
                    .push_bind("+1 555 0100")
                    .push_bind(budget)
                    .push_bind(timeline)
                    .push_bind(if budget.is_some() { "Head of marketing" } else { "" })
                    .push_bind(if budget.is_some() {
                        "Organic traffic flat for a year; site migration planned"
                    } else {
                        ""
                    })
                    .push_bind(if budget.is_some() { "Referral" } else { "" })
                    .push_bind("");
            },
        );
        b.build().execute(&mut *tx).await?;
    }

    // Campaigns: won clients' are mostly active; every status is represented.
    let statuses = [
        (CampaignStatus::Active, 45),
        (CampaignStatus::Paused, 10),
        (CampaignStatus::Completed, 25),
        (CampaignStatus::Draft, 12),
        (CampaignStatus::Cancelled, 8),
    ];
    let kinds = CampaignKind::ALL;
    let agents: Vec<&str> = DEFAULT_AGENTS.iter().map(|a| a.as_str()).collect();
    let mut count = 0;
    let mut won_seen = 0;
    for chunk in campaign_rows.chunks(500) {
        let mut b: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO campaigns (id, client_id, name, kind, start_date, end_date, budget, objectives, agents, status) ",
        );
        let mut values = Vec::new();
        for (j, (client, k, stage)) in chunk.iter().enumerate() {
            let status = match stage {
                // The first five won-client campaigns take each status once, so every state is present.
                Stage::Won if won_seen < statuses.len() => {
                    won_seen += 1;
                    statuses[won_seen - 1].0
                }
                Stage::Won => *pick(&mut rng, &statuses),
                Stage::Churned => {
                    if rng.gen_bool(0.5) {
                        CampaignStatus::Completed
                    } else {
                        CampaignStatus::Cancelled
                    }
                }
                _ => CampaignStatus::Draft,
            };
            let kind = kinds[rng.gen_range(0..kinds.len())];
            let start = today - Duration::days(rng.gen_range(0..540));
            let end = start + Duration::days(rng.gen_range(60..365));
            let id = Uuid::from_u64_pair(seed ^ 0xca3a, (count + j) as u64);
            values.push((
                id,
                *client,
                format!("{} {}", kind.label(), k + 1),
                kind,
                start,
                end,
                rng.gen_range(10..=200) * 100,
                status,
            ));
        }
        count += values.len();
        b.push_values(values, |mut r, (id, client, name, kind, start, end, budget, status)| {
            r.push_bind(id)
                .push_bind(client)
                .push_bind(name)
                .push_bind(kind.as_str())
                .push_bind(start)
                .push_bind(end)
                .push_bind(budget as i64)
                .push_bind("Grow organic traffic and fix technical issues")
                .push_bind(agents.clone())
                .push_bind(status.as_str());
        });
        b.build().execute(&mut *tx).await?;
    }

    // The demo agency has a history for the dashboard's trends: each client joined on a day of the past
    // year (spread by its id, so the same seed gives the same days), each campaign on its start date or its
    // client's joining day, whichever is later.
    sqlx::query(
        "UPDATE clients SET created_at = now() - make_interval(days => 1 + (('x' || substr(md5(id::text), 1, 8))::bit(32)::int & 2147483647) % 365),
                            updated_at = now()",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE campaigns cm SET created_at = least(now(), greatest(c.created_at, cm.start_date::timestamptz))
           FROM clients c WHERE c.id = cm.client_id",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO events (at, actor_id, action, target_type, target_id, client_id, detail)
         SELECT created_at, NULL, 'client.created', 'client', id::text, id, jsonb_build_object('company_name', company_name, 'source', 'demo seed')
           FROM clients ORDER BY clients.created_at, clients.id",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO events (at, actor_id, action, target_type, target_id, client_id, detail)
         SELECT created_at, NULL, 'campaign.created', 'campaign', id::text, client_id, jsonb_build_object('name', name, 'source', 'demo seed')
           FROM campaigns ORDER BY created_at, id",
    )
    .execute(&mut *tx)
    .await?;
    // Every new client gets the business development director's analysis; seeded ones too (low priority,
    // so work people start goes first).
    sqlx::query(
        "WITH queued AS (
            INSERT INTO tasks (id, task_type, agent, client_id, priority)
            SELECT gen_random_uuid(), 'client_analysis', 'business_development_director', id, 0 FROM clients
            RETURNING id, client_id
         )
         INSERT INTO events (action, target_type, target_id, client_id, detail)
         SELECT 'task.created', 'task', id::text, client_id,
                jsonb_build_object('type', 'client_analysis', 'agent', 'business_development_director', 'source', 'demo seed')
           FROM queued",
    )
    .execute(&mut *tx)
    .await?;
    // A person at one of Alex's won clients with portal access, and a short conversation with Alex.
    if let Some(&alex) = manager_ids.first() {
        let company: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM clients WHERE stage = 'won' AND account_manager_id = $1 ORDER BY lower(company_name), id LIMIT 1",
        )
        .bind(alex)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(company) = company {
            let person = Uuid::from_u64_pair(seed, rng.gen());
            let inserted = sqlx::query(
                "INSERT INTO users (id, email, name, role, client_id, password_hash)
                 VALUES ($1, 'dana@demo.aiseo.test', 'Dana Fischer', 'client', $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(person)
            .bind(company)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                users += 1;
                sqlx::query(
                    "INSERT INTO messages (id, client_id, author_id, from_client, body, created_at) VALUES
                     ($1, $3, $4, true, 'Hello Alex, could you tell me how our campaign is going? Thanks, Dana',
                      now() - interval '2 days'),
                     ($2, $3, $5, false, 'Hello Dana, thanks for asking. Your monthly report is in the portal under Report; shall we go through it on a call next week? Best regards, Alex',
                      now() - interval '1 day')",
                )
                .bind(Uuid::from_u64_pair(seed ^ 0x3e55, 0))
                .bind(Uuid::from_u64_pair(seed ^ 0x3e55, 1))
                .bind(company)
                .bind(person)
                .bind(alex)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    sqlx::query("SELECT pg_notify($1, '')").bind(crate::store::tasks::CHANNEL).execute(&mut *tx).await?;
    tx.commit().await?;
    // Fresh planner statistics: the bulk insert would otherwise leave estimates at "empty table".
    sqlx::query("ANALYZE clients").execute(pool).await?;
    sqlx::query("ANALYZE campaigns").execute(pool).await?;
    Ok(Summary { users, clients: client_ids.len(), campaigns: count })
}
