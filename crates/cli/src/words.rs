//! The domain's enumerated words on the command line (`--sector`,
//! `--scope`, `--tlp` …), read the way a person writes them: in any case,
//! with spaces or hyphens for underscores (`--sector "Financial Services"`),
//! a TLP label with or without `TLP:`. The canonical spelling is what is
//! sent; anything else is refused before a request is made, by clap,
//! listing the accepted values.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// A value parser accepting one of a domain type's words.
#[derive(Clone)]
pub struct Word {
    values: Vec<&'static str>,
}

/// The words of a domain type: every value of `all`, spelled by `name`
/// (its `as_str`, the spelling the API takes).
pub fn words<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Word {
    Word {
        values: all.iter().map(|v| name(*v)).collect(),
    }
}

/// How a word is compared: lower case, each run of other characters than
/// letters and digits one `_`, without a `TLP:` prefix.
fn fold(s: &str) -> String {
    let s = s.trim();
    let s = match s.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("tlp:") => &s[4..],
        _ => s,
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

impl Word {
    /// The canonical spelling of `s`, if it is one of the words.
    fn find(&self, s: &str) -> Option<&'static str> {
        let key = fold(s);
        self.values.iter().copied().find(|v| fold(v) == key)
    }
}

impl TypedValueParser for Word {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        if let Some(word) = value.to_str().and_then(|s| self.find(s)) {
            return Ok(word.to_owned());
        }
        // clap's own refusal: the value, the option and the accepted values.
        PossibleValuesParser::new(self.values.iter().copied()).parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().map(|v| PossibleValue::new(*v))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::{Sector, Tlp};

    #[test]
    fn words_are_read_as_people_write_them() {
        let sectors = words(&Sector::ALL, Sector::as_str);
        assert_eq!(sectors.find("Energy"), Some("energy"));
        assert_eq!(
            sectors.find("Financial Services"),
            Some("financial_services")
        );
        assert_eq!(
            sectors.find("Nuclear Reactors, Materials, and Waste"),
            Some("nuclear_reactors_materials_and_waste")
        );
        assert_eq!(sectors.find("energ"), None);
        let tlp = words(&Tlp::ALL, Tlp::as_str);
        assert_eq!(tlp.find("tlp:amber+strict"), Some("AMBER+STRICT"));
        assert_eq!(tlp.find("amber"), Some("AMBER"));
        assert_eq!(tlp.find("white"), None);
    }
}
