//! `sqlx::migrate!` embeds the migrations when `lib.rs` compiles; without
//! this, a migration added to an otherwise unchanged crate would not be.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
