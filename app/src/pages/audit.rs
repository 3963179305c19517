use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_audit;
use domain::policy::Action;

use crate::components::{Authorized, ErrorMessage};

#[component]
pub fn AuditPage() -> impl IntoView {
    let events = Resource::new(|| (), |_| list_audit(None));
    view! {
        <Title text="Audit trail" />
        <Authorized action=Action::ViewAuditTrail render=move |_| view! {
        <h1>"Audit trail"</h1>
        <p>"Sign-ins and every change to users, newest first."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(events) => view! {
                        <div class="table-wrap">
                            <table>
                                <caption class="visually-hidden">"Audit events"</caption>
                                <thead><tr>
                                    <th scope="col">"When (UTC)"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"Action"</th>
                                    <th scope="col">"Target"</th>
                                    <th scope="col">"Detail"</th>
                                </tr></thead>
                                <tbody>
                                    {events.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{e.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                            <td>{e.actor_email.unwrap_or_else(|| "system".into())}</td>
                                            <td><code>{e.action}</code></td>
                                            <td>{e.detail.get("email").and_then(|v| v.as_str()).map(str::to_string).unwrap_or(e.target_id)}</td>
                                            <td>{detail_text(&e.detail)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
        } />
    }
}

/// The event's detail as "key: value" pairs (email is shown as the target already).
pub fn detail_text(detail: &serde_json::Value) -> String {
    detail
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "email")
                .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
