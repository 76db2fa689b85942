//! The bounded fuzz run, on stable Rust and without cargo-fuzz (it is part of `cargo test
//! --workspace`, so of `scripts/test`). For each target (`request`, `expression`, `partiql`,
//! `cbor`):
//!
//! 1. every seed of `fuzz/corpus/<target>/` runs through the entry point;
//! 2. seeded byte-level mutations of the seeds (bit flips, insertions, deletions, repeats,
//!    splices with other seeds, interesting tokens) for a third of the budget;
//! 3. grammar-aware inputs from proptest strategies (random expressions with deep nesting and
//!    long operator chains, random PartiQL, random requests with right and wrong member
//!    types) for the rest.
//!
//! The budget is `DYNOLAB_FUZZ_SECS` seconds per target (default 20); `DYNOLAB_FUZZ_SEED`
//! changes the random seeds (default 0, so a run is repeatable). An input that panics is
//! written to `$CARGO_TARGET_TMPDIR/fuzz-failures/` and the test fails naming it; replay it
//! with `cargo fuzz run <target> <file>` or through the entry point. See `docs/fuzzing.md`.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dynolab_clock::Stopwatch;
use dynolab_expr::ConditionKind;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

mod grammar;

/// Milliseconds of generated inputs per target (`DYNOLAB_FUZZ_SECS`, default 20 s).
fn budget_millis() -> f64 {
    let secs = std::env::var("DYNOLAB_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(20.0);
    secs.max(0.0) * 1000.0
}

fn base_seed() -> u64 {
    std::env::var("DYNOLAB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "{target}: only {} seeds in {}",
        files.len(),
        dir.display()
    );
    files
}

fn failures_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs one input, turning a panic into a saved reproducer and a test failure. A stack
/// overflow aborts the process instead: with `DYNOLAB_FUZZ_TRACE=1` each input is first
/// written to `fuzz-failures/<target>-last`, so the one that aborted is kept (the run is
/// seeded, so a rerun meets it again).
fn run_one(target: &str, entry: fn(&[u8]), input: &[u8], origin: &str) {
    if std::env::var_os("DYNOLAB_FUZZ_TRACE").is_some() {
        std::fs::write(failures_dir().join(format!("{target}-last")), input).unwrap();
    }
    if catch_unwind(AssertUnwindSafe(|| entry(input))).is_ok() {
        return;
    }
    let dir = failures_dir();
    let file = dir.join(format!("{target}-{:016x}", fnv(input)));
    std::fs::write(&file, input).unwrap();
    panic!(
        "{target} panicked on an input from {origin}, saved as {}: {:?}",
        file.display(),
        String::from_utf8_lossy(input)
    );
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// xorshift64*: the mutator's randomness, seeded so that a run is repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens worth inserting: structure, limits and the known troublemakers.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    ",",
    ":",
    ".",
    "\\",
    "\u{0}",
    "\n",
    " AND ",
    " OR ",
    "NOT ",
    " = ",
    " <> ",
    " BETWEEN ",
    " IN (",
    "size(",
    "attribute_exists(",
    "list_append(",
    "if_not_exists(",
    "<<",
    ">>",
    "?",
    "MISSING",
    "1e400",
    "-0",
    "1e-131",
    "99999999999999999999",
    "4294967296",
    "-1",
    "true",
    "null",
    "{\"S\":\"\"}",
    "{\"N\":\"1\"}",
    "{\"M\":{}}",
    "{\"L\":[]}",
    "[0]",
    ".a",
    "#a",
    ":s",
    "SET ",
    "REMOVE ",
    "ADD ",
    "DELETE ",
];

/// One mutant of `seeds[i]`: 1–4 byte-level edits.
fn mutate(rng: &mut Rng, seeds: &[(String, Vec<u8>)], i: usize) -> Vec<u8> {
    let mut data = seeds[i].1.clone();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => {
                let j = rng.below(len);
                data[j] ^= 1 << rng.below(8);
            }
            1 => data.insert(at, rng.next() as u8),
            2 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                data.drain(at.min(len - 1)..end);
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            4 => {
                // A token repeated: deep nesting, long chains.
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let times = 1 + rng.below(600);
                let repeated: Vec<u8> = token.repeat(times);
                data.splice(at..at, repeated);
            }
            5 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(32)).min(len);
                let chunk = data[start..end].to_vec();
                data.splice(at..at, chunk);
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            _ if len > 0 => {
                let j = rng.below(len);
                data[j] = b"0123456789.-e\"{}[]:,"[rng.below(20)];
            }
            _ => data.push(b'x'),
        }
    }
    data
}

/// The mutation phase: mutants of the seeds until `until`. Returns how many ran.
fn mutations(
    target: &str,
    entry: fn(&[u8]),
    seeds: &[(String, Vec<u8>)],
    clock: &Stopwatch,
    until_millis: f64,
) -> u64 {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ fnv(target.as_bytes()) ^ base_seed());
    let mut runs = 0;
    while clock.elapsed_millis() < until_millis || runs == 0 {
        let i = rng.below(seeds.len());
        let input = mutate(&mut rng, seeds, i);
        run_one(
            target,
            entry,
            &input,
            &format!("a mutation of seed {}", seeds[i].0),
        );
        runs += 1;
    }
    runs
}

/// The grammar phase: inputs drawn from `strategy` until `until`, in batches of proptest
/// runs with successive seeds. Returns how many ran.
fn generated<S>(
    target: &str,
    entry: fn(&[u8]),
    strategy: S,
    clock: &Stopwatch,
    until_millis: f64,
) -> u64
where
    S: Strategy<Value = Vec<u8>>,
{
    let mut runs = 0;
    let mut batch = 0u64;
    while clock.elapsed_millis() < until_millis || runs == 0 {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(batch ^ base_seed().rotate_left(32)).to_le_bytes());
        seed[8..16].copy_from_slice(&fnv(target.as_bytes()).to_le_bytes());
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
        );
        for _ in 0..32 {
            let input = strategy.new_tree(&mut runner).unwrap().current();
            run_one(
                target,
                entry,
                &input,
                &format!("the grammar (batch {batch})"),
            );
            runs += 1;
        }
        batch += 1;
    }
    runs
}

/// Corpus, then mutations for a third of the budget, then the grammar for the rest.
fn fuzz<S>(target: &str, entry: fn(&[u8]), strategy: S) -> (u64, u64)
where
    S: Strategy<Value = Vec<u8>>,
{
    let seeds = corpus(target);
    for (name, data) in &seeds {
        run_one(target, entry, data, &format!("seed {name}"));
    }
    let clock = Stopwatch::start();
    let budget = budget_millis();
    let mutated = mutations(target, entry, &seeds, &clock, budget / 3.0);
    let grammar = generated(target, entry, strategy, &clock, budget);
    eprintln!(
        "{target}: {} seeds, {mutated} mutations, {grammar} generated inputs in {:.1}s",
        seeds.len(),
        clock.elapsed_millis() / 1000.0
    );
    (mutated, grammar)
}

#[test]
fn request() {
    let (mutated, generated) = fuzz("request", dynolab_fuzz::request, grammar::request());
    assert!(mutated > 0 && generated > 0);
}

#[test]
fn expression() {
    let (mutated, generated) = fuzz(
        "expression",
        dynolab_fuzz::expression,
        grammar::expression_input(),
    );
    assert!(mutated > 0 && generated > 0);
}

#[test]
fn partiql() {
    let (mutated, generated) = fuzz("partiql", dynolab_fuzz::partiql, grammar::partiql());
    assert!(mutated > 0 && generated > 0);
}

#[test]
fn cbor() {
    let (mutated, generated) = fuzz("cbor", dynolab_fuzz::cbor, grammar::cbor());
    assert!(mutated > 0 && generated > 0);
}

/// The request seeds reach the success path of every data-plane operation, and most of
/// their requests succeed (a fixture or seed gone stale would starve the fuzzer).
#[test]
fn request_seeds_succeed() {
    let data_plane = [
        "PutItem",
        "GetItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    ];
    let mut succeeded = BTreeSet::new();
    let (mut ok, mut total) = (0, 0);
    for (_, data) in corpus("request") {
        for (target, answer) in dynolab_fuzz::run_requests(&data) {
            total += 1;
            if answer.is_ok() {
                ok += 1;
                succeeded.insert(target.rsplit('.').next().unwrap_or_default().to_string());
            }
        }
    }
    for op in data_plane {
        assert!(succeeded.contains(op), "no request seed of {op} succeeds");
    }
    assert!(
        ok * 10 >= total * 7,
        "only {ok} of {total} seed requests succeed"
    );
    // The fixture answers what the seeds expect: six items in `tab`, four in its GSI.
    let answers = dynolab_fuzz::run_requests(b"Scan\n{\"TableName\":\"tab\",\"Select\":\"COUNT\"}\0Scan\n{\"TableName\":\"tab\",\"IndexName\":\"gsi\",\"Select\":\"COUNT\"}");
    let counts: Vec<Value> = answers
        .into_iter()
        .map(|(_, a)| a.unwrap()["Count"].clone())
        .collect();
    assert_eq!(counts, [json!(6), json!(4)]);
}

/// The expression seeds parse as every kind of expression.
#[test]
fn expression_seeds_cover_every_kind() {
    let mut kinds = BTreeSet::new();
    for (_, data) in corpus("expression") {
        let text = String::from_utf8_lossy(data.split(|b| *b == 0).next().unwrap()).into_owned();
        let params = grammar::params;
        if dynolab_expr::parse_condition(&text, ConditionKind::Condition, &mut params()).is_ok() {
            kinds.insert("condition");
        }
        if dynolab_expr::parse_key_condition(&text, &mut params()).is_ok() {
            kinds.insert("key condition");
        }
        if dynolab_expr::parse_update(&text, &mut params()).is_ok() {
            kinds.insert("update");
        }
        if dynolab_expr::parse_projection(&text, &mut params()).is_ok() {
            kinds.insert("projection");
        }
        if text.starts_with('{') {
            kinds.insert("legacy");
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "condition",
            "key condition",
            "legacy",
            "projection",
            "update"
        ]
    );
}

/// The PartiQL seeds parse as every kind of statement.
#[test]
fn partiql_seeds_cover_every_statement() {
    let mut kinds = BTreeSet::new();
    for (_, data) in corpus("partiql") {
        let text = String::from_utf8_lossy(data.split(|b| *b == 0).next().unwrap()).into_owned();
        if let Ok((statement, _)) = dynolab_partiql::parse(&text) {
            kinds.insert(match statement {
                dynolab_partiql::Statement::Select(_) => "select",
                dynolab_partiql::Statement::Insert(_) => "insert",
                dynolab_partiql::Statement::Update(_) => "update",
                dynolab_partiql::Statement::Delete(_) => "delete",
                dynolab_partiql::Statement::Exists(_) => "exists",
            });
        }
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
}

/// The grammar strategies produce what they claim: deep nesting and long chains included,
/// and a fair share of inputs that parse.
#[test]
fn grammar_reaches_deep_and_valid_inputs() {
    let mut runner = TestRunner::deterministic();
    let strategy = grammar::condition_text();
    let (mut parsed, mut deepest) = (0, 0);
    for _ in 0..400 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        deepest = deepest.max(text.matches('(').count());
        let mut params = grammar::params();
        if dynolab_expr::parse_condition(&text, ConditionKind::Filter, &mut params).is_ok() {
            parsed += 1;
        }
    }
    assert!(parsed >= 100, "only {parsed} of 400 conditions parse");
    assert!(deepest >= 500, "nesting reaches only {deepest} levels");
}

/// The longest operator chains the limits allow (300 operators in an expression, 1,000 in a
/// PartiQL statement) are trees that deep: parsing, binding, translating and evaluating them
/// fits the 2 MiB stack of a test thread (and of the server's worker threads) in a debug
/// build. PartiQL's binding and translation once overflowed it.
#[test]
fn longest_operator_chains_fit_the_stack() {
    // `n` leaves of one operator each, joined: 2n - 1 operators.
    let chain = |n: usize, sep: &str, leaf: &str| vec![leaf; n].join(sep);
    dynolab_fuzz::partiql(
        format!("SELECT * FROM tab WHERE {}", chain(500, " AND ", "a = 1")).as_bytes(),
    );
    dynolab_fuzz::partiql(
        format!(
            "DELETE FROM tab WHERE pk = 'a' AND sk = 1{}",
            "-1".repeat(990)
        )
        .as_bytes(),
    );
    dynolab_fuzz::expression(chain(150, " OR ", "a = :s").as_bytes());
    let answers = dynolab_fuzz::run_requests(
        format!(
            "ExecuteStatement\n{{\"Statement\": \"SELECT * FROM tab WHERE pk = 'a' AND ({})\"}}\0ExecuteStatement\n{{\"Statement\": \"UPDATE tab SET n = 1{} WHERE pk = 'a' AND sk = 1\"}}\0Scan\n{{\"TableName\": \"tab\", \"FilterExpression\": \"{}\", \"ExpressionAttributeValues\": {{\":s\": {{\"S\": \"x\"}}}}}}",
            chain(332, " OR ", "NOT n = 1"),
            "-1".repeat(990),
            chain(150, " AND ", "a = :s"),
        )
        .as_bytes(),
    );
    assert_eq!(
        answers[0].1.as_ref().unwrap()["Items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        answers[1].1.as_ref().unwrap_err().message.as_deref(),
        Some("Unsupported operator in Update Expression. Operator: value")
    );
    assert_eq!(answers[2].1.as_ref().unwrap()["Count"], json!(0));
    // Functions nest as deep as the operator limit allows.
    let size = format!("{}n{}", "size(".repeat(298), ")".repeat(298));
    let append = format!("{}:l{}", "list_append(:l,".repeat(250), ")".repeat(250));
    let answers = dynolab_fuzz::run_requests(
        format!(
            "Scan\n{{\"TableName\": \"tab\", \"FilterExpression\": \"{size} = :z\", \"ExpressionAttributeValues\": {{\":z\": {{\"N\": \"1\"}}}}}}\0UpdateItem\n{{\"TableName\": \"tab\", \"Key\": {{\"pk\": {{\"S\": \"a\"}}, \"sk\": {{\"N\": \"1\"}}}}, \"UpdateExpression\": \"SET q = {append}\", \"ExpressionAttributeValues\": {{\":l\": {{\"L\": []}}}}, \"ReturnValues\": \"UPDATED_NEW\"}}"
        )
        .as_bytes(),
    );
    assert_eq!(
        answers[0].1.as_ref().unwrap_err().message.as_deref(),
        Some(
            "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"
        )
    );
    assert_eq!(
        answers[1].1.as_ref().unwrap()["Attributes"],
        json!({"q": {"L": []}})
    );
}
