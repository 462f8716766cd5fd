//! Patches as remediation artefacts: a reader of unified diffs and of
//! `git format-patch` mails.
//!
//! A case's patch is kept as the bytes it was sent as, but before it is
//! kept it must be a diff: a patch that is not one is refused naming the
//! line and what was expected there, so that nothing that cannot be applied
//! is ever put before the organizations asked to validate it. The reader
//! answers what a reviewer looks at first (the files touched, with lines
//! added and removed, the hunks, and a format-patch's author and subject);
//! it does not apply anything.
//!
//! What it reads: an optional mail header (`From <commit> <date>`, then
//! `From:`, `Date:`, `Subject:` with folded lines), the commit message, the
//! diffstat (whose summary line must agree with the hunks), then file
//! sections. A section opens with `diff --git a/… b/…` and git's extended
//! headers (modes, `new file`, `deleted file`, `rename`/`copy from`/`to`,
//! `similarity index`, `index`, `Binary files … differ`, `GIT binary
//! patch` and its literal/delta blocks), or with a plain `--- old` /
//! `+++ new` pair (`/dev/null` for a side that does not exist, a tab and a
//! timestamp after the name as `diff -u` writes it). Each hunk's header
//! `@@ -a,b +c,d @@` gives how many old and new lines follow, and the lines
//! (` ` context, `-` removed, `+` added, `\ No newline at end of file`)
//! must add up to exactly those counts.
//!
//! Repairs ([`Mode::Repair`], the default) where the meaning is not in
//! doubt, each a [`PatchWarning`] with its line: CRLF line ends (a patch
//! mailed through a Windows client), a blank line in a hunk where a
//! context line of one space lost its space to an editor, a plain diff
//! ending in a mail signature (`-- ` then a version line: in a
//! format-patch mail that signature is part of the format and no repair),
//! a document without its final newline, text after the last hunk, and a
//! diffstat whose summary does not match the hunks. [`Mode::Strict`]
//! refuses each of these instead.

use std::fmt;

use serde::Serialize;

use crate::warning::Mode;

/// Why a document is not a patch: the line (from 1) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PatchError {
    pub line: usize,
    pub message: String,
}

/// What a repair was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchWarningKind {
    /// Lines ended in CR LF: read as if they ended in LF.
    CrlfLineEnds,
    /// An empty line inside a hunk: read as a context line of one space.
    BlankContextLine,
    /// A plain diff ended in a mail signature (`-- `), which was ignored.
    Signature,
    /// The document's last line had no line end.
    NoFinalNewline,
    /// Text after the last hunk of a file, which was ignored.
    TrailingText,
    /// The diffstat's summary line disagreed with the hunks; the hunks win.
    DiffstatMismatch,
}

impl PatchWarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PatchWarningKind::CrlfLineEnds => "crlf_line_ends",
            PatchWarningKind::BlankContextLine => "blank_context_line",
            PatchWarningKind::Signature => "signature",
            PatchWarningKind::NoFinalNewline => "no_final_newline",
            PatchWarningKind::TrailingText => "trailing_text",
            PatchWarningKind::DiffstatMismatch => "diffstat_mismatch",
        }
    }
}

/// One repair, at the first line it was made (later lines with the same
/// repair are counted, not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchWarning {
    pub kind: PatchWarningKind,
    pub line: usize,
    pub message: String,
    /// How many lines had this repair.
    pub count: usize,
}

/// How a file section changes its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChangeKind {
    Modified,
    Added,
    Deleted,
    Renamed,
    Copied,
}

impl fmt::Display for FileChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileChangeKind::Modified => "modified",
            FileChangeKind::Added => "added",
            FileChangeKind::Deleted => "deleted",
            FileChangeKind::Renamed => "renamed",
            FileChangeKind::Copied => "copied",
        })
    }
}

/// One file the patch touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// The path before (without git's `a/`); absent for a new file.
    pub old_path: Option<String>,
    /// The path after (without git's `b/`); absent for a deleted file.
    pub new_path: Option<String>,
    pub change: FileChangeKind,
    pub added: u64,
    pub removed: u64,
    pub hunks: u64,
    /// A binary change (`Binary files … differ` or `GIT binary patch`):
    /// no lines are counted for it.
    pub binary: bool,
    /// The line its section starts at.
    pub line: usize,
}

impl FileChange {
    /// The path a reader knows the file by: the new one, else the old.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .unwrap_or("")
    }
}

/// A `git format-patch` mail's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailHeader {
    /// The commit id on the `From <commit> <date>` line.
    pub commit: Option<String>,
    /// `From:` (name and address as written).
    pub from: Option<String>,
    pub date: Option<String>,
    /// `Subject:`, folded lines joined.
    pub subject: Option<String>,
}

/// What a patch touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patch {
    /// In the order they appear.
    pub files: Vec<FileChange>,
    pub mail: Option<MailHeader>,
    pub warnings: Vec<PatchWarning>,
}

impl Patch {
    pub fn hunks(&self) -> u64 {
        self.files.iter().map(|f| f.hunks).sum()
    }
    pub fn added(&self) -> u64 {
        self.files.iter().map(|f| f.added).sum()
    }
    pub fn removed(&self) -> u64 {
        self.files.iter().map(|f| f.removed).sum()
    }
    /// `git diff --shortstat`'s words: "3 files changed, 6 insertions(+),
    /// 1 deletion(-)".
    pub fn shortstat(&self) -> String {
        let n = self.files.len();
        let mut s = format!("{n} file{} changed", if n == 1 { "" } else { "s" });
        let (a, r) = (self.added(), self.removed());
        if a > 0 || r == 0 {
            s.push_str(&format!(
                ", {a} insertion{}(+)",
                if a == 1 { "" } else { "s" }
            ));
        }
        if r > 0 || a == 0 {
            s.push_str(&format!(
                ", {r} deletion{}(-)",
                if r == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

/// Reads a unified diff or a `git format-patch` mail, in `mode`.
pub fn parse(bytes: &[u8], mode: Mode) -> Result<Patch, PatchError> {
    let mut r = Reader::new(bytes, mode);
    if !r.lines.is_empty() {
        r.final_newline_missing(bytes.ends_with(b"\n"))?;
    }
    r.read()
}

/// One line without its line end, and its number (from 1).
struct Line<'a> {
    no: usize,
    text: &'a [u8],
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    mode: Mode,
    warnings: Vec<PatchWarning>,
    files: Vec<FileChange>,
}

fn starts(line: &[u8], prefix: &str) -> bool {
    line.starts_with(prefix.as_bytes())
}

/// The line as text for a header or a message; lossy for a content line
/// (only headers are read as text).
fn text(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

/// Shortens a line quoted in an error.
fn quote(line: &[u8]) -> String {
    let t = text(line);
    let mut s: String = t.chars().take(60).collect();
    if t.chars().count() > 60 {
        s.push('…');
    }
    format!("{s:?}")
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], mode: Mode) -> Self {
        let mut lines = Vec::new();
        for (i, l) in bytes.split(|b| *b == b'\n').enumerate() {
            lines.push(Line { no: i + 1, text: l });
        }
        // `split` yields an empty piece after a final newline: not a line.
        if bytes.ends_with(b"\n") {
            lines.pop();
        }
        Reader {
            lines,
            pos: 0,
            mode,
            warnings: Vec::new(),
            files: Vec::new(),
        }
    }

    fn warn(
        &mut self,
        kind: PatchWarningKind,
        line: usize,
        message: &str,
    ) -> Result<(), PatchError> {
        if self.mode == Mode::Strict {
            return Err(PatchError {
                line,
                message: format!("{message} (refused in strict mode)"),
            });
        }
        match self.warnings.iter_mut().find(|w| w.kind == kind) {
            Some(w) => w.count += 1,
            None => self.warnings.push(PatchWarning {
                kind,
                line,
                message: message.to_owned(),
                count: 1,
            }),
        }
        Ok(())
    }

    fn err<T>(&self, line: usize, message: impl Into<String>) -> Result<T, PatchError> {
        Err(PatchError {
            line,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<&'a [u8]> {
        self.lines.get(self.pos).map(|l| l.text)
    }

    fn peek_at(&self, n: usize) -> Option<&'a [u8]> {
        self.lines.get(self.pos + n).map(|l| l.text)
    }

    /// The number of the current line (one past the last at the end).
    fn no(&self) -> usize {
        self.lines
            .get(self.pos)
            .map(|l| l.no)
            .unwrap_or_else(|| self.lines.last().map_or(1, |l| l.no + 1))
    }

    fn read(mut self) -> Result<Patch, PatchError> {
        if self.lines.is_empty() {
            return self.err(1, "not a diff: the document is empty");
        }
        self.line_ends()?;
        let mail = self.mail_header()?;
        let diffstat = self.preamble(mail.is_some())?;
        while self.pos < self.lines.len() {
            let line = self.lines[self.pos].text;
            if starts(line, "diff --git ") {
                self.git_section()?;
            } else if starts(line, "--- ") && self.peek_at(1).is_some_and(|l| starts(l, "+++ ")) {
                self.plain_section()?;
            } else if self.signature_here() {
                if mail.is_none() {
                    let no = self.no();
                    self.warn(
                        PatchWarningKind::Signature,
                        no,
                        "a mail signature (`-- `) ends a diff that is not a mail; ignored",
                    )?;
                }
                self.pos = self.lines.len();
            } else if line.iter().all(u8::is_ascii_whitespace) {
                self.pos += 1;
            } else if starts(line, "@@") {
                let no = self.no();
                return self.err(
                    no,
                    "a hunk outside a file: expected `diff --git` or `---`/`+++` before it",
                );
            } else if starts(line, "From ") && looks_like_mbox_from(line) {
                let no = self.no();
                return self.err(
                    no,
                    "a second mail: send one patch per file (`git format-patch` writes one per commit)",
                );
            } else {
                let no = self.no();
                self.warn(
                    PatchWarningKind::TrailingText,
                    no,
                    &format!("text after a file's last hunk ignored: {}", quote(line)),
                )?;
                self.pos += 1;
            }
        }
        if let Some((no, files, added, removed)) = diffstat {
            let patch_files = self.files.len() as u64;
            let (a, r) = (
                self.files.iter().map(|f| f.added).sum::<u64>(),
                self.files.iter().map(|f| f.removed).sum::<u64>(),
            );
            // git counts a binary file as changed with no lines.
            if (files, added, removed) != (patch_files, a, r) {
                self.warn(
                    PatchWarningKind::DiffstatMismatch,
                    no,
                    &format!(
                        "the diffstat says {files} file(s), {added} insertion(s), {removed} deletion(s); the hunks hold {patch_files}, {a}, {r}"
                    ),
                )?;
            }
        }
        Ok(Patch {
            files: self.files,
            mail,
            warnings: self.warnings,
        })
    }

    /// Strips CR before LF (one warning) and notes a missing final newline.
    fn line_ends(&mut self) -> Result<(), PatchError> {
        let mut first_crlf = None;
        let mut count = 0;
        for l in &mut self.lines {
            if let Some(stripped) = l.text.strip_suffix(b"\r") {
                l.text = stripped;
                first_crlf.get_or_insert(l.no);
                count += 1;
            }
        }
        if let Some(no) = first_crlf {
            self.warn(
                PatchWarningKind::CrlfLineEnds,
                no,
                "lines end in CR LF; read as LF",
            )?;
            if let Some(w) = self.warnings.last_mut() {
                w.count = count;
            }
        }
        Ok(())
    }

    fn final_newline_missing(&mut self, bytes_end_in_newline: bool) -> Result<(), PatchError> {
        if !bytes_end_in_newline {
            let no = self.lines.last().map_or(1, |l| l.no);
            self.warn(
                PatchWarningKind::NoFinalNewline,
                no,
                "the last line has no line end",
            )?;
        }
        Ok(())
    }

    /// A format-patch mail's header, when the document is one.
    fn mail_header(&mut self) -> Result<Option<MailHeader>, PatchError> {
        let first = self.lines[0].text;
        let mbox = starts(first, "From ") && looks_like_mbox_from(first);
        let bare = starts(first, "From: ");
        if !mbox && !bare {
            return Ok(None);
        }
        let commit = if mbox {
            first
                .get(5..45)
                .map(text)
                .filter(|c| c.bytes().all(|b| b.is_ascii_hexdigit()))
        } else {
            None
        };
        if mbox {
            self.pos = 1;
        }
        let mut header = MailHeader {
            commit,
            from: None,
            date: None,
            subject: None,
        };
        let mut last: Option<&'static str> = None;
        while let Some(line) = self.peek() {
            if line.is_empty() {
                self.pos += 1;
                break;
            }
            if (line[0] == b' ' || line[0] == b'\t') && last.is_some() {
                let cont = text(line).trim().to_owned();
                let field = match last {
                    Some("from") => &mut header.from,
                    Some("date") => &mut header.date,
                    Some("subject") => &mut header.subject,
                    _ => {
                        self.pos += 1;
                        continue;
                    }
                };
                if let Some(v) = field {
                    v.push(' ');
                    v.push_str(&cont);
                }
                self.pos += 1;
                continue;
            }
            let t = text(line);
            let Some((name, value)) = t.split_once(':') else {
                let no = self.no();
                return self.err(
                    no,
                    format!(
                        "expected a mail header (`Name: value`) or the blank line that ends them, found {}",
                        quote(line)
                    ),
                );
            };
            let value = value.trim().to_owned();
            last = match name.to_ascii_lowercase().as_str() {
                "from" => {
                    header.from = Some(value);
                    Some("from")
                }
                "date" => {
                    header.date = Some(value);
                    Some("date")
                }
                "subject" => {
                    header.subject = Some(value);
                    Some("subject")
                }
                _ => Some("other"),
            };
            self.pos += 1;
        }
        Ok(Some(header))
    }

    /// Skips what comes before the first file section (a commit message, a
    /// diffstat, `Index:` lines); reads the diffstat's summary line
    /// (`N files changed, …`) of a mail. Not a diff when no section starts.
    #[allow(clippy::type_complexity)]
    fn preamble(&mut self, mail: bool) -> Result<Option<(usize, u64, u64, u64)>, PatchError> {
        let start = self.no();
        let mut diffstat = None;
        let mut after_separator = false;
        while let Some(line) = self.peek() {
            if starts(line, "diff --git ")
                || (starts(line, "--- ") && self.peek_at(1).is_some_and(|l| starts(l, "+++ ")))
            {
                return Ok(diffstat);
            }
            if line == b"---" {
                after_separator = true;
            } else if mail
                && after_separator
                && let Some(d) = diffstat_summary(&text(line))
            {
                diffstat = Some((self.no(), d.0, d.1, d.2));
            }
            self.pos += 1;
        }
        self.err(
            start,
            "not a diff: expected a file header (`diff --git a/… b/…`, or `--- old` followed by `+++ new`), found none",
        )
    }

    fn signature_here(&self) -> bool {
        self.peek() == Some(b"-- ")
            && self
                .lines
                .get(self.pos + 1..)
                .unwrap_or(&[])
                .iter()
                .take(1)
                .all(|l| !l.text.is_empty() && !starts(l.text, "diff --git "))
            && self
                .lines
                .get(self.pos + 2..)
                .unwrap_or(&[])
                .iter()
                .all(|l| l.text.iter().all(u8::is_ascii_whitespace))
    }

    /// A `diff --git` section: extended headers, then `---`/`+++` and
    /// hunks, or a binary patch, or nothing (a mode change, a pure rename).
    fn git_section(&mut self) -> Result<(), PatchError> {
        let start = self.no();
        let header = &text(self.lines[self.pos].text)["diff --git ".len()..];
        let (mut old, mut new) = match git_header_paths(header) {
            Some((o, n)) => (Some(o), Some(n)),
            None => (None, None),
        };
        self.pos += 1;
        let mut change = FileChangeKind::Modified;
        let mut binary = false;
        while let Some(line) = self.peek() {
            let t = text(line);
            if let Some(p) = t.strip_prefix("rename from ") {
                old = Some(unquote(p));
                change = FileChangeKind::Renamed;
            } else if let Some(p) = t.strip_prefix("rename to ") {
                new = Some(unquote(p));
                change = FileChangeKind::Renamed;
            } else if let Some(p) = t.strip_prefix("copy from ") {
                old = Some(unquote(p));
                change = FileChangeKind::Copied;
            } else if let Some(p) = t.strip_prefix("copy to ") {
                new = Some(unquote(p));
                change = FileChangeKind::Copied;
            } else if t.starts_with("new file mode ") {
                change = FileChangeKind::Added;
            } else if t.starts_with("deleted file mode ") {
                change = FileChangeKind::Deleted;
            } else if t.starts_with("old mode ")
                || t.starts_with("new mode ")
                || t.starts_with("similarity index ")
                || t.starts_with("dissimilarity index ")
                || t.starts_with("index ")
            {
            } else if t.starts_with("Binary files ") && t.ends_with(" differ") {
                binary = true;
            } else if t == "GIT binary patch" {
                binary = true;
                self.pos += 1;
                self.binary_blocks()?;
                break;
            } else {
                break;
            }
            self.pos += 1;
        }
        if old.is_none() && new.is_none() {
            return self.err(
                start,
                "expected `diff --git a/<path> b/<path>` with two paths, or `rename from`/`rename to` naming them",
            );
        }
        let mut file = FileChange {
            old_path: old,
            new_path: new,
            change,
            added: 0,
            removed: 0,
            hunks: 0,
            binary,
            line: start,
        };
        match file.change {
            FileChangeKind::Added => file.old_path = None,
            FileChangeKind::Deleted => file.new_path = None,
            _ => {}
        }
        if !binary
            && self.peek().is_some_and(|l| starts(l, "--- "))
            && self.peek_at(1).is_some_and(|l| starts(l, "+++ "))
        {
            self.pos += 2;
            self.hunks(&mut file)?;
        } else if !binary && self.peek().is_some_and(|l| starts(l, "--- ")) {
            let no = self.no() + 1;
            return self.err(no, "expected `+++ <new path>` after `--- <old path>`");
        }
        self.files.push(file);
        Ok(())
    }

    /// Skips `literal N` / `delta N` blocks of base85 lines, each ended by
    /// a blank line (git writes the forward and the reverse block).
    fn binary_blocks(&mut self) -> Result<(), PatchError> {
        let mut blocks = 0;
        while let Some(line) = self.peek() {
            if !(starts(line, "literal ") || starts(line, "delta ")) {
                break;
            }
            blocks += 1;
            self.pos += 1;
            while let Some(l) = self.peek() {
                self.pos += 1;
                if l.is_empty() {
                    break;
                }
            }
        }
        if blocks == 0 {
            let no = self.no();
            return self.err(
                no,
                "expected `literal <size>` or `delta <size>` after `GIT binary patch`",
            );
        }
        Ok(())
    }

    /// A plain `--- old` / `+++ new` section.
    fn plain_section(&mut self) -> Result<(), PatchError> {
        let start = self.no();
        let old = header_path(&text(&self.lines[self.pos].text[4..]));
        let new = header_path(&text(&self.lines[self.pos + 1].text[4..]));
        self.pos += 2;
        let (old, new) = strip_ab(old, new);
        let change = match (&old, &new) {
            (None, None) => {
                return self.err(
                    start,
                    "`--- /dev/null` and `+++ /dev/null`: a file section needs a path",
                );
            }
            (None, Some(_)) => FileChangeKind::Added,
            (Some(_), None) => FileChangeKind::Deleted,
            (Some(_), Some(_)) => FileChangeKind::Modified,
        };
        let mut file = FileChange {
            old_path: old,
            new_path: new,
            change,
            added: 0,
            removed: 0,
            hunks: 0,
            binary: false,
            line: start,
        };
        self.hunks(&mut file)?;
        self.files.push(file);
        Ok(())
    }

    /// One or more hunks after a `+++` line; their lines must add up.
    fn hunks(&mut self, file: &mut FileChange) -> Result<(), PatchError> {
        while let Some(line) = self.peek()
            && starts(line, "@@ ")
        {
            let header_no = self.no();
            let Some((old_count, new_count)) = hunk_header(line) else {
                return self.err(
                    header_no,
                    format!(
                        "expected a hunk header `@@ -<start>[,<count>] +<start>[,<count>] @@`, found {}",
                        quote(line)
                    ),
                );
            };
            self.pos += 1;
            let (mut old_left, mut new_left) = (old_count, new_count);
            while old_left > 0 || new_left > 0 {
                let no = self.no();
                let Some(l) = self.peek() else {
                    return self.err(
                        no,
                        format!(
                            "the hunk at line {header_no} ends early: {old_left} old and {new_left} new line(s) still expected"
                        ),
                    );
                };
                let first = l.first().copied();
                match first {
                    Some(b' ') | None => {
                        if first.is_none() {
                            self.warn(
                                PatchWarningKind::BlankContextLine,
                                no,
                                "an empty line in a hunk, read as a context line of one space",
                            )?;
                        }
                        if old_left == 0 || new_left == 0 {
                            return self.err(
                                no,
                                format!(
                                    "the hunk at line {header_no} has more context lines than its header counts ({old_left} old, {new_left} new line(s) left)"
                                ),
                            );
                        }
                        old_left -= 1;
                        new_left -= 1;
                    }
                    Some(b'-') => {
                        if old_left == 0 {
                            return self.err(
                                no,
                                format!(
                                    "the hunk at line {header_no} has more removed lines than its header counts ({old_count} old line(s))"
                                ),
                            );
                        }
                        old_left -= 1;
                        file.removed += 1;
                    }
                    Some(b'+') => {
                        if new_left == 0 {
                            return self.err(
                                no,
                                format!(
                                    "the hunk at line {header_no} has more added lines than its header counts ({new_count} new line(s))"
                                ),
                            );
                        }
                        new_left -= 1;
                        file.added += 1;
                    }
                    Some(b'\\') => {}
                    Some(_) => {
                        return self.err(
                            no,
                            format!(
                                "expected a hunk line (` `, `-`, `+` or `\\`) with {old_left} old and {new_left} new line(s) left of the hunk at line {header_no}, found {}",
                                quote(l)
                            ),
                        );
                    }
                }
                self.pos += 1;
            }
            // `\ No newline at end of file` after the hunk's last line.
            if self.peek().is_some_and(|l| l.first() == Some(&b'\\')) {
                self.pos += 1;
            }
            file.hunks += 1;
        }
        if file.hunks == 0 {
            let no = self.no();
            return self.err(
                no,
                "expected a hunk header `@@ -<start>[,<count>] +<start>[,<count>] @@` after the `+++` line",
            );
        }
        Ok(())
    }
}

/// `From <40 hex> Mon Sep 17 00:00:00 2001`: the mbox line git writes.
fn looks_like_mbox_from(line: &[u8]) -> bool {
    line.len() >= 46 && line[5..45].iter().all(u8::is_ascii_hexdigit) && line[45] == b' '
}

/// `N file(s) changed, X insertion(s)(+), Y deletion(s)(-)`.
fn diffstat_summary(line: &str) -> Option<(u64, u64, u64)> {
    let line = line.trim();
    let mut parts = line.split(", ");
    let files = parts
        .next()?
        .strip_suffix(" changed")?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    let (mut added, mut removed) = (0, 0);
    for p in parts {
        let (n, what) = p.split_once(' ')?;
        let n: u64 = n.parse().ok()?;
        if what.starts_with("insertion") {
            added = n;
        } else if what.starts_with("deletion") {
            removed = n;
        } else {
            return None;
        }
    }
    Some((files, added, removed))
}

/// `@@ -a[,b] +c[,d] @@…` → (b, d); a missing count is 1.
fn hunk_header(line: &[u8]) -> Option<(u64, u64)> {
    let t = std::str::from_utf8(line).ok()?;
    let rest = t.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    fn count(r: &str) -> Option<u64> {
        let (start, count) = match r.split_once(',') {
            Some((s, c)) => (s, Some(c)),
            None => (r, None),
        };
        if start.is_empty() || !start.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        start.parse::<u64>().ok()?;
        match count {
            None => Some(1),
            Some(c) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) => c.parse().ok(),
            Some(_) => None,
        }
    }
    Some((count(old)?, count(new)?))
}

/// A `---`/`+++` line's path: quoted or not, a tab and timestamp cut off,
/// `/dev/null` none.
fn header_path(s: &str) -> Option<String> {
    let p = if s.starts_with('"') {
        unquote(s)
    } else {
        s.split('\t').next().unwrap_or("").trim_end().to_owned()
    };
    (p != "/dev/null" && !p.is_empty()).then_some(p)
}

/// Drops git's `a/` and `b/` when both sides (that exist) carry them.
fn strip_ab(old: Option<String>, new: Option<String>) -> (Option<String>, Option<String>) {
    let ok = old.as_deref().is_none_or(|o| o.starts_with("a/"))
        && new.as_deref().is_none_or(|n| n.starts_with("b/"));
    if !ok {
        return (old, new);
    }
    (
        old.map(|o| o[2..].to_owned()),
        new.map(|n| n[2..].to_owned()),
    )
}

/// The two paths of `diff --git a/X b/Y`: quoted ones, or the split where
/// both names are equal (a path may hold " b/"), else the first " b/".
fn git_header_paths(s: &str) -> Option<(String, String)> {
    if s.starts_with('"') {
        let end = quoted_end(s)?;
        let old = unquote(&s[..end]);
        let new = s[end..].trim_start();
        let new = if new.starts_with('"') {
            unquote(new)
        } else {
            new.to_owned()
        };
        let (o, n) = strip_ab(Some(old), Some(new));
        return Some((o?, n?));
    }
    let old_new: Vec<usize> = s.match_indices(" b/").map(|(i, _)| i).collect();
    let split = old_new
        .iter()
        .copied()
        .find(|&i| s.get(2..i) == s.get(i + 3..))
        .or_else(|| old_new.first().copied())?;
    let old = s.get(..split)?;
    let new = s.get(split + 1..)?;
    if new.starts_with('"') {
        let n = unquote(new);
        let (o, n) = strip_ab(Some(old.to_owned()), Some(n));
        return Some((o?, n?));
    }
    let (o, n) = strip_ab(Some(old.to_owned()), Some(new.to_owned()));
    Some((o?, n?))
}

/// Where a C-style quoted string starting at 0 ends (one past its quote).
fn quoted_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Git's C-style quoting (`"a/t\303\251st\tx"`) undone; an unquoted path
/// as it is.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"') else {
        return s.to_owned();
    };
    let inner = match quoted_end(s) {
        Some(end) => &inner[..end.saturating_sub(2)],
        None => inner,
    };
    let b = inner.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let c = b[i + 1];
            match c {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'"' | b'\\' => out.push(c),
                b'0'..=b'3'
                    if b.get(i + 2).is_some_and(u8::is_ascii_digit)
                        && b.get(i + 3).is_some_and(u8::is_ascii_digit) =>
                {
                    let v = (c - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
                    out.push(v);
                    i += 4;
                    continue;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Patch {
        parse(s.as_bytes(), Mode::Repair).unwrap_or_else(|e| panic!("{e}: {s}"))
    }

    fn refused(s: &str, mode: Mode) -> PatchError {
        match parse(s.as_bytes(), mode) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e,
        }
    }

    const PLAIN: &str = "--- a/f.txt\t2026-12-06 17:29:15.355965468 +0000\n+++ b/f.txt\t2026-12-06 17:29:15.355965468 +0000\n@@ -1,3 +1,4 @@\n one\n-two\n+2\n three\n+four\n";

    #[test]
    fn a_plain_diff_counts_its_lines() {
        let p = ok(PLAIN);
        assert_eq!(p.files.len(), 1);
        let f = &p.files[0];
        assert_eq!(f.old_path.as_deref(), Some("f.txt"));
        assert_eq!(f.new_path.as_deref(), Some("f.txt"));
        assert_eq!((f.added, f.removed, f.hunks), (2, 1, 1));
        assert_eq!(f.change, FileChangeKind::Modified);
        assert!(p.mail.is_none());
        assert!(p.warnings.is_empty());
        assert_eq!(
            p.shortstat(),
            "1 file changed, 2 insertions(+), 1 deletion(-)"
        );
    }

    #[test]
    fn counts_that_do_not_add_up_name_the_line() {
        // Header says 3 old lines; the hunk holds 4 (one more removed).
        let bad = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n-two\n-x\n+2\n three\n";
        let e = refused(bad, Mode::Repair);
        assert_eq!(e.line, 8, "{e}");
        assert!(e.message.contains("more context lines"), "{e}");
        // A hunk cut short.
        let short = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n";
        let e = refused(short, Mode::Repair);
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("ends early: 2 old and 2 new"), "{e}");
        // A line that is no hunk line.
        let junk = "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n one\n*two\n";
        let e = refused(junk, Mode::Repair);
        assert_eq!(e.line, 5);
        assert!(e.message.contains("expected a hunk line"), "{e}");
        // A bad header.
        let e = refused("--- a/f\n+++ b/f\n@@ -x +1 @@\n", Mode::Repair);
        assert_eq!(e.line, 3);
        // No hunk at all.
        let e = refused("--- a/f\n+++ b/f\n", Mode::Repair);
        assert_eq!(e.line, 3);
        assert!(e.message.contains("hunk header"), "{e}");
    }

    #[test]
    fn what_is_not_a_diff_is_refused() {
        for s in [
            "hello\nworld\n",
            "{\"json\": true}\n",
            "--- just a line\n",
            "",
            "From: someone@example.org\nSubject: hi\n\nno diff here\n",
        ] {
            let e = refused(s, Mode::Repair);
            assert!(e.message.starts_with("not a diff"), "{s:?}: {e}");
        }
        let e = refused("@@ -1 +1 @@\n-a\n+b\n", Mode::Repair);
        assert!(e.message.starts_with("not a diff"), "{e}");
    }

    #[test]
    fn git_headers_new_deleted_renamed_binary() {
        let s = "diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0000000000000000000000000000000000000000..bccac03558b00545e7ea8ced4a3a1ee232cc185a\nGIT binary patch\nliteral 10\nRcmeAS@N?(olHy`u1ON@30jmH2\n\nliteral 0\nHcmV?d00001\n\ndiff --git a/src/main.rs b/src/check.rs\nsimilarity index 100%\nrename from src/main.rs\nrename to src/check.rs\ndiff --git a/x b/x\nold mode 100644\nnew mode 100755\ndiff --git a/gone b/gone\ndeleted file mode 100644\nindex e9da5a2..0000000\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n\\ No newline at end of file\ndiff --git a/img b/img\nindex 1..2 100644\nBinary files a/img and b/img differ\n";
        let p = ok(s);
        let kinds: Vec<_> = p.files.iter().map(|f| (f.change, f.binary)).collect();
        assert_eq!(
            kinds,
            vec![
                (FileChangeKind::Added, true),
                (FileChangeKind::Renamed, false),
                (FileChangeKind::Modified, false),
                (FileChangeKind::Deleted, false),
                (FileChangeKind::Modified, true),
            ]
        );
        assert_eq!(p.files[0].old_path, None);
        assert_eq!(p.files[0].new_path.as_deref(), Some("logo.png"));
        assert_eq!(p.files[1].old_path.as_deref(), Some("src/main.rs"));
        assert_eq!(p.files[1].new_path.as_deref(), Some("src/check.rs"));
        assert_eq!(p.files[3].new_path, None);
        assert_eq!((p.files[3].removed, p.files[3].hunks), (1, 1));
        assert_eq!(p.files[3].line, 18);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn paths_with_spaces_and_quotes() {
        let p = ok(
            "diff --git a/my b/file b/my b/file\n--- a/my b/file\n+++ b/my b/file\n@@ -1 +1 @@\n-a\n+b\n",
        );
        assert_eq!(p.files[0].old_path.as_deref(), Some("my b/file"));
        let p = ok(
            "diff --git \"a/t\\303\\251st\" \"b/t\\303\\251st\"\n--- \"a/t\\303\\251st\"\n+++ \"b/t\\303\\251st\"\n@@ -1 +1 @@\n-a\n+b\n",
        );
        assert_eq!(p.files[0].new_path.as_deref(), Some("tést"));
    }

    #[test]
    fn repairs_warn_and_strict_refuses_them() {
        let crlf = PLAIN.replace('\n', "\r\n");
        let p = ok(&crlf);
        assert_eq!(p.files[0].added, 2);
        assert_eq!(p.warnings[0].kind, PatchWarningKind::CrlfLineEnds);
        assert_eq!(p.warnings[0].count, 8);
        assert_eq!(refused(&crlf, Mode::Strict).line, 1);

        let no_final = PLAIN.trim_end_matches('\n');
        let p = ok(no_final);
        assert_eq!(p.warnings[0].kind, PatchWarningKind::NoFinalNewline);
        assert_eq!(p.warnings[0].line, 8);
        assert_eq!(refused(no_final, Mode::Strict).line, 8);

        let blank = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n\n-c\n+d\n";
        let p = ok(blank);
        assert_eq!(p.warnings[0].kind, PatchWarningKind::BlankContextLine);
        assert_eq!(p.warnings[0].line, 5);
        assert_eq!(refused(blank, Mode::Strict).line, 5);

        let signed = format!("{PLAIN}-- \n2.43.0\n\n");
        let p = ok(&signed);
        assert_eq!(p.warnings[0].kind, PatchWarningKind::Signature);
        assert_eq!(refused(&signed, Mode::Strict).line, 9);

        let trailing = format!("{PLAIN}thanks!\n");
        let p = ok(&trailing);
        assert_eq!(p.warnings[0].kind, PatchWarningKind::TrailingText);
        assert_eq!(refused(&trailing, Mode::Strict).line, 9);
    }

    #[test]
    fn no_newline_marker_inside_and_after_a_hunk() {
        let p = ok(
            "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n",
        );
        assert_eq!((p.files[0].added, p.files[0].removed), (1, 1));
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn a_mail_header_with_folded_subject() {
        let s = "From 547b4da2ba32bf89dde94f7002a973b3c7a500ef Mon Sep 17 00:00:00 2001\nFrom: Ada Example <ada@example.org>\nDate: Mon, 30 Nov 2026 10:00:00 +0100\nSubject: [PATCH] a long\n subject\n\nbody\n---\n f | 2 +-\n 1 file changed, 5 insertions(+)\n\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n-- \n2.47.3\n\n";
        let p = ok(s);
        let m = p.mail.as_ref().unwrap();
        assert_eq!(m.subject.as_deref(), Some("[PATCH] a long subject"));
        assert_eq!(m.from.as_deref(), Some("Ada Example <ada@example.org>"));
        assert_eq!(
            m.commit.as_deref(),
            Some("547b4da2ba32bf89dde94f7002a973b3c7a500ef")
        );
        // The diffstat claims 5 insertions: the hunks hold 1.
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].kind, PatchWarningKind::DiffstatMismatch);
        assert_eq!(p.warnings[0].line, 10);
        assert_eq!(refused(s, Mode::Strict).line, 10);
    }

    #[test]
    fn hunk_header_forms() {
        assert_eq!(hunk_header(b"@@ -1 +1 @@"), Some((1, 1)));
        assert_eq!(hunk_header(b"@@ -0,0 +1,3 @@ fn x()"), Some((0, 3)));
        assert_eq!(hunk_header(b"@@ -1, +1 @@"), None);
        assert_eq!(hunk_header(b"@@ -1,99999999999999999999 +1 @@"), None);
        assert_eq!(hunk_header(b"@@ 1 +1 @@"), None);
    }
}
