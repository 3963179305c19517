//! Pieces every page uses: the header with navigation, the policy gate with its access-denied page, error
//! display, field errors; in the submodules, the widgets pages share (data tables, selects, task lists, live
//! updates, agent outputs).

pub mod choice;
pub mod deliveries;
pub mod live;
#[cfg(feature = "ssr")]
pub mod output;
pub mod range;
pub mod table;
pub mod tasks;

use domain::model::Role;
use domain::policy::{authorize, Action};
use domain::validation::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::Logout;
use crate::current_user::CurrentUser;
use crate::error::AppError;

/// The signed-in user, loaded once per page load (signing in or out reloads the page).
#[derive(Clone, Copy)]
pub struct CurrentUserResource(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// Renders `render(user)` when the signed-in user may perform `action`, the access-denied page otherwise.
/// The same policy the server enforces decides; this only spares the user a page of errors.
#[component]
pub fn Authorized<F, V>(action: Action, render: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let me = expect_context::<CurrentUserResource>().0;
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) => {
                            let actor = user.actor();
                            match authorize(Some(&actor), action) {
                                Ok(()) => render(user).into_any(),
                                Err(_) => view! { <ForbiddenPage /> }.into_any(),
                            }
                        }
                        Ok(None) => view! { <ErrorMessage error=AppError::Unauthenticated /> }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Shown with status 403 when a signed-in user opens a page their role doesn't allow.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    respond_with_status(403);
    view! {
        <Title text="Access denied" />
        <h1>"Access denied"</h1>
        <p>"Your role doesn't give access to this page. Ask an admin if you need it."</p>
        <p><a href="/">"Back to the dashboard"</a></p>
    }
}

/// Gives the server-rendered page the HTTP status `code`, so a page's status never says 200 over an error
/// (in the browser there is no response to set).
pub fn respond_with_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) = (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code)) {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Full page load of `path` after a sign-in or a sign-out: the session changed, so every part of the page
/// (the header's user, what the pages may show) starts fresh. Saved changes navigate instead
/// (`forms::go_on_success`).
pub fn reload_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

#[component]
pub fn Header() -> impl IntoView {
    let me = expect_context::<CurrentUserResource>().0;
    view! {
        <header class="site-header">
            <a class="brand" href="/">"AI SEO Architects"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) => view! { <SignedInHeader user /> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn SignedInHeader(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            reload_to("/login");
        }
    });
    let is_admin = user.role == Role::Admin;
    let is_manager = user.role == Role::AccountManager;
    live::connect();
    let nav = if user.role == Role::Client {
        view! {
            <nav aria-label="Main" class="main-nav">
                <ul>
                    <li><a href="/portal">"Overview"</a></li>
                    <li><a href="/portal/report">"Report"</a></li>
                    <li><a href="/portal/messages">"Messages"</a></li>
                    <li><a href="/account">"Account"</a></li>
                </ul>
            </nav>
        }
        .into_any()
    } else {
        view! { <AgencyNav is_admin is_manager /> }.into_any()
    };
    view! {
        {nav}
        <div class="user-box">
            <span class="user-name">{user.name.clone()}</span>
            <span class="user-role">{user.role.label()}</span>
            <live::ConnectionState />
            <ActionForm action=logout>
                <button type="submit" class="link-button">"Sign out"</button>
            </ActionForm>
        </div>
    }
}

/// The console's navigation for the agency's roles.
#[component]
fn AgencyNav(is_admin: bool, is_manager: bool) -> impl IntoView {
    let answers = is_admin || is_manager;
    view! {
        <nav aria-label="Main" class="main-nav">
            <ul>
                <li><a href="/">"Dashboard"</a></li>
                <li><a href="/clients">"Clients"</a></li>
                <li><a href="/tasks">"Tasks"</a></li>
                <li><a href="/audits">"Site audits"</a></li>
                <li><a href="/agents">"Agents"</a></li>
                <li><a href="/analytics">"Analytics"</a></li>
                <li><a href="/reports/deliveries">"Report emails"</a></li>
                <Show when=move || is_manager>
                    <li><a href="/portfolio">"Portfolio"</a></li>
                </Show>
                <Show when=move || answers>
                    <li><a href="/messages">"Messages"</a></li>
                </Show>
                <li><a href="/account">"Account"</a></li>
                <Show when=move || is_admin>
                    <li><a href="/admin/users">"Users"</a></li>
                    <li><a href="/admin/activity">"Activity log"</a></li>
                    <li><a href="/admin/webhooks">"Webhooks"</a></li>
                    <li><a href="/admin/branding">"Branding"</a></li>
                    <li><a href="/admin/report-templates">"Report templates"</a></li>
                </Show>
            </ul>
        </nav>
    }
}

/// A page-level error, announced to screen readers. Rendered on the server, it also gives the page the
/// error's status (404 for an object that doesn't exist or lies outside the caller's portfolio, 422 for a
/// bad query parameter, ...), so a page's status never says 200 over an error.
#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    respond_with_status(error.status());
    let sign_in = matches!(error, AppError::Unauthenticated);
    view! {
        <div class="flash flash-error" role="alert">
            <p>{error.to_string()}</p>
            <Show when=move || sign_in>
                <p><a href="/login">"Sign in again"</a></p>
            </Show>
        </div>
    }
}

/// The message for one field, rendered next to it with an id the input points at (`aria-describedby`).
#[component]
pub fn FieldError(id: &'static str, field: &'static str, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    move || {
        errors.get().and_then(|e| e.get(field).map(str::to_string)).map(|message| {
            view! { <p class="field-error" id=id role="alert">{message}</p> }
        })
    }
}

/// An action's latest result as a plain signal.
pub fn result_of<S>(action: ServerAction<S>) -> Signal<Option<Result<S::Output, AppError>>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get())
}

/// The field errors out of an action's latest result.
pub fn field_errors_of<T: Clone + Send + Sync + 'static>(
    value: Signal<Option<Result<T, AppError>>>,
) -> Signal<Option<FieldErrors>> {
    Signal::derive(move || match value.get() {
        Some(Err(AppError::Validation(errors))) => Some(errors),
        _ => None,
    })
}

/// What a form checked in the browser before it is sent needs beside its fields: its node, the errors to
/// show next to the fields (the browser's check first, then the server's answer to `action`), and the submit
/// button's click handler that runs the check.
pub struct CheckedForm<F> {
    pub form: NodeRef<leptos::html::Form>,
    pub errors: Signal<Option<FieldErrors>>,
    pub on_click: F,
}

/// A [`CheckedForm`] for `action`, checked with `check` (the domain's rule for the form's values).
pub fn checked_form<S>(
    action: ServerAction<S>,
    check: impl Fn(&[(String, String)]) -> Result<(), FieldErrors> + Copy + 'static,
) -> CheckedForm<impl Fn(leptos::ev::MouseEvent) + Copy + 'static>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let local = RwSignal::new(None::<FieldErrors>);
    let form = NodeRef::<leptos::html::Form>::new();
    CheckedForm {
        form,
        errors: crate::forms::merged_errors(local, field_errors_of(result_of(action))),
        on_click: crate::forms::validate_on_click(form, local, check),
    }
}

/// A non-field error out of an action's latest result (field errors are shown next to their fields).
#[component]
pub fn ActionError<T: Clone + Send + Sync + 'static>(value: Signal<Option<Result<T, AppError>>>) -> impl IntoView {
    move || match value.get() {
        Some(Err(AppError::Validation(_))) => Some(
            view! { <p class="flash flash-error" role="alert">"Please correct the fields marked below."</p> }
                .into_any(),
        ),
        Some(Err(e)) => Some(view! { <ErrorMessage error=e /> }.into_any()),
        _ => None,
    }
}

/// Below this width (CSS pixels) filter panels start folded.
pub const FOLD_BELOW_PX: f64 = 640.0;

/// A filter panel that folds away on phones: rendered open (usable before the WASM arrives and on wide
/// screens), folded once hydrated on a screen narrower than [`FOLD_BELOW_PX`]; its summary opens it.
#[component]
pub fn FoldOnPhones(summary: &'static str, children: Children) -> impl IntoView {
    let details = NodeRef::<leptos::html::Details>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        if let Some(d) = details.get() {
            let narrow = window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < FOLD_BELOW_PX);
            if narrow {
                let _ = d.unchecked_ref::<web_sys::Element>().remove_attribute("open");
            }
        }
    });
    view! {
        <details class="fold" open node_ref=details>
            <summary>{summary}</summary>
            {children()}
        </details>
    }
}
