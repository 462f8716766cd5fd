//! SBOMs: upload (stored with their components), listing, and what affects each one now.
