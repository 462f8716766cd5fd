//! Agencies' systems: registration, flags, owners, the SBOMs attached and
//! the products without a package URL. Every change re-evaluates the
//! system's obligations, with the change as the reason.

use bulwark_authz::Action;
use bulwark_core::{OrgKind, Principal, Tri};
use bulwark_store::{
    NewProduct, NewSystem, Page, PageRequest, StoredProduct, StoredSystem, SystemUpdate,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::obligations::{self, EvaluationOut};
use crate::resources::{own_org_resource, readable_system, system_resource};
use crate::{Acting, App, AppError, AppResult, parse_word, ts};

/// A system to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemIn {
    pub name: String,
    pub fisma_id: Option<String>,
    /// `yes`, `no` or `unknown` (the default).
    pub high_value_asset: Option<String>,
    /// `yes`, `no` or `unknown` (the default): the directive decides what
    /// unknown means.
    pub publicly_exposed: Option<String>,
    #[serde(default)]
    pub national_security: bool,
    #[serde(default)]
    pub owners: Vec<String>,
}

/// Changes to a system; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPatch {
    pub name: Option<String>,
    /// An empty string clears it.
    pub fisma_id: Option<String>,
    pub high_value_asset: Option<String>,
    pub publicly_exposed: Option<String>,
    pub national_security: Option<bool>,
    pub owners: Option<Vec<String>>,
}

/// A system in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SystemOut {
    pub id: Uuid,
    pub org: Uuid,
    pub org_name: String,
    pub name: String,
    pub fisma_id: Option<String>,
    pub high_value_asset: String,
    pub publicly_exposed: String,
    pub national_security: bool,
    pub owners: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An SBOM attached to a system, now or before.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachedSbomOut {
    pub sbom: Uuid,
    pub name: String,
    pub components: u64,
    pub attached_at: String,
    pub detached_at: Option<String>,
    pub replaced_by: Option<Uuid>,
}

/// A product without a package URL on a system.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: Uuid,
    pub vendor: String,
    pub product: String,
    pub version: Option<String>,
    pub cpe: Option<String>,
    pub added_at: String,
    pub removed_at: Option<String>,
}

/// A system with what runs on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SystemView {
    pub system: SystemOut,
    pub sboms: Vec<AttachedSbomOut>,
    pub products: Vec<ProductOut>,
    /// What the caller may do here, as the policy says.
    pub may_update: bool,
    pub may_answer: bool,
}

/// A product to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductIn {
    /// As KEV and CVE records name it (`vendorProject`, `vendor`); taken
    /// from the CPE when absent.
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    /// A CPE 2.3 formatted string, e.g. `cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*`.
    pub cpe: Option<String>,
}

/// What a change to an inventory did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeOut {
    pub system: SystemOut,
    pub obligations: EvaluationOut,
}

pub fn system_out(s: &StoredSystem, org_name: &str) -> SystemOut {
    SystemOut {
        id: s.id,
        org: s.org_id,
        org_name: org_name.to_owned(),
        name: s.name.clone(),
        fisma_id: s.fisma_id.clone(),
        high_value_asset: s.high_value_asset.as_str().to_owned(),
        publicly_exposed: s.publicly_exposed.as_str().to_owned(),
        national_security: s.national_security,
        owners: s.owners.clone(),
        created_at: ts(s.created_at),
        updated_at: ts(s.updated_at),
    }
}

fn product_out(p: &StoredProduct) -> ProductOut {
    ProductOut {
        id: p.id,
        vendor: p.vendor.clone(),
        product: p.product.clone(),
        version: p.version.clone(),
        cpe: p.cpe.clone(),
        added_at: ts(bulwark_core::from_micros(p.added_at)),
        removed_at: p.removed_at.map(|t| ts(bulwark_core::from_micros(t))),
    }
}

fn tri(field: &str, v: Option<&str>) -> AppResult<Option<Tri>> {
    v.map(|s| {
        parse_word::<Tri>(s).map_err(|e| AppError::validation(format!("{field}: {}", e.detail)))
    })
    .transpose()
}

/// Registers a system in the caller's agency, under `system.create`.
pub async fn create(app: &App, who: &Acting, body: SystemIn) -> AppResult<SystemOut> {
    app.authorize(
        &who.principal,
        Action::SystemCreate,
        &own_org_resource(&who.principal),
    )?;
    let new = NewSystem {
        org_id: who.principal.org_id,
        name: body.name,
        fisma_id: body.fisma_id.filter(|f| !f.trim().is_empty()),
        high_value_asset: tri("high_value_asset", body.high_value_asset.as_deref())?
            .unwrap_or(Tri::Unknown),
        publicly_exposed: tri("publicly_exposed", body.publicly_exposed.as_deref())?
            .unwrap_or(Tri::Unknown),
        national_security: body.national_security,
        owners: body.owners,
    };
    let s = app.store.create_system(&who.actor, &new, app.now()).await?;
    Ok(system_out(&s, &who.principal.org_name))
}

/// A system the caller may change (else 404 if it may not read it, 403
/// if it may only read it).
async fn updatable(app: &App, who: &Principal, id: Uuid) -> AppResult<(StoredSystem, String)> {
    let (s, org, r) = readable_system(app, who, id).await?;
    app.authorize(who, Action::SystemUpdate, &r)?;
    Ok((s, org.name))
}

/// Changes a system's flags or owners and re-evaluates it when a flag the
/// directives read changed.
pub async fn update(app: &App, who: &Acting, id: Uuid, body: SystemPatch) -> AppResult<ChangeOut> {
    let (_, org_name) = updatable(app, &who.principal, id).await?;
    let change = SystemUpdate {
        name: body.name,
        fisma_id: body
            .fisma_id
            .map(|f| Some(f).filter(|f| !f.trim().is_empty())),
        high_value_asset: tri("high_value_asset", body.high_value_asset.as_deref())?,
        publicly_exposed: tri("publicly_exposed", body.publicly_exposed.as_deref())?,
        national_security: body.national_security,
        owners: body.owners,
    };
    let (before, after) = app
        .store
        .update_system(&who.actor, id, &change, app.now())
        .await?;
    let mut moved = Vec::new();
    if before.publicly_exposed != after.publicly_exposed {
        moved.push(format!(
            "publicly_exposed {} → {}",
            before.publicly_exposed, after.publicly_exposed
        ));
    }
    if before.high_value_asset != after.high_value_asset {
        moved.push(format!(
            "high_value_asset {} → {}",
            before.high_value_asset, after.high_value_asset
        ));
    }
    if before.national_security != after.national_security {
        moved.push(format!(
            "national_security {} → {}",
            before.national_security, after.national_security
        ));
    }
    let obligations = if moved.is_empty() {
        EvaluationOut::default()
    } else {
        let reason = format!("system {} changed: {}", after.name, moved.join(", "));
        obligations::evaluate_systems(app, &who.actor, &[id], None, &reason).await?
    };
    Ok(ChangeOut {
        system: system_out(&after, &org_name),
        obligations,
    })
}

/// One system with its SBOMs and products, under `system.read`.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<SystemView> {
    let (s, org, r) = readable_system(app, who, id).await?;
    let mut sboms = Vec::new();
    for a in app.store.system_sboms(id).await? {
        let b = app.store.sbom(a.sbom_id).await?;
        sboms.push(AttachedSbomOut {
            sbom: a.sbom_id,
            name: b.name,
            components: b.components,
            attached_at: ts(a.attached()),
            detached_at: a.detached().map(ts),
            replaced_by: a.replaced_by,
        });
    }
    let products = app
        .store
        .system_products(id)
        .await?
        .iter()
        .map(product_out)
        .collect();
    Ok(SystemView {
        system: system_out(&s, &org.name),
        sboms,
        products,
        may_update: app.permits(who, Action::SystemUpdate, &r),
        may_answer: app.permits(who, Action::ObligationAnswer, &r),
    })
}

/// The systems the caller may read, by id: its own agency's (an agency),
/// or every one the policy lets it see (the issuer). Pages are read on
/// until full, so what the caller may not see never makes a page look empty.
pub async fn list(app: &App, who: &Principal, page: PageRequest) -> AppResult<Page<SystemOut>> {
    if who.org_kind != OrgKind::Agency {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    }
    let want = match page.limit {
        0 => PageRequest::DEFAULT_LIMIT,
        n => n.min(PageRequest::MAX_LIMIT),
    } as usize;
    let mut orgs = std::collections::HashMap::new();
    let mut items = Vec::new();
    let mut after = page.after;
    loop {
        let found = if who.org_issues_directives {
            app.store
                .systems(PageRequest {
                    after,
                    limit: page.limit,
                })
                .await?
        } else {
            app.store
                .org_systems(
                    who.org_id,
                    PageRequest {
                        after,
                        limit: page.limit,
                    },
                )
                .await?
        };
        for s in found.items {
            let org = match orgs.get(&s.org_id) {
                Some(o) => o,
                None => {
                    let o = app.store.organization(s.org_id).await?;
                    orgs.entry(s.org_id).or_insert(o)
                }
            };
            if app.permits(who, Action::SystemRead, &system_resource(&s, org)) {
                items.push(system_out(&s, &org.name));
                if items.len() == want {
                    let next = items.last().map(|s| s.id);
                    return Ok(Page { items, next });
                }
            }
        }
        match found.next {
            Some(n) => after = Some(n),
            None => return Ok(Page { items, next: None }),
        }
    }
}

/// Attaches an SBOM the agency uploaded to its system (replacing another
/// when `replaces` names one) and re-evaluates the system: a replaced SBOM
/// in which a component is gone or fixed closes its obligations by itself.
pub async fn attach_sbom(
    app: &App,
    who: &Acting,
    id: Uuid,
    sbom: Uuid,
    replaces: Option<Uuid>,
) -> AppResult<ChangeOut> {
    let (_, org_name) = updatable(app, &who.principal, id).await?;
    app.store
        .attach_sbom(&who.actor, id, sbom, replaces, app.now())
        .await?;
    let reason = match replaces {
        Some(old) => format!("SBOM {sbom} replaced SBOM {old}"),
        None => format!("SBOM {sbom} attached"),
    };
    let obligations = obligations::evaluate_systems(app, &who.actor, &[id], None, &reason).await?;
    Ok(ChangeOut {
        system: system_out(&app.store.system(id).await?, &org_name),
        obligations,
    })
}

/// Detaches an SBOM and re-evaluates the system.
pub async fn detach_sbom(app: &App, who: &Acting, id: Uuid, sbom: Uuid) -> AppResult<ChangeOut> {
    let (_, org_name) = updatable(app, &who.principal, id).await?;
    app.store
        .detach_sbom(&who.actor, id, sbom, app.now())
        .await
        .map_err(crate::not_found_as("attached SBOM"))?;
    let reason = format!("SBOM {sbom} detached");
    let obligations = obligations::evaluate_systems(app, &who.actor, &[id], None, &reason).await?;
    Ok(ChangeOut {
        system: system_out(&app.store.system(id).await?, &org_name),
        obligations,
    })
}

/// Adds a product without a package URL and re-evaluates the system.
pub async fn add_product(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: ProductIn,
) -> AppResult<ChangeOut> {
    let (_, org_name) = updatable(app, &who.principal, id).await?;
    let new = obligations::new_product(body)?;
    let p = app
        .store
        .add_product(&who.actor, id, &new, app.now())
        .await?;
    let reason = format!("product {} {} added", p.vendor, p.product);
    let obligations = obligations::evaluate_systems(app, &who.actor, &[id], None, &reason).await?;
    Ok(ChangeOut {
        system: system_out(&app.store.system(id).await?, &org_name),
        obligations,
    })
}

/// Removes a product from its system and re-evaluates it.
pub async fn remove_product(
    app: &App,
    who: &Acting,
    id: Uuid,
    product: Uuid,
) -> AppResult<ChangeOut> {
    let (_, org_name) = updatable(app, &who.principal, id).await?;
    let p = app
        .store
        .product(product)
        .await
        .map_err(crate::not_found_as("product"))?;
    if p.system_id != id {
        return Err(AppError::not_found("product"));
    }
    app.store
        .remove_product(&who.actor, product, app.now())
        .await?;
    let reason = format!("product {} {} removed", p.vendor, p.product);
    let obligations = obligations::evaluate_systems(app, &who.actor, &[id], None, &reason).await?;
    Ok(ChangeOut {
        system: system_out(&app.store.system(id).await?, &org_name),
        obligations,
    })
}

/// A new product's row: vendor and product given or read from the CPE.
pub(super) fn product_row(
    vendor: String,
    product: String,
    version: Option<String>,
    cpe: Option<String>,
) -> NewProduct {
    NewProduct {
        vendor_key: obligations::name_key(&vendor),
        product_key: obligations::name_key(&product),
        vendor,
        product,
        version,
        cpe,
    }
}
