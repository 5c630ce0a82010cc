//! The fault classes of issue 6 §1. Each fills its table row, run after run, and fails naming the records
//! when a check does not hold.

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use mskgate_e2e::{Broker, Listener, unique_name};
use serde_json::{Value, json};

use crate::ledger::{self, Line, Tally, below_committed, some};
use crate::support::{
    Jitter, Running, Topic, Work, config, free_port, read_jsonl, start, with_work,
    write_scram_secret,
};
use crate::{Counts, Row};

const PARTITIONS: i32 = 4;
/// How long a run may take to deliver what is left once the faults stop.
const DRAIN: Duration = Duration::from_secs(180);
const STOP: Duration = Duration::from_secs(60);
/// Joining the group (a dead member's 6 s session must expire first after kill -9).
const JOIN: Duration = Duration::from_secs(90);

fn handler(timeout_seconds: u64) -> Value {
    let path = crate::support::repo().join("crates/cli/tests/handlers/ledger.py");
    json!({"handler": {"command": ["python3", path.display().to_string()], "timeout_seconds": timeout_seconds}})
}

/// Adds a run's tally to the row; fails on loss, violations or `extra` problems.
fn account(row: &mut Row, t: &Tally, extra: Vec<String>) -> Result<()> {
    row.runs += 1;
    row.produced += t.produced;
    row.delivered += t.delivered;
    row.lost += t.lost.len();
    row.duplicated += t.duplicated;
    let mut problems = Vec::new();
    if !t.lost.is_empty() {
        problems.push(format!(
            "{} record(s) lost: {}",
            t.lost.len(),
            some(&t.lost)
        ));
    }
    if !t.violations.is_empty() {
        problems.push(format!(
            "{} violation(s): {}",
            t.violations.len(),
            some(&t.violations)
        ));
    }
    problems.extend(extra);
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(())
}

/// Waits until every produced record not in `absent` was delivered, reading the ledger.
fn wait_delivered(
    work: &Work,
    topic: &Topic<'_>,
    absent: &BTreeSet<String>,
    timeout: Duration,
    running: &mut [&mut Running],
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let lines = ledger::read(&work.ledger_path())?;
        let got = ledger::delivered(&lines);
        let missing: Vec<String> = topic
            .produced
            .records
            .keys()
            .filter(|v| !got.contains(v.as_str()) && !absent.contains(*v))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for r in running.iter_mut() {
            if let Some(status) = r.child.try_wait()? {
                bail!(
                    "{} exited ({status}) with {} record(s) undelivered:\n{}",
                    r.run,
                    missing.len(),
                    crate::support::tail(&r.log())
                );
            }
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = running
                .iter()
                .map(|r| format!("--- {}:\n{}", r.run, crate::support::tail(&r.log())))
                .collect();
            bail!(
                "{} record(s) not delivered within {timeout:?} (not necessarily lost: the runs did not finish): {}\n{}",
                missing.len(),
                some(&missing),
                logs.join("\n")
            );
        }
        thread::sleep(Duration::from_millis(200));
    }
}

/// The group committed exactly the end of every partition (after a graceful stop).
fn committed_at_ends(topic: &Topic<'_>, group: &str) -> Result<Vec<String>> {
    let committed = topic.committed(group)?;
    Ok(committed
        .iter()
        .zip(&topic.produced.ends)
        .enumerate()
        .filter(|(_, (c, end))| **c != Some(**end) && !(**end == 0 && c.is_none()))
        .map(|(p, (c, end))| {
            format!("partition {p}: committed {c:?} after the last stop, expected {end} (the end)")
        })
        .collect())
}

// --- (a) ---------------------------------------------------------------------------------------------------

/// (a) 30 % of invocations exit 1 and 10 % (plus the very first) sleep past the 2 s function timeout; retries
/// are infinite (the default). Checked: nothing lost, order, **no duplicate at all** (one process, no crash:
/// a failed or timed-out invocation writes no `ok` line, and a succeeded batch is committed and never handed
/// out again), committed = end after SIGTERM, and the observed share of failed invocations. An invocation
/// that would answer more than 1 s after its process started fails itself (`DEADLINE`): on a loaded machine
/// an `ok` written just before the runtime's timeout killed the handler would be a success in the ledger and
/// a retry for the runtime, a duplicate the runtime is right to cause.
pub(crate) fn handler_failures(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::shared();
    let (mut invocations, mut failed, mut timeouts) = (0, 0, 0);
    for run in 0..counts.a_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(broker, Listener::Plaintext, &format!("a{run}"), PARTITIONS)?;
            topic.produce(counts.a_records)?;
            let group = unique_name("faults-a");
            let port = free_port()?;
            let cfg = config(work, &topic, &group, "a", port, json!({}), handler(2))?;
            let env = [
                ("FAIL_RATE", "0.3".to_owned()),
                ("TIMEOUT_RATE", "0.1".to_owned()),
                ("TIMEOUT_FIRST", "1".to_owned()),
                ("TIMEOUT_SLEEP", "5".to_owned()),
                ("DEADLINE", "1.0".to_owned()),
            ];
            let mut running = start(work, &cfg, &format!("a{run}"), port, &[], &env)?;
            wait_delivered(work, &topic, &BTreeSet::new(), DRAIN, &mut [&mut running])?;
            running.terminate(STOP)?;
            let lines = ledger::read(&work.ledger_path())?;
            let t = ledger::check(&topic.produced, &lines, &BTreeSet::new());
            let mut extra = committed_at_ends(&topic, &group)?;
            if t.duplicated != 0 {
                extra.push(format!(
                    "{} duplicate(s) without a crash or rebalance: {}",
                    t.duplicated,
                    some(&duplicates(&lines))
                ));
            }
            if t.timeouts == 0 {
                extra.push("no invocation timed out (the first one was made to)".to_owned());
            }
            if t.failed_invocations * 10 < t.invocations {
                extra.push(format!(
                    "only {} of {} invocations failed: the injection did not work",
                    t.failed_invocations, t.invocations
                ));
            }
            invocations += t.invocations;
            failed += t.failed_invocations;
            timeouts += t.timeouts;
            account(row, &t, extra)
        })?;
    }
    row.notes.push(format!(
        "{failed} of {invocations} invocations failed ({:.0} %), {timeouts} of them timeouts (2 s); 0 duplicates required",
        100.0 * failed as f64 / invocations.max(1) as f64
    ));
    Ok(())
}

fn duplicates(lines: &[Line]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    lines
        .iter()
        .filter(|l| l.ok && !seen.insert(l.value.clone()))
        .map(|l| {
            format!(
                "{} (partition {} offset {}, {})",
                l.value, l.partition, l.offset, l.run
            )
        })
        .collect()
}

// --- (b) ---------------------------------------------------------------------------------------------------

/// (b) The handler sleeps 0.4 s per batch; when `/status` shows a batch in flight the runtime gets SIGKILL
/// after a random 0–300 ms, the group's committed offsets are read from the broker, and a new process
/// (`RUN` = next number) starts. Checked: nothing lost, order, committed offsets never move backwards, and
/// **no process started after a kill delivers a record below the offsets committed at that kill** (the
/// duplicates are exactly the uncommitted batches); committed = end after the final SIGTERM.
pub(crate) fn kill_nine(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::shared();
    let (mut kills, mut mid) = (0, 0);
    for run in 0..counts.b_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(broker, Listener::Plaintext, &format!("b{run}"), PARTITIONS)?;
            topic.produce(counts.b_kills * 20 + 40)?;
            let group = unique_name("faults-b");
            let env = [("SLEEP", "0.4".to_owned())];
            let mut jitter = Jitter::new();
            // snapshots[k] = committed offsets read right after kill k, before process k + 1 started.
            let mut snapshots: Vec<Vec<Option<i64>>> = Vec::new();
            let mut problems = Vec::new();
            let mut running = None;
            for k in 0..=counts.b_kills {
                let port = free_port()?;
                let cfg = config(
                    work,
                    &topic,
                    &group,
                    &format!("b-{k:02}"),
                    port,
                    json!({}),
                    json!({}),
                )?;
                let mut r = start(work, &cfg, &format!("b{run}-{k:02}"), port, &[], &env)?;
                if k == counts.b_kills {
                    running = Some(r);
                    break;
                }
                r.wait_status("a batch in flight", JOIN, |s| {
                    s["in_flight"].as_u64().unwrap_or(0) >= 1
                })?;
                thread::sleep(Duration::from_millis(jitter.below(300)));
                let in_flight = r
                    .status()
                    .and_then(|s| s["in_flight"].as_u64())
                    .unwrap_or(0);
                r.kill9()?;
                kills += 1;
                if in_flight >= 1 {
                    mid += 1;
                }
                let snapshot = topic.committed(&group)?;
                if let Some(prev) = snapshots.last() {
                    for (p, (a, b)) in prev.iter().zip(&snapshot).enumerate() {
                        if b < a {
                            problems.push(format!(
                                "partition {p}: committed offset moved backwards from {a:?} to {b:?} at kill {k}"
                            ));
                        }
                    }
                }
                snapshots.push(snapshot);
                // Keep work ahead of the consumer so that every kill can land mid-batch.
                let lines = ledger::read(&work.ledger_path())?;
                if topic.produced.len() < ledger::delivered(&lines).len() + 40 {
                    topic.produce(60)?;
                }
            }
            let mut last = running.expect("the last process");
            wait_delivered(work, &topic, &BTreeSet::new(), DRAIN, &mut [&mut last])?;
            last.terminate(STOP)?;
            let lines = ledger::read(&work.ledger_path())?;
            let index = |run_tag: &str| -> usize {
                run_tag
                    .rsplit('-')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            };
            for (k, snapshot) in snapshots.iter().enumerate() {
                problems.extend(below_committed(
                    &lines,
                    snapshot,
                    |r| index(r) > k,
                    &format!("when process {k} was killed"),
                ));
            }
            problems.extend(committed_at_ends(&topic, &group)?);
            let t = ledger::check(&topic.produced, &lines, &BTreeSet::new());
            account(row, &t, problems)
        })?;
    }
    row.notes.push(format!(
        "{kills} kills ({} per run{}), {mid} with a batch in flight per /status; redeliveries only at or above the offsets committed at each kill",
        counts.b_kills,
        if counts.full { "" } else { "; the full form kills 20 times per run" }
    ));
    Ok(())
}

// --- (c) ---------------------------------------------------------------------------------------------------

/// (c) On a broker set of its own, the PLAINTEXT tansu (sqlite) is stopped (SIGINT), kept down 3 s and
/// started again on the same port and file, while the consumer works through a backlog (handler sleeps 0.2 s);
/// more records are produced after each restart. Checked: nothing lost, order, committed = end after SIGTERM;
/// duplicates counted (batches whose commit the broker did not take before it went down).
pub(crate) fn broker_restart(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::start()?;
    let mut restarts = 0;
    for run in 0..counts.c_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(&broker, Listener::Plaintext, &format!("c{run}"), PARTITIONS)?;
            let chunk = counts.c_records / (counts.c_restarts + 1);
            topic.produce(chunk)?;
            let group = unique_name("faults-c");
            let port = free_port()?;
            let cfg = config(work, &topic, &group, "c", port, json!({}), json!({}))?;
            let mut running = start(
                work,
                &cfg,
                &format!("c{run}"),
                port,
                &[],
                &[("SLEEP", "0.2".into())],
            )?;
            for i in 0..counts.c_restarts {
                // Restart while the consumer is busy: a batch in flight and records still to come.
                running.wait_status("a batch in flight", JOIN, |s| {
                    s["in_flight"].as_u64().unwrap_or(0) >= 1
                })?;
                broker.restart_tansu(Listener::Plaintext, Duration::from_secs(3))?;
                restarts += 1;
                topic.produce(if i + 1 == counts.c_restarts {
                    counts.c_records - chunk * (counts.c_restarts)
                } else {
                    chunk
                })?;
            }
            wait_delivered(work, &topic, &BTreeSet::new(), DRAIN, &mut [&mut running])?;
            running.terminate(STOP)?;
            let lines = ledger::read(&work.ledger_path())?;
            let t = ledger::check(&topic.produced, &lines, &BTreeSet::new());
            let extra = committed_at_ends(&topic, &group)?;
            account(row, &t, extra)
        })?;
    }
    row.notes.push(format!(
        "{restarts} broker restarts (down 3 s each, sqlite storage kept), each with a batch in flight"
    ));
    broker.stop()?;
    Ok(())
}

// --- (d) ---------------------------------------------------------------------------------------------------

/// (d) Process A runs throughout; each cycle, records are produced, B and C start (same group), and once
/// both have partitions more records are produced, then B and C get SIGTERM (they finish and commit their
/// batches and leave). Checked: nothing lost, order, committed = end; and **no process started after a
/// cycle delivers a record below the offsets committed when that cycle's B and C had left**. Duplicates are
/// counted: a batch in flight on a revoked partition is finished but not committed, so its new owner reads
/// it again.
pub(crate) fn rebalances(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::shared();
    let mut cycles = 0;
    for run in 0..counts.d_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(broker, Listener::Plaintext, &format!("d{run}"), PARTITIONS)?;
            let group = unique_name("faults-d");
            let env = [("SLEEP", "0.2".to_owned())];
            let launch = |topic: &Topic<'_>, name: &str| -> Result<Running> {
                let port = free_port()?;
                let cfg = config(work, topic, &group, name, port, json!({}), json!({}))?;
                start(work, &cfg, name, port, &[], &env)
            };
            let mut a = launch(&topic, &format!("d{run}-a"))?;
            a.wait_status("partitions for A", JOIN, has_partitions)?;
            let mut snapshots = Vec::new();
            for i in 0..counts.d_cycles {
                topic.produce(40)?;
                let mut b = launch(&topic, &format!("d{run}-b-{i:02}"))?;
                let mut c = launch(&topic, &format!("d{run}-c-{i:02}"))?;
                b.wait_status("partitions for B", JOIN, has_partitions)?;
                c.wait_status("partitions for C", JOIN, has_partitions)?;
                topic.produce(40)?;
                thread::sleep(Duration::from_millis(1500));
                b.sigterm()?;
                c.sigterm()?;
                b.finish(STOP)?;
                c.finish(STOP)?;
                snapshots.push(topic.committed(&group)?);
                cycles += 1;
            }
            wait_delivered(work, &topic, &BTreeSet::new(), DRAIN, &mut [&mut a])?;
            a.terminate(STOP)?;
            let lines = ledger::read(&work.ledger_path())?;
            let cycle = |run_tag: &str| -> Option<usize> {
                let (_, n) = run_tag.rsplit_once('-')?;
                if run_tag.ends_with("-a") {
                    return None;
                }
                n.parse().ok()
            };
            let mut problems = Vec::new();
            for (i, snapshot) in snapshots.iter().enumerate() {
                problems.extend(below_committed(
                    &lines,
                    snapshot,
                    |r| cycle(r).is_some_and(|n| n > i),
                    &format!("after cycle {i}'s B and C had left"),
                ));
            }
            problems.extend(committed_at_ends(&topic, &group)?);
            let t = ledger::check(&topic.produced, &lines, &BTreeSet::new());
            account(row, &t, problems)
        })?;
    }
    row.notes.push(format!(
        "{cycles} join/leave cycles of 2 processes ({} per run) while A runs; no redelivery below the offsets committed after each leave",
        counts.d_cycles
    ));
    Ok(())
}

fn has_partitions(s: &Value) -> bool {
    s["assigned_partitions"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

// --- (e) ---------------------------------------------------------------------------------------------------

/// (e) On the SASL_SSL SCRAM listener, `mskgate run --reconnect-after 2` starts with a wrong password in the
/// secret file; once `/status` says "SASL authentication failed" (nothing delivered so far, checked) more
/// records are produced and the file is fixed. Checked: nothing lost, order, state back to OK, committed = end.
pub(crate) fn credentials(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::shared();
    for run in 0..counts.e_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(broker, Listener::ScramTls, &format!("e{run}"), PARTITIONS)?;
            topic.produce(counts.e_records / 2)?;
            let group = unique_name("faults-e");
            let port = free_port()?;
            write_scram_secret(work, broker, Some("wrong-password-faults"))?;
            let cfg = config(work, &topic, &group, "e", port, json!({}), json!({}))?;
            let mut running = start(
                work,
                &cfg,
                &format!("e{run}"),
                port,
                &["--reconnect-after", "2"],
                &[],
            )?;
            running.wait_status("the SASL failure", JOIN, |s| {
                s["LastProcessingResult"] == "SASL authentication failed"
            })?;
            let early = ledger::read(&work.ledger_path())?;
            ensure!(
                early.is_empty(),
                "{} record(s) handled with a rejected password",
                early.len()
            );
            topic.produce(counts.e_records - counts.e_records / 2)?;
            write_scram_secret(work, broker, None)?;
            wait_delivered(work, &topic, &BTreeSet::new(), DRAIN, &mut [&mut running])?;
            running.wait_status("state OK", Duration::from_secs(30), |s| {
                s["LastProcessingResult"] == "OK"
            })?;
            running.terminate(STOP)?;
            let lines = ledger::read(&work.ledger_path())?;
            let t = ledger::check(&topic.produced, &lines, &BTreeSet::new());
            let extra = committed_at_ends(&topic, &group)?;
            account(row, &t, extra)
        })?;
    }
    row.notes.push(
        "rejected until the secret file was fixed, then every record; /status SASL failure → OK"
            .to_owned(),
    );
    Ok(())
}

// --- (f) ---------------------------------------------------------------------------------------------------

/// (f, bounded) Two poison records (partitions 1 and 2) fail every batch holding them;
/// `MaximumRetryAttempts` 2, `BisectBatchOnFunctionError`, an on-failure file. Checked: every other record
/// delivered, each poison record never delivered and named (topic-partition, first = last offset) in the
/// destination file, nothing else in it, order, committed = end (the partitions moved on).
pub(crate) fn poison_bounded(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::shared();
    let mut routed = 0;
    for run in 0..counts.f_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(broker, Listener::Plaintext, &format!("f{run}"), PARTITIONS)?;
            let n = counts.f_records;
            let poison_ids = [n / 3 / 4 * 4 + 1, n * 2 / 3 / 4 * 4 + 2];
            let values = topic.produce_with(n, |id| {
                poison_ids
                    .contains(&id)
                    .then(|| format!("poison-f{run}-{id:06}"))
            })?;
            let poison: BTreeSet<String> = values
                .into_iter()
                .filter(|v| v.starts_with("poison-"))
                .collect();
            let group = unique_name("faults-f");
            let port = free_port()?;
            let dlq = work.path("failed.jsonl");
            let cfg = config(
                work,
                &topic,
                &group,
                "f",
                port,
                json!({"MaximumRetryAttempts": 2, "BisectBatchOnFunctionError": true}),
                json!({"on_failure_file": dlq.display().to_string()}),
            )?;
            let running = start(
                work,
                &cfg,
                &format!("f{run}"),
                port,
                &["--stop-when-idle", "4"],
                &[("FAIL_PREFIX", "poison-".to_owned())],
            )?;
            let code = running.wait(DRAIN)?;
            ensure!(code == 0, "mskgate run exited {code}");
            let lines = ledger::read(&work.ledger_path())?;
            let t = ledger::check(&topic.produced, &lines, &poison);
            let mut extra = committed_at_ends(&topic, &group)?;
            // What the destination names, as (partition, offset).
            let mut named = BTreeSet::new();
            for record in read_jsonl(&dlq)? {
                let info = &record["KafkaBatchInfo"]["recordsInfo"];
                for (key, range) in info.as_object().into_iter().flatten() {
                    let partition: i32 = key
                        .rsplit('-')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(-1);
                    let offset = |k: &str| {
                        range[k]
                            .as_str()
                            .and_then(|o| o.parse::<i64>().ok())
                            .unwrap_or(-1)
                    };
                    for o in offset("firstRecordOffset")..=offset("lastRecordOffset") {
                        named.insert((partition, o));
                    }
                }
            }
            let wanted: BTreeSet<(i32, i64)> =
                poison.iter().map(|v| topic.produced.records[v]).collect();
            for (p, o) in named.symmetric_difference(&wanted) {
                let what = topic.produced.at(*p, *o).unwrap_or("?").to_owned();
                if wanted.contains(&(*p, *o)) {
                    extra.push(format!("poison record {what} (partition {p} offset {o}) is not in the destination file"));
                } else {
                    extra.push(format!("{what} (partition {p} offset {o}) was routed to the destination but is not poison"));
                }
            }
            routed += named.intersection(&wanted).count();
            account(row, &t, extra)
        })?;
    }
    row.notes.push(format!(
        "{routed} poison records, each in the on-failure file and only they; delivered = produced − poison; committed = end"
    ));
    Ok(())
}

/// (f, infinite) A backlog with one poison record at partition 2 offset 7; `MaximumRetryAttempts` -1 and
/// `ReportBatchItemFailures` (the handler names the poison record). Checked while it runs: `/status` says
/// "PROBLEM: Function call failed" with partition 2 stalled, every record of partitions 0, 1, 3 and
/// partition 2's offsets below 7 are delivered, none of partition 2 from offset 7 on; after SIGTERM
/// partition 2's committed offset is exactly 7, the others at their end. Then the handler is fixed and a
/// new process delivers the rest: lost = 0 over all.
///
/// A fresh group with default scaling (concurrency 1 at the start): the stalled batch gives up its
/// concurrency slot when it starts retrying, so the other partitions go on (before that fix, one poison
/// record stopped every partition of the process; `docs/reliability.md`).
pub(crate) fn poison_infinite(counts: &Counts, row: &mut Row) -> Result<()> {
    let broker = Broker::shared();
    let mut max_concurrency = 0;
    for run in 0..counts.f_runs {
        with_work(|work| {
            let mut topic =
                Topic::create(broker, Listener::Plaintext, &format!("g{run}"), PARTITIONS)?;
            let group = unique_name("faults-g");
            // Record ids go round the partitions: id `o * 4 + p` is offset `o` of partition `p`.
            let stall_at: i64 = 7;
            let poison_id = usize::try_from(stall_at)? * 4 + 2;
            // Enough records that the lag stays above the scaler's threshold (100) once partition 2 stalls.
            let values = topic.produce_with(counts.f_records * 3, |id| {
                (id == poison_id).then(|| format!("poison-g{run}-{id:06}"))
            })?;
            let poison = values[poison_id].clone();
            ensure!(
                topic.produced.records[&poison] == (2, stall_at),
                "poison not at 2/{stall_at}"
            );
            let held: BTreeSet<String> = topic
                .produced
                .records
                .iter()
                .filter(|(_, (p, o))| *p == 2 && *o >= stall_at)
                .map(|(v, _)| v.clone())
                .collect();
            let port = free_port()?;
            let top = json!({"shutdown_timeout_seconds": 3});
            let cfg = config(
                work,
                &topic,
                &group,
                "g",
                port,
                json!({"MaximumRetryAttempts": -1, "FunctionResponseTypes": ["ReportBatchItemFailures"]}),
                top,
            )?;
            let env = [("FAIL_VALUE", poison.clone()), ("PARTIAL", "1".to_owned())];
            let mut stalled = start(work, &cfg, &format!("g{run}-stalled"), port, &[], &env)?;
            let partition = format!("{}-2", topic.name);
            stalled.wait_status("the stall", JOIN, |s| {
                s["LastProcessingResult"] == "PROBLEM: Function call failed"
                    && s["stalled"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x["partition"] == partition.as_str()))
            })?;
            wait_delivered(work, &topic, &held, DRAIN, &mut [&mut stalled])?;
            let status = stalled.status().unwrap_or_default();
            max_concurrency = max_concurrency.max(status["concurrency"].as_u64().unwrap_or(0));
            let mut extra = Vec::new();
            if status["LastProcessingResult"] != "PROBLEM: Function call failed"
                || status["stalled"].as_array().map_or(0, Vec::len) != 1
            {
                extra.push(format!(
                    "/status no longer shows the one stalled partition: {status}"
                ));
            }
            stalled.terminate(STOP)?;
            let lines = ledger::read(&work.ledger_path())?;
            let t = ledger::check(&topic.produced, &lines, &held);
            if !t.lost.is_empty() || !t.violations.is_empty() {
                extra.push(format!(
                    "while stalled: lost {}, violations {}",
                    some(&t.lost),
                    some(&t.violations)
                ));
            }
            let committed = topic.committed(&group)?;
            let mut want: Vec<Option<i64>> = topic.produced.ends.iter().map(|e| Some(*e)).collect();
            want[2] = Some(stall_at);
            if committed != want {
                extra.push(format!("committed {committed:?} after the stall, expected {want:?} (partition 2 at the poison record)"));
            }
            // The handler is fixed: the rest of partition 2, poison included, is delivered.
            let port = free_port()?;
            let cfg = config(work, &topic, &group, "g-fixed", port, json!({}), json!({}))?;
            let fixed = start(
                work,
                &cfg,
                &format!("g{run}-fixed"),
                port,
                &["--stop-when-idle", "4"],
                &[],
            )?;
            let code = fixed.wait(DRAIN)?;
            ensure!(code == 0, "the fixed run exited {code}");
            let lines = ledger::read(&work.ledger_path())?;
            let t = ledger::check(&topic.produced, &lines, &BTreeSet::new());
            extra.extend(committed_at_ends(&topic, &group)?);
            account(row, &t, extra)
        })?;
    }
    row.notes.push(format!(
        "fresh group, default scaling, stalled at partition 2 offset 7: /status \"PROBLEM: Function call failed\", partition 2 listed as stalled; other partitions delivered (concurrency {max_concurrency} while stalled); committed 7; handler fixed → rest delivered"
    ));
    Ok(())
}
