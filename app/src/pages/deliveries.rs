//! Report emails: a client's schedule, "send now" and "preview", and its deliveries
//! (`/clients/:id/report-emails`); every delivery in the caller's scope, failures and the outbox first to
//! notice (`/reports/deliveries`). Both follow the deliveries live while any is under way.

use domain::model::delivery::{weekday_name, Delivery, DeliveryStatus, EmailDraft, ReportCadence};
use domain::policy::Action;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::deliveries::{
    list_deliveries, load_client_deliveries, preview_report_email, ClientDeliveries, RemoveReportSchedule,
    ResendDelivery, SendReportNow, SetReportSchedule,
};
use crate::components::deliveries::DeliveryTable;
use crate::components::live::live_tick;
use crate::components::{field_errors_of, result_of, ActionError, Authorized, ErrorMessage};
use crate::forms::{SelectField, TextareaField};

/// Whether a delivery is still under way (the page follows it live).
fn under_way(d: &Delivery) -> bool {
    matches!(d.status, DeliveryStatus::Queued | DeliveryStatus::Sending | DeliveryStatus::Retrying)
}

/// The outbox warning: emails written to a folder are not sent.
#[component]
fn OutboxWarning(dir: String) -> impl IntoView {
    view! {
        <div class="notice warning" role="status">
            <p><strong>"No mail server is configured: report emails are not sent."</strong>
            " They are written as .eml files to the outbox folder " <code>{dir}</code>
            " on the server, and listed below as \u{201c}In the outbox\u{201d}. Set SMTP_URL to send them."</p>
        </div>
    }
}

#[component]
pub fn ClientReportEmailsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let set = ServerAction::<SetReportSchedule>::new();
    let remove = ServerAction::<RemoveReportSchedule>::new();
    let send = ServerAction::<SendReportNow>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let active = RwSignal::new(false);
    let tick = live_tick(active.into());
    // Reloaded after a schedule was saved (not after a refused one: the form keeps what was typed).
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(set.value().get(), Some(Ok(_))) {
            saved.update(|n| *n += 1);
        }
    });
    let page = Resource::new(
        move || (id(), saved.get(), remove.version().get(), send.version().get(), resend.version().get(), tick.get()),
        |(id, ..)| load_client_deliveries(id),
    );
    view! {
        <Authorized action=Action::ViewReports render=move |_| view! {
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <Title text="Report emails" /><h1>"Report emails"</h1><ErrorMessage error=e /> }.into_any(),
                        Ok(p) => {
                            active.set(p.deliveries.iter().any(under_way));
                            view! { <ClientEmails p set remove send resend /> }.into_any()
                        }
                    }
                })}
            </Transition>
        } />
    }
}

#[component]
fn ClientEmails(
    p: ClientDeliveries,
    set: ServerAction<SetReportSchedule>,
    remove: ServerAction<RemoveReportSchedule>,
    send: ServerAction<SendReportNow>,
    resend: ServerAction<ResendDelivery>,
) -> impl IntoView {
    let errors = field_errors_of(result_of(set));
    let send_errors = field_errors_of(result_of(send));
    let preview = RwSignal::new(None::<Result<EmailDraft, crate::AppError>>);
    let client_id = p.client_id.clone();
    let show_preview = {
        let id = client_id.clone();
        move |_| {
            let id = id.clone();
            leptos::task::spawn_local(async move { preview.set(Some(preview_report_email(id).await)) });
        }
    };
    let title = format!("Report emails: {}", p.client_name);
    let cadence = p.form.cadence.clone();
    let weekdays: Vec<(String, String)> = (1..=7).map(|d| (d.to_string(), weekday_name(d).to_string())).collect();
    let month_days: Vec<(String, String)> = (1..=28).map(|d| (d.to_string(), d.to_string())).collect();
    let hours: Vec<(String, String)> = (0..24).map(|h| (h.to_string(), format!("{h:02}:00 UTC"))).collect();
    let cadences: Vec<(String, String)> =
        ReportCadence::ALL.iter().map(|c| (c.as_str().to_string(), c.label().to_string())).collect();
    let mut templates: Vec<(String, String)> = vec![(String::new(), "The default template".into())];
    templates.extend(p.templates.iter().filter_map(|t| t.id.map(|id| (id.to_string(), t.name.clone()))));
    let weekly = cadence == "weekly";
    let (day_options, day_label) =
        if weekly { (weekdays, "Weekday (weekly)") } else { (month_days, "Day of the month (monthly, 1 to 28)") };
    let enabled = p.schedule.as_ref().is_none_or(|s| s.enabled);
    view! {
        <Title text=title.clone() />
        <p><a href=format!("/clients/{}", p.client_id)>{format!("\u{2190} {}", p.client_name)}</a></p>
        <h1>{title}</h1>
        {p.outbox.clone().map(|dir| view! { <OutboxWarning dir /> })}
        <section aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">"Schedule"</h2>
            <p>{match &p.schedule {
                Some(s) if s.enabled => format!(
                    "{} to {} recipient(s), with {}. Next send: {}. It reports the last whole {} before it.",
                    s.rule.describe(), s.rule.recipients.len(),
                    s.template_name.clone().unwrap_or_else(|| "the default template".into()),
                    s.next_run_at.format("%Y-%m-%d %H:%M UTC"),
                    if s.rule.cadence == ReportCadence::Weekly { "week" } else { "month" },
                ),
                Some(s) => format!("{} — paused: nothing is sent until it is enabled again.", s.rule.describe()),
                None => "No schedule: no report is emailed to this client.".to_string(),
            }}</p>
            {p.can_send.then(|| {
                let form = p.form.clone();
                let id = p.client_id.clone();
                let id_remove = p.client_id.clone();
                let has_schedule = p.schedule.is_some();
                view! {
                    <ActionError value=result_of(set) />
                    <ActionForm action=set>
                        <input type="hidden" name="client_id" value=id />
                        <SelectField label="How often" name="input[cadence]" field="cadence" options=cadences
                            selected=form.cadence.clone() errors />
                        <SelectField label=day_label name="input[day]" field="day" options=day_options
                            selected=form.day.clone() errors />
                        <SelectField label="Hour (UTC)" name="input[hour]" field="hour" options=hours
                            selected=form.hour.clone() errors />
                        <TextareaField label="Recipients (up to 10 addresses, one per line or separated by commas)"
                            name="input[recipients]" field="recipients" value=form.recipients.clone() errors />
                        <SelectField label="Report template" name="input[template]" field="template" options=templates
                            selected=form.template.clone() errors />
                        <div class="field checkbox">
                            <input id="f-enabled" type="checkbox" name="enabled" value="on" checked=enabled />
                            <label for="f-enabled">"Send on this schedule (untick to pause)"</label>
                        </div>
                        <p class="hint">"Changing how often reloads the day choices after saving."</p>
                        <button type="submit" class="primary" disabled=move || set.pending().get()>"Save schedule"</button>
                    </ActionForm>
                    {has_schedule.then(|| view! {
                        <ActionForm action=remove>
                            <input type="hidden" name="client_id" value=id_remove />
                            <button type="submit">"Remove the schedule"</button>
                        </ActionForm>
                    })}
                }
            })}
        </section>
        {p.schedule.is_some().then(|| {
            let id = client_id.clone();
            view! {
                <section aria-labelledby="send-heading">
                    <h2 id="send-heading">"Send now or preview"</h2>
                    <p>"Both use the schedule's recipients and template, for the last whole period of its cadence."</p>
                    <div class="inline-form">
                        <button type="button" on:click=show_preview.clone()>"Preview the email"</button>
                        {p.can_send.then(|| view! {
                            <ActionForm action=send>
                                <input type="hidden" name="client_id" value=id.clone() />
                                <button type="submit" class="primary" disabled=move || send.pending().get()>"Send now"</button>
                            </ActionForm>
                        })}
                    </div>
                    <ActionError value=result_of(send) />
                    {move || send_errors.get().and_then(|e| e.get("recipients").map(|m| m.to_string()))
                        .map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                    {move || send.value().get().and_then(|r| r.ok()).map(|_| view! {
                        <p role="status">"Queued: the delivery is listed below and updates as it goes."</p>
                    })}
                    {move || preview.get().map(|r| match r {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(d) => view! { <Preview d /> }.into_any(),
                    })}
                </section>
            }
        })}
        <section aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">"Deliveries"</h2>
            {if p.deliveries.is_empty() {
                view! { <p>"No report has been emailed to this client yet."</p> }.into_any()
            } else {
                view! { <DeliveryTable deliveries=p.deliveries caption="Report emails of this client" with_client=false
                    can_send=p.can_send resend /> }.into_any()
            }}
        </section>
    }
}

/// The email as it would be sent.
#[component]
fn Preview(d: EmailDraft) -> impl IntoView {
    view! {
        <article class="email-preview" aria-labelledby="preview-heading">
            <h3 id="preview-heading">"Preview"</h3>
            <dl class="facts">
                <dt>"From"</dt><dd>{d.from_name.clone()}</dd>
                <dt>"To"</dt><dd>{d.recipients.join(", ")}</dd>
                <dt>"Subject"</dt><dd>{d.subject.clone()}</dd>
                <dt>"Attachment"</dt><dd>{d.attachment_name.clone()}</dd>
                <dt>"Period"</dt><dd>{d.period_label.clone()}</dd>
            </dl>
            <pre class="email-body">{d.text.clone()}</pre>
            <p><a href=d.report_url.clone()>"Open the report this email carries"</a></p>
        </article>
    }
}

/// `/reports/deliveries`: every report email in the caller's scope, newest first; `?status=failed` and the
/// other statuses filter.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_default();
    let resend = ServerAction::<ResendDelivery>::new();
    let active = RwSignal::new(false);
    let tick = live_tick(active.into());
    let list = Resource::new(move || (status(), resend.version().get(), tick.get()), |(s, ..)| list_deliveries(s));
    let choices: Vec<(String, String)> = std::iter::once((String::new(), "Any status".to_string()))
        .chain(DeliveryStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())))
        .collect();
    view! {
        <Title text="Report emails" />
        <Authorized action=Action::ViewReports render=move |_| {
            let choices = choices.clone();
            view! {
            <h1>"Report emails"</h1>
            <form method="get" class="inline-form">
                <div class="field">
                    <label for="f-status">"Status"</label>
                    <select id="f-status" name="status">
                        {choices.iter().map(|(v, l)| {
                            let selected = *v == status();
                            view! { <option value=v.clone() selected=selected>{l.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit">"Show"</button>
            </form>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(o) => {
                            active.set(o.deliveries.iter().any(under_way));
                            let failed = o.deliveries.iter().filter(|d| d.status == DeliveryStatus::Failed).count();
                            view! {
                                {o.outbox.clone().map(|dir| view! { <OutboxWarning dir /> })}
                                {(failed > 0).then(|| view! {
                                    <p class="notice error" role="alert">{format!(
                                        "{failed} report email(s) below failed after every attempt; send them again once the cause is fixed."
                                    )}</p>
                                })}
                                {if o.deliveries.is_empty() {
                                    view! { <p>"No report emails match."</p> }.into_any()
                                } else {
                                    view! { <DeliveryTable deliveries=o.deliveries caption="Report emails" with_client=true
                                        can_send=o.can_send resend /> }.into_any()
                                }}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        }.into_any() } />
    }
}
