//! `dynolab simulate` and `dynolab advise`: the dynolab-sim crate behind a progress bar.

use std::path::{Path, PathBuf};

use dynolab_capacity::pricing::Prices;
use dynolab_design::TableDesign;
use dynolab_sim::{SimOptions, Workload, advise, render, simulate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What both commands read.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// The table design: Terraform (.tf), a CreateTable request or describe-table output (.json).
    #[arg(long)]
    design: PathBuf,
    /// Which table of the design file, when it has several.
    #[arg(long)]
    table: Option<String>,
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
    #[command(flatten)]
    model: ModelArgs,
    /// Where to write after.tf, after.json, after.workload.toml, advice.json and advice.html.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Print the advice as JSON on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

/// The one table of a design file, or the one `table` names.
pub fn choose_design(path: &Path, table: Option<&str>) -> Result<TableDesign, String> {
    let designs = TableDesign::load(path).map_err(|e| e.to_string())?;
    match table {
        Some(name) => designs
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| format!("{}: no table {name}", path.display())),
        None if designs.len() == 1 => Ok(designs.into_iter().next().expect("one")),
        None => Err(format!(
            "{} has {} tables ({}): choose one with --table",
            path.display(),
            designs.len(),
            designs
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn load(model: &ModelArgs) -> Result<(TableDesign, Workload, SimOptions), String> {
    let design = choose_design(&model.design, model.table.as_deref())?;
    let workload = Workload::load(&model.workload).map_err(|e| e.to_string())?;
    let mut options = SimOptions {
        days: model.days,
        ..SimOptions::default()
    };
    if let Some(path) = &model.prices {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        options.prices = Prices::from_json(&text)?;
    }
    Ok((design, workload, options))
}

fn bar(quiet: bool) -> ProgressBar {
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
    let (design, workload, mut options) = load(&args.model)?;
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
    let (design, workload, options) = load(&args.model)?;
    let bar = bar(args.model.quiet);
    let advice = advise::advise(&design, &workload, &options, &mut |stage, done, total| {
        bar.set_prefix(stage.to_string());
        bar.set_length(total / 3600);
        bar.set_position(done / 3600);
        bar.set_message(format!("day {}", done / 86_400 + 1));
    })
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    write(
        &args.out.join("after.tf"),
        &render::after_terraform(&advice),
    )?;
    write(
        &args.out.join("after.json"),
        &serde_json::to_string_pretty(&advice.after_design.to_create_table_json()).expect("json"),
    )?;
    write(
        &args.out.join("after.workload.toml"),
        &format!(
            "# The same traffic as {}, with the item layout of after.tf (written by dynolab advise).\n{}",
            args.model.workload.display(),
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
        println!(
            "wrote after.tf, after.json, after.workload.toml, advice.json and advice.html to {}",
            args.out.display()
        );
    }
    Ok(())
}
