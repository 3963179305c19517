//! Campaign pages: new and edit forms, and a campaign's page with its lifecycle buttons.

use domain::model::campaign::{CampaignInput, DEFAULT_AGENTS};
use domain::model::{AgentId, Campaign, CampaignKind, CampaignStatus};
use domain::policy::Action;
use domain::validation::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::campaigns::{get_campaign, ChangeCampaignStatus, CreateCampaign, DeleteCampaign, UpdateCampaign};
use crate::api::clients::get_client;
use crate::components::{checked_form, result_of, ActionError, Authorized, CheckedForm, ErrorMessage};
use crate::forms::{go_on_success, grouped, value_of, InputField, SelectField, TextareaField};

fn campaign_input_of(values: &[(String, String)]) -> CampaignInput {
    let v = |k: &str| value_of(values, &format!("input[{k}]"));
    CampaignInput {
        name: v("name"),
        kind: v("kind"),
        start_date: v("start_date"),
        end_date: v("end_date"),
        budget: v("budget"),
        objectives: v("objectives"),
        agents: values.iter().filter(|(k, _)| k == "input[agents][]").map(|(_, v)| v.clone()).collect(),
    }
}

fn check_campaign(values: &[(String, String)]) -> Result<(), FieldErrors> {
    campaign_input_of(values).validate().map(|_| ())
}

#[component]
fn CampaignFields(initial: CampaignInput, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    let i = initial;
    let chosen: Vec<String> = if i.agents.is_empty() {
        DEFAULT_AGENTS.iter().map(|a| a.as_str().to_string()).collect()
    } else {
        i.agents.clone()
    };
    let agents_error = move || errors.get().and_then(|e| e.get("agents").map(str::to_string));
    view! {
        <InputField label="Campaign name" name="input[name]" field="name" value=i.name errors required=true />
        <SelectField label="Type" name="input[kind]" field="kind"
            options=CampaignKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect()
            selected=if i.kind.is_empty() { "full_seo".to_string() } else { i.kind } errors />
        <InputField label="Start date" name="input[start_date]" field="start_date" value=i.start_date errors kind="date" required=true />
        <InputField label="End date" name="input[end_date]" field="end_date" value=i.end_date errors kind="date"
            hint="Optional; not before the start date" />
        <InputField label="Budget" name="input[budget]" field="budget" value=i.budget errors inputmode="numeric" />
        <TextareaField label="Objectives" name="input[objectives]" field="objectives" value=i.objectives errors />
        <fieldset class="checkboxes" aria-describedby="f-agents-error">
            <legend>"Agents"</legend>
            {AgentId::ALL.iter().map(|a| {
                let checked = chosen.iter().any(|c| c == a.as_str());
                let id = format!("agent-{}", a.as_str());
                view! {
                    <div class="check">
                        <input type="checkbox" id=id.clone() name="input[agents][]" value=a.as_str() checked=checked />
                        <label for=id>{a.label()}</label>
                    </div>
                }
            }).collect_view()}
            {move || agents_error().map(|m| view! { <p class="field-error" id="f-agents-error" role="alert">{m}</p> })}
        </fieldset>
    }
}

#[component]
pub fn NewCampaignPage() -> impl IntoView {
    let params = use_params_map();
    let client_id = move || params.read().get("id").unwrap_or_default();
    let client = Resource::new(client_id, get_client);
    let create = ServerAction::<CreateCampaign>::new();
    let CheckedForm { form, errors, on_click } = checked_form(create, check_campaign);
    go_on_success(create, |c| format!("/campaigns/{}", c.id));
    view! {
        <Title text="New campaign" />
        <Authorized
            action=Action::CreateCampaign
            render=move |_| view! {
                <h1>"New campaign"</h1>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match client.await {
                            Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                            Ok(d) => view! {
                                <p>"For " <a href=format!("/clients/{}", d.client.id)>{d.client.company_name.clone()}</a></p>
                                <ActionError value=result_of(create) />
                                <ActionForm action=create node_ref=form>
                                    <input type="hidden" name="client_id" value=d.client.id.to_string() />
                                    <CampaignFields initial=CampaignInput {
                                        start_date: chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string(),
                                        ..Default::default()
                                    } errors />
                                    <button type="submit" class="primary" on:click=on_click disabled=move || create.pending().get()>
                                        "Create campaign"
                                    </button>
                                </ActionForm>
                            }.into_any(),
                        }
                    })}
                </Transition>
            }
        />
    }
}

#[component]
pub fn EditCampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let campaign = Resource::new(id, get_campaign);
    let update = ServerAction::<UpdateCampaign>::new();
    let CheckedForm { form, errors, on_click } = checked_form(update, check_campaign);
    go_on_success(update, |c| format!("/campaigns/{}", c.id));
    view! {
        <Authorized
            action=Action::EditCampaign
            render=move |_| view! {
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match campaign.await {
                            Err(e) => view! { <h1>"Campaign"</h1><ErrorMessage error=e /> }.into_any(),
                            Ok(c) => {
                                let title = format!("Edit {}", c.name);
                                view! {
                                    <Title text=title.clone() />
                                    <h1>{title}</h1>
                                    <ActionError value=result_of(update) />
                                    <ActionForm action=update node_ref=form>
                                        <input type="hidden" name="id" value=c.id.to_string() />
                                        <CampaignFields initial=CampaignInput::from_campaign(&c) errors />
                                        <button type="submit" class="primary" on:click=on_click>"Save changes"</button>
                                        " "
                                        <a href=format!("/campaigns/{}", c.id)>"Cancel"</a>
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
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let change = ServerAction::<ChangeCampaignStatus>::new();
    let delete = ServerAction::<DeleteCampaign>::new();
    let campaign = Resource::new(move || (id(), change.version().get()), |(id, _)| get_campaign(id));
    go_on_success(delete, |client| format!("/clients/{client}"));
    view! {
        <Authorized
            action=Action::ListClients
            render=move |_| view! {
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match campaign.await {
                            Err(e) => view! { <h1>"Campaign"</h1><ErrorMessage error=e /> }.into_any(),
                            Ok(c) => view! { <CampaignView c change delete /> }.into_any(),
                        }
                    })}
                </Transition>
            }
        />
    }
}

#[component]
fn CampaignView(
    c: Campaign,
    change: ServerAction<ChangeCampaignStatus>,
    delete: ServerAction<DeleteCampaign>,
) -> impl IntoView {
    let id = c.id.to_string();
    let moves = c.status.allowed_moves();
    let deletable = c.status.deletable();
    let id_delete = id.clone();
    view! {
        <Title text=c.name.clone() />
        <div class="page-head">
            <h1>{c.name.clone()}</h1>
            <a class="button" href=format!("/campaigns/{id}/edit")>"Edit campaign"</a>
        </div>
        <p>"Client: " <a href=format!("/clients/{}", c.client_id)>{c.client_name.clone()}</a></p>
        <p>
            <a href=format!("/tasks?campaign={id}")>"Agent tasks of this campaign"</a>
            " · "
            <a href=format!("/tasks/new?client={}&campaign={id}", c.client_id)>"Run an agent on this campaign"</a>
        </p>
        <p role="status" class="status">{format!("Status: {}", c.status.label())}</p>
        <ActionError value=result_of(change) />
        <div class="status-actions">
            {moves.iter().map(|to| {
                let to: CampaignStatus = *to;
                let id = id.clone();
                view! {
                    <ActionForm action=change>
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="status" value=to.as_str() />
                        <button type="submit" class=if to == CampaignStatus::Cancelled { "danger" } else { "" }>{to.verb()}</button>
                    </ActionForm>
                }
            }).collect_view()}
        </div>
        <dl class="facts">
            <dt>"Type"</dt><dd>{c.kind.label()}</dd>
            <dt>"Dates"</dt><dd>{format!("{} to {}", c.start_date, c.end_date.map(|d| d.to_string()).unwrap_or_else(|| "open".into()))}</dd>
            <dt>"Budget"</dt><dd>{grouped(c.budget)}</dd>
            <dt>"Agents"</dt><dd>{c.agents.iter().map(|a| a.label()).collect::<Vec<_>>().join(", ")}</dd>
            <dt>"Objectives"</dt><dd class="pre">{c.objectives.clone()}</dd>
        </dl>
        {deletable.then(|| view! {
            <section aria-labelledby="delete-heading">
                <h2 id="delete-heading">"Delete"</h2>
                <ActionError value=result_of(delete) />
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=id_delete.clone() />
                    <button type="submit" class="danger">"Delete campaign"</button>
                </ActionForm>
            </section>
        })}
    }
}
