//! Frontier benchmarks: benchmark sets, the model registry, determinations and their re-determination when a version takes effect.
