//! SARIF parse + fingerprint throughput, on one core, through the streaming
//! reader. Target (issue 5): 300,000 results/s (release build).
//!
//! The log is synthetic and built in memory: 200,000 results spread over
//! 2,000 files and 50 rules, each with a location, a two-line snippet, a
//! partial fingerprint and a small properties bag; every tenth also has tool
//! fingerprints and a two-step code flow. First, the same kind of log at
//! ~1 GB (1.8 million results) is generated while it is read, never held,
//! and the process's peak resident memory is printed before and after it
//! (target: flat, under 200 MB).
//!
//! `cargo bench -p bulwark-intake` prints the figures; nothing is asserted.
//! `SKIP_LARGE=1` leaves out the 1 GB log. Each run also prints the CPU
//! time it took (all threads): on a shared machine, wall time alone misleads.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

use bulwark_intake::sarif::read_map;
use bulwark_intake::{fingerprint, read};
use serde::Deserialize;

const RESULTS: usize = 200_000;
const RUNS: usize = 5;
/// Results in the streamed log (~1 GB).
const LARGE: usize = 1_800_000;

fn header() -> String {
    let mut s = String::new();
    s.push_str(r#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"bench-scanner","version":"4.2.0","rules":["#);
    for r in 0..50 {
        if r > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"id":"BENCH{r:03}","shortDescription":{{"text":"rule {r}"}},"defaultConfiguration":{{"level":"warning"}},"properties":{{"tags":["security","external/cwe/cwe-{}"]}}}}"#,
            20 + r
        );
    }
    s.push_str(r#"]}},"originalUriBaseIds":{"SRCROOT":{"uri":"file:///src/"}},"results":["#);
    s
}

const FOOTER: &str = "]}]}";

/// Result `i`, with its leading comma.
fn result(s: &mut String, i: usize) {
    if i > 0 {
        s.push(',');
    }
    let rule = i % 50;
    let file = i % 2000;
    let line = 10 + i % 900;
    let _ = write!(
        s,
        r#"{{"ruleId":"BENCH{rule:03}","ruleIndex":{rule},"level":"error","message":{{"text":"Possible overflow of buffer `buf{i}` passed to memcpy at line {line}."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"lib/module{}/file{file}.c","uriBaseId":"SRCROOT"}},"region":{{"startLine":{line},"startColumn":9,"endLine":{},"endColumn":40,"snippet":{{"text":"    memcpy(buf{i}, src, len);\n    buf{i}[len] = 0;"}}}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}},"properties":{{"precision":"high","confidence":0.{}}}"#,
        file % 40,
        line + 1,
        (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        i % 10,
    );
    if i.is_multiple_of(10) {
        let _ = write!(
            s,
            r#","fingerprints":{{"matchBasedId/v1":"{:032x}"}},"codeFlows":[{{"threadFlows":[{{"locations":[{{"location":{{"physicalLocation":{{"artifactLocation":{{"uri":"lib/a.c"}},"region":{{"startLine":3}}}}}}}},{{"location":{{"physicalLocation":{{"artifactLocation":{{"uri":"lib/b.c"}},"region":{{"startLine":7}}}}}}}}]}}]}}]"#,
            (i as u128).wrapping_mul(0x2545_F491_4F6C_DD1D_9E37_79B9)
        );
    }
    s.push('}');
}

fn log() -> Vec<u8> {
    let mut s = header();
    s.reserve(RESULTS * 600);
    for i in 0..RESULTS {
        result(&mut s, i);
    }
    s.push_str(FOOTER);
    s.into_bytes()
}

/// The same log, `results` long, produced while it is read: never in memory.
struct Generated {
    results: usize,
    next: usize,
    chunk: Vec<u8>,
    pos: usize,
    done: bool,
    bytes: u64,
}

impl Generated {
    fn new(results: usize) -> Self {
        Generated {
            results,
            next: 0,
            chunk: header().into_bytes(),
            pos: 0,
            done: false,
            bytes: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            let mut s = String::with_capacity(64 * 1024);
            while self.next < self.results && s.len() < 60 * 1024 {
                result(&mut s, self.next);
                self.next += 1;
            }
            if self.next == self.results {
                s.push_str(FOOTER);
                self.done = true;
            }
            self.chunk = s.into_bytes();
            self.pos = 0;
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// CPU seconds used by this process so far, all threads (Linux; clock
/// ticks of 10 ms), to see what a run costs when the machine is shared.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which ends with ')'): utime is the
    // 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

/// Peak resident memory of this process (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// ~1 GB streamed through the reader, with the peak memory before and after:
/// the reader's footprint must not grow with the log.
fn large_log() {
    let before = peak_rss_mb();
    let mut input = Generated::new(LARGE);
    let start = Instant::now();
    let mut n = 0usize;
    let mut acc = 0u8;
    let outcome = read_map(
        &mut input,
        |r| fingerprint(&r),
        |f| {
            acc ^= f.0[0];
            n += 1;
            Ok::<(), Infallible>(())
        },
    );
    let secs = start.elapsed().as_secs_f64();
    black_box(acc);
    if let Err(e) = outcome {
        eprintln!("large log: {e}");
        std::process::exit(1);
    }
    println!(
        "large log: {n} results, {:.2} GB streamed in {secs:.1} s = {:.0} results/s; peak RSS {:.0} MB before, {:.0} MB after",
        input.bytes as f64 / 1e9,
        n as f64 / secs,
        before.unwrap_or(f64::NAN),
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}

fn main() {
    if std::env::var("SKIP_LARGE").is_err() {
        large_log();
    }
    let doc = log();
    println!(
        "synthetic SARIF log: {RESULTS} results, {:.1} MB",
        doc.len() as f64 / 1e6
    );
    // Floors: serde_json skipping the document through a reader, and the
    // reader without fingerprints.
    let start = Instant::now();
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(doc.as_slice()));
    let skipped = serde::de::IgnoredAny::deserialize(&mut de);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "floor: serde_json skips the log from a reader in {secs:.3} s = {:.0} results/s{}",
        RESULTS as f64 / secs,
        if skipped.is_ok() { "" } else { " (failed)" }
    );
    let start = Instant::now();
    let mut n = 0usize;
    let _ = read(doc.as_slice(), |r| {
        black_box(r);
        n += 1;
        Ok::<(), Infallible>(())
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "parse only: {n} results in {secs:.3} s = {:.0} results/s",
        n as f64 / secs
    );

    let mut best = f64::INFINITY;
    for run in 0..RUNS {
        let cpu = cpu_secs();
        let start = Instant::now();
        let mut n = 0usize;
        let mut acc = 0u8;
        let outcome = read_map(
            doc.as_slice(),
            |r| fingerprint(&r),
            |f| {
                acc ^= f.0[0];
                n += 1;
                Ok::<(), Infallible>(())
            },
        );
        let secs = start.elapsed().as_secs_f64();
        if let Err(e) = outcome {
            eprintln!("read: {e}");
            std::process::exit(1);
        }
        black_box(acc);
        assert_eq!(n, RESULTS);
        best = best.min(secs);
        let cpu = cpu_secs() - cpu;
        println!(
            "run {run}: {n} results parsed and fingerprinted in {:.3} s = {:.0} results/s ({:.0} MB/s); {cpu:.2} CPU-s = {:.0} results per CPU-second",
            secs,
            n as f64 / secs,
            doc.len() as f64 / 1e6 / secs,
            n as f64 / cpu
        );
    }
    println!(
        "best: {:.0} results/s (target 300,000/s)",
        RESULTS as f64 / best
    );
}
