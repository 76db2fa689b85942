//! Engine-boundary tests: requests as JSON, answers as JSON, no HTTP. Most behaviour is
//! tested here; one module per operation family.

mod capacity;
mod items;
mod reads;
mod recovery;
mod streams;
mod support;
mod tables;
mod throttling;
mod transactions;
mod worked_examples;
