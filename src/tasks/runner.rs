//! Routes a claimed task to its agent (the task coordinator's routing table is [`TaskType::agent`]),
//! checks that the agent may run, loads the agent's inputs from Postgres, runs it, and, when an LLM is
//! configured, has the LLM write the prose of the agents that have some.

use chrono::{Duration as ChronoDuration, Utc};
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

use super::audit::{self as audit_run, AuditError, CrawlSettings};
use super::queue::{self, Claimed, ExtraEvent, FailureKind, Insert, LlmUsage};
use crate::agents::{self, Narrative, NarrativeSource};
use crate::llm::LlmClient;
use crate::model::campaign::CampaignStatus;
use crate::model::task::{CampaignPlan, CircuitState, NewTask, TaskOutput, TaskType};
use crate::model::{AgentId, Client, Stage};
use crate::policy::ClientScope;
use crate::store;
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

/// Why a run failed and whether it is worth retrying.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub kind: FailureKind,
}

impl Failure {
    fn input(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), kind: FailureKind::Input }
    }
}

fn agent_failure(e: super::crawl_agents::AgentError) -> Failure {
    match e {
        super::crawl_agents::AgentError::Input(m) => Failure::input(m),
        super::crawl_agents::AgentError::Failed(m) => Failure { message: m, kind: FailureKind::Agent },
    }
}

fn audit_failure(e: AuditError) -> Failure {
    match e {
        AuditError::Input(m) => Failure::input(m),
        AuditError::Failed(m) => Failure { message: m, kind: FailureKind::Agent },
    }
}

impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Failure {
        match e {
            DomainError::NotFound => Failure::input("the client or campaign it was about no longer exists"),
            DomainError::Validation(errors) => Failure::input(errors.to_string()),
            DomainError::Rule(m) => Failure::input(m),
            DomainError::Unavailable(m) => Failure { message: m, kind: FailureKind::Agent },
            DomainError::Internal(m) => Failure { message: m, kind: FailureKind::Agent },
        }
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
        }
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
        let state = queue::circuit(&self.pool, agent).await?;
        if let Ok(mut m) = self.circuits.lock() {
            m.insert(agent, (Instant::now(), state.clone()));
        }
        Ok(state)
    }

    pub async fn run(&self, task: &Claimed) -> Result<Outcome, Failure> {
        let Some(task_type) = task.task_type else {
            return Err(Failure::input(format!(
                "this version doesn't know the task type \u{201c}{}\u{201d}",
                task.raw_type
            )));
        };
        let agent = task_type.agent();
        if !task.agent_enabled {
            return Err(Failure {
                message: format!("the {} agent is disabled by an admin", agent.label()),
                kind: FailureKind::Disabled,
            });
        }
        if let CircuitState::Open { until, failures } = self.circuit(agent).await? {
            return Err(Failure {
                message: format!(
                    "the {} agent's circuit is open after {failures} failures in a row; it closes at {} UTC",
                    agent.label(),
                    until.format("%H:%M:%S")
                ),
                kind: FailureKind::Circuit,
            });
        }
        match task_type {
            TaskType::Ping => Ok(Outcome::of(TaskOutput::Ping {})),
            TaskType::ClientAnalysis => {
                let c = self.client(task).await?;
                Ok(Outcome::of(TaskOutput::ClientAnalysis(agents::business_development_director::run(
                    &enterprise_input(&c),
                ))))
            }
            TaskType::LeadQualification => {
                let c = self.client(task).await?;
                let mut input = lead_input(&c);
                input.audit = store::crawls::latest_audit(&self.pool, c.id).await?;
                Ok(Outcome::of(TaskOutput::LeadQualification(agents::lead_qualification::run(&input))))
            }
            TaskType::SalesConversation => self.sales_conversation(task).await,
            TaskType::ProposalGeneration => self.proposal(task).await,
            TaskType::PipelineReview => self.pipeline_review(task).await,
            TaskType::ClientHealth => self.client_health(task).await,
            TaskType::Strategy => self.strategy(task).await,
            TaskType::Reporting => self.report(task).await,
            TaskType::CampaignPlan => self.plan_campaign(task).await,
            TaskType::TechnicalSeoAudit => self.technical_audit(task).await,
            TaskType::CrawlComparison => self.crawl_comparison(task).await,
            TaskType::ContentStrategy => {
                let c = self.client(task).await?;
                let out = super::crawl_agents::content_strategy(&self.pool, &c).await.map_err(agent_failure)?;
                Ok(Outcome::of(TaskOutput::ContentStrategy(out)))
            }
            TaskType::LinkBuilding => {
                let c = self.client(task).await?;
                let out = super::crawl_agents::link_building(&self.pool, &c).await.map_err(agent_failure)?;
                Ok(Outcome::of(TaskOutput::LinkBuilding(out)))
            }
            TaskType::CompetitiveAnalysis => {
                let c = self.client(task).await?;
                let out = super::crawl_agents::competitive_analysis(&self.pool, &self.crawl, &c, task.id)
                    .await
                    .map_err(agent_failure)?;
                Ok(Outcome::of(TaskOutput::CompetitiveAnalysis(out)))
            }
        }
    }

    async fn technical_audit(&self, task: &Claimed) -> Result<Outcome, Failure> {
        let c = self.client(task).await?;
        let start = audit_run::start_url(&c.website).map_err(audit_failure)?;
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let result = audit_run::run(
            &self.pool,
            &self.crawl,
            c.id,
            Some(task.id),
            crate::model::crawl::CrawlKind::Site,
            start,
            cancel,
        )
        .await
        .map_err(audit_failure)?;
        // A second completed audit: the operations manager compares the two.
        let completed: (i64,) = sqlx::query_as(
            "SELECT count(*) FROM crawls WHERE client_id = $1 AND kind = 'site' AND status = 'completed'",
        )
        .bind(c.id)
        .fetch_one(&self.pool)
        .await
        .map_err(DomainError::from)?;
        let mut outcome = Outcome::of(TaskOutput::TechnicalSeoAudit(result));
        if completed.0 >= 2 {
            outcome.follow_ups.push(Insert {
                id: Uuid::new_v4(),
                task: NewTask {
                    task_type: TaskType::CrawlComparison,
                    client_id: Some(c.id),
                    campaign_id: None,
                    priority: crate::model::task::Priority::Normal,
                    params: Default::default(),
                },
                depends_on: Vec::new(),
            });
        }
        Ok(outcome)
    }

    async fn crawl_comparison(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::technical_seo_operations_manager as ops;
        let c = self.client(task).await?;
        let Some((before, after)) = store::crawls::last_two(&self.pool, c.id).await? else {
            return Err(Failure::input(format!(
                "{} has fewer than two completed audits; run a technical SEO audit first",
                c.company_name
            )));
        };
        let checks = store::crawls::compare(&self.pool, before.id, after.id).await?;
        let out = ops::run(&ops::Input {
            client_name: c.company_name.clone(),
            before: before.scores(),
            after: after.scores(),
            checks,
        });
        let events = out
            .alerts
            .iter()
            .map(|a| ExtraEvent {
                action: "audit.regression",
                client_id: Some(c.id),
                detail: json!({
                    "severity": a.severity,
                    "message": a.message,
                    "check": a.check,
                    "crawl_id": after.id,
                    "agent": "technical_seo_operations_manager",
                }),
            })
            .collect();
        Ok(Outcome { events, ..Outcome::of(TaskOutput::CrawlComparison(out)) })
    }

    async fn client(&self, task: &Claimed) -> Result<Client, Failure> {
        let id = task.client_id.ok_or_else(|| Failure::input("this task needs a client"))?;
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

    async fn sales_conversation(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::sales_conversation as sc;
        let c = self.client(task).await?;
        let audit = store::crawls::latest_audit(&self.pool, c.id).await?;
        let input = sc::Input {
            company_name: c.company_name.clone(),
            contact_name: c.contact_name.clone(),
            industry: c.industry,
            lead: c.lead.clone(),
            qualification: agents::lead_qualification::run(&lead_input_with(&c, audit.clone())),
            audit,
        };
        let mut out = sc::run(&input);
        let mut usage = LlmUsage::default();
        out.narrative = self.narrate(sc::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
        Ok(Outcome { usage, ..Outcome::of(TaskOutput::SalesConversation(out)) })
    }

    async fn proposal(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::proposal_generation as pg;
        let c = self.client(task).await?;
        let audit = store::crawls::latest_audit(&self.pool, c.id).await?;
        let input = pg::Input {
            company_name: c.company_name.clone(),
            industry: c.industry,
            enterprise: agents::business_development_director::run(&enterprise_input(&c)),
            qualification: Some(agents::lead_qualification::run(&lead_input_with(&c, audit.clone()))),
            audit,
            currency: task.params.currency.clone().unwrap_or_else(|| self.currency.clone()),
        };
        let mut out = pg::run(&input);
        let mut usage = LlmUsage::default();
        out.narrative = self.narrate(pg::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
        Ok(Outcome { usage, ..Outcome::of(TaskOutput::ProposalGeneration(out)) })
    }

    async fn pipeline_review(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::sales_operations_manager as som;
        // The furthest forward stage each client reached: its current stage and every stage its history
        // moved it to. Days in stage count from the last stage change, or from creation.
        type Row = (Uuid, String, String, i64, Option<i64>, Vec<String>, chrono::DateTime<Utc>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, c.company_name, c.stage, c.monthly_value, c.lead_budget,
                    coalesce(array_agg(e.detail->>'to') FILTER (WHERE e.id IS NOT NULL), '{}'),
                    coalesce(max(e.at), c.created_at)
               FROM clients c
               LEFT JOIN events e ON e.client_id = c.id AND e.action = 'client.stage_changed'
              WHERE ($1::uuid IS NULL OR c.account_manager_id = $1)
              GROUP BY c.id",
        )
        .bind(task.params.portfolio_of)
        .fetch_all(&self.pool)
        .await
        .map_err(DomainError::from)?;
        let deals = rows
            .into_iter()
            .map(|(client_id, company_name, stage, monthly_value, lead_budget, history, stage_since)| {
                let stage = Stage::parse(&stage).unwrap_or(Stage::Prospect);
                let furthest = std::iter::once(stage)
                    .chain(history.iter().filter_map(|s| Stage::parse(s)))
                    .max_by_key(|s| forward_rank(*s))
                    .unwrap_or(stage);
                som::Deal {
                    client_id,
                    company_name,
                    stage,
                    furthest_stage: furthest,
                    monthly_value,
                    lead_budget,
                    stage_since,
                }
            })
            .collect();
        Ok(Outcome::of(TaskOutput::PipelineReview(som::run(&som::Input { now: Utc::now(), deals }))))
    }

    async fn client_health(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::client_success_manager as csm;
        let c = self.client(task).await?;
        let campaigns = store::campaigns::for_client(&self.pool, ClientScope::All, c.id).await?;
        let (completed, failed, last_activity): (i64, i64, Option<chrono::DateTime<Utc>>) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM tasks WHERE client_id = $1 AND status = 'completed'
                        AND finished_at > now() - interval '30 days' AND id <> $2),
                    (SELECT count(*) FROM tasks WHERE client_id = $1 AND status = 'failed'
                        AND finished_at > now() - interval '30 days' AND id <> $2),
                    (SELECT max(at) FROM events WHERE client_id = $1 AND actor_id IS NOT NULL)",
        )
        .bind(c.id)
        .bind(task.id)
        .fetch_one(&self.pool)
        .await
        .map_err(DomainError::from)?;
        let input = csm::Input {
            now: Utc::now(),
            company_name: c.company_name.clone(),
            stage: c.stage,
            monthly_value: c.monthly_value,
            client_since: c.created_at,
            campaigns: campaigns
                .iter()
                .map(|k| csm::CampaignProgress {
                    name: k.name.clone(),
                    status: k.status,
                    start_date: k.start_date,
                    end_date: k.end_date,
                })
                .collect(),
            tasks_completed_30d: u32::try_from(completed).unwrap_or(u32::MAX),
            tasks_failed_30d: u32::try_from(failed).unwrap_or(u32::MAX),
            audit_scores: store::crawls::audit_summaries(&self.pool, c.id, 12)
                .await?
                .iter()
                .map(|a| (a.finished_at, a.health_score))
                .collect(),
            last_activity,
        };
        let out = csm::run(&input);
        let events = out
            .alerts
            .iter()
            .filter(|a| a.severity != csm::Severity::Info)
            .map(|a| ExtraEvent {
                action: "client.alert",
                client_id: Some(c.id),
                detail: json!({ "severity": a.severity, "message": a.message, "agent": "client_success_manager" }),
            })
            .collect();
        Ok(Outcome { events, ..Outcome::of(TaskOutput::ClientHealth(out)) })
    }

    async fn strategy(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::chief_seo_strategist as cs;
        let c = self.client(task).await?;
        let campaign = match task.campaign_id {
            Some(id) => Some(store::campaigns::get(&self.pool, ClientScope::All, id).await?),
            None => None,
        };
        let input = cs::Input {
            today: Utc::now().date_naive(),
            company_name: c.company_name.clone(),
            industry: c.industry,
            campaign: campaign.map(|k| cs::CampaignBrief {
                name: k.name,
                kind: k.kind,
                objectives: k.objectives,
                start_date: k.start_date,
                end_date: k.end_date,
            }),
            pain_points: c.lead.pain_points.clone(),
            audit: store::crawls::latest_audit(&self.pool, c.id).await?,
            content: match queue::latest_output(&self.pool, TaskType::ContentStrategy, c.id, None).await? {
                Some((_, TaskOutput::ContentStrategy(o))) => Some(cs::ContentSummary {
                    pages_analysed: o.pages_analysed,
                    thin_pages: u32::try_from(o.thin_pages.len()).unwrap_or(u32::MAX),
                    duplicate_pages: u32::try_from(o.duplicates.iter().map(|d| d.urls.len()).sum::<usize>())
                        .unwrap_or(u32::MAX),
                    gap_terms: o.gaps.iter().take(10).map(|g| g.term.clone()).collect(),
                }),
                _ => None,
            },
            competitive: match queue::latest_output(&self.pool, TaskType::CompetitiveAnalysis, c.id, None).await? {
                Some((_, TaskOutput::CompetitiveAnalysis(o))) => {
                    o.rows.iter().find(|r| r.is_client).map(|r| cs::CompetitiveSummary {
                        strength_index: r.strength.score,
                        weaker_on: o.weaknesses.iter().map(|w| w.metric.clone()).collect(),
                    })
                }
                _ => None,
            },
            links: match queue::latest_output(&self.pool, TaskType::LinkBuilding, c.id, None).await? {
                Some((_, TaskOutput::LinkBuilding(o))) => Some(cs::LinkSummary {
                    orphan_pages: o.orphans_total,
                    broken_outbound: o.broken_links_total,
                    deep_pages: o.deep_pages_total,
                }),
                _ => None,
            },
        };
        let mut out = cs::run(&input);
        let mut usage = LlmUsage::default();
        out.narrative = self.narrate(cs::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
        Ok(Outcome { usage, ..Outcome::of(TaskOutput::Strategy(out)) })
    }

    async fn report(&self, task: &Claimed) -> Result<Outcome, Failure> {
        use agents::reporting as rp;
        let c = self.client(task).await?;
        let period_days = task.params.period_days.unwrap_or(30).clamp(1, crate::model::task::MAX_PERIOD_DAYS);
        let since = Utc::now() - ChronoDuration::days(i64::from(period_days));
        let campaign = match task.campaign_id {
            Some(id) => Some(store::campaigns::get(&self.pool, ClientScope::All, id).await?),
            None => None,
        };
        let (completed, failed, events): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM tasks WHERE client_id = $1 AND ($2::uuid IS NULL OR campaign_id = $2)
                        AND status = 'completed' AND finished_at > $3 AND id <> $4),
                    (SELECT count(*) FROM tasks WHERE client_id = $1 AND ($2::uuid IS NULL OR campaign_id = $2)
                        AND status = 'failed' AND finished_at > $3 AND id <> $4),
                    (SELECT count(*) FROM events WHERE client_id = $1 AND at > $3
                        AND ($2::uuid IS NULL OR target_id = $2::text))",
        )
        .bind(c.id)
        .bind(task.campaign_id)
        .bind(since)
        .bind(task.id)
        .fetch_one(&self.pool)
        .await
        .map_err(DomainError::from)?;
        let campaigns = store::campaigns::for_client(&self.pool, ClientScope::All, c.id).await?;
        let in_subject = |k: &&crate::model::Campaign| task.campaign_id.is_none_or(|id| id == k.id);
        let kpis = rp::Kpis {
            tasks_completed: u32::try_from(completed).unwrap_or(u32::MAX),
            tasks_failed: u32::try_from(failed).unwrap_or(u32::MAX),
            campaigns_active: campaigns.iter().filter(in_subject).filter(|k| k.status == CampaignStatus::Active).count()
                as u32,
            campaigns_completed: campaigns
                .iter()
                .filter(in_subject)
                .filter(|k| k.status == CampaignStatus::Completed)
                .count() as u32,
            monthly_value: c.monthly_value,
            events: u32::try_from(events).unwrap_or(u32::MAX),
        };
        let previous = match queue::latest_output(&self.pool, TaskType::Reporting, c.id, task.campaign_id).await? {
            Some((_, TaskOutput::Reporting(prev))) => Some(prev.current),
            _ => None,
        };
        let input = rp::Input {
            now: Utc::now(),
            subject: match campaign {
                Some(k) => rp::Subject::Campaign { company_name: c.company_name.clone(), campaign_name: k.name },
                None => rp::Subject::Client { company_name: c.company_name.clone() },
            },
            period_days,
            kpis,
            previous,
            audits: store::crawls::audit_summaries(&self.pool, c.id, 12).await?,
        };
        let mut out = rp::run(&input);
        let mut usage = LlmUsage::default();
        out.narrative = self.narrate(rp::llm_prompt(&input, &out), out.narrative.clone(), &mut usage).await;
        Ok(Outcome { usage, ..Outcome::of(TaskOutput::Reporting(out)) })
    }

    async fn plan_campaign(&self, task: &Claimed) -> Result<Outcome, Failure> {
        let id = task.campaign_id.ok_or_else(|| Failure::input("a campaign plan needs a campaign"))?;
        let campaign = store::campaigns::get(&self.pool, ClientScope::All, id).await?;
        let disabled = queue::disabled_agents(&self.pool).await?;
        let mut plan: CampaignPlan = agents::task_coordinator::plan(&agents::task_coordinator::Input {
            assigned: &campaign.agents,
            enabled: &|a| !disabled.contains(&a),
        });
        let mut follow_ups: Vec<Insert> = Vec::new();
        for step in plan.steps.iter_mut().filter(|s| s.skipped.is_none()) {
            let id = Uuid::new_v4();
            step.task_id = Some(id);
            let depends_on = step
                .after
                .iter()
                .filter_map(|t| follow_ups.iter().find(|f| f.task.task_type == *t).map(|f| f.id))
                .collect();
            follow_ups.push(Insert {
                id,
                task: NewTask {
                    task_type: step.task_type,
                    client_id: Some(campaign.client_id),
                    campaign_id: Some(campaign.id),
                    priority: crate::model::task::Priority::Normal,
                    params: Default::default(),
                },
                depends_on,
            });
        }
        Ok(Outcome { follow_ups, ..Outcome::of(TaskOutput::CampaignPlan(plan)) })
    }
}

/// Position along prospect -> qualified -> proposal -> negotiation -> won; lost and churned are not a
/// step forward.
fn forward_rank(s: Stage) -> u8 {
    match s {
        Stage::Prospect | Stage::Lost | Stage::Churned => 0,
        Stage::Qualified => 1,
        Stage::Proposal => 2,
        Stage::Negotiation => 3,
        Stage::Won => 4,
    }
}

fn enterprise_input(c: &Client) -> agents::business_development_director::Input {
    agents::business_development_director::Input {
        company_name: c.company_name.clone(),
        industry: c.industry,
        country: c.country.clone(),
        annual_revenue: c.annual_revenue,
        employee_count: c.employee_count,
    }
}

fn lead_input(c: &Client) -> agents::lead_qualification::Input {
    agents::lead_qualification::Input {
        company_name: c.company_name.clone(),
        industry: c.industry,
        country: c.country.clone(),
        annual_revenue: c.annual_revenue,
        employee_count: c.employee_count,
        stage: c.stage,
        lead: c.lead.clone(),
        audit: None,
    }
}

/// The lead input with the client's latest audit.
fn lead_input_with(c: &Client, audit: Option<agents::AuditSummary>) -> agents::lead_qualification::Input {
    agents::lead_qualification::Input { audit, ..lead_input(c) }
}
