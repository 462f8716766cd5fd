//! `bulwark versions compare`: how two versions order under an ecosystem's
//! own rules, offline, for one pair or every row of a CSV file.
//!
//! One pair prints `<`, `=` or `>`; a bad version or ecosystem is bad input
//! (exit 2). A file prints one line per row, in order, with `error: …` for
//! a row that cannot be compared, so a script can line results up with
//! rows; if any row failed, the exit code is 2 after the last line.

use std::cmp::Ordering;
use std::io::{BufWriter, Read, Write};
use std::process::ExitCode;

use bulwark_versions::{Ecosystem, Version, VersionError};
use clap::Subcommand;
use serde_json::json;

use crate::{BadInput, Format};

#[derive(Subcommand)]
pub enum VersionsCommand {
    /// Compare A with B under an ecosystem's rules and print `<`, `=` or
    /// `>`; or, with `--file`, every row of a CSV file with the header
    /// `ecosystem,a,b` (`-` for standard input).
    Compare {
        /// The ecosystem as OSV names it (`npm`, `PyPI`, `Debian:12`, `Red Hat`, …).
        #[arg(long, required_unless_present = "file", conflicts_with = "file")]
        ecosystem: Option<String>,
        /// A CSV file whose header names the columns `ecosystem`, `a` and
        /// `b` (in any order; other columns are ignored), one comparison
        /// per row; `-` reads standard input.
        #[arg(long, value_name = "FILE.csv")]
        file: Option<String>,
        /// The version on the left of the printed `<`, `=` or `>`.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        a: Option<String>,
        /// The version on the right.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        b: Option<String>,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
}

pub fn run(cmd: VersionsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        VersionsCommand::Compare {
            ecosystem,
            file,
            a,
            b,
            format,
        } => match (file, ecosystem, a, b) {
            (Some(file), ..) => compare_file(&file, format),
            (None, Some(eco), Some(a), Some(b)) => {
                let o = compare(&eco, &a, &b).map_err(BadInput)?;
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", line(&eco, &a, &b, &Ok(o), format))?;
                Ok(ExitCode::SUCCESS)
            }
            // clap requires these unless --file is given.
            _ => Err(BadInput("give --ecosystem ECO A B, or --file FILE.csv".into()).into()),
        },
    }
}

fn symbol(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

fn compare(eco: &str, a: &str, b: &str) -> Result<Ordering, String> {
    let e = Ecosystem::from_osv(eco).map_err(|e| match e {
        VersionError::UnknownEcosystem(_) => {
            let known: Vec<&str> = Ecosystem::ALL.iter().map(|e| e.name()).collect();
            format!("{e} (known: {})", known.join(", "))
        }
        other => other.to_string(),
    })?;
    let va = Version::parse(e, a).map_err(|e| e.to_string())?;
    let vb = Version::parse(e, b).map_err(|e| e.to_string())?;
    Ok(va.cmp(&vb))
}

/// The printed line (no newline) for one comparison or its error.
fn line(eco: &str, a: &str, b: &str, r: &Result<Ordering, String>, format: Format) -> String {
    match (format, r) {
        (Format::Table, Ok(o)) => symbol(*o).to_owned(),
        (Format::Table, Err(e)) => format!("error: {e}"),
        (Format::Json, Ok(o)) => {
            json!({"ecosystem": eco, "a": a, "b": b, "result": symbol(*o)}).to_string()
        }
        (Format::Json, Err(e)) => json!({"ecosystem": eco, "a": a, "b": b, "error": e}).to_string(),
    }
}

fn compare_file(file: &str, format: Format) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| BadInput(format!("{file}: {e}")))?;

    let mut records = Csv::new(&text);
    let header = records.next().ok_or_else(|| {
        BadInput(format!(
            "{file}:1: empty file; the header is `ecosystem,a,b`"
        ))
    })?;
    // The columns it needs, wherever they stand; other columns (an
    // `expected` column of a test vector, say) are ignored.
    let (width, at) = match header {
        (n, Ok(fields)) => match columns(&fields, &["ecosystem", "a", "b"]) {
            Some(at) => (fields.len(), at),
            None => {
                return Err(BadInput(format!(
                    "{file}:{n}: the header must name the columns `ecosystem,a,b` (others are ignored), found `{}`",
                    fields.join(",")
                ))
                .into());
            }
        },
        (n, Err(e)) => return Err(BadInput(format!("{file}:{n}: {e}")).into()),
    };

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut rows, mut failed) = (0usize, 0usize);
    for (n, record) in records {
        rows += 1;
        let (eco, a, b, r) = match record {
            Ok(f) if f.len() == width => {
                let [eco, a, b] = at.map(|i| f[i].clone());
                let r = compare(&eco, &a, &b);
                (eco, a, b, r)
            }
            Ok(f) => (
                String::new(),
                String::new(),
                String::new(),
                Err(format!("expected {width} fields, found {}", f.len())),
            ),
            Err(e) => (String::new(), String::new(), String::new(), Err(e)),
        };
        let r = r.map_err(|e| {
            failed += 1;
            format!("line {n}: {e}")
        });
        writeln!(out, "{}", line(&eco, &a, &b, &r, format))?;
    }
    out.flush()?;
    if failed > 0 {
        return Err(BadInput(format!(
            "{file}: {failed} of {rows} rows could not be compared"
        ))
        .into());
    }
    Ok(ExitCode::SUCCESS)
}

/// Where each of `wanted` stands among a header's `fields` (surrounding
/// white space ignored); `None` when one is missing.
fn columns<const N: usize>(fields: &[String], wanted: &[&str; N]) -> Option<[usize; N]> {
    let mut at = [0usize; N];
    for (slot, name) in at.iter_mut().zip(wanted) {
        *slot = fields.iter().position(|f| f.trim() == *name)?;
    }
    Some(at)
}

/// A small CSV reader (RFC 4180): comma-separated fields, optionally in
/// double quotes, where `""` is a quote and commas and line breaks are
/// kept; blank lines are skipped. Yields each record with the line it
/// starts on.
struct Csv<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Csv<'a> {
    fn new(text: &'a str) -> Csv<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Csv {
            chars: text.chars().peekable(),
            line: 1,
        }
    }
}

impl Iterator for Csv<'_> {
    type Item = (usize, Result<Vec<String>, String>);

    fn next(&mut self) -> Option<Self::Item> {
        // Skip blank lines.
        loop {
            match self.chars.peek() {
                Some('\n') => {
                    self.chars.next();
                    self.line += 1;
                }
                Some('\r') => {
                    self.chars.next();
                }
                Some(_) => break,
                None => return None,
            }
        }
        let start = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        loop {
            match (self.chars.next(), quoted) {
                (None, true) => return Some((start, Err("unterminated quoted field".into()))),
                (None, false) | (Some('\n'), false) => {
                    if field.ends_with('\r') && !was_quoted {
                        field.pop();
                    }
                    fields.push(field);
                    self.line += 1;
                    return Some((start, Ok(fields)));
                }
                (Some('"'), true) => {
                    if self.chars.peek() == Some(&'"') {
                        self.chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                }
                (Some('"'), false) if field.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                (Some(','), false) => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                (Some('\r'), false) if was_quoted => {}
                (Some(c), _) => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    field.push(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(usize, Result<Vec<String>, String>)> {
        Csv::new(text).collect()
    }

    #[test]
    fn csv_quotes_and_line_numbers() {
        let r = records("ecosystem,a,b\r\n\"Red Hat\",\"1,0\",\"a\"\"b\"\n\nnpm,1.0.0,\"2\n.0\"\n");
        assert_eq!(
            r[0],
            (1, Ok(vec!["ecosystem".into(), "a".into(), "b".into()]))
        );
        assert_eq!(
            r[1],
            (2, Ok(vec!["Red Hat".into(), "1,0".into(), "a\"b".into()]))
        );
        assert_eq!(
            r[2],
            (4, Ok(vec!["npm".into(), "1.0.0".into(), "2\n.0".into()]))
        );
        assert_eq!(r.len(), 3);
        assert!(records("a,\"b\n")[0].1.is_err());
    }
}
