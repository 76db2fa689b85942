//! The same table declared in the forms teams keep it in (the community Terraform module, dynamic
//! blocks with variable files, CloudFormation, SAM, CDK output, serverless.yml) reads as the same
//! `TableDesign` as the plain declaration next to it; and the after design written in each form
//! reads back as the design it was written from.

use std::path::PathBuf;

use dynolab_design::{Inputs, Loaded, Origin, TableDesign, choose};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/equivalent")
        .join(name)
}

struct Case {
    input: &'static str,
    var_files: &'static [&'static str],
    vars: &'static [(&'static str, &'static str)],
    parameters: &'static [(&'static str, &'static str)],
    table: Option<&'static str>,
    /// The plain `aws_dynamodb_table` (or CreateTable JSON) the input must equal.
    plain: &'static str,
    /// Whether an after design is written in this form (not for a GlobalTable).
    after: bool,
}

const CASE: Case = Case {
    input: "",
    var_files: &[],
    vars: &[],
    parameters: &[],
    table: None,
    plain: "",
    after: true,
};

const CASES: &[Case] = &[
    Case {
        input: "module-basic.tf",
        plain: "module-basic.plain.tf",
        ..CASE
    },
    Case {
        input: "module-autoscaling.tf",
        plain: "module-autoscaling.plain.tf",
        ..CASE
    },
    Case {
        input: "module-v6.tf",
        plain: "module-autoscaling.plain.tf",
        ..CASE
    },
    Case {
        input: "module-dir",
        plain: "module-basic.plain.tf",
        ..CASE
    },
    Case {
        input: "dynamic.tf",
        var_files: &["dynamic.tfvars"],
        vars: &[("table_name", "events")],
        plain: "dynamic.plain.tf",
        ..CASE
    },
    Case {
        input: "cfn-orders.yaml",
        plain: "cfn-orders.plain.tf",
        ..CASE
    },
    Case {
        input: "cfn-orders.yaml",
        parameters: &[("Env", "prod")],
        plain: "cfn-orders-prod.plain.tf",
        ..CASE
    },
    Case {
        input: "cdk.template.json",
        plain: "cdk.plain.tf",
        ..CASE
    },
    Case {
        input: "cfn-orders.yaml",
        table: Some("OrdersTable"),
        plain: "cfn-orders.plain.tf",
        ..CASE
    },
    Case {
        input: "sam.yaml",
        plain: "sam.plain.tf",
        ..CASE
    },
    Case {
        input: "global-table.yaml",
        plain: "global-table.plain.tf",
        after: false,
        ..CASE
    },
    Case {
        input: "serverless.yml",
        plain: "serverless.plain.tf",
        ..CASE
    },
];

fn inputs(case: &Case) -> Inputs {
    Inputs {
        var_files: case.var_files.iter().map(|f| fixture(f)).collect(),
        vars: case
            .vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        parameters: case
            .parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn load(case: &Case) -> Loaded {
    let loaded = TableDesign::load_with(fixture(case.input), &inputs(case))
        .unwrap_or_else(|e| panic!("{}: {e}", case.input));
    choose(loaded, case.table, case.input).unwrap()
}

#[test]
fn every_form_reads_as_its_plain_declaration() {
    for case in CASES {
        let got = load(case).design;
        let plain = TableDesign::load(fixture(case.plain))
            .unwrap_or_else(|e| panic!("{}: {e}", case.plain));
        assert_eq!(vec![got], plain, "{} vs {}", case.input, case.plain);
    }
}

/// A changed design written in the input's own form reads back as that design.
#[test]
fn after_in_the_inputs_form_reads_back() {
    for case in CASES {
        let loaded = load(case);
        let mut after = loaded.design.clone();
        after.tags.insert("Changed".into(), "yes".into());
        if let Some(g) = after.gsis.first_mut() {
            g.projection = dynolab_design::Projection::KeysOnly;
        }
        if !case.after {
            let err = loaded.write_after(&after).unwrap_err().to_string();
            assert!(err.contains("is not supported"), "{}: {err}", case.input);
            continue;
        }
        let (name, text) = loaded.write_after(&after).unwrap();
        if case.input.starts_with("cdk") {
            // A generated name stays generated: adding TableName would replace the table.
            assert!(!text.contains("TableName"), "{text}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(&name);
        std::fs::write(&path, &text).unwrap();
        let back = TableDesign::load_with(&path, &Inputs::default())
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", case.input));
        let back = choose(back, Some(&after.name), case.input).unwrap();
        assert_eq!(back.design, after, "{}:\n{text}", case.input);
        match (&loaded.origin, &back.origin) {
            (Origin::Module(a), Origin::Module(b)) => {
                assert_eq!((&a.source, &a.version, a.v6), (&b.source, &b.version, b.v6))
            }
            (Origin::CloudFormation(_), Origin::CloudFormation(_))
            | (Origin::Plain, Origin::Plain) => {}
            (a, b) => panic!("{}: read as {a:?}, written back as {b:?}", case.input),
        }
    }
}

/// examples/orders holds the same before design as a resource, a module call and a template.
#[test]
fn the_orders_example_reads_the_same_in_every_form() {
    let orders = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/orders");
    let plain = TableDesign::load(orders.join("before.tf")).unwrap();
    for form in ["before.module.tf", "before.template.yaml"] {
        let loaded = TableDesign::load_with(orders.join(form), &Inputs::default())
            .unwrap_or_else(|e| panic!("{form}: {e}"));
        let designs: Vec<TableDesign> = loaded.into_iter().map(|l| l.design).collect();
        assert_eq!(designs, plain, "{form}");
    }
}

/// Every construct the readers do not evaluate is an error naming the file, the line and the
/// construct: each fixture under `fixtures/unsupported` says which in its first two lines
/// (`# error: ...`, `# line: N`).
#[test]
fn unsupported_constructs_are_errors_at_their_file_and_line() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/unsupported");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let header = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                .unwrap_or_else(|| panic!("{}: no `# {key}:` line", path.display()))
                .to_string()
        };
        let (expected, line) = (header("error"), header("line"));
        let err = match TableDesign::load(&path) {
            Ok(d) => panic!("{}: expected an error, read {d:?}", path.display()),
            Err(e) => e.to_string(),
        };
        let at = format!("{}:{line}: ", path.display());
        if !(err.starts_with(&at) && err.contains(&expected)) {
            failures.push(format!("expected {at}... {expected}\n  got      {err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Truncated input is an error or a smaller design, never a panic: prefixes of every fixture.
#[test]
fn truncated_forms_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES.iter().filter(|c| !c.input.ends_with("-dir")) {
        let text = std::fs::read_to_string(fixture(case.input)).unwrap();
        let path = dir.path().join(case.input);
        for end in (0..text.len()).step_by(23) {
            if !text.is_char_boundary(end) {
                continue;
            }
            std::fs::write(&path, &text[..end]).unwrap();
            let _ = TableDesign::load_with(&path, &inputs(case));
        }
    }
}
