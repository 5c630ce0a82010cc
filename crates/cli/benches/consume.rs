//! Consumer benchmark (issue 5): one pre-loaded topic on the harness's `memory://` tansu broker,
//! consumed by (a) a bare rdkafka loop in Rust, (b) `mskgate run` with the in-process no-op
//! handler, (c) a Python pipeline building the same Lambda events. For each: wall records/s from
//! the first to the last record, CPU time of the consumer process per record (utime + stime from
//! /proc), and its RSS sampled while it drains the backlog. Each variant runs several times, interleaved;
//! prints every run and the ratios of the medians.
//!
//!     cargo bench -p mskgate --bench consume            # 1,000,000 records of ~100 B
//!     MSKGATE_BENCH_RECORDS=200000 cargo bench -p mskgate --bench consume
//!     MSKGATE_BENCH_RUNS=5 cargo bench -p mskgate --bench consume     # runs per variant (default 3)
//!
//! Soak (issue 6 §5): `MSKGATE_BENCH_SOAK_SECS=600 cargo bench -p mskgate --bench consume` runs
//! a producer at full speed and `mskgate run` (no-op handler) consuming the same topic for that
//! long, and prints a sample every 10 s: throughput, RSS, open file descriptors, threads.
//!
//! Needs tansu built with the `dynostore` feature (scripts/install-test-deps.sh with
//! MSKGATE_TANSU_FEATURES=libsql,dynostore) and the test venv (confluent-kafka).

use std::io::{BufRead, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mskgate_e2e::{Broker, tools, unique_name};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use serde_json::{Value, json};

const PARTITIONS: i32 = 4;
/// How far the soak's producer runs ahead of the consumer.
const SOAK_BACKLOG: u64 = 200_000;
/// The soak's producer waits while the machine has less memory available than this.
const SOAK_MIN_FREE_MB: u64 = 3_000;

fn main() {
    if let Ok(mode) = std::env::var("MSKGATE_BENCH_CHILD") {
        let args: Vec<String> = std::env::args().collect();
        if mode == "bare" {
            bare(
                &args[1],
                &args[2],
                &args[3],
                args[4].parse().expect("records"),
            );
        }
        return;
    }
    if std::env::var_os("MSKGATE_BROKER_MEMORY").is_none() {
        // The harness starts the memory:// broker only when asked through the environment.
        let status = Command::new(std::env::current_exe().expect("exe"))
            .args(std::env::args().skip(1))
            .env("MSKGATE_BROKER_MEMORY", "1")
            .status()
            .expect("re-run");
        std::process::exit(status.code().unwrap_or(1));
    }
    let n: u64 = std::env::var("MSKGATE_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let broker = Broker::start().expect("harness broker");
    if let Some(secs) = std::env::var("MSKGATE_BENCH_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        // The memory:// engine (the ceiling): tansu 0.6.0's sqlite engine stalled here for
        // minutes at full CPU ingesting a 200,000-record burst.
        let bootstrap = broker
            .memory_bootstrap()
            .expect("no memory:// broker: build tansu with --features libsql,dynostore")
            .to_owned();
        soak(&bootstrap, Duration::from_secs(secs));
        broker.stop().expect("stop broker");
        return;
    }
    let bootstrap = broker
        .memory_bootstrap()
        .expect("no memory:// broker: build tansu with --features libsql,dynostore (MSKGATE_TANSU_FEATURES)")
        .to_owned();
    let topic = unique_name("bench");
    create_topic(&bootstrap, &topic);
    let produced = preload(&bootstrap, &topic, n);
    println!(
        "preloaded {n} records (~100 B value, key, one header) into {PARTITIONS} partitions in {:.1} s ({:.0} rec/s)",
        produced.as_secs_f64(),
        n as f64 / produced.as_secs_f64()
    );

    // Each variant runs `runs` times, interleaved (a b c a b c …) so drift in the shared
    // machine's load hits all three alike; the ratios use each variant's median.
    let runs: usize = std::env::var("MSKGATE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(3);
    let mut results: [Vec<Result>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..runs {
        results[0].push(measure(
            "(a) bare rdkafka loop (Rust)",
            n,
            spawn_bare(&bootstrap, &topic, n),
            Report::Stdout,
        ));
        let (b_child, port) = spawn_mskgate(&bootstrap, &topic, n);
        results[1].push(measure(
            "(b) mskgate run, no-op handler",
            n,
            b_child,
            Report::Status(port),
        ));
        results[2].push(measure(
            "(c) Python: confluent-kafka + json + base64",
            n,
            spawn_python(&bootstrap, &topic, n),
            Report::Stdout,
        ));
    }

    println!();
    println!(
        "| consumer | records | wall s | wall rec/s | CPU s | CPU µs/record | max RSS MB | RSS samples MB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in results.iter().flatten() {
        println!(
            "| {} | {} | {:.2} | {:.0} | {:.2} | {:.2} | {:.1} | {} |",
            r.name,
            r.records,
            r.wall.as_secs_f64(),
            r.records as f64 / r.wall.as_secs_f64(),
            r.cpu_s,
            r.cpu_s * 1e6 / r.records as f64,
            r.max_rss_mb,
            r.samples
                .iter()
                .map(|s| format!("{s:.0}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let rate = |r: &Result| r.records as f64 / r.wall.as_secs_f64();
    let cpu = |r: &Result| r.cpu_s * 1e6 / r.records as f64;
    let [a, b, c] = &results;
    let (cpu_a, cpu_b, cpu_c) = (median(a, cpu), median(b, cpu), median(c, cpu));
    let (rate_a, rate_b) = (median(a, rate), median(b, rate));
    let max_rss_b = b.iter().map(|r| r.max_rss_mb).fold(0.0, f64::max);
    println!();
    println!(
        "medians of {runs} run(s): CPU µs/record (a) {cpu_a:.2}, (b) {cpu_b:.2}, (c) {cpu_c:.2}; wall rec/s (a) {rate_a:.0}, (b) {rate_b:.0}"
    );
    println!(
        "wall (b)/(a) = {:.2} (goal ≥ 0.9); CPU/record (b)/(a) = {:.2} (goal ≤ 2); CPU/record (c)/(b) = {:.2} (goal ≥ 5); max RSS (b) = {max_rss_b:.0} MB (goal ≤ 150)",
        rate_b / rate_a,
        cpu_b / cpu_a,
        cpu_c / cpu_b,
    );
    broker.stop().expect("stop broker");
}

fn admin(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin")
}

fn create_topic(bootstrap: &str, topic: &str) {
    let admin = admin(bootstrap);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let res = rt
        .block_on(admin.create_topics(
            [&NewTopic::new(
                topic,
                PARTITIONS,
                TopicReplication::Fixed(1),
            )],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .expect("create topic");
    for r in res {
        r.expect("topic created");
    }
    std::thread::sleep(Duration::from_millis(500));
}

fn producer(bootstrap: &str) -> ThreadedProducer<DefaultProducerContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer")
}

/// Sends record number `i` (~100 B value, a key, one header), waiting while the queue is full.
fn send(producer: &ThreadedProducer<DefaultProducerContext>, topic: &str, i: u64, value: &str) {
    let key = format!("key-{:06}", i % 100_000);
    let payload = format!("{i:09}{value}");
    let headers = OwnedHeaders::new().insert(Header {
        key: "trace",
        value: Some(b"abc123"),
    });
    let mut rec = BaseRecord::to(topic)
        .partition((i % PARTITIONS as u64) as i32)
        .key(&key)
        .payload(&payload)
        .headers(headers);
    loop {
        match producer.send(rec) {
            Ok(()) => break,
            Err((_, r)) => {
                rec = r;
                producer.poll(Duration::from_millis(10));
            }
        }
    }
}

fn preload(bootstrap: &str, topic: &str, n: u64) -> Duration {
    let producer = producer(bootstrap);
    let started = Instant::now();
    let value = "x".repeat(90);
    for i in 0..n {
        send(&producer, topic, i, &value);
    }
    producer.flush(Duration::from_secs(300)).expect("flush");
    started.elapsed()
}

/// Issue 6 §5: a producer keeping a backlog of up to [`SOAK_BACKLOG`] records and `mskgate run`
/// draining the same topic for `length`; a sample every 10 s of the consumer's throughput, RSS,
/// open file descriptors and threads. The memory:// broker keeps every record in RAM (~150 B
/// each), so the producer also waits while the machine has less than [`SOAK_MIN_FREE_MB`] free.
fn soak(bootstrap: &str, length: Duration) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    let topic = unique_name("soak");
    create_topic(bootstrap, &topic);
    let stop = Arc::new(AtomicBool::new(false));
    let produced = Arc::new(AtomicU64::new(0));
    let (mut child, port) = spawn_mskgate(bootstrap, &topic, 0);
    let pid = child.id();
    let begun = Instant::now();
    while status_processed(port).is_none() {
        assert!(
            begun.elapsed() < Duration::from_secs(60),
            "mskgate run did not answer /status"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let writer = {
        let (stop, produced) = (Arc::clone(&stop), Arc::clone(&produced));
        let (bootstrap, topic) = (bootstrap.to_owned(), topic.clone());
        std::thread::spawn(move || {
            let producer = producer(&bootstrap);
            let value = "x".repeat(90);
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                if i % 10_000 == 0 {
                    // Keep the consumer behind by at most SOAK_BACKLOG records.
                    while !stop.load(Ordering::Relaxed)
                        && (i > status_processed(port).unwrap_or(0) + SOAK_BACKLOG
                            || mem_available_mb() < SOAK_MIN_FREE_MB)
                    {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
                send(&producer, &topic, i, &value);
                i += 1;
                produced.store(i, Ordering::Relaxed);
            }
            let _ = producer.flush(Duration::from_secs(60));
        })
    };
    println!(
        "soak: {} s, a producer keeping up to {SOAK_BACKLOG} records ahead, mskgate run (no-op handler) on {PARTITIONS} partitions",
        length.as_secs()
    );
    println!();
    println!(
        "| t s | produced | processed | rec/s (last 10 s) | RSS MB | fds | threads | machine free MB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let started = Instant::now();
    let mut last = (started, status_processed(port).unwrap_or(0));
    let mut rows: Vec<(f64, f64, usize, u64)> = Vec::new();
    while started.elapsed() < length {
        std::thread::sleep(Duration::from_secs(10));
        let now = Instant::now();
        let processed = status_processed(port).unwrap_or(last.1);
        let rate = (processed - last.1) as f64 / (now - last.0).as_secs_f64();
        let (rss, fds, threads) = (proc_rss_mb(pid), proc_fds(pid), proc_threads(pid));
        println!(
            "| {:.0} | {} | {processed} | {rate:.0} | {rss:.1} | {fds} | {threads} | {} |",
            started.elapsed().as_secs_f64(),
            produced.load(Ordering::Relaxed),
            mem_available_mb(),
        );
        rows.push((rate, rss, fds, threads));
        last = (now, processed);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = writer.join();
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    // After the first minute (warm-up): the spread of throughput, RSS growth, fd/thread growth.
    let steady: Vec<_> = rows.iter().skip(6).collect();
    if steady.len() < 2 {
        println!("soak too short for a verdict (needs more than 70 s)");
        return;
    }
    let mut rates: Vec<f64> = steady.iter().map(|r| r.0).collect();
    rates.sort_by(f64::total_cmp);
    let (first, last) = (steady[0], steady[steady.len() - 1]);
    let max_rss = steady.iter().map(|r| r.1).fold(0.0, f64::max);
    println!();
    println!(
        "after the first minute: rec/s min {:.0} / median {:.0} / max {:.0}; RSS {:.1} → {:.1} MB (max {max_rss:.1}); fds {} → {}; threads {} → {}",
        rates[0],
        rates[rates.len() / 2],
        rates[rates.len() - 1],
        first.1,
        last.1,
        first.2,
        last.2,
        first.3,
        last.3,
    );
}

/// The number after `key` in a `/proc` file of `key: value [unit]` lines (`/proc/meminfo`,
/// `/proc/<pid>/status`).
fn proc_field(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn mem_available_mb() -> u64 {
    proc_field("/proc/meminfo", "MemAvailable").map_or(u64::MAX, |kb| kb / 1024)
}

fn proc_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

fn proc_threads(pid: u32) -> u64 {
    proc_field(&format!("/proc/{pid}/status"), "Threads").unwrap_or(0)
}

/// Variant (a): subscribe, poll, read every field of each record that the event carries (key,
/// value, headers, timestamp), store the offset every 100 records for librdkafka to commit every
/// 100 ms: the commit policy of (b) (see `docs/runtime.md`, commits), so the floor pays what (b)
/// must pay.
fn bare(bootstrap: &str, topic: &str, group: &str, n: u64) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set("auto.commit.interval.ms", "100")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut seen = 0u64;
    let mut bytes = 0usize;
    let mut stamps = 0i64;
    let mut first = None;
    while seen < n {
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                first.get_or_insert_with(now_ms);
                // Every field the event carries: key, value, headers (librdkafka parses them
                // on first access) and the timestamp. Less would not be the floor of this job.
                bytes += m.payload().map_or(0, <[u8]>::len) + m.key().map_or(0, <[u8]>::len);
                if let Some(hs) = m.headers() {
                    for h in hs.iter() {
                        bytes += h.key.len() + h.value.map_or(0, <[u8]>::len);
                    }
                }
                stamps ^= m.timestamp().to_millis().unwrap_or(-1);
                seen += 1;
                if seen.is_multiple_of(100) {
                    let _ = consumer.store_offset_from_message(&m);
                }
            }
            Some(Err(e)) => eprintln!("bare: {e}"),
            None => {}
        }
    }
    println!(
        "{}",
        json!({"records": seen, "first_ms": first.unwrap_or(0), "last_ms": now_ms(), "bytes": bytes, "stamps": stamps})
    );
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn spawn_bare(bootstrap: &str, topic: &str, n: u64) -> Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args([bootstrap, topic, &unique_name("bare"), &n.to_string()])
        .env("MSKGATE_BENCH_CHILD", "bare")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn bare")
}

fn spawn_python(bootstrap: &str, topic: &str, n: u64) -> Child {
    let python = tools::cache_dir().join("venv/bin/python");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/python_pipeline.py");
    Command::new(python)
        .arg(script)
        .args([bootstrap, topic, &unique_name("py"), &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn python (run scripts/install-test-deps.sh)")
}

fn spawn_mskgate(bootstrap: &str, topic: &str, n: u64) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let dir = std::env::temp_dir().join(unique_name("bench-config"));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("config.json");
    let c = json!({
        "source": {
            "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [bootstrap]}},
            "Topics": [topic],
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 1,
            "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": unique_name("mskgate")},
        },
        "handler": {"noop": {}},
        "metrics": {"listen": format!("127.0.0.1:{port}")},
        "logging": {"level": "warn"},
    });
    std::fs::write(&config, c.to_string()).expect("config");
    let _ = n;
    let child = Command::new(env!("CARGO_BIN_EXE_mskgate"))
        .args(["run", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn mskgate");
    (child, port)
}

enum Report {
    /// The child prints a JSON line with first_ms/last_ms when it has consumed everything.
    Stdout,
    /// Poll mskgate's /status on this port.
    Status(u16),
}

struct Result {
    name: &'static str,
    records: u64,
    wall: Duration,
    cpu_s: f64,
    max_rss_mb: f64,
    samples: Vec<f64>,
}

fn proc_cpu_s(pid: u32) -> f64 {
    stat_cpu_s(&format!("/proc/{pid}/stat"))
}

/// CPU seconds and context switches (voluntary + involuntary) by thread name (threads of one
/// name summed), largest CPU first: where the process's time went (its main loop, librdkafka's
/// `rdk:*` threads) and how often each thread slept and woke.
fn threads_cpu_s(pid: u32) -> Vec<(String, f64, u64)> {
    let mut by_name: Vec<(String, f64, u64)> = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let cpu = stat_cpu_s(&dir.join("stat").to_string_lossy());
        let status = dir.join("status").to_string_lossy().into_owned();
        let switches = proc_field(&status, "voluntary_ctxt_switches").unwrap_or(0)
            + proc_field(&status, "nonvoluntary_ctxt_switches").unwrap_or(0);
        let name = name.trim().to_owned();
        match by_name.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, total, sw)) => {
                *total += cpu;
                *sw += switches;
            }
            None => by_name.push((name, cpu, switches)),
        }
    }
    by_name.sort_by(|x, y| y.1.total_cmp(&x.1));
    by_name
}

/// utime + stime of a /proc stat file, in seconds.
fn stat_cpu_s(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 (1-based) → indexes 11 and 12 after ')'.
    let hz = 100.0; // USER_HZ on Linux
    (ticks(11) + ticks(12)) / hz
}

fn proc_rss_mb(pid: u32) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    proc_field(&format!("/proc/{pid}/status"), "VmRSS").map_or(0.0, |kb| kb as f64 / 1024.0)
}

/// A process's RSS while it drains: the maximum seen and one sample a second.
struct RssSampler {
    pid: u32,
    max: f64,
    samples: Vec<f64>,
    last: Instant,
}

impl RssSampler {
    fn new(pid: u32) -> Self {
        Self {
            pid,
            max: 0.0,
            samples: Vec::new(),
            last: Instant::now(),
        }
    }

    fn sample(&mut self) {
        let rss = proc_rss_mb(self.pid);
        self.max = self.max.max(rss);
        if self.last.elapsed() >= Duration::from_secs(1) {
            self.samples.push(rss);
            self.last = Instant::now();
        }
    }
}

fn status_processed(port: u16) -> Option<u64> {
    let text = http_get(port, "/status")?;
    let body: Value = serde_json::from_str(text.split_once("\r\n\r\n")?.1).ok()?;
    body["records_processed"].as_u64()
}

/// One unlabelled sample from mskgate's /metrics.
fn metric(port: u16, name: &str) -> Option<f64> {
    http_get(port, "/metrics")?
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The whole response (status line, headers, body) of an HTTP/1.0 GET on loopback.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    Some(text)
}

fn measure(name: &'static str, n: u64, mut child: Child, report: Report) -> Result {
    let pid = child.id();
    let mut rss = RssSampler::new(pid);
    let started = Instant::now();
    let (wall, records) = match report {
        Report::Stdout => {
            let stdout = child.stdout.take().expect("stdout");
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = tx.send(line);
            });
            let line = loop {
                if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                    break line;
                }
                rss.sample();
                assert!(
                    started.elapsed() < Duration::from_secs(900),
                    "{name}: no result after 15 min"
                );
            };
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{name}: {e}: {line}"));
            let ms = v["last_ms"].as_u64().unwrap_or(0) - v["first_ms"].as_u64().unwrap_or(0);
            (
                Duration::from_millis(ms.max(1)),
                v["records"].as_u64().unwrap_or(0),
            )
        }
        Report::Status(port) => {
            let mut first: Option<Instant> = None;
            let done;
            loop {
                let p = status_processed(port).unwrap_or(0);
                if p > 0 && first.is_none() {
                    first = Some(Instant::now());
                }
                if p >= n {
                    done = Instant::now();
                    break;
                }
                rss.sample();
                assert!(
                    started.elapsed() < Duration::from_secs(900),
                    "{name}: stuck at {p} records"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            if let Some(batches) = metric(port, "mskgate_batches_processed_total") {
                eprintln!("{name}: {batches} batches");
            }
            (done - first.unwrap_or(started), n)
        }
    };
    let cpu_s = proc_cpu_s(pid);
    let threads = threads_cpu_s(pid)
        .iter()
        .filter(|(_, cpu, _)| *cpu > 0.0)
        .map(|(name, cpu, switches)| format!("{name} {cpu:.2} ({switches} switches)"))
        .collect::<Vec<_>>()
        .join(", ");
    eprintln!("{name}: CPU s by thread: {threads}");
    rss.max = rss.max.max(proc_rss_mb(pid));
    drop(child.stdin.take());
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    eprintln!(
        "{name}: {records} records, {:.2} s wall, {cpu_s:.2} s CPU",
        wall.as_secs_f64()
    );
    Result {
        name,
        records,
        wall,
        cpu_s,
        max_rss_mb: rss.max,
        samples: rss.samples,
    }
}

/// The median of `f` over `results` (the upper one of an even count).
fn median(results: &[Result], f: impl Fn(&Result) -> f64) -> f64 {
    let mut v: Vec<f64> = results.iter().map(f).collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
