//! Advisories the clearinghouse writes from its cases: drafted, edited,
//! moved through draft → interim → final, released to the case's parties
//! while it is embargoed and made public at the marking chosen for
//! publication.
//!
//! The store keeps the content and tracking as JSON text it never reads
//! (their model is `bulwark-distribution`'s, which the store may not know),
//! and the exact documents of the last published revision (CSAF, OSV, and
//! VEX/OpenVEX when there are any), so that serving never regenerates them.
//! What a change means (which revision, which documents) is the caller's;
//! the store checks only what keeps rows consistent: tracking ids unique
//! and gap-free per year, a change applied to the row the caller read
//! (`expected_updated_at`), and a public advisory never made public twice.
//! Every change is audited in its transaction.

use bulwark_core::{AuditEvent, Tlp, from_micros, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// An advisory as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCaseAdvisory {
    pub id: Uuid,
    pub case_id: Uuid,
    /// `BWK-<year>-<sequence>`.
    pub tracking_id: String,
    /// `draft`, `interim` or `final`.
    pub status: String,
    /// `AdvisoryContent` as JSON.
    pub content: String,
    /// `Tracking` as JSON.
    pub tracking: String,
    /// The marking it is (or will be) public at.
    pub publication_tlp: Tlp,
    /// The organization that wrote it (the clearinghouse).
    pub owner_org: Uuid,
    /// When the case's parties got it (under embargo, or at publication).
    pub released_at: Option<OffsetDateTime>,
    /// When it became public at `publication_tlp`.
    pub published_at: Option<OffsetDateTime>,
    pub csaf: Option<String>,
    pub osv: Option<String>,
    pub vex: Option<String>,
    pub openvex: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One revision: what was published (or drafted) under that number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryRevision {
    pub advisory_id: Uuid,
    pub number: u32,
    pub at: OffsetDateTime,
    pub summary: String,
    pub status: String,
    pub content: String,
    pub csaf: Option<String>,
    pub osv: Option<String>,
    pub by_user: Option<Uuid>,
}

/// Every advisory whose `published_at` is set, at its published marking:
/// what the CSAF provider and the OSV feed serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedAdvisory {
    pub id: Uuid,
    pub case_id: Uuid,
    pub tracking_id: String,
    pub tlp: Tlp,
    /// UTC µs.
    pub initial_release_date: i64,
    /// UTC µs.
    pub current_release_date: i64,
    pub csaf: String,
    pub osv: String,
}

/// A new advisory for a case: revision 1, `draft`.
#[derive(Debug, Clone)]
pub struct NewCaseAdvisory {
    pub case_id: Uuid,
    pub owner_org: Uuid,
    pub content: String,
    pub publication_tlp: Tlp,
    /// Revision 1's summary.
    pub summary: String,
}

/// A revision to write (inserted, or replaced when its number exists: an
/// unpublished revision 1 is rewritten at first publication).
#[derive(Debug, Clone)]
pub struct NewAdvisoryRevision {
    pub number: u32,
    pub at: OffsetDateTime,
    pub summary: String,
    pub csaf: Option<String>,
    pub osv: Option<String>,
}

/// The documents of the revision now published.
#[derive(Debug, Clone)]
pub struct AdvisoryDocuments {
    pub csaf: String,
    pub osv: String,
    pub vex: Option<String>,
    pub openvex: Option<String>,
}

/// A change of an advisory, as the caller computed it.
#[derive(Debug, Clone)]
pub struct AdvisoryChange {
    /// The audit action, e.g. `advisory.edit`.
    pub event: &'static str,
    /// The `updated_at` the caller read; another change since is a conflict.
    pub expected_updated_at: OffsetDateTime,
    pub status: String,
    pub content: String,
    pub tracking: String,
    pub publication_tlp: Tlp,
    pub revision: Option<NewAdvisoryRevision>,
    pub documents: Option<AdvisoryDocuments>,
    /// Set when it becomes visible to the parties (kept once set).
    pub released_at: Option<OffsetDateTime>,
    /// Set when it becomes public (kept once set).
    pub published_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct AdvisoryRow {
    id: Uuid,
    case_id: Uuid,
    tracking_id: String,
    status: String,
    content: String,
    tracking: String,
    publication_tlp: String,
    owner_org: Uuid,
    released_at: Option<i64>,
    published_at: Option<i64>,
    csaf: Option<String>,
    osv: Option<String>,
    vex: Option<String>,
    openvex: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<AdvisoryRow> for StoredCaseAdvisory {
    type Error = StoreError;
    fn try_from(r: AdvisoryRow) -> Result<Self> {
        Ok(StoredCaseAdvisory {
            id: r.id,
            case_id: r.case_id,
            tracking_id: r.tracking_id,
            status: r.status,
            content: r.content,
            tracking: r.tracking,
            publication_tlp: parse_col("case_advisories.publication_tlp", &r.publication_tlp)?,
            owner_org: r.owner_org,
            released_at: r.released_at.map(from_micros),
            published_at: r.published_at.map(from_micros),
            csaf: r.csaf,
            osv: r.osv,
            vex: r.vex,
            openvex: r.openvex,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    advisory_id: Uuid,
    number: i32,
    at: i64,
    summary: String,
    status: String,
    content: String,
    csaf: Option<String>,
    osv: Option<String>,
    by_user: Option<Uuid>,
}

const SELECT: &str = "SELECT id, case_id, tracking_id, status, content, tracking, publication_tlp, \
    owner_org, released_at, published_at, csaf, osv, vex, openvex, created_at, updated_at \
    FROM case_advisories";

const STATUSES: [&str; 3] = ["draft", "interim", "final"];

fn check_status(s: &str) -> Result<()> {
    if STATUSES.contains(&s) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "status must be one of draft, interim, final, not {s:?}"
        )))
    }
}

fn check_tlp(t: Tlp) -> Result<()> {
    if t == Tlp::Red {
        return Err(StoreError::Invalid(
            "an advisory is not published at TLP:RED: it names no individual recipients".into(),
        ));
    }
    Ok(())
}

/// The tracking id for `year`'s `n`th advisory: four digits at least.
pub fn tracking_id(year: i32, n: i64) -> String {
    format!("BWK-{year}-{n:04}")
}

impl Store {
    /// Drafts a case's advisory: takes the year's next tracking id (the
    /// counter row moves in this transaction), writes the advisory with the
    /// tracking JSON `tracking(id)` gives and its revision 1, audited.
    /// [`StoreError::NotFound`] for an unknown case, [`StoreError::Conflict`]
    /// when the case has one already.
    pub async fn create_case_advisory(
        &self,
        actor: &Actor,
        new: &NewCaseAdvisory,
        tracking: impl Fn(&str) -> String,
        now: OffsetDateTime,
    ) -> Result<StoredCaseAdvisory> {
        check_tlp(new.publication_tlp)?;
        let at = to_micros(now);
        let id = Uuid::now_v7();
        let year = now.year();
        write_tx!(self, tx => {
            let exists: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM cases WHERE id = $1")
                .bind(new.case_id).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let had: Option<(String,)> = sqlx::query_as("SELECT tracking_id FROM case_advisories WHERE case_id = $1")
                .bind(new.case_id).fetch_optional(&mut *tx).await?;
            if let Some((tid,)) = had {
                return Err(StoreError::Conflict(format!("the case has an advisory already: {tid}")));
            }
            let (n,): (i64,) = sqlx::query_as(
                "INSERT INTO advisory_counters (year, last) VALUES ($1, 1) \
                 ON CONFLICT (year) DO UPDATE SET last = advisory_counters.last + 1 RETURNING last",
            )
            .bind(year).fetch_one(&mut *tx).await?;
            let tid = tracking_id(year, n);
            sqlx::query(
                "INSERT INTO case_advisories (id, case_id, tracking_id, status, content, tracking, \
                 publication_tlp, owner_org, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $8)",
            )
            .bind(id).bind(new.case_id).bind(&tid).bind(&new.content).bind(tracking(&tid))
            .bind(new.publication_tlp.as_str()).bind(new.owner_org).bind(at)
            .execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO case_advisory_revisions (advisory_id, number, at, summary, status, content, by_user) \
                 VALUES ($1, 1, $2, $3, 'draft', $4, $5)",
            )
            .bind(id).bind(at).bind(&new.summary).bind(&new.content).bind(actor.user)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("advisory.draft", "advisory", id.to_string())
                .with_detail(json!({"case": new.case_id, "tracking_id": tid})), at);
        });
        self.case_advisory(id).await
    }

    /// Applies `change` to advisory `id` if nobody changed it since the
    /// caller read it (else [`StoreError::Conflict`]), with its revision and
    /// documents, audited. `released_at` and `published_at` are kept once set.
    pub async fn save_case_advisory(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &AdvisoryChange,
        now: OffsetDateTime,
    ) -> Result<StoredCaseAdvisory> {
        check_status(&change.status)?;
        check_tlp(change.publication_tlp)?;
        let at = to_micros(now);
        let docs = change.documents.as_ref();
        write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE case_advisories SET status = $1, content = $2, tracking = $3, publication_tlp = $4, \
                 csaf = COALESCE($5, csaf), osv = COALESCE($6, osv), \
                 vex = CASE WHEN $5 IS NULL THEN vex ELSE $7 END, \
                 openvex = CASE WHEN $5 IS NULL THEN openvex ELSE $8 END, \
                 released_at = COALESCE(released_at, $9), published_at = COALESCE(published_at, $10), \
                 updated_at = $11 WHERE id = $12 AND updated_at = $13",
            )
            .bind(&change.status).bind(&change.content).bind(&change.tracking)
            .bind(change.publication_tlp.as_str())
            .bind(docs.map(|d| d.csaf.as_str())).bind(docs.map(|d| d.osv.as_str()))
            .bind(docs.and_then(|d| d.vex.as_deref())).bind(docs.and_then(|d| d.openvex.as_deref()))
            .bind(change.released_at.map(to_micros)).bind(change.published_at.map(to_micros))
            .bind(at).bind(id).bind(to_micros(change.expected_updated_at))
            .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                let exists: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM case_advisories WHERE id = $1")
                    .bind(id).fetch_optional(&mut *tx).await?;
                return Err(match exists {
                    None => StoreError::NotFound,
                    Some(_) => StoreError::Conflict(
                        "the advisory was changed meanwhile; read it again and redo the change".into(),
                    ),
                });
            }
            if let Some(r) = &change.revision {
                let number = i32::try_from(r.number)
                    .map_err(|_| StoreError::Invalid(format!("revision number {} too large", r.number)))?;
                sqlx::query(
                    "INSERT INTO case_advisory_revisions (advisory_id, number, at, summary, status, content, csaf, osv, by_user) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (advisory_id, number) DO UPDATE SET at = excluded.at, summary = excluded.summary, \
                     status = excluded.status, content = excluded.content, csaf = excluded.csaf, osv = excluded.osv, \
                     by_user = excluded.by_user",
                )
                .bind(id).bind(number).bind(to_micros(r.at)).bind(&r.summary).bind(&change.status)
                .bind(&change.content).bind(&r.csaf).bind(&r.osv).bind(actor.user)
                .execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new(change.event, "advisory", id.to_string())
                .with_detail(json!({
                    "status": change.status,
                    "tlp": change.publication_tlp.as_str(),
                    "revision": change.revision.as_ref().map(|r| r.number),
                    "released": change.released_at.is_some(),
                    "published": change.published_at.is_some(),
                })), at);
        });
        self.case_advisory(id).await
    }

    /// Makes a released advisory public (its embargo ended): true when this
    /// call did it, false when it was public already or never released. One
    /// conditional statement, so two servers cannot both do it.
    pub async fn make_advisory_public(
        &self,
        actor: &Actor,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = to_micros(now);
        let done = write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE case_advisories SET published_at = $1, updated_at = $1 \
                 WHERE id = $2 AND released_at IS NOT NULL AND published_at IS NULL",
            )
            .bind(at).bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                append_audit!(tx, actor, AuditEvent::new("advisory.publish", "advisory", id.to_string())
                    .with_detail(json!({"embargo_ended": true})), at);
            }
            n == 1
        });
        Ok(done)
    }

    /// One advisory; [`StoreError::NotFound`] when there is none.
    pub async fn case_advisory(&self, id: Uuid) -> Result<StoredCaseAdvisory> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"));
        let row: AdvisoryRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// The advisory of a case, if it has one.
    pub async fn case_advisory_of_case(&self, case: Uuid) -> Result<Option<StoredCaseAdvisory>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE case_id = $1"));
        let row: Option<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(case).fetch_optional(pool).await?
        });
        row.map(TryInto::try_into).transpose()
    }

    /// Every advisory, newest first. One per validated case: the
    /// clearinghouse writes them by hand, so the list stays small.
    pub async fn case_advisories(&self) -> Result<Vec<StoredCaseAdvisory>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY created_at DESC, id DESC"));
        let rows: Vec<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Advisories released to their parties and not yet public, oldest
    /// release first: the scheduler publishes those whose embargo ended.
    pub async fn released_unpublished_advisories(&self) -> Result<Vec<StoredCaseAdvisory>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE released_at IS NOT NULL AND published_at IS NULL ORDER BY released_at, id"
        ));
        let rows: Vec<AdvisoryRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// An advisory's revisions, oldest first.
    pub async fn case_advisory_revisions(&self, id: Uuid) -> Result<Vec<AdvisoryRevision>> {
        let rows: Vec<RevisionRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT advisory_id, number, at, summary, status, content, csaf, osv, by_user \
                 FROM case_advisory_revisions WHERE advisory_id = $1 ORDER BY number",
            )
            .bind(id).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(AdvisoryRevision {
                    advisory_id: r.advisory_id,
                    number: u32::try_from(r.number).map_err(|_| {
                        StoreError::Corrupt(format!(
                            "case_advisory_revisions.number = {}",
                            r.number
                        ))
                    })?,
                    at: from_micros(r.at),
                    summary: r.summary,
                    status: r.status,
                    content: r.content,
                    csaf: r.csaf,
                    osv: r.osv,
                    by_user: r.by_user,
                })
            })
            .collect()
    }

    /// What changes whenever the published set does: how many advisories
    /// are published and the latest `updated_at` among them (every revision,
    /// marking change and publication moves it). Cheap, for a server to see
    /// that another one published something.
    pub async fn published_generation(&self) -> Result<(i64, Option<i64>)> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*), MAX(updated_at) FROM case_advisories WHERE published_at IS NOT NULL",
            )
            .fetch_one(pool).await?
        }))
    }

    /// Every advisory whose `published_at` is set, at its published marking,
    /// in tracking id order, with its first and current release dates (the
    /// first and last revision's).
    pub async fn published_advisories(&self) -> Result<Vec<PublishedAdvisory>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            Uuid,
            Uuid,
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<i64>,
        )> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, a.case_id, a.tracking_id, a.publication_tlp, a.csaf, a.osv, \
                 (SELECT MIN(r.at) FROM case_advisory_revisions r WHERE r.advisory_id = a.id AND r.csaf IS NOT NULL), \
                 (SELECT MAX(r.at) FROM case_advisory_revisions r WHERE r.advisory_id = a.id AND r.csaf IS NOT NULL) \
                 FROM case_advisories a WHERE a.published_at IS NOT NULL ORDER BY a.tracking_id",
            )
            .fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(id, case_id, tracking_id, tlp, csaf, osv, first, last)| {
                let first = first.ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "published advisory {tracking_id} has no published revision"
                    ))
                })?;
                Ok(PublishedAdvisory {
                    id,
                    case_id,
                    tlp: parse_col("case_advisories.publication_tlp", &tlp)?,
                    tracking_id,
                    initial_release_date: first,
                    current_release_date: last.unwrap_or(first),
                    csaf,
                    osv,
                })
            })
            .collect()
    }
}
