//! Reading and writing table designs: Terraform, CreateTable JSON and describe-table output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_design::{
    AttrType, AutoScaling, Billing, DesignError, Gsi, KeyAttr, Lsi, Projection, ScalingTarget,
    TableClass, TableDesign,
};
use dynolab_engine::{Engine, EngineConfig};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// The orders design the README walks through, read where the example keeps it.
fn orders_tf() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/orders/before.tf")
}

fn key(name: &str, ty: AttrType) -> KeyAttr {
    KeyAttr {
        name: name.to_string(),
        ty,
    }
}

fn target(min: u64, max: u64) -> Option<ScalingTarget> {
    Some(ScalingTarget {
        min,
        max,
        target_percent: 70.0,
        scheduled: vec![],
    })
}

/// What `examples/orders/before.tf` describes.
fn orders() -> TableDesign {
    let gsi = |range: &str, ty| Gsi {
        name: format!("gsi_user_type_{range}"),
        partition_key: key("user_type", AttrType::S),
        sort_key: Some(key(range, ty)),
        projection: Projection::All,
        provisioned: Some((400, 500)),
        autoscaling: None,
    };
    TableDesign {
        name: "orders".into(),
        partition_key: key("PK", AttrType::S),
        sort_key: Some(key("SK", AttrType::S)),
        billing: Billing::Provisioned {
            read: 5000,
            write: 1000,
        },
        autoscaling: Some(AutoScaling {
            read: target(5000, 10000),
            write: target(1000, 2000),
        }),
        gsis: vec![
            gsi("created_at", AttrType::S),
            gsi("amount", AttrType::N),
            gsi("status", AttrType::S),
            gsi("product_id", AttrType::S),
            gsi("region", AttrType::S),
        ],
        lsis: vec![],
        ttl_attribute: None,
        table_class: TableClass::Standard,
        stream_view_type: None,
        tags: BTreeMap::from(
            [
                ("Environment", "production"),
                ("ManagedBy", "terraform"),
                ("Service", "orders"),
                ("Team", "checkout"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        ),
    }
}

/// What `describe-sessions.json` describes.
fn sessions() -> TableDesign {
    TableDesign {
        name: "sessions".into(),
        partition_key: key("account_id", AttrType::S),
        sort_key: Some(key("session_id", AttrType::S)),
        billing: Billing::OnDemand {
            max_read: None,
            max_write: Some(4000),
        },
        autoscaling: None,
        gsis: vec![Gsi {
            name: "gsi_device".into(),
            partition_key: key("device_id", AttrType::S),
            sort_key: Some(key("last_seen", AttrType::N)),
            projection: Projection::Include(vec!["user_agent".into(), "ip".into()]),
            provisioned: None,
            autoscaling: None,
        }],
        lsis: vec![Lsi {
            name: "lsi_last_seen".into(),
            sort_key: key("last_seen", AttrType::N),
            projection: Projection::KeysOnly,
        }],
        ttl_attribute: None,
        table_class: TableClass::StandardInfrequentAccess,
        stream_view_type: Some("NEW_AND_OLD_IMAGES".into()),
        tags: BTreeMap::new(),
    }
}

/// A provisioned design that uses everything the Terraform writer can write: GSI auto scaling,
/// an INCLUDE projection, an LSI, TTL, a stream, the IA class, a binary key, an odd name.
fn everything() -> TableDesign {
    TableDesign {
        name: "events.v2-prod".into(),
        partition_key: key("tenant", AttrType::S),
        sort_key: Some(key("at", AttrType::N)),
        billing: Billing::Provisioned {
            read: 100,
            write: 50,
        },
        autoscaling: Some(AutoScaling {
            read: None,
            write: Some(ScalingTarget {
                min: 50,
                max: 400,
                target_percent: 45.5,
                scheduled: vec![],
            }),
        }),
        gsis: vec![Gsi {
            name: "by-device".into(),
            partition_key: key("device", AttrType::B),
            sort_key: None,
            projection: Projection::Include(vec!["kind".into(), "Cost Center".into()]),
            provisioned: Some((20, 30)),
            autoscaling: Some(AutoScaling {
                read: target(20, 200),
                write: target(30, 300),
            }),
        }],
        lsis: vec![Lsi {
            name: "by_kind".into(),
            sort_key: key("kind", AttrType::S),
            projection: Projection::All,
        }],
        ttl_attribute: Some("expires".into()),
        table_class: TableClass::StandardInfrequentAccess,
        stream_view_type: Some("KEYS_ONLY".into()),
        tags: BTreeMap::from([
            ("Cost Center".to_string(), "42".to_string()),
            ("owner".to_string(), "data".to_string()),
        ]),
    }
}

fn on_demand_unbounded() -> TableDesign {
    TableDesign {
        name: "plain".into(),
        partition_key: key("id", AttrType::N),
        sort_key: None,
        billing: Billing::OnDemand {
            max_read: None,
            max_write: None,
        },
        autoscaling: None,
        gsis: vec![],
        lsis: vec![],
        ttl_attribute: None,
        table_class: TableClass::Standard,
        stream_view_type: None,
        tags: BTreeMap::new(),
    }
}

/// What the JSON forms can carry: neither has TTL or auto scaling.
fn without_ttl_and_scaling(mut d: TableDesign) -> TableDesign {
    d.ttl_attribute = None;
    d.autoscaling = None;
    for g in &mut d.gsis {
        g.autoscaling = None;
    }
    d
}

#[test]
fn orders_terraform_loads() {
    let designs = TableDesign::load(orders_tf()).unwrap();
    assert_eq!(designs, vec![orders()]);
}

#[test]
fn helpers() {
    let d = orders();
    assert_eq!(d.provisioned_units(), (5000 + 5 * 400, 1000 + 5 * 500));
    assert_eq!(
        d.key_attribute_names(),
        BTreeSet::from(
            [
                "PK",
                "SK",
                "user_type",
                "created_at",
                "amount",
                "status",
                "product_id",
                "region"
            ]
            .map(String::from)
        )
    );
    assert_eq!(
        d.gsi("gsi_user_type_amount").unwrap().sort_key,
        Some(key("amount", AttrType::N))
    );
    assert!(d.gsi("nope").is_none());
    assert_eq!(sessions().provisioned_units(), (0, 0));
    assert_eq!(
        sessions().key_attribute_names(),
        BTreeSet::from(["account_id", "session_id", "device_id", "last_seen"].map(String::from))
    );
    assert_eq!(everything().provisioned_units(), (120, 80));
}

#[test]
fn terraform_round_trips() {
    for design in [orders(), sessions(), everything(), on_demand_unbounded()] {
        let text = design.to_terraform();
        let back = TableDesign::from_terraform(&text)
            .unwrap_or_else(|e| panic!("{e}\nin the generated file:\n{text}"));
        assert_eq!(back, vec![design], "generated:\n{text}");
    }
}

#[test]
fn generated_terraform_reads_like_terraform_fmt() {
    let text = orders().to_terraform();
    for expected in [
        "resource \"aws_dynamodb_table\" \"orders\" {\n  name           = \"orders\"\n  billing_mode   = \"PROVISIONED\"\n  read_capacity  = 5000\n  write_capacity = 1000\n",
        "  global_secondary_index {\n    name            = \"gsi_user_type_amount\"\n    hash_key        = \"user_type\"\n    range_key       = \"amount\"\n",
        "  tags = {\n    Environment = \"production\"\n",
        "  lifecycle {\n    ignore_changes = [read_capacity, write_capacity]\n  }\n",
        "resource \"aws_appautoscaling_target\" \"orders_table_read\" {\n  service_namespace  = \"dynamodb\"\n  resource_id        = \"table/${aws_dynamodb_table.orders.name}\"\n",
        "  resource_id        = aws_appautoscaling_target.orders_table_write.resource_id\n",
        "    target_value = 70\n",
    ] {
        assert!(text.contains(expected), "missing\n{expected}\nin\n{text}");
    }
    let text = everything().to_terraform();
    for expected in [
        "resource \"aws_dynamodb_table\" \"events_v2-prod\" {",
        "resource_id        = \"table/${aws_dynamodb_table.events_v2-prod.name}/index/by-device\"",
        "target_value = 45.5",
        "\"Cost Center\" = \"42\"",
        "non_key_attributes = [\"kind\", \"Cost Center\"]",
    ] {
        assert!(text.contains(expected), "missing\n{expected}\nin\n{text}");
    }
    // No lifecycle when nothing auto scales.
    assert!(!sessions().to_terraform().contains("lifecycle"));
}

#[test]
fn create_table_json_round_trips() {
    for design in [orders(), sessions(), everything(), on_demand_unbounded()] {
        let json = design.to_create_table_json();
        let back = TableDesign::from_json(&json.to_string()).unwrap();
        assert_eq!(back, without_ttl_and_scaling(design), "generated: {json:#}");
    }
}

#[test]
fn describe_table_output_loads() {
    let designs = TableDesign::load(fixture("describe-sessions.json")).unwrap();
    assert_eq!(designs, vec![sessions()]);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// The engine behind `dynolab serve` accepts the CreateTable request, and its DescribeTable
/// answer reads back to the same design.
#[test]
fn engine_accepts_create_table_json_and_describes_it_back() {
    let engine = Engine::open(
        EngineConfig {
            capacity: None,
            ..EngineConfig::default()
        },
        Arc::new(VirtualClock::new(Timestamp::from_secs(1_700_000_000))),
    )
    .unwrap();
    for design in [orders(), sessions(), everything(), on_demand_unbounded()] {
        let request = design.to_create_table_json();
        block_on(engine.call("CreateTable", &request))
            .unwrap_or_else(|e| panic!("CreateTable {request:#} failed: {e}"));
        let described =
            block_on(engine.call("DescribeTable", &json!({"TableName": design.name}))).unwrap();
        let mut back = TableDesign::from_json(&described.to_string()).unwrap();
        // DescribeTable does not return tags (ListTagsOfResource does).
        back.tags = design.tags.clone();
        assert_eq!(
            back,
            without_ttl_and_scaling(design),
            "described: {described:#}"
        );
    }
}

#[test]
fn provider_6_key_schema_gsi_loads() {
    let text = r#"
resource "aws_dynamodb_table" "t" {
  name         = "t"
  billing_mode = "PAY_PER_REQUEST"

  key_schema {
    attribute_name = "pk"
    key_type       = "HASH"
  }

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "tenant"
    type = "S"
  }
  attribute {
    name = "region"
    type = "S"
  }
  attribute {
    name = "ts"
    type = "N"
  }

  global_secondary_index {
    name            = "by_tenant"
    projection_type = "KEYS_ONLY"

    key_schema {
      attribute_name = "tenant"
      key_type       = "HASH"
    }
    key_schema {
      attribute_name = "region"
      key_type       = "HASH"
    }
    key_schema {
      attribute_name = "ts"
      key_type       = "RANGE"
    }
  }

  on_demand_throughput {
    max_read_request_units  = 1000
    max_write_request_units = -1
  }
}
"#;
    let d = TableDesign::from_terraform(text).unwrap().remove(0);
    assert_eq!(d.partition_key, key("pk", AttrType::S));
    assert_eq!(d.sort_key, None);
    assert_eq!(
        d.billing,
        Billing::OnDemand {
            max_read: Some(1000),
            max_write: None
        }
    );
    let gsi = d.gsi("by_tenant").unwrap();
    assert_eq!(gsi.partition_key, key("tenant", AttrType::S));
    assert_eq!(gsi.sort_key, Some(key("ts", AttrType::N)));
    assert_eq!(gsi.projection, Projection::KeysOnly);
    assert_eq!(gsi.provisioned, None);
}

/// Literal resource ids, an index target, several tables, expressions and ignored resources.
#[test]
fn terraform_forms() {
    let text = r#"
variable "env" { default = "prod" }
variable "scale" {
  type    = number
  default = 2
}
locals {
  prefix = "${var.env}-"
  base   = 10 * var.scale
  # A local naming a table, used by a target below.
  a_index_id = "table/${aws_dynamodb_table.a.name}/index/g"
}

resource "aws_dynamodb_table" "a" {
  name           = "${local.prefix}a"
  read_capacity  = local.base
  write_capacity = "5"
  hash_key       = "id"
  table_class    = upper("standard_infrequent_access")
  stream_enabled   = true
  stream_view_type = "NEW_IMAGE"
  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "g"
    type = "N"
  }
  global_secondary_index {
    name               = "g"
    hash_key           = "g"
    projection_type    = "INCLUDE"
    non_key_attributes = ["x", "y"]
    read_capacity      = var.scale > 1 ? 8 : 4
    write_capacity     = 3
  }
  ttl {
    attribute_name = "exp"
    enabled        = true
  }
  tags = merge({ a = "1" }, { b = 2 })
}

resource "aws_dynamodb_table" "b" {
  count        = var.env == "prod" ? 1 : 0
  name         = "b"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  range_key    = "sk"
  attribute {
    name = "id"
    type = "B"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  local_secondary_index {
    name            = "l"
    range_key       = "sk"
    projection_type = "ALL"
  }
}

resource "aws_dynamodb_table" "skipped" {
  count    = 0
  name     = "skipped"
  hash_key = "id"
}

resource "aws_appautoscaling_target" "index_read" {
  service_namespace  = "dynamodb"
  resource_id        = local.a_index_id
  scalable_dimension = "dynamodb:index:ReadCapacityUnits"
  min_capacity       = 8
  max_capacity       = 80
}

resource "aws_appautoscaling_policy" "index_read" {
  name               = "whatever"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "dynamodb"
  resource_id        = "table/prod-a/index/g"
  scalable_dimension = "dynamodb:index:ReadCapacityUnits"
  target_tracking_scaling_policy_configuration {
    target_value = 50
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
  }
}

# A target without a policy never scales; a step-scaling policy is not modelled; an ECS
# service's scaling is not DynamoDB's; a table outside this file is not ours.
resource "aws_appautoscaling_target" "a_write" {
  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.a.id}"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = 5
  max_capacity       = 10
}
resource "aws_appautoscaling_policy" "a_write_step" {
  name               = "step"
  service_namespace  = "dynamodb"
  resource_id        = aws_appautoscaling_target.a_write.resource_id
  scalable_dimension = aws_appautoscaling_target.a_write.scalable_dimension
}
resource "aws_appautoscaling_target" "ecs" {
  service_namespace  = "ecs"
  resource_id        = "service/${data.aws_ecs_cluster.main.name}/web"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 4
}
resource "aws_appautoscaling_policy" "ecs" {
  name               = "cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.ecs.service_namespace
  resource_id        = aws_appautoscaling_target.ecs.resource_id
  scalable_dimension = aws_appautoscaling_target.ecs.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
resource "aws_appautoscaling_target" "elsewhere" {
  service_namespace  = "dynamodb"
  resource_id        = "table/elsewhere"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  min_capacity       = 1
  max_capacity       = 4
}
resource "aws_appautoscaling_policy" "elsewhere" {
  name               = "elsewhere"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "dynamodb"
  resource_id        = aws_appautoscaling_target.elsewhere.resource_id
  scalable_dimension = aws_appautoscaling_target.elsewhere.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value = 70
    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
  }
}
"#;
    let designs = TableDesign::from_terraform(text).unwrap();
    assert_eq!(designs.len(), 2);
    let a = &designs[0];
    assert_eq!(a.name, "prod-a");
    assert_eq!(a.billing, Billing::Provisioned { read: 20, write: 5 });
    assert_eq!(a.table_class, TableClass::StandardInfrequentAccess);
    assert_eq!(a.stream_view_type.as_deref(), Some("NEW_IMAGE"));
    assert_eq!(a.ttl_attribute.as_deref(), Some("exp"));
    assert_eq!(a.autoscaling, None);
    assert_eq!(
        a.tags,
        BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())])
    );
    let g = a.gsi("g").unwrap();
    assert_eq!(g.partition_key, key("g", AttrType::N));
    assert_eq!(g.sort_key, None);
    assert_eq!(
        g.projection,
        Projection::Include(vec!["x".into(), "y".into()])
    );
    assert_eq!(g.provisioned, Some((8, 3)));
    assert_eq!(
        g.autoscaling,
        Some(AutoScaling {
            read: Some(ScalingTarget {
                min: 8,
                max: 80,
                target_percent: 50.0,
                scheduled: vec![],
            }),
            write: None
        })
    );
    let b = &designs[1];
    assert_eq!(b.partition_key, key("id", AttrType::B));
    assert_eq!(
        b.lsis,
        vec![Lsi {
            name: "l".into(),
            sort_key: key("sk", AttrType::S),
            projection: Projection::All
        }]
    );
    assert_eq!(
        b.billing,
        Billing::OnDemand {
            max_read: None,
            max_write: None
        }
    );
}

const TABLE_HEAD: &str = r#"
resource "aws_dynamodb_table" "t" {
  name     = "t"
  hash_key = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
"#;

/// Each case: Terraform text, and what its error must say.
#[test]
fn terraform_errors_are_readable() {
    let scaling = |resource_id: &str, dimension: &str, metric: &str| {
        format!(
            r#"{TABLE_HEAD}  read_capacity = 1
  write_capacity = 1
}}
resource "aws_appautoscaling_target" "r" {{
  service_namespace  = "dynamodb"
  resource_id        = "{resource_id}"
  scalable_dimension = "{dimension}"
  min_capacity       = 1
  max_capacity       = 2
}}
resource "aws_appautoscaling_policy" "r" {{
  policy_type        = "TargetTrackingScaling"
  service_namespace  = "dynamodb"
  resource_id        = aws_appautoscaling_target.r.resource_id
  scalable_dimension = aws_appautoscaling_target.r.scalable_dimension
  target_tracking_scaling_policy_configuration {{
    target_value = 70
    predefined_metric_specification {{
      predefined_metric_type = "{metric}"
    }}
  }}
}}
"#
        )
    };
    let cases: Vec<(String, &str)> = vec![
        (
            "resource \"aws_dynamodb_table\" \"t\" {\n  name = \"t\"\n  billing_mode = \"PAY_PER_REQUEST\"\n}\n".into(),
            "aws_dynamodb_table.t: `hash_key` (or a `key_schema` block with key_type = \"HASH\") is required",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"ON_DEMAND\"\n}}\n"),
            "aws_dynamodb_table.t.billing_mode: must be PROVISIONED or PAY_PER_REQUEST, not \"ON_DEMAND\"",
        ),
        (
            format!("{TABLE_HEAD}  read_capacity = var.rcu\n  write_capacity = 1\n}}\n"),
            "cannot resolve aws_dynamodb_table.t.read_capacity: `var.rcu` has no `variable \"rcu\"` with a default in this file",
        ),
        (
            format!("variable \"rcu\" {{\n  type = number\n}}\n{TABLE_HEAD}  read_capacity = var.rcu\n  write_capacity = 1\n}}\n"),
            "cannot resolve aws_dynamodb_table.t.read_capacity: `var.rcu` has no `variable \"rcu\"` with a default",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n  tags = data.x.tags\n}}\n"),
            "cannot resolve aws_dynamodb_table.t.tags: `data` cannot be evaluated from this file alone",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = formatlist(\"%s\", [\"PAY_PER_REQUEST\"])\n}}\n"),
            "the function `formatlist` is not supported",
        ),
        (
            format!("{TABLE_HEAD}  write_capacity = 1\n}}\n"),
            "aws_dynamodb_table.t: `read_capacity` is required when billing_mode is PROVISIONED",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n  range_key = \"sk\"\n}}\n"),
            "aws_dynamodb_table.t: range_key \"sk\" has no `attribute` block giving its type",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n  global_secondary_index {{\n    name = \"g\"\n    projection_type = \"ALL\"\n  }}\n}}\n"),
            "aws_dynamodb_table.t.global_secondary_index \"g\": `hash_key` (or a `key_schema` block with key_type = \"HASH\") is required",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n  global_secondary_index {{\n    name = \"g\"\n    hash_key = \"pk\"\n    projection_type = \"SOME\"\n  }}\n}}\n"),
            "aws_dynamodb_table.t.global_secondary_index \"g\".projection_type: must be ALL, KEYS_ONLY or INCLUDE, not \"SOME\"",
        ),
        (
            format!("{TABLE_HEAD}  read_capacity = 1\n  write_capacity = 1\n  global_secondary_index {{\n    name = \"g\"\n    hash_key = \"pk\"\n    projection_type = \"ALL\"\n  }}\n}}\n"),
            "aws_dynamodb_table.t.global_secondary_index \"g\": `read_capacity` is required when the table's billing_mode is PROVISIONED",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n  dynamic \"global_secondary_index\" {{\n    content {{}}\n  }}\n}}\n"),
            "aws_dynamodb_table.t.dynamic \"global_secondary_index\": `for_each` is required",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n  global_secondary_index {{\n    name = \"g\"\n    projection_type = \"ALL\"\n    dynamic \"key_schema\" {{\n      for_each = \"pk\"\n      content {{}}\n    }}\n  }}\n}}\n"),
            "aws_dynamodb_table.t.global_secondary_index.dynamic \"key_schema\".for_each: for_each takes a list, set or map, not a string",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n}}\nresource \"aws_dynamodb_global_secondary_index\" \"g\" {{\n  table_name = \"t\"\n  index_name = \"g\"\n}}\n"),
            "aws_dynamodb_global_secondary_index.g: the separate GSI resource is not supported",
        ),
        (
            format!("{TABLE_HEAD}  read_capacity = -5\n  write_capacity = 1\n}}\n"),
            "aws_dynamodb_table.t.read_capacity: must not be negative, found -5",
        ),
        (
            format!("{TABLE_HEAD}  read_capacity = \"lots\"\n  write_capacity = 1\n}}\n"),
            "aws_dynamodb_table.t.read_capacity: expected a number, found \"lots\"",
        ),
        (
            scaling("table/t", "dynamodb:table:ReadCapacity", "DynamoDBReadCapacityUtilization"),
            "aws_appautoscaling_policy.r.scalable_dimension: \"dynamodb:table:ReadCapacity\" is not one of",
        ),
        (
            scaling("table/t", "dynamodb:table:ReadCapacityUnits", "DynamoDBWriteCapacityUtilization"),
            "predefined_metric_type: \"DynamoDBWriteCapacityUtilization\" does not scale dynamodb:table:ReadCapacityUnits",
        ),
        (
            scaling("tables/t", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
            "aws_appautoscaling_target.r.resource_id: \"tables/t\" is not \"table/NAME\" or \"table/NAME/index/INDEX\"",
        ),
        (
            scaling("table/t", "dynamodb:index:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
            "aws_appautoscaling_target.r: scalable_dimension dynamodb:index:ReadCapacityUnits does not fit resource_id \"table/t\"",
        ),
        (
            scaling("table/t/index/nope", "dynamodb:index:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
            "auto scaling targets index \"nope\" of table \"t\", which has no such global secondary index",
        ),
        (
            format!("{TABLE_HEAD}  billing_mode = \"PAY_PER_REQUEST\"\n}}\nresource \"aws_appautoscaling_policy\" \"p\" {{\n  policy_type = \"TargetTrackingScaling\"\n  service_namespace = \"dynamodb\"\n  resource_id = \"table/t\"\n  scalable_dimension = \"dynamodb:table:ReadCapacityUnits\"\n  target_tracking_scaling_policy_configuration {{\n    target_value = 70\n    predefined_metric_specification {{\n      predefined_metric_type = \"DynamoDBReadCapacityUtilization\"\n    }}\n  }}\n}}\n"),
            "aws_appautoscaling_policy.p: no aws_appautoscaling_target in this file has resource_id \"table/t\" and scalable_dimension \"dynamodb:table:ReadCapacityUnits\"",
        ),
        (
            "variable \"x\" {}\n".into(),
            "no DynamoDB table found in the Terraform file",
        ),
        (
            "resource \"aws_dynamodb_table\" \"t\" {\n  name = \n}\n".into(),
            "invalid Terraform: ",
        ),
    ];
    for (text, expected) in cases {
        match TableDesign::from_terraform(&text) {
            Ok(d) => panic!("expected an error containing {expected:?}, got {d:?}\nfrom\n{text}"),
            Err(e) => assert!(
                e.to_string().contains(expected),
                "expected an error containing\n  {expected}\ngot\n  {e}\nfrom\n{text}"
            ),
        }
    }
}

#[test]
fn json_errors_are_readable() {
    let cases = [
        ("[1]", "the document: expected an object, found a list"),
        ("{", "invalid JSON: "),
        ("{\"Foo\": 1}", "no DynamoDB table found in the JSON"),
        (
            r#"{"TableName": "t", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}"#,
            "table \"t\".KeySchema[0]: \"sk\" is not in AttributeDefinitions",
        ),
        (
            r#"{"TableName": "t", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"}"#,
            "table \"t\": KeySchema needs a HASH key",
        ),
        (
            r#"{"TableName": "t", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}"#,
            "table \"t\": ProvisionedThroughput is required when BillingMode is PROVISIONED",
        ),
        (
            r#"{"TableName": "t", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "ON_DEMAND"}"#,
            "table \"t\".BillingMode: must be PROVISIONED or PAY_PER_REQUEST, not \"ON_DEMAND\"",
        ),
        (
            r#"{"Table": {"TableName": "t", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "X"}]}}"#,
            "Table.AttributeDefinitions[0].AttributeType: must be S, N or B, not \"X\"",
        ),
        (
            r#"{"Table": {"TableName": 7}}"#,
            "Table.TableName: expected a string, found a number",
        ),
    ];
    for (text, expected) in cases {
        match TableDesign::from_json(text) {
            Ok(d) => panic!("expected an error containing {expected:?}, got {d:?}"),
            Err(e) => assert!(
                e.to_string().contains(expected),
                "expected an error containing\n  {expected}\ngot\n  {e}\nfrom\n{text}"
            ),
        }
    }
}

#[test]
fn load_picks_the_format_from_the_extension() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let json = dir.join("orders.JSON");
    std::fs::write(&json, orders().to_create_table_json().to_string()).unwrap();
    assert_eq!(
        TableDesign::load(&json).unwrap(),
        vec![without_ttl_and_scaling(orders())]
    );
    let toml = dir.join("orders.toml");
    std::fs::write(&toml, "x").unwrap();
    let err = TableDesign::load(&toml).unwrap_err();
    assert!(matches!(err, DesignError::UnknownFormat { .. }));
    assert!(
        err.to_string()
            .contains("expected a directory or .tf file (Terraform), a .json file"),
        "{err}"
    );
    let missing = dir.join("missing.tf");
    let err = TableDesign::load(&missing).unwrap_err();
    assert!(matches!(err, DesignError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}", missing.display())),
        "{err}"
    );
}

/// Truncated input is an error, never a panic: prefixes of the fixtures are read.
#[test]
fn truncated_input_never_panics() {
    let tf = std::fs::read_to_string(orders_tf()).unwrap();
    for end in (0..tf.len()).step_by(7) {
        // Some prefixes are whole files (cut between resources); each call must return.
        let _ = TableDesign::from_terraform(&tf[..end]);
    }
    let json = read("describe-sessions.json");
    for end in (0..json.trim_end().len()).step_by(5) {
        assert!(TableDesign::from_json(&json[..end]).is_err());
    }
}

/// Daily scheduled actions (what `dynolab advise` writes around known traffic spikes) survive a
/// round trip through Terraform; other schedules are refused by name.
#[test]
fn scheduled_actions_round_trip_and_odd_schedules_are_refused() {
    let mut design = orders();
    let write = design
        .autoscaling
        .as_mut()
        .and_then(|a| a.write.as_mut())
        .expect("the orders table scales writes");
    write.scheduled = vec![
        dynolab_design::ScheduledAction {
            minute_of_day: 9 * 60 + 45,
            min: 2_000,
            max: 2_000,
        },
        dynolab_design::ScheduledAction {
            minute_of_day: 10 * 60 + 20,
            min: 1_000,
            max: 2_000,
        },
    ];
    let tf = design.to_terraform();
    assert!(tf.contains("cron(45 9 * * ? *)"), "{tf}");
    let back = TableDesign::from_terraform(&tf).unwrap().remove(0);
    assert_eq!(back.autoscaling, design.autoscaling);
    let odd = tf.replace("cron(45 9 * * ? *)", "rate(5 minutes)");
    let e = TableDesign::from_terraform(&odd).unwrap_err().to_string();
    assert!(e.contains("not a daily schedule"), "{e}");
}
