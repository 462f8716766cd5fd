//! `bulwark advisory …` against a real server: the queue lists, an unknown
//! case or advisory is refused with exit 2 and the server's message, and an
//! edit whose file is not JSON exits 2 naming the file's line and column
//! before anything is sent.

use super::common::Server;

#[test]
fn advisory_commands_translate_and_refuse_with_exit_2() {
    let s = Server::start(&[]);
    let list = s.client(&s.root, &["advisory", "list", "--format", "json"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );

    let unknown = uuid::Uuid::now_v7().to_string();
    let draft = s.client(&s.root, &["advisory", "draft", &unknown]);
    assert_eq!(draft.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&draft.stderr).contains("404"),
        "{}",
        String::from_utf8_lossy(&draft.stderr)
    );
    let show = s.client(&s.root, &["advisory", "show", &unknown, "--csaf"]);
    assert_eq!(show.status.code(), Some(2));
    let bad_stage = s.client(&s.root, &["advisory", "list", "--stage", "nonsense"]);
    assert_eq!(bad_stage.status.code(), Some(2));

    let dir = std::env::temp_dir().join(format!("bulwark-adv-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("content.json");
    std::fs::write(&file, "{\n  \"title\": \"x\",\n  oops\n}\n").unwrap();
    let edit = s.client(
        &s.root,
        &["advisory", "edit", &unknown, file.to_str().unwrap()],
    );
    assert_eq!(edit.status.code(), Some(2));
    let err = String::from_utf8_lossy(&edit.stderr);
    assert!(err.contains("content.json:3:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
