//! Identity: the program's organizations, their users and the secrets
//! people and programs sign in with (API tokens, web passwords, web
//! sessions), and the operator's first steps on the database itself.
//!
//! Who may see or change what is the policy's: an organization or user the
//! caller may not read is a 404, as is a token the caller may not revoke,
//! so that their existence is not disclosed. A sign-in refused says the
//! same whatever the reason (unknown name, wrong password, disabled or
//! service account) and takes about the same time.

use bulwark_authz::{Action, Resource};
use bulwark_core::secret::SESSION_PREFIX;
use bulwark_core::{
    ApiToken, AuditEvent, OrgKind, Principal, PrincipalKind, Role, RoleSet, Sector, TokenHash,
    to_micros,
};
use bulwark_store::{
    Actor, Bootstrap, NewOrganization, NewUser, Organization, Page, PageRequest, Store, StoreError,
    TokenInfo, User, UserUpdate,
};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{
    org_resource, own_user_resource, readable_user, token_resource, user_resource,
};
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as, ts};

// ---------------------------------------------------------------------------
// Answers and request bodies
// ---------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    pub id: Uuid,
    pub name: String,
    /// agency, developer, partner, vendor, researcher or operator.
    #[schema(value_type = String, example = "vendor")]
    pub kind: OrgKind,
    /// One of the 16 CISA critical-infrastructure sectors, snake_case.
    #[schema(value_type = Option<String>, example = "energy")]
    pub sector: Option<Sector>,
    /// A reviewing agency (Treasury, NSA, CISA): writes benchmark sets, reviews models.
    pub reviewing: bool,
    /// For an agency: whose directives bind it, `civilian` or
    /// `national_security`; null for other organizations.
    pub agency_track: Option<String>,
    /// Issues the directives (CISA).
    pub issues_directives: bool,
    /// The IANA time zone its dates are shown in (UTC when null).
    pub time_zone: Option<String>,
    pub created_at: String,
}

impl From<Organization> for OrganizationOut {
    fn from(o: Organization) -> Self {
        OrganizationOut {
            id: o.id,
            name: o.name,
            kind: o.kind,
            sector: o.sector,
            reviewing: o.reviewing,
            agency_track: o.agency_track.map(|t| t.as_str().to_owned()),
            issues_directives: o.issues_directives,
            time_zone: o.time_zone,
            created_at: ts(o.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationIn {
    pub name: String,
    #[schema(value_type = String, example = "partner")]
    pub kind: OrgKind,
    /// Required for partners.
    #[schema(value_type = Option<String>, example = "water_and_wastewater_systems")]
    #[serde(default)]
    pub sector: Option<Sector>,
    /// Mark an agency as a reviewing agency (default false).
    #[serde(default)]
    pub reviewing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub org_id: Uuid,
    pub username: String,
    pub display_name: String,
    /// human or service.
    #[schema(value_type = String, example = "human")]
    pub kind: PrincipalKind,
    #[schema(value_type = Vec<String>, example = json!(["analyst"]))]
    pub roles: RoleSet,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: String,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        UserOut {
            id: u.id,
            org_id: u.org_id,
            username: u.username,
            display_name: u.display_name,
            kind: u.kind,
            roles: u.roles,
            disabled: u.disabled,
            has_password: u.has_password,
            created_at: ts(u.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub username: String,
    pub display_name: String,
    /// human (default) or service.
    #[schema(value_type = Option<String>, example = "service")]
    #[serde(default = "human")]
    pub kind: PrincipalKind,
    #[schema(value_type = Vec<String>, example = json!(["analyst"]))]
    #[serde(default)]
    pub roles: Vec<Role>,
}

fn human() -> PrincipalKind {
    PrincipalKind::Human
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
    pub display_name: Option<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub roles: Option<Vec<Role>>,
    pub disabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordIn {
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<TokenInfo> for TokenOut {
    fn from(t: TokenInfo) -> Self {
        TokenOut {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            created_at: ts(t.created_at),
            expires_at: t.expires_at.map(ts),
            revoked_at: t.revoked_at.map(ts),
            last_used_at: t.last_used_at.map(ts),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenIn {
    pub name: String,
    /// RFC 3339; absent means the token does not expire.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, example = "2027-01-01T00:00:00Z")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A new token: the secret is shown here once and never again.
#[derive(Serialize, ToSchema)]
pub struct IssuedTokenOut {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub user_id: Uuid,
    pub username: String,
    #[schema(value_type = String)]
    pub kind: PrincipalKind,
    #[schema(value_type = Vec<String>)]
    pub roles: RoleSet,
    pub org_id: Uuid,
    pub org_name: String,
    #[schema(value_type = String)]
    pub org_kind: OrgKind,
    pub org_reviewing: bool,
}

fn page_of<T, U>(page: Page<T>, f: impl Fn(T) -> U) -> Page<U> {
    Page {
        items: page.items.into_iter().map(f).collect(),
        next: page.next,
    }
}

// ---------------------------------------------------------------------------
// Who am I; organizations; users
// ---------------------------------------------------------------------------

/// Who the caller is, as the policy knows them.
pub fn me(who: &Principal) -> MeOut {
    MeOut {
        user_id: who.user_id,
        username: who.username.clone(),
        kind: who.kind,
        roles: who.roles.clone(),
        org_id: who.org_id,
        org_name: who.org_name.clone(),
        org_kind: who.org_kind,
        org_reviewing: who.org_reviewing,
    }
}

/// An organization that exists, else 404 (whether it may be read is asked
/// separately: listing users asks `user.list` of it, not `organization.read`).
async fn known_org(app: &App, id: Uuid) -> AppResult<Organization> {
    app.store
        .organization(id)
        .await
        .map_err(not_found_as("organization"))
}

/// The directory of organizations in the program, a page at a time.
pub async fn list_organizations(
    app: &App,
    who: &Principal,
    page: PageRequest,
) -> AppResult<Page<OrganizationOut>> {
    app.authorize(who, Action::OrganizationList, &Resource::Program)?;
    let page = app.store.organizations(page).await?;
    Ok(page_of(page, OrganizationOut::from))
}

/// Admits an organization to the program (operator administrators).
/// An agency's place under the directives, as the operator sets it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectiveProfileIn {
    /// `civilian` (CISA's directives bind it) or `national_security`.
    pub agency_track: String,
    /// Issues the directives (CISA).
    #[serde(default)]
    pub issues_directives: bool,
    /// An IANA time zone, e.g. `America/New_York`; null for UTC.
    pub time_zone: Option<String>,
}

/// Sets an agency's track, issuer flag and time zone: the operator's admins
/// only (the policy's `organization.create` on the program: like admitting
/// an organization, it decides what the organization may see), so an agency
/// cannot make itself the issuer.
pub async fn set_directive_profile(
    app: &App,
    who: &Acting,
    org: Uuid,
    body: DirectiveProfileIn,
) -> AppResult<OrganizationOut> {
    app.authorize(
        &who.principal,
        Action::OrganizationCreate,
        &Resource::Program,
    )?;
    let track: bulwark_core::AgencyTrack = crate::parse_word(&body.agency_track)?;
    let tz = body
        .time_zone
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(t) = tz {
        crate::time_zone(t)?;
    }
    let o = app
        .store
        .set_directive_profile(
            &who.actor,
            org,
            track,
            body.issues_directives,
            tz,
            app.now(),
        )
        .await
        .map_err(crate::not_found_as("organization"))?;
    Ok(o.into())
}

pub async fn create_organization(
    app: &App,
    who: &Acting,
    body: NewOrganizationIn,
) -> AppResult<OrganizationOut> {
    app.authorize(
        &who.principal,
        Action::OrganizationCreate,
        &Resource::Program,
    )?;
    let org = app
        .store
        .create_organization(
            &who.actor,
            &NewOrganization {
                name: body.name,
                kind: body.kind,
                sector: body.sector,
                reviewing: body.reviewing,
            },
            app.now(),
        )
        .await?;
    Ok(org.into())
}

/// An organization the caller may read, else 404.
pub async fn get_organization(app: &App, who: &Principal, id: Uuid) -> AppResult<OrganizationOut> {
    let org = known_org(app, id).await?;
    if !app.permits(who, Action::OrganizationRead, &org_resource(&org)) {
        return Err(AppError::not_found("organization"));
    }
    Ok(org.into())
}

/// An organization's users, a page at a time (404 for an unknown
/// organization, 403 when the policy does not permit listing them).
pub async fn list_users(
    app: &App,
    who: &Principal,
    org_id: Uuid,
    page: PageRequest,
) -> AppResult<Page<UserOut>> {
    let org = known_org(app, org_id).await?;
    app.authorize(who, Action::UserList, &org_resource(&org))?;
    let page = app.store.users(org.id, page).await?;
    Ok(page_of(page, UserOut::from))
}

/// Adds a user to an organization.
pub async fn create_user(
    app: &App,
    who: &Acting,
    org_id: Uuid,
    body: NewUserIn,
) -> AppResult<UserOut> {
    let org = known_org(app, org_id).await?;
    app.authorize(&who.principal, Action::UserCreate, &org_resource(&org))?;
    let user = app
        .store
        .create_user(
            &who.actor,
            &NewUser {
                org_id: org.id,
                username: body.username,
                display_name: body.display_name,
                kind: body.kind,
                roles: RoleSet::new(body.roles),
            },
            app.now(),
        )
        .await?;
    Ok(user.into())
}

/// A user the caller may read, else 404.
pub async fn get_user(app: &App, who: &Principal, id: Uuid) -> AppResult<UserOut> {
    Ok(readable_user(app, who, id).await?.into())
}

/// Changes a user's display name or roles, or disables it (its tokens and
/// sessions stop working at once).
pub async fn update_user(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: UserPatchIn,
) -> AppResult<UserOut> {
    let user = readable_user(app, &who.principal, id).await?;
    app.authorize(&who.principal, Action::UserUpdate, &user_resource(&user))?;
    let change = UserUpdate {
        display_name: body.display_name,
        roles: body.roles.map(RoleSet::new),
        disabled: body.disabled,
    };
    Ok(app
        .store
        .update_user(&who.actor, id, &change, app.now())
        .await?
        .into())
}

/// Sets the password a user signs in to the web pages with.
pub async fn set_password(app: &App, who: &Acting, id: Uuid, body: PasswordIn) -> AppResult<()> {
    let user = readable_user(app, &who.principal, id).await?;
    app.authorize(
        &who.principal,
        Action::UserSetPassword,
        &user_resource(&user),
    )?;
    let hash = hash_password(body.password).await?;
    app.store
        .set_password_hash(&who.actor, id, &hash, app.now())
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// API tokens
// ---------------------------------------------------------------------------

/// A user's tokens (never their secrets), a page at a time.
pub async fn list_tokens(
    app: &App,
    who: &Principal,
    user_id: Uuid,
    page: PageRequest,
) -> AppResult<Page<TokenOut>> {
    let user = readable_user(app, who, user_id).await?;
    app.authorize(who, Action::TokenList, &user_resource(&user))?;
    let page = app.store.tokens(user_id, page).await?;
    Ok(page_of(page, TokenOut::from))
}

/// The caller's own tokens: the account page's list. The caller is signed
/// in, so there is no user to look up, only the policy to ask.
pub async fn own_tokens(
    app: &App,
    who: &Principal,
    page: PageRequest,
) -> AppResult<Page<TokenOut>> {
    app.authorize(who, Action::TokenList, &own_user_resource(who))?;
    let page = app.store.tokens(who.user_id, page).await?;
    Ok(page_of(page, TokenOut::from))
}

/// Issues a token for a user. The answer carries the secret; it is not
/// stored and cannot be shown again.
pub async fn issue_token(
    app: &App,
    who: &Acting,
    user_id: Uuid,
    body: NewTokenIn,
) -> AppResult<IssuedTokenOut> {
    let user = readable_user(app, &who.principal, user_id).await?;
    app.authorize(&who.principal, Action::TokenIssue, &user_resource(&user))?;
    issue(app, who, user_id, body).await
}

/// Issues a token for the caller itself (the account page).
pub async fn issue_own_token(
    app: &App,
    who: &Acting,
    body: NewTokenIn,
) -> AppResult<IssuedTokenOut> {
    app.authorize(
        &who.principal,
        Action::TokenIssue,
        &own_user_resource(&who.principal),
    )?;
    issue(app, who, who.principal.user_id, body).await
}

async fn issue(
    app: &App,
    who: &Acting,
    user_id: Uuid,
    body: NewTokenIn,
) -> AppResult<IssuedTokenOut> {
    let token = new_token()?;
    let info = app
        .store
        .issue_token(
            &who.actor,
            user_id,
            &body.name,
            &token.hash(),
            body.expires_at,
            app.now(),
        )
        .await?;
    Ok(IssuedTokenOut {
        token: token.expose().to_owned(),
        info: info.into(),
    })
}

/// Revokes a token: it is refused from the next request on. A token the
/// caller may not revoke is a 404; one already revoked a conflict.
pub async fn revoke_token(app: &App, who: &Acting, id: Uuid) -> AppResult<TokenOut> {
    let token = app.store.token(id).await.map_err(not_found_as("token"))?;
    if !app.permits(&who.principal, Action::TokenRevoke, &token_resource(&token)) {
        return Err(AppError::not_found("token"));
    }
    Ok(app
        .store
        .revoke_token(&who.actor, id, app.now())
        .await?
        .into())
}

// ---------------------------------------------------------------------------
// Web sessions
// ---------------------------------------------------------------------------

/// The username as sign-in compares it: trimmed, lower case. Interfaces
/// that count attempts per username (the login throttle) key on this.
pub fn login_name(typed: &str) -> String {
    typed.trim().to_ascii_lowercase()
}

/// Longest username looked up at sign-in; longer ones cannot exist.
const MAX_LOGIN_NAME: usize = 64;

/// A sign-in attempt, as the interface received it.
pub struct SignInRequest {
    /// As typed; [`login_name`] is what is looked up.
    pub username: String,
    pub password: String,
    /// The session's CSRF token: made by the interface that draws forms,
    /// kept with the session.
    pub csrf_token: String,
    /// How long the session lasts.
    pub ttl: Duration,
    /// For the audit log.
    pub request_id: Option<String>,
}

/// How a sign-in ended.
pub enum SignIn {
    /// A session was opened; its secret goes to the browser and is stored
    /// only as a hash.
    Opened { secret: ApiToken },
    /// Refused, without saying why. `attempted` is the username as it may
    /// be shown back (control characters replaced, at most 64 characters).
    Refused { attempted: String },
}

/// Signs a human in with a password and opens a web session (audited as
/// `session.create`). Every refusal is the same and is audited as
/// `session.refused` with the attempted username; the password is checked
/// even for an unknown username, so the time taken does not tell.
pub async fn sign_in(app: &App, req: SignInRequest) -> AppResult<SignIn> {
    let username = login_name(&req.username);
    let (user, hash) = if username.is_empty() || username.len() > MAX_LOGIN_NAME {
        (None, None)
    } else {
        match app.store.user_by_username(&username).await {
            Ok((user, hash)) => (Some(user), hash),
            Err(StoreError::NotFound) => (None, None),
            Err(e) => return Err(e.into()),
        }
    };
    let now = app.now();
    // verify_password spends the time of a check against a dummy hash when
    // there is no stored one.
    let password_ok =
        req.password.len() <= MAX_PASSWORD_BYTES && verify_password(req.password, hash).await;
    let user = user.filter(|u| password_ok && !u.disabled && u.kind == PrincipalKind::Human);

    let Some(user) = user else {
        let attempted: String = username
            .chars()
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .take(MAX_LOGIN_NAME)
            .collect();
        let actor = Actor {
            user: None,
            org: None,
            request_id: req.request_id,
        };
        let event = AuditEvent::new("session.refused", "user", &attempted);
        if let Err(e) = app.store.audit(&actor, event, to_micros(app.now())).await {
            tracing::error!(error = %e, "could not record a refused sign-in");
        }
        return Ok(SignIn::Refused { attempted });
    };

    let secret = ApiToken::from_random(SESSION_PREFIX, random_bytes()?);
    let actor = Actor {
        user: Some(user.id),
        org: Some(user.org_id),
        request_id: req.request_id,
    };
    app.store
        .create_session(
            &actor,
            user.id,
            &secret.hash(),
            &req.csrf_token,
            now + req.ttl,
            now,
        )
        .await?;
    Ok(SignIn::Opened { secret })
}

/// Ends the caller's web session (audited as `session.delete`).
pub async fn sign_out(app: &App, who: &Acting, session: &TokenHash) -> AppResult<()> {
    app.store
        .delete_session(&who.actor, session, app.now())
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The operator on the database's own machine (`bulwark admin …`)
// ---------------------------------------------------------------------------

/// A store failure told to the operator at the database's own console: the
/// usual kind, with the store's whole message (and its causes) as the
/// detail. An API client never sees these; the operator needs them.
pub(crate) fn for_operator(e: StoreError) -> AppError {
    let kind = match &e {
        StoreError::NotFound => ErrorKind::NotFound,
        StoreError::Conflict(_) | StoreError::AlreadyBootstrapped => ErrorKind::Conflict,
        StoreError::Invalid(_) => ErrorKind::Validation,
        StoreError::Contention(_) => ErrorKind::Unavailable,
        _ => ErrorKind::Internal,
    };
    let mut detail = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        detail.push_str(": ");
        detail.push_str(&c.to_string());
        cause = c.source();
    }
    AppError::new(kind, detail)
}

/// What the first bootstrap made: the operator organization, its
/// administrator and the administrator's API token (its secret shown once).
pub struct Bootstrapped {
    pub org: Organization,
    pub user: User,
    pub token: ApiToken,
}

/// Creates the first operator organization and its administrator, with an
/// API token. Refused (a conflict) once an operator organization exists.
/// Run by the operator on the database directly, so no policy is asked.
pub async fn bootstrap(
    store: &Store,
    org_name: String,
    username: String,
    display_name: String,
    now: OffsetDateTime,
) -> AppResult<Bootstrapped> {
    let token = new_token()?;
    let b = Bootstrap {
        org_name,
        username,
        display_name,
        token_hash: token.hash(),
    };
    let (org, user, _) = store.bootstrap(&b, now).await.map_err(for_operator)?;
    Ok(Bootstrapped { org, user, token })
}

/// Sets a user's web password by username, as the operator on the
/// database directly (audited with no acting user). An unknown username is
/// [`ErrorKind::NotFound`], a password too short or too long a validation
/// error.
pub async fn set_password_direct(
    store: &Store,
    username: &str,
    password: String,
    now: OffsetDateTime,
) -> AppResult<User> {
    let (user, _) = store
        .user_by_username(username)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                AppError::new(ErrorKind::NotFound, format!("no user named {username:?}"))
            }
            other => for_operator(other),
        })?;
    let hash = hash_password(password).await?;
    store
        .set_password_hash(&Actor::cli(), user.id, &hash, now)
        .await
        .map_err(for_operator)?;
    Ok(user)
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

/// 256 bits from the operating system's generator.
pub fn random_bytes() -> AppResult<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        AppError::internal()
    })?;
    Ok(b)
}

/// A fresh API token.
pub fn new_token() -> AppResult<ApiToken> {
    Ok(ApiToken::from_random(
        bulwark_core::secret::TOKEN_PREFIX,
        random_bytes()?,
    ))
}

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask more).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, to bound the hashing work an attacker can demand.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes a password with argon2id (the crate's default parameters, the
/// OWASP-recommended 19 MiB, 2 passes) off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::validation(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::validation(format!(
            "password must be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let salt_bytes = random_bytes()?;
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&salt_bytes[..16]).map_err(|_| AppError::internal())?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| AppError::internal())
    })
    .await
    .map_err(|_| AppError::internal())?
}

/// Checks a password against a stored hash, off the async threads. Any
/// failure to parse the stored hash counts as a mismatch.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    // Without a stored hash we still spend the time of a check, so that the
    // response time does not tell which usernames exist.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ht6y1xZ0hNn9A4YtZcUuBl0y9wS5Dm7eYdGq3s7u0Xs";
    let has = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY.to_owned());
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && has
    })
    .await
    .unwrap_or(false)
}
