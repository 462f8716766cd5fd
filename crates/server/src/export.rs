//! Obligations as exports: every one the caller may read, as CSV (one row
//! each) or JSON. Shared by the API and the pages, so both give the same file.

use bulwark_app::directives::obligations::{self, ListQuery, ObligationOut};
use bulwark_app::{App, AppResult};
use bulwark_core::Principal;
use bulwark_store::PageRequest;

/// Every obligation the caller may read that matches, page by page.
pub async fn all_matching(
    app: &App,
    who: &Principal,
    query: &ListQuery,
) -> AppResult<Vec<ObligationOut>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = obligations::list(
            app,
            who,
            query,
            PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            },
        )
        .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// The columns of the CSV export, in order.
pub const CSV_HEADER: [&str; 18] = [
    "id",
    "agency",
    "system",
    "subject_kind",
    "subject",
    "subject_version",
    "vulnerability",
    "directive",
    "rule",
    "action",
    "timeline",
    "trigger_at",
    "due_at",
    "state",
    "overdue",
    "answer",
    "closed_at",
    "closed_reason",
];

/// One CSV cell (RFC 4180). A cell a spreadsheet would read as a formula
/// (`=`, `+`, `-`, `@` first) is prefixed with `'`: names and reasons come
/// from SBOMs and agencies, and an export must not run what they wrote.
fn csv_cell(v: &str, out: &mut String) {
    let guarded;
    let v = if v.starts_with(['=', '+', '-', '@']) {
        guarded = format!("'{v}");
        guarded.as_str()
    } else {
        v
    };
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Obligations as CSV: [`CSV_HEADER`], then one row each (CRLF line ends).
/// `agency` and `system` are ids, as in the JSON; `subject` is the
/// component's or product's name.
pub fn csv(items: &[ObligationOut]) -> String {
    let mut out = String::new();
    let mut row = |cells: &[&str]| {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_cell(c, &mut out);
        }
        out.push_str("\r\n");
    };
    row(&CSV_HEADER);
    for o in items {
        let id = o.id.to_string();
        let org = o.org.to_string();
        let system = o.system.to_string();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        row(&[
            &id,
            &org,
            &system,
            &o.subject_kind,
            &o.subject_name,
            &opt(&o.subject_version),
            &o.vulnerability,
            &o.directive,
            &o.rule,
            &o.action,
            &o.timeline,
            &o.trigger_at,
            &opt(&o.due_at),
            &o.state,
            if o.overdue { "true" } else { "false" },
            &opt(&o.answer),
            &opt(&o.closed_at),
            &opt(&o.closed_reason),
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    fn cell(v: &str) -> String {
        let mut out = String::new();
        csv_cell(v, &mut out);
        out
    }

    #[test]
    fn cells_are_quoted_as_rfc_4180_says_and_formulas_made_text() {
        assert_eq!(cell("row-07"), "row-07");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)"] {
            assert_eq!(cell(formula), format!("'{formula}"));
        }
        assert_eq!(cell("=A1,B1"), "\"'=A1,B1\"");
        assert_eq!(cell(""), "");
    }
}
