//! Login throttling: failed sign-ins are counted per account and per client IP in fixed windows.
//!
//! Rule: once a key has `max_failures` failures inside its window, further attempts are refused until the
//! window ends; the refusal says how many seconds remain (`Retry-After`). A successful sign-in clears the
//! account's counter but not the IP's. With Redis the counters are shared by every server instance
//! (`INCR` + `EXPIRE NX`); without it they live in this process.

use fred::prelude::*;
use fred::types::ExpireOptions;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub account_max_failures: u32,
    pub ip_max_failures: u32,
    pub window: Duration,
}

impl Default for Limits {
    /// 5 failures per account and 20 per IP (an office shares one address) in 5 minutes.
    fn default() -> Self {
        Limits { account_max_failures: 5, ip_max_failures: 20, window: Duration::from_secs(300) }
    }
}

/// Sign-in refused until `retry_after` has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

pub enum Backend {
    Redis(fred::clients::Pool),
    Memory(Mutex<HashMap<String, (u32, Instant)>>),
}

pub struct LoginThrottle {
    backend: Backend,
    limits: Limits,
    /// Prefix of the Redis keys, so several deployments (or test runs) can share one Redis.
    prefix: String,
}

fn redis_err(e: fred::error::Error) -> DomainError {
    DomainError::unavailable("redis", e)
}

impl LoginThrottle {
    pub fn redis(pool: fred::clients::Pool, limits: Limits, prefix: &str) -> Self {
        LoginThrottle { backend: Backend::Redis(pool), limits, prefix: prefix.to_string() }
    }

    pub fn memory(limits: Limits) -> Self {
        LoginThrottle { backend: Backend::Memory(Mutex::new(HashMap::new())), limits, prefix: "aiseo".into() }
    }

    fn account_key(&self, email: &str) -> String {
        format!("{}:login:account:{}", self.prefix, crate::validation::normalize_email(email))
    }

    fn ip_key(&self, ip: &str) -> String {
        format!("{}:login:ip:{ip}", self.prefix)
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Refuses when the account or the IP has used up its failures in the current window.
    pub async fn check(&self, email: &str, ip: &str) -> Result<Result<(), Throttled>, DomainError> {
        let keys = [
            (self.account_key(email), self.limits.account_max_failures),
            (self.ip_key(ip), self.limits.ip_max_failures),
        ];
        let mut wait = Duration::ZERO;
        for (key, max) in keys {
            let (count, remaining) = self.read(&key).await?;
            if count >= max {
                wait = wait.max(remaining);
            }
        }
        Ok(if wait.is_zero() { Ok(()) } else { Err(Throttled { retry_after: wait.max(Duration::from_secs(1)) }) })
    }

    pub async fn record_failure(&self, email: &str, ip: &str) -> Result<(), DomainError> {
        for key in [self.account_key(email), self.ip_key(ip)] {
            self.increment(&key).await?;
        }
        Ok(())
    }

    pub async fn clear_account(&self, email: &str) -> Result<(), DomainError> {
        let key = self.account_key(email);
        match &self.backend {
            Backend::Redis(pool) => pool.del::<i64, _>(key).await.map(|_| ()).map_err(redis_err),
            Backend::Memory(map) => {
                map.lock().map_err(|_| DomainError::Internal("throttle lock poisoned".into()))?.remove(&key);
                Ok(())
            }
        }
    }

    /// The failure count of a key and the time left in its window.
    async fn read(&self, key: &str) -> Result<(u32, Duration), DomainError> {
        match &self.backend {
            Backend::Redis(pool) => {
                let count: Option<u32> = pool.get(key).await.map_err(redis_err)?;
                let Some(count) = count else { return Ok((0, Duration::ZERO)) };
                let ttl: i64 = pool.ttl(key).await.map_err(redis_err)?;
                Ok((count, Duration::from_secs(ttl.max(1) as u64)))
            }
            Backend::Memory(map) => {
                let mut map = map.lock().map_err(|_| DomainError::Internal("throttle lock poisoned".into()))?;
                let now = Instant::now();
                map.retain(|_, (_, until)| *until > now);
                Ok(map.get(key).map(|(c, until)| (*c, until.saturating_duration_since(now))).unwrap_or_default())
            }
        }
    }

    async fn increment(&self, key: &str) -> Result<(), DomainError> {
        let window = self.limits.window;
        match &self.backend {
            Backend::Redis(pool) => {
                let _: i64 = pool.incr(key).await.map_err(redis_err)?;
                let _: i64 = pool
                    .expire(key, window.as_secs().max(1) as i64, Some(ExpireOptions::NX))
                    .await
                    .map_err(redis_err)?;
                Ok(())
            }
            Backend::Memory(map) => {
                let mut map = map.lock().map_err(|_| DomainError::Internal("throttle lock poisoned".into()))?;
                let now = Instant::now();
                let entry = map.entry(key.to_string()).or_insert((0, now + window));
                if entry.1 <= now {
                    *entry = (0, now + window);
                }
                entry.0 += 1;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits { account_max_failures: 3, ip_max_failures: 5, window: Duration::from_secs(60) }
    }

    #[tokio::test]
    async fn account_is_refused_after_its_failures() {
        let t = LoginThrottle::memory(limits());
        for _ in 0..3 {
            assert_eq!(t.check("a@b.co", "1.1.1.1").await.unwrap(), Ok(()));
            t.record_failure("A@B.co", "1.1.1.1").await.unwrap();
        }
        let refused = t.check("a@b.co", "2.2.2.2").await.unwrap().unwrap_err();
        assert!(refused.retry_after > Duration::from_secs(50) && refused.retry_after <= Duration::from_secs(60));
        assert_eq!(t.check("other@b.co", "2.2.2.2").await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn ip_is_refused_after_failures_on_many_accounts() {
        let t = LoginThrottle::memory(limits());
        for i in 0..5 {
            t.record_failure(&format!("u{i}@b.co"), "9.9.9.9").await.unwrap();
        }
        assert!(t.check("fresh@b.co", "9.9.9.9").await.unwrap().is_err());
        assert_eq!(t.check("fresh@b.co", "8.8.8.8").await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn success_clears_the_account_counter() {
        let t = LoginThrottle::memory(limits());
        for _ in 0..3 {
            t.record_failure("a@b.co", "1.1.1.1").await.unwrap();
        }
        t.clear_account("a@b.co").await.unwrap();
        assert_eq!(t.check("a@b.co", "1.1.1.1").await.unwrap(), Ok(()));
    }
}
