//! A DynamoDB table design: what `dynolab simulate` runs and `dynolab advise` rewrites.
//!
//! The design is the part of a table that decides how it partitions, throttles and bills: its
//! keys, capacity mode and throughput, auto scaling, indexes with their projections, TTL and
//! table class. [`TableDesign::load`] picks the reader from the file extension (a directory is a
//! Terraform module); [`TableDesign::load_with`] also takes [`Inputs`] (Terraform variables,
//! CloudFormation parameters) and says in which form ([`Origin`]) each table was declared, so
//! that [`Loaded::write_after`] writes a changed design in that form.
//!
//! Besides the plain forms below: calls of the community module
//! `terraform-aws-modules/dynamodb-table/aws` (`tf_module`), `dynamic` blocks, Terraform's
//! functions and one-instance `count` / `for_each` (`hcl_eval`), and CloudFormation / SAM / CDK /
//! serverless.yml templates (`cloudformation`). The README's "Designs" section lists every
//! construct read and every one that is an error (with its file and line).
//!
//! # Terraform (`.tf`, [`TableDesign::from_terraform`])
//!
//! Every `resource "aws_dynamodb_table"` in the file becomes one design. Read: `name`,
//! `billing_mode` (`PROVISIONED`, the default, or `PAY_PER_REQUEST`), `read_capacity` /
//! `write_capacity`, `hash_key` / `range_key` (or `key_schema` blocks), `attribute { name type }`,
//! `global_secondary_index` (`name`, `hash_key`, `range_key`, `projection_type`,
//! `non_key_attributes`, `read_capacity`, `write_capacity`, or the AWS provider 6.x
//! `key_schema { attribute_name key_type }` blocks, of which the first HASH and the first
//! RANGE attribute are kept), `local_secondary_index`, `ttl { attribute_name enabled }`,
//! `table_class`, `stream_enabled` / `stream_view_type`, `tags`, and
//! `on_demand_throughput { max_read_request_units max_write_request_units }` (-1: no maximum).
//! Other table arguments (`point_in_time_recovery`, `server_side_encryption`, `lifecycle`,
//! `deletion_protection_enabled`, `replica`, ...) do not change the design and are ignored.
//!
//! Auto scaling comes from `aws_appautoscaling_target` (`service_namespace = "dynamodb"`,
//! `resource_id` `table/NAME` or `table/NAME/index/INDEX`, one of the four
//! `dynamodb:{table,index}:{Read,Write}CapacityUnits` dimensions, `min_capacity`,
//! `max_capacity`) joined on `resource_id` + `scalable_dimension` with an
//! `aws_appautoscaling_policy` of `policy_type = "TargetTrackingScaling"` whose
//! `predefined_metric_specification` is `DynamoDBReadCapacityUtilization` or
//! `DynamoDBWriteCapacityUtilization`; its `target_value` is the target percent. A target with
//! no such policy never changes capacity and is left out; step-scaling and custom-metric
//! policies are ignored; targets of tables outside the file are ignored.
//!
//! Expressions are evaluated: `var.x` resolves to the value of `variable "x"` (its default, or
//! the inputs' var files and `-var`s), `local.x` to `locals`, `aws_dynamodb_table.x.name` /
//! `.id` to that resource's name (so `"table/${aws_dynamodb_table.orders.name}"` works),
//! `aws_appautoscaling_target.x.*`
//! to that target's arguments; arithmetic, conditionals, interpolation and the functions
//! listed in the README work, and so do `dynamic` blocks. Anything else (a variable without a
//! value, a data source, another function, `for_each` / `count` with several instances, the
//! experimental separate `aws_dynamodb_global_secondary_index` resource) is a [`DesignError`]
//! naming the attribute. Locals that reference tables are resolved too; `count = 0` drops a
//! table.
//!
//! # JSON (`.json`, [`TableDesign::from_json`])
//!
//! A CreateTable request as `aws dynamodb create-table --cli-input-json` takes it
//! (`TableName`, `AttributeDefinitions`, `KeySchema`, `BillingMode`, `ProvisionedThroughput`,
//! `GlobalSecondaryIndexes`, `LocalSecondaryIndexes`, `StreamSpecification`, `TableClass`,
//! `Tags`, `OnDemandThroughput`), or `aws dynamodb describe-table` output (`{"Table": {...}}`,
//! also a CreateTable response's `{"TableDescription": {...}}`), where the table is on-demand
//! when `BillingModeSummary.BillingMode` is `PAY_PER_REQUEST` or its throughput is 0/0, and
//! `TableClassSummary` gives the class. Members that do not shape the design are ignored.
//! Neither JSON form carries TTL or auto scaling, so those come back empty.
//!
//! # Writing
//!
//! [`TableDesign::to_terraform`] writes the `aws_dynamodb_table` resource (with
//! `lifecycle { ignore_changes = [read_capacity, write_capacity] }` when the table auto
//! scales) and, for every auto-scaled dimension of the table or a GSI, an
//! `aws_appautoscaling_target` and a target-tracking `aws_appautoscaling_policy`.
//! [`TableDesign::to_create_table_json`] writes a CreateTable request.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod cloudformation;
mod error;
mod hcl_eval;
mod json;
mod locate;
mod terraform;
mod tf_module;

pub use cloudformation::TemplateTable;
pub use error::DesignError;
pub use tf_module::ModuleCall;

/// What a design file is read with, besides the file: Terraform's input variables (as
/// `terraform plan -var-file ... -var ...` takes them) and CloudFormation's parameters.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `.tfvars` or `.tfvars.json` files, applied in order over the variables' defaults (and
    /// over a directory's `terraform.tfvars` and `*.auto.tfvars`).
    pub var_files: Vec<PathBuf>,
    /// `-var NAME=VALUE`, applied last.
    pub vars: Vec<(String, String)>,
    /// CloudFormation parameters `KEY=VALUE`, over the template's `Default`s.
    pub parameters: Vec<(String, String)>,
}

/// The form a table was declared in, which is the form its after design is written in.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// An `aws_dynamodb_table` resource, or CreateTable / describe-table JSON.
    Plain,
    /// A call of the community module `terraform-aws-modules/dynamodb-table/aws`.
    Module(ModuleCall),
    /// A resource of a CloudFormation template (SAM, CDK output and serverless.yml included).
    CloudFormation(TemplateTable),
}

impl Origin {
    /// The module label or template logical id the table was declared with.
    pub fn declared_as(&self) -> Option<&str> {
        match self {
            Origin::Plain => None,
            Origin::Module(call) => Some(&call.label),
            Origin::CloudFormation(t) => Some(&t.logical_id),
        }
    }
}

/// A table read from a design file, with the form it was declared in.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub design: TableDesign,
    pub origin: Origin,
}

impl Loaded {
    /// The file name and text of `after` written in this table's form: `after.tf` with a
    /// resource (plain) or a module call, or `after.template.yaml`, the template with only this
    /// table's resources changed.
    pub fn write_after(&self, after: &TableDesign) -> Result<(String, String), DesignError> {
        match &self.origin {
            Origin::Plain => Ok(("after.tf".to_string(), after.to_terraform())),
            Origin::Module(call) => {
                Ok(("after.tf".to_string(), tf_module::write_call(after, call)))
            }
            Origin::CloudFormation(t) => Ok((
                "after.template.yaml".to_string(),
                cloudformation::patch(t, after)?,
            )),
        }
    }
}

/// The one table of `loaded` that `table` names (by table name, or by the module label or
/// logical id it was declared with), or the only one when `table` is `None`; an error listing
/// the tables otherwise.
pub fn choose(mut loaded: Vec<Loaded>, table: Option<&str>, what: &str) -> Result<Loaded, String> {
    let names = || {
        loaded
            .iter()
            .map(|l| l.design.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match table {
        Some(name) => match loaded
            .iter()
            .position(|l| l.design.name == name)
            .or_else(|| {
                loaded
                    .iter()
                    .position(|l| l.origin.declared_as() == Some(name))
            }) {
            Some(i) => Ok(loaded.swap_remove(i)),
            None => Err(format!("{what}: no table {name} (it has: {})", names())),
        },
        None if loaded.len() == 1 => Ok(loaded.remove(0)),
        None => Err(format!(
            "{what} has {} tables ({}): choose one with --table",
            loaded.len(),
            names()
        )),
    }
}

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
    /// Scheduled actions that change `min` and `max` every day
    /// (`aws_appautoscaling_scheduled_action` with a daily `cron(M H * * ? *)` schedule, UTC).
    #[serde(default)]
    pub scheduled: Vec<ScheduledAction>,
}

/// A daily scheduled action of Application Auto Scaling: at `minute_of_day` (UTC) the target's
/// minimum and maximum become `min` and `max`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledAction {
    pub minute_of_day: u32,
    pub min: u64,
    pub max: u64,
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

/// The values of `inputs.var_files`, in order.
fn var_files(inputs: &Inputs) -> Result<Vec<(String, hcl::Value)>, DesignError> {
    let mut out = Vec::new();
    for path in &inputs.var_files {
        out.extend(var_file(path)?);
    }
    Ok(out)
}

fn var_file(path: &Path) -> Result<Vec<(String, hcl::Value)>, DesignError> {
    let text = std::fs::read_to_string(path).map_err(|source| DesignError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let shown = path.display().to_string();
    if shown.ends_with(".json") {
        hcl_eval::tfvars_json(&shown, &text)
    } else {
        hcl_eval::tfvars(&shown, &text)
    }
}

/// A directory as `terraform plan` reads it: every `.tf` file, and `terraform.tfvars`,
/// `terraform.tfvars.json` and `*.auto.tfvars` / `*.auto.tfvars.json` (in name order) before
/// the inputs' variable files.
fn load_terraform_dir(dir: &Path, inputs: &Inputs) -> Result<Vec<Loaded>, DesignError> {
    let io = |source| DesignError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let file_name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut sources = Vec::new();
    for p in names.iter().filter(|p| file_name(p).ends_with(".tf")) {
        sources.push(terraform::Source {
            path: p.display().to_string(),
            text: std::fs::read_to_string(p).map_err(|source| DesignError::Io {
                path: p.clone(),
                source,
            })?,
        });
    }
    if sources.is_empty() {
        return Err(DesignError::NoTable {
            format: "directory (it has no .tf file)",
        });
    }
    let mut values = Vec::new();
    for auto in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = dir.join(auto);
        if p.is_file() {
            values.extend(var_file(&p)?);
        }
    }
    for p in names.iter().filter(|p| {
        let n = file_name(p);
        n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
    }) {
        values.extend(var_file(p)?);
    }
    values.extend(var_files(inputs)?);
    terraform::read_module(&sources, values, &inputs.vars)
}

impl TableDesign {
    /// Every `aws_dynamodb_table` in a Terraform file, with its auto scaling.
    pub fn from_terraform(text: &str) -> Result<Vec<TableDesign>, DesignError> {
        terraform::read(text)
    }

    /// A CreateTable request or `describe-table` output.
    pub fn from_json(text: &str) -> Result<TableDesign, DesignError> {
        json::read(text)
    }

    /// Reads a design file: `.tf` as Terraform, `.json` as CreateTable or describe-table JSON
    /// or a CloudFormation template, `.yaml` / `.yml` / `.template` as a CloudFormation
    /// template (or serverless.yml), a directory as a Terraform module.
    pub fn load(path: impl AsRef<Path>) -> Result<Vec<TableDesign>, DesignError> {
        Ok(TableDesign::load_with(path, &Inputs::default())?
            .into_iter()
            .map(|l| l.design)
            .collect())
    }

    /// Reads a design file with inputs, keeping the form each table was declared in.
    pub fn load_with(path: impl AsRef<Path>, inputs: &Inputs) -> Result<Vec<Loaded>, DesignError> {
        let path = path.as_ref();
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| DesignError::Io {
                path: path.to_path_buf(),
                source,
            })
        };
        if path.is_dir() {
            return load_terraform_dir(path, inputs);
        }
        let name = path
            .file_name()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ext = name.rsplit('.').next().unwrap_or_default();
        let shown = path.display().to_string();
        match ext {
            "tf" => {
                let source = terraform::Source {
                    path: shown,
                    text: read(path)?,
                };
                terraform::read_module(&[source], var_files(inputs)?, &inputs.vars)
            }
            "json" => {
                let text = read(path)?;
                if cloudformation::looks_like_template_json(&text) {
                    cloudformation::read(&shown, &text, &inputs.parameters)
                } else {
                    Ok(vec![Loaded {
                        design: TableDesign::from_json(&text)?,
                        origin: Origin::Plain,
                    }])
                }
            }
            "yaml" | "yml" | "template" => {
                cloudformation::read(&shown, &read(path)?, &inputs.parameters)
            }
            _ => Err(DesignError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
    /// The `aws_dynamodb_table` resource, and the auto scaling targets and policies it has.
    pub fn to_terraform(&self) -> String {
        terraform::write(self)
    }

    /// A CreateTable request (`aws dynamodb create-table --cli-input-json`).
    pub fn to_create_table_json(&self) -> serde_json::Value {
        json::write(self)
    }

    /// The names of every key attribute: the table's and its indexes'.
    pub fn key_attribute_names(&self) -> BTreeSet<String> {
        self.attribute_definitions()
            .into_iter()
            .map(|a| a.name)
            .collect()
    }

    /// The key attributes with their types, each once, in the order they first appear: table
    /// keys, then GSI keys, then LSI sort keys (what AttributeDefinitions lists).
    pub fn attribute_definitions(&self) -> Vec<KeyAttr> {
        let mut out: Vec<KeyAttr> = Vec::new();
        let keys = std::iter::once(&self.partition_key)
            .chain(self.sort_key.as_ref())
            .chain(
                self.gsis
                    .iter()
                    .flat_map(|g| std::iter::once(&g.partition_key).chain(g.sort_key.as_ref())),
            )
            .chain(self.lsis.iter().map(|l| &l.sort_key));
        for key in keys {
            if !out.iter().any(|k| k.name == key.name) {
                out.push(key.clone());
            }
        }
        out
    }

    /// The global secondary index of that name.
    pub fn gsi(&self, name: &str) -> Option<&Gsi> {
        self.gsis.iter().find(|g| g.name == name)
    }

    /// Provisioned (read, write) units of the table plus all its GSIs; 0 for on-demand.
    pub fn provisioned_units(&self) -> (u64, u64) {
        let (mut read, mut write) = match self.billing {
            Billing::Provisioned { read, write } => (read, write),
            Billing::OnDemand { .. } => (0, 0),
        };
        for (r, w) in self.gsis.iter().filter_map(|g| g.provisioned) {
            read = read.saturating_add(r);
            write = write.saturating_add(w);
        }
        (read, write)
    }
}
