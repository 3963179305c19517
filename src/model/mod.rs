//! Plain serde types shared by the server and the browser.

pub mod event;
pub mod user;

pub use event::Event;
pub use user::{Role, User, UserFilter, UserStatus};
