//! The command's own documentation, generated from its clap definition so that it never drifts from
//! the options: shell completions and man pages, printed on stdout for a user or a package to install.
//! Generated at run time rather than by a build script, so `cargo install` alone gives a user all of it.

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

/// `hookbox completions <SHELL>`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: Shell,
}

/// `hookbox man [COMMAND]`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (e.g. relay, for hookbox-relay(1)); without one, hookbox(1).
    pub command: Option<String>,
}

/// A subcommand `hookbox man` has no page for.
#[derive(Debug, thiserror::Error)]
pub enum ManError {
    #[error("no subcommand {name:?}; the pages are: {known}")]
    UnknownCommand { name: String, known: String },
    #[error("cannot write the page: {0}")]
    Write(#[from] std::io::Error),
}

impl CompletionsArgs {
    /// Writes the completion script of `command` (the whole `hookbox` command line) to `out`.
    pub fn write(&self, mut command: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
        let name = command.get_name().to_owned();
        // clap_complete panics when its writer fails: it writes to memory, and only `out` can fail
        // (`hookbox completions bash | head`), with an error.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut command, name, &mut script);
        out.write_all(&script)
    }
}

impl ManArgs {
    /// Writes the roff page of `command` (the whole `hookbox` command line), or of the subcommand
    /// asked for, to `out`.
    pub fn write(&self, command: clap::Command, out: &mut dyn Write) -> Result<(), ManError> {
        let mut command = command.disable_help_subcommand(true);
        // Built, the subcommands know their full names ("hookbox-relay"), which their pages take.
        command.build();
        // A subcommand has no version of its own: its page names the command's, as hookbox(1) does.
        let source = format!("hookbox {}", command.get_version().unwrap_or_default());
        let page = match &self.command {
            None => command,
            Some(name) => command
                .find_subcommand(name)
                .cloned()
                .ok_or_else(|| ManError::UnknownCommand {
                    name: name.clone(),
                    known: command
                        .get_subcommands()
                        .map(|sub| sub.get_name().to_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?,
        };
        clap_mangen::Man::new(page).source(source).render(out)?;
        Ok(())
    }
}
