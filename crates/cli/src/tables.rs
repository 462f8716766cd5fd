//! Tables with chosen columns, for the commands whose objects are too wide
//! or too nested for `client::print_value`'s one-column-per-key table.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Rows under a header, each column padded to its widest cell.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn lines(&self) -> Vec<String> {
        let n = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..n)
            .map(|k| {
                self.rows
                    .iter()
                    .map(|r| r.get(k).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            })
            .collect()
    }

    pub fn print(&self) {
        for l in self.lines() {
            println!("{l}");
        }
    }
}

/// An instant the API wrote in RFC 3339, shown in UTC to the minute
/// (`2026-12-06 15:03 UTC`); absent or null: `-`; anything else as written.
pub fn utc(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => {
                let t = t.to_offset(time::UtcOffset::UTC);
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            }
            Err(_) => s.clone(),
        },
        None | Some(Value::Null) => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// A string field, `-` when absent or null.
pub fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_utc() {
        let v = Value::String("2026-03-01T23:30:00-05:00".into());
        assert_eq!(utc(Some(&v)), "2026-03-02 04:30 UTC");
        assert_eq!(utc(None), "-");
        assert_eq!(utc(Some(&Value::String("soon".into()))), "soon");
    }

    #[test]
    fn columns_line_up() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["a-long-id".into(), "x".into()]);
        t.row(vec!["b".into(), "why".into()]);
        let lines = t.lines();
        assert_eq!(lines[0], "ID         NAME");
        assert_eq!(lines[1], "a-long-id  x");
        assert_eq!(lines[2], "b          why");
    }
}
