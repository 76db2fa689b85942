//! Engine-boundary tests: requests as JSON, answers as JSON, no HTTP. Most behaviour is
//! tested here; one module per operation family.

mod capacity;
mod items;
mod lifecycle;
mod memory;
mod messages;
mod oracle;
mod partiql;
mod reads;
mod recovery;
mod rules;
mod start_keys;
mod streams;
mod support;
mod tables;
mod tags;
mod throttling;
mod transactions;
mod ttl;
mod worked_examples;
