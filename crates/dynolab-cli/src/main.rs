//! The `dynolab` command. `serve` runs the DynamoDB-compatible endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: a request allocates and frees many small values (its
/// JSON, the items it reads), and glibc's malloc, free and fastbin consolidation took a fifth of
/// the server's time under load (docs/benchmarks.md §14).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod aws;
mod memory;
mod simulate;
mod workload;
use dynolab_capacity::CapacityConfig;
use dynolab_capacity::pricing::Prices;
use dynolab_clock::{Clock, SystemClock, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use dynolab_server::{Access, Limits, Server};

#[derive(Parser)]
#[command(
    name = "dynolab",
    version,
    about = "A DynamoDB you can see inside: emulator, capacity model, simulator, advisor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a DynamoDB-compatible endpoint (point any AWS SDK at it with --endpoint-url).
    Serve(Box<ServeArgs>),
    /// Show a running server's most accessed and most throttled keys (Contributor Insights).
    TopKeys(TopKeysArgs),
    /// Show a running server's bill so far and monthly run rate, per table and index.
    Cost(CostArgs),
    /// Run a workload against a table design in virtual time: throttles, capacity, the bill.
    Simulate(simulate::SimulateArgs),
    /// Find what is wrong in a design and its workload, write the fixed design, prove it.
    Advise(simulate::AdviseArgs),
    /// Write a workload file from a `serve --record` log or from CloudWatch exports.
    #[command(subcommand)]
    Workload(workload::WorkloadCommand),
    /// Exit 0 when a server answers HTTP at the endpoint, 1 when nothing does (a container's
    /// health check; any answer counts, so it works with --credentials and --admin off too).
    Ping(PingArgs),
    /// Print the tables of a design (Terraform, CreateTable or describe-table JSON) as a JSON
    /// array of CreateTable requests, to create them on a server (the Python package does).
    Design(DesignArgs),
}

/// The running server a command asks (plain HTTP).
#[derive(clap::Args)]
struct Endpoint {
    /// The server to ask.
    #[arg(
        long = "endpoint",
        default_value = "http://127.0.0.1:8000",
        env = "DYNOLAB_ENDPOINT"
    )]
    url: String,
}

impl Endpoint {
    /// The server's URL with `path` (which starts with `/`).
    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url.trim_end_matches('/'))
    }
}

#[derive(clap::Args)]
struct PingArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 3)]
    timeout_secs: u64,
}

#[derive(clap::Args)]
struct DesignArgs {
    #[command(flatten)]
    input: simulate::DesignInput,
}

/// How the commands that ask a running server reach it and print its answer.
#[derive(clap::Args)]
struct ServerArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// Print the raw JSON.
    #[arg(long)]
    json: bool,
}

impl ServerArgs {
    /// GETs an admin path (`/_dynolab/…`) of the server.
    fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        get_json(&self.endpoint.at(path))
    }
}

#[derive(clap::Args)]
struct CostArgs {
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Args)]
struct TopKeysArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Table name.
    #[arg(long)]
    table: String,
    /// A global secondary index of the table, instead of the table itself.
    #[arg(long)]
    index: Option<String>,
    /// How far back to look.
    #[arg(long, default_value_t = 60)]
    minutes: u64,
    /// How many keys to show per list.
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "DYNOLAB_HOST")]
    host: String,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, default_value_t = 8000, env = "DYNOLAB_PORT")]
    port: u16,
    /// Directory for the durable data file.
    #[arg(long, default_value = "./dynolab-data", env = "DYNOLAB_DATA_DIR")]
    data_dir: PathBuf,
    /// Keep everything in memory (nothing survives a restart).
    #[arg(long)]
    in_memory: bool,
    /// Region used in ARNs.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Partitions, throttling and burst as DynamoDB applies them (`off`: a plain emulator).
    #[arg(long, value_enum, default_value_t = Switch::On)]
    capacity: Switch,
    /// `virtual` starts a clock that moves only through the admin API (POST /_dynolab/clock/advance).
    #[arg(long, value_enum, default_value_t = ClockKind::System)]
    clock: ClockKind,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    lifecycle: LifecycleArgs,
    /// A price file in the format of crates/dynolab-capacity/prices/us-east-1.json.
    #[arg(long)]
    prices: Option<PathBuf>,
    /// Append one JSON line per data-plane request to this file (for `dynolab workload from-log`).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Open connections at once; a connection beyond it is closed at once.
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Requests a second one connection may send (bursts up to one second's worth); past it a
    /// request gets DynamoDB's ThrottlingException, which the SDKs retry. Default: no limit.
    #[arg(long, value_name = "PER_SEC")]
    max_connection_rate: Option<u32>,
    /// The largest request body served (bytes); a larger one gets HTTP 413. DynamoDB's limit
    /// is 16 MiB.
    #[arg(long, default_value_t = dynolab_server::MAX_REQUEST_BYTES)]
    max_request_bytes: usize,
    /// Seconds a client may take to send a request's headers, or leave a kept-alive
    /// connection idle; and again for its body.
    #[arg(long, default_value_t = 60)]
    request_timeout_secs: u64,
    /// A TOML file of `[[key]]` entries (`id`, `secret`, optional `tables = [...]`): every
    /// request must carry a valid AWS Signature Version 4 of one of these keys, and a key
    /// with `tables` may use only those. Without it any credentials (or none) are accepted.
    #[arg(long, env = "DYNOLAB_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// A PEM certificate chain: with --tls-key, the port serves HTTPS (and only HTTPS).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The admin API (`/_dynolab/...`: clock, cost, top keys) and the live page; `off` answers
    /// 404 for all of it. With --credentials they need a key too.
    #[arg(long, value_enum, default_value_t = Switch::On)]
    admin: Switch,
    /// Benchmarking only: run Scans, batches, transactions and PartiQL on the async workers
    /// instead of the blocking pool (docs/benchmarks.md §7).
    #[arg(long, hide = true)]
    inline_long_operations: bool,
    /// The most item data kept in memory: past it, writes that add data get a
    /// ValidationException naming this flag (reads and deletes go on; docs/COMPAT.md). A size
    /// (`2G`, `512MiB`, bytes), a share of physical memory (`40%`), or `off`. Default: half of
    /// the machine's physical memory.
    #[arg(long, value_name = "SIZE", value_parser = memory::parse_max_memory, env = "DYNOLAB_MAX_MEMORY")]
    max_memory: Option<memory::MaxMemory>,
    /// Testing only: a request naming this table panics inside the engine (the panic-isolation
    /// test in crates/dynolab-cli/tests/it/hardening.rs).
    #[arg(long, hide = true)]
    fault_panic_table: Option<String>,
    /// Answer requests for this IAM action (`cloudwatch:GetMetricData`, `dynamodb:DescribeTable`,
    /// …) with AccessDeniedException, as AWS does when a policy lacks it (repeatable; for
    /// testing clients' error handling).
    #[arg(long, hide = true, value_name = "SERVICE:ACTION")]
    deny_action: Vec<String>,
    /// Answer the first N requests for this IAM action with ThrottlingException
    /// (`cloudwatch:GetMetricData=2`; repeatable; for testing clients' retries).
    #[arg(long, hide = true, value_name = "SERVICE:ACTION=N", value_parser = action_count)]
    fault_throttle: Vec<(String, u32)>,
}

fn action_count(s: &str) -> Result<(String, u32), String> {
    let (action, n) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected SERVICE:ACTION=N, found {s:?}"))?;
    let n = n.parse().map_err(|e| format!("{s:?}: {e}"))?;
    Ok((action.to_string(), n))
}

/// The capacity model's numbers (docs/design/capacity-model.md). Defaults are DynamoDB's
/// documented values, or our documented choice where AWS publishes none.
#[derive(clap::Args)]
struct ModelArgs {
    /// Read units per second one partition serves.
    #[arg(long, default_value_t = 3_000)]
    partition_read_units: u64,
    /// Write units per second one partition serves.
    #[arg(long, default_value_t = 1_000)]
    partition_write_units: u64,
    /// Seconds of unused provisioned capacity a table banks as burst.
    #[arg(long, default_value_t = 300)]
    burst_window_secs: u64,
    /// Read units per second a new on-demand table sustains at once.
    #[arg(long, default_value_t = 12_000)]
    on_demand_initial_read_units: u64,
    /// Write units per second a new on-demand table sustains at once.
    #[arg(long, default_value_t = 4_000)]
    on_demand_initial_write_units: u64,
    /// Per-table (and per-GSI) throughput quota, units per second.
    #[arg(long, default_value_t = 40_000)]
    table_quota_units: u64,
    /// Consecutive seconds a partition must run hot before it splits for heat.
    #[arg(long, default_value_t = 300)]
    heat_split_after_secs: u64,
    /// A request larger than what its limits have left is served while none is exhausted, and
    /// charged in full (`off`: refused unless it fits whole). See docs/design/capacity-model.md.
    #[arg(long, value_enum, default_value_t = Switch::On)]
    admit_in_debt: Switch,
}

impl ModelArgs {
    fn config(&self) -> CapacityConfig {
        CapacityConfig {
            partition_read_units_per_s: self.partition_read_units,
            partition_write_units_per_s: self.partition_write_units,
            burst_window_s: self.burst_window_secs,
            on_demand_initial_read_units: self.on_demand_initial_read_units,
            on_demand_initial_write_units: self.on_demand_initial_write_units,
            table_quota_units_per_s: self.table_quota_units,
            heat_split_after_s: self.heat_split_after_secs,
            admit_in_debt: self.admit_in_debt == Switch::On,
            ..CapacityConfig::default()
        }
    }
}

/// How long DynamoDB's asynchronous work takes, in seconds of the server's clock (0: at once).
#[derive(clap::Args)]
struct LifecycleArgs {
    /// CreateTable: seconds the table is CREATING before it is ACTIVE.
    #[arg(long, default_value_t = 0)]
    table_create_secs: u64,
    /// UpdateTable (capacity, billing mode, table class): seconds the table is UPDATING.
    #[arg(long, default_value_t = 0)]
    table_update_secs: u64,
    /// DeleteTable: seconds the table is DELETING before it is gone.
    #[arg(long, default_value_t = 0)]
    table_delete_secs: u64,
    /// A GSI added by UpdateTable: seconds it is CREATING (backfilling) before it is ACTIVE.
    #[arg(long, default_value_t = 0)]
    index_create_secs: u64,
    /// A GSI removed by UpdateTable: seconds it is DELETING before it is gone.
    #[arg(long, default_value_t = 0)]
    index_delete_secs: u64,
    /// UpdateTimeToLive: seconds TTL is ENABLING / DISABLING.
    #[arg(long, default_value_t = 0)]
    ttl_transition_secs: u64,
    /// UpdateTimeToLive refuses another change this many seconds after one (DynamoDB: an hour).
    #[arg(long, default_value_t = 3600)]
    ttl_cooldown_secs: u64,
    /// TTL deletes an item this many seconds after the time in its TTL attribute.
    #[arg(long, default_value_t = 30)]
    ttl_delay_secs: u64,
}

impl LifecycleArgs {
    fn config(&self) -> dynolab_engine::Lifecycle {
        dynolab_engine::Lifecycle {
            table_create_secs: self.table_create_secs,
            table_update_secs: self.table_update_secs,
            table_delete_secs: self.table_delete_secs,
            index_create_secs: self.index_create_secs,
            index_delete_secs: self.index_delete_secs,
            ttl_transition_secs: self.ttl_transition_secs,
            ttl_cooldown_secs: self.ttl_cooldown_secs,
            ttl_delay_secs: self.ttl_delay_secs,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Switch {
    On,
    Off,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ClockKind {
    System,
    Virtual,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DYNOLAB_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(*args),
        Command::TopKeys(args) => top_keys(args),
        Command::Cost(args) => cost(args),
        Command::Ping(args) => ping(args),
        Command::Simulate(args) => simulate::run_simulate(args),
        Command::Advise(args) => simulate::run_advise(args),
        Command::Workload(command) => workload::run(command),
        Command::Design(args) => design(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dynolab: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Every table of a design file as a CreateTable request. Auto scaling has no CreateTable
/// form and is left out; the provisioned capacity is the design's.
fn design(args: DesignArgs) -> Result<(), String> {
    let input = &args.input;
    let tables: Vec<dynolab_design::TableDesign> = if input.table.is_some() {
        vec![input.load()?.design]
    } else {
        dynolab_design::TableDesign::load_with(&input.design, &input.inputs())
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|l| l.design)
            .collect()
    };
    let requests: Vec<serde_json::Value> =
        tables.iter().map(|t| t.to_create_table_json()).collect();
    let text = serde_json::to_string_pretty(&requests).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

/// Stack of each of the server's threads (async workers and the blocking pool).
const SERVER_THREAD_STACK: usize = 8 * 1024 * 1024;

fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = EngineConfig {
        data_dir: (!args.in_memory).then(|| args.data_dir.clone()),
        region: args.region.clone(),
        lifecycle: args.lifecycle.config(),
        record: args.record.clone(),
        fault_panic_table: args.fault_panic_table.clone(),
        max_memory: args
            .max_memory
            .map_or_else(memory::default_max_memory, |m| m.0),
        ..EngineConfig::default()
    };
    config.capacity = (args.capacity == Switch::On).then(|| args.model.config());
    if let Some(path) = &args.prices {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        config.prices = Prices::from_json(&text)?;
    }
    // A virtual clock starts at the current time and then moves only when told to.
    let virtual_clock =
        (args.clock == ClockKind::Virtual).then(|| VirtualClock::new(SystemClock.now()));
    let clock: Arc<dyn Clock> = match &virtual_clock {
        Some(v) => Arc::new(v.clone()),
        None => Arc::new(SystemClock),
    };
    let engine = Engine::open_with_progress(config, clock, memory::load_progress())
        .map_err(|e| format!("opening storage: {e}"))?;
    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .map_err(|e| format!("bad address: {e}"))?;
    let keys = args
        .credentials
        .as_deref()
        .map(dynolab_server::auth::Keys::load)
        .transpose()?;
    if keys.is_none() && !addr.ip().is_loopback() {
        eprintln!(
            "dynolab: warning: listening on {} without --credentials: anyone who can reach it can read, write and move its clock",
            addr.ip()
        );
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(dynolab_server::auth::tls_acceptor(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let access = Access {
        keys,
        admin: args.admin == Switch::On,
        tls,
        region: args.region.clone(),
        deny: args.deny_action.clone(),
        throttle: Arc::new(std::sync::Mutex::new(
            args.fault_throttle.iter().cloned().collect(),
        )),
        ..Access::default()
    };
    let limits = Limits {
        max_connections: args.max_connections.max(1),
        header_timeout: std::time::Duration::from_secs(args.request_timeout_secs.max(1)),
        body_timeout: std::time::Duration::from_secs(args.request_timeout_secs.max(1)),
        max_request_bytes: args
            .max_request_bytes
            .clamp(1, dynolab_server::MAX_REQUEST_BYTES),
        blocking_pool: !args.inline_long_operations,
        requests_per_connection_per_sec: args.max_connection_rate,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Room for the deepest request DynamoDB's limits allow (docs/design/expressions.md,
        // "Limits"), with a wide margin; the parsers also grow their own stack when needed.
        .thread_stack_size(SERVER_THREAD_STACK)
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let (listener, local) = dynolab_server::bind(addr)
            .await
            .map_err(|e| format!("binding {addr}: {e}"))?;
        let storage = if engine.is_durable() {
            format!("data in {}", args.data_dir.display())
        } else {
            "in memory".to_string()
        };
        // The address line is the contract with scripts and tests that start the server.
        println!("dynolab listening on {scheme}://{local} ({storage})");
        let engine = Arc::new(engine);
        let server = Server::with_access(Arc::clone(&engine), virtual_clock, limits, access);
        tokio::spawn(Arc::clone(&server).tick_every_second());
        let result = tokio::select! {
            res = server.serve(listener) => res.map_err(|e| e.to_string()),
            _ = shutdown_signal() => Ok(()),
        };
        engine.flush_record();
        result
    })
}

/// Ctrl-C, or SIGTERM on Unix (how scripts and tests stop the server).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async {
                match term.as_mut() {
                    Some(t) => { t.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn ping(args: PingArgs) -> Result<(), String> {
    let url = args.endpoint.at("/");
    let timeout = std::time::Duration::from_secs(args.timeout_secs.max(1));
    let (status, _) = http_get(&url, timeout)?;
    println!("{url} answered HTTP {}", status.as_u16());
    Ok(())
}

/// GETs `url`: its status and body, or why there was no answer within `timeout`.
fn http_get(
    url: &str,
    timeout: std::time::Duration,
) -> Result<(hyper::StatusCode, bytes::Bytes), String> {
    use http_body_util::BodyExt;
    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad endpoint: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let exchange = async {
            let response = client
                .get(uri)
                .await
                .map_err(|e| format!("no answer from {url}: {e}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("reading the answer from {url}: {e}"))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("no answer from {url} within {} s", timeout.as_secs()))?
    })
}

/// GETs a JSON document from a running server.
fn get_json(url: &str) -> Result<serde_json::Value, String> {
    let (status, body) = http_get(url, std::time::Duration::from_secs(60))?;
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("bad answer: {e}"))?;
    if !status.is_success() {
        return Err(value
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("request failed")
            .to_string());
    }
    Ok(value)
}

fn top_keys(args: TopKeysArgs) -> Result<(), String> {
    let mut path = format!(
        "/_dynolab/top-keys?table={}&minutes={}&limit={}",
        args.table, args.minutes, args.limit
    );
    if let Some(index) = &args.index {
        path.push_str(&format!("&index={index}"));
    }
    let report = args.server.get(&path)?;
    if args.server.json {
        println!("{report:#}");
        return Ok(());
    }
    let resource = match &args.index {
        Some(i) => format!("{} / index {i}", args.table),
        None => args.table.clone(),
    };
    println!(
        "Contributor Insights for {resource}, last {} minutes",
        args.minutes
    );
    for (title, field) in [
        ("Most accessed partition keys", "most_accessed"),
        ("Most throttled partition keys", "most_throttled"),
        (
            "Most accessed keys (partition + sort)",
            "most_accessed_pairs",
        ),
        (
            "Most throttled keys (partition + sort)",
            "most_throttled_pairs",
        ),
    ] {
        let rows = report[field].as_array().cloned().unwrap_or_default();
        println!("\n{title}:");
        if rows.is_empty() {
            println!("  (none)");
        }
        for row in rows {
            let key: Vec<String> = row["key"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect();
            println!("  {:>10}  {}", row["count"], key.join("  |  "));
        }
    }
    Ok(())
}

fn cost(args: CostArgs) -> Result<(), String> {
    let report = args.server.get("/_dynolab/cost")?;
    if args.server.json {
        println!("{report:#}");
        return Ok(());
    }
    let money = |v: &serde_json::Value| format!("${:.2}", v.as_f64().unwrap_or(0.0));
    println!(
        "Bill so far {}, monthly run rate {} ({} list prices of {})",
        money(&report["total_so_far"]),
        money(&report["monthly_run_rate"]),
        report["region"].as_str().unwrap_or_default(),
        report["prices_as_of"].as_str().unwrap_or_default()
    );
    for (table, components) in report["tables"].as_object().into_iter().flatten() {
        println!("\n{table}");
        println!(
            "  {:<28} {:>16} {:>12} {:>12} {:>12} {:>14}",
            "component", "billing", "requests", "capacity", "storage", "per month now"
        );
        for c in components.as_array().into_iter().flatten() {
            let so_far = &c["cost_so_far"];
            let requests =
                so_far["reads"].as_f64().unwrap_or(0.0) + so_far["writes"].as_f64().unwrap_or(0.0);
            let capacity = so_far["provisioned_rcu"].as_f64().unwrap_or(0.0)
                + so_far["provisioned_wcu"].as_f64().unwrap_or(0.0);
            println!(
                "  {:<28} {:>16} {:>12} {:>12} {:>12} {:>14}",
                c["component"].as_str().unwrap_or_default(),
                c["billing"].as_str().unwrap_or_default(),
                format!("${requests:.2}"),
                format!("${capacity:.2}"),
                money(&so_far["storage"]),
                money(&c["monthly_run_rate"]),
            );
        }
    }
    Ok(())
}
