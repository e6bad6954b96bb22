//! Commands beyond the model's operations (such as `invoke-many`): each is a name, a line
//! of help and an entry point that takes the built client and its own arguments (all
//! that follow its name, global options taken out) and returns the exit status.
//!
//! To add one: write its module beside this file, declare it in `main.rs`, and add an
//! [`Extra`] entry to [`EXTRA`].

use clap::{Arg, Command};
use lambda_blocking::Client;

/// One extra command.
pub struct Extra {
    /// Its name on the command line.
    pub name: &'static str,
    /// One line of help.
    pub about: &'static str,
    /// Runs it: the client and the arguments after its name; returns the exit status.
    pub run: fn(&Client, Vec<String>) -> u8,
}

/// The extra commands.
pub const EXTRA: &[Extra] = &[Extra {
    name: "invoke-many",
    about: "Invokes one function once per JSON line of --payloads, with adaptive concurrency",
    run: |client, args| crate::invoke_many::run(client, &args),
}];

/// Finds an extra command by name.
pub fn find(name: &str) -> Option<&'static Extra> {
    EXTRA.iter().find(|e| e.name == name)
}

/// Their subcommands: every argument after the name is passed on as it is.
pub fn commands() -> Vec<Command> {
    EXTRA
        .iter()
        .map(|e| {
            Command::new(e.name)
                .about(e.about)
                .disable_help_flag(true)
                .arg(
                    Arg::new("args")
                        .num_args(0..)
                        .trailing_var_arg(true)
                        .allow_hyphen_values(true),
                )
        })
        .collect()
}
