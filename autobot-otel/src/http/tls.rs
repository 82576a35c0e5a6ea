//! [`TlsConfig`] (cargo feature `tls`): the certificate and key the standalone
//! server serves HTTPS with, and the bounded handshake its accept loop runs.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

/// Default bound on a TLS handshake: a client that connects and does not
/// complete the handshake in this time is disconnected (see
/// [`TlsConfig::with_handshake_timeout`]).
///
/// ```
/// assert_eq!(autobot_otel::http::DEFAULT_TLS_HANDSHAKE_TIMEOUT, std::time::Duration::from_secs(10));
/// ```
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate and key [`MetricsServer`](super::MetricsServer) serves HTTPS with
/// (cargo feature `tls`; rustls with the `ring` provider, TLS 1.2 and 1.3,
/// HTTP/1.1).
///
/// The certificate chain is PEM (`CERTIFICATE` sections, leaf first); the key
/// is PEM PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1
/// (`EC PRIVATE KEY`). Handshakes are bounded by
/// [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`] (see [`TlsConfig::with_handshake_timeout`]);
/// failed handshakes and plaintext clients are dropped (logged at `debug`)
/// without affecting other connections; a shutdown drops connections still in
/// their handshake at once. After the handshake, the server's header read
/// timeout and shutdown grace period apply as over plain HTTP. The key never
/// appears in `Debug` output or in errors.
///
/// ```
/// use autobot_otel::http::TlsConfig;
/// use std::time::Duration;
///
/// let cert = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-cert.pem"))?;
/// let key = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-key.pem"))?;
/// let tls = TlsConfig::from_pem(&cert, &key)?.with_handshake_timeout(Duration::from_secs(5));
/// assert!(!format!("{tls:?}").contains("PRIVATE"));
/// assert!(TlsConfig::from_pem(&cert, b"not a key").is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

impl TlsConfig {
    /// A configuration from a PEM certificate chain and a PEM private key.
    ///
    /// Fails (`InvalidData`) when the chain holds no certificate, the key
    /// cannot be parsed, or the key does not match the certificate.
    ///
    /// ```
    /// use autobot_otel::http::TlsConfig;
    /// let cert = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls-cert.pem"))?;
    /// let err = TlsConfig::from_pem(&cert, b"").unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_pem(cert_chain_pem: &[u8], private_key_pem: &[u8]) -> std::io::Result<Self> {
        let certs = CertificateDer::pem_slice_iter(cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("cannot parse the PEM certificate chain: {e}")))?;
        if certs.is_empty() {
            return Err(invalid(
                "the PEM certificate chain holds no CERTIFICATE section".into(),
            ));
        }
        // The parser's error may quote the input: say nothing about the key's content.
        let key = PrivateKeyDer::from_pem_slice(private_key_pem).map_err(|_| {
            invalid(
                "cannot parse the PEM private key (expected a PRIVATE KEY, \
                 RSA PRIVATE KEY or EC PRIVATE KEY section)"
                    .into(),
            )
        })?;
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("TLS configuration: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(format!("unusable certificate or private key: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
        })
    }

    /// Reads the PEM certificate chain and private key from files (see
    /// [`TlsConfig::from_pem`]). A file that cannot be read is an error naming
    /// its path, with the kind of the underlying error (e.g. `NotFound`).
    ///
    /// ```
    /// use autobot_otel::http::TlsConfig;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    /// let tls = TlsConfig::from_pem_files(format!("{dir}/tls-cert.pem"), format!("{dir}/tls-key.pem"))?;
    /// # drop(tls);
    /// let missing = TlsConfig::from_pem_files(format!("{dir}/tls-cert.pem"), "/nonexistent/key.pem").unwrap_err();
    /// assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_pem_files(
        cert_chain_path: impl AsRef<Path>,
        private_key_path: impl AsRef<Path>,
    ) -> std::io::Result<Self> {
        let read = |path: &Path, what: &str| {
            std::fs::read(path).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot read the TLS {what} `{}`: {e}", path.display()),
                )
            })
        };
        let certs = read(cert_chain_path.as_ref(), "certificate chain")?;
        let key = read(private_key_path.as_ref(), "private key")?;
        TlsConfig::from_pem(&certs, &key)
    }

    /// Disconnects clients that have not completed the TLS handshake within
    /// `timeout` (default [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`]).
    ///
    /// ```
    /// use autobot_otel::http::TlsConfig;
    /// use std::time::Duration;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    /// let tls = TlsConfig::from_pem_files(format!("{dir}/tls-cert.pem"), format!("{dir}/tls-key.pem"))?
    ///     .with_handshake_timeout(Duration::from_secs(3));
    /// assert!(format!("{tls:?}").contains("3s"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Runs the server side of the handshake on `tcp`, bounded by the handshake
    /// timeout; `None` (logged at `debug`) when it fails or times out.
    pub(super) async fn handshake(&self, tcp: TcpStream) -> Option<TlsStream<TcpStream>> {
        match tokio::time::timeout(self.handshake_timeout, self.acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!(timeout = ?self.handshake_timeout, "TLS handshake timed out");
                None
            }
        }
    }
}
