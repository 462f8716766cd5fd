//! FIRST's EPSS daily scores CSV, read line by line: the full file has a
//! quarter of a million rows, and a caller usually wants a few of them.
//!
//! The file starts with a comment naming the model and the day:
//! `#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z`. Both are
//! kept: scores from different model versions are not comparable.

use std::io::BufRead;

use serde::Serialize;

use super::FeedError;

/// The model and day the scores come from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EpssModel {
    /// `v2026.06.15`; `None` if the file has no comment line.
    pub model_version: Option<String>,
    /// As published, e.g. `2026-09-29T12:00:22Z`.
    pub score_date: Option<String>,
}

/// One row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpssRow {
    pub cve: String,
    /// Probability of exploitation activity in the next 30 days, 0–1.
    pub epss: f64,
    /// Rank among all scored CVEs, 0–1.
    pub percentile: f64,
}

/// A streaming reader: the model first, then rows as an iterator.
pub struct EpssReader<R> {
    reader: R,
    model: EpssModel,
    line: u64,
    buf: String,
}

impl<R: BufRead> EpssReader<R> {
    /// Reads the comment line (if any) and the `cve,epss,percentile` header.
    pub fn new(mut reader: R) -> Result<Self, FeedError> {
        let mut buf = String::new();
        let mut line = 0;
        let mut model = EpssModel::default();
        read_line(&mut reader, &mut buf, &mut line)?;
        if let Some(comment) = buf.trim_end().strip_prefix('#') {
            for field in comment.split(',') {
                match field.split_once(':') {
                    Some(("model_version", v)) => model.model_version = Some(v.trim().to_owned()),
                    Some(("score_date", v)) => model.score_date = Some(v.trim().to_owned()),
                    _ => {}
                }
            }
            read_line(&mut reader, &mut buf, &mut line)?;
        }
        let header: Vec<&str> = buf.trim_end().split(',').map(str::trim).collect();
        if header != ["cve", "epss", "percentile"] {
            return Err(FeedError::Csv {
                line,
                message: format!(
                    "expected the header `cve,epss,percentile`, found `{}`",
                    buf.trim_end()
                ),
            });
        }
        Ok(EpssReader {
            reader,
            model,
            line,
            buf,
        })
    }

    pub fn model(&self) -> &EpssModel {
        &self.model
    }

    /// The line (1-based, comment line included) of the row read last.
    pub fn line(&self) -> u64 {
        self.line
    }
}

fn read_line<R: BufRead>(r: &mut R, buf: &mut String, line: &mut u64) -> Result<usize, FeedError> {
    buf.clear();
    *line += 1;
    r.read_line(buf).map_err(|source| FeedError::Io {
        line: *line,
        source,
    })
}

fn probability(field: Option<&str>, name: &str, line: u64) -> Result<f64, FeedError> {
    let field = field.map(str::trim).unwrap_or("");
    match field.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(FeedError::Csv {
            line,
            message: format!("{name} `{field}` is not a number between 0 and 1"),
        }),
    }
}

impl<R: BufRead> Iterator for EpssReader<R> {
    type Item = Result<EpssRow, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match read_line(&mut self.reader, &mut self.buf, &mut self.line) {
                Err(e) => return Some(Err(e)),
                Ok(0) => return None,
                Ok(_) => {}
            }
            let text = self.buf.trim_end();
            if text.is_empty() {
                continue;
            }
            let line = self.line;
            let mut fields = text.split(',');
            let cve = fields.next().unwrap_or("").trim();
            if !cve.starts_with("CVE-") {
                return Some(Err(FeedError::Csv {
                    line,
                    message: format!("`{cve}` is not a CVE id"),
                }));
            }
            let row = (|| {
                let epss = probability(fields.next(), "epss", line)?;
                let percentile = probability(fields.next(), "percentile", line)?;
                if fields.next().is_some() {
                    return Err(FeedError::Csv {
                        line,
                        message: "more than three fields".into(),
                    });
                }
                Ok(EpssRow {
                    cve: cve.to_owned(),
                    epss,
                    percentile,
                })
            })();
            return Some(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_model_and_rows() {
        let text = "#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\ncve,epss,percentile\nCVE-1999-0001,0.03351,0.88255\n\nCVE-1999-0002,0.27858,0.98037\n";
        let mut r = EpssReader::new(text.as_bytes()).unwrap();
        assert_eq!(r.model().model_version.as_deref(), Some("v2026.06.15"));
        assert_eq!(
            r.model().score_date.as_deref(),
            Some("2026-09-29T12:00:22Z")
        );
        let rows: Vec<_> = r.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].epss, 0.27858);
    }

    #[test]
    fn errors_name_the_line() {
        let text = "#model_version:v1,score_date:d\ncve,epss,percentile\nCVE-1-1,0.1,0.2\nCVE-1-2,high,0.2\n";
        let r = EpssReader::new(text.as_bytes()).unwrap();
        let e = r.collect::<Result<Vec<_>, _>>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 4: epss `high` is not a number between 0 and 1"
        );
        let e = EpssReader::new("#x\ncve,score\n".as_bytes()).err().unwrap();
        assert!(
            e.to_string().starts_with("line 2: expected the header"),
            "{e}"
        );
    }

    #[test]
    fn no_comment_line_means_no_model() {
        let r = EpssReader::new("cve,epss,percentile\n".as_bytes()).unwrap();
        assert_eq!(r.model(), &EpssModel::default());
    }
}
