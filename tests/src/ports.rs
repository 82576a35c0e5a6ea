//! Free loopback ports.

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Mutex, OnceLock};

use crate::error::{Result, err};

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
///
/// The OS picks the port (bind to port 0); a port is never handed out twice
/// by one test process, so concurrently running tests don't collide with each
/// other. Another process can still grab it between this call and its use,
/// which is why [`crate::PrometheusServer`] and [`crate::Rotel`] retry with
/// fresh ports when a bind fails.
pub fn free_port() -> Result<u16> {
    static HANDED_OUT: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let handed_out = HANDED_OUT.get_or_init(|| Mutex::new(HashSet::new()));
    for _ in 0..64 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| err!("cannot bind a free port on 127.0.0.1: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| err!("cannot read local address: {e}"))?
            .port();
        drop(listener);
        let mut set = handed_out.lock().unwrap_or_else(|p| p.into_inner());
        if set.insert(port) {
            return Ok(port);
        }
    }
    Err(err!(
        "could not find a fresh free port on 127.0.0.1 after 64 tries"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_bindable() {
        let a = free_port().unwrap();
        let b = free_port().unwrap();
        assert_ne!(a, b);
        TcpListener::bind((Ipv4Addr::LOCALHOST, a)).unwrap();
    }
}
