//! Cells for CSV files people open in spreadsheets. Text that a spreadsheet would run as a formula (it
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'` (OWASP's advice on CSV
//! injection); crawled and typed text both go through here.

/// The text with the formula guard applied.
pub fn formula_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A text cell: the formula guard, then quoting.
pub fn text_cell(s: &str) -> String {
    quote(&formula_safe(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_fields_quoted() {
        assert_eq!(text_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text_cell("-1,5"), "\"'-1,5\"");
        assert_eq!(text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text_cell("plain"), "plain");
    }
}
