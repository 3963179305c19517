//! The client portal: invitations that make client users, and the conversation between a client's people
//! and the agency.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{
    control_char_error, email_error, name_error, no_control_chars, password_change_errors, FieldErrors,
};

/// How long an invitation link works.
pub const INVITE_DAYS: i64 = 7;
/// The longest message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 5000;

/// An invitation as the client's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invite {
    pub id: Uuid,
    pub client_id: Uuid,
    pub email: String,
    pub name: String,
    pub invited_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub state: InviteState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Not used yet and not expired.
    Open,
    Accepted,
    Expired,
    Withdrawn,
}

impl InviteState {
    /// An invitation's state at `now` from its row: withdrawn and accepted are final; otherwise it is
    /// open until `expires_at` (exclusive).
    pub fn at(now: DateTime<Utc>, expires_at: DateTime<Utc>, accepted: bool, revoked: bool) -> InviteState {
        if revoked {
            InviteState::Withdrawn
        } else if accepted {
            InviteState::Accepted
        } else if now >= expires_at {
            InviteState::Expired
        } else {
            InviteState::Open
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InviteState::Open => "Waiting",
            InviteState::Accepted => "Accepted",
            InviteState::Expired => "Expired",
            InviteState::Withdrawn => "Withdrawn",
        }
    }
}

/// A new invitation and its link's token: shown once to whoever invited, never stored in clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInvite {
    pub invite: Invite,
    /// The path of the link: `/invite/{token}`.
    pub path: String,
}

/// Who to invite, as the client page's form sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InviteInput {
    pub email: String,
    pub name: String,
}

impl InviteInput {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        no_control_chars(self)?;
        let mut errors = FieldErrors::default();
        if let Some(e) = email_error(&self.email) {
            errors.add("email", e);
        }
        if let Some(e) = name_error(&self.name) {
            errors.add("name", e);
        }
        errors.into_result()
    }
}

/// What the invitation page shows before the password is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteView {
    pub email: String,
    pub name: String,
    pub company_name: String,
    pub agency_name: String,
    pub expires_at: DateTime<Utc>,
}

/// The invitation page's form: the person's name as they want it shown and their password, twice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AcceptInput {
    pub name: String,
    pub new_password: String,
    pub confirm_password: String,
}

impl AcceptInput {
    pub fn validate(&self, email: &str) -> Result<(), FieldErrors> {
        let mut errors = password_change_errors(&self.new_password, &self.confirm_password, email);
        if let Some(e) = control_char_error(&self.name).or_else(|| name_error(&self.name)) {
            errors.add("name", e);
        }
        errors.into_result()
    }
}

/// A client's portal user as the client's page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The portal section of a client's page: who has access and the invitations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PortalAccess {
    pub users: Vec<PortalUser>,
    pub invites: Vec<Invite>,
}

/// One message of a client's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: Uuid,
    pub client_id: Uuid,
    /// Written by the client's people (otherwise by the agency).
    pub from_client: bool,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A message as it is typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageInput {
    pub body: String,
}

impl MessageInput {
    /// The body, trimmed: 1 to [`MESSAGE_MAX_CHARS`] characters, no control characters but line breaks
    /// and tabs.
    pub fn validate(&self) -> Result<String, FieldErrors> {
        no_control_chars(self)?;
        let body = self.body.trim();
        let n = body.chars().count();
        if n == 0 {
            Err(FieldErrors::one("body", "write a message"))
        } else if n > MESSAGE_MAX_CHARS {
            Err(FieldErrors::one("body", format!("a message can be at most {MESSAGE_MAX_CHARS} characters ({n} now)")))
        } else {
            Ok(body.replace("\r\n", "\n"))
        }
    }
}

/// A client's conversation as the agency's inbox lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub client_id: Uuid,
    pub company_name: String,
    pub manager_name: Option<String>,
    pub latest: Message,
    /// The client's messages since the agency last answered.
    pub waiting: i64,
}

/// The reply draft of a client's latest unanswered message, from the client success manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Draft {
    /// Nothing to answer: the agency wrote last (or nobody wrote).
    None,
    /// The agent is at work on it.
    Pending {
        task_id: Uuid,
    },
    Ready {
        task_id: Uuid,
        output: crate::agents::client_success_manager::reply::Output,
    },
    /// The draft task failed: the manager writes the answer themselves.
    Failed {
        task_id: Uuid,
        error: String,
    },
}

/// A conversation with the client's context, for the agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    pub client_id: Uuid,
    pub company_name: String,
    pub website: String,
    pub stage: String,
    pub manager_name: Option<String>,
    pub health: Option<f64>,
    pub open_campaigns: i64,
    pub messages: Vec<Message>,
    pub draft: Draft,
}

/// A client user's own company as the portal's overview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalOverview {
    /// The last 30 days up to today, laid out as a report (health, issues, campaigns).
    pub report: crate::model::report::ClientReport,
    /// Completed audits, newest first (at most 12).
    pub audits: Vec<crate::agents::AuditSummary>,
    pub manager_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn an_invitation_is_open_until_it_expires_is_used_or_withdrawn() {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        let exp = t + Duration::days(INVITE_DAYS);
        assert_eq!(InviteState::at(t, exp, false, false), InviteState::Open);
        assert_eq!(InviteState::at(exp - Duration::seconds(1), exp, false, false), InviteState::Open);
        assert_eq!(InviteState::at(exp, exp, false, false), InviteState::Expired);
        assert_eq!(InviteState::at(t, exp, true, false), InviteState::Accepted);
        assert_eq!(InviteState::at(exp, exp, true, true), InviteState::Withdrawn);
    }

    #[test]
    fn forms_name_the_field_at_fault() {
        let e = InviteInput { email: "nope".into(), name: " ".into() }.validate().unwrap_err();
        assert!(e.get("email").is_some() && e.get("name").is_some());
        let e = AcceptInput { name: "Dana".into(), new_password: "short".into(), confirm_password: "short".into() }
            .validate("dana@client.test")
            .unwrap_err();
        assert!(e.get("new_password").is_some());
        let e = AcceptInput {
            name: "Dana".into(),
            new_password: "a-long-enough-password".into(),
            confirm_password: "another-long-password".into(),
        }
        .validate("dana@client.test")
        .unwrap_err();
        assert!(e.get("confirm_password").is_some());
        assert_eq!(
            MessageInput { body: "  \r\n ".into() }.validate().unwrap_err().get("body"),
            Some("write a message")
        );
        assert!(MessageInput { body: "x".repeat(MESSAGE_MAX_CHARS + 1) }.validate().is_err());
        assert!(MessageInput { body: "a\0b".into() }.validate().unwrap_err().get("body").is_some());
        assert_eq!(MessageInput { body: " Hi,\r\nthere ".into() }.validate().unwrap(), "Hi,\nthere");
    }
}
