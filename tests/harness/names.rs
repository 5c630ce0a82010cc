//! Unique names for per-test topics and consumer groups.

use std::process;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A name no other test (in this run or an earlier one against the same storage) uses:
/// `<prefix>-<pid>-<counter>-<time>`, with characters Kafka does not allow in topic names replaced by `-`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let prefix: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(150)
        .collect();
    format!("{prefix}-{}-{counter}-{nanos:08x}", process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_kafka_safe() {
        let a = unique_name("round trip/é");
        let b = unique_name("round trip/é");
        assert_ne!(a, b);
        assert!(a.starts_with("round-trip--"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
            "{a}"
        );
    }
}
