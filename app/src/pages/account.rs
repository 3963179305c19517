use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ChangeOwnPassword;
use domain::policy::Action;

use crate::components::{field_errors_of, result_of, ActionError, Authorized, FieldError};

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangeOwnPassword>::new();
    let errors = field_errors_of(result_of(change));
    let invalid = move |field: &'static str| move || errors.get().is_some_and(|e| e.get(field).is_some()).to_string();
    view! {
        <Title text="Your account" />
        <h1>"Your account"</h1>
        <Authorized action=Action::ChangeOwnPassword render=|u| view! {
            <dl class="facts">
                <dt>"Name"</dt><dd>{u.name.clone()}</dd>
                <dt>"Email"</dt><dd>{u.email.clone()}</dd>
                <dt>"Role"</dt><dd>{u.role.label()}</dd>
            </dl>
        } />
        <h2>"Change password"</h2>
        <ActionError value=result_of(change) />
        {move || matches!(change.value().get(), Some(Ok(()))).then(|| view! {
            <p class="flash flash-ok" role="status">"Password changed. Your other sessions have been signed out."</p>
        })}
        <ActionForm action=change>
            <div class="field">
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" name="current_password" autocomplete="current-password"
                    required aria-describedby="current-password-error" aria-invalid=invalid("current_password") />
                <FieldError id="current-password-error" field="current_password" errors />
            </div>
            <div class="field">
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" name="new_password" autocomplete="new-password"
                    required minlength="12" aria-describedby="new-password-hint new-password-error"
                    aria-invalid=invalid("new_password") />
                <p class="hint" id="new-password-hint">"At least 12 characters, not your email address."</p>
                <FieldError id="new-password-error" field="new_password" errors />
            </div>
            <div class="field">
                <label for="confirm-password">"Confirm new password"</label>
                <input id="confirm-password" type="password" name="confirm_password" autocomplete="new-password"
                    required aria-describedby="confirm-password-error" aria-invalid=invalid("confirm_password") />
                <FieldError id="confirm-password-error" field="confirm_password" errors />
            </div>
            <button type="submit" class="primary">"Change password"</button>
        </ActionForm>
    }
}
