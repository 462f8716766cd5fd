//! Maven: `org.apache.maven.artifact.versioning.ComparableVersion`, the
//! order Maven itself resolves by (<https://maven.apache.org/pom.html#version-order-specification>).
//!
//! The string is lower-cased and split into items at `.`, at `-` and at
//! each change between digits and letters; `-` and a digit/letter change
//! open a nested list. Numbers compare numerically; qualifiers in the
//! order `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` <
//! (release: ``, `ga`, `final`, `release`) < `sp`, unknown qualifiers after
//! those, alphabetically; `a1`, `b1`, `m1` (a letter directly followed by
//! a digit) are `alpha-1`, `beta-1`, `milestone-1`. Trailing "null" items
//! (0, release qualifiers, empty lists) are dropped, so `1 = 1.0 = 1-0 =
//! 1.ga`. Maven accepts any string; only an empty one is refused here.

use std::cmp::Ordering;

use super::Refusal;
use super::num::Num;

#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Box<[Item]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Int(Num),
    /// The comparable form of a qualifier: its rank among the known ones,
    /// or `None` for an unknown qualifier (kept as text).
    Str(Qualifier),
    List(Box<[Item]>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Qualifier {
    rank: u8,
    /// Only for unknown qualifiers (rank [`UNKNOWN`]).
    text: Box<str>,
}

const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: u8 = 5;
const UNKNOWN: u8 = 7;

impl Qualifier {
    fn new(value: &str, followed_by_digit: bool) -> Qualifier {
        let value = match (followed_by_digit, value) {
            (true, "a") => "alpha",
            (true, "b") => "beta",
            (true, "m") => "milestone",
            (_, "ga" | "final" | "release") => "",
            (_, "cr") => "rc",
            (_, v) => v,
        };
        match KNOWN.iter().position(|k| *k == value) {
            Some(i) => Qualifier {
                rank: i as u8,
                text: Box::default(),
            },
            None => Qualifier {
                rank: UNKNOWN,
                text: value.into(),
            },
        }
    }

    fn is_release(&self) -> bool {
        self.rank == RELEASE
    }
}

impl Ord for Qualifier {
    fn cmp(&self, other: &Qualifier) -> Ordering {
        // Maven compares "7-<text>" strings for unknown ones: rank, then text.
        self.rank
            .cmp(&other.rank)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for Qualifier {
    fn partial_cmp(&self, other: &Qualifier) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(q) => q.is_release(),
            Item::List(l) => l.is_empty(),
        }
    }

    /// `ComparableVersion`'s `Item.compareTo(null)`: against a missing item.
    fn cmp_missing(&self) -> Ordering {
        match self {
            Item::Int(n) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(q) => q.rank.cmp(&RELEASE),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_missing),
        }
    }

    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.cmp(b),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => a.cmp(b),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let o = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => x.cmp_item(y),
            (Some(x), None) => x.cmp_missing(),
            (None, Some(y)) => y.cmp_missing().reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A list under construction; `parent` links are indices into `lists`.
struct Builder {
    lists: Vec<Vec<Slot>>,
}

enum Slot {
    Item(Item),
    /// A nested list, by index in `Builder::lists`.
    List(usize),
}

impl Builder {
    fn push_list(&mut self, cur: &mut usize) {
        self.lists.push(Vec::new());
        let new = self.lists.len() - 1;
        self.lists[*cur].push(Slot::List(new));
        *cur = new;
    }

    /// Builds list `i` bottom-up, dropping trailing null items as
    /// `ListItem.normalize` does.
    fn finish(&mut self, i: usize) -> Box<[Item]> {
        let slots = std::mem::take(&mut self.lists[i]);
        let mut items: Vec<Item> = slots
            .into_iter()
            .map(|s| match s {
                Slot::Item(it) => it,
                Slot::List(j) => Item::List(self.finish(j)),
            })
            .collect();
        // Walk back: drop nulls; stop at the first non-null non-list item.
        let mut k = items.len();
        while k > 0 {
            k -= 1;
            if items[k].is_null() {
                items.remove(k);
            } else if !matches!(items[k], Item::List(_)) {
                break;
            }
        }
        items.into_boxed_slice()
    }
}

fn parse_item(digit: bool, buf: &str) -> Item {
    if digit {
        Item::Int(Num::from_digits(buf))
    } else {
        Item::Str(Qualifier::new(buf, false))
    }
}

impl MavenVersion {
    pub fn parse(s: &str) -> Result<MavenVersion, Refusal> {
        if s.trim().is_empty() {
            return Err("empty");
        }
        let v = s.to_lowercase();
        let mut b = Builder {
            lists: vec![Vec::new()],
        };
        let mut cur = 0;
        let mut is_digit = false;
        let mut start = 0;
        for (i, c) in v.char_indices() {
            if c == '.' || c == '-' {
                let item = if i == start {
                    Item::Int(Num::ZERO)
                } else {
                    parse_item(is_digit, &v[start..i])
                };
                b.lists[cur].push(Slot::Item(item));
                start = i + 1;
                // `-` opens a nested list; `.` stays in the current one.
                if c == '-' {
                    b.push_list(&mut cur);
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    let q = Qualifier::new(&v[start..i], true);
                    b.lists[cur].push(Slot::Item(Item::Str(q)));
                    start = i;
                    b.push_list(&mut cur);
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    b.lists[cur].push(Slot::Item(parse_item(true, &v[start..i])));
                    start = i;
                    b.push_list(&mut cur);
                }
                is_digit = false;
            }
        }
        if v.len() > start {
            b.lists[cur].push(Slot::Item(parse_item(is_digit, &v[start..])));
        }
        Ok(MavenVersion { items: b.finish(0) })
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &MavenVersion) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

super::num::ord_via_cmp!(MavenVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::assert_chain;

    fn m(s: &str) -> MavenVersion {
        MavenVersion::parse(s).unwrap()
    }

    #[test]
    fn maven_documented_order() {
        // The POM reference's examples and ComparableVersionTest's chain.
        let chain = [
            "1-alpha-1",
            "1-alpha2",
            "1-beta-1",
            "1-milestone-1",
            "1-rc-1",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-1",
            "1.1",
        ];
        assert_chain(MavenVersion::parse, &chain);
        for (a, b) in [
            ("1", "1.0.0"),
            ("1.ga", "1"),
            ("1-final", "1"),
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1.0.RELEASE", "1"),
        ] {
            assert_eq!(m(a), m(b), "{a} = {b}");
        }
        assert!(m("1.0-SNAPSHOT") < m("1.0"));
        assert!(MavenVersion::parse("").is_err());
    }
}
