//! Webhook endpoints, their messages and attempts, as the admin pages show them, and the endpoint form's
//! rules. The signing and the delivery are the server's (`crate::webhooks`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use uuid::Uuid;

use crate::validation::{no_control_chars, FieldErrors};

/// The events an endpoint may subscribe to, with what each one says. One list: the admin form offers
/// these, subscriptions are checked against them, and the README prints them.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("client.created", "A client was added."),
    ("client.updated", "A client's details changed."),
    ("client.stage_changed", "A client moved to another pipeline stage."),
    ("client.assigned", "A client got another account manager."),
    ("client.deleted", "A client was deleted."),
    ("campaign.created", "A campaign was created."),
    ("campaign.updated", "A campaign's details changed."),
    ("campaign.status_changed", "A campaign was started, paused, resumed, completed or cancelled."),
    ("campaign.deleted", "A campaign was deleted."),
    ("task.completed", "An agent task completed."),
    ("task.failed", "An agent task failed for good (no retry left)."),
    ("task.cancelled", "An agent task was cancelled."),
    ("audit.completed", "A site audit completed, with its health and issue counts."),
    ("audit.regression", "A crawl comparison raised a regression alert."),
    ("message.received", "A client's person wrote to the agency from the portal."),
    ("message.sent", "The agency answered a client's message."),
    ("portal.invited", "A client's person was invited to the portal."),
    ("portal.joined", "A client's person accepted an invitation and can sign in to the portal."),
];

/// The event type of "send test event" messages: sent whatever the endpoint subscribes to.
pub const TEST_EVENT: &str = "webhook.test";

/// Whether `event` is in [`EVENT_TYPES`].
pub fn is_event_type(event: &str) -> bool {
    EVENT_TYPES.iter().any(|(e, _)| *e == event)
}

/// Longest endpoint URL accepted.
pub const URL_MAX: usize = 2_000;
/// Longest description accepted.
pub const DESCRIPTION_MAX: usize = 500;

/// An endpoint as admins see it; its secrets never leave the server after they are first shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub active: bool,
    /// Why the dispatcher switched the endpoint off (410 Gone, or every attempt failing for days).
    pub disabled_reason: Option<String>,
    /// Until when the secret before the last rotation still signs, when that is in the future.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// Since when every attempt has failed (None after a success).
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Messages waiting for an attempt (first or retry).
    pub pending: i64,
    /// When the last attempt was made, and its status code (None: no answer).
    pub last_attempt: Option<(DateTime<Utc>, Option<i32>)>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Delivered,
    /// Every attempt of the schedule failed.
    Failed,
}

impl MessageStatus {
    pub fn parse(s: &str) -> Option<MessageStatus> {
        match s {
            "pending" => Some(MessageStatus::Pending),
            "delivered" => Some(MessageStatus::Delivered),
            "failed" => Some(MessageStatus::Failed),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MessageStatus::Pending => "Pending",
            MessageStatus::Delivered => "Delivered",
            MessageStatus::Failed => "Failed",
        }
    }
}

/// One event (or test) to one endpoint, with its attempts so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt.
    pub msg_id: String,
    pub event_id: Option<i64>,
    pub event_type: String,
    pub status: MessageStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One try to deliver a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub id: i64,
    pub message_id: i64,
    pub msg_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    /// The first kilobyte of the answer's body.
    pub response: String,
}

/// An endpoint's page: the endpoint, its latest messages and attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointDetail {
    pub endpoint: Endpoint,
    pub messages: Vec<Message>,
    pub attempts: Vec<Attempt>,
}

/// The endpoint form as submitted (an unticked box sends nothing: every field has a default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub active: bool,
}

/// A checked endpoint form.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDraft {
    pub url: url::Url,
    pub description: String,
    pub event_types: Vec<String>,
    pub active: bool,
}

impl EndpointInput {
    /// Checks the form. `plain_http` allows `http://` (development only); `ip_allowed` says whether an
    /// IP-literal host may be reached (the crawler's outbound guard). A host name is checked again when it
    /// is resolved, before each delivery.
    pub fn validate(
        &self,
        plain_http: bool,
        ip_allowed: impl Fn(IpAddr) -> bool,
    ) -> Result<EndpointDraft, FieldErrors> {
        no_control_chars(self)?;
        let mut e = FieldErrors::default();
        let url = match url_error(self.url.trim(), plain_http, ip_allowed) {
            Ok(url) => Some(url),
            Err(message) => {
                e.add("url", message);
                None
            }
        };
        let description = self.description.trim().to_string();
        if description.chars().count() > DESCRIPTION_MAX {
            e.add("description", format!("must be at most {DESCRIPTION_MAX} characters"));
        }
        let mut event_types: Vec<String> = Vec::new();
        for t in &self.event_types {
            let t = t.trim();
            if !is_event_type(t) {
                e.add("event_types", format!("\u{201c}{t}\u{201d} is not an event type"));
            } else if !event_types.iter().any(|have| have == t) {
                event_types.push(t.to_string());
            }
        }
        if self.event_types.is_empty() {
            e.add("event_types", "choose at least one event");
        }
        e.into_result()?;
        // The catalogue's order, whatever order the form sent.
        event_types.sort_by_key(|t| EVENT_TYPES.iter().position(|(e, _)| e == t));
        Ok(EndpointDraft { url: url.expect("checked above"), description, event_types, active: self.active })
    }
}

fn url_error(text: &str, plain_http: bool, ip_allowed: impl Fn(IpAddr) -> bool) -> Result<url::Url, String> {
    if text.is_empty() {
        return Err("enter the endpoint's URL".into());
    }
    if text.len() > URL_MAX {
        return Err(format!("must be at most {URL_MAX} characters"));
    }
    let url = url::Url::parse(text).map_err(|_| "enter a full URL, starting with https://".to_string())?;
    match url.scheme() {
        "https" => {}
        "http" if plain_http => {}
        "http" => return Err("must start with https:// (plain http is allowed in development only)".into()),
        _ => return Err("must start with https://".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password; put credentials in the path or query".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a #fragment".into());
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => {
            return Err("must not point at this machine (localhost)".into())
        }
        Some(url::Host::Domain(_)) => None,
        None => return Err("must name a host".into()),
    };
    if let Some(ip) = ip {
        if !ip_allowed(ip) {
            return Err(format!("{ip} is a private, loopback or link-local address; webhooks go to public hosts only"));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str) -> EndpointInput {
        EndpointInput {
            url: url.into(),
            description: "CRM".into(),
            event_types: vec!["task.completed".into(), "client.created".into(), "task.completed".into()],
            active: true,
        }
    }

    #[test]
    fn a_good_form_keeps_catalogue_order_without_duplicates() {
        let d = input("https://hooks.example.com/in?k=1").validate(false, |_| false).expect("valid");
        assert_eq!(d.url.as_str(), "https://hooks.example.com/in?k=1");
        assert_eq!(d.event_types, vec!["client.created", "task.completed"]);
    }

    #[test]
    fn every_bad_url_is_refused_by_name() {
        for (url, says) in [
            ("", "enter the endpoint's URL"),
            ("hooks.example.com", "full URL"),
            ("http://hooks.example.com/", "https://"),
            ("ftp://hooks.example.com/", "https://"),
            ("https://user:pw@hooks.example.com/", "user name"),
            ("https://hooks.example.com/#x", "fragment"),
            ("https://localhost:9000/", "localhost"),
            ("https://127.0.0.1/", "private"),
            ("https://169.254.169.254/latest", "private"),
            ("https://[::1]/", "private"),
        ] {
            let errors = input(url).validate(false, |_| false).expect_err(url);
            let message = errors.get("url").unwrap_or_else(|| panic!("{url}: {errors}"));
            assert!(message.contains(says), "{url}: {message}");
        }
        assert!(input("http://hooks.example.com/").validate(true, |_| false).is_ok(), "development");
        let loopback = |ip: IpAddr| ip.is_loopback();
        assert!(input("http://127.0.0.1:9000/").validate(true, loopback).is_ok(), "allow-listed");
    }

    #[test]
    fn event_types_come_from_the_catalogue() {
        let mut i = input("https://hooks.example.com/");
        i.event_types = vec!["user.signed_in".into()];
        assert!(i.validate(false, |_| false).unwrap_err().get("event_types").unwrap().contains("user.signed_in"));
        i.event_types.clear();
        assert_eq!(i.validate(false, |_| false).unwrap_err().get("event_types"), Some("choose at least one event"));
        i.event_types = vec!["audit.completed".into()];
        i.description = "x".repeat(DESCRIPTION_MAX + 1);
        assert!(i.validate(false, |_| false).unwrap_err().get("description").is_some());
    }

    #[test]
    fn the_catalogue_has_no_duplicates_and_leaves_sign_ins_out() {
        assert!(is_event_type("task.completed") && is_event_type("audit.completed"));
        assert!(!is_event_type("user.signed_in"), "sign-ins are not offered");
        assert!(!is_event_type(TEST_EVENT), "tests are sent to every endpoint, not subscribed to");
        let mut names: Vec<&str> = EVENT_TYPES.iter().map(|(e, _)| *e).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENT_TYPES.len(), "no duplicates");
    }
}
