//! A cheap stand-in for the fuzz targets (`fuzz/fuzz_targets/purl_parse.rs`,
//! `versions_parse.rs`) that runs with plain `cargo test`: the committed
//! fixtures, mutated byte by byte with a fixed seed, must never panic a
//! parser; every purl that parses must print a canonical form that parses
//! back to itself; every version order must be antisymmetric.

use std::cmp::Ordering;
use std::path::Path;

use bulwark_versions::{Ecosystem, Purl, Version};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[u8] = b"09azAZ.-_~+:@/?#&=%!^* \x00\xc3\xa9";

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut b = seed.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let i = rng.below(b.len() + 1);
        match rng.below(3) {
            0 if i < b.len() => {
                b.remove(i);
            }
            1 if i < b.len() => b[i] = ALPHABET[rng.below(ALPHABET.len())],
            _ => b.insert(i, ALPHABET[rng.below(ALPHABET.len())]),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn mutated_purls_round_trip() {
    let text = std::fs::read_to_string(fixtures().join("purl-spec-excerpt.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seeds: Vec<String> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["input"].as_str().map(str::to_owned))
        .collect();
    let mut rng = Rng(0x5eed_0fb0_13a2_c0de);
    for _ in 0..20_000 {
        let seed = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, seed);
        for p in [Purl::parse(&input), Purl::parse_lenient(&input)]
            .into_iter()
            .flatten()
        {
            let printed = p.to_string();
            let again = Purl::parse(&printed)
                .unwrap_or_else(|e| panic!("{input:?} printed {printed:?}: {e}"));
            assert_eq!(again, p, "{input:?} -> {printed:?}");
            assert_eq!(again.to_string(), printed);
        }
    }
}

#[test]
fn mutated_versions_order_consistently() {
    let mut seeds = Vec::new();
    for e in std::fs::read_dir(fixtures().join("version-vectors")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            for line in std::fs::read_to_string(&p).unwrap().lines() {
                let f: Vec<&str> = line.split(' ').collect();
                if let [a, "<" | "=" | ">", b] = f[..] {
                    seeds.push(a.to_owned());
                    seeds.push(b.to_owned());
                }
            }
        }
    }
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..20_000 {
        let eco = Ecosystem::ALL[rng.below(Ecosystem::ALL.len())];
        let (sa, sb) = (
            &seeds[rng.below(seeds.len())],
            &seeds[rng.below(seeds.len())],
        );
        let (a, b) = (mutate(&mut rng, sa), mutate(&mut rng, sb));
        let (Ok(va), Ok(vb)) = (Version::parse(eco, &a), Version::parse(eco, &b)) else {
            continue;
        };
        assert_eq!(va.cmp(&va), Ordering::Equal, "{eco} {a:?}");
        assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse(), "{eco} {a:?} {b:?}");
    }
}
