//! Binding Operational Directives: directives in force, agencies'
//! inventories, the obligations derived from both, the agencies' answers
//! and the issuer's decisions.
//!
//! - `directive.load` keeps a new directive version (checked by
//!   `bulwark-directive`) and re-evaluates every system it binds, listing
//!   what moved.
//! - `systems` registers and changes systems, attaches SBOMs and products;
//!   each change re-evaluates that system.
//! - `obligations` evaluates: what the facts say each system must do, by
//!   when, diffed against what is stored, so a recomputation is idempotent
//!   and every change carries its reason.
//!
//! Inventories are the agency's: reads go through the policy's
//! `system.read` (the agency; the issuer for civilian systems outside
//! national security) and a denied read is "not found".

pub mod notices;
pub mod obligations;
pub mod requirements;
pub mod systems;
pub mod trend;
pub mod vex;

use std::sync::Arc;

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_directive::Directive;
use bulwark_store::{NewDirective, StoredDirective};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Acting, App, AppError, AppResult, ts};

/// The directive shipped with Bulwark and put in force on a new installation.
pub const DEFAULT_DIRECTIVE: &str = include_str!("../../../../directives/bod-26-04.toml");

/// A directive version as the interfaces show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectiveOut {
    pub id: String,
    pub version: String,
    /// `ID@VERSION`.
    pub citation: String,
    pub title: String,
    pub issuer: String,
    pub effective: String,
    pub revokes: Vec<String>,
    pub applies_to: Vec<String>,
    pub excludes: Vec<String>,
    pub rules: usize,
    pub facts: Vec<String>,
    /// Whether this version is the one in force (newest loaded of its id,
    /// not revoked by another directive in force).
    pub in_force: bool,
    pub sha256: String,
    pub loaded_at: String,
}

/// A directive version and its checked rules.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub stored: StoredDirective,
    pub directive: Arc<Directive>,
}

fn parse(stored: &StoredDirective) -> AppResult<Arc<Directive>> {
    Directive::from_toml(&stored.source)
        .map(Arc::new)
        .map_err(|e| {
            tracing::error!(directive = %stored.id, version = %stored.version, error = %e, "a stored directive no longer loads");
            AppError::internal()
        })
}

/// Every directive version kept, each parsed once per call.
pub async fn all_loaded(app: &App) -> AppResult<Vec<Loaded>> {
    app.store
        .directives()
        .await?
        .into_iter()
        .map(|stored| {
            let directive = parse(&stored)?;
            Ok(Loaded { stored, directive })
        })
        .collect()
}

/// The directives in force: per id the newest loaded version, unless a
/// directive in force revokes that id.
pub fn in_force(all: &[Loaded]) -> Vec<Loaded> {
    let mut newest: Vec<Loaded> = Vec::new();
    for l in all {
        match newest.iter_mut().find(|n| n.stored.id == l.stored.id) {
            Some(n) if n.stored.loaded_at <= l.stored.loaded_at => *n = l.clone(),
            Some(_) => {}
            None => newest.push(l.clone()),
        }
    }
    let revoked: Vec<String> = newest
        .iter()
        .flat_map(|l| l.directive.revokes().iter().cloned())
        .collect();
    newest
        .into_iter()
        .filter(|l| !revoked.contains(&l.stored.id))
        .collect()
}

fn out(l: &Loaded, force: &[Loaded]) -> DirectiveOut {
    let d = &l.directive;
    DirectiveOut {
        id: l.stored.id.clone(),
        version: l.stored.version.clone(),
        citation: d.citation(),
        title: d.title().to_owned(),
        issuer: d.issuer().to_owned(),
        effective: d.effective().to_string(),
        revokes: d.revokes().to_vec(),
        applies_to: d.scope().applies_to.clone(),
        excludes: d.scope().excludes.clone(),
        rules: d.rules().len(),
        facts: d.facts().iter().map(|f| f.name.clone()).collect(),
        in_force: force
            .iter()
            .any(|f| f.stored.id == l.stored.id && f.stored.version == l.stored.version),
        sha256: l.stored.sha256.clone(),
        loaded_at: ts(l.stored.loaded_at),
    }
}

/// Every directive version kept, in load order, under `directive.read`.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<DirectiveOut>> {
    app.authorize(who, Action::DirectiveRead, &Resource::Program)?;
    let all = all_loaded(app).await?;
    let force = in_force(&all);
    Ok(all.iter().map(|l| out(l, &force)).collect())
}

/// One directive version with its TOML.
pub async fn get(
    app: &App,
    who: &Principal,
    id: &str,
    version: Option<&str>,
) -> AppResult<(DirectiveOut, String)> {
    app.authorize(who, Action::DirectiveRead, &Resource::Program)?;
    let all = all_loaded(app).await?;
    let force = in_force(&all);
    let pick = match version {
        Some(v) => all
            .iter()
            .find(|l| l.stored.id == id && l.stored.version == v),
        None => all.iter().rev().find(|l| l.stored.id == id),
    };
    let l = pick.ok_or_else(|| AppError::not_found("directive"))?;
    Ok((out(l, &force), l.stored.source.clone()))
}

/// The store's row of a checked directive and its text.
fn kept(d: &Directive, source: &str) -> NewDirective {
    NewDirective {
        id: d.id().to_owned(),
        version: d.version().to_owned(),
        title: d.title().to_owned(),
        issuer: d.issuer().to_owned(),
        effective: d.effective().to_string(),
        source: source.to_owned(),
    }
}

/// What loading a directive did.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = DirectiveLoadOut)]
pub struct LoadOut {
    pub directive: DirectiveOut,
    /// False when the same text was loaded before (nothing changed).
    pub new: bool,
    /// What the re-evaluation of the systems it binds moved.
    pub moved: obligations::EvaluationOut,
}

/// Loads a directive version (TOML), under `directive.load`, and
/// re-evaluates every system: new obligations, moved due dates (each with
/// its reason), obligations of revoked directives closed.
pub async fn load(app: &App, who: &Acting, toml: &str) -> AppResult<LoadOut> {
    app.authorize(&who.principal, Action::DirectiveLoad, &Resource::Program)?;
    let d = Directive::from_toml(toml).map_err(|e| {
        AppError::validation(format!("the directive does not load: {e}"))
            .with_extension("reason", serde_json::json!(e.to_string()))
    })?;
    let new = kept(&d, toml);
    let (stored, fresh) = app
        .store
        .store_directive(&who.actor, &new, app.now())
        .await?;
    let moved = if fresh {
        obligations::evaluate_all(
            app,
            &who.actor,
            &format!("directive {} loaded", d.citation()),
        )
        .await?
    } else {
        obligations::EvaluationOut::default()
    };
    let all = all_loaded(app).await?;
    let force = in_force(&all);
    let l = Loaded {
        stored,
        directive: Arc::new(d),
    };
    Ok(LoadOut {
        directive: out(&l, &force),
        new: fresh,
        moved,
    })
}

/// Puts the shipped directive in force when no directive is kept yet (a
/// new installation), as the system itself. Returns whether it did.
pub async fn ensure_default(app: &App) -> AppResult<bool> {
    if !app.store.directives().await?.is_empty() {
        return Ok(false);
    }
    let d = Directive::from_toml(DEFAULT_DIRECTIVE).map_err(|e| {
        tracing::error!(error = %e, "the shipped directive does not load");
        AppError::internal()
    })?;
    let new = kept(&d, DEFAULT_DIRECTIVE);
    app.store
        .store_directive(&bulwark_store::Actor::cli(), &new, app.now())
        .await?;
    Ok(true)
}

/// After a feed import at the command line changed what is known of these
/// vulnerabilities (KEV entries added or removed, CISA's SSVC points
/// published or changed, OSV advisories imported): evaluates the systems
/// that may hold them, as the system itself (the audit entries name no
/// user). Nothing to do, and no policy built, while no directive is kept.
pub async fn after_feed_change(
    store: &bulwark_store::Store,
    vulns: &std::collections::BTreeSet<String>,
    reason: &str,
) -> AppResult<Option<obligations::EvaluationOut>> {
    if vulns.is_empty() || store.directives().await?.is_empty() {
        return Ok(None);
    }
    let app = App::with_policy(
        store.clone(),
        Arc::new(bulwark_core::SystemClock),
        crate::Config::default(),
    )?;
    let out =
        obligations::on_vulnerabilities(&app, &bulwark_store::Actor::cli(), vulns, reason).await?;
    Ok(Some(out))
}
