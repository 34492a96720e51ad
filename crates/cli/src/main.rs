//! The `tokenhound` binary; everything is in the library's [`tokenhound_cli::run`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(tokenhound_cli::run(std::env::args_os()))
}
