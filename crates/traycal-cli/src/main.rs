//! `traycal`: the headless command line over the Traycal engine.

mod occurrences;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "traycal",
    version,
    about = "Traycal: all your calendars in one local mirror"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Expand a local ICS file (or - for stdin) without storing it; JSON lines.
    Occurrences(occurrences::OccurrencesArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Occurrences(a) => occurrences::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("traycal: {e:#}");
            std::process::exit(1);
        }
    }
}
