//! `mskgate token` and IAM credentials for `mskgate probe --auth iam`.

use anyhow::{Result, bail};
use mskgate_runtime::probe::SaslCredentials;
use time::OffsetDateTime;

use crate::args::ProbeArgs;

/// An OAUTHBEARER token for the IAM probe.
pub(crate) async fn probe_credentials(
    args: &ProbeArgs,
    now: OffsetDateTime,
) -> Result<SaslCredentials> {
    let _ = (args, now);
    bail!("--auth iam needs the IAM signer (being merged)")
}
