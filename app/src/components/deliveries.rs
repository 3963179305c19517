//! The table of report email deliveries (the client's page, its report emails page, the deliveries page).

use domain::model::delivery::{Delivery, DeliveryStatus};
use leptos::form::ActionForm;
use leptos::prelude::*;

use super::table::{Col, DataTable};
use crate::api::deliveries::ResendDelivery;
use crate::forms::grouped;

const WITH_CLIENT: &[Col] = &[
    Col::Text("Queued"),
    Col::Text("Client"),
    Col::Text("Period"),
    Col::Text("Trigger"),
    Col::Text("Recipients"),
    Col::Text("Status"),
    Col::Num("Size"),
    Col::Text("Server's answer or file"),
];
const WITHOUT_CLIENT: &[Col] = &[
    Col::Text("Queued"),
    Col::Text("Period"),
    Col::Text("Trigger"),
    Col::Text("Recipients"),
    Col::Text("Status"),
    Col::Num("Size"),
    Col::Text("Server's answer or file"),
];

/// Deliveries, newest first: what was sent to whom, its state (with the last attempt's error while it
/// retries or once it failed), size and the SMTP server's answer, or the outbox file.
#[component]
pub fn DeliveryTable(
    deliveries: Vec<Delivery>,
    caption: &'static str,
    with_client: bool,
    can_send: bool,
    #[prop(optional)] resend: Option<ServerAction<ResendDelivery>>,
) -> impl IntoView {
    let columns = if with_client { WITH_CLIENT } else { WITHOUT_CLIENT };
    view! {
        <DataTable caption=caption columns>
            {deliveries.into_iter().map(|d| {
                let status = match d.status {
                    DeliveryStatus::Retrying => format!("Retrying (attempt {} of {})", d.attempts, d.max_attempts),
                    DeliveryStatus::Failed => format!("Failed after {} attempt(s)", d.attempts),
                    s => s.label().to_string(),
                };
                let class = match d.status {
                    DeliveryStatus::Failed => "status-bad",
                    DeliveryStatus::Retrying | DeliveryStatus::Outbox => "status-warn",
                    DeliveryStatus::Sent => "status-good",
                    _ => "",
                };
                let answer = match (&d.smtp_reply, &d.outbox_file) {
                    (Some(reply), _) => view! { {reply.clone()} }.into_any(),
                    (None, Some(_)) => view! {
                        <a href=format!("/reports/deliveries/{}.eml", d.id) download="">"Download the .eml file"</a>
                    }.into_any(),
                    _ => view! { "—" }.into_any(),
                };
                let again = (can_send && d.status == DeliveryStatus::Failed).then_some(resend).flatten().map(|action| {
                    let id = d.id.to_string();
                    view! {
                        <ActionForm action>
                            <input type="hidden" name="delivery_id" value=id />
                            <button type="submit">"Send again"</button>
                        </ActionForm>
                    }
                });
                view! {
                    <tr>
                        <td><time datetime=d.created_at.to_rfc3339()>{d.created_at.format("%Y-%m-%d %H:%M").to_string()}</time></td>
                        {with_client.then(|| view! { <td><a href=format!("/clients/{}/report-emails", d.client_id)>{d.client_name.clone()}</a></td> })}
                        <td><a href=format!("/clients/{}/report?{}", d.client_id, d.period.query())>{d.period_label.clone()}</a></td>
                        <td>{d.trigger.label()}</td>
                        <td>{d.recipients.join(", ")}</td>
                        <td>
                            <span class=class>{status}</span>
                            {d.error.clone().map(|e| view! { <br /><small>{e}</small> })}
                            {again}
                        </td>
                        <td class="num">{d.bytes.map(|b| format!("{} KB", grouped((b + 1023) / 1024))).unwrap_or_else(|| "—".into())}</td>
                        <td>{answer}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}
