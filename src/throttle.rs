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

/// Each API token's request budget: `limit` requests in a window of [`BUDGET_WINDOW`] that opens with its
/// first request (the login throttle's fixed windows, here counting every request). With Redis the count is
/// shared by every server instance (`INCR`, `EXPIRE NX`, `TTL` in one round trip); without it, or while
/// Redis is unreachable, each process counts its own, so a Redis outage never stops the API.
pub struct RequestBudget {
    limit: u32,
    redis: Option<fred::clients::Pool>,
    prefix: String,
    /// Windows by token id, when Redis is absent or away.
    local: Mutex<HashMap<uuid::Uuid, (Instant, u32)>>,
}

/// The window of [`RequestBudget`].
pub const BUDGET_WINDOW: Duration = Duration::from_secs(60);

/// Where a user stands after a request was counted: requests left and seconds until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub left: u32,
    pub reset_secs: u64,
}

impl RequestBudget {
    pub fn new(limit: u32, redis: Option<fred::clients::Pool>, prefix: &str) -> RequestBudget {
        RequestBudget { limit: limit.max(1), redis, prefix: prefix.to_string(), local: Mutex::new(HashMap::new()) }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Counts a request made with the token `key`: Ok(where it stands), or
    /// Err(seconds until it may try again) when the window is spent. `left = limit - count` while `count <= limit`; `reset` is the window's remaining
    /// time, at least 1 s.
    pub async fn take(&self, key: uuid::Uuid) -> Result<Standing, u64> {
        if let Some(pool) = &self.redis {
            match self.take_shared(pool, key).await {
                Ok(counted) => return self.judge(counted),
                Err(e) => tracing::warn!(error = %e, "API request budget: Redis unreachable, counting in this process"),
            }
        }
        let counted = self.take_local(key, Instant::now());
        self.judge(counted)
    }

    fn judge(&self, (count, reset_secs): (u64, u64)) -> Result<Standing, u64> {
        let reset_secs = reset_secs.clamp(1, BUDGET_WINDOW.as_secs());
        if count > u64::from(self.limit) {
            Err(reset_secs)
        } else {
            Ok(Standing { left: self.limit - count as u32, reset_secs })
        }
    }

    /// The token's count including this request, and the seconds left in its window, from Redis.
    async fn take_shared(&self, pool: &fred::clients::Pool, token: uuid::Uuid) -> Result<(u64, u64), DomainError> {
        let key = format!("{}:api:budget:{token}", self.prefix);
        let pipeline = pool.next().pipeline();
        let _: () = pipeline.incr(&key).await.map_err(redis_err)?;
        let _: () =
            pipeline.expire(&key, BUDGET_WINDOW.as_secs() as i64, Some(ExpireOptions::NX)).await.map_err(redis_err)?;
        let _: () = pipeline.ttl(&key).await.map_err(redis_err)?;
        let (count, _, ttl): (i64, i64, i64) = pipeline.all().await.map_err(redis_err)?;
        Ok((count.max(0) as u64, ttl.max(1) as u64))
    }

    /// The same count in this process.
    fn take_local(&self, token: uuid::Uuid, now: Instant) -> (u64, u64) {
        let mut windows = self.local.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < BUDGET_WINDOW);
        }
        let (start, count) = windows.entry(token).or_insert((now, 0));
        if now.duration_since(*start) >= BUDGET_WINDOW {
            *start = now;
            *count = 0;
        }
        *count = count.saturating_add(1);
        (u64::from(*count), BUDGET_WINDOW.saturating_sub(now.duration_since(*start)).as_secs())
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
    async fn each_token_has_a_budget_a_window_counted_in_process_without_redis() {
        let b = RequestBudget::new(2, None, "t");
        let (a, other) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        assert_eq!(b.take(a).await.map(|s| s.left), Ok(1));
        assert_eq!(b.take(a).await.map(|s| s.left), Ok(0));
        let wait = b.take(a).await.expect_err("spent");
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(b.take(other).await.map(|s| s.left), Ok(1), "another token counts apart");
        // A window that has run out starts again.
        let later = Instant::now() + BUDGET_WINDOW;
        assert_eq!(b.take_local(a, later).0, 1);
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
