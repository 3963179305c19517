//! The planning agents' outputs: the chief SEO strategist's roadmap, the reporting agent's report and the
//! task coordinator's campaign plan.

use domain::agents::chief_seo_strategist::{self as strategist, Quadrant};
use domain::agents::reporting::{self, AnomalyLevel};
use domain::model::task::CampaignPlan;
use leptos::prelude::*;

use super::sections::{
    count, list_items, Labelled, LabelledList, MissingInputs, NarrativeSection, Reasons, Section, Tone,
};
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::{number, percent, score, NONE};

/// A relative change as a signed percentage: `0.76` → `+76 %`, `-0.8` → `-80 %`.
fn change(fraction: f64) -> String {
    let sign = if fraction > 0.0 { "+" } else { "" };
    format!("{sign}{}", percent(fraction, 1))
}

/// A KPI's value: scores with one decimal like every score here; counts and money grouped by thousands.
fn kpi_value(name: &str, value: f64) -> String {
    if name.to_lowercase().contains("score") {
        score(value)
    } else {
        number(value, 1)
    }
}

fn quadrant_label(q: Quadrant) -> &'static str {
    match q {
        Quadrant::QuickWin => "Quick win",
        Quadrant::MajorProject => "Major project",
        Quadrant::FillIn => "Fill-in",
        Quadrant::Deprioritise => "Deprioritise",
    }
}

fn anomaly(l: AnomalyLevel) -> (&'static str, Tone) {
    match l {
        AnomalyLevel::Flagged => ("Flagged", Tone::Warning),
        AnomalyLevel::Critical => ("Critical", Tone::Critical),
    }
}

#[component]
pub fn StrategyView(o: strategist::Output) -> impl IntoView {
    view! {
        <Section heading="Roadmap">
            <DataTable caption="Roadmap items, highest priority first" columns=&[
                Text("Item"), Text("Why"), Num("Impact (1-5)"), Num("Effort (1-5)"), Num("Priority (1-25)"),
                Text("Quadrant"), Text("Source"),
            ]>
                {o.items.into_iter().map(|i| view! {
                    <tr>
                        <th scope="row">{i.title}</th>
                        <td>{i.why}</td>
                        <td class="num">{i.impact}</td>
                        <td class="num">{i.effort}</td>
                        <td class="num">{i.priority}</td>
                        <td>{quadrant_label(i.quadrant)}</td>
                        <td>{i.source}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <section>
            <h2>"90-day plan"</h2>
            <ul class="cards plan">
                {o.plan.into_iter().map(|phase| {
                    let dates = format!("{} to {}", phase.starts.format("%-d %b %Y"), phase.ends.format("%-d %b %Y"));
                    let items = phase.items;
                    view! {
                        <li class="card">
                            <h3>{phase.name}</h3>
                            <p class="muted">{dates}</p>
                            {if items.is_empty() {
                                view! { <p>"Nothing scheduled in this phase."</p> }.into_any()
                            } else {
                                view! { <ul>{list_items(items)}</ul> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <Section heading="KPI targets">
            <DataTable caption="KPI targets for the 90 days"
                columns=&[Text("KPI"), Num("Baseline"), Num("Target"), Text("Rule")]>
                {o.kpis.into_iter().map(|k| {
                    let values = match (k.baseline, k.target) {
                        (Some(b), Some(t)) => view! {
                            <td class="num">{kpi_value(&k.name, b)}</td>
                            <td class="num">{kpi_value(&k.name, t)}</td>
                        }.into_any(),
                        _ => view! { <td colspan="2">"Not set yet"</td> }.into_any(),
                    };
                    view! {
                        <tr>
                            <th scope="row">{k.name}</th>
                            {values}
                            <td>{k.rule}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </Section>
        <NarrativeSection heading="Summary" narrative=o.narrative />
        <MissingInputs missing=o.missing />
    }
}

#[component]
pub fn ReportView(o: reporting::Output) -> impl IntoView {
    let anomalies = o.anomalies;
    let trend = o.score_trend;
    view! {
        <Section heading="KPIs">
            <DataTable caption="KPIs against the previous report"
                columns=&[Text("KPI"), Num("Value"), Num("Previous"), Num("Change")]>
                {o.kpis.into_iter().map(|k| {
                    let previous = k.previous.map(|p| kpi_value(&k.name, p)).unwrap_or_else(|| NONE.to_string());
                    view! {
                        <tr>
                            <th scope="row">{k.name.clone()}</th>
                            <td class="num">{kpi_value(&k.name, k.value)}</td>
                            <td class="num">{previous}</td>
                            <td class="num">{k.change.map(change).unwrap_or_else(|| "n/a".to_string())}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </Section>
        <Section heading="Anomalies" empty=anomalies.is_empty().then_some("No KPI changed by more than 50 %.")>
            <LabelledList class="alerts" items=anomalies.into_iter().map(|a| {
                Labelled::alert(anomaly(a.level), format!("{} changed {}", a.metric, change(a.change)))
            }).collect() />
        </Section>
        <Section heading="Health score trend" empty=trend.is_empty().then_some("No audits yet.")>
            <DataTable caption="Health score by audit, oldest first"
                columns=&[Text("Audit finished"), Num("Health score")]>
                {trend.into_iter().map(|t| view! {
                    <tr>
                        <th scope="row">{t.at.format("%-d %b %Y %H:%M UTC").to_string()}</th>
                        <td class="num">{score(t.health_score)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <section>
            <h2>"Issues between the last two audits"</h2>
            {match o.issues {
                Some(d) => view! {
                    <dl class="facts">
                        <dt>"New issues"</dt><dd>{count(d.new)}</dd>
                        <dt>"Fixed issues"</dt><dd>{count(d.fixed)}</dd>
                        <dt>"Critical issues"</dt>
                        <dd>{format!("{} now, {} before", count(d.critical_now), count(d.critical_before))}</dd>
                    </dl>
                    <p class="muted">"Counted per severity, so these are lower bounds: a fixed issue and a new one of the same severity cancel out."</p>
                }.into_any(),
                None => view! { <p>"Fewer than two audits: nothing to compare yet."</p> }.into_any(),
            }}
        </section>
        <NarrativeSection heading="Summary" narrative=o.narrative />
        <MissingInputs missing=o.missing />
    }
}

#[component]
pub fn CampaignPlanView(plan: CampaignPlan) -> impl IntoView {
    view! {
        <Section heading="Steps">
            <DataTable caption="Campaign steps in the order they run"
                columns=&[Num("#"), Text("Task"), Text("Agent"), Text("Runs after"), Text("Status")]>
                {plan.steps.into_iter().enumerate().map(|(i, s)| {
                    let label = s.task_type.label();
                    let after = if s.after.is_empty() {
                        "starts first".to_string()
                    } else {
                        format!("after {}", s.after.iter().map(|t| t.label()).collect::<Vec<_>>().join(", "))
                    };
                    let status = match (s.skipped, s.task_id) {
                        (Some(reason), _) => view! { {format!("Skipped: {reason}")} }.into_any(),
                        (None, Some(id)) => view! {
                            <a href=format!("/tasks/{id}")>{format!("Open the {} task", label.to_lowercase())}</a>
                        }.into_any(),
                        (None, None) => view! { "Not created yet" }.into_any(),
                    };
                    view! {
                        <tr>
                            <td class="num">{i + 1}</td>
                            <th scope="row">{label}</th>
                            <td>{s.agent.label()}</td>
                            <td>{after}</td>
                            <td>{status}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </Section>
        <Reasons reasons=plan.reasons />
    }
}
