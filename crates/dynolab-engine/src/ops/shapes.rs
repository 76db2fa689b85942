//! Request-shape pieces shared by several operations: the members that CreateTable and
//! UpdateTable, the item writes, and Query and Scan have in common.

use dynolab_model::ApiError;
use dynolab_model::wire::{self, Check, Field, INDEX_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value};

pub(crate) const KEY_SCHEMA_CHECKS: &[Check] =
    &[Check::NotNull, Check::LenMin(1), Check::LenMax(2)];
pub(crate) const INDEX_NAME_REQUIRED: &[Check] = &[
    Check::NotNull,
    Check::NamePattern,
    Check::LenMin(3),
    Check::LenMax(255),
];

pub(crate) const THROUGHPUT: Ty = Ty::Struct(
    "ProvisionedThroughput",
    &[
        field(
            "WriteCapacityUnits",
            Ty::Long,
            &[Check::NotNull, Check::Min(1)],
        ),
        field(
            "ReadCapacityUnits",
            Ty::Long,
            &[Check::NotNull, Check::Min(1)],
        ),
    ],
);
pub(crate) const ON_DEMAND_THROUGHPUT: Ty = Ty::Struct(
    "OnDemandThroughput",
    &[
        field("MaxReadRequestUnits", Ty::Long, &[]),
        field("MaxWriteRequestUnits", Ty::Long, &[]),
    ],
);
pub(crate) const WARM_THROUGHPUT: Ty = Ty::Struct(
    "WarmThroughput",
    &[
        field("ReadUnitsPerSecond", Ty::Long, &[]),
        field("WriteUnitsPerSecond", Ty::Long, &[]),
    ],
);
pub(crate) const PROJECTION: Ty = Ty::Struct(
    "Projection",
    &[
        field(
            "ProjectionType",
            Ty::String,
            &[Check::Enum(&["ALL", "INCLUDE", "KEYS_ONLY"])],
        ),
        field(
            "NonKeyAttributes",
            Ty::List(&Ty::String, &[]),
            &[Check::LenMin(1)],
        ),
    ],
);
pub(crate) const ATTRIBUTE_DEFINITIONS: Ty = Ty::List(
    &Ty::Struct(
        "AttributeDefinition",
        &[
            field("AttributeName", Ty::String, &[Check::NotNull]),
            field(
                "AttributeType",
                Ty::String,
                &[Check::NotNull, Check::Enum(&["B", "N", "S"])],
            ),
        ],
    ),
    &[],
);
/// Index key schemas: the key type is checked semantically, not by enum.
pub(crate) const INDEX_KEY_SCHEMA: Ty = Ty::List(
    &Ty::Struct(
        "KeySchemaElement",
        &[
            field("AttributeName", Ty::String, &[Check::NotNull]),
            field("KeyType", Ty::String, &[Check::NotNull]),
        ],
    ),
    &[],
);
pub(crate) const STREAM_SPECIFICATION: Ty = Ty::Struct(
    "StreamSpecification",
    &[
        field("StreamEnabled", Ty::Boolean, &[Check::NotNull]),
        field(
            "StreamViewType",
            Ty::String,
            &[Check::Enum(&[
                "NEW_IMAGE",
                "OLD_IMAGE",
                "NEW_AND_OLD_IMAGES",
                "KEYS_ONLY",
            ])],
        ),
    ],
);
pub(crate) const SSE_SPECIFICATION: Ty = Ty::Struct(
    "SSESpecification",
    &[
        field("Enabled", Ty::Boolean, &[]),
        field("SSEType", Ty::String, &[Check::Enum(&["AES256", "KMS"])]),
        field("KMSMasterKeyId", Ty::String, &[]),
    ],
);
/// CreateTable's and UpdateTable's `TableClass`: DynamoDB checks its value itself, with its own
/// message rather than the enum constraint ([`check_table_class`]).
pub(crate) const TABLE_CLASS: Field = field("TableClass", Ty::String, &[]);

/// A `TableClass` other than the two DynamoDB has: its answer as the 2026 probes record it
/// (docs/COMPAT.md, "Error messages").
pub(crate) fn check_table_class(req: &Map<String, Value>) -> Result<(), ApiError> {
    match req.get("TableClass").and_then(Value::as_str) {
        None | Some("STANDARD" | "STANDARD_INFREQUENT_ACCESS") => Ok(()),
        Some(_) => Err(ApiError::validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].",
        )),
    }
}
pub(crate) const DELETION_PROTECTION: Field = field("DeletionProtectionEnabled", Ty::Boolean, &[]);

/// A GSI definition (CreateTable's GlobalSecondaryIndexes, UpdateTable's Create action).
pub(crate) static GSI_FIELDS: &[Field] = &[
    field("IndexName", Ty::String, INDEX_NAME_REQUIRED),
    field("KeySchema", INDEX_KEY_SCHEMA, KEY_SCHEMA_CHECKS),
    field("Projection", PROJECTION, &[Check::NotNull]),
    field("ProvisionedThroughput", THROUGHPUT, &[]),
    field("OnDemandThroughput", ON_DEMAND_THROUGHPUT, &[]),
    field("WarmThroughput", WARM_THROUGHPUT, &[]),
];

/// An LSI definition (CreateTable's LocalSecondaryIndexes, a restore's override).
pub(crate) static LSI_FIELDS: &[Field] = &[
    field("IndexName", Ty::String, INDEX_NAME_REQUIRED),
    field("KeySchema", INDEX_KEY_SCHEMA, KEY_SCHEMA_CHECKS),
    field("Projection", PROJECTION, &[Check::NotNull]),
];

/// A table named by its name or its ARN (backup and continuous-backup operations).
pub(crate) const TABLE_NAME_OR_ARN: &[Check] =
    &[Check::NotNull, Check::LenMin(1), Check::LenMax(1024)];
pub(crate) const TARGET_TABLE_NAME: Field = field(
    "TargetTableName",
    Ty::String,
    &[
        Check::NotNull,
        Check::NamePattern,
        Check::LenMin(3),
        Check::LenMax(255),
    ],
);

// The overrides of RestoreTableToPointInTime and RestoreTableFromBackup.
pub(crate) const BILLING_MODE_OVERRIDE: Field = field(
    "BillingModeOverride",
    Ty::String,
    &[Check::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
);
static GSI: Ty = Ty::Struct("GlobalSecondaryIndex", GSI_FIELDS);
static LSI: Ty = Ty::Struct("LocalSecondaryIndex", LSI_FIELDS);
pub(crate) const GSI_OVERRIDE: Field =
    field("GlobalSecondaryIndexOverride", Ty::List(&GSI, &[]), &[]);
pub(crate) const LSI_OVERRIDE: Field =
    field("LocalSecondaryIndexOverride", Ty::List(&LSI, &[]), &[]);
pub(crate) const THROUGHPUT_OVERRIDE: Field =
    field("ProvisionedThroughputOverride", THROUGHPUT, &[]);
pub(crate) const ON_DEMAND_THROUGHPUT_OVERRIDE: Field =
    field("OnDemandThroughputOverride", ON_DEMAND_THROUGHPUT, &[]);
pub(crate) const SSE_SPECIFICATION_OVERRIDE: Field =
    field("SSESpecificationOverride", SSE_SPECIFICATION, &[]);

// Item writes (PutItem, UpdateItem, DeleteItem).
pub(crate) const RETURN_VALUES: Field = field(
    "ReturnValues",
    Ty::String,
    &[Check::Enum(&[
        "ALL_NEW",
        "UPDATED_OLD",
        "ALL_OLD",
        "NONE",
        "UPDATED_NEW",
    ])],
);
pub(crate) const CONDITIONAL_OPERATOR: Field = field(
    "ConditionalOperator",
    Ty::String,
    &[Check::Enum(&["OR", "AND"])],
);
pub(crate) const CONDITION_EXPRESSION: Field = field("ConditionExpression", Ty::String, &[]);
pub(crate) const RETURN_VALUES_ON_CONDITION_CHECK_FAILURE: Field = field(
    "ReturnValuesOnConditionCheckFailure",
    Ty::String,
    &[Check::Enum(&["ALL_OLD", "NONE"])],
);
pub(crate) const KEY: Field = field(
    "Key",
    Ty::Map("AttributeValue", &Ty::Attr, &[]),
    &[Check::NotNull],
);

// Reads (Query, Scan, GetItem).
pub(crate) const SELECT: Field = field(
    "Select",
    Ty::String,
    &[Check::Enum(&[
        "SPECIFIC_ATTRIBUTES",
        "COUNT",
        "ALL_ATTRIBUTES",
        "ALL_PROJECTED_ATTRIBUTES",
    ])],
);
pub(crate) const INDEX_NAME: Field = field("IndexName", Ty::String, INDEX_NAME_CHECKS);
pub(crate) const ATTRIBUTES_TO_GET: Field = field(
    "AttributesToGet",
    Ty::List(&Ty::String, &[]),
    &[Check::LenMin(1), Check::LenMax(255)],
);
pub(crate) const LIMIT: Field = field("Limit", Ty::Integer, &[Check::Min(1)]);
pub(crate) const CONSISTENT_READ: Field = field("ConsistentRead", Ty::Boolean, &[]);
pub(crate) const EXCLUSIVE_START_KEY: Field = field(
    "ExclusiveStartKey",
    Ty::Map("AttributeValue", &Ty::Attr, &[]),
    &[],
);
pub(crate) const PROJECTION_EXPRESSION: Field = field("ProjectionExpression", Ty::String, &[]);
pub(crate) const FILTER_EXPRESSION: Field = field("FilterExpression", Ty::String, &[]);

pub(crate) use wire::{
    EXPRESSION_ATTRIBUTE_NAMES, EXPRESSION_ATTRIBUTE_VALUES, RETURN_CONSUMED_CAPACITY,
    RETURN_ITEM_COLLECTION_METRICS,
};

/// A `Tags` list (CreateTable, TagResource). Keys and values are checked with DynamoDB's tag
/// messages (`crate::tags`), not by the shape.
pub(crate) const TAGS: Ty = Ty::List(
    &Ty::Struct(
        "Tag",
        &[
            field("Key", Ty::String, &[]),
            field("Value", Ty::String, &[]),
        ],
    ),
    &[],
);
