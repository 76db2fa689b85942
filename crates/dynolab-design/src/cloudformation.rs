//! CloudFormation templates.
use crate::{DesignError, Loaded, TableDesign};

/// A table resource of a template, and the template, for writing the after design as a patch.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateTable {
    pub logical_id: String,
    pub template: String,
}

pub(crate) fn looks_like_template_json(_text: &str) -> bool {
    false
}
pub(crate) fn read(
    _path: &str,
    _text: &str,
    _p: &[(String, String)],
) -> Result<Vec<Loaded>, DesignError> {
    Err(DesignError::NoTable { format: "template" })
}
pub(crate) fn patch(_t: &TemplateTable, _d: &TableDesign) -> Result<String, DesignError> {
    Ok(String::new())
}
