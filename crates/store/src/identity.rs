//! Organizations, users, API tokens and web sessions.

use bulwark_core::{
    AgencyTrack, AuditEvent, OrgKind, Principal, PrincipalKind, RoleSet, Sector, TokenHash,
    from_micros, to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{
    Actor, MIN_ID, Page, PageRequest, Result, Store, StoreError, paginate, parse_col, with_pool,
    write_tx,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
    /// One of the reviewing agencies (Treasury, NSA, CISA): writes benchmark
    /// sets and reviews models. Only agencies can be.
    pub reviewing: bool,
    /// For an agency: whose directives bind it (civilian unless set).
    pub agency_track: Option<AgencyTrack>,
    /// Issues the directives (CISA). Only an agency can.
    pub issues_directives: bool,
    /// The IANA time zone its dates are shown in; UTC when `None`.
    pub time_zone: Option<String>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrgKind,
    pub sector: Option<Sector>,
    pub reviewing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub org_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub kind: PrincipalKind,
    pub roles: RoleSet,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub org_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub kind: PrincipalKind,
    pub roles: RoleSet,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub roles: Option<RoleSet>,
    pub disabled: Option<bool>,
}

/// An API token as listed: never its secret, which is shown once at issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: Uuid,
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

/// The first operator organization, its first administrator and token.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub org_name: String,
    pub username: String,
    pub display_name: String,
    pub token_hash: TokenHash,
}

/// A signed-in web session.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: Uuid,
    name: String,
    kind: String,
    sector: Option<String>,
    reviewing: bool,
    agency_track: Option<String>,
    issues_directives: bool,
    time_zone: Option<String>,
    created_at: i64,
}

impl TryFrom<OrgRow> for Organization {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Self> {
        Ok(Organization {
            id: r.id,
            name: r.name,
            kind: parse_col("organizations.kind", &r.kind)?,
            sector: r
                .sector
                .as_deref()
                .map(|s| parse_col("organizations.sector", s))
                .transpose()?,
            reviewing: r.reviewing,
            agency_track: r
                .agency_track
                .as_deref()
                .map(|s| parse_col("organizations.agency_track", s))
                .transpose()?,
            issues_directives: r.issues_directives,
            time_zone: r.time_zone,
            created_at: from_micros(r.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    org_id: Uuid,
    username: String,
    display_name: String,
    kind: String,
    roles: String,
    disabled: bool,
    password_hash: Option<String>,
    created_at: i64,
}

impl UserRow {
    fn into_user(self) -> Result<(User, Option<String>)> {
        let user = User {
            id: self.id,
            org_id: self.org_id,
            username: self.username,
            display_name: self.display_name,
            kind: PrincipalKind::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("users.kind = {:?}", self.kind)))?,
            roles: RoleSet::from_words(&self.roles)
                .map_err(|e| StoreError::Corrupt(format!("users.roles: {e}")))?,
            disabled: self.disabled,
            has_password: self.password_hash.is_some(),
            created_at: from_micros(self.created_at),
        };
        Ok((user, self.password_hash))
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    org_id: Uuid,
    name: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for TokenInfo {
    fn from(r: TokenRow) -> Self {
        TokenInfo {
            id: r.id,
            user_id: r.user_id,
            org_id: r.org_id,
            name: r.name,
            created_at: from_micros(r.created_at),
            expires_at: r.expires_at.map(from_micros),
            revoked_at: r.revoked_at.map(from_micros),
            last_used_at: r.last_used_at.map(from_micros),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    user_id: Uuid,
    username: String,
    kind: String,
    roles: String,
    org_id: Uuid,
    org_name: String,
    org_kind: String,
    org_reviewing: bool,
    org_issues_directives: bool,
}

impl TryFrom<PrincipalRow> for Principal {
    type Error = StoreError;
    fn try_from(r: PrincipalRow) -> Result<Self> {
        Ok(Principal {
            user_id: r.user_id,
            username: r.username,
            kind: PrincipalKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("users.kind = {:?}", r.kind)))?,
            org_id: r.org_id,
            org_name: r.org_name,
            org_kind: parse_col("organizations.kind", &r.org_kind)?,
            org_reviewing: r.org_reviewing,
            org_issues_directives: r.org_issues_directives,
            roles: RoleSet::from_words(&r.roles)
                .map_err(|e| StoreError::Corrupt(format!("users.roles: {e}")))?,
        })
    }
}

const ORG_COLUMNS: &str =
    "id, name, kind, sector, reviewing, agency_track, issues_directives, time_zone, created_at";
const USER_COLUMNS: &str =
    "id, org_id, username, display_name, kind, roles, disabled, password_hash, created_at";
const TOKEN_SELECT: &str = "SELECT t.id, t.user_id, u.org_id, t.name, t.created_at, t.expires_at, \
     t.revoked_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";
const PRINCIPAL_SELECT: &str = "SELECT u.id AS user_id, u.username, u.kind, u.roles, \
     o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.reviewing AS org_reviewing, o.issues_directives AS org_issues_directives \
     FROM users u JOIN organizations o ON o.id = u.org_id";

/// Checks a display name or organization name: present, not absurdly long,
/// no control characters (they would corrupt logs and pages).
fn check_name(what: &str, s: &str) -> Result<()> {
    let t = s.trim();
    if t.is_empty() {
        return Err(StoreError::Invalid(format!("{what} must not be empty")));
    }
    if t.chars().count() > 200 {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than 200 characters"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(())
}

/// Usernames are short, lowercase and unambiguous: `[a-z0-9][a-z0-9._-]{1,63}`.
fn check_username(s: &str) -> Result<()> {
    let ok = (2..=64).contains(&s.len())
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "username {s:?} must be 2 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
        )))
    }
}

fn check_org(new: &NewOrganization) -> Result<()> {
    check_name("organization name", &new.name)?;
    if new.reviewing && new.kind != OrgKind::Agency {
        return Err(StoreError::Invalid(
            "only an agency can be a reviewing agency".into(),
        ));
    }
    if new.kind == OrgKind::Partner && new.sector.is_none() {
        return Err(StoreError::Invalid(
            "a partner organization must name its critical-infrastructure sector".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Creates the first operator organization, its administrator and an API
    /// token for it. Refused once any operator organization exists.
    pub async fn bootstrap(
        &self,
        b: &Bootstrap,
        now: OffsetDateTime,
    ) -> Result<(Organization, User, TokenInfo)> {
        let org = NewOrganization {
            name: b.org_name.clone(),
            kind: OrgKind::Operator,
            sector: None,
            reviewing: false,
        };
        check_org(&org)?;
        check_username(&b.username)?;
        check_name("display name", &b.display_name)?;
        let at = to_micros(now);
        let org_id = Uuid::now_v7();
        let user_id = Uuid::now_v7();
        let token_id = Uuid::now_v7();
        let roles = RoleSet::new([bulwark_core::Role::Admin]);
        write_tx!(self, tx => {
            let (existing,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM organizations WHERE kind = 'operator'")
                    .fetch_one(&mut *tx)
                    .await?;
            if existing > 0 {
                return Err(StoreError::AlreadyBootstrapped);
            }
            sqlx::query("INSERT INTO organizations (id, name, kind, sector, created_at) VALUES ($1, $2, 'operator', NULL, $3)")
                .bind(org_id).bind(org.name.trim()).bind(at)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO users (id, org_id, username, display_name, kind, roles, disabled, created_at) \
                         VALUES ($1, $2, $3, $4, 'human', $5, FALSE, $6)")
                .bind(user_id).bind(org_id).bind(&b.username).bind(b.display_name.trim())
                .bind(roles.to_words()).bind(at)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, 'bootstrap', $3, $4)")
                .bind(token_id).bind(user_id).bind(b.token_hash.as_str()).bind(at)
                .execute(&mut *tx).await?;
            let actor = Actor::cli();
            append_audit!(tx, &actor, AuditEvent::new("program.bootstrap", "organization", org_id)
                .with_detail(json!({"name": org.name.trim(), "kind": "operator"})), at);
            append_audit!(tx, &actor, AuditEvent::new("user.create", "user", user_id)
                .with_detail(json!({"username": b.username, "org": org_id, "roles": roles.to_words()})), at);
            append_audit!(tx, &actor, AuditEvent::new("token.issue", "token", token_id)
                .with_detail(json!({"user": user_id, "name": "bootstrap"})), at);
        });
        Ok((
            self.organization(org_id).await?,
            self.user(user_id).await?,
            self.token(token_id).await?,
        ))
    }

    pub async fn create_organization(
        &self,
        actor: &Actor,
        new: &NewOrganization,
        now: OffsetDateTime,
    ) -> Result<Organization> {
        check_org(new)?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            // An agency is on the civilian track until the operator says otherwise.
            let track = (new.kind == OrgKind::Agency).then_some(AgencyTrack::Civilian.as_str());
            sqlx::query("INSERT INTO organizations (id, name, kind, sector, reviewing, agency_track, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id).bind(new.name.trim()).bind(new.kind.as_str())
                .bind(new.sector.map(|s| s.as_str())).bind(new.reviewing).bind(track).bind(at)
                .execute(&mut *tx).await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("an organization named {:?} exists", new.name.trim())),
                    other => other,
                })?;
            append_audit!(tx, actor, AuditEvent::new("organization.create", "organization", id)
                .with_detail(json!({"name": new.name.trim(), "kind": new.kind, "sector": new.sector, "reviewing": new.reviewing})), at);
        });
        self.organization(id).await
    }

    /// Sets an agency's place under the directives: its track, whether it
    /// issues them (CISA) and the time zone its dates are shown in. Refuses
    /// any of it for an organization that is not an agency, and a time zone
    /// that is not an IANA name's shape (the caller checks it is known).
    pub async fn set_directive_profile(
        &self,
        actor: &Actor,
        org: Uuid,
        track: AgencyTrack,
        issues_directives: bool,
        time_zone: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Organization> {
        let current = self.organization(org).await?;
        if current.kind != OrgKind::Agency {
            return Err(StoreError::Invalid(
                "only an agency has a track under the directives or issues them".into(),
            ));
        }
        if let Some(tz) = time_zone
            && (tz.is_empty()
                || tz.len() > 64
                || !tz
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b)))
        {
            return Err(StoreError::Invalid(format!(
                "time zone {tz:?} is not an IANA zone name such as America/New_York"
            )));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query("UPDATE organizations SET agency_track = $2, issues_directives = $3, time_zone = $4 WHERE id = $1")
                .bind(org).bind(track.as_str()).bind(issues_directives).bind(time_zone)
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("organization.directive_profile", "organization", org)
                .with_detail(json!({"agency_track": track.as_str(), "issues_directives": issues_directives, "time_zone": time_zone})), at);
        });
        self.organization(org).await
    }

    pub async fn organization(&self, id: Uuid) -> Result<Organization> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"
        ));
        let row: Option<OrgRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Organizations ordered by id (creation order).
    pub async fn organizations(&self, page: PageRequest) -> Result<Page<Organization>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE id > $1 ORDER BY id LIMIT $2"
        ));
        let rows: Vec<OrgRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(Organization::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |o| o.id))
    }

    pub async fn create_user(
        &self,
        actor: &Actor,
        new: &NewUser,
        now: OffsetDateTime,
    ) -> Result<User> {
        check_username(&new.username)?;
        check_name("display name", &new.display_name)?;
        let org = match self.organization(new.org_id).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::Invalid(format!(
                    "organization {} does not exist",
                    new.org_id
                )));
            }
            other => other?,
        };
        if new.roles.contains(bulwark_core::Role::Auditor) && org.kind != OrgKind::Operator {
            return Err(StoreError::Invalid(
                "the auditor role exists only in the operator organization".into(),
            ));
        }
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO users (id, org_id, username, display_name, kind, roles, disabled, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7)")
                .bind(id).bind(new.org_id).bind(&new.username).bind(new.display_name.trim())
                .bind(new.kind.as_str()).bind(new.roles.to_words()).bind(at)
                .execute(&mut *tx).await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("username {:?} is taken", new.username)),
                    other => other,
                })?;
            append_audit!(tx, actor, AuditEvent::new("user.create", "user", id)
                .with_detail(json!({"username": new.username, "org": new.org_id, "kind": new.kind, "roles": new.roles.to_words()})), at);
        });
        self.user(id).await
    }

    pub async fn user(&self, id: Uuid) -> Result<User> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
        let row: Option<UserRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.ok_or(StoreError::NotFound)?.into_user()?.0)
    }

    /// A user and its password hash, for signing in.
    pub async fn user_by_username(&self, username: &str) -> Result<(User, Option<String>)> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ));
        let row: Option<UserRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(username).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.into_user()
    }

    /// The users of one organization, ordered by id.
    pub async fn users(&self, org_id: Uuid, page: PageRequest) -> Result<Page<User>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        ));
        let rows: Vec<UserRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(org_id).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(|r| r.into_user().map(|(u, _)| u))
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |u| u.id))
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &UserUpdate,
        now: OffsetDateTime,
    ) -> Result<User> {
        let current = self.user(id).await?;
        if let Some(name) = &change.display_name {
            check_name("display name", name)?;
        }
        if let Some(roles) = &change.roles
            && roles.contains(bulwark_core::Role::Auditor)
            && self.organization(current.org_id).await?.kind != OrgKind::Operator
        {
            return Err(StoreError::Invalid(
                "the auditor role exists only in the operator organization".into(),
            ));
        }
        let display_name = change
            .display_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.display_name)
            .to_owned();
        let roles = change
            .roles
            .clone()
            .unwrap_or_else(|| current.roles.clone());
        let disabled = change.disabled.unwrap_or(current.disabled);
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query("UPDATE users SET display_name = $1, roles = $2, disabled = $3 WHERE id = $4")
                .bind(&display_name).bind(roles.to_words()).bind(disabled).bind(id)
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("user.update", "user", id)
                .with_detail(json!({
                    "display_name": change.display_name.as_ref().map(|_| &display_name),
                    "roles": change.roles.as_ref().map(|r| r.to_words()),
                    "disabled": change.disabled,
                })), at);
        });
        self.user(id).await
    }

    /// Stores a password hash (argon2id, computed by the caller: this crate
    /// never sees a password). The audit entry records that it changed, not the hash.
    pub async fn set_password_hash(
        &self,
        actor: &Actor,
        user_id: Uuid,
        hash: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash).bind(user_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("user.set_password", "user", user_id), at);
        });
        Ok(())
    }

    /// Records a new token by its hash. The secret itself never reaches the store.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        user_id: Uuid,
        name: &str,
        hash: &TokenHash,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<TokenInfo> {
        check_name("token name", name)?;
        if expires_at.is_some_and(|e| e <= now) {
            return Err(StoreError::Invalid(
                "expires_at must be in the future".into(),
            ));
        }
        self.user(user_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(format!("user {user_id} does not exist")),
            other => other,
        })?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(user_id).bind(name.trim()).bind(hash.as_str()).bind(at)
                .bind(expires_at.map(to_micros))
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("token.issue", "token", id)
                .with_detail(json!({"user": user_id, "name": name.trim(), "expires_at": expires_at.map(bulwark_core::rfc3339)})), at);
        });
        self.token(id).await
    }

    pub async fn token(&self, id: Uuid) -> Result<TokenInfo> {
        let sql = sqlx::AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.id = $1"));
        let row: Option<TokenRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// A user's tokens, revoked and expired ones included, ordered by id.
    pub async fn tokens(&self, user_id: Uuid, page: PageRequest) -> Result<Page<TokenInfo>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "{TOKEN_SELECT} WHERE t.user_id = $1 AND t.id > $2 ORDER BY t.id LIMIT $3"
        ));
        let rows: Vec<TokenRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(user_id).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        Ok(paginate(
            rows.into_iter().map(TokenInfo::from).collect(),
            limit,
            |t| t.id,
        ))
    }

    /// Revokes a token; it is refused from the next request on.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<TokenInfo> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_tokens WHERE id = $1")
                    .bind(id).fetch_one(&mut *tx).await?;
                return Err(if n == 0 { StoreError::NotFound } else { StoreError::Conflict("token is already revoked".into()) });
            }
            append_audit!(tx, actor, AuditEvent::new("token.revoke", "token", id), at);
        });
        self.token(id).await
    }

    /// The principal a presented token stands for, if the token is known, not
    /// revoked, not expired, and its user not disabled. Also returns the
    /// token's id and when it was last used.
    pub async fn authenticate_token(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<(Principal, Uuid, Option<OffsetDateTime>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            token_id: Uuid,
            last_used_at: Option<i64>,
            #[sqlx(flatten)]
            principal: PrincipalRow,
        }
        let at = to_micros(now);
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT t.id AS token_id, t.last_used_at, u.id AS user_id, u.username, u.kind, u.roles, \
                 o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.reviewing AS org_reviewing, o.issues_directives AS org_issues_directives \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN organizations o ON o.id = u.org_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
                 AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled = FALSE",
            )
            .bind(hash.as_str()).bind(at)
            .fetch_optional(pool).await?
        });
        row.map(|r| {
            Ok((
                r.principal.try_into()?,
                r.token_id,
                r.last_used_at.map(from_micros),
            ))
        })
        .transpose()
    }

    /// Notes that a token was used. Not audited: it is not a change anyone
    /// made, and callers throttle it so reads do not become writes.
    pub async fn touch_token(&self, id: Uuid, now: OffsetDateTime) -> Result<()> {
        let _turn = self.write_turn().await?;
        with_pool!(self, pool => {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(to_micros(now)).bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// The principal for a user id, if the user exists and is not disabled.
    pub async fn principal(&self, user_id: Uuid) -> Result<Option<Principal>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{PRINCIPAL_SELECT} WHERE u.id = $1 AND u.disabled = FALSE"
        ));
        let row: Option<PrincipalRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await?
        });
        row.map(Principal::try_from).transpose()
    }

    /// Opens a web session (a sign-in), audited.
    pub async fn create_session(
        &self,
        actor: &Actor,
        user_id: Uuid,
        id_hash: &TokenHash,
        csrf_token: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1").bind(at).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id_hash.as_str()).bind(user_id).bind(csrf_token).bind(at).bind(to_micros(expires_at))
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("session.create", "user", user_id), at);
        });
        Ok(())
    }

    /// The live session with this id hash, if any.
    pub async fn session(
        &self,
        id_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<Session>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            csrf_token: String,
            expires_at: i64,
            #[sqlx(flatten)]
            principal: PrincipalRow,
        }
        let row: Option<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT s.csrf_token, s.expires_at, u.id AS user_id, u.username, u.kind, u.roles, \
                 o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.reviewing AS org_reviewing, o.issues_directives AS org_issues_directives \
                 FROM web_sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.org_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(id_hash.as_str()).bind(to_micros(now))
            .fetch_optional(pool).await?
        });
        row.map(|r| {
            Ok(Session {
                principal: r.principal.try_into()?,
                csrf_token: r.csrf_token,
                expires_at: from_micros(r.expires_at),
            })
        })
        .transpose()
    }

    /// Ends a session (sign-out), audited when there was one.
    pub async fn delete_session(
        &self,
        actor: &Actor,
        id_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
                .bind(id_hash.as_str()).execute(&mut *tx).await?;
            if done.rows_affected() > 0 && let Some(user) = actor.user {
                append_audit!(tx, actor, AuditEvent::new("session.delete", "user", user), at);
            }
        });
        Ok(())
    }
}
