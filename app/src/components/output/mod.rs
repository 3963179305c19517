//! A task's result as a person reads it: one view per [`TaskOutput`] variant, built from the same typed
//! outputs the workers store, one file per family of agents, every view made of the shared pieces in
//! `sections`. The house style: scores come with their breakdown tables; every table has a caption;
//! numbers are right-aligned with thousands separators; levels and severities are written in words (never
//! colour alone); URLs from crawls are text (never links); every chart has a table with the same numbers
//! next to it. The page around supplies the `<h1>`, so headings here start at `<h2>`.
//!
//! These views are rendered on the server only ([`render_output`], [`render_comparison`]): the task page
//! and the comparison page get them as HTML beside the result's JSON, so the fourteen kinds of result and
//! their views stay out of the browser's WASM module. Leptos' server rendering escapes every string here
//! as it does everywhere else; their charts are drawn by `/charts.js` from the HTML (see `charts`).

mod audit;
mod competitive;
mod content;
mod links;
mod planning;
mod sales;
mod sections;

use domain::model::task::TaskOutput;
use leptos::prelude::*;

/// The operations manager's comparison of two crawls, also shown on its own page.
pub use audit::CrawlComparisonView;

/// A task output's view as HTML.
pub fn render_output(output: TaskOutput) -> String {
    to_html(move || view! { <TaskOutputView output /> })
}

/// A crawl comparison's view as HTML.
pub fn render_comparison(o: domain::agents::technical_seo_operations_manager::Output) -> String {
    to_html(move || view! { <CrawlComparisonView o /> })
}

fn to_html<V: IntoView + 'static>(view: impl FnOnce() -> V) -> String {
    use leptos::tachys::view::RenderHtml;
    Owner::new().with(|| view().into_view().to_html())
}

/// Renders one task output.
#[component]
pub fn TaskOutputView(output: TaskOutput) -> impl IntoView {
    match output {
        TaskOutput::ClientAnalysis(o) => view! { <sales::ClientAnalysisView o /> }.into_any(),
        TaskOutput::LeadQualification(o) => view! { <sales::LeadQualificationView o /> }.into_any(),
        TaskOutput::SalesConversation(o) => view! { <sales::SalesConversationView o /> }.into_any(),
        TaskOutput::ProposalGeneration(o) => view! { <sales::ProposalView o /> }.into_any(),
        TaskOutput::PipelineReview(o) => view! { <sales::PipelineView o /> }.into_any(),
        TaskOutput::ClientHealth(o) => view! { <sales::ClientHealthView o /> }.into_any(),
        TaskOutput::Strategy(o) => view! { <planning::StrategyView o /> }.into_any(),
        TaskOutput::Reporting(o) => view! { <planning::ReportView o /> }.into_any(),
        TaskOutput::CampaignPlan(plan) => view! { <planning::CampaignPlanView plan /> }.into_any(),
        TaskOutput::TechnicalSeoAudit(o) => view! { <audit::AuditResultView o /> }.into_any(),
        TaskOutput::CrawlComparison(o) => view! { <CrawlComparisonView o /> }.into_any(),
        TaskOutput::ContentStrategy(o) => view! { <content::ContentStrategyView o /> }.into_any(),
        TaskOutput::LinkBuilding(o) => view! { <links::LinkBuildingView o /> }.into_any(),
        TaskOutput::CompetitiveAnalysis(o) => view! { <competitive::CompetitiveView o /> }.into_any(),
        TaskOutput::ReportDelivery(o) => view! { <DeliveryOutputView o /> }.into_any(),
        TaskOutput::MessageReply(o) => view! { <ReplyDraftView o /> }.into_any(),
        TaskOutput::Ping {} => view! { <p>"The engine ran this check; it has no output."</p> }.into_any(),
    }
}

/// A reply draft: the topics found (with the word that matched), the draft, what it had to do without.
#[component]
fn ReplyDraftView(o: domain::agents::client_success_manager::reply::Output) -> impl IntoView {
    let topics = if o.topics.is_empty() {
        "None found: the draft acknowledges the message.".to_string()
    } else {
        o.topics.iter().map(|(t, w)| format!("{} (\u{201c}{w}\u{201d})", t.label())).collect::<Vec<_>>().join(", ")
    };
    view! {
        <dl class="facts"><dt>"Topics"</dt><dd>{topics}</dd></dl>
        <sections::NarrativeSection heading="Draft answer" narrative=o.narrative />
        <sections::MissingInputs missing=o.missing />
        <p><a href="/messages">"The messages inbox"</a></p>
    }
}

/// A report email task's result: what was sent, to whom, and the server's answer or the outbox file.
#[component]
fn DeliveryOutputView(o: domain::model::delivery::DeliveryOutput) -> impl IntoView {
    let client_note = match (&o.smtp_reply, &o.outbox_file) {
        (Some(reply), _) => format!("Sent; the mail server answered \u{201c}{reply}\u{201d}."),
        (None, Some(file)) => {
            format!("Not sent: no mail server is configured, so it was written to the outbox as {file}.")
        }
        _ => o.status.label().to_string(),
    };
    view! {
        <dl class="facts">
            <dt>"Subject"</dt><dd>{o.subject.clone()}</dd>
            <dt>"Recipients"</dt><dd>{o.recipients.join(", ")}</dd>
            <dt>"Period"</dt><dd>{o.period_label.clone()}</dd>
            <dt>"Size"</dt><dd>{format!("{} KB, of which the PDF {} KB", o.bytes.div_ceil(1024), o.pdf_bytes.div_ceil(1024))}</dd>
            <dt>"Outcome"</dt><dd>{client_note}</dd>
        </dl>
        <p><a href="/reports/deliveries">"Every report email"</a></p>
    }
}
