//! A task's result as a person reads it: one view per [`TaskOutput`] variant, built from the same typed
//! outputs the workers store. Scores come with their breakdown tables, money with thousands separators, and
//! every level or severity is written out in words (never colour alone).

use domain::agents::business_development_director as bdd;
use domain::agents::chief_seo_strategist::{self as strategist, Quadrant};
use domain::agents::client_success_manager::{self as csm, RiskBand, Severity};
use domain::agents::lead_qualification as lq;
use domain::agents::proposal_generation as proposal;
use domain::agents::reporting::{self, AnomalyLevel};
use domain::agents::sales_conversation::{self as conversation, Channel};
use domain::agents::sales_operations_manager as pipeline;
use domain::agents::technical_seo_operations_manager::{self as ops, AlertSeverity};
use domain::agents::{Breakdown, Component, Narrative, NarrativeSource};
use domain::model::crawl::AuditResult;
use domain::model::task::{CampaignPlan, TaskOutput};
use leptos::prelude::*;

use crate::format::{number, score, NONE};
use crate::forms::grouped;

/// Money in whole units, rounded (the cast saturates, NaN reads 0).
fn money(x: f64) -> String {
    grouped(x.round() as i64)
}

/// A fraction as a percentage: `0.42` → `42 %`, `0.425` → `42.5 %`.
fn percent(fraction: f64) -> String {
    crate::format::percent(fraction, 1)
}

/// A relative change as a signed percentage: `0.76` → `+76 %`, `-0.8` → `-80 %`.
fn change(fraction: f64) -> String {
    let sign = if fraction > 0.0 { "+" } else { "" };
    format!("{sign}{}", percent(fraction))
}

fn months(n: u32) -> String {
    if n == 1 {
        "1 month".to_string()
    } else {
        format!("{n} months")
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

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Info",
        Severity::Warning => "Warning",
        Severity::Critical => "Critical",
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Info => "alert alert-info",
        Severity::Warning => "alert alert-warning",
        Severity::Critical => "alert alert-critical",
    }
}

fn risk_label(r: RiskBand) -> &'static str {
    match r {
        RiskBand::Low => "Low",
        RiskBand::Medium => "Medium",
        RiskBand::High => "High",
    }
}

fn anomaly_label(l: AnomalyLevel) -> &'static str {
    match l {
        AnomalyLevel::Flagged => "Flagged",
        AnomalyLevel::Critical => "Critical",
    }
}

fn anomaly_class(l: AnomalyLevel) -> &'static str {
    match l {
        AnomalyLevel::Flagged => "alert alert-warning",
        AnomalyLevel::Critical => "alert alert-critical",
    }
}

/// Renders one task output; the page around it supplies the `<h1>`, so headings here start at `<h2>`.
#[component]
pub fn TaskOutputView(output: TaskOutput) -> impl IntoView {
    match output {
        TaskOutput::ClientAnalysis(o) => view! { <ClientAnalysisView o /> }.into_any(),
        TaskOutput::LeadQualification(o) => view! { <LeadQualificationView o /> }.into_any(),
        TaskOutput::SalesConversation(o) => view! { <SalesConversationView o /> }.into_any(),
        TaskOutput::ProposalGeneration(o) => view! { <ProposalView o /> }.into_any(),
        TaskOutput::PipelineReview(o) => view! { <PipelineView o /> }.into_any(),
        TaskOutput::ClientHealth(o) => view! { <ClientHealthView o /> }.into_any(),
        TaskOutput::Strategy(o) => view! { <StrategyView o /> }.into_any(),
        TaskOutput::Reporting(o) => view! { <ReportView o /> }.into_any(),
        TaskOutput::CampaignPlan(plan) => view! { <CampaignPlanView plan /> }.into_any(),
        TaskOutput::TechnicalSeoAudit(o) => view! { <AuditResultView o /> }.into_any(),
        TaskOutput::ContentStrategy(o) => view! { <crate::pages::crawl_outputs::ContentStrategyView o /> }.into_any(),
        TaskOutput::LinkBuilding(o) => view! { <crate::pages::crawl_outputs::LinkBuildingView o /> }.into_any(),
        TaskOutput::CompetitiveAnalysis(o) => view! { <crate::pages::crawl_outputs::CompetitiveView o /> }.into_any(),
        TaskOutput::CrawlComparison(o) => view! { <CrawlComparisonView o /> }.into_any(),
        TaskOutput::Ping {} => view! { <p>"The engine ran this check; it has no output."</p> }.into_any(),
    }
}

/// A score, big, then the table of its components and the inputs it had to do without.
#[component]
fn ScoreSection(heading: &'static str, breakdown: Breakdown) -> impl IntoView {
    let Breakdown { score: total, components, missing } = breakdown;
    view! {
        <section class="score-section">
            <h2>{heading}</h2>
            <p class="score-big">"Score " <strong>{score(total)}</strong> " / 100"</p>
            <div class="table-wrap">
                <table>
                    <caption>{format!("{heading}: how the score is made up")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Component"</th>
                            <th scope="col" class="num">"Points"</th>
                            <th scope="col" class="num">"Max"</th>
                            <th scope="col">"Reason"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {components.into_iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.name}</th>
                                <td class="num">{score(c.points)}</td>
                                <td class="num">{number(c.max, 1)}</td>
                                <td>{c.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(!missing.is_empty()).then(|| view! {
                <h3>"Missing inputs"</h3>
                <p>"The score was computed on what exists; these inputs were missing:"</p>
                <ul class="missing">
                    {missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// What an output without a score had to do without.
#[component]
fn MissingInputs(missing: Vec<String>) -> impl IntoView {
    (!missing.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Missing inputs"</h2>
                <p>"This was built on what exists; these inputs were missing:"</p>
                <ul class="missing">
                    {missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn Reasons(reasons: Vec<String>) -> impl IntoView {
    (!reasons.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Reasons"</h2>
                <ul class="reasons">
                    {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// Prose from a template or the LLM: paragraphs split at blank lines, line breaks kept, and where it came
/// from.
#[component]
fn NarrativeSection(heading: &'static str, narrative: Narrative) -> impl IntoView {
    let source = match narrative.source {
        NarrativeSource::Template => "Written from the template.".to_string(),
        NarrativeSource::Llm { model } => format!("Written by the LLM {model} from the template's facts."),
        NarrativeSource::TemplateAfterLlmError { reason } => {
            format!("Written from the template (LLM unavailable: {reason}).")
        }
    };
    let paragraphs: Vec<String> = narrative
        .text
        .split("\n\n")
        .map(|p| p.trim_matches('\n').to_string())
        .filter(|p| !p.trim().is_empty())
        .collect();
    view! {
        <section>
            <h2>{heading}</h2>
            <div class="draft">
                {paragraphs.into_iter().map(|p| view! { <p class="pre">{p}</p> }).collect_view()}
            </div>
            <p class="muted narrative-source">{source}</p>
        </section>
    }
}

#[component]
fn ClientAnalysisView(o: bdd::Output) -> impl IntoView {
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
fn LeadQualificationView(o: lq::Output) -> impl IntoView {
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Tier"</dt><dd>{o.tier.label()}</dd>
                <dt>"Close probability"</dt><dd>{percent(o.close_probability)}</dd>
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
fn SalesConversationView(o: conversation::Output) -> impl IntoView {
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
        <section>
            <h2>"Objection answers"</h2>
            {if objections.is_empty() {
                view! { <p>"No objection is expected from what we know."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Objection answers"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Objection"</th>
                                    <th scope="col">"Answer"</th>
                                    <th scope="col">"Why we expect it"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {objections.into_iter().map(|a| view! {
                                    <tr>
                                        <th scope="row">{a.objection}</th>
                                        <td>{a.answer}</td>
                                        <td>{a.because}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <MissingInputs missing=o.missing />
    }
}

#[component]
fn ProposalView(o: proposal::Output) -> impl IntoView {
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
                            <p class="price">{format!("{} {} / month", p.currency, grouped(p.monthly_price))}</p>
                            <p>{format!("Term: {}", months(p.term_months))}</p>
                            <h4>"Scope"</h4>
                            <ul>{p.scope.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                            <h4>"Expected outcomes"</h4>
                            <ul>{p.expected_outcomes.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
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
        <section>
            <h2>"How the prices were set"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Price breakdown"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Part"</th>
                            <th scope="col" class="num">"Value"</th>
                            <th scope="col" class="num">"Highest"</th>
                            <th scope="col">"Reason"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {parts.into_iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.name}</th>
                                <td class="num">{number(c.points, 2)}</td>
                                <td class="num">{number(c.max, 2)}</td>
                                <td>{c.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn PipelineView(o: pipeline::Output) -> impl IntoView {
    let win_rate = o.win_rate.map(percent).unwrap_or_else(|| "n/a (no deal has closed yet)".to_string());
    let stale = o.stale_deals;
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Weighted forecast"</dt><dd>{money(o.weighted_forecast)}</dd>
                <dt>"Win rate"</dt><dd>{win_rate}</dd>
            </dl>
        </section>
        <section>
            <h2>"Stages"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Deals by stage"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Stage"</th>
                            <th scope="col" class="num">"Deals"</th>
                            <th scope="col" class="num">"Value"</th>
                            <th scope="col" class="num">"Mean days in stage"</th>
                            <th scope="col" class="num">"Probability"</th>
                            <th scope="col" class="num">"Weighted value"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {o.stages.into_iter().map(|s| view! {
                            <tr>
                                <th scope="row">{s.stage.label()}</th>
                                <td class="num">{grouped(i64::from(s.count))}</td>
                                <td class="num">{grouped(s.value)}</td>
                                <td class="num">{if s.count == 0 { NONE.to_string() } else { score(s.mean_days_in_stage) }}</td>
                                <td class="num">{percent(s.probability)}</td>
                                <td class="num">{money(s.weighted_value)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section>
            <h2>"Conversion between stages"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Conversion between stages"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Step"</th>
                            <th scope="col" class="num">"Reached the first stage"</th>
                            <th scope="col" class="num">"Reached the next"</th>
                            <th scope="col" class="num">"Rate"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {o.conversions.into_iter().map(|c| view! {
                            <tr>
                                <th scope="row">{format!("{} → {}", c.from.label(), c.to.label())}</th>
                                <td class="num">{grouped(i64::from(c.reached_from))}</td>
                                <td class="num">{grouped(i64::from(c.reached_to))}</td>
                                <td class="num">{c.rate.map(percent).unwrap_or_else(|| "n/a".to_string())}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section>
            <h2>"Stale deals"</h2>
            {if stale.is_empty() {
                view! { <p>"No open deal has sat in its stage for more than 60 days."</p> }.into_any()
            } else {
                view! {
                    <p>"Open deals that have sat in their stage for more than 60 days, longest first."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Stale deals"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Client"</th>
                                    <th scope="col">"Stage"</th>
                                    <th scope="col" class="num">"Days in stage"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {stale.into_iter().map(|d| view! {
                                    <tr>
                                        <th scope="row"><a href=format!("/clients/{}", d.client_id)>{d.company_name}</a></th>
                                        <td>{d.stage.label()}</td>
                                        <td class="num">{grouped(d.days)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <ScoreSection heading="Pipeline health" breakdown=o.health />
        <Reasons reasons=o.reasons />
    }
}

#[component]
fn ClientHealthView(o: csm::Output) -> impl IntoView {
    let alerts = o.alerts;
    view! {
        <ScoreSection heading="Client health" breakdown=o.health />
        <section>
            <h2>"Churn risk"</h2>
            <dl class="facts">
                <dt>"Churn risk"</dt><dd>{format!("{} / 100", score(o.churn_risk))}</dd>
                <dt>"Risk band"</dt><dd>{risk_label(o.risk)}</dd>
                <dt>"Monthly value at risk"</dt><dd>{grouped(o.monthly_value_at_risk)}</dd>
            </dl>
        </section>
        <section>
            <h2>"Alerts"</h2>
            {if alerts.is_empty() {
                view! { <p>"No alerts."</p> }.into_any()
            } else {
                view! {
                    <ul class="alerts">
                        {alerts.into_iter().map(|a| view! {
                            <li class=severity_class(a.severity)>
                                <strong>{format!("{}: ", severity_label(a.severity))}</strong>{a.message}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <Reasons reasons=o.reasons />
    }
}

#[component]
fn StrategyView(o: strategist::Output) -> impl IntoView {
    view! {
        <section>
            <h2>"Roadmap"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Roadmap items, highest priority first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Item"</th>
                            <th scope="col">"Why"</th>
                            <th scope="col" class="num">"Impact (1-5)"</th>
                            <th scope="col" class="num">"Effort (1-5)"</th>
                            <th scope="col" class="num">"Priority (1-25)"</th>
                            <th scope="col">"Quadrant"</th>
                            <th scope="col">"Source"</th>
                        </tr>
                    </thead>
                    <tbody>
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
                    </tbody>
                </table>
            </div>
        </section>
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
                                view! { <ul>{items.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section>
            <h2>"KPI targets"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"KPI targets for the 90 days"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"KPI"</th>
                            <th scope="col" class="num">"Baseline"</th>
                            <th scope="col" class="num">"Target"</th>
                            <th scope="col">"Rule"</th>
                        </tr>
                    </thead>
                    <tbody>
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
                    </tbody>
                </table>
            </div>
        </section>
        <NarrativeSection heading="Summary" narrative=o.narrative />
        <MissingInputs missing=o.missing />
    }
}

/// A KPI's value: scores with one decimal like every score here; counts and money grouped by thousands.
fn kpi_value(name: &str, value: f64) -> String {
    if name.to_lowercase().contains("score") {
        score(value)
    } else {
        number(value, 1)
    }
}

#[component]
fn ReportView(o: reporting::Output) -> impl IntoView {
    let anomalies = o.anomalies;
    let trend = o.score_trend;
    view! {
        <section>
            <h2>"KPIs"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"KPIs against the previous report"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"KPI"</th>
                            <th scope="col" class="num">"Value"</th>
                            <th scope="col" class="num">"Previous"</th>
                            <th scope="col" class="num">"Change"</th>
                        </tr>
                    </thead>
                    <tbody>
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
                    </tbody>
                </table>
            </div>
        </section>
        <section>
            <h2>"Anomalies"</h2>
            {if anomalies.is_empty() {
                view! { <p>"No KPI changed by more than 50 %."</p> }.into_any()
            } else {
                view! {
                    <ul class="alerts">
                        {anomalies.into_iter().map(|a| view! {
                            <li class=anomaly_class(a.level)>
                                <strong>{format!("{}: ", anomaly_label(a.level))}</strong>
                                {format!("{} changed {}", a.metric, change(a.change))}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section>
            <h2>"Health score trend"</h2>
            {if trend.is_empty() {
                view! { <p>"No audits yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Health score by audit, oldest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Audit finished"</th>
                                    <th scope="col" class="num">"Health score"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {trend.into_iter().map(|t| view! {
                                    <tr>
                                        <th scope="row">{t.at.format("%-d %b %Y %H:%M UTC").to_string()}</th>
                                        <td class="num">{score(t.health_score)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section>
            <h2>"Issues between the last two audits"</h2>
            {match o.issues {
                Some(d) => view! {
                    <dl class="facts">
                        <dt>"New issues"</dt><dd>{grouped(d.new)}</dd>
                        <dt>"Fixed issues"</dt><dd>{grouped(d.fixed)}</dd>
                        <dt>"Critical issues"</dt>
                        <dd>{format!("{} now, {} before", grouped(i64::from(d.critical_now)), grouped(i64::from(d.critical_before)))}</dd>
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
fn CampaignPlanView(plan: CampaignPlan) -> impl IntoView {
    view! {
        <section>
            <h2>"Steps"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Campaign steps in the order they run"</caption>
                    <thead>
                        <tr>
                            <th scope="col" class="num">"#"</th>
                            <th scope="col">"Task"</th>
                            <th scope="col">"Agent"</th>
                            <th scope="col">"Runs after"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
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
                    </tbody>
                </table>
            </div>
        </section>
        <Reasons reasons=plan.reasons />
    }
}

#[component]
fn AuditResultView(o: AuditResult) -> impl IntoView {
    let health =
        if o.html_pages == 0 { "no HTML pages crawled".to_string() } else { format!("{} / 100", score(o.health)) };
    view! {
        <section>
            <h2>"Site health"</h2>
            <p class="score-big">"Health " <strong>{health}</strong></p>
            <p>
                <a href=format!("/audits/{}", o.crawl_id)>"Open the full audit: issues by check and the page explorer"</a>
            </p>
            <dl class="facts">
                <dt>"Site"</dt><dd>{o.start_url.clone()}</dd>
                <dt>"Pages fetched"</dt><dd>{grouped(i64::from(o.pages))}</dd>
                <dt>"HTML pages"</dt><dd>{grouped(i64::from(o.html_pages))}</dd>
                <dt>"Fetch errors"</dt><dd>{grouped(i64::from(o.fetch_errors))}</dd>
                <dt>"Speed"</dt><dd>{format!("{} pages/s", number(o.pages_per_second, 1))}</dd>
                <dt>"Errors / warnings / notices"</dt>
                <dd>{format!("{} / {} / {}", grouped(i64::from(o.errors)), grouped(i64::from(o.warnings)), grouped(i64::from(o.notices)))}</dd>
                <dt>"robots.txt / sitemap"</dt>
                <dd>{format!("{} / {}", if o.robots_txt_found { "found" } else { "not found" }, if o.sitemap_found { "found" } else { "not found" })}</dd>
                {o.stopped.clone().map(|s| view! { <dt>"Ended early"</dt><dd>{s}</dd> })}
            </dl>
        </section>
        <section>
            <h2>"Categories"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Score per category"</caption>
                    <thead><tr><th scope="col">"Category"</th><th scope="col" class="num">"Score"</th></tr></thead>
                    <tbody>
                        {o.categories.iter().map(|(label, s)| view! {
                            <tr><th scope="row">{label.clone()}</th><td class="num">{score(*s)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section>
            <h2>"Most frequent issues"</h2>
            {if o.top_checks.is_empty() {
                view! { <p>"No issues found."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Checks with the most issues"</caption>
                            <thead><tr>
                                <th scope="col">"Check"</th>
                                <th scope="col">"Severity"</th>
                                <th scope="col" class="num">"URLs"</th>
                                <th scope="col">"What it means"</th>
                            </tr></thead>
                            <tbody>
                                {o.top_checks.iter().map(|k| view! {
                                    <tr>
                                        <th scope="row">{k.check.clone()}</th>
                                        <td>{k.severity.clone()}</td>
                                        <td class="num">{grouped(k.count)}</td>
                                        <td>{k.description.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

fn alert_label(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Critical => "Critical",
        AlertSeverity::Warning => "Warning",
    }
}

fn alert_class(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Critical => "alert alert-critical",
        AlertSeverity::Warning => "alert alert-warning",
    }
}

#[component]
pub fn CrawlComparisonView(o: ops::Output) -> impl IntoView {
    let signed = |x: f64| if x > 0.0 { format!("+{x:.1}") } else { format!("{x:.1}") };
    view! {
        <section>
            <h2>"Summary"</h2>
            <p>{o.summary.clone()}</p>
            <dl class="facts">
                <dt>"Health"</dt>
                <dd>{format!("{} → {} ({})", score(o.before.health), score(o.after.health), signed(o.health_delta))}</dd>
                <dt>"New / fixed / persisting issues"</dt>
                <dd>{format!("{} / {} / {}", grouped(o.new_issues), grouped(o.fixed_issues), grouped(o.persisting_issues))}</dd>
                <dt>"Crawls compared"</dt>
                <dd>
                    <a href=format!("/audits/{}", o.before.crawl_id)>{format!("Earlier audit ({})", o.before.finished_at.format("%Y-%m-%d"))}</a>
                    " and "
                    <a href=format!("/audits/{}", o.after.crawl_id)>{format!("later audit ({})", o.after.finished_at.format("%Y-%m-%d"))}</a>
                </dd>
            </dl>
        </section>
        <section>
            <h2>"Regression alerts"</h2>
            {if o.alerts.is_empty() {
                view! { <p>"No regressions."</p> }.into_any()
            } else {
                view! {
                    <ul class="alerts">
                        {o.alerts.iter().map(|a| view! {
                            <li class=alert_class(a.severity)><strong>{format!("{}: ", alert_label(a.severity))}</strong>{a.message.clone()}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section>
            <h2>"Categories"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"Category scores before and after"</caption>
                    <thead><tr>
                        <th scope="col">"Category"</th>
                        <th scope="col" class="num">"Before"</th>
                        <th scope="col" class="num">"After"</th>
                        <th scope="col" class="num">"Change"</th>
                    </tr></thead>
                    <tbody>
                        {o.category_deltas.iter().map(|(label, before, after, delta)| view! {
                            <tr>
                                <th scope="row">{label.clone()}</th>
                                <td class="num">{score(*before)}</td>
                                <td class="num">{score(*after)}</td>
                                <td class="num">{signed(*delta)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section>
            <h2>"Issues by check"</h2>
            <div class="table-wrap">
                <table>
                    <caption class="visually-hidden">"New, fixed and persisting issues per check"</caption>
                    <thead><tr>
                        <th scope="col">"Check"</th>
                        <th scope="col">"Severity"</th>
                        <th scope="col" class="num">"New"</th>
                        <th scope="col" class="num">"Fixed"</th>
                        <th scope="col" class="num">"Persisting"</th>
                        <th scope="col">"New URLs (examples)"</th>
                    </tr></thead>
                    <tbody>
                        {o.checks.iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.check.clone()}</th>
                                <td>{c.severity.clone()}</td>
                                <td class="num">{grouped(c.new)}</td>
                                <td class="num">{grouped(c.fixed)}</td>
                                <td class="num">{grouped(c.persisting)}</td>
                                <td class="url">{c.new_examples.join(", ")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
