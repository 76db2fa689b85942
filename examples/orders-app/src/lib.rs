//! The seed's single-table orders application on `dynolab-client`.
//!
//! One table, keyed `PK`/`SK`:
//!
//! | Entity  | PK                    | SK                                | GSI1PK / GSI1SK                              | GSI2PK            |
//! |---------|-----------------------|-----------------------------------|----------------------------------------------|-------------------|
//! | User    | `USER#{user_id}`      | `PROFILE`                         | -                                            | -                 |
//! | Order   | `USER#{user_id}`      | `ORDER#{created_at}#{order_id}`   | `STATUS#{status}#{shard}` / `{created_at}`   | `ORDER#{order_id}`|
//! | Product | `PRODUCT#{product_id}`| `METADATA`                        | `CATEGORY#{category}` / `PRODUCT#{name}`     | -                 |
//!
//! - GSI1 is overloaded: orders by status, products by category. A status has few values, so
//!   `STATUS#{status}` would be a hot key: it is sharded `STATUS_SHARDS` ways with the shard
//!   calculated from the order id, and read back by scatter-gather.
//! - Order by id uses a second index, GSI2 (`ORDER#{order_id}`), rather than a lookup item.
//!   A lookup item (`PK=ORDER#{order_id}`, pointing at the user) costs the same extra write
//!   per order, but it is a second item the application must keep in step with the order (a
//!   batch write can write one and not the other; a transaction doubles the write cost), and a
//!   lookup takes two reads. The index is maintained by DynamoDB with the order, and answers
//!   in one read; the price is that it is eventually consistent, which is acceptable for
//!   looking up an order someone already has the id of.
//! - High-value orders of a user are read two ways: a FilterExpression on `amount` over the
//!   user's orders (pays for every order read), and the local secondary index `ByAmount`
//!   whose sort key is `amount` (reads only the matching orders).

use std::time::Duration;

use dynolab_client::entity::QueryPage;
use dynolab_client::{
    AccessPattern, AttributeValue, Client, Entity, EntityDef, Error, IndexKeys, QueryOptions,
    ShardedKey, ShardedQuery, SingleTable, SortCondition, fields, from_item,
};
use serde::{Deserialize, Serialize};

/// How many ways the status key of GSI1 is sharded.
pub const STATUS_SHARDS: u32 = 4;
pub const STATUSES: [&str; 4] = ["PENDING", "PAID", "SHIPPED", "DELIVERED"];
pub const CATEGORIES: [&str; 3] = ["books", "games", "music"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub user_id: String,
    pub name: String,
    pub tier: String,
}

impl Entity for User {
    const DEF: EntityDef = EntityDef {
        entity_type: "USER",
        pk: "USER#{user_id}",
        sk: "PROFILE",
        indexes: &[],
        ttl_field: None,
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub user_id: String,
    pub order_id: String,
    /// RFC 3339, UTC: sorts as time.
    pub created_at: String,
    pub status: String,
    /// Whole dollars.
    pub amount: u64,
    /// The shard of `STATUS#{status}` in GSI1, calculated from `order_id`.
    pub status_shard: u32,
}

impl Entity for Order {
    const DEF: EntityDef = EntityDef {
        entity_type: "ORDER",
        pk: "USER#{user_id}",
        sk: "ORDER#{created_at}#{order_id}",
        indexes: &[
            IndexKeys {
                index: "GSI1",
                pk_attribute: "GSI1PK",
                sk_attribute: Some("GSI1SK"),
                pk: "STATUS#{status}#{status_shard}",
                sk: Some("{created_at}"),
            },
            IndexKeys {
                index: "GSI2",
                pk_attribute: "GSI2PK",
                sk_attribute: None,
                pk: "ORDER#{order_id}",
                sk: None,
            },
        ],
        ttl_field: None,
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub product_id: String,
    pub name: String,
    pub category: String,
    pub price: u64,
}

impl Entity for Product {
    const DEF: EntityDef = EntityDef {
        entity_type: "PRODUCT",
        pk: "PRODUCT#{product_id}",
        sk: "METADATA",
        indexes: &[IndexKeys {
            index: "GSI1",
            pk_attribute: "GSI1PK",
            sk_attribute: Some("GSI1SK"),
            pk: "CATEGORY#{category}",
            sk: Some("PRODUCT#{name}"),
        }],
        ttl_field: None,
    };
}

/// The status key of GSI1, sharded with the shard calculated from the order id.
pub fn status_key() -> ShardedKey {
    ShardedKey::calculated("GSI1PK", STATUS_SHARDS, "order_id")
}

impl Order {
    pub fn new(user_id: &str, order_id: &str, created_at: &str, status: &str, amount: u64) -> Self {
        let shard = status_key().shard_of(&AttributeValue::S(order_id.to_string()));
        Order {
            user_id: user_id.to_string(),
            order_id: order_id.to_string(),
            created_at: created_at.to_string(),
            status: status.to_string(),
            amount,
            status_shard: shard,
        }
    }
}

pub const ORDER_BY_ID: AccessPattern = AccessPattern {
    entity_type: "ORDER",
    index: Some("GSI2"),
    pk: "ORDER#{order_id}",
    sk_begins_with: None,
};
pub const ORDERS_OF_USER: AccessPattern = AccessPattern {
    entity_type: "ORDER",
    index: None,
    pk: "USER#{user_id}",
    sk_begins_with: Some("ORDER#"),
};
pub const PRODUCTS_IN_CATEGORY: AccessPattern = AccessPattern {
    entity_type: "PRODUCT",
    index: Some("GSI1"),
    pk: "CATEGORY#{category}",
    sk_begins_with: Some("PRODUCT#"),
};
pub const ORDERS_OF_USER_BY_AMOUNT: AccessPattern = AccessPattern {
    entity_type: "ORDER",
    index: Some("ByAmount"),
    pk: "USER#{user_id}",
    sk_begins_with: None,
};

/// The sample data set: `users` users with `orders_per_user` orders each, and products.
pub struct Dataset {
    pub users: Vec<User>,
    pub orders: Vec<Order>,
    pub products: Vec<Product>,
}

pub fn dataset(users: usize, orders_per_user: usize) -> Dataset {
    let users: Vec<User> = (0..users)
        .map(|u| User {
            user_id: format!("u{u:04}"),
            name: format!("User {u}"),
            tier: ["free", "standard", "premium"][u % 3].to_string(),
        })
        .collect();
    let mut orders = Vec::new();
    for (u, user) in users.iter().enumerate() {
        for k in 0..orders_per_user {
            let n = u * orders_per_user + k;
            // Distinct timestamps: one order a minute.
            let minute = n as u64;
            let created = format!(
                "2026-11-{:02}T{:02}:{:02}:00Z",
                1 + minute / 1440 % 28,
                minute / 60 % 24,
                minute % 60
            );
            let amount = 5 + (n as u64 * 7_919) % 995;
            orders.push(Order::new(
                &user.user_id,
                &format!("o{n:07}"),
                &created,
                STATUSES[(n * 7) % STATUSES.len()],
                amount,
            ));
        }
    }
    let products = (0..30)
        .map(|p| Product {
            product_id: format!("p{p:03}"),
            name: format!("Product {p:03}"),
            category: CATEGORIES[p % CATEGORIES.len()].to_string(),
            price: 10 + (p as u64 * 13) % 90,
        })
        .collect();
    Dataset {
        users,
        orders,
        products,
    }
}

/// Creates the table (on-demand) with GSI1, GSI2 and the LSI `ByAmount`, and waits until it
/// is active.
pub async fn create_table(client: &Client, name: &str) -> Result<(), Error> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType,
    };
    let attr = |n: &str, t: ScalarAttributeType| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(t)
            .build()
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
    };
    let all = || {
        Projection::builder()
            .projection_type(ProjectionType::All)
            .build()
    };
    let b = |e: aws_sdk_dynamodb::error::BuildError| Error::Key(e.to_string());
    let s = ScalarAttributeType::S;
    client
        .sdk()
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("PK", s.clone()).map_err(b)?)
        .attribute_definitions(attr("SK", s.clone()).map_err(b)?)
        .attribute_definitions(attr("GSI1PK", s.clone()).map_err(b)?)
        .attribute_definitions(attr("GSI1SK", s.clone()).map_err(b)?)
        .attribute_definitions(attr("GSI2PK", s.clone()).map_err(b)?)
        .attribute_definitions(attr("amount", ScalarAttributeType::N).map_err(b)?)
        .key_schema(key("PK", KeyType::Hash).map_err(b)?)
        .key_schema(key("SK", KeyType::Range).map_err(b)?)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("GSI1")
                .key_schema(key("GSI1PK", KeyType::Hash).map_err(b)?)
                .key_schema(key("GSI1SK", KeyType::Range).map_err(b)?)
                .projection(all())
                .build()
                .map_err(b)?,
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("GSI2")
                .key_schema(key("GSI2PK", KeyType::Hash).map_err(b)?)
                .projection(all())
                .build()
                .map_err(b)?,
        )
        .local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name("ByAmount")
                .key_schema(key("PK", KeyType::Hash).map_err(b)?)
                .key_schema(key("amount", KeyType::Range).map_err(b)?)
                .projection(all())
                .build()
                .map_err(b)?,
        )
        .send()
        .await
        .map_err(Error::from)?;
    // AWS creates tables asynchronously; dynolab answers ACTIVE at once.
    for _ in 0..120 {
        let out = client
            .sdk()
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(Error::from)?;
        let active = out
            .table()
            .and_then(|t| t.table_status())
            .is_some_and(|s| s.as_str() == "ACTIVE");
        if active {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(Error::Service {
        code: "TableNotActive".into(),
        message: format!("{name} did not become ACTIVE in two minutes"),
    })
}

/// What the batch import did.
#[derive(Debug, Clone)]
pub struct Import {
    pub written: u64,
    pub failed: usize,
    pub requests: u64,
    pub consumed: f64,
}

/// Imports users, products and orders with the batch writer.
pub async fn import(table: &SingleTable, data: &Dataset) -> Result<Import, Error> {
    let mut r = table.put_all(&data.users).await?;
    let p = table.put_all(&data.products).await?;
    let o = table.put_all(&data.orders).await?;
    r.written += p.written + o.written;
    r.failed.extend(p.failed);
    r.failed.extend(o.failed);
    r.requests += p.requests + o.requests;
    r.consumed_capacity += p.consumed_capacity + o.consumed_capacity;
    Ok(Import {
        written: r.written,
        failed: r.failed.len(),
        requests: r.requests,
        consumed: r.consumed_capacity,
    })
}

/// A read and the capacity it consumed.
#[derive(Debug, Clone)]
pub struct Read<T> {
    pub items: Vec<T>,
    pub consumed: f64,
    pub requests: u64,
}

/// Order by id (GSI2).
pub async fn order_by_id(table: &SingleTable, order_id: &str) -> Result<Read<Order>, Error> {
    let page: QueryPage<Order> = table
        .query(
            &ORDER_BY_ID,
            &fields([("order_id", order_id)]),
            &QueryOptions::default(),
        )
        .await?;
    Ok(Read {
        items: page.items,
        consumed: page.consumed_capacity,
        requests: 1,
    })
}

/// A user's orders, newest first.
pub async fn orders_of_user(
    table: &SingleTable,
    user_id: &str,
    limit: i32,
) -> Result<Read<Order>, Error> {
    let page: QueryPage<Order> = table
        .query(
            &ORDERS_OF_USER,
            &fields([("user_id", user_id)]),
            &QueryOptions {
                limit: Some(limit),
                ..QueryOptions::descending()
            },
        )
        .await?;
    Ok(Read {
        items: page.items,
        consumed: page.consumed_capacity,
        requests: 1,
    })
}

/// Orders with a status, newest first: scatter-gather over the status shards of GSI1.
pub async fn orders_by_status(
    client: &Client,
    table: &str,
    status: &str,
    limit: usize,
) -> Result<Read<Order>, Error> {
    let query = ShardedQuery::new(
        table,
        "GSI1PK",
        status_key().all_values(&format!("STATUS#{status}")),
    )
    .index("GSI1")
    .ascending(false)
    .limit(limit);
    let page = client.scatter_gather(&query, None).await?;
    Ok(Read {
        items: page
            .items
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?,
        consumed: page.consumed_capacity,
        requests: page.requests,
    })
}

/// Products of a category, by name.
pub async fn products_in_category(
    table: &SingleTable,
    category: &str,
) -> Result<Read<Product>, Error> {
    let page: QueryPage<Product> = table
        .query(
            &PRODUCTS_IN_CATEGORY,
            &fields([("category", category)]),
            &QueryOptions::default(),
        )
        .await?;
    Ok(Read {
        items: page.items,
        consumed: page.consumed_capacity,
        requests: 1,
    })
}

/// A user's orders of at least `min` dollars, with a FilterExpression over all their orders.
pub async fn high_value_by_filter(
    table: &SingleTable,
    user_id: &str,
    min: u64,
) -> Result<Read<Order>, Error> {
    let options = QueryOptions {
        filter: Some("#amount >= :min".into()),
        names: [("#amount".to_string(), "amount".to_string())].into(),
        values: [(":min".to_string(), AttributeValue::N(min.to_string()))].into(),
        ..QueryOptions::default()
    };
    all_pages(table, &ORDERS_OF_USER, user_id, options).await
}

/// The same orders through the `ByAmount` index, whose sort key is the amount.
pub async fn high_value_by_key(
    table: &SingleTable,
    user_id: &str,
    min: u64,
) -> Result<Read<Order>, Error> {
    let options = QueryOptions {
        sort: Some(SortCondition::Ge(AttributeValue::N(min.to_string()))),
        ..QueryOptions::default()
    };
    all_pages(table, &ORDERS_OF_USER_BY_AMOUNT, user_id, options).await
}

async fn all_pages(
    table: &SingleTable,
    pattern: &AccessPattern,
    user_id: &str,
    mut options: QueryOptions,
) -> Result<Read<Order>, Error> {
    let mut read = Read {
        items: Vec::new(),
        consumed: 0.0,
        requests: 0,
    };
    loop {
        let page: QueryPage<Order> = table
            .query(pattern, &fields([("user_id", user_id)]), &options)
            .await?;
        read.items.extend(page.items);
        read.consumed += page.consumed_capacity;
        read.requests += 1;
        match page.last_evaluated_key {
            Some(k) => options.start = Some(k),
            None => return Ok(read),
        }
    }
}
