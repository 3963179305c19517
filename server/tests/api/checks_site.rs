//! Every check of audit-checks.md on crawled fixture sites, through [`audit::run`] (no database, no web app).
//!
//! - The *defect site* has one page (or image, or redirect) built to trigger each check, and a control page
//!   with none; a *bare site* has no robots.txt and no sitemap. Each check must fire on exactly the URL built
//!   for it: the test asserts the (check, URL) pair, not only the id.
//! - The *clean site* (robots.txt, sitemap, unique titles and descriptions of the right length, one H1, self
//!   canonicals, 200+ words, JSON-LD, descriptive anchors, small images with alt, valid hreflang with return
//!   links, a one-hop redirect, two clicks deep at most) must raise only what any plain-HTTP site raises:
//!   `no_https` on the start URL. `missing_hsts` and `missing_csp` judge HTTPS pages only, so they stay quiet
//!   here. This shows every check *not* firing on a site that does nothing wrong.
//! - Coverage: the ids fired on the defect sites, plus the checks that cannot be triggered here (below), must
//!   be every id of [`CHECKS`]. A check added later without a fixture page fails that assertion.
//!
//! What cannot be triggered here:
//!
//! - `mixed_content`, `missing_hsts` and `missing_csp` judge HTTPS pages only, and these fixtures are plain
//!   HTTP: serving HTTPS would need a certificate the crawler's client trusts, which the crawler offers no way
//!   to add. The unit tests in `src/crawl/checks/tests.rs` cover them on page structs
//!   (`mixed_content_flags_http_resources_on_https_pages`, `mixed_content_ignores_http_pages`,
//!   `missing_hsts_and_csp_flag_https_pages`, `missing_hsts_and_csp_ignore_http_and_non_html`), and the clean
//!   site shows `missing_hsts` / `missing_csp` silent on HTTP pages.

use axum::http::{header, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use domain::crawl::audit::{self, AuditSink, AuditedPage, Outcome, PageLink};
use domain::crawl::checks::{Issue, Severity, Thresholds, CHECKS};
use domain::crawl::crawler::{CrawlConfig, Progress};
use domain::crawl::fetch::AddressPolicy;
use domain::model::crawl::{IssueRow, PageRow};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Checks that judge HTTPS pages only: the plain-HTTP sites must not raise them, and
/// [`https_checks_fire_on_an_https_site_and_not_on_a_secured_page`] raises them on an HTTPS fixture.
const HTTPS_ONLY: [&str; 3] = ["mixed_content", "missing_hsts", "missing_csp"];

/// (check, path on the defect site) pairs that must be raised.
const DEFECTS: &[(&str, &str)] = &[
    ("broken_internal_link", "/"),
    ("canonical_missing", "/no-canonical"),
    ("canonical_to_non_200", "/canonical-to-missing"),
    ("deep_page", "/deep/5"),
    ("duplicate_content", "/dup-content-1"),
    ("duplicate_content", "/dup-content-2"),
    ("generic_anchor_text", "/generic-anchor"),
    ("h1_missing", "/no-h1"),
    ("h1_multiple", "/two-h1"),
    ("hreflang_invalid", "/hreflang-bad-code"),
    ("hreflang_invalid", "/hreflang-no-return"),
    ("http_4xx", "/missing"),
    ("http_5xx", "/error"),
    ("image_alt_missing", "/images"),
    ("image_too_large", "/big.png"),
    ("meta_description_duplicate", "/dup-description-1"),
    ("meta_description_duplicate", "/dup-description-2"),
    ("meta_description_length", "/short-description"),
    ("meta_description_missing", "/no-description"),
    ("no_https", "/"),
    ("noindex_in_sitemap", "/noindex"),
    ("orphan_page", "/orphan"),
    ("redirect_loop", "/loop-a"),
    ("page_too_large", "/large"),
    ("redirect_chain", "/old"),
    ("slow_response", "/slow"),
    ("structured_data_missing", "/no-json-ld"),
    ("thin_content", "/thin"),
    ("title_duplicate", "/dup-title-1"),
    ("title_duplicate", "/dup-title-2"),
    ("title_length", "/short-title"),
    ("title_missing", "/untitled"),
    ("too_many_links", "/many-links"),
];

/// (check, path on the bare site) pairs that must be raised, and nothing else.
const BARE: &[(&str, &str)] = &[("no_https", "/"), ("robots_txt_missing", "/"), ("sitemap_missing", "/")];

/// The sink of a test audit: every page row and issue, in arrival order.
#[derive(Default)]
struct Collected {
    pages: Vec<PageRow>,
    /// (page id, link) in arrival order.
    links: Vec<(i32, PageLink)>,
    issues: Vec<Issue>,
}

impl AuditSink for Collected {
    type Error = std::convert::Infallible;

    async fn page(&mut self, page: AuditedPage, _progress: Progress) -> Result<(), Self::Error> {
        self.links.extend(page.links.into_iter().map(|l| (page.row.id, l)));
        self.pages.push(page.row);
        Ok(())
    }

    async fn issue(&mut self, issue: Issue) -> Result<(), Self::Error> {
        self.issues.push(issue);
        Ok(())
    }
}

impl Collected {
    /// The issues and crawled rows of one URL, for failure messages.
    fn about(&self, url: &str) -> String {
        let issues: Vec<String> =
            self.issues.iter().filter(|i| i.url == url).map(|i| format!("{} ({})", i.check, i.detail)).collect();
        let rows: Vec<String> = self
            .pages
            .iter()
            .filter(|p| p.url == url)
            .map(|p| format!("status {} → {} error {:?}", p.status, p.final_url, p.error))
            .collect();
        format!("issues on {url}: {issues:?}; crawled as: {rows:?}")
    }

    fn pairs(&self) -> BTreeSet<(String, String)> {
        self.issues.iter().map(|i| (i.check.clone(), i.url.clone())).collect()
    }

    fn has(&self, check: &str, url: &str) -> bool {
        self.issues.iter().any(|i| i.check == check && i.url == url)
    }
}

/// Crawls the site at `base` (bounded: 200 pages, 60 s, 10 clicks) with 127.0.0.0/8 allowed.
async fn audit_site(base: &str) -> (Outcome, Collected) {
    audit_site_trusting(base, Vec::new()).await
}

/// [`audit_site`], also trusting the PEM certificates in `roots` (an HTTPS fixture's own certificate).
async fn audit_site_trusting(base: &str, roots: Vec<Vec<u8>>) -> (Outcome, Collected) {
    audit_site_with(base, |c| c.root_certificates = roots).await
}

/// [`audit_site`] with the crawl's settings changed by `change`.
async fn audit_site_with(base: &str, change: impl FnOnce(&mut CrawlConfig)) -> (Outcome, Collected) {
    let mut config = CrawlConfig::new(Url::parse(&format!("{base}/")).expect("start URL"));
    config.max_pages = 200;
    config.max_depth = 10;
    config.time_budget = Duration::from_secs(60);
    config.policy = AddressPolicy::allowing(&["127.0.0.0/8"]).expect("allow loopback");
    change(&mut config);
    let mut sink = Collected::default();
    let outcome = audit::run(&config, Thresholds::default(), Arc::new(AtomicBool::new(false)), &mut sink)
        .await
        .expect("audit runs");
    (outcome, sink)
}

/// Serves the router `app` builds for its own base URL (`http://127.0.0.1:port`), returning that base.
async fn serve(app: impl FnOnce(&str) -> Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fixture site");
    let base = format!("http://{}", listener.local_addr().expect("fixture address"));
    let app = app(&base);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

const NOT_FOUND: &str =
    "<!doctype html><html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>";

/// 13 words; 16 of them make a page comfortably over the 200-word thin-content limit.
const SENTENCE: &str = "Fixture text about technical audits, crawling, links and the health of a website. ";

/// One HTML page. [`Page::good`] passes every page check; the defect pages change one thing.
#[derive(Clone)]
struct Page {
    title: Option<String>,
    description: Option<String>,
    canonical: Option<String>,
    h1: Vec<String>,
    json_ld: bool,
    /// Extra markup in `<head>`.
    head: String,
    /// The paragraph of text.
    text: String,
    /// Extra markup after the text: links, images.
    body: String,
}

impl Page {
    /// Title "{name} | Fixture Agency" (name of 3 to 43 characters keeps it within 20-60), a description of
    /// 80-160 characters naming the page, one H1 (the name, which also makes the text unique), a canonical to
    /// itself, JSON-LD and 208 words of text.
    fn good(path: &str, name: &str) -> Page {
        Page {
            title: Some(format!("{name} | Fixture Agency")),
            description: Some(format!(
                "{name}: a page of the fixture agency site, with a description long enough for the check."
            )),
            canonical: Some(path.to_string()),
            h1: vec![name.to_string()],
            json_ld: true,
            head: String::new(),
            text: SENTENCE.repeat(16),
            body: String::new(),
        }
    }

    fn render(&self) -> String {
        let mut head = String::from("<meta charset=\"utf-8\">");
        if let Some(title) = &self.title {
            head.push_str(&format!("<title>{title}</title>"));
        }
        if let Some(description) = &self.description {
            head.push_str(&format!("<meta name=\"description\" content=\"{description}\">"));
        }
        if let Some(canonical) = &self.canonical {
            head.push_str(&format!("<link rel=\"canonical\" href=\"{canonical}\">"));
        }
        if self.json_ld {
            head.push_str(
                "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"WebPage\"}</script>",
            );
        }
        head.push_str(&self.head);
        let h1: String = self.h1.iter().map(|h| format!("<h1>{h}</h1>")).collect();
        format!(
            "<!doctype html><html lang=\"en\"><head>{head}</head><body>{h1}<p>{}</p>{}</body></html>",
            self.text, self.body
        )
    }

    fn with(mut self, change: impl FnOnce(&mut Page)) -> Page {
        change(&mut self);
        self
    }
}

/// A router answering each of `pages` (path, page) with its HTML and anything else with a 404 page.
fn static_pages(pages: Vec<(&str, Page)>) -> Router {
    let pages: Arc<HashMap<String, String>> =
        Arc::new(pages.into_iter().map(|(path, page)| (path.to_string(), page.render())).collect());
    Router::new().fallback(move |uri: Uri| {
        let pages = pages.clone();
        async move {
            match pages.get(uri.path()) {
                Some(html) => Html(html.clone()).into_response(),
                None => (StatusCode::NOT_FOUND, Html(NOT_FOUND)).into_response(),
            }
        }
    })
}

fn sitemap(base: &str, paths: &[&str]) -> impl IntoResponse {
    let urls: String = paths.iter().map(|p| format!("<url><loc>{base}{p}</loc></url>")).collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
    );
    ([(header::CONTENT_TYPE, "application/xml")], xml)
}

fn image(bytes: usize) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/png")], vec![0u8; bytes])
}

/// Anchors (descriptive text) to `paths`.
fn links(paths: &[(&str, &str)]) -> String {
    paths.iter().map(|(href, text)| format!("<a href=\"{href}\">{text}</a> ")).collect()
}

/// The defect site: one page, image or redirect per check (see [`DEFECTS`]), and `/about`, a page with no
/// defect. robots.txt allows everything; /sitemap.xml lists the home page, /about, /noindex and /orphan.
async fn defect_site() -> String {
    serve(|base| {
        let home_links = links(&[
            ("/about", "About the agency"),
            ("/missing", "A page that is gone"),
            ("/error", "A page that fails"),
            ("/old", "The old address of the about page"),
            ("/loop-a", "A page that redirects in circles"),
            ("/untitled", "A page without a title"),
            ("/dup-title-1", "First page sharing a title"),
            ("/dup-title-2", "Second page sharing a title"),
            ("/short-title", "A page with a short title"),
            ("/no-description", "A page without a description"),
            ("/dup-description-1", "First page sharing a description"),
            ("/dup-description-2", "Second page sharing a description"),
            ("/short-description", "A page with a short description"),
            ("/no-h1", "A page without a heading"),
            ("/two-h1", "A page with two headings"),
            ("/no-canonical", "A page without a canonical"),
            ("/canonical-to-missing", "A page whose canonical is gone"),
            ("/noindex", "A page hidden from search"),
            ("/hreflang-bad-code", "A page with a bad language code"),
            ("/hreflang-no-return", "A page whose alternate does not link back"),
            ("/images", "A page of images"),
            ("/thin", "A page with little text"),
            ("/dup-content-1", "First copy of a text"),
            ("/dup-content-2", "Second copy of a text"),
            ("/slow", "A slow page"),
            ("/large", "A large page"),
            ("/many-links", "A page of many links"),
            ("/deep/1", "The first of a chain of pages"),
            ("/generic-anchor", "A page with a vague link"),
            ("/no-json-ld", "A page without structured data"),
        ]);
        let home = Page::good("/", "Fixture agency home").with(|p| p.body = home_links);
        let back_home = links(&[("/", "Back to the agency home page")]);
        let good = |path: &str, name: &str| Page::good(path, name).with(|p| p.body.clone_from(&back_home));
        let duplicated_description =
            "The same description on two pages of the fixture site, long enough to pass the length check.";
        let mut pages = vec![
            ("/", home),
            ("/about", good("/about", "About the agency")),
            ("/untitled", good("/untitled", "A page without a title").with(|p| p.title = None)),
            (
                "/dup-title-1",
                good("/dup-title-1", "First page sharing a title")
                    .with(|p| p.title = Some("A title shared by two pages".into())),
            ),
            (
                "/dup-title-2",
                good("/dup-title-2", "Second page sharing a title")
                    .with(|p| p.title = Some("A title shared by two pages".into())),
            ),
            ("/short-title", good("/short-title", "Short title page").with(|p| p.title = Some("Short".into()))),
            ("/no-description", good("/no-description", "No description page").with(|p| p.description = None)),
            (
                "/dup-description-1",
                good("/dup-description-1", "First page sharing a description")
                    .with(|p| p.description = Some(duplicated_description.into())),
            ),
            (
                "/dup-description-2",
                good("/dup-description-2", "Second page sharing a description")
                    .with(|p| p.description = Some(duplicated_description.into())),
            ),
            (
                "/short-description",
                good("/short-description", "Short description page")
                    .with(|p| p.description = Some("Too short.".into())),
            ),
            ("/no-h1", good("/no-h1", "Page without a heading").with(|p| p.h1.clear())),
            ("/two-h1", good("/two-h1", "Page with two headings").with(|p| p.h1.push("A second main heading".into()))),
            ("/no-canonical", good("/no-canonical", "Page without a canonical").with(|p| p.canonical = None)),
            (
                "/canonical-to-missing",
                good("/canonical-to-missing", "Canonical to a missing page")
                    .with(|p| p.canonical = Some("/missing".into())),
            ),
            (
                "/noindex",
                good("/noindex", "Page hidden from search")
                    .with(|p| p.head = "<meta name=\"robots\" content=\"noindex, follow\">".into()),
            ),
            (
                "/hreflang-bad-code",
                good("/hreflang-bad-code", "Page with a bad language code").with(|p| {
                    p.head = "<link rel=\"alternate\" hreflang=\"en_US\" href=\"/hreflang-bad-code\">".into()
                }),
            ),
            (
                "/hreflang-no-return",
                good("/hreflang-no-return", "Alternate without a return link").with(|p| {
                    p.head = "<link rel=\"alternate\" hreflang=\"en\" href=\"/hreflang-no-return\">\
                              <link rel=\"alternate\" hreflang=\"de\" href=\"/about\">"
                        .into()
                }),
            ),
            (
                "/images",
                good("/images", "A page of images").with(|p| {
                    p.body.push_str("<img src=\"/big.png\" alt=\"A photo far too large\"><img src=\"/small.png\">")
                }),
            ),
            ("/thin", good("/thin", "A page with little text").with(|p| p.text = "Only a few words here.".into())),
            (
                "/dup-content-1",
                good("/dup-content-1", "First copy of a text").with(|p| p.h1 = vec!["A text on two pages".into()]),
            ),
            (
                "/dup-content-2",
                good("/dup-content-2", "Second copy of a text").with(|p| p.h1 = vec!["A text on two pages".into()]),
            ),
            (
                "/large",
                // Over 1 MiB (the warning) and under 3 MiB (the error): a comment keeps the text small.
                good("/large", "A large page")
                    .with(|p| p.body.push_str(&format!("<!-- {} -->", "x".repeat(1_100_000)))),
            ),
            (
                "/many-links",
                good("/many-links", "A page of many links")
                    .with(|p| p.body = links(&[("/about", "About the agency")]).repeat(120)),
            ),
            (
                "/generic-anchor",
                good("/generic-anchor", "A page with a vague link")
                    .with(|p| p.body = "<a href=\"/about\">click here</a>".into()),
            ),
            ("/no-json-ld", good("/no-json-ld", "Page without structured data").with(|p| p.json_ld = false)),
            ("/orphan", good("/orphan", "A page only the sitemap lists")),
        ];
        // Home is 0 clicks, /deep/n is n: /deep/5 is deeper than 4.
        let deep: Vec<(String, Page)> = (1..=5)
            .map(|n| {
                let path = format!("/deep/{n}");
                let href = format!("/deep/{}", n + 1);
                let next = if n < 5 { links(&[(href.as_str(), "The next page of the chain")]) } else { String::new() };
                let page = Page::good(&path, &format!("Page {n} of the deep chain")).with(|p| p.body = next);
                (path, page)
            })
            .collect();
        pages.extend(deep.iter().map(|(path, page)| (path.as_str(), page.clone())));
        let slow = good("/slow", "A slow page").render();
        let base_for_sitemap = base.to_string();
        static_pages(pages)
            .route("/error", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, Html(NOT_FOUND)) }))
            .route("/old", get(|| async { Redirect::permanent("/older") }))
            .route("/older", get(|| async { Redirect::permanent("/about") }))
            .route("/loop-a", get(|| async { Redirect::permanent("/loop-b") }))
            .route("/loop-b", get(|| async { Redirect::permanent("/loop-a") }))
            .route(
                "/slow",
                get(move || {
                    let slow = slow.clone();
                    async move {
                        // Just over the 800 ms warning, far from the 3 s error.
                        tokio::time::sleep(Duration::from_millis(850)).await;
                        Html(slow)
                    }
                }),
            )
            // Images answer HEAD (axum's GET routes do) with their Content-Length: 600,000 bytes is over 500 KiB.
            .route("/big.png", get(|| async { image(600_000) }))
            .route("/small.png", get(|| async { image(2_000) }))
            .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
            .route(
                "/sitemap.xml",
                get(move || {
                    let base = base_for_sitemap.clone();
                    async move { sitemap(&base, &["/", "/about", "/noindex", "/orphan"]) }
                }),
            )
    })
    .await
}

/// A site with one good page and neither robots.txt nor a sitemap (both answer 404).
async fn bare_site() -> String {
    serve(|_| static_pages(vec![("/", Page::good("/", "A site without robots or sitemap"))])).await
}

/// The clean site: nothing wrong but plain HTTP. Five pages one click from home, an English/German pair with
/// hreflang both ways, a one-hop redirect, a small image with alt, robots.txt naming the sitemap, and a
/// sitemap listing every page.
async fn clean_site() -> String {
    serve(|base| {
        let back_home = links(&[("/", "Back to the agency home page")]);
        let good = |path: &str, name: &str| Page::good(path, name).with(|p| p.body.clone_from(&back_home));
        let hreflang = "<link rel=\"alternate\" hreflang=\"en\" href=\"/\">\
                        <link rel=\"alternate\" hreflang=\"de\" href=\"/de\">\
                        <link rel=\"alternate\" hreflang=\"x-default\" href=\"/\">";
        let home = Page::good("/", "Clean agency home").with(|p| {
            p.head = hreflang.into();
            p.body = links(&[
                ("/about", "About the agency"),
                ("/services", "Our search services"),
                ("/contact", "Contact the team"),
                ("/de", "Deutsche Fassung"),
                ("/old-services", "Our services at their old address"),
            ]);
            p.body.push_str("<img src=\"/logo.png\" alt=\"The agency logo\">");
        });
        let pages = vec![
            ("/", home),
            ("/about", good("/about", "About the clean agency")),
            ("/services", good("/services", "Search services we offer")),
            ("/contact", good("/contact", "Contact the clean agency")),
            ("/de", good("/de", "Die Agentur auf Deutsch").with(|p| p.head = hreflang.into())),
        ];
        let robots = format!("User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n");
        let base = base.to_string();
        static_pages(pages)
            .route("/old-services", get(|| async { Redirect::permanent("/services") }))
            .route("/logo.png", get(|| async { image(2_000) }))
            .route("/robots.txt", get(move || async move { robots }))
            .route(
                "/sitemap.xml",
                get(move || {
                    let base = base.clone();
                    async move { sitemap(&base, &["/", "/about", "/services", "/contact", "/de"]) }
                }),
            )
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_fires_on_the_page_built_for_it() {
    let (defect_base, bare_base) = tokio::join!(defect_site(), bare_site());
    let ((defects_outcome, defects), (_, bare)) = tokio::join!(audit_site(&defect_base), audit_site(&bare_base));
    assert!(
        defects_outcome.summary.stopped.is_none(),
        "the defect crawl ran to the end: {:?}",
        defects_outcome.summary
    );
    assert!(defects_outcome.site.robots_txt_found && defects_outcome.site.sitemap_found);

    for (check, path) in DEFECTS {
        let url = format!("{defect_base}{path}");
        assert!(defects.has(check, &url), "{check} must fire on {url}; {}", defects.about(&url));
    }
    // The severities that depend on how far over the threshold: both defects sit between the two limits.
    for (check, path) in [("slow_response", "/slow"), ("page_too_large", "/large")] {
        let url = format!("{defect_base}{path}");
        let issue = defects.issues.iter().find(|i| i.check == check && i.url == url).expect("raised above");
        assert_eq!(issue.severity, Severity::Warning, "{check} on {url}: {}", issue.detail);
    }
    // Controls on the same site: the page without defects, the last page within 4 clicks, the small image.
    let about = format!("{defect_base}/about");
    assert!(!defects.issues.iter().any(|i| i.url == about), "{}", defects.about(&about));
    let shallow = format!("{defect_base}/deep/4");
    assert!(!defects.has("deep_page", &shallow), "{}", defects.about(&shallow));
    let small = format!("{defect_base}/small.png");
    assert!(!defects.issues.iter().any(|i| i.url == small), "{}", defects.about(&small));
    // Site checks attach to the start URL: the defect site has robots.txt and a sitemap.
    let start = format!("{defect_base}/");
    assert!(!defects.has("robots_txt_missing", &start) && !defects.has("sitemap_missing", &start));

    let expected: BTreeSet<(String, String)> =
        BARE.iter().map(|(check, path)| (check.to_string(), format!("{bare_base}{path}"))).collect();
    assert_eq!(bare.pairs(), expected, "the bare site raises its site checks and nothing else");

    // Nothing HTTPS-only fires on plain HTTP.
    let fired: BTreeSet<&str> = defects.issues.iter().chain(&bare.issues).map(|i| i.check.as_str()).collect();
    for check in HTTPS_ONLY {
        assert!(!fired.contains(check), "{check} judges HTTPS pages only");
    }

    // Coverage: every check of the catalogue fires on a fixture page, or is accounted for above.
    let covered: BTreeSet<&str> = fired.iter().copied().chain(HTTPS_ONLY).collect();
    let catalogue: BTreeSet<&str> = CHECKS.iter().map(|c| c.id).collect();
    assert_eq!(covered, catalogue, "every check needs a fixture page that triggers it");
    let listed: BTreeSet<&str> = DEFECTS.iter().chain(BARE).map(|(check, _)| *check).collect();
    assert_eq!(listed, fired, "every check fired on the defect sites is asserted on its URL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_site_raises_only_no_https() {
    let base = clean_site().await;
    let (outcome, clean) = audit_site(&base).await;
    assert!(outcome.site.robots_txt_found && outcome.site.sitemap_found, "{:?}", outcome.site);
    let crawled: BTreeSet<&str> = clean.pages.iter().map(|p| p.url.as_str()).collect();
    let paths = ["/", "/about", "/services", "/contact", "/de", "/old-services"];
    let wanted: BTreeSet<String> = paths.iter().map(|p| format!("{base}{p}")).collect();
    let wanted: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    assert_eq!(crawled, wanted, "every page of the clean site is crawled");
    assert_eq!(
        outcome.site.image_sizes,
        vec![(format!("{base}/logo.png"), 200, Some(2_000))],
        "the logo is probed and small"
    );
    let issues: Vec<(&str, &str)> = clean.issues.iter().map(|i| (i.check.as_str(), i.url.as_str())).collect();
    let start = format!("{base}/");
    assert_eq!(issues, vec![("no_https", start.as_str())], "a plain-HTTP site without defects");
    assert_eq!(outcome.score.html_pages, 6);
    assert_eq!(outcome.score.errors, 1, "no_https is the only error");
    assert_eq!((outcome.score.warnings, outcome.score.notices), (0, 0));
}

/// Serves the router `app` builds for its base URL (`https://127.0.0.1:port`) over TLS with a fresh
/// self-signed certificate for 127.0.0.1; returns the base and the certificate (PEM) to trust.
async fn serve_tls(app: impl FnOnce(&str) -> Router) -> (String, Vec<u8>) {
    let key = rcgen::KeyPair::generate().expect("key pair");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("certificate parameters")
        .self_signed(&key)
        .expect("self-signed certificate");
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).expect("key DER");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key_der)
        .expect("server certificate");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind HTTPS fixture");
    let base = format!("https://{}", listener.local_addr().expect("addr"));
    let router = app(&base);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper_util::service::TowerToHyperService::new(router);
                let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (base, cert.pem().into_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_checks_fire_on_an_https_site_and_not_on_a_secured_page() {
    let body = "<p>Fixture text about audits. </p>".repeat(60);
    let head = |title: &str, path: &str| {
        format!(
            "<!doctype html><html lang=en><head><title>{title}</title><meta name=description \
             content=\"A fixture page of the HTTPS checks, long enough to pass the description length check.\">\
             <link rel=canonical href=\"{path}\"><script type=\"application/ld+json\">{{}}</script></head>"
        )
    };
    let home = format!(
        "{}<body><h1>Insecure home</h1>{body}<img src=\"http://127.0.0.1:9/logo.png\" alt=\"Logo\">\
         <a href=\"/secured\">The secured page</a></body></html>",
        head("An HTTPS home page with gaps", "/")
    );
    let secured = format!(
        "{}<body><h1>Secured</h1>{body}<a href=\"/\">The home page</a></body></html>",
        head("An HTTPS page with its headers", "/secured")
    );
    let (base, certificate) = serve_tls(move |_| {
        Router::new().route("/", get(move || async move { Html(home) })).route(
            "/secured",
            get(move || async move {
                (
                    [
                        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
                        (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
                    ],
                    Html(secured),
                )
            }),
        )
    })
    .await;

    // Without trusting the fixture's certificate the start page can't be fetched at all.
    let (_, untrusted) = audit_site(&base).await;
    assert!(untrusted.pages.iter().all(|p| p.status == 0), "{:?}", untrusted.pages);

    let (outcome, site) = audit_site_trusting(&base, vec![certificate]).await;
    let home_url = format!("{base}/");
    let secured_url = format!("{base}/secured");
    assert_eq!(site.pages.len(), 2, "{:?}", site.pages);
    for check in HTTPS_ONLY {
        assert!(site.has(check, &home_url), "{check} must fire on {}", site.about(&home_url));
        assert!(!site.has(check, &secured_url), "{check} must not fire on {}", site.about(&secured_url));
    }
    assert!(!site.issues.iter().any(|i| i.check == "no_https"), "an HTTPS site: {:?}", site.issues);
    assert_eq!(outcome.score.html_pages, 2);
}

/// Issue rows with what depends on timing blanked (`slow_response`'s detail names the measured time), in
/// one order, with each issue's count.
fn comparable_issues(rows: Vec<IssueRow>) -> std::collections::BTreeMap<IssueRow, usize> {
    let mut out = std::collections::BTreeMap::new();
    for mut row in rows {
        if row.check == "slow_response" {
            row.detail.clear();
        }
        *out.entry(row).or_insert(0) += 1;
    }
    out
}

/// Page rows by URL with the measured time to first byte blanked.
fn comparable_pages(rows: Vec<PageRow>) -> std::collections::BTreeMap<String, PageRow> {
    rows.into_iter().map(|p| (p.url.clone(), PageRow { ttfb_ms: 0, ..p })).collect()
}

/// One pipeline, three sinks that must agree: the `server audit` command's files (issues and pages, in
/// the exports' format), Postgres as the technical SEO auditor task writes it (read back through the page
/// explorer's and the exports' store reads), and an in-memory sink for the links. One crawl at a time
/// (concurrency 1), so the crawl order, and with it every page id, is the same in each run.
#[tokio::test]
async fn the_command_and_postgres_keep_the_same_pages_links_and_issues() {
    use crate::common::{Options, TestApp};
    use crate::fixtures::{create_client, id_of};
    use domain::model::crawl::CrawlKind;
    use domain::tasks::audit::CrawlSettings;

    let base = defect_site().await;
    let dir = std::env::temp_dir().join(format!("aiseo-pipeline-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (issues_file, pages_file) = (dir.join("issues.json"), dir.join("pages.json"));
    server::audit::run(server::audit::Options {
        url: format!("{base}/"),
        max_pages: 200,
        max_depth: 10,
        time_budget: 60,
        concurrency: 1,
        allow_private: true,
        format: "json".into(),
        out: Some(issues_file.clone()),
        pages: Some(pages_file.clone()),
    })
    .await
    .expect("the command audits the fixture site");
    let read = |path: &std::path::Path| std::fs::read_to_string(path).expect("the command's file");
    let file_issues: Vec<IssueRow> = serde_json::from_str(&read(&issues_file)).expect("issues as JSON");
    let file_pages: Vec<PageRow> = serde_json::from_str(&read(&pages_file)).expect("pages as JSON");
    let _ = std::fs::remove_dir_all(&dir);

    let app = TestApp::spawn(Options::default()).await;
    let admin = app.admin().await;
    let (_, manager_id, _) = app.user(&admin, "account_manager").await;
    let client_id =
        uuid::Uuid::parse_str(&id_of(&create_client(&admin, "Pipeline Fixture Ltd", &[], &manager_id).await))
            .expect("client id");
    let settings = CrawlSettings {
        policy: AddressPolicy::allowing(&["127.0.0.0/8"]).expect("allow loopback"),
        max_pages: 200,
        max_depth: 10,
        time_budget: Duration::from_secs(60),
        concurrency: 1,
        ..CrawlSettings::default()
    };
    let start = domain::tasks::audit::start_url(&base).expect("start URL");
    let result = domain::tasks::audit::run(
        &app.pool,
        &settings,
        client_id,
        None,
        CrawlKind::Site,
        start,
        Arc::new(AtomicBool::new(false)),
    )
    .await
    .expect("the audit stores the fixture site");
    let crawl = result.crawl_id;
    let db_pages = domain::store::crawls::page_chunk(&app.pool, crawl, 0, 10_000).await.expect("stored pages");
    let (db_issues, _) =
        domain::store::crawls::issue_chunk(&app.pool, crawl, None, 0, 100_000).await.expect("stored issues");

    // Issues: the same rows, each as often, in the command's file and in Postgres.
    assert!(file_issues.len() > DEFECTS.len(), "the defect site raises its issues: {}", file_issues.len());
    assert_eq!(comparable_issues(file_issues.clone()), comparable_issues(db_issues));

    // Pages: the same rows under the same ids; the command writes a row as its page arrives, before the
    // cross-page checks, so its issue counts are the issues' own per URL (as Postgres counts them at the end).
    let mut counted = file_pages.clone();
    for page in &mut counted {
        for issue in file_issues.iter().filter(|i| i.url == page.url) {
            match issue.severity.as_str() {
                "error" => page.errors += 1,
                "warning" => page.warnings += 1,
                _ => page.notices += 1,
            }
        }
    }
    assert!(file_pages.len() > 20, "the defect site has its pages: {}", file_pages.len());
    assert_eq!(comparable_pages(counted), comparable_pages(db_pages.clone()));

    // Links: the stored links are those the pipeline hands every sink, and each page's counts are its
    // links' (one rule for both).
    let stored: Vec<(i32, String, String, bool, bool)> =
        sqlx::query_as("SELECT from_page, to_url, anchor, nofollow, internal FROM crawl_links WHERE crawl_id = $1")
            .bind(crawl)
            .fetch_all(&app.pool)
            .await
            .expect("stored links");
    let mut stored: Vec<(i32, PageLink)> = stored
        .into_iter()
        .map(|(from, to_url, anchor, nofollow, internal)| (from, PageLink { to_url, anchor, nofollow, internal }))
        .collect();
    let (_, mut collected) = audit_site_with(&base, |c| c.concurrency = 1).await;
    collected.links.sort();
    stored.sort();
    assert!(stored.len() > 50, "the defect site's links: {}", stored.len());
    assert_eq!(collected.links, stored);
    for page in &db_pages {
        let mine = stored.iter().filter(|(from, _)| *from == page.id);
        let internal = mine.clone().filter(|(_, l)| l.internal).count();
        assert_eq!(
            (page.internal_links as usize, page.external_links as usize),
            (internal, mine.count() - internal),
            "{}",
            page.url
        );
    }
}
