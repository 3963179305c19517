pub mod account;
pub mod activity;
pub mod agents;
pub mod campaigns;
pub mod clients;
pub mod crawl_outputs;
pub mod login;
pub mod portfolio;
pub mod site_audit;
pub mod task_output;
pub mod tasks;
pub mod users;

use domain::model::Role;
use leptos::prelude::*;
use leptos_meta::Title;

use domain::policy::Action;

use crate::components::Authorized;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <Authorized action=Action::ViewOwnAccount render=move |user| {
            let admin = user.role == Role::Admin;
            view! {
                <p>"Signed in as " {user.name.clone()} " (" {user.role.label()} ")."</p>
                <ul class="cards">
                    <li class="card">
                        <h2>"Your account"</h2>
                        <p>"Change your password."</p>
                        <a href="/account">"Go to your account"</a>
                    </li>
                    <Show when=move || admin>
                        <li class="card">
                            <h2>"Users"</h2>
                            <p>"Create users, change roles, deactivate accounts, reset passwords."</p>
                            <a href="/admin/users">"Manage users"</a>
                        </li>
                        <li class="card">
                            <h2>"Activity log"</h2>
                            <p>"Every sign-in and user-administration change."</p>
                            <a href="/admin/activity">"Open the activity log"</a>
                        </li>
                    </Show>
                </ul>
            }
        } />
    }
}

/// Shown with status 403 when a signed-in user opens a page their role doesn't allow.
#[component]
pub fn ForbiddenPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <Title text="Access denied" />
        <h1>"Access denied"</h1>
        <p>"Your role doesn't give access to this page. Ask an admin if you need it."</p>
        <p><a href="/">"Back to the dashboard"</a></p>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p><a href="/">"Back to the dashboard"</a></p>
    }
}
