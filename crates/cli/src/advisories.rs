//! `bulwark advisories compile SOURCE… -o FILE`: OSV records compiled into
//! an index file (`bulwark_matching::compiled`) that `bulwark match
//! --index` loads without parsing JSON or YAML.
//!
//! Sources are read as `bulwark match --advisories` reads them (a
//! directory, one file, or a .zip archive; parsed over every core), and
//! filed as its index files them: of two records with one id the one
//! modified last, withdrawn records left out. So matching against the file
//! gives exactly what matching against the records gives. A broken record
//! is named on standard error and left out, and the exit code is then 2;
//! `--strict` writes nothing when any is broken. The file is written whole
//! or not at all (a temporary file beside it, renamed into place).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use bulwark_matching::index::Index;
use bulwark_matching::load::{self, Tally};
use clap::Subcommand;

use crate::BadInput;
use crate::matching::read_osv_source;

#[derive(Subcommand)]
pub enum AdvisoriesCommand {
    /// Compile OSV records into an index file for `bulwark match --index`.
    Compile {
        /// OSV records: directories (walked recursively for .json, .yaml and
        /// .yml files), such files, or .zip archives of them.
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        /// The index file to write (replaced whole when it exists).
        #[arg(short, long)]
        output: PathBuf,
        /// Write nothing when any record is broken.
        #[arg(long)]
        strict: bool,
    },
}

pub fn run(command: AdvisoriesCommand) -> anyhow::Result<ExitCode> {
    let AdvisoriesCommand::Compile {
        sources,
        output,
        strict,
    } = command;
    let started = Instant::now();
    let mut index = Index::new();
    let mut tally = Tally::default();
    for source in &sources {
        read_osv_source(
            source,
            |_| {},
            |name, _, read| {
                if let load::Read::Refused(e) = &read {
                    eprintln!("bulwark: {name}: {e}");
                }
                if let Some(a) = tally.count(read) {
                    index.insert(a);
                }
                Ok(())
            },
        )?;
    }
    let refused = tally.refused_total();
    if refused > 0 && strict {
        return Err(BadInput(format!(
            "{refused} broken OSV records (named above); nothing written (--strict)"
        ))
        .into());
    }
    let bytes = index.to_file();
    let shown = output.display();
    let mut tmp = output.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, &output));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(BadInput(format!("{shown}: {e}")).into());
    }
    eprintln!(
        "{shown}: {} records compiled ({} read, {} withdrawn left out, {} superseded, \
         {} not OSV records, {refused} refused), {} bytes, in {} ms",
        index.len(),
        tally.parsed,
        index.withdrawn(),
        tally.parsed.saturating_sub(index.len() + index.withdrawn()),
        tally.not_osv_total(),
        bytes.len(),
        started.elapsed().as_millis(),
    );
    Ok(if refused > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
