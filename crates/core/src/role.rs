//! Roles a user holds inside its organization.
//!
//! Roles say what kind of work a user does; the organization's kind says which
//! part of the program it takes part in. The policy combines both.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages the organization's users and tokens; in the operator
    /// organization, manages the program's organizations too.
    Admin,
    /// Does the organization's work: creates and changes its records.
    Analyst,
    /// Reads what the organization may read, changes nothing.
    Viewer,
    /// Reads and verifies the audit log (operator organization only).
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Viewer, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseError {
                what: "role",
                value: s.to_owned(),
                allowed: "admin, analyst, viewer, auditor",
            })
    }
}

/// A user's roles: a small sorted set, stored as space-separated words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleSet(Vec<Role>);

impl RoleSet {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut v: Vec<Role> = roles.into_iter().collect();
        v.sort();
        v.dedup();
        RoleSet(v)
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The stored form: `"admin analyst"`.
    pub fn to_words(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses the stored form; an unknown word is an error, never dropped.
    pub fn from_words(s: &str) -> Result<Self, ParseError> {
        s.split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<Role>, _>>()
            .map(RoleSet::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_sorted_and_deduplicated() {
        let set = RoleSet::from_words("viewer admin viewer").unwrap();
        assert_eq!(set.to_words(), "admin viewer");
        assert!(set.contains(Role::Admin) && !set.contains(Role::Analyst));
        assert!(RoleSet::from_words("admin root").is_err());
        assert!(RoleSet::from_words("").unwrap().is_empty());
    }
}
