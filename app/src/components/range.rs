//! The time range of the dashboard and analytics pages: read from the URL (`range`, `from`, `to`) and
//! chosen with one form, so a range can be bookmarked and shared.

use domain::model::dashboard::{DashboardRange, RangeKind};
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::components::FoldOnPhones;
use crate::forms::{InputField, SelectField};

/// The URL's `(range, from, to)`, as typed (validated by `DashboardRange::parse`).
pub fn range_params() -> impl Fn() -> (String, String, String) + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        query.with(|q| {
            (q.get("range").unwrap_or_default(), q.get("from").unwrap_or_default(), q.get("to").unwrap_or_default())
        })
    }
}

/// The range picker, submitting to `action` by GET; a refused range is named at its field.
#[component]
pub fn RangeForm(action: &'static str) -> impl IntoView {
    let params = range_params();
    let range = Memo::new(move |_| {
        let (r, f, t) = params();
        DashboardRange::parse(&r, &f, &t)
    });
    let errors = Signal::derive(move || range.get().err());
    // The form shows the range the page was opened with; after that it holds what the user types.
    let current = range.get_untracked().unwrap_or_default();
    let typed = untrack(params);
    view! {
        <FoldOnPhones summary="Time range">
            <Form method="GET" action=action>
                <fieldset class="filters range-form">
                    <legend class="visually-hidden">"Time range"</legend>
                    <SelectField label="Range" name="range" field="range"
                        options=RangeKind::PRESETS.into_iter().chain([RangeKind::Custom])
                            .map(|k| (k.as_str().to_string(), k.label().to_string())).collect()
                        selected=current.kind.as_str() errors />
                    <InputField label="From (custom)" name="from" field="from" kind="date"
                        value=current.from.map(|d| d.to_string()).unwrap_or(typed.1) errors />
                    <InputField label="To (custom)" name="to" field="to" kind="date"
                        value=current.to.map(|d| d.to_string()).unwrap_or(typed.2) errors />
                    <div class="filter-actions">
                        <button type="submit" class="primary">"Show range"</button>
                    </div>
                </fieldset>
            </Form>
        </FoldOnPhones>
    }
}
