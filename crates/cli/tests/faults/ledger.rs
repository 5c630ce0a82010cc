//! Reading the handler's ledger and checking it against what was produced.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};

use crate::support::{Produced, read_jsonl};

/// One record of one invocation, as `ledger.py` wrote it.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    /// The invocation succeeded (and, with a partial batch response, the record was not reported failed).
    pub(crate) ok: bool,
    /// `$RUN` of the `mskgate run` process that invoked the handler.
    pub(crate) run: String,
    /// The invocation (one handler process).
    pub(crate) call: String,
    /// The handler was made to sleep past the function timeout.
    pub(crate) timeout: bool,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) value: String,
}

pub(crate) fn read(path: &Path) -> Result<Vec<Line>> {
    read_jsonl(path)?
        .into_iter()
        .map(|l| {
            let field = |k: &str| l.get(k).with_context(|| format!("no {k} in {l}"));
            Ok(Line {
                ok: field("ok")?.as_bool() == Some(true),
                run: field("run")?.as_str().unwrap_or_default().to_owned(),
                call: field("call")?.as_str().unwrap_or_default().to_owned(),
                timeout: l.get("timeout").and_then(serde_json::Value::as_bool) == Some(true),
                partition: i32::try_from(field("partition")?.as_i64().context("partition")?)?,
                offset: field("offset")?.as_i64().context("offset")?,
                value: field("value")?.as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

/// Values delivered (successfully handled) at least once.
pub(crate) fn delivered(lines: &[Line]) -> BTreeSet<&str> {
    lines
        .iter()
        .filter(|l| l.ok)
        .map(|l| l.value.as_str())
        .collect()
}

/// The ledger checked against the produced records.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) produced: usize,
    /// Distinct records delivered.
    pub(crate) delivered: usize,
    /// Produced records neither delivered nor expected elsewhere (`absent`).
    pub(crate) lost: Vec<String>,
    /// Successful deliveries beyond the first of each record.
    pub(crate) duplicated: usize,
    /// Broken promises other than loss: unknown records, wrong offsets, order of first deliveries.
    pub(crate) violations: Vec<String>,
    /// Invocations seen, and how many failed (exit, timeout or partial failure).
    pub(crate) invocations: usize,
    pub(crate) failed_invocations: usize,
    pub(crate) timeouts: usize,
}

/// Checks every successful ledger line against `produced`:
/// - it names a produced record at the offset the broker acknowledged for it;
/// - every produced record is delivered, except those in `absent` (which must not be: they are expected in
///   an on-failure destination or held back by a stalled partition);
/// - per partition, the first deliveries come in offset order (ledger order; one invocation's lines are one
///   write, so concurrent handlers never interleave lines);
/// - duplicates are counted (what may be duplicated is checked by each class).
pub(crate) fn check(produced: &Produced, lines: &[Line], absent: &BTreeSet<String>) -> Tally {
    let mut t = Tally {
        produced: produced.len(),
        ..Tally::default()
    };
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    let mut last_first: BTreeMap<i32, i64> = BTreeMap::new();
    let mut calls: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        let call = calls.entry(&l.call).or_insert((false, false));
        call.0 |= !l.ok;
        call.1 |= l.timeout;
        if !l.ok {
            continue;
        }
        match produced.records.get(&l.value) {
            None => t.violations.push(format!(
                "{} delivered at partition {} offset {} was never produced",
                l.value, l.partition, l.offset
            )),
            Some(&at) if at != (l.partition, l.offset) => t.violations.push(format!(
                "{} delivered as partition {} offset {} but produced at partition {} offset {}",
                l.value, l.partition, l.offset, at.0, at.1
            )),
            Some(_) => {}
        }
        if absent.contains(&l.value) {
            t.violations.push(format!(
                "{} (partition {} offset {}) was delivered but should not have been",
                l.value, l.partition, l.offset
            ));
        }
        if first.contains_key(l.value.as_str()) {
            t.duplicated += 1;
            continue;
        }
        first.insert(&l.value, i);
        let prev = last_first.insert(l.partition, l.offset);
        if let Some(prev) = prev
            && prev >= l.offset
        {
            t.violations.push(format!(
                "first deliveries out of order on partition {}: offset {} ({}) after offset {prev} (ledger line {})",
                l.partition,
                l.offset,
                l.value,
                i + 1
            ));
        }
    }
    t.delivered = first.len();
    t.lost = produced
        .records
        .keys()
        .filter(|v| !first.contains_key(v.as_str()) && !absent.contains(*v))
        .cloned()
        .collect();
    t.invocations = calls.len();
    t.failed_invocations = calls.values().filter(|c| c.0).count();
    t.timeouts = calls.values().filter(|c| c.1).count();
    t
}

/// Deliveries by runs that started after a commit snapshot, below that snapshot: records the group had
/// committed were handed out again. `later` says which runs started after `snapshot` was taken.
pub(crate) fn below_committed(
    lines: &[Line],
    snapshot: &[Option<i64>],
    later: impl Fn(&str) -> bool,
    when: &str,
) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.ok && later(&l.run))
        .filter_map(|l| {
            let committed = snapshot.get(usize::try_from(l.partition).ok()?).copied()??;
            (l.offset < committed).then(|| {
                format!(
                    "{} (partition {} offset {}) delivered again by {} although offset {committed} was committed {when}",
                    l.value, l.partition, l.offset, l.run
                )
            })
        })
        .collect()
}

/// Names at most 20 records of a list, for failure messages.
pub(crate) fn some(list: &[String]) -> String {
    let mut s = list.iter().take(20).cloned().collect::<Vec<_>>().join("; ");
    if list.len() > 20 {
        s.push_str(&format!("; … and {} more", list.len() - 20));
    }
    s
}

/// The checks above, on made-up ledgers: each must catch what it is there to catch (so that a passing
/// suite means the checks ran, not that they cannot fail).
pub(crate) fn self_check() -> Result<()> {
    let mut produced = Produced::default();
    for (i, v) in ["r0", "r1", "r2", "r3"].iter().enumerate() {
        let offset = i64::try_from(i / 2)?;
        let partition = i32::try_from(i % 2)?;
        produced
            .records
            .insert((*v).to_owned(), (partition, offset));
    }
    let line = |run: &str, v: &str, p: i32, o: i64| Line {
        ok: true,
        run: run.to_owned(),
        call: format!("{run}-{v}"),
        timeout: false,
        partition: p,
        offset: o,
        value: v.to_owned(),
    };
    let good = vec![
        line("x", "r0", 0, 0),
        line("x", "r1", 1, 0),
        line("x", "r2", 0, 1),
        line("y", "r2", 0, 1),
        line("x", "r3", 1, 1),
    ];
    let t = check(&produced, &good, &BTreeSet::new());
    anyhow::ensure!(
        t.lost.is_empty() && t.violations.is_empty() && t.duplicated == 1 && t.delivered == 4,
        "self-check: a good ledger was judged {t:?}"
    );
    let t = check(&produced, &good[..4], &BTreeSet::new());
    anyhow::ensure!(t.lost == ["r3"], "self-check: loss not seen: {t:?}");
    let mut failed = good.clone();
    failed[4].ok = false;
    let t = check(&produced, &failed, &BTreeSet::new());
    anyhow::ensure!(
        t.lost == ["r3"],
        "self-check: a failed delivery counted: {t:?}"
    );
    let swapped = vec![
        good[2].clone(),
        good[0].clone(),
        good[1].clone(),
        good[4].clone(),
    ];
    let t = check(&produced, &swapped, &BTreeSet::new());
    anyhow::ensure!(
        t.violations.len() == 1,
        "self-check: disorder not seen: {t:?}"
    );
    let mut moved = good.clone();
    moved[0].offset = 5;
    let t = check(&produced, &moved, &BTreeSet::new());
    anyhow::ensure!(
        !t.violations.is_empty(),
        "self-check: wrong offset not seen: {t:?}"
    );
    let absent: BTreeSet<String> = ["r3".to_owned()].into();
    let t = check(&produced, &good, &absent);
    anyhow::ensure!(
        t.violations.len() == 1,
        "self-check: delivered absent record not seen: {t:?}"
    );
    let v = below_committed(&good, &[Some(2), Some(0)], |r| r == "y", "now");
    anyhow::ensure!(
        v.len() == 1,
        "self-check: redelivery below a commit not seen: {v:?}"
    );
    Ok(())
}
