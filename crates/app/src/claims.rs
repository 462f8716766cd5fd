//! Deconflicted scanning: claims on scan targets under a lease, and the coverage of a target.
