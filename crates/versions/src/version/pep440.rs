//! PyPI: PEP 440 (<https://peps.python.org/pep-0440/>), as the `packaging`
//! library reads it (`packaging.version.Version`, the reference the PyPA
//! tools use).
//!
//! Accepted: the PEP's normalisation rules (case-insensitive, a leading
//! `v`, `-`/`_`/`.` separators around pre, post and dev parts, implicit
//! numbers, `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`/`rc`/`rc`,
//! `rev`/`r` for `post`, `1.0-1` for `1.0.post1`), surrounding white space.
//! Refused: everything else, including the "legacy" versions packaging
//! dropped in version 22.
//!
//! Order (packaging's `_cmpkey`): epoch; release with trailing zeros
//! ignored; then `.devN` of a bare release < `aN` < `bN` < `rcN` < release
//! < `.postN`, each of these with its own `.devN` before it; finally local
//! versions after the same public version, compared segment by segment
//! (numbers numerically and above strings, strings case-insensitively).

use std::cmp::Ordering;

use super::Refusal;
use super::num::Num;

#[derive(Debug, Clone)]
pub struct Pep440 {
    epoch: Num,
    /// Trailing zeros removed: `1.0 == 1`.
    release: Box<[Num]>,
    pre: Pre,
    post: Option<Num>,
    dev: Option<Num>,
    local: Box<[Local]>,
}

/// The pre-release slot of the comparison key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    /// A bare release with only a dev part sorts before its pre-releases.
    DevOnly,
    Alpha(Num),
    Beta(Num),
    Rc(Num),
    /// No pre-release: after all of them.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    // Strings sort before numbers (PEP 440, "Local version identifiers").
    Str(Box<str>),
    Num(Num),
}

const BAD: Refusal = "not a PEP 440 version";

/// A small cursor over the lower-cased version text.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn digits(&mut self) -> Option<Num> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        (self.i > start).then(|| {
            // The slice is ASCII digits, so it is UTF-8.
            Num::from_digits(std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0"))
        })
    }
    fn sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Tries `f`; on `None` puts the cursor back.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let save = self.i;
        let r = f(self);
        if r.is_none() {
            self.i = save;
        }
        r
    }
}

impl Pep440 {
    pub fn parse(s: &str) -> Result<Pep440, Refusal> {
        let lower = s.trim().to_ascii_lowercase();
        let mut c = Cur {
            s: lower.as_bytes(),
            i: 0,
        };
        c.eat("v");
        let first = c.digits().ok_or(BAD)?;
        let (epoch, first) = if c.eat("!") {
            (first, c.digits().ok_or(BAD)?)
        } else {
            (Num::ZERO, first)
        };
        let mut release = vec![first];
        while let Some(n) = c.attempt(|c| if c.eat(".") { c.digits() } else { None }) {
            release.push(n);
        }
        while release.last().is_some_and(Num::is_zero) {
            release.pop();
        }

        let pre = c.attempt(|c| {
            c.sep();
            let kind = ["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"]
                .into_iter()
                .find(|k| c.eat(k))?;
            let n = c.attempt(|c| {
                c.sep();
                c.digits()
            });
            let n = n.unwrap_or(Num::ZERO);
            Some(match kind {
                "alpha" | "a" => Pre::Alpha(n),
                "beta" | "b" => Pre::Beta(n),
                _ => Pre::Rc(n),
            })
        });

        let post = c
            .attempt(|c| if c.eat("-") { c.digits() } else { None })
            .or_else(|| {
                c.attempt(|c| {
                    c.sep();
                    ["post", "rev", "r"].into_iter().find(|k| c.eat(k))?;
                    Some(
                        c.attempt(|c| {
                            c.sep();
                            c.digits()
                        })
                        .unwrap_or(Num::ZERO),
                    )
                })
            });

        let dev = c.attempt(|c| {
            c.sep();
            if !c.eat("dev") {
                return None;
            }
            Some(
                c.attempt(|c| {
                    c.sep();
                    c.digits()
                })
                .unwrap_or(Num::ZERO),
            )
        });

        let mut local = Vec::new();
        if c.eat("+") {
            let rest = &lower[c.i..];
            for seg in rest.split(['-', '_', '.']) {
                if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err("a local version is [a-z0-9]+ segments separated by . - _");
                }
                local.push(if seg.bytes().all(|b| b.is_ascii_digit()) {
                    Local::Num(Num::from_digits(seg))
                } else {
                    Local::Str(seg.into())
                });
            }
            c.i = lower.len();
        }
        if c.i != lower.len() {
            return Err(BAD);
        }
        let pre = match pre {
            Some(p) => p,
            None if post.is_none() && dev.is_some() => Pre::DevOnly,
            None => Pre::None,
        };
        Ok(Pep440 {
            epoch,
            release: release.into_boxed_slice(),
            pre,
            post,
            dev,
            local: local.into_boxed_slice(),
        })
    }
}

impl Ord for Pep440 {
    fn cmp(&self, other: &Pep440) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| super::num::cmp_padded(&self.release, &other.release, &Num::ZERO))
            .then_with(|| self.pre.cmp(&other.pre))
            // No post part sorts first: None < Some.
            .then_with(|| self.post.cmp(&other.post))
            // No dev part sorts last.
            .then_with(|| match (&self.dev, &other.dev) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
            // No local part first; then segment by segment, shorter first.
            .then_with(|| self.local.cmp(&other.local))
    }
}

super::num::ord_via_cmp!(Pep440);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn p(s: &str) -> Pep440 {
        Pep440::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn pep440_summary_ordering() {
        // PEP 440, "Summary of permitted suffixes and relative ordering".
        let chain = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        assert_chain(Pep440::parse, &chain);
    }

    #[test]
    fn normalisation() {
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-preview-2", "1.0rc2"),
            ("1.0c1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev", "1.0.post0"),
            ("v1.0", "1.0"),
            ("1.0.dev", "1.0.dev0"),
            ("0!1.0", "1.0"),
            ("1.0+ubuntu-1", "1.0+ubuntu.1"),
            (" 1.0\n", "1.0"),
        ] {
            assert_eq!(p(a), p(b), "{a} == {b}");
        }
        assert!(p("1!0.1") > p("2.0"));
        assert_refused(
            Pep440::parse,
            &[
                "",
                "1.0-bulbasaur",
                "french toast",
                "1.0+",
                "1.0+a..b",
                "1..0",
                "1.0.post1.post2",
            ],
        );
    }
}
