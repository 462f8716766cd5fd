//! The README's screenshots, without a browser: every image it shows is a
//! PNG in `docs/screenshots/`, and every screenshot there is shown.
//! `browser::readme_screenshots_in_chromium` takes them of the demo.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn the_readme_shows_every_screenshot_and_each_is_a_png() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let shown: BTreeSet<String> = readme
        .split("](docs/screenshots/")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(str::to_owned)
        .collect();
    assert!(shown.len() >= 6, "the README shows {shown:?}");
    let on_disk: BTreeSet<String> = std::fs::read_dir(root.join("docs/screenshots"))
        .expect("docs/screenshots")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    assert_eq!(shown, on_disk, "shown in the README vs in docs/screenshots");
    for name in &shown {
        let bytes = std::fs::read(root.join("docs/screenshots").join(name)).expect("read");
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{name} is not a PNG"
        );
        // Every image alternative says what the page shows.
        let alt = readme
            .split(&format!("](docs/screenshots/{name})"))
            .next()
            .and_then(|before| before.rsplit("![").next())
            .unwrap_or_default();
        assert!(alt.len() > 20, "{name}: alt text {alt:?}");
    }
}
