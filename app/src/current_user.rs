//! The signed-in user as the browser sees them. One definition for the three places that hold it: the
//! server's request state (`state::Caller`), the server functions (`api::get_me`, the policy gate) and the
//! components that show who is signed in.

use domain::model::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in user as the browser sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// A client user's company (None for the agency's roles).
    #[serde(default)]
    pub client_id: Option<Uuid>,
}

impl CurrentUser {
    /// The caller as the policy sees them.
    pub fn actor(&self) -> domain::policy::Actor {
        domain::policy::Actor { user_id: self.id, role: self.role, client_id: self.client_id }
    }
}
