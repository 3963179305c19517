//! Fetching for the crawler: an outbound address guard, one fetch with its redirect chain, robots.txt and
//! sitemaps.
//!
//! The guard refuses private, loopback, link-local, unique-local, carrier-grade NAT, multicast, broadcast,
//! unspecified and documentation addresses unless an allow-list names them (the tests allow 127.0.0.1).
//! It is applied twice: by the DNS resolver the HTTP client uses (every connection, so every redirect to a
//! host name, is checked after resolution, and the connection goes to the checked address), and to every
//! URL whose host is an IP literal, which never reaches a resolver. Redirects are followed by hand so each
//! hop passes the guard.

use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// The user agent the crawler sends and matches robots.txt groups with.
pub const USER_AGENT: &str = concat!("AISEOArchitectsBot/", env!("CARGO_PKG_VERSION"), " (+https://aiseo.example/bot)");
/// The robots.txt product token.
pub const ROBOTS_AGENT: &str = "AISEOArchitectsBot";
/// Redirect hops followed before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// Address ranges no crawl may reach unless allowed.
const BLOCKED: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "2001:db8::/32",
];

/// Which outbound addresses a crawl may reach.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    /// Ranges allowed even though they are blocked (e.g. `127.0.0.1/32` for test fixtures).
    pub allow: Vec<IpNet>,
}

impl AddressPolicy {
    /// Allows `ranges` (CIDR or single addresses); an unparsable entry is an error naming it.
    pub fn allowing(ranges: &[&str]) -> Result<AddressPolicy, String> {
        let allow = ranges
            .iter()
            .map(|r| {
                r.parse::<IpNet>()
                    .or_else(|_| r.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("\u{201c}{r}\u{201d} is not an address or CIDR range"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AddressPolicy { allow })
    }

    /// Whether `ip` may be reached. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        if self.allow.iter().any(|n| n.contains(&ip)) {
            return true;
        }
        !BLOCKED.iter().filter_map(|b| b.parse::<IpNet>().ok()).any(|n| n.contains(&ip))
    }

    /// Checks a URL before a request: http(s) only, and an IP-literal host must be permitted.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!("{url}: only http and https are crawled")));
        }
        match url.host() {
            Some(url::Host::Ipv4(ip)) if !self.permits(IpAddr::V4(ip)) => {
                Err(FetchError::Refused(format!("{ip} is a private or reserved address")))
            }
            Some(url::Host::Ipv6(ip)) if !self.permits(IpAddr::V6(ip)) => {
                Err(FetchError::Refused(format!("{ip} is a private or reserved address")))
            }
            None => Err(FetchError::Refused(format!("{url} has no host"))),
            _ => Ok(()),
        }
    }
}

/// A fetch that did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("timed out")]
    Timeout,
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("{0}")]
    Network(String),
}

/// The DNS resolver of the crawler's HTTP client: resolves, then keeps only permitted addresses.
struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = addrs.iter().copied().filter(|a| policy.permits(a.ip())).collect();
            if permitted.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = if addrs.is_empty() {
                    format!("{host} does not resolve").into()
                } else {
                    format!("{host} resolves to a private or reserved address").into()
                };
                return Err(err);
            }
            let iter: reqwest::dns::Addrs = Box::new(permitted.into_iter());
            Ok(iter)
        })
    }
}

/// The crawler's HTTP client: guarded resolver, no automatic redirects, gzip/brotli off (bytes are what the
/// site serves), the crawler's user agent, a per-request timeout.
pub fn client(policy: Arc<AddressPolicy>, timeout: Duration) -> Result<reqwest::Client, FetchError> {
    client_trusting(policy, timeout, &[])
}

/// [`client`], also trusting the PEM certificates in `roots` besides the built-in web roots: a staging site
/// behind a private CA, or an HTTPS test fixture.
pub fn client_trusting(
    policy: Arc<AddressPolicy>,
    timeout: Duration,
    roots: &[Vec<u8>],
) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver { policy }))
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)));
    for pem in roots {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| FetchError::Network(format!("a root certificate to trust is not PEM: {e}")))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| FetchError::Network(format!("building the HTTP client: {e}")))
}

/// One fetched URL after its redirects.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub final_url: Url,
    pub status: u16,
    /// `(url, status)` of each redirect hop before the final URL.
    pub chain: Vec<(String, u16)>,
    /// Time to the final answer's headers.
    pub ttfb: Duration,
    /// Bytes served (counted in full; only `cap` of them kept in `body`).
    pub bytes: u64,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub x_robots_tag: Option<String>,
    pub retry_after: Option<Duration>,
    pub hsts: bool,
    pub csp: bool,
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get(name).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string())
}

fn network(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        FetchError::Timeout
    } else {
        // The resolver's refusal comes back as a connect error; keep its words.
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg = s.to_string();
            source = s.source();
        }
        if msg.contains("private or reserved") {
            FetchError::Refused(msg)
        } else {
            FetchError::Network(msg)
        }
    }
}

/// GETs `url`, following redirects by hand (each hop passes the guard), and reads at most `cap` bytes of
/// the body (the rest is counted, not kept). `method_head` sends HEAD instead (image sizes).
pub async fn fetch(
    client: &reqwest::Client,
    policy: &AddressPolicy,
    url: &Url,
    cap: usize,
    method_head: bool,
) -> Result<Fetched, FetchError> {
    let mut current = url.clone();
    let mut chain: Vec<(String, u16)> = Vec::new();
    loop {
        policy.check_url(&current)?;
        let started = Instant::now();
        let req = if method_head { client.head(current.clone()) } else { client.get(current.clone()) };
        let mut res = req.send().await.map_err(network)?;
        let ttfb = started.elapsed();
        let status = res.status().as_u16();
        if res.status().is_redirection() {
            if let Some(next) = header(&res, "location").and_then(|l| current.join(&l).ok()) {
                chain.push((current.to_string(), status));
                let mut next = next;
                next.set_fragment(None);
                if next == current || chain.iter().any(|(u, _)| *u == next.as_str()) {
                    // A loop: stop here and answer with the hops and the URL it came back to, which is
                    // what the redirect_loop check reads. No body, no content type: nothing to parse.
                    return Ok(Fetched {
                        final_url: next,
                        status,
                        chain,
                        ttfb,
                        bytes: 0,
                        body: Vec::new(),
                        content_type: None,
                        x_robots_tag: None,
                        retry_after: None,
                        hsts: false,
                        csp: false,
                    });
                }
                if chain.len() > MAX_REDIRECTS {
                    return Err(FetchError::TooManyRedirects);
                }
                current = next;
                continue;
            }
        }
        let retry_after = header(&res, "retry-after").and_then(|v| v.parse::<u64>().ok()).map(Duration::from_secs);
        let content_type = header(&res, "content-type");
        let x_robots_tag = header(&res, "x-robots-tag");
        let hsts = res.headers().contains_key("strict-transport-security");
        let csp = res.headers().contains_key("content-security-policy");
        let mut body = Vec::new();
        let mut bytes: u64 = 0;
        if !method_head {
            while let Some(chunk) = res.chunk().await.map_err(network)? {
                bytes += chunk.len() as u64;
                if body.len() < cap {
                    let take = (cap - body.len()).min(chunk.len());
                    body.extend_from_slice(&chunk[..take]);
                }
            }
        } else {
            // The header as sent: reqwest's `content_length()` reads the (empty) HEAD body and answers 0.
            bytes = res
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
        }
        return Ok(Fetched {
            final_url: current,
            status,
            chain,
            ttfb,
            bytes,
            body,
            content_type,
            x_robots_tag,
            retry_after,
            hsts,
            csp,
        });
    }
}

/// robots.txt rules for the crawler's user agent. A missing or unreadable file allows everything (what
/// search engines do with a 4xx); a 5xx disallows everything for this crawl (Google treats a server error
/// on robots.txt as "don't crawl").
pub struct Robots {
    rules: Option<texting_robots::Robot>,
    disallow_all: bool,
    pub found: bool,
    pub sitemaps: Vec<String>,
}

impl Robots {
    pub fn from_response(status: u16, body: &[u8]) -> Robots {
        if (500..600).contains(&status) {
            return Robots { rules: None, disallow_all: true, found: false, sitemaps: Vec::new() };
        }
        if status != 200 {
            return Robots { rules: None, disallow_all: false, found: false, sitemaps: Vec::new() };
        }
        match texting_robots::Robot::new(ROBOTS_AGENT, body) {
            Ok(r) => {
                let sitemaps = r.sitemaps.clone();
                Robots { rules: Some(r), disallow_all: false, found: true, sitemaps }
            }
            Err(_) => Robots { rules: None, disallow_all: false, found: true, sitemaps: Vec::new() },
        }
    }

    pub fn allows(&self, url: &str) -> bool {
        if self.disallow_all {
            return false;
        }
        self.rules.as_ref().is_none_or(|r| r.allowed(url))
    }

    /// The Crawl-delay for our agent, capped at 10 s.
    pub fn crawl_delay(&self) -> Option<Duration> {
        self.rules.as_ref().and_then(|r| r.delay).map(|d| Duration::from_secs_f32(d.clamp(0.0, 10.0)))
    }
}

/// What a sitemap file lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sitemap {
    /// Page URLs (`<urlset><url><loc>`).
    pub pages: Vec<String>,
    /// Nested sitemaps (`<sitemapindex><sitemap><loc>`).
    pub sitemaps: Vec<String>,
}

/// Reads a sitemap or sitemap index; unreadable XML gives what was read before the error.
pub fn parse_sitemap(xml: &[u8]) -> Sitemap {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = Sitemap::default();
    let mut loc: Option<String> = None;
    let mut parent_is_index = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"sitemapindex" | b"sitemap" => parent_is_index = true,
                b"urlset" | b"url" => parent_is_index = false,
                b"loc" => loc = Some(String::new()),
                _ => {}
            },
            Ok(Event::Text(t)) => {
                if let Some(l) = loc.as_mut() {
                    l.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(l) = loc.as_mut() {
                    l.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            // Entity references come as events of their own: `&amp;` inside a URL is common.
            Ok(Event::GeneralRef(r)) => {
                if let Some(l) = loc.as_mut() {
                    match entity(&String::from_utf8_lossy(r.as_ref())) {
                        Some(c) => l.push(c),
                        None => l.push('\u{fffd}'),
                    }
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == b"loc" => {
                if let Some(l) = loc.take() {
                    let l = l.trim().to_string();
                    if !l.is_empty() {
                        if parent_is_index {
                            out.sitemaps.push(l);
                        } else {
                            out.pages.push(l);
                        }
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// The character an XML entity reference names (the five predefined ones and numeric references).
fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n => {
            let code = if let Some(hex) = n.strip_prefix("#x").or_else(|| n.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                n.strip_prefix('#').and_then(|d| d.parse::<u32>().ok())
            };
            code.and_then(char::from_u32)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn crawler_refuses_private_loopback_link_local_and_unique_local_addresses() {
        let p = AddressPolicy::default();
        for blocked in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!p.permits(ip(blocked)), "{blocked} must be refused");
        }
        for public in ["93.184.216.34", "172.32.0.1", "8.8.8.8", "2606:4700::1111"] {
            assert!(p.permits(ip(public)), "{public} must be allowed");
        }
    }

    #[test]
    fn the_allow_list_opens_only_what_it_names() {
        let p = AddressPolicy::allowing(&["127.0.0.1"]).expect("policy");
        assert!(p.permits(ip("127.0.0.1")));
        assert!(!p.permits(ip("127.0.0.2")));
        assert!(!p.permits(ip("10.0.0.1")));
        assert!(AddressPolicy::allowing(&["not-a-range"]).is_err());
    }

    #[test]
    fn ip_literal_urls_are_checked_before_any_request() {
        let p = AddressPolicy::default();
        for u in ["http://10.0.0.1/", "http://[::1]:8080/x", "http://169.254.169.254/latest/meta-data/"] {
            let url = Url::parse(u).expect("url");
            assert!(matches!(p.check_url(&url), Err(FetchError::Refused(_))), "{u}");
        }
        assert!(matches!(p.check_url(&Url::parse("ftp://example.com/").expect("url")), Err(FetchError::Refused(_))));
        assert!(p.check_url(&Url::parse("https://example.com/").expect("url")).is_ok());
    }

    #[test]
    fn sitemaps_and_sitemap_indexes_are_read() {
        let set = br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>https://a.example/</loc></url><url><loc> https://a.example/b?x=1&amp;y=2 </loc></url></urlset>"#;
        assert_eq!(parse_sitemap(set).pages, ["https://a.example/", "https://a.example/b?x=1&y=2"]);
        let index = br#"<sitemapindex><sitemap><loc>https://a.example/s1.xml</loc></sitemap></sitemapindex>"#;
        let s = parse_sitemap(index);
        assert_eq!(s.sitemaps, ["https://a.example/s1.xml"]);
        assert!(s.pages.is_empty());
        assert_eq!(parse_sitemap(b"\x00\xff<urlset><url><loc>"), Sitemap::default());
    }

    #[test]
    fn robots_rules_missing_files_and_server_errors() {
        let r = Robots::from_response(
            200,
            b"User-agent: *\nDisallow: /private\nCrawl-delay: 2\nSitemap: https://a.example/s.xml\n",
        );
        assert!(r.found);
        assert!(!r.allows("https://a.example/private/x"));
        assert!(r.allows("https://a.example/public"));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
        assert_eq!(r.sitemaps, ["https://a.example/s.xml"]);
        let missing = Robots::from_response(404, b"");
        assert!(!missing.found && missing.allows("https://a.example/anything"));
        assert!(!Robots::from_response(503, b"").allows("https://a.example/"));
    }

    /// A one-route HTTP server on 127.0.0.1 answering every request with `response`.
    async fn serve(response: &'static str) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let _ = s.write_all(response.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_redirect_into_private_space_is_refused() {
        let addr = serve(
            "HTTP/1.1 301 Moved\r\nLocation: http://10.0.0.1/admin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await;
        let policy = Arc::new(AddressPolicy::allowing(&["127.0.0.1"]).expect("policy"));
        let c = client(policy.clone(), Duration::from_secs(5)).expect("client");
        let url = Url::parse(&format!("http://{addr}/start")).expect("url");
        let err = fetch(&c, &policy, &url, 1024, false).await.expect_err("refused");
        assert!(matches!(err, FetchError::Refused(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_host_name_resolving_to_loopback_is_refused_after_resolution() {
        let addr = serve("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").await;
        let policy = Arc::new(AddressPolicy::default());
        let c = client(policy.clone(), Duration::from_secs(5)).expect("client");
        let url = Url::parse(&format!("http://localhost:{}/", addr.port())).expect("url");
        let err = fetch(&c, &policy, &url, 1024, false).await.expect_err("refused");
        assert!(matches!(err, FetchError::Refused(_)), "{err:?}");
    }

    #[tokio::test]
    async fn an_allowed_fetch_records_status_headers_and_caps_the_body() {
        let addr = serve(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nStrict-Transport-Security: max-age=1\r\nX-Robots-Tag: noindex\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789",
        )
        .await;
        let policy = Arc::new(AddressPolicy::allowing(&["127.0.0.1"]).expect("policy"));
        let c = client(policy.clone(), Duration::from_secs(5)).expect("client");
        let url = Url::parse(&format!("http://{addr}/")).expect("url");
        let f = fetch(&c, &policy, &url, 4, false).await.expect("fetched");
        assert_eq!((f.status, f.bytes, f.body.as_slice()), (200, 10, b"0123".as_slice()));
        assert!(f.hsts && !f.csp);
        assert_eq!(f.x_robots_tag.as_deref(), Some("noindex"));
        assert_eq!(f.content_type.as_deref(), Some("text/html"));
    }
}
