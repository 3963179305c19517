//! The competitive analysis agent's output: the client's site beside its competitors', each site's strength
//! index with its breakdown, the overlap of their top terms, and the client's strengths and weaknesses.

use domain::agents::competitive_analysis::{CompetitiveOutput, Finding, SiteRow, TermOverlap};
use leptos::prelude::*;

use super::sections::{count, Labelled, LabelledList, MissingInputs, ScoreFigures, Section};
use crate::charts::score_chart;
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::{number, percent, score, NONE};

/// A site's name as shown: the client is marked in words.
fn site_name(row: &SiteRow) -> String {
    if row.is_client {
        format!("{} (client)", row.domain)
    } else {
        row.domain.clone()
    }
}

#[component]
pub fn CompetitiveView(o: CompetitiveOutput) -> impl IntoView {
    let chart = (!o.rows.is_empty()).then(|| {
        score_chart(
            "competitive-strength-index",
            "Bar chart of the strength index per site, 0 to 100; the table below has the same numbers",
            o.rows.iter().map(site_name).collect(),
            o.rows.iter().map(|r| r.strength.score).collect(),
        )
    });
    view! {
        <SideBySide rows=o.rows.clone() />
        {chart.map(|chart| view! {
            <section>
                <h2>"Strength index"</h2>
                <p>"Health, content depth, speed, structured data and size in one number from 0 to 100, only \
                    comparable within this analysis. Each site's breakdown follows."</p>
                {chart}
            </section>
        })}
        <StrengthBreakdowns rows=o.rows />
        <Overlaps overlaps=o.overlaps />
        <Findings heading="Strengths" kind="Strength" empty="No metric where the client is ahead of the competitor median." findings=o.strengths />
        <Findings heading="Weaknesses" kind="Weakness" empty="No metric where the client is behind the competitor median." findings=o.weaknesses />
        <MissingInputs missing=o.missing />
    }
}

#[component]
fn SideBySide(rows: Vec<SiteRow>) -> impl IntoView {
    view! {
        <Section heading="Side by side" empty=rows.is_empty().then_some("No sites to compare.")>
            <DataTable caption="The client's site beside its competitors' sites" columns=&[
                Text("Site"), Num("Health"), Num("Pages"), Num("Words per page"), Num("Median TTFB (ms)"),
                Num("Structured data"), Num("Errors"), Num("Warnings"), Num("Notices"), Num("Strength index"),
            ]>
                {rows.into_iter().map(|r| view! {
                    <tr class=if r.is_client { "client-row" } else { "" }>
                        <th scope="row">{site_name(&r)}</th>
                        <td class="num">{score(r.health_score)}</td>
                        <td class="num">{count(r.pages_crawled)}</td>
                        <td class="num">{number(r.avg_words_per_page, 0)}</td>
                        <td class="num">{count(r.median_ttfb_ms)}</td>
                        <td class="num">{percent(r.structured_data_coverage, 1)}</td>
                        <td class="num">{count(r.errors)}</td>
                        <td class="num">{count(r.warnings)}</td>
                        <td class="num">{count(r.notices)}</td>
                        <td class="num">{score(r.strength.score)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn StrengthBreakdowns(rows: Vec<SiteRow>) -> impl IntoView {
    (!rows.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Strength index per site"</h2>
                {rows.into_iter().map(|r| {
                    let name = site_name(&r);
                    view! {
                        <section class="score-section">
                            <h3>{name.clone()}</h3>
                            <ScoreFigures
                                label="Strength index"
                                caption=format!("{name}: how the strength index is made up")
                                breakdown=r.strength
                            />
                        </section>
                    }
                }).collect_view()}
            </section>
        }
    })
}

#[component]
fn Overlaps(overlaps: Vec<TermOverlap>) -> impl IntoView {
    view! {
        <Section heading="Term overlap" empty=overlaps.is_empty().then_some("No competitors to compare terms with.")>
            <p>"How many of its top terms the client shares with each competitor. Jaccard is shared terms \
                divided by all terms of both: 0 means none in common, 1 means the same terms."</p>
            <DataTable caption="Top-term overlap with each competitor" columns=&[
                Text("Competitor"), Num("Shared terms"), Num("All terms of both"), Num("Jaccard"), Text("Terms in common"),
            ]>
                {overlaps.into_iter().map(|t| view! {
                    <tr>
                        <th scope="row">{t.competitor}</th>
                        <td class="num">{count(t.shared)}</td>
                        <td class="num">{count(t.union)}</td>
                        <td class="num">{if t.jaccard.is_finite() { format!("{:.2}", t.jaccard) } else { NONE.to_string() }}</td>
                        <td>{if t.shared_terms.is_empty() { "none".to_string() } else { t.shared_terms.join(", ") }}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Findings(heading: &'static str, kind: &'static str, empty: &'static str, findings: Vec<Finding>) -> impl IntoView {
    view! {
        <Section heading empty=findings.is_empty().then_some(empty)>
            <LabelledList class="findings"
                items=findings.into_iter().map(|f| Labelled { label: kind, tone: None, text: f.text }).collect() />
        </Section>
    }
}
