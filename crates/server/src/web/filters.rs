//! Askama filters the pages share; a page module brings them in with
//! `use super::filters;` (askama calls `filters::name`).

/// A package URL as HTML that breaks only after a `/` or `@` (a `<wbr>`
/// there; the page's `code.purl` does not wrap elsewhere), so a name or
/// version is never split across lines. Escaped here: use it as
/// `{{ p|purl|safe }}`.
pub fn purl(s: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
    let s = s.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '/' | '@' => {
                out.push(c);
                out.push_str("<wbr>");
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn breaks_only_after_slashes_and_ats_and_escapes() {
        let html = super::purl("pkg:npm/%40a/b<c>@1.0", askama::NO_VALUES).unwrap_or_default();
        assert_eq!(html, "pkg:npm/<wbr>%40a/<wbr>b&lt;c&gt;@<wbr>1.0");
    }
}
