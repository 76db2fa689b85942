//! `dynolab workload from-log` and `dynolab workload from-cloudwatch`: a workload file for
//! `simulate` / `advise` from a `serve --record` log or from AWS exports. The conversion is
//! `dynolab_sim::import` (its documentation lists every assumption).

use std::path::{Path, PathBuf};

use dynolab_design::TableDesign;
use dynolab_sim::import;

// The subcommands are `from-log`, `from-cloudwatch` and `from-aws`: the prefix is the CLI's.
#[allow(clippy::enum_variant_names)]
#[derive(clap::Subcommand)]
pub enum WorkloadCommand {
    /// A workload from a request log written by `dynolab serve --record`.
    FromLog(FromLogArgs),
    /// A workload from `aws cloudwatch get-metric-statistics` / `get-metric-data` output
    /// (ConsumedRead/WriteCapacityUnits, Sum) and `get-insight-rule-report` top keys.
    FromCloudwatch(FromCloudWatchArgs),
    /// A workload and the design of a live table, read from an AWS account (read-only:
    /// Describe/Get/List calls only; docs/aws.md lists them and the IAM policy).
    FromAws(FromAwsArgs),
}

#[derive(clap::Args)]
pub struct FromAwsArgs {
    /// The table's name.
    #[arg(long)]
    table: String,
    /// Days of CloudWatch history to read (per minute for the last 15 days, hourly before).
    #[arg(long, default_value_t = 14.0)]
    days: f64,
    #[command(flatten)]
    account: crate::aws::AccountArgs,
    /// Where to write the workload (TOML).
    #[arg(long)]
    out: PathBuf,
    /// Where to write the table's design (Terraform, with its auto scaling).
    #[arg(long)]
    design_out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::Args)]
pub struct DesignArgs {
    #[command(flatten)]
    input: crate::simulate::DesignInput,
    /// Where to write the workload (TOML).
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args)]
pub struct FromLogArgs {
    /// The request log (JSON lines).
    #[arg(long)]
    log: PathBuf,
    #[command(flatten)]
    design: DesignArgs,
}

#[derive(clap::Args)]
pub struct FromCloudWatchArgs {
    /// A get-metric-statistics or get-metric-data output file (repeat for several).
    #[arg(long, required = true)]
    metrics: Vec<PathBuf>,
    /// A get-insight-rule-report output of the table's partition-key rule.
    #[arg(long)]
    top_keys: Option<PathBuf>,
    /// Average item size in bytes (default 1000: one write unit, half a read unit).
    #[arg(long)]
    item_bytes: Option<u64>,
    /// Take reads as strongly consistent (default: eventually consistent).
    #[arg(long)]
    consistent_reads: bool,
    #[command(flatten)]
    design: DesignArgs,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    serde_json::from_str(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn design(args: &DesignArgs) -> Result<TableDesign, String> {
    Ok(args.input.load()?.design)
}

fn write(args: &DesignArgs, source: &str, workload: &dynolab_sim::Workload) -> Result<(), String> {
    let text = format!(
        "# Written by dynolab workload {source}: an approximation of the traffic it saw;\n# docs/design/simulate.md lists the assumptions. Edit freely.\n{}",
        workload.to_toml()
    );
    std::fs::write(&args.out, text).map_err(|e| format!("{}: {e}", args.out.display()))?;
    println!(
        "wrote {} ({} patterns on table {})",
        args.out.display(),
        workload.patterns.len(),
        workload.entities.keys().next().map_or("", String::as_str)
    );
    Ok(())
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or("workload".into(), |s| s.to_string_lossy().into_owned())
}

pub fn run(command: WorkloadCommand) -> Result<(), String> {
    match command {
        WorkloadCommand::FromAws(args) => {
            let bar = crate::simulate::bar(args.quiet);
            bar.set_prefix("reading AWS");
            let (snapshot, calls) = crate::aws::read(&args.account, &args.table, args.days, bar)?;
            crate::aws::record_calls(&calls)?;
            let (workload, notes) = crate::aws::workload_of(&snapshot, args.account.scale)?;
            crate::aws::hint(&snapshot);
            // Both files only once every call has succeeded, each renamed into place.
            crate::aws::write_atomically(
                &args.out,
                &crate::aws::workload_text(&workload, &notes, "workload from-aws"),
            )?;
            crate::aws::write_atomically(&args.design_out, &snapshot.design.to_terraform())?;
            println!(
                "wrote {} ({} patterns on table {}) and {} ({} API calls)",
                args.out.display(),
                workload.patterns.len(),
                snapshot.design.name,
                args.design_out.display(),
                calls.len()
            );
            Ok(())
        }
        WorkloadCommand::FromLog(args) => {
            let design = design(&args.design)?;
            let lines = import::parse_log(&read(&args.log)?)
                .map_err(|e| format!("{}: {e}", args.log.display()))?;
            let workload =
                import::from_log(&lines, &design, &stem(&args.log)).map_err(|e| e.to_string())?;
            write(&args.design, "from-log", &workload)
        }
        WorkloadCommand::FromCloudwatch(args) => {
            let design = design(&args.design)?;
            let mut series = Vec::new();
            for path in &args.metrics {
                series.extend(
                    import::parse_metrics(&read_json(path)?, &design)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                );
            }
            let top_keys = match &args.top_keys {
                Some(path) => Some(
                    import::parse_top_keys(&read_json(path)?)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                ),
                None => None,
            };
            let mut assume = import::CloudWatchAssumptions {
                consistent_reads: args.consistent_reads,
                ..Default::default()
            };
            if let Some(bytes) = args.item_bytes {
                assume.item_bytes = bytes;
            }
            let workload = import::from_cloudwatch(
                &series,
                top_keys,
                &design,
                &format!("{} from CloudWatch", design.name),
                &assume,
            )
            .map_err(|e| e.to_string())?;
            write(&args.design, "from-cloudwatch", &workload)
        }
    }
}
