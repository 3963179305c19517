//! The link building agent's output: link health, the internal PageRank's strongest and weakest pages,
//! orphan and deep pages, broken links, the anchor text mix and outreach prospects.

use domain::agents::link_building::{AnchorMix, BrokenLinks, DeepPage, LinkOutput, OrphanPage, Prospect, RankedPage};
use leptos::prelude::*;

use super::sections::{count, plural, MissingInputs, Reasons, ScoreSection, Section};
use crate::charts::score_chart;
use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::percent;

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
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

/// "1,234 orphan pages in all; the first 200 are listed." when a list was capped; nothing when it is
/// complete.
fn capped_note(shown: usize, total: u32, what: &str) -> Option<String> {
    (u64::try_from(shown).unwrap_or(u64::MAX) < u64::from(total))
        .then(|| format!("{} {what} in all; the first {} are listed.", count(total), count(shown)))
}

#[component]
pub fn LinkBuildingView(o: LinkOutput) -> impl IntoView {
    view! {
        <ScoreSection heading="Link health" breakdown=o.health missing_below=true />
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
        <Section heading empty=pages.is_empty().then_some("No pages to rank.")>
            <p>{intro}</p>
            <DataTable caption=format!("{heading} by PageRank")
                columns=&[Text("URL"), Num("PageRank (share of the site's total)"), Num("Pages linking here")]>
                {pages.into_iter().map(|p| view! {
                    <tr>
                        <th scope="row" class="url">{p.url}</th>
                        <td class="num">{percent(p.pagerank, 4)}</td>
                        <td class="num">{count(p.inbound)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Orphans(total: u32, orphans: Vec<OrphanPage>) -> impl IntoView {
    let note = capped_note(orphans.len(), total, "orphan pages");
    view! {
        <Section heading="Orphan pages" note
            empty=orphans.is_empty().then_some("No orphan pages: every page answering 200 has a link from another page.")>
            <p>{format!("{} no other page links to.", plural(total, "page", "pages"))}</p>
            <DataTable caption="Orphan pages" columns=&[Text("URL"), Text("In the sitemap"), Text("Reason")]>
                {orphans.into_iter().map(|p| view! {
                    <tr>
                        <th scope="row" class="url">{p.url}</th>
                        <td>{yes_no(p.in_sitemap)}</td>
                        <td>{p.reason}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn DeepPages(total: u32, pages: Vec<DeepPage>) -> impl IntoView {
    let note = capped_note(pages.len(), total, "deep pages");
    view! {
        <Section heading="Deep pages" note
            empty=pages.is_empty().then_some("No deep pages: every page answering 200 is within 3 clicks of the start page.")>
            <p>{format!("{} more than 3 clicks from the start page.", plural(total, "page is", "pages are"))}</p>
            <DataTable caption="Deep pages with their click depth"
                columns=&[Text("URL"), Num("Clicks from the start page")]>
                {pages.into_iter().map(|p| view! {
                    <tr>
                        <th scope="row" class="url">{p.url}</th>
                        <td class="num">{count(p.depth)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Broken(total: u32, groups: Vec<BrokenLinks>) -> impl IntoView {
    let shown: usize = groups.iter().map(|g| g.targets.len()).sum();
    let note = capped_note(shown, total, "broken links");
    view! {
        <Section heading="Broken links" note
            empty=groups.is_empty().then_some("No broken links: every crawled link target answered.")>
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
        </Section>
    }
}

#[component]
fn Anchors(mix: AnchorMix) -> impl IntoView {
    let chart = (mix.total > 0).then(|| {
        score_chart(
            "link-building-anchor-mix",
            "Bar chart of the share of internal links per anchor text kind, in percent; the table below has \
             the same numbers",
            mix.categories.iter().map(|c| c.category.label().to_string()).collect(),
            mix.categories.iter().map(|c| (c.share * 1000.0).round() / 10.0).collect(),
        )
    });
    view! {
        <Section heading="Anchor text mix"
            empty=(mix.total == 0).then_some("No internal links, so no anchor texts to sort.")>
            <p>{format!("What the {} tell the reader about their target.", plural(mix.total, "internal link's text", "internal links' texts"))}</p>
            {chart}
            <DataTable caption="Internal links per anchor text kind"
                columns=&[Text("Anchor text"), Num("Links"), Num("Share")]>
                {mix.categories.into_iter().map(|c| view! {
                    <tr>
                        <th scope="row">{c.category.label()}</th>
                        <td class="num">{count(c.count)}</td>
                        <td class="num">{percent(c.share, 1)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}

#[component]
fn Prospects(prospects: Vec<Prospect>) -> impl IntoView {
    view! {
        <Section heading="Outreach prospects" empty=prospects.is_empty().then_some(
            "No prospects: no competitor crawl links to a site the client does not already link to.",
        )>
            <p>"Sites the competitors link to and the client does not; linked by most competitors first."</p>
            <DataTable caption="Outreach prospects" columns=&[
                Text("Domain"), Text("Competitors linking"), Num("Competitor pages linking"), Text("Example source"),
                Text("Reason"),
            ]>
                {prospects.into_iter().map(|p| view! {
                    <tr>
                        <th scope="row" class="url">{p.domain}</th>
                        <td>{p.competitors.join(", ")}</td>
                        <td class="num">{count(p.linking_pages)}</td>
                        <td class="url">{p.example_source}</td>
                        <td>{p.reason}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Section>
    }
}
