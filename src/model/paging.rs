//! Offsets and windows of paged lists, parsed at the edge into bounded values so that no number a request
//! carries can overflow the arithmetic behind a pager or reach the database out of range.

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// The largest row offset any list accepts. Far above any list the product holds (a crawl of 100,000
/// pages has a few million links), far below where `offset + limit` could overflow an `i64`.
pub const MAX_OFFSET: i64 = 1_000_000_000;

/// A row offset into a list: `0 ..= MAX_OFFSET`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Offset(i64);

impl Offset {
    /// Reads an offset from a query or form value; empty means 0. The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Offset, FieldErrors> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Offset(0));
        }
        match raw.parse::<i64>() {
            Ok(n) => Offset::new(field, n),
            Err(_) => Err(Self::error(field)),
        }
    }

    /// Checks an offset that arrived as a number; the error names `field`.
    pub fn new(field: &str, n: i64) -> Result<Offset, FieldErrors> {
        if (0..=MAX_OFFSET).contains(&n) {
            Ok(Offset(n))
        } else {
            Err(Self::error(field))
        }
    }

    /// An offset from a value that is only a hint (a link built by the page itself): clamped into range.
    pub fn clamped(n: i64) -> Offset {
        Offset(n.clamp(0, MAX_OFFSET))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    fn error(field: &str) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(field, format!("a whole number of rows from 0 to {MAX_OFFSET}"));
        e
    }
}

/// Which rows of a list a page shows: `limit` rows from `offset` of `total`. Every figure is computed
/// with saturating arithmetic, so any stored values give a pager, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: i64,
    pub limit: i64,
    pub total: i64,
}

impl Window {
    pub fn new(offset: i64, limit: i64, total: i64) -> Window {
        Window { offset: offset.max(0), limit: limit.max(1), total: total.max(0) }
    }

    /// The previous page's offset: `max(offset - limit, 0)`, or None on the first page.
    pub fn previous(&self) -> Option<i64> {
        (self.offset > 0).then(|| self.offset.saturating_sub(self.limit).max(0))
    }

    /// The next page's offset, `offset + limit`, or None when it would be past the last row or past
    /// [`MAX_OFFSET`].
    pub fn next(&self) -> Option<i64> {
        let next = self.offset.saturating_add(self.limit);
        (next < self.total && next <= MAX_OFFSET).then_some(next)
    }

    /// The 1-based numbers of the first and last rows shown, `offset + 1 ..= min(offset + limit, total)`,
    /// or None when the window holds no row (an empty list, or an offset past its end).
    pub fn shown(&self) -> Option<(i64, i64)> {
        let first = self.offset.saturating_add(1);
        let last = self.offset.saturating_add(self.limit).min(self.total);
        (first <= last).then_some((first, last))
    }
}

/// A position in a list ordered newest first by `(created_at DESC, id ASC)` (tasks, campaigns): the last row
/// a page showed. Written as `<created_at in microseconds since the epoch>.<id>`; callers treat it as opaque.
/// The next page is the rows strictly after it in that order, so rows added or removed meanwhile never make
/// a page repeat or skip one that was there all along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeCursor {
    pub created_micros: i64,
    pub id: uuid::Uuid,
}

impl TimeCursor {
    pub fn new(created_at: chrono::DateTime<chrono::Utc>, id: uuid::Uuid) -> TimeCursor {
        TimeCursor { created_micros: created_at.timestamp_micros(), id }
    }

    /// The cursor's time, back as a timestamp (None for a value outside chrono's range).
    pub fn created_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp_micros(self.created_micros)
    }

    /// Reads a cursor this API wrote; empty means the first page. The error names `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Option<TimeCursor>, FieldErrors> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let parsed = raw.split_once('.').and_then(|(micros, id)| {
            let created_micros = micros.parse::<i64>().ok()?;
            chrono::DateTime::from_timestamp_micros(created_micros)?;
            Some(TimeCursor { created_micros, id: uuid::Uuid::parse_str(id).ok()? })
        });
        match parsed {
            Some(c) => Ok(Some(c)),
            None => Err(FieldErrors::one(field, "not a cursor this list gave out: pass `next` from the previous page")),
        }
    }
}

impl std::fmt::Display for TimeCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.created_micros, self.id)
    }
}

/// A page size for cursor lists: `1 ..= max`, `default` when empty. The error names `field`.
pub fn parse_limit(field: &str, raw: &str, default: i64, max: i64) -> Result<i64, FieldErrors> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(default);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| FieldErrors::one(field, format!("enter a whole number from 1 to {max}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_cursors_round_trip_and_refuse_anything_else() {
        let at = chrono::DateTime::from_timestamp_micros(1_764_547_200_123_456).expect("time");
        let id = uuid::Uuid::from_u128(7);
        let c = TimeCursor::new(at, id);
        assert_eq!(TimeCursor::parse("cursor", &c.to_string()), Ok(Some(c)));
        assert_eq!(c.created_at(), Some(at));
        assert_eq!(TimeCursor::parse("cursor", " "), Ok(None));
        for bad in [
            "x",
            "1.",
            ".00000000-0000-0000-0000-000000000007",
            "9223372036854775807.00000000-0000-0000-0000-000000000007",
            "1.nope",
        ] {
            let e = TimeCursor::parse("cursor", bad).expect_err(bad);
            assert!(e.get("cursor").is_some(), "{bad}");
        }
        assert_eq!(parse_limit("limit", "", 50, 100), Ok(50));
        assert_eq!(parse_limit("limit", "100", 50, 100), Ok(100));
        for bad in ["0", "101", "-1", "x", "9223372036854775808"] {
            assert!(parse_limit("limit", bad, 50, 100).is_err(), "{bad}");
        }
    }

    #[test]
    fn offsets_outside_the_range_are_refused_naming_the_field() {
        assert_eq!(Offset::parse("io", "").map(Offset::get), Ok(0));
        assert_eq!(Offset::parse("io", " 50 ").map(Offset::get), Ok(50));
        for bad in
            ["-1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e9", "abc", "1000000001"]
        {
            let e = Offset::parse("io", bad).expect_err(bad);
            assert!(e.get("io").is_some(), "{bad}: {e}");
        }
        assert!(Offset::new("offset", i64::MAX).is_err());
        assert_eq!(Offset::clamped(i64::MAX).get(), MAX_OFFSET);
        assert_eq!(Offset::clamped(i64::MIN).get(), 0);
    }

    #[test]
    fn windows_link_pages_and_count_rows() {
        let w = Window::new(50, 50, 120);
        assert_eq!(w.previous(), Some(0));
        assert_eq!(w.next(), Some(100));
        assert_eq!(w.shown(), Some((51, 100)));
        let last = Window::new(100, 50, 120);
        assert_eq!(last.next(), None);
        assert_eq!(last.shown(), Some((101, 120)));
        assert_eq!(Window::new(0, 50, 0).shown(), None);
        assert_eq!(Window::new(500, 50, 120).shown(), None);
    }

    proptest::proptest! {
        #[test]
        fn no_window_panics_and_links_stay_in_range(offset: i64, limit: i64, total: i64) {
            let w = Window::new(offset, limit, total);
            if let Some(p) = w.previous() {
                proptest::prop_assert!((0..w.offset).contains(&p));
            }
            if let Some(n) = w.next() {
                proptest::prop_assert!(n > w.offset && n < w.total && n <= MAX_OFFSET);
            }
            if let Some((a, b)) = w.shown() {
                proptest::prop_assert!(1 <= a && a <= b && b <= w.total);
            }
        }

        #[test]
        fn parsed_offsets_are_in_range(raw in ".{0,24}") {
            if let Ok(o) = Offset::parse("po", &raw) {
                proptest::prop_assert!((0..=MAX_OFFSET).contains(&o.get()));
            }
        }
    }
}
