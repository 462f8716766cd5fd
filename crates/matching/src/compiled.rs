//! The compiled form of OSV records: what matching and the pages that
//! show matches read of a record, in a length-prefixed binary layout that
//! loads without parsing JSON or YAML.
//!
//! A record's compiled form keeps `id`, `modified`, `published`,
//! `withdrawn`, `aliases`, `summary`, `severity`, and of each `affected[]`
//! entry its package, severity, ranges (type, repository, events) and
//! `versions`. It leaves out what no match reads: `details`, `references`,
//! `credits`, `related`, `upstream` and the `*_specific` objects (the
//! store keeps the record whole for the pages that show it).
//!
//! Layout, little-endian throughout: a string is a `u32` byte length and
//! UTF-8; an optional string a `0` or `1` byte and then the string; a list
//! a `u32` count and its items. Each `affected[]` entry is preceded by its
//! byte length so that an index can read the packages and skip the rest
//! (the ranges and versions are read when a component of the package is
//! first matched).
//!
//! An index file ([`write_file`], [`read_file`]) is the magic
//! `BWOSVIX\0`, the format number, the record count, the records each
//! preceded by its byte length, and a 64-bit checksum of all that; a file
//! cut short or changed on disk is refused as damaged, not half read.
//! Decoding never panics: every length is checked against what is left.

use thiserror::Error;

use crate::osv::{Advisory, Affected, Event, Package, Range, RangeType, Severity};

/// The first bytes of an index file.
pub const MAGIC: &[u8; 8] = b"BWOSVIX\0";
/// The layout written; a file of another number is refused, to be
/// compiled again.
pub const FORMAT: u32 = 1;

/// Why bytes are not a compiled record or index.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CompiledError {
    #[error("not a compiled advisory index (it does not start with {MAGIC:?})")]
    NotIndex,
    #[error(
        "a compiled advisory index of format {found}, this Bulwark reads format {FORMAT}: \
         compile it again"
    )]
    Format { found: u32 },
    #[error("the compiled advisory index is damaged: its checksum does not match")]
    Checksum,
    #[error("damaged compiled record at byte {at}: {what}")]
    Damaged { at: usize, what: &'static str },
}

// ---- writing -------------------------------------------------------------

fn put_u32(out: &mut Vec<u8>, n: usize) {
    // Lengths and counts of one record never approach 4 GiB (an OSV record
    // is kilobytes); saturating keeps a writer bug from wrapping silently.
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_strs<S: AsRef<str>>(out: &mut Vec<u8>, items: &[S]) {
    put_u32(out, items.len());
    for s in items {
        put_str(out, s.as_ref());
    }
}

fn put_severity(out: &mut Vec<u8>, severity: &[Severity]) {
    put_u32(out, severity.len());
    for s in severity {
        put_str(out, &s.kind);
        put_str(out, &s.score);
    }
}

fn event_code(e: &Event) -> u8 {
    match e {
        Event::Introduced(_) => 0,
        Event::Fixed(_) => 1,
        Event::LastAffected(_) => 2,
        Event::Limit(_) => 3,
    }
}

/// Appends the compiled form of `a` to `out`.
pub fn encode(a: &Advisory, out: &mut Vec<u8>) {
    put_str(out, &a.id);
    put_opt(out, a.modified.as_deref());
    put_opt(out, a.published.as_deref());
    put_opt(out, a.withdrawn.as_deref());
    put_strs(out, &a.aliases);
    put_opt(out, a.summary.as_deref());
    put_severity(out, &a.severity);
    put_u32(out, a.affected.len());
    for x in &a.affected {
        let len_at = out.len();
        put_u32(out, 0);
        match &x.package {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                put_str(out, &p.ecosystem);
                put_str(out, &p.name);
                put_opt(out, p.purl.as_deref());
            }
        }
        put_severity(out, &x.severity);
        put_u32(out, x.ranges.len());
        for r in &x.ranges {
            put_str(out, &r.kind.to_string());
            put_opt(out, r.repo.as_deref());
            put_u32(out, r.events.len());
            for e in &r.events {
                out.push(event_code(e));
                put_str(out, e.version());
            }
        }
        put_strs(out, &x.versions);
        let len = out.len() - len_at - 4;
        out[len_at..len_at + 4].copy_from_slice(&u32::try_from(len).unwrap_or(0).to_le_bytes());
    }
}

/// The compiled form of `a` on its own (as the store keeps it per record).
pub fn to_bytes(a: &Advisory) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode(a, &mut out);
    out
}

// ---- reading -------------------------------------------------------------

/// A bounds-checked cursor over compiled bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    fn damaged(&self, what: &'static str) -> CompiledError {
        CompiledError::Damaged { at: self.at, what }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CompiledError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.damaged(what))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, CompiledError> {
        Ok(self.take(1, "cut short")?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<usize, CompiledError> {
        let b = self.take(4, "cut short")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, CompiledError> {
        let b = self.take(8, "cut short")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A string's position, checked to be UTF-8.
    fn span(&mut self) -> Result<Span, CompiledError> {
        let n = self.u32()?;
        let start = self.at;
        let b = self.take(n, "a string runs past the end")?;
        std::str::from_utf8(b).map_err(|_| self.damaged("a string is not UTF-8"))?;
        Ok((start, start + n))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, CompiledError> {
        let n = self.u32()?;
        let b = self.take(n, "a string runs past the end")?;
        std::str::from_utf8(b).map_err(|_| self.damaged("a string is not UTF-8"))
    }

    fn opt(&mut self) -> Result<Option<&'a str>, CompiledError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            _ => Err(self.damaged("an optional field's flag is neither 0 nor 1")),
        }
    }

    /// A count of items each at least `min` bytes long, checked against
    /// what is left so that a damaged count cannot ask for huge memory.
    fn count(&mut self, min: usize) -> Result<usize, CompiledError> {
        let n = self.u32()?;
        if n.saturating_mul(min) > self.bytes.len() - self.at {
            return Err(self.damaged("a count exceeds what is left"));
        }
        Ok(n)
    }

    fn strings(&mut self) -> Result<Vec<String>, CompiledError> {
        let n = self.count(4)?;
        (0..n).map(|_| self.str().map(str::to_owned)).collect()
    }

    fn skip_strings(&mut self) -> Result<(), CompiledError> {
        let n = self.count(4)?;
        for _ in 0..n {
            self.str()?;
        }
        Ok(())
    }

    fn severity(&mut self) -> Result<Vec<Severity>, CompiledError> {
        let n = self.count(8)?;
        (0..n)
            .map(|_| {
                Ok(Severity {
                    kind: self.str()?.to_owned(),
                    score: self.str()?.to_owned(),
                })
            })
            .collect()
    }

    fn skip_severity(&mut self) -> Result<(), CompiledError> {
        let n = self.count(8)?;
        for _ in 0..2 * n {
            self.str()?;
        }
        Ok(())
    }

    pub(crate) fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    pub(crate) fn position(&self) -> usize {
        self.at
    }

    /// The next `n` bytes, unread.
    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], CompiledError> {
        self.take(n, "a record runs past the end")
    }
}

/// Where a string is in a record: start and end byte.
pub(crate) type Span = (usize, usize);

/// What an index files a record by, read without decoding the rest: where
/// its strings are (the lists are reused from record to record, so that
/// filing the whole OSV database does not allocate for them).
#[derive(Debug, Default, Clone)]
pub(crate) struct Head {
    pub(crate) id: Span,
    pub(crate) modified: Option<Span>,
    pub(crate) withdrawn: bool,
    pub(crate) aliases: Vec<Span>,
    /// Per `affected[]` entry: its package's ecosystem (as written) and
    /// name, when it names one.
    pub(crate) packages: Vec<Option<(Span, Span)>>,
}

impl Head {
    /// Reads the head of one compiled record into `self`.
    pub(crate) fn read(&mut self, record: &[u8]) -> Result<(), CompiledError> {
        let mut r = Reader::new(record);
        self.id = r.span()?;
        self.modified = match r.byte()? {
            0 => None,
            1 => Some(r.span()?),
            _ => return Err(r.damaged("an optional field's flag is neither 0 nor 1")),
        };
        r.opt()?;
        self.withdrawn = r.opt()?.is_some();
        self.aliases.clear();
        let n = r.count(4)?;
        for _ in 0..n {
            let span = r.span()?;
            self.aliases.push(span);
        }
        r.opt()?;
        r.skip_severity()?;
        self.packages.clear();
        let n = r.count(4)?;
        for _ in 0..n {
            let len = r.u32()?;
            let end = r.at + len;
            let package = match r.byte()? {
                0 => None,
                1 => Some((r.span()?, r.span()?)),
                _ => return Err(r.damaged("a package flag is neither 0 nor 1")),
            };
            if end > record.len() || r.at > end {
                return Err(r.damaged("an affected entry runs past the end"));
            }
            r.at = end;
            self.packages.push(package);
        }
        if !r.done() {
            return Err(r.damaged("bytes after the record"));
        }
        Ok(())
    }
}

/// The string at `span` of `record` (checked to be UTF-8 when the head
/// was read; "" were it not).
pub(crate) fn text(record: &[u8], span: Span) -> &str {
    record
        .get(span.0..span.1)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("")
}

/// Decodes one compiled record (see the module documentation for what it
/// holds; the fields it leaves out are empty).
pub fn decode(record: &[u8]) -> Result<Advisory, CompiledError> {
    let mut r = Reader::new(record);
    let id = r.str()?.to_owned();
    let modified = r.opt()?.map(str::to_owned);
    let published = r.opt()?.map(str::to_owned);
    let withdrawn = r.opt()?.map(str::to_owned);
    let aliases = r.strings()?;
    let summary = r.opt()?.map(str::to_owned);
    let severity = r.severity()?;
    let n = r.count(4)?;
    let mut affected = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.u32()?;
        let body = r.take(len, "an affected entry runs past the end")?;
        affected.push(decode_affected(body)?);
    }
    if !r.done() {
        return Err(r.damaged("bytes after the record"));
    }
    Ok(Advisory {
        schema_version: None,
        id,
        modified,
        published,
        withdrawn,
        aliases,
        related: Vec::new(),
        upstream: Vec::new(),
        summary,
        details: None,
        severity,
        affected,
        references: Vec::new(),
        credits: Vec::new(),
        database_specific: None,
    })
}

fn decode_affected(body: &[u8]) -> Result<Affected, CompiledError> {
    let mut b = Reader::new(body);
    let package = match b.byte()? {
        0 => None,
        1 => Some(Package {
            ecosystem: b.str()?.to_owned(),
            name: b.str()?.to_owned(),
            purl: b.opt()?.map(str::to_owned),
        }),
        _ => return Err(b.damaged("a package flag is neither 0 nor 1")),
    };
    let severity = b.severity()?;
    let n = b.count(9)?;
    let mut ranges = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = RangeType::from(b.str()?.to_owned());
        let repo = b.opt()?.map(str::to_owned);
        let m = b.count(5)?;
        let mut events = Vec::with_capacity(m);
        for _ in 0..m {
            let code = b.byte()?;
            let v = b.str()?.to_owned();
            events.push(match code {
                0 => Event::Introduced(v),
                1 => Event::Fixed(v),
                2 => Event::LastAffected(v),
                3 => Event::Limit(v),
                _ => return Err(b.damaged("an event kind is not one of the four")),
            });
        }
        ranges.push(Range {
            kind,
            repo,
            events,
            database_specific: None,
        });
    }
    let versions = b.strings()?;
    if !b.done() {
        return Err(b.damaged("bytes after an affected entry"));
    }
    Ok(Affected {
        package,
        severity,
        ranges,
        versions,
        ecosystem_specific: None,
        database_specific: None,
    })
}

/// Decodes only `affected[i]` of a compiled record.
pub(crate) fn decode_affected_at(record: &[u8], i: usize) -> Result<Affected, CompiledError> {
    let mut r = Reader::new(record);
    r.str()?;
    r.opt()?;
    r.opt()?;
    r.opt()?;
    r.skip_strings()?;
    r.opt()?;
    r.skip_severity()?;
    let n = r.count(4)?;
    for k in 0..n {
        let len = r.u32()?;
        let body = r.take(len, "an affected entry runs past the end")?;
        if k == i {
            return decode_affected(body);
        }
    }
    Err(r.damaged("no such affected entry"))
}

// ---- index files ---------------------------------------------------------

/// A fast 64-bit checksum (not cryptographic: it tells a file cut short or
/// damaged on disk, at memory speed, so that loading stays in
/// milliseconds). Eight bytes at a time, multiply and rotate.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in words.by_ref() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K).rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

/// An index file holding `records` (each a compiled record), in order.
pub fn write_file<'a>(records: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    for r in records {
        put_u32(&mut out, r.len());
        out.extend_from_slice(r);
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// The records of an index file, as (start, end) byte positions in
/// `file`, after checking its magic, format and checksum.
pub fn read_file(file: &[u8]) -> Result<Vec<(usize, usize)>, CompiledError> {
    if file.len() < MAGIC.len() || &file[..MAGIC.len()] != MAGIC {
        return Err(CompiledError::NotIndex);
    }
    let mut r = Reader::new(file);
    r.bytes(MAGIC.len())?;
    let format = r.u32()?;
    if format != FORMAT as usize {
        return Err(CompiledError::Format {
            found: format as u32,
        });
    }
    let Some(body) = file.len().checked_sub(8) else {
        return Err(CompiledError::Checksum);
    };
    let mut tail = Reader::new(&file[body..]);
    if body < MAGIC.len() + 12 || tail.u64()? != checksum(&file[..body]) {
        return Err(CompiledError::Checksum);
    }
    let mut r = Reader::new(&file[..body]);
    r.bytes(MAGIC.len() + 4)?;
    let n = r.u64()?;
    let n = usize::try_from(n).map_err(|_| r.damaged("a record count too large"))?;
    if n.saturating_mul(4) > body {
        return Err(r.damaged("a count exceeds what is left"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let len = r.u32()?;
        let start = r.position();
        r.bytes(len)?;
        out.push((start, start + len));
    }
    if !r.done() {
        return Err(r.damaged("bytes after the last record"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_json;

    const RECORD: &str = r#"{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z",
        "published":"2023-12-01T00:00:00Z","aliases":["CVE-2024-1"],
        "summary":"s","details":"left out","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "references":[{"type":"WEB","url":"https://example.com"}],
        "affected":[{"package":{"ecosystem":"PyPI","name":"Django","purl":"pkg:pypi/django"},
          "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"},{"limit":"*"}]},
                    {"type":"GIT","repo":"https://g","events":[{"introduced":"abc"},{"last_affected":"def"}]}],
          "versions":["1.0","1.1"],"database_specific":{"x":1}},
          {"ranges":[{"type":"GIT","repo":"https://h","events":[{"introduced":"0"}]}]}]}"#;

    #[test]
    fn round_trip_keeps_what_matching_reads() {
        let a = parse_json(RECORD.as_bytes()).unwrap();
        let back = decode(&to_bytes(&a)).unwrap();
        let mut expected = a.clone();
        expected.details = None;
        expected.references.clear();
        expected.affected[0].database_specific = None;
        assert_eq!(back, expected);
        assert_ne!(back, a, "details and references are left out");
        assert_eq!(
            decode_affected_at(&to_bytes(&a), 1).unwrap(),
            expected.affected[1]
        );
        let bytes = to_bytes(&a);
        let mut head = Head::default();
        head.read(&bytes).unwrap();
        let t = |span| text(&bytes, span);
        assert_eq!(t(head.id), "GHSA-1");
        assert_eq!(head.modified.map(t), Some("2024-01-01T00:00:00Z"));
        assert_eq!(
            head.aliases.iter().map(|&s| t(s)).collect::<Vec<_>>(),
            ["CVE-2024-1"]
        );
        let packages: Vec<_> = head
            .packages
            .iter()
            .map(|p| p.map(|(e, n)| (t(e), t(n))))
            .collect();
        assert_eq!(packages, [Some(("PyPI", "Django")), None]);
        assert!(!head.withdrawn);
    }

    #[test]
    fn every_cut_and_every_flipped_byte_is_refused_or_read_without_panic() {
        let a = parse_json(RECORD.as_bytes()).unwrap();
        let bytes = to_bytes(&a);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
            assert!(Head::default().read(&bytes[..cut]).is_err());
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xA5;
            let _ = decode(&b);
            let _ = Head::default().read(&b);
        }
    }

    #[test]
    fn files_check_magic_format_and_checksum() {
        let a = parse_json(RECORD.as_bytes()).unwrap();
        let one = to_bytes(&a);
        let file = write_file([one.as_slice(), one.as_slice()].into_iter());
        let spans = read_file(&file).unwrap();
        assert_eq!(spans.len(), 2);
        assert_eq!(&file[spans[1].0..spans[1].1], one.as_slice());
        assert_eq!(read_file(b"{\"id\":1}"), Err(CompiledError::NotIndex));
        let mut other = file.clone();
        other[8] = 9;
        assert_eq!(read_file(&other), Err(CompiledError::Format { found: 9 }));
        for cut in [file.len() - 1, file.len() - 9, 30] {
            assert!(read_file(&file[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = file.clone();
        flipped[40] ^= 1;
        assert_eq!(read_file(&flipped), Err(CompiledError::Checksum));
    }
}
