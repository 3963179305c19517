//! The site audit pages: every client's latest audit (`/audits`), a client's audits (run one now, the recurring schedule, every crawl with its score) and
//! one crawl (live progress while it runs; then the health score, the categories, the issues by check with
//! their URLs, the page explorer and the exports). Filters and paging live in the query string, so every
//! view has a URL and works without JavaScript.

use domain::model::crawl::{
    AuditOverviewPage, Cadence, ClientAudits, Crawl, CrawlStatus, IssuePage, PagePage, StatusClass, CHECK_IDS,
};
use domain::model::paging::Window;
use domain::policy::Action;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::audits::{
    audit_overview, compare_crawls, crawl_issues, crawl_pages, get_crawl, load_client_audits, CrawlDetail, RunAudit,
    SetAuditSchedule,
};
#[cfg(feature = "ssr")]
use crate::charts::ChartSpec;
use crate::charts::{Chart, Charted, Charts, Height};
use crate::components::choice::{choices, Choice};
use crate::components::live::{live_tick, progress_tick};
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::components::{result_of, ActionError, Authorized, ErrorMessage};
use crate::forms::{grouped, query_string};

fn crawl_status_class(s: CrawlStatus) -> &'static str {
    match s {
        CrawlStatus::Running => "badge badge-running",
        CrawlStatus::Completed => "badge badge-ok",
        CrawlStatus::Failed => "badge badge-failed",
        CrawlStatus::Cancelled => "badge badge-cancelled",
    }
}

fn when(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn health_text(c: &Crawl) -> String {
    match (c.health, c.html_pages) {
        (_, Some(0)) => "no HTML pages crawled".to_string(),
        (Some(h), _) => format!("{h:.1} / 100"),
        _ => "—".to_string(),
    }
}

fn stopped_text(s: &str) -> &'static str {
    match s {
        "max_pages" => "stopped at the page limit",
        "time_budget" => "stopped at the time budget",
        "cancelled" => "cancelled",
        _ => "stopped early",
    }
}

/// `/audits`: every client in the caller's portfolio with its latest site audit, the health of its last
/// two completed audits and its schedule, most recently audited first. Pages of 50 (`?offset=`).
#[component]
pub fn SiteAuditsPage() -> impl IntoView {
    let query = use_query_map();
    let offset = move || query.read().get("offset").unwrap_or_default();
    let overview = Resource::new(offset, audit_overview);
    view! {
        <Title text="Site audits" />
        <Authorized action=Action::ViewAudits render=move |_| view! {
            <h1>"Site audits"</h1>
            <p>"The latest technical SEO audit of each client, with the change in health since the audit before. \
                Open a client's audits to run one now or set a weekly or monthly schedule."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(o) if o.total == 0 => view! {
                            <p>"There are no clients yet. " <a href="/clients/new">"Add a client"</a>
                               " with a website, then run its first audit from its page."</p>
                        }.into_any(),
                        Ok(o) => view! { <AuditOverviewTable o /> }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

/// The health change since the audit before, signed, or a dash.
fn change_text(change: Option<f64>) -> String {
    match change {
        Some(d) if d.abs() < 0.05 => "no change".to_string(),
        Some(d) => format!("{d:+.1}"),
        None => "—".to_string(),
    }
}

#[component]
fn AuditOverviewTable(o: AuditOverviewPage) -> impl IntoView {
    let (offset, limit, total) = (o.offset, o.limit, o.total);
    view! {
        <DataTable caption="Clients and their latest site audit, most recently audited first" columns=&[
            Text("Client"), Text("Latest audit"), Text("Status"), Num("Pages"), Num("Health"), Num("Change"),
            Num("Errors"), Text("Schedule"),
        ]>
            {o.rows.into_iter().map(|r| {
                let change = change_text(r.health_change());
                let health = r.health.map(|h| format!("{h:.1}")).unwrap_or_else(|| "—".into());
                let schedule = r.schedule.map(|c| c.label()).unwrap_or("None");
                let client = view! {
                    <th scope="row">
                        <a href=format!("/clients/{}/audits", r.client_id)>{format!("Audits of {}", r.client_name)}</a>
                    </th>
                };
                match r.latest {
                    None => view! {
                        {client}
                        <td>"Not audited yet"</td><td></td><td class="num">"—"</td>
                        <td class="num">{health}</td><td class="num">{change}</td><td class="num">"—"</td>
                        <td>{schedule}</td>
                    }.into_any(),
                    Some(c) => view! {
                        {client}
                        <td><a href=format!("/audits/{}", c.id)>{format!("Audit of {}", when(c.started_at))}</a></td>
                        <td><span class=crawl_status_class(c.status)>{c.status.label()}</span></td>
                        <td class="num">{grouped(i64::from(c.pages_done))}</td>
                        <td class="num">{health}</td>
                        <td class="num">{change}</td>
                        <td class="num">{c.error_count.map(|n| grouped(i64::from(n))).unwrap_or_else(|| "—".into())}</td>
                        <td>{schedule}</td>
                    }.into_any(),
                }
            }).map(|cells| view! { <tr>{cells}</tr> }).collect_view()}
        </DataTable>
        {pager("Site audit pages", "?".to_string(), "offset", offset, limit, total)}
    }
}

#[component]
pub fn ClientAuditsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let run = ServerAction::<RunAudit>::new();
    let schedule = ServerAction::<SetAuditSchedule>::new();
    let active = RwSignal::new(false);
    // While an audit runs: its counters with each batch stored, its end with the task's event.
    let (events, tick) = (live_tick(active.into()), progress_tick(active.into()));
    let audits = Resource::new(
        move || (id(), run.version().get(), schedule.version().get(), (events.get(), tick.get())),
        |(id, _, _, _)| load_client_audits(id),
    );
    view! {
        <Authorized action=Action::ViewAudits render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match audits.await {
                        Err(e) => view! { <h1>"Audits"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(Charted { data: a, charts }) => {
                            // Follow running crawls, and an audit just queued until its crawl has finished.
                            let queued = run.value().get_untracked().and_then(|r| r.ok());
                            let waiting = queued.is_some_and(|task| {
                                !a.crawls.iter().any(|c| {
                                    c.task_id.is_some_and(|t| t.to_string() == task) && c.status != CrawlStatus::Running
                                })
                            });
                            active.set(waiting || a.crawls.iter().any(|c| c.status == CrawlStatus::Running));
                            view! { <ClientAuditsView a charts run schedule /> }.into_any()
                        }
                    }
                })}
            </Transition>
        } />
    }
}

/// The client's completed crawls that fetched HTML pages (those with a health worth charting), newest first.
fn completed_with_pages(a: &ClientAudits) -> Vec<&Crawl> {
    a.crawls.iter().filter(|c| c.status == CrawlStatus::Completed && c.html_pages.unwrap_or(0) > 0).collect()
}

/// Audits on a client's health trend chart.
const TREND_POINTS: usize = 12;

/// The client audits page's chart: health per completed audit with HTML pages (at least two), oldest first.
#[cfg(feature = "ssr")]
pub(crate) fn client_audit_charts(a: &ClientAudits) -> Charts {
    let completed = completed_with_pages(a);
    let trend = (completed.len() >= 2).then(|| {
        let points: Vec<&&Crawl> = completed.iter().take(TREND_POINTS).rev().collect();
        ChartSpec::Scores {
            labels: points.iter().map(|c| when(c.finished_at.unwrap_or(c.started_at))).collect(),
            values: points.iter().map(|c| c.health.unwrap_or(0.0)).collect(),
        }
    });
    Charts::of([("health-trend", trend)])
}

/// A crawl page's chart: the score per category, once the crawl has HTML pages.
#[cfg(feature = "ssr")]
pub(crate) fn crawl_charts(c: &Crawl) -> Charts {
    let categories = (!c.categories.is_empty() && c.html_pages.unwrap_or(0) > 0).then(|| ChartSpec::Scores {
        labels: c.categories.iter().map(|g| g.label.clone()).collect(),
        values: c.categories.iter().map(|g| g.score).collect(),
    });
    Charts::of([("categories", categories)])
}

#[component]
fn ClientAuditsView(
    a: ClientAudits,
    charts: Charts,
    run: ServerAction<RunAudit>,
    schedule: ServerAction<SetAuditSchedule>,
) -> impl IntoView {
    let title = format!("Audits of {}", a.client_name);
    let client_id = a.client_id.to_string();
    let client_id_schedule = client_id.clone();
    let completed = completed_with_pages(&a);
    let trend = charts.get("health-trend").map(|option| {
        let rows = completed.len().min(TREND_POINTS);
        view! {
            <Chart id="health-trend" height=Height::Rows(rows) option=Some(option)
                description="Bar chart of site health per completed audit, oldest first; the table below has the \
                    same numbers".to_string() />
        }
    });
    let current = a.schedule.as_ref().map(|s| s.cadence.as_str().to_string()).unwrap_or_default();
    let queued = move || run.value().get().and_then(|r| r.ok());
    view! {
        <Title text=title.clone() />
        <p class="breadcrumbs"><a href=format!("/clients/{}", a.client_id)>{format!("Back to {}", a.client_name)}</a></p>
        <h1>{title}</h1>
        <p>"Website: " <a href=a.website.clone() rel="noopener noreferrer nofollow" target="_blank">{a.website.clone()}</a></p>
        <section aria-labelledby="run-heading">
            <h2 id="run-heading">"Run an audit"</h2>
            <p>"The technical SEO auditor crawls the website (robots.txt, sitemaps, polite limits) and runs every check; progress shows here and on the audit's page."</p>
            <ActionError value=result_of(run) />
            <ActionForm action=run>
                <input type="hidden" name="client_id" value=client_id.clone() />
                <button type="submit" class="primary" disabled=move || run.pending().get()>"Run an audit now"</button>
            </ActionForm>
            {move || queued().map(|task| view! {
                <p role="status">"Audit queued. " <a href=format!("/tasks/{task}")>"Follow the audit task"</a></p>
            })}
        </section>
        <section aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">"Recurring audit"</h2>
            <p>{match &a.schedule {
                Some(s) => format!("{} audits; the next one is queued at {}.", s.cadence.label(), when(s.next_run_at)),
                None => "No recurring audit. Choose weekly or monthly to have the operations manager run one and compare it with the last.".to_string(),
            }}</p>
            <ActionError value=result_of(schedule) />
            <ActionForm action=schedule>
                <input type="hidden" name="client_id" value=client_id_schedule />
                <Choice id="f-cadence" label="Schedule" name="cadence" current
                    options=choices("No recurring audit", Cadence::ALL, Cadence::as_str, Cadence::label) />
                <button type="submit" disabled=move || schedule.pending().get()>"Save schedule"</button>
            </ActionForm>
        </section>
        {(completed.len() >= 2).then(|| {
            let option = |c: &Crawl| (c.id.to_string(), format!("{} (health {})", when(c.finished_at.unwrap_or(c.started_at)), health_text(c)));
            let options: Vec<(String, String)> = a.crawls.iter().filter(|c| c.status == CrawlStatus::Completed).map(option).collect();
            let (later, earlier) = (options[0].0.clone(), options[1].0.clone());
            view! {
                <section aria-labelledby="compare-heading">
                    <h2 id="compare-heading">"Compare two crawls"</h2>
                    <form method="get" action=format!("/clients/{}/audits/compare", a.client_id)>
                        <Choice id="f-before" label="Earlier crawl" name="before" current=earlier options=options.clone() />
                        <Choice id="f-after" label="Later crawl" name="after" current=later options />
                        <button type="submit">"Compare crawls"</button>
                    </form>
                </section>
            }
        })}
        <section aria-labelledby="crawls-heading">
            <h2 id="crawls-heading">"Crawls"</h2>
            {trend}
            {if a.crawls.is_empty() {
                view! { <p>"No audit has run yet."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Crawls of this client, newest first" columns=&[
                        Text("Started"), Text("Status"), Text("Site"), Num("Pages"), Num("Health"), Num("Errors"),
                        Num("Warnings"), Num("Notices"),
                    ]>
                        {a.crawls.iter().map(|c| {
                            let opt = |v: Option<i32>| v.map(|n| grouped(i64::from(n))).unwrap_or_else(|| "—".into());
                            view! {
                                <tr>
                                    <th scope="row"><a href=format!("/audits/{}", c.id)>{format!("Audit of {}", when(c.started_at))}</a></th>
                                    <td><span class=crawl_status_class(c.status)>{c.status.label()}</span></td>
                                    <td>{format!("{} ({})", c.start_url, c.kind.label())}</td>
                                    <td class="num">{grouped(i64::from(c.pages_done))}</td>
                                    <td class="num">{health_text(c)}</td>
                                    <td class="num">{opt(c.error_count)}</td>
                                    <td class="num">{opt(c.warning_count)}</td>
                                    <td class="num">{opt(c.notice_count)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn CrawlPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let active = RwSignal::new(false);
    let (events, tick) = (live_tick(active.into()), progress_tick(active.into()));
    let detail = Resource::new(move || (id(), events.get(), tick.get()), |(id, _, _)| get_crawl(id));
    let check = move || q("check");
    let issues_offset = move || q("io");
    let issues = Resource::new(
        move || (id(), check(), issues_offset()),
        |(id, check, offset)| async move {
            if check.is_empty() {
                None
            } else {
                Some(crawl_issues(id, check, offset).await)
            }
        },
    );
    let filter = move || (q("status"), q("depth"), q("pcheck"), q("po"));
    let pages = Resource::new(
        move || (id(), filter(), tick.get()),
        |(id, (status, depth, check, offset), _)| crawl_pages(id, status, depth, check, offset),
    );
    view! {
        <Authorized action=Action::ViewAudits render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <h1>"Audit"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(d) => {
                            active.set(d.crawl.status == CrawlStatus::Running);
                            view! { <CrawlView d /> }.into_any()
                        }
                    }
                })}
            </Transition>
            <Transition fallback=|| view! { <p>"Loading issues…"</p> }>
                {move || Suspend::new(async move {
                    match issues.await {
                        None => ().into_any(),
                        Some(Err(e)) => view! { <section id="issues"><h2>"Issues"</h2><ErrorMessage error=e /></section> }.into_any(),
                        Some(Ok(p)) => view! { <IssueList p check=check() /> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| view! { <p>"Loading pages…"</p> }>
                {move || Suspend::new(async move {
                    let (status, depth, pcheck, _) = filter();
                    match pages.await {
                        Err(e) => view! { <section id="pages"><h2>"Pages"</h2><ErrorMessage error=e /></section> }.into_any(),
                        Ok(p) => view! { <PageExplorer p status depth pcheck /> }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn CrawlView(d: CrawlDetail) -> impl IntoView {
    let c = d.crawl;
    let title = format!("Audit of {} on {}", c.start_url, when(c.started_at));
    let running = c.status == CrawlStatus::Running;
    let total = i64::from(c.pages_done) + i64::from(c.queued);
    let progress_max = total.clamp(1, i64::from(c.max_pages.max(1)));
    let rate = format!("{:.1}", c.pages_per_second());
    let categories = c.categories.clone();
    let chart = d.charts.get("categories");
    let id = c.id;
    view! {
        <Title text=title.clone() />
        <p class="breadcrumbs"><a href=format!("/clients/{}/audits", c.client_id)>{format!("Audits of {}", c.client_name)}</a></p>
        <h1>{title}</h1>
        <p role="status" class="status" aria-live="polite">
            "Status: " <span class=crawl_status_class(c.status)>{c.status.label()}</span>
            {c.stopped.as_deref().map(|s| format!(" ({})", stopped_text(s)))}
            {format!(" · {} pages fetched, {} queued, {} fetch errors, {} pages/s",
                grouped(i64::from(c.pages_done)), grouped(i64::from(c.queued)), grouped(i64::from(c.fetch_errors)), rate)}
        </p>
        {running.then(|| view! {
            <label for="crawl-progress">"Crawl progress"</label>
            <progress id="crawl-progress" max=progress_max.to_string() value=c.pages_done.to_string()>
                {format!("{} of about {}", c.pages_done, progress_max)}
            </progress>
            <p class="muted">{format!("Limits: {} pages, {} clicks deep. The page updates every two seconds.", grouped(i64::from(c.max_pages)), c.max_depth)}</p>
        })}
        {c.error.clone().map(|e| view! { <div class="flash flash-error" role="alert"><p>{format!("The crawl failed: {e}")}</p></div> })}
        {c.task_id.map(|t| view! { <p><a href=format!("/tasks/{t}")>"The audit task"</a></p> })}
        {(c.status == CrawlStatus::Completed).then(|| view! {
            <section aria-labelledby="score-heading">
                <h2 id="score-heading">"Site health"</h2>
                {if c.html_pages.unwrap_or(0) == 0 {
                    view! { <p>"No HTML pages were crawled, so there is nothing to score. Check the website address and the fetch errors below."</p> }.into_any()
                } else {
                    let h = c.health.unwrap_or(0.0);
                    view! {
                        <p class="score-big">"Health " <strong>{format!("{h:.1}")}</strong> " / 100"</p>
                        <label for="health-meter" class="visually-hidden">"Site health"</label>
                        <meter id="health-meter" min="0" max="100" low="50" high="80" optimum="100" value=h.to_string()>{format!("{h:.1} of 100")}</meter>
                        <p class="muted">"Health = 100 × (1 − HTML pages with at least one error ÷ HTML pages)."</p>
                    }.into_any()
                }}
                <dl class="facts">
                    <dt>"HTML pages"</dt><dd>{grouped(i64::from(c.html_pages.unwrap_or(0)))}</dd>
                    <dt>"Errors"</dt><dd>{grouped(i64::from(c.error_count.unwrap_or(0)))}</dd>
                    <dt>"Warnings"</dt><dd>{grouped(i64::from(c.warning_count.unwrap_or(0)))}</dd>
                    <dt>"Notices"</dt><dd>{grouped(i64::from(c.notice_count.unwrap_or(0)))}</dd>
                    <dt>"robots.txt"</dt><dd>{if c.robots_txt_found == Some(true) { "found" } else { "not found" }}</dd>
                    <dt>"Sitemap"</dt><dd>{if c.sitemap_found == Some(true) { "found" } else { "not found" }}</dd>
                </dl>
            </section>
            <section aria-labelledby="categories-heading">
                <h2 id="categories-heading">"Categories"</h2>
                {chart.clone().map(|option| view! {
                    <Chart id="categories" height=Height::Rows(categories.len()) option=Some(option)
                        description="Bar chart of the score per category; the table beside it has the same numbers".to_string() />
                })}
                <DataTable caption="Score and issues per category" columns=&[
                    Text("Category"), Num("Score"), Num("Errors"), Num("Warnings"), Num("Notices"),
                ]>
                    {categories.iter().map(|g| view! {
                        <tr>
                            <th scope="row">{g.label.clone()}</th>
                            <td class="num">{format!("{:.1}", g.score)}</td>
                            <td class="num">{grouped(g.errors)}</td>
                            <td class="num">{grouped(g.warnings)}</td>
                            <td class="num">{grouped(g.notices)}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            </section>
        })}
        <section aria-labelledby="checks-heading">
            <h2 id="checks-heading">"Issues by check"</h2>
            <p>
                "Download: "
                <a href=format!("/export/crawls/{id}/issues.csv") download>"issues as CSV"</a> ", "
                <a href=format!("/export/crawls/{id}/issues.json") download>"issues as JSON"</a> ", "
                <a href=format!("/export/crawls/{id}/pages.csv") download>"pages as CSV"</a> ", "
                <a href=format!("/export/crawls/{id}/pages.json") download>"pages as JSON"</a>
            </p>
            {if d.checks.is_empty() {
                view! { <p>{if running { "Issues appear as pages are checked." } else { "No issues found." }}</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Issue counts by check, most severe first" columns=&[
                        Text("Check"), Text("Severity"), Text("Category"), Num("URLs"), Text("What it means"),
                    ]>
                        {d.checks.iter().map(|k| view! {
                            <tr>
                                <th scope="row"><a href=format!("?check={}#issues", k.check)>{format!("Show {} URLs", k.check)}</a></th>
                                <td>{k.severity.clone()}</td>
                                <td>{k.category.clone()}</td>
                                <td class="num">{grouped(k.count)}</td>
                                <td>{k.description.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
        </section>
    }
}

/// Previous / next links over `total` rows shown `limit` at a time, keeping the other query parameters.
fn pager(label: &'static str, base: String, key: &'static str, offset: i64, limit: i64, total: i64) -> impl IntoView {
    let window = Window::new(offset, limit, total);
    let prev = window.previous().map(|o| format!("{base}&{key}={o}"));
    let next = window.next().map(|o| format!("{base}&{key}={o}"));
    let shown = match window.shown() {
        Some((first, last)) => format!("{}–{} of {}", grouped(first), grouped(last), grouped(total)),
        None if total == 0 => "none".to_string(),
        None => format!("past the last of {}", grouped(total)),
    };
    view! {
        <nav class="pager" aria-label=label>
            <span>{shown}</span>
            {prev.map(|h| view! { <a href=h rel="prev">"Previous page"</a> })}
            {next.map(|h| view! { <a href=h rel="next">"Next page"</a> })}
        </nav>
    }
}

#[component]
fn IssueList(p: IssuePage, check: String) -> impl IntoView {
    let base = format!("?{}", query_string(&[("check", &check)]));
    view! {
        <section id="issues" aria-labelledby="issues-heading">
            <h2 id="issues-heading">{format!("URLs with {check}")}</h2>
            {if p.rows.is_empty() {
                view! { <p>"No URLs have this issue."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption=format!("URLs with the issue {check}") columns=&[Text("URL"), Text("Detail")]>
                        {p.rows.iter().map(|r| view! {
                            <tr><td class="url">{r.url.clone()}</td><td>{r.detail.clone()}</td></tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            {pager("Issue pages", base, "io", p.offset, p.limit, p.total)}
        </section>
    }
}

#[component]
fn PageExplorer(p: PagePage, status: String, depth: String, pcheck: String) -> impl IntoView {
    let base = format!("?{}", query_string(&[("status", &status), ("depth", &depth), ("pcheck", &pcheck)]));
    view! {
        <section id="pages" aria-labelledby="pages-heading">
            <h2 id="pages-heading">"Pages"</h2>
            <form method="get" class="filters" action="#pages">
                <Choice id="f-status" label="Status" name="status" current=status.clone()
                    options=choices("Any", StatusClass::ALL, StatusClass::as_str, StatusClass::label) />
                <div class="field">
                    <label for="f-depth">"Depth (clicks from the start)"</label>
                    <input id="f-depth" name="depth" inputmode="numeric" value=depth.clone() />
                </div>
                <Choice id="f-pcheck" label="With the issue" name="pcheck" current=pcheck.clone()
                    options=choices("Any", CHECK_IDS, |c| c, |c| c) />
                <button type="submit">"Filter pages"</button>
            </form>
            {if p.rows.is_empty() {
                view! { <p>"No pages match."</p> }.into_any()
            } else {
                view! {
                    <DataTable caption="Crawled pages in crawl order" columns=&[
                        Text("URL"), Num("Status"), Num("Depth"), Text("Title"), Num("Words"), Num("TTFB ms"),
                        Num("Internal links"), Text("Indexable"), Num("Errors"), Num("Warnings"), Num("Notices"),
                    ]>
                        {p.rows.iter().map(|r| view! {
                            <tr>
                                <td class="url">{r.url.clone()}{r.error.clone().map(|e| view! { <br /><span class="muted">{e}</span> })}</td>
                                <td class="num">{if r.status == 0 { "failed".to_string() } else { r.status.to_string() }}</td>
                                <td class="num">{r.depth}</td>
                                <td>{r.title.clone().unwrap_or_default()}</td>
                                <td class="num">{grouped(i64::from(r.word_count))}</td>
                                <td class="num">{grouped(i64::from(r.ttfb_ms))}</td>
                                <td class="num">{r.internal_links}</td>
                                <td>{if r.indexable { "yes" } else { "no" }}</td>
                                <td class="num">{r.errors}</td>
                                <td class="num">{r.warnings}</td>
                                <td class="num">{r.notices}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            {pager("Page explorer pages", base, "po", p.offset, p.limit, p.total)}
        </section>
    }
}

/// Two crawls of a client side by side: `?before=<crawl id>&after=<crawl id>`.
#[component]
pub fn CompareCrawlsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let client = move || params.read().get("id").unwrap_or_default();
    let pair = move || (query.read().get("before").unwrap_or_default(), query.read().get("after").unwrap_or_default());
    let comparison = Resource::new(pair, |(before, after)| compare_crawls(before, after));
    view! {
        <Title text="Crawl comparison" />
        <Authorized action=Action::ViewAudits render=move |_| view! {
            <p class="breadcrumbs"><a href=format!("/clients/{}/audits", client())>"Back to the audits"</a></p>
            <h1>"Crawl comparison"</h1>
            <Transition fallback=|| view! { <p>"Comparing…"</p> }>
                {move || Suspend::new(async move {
                    match comparison.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        // Rendered (and escaped) by the server: see `components::output`.
                        Ok(o) => view! { <div inner_html=o.html></div> }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}
