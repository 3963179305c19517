//! Escaping for the ways text leaves as HTML outside the view layer's own escaping.
//!
//! Leptos escapes text nodes and attribute values it renders, but some paths write strings raw:
//! leptos_meta 0.8.7 puts the `<Title>` text (after its formatter) into the server-rendered `<title>`
//! unescaped, tachys 0.2 writes the children of `<textarea>` (like those of `<script>`) raw, and
//! hand-written HTML answers (error pages) build markup from strings. Every such path goes through
//! [`escape_html`].

/// Escapes `text` for HTML text content and for double- or single-quoted attribute values:
/// `&` -> `&amp;`, `<` -> `&lt;`, `>` -> `&gt;`, `"` -> `&quot;`, `'` -> `&#39;`. Everything else,
/// including non-ASCII, passes unchanged.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_the_rest_is_kept() {
        assert_eq!(escape_html("</title><h1 id=x>X</h1>"), "&lt;/title&gt;&lt;h1 id=x&gt;X&lt;/h1&gt;");
        assert_eq!(escape_html("\"><img src=x onerror=alert(1)>"), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape_html("Tom & Jerry's"), "Tom &amp; Jerry&#39;s");
        assert_eq!(escape_html("Müller · Ωmega"), "Müller · Ωmega");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn escaped_text_never_contains_a_tag_opener_or_a_quote() {
        let hostile = "<script>\"'&</textarea>]]><meta http-equiv=refresh>";
        let out = escape_html(hostile);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('"') && !out.contains('\''));
    }
}
