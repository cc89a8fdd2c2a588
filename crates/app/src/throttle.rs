//! Failure counting for sign-in and enrollment, per key (an account, a client IP), over a
//! sliding window measured on the application's clock. In memory: on several nodes each node
//! counts its own, which multiplies the limit by the number of nodes (documented).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use portico_domain::Timestamp;

use crate::settings::ThrottlePolicy;

/// Keys beyond this many are pruned oldest-first, so a flood of distinct keys cannot grow
/// memory without bound.
const MAX_KEYS: usize = 100_000;

/// Sliding-window failure counters.
#[derive(Debug)]
pub struct Throttle {
    policy: ThrottlePolicy,
    failures: Mutex<HashMap<String, VecDeque<Timestamp>>>,
}

impl Throttle {
    /// An empty throttle.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, failures: Mutex::new(HashMap::new()) }
    }

    /// `Err(retry_after)` when `key` has `limit` or more failures in the window ending at `now`.
    pub fn check(&self, key: &str, limit: u32, now: Timestamp) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(q) = map.get_mut(key) else {
            return Ok(());
        };
        prune(q, now, self.policy.window);
        if q.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            return Ok(());
        }
        let oldest = q.front().copied().unwrap_or(now);
        let retry = oldest.plus(self.policy.window).since(now);
        Err(retry.max(Duration::from_secs(1)))
    }

    /// Counts a failure for `key` at `now`.
    pub fn record_failure(&self, key: &str, now: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            let window = self.policy.window;
            map.retain(|_, q| {
                prune(q, now, window);
                !q.is_empty()
            });
        }
        let q = map.entry(key.to_owned()).or_default();
        prune(q, now, self.policy.window);
        q.push_back(now);
    }

    /// Forgets `key` (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// The policy in force.
    pub fn policy(&self) -> ThrottlePolicy {
        self.policy
    }
}

fn prune(q: &mut VecDeque<Timestamp>, now: Timestamp, window: Duration) {
    while q.front().is_some_and(|t| now.since(*t) >= window) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_throttled_after_the_limit_until_the_window_passes() {
        let t = Throttle::new(ThrottlePolicy::default());
        let t0 = Timestamp::from_unix_millis(0);
        for _ in 0..5 {
            assert!(t.check("a", 5, t0).is_ok());
            t.record_failure("a", t0);
        }
        assert_eq!(t.check("a", 5, t0), Err(Duration::from_secs(900)));
        assert!(t.check("b", 5, t0).is_ok());
        assert!(t.check("a", 5, t0.plus(Duration::from_secs(900))).is_ok());
        t.record_failure("c", t0);
        t.clear("c");
        assert!(t.check("c", 1, t0).is_ok());
    }
}
