//! A labelled `<select>` for filters and settings, where there are no field errors to show (form fields
//! with validation use `forms::SelectField`).

use leptos::prelude::*;

/// `(value, label)` options: first `none` with the empty value, then every item of `all`.
pub fn choices<T: Copy>(
    none: &str,
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), none.to_string()))
        .chain(all.iter().map(|t| (value(*t).to_string(), label(*t).to_string())))
        .collect()
}

/// A `<select>` with its label; the option whose value is `current` is selected.
#[component]
pub fn Choice(
    #[prop(into)] id: String,
    label: &'static str,
    name: &'static str,
    #[prop(into)] current: String,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {options.into_iter().map(|(v, l)| {
                    let selected = v == current;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}
