//! Integration tests on real Postgres and Redis: every test has its own database.

mod auth;
mod binary;
mod common;
mod matrix;
mod platform;
mod users;
