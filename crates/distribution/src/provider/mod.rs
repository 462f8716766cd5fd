//! A CSAF 2.0 provider's side of distribution (§7.1): [`publish`] writes
//! the files this server serves as a trusted provider.

pub mod publish;
