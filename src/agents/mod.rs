//! The agent layer: one module per agent, each a pure, deterministic function from a typed input to a typed
//! output with its score breakdown and reasons. The formulas are written in each module's doc comment.
//!
//! These modules compile for the browser too (no I/O here), so the UI renders the same output types the
//! workers store. Loading inputs from Postgres, running an agent as a task and storing its output is the
//! server-only part (see `crate::tasks`).

pub mod business_development_director;
pub mod chief_seo_strategist;
pub mod client_success_manager;
pub mod competitive_analysis;
pub mod content_strategy;
pub mod lead_qualification;
pub mod link_building;
pub mod proposal_generation;
pub mod reporting;
pub mod sales_conversation;
pub mod sales_operations_manager;
pub mod task_coordinator;
pub mod technical_seo_operations_manager;

use serde::{Deserialize, Serialize};

/// One part of a score: how many points it gave out of how many, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// What is scored, e.g. "Budget".
    pub name: String,
    pub points: f64,
    pub max: f64,
    /// Why it got these points, in words a person reads ("monthly budget 4,000 is between 500 and 10,000").
    pub reason: String,
}

impl Component {
    pub fn new(name: &str, points: f64, max: f64, reason: impl Into<String>) -> Component {
        Component { name: name.to_string(), points, max, reason: reason.into() }
    }
}

/// A score with the parts it is made of and the inputs that were missing when it was computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The final score, 0..=100 unless the agent documents another range.
    pub score: f64,
    pub components: Vec<Component>,
    /// Inputs that did not exist (e.g. "no audit yet"); the score is computed on what exists.
    pub missing: Vec<String>,
}

/// What an audit of the client's site found, as the non-crawling agents read it. Produced by the
/// technical SEO auditor; `None` wherever no audit has run yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSummary {
    /// Site health score, 0..=100.
    pub health_score: f64,
    pub pages: u32,
    pub critical_issues: u32,
    pub warnings: u32,
    pub notices: u32,
    pub finished_at: chrono::DateTime<chrono::Utc>,
}

impl AuditSummary {
    pub fn total_issues(&self) -> u64 {
        u64::from(self.critical_issues) + u64::from(self.warnings) + u64::from(self.notices)
    }
}

/// Rounds to `digits` decimals, so stored outputs and the tests compare exact values.
pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Clamps to `lo..=hi`, mapping NaN to `lo`.
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        lo
    } else {
        x.clamp(lo, hi)
    }
}

/// Prose an agent writes for people: from a template, or from the configured LLM. Numbers never come from
/// here; the LLM only rewrites the words around figures the agent computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Narrative {
    pub text: String,
    pub source: NarrativeSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NarrativeSource {
    Template,
    Llm {
        model: String,
    },
    /// An LLM is configured but the call failed; the template text stands and the reason is kept.
    TemplateAfterLlmError {
        reason: String,
    },
}

impl Narrative {
    pub fn template(text: impl Into<String>) -> Narrative {
        Narrative { text: text.into(), source: NarrativeSource::Template }
    }
}
