//! The app's pages, one module per area of the console; the dashboard and the page for paths no route takes
//! live here. Widgets two pages share live in [`crate::components`], never in a page.

pub mod account;
pub mod activity;
pub mod agents;
pub mod campaigns;
pub mod clients;
pub mod login;
pub mod portfolio;
pub mod site_audit;
pub mod tasks;
pub mod users;

use domain::model::Role;
use leptos::prelude::*;
use leptos_meta::Title;

use domain::policy::Action;

use crate::components::{respond_with_status, Authorized};

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

/// Shown with status 404 for a path no route takes.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    respond_with_status(404);
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p><a href="/">"Back to the dashboard"</a></p>
    }
}
