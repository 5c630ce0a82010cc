//! Role session names that never change while mskgate runs.
//!
//! An assumed-role principal is `arn:aws:sts::<account>:assumed-role/<role>/<session name>`. MSK
//! binds a connection to the principal it authenticated, and refuses a re-authentication by another
//! one (`Cannot change principals during re-authentication`). The AWS SDKs name sessions they
//! create themselves after the clock (`assume-role-provider-1700000000000`,
//! `web-identity-token-…`), so the principal changes every time the credentials are refreshed — and
//! every long-lived MSK connection fails its next re-authentication. mskgate always passes a name:
//! the configured one, or this module's deterministic default.

use aws_types::os_shim_internal::Env;

use crate::error::LoadError;

/// The longest role session name STS accepts.
const MAX_LEN: usize = 64;

/// The session name mskgate uses when none is configured: `mskgate-<user>@<host>` (or
/// `mskgate-<user>`, `mskgate-<host>`, `mskgate` when those are unknown), reduced to the characters
/// STS accepts and to 64 characters.
///
/// It depends only on the user (`USER`, `LOGNAME`, `USERNAME`) and the short host name, so it is
/// the same on every refresh for the life of the process (and across restarts on the same host):
/// never random, never time-based.
pub fn default_session_name() -> String {
    session_name_in(&Env::real())
}

/// The default session name for the user and host `env` describes.
pub(crate) fn session_name_in(env: &Env) -> String {
    session_name_for(user(env).as_deref(), hostname(env).as_deref())
}

/// The default session name for `user` on `host`.
pub(crate) fn session_name_for(user: Option<&str>, host: Option<&str>) -> String {
    let user = user.map(sanitise).filter(|u| !u.is_empty());
    let host = host
        .and_then(|h| h.split('.').next())
        .map(sanitise)
        .filter(|h| !h.is_empty());
    let name = match (user, host) {
        (Some(u), Some(h)) => format!("mskgate-{u}@{h}"),
        (Some(one), None) | (None, Some(one)) => format!("mskgate-{one}"),
        (None, None) => "mskgate".to_owned(),
    };
    name.chars().take(MAX_LEN).collect()
}

/// Checks a configured session name against STS's rules: 2 to 64 characters from
/// `A-Z a-z 0-9 + = , . @ _ -`.
pub fn validate_session_name(name: &str) -> Result<(), LoadError> {
    let invalid = |reason: String| LoadError::InvalidOption {
        option: "role session name",
        reason,
    };
    let len = name.chars().count();
    if !(2..=MAX_LEN).contains(&len) {
        return Err(invalid(format!(
            "`{name}` has {len} characters; STS takes 2 to {MAX_LEN}"
        )));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(invalid(format!(
            "`{name}` contains {bad:?}; STS takes only letters, digits and + = , . @ _ -"
        )));
    }
    Ok(())
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '=' | ',' | '.' | '@' | '_' | '-')
}

fn sanitise(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if allowed(c) { c } else { '-' })
        .collect()
}

fn user(env: &Env) -> Option<String> {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|var| env.get(var).ok())
        .find(|v| !v.trim().is_empty())
}

fn hostname(env: &Env) -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .chain(env.get("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .find(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_deterministic_and_valid() {
        assert_eq!(
            session_name_for(Some("alice"), Some("build-01.eu-west-1.compute.internal")),
            "mskgate-alice@build-01"
        );
        assert_eq!(session_name_for(Some("alice"), None), "mskgate-alice");
        assert_eq!(session_name_for(None, Some("pod-7f9c")), "mskgate-pod-7f9c");
        assert_eq!(session_name_for(None, None), "mskgate");
        assert_eq!(session_name_for(Some("  "), Some("")), "mskgate");
        let odd = session_name_for(Some("DOMAIN\\ünïcode user"), Some("h/st"));
        assert_eq!(odd, "mskgate-DOMAIN--n-code-user@h-st");
        let long = session_name_for(Some(&"u".repeat(100)), Some("host"));
        assert_eq!(long.len(), 64);
        for name in [odd, long, default_session_name()] {
            validate_session_name(&name).expect("default names are valid");
        }
        assert_eq!(default_session_name(), default_session_name());
    }

    #[test]
    fn rejects_names_sts_would_reject() {
        for bad in ["x", "has space", "slash/name", &"n".repeat(65), "ünï"] {
            let err = validate_session_name(bad).expect_err(bad).to_string();
            assert!(err.starts_with("invalid role session name: "), "{err}");
        }
        validate_session_name("ok_name+=,.@-1").expect("valid");
    }

    #[test]
    fn user_and_host_come_from_the_environment() {
        let env = Env::from_slice(&[("LOGNAME", "bob"), ("HOSTNAME", "fallback")]);
        assert_eq!(user(&env).as_deref(), Some("bob"));
        let env = Env::from_slice(&[("USER", ""), ("USERNAME", "carol")]);
        assert_eq!(user(&env).as_deref(), Some("carol"));
        assert!(hostname(&Env::from_slice(&[])).is_some_and(|h| !h.is_empty()));
    }
}
