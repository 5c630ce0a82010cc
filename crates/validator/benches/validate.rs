//! `cargo bench -p mskgate-validator --bench validate` — the speed bars of issue 4, in one run:
//!
//! 1. the real-world CloudFormation and SAM templates (`../shared/real-world/{cfn,sam}`),
//!    validated in-process by mskgate and by `cfn-lint` (PyPI, from the test venv:
//!    `$MSKGATE_PYTHON`'s directory or `~/.cache/mskgate/venv/bin`), and the ratio (goal ≥ 20×);
//! 2. one template validated cold by the release binary `mskgate validate` (process wall time;
//!    goal ≤ 20 ms; `MSKGATE_BIN` or `target/release/mskgate`, built with
//!    `cargo build --release -p mskgate`);
//! 3. generated template sets of 1,000, 5,000 and 10,000 mappings (goal ≤ 2 s for 10,000,
//!    linear).
//!
//! Prints figures; a missing tool is reported and its part skipped, never faked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mskgate_validator::input::{SourceFile, discover};
use mskgate_validator::{Options, validate};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn options() -> Options {
    Options::at(time::macros::datetime!(2026-06-01 0:00 UTC))
}

/// The fastest of `runs` runs of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed());
        last = Some(out);
    }
    (best, last.expect("runs > 0"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn cfn_lint() -> Option<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(py) = std::env::var_os("MSKGATE_PYTHON")
        && let Some(d) = Path::new(&py).parent()
    {
        dirs.push(d.to_path_buf());
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cache/mskgate/venv/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("cfn-lint"))
        .find(|p| p.is_file())
}

fn real_world(paths: &[PathBuf]) {
    let base = repo().join("../shared/real-world");
    let dirs: Vec<PathBuf> = ["cfn", "sam"].iter().map(|d| base.join(d)).collect();
    let files = match discover(&dirs, Some(&base)) {
        Ok(f) => f,
        Err(e) => {
            println!("real-world: skipped ({e})");
            return;
        }
    };
    let n = files.len();
    let (own, report) = best(20, || validate(files.clone(), &options()));
    println!(
        "real-world cfn+sam: {n} templates, {} mappings, {} findings; mskgate in-process {:.2} ms (best of 20)",
        report.summary.mappings,
        report.diagnostics.len(),
        ms(own)
    );
    let Some(lint) = cfn_lint() else {
        println!(
            "cfn-lint: skipped (not found; scripts/install-test-deps.sh installs it into the test venv)"
        );
        return;
    };
    let version = Command::new(&lint)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let (theirs, status) = best(3, || {
        Command::new(&lint)
            .args(["--format", "parseable"])
            .args(paths)
            .output()
    });
    match status {
        Ok(o) => println!(
            "cfn-lint ({version}) on the same {n} templates: {:.0} ms (best of 3, exit {}, {} findings)",
            ms(theirs),
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).lines().count()
        ),
        Err(e) => {
            println!("cfn-lint: failed to run ({e})");
            return;
        }
    }
    println!(
        "ratio: mskgate is {:.0}x faster than cfn-lint (goal >= 20x)",
        theirs.as_secs_f64() / own.as_secs_f64()
    );
}

fn cold_binary(template: &Path) {
    let bin = std::env::var_os("MSKGATE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/release/mskgate"));
    if !bin.is_file() {
        println!(
            "single template cold: skipped ({} missing; `cargo build --release -p mskgate`)",
            bin.display()
        );
        return;
    }
    let run = || {
        Command::new(&bin)
            .args(["validate", "--format", "json"])
            .arg(template)
            .output()
    };
    let _ = run();
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let _ = run();
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "single template cold (`mskgate validate --format json {}`, process wall time): median {:.1} ms, min {:.1} ms of 20 (goal <= 20 ms)",
        template
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default(),
        ms(times[times.len() / 2]),
        ms(times[0])
    );
}

/// One generated template: a VPC, subnets, routes, security groups, an MSK cluster with its
/// configuration and SCRAM secret, and `mappings` SCRAM mappings on it.
fn template(i: usize, mappings: usize) -> String {
    let mut t = format!(
        "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env: {{Type: String, Default: prod}}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.{i}.0.0/16}}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.{i}.1.0/24}}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {{VpcId: !Ref Vpc, CidrBlock: 10.{i}.2.0/24}}
  Routes:
    Type: AWS::EC2::RouteTable
    Properties: {{VpcId: !Ref Vpc}}
  Nat:
    Type: AWS::EC2::NatGateway
    Properties: {{SubnetId: !Ref SubnetA}}
  DefaultRoute:
    Type: AWS::EC2::Route
    Properties: {{RouteTableId: !Ref Routes, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat}}
  RoutesA:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {{SubnetId: !Ref SubnetA, RouteTableId: !Ref Routes}}
  RoutesB:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {{SubnetId: !Ref SubnetB, RouteTableId: !Ref Routes}}
  ClusterSg:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: brokers, VpcId: !Ref Vpc}}
  ClusterSgSelf:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {{GroupId: !GetAtt ClusterSg.GroupId, IpProtocol: tcp, FromPort: 9096, ToPort: 9096, SourceSecurityGroupId: !GetAtt ClusterSg.GroupId}}
  Config:
    Type: AWS::MSK::Configuration
    Properties:
      Name: c{i}
      ServerProperties: |
        allow.everyone.if.no.acl.found=false
  Cluster:
    Type: AWS::MSK::Cluster
    Properties:
      ClusterName: c{i}
      KafkaVersion: 3.7.x.kraft
      NumberOfBrokerNodes: 2
      BrokerNodeGroupInfo:
        InstanceType: kafka.m7g.large
        ClientSubnets: [!Ref SubnetA, !Ref SubnetB]
        SecurityGroups: [!GetAtt ClusterSg.GroupId]
      ClientAuthentication: {{Sasl: {{Scram: {{Enabled: true}}}}}}
      EncryptionInfo: {{EncryptionInTransit: {{ClientBroker: TLS, InCluster: true}}}}
      ConfigurationInfo: {{Arn: !GetAtt Config.Arn, Revision: 1}}
  Key:
    Type: AWS::KMS::Key
  Users:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: AmazonMSK_c{i}
      KmsKeyId: !Ref Key
      GenerateSecretString: {{SecretStringTemplate: '{{\"username\": \"u\"}}', GenerateStringKey: password}}
  Association:
    Type: AWS::MSK::BatchScramSecret
    Properties: {{ClusterArn: !Ref Cluster, SecretArnList: [!Ref Users]}}
"
    );
    for j in 0..mappings {
        t.push_str(&format!(
            "  Mapping{j}:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: consumer-{i}-{j}
      EventSourceArn: !Ref Cluster
      Topics: [topic-{j}]
      StartingPosition: LATEST
      BatchSize: !If [IsProd, 100, 10]
      AmazonManagedKafkaEventSourceConfig: {{ConsumerGroupId: group-{i}-{j}}}
      SourceAccessConfigurations:
        - {{Type: SASL_SCRAM_512_AUTH, URI: !Ref Users}}
      MaximumRetryAttempts: 3
      DestinationConfig: {{OnFailure: {{Destination: !Sub 'kafka://dlq-{j}-${{Env}}'}}}}
"
        ));
    }
    t.push_str("Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n");
    t
}

fn generated() {
    let per_file = 100;
    let mut rows = Vec::new();
    for total in [1_000, 5_000, 10_000] {
        let files: Vec<SourceFile> = (0..total / per_file)
            .map(|i| SourceFile::new(format!("gen/t{i}.yaml"), template(i, per_file)))
            .collect();
        let bytes: usize = files.iter().map(|f| f.text.len()).sum();
        let (d, report) = best(3, || validate(files.clone(), &options()));
        assert_eq!(report.summary.mappings, total, "generated mappings read");
        println!(
            "generated: {total} mappings in {} templates ({:.1} MB): {:.0} ms (best of 3), {:.1} µs per mapping, {} findings",
            total / per_file,
            bytes as f64 / 1e6,
            ms(d),
            d.as_secs_f64() * 1e6 / total as f64,
            report.diagnostics.len()
        );
        rows.push((total, d));
    }
    if let (Some((n0, d0)), Some((n1, d1))) = (rows.first(), rows.last()) {
        println!(
            "linearity: {n1} mappings take {:.1}x the time of {n0} ({:.0}x the mappings); goal for 10,000: <= 2000 ms",
            d1.as_secs_f64() / d0.as_secs_f64(),
            *n1 as f64 / *n0 as f64
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter is not supported.
    let base = repo().join("../shared/real-world");
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in ["cfn", "sam"] {
        if let Ok(rd) = std::fs::read_dir(base.join(d)) {
            let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            v.sort();
            paths.extend(v);
        }
    }
    real_world(&paths);
    if let Some(one) = paths
        .iter()
        .find(|p| {
            p.to_string_lossy()
                .contains("msk-cfn-sasl-lambda__template")
        })
        .or(paths.first())
    {
        cold_binary(one);
    }
    generated();
}
