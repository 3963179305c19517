//! URLs as the checks see them: which belong to the audited site ([`Scope`]), how two URLs are compared
//! ([`normalize`], [`exact`]), and the interner that keeps every distinct URL of a crawl once ([`Urls`]).
//!
//! # Scope
//!
//! A URL is *internal* when its host equals the start URL's host, ignoring case and a leading `www.` (sites
//! commonly redirect between the two, and both are "the client's site"), and its explicit port is the same (so
//! `http://` and `https://` on default ports are the same site, but fixture sites on `127.0.0.1:8080` and
//! `127.0.0.1:9090` are not). When the start URL does not parse, every page counts as internal.
//!
//! # Comparing URLs
//!
//! URLs are compared *normalised*: parsed, fragment removed, trailing slash of the path ignored (`/a/` = `/a`,
//! the root stays `/`). Redirect loops compare exact URLs instead (fragment removed only), since `/a` → `/a/`
//! is a legitimate redirect, not a loop.
//!
//! # Interning
//!
//! Every distinct URL is kept once: its bytes in one buffer plus about 53 bytes (8 of end offset, 4 of hash
//! chain, ~24 of hash index, 16 of [`Slot`]: normalised id, the page it names as URL and as final URL,
//! linked-to flag; the score keeps 1 more byte of marks).

use std::collections::HashMap;
use std::hash::BuildHasher;

use url::Url;

/// Which URLs belong to the audited site (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    home: Option<(String, Option<u16>)>,
}

impl Scope {
    pub fn new(start_url: &str) -> Scope {
        Scope { home: Url::parse(start_url.trim()).ok().and_then(|u| site_key(&u)) }
    }

    pub fn is_internal(&self, url: &str) -> bool {
        match &self.home {
            None => true,
            Some(home) => Url::parse(url.trim()).ok().and_then(|u| site_key(&u)).as_ref() == Some(home),
        }
    }
}

/// Host without `www.`, lower case, and explicit port: what two URLs of one site share.
fn site_key(u: &Url) -> Option<(String, Option<u16>)> {
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_string).unwrap_or(host);
    Some((host, u.port()))
}

/// Fragment removed and the path's trailing slash ignored (the root keeps its `/`).
pub(super) fn normalize(raw: &str) -> String {
    without_fragment(raw, true)
}

/// Fragment removed only: what a redirect loop compares.
pub(super) fn exact(raw: &str) -> String {
    without_fragment(raw, false)
}

/// The URL without its fragment; with `drop_slash`, without the path's trailing slash too (a root path
/// keeps its `/`). A string that does not parse is cut at `#` as text.
fn without_fragment(raw: &str, drop_slash: bool) -> String {
    let raw = raw.trim();
    match Url::parse(raw) {
        Ok(mut u) => {
            u.set_fragment(None);
            if drop_slash {
                let trimmed = u.path().trim_end_matches('/').to_string();
                if !trimmed.is_empty() && trimmed.len() < u.path().len() {
                    u.set_path(&trimmed);
                }
            }
            u.to_string()
        }
        Err(_) => {
            let cut = raw.split('#').next().unwrap_or_default();
            if drop_slash { cut.trim_end_matches('/') } else { cut }.to_string()
        }
    }
}

/// An index or count as a `u32` id, saturating (a crawl never holds 4 billion URLs or pages).
pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// No id: a missing page, URL or canonical.
pub(super) const NONE: u32 = u32::MAX;

/// Strings kept once in one buffer and named by a `u32`: the text, 8 bytes of end offset, 4 of hash chain
/// and about 24 of hash index per distinct string.
pub(super) struct Interner {
    text: String,
    ends: Vec<usize>,
    /// Hash of a string → the newest id with that hash; older ids with the same hash chain through `next`.
    index: HashMap<u64, u32>,
    next: Vec<u32>,
    hasher: std::collections::hash_map::RandomState,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            text: String::new(),
            ends: Vec::new(),
            index: HashMap::new(),
            next: Vec::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    fn str(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The id of `s`, whose hash is `hash`, when it was interned.
    fn find(&self, hash: u64, s: &str) -> Option<u32> {
        let mut id = *self.index.get(&hash)?;
        while id != NONE {
            if self.str(id) == s {
                return Some(id);
            }
            id = self.next[id as usize];
        }
        None
    }

    pub(super) fn get(&self, s: &str) -> Option<u32> {
        self.find(self.hasher.hash_one(s), s)
    }

    fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        if let Some(id) = self.find(hash, s) {
            return id;
        }
        let id = to_u32(self.ends.len());
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.next.push(self.index.get(&hash).copied().unwrap_or(NONE));
        self.index.insert(hash, id);
        id
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// What is known about an interned URL: its normalised form's id, and, when it is a normalised form, the
/// pages it names. 16 bytes.
#[derive(Clone, Copy)]
pub(super) struct Slot {
    /// Id of `normalize(this)`; [`NONE`] until asked.
    pub(super) norm: u32,
    /// The last page whose normalised URL this is (a later fetch of the same URL wins).
    pub(super) as_url: u32,
    /// The first page whose normalised final URL this is; consulted only when `as_url` is [`NONE`].
    pub(super) as_final: u32,
    /// A crawled page other than the target links here (the orphan check).
    pub(super) linked: bool,
}

const EMPTY: Slot = Slot { norm: NONE, as_url: NONE, as_final: NONE, linked: false };

/// The interned URLs of a crawl with a [`Slot`] each.
pub(super) struct Urls {
    pub(super) names: Interner,
    pub(super) slots: Vec<Slot>,
}

impl Urls {
    pub(super) fn new() -> Urls {
        Urls { names: Interner::new(), slots: Vec::new() }
    }

    pub(super) fn id(&mut self, s: &str) -> u32 {
        let id = self.names.intern(s);
        if self.slots.len() < self.names.len() {
            self.slots.resize(self.names.len(), EMPTY);
        }
        id
    }

    /// Id of the normalised form of `id`'s string, computed once.
    fn norm(&mut self, id: u32) -> u32 {
        let known = self.slots[id as usize].norm;
        if known != NONE {
            return known;
        }
        let n = normalize(self.names.str(id));
        let nid = if n == self.names.str(id) { id } else { self.id(&n) };
        self.slots[id as usize].norm = nid;
        nid
    }

    /// `(id, normalised id)` of a string.
    pub(super) fn ids(&mut self, s: &str) -> (u32, u32) {
        let id = self.id(s);
        (id, self.norm(id))
    }

    pub(super) fn str(&self, id: u32) -> &str {
        self.names.str(id)
    }

    pub(super) fn slot(&self, id: u32) -> &Slot {
        &self.slots[id as usize]
    }
}
