use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user may do is decided by their role (see [`crate::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    AccountManager,
    Staff,
    /// A person at one of the agency's clients: reads that company's portal, writes to its account manager.
    Client,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::AccountManager, Role::Staff, Role::Client];
    /// The agency's own roles: the ones an admin gives or changes (client users come by invitation).
    pub const AGENCY: [Role; 3] = [Role::Admin, Role::AccountManager, Role::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::AccountManager => "account_manager",
            Role::Staff => "staff",
            Role::Client => "client",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::AccountManager => "Account manager",
            Role::Staff => "Staff",
            Role::Client => "Client",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as the rest of the system sees it: never carries the password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The company a client user belongs to (None for the agency's roles).
    #[serde(default)]
    pub client_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    #[default]
    Any,
    Active,
    Inactive,
}

impl UserStatus {
    pub fn parse(s: &str) -> Option<UserStatus> {
        match s {
            "" | "any" => Some(UserStatus::Any),
            "active" => Some(UserStatus::Active),
            "inactive" => Some(UserStatus::Inactive),
            _ => None,
        }
    }
}

/// Filters of the admin's user list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub status: UserStatus,
}
