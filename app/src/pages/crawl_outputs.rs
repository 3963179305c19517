//! The crawl-based agents' outputs as people read them: content strategy, link building and competitive
//! analysis. The house style of `task_output.rs`: every table has a caption, numbers are right-aligned
//! (`class="num"`) with thousands separators, levels are written in words (never colour alone), URLs from
//! crawls are text (never links), and every chart has a table with the same numbers next to it. The page
//! around supplies the `<h1>`, so headings here start at `<h2>`.

use domain::agents::competitive_analysis::{CompetitiveOutput, Finding, SiteRow, TermOverlap};
use domain::agents::content_strategy::{
    CalendarEntry, ContentOutput, DuplicateGroup, EntryKind, Gap, Language, PageReadability, TermScore, ThinPage,
    TopicCluster,
};
use domain::agents::link_building::{AnchorMix, BrokenLinks, DeepPage, LinkOutput, OrphanPage, Prospect, RankedPage};
use domain::agents::{Breakdown, Component};
use leptos::prelude::*;

use crate::charts::{ScoreBarChart, ScoreBars};
use crate::format::{number, percent, score, NONE};
use crate::forms::grouped;

/// Pages listed per topic cluster; the rest are counted.
const CLUSTER_PAGES_SHOWN: usize = 10;
/// Readability rows shown; the rest are counted.
const READABILITY_ROWS: usize = 50;

/// A count with thousands separators.
fn count(n: u32) -> String {
    grouped(i64::from(n))
}

/// "1 page", "2 pages".
fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count(n))
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

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

/// An HTTP status in words: 0 means the server never answered.
fn status_label(status: u16) -> String {
    if status == 0 {
        "no answer".to_string()
    } else {
        format!("HTTP {status}")
    }
}

/// "Showing the first 200 of 1,234." when a list was capped; nothing when it is complete.
fn capped_note(shown: usize, total: u32, what: &str) -> Option<String> {
    (u64::try_from(shown).unwrap_or(u64::MAX) < u64::from(total))
        .then(|| format!("{} {what} in all; the first {} are listed.", count(total), grouped(shown as i64)))
}

// ---------------------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------------------

/// The components of a score: points, maximum and the reason for each.
#[component]
fn ComponentsTable(caption: String, components: Vec<Component>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption>{caption}</caption>
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
    }
}

/// What a score had to do without, under its table.
#[component]
fn ScoreMissing(missing: Vec<String>) -> impl IntoView {
    (!missing.is_empty()).then(|| {
        view! {
            <p>"The score was computed on what exists; these inputs were missing:"</p>
            <ul class="missing">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
        }
    })
}

/// A score, big, then the table of its components and the inputs it had to do without.
#[component]
fn ScoreSection(heading: &'static str, breakdown: Breakdown) -> impl IntoView {
    let Breakdown { score: total, components, missing } = breakdown;
    view! {
        <section class="score-section">
            <h2>{heading}</h2>
            <p class="score-big">"Score " <strong>{score(total)}</strong> " / 100"</p>
            <ComponentsTable caption=format!("{heading}: how the score is made up") components />
            <ScoreMissing missing />
        </section>
    }
}

/// What an output had to do without.
#[component]
fn MissingInputs(missing: Vec<String>) -> impl IntoView {
    (!missing.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Missing inputs"</h2>
                <p>"This was built on what exists; these inputs were missing:"</p>
                <ul class="missing">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
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
                <ul class="reasons">{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            </section>
        }
    })
}

/// A note under a capped list; nothing when the list is complete.
#[component]
fn CappedNote(note: Option<String>) -> impl IntoView {
    note.map(|n| view! { <p class="muted">{n}</p> })
}

// ---------------------------------------------------------------------------------------------------------
// Content strategy
// ---------------------------------------------------------------------------------------------------------

#[component]
pub fn ContentStrategyView(o: ContentOutput) -> impl IntoView {
    view! {
        <section>
            <h2>"Summary"</h2>
            <dl class="facts">
                <dt>"Client pages analysed"</dt><dd>{count(o.pages_analysed)}</dd>
                <dt>"Competitor pages analysed"</dt><dd>{count(o.competitor_pages_analysed)}</dd>
                <dt>"Thin pages"</dt><dd>{grouped(o.thin_pages.len() as i64)}</dd>
                <dt>"Duplicate groups"</dt><dd>{grouped(o.duplicates.len() as i64)}</dd>
                <dt>"Content gaps"</dt><dd>{grouped(o.gaps.len() as i64)}</dd>
                <dt>"Calendar entries"</dt><dd>{grouped(o.calendar.len() as i64)}</dd>
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
        <section>
            <h2>"Top terms"</h2>
            {if terms.is_empty() {
                view! { <p>"No terms: no analysed page had text."</p> }.into_any()
            } else {
                view! {
                    <p>"The terms that weigh most across the client's pages (TF-IDF summed over pages), with the \
                        number of pages each occurs on."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Top terms by TF-IDF score"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Term"</th>
                                    <th scope="col" class="num">"Score"</th>
                                    <th scope="col" class="num">"Pages with the term"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {terms.into_iter().map(|t| view! {
                                    <tr>
                                        <th scope="row">{t.term}</th>
                                        <td class="num">{number(t.score, 4)}</td>
                                        <td class="num">{count(t.document_frequency)}</td>
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

#[component]
fn Clusters(clusters: Vec<TopicCluster>) -> impl IntoView {
    view! {
        <section>
            <h2>"Topic clusters"</h2>
            {if clusters.is_empty() {
                view! { <p>"No clusters: no analysed page had text."</p> }.into_any()
            } else {
                view! {
                    <p>"Each page belongs to the cluster of its own strongest term; larger clusters first."</p>
                    <ul class="clusters">
                        {clusters.into_iter().map(|c| view! { <ClusterItem c /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
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
                {pages.into_iter().map(|p| view! { <li class="url">{p}</li> }).collect_view()}
                {(hidden > 0).then(|| view! { <li>{format!("and {} more", grouped(hidden as i64))}</li> })}
            </ul>
        </li>
    }
}

#[component]
fn ThinPages(pages: Vec<ThinPage>) -> impl IntoView {
    view! {
        <section>
            <h2>"Thin pages"</h2>
            {if pages.is_empty() {
                view! { <p>"No thin pages: every indexable page has 200 words or more."</p> }.into_any()
            } else {
                view! {
                    <p>"Indexable pages with fewer than 200 words."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Thin pages with their word counts"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"URL"</th>
                                    <th scope="col">"Title"</th>
                                    <th scope="col" class="num">"Words"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {pages.into_iter().map(|p| view! {
                                    <tr>
                                        <th scope="row" class="url">{p.url}</th>
                                        <td>{p.title.unwrap_or_else(|| "(no title)".to_string())}</td>
                                        <td class="num">{count(p.word_count)}</td>
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

#[component]
fn Duplicates(groups: Vec<DuplicateGroup>) -> impl IntoView {
    view! {
        <section>
            <h2>"Duplicate pages"</h2>
            {if groups.is_empty() {
                view! { <p>"No duplicates: no two pages share their content."</p> }.into_any()
            } else {
                view! {
                    <ol class="duplicate-groups">
                        {groups.into_iter().map(|g| view! {
                            <li>
                                <p>{format!("{}, {}:", plural(g.urls.len() as u32, "page", "pages"), g.reason)}</p>
                                <ul>{g.urls.into_iter().map(|u| view! { <li class="url">{u}</li> }).collect_view()}</ul>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
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
        format!(
            "{} pages have a readability score; the {} hardest to read are listed.",
            grouped(total as i64),
            READABILITY_ROWS
        )
    });
    view! {
        <section>
            <h2>"Readability"</h2>
            {if rows.is_empty() {
                view! { <p>"No readability scores: no analysed page had text with words."</p> }.into_any()
            } else {
                view! {
                    <p>"Reading ease from 0 (very hard) to 100 (very easy): Flesch for English pages, \
                        Oborneva's for Russian pages. Lowest scores first."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Readability per page, hardest to read first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"URL"</th>
                                    <th scope="col">"Language"</th>
                                    <th scope="col" class="num">"Score"</th>
                                    <th scope="col" class="num">"Words"</th>
                                    <th scope="col" class="num">"Sentences"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr>
                                        <th scope="row" class="url">{r.url}</th>
                                        <td>{language_label(r.readability.language)}</td>
                                        <td class="num">{score(r.readability.score)}</td>
                                        <td class="num">{count(r.readability.words)}</td>
                                        <td class="num">{count(r.readability.sentences)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <CappedNote note />
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Gaps(gaps: Vec<Gap>) -> impl IntoView {
    view! {
        <section>
            <h2>"Content gaps"</h2>
            {if gaps.is_empty() {
                view! { <p>"No gaps: the client's pages mention every strong competitor term, or no competitor \
                    pages were analysed."</p> }.into_any()
            } else {
                view! {
                    <p>"Terms strong on the competitors' pages that never occur in the client's text, titles or \
                        headings; strongest first."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Content gaps by competitor score"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Term"</th>
                                    <th scope="col" class="num">"Competitor score"</th>
                                    <th scope="col" class="num">"Competitor pages with the term"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {gaps.into_iter().map(|g| view! {
                                    <tr>
                                        <th scope="row">{g.term}</th>
                                        <td class="num">{number(g.competitor_score, 4)}</td>
                                        <td class="num">{count(g.competitor_document_frequency)}</td>
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

#[component]
fn ContentCalendar(entries: Vec<CalendarEntry>) -> impl IntoView {
    view! {
        <section>
            <h2>"Content calendar"</h2>
            {if entries.is_empty() {
                view! { <p>"Nothing to schedule: no gaps, thin pages or duplicates were found."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Content calendar, earliest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Date"</th>
                                    <th scope="col">"Kind"</th>
                                    <th scope="col">"Title"</th>
                                    <th scope="col">"Target term"</th>
                                    <th scope="col">"Page"</th>
                                    <th scope="col">"Reason"</th>
                                </tr>
                            </thead>
                            <tbody>
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
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------------------
// Link building
// ---------------------------------------------------------------------------------------------------------

#[component]
pub fn LinkBuildingView(o: LinkOutput) -> impl IntoView {
    view! {
        <ScoreSection heading="Link health" breakdown=o.health />
        <section>
            <h2>"Totals"</h2>
            <dl class="facts">
                <dt>"Pages crawled"</dt><dd>{count(o.pages)}</dd>
                <dt>"Internal links"</dt><dd>{count(o.internal_links)}</dd>
                <dt>"PageRank iterations"</dt><dd>{count(o.pagerank_iterations)}</dd>
                <dt>"Orphan pages"</dt><dd>{count(o.orphans_total)}</dd>
                <dt>"Deep pages"</dt><dd>{count(o.deep_pages_total)}</dd>
                <dt>"Broken links"</dt><dd>{count(o.broken_links_total)}</dd>
            </dl>
        </section>
        <RankedPages
            heading="Strongest pages"
            intro="The pages with the highest PageRank: the best places for links to pages that need them."
            pages=o.top_pages
        />
        <RankedPages
            heading="Weakest pages"
            intro="Indexable pages with the lowest PageRank: these need more internal links."
            pages=o.weakest_pages
        />
        <Orphans total=o.orphans_total orphans=o.orphans />
        <DeepPages total=o.deep_pages_total pages=o.deep_pages />
        <Broken total=o.broken_links_total groups=o.broken_links />
        <Anchors mix=o.anchors />
        <Prospects prospects=o.prospects />
        <Reasons reasons=o.reasons />
        <MissingInputs missing=o.missing />
    }
}

#[component]
fn RankedPages(heading: &'static str, intro: &'static str, pages: Vec<RankedPage>) -> impl IntoView {
    view! {
        <section>
            <h2>{heading}</h2>
            {if pages.is_empty() {
                view! { <p>"No pages to rank."</p> }.into_any()
            } else {
                view! {
                    <p>{intro}</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">{format!("{heading} by PageRank")}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"URL"</th>
                                    <th scope="col" class="num">"PageRank (share of the site's total)"</th>
                                    <th scope="col" class="num">"Pages linking here"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {pages.into_iter().map(|p| view! {
                                    <tr>
                                        <th scope="row" class="url">{p.url}</th>
                                        <td class="num">{percent(p.pagerank, 4)}</td>
                                        <td class="num">{count(p.inbound)}</td>
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

#[component]
fn Orphans(total: u32, orphans: Vec<OrphanPage>) -> impl IntoView {
    let note = capped_note(orphans.len(), total, "orphan pages");
    view! {
        <section>
            <h2>"Orphan pages"</h2>
            {if orphans.is_empty() {
                view! { <p>"No orphan pages: every page answering 200 has a link from another page."</p> }.into_any()
            } else {
                view! {
                    <p>{format!("{} no other page links to.", plural(total, "page", "pages"))}</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Orphan pages"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"URL"</th>
                                    <th scope="col">"In the sitemap"</th>
                                    <th scope="col">"Reason"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {orphans.into_iter().map(|p| view! {
                                    <tr>
                                        <th scope="row" class="url">{p.url}</th>
                                        <td>{yes_no(p.in_sitemap)}</td>
                                        <td>{p.reason}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <CappedNote note />
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn DeepPages(total: u32, pages: Vec<DeepPage>) -> impl IntoView {
    let note = capped_note(pages.len(), total, "deep pages");
    view! {
        <section>
            <h2>"Deep pages"</h2>
            {if pages.is_empty() {
                view! { <p>"No deep pages: every page answering 200 is within 3 clicks of the start page."</p> }
                    .into_any()
            } else {
                view! {
                    <p>{format!("{} more than 3 clicks from the start page.", plural(total, "page is", "pages are"))}</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Deep pages with their click depth"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"URL"</th>
                                    <th scope="col" class="num">"Clicks from the start page"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {pages.into_iter().map(|p| view! {
                                    <tr>
                                        <th scope="row" class="url">{p.url}</th>
                                        <td class="num">{count(p.depth)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <CappedNote note />
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Broken(total: u32, groups: Vec<BrokenLinks>) -> impl IntoView {
    let shown: usize = groups.iter().map(|g| g.targets.len()).sum();
    let note = capped_note(shown, total, "broken links");
    view! {
        <section>
            <h2>"Broken links"</h2>
            {if groups.is_empty() {
                view! { <p>"No broken links: every crawled link target answered."</p> }.into_any()
            } else {
                view! {
                    <p>{format!(
                        "{} to pages that answered with an error or not at all, by the page they are on.",
                        plural(total, "link points", "links point"),
                    )}</p>
                    <ul class="alerts broken-links">
                        {groups.into_iter().map(|g| view! {
                            <li class="alert alert-warning">
                                <p>"On " <span class="url">{g.source}</span> ":"</p>
                                <ul>
                                    {g.targets.into_iter().map(|t| view! {
                                        <li><span class="url">{t.url}</span>{format!(" ({})", status_label(t.status))}</li>
                                    }).collect_view()}
                                </ul>
                            </li>
                        }).collect_view()}
                    </ul>
                    <CappedNote note />
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Anchors(mix: AnchorMix) -> impl IntoView {
    let chart = (mix.total > 0).then(|| ScoreBars {
        id: "link-building-anchor-mix".into(),
        labels: mix.categories.iter().map(|c| c.category.label().to_string()).collect(),
        values: mix.categories.iter().map(|c| (c.share * 1000.0).round() / 10.0).collect(),
        description: "Bar chart of the share of internal links per anchor text kind, in percent; the table \
            below has the same numbers"
            .into(),
    });
    view! {
        <section>
            <h2>"Anchor text mix"</h2>
            {if mix.total == 0 {
                view! { <p>"No internal links, so no anchor texts to sort."</p> }.into_any()
            } else {
                view! {
                    <p>{format!("What the {} tell the reader about their target.", plural(mix.total, "internal link's text", "internal links' texts"))}</p>
                    {chart.map(|chart| view! { <ScoreBarChart chart /> })}
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Internal links per anchor text kind"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Anchor text"</th>
                                    <th scope="col" class="num">"Links"</th>
                                    <th scope="col" class="num">"Share"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {mix.categories.into_iter().map(|c| view! {
                                    <tr>
                                        <th scope="row">{c.category.label()}</th>
                                        <td class="num">{count(c.count)}</td>
                                        <td class="num">{percent(c.share, 1)}</td>
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

#[component]
fn Prospects(prospects: Vec<Prospect>) -> impl IntoView {
    view! {
        <section>
            <h2>"Outreach prospects"</h2>
            {if prospects.is_empty() {
                view! { <p>"No prospects: no competitor crawl links to a site the client does not already link \
                    to."</p> }.into_any()
            } else {
                view! {
                    <p>"Sites the competitors link to and the client does not; linked by most competitors first."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Outreach prospects"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Domain"</th>
                                    <th scope="col">"Competitors linking"</th>
                                    <th scope="col" class="num">"Competitor pages linking"</th>
                                    <th scope="col">"Example source"</th>
                                    <th scope="col">"Reason"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {prospects.into_iter().map(|p| view! {
                                    <tr>
                                        <th scope="row" class="url">{p.domain}</th>
                                        <td>{p.competitors.join(", ")}</td>
                                        <td class="num">{count(p.linking_pages)}</td>
                                        <td class="url">{p.example_source}</td>
                                        <td>{p.reason}</td>
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

// ---------------------------------------------------------------------------------------------------------
// Competitive analysis
// ---------------------------------------------------------------------------------------------------------

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
    let chart = (!o.rows.is_empty()).then(|| ScoreBars {
        id: "competitive-strength-index".into(),
        labels: o.rows.iter().map(site_name).collect(),
        values: o.rows.iter().map(|r| r.strength.score).collect(),
        description: "Bar chart of the strength index per site, 0 to 100; the table below has the same numbers".into(),
    });
    view! {
        <SideBySide rows=o.rows.clone() />
        {chart.map(|chart| view! {
            <section>
                <h2>"Strength index"</h2>
                <p>"Health, content depth, speed, structured data and size in one number from 0 to 100, only \
                    comparable within this analysis. Each site's breakdown follows."</p>
                <ScoreBarChart chart />
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
        <section>
            <h2>"Side by side"</h2>
            {if rows.is_empty() {
                view! { <p>"No sites to compare."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"The client's site beside its competitors' sites"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Site"</th>
                                    <th scope="col" class="num">"Health"</th>
                                    <th scope="col" class="num">"Pages"</th>
                                    <th scope="col" class="num">"Words per page"</th>
                                    <th scope="col" class="num">"Median TTFB (ms)"</th>
                                    <th scope="col" class="num">"Structured data"</th>
                                    <th scope="col" class="num">"Errors"</th>
                                    <th scope="col" class="num">"Warnings"</th>
                                    <th scope="col" class="num">"Notices"</th>
                                    <th scope="col" class="num">"Strength index"</th>
                                </tr>
                            </thead>
                            <tbody>
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
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
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
                    let Breakdown { score: total, components, missing } = r.strength;
                    view! {
                        <section class="score-section">
                            <h3>{name.clone()}</h3>
                            <p class="score-big">"Strength index " <strong>{score(total)}</strong> " / 100"</p>
                            <ComponentsTable caption=format!("{name}: how the strength index is made up") components />
                            <ScoreMissing missing />
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
        <section>
            <h2>"Term overlap"</h2>
            {if overlaps.is_empty() {
                view! { <p>"No competitors to compare terms with."</p> }.into_any()
            } else {
                view! {
                    <p>"How many of its top terms the client shares with each competitor. Jaccard is shared terms \
                        divided by all terms of both: 0 means none in common, 1 means the same terms."</p>
                    <div class="table-wrap">
                        <table>
                            <caption class="visually-hidden">"Top-term overlap with each competitor"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Competitor"</th>
                                    <th scope="col" class="num">"Shared terms"</th>
                                    <th scope="col" class="num">"All terms of both"</th>
                                    <th scope="col" class="num">"Jaccard"</th>
                                    <th scope="col">"Terms in common"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {overlaps.into_iter().map(|t| view! {
                                    <tr>
                                        <th scope="row">{t.competitor}</th>
                                        <td class="num">{count(t.shared)}</td>
                                        <td class="num">{count(t.union)}</td>
                                        <td class="num">{if t.jaccard.is_finite() { format!("{:.2}", t.jaccard) } else { NONE.to_string() }}</td>
                                        <td>{if t.shared_terms.is_empty() { "none".to_string() } else { t.shared_terms.join(", ") }}</td>
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

#[component]
fn Findings(heading: &'static str, kind: &'static str, empty: &'static str, findings: Vec<Finding>) -> impl IntoView {
    view! {
        <section>
            <h2>{heading}</h2>
            {if findings.is_empty() {
                view! { <p>{empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="findings">
                        {findings.into_iter().map(|f| view! {
                            <li><strong>{format!("{kind}: ")}</strong>{f.text}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
