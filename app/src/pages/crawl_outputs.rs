//! The crawl-based agents' outputs as people read them: content strategy, link building and competitive
//! analysis.

use domain::agents::competitive_analysis::CompetitiveOutput;
use domain::agents::content_strategy::ContentOutput;
use domain::agents::link_building::LinkOutput;
use leptos::prelude::*;

#[component]
pub fn ContentStrategyView(o: ContentOutput) -> impl IntoView {
    view! { <p>{format!("{} pages analysed.", o.pages_analysed)}</p> }
}

#[component]
pub fn LinkBuildingView(o: LinkOutput) -> impl IntoView {
    view! { <p>{format!("{} pages, {} internal links.", o.pages, o.internal_links)}</p> }
}

#[component]
pub fn CompetitiveView(o: CompetitiveOutput) -> impl IntoView {
    view! { <p>{format!("{} sites compared.", o.rows.len())}</p> }
}
