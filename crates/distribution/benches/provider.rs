//! Issue 18's figures for the CSAF trusted provider and the OSV feed:
//!
//! 1. the provider's files regenerated for 100,000 published advisories
//!    (`ProviderFiles::build`: provider-metadata, service document, and per
//!    label the ROLIE feed, category document, index.txt and changes.csv,
//!    plus the path index of every document) and the OSV feed's listings
//!    (`OsvFeed::build`: all.json, modified_id.csv at the top and per
//!    ecosystem). Target: under 5 s. Median of 5 runs;
//! 2. signing throughput: detached OpenPGP signatures per second over a
//!    10 KiB document with the server's key type (Ed25519), one core.
//!
//! What the application adds on a regeneration (reading the rows from the
//! store, the policy's decision per CLEAR advisory for the OSV feed) is not
//! measured here; document hashes are not computed on regeneration at all
//! (per request, or once per signature).
//!
//! `cargo bench -p bulwark-distribution --bench provider` prints the figures;
//! nothing is asserted. `BULWARK_BENCH_ADVISORIES` changes the count.
//!
//! Measured on 2026-12-06 (release build, 2 cores shared with five other
//! builds, load average about 9): provider files for 100,000 advisories
//! 1,680 ms (80.6 MB of CLEAR feed, index.txt and changes.csv); OSV feed
//! listings for the 90,000 CLEAR records 282 ms; together 1.96 s. Signing:
//! 7,577 detached Ed25519 signatures per second over 10 KiB. Again with
//! the HTML folder listings (requirement 14) in the plan, load average
//! about 4: provider files 1,053 ms, OSV listings 149 ms, together 1.20 s;
//! signing 11,510 per second.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bulwark_core::Tlp;
use bulwark_distribution::model::Publisher;
use bulwark_distribution::openpgp::SigningKey;
use bulwark_distribution::osv_feed::{OsvEntry, OsvFeed};
use bulwark_distribution::provider::publish::{Entry, Label, ProviderFiles, Site};
use time::OffsetDateTime;

const RUNS: usize = 5;
const ECOSYSTEMS: [&str; 6] = ["PyPI", "npm", "Maven", "Go", "crates.io", "Debian"];

fn site() -> Site {
    Site {
        base_url: "https://bulwark.example.gov".into(),
        publisher: Publisher {
            category: "coordinator".into(),
            name: "Bulwark clearinghouse".into(),
            namespace: "https://bulwark.example.gov".into(),
            contact_details: None,
            issuing_authority: None,
        },
        key_fingerprints: vec!["0123456789ABCDEF0123456789ABCDEF01234567".into()],
        labels: vec![Label::White, Label::Green, Label::Amber],
        list_on_aggregators: true,
        mirror_on_aggregators: true,
    }
}

/// `n` advisories over ten years, 90 % CLEAR, 6 % GREEN, 4 % AMBER, a third
/// revised once.
fn entries(n: usize) -> (Vec<Entry>, Vec<OsvEntry>) {
    let start =
        OffsetDateTime::from_unix_timestamp(1_483_228_800).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut csaf = Vec::with_capacity(n);
    let mut osv = Vec::with_capacity(n);
    for i in 0..n {
        let initial = start + Duration::from_secs((i as u64) * 3_153);
        let current = if i % 3 == 0 {
            initial + Duration::from_secs(86_400 * 30)
        } else {
            initial
        };
        let tlp = match i % 50 {
            0..=1 => Tlp::Amber,
            2..=4 => Tlp::Green,
            _ => Tlp::Clear,
        };
        let id = format!("BWK-{}-{:05}", initial.year(), i);
        csaf.push(Entry {
            tracking_id: id.clone(),
            title: format!("Out-of-bounds write in example-package-{i} before 2.{i}.1"),
            tlp,
            initial_release_date: initial,
            current_release_date: current,
            categories: vec![format!("Vendor {}", i % 500)],
        });
        if tlp == Tlp::Clear {
            osv.push(OsvEntry {
                id,
                modified: current,
                ecosystems: vec![ECOSYSTEMS[i % ECOSYSTEMS.len()].to_owned()],
            });
        }
    }
    (csaf, osv)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::var("BULWARK_BENCH_ADVISORIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let site = site();
    let (csaf, osv) = entries(n);
    let now = OffsetDateTime::now_utc();

    let mut provider = Vec::new();
    let mut feed = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let files = black_box(ProviderFiles::build(&site, &csaf, now));
        provider.push(t.elapsed());
        assert_eq!(files.document_count(), n);
        bytes = [
            "clear/feed-tlp-white.json",
            "clear/index.txt",
            "clear/changes.csv",
        ]
        .iter()
        .filter_map(|p| match files.lookup(p) {
            Some(bulwark_distribution::provider::publish::Found::File { bytes, .. }) => {
                Some(bytes.len())
            }
            _ => None,
        })
        .sum::<usize>();
        let t = Instant::now();
        black_box(OsvFeed::build(&osv));
        feed.push(t.elapsed());
    }
    let p = median(provider);
    let f = median(feed);
    println!(
        "provider files for {n} advisories: median {:.0} ms ({:.1} MB of CLEAR feed, index and changes)",
        p.as_secs_f64() * 1e3,
        bytes as f64 / 1e6
    );
    println!(
        "OSV feed listings for {} CLEAR records: median {:.0} ms",
        osv.len(),
        f.as_secs_f64() * 1e3
    );
    println!(
        "together: {:.2} s (target under 5 s)",
        (p + f).as_secs_f64()
    );

    let key = match SigningKey::generate("Bench <bench@example.gov>") {
        Ok(k) => k,
        Err(e) => {
            println!("no signing key: {e}");
            return;
        }
    };
    let doc: Vec<u8> = (0..10 * 1024)
        .map(|i| b"{}[],:\"abcdefghij"[i % 16])
        .collect();
    let count = 1_000;
    let t = Instant::now();
    for _ in 0..count {
        if let Err(e) = black_box(key.sign_detached(black_box(&doc))) {
            println!("signing failed: {e}");
            return;
        }
    }
    let s = t.elapsed();
    println!(
        "signing: {count} detached signatures over 10 KiB in {:.2} s: {:.0} signatures/s",
        s.as_secs_f64(),
        count as f64 / s.as_secs_f64()
    );
}
