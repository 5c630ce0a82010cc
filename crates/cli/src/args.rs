//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run and ship Kafka consumers on Amazon MSK with AWS Lambda's credentials, checks and event
/// semantics.
#[derive(Debug, Parser)]
#[command(
    name = "mskgate",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Colour in text output: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). MSKGATE_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum TargetArg {
    /// AWS Lambda's event source mapping.
    Lambda,
    /// The mskgate runtime.
    Runtime,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate an MSK IAM OAUTHBEARER token (port 9098/9198), or verify one.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "\
Examples:
  AWS_PROFILE=dev mskgate token --region us-east-1
  mskgate token --region eu-west-1 --role-arn arn:aws:iam::123456789012:role/msk-reader --format json
  mskgate token verify \"$TOKEN\" --region us-east-1

Credentials come from the AWS default chain (environment, profile, web identity, ECS, IMDS), or an
assumed role with a stable session name. Exit status: 0 success, 2 usage or credential error."
    )]
    Token(TokenCommand),
    /// Connect to brokers and check each step: TCP, TLS, ApiVersions, SASL, Metadata.
    #[command(after_help = "\
Examples:
  mskgate probe --bootstrap b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9096 \\
    --auth scram-512 --secret arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_alice
  mskgate probe --bootstrap 127.0.0.1:19095 --auth mtls --secret file:fixtures/secrets/mtls-rsa-plain.json \\
    --ca fixtures/pki/rsa/root.pem --format json

Exit status: 0 every broker passed, 1 a broker failed, 2 usage error.")]
    Probe(ProbeArgs),
    /// Check deploy artifacts before deploy: CloudFormation, SAM, Terraform plans, ESM JSON.
    #[command(after_help = "\
Examples:
  mskgate validate template.yaml
  mskgate validate infra/ --format sarif > mskgate.sarif
  terraform show -json plan.out > plan.json && mskgate validate plan.json --format json
  mskgate validate template.yaml --parameter Topic=orders \\
    --secret AmazonMSK_orders=secret.json --warn ESM009 --allow infinite-retries
  mskgate validate template.yaml --config mskgate.toml   # [severity] ESM016 = \"deny\"

Inputs are recognised by content; directories are searched for .json, .yaml, .yml, .template,
.tf and .tfplan files, and unrelated files are skipped. `mskgate rules` lists the rule codes.

Exit status: 0 no error-level finding, 1 at least one, 2 usage or IO error.")]
    Validate(ValidateArgs),
    /// List every rule the validator reports: code, name, default severity, description.
    #[command(after_help = "\
Examples:
  mskgate rules
  mskgate rules --format json | jq -r '.[] | select(.severity == \"error\") | .code'

Exit status: 0.")]
    Rules(RulesArgs),
    /// Run a consumer with Lambda's Kafka event source mapping semantics, from one config file.
    #[command(after_help = "\
Examples:
  mskgate run --config examples/demo/config.json
  mskgate run --config consumer.yaml --check
  mskgate run --config consumer.toml --stop-when-idle 5 --summary

The file (JSON, YAML or TOML) holds the event source mapping as `aws lambda
get-event-source-mapping` prints it under `source`, the `handler` (command, http or lambda) and
runtime sections; see docs/runtime.md. It is validated first (`mskgate validate`, judged for the
runtime) and refused when it has error-level findings. SIGTERM or SIGINT stop fetching, finish
the batches in flight, commit and leave the group.

Exit status: 0 stopped cleanly, 1 the configuration has error-level findings, 2 usage, IO or
configuration error.")]
    Run(RunArgs),
    /// Work with IAM policies for event source mappings.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Work with Secrets Manager secrets.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Print the least-privilege IAM policy a mapping's execution role needs.
    #[command(after_help = "\
Examples:
  mskgate policy generate esm.json
  mskgate policy generate template.yaml --mapping Consumer.Events.Orders > policy.json
  mskgate policy generate plan.json --format json

The policy scopes the cluster, topic and group ARNs (kafka-cluster data-plane actions only with
IAM authentication), secrets and their KMS keys, the on-failure destination, the Glue schema
registry, ENI and log permissions. Values unknown before deploy are left as ${Name}
placeholders, each explained on stderr. Fed back with `mskgate validate --policy`, it produces
no IAM error for that mapping.

Exit status: 0 printed, 2 usage or IO error, or no such mapping.")]
    Generate(PolicyGenerateArgs),
}

/// `mskgate policy generate`.
#[derive(Debug, Args)]
pub(crate) struct PolicyGenerateArgs {
    /// ESM JSON, CloudFormation/SAM templates or Terraform plan JSON.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// The mapping: its name as `mskgate validate` reports it, its resource, or its UUID
    /// (default: every mapping found).
    #[arg(long, value_name = "ID")]
    pub(crate) mapping: Option<String>,
    /// A template parameter value. Repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) parameter: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// Judge a secret: is it usable by mskgate, would AWS Lambda accept it, and why not.
    #[command(after_help = "\
Examples:
  mskgate secret inspect fixtures/secrets/mtls-rsa-pkcs12-3des.json
  aws secretsmanager get-secret-value --secret-id AmazonMSK_alice --query SecretString --output text \\
    | mskgate secret inspect - --format json
  mskgate secret inspect client-secret.json --trust msk-private-ca.pem --now 2027-01-01T00:00:00Z

Exit status: 0 usable, 1 not usable, 2 usage or IO error.")]
    Inspect(InspectArgs),
}

/// Where AWS credentials come from.
#[derive(Debug, Args)]
pub(crate) struct AwsArgs {
    /// Shared-config profile to use.
    #[arg(long)]
    pub(crate) profile: Option<String>,
    /// Assume this role (through STS) on top of the default credentials.
    #[arg(long, value_name = "ARN")]
    pub(crate) role_arn: Option<String>,
    /// Session name for the assumed role (default: a stable `mskgate-<user>@<host>`, so MSK re-authentication never changes principal).
    #[arg(long, value_name = "NAME", requires = "role_arn")]
    pub(crate) session_name: Option<String>,
    /// External id for the assumed role.
    #[arg(long, value_name = "ID", requires = "role_arn")]
    pub(crate) external_id: Option<String>,
    /// AWS endpoint override (for a local emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TokenCommand {
    #[command(subcommand)]
    pub(crate) command: Option<TokenSubcommand>,
    #[command(flatten)]
    pub(crate) generate: TokenArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenSubcommand {
    /// Decode a token and check host, action, algorithm, scope and expiry; recompute the signature when credentials for its access key are available.
    #[command(after_help = "Exit status: 0 valid, 1 invalid, 2 usage error.")]
    Verify(TokenVerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// AWS region of the MSK cluster.
    #[arg(long)]
    pub(crate) region: Option<String>,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
    /// Token lifetime in seconds (1–900; never longer than the credentials last).
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    pub(crate) expires_in: u64,
    /// Sign at this instant (RFC 3339) instead of now, for reproducible comparisons.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) at: Option<String>,
    /// Output format: text prints the token only.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct TokenVerifyArgs {
    /// The token (base64url).
    pub(crate) token: String,
    /// The region the token must be for.
    #[arg(long)]
    pub(crate) region: Option<String>,
    /// Judge expiry at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) at: Option<String>,
    /// Do not look for credentials to recompute the signature with.
    #[arg(long)]
    pub(crate) no_signature_check: bool,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuthArg {
    None,
    Tls,
    Mtls,
    #[value(name = "scram-512")]
    Scram512,
    #[value(name = "scram-256")]
    Scram256,
    Iam,
}

#[derive(Debug, Args)]
pub(crate) struct ProbeArgs {
    /// Brokers to probe: HOST:PORT[,HOST:PORT…].
    #[arg(long, value_delimiter = ',', required = true, value_name = "HOST:PORT")]
    pub(crate) bootstrap: Vec<String>,
    /// Authentication mode.
    #[arg(long, value_enum)]
    pub(crate) auth: AuthArg,
    /// Where the secret comes from (SCRAM or mTLS): file:PATH, env:VAR, a Secrets Manager ARN or sm:NAME.
    #[arg(long, value_name = "SOURCE")]
    pub(crate) secret: Option<String>,
    /// PEM file of the CA that signed the brokers' certificates (default: the system's roots).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca: Option<PathBuf>,
    /// AWS region for IAM tokens (default: from the broker host name or the AWS configuration).
    #[arg(long)]
    pub(crate) region: Option<String>,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
    /// Send SASL credentials without TLS. For test brokers only: the credentials cross the network in the clear.
    #[arg(long)]
    pub(crate) allow_plaintext_sasl: bool,
    /// Deadline of each step, in milliseconds.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub(crate) timeout_ms: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The secret's SecretString JSON: a file, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub(crate) input: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Judge validity at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) now: Option<String>,
    /// PEM file of CA certificates the brokers trust; the client chain must end in one of them.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust: Vec<PathBuf>,
    /// Judge the secret as this kind instead of guessing from its keys.
    #[arg(long, value_parser = ["scram", "basic", "mtls", "root-ca"])]
    pub(crate) kind: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Files or directories to check.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,
    /// Secret content for an authentication URI: ID is the secret's ARN, name or logical id; FILE
    /// holds its SecretString JSON. Repeatable.
    #[arg(long, value_name = "ID=FILE")]
    pub(crate) secret: Vec<String>,
    /// An IAM policy document (JSON: a document, or `aws iam get-role-policy` / `get-policy-version`
    /// output), evaluated as the execution role's policies where the artifacts declare no role.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Vec<PathBuf>,
    /// A template parameter value, over its default. Repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) parameter: Vec<String>,
    /// The consumer the artifacts are for; decides rules that differ (a PBES2 key is an error for
    /// lambda, fine for runtime). Default: the config file's `target`, else lambda.
    #[arg(long, value_enum)]
    pub(crate) target: Option<TargetArg>,
    /// A configuration file (TOML or JSON): `target = "lambda"|"runtime"` and a `[severity]`
    /// table of CODE-or-name = "allow"|"warn"|"deny". --target/--deny/--warn/--allow win over it.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Report this rule (code or name) as an error. Repeatable.
    #[arg(long, value_name = "CODE")]
    pub(crate) deny: Vec<String>,
    /// Report this rule as a warning. Repeatable.
    #[arg(long, value_name = "CODE")]
    pub(crate) warn: Vec<String>,
    /// Do not report this rule. Repeatable; --deny and --warn win over --allow.
    #[arg(long, value_name = "CODE")]
    pub(crate) allow: Vec<String>,
    /// Judge certificates and timestamps at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) now: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// `mskgate run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The runtime configuration: JSON, YAML or TOML, by extension.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// Validate the configuration and exit (0 OK, 1 error-level findings).
    #[arg(long)]
    pub(crate) check: bool,
    /// Skip the validator (not recommended: it catches what Lambda would refuse).
    #[arg(long)]
    pub(crate) no_validate: bool,
    /// Stop by itself after SECONDS with nothing to do (demos, scripts).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) stop_when_idle: Option<f64>,
    /// How long an authentication failure lasts before credentials are reloaded and the consumer
    /// reconnects (default 30).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) reconnect_after: Option<f64>,
    /// Print a JSON summary of what was processed on stdout when stopping.
    #[arg(long)]
    pub(crate) summary: bool,
}
