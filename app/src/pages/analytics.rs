//! Analytics (`/analytics`): per-agent figures, business figures and (for admins and staff) the system's
//! own figures for the range in the URL, as tables with charts, each exportable as CSV, JSON or Excel.
//! The figures refetch when the live stream brings events.

use domain::model::analytics::{AgentFigures, Analytics, BusinessFigures, Report, SystemFigures};
use domain::policy::Action;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::analytics::get_analytics;
use crate::charts::{Chart, Charted, Height};
#[cfg(feature = "ssr")]
use crate::charts::{ChartSpec, Charts};
use crate::components::live::live_tick;
use crate::components::range::{range_params, RangeForm};
use crate::components::{Authorized, ErrorMessage};
use crate::format::{number, NONE};

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    view! {
        <Title text="Analytics" />
        <Authorized action=Action::ViewDashboard render=move |_| view! { <AnalyticsBody /> } />
    }
}

#[component]
fn AnalyticsBody() -> impl IntoView {
    let params = range_params();
    let tick = live_tick(Signal::derive(|| true));
    let data = Resource::new(move || (params(), tick.get()), |((r, f, t), _)| get_analytics(r, f, t));
    view! {
        <div class="page-head"><h1>"Analytics"</h1></div>
        <RangeForm action="/analytics" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(crate::AppError::Validation(_)) => view! {
                        <p class="flash flash-error" role="alert">"Choose a valid range: see the fields above."</p>
                    }.into_any(),
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(Charted { data: a, charts }) => view! { <Figures a charts /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// "CSV · JSON · Excel" links for one report and the page's range.
fn exports(report: Report, query: &str, what: &'static str) -> impl IntoView {
    let href = |ext: &str| format!("/export/analytics/{}.{ext}?{query}", report.as_str());
    view! {
        <p class="exports">
            <a href=href("csv") download aria-label=format!("Export {what} as CSV")>"CSV"</a>
            " · "
            <a href=href("json") download aria-label=format!("Export {what} as JSON")>"JSON"</a>
            " · "
            <a href=href("xlsx") download aria-label=format!("Export {what} as Excel")>"Excel"</a>
        </p>
    }
}

#[component]
fn Figures(a: Analytics, charts: crate::charts::Charts) -> impl IntoView {
    let query = a.range.query();
    let whose = if a.portfolio_only { "Your portfolio" } else { "The whole agency" };
    let scope = format!(
        "{whose}, {} to {} (UTC).",
        a.window.start.format("%Y-%m-%d %H:%M"),
        a.window.end.format("%Y-%m-%d %H:%M")
    );
    let agent_chart = charts.get("analytics-agents");
    let stage_chart = charts.get("analytics-stages");
    view! {
        <p class="muted" role="status">{scope}</p>
        <section class="panel" aria-labelledby="agents-heading">
            <h2 id="agents-heading">"Agents"</h2>
            <p class="muted">"Tasks that finished in the range. Success rate = completed ÷ (completed + failed); durations of completed and failed tasks."</p>
            {exports(Report::Agents, &query, "agent figures")}
            {match agent_chart {
                Some(option) => view! {
                    <Chart id="analytics-agents" height=Height::Tall option=Some(option)
                        description="Stacked bars of each agent's finished tasks by outcome; the table below has the same numbers".to_string() />
                }.into_any(),
                None => view! { <p class="muted">"No task finished in this range."</p> }.into_any(),
            }}
            <AgentTable agents=a.agents.clone() />
        </section>
        <section class="panel" aria-labelledby="business-heading">
            <h2 id="business-heading">"Business"</h2>
            {exports(Report::Business, &query, "business figures")}
            {stage_chart.map(|option| view! {
                <Chart id="analytics-stages" option=Some(option)
                    description="Bars of the number of clients in each pipeline stage; the table below has the same numbers".to_string() />
            })}
            <BusinessTables b=a.business.clone() />
        </section>
        {a.system.clone().map(|s| view! {
            <section class="panel" aria-labelledby="system-heading">
                <h2 id="system-heading">"System"</h2>
                <p class="muted">"This server process, now."</p>
                {exports(Report::System, &query, "system figures")}
                <SystemTable s />
            </section>
        })}
    }
}

fn opt(v: Option<f64>, digits: usize, unit: &str) -> String {
    v.map_or_else(|| NONE.to_string(), |v| format!("{}{unit}", number(v, digits)))
}

#[component]
fn AgentTable(agents: Vec<AgentFigures>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Agent figures"</caption>
                <thead><tr>
                    <th scope="col">"Agent"</th><th scope="col">"Completed"</th><th scope="col">"Failed"</th>
                    <th scope="col">"Cancelled"</th><th scope="col">"Success rate"</th><th scope="col">"Mean"</th>
                    <th scope="col">"p95"</th><th scope="col">"LLM tokens"</th><th scope="col">"LLM cost"</th>
                </tr></thead>
                <tbody>
                    {agents.into_iter().map(|a| view! {
                        <tr>
                            <th scope="row"><a href=format!("/agents#agent-{}", a.agent.as_str())>{a.agent.label()}</a></th>
                            <td>{number(a.completed as f64, 0)}</td>
                            <td>{number(a.failed as f64, 0)}</td>
                            <td>{number(a.cancelled as f64, 0)}</td>
                            <td>{opt(a.success_rate, 1, " %")}</td>
                            <td>{opt(a.mean_ms, 0, " ms")}</td>
                            <td>{opt(a.p95_ms, 0, " ms")}</td>
                            <td>{number(a.llm_tokens as f64, 0)}</td>
                            <td>{number(a.llm_cost, 4)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn BusinessTables(b: BusinessFigures) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption>"Pipeline now"</caption>
                <thead><tr><th scope="col">"Stage"</th><th scope="col">"Clients"</th><th scope="col">"Deal value (monthly)"</th></tr></thead>
                <tbody>
                    {b.stages.iter().map(|s| view! {
                        <tr><th scope="row">{s.stage.clone()}</th><td>{number(s.clients as f64, 0)}</td><td>{number(s.value as f64, 0)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <dl class="facts">
            <dt>"Won in the range"</dt><dd>{number(b.won as f64, 0)}</dd>
            <dt>"Lost in the range"</dt><dd>{number(b.lost as f64, 0)}</dd>
            <dt>"Win rate in the range"</dt><dd>{opt(b.win_rate, 1, " %")}</dd>
            <dt>"Revenue under management (monthly, now)"</dt>
            <dd>{format!("{} from {} won clients", number(b.revenue_under_management as f64, 0), b.won_clients)}</dd>
            <dt>"Site audits completed in the range"</dt><dd>{number(b.audits as f64, 0)}</dd>
            <dt>"Their mean health"</dt><dd>{opt(b.mean_health, 1, "")}</dd>
        </dl>
    }
}

#[component]
fn SystemTable(s: SystemFigures) -> impl IntoView {
    let mb =
        |b: Option<u64>| b.map_or_else(|| NONE.to_string(), |b| format!("{} MB", number(b as f64 / 1_048_576.0, 1)));
    view! {
        <dl class="facts">
            <dt>"Uptime"</dt><dd>{format!("{} s", number(s.uptime_secs as f64, 0))}</dd>
            <dt>"Process CPU time"</dt><dd>{opt(s.cpu_secs, 1, " s")}</dd>
            <dt>"Process memory (resident)"</dt><dd>{mb(s.rss_bytes)}</dd>
            <dt>"Database pool"</dt><dd>{format!("{} open, {} idle, at most {}", s.db_pool_size, s.db_pool_idle, s.db_pool_max)}</dd>
            <dt>"Live streams"</dt><dd>{s.live_streams}</dd>
            <dt>"Task queue"</dt>
            <dd>{format!("{} ready, {} running, {} with expired leases", s.queue_ready, s.queue_running, s.queue_expired_leases)}</dd>
            <dt>"Oldest ready task waiting"</dt><dd>{opt(s.oldest_ready_secs, 0, " s")}</dd>
        </dl>
    }
}

/// The page's charts, built with its figures (see `charts`).
#[cfg(feature = "ssr")]
pub(crate) fn charts(a: &Analytics) -> Charts {
    Charts::of([("analytics-agents", agents_spec(&a.agents)), ("analytics-stages", stages_spec(&a.business))])
}

#[cfg(feature = "ssr")]
fn agents_spec(agents: &[AgentFigures]) -> Option<ChartSpec> {
    let busy: Vec<&AgentFigures> = agents.iter().filter(|a| a.completed + a.failed + a.cancelled > 0).collect();
    (!busy.is_empty()).then(|| ChartSpec::StackedBars {
        categories: busy.iter().map(|a| a.agent.label().to_string()).collect(),
        series: vec![
            ("Completed".into(), busy.iter().map(|a| a.completed as f64).collect()),
            ("Failed".into(), busy.iter().map(|a| a.failed as f64).collect()),
            ("Cancelled".into(), busy.iter().map(|a| a.cancelled as f64).collect()),
        ],
        horizontal: true,
    })
}

#[cfg(feature = "ssr")]
fn stages_spec(b: &BusinessFigures) -> Option<ChartSpec> {
    b.stages.iter().any(|s| s.clients > 0).then(|| ChartSpec::StackedBars {
        categories: b.stages.iter().map(|s| s.stage.clone()).collect(),
        series: vec![("Clients".into(), b.stages.iter().map(|s| s.clients as f64).collect())],
        horizontal: false,
    })
}
