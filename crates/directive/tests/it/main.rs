//! Every integration test of `bulwark-directive`, in one binary.

mod common;

mod bod2604;
mod evaluate;
mod load;
mod numeric;
mod requirement;
mod vex;
