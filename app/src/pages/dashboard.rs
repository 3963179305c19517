//! The dashboard (`/`): KPI cards with trends, the agent strip, charts and the activity feed for the range
//! in the URL. The first figures are rendered on the server; after that the page follows the live stream:
//! each burst of events (coalesced, see `components::live`) refetches the figures, and the cards, tables
//! and charts change in place, without a reload.

use chrono::{DateTime, Utc};
#[cfg(feature = "ssr")]
use chrono::{Duration, Timelike};
use domain::model::dashboard::{Bucket, Dashboard, FeedItem, Kpi, Outcomes, Trend, Unit, Window};
use domain::policy::Action;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dashboard::get_dashboard;
use crate::charts::{Chart, Charted, Height};
#[cfg(feature = "ssr")]
use crate::charts::{ChartSpec, Charts};
use crate::components::live::{live_tick, progress_tick};
use crate::components::range::{range_params, RangeForm};
use crate::components::{Authorized, ErrorMessage};
use crate::format::{number, NONE};

#[component]
pub fn DashboardPage() -> impl IntoView {
    // The figures are asked for at once, beside the signed-in user rather than after it: on the server
    // both run together. `get_dashboard` checks the caller itself; `Authorized` decides what shows.
    let params = range_params();
    let first = Resource::new(params, |(r, f, t)| get_dashboard(r, f, t));
    view! {
        <Title text="Dashboard" />
        <Authorized action=Action::ViewDashboard render=move |_| view! { <DashboardBody params first /> } />
    }
}

#[component]
fn DashboardBody(
    params: impl Fn() -> (String, String, String) + Copy + Send + Sync + 'static,
    first: Resource<Result<Charted<Dashboard>, crate::AppError>>,
) -> impl IntoView {
    // Newer figures than the first ones, fetched when events arrive (only in the browser).
    let live: RwSignal<Option<Charted<Dashboard>>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let tick = live_tick(Signal::derive(|| true));
    let crawl_tick = progress_tick(running.into());
    follow(params, tick, crawl_tick, live);

    view! {
        <div class="page-head">
            <h1>"Dashboard"</h1>
        </div>
        <RangeForm action="/" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match first.await {
                    Err(crate::AppError::Validation(_)) => view! {
                        <p class="flash flash-error" role="alert">"Choose a valid range: see the fields above."</p>
                    }.into_any(),
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(d) => {
                        let current = Signal::derive(move || live.get().unwrap_or_else(|| d.clone()));
                        Effect::new(move |_| running.set(current.with(|d| d.data.running_crawls > 0)));
                        view! { <Figures current /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Refetches the figures into `live` on every tick, newest request wins; a change of range starts over.
fn follow(
    params: impl Fn() -> (String, String, String) + Copy + Send + Sync + 'static,
    tick: RwSignal<u64>,
    crawl_tick: RwSignal<u64>,
    live: RwSignal<Option<Charted<Dashboard>>>,
) {
    Effect::new(move |prev: Option<(String, String, String)>| {
        let p = params();
        if prev.is_some_and(|prev| prev != p) {
            live.set(None);
        }
        p
    });
    #[cfg(feature = "hydrate")]
    {
        let seq = StoredValue::new(0u64);
        Effect::new(move |seen: Option<(u64, u64)>| {
            let now = (tick.get(), crawl_tick.get());
            if seen.is_some() {
                let p = untrack(params);
                seq.update_value(|s| *s += 1);
                let mine = seq.get_value();
                leptos::task::spawn_local(async move {
                    if let Ok(d) = get_dashboard(p.0.clone(), p.1.clone(), p.2.clone()).await {
                        if seq.get_value() == mine && untrack(params) == p {
                            live.set(Some(d));
                        }
                    }
                });
            }
            now
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (tick, crawl_tick);
}

#[component]
fn Figures(current: Signal<Charted<Dashboard>>) -> impl IntoView {
    let empty = move || current.with(|d| d.data.empty);
    view! {
        <p class="muted" role="status">{move || current.with(|d| scope_line(&d.data))}</p>
        {move || current.with(|d| d.data.failed_report_emails).gt(&0).then(|| {
            let n = current.with(|d| d.data.failed_report_emails);
            view! {
                <p class="notice error" role="alert">
                    {format!("{n} report email(s) failed after every attempt in the last {} days. ", domain::model::dashboard::FAILED_REPORTS_DAYS)}
                    <a href="/reports/deliveries?status=failed">"See the failed report emails"</a>
                </p>
            }
        })}
        <Show when=empty fallback=move || view! { <Filled current /> }>
            <section class="empty-state" aria-labelledby="empty-heading">
                <h2 id="empty-heading">"Nothing to show yet"</h2>
                <p>"The dashboard fills in as soon as there are clients and agent tasks. Start with one of these:"</p>
                <ul>
                    <li><a href="/clients/new">"Add a client"</a>" (admins and staff): its analysis task runs by itself."</li>
                    <li><a href="/tasks/new">"Run an agent"</a>" on a client or on the pipeline."</li>
                    <li><a href="/agents">"See what the fourteen agents do"</a></li>
                </ul>
            </section>
        </Show>
    }
}

fn scope_line(d: &Dashboard) -> String {
    let whose = if d.portfolio_only { "Your portfolio" } else { "The whole agency" };
    format!(
        "{whose}, {} to {} (UTC); trends compare with the {} before.",
        d.window.start.format("%Y-%m-%d %H:%M"),
        d.window.end.format("%Y-%m-%d %H:%M"),
        length_words(&d.window)
    )
}

fn length_words(w: &Window) -> String {
    let days = (w.end - w.start).num_days();
    if days <= 1 {
        "24 hours".into()
    } else {
        format!("{days} days")
    }
}

#[component]
fn Filled(current: Signal<Charted<Dashboard>>) -> impl IntoView {
    let option = move |id: &'static str| -> Signal<Option<String>> {
        Memo::new(move |_| current.with(|d| d.charts.get(id))).into()
    };
    let current: Signal<Dashboard> = Memo::new(move |_| current.with(|d| d.data.clone())).into();
    view! {
        <section aria-labelledby="kpi-heading">
            <h2 id="kpi-heading" class="visually-hidden">"Key figures"</h2>
            <ul class="kpis">{move || current.with(|d| d.kpis.iter().cloned().map(|k| view! { <KpiCard k /> }).collect_view())}</ul>
        </section>
        <section aria-labelledby="agents-heading">
            <h2 id="agents-heading">"Agents"</h2>
            <ul class="agent-strip">
                {move || current.with(|d| d.agents.iter().map(|a| {
                    let state = a.state.label();
                    let pending = if a.pending > 0 { format!(", {} waiting", a.pending) } else { String::new() };
                    view! {
                        <li class=format!("agent-chip agent-{}", a.state.class())>
                            <a href=format!("/agents#agent-{}", a.agent.as_str())>
                                <span class="agent-chip-name">{a.agent.label()}</span>
                                <span class="agent-chip-state">{format!("{state}{pending}")}</span>
                            </a>
                        </li>
                    }
                }).collect_view())}
            </ul>
        </section>
        <div class="dash-grid">
            <ChartPanel id="tasks-per-bucket" title=move || current.with(|d| format!("Tasks finished per {} by outcome", bucket_word(d.bucket)))
                description="Stacked bars of tasks completed, failed and cancelled in each period; the table below has the same numbers"
                option=option("tasks-per-bucket") tall=false>
                {move || current.with(|d| outcome_table(
                    "Period", d.tasks_per_bucket.iter().map(|p| (bucket_label(p.at, d.bucket), p.value.clone())).collect()))}
            </ChartPanel>
            <ChartPanel id="tasks-by-agent" title=move || "Tasks by agent and outcome".to_string()
                description="Stacked bars of each agent's finished tasks by outcome; the table below has the same numbers"
                option=option("tasks-by-agent") tall=true>
                {move || current.with(|d| outcome_table(
                    "Agent", d.tasks_by_agent.iter().map(|(a, o)| (a.label().to_string(), o.clone())).collect()))}
            </ChartPanel>
            <ChartPanel id="health" title=move || "Audit health over time".to_string()
                description="Line of the mean health score of the site audits completed in each period; the table below has the same numbers"
                option=option("health") tall=false>
                {move || current.with(|d| simple_table(
                    &["Period", "Mean health", "Audits"],
                    d.health.iter().map(|p| vec![bucket_label(p.at, d.bucket), number(p.value.0, 1), p.value.1.to_string()]).collect()))}
            </ChartPanel>
            <ChartPanel id="industries" title=move || "Clients by industry".to_string()
                description="Bars of the number of clients in each industry; the table below has the same numbers"
                option=option("industries") tall=true>
                {move || current.with(|d| simple_table(
                    &["Industry", "Clients"],
                    d.industries.iter().map(|(l, n)| vec![l.clone(), n.to_string()]).collect()))}
            </ChartPanel>
            <ChartPanel id="funnel" title=move || "Sales pipeline".to_string()
                description="Funnel of how many clients reached each stage; the table below has the numbers and conversions"
                option=option("funnel") tall=false>
                {move || current.with(|d| simple_table(
                    &["Stage", "Clients that reached it", "Conversion from the stage before"],
                    d.funnel.iter().map(|s| vec![
                        s.stage.clone(), s.reached.to_string(),
                        s.conversion.map(|c| format!("{} %", number(c * 100.0, 1))).unwrap_or_else(|| NONE.into()),
                    ]).collect()))}
            </ChartPanel>
            <ChartPanel id="crawl-rate" title=move || current.with(|d| format!(
                    "Crawl pages per minute ({} audit{} running)", d.running_crawls, if d.running_crawls == 1 { "" } else { "s" }))
                description="Bars of pages fetched per minute by site audits over the last 30 minutes; the table below has the same numbers"
                option=option("crawl-rate") tall=false>
                {move || current.with(|d| simple_table(
                    &["Minute (UTC)", "Pages"],
                    d.crawl_rate.iter().map(|p| vec![p.at.format("%H:%M").to_string(), p.value.to_string()]).collect()))}
            </ChartPanel>
        </div>
        <section aria-labelledby="feed-heading">
            <h2 id="feed-heading">"Recent activity"</h2>
            {move || current.with(|d| feed_view(&d.feed))}
        </section>
    }
}

#[component]
fn KpiCard(k: Kpi) -> impl IntoView {
    let value = kpi_value(&k, k.value);
    let (arrow, class, words) = match (k.trend, k.previous) {
        (Some(t), Some(prev)) => {
            let good = match t {
                Trend::Stable => "trend-neutral",
                Trend::Up if k.up_is_good => "trend-good",
                Trend::Down if !k.up_is_good => "trend-good",
                _ => "trend-bad",
            };
            let arrow = match t {
                Trend::Up => "▲",
                Trend::Down => "▼",
                Trend::Stable => "■",
            };
            (arrow, good, format!("{} from {}", t.label(), kpi_value(&k, Some(prev))))
        }
        _ => ("", "trend-neutral", "no figure for the range before".to_string()),
    };
    let label = k.label.clone();
    view! {
        <li class="kpi">
            <h3 class="kpi-label">{k.label.clone()}</h3>
            <p class="kpi-value" data-kpi=k.key.clone()>{value}</p>
            <p class=format!("kpi-trend {class}")><span aria-hidden="true">{arrow}" "</span>{words}</p>
            <p class="kpi-detail">{k.detail.clone()}</p>
            <a href=k.href.clone() aria-label=format!("Details behind {}", label.to_lowercase())>"Details"</a>
        </li>
    }
}

fn kpi_value(k: &Kpi, v: Option<f64>) -> String {
    match (v, k.unit) {
        (None, _) => "no data".into(),
        (Some(v), Unit::Count | Unit::Money) => number(v, 0),
        (Some(v), Unit::Points) if k.key == "success_rate" => format!("{} %", number(v, 1)),
        (Some(v), Unit::Points) => number(v, 1),
    }
}

#[component]
fn ChartPanel(
    id: &'static str,
    title: impl Fn() -> String + Send + Sync + 'static,
    description: &'static str,
    option: Signal<Option<String>>,
    tall: bool,
    children: ChildrenFn,
) -> impl IntoView {
    let heading = format!("panel-{id}");
    let labelled = heading.clone();
    let empty = move || option.with(|s| s.is_none());
    let height = if tall { Height::Tall } else { Height::Normal };
    view! {
        <section class="panel" aria-labelledby=labelled>
            <h2 id=heading>{title}</h2>
            <Show when=move || !empty() fallback=|| view! { <p class="muted">"No data in this range yet."</p> }>
                <Chart id description=description.to_string() option height />
                <details>
                    <summary>"The numbers"</summary>
                    {children()}
                </details>
            </Show>
        </section>
    }
}

fn bucket_word(b: Bucket) -> &'static str {
    match b {
        Bucket::Hour => "hour",
        Bucket::Day => "day",
    }
}

fn bucket_label(at: DateTime<Utc>, b: Bucket) -> String {
    match b {
        Bucket::Hour => at.format("%d %b %H:00").to_string(),
        Bucket::Day => at.format("%Y-%m-%d").to_string(),
    }
}

/// Every bucket of the window, oldest first (so quiet periods show as gaps, not as missing days).
#[cfg(feature = "ssr")]
fn buckets(w: &Window, b: Bucket) -> Vec<DateTime<Utc>> {
    let (step, start) = match b {
        Bucket::Hour => (
            Duration::hours(1),
            w.start.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)),
        ),
        Bucket::Day => (Duration::days(1), w.start.date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc())),
    };
    let mut out = Vec::new();
    let mut at = start.unwrap_or(w.start);
    while at < w.end && out.len() < 800 {
        out.push(at);
        at += step;
    }
    out
}

#[cfg(feature = "ssr")]
fn outcome_series(rows: &[(String, Outcomes)]) -> Vec<(String, Vec<f64>)> {
    vec![
        ("Completed".into(), rows.iter().map(|(_, o)| o.completed as f64).collect()),
        ("Failed".into(), rows.iter().map(|(_, o)| o.failed as f64).collect()),
        ("Cancelled".into(), rows.iter().map(|(_, o)| o.cancelled as f64).collect()),
    ]
}

/// The dashboard's charts, built with its figures (see `charts`).
#[cfg(feature = "ssr")]
pub(crate) fn charts(d: &Dashboard) -> Charts {
    Charts::of([
        ("tasks-per-bucket", tasks_spec(d)),
        ("tasks-by-agent", agents_spec(d)),
        ("health", health_spec(d)),
        ("industries", industry_spec(d)),
        ("funnel", funnel_spec(d)),
        ("crawl-rate", crawl_spec(d)),
    ])
}

#[cfg(feature = "ssr")]
fn tasks_spec(d: &Dashboard) -> Option<ChartSpec> {
    if d.tasks_per_bucket.is_empty() {
        return None;
    }
    let rows: Vec<(String, Outcomes)> = buckets(&d.window, d.bucket)
        .into_iter()
        .map(|at| {
            let o = d.tasks_per_bucket.iter().find(|p| p.at == at).map(|p| p.value.clone()).unwrap_or_default();
            (bucket_label(at, d.bucket), o)
        })
        .collect();
    Some(ChartSpec::StackedBars {
        categories: rows.iter().map(|(l, _)| l.clone()).collect(),
        series: outcome_series(&rows),
        horizontal: false,
    })
}

#[cfg(feature = "ssr")]
fn agents_spec(d: &Dashboard) -> Option<ChartSpec> {
    if d.tasks_by_agent.is_empty() {
        return None;
    }
    let rows: Vec<(String, Outcomes)> =
        d.tasks_by_agent.iter().map(|(a, o)| (a.label().to_string(), o.clone())).collect();
    Some(ChartSpec::StackedBars {
        categories: rows.iter().map(|(l, _)| l.clone()).collect(),
        series: outcome_series(&rows),
        horizontal: true,
    })
}

#[cfg(feature = "ssr")]
fn health_spec(d: &Dashboard) -> Option<ChartSpec> {
    (!d.health.is_empty()).then(|| ChartSpec::Lines {
        categories: d.health.iter().map(|p| bucket_label(p.at, d.bucket)).collect(),
        series: vec![("Mean health".into(), d.health.iter().map(|p| p.value.0).collect())],
        y_max: Some(100.0),
    })
}

#[cfg(feature = "ssr")]
fn industry_spec(d: &Dashboard) -> Option<ChartSpec> {
    (!d.industries.is_empty()).then(|| ChartSpec::StackedBars {
        categories: d.industries.iter().map(|(l, _)| l.clone()).collect(),
        series: vec![("Clients".into(), d.industries.iter().map(|(_, n)| *n as f64).collect())],
        horizontal: true,
    })
}

#[cfg(feature = "ssr")]
fn funnel_spec(d: &Dashboard) -> Option<ChartSpec> {
    d.funnel
        .iter()
        .any(|s| s.reached > 0)
        .then(|| ChartSpec::Funnel { steps: d.funnel.iter().map(|s| (s.stage.clone(), s.reached as f64)).collect() })
}

#[cfg(feature = "ssr")]
fn crawl_spec(d: &Dashboard) -> Option<ChartSpec> {
    if d.crawl_rate.is_empty() && d.running_crawls == 0 {
        return None;
    }
    let end = d.crawl_rate.last().map(|p| p.at).unwrap_or(d.window.end);
    let minutes: Vec<DateTime<Utc>> =
        (0..domain::model::dashboard::CRAWL_RATE_MINUTES).rev().map(|m| end - Duration::minutes(m)).collect();
    let value = |at: DateTime<Utc>| d.crawl_rate.iter().find(|p| p.at == at).map_or(0.0, |p| p.value as f64);
    Some(ChartSpec::StackedBars {
        categories: minutes.iter().map(|m| m.format("%H:%M").to_string()).collect(),
        series: vec![("Pages".into(), minutes.iter().map(|m| value(*m)).collect())],
        horizontal: false,
    })
}

fn outcome_table(first: &'static str, rows: Vec<(String, Outcomes)>) -> AnyView {
    simple_table(
        &[first, "Completed", "Failed", "Cancelled"],
        rows.into_iter()
            .map(|(l, o)| vec![l, o.completed.to_string(), o.failed.to_string(), o.cancelled.to_string()])
            .collect(),
    )
}

fn simple_table(headers: &[&'static str], rows: Vec<Vec<String>>) -> AnyView {
    let headers: Vec<&'static str> = headers.to_vec();
    view! {
        <div class="table-wrap">
            <table>
                <thead><tr>{headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn feed_view(feed: &[FeedItem]) -> AnyView {
    if feed.is_empty() {
        return view! { <p class="muted">"No activity yet."</p> }.into_any();
    }
    view! {
        <ol class="feed">
            {feed.iter().cloned().map(|f| {
                let object = match (f.object, f.href) {
                    (Some(o), Some(h)) => view! { <a href=h>{o}</a> }.into_any(),
                    (None, Some(h)) => view! { <a href=h>"open"</a> }.into_any(),
                    (Some(o), None) => view! { <span>{o}</span> }.into_any(),
                    (None, None) => ().into_any(),
                };
                view! {
                    <li>
                        <time datetime=f.at.to_rfc3339()>{f.at.format("%Y-%m-%d %H:%M").to_string()}</time>
                        " " <strong>{f.who}</strong> " " {f.what} " " {object}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
