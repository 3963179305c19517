//! The health score of a crawl and its per-category scores ([`Score`]), as the auditor tallies them while
//! issues are found and as [`score`] computes them over stored pages and issues.
//!
//! # Formula
//!
//! Health (Ahrefs' definition) = 100 × (1 − internal HTML URLs with ≥1 error issue / internal HTML URLs),
//! rounded to one decimal. Each category's score uses the same formula with only that category's issues. With
//! no HTML pages there is nothing to fail: every score is 100.0 and `html_pages` is 0, which the UI shows as
//! "no pages crawled" rather than a perfect site. The error / warning / notice counts cover every issue,
//! including site-level and image ones.

use serde::{Deserialize, Serialize};

use super::catalogue::{Category, Issue, Severity};
use super::urls::{to_u32, Urls};
use crate::crawl::CrawledPage;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub health: f64,
    pub html_pages: u32,
    pub pages_with_errors: u32,
    pub errors: u32,
    pub warnings: u32,
    pub notices: u32,
    /// Every category, in [`Category::ALL`] order.
    pub categories: Vec<(Category, f64)>,
}

/// Health = 100 × (1 − HTML URLs with ≥1 error / HTML URLs), one decimal; per category the same over that
/// category's issues. The crawler stores only internal URLs, so every page given counts as internal. With no
/// HTML pages every score is 100.0 and `html_pages` is 0 (nothing was measured, which the caller must show).
/// The error / warning / notice counts cover every issue, including site-level and image ones.
pub fn score(pages: &[CrawledPage], issues: &[Issue]) -> Score {
    let mut urls = Urls::new();
    let mut tally = Tally::default();
    for page in pages.iter().filter(|p| p.facts.is_some()) {
        let id = urls.id(&page.url);
        tally.mark(id, HTML);
    }
    for issue in issues {
        tally.count(&urls, issue);
    }
    tally.score()
}

/// `100 × (1 − failing / html_pages)` rounded to one decimal; 100.0 when there are no HTML pages.
pub(super) fn health(failing: usize, html_pages: usize) -> f64 {
    if html_pages == 0 {
        100.0
    } else {
        (1000.0 * (1.0 - failing as f64 / html_pages as f64)).round() / 10.0
    }
}

/// The error / warning / notice counts and, per interned URL, whether it is an HTML page and in which
/// categories it has errors (one byte per URL).
#[derive(Default)]
pub(super) struct Tally {
    marks: Vec<u8>,
    errors: u32,
    warnings: u32,
    notices: u32,
}

/// The URL is an HTML page (the score's denominator).
pub(super) const HTML: u8 = 1 << 7;
/// The URL has an error issue of some category.
const ANY_ERROR: u8 = 1 << 6;

/// The mark of errors in a category: bit `i` for the `i`-th of [`Category::ALL`].
fn category_bit(c: Category) -> u8 {
    1 << Category::ALL.iter().position(|&x| x == c).unwrap_or(0)
}

impl Tally {
    pub(super) fn mark(&mut self, id: u32, bits: u8) {
        let i = id as usize;
        if self.marks.len() <= i {
            self.marks.resize(i + 1, 0);
        }
        self.marks[i] |= bits;
    }

    pub(super) fn count(&mut self, urls: &Urls, issue: &Issue) {
        match issue.severity {
            Severity::Error => {
                self.errors += 1;
                // A URL never interned is no page's URL, so not an HTML page the score counts.
                if let Some(id) = urls.names.get(&issue.url) {
                    self.mark(id, ANY_ERROR | category_bit(issue.category));
                }
            }
            Severity::Warning => self.warnings += 1,
            Severity::Notice => self.notices += 1,
        }
    }

    pub(super) fn score(&self) -> Score {
        let html = self.marks.iter().filter(|m| *m & HTML != 0);
        let html_pages = html.clone().count();
        let failing = |bit: u8| html.clone().filter(|m| *m & bit != 0).count();
        let pages_with_errors = failing(ANY_ERROR);
        Score {
            health: health(pages_with_errors, html_pages),
            html_pages: to_u32(html_pages),
            pages_with_errors: to_u32(pages_with_errors),
            errors: self.errors,
            warnings: self.warnings,
            notices: self.notices,
            categories: Category::ALL.iter().map(|&c| (c, health(failing(category_bit(c)), html_pages))).collect(),
        }
    }
}
