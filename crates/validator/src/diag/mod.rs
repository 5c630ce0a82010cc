//! Diagnostics: the rule registry, findings with locations, severity overrides and the
//! renderers (text, JSON, SARIF).

mod finding;
pub mod registry;
pub mod render;

pub use finding::{Diagnostic, Location, Summary};
pub use mskgate_auth::{Rule, Severity};
pub use registry::{Code, Family, Level, Overrides};
