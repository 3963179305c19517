use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ChangeOwnPassword;
use domain::policy::Action;

use crate::api::tokens::{list_tokens, CreateToken, RevokeToken};
use crate::components::{field_errors_of, result_of, ActionError, Authorized, ErrorMessage, FieldError};
use crate::forms::InputField;
use domain::model::token::ApiToken;

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
        <ApiTokens />
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>, none: &str) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| none.to_string())
}

/// The caller's API tokens: make one (its secret shown once), see when each was last used, revoke.
#[component]
fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let errors = field_errors_of(result_of(create));
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    view! {
        <section aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="hint">"A token acts as you in the REST API ("<code>"/api/v1"</code>"), with your role and portfolio: "
                "send it as "<code>"Authorization: Bearer aiseo_…"</code>". It stops when you revoke it, when it "
                "expires, or when your account is deactivated."</p>
            <ActionError value=result_of(create) />
            {move || match create.value().get() {
                Some(Ok(made)) => Some(view! {
                    <div class="flash flash-ok" role="status">
                        <p>"Token \u{201c}" {made.token.name.clone()} "\u{201d} made. Copy it now: it is not shown again."</p>
                        <p><output aria-label="New API token"><code>{made.secret.clone()}</code></output></p>
                    </div>
                }),
                _ => None,
            }}
            <ActionForm action=create>
                <div class="inline-form">
                    <InputField label="Token name" name="input[name]" field="name" value="" errors required=true />
                    <InputField label="Expires in (days)" name="input[expires_in_days]" field="expires_in_days" value=""
                        errors inputmode="numeric" hint="Optional: whole days from 1 to 730; empty means it never expires" />
                    <button type="submit" disabled=move || create.pending().get()>"Make token"</button>
                </div>
            </ActionForm>
            <ActionError value=result_of(revoke) />
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! { <TokenTable tokens=list revoke /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokenTable(tokens: Vec<ApiToken>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let now = chrono::Utc::now();
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Your API tokens"</caption>
                <thead><tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Starts with"</th>
                    <th scope="col">"Made (UTC)"</th>
                    <th scope="col">"Last used (UTC)"</th>
                    <th scope="col">"Expires (UTC)"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        let status = match (t.revoked_at, t.usable(now)) {
                            (Some(_), _) => "Revoked",
                            (None, false) => "Expired",
                            (None, true) => "Active",
                        };
                        let label = format!("Revoke {}", t.name);
                        let id = t.id.to_string();
                        let active = t.revoked_at.is_none();
                        view! {
                            <tr>
                                <td>{t.name.clone()}</td>
                                <td><code>{t.prefix.clone()} "…"</code></td>
                                <td>{when(Some(t.created_at), "")}</td>
                                <td>{when(t.last_used_at, "never")}</td>
                                <td>{when(t.expires_at, "never")}</td>
                                <td>{status}</td>
                                <td>
                                    {active.then(|| view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit" class="link-button" aria-label=label>"Revoke"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
