//! Outgoing email (report deliveries): SMTP through lettre when `SMTP_URL` is set, otherwise `.eml` files
//! written to an outbox folder, so the embedded default loses nothing and the files can be sent later.
//!
//! `SMTP_URL` takes lettre's form: `smtps://user:pass@host:465` (TLS from the first byte),
//! `smtp://user:pass@host:587?tls=required` (STARTTLS, refused without it),
//! `smtp://host:25?tls=opportunistic` or `smtp://host:25` (no TLS: local relays and test servers only).
//! Certificates are checked against the Mozilla roots (webpki-roots).

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{Address, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::model::delivery::EmailDraft;
use crate::DomainError;

/// How long one SMTP command may wait, and the longest a whole send may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
pub const SEND_TIMEOUT: Duration = Duration::from_secs(90);

/// Where mail goes.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// None: write to `outbox`.
    pub smtp_url: Option<String>,
    /// The sender's address; the agency's name is its display name.
    pub from: String,
    pub outbox: PathBuf,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

/// Sends messages one way or the other; cheap to clone (SMTP connections are pooled and shared).
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Address,
    outbox: PathBuf,
    /// The SMTP server's host, for messages (never the credentials).
    server: Option<String>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("server", &self.server).field("outbox", &self.outbox).finish()
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// Accepted by the SMTP server: its answer, e.g. "250 2.0.0 Ok: queued as 4F1C".
    Smtp { reply: String },
    /// Written to the outbox folder under this file name.
    Outbox { file: String },
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the message could not be written: {0}")]
    Build(String),
    #[error("the mail server {server} refused or failed: {message}")]
    Smtp { server: String, message: String },
    #[error("the mail server {server} did not answer within {} s", SEND_TIMEOUT.as_secs())]
    Timeout { server: String },
    #[error("the outbox folder {dir} could not be written: {message}")]
    Outbox { dir: String, message: String },
}

impl Mailer {
    /// Checks the settings (the URL's form, the sender's address) without connecting.
    pub fn new(settings: &MailSettings) -> Result<Mailer, DomainError> {
        let from: Address = settings
            .from
            .trim()
            .parse()
            .map_err(|e| DomainError::field("MAIL_FROM", format!("not an email address: {e}")))?;
        let (transport, server) = match settings.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let parsed = url::Url::parse(url).map_err(|e| DomainError::field("SMTP_URL", e.to_string()))?;
                let server = format!("{}:{}", parsed.host_str().unwrap_or("?"), parsed.port().unwrap_or(0));
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| DomainError::field("SMTP_URL", e.to_string()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                (Transport::Smtp(transport), Some(server))
            }
            None => (Transport::Outbox(AsyncFileTransport::<Tokio1Executor>::new(&settings.outbox)), None),
        };
        Ok(Mailer { transport, from, outbox: settings.outbox.clone(), server })
    }

    /// The outbox folder when no SMTP server is configured.
    pub fn outbox(&self) -> Option<&Path> {
        matches!(self.transport, Transport::Outbox(_)).then_some(self.outbox.as_path())
    }

    /// The message of `draft` with `pdf` attached, as it will be sent.
    pub fn message(&self, draft: &EmailDraft, pdf: Vec<u8>) -> Result<Message, MailError> {
        let from = Mailbox::new(Some(draft.from_name.clone()), self.from.clone());
        let mut builder = Message::builder().from(from).subject(draft.subject.clone());
        for to in &draft.recipients {
            let address: Address = to.parse().map_err(|e| MailError::Build(format!("recipient {to}: {e}")))?;
            builder = builder.to(Mailbox::new(None, address));
        }
        let pdf_type = ContentType::parse("application/pdf").map_err(|e| MailError::Build(e.to_string()))?;
        builder
            .multipart(
                MultiPart::mixed()
                    .multipart(MultiPart::alternative_plain_html(draft.text.clone(), draft.html()))
                    .singlepart(Attachment::new(draft.attachment_name.clone()).body(pdf, pdf_type)),
            )
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Sends `message`, within [`SEND_TIMEOUT`].
    pub async fn send(&self, message: Message) -> Result<Sent, MailError> {
        match &self.transport {
            Transport::Smtp(smtp) => {
                let server = self.server.clone().unwrap_or_default();
                match tokio::time::timeout(SEND_TIMEOUT, smtp.send(message)).await {
                    Err(_) => Err(MailError::Timeout { server }),
                    Ok(Err(e)) => Err(MailError::Smtp { server, message: e.to_string() }),
                    Ok(Ok(response)) => {
                        let text: Vec<&str> = response.message().collect();
                        Ok(Sent::Smtp { reply: format!("{} {}", response.code(), text.join(" ")).trim().to_string() })
                    }
                }
            }
            Transport::Outbox(files) => {
                let dir = self.outbox.display().to_string();
                tokio::fs::create_dir_all(&self.outbox)
                    .await
                    .map_err(|e| MailError::Outbox { dir: dir.clone(), message: e.to_string() })?;
                let id = files.send(message).await.map_err(|e| MailError::Outbox { dir, message: e.to_string() })?;
                Ok(Sent::Outbox { file: format!("{id}.eml") })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::delivery::{period_before, ReportCadence};

    fn draft() -> EmailDraft {
        EmailDraft {
            from_name: "Agency\u{201c}<x>".into(),
            recipients: vec!["a@example.com".into(), "b@example.org".into()],
            subject: "Report: Ünïcode, <b>\r\nBcc: evil@evil.test".into(),
            text: "Hello".into(),
            attachment_name: "acme-seo-report-2026-11.pdf".into(),
            period: period_before(ReportCadence::Monthly, chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            period_label: "November 2026".into(),
            report_url: "http://localhost/".into(),
        }
    }

    #[tokio::test]
    async fn without_smtp_the_message_is_written_to_the_outbox_with_its_attachment() {
        let dir = std::env::temp_dir().join(format!("aiseo-outbox-{}", uuid::Uuid::new_v4()));
        let settings = MailSettings { smtp_url: None, from: "reports@agency.test".into(), outbox: dir.clone() };
        let mailer = Mailer::new(&settings).unwrap();
        assert_eq!(mailer.outbox(), Some(dir.as_path()));
        let message = mailer.message(&draft(), b"%PDF-1.7 test".to_vec()).unwrap();
        let Sent::Outbox { file } = mailer.send(message).await.unwrap() else { panic!("not the outbox") };
        let eml = String::from_utf8(std::fs::read(dir.join(&file)).unwrap()).unwrap();
        assert!(eml.contains("To: a@example.com, b@example.org"), "{eml}");
        assert!(eml.contains("filename=\"acme-seo-report-2026-11.pdf\""), "{eml}");
        assert!(eml.contains("Content-Type: application/pdf"), "{eml}");
        // Non-ASCII is an encoded word, and a line break in the subject can't start a header of its own.
        assert!(eml.contains("Subject: Report: =?utf-8?b?"), "{eml}");
        assert!(!eml.lines().any(|l| l.starts_with("Bcc:")), "{eml}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn settings_are_checked_by_field() {
        let bad_from = MailSettings { smtp_url: None, from: "not an address".into(), outbox: "/tmp".into() };
        assert!(Mailer::new(&bad_from).unwrap_err().to_string().contains("MAIL_FROM"));
        let bad_url =
            MailSettings { smtp_url: Some("ftp://x".into()), from: "a@example.com".into(), outbox: "/tmp".into() };
        assert!(Mailer::new(&bad_url).unwrap_err().to_string().contains("SMTP_URL"));
        let good = MailSettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            from: "a@example.com".into(),
            outbox: "/tmp".into(),
        };
        assert_eq!(Mailer::new(&good).unwrap().outbox(), None);
    }
}
