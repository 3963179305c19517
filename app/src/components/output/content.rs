//! The content strategy agent's output: top terms, topic clusters, thin and duplicate pages, readability,
//! content gaps against the competitors and the content calendar.

use domain::agents::content_strategy::{
    CalendarEntry, ContentOutput, DuplicateGroup, EntryKind, Gap, Language, PageReadability, TermScore, ThinPage,
    TopicCluster,
};
use leptos::prelude::*;

use super::sections::{count, plural, url_items, MissingInputs, Reasons, Section};
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::{number, score, NONE};

/// Pages listed per topic cluster; the rest are counted.
const CLUSTER_PAGES_SHOWN: usize = 10;
/// Readability rows shown; the rest are counted.
const READABILITY_ROWS: usize = 50;

fn language_label(l: Language) -> &'static str {
    match l {
        Language::English => "English",
        Language::Russian => "Russian",
    }
}

fn entry_kind_label(k: EntryKind) -> &'static str {
    match k {
        EntryKind::NewPage => "New page",
        EntryKind::Rewrite => "Rewrite",
    }
}

#[component]
pub fn ContentStrategyView(o: ContentOutput) -> impl IntoView {
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Client pages analysed"</dt><dd>{count(o.pages_analysed)}</dd>
                <dt>"Competitor pages analysed"</dt><dd>{count(o.competitor_pages_analysed)}</dd>
                <dt>"Thin pages"</dt><dd>{count(o.thin_pages.len())}</dd>
                <dt>"Duplicate groups"</dt><dd>{count(o.duplicates.len())}</dd>
                <dt>"Content gaps"</dt><dd>{count(o.gaps.len())}</dd>
                <dt>"Calendar entries"</dt><dd>{count(o.calendar.len())}</dd>
            </dl>
        </section>
        <TopTerms terms=o.top_terms />
        <Clusters clusters=o.clusters />
        <ThinPages pages=o.thin_pages />
        <Duplicates groups=o.duplicates />
        <ReadabilityTable rows=o.readability />
        <Gaps gaps=o.gaps />
        <ContentCalendar entries=o.calendar />
        <Reasons reasons=o.reasons />
        <MissingInputs missing=o.missing />
    }
}

#[component]
fn TopTerms(terms: Vec<TermScore>) -> impl IntoView {
    view! {
        <Section heading="Top terms" empty=terms.is_empty().then_some("No terms: no analysed page had text.")>
            <p>"The terms that weigh most across the client's pages (TF-IDF summed over pages), with the \
                number of pages each occurs on."</p>
            <DataTable caption="Top terms by TF-IDF score"
                columns=&[Text("Term"), Num("Score"), Num("Pages with the term")]>
                {terms.into_iter().map(|t| view! {
                    <tr>
                        <th scope="row">{t.term}</th>
                        <td class="num">{number(t.score, 4)}</td>
                        <td class="num">{count(t.document_frequency)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Clusters(clusters: Vec<TopicCluster>) -> impl IntoView {
    view! {
        <Section heading="Topic clusters" empty=clusters.is_empty().then_some("No clusters: no analysed page had text.")>
            <p>"Each page belongs to the cluster of its own strongest term; larger clusters first."</p>
            <ul class="clusters">
                {clusters.into_iter().map(|c| view! { <ClusterItem c /> }).collect_view()}
            </ul>
        </Section>
    }
}

#[component]
fn ClusterItem(c: TopicCluster) -> impl IntoView {
    let hidden = c.pages.len().saturating_sub(CLUSTER_PAGES_SHOWN);
    let pages: Vec<String> = c.pages.into_iter().take(CLUSTER_PAGES_SHOWN).collect();
    view! {
        <li>
            <h3>{format!("{} ({})", c.term, plural(c.size, "page", "pages"))}</h3>
            <ul>
                {url_items(pages)}
                {(hidden > 0).then(|| view! { <li>{format!("and {} more", count(hidden))}</li> })}
            </ul>
        </li>
    }
}

#[component]
fn ThinPages(pages: Vec<ThinPage>) -> impl IntoView {
    view! {
        <Section heading="Thin pages"
            empty=pages.is_empty().then_some("No thin pages: every indexable page has 200 words or more.")>
            <p>"Indexable pages with fewer than 200 words."</p>
            <DataTable caption="Thin pages with their word counts" columns=&[Text("URL"), Text("Title"), Num("Words")]>
                {pages.into_iter().map(|p| view! {
                    <tr>
                        <th scope="row" class="url">{p.url}</th>
                        <td>{p.title.unwrap_or_else(|| "(no title)".to_string())}</td>
                        <td class="num">{count(p.word_count)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Duplicates(groups: Vec<DuplicateGroup>) -> impl IntoView {
    view! {
        <Section heading="Duplicate pages"
            empty=groups.is_empty().then_some("No duplicates: no two pages share their content.")>
            <ol class="duplicate-groups">
                {groups.into_iter().map(|g| view! {
                    <li>
                        <p>{format!("{}, {}:", plural(g.urls.len(), "page", "pages"), g.reason)}</p>
                        <ul>{url_items(g.urls)}</ul>
                    </li>
                }).collect_view()}
            </ol>
        </Section>
    }
}

#[component]
fn ReadabilityTable(rows: Vec<PageReadability>) -> impl IntoView {
    let total = rows.len();
    let mut rows = rows;
    // Hardest to read first: those are the pages to work on.
    rows.sort_by(|a, b| a.readability.score.total_cmp(&b.readability.score).then_with(|| a.url.cmp(&b.url)));
    rows.truncate(READABILITY_ROWS);
    let note = (total > READABILITY_ROWS).then(|| {
        format!("{} pages have a readability score; the {READABILITY_ROWS} hardest to read are listed.", count(total))
    });
    view! {
        <Section heading="Readability" note
            empty=rows.is_empty().then_some("No readability scores: no analysed page had text with words.")>
            <p>"Reading ease from 0 (very hard) to 100 (very easy): Flesch for English pages, \
                Oborneva's for Russian pages. Lowest scores first."</p>
            <DataTable caption="Readability per page, hardest to read first" columns=&[
                Text("URL"), Text("Language"), Num("Score"), Num("Words"), Num("Sentences"),
            ]>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <th scope="row" class="url">{r.url}</th>
                        <td>{language_label(r.readability.language)}</td>
                        <td class="num">{score(r.readability.score)}</td>
                        <td class="num">{count(r.readability.words)}</td>
                        <td class="num">{count(r.readability.sentences)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Gaps(gaps: Vec<Gap>) -> impl IntoView {
    view! {
        <Section heading="Content gaps" empty=gaps.is_empty().then_some(
            "No gaps: the client's pages mention every strong competitor term, or no competitor pages were \
             analysed.",
        )>
            <p>"Terms strong on the competitors' pages that never occur in the client's text, titles or \
                headings; strongest first."</p>
            <DataTable caption="Content gaps by competitor score"
                columns=&[Text("Term"), Num("Competitor score"), Num("Competitor pages with the term")]>
                {gaps.into_iter().map(|g| view! {
                    <tr>
                        <th scope="row">{g.term}</th>
                        <td class="num">{number(g.competitor_score, 4)}</td>
                        <td class="num">{count(g.competitor_document_frequency)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn ContentCalendar(entries: Vec<CalendarEntry>) -> impl IntoView {
    view! {
        <Section heading="Content calendar"
            empty=entries.is_empty().then_some("Nothing to schedule: no gaps, thin pages or duplicates were found.")>
            <DataTable caption="Content calendar, earliest first" columns=&[
                Text("Date"), Text("Kind"), Text("Title"), Text("Target term"), Text("Page"), Text("Reason"),
            ]>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <th scope="row">{e.date.to_string()}</th>
                        <td>{entry_kind_label(e.kind)}</td>
                        <td>{e.title}</td>
                        <td>{e.target_term.unwrap_or_else(|| NONE.to_string())}</td>
                        {match e.url {
                            Some(u) => view! { <td class="url">{u}</td> }.into_any(),
                            None => view! { <td>"(new page)"</td> }.into_any(),
                        }}
                        <td>{e.reason}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}
