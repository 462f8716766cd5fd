//! Registry import: Epoch AI's CSV layout and JSON profiles.

use bulwark_frontier::import::{epoch_csv, profiles_json};
use bulwark_frontier::{ImportError, ModelProfile};
use time::macros::date;

const NOTABLE: &[u8] = include_bytes!("../fixtures/epoch_notable_excerpt.csv");
const KEYCOLS: &[u8] = include_bytes!("../fixtures/epoch_2026_delta_keycols.csv");

fn by_name<'a>(ps: &'a [ModelProfile], name: &str) -> &'a ModelProfile {
    ps.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn epoch_notable_excerpt() {
    let ps = epoch_csv(NOTABLE).unwrap();
    assert_eq!(ps.len(), 6);
    let grok = by_name(&ps, "Grok 4");
    assert_eq!(grok.organization.as_deref(), Some("xAI"));
    assert_eq!(grok.published, Some(date!(2025 - 07 - 09)));
    assert_eq!(grok.training_compute_flop, Some(5.0000000000001e26));
    assert_eq!(grok.parameters, Some(3e12));
    assert_eq!(grok.training_tokens, None);
    assert_eq!(grok.compute_cost_usd, Some(387842678.08636147));
    assert_eq!(grok.bio_sequence_data, None);
    // A name with a trailing line break inside its quoted cell is trimmed.
    let solar = by_name(&ps, "Solar Open 100B");
    assert_eq!(solar.training_compute_flop, None);
    assert_eq!(solar.training_tokens, Some(1.97e13));
    let qwen = by_name(&ps, "Qwen3-Max");
    assert_eq!(qwen.training_tokens, Some(3.6e13));
    assert_eq!(qwen.training_compute_flop, Some(1.512e25));
}

#[test]
fn epoch_key_columns_without_dataset_size() {
    let ps = epoch_csv(KEYCOLS).unwrap();
    assert_eq!(ps.len(), 27);
    let v4 = by_name(&ps, "DeepSeek-V4-Pro");
    assert_eq!(v4.training_compute_flop, Some(9.702e24));
    assert_eq!(v4.parameters, Some(1.6e12));
    assert!(
        ps.iter()
            .all(|p| p.training_tokens.is_none() && p.compute_cost_usd.is_none())
    );
    assert!(by_name(&ps, "GPT-5.5 Pro").training_compute_flop.is_none());
}

#[test]
fn several_dataset_sizes_in_one_cell() {
    let head = "Model,Organization,Publication date,Parameters,Training compute (FLOP),Training dataset size (gradients)\n";
    let ps = epoch_csv(
        format!("{head}A,O,2021-01-01,1,1,\"14180000,14180000\"\nB,O,2021-01-01,1,1,\"3,4\"\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(ps[0].training_tokens, Some(14180000.0));
    assert_eq!(ps[1].training_tokens, None);
    let e = epoch_csv(format!("{head}A,O,2021-01-01,1,1,\"3,x\"\n").as_bytes()).unwrap_err();
    assert!(
        matches!(
            &e,
            ImportError::Csv {
                line: 2,
                column: Some((6, _)),
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn the_large_scale_layout_uses_its_datapoints_column() {
    let csv = "Model,Publication date,Organization,Parameters,Training compute (FLOP),(DEPRECATED) Training dataset size (datapoints)\n\
               A,2025-01-02,Org,1e9,2e21,3e11\n";
    let ps = epoch_csv(csv.as_bytes()).unwrap();
    assert_eq!(ps[0].training_tokens, Some(3e11));
    assert_eq!(ps[0].training_compute_flop, Some(2e21));
}

fn csv_err(text: &str) -> ImportError {
    epoch_csv(text.as_bytes()).expect_err("imported")
}

#[test]
fn a_bad_row_names_its_line_and_column_and_nothing_is_imported() {
    let head = "Model,Organization,Publication date,Parameters,Training compute (FLOP)\n";
    let e = csv_err(&format!(
        "{head}A,O,2025-01-01,1e9,1e20\n\"B\nline\",O,2025-01-01,1e9,lots\n"
    ));
    assert_eq!(
        e,
        ImportError::Csv {
            line: 3,
            column: Some((5, "Training compute (FLOP)".into())),
            message: "\"lots\" is not a non-negative number".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "line 3, column 5 (Training compute (FLOP)): \"lots\" is not a non-negative number"
    );
    let e = csv_err(&format!("{head}A,O,01/02/2025,1e9,1e20\n"));
    assert!(
        matches!(
            &e,
            ImportError::Csv {
                line: 2,
                column: Some((3, _)),
                ..
            }
        ),
        "{e}"
    );
    let e = csv_err(&format!("{head}A,O,2025-01-01,-5,1e20\n"));
    assert!(
        matches!(
            &e,
            ImportError::Csv {
                line: 2,
                column: Some((4, _)),
                ..
            }
        ),
        "{e}"
    );
    let e = csv_err(&format!("{head}A,O,2025-01-01,1e9,inf\n"));
    assert!(
        matches!(
            &e,
            ImportError::Csv {
                line: 2,
                column: Some((5, _)),
                ..
            }
        ),
        "{e}"
    );
    let e = csv_err(&format!("{head} ,O,2025-01-01,1e9,1e20\n"));
    assert!(
        matches!(
            &e,
            ImportError::Csv {
                line: 2,
                column: Some((1, _)),
                ..
            }
        ),
        "{e}"
    );
    let e = csv_err(&format!("{head}A,O,2025-01-01,1e9,1e20\nB,O,2025-01-01\n"));
    assert!(
        matches!(
            &e,
            ImportError::Csv {
                line: 3,
                column: None,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("3 fields where the header has 5"),
        "{e}"
    );
    let e = csv_err("Model,Organization,Parameters\nA,B,1\n");
    assert!(e.to_string().contains("Publication date"), "{e}");
    let mut bytes = head.as_bytes().to_vec();
    bytes.extend_from_slice(b"A,\xff\xfe,2025-01-01,1,1\n");
    let e = epoch_csv(&bytes[..]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 2 (Organization): not valid UTF-8"
    );
}

#[test]
fn json_profiles() {
    let ps = profiles_json(
        br#"[{"name": "A", "organization": "Lab", "published": "2025-06-30",
              "parameters": 1e12, "active_parameters": 5e10, "training_tokens": 3e13,
              "training_compute_flop": 9e24, "compute_cost_usd": 5e7,
              "bio_sequence_data": false, "evals": {"cybench": 0.25}, "dual_use": {"bio": true}},
             {"name": "B"}]"#,
    )
    .unwrap();
    assert_eq!(ps[0].published, Some(date!(2025 - 06 - 30)));
    assert_eq!(ps[0].evals["cybench"], 0.25);
    assert_eq!(ps[1], ModelProfile::named("B"));
    let back: Vec<ModelProfile> =
        serde_json::from_str(&serde_json::to_string(&ps).unwrap()).unwrap();
    assert_eq!(back, ps);
}

#[test]
fn json_errors_name_the_path() {
    let err = |text: &str| match profiles_json(text.as_bytes()) {
        Err(ImportError::Json { path, message }) => (path, message),
        other => panic!("{other:?}"),
    };
    // A profile written as an array is no profile (serde alone would read
    // its fields in order: a model named "A").
    let (path, message) = err(r#"[{"name": "B"}, ["A"]]"#);
    assert_eq!(path, "$[1]");
    assert!(message.contains("JSON object"), "{message}");
    let (path, message) = err(r#"[{"name": "A"}, {"name": "B", "training_flops": 1}]"#);
    assert_eq!(path, "$[1].training_flops");
    assert!(
        message.contains("unknown field `training_flops`"),
        "{message}"
    );
    assert_eq!(
        err(r#"[{"name": "A", "evals": {"cybench": "high"}}]"#).0,
        "$[0].evals.cybench"
    );
    assert_eq!(
        err(r#"[{"name": "A", "evals": {"cybench": 1.5}}]"#).0,
        "$[0].evals.cybench"
    );
    assert_eq!(
        err(r#"[{"name": "A", "published": "June 2025"}]"#).0,
        "$[0].published"
    );
    assert_eq!(
        err(r#"[{"name": "A", "parameters": -1}]"#).0,
        "$[0].parameters"
    );
    assert_eq!(
        err(r#"[{"name": "A", "parameters": 1, "active_parameters": 2}]"#).0,
        "$[0].active_parameters"
    );
    assert_eq!(err(r#"[{"organization": "A"}]"#).0, "$[0]");
    assert_eq!(err(r#"[{"name": " "}]"#).0, "$[0].name");
    assert_eq!(err(r#"{"name": "A"}"#).0, "$");
    assert_eq!(err(r#"[{"name": "A"}"#).0, "$");
}

/// Epoch's exports hold rows that are blank apart from bookkeeping columns
/// (`Last modified`, `Created By`): each row is answered on its own, in
/// order and numbered from 1 after the header, and a row that is not a
/// model does not stop the others.
#[test]
fn each_csv_row_is_read_on_its_own() {
    let head = "Model,Organization,Publication date,Parameters,Training compute (FLOP),Last modified,Created By\n";
    let mut bytes = format!(
        "{head}A,O,2025-01-01,1e9,1e20,2025-02-01,x\n\
         ,,,,,2025-03-04 10:00,someone\n\
         \"B\nb\",O,2025-01-01,1e9,lots,,\n\
         ,O,2025-01-01,1,1,,\n\
         ,,,,,,\n\
         C,O,2025-01-01\n"
    )
    .into_bytes();
    bytes.extend_from_slice(b"D,\xff,2025-01-01,1,1,,\nE,,,,,,\n");
    let rows = bulwark_frontier::import::epoch_csv_rows(&bytes[..]).unwrap();
    let numbers: Vec<usize> = rows.iter().map(|r| r.row).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7, 8]);
    let errors: Vec<String> = rows
        .iter()
        .map(|r| match &r.profile {
            Ok(p) => format!("ok {}", p.name),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(errors[0], "ok A");
    assert_eq!(
        errors[1],
        "line 3, column 1 (Model): not a model: the row is blank apart from Last modified, Created By"
    );
    assert_eq!(
        errors[2],
        "line 4, column 5 (Training compute (FLOP)): \"lots\" is not a non-negative number"
    );
    assert_eq!(
        errors[3],
        "line 6, column 1 (Model): the model name is blank"
    );
    assert_eq!(
        errors[4],
        "line 7, column 1 (Model): not a model: the row is blank"
    );
    assert_eq!(errors[5], "line 8: 3 fields where the header has 7");
    assert_eq!(
        errors[6],
        "line 9, column 2 (Organization): not valid UTF-8"
    );
    assert_eq!(errors[7], "ok E");
    // The all-or-nothing reader stops at the first.
    assert_eq!(
        epoch_csv(&bytes[..]).unwrap_err().to_string(),
        errors[1],
        "strict"
    );
    // A file that is not Epoch's layout is refused whole.
    assert!(bulwark_frontier::import::epoch_csv_rows(&b"Name,Org\nA,B\n"[..]).is_err());
}

#[test]
fn each_json_element_is_read_on_its_own() {
    let rows = bulwark_frontier::import::profiles_json_rows(
        br#"[{"name": "A"}, {"name": "B", "training_flops": 1}, ["x"], {"name": "C", "parameters": -1}, {"name": "D"}]"#,
    )
    .unwrap();
    let got: Vec<(usize, String)> = rows
        .iter()
        .map(|r| {
            (
                r.row,
                match &r.profile {
                    Ok(p) => format!("ok {}", p.name),
                    Err(ImportError::Json { path, .. }) => path.clone(),
                    Err(e) => panic!("{e}"),
                },
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "ok A".to_owned()),
            (2, "$[1].training_flops".to_owned()),
            (3, "$[2]".to_owned()),
            (4, "$[3].parameters".to_owned()),
            (5, "ok D".to_owned()),
        ]
    );
    // Not an array: refused whole.
    assert!(bulwark_frontier::import::profiles_json_rows(br#"{"name": "A"}"#).is_err());
    assert!(bulwark_frontier::import::profiles_json_rows(b"[{").is_err());
}
