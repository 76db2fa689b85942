//! The capacity model against AWS's own worked examples (dynamodb-facts §1–3), driven second by
//! second on explicit timestamps: no clock, no sleeping.

use std::collections::BTreeMap;

use dynolab_capacity::{
    CapacityConfig, Charge, HalfUnits, LimitType, Mode, Op, Resource, TableCapacity, Target,
};
use dynolab_clock::Timestamp;

fn at(second: u64, sub_micros: u64) -> Timestamp {
    Timestamp(second * 1_000_000 + sub_micros)
}

fn table(mode: Mode) -> TableCapacity {
    let config = CapacityConfig::default();
    TableCapacity {
        table: Resource::new(mode, true, &config, Timestamp(0)),
        indexes: BTreeMap::new(),
    }
}

fn units(u: u64) -> HalfUnits {
    HalfUnits(u * 2)
}

/// Sends `per_second` units of `op` in `requests` equal requests spread over one second, on keys
/// whose hashes are evenly spread over `spread` distinct values (1 = a single key).
fn second_of_traffic(
    t: &mut TableCapacity,
    second: u64,
    op: Op,
    per_second: u64,
    requests: u64,
    spread: u64,
) -> Vec<dynolab_capacity::Throttle> {
    let config = CapacityConfig::default();
    let mut throttles = Vec::new();
    for i in 0..requests {
        let hash = (u64::MAX / spread) * (i % spread) + 7;
        let charge = Charge {
            target: Target::Table,
            op,
            hash,
            cost: units(per_second / requests),
        };
        if let Err(mut t2) = t.admit(&[charge], &config, at(second, i * 1_000_000 / requests)) {
            throttles.append(&mut t2);
        }
    }
    throttles
}

#[test]
fn burst_150_rcu_idle_then_200_per_second_lasts_900_seconds() {
    // re:Post: 150 RCU idle for 5 minutes banks 45,000 RCU; 200 RCU/s drains 50/s → 900 s.
    let mut t = table(Mode::Provisioned {
        read_units: 150,
        write_units: 1,
    });
    let mut first_throttle = None;
    for second in 300..1_300 {
        if !second_of_traffic(&mut t, second, Op::Read, 200, 20, 1).is_empty() {
            first_throttle = Some(second - 300);
            break;
        }
    }
    let first = first_throttle.expect("burst runs out");
    assert!(
        (895..=901).contains(&first),
        "throttling began after {first} s"
    );
}

#[test]
fn adaptive_capacity_lets_one_partition_take_150_of_400_wcu() {
    // burst-adaptive-capacity.html: 400 WCU over 4 partitions, one taking 150 WCU/s.
    let config = CapacityConfig::default();
    let mut t = table(Mode::Provisioned {
        read_units: 1,
        write_units: 400,
    });
    t.table
        .observe_size(40 * 1024 * 1024 * 1024, &config, Timestamp(0));
    assert_eq!(t.table.partition_count(), 4);
    let starts = t.table.partition_starts();
    for second in 0..900 {
        let mut charges = vec![Charge {
            target: Target::Table,
            op: Op::Write,
            hash: starts[3] + 1,
            cost: units(150),
        }];
        for start in &starts[..3] {
            charges.push(Charge {
                target: Target::Table,
                op: Op::Write,
                hash: start + 1,
                cost: units(83),
            });
        }
        // One request per partition per second; after the first 300 s burst is gone, so the
        // hot partition lives on the table's unused capacity alone.
        for (i, c) in charges.into_iter().enumerate() {
            assert!(
                t.admit(&[c], &config, at(second, i as u64 * 1000)).is_ok(),
                "second {second}"
            );
        }
    }
}

#[test]
fn one_item_never_sustains_more_than_1000_wcu() {
    let mut t = table(Mode::Provisioned {
        read_units: 1,
        write_units: 5_000,
    });
    // 1,000 WCU/s on one key: fine for ten minutes.
    for second in 0..600 {
        assert!(
            second_of_traffic(&mut t, second, Op::Write, 1_000, 10, 1).is_empty(),
            "second {second}"
        );
    }
    // 1,200 WCU/s on one key: once the partition's one second of banked capacity is gone
    // (a few seconds), throttled on its key range every second, even after ten minutes,
    // although the table has 5,000 WCU: no split for a single hot item.
    let mut first_throttled = None;
    for second in 600..1_200 {
        let throttles = second_of_traffic(&mut t, second, Op::Write, 1_200, 12, 1);
        if throttles.is_empty() {
            assert!(
                first_throttled.is_none(),
                "second {second} passed after throttling began"
            );
            continue;
        }
        first_throttled.get_or_insert(second);
        assert!(
            throttles
                .iter()
                .all(|th| th.limit == LimitType::KeyRangeThroughputExceeded)
        );
        assert_eq!(
            throttles[0].reason(),
            "TableWriteKeyRangeThroughputExceeded"
        );
    }
    let first = first_throttled.expect("a single key above 1,000 WCU/s throttles");
    assert!(first < 610, "throttling began at second {first}");
    assert_eq!(t.table.partition_count(), 6);
}

#[test]
fn provisioned_table_throttles_above_its_capacity() {
    let mut t = table(Mode::Provisioned {
        read_units: 10,
        write_units: 10,
    });
    // Drain the 300 s of burst, then 20 WCU/s against 10 provisioned throttles every second.
    let mut throttled_seconds = 0;
    for second in 0..400 {
        let throttles = second_of_traffic(&mut t, second, Op::Write, 20, 20, 100);
        if !throttles.is_empty() {
            throttled_seconds += 1;
            assert_eq!(
                throttles[0].reason(),
                "TableWriteProvisionedThroughputExceeded"
            );
        }
    }
    assert!(
        (90..=110).contains(&throttled_seconds),
        "{throttled_seconds}"
    );
}

#[test]
fn on_demand_absorbs_double_its_peak_but_not_triple_within_30_minutes() {
    let mut t = table(Mode::OnDemand {
        max_read_units: None,
        max_write_units: None,
    });
    // A new table sustains 4,000 WRU/s; a peak of 3,000 WRU/s for a minute.
    for second in 0..60 {
        assert!(
            second_of_traffic(&mut t, second, Op::Write, 3_000, 300, 300).is_empty(),
            "second {second}"
        );
    }
    // Ten minutes later, 6,000 WRU/s: the 3,000 peak has not settled yet, so it throttles.
    let early = second_of_traffic(&mut t, 660, Op::Write, 6_000, 600, 600);
    assert!(early.iter().any(|th| th.scaling), "{early:?}");
    // After 30 minutes, double the peak is absorbed at once.
    for second in 1_900..1_960 {
        assert!(
            second_of_traffic(&mut t, second, Op::Write, 6_000, 600, 600).is_empty(),
            "second {second}"
        );
    }
    assert!(t.table.partition_count() >= 6);
    // Tripling the settled peak (9,000 WRU/s) within 30 minutes of it throttles.
    let triple = second_of_traffic(&mut t, 1_961, Op::Write, 9_000, 900, 900);
    assert!(!triple.is_empty());
    assert_eq!(triple[0].limit, LimitType::KeyRangeThroughputExceeded);
}

#[test]
fn on_demand_maximum_and_quota() {
    let mut t = table(Mode::OnDemand {
        max_read_units: Some(100),
        max_write_units: None,
    });
    let throttles = second_of_traffic(&mut t, 0, Op::Read, 200, 20, 20);
    assert!(
        throttles
            .iter()
            .any(|th| th.reason() == "TableReadMaxOnDemandThroughputExceeded")
    );
    assert!(second_of_traffic(&mut t, 5, Op::Read, 90, 9, 9).is_empty());
}

#[test]
fn gsi_back_pressure_throttles_the_whole_write() {
    let config = CapacityConfig::default();
    let mut t = table(Mode::Provisioned {
        read_units: 100,
        write_units: 1_000,
    });
    t.indexes.insert(
        "byStatus".into(),
        Resource::new(
            Mode::Provisioned {
                read_units: 1,
                write_units: 1,
            },
            true,
            &config,
            Timestamp(0),
        ),
    );
    let write = |n: u64| {
        vec![
            Charge {
                target: Target::Table,
                op: Op::Write,
                hash: n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                cost: units(1),
            },
            Charge {
                target: Target::Index("byStatus".into()),
                op: Op::Write,
                hash: 42,
                cost: units(1),
            },
        ]
    };
    // The GSI banks 300 s × 1 WCU; the 301st write in the same instant is throttled.
    let mut throttled = None;
    for n in 0..400 {
        if let Err(th) = t.admit(&write(n), &config, at(0, n)) {
            throttled = Some((n, th));
            break;
        }
    }
    let (n, th) = throttled.expect("the GSI runs out");
    assert_eq!(n, 300);
    assert_eq!(th[0].reason(), "IndexWriteProvisionedThroughputExceeded");
    assert_eq!(th[0].target, Target::Index("byStatus".into()));
}

/// 900 WCU/s over 100 keys of the first partition for 400 s; returns the partition count after.
fn run_heat(mut t: TableCapacity) -> usize {
    let starts = t.table.partition_starts();
    let config = CapacityConfig::default();
    for second in 0..400 {
        for i in 0..90u64 {
            let hash = starts[0] + 1 + (i % 100) * (starts[1] / 200);
            let c = Charge {
                target: Target::Table,
                op: Op::Write,
                hash,
                cost: units(10),
            };
            assert!(t.admit(&[c], &config, at(second, i * 10_000)).is_ok());
        }
    }
    t.table.partition_count()
}

#[test]
fn no_split_for_heat_on_a_table_with_an_lsi() {
    // Item collections cannot be split when the table has an LSI (burst-adaptive-capacity.html).
    let config = CapacityConfig::default();
    let mode = Mode::Provisioned {
        read_units: 1,
        write_units: 3_000,
    };
    let with_lsi = TableCapacity {
        table: Resource::new(mode, false, &config, Timestamp(0)),
        indexes: BTreeMap::new(),
    };
    assert_eq!(run_heat(with_lsi), 4);
}

#[test]
fn sustained_heat_on_many_keys_splits_a_partition() {
    let t = table(Mode::Provisioned {
        read_units: 1,
        write_units: 3_000,
    });
    assert_eq!(t.table.partition_count(), 4);
    assert!(run_heat(t) > 4, "hot partition split after minutes of heat");
}

/// `admit_many(n)` admits exactly what n single admissions in a row would, and leaves the model
/// in the same state: the simulator and the server share one model.
#[test]
fn admitting_many_at_once_equals_admitting_one_at_a_time() {
    use dynolab_capacity::{Charge, HalfUnits, Mode, Op, Resource, TableCapacity, Target};
    use dynolab_clock::Timestamp;
    let config = dynolab_capacity::CapacityConfig::default();
    let make = |mode| {
        let now = Timestamp::from_secs(1_000);
        let mut indexes = std::collections::BTreeMap::new();
        indexes.insert(
            "gsi".to_string(),
            Resource::new(
                Mode::Provisioned {
                    read_units: 100,
                    write_units: 300,
                },
                true,
                &config,
                now,
            ),
        );
        TableCapacity {
            table: Resource::new(mode, true, &config, now),
            indexes,
        }
    };
    let charges = [
        Charge {
            target: Target::Table,
            op: Op::Write,
            hash: 42,
            cost: HalfUnits(4),
        },
        Charge {
            target: Target::Index("gsi".into()),
            op: Op::Write,
            hash: 7,
            cost: HalfUnits(2),
        },
    ];
    for mode in [
        Mode::Provisioned {
            read_units: 100,
            write_units: 500,
        },
        Mode::OnDemand {
            max_read_units: None,
            max_write_units: Some(800),
        },
    ] {
        let (mut one, mut many) = (make(mode), make(mode));
        for (second, n) in [
            (1_000u64, 200u64),
            (1_001, 900),
            (1_002, 50),
            (1_010, 5_000),
        ] {
            let now = Timestamp::from_secs(second);
            let singles = (0..n)
                .filter(|_| one.admit(&charges, &config, now).is_ok())
                .count() as u64;
            let plan = many.plan(&charges);
            let admission = many.admit_many(&plan, n, &config, now);
            many.maintain(&config, now);
            assert_eq!(admission.admitted, singles, "{mode:?} at {second}");
            assert_eq!(admission.throttles.is_empty(), singles == n);
            // The same state: the next single request gets the same answer.
            let later = Timestamp::from_secs(second);
            assert_eq!(
                one.admit(&charges, &config, later).is_ok(),
                many.admit(&charges, &config, later).is_ok()
            );
        }
    }
}

/// Which reasons each refused request carries: 2,500 writes of 1 WCU in one instant, whose GSI
/// lets 300 in (its banked burst) and whose partitions, in the table and in the GSI, let 1,000
/// in (the partition cap): requests 300.. carry the GSI's reason, requests 1,000.. all three.
#[test]
fn each_limit_says_how_many_it_lets_in() {
    let config = CapacityConfig::default();
    let mut t = table(Mode::Provisioned {
        read_units: 100,
        write_units: 40_000,
    });
    t.indexes.insert(
        "byStatus".into(),
        Resource::new(
            Mode::Provisioned {
                read_units: 1,
                write_units: 1,
            },
            true,
            &config,
            Timestamp(0),
        ),
    );
    let charges = [
        Charge {
            target: Target::Table,
            op: Op::Write,
            hash: 7,
            cost: units(1),
        },
        Charge {
            target: Target::Index("byStatus".into()),
            op: Op::Write,
            hash: 42,
            cost: units(1),
        },
    ];
    let plan = t.plan(&charges);
    let a = t.admit_many(&plan, 2_500, &config, at(0, 0));
    assert_eq!(a.admitted, 300);
    let reasons: Vec<(String, u64)> = a.fits.iter().map(|(t, f)| (t.reason(), *f)).collect();
    assert_eq!(
        reasons,
        vec![
            ("TableWriteKeyRangeThroughputExceeded".to_string(), 1_000),
            ("IndexWriteProvisionedThroughputExceeded".to_string(), 300),
            ("IndexWriteKeyRangeThroughputExceeded".to_string(), 1_000),
        ]
    );
}
