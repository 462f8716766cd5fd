//! Which form of an error a client asked for. A browser that follows a
//! dead link should land on a page it can read and leave (WCAG 3.2.3 asks
//! for consistent navigation, 2.4.2 for a title); an API client keeps its
//! RFC 9457 problem document. Decided by the `Accept` header's quality
//! values (RFC 9110 §12.5.1), not by the path, so a script that asks for
//! JSON under any path still gets JSON.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

/// True when `Accept` prefers HTML to JSON: `text/html` (or
/// `application/xhtml+xml`) has a higher quality than every JSON type.
/// `*/*` alone, or no header, keeps the problem document, which is what
/// curl and most HTTP libraries send.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let mut html: f32 = 0.0;
    let mut json: f32 = 0.0;
    let mut any: f32 = 0.0;
    let mut text_any: f32 = 0.0;
    let mut app_any: f32 = 0.0;
    for value in headers.get_all(ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            let slot = match media.as_str() {
                "text/html" | "application/xhtml+xml" => &mut html,
                "application/json" | "application/problem+json" => &mut json,
                "*/*" => &mut any,
                "text/*" => &mut text_any,
                "application/*" => &mut app_any,
                _ => continue,
            };
            *slot = slot.max(q);
        }
    }
    // A specific range wins over a wildcard for the same type (§12.5.1).
    let html_q = if html > 0.0 { html } else { text_any.max(any) };
    let json_q = if json > 0.0 { json } else { app_any.max(any) };
    html_q > json_q
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn browsers_get_html() {
        // Chromium's and Firefox's navigation Accept headers.
        assert!(prefers_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
        )));
        assert!(prefers_html(&accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
    }

    #[test]
    fn api_clients_keep_problem_documents() {
        assert!(!prefers_html(&HeaderMap::new()));
        assert!(!prefers_html(&accept("*/*")));
        assert!(!prefers_html(&accept("application/json")));
        assert!(!prefers_html(&accept(
            "application/problem+json, text/html;q=0.5"
        )));
        assert!(!prefers_html(&accept("text/html;q=0.5, application/json")));
        assert!(!prefers_html(&accept("text/html;q=0")));
        assert!(prefers_html(&accept("text/html, application/json;q=0.9")));
        assert!(prefers_html(&accept("text/*")));
    }
}
