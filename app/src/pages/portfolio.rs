use domain::model::Stage;
use domain::policy::Action;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::clients::my_portfolio;
use crate::components::{Authorized, ErrorMessage};
use crate::forms::grouped;

/// An account manager's clients at a glance: stage, active campaigns, monthly value, last activity.
#[component]
pub fn PortfolioPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| my_portfolio());
    view! {
        <Title text="My portfolio" />
        <Authorized
            action=Action::ViewPortfolio
            render=move |_| view! {
                <h1>"My portfolio"</h1>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await {
                            Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                            Ok(rows) if rows.is_empty() => view! { <p>"No clients are assigned to you yet."</p> }.into_any(),
                            Ok(rows) => {
                                let total: i64 = rows.iter().filter(|r| r.stage == "won").map(|r| r.monthly_value).sum();
                                view! {
                                    <p>{format!("{} clients; {} a month from won clients.", rows.len(), grouped(total))}</p>
                                    <div class="table-wrap">
                                        <table>
                                            <caption>"My clients"</caption>
                                            <thead><tr>
                                                <th scope="col">"Company"</th>
                                                <th scope="col">"Stage"</th>
                                                <th scope="col" class="num">"Active campaigns"</th>
                                                <th scope="col" class="num">"Monthly value"</th>
                                                <th scope="col">"Last activity (UTC)"</th>
                                            </tr></thead>
                                            <tbody>
                                                {rows.into_iter().map(|r| view! {
                                                    <tr>
                                                        <td><a href=format!("/clients/{}", r.id)>{r.company_name}</a></td>
                                                        <td>{Stage::parse(&r.stage).map(|s| s.label()).unwrap_or("")}</td>
                                                        <td class="num">{r.active_campaigns}</td>
                                                        <td class="num">{grouped(r.monthly_value)}</td>
                                                        <td>{r.last_activity.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into())}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            }
        />
    }
}
