//! The client portal, for a client user's own company only: the overview (`/portal`: health and its trend,
//! audits, campaigns), the report (`/portal/report`, web and PDF), the conversation with the agency
//! (`/portal/messages`), and the invitation page that makes a client user (`/invite/:token`, public: the
//! link is the credential).

use domain::model::portal::Message;
use domain::policy::Action;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::portal::{
    get_invite, load_portal_overview, portal_messages, portal_report, AcceptInvite, SendPortalMessage,
};
use crate::charts::{Chart, Charted};
use crate::components::live::live_tick;
use crate::components::table::{Col, DataTable};
use crate::components::{field_errors_of, reload_to, result_of, ActionError, Authorized, ErrorMessage};
use crate::format::score;
use crate::forms::{empty_on_success, grouped, InputField, TextareaField};
use crate::pages::reports::{CampaignProgress, Chosen, PeriodForm, ReportView};

#[component]
pub fn PortalPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_portal_overview());
    view! {
        <Title text="Overview" />
        <Authorized action=Action::UsePortal render=move |_| view! {
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <h1>"Overview"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(Charted { data, charts }) => view! { <Overview o=data health_chart=charts.get("health") /> }.into_any(),
                    }
                })}
            </Suspense>
        } />
    }
}

#[component]
fn Overview(o: domain::model::portal::PortalOverview, health_chart: Option<String>) -> impl IntoView {
    let r = o.report;
    let h = r.health.clone();
    let accent = format!("border-top: 6px solid {}", r.agency.accent);
    view! {
        <Title text=format!("{}: overview", r.client_name) />
        <header class="report-cover" style=accent>
            {r.agency.logo_type.is_some().then(|| view! {
                <img class="report-logo" src="/branding/logo" alt=format!("{} logo", r.agency.name) />
            })}
            <p class="muted">{r.agency.name.clone()}</p>
            <h1>{r.client_name.clone()}</h1>
            <p class="muted">{format!("{} · the last 30 days, {} to {}", r.website, r.period.from, r.period.to)}</p>
            <p>{match &o.manager_name {
                Some(m) => format!("Your account manager: {m}."),
                None => "No account manager is assigned yet; messages reach the agency's team.".to_string(),
            }}</p>
            <p><a class="button" href="/portal/report">"Read the monthly report"</a>" "
               <a class="button" href="/portal/messages">"Write to your account manager"</a></p>
        </header>
        <section aria-labelledby="portal-health">
            <h2 id="portal-health">"Site health"</h2>
            {match &h.latest {
                None => view! { <p>"No site audit has finished yet."</p> }.into_any(),
                Some(latest) => view! {
                    <p>
                        {format!("{} / 100 in the latest audit ({})", score(latest.health), latest.finished_at.format("%Y-%m-%d"))}
                        {match (h.before.as_ref(), h.change) {
                            (Some(b), Some(c)) => format!("; {} 30 days ago: {}{} points.", score(b.health), if c > 0.0 { "+" } else { "" }, c),
                            _ => ".".to_string(),
                        }}
                    </p>
                }.into_any(),
            }}
            {health_chart.map(|option| view! {
                <Chart id="portal-health-chart" option=Some(option)
                    description="Line of the health score of each audit; the audits table below has the same numbers".to_string() />
            })}
        </section>
        // Without audits the health section has said so already.
        {(!o.audits.is_empty()).then(|| view! {
        <section aria-labelledby="portal-audits">
            <h2 id="portal-audits">"Site audits"</h2>

                    <DataTable caption="Completed site audits, newest first" columns=&[
                        Col::Text("Finished (UTC)"), Col::Num("Health"), Col::Num("Pages"), Col::Num("Critical issues"),
                        Col::Num("Warnings"), Col::Num("Notices"),
                    ]>
                        {o.audits.iter().map(|a| view! {
                            <tr>
                                <th scope="row">{a.finished_at.format("%Y-%m-%d %H:%M").to_string()}</th>
                                <td class="num">{score(a.health_score)}</td>
                                <td class="num">{grouped(i64::from(a.pages))}</td>
                                <td class="num">{grouped(i64::from(a.critical_issues))}</td>
                                <td class="num">{grouped(i64::from(a.warnings))}</td>
                                <td class="num">{grouped(i64::from(a.notices))}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
        </section>
        })}
        <section aria-labelledby="portal-campaigns">
            <h2 id="portal-campaigns">"Campaigns"</h2>
            {if r.campaigns.is_empty() {
                view! { <p>"No campaign yet."</p> }.into_any()
            } else {
                view! {
                    <CampaignProgress campaigns=r.campaigns.clone() links=false />
                    <p class="muted">"Progress = completed tasks ÷ tasks planned (not cancelled)."</p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn PortalReportPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let report =
        Resource::new(move || (q("period"), q("from"), q("to")), |(period, from, to)| portal_report(period, from, to));
    view! {
        <Title text="Report" />
        <Authorized action=Action::UsePortal render=move |_| view! {
            <Transition fallback=|| view! { <p>"Putting the report together…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Err(e) => {
                            let chosen = Chosen { period: q("period"), from: q("from"), to: q("to"), template: String::new() };
                            view! {
                                <h1>"Report"</h1>
                                <PeriodForm id=String::new() chosen templates=Vec::new() portal=true />
                                <ErrorMessage error=e />
                            }.into_any()
                        }
                        Ok(Charted { data, charts }) => view! {
                            <ReportView report=data health_chart=charts.get("health") templates=Vec::new()
                                template=String::new() portal=true />
                        }.into_any(),
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
pub fn PortalMessagesPage() -> impl IntoView {
    let send = ServerAction::<SendPortalMessage>::new();
    // The stream brings a client user their company's messages only: follow it always.
    let tick = live_tick(Signal::derive(|| true));
    let messages = Resource::new(move || (send.version().get(), tick.get()), |_| portal_messages());
    let errors = field_errors_of(result_of(send));
    let form = NodeRef::<leptos::html::Form>::new();
    empty_on_success(send, form);
    view! {
        <Title text="Messages" />
        <Authorized action=Action::UsePortal render=move |_| view! {
            <h1>"Messages"</h1>
            <p>"Write to your account manager; answers appear here, and you see the whole conversation."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) => view! { <Conversation messages=list agency_marked=true /> }.into_any(),
                    }
                })}
            </Transition>
            <section aria-labelledby="write-heading">
                <h2 id="write-heading">"New message"</h2>
                <ActionError value=result_of(send) />
                <ActionForm action=send node_ref=form>
                    <TextareaField label="Your message" name="input[body]" field="body" value="" errors />
                    <button type="submit" class="primary" disabled=move || send.pending().get()>"Send the message"</button>
                </ActionForm>
            </section>
        } />
    }
}

/// A conversation, oldest first, each message with its author's name. `agency_marked`: the reader is the
/// client, and the agency's messages say so.
#[component]
pub(crate) fn Conversation(messages: Vec<Message>, agency_marked: bool) -> impl IntoView {
    if messages.is_empty() {
        return view! { <p>"No messages yet."</p> }.into_any();
    }
    view! {
        <ol class="conversation" aria-label="Conversation">
            {messages.into_iter().map(|m| {
                let name = m.author_name.clone().unwrap_or_else(|| "A former user".to_string());
                let who = if agency_marked && !m.from_client { format!("{name} (your agency)") } else { name };
                let side = if m.from_client { "message from-client" } else { "message from-agency" };
                view! {
                    <li class=side>
                        <p class="message-meta"><strong>{who}</strong>" · "
                            <time datetime=m.created_at.to_rfc3339()>{m.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</time></p>
                        <p class="pre">{m.body}</p>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invite = Resource::new(token, get_invite);
    let accept = ServerAction::<AcceptInvite>::new();
    Effect::new(move |_| {
        if let Some(Ok(next)) = accept.value().get() {
            reload_to(&next);
        }
    });
    let errors = field_errors_of(result_of(accept));
    view! {
        <Title text="Your invitation" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match invite.await {
                    Err(e) => view! {
                        <h1>"Your invitation"</h1>
                        <ErrorMessage error=e />
                        <p><a href="/login">"Sign in"</a></p>
                    }.into_any(),
                    Ok(v) => {
                        view! {
                            <section class="login">
                                <h1>{format!("Join {}'s portal", v.company_name)}</h1>
                                <p>{format!("{} invites you to read {}'s SEO reports and write to your account manager.", v.agency_name, v.company_name)}</p>
                                <p>"You sign in as " <strong>{v.email.clone()}</strong>
                                   {format!(". This link works until {}.", v.expires_at.format("%Y-%m-%d %H:%M UTC"))}</p>
                                <ActionError value=result_of(accept) />
                                <ActionForm action=accept>
                                    <input type="hidden" name="token" value=token() />
                                    <input type="hidden" name="username" autocomplete="username" value=v.email.clone() />
                                    <InputField label="Your name" name="input[name]" field="name" value=v.name.clone() errors
                                        required=true autocomplete="name" />
                                    <InputField label="Password (at least 12 characters)" name="input[new_password]"
                                        field="new_password" value="" errors kind="password" required=true
                                        autocomplete="new-password" />
                                    <InputField label="The same password again" name="input[confirm_password]"
                                        field="confirm_password" value="" errors kind="password" required=true
                                        autocomplete="new-password" />
                                    <button type="submit" class="primary" disabled=move || accept.pending().get()>
                                        "Set my password and sign in"</button>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The client page's portal section (admins, and the client's account manager): who has access, the
/// invitations, and the invitation form. The new link is shown once, right after it was made. The form
/// stays outside the list's reloads, so a refused invitation keeps what was typed.
#[component]
pub(crate) fn PortalAccessSection(
    client_id: String,
    access: Resource<Result<domain::model::portal::PortalAccess, crate::AppError>>,
    invite: ServerAction<crate::api::portal::InviteToPortal>,
    withdraw: ServerAction<crate::api::portal::WithdrawInvite>,
    remove: ServerAction<crate::api::portal::RemovePortalUser>,
) -> impl IntoView {
    let errors = field_errors_of(result_of(invite));
    let form = NodeRef::<leptos::html::Form>::new();
    empty_on_success(invite, form);
    view! {
        <section aria-labelledby="portal-heading">
            <h2 id="portal-heading">"Client portal"</h2>
            <p>"People at this client can sign in to read their reports, audit summaries and campaign status, and write to their account manager. They see nothing else."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match access.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(a) => view! { <AccessTables a withdraw remove /> }.into_any(),
                    }
                })}
            </Transition>
            {move || match invite.value().get() {
                Some(Ok(new)) => Some(view! {
                    <div class="notice" role="status">
                        <p>{format!("Invitation made for {}. Send them this link; it works once, for 7 days, and is not shown again:", new.invite.email)}</p>
                        <label for="invite-link">"Invitation link"</label>
                        <input id="invite-link" type="text" readonly value=new.path.clone() />
                    </div>
                }),
                _ => None,
            }}
            <h3>"Invite someone"</h3>
            <ActionError value=result_of(invite) />
            <ActionForm action=invite node_ref=form>
                <input type="hidden" name="client_id" value=client_id />
                <InputField label="Their name" name="input[name]" field="name" value="" errors required=true />
                <InputField label="Their email" name="input[email]" field="email" value="" errors kind="email" required=true />
                <button type="submit" class="primary" disabled=move || invite.pending().get()>"Invite to the portal"</button>
            </ActionForm>
        </section>
    }
}

/// The portal users and the invitations of a client.
#[component]
fn AccessTables(
    a: domain::model::portal::PortalAccess,
    withdraw: ServerAction<crate::api::portal::WithdrawInvite>,
    remove: ServerAction<crate::api::portal::RemovePortalUser>,
) -> impl IntoView {
    use domain::model::portal::InviteState;
    view! {
        {if a.users.is_empty() {
            view! { <p>"Nobody from this client has portal access yet."</p> }.into_any()
        } else {
            view! {
                <DataTable caption="Portal users" caption_shown=true columns=&[
                    Col::Text("Name"), Col::Text("Email"), Col::Text("Last sign-in (UTC)"), Col::Text("Access"),
                ]>
                    {a.users.into_iter().map(|u| {
                        let label = format!("Remove {}'s access", u.name);
                        view! {
                            <tr>
                                <th scope="row">{u.name.clone()}</th>
                                <td>{u.email.clone()}</td>
                                <td>{u.last_login_at.map_or("Never".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())}</td>
                                <td>{if u.active {
                                    view! {
                                        <ActionForm action=remove>
                                            <input type="hidden" name="id" value=u.id.to_string() />
                                            <button type="submit" aria-label=label>"Remove access"</button>
                                        </ActionForm>
                                    }.into_any()
                                } else {
                                    "Removed".into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
        {(!a.invites.is_empty()).then(|| view! {
            <DataTable caption="Invitations" caption_shown=true columns=&[
                Col::Text("Email"), Col::Text("Invited by"), Col::Text("Sent (UTC)"), Col::Text("State"), Col::Text("Action"),
            ]>
                {a.invites.into_iter().map(|i| {
                    let label = format!("Withdraw the invitation to {}", i.email);
                    view! {
                        <tr>
                            <th scope="row">{i.email.clone()}</th>
                            <td>{i.invited_by.clone().unwrap_or_default()}</td>
                            <td>{i.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                            <td>{match i.state {
                                InviteState::Open => format!("Waiting until {}", i.expires_at.format("%Y-%m-%d %H:%M")),
                                s => s.label().to_string(),
                            }}</td>
                            <td>{(i.state == InviteState::Open).then(|| view! {
                                <ActionForm action=withdraw>
                                    <input type="hidden" name="id" value=i.id.to_string() />
                                    <button type="submit" aria-label=label>"Withdraw"</button>
                                </ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        })}
    }
}
