//! Due-date notices: `obligation.due_soon` 7, 3 and 1 days before an
//! obligation's date in force (and 6 and 1 hours before, for the hour
//! timelines of emergency directives), `obligation.overdue` once it passes.
//! Each goes out once per obligation (a new date in force — a revision or
//! an approved extension — starts over), through the outbox, to the
//! subscriptions whose user may read the system; the most urgent notice
//! that applies is the one sent, and the less urgent ones it overtook are
//! marked as passed, so an obligation created two days before its date
//! gets one notice, not three.

use bulwark_store::{Actor, StoredObligation};
use time::{Duration, OffsetDateTime};

use crate::{App, AppResult};

/// A notice: its mark, how long before the date in force it goes out, and
/// whether it is for hour timelines only.
struct Stage {
    mark: &'static str,
    before: Duration,
    hours_only: bool,
}

/// Most urgent first.
const STAGES: [Stage; 5] = [
    Stage {
        mark: "1h",
        before: Duration::hours(1),
        hours_only: true,
    },
    Stage {
        mark: "6h",
        before: Duration::hours(6),
        hours_only: true,
    },
    Stage {
        mark: "1d",
        before: Duration::days(1),
        hours_only: false,
    },
    Stage {
        mark: "3d",
        before: Duration::days(3),
        hours_only: false,
    },
    Stage {
        mark: "7d",
        before: Duration::days(7),
        hours_only: false,
    },
];

/// At most this many obligations per stage and pass.
const BATCH: u32 = 1_000;

fn in_hours(o: &StoredObligation) -> bool {
    o.timeline.ends_with("hours") || o.timeline.ends_with("hour")
}

/// What one pass sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    pub due_soon: usize,
    pub overdue: usize,
}

/// Sends the notices due at `app.now()`. Safe to run from several servers
/// at once: the store marks a notice sent only once.
pub async fn send(app: &App, holder: &str) -> AppResult<Sent> {
    let actor = Actor {
        user: None,
        org: None,
        request_id: Some(format!("scheduler:{holder}")),
    };
    let now = app.now();
    let mut sent = Sent::default();
    loop {
        let late = app
            .store
            .obligations_for_notice(now, "overdue", BATCH)
            .await?;
        let n = late.len();
        let every: Vec<&str> = STAGES.iter().map(|s| s.mark).collect();
        app.store
            .mark_notices(&actor, &late, "overdue", &every, "obligation.overdue", now)
            .await?;
        sent.overdue += n;
        if n < BATCH as usize {
            break;
        }
    }
    for (i, stage) in STAGES.iter().enumerate() {
        loop {
            let due = app
                .store
                .obligations_for_notice(upto(now, stage.before), stage.mark, BATCH)
                .await?;
            let n = due.len();
            let (send, pass): (Vec<StoredObligation>, Vec<StoredObligation>) = due
                .into_iter()
                .partition(|o| (!stage.hours_only || in_hours(o)) && !overtaken(o, i));
            // The less urgent stages this one overtakes.
            let also: Vec<&str> = STAGES[i + 1..].iter().map(|s| s.mark).collect();
            app.store
                .mark_notices(&actor, &send, stage.mark, &also, "obligation.due_soon", now)
                .await?;
            app.store.mark_passed(&pass, stage.mark).await?;
            sent.due_soon += send.len();
            if n < BATCH as usize {
                break;
            }
        }
    }
    if sent != Sent::default() {
        tracing::info!(
            due_soon = sent.due_soon,
            overdue = sent.overdue,
            "obligation notices sent"
        );
    }
    Ok(sent)
}

fn upto(now: OffsetDateTime, before: Duration) -> OffsetDateTime {
    now.checked_add(before).unwrap_or(now)
}

/// A more urgent notice already went out.
fn overtaken(o: &StoredObligation, stage: usize) -> bool {
    STAGES[..stage]
        .iter()
        .any(|s| o.notified.iter().any(|n| n == s.mark))
}
