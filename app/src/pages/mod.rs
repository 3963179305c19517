//! The app's pages, one module per area of the console; the page for paths no route takes lives
//! here. Widgets two pages share live in [`crate::components`], never in a page.

pub mod account;
pub mod activity;
pub mod agents;
pub mod analytics;
pub mod campaigns;
pub mod clients;
pub mod dashboard;
pub mod deliveries;
pub mod login;
pub mod messages;
pub mod portal;
pub mod portfolio;
pub mod reports;
pub mod site_audit;
pub mod tasks;
pub mod users;
pub mod webhooks;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::respond_with_status;

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
