//! Reminders the clock sends: a review window about to end, a window that
//! ended before the review concluded, an early-access grant about to expire,
//! an agency's access to a tool about to expire (a reminder to renew).
//!
//! Each reminder is sent once. `reminders_sent` keys it by what it is about
//! and which reminder it is, and the key names the date it counts down to,
//! so a planned date moved later starts the countdown again. The row, the
//! event and the audit entry are written in one transaction, and the insert
//! is `ON CONFLICT DO NOTHING`: two servers sweeping at once send it once.

use bulwark_core::{AuditEvent, SubmissionState, from_micros, rfc3339, to_micros};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::append_audit;
use crate::webhooks::publish_in_tx;
use crate::{Actor, Result, Store, with_pool, write_tx};

/// Days before the end of a review window at which the parties are reminded.
/// Only the nearest threshold already crossed is sent: a window submitted
/// two days before its end gets the 3-day reminder, not the 7-day one too.
pub const WINDOW_REMINDER_DAYS: [i64; 3] = [1, 3, 7];

/// Days before an active grant ends at which its parties are told.
pub const GRANT_EXPIRING_DAYS: i64 = 3;

/// Days before an agency's approved or active access to a tool expires at
/// which the agency and the program office are reminded to renew it; as
/// for review windows, only the nearest threshold crossed is sent.
pub const ACCESS_RENEWAL_DAYS: [i64; 2] = [7, 30];

/// A reminder that was sent by one sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reminder {
    /// `submission.window_ending`: `days` is the threshold crossed.
    WindowEnding { submission: Uuid, days: i64 },
    /// `submission.window_closed`: the window ended before a conclusion;
    /// the submission is recorded as not concluded in time.
    WindowClosed { submission: Uuid },
    /// `grant.expiring`.
    GrantExpiring { grant: Uuid },
    /// `access.expiring`: renew or let it end; `days` is the threshold crossed.
    AccessExpiring { request: Uuid, days: i64 },
}

/// The nearest reminder threshold that `remaining` has crossed, if any.
pub fn window_threshold(remaining: Duration) -> Option<i64> {
    WINDOW_REMINDER_DAYS
        .into_iter()
        .find(|d| remaining <= Duration::days(*d))
}

/// States in which the review runs and a window counts down.
const OPEN_STATES: [SubmissionState; 4] = [
    SubmissionState::Submitted,
    SubmissionState::Triage,
    SubmissionState::InReview,
    SubmissionState::FindingsIssued,
];

impl Store {
    /// Sends every reminder due at `now` that was not sent before, and
    /// returns those this call sent.
    pub async fn send_due_reminders(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<Vec<Reminder>> {
        let at = to_micros(now);
        let open: Vec<(Uuid, String, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, state, planned_partner_release FROM submissions \
                 WHERE submitted_at IS NOT NULL ORDER BY id",
            ).fetch_all(pool).await?
        });
        let mut sent = Vec::new();
        for (id, state, release_us) in open {
            if !OPEN_STATES.iter().any(|s| s.as_str() == state) {
                continue;
            }
            let release = from_micros(release_us);
            let remaining = release - now;
            // Concluding at the very instant of the release is in time
            // (ReviewWindow::concluded_in_time), so the window closes after it.
            if remaining < Duration::ZERO {
                let payload = json!({
                    "submission": id,
                    "planned_partner_release": rfc3339(release),
                    "concluded_in_time": false,
                });
                let kind = format!("window_closed@{release_us}");
                if self
                    .send_once(
                        actor,
                        id,
                        &kind,
                        "submission.window_closed",
                        &payload,
                        true,
                        now,
                    )
                    .await?
                {
                    sent.push(Reminder::WindowClosed { submission: id });
                }
            } else if let Some(days) = window_threshold(remaining) {
                let payload = json!({
                    "submission": id,
                    "days": days,
                    "planned_partner_release": rfc3339(release),
                });
                let kind = format!("window_ending:{days}@{release_us}");
                if self
                    .send_once(
                        actor,
                        id,
                        &kind,
                        "submission.window_ending",
                        &payload,
                        false,
                        now,
                    )
                    .await?
                {
                    sent.push(Reminder::WindowEnding {
                        submission: id,
                        days,
                    });
                }
            }
        }

        let horizon = to_micros(now + Duration::days(GRANT_EXPIRING_DAYS));
        let ending: Vec<(Uuid, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, ends_at FROM grants WHERE state = $1 AND starts_at <= $2 \
                 AND ends_at > $2 AND ends_at <= $3 ORDER BY id",
            ).bind(bulwark_core::GrantState::Concurred.as_str()).bind(at).bind(horizon)
            .fetch_all(pool).await?
        });
        for (id, ends_us) in ending {
            let payload = json!({"grant": id, "ends_at": rfc3339(from_micros(ends_us))});
            let kind = format!("grant_expiring@{ends_us}");
            if self
                .send_once(actor, id, &kind, "grant.expiring", &payload, false, now)
                .await?
            {
                sent.push(Reminder::GrantExpiring { grant: id });
            }
        }

        let horizon = to_micros(now + Duration::days(ACCESS_RENEWAL_DAYS[1]));
        let expiring: Vec<(Uuid, Uuid, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, agency_org, expires_at FROM access_requests WHERE state IN ('approved', 'active') \
                 AND expires_at > $1 AND expires_at <= $2 ORDER BY id",
            ).bind(at).bind(horizon)
            .fetch_all(pool).await?
        });
        for (id, agency, expires_us) in expiring {
            let remaining = from_micros(expires_us) - now;
            let Some(days) = ACCESS_RENEWAL_DAYS
                .into_iter()
                .find(|d| remaining <= Duration::days(*d))
            else {
                continue;
            };
            let payload = json!({"access_request": id, "agency": agency, "days": days,
                                 "expires_at": rfc3339(from_micros(expires_us))});
            let kind = format!("access_expiring:{days}@{expires_us}");
            if self
                .send_once(actor, id, &kind, "access.expiring", &payload, false, now)
                .await?
            {
                sent.push(Reminder::AccessExpiring { request: id, days });
            }
        }
        Ok(sent)
    }

    /// Publishes `event_type` about `subject` unless reminder `kind` was
    /// sent before; true when this call sent it. With `closes_window`, also
    /// records the submission as not concluded in time, audited.
    #[allow(clippy::too_many_arguments)]
    async fn send_once(
        &self,
        actor: &Actor,
        subject: Uuid,
        kind: &str,
        event_type: &str,
        payload: &serde_json::Value,
        closes_window: bool,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = to_micros(now);
        Ok(write_tx!(self, tx => {
            let fresh = sqlx::query(
                "INSERT INTO reminders_sent (subject_id, kind, at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            ).bind(subject).bind(kind).bind(at).execute(&mut *tx).await?.rows_affected() == 1;
            if fresh {
                if closes_window {
                    // Still open at the end of its window: not concluded in time.
                    sqlx::query("UPDATE submissions SET concluded_in_time = $1, updated_at = $2 WHERE id = $3")
                        .bind(false).bind(at).bind(subject).execute(&mut *tx).await?;
                    append_audit!(tx, actor, AuditEvent::new("submission.window_close", "submission", subject.to_string())
                        .with_detail(payload.clone()), at);
                }
                publish_in_tx!(tx, actor, event_type, payload, now);
            }
            fresh
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_crossed_threshold_is_chosen() {
        assert_eq!(window_threshold(Duration::days(10)), None);
        assert_eq!(
            window_threshold(Duration::days(7) + Duration::seconds(1)),
            None
        );
        assert_eq!(window_threshold(Duration::days(7)), Some(7));
        assert_eq!(window_threshold(Duration::days(4)), Some(7));
        assert_eq!(window_threshold(Duration::days(3)), Some(3));
        assert_eq!(window_threshold(Duration::hours(30)), Some(3));
        assert_eq!(window_threshold(Duration::hours(24)), Some(1));
        assert_eq!(window_threshold(Duration::minutes(1)), Some(1));
    }
}
