//! The `dun` binary: parse, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dun::cli::Cli::parse();
    match dun::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if dun::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let message = format!("{err:#}");
            eprintln!("error: {}", dun::readable(&message.replace('\n', " ")));
            ExitCode::from(dun::exit_code(&err))
        }
    }
}
