//! Data tables as every page draws them: in a wrapper that scrolls sideways on narrow screens, with a
//! caption, one header cell per column, and numbers right-aligned (`class="num"`).

use leptos::prelude::*;

/// A column: its header text, and whether its cells hold numbers (right-aligned).
#[derive(Debug, Clone, Copy)]
pub enum Col {
    Text(&'static str),
    Num(&'static str),
}

/// A table whose rows are the children. The caption is for screen readers only (the section's heading
/// says the same to everyone) unless `caption_shown`.
#[component]
pub fn DataTable(
    #[prop(into)] caption: String,
    columns: &'static [Col],
    #[prop(optional)] caption_shown: bool,
    children: Children,
) -> impl IntoView {
    let caption = if caption_shown {
        view! { <caption>{caption}</caption> }.into_any()
    } else {
        view! { <caption class="visually-hidden">{caption}</caption> }.into_any()
    };
    view! {
        <div class="table-wrap">
            <table>
                {caption}
                <thead>
                    <tr>
                        {columns.iter().map(|c| match *c {
                            Col::Text(label) => view! { <th scope="col">{label}</th> }.into_any(),
                            Col::Num(label) => view! { <th scope="col" class="num">{label}</th> }.into_any(),
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
