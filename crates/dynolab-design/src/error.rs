//! `DesignError`: why a design could not be read, with the place in the input it comes from.

use std::fmt;
use std::path::PathBuf;

/// Why a design could not be read or is not a valid table design.
#[derive(Debug)]
pub enum DesignError {
    /// The file could not be read.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `load` was given a file whose extension names no known format.
    UnknownFormat { path: PathBuf },
    /// The text is not valid HCL or JSON.
    Syntax {
        format: &'static str,
        message: String,
    },
    /// An expression could not be evaluated (an undefined `var.x`, an unsupported function, ...).
    Unresolved { attribute: String, reason: String },
    /// The input parses but does not describe a valid table (missing key, unknown enum value, ...).
    Invalid { at: String, message: String },
    /// The input holds no table.
    NoTable { format: &'static str },
    /// An error in one file of several (or a file given by path), at a line.
    Located {
        file: String,
        line: usize,
        error: Box<DesignError>,
    },
}

impl DesignError {
    /// Auto scaling of an index its table does not have.
    pub(crate) fn no_such_index(at: impl Into<String>, table: &str, index: &str) -> Self {
        DesignError::invalid(
            at,
            format!(
                "auto scaling targets index \"{index}\" of table \"{table}\", which has no such global secondary index"
            ),
        )
    }

    pub(crate) fn invalid(at: impl Into<String>, message: impl Into<String>) -> Self {
        DesignError::Invalid {
            at: at.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for DesignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DesignError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            DesignError::UnknownFormat { path } => write!(
                f,
                "cannot tell the format of {}: expected a directory or .tf file (Terraform), a .json file (CreateTable, describe-table or a CloudFormation template) or a .yaml / .yml / .template file (CloudFormation, SAM, serverless.yml)",
                path.display()
            ),
            DesignError::Syntax { format, message } => write!(f, "invalid {format}: {message}"),
            DesignError::Unresolved { attribute, reason } => {
                write!(f, "cannot resolve {attribute}: {reason}")
            }
            DesignError::Invalid { at, message } => write!(f, "{at}: {message}"),
            DesignError::NoTable { format } => write!(f, "no DynamoDB table found in the {format}"),
            DesignError::Located { file, line, error } => write!(f, "{file}:{line}: {error}"),
        }
    }
}

impl std::error::Error for DesignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DesignError::Io { source, .. } => Some(source),
            DesignError::Located { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}
