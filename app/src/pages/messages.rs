//! The agency's messages inbox (`/messages`): the conversations of the clients in the caller's scope, the
//! latest first, with how many client messages wait for an answer; and one conversation
//! (`/messages/:client_id`) with the client's context and the client success manager's draft answer,
//! which the manager edits and sends.

use domain::model::portal::{Draft, Thread};
use domain::policy::Action;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::portal::{message_thread, messages_inbox, AnswerMessage};
use crate::components::live::live_tick;
use crate::components::table::{Col, DataTable};
use crate::components::{field_errors_of, result_of, ActionError, Authorized, ErrorMessage};
use crate::format::score;
use crate::forms::{empty_on_success, TextareaField};
use crate::pages::portal::Conversation;

#[component]
pub fn InboxPage() -> impl IntoView {
    let tick = live_tick(Signal::derive(|| true));
    let inbox = Resource::new(move || tick.get(), |_| messages_inbox());
    view! {
        <Title text="Messages" />
        <Authorized action=Action::AnswerMessages render=move |_| view! {
            <h1>"Messages"</h1>
            <p>"What your clients' people wrote from the portal, the latest conversation first."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(items) if items.is_empty() => view! {
                            <p>"No messages yet. Invite a client's people to the portal from the client's page; what they write appears here."</p>
                        }.into_any(),
                        Ok(items) => view! {
                            <DataTable caption="Conversations, latest first" columns=&[
                                Col::Text("Client"), Col::Text("Latest message"), Col::Text("From"), Col::Text("When (UTC)"),
                                Col::Num("Waiting for an answer"), Col::Text("Account manager"),
                            ]>
                                {items.into_iter().map(|i| {
                                    let excerpt: String = i.latest.body.chars().take(120).collect();
                                    let from = if i.latest.from_client {
                                        i.latest.author_name.clone().unwrap_or_else(|| "The client".into())
                                    } else {
                                        format!("{} (agency)", i.latest.author_name.clone().unwrap_or_default())
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row"><a href=format!("/messages/{}", i.client_id)>{i.company_name}</a></th>
                                            <td>{excerpt}</td>
                                            <td>{from}</td>
                                            <td>{i.latest.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                            <td class="num">{if i.waiting > 0 { i.waiting.to_string() } else { "–".to_string() }}</td>
                                            <td>{i.manager_name.unwrap_or_else(|| "None".into())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </DataTable>
                        }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
pub fn ThreadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let answer = ServerAction::<AnswerMessage>::new();
    let pending = RwSignal::new(false);
    let tick = live_tick(pending.into());
    let sent = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(answer.value().get(), Some(Ok(_))) {
            sent.update(|n| *n += 1);
        }
    });
    let thread = Resource::new(move || (id(), sent.get(), tick.get()), |(id, ..)| message_thread(id));
    // Here, not in the conversation's view: that view is drawn anew with every reload, and a new watcher
    // would empty the next draft on seeing the last answer's success.
    let form = NodeRef::<leptos::html::Form>::new();
    empty_on_success(answer, form);
    view! {
        <Title text="Conversation" />
        <Authorized action=Action::AnswerMessages render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match thread.await {
                        Err(e) => view! { <h1>"Conversation"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(t) => {
                            pending.set(matches!(t.draft, Draft::Pending { .. }));
                            view! { <ThreadView t answer form /> }.into_any()
                        }
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn ThreadView(t: Thread, answer: ServerAction<AnswerMessage>, form: NodeRef<leptos::html::Form>) -> impl IntoView {
    let errors = field_errors_of(result_of(answer));
    let (draft_text, draft_task, draft_note) = match &t.draft {
        Draft::Ready { task_id, output } => (
            output.narrative.text.clone(),
            task_id.to_string(),
            Some(format!(
                "Drafted by the client success manager from {}; edit it before sending.",
                if output.topics.is_empty() {
                    "the message (no topic found)".to_string()
                } else {
                    format!(
                        "the topics {}",
                        output.topics.iter().map(|(k, _)| k.label().to_lowercase()).collect::<Vec<_>>().join(", ")
                    )
                }
            )),
        ),
        Draft::Pending { .. } => {
            (String::new(), String::new(), Some("The client success manager is drafting an answer…".to_string()))
        }
        Draft::Failed { error, .. } => {
            (String::new(), String::new(), Some(format!("No draft: {error}. Write the answer yourself.")))
        }
        Draft::None => (String::new(), String::new(), None),
    };
    let draft_link = match &t.draft {
        Draft::Ready { task_id, .. } | Draft::Pending { task_id } | Draft::Failed { task_id, .. } => {
            Some(format!("/tasks/{task_id}"))
        }
        Draft::None => None,
    };
    let client_id = t.client_id.to_string();
    view! {
        <Title text=format!("Messages: {}", t.company_name) />
        <p class="breadcrumbs"><a href="/messages">"Back to the inbox"</a></p>
        <h1>{format!("Conversation with {}", t.company_name)}</h1>
        <section aria-labelledby="context-heading">
            <h2 id="context-heading">"The client"</h2>
            <dl class="facts">
                <dt>"Company"</dt><dd><a href=format!("/clients/{}", t.client_id)>{t.company_name.clone()}</a></dd>
                <dt>"Website"</dt><dd>{t.website.clone()}</dd>
                <dt>"Stage"</dt><dd>{t.stage.clone()}</dd>
                <dt>"Account manager"</dt><dd>{t.manager_name.clone().unwrap_or_else(|| "None".into())}</dd>
                <dt>"Latest health"</dt><dd>{t.health.map_or("No audit yet".to_string(), |h| format!("{} / 100", score(h)))}</dd>
                <dt>"Open campaigns"</dt><dd>{t.open_campaigns}</dd>
            </dl>
            <p><a href=format!("/clients/{}/report", t.client_id)>"The client's report"</a></p>
        </section>
        <section aria-labelledby="thread-heading">
            <h2 id="thread-heading">"Messages"</h2>
            <Conversation messages=t.messages.clone() agency_marked=false />
        </section>
        <section aria-labelledby="answer-heading">
            <h2 id="answer-heading">"Answer"</h2>
            {draft_note.map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {draft_link.map(|href| view! { <p><a href=href>"The draft's task"</a></p> })}
            <ActionError value=result_of(answer) />
            <ActionForm action=answer node_ref=form>
                <input type="hidden" name="client_id" value=client_id />
                <input type="hidden" name="draft" value=draft_task />
                <TextareaField label="Your answer (the client sees it in the portal)" name="body" field="body"
                    value=draft_text errors />
                <button type="submit" class="primary" disabled=move || answer.pending().get()>"Send the answer"</button>
            </ActionForm>
        </section>
    }
}
