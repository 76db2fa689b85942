//! The `dynolab` command. `serve` runs the DynamoDB-compatible endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use dynolab_clock::{Clock, SystemClock, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use dynolab_server::Server;

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
    Serve(ServeArgs),
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
        Command::Serve(args) => serve(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dynolab: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = EngineConfig {
        data_dir: (!args.in_memory).then(|| args.data_dir.clone()),
        region: args.region,
        ..EngineConfig::default()
    };
    if args.capacity == Switch::Off {
        config.capacity = None;
    }
    // A virtual clock starts at the current time and then moves only when told to.
    let virtual_clock =
        (args.clock == ClockKind::Virtual).then(|| VirtualClock::new(SystemClock.now()));
    let clock: Arc<dyn Clock> = match &virtual_clock {
        Some(v) => Arc::new(v.clone()),
        None => Arc::new(SystemClock),
    };
    let engine = Engine::open(config, clock).map_err(|e| format!("opening storage: {e}"))?;
    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .map_err(|e| format!("bad address: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
        println!("dynolab listening on http://{local} ({storage})");
        let server = Server::new(Arc::new(engine), virtual_clock);
        tokio::select! {
            res = server.serve(listener) => res.map_err(|e| e.to_string()),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
