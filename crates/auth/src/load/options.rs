//! Where to find AWS and how to act in it.

use std::fmt;

/// The AWS settings every mskgate command shares (`--region`, `--profile`, `--role-arn`…).
///
/// Every field is optional: `None` means "what the AWS SDK would do" (environment, shared config,
/// instance metadata).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// The region (`AWS_REGION`, the profile's `region`, instance metadata when `None`). The
    /// region of a Secrets Manager ARN wins over it for that secret.
    pub region: Option<String>,
    /// The shared-config profile (`AWS_PROFILE`, else `default`, when `None`).
    pub profile: Option<String>,
    /// A role to assume with the credentials the chain found (`sts:AssumeRole`).
    pub role_arn: Option<String>,
    /// The role session name; when `None`, [`default_session_name`](super::default_session_name)
    /// (stable, never random).
    pub session_name: Option<String>,
    /// The external id the role's trust policy requires, if any.
    pub external_id: Option<String>,
    /// An endpoint override for STS and Secrets Manager (an emulator, a VPC endpoint). When
    /// `None`, the SDK's `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` and profile
    /// `endpoint_url` settings apply.
    pub endpoint_url: Option<String>,
}

impl fmt::Debug for AwsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The external id is not a credential, but it is a shared value that guards a trust
        // policy: keep it out of logs like the secrets.
        f.debug_struct("AwsOptions")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("external_id", &self.external_id.as_ref().map(|_| Redacted))
            .field("endpoint_url", &self.endpoint_url)
            .finish()
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_external_id() {
        let options = AwsOptions {
            role_arn: Some("arn:aws:iam::123456789012:role/r".into()),
            external_id: Some("ext-CANARY".into()),
            ..AwsOptions::default()
        };
        let d = format!("{options:?}");
        assert!(d.contains("role/r"), "{d}");
        assert!(d.contains("external_id: Some([redacted])"), "{d}");
        assert!(!d.contains("CANARY"), "{d}");
    }
}
