//! "No record lost": the fault-injection suite of issue 6 §1, against the real `mskgate run` binary and real
//! tansu brokers (`mskgate-e2e`).
//!
//! A driver produces numbered records (unique values, four partitions, offsets as the broker acknowledged
//! them), runs `mskgate run` with `tests/handlers/ledger.py` (which appends every record of every invocation
//! to a ledger, `"ok": true` only for a successful one), injects one fault class at a time and checks the
//! ledger: every produced record delivered (lost must be 0), first deliveries in offset order per partition,
//! and duplicates only where a batch was not committed. It prints one markdown table and exits non-zero
//! naming the records when a check fails. `harness = false`: libtest arguments are ignored.
//!
//! Short form (every `cargo test`): small counts. Full form: `MSKGATE_FAULTS=full cargo test -p mskgate
//! --test faults -- --nocapture`. `MSKGATE_FAULTS_ONLY=a,f2` runs some classes (keys a b c d e f1 f2),
//! `MSKGATE_FAULTS_PARALLEL=0` one class at a time. See "No record lost: fault injection" in
//! `docs/reliability.md`.

mod classes;
mod ledger;
mod support;

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use mskgate_e2e::Broker;

/// How many runs, injections and records each class uses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counts {
    pub(crate) full: bool,
    pub(crate) a_runs: usize,
    pub(crate) a_records: usize,
    pub(crate) b_runs: usize,
    pub(crate) b_kills: usize,
    pub(crate) c_runs: usize,
    pub(crate) c_restarts: usize,
    pub(crate) c_records: usize,
    pub(crate) d_runs: usize,
    pub(crate) d_cycles: usize,
    pub(crate) e_runs: usize,
    pub(crate) e_records: usize,
    pub(crate) f_runs: usize,
    pub(crate) f_records: usize,
}

impl Counts {
    const SHORT: Counts = Counts {
        full: false,
        a_runs: 1,
        a_records: 160,
        b_runs: 1,
        b_kills: 5,
        c_runs: 1,
        c_restarts: 2,
        c_records: 120,
        d_runs: 1,
        d_cycles: 3,
        e_runs: 1,
        e_records: 60,
        f_runs: 1,
        f_records: 80,
    };

    const FULL: Counts = Counts {
        full: true,
        a_runs: 3,
        a_records: 400,
        b_runs: 2,
        b_kills: 20,
        c_runs: 2,
        c_restarts: 4,
        c_records: 300,
        d_runs: 2,
        d_cycles: 10,
        e_runs: 3,
        e_records: 120,
        f_runs: 3,
        f_records: 200,
    };
}

/// One line of the table.
#[derive(Debug, Default)]
pub(crate) struct Row {
    pub(crate) class: &'static str,
    pub(crate) runs: usize,
    pub(crate) produced: usize,
    pub(crate) delivered: usize,
    pub(crate) lost: usize,
    pub(crate) duplicated: usize,
    pub(crate) wall: Duration,
    pub(crate) notes: Vec<String>,
    pub(crate) failure: Option<String>,
}

type Class = fn(&Counts, &mut Row) -> anyhow::Result<()>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        // libtest-style listing (IDEs, `cargo test -- --list`): one "test".
        if !args.iter().any(|a| a == "--ignored") {
            println!("faults: test");
        }
        return ExitCode::SUCCESS;
    }
    // A libtest-style name filter that does not match "faults" selects nothing here (as libtest would).
    let mut filters = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if matches!(
            a.as_str(),
            "--test-threads"
                | "--skip"
                | "--format"
                | "--color"
                | "--logfile"
                | "-Z"
                | "--shuffle-seed"
        ) {
            it.next();
        } else if !a.starts_with('-') {
            filters.push(a.as_str());
        }
    }
    if !filters.is_empty() && !filters.iter().any(|f| "faults".contains(f)) {
        println!("faults: 0 tests run (filtered out by {filters:?})");
        return ExitCode::SUCCESS;
    }
    let mode = std::env::var("MSKGATE_FAULTS").unwrap_or_default();
    let counts = match mode.as_str() {
        "" | "short" => Counts::SHORT,
        "full" => Counts::FULL,
        other => {
            eprintln!("faults: MSKGATE_FAULTS must be short or full, not {other:?}");
            return ExitCode::from(2);
        }
    };
    // The classes run at once (each has its own topics and groups, (c) its own broker set), so the short form
    // stays well under three minutes on two cores; MSKGATE_FAULTS_PARALLEL=0 runs them one after another
    // (uncontended wall times).
    let parallel = std::env::var("MSKGATE_FAULTS_PARALLEL").as_deref() != Ok("0");
    if let Err(e) = ledger::self_check() {
        eprintln!("faults: {e:#}");
        return ExitCode::FAILURE;
    }
    let began = Instant::now();
    let shared = Broker::shared();
    eprintln!(
        "faults: {} form, {}; shared brokers ready in {:.1?}",
        if counts.full { "full" } else { "short" },
        if parallel {
            "classes in parallel"
        } else {
            "classes one at a time"
        },
        shared.startup_time()
    );
    let keys = ["a", "b", "c", "d", "e", "f1", "f2"];
    let only = std::env::var("MSKGATE_FAULTS_ONLY").unwrap_or_default();
    let wanted: Vec<&str> = only.split(',').filter(|k| !k.is_empty()).collect();
    if let Some(bad) = wanted.iter().find(|k| !keys.contains(k)) {
        eprintln!(
            "faults: MSKGATE_FAULTS_ONLY: unknown class {bad:?} (one of {keys:?}, comma-separated)"
        );
        return ExitCode::from(2);
    }
    let classes: [(&'static str, Class); 7] = [
        (
            "(a) handler fails at random, incl. timeouts",
            classes::handler_failures,
        ),
        ("(b) kill -9 mid-batch, restart", classes::kill_nine),
        ("(c) broker stops and restarts", classes::broker_restart),
        (
            "(d) 2nd and 3rd process join and leave",
            classes::rebalances,
        ),
        (
            "(e) SCRAM password rejected, then fixed",
            classes::credentials,
        ),
        (
            "(f) poison record, bounded retries",
            classes::poison_bounded,
        ),
        (
            "(f) poison record, infinite retries",
            classes::poison_infinite,
        ),
    ];
    let classes: Vec<(&'static str, Class)> = classes
        .into_iter()
        .zip(keys)
        .filter(|(_, key)| wanted.is_empty() || wanted.contains(key))
        .map(|(class, _)| class)
        .collect();
    let run_one = move |(name, class): (&'static str, Class)| {
        let mut row = Row {
            class: name,
            ..Row::default()
        };
        let started = Instant::now();
        eprintln!("faults: {name}: started");
        let result = class(&counts, &mut row);
        row.wall = started.elapsed();
        if let Err(e) = result {
            row.failure = Some(format!("{e:#}"));
        }
        eprintln!(
            "faults: {name}: {} in {:.1?}",
            if row.failure.is_some() {
                "FAILED"
            } else {
                "ok"
            },
            row.wall
        );
        row
    };
    let rows: Vec<Row> = if parallel {
        let handles: Vec<_> = classes
            .into_iter()
            .map(|c| (c.0, thread::spawn(move || run_one(c))))
            .collect();
        handles
            .into_iter()
            .map(|(name, h)| {
                h.join().unwrap_or_else(|panic| Row {
                    class: name,
                    failure: Some(panic_text(&panic)),
                    ..Row::default()
                })
            })
            .collect()
    } else {
        classes
            .into_iter()
            .map(|c| {
                let name = c.0;
                thread::spawn(move || run_one(c))
                    .join()
                    .unwrap_or_else(|panic| Row {
                        class: name,
                        failure: Some(panic_text(&panic)),
                        ..Row::default()
                    })
            })
            .collect()
    };
    print_table(&rows, &counts, began.elapsed());
    let failed: Vec<&Row> = rows.iter().filter(|r| r.failure.is_some()).collect();
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        for r in failed {
            eprintln!(
                "\nfaults: FAILED {}:\n{}",
                r.class,
                r.failure.as_deref().unwrap_or_default()
            );
        }
        ExitCode::FAILURE
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .map_or_else(|| "panicked".to_owned(), |s| format!("panicked: {s}"))
}

fn print_table(rows: &[Row], counts: &Counts, total: Duration) {
    println!(
        "\n### Fault injection, {} form ({:.0} s in all)\n",
        if counts.full { "full" } else { "short" },
        total.as_secs_f64()
    );
    println!(
        "| fault class | runs | records produced | delivered (unique) | lost | duplicated | wall time | injected / checked |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let mut notes = r.notes.join("; ");
        if r.failure.is_some() {
            notes = format!("**FAILED** {notes}");
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1} s | {} |",
            r.class,
            r.runs,
            r.produced,
            r.delivered,
            r.lost,
            r.duplicated,
            r.wall.as_secs_f64(),
            notes
        );
    }
    println!();
}
