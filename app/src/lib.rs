//! The Leptos application: pages, components and the server functions they call.
//!
//! Server functions are thin: find the caller, ask [`domain::policy`], call the domain crate, map errors
//! into [`AppError`]. Server-only code sits behind the `ssr` feature.

#![recursion_limit = "256"]

pub mod api;
pub mod charts;
pub mod components;
pub mod current_user;
pub mod error;
pub mod format;
pub mod forms;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub use error::AppError;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The server's security-headers middleware chose this request's CSP nonce; the hydration scripts carry it.
    #[cfg(feature = "ssr")]
    if let Some(nonce) =
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<state::CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // Draws the charts (see `charts`); tiny, and it loads ECharts only on pages with a chart.
                <script src="/charts.js" defer></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Every page's `<title>`: the page's text, then the product name. The one formatter of the app, so every
/// `<Title text=...>` of every page passes through it.
///
/// On the server the text is HTML-escaped: leptos_meta 0.8.7 writes the formatted title into the
/// server-rendered `<title>` raw, so a client named `</title><form ...>` would otherwise put live markup
/// into the page. In the browser leptos_meta sets `document.title`, which takes plain text, so it is not
/// escaped there (escaping would show `&lt;` in the tab).
pub fn title_text(text: String) -> String {
    let title = format!("{text} · AI SEO Architects");
    if cfg!(feature = "ssr") {
        domain::markup::escape_html(&title)
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = Resource::new_blocking(|| (), |_| api::get_me());
    provide_context(components::CurrentUserResource(me));
    components::live::provide_live_stream();

    // Marks the page as interactive once the WASM has hydrated it (tests wait for this).
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/ai-seo-architects.css" />
        <Title formatter=title_text />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <components::Header />
            <main id="main" tabindex="-1">
                // Async: every page is rendered whole on the server (header, user, data), so it is usable
                // before the WASM arrives and without JavaScript.
                <Routes fallback=|| view! { <pages::NotFoundPage /> }>
                    <Route path=path!("/login") ssr=SsrMode::Async view=pages::login::LoginPage />
                    <Route path=path!("/") ssr=SsrMode::Async view=pages::dashboard::DashboardPage />
                    <Route path=path!("/account") ssr=SsrMode::Async view=pages::account::AccountPage />
                    <Route path=path!("/admin/users") ssr=SsrMode::Async view=pages::users::UsersPage />
                    <Route path=path!("/admin/users/new") ssr=SsrMode::Async view=pages::users::NewUserPage />
                    <Route path=path!("/admin/users/:id") ssr=SsrMode::Async view=pages::users::UserPage />
                    <Route path=path!("/admin/activity") ssr=SsrMode::Async view=pages::activity::ActivityLogPage />
                    <Route path=path!("/admin/webhooks") ssr=SsrMode::Async view=pages::webhooks::WebhooksPage />
                    <Route path=path!("/admin/branding") ssr=SsrMode::Async view=pages::reports::BrandingPage />
                    <Route path=path!("/admin/report-templates") ssr=SsrMode::Async view=pages::reports::ReportTemplatesPage />
                    <Route path=path!("/admin/report-templates/:id") ssr=SsrMode::Async view=pages::reports::ReportTemplatePage />
                    <Route path=path!("/admin/webhooks/new") ssr=SsrMode::Async view=pages::webhooks::NewWebhookPage />
                    <Route path=path!("/admin/webhooks/:id") ssr=SsrMode::Async view=pages::webhooks::WebhookPage />
                    <Route path=path!("/clients") ssr=SsrMode::Async view=pages::clients::ClientsPage />
                    <Route path=path!("/clients/new") ssr=SsrMode::Async view=pages::clients::NewClientPage />
                    <Route path=path!("/clients/stats") ssr=SsrMode::Async view=pages::clients::ClientStatsPage />
                    <Route path=path!("/clients/:id") ssr=SsrMode::Async view=pages::clients::ClientPage />
                    <Route path=path!("/clients/:id/edit") ssr=SsrMode::Async view=pages::clients::EditClientPage />
                    <Route path=path!("/clients/:id/audits") ssr=SsrMode::Async view=pages::site_audit::ClientAuditsPage />
                    <Route path=path!("/clients/:id/report") ssr=SsrMode::Async view=pages::reports::ClientReportPage />
                    <Route path=path!("/clients/:id/report-emails") ssr=SsrMode::Async view=pages::deliveries::ClientReportEmailsPage />
                    <Route path=path!("/reports/deliveries") ssr=SsrMode::Async view=pages::deliveries::DeliveriesPage />
                    <Route path=path!("/clients/:id/audits/compare") ssr=SsrMode::Async view=pages::site_audit::CompareCrawlsPage />
                    <Route path=path!("/audits") ssr=SsrMode::Async view=pages::site_audit::SiteAuditsPage />
                    <Route path=path!("/audits/:id") ssr=SsrMode::Async view=pages::site_audit::CrawlPage />
                    <Route path=path!("/clients/:id/campaigns/new") ssr=SsrMode::Async view=pages::campaigns::NewCampaignPage />
                    <Route path=path!("/campaigns/:id") ssr=SsrMode::Async view=pages::campaigns::CampaignPage />
                    <Route path=path!("/campaigns/:id/edit") ssr=SsrMode::Async view=pages::campaigns::EditCampaignPage />
                    <Route path=path!("/tasks") ssr=SsrMode::Async view=pages::tasks::TasksPage />
                    <Route path=path!("/tasks/new") ssr=SsrMode::Async view=pages::tasks::NewTaskPage />
                    <Route path=path!("/tasks/:id") ssr=SsrMode::Async view=pages::tasks::TaskPage />
                    <Route path=path!("/agents") ssr=SsrMode::Async view=pages::agents::AgentsPage />
                    <Route path=path!("/analytics") ssr=SsrMode::Async view=pages::analytics::AnalyticsPage />
                    <Route path=path!("/portfolio") ssr=SsrMode::Async view=pages::portfolio::PortfolioPage />
                    <Route path=path!("/portal") ssr=SsrMode::Async view=pages::portal::PortalPage />
                    <Route path=path!("/portal/report") ssr=SsrMode::Async view=pages::portal::PortalReportPage />
                    <Route path=path!("/portal/messages") ssr=SsrMode::Async view=pages::portal::PortalMessagesPage />
                    <Route path=path!("/invite/:token") ssr=SsrMode::Async view=pages::portal::InvitePage />
                    <Route path=path!("/messages") ssr=SsrMode::Async view=pages::messages::InboxPage />
                    <Route path=path!("/messages/:id") ssr=SsrMode::Async view=pages::messages::ThreadPage />
                    <Route path=path!("/forbidden") ssr=SsrMode::Async view=components::ForbiddenPage />
                </Routes>
            </main>
        </Router>
    }
}
