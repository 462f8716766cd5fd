//! Clearinghouse cases: intake of findings into reports and cases, merges and splits, validation under a quorum, assessments, markings, vendors and participants, kept documents, source reliability.
