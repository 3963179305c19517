//! Routes a claimed task to its agent (the task coordinator's routing table is [`TaskType::agent`]):
//! checks that the agent may run, has the agent's loader (`tasks::inputs`) read its input, runs it, and,
//! when an LLM is configured, has the LLM write the prose of the agents that have some. What the run adds
//! besides its output (alert events, a campaign plan's tasks, a comparison after a second audit) goes into
//! the [`Outcome`] the worker stores.

use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

use super::agent_settings;
use super::audit::{self as audit_run, CrawlSettings};
use super::error::TaskError;
use super::inputs::{self, blocking};
use super::queue::{Claimed, ExtraEvent, LlmUsage};
use crate::agents::{self, Narrative, NarrativeSource};
use crate::llm::LlmClient;
use crate::model::crawl::CrawlKind;
use crate::model::task::{CampaignPlan, CircuitState, NewTask, Priority, TaskOutput, TaskParams, TaskType};
use crate::model::{AgentId, Campaign, Client};
use crate::policy::ClientScope;
use crate::store;
use crate::store::tasks::Insert;
use crate::DomainError;

/// What a finished run hands to the queue.
#[derive(Debug)]
pub struct Outcome {
    pub output: TaskOutput,
    pub usage: LlmUsage,
    /// Tasks to create in the same transaction (a campaign plan's steps).
    pub follow_ups: Vec<Insert>,
    /// Events to record in the same transaction (client-health alerts).
    pub events: Vec<ExtraEvent>,
}

impl Outcome {
    fn of(output: TaskOutput) -> Outcome {
        Outcome { output, usage: LlmUsage::default(), follow_ups: Vec::new(), events: Vec::new() }
    }
}

pub struct Runner {
    pool: PgPool,
    llm: Option<LlmClient>,
    /// Proposal currency when a task doesn't name one (ISO 4217).
    currency: String,
    /// Each agent's circuit as last read, and when: re-read after [`CIRCUIT_CACHE`].
    circuits: Mutex<HashMap<AgentId, (Instant, CircuitState)>>,
    crawl: CrawlSettings,
    /// Report emails' mail, PDF writer and links; None where the process was started without them.
    delivery: Option<super::delivery::DeliverySettings>,
}

/// How long a worker trusts a circuit state it read. The circuit is a one-minute cooldown after five
/// failures in a row; a second's delay in seeing it open or close changes nothing that matters, and saves a
/// query per task.
const CIRCUIT_CACHE: Duration = Duration::from_secs(1);

impl Runner {
    pub fn new(pool: PgPool, llm: Option<LlmClient>, currency: &str) -> Runner {
        Runner {
            pool,
            llm,
            currency: currency.trim().to_ascii_uppercase(),
            circuits: Mutex::new(HashMap::new()),
            crawl: CrawlSettings::default(),
            delivery: None,
        }
    }

    /// How report emails are written and sent.
    pub fn with_delivery(mut self, delivery: super::delivery::DeliverySettings) -> Runner {
        self.delivery = Some(delivery);
        self
    }

    /// Bounds and the address allow-list of the crawls tasks run.
    pub fn with_crawl(mut self, crawl: CrawlSettings) -> Runner {
        self.crawl = crawl;
        self
    }

    async fn circuit(&self, agent: AgentId) -> Result<CircuitState, DomainError> {
        let cached = self.circuits.lock().ok().and_then(|m| m.get(&agent).cloned());
        if let Some((at, state)) = cached {
            if at.elapsed() < CIRCUIT_CACHE {
                return Ok(state);
            }
        }
        let state = agent_settings::circuit(&self.pool, agent).await?;
        if let Ok(mut m) = self.circuits.lock() {
            m.insert(agent, (Instant::now(), state.clone()));
        }
        Ok(state)
    }

    pub async fn run(&self, task: &Claimed) -> Result<Outcome, TaskError> {
        let Some(task_type) = task.task_type else {
            return Err(TaskError::Input(format!(
                "this version doesn't know the task type \u{201c}{}\u{201d}",
                task.raw_type
            )));
        };
        let agent = task_type.agent();
        if !task.agent_enabled {
            return Err(TaskError::Disabled(agent));
        }
        if let CircuitState::Open { until, failures } = self.circuit(agent).await? {
            return Err(TaskError::CircuitOpen { agent, until, failures });
        }
        let pool = &self.pool;
        match task_type {
            TaskType::Ping => Ok(Outcome::of(TaskOutput::Ping {})),
            TaskType::ClientAnalysis => {
                use agents::business_development_director as bdd;
                let c = self.client(task).await?;
                Ok(Outcome::of(TaskOutput::ClientAnalysis(bdd::run(&bdd::Input::of(&c)))))
            }
            TaskType::LeadQualification => {
                let input = inputs::lead_qualification::load(pool, &self.client(task).await?).await?;
                Ok(Outcome::of(TaskOutput::LeadQualification(agents::lead_qualification::run(&input))))
            }
            TaskType::SalesConversation => {
                use agents::sales_conversation as sc;
                let input = inputs::sales_conversation::load(pool, &self.client(task).await?).await?;
                let mut out = sc::run(&input);
                let mut usage = LlmUsage::default();
                out.narrative = self.narrate(sc::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
                Ok(Outcome { usage, ..Outcome::of(TaskOutput::SalesConversation(out)) })
            }
            TaskType::ProposalGeneration => {
                use agents::proposal_generation as pg;
                let currency = task.params.currency.clone().unwrap_or_else(|| self.currency.clone());
                let input = inputs::proposal_generation::load(pool, &self.client(task).await?, currency).await?;
                let mut out = pg::run(&input);
                let mut usage = LlmUsage::default();
                out.narrative = self.narrate(pg::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
                Ok(Outcome { usage, ..Outcome::of(TaskOutput::ProposalGeneration(out)) })
            }
            TaskType::PipelineReview => {
                let scope = task.params.portfolio_of.map_or(ClientScope::All, ClientScope::ManagedBy);
                let input = inputs::sales_operations_manager::load(pool, scope).await?;
                Ok(Outcome::of(TaskOutput::PipelineReview(agents::sales_operations_manager::run(&input))))
            }
            TaskType::ClientHealth => {
                use agents::client_success_manager as csm;
                let c = self.client(task).await?;
                let out = csm::run(&inputs::client_success_manager::load(pool, &c, task.id).await?);
                let events = health_alerts(c.id, &out);
                Ok(Outcome { events, ..Outcome::of(TaskOutput::ClientHealth(out)) })
            }
            TaskType::MessageReply => {
                use agents::client_success_manager::reply;
                let id = task.params.message_id.ok_or_else(|| TaskError::input("a reply draft needs a message"))?;
                let input = match store::messages::reply_input(pool, id).await {
                    Err(DomainError::NotFound) => return Err(TaskError::input("the message to answer is gone")),
                    other => other?,
                };
                let mut out = reply::run(&input);
                let mut usage = LlmUsage::default();
                out.narrative = self.narrate(reply::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
                Ok(Outcome { usage, ..Outcome::of(TaskOutput::MessageReply(out)) })
            }
            TaskType::Strategy => {
                use agents::chief_seo_strategist as cs;
                let c = self.client(task).await?;
                let input = inputs::chief_seo_strategist::load(pool, &c, task.campaign_id).await?;
                let mut out = cs::run(&input);
                let mut usage = LlmUsage::default();
                out.narrative = self.narrate(cs::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
                Ok(Outcome { usage, ..Outcome::of(TaskOutput::Strategy(out)) })
            }
            TaskType::ReportDelivery => match &self.delivery {
                Some(settings) => super::delivery::run(pool, settings, task).await,
                None => Err(TaskError::input("this worker was started without mail settings")),
            },
            TaskType::Reporting => {
                use agents::reporting as rp;
                let c = self.client(task).await?;
                let input =
                    inputs::reporting::load(pool, &c, task.campaign_id, task.params.period_days, task.id).await?;
                let mut out = rp::run(&input);
                let mut usage = LlmUsage::default();
                out.narrative = self.narrate(rp::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
                Ok(Outcome { usage, ..Outcome::of(TaskOutput::Reporting(out)) })
            }
            TaskType::CampaignPlan => {
                let id = task.campaign_id.ok_or_else(|| TaskError::input("a campaign plan needs a campaign"))?;
                let (campaign, disabled) = inputs::task_coordinator::load(pool, id).await?;
                let mut plan = agents::task_coordinator::plan(&agents::task_coordinator::Input {
                    assigned: &campaign.agents,
                    enabled: &|a| !disabled.contains(&a),
                });
                let follow_ups = plan_tasks(&mut plan, &campaign);
                Ok(Outcome { follow_ups, ..Outcome::of(TaskOutput::CampaignPlan(plan)) })
            }
            TaskType::TechnicalSeoAudit => self.technical_audit(task).await,
            TaskType::CrawlComparison => {
                use inputs::technical_seo_operations_manager as ops;
                let c = self.client(task).await?;
                let (before, after) = ops::latest_two(pool, &c).await?;
                let out = ops::compare(pool, &before, &after).await?;
                let events = regression_alerts(c.id, after.id, &out);
                Ok(Outcome { events, ..Outcome::of(TaskOutput::CrawlComparison(out)) })
            }
            TaskType::ContentStrategy => {
                let input = inputs::content_strategy::load(pool, &self.client(task).await?).await?;
                let out = blocking(move || agents::content_strategy::analyse(&input)).await?;
                Ok(Outcome::of(TaskOutput::ContentStrategy(out)))
            }
            TaskType::LinkBuilding => {
                let input = inputs::link_building::load(pool, &self.client(task).await?).await?;
                let out = blocking(move || agents::link_building::analyse(&input)).await?;
                Ok(Outcome::of(TaskOutput::LinkBuilding(out)))
            }
            TaskType::CompetitiveAnalysis => {
                let c = self.client(task).await?;
                let (input, missing) = inputs::competitive_analysis::load(pool, &self.crawl, &c, task.id).await?;
                let mut out = agents::competitive_analysis::analyse(&input);
                out.missing.extend(missing);
                Ok(Outcome::of(TaskOutput::CompetitiveAnalysis(out)))
            }
        }
    }

    /// Crawls the client's site; after a second completed audit, the operations manager compares the two.
    async fn technical_audit(&self, task: &Claimed) -> Result<Outcome, TaskError> {
        let c = self.client(task).await?;
        let start = audit_run::start_url(&c.website)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let result =
            audit_run::run(&self.pool, &self.crawl, c.id, Some(task.id), CrawlKind::Site, start, cancel).await?;
        let completed = ExtraEvent {
            action: "audit.completed",
            client_id: Some(c.id),
            detail: json!({
                "crawl_id": result.crawl_id,
                "health": result.health,
                "pages": result.pages,
                "errors": result.errors,
                "agent": "technical_seo_operations_manager",
            }),
        };
        let mut outcome = Outcome { events: vec![completed], ..Outcome::of(TaskOutput::TechnicalSeoAudit(result)) };
        if store::crawls::completed_site_crawls(&self.pool, c.id).await? >= 2 {
            outcome.follow_ups.push(Insert {
                id: Uuid::new_v4(),
                task: NewTask {
                    task_type: TaskType::CrawlComparison,
                    client_id: Some(c.id),
                    campaign_id: None,
                    priority: Priority::Normal,
                    params: TaskParams::default(),
                },
                depends_on: Vec::new(),
            });
        }
        Ok(outcome)
    }

    async fn client(&self, task: &Claimed) -> Result<Client, TaskError> {
        let id = task.client_id.ok_or_else(|| TaskError::input("this task needs a client"))?;
        Ok(store::clients::get(&self.pool, ClientScope::All, id).await?)
    }

    /// Asks the LLM, when one is configured, to rewrite `template`; numbers stay the agent's.
    async fn narrate(&self, prompt: String, template: Narrative, usage: &mut LlmUsage) -> Narrative {
        let Some(llm) = &self.llm else { return template };
        const SYSTEM: &str = "You write for an SEO agency's clients. Rewrite the draft you are given in clear, \
            friendly, professional prose. Keep every fact, name and number exactly as given; add no new figures, \
            claims or promises. Answer with the rewritten text only.";
        match llm.complete(SYSTEM, &prompt).await {
            Ok(c) => {
                usage.prompt_tokens += c.prompt_tokens;
                usage.completion_tokens += c.completion_tokens;
                usage.cost += c.cost;
                Narrative { text: c.text, source: NarrativeSource::Llm { model: llm.model().to_string() } }
            }
            Err(e) => {
                tracing::warn!(error = %e, "LLM call failed; the template text stands");
                Narrative {
                    text: template.text,
                    source: NarrativeSource::TemplateAfterLlmError { reason: e.to_string() },
                }
            }
        }
    }
}

/// The client-health alerts worth an event (warnings and worse).
fn health_alerts(client_id: Uuid, out: &agents::client_success_manager::Output) -> Vec<ExtraEvent> {
    use agents::client_success_manager::Severity;
    out.alerts
        .iter()
        .filter(|a| a.severity != Severity::Info)
        .map(|a| ExtraEvent {
            action: "client.alert",
            client_id: Some(client_id),
            detail: json!({ "severity": a.severity, "message": a.message, "agent": "client_success_manager" }),
        })
        .collect()
}

/// An `audit.regression` event per alert of the comparison that ended with crawl `crawl_id`.
fn regression_alerts(
    client_id: Uuid,
    crawl_id: Uuid,
    out: &agents::technical_seo_operations_manager::Output,
) -> Vec<ExtraEvent> {
    out.alerts
        .iter()
        .map(|a| ExtraEvent {
            action: "audit.regression",
            client_id: Some(client_id),
            detail: json!({
                "severity": a.severity,
                "message": a.message,
                "check": a.check,
                "crawl_id": crawl_id,
                "agent": "technical_seo_operations_manager",
            }),
        })
        .collect()
}

/// A task per planned (not skipped) step of the campaign's plan, depending on the tasks of the steps it
/// comes after; each step records its task's id.
fn plan_tasks(plan: &mut CampaignPlan, campaign: &Campaign) -> Vec<Insert> {
    let mut tasks: Vec<Insert> = Vec::new();
    for step in plan.steps.iter_mut().filter(|s| s.skipped.is_none()) {
        let id = Uuid::new_v4();
        step.task_id = Some(id);
        let depends_on =
            step.after.iter().filter_map(|t| tasks.iter().find(|f| f.task.task_type == *t).map(|f| f.id)).collect();
        tasks.push(Insert {
            id,
            task: NewTask {
                task_type: step.task_type,
                client_id: Some(campaign.client_id),
                campaign_id: Some(campaign.id),
                priority: Priority::Normal,
                params: TaskParams::default(),
            },
            depends_on,
        });
    }
    tasks
}
