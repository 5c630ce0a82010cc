//! The broker set: starting and stopping `scripts/broker.sh`, and client settings for each listener.

use std::fmt;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{self, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;

use crate::client::{self, block_on};
use crate::ports::{PortsEnv, free_ports};
use crate::{HarnessError, tools};

/// How long `broker.sh start` may take (users, five brokers, stunnel, readiness) before the harness gives up.
const START_TIMEOUT: Duration = Duration::from_secs(150);
/// How long `broker.sh stop` may take (it escalates to SIGKILL after 10 s per process).
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline of one admin request.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(15);
/// Work directories of finished runs older than this are removed when a new broker set starts.
const STALE_AFTER: Duration = Duration::from_secs(600);

/// One listener of the broker set. Each is a separate tansu process with its own storage, so a topic exists
/// only on the listener it was created on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listener {
    /// `PLAINTEXT`: tansu directly (MSK port 9092).
    Plaintext,
    /// `SSL`: stunnel terminates TLS in front of tansu (MSK port 9094).
    Tls,
    /// `SSL` with a required client certificate (stunnel `requireCert`, `verifyChain`) in front of tansu.
    Mtls,
    /// `SASL_SSL` with SCRAM-SHA-512 or SCRAM-SHA-256: stunnel in front of tansu `--authentication`
    /// (MSK port 9096).
    ScramTls,
    /// `SASL_PLAINTEXT` with SCRAM: tansu `--authentication` directly, no TLS. MSK has no such listener; it
    /// exists to test that mskgate refuses or warns about SCRAM over plaintext.
    ScramPlaintext,
}

impl Listener {
    /// Every listener, in the order of the table in `docs/test-harness.md`.
    pub const ALL: [Listener; 5] = [
        Listener::Plaintext,
        Listener::Tls,
        Listener::Mtls,
        Listener::ScramTls,
        Listener::ScramPlaintext,
    ];

    /// The client's `security.protocol` for this listener.
    pub fn security_protocol(self) -> &'static str {
        match self {
            Listener::Plaintext => "PLAINTEXT",
            Listener::Tls | Listener::Mtls => "SSL",
            Listener::ScramTls => "SASL_SSL",
            Listener::ScramPlaintext => "SASL_PLAINTEXT",
        }
    }

    /// A short name usable in topic and group names.
    pub fn name(self) -> &'static str {
        match self {
            Listener::Plaintext => "plaintext",
            Listener::Tls => "tls",
            Listener::Mtls => "mtls",
            Listener::ScramTls => "scram-tls",
            Listener::ScramPlaintext => "scram-plaintext",
        }
    }

    /// The `bootstrap.servers` value of this listener on `broker` (`127.0.0.1:PORT`).
    pub fn bootstrap(self, broker: &Broker) -> &str {
        broker.bootstrap(self)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The name of the tansu process behind this listener in `scripts/broker.sh` (its PID and log file).
    fn component(self) -> &'static str {
        match self {
            Listener::Plaintext => "plain",
            Listener::Tls => "tls",
            Listener::Mtls => "mtls",
            Listener::ScramTls => "scram",
            Listener::ScramPlaintext => "sasl_plain",
        }
    }

    fn ports_key(self) -> &'static str {
        match self {
            Listener::Plaintext => "MSKGATE_PLAINTEXT_BOOTSTRAP",
            Listener::Tls => "MSKGATE_TLS_BOOTSTRAP",
            Listener::Mtls => "MSKGATE_MTLS_BOOTSTRAP",
            Listener::ScramTls => "MSKGATE_SCRAM_TLS_BOOTSTRAP",
            Listener::ScramPlaintext => "MSKGATE_SCRAM_PLAINTEXT_BOOTSTRAP",
        }
    }
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A SCRAM mechanism; the test user exists with both on both SCRAM listeners.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ScramMechanism {
    /// `SCRAM-SHA-512`, the one MSK supports.
    #[default]
    Sha512,
    /// `SCRAM-SHA-256`.
    Sha256,
}

impl ScramMechanism {
    /// The `sasl.mechanism` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ScramMechanism::Sha512 => "SCRAM-SHA-512",
            ScramMechanism::Sha256 => "SCRAM-SHA-256",
        }
    }
}

/// The test PKI files the listeners use (from `fixtures/pki`).
#[derive(Clone, Debug)]
pub struct Pki {
    /// The root CA clients trust (`rsa/root.pem`); the server sends its leaf and the intermediate.
    pub ca: PathBuf,
    /// The client certificate the mTLS listener accepts (`rsa/client.pem`, issued by the intermediate).
    pub client_cert: PathBuf,
    /// Its unencrypted PKCS#8 key.
    pub client_key: PathBuf,
    /// A root CA the listeners do not know (`rogue/root.pem`).
    pub rogue_ca: PathBuf,
    /// A client certificate from the rogue CA, which the mTLS listener must refuse.
    pub rogue_client_cert: PathBuf,
    /// Its key.
    pub rogue_client_key: PathBuf,
}

/// A running set of tansu brokers, one per [`Listener`], started by `scripts/broker.sh` on free loopback ports.
///
/// Dropping it stops every process (by PID) and removes its work directory, unless the thread is panicking, in
/// which case the logs are kept and their path printed. The brokers are also bound to this process: a watchdog
/// stops them once the process is gone, even after a crash.
pub struct Broker {
    work: Option<tempfile::TempDir>,
    work_path: PathBuf,
    bootstrap: [String; 5],
    memory_bootstrap: Option<String>,
    pki: Pki,
    scram_user: String,
    scram_password: String,
    startup: Duration,
}

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broker")
            .field("work_dir", &self.work_path)
            .field("bootstrap", &self.bootstrap)
            .field("memory_bootstrap", &self.memory_bootstrap)
            .field("scram_user", &self.scram_user)
            .field("scram_password", &"[redacted]")
            .field("startup", &self.startup)
            .finish_non_exhaustive()
    }
}

static SHARED: OnceLock<Result<Broker, HarnessError>> = OnceLock::new();

impl Broker {
    /// Starts a new broker set: picks free loopback ports, runs `scripts/broker.sh start` in a fresh work
    /// directory (under the target directory) with this process as the owner, and reads its `ports.env`.
    ///
    /// Fails — it never skips — when tansu, stunnel or openssl are missing (run `scripts/install-test-deps.sh`)
    /// or a listener does not answer within its deadline; the error carries the script's output and log tails.
    pub fn start() -> Result<Broker, HarnessError> {
        let began = Instant::now();
        let tansu = tools::tansu()?;
        for tool in ["bash", "stunnel", "openssl", "setsid"] {
            tools::require(tool)?;
        }
        let base = work_base();
        fs::create_dir_all(&base)
            .map_err(|e| HarnessError::io(format!("creating {}", base.display()), e))?;
        prune_stale(&base);
        let work = tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(&base)
            .map_err(|e| {
                HarnessError::io(
                    format!("creating a work directory in {}", base.display()),
                    e,
                )
            })?;
        let work_path = work.path().to_path_buf();

        // A picked port can be taken by someone else before tansu binds it; try again with new ports once.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match run_start(&tansu, &work_path) {
                Ok(()) => break,
                Err(HarnessError::Script { output, .. })
                    if attempt < 2 && output.contains("in use") =>
                {
                    let _ = run_script("stop", &work_path, STOP_TIMEOUT);
                }
                Err(e) => return Err(e),
            }
        }
        match Self::from_ports_env(work, &work_path, began.elapsed()) {
            Ok(broker) => {
                eprintln!(
                    "mskgate-e2e: brokers ready in {:.1?} (work dir {})",
                    broker.startup,
                    broker.work_path.display()
                );
                Ok(broker)
            }
            Err(e) => {
                let _ = run_script("stop", &work_path, STOP_TIMEOUT);
                Err(e)
            }
        }
    }

    fn from_ports_env(
        work: tempfile::TempDir,
        work_path: &Path,
        startup: Duration,
    ) -> Result<Broker, HarnessError> {
        let env = PortsEnv::read(&work_path.join("ports.env"))?;
        let bootstrap = Listener::ALL.map(|l| env.get(l.ports_key()).map(str::to_owned));
        let [a, b, c, d, e] = bootstrap;
        Ok(Broker {
            work: Some(work),
            work_path: work_path.to_path_buf(),
            bootstrap: [a?, b?, c?, d?, e?],
            memory_bootstrap: env.optional("MSKGATE_MEMORY_BOOTSTRAP").map(str::to_owned),
            pki: Pki {
                ca: env.file("MSKGATE_SSL_CA_LOCATION")?,
                client_cert: env.file("MSKGATE_SSL_CERTIFICATE_LOCATION")?,
                client_key: env.file("MSKGATE_SSL_KEY_LOCATION")?,
                rogue_ca: env.file("MSKGATE_ROGUE_CA_LOCATION")?,
                rogue_client_cert: env.file("MSKGATE_ROGUE_CERTIFICATE_LOCATION")?,
                rogue_client_key: env.file("MSKGATE_ROGUE_KEY_LOCATION")?,
            },
            scram_user: env.get("MSKGATE_SCRAM_USER")?.to_owned(),
            scram_password: env.get("MSKGATE_SCRAM_PASSWORD")?.to_owned(),
            startup,
        })
    }

    /// The broker set shared by every test of this test binary, started on first use.
    ///
    /// It is never dropped; the watchdog stops it when the test process exits.
    ///
    /// # Panics
    /// When the brokers cannot be started, with the reason (every test using it fails the same way).
    #[track_caller]
    pub fn shared() -> &'static Broker {
        match Self::try_shared() {
            Ok(broker) => broker,
            Err(e) => panic!("the shared test brokers could not be started: {e:?}"),
        }
    }

    /// Like [`Broker::shared`], but returns the start-up error instead of panicking.
    pub fn try_shared() -> Result<&'static Broker, &'static HarnessError> {
        SHARED.get_or_init(Broker::start).as_ref()
    }

    /// The `bootstrap.servers` value of `listener` (`127.0.0.1:PORT`).
    pub fn bootstrap(&self, listener: Listener) -> &str {
        &self.bootstrap[listener.index()]
    }

    /// The memory:// PLAINTEXT broker (for benchmarks), present only when `MSKGATE_BROKER_MEMORY=1` was set
    /// and tansu has the `dynostore` feature. Its fetches are wrong inside record batches: not for correctness.
    pub fn memory_bootstrap(&self) -> Option<&str> {
        self.memory_bootstrap.as_deref()
    }

    /// The librdkafka properties a client needs for `listener`: `bootstrap.servers`, `security.protocol`, the
    /// CA, the client certificate and key (mTLS), the SCRAM mechanism (SCRAM-SHA-512), user and password.
    pub fn client_config(&self, listener: Listener) -> Vec<(String, String)> {
        self.client_config_scram(listener, ScramMechanism::default())
    }

    /// Like [`Broker::client_config`], with the SCRAM mechanism chosen (ignored by non-SCRAM listeners).
    pub fn client_config_scram(
        &self,
        listener: Listener,
        mechanism: ScramMechanism,
    ) -> Vec<(String, String)> {
        let path = |p: &Path| p.display().to_string();
        let mut config = vec![
            (
                "bootstrap.servers".to_owned(),
                self.bootstrap(listener).to_owned(),
            ),
            (
                "security.protocol".to_owned(),
                listener.security_protocol().to_owned(),
            ),
        ];
        if matches!(
            listener,
            Listener::Tls | Listener::Mtls | Listener::ScramTls
        ) {
            config.push(("ssl.ca.location".to_owned(), path(&self.pki.ca)));
        }
        if listener == Listener::Mtls {
            config.push((
                "ssl.certificate.location".to_owned(),
                path(&self.pki.client_cert),
            ));
            config.push(("ssl.key.location".to_owned(), path(&self.pki.client_key)));
        }
        if matches!(listener, Listener::ScramTls | Listener::ScramPlaintext) {
            config.push(("sasl.mechanism".to_owned(), mechanism.as_str().to_owned()));
            config.push(("sasl.username".to_owned(), self.scram_user.clone()));
            config.push(("sasl.password".to_owned(), self.scram_password.clone()));
        }
        config
    }

    /// Creates `name` with `partitions` partitions (replication 1) on `listener`'s broker and waits until its
    /// metadata shows them. tansu 0.6 does not auto-create topics, and every listener has its own storage.
    pub fn create_topic(
        &self,
        listener: Listener,
        name: &str,
        partitions: i32,
    ) -> Result<(), HarnessError> {
        let context = format!("creating topic {name} on the {listener} listener");
        let admin: AdminClient<DefaultClientContext> =
            client::config(&self.client_config(listener))
                .create()
                .map_err(|e| HarnessError::kafka(&context, e))?;
        let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        let options = AdminOptions::new()
            .request_timeout(Some(ADMIN_TIMEOUT))
            .operation_timeout(Some(ADMIN_TIMEOUT));
        let results = block_on(
            admin.create_topics([&topic], &options),
            ADMIN_TIMEOUT + Duration::from_secs(5),
        )
        .ok_or_else(|| HarnessError::Timeout {
            what: context.clone(),
            after: ADMIN_TIMEOUT,
        })?
        .map_err(|e| HarnessError::kafka(&context, e))?;
        for result in results {
            if let Err((topic, code)) = result {
                return Err(HarnessError::Unexpected(format!(
                    "{context}: the broker answered {code} for {topic}"
                )));
            }
        }
        let wanted = usize::try_from(partitions).unwrap_or_default();
        client::wait_until(
            &format!("{name} showing {partitions} partitions in {listener} metadata"),
            ADMIN_TIMEOUT,
            || {},
            || {
                let metadata = admin
                    .inner()
                    .fetch_metadata(Some(name), Duration::from_secs(2))
                    .ok()?;
                let topic = metadata.topics().iter().find(|t| t.name() == name)?;
                (topic.error().is_none() && topic.partitions().len() == wanted).then_some(())
            },
        )
    }

    /// The test PKI files.
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The SCRAM user (`test-user`), which exists with SCRAM-SHA-512 and SCRAM-SHA-256 on both SCRAM listeners.
    pub fn scram_user(&self) -> &str {
        &self.scram_user
    }

    /// The SCRAM password (from `MSKGATE_SCRAM_PASSWORD`, default the one in `fixtures/secrets/scram.json`).
    pub fn expose_scram_password(&self) -> &str {
        &self.scram_password
    }

    /// The work directory: sqlite files, `*.log` of every process, PID files, `ports.env`, `stunnel.conf`.
    pub fn work_dir(&self) -> &Path {
        &self.work_path
    }

    /// How long [`Broker::start`] took.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// Stops the tansu process behind `listener` (SIGINT, as stopping the set does), waits `down`, then starts
    /// it again on the same ports and sqlite file and waits until it answers ApiVersions (`scripts/broker.sh
    /// restart`). stunnel and the other listeners' brokers keep running; topics, records and committed offsets
    /// survive (sqlite storage). For fault-injection tests: clients see the broker go away and come back.
    pub fn restart_tansu(&self, listener: Listener, down: Duration) -> Result<(), HarnessError> {
        let mut command = script_command("restart", &self.work_path);
        command
            .arg(listener.component())
            .arg(format!("{:.3}", down.as_secs_f64()));
        run(
            command,
            "restart",
            &self.work_path,
            STOP_TIMEOUT + down + START_TIMEOUT,
        )
    }

    /// Stops the brokers now (what `Drop` does), reporting a failure instead of printing it.
    pub fn stop(mut self) -> Result<(), HarnessError> {
        let result = run_script("stop", &self.work_path, STOP_TIMEOUT);
        self.work = None;
        result
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let Some(work) = self.work.take() else { return };
        if let Err(e) = run_script("stop", &self.work_path, STOP_TIMEOUT) {
            eprintln!("mskgate-e2e: stopping the brokers failed: {e:?}");
        }
        if thread::panicking() {
            eprintln!(
                "mskgate-e2e: keeping the broker logs in {}",
                work.keep().display()
            );
        }
    }
}

/// `broker.sh start` with fresh ports, this process as owner, output in `broker-start.log`.
fn run_start(tansu: &Path, work: &Path) -> Result<(), HarnessError> {
    let ports = free_ports(9)?;
    let names = [
        "P_PLAIN",
        "P_TLS",
        "P_MTLS",
        "P_SCRAM",
        "P_SASL_PLAIN",
        "P_MEMORY",
        "B_TLS",
        "B_MTLS",
        "B_SCRAM",
    ];
    let mut command = script_command("start", work);
    command
        .env("MSKGATE_TANSU", tansu)
        .env("MSKGATE_OWNER_PID", process::id().to_string());
    for (name, port) in names.iter().zip(&ports) {
        command.env(name, port.to_string());
    }
    run(command, "start", work, START_TIMEOUT)
}

fn script_command(action: &str, work: &Path) -> Command {
    let mut command = Command::new("bash");
    command
        .arg(tools::repo_root().join("scripts").join("broker.sh"))
        .arg(action)
        .env("MSKGATE_BROKER_WORK", work);
    command
}

fn run_script(action: &'static str, work: &Path, timeout: Duration) -> Result<(), HarnessError> {
    run(script_command(action, work), action, work, timeout)
}

/// Runs the script with its output in a file (never a pipe: the brokers it leaves behind must not hold one
/// open), bounded by `timeout`.
fn run(
    mut command: Command,
    action: &'static str,
    work: &Path,
    timeout: Duration,
) -> Result<(), HarnessError> {
    let log = work.join(format!("broker-{action}.log"));
    let out = File::create(&log)
        .map_err(|e| HarnessError::io(format!("creating {}", log.display()), e))?;
    let err = out
        .try_clone()
        .map_err(|e| HarnessError::io(format!("duplicating {}", log.display()), e))?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| HarnessError::io("running bash scripts/broker.sh", e))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.to_string(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break format!("killed after {timeout:?}");
            }
            Err(e) => return Err(HarnessError::io("waiting for scripts/broker.sh", e)),
        }
    };
    if status == "exit status: 0" {
        return Ok(());
    }
    let output = fs::read_to_string(&log).unwrap_or_default();
    Err(HarnessError::Script {
        action,
        status,
        log,
        output,
    })
}

/// Where work directories go: `$MSKGATE_BROKER_ROOT`, else `<target>/<profile>/mskgate-broker` next to the test
/// binary's `deps/`, else the system temp directory.
fn work_base() -> PathBuf {
    if let Some(root) = std::env::var_os("MSKGATE_BROKER_ROOT").filter(|r| !r.is_empty()) {
        return PathBuf::from(root);
    }
    let from_exe = std::env::current_exe().ok().and_then(|exe| {
        let deps = exe.parent()?;
        (deps.file_name()? == "deps").then(|| deps.parent().map(|p| p.join("mskgate-broker")))?
    });
    from_exe.unwrap_or_else(|| std::env::temp_dir().join("mskgate-broker"))
}

/// Removes work directories of earlier runs that are stopped (no PID file left) and older than `STALE_AFTER`:
/// the shared broker's directory is never dropped, its watchdog only stops the processes.
fn prune_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_run = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("run-"));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > STALE_AFTER);
        let has_pids = fs::read_dir(&path)
            .map(|files| {
                files
                    .flatten()
                    .any(|f| f.path().extension().is_some_and(|x| x == "pid"))
            })
            .unwrap_or(true);
        if is_run && old && !has_pids {
            let _ = fs::remove_dir_all(&path);
        }
    }
}
