//! `cargo xtask gen` regenerates the files derived from the metric catalog;
//! `cargo xtask check` exits non-zero when one of them is out of date, or when a
//! locked dependency needs a newer Rust than the stated MSRV.

use std::process::ExitCode;

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match std::env::args().nth(1).as_deref() {
        Some("gen") => match xtask::generated_files(&root) {
            Ok(files) => {
                for file in files {
                    if let Err(e) = std::fs::write(root.join(&file.path), &file.content) {
                        eprintln!("cannot write {}: {e}", file.path.display());
                        return ExitCode::FAILURE;
                    }
                    println!("wrote {}", file.path.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Some("check") => match xtask::stale_files(&root) {
            Ok(stale) if stale.is_empty() => {
                println!("generated files are current");
                match xtask::msrv_violations(&root) {
                    Ok((msrv, newer)) if newer.is_empty() => {
                        println!("no locked dependency needs a Rust newer than the MSRV {msrv}");
                        ExitCode::SUCCESS
                    }
                    Ok((msrv, newer)) => {
                        for n in newer {
                            eprintln!("MSRV {msrv}: {n}");
                        }
                        ExitCode::FAILURE
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Ok(stale) => {
                for path in stale {
                    eprintln!("out of date: {} (run `cargo xtask gen`)", path.display());
                }
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo xtask gen | check");
            ExitCode::FAILURE
        }
    }
}
