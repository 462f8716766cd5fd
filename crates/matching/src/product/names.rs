//! Name keys: one spelling for a vendor or product name, so that KEV's
//! `vendorProject`/`product`, a CVE record's `affected[].vendor/product`
//! and a CPE's vendor/product can be compared.
//!
//! The sources write the same names differently (`Secure Firewall
//! Management Center (FMC)`, `n-able`, `windows_10_21H1`, `SimpleHelp `
//! with a trailing space): CPE uses `_` where the others use spaces, and
//! case varies. The key lowercases and folds every run of characters that
//! are not letters or digits to one `_`, trimmed at both ends. It does not
//! resolve different names for one vendor (`Progress` in KEV, `Progress
//! Software` in the CVE record): that needs an alias list, not a rule.

/// The comparable key of a vendor or product name; empty when the name
/// has no letter or digit (such a key names nothing).
pub fn name_key(s: &str) -> String {
    let mut key = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if gap && !key.is_empty() {
                key.push('_');
            }
            gap = false;
            key.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    key
}
