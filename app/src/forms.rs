//! Form fields with labels, hints and field errors wired for screen readers, and browser-side validation
//! with the domain crate's rules before a form is sent.

use domain::validation::FieldErrors;
use leptos::prelude::*;

use crate::AppError;

fn describedby(field: &str, hint: bool) -> String {
    if hint {
        format!("f-{field}-hint f-{field}-error")
    } else {
        format!("f-{field}-error")
    }
}

fn error_of(errors: Signal<Option<FieldErrors>>, field: &'static str) -> impl Fn() -> Option<String> + Copy {
    move || errors.get().and_then(|e| e.get(field).map(str::to_string))
}

#[component]
fn ErrorLine(field: &'static str, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    let message = error_of(errors, field);
    view! {
        {move || message().map(|m| view! { <p class="field-error" id=format!("f-{field}-error") role="alert">{m}</p> })}
    }
}

/// A labelled `<input>`; `name` is the form key (e.g. `input[company_name]`), `field` the error key.
#[component]
pub fn InputField(
    label: &'static str,
    name: &'static str,
    field: &'static str,
    #[prop(into)] value: String,
    errors: Signal<Option<FieldErrors>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let invalid = move || error_of(errors, field)().is_some().to_string();
    view! {
        <div class="field">
            <label for=format!("f-{field}")>{label}</label>
            <input
                id=format!("f-{field}")
                type=kind
                name=name
                value=value
                required=required
                autocomplete=autocomplete.unwrap_or("off")
                inputmode=inputmode
                aria-invalid=invalid
                aria-describedby=describedby(field, hint.is_some())
            />
            {hint.map(|h| view! { <p class="hint" id=format!("f-{field}-hint")>{h}</p> })}
            <ErrorLine field errors />
        </div>
    }
}

#[component]
pub fn TextareaField(
    label: &'static str,
    name: &'static str,
    field: &'static str,
    #[prop(into)] value: String,
    errors: Signal<Option<FieldErrors>>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let invalid = move || error_of(errors, field)().is_some().to_string();
    // tachys 0.2 writes a `<textarea>`'s children into the server-rendered HTML unescaped (it treats them
    // like `<script>`'s), so a value holding `</textarea>` would end the element early: the server escapes
    // the text itself. The browser decodes it back into the same text, which is what hydration finds.
    #[cfg(feature = "ssr")]
    let value = domain::markup::escape_html(&value);
    view! {
        <div class="field">
            <label for=format!("f-{field}")>{label}</label>
            <textarea
                id=format!("f-{field}")
                name=name
                rows="3"
                aria-invalid=invalid
                aria-describedby=describedby(field, hint.is_some())
            >
                {value}
            </textarea>
            {hint.map(|h| view! { <p class="hint" id=format!("f-{field}-hint")>{h}</p> })}
            <ErrorLine field errors />
        </div>
    }
}

/// A labelled `<select>` over `(value, label)` options with `selected` preselected.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    field: &'static str,
    options: Vec<(String, String)>,
    #[prop(into)] selected: String,
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let invalid = move || error_of(errors, field)().is_some().to_string();
    view! {
        <div class="field">
            <label for=format!("f-{field}")>{label}</label>
            <select id=format!("f-{field}") name=name aria-invalid=invalid aria-describedby=describedby(field, false)>
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let is = v == selected;
                        view! { <option value=v selected=is>{l}</option> }
                    })
                    .collect_view()}
            </select>
            <ErrorLine field errors />
        </div>
    }
}

/// The errors to show: the browser's own check when it found something, else the server's answer.
pub fn merged_errors(
    local: RwSignal<Option<FieldErrors>>,
    server: Signal<Option<FieldErrors>>,
) -> Signal<Option<FieldErrors>> {
    Signal::derive(move || local.get().or_else(|| server.get()))
}

/// After `action` succeeds, empties the text boxes of `form` (visible text inputs and text areas): a message
/// sent or an invitation made leaves an empty form for the next one, while a refusal keeps what was typed.
/// Hidden inputs keep their values. (Re-rendering the form would not do it: the browser keeps a typed
/// value when the element is updated in place.)
pub fn empty_on_success<S>(action: ServerAction<S>, form: NodeRef<leptos::html::Form>)
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(form) = form.get_untracked() {
                use wasm_bindgen::JsCast;
                let elements = form.elements();
                for i in 0..elements.length() {
                    let Some(el) = elements.item(i) else { continue };
                    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                        if matches!(input.type_().as_str(), "text" | "email") {
                            input.set_value("");
                        }
                    } else if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                        t.set_value("");
                    }
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = form;
        }
    });
}

/// The current value of every named control of a form, in document order (browser only).
#[cfg(feature = "hydrate")]
pub fn form_values(form: &web_sys::HtmlFormElement) -> Vec<(String, String)> {
    use wasm_bindgen::JsCast;
    let mut out = Vec::new();
    let elements = form.elements();
    for i in 0..elements.length() {
        let Some(el) = elements.item(i) else { continue };
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            let t = input.type_();
            if (t == "checkbox" || t == "radio") && !input.checked() {
                continue;
            }
            if !input.name().is_empty() {
                out.push((input.name(), input.value()));
            }
        } else if let Some(s) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
            out.push((s.name(), s.value()));
        } else if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            out.push((t.name(), t.value()));
        }
    }
    out
}

/// Runs `check` over the form's values when its submit button is clicked; errors cancel the submission and
/// are shown next to their fields (the server checks again either way).
pub fn validate_on_click(
    form: NodeRef<leptos::html::Form>,
    local: RwSignal<Option<FieldErrors>>,
    check: impl Fn(&[(String, String)]) -> Result<(), FieldErrors> + Copy + 'static,
) -> impl Fn(leptos::ev::MouseEvent) + Copy + 'static {
    move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form.get_untracked() {
            match check(&form_values(&form)) {
                Ok(()) => local.set(None),
                Err(errors) => {
                    ev.prevent_default();
                    local.set(Some(errors));
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, form, local, check);
    }
}

/// The value of `name` among form values, or "".
pub fn value_of(values: &[(String, String)], name: &str) -> String {
    values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Thousands separated with commas: 12500000 -> "12,500,000".
pub fn grouped(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// `pairs` as an `application/x-www-form-urlencoded` query string (without the `?`), every value encoded,
/// for links that carry request values on.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// After `action` succeeds, goes to the page `to` names for its result (a new or changed object's page,
/// or the list after a delete). A client-side navigation: the header and the signed-in user stay, only the
/// new page's data loads. Without JavaScript the form's own post and redirect do the same.
pub fn go_on_success<S>(action: ServerAction<S>, to: impl Fn(&S::Output) -> String + 'static)
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(value)) = action.value().get() {
            navigate(&to(&value), Default::default());
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(1000), "1,000");
        assert_eq!(super::grouped(12_500_000), "12,500,000");
        assert_eq!(super::grouped(-1234), "-1,234");
    }
}
