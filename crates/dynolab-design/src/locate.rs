//! Where in the input files an error is: the line of the construct an error's path names.
//!
//! Errors are built with a path of what they are about (`aws_dynamodb_table.orders.count`,
//! `module.orders.attributes`, `Resources.Orders.Properties.KeySchema`); this finds the first
//! line of the file holding that path's block and then, segment by segment, the first line at
//! or after it that starts with the segment.

use crate::DesignError;
use crate::terraform::Source;

/// The path an error is about.
fn path_of(e: &DesignError) -> Option<&str> {
    match e {
        DesignError::Invalid { at, .. } => Some(at),
        DesignError::Unresolved { attribute, .. } => Some(attribute),
        _ => None,
    }
}

/// The words a Terraform path is made of: `resource "T" "L"` / `module "L"` / `variable "x"`
/// headers, then the keys and block names inside.
fn terraform_segments(path: &str) -> Option<(Vec<String>, Vec<String>)> {
    let (head, rest) = if let Some(rest) = path.strip_prefix("module.") {
        let (label, rest) = rest.split_once('.').unwrap_or((rest, ""));
        (vec!["module".to_string(), format!("\"{label}\"")], rest)
    } else if path.starts_with("variable \"") || path.starts_with("-var ") {
        return None;
    } else {
        let (ty, rest) = path.split_once('.')?;
        let (label, rest) = rest.split_once('.').unwrap_or((rest, ""));
        (
            vec![
                "resource".to_string(),
                format!("\"{ty}\""),
                format!("\"{label}\""),
            ],
            rest,
        )
    };
    let keys = rest
        .split('.')
        .filter(|s| !s.is_empty())
        .map(|s| {
            // `global_secondary_index "x"`, `attributes[0]`, `tags["k"]` → their first word
            s.split(['[', ' ']).next().unwrap_or(s).to_string()
        })
        .collect();
    Some((head, keys))
}

/// The 1-based line of the path's construct in the text, if its header is found.
pub(crate) fn line_of(text: &str, header: &[String], keys: &[String]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| {
        let mut words = l.split_whitespace();
        header.iter().all(|h| words.next() == Some(h.as_str()))
    })?;
    let mut at = start;
    for key in keys {
        if let Some(i) = lines[at..]
            .iter()
            .position(|l| l.trim_start().starts_with(key.as_str()))
        {
            at += i;
        }
    }
    Some(at + 1)
}

/// The error, placed at its file and line when one file holds its construct.
pub(crate) fn terraform(sources: &[Source], e: DesignError) -> DesignError {
    let Some((header, keys)) = path_of(&e).and_then(terraform_segments) else {
        return e;
    };
    for source in sources.iter().filter(|s| !s.path.is_empty()) {
        if let Some(line) = line_of(&source.text, &header, &keys) {
            return DesignError::Located {
                file: source.path.clone(),
                line,
                error: Box::new(e),
            };
        }
    }
    e
}
