//! Integration tests: the real `dynolab` binary, started as a process, driven over a real
//! socket by the official AWS SDK for Rust and by raw HTTP.
//!
//! Modules are named after what they cover; `support` starts servers and builds clients.

mod auth;
mod aws;
mod designs;
mod durability;
mod hardening;
mod history;
mod idempotency;
mod lifecycle;
mod memory;
mod messages;
mod protocol;
mod record;
mod sdk_items;
mod sdk_partiql;
mod single_table;
mod support;
mod tags;
mod throttling;
mod tidy;
mod ttl;
