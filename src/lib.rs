//! Domain library of AI SEO Architects.
//!
//! With default features it holds the plain types, validation and the authorization policy, and compiles
//! for `wasm32` so the browser validates with the same rules as the server. The `server` feature adds the
//! Postgres store, password hashing and login throttling.

pub mod agents;
pub mod error;
pub mod markup;
pub mod model;
pub mod policy;
pub mod spreadsheet;

#[cfg(feature = "server")]
pub mod crawl;
#[cfg(feature = "server")]
pub mod demo;
pub mod validation;

#[cfg(feature = "server")]
pub mod llm;
#[cfg(feature = "server")]
pub mod mail;
#[cfg(feature = "server")]
pub mod password;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod tasks;
#[cfg(feature = "server")]
pub mod throttle;
#[cfg(feature = "server")]
pub mod webhooks;

pub use error::DomainError;
