//! The LLM client's circuit breaker, a plain state machine over explicit instants so it is tested without a
//! server or a clock.
//!
//! Rule: after `threshold` failed calls in a row the circuit opens for `cooldown`; calls while it is open are
//! refused at once. The first call after the cooldown is let through as a trial (half-open) while every other
//! call is still refused: the trial's success closes the circuit, its failure opens it for another cooldown. A
//! trial that ends without a result (its caller gave up) makes the next call the trial. Any success resets the
//! count of failures in a row.

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Where the circuit stands, as shown on the agents page and by `/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitPhase {
    /// Calls go through.
    Closed,
    /// Calls are refused until the cooldown ends.
    Open,
    /// The cooldown is over: the next call (or the one in flight) is the trial that decides.
    HalfOpen,
}

/// A point-in-time summary of the circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitSnapshot {
    pub phase: CircuitPhase,
    /// Failed calls since the last success.
    pub consecutive_failures: u32,
    /// Whole seconds, rounded up, until an open circuit lets a trial through; 0 unless open.
    pub retry_in_secs: u64,
}

/// Whether an admitted call is the half-open trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Call,
    Trial,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Open { until: Instant },
    TrialInFlight,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    threshold: u32,
    cooldown: Duration,
    failures: u32,
    state: State,
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker { threshold, cooldown, failures: 0, state: State::Closed }
    }

    /// Lets a call through, or refuses it with the time left before a trial may run.
    pub(crate) fn admit(&mut self, now: Instant) -> Result<Admission, Duration> {
        match self.state {
            State::Closed => Ok(Admission::Call),
            State::Open { until } if now < until => Err(until - now),
            State::Open { .. } => {
                self.state = State::TrialInFlight;
                Ok(Admission::Trial)
            }
            State::TrialInFlight => Err(Duration::ZERO),
        }
    }

    pub(crate) fn succeeded(&mut self) {
        self.failures = 0;
        self.state = State::Closed;
    }

    /// Counts a failed call; returns true when this failure opened the circuit.
    pub(crate) fn failed(&mut self, now: Instant) -> bool {
        self.failures = self.failures.saturating_add(1);
        let opens = match self.state {
            State::Closed => self.failures >= self.threshold,
            State::TrialInFlight => true,
            // A call admitted before the circuit opened has failed too; the cooldown already runs.
            State::Open { .. } => false,
        };
        if opens {
            self.state = State::Open { until: now + self.cooldown };
        }
        opens
    }

    /// The trial's caller dropped it before it finished: the next call becomes the trial.
    pub(crate) fn trial_abandoned(&mut self, now: Instant) {
        if self.state == State::TrialInFlight {
            self.state = State::Open { until: now };
        }
    }

    pub(crate) fn snapshot(&self, now: Instant) -> CircuitSnapshot {
        let (phase, retry_in) = match self.state {
            State::Closed => (CircuitPhase::Closed, Duration::ZERO),
            State::Open { until } if now < until => (CircuitPhase::Open, until - now),
            State::Open { .. } | State::TrialInFlight => (CircuitPhase::HalfOpen, Duration::ZERO),
        };
        CircuitSnapshot { phase, consecutive_failures: self.failures, retry_in_secs: ceil_secs(retry_in) }
    }
}

/// Seconds rounded up, so "retry in 0 s" is never said of a circuit that is still open.
pub(crate) fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOLDOWN: Duration = Duration::from_secs(30);

    fn fail_times(b: &mut Breaker, n: u32, now: Instant) {
        for _ in 0..n {
            assert_eq!(b.admit(now), Ok(Admission::Call));
            b.failed(now);
        }
    }

    #[test]
    fn opens_after_the_threshold_of_failures_in_a_row() {
        let now = Instant::now();
        let mut b = Breaker::new(3, COOLDOWN);
        fail_times(&mut b, 2, now);
        assert_eq!(b.snapshot(now).phase, CircuitPhase::Closed);
        assert_eq!(b.admit(now), Ok(Admission::Call));
        assert!(b.failed(now));
        let snap = b.snapshot(now);
        assert_eq!(snap, CircuitSnapshot { phase: CircuitPhase::Open, consecutive_failures: 3, retry_in_secs: 30 });
        assert_eq!(b.admit(now + Duration::from_secs(10)), Err(Duration::from_secs(20)));
    }

    #[test]
    fn a_success_resets_the_count() {
        let now = Instant::now();
        let mut b = Breaker::new(2, COOLDOWN);
        fail_times(&mut b, 1, now);
        b.succeeded();
        fail_times(&mut b, 1, now);
        assert_eq!(b.snapshot(now).phase, CircuitPhase::Closed);
        assert_eq!(b.snapshot(now).consecutive_failures, 1);
    }

    #[test]
    fn after_the_cooldown_one_trial_runs_and_others_wait() {
        let now = Instant::now();
        let later = now + COOLDOWN;
        let mut b = Breaker::new(1, COOLDOWN);
        fail_times(&mut b, 1, now);
        assert_eq!(b.snapshot(later).phase, CircuitPhase::HalfOpen);
        assert_eq!(b.admit(later), Ok(Admission::Trial));
        assert_eq!(b.admit(later), Err(Duration::ZERO));
        b.succeeded();
        assert_eq!(b.snapshot(later).phase, CircuitPhase::Closed);
        assert_eq!(b.admit(later), Ok(Admission::Call));
    }

    #[test]
    fn a_failed_trial_reopens_for_another_cooldown() {
        let now = Instant::now();
        let later = now + COOLDOWN;
        let mut b = Breaker::new(1, COOLDOWN);
        fail_times(&mut b, 1, now);
        assert_eq!(b.admit(later), Ok(Admission::Trial));
        assert!(b.failed(later));
        assert_eq!(b.admit(later + Duration::from_secs(1)), Err(Duration::from_secs(29)));
        assert_eq!(b.snapshot(later).consecutive_failures, 2);
    }

    #[test]
    fn an_abandoned_trial_hands_the_trial_to_the_next_call() {
        let now = Instant::now();
        let later = now + COOLDOWN;
        let mut b = Breaker::new(1, COOLDOWN);
        fail_times(&mut b, 1, now);
        assert_eq!(b.admit(later), Ok(Admission::Trial));
        b.trial_abandoned(later);
        assert_eq!(b.admit(later), Ok(Admission::Trial));
    }

    #[test]
    fn retry_in_rounds_up_to_whole_seconds() {
        assert_eq!(ceil_secs(Duration::from_millis(300)), 1);
        assert_eq!(ceil_secs(Duration::from_secs(2)), 2);
        assert_eq!(ceil_secs(Duration::ZERO), 0);
    }
}
