//! AWS IAM for MSK: the credentials a token is signed with, and (from issue 3) the SigV4
//! OAUTHBEARER token MSK's IAM listeners (9098/9198) accept.

mod credentials;

pub use credentials::AwsCredentials;
