//! Admitting the sum of a second's plans ([`PlanSum`]) must be indistinguishable from admitting
//! them one after the other: same requests admitted, same buckets, same splits for heat.

use std::collections::BTreeMap;

use dynolab_capacity::{
    CapacityConfig, Charge, HalfUnits, Mode, Op, Plan, PlanSum, Resource, TableCapacity, Target,
};
use dynolab_clock::Timestamp;

fn table(mode: Mode) -> TableCapacity {
    let config = CapacityConfig::default();
    let index_mode = match mode {
        Mode::Provisioned { .. } => Mode::Provisioned {
            read_units: 800,
            write_units: 900,
        },
        on_demand => on_demand,
    };
    let mut indexes = BTreeMap::new();
    for name in ["by_status", "by_user"] {
        indexes.insert(
            name.to_string(),
            Resource::new(index_mode, true, &config, Timestamp(0)),
        );
    }
    TableCapacity {
        table: Resource::new(mode, true, &config, Timestamp(0)),
        indexes,
    }
}

/// Writes that also write both indexes, reads of the table and of one index, on a few hot keys
/// and on keys spread over the hash space.
fn plans(t: &TableCapacity) -> Vec<Plan> {
    let mut plans = Vec::new();
    for k in 0..12u64 {
        let hash = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let write = [
            Charge {
                target: Target::Table,
                op: Op::Write,
                hash,
                cost: HalfUnits(2 + k % 3),
            },
            Charge {
                target: Target::Index("by_status".into()),
                op: Op::Write,
                hash: k % 3,
                cost: HalfUnits(2),
            },
            Charge {
                target: Target::Index("by_user".into()),
                op: Op::Write,
                hash: hash.rotate_left(7),
                cost: HalfUnits(2),
            },
        ];
        plans.push(t.plan(&write));
        let read = [Charge {
            target: if k % 2 == 0 {
                Target::Table
            } else {
                Target::Index("by_user".into())
            },
            op: Op::Read,
            hash: hash.rotate_left(13),
            cost: HalfUnits(1 + k % 4),
        }];
        plans.push(t.plan(&read));
    }
    plans
}

fn check(mode: Mode) {
    let config = CapacityConfig::default();
    let mut by_sum = table(mode);
    let mut one_by_one = table(mode);
    let mut plan_list = plans(&by_sum);
    let splits_before: Vec<usize> = (0..3)
        .map(|i| by_sum.resource(i).partition_count())
        .collect();
    let mut sum = PlanSum::new(&plan_list.iter().collect::<Vec<_>>());
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (mut fitted, mut refused) = (0, 0);
    for second in 0..4_000u64 {
        let now = Timestamp(1_000_000_000 + second * 1_000_000);
        // Quiet stretches, then bursts well over every limit.
        let scale = if (second / 500) % 3 == 2 { 400 } else { 8 };
        let counts: Vec<u64> = plan_list
            .iter()
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed % scale
            })
            .collect();
        let all_fit = by_sum
            .resources_mut()
            .admit_many(sum.fill(&counts), 1, &config, now)
            .admitted
            == 1;
        let via_sum: Vec<u64> = if all_fit {
            fitted += 1;
            counts.clone()
        } else {
            refused += 1;
            plan_list
                .iter()
                .zip(&counts)
                .map(|(p, c)| by_sum.admit_many(p, *c, &config, now).admitted)
                .collect()
        };
        let each: Vec<u64> = plan_list
            .iter()
            .zip(&counts)
            .map(|(p, c)| one_by_one.admit_many(p, *c, &config, now).admitted)
            .collect();
        assert_eq!(via_sum, each, "second {second}");
        by_sum.maintain(&config, now);
        one_by_one.maintain(&config, now);
        for i in 0..3 {
            assert_eq!(
                by_sum.resource(i).partition_starts(),
                one_by_one.resource(i).partition_starts(),
                "second {second}, resource {i}"
            );
        }
        if !by_sum.plan_is_current(&plan_list[0]) {
            plan_list = plans(&by_sum);
            sum = PlanSum::new(&plan_list.iter().collect::<Vec<_>>());
        }
    }
    assert!(
        fitted > 500 && refused > 500,
        "{fitted} fitted, {refused} refused"
    );
    let partitions: Vec<usize> = (0..3)
        .map(|i| by_sum.resource(i).partition_count())
        .collect();
    assert!(
        splits_before < partitions,
        "no split for heat happened: {partitions:?}"
    );
}

#[test]
fn a_plan_sum_admits_what_plan_after_plan_admits_provisioned() {
    check(Mode::Provisioned {
        read_units: 3_000,
        write_units: 1_200,
    });
}

#[test]
fn a_plan_sum_admits_what_plan_after_plan_admits_on_demand() {
    check(Mode::OnDemand {
        max_read_units: None,
        max_write_units: Some(1_500),
    });
}
