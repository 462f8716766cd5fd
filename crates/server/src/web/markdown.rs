//! An advisory's `details`, which OSV defines as Markdown, rendered to
//! HTML that is safe to put in a page: the details come from whoever
//! published the record, so nothing in them may run or load.
//!
//! Raw HTML (blocks and inline) becomes escaped text, so a `<script>` is
//! shown, not run; a link keeps its target only when it is `http`, `https`
//! or `mailto` (a `javascript:` link becomes its text); images become
//! their description, as the page loads nothing from elsewhere. Headings
//! are moved below the page's own (`#` becomes `<h3>`), so the outline
//! stays the page's.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Whether a link target may be followed from a page.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// `details` as HTML, sanitised as the module says.
pub fn render(details: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Whether each open link was kept, so its end is dropped with it.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(details, options).filter_map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_url(&dest_url);
            links.push(keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then_some(e),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        Event::InlineMath(s) | Event::DisplayMath(s) => Some(Event::Code(s)),
        other => Some(other),
    });
    let mut html = String::with_capacity(details.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn raw_html_is_shown_not_run() {
        let html =
            render("Before <script>alert(1)</script> after\n\n<div onclick=\"x()\">block</div>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<div"), "{html}");
    }

    #[test]
    fn only_web_and_mail_links_are_kept() {
        let html = render(
            "[ok](https://example.org/a) [bad](javascript:alert(1)) ![img](https://x/y.png)",
        );
        assert!(
            html.contains(r#"<a href="https://example.org/a">ok</a>"#),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("bad"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn headings_sit_below_the_page() {
        let html = render("# Impact\n\n`code` and *emphasis*");
        assert!(html.contains("<h3>Impact</h3>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
    }
}
