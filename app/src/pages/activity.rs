//! The activity log (`/admin/activity`): sign-ins and every change to users, for admins.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_activity;
use domain::policy::Action;

use crate::components::{Authorized, ErrorMessage};
use crate::format::event_detail;

#[component]
pub fn ActivityLogPage() -> impl IntoView {
    let events = Resource::new(|| (), |_| list_activity(None));
    view! {
        <Title text="Activity log" />
        <Authorized action=Action::ViewActivityLog render=move |_| view! {
        <h1>"Activity log"</h1>
        <p>"Sign-ins and every change to users, newest first."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(events) => view! {
                        <div class="table-wrap">
                            <table>
                                <caption class="visually-hidden">"Activity events"</caption>
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
                                            <td>{event_detail(&e.detail)}</td>
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
