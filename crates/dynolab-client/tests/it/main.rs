mod batch;
mod errors;
mod scatter;
mod sharding;
mod support;
