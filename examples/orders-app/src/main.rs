//! `orders-app`: the seed's single-table design, its batch import and its five access
//! patterns, against `dynolab serve` (default http://127.0.0.1:8000) or, with `--aws`, against
//! AWS DynamoDB with the default AWS configuration (environment, profile, instance role).

use clap::Parser;
use dynolab_client::{Client, Error, SingleTable};
use orders_app::{
    CATEGORIES, create_table, dataset, high_value_by_filter, high_value_by_key, import,
    order_by_id, orders_by_status, orders_of_user, products_in_category,
};

#[derive(Parser)]
#[command(
    name = "orders-app",
    about = "The single-table orders application on dynolab-client"
)]
struct Args {
    /// The endpoint to talk to (dynolab serve).
    #[arg(
        long,
        default_value = "http://127.0.0.1:8000",
        env = "ORDERS_APP_ENDPOINT"
    )]
    endpoint: String,
    /// Use AWS DynamoDB with the default AWS configuration instead of --endpoint.
    #[arg(long, env = "ORDERS_APP_AWS")]
    aws: bool,
    /// Table name.
    #[arg(long, default_value = "orders-app")]
    table: String,
    /// Users to create.
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Orders per user.
    #[arg(long, default_value_t = 40)]
    orders_per_user: usize,
    /// Skip creating the table and importing the data.
    #[arg(long)]
    no_import: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orders-app: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn sdk(args: &Args) -> aws_sdk_dynamodb::Client {
    if args.aws {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        return aws_sdk_dynamodb::Client::new(&config);
    }
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "local"))
        .endpoint_url(&args.endpoint)
        // The library retries (including UnprocessedItems); the SDK's own retries are off.
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

async fn run(args: Args) -> Result<(), Error> {
    let client = Client::new(sdk(&args).await);
    let table = SingleTable::new(client.clone(), &args.table);
    let data = dataset(args.users, args.orders_per_user);
    if !args.no_import {
        create_table(&client, &args.table).await?;
        let r = import(&table, &data).await?;
        println!(
            "import: {} items written, {} failed, {} BatchWriteItem requests, {:.1} WCU",
            r.written, r.failed, r.requests, r.consumed
        );
    }
    let order = &data.orders[data.orders.len() / 2];
    let r = order_by_id(&table, &order.order_id).await?;
    println!(
        "order by id {}: {} found, {:.1} RCU",
        order.order_id,
        r.items.len(),
        r.consumed
    );
    let user = &data.users[0].user_id;
    let r = orders_of_user(&table, user, 10).await?;
    println!("orders of {user}, newest first: {:.1} RCU", r.consumed);
    for o in &r.items {
        println!(
            "  {} {} {} ${}",
            o.created_at, o.order_id, o.status, o.amount
        );
    }
    let r = orders_by_status(&client, &args.table, "SHIPPED", 10).await?;
    println!(
        "SHIPPED orders, newest first (scatter-gather over {} shards, {} requests): {:.1} RCU",
        orders_app::STATUS_SHARDS,
        r.requests,
        r.consumed
    );
    for o in &r.items {
        println!(
            "  {} {} {} ${}",
            o.created_at, o.order_id, o.user_id, o.amount
        );
    }
    for category in CATEGORIES {
        let r = products_in_category(&table, category).await?;
        println!(
            "products in {category}: {} ({:.1} RCU)",
            r.items.len(),
            r.consumed
        );
    }
    let min = 900;
    let by_filter = high_value_by_filter(&table, user, min).await?;
    let by_key = high_value_by_key(&table, user, min).await?;
    println!(
        "orders of {user} of ${min} or more: {} with a FilterExpression ({:.1} RCU), {} with the amount as a key ({:.1} RCU)",
        by_filter.items.len(),
        by_filter.consumed,
        by_key.items.len(),
        by_key.consumed
    );
    Ok(())
}
