//! Lag-based concurrency, like Lambda's on-demand mode for Kafka.
//!
//! Lambda starts an event source mapping with one poller, evaluates the consumer offset lag of
//! all partitions at a fixed interval (one minute), adds pollers while lag is high and removes
//! them when it is not, and never runs more than one consumer per partition (to keep partition
//! order). [`Scaler`] is that policy over concurrent batches, pure: the engine passes the total
//! lag, the number of assigned partitions and `now`, and gets the concurrency to run.
//!
//! - start at 1;
//! - at each evaluation (every `interval`): add one when the total lag is above the threshold
//!   and did not shrink since the last evaluation;
//! - remove one after the lag has stayed at or below the idle threshold for `scale_in_after`;
//! - always within `1 ..= min(maximum, assigned partitions)`, applied at once when the
//!   assignment shrinks.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use mskgate_runtime::scale::Scaler;
//! let t0 = Instant::now();
//! let mut s = Scaler::new(4, Duration::from_secs(60));
//! assert_eq!(s.observe(10_000, 8, t0), 1);
//! assert_eq!(s.observe(12_000, 8, t0 + Duration::from_secs(60)), 2);
//! ```

use std::time::{Duration, Instant};

/// Lag-driven concurrency target. See the module documentation.
#[derive(Clone, Debug)]
pub struct Scaler {
    maximum: usize,
    interval: Duration,
    lag_threshold: u64,
    idle_lag: u64,
    scale_in_after: Duration,
    current: usize,
    last_eval: Option<Instant>,
    last_lag: u64,
    idle_since: Option<Instant>,
}

impl Scaler {
    /// A scaler that never exceeds `maximum` (at least 1), evaluating every `interval` (Lambda:
    /// one minute). Defaults: scale out above 100 records of lag, scale in after three intervals
    /// with no lag.
    pub fn new(maximum: usize, interval: Duration) -> Self {
        Self {
            maximum: maximum.max(1),
            interval,
            lag_threshold: 100,
            idle_lag: 0,
            scale_in_after: interval.saturating_mul(3),
            current: 1,
            last_eval: None,
            last_lag: 0,
            idle_since: None,
        }
    }

    /// Scale out only while the total lag is above `records`.
    pub fn with_lag_threshold(mut self, records: u64) -> Self {
        self.lag_threshold = records;
        self
    }

    /// Lag at or below `records` counts as idle.
    pub fn with_idle_lag(mut self, records: u64) -> Self {
        self.idle_lag = records;
        self
    }

    /// Scale in after the lag has been idle this long.
    pub fn with_scale_in_after(mut self, period: Duration) -> Self {
        self.scale_in_after = period;
        self
    }

    /// The current target.
    pub fn current(&self) -> usize {
        self.current
    }

    /// Feeds one observation; returns the concurrency to run now.
    pub fn observe(&mut self, total_lag: u64, assigned_partitions: usize, now: Instant) -> usize {
        let bound = self.maximum.min(assigned_partitions).max(1);
        self.current = self.current.clamp(1, bound);
        if total_lag <= self.idle_lag {
            self.idle_since.get_or_insert(now);
        } else {
            self.idle_since = None;
        }
        let Some(last) = self.last_eval else {
            self.last_eval = Some(now);
            self.last_lag = total_lag;
            return self.current;
        };
        if now.saturating_duration_since(last) < self.interval {
            return self.current;
        }
        self.last_eval = Some(now);
        if total_lag > self.lag_threshold && total_lag >= self.last_lag {
            self.current = (self.current + 1).min(bound);
        } else if let Some(since) = self.idle_since
            && now.saturating_duration_since(since) >= self.scale_in_after
        {
            self.current = self.current.saturating_sub(1).max(1);
            self.idle_since = Some(now);
        }
        self.last_lag = total_lag;
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn scales_out_one_per_interval_while_lag_grows() {
        let t0 = Instant::now();
        let mut s = Scaler::new(3, MIN);
        assert_eq!(s.observe(1_000, 10, t0), 1);
        assert_eq!(
            s.observe(5_000, 10, t0 + Duration::from_secs(30)),
            1,
            "not yet an interval"
        );
        assert_eq!(s.observe(5_000, 10, t0 + MIN), 2);
        assert_eq!(s.observe(6_000, 10, t0 + MIN * 2), 3);
        assert_eq!(
            s.observe(9_000, 10, t0 + MIN * 3),
            3,
            "capped at the maximum"
        );
    }

    #[test]
    fn holds_while_lag_shrinks_and_below_threshold() {
        let t0 = Instant::now();
        let mut s = Scaler::new(8, MIN);
        s.observe(10_000, 8, t0);
        assert_eq!(s.observe(10_000, 8, t0 + MIN), 2);
        assert_eq!(s.observe(8_000, 8, t0 + MIN * 2), 2, "being worked off");
        assert_eq!(
            s.observe(50, 8, t0 + MIN * 3),
            2,
            "below threshold, not idle"
        );
    }

    #[test]
    fn never_above_the_number_of_partitions() {
        let t0 = Instant::now();
        let mut s = Scaler::new(10, MIN);
        s.observe(1_000, 2, t0);
        assert_eq!(s.observe(2_000, 2, t0 + MIN), 2);
        assert_eq!(s.observe(3_000, 2, t0 + MIN * 2), 2);
        assert_eq!(
            s.observe(3_000, 1, t0 + MIN * 2 + Duration::from_secs(1)),
            1,
            "shrinks at once"
        );
        assert_eq!(s.observe(3_000, 0, t0 + MIN * 4), 1, "never below one");
    }

    #[test]
    fn scales_in_after_lag_stays_at_zero() {
        let t0 = Instant::now();
        let mut s = Scaler::new(4, MIN).with_scale_in_after(MIN * 2);
        s.observe(1_000, 4, t0);
        s.observe(2_000, 4, t0 + MIN);
        assert_eq!(s.observe(3_000, 4, t0 + MIN * 2), 3);
        assert_eq!(s.observe(0, 4, t0 + MIN * 3), 3, "idle just began");
        assert_eq!(s.observe(0, 4, t0 + MIN * 4), 3);
        assert_eq!(s.observe(0, 4, t0 + MIN * 5), 2, "idle for two intervals");
        assert_eq!(s.observe(0, 4, t0 + MIN * 6), 2, "the idle clock restarts");
        assert_eq!(s.observe(0, 4, t0 + MIN * 7), 1);
        assert_eq!(s.observe(0, 4, t0 + MIN * 20), 1);
    }

    #[test]
    fn lag_between_idle_and_threshold_resets_the_idle_clock() {
        let t0 = Instant::now();
        let mut s = Scaler::new(4, MIN)
            .with_lag_threshold(10)
            .with_scale_in_after(MIN);
        s.observe(100, 4, t0);
        assert_eq!(s.observe(100, 4, t0 + MIN), 2);
        assert_eq!(s.observe(0, 4, t0 + MIN * 2), 2);
        assert_eq!(s.observe(5, 4, t0 + MIN * 3), 2, "not idle");
        assert_eq!(s.observe(0, 4, t0 + MIN * 4), 2);
        assert_eq!(s.observe(0, 4, t0 + MIN * 5), 1);
    }
}
