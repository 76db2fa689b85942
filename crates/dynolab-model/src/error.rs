//! DynamoDB's error codes and the one place they map to the wire (`__type`, HTTP status).

use std::fmt;

use crate::value::Item;

/// Every error dynolab can answer with. The wire name and status come from [`ErrorCode::type_name`]
/// and [`ErrorCode::http_status`], and nowhere else.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A parameter failed a constraint or a semantic check.
    ValidationException,
    /// The request body is not JSON, or a member has the wrong JSON type.
    SerializationException,
    /// `X-Amz-Target` names no operation.
    UnknownOperationException,
    MissingAuthenticationTokenException,
    /// `serve --credentials`: the access key is not one the server knows.
    UnrecognizedClientException,
    /// `serve --credentials`: the signature does not verify, or its date is out of the window.
    InvalidSignatureException,
    /// `serve --credentials`: the Authorization header lacks a part SigV4 needs.
    IncompleteSignatureException,
    /// `serve --credentials`: the key may not use the table.
    AccessDeniedException,
    ResourceNotFoundException,
    ResourceInUseException,
    ConditionalCheckFailedException,
    ProvisionedThroughputExceededException,
    ThrottlingException,
    RequestLimitExceeded,
    LimitExceededException,
    ItemCollectionSizeLimitExceededException,
    TransactionCanceledException,
    TransactionConflictException,
    /// A TransactWriteItems / ExecuteTransaction `ClientRequestToken` reused with different
    /// parameters.
    IdempotentParameterMismatchException,
    /// A PartiQL INSERT of a key that exists.
    DuplicateItemException,
    /// A bug in dynolab; the only 500.
    InternalServerError,
    /// DynamoDB Streams: the shard iterator is older than 15 minutes.
    ExpiredIteratorException,
    /// DynamoDB Streams: the records asked for are older than 24 hours.
    TrimmedDataAccessException,
    /// Backups and restores: the source table does not exist.
    TableNotFoundException,
    /// Restores: the target table exists.
    TableAlreadyExistsException,
    BackupNotFoundException,
    PointInTimeRecoveryUnavailableException,
    InvalidRestoreTimeException,
    /// CloudWatch API: a parameter has a bad value.
    CloudWatchInvalidParameterValue,
    /// CloudWatch API: a required parameter is missing.
    CloudWatchMissingParameter,
    /// Application Auto Scaling API: no such scalable target, policy or scheduled action.
    AutoScalingObjectNotFound,
    /// Application Auto Scaling API: a parameter is missing or has a bad value.
    AutoScalingValidation,
}

impl ErrorCode {
    /// The `__type` DynamoDB puts in the error body.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorCode::ValidationException => "com.amazon.coral.validate#ValidationException",
            ErrorCode::SerializationException => "com.amazon.coral.service#SerializationException",
            ErrorCode::UnknownOperationException => {
                "com.amazon.coral.service#UnknownOperationException"
            }
            ErrorCode::MissingAuthenticationTokenException => {
                "com.amazon.coral.service#MissingAuthenticationTokenException"
            }
            ErrorCode::UnrecognizedClientException => {
                "com.amazon.coral.service#UnrecognizedClientException"
            }
            ErrorCode::InvalidSignatureException => {
                "com.amazon.coral.service#InvalidSignatureException"
            }
            ErrorCode::IncompleteSignatureException => {
                "com.amazon.coral.service#IncompleteSignatureException"
            }
            ErrorCode::AccessDeniedException => "com.amazon.coral.service#AccessDeniedException",
            ErrorCode::ThrottlingException => "com.amazon.coral.availability#ThrottlingException",
            ErrorCode::ResourceNotFoundException => {
                "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
            }
            ErrorCode::ResourceInUseException => {
                "com.amazonaws.dynamodb.v20120810#ResourceInUseException"
            }
            ErrorCode::ConditionalCheckFailedException => {
                "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"
            }
            ErrorCode::ProvisionedThroughputExceededException => {
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
            }
            ErrorCode::RequestLimitExceeded => {
                "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded"
            }
            ErrorCode::LimitExceededException => {
                "com.amazonaws.dynamodb.v20120810#LimitExceededException"
            }
            ErrorCode::ItemCollectionSizeLimitExceededException => {
                "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException"
            }
            ErrorCode::TransactionCanceledException => {
                "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
            }
            ErrorCode::TransactionConflictException => {
                "com.amazonaws.dynamodb.v20120810#TransactionConflictException"
            }
            ErrorCode::IdempotentParameterMismatchException => {
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"
            }
            ErrorCode::DuplicateItemException => {
                "com.amazonaws.dynamodb.v20120810#DuplicateItemException"
            }
            ErrorCode::InternalServerError => {
                "com.amazonaws.dynamodb.v20120810#InternalServerError"
            }
            ErrorCode::ExpiredIteratorException => {
                "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException"
            }
            ErrorCode::TrimmedDataAccessException => {
                "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException"
            }
            ErrorCode::TableNotFoundException => {
                "com.amazonaws.dynamodb.v20120810#TableNotFoundException"
            }
            ErrorCode::TableAlreadyExistsException => {
                "com.amazonaws.dynamodb.v20120810#TableAlreadyExistsException"
            }
            ErrorCode::BackupNotFoundException => {
                "com.amazonaws.dynamodb.v20120810#BackupNotFoundException"
            }
            ErrorCode::PointInTimeRecoveryUnavailableException => {
                "com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException"
            }
            ErrorCode::InvalidRestoreTimeException => {
                "com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException"
            }
            ErrorCode::CloudWatchInvalidParameterValue => {
                "com.amazonaws.cloudwatch#InvalidParameterValueException"
            }
            ErrorCode::CloudWatchMissingParameter => {
                "com.amazonaws.cloudwatch#MissingRequiredParameterException"
            }
            ErrorCode::AutoScalingObjectNotFound => {
                "com.amazonaws.applicationautoscaling#ObjectNotFoundException"
            }
            ErrorCode::AutoScalingValidation => {
                "com.amazonaws.applicationautoscaling#ValidationException"
            }
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InternalServerError => 500,
            _ => 400,
        }
    }
}

/// An error answered to the client: a code, DynamoDB's message, and for a failed condition
/// with `ReturnValuesOnConditionCheckFailure=ALL_OLD` the item as it was.
#[derive(Clone, PartialEq, Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: Option<String>,
    pub item: Option<Item>,
    /// `ThrottlingReasons` of a throttling error: (reason, resource ARN).
    pub throttling_reasons: Vec<(String, String)>,
    /// `CancellationReasons` of a TransactionCanceledException, one per action, in order.
    pub cancellation_reasons: Vec<CancellationReason>,
}

/// Why one action of a transaction did not go through (`Code: None` when it was fine).
#[derive(Clone, PartialEq, Debug)]
pub struct CancellationReason {
    pub code: String,
    pub message: Option<String>,
    pub item: Option<Item>,
}

impl CancellationReason {
    pub fn none() -> CancellationReason {
        CancellationReason {
            code: "None".into(),
            message: None,
            item: None,
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: Some(message.into()),
            item: None,
            throttling_reasons: Vec::new(),
            cancellation_reasons: Vec::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ValidationException, message)
    }

    pub fn serialization(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::SerializationException, message)
    }

    /// DynamoDB's answer to a body that is not JSON: a SerializationException without a message.
    pub fn bad_json() -> ApiError {
        ApiError {
            code: ErrorCode::SerializationException,
            message: None,
            item: None,
            throttling_reasons: Vec::new(),
            cancellation_reasons: Vec::new(),
        }
    }

    pub fn unknown_operation() -> ApiError {
        ApiError {
            code: ErrorCode::UnknownOperationException,
            message: None,
            item: None,
            throttling_reasons: Vec::new(),
            cancellation_reasons: Vec::new(),
        }
    }

    pub fn resource_not_found() -> ApiError {
        ApiError::new(
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        )
    }

    pub fn resource_not_found_message(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ResourceNotFoundException, message)
    }

    pub fn table_not_found(table: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ResourceNotFoundException,
            format!("Requested resource not found: Table: {table} not found"),
        )
    }

    pub fn resource_in_use(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ResourceInUseException, message)
    }

    pub fn conditional_check_failed(item: Option<Item>) -> ApiError {
        ApiError {
            code: ErrorCode::ConditionalCheckFailedException,
            message: Some("The conditional request failed".into()),
            item,
            throttling_reasons: Vec::new(),
            cancellation_reasons: Vec::new(),
        }
    }

    /// TransactionCanceledException with DynamoDB's message listing every reason's code.
    pub fn transaction_canceled(reasons: Vec<CancellationReason>) -> ApiError {
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        let mut error = ApiError::new(
            ErrorCode::TransactionCanceledException,
            format!(
                "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                codes.join(", ")
            ),
        );
        error.cancellation_reasons = reasons;
        error
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InternalServerError, message)
    }

    /// The shared prefix of most semantic validation messages.
    pub fn invalid_parameter(detail: impl fmt::Display) -> ApiError {
        ApiError::validation(format!(
            "One or more parameter values were invalid: {detail}"
        ))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}: {}",
            self.code,
            self.message.as_deref().unwrap_or("")
        )
    }
}

impl std::error::Error for ApiError {}
