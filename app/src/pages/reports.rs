//! The client report (`/clients/:id/report`): a period chosen in the URL (a month, a quarter or custom dates;
//! a plain GET form, so it works without JavaScript), the report's sections with the source of every
//! number, and the same report as a PDF. And the agency's branding (`/admin/branding`), which reports carry.

use chrono::{Datelike, Months, NaiveDate};
use domain::model::report::{
    Branding, BrandingInput, ClientReport, PeriodKind, ReportSection, ReportTemplate, TemplateInput,
};
use domain::policy::Action;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::reports::{
    get_branding, list_templates, load_client_report, DeleteTemplate, RemoveLogo, SaveTemplate, SetBranding,
};
use crate::charts::{Chart, Charted};
use crate::components::table::{Col, DataTable};
use crate::components::{field_errors_of, result_of, ActionError, Authorized, ErrorMessage, FieldError};
use crate::format::score;
use crate::forms::grouped;

/// The months and quarters the period menu offers: the last 12 months and the last 4 quarters before
/// `today`'s, newest first, as (value, label).
fn period_choices(today: NaiveDate) -> Vec<(String, String)> {
    let this_month = today.with_day(1).unwrap_or(today);
    let mut out = Vec::new();
    for back in 1..=12 {
        if let Some(m) = this_month.checked_sub_months(Months::new(back)) {
            out.push((m.format("%Y-%m").to_string(), m.format("%B %Y").to_string()));
        }
    }
    let quarter_start = NaiveDate::from_ymd_opt(today.year(), today.month0() / 3 * 3 + 1, 1).unwrap_or(this_month);
    for back in 1..=4 {
        if let Some(q) = quarter_start.checked_sub_months(Months::new(3 * back)) {
            let n = q.month0() / 3 + 1;
            out.push((format!("{}-Q{n}", q.year()), format!("Q{n} {}", q.year())));
        }
    }
    out
}

#[component]
pub fn ClientReportPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let report = Resource::new(
        move || (id(), q("period"), q("from"), q("to"), q("template")),
        |(id, period, from, to, template)| load_client_report(id, period, from, to, template),
    );
    let templates = Resource::new(|| (), |_| list_templates());
    view! {
        <Title text="Client report" />
        <Authorized action=Action::ViewReports render=move |_| view! {
            <Transition fallback=|| view! { <p>"Putting the report together…"</p> }>
                {move || Suspend::new(async move {
                    let templates = templates.await.unwrap_or_default();
                    let chosen = Chosen { period: q("period"), from: q("from"), to: q("to"), template: q("template") };
                    match report.await {
                        Err(e) => view! {
                            <h1>"Client report"</h1>
                            <PeriodForm id=id() chosen templates />
                            <ErrorMessage error=e />
                        }.into_any(),
                        Ok(Charted { data, charts }) => view! {
                            <ReportView report=data health_chart=charts.get("health") templates template=chosen.template />
                        }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

/// The report the URL asks for: its period and template as given.
#[derive(Clone, Default)]
pub struct Chosen {
    pub period: String,
    pub from: String,
    pub to: String,
    pub template: String,
}

/// The period chooser: a month or quarter from the menu, or custom dates; and the template.
#[component]
pub(crate) fn PeriodForm(
    id: String,
    chosen: Chosen,
    templates: Vec<ReportTemplate>,
    #[prop(optional)] portal: bool,
) -> impl IntoView {
    let choices = period_choices(chrono::Utc::now().date_naive());
    let Chosen { period, from, to, template } = chosen;
    let action = if portal { "/portal/report".to_string() } else { format!("/clients/{id}/report") };
    view! {
        <form method="get" action=action class="filters" aria-label="Report period">
            <div class="field">
                <label for="report-period">"Month or quarter"</label>
                <select id="report-period" name="period">
                    <option value="" selected=period.is_empty()>"Custom dates (below)"</option>
                    {choices.into_iter().map(|(value, label)| {
                        let selected = value == period;
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="report-from">"From"</label>
                <input id="report-from" type="date" name="from" value=from />
            </div>
            <div class="field">
                <label for="report-to">"To"</label>
                <input id="report-to" type="date" name="to" value=to />
            </div>
            {(!portal).then(|| view! {
            <div class="field">
                <label for="report-template">"Template"</label>
                <select id="report-template" name="template">
                    {templates.into_iter().map(|t| {
                        let value = t.id.map(|i| i.to_string()).unwrap_or_default();
                        let selected = if template.is_empty() { t.is_default } else { value == template };
                        let label = if t.is_default { format!("{} (default)", t.name) } else { t.name };
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            })}
            <button type="submit">"Show the report"</button>
        </form>
    }
}

/// A report's page. `portal`: as a client user reads it in the portal (the portal's period form and PDF,
/// no links into the console, whose pages they can't open).
#[component]
pub(crate) fn ReportView(
    report: ClientReport,
    health_chart: Option<String>,
    templates: Vec<ReportTemplate>,
    template: String,
    #[prop(optional)] portal: bool,
) -> impl IntoView {
    let r = report;
    let chosen = match r.period.kind {
        PeriodKind::Custom => Chosen {
            period: String::new(),
            from: r.period.from.to_string(),
            to: r.period.to.to_string(),
            template: template.clone(),
        },
        _ => Chosen { period: r.period.slug(), from: String::new(), to: String::new(), template: template.clone() },
    };
    let template_query = if template.is_empty() { String::new() } else { format!("&template={template}") };
    let pdf = if portal {
        format!("/portal/report.pdf?{}", r.period.query())
    } else {
        format!("/clients/{}/report.pdf?{}{template_query}", r.client_id, r.period.query())
    };
    let accent = format!("border-top: 6px solid {}", r.agency.accent);
    let h = r.health.clone();
    // A source link into the console, for the agency's people only.
    let source = move |href: String, text: &'static str| (!portal).then(|| view! { <p><a href=href>{text}</a></p> });
    let (back, back_label) = if portal {
        ("/portal".to_string(), "Back to the overview".to_string())
    } else {
        (format!("/clients/{}", r.client_id), format!("Back to {}", r.client_name))
    };
    view! {
        <Title text=format!("Report: {} · {}", r.client_name, r.period_label) />
        <p class="breadcrumbs"><a href=back>{back_label}</a></p>
        <header class="report-cover" style=accent>
            {r.agency.logo_type.is_some().then(|| view! {
                <img class="report-logo" src="/branding/logo" alt=format!("{} logo", r.agency.name) />
            })}
            <p class="muted">{r.agency.name.clone()}</p>
            <h1>{format!("{}: SEO report, {}", r.client_name, r.period_label)}</h1>
            <p class="muted">{format!("{} · {} · {} to {} · {} template", r.website, r.industry, r.period.from, r.period.to, r.template)}</p>
            <p><a class="button" href=pdf download>"Download the PDF"</a></p>
        </header>
        <PeriodForm id=r.client_id.to_string() chosen templates portal />

        {r.intro.lines().filter(|l| !l.trim().is_empty()).map(|l| view! { <p class="report-intro">{l.to_string()}</p> }).collect_view()}
        {r.sections.clone().into_iter().map(|section| match section {
            ReportSection::Health => view! {
        <section aria-labelledby="report-health">
            <h2 id="report-health">"Health score"</h2>
            {match &h.latest {
                None => view! { <p>"No site audit had finished by the end of the period."</p> }.into_any(),
                Some(latest) => view! {
                    <p>
                        {format!("{} / 100 in the latest audit ({})", score(latest.health), latest.finished_at.format("%Y-%m-%d"))}
                        {match (h.before.as_ref(), h.change) {
                            (Some(b), Some(c)) => format!("; {} before the period: {}{} points.", score(b.health), if c > 0.0 { "+" } else { "" }, c),
                            _ => "; no audit before the period to compare with.".to_string(),
                        }}
                    </p>
                    <p class="muted">"Change = latest score − the latest score before the period began."</p>
                    {source(format!("/audits/{}", latest.crawl_id), "Source: the latest audit")}
                }.into_any(),
            }}
            {health_chart.clone().map(|option| view! {
                <Chart id="report-health-chart" option=Some(option)
                    description="Line of the health score of each audit up to the period's end; the table below has the same numbers".to_string() />
            })}
            {(!h.categories.is_empty()).then(|| {
                let categories = h.categories.clone();
                view! {
                <DataTable caption="Scores by category, latest audit" caption_shown=true columns=&[
                    Col::Text("Category"), Col::Num("Score"), Col::Num("Errors"), Col::Num("Warnings"), Col::Num("Notices"),
                ]>
                    {categories.into_iter().map(|c| view! {
                        <tr>
                            <th scope="row">{c.label}</th>
                            <td class="num">{score(c.score)}</td>
                            <td class="num">{grouped(c.errors)}</td>
                            <td class="num">{grouped(c.warnings)}</td>
                            <td class="num">{grouped(c.notices)}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
                }
            })}
        </section>
            }.into_any(),
            ReportSection::Issues => view! {
        <section aria-labelledby="report-issues">
            <h2 id="report-issues">"Issues fixed and new"</h2>
            {match r.issues.clone() {
                None => view! { <p>"Two audits are needed to compare issues."</p> }.into_any(),
                Some(i) => view! {
                    <p>{format!("{} issues fixed and {} new since the audit before (an issue is one check on one URL).", grouped(i.fixed), grouped(i.new))}</p>
                    <CheckTable caption="Most fixed" lines=i.top_fixed.clone() />
                    <CheckTable caption="Most new" lines=i.top_new.clone() />
                    {source(format!("/clients/{}/audits/compare?before={}&after={}", r.client_id, i.before_crawl, i.after_crawl),
                        "Source: the comparison of the two audits")}
                }.into_any(),
            }}
        </section>
            }.into_any(),
            ReportSection::Campaigns => view! {
        <section aria-labelledby="report-campaigns">
            <h2 id="report-campaigns">"Campaigns"</h2>
            {if r.campaigns.is_empty() {
                view! { <p>"No campaign by the end of the period."</p> }.into_any()
            } else {
                view! {
                    <CampaignProgress campaigns=r.campaigns.clone() links=!portal />
                    <p class="muted">"Progress = completed tasks ÷ tasks planned (not cancelled), as of the period's end."</p>
                }.into_any()
            }}
        </section>
            }.into_any(),
            ReportSection::Work => view! {
        <section aria-labelledby="report-work">
            <h2 id="report-work">"Work done in the period"</h2>
            <p>{format!("{} tasks completed, {} failed.", grouped(r.tasks.completed), grouped(r.tasks.failed))}</p>
            {(!r.tasks.by_type.is_empty()).then(|| view! {
                <ul>
                    {r.tasks.by_type.iter().map(|(label, n)| view! { <li>{format!("{label}: {n}")}</li> }).collect_view()}
                </ul>
            })}
            {source(format!("/tasks?client={}", r.client_id), "Source: the client's tasks")}
        </section>
            }.into_any(),
            ReportSection::Figures => view! {
        <section aria-labelledby="report-figures">
            <h2 id="report-figures">"Figures"</h2>
            {match r.figures.clone() {
                None => view! { <p>"The reporting agent has not reported on this client by the end of the period."</p> }.into_any(),
                Some(f) => view! {
                    <DataTable caption="The reporting agent's figures" columns=&[
                        Col::Text("Measure"), Col::Num("Value"), Col::Num("Previous"), Col::Num("Change"),
                    ]>
                        {f.kpis.iter().map(|k| view! {
                            <tr>
                                <th scope="row">{k.name.clone()}</th>
                                <td class="num">{crate::format::number(k.value, 1)}</td>
                                <td class="num">{k.previous.map_or("–".to_string(), |p| crate::format::number(p, 1))}</td>
                                <td class="num">{k.change.map_or("–".to_string(), |c| crate::format::percent(c, 1))}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                    <p class="muted">"Change = (value − previous) ÷ |previous|; a change above 50 % is flagged, above 75 % critical."</p>
                    {source(format!("/tasks/{}", f.task_id), "Source: the reporting agent's task")}
                }.into_any(),
            }}
        </section>
            }.into_any(),
            ReportSection::NextSteps => view! {
        <section aria-labelledby="report-next">
            <h2 id="report-next">"Next steps"</h2>
            {match r.next_steps.clone() {
                None => view! { <p>"The SEO strategist has no roadmap for this client yet."</p> }.into_any(),
                Some(n) => view! {
                    <ol>
                        {n.items.iter().map(|s| view! {
                            <li><strong>{s.title.clone()}</strong>{format!(" ({}, priority {}): {}", s.quadrant, s.priority, s.why)}</li>
                        }).collect_view()}
                    </ol>
                    <p class="muted">"Priority = impact × (6 − effort), each from 1 to 5."</p>
                    {source(format!("/tasks/{}", n.task_id), "Source: the strategist's roadmap")}
                }.into_any(),
            }}
        </section>
            }.into_any(),
        }).collect_view()}

        {(!r.missing.is_empty()).then(|| view! {
            <section aria-labelledby="report-missing">
                <h2 id="report-missing">"Not in this report"</h2>
                <ul>{r.missing.iter().map(|m| view! { <li>{m.clone()}</li> }).collect_view()}</ul>
            </section>
        })}
    }
}

#[component]
fn CheckTable(caption: &'static str, lines: Vec<domain::model::report::CheckLine>) -> impl IntoView {
    (!lines.is_empty()).then(|| view! {
        <DataTable caption=caption caption_shown=true columns=&[Col::Text("Check"), Col::Text("Severity"), Col::Num("Issues")]>
            {lines.into_iter().map(|c| view! {
                <tr>
                    <th scope="row">{c.description}{c.example.map(|e| view! { <br /><span class="muted">{format!("e.g. {e}")}</span> })}</th>
                    <td>{c.severity}</td>
                    <td class="num">{grouped(c.count)}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    })
}

/// Campaigns with their status and progress (completed tasks over planned ones); `links`: each campaign
/// links to its page (the agency's report; the portal has no campaign pages).
#[component]
pub(crate) fn CampaignProgress(campaigns: Vec<domain::model::report::CampaignLine>, links: bool) -> impl IntoView {
    view! {
        <DataTable caption="Campaigns and their progress" columns=&[
            Col::Text("Campaign"), Col::Text("Status"), Col::Num("Tasks done"), Col::Num("Progress"),
        ]>
            {campaigns.into_iter().map(|k| view! {
                <tr>
                    <th scope="row">{if links {
                        view! { <a href=format!("/campaigns/{}", k.id)>{k.name.clone()}</a> }.into_any()
                    } else {
                        k.name.clone().into_any()
                    }}</th>
                    <td>{k.status.clone()}</td>
                    <td class="num">{format!("{} / {}", k.done, k.planned)}</td>
                    <td class="num">{if k.planned == 0 { "–".to_string() } else { format!("{:.0} %", k.done as f64 / k.planned as f64 * 100.0) }}</td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
}

/// `/admin/branding`: the agency's name, accent colour and logo on reports.
#[component]
pub fn BrandingPage() -> impl IntoView {
    let set = ServerAction::<SetBranding>::new();
    let remove = ServerAction::<RemoveLogo>::new();
    let errors = field_errors_of(result_of(set));
    let current = Resource::new(move || (set.version().get(), remove.version().get()), |_| get_branding());
    let query = use_query_map();
    let upload_error = move || query.read().get("logo_error");
    view! {
        <Title text="Branding" />
        <Authorized action=Action::ManageBranding render=move |_| view! {
            <h1>"Branding"</h1>
            <p>"Client reports carry the agency's name, logo and accent colour, on the web and in the PDF."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(b) => view! { <BrandingForms branding=b set remove errors /> }.into_any(),
                    }
                })}
            </Transition>
            {move || upload_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        } />
    }
}

#[component]
fn BrandingForms(
    branding: Branding,
    set: ServerAction<SetBranding>,
    remove: ServerAction<RemoveLogo>,
    errors: Signal<Option<domain::validation::FieldErrors>>,
) -> impl IntoView {
    let input = BrandingInput { name: branding.name.clone(), accent: branding.accent.clone() };
    view! {
        <ActionError value=result_of(set) />
        <ActionForm action=set>
            <div class="field">
                <label for="branding-name">"Agency name"</label>
                <input id="branding-name" name="input[name]" value=input.name required maxlength="80"
                    aria-describedby="branding-name-error" />
                <FieldError id="branding-name-error" field="name" errors />
            </div>
            <div class="field">
                <label for="branding-accent">"Accent colour"</label>
                <input id="branding-accent" name="input[accent]" type="color" value=input.accent
                    aria-describedby="branding-accent-error" />
                <FieldError id="branding-accent-error" field="accent" errors />
            </div>
            <button type="submit" class="primary" disabled=move || set.pending().get()>"Save name and colour"</button>
        </ActionForm>
        <h2>"Logo"</h2>
        {branding.logo_type.is_some().then(|| view! {
            <p><img class="report-logo" src="/branding/logo" alt=format!("{} logo", branding.name) /></p>
            <ActionForm action=remove>
                <button type="submit">"Remove the logo"</button>
            </ActionForm>
        })}
        <form method="post" action="/admin/branding/logo" enctype="multipart/form-data">
            <div class="field">
                <label for="branding-logo">"Logo file (PNG or JPEG, at most 512 KB)"</label>
                <input id="branding-logo" name="logo" type="file" accept="image/png,image/jpeg" required />
            </div>
            <button type="submit">"Upload the logo"</button>
        </form>
    }
}

/// `/admin/report-templates`: the templates (which sections, in which order, an introduction) and a form for
/// a new one.
#[component]
pub fn ReportTemplatesPage() -> impl IntoView {
    let save = ServerAction::<SaveTemplate>::new();
    let errors = field_errors_of(result_of(save));
    let list = Resource::new(move || save.version().get(), |_| list_templates());
    view! {
        <Title text="Report templates" />
        <Authorized action=Action::ManageBranding render=move |_| view! {
            <h1>"Report templates"</h1>
            <p>"A template says which sections a client report shows and in which order, after an introduction. \
                Reports use the default template unless another is chosen on the report."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(templates) => view! {
                            <div class="table-wrap">
                                <table>
                                    <caption>"Templates"</caption>
                                    <thead><tr>
                                        <th scope="col">"Name"</th><th scope="col">"Sections, in order"</th>
                                        <th scope="col">"Default"</th>
                                    </tr></thead>
                                    <tbody>
                                        {templates.into_iter().map(|t| view! {
                                            <tr>
                                                <th scope="row">{match t.id {
                                                    Some(id) => view! {
                                                        <a href=format!("/admin/report-templates/{id}")>{t.name.clone()}</a>
                                                    }.into_any(),
                                                    None => view! { {format!("{} (built in)", t.name)} }.into_any(),
                                                }}</th>
                                                <td>{t.sections.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")}</td>
                                                <td>{if t.is_default { "Yes" } else { "No" }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
            <h2>"New template"</h2>
            <ActionError value=result_of(save) />
            <ActionForm action=save>
                <input type="hidden" name="id" value="" />
                <TemplateFields value=TemplateInput { health: "1".into(), ..Default::default() } errors />
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Add template"</button>
            </ActionForm>
        } />
    }
}

/// `/admin/report-templates/:id`: one template's form, and deleting it.
#[component]
pub fn ReportTemplatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let save = ServerAction::<SaveTemplate>::new();
    let delete = ServerAction::<DeleteTemplate>::new();
    let errors = field_errors_of(result_of(save));
    let list = Resource::new(move || save.version().get(), |_| list_templates());
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            leptos_router::hooks::use_navigate()("/admin/report-templates", Default::default());
        }
    });
    view! {
        <Title text="Report template" />
        <Authorized action=Action::ManageBranding render=move |_| view! {
            <p class="breadcrumbs"><a href="/admin/report-templates">"Back to the report templates"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let wanted = id();
                    let found = list.await.map(|all| all.into_iter().find(|t| t.id.map(|i| i.to_string()) == Some(wanted.clone())));
                    match found {
                        Err(e) => view! { <h1>"Report template"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(None) => view! { <h1>"Report template"</h1><ErrorMessage error=crate::AppError::NotFound /> }.into_any(),
                        Ok(Some(t)) => {
                            let (form_id, delete_id) = (wanted.clone(), wanted.clone());
                            let (heading, delete_label) = (format!("Template: {}", t.name), format!("Delete the template {}", t.name));
                            let fields = TemplateInput::of(&t);
                            view! {
                            <h1>{heading}</h1>
                            <ActionError value=result_of(save) />
                            {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! {
                                <p class="flash flash-ok" role="status">"Template saved."</p>
                            })}
                            <ActionForm action=save>
                                <input type="hidden" name="id" value=form_id />
                                <TemplateFields value=fields errors />
                                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save template"</button>
                            </ActionForm>
                            <ActionError value=result_of(delete) />
                            <ActionForm action=delete>
                                <input type="hidden" name="id" value=delete_id />
                                <button type="submit" class="danger">{delete_label}</button>
                            </ActionForm>
                        }.into_any()
                        }
                    }
                })}
            </Transition>
        } />
    }
}

/// The template form's fields: name, introduction, a position per section, and the default box.
#[component]
fn TemplateFields(value: TemplateInput, errors: Signal<Option<domain::validation::FieldErrors>>) -> impl IntoView {
    let positions = [
        (ReportSection::Health, value.health.clone()),
        (ReportSection::Issues, value.issues.clone()),
        (ReportSection::Campaigns, value.campaigns.clone()),
        (ReportSection::Work, value.work.clone()),
        (ReportSection::Figures, value.figures.clone()),
        (ReportSection::NextSteps, value.next_steps.clone()),
    ];
    view! {
        <div class="field">
            <label for="template-name">"Template name"</label>
            <input id="template-name" name="input[name]" value=value.name required maxlength="80"
                aria-describedby="template-name-error" />
            <FieldError id="template-name-error" field="name" errors />
        </div>
        <div class="field">
            <label for="template-intro">"Introduction (shown before the sections)"</label>
            <textarea id="template-intro" name="input[intro]" rows="4" maxlength="2000"
                aria-describedby="template-intro-error">{value.intro}</textarea>
            <FieldError id="template-intro-error" field="intro" errors />
        </div>
        <fieldset>
            <legend>"Sections and their order"</legend>
            {positions.into_iter().map(|(section, current)| {
                let id = format!("template-{}", section.as_str());
                let error_id: &'static str = match section {
                    ReportSection::Health => "template-health-error",
                    ReportSection::Issues => "template-issues-error",
                    ReportSection::Campaigns => "template-campaigns-error",
                    ReportSection::Work => "template-work-error",
                    ReportSection::Figures => "template-figures-error",
                    ReportSection::NextSteps => "template-next_steps-error",
                };
                view! {
                    <div class="field">
                        <label for=id.clone()>{format!("Position of {}", section.label())}</label>
                        <select id=id name=format!("input[{}]", section.as_str()) aria-describedby=error_id>
                            <option value="" selected=current.is_empty()>"Leave out"</option>
                            {(1..=ReportSection::ALL.len()).map(|n| {
                                let n = n.to_string();
                                let selected = n == current;
                                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                            }).collect_view()}
                        </select>
                        <FieldError id=error_id field=section.as_str() errors />
                    </div>
                }
            }).collect_view()}
        </fieldset>
        <div class="field checkbox">
            <input id="template-default" type="checkbox" name="input[is_default]" value="on" checked=value.is_default.is_some() />
            <label for="template-default">"Use for reports by default"</label>
        </div>
    }
}
