//! Designs in the forms teams keep them (issue 22), through the binary: `advise` on the orders
//! example as a resource, a module call and a CloudFormation template writes its after design in
//! the same form, and each reads back as the same design as the plain after.tf; `--table`
//! chooses among several tables; `--var-file`, `--var` and `--parameter` are inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use dynolab_design::{Inputs, Origin, TableDesign};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dynolab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dynolab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn advise(design: &str, out: &Path) {
    let orders = root().join("examples/orders");
    let done = dynolab(&[
        "advise",
        "--design",
        orders.join(design).to_str().unwrap(),
        "--workload",
        orders.join("workload.toml").to_str().unwrap(),
        "--days",
        "1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        done.status.success(),
        "{design}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

#[test]
fn advise_writes_the_after_design_in_the_before_designs_form() {
    let tmp = tempfile::tempdir().unwrap();
    let plain_out = tmp.path().join("plain");
    advise("before.tf", &plain_out);
    let plain = TableDesign::load(plain_out.join("after.tf")).unwrap();
    // One day of the workload gives the advice of the month committed in examples/orders.
    assert_eq!(
        plain,
        TableDesign::load(root().join("examples/orders/after.tf")).unwrap()
    );

    for (before, after, module) in [
        ("before.module.tf", "after.tf", true),
        ("before.template.yaml", "after.template.yaml", false),
    ] {
        let out = tmp.path().join(before);
        advise(before, &out);
        let text = std::fs::read_to_string(out.join(after)).unwrap();
        let loaded = TableDesign::load_with(out.join(after), &Inputs::default())
            .unwrap_or_else(|e| panic!("{before} → {after}: {e}\n{text}"));
        let designs: Vec<TableDesign> = loaded.iter().map(|l| l.design.clone()).collect();
        assert_eq!(designs, plain, "{before} → {after}:\n{text}");
        match &loaded[0].origin {
            Origin::Module(call) if module => {
                assert_eq!(call.source, "terraform-aws-modules/dynamodb-table/aws");
                assert!(
                    text.contains("point_in_time_recovery_enabled = true"),
                    "{text}"
                );
            }
            Origin::CloudFormation(t) if !module => {
                assert_eq!(t.logical_id, "OrdersTable");
                // Only the table's resources change: the parameters stay, and so does what
                // the design does not model.
                assert!(text.contains("OrdersReadCapacity:"), "{text}");
                assert!(text.contains("PointInTimeRecoveryEnabled: true"), "{text}");
                assert!(!text.contains("OrdersReadPolicy"), "{text}");
            }
            other => panic!("{before}: read back as {other:?}"),
        }
        assert!(
            !out.join(if module {
                "after.template.yaml"
            } else {
                "after.tf"
            })
            .exists()
        );
    }
}

fn fixture(name: &str) -> String {
    root()
        .join("crates/dynolab-design/tests/fixtures/equivalent")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn table_var_and_parameter_choose_what_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let two = tmp.path().join("two.tf");
    let table = |name: &str| {
        format!(
            "resource \"aws_dynamodb_table\" \"{name}\" {{\n  name = \"{name}\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key = \"pk\"\n  attribute {{\n    name = \"pk\"\n    type = \"S\"\n  }}\n}}\n"
        )
    };
    std::fs::write(&two, table("alpha") + &table("beta")).unwrap();
    let two = two.to_str().unwrap();
    let workload = root().join("examples/orders/workload.toml");
    let workload = workload.to_str().unwrap();

    // Several tables and no --table: an error that lists them.
    let done = dynolab(&[
        "simulate",
        "--design",
        two,
        "--workload",
        workload,
        "--quiet",
    ]);
    assert!(!done.status.success());
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(
        err.contains("has 2 tables (alpha, beta): choose one with --table"),
        "{err}"
    );
    let done = dynolab(&["design", "--design", two, "--table", "gamma"]);
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(
        err.contains("no table gamma (it has: alpha, beta)"),
        "{err}"
    );

    // --table picks one; -var-file and -var are Terraform's inputs.
    let done = dynolab(&["design", "--design", two, "--table", "beta"]);
    let json: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(json[0]["TableName"], "beta");
    let done = dynolab(&[
        "design",
        "--design",
        &fixture("dynamic.tf"),
        "--var-file",
        &fixture("dynamic.tfvars"),
        "--var",
        "table_name=events",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(json[0]["TableName"], "events");
    assert_eq!(json[0]["ProvisionedThroughput"]["ReadCapacityUnits"], 7);

    // A missing variable names its file, line and construct.
    let done = dynolab(&["design", "--design", &fixture("dynamic.tf")]);
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(
        err.contains("dynamic.tf:") && err.contains("`var.table_name` has no"),
        "{err}"
    );

    // --parameter over a template's Default.
    let done = dynolab(&[
        "design",
        "--design",
        &fixture("cfn-orders.yaml"),
        "--parameter",
        "Env=prod",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(json[0]["TableName"], "orders-prod");

    // The workload commands take the same design inputs: a log of the prod table, read
    // against the template with Env=prod.
    let log = tmp.path().join("requests.jsonl");
    let lines: String = (0..100)
        .map(|i| {
            format!(
                "{}\n",
                serde_json::json!({"t": 1000.0 + f64::from(i) * 0.5, "op": "PutItem", "table": "orders-prod",
                    "pk": format!("USER#{}", i % 7), "write_units": 1.0, "items": 1})
            )
        })
        .collect();
    std::fs::write(&log, lines).unwrap();
    let out = tmp.path().join("workload.toml");
    let done = dynolab(&[
        "workload",
        "from-log",
        "--log",
        log.to_str().unwrap(),
        "--design",
        &fixture("cfn-orders.yaml"),
        "--parameter",
        "Env=prod",
        "--out",
        out.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        said.contains("on table orders-prod"),
        "{said}{}",
        String::from_utf8_lossy(&done.stderr)
    );
    for sub in ["from-log", "from-cloudwatch"] {
        let help = dynolab(&["workload", sub, "--help"]);
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in ["--design", "--table", "--var-file", "--var", "--parameter"] {
            assert!(help.contains(flag), "workload {sub}: {flag}\n{help}");
        }
    }
}
