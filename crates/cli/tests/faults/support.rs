//! What every fault class needs: a topic with numbered records whose acknowledged offsets are known, a
//! working directory with the config and the ledger, `mskgate run` child processes with `/status`, and the
//! group's committed offsets read back from the broker.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mskgate_e2e::{Broker, Listener, client, unique_name};
use rdkafka::ClientContext;
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};
use serde_json::{Value, json};

/// Deadline of one broker request made by the driver (produce flush, committed offsets).
pub(crate) const BROKER_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The records of one run's topic as the broker acknowledged them: value → (partition, offset), and the next
/// offset of every partition.
#[derive(Debug, Default)]
pub(crate) struct Produced {
    pub(crate) records: BTreeMap<String, (i32, i64)>,
    pub(crate) ends: Vec<i64>,
    next_id: usize,
}

impl Produced {
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The value at `(partition, offset)`.
    pub(crate) fn at(&self, partition: i32, offset: i64) -> Option<&str> {
        self.records
            .iter()
            .find(|(_, at)| **at == (partition, offset))
            .map(|(v, _)| v.as_str())
    }
}

/// A delivery report: (partition, offset, value), or why the record was not produced.
type Ack = std::result::Result<(i32, i64, String), String>;

#[derive(Clone, Default)]
struct Acks(Arc<Mutex<Vec<Ack>>>);

impl ClientContext for Acks {}

impl ProducerContext for Acks {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, (): ()) {
        let entry = match result {
            Ok(m) => Ok((
                m.partition(),
                m.offset(),
                String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
            )),
            Err((e, m)) => Err(format!(
                "{}: {e}",
                String::from_utf8_lossy(m.payload().unwrap_or_default())
            )),
        };
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }
}

/// A topic on one broker, and the records produced to it.
pub(crate) struct Topic<'b> {
    pub(crate) broker: &'b Broker,
    pub(crate) listener: Listener,
    pub(crate) name: String,
    pub(crate) partitions: i32,
    pub(crate) prefix: String,
    pub(crate) produced: Produced,
}

impl<'b> Topic<'b> {
    pub(crate) fn create(
        broker: &'b Broker,
        listener: Listener,
        prefix: &str,
        partitions: i32,
    ) -> Result<Self> {
        let name = unique_name(&format!("faults-{prefix}"));
        broker
            .create_topic(listener, &name, partitions)
            .with_context(|| format!("creating {name}"))?;
        Ok(Self {
            broker,
            listener,
            name,
            partitions,
            prefix: prefix.to_owned(),
            produced: Produced {
                ends: vec![0; usize::try_from(partitions).unwrap_or_default()],
                ..Produced::default()
            },
        })
    }

    /// Produces `n` more numbered records (`<prefix>-<id>`, partition `id % partitions`), or the values
    /// `special` says for some ids, and waits until the broker acknowledged every one.
    pub(crate) fn produce_with(
        &mut self,
        n: usize,
        special: impl Fn(usize) -> Option<String>,
    ) -> Result<Vec<String>> {
        let acks = Acks::default();
        let producer: ThreadedProducer<Acks> =
            client::config(&self.broker.client_config(self.listener))
                .set("message.timeout.ms", "60000")
                .create_with_context(acks.clone())
                .context("creating the producer")?;
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.produced.next_id;
            self.produced.next_id += 1;
            let value = special(id).unwrap_or_else(|| format!("{}-{id:06}", self.prefix));
            let partition = i32::try_from(id).unwrap_or_default() % self.partitions;
            let key = format!("k{id}");
            let mut record = BaseRecord::to(&self.name)
                .partition(partition)
                .key(&key)
                .payload(&value);
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((_, back)) => {
                        thread::sleep(Duration::from_millis(50));
                        record = back;
                    }
                }
            }
            values.push(value);
        }
        producer.flush(BROKER_TIMEOUT).context("flushing records")?;
        let acks = std::mem::take(&mut *acks.0.lock().unwrap_or_else(PoisonError::into_inner));
        if acks.len() != n {
            bail!("{} of {n} records acknowledged", acks.len());
        }
        for ack in acks {
            let (p, o, v) = ack.map_err(|e| anyhow::anyhow!("a record was not produced: {e}"))?;
            let slot = &mut self.produced.ends[usize::try_from(p).unwrap_or_default()];
            *slot = (*slot).max(o + 1);
            if self.produced.records.insert(v.clone(), (p, o)).is_some() {
                bail!("{v} produced twice");
            }
        }
        Ok(values)
    }

    pub(crate) fn produce(&mut self, n: usize) -> Result<()> {
        self.produce_with(n, |_| None).map(drop)
    }

    /// The group's committed offsets, from the broker (`None` = nothing committed).
    pub(crate) fn committed(&self, group: &str) -> Result<Vec<Option<i64>>> {
        client::committed_offsets(
            &self.broker.client_config(self.listener),
            &self.name,
            group,
            self.partitions,
            BROKER_TIMEOUT,
        )
        .with_context(|| format!("reading the committed offsets of {group}"))
    }
}

/// A working directory with the configs, secrets, ledger, destination file and logs of one run; kept (and
/// named in the failure) when the run fails.
pub(crate) struct Work {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    keep: std::sync::atomic::AtomicBool,
}

impl Work {
    pub(crate) fn new() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("mskgate-faults-")
            .tempdir()?;
        Ok(Self {
            path: dir.path().to_path_buf(),
            dir: Some(dir),
            keep: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.path
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> Result<PathBuf> {
        let p = self.path(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        Ok(p)
    }

    pub(crate) fn ledger_path(&self) -> PathBuf {
        self.path("ledger.jsonl")
    }

    /// Keeps the directory when this is dropped.
    pub(crate) fn keep(&self) -> &Path {
        self.keep.store(true, std::sync::atomic::Ordering::SeqCst);
        &self.path
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if self.keep.load(std::sync::atomic::Ordering::SeqCst)
            && let Some(dir) = self.dir.take()
        {
            let _ = dir.keep();
        }
    }
}

/// Runs `f` in a fresh [`Work`]; on failure the directory is kept and named.
pub(crate) fn with_work<T>(f: impl FnOnce(&Work) -> Result<T>) -> Result<T> {
    let work = Work::new()?;
    f(&work).map_err(|e| {
        let path = work.keep().display().to_string();
        e.context(format!("ledger, configs and logs kept in {path}"))
    })
}

/// The complete lines of a JSONL file, parsed. Every writer ends what it appends with a newline,
/// so an unterminated tail is an append still in progress (the ledger is read while handlers
/// write it; one `write` of many lines can be seen half done) and is left for the next read. A
/// malformed complete line is an error.
pub(crate) fn read_jsonl(path: &Path) -> Result<Vec<Value>> {
    match std::fs::read_to_string(path) {
        Ok(text) => text[..text.rfind('\n').map_or(0, |i| i + 1)]
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .with_context(|| format!("a line of {}: {l}", path.display()))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

/// The SCRAM secret file (`scram.json`) and its URI; `password` replaces the right one when given.
pub(crate) fn write_scram_secret(
    work: &Work,
    broker: &Broker,
    password: Option<&str>,
) -> Result<()> {
    let scram = json!({"username": broker.scram_user(),
                       "password": password.unwrap_or(broker.expose_scram_password())});
    work.write("scram.json", &scram.to_string()).map(drop)
}

/// Writes `<name>.json`: the ledger handler on `topic`, `/status` on `port`; `source` and `top` are merged
/// into the source and the top level.
pub(crate) fn config(
    work: &Work,
    topic: &Topic<'_>,
    group: &str,
    name: &str,
    port: u16,
    source: Value,
    top: Value,
) -> Result<PathBuf> {
    let broker = topic.broker;
    let mut src = json!({
        "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [broker.bootstrap(topic.listener)]}},
        "Topics": [topic.name],
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 1,
        "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": group},
    });
    let mut c = json!({});
    match topic.listener {
        Listener::Plaintext => {}
        Listener::ScramTls => {
            let root_uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ca";
            let scram_uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:scram";
            let ca = json!({"certificate": std::fs::read_to_string(&broker.pki().ca)?});
            let ca_path = work.write("root-ca.json", &ca.to_string())?;
            if !work.path("scram.json").exists() {
                write_scram_secret(work, broker, None)?;
            }
            src["SourceAccessConfigurations"] = json!([
                {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": root_uri},
                {"Type": "SASL_SCRAM_512_AUTH", "URI": scram_uri}]);
            c["secrets"] = json!({
                root_uri: format!("file:{}", ca_path.display()),
                scram_uri: format!("file:{}", work.path("scram.json").display()),
            });
        }
        other => bail!("the fault suite has no config for the {other} listener"),
    }
    merge(&mut src, source);
    let handler = repo().join("crates/cli/tests/handlers/ledger.py");
    merge(
        &mut c,
        json!({
            "source": src,
            "handler": {"command": ["python3", handler.display().to_string()], "timeout_seconds": 30},
            "metrics": {"listen": format!("127.0.0.1:{port}")},
            "kafka": {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"},
            "shutdown_timeout_seconds": 20,
        }),
    );
    merge(&mut c, top);
    work.write(
        &format!("{name}.json"),
        &serde_json::to_string_pretty(&c).expect("json"),
    )
}

/// A running `mskgate run`; its stderr is collected, and written to `<work>/<run>.log` when it ends.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) run: String,
    pub(crate) port: u16,
    stderr: Arc<Mutex<String>>,
    log_path: PathBuf,
}

impl Running {
    pub(crate) fn log(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn save_log(&self) {
        let _ = std::fs::write(&self.log_path, self.log());
    }

    /// `/status`, if it answers.
    pub(crate) fn status(&self) -> Option<Value> {
        http_get_json(self.port, "/status")
    }

    /// Polls `/status` every 50 ms until `done`; fails after `timeout` (or when the process exits).
    pub(crate) fn wait_status(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = self.status()
                && done(&v)
            {
                return Ok(v);
            }
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{}: exited ({status}) before {what}:\n{}",
                    self.run,
                    tail(&self.log())
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "{}: no {what} within {timeout:?} (last status {:?}):\n{}",
                    self.run,
                    self.status(),
                    tail(&self.log())
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to exit by itself; returns its exit code.
    pub(crate) fn wait(mut self, timeout: Duration) -> Result<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                thread::sleep(Duration::from_millis(100));
                self.save_log();
                return Ok(status.code().unwrap_or(-1));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                self.save_log();
                bail!(
                    "{} did not stop within {timeout:?}:\n{}",
                    self.run,
                    tail(&self.log())
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM (see [`Running::finish`]).
    pub(crate) fn sigterm(&self) -> Result<()> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
        Ok(())
    }

    /// SIGTERM, then waits; fails unless it exits 0.
    pub(crate) fn terminate(self, timeout: Duration) -> Result<()> {
        self.sigterm()?;
        self.finish(timeout)
    }

    /// Waits for the exit after [`Running::sigterm`]; fails unless it exits 0.
    pub(crate) fn finish(self, timeout: Duration) -> Result<()> {
        let run = self.run.clone();
        let log = self.stderr.clone();
        let code = self.wait(timeout)?;
        if code != 0 {
            let log = log.lock().unwrap_or_else(PoisonError::into_inner).clone();
            bail!("{run} exited {code} after SIGTERM:\n{}", tail(&log));
        }
        Ok(())
    }

    /// `kill -9`, then reaps it.
    pub(crate) fn kill9(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        self.save_log();
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.save_log();
    }
}

/// The last lines of a log, for failure messages.
pub(crate) fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(25)..].join("\n")
}

/// Starts `mskgate run --config <config> <extra>` with `RUN=<run>` and the ledger in `work`.
pub(crate) fn start(
    work: &Work,
    config: &Path,
    run: &str,
    port: u16,
    extra: &[&str],
    env: &[(&str, String)],
) -> Result<Running> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mskgate"));
    cmd.args(["run", "--config"])
        .arg(config)
        .args(extra)
        .current_dir(repo())
        .env_remove("MSKGATE_LOG")
        .env("NO_COLOR", "1")
        .env("LEDGER", work.ledger_path())
        .env("STATE_DIR", work.dir())
        .env("RUN", run)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().context("spawning mskgate run")?;
    let stderr = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().context("stderr")?;
    let sink = Arc::clone(&stderr);
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap_or_else(PoisonError::into_inner);
            s.push_str(&line);
            s.push('\n');
        }
    });
    Ok(Running {
        child,
        run: run.to_owned(),
        port,
        stderr,
        log_path: work.path(&format!("{run}.log")),
    })
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A minimal HTTP/1.0 GET on loopback.
fn http_get_json(port: u16, path: &str) -> Option<Value> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.split_once("\r\n\r\n")?.1).ok()
}

/// A small xorshift generator (timing jitter only; no statistical claims).
#[derive(Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        Self(seed | 1)
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
