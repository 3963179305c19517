//! The sales and account agents' outputs: the business development director's client analysis, lead
//! qualification, the sales conversation draft, the proposal, the sales operations manager's pipeline
//! review and the client success manager's client health.

use domain::agents::business_development_director as bdd;
use domain::agents::client_success_manager::{self as csm, RiskBand, Severity};
use domain::agents::lead_qualification as lq;
use domain::agents::proposal_generation as proposal;
use domain::agents::sales_conversation::{self as conversation, Channel};
use domain::agents::sales_operations_manager as pipeline;
use domain::agents::Component;
use leptos::prelude::*;

use super::sections::{
    count, list_items, plural, Labelled, LabelledList, MissingInputs, NarrativeSection, Reasons, ScoreSection, Section,
    Tone,
};
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::{number, percent, score, NONE};

/// Money in whole units, rounded (the cast saturates, NaN reads 0).
fn money(x: f64) -> String {
    count(x.round() as i64)
}

fn risk_label(r: RiskBand) -> &'static str {
    match r {
        RiskBand::Low => "Low",
        RiskBand::Medium => "Medium",
        RiskBand::High => "High",
    }
}

fn severity(s: Severity) -> (&'static str, Tone) {
    match s {
        Severity::Info => ("Info", Tone::Info),
        Severity::Warning => ("Warning", Tone::Warning),
        Severity::Critical => ("Critical", Tone::Critical),
    }
}

#[component]
pub fn ClientAnalysisView(o: bdd::Output) -> impl IntoView {
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Size band"</dt><dd>{o.band.label()}</dd>
                <dt>"Priority"</dt><dd>{o.priority.label()}</dd>
            </dl>
        </section>
        <ScoreSection heading="Enterprise score" breakdown=o.breakdown />
        <section>
            <h2>"Recommended approach"</h2>
            <p>{o.recommended_approach}</p>
        </section>
        <Reasons reasons=o.reasons />
    }
}

#[component]
pub fn LeadQualificationView(o: lq::Output) -> impl IntoView {
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Tier"</dt><dd>{o.tier.label()}</dd>
                <dt>"Close probability"</dt><dd>{percent(o.close_probability, 1)}</dd>
                <dt>"BANT total"</dt><dd>{format!("{} / 100", score(o.bant_total))}</dd>
                <dt>"Firmographic fit"</dt><dd>{format!("{} / 100", score(o.fit_score))}</dd>
            </dl>
        </section>
        <ScoreSection heading="Lead score" breakdown=o.breakdown />
        <section>
            <h2>"Next step"</h2>
            <dl class="facts">
                <dt>"Next agent"</dt><dd>{o.next_agent.map(|a| a.label()).unwrap_or("None")}</dd>
                <dt>"What to do"</dt><dd>{o.next_step}</dd>
            </dl>
        </section>
        <Reasons reasons=o.reasons />
    }
}

#[component]
pub fn SalesConversationView(o: conversation::Output) -> impl IntoView {
    let draft_heading = match o.channel {
        Channel::Email => "Email",
        Channel::Call => "Call script",
    };
    let objections = o.objections;
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Channel"</dt><dd>{o.channel.label()}</dd>
                <dt>"Subject"</dt><dd>{o.subject}</dd>
            </dl>
        </section>
        <NarrativeSection heading=draft_heading narrative=o.narrative />
        <section>
            <h2>"Talking points"</h2>
            <ul class="talking-points">
                {o.talking_points.into_iter().map(|t| view! {
                    <li>{t.point} <span class="because muted">" (because " {t.because} ")"</span></li>
                }).collect_view()}
            </ul>
        </section>
        <Section heading="Objection answers"
            empty=objections.is_empty().then_some("No objection is expected from what we know.")>
            <DataTable caption="Objection answers"
                columns=&[Text("Objection"), Text("Answer"), Text("Why we expect it")]>
                {objections.into_iter().map(|a| view! {
                    <tr>
                        <th scope="row">{a.objection}</th>
                        <td>{a.answer}</td>
                        <td>{a.because}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <MissingInputs missing=o.missing />
    }
}

#[component]
pub fn ProposalView(o: proposal::Output) -> impl IntoView {
    let recommended = o.packages.get(o.recommended).map(|p| p.name.clone());
    let recommended_index = o.recommended;
    let reason = o.recommended_reason;
    view! {
        <section>
            <h2>"Packages"</h2>
            {recommended.map(|name| view! { <p>{format!("Recommended: {name} (marked below, with the reason).")}</p> })}
            <ul class="cards packages">
                {o.packages.into_iter().enumerate().map(|(i, p)| {
                    let is_recommended = i == recommended_index;
                    let reason = reason.clone();
                    view! {
                        <li class=if is_recommended { "card recommended" } else { "card" }>
                            <h3>{p.name}</h3>
                            {is_recommended.then(|| view! {
                                <p class="badge">"Recommended"</p>
                                <p class="recommended-reason">{format!("Why: {reason}")}</p>
                            })}
                            <p class="price">{format!("{} {} / month", p.currency, count(p.monthly_price))}</p>
                            <p>{format!("Term: {}", plural(p.term_months, "month", "months"))}</p>
                            <h4>"Scope"</h4>
                            <ul>{list_items(p.scope)}</ul>
                            <h4>"Expected outcomes"</h4>
                            <ul>{list_items(p.expected_outcomes)}</ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <PriceBreakdown parts=o.price_breakdown />
        <NarrativeSection heading="Cover letter" narrative=o.narrative />
        <MissingInputs missing=o.missing />
    }
}

/// The proposal's base price and factors: values, not points, so no score line.
#[component]
fn PriceBreakdown(parts: Vec<Component>) -> impl IntoView {
    view! {
        <Section heading="How the prices were set">
            <DataTable caption="Price breakdown" columns=&[Text("Part"), Num("Value"), Num("Highest"), Text("Reason")]>
                {parts.into_iter().map(|c| view! {
                    <tr>
                        <th scope="row">{c.name}</th>
                        <td class="num">{number(c.points, 2)}</td>
                        <td class="num">{number(c.max, 2)}</td>
                        <td>{c.reason}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
pub fn PipelineView(o: pipeline::Output) -> impl IntoView {
    let win_rate = o.win_rate.map(|r| percent(r, 1)).unwrap_or_else(|| "n/a (no deal has closed yet)".to_string());
    let stale = o.stale_deals;
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Weighted forecast"</dt><dd>{money(o.weighted_forecast)}</dd>
                <dt>"Win rate"</dt><dd>{win_rate}</dd>
            </dl>
        </section>
        <Section heading="Stages">
            <DataTable caption="Deals by stage" columns=&[
                Text("Stage"), Num("Deals"), Num("Value"), Num("Mean days in stage"), Num("Probability"),
                Num("Weighted value"),
            ]>
                {o.stages.into_iter().map(|s| view! {
                    <tr>
                        <th scope="row">{s.stage.label()}</th>
                        <td class="num">{count(s.count)}</td>
                        <td class="num">{count(s.value)}</td>
                        <td class="num">{if s.count == 0 { NONE.to_string() } else { score(s.mean_days_in_stage) }}</td>
                        <td class="num">{percent(s.probability, 1)}</td>
                        <td class="num">{money(s.weighted_value)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <Section heading="Conversion between stages">
            <DataTable caption="Conversion between stages"
                columns=&[Text("Step"), Num("Reached the first stage"), Num("Reached the next"), Num("Rate")]>
                {o.conversions.into_iter().map(|c| view! {
                    <tr>
                        <th scope="row">{format!("{} → {}", c.from.label(), c.to.label())}</th>
                        <td class="num">{count(c.reached_from)}</td>
                        <td class="num">{count(c.reached_to)}</td>
                        <td class="num">{c.rate.map(|r| percent(r, 1)).unwrap_or_else(|| "n/a".to_string())}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <Section heading="Stale deals"
            empty=stale.is_empty().then_some("No open deal has sat in its stage for more than 60 days.")>
            <p>"Open deals that have sat in their stage for more than 60 days, longest first."</p>
            <DataTable caption="Stale deals" columns=&[Text("Client"), Text("Stage"), Num("Days in stage")]>
                {stale.into_iter().map(|d| view! {
                    <tr>
                        <th scope="row"><a href=format!("/clients/{}", d.client_id)>{d.company_name}</a></th>
                        <td>{d.stage.label()}</td>
                        <td class="num">{count(d.days)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <ScoreSection heading="Pipeline health" breakdown=o.health />
        <Reasons reasons=o.reasons />
    }
}

#[component]
pub fn ClientHealthView(o: csm::Output) -> impl IntoView {
    let alerts = o.alerts;
    view! {
        <ScoreSection heading="Client health" breakdown=o.health />
        <section>
            <h2>"Churn risk"</h2>
            <dl class="facts">
                <dt>"Churn risk"</dt><dd>{format!("{} / 100", score(o.churn_risk))}</dd>
                <dt>"Risk band"</dt><dd>{risk_label(o.risk)}</dd>
                <dt>"Monthly value at risk"</dt><dd>{count(o.monthly_value_at_risk)}</dd>
            </dl>
        </section>
        <Section heading="Alerts" empty=alerts.is_empty().then_some("No alerts.")>
            <LabelledList class="alerts"
                items=alerts.into_iter().map(|a| Labelled::alert(severity(a.severity), a.message)).collect() />
        </Section>
        <Reasons reasons=o.reasons />
    }
}
