//! The client success manager's reply draft (task type `message_reply`): when a client's person writes from
//! the portal, a draft answer for their account manager to edit and send. It is never sent by itself.
//!
//! # Topics
//!
//! The message is lower-cased and split into words (letters and digits); a topic is found when one of its
//! words, or a word starting with one of its stems, is among them. Each topic found adds one paragraph, in
//! this order, from the facts below; nothing is quoted that the input doesn't hold.
//!
//! | topic | words (stems end in `*`) | paragraph |
//! |---|---|---|
//! | report | report*, pdf, month*, summary | where the latest report is in the portal, and its period |
//! | audit | audit*, health, score*, error*, issue*, crawl*, broken, fix* | the latest audit: date, health, pages, critical issues; the change since the audit before |
//! | rankings | rank*, traffic, visibility, google, position*, keyword* | the health score is what the audits measure; rankings and traffic are for the call |
//! | campaign | campaign*, progress, plan*, roadmap, timeline, deadline* | each open campaign (draft, active or paused) with its status and tasks done of planned |
//! | billing | invoice*, price*, pricing, cost*, budget*, bill*, pay*, contract* | the account manager answers money questions personally (the draft quotes no figures) |
//! | meeting | call, meet*, talk, discuss*, zoom, schedule* | an offer to set up a call |
//!
//! With no topic found, one paragraph says the message was read and what happens next. Every draft opens
//! with a greeting (the writer's first name) and thanks, and closes with the manager's name (or the
//! agency's when the client has no manager).
//!
//! # Missing inputs
//!
//! `missing` names what a paragraph had to do without: no audit yet (the audit topic then says an audit
//! will be run), no open campaign, no manager.

use serde::{Deserialize, Serialize};

use crate::agents::{AuditSummary, Narrative};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub company_name: String,
    pub agency_name: String,
    /// The person who wrote.
    pub writer_name: String,
    /// The client's account manager, when it has one.
    pub manager_name: Option<String>,
    /// The message the draft answers.
    pub message: String,
    /// The latest completed audits, oldest first (the last two are used).
    pub audits: Vec<AuditSummary>,
    /// The client's campaigns: (name, status, tasks done, tasks planned).
    pub campaigns: Vec<(String, String, i64, i64)>,
    /// The last whole month's label, e.g. "November 2026": the report the portal shows first.
    pub report_period: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Report,
    Audit,
    Rankings,
    Campaign,
    Billing,
    Meeting,
}

impl Topic {
    pub const ALL: [Topic; 6] =
        [Topic::Report, Topic::Audit, Topic::Rankings, Topic::Campaign, Topic::Billing, Topic::Meeting];

    pub fn label(self) -> &'static str {
        match self {
            Topic::Report => "Report",
            Topic::Audit => "Site audit",
            Topic::Rankings => "Rankings and traffic",
            Topic::Campaign => "Campaign progress",
            Topic::Billing => "Billing",
            Topic::Meeting => "Meeting",
        }
    }

    /// Whole words, and stems (ending in `*`) that match any word starting with them.
    fn words(self) -> &'static [&'static str] {
        match self {
            Topic::Report => &["report*", "pdf", "month*", "summary"],
            Topic::Audit => &["audit*", "health", "score*", "error*", "issue*", "crawl*", "broken", "fix*"],
            Topic::Rankings => &["rank*", "traffic", "visibility", "google", "position*", "keyword*"],
            Topic::Campaign => &["campaign*", "progress", "plan*", "roadmap", "timeline", "deadline*"],
            Topic::Billing => &["invoice*", "price*", "pricing", "cost*", "budget*", "bill*", "pay*", "contract*"],
            Topic::Meeting => &["call", "meet*", "talk", "discuss*", "zoom", "schedule*"],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The topics found, in the table's order, each with the word of the message that matched.
    pub topics: Vec<(Topic, String)>,
    /// The draft: greeting, one paragraph per topic, closing.
    pub narrative: Narrative,
    pub missing: Vec<String>,
}

/// The topics of `message`, each with the first word that matched it.
pub fn topics(message: &str) -> Vec<(Topic, String)> {
    let lower = message.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    Topic::ALL
        .into_iter()
        .filter_map(|t| {
            words
                .iter()
                .find(|w| {
                    t.words().iter().any(|k| match k.strip_suffix('*') {
                        Some(stem) => w.starts_with(stem),
                        None => **w == *k,
                    })
                })
                .map(|w| (t, (*w).to_string()))
        })
        .collect()
}

/// The writer's first name: the first word of their name, or none.
fn first_name(name: &str) -> Option<&str> {
    name.split_whitespace().next()
}

pub fn run(input: &Input) -> Output {
    let found = topics(&input.message);
    let mut missing = Vec::new();
    let mut paragraphs = Vec::new();
    paragraphs.push(match first_name(&input.writer_name) {
        Some(n) => format!("Hello {n},\n\nthank you for your message."),
        None => "Hello,\n\nthank you for your message.".to_string(),
    });
    let latest = input.audits.last();
    let before = input.audits.len().checked_sub(2).and_then(|i| input.audits.get(i));
    let open: Vec<&(String, String, i64, i64)> =
        input.campaigns.iter().filter(|(_, s, _, _)| matches!(s.as_str(), "draft" | "active" | "paused")).collect();
    for (topic, _) in &found {
        paragraphs.push(match topic {
            Topic::Report => format!(
                "Your report for {} is in the portal under Report, where you can also download it as a PDF or choose \
                 another month or quarter.",
                input.report_period
            ),
            Topic::Audit => match latest {
                None => {
                    missing.push("no site audit yet".to_string());
                    format!("No audit of {}'s site has finished yet; we will run one and share the results.", input.company_name)
                }
                Some(a) => {
                    let mut p = format!(
                        "The latest audit of your site, on {}, gave a health score of {:.1} of 100 across {} pages, with {} critical issues.",
                        a.finished_at.format("%-d %B %Y"),
                        a.health_score,
                        a.pages,
                        a.critical_issues
                    );
                    if let Some(b) = before {
                        let change = a.health_score - b.health_score;
                        p.push_str(&format!(
                            " That is {} points {} the audit of {}.",
                            format_args!("{:.1}", change.abs()),
                            if change >= 0.0 { "above" } else { "below" },
                            b.finished_at.format("%-d %B %Y")
                        ));
                    }
                    if a.critical_issues > 0 {
                        p.push_str(" The critical issues come first in our work.");
                    }
                    p
                }
            },
            Topic::Rankings => "The health score measures what our audits check on your site; rankings and \
                traffic depend on more than that, and I would like to go through them with you on a call."
                .to_string(),
            Topic::Campaign => {
                if open.is_empty() {
                    missing.push("no open campaign".to_string());
                    "There is no open campaign at the moment; I will come back to you with a proposal for the next one."
                        .to_string()
                } else {
                    let lines: Vec<String> = open
                        .iter()
                        .map(|(name, status, done, planned)| match planned {
                            0 => format!("{name} ({status}): no tasks planned yet"),
                            _ => format!("{name} ({status}): {done} of {planned} planned tasks done"),
                        })
                        .collect();
                    format!("Where your campaigns stand: {}.", lines.join("; "))
                }
            }
            Topic::Billing => "I will answer your question about invoices and prices myself, personally, shortly."
                .to_string(),
            Topic::Meeting => "I would be glad to talk: tell me two or three times that suit you this week or next \
                and I will send an invitation."
                .to_string(),
        });
    }
    if found.is_empty() {
        paragraphs.push("I have read it and will come back to you shortly with an answer.".to_string());
    }
    let signature = match &input.manager_name {
        Some(m) => format!("Best regards,\n{m}\n{}", input.agency_name),
        None => {
            missing.push("no account manager".to_string());
            format!("Best regards,\n{}", input.agency_name)
        }
    };
    paragraphs.push(signature);
    Output { topics: found, narrative: Narrative::template(paragraphs.join("\n\n")), missing }
}

/// The prompt that asks an LLM to rewrite the draft's prose: the facts it must keep, then the draft.
pub fn llm_prompt(input: &Input, output: &Output) -> String {
    format!(
        "Rewrite this reply from {}'s account manager to {} at {}. Keep every fact, name, date and number exactly; \
         answer only what the client asked; quote no prices.\n\nThe client wrote:\n{}\n\nDraft:\n{}",
        input.agency_name, input.writer_name, input.company_name, input.message, output.narrative.text
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn audit(day: u32, health: f64, critical: u32) -> AuditSummary {
        AuditSummary {
            health_score: health,
            pages: 120,
            critical_issues: critical,
            warnings: 4,
            notices: 2,
            finished_at: chrono::Utc.with_ymd_and_hms(2026, 11, day, 6, 0, 0).unwrap(),
        }
    }

    fn input(message: &str) -> Input {
        Input {
            company_name: "Acme".into(),
            agency_name: "Northwind SEO".into(),
            writer_name: "Dana Client".into(),
            manager_name: Some("Mia Manager".into()),
            message: message.into(),
            audits: vec![audit(2, 60.0, 5), audit(20, 71.5, 3)],
            campaigns: vec![
                ("Spring push".into(), "active".into(), 3, 7),
                ("Old".into(), "completed".into(), 5, 5),
                ("Autumn".into(), "draft".into(), 0, 0),
            ],
            report_period: "November 2026".into(),
        }
    }

    #[test]
    fn topics_match_words_and_stems_in_the_tables_order() {
        let t = topics("Can we schedule a CALL about the reports? Our rankings dropped; the invoice too.");
        let kinds: Vec<Topic> = t.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, vec![Topic::Report, Topic::Rankings, Topic::Billing, Topic::Meeting]);
        assert_eq!(t[0].1, "reports");
        assert!(topics("hello there").is_empty());
        // A stem matches the start of a word only: "prank" is not about rankings.
        assert!(topics("what a prank").is_empty());
    }

    #[test]
    fn an_audit_question_quotes_the_latest_audit_and_its_change() {
        let out = run(&input("Why did the health score change?"));
        let text = &out.narrative.text;
        assert!(text.starts_with("Hello Dana,"), "{text}");
        assert!(
            text.contains(
                "on 20 November 2026, gave a health score of 71.5 of 100 across 120 pages, with 3 critical issues"
            ),
            "{text}"
        );
        assert!(text.contains("That is 11.5 points above the audit of 2 November 2026."), "{text}");
        assert!(text.ends_with("Best regards,\nMia Manager\nNorthwind SEO"), "{text}");
        assert!(out.missing.is_empty());
    }

    #[test]
    fn campaign_progress_lists_open_campaigns_only_and_billing_quotes_no_figures() {
        let out = run(&input("How is the campaign going, and what will the next invoice cost?"));
        let text = &out.narrative.text;
        assert!(
            text.contains("Spring push (active): 3 of 7 planned tasks done; Autumn (draft): no tasks planned yet."),
            "{text}"
        );
        assert!(!text.contains("Old"), "{text}");
        assert!(text.contains("invoices and prices myself"), "{text}");
        assert!(!text.chars().any(|c| c == '€' || c == '$'));
    }

    #[test]
    fn missing_facts_are_named_and_never_invented() {
        let mut i = input("Any audit results? And the campaign?");
        i.audits.clear();
        i.campaigns.clear();
        i.manager_name = None;
        let out = run(&i);
        assert_eq!(out.missing, vec!["no site audit yet", "no open campaign", "no account manager"]);
        assert!(out.narrative.text.contains("No audit of Acme's site has finished yet"));
        assert!(out.narrative.text.ends_with("Best regards,\nNorthwind SEO"));
    }

    #[test]
    fn a_message_without_a_topic_gets_an_acknowledgement_and_the_same_input_the_same_draft() {
        let out = run(&input("Hi!"));
        assert!(out.topics.is_empty());
        assert!(out.narrative.text.contains("I have read it and will come back to you shortly"));
        assert_eq!(run(&input("Hi!")), out);
    }
}
