use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One row of the events table: the activity feeds and the activity log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// The actor's email at read time, for display.
    pub actor_email: Option<String>,
    /// Dotted name such as `user.created`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub detail: serde_json::Value,
}

/// An event as the live stream (`/events`) sends it: the row and the client it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEvent {
    #[serde(flatten)]
    pub event: Event,
    pub client_id: Option<Uuid>,
}
