//! Tests of the audit checks: one or two per check (it fires, and it stays quiet where it should), the
//! score and the comparison, and property tests that run random crawls through the streaming [`Auditor`]
//! and compare it with the batch oracle in `reference`.

mod reference;

use super::*;
use crate::crawl::{CrawledPage, Image, Link, PageFacts};
use proptest::prelude::*;
use Category::{Content, Crawlability, Links, OnPage, Performance, Security};
use Severity::{Error, Notice, Warning};

const HOME: &str = "https://example.com/";

/// A page no check objects to: unique title and description, self canonical, one H1, enough words,
/// JSON-LD, security headers, small and fast.
fn page(url: &str) -> CrawledPage {
    CrawledPage {
        url: url.to_string(),
        final_url: url.to_string(),
        status: 200,
        depth: 1,
        ttfb_ms: 100,
        bytes: 10_000,
        content_type: Some("text/html".to_string()),
        hsts: true,
        csp: true,
        facts: Some(PageFacts {
            title: Some(format!("Title of {url}")),
            meta_description: Some(format!("Description of {url} {}", "x".repeat(70))),
            canonical: Some(url.to_string()),
            h1: vec!["Heading".to_string()],
            word_count: 300,
            json_ld_types: vec!["Organization".to_string()],
            content_hash: format!("hash of {url}"),
            ..PageFacts::default()
        }),
        ..CrawledPage::default()
    }
}

fn facts(p: &mut CrawledPage) -> &mut PageFacts {
    p.facts.get_or_insert_with(PageFacts::default)
}

fn link(url: &str, anchor: &str) -> Link {
    Link { url: url.to_string(), anchor: anchor.to_string(), nofollow: false }
}

fn site() -> SiteFacts {
    SiteFacts { start_url: HOME.to_string(), robots_txt_found: true, sitemap_found: true, image_sizes: vec![] }
}

fn audit(pages: &[CrawledPage]) -> Vec<Issue> {
    run(pages, &site(), &Thresholds::default())
}

fn flagged(issues: &[Issue], check: &str) -> Vec<String> {
    issues.iter().filter(|i| i.check == check).map(|i| i.url.clone()).collect()
}

fn only(pages: &[CrawledPage], check: &str) -> Vec<String> {
    flagged(&audit(pages), check)
}

fn err(check: &str, url: &str, category: Category) -> Issue {
    Issue { check: check.to_string(), severity: Error, category, url: url.to_string(), detail: String::new() }
}

#[test]
fn catalogue_is_sorted_unique_and_complete() {
    let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert_eq!(ids.len(), 34);
}

#[test]
fn clean_site_has_no_issues() {
    let mut home = page(HOME);
    facts(&mut home).links = vec![link("https://example.com/a", "About us")];
    assert_eq!(audit(&[home, page("https://example.com/a")]), vec![]);
}

#[test]
fn http_4xx_and_5xx_flag_error_answers() {
    let mut a = page("https://example.com/a");
    a.status = 404;
    let mut b = page("https://example.com/b");
    b.status = 503;
    let issues = audit(&[a, b]);
    assert_eq!(flagged(&issues, "http_4xx"), vec!["https://example.com/a"]);
    assert_eq!(flagged(&issues, "http_5xx"), vec!["https://example.com/b"]);
}

#[test]
fn http_status_checks_ignore_200_and_external_pages() {
    let mut ext = page("https://other.org/x");
    ext.status = 404;
    let issues = audit(&[page(HOME), ext]);
    assert!(flagged(&issues, "http_4xx").is_empty() && flagged(&issues, "http_5xx").is_empty());
}

#[test]
fn broken_internal_link_names_target_and_status() {
    let mut home = page(HOME);
    facts(&mut home).links = vec![link("https://example.com/gone/", "Gone"), link("https://example.com/gone", "x")];
    let mut gone = page("https://example.com/gone");
    gone.status = 410;
    let issues: Vec<Issue> = audit(&[home, gone]).into_iter().filter(|i| i.check == "broken_internal_link").collect();
    assert_eq!(issues.len(), 2);
    assert!(issues.iter().all(|i| i.url == HOME && i.detail.contains("410")));
}

#[test]
fn broken_internal_link_ignores_working_and_uncrawled_targets() {
    let mut home = page(HOME);
    facts(&mut home).links =
        vec![link("https://example.com/a", "About"), link("https://example.com/not-crawled", "Somewhere")];
    assert!(only(&[home, page("https://example.com/a")], "broken_internal_link").is_empty());
}

#[test]
fn redirect_chain_flags_two_hops() {
    let mut p = page("http://example.com/a");
    p.final_url = "https://example.com/a/".to_string();
    p.redirect_chain = vec![("http://example.com/a".into(), 301), ("https://example.com/a".into(), 301)];
    assert_eq!(only(&[p], "redirect_chain"), vec!["http://example.com/a"]);
}

#[test]
fn redirect_chain_allows_one_hop_and_trailing_slash_is_no_loop() {
    let mut p = page("https://example.com/a");
    p.final_url = "https://example.com/a/".to_string();
    p.redirect_chain = vec![("https://example.com/a".into(), 301)];
    let issues = audit(&[p]);
    assert!(flagged(&issues, "redirect_chain").is_empty());
    assert!(flagged(&issues, "redirect_loop").is_empty());
}

#[test]
fn redirect_loop_flags_revisited_url() {
    let mut p = page("https://example.com/a");
    p.status = 301;
    p.facts = None;
    p.final_url = "https://example.com/a".to_string();
    p.redirect_chain = vec![("https://example.com/a".into(), 301), ("https://example.com/b".into(), 301)];
    assert_eq!(only(&[p], "redirect_loop"), vec!["https://example.com/a"]);
}

#[test]
fn title_missing_flags_absent_or_blank_title() {
    let mut a = page("https://example.com/a");
    facts(&mut a).title = None;
    let mut b = page("https://example.com/b");
    facts(&mut b).title = Some("  ".into());
    assert_eq!(only(&[a, b], "title_missing").len(), 2);
}

#[test]
fn title_missing_ignores_error_pages() {
    let mut a = page("https://example.com/a");
    a.status = 404;
    facts(&mut a).title = None;
    assert!(only(&[a], "title_missing").is_empty());
}

#[test]
fn title_duplicate_flags_every_page_of_the_group() {
    let mut a = page("https://example.com/a");
    let mut b = page("https://example.com/b");
    facts(&mut a).title = Some("Same title for both pages".into());
    facts(&mut b).title = Some("Same title for both pages".into());
    let issues = audit(&[a, b]);
    assert_eq!(flagged(&issues, "title_duplicate").len(), 2);
    assert!(issues.iter().any(|i| i.detail.contains("1 other")));
}

#[test]
fn title_duplicate_ignores_noindex_and_canonicalised_pages() {
    let mut a = page("https://example.com/a");
    let mut b = page("https://example.com/b");
    let mut c = page("https://example.com/c");
    for p in [&mut a, &mut b, &mut c] {
        facts(p).title = Some("Same title for all pages".into());
    }
    facts(&mut b).meta_robots = Some("noindex, follow".into());
    facts(&mut c).canonical = Some("https://example.com/a".into());
    assert!(only(&[a, b, c], "title_duplicate").is_empty());
}

#[test]
fn title_length_counts_characters() {
    let mut a = page("https://example.com/a");
    facts(&mut a).title = Some("Short".into());
    let mut b = page("https://example.com/b");
    facts(&mut b).title = Some("x".repeat(61));
    assert_eq!(only(&[a, b], "title_length").len(), 2);
}

#[test]
fn title_length_accepts_cyrillic_within_limits() {
    let mut a = page("https://example.com/a");
    // 30 characters but 60 bytes: counted as characters.
    facts(&mut a).title = Some("ж".repeat(30));
    assert!(only(&[a], "title_length").is_empty());
}

#[test]
fn meta_description_missing_flags_absent_description() {
    let mut a = page("https://example.com/a");
    facts(&mut a).meta_description = None;
    assert_eq!(only(&[a], "meta_description_missing"), vec!["https://example.com/a"]);
}

#[test]
fn meta_description_missing_ignores_present_description() {
    assert!(only(&[page("https://example.com/a")], "meta_description_missing").is_empty());
}

#[test]
fn meta_description_duplicate_flags_shared_description() {
    let mut a = page("https://example.com/a");
    let mut b = page("https://example.com/b");
    let d = "d".repeat(100);
    facts(&mut a).meta_description = Some(d.clone());
    facts(&mut b).meta_description = Some(d);
    assert_eq!(only(&[a, b], "meta_description_duplicate").len(), 2);
}

#[test]
fn meta_description_duplicate_ignores_redirect_to_same_page() {
    let a = page("https://example.com/a");
    let mut old = page("https://example.com/old");
    old.final_url = "https://example.com/a".to_string();
    old.redirect_chain = vec![("https://example.com/old".into(), 301)];
    old.facts = a.facts.clone();
    assert!(only(&[a, old], "meta_description_duplicate").is_empty());
}

#[test]
fn meta_description_length_flags_short_and_long() {
    let mut a = page("https://example.com/a");
    facts(&mut a).meta_description = Some("too short".into());
    let mut b = page("https://example.com/b");
    facts(&mut b).meta_description = Some("y".repeat(161));
    let issues = audit(&[a, b]);
    assert_eq!(flagged(&issues, "meta_description_length").len(), 2);
    assert!(issues.iter().filter(|i| i.check == "meta_description_length").all(|i| i.severity == Notice));
}

#[test]
fn meta_description_length_accepts_bounds() {
    let mut a = page("https://example.com/a");
    facts(&mut a).meta_description = Some("y".repeat(80));
    let mut b = page("https://example.com/b");
    facts(&mut b).meta_description = Some("z".repeat(160));
    assert!(only(&[a, b], "meta_description_length").is_empty());
}

#[test]
fn h1_missing_and_multiple() {
    let mut a = page("https://example.com/a");
    facts(&mut a).h1 = vec![];
    let mut b = page("https://example.com/b");
    facts(&mut b).h1 = vec!["One".into(), "Two".into()];
    let issues = audit(&[a, b]);
    assert_eq!(flagged(&issues, "h1_missing"), vec!["https://example.com/a"]);
    assert_eq!(flagged(&issues, "h1_multiple"), vec!["https://example.com/b"]);
}

#[test]
fn h1_checks_accept_a_single_h1() {
    let issues = audit(&[page("https://example.com/a")]);
    assert!(flagged(&issues, "h1_missing").is_empty() && flagged(&issues, "h1_multiple").is_empty());
}

#[test]
fn canonical_missing_flags_page_without_canonical() {
    let mut a = page("https://example.com/a");
    facts(&mut a).canonical = None;
    assert_eq!(only(&[a], "canonical_missing"), vec!["https://example.com/a"]);
}

#[test]
fn canonical_missing_accepts_self_canonical() {
    assert!(only(&[page("https://example.com/a")], "canonical_missing").is_empty());
}

#[test]
fn canonical_to_non_200_flags_404_and_redirecting_targets() {
    let mut a = page("https://example.com/a");
    facts(&mut a).canonical = Some("https://example.com/gone".into());
    let mut gone = page("https://example.com/gone");
    gone.status = 404;
    let mut b = page("https://example.com/b");
    facts(&mut b).canonical = Some("https://example.com/moved".into());
    let mut moved = page("https://example.com/moved");
    moved.final_url = "https://example.com/c".into();
    moved.redirect_chain = vec![("https://example.com/moved".into(), 301)];
    facts(&mut moved).canonical = Some("https://example.com/c".into());
    assert_eq!(only(&[a, gone, b, moved], "canonical_to_non_200").len(), 2);
}

#[test]
fn canonical_to_non_200_ignores_200_and_uncrawled_targets() {
    let mut a = page("https://example.com/a");
    facts(&mut a).canonical = Some("https://example.com/b".into());
    let mut c = page("https://example.com/c");
    facts(&mut c).canonical = Some("https://example.com/elsewhere".into());
    assert!(only(&[a, page("https://example.com/b"), c], "canonical_to_non_200").is_empty());
}

#[test]
fn noindex_in_sitemap_flags_noindex_and_canonicalised_urls() {
    let mut a = page("https://example.com/a");
    a.in_sitemap = true;
    a.x_robots_tag = Some("googlebot: noindex".into());
    let mut b = page("https://example.com/b");
    b.in_sitemap = true;
    facts(&mut b).canonical = Some("https://example.com/a".into());
    assert_eq!(only(&[a, b], "noindex_in_sitemap").len(), 2);
}

#[test]
fn noindex_in_sitemap_ignores_indexable_and_unlisted_pages() {
    let mut a = page("https://example.com/a");
    a.in_sitemap = true;
    facts(&mut a).canonical = Some("https://example.com/a/#top".into());
    let mut b = page("https://example.com/b");
    facts(&mut b).meta_robots = Some("noindex".into());
    assert!(only(&[a, b], "noindex_in_sitemap").is_empty());
}

#[test]
fn hreflang_invalid_flags_bad_code_missing_return_and_non_200() {
    let mut en = page("https://example.com/en");
    facts(&mut en).hreflang = vec![
        ("en_US".into(), "https://example.com/en".into()),
        ("de".into(), "https://example.com/de".into()),
        ("fr".into(), "https://example.com/fr".into()),
    ];
    let de = page("https://example.com/de");
    let mut fr = page("https://example.com/fr");
    fr.status = 404;
    let issues: Vec<Issue> = audit(&[en, de, fr]).into_iter().filter(|i| i.check == "hreflang_invalid").collect();
    assert_eq!(issues.len(), 1);
    let detail = &issues[0].detail;
    assert!(detail.contains("en_US") && detail.contains("no hreflang back") && detail.contains("404"), "{detail}");
}

#[test]
fn hreflang_invalid_accepts_reciprocal_valid_codes() {
    let pair = vec![
        ("en".to_string(), "https://example.com/en".to_string()),
        ("zh-Hant-TW".to_string(), "https://example.com/tw".to_string()),
        ("es-419".to_string(), "https://example.com/tw".to_string()),
        ("x-default".to_string(), "https://example.com/en".to_string()),
    ];
    let mut en = page("https://example.com/en");
    facts(&mut en).hreflang = pair.clone();
    let mut tw = page("https://example.com/tw");
    facts(&mut tw).hreflang = pair;
    assert!(only(&[en, tw], "hreflang_invalid").is_empty());
}

#[test]
fn image_alt_missing_flags_absent_alt() {
    let mut a = page("https://example.com/a");
    facts(&mut a).images = vec![Image { src: "https://example.com/i.png".into(), alt: None }];
    assert_eq!(only(&[a], "image_alt_missing"), vec!["https://example.com/a"]);
}

#[test]
fn image_alt_missing_accepts_decorative_empty_alt() {
    let mut a = page("https://example.com/a");
    facts(&mut a).images = vec![Image { src: "https://example.com/i.png".into(), alt: Some(String::new()) }];
    assert!(only(&[a], "image_alt_missing").is_empty());
}

#[test]
fn image_too_large_flags_images_over_500_kb() {
    let mut s = site();
    s.image_sizes = vec![
        ("https://example.com/big.jpg".into(), 200, Some(512_001)),
        ("https://example.com/ok.jpg".into(), 200, Some(512_000)),
        ("https://example.com/unknown.jpg".into(), 200, None),
    ];
    let mut a = page("https://example.com/a");
    facts(&mut a).images = vec![Image { src: "https://example.com/big.jpg".into(), alt: Some("Big".into()) }];
    let issues = run(&[a], &s, &Thresholds::default());
    let big: Vec<&Issue> = issues.iter().filter(|i| i.check == "image_too_large").collect();
    assert_eq!(big.len(), 1);
    assert_eq!(big[0].url, "https://example.com/big.jpg");
    assert!(big[0].detail.contains("https://example.com/a"));
}

#[test]
fn thin_content_flags_short_indexable_pages() {
    let mut a = page("https://example.com/a");
    facts(&mut a).word_count = 199;
    assert_eq!(only(&[a], "thin_content"), vec!["https://example.com/a"]);
}

#[test]
fn thin_content_ignores_noindex_pages() {
    let mut a = page("https://example.com/a");
    facts(&mut a).word_count = 10;
    a.x_robots_tag = Some("none".into());
    assert!(only(&[a], "thin_content").is_empty());
}

#[test]
fn duplicate_content_flags_same_hash() {
    let mut a = page("https://example.com/a");
    let mut b = page("https://example.com/b");
    let mut c = page("https://example.com/c");
    for p in [&mut a, &mut b, &mut c] {
        facts(p).content_hash = "abc".into();
    }
    let issues = audit(&[a, b, c]);
    assert_eq!(flagged(&issues, "duplicate_content").len(), 3);
    assert!(issues.iter().any(|i| i.check == "duplicate_content" && i.detail.contains("2 other")));
}

#[test]
fn duplicate_content_ignores_empty_hashes() {
    let mut a = page("https://example.com/a");
    let mut b = page("https://example.com/b");
    facts(&mut a).content_hash = String::new();
    facts(&mut b).content_hash = String::new();
    assert!(only(&[a, b], "duplicate_content").is_empty());
}

#[test]
fn slow_response_picks_severity_by_threshold() {
    let mut a = page("https://example.com/a");
    a.ttfb_ms = 801;
    let mut b = page("https://example.com/b");
    b.ttfb_ms = 3001;
    let issues = audit(&[a, b]);
    let slow: Vec<(String, Severity)> =
        issues.iter().filter(|i| i.check == "slow_response").map(|i| (i.url.clone(), i.severity)).collect();
    assert_eq!(slow, vec![("https://example.com/a".into(), Warning), ("https://example.com/b".into(), Error)]);
}

#[test]
fn slow_response_ignores_fast_and_failed_fetches() {
    let mut a = page("https://example.com/a");
    a.ttfb_ms = 800;
    let mut b = page("https://example.com/b");
    b.status = 0;
    b.ttfb_ms = 30_000;
    b.facts = None;
    assert!(only(&[a, b], "slow_response").is_empty());
}

#[test]
fn page_too_large_picks_severity_by_threshold() {
    let mut a = page("https://example.com/a");
    a.bytes = 1_048_577;
    let mut b = page("https://example.com/b");
    b.bytes = 3 * 1_048_576 + 1;
    let issues = audit(&[a, b]);
    let large: Vec<Severity> = issues.iter().filter(|i| i.check == "page_too_large").map(|i| i.severity).collect();
    assert_eq!(large, vec![Warning, Error]);
}

#[test]
fn page_too_large_ignores_one_mb_and_non_html() {
    let mut a = page("https://example.com/a");
    a.bytes = 1_048_576;
    let mut pdf = page("https://example.com/file.pdf");
    pdf.bytes = 50_000_000;
    pdf.facts = None;
    assert!(only(&[a, pdf], "page_too_large").is_empty());
}

#[test]
fn too_many_links_flags_over_100() {
    let mut a = page("https://example.com/a");
    facts(&mut a).links = (0..101).map(|i| link(&format!("https://other.org/{i}"), "Partner")).collect();
    assert_eq!(only(&[a], "too_many_links"), vec!["https://example.com/a"]);
}

#[test]
fn too_many_links_accepts_100() {
    let mut a = page("https://example.com/a");
    facts(&mut a).links = (0..100).map(|i| link(&format!("https://other.org/{i}"), "Partner")).collect();
    assert!(only(&[a], "too_many_links").is_empty());
}

#[test]
fn deep_page_flags_depth_over_4() {
    let mut a = page("https://example.com/a");
    a.depth = 5;
    assert_eq!(only(&[a], "deep_page"), vec!["https://example.com/a"]);
}

#[test]
fn deep_page_accepts_depth_4() {
    let mut a = page("https://example.com/a");
    a.depth = 4;
    assert!(only(&[a], "deep_page").is_empty());
}

#[test]
fn orphan_page_flags_unlinked_sitemap_url() {
    let mut a = page("https://example.com/a");
    a.in_sitemap = true;
    // A page linking to itself does not rescue it.
    facts(&mut a).links = vec![link("https://example.com/a", "Self")];
    assert_eq!(only(&[page(HOME), a], "orphan_page"), vec!["https://example.com/a"]);
}

#[test]
fn orphan_page_accepts_linked_pages_and_the_start_page() {
    let mut home = page(HOME);
    home.in_sitemap = true;
    facts(&mut home).links = vec![link("https://example.com/a/#team", "About")];
    let mut a = page("https://example.com/a");
    a.in_sitemap = true;
    assert!(only(&[home, a], "orphan_page").is_empty());
}

#[test]
fn mixed_content_flags_http_resources_on_https_pages() {
    let mut a = page("https://example.com/a");
    facts(&mut a).subresources = vec!["http://cdn.example.com/x.js".into()];
    assert_eq!(only(&[a], "mixed_content"), vec!["https://example.com/a"]);
}

#[test]
fn mixed_content_ignores_http_pages() {
    let mut a = page("http://example.com/a");
    facts(&mut a).subresources = vec!["http://cdn.example.com/x.js".into()];
    assert!(only(&[a], "mixed_content").is_empty());
}

#[test]
fn no_https_flags_plain_http_site_on_start_url() {
    let mut s = site();
    s.start_url = "http://example.com/".into();
    let issues = run(&[page("http://example.com/")], &s, &Thresholds::default());
    assert_eq!(flagged(&issues, "no_https"), vec!["http://example.com/"]);
}

#[test]
fn no_https_accepts_redirect_to_https() {
    let mut s = site();
    s.start_url = "http://example.com/".into();
    let mut home = page("http://example.com/");
    home.final_url = HOME.into();
    home.redirect_chain = vec![("http://example.com/".into(), 301)];
    assert!(flagged(&run(&[home], &s, &Thresholds::default()), "no_https").is_empty());
}

#[test]
fn missing_hsts_and_csp_flag_https_pages() {
    let mut a = page("https://example.com/a");
    a.hsts = false;
    a.csp = false;
    let issues = audit(&[a]);
    assert_eq!(flagged(&issues, "missing_hsts"), vec!["https://example.com/a"]);
    assert_eq!(flagged(&issues, "missing_csp"), vec!["https://example.com/a"]);
}

#[test]
fn missing_hsts_and_csp_ignore_http_and_non_html() {
    let mut a = page("http://example.com/a");
    a.hsts = false;
    a.csp = false;
    let mut img = page("https://example.com/i.png");
    img.facts = None;
    img.hsts = false;
    img.csp = false;
    let issues = audit(&[a, img]);
    assert!(flagged(&issues, "missing_hsts").is_empty() && flagged(&issues, "missing_csp").is_empty());
}

#[test]
fn robots_and_sitemap_missing_attach_to_start_url() {
    let s = SiteFacts { start_url: HOME.into(), ..SiteFacts::default() };
    let issues = run(&[], &s, &Thresholds::default());
    assert_eq!(flagged(&issues, "robots_txt_missing"), vec![HOME]);
    assert_eq!(flagged(&issues, "sitemap_missing"), vec![HOME]);
}

#[test]
fn robots_and_sitemap_found_are_not_flagged() {
    let issues = run(&[], &site(), &Thresholds::default());
    assert_eq!(issues, vec![]);
}

#[test]
fn structured_data_missing_flags_page_without_json_ld() {
    let mut a = page("https://example.com/a");
    facts(&mut a).json_ld_types = vec![];
    assert_eq!(only(&[a], "structured_data_missing"), vec!["https://example.com/a"]);
}

#[test]
fn structured_data_missing_ignores_non_200_pages() {
    let mut a = page("https://example.com/a");
    a.status = 500;
    facts(&mut a).json_ld_types = vec![];
    assert!(only(&[a], "structured_data_missing").is_empty());
}

#[test]
fn generic_anchor_text_flags_click_here_and_russian() {
    let mut a = page("https://example.com/a");
    facts(&mut a).links = vec![link("https://example.com/b", "  Click HERE "), link(HOME, "Читать далее…")];
    let issues: Vec<Issue> = audit(&[a]).into_iter().filter(|i| i.check == "generic_anchor_text").collect();
    assert_eq!(issues.len(), 1);
    assert!(issues[0].detail.contains("click here") && issues[0].detail.contains("читать далее"));
}

#[test]
fn generic_anchor_text_ignores_descriptive_and_external_links() {
    let mut a = page("https://example.com/a");
    facts(&mut a).links = vec![link("https://example.com/b", "Pricing plans"), link("https://other.org/", "here")];
    assert!(only(&[a], "generic_anchor_text").is_empty());
}

#[test]
fn run_sorts_by_check_then_url() {
    let mut b = page("https://example.com/b");
    facts(&mut b).title = None;
    let mut a = page("https://example.com/a");
    facts(&mut a).title = None;
    facts(&mut a).h1 = vec![];
    let keys: Vec<(String, String)> = audit(&[b, a]).into_iter().map(|i| (i.check, i.url)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 3);
}

#[test]
fn run_survives_garbage() {
    let mut weird = CrawledPage { url: "not a url".into(), final_url: String::new(), ..CrawledPage::default() };
    weird.redirect_chain = vec![(String::new(), 0)];
    let f = PageFacts {
        hreflang: vec![("-".into(), "::".into()), (String::new(), "not a url".into())],
        links: vec![link("", ""), link("not a url", "here")],
        canonical: Some(String::new()),
        ..PageFacts::default()
    };
    weird.facts = Some(f);
    weird.status = 200;
    let mut s = site();
    s.start_url = "%%%".into();
    s.image_sizes = vec![(String::new(), 0, Some(u64::MAX))];
    let issues = run(&[weird.clone(), weird], &s, &Thresholds::default());
    assert!(!issues.is_empty());
    let _ = score(&[], &issues);
}

#[test]
fn score_is_share_of_html_pages_without_errors() {
    let pages: Vec<CrawledPage> =
        ["a", "b", "c", "d"].iter().map(|p| page(&format!("https://example.com/{p}"))).collect();
    let mut image = page("https://example.com/i.png");
    image.facts = None;
    let issues = vec![
        err("http_4xx", "https://example.com/a", Crawlability),
        err("mixed_content", "https://example.com/a", Security),
        err("mixed_content", "https://example.com/b", Security),
        err("http_5xx", "https://example.com/i.png", Crawlability),
        Issue { severity: Warning, ..err("title_length", "https://example.com/c", OnPage) },
        Issue { severity: Notice, ..err("deep_page", "https://example.com/d", Crawlability) },
    ];
    let mut all = pages.clone();
    all.push(image);
    let s = score(&all, &issues);
    assert_eq!(s.html_pages, 4);
    assert_eq!(s.pages_with_errors, 2);
    assert_eq!(s.health, 50.0);
    assert_eq!((s.errors, s.warnings, s.notices), (4, 1, 1));
    assert_eq!(
        s.categories,
        vec![
            (Crawlability, 75.0),
            (OnPage, 100.0),
            (Content, 100.0),
            (Links, 100.0),
            (Performance, 100.0),
            (Security, 50.0)
        ]
    );
}

#[test]
fn score_rounds_to_one_decimal_and_handles_no_pages() {
    let pages: Vec<CrawledPage> = ["a", "b", "c"].iter().map(|p| page(&format!("https://example.com/{p}"))).collect();
    let s = score(&pages, &[err("http_4xx", "https://example.com/a", Crawlability)]);
    assert_eq!(s.health, 66.7);
    let empty = score(&[], &[]);
    assert_eq!((empty.health, empty.html_pages), (100.0, 0));
}

#[test]
fn score_one_error_page_of_four_is_75() {
    let pages: Vec<CrawledPage> =
        ["a", "b", "c", "d"].iter().map(|p| page(&format!("https://example.com/{p}"))).collect();
    let issues = audit(&{
        let mut p = pages.clone();
        facts(&mut p[0]).title = None;
        p
    });
    let s = score(&pages, &issues);
    assert_eq!(s.health, 75.0);
    assert_eq!(s.categories[1], (OnPage, 75.0));
}

#[test]
fn compare_sorts_issues_into_new_fixed_and_persisting() {
    let before = vec![
        err("http_4xx", "https://example.com/a", Crawlability),
        err("title_missing", "https://example.com/b", OnPage),
    ];
    let after = vec![
        Issue { detail: "answered 410".into(), ..err("http_4xx", "https://example.com/a", Crawlability) },
        err("title_missing", "https://example.com/c", OnPage),
    ];
    let c = compare(&before, &after);
    assert_eq!(flagged(&c.persisting, "http_4xx"), vec!["https://example.com/a"]);
    assert_eq!(c.persisting[0].detail, "answered 410");
    assert_eq!(flagged(&c.new, "title_missing"), vec!["https://example.com/c"]);
    assert_eq!(flagged(&c.fixed, "title_missing"), vec!["https://example.com/b"]);
    assert_eq!((c.new.len(), c.fixed.len(), c.persisting.len()), (1, 1, 1));
}

/// URLs the fuzzer picks from: valid, relative, odd and broken.
const POOL: &[&str] = &[
    "https://example.com/",
    "https://example.com/a",
    "https://www.example.com/a/",
    "http://example.com/a#x",
    "https://other.org/",
    "http://127.0.0.1:8080/",
    "not a url",
    "",
    "https://[::1",
    "https://example.com/%zz/ж",
];

fn any_url() -> impl Strategy<Value = String> {
    (0..POOL.len()).prop_map(|i| POOL[i].to_string())
}

fn any_page() -> impl Strategy<Value = CrawledPage> {
    (
        (any_url(), any_url(), any::<u16>(), proptest::collection::vec((any_url(), any::<u16>()), 0..3)),
        (any::<u32>(), any::<u64>(), any::<bool>(), proptest::option::of(".{0,12}")),
        proptest::collection::vec((any_url(), ".{0,12}"), 0..4),
        proptest::collection::vec((".{0,8}", any_url()), 0..3),
        (proptest::option::of(".{0,70}"), proptest::option::of(any_url()), any::<u32>(), any::<bool>()),
    )
        .prop_map(|((url, final_url, status, chain), (ttfb, bytes, sitemap, robots), links, hreflang, rest)| {
            let (title, canonical, words, html) = rest;
            CrawledPage {
                url,
                final_url,
                status,
                redirect_chain: chain,
                depth: ttfb % 10,
                ttfb_ms: ttfb,
                bytes,
                in_sitemap: sitemap,
                x_robots_tag: robots,
                facts: html.then(|| PageFacts {
                    title,
                    canonical,
                    word_count: words,
                    hreflang,
                    links: links.iter().map(|(u, a)| link(u, a)).collect(),
                    content_hash: (words % 3).to_string(),
                    ..PageFacts::default()
                }),
                ..CrawledPage::default()
            }
        })
}

proptest! {
    #[test]
    fn any_crawl_is_audited_without_panicking(
        pages in proptest::collection::vec(any_page(), 0..6),
        start in any_url(),
        images in proptest::collection::vec((any_url(), any::<u16>(), any::<Option<u64>>()), 0..3),
    ) {
        let site =
            SiteFacts { start_url: start, robots_txt_found: false, sitemap_found: true, image_sizes: images };
        let issues = run(&pages, &site, &Thresholds::default());
        prop_assert_eq!(&issues, &reference::run(&pages, &site, &Thresholds::default()));
        let keys: Vec<(&str, &str)> = issues.iter().map(|i| (i.check.as_str(), i.url.as_str())).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(issues.iter().all(|i| CHECKS.iter().any(|c| c.id == i.check && c.category == i.category)));
        let s = score(&pages, &issues);
        prop_assert_eq!(&s, &reference::score(&pages, &issues));
        prop_assert!((0.0..=100.0).contains(&s.health));
        prop_assert!(s.pages_with_errors <= s.html_pages);
        let c = compare(&issues, &issues);
        prop_assert_eq!(c.persisting.len(), issues.len());
    }
}

/// A site's URLs as links, canonicals and redirects name them, with fragments, slashes and strangers.
const SITE: &[&str] = &[
    "https://example.com/",
    "https://example.com/a",
    "https://example.com/a/",
    "https://example.com/b",
    "https://www.example.com/c",
    "https://example.com/d#top",
    "http://example.com/e",
    "https://other.org/x",
    "not a url",
];
const IMAGES: &[&str] = &[
    "https://example.com/i.png",
    "https://example.com/i.png#x",
    "https://example.com/k.png",
    "https://cdn.other.org/j.png",
    "data:image/png;base64,AAAA",
];

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    (0..items.len()).prop_map(move |i| items[i].to_string())
}

/// Pages as a crawl of a small site gives them: few distinct URLs, titles, descriptions and texts, so
/// duplicates, redirects, broken links, hreflang pairs and orphans all occur.
fn crawl_page() -> impl Strategy<Value = CrawledPage> {
    let status = prop_oneof![4 => Just(200u16), 1 => Just(301), 1 => Just(404), 1 => Just(500), 1 => Just(0)];
    (
        (
            one_of(SITE),
            proptest::option::of(one_of(SITE)),
            status,
            proptest::collection::vec((one_of(SITE), 300u16..310), 0..3),
        ),
        (
            0u32..7,
            any::<bool>(),
            proptest::option::of(prop_oneof![Just("noindex".to_string()), Just("all".to_string())]),
        ),
        proptest::collection::vec((one_of(SITE), prop_oneof![Just("About"), Just("click here"), Just("here")]), 0..6),
        proptest::collection::vec(
            (prop_oneof![Just("en"), Just("de-AT"), Just("en_US"), Just("x-default")], one_of(SITE)),
            0..3,
        ),
        proptest::collection::vec((one_of(IMAGES), any::<bool>()), 0..4),
        (
            proptest::option::of(prop_oneof![Just("Home of the example company"), Just("Short"), Just("  ")]),
            proptest::option::of(prop_oneof![Just("d1"), Just("d2")]),
            proptest::option::of(one_of(SITE)),
            (0u32..400, 0usize..3, any::<bool>()),
        ),
    )
        .prop_map(|((url, final_url, status, chain), (depth, sitemap, robots), links, hreflang, images, rest)| {
            let (title, description, canonical, (words, hash, html)) = rest;
            CrawledPage {
                final_url: final_url.unwrap_or_else(|| url.clone()),
                url,
                status,
                redirect_chain: chain,
                depth,
                ttfb_ms: depth * 300,
                bytes: 1000,
                in_sitemap: sitemap,
                x_robots_tag: robots.filter(|_| depth == 0),
                facts: (html || status == 200).then(|| PageFacts {
                    title: title.map(str::to_string),
                    meta_description: description.map(|d| format!("{d} {}", "x".repeat(80))),
                    canonical,
                    word_count: words,
                    h1: vec!["Heading".into(); depth as usize % 3],
                    hreflang: hreflang.into_iter().map(|(c, u)| (c.to_string(), u)).collect(),
                    links: links.iter().map(|(u, a)| link(u, a)).collect(),
                    images: images.into_iter().map(|(src, alt)| Image { src, alt: alt.then(String::new) }).collect(),
                    content_hash: ["h0", "h1", ""][hash].to_string(),
                    ..PageFacts::default()
                }),
                ..CrawledPage::default()
            }
        })
}

proptest! {
    #[test]
    fn streaming_audit_equals_the_batch_audit(
        pages in proptest::collection::vec(crawl_page(), 0..14),
        start in prop_oneof![Just("https://example.com/".to_string()), Just("http://example.com/a".to_string()), one_of(SITE)],
        found in (any::<bool>(), any::<bool>()),
        sizes in proptest::collection::vec(proptest::option::of(400_000u64..700_000), 1..4),
    ) {
        let t = Thresholds::default();
        let mut auditor = Auditor::new(&start, t.clone());
        let mut streamed = Vec::new();
        for page in &pages {
            streamed.extend(auditor.add_page(page));
        }
        let image_sizes =
            auditor.image_urls().into_iter().enumerate().map(|(i, url)| (url, 200, sizes[i % sizes.len()])).collect();
        let site = SiteFacts { start_url: start, robots_txt_found: found.0, sitemap_found: found.1, image_sizes };
        let s = auditor.finish(&site, |issue| streamed.push(issue));
        streamed.sort_by(|a, b| (&a.check, &a.url, &a.detail).cmp(&(&b.check, &b.url, &b.detail)));
        let expected = reference::run(&pages, &site, &t);
        prop_assert_eq!(&streamed, &expected);
        prop_assert_eq!(s, reference::score(&pages, &expected));
        prop_assert_eq!(run(&pages, &site, &t), expected);
    }
}
