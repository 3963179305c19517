//! Agent tasks: the filtered list with live status, a task's page with its rendered output, and the form
//! that runs an agent on a client or campaign.

use domain::model::task::{NewTaskInput, Priority, TaskStatus, TaskType, CURRENCIES};
use domain::model::AgentId;
use domain::policy::Action;
use domain::validation::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::tasks::{get_task, list_tasks, task_targets, CancelTask, RunTask, TaskDetail};
use crate::components::choice::{choices, Choice};
use crate::components::live::live_tick;
use crate::components::tasks::{duration_text, status_class, TaskClient, TaskTable};
use crate::components::{checked_form, result_of, ActionError, Authorized, CheckedForm, ErrorMessage, FoldOnPhones};
use crate::forms::{go_on_success, value_of, InputField, SelectField};

/// When a step of a task happened, or "not yet".
fn moment(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_else(|| "not yet".into())
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    // The list follows every task event: new tasks appear, finished ones change, without a reload.
    let tick = live_tick(Signal::derive(|| true));
    let tasks = Resource::new(
        move || (q("status"), q("type"), q("agent"), q("client"), q("campaign"), q("priority"), tick.get()),
        |(status, task_type, agent, client, campaign, priority, _)| {
            list_tasks(status, task_type, agent, client, campaign, priority)
        },
    );
    let targets = Resource::new(|| (), |_| task_targets(String::new()));
    view! {
        <Title text="Tasks" />
        <Authorized action=Action::ListTasks render=move |_| view! {
            <div class="page-head">
                <h1>"Tasks"</h1>
                <a class="button" href="/tasks/new">"Run an agent"</a>
            </div>
            <FoldOnPhones summary="Filters">
            <form method="get" action="/tasks" class="filters" aria-label="Filter tasks">
                <FilterSelect label="Status" name="status" current=q("status")
                    options=choices("Any", TaskStatus::ALL, TaskStatus::as_str, TaskStatus::label) />
                <FilterSelect label="Type" name="type" current=q("type")
                    options=choices("Any", TaskType::ALL, TaskType::as_str, TaskType::label) />
                <FilterSelect label="Agent" name="agent" current=q("agent")
                    options=choices("Any", AgentId::ALL, AgentId::as_str, AgentId::label) />
                <FilterSelect label="Priority" name="priority" current=q("priority")
                    options=choices("Any", Priority::ALL, Priority::as_str, Priority::label) />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let clients = targets.await.map(|t| t.clients).unwrap_or_default();
                        let opts = std::iter::once((String::new(), "Any".to_string()))
                            .chain(clients.into_iter().map(|(id, name)| (id.to_string(), name)))
                            .collect::<Vec<_>>();
                        view! { <FilterSelect label="Client" name="client" current=q("client") options=opts /> }
                    })}
                </Transition>
                {move || {
                    let campaign = q("campaign");
                    (!campaign.is_empty()).then(|| view! { <input type="hidden" name="campaign" value=campaign /> })
                }}
                <button type="submit">"Apply filters"</button>
                " "
                <a href="/tasks">"Clear filters"</a>
            </form>
            </FoldOnPhones>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) => view! { <TaskTable tasks=list caption="Tasks, newest first" /> }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

/// A filter of the task list; its id is `filter-<name>`.
#[component]
fn FilterSelect(
    label: &'static str,
    name: &'static str,
    current: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! { <Choice id=format!("filter-{name}") label name current options /> }
}

#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let cancel = ServerAction::<CancelTask>::new();
    let active = RwSignal::new(false);
    let tick = live_tick(active.into());
    let task = Resource::new(move || (id(), cancel.version().get(), tick.get()), |(id, _, _)| get_task(id));
    view! {
        <Authorized action=Action::ListTasks render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match task.await {
                        Err(e) => view! { <h1>"Task"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(t) => {
                            active.set(!t.task.summary.status.is_final());
                            view! { <TaskView t cancel /> }.into_any()
                        }
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn TaskView(t: TaskDetail, cancel: ServerAction<CancelTask>) -> impl IntoView {
    let TaskDetail { task: t, output_html } = t;
    let s = t.summary.clone();
    let title = match &s.client_name {
        Some(name) => format!("{} for {name}", s.task_type.label()),
        None => s.task_type.label().to_string(),
    };
    let cancellable = !s.status.is_final();
    let id = s.id.to_string();
    view! {
        <Title text=title.clone() />
        <h1>{title}</h1>
        <p role="status" class="status">
            "Status: " <span class=status_class(s.status)>{s.status.label()}</span>
            {(t.cancel_requested && s.status == TaskStatus::InProgress).then_some(" (cancel requested: stops at its next checkpoint)")}
        </p>
        {s.error.clone().map(|e| view! {
            <div class="flash flash-error" role="alert">
                <p>{if s.status == TaskStatus::Pending { "Last attempt failed: " } else { "Failed: " }}{e}</p>
            </div>
        })}
        {cancellable.then(|| view! {
            <ActionError value=result_of(cancel) />
            <ActionForm action=cancel>
                <input type="hidden" name="id" value=id.clone() />
                <button type="submit" class="danger">"Cancel task"</button>
            </ActionForm>
        })}
        <dl class="facts">
            <dt>"Agent"</dt><dd><a href="/agents">{s.agent.label()}</a></dd>
            <dt>"Client"</dt><dd><TaskClient id=s.client_id name=s.client_name.clone() /></dd>
            {s.campaign_id.map(|id| view! {
                <dt>"Campaign"</dt>
                <dd><a href=format!("/campaigns/{id}")>{s.campaign_name.clone().unwrap_or_default()}</a></dd>
            })}
            <dt>"Priority"</dt><dd>{s.priority.label()}</dd>
            <dt>"Attempts"</dt><dd>{format!("{} of {}", s.attempts, s.max_attempts)}</dd>
            <dt>"Created"</dt><dd>{format!("{} by {}", s.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                t.created_by_email.clone().unwrap_or_else(|| "the system".into()))}</dd>
            <dt>"Started"</dt><dd>{moment(s.started_at)}</dd>
            <dt>"Finished"</dt><dd>{moment(s.finished_at)}</dd>
            <dt>"Processing time"</dt><dd>{duration_text(s.duration_ms)}</dd>
            {(t.llm_prompt_tokens + t.llm_completion_tokens > 0).then(|| view! {
                <dt>"LLM use"</dt>
                <dd>{format!("{} prompt + {} completion tokens, cost {:.4}", t.llm_prompt_tokens, t.llm_completion_tokens, t.llm_cost)}</dd>
            })}
            {(!t.depends_on.is_empty()).then(|| view! {
                <dt>"Waits for"</dt>
                <dd>{t.depends_on.iter().map(|d| view! { <a href=format!("/tasks/{d}")>"a task"</a>" " }).collect_view()}</dd>
            })}
        </dl>
        {t.output.is_some().then(|| {
            let report = s.task_type == TaskType::Reporting;
            view! {
                <p class="actions">
                    <a href=format!("/export/tasks/{}.json", s.id) download="">"Download the result as JSON"</a>
                    {report.then(|| view! {
                        <a href=format!("/export/tasks/{}.csv", s.id) download="">"Download the report as CSV"</a>
                    })}
                </p>
            }
        })}
        {match output_html {
            // Rendered (and escaped) by the server: see `components::output`.
            Some(html) => view! {
                <section aria-labelledby="output-heading" class="task-output">
                    <h2 id="output-heading">"Result"</h2>
                    <div inner_html=html></div>
                </section>
            }.into_any(),
            None => view! { <p>{match s.status {
                TaskStatus::Pending | TaskStatus::InProgress => "The result appears here when the task completes.",
                _ => "This task has no result.",
            }}</p> }.into_any(),
        }}
    }
}

fn task_input_of(values: &[(String, String)]) -> NewTaskInput {
    let v = |k: &str| value_of(values, &format!("input[{k}]"));
    NewTaskInput {
        task_type: v("task_type"),
        client_id: v("client_id"),
        campaign_id: v("campaign_id"),
        priority: v("priority"),
        currency: v("currency"),
        period_days: v("period_days"),
    }
}

fn check_task(values: &[(String, String)]) -> Result<(), FieldErrors> {
    task_input_of(values).validate().map(|_| ())
}

#[component]
pub fn NewTaskPage() -> impl IntoView {
    let query = use_query_map();
    let initial_client = query.read_untracked().get("client").unwrap_or_default();
    let initial_campaign = query.read_untracked().get("campaign").unwrap_or_default();
    let initial_type = query.read_untracked().get("type").unwrap_or_default();
    let client = RwSignal::new(initial_client);
    let clients = Resource::new(|| (), |_| task_targets(String::new()));
    let campaigns = Resource::new(move || client.get(), task_targets);
    let run = ServerAction::<RunTask>::new();
    let CheckedForm { form, errors, on_click } = checked_form(run, check_task);
    go_on_success(run, |id| format!("/tasks/{id}"));
    let types: Vec<(String, String)> = std::iter::once((String::new(), "Choose…".to_string()))
        .chain(
            TaskType::ALL
                .iter()
                .filter(|t| t.runnable_by_people())
                .map(|t| (t.as_str().to_string(), format!("{} ({})", t.label(), t.agent().label()))),
        )
        .collect();
    view! {
        <Title text="Run an agent" />
        <Authorized action=Action::RunAgentTask render=move |_| {
            let types = types.clone();
            let initial_type = initial_type.clone();
            let initial_campaign = initial_campaign.clone();
            view! {
                <h1>"Run an agent"</h1>
                <p>"The task is queued and runs in the background; its page follows it live."</p>
                <ActionError value=result_of(run) />
                <ActionForm action=run node_ref=form>
                    <SelectField label="What to run" name="input[task_type]" field="task_type" options=types
                        selected=initial_type errors />
                    <Transition fallback=|| view! { <p>"Loading clients…"</p> }>
                        {move || Suspend::new(async move {
                            match clients.await {
                                Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                                Ok(t) => {
                                    let options: Vec<(String, String)> =
                                        std::iter::once((String::new(), "Choose a client (not needed for a pipeline review)".to_string()))
                                            .chain(t.clients.iter().map(|(id, n)| (id.to_string(), n.clone())))
                                            .collect();
                                    view! {
                                        <div class="field">
                                            <label for="f-client_id">"Client"</label>
                                            <select id="f-client_id" name="input[client_id]"
                                                aria-describedby="f-client_id-error"
                                                on:change=move |ev| client.set(event_target_value(&ev))>
                                                {options.into_iter().map(|(v, l)| {
                                                    let selected = v == client.get_untracked();
                                                    view! { <option value=v selected=selected>{l}</option> }
                                                }).collect_view()}
                                            </select>
                                            {move || errors.get().and_then(|e| e.get("client_id").map(str::to_string)).map(|m| view! {
                                                <p class="field-error" id="f-client_id-error" role="alert">{m}</p>
                                            })}
                                        </div>
                                    }.into_any()
                                }
                            }
                        })}
                    </Transition>
                    // Only the campaign list follows the chosen client, so the client select keeps focus.
                    <Transition fallback=|| view! { <p>"Loading campaigns…"</p> }>
                        {
                            let initial_campaign = initial_campaign.clone();
                            move || {
                                let initial_campaign = initial_campaign.clone();
                                Suspend::new(async move {
                                    let campaigns: Vec<(String, String)> =
                                        std::iter::once((String::new(), "None: the whole client".to_string()))
                                            .chain(campaigns.await.map(|t| t.campaigns).unwrap_or_default().into_iter().map(|(id, n)| (id.to_string(), n)))
                                            .collect();
                                    view! {
                                        <SelectField label="Campaign" name="input[campaign_id]" field="campaign_id"
                                            options=campaigns selected=initial_campaign errors />
                                    }
                                })
                            }
                        }
                    </Transition>
                    <SelectField label="Priority" name="input[priority]" field="priority"
                        options=Priority::ALL.iter().map(|p| (p.as_str().to_string(), p.label().to_string())).collect()
                        selected="normal" errors />
                    <SelectField label="Proposal currency" name="input[currency]" field="currency"
                        options=std::iter::once((String::new(), "The agency's default".to_string()))
                            .chain(CURRENCIES.iter().map(|c| (c.to_string(), c.to_string()))).collect()
                        selected="" errors />
                    <InputField label="Report period (days)" name="input[period_days]" field="period_days" value=""
                        errors inputmode="numeric" hint="Reports only; 30 when empty" />
                    <button type="submit" class="primary" on:click=on_click disabled=move || run.pending().get()>
                        "Run agent"
                    </button>
                </ActionForm>
            }
        } />
    }
}
