use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::Login;
use crate::components::{reload_to, result_of, ActionError};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    Effect::new(move |_| {
        if let Some(Ok(next)) = login.value().get() {
            reload_to(&next);
        }
    });
    view! {
        <Title text="Sign in" />
        <section class="login">
            <h1>"Sign in"</h1>
            <ActionError value=result_of(login) />
            <ActionForm action=login>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="login-email">"Email"</label>
                    <input id="login-email" type="email" name="email" autocomplete="username" required />
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required />
                </div>
                <button type="submit" class="primary" disabled=move || login.pending().get()>"Sign in"</button>
            </ActionForm>
        </section>
    }
}
