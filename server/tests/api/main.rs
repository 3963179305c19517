//! Integration tests on real Postgres and Redis: every test has its own database.

mod analytics;
mod audit;
mod auth;
mod binary;
mod campaigns;
mod checks_site;
mod client_index;
mod clients;
mod common;
mod dashboard;
mod deliveries;
mod faults;
mod fixtures;
mod hardening;
mod hostile;
mod live;
#[path = "../../../tests/support/llm_standin.rs"]
mod llm_standin;
mod llm_tasks;
mod matrix;
mod numbers;
mod panics;
mod platform;
mod portal;
mod portfolio_scope;
mod reports;
mod rest;
mod scale_out;
mod site_audits;
mod tasks;
mod users;
mod webhooks;
