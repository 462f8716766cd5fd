//! Compliance over time: per week, obligations created and closed, and
//! those open and overdue at the week's end, summed over the systems the
//! caller may see (an agency its own; the issuer every civilian agency's
//! systems outside national security). Overdue is judged by the date in
//! force now (an extension approved later counts from the start).

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use serde::Serialize;
use time::{Duration, OffsetDateTime, Time};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::SystemGate;
use crate::{App, AppError, AppResult, ts};

/// One week of a trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPointOut {
    /// The week's end (exclusive), RFC 3339 UTC: a Monday 00:00, or now
    /// for the week under way.
    pub until: String,
    pub created: u64,
    pub closed: u64,
    pub open: u64,
    pub overdue: u64,
}

/// The most weeks a trend covers.
pub const MAX_WEEKS: u32 = 104;

/// The week ends of the last `weeks` weeks (UTC Mondays), the last one now.
fn bounds(now: OffsetDateTime, weeks: u32) -> (OffsetDateTime, Vec<OffsetDateTime>) {
    let today = now.replace_time(Time::MIDNIGHT);
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let mut ends: Vec<OffsetDateTime> = (0..weeks.saturating_sub(1))
        .rev()
        .map(|i| monday - Duration::weeks(i64::from(i)))
        .collect();
    ends.push(now);
    let start = ends[0] - Duration::weeks(1);
    (start, ends)
}

/// The trend over `weeks` weeks (1 to 104) for `org` (an agency: its own;
/// the issuer: any, or all civilian agencies when `None`).
pub async fn trend(
    app: &App,
    who: &Principal,
    org: Option<Uuid>,
    weeks: u32,
) -> AppResult<Vec<TrendPointOut>> {
    if !(1..=MAX_WEEKS).contains(&weeks) {
        return Err(AppError::validation(format!("weeks: 1 to {MAX_WEEKS}")));
    }
    let all = app.permits(who, Action::ComplianceReadAll, &Resource::Program);
    let org = match org {
        Some(o) if o == who.org_id || all => Some(o),
        Some(_) => return Err(AppError::not_found("organization")),
        None if all => None,
        None => Some(who.org_id),
    };
    let (start, ends) = bounds(app.now(), weeks);
    let rows = app.store.obligation_trend(org, start, &ends).await?;
    let mut gate = SystemGate::new(app, who, Action::SystemRead);
    let mut sum = vec![bulwark_store::TrendPoint::default(); ends.len()];
    for r in rows {
        if !gate.allows_facts(r.org_id, r.national_security).await? {
            continue;
        }
        for (t, p) in sum.iter_mut().zip(&r.points) {
            t.created += p.created;
            t.closed += p.closed;
            t.open += p.open;
            t.overdue += p.overdue;
        }
    }
    Ok(ends
        .iter()
        .zip(sum)
        .map(|(until, p)| TrendPointOut {
            until: ts(*until),
            created: p.created,
            closed: p.closed,
            open: p.open,
            overdue: p.overdue,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn weeks_end_on_mondays_and_the_last_now() {
        // 2026-12-06 is a Sunday.
        let now = datetime!(2026-12-06 15:00 UTC);
        let (start, ends) = bounds(now, 3);
        assert_eq!(
            ends,
            [
                datetime!(2026-11-23 00:00 UTC),
                datetime!(2026-11-30 00:00 UTC),
                now
            ]
        );
        assert_eq!(start, datetime!(2026-11-16 00:00 UTC));
        let (_, one) = bounds(now, 1);
        assert_eq!(one, [now]);
    }
}
