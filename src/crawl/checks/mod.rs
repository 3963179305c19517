//! The technical SEO audit checks of audit-checks.md, the health score and crawl comparison. No I/O: the
//! [`Auditor`] takes pages one at a time as the crawl delivers them; [`run`] and [`score`] are the same over
//! a slice of pages.
//!
//! - `catalogue`: every check's id, severity, category and description ([`CHECKS`]), the [`Thresholds`] and
//!   the [`Issue`] a check raises;
//! - `urls`: which URLs are the site's ([`Scope`]), how URLs are compared, and the URL interner;
//! - `per_page`: the checks that need nothing but the page, run as each page arrives, and [`is_indexable`];
//! - `auditor`: the [`Auditor`], which keeps compact facts across pages and runs the cross-page checks
//!   (broken links, canonical and hreflang targets, duplicates, orphans, images, site checks) at its finish;
//! - `score`: the health score and category scores ([`Score`]), with the formula;
//! - here: [`compare`], which sorts two crawls' issues into new, fixed and persisting.
//!
//! Page checks only look at internal pages. The module docs of each part give its rules.

mod auditor;
mod catalogue;
mod per_page;
mod score;
#[cfg(test)]
mod tests;
mod urls;

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub use auditor::{run, Auditor, SiteFacts, MAX_IMAGE_PROBES};
pub use catalogue::{Category, CheckInfo, Issue, Severity, Thresholds, CHECKS, GENERIC_ANCHORS};
pub use per_page::is_indexable;
pub use score::{score, Score};
pub use urls::Scope;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub new: Vec<Issue>,
    pub fixed: Vec<Issue>,
    pub persisting: Vec<Issue>,
}

/// Issue identity is (check id, URL): `new` and `persisting` come from `after`, `fixed` from `before`, each in
/// its input order. Several issues sharing an identity (one per broken link target) move together.
pub fn compare(before: &[Issue], after: &[Issue]) -> Comparison {
    let key = |i: &Issue| (i.check.clone(), i.url.clone());
    let was: HashSet<_> = before.iter().map(key).collect();
    let is: HashSet<_> = after.iter().map(key).collect();
    let (persisting, new): (Vec<Issue>, Vec<Issue>) = after.iter().cloned().partition(|i| was.contains(&key(i)));
    let fixed = before.iter().filter(|i| !is.contains(&key(i))).cloned().collect();
    Comparison { new, fixed, persisting }
}
