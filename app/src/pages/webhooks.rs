//! Admin pages of outgoing webhooks: the endpoint list, adding one, and one endpoint's page with its
//! delivery log, test, redeliver, replay and secret rotation.

use domain::model::webhook::{Endpoint, EndpointDetail, EndpointInput, MessageStatus, EVENT_TYPES};
use domain::policy::Action;
use domain::validation::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::webhooks::{
    get_webhook, list_webhooks, CreateWebhook, DeleteWebhook, RedeliverWebhook, ReplayWebhook, RotateWebhookSecret,
    SendTestWebhook, UpdateWebhook, OVERLAP_MAX_HOURS,
};
use crate::components::{field_errors_of, result_of, ActionError, Authorized, ErrorMessage, FieldError};
use crate::forms::{InputField, TextareaField};

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// "Active", "Paused" (switched off by an admin) or "Disabled" (switched off by the dispatcher).
fn status_of(e: &Endpoint) -> &'static str {
    match (e.active, &e.disabled_reason) {
        (true, _) => "Active",
        (false, Some(_)) => "Disabled",
        (false, None) => "Paused",
    }
}

fn answer_of(code: Option<i32>, error: Option<&str>) -> String {
    match (code, error) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(error)) => error.to_string(),
        (None, None) => "no answer".into(),
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let endpoints = Resource::new(|| (), |_| list_webhooks());
    view! {
        <Title text="Webhooks" />
        <Authorized action=Action::ManageWebhooks render=move |_| view! {
            <div class="page-head">
                <h1>"Webhooks"</h1>
                <a class="button primary" href="/admin/webhooks/new">"New endpoint"</a>
            </div>
            <p class="hint">
                "Endpoints receive the events they subscribe to as signed HTTP POSTs (Standard Webhooks: "
                <code>"webhook-id"</code>", "<code>"webhook-timestamp"</code>", "<code>"webhook-signature"</code>
                "). Failed deliveries are retried for about a day and a half; an endpoint that answers 410 Gone or "
                "fails for 5 days is disabled."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match endpoints.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p>"No endpoints yet. Add one to send events to a CRM, a BI tool or a chat."</p>
                        }.into_any(),
                        Ok(list) => view! { <EndpointTable endpoints=list /> }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn EndpointTable(endpoints: Vec<Endpoint>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Webhook endpoints"</caption>
                <thead><tr>
                    <th scope="col">"URL"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"Events"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Waiting"</th>
                    <th scope="col">"Last attempt (UTC)"</th>
                </tr></thead>
                <tbody>
                    {endpoints.into_iter().map(|e| {
                        let status = status_of(&e);
                        let last = e.last_attempt.map(|(at, code)| format!("{} ({})", when(at), answer_of(code, None)))
                            .unwrap_or_else(|| "never".into());
                        view! {
                            <tr>
                                <td><a href=format!("/admin/webhooks/{}", e.id)>{e.url}</a></td>
                                <td>{e.description}</td>
                                <td>{e.event_types.join(", ")}</td>
                                <td>{status}</td>
                                <td class="num">{e.pending}</td>
                                <td>{last}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The endpoint form's fields, named `input[...]` for the server functions.
#[component]
fn EndpointFields(value: EndpointInput, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    let chosen = value.event_types.clone();
    let events_error = move || errors.get().and_then(|e| e.get("event_types").map(str::to_string));
    view! {
        <InputField label="URL" name="input[url]" field="url" value=value.url errors kind="url" required=true
            hint="https:// (plain http in development only); public hosts only" />
        <TextareaField label="Description" name="input[description]" field="description" value=value.description errors
            hint="Optional: what receives these events" />
        <fieldset class="checkboxes" aria-describedby="f-event_types-error">
            <legend>"Events to send"</legend>
            {EVENT_TYPES.iter().map(|(event, what)| {
                let checked = chosen.iter().any(|c| c == event);
                let id = format!("event-{}", event.replace('.', "-"));
                view! {
                    <div class="check">
                        <input type="checkbox" id=id.clone() name="input[event_types][]" value=*event checked=checked />
                        <label for=id><code>{*event}</code>" — "{*what}</label>
                    </div>
                }
            }).collect_view()}
            {move || events_error().map(|m| view! { <p class="field-error" id="f-event_types-error" role="alert">{m}</p> })}
        </fieldset>
        <div class="check">
            <input type="checkbox" id="f-active" name="input[active]" value="true" checked=value.active />
            <label for="f-active">"Active (send deliveries)"</label>
        </div>
    }
}

/// Shows a secret just made, once.
#[component]
fn SecretOnce(secret: String) -> impl IntoView {
    view! {
        <p>"Signing secret (shown once: store it with the receiver now):"</p>
        <p><output aria-label="Signing secret"><code>{secret}</code></output></p>
    }
}

#[component]
pub fn NewWebhookPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let errors = field_errors_of(result_of(create));
    let fresh = EndpointInput { active: true, ..Default::default() };
    view! {
        <Title text="New webhook endpoint" />
        <Authorized action=Action::ManageWebhooks render=move |_| {
            let fresh = fresh.clone();
            view! {
                <h1>"New webhook endpoint"</h1>
                <ActionError value=result_of(create) />
                {move || match create.value().get() {
                    Some(Ok(made)) => Some(view! {
                        <div class="flash flash-ok" role="status">
                            <p>"Endpoint added: " {made.endpoint.url.clone()}</p>
                            <SecretOnce secret=made.secret.clone() />
                            <p><a href=format!("/admin/webhooks/{}", made.endpoint.id)>"Open the endpoint's page"</a></p>
                        </div>
                    }),
                    _ => None,
                }}
                <ActionForm action=create>
                    <EndpointFields value=fresh errors />
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Add endpoint"</button>
                </ActionForm>
            }
        } />
    }
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let test = ServerAction::<SendTestWebhook>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    let replay = ServerAction::<ReplayWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let refresh = RwSignal::new(0u32);
    let detail = Resource::new(
        move || {
            (
                id(),
                update.version().get(),
                rotate.version().get(),
                test.version().get(),
                redeliver.version().get(),
                replay.version().get(),
                refresh.get(),
            )
        },
        |(id, ..)| get_webhook(id),
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate("/admin/webhooks", Default::default());
        }
    });
    view! {
        <Authorized action=Action::ManageWebhooks render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <h1>"Webhook endpoint"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(d) => view! {
                            <EndpointView detail=d update rotate test redeliver replay delete refresh />
                        }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn EndpointView(
    detail: EndpointDetail,
    update: ServerAction<UpdateWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    test: ServerAction<SendTestWebhook>,
    redeliver: ServerAction<RedeliverWebhook>,
    replay: ServerAction<ReplayWebhook>,
    delete: ServerAction<DeleteWebhook>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let EndpointDetail { endpoint: e, messages, attempts } = detail;
    let id = e.id.to_string();
    let status = status_of(&e);
    let input = EndpointInput {
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: e.event_types.clone(),
        active: e.active,
    };
    let update_errors = field_errors_of(result_of(update));
    let rotate_errors = field_errors_of(result_of(rotate));
    let replay_errors = field_errors_of(result_of(replay));
    let ids = [id.clone(), id.clone(), id.clone(), id.clone(), id.clone()];
    let [id_test, id_update, id_rotate, id_replay, id_delete] = ids;
    view! {
        <Title text=format!("Webhook {}", e.url) />
        <h1>"Webhook endpoint"</h1>
        <p class="lead"><code>{e.url.clone()}</code></p>
        {e.disabled_reason.clone().map(|why| view! {
            <div class="flash flash-error" role="status">
                <p>"Disabled by the dispatcher: " {why}</p>
                <p>"Fix the receiver, then tick Active below and save to send again (the waiting messages go out then)."</p>
            </div>
        })}
        <dl class="facts">
            <dt>"Status"</dt><dd>{status}</dd>
            <dt>"Description"</dt><dd>{if e.description.is_empty() { "—".to_string() } else { e.description.clone() }}</dd>
            <dt>"Events"</dt><dd>{e.event_types.join(", ")}</dd>
            <dt>"Waiting messages"</dt><dd>{e.pending}</dd>
            <dt>"Failing since (UTC)"</dt><dd>{e.failing_since.map(when).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Added (UTC)"</dt><dd>{when(e.created_at)}</dd>
            <dt>"Secret rotated (UTC)"</dt><dd>{e.secret_rotated_at.map(when).unwrap_or_else(|| "never".into())}</dd>
            {e.previous_secret_until.map(|until| view! {
                <dt>"Previous secret signs until (UTC)"</dt><dd>{when(until)}</dd>
            })}
        </dl>

        <section aria-labelledby="test-heading">
            <h2 id="test-heading">"Test"</h2>
            <ActionError value=result_of(test) />
            {move || match test.value().get() {
                Some(Ok(msg_id)) => Some(view! {
                    <p class="flash flash-ok" role="status">"Test event queued as " <code>{msg_id}</code> "."</p>
                }),
                _ => None,
            }}
            <ActionForm action=test>
                <input type="hidden" name="id" value=id_test />
                <button type="submit" disabled=move || test.pending().get()>"Send test event"</button>
            </ActionForm>
        </section>

        <section aria-labelledby="log-heading">
            <div class="page-head">
                <h2 id="log-heading">"Messages"</h2>
                <button type="button" on:click=move |_| refresh.update(|r| *r += 1)>"Refresh the delivery log"</button>
            </div>
            <ActionError value=result_of(redeliver) />
            <MessageTable id=id.clone() messages redeliver />
            <h2>"Attempts"</h2>
            <AttemptTable attempts />
        </section>

        <section aria-labelledby="replay-heading">
            <h2 id="replay-heading">"Replay"</h2>
            <ActionError value=result_of(replay) />
            {move || match replay.value().get() {
                Some(Ok(n)) => Some(view! { <p class="flash flash-ok" role="status">{n} " messages queued again."</p> }),
                _ => None,
            }}
            <ActionForm action=replay>
                <input type="hidden" name="id" value=id_replay />
                <div class="inline-form">
                    <InputField label="Send again everything since (UTC)" name="since" field="since" value="" kind="datetime-local"
                        errors=replay_errors required=true hint="Within the last 30 days; receivers skip ids they already have" />
                    <button type="submit" disabled=move || replay.pending().get()>"Replay"</button>
                </div>
            </ActionForm>
        </section>

        <section aria-labelledby="edit-heading">
            <h2 id="edit-heading">"Settings"</h2>
            <ActionError value=result_of(update) />
            {move || matches!(update.value().get(), Some(Ok(_))).then(|| view! {
                <p class="flash flash-ok" role="status">"Saved."</p>
            })}
            <ActionForm action=update>
                <input type="hidden" name="id" value=id_update />
                <EndpointFields value=input errors=update_errors />
                <button type="submit" class="primary" disabled=move || update.pending().get()>"Save changes"</button>
            </ActionForm>
        </section>

        <section aria-labelledby="secret-heading">
            <h2 id="secret-heading">"Signing secret"</h2>
            <ActionError value=result_of(rotate) />
            {move || match rotate.value().get() {
                Some(Ok(made)) => Some(view! {
                    <div class="flash flash-ok" role="status"><SecretOnce secret=made.secret.clone() /></div>
                }),
                _ => None,
            }}
            <ActionForm action=rotate>
                <input type="hidden" name="id" value=id_rotate />
                <div class="inline-form">
                    <div class="field">
                        <label for="overlap">"Old secret keeps signing for (hours)"</label>
                        <input id="overlap" name="overlap_hours" type="number" min="0" max=OVERLAP_MAX_HOURS value="24"
                            inputmode="numeric" aria-describedby="overlap-error" />
                        <FieldError id="overlap-error" field="overlap_hours" errors=rotate_errors />
                    </div>
                    <button type="submit" disabled=move || rotate.pending().get()>"Rotate secret"</button>
                </div>
            </ActionForm>
        </section>

        <section aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete"</h2>
            <ActionError value=result_of(delete) />
            <ActionForm action=delete>
                <input type="hidden" name="id" value=id_delete />
                <button type="submit" class="danger">"Delete this endpoint"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn MessageTable(
    id: String,
    messages: Vec<domain::model::webhook::Message>,
    redeliver: ServerAction<RedeliverWebhook>,
) -> impl IntoView {
    if messages.is_empty() {
        return view! { <p>"No messages yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Messages, newest first"</caption>
                <thead><tr>
                    <th scope="col">"Message"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Attempts"</th>
                    <th scope="col">"Last answer"</th>
                    <th scope="col">"Next attempt (UTC)"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {messages.into_iter().map(|m| {
                        let next = if m.status == MessageStatus::Pending { when(m.next_attempt_at) } else { String::new() };
                        let answer = if m.attempts == 0 { "—".to_string() } else { answer_of(m.last_status_code, m.last_error.as_deref()) };
                        let label = format!("Redeliver {}", m.msg_id);
                        let (endpoint, message) = (id.clone(), m.id.to_string());
                        view! {
                            <tr>
                                <td><code>{m.msg_id}</code></td>
                                <td>{m.event_type}</td>
                                <td>{m.status.label()}</td>
                                <td class="num">{m.attempts}</td>
                                <td>{answer}</td>
                                <td>{next}</td>
                                <td>
                                    <ActionForm action=redeliver>
                                        <input type="hidden" name="id" value=endpoint />
                                        <input type="hidden" name="message" value=message />
                                        <button type="submit" class="link-button" aria-label=label>"Redeliver"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AttemptTable(attempts: Vec<domain::model::webhook::Attempt>) -> impl IntoView {
    if attempts.is_empty() {
        return view! { <p>"No attempts yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Attempts, newest first"</caption>
                <thead><tr>
                    <th scope="col">"Time (UTC)"</th>
                    <th scope="col">"Message"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Attempt"</th>
                    <th scope="col">"Result"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Answer (first 1 KB)"</th>
                </tr></thead>
                <tbody>
                    {attempts.into_iter().map(|a| {
                        let result = answer_of(a.status_code, a.error.as_deref());
                        view! {
                            <tr>
                                <td>{when(a.at)}</td>
                                <td><code>{a.msg_id}</code></td>
                                <td>{a.event_type}</td>
                                <td class="num">{a.attempt}</td>
                                <td>{result}</td>
                                <td class="num">{format!("{} ms", a.duration_ms)}</td>
                                <td><code class="answer">{a.response}</code></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
