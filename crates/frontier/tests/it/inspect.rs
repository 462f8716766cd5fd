//! Inspect evaluation logs, both formats (the fixtures are the same run).

use bulwark_frontier::ModelProfile;
use bulwark_frontier::inspect::{self, EvalStatus, InspectError};

const JSON: &[u8] = include_bytes!("../fixtures/log_formats.json");
const EVAL: &[u8] = include_bytes!("../fixtures/log_formats.eval");

#[test]
fn both_formats_give_the_same_header() {
    for (what, log) in [
        ("json", inspect::from_json(JSON)),
        ("eval", inspect::from_eval(EVAL)),
        ("sniffed json", inspect::parse(JSON)),
        ("sniffed eval", inspect::parse(EVAL)),
    ] {
        let log = log.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(log.version, 2, "{what}");
        assert_eq!(log.status, EvalStatus::Success, "{what}");
        assert_eq!(log.task, "popularity", "{what}");
        assert_eq!(log.model, "ollama/llama3.1", "{what}");
        assert_eq!(log.created, "2024-10-15T12:53:13-04:00", "{what}");
        assert_eq!((log.total_samples, log.completed_samples), (1, 1), "{what}");
        assert_eq!(log.scores.len(), 1);
        assert_eq!(
            (log.scores[0].name.as_str(), log.scores[0].scorer.as_str()),
            ("match", "match")
        );
        assert_eq!(
            log.headline_metrics(),
            [("accuracy", Some(0.0)), ("stderr", Some(0.0))],
            "{what}"
        );
        let h = log.headline.as_ref().unwrap();
        assert_eq!(
            (h.score, h.metric.as_str(), h.value),
            (0, "accuracy", Some(0.0))
        );
        assert_eq!(log.metric("match", "stderr"), Some(0.0));
        let mut p = ModelProfile::named("llama3.1");
        assert_eq!(log.attach(&mut p, "popularity"), Ok(0.0));
        assert_eq!(p.evals["popularity"], 0.0);
    }
}

fn json_err(text: &str) -> InspectError {
    inspect::from_json(text.as_bytes()).expect_err("parsed")
}

#[test]
fn errors_name_the_json_path() {
    let good: serde_json::Value = serde_json::from_slice(JSON).unwrap();
    let mut bad = good.clone();
    bad["results"]["scores"][0]["metrics"]["accuracy"]["value"] = "high".into();
    let e = json_err(&bad.to_string());
    assert!(
        matches!(&e, InspectError::Json { entry: None, path, .. } if path == "$.results.scores[0].metrics.accuracy.value"),
        "{e}"
    );
    let mut bad = good.clone();
    bad["eval"].as_object_mut().unwrap().remove("model");
    assert!(
        matches!(json_err(&bad.to_string()), InspectError::Json { path, .. } if path == "$.eval")
    );
    let mut bad = good.clone();
    bad["status"] = "done".into();
    assert!(
        matches!(json_err(&bad.to_string()), InspectError::Json { path, .. } if path == "$.status")
    );
    let mut bad = good.clone();
    bad["version"] = 3.into();
    let e = json_err(&bad.to_string());
    assert_eq!(
        e.to_string(),
        "$.version: log format version 3 is not supported (version 2 is)"
    );
    assert!(matches!(json_err("[]"), InspectError::Json { .. }));
    assert!(matches!(json_err(""), InspectError::Json { .. }));
}

#[test]
fn headline_declarations_and_null_metrics() {
    let mut log: serde_json::Value = serde_json::from_slice(JSON).unwrap();
    log["results"]["scores"][0]["metrics"]["stderr"]["value"] = serde_json::Value::Null;
    log["results"]["headline"] = serde_json::json!({"metric": "stderr"});
    let parsed = inspect::from_json(log.to_string().as_bytes()).unwrap();
    let h = parsed.headline.as_ref().unwrap();
    assert_eq!((h.metric.as_str(), h.value), ("stderr", None));
    assert!(
        matches!(parsed.profile_score(), Err(InspectError::Unusable(m)) if m.contains("no value"))
    );
    // a declaration that matches nothing falls back to the first metric
    log["results"]["headline"] = serde_json::json!({"scorer": "nope", "metric": "stderr"});
    let parsed = inspect::from_json(log.to_string().as_bytes()).unwrap();
    assert_eq!(parsed.headline.unwrap().metric, "accuracy");
    // a score outside [0, 1] is not a profile score
    log["results"]["scores"][0]["metrics"]["accuracy"]["value"] = 3.into();
    let parsed = inspect::from_json(log.to_string().as_bytes()).unwrap();
    assert!(parsed.profile_score().is_err());
    // an unfinished or cancelled run gives no profile score
    log["status"] = "cancelled".into();
    let parsed = inspect::from_json(log.to_string().as_bytes()).unwrap();
    assert!(
        matches!(parsed.profile_score(), Err(InspectError::Unusable(m)) if m.contains("Cancelled"))
    );
}

#[test]
fn archive_errors_name_the_entry() {
    assert!(matches!(
        inspect::from_eval(b"PK\x03\x04 nonsense"),
        Err(InspectError::Zip(_))
    ));
    assert!(matches!(
        inspect::from_eval(JSON),
        Err(InspectError::Zip(_))
    ));
    // an archive whose header.json is not a log
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = ZipWriter::new(&mut buf);
        w.add("_journal/start.json", b"{}");
        w.finish();
    }
    let e = inspect::from_eval(buf.get_ref()).unwrap_err();
    assert!(
        matches!(&e, InspectError::Entry { entry, message } if entry == "header.json" && message.contains("not finished")),
        "{e}"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = ZipWriter::new(&mut buf);
        w.add(
            "header.json",
            br#"{"version": 2, "status": "success", "eval": {"task": 1}}"#,
        );
        w.finish();
    }
    let e = inspect::from_eval(buf.get_ref()).unwrap_err();
    assert_eq!(
        e.to_string().split(':').take(2).collect::<Vec<_>>(),
        ["header.json", " $.eval.task"]
    );
}

/// A minimal stored (uncompressed) zip writer, so the test needs no zip
/// writing library.
struct ZipWriter<'a> {
    out: &'a mut std::io::Cursor<Vec<u8>>,
    central: Vec<u8>,
    count: u16,
}

impl<'a> ZipWriter<'a> {
    fn new(out: &'a mut std::io::Cursor<Vec<u8>>) -> Self {
        ZipWriter {
            out,
            central: Vec::new(),
            count: 0,
        }
    }
    fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32(data);
        let offset = self.out.get_ref().len() as u32;
        let v = self.out.get_mut();
        let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
        let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
        le32(v, 0x0403_4b50);
        for x in [20u16, 0, 0, 0, 0] {
            le16(v, x);
        }
        le32(v, crc);
        le32(v, data.len() as u32);
        le32(v, data.len() as u32);
        le16(v, name.len() as u16);
        le16(v, 0);
        v.extend_from_slice(name.as_bytes());
        v.extend_from_slice(data);
        let c = &mut self.central;
        le32(c, 0x0201_4b50);
        for x in [20u16, 20, 0, 0, 0, 0] {
            le16(c, x);
        }
        le32(c, crc);
        le32(c, data.len() as u32);
        le32(c, data.len() as u32);
        le16(c, name.len() as u16);
        for x in [0u16, 0, 0, 0] {
            le16(c, x);
        }
        le32(c, 0);
        le32(c, offset);
        c.extend_from_slice(name.as_bytes());
        self.count += 1;
    }
    fn finish(self) {
        let v = self.out.get_mut();
        let start = v.len() as u32;
        v.extend_from_slice(&self.central);
        v.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        for x in [0u16, 0, self.count, self.count] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        v.extend_from_slice(&start.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
