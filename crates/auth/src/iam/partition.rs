//! AWS partitions: which DNS suffix the MSK signing host of a region has.
//!
//! The official signers hard-code `kafka.<region>.amazonaws.com`, which is wrong outside the
//! commercial and GovCloud partitions. The table is botocore's `partitions.json` (region prefix →
//! partition → DNS suffix); a well-formed region of no known prefix is taken as commercial, as
//! AWS's own endpoint resolvers do.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::error::TokenError;

/// An AWS partition, as far as the signing host is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Partition {
    /// `aws`: the commercial regions, `amazonaws.com`.
    Aws,
    /// `aws-cn`: `cn-*`, `amazonaws.com.cn`.
    AwsCn,
    /// `aws-us-gov`: `us-gov-*`, `amazonaws.com`.
    AwsUsGov,
    /// `aws-iso`: `us-iso-*`, `c2s.ic.gov`.
    AwsIso,
    /// `aws-iso-b`: `us-isob-*`, `sc2s.sgov.gov`.
    AwsIsoB,
    /// `aws-iso-e`: `eu-isoe-*`, `cloud.adc-e.uk`.
    AwsIsoE,
    /// `aws-iso-f`: `us-isof-*`, `csp.hci.ic.gov`.
    AwsIsoF,
    /// `aws-eusc`: `eusc-*` (European Sovereign Cloud), `amazonaws.eu`.
    AwsEusc,
}

/// Region prefixes, most specific first (`us-isob-` before `us-iso-` would not matter, since the
/// dash ends each prefix, but `us-gov-`/`us-iso*` must come before the commercial fallback).
const PREFIXES: [(&str, Partition); 7] = [
    ("cn-", Partition::AwsCn),
    ("us-gov-", Partition::AwsUsGov),
    ("us-iso-", Partition::AwsIso),
    ("us-isob-", Partition::AwsIsoB),
    ("eu-isoe-", Partition::AwsIsoE),
    ("us-isof-", Partition::AwsIsoF),
    ("eusc-", Partition::AwsEusc),
];

/// Longest region name accepted (real ones are at most ~20 characters).
const MAX_REGION_LEN: usize = 40;

impl Partition {
    /// The partition of `region`, after checking that `region` is shaped like a region name.
    pub fn of_region(region: &str) -> Result<Self, TokenError> {
        if !is_region_name(region) {
            return Err(TokenError::InvalidRegion {
                region: shown(region),
            });
        }
        Ok(PREFIXES
            .iter()
            .find(|(prefix, _)| region.starts_with(prefix))
            .map_or(Partition::Aws, |&(_, p)| p))
    }

    /// The partition id, as in ARNs (`aws`, `aws-cn`, …).
    pub fn id(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsIso => "aws-iso",
            Partition::AwsIsoB => "aws-iso-b",
            Partition::AwsIsoE => "aws-iso-e",
            Partition::AwsIsoF => "aws-iso-f",
            Partition::AwsEusc => "aws-eusc",
        }
    }

    /// The DNS suffix of the partition's service endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::AwsIso => "c2s.ic.gov",
            Partition::AwsIsoB => "sc2s.sgov.gov",
            Partition::AwsIsoE => "cloud.adc-e.uk",
            Partition::AwsIsoF => "csp.hci.ic.gov",
            Partition::AwsEusc => "amazonaws.eu",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The host a token for `region` is signed for: `kafka.<region>.<partition DNS suffix>`.
pub fn signing_host(region: &str) -> Result<String, TokenError> {
    let partition = Partition::of_region(region)?;
    Ok(format!("kafka.{region}.{}", partition.dns_suffix()))
}

/// Lowercase letters, digits and dashes; dash-separated non-empty parts, at least two, the first
/// starting with a letter (`us-east-1`, `cn-north-1`, `us-isob-east-1`).
pub(crate) fn is_region_name(region: &str) -> bool {
    region.len() <= MAX_REGION_LEN
        && region
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
        && region.contains('-')
        && region.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A value from outside, fit for a message: escaped and at most 64 characters.
pub(crate) fn shown(value: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = value
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Shortest secret redacted, and the window length secrets are matched with: a problem quoting a
/// value (shortened to 64 characters) that holds 12 consecutive characters of a secret loses them.
const MIN_SECRET: usize = 8;
const WINDOW: usize = 12;

/// Replaces every run of `text` that overlaps a secret with `[redacted]` — the last guard behind
/// "problems never quote the signature, the secret key or the session token".
pub(crate) fn redact(text: &mut String, secrets: &[impl AsRef<str>]) {
    Redactor::new(secrets).redact(text);
}

/// [`redact`] for many texts against the same secrets: each secret's windows are put in a set
/// once, so redacting costs time linear in the text (and building, in the secrets).
pub(crate) struct Redactor<'a> {
    /// Per secret long enough to redact: its window length and its windows.
    secrets: Vec<(usize, HashSet<&'a [u8]>)>,
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(secrets: &'a [impl AsRef<str>]) -> Self {
        let secrets = secrets
            .iter()
            .map(AsRef::as_ref)
            .filter(|s| s.len() >= MIN_SECRET)
            .map(|secret| {
                let k = WINDOW.min(secret.len());
                (k, secret.as_bytes().windows(k).collect())
            })
            .collect();
        Self { secrets }
    }

    pub(crate) fn redact(&self, text: &mut String) {
        let bytes = text.as_bytes();
        let mut marked = vec![false; bytes.len()];
        for (k, windows) in &self.secrets {
            for (start, window) in bytes.windows(*k).enumerate() {
                if windows.contains(window) {
                    marked[start..start + k].iter_mut().for_each(|m| *m = true);
                }
            }
        }
        if !marked.contains(&true) {
            return;
        }
        let mut out = String::with_capacity(text.len());
        let mut in_run = false;
        for (i, c) in text.char_indices() {
            if marked[i..i + c.len_utf8()].contains(&true) {
                if !in_run {
                    out.push_str("[redacted]");
                    in_run = true;
                }
            } else {
                out.push(c);
                in_run = false;
            }
        }
        *text = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_partition_to_its_suffix() {
        let cases = [
            ("us-east-1", "aws", "amazonaws.com"),
            ("eu-west-3", "aws", "amazonaws.com"),
            ("ap-southeast-7", "aws", "amazonaws.com"),
            ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
            ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
            ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
            ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
            ("us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"),
            ("eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"),
            ("us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"),
            ("eusc-de-east-1", "aws-eusc", "amazonaws.eu"),
            ("xx-future-9", "aws", "amazonaws.com"),
        ];
        for (region, id, suffix) in cases {
            let p = Partition::of_region(region).expect(region);
            assert_eq!((p.id(), p.dns_suffix()), (id, suffix), "{region}");
        }
        assert_eq!(
            signing_host("cn-north-1").expect("valid"),
            "kafka.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn rejects_malformed_region_names() {
        for bad in [
            "",
            "US-EAST-1",
            "us_east_1",
            "useast1",
            "us-east-1.",
            "-us-east-1",
            "us--east-1",
            "us-east-",
            "1us-east",
            "us-east-1 ",
            "kafka.us-east-1.amazonaws.com",
            "us-east-1/x",
            &"a-".repeat(30),
        ] {
            let err = Partition::of_region(bad).expect_err(bad);
            assert!(
                err.to_string().contains("is not an AWS region name"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn redacts_any_stretch_of_a_secret() {
        let secrets = ["0123456789abcdefghij", "short"];
        let mut text = "the action is `xx6789abcdefghijKLM`, not short".to_owned();
        redact(&mut text, &secrets);
        assert_eq!(text, "the action is `xx[redacted]KLM`, not short");
        let mut text = "nothing secret: 0123456789a".to_owned();
        redact(&mut text, &secrets);
        assert_eq!(text, "nothing secret: 0123456789a");
        let mut text = "é0123456789abcdefghijé".to_owned();
        redact(&mut text, &secrets);
        assert_eq!(text, "é[redacted]é");
    }

    #[test]
    fn shows_outside_values_escaped_and_short() {
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(70)).chars().count(), 65);
    }
}
