//! The task engine: a durable queue in Postgres ([`queue`]), workers that claim and run tasks
//! ([`worker`]), the runner that routes each task type to its agent ([`runner`]), one input loader per
//! agent ([`inputs`]), the admins' switch and the circuit of each agent ([`agent_settings`]), and the one
//! error a run ends with ([`error`]).

pub mod agent_settings;
pub mod audit;
pub mod delivery;
pub mod error;
pub mod inputs;
pub mod progress;
pub mod queue;
pub mod runner;
pub mod worker;
