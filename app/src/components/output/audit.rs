//! The audit agents' outputs: the technical SEO auditor's audit of a site and the technical SEO operations
//! manager's comparison of two crawls.

use domain::agents::technical_seo_operations_manager::{self as ops, AlertSeverity};
use domain::model::crawl::AuditResult;
use leptos::prelude::*;

use super::sections::{count, Labelled, LabelledList, Section, Tone};
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::{number, score};

fn found(yes: bool) -> &'static str {
    if yes {
        "found"
    } else {
        "not found"
    }
}

fn alert_level(s: AlertSeverity) -> (&'static str, Tone) {
    match s {
        AlertSeverity::Critical => ("Critical", Tone::Critical),
        AlertSeverity::Warning => ("Warning", Tone::Warning),
    }
}

#[component]
pub fn AuditResultView(o: AuditResult) -> impl IntoView {
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
                <dt>"Pages fetched"</dt><dd>{count(o.pages)}</dd>
                <dt>"HTML pages"</dt><dd>{count(o.html_pages)}</dd>
                <dt>"Fetch errors"</dt><dd>{count(o.fetch_errors)}</dd>
                <dt>"Speed"</dt><dd>{format!("{} pages/s", number(o.pages_per_second, 1))}</dd>
                <dt>"Errors / warnings / notices"</dt>
                <dd>{format!("{} / {} / {}", count(o.errors), count(o.warnings), count(o.notices))}</dd>
                <dt>"robots.txt / sitemap"</dt>
                <dd>{format!("{} / {}", found(o.robots_txt_found), found(o.sitemap_found))}</dd>
                {o.stopped.clone().map(|s| view! { <dt>"Ended early"</dt><dd>{s}</dd> })}
            </dl>
        </section>
        <Section heading="Categories">
            <DataTable caption="Score per category" columns=&[Text("Category"), Num("Score")]>
                {o.categories.iter().map(|(label, s)| view! {
                    <tr><th scope="row">{label.clone()}</th><td class="num">{score(*s)}</td></tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <Section heading="Most frequent issues" empty=o.top_checks.is_empty().then_some("No issues found.")>
            <DataTable caption="Checks with the most issues"
                columns=&[Text("Check"), Text("Severity"), Num("URLs"), Text("What it means")]>
                {o.top_checks.iter().map(|k| view! {
                    <tr>
                        <th scope="row">{k.check.clone()}</th>
                        <td>{k.severity.clone()}</td>
                        <td class="num">{count(k.count)}</td>
                        <td>{k.description.clone()}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
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
                <dd>{format!("{} / {} / {}", count(o.new_issues), count(o.fixed_issues), count(o.persisting_issues))}</dd>
                <dt>"Crawls compared"</dt>
                <dd>
                    <a href=format!("/audits/{}", o.before.crawl_id)>{format!("Earlier audit ({})", o.before.finished_at.format("%Y-%m-%d"))}</a>
                    " and "
                    <a href=format!("/audits/{}", o.after.crawl_id)>{format!("later audit ({})", o.after.finished_at.format("%Y-%m-%d"))}</a>
                </dd>
            </dl>
        </section>
        <Section heading="Regression alerts" empty=o.alerts.is_empty().then_some("No regressions.")>
            <LabelledList class="alerts"
                items=o.alerts.iter().map(|a| Labelled::alert(alert_level(a.severity), a.message.clone())).collect() />
        </Section>
        <Section heading="Categories">
            <DataTable caption="Category scores before and after"
                columns=&[Text("Category"), Num("Before"), Num("After"), Num("Change")]>
                {o.category_deltas.iter().map(|(label, before, after, delta)| view! {
                    <tr>
                        <th scope="row">{label.clone()}</th>
                        <td class="num">{score(*before)}</td>
                        <td class="num">{score(*after)}</td>
                        <td class="num">{signed(*delta)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
        <Section heading="Issues by check">
            <DataTable caption="New, fixed and persisting issues per check" columns=&[
                Text("Check"), Text("Severity"), Num("New"), Num("Fixed"), Num("Persisting"),
                Text("New URLs (examples)"),
            ]>
                {o.checks.iter().map(|c| view! {
                    <tr>
                        <th scope="row">{c.check.clone()}</th>
                        <td>{c.severity.clone()}</td>
                        <td class="num">{count(c.new)}</td>
                        <td class="num">{count(c.fixed)}</td>
                        <td class="num">{count(c.persisting)}</td>
                        <td class="url">{c.new_examples.join(", ")}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}
