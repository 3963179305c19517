//! Number formatting shared by the output pages: scores, grouped numbers and percentages, with a dash
//! where a figure is missing or not a number.

use crate::forms::grouped;

/// Shown where a figure is missing or not a number.
pub const NONE: &str = "—";

/// A score as the agents round it: one decimal.
pub fn score(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        NONE.to_string()
    }
}

/// At most `digits` decimals with trailing zeros dropped and the whole part grouped by thousands:
/// `12500.0` → `12,500`, `1.15` → `1.15`, `0.9` → `0.9`.
pub fn number(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let text = format!("{:.*}", digits, x.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let fraction = fraction.trim_end_matches('0');
    let whole = whole.parse::<i64>().map(grouped).unwrap_or_else(|_| whole.to_string());
    let sign = if x < 0.0 && (whole != "0" || !fraction.is_empty()) { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// A fraction as a percentage with at most `digits` decimals: `0.425` → `42.5 %`.
pub fn percent(fraction: f64, digits: usize) -> String {
    if fraction.is_finite() {
        format!("{} %", number(fraction * 100.0, digits))
    } else {
        NONE.to_string()
    }
}

/// The event's detail as "key: value" pairs (email is shown as the target already).
pub fn event_detail(detail: &serde_json::Value) -> String {
    detail
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.as_str() != "email")
                .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
