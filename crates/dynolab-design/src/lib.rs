//! A DynamoDB table design: what `dynolab simulate` runs and `dynolab advise` rewrites.
//!
//! The design is the part of a table that decides how it partitions, throttles and bills: its
//! keys, capacity mode and throughput, auto scaling, indexes with their projections, TTL and
//! table class. It is read from Terraform HCL (`aws_dynamodb_table` with
//! `aws_appautoscaling_target` / `aws_appautoscaling_policy`), from a CreateTable request or
//! from `aws dynamodb describe-table` output, and written back as Terraform and as CreateTable
//! JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// DynamoDB's scalar key types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttrType {
    S,
    N,
    B,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttr {
    pub name: String,
    pub ty: AttrType,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Billing {
    /// Provisioned read and write capacity units (of the table, or of one GSI).
    Provisioned { read: u64, write: u64 },
    /// On-demand, with the optional `OnDemandThroughput` maxima.
    OnDemand {
        max_read: Option<u64>,
        max_write: Option<u64>,
    },
}

/// Target tracking on one dimension (read or write), as Application Auto Scaling applies it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingTarget {
    pub min: u64,
    pub max: u64,
    /// Target utilization in percent (AWS allows 20–90).
    pub target_percent: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AutoScaling {
    pub read: Option<ScalingTarget>,
    pub write: Option<ScalingTarget>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Projection {
    All,
    KeysOnly,
    Include(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gsi {
    pub name: String,
    pub partition_key: KeyAttr,
    pub sort_key: Option<KeyAttr>,
    pub projection: Projection,
    /// Provisioned throughput of the index; `None` when the table is on-demand.
    pub provisioned: Option<(u64, u64)>,
    pub autoscaling: Option<AutoScaling>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lsi {
    pub name: String,
    pub sort_key: KeyAttr,
    pub projection: Projection,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableClass {
    Standard,
    StandardInfrequentAccess,
}

impl TableClass {
    /// The name DynamoDB and the price file use.
    pub fn as_str(self) -> &'static str {
        match self {
            TableClass::Standard => "STANDARD",
            TableClass::StandardInfrequentAccess => "STANDARD_INFREQUENT_ACCESS",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableDesign {
    pub name: String,
    pub partition_key: KeyAttr,
    pub sort_key: Option<KeyAttr>,
    pub billing: Billing,
    pub autoscaling: Option<AutoScaling>,
    pub gsis: Vec<Gsi>,
    pub lsis: Vec<Lsi>,
    /// The TTL attribute, when TTL is enabled.
    pub ttl_attribute: Option<String>,
    pub table_class: TableClass,
    /// `StreamViewType` when a stream is enabled.
    pub stream_view_type: Option<String>,
    pub tags: BTreeMap<String, String>,
}
