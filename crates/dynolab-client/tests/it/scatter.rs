//! Scatter-gather returns exactly the items, in exactly the order, that one Query of the
//! unsharded key returns: on the table (string sort key) and on a GSI (number sort key),
//! both directions, with a sort-key condition and a filter, page by page through its cursor.

use dynolab_client::{AttributeValue as Av, Client, Item, ShardedKey, ShardedQuery, WriteOp};

use crate::support::{self, TableSpec};

/// The items of one Query of `pk` on the table or an index, all pages.
async fn single_query(client: &Client, q: &ShardedQuery, pk: &str) -> (Vec<Item>, f64) {
    let mut items = Vec::new();
    let mut consumed = 0.0;
    let mut start = None;
    loop {
        let mut req = client
            .sdk()
            .query()
            .table_name(&q.table)
            .set_index_name(q.index.clone())
            .key_condition_expression(match &q.sort_condition {
                Some(c) => format!("#p = :p AND {c}"),
                None => "#p = :p".to_string(),
            })
            .expression_attribute_names("#p", &q.partition_attribute)
            .expression_attribute_values(":p", Av::S(pk.to_string()))
            .set_filter_expression(q.filter.clone())
            .scan_index_forward(q.ascending)
            .set_exclusive_start_key(start)
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total);
        for (k, v) in &q.names {
            req = req.expression_attribute_names(k, v);
        }
        for (k, v) in &q.values {
            req = req.expression_attribute_values(k, v.clone());
        }
        let out = req.send().await.unwrap();
        consumed += out.consumed_capacity().unwrap().capacity_units().unwrap();
        items.extend(out.items().iter().cloned());
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            return (items, consumed);
        }
    }
}

fn strip(items: &[Item]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["id"].as_s().unwrap().clone(),
                i["amount"].as_n().unwrap().clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scatter_gather_matches_a_single_key_query() {
    let server = support::start(dynolab_capacity::CapacityConfig::default()).await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "events",
            hash: ("PK", "S"),
            range: Some(("SK", "S")),
            gsis: vec![("byAmount", ("GPK", "S"), Some(("amount", "N")))],
            provisioned: None,
        },
    )
    .await;
    let client = Client::builder(sdk).seed(3).concurrency(3).build();
    let sharded = ShardedKey::random("PK", 7);
    let by_amount = ShardedKey::calculated("GPK", 5, "id");
    // 400 records, each stored twice: once under the unsharded key, once sharded.
    let mut ops = Vec::new();
    for n in 0..400usize {
        let id = format!("e{n:04}");
        let ts = format!(
            "2026-11-{:02}T{:02}:{:02}:{:02}",
            1 + n % 28,
            n % 24,
            n % 60,
            n % 7
        );
        // Distinct amounts, in an order unrelated to the time.
        let amount = format!("{}.{}", (n * 7919) % 400, n % 10);
        let mut base = Item::from([
            ("SK".into(), Av::S(format!("{ts}#{id}"))),
            ("id".into(), Av::S(id.clone())),
            ("amount".into(), Av::N(amount)),
            ("kind".into(), Av::S(["a", "b", "c"][n % 3].into())),
        ]);
        let mut plain = base.clone();
        plain.insert("PK".into(), Av::S("ALL".into()));
        plain.insert("GPK".into(), Av::S("AMT".into()));
        ops.push(WriteOp::Put(plain));
        client.shard(&sharded, "HOT", &mut base).unwrap();
        by_amount.apply_with("AMT-S", &mut base, |_| 0).unwrap();
        ops.push(WriteOp::Put(base));
    }
    let report = client.write_batch("events", ops).await.unwrap();
    assert_eq!(report.written, 800);

    let table =
        |asc: bool| ShardedQuery::new("events", "PK", sharded.all_values("HOT")).ascending(asc);
    let index = |asc: bool| {
        ShardedQuery::new("events", "GPK", by_amount.all_values("AMT-S"))
            .index("byAmount")
            .ascending(asc)
    };
    let cases: Vec<(&str, ShardedQuery, &str, usize)> = vec![
        ("table, ascending", table(true), "ALL", 37),
        ("table, descending", table(false), "ALL", 50),
        (
            "table, sort condition and filter",
            table(false)
                .sort_condition("SK BETWEEN :lo AND :hi")
                .filter("#k = :k")
                .name("#k", "kind")
                .value(":lo", Av::S("2026-11-05".into()))
                .value(":hi", Av::S("2026-11-20".into()))
                .value(":k", Av::S("b".into())),
            "ALL",
            9,
        ),
        ("index, number sort key, ascending", index(true), "AMT", 64),
        (
            "index, number sort key, descending",
            index(false),
            "AMT",
            1_000,
        ),
        (
            "index, range on the number",
            index(false)
                .sort_condition("amount >= :min")
                .value(":min", Av::N("250".into())),
            "AMT",
            20,
        ),
    ];
    for (name, query, plain_key, limit) in cases {
        let (want, single_consumed) = single_query(&client, &query, plain_key).await;
        assert!(!want.is_empty(), "{name}: the case selects something");
        let query = query.limit(limit);
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        let mut consumed = 0.0;
        let mut pages = 0;
        loop {
            let page = client
                .scatter_gather(&query, cursor.as_deref())
                .await
                .unwrap();
            assert!(page.items.len() <= limit, "{name}: Limit is honoured");
            consumed += page.consumed_capacity;
            pages += 1;
            got.extend(page.items.iter().cloned());
            match page.cursor {
                Some(c) => {
                    assert_eq!(
                        page.items.len(),
                        limit,
                        "{name}: only the last page is short"
                    );
                    cursor = Some(c);
                }
                None => break,
            }
        }
        assert_eq!(strip(&got), strip(&want), "{name}");
        // Every page but the last is full; an exact multiple may end with one empty page.
        let full = want.len() / limit;
        assert!(
            pages == full + 1 || (want.len() % limit == 0 && pages == full),
            "{name}: {pages} pages for {} items",
            want.len()
        );
        assert!(
            consumed >= single_consumed,
            "{name}: the fan-out reads at least what one query reads ({consumed} vs {single_consumed})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_another_query_is_refused() {
    let server = support::start(dynolab_capacity::CapacityConfig::default()).await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "tbl",
            hash: ("PK", "S"),
            range: Some(("SK", "S")),
            gsis: vec![],
            provisioned: None,
        },
    )
    .await;
    let client = Client::new(sdk);
    let key = ShardedKey::random("PK", 3);
    let items: Vec<_> = (0..10)
        .map(|n| {
            let mut i = Item::from([("SK".into(), Av::S(format!("{n:02}")))]);
            client.shard(&key, "K", &mut i).unwrap();
            WriteOp::Put(i)
        })
        .collect();
    client.write_batch("tbl", items).await.unwrap();
    let q = ShardedQuery::new("tbl", "PK", key.all_values("K")).limit(4);
    let page = client.scatter_gather(&q, None).await.unwrap();
    let other = ShardedQuery::new("tbl", "PK", key.all_values("J")).limit(4);
    let err = client
        .scatter_gather(&other, page.cursor.as_deref())
        .await
        .unwrap_err();
    assert!(matches!(err, dynolab_client::Error::Cursor(_)), "{err:?}");
}
