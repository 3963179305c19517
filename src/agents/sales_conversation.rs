//! Sales conversation (task type `sales_conversation`): the next-step email or call script for a lead,
//! with talking points and objection answers picked by fixed rules from the lead's data and the site audit.
//! The text comes from a template; when an LLM is configured it only rewrites the prose of the draft (see
//! [`llm_prompt`]), keeping every fact and number.
//!
//! # Channel
//!
//! **Call** for a hot lead (tier from lead qualification): it is ready to talk about a proposal and a call
//! closes faster. **Email** for every other tier: warm and cold leads get something they can read and
//! forward at their own pace.
//!
//! # Talking points, in this order
//!
//! 1. When an audit exists: its figures ("the audit of 1 March 2026 found 12 critical issues, 40 warnings
//!    and 30 notices across 120 pages; health 64.0 of 100"), and, when it found critical issues, that those
//!    come first. No audit figures are ever quoted without an audit.
//! 2. One point per need theme the pain points name ([`NeedTheme`], found by
//!    [`super::lead_qualification::need_themes`]), from a fixed text per theme.
//! 3. Why search matters in the industry, from the business development director's propensity table,
//!    only when the industry's propensity is 10 or more of 15 (where search clearly pays; below that the
//!    table's words are not a selling point).
//! 4. When no theme matched: ask what the company most wants from search this year.
//!
//! # Objection answers: each rule adds one
//!
//! | rule | objection | why the threshold |
//! |---|---|---|
//! | known monthly budget below 1,500 | price | 1,500 is the SMB base monthly price in proposal generation ([`SMB_BASE_MONTHLY`]): below it even the smallest standard retainer is over budget |
//! | timeline undecided or unknown | timing | no date to work toward |
//! | authority below 20 of 25, or role unknown | approval by someone else | 20 is the director level in lead qualification; below it someone else signs |
//! | no site audit yet | "is SEO our problem?" → a free audit | nothing concrete to show yet |
//!
//! # Missing inputs
//!
//! `missing` names what the draft had to do without: "no site audit yet", a blank contact name (the
//! greeting then has no name), an unknown budget (the price rule can't be checked), an unknown timeline, a
//! blank decision maker's role, blank pain points.

use serde::{Deserialize, Serialize};

use super::business_development_director::{industry_points, thousands};
use super::lead_qualification::{self as lq, authority, need_themes, NeedTheme, Tier};
use super::proposal_generation::SMB_BASE_MONTHLY;
use super::{clamp, AuditSummary, Narrative};
use crate::model::client::{Industry, LeadProfile, Timeline};

/// Authority points below which a lead needs someone else's approval (the director level).
const APPROVAL_BELOW: f64 = 20.0;
/// Industry propensity (of 15) from which the industry itself is a talking point.
const INDUSTRY_POINT_FROM: f64 = 10.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub company_name: String,
    pub contact_name: String,
    pub industry: Industry,
    pub lead: LeadProfile,
    pub qualification: lq::Output,
    pub audit: Option<AuditSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Call,
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Call => "Call",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TalkingPoint {
    pub point: String,
    /// The input that made us pick it.
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectionAnswer {
    pub objection: String,
    pub answer: String,
    /// The rule that fired.
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub channel: Channel,
    pub subject: String,
    pub talking_points: Vec<TalkingPoint>,
    pub objections: Vec<ObjectionAnswer>,
    /// The email body or the call script.
    pub narrative: Narrative,
    pub missing: Vec<String>,
}

fn theme_point(theme: NeedTheme, company: &str) -> String {
    match theme {
        NeedTheme::Traffic => {
            "Organic traffic grows when pages can be crawled and answer real searches: we remove the \
                               technical blockers first, then improve the pages that already appear in search."
                .to_string()
        }
        NeedTheme::Ranking => format!(
            "Rankings follow relevance and site health: we map each search {company} should rank for to the one page \
             that should rank, and stop pages competing with each other."
        ),
        NeedTheme::Visibility => "To be seen in search, every important page must be indexable and linked from the \
                                  rest of the site; we check both and close the gaps."
            .to_string(),
        NeedTheme::Organic => "Organic search keeps bringing visits after the work is done, unlike paid clicks that \
                               stop when the budget does."
            .to_string(),
        NeedTheme::Conversion => "Traffic only matters if it turns into enquiries: we start with the pages closest to \
                                  a sale or a lead."
            .to_string(),
        NeedTheme::Technical => "Technical health comes first: slow responses, broken links and pages search engines \
                                 can't index hold back everything else."
            .to_string(),
        NeedTheme::Content => "A content plan built from the terms on your pages and the gaps against your \
                               competitors, with a dated publishing calendar."
            .to_string(),
        NeedTheme::Migration => "A migration is where sites lose rankings: we map every old URL to its new one with \
                                 redirects and compare crawls before and after launch."
            .to_string(),
        NeedTheme::Local => "Local search: the same name, address and phone everywhere, and a page for each location \
                             or service area."
            .to_string(),
        NeedTheme::Competitors => "A side-by-side comparison with your competitors: health score, pages, speed, \
                                   structured data and the topics they cover that you don't."
            .to_string(),
    }
}

fn audit_date(a: &AuditSummary) -> String {
    a.finished_at.format("%-d %B %Y").to_string()
}

fn talking_points(input: &Input, themes: &[NeedTheme]) -> Vec<TalkingPoint> {
    let mut points = Vec::new();
    if let Some(a) = &input.audit {
        let date = audit_date(a);
        points.push(TalkingPoint {
            point: format!(
                "The audit of {date} found {} critical issues, {} warnings and {} notices across {} pages; the site's \
                 health score is {:.1} of 100.",
                thousands(i64::from(a.critical_issues)),
                thousands(i64::from(a.warnings)),
                thousands(i64::from(a.notices)),
                thousands(i64::from(a.pages)),
                clamp(a.health_score, 0.0, 100.0)
            ),
            because: format!("the technical SEO audit finished on {date}"),
        });
        if a.critical_issues > 0 {
            points.push(TalkingPoint {
                point: format!(
                    "The {} critical issues come first: they are errors (broken pages and links, redirect loops, \
                     missing titles) that keep search engines from crawling or trusting those pages.",
                    thousands(i64::from(a.critical_issues))
                ),
                because: "the audit found error-level issues".to_string(),
            });
        }
    }
    for &theme in themes {
        points.push(TalkingPoint {
            point: theme_point(theme, &input.company_name),
            because: format!("the pain points mention {}", theme.label()),
        });
    }
    let (propensity, why) = industry_points(input.industry);
    if propensity >= INDUSTRY_POINT_FROM {
        points.push(TalkingPoint {
            point: format!("Why search matters in {}: {why}.", input.industry.label().to_lowercase()),
            because: format!("{} has SEO spend propensity {propensity} of 15", input.industry.label()),
        });
    }
    if themes.is_empty() {
        points.push(TalkingPoint {
            point: format!(
                "Ask what {} most wants from search this year, and what it would be worth.",
                input.company_name
            ),
            because: if input.lead.pain_points.trim().is_empty() {
                "no pain points are recorded".to_string()
            } else {
                "the pain points name none of the SEO needs we recognise".to_string()
            },
        });
    }
    points
}

fn objections(input: &Input) -> Vec<ObjectionAnswer> {
    let mut out = Vec::new();
    let lead = &input.lead;
    if let Some(budget) = lead.budget.filter(|b| *b < SMB_BASE_MONTHLY) {
        out.push(ObjectionAnswer {
            objection: "It's more than we budgeted.".to_string(),
            answer: "Start with the Essentials package: the critical technical fixes first at a lower monthly price, \
                     and widen the scope once the monthly crawl report shows results."
                .to_string(),
            because: format!(
                "the stated monthly budget {} is below {}, the base monthly price for an SMB",
                thousands(budget),
                thousands(SMB_BASE_MONTHLY)
            ),
        });
    }
    if matches!(lead.timeline, None | Some(Timeline::Undecided)) {
        out.push(ObjectionAnswer {
            objection: "Now isn't the right time.".to_string(),
            answer: "Starting small costs little: a technical audit and a fix plan in the first month, and you decide \
                     on the rest with the findings in hand. Issues left in place keep costing visits every month."
                .to_string(),
            because: if lead.timeline.is_none() {
                "no timeline is recorded".to_string()
            } else {
                "the timeline is undecided".to_string()
            },
        });
    }
    let role = lead.decision_maker_role.trim();
    let approval = match authority(role) {
        None => Some("the decision maker's role is unknown".to_string()),
        Some((points, _)) if points < APPROVAL_BELOW => {
            Some(format!("the role {role:?} scores {points} of 25 for authority, below 20 (director level)"))
        }
        Some(_) => None,
    };
    if let Some(because) = approval {
        out.push(ObjectionAnswer {
            objection: "I need to run this past my manager.".to_string(),
            answer:
                "Let's set up 30 minutes with whoever signs off; we'll send a one-page summary of the findings and \
                     the proposal beforehand."
                    .to_string(),
            because,
        });
    }
    if input.audit.is_none() {
        out.push(ObjectionAnswer {
            objection: "We're not sure SEO is our problem.".to_string(),
            answer: format!(
                "We'll run a free technical audit of {}'s site and walk you through the findings before you commit \
                 to anything.",
                input.company_name
            ),
            because: "no site audit has run yet".to_string(),
        });
    }
    out
}

fn subject(input: &Input, channel: Channel, themes: &[NeedTheme]) -> String {
    let company = &input.company_name;
    match channel {
        Channel::Call => {
            let who = input.contact_name.trim();
            let who = if who.is_empty() { "the decision maker" } else { who };
            let topic = themes.first().map_or("next steps", |t| t.label());
            format!("Call with {who} at {company}: {topic}")
        }
        Channel::Email => match &input.audit {
            Some(a) if a.critical_issues > 0 => {
                format!(
                    "{company}: {} critical SEO issues and how to fix them",
                    thousands(i64::from(a.critical_issues))
                )
            }
            _ => match themes {
                [] => format!("{company}: next steps in search"),
                [one] => format!("{company}: ideas on {}", one.label()),
                [one, two, ..] => format!("{company}: ideas on {} and {}", one.label(), two.label()),
            },
        },
    }
}

fn email(input: &Input, points: &[TalkingPoint], objections: &[ObjectionAnswer]) -> String {
    let contact = input.contact_name.trim();
    let mut text = if contact.is_empty() { "Hello,\n\n".to_string() } else { format!("Hello {contact},\n\n") };
    text.push_str(&format!("Thank you for telling us about {}'s goals in search. ", input.company_name));
    text.push_str(if input.audit.is_some() {
        "We went through the audit of your site, and this is where we would start:\n\n"
    } else {
        "This is where we would start:\n\n"
    });
    for p in points {
        text.push_str(&format!("- {}\n", p.point));
    }
    if !objections.is_empty() {
        text.push_str("\nA few things people in your position often ask:\n\n");
        for o in objections {
            text.push_str(&format!("- \"{}\" {}\n", o.objection, o.answer));
        }
    }
    text.push_str(
        "\nWould a 30-minute call next week suit you? Reply with a time that works and we'll send an invitation.\n\n\
         Best regards",
    );
    text
}

fn call_script(input: &Input, points: &[TalkingPoint], objections: &[ObjectionAnswer]) -> String {
    let contact = input.contact_name.trim();
    let who = if contact.is_empty() { "the decision maker" } else { contact };
    let q = &input.qualification;
    let mut text = format!(
        "Call script: {who} at {} ({} lead, score {} of 100)\n\n1. Opening: introduce yourself, confirm {who} has 15 \
         minutes, and say you are calling about {}'s search goals.\n\n2. Talking points:\n",
        input.company_name,
        q.tier.label().to_lowercase(),
        q.breakdown.score,
        input.company_name
    );
    for p in points {
        text.push_str(&format!("   - {}\n", p.point));
    }
    text.push_str("\n3. If you hear:\n");
    if objections.is_empty() {
        text.push_str("   - (no objection expected from what we know)\n");
    }
    for o in objections {
        text.push_str(&format!("   - \"{}\" Answer: {}\n", o.objection, o.answer));
    }
    text.push_str(
        "\n4. Close: agree the next step, a proposal within two business days priced from what you heard on this \
         call, and book the follow-up in the calendar before hanging up.",
    );
    text
}

pub fn run(input: &Input) -> Output {
    let themes = need_themes(&input.lead.pain_points);
    let channel = if input.qualification.tier == Tier::Hot { Channel::Call } else { Channel::Email };
    let talking_points = talking_points(input, &themes);
    let objections = objections(input);
    let text = match channel {
        Channel::Email => email(input, &talking_points, &objections),
        Channel::Call => call_script(input, &talking_points, &objections),
    };

    let mut missing = Vec::new();
    if input.audit.is_none() {
        missing.push("no site audit yet".to_string());
    }
    if input.contact_name.trim().is_empty() {
        missing.push("contact name".to_string());
    }
    if input.lead.budget.is_none() {
        missing.push("budget".to_string());
    }
    if input.lead.timeline.is_none() {
        missing.push("timeline".to_string());
    }
    if input.lead.decision_maker_role.trim().is_empty() {
        missing.push("decision maker's role".to_string());
    }
    if input.lead.pain_points.trim().is_empty() {
        missing.push("pain points".to_string());
    }

    Output {
        channel,
        subject: subject(input, channel, &themes),
        talking_points,
        objections,
        narrative: Narrative::template(text),
        missing,
    }
}

/// The prompt that asks an LLM to rewrite the draft's prose: the facts it must keep, then the draft.
pub fn llm_prompt(input: &Input, output: &Output) -> String {
    let contact = input.contact_name.trim();
    let what = match output.channel {
        Channel::Email => "email",
        Channel::Call => "call script (keep its numbered steps)",
    };
    let mut p = format!(
        "Rewrite this {what} for {} at {} in clear, friendly, professional prose. Keep every fact, name and number \
         listed below exactly as given. Add no facts, figures, prices, percentages, guarantees or promises that are \
         not in the draft.",
        if contact.is_empty() { "the decision maker" } else { contact },
        input.company_name
    );
    if input.audit.is_none() {
        p.push_str(" No site audit has run yet: don't mention audit findings or figures.");
    }
    p.push_str("\n\nFacts:\n");
    p.push_str(&format!("- Company: {}\n", input.company_name));
    if !contact.is_empty() {
        p.push_str(&format!("- Contact: {contact}\n"));
    }
    p.push_str(&format!("- Industry: {}\n", input.industry.label()));
    p.push_str(&format!("- Subject: {}\n", output.subject));
    for t in &output.talking_points {
        p.push_str(&format!("- Talking point: {}\n", t.point));
    }
    for o in &output.objections {
        p.push_str(&format!("- Objection \"{}\", answer: {}\n", o.objection, o.answer));
    }
    p.push_str("\nDraft:\n");
    p.push_str(&output.narrative.text);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::NarrativeSource;
    use crate::model::client::Stage;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn audit() -> AuditSummary {
        AuditSummary {
            health_score: 64.0,
            pages: 120,
            critical_issues: 12,
            warnings: 40,
            notices: 30,
            finished_at: chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        }
    }

    fn lead(budget: Option<i64>, timeline: Option<Timeline>, role: &str, pains: &str) -> LeadProfile {
        LeadProfile {
            budget,
            timeline,
            decision_maker_role: role.into(),
            pain_points: pains.into(),
            source: "referral".into(),
        }
    }

    fn input(lead: LeadProfile, audit: Option<AuditSummary>) -> Input {
        let qualification = lq::run(&lq::Input {
            company_name: "Acme Shoes".into(),
            industry: Industry::Ecommerce,
            country: "GB".into(),
            annual_revenue: Some(20_000_000),
            employee_count: Some(150),
            stage: Stage::Prospect,
            lead: lead.clone(),
            audit: audit.clone(),
        });
        Input {
            company_name: "Acme Shoes".into(),
            contact_name: "Maria Lopez".into(),
            industry: Industry::Ecommerce,
            lead,
            qualification,
            audit,
        }
    }

    fn objection_rules(out: &Output) -> Vec<&str> {
        out.objections
            .iter()
            .map(|o| match o.objection.as_str() {
                "It's more than we budgeted." => "price",
                "Now isn't the right time." => "timing",
                "I need to run this past my manager." => "approval",
                "We're not sure SEO is our problem." => "free audit",
                _ => "other",
            })
            .collect()
    }

    #[test]
    fn a_hot_lead_gets_a_call_script_naming_contact_and_company() {
        let i = input(lead(Some(12_000), Some(Timeline::Immediate), "CMO", "rankings dropped"), Some(audit()));
        assert_eq!(i.qualification.tier, Tier::Hot);
        let out = run(&i);
        assert_eq!(out.channel, Channel::Call);
        assert_eq!(out.subject, "Call with Maria Lopez at Acme Shoes: rankings");
        assert!(out.narrative.text.contains("Maria Lopez"));
        assert!(out.narrative.text.contains("Acme Shoes"));
        assert_eq!(out.narrative.source, NarrativeSource::Template);
        // budget 12,000 >= 1,500; immediate; CMO 25 >= 20; audit exists
        assert!(out.objections.is_empty());
        assert!(out.missing.is_empty());
    }

    #[test]
    fn a_warm_lead_gets_an_email_quoting_the_audit() {
        let i =
            input(lead(Some(2_000), Some(Timeline::WithinHalfYear), "Marketing Manager", "slow site"), Some(audit()));
        assert_ne!(i.qualification.tier, Tier::Hot);
        let out = run(&i);
        assert_eq!(out.channel, Channel::Email);
        assert_eq!(out.subject, "Acme Shoes: 12 critical SEO issues and how to fix them");
        assert!(out.narrative.text.starts_with("Hello Maria Lopez,"));
        assert!(out.narrative.text.contains("Acme Shoes"));
        let first = &out.talking_points[0];
        assert_eq!(
            first.point,
            "The audit of 1 March 2026 found 12 critical issues, 40 warnings and 30 notices across 120 pages; the \
             site's health score is 64.0 of 100."
        );
        assert!(out.talking_points[1].point.starts_with("The 12 critical issues come first"));
        assert!(out.talking_points.iter().any(|t| t.because == "the pain points mention technical health and speed"));
        // e-commerce propensity 15 >= 10: the industry is a point
        assert!(out.talking_points.iter().any(|t| t.point.starts_with("Why search matters in e-commerce")));
        // manager 12 < 20 → approval; nothing else
        assert_eq!(objection_rules(&out), ["approval"]);
    }

    #[test]
    fn without_an_audit_no_audit_figures_are_quoted_and_a_free_audit_is_offered() {
        let i = input(lead(Some(3_000), Some(Timeline::WithinQuarter), "Head of Growth", "traffic"), None);
        let out = run(&i);
        assert!(!out.narrative.text.contains("critical"));
        assert!(!out.narrative.text.contains("health score"));
        assert!(out.talking_points.iter().all(|t| !t.point.contains("audit")));
        assert_eq!(objection_rules(&out), ["free audit"]);
        assert_eq!(out.missing, ["no site audit yet"]);
        assert_eq!(out.subject, "Acme Shoes: ideas on traffic");
        assert!(llm_prompt(&i, &out).contains("No site audit has run yet"));
    }

    #[test]
    fn objection_rules_fire_on_their_thresholds() {
        let rules = |budget, timeline, role: &str| {
            let out = run(&input(lead(budget, timeline, role, "content"), Some(audit())));
            objection_rules(&out).into_iter().map(String::from).collect::<Vec<_>>()
        };
        // 1,499 < 1,500 → price; 1,500 is not below
        assert_eq!(rules(Some(1_499), Some(Timeline::Immediate), "CEO"), ["price"]);
        assert!(rules(Some(1_500), Some(Timeline::Immediate), "CEO").is_empty());
        // unknown budget: the price rule can't fire
        assert!(rules(None, Some(Timeline::Immediate), "CEO").is_empty());
        assert_eq!(rules(Some(5_000), Some(Timeline::Undecided), "CEO"), ["timing"]);
        assert_eq!(rules(Some(5_000), None, "CEO"), ["timing"]);
        // director 20 is not below 20; manager 12 and unknown are
        assert!(rules(Some(5_000), Some(Timeline::WithinYear), "Director of Marketing").is_empty());
        assert_eq!(rules(Some(5_000), Some(Timeline::WithinYear), ""), ["approval"]);
        assert_eq!(rules(Some(100), None, "intern"), ["price", "timing", "approval"]);
    }

    #[test]
    fn nothing_known_still_gives_a_draft_and_says_what_is_missing() {
        let mut i = input(LeadProfile::default(), None);
        i.contact_name = "  ".into();
        let out = run(&i);
        assert_eq!(out.channel, Channel::Email);
        assert!(out.narrative.text.starts_with("Hello,\n"));
        assert_eq!(
            out.missing,
            ["no site audit yet", "contact name", "budget", "timeline", "decision maker's role", "pain points"]
        );
        assert!(out.talking_points.iter().any(|t| t.because == "no pain points are recorded"));
        assert_eq!(objection_rules(&out), ["timing", "approval", "free audit"]);
    }

    #[test]
    fn the_llm_prompt_carries_every_fact_and_the_draft() {
        let i = input(lead(Some(800), None, "SEO specialist", "migration next month"), Some(audit()));
        let out = run(&i);
        let prompt = llm_prompt(&i, &out);
        assert!(prompt.contains("Maria Lopez"));
        assert!(prompt.contains("- Company: Acme Shoes"));
        assert!(prompt.contains("12 critical issues, 40 warnings and 30 notices across 120 pages"));
        for o in &out.objections {
            assert!(prompt.contains(&o.answer));
        }
        assert!(prompt.ends_with(&out.narrative.text));
    }

    proptest! {
        #[test]
        fn rules_hold_and_nothing_panics_on_any_input(
            budget in proptest::option::of(any::<i64>()),
            timeline in proptest::option::of(prop::sample::select(Timeline::ALL.to_vec())),
            role in any::<String>(),
            pains in any::<String>(),
            contact in any::<String>(),
            with_audit in any::<bool>(),
        ) {
            let mut i = input(lead(budget, timeline, &role, &pains), with_audit.then(audit));
            i.contact_name = contact.clone();
            let out = run(&i);
            let rules = objection_rules(&out);
            prop_assert_eq!(rules.contains(&"price"), budget.is_some_and(|b| b < 1_500));
            prop_assert_eq!(rules.contains(&"timing"), matches!(timeline, None | Some(Timeline::Undecided)));
            prop_assert_eq!(rules.contains(&"free audit"), !with_audit);
            prop_assert_eq!(out.channel == Channel::Call, i.qualification.tier == Tier::Hot);
            prop_assert!(out.narrative.text.contains("Acme Shoes"));
            prop_assert!(out.narrative.text.contains(contact.trim()));
            prop_assert_eq!(out.narrative.text.contains("critical issues"), with_audit);
            prop_assert_eq!(run(&i), out);
        }
    }
}
