//! The pieces every agent's output is built from, written once: a score with its breakdown table, the
//! inputs an output had to do without, the reasons, prose with where it came from, sections that say so
//! when they have nothing to show, lists of text and of URLs, alerts led by their level in words, and the
//! count formats the outputs share.

use domain::agents::{Breakdown, Narrative, NarrativeSource};
use leptos::prelude::*;

use crate::components::table::Col::{Num, Text};
use crate::components::table::DataTable;
use crate::format::{number, score};
use crate::forms::grouped;

/// A count with thousands separators (a count past `i64::MAX` reads as `i64::MAX`).
pub fn count(n: impl TryInto<i64>) -> String {
    grouped(n.try_into().unwrap_or(i64::MAX))
}

/// A count with its noun: "1 page", "2 pages", "1,200 pages".
pub fn plural(n: impl TryInto<i64>, one: &str, many: &str) -> String {
    match n.try_into().unwrap_or(i64::MAX) {
        1 => format!("1 {one}"),
        n => format!("{} {many}", grouped(n)),
    }
}

/// The `<li>` of each item, as text.
pub fn list_items(items: Vec<String>) -> impl IntoView {
    items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()
}

/// The `<li>` of each URL: crawled URLs are text, never links.
pub fn url_items(urls: Vec<String>) -> impl IntoView {
    urls.into_iter().map(|url| view! { <li class="url">{url}</li> }).collect_view()
}

/// A section under an `<h2>`: when `empty` is given, its sentence says there is nothing to show; otherwise
/// the children show it, followed by `note` (that a list was cut short, and where) when there is one.
#[component]
pub fn Section(
    heading: &'static str,
    #[prop(optional_no_strip)] empty: Option<&'static str>,
    #[prop(optional_no_strip)] note: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <section>
            <h2>{heading}</h2>
            {match empty {
                Some(sentence) => view! { <p>{sentence}</p> }.into_any(),
                None => view! { {children()} {note.map(|n| view! { <p class="muted">{n}</p> })} }.into_any(),
            }}
        </section>
    }
}

/// A score under its `<h2>`: big, then the table of its components and the inputs it had to do without.
/// Those inputs get a "Missing inputs" heading of their own unless `missing_below`: the output then lists
/// its missing inputs in a section of that name further down, and one name for two headings would confuse.
#[component]
pub fn ScoreSection(
    heading: &'static str,
    breakdown: Breakdown,
    #[prop(optional)] missing_below: bool,
) -> impl IntoView {
    view! {
        <section class="score-section">
            <h2>{heading}</h2>
            <ScoreFigures
                label="Score"
                caption=format!("{heading}: how the score is made up")
                breakdown
                missing_heading=!missing_below
            />
        </section>
    }
}

/// A score's figures under a heading its caller writes: `label` and the score big, the table of its
/// components (points, maximum and the reason for each), and the inputs it had to do without.
#[component]
pub fn ScoreFigures(
    label: &'static str,
    caption: String,
    breakdown: Breakdown,
    #[prop(optional)] missing_heading: bool,
) -> impl IntoView {
    let Breakdown { score: total, components, missing } = breakdown;
    view! {
        <p class="score-big">{format!("{label} ")} <strong>{score(total)}</strong> " / 100"</p>
        <DataTable caption caption_shown=true columns=&[Text("Component"), Num("Points"), Num("Max"), Text("Reason")]>
            {components.into_iter().map(|c| view! {
                <tr>
                    <th scope="row">{c.name}</th>
                    <td class="num">{score(c.points)}</td>
                    <td class="num">{number(c.max, 1)}</td>
                    <td>{c.reason}</td>
                </tr>
            }).collect_view()}
        </DataTable>
        {(!missing.is_empty()).then(|| view! {
            {missing_heading.then(|| view! { <h3>"Missing inputs"</h3> })}
            <p>"The score was computed on what exists; these inputs were missing:"</p>
            <ul class="missing">{list_items(missing)}</ul>
        })}
    }
}

/// What an output had to do without; nothing when it had everything.
#[component]
pub fn MissingInputs(missing: Vec<String>) -> impl IntoView {
    (!missing.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Missing inputs"</h2>
                <p>"This was built on what exists; these inputs were missing:"</p>
                <ul class="missing">{list_items(missing)}</ul>
            </section>
        }
    })
}

/// Why the agent concluded what it did; nothing when it gave no reasons.
#[component]
pub fn Reasons(reasons: Vec<String>) -> impl IntoView {
    (!reasons.is_empty()).then(|| {
        view! {
            <section>
                <h2>"Reasons"</h2>
                <ul class="reasons">{list_items(reasons)}</ul>
            </section>
        }
    })
}

/// Prose from a template or the LLM: paragraphs split at blank lines, line breaks kept, and where it came
/// from.
#[component]
pub fn NarrativeSection(heading: &'static str, narrative: Narrative) -> impl IntoView {
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

/// How loud an alert is: the class that colours it. Its level is also written in words in front of it, so
/// colour is never the only sign.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Info,
    Warning,
    Critical,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Info => "alert alert-info",
            Tone::Warning => "alert alert-warning",
            Tone::Critical => "alert alert-critical",
        }
    }
}

/// An item led by a word in bold ("Critical: …", "Strength: …"), coloured by its tone if it has one.
pub struct Labelled {
    pub label: &'static str,
    pub tone: Option<Tone>,
    pub text: String,
}

impl Labelled {
    /// An alert: its level's word and tone, then the message.
    pub fn alert((label, tone): (&'static str, Tone), text: String) -> Self {
        Labelled { label, tone: Some(tone), text }
    }
}

/// A list of [`Labelled`] items.
#[component]
pub fn LabelledList(class: &'static str, items: Vec<Labelled>) -> impl IntoView {
    view! {
        <ul class=class>
            {items.into_iter().map(|item| {
                let lead = view! { <strong>{format!("{}: ", item.label)}</strong> };
                match item.tone {
                    Some(tone) => view! { <li class=tone.class()>{lead}{item.text}</li> }.into_any(),
                    None => view! { <li>{lead}{item.text}</li> }.into_any(),
                }
            }).collect_view()}
        </ul>
    }
}
