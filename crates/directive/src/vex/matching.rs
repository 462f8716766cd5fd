//! Whether a statement is about a given component and vulnerability.

use bulwark_versions::Purl;

use super::{VexDocument, VexProduct, VexStatement};

impl VexProduct {
    /// Whether this product's purl names the component's.
    ///
    /// Type, namespace and name must be equal after each type's
    /// normalisation (ECMA-427: `pkg:pypi/Django_Utils` is
    /// `pkg:pypi/django-utils`). A product without a version names every
    /// version; with one, only that version, compared as written (after
    /// percent-decoding). Each qualifier the product gives must be on the
    /// component with the same value; a product with none names any. The
    /// subpath is ignored. A purl that does not parse names nothing.
    pub fn matches_purl(&self, component_purl: &str) -> bool {
        Purl::parse_lenient(component_purl).is_ok_and(|c| self.matches_parsed(&c))
    }

    /// [`VexProduct::matches_purl`] for a component parsed once for many
    /// products.
    pub fn matches_parsed(&self, component: &Purl) -> bool {
        let Some(own) = self
            .purl
            .as_deref()
            .and_then(|p| Purl::parse_lenient(p).ok())
        else {
            return false;
        };
        own.ty() == component.ty()
            && own.namespace() == component.namespace()
            && own.name() == component.name()
            && own.version().is_none_or(|v| component.version() == Some(v))
            && own
                .qualifiers()
                .all(|(k, v)| component.qualifier(k) == Some(v))
    }

    /// This product or one of its subcomponents names the component.
    pub fn names_component(&self, component: &Purl) -> bool {
        self.matches_parsed(component)
            || self
                .subcomponents
                .iter()
                .any(|s| s.names_component(component))
    }
}

impl VexStatement {
    /// Whether the statement is about this vulnerability: its id or one of
    /// its aliases (see [`same_vulnerability`]).
    pub fn matches_vulnerability(&self, id: &str) -> bool {
        same_vulnerability(&self.vulnerability, id)
            || self.aliases.iter().any(|a| same_vulnerability(a, id))
    }

    /// Whether one of the statement's products, or a subcomponent inside
    /// one, names the component (see [`VexProduct::matches_purl`]). A
    /// statement about a subcomponent inside a product states the
    /// product's status with respect to it, so both are named.
    pub fn matches_component(&self, component_purl: &str) -> bool {
        Purl::parse_lenient(component_purl).is_ok_and(|c| self.matches_parsed(&c))
    }

    /// [`VexStatement::matches_component`] for a component parsed once.
    pub fn matches_parsed(&self, component: &Purl) -> bool {
        self.products.iter().any(|p| p.names_component(component))
    }
}

impl VexDocument {
    /// The statements about this vulnerability in this component, in
    /// document order: what an obligation's answer rests on. A later
    /// statement does not cancel an earlier one here; the caller decides
    /// (by timestamp, by status) which one holds.
    pub fn statements_about<'a>(
        &'a self,
        vulnerability: &'a str,
        component_purl: &str,
    ) -> impl Iterator<Item = &'a VexStatement> + 'a {
        let component = Purl::parse_lenient(component_purl).ok();
        self.statements.iter().filter(move |s| {
            component
                .as_ref()
                .is_some_and(|c| s.matches_vulnerability(vulnerability) && s.matches_parsed(c))
        })
    }
}

/// Two vulnerability ids are the same: CVE and GHSA ids in any case (their
/// registries do not tell case apart), any other id exactly. Surrounding
/// spaces are ignored.
pub fn same_vulnerability(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a == b {
        return true;
    }
    let case_free = |s: &str| {
        let starts = |prefix: &str| {
            s.get(..prefix.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        };
        starts("cve-") || starts("ghsa-")
    };
    case_free(a) && case_free(b) && a.eq_ignore_ascii_case(b)
}
