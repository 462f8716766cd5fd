//! RPM-based distributions (Red Hat, Rocky Linux, AlmaLinux, openSUSE,
//! SUSE, and any other as `RPM`): rpm's `rpmvercmp` (`rpmio/rpmvercmp.c`)
//! over epoch, version and release.
//!
//! `[epoch:]version[-release]`, split as rpm's `parseEVR` does: the epoch
//! is a run of leading digits ended by `:` (otherwise there is none and a
//! colon is part of the version), the release follows the last `-`. The
//! three compare as rpm's Python `labelCompare` does (which
//! `rpmdev-vercmp` uses): a missing epoch is `0`, a missing release sorts
//! before any release, even an empty one.
//!
//! `rpmvercmp` splits a string into runs of ASCII digits and of ASCII
//! letters; every other character only separates (so `1.0 = 1_0`, and
//! non-ASCII letters count as separators). `~` sorts before anything, even
//! the end of the string (`1.0~rc1 < 1.0`); `^` sorts after the end but
//! before anything else (`1.0 < 1.0^git1 < 1.0.1`). Digit runs compare
//! numerically, letter runs as bytes, and a digit run is newer than a
//! letter run. rpm orders any string; refused here are only an empty
//! version and white space or control characters.

use std::cmp::Ordering;

use super::Refusal;
use super::num::{self, Num};

#[derive(Debug, Clone)]
pub struct RpmVersion {
    epoch: Tokens,
    version: Tokens,
    release: Option<Tokens>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Tilde,
    Caret,
    Num(Num),
    Alpha(Box<str>),
}

/// A string as `rpmvercmp` sees it, separators dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tokens(Box<[Token]>);

impl Tokens {
    fn new(s: &str) -> Tokens {
        let tokens = num::runs(s)
            .filter_map(|run| match run {
                num::Run::Other('~') => Some(Token::Tilde),
                num::Run::Other('^') => Some(Token::Caret),
                num::Run::Digits(d) => Some(Token::Num(Num::from_digits(d))),
                num::Run::Letters(l) => Some(Token::Alpha(l.into())),
                num::Run::Other(_) => None,
            })
            .collect();
        Tokens(tokens)
    }
}

/// `rpmvercmp` over pre-split tokens.
fn rpmvercmp(a: &Tokens, b: &Tokens) -> Ordering {
    let (a, b) = (&a.0, &b.0);
    let (mut i, mut j) = (0, 0);
    loop {
        let (x, y) = (a.get(i), b.get(j));
        // Tilde first: it sorts before everything, the end included.
        if matches!(x, Some(Token::Tilde)) || matches!(y, Some(Token::Tilde)) {
            match (x, y) {
                (Some(Token::Tilde), Some(Token::Tilde)) => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(Token::Tilde), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        // Caret: after the end of the other string, before anything else.
        if matches!(x, Some(Token::Caret)) || matches!(y, Some(Token::Caret)) {
            match (x, y) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(Token::Caret), Some(Token::Caret)) => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(Token::Caret), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        let (Some(x), Some(y)) = (x, y) else {
            // Whichever still has something left is newer.
            return match (x, y) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                _ => Ordering::Greater,
            };
        };
        let o = match (x, y) {
            (Token::Num(p), Token::Num(q)) => p.cmp(q),
            (Token::Alpha(p), Token::Alpha(q)) => p.as_bytes().cmp(q.as_bytes()),
            // A number is newer than letters.
            (Token::Num(_), _) => Ordering::Greater,
            _ => Ordering::Less,
        };
        if o != Ordering::Equal {
            return o;
        }
        i += 1;
        j += 1;
    }
}

impl RpmVersion {
    pub fn parse(s: &str) -> Result<RpmVersion, Refusal> {
        if s.is_empty() {
            return Err("empty");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("white space or control characters");
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = if s[digits..].starts_with(':') {
            let e = if digits == 0 { "0" } else { &s[..digits] };
            (e, &s[digits + 1..])
        } else {
            ("0", s)
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((v, r)) => (v, Some(r)),
            None => (rest, None),
        };
        Ok(RpmVersion {
            epoch: Tokens::new(epoch),
            version: Tokens::new(version),
            release: release.map(Tokens::new),
        })
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &RpmVersion) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

super::num::ord_via_cmp!(RpmVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::assert_chain;

    fn r(s: &str) -> RpmVersion {
        RpmVersion::parse(s).unwrap()
    }

    #[test]
    fn rpm_docs_examples() {
        // rpm.org "RPM Version comparison" and the tilde/caret docs.
        let chain = [
            "1.0~rc1", "1.0", "1.0^git1", "1.0^git2", "1.0.1", "1.0.1-1", "1:0.1",
        ];
        assert_chain(RpmVersion::parse, &chain);
        assert_eq!(r("1.0"), r("1_0"));
        assert_eq!(r("0:1.0-1"), r("1.0-1"));
        assert!(r("2.0.1a") > r("2.0.1"));
        assert!(r("5.5p10") > r("5.5p2"));
        assert!(r("1.0a") < r("1.0.1"));
        assert!(RpmVersion::parse("").is_err());
        assert!(RpmVersion::parse("1 0").is_err());
    }
}
