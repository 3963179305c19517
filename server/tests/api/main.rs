//! Integration tests on real Postgres and Redis: every test has its own database.

mod auth;
mod binary;
mod campaigns;
mod client_index;
mod clients;
mod common;
mod fixtures;
mod matrix;
mod platform;
mod tasks;
mod users;
