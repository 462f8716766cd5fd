//! CPE 2.3 names: the formatted string binding (NISTIR 7695 §6.2) and name
//! matching (NISTIR 7696 §6).
//!
//! Hand-written rather than a dependency: the one crate on crates.io that
//! reads CPE 2.3 (`cpe`, 0.1.x) binds and unbinds names but does not
//! implement NISTIR 7696's attribute comparison, which is what matching
//! needs, and both parts together are a few hundred lines of rules that
//! the two specifications spell out.
//!
//! Values are kept unescaped and in lowercase (NISTIR 7696 compares case
//! insensitively), with the unquoted wildcards a value may carry at its
//! ends (`*`: any run of characters; `?`: one character, or fewer at an
//! end) held apart from the literal text, so that a literal `\*` and a
//! wildcard `*` can never be confused.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The eleven attributes of a CPE 2.3 name, in binding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attribute {
    Part,
    Vendor,
    Product,
    Version,
    Update,
    Edition,
    Language,
    SwEdition,
    TargetSw,
    TargetHw,
    Other,
}

impl Attribute {
    pub const ALL: [Attribute; 11] = [
        Attribute::Part,
        Attribute::Vendor,
        Attribute::Product,
        Attribute::Version,
        Attribute::Update,
        Attribute::Edition,
        Attribute::Language,
        Attribute::SwEdition,
        Attribute::TargetSw,
        Attribute::TargetHw,
        Attribute::Other,
    ];

    /// The attribute's name in NISTIR 7695.
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Part => "part",
            Attribute::Vendor => "vendor",
            Attribute::Product => "product",
            Attribute::Version => "version",
            Attribute::Update => "update",
            Attribute::Edition => "edition",
            Attribute::Language => "language",
            Attribute::SwEdition => "sw_edition",
            Attribute::TargetSw => "target_sw",
            Attribute::TargetHw => "target_hw",
            Attribute::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Unquoted wildcards at one end of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wildcard {
    None,
    /// `*`: any number of characters.
    Star,
    /// `?` repeated n times: at most n characters (NISTIR 7696 §6.1.3).
    Questions(usize),
}

/// A value that is not a logical value: literal text, with wildcards at
/// either end.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CpeText {
    pub lead: Wildcard,
    /// Unescaped, lowercase.
    pub body: String,
    pub trail: Wildcard,
}

impl CpeText {
    /// Whether the value carries a wildcard.
    pub fn has_wildcards(&self) -> bool {
        self.lead != Wildcard::None || self.trail != Wildcard::None
    }

    /// The literal text when the value has no wildcard.
    pub fn literal(&self) -> Option<&str> {
        (!self.has_wildcards()).then_some(self.body.as_str())
    }
}

/// One attribute's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttrValue {
    /// `*`: any value.
    Any,
    /// `-`: not applicable.
    Na,
    Text(CpeText),
}

impl AttrValue {
    /// The literal text, when the value is neither logical nor wildcarded.
    pub fn literal(&self) -> Option<&str> {
        match self {
            AttrValue::Text(t) => t.literal(),
            _ => None,
        }
    }
}

/// A CPE 2.3 name (a well-formed name read from its formatted string).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cpe {
    attrs: [AttrValue; 11],
}

/// Why a string is not a CPE 2.3 formatted string.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CpeError {
    #[error("a CPE 2.2 URI (cpe:/…), not a CPE 2.3 formatted string")]
    Uri,
    #[error("does not begin with cpe:2.3:")]
    Prefix,
    #[error("{0} attributes after cpe:2.3:, not 11")]
    Count(usize),
    #[error("{0} is empty (ANY is *, NA is -)")]
    Empty(Attribute),
    #[error("part is {0:?}: only a, o, h, * or -")]
    Part(String),
    #[error("{attr}: {what}")]
    Value { attr: Attribute, what: String },
}

impl Cpe {
    /// Reads a formatted string binding (`cpe:2.3:a:vendor:product:…`).
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        let lower_prefix = s.get(..8).map(str::to_ascii_lowercase);
        if lower_prefix.as_deref() != Some("cpe:2.3:") {
            if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("cpe:/")) {
                return Err(CpeError::Uri);
            }
            return Err(CpeError::Prefix);
        }
        let components = split_unescaped(&s[8..]);
        if components.len() != 11 {
            return Err(CpeError::Count(components.len()));
        }
        let mut attrs: [AttrValue; 11] = std::array::from_fn(|_| AttrValue::Any);
        for (attr, raw) in Attribute::ALL.into_iter().zip(components) {
            attrs[attr.index()] = parse_value(attr, raw)?;
        }
        match &attrs[0] {
            AttrValue::Any | AttrValue::Na => {}
            AttrValue::Text(t)
                if !t.has_wildcards() && matches!(t.body.as_str(), "a" | "o" | "h") => {}
            _ => return Err(CpeError::Part(components_part(s))),
        }
        Ok(Cpe { attrs })
    }

    pub fn get(&self, attr: Attribute) -> &AttrValue {
        &self.attrs[attr.index()]
    }

    pub fn vendor(&self) -> &AttrValue {
        self.get(Attribute::Vendor)
    }

    pub fn product(&self) -> &AttrValue {
        self.get(Attribute::Product)
    }

    pub fn version(&self) -> &AttrValue {
        self.get(Attribute::Version)
    }

    /// NISTIR 7696's comparison of each attribute, this name as source
    /// (the pattern, e.g. an advisory's) and `target` (e.g. an inventory's
    /// product).
    pub fn compare(&self, target: &Cpe) -> [Relation; 11] {
        std::array::from_fn(|i| compare_values(&self.attrs[i], &target.attrs[i]))
    }

    /// Whether this name, as source, matches `target`: no attribute is
    /// DISJOINT. A target carrying wildcards makes an attribute UNDEFINED
    /// (NISTIR 7696 §6.1.2: targets are names, not patterns); that is not a
    /// match either, because nothing can be concluded from it.
    pub fn matches(&self, target: &Cpe) -> bool {
        self.compare(target)
            .iter()
            .all(|r| !matches!(r, Relation::Disjoint | Relation::Undefined))
    }

    /// [`Cpe::matches`] over the listed attributes only (part, vendor and
    /// product, to ask whether two names name the same product).
    pub fn matches_on(&self, target: &Cpe, attrs: &[Attribute]) -> bool {
        attrs.iter().all(|a| {
            !matches!(
                compare_values(self.get(*a), target.get(*a)),
                Relation::Disjoint | Relation::Undefined
            )
        })
    }
}

/// The part as written, for the error message.
fn components_part(s: &str) -> String {
    split_unescaped(s.get(8..).unwrap_or(""))
        .first()
        .map(|p| (*p).to_owned())
        .unwrap_or_default()
}

/// Splits at `:` not escaped by `\`.
fn split_unescaped(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_value(attr: Attribute, raw: &str) -> Result<AttrValue, CpeError> {
    match raw {
        "" => return Err(CpeError::Empty(attr)),
        "*" => return Ok(AttrValue::Any),
        "-" => return Ok(AttrValue::Na),
        _ => {}
    }
    let bad = |what: String| CpeError::Value { attr, what };
    let chars: Vec<char> = raw.chars().collect();
    let last = chars.len() - 1;
    let mut lead = Wildcard::None;
    let mut trail = Wildcard::None;
    let mut body = String::new();
    let mut i = 0;
    // Leading wildcards: one `*` or a run of `?`.
    if chars[0] == '*' {
        lead = Wildcard::Star;
        i = 1;
    } else {
        let n = chars.iter().take_while(|c| **c == '?').count();
        if n > 0 {
            lead = Wildcard::Questions(n);
            i = n;
        }
    }
    // Trailing wildcards, found from the end (an escaped one is literal).
    let mut end = chars.len();
    if end > i && chars[last] == '*' && !escaped_at(&chars, last) {
        trail = Wildcard::Star;
        end -= 1;
    } else {
        let mut n = 0;
        while end > i && chars[end - 1] == '?' && !escaped_at(&chars, end - 1) {
            end -= 1;
            n += 1;
        }
        if n > 0 {
            trail = Wildcard::Questions(n);
        }
    }
    while i < end {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1).filter(|_| i + 1 < end) else {
                    return Err(bad("ends in an escape (\\) with nothing after it".into()));
                };
                if !next.is_ascii_graphic() {
                    return Err(bad(format!("escapes {next:?}, not a printable character")));
                }
                body.push(next.to_ascii_lowercase());
                i += 2;
            }
            '*' | '?' => {
                return Err(bad(format!(
                    "unquoted {c} inside the value (wildcards only at its ends; \\{c} is the character)"
                )));
            }
            c if c.is_ascii_graphic() => {
                body.push(c.to_ascii_lowercase());
                i += 1;
            }
            c => return Err(bad(format!("{c:?} is not a printable ASCII character"))),
        }
    }
    if body.is_empty() && lead == Wildcard::Star && trail != Wildcard::None {
        return Err(bad("only wildcards".into()));
    }
    Ok(AttrValue::Text(CpeText { lead, body, trail }))
}

/// Whether the character at `at` is preceded by an odd run of `\`.
fn escaped_at(chars: &[char], at: usize) -> bool {
    chars[..at].iter().rev().take_while(|c| **c == '\\').count() % 2 == 1
}

impl fmt::Display for Cpe {
    /// The formatted string binding, lowercase, escaped as NISTIR 7695
    /// binds it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cpe:2.3")?;
        for v in &self.attrs {
            f.write_str(":")?;
            match v {
                AttrValue::Any => f.write_str("*")?,
                AttrValue::Na => f.write_str("-")?,
                // A lone literal hyphen would read back as NA.
                AttrValue::Text(t) if t.body == "-" && !t.has_wildcards() => f.write_str("\\-")?,
                AttrValue::Text(t) => {
                    write_wildcard(f, t.lead)?;
                    for c in t.body.chars() {
                        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    write_wildcard(f, t.trail)?;
                }
            }
        }
        Ok(())
    }
}

fn write_wildcard(f: &mut fmt::Formatter<'_>, w: Wildcard) -> fmt::Result {
    match w {
        Wildcard::None => Ok(()),
        Wildcard::Star => f.write_str("*"),
        Wildcard::Questions(n) => f.write_str(&"?".repeat(n)),
    }
}

impl Serialize for Cpe {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cpe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cpe, D::Error> {
        let s = String::deserialize(d)?;
        Cpe::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// NISTIR 7696's relation of a source attribute value to a target's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The source's value takes in the target's (and more).
    Superset,
    Equal,
    /// The target's value takes in the source's.
    Subset,
    Disjoint,
    /// The target carries wildcards: not comparable.
    Undefined,
}

/// NISTIR 7696 §6.1.2, attribute by attribute.
pub fn compare_values(source: &AttrValue, target: &AttrValue) -> Relation {
    if let AttrValue::Text(t) = target
        && t.has_wildcards()
    {
        return Relation::Undefined;
    }
    if source == target {
        return Relation::Equal;
    }
    match (source, target) {
        (AttrValue::Any, _) => Relation::Superset,
        (_, AttrValue::Any) => Relation::Subset,
        (AttrValue::Na, _) | (_, AttrValue::Na) => Relation::Disjoint,
        (AttrValue::Text(s), AttrValue::Text(t)) => compare_text(s, &t.body),
    }
}

/// NISTIR 7696 §6.1.3's `compare_strings`: whether the source's literal
/// body occurs in the target with no more characters before and after it
/// than the source's wildcards allow.
fn compare_text(source: &CpeText, target: &str) -> Relation {
    let target: Vec<char> = target.chars().collect();
    let body: Vec<char> = source.body.chars().collect();
    let fits = |room: usize, w: Wildcard| match w {
        Wildcard::None => room == 0,
        Wildcard::Star => true,
        Wildcard::Questions(n) => room <= n,
    };
    if body.len() > target.len() {
        return Relation::Disjoint;
    }
    for at in 0..=target.len() - body.len() {
        if target[at..at + body.len()] == body[..]
            && fits(at, source.lead)
            && fits(target.len() - at - body.len(), source.trail)
        {
            return Relation::Superset;
        }
    }
    Relation::Disjoint
}
