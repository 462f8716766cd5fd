//! What the test modules share: the shipped directive and a small one to
//! break on purpose.
#![allow(dead_code)]

use bulwark_directive::Directive;

/// The shipped `directives/bod-26-04.toml`.
pub const BOD_26_04: &str = include_str!("../../../../../directives/bod-26-04.toml");

pub fn bod_26_04() -> Directive {
    Directive::from_toml(BOD_26_04).unwrap()
}

/// A two-fact directive; `rules` is appended as written.
pub fn small(rules: &str) -> String {
    format!(
        r#"id = "ED-TEST"
version = "1"
title = "Test"
issuer = "CISA"
effective = 2026-09-01
revokes = []

[scope]
applies_to = ["federal civilian executive branch agencies"]
excludes = ["national security systems"]

[[fact]]
name = "in_kev"
description = "In KEV."
source = "KEV"
values = ["yes", "no"]
unknown = "yes"
unknown_basis = "conservative"

[[fact]]
name = "publicly_exposed"
description = "Exposed."
source = "agency exposure flag"
values = ["yes", "no"]
unknown = "yes"
unknown_basis = "conservative"
{rules}"#
    )
}

/// 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap();
    text[..at].matches('\n').count() + 1
}
