//! dynolab-client against an in-process `dynolab serve` with throttling on, on a virtual clock
//! that the client's own backoff moves.

mod batch;
mod counter;
mod errors;
mod scatter;
mod sharding;
mod support;
