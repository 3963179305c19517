//! The agents page: the fourteen agents by tier, what each does, whether it is enabled, its circuit,
//! success rate and mean duration over the last hour and day, and its recent tasks.

use domain::model::task::{AgentStatus, AgentWindowStats, CircuitState, Tier};
use domain::model::Role;
use domain::policy::Action;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::tasks::{list_agents, SetAgentEnabled};
use crate::components::tasks::TaskTable;
use crate::components::{result_of, ActionError, Authorized, ErrorMessage};

fn window_text(w: &AgentWindowStats) -> String {
    match (w.success_rate, w.mean_duration_ms) {
        (Some(rate), Some(ms)) => format!(
            "{:.0} % succeeded ({} of {}), mean {:.0} ms",
            rate * 100.0,
            w.completed,
            w.completed + w.failed,
            ms
        ),
        _ => "no finished tasks".into(),
    }
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let toggle = ServerAction::<SetAgentEnabled>::new();
    let agents = Resource::new(move || toggle.version().get(), |_| list_agents());
    view! {
        <Title text="Agents" />
        <Authorized action=Action::ViewAgents render=move |user| {
            let admin = user.role == Role::Admin;
            view! {
                <h1>"Agents"</h1>
                <ActionError value=result_of(toggle) />
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match agents.await {
                            Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                            Ok(page) => view! {
                                {page.llm.clone().map(|l| view! {
                                    <p class="status">{format!(
                                        "LLM: {} (circuit {}{})", l.model, l.circuit.to_lowercase(),
                                        if l.retry_in_secs > 0 { format!(", retry in {} s", l.retry_in_secs) } else { String::new() }
                                    )}</p>
                                })}
                                {page.llm.is_none().then(|| view! {
                                    <p>"No LLM is configured: agents write their prose from templates. Scores never depend on an LLM."</p>
                                })}
                                {[Tier::Executive, Tier::Management, Tier::Operational].into_iter().map(|tier| {
                                    let heading = format!("tier-{}", tier.label().to_lowercase());
                                    let labelled_by = heading.clone();
                                    let agents: Vec<AgentStatus> = page.agents.iter().filter(|a| a.agent.tier() == tier).cloned().collect();
                                    view! {
                                        <section aria-labelledby=labelled_by>
                                            <h2 id=heading>{format!("{} tier", tier.label())}</h2>
                                            {agents.into_iter().map(|a| view! { <AgentCard a admin toggle /> }).collect_view()}
                                        </section>
                                    }
                                }).collect_view()}
                            }.into_any(),
                        }
                    })}
                </Transition>
            }
        } />
    }
}

#[component]
fn AgentCard(a: AgentStatus, admin: bool, toggle: ServerAction<SetAgentEnabled>) -> impl IntoView {
    let id = a.agent.as_str();
    let heading = format!("agent-{id}");
    let labelled_by = heading.clone();
    let state = if a.enabled { "Enabled" } else { "Disabled" };
    let circuit = match &a.circuit {
        CircuitState::Closed => "Closed".to_string(),
        CircuitState::Open { until, failures } => {
            format!("Open after {failures} failures in a row, until {} UTC", until.format("%H:%M:%S"))
        }
    };
    let enabled = a.enabled;
    view! {
        <article class="card agent" aria-labelledby=labelled_by>
            <h3 id=heading>{a.agent.label()}</h3>
            <p>{a.agent.description()}</p>
            <dl class="facts">
                <dt>"State"</dt><dd>{state}</dd>
                <dt>"Circuit"</dt><dd>{circuit}</dd>
                <dt>"Last hour"</dt><dd>{window_text(&a.last_hour)}</dd>
                <dt>"Last day"</dt><dd>{window_text(&a.last_day)}</dd>
                <dt>"Queue"</dt><dd>{format!("{} pending, {} running", a.pending, a.running)}</dd>
                {(a.llm_tokens > 0).then(|| view! {
                    <dt>"LLM use (day)"</dt><dd>{format!("{} tokens, cost {:.4}", a.llm_tokens, a.llm_cost)}</dd>
                })}
            </dl>
            {admin.then(|| view! {
                <ActionForm action=toggle>
                    <input type="hidden" name="agent" value=id />
                    <input type="hidden" name="enabled" value=if enabled { "false" } else { "true" } />
                    <button type="submit" class=if enabled { "danger" } else { "" }>
                        {format!("{} {}", if enabled { "Disable" } else { "Enable" }, a.agent.label())}
                    </button>
                </ActionForm>
            })}
            <details>
                <summary>{format!("Recent tasks of {}", a.agent.label())}</summary>
                <TaskTable tasks=a.recent.clone() caption="Recent tasks" />
            </details>
        </article>
    }
}
