//! Typed errors. Every service error becomes an [`Error`]; nothing in this crate panics on one.

use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// One entry of DynamoDB's `ThrottlingReasons`: why a request was throttled and on which
/// resource (a table or index ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleReason {
    /// e.g. `TableWriteKeyRangeThroughputExceeded`, `IndexWriteProvisionedThroughputExceeded`.
    pub reason: String,
    /// The ARN of the table or index that throttled.
    pub resource: String,
}

impl ThrottleReason {
    /// The reason concerns one partition (a key range), not the table or index as a whole.
    pub fn is_key_range(&self) -> bool {
        self.reason.contains("KeyRange")
    }
}

/// What went wrong. Service errors keep DynamoDB's error code and message.
#[derive(Debug, Clone)]
pub enum Error {
    /// The service (or `dynolab serve`) throttled the request: `ProvisionedThroughputExceededException`,
    /// `ThrottlingException` or `RequestLimitExceeded`, with its `ThrottlingReasons` when present.
    Throttled {
        code: String,
        message: String,
        reasons: Vec<ThrottleReason>,
    },
    /// Any other error the service returned (`ValidationException`, `ResourceNotFoundException`,
    /// `ConditionalCheckFailedException`, `InternalServerError`, ...).
    Service { code: String, message: String },
    /// The request did not get an answer: connection refused, timeout, broken response.
    Transport(String),
    /// An item could not be converted to or from a Rust type.
    Serde(String),
    /// A key template needs a field the value does not have, or a key attribute is missing.
    Key(String),
    /// A scatter-gather cursor that this library did not produce (or for another query).
    Cursor(String),
    /// The retry budget (attempts or time) ran out; the last error seen is kept.
    RetriesExhausted { attempts: u32, last: Box<Error> },
}

impl Error {
    /// The budget ran out after `requests`: keeps the last error, or says what was left over
    /// (`code`: "UnprocessedItems"/"UnprocessedKeys") when every answer was a partial success.
    pub(crate) fn retries_exhausted(
        requests: u64,
        last: Option<Error>,
        code: &str,
        message: String,
    ) -> Error {
        let last = last.unwrap_or_else(|| Error::Service {
            code: code.to_string(),
            message,
        });
        Error::RetriesExhausted {
            attempts: requests as u32,
            last: Box::new(last),
        }
    }

    /// Worth retrying with backoff: throttling, server-side faults, and transport errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Throttled { .. } | Error::Transport(_) => true,
            Error::Service { code, .. } => matches!(
                code.as_str(),
                "InternalServerError" | "ServiceUnavailable" | "InternalFailure"
            ),
            _ => false,
        }
    }

    /// The throttling reasons, when this is a throttling error that carried them.
    pub fn throttle_reasons(&self) -> Option<&[ThrottleReason]> {
        match self {
            Error::Throttled { reasons, .. } => Some(reasons),
            Error::RetriesExhausted { last, .. } => last.throttle_reasons(),
            _ => None,
        }
    }

    /// The service's error code (`__type` without its namespace), when the service answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Throttled { code, .. } | Error::Service { code, .. } => Some(code),
            Error::RetriesExhausted { last, .. } => last.code(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Throttled {
                code,
                message,
                reasons,
            } => {
                write!(f, "{code}: {message}")?;
                for r in reasons {
                    write!(f, " [{} on {}]", r.reason, r.resource)?;
                }
                Ok(())
            }
            Error::Service { code, message } => write!(f, "{code}: {message}"),
            Error::Transport(m) => write!(f, "transport error: {m}"),
            Error::Serde(m) => write!(f, "item conversion: {m}"),
            Error::Key(m) => write!(f, "key: {m}"),
            Error::Cursor(m) => write!(f, "cursor: {m}"),
            Error::RetriesExhausted { attempts, last } => {
                write!(f, "gave up after {attempts} attempts: {last}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<serde_dynamo::Error> for Error {
    fn from(e: serde_dynamo::Error) -> Self {
        Error::Serde(e.to_string())
    }
}

/// The error codes DynamoDB uses for throttling.
pub(crate) fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "Throttling"
    )
}

/// Operation errors that can carry `ThrottlingReasons`.
pub trait ThrottlingReasons {
    fn throttling_reasons(&self) -> Vec<ThrottleReason>;
}

fn convert(reasons: &[aws_sdk_dynamodb::types::ThrottlingReason]) -> Vec<ThrottleReason> {
    reasons
        .iter()
        .map(|r| ThrottleReason {
            reason: r.reason().unwrap_or_default().to_string(),
            resource: r.resource().unwrap_or_default().to_string(),
        })
        .collect()
}

macro_rules! throttling_reasons {
    ($($ty:path),* $(,)?) => {$(
        impl ThrottlingReasons for $ty {
            fn throttling_reasons(&self) -> Vec<ThrottleReason> {
                match self {
                    Self::ProvisionedThroughputExceededException(e) => convert(e.throttling_reasons()),
                    Self::ThrottlingException(e) => convert(e.throttling_reasons()),
                    Self::RequestLimitExceeded(e) => convert(e.throttling_reasons()),
                    _ => Vec::new(),
                }
            }
        }
    )*};
}

throttling_reasons!(
    aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemError,
    aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemError,
    aws_sdk_dynamodb::operation::query::QueryError,
    aws_sdk_dynamodb::operation::put_item::PutItemError,
    aws_sdk_dynamodb::operation::get_item::GetItemError,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemError,
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::operation::scan::ScanError,
);

macro_rules! no_throttling_reasons {
    ($($ty:path),* $(,)?) => {$(
        impl ThrottlingReasons for $ty {
            fn throttling_reasons(&self) -> Vec<ThrottleReason> {
                Vec::new()
            }
        }
    )*};
}

no_throttling_reasons!(
    aws_sdk_dynamodb::operation::describe_table::DescribeTableError,
    aws_sdk_dynamodb::operation::create_table::CreateTableError,
    aws_sdk_dynamodb::operation::delete_table::DeleteTableError,
);

impl<E, R> From<SdkError<E, R>> for Error
where
    E: ProvideErrorMetadata + ThrottlingReasons + std::error::Error + 'static,
    R: fmt::Debug,
{
    fn from(e: SdkError<E, R>) -> Self {
        match &e {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let code = err.code().unwrap_or("Unknown").to_string();
                let message = err.message().unwrap_or_default().to_string();
                if is_throttling_code(&code) {
                    Error::Throttled {
                        code,
                        message,
                        reasons: err.throttling_reasons(),
                    }
                } else {
                    Error::Service { code, message }
                }
            }
            SdkError::ConstructionFailure(_) => Error::Service {
                code: "ConstructionFailure".to_string(),
                message: format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)),
            },
            _ => Error::Transport(format!(
                "{}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )),
        }
    }
}
