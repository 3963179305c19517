//! The task engine: a durable queue in Postgres ([`queue`]), workers that claim and run tasks
//! ([`worker`]), and the runner that routes each task type to its agent and loads the agent's inputs
//! ([`runner`]).

pub mod audit;
pub mod crawl_agents;
pub mod progress;
pub mod queue;
pub mod runner;
pub mod worker;
