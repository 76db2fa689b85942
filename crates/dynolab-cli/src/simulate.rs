//! `dynolab simulate` and `dynolab advise`: the dynolab-sim crate behind a progress bar.

use std::path::{Path, PathBuf};

use dynolab_capacity::pricing::Prices;
use dynolab_design::{Inputs, Loaded, Origin, TableDesign};
use dynolab_sim::{SimOptions, Workload, advise, render, simulate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A design file and what it is read with: `simulate`, `advise` and `workload` take the same.
#[derive(clap::Args)]
pub struct DesignInput {
    /// The table design: a Terraform file or directory (aws_dynamodb_table resources or calls of
    /// terraform-aws-modules/dynamodb-table/aws), a CloudFormation / SAM / CDK template or a
    /// serverless.yml (.yaml, .yml, .json, .template), or CreateTable / describe-table JSON.
    #[arg(long)]
    pub design: PathBuf,
    /// Which table of the design file, when it has several (its name, or the module label or
    /// template logical id it is declared with).
    #[arg(long)]
    pub table: Option<String>,
    /// A Terraform variables file (.tfvars or .tfvars.json), as `terraform plan -var-file`
    /// (repeatable; applied in order).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// A Terraform variable, as `terraform plan -var NAME=VALUE` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = key_value)]
    pub vars: Vec<(String, String)>,
    /// A CloudFormation parameter value over its Default (repeatable).
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = key_value)]
    pub parameters: Vec<(String, String)>,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, found \"{s}\"")),
    }
}

impl DesignInput {
    /// The variables and parameters the design is read with.
    pub fn inputs(&self) -> Inputs {
        Inputs {
            var_files: self.var_files.clone(),
            vars: self.vars.clone(),
            parameters: self.parameters.clone(),
        }
    }

    /// The one table of the design (or the one `--table` names), with the form it was
    /// declared in.
    pub fn load(&self) -> Result<Loaded, String> {
        let loaded =
            TableDesign::load_with(&self.design, &self.inputs()).map_err(|e| e.to_string())?;
        dynolab_design::choose(
            loaded,
            self.table.as_deref(),
            &self.design.display().to_string(),
        )
    }
}

/// What both commands read.
#[derive(clap::Args)]
pub struct ModelArgs {
    #[command(flatten)]
    design: DesignInput,
    /// The workload (TOML, or JSON by extension); docs/design/simulate.md documents it.
    #[arg(long)]
    workload: PathBuf,
    /// Days of virtual time to run (default: the workload's `days`).
    #[arg(long)]
    days: Option<f64>,
    /// A price file like crates/dynolab-capacity/prices/us-east-1.json.
    #[arg(long)]
    prices: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Price provisioned capacity as 1-year reserved capacity (54% off list prices), as
    /// `dynolab advise` does when it recommends buying it.
    #[arg(long)]
    reserved_capacity: bool,
    /// Write the report as JSON to this file (`-` for stdout, instead of the summary).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write the report as one self-contained HTML file.
    #[arg(long)]
    html: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct AdviseArgs {
    /// Advise on a live table: read its design and traffic from the AWS account (read-only;
    /// docs/aws.md), instead of --design and --workload.
    #[arg(long, value_name = "TABLE", conflicts_with_all = ["design", "workload", "table"])]
    aws: Option<String>,
    /// With --aws: days of CloudWatch history to read.
    #[arg(long, default_value_t = 14.0, requires = "aws")]
    history_days: f64,
    #[command(flatten)]
    account: crate::aws::AccountArgs,
    /// The table design (as for `simulate`; not with --aws).
    #[arg(long, required_unless_present = "aws")]
    design: Option<PathBuf>,
    /// Which table of the design file, when it has several.
    #[arg(long)]
    table: Option<String>,
    /// A Terraform variables file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// A Terraform variable, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = key_value)]
    vars: Vec<(String, String)>,
    /// A CloudFormation parameter value over its Default (repeatable).
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = key_value)]
    parameters: Vec<(String, String)>,
    /// The workload (TOML, or JSON by extension; not with --aws).
    #[arg(long, required_unless_present = "aws")]
    workload: Option<PathBuf>,
    /// Days of virtual time to run (default: the workload's `days`).
    #[arg(long)]
    days: Option<f64>,
    /// A price file like crates/dynolab-capacity/prices/us-east-1.json.
    #[arg(long)]
    prices: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Where to write after.tf (or after.template.yaml for a template), after.json, after.workload.toml, advice.json and advice.html (with --aws, also before.tf and workload.toml, as read).
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Print the advice as JSON on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

fn load(model: &ModelArgs) -> Result<(Loaded, Workload, SimOptions), String> {
    let design = model.design.load()?;
    let workload = Workload::load(&model.workload).map_err(|e| e.to_string())?;
    Ok((
        design,
        workload,
        options(model.days, model.prices.as_deref())?,
    ))
}

fn options(days: Option<f64>, prices: Option<&Path>) -> Result<SimOptions, String> {
    let mut options = SimOptions {
        days,
        ..SimOptions::default()
    };
    if let Some(path) = prices {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        options.prices = Prices::from_json(&text)?;
    }
    Ok(options)
}

pub fn bar(quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{prefix:>12} [{bar:40}] {msg} ({elapsed})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run_simulate(args: SimulateArgs) -> Result<(), String> {
    let (loaded, workload, mut options) = load(&args.model)?;
    let design = loaded.design;
    options.reserved_capacity = args.reserved_capacity;
    let bar = bar(args.model.quiet);
    bar.set_prefix("simulating");
    let report = simulate(&design, &workload, &options, &mut |done, total| {
        bar.set_length(total / 3600);
        bar.set_position(done / 3600);
        bar.set_message(format!("day {}", done / 86_400 + 1));
    })
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let json = serde_json::to_string_pretty(&report).expect("a report serializes");
    match &args.json {
        Some(p) if p.as_os_str() == "-" => println!("{json}"),
        Some(p) => write(p, &json)?,
        None => {}
    }
    if let Some(p) = &args.html {
        write(p, &render::html(&report))?;
    }
    if args.json.as_ref().is_none_or(|p| p.as_os_str() != "-") {
        print!("{}", render::summary(&report));
    }
    Ok(())
}

pub fn run_advise(args: AdviseArgs) -> Result<(), String> {
    let options = options(args.days, args.prices.as_deref())?;
    let (loaded, workload, workload_label, outputs) = match &args.aws {
        Some(table) => {
            let bar = bar(args.quiet);
            bar.set_prefix("reading AWS");
            let (snapshot, calls) = crate::aws::read(&args.account, table, args.history_days, bar)?;
            crate::aws::record_calls(&calls)?;
            let (workload, notes) = crate::aws::workload_of(&snapshot, args.account.scale)?;
            crate::aws::hint(&snapshot);
            let text = crate::aws::workload_text(&workload, &notes, "advise --aws");
            let design_tf = snapshot.design.to_terraform();
            let loaded = Loaded {
                design: snapshot.design,
                origin: Origin::Plain,
            };
            (
                loaded,
                workload,
                "workload.toml (read from AWS)".to_string(),
                vec![("workload.toml", text), ("before.tf", design_tf)],
            )
        }
        None => {
            let (Some(design), Some(workload)) = (&args.design, &args.workload) else {
                return Err("--design and --workload are required without --aws".into());
            };
            let input = DesignInput {
                design: design.clone(),
                table: args.table.clone(),
                var_files: args.var_files.clone(),
                vars: args.vars.clone(),
                parameters: args.parameters.clone(),
            };
            let loaded = input.load()?;
            let w = Workload::load(workload).map_err(|e| e.to_string())?;
            (loaded, w, workload.display().to_string(), Vec::new())
        }
    };
    let bar = bar(args.quiet);
    let advice = advise::advise(
        &loaded.design,
        &workload,
        &options,
        &mut |stage, done, total| {
            bar.set_prefix(stage.to_string());
            bar.set_length(total / 3600);
            bar.set_position(done / 3600);
            bar.set_message(format!("day {}", done / 86_400 + 1));
        },
    )
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    for (name, text) in &outputs {
        crate::aws::write_atomically(&args.out.join(name), text)?;
    }
    // The after design in the form the before one was declared in: a resource or a module call
    // (after.tf), or the template with the table's resources changed (after.template.yaml).
    let (after_name, after_text) = match &loaded.origin {
        Origin::Plain => ("after.tf".to_string(), render::after_terraform(&advice)),
        _ => {
            let (name, text) = loaded
                .write_after(&advice.after_design)
                .map_err(|e| e.to_string())?;
            (name, render::with_reserved_note(&advice, text))
        }
    };
    write(&args.out.join(&after_name), &after_text)?;
    write(
        &args.out.join("after.json"),
        &serde_json::to_string_pretty(&advice.after_design.to_create_table_json()).expect("json"),
    )?;
    write(
        &args.out.join("after.workload.toml"),
        &format!(
            "# The same traffic as {}, with the item layout of {after_name} (written by dynolab advise).\n{}",
            workload_label,
            advice.after_workload.to_toml()
        ),
    )?;
    let json = serde_json::to_string_pretty(&advice).expect("advice serializes");
    write(&args.out.join("advice.json"), &json)?;
    write(&args.out.join("advice.html"), &render::advice_html(&advice))?;
    if args.json {
        println!("{json}");
    } else {
        print!("{}", render::advice_summary(&advice));
        let read: String = outputs.iter().map(|(n, _)| format!("{n}, ")).collect();
        println!(
            "wrote {read}{after_name}, after.json, after.workload.toml, advice.json and advice.html to {}",
            args.out.display()
        );
    }
    Ok(())
}
