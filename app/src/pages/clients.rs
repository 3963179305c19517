//! Client pages: the filtered list, new and edit forms, a client's page, statistics.

use domain::model::client::{ClientInput, Timeline};
use domain::model::client_query::{ClientPage, ClientQuery, ManagerFilter, SortKey, PAGE_SIZE_DEFAULT};
use domain::model::country::COUNTRIES;
use domain::model::{Industry, Stage};
use domain::policy::Action;
use domain::validation::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_params_map};
use uuid::Uuid;

use crate::api::audits::{client_health, HealthLine};
use crate::api::clients::{
    get_client, get_client_stats, list_account_managers, list_clients, AssignClient, ClientDetail, CreateClient,
    DeleteClient, GroupStats, UpdateClient,
};
use crate::charts::{Chart, Charted};
#[cfg(feature = "ssr")]
use crate::charts::{ChartSpec, Charts};
use crate::components::live::live_tick;
use crate::components::{
    checked_form, field_errors_of, result_of, ActionError, Authorized, CheckedForm, ErrorMessage, FoldOnPhones,
};
use crate::format::score;
use crate::forms::{go_on_success, grouped, value_of, InputField, SelectField, TextareaField};

fn options<T: Copy>(all: &[T], value: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter().map(|t| (value(*t).to_string(), label(*t).to_string())).collect()
}

fn with_any(first: &str, mut rest: Vec<(String, String)>) -> Vec<(String, String)> {
    rest.insert(0, (String::new(), first.to_string()));
    rest
}

fn country_options() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = COUNTRIES.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

fn money(v: Option<i64>) -> String {
    v.map(grouped).unwrap_or_else(|| "—".into())
}

/// The query string of the current page URL, without `?`.
fn current_query() -> Memo<String> {
    let location = use_location();
    Memo::new(move |_| location.search.get().trim_start_matches('?').to_string())
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let query = current_query();
    let page = Resource::new(move || query.get(), list_clients);
    let managers = Resource::new(|| (), |_| list_account_managers());
    view! {
        <Title text="Clients" />
        <Authorized
            action=Action::ListClients
            render=move |user| {
                let may_create = domain::policy::allowed(Action::CreateClient).contains(&user.role);
                view! {
                    <div class="page-head">
                        <h1>"Clients"</h1>
                        <div class="actions">
                            <a href="/clients/stats">"Statistics"</a>
                            <Show when=move || may_create>
                                <a class="button primary" href="/clients/new">"New client"</a>
                            </Show>
                        </div>
                    </div>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || {
                            // Tracked here, so going to another filter set (or clearing) rebuilds the form.
                            let current = query.get();
                            Suspend::new(async move {
                            let managers = managers.await.unwrap_or_default();
                            let parsed = ClientQuery::parse(&current);
                            let q = parsed.clone().unwrap_or_default();
                            let errors = parsed.err();
                            view! { <ClientFilters q managers errors /> }
                        })}}
                    </Transition>
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match page.await {
                                Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                                Ok(p) => view! { <ClientResults page=p query=query.get_untracked() /> }.into_any(),
                            }
                        })}
                    </Transition>
                }
            }
        />
    }
}

#[component]
fn ClientFilters(q: ClientQuery, managers: Vec<(Uuid, String)>, errors: Option<FieldErrors>) -> impl IntoView {
    let errors = Signal::stored(errors);
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let manager_selected = match q.manager {
        ManagerFilter::Any => String::new(),
        ManagerFilter::Unassigned => "none".into(),
        ManagerFilter::User(u) => u.to_string(),
    };
    let mut manager_options = vec![(String::new(), "Anyone".to_string()), ("none".into(), "Unassigned".into())];
    manager_options.extend(managers.into_iter().map(|(id, name)| (id.to_string(), name)));
    view! {
        <FoldOnPhones summary="Filters">
        <Form method="GET" action="/clients">
            <fieldset class="filters">
                <legend class="visually-hidden">"Filters"</legend>
                <InputField label="Search" name="q" field="q" value=q.search.clone() errors kind="search"
                    hint="Company name or domain" />
                <SelectField label="Industry" name="industry" field="industry"
                    options=with_any("Any industry", options(Industry::ALL, Industry::as_str, Industry::label))
                    selected=q.industry.map(|i| i.as_str().to_string()).unwrap_or_default() errors />
                <SelectField label="Country" name="country" field="country"
                    options=with_any("Any country", country_options())
                    selected=q.country.clone().unwrap_or_default() errors />
                <SelectField label="Stage" name="stage" field="stage"
                    options=with_any("Any stage", options(Stage::ALL, Stage::as_str, Stage::label))
                    selected=q.stage.map(|s| s.as_str().to_string()).unwrap_or_default() errors />
                <SelectField label="Account manager" name="manager" field="manager" options=manager_options
                    selected=manager_selected errors />
                <InputField label="Revenue from" name="revenue_min" field="revenue_min" value=opt(q.revenue_min) errors inputmode="numeric" />
                <InputField label="Revenue to" name="revenue_max" field="revenue_max" value=opt(q.revenue_max) errors inputmode="numeric" />
                <InputField label="Employees from" name="employees_min" field="employees_min" value=opt(q.employees_min) errors inputmode="numeric" />
                <InputField label="Employees to" name="employees_max" field="employees_max" value=opt(q.employees_max) errors inputmode="numeric" />
                <SelectField label="Sort by" name="sort" field="sort"
                    options=SortKey::ALL.iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect()
                    selected=q.sort.as_str() errors />
                <SelectField label="Order" name="dir" field="dir"
                    options=vec![("asc".into(), "Ascending".into()), ("desc".into(), "Descending".into())]
                    selected=if q.descending { "desc" } else { "asc" } errors />
                <SelectField label="Per page" name="per_page" field="per_page"
                    options=[10u32, 25, 50, 100].iter().map(|n| (n.to_string(), n.to_string())).collect()
                    selected=q.per_page.to_string() errors />
                <div class="filter-actions">
                    <button type="submit" class="primary">"Apply filters"</button>
                    <a href="/clients">"Clear filters"</a>
                </div>
            </fieldset>
        </Form>
        </FoldOnPhones>
    }
}

#[component]
fn ClientResults(page: ClientPage, query: String) -> impl IntoView {
    let q = ClientQuery::parse(&query).unwrap_or_default();
    let first = if page.total == 0 { 0 } else { q.offset() + 1 };
    let last = q.offset() + page.clients.len() as i64;
    let pages = page.pages();
    let link = |p: u32| {
        let mut q = q.clone();
        q.page = p;
        format!("/clients?{}", q.to_query_string())
    };
    let mut export_q = q.clone();
    export_q.page = 1;
    export_q.per_page = PAGE_SIZE_DEFAULT;
    let export = export_q.to_query_string();
    let prev = (q.page > 1).then(|| link(q.page - 1));
    let next = (q.page < pages).then(|| link(q.page + 1));
    view! {
        <div class="results-head">
            <p role="status">
                {format!("Showing {}–{} of {} clients", grouped(first), grouped(last), grouped(page.total))}
            </p>
            <p class="exports">
                <a href=format!("/export/clients.csv?{export}") download>"Export CSV"</a>
                " · "
                <a href=format!("/export/clients.json?{export}") download>"Export JSON"</a>
            </p>
        </div>
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Clients"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Company"</th>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"Industry"</th>
                        <th scope="col">"Country"</th>
                        <th scope="col">"Stage"</th>
                        <th scope="col" class="num">"Revenue"</th>
                        <th scope="col" class="num">"Employees"</th>
                        <th scope="col" class="num">"Monthly value"</th>
                        <th scope="col">"Account manager"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.clients.into_iter().map(|c| view! { <ClientRow c /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav aria-label="Pagination" class="pagination">
            {prev.map(|href| view! { <a href=href rel="prev">"Previous page"</a> })}
            <span>{format!("Page {} of {}", q.page, pages)}</span>
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
        </nav>
    }
}

#[component]
fn ClientRow(c: domain::model::client::ClientSummary) -> impl IntoView {
    view! {
        <tr>
            <td><a href=format!("/clients/{}", c.id)>{c.company_name}</a></td>
            <td>{c.domain}</td>
            <td>{c.industry.label()}</td>
            <td>{domain::model::country::country_name(&c.country).unwrap_or("").to_string()}</td>
            <td>{c.stage.label()}</td>
            <td class="num">{money(c.annual_revenue)}</td>
            <td class="num">{c.employee_count.map(|n| grouped(n.into())).unwrap_or_else(|| "—".into())}</td>
            <td class="num">{grouped(c.monthly_value)}</td>
            <td>{c.account_manager_name.unwrap_or_else(|| "Unassigned".into())}</td>
        </tr>
    }
}

/// Reads a [`ClientInput`] out of the form's `input[...]` values (for the browser-side check).
fn client_input_of(values: &[(String, String)]) -> ClientInput {
    let v = |k: &str| value_of(values, &format!("input[{k}]"));
    ClientInput {
        company_name: v("company_name"),
        website: v("website"),
        industry: v("industry"),
        country: v("country"),
        annual_revenue: v("annual_revenue"),
        employee_count: v("employee_count"),
        stage: v("stage"),
        monthly_value: v("monthly_value"),
        competitor_domains: v("competitor_domains"),
        contact_name: v("contact_name"),
        contact_email: v("contact_email"),
        contact_phone: v("contact_phone"),
        lead_budget: v("lead_budget"),
        lead_timeline: v("lead_timeline"),
        lead_decision_maker_role: v("lead_decision_maker_role"),
        lead_pain_points: v("lead_pain_points"),
        lead_source: v("lead_source"),
        notes: v("notes"),
    }
}

/// The browser's check: every rule but the address rule for IP websites, which depends on the server's
/// crawl allow-list and is left to the server.
fn check_client(values: &[(String, String)]) -> Result<(), FieldErrors> {
    client_input_of(values).validate_reaching(|_| true).map(|_| ())
}

/// The client's fields, named `input[...]` for the server function.
#[component]
fn ClientFields(initial: ClientInput, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    let i = initial;
    view! {
        <fieldset>
            <legend>"Company"</legend>
            <InputField label="Company name" name="input[company_name]" field="company_name" value=i.company_name errors required=true />
            <InputField label="Website" name="input[website]" field="website" value=i.website errors kind="url"
                hint="e.g. https://example.com" required=true />
            <SelectField label="Industry" name="input[industry]" field="industry"
                options=options(Industry::ALL, Industry::as_str, Industry::label)
                selected=if i.industry.is_empty() { "other".to_string() } else { i.industry } errors />
            <SelectField label="Country" name="input[country]" field="country" options=country_options()
                selected=if i.country.is_empty() { "US".to_string() } else { i.country } errors />
            <InputField label="Annual revenue" name="input[annual_revenue]" field="annual_revenue" value=i.annual_revenue errors inputmode="numeric" />
            <InputField label="Employees" name="input[employee_count]" field="employee_count" value=i.employee_count errors inputmode="numeric" />
            <SelectField label="Pipeline stage" name="input[stage]" field="stage"
                options=options(Stage::ALL, Stage::as_str, Stage::label)
                selected=if i.stage.is_empty() { "prospect".to_string() } else { i.stage } errors />
            <InputField label="Monthly value" name="input[monthly_value]" field="monthly_value" value=i.monthly_value errors
                inputmode="numeric" hint="Monthly retainer in whole currency units" />
            <TextareaField label="Competitor domains" name="input[competitor_domains]" field="competitor_domains"
                value=i.competitor_domains errors hint="One per line or separated by commas" />
        </fieldset>
        <fieldset>
            <legend>"Main contact"</legend>
            <InputField label="Contact name" name="input[contact_name]" field="contact_name" value=i.contact_name errors />
            <InputField label="Contact email" name="input[contact_email]" field="contact_email" value=i.contact_email errors kind="email" />
            <InputField label="Contact phone" name="input[contact_phone]" field="contact_phone" value=i.contact_phone errors kind="tel" />
        </fieldset>
        <fieldset>
            <legend>"Lead profile"</legend>
            <InputField label="Monthly budget" name="input[lead_budget]" field="lead_budget" value=i.lead_budget errors inputmode="numeric" />
            <SelectField label="Timeline" name="input[lead_timeline]" field="lead_timeline"
                options=with_any("Not known", options(Timeline::ALL, Timeline::as_str, Timeline::label))
                selected=i.lead_timeline errors />
            <InputField label="Decision-maker role" name="input[lead_decision_maker_role]" field="lead_decision_maker_role"
                value=i.lead_decision_maker_role errors />
            <TextareaField label="Pain points" name="input[lead_pain_points]" field="lead_pain_points" value=i.lead_pain_points errors />
            <InputField label="Lead source" name="input[lead_source]" field="lead_source" value=i.lead_source errors />
        </fieldset>
        <TextareaField label="Notes" name="input[notes]" field="notes" value=i.notes errors />
    }
}

#[component]
pub fn NewClientPage() -> impl IntoView {
    let create = ServerAction::<CreateClient>::new();
    let managers = Resource::new(|| (), |_| list_account_managers());
    let CheckedForm { form, errors, on_click } = checked_form(create, check_client);
    go_on_success(create, |client| format!("/clients/{}", client.id));
    view! {
        <Title text="New client" />
        <Authorized
            action=Action::CreateClient
            render=move |_| view! {
                <h1>"New client"</h1>
                <ActionError value=result_of(create) />
                <ActionForm action=create node_ref=form>
                    <ClientFields initial=ClientInput::default() errors />
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let mut opts = vec![(String::new(), "Unassigned".to_string())];
                            opts.extend(managers.await.unwrap_or_default().into_iter().map(|(id, n)| (id.to_string(), n)));
                            view! {
                                <SelectField label="Account manager" name="account_manager" field="account_manager"
                                    options=opts selected="" errors />
                            }
                        })}
                    </Transition>
                    <button type="submit" class="primary" on:click=on_click disabled=move || create.pending().get()>
                        "Create client"
                    </button>
                </ActionForm>
            }
        />
    }
}

#[component]
pub fn EditClientPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, get_client);
    let update = ServerAction::<UpdateClient>::new();
    let CheckedForm { form, errors, on_click } = checked_form(update, check_client);
    go_on_success(update, |client| format!("/clients/{}", client.id));
    view! {
        <Authorized
            action=Action::EditClient
            render=move |_| view! {
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match detail.await {
                            Err(e) => view! { <h1>"Client"</h1><ErrorMessage error=e /> }.into_any(),
                            Ok(d) => {
                                let title = format!("Edit {}", d.client.company_name);
                                view! {
                                    <Title text=title.clone() />
                                    <h1>{title}</h1>
                                    <ActionError value=result_of(update) />
                                    <ActionForm action=update node_ref=form>
                                        <input type="hidden" name="id" value=d.client.id.to_string() />
                                        <ClientFields initial=ClientInput::from_client(&d.client) errors />
                                        <button type="submit" class="primary" on:click=on_click>"Save changes"</button>
                                        " "
                                        <a href=format!("/clients/{}", d.client.id)>"Cancel"</a>
                                    </ActionForm>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            }
        />
    }
}

#[component]
pub fn ClientPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let assign = ServerAction::<AssignClient>::new();
    let delete = ServerAction::<DeleteClient>::new();
    let detail = Resource::new(move || (id(), assign.version().get()), |(id, _)| get_client(id));
    let managers = Resource::new(|| (), |_| list_account_managers());
    // Created here, beside the page's own resource (not inside its Suspend), so that server and browser
    // create it in the same order; it follows the live stream on its own.
    let tick = live_tick(Signal::derive(|| true));
    let health = Resource::new(move || (id(), tick.get()), |(id, _)| client_health(id));
    let invite = ServerAction::<crate::api::portal::InviteToPortal>::new();
    let withdraw = ServerAction::<crate::api::portal::WithdrawInvite>::new();
    let remove = ServerAction::<crate::api::portal::RemovePortalUser>::new();
    // Counts invitations made: the list reloads after one, not after a refusal.
    let invited = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(invite.value().get(), Some(Ok(_))) {
            invited.update(|n| *n += 1);
        }
    });
    let access = Resource::new(
        move || (id(), invited.get(), withdraw.version().get(), remove.version().get()),
        |(id, ..)| crate::api::portal::load_portal_access(id),
    );
    go_on_success(delete, |_| "/clients".to_string());
    view! {
        <Authorized
            action=Action::ListClients
            render=move |user| {
                let may_invite = domain::policy::allowed(Action::InviteClientUsers).contains(&user.role);
                view! {
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match detail.await {
                            Err(e) => view! { <h1>"Client"</h1><ErrorMessage error=e /> }.into_any(),
                            Ok(d) => {
                                let managers = managers.await.unwrap_or_default();
                                view! {
                                    <ClientView d managers assign delete health />
                                    {may_invite.then(|| view! {
                                        <crate::pages::portal::PortalAccessSection client_id=id() access invite withdraw remove />
                                    })}
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
                }
            }
        />
    }
}

#[component]
fn ClientView(
    d: ClientDetail,
    managers: Vec<(Uuid, String)>,
    assign: ServerAction<AssignClient>,
    delete: ServerAction<DeleteClient>,
    health: Resource<Result<HealthLine, crate::AppError>>,
) -> impl IntoView {
    let c = d.client;
    let id = c.id.to_string();
    let (id_assign, id_delete, id_campaign, id_tasks) = (id.clone(), id.clone(), id.clone(), id.clone());
    let mut manager_options = vec![(String::new(), "Unassigned".to_string())];
    manager_options.extend(managers.into_iter().map(|(id, n)| (id.to_string(), n)));
    let current_manager = c.account_manager_id.map(|u| u.to_string()).unwrap_or_default();
    let assign_errors = field_errors_of(result_of(assign));
    let lead = c.lead.clone();
    view! {
        <Title text=c.company_name.clone() />
        <div class="page-head">
            <h1>{c.company_name.clone()}</h1>
            <a class="button" href=format!("/clients/{id}/edit")>"Edit client"</a>
        </div>
        <dl class="facts">
            <dt>"Website"</dt><dd><a href=c.website.clone() rel="noopener noreferrer nofollow" target="_blank">{c.website.clone()}</a></dd>
            <dt>"Industry"</dt><dd>{c.industry.label()}</dd>
            <dt>"Country"</dt><dd>{domain::model::country::country_name(&c.country).unwrap_or("").to_string()} " (" {c.country.clone()} ")"</dd>
            <dt>"Stage"</dt><dd>{c.stage.label()}</dd>
            <dt>"Annual revenue"</dt><dd>{money(c.annual_revenue)}</dd>
            <dt>"Employees"</dt><dd>{c.employee_count.map(|n| grouped(n.into())).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Monthly value"</dt><dd>{grouped(c.monthly_value)}</dd>
            <dt>"Account manager"</dt><dd>{c.account_manager_name.clone().unwrap_or_else(|| "Unassigned".into())}</dd>
            <dt>"Competitors"</dt><dd>{if c.competitor_domains.is_empty() { "—".to_string() } else { c.competitor_domains.join(", ") }}</dd>
            <dt>"Contact"</dt><dd>{[c.contact_name.clone(), c.contact_email.clone(), c.contact_phone.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</dd>
            <dt>"Lead"</dt><dd>{format!(
                "budget {}, timeline {}, decision maker {}, source {}",
                money(lead.budget),
                lead.timeline.map(|t| t.label()).unwrap_or("not known"),
                if lead.decision_maker_role.is_empty() { "not known" } else { lead.decision_maker_role.as_str() },
                if lead.source.is_empty() { "not known" } else { lead.source.as_str() },
            )}</dd>
            <dt>"Notes"</dt><dd class="pre">{c.notes.clone()}</dd>
        </dl>
        <section aria-labelledby="campaigns-heading">
            <div class="page-head">
                <h2 id="campaigns-heading">"Campaigns"</h2>
                <a class="button" href=format!("/clients/{id_campaign}/campaigns/new")>"New campaign"</a>
            </div>
            {if d.campaigns.is_empty() {
                view! { <p>"No campaigns yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Campaigns"</caption>
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Status"</th>
                                <th scope="col">"Start"</th><th scope="col">"End"</th><th scope="col" class="num">"Budget"</th>
                            </tr></thead>
                            <tbody>
                                {d.campaigns.into_iter().map(|k| view! {
                                    <tr>
                                        <td><a href=format!("/campaigns/{}", k.id)>{k.name}</a></td>
                                        <td>{k.kind.label()}</td>
                                        <td>{k.status.label()}</td>
                                        <td>{k.start_date.to_string()}</td>
                                        <td>{k.end_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                                        <td class="num">{grouped(k.budget)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="tasks-heading">
            <div class="page-head">
                <h2 id="tasks-heading">"Agent tasks"</h2>
                <a class="button" href=format!("/tasks/new?client={id_tasks}")>"Run an agent"</a>
            </div>
            <crate::components::tasks::TaskTable tasks=d.tasks caption="Latest agent tasks" />
            <p><a href=format!("/tasks?client={id_tasks}")>"All tasks of this client"</a></p>
        </section>
        <section aria-labelledby="audits-heading">
            <h2 id="audits-heading">"Technical SEO audits"</h2>
            <ClientHealth line=health />
            <p><a href=format!("/clients/{id_tasks}/audits")>"Audits, crawl progress and the recurring schedule"</a></p>
            <p><a href=format!("/clients/{id_tasks}/report")>"The client report (web and PDF)"</a></p>
        </section>
        <section aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Report emails"</h2>
            {if d.deliveries.is_empty() {
                view! { <p>"No report has been emailed yet."</p> }.into_any()
            } else {
                view! { <crate::components::deliveries::DeliveryTable deliveries=d.deliveries.clone() caption="Latest report emails" with_client=false can_send=false /> }.into_any()
            }}
            <p><a href=format!("/clients/{id_tasks}/report-emails")>"Report email schedule, send now, preview and every delivery"</a></p>
        </section>
        {d.may_assign.then(|| view! {
            <section aria-labelledby="assign-heading">
                <h2 id="assign-heading">"Assignment"</h2>
                <ActionError value=result_of(assign) />
                <ActionForm action=assign>
                    <input type="hidden" name="id" value=id_assign.clone() />
                    <div class="inline-form">
                        <SelectField label="Account manager" name="account_manager" field="account_manager"
                            options=manager_options.clone() selected=current_manager.clone() errors=assign_errors />
                        <button type="submit">"Assign"</button>
                    </div>
                </ActionForm>
            </section>
        })}
        <section aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Activity"</h2>
            <ol class="activity">
                {d.activity.into_iter().map(|e| view! {
                    <li>
                        <time datetime=e.at.to_rfc3339()>{e.at.format("%Y-%m-%d %H:%M").to_string()}</time>
                        " " <code>{e.action}</code> " by " {e.actor_email.unwrap_or_else(|| "system".into())}
                        " " <span class="muted">{crate::format::event_detail(&e.detail)}</span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
        {d.may_delete.then(|| view! {
            <section aria-labelledby="delete-heading">
                <h2 id="delete-heading">"Delete"</h2>
                <ActionError value=result_of(delete) />
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=id_delete.clone() />
                    <p class="hint">"Deleting removes the client and its campaigns. Clients with active or paused campaigns can't be deleted."</p>
                    <button type="submit" class="danger">"Delete client"</button>
                </ActionForm>
            </section>
        })}
    }
}

/// The client's site health over its latest audits: the latest figure, a line chart and its numbers. It
/// follows the live stream, so an audit that completes while the page is open joins the line.
#[component]
fn ClientHealth(line: Resource<Result<HealthLine, crate::AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p>"Loading the health line…"</p> }>
            {move || Suspend::new(async move {
                match line.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(HealthLine { points, charts }) => view! {
                        <p>{match points.last() {
                            None => "No completed site audit yet.".to_string(),
                            Some(p) => format!(
                                "Site health {} in the latest audit ({}), {} errors; {}.",
                                score(p.health),
                                p.finished_at.format("%Y-%m-%d"),
                                grouped(p.errors),
                                match points.len() {
                                    1 => "the line starts with the next audit".to_string(),
                                    n => format!("the line shows the last {n} audits"),
                                }
                            ),
                        }}</p>
                        {charts.get("health").map(|option| view! {
                            <Chart id="client-health" option=Some(option)
                                description="Line of the site health of each completed audit, oldest first; the table below has the same numbers".to_string() />
                        })}
                        {(points.len() >= 2).then(|| view! {
                            <details>
                                <summary>"The numbers"</summary>
                                <div class="table-wrap">
                                    <table>
                                        <caption class="visually-hidden">"Site health per audit, oldest first"</caption>
                                        <thead><tr>
                                            <th scope="col">"Audit"</th><th scope="col" class="num">"Health"</th>
                                            <th scope="col" class="num">"Errors"</th>
                                        </tr></thead>
                                        <tbody>
                                            {points.iter().map(|p| view! {
                                                <tr>
                                                    <th scope="row"><a href=format!("/audits/{}", p.crawl_id)>
                                                        {format!("Audit of {}", p.finished_at.format("%Y-%m-%d %H:%M"))}
                                                    </a></th>
                                                    <td class="num">{score(p.health)}</td>
                                                    <td class="num">{grouped(p.errors)}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            </details>
                        })}
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn ClientStatsPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_client_stats());
    view! {
        <Title text="Client statistics" />
        <Authorized
            action=Action::ListClients
            render=move |_| view! {
                <h1>"Client statistics"</h1>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match stats.await {
                            Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                            Ok(Charted { data: s, charts }) => view! {
                                <p>{format!(
                                    "{} clients; revenue under management {} a month (monthly value of won clients).",
                                    grouped(s.total_clients),
                                    grouped(s.total_managed_monthly_value)
                                )}</p>
                                <StatsSection title="Clients by industry" id="industry" groups=s.by_industry
                                    option=charts.get("industry") />
                                <StatsSection title="Clients by country" id="country" groups=s.by_country
                                    option=charts.get("country") />
                            }.into_any(),
                        }
                    })}
                </Transition>
            }
        />
    }
}

/// The statistics page's charts: per industry and per country, clients by stage (the twelve largest groups).
#[cfg(feature = "ssr")]
pub(crate) fn stats_charts(s: &domain::model::portfolio::ClientStats) -> Charts {
    fn bars(groups: &[GroupStats]) -> Option<ChartSpec> {
        let top: Vec<&GroupStats> = groups.iter().take(12).collect();
        let stages: Vec<String> = top.first()?.stages.iter().map(|(s, _)| s.clone()).collect();
        Some(ChartSpec::StackedBars {
            categories: top.iter().map(|g| g.label.clone()).collect(),
            series: stages
                .iter()
                .enumerate()
                .map(|(i, stage)| {
                    (
                        stage.clone(),
                        top.iter().map(|g| g.stages.get(i).map(|(_, n)| *n as f64).unwrap_or(0.0)).collect(),
                    )
                })
                .collect(),
            horizontal: false,
        })
    }
    Charts::of([("industry", bars(&s.by_industry)), ("country", bars(&s.by_country))])
}

/// A client's health line (see `api::audits::client_health`), once it has two audits.
#[cfg(feature = "ssr")]
pub(crate) fn health_charts(points: &[domain::model::crawl::HealthPoint]) -> Charts {
    let line = (points.len() >= 2).then(|| ChartSpec::Lines {
        categories: points.iter().map(|p| p.finished_at.format("%Y-%m-%d").to_string()).collect(),
        series: vec![("Site health".into(), points.iter().map(|p| p.health).collect())],
        y_max: Some(100.0),
    });
    Charts::of([("health", line)])
}

#[component]
fn StatsSection(
    title: &'static str,
    id: &'static str,
    groups: Vec<GroupStats>,
    option: Option<String>,
) -> impl IntoView {
    let max = groups.iter().map(|g| g.clients).max().unwrap_or(1).max(1);
    let stage_names: Vec<String> =
        groups.first().map(|g| g.stages.iter().map(|(s, _)| s.clone()).collect()).unwrap_or_default();
    view! {
        <section aria-labelledby=format!("{id}-heading")>
            <h2 id=format!("{id}-heading")>{title}</h2>
            {option.map(|option| view! {
                <Chart id description="Bar chart of clients per group by pipeline stage; the table below has the same \
                    numbers".to_string() option=Some(option) />
            })}
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">{title}</caption>
                    <thead><tr>
                        <th scope="col">"Group"</th>
                        <th scope="col" class="num">"Clients"</th>
                        <th scope="col" aria-hidden="true"></th>
                        <th scope="col" class="num">"Annual revenue"</th>
                        <th scope="col" class="num">"Managed monthly value"</th>
                        {stage_names.into_iter().map(|s| view! { <th scope="col" class="num">{s}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {groups.into_iter().map(|g| {
                            let pct = (g.clients * 100 / max).to_string();
                            view! {
                                <tr>
                                    <th scope="row">{g.label}</th>
                                    <td class="num">{grouped(g.clients)}</td>
                                    <td class="bar-cell" aria-hidden="true"><span class="bar" style=format!("width: {pct}%")></span></td>
                                    <td class="num">{grouped(g.annual_revenue)}</td>
                                    <td class="num">{grouped(g.managed_monthly_value)}</td>
                                    {g.stages.into_iter().map(|(_, n)| view! { <td class="num">{grouped(n)}</td> }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
