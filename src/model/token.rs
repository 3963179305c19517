//! Personal API tokens as their owner sees them, and the form that makes one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{no_control_chars, FieldErrors};

/// Longest token name.
pub const NAME_MAX: usize = 100;
/// Longest expiry a token may be given, in days (a token may also have none). The account page's hint
/// says 730.
pub const EXPIRY_MAX_DAYS: i64 = 730;

/// A token, without the secret (shown once, when made).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Whether the token still works at `now` (its user's state aside).
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// The new-token form: a name, and days until it expires (empty: never).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenInput {
    pub name: String,
    pub expires_in_days: String,
}

/// A checked new-token form.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenDraft {
    pub name: String,
    pub expires_in_days: Option<i64>,
}

impl TokenInput {
    pub fn validate(&self) -> Result<TokenDraft, FieldErrors> {
        no_control_chars(self)?;
        let mut e = FieldErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.add("name", "enter a name that says what the token is for");
        } else if name.chars().count() > NAME_MAX {
            e.add("name", format!("must be at most {NAME_MAX} characters"));
        }
        let days = self.expires_in_days.trim();
        let expires_in_days = if days.is_empty() {
            None
        } else {
            match days.parse::<i64>() {
                Ok(d) if (1..=EXPIRY_MAX_DAYS).contains(&d) => Some(d),
                _ => {
                    e.add(
                        "expires_in_days",
                        format!("enter whole days from 1 to {EXPIRY_MAX_DAYS}, or leave it empty"),
                    );
                    None
                }
            }
        };
        e.into_result()?;
        Ok(TokenDraft { name, expires_in_days })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_expiries_are_checked_by_field() {
        let ok = TokenInput { name: " CRM sync ".into(), expires_in_days: "90".into() }.validate().expect("valid");
        assert_eq!(ok, TokenDraft { name: "CRM sync".into(), expires_in_days: Some(90) });
        let never = TokenInput { name: "BI".into(), expires_in_days: "".into() }.validate().expect("valid");
        assert_eq!(never.expires_in_days, None);
        for days in ["0", "731", "-1", "9223372036854775807", "99999999999999999999", "1.5", "soon"] {
            let e = TokenInput { name: "x".into(), expires_in_days: days.into() }.validate().expect_err(days);
            assert!(e.get("expires_in_days").is_some(), "{days}");
        }
        let e = TokenInput { name: "  ".into(), expires_in_days: "".into() }.validate().unwrap_err();
        assert_eq!(e.get("name"), Some("enter a name that says what the token is for"));
        let e = TokenInput { name: "a\0b".into(), expires_in_days: "".into() }.validate().unwrap_err();
        assert!(e.get("name").is_some());
    }

    #[test]
    fn a_token_is_usable_until_revoked_or_expired() {
        let now = Utc::now();
        let t = ApiToken {
            id: Uuid::nil(),
            name: "t".into(),
            prefix: "aiseo_abcd".into(),
            created_at: now,
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
        };
        assert!(t.usable(now));
        assert!(!ApiToken { expires_at: Some(now), ..t.clone() }.usable(now), "expiry is exclusive");
        assert!(ApiToken { expires_at: Some(now + chrono::Duration::seconds(1)), ..t.clone() }.usable(now));
        assert!(!ApiToken { revoked_at: Some(now), ..t }.usable(now));
    }
}
