//! Who a request acts as.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{OrgKind, Role, RoleSet};

/// A person, or a machine acting for its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Human,
    Service,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Human => "human",
            PrincipalKind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "human" => Some(PrincipalKind::Human),
            "service" => Some(PrincipalKind::Service),
            _ => None,
        }
    }
}

/// An authenticated user with the facts the policy needs about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    pub kind: PrincipalKind,
    pub org_id: Uuid,
    pub org_name: String,
    pub org_kind: OrgKind,
    /// The organization is one of the reviewing agencies (Treasury, NSA,
    /// CISA) that write benchmarks and review models; set by the operator.
    pub org_reviewing: bool,
    /// The organization issues the directives (CISA): it loads them, sees
    /// federal civilian agencies' inventories and decides their requests.
    #[serde(default)]
    pub org_issues_directives: bool,
    pub roles: RoleSet,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(role)
    }
}
