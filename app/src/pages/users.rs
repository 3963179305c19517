//! Admin pages: the user list, creating a user, one user's page.

use domain::model::{Role, User};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{get_user, list_users, ChangeUserRole, CreateUser, DeactivateUser, ReactivateUser, ResetUserPassword};
use crate::components::{field_errors_of, result_of, ActionError, Authorized, ErrorMessage, FieldError};
use domain::policy::Action;

fn status_label(user: &User) -> &'static str {
    if user.active {
        "Active"
    } else {
        "Inactive"
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let role = move || query.read().get("role").unwrap_or_default();
    let status = move || query.read().get("status").unwrap_or_default();
    let users = Resource::new(move || (role(), status()), |(role, status)| list_users(role, status));
    view! {
        <Title text="Users" />
        <Authorized action=Action::ListUsers render=move |_| view! {
            <div class="page-head">
                <h1>"Users"</h1>
                <a class="button primary" href="/admin/users/new">"New user"</a>
            </div>
            <Form method="GET" action="">
                <div class="filters">
                    <div class="field">
                        <label for="filter-role">"Role"</label>
                        <select id="filter-role" name="role">
                            <option value="" selected=move || role().is_empty()>"All roles"</option>
                            {Role::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=move || role() == r.as_str()>{r.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-status">"Status"</label>
                        <select id="filter-status" name="status">
                            <option value="" selected=move || status().is_empty()>"Any status"</option>
                            <option value="active" selected=move || status() == "active">"Active"</option>
                            <option value="inactive" selected=move || status() == "inactive">"Inactive"</option>
                        </select>
                    </div>
                    <button type="submit">"Filter"</button>
                </div>
            </Form>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(users) if users.is_empty() => view! { <p>"No user matches these filters."</p> }.into_any(),
                        Ok(users) => view! { <UserTable users /> }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn UserTable(users: Vec<User>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <caption class="visually-hidden">"Users"</caption>
                <thead><tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Last sign-in (UTC)"</th>
                </tr></thead>
                <tbody>
                    {users.into_iter().map(|u| {
                        let href = format!("/admin/users/{}", u.id);
                        let status = status_label(&u);
                        view! {
                            <tr>
                                <td><a href=href>{u.name}</a></td>
                                <td>{u.email}</td>
                                <td>{u.role.label()}</td>
                                <td>{status}</td>
                                <td>{u.last_login_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn NewUserPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let errors = field_errors_of(result_of(create));
    let invalid = move |field: &'static str| move || errors.get().is_some_and(|e| e.get(field).is_some()).to_string();
    view! {
        <Title text="New user" />
        <Authorized action=Action::CreateUser render=move |_| view! {
            <h1>"New user"</h1>
            <ActionError value=result_of(create) />
            {move || match create.value().get() {
                Some(Ok(created)) => Some(view! {
                    <div class="flash flash-ok" role="status">
                        <p>"User created: " {created.user.name.clone()} " (" {created.user.email.clone()} ")."</p>
                        {created.generated_password.clone().map(|p| view! {
                            <p>"Generated password (shown once, pass it on safely): "
                                <output aria-label="Generated password">{p}</output></p>
                        })}
                        <p><a href=format!("/admin/users/{}", created.user.id)>"Open " {created.user.name.clone()} "'s page"</a></p>
                    </div>
                }),
                _ => None,
            }}
            <ActionForm action=create>
                <div class="field">
                    <label for="new-email">"Email"</label>
                    <input id="new-email" type="email" name="email" required autocomplete="off"
                        aria-describedby="new-email-error" aria-invalid=invalid("email") />
                    <FieldError id="new-email-error" field="email" errors />
                </div>
                <div class="field">
                    <label for="new-name">"Name"</label>
                    <input id="new-name" type="text" name="name" required maxlength="100" autocomplete="off"
                        aria-describedby="new-name-error" aria-invalid=invalid("name") />
                    <FieldError id="new-name-error" field="name" errors />
                </div>
                <div class="field">
                    <label for="new-role">"Role"</label>
                    <select id="new-role" name="role" aria-describedby="new-role-error">
                        {Role::AGENCY.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == Role::Staff>{r.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError id="new-role-error" field="role" errors />
                </div>
                <div class="field">
                    <label for="new-password">"Initial password"</label>
                    <input id="new-password" type="password" name="password" autocomplete="new-password"
                        aria-describedby="new-password-hint new-password-error" aria-invalid=invalid("password") />
                    <p class="hint" id="new-password-hint">"Optional: leave empty to generate one. At least 12 characters."</p>
                    <FieldError id="new-password-error" field="password" errors />
                </div>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create user"</button>
            </ActionForm>
        } />
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let change_role = ServerAction::<ChangeUserRole>::new();
    let deactivate = ServerAction::<DeactivateUser>::new();
    let reactivate = ServerAction::<ReactivateUser>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let user = Resource::new(
        move || (id(), change_role.version().get(), deactivate.version().get(), reactivate.version().get()),
        |(id, ..)| get_user(id),
    );
    let reset_errors = field_errors_of(result_of(reset));
    view! {
        <Authorized action=Action::ListUsers render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Err(e) => view! { <h1>"User"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(u) => {
                            let uid = u.id.to_string();
                            let (uid_role, uid_access, uid_reset) = (uid.clone(), uid.clone(), uid);
                            let current_role = u.role;
                            view! {
                                <Title text=u.name.clone() />
                                <h1>{u.name.clone()}</h1>
                                <dl class="facts">
                                    <dt>"Email"</dt><dd>{u.email.clone()}</dd>
                                    <dt>"Role"</dt><dd>{u.role.label()}</dd>
                                    <dt>"Status"</dt><dd>{status_label(&u)}</dd>
                                    <dt>"Created (UTC)"</dt><dd>{u.created_at.format("%Y-%m-%d %H:%M").to_string()}</dd>
                                </dl>
                                {(current_role == Role::Client).then(|| view! {
                                    <p>{match u.client_id {
                                        Some(c) => view! {
                                            "A person at one of the agency's clients, with portal access to "
                                            <a href=format!("/clients/{c}")>"their company"</a>
                                            " only. Their role can't change; invite agency staff as new users."
                                        }.into_any(),
                                        None => "A client user whose company was deleted: they can reach nothing.".into_any(),
                                    }}</p>
                                })}
                                <section aria-labelledby="role-heading" hidden=current_role == Role::Client>
                                    <h2 id="role-heading">"Role"</h2>
                                    <ActionError value=result_of(change_role) />
                                    <ActionForm action=change_role>
                                        <input type="hidden" name="id" value=uid_role />
                                        <div class="inline-form">
                                            <div class="field">
                                                <label for="user-role">"Role"</label>
                                                <select id="user-role" name="role">
                                                    {Role::AGENCY.into_iter().map(|r| view! {
                                                        <option value=r.as_str() selected=r == current_role>{r.label()}</option>
                                                    }).collect_view()}
                                                </select>
                                            </div>
                                            <button type="submit">"Change role"</button>
                                        </div>
                                    </ActionForm>
                                </section>
                                <section aria-labelledby="access-heading">
                                    <h2 id="access-heading">"Access"</h2>
                                    <ActionError value=result_of(deactivate) />
                                    <ActionError value=result_of(reactivate) />
                                    {if u.active {
                                        view! {
                                            <ActionForm action=deactivate>
                                                <input type="hidden" name="id" value=uid_access.clone() />
                                                <p class="hint">"Deactivating signs the user out at their next request."</p>
                                                <button type="submit" class="danger">"Deactivate user"</button>
                                            </ActionForm>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=reactivate>
                                                <input type="hidden" name="id" value=uid_access />
                                                <button type="submit">"Reactivate user"</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}
                                </section>
                                <section aria-labelledby="reset-heading">
                                    <h2 id="reset-heading">"Reset password"</h2>
                                    <ActionError value=result_of(reset) />
                                    {move || match reset.value().get() {
                                        Some(Ok(generated)) => Some(view! {
                                            <div class="flash flash-ok" role="status">
                                                <p>"Password reset. The user's sessions have ended."</p>
                                                {generated.map(|p| view! {
                                                    <p>"Generated password (shown once): "
                                                        <output aria-label="Generated password">{p}</output></p>
                                                })}
                                            </div>
                                        }),
                                        _ => None,
                                    }}
                                    <ActionForm action=reset>
                                        <input type="hidden" name="id" value=uid_reset />
                                        <div class="field">
                                            <label for="reset-password">"New password"</label>
                                            <input id="reset-password" type="password" name="password" autocomplete="new-password"
                                                aria-describedby="reset-password-hint reset-password-error" />
                                            <p class="hint" id="reset-password-hint">"Optional: leave empty to generate one."</p>
                                            <FieldError id="reset-password-error" field="password" errors=reset_errors />
                                        </div>
                                        <button type="submit">"Reset password"</button>
                                    </ActionForm>
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        } />
    }
}
