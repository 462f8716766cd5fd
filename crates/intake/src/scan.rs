//! A JSON scanner over a reader that finds where values begin and end on the
//! raw bytes, without building them.
//!
//! The SARIF reader walks a log's outer structure (the log object, `runs`, a
//! run's members, `results`) with it and hands each result's bytes, whole,
//! to `serde_json::from_slice`. Parsing from a slice is much faster than
//! serde_json's reader-based parser, which goes through the `Read` trait byte
//! by byte keeping line and column; and results captured as bytes can be
//! parsed on other threads. Values the reader has no use for are skipped
//! here, fully checked (escapes, numbers, literals, nesting), so a malformed
//! document is refused wherever the problem is, and never buffered.
//!
//! Errors use serde_json's wording, and positions are its: 1-based line and
//! column.

use std::io::{self, Read};

use crate::error::ErrorKind;

/// How deep arrays and objects may nest in a skipped value: serde_json's
/// own limit for the values it parses, so both halves agree.
const MAX_DEPTH: usize = 128;

const BUF: usize = 64 * 1024;

/// A syntax, end-of-file or I/O problem at a position.
#[derive(Debug)]
pub(crate) struct ScanError {
    pub kind: ErrorKind,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Boxed: the error is rare and a small `Result` keeps the hot paths fast.
pub(crate) type Scan<T> = Result<T, Box<ScanError>>;

/// The position of a byte: 1-based line, 1-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The position after `bytes`, which start here.
    pub fn advance(self, bytes: &[u8]) -> Pos {
        match bytes.iter().rposition(|b| *b == b'\n') {
            Some(last) => Pos {
                line: self.line + bytes.iter().filter(|b| **b == b'\n').count(),
                column: bytes.len() - last,
            },
            None => Pos {
                line: self.line,
                column: self.column + bytes.len(),
            },
        }
    }

    /// Where a position reported by a parser of a slice that starts here
    /// falls in the document.
    pub fn offset(self, line: usize, column: usize) -> (usize, usize) {
        if line <= 1 {
            (self.line, self.column + column.saturating_sub(1))
        } else {
            (self.line + line - 1, column)
        }
    }
}

pub(crate) struct Scanner<R> {
    reader: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// Newlines are counted up to here (an index into `buf`).
    counted: usize,
    /// The line of `counted` and the absolute offset of its first byte.
    line: usize,
    line_start: u64,
    /// While capturing: the bytes so far, and where in `buf` the part not
    /// yet copied begins.
    capture: Option<(Vec<u8>, usize)>,
}

impl<R: Read> Scanner<R> {
    pub fn new(reader: R) -> Self {
        Scanner {
            reader,
            buf: vec![0; BUF].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
            counted: 0,
            line: 1,
            line_start: 0,
            capture: None,
        }
    }

    /// Skips a UTF-8 byte order mark (tools on Windows write one).
    pub fn skip_bom(&mut self) -> Scan<()> {
        while self.end < 3 && !self.eof {
            let n = self.read_more(self.end)?;
            if n == 0 {
                break;
            }
        }
        if self.buf[..self.end].starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        Ok(())
    }

    /// The position of the next byte.
    pub fn pos(&mut self) -> Pos {
        self.count_to(self.pos);
        Pos {
            line: self.line,
            column: (self.base + self.pos as u64 - self.line_start) as usize + 1,
        }
    }

    fn count_to(&mut self, to: usize) {
        if to <= self.counted {
            return;
        }
        let span = &self.buf[self.counted..to];
        let lines = span.iter().filter(|b| **b == b'\n').count();
        if lines > 0
            && let Some(last) = span.iter().rposition(|b| *b == b'\n')
        {
            self.line += lines;
            self.line_start = self.base + (self.counted + last + 1) as u64;
        }
        self.counted = to;
    }

    fn read_more(&mut self, at: usize) -> Scan<usize> {
        loop {
            match self.reader.read(&mut self.buf[at..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.end = at + n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(self.error(ErrorKind::Io, e.to_string()));
                }
            }
        }
    }

    /// Makes `buf[pos]` available; `false` at the end of the input.
    #[inline]
    fn fill(&mut self) -> Scan<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        self.refill()
    }

    #[inline(never)]
    fn refill(&mut self) -> Scan<bool> {
        if self.eof {
            return Ok(false);
        }
        self.count_to(self.pos);
        if let Some((out, from)) = &mut self.capture {
            out.extend_from_slice(&self.buf[*from..self.pos]);
            *from = 0;
        }
        self.base += self.pos as u64;
        self.pos = 0;
        self.end = 0;
        self.counted = 0;
        Ok(self.read_more(0)? > 0)
    }

    /// The next byte, not consumed.
    #[inline]
    fn peek(&mut self) -> Scan<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    pub fn peek_token(&mut self) -> Scan<Option<u8>> {
        loop {
            while self.pos < self.end {
                match self.buf[self.pos] {
                    b' ' | b'\n' | b'\t' | b'\r' => self.pos += 1,
                    b => return Ok(Some(b)),
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes the byte [`peek_token`](Self::peek_token) returned.
    pub fn bump(&mut self) {
        self.pos += 1;
    }

    #[cold]
    pub fn error(&mut self, kind: ErrorKind, message: impl Into<String>) -> Box<ScanError> {
        let p = self.pos();
        Box::new(ScanError {
            kind,
            message: message.into(),
            line: p.line,
            column: p.column,
        })
    }

    #[cold]
    fn eof_error(&mut self, what: &str) -> Box<ScanError> {
        self.error(ErrorKind::Eof, format!("EOF while parsing {what}"))
    }

    /// The next token, which must be there.
    #[inline]
    pub fn token(&mut self, what: &str) -> Scan<u8> {
        match self.peek_token()? {
            Some(b) => Ok(b),
            None => Err(self.eof_error(what)),
        }
    }

    /// After a member or element of a container that closes with `close`:
    /// `true` when another follows (its comma consumed), `false` at the end.
    pub fn next_in(&mut self, close: u8) -> Scan<bool> {
        let what = if close == b'}' { "an object" } else { "a list" };
        match self.token(what)? {
            b',' => {
                self.bump();
                Ok(true)
            }
            b if b == close => {
                self.bump();
                Ok(false)
            }
            _ => Err(self.error(
                ErrorKind::Syntax,
                format!("expected `,` or `{}`", close as char),
            )),
        }
    }

    /// An object key and its colon. The key is decoded (escapes are rare in
    /// keys, so they go through serde_json).
    pub fn key(&mut self) -> Scan<String> {
        match self.token("an object")? {
            b'"' => {}
            _ => return Err(self.error(ErrorKind::Syntax, "key must be a string")),
        }
        let start = self.pos();
        self.start_capture();
        let escaped = self.string()?;
        let raw = self.end_capture();
        let key = if escaped {
            serde_json::from_slice::<String>(&raw).ok()
        } else {
            raw.get(1..raw.len() - 1)
                .and_then(|s| std::str::from_utf8(s).ok())
                .map(str::to_owned)
        };
        let Some(key) = key else {
            return Err(Box::new(ScanError {
                kind: ErrorKind::Syntax,
                message: "invalid unicode code point".into(),
                line: start.line,
                column: start.column,
            }));
        };
        match self.token("an object")? {
            b':' => {
                self.bump();
                Ok(key)
            }
            _ => Err(self.error(ErrorKind::Syntax, "expected `:`")),
        }
    }

    /// A key inside a value being skipped or captured: checked, not decoded.
    fn member_key(&mut self) -> Scan<()> {
        match self.token("an object")? {
            b'"' => {}
            _ => return Err(self.error(ErrorKind::Syntax, "key must be a string")),
        }
        self.string()?;
        match self.token("an object")? {
            b':' => {
                self.bump();
                Ok(())
            }
            _ => Err(self.error(ErrorKind::Syntax, "expected `:`")),
        }
    }

    /// The next value's bytes, checked only for where it ends (the caller
    /// parses them, which checks the rest). `depth`: how deeply the value is
    /// nested in the document, so that the limit is the document's.
    pub fn capture(&mut self, depth: usize) -> Scan<Vec<u8>> {
        self.token("a value")?;
        self.start_capture();
        let outcome = self.value(depth);
        let bytes = self.end_capture();
        outcome.map(|()| bytes)
    }

    /// Starts keeping every byte consumed from here on, after what `out`
    /// holds (cleared): a run of values with what separates them.
    pub fn start_capture_into(&mut self, mut out: Vec<u8>) {
        out.clear();
        self.capture = Some((out, self.pos));
    }

    /// How many bytes the capture holds so far.
    pub fn captured(&self) -> usize {
        match &self.capture {
            Some((out, from)) => out.len() + (self.pos - from),
            None => 0,
        }
    }

    /// Ends the capture and returns its bytes.
    pub fn finish_capture(&mut self) -> Vec<u8> {
        self.end_capture()
    }

    /// Skips the next value, nested `depth` deep, checking it is
    /// well-formed JSON.
    pub fn skip(&mut self, depth: usize) -> Scan<()> {
        self.value(depth)
    }

    /// Only whitespace may follow the document.
    pub fn end(&mut self) -> Scan<()> {
        match self.peek_token()? {
            None => Ok(()),
            Some(_) => Err(self.error(ErrorKind::Syntax, "trailing characters")),
        }
    }

    fn start_capture(&mut self) {
        self.capture = Some((Vec::new(), self.pos));
    }

    fn end_capture(&mut self) -> Vec<u8> {
        match self.capture.take() {
            Some((mut out, from)) => {
                out.extend_from_slice(&self.buf[from..self.pos]);
                out
            }
            None => Vec::new(),
        }
    }

    /// One whole value, iteratively (no recursion on hostile nesting).
    fn value(&mut self, depth: usize) -> Scan<()> {
        let mut stack: Vec<u8> = Vec::new();
        'value: loop {
            match self.token("a value")? {
                b'{' => {
                    self.depth(depth + stack.len())?;
                    self.bump();
                    if self.token("an object")? == b'}' {
                        self.bump();
                    } else {
                        stack.push(b'}');
                        self.member_key()?;
                        continue 'value;
                    }
                }
                b'[' => {
                    self.depth(depth + stack.len())?;
                    self.bump();
                    if self.token("a list")? == b']' {
                        self.bump();
                    } else {
                        stack.push(b']');
                        continue 'value;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return Err(self.error(ErrorKind::Syntax, "expected value")),
            }
            // After a value: close what is complete, or go on to the next.
            while let Some(&close) = stack.last() {
                if self.next_in(close)? {
                    if close == b'}' {
                        self.member_key()?;
                    }
                    continue 'value;
                }
                stack.pop();
            }
            return Ok(());
        }
    }

    /// Refuses to open an array or object `depth` deep at the limit.
    fn depth(&mut self, depth: usize) -> Scan<()> {
        if depth >= MAX_DEPTH {
            return Err(self.error(ErrorKind::Syntax, "recursion limit exceeded"));
        }
        Ok(())
    }

    /// A string from its opening quote; `true` when it has escapes.
    fn string(&mut self) -> Scan<bool> {
        self.bump();
        let mut escaped = false;
        loop {
            self.pos += plain(&self.buf[self.pos..self.end]);
            if self.pos < self.end {
                match self.buf[self.pos] {
                    b'"' => {
                        self.pos += 1;
                        return Ok(escaped);
                    }
                    b'\\' => {
                        escaped = true;
                        self.pos += 1;
                        self.escape()?;
                    }
                    _ => {
                        return Err(self.error(
                            ErrorKind::Syntax,
                            "control character (\\u0000-\\u001F) found while parsing a string",
                        ));
                    }
                }
            } else if !self.fill()? {
                return Err(self.eof_error("a string"));
            }
        }
    }

    /// The escape after a backslash.
    fn escape(&mut self) -> Scan<()> {
        let Some(b) = self.peek()? else {
            return Err(self.eof_error("a string"));
        };
        self.pos += 1;
        match b {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                for _ in 0..4 {
                    match self.peek()? {
                        Some(h) if h.is_ascii_hexdigit() => self.pos += 1,
                        Some(_) => {
                            return Err(self.error(ErrorKind::Syntax, "invalid escape"));
                        }
                        None => return Err(self.eof_error("a string")),
                    }
                }
                Ok(())
            }
            _ => Err(self.error(ErrorKind::Syntax, "invalid escape")),
        }
    }

    fn digits(&mut self) -> Scan<usize> {
        let mut n = 0;
        while self.fill()? {
            let run = self.buf[self.pos..self.end]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            self.pos += run;
            n += run;
            if self.pos < self.end {
                break;
            }
        }
        Ok(n)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Scan<()> {
        if self.peek()? == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits()?;
            }
            Some(_) => return Err(self.error(ErrorKind::Syntax, "invalid number")),
            None => return Err(self.eof_error("a value")),
        }
        if self.peek()? == Some(b'.') {
            self.pos += 1;
            if self.digits()? == 0 {
                return Err(self.number_end_error()?);
            }
        }
        if matches!(self.peek()?, Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek()?, Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits()? == 0 {
                return Err(self.number_end_error()?);
            }
        }
        Ok(())
    }

    fn number_end_error(&mut self) -> Scan<Box<ScanError>> {
        Ok(match self.peek()? {
            Some(_) => self.error(ErrorKind::Syntax, "invalid number"),
            None => self.eof_error("a value"),
        })
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        for &w in word {
            match self.peek()? {
                Some(b) if b == w => self.pos += 1,
                Some(_) => return Err(self.error(ErrorKind::Syntax, "expected ident")),
                None => return Err(self.eof_error("a value")),
            }
        }
        Ok(())
    }
}

/// How many bytes at the start of `bytes` may stand in a string as they are
/// (not `"`, `\\` or a control character): eight at a time, as serde_json
/// does, since strings are most of a SARIF log.
fn plain(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `v` that is zero; the lowest one set is
    // exact (a borrow only reaches bytes above a zero byte).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut i = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let hit = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && !matches!(bytes[i], b'"' | b'\\' | 0..=0x1f) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte at a time, to cross every buffer
    /// boundary.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn skip_all(doc: &[u8]) -> Scan<()> {
        let mut s = Scanner::new(Trickle(doc));
        s.skip_bom()?;
        s.skip(0)?;
        s.end()
    }

    #[test]
    fn agrees_with_serde_json_on_what_is_json() {
        let docs: &[&str] = &[
            r#"{"a":[1,-2.5e+3,true,false,null,"x\"\\\/\b\f\n\r\t\u00e9"],"b":{}}"#,
            "[]",
            " 0 ",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "[01]",
            "[1.]",
            "[1e]",
            "[-]",
            "[tru]",
            "[nul",
            "\"a\u{1}\"",
            "\"\\x\"",
            "\"\\u12G4\"",
            "[1] [2]",
            "[1 2]",
            "",
            "{\"a\":[{\"b\":\"c\"}]}",
        ];
        for doc in docs {
            let ours = skip_all(doc.as_bytes());
            let theirs = serde_json::from_str::<serde::de::IgnoredAny>(doc);
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "{doc:?}: {ours:?} vs {theirs:?}"
            );
            if let (Err(o), Err(t)) = (&ours, &theirs) {
                let eof = t.classify() == serde_json::error::Category::Eof;
                assert_eq!(o.kind == ErrorKind::Eof, eof, "{doc:?}: {o:?} vs {t}");
            }
        }
    }

    #[test]
    fn plain_runs_stop_at_the_first_special_byte() {
        for (s, n) in [
            (&b"abcdefghijklmnop"[..], 16),
            (b"abcdefgh\"ijk", 8),
            (b"abc\\defghij\"", 3),
            (b"abcdefghijk\n", 11),
            (b"\x7f\xc3\xa9abcdefg\"", 10),
            (b"\"", 0),
            (b"", 0),
        ] {
            assert_eq!(plain(s), n, "{s:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let e = skip_all(deep.as_bytes()).unwrap_err();
        assert_eq!(e.message, "recursion limit exceeded");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(skip_all(ok.as_bytes()).is_ok());
    }

    #[test]
    fn captures_across_buffer_boundaries_and_counts_lines() {
        let doc = b"\xEF\xBB\xBF{\n \"k\\u0041\": [1, {\"x\": \"y\"}],\n  \"z\": 2 }";
        let mut s = Scanner::new(Trickle(doc));
        s.skip_bom().unwrap();
        assert_eq!(s.token("a value").unwrap(), b'{');
        s.bump();
        assert_eq!(s.key().unwrap(), "kA");
        let v = s.capture(1).unwrap();
        assert_eq!(v, b"[1, {\"x\": \"y\"}]");
        assert!(s.next_in(b'}').unwrap());
        assert_eq!(s.key().unwrap(), "z");
        assert_eq!(s.token("a value").unwrap(), b'2');
        assert_eq!(s.pos(), Pos { line: 3, column: 8 });
        s.skip(1).unwrap();
        assert!(!s.next_in(b'}').unwrap());
        s.end().unwrap();
    }

    #[test]
    fn positions_of_errors() {
        let e = skip_all(b"{\"a\": 1,\n \"b\": tru }").unwrap_err();
        assert_eq!((e.kind, e.line, e.column), (ErrorKind::Syntax, 2, 10));
        assert_eq!(Pos { line: 3, column: 5 }.offset(1, 3), (3, 7));
        let at = Pos { line: 3, column: 5 };
        assert_eq!(at.advance(b"ab"), Pos { line: 3, column: 7 });
        assert_eq!(at.advance(b"a\nb\ncd"), Pos { line: 5, column: 3 });
        assert_eq!(at.advance(b"a\n"), Pos { line: 4, column: 1 });
        assert_eq!(Pos { line: 3, column: 5 }.offset(2, 3), (4, 3));
    }
}
