//! The voluntary review pipeline: submissions, dossier documents, triage, findings and responses, conclusions, withdrawals, date changes, and the reminders of review windows and grants.
