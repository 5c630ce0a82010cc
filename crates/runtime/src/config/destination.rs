//! On-failure destinations as configured: `DestinationConfig.OnFailure.Destination` or
//! `on_failure_file`. Pure parsing; the writers are in `crate::destination` (feature `kafka`).

use std::fmt;
use std::path::PathBuf;

/// An on-failure destination, as written in `DestinationConfig.OnFailure.Destination` or
/// `on_failure_file`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Destination {
    /// `kafka://<topic>`: a topic of the source cluster.
    Kafka {
        /// The topic.
        topic: String,
    },
    /// An SQS queue ARN.
    Sqs {
        /// `arn:aws:sqs:<region>:<account>:<queue>`.
        arn: String,
    },
    /// An SNS topic ARN.
    Sns {
        /// `arn:aws:sns:<region>:<account>:<topic>`.
        arn: String,
    },
    /// An S3 bucket ARN.
    S3 {
        /// `arn:aws:s3:::<bucket>`.
        arn: String,
    },
    /// A local JSONL file (`on_failure_file`).
    File {
        /// The file.
        path: PathBuf,
    },
}

impl Destination {
    /// Parses a Lambda destination string: `kafka://<topic>` or an SQS, SNS or S3 ARN. The
    /// error is the reason, for the caller to put in context.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(topic) = text.strip_prefix("kafka://") {
            // Lambda's pattern: kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))
            return if super::is_valid_topic(topic) {
                Ok(Self::Kafka {
                    topic: topic.to_owned(),
                })
            } else {
                Err("not a valid Kafka topic after kafka:// (1 to 249 characters from a-z A-Z 0-9 . _ -, not starting with `.`)".to_owned())
            };
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else {
            return Err("neither kafka://<topic> nor an ARN".to_owned());
        };
        if *arn != "arn" || !partition.starts_with("aws") || resource.is_empty() {
            return Err("neither kafka://<topic> nor an ARN".to_owned());
        }
        let regional = !region.is_empty()
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit());
        match *service {
            "sqs" if regional && !resource.contains([':', '/']) => Ok(Self::Sqs {
                arn: text.to_owned(),
            }),
            "sns" if regional && !resource.contains('/') => Ok(Self::Sns {
                arn: text.to_owned(),
            }),
            "s3" if region.is_empty() && account.is_empty() && !resource.contains('/') => {
                Ok(Self::S3 {
                    arn: text.to_owned(),
                })
            }
            "sqs" | "sns" => Err(format!(
                "an {} ARN is arn:aws:{service}:<region>:<12-digit account>:<name>",
                service.to_uppercase()
            )),
            "s3" => Err(
                "an S3 bucket ARN is arn:aws:s3:::<bucket> (no region, account or key)".to_owned(),
            ),
            other => Err(format!(
                "`{other}` ARNs cannot be on-failure destinations (SQS, SNS, S3 or kafka://)"
            )),
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kafka { topic } => write!(f, "kafka://{topic}"),
            Self::Sqs { arn } | Self::Sns { arn } | Self::S3 { arn } => f.write_str(arn),
            Self::File { path } => write!(f, "{}", path.display()),
        }
    }
}
