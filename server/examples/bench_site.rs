//! A synthetic site for the crawler benchmark (benches/crawl/run.sh), generated on request from a seed, so
//! the same seed always serves the same bytes and nothing is written to disk.
//!
//! `cargo run --release -p server --example bench_site -- --pages 10000 [--seed 42] [--port 0]` prints
//! `listening on http://127.0.0.1:PORT` once it accepts connections.
//!
//! The site: pages `/p/0` (also `/`) to `/p/{N-1}`, 20-60 KB of HTML each (title, description, canonical,
//! JSON-LD, a nav, headings and paragraphs of varied text, 20-60 internal links, 2-5 external links, 3-6
//! images); a robots.txt naming a sitemap index of sitemaps of at most 50,000 URLs. Page `i` links to its
//! children `20i+1..=20i+20` (so every page is at most five clicks deep) and to pseudo-random others.
//! Defects, by page number: every 97th has no title, every 50th shares one meta description, every 40th
//! links to a 404 page, every 60th is thin (under 200 words), every 31st has an image without alt,
//! every 1000th (+999) is an orphan listed only in the sitemap, and page 7 starts a chain of 12 pages one
//! click apart (`/deep/0..12`). Images answer HEAD with their size; every 211th is 800 KB.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::fmt::Write;
use std::sync::Arc;

const SITEMAP_URLS: usize = 50_000;
const DEEP_CHAIN: usize = 12;

const WORDS: &[&str] = &[
    "search",
    "engine",
    "ranking",
    "content",
    "strategy",
    "audit",
    "technical",
    "crawl",
    "index",
    "page",
    "site",
    "link",
    "anchor",
    "keyword",
    "intent",
    "traffic",
    "organic",
    "visibility",
    "authority",
    "domain",
    "backlink",
    "schema",
    "markup",
    "canonical",
    "redirect",
    "sitemap",
    "robots",
    "performance",
    "speed",
    "mobile",
    "users",
    "experience",
    "conversion",
    "funnel",
    "metric",
    "report",
    "client",
    "agency",
    "campaign",
    "growth",
    "local",
    "business",
    "product",
    "category",
    "article",
    "guide",
    "tutorial",
    "review",
    "comparison",
    "pricing",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "for",
    "with",
    "on",
    "by",
    "from",
    "that",
    "this",
    "is",
    "are",
    "was",
    "be",
    "can",
    "will",
    "should",
    "our",
    "your",
    "their",
    "more",
    "most",
    "best",
    "new",
    "first",
    "every",
    "each",
    "because",
    "while",
    "although",
    "however",
    "therefore",
    "quickly",
    "carefully",
    "often",
    "rarely",
    "always",
    "analysis",
    "results",
    "signals",
    "quality",
    "relevance",
    "structure",
    "navigation",
    "internal",
    "external",
    "headings",
    "images",
    "alt",
    "text",
    "descriptions",
    "titles",
    "snippets",
    "queries",
    "clicks",
    "impressions",
    "budget",
    "server",
    "response",
    "latency",
    "cache",
    "compression",
    "stylesheet",
    "script",
    "render",
    "publisher",
    "editor",
    "writer",
    "team",
    "workflow",
    "calendar",
    "topic",
    "cluster",
    "pillar",
    "hub",
];

const EXTERNAL: &[&str] = &[
    "https://developers.google.com/search/docs",
    "https://www.w3.org/TR/html52/",
    "https://en.wikipedia.org/wiki/Search_engine_optimization",
    "https://schema.org/Organization",
    "https://www.bing.com/webmasters/help",
    "https://moz.com/learn/seo",
    "https://ahrefs.com/blog/",
];

/// SplitMix64: a tiny deterministic generator, identical on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
}

struct Site {
    pages: usize,
    seed: u64,
    base: String,
}

impl Site {
    fn is_orphan(&self, i: usize) -> bool {
        i % 1000 == 999
    }

    /// A linkable page other than `i`.
    fn random_page(&self, rng: &mut Rng, i: usize) -> usize {
        loop {
            let j = rng.below(self.pages);
            if j != i && !self.is_orphan(j) {
                return j;
            }
        }
    }

    fn sentence(rng: &mut Rng, out: &mut String) {
        let n = rng.range(6, 22);
        for k in 0..n {
            let w = rng.word();
            if k == 0 {
                let mut c = w.chars();
                if let Some(first) = c.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(w);
            }
        }
        out.push_str(". ");
    }

    fn page(&self, i: usize) -> String {
        let mut rng = Rng::new(self.seed, i as u64);
        let thin = i % 60 == 59;
        let target = if thin { 0 } else { rng.range(20_000, 60_000) };
        let topic = format!("{} {} {}", rng.word(), rng.word(), rng.word());
        let mut h = String::with_capacity(target + 4096);
        let url = format!("{}/p/{i}", self.base);
        h.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if i % 97 != 13 {
            let _ = write!(h, "<title>Page {i}: {topic} for agencies</title>");
        }
        if i.is_multiple_of(50) {
            h.push_str("<meta name=\"description\" content=\"The shared description that several pages of this site repeat word for word, which the audit flags.\">");
        } else {
            let _ = write!(
                h,
                "<meta name=\"description\" content=\"Page {i} explains {topic}: a practical guide with examples, checklists and the mistakes agencies make most often.\">"
            );
        }
        let _ = write!(h, "<link rel=\"canonical\" href=\"{url}\">");
        h.push_str("<link rel=\"stylesheet\" href=\"/static/site.css\"><style>body{font-family:sans-serif;margin:0}.nav a{padding:4px}</style>");
        let _ = write!(
            h,
            "<script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\"@type\":\"Article\",\"headline\":\"Page {i}\",\"author\":{{\"@type\":\"Organization\",\"name\":\"Bench Co\"}}}}</script>"
        );
        h.push_str("</head><body><header class=\"site-header\"><nav class=\"nav\"><ul>");
        for (k, label) in ["Home", "Services", "Pricing", "Blog", "About", "Contact"].iter().enumerate() {
            let _ = write!(h, "<li><a href=\"/p/{}\">{label}</a></li>", k.min(self.pages - 1));
        }
        h.push_str("</ul></nav></header><main><article>");
        let _ = write!(h, "<h1>{topic}</h1>");
        // Links: the tree children first, then random pages up to 20-60 in all (nav included).
        let mut links: Vec<String> = (20 * i + 1..=20 * i + 20)
            .filter(|&c| c < self.pages && !self.is_orphan(c))
            .map(|c| format!("/p/{c}"))
            .collect();
        let wanted = rng.range(20, 60).saturating_sub(6);
        while links.len() < wanted {
            links.push(format!("/p/{}", self.random_page(&mut rng, i)));
        }
        if i.is_multiple_of(40) {
            links.push(format!("/gone/{i}"));
        }
        if i == 7 {
            links.push("/deep/0".to_string());
        }
        if i.is_multiple_of(5) {
            links.push("/private/area".to_string());
        }
        let images = rng.range(3, 6);
        let externals = rng.range(2, 5);
        let mut para = 0usize;
        let (mut next_link, mut next_image, mut next_external) = (0, 0, 0);
        while h.len() < target || next_link < links.len() {
            para += 1;
            if para % 6 == 1 {
                let _ = write!(h, "<h2>{} {}</h2>", rng.word(), rng.word());
            }
            h.push_str("<div class=\"section\"><p>");
            let sentences = if thin { 1 } else { rng.range(3, 9) };
            for _ in 0..sentences {
                Site::sentence(&mut rng, &mut h);
                if next_link < links.len() && rng.below(2) == 0 {
                    let _ = write!(h, "<a href=\"{}\">{} {}</a> ", links[next_link], rng.word(), rng.word());
                    next_link += 1;
                }
            }
            if thin && next_link < links.len() {
                // Thin pages keep their links but little text.
                for l in &links[next_link..] {
                    let _ = write!(h, "<a href=\"{l}\">{}</a> ", rng.word());
                }
                next_link = links.len();
            }
            h.push_str("</p>");
            if next_image < images && para.is_multiple_of(3) {
                let n = i * 7 + next_image;
                if i.is_multiple_of(31) && next_image == 0 {
                    let _ = write!(h, "<img src=\"/img/{n}.jpg\" width=\"640\" height=\"360\">");
                } else {
                    let _ = write!(
                        h,
                        "<img src=\"/img/{n}.jpg\" alt=\"{} {}\" width=\"640\" height=\"360\">",
                        rng.word(),
                        rng.word()
                    );
                }
                next_image += 1;
            }
            if next_external < externals && para.is_multiple_of(4) {
                let _ = write!(
                    h,
                    "<p>Source: <a href=\"{}\" rel=\"nofollow\">{}</a></p>",
                    EXTERNAL[rng.below(EXTERNAL.len())],
                    rng.word()
                );
                next_external += 1;
            }
            h.push_str("</div>");
            if thin && h.len() >= target {
                break;
            }
        }
        h.push_str("</article></main><footer><p>&copy; Bench Co. All rights reserved.</p>");
        h.push_str(
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}</script>",
        );
        h.push_str("</footer></body></html>");
        h
    }

    fn deep(&self, j: usize) -> String {
        let next =
            if j + 1 < DEEP_CHAIN { format!("<a href=\"/deep/{}\">Next chapter</a>", j + 1) } else { String::new() };
        let mut rng = Rng::new(self.seed ^ 0xDEE9, j as u64);
        let mut text = String::new();
        for _ in 0..40 {
            Site::sentence(&mut rng, &mut text);
        }
        format!(
            "<!doctype html><html lang=\"en\"><head><title>Deep chapter {j} of the long guide</title>\
             <meta name=\"description\" content=\"Chapter {j} of a guide split over many pages, each one click further from the home page than the last.\">\
             <link rel=\"canonical\" href=\"{}/deep/{j}\"></head><body><h1>Chapter {j}</h1><p>{text}</p>{next}</body></html>",
            self.base
        )
    }
}

async fn page(State(site): State<Arc<Site>>, Path(i): Path<usize>) -> Response {
    if i >= site.pages {
        return not_found().await;
    }
    Html(site.page(i)).into_response()
}

async fn home(State(site): State<Arc<Site>>) -> Response {
    Html(site.page(0)).into_response()
}

async fn deep(State(site): State<Arc<Site>>, Path(j): Path<usize>) -> Response {
    if j >= DEEP_CHAIN {
        return not_found().await;
    }
    Html(site.deep(j)).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>"),
    )
        .into_response()
}

static ZEROES: [u8; 800_000] = [0; 800_000];

async fn image(Path(name): Path<String>) -> Response {
    let n: usize = name.trim_end_matches(".jpg").parse().unwrap_or(0);
    let size = if n.is_multiple_of(211) { 800_000 } else { 20_000 + n % 60_000 };
    Response::builder().header(header::CONTENT_TYPE, "image/jpeg").body(Body::from(&ZEROES[..size])).unwrap_or_default()
}

async fn robots(State(site): State<Arc<Site>>) -> String {
    format!("User-agent: *\nDisallow: /private/\n\nSitemap: {}/sitemap.xml\n", site.base)
}

fn xml(body: String) -> Response {
    Response::builder().header(header::CONTENT_TYPE, "application/xml").body(Body::from(body)).unwrap_or_default()
}

async fn sitemap_index(State(site): State<Arc<Site>>) -> Response {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">");
    for k in 0..site.pages.div_ceil(SITEMAP_URLS) {
        let _ = write!(x, "<sitemap><loc>{}/sitemaps/{k}.xml</loc></sitemap>", site.base);
    }
    x.push_str("</sitemapindex>");
    xml(x)
}

async fn sitemap(State(site): State<Arc<Site>>, Path(name): Path<String>) -> Response {
    let Ok(k) = name.trim_end_matches(".xml").parse::<usize>() else { return not_found().await };
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    for i in (k * SITEMAP_URLS..(k + 1) * SITEMAP_URLS).take_while(|&i| i < site.pages) {
        let _ = write!(x, "<url><loc>{}/p/{i}</loc></url>", site.base);
    }
    x.push_str("</urlset>");
    xml(x)
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let pages = arg(&args, "--pages", 10_000).max(1) as usize;
    let seed = arg(&args, "--seed", 42);
    let port = arg(&args, "--port", 0) as u16;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let site = Arc::new(Site { pages, seed, base: format!("http://{addr}") });
    let app = Router::new()
        .route("/", get(home))
        .route("/p/{i}", get(page))
        .route("/deep/{j}", get(deep))
        .route("/img/{name}", get(image))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/{name}", get(sitemap))
        .fallback(not_found)
        .with_state(site);
    println!("listening on http://{addr}");
    axum::serve(listener, app).await
}
