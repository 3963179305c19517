//! The reporting agent's report emails: a `report_delivery` task writes the client's report for the
//! delivery's period as a PDF, attaches it to the email and sends it (or writes it to the outbox), then
//! records what left. A failed send is a retryable failure of its own kind (`delivery`: the mail server's
//! outage doesn't count toward the reporting agent's circuit): the task engine tries again with backoff
//! ([`TaskType::max_attempts`](crate::model::task::TaskType::max_attempts) attempts), and the delivery shows
//! each attempt's error until it is sent or fails for good.
//!
//! A delivery is sent at most once: an attempt that finds it already sent (an earlier attempt sent it but
//! could not finish the task) reports the earlier send instead of sending again.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;

use super::error::TaskError;
use super::queue::{Claimed, ExtraEvent, LlmUsage};
use super::runner::Outcome;
use crate::mail::{Mailer, Sent};
use crate::model::delivery::{DeliveryOutput, DeliveryStatus, EmailDraft};
use crate::model::report::ClientReport;
use crate::model::task::TaskOutput;
use crate::policy::ClientScope;
use crate::store::deliveries::{self, SentRecord};

/// A PDF being written.
pub type PdfFuture = Pin<Box<dyn Future<Output = Result<Vec<u8>, String>> + Send>>;

/// Writes a report as a PDF (the `reports` crate, wired in by the server, which bounds how many run at once).
pub trait PdfWriter: Send + Sync {
    /// `logo` is the agency's logo and its media type.
    fn write(&self, report: ClientReport, logo: Option<(Vec<u8>, String)>) -> PdfFuture;
}

/// What report emails need: the way out, the PDF writer, and the server's public address for links.
#[derive(Clone)]
pub struct DeliverySettings {
    pub mailer: Mailer,
    pub pdf: Arc<dyn PdfWriter>,
    pub public_url: String,
}

/// The email of a delivery as it would be sent now (the "Preview" of a schedule).
pub async fn draft(
    pool: &PgPool,
    scope: ClientScope,
    client_id: uuid::Uuid,
    period: crate::model::report::ReportPeriod,
    template_id: Option<uuid::Uuid>,
    recipients: &[String],
    public_url: &str,
) -> Result<EmailDraft, crate::DomainError> {
    let report = crate::store::reports::client_report(pool, scope, client_id, period, template_id).await?;
    Ok(EmailDraft::of(&report, recipients, public_url))
}

/// Runs one report email task.
pub async fn run(pool: &PgPool, settings: &DeliverySettings, task: &Claimed) -> Result<Outcome, TaskError> {
    let id = task.params.delivery_id.ok_or_else(|| TaskError::input("the report email names no delivery"))?;
    let d = deliveries::to_send(pool, id).await?.ok_or_else(|| TaskError::input("the delivery no longer exists"))?;
    if d.sent {
        let earlier = deliveries::get(pool, ClientScope::All, id).await?;
        let output = DeliveryOutput {
            delivery_id: id,
            subject: earlier.subject.unwrap_or_default(),
            recipients: earlier.recipients,
            period_label: earlier.period_label,
            status: earlier.status,
            bytes: u64::try_from(earlier.bytes.unwrap_or(0)).unwrap_or(0),
            pdf_bytes: 0,
            smtp_reply: earlier.smtp_reply,
            outbox_file: earlier.outbox_file,
        };
        return Ok(outcome(output, Vec::new()));
    }
    let report =
        crate::store::reports::client_report(pool, ClientScope::All, d.client_id, d.period, d.template_id).await?;
    let logo = match report.agency.logo_type {
        Some(_) => crate::store::reports::logo(pool).await?,
        None => None,
    };
    let draft = EmailDraft::of(&report, &d.recipients, &settings.public_url);
    super::progress::touch();
    let pdf = settings.pdf.write(report, logo).await.map_err(|e| TaskError::Failed(e.into()))?;
    super::progress::touch();
    let pdf_bytes = pdf.len() as u64;
    let message = settings.mailer.message(&draft, pdf).map_err(|e| TaskError::input(e.to_string()))?;
    let bytes = message.formatted().len() as u64;
    let sent =
        settings.mailer.send(message).await.map_err(|e| TaskError::delivery("sending the report email failed", e))?;
    let (status, smtp_reply, outbox_file) = match sent {
        Sent::Smtp { reply } => (DeliveryStatus::Sent, Some(reply), None),
        Sent::Outbox { file } => (DeliveryStatus::Outbox, None, Some(file)),
    };
    let record = SentRecord {
        subject: &draft.subject,
        bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        smtp_reply: smtp_reply.as_deref(),
        outbox_file: outbox_file.as_deref(),
    };
    // The message has left: keep trying to record it for about 3 s (the database may be blipping), so a
    // retry of the task doesn't send it twice.
    let mut recorded = Err(crate::DomainError::Rule("not recorded".into()));
    for wait_ms in [0u64, 500, 1_000, 2_000] {
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        recorded = deliveries::mark_sent(pool, id, &record).await;
        match &recorded {
            Ok(()) => break,
            Err(e) => tracing::warn!(delivery = %id, error = %e, "recording a sent report email failed"),
        }
    }
    recorded?;
    metrics::counter!("report_emails_total", "via" => if outbox_file.is_some() { "outbox" } else { "smtp" })
        .increment(1);
    let event = ExtraEvent {
        action: "report.sent",
        client_id: Some(d.client_id),
        detail: json!({ "delivery_id": id, "period": draft.period_label, "recipients": d.recipients.len(),
                        "via": if outbox_file.is_some() { "outbox" } else { "smtp" }, "bytes": bytes }),
    };
    let output = DeliveryOutput {
        delivery_id: id,
        subject: draft.subject,
        recipients: d.recipients,
        period_label: draft.period_label,
        status,
        bytes,
        pdf_bytes,
        smtp_reply,
        outbox_file,
    };
    Ok(outcome(output, vec![event]))
}

fn outcome(output: DeliveryOutput, events: Vec<ExtraEvent>) -> Outcome {
    Outcome { output: TaskOutput::ReportDelivery(output), usage: LlmUsage::default(), follow_ups: Vec::new(), events }
}
