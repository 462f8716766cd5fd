//! Package-name normalisation that is not part of a purl's canonical form
//! but is needed to compare names: the matching engine keys PyPI packages
//! by it and intake's advisory fingerprint keys `pypi` packages by it, so
//! both take it from here.

/// PEP 503's normalised project name: lower case, each run of `-`, `_`
/// and `.` as one `-` (`Foo__Bar.baz` → `foo-bar-baz`), since the index
/// treats those spellings as one project.
///
/// Nothing else is touched, white space included: callers that trim do so
/// first. A purl's own `pypi` rule is narrower (lower case and `_` as `-`,
/// [`crate::Purl`]), as the purl specification defines it.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pep503;

    #[test]
    fn runs_of_separators_become_one_dash() {
        assert_eq!(pep503("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(pep503("Django_Package"), "django-package");
        assert_eq!(pep503("a-_.-b"), "a-b");
        assert_eq!(pep503("_x_"), "-x-");
        assert_eq!(pep503(" Ünïcode "), " ünïcode ");
        assert_eq!(pep503(""), "");
    }
}
