//! Plain serde types shared by the server and the browser.

pub mod analytics;
pub mod campaign;
pub mod client;
pub mod client_query;
pub mod country;
pub mod crawl;
pub mod dashboard;
pub mod delivery;
pub mod event;
pub mod paging;
pub mod portal;
pub mod portfolio;
pub mod report;
pub mod task;
pub mod token;
pub mod user;
pub mod webhook;

pub use campaign::{AgentId, Campaign, CampaignKind, CampaignStatus};
pub use client::{Client, Industry, Stage};
pub use event::Event;
pub use task::{Priority, Task, TaskOutput, TaskStatus, TaskSummary, TaskType};
pub use user::{Role, User, UserFilter, UserStatus};
