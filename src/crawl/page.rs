//! The page parser: decodes an HTML body in whatever charset it declares and reads out the facts the checks
//! need ([`PageFacts`]). It must survive any bytes a crawled site sends (audit-checks.md, Crawler): broken
//! markup, wrong charsets, huge pages and binary served as `text/html`.

use std::collections::HashSet;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use scraper::{ElementRef, Html, Node};
use sha2::{Digest, Sha256};
use url::Url;

use super::{Image, Link, PageFacts};

/// Bytes of a body the parser reads at most (larger pages are parsed on this prefix).
pub const BODY_CAP: usize = 5 * 1024 * 1024;
/// Characters of visible text kept.
pub const TEXT_CAP: usize = 100_000;
/// Characters kept of one heading's or one link's text: longer ones are markup gone wrong, and capping them keeps
/// deeply nested headings from costing quadratic time.
const ELEMENT_TEXT_CAP: usize = 1_000;
/// How far into the body a `<meta charset>` is looked for (the HTML standard's prescan reads 1024 bytes).
const PRESCAN_BYTES: usize = 1024;
/// Open elements at which the decoded page is cut before parsing: html5ever's tree builder takes time quadratic in
/// the nesting depth (5,000 nested `<div>` took seconds, 20,000 nearly two minutes in a debug build), so a hostile
/// page could stall a crawl worker. Browsers nest no deeper than this either (Blink stops at 512).
const MAX_NESTING: usize = 1_024;

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// Elements whose content is not shown as page text: not descended into at all.
const HIDDEN: &[&str] = &["script", "style", "noscript", "template", "svg", "title", "iframe"];

/// Elements that do not break a word: `<b>foo</b>bar` reads "foobar", `<p>foo</p><p>bar</p>` reads "foo bar".
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins", "kbd",
    "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

/// Decodes `body` (charset from the Content-Type header's charset param, else a BOM, else <meta charset> /
/// http-equiv in the first 1024 bytes, else UTF-8 with replacement) and parses it. `base` is the page's final URL
/// (resolve relative URLs against it, honouring <base href> when present and valid). Never panics on any input.
/// Bytes past [`BODY_CAP`] are dropped before decoding, and markup past [`MAX_NESTING`] open elements before parsing.
pub fn parse(body: &[u8], content_type: Option<&str>, base: &Url) -> PageFacts {
    let body = &body[..body.len().min(BODY_CAP)];
    let text = decode(body, content_type);
    let html = Html::parse_document(&text[..nesting_cut(&text)]);
    let root = html.root_element();
    let base = document_base(root, base);
    let mut reader = Reader::new(base);
    walk(root, |step| reader.step(step));
    reader.finish()
}

/// True when the content type (or, without one, a sniff of the first bytes) says HTML.
pub fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type.map(|ct| ct.split(';').next().unwrap_or_default().trim()) {
        Some(essence) if !essence.is_empty() => {
            essence.eq_ignore_ascii_case("text/html") || essence.eq_ignore_ascii_case("application/xhtml+xml")
        }
        _ => sniff_html(body),
    }
}

/// The HTML standard's MIME sniffing patterns for HTML: after leading whitespace, one of these tags (case
/// insensitive) followed by a space or `>`.
fn sniff_html(body: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<!--",
    ];
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0C' | b'\r')).unwrap_or(body.len());
    let rest = &body[start..];
    TAGS.iter().any(|tag| {
        rest.len() > tag.len()
            && rest[..tag.len()].eq_ignore_ascii_case(tag)
            && (tag == b"<!--" || matches!(rest[tag.len()], b' ' | b'>'))
    })
}

fn decode(body: &[u8], content_type: Option<&str>) -> String {
    if let Some(encoding) = content_type.and_then(header_charset) {
        return encoding.decode_with_bom_removal(body).0.into_owned();
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        return encoding.decode_without_bom_handling(&body[bom_len..]).0.into_owned();
    }
    let encoding = meta_charset(&body[..body.len().min(PRESCAN_BYTES)]).unwrap_or(UTF_8);
    encoding.decode_without_bom_handling(body).0.into_owned()
}

/// The `charset` parameter of a Content-Type header, when it names an encoding.
fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(value.trim().trim_matches(|c| c == '"' || c == '\'').as_bytes())
    })
}

/// A `charset=` inside a `<meta>` tag of the body's head: both `<meta charset="...">` and
/// `<meta http-equiv="Content-Type" content="text/html; charset=...">` carry it that way.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(found) = find(&lower[from..], b"<meta") {
        let start = from + found + b"<meta".len();
        let end = lower[start..].iter().position(|&b| b == b'>').map_or(lower.len(), |len| start + len);
        let tag = &lower[start..end];
        let mut at = 0;
        while let Some(found) = find(&tag[at..], b"charset") {
            at += found + b"charset".len();
            if let Some(encoding) = charset_value(&tag[at..]) {
                // A page cannot be UTF-16 if its ASCII prescan worked: the standard reads that as UTF-8.
                return Some(if encoding == UTF_16LE || encoding == UTF_16BE { UTF_8 } else { encoding });
            }
        }
        from = end;
    }
    None
}

/// Reads `= "label"` (quotes and spaces optional) after the word `charset`.
fn charset_value(rest: &[u8]) -> Option<&'static Encoding> {
    let rest = rest.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let len = rest.iter().position(|b| matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace());
    Encoding::for_label(&rest[..len.unwrap_or(rest.len())])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Where to cut `html` so that no more than [`MAX_NESTING`] elements are open, by a quick scan of its tags:
/// elements the parser closes by itself (`<p>`, `<li>`, table parts, `<a>`) and void elements are not counted,
/// and the content of raw-text elements is skipped. The index is always at a `<`, so on a char boundary.
fn nesting_cut(html: &str) -> usize {
    const NOT_NESTING: &[&[u8]] = &[
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"option",
        b"optgroup",
        b"tr",
        b"td",
        b"th",
        b"tbody",
        b"thead",
        b"tfoot",
        b"caption",
        b"colgroup",
        b"rb",
        b"rt",
        b"rp",
        b"a",
        b"html",
        b"head",
        b"body",
        b"area",
        b"base",
        b"br",
        b"col",
        b"embed",
        b"hr",
        b"img",
        b"input",
        b"link",
        b"meta",
        b"source",
        b"track",
        b"wbr",
        b"param",
    ];
    const RAW_TEXT: &[&[u8]] = &[b"script", b"style", b"textarea", b"title", b"xmp", b"noscript", b"iframe"];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|&b| b == b'<') {
        let start = at + found;
        at = start + 1;
        let closing = bytes.get(at) == Some(&b'/');
        let name_start = at + usize::from(closing);
        let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = bytes[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = bytes[name_start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |len| name_start + len);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        at = tag_end;
        if NOT_NESTING.contains(&name.as_slice()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            if RAW_TEXT.contains(&name.as_slice()) {
                let mut end_tag = b"</".to_vec();
                end_tag.extend_from_slice(&name);
                at = bytes[at..]
                    .windows(end_tag.len())
                    .position(|window| window.eq_ignore_ascii_case(&end_tag))
                    .map_or(bytes.len(), |len| at + len);
                continue;
            }
            depth += 1;
            if depth > MAX_NESTING {
                return start;
            }
        }
    }
    html.len()
}

/// The URL relative references resolve against: the first `<base href>` when it resolves to an http(s) URL, else
/// the page's own URL.
fn document_base(root: ElementRef<'_>, page: &Url) -> Url {
    std::iter::once(root)
        .chain(root.descendent_elements())
        .find(|el| is_html_element(*el, "base") && el.attr("href").is_some())
        .and_then(|el| page.join(el.attr("href")?.trim()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone())
}

fn is_html_element(el: ElementRef<'_>, name: &str) -> bool {
    el.value().name() == name && &*el.value().name.ns == XHTML
}

/// One event of the document-order walk.
enum Step<'a> {
    Open(ElementRef<'a>, usize),
    Close(ElementRef<'a>, usize),
    Text(&'a str),
}

/// Walks the tree under `root` in document order without recursion (a hostile page can nest elements hundreds of
/// thousands deep). Elements in [`HIDDEN`] are opened and closed but not descended into.
fn walk<'a>(root: ElementRef<'a>, mut visit: impl FnMut(Step<'a>)) {
    let mut node = *root;
    let mut depth = 0;
    visit(Step::Open(root, depth));
    loop {
        let descend = ElementRef::wrap(node).is_some_and(|el| !HIDDEN.contains(&el.value().name()));
        if let Some(child) = node.first_child().filter(|_| descend) {
            node = child;
            depth += 1;
        } else {
            loop {
                if let Some(el) = ElementRef::wrap(node) {
                    visit(Step::Close(el, depth));
                }
                if depth == 0 {
                    return;
                }
                if let Some(sibling) = node.next_sibling() {
                    node = sibling;
                    break;
                }
                match node.parent() {
                    Some(parent) => {
                        node = parent;
                        depth -= 1;
                    }
                    None => return,
                }
            }
        }
        match node.value() {
            Node::Element(_) => {
                if let Some(el) = ElementRef::wrap(node) {
                    visit(Step::Open(el, depth));
                }
            }
            Node::Text(text) => visit(Step::Text(&text.text)),
            _ => {}
        }
    }
}

/// Whitespace-collapsing text collector that also counts words and, for the page text, hashes it.
struct Collapser {
    out: String,
    chars: usize,
    cap: usize,
    /// Set once a character did not fit: nothing more is kept, so the kept text is a clean prefix.
    full: bool,
    /// Something was emitted: a later space is a separator, not leading whitespace.
    started: bool,
    pending_space: bool,
    word_count: u32,
    in_word: bool,
    word_has_alnum: bool,
    hash: Option<(Sha256, String)>,
}

impl Collapser {
    fn new(cap: usize, hashed: bool) -> Self {
        Self {
            out: String::new(),
            chars: 0,
            cap,
            full: false,
            started: false,
            pending_space: false,
            word_count: 0,
            in_word: false,
            word_has_alnum: false,
            hash: hashed.then(|| (Sha256::new(), String::new())),
        }
    }

    fn push_str(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                self.space();
            } else {
                self.push_char(c);
            }
        }
    }

    fn space(&mut self) {
        self.pending_space = true;
        self.end_word();
    }

    fn end_word(&mut self) {
        if self.in_word && self.word_has_alnum {
            self.word_count = self.word_count.saturating_add(1);
        }
        self.in_word = false;
        self.word_has_alnum = false;
    }

    fn push_char(&mut self, c: char) {
        let space = std::mem::take(&mut self.pending_space) && self.started;
        self.started = true;
        self.in_word = true;
        self.word_has_alnum |= c.is_alphanumeric();
        if let Some((hasher, buf)) = &mut self.hash {
            if space {
                buf.push(' ');
            }
            buf.extend(c.to_lowercase());
            if buf.len() >= 8192 {
                hasher.update(buf.as_bytes());
                buf.clear();
            }
        }
        if self.full {
            return;
        }
        let needed = 1 + usize::from(space);
        if self.chars + needed > self.cap {
            self.full = true;
            return;
        }
        if space {
            self.out.push(' ');
        }
        self.out.push(c);
        self.chars += needed;
    }

    /// The kept text, the number of words in the whole text, and the hex hash of the whole text.
    fn finish(mut self) -> (String, u32, String) {
        self.end_word();
        let hash = self.hash.map(|(mut hasher, buf)| {
            hasher.update(buf.as_bytes());
            hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
        });
        (self.out, self.word_count, hash.unwrap_or_default())
    }
}

/// What an open capture fills in when it closes: the index of its placeholder, pushed when the element opened so
/// that nested headings stay in document order.
enum CaptureKind {
    Heading { index: usize, h1_index: Option<usize> },
    Link { index: usize, image_alt: Option<String> },
}

/// The text of an open heading or link, collected as the walk passes through it.
struct Capture {
    depth: usize,
    kind: CaptureKind,
    text: Collapser,
}

/// Collects [`PageFacts`] from the walk's steps.
struct Reader {
    base: Url,
    facts: PageFacts,
    title_seen: bool,
    description_seen: bool,
    robots_seen: bool,
    text: Collapser,
    captures: Vec<Capture>,
    /// Captures below this index are full: text goes to the ones above only (outer captures fill first, so the
    /// full ones are always a prefix).
    first_open_capture: usize,
    subresources: HashSet<String>,
    json_ld_types: HashSet<String>,
}

impl Reader {
    fn new(base: Url) -> Self {
        Self {
            base,
            facts: PageFacts::default(),
            title_seen: false,
            description_seen: false,
            robots_seen: false,
            text: Collapser::new(TEXT_CAP, true),
            captures: Vec::new(),
            first_open_capture: 0,
            subresources: HashSet::new(),
            json_ld_types: HashSet::new(),
        }
    }

    fn step(&mut self, step: Step<'_>) {
        match step {
            Step::Open(el, depth) => {
                if &*el.value().name.ns == XHTML {
                    self.break_words(el);
                    self.open(el, depth);
                }
            }
            Step::Close(el, depth) => {
                if &*el.value().name.ns == XHTML {
                    self.break_words(el);
                    if self.captures.last().is_some_and(|capture| capture.depth == depth) {
                        self.close_capture();
                    }
                }
            }
            Step::Text(text) => {
                self.text.push_str(text);
                for capture in &mut self.captures[self.first_open_capture..] {
                    capture.text.push_str(text);
                }
                while self.captures.get(self.first_open_capture).is_some_and(|capture| capture.text.full) {
                    self.first_open_capture += 1;
                }
            }
        }
    }

    fn break_words(&mut self, el: ElementRef<'_>) {
        if !INLINE.contains(&el.value().name()) {
            self.text.space();
            for capture in &mut self.captures[self.first_open_capture..] {
                capture.text.space();
            }
        }
    }

    fn open(&mut self, el: ElementRef<'_>, depth: usize) {
        match el.value().name() {
            "title" if !self.title_seen => {
                self.title_seen = true;
                let mut title = Collapser::new(usize::MAX, false);
                el.text().for_each(|text| title.push_str(text));
                self.facts.title = Some(title.finish().0).filter(|title| !title.is_empty());
            }
            "meta" => self.meta(el),
            "link" => self.link_element(el),
            "a" => self.anchor(el, depth),
            "img" => self.image(el),
            "script" => {
                self.subresource(el.attr("src"));
                if el.attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) {
                    let json: String = el.text().collect();
                    if let Ok(value) = serde_json::from_str::<serde_json::Value>(json.trim()) {
                        self.json_ld(&value);
                    }
                }
            }
            "iframe" | "source" | "video" | "audio" => self.subresource(el.attr("src")),
            name => {
                if let Some(level) = heading_level(name) {
                    let index = self.facts.headings.len();
                    self.facts.headings.push((level, String::new()));
                    let h1_index = (level == 1).then(|| {
                        self.facts.h1.push(String::new());
                        self.facts.h1.len() - 1
                    });
                    self.push_capture(depth, CaptureKind::Heading { index, h1_index });
                }
            }
        }
    }

    fn meta(&mut self, el: ElementRef<'_>) {
        let Some(name) = el.attr("name").map(str::trim) else { return };
        let content = el.attr("content").map(str::trim).filter(|content| !content.is_empty());
        if name.eq_ignore_ascii_case("description") && !self.description_seen {
            self.description_seen = true;
            self.facts.meta_description = content.map(str::to_owned);
        } else if name.eq_ignore_ascii_case("robots") && !self.robots_seen {
            self.robots_seen = true;
            self.facts.meta_robots = content.map(str::to_lowercase);
        }
    }

    fn link_element(&mut self, el: ElementRef<'_>) {
        let rel = el.attr("rel").unwrap_or_default();
        let has_rel = |wanted: &str| rel.split_ascii_whitespace().any(|token| token.eq_ignore_ascii_case(wanted));
        let href = el.attr("href").and_then(|href| self.resolve(href));
        if has_rel("stylesheet") {
            self.subresource(el.attr("href"));
        }
        let Some(href) = href else { return };
        if has_rel("canonical") && self.facts.canonical.is_none() {
            self.facts.canonical = Some(href.to_string());
        }
        if has_rel("alternate") {
            if let Some(lang) = el.attr("hreflang").map(str::trim).filter(|lang| !lang.is_empty()) {
                self.facts.hreflang.push((lang.to_owned(), href.to_string()));
            }
        }
    }

    fn anchor(&mut self, el: ElementRef<'_>, depth: usize) {
        let Some(href) = el.attr("href").map(str::trim) else { return };
        if href.is_empty() || href.starts_with('#') {
            return;
        }
        let Some(mut url) = self.resolve(href).filter(|url| matches!(url.scheme(), "http" | "https")) else {
            return;
        };
        url.set_fragment(None);
        let rel = el.attr("rel").unwrap_or_default();
        let nofollow = rel
            .split_ascii_whitespace()
            .any(|token| ["nofollow", "ugc", "sponsored"].iter().any(|value| token.eq_ignore_ascii_case(value)));
        let index = self.facts.links.len();
        self.facts.links.push(Link { url: url.into(), anchor: String::new(), nofollow });
        self.push_capture(depth, CaptureKind::Link { index, image_alt: None });
    }

    fn image(&mut self, el: ElementRef<'_>) {
        let alt = el.attr("alt");
        if let Some(alt) = alt.map(str::trim).filter(|alt| !alt.is_empty()) {
            let link = self.captures.iter_mut().rev().find_map(|capture| match &mut capture.kind {
                CaptureKind::Link { image_alt, .. } => Some(image_alt),
                CaptureKind::Heading { .. } => None,
            });
            if let Some(slot) = link.filter(|slot| slot.is_none()) {
                let mut collapsed = Collapser::new(ELEMENT_TEXT_CAP, false);
                collapsed.push_str(alt);
                *slot = Some(collapsed.finish().0);
            }
        }
        // Lazy-loading scripts often leave the real address in data-src: the image is still on the page.
        let src = el.attr("src").filter(|src| !src.trim().is_empty()).or_else(|| el.attr("data-src"));
        if let Some(url) = src.and_then(|src| self.resolve(src)) {
            self.facts.images.push(Image { src: url.into(), alt: alt.map(str::to_owned) });
        }
        self.subresource(el.attr("src"));
    }

    fn push_capture(&mut self, depth: usize, kind: CaptureKind) {
        self.captures.push(Capture { depth, kind, text: Collapser::new(ELEMENT_TEXT_CAP, false) });
    }

    fn close_capture(&mut self) {
        let Some(capture) = self.captures.pop() else { return };
        self.first_open_capture = self.first_open_capture.min(self.captures.len());
        let text = capture.text.finish().0;
        match capture.kind {
            CaptureKind::Heading { index, h1_index } => {
                if let Some(h1) = h1_index.and_then(|i| self.facts.h1.get_mut(i)) {
                    h1.clone_from(&text);
                }
                if let Some((_, heading)) = self.facts.headings.get_mut(index) {
                    *heading = text;
                }
            }
            CaptureKind::Link { index, image_alt } => {
                if let Some(link) = self.facts.links.get_mut(index) {
                    link.anchor = if text.is_empty() { image_alt.unwrap_or_default() } else { text };
                }
            }
        }
    }

    fn subresource(&mut self, src: Option<&str>) {
        if let Some(url) = src.and_then(|src| self.resolve(src)).filter(|url| url.scheme() == "http") {
            let url = String::from(url);
            if self.subresources.insert(url.clone()) {
                self.facts.subresources.push(url);
            }
        }
    }

    /// Collects `@type` of a JSON-LD value: an object, an array of them, or a `@graph` of them.
    fn json_ld(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Array(items) => items.iter().for_each(|item| self.json_ld(item)),
            serde_json::Value::Object(object) => {
                let types = match object.get("@type") {
                    Some(serde_json::Value::String(name)) => vec![name.as_str()],
                    Some(serde_json::Value::Array(names)) => names.iter().filter_map(|name| name.as_str()).collect(),
                    _ => Vec::new(),
                };
                for name in types.into_iter().map(str::trim).filter(|name| !name.is_empty()) {
                    if self.json_ld_types.insert(name.to_owned()) {
                        self.facts.json_ld_types.push(name.to_owned());
                    }
                }
                if let Some(graph) = object.get("@graph") {
                    self.json_ld(graph);
                }
            }
            _ => {}
        }
    }

    fn resolve(&self, reference: &str) -> Option<Url> {
        let reference = reference.trim();
        if reference.is_empty() {
            return None;
        }
        self.base.join(reference).ok()
    }

    fn finish(mut self) -> PageFacts {
        // A page cut off at the byte cap leaves headings and links open: keep what they hold.
        while !self.captures.is_empty() {
            self.close_capture();
        }
        let (text, word_count, content_hash) = self.text.finish();
        self.facts.text = text;
        self.facts.word_count = word_count;
        self.facts.content_hash = content_hash;
        self.facts
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn page_url() -> Url {
        Url::parse("https://shop.example/catalog/item.html").expect("test URL")
    }

    fn parse_html(html: &str) -> PageFacts {
        parse(html.as_bytes(), Some("text/html; charset=utf-8"), &page_url())
    }

    const REALISTIC: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>
    Blue Widget | Example Shop
  </title>
  <meta name="Description" content="  The best blue widget in town.  ">
  <meta name="description" content="A second description is ignored">
  <meta name="ROBOTS" content="NoIndex, Follow">
  <link rel="canonical" href="/catalog/item.html#top">
  <link rel="alternate" hreflang="ru" href="https://shop.example/ru/item.html">
  <link rel="alternate" hreflang="x-default" href="/item.html">
  <link rel="stylesheet" href="http://cdn.example/style.css">
  <script src="https://cdn.example/app.js"></script>
  <script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product", "name": "Widget"}</script>
  <style>body { color: blue; }</style>
</head>
<body>
  <h1>Blue <em>Widget</em></h1>
  <p>Buy the blue widget now.</p>
  <h2>Specs</h2>
  <script>var hidden = "not text";</script>
  <noscript>enable javascript</noscript>
  <template><p>template text</p></template>
  <svg><text>svg text</text></svg>
  <img src="img/widget.png" alt="A blue widget">
  <img src="/decor.png" alt="">
  <img src="http://cdn.example/no-alt.png">
  <a href="/cart?add=1#buy">Add to   cart</a>
  <a href="https://partner.example/" rel="sponsored noopener">Partner</a>
  <h3>Reviews</h3>
</body>
</html>"#;

    #[test]
    fn realistic_page_fills_every_field() {
        let facts = parse_html(REALISTIC);
        assert_eq!(facts.title.as_deref(), Some("Blue Widget | Example Shop"));
        assert_eq!(facts.meta_description.as_deref(), Some("The best blue widget in town."));
        assert_eq!(facts.meta_robots.as_deref(), Some("noindex, follow"));
        assert_eq!(facts.canonical.as_deref(), Some("https://shop.example/catalog/item.html#top"));
        assert_eq!(
            facts.hreflang,
            vec![
                ("ru".to_owned(), "https://shop.example/ru/item.html".to_owned()),
                ("x-default".to_owned(), "https://shop.example/item.html".to_owned()),
            ]
        );
        assert_eq!(facts.h1, vec!["Blue Widget".to_owned()]);
        assert_eq!(
            facts.headings,
            vec![(1, "Blue Widget".to_owned()), (2, "Specs".to_owned()), (3, "Reviews".to_owned())]
        );
        assert_eq!(facts.text, "Blue Widget Buy the blue widget now. Specs Add to cart Partner Reviews");
        assert_eq!(facts.word_count, 13);
        assert_eq!(
            facts.images,
            vec![
                Image {
                    src: "https://shop.example/catalog/img/widget.png".to_owned(),
                    alt: Some("A blue widget".to_owned())
                },
                Image { src: "https://shop.example/decor.png".to_owned(), alt: Some(String::new()) },
                Image { src: "http://cdn.example/no-alt.png".to_owned(), alt: None },
            ]
        );
        assert_eq!(
            facts.links,
            vec![
                Link {
                    url: "https://shop.example/cart?add=1".to_owned(),
                    anchor: "Add to cart".to_owned(),
                    nofollow: false
                },
                Link { url: "https://partner.example/".to_owned(), anchor: "Partner".to_owned(), nofollow: true },
            ]
        );
        assert_eq!(facts.json_ld_types, vec!["Product".to_owned()]);
        assert_eq!(
            facts.subresources,
            vec!["http://cdn.example/style.css".to_owned(), "http://cdn.example/no-alt.png".to_owned()]
        );
        let expected = Sha256::digest(facts.text.to_lowercase().as_bytes());
        assert_eq!(facts.content_hash, expected.iter().map(|b| format!("{b:02x}")).collect::<String>());
        assert_eq!(facts.content_hash.len(), 64);
    }

    #[test]
    fn missing_or_blank_fields_are_none() {
        let facts = parse_html("<html><head><title>   </title></head><body><p>hi</p></body></html>");
        assert_eq!(facts.title, None);
        assert_eq!(facts.meta_description, None);
        assert_eq!(facts.meta_robots, None);
        assert_eq!(facts.canonical, None);
        assert!(facts.h1.is_empty() && facts.images.is_empty() && facts.links.is_empty());
        assert_eq!(facts.text, "hi");
    }

    #[test]
    fn relative_urls_resolve_against_the_page() {
        let facts = parse_html(r#"<a href="other.html">o</a><a href="../up/">u</a><a href="//cdn.example/x">c</a>"#);
        let urls: Vec<_> = facts.links.iter().map(|link| link.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://shop.example/catalog/other.html", "https://shop.example/up/", "https://cdn.example/x"]
        );
    }

    #[test]
    fn base_href_changes_how_relative_urls_resolve() {
        let facts = parse_html(
            r#"<head><base href="https://static.example/v2/"></head>
            <body><a href="page">p</a><img src="pic.png" alt="x"></body>"#,
        );
        assert_eq!(facts.links[0].url, "https://static.example/v2/page");
        assert_eq!(facts.images[0].src, "https://static.example/v2/pic.png");
    }

    #[test]
    fn relative_and_unusable_base_href() {
        let relative = parse_html(r#"<base href="/sub/"><a href="page">p</a>"#);
        assert_eq!(relative.links[0].url, "https://shop.example/sub/page");
        let unusable = parse_html(r#"<base href="javascript:void(0)"><a href="page">p</a>"#);
        assert_eq!(unusable.links[0].url, "https://shop.example/catalog/page");
    }

    #[test]
    fn windows_1251_page_declared_in_meta_reads_cyrillic() {
        let html = "<html><head><meta charset=\"windows-1251\"><title>Привет мир</title></head>\
                    <body><p>Здесь текст</p></body></html>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(html);
        let facts = parse(&bytes, Some("text/html"), &page_url());
        assert_eq!(facts.title.as_deref(), Some("Привет мир"));
        assert_eq!(facts.text, "Здесь текст");
        assert_eq!(facts.word_count, 2);
    }

    #[test]
    fn windows_1251_declared_by_http_equiv() {
        let html = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"><p>Ёлка</p>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(html);
        assert_eq!(parse(&bytes, None, &page_url()).text, "Ёлка");
    }

    #[test]
    fn content_type_charset_wins_over_meta() {
        let html = "<html><head><meta charset=\"utf-8\"></head><body><p>Привет</p></body></html>";
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(html);
        let facts = parse(&bytes, Some("text/html; charset=\"KOI8-R\""), &page_url());
        assert_eq!(facts.text, "Привет");
    }

    #[test]
    fn bom_wins_over_meta() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice("<meta charset=\"windows-1252\"><p>café</p>".as_bytes());
        assert_eq!(parse(&bytes, None, &page_url()).text, "café");
    }

    #[test]
    fn undeclared_invalid_utf8_is_replaced() {
        let facts = parse(b"<p>ok \xFF\xFE bytes</p>", None, &page_url());
        assert_eq!(facts.text, "ok \u{FFFD}\u{FFFD} bytes");
    }

    #[test]
    fn mixed_content_lists_http_subresources_only() {
        let facts = parse_html(
            r#"<link rel="stylesheet" href="http://a.example/s.css">
            <link rel="icon" href="http://a.example/favicon.ico">
            <script src="http://a.example/s.js"></script>
            <img src="https://a.example/secure.png">
            <img src="http://a.example/i.png"><img src="http://a.example/i.png">
            <iframe src="http://a.example/frame"></iframe>
            <video src="http://a.example/v.mp4"><source src="http://a.example/v.webm"></video>
            <audio src="http://a.example/a.mp3"></audio>
            <a href="http://a.example/link">links are not loaded</a>"#,
        );
        assert_eq!(
            facts.subresources,
            vec![
                "http://a.example/s.css",
                "http://a.example/s.js",
                "http://a.example/i.png",
                "http://a.example/frame",
                "http://a.example/v.mp4",
                "http://a.example/v.webm",
                "http://a.example/a.mp3",
            ]
        );
    }

    #[test]
    fn json_ld_types_from_graphs_and_arrays() {
        let facts = parse_html(
            r#"<script type="application/ld+json">
              {"@context": "https://schema.org", "@graph": [
                {"@type": "Organization"}, {"@type": ["WebPage", "ItemPage"]}, {"@type": "Organization"}
              ]}
            </script>
            <script type="Application/LD+JSON">[{"@type": "BreadcrumbList"}, {"@type": "FAQPage"}]</script>
            <script type="application/ld+json">{ not json</script>
            <script type="application/ld+json">{"@type": 5}</script>
            <script>{"@type": "NotJsonLd"}</script>"#,
        );
        assert_eq!(facts.json_ld_types, ["Organization", "WebPage", "ItemPage", "BreadcrumbList", "FAQPage"]);
    }

    #[test]
    fn nofollow_ugc_and_sponsored_links() {
        let facts = parse_html(
            r#"<a href="/a" rel="NoFollow">a</a><a href="/b" rel="ugc">b</a>
            <a href="/c" rel="noopener sponsored">c</a><a href="/d" rel="noopener">d</a><a href="/e">e</a>"#,
        );
        let nofollow: Vec<_> = facts.links.iter().map(|link| link.nofollow).collect();
        assert_eq!(nofollow, [true, true, true, false, false]);
    }

    #[test]
    fn links_that_are_not_pages_are_skipped() {
        let facts = parse_html(
            r##"<a href="mailto:a@b.example">m</a><a href="tel:+100">t</a><a href="javascript:void(0)">j</a>
            <a href="data:text/html,hi">d</a><a href="#section">f</a><a href="">e</a><a>no href</a>
            <a href="ftp://files.example/x">ftp</a><a href="http://[bad">bad</a>
            <a href="  /kept#frag  ">kept</a>"##,
        );
        assert_eq!(
            facts.links,
            vec![Link { url: "https://shop.example/kept".to_owned(), anchor: "kept".to_owned(), nofollow: false }]
        );
    }

    #[test]
    fn image_alt_is_the_anchor_of_an_image_link() {
        let facts = parse_html(r#"<a href="/home"><img src="logo.png" alt=" Home  page "></a><a href="/x"> </a>"#);
        assert_eq!(facts.links[0].anchor, "Home page");
        assert_eq!(facts.links[1].anchor, "");
    }

    #[test]
    fn word_count_counts_tokens_with_letters_or_digits() {
        let facts = parse_html("<p>Hello,   world — 42 times!</p><p>Ещё&nbsp;раз</p><div>a<b>b</b>c</div> -- ...");
        // Hello, / world / 42 / times! / Ещё / раз / abc; the dashes and dots are not words.
        assert_eq!(facts.word_count, 7);
        assert_eq!(facts.text, "Hello, world — 42 times! Ещё раз abc -- ...");
    }

    #[test]
    fn headings_keep_document_order_when_nested() {
        let facts = parse_html("<h1>Top<div><h2>Inner</h2></div></h1><h4>Four</h4><h1>Second</h1>");
        assert_eq!(
            facts.headings,
            vec![
                (1, "Top Inner".to_owned()),
                (2, "Inner".to_owned()),
                (4, "Four".to_owned()),
                (1, "Second".to_owned())
            ]
        );
        assert_eq!(facts.h1, ["Top Inner", "Second"]);
    }

    #[test]
    fn content_hash_ignores_case_and_whitespace() {
        let a = parse_html("<p>Same   TEXT</p>");
        let b = parse_html("<div>\n same\ttext </div>");
        let c = parse_html("<p>Other text</p>");
        assert_eq!(a.content_hash, b.content_hash);
        assert_ne!(a.content_hash, c.content_hash);
    }

    #[test]
    fn six_megabyte_page_is_parsed_on_the_capped_prefix() {
        let paragraph = "<p>lorem ipsum dolor sit amet</p>\n";
        let body = paragraph.repeat(6 * 1024 * 1024 / paragraph.len() + 1);
        assert!(body.len() > 6 * 1024 * 1024);
        let facts = parse(body.as_bytes(), Some("text/html"), &page_url());
        let kept = facts.text.chars().count();
        assert!(kept == TEXT_CAP || kept == TEXT_CAP - 1, "kept {kept} chars");
        let paragraphs_read = BODY_CAP / paragraph.len();
        assert!((paragraphs_read * 5..=paragraphs_read * 5 + 5).contains(&(facts.word_count as usize)));
    }

    #[test]
    fn binary_served_as_html_does_not_break_the_parser() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0".to_vec();
        png.extend((0..=255u8).cycle().take(64 * 1024));
        let facts = parse(&png, Some("text/html"), &page_url());
        assert_eq!(facts.title, None);
        assert!(facts.text.chars().count() <= TEXT_CAP);
        assert!(!is_html(None, &png));
    }

    #[test]
    fn deeply_nested_markup_is_cut_at_the_nesting_cap() {
        let body = "<div><h1>x".repeat(2_000);
        let facts = parse_html(&body);
        assert_eq!(facts.h1.len(), MAX_NESTING / 2);
        assert!(facts.h1.iter().all(|h1| h1.chars().count() <= ELEMENT_TEXT_CAP));
    }

    #[test]
    fn ordinary_pages_are_not_cut() {
        let page = format!(
            "<script>{}</SCRIPT><ul>{}</ul><table>{}</table><p>end</p>",
            "'<div>'+".repeat(3_000),
            "<li><a href=/x>x<br>".repeat(3_000),
            "<tr><td><div>cell</div>".repeat(3_000)
        );
        assert_eq!(nesting_cut(&page), page.len());
        assert!(parse_html(&page).text.ends_with("cell end"));
        assert_eq!(nesting_cut("<div></div><"), "<div></div><".len());
    }

    #[test]
    fn html_is_recognised_by_content_type_or_sniffing() {
        assert!(is_html(Some("text/html; charset=utf-8"), b""));
        assert!(is_html(Some("Application/XHTML+XML"), b""));
        assert!(!is_html(Some("application/json"), b"<html>"));
        assert!(!is_html(Some("image/png"), b"<!DOCTYPE html>"));
        assert!(is_html(None, b"\xEF\xBB\xBF  <!DOCTYPE html><html>"));
        assert!(is_html(Some(""), b"<HTML lang=en>"));
        assert!(is_html(None, b"<!-- comment --><p>"));
        assert!(!is_html(None, b"{\"json\": true}"));
        assert!(!is_html(None, b"<abbr>"));
        assert!(!is_html(None, b""));
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let facts = parse(&body, None, &page_url());
            prop_assert!(facts.text.chars().count() <= TEXT_CAP);
            let _ = is_html(None, &body);
        }

        #[test]
        fn parse_never_panics_on_strings_in_html(s in "\\PC*", ct in proptest::option::of("\\PC*")) {
            let html = format!(
                "<html><head><title>{s}</title><meta name=description content=\"{s}\"><base href=\"{s}\">\
                 <link rel=canonical href=\"{s}\"></head><body><h1>{s}</h1><a href=\"{s}\" rel=\"{s}\">{s}</a>\
                 <img src=\"{s}\" alt=\"{s}\"><script type=\"application/ld+json\">{s}</script><p>{s}</p></body></html>"
            );
            let facts = parse(html.as_bytes(), ct.as_deref(), &page_url());
            prop_assert!(facts.text.chars().count() <= TEXT_CAP);
            prop_assert!(facts.links.iter().all(|link| link.url.starts_with("http")));
        }
    }

    proptest! {
        // Pages of up to 400,000 characters: fewer cases keep the debug-build test run short.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn text_never_exceeds_the_cap(word in "[a-zA-Zа-я]{1,12}", count in 1usize..30_000) {
            let html = format!("<p>{}</p>", format!("{word} ").repeat(count));
            let facts = parse_html(&html);
            prop_assert!(facts.text.chars().count() <= TEXT_CAP);
            prop_assert_eq!(facts.word_count as usize, count);
            prop_assert!(!facts.text.ends_with(' '));
        }
    }
}
