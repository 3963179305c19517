//! Content strategy (task type `content_strategy`): from the crawled text of the client's pages (and of its
//! competitors' pages) — the top terms, thin and duplicate pages, readability, topic clusters, the terms
//! competitors cover and the client does not, and a dated content calendar.
//!
//! # Bounds
//!
//! At most [`MAX_PAGES`] = 5,000 pages per side (client, competitors) are analysed, the first by URL; and
//! at most [`MAX_TEXT_CHARS`] = 20,000 characters of each page's text (a long article's first 20,000
//! characters carry its topic). That caps the work and memory of one run at a few hundred MB however large
//! the crawl; pages left out are counted in `missing`. Only pages that answered 200 are read.
//!
//! # Tokens and terms
//!
//! Text is lower-cased and `ё` folded to `е`. A word is a run of Unicode letters and digits; any other
//! character ends a word. Whitespace, hyphens and apostrophes only separate words; any other character
//! (punctuation) also ends a phrase, so terms do not run across sentences or list items. Terms are the 1-,
//! 2- and 3-word sequences inside a phrase whose first and last words are *content words*: not in the
//! English or Russian stopword list ([`ENGLISH_STOPWORDS`], [`RUSSIAN_STOPWORDS`]), at least two characters
//! long and not only digits. Middle words may be stopwords ("cost of living", "цены на нефть").
//!
//! # TF-IDF
//!
//! Over a corpus of `N` documents (one per page with text; the text alone, as the title is not page text):
//!
//! ```text
//! tf(t, d)  = count of t in d / number of terms in d
//! idf(t)    = ln((1 + N) / (1 + df(t))) + 1          (df = documents containing t)
//! score(t)  = Σ_d tf(t, d) · idf(t)
//! ```
//!
//! The top [`TOP_TERMS`] = 30 terms by score (ties by term) are reported with their document frequency.
//! Scores are rounded to 4 decimals for output; ranking uses the exact values.
//!
//! # Thin and duplicate pages
//!
//! Thin: an indexable page answering 200 with fewer than [`THIN_BELOW`] = 200 words — the audit's
//! `thin_content` threshold, kept the same so the two never disagree about which pages are thin.
//! Duplicates: pages answering 200 that share a content hash, or whose normalised text (its words joined by
//! single spaces) is the same; pages linked by either are one group (transitively).
//!
//! # Readability
//!
//! Per page with text, the language is Russian when Cyrillic letters are more than half of the Cyrillic and
//! Latin letters, English otherwise. Sentences are the pieces between `.`, `!`, `?` and `…` that contain a
//! letter; words are runs of letters, digits and apostrophes that contain a letter.
//!
//! - English, Flesch reading ease: `206.835 − 1.015 · ASL − 84.6 · ASW`;
//! - Russian, Oborneva's adaptation: `206.835 − 1.3 · ASL − 60.1 · ASW`;
//!
//! where `ASL` = words per sentence and `ASW` = syllables per word. Syllables: in a Cyrillic word, its
//! vowels (а е ё и о у ы э ю я); in any other word, its groups of consecutive vowels (a e i o u y), one less
//! when the word ends in a silent `e` (not `le`) and has another group. Every word has at least one
//! syllable. The heuristic miscounts some words ("scores" reads as two); over a page the errors are small.
//! The score is clamped to 0..=100, as reading-ease tables show it, and rounded to 1 decimal.
//!
//! # Topic clusters
//!
//! Each page with text belongs to the cluster of its own top term: the term with the highest
//! `tf(t, d) · idf(t)` in it (ties by term). Clusters are sorted by size (larger first), then term; pages
//! inside by URL; at most [`MAX_CLUSTERS`] clusters are listed.
//!
//! # Gaps
//!
//! The competitors' pages form their own corpus, scored the same way. A gap is a term among the
//! competitors' top [`COMPETITOR_TOP`] = 100 that never occurs in the client's text, titles or H1s; gaps are
//! ranked by competitor score (ties by term).
//!
//! # Content calendar
//!
//! Work items: one *new page* per gap (in gap order), one *rewrite* per thin page (fewest words first,
//! then URL) and per duplicate page other than the first of its group (by URL, when not already thin).
//! Entries alternate new page and rewrite while both remain, starting with a new page. `cadence` entries a
//! week (default 1, clamped to 1..=7): entry `i` is dated
//! `start + 7 · ⌊i / cadence⌋ + ⌊7 · (i mod cadence) / cadence⌋` days. The calendar covers at most one year
//! (`52 · cadence` entries).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::link_building::CrawlPage;
use super::round;

pub const MAX_PAGES: usize = 5_000;
pub const MAX_TEXT_CHARS: usize = 20_000;
pub const TOP_TERMS: usize = 30;
pub const COMPETITOR_TOP: usize = 100;
pub const THIN_BELOW: u32 = 200;
pub const MAX_CLUSTERS: usize = 100;
pub const MAX_NGRAM: usize = 3;

/// English stopwords: the NLTK list with the apostrophe forms split as the tokenizer splits them, plus a few
/// common function words it lacks ("also", "would", "could", …).
#[rustfmt::skip]
pub const ENGLISH_STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "ain", "all", "also", "am", "an", "and", "any", "are",
    "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "cannot", "could", "couldn", "d", "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during",
    "each", "either", "else", "etc", "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "got",
    "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers", "herself", "him",
    "himself", "his", "how", "however", "i", "if", "in", "into", "is", "isn", "it", "its", "itself", "just", "ll",
    "m", "ma", "may", "me", "might", "mightn", "more", "most", "much", "must", "mustn", "my", "myself", "needn",
    "neither", "no", "nor", "not", "now", "o", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
    "ourselves", "out", "over", "own", "per", "re", "s", "same", "shall", "shan", "she", "should", "shouldn", "so",
    "some", "such", "t", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
    "they", "this", "those", "through", "thus", "to", "too", "under", "until", "up", "upon", "us", "ve", "very",
    "via", "was", "wasn", "we", "were", "weren", "what", "when", "where", "whether", "which", "while", "who",
    "whom", "whose", "why", "will", "with", "within", "without", "won", "would", "wouldn", "y", "yet", "you",
    "your", "yours", "yourself", "yourselves",
];

/// Russian stopwords: the NLTK list (with `ё` folded to `е`, as the tokenizer does) plus common function
/// words it lacks ("это", "также", "который", …).
#[rustfmt::skip]
pub const RUSSIAN_STOPWORDS: &[&str] = &[
    "а", "без", "более", "больше", "будет", "будто", "бы", "был", "была", "были", "было", "быть", "в", "вам", "вас",
    "ваш", "ваша", "ваше", "ваши", "ведь", "весь", "во", "вот", "впрочем", "все", "всегда", "всего", "всех", "всю",
    "вся", "вы", "где", "да", "даже", "для", "до", "другой", "его", "ее", "ей", "ему", "если", "есть", "еще", "ж",
    "же", "за", "зачем", "здесь", "и", "из", "или", "им", "иногда", "их", "к", "как", "какая", "какой", "когда",
    "конечно", "которая", "которое", "которые", "который", "которых", "кто", "куда", "ли", "лишь", "лучше", "между",
    "меня", "мне", "много", "может", "можно", "мой", "моя", "мы", "на", "над", "надо", "наконец", "нас", "наш",
    "наша", "наше", "наши", "не", "него", "нее", "ней", "нельзя", "нет", "ни", "нибудь", "никогда", "ним", "них",
    "ничего", "но", "ну", "о", "об", "один", "он", "она", "они", "оно", "опять", "от", "очень", "перед", "по",
    "под", "после", "потом", "потому", "почти", "при", "про", "раз", "разве", "с", "сам", "свое", "свои", "свой",
    "свою", "себе", "себя", "сейчас", "со", "совсем", "так", "также", "такой", "там", "тебя", "тем", "теперь", "то",
    "тогда", "того", "тоже", "только", "том", "тот", "тут", "ты", "у", "уж", "уже", "хорошо", "хоть", "чего", "чем",
    "через", "что", "чтоб", "чтобы", "чуть", "эта", "эти", "этим", "этих", "это", "этого", "этой", "этом", "этот",
    "эту", "я",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPage {
    #[serde(flatten)]
    pub page: CrawlPage,
    pub h1: Option<String>,
    /// Visible text; `None` when the crawl kept none (non-HTML, or stored without text).
    pub text: Option<String>,
}

fn default_cadence() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentInput {
    pub pages: Vec<ContentPage>,
    /// All competitors' pages together.
    pub competitor_pages: Vec<ContentPage>,
    pub start_date: NaiveDate,
    /// Calendar entries per week, default 1.
    #[serde(default = "default_cadence")]
    pub cadence: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermScore {
    pub term: String,
    /// Σ tf·idf, 4 decimals.
    pub score: f64,
    pub document_frequency: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThinPage {
    pub url: String,
    pub title: Option<String>,
    pub word_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    /// Sorted.
    pub urls: Vec<String>,
    /// "same content hash", "same visible text", or both.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    English,
    Russian,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readability {
    pub language: Language,
    pub sentences: u32,
    pub words: u32,
    pub syllables: u32,
    /// Flesch reading ease (English) or Oborneva's (Russian), clamped to 0..=100, 1 decimal.
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageReadability {
    pub url: String,
    #[serde(flatten)]
    pub readability: Readability,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicCluster {
    pub term: String,
    pub size: u32,
    pub pages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub term: String,
    pub competitor_score: f64,
    pub competitor_document_frequency: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    NewPage,
    Rewrite,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub title: String,
    pub target_term: Option<String>,
    /// The page to rewrite; `None` for a new page.
    pub url: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentOutput {
    pub pages_analysed: u32,
    pub competitor_pages_analysed: u32,
    pub top_terms: Vec<TermScore>,
    pub thin_pages: Vec<ThinPage>,
    pub duplicates: Vec<DuplicateGroup>,
    pub readability: Vec<PageReadability>,
    pub clusters: Vec<TopicCluster>,
    pub gaps: Vec<Gap>,
    pub calendar: Vec<CalendarEntry>,
    pub reasons: Vec<String>,
    pub missing: Vec<String>,
}

/// Both lists are sorted (a test checks it), so a lookup is a binary search.
fn is_stopword(word: &str) -> bool {
    ENGLISH_STOPWORDS.binary_search(&word).is_ok() || RUSSIAN_STOPWORDS.binary_search(&word).is_ok()
}

/// A word that may start or end a term: not a stopword, two characters or more, not only digits.
pub fn is_content_word(word: &str) -> bool {
    word.chars().nth(1).is_some() && !word.chars().all(|c| c.is_numeric()) && !is_stopword(word)
}

/// The text's phrases, each a list of lower-case words (see the module doc).
pub fn phrases(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut phrase: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                word.push(if l == 'ё' { 'е' } else { l });
            }
            continue;
        }
        if !word.is_empty() {
            phrase.push(std::mem::take(&mut word));
        }
        let separator_only = c.is_whitespace() || matches!(c, '-' | '‐' | '–' | '\'' | '’' | '\u{ad}');
        if !separator_only && !phrase.is_empty() {
            out.push(std::mem::take(&mut phrase));
        }
    }
    if !word.is_empty() {
        phrase.push(word);
    }
    if !phrase.is_empty() {
        out.push(phrase);
    }
    out
}

/// All lower-case words of the text, in order.
pub fn words(text: &str) -> Vec<String> {
    phrases(text).into_iter().flatten().collect()
}

/// The 1- to 3-word terms of the text, in order of occurrence (see the module doc).
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for phrase in phrases(text) {
        let content: Vec<bool> = phrase.iter().map(|w| is_content_word(w)).collect();
        for start in (0..phrase.len()).filter(|&i| content[i]) {
            for end in start..phrase.len().min(start + MAX_NGRAM) {
                if content[end] {
                    out.push(phrase[start..=end].join(" "));
                }
            }
        }
    }
    out
}

/// The first `MAX_TEXT_CHARS` characters.
fn bounded(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Documents as term-id counts, with the vocabulary; ids are given in first-seen order, so the same input
/// always gives the same ids.
struct Corpus {
    vocab: Vec<String>,
    /// Per document: (term id, count), and the number of terms.
    docs: Vec<(Vec<(usize, u32)>, u32)>,
    df: Vec<u32>,
}

impl Corpus {
    fn build<'a>(texts: impl Iterator<Item = &'a str>) -> Corpus {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut vocab = Vec::new();
        let mut docs = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        for text in texts {
            let mut counts: BTreeMap<usize, u32> = BTreeMap::new();
            let mut total = 0u32;
            for term in terms(text) {
                let id = match ids.get(&term) {
                    Some(&id) => id,
                    None => {
                        vocab.push(term.clone());
                        df.push(0);
                        ids.insert(term, vocab.len() - 1);
                        vocab.len() - 1
                    }
                };
                *counts.entry(id).or_default() += 1;
                total += 1;
            }
            for &id in counts.keys() {
                df[id] += 1;
            }
            docs.push((counts.into_iter().collect(), total));
        }
        Corpus { vocab, docs, df }
    }

    fn idf(&self, id: usize) -> f64 {
        let n = self.docs.len() as f64;
        ((1.0 + n) / (1.0 + f64::from(self.df[id]))).ln() + 1.0
    }

    /// Σ_d tf·idf per term id, summed in document order.
    fn scores(&self) -> Vec<f64> {
        let mut scores = vec![0.0; self.vocab.len()];
        for (counts, total) in &self.docs {
            for &(id, count) in counts {
                scores[id] += f64::from(count) / f64::from(*total) * self.idf(id);
            }
        }
        scores
    }

    /// The `k` best terms by score, ties by term.
    fn top(&self, k: usize) -> Vec<TermScore> {
        let scores = self.scores();
        let mut ids: Vec<usize> = (0..self.vocab.len()).collect();
        ids.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then_with(|| self.vocab[a].cmp(&self.vocab[b])));
        ids.truncate(k);
        ids.into_iter()
            .map(|id| TermScore {
                term: self.vocab[id].clone(),
                score: round(scores[id], 4),
                document_frequency: self.df[id],
            })
            .collect()
    }

    /// The document's term with the highest tf·idf, ties by term.
    fn doc_top(&self, doc: usize) -> Option<&str> {
        let (counts, total) = &self.docs[doc];
        let weight = |&(id, count): &(usize, u32)| f64::from(count) / f64::from(*total) * self.idf(id);
        counts
            .iter()
            .max_by(|a, b| weight(a).total_cmp(&weight(b)).then_with(|| self.vocab[b.0].cmp(&self.vocab[a.0])))
            .map(|&(id, _)| self.vocab[id].as_str())
    }
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Syllables of one lower-case word (see the module doc).
pub fn syllables(word: &str) -> u32 {
    let count = if word.chars().any(is_cyrillic) {
        word.chars().filter(|c| "аеёиоуыэюя".contains(*c)).count()
    } else {
        let vowel = |c: char| "aeiouy".contains(c);
        let mut groups = 0;
        let mut previous = false;
        for c in word.chars() {
            let v = vowel(c);
            if v && !previous {
                groups += 1;
            }
            previous = v;
        }
        if groups > 1 && word.ends_with('e') && !word.ends_with("le") {
            groups -= 1;
        }
        groups
    };
    count.max(1) as u32
}

/// The reading-ease formula of the language (unclamped).
pub fn reading_ease(language: Language, sentences: u32, words: u32, syllables: u32) -> f64 {
    let asl = f64::from(words) / f64::from(sentences.max(1));
    let asw = f64::from(syllables) / f64::from(words.max(1));
    match language {
        Language::English => 206.835 - 1.015 * asl - 84.6 * asw,
        Language::Russian => 206.835 - 1.3 * asl - 60.1 * asw,
    }
}

/// Readability of a text; `None` when it has no words with letters.
pub fn readability(text: &str) -> Option<Readability> {
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        if is_cyrillic(c) {
            cyrillic += 1;
        } else if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) {
            latin += 1;
        }
    }
    let language = if cyrillic * 2 > cyrillic + latin { Language::Russian } else { Language::English };
    let sentences = text.split(['.', '!', '?', '…']).filter(|s| s.chars().any(char::is_alphabetic)).count() as u32;
    let (mut words, mut syllable_total) = (0u32, 0u32);
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
        if word.chars().any(char::is_alphabetic) {
            words += 1;
            syllable_total += syllables(&word.to_lowercase());
        }
    }
    if words == 0 {
        return None;
    }
    let score = round(super::clamp(reading_ease(language, sentences, words, syllable_total), 0.0, 100.0), 1);
    Some(Readability { language, sentences, words, syllables: syllable_total, score })
}

/// The pages analysed on one side: answering 200, the first `MAX_PAGES` by URL. Returns them and how many
/// answering 200 were left out.
fn selected(pages: &[ContentPage]) -> (Vec<&ContentPage>, usize) {
    let mut ok: Vec<&ContentPage> = pages.iter().filter(|p| p.page.status == 200).collect();
    ok.sort_by(|a, b| a.page.url.cmp(&b.page.url));
    let dropped = ok.len().saturating_sub(MAX_PAGES);
    ok.truncate(MAX_PAGES);
    (ok, dropped)
}

fn with_text<'a>(pages: &[&'a ContentPage]) -> Vec<(&'a ContentPage, &'a str)> {
    pages
        .iter()
        .filter_map(|p| p.text.as_deref().map(bounded).filter(|t| !t.trim().is_empty()).map(|t| (*p, t)))
        .collect()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn duplicates(pages: &[&ContentPage]) -> Vec<DuplicateGroup> {
    let mut parent: Vec<usize> = (0..pages.len()).collect();
    let mut links: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut by_hash: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_text: BTreeMap<String, usize> = BTreeMap::new();
    for (i, p) in pages.iter().enumerate() {
        if let Some(hash) = p.page.content_hash.as_deref().filter(|h| !h.is_empty()) {
            match by_hash.get(hash) {
                Some(&first) => links.push((first, i, "same content hash")),
                None => {
                    by_hash.insert(hash, i);
                }
            }
        }
        let normalised = p.text.as_deref().map(|t| words(bounded(t)).join(" ")).unwrap_or_default();
        if !normalised.is_empty() {
            match by_text.get(&normalised) {
                Some(&first) => links.push((first, i, "same visible text")),
                None => {
                    by_text.insert(normalised, i);
                }
            }
        }
    }
    for &(a, b, _) in &links {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: BTreeMap<usize, (BTreeSet<String>, BTreeSet<&str>)> = BTreeMap::new();
    for &(a, b, reason) in &links {
        let root = find(&mut parent, a);
        let entry = groups.entry(root).or_default();
        entry.0.insert(pages[a].page.url.clone());
        entry.0.insert(pages[b].page.url.clone());
        entry.1.insert(reason);
    }
    let mut out: Vec<DuplicateGroup> = groups
        .into_values()
        .map(|(urls, reasons)| DuplicateGroup {
            urls: urls.into_iter().collect(),
            reason: reasons.into_iter().collect::<Vec<_>>().join(" and "),
        })
        .collect();
    out.sort_by(|a, b| a.urls.cmp(&b.urls));
    out
}

fn capitalised(term: &str) -> String {
    let mut chars = term.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn page_name(p: &ContentPage) -> String {
    p.page.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&p.page.url).to_string()
}

/// Date of calendar entry `i` (see the module doc); `cadence` is already clamped to 1..=7.
pub fn entry_date(start: NaiveDate, i: usize, cadence: u32) -> NaiveDate {
    let cadence = cadence.clamp(1, 7) as i64;
    let i = i as i64;
    start + Duration::days(7 * (i / cadence) + 7 * (i % cadence) / cadence)
}

pub fn analyse(input: &ContentInput) -> ContentOutput {
    let mut missing = Vec::new();
    let mut reasons = Vec::new();
    let cadence = input.cadence.clamp(1, 7);
    if cadence != input.cadence {
        reasons.push(format!("cadence {} per week is outside 1..=7; {cadence} used", input.cadence));
    }

    let (pages, dropped) = selected(&input.pages);
    let (competitor_pages, competitor_dropped) = selected(&input.competitor_pages);
    if pages.is_empty() {
        missing.push("client crawl: no pages answering 200".to_string());
    }
    if dropped > 0 {
        missing.push(format!("{dropped} client pages beyond the {MAX_PAGES} page limit were not analysed"));
    }
    if competitor_dropped > 0 {
        missing
            .push(format!("{competitor_dropped} competitor pages beyond the {MAX_PAGES} page limit were not analysed"));
    }

    let texts = with_text(&pages);
    let without_text = pages.len() - texts.len();
    if without_text > 0 {
        missing.push(format!(
            "visible text: {without_text} of {} pages have none, so they are left out of terms, clusters and \
             readability",
            pages.len()
        ));
    }
    let corpus = Corpus::build(texts.iter().map(|(_, t)| *t));
    let top_terms = corpus.top(TOP_TERMS);

    let mut thin: Vec<&ContentPage> =
        pages.iter().copied().filter(|p| p.page.indexable && p.page.word_count < THIN_BELOW).collect();
    thin.sort_by(|a, b| a.page.word_count.cmp(&b.page.word_count).then_with(|| a.page.url.cmp(&b.page.url)));
    let thin_pages: Vec<ThinPage> = thin
        .iter()
        .map(|p| ThinPage { url: p.page.url.clone(), title: p.page.title.clone(), word_count: p.page.word_count })
        .collect();
    let duplicates = duplicates(&pages);

    let readability: Vec<PageReadability> = texts
        .iter()
        .filter_map(|(p, t)| readability(t).map(|r| PageReadability { url: p.page.url.clone(), readability: r }))
        .collect();

    let mut top_of: BTreeMap<&str, &str> = BTreeMap::new();
    let mut by_term: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (d, (p, _)) in texts.iter().enumerate() {
        if let Some(term) = corpus.doc_top(d) {
            top_of.insert(p.page.url.as_str(), term);
            by_term.entry(term).or_default().push(p.page.url.clone());
        }
    }
    let mut clusters: Vec<TopicCluster> = by_term
        .into_iter()
        .map(|(term, mut pages)| {
            pages.sort();
            TopicCluster { term: term.to_string(), size: pages.len() as u32, pages }
        })
        .collect();
    clusters.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.term.cmp(&b.term)));
    clusters.truncate(MAX_CLUSTERS);

    let competitor_texts = with_text(&competitor_pages);
    let gaps: Vec<Gap> = if competitor_texts.is_empty() {
        missing.push("competitor crawls: no competitor pages with text, so no gaps".to_string());
        Vec::new()
    } else {
        let mut vocabulary: BTreeSet<String> = corpus.vocab.iter().cloned().collect();
        for p in &pages {
            for extra in [p.page.title.as_deref(), p.h1.as_deref()].into_iter().flatten() {
                vocabulary.extend(terms(extra));
            }
        }
        let theirs = Corpus::build(competitor_texts.iter().map(|(_, t)| *t));
        theirs
            .top(COMPETITOR_TOP)
            .into_iter()
            .filter(|t| !vocabulary.contains(&t.term))
            .map(|t| Gap {
                term: t.term,
                competitor_score: t.score,
                competitor_document_frequency: t.document_frequency,
            })
            .collect()
    };

    let calendar = calendar(input.start_date, cadence, &gaps, &thin, &duplicates, &pages, &top_of);

    if !pages.is_empty() {
        reasons.push(format!("{} pages analysed, {} with text", pages.len(), texts.len()));
    }
    if let Some(t) = top_terms.first() {
        reasons.push(format!("the strongest term is \"{}\" (on {} pages)", t.term, t.document_frequency));
    }
    if !thin_pages.is_empty() {
        reasons.push(format!("{} indexable pages have fewer than {THIN_BELOW} words", thin_pages.len()));
    }
    if !duplicates.is_empty() {
        let n: usize = duplicates.iter().map(|g| g.urls.len()).sum();
        reasons.push(format!("{n} pages fall in {} groups of duplicates", duplicates.len()));
    }
    if !gaps.is_empty() {
        let first: Vec<&str> = gaps.iter().take(5).map(|g| g.term.as_str()).collect();
        reasons.push(format!(
            "{} terms competitors rank their content on are absent from the client's pages, e.g. {}",
            gaps.len(),
            first.join(", ")
        ));
    }

    ContentOutput {
        pages_analysed: pages.len() as u32,
        competitor_pages_analysed: competitor_pages.len() as u32,
        top_terms,
        thin_pages,
        duplicates,
        readability,
        clusters,
        gaps,
        calendar,
        reasons,
        missing,
    }
}

fn calendar(
    start: NaiveDate,
    cadence: u32,
    gaps: &[Gap],
    thin: &[&ContentPage],
    duplicates: &[DuplicateGroup],
    pages: &[&ContentPage],
    top_of: &BTreeMap<&str, &str>,
) -> Vec<CalendarEntry> {
    let by_url: BTreeMap<&str, &ContentPage> = pages.iter().map(|p| (p.page.url.as_str(), *p)).collect();
    let new_pages: Vec<(String, Option<String>, Option<String>, String)> = gaps
        .iter()
        .map(|g| {
            let title = if g.term.chars().any(is_cyrillic) {
                format!("{}: полное руководство", capitalised(&g.term))
            } else {
                format!("{}: a complete guide", capitalised(&g.term))
            };
            let reason = format!(
                "competitors cover \"{}\" (on {} of their pages) and the client's pages never mention it",
                g.term, g.competitor_document_frequency
            );
            (title, Some(g.term.clone()), None, reason)
        })
        .collect();
    let mut rewrites: Vec<(String, Option<String>, Option<String>, String)> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for p in thin {
        seen.insert(p.page.url.as_str());
        let term = top_of.get(p.page.url.as_str()).map(|t| t.to_string());
        rewrites.push((
            format!("Expand \"{}\" to at least {THIN_BELOW} words", page_name(p)),
            term,
            Some(p.page.url.clone()),
            format!("{} words, below the thin-content threshold of {THIN_BELOW}", p.page.word_count),
        ));
    }
    for group in duplicates {
        let Some((first, rest)) = group.urls.split_first() else { continue };
        for url in rest {
            if !seen.insert(url.as_str()) {
                continue;
            }
            let Some(p) = by_url.get(url.as_str()) else { continue };
            rewrites.push((
                format!("Rewrite \"{}\" so it no longer duplicates {first}", page_name(p)),
                top_of.get(url.as_str()).map(|t| t.to_string()),
                Some(url.clone()),
                format!("{} as {first}: rewrite it, or point its canonical there", group.reason),
            ));
        }
    }
    let limit = 52 * cadence as usize;
    let mut ordered = Vec::new();
    let (mut a, mut b) = (new_pages.into_iter(), rewrites.into_iter());
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            break;
        }
        ordered.extend(x.map(|e| (EntryKind::NewPage, e)));
        ordered.extend(y.map(|e| (EntryKind::Rewrite, e)));
    }
    ordered
        .into_iter()
        .take(limit)
        .enumerate()
        .map(|(i, (kind, (title, target_term, url, reason)))| CalendarEntry {
            date: entry_date(start, i, cadence),
            kind,
            title,
            target_term,
            url,
            reason,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn page(url: &str, words: u32, text: Option<&str>) -> ContentPage {
        ContentPage {
            page: CrawlPage {
                url: url.into(),
                status: 200,
                depth: 1,
                in_sitemap: true,
                indexable: true,
                title: Some(format!("Title of {url}")),
                word_count: words,
                content_hash: None,
            },
            h1: None,
            text: text.map(str::to_string),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn input(pages: Vec<ContentPage>, competitor_pages: Vec<ContentPage>) -> ContentInput {
        ContentInput { pages, competitor_pages, start_date: date(2026, 1, 5), cadence: 1 }
    }

    #[test]
    fn stopword_lists_are_sorted_for_binary_search() {
        assert!(ENGLISH_STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(RUSSIAN_STOPWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stopword("the") && is_stopword("это") && !is_stopword("garden"));
    }

    #[test]
    fn terms_are_one_to_three_grams_bounded_by_content_words() {
        assert_eq!(
            terms("The cost of living, in Moscow!"),
            ["cost", "cost of living", "living", "moscow"],
            "a comma ends the phrase; 'of' may sit inside a term but not at its ends"
        );
        assert_eq!(terms("Цены на нефть растут"), ["цены", "цены на нефть", "нефть", "нефть растут", "растут"]);
        assert_eq!(words("Ёлка-Палка don't 2024"), ["елка", "палка", "don", "t", "2024"]);
        // digits alone and single letters never bound a term
        assert_eq!(terms("2024 x seo"), ["seo"]);
    }

    #[test]
    fn tf_idf_matches_the_hand_computation() {
        // d1 "apple banana apple": apple×2, banana, "apple banana", "banana apple", "apple banana apple" = 6
        // d2 "banana cherry": banana, cherry, "banana cherry" = 3. N = 2.
        // idf(df 1) = ln(3/2) + 1 = 1.405465; idf(df 2) = ln(3/3) + 1 = 1
        // banana = 1/6 + 1/3 = 0.5; apple = 2/6 · 1.405465 = cherry = "banana cherry" = 0.468488
        let c = Corpus::build(["apple banana apple", "banana cherry"].into_iter());
        let top = c.top(5);
        let got: Vec<(&str, f64, u32)> = top.iter().map(|t| (t.term.as_str(), t.score, t.document_frequency)).collect();
        assert_eq!(
            got,
            [
                ("banana", 0.5, 2),
                ("apple", 0.4685, 1),
                ("banana cherry", 0.4685, 1),
                ("cherry", 0.4685, 1),
                ("apple banana", 0.2342, 1),
            ]
        );
        assert_eq!(c.doc_top(0), Some("apple"));
        // "banana cherry" and "cherry" tie in d2; the term order decides
        assert_eq!(c.doc_top(1), Some("banana cherry"));
    }

    #[test]
    fn flesch_of_a_known_sentence() {
        // 9 words, 11 syllables (o-ver, la-zy), 1 sentence: 206.835 − 1.015·9 − 84.6·11/9 = 94.3
        let r = readability("The quick brown fox jumps over the lazy dog.");
        assert_eq!(
            r,
            Some(Readability { language: Language::English, sentences: 1, words: 9, syllables: 11, score: 94.3 })
        );
        assert_eq!(syllables("the"), 1);
        assert_eq!(syllables("table"), 2);
        assert_eq!(syllables("estimate"), 3);
    }

    #[test]
    fn oborneva_for_russian_text() {
        // 6 words, 2 sentences; syllables ма-ма, мы-ла, ра-му, па-па, чи-та-ет, кни-гу = 13
        // 206.835 − 1.3·3 − 60.1·13/6 = 72.718
        let r = readability("Мама мыла раму. Папа читает книгу.");
        assert_eq!(
            r,
            Some(Readability { language: Language::Russian, sentences: 2, words: 6, syllables: 13, score: 72.7 })
        );
        assert_eq!(readability("… 123 !"), None);
        // very easy English text is clamped to 100
        assert_eq!(readability("I am. I go.").map(|r| r.score), Some(100.0));
    }

    #[test]
    fn thin_and_duplicate_pages() {
        let mut a = page("https://a.example/a", 150, Some("Same words here."));
        let b = page("https://a.example/b", 900, Some("same   WORDS here"));
        let mut c = page("https://a.example/c", 900, Some("Different text entirely."));
        let mut d = page("https://a.example/d", 50, None);
        a.page.content_hash = Some("h1".into());
        c.page.content_hash = Some("h2".into());
        d.page.content_hash = Some("h2".into());
        let mut noindex = page("https://a.example/e", 10, None);
        noindex.page.indexable = false;
        let out = analyse(&input(vec![d, c, b, a, noindex], vec![]));
        let thin: Vec<(&str, u32)> = out.thin_pages.iter().map(|t| (t.url.as_str(), t.word_count)).collect();
        assert_eq!(thin, [("https://a.example/d", 50), ("https://a.example/a", 150)]);
        assert_eq!(
            out.duplicates,
            [
                DuplicateGroup {
                    urls: vec!["https://a.example/a".into(), "https://a.example/b".into()],
                    reason: "same visible text".into()
                },
                DuplicateGroup {
                    urls: vec!["https://a.example/c".into(), "https://a.example/d".into()],
                    reason: "same content hash".into()
                },
            ]
        );
        assert!(out.missing.iter().any(|m| m.starts_with("visible text: 2 of 5")), "{:?}", out.missing);
        assert!(out.missing.iter().any(|m| m.starts_with("competitor crawls")));
    }

    #[test]
    fn gaps_clusters_and_calendar() {
        let client = vec![
            page("https://a.example/1", 800, Some("Garden tools. Garden tools for beginners.")),
            page("https://a.example/2", 120, Some("Garden hoses.")),
        ];
        let competitors = vec![
            page("https://c.example/1", 800, Some("Garden tools. Lawn care guide.")),
            page("https://c.example/2", 800, Some("Lawn care. Compost.")),
        ];
        let mut i = input(client, competitors);
        i.cadence = 2;
        let out = analyse(&i);
        let gap_terms: Vec<&str> = out.gaps.iter().map(|g| g.term.as_str()).collect();
        // competitor corpus (N = 2): c1 has 9 terms, c2 4. care, lawn and "lawn care" (df 2, idf 1) score
        // 1/9 + 1/4 = 0.3611 (tied, so by term); compost 1/4 · 1.405 = 0.3514; "garden tools" and "garden"
        // occur in the client's text, so they are no gaps
        assert_eq!(gap_terms[..4], ["care", "lawn", "lawn care", "compost"]);
        assert_eq!(out.gaps[0].competitor_score, 0.3611);
        assert!(!gap_terms.contains(&"garden") && !gap_terms.contains(&"garden tools"));
        assert_eq!(
            out.clusters.iter().map(|c| (c.term.as_str(), c.size)).collect::<Vec<_>>(),
            // page 2: "garden hoses" and "hoses" tie (garden is on both pages, idf 1), the term order decides
            [("garden hoses", 1), ("garden tools", 1)]
        );
        // new page, rewrite, new page, …; two a week: Monday 5th, Thursday 8th, Monday 12th
        let cal: Vec<(NaiveDate, EntryKind, Option<&str>)> =
            out.calendar.iter().take(3).map(|e| (e.date, e.kind, e.target_term.as_deref())).collect();
        assert_eq!(
            cal,
            [
                (date(2026, 1, 5), EntryKind::NewPage, Some("care")),
                (date(2026, 1, 8), EntryKind::Rewrite, Some("garden hoses")),
                (date(2026, 1, 12), EntryKind::NewPage, Some("lawn")),
            ]
        );
        assert_eq!(out.calendar[0].title, "Care: a complete guide");
        assert_eq!(out.calendar[1].url.as_deref(), Some("https://a.example/2"));
        assert_eq!(out.calendar.len(), out.gaps.len() + 1);
    }

    #[test]
    fn calendar_dates_follow_the_cadence() {
        let start = date(2026, 1, 5);
        assert_eq!(entry_date(start, 0, 1), start);
        assert_eq!(entry_date(start, 3, 1), date(2026, 1, 26));
        // three a week: days 0, 2, 4, then 7
        let days: Vec<i64> = (0..4).map(|i| (entry_date(start, i, 3) - start).num_days()).collect();
        assert_eq!(days, [0, 2, 4, 7]);
        // 0 is treated as 1
        assert_eq!(entry_date(start, 1, 0), date(2026, 1, 12));
    }

    #[test]
    fn cadence_defaults_to_one_a_week() {
        let json = r#"{"pages":[],"competitor_pages":[],"start_date":"2026-01-05"}"#;
        let parsed: Result<ContentInput, _> = serde_json::from_str(json);
        assert_eq!(parsed.map(|i| i.cadence).ok(), Some(1));
    }

    #[test]
    fn page_text_is_bounded() {
        let long = "word ".repeat(10_000);
        assert_eq!(bounded(&long).chars().count(), MAX_TEXT_CHARS);
        assert_eq!(bounded("short"), "short");
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "garden",
                "tools",
                "the",
                "of",
                "lawn",
                "care",
                "сад",
                "инструменты",
                "и",
                ".",
                ",",
                "2024",
                "SEO",
            ]),
            0..40,
        )
        .prop_map(|w| w.join(" "))
    }

    fn any_pages(prefix: &'static str) -> impl Strategy<Value = Vec<ContentPage>> {
        prop::collection::vec((0u32..600, prop::option::of(any_text()), 0u8..3), 0..6).prop_map(move |v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (words, text, hash))| {
                    let mut p = page(&format!("https://{prefix}/{i}"), words, text.as_deref());
                    p.page.content_hash = (hash > 0).then(|| format!("h{hash}"));
                    p
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn outputs_are_deterministic_and_bounded(
            pages in any_pages("a.example"), theirs in any_pages("c.example"), cadence in 0u32..10
        ) {
            let i = ContentInput { pages, competitor_pages: theirs, start_date: date(2026, 1, 5), cadence };
            let out = analyse(&i);
            prop_assert_eq!(&out, &analyse(&i.clone()));
            prop_assert!(out.top_terms.len() <= TOP_TERMS);
            for w in out.top_terms.windows(2) { prop_assert!(w[0].score >= w[1].score); }
            for r in &out.readability { prop_assert!((0.0..=100.0).contains(&r.readability.score)); }
            for e in out.calendar.windows(2) { prop_assert!(e[0].date < e[1].date); }
            prop_assert!(out.calendar.len() <= 52 * cadence.clamp(1, 7) as usize);
            let clustered: u32 = out.clusters.iter().map(|c| c.size).sum();
            // every page with at least one term is in exactly one cluster
            let with_terms = i.pages.iter().filter(|p| p.text.as_deref().is_some_and(|t| !terms(t).is_empty())).count();
            prop_assert_eq!(clustered as usize, with_terms);
            for g in &out.gaps { prop_assert!(!out.top_terms.iter().any(|t| t.term == g.term)); }
        }

        #[test]
        fn terms_never_start_or_end_with_a_stopword(text in any_text()) {
            for t in terms(&text) {
                let w: Vec<&str> = t.split(' ').collect();
                prop_assert!(w.len() <= MAX_NGRAM);
                prop_assert!(is_content_word(w[0]) && is_content_word(w[w.len() - 1]), "{}", t);
            }
        }
    }
}
