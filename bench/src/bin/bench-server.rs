//! The loopback canned Lambda server of the benchmark.
//!
//! ```text
//! bench-server [--port N]
//! ```
//!
//! Binds 127.0.0.1 (port 0, a free one, unless given), prints `http://127.0.0.1:PORT` on
//! the first line of standard output and serves until killed.
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

use lambda_bench::server::Server;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut port = 0u16;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(p)) => {
                port = p.parse().map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "--port N")
                })?
            }
            _ => {
                eprintln!("usage: bench-server [--port N]");
                std::process::exit(2);
            }
        }
    }
    let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "http://{}", server.local_addr()?)?;
    stdout.flush()?;
    server.run()
}
