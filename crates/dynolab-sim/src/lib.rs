//! `dynolab simulate` and `dynolab advise`: a workload run against a table design in virtual
//! time, with the partition, burst, adaptive, on-demand, GSI back-pressure and auto-scaling model
//! of `dynolab serve` (the dynolab-capacity crate, called with a virtual `now`), and an advisor
//! that finds what is wrong, writes the fixed design and proves it by simulating both.
//!
//! - [`workload`]: the workload file (entities, layouts, access patterns, rates).
//! - [`import`]: workloads from a `serve --record` log or CloudWatch / Contributor Insights exports.
//! - [`flows`]: patterns split into flows of identical requests with their capacity plans.
//! - [`sim`]: the one-second loop, auto scaling, the report and the bill.
//! - [`advise`]: findings, recommendations, the after design.
//! - [`render`]: the terminal summary and the HTML report, with [`numbers`] formatted for people.
//!
//! See docs/design/simulate.md.

pub mod advise;
pub mod flows;
pub mod import;
pub mod numbers;
pub mod render;
pub mod sim;
pub mod workload;

pub use sim::{SimOptions, SimReport, simulate};
pub use workload::Workload;
