//! One explainable order for vulnerabilities: what to fix first.
//!
//! Keys, in order, each consulted only when the ones before tie:
//!
//! 1. SSVC decision: Act, Attend, Track*, Track; unknown last. The decision
//!    already weighs exploitation, automation, impact and mission.
//! 2. KEV: listed before not listed (exploitation in the wild, confirmed).
//! 3. EPSS: higher first, missing last. Scores are compared only when both
//!    come from the same model version; when they differ the key is skipped
//!    (the scales are not the same) and the explanation says so.
//! 4. CVSS score: higher first, missing last.
//! 5. Federal exposure (how many federal assets are exposed), when known:
//!    more first, unknown last.
//! 6. The identifier, so that equal priorities still list the same way
//!    every time.
//!
//! Because of rule 3, [`cmp`] is not a total order on a set that mixes
//! EPSS model versions (A beats B on EPSS, B beats C on CVSS, C beats A on
//! EPSS...). [`sort`] handles that: it skips EPSS for the whole set when the
//! set mixes versions, which is a total order.

use std::cmp::Ordering;

use serde::Serialize;

use crate::cvss::{self, Version};
use crate::feeds::cve::CveRecord;
use crate::feeds::kev::KevEntry;
use crate::ssvc::{Decision, MissionWellbeing};

/// An EPSS score with the model version that produced it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Epss {
    pub score: f64,
    pub model_version: String,
}

/// What Bulwark knows about one vulnerability, for ordering.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Priority {
    pub id: String,
    pub ssvc: Option<Decision>,
    /// The decision used Exploitation active because of KEV, not because
    /// the SSVC source said so.
    pub ssvc_from_kev: bool,
    pub in_kev: bool,
    /// KEV `dateAdded` as published, when in KEV.
    pub kev_date_added: Option<String>,
    pub epss: Option<Epss>,
    pub cvss: Option<(f64, Version)>,
    /// Number of exposed federal assets; not known yet in most cases.
    pub federal_exposure: Option<u64>,
}

impl Priority {
    /// The facts the order uses, one reason per key, in key order.
    pub fn explain(&self) -> Vec<String> {
        let mut reasons = Vec::with_capacity(5);
        reasons.push(match self.ssvc {
            Some(d) if self.ssvc_from_kev => format!("SSVC {d} (exploitation active: in KEV)"),
            Some(d) => format!("SSVC {d}"),
            None => "SSVC unknown".to_owned(),
        });
        reasons.push(match (self.in_kev, &self.kev_date_added) {
            (true, Some(d)) => format!("in KEV since {d}"),
            (true, None) => "in KEV".to_owned(),
            (false, _) => "not in KEV".to_owned(),
        });
        reasons.push(match &self.epss {
            Some(e) => format!("EPSS {} (model {})", e.score, e.model_version),
            None => "EPSS unknown".to_owned(),
        });
        reasons.push(match self.cvss {
            Some((s, v)) => format!("CVSS {s:.1} ({v})"),
            None => "CVSS unknown".to_owned(),
        });
        reasons.push(match self.federal_exposure {
            Some(n) => format!("federal exposure {n}"),
            None => "federal exposure unknown".to_owned(),
        });
        reasons
    }
}

impl Priority {
    /// Gathers the facts from the feeds: the SSVC decision from CISA's ADP
    /// decision points (Exploitation forced to active when `kev` is given)
    /// at an assumed Mission & Well-being, which a CVE record cannot know;
    /// the CVSS score computed from the newest CNA vector that parses
    /// (4.0, then 3.1, then 3.0), else the ADP's, never the stated number.
    pub fn from_feeds(
        record: &CveRecord,
        kev: Option<&KevEntry>,
        epss: Option<Epss>,
        mission_wellbeing: MissionWellbeing,
    ) -> Priority {
        let (ssvc, ssvc_from_kev) = match record.ssvc_points() {
            Some(Ok(mut points)) => {
                let forced = points.apply_kev(kev.is_some());
                (Some(points.decide(mission_wellbeing)), forced)
            }
            _ => (None, false),
        };
        let newest = |metrics: &[crate::feeds::cve::CvssMetric]| {
            ["4.0", "3.1", "3.0"].into_iter().find_map(|version| {
                metrics
                    .iter()
                    .filter(|m| m.version == version)
                    .find_map(|m| cvss::score(&m.vector).ok())
            })
        };
        let adp_cvss = record
            .cisa_adp
            .as_ref()
            .map(|a| a.cvss.as_slice())
            .unwrap_or(&[]);
        let cvss = newest(&record.cna_cvss)
            .or_else(|| newest(adp_cvss))
            .map(|s| (s.score, s.version));
        Priority {
            id: record.id.clone(),
            ssvc,
            ssvc_from_kev,
            in_kev: kev.is_some(),
            kev_date_added: kev.map(|k| k.date_added.clone()),
            epss,
            cvss,
            federal_exposure: None,
        }
    }
}

/// The key that decided a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    Ssvc,
    Kev,
    Epss,
    Cvss,
    FederalExposure,
    Id,
}

/// A comparison with its reasons: the deciding key, and any key skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `Less`: `a` comes first.
    pub ordering: Ordering,
    /// `None` when everything, the identifier included, is equal.
    pub decided_by: Option<Key>,
    pub reasons: Vec<String>,
}

/// Some before none; within some, `better` orders (Less = first).
fn known_first<T>(a: Option<T>, b: Option<T>, better: impl Fn(T, T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => better(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Compares key by key. Reasons are written only when `explain` is set:
/// sorting compares often and needs none.
fn compare(a: &Priority, b: &Priority, use_epss: bool, explain: bool) -> Comparison {
    let mut reasons = Vec::new();
    let epss = match (&a.epss, &b.epss) {
        (Some(x), Some(y)) if x.model_version != y.model_version => {
            if explain {
                reasons.push(format!(
                    "EPSS not comparable: model {} vs {}",
                    x.model_version, y.model_version
                ));
            }
            Ordering::Equal
        }
        (x, y) if use_epss => {
            known_first(x.as_ref(), y.as_ref(), |x, y| y.score.total_cmp(&x.score))
        }
        (x, y) => {
            if explain && (x.is_some() || y.is_some()) {
                reasons.push("EPSS not compared: the list mixes model versions".to_owned());
            }
            Ordering::Equal
        }
    };
    let keys = [
        // Higher decision first.
        (Key::Ssvc, known_first(a.ssvc, b.ssvc, |x, y| y.cmp(&x))),
        (Key::Kev, b.in_kev.cmp(&a.in_kev)),
        (Key::Epss, epss),
        (
            Key::Cvss,
            known_first(a.cvss, b.cvss, |x, y| y.0.total_cmp(&x.0)),
        ),
        (
            Key::FederalExposure,
            known_first(a.federal_exposure, b.federal_exposure, |x, y| y.cmp(&x)),
        ),
        (Key::Id, a.id.cmp(&b.id)),
    ];
    for (key, ordering) in keys {
        if ordering == Ordering::Equal {
            continue;
        }
        if explain {
            let (first, second) = if ordering == Ordering::Less {
                (a, b)
            } else {
                (b, a)
            };
            reasons.push(if key == Key::Id {
                format!("{} before {} (all else equal)", first.id, second.id)
            } else {
                // `explain()` lists one reason per key, in key order.
                let (x, y) = (first.explain(), second.explain());
                format!(
                    "{} before {}: {} over {}",
                    first.id, second.id, x[key as usize], y[key as usize]
                )
            });
        }
        return Comparison {
            ordering,
            decided_by: Some(key),
            reasons,
        };
    }
    Comparison {
        ordering: Ordering::Equal,
        decided_by: None,
        reasons,
    }
}

/// The order of two vulnerabilities (`Less`: `a` first), with reasons.
pub fn cmp_explained(a: &Priority, b: &Priority) -> Comparison {
    compare(a, b, true, true)
}

/// The order of two vulnerabilities: `Less` means `a` comes first.
pub fn cmp(a: &Priority, b: &Priority) -> Ordering {
    compare(a, b, true, false).ordering
}

/// Sorts most urgent first. When the EPSS scores present come from more
/// than one model version, EPSS is left out for the whole list (see the
/// module documentation) and `true` is returned, so the caller can say so.
pub fn sort(items: &mut [Priority]) -> bool {
    let mut versions = items
        .iter()
        .filter_map(|p| p.epss.as_ref())
        .map(|e| &e.model_version);
    let mixed = match versions.next() {
        Some(first) => versions.any(|v| v != first),
        None => false,
    };
    items.sort_by(|a, b| compare(a, b, !mixed, false).ordering);
    mixed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str) -> Priority {
        Priority {
            id: id.to_owned(),
            ..Priority::default()
        }
    }

    fn epss(score: f64, v: &str) -> Option<Epss> {
        Some(Epss {
            score,
            model_version: v.to_owned(),
        })
    }

    #[test]
    fn ssvc_decides_first_and_unknown_is_last() {
        let mut a = p("A");
        a.ssvc = Some(Decision::Attend);
        let mut b = p("B");
        b.ssvc = Some(Decision::Act);
        // Everything else favours `a`; the decision still wins.
        a.in_kev = true;
        a.cvss = Some((10.0, Version::V3_1));
        assert_eq!(cmp(&b, &a), Ordering::Less);
        let c = cmp_explained(&a, &b);
        assert_eq!(
            (c.ordering, c.decided_by),
            (Ordering::Greater, Some(Key::Ssvc))
        );
        assert_eq!(c.reasons, ["B before A: SSVC Act over SSVC Attend"]);
        let mut t = p("T");
        t.ssvc = Some(Decision::Track);
        assert_eq!(cmp(&t, &p("U")), Ordering::Less, "unknown after Track");
        let mut star = p("S");
        star.ssvc = Some(Decision::TrackStar);
        assert_eq!(cmp(&star, &t), Ordering::Less);
    }

    #[test]
    fn kev_breaks_an_ssvc_tie() {
        let mut a = p("A");
        a.in_kev = true;
        a.kev_date_added = Some("2024-01-02".into());
        let mut b = p("B");
        b.epss = epss(0.99, "v1");
        let c = cmp_explained(&b, &a);
        assert_eq!(
            (c.ordering, c.decided_by),
            (Ordering::Greater, Some(Key::Kev))
        );
        assert_eq!(
            c.reasons,
            ["A before B: in KEV since 2024-01-02 over not in KEV"]
        );
    }

    #[test]
    fn epss_within_one_model_version() {
        let mut a = p("A");
        a.epss = epss(0.2, "v2025.03.14");
        a.cvss = Some((9.8, Version::V3_1));
        let mut b = p("B");
        b.epss = epss(0.94, "v2025.03.14");
        let c = cmp_explained(&a, &b);
        assert_eq!(
            (c.ordering, c.decided_by),
            (Ordering::Greater, Some(Key::Epss))
        );
        assert_eq!(
            c.reasons,
            ["B before A: EPSS 0.94 (model v2025.03.14) over EPSS 0.2 (model v2025.03.14)"]
        );
        // Known before unknown.
        assert_eq!(cmp(&a, &p("C")), Ordering::Less);
    }

    #[test]
    fn epss_of_different_models_is_skipped_and_said() {
        let mut a = p("A");
        a.epss = epss(0.9, "v2023.03.01");
        a.cvss = Some((5.0, Version::V3_1));
        let mut b = p("B");
        b.epss = epss(0.1, "v2025.03.14");
        b.cvss = Some((7.5, Version::V4_0));
        let c = cmp_explained(&a, &b);
        assert_eq!(
            (c.ordering, c.decided_by),
            (Ordering::Greater, Some(Key::Cvss))
        );
        assert_eq!(
            c.reasons,
            [
                "EPSS not comparable: model v2023.03.01 vs v2025.03.14",
                "B before A: CVSS 7.5 (4.0) over CVSS 5.0 (3.1)",
            ]
        );
    }

    #[test]
    fn cvss_then_exposure_then_id() {
        let mut a = p("A");
        a.cvss = Some((7.5, Version::V3_1));
        let mut b = p("B");
        b.cvss = Some((9.8, Version::V3_1));
        assert_eq!(cmp_explained(&a, &b).decided_by, Some(Key::Cvss));
        assert_eq!(cmp(&a, &b), Ordering::Greater);
        assert_eq!(cmp(&a, &p("C")), Ordering::Less, "CVSS known first");

        let mut x = p("X");
        x.federal_exposure = Some(3);
        let mut y = p("Y");
        y.federal_exposure = Some(120);
        let c = cmp_explained(&x, &y);
        assert_eq!(
            (c.ordering, c.decided_by),
            (Ordering::Greater, Some(Key::FederalExposure))
        );
        assert_eq!(
            c.reasons,
            ["Y before X: federal exposure 120 over federal exposure 3"]
        );
        assert_eq!(cmp(&x, &p("Z")), Ordering::Less, "exposure known first");

        let c = cmp_explained(&p("CVE-2"), &p("CVE-1"));
        assert_eq!(
            (c.ordering, c.decided_by),
            (Ordering::Greater, Some(Key::Id))
        );
        assert_eq!(cmp_explained(&p("A"), &p("A")).decided_by, None);
    }

    #[test]
    fn explain_lists_every_key() {
        let v = Priority {
            id: "CVE-2024-3400".into(),
            ssvc: Some(Decision::Act),
            ssvc_from_kev: false,
            in_kev: true,
            kev_date_added: Some("2024-04-12".into()),
            epss: epss(0.94, "v2025.03.14"),
            cvss: Some((10.0, Version::V3_1)),
            federal_exposure: None,
        };
        assert_eq!(
            v.explain(),
            [
                "SSVC Act",
                "in KEV since 2024-04-12",
                "EPSS 0.94 (model v2025.03.14)",
                "CVSS 10.0 (3.1)",
                "federal exposure unknown",
            ]
        );
    }

    #[test]
    fn sort_is_total_even_with_mixed_models() {
        // Pairwise, these three form a cycle (A<C on EPSS, C<B on CVSS,
        // B<A on CVSS with EPSS not comparable); `sort` drops EPSS instead.
        let mut a = p("A");
        a.epss = epss(0.9, "v1");
        a.cvss = Some((5.0, Version::V3_1));
        let mut b = p("B");
        b.epss = epss(0.1, "v2");
        b.cvss = Some((9.0, Version::V3_1));
        let mut c = p("C");
        c.epss = epss(0.5, "v1");
        c.cvss = Some((10.0, Version::V3_1));
        let mut items = vec![a.clone(), b.clone(), c.clone()];
        assert!(sort(&mut items));
        let ids: Vec<_> = items.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["C", "B", "A"]);

        let mut items = vec![c, a];
        assert!(!sort(&mut items), "one model version: EPSS used");
        assert_eq!(items[0].id, "A");
    }
}
