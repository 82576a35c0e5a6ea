//! [`EndpointOptions`]: how the endpoints guard themselves (bearer token,
//! concurrency cap, collection timeout), and [`InvalidToken`], the error a token
//! that would leave the endpoints open is refused with.

use std::sync::Arc;
use std::time::Duration;

/// Default bound on one collection behind a request (see
/// [`EndpointOptions::with_collect_timeout`]).
///
/// ```
/// assert_eq!(autobot_otel::http::DEFAULT_COLLECT_TIMEOUT, std::time::Duration::from_secs(10));
/// ```
pub const DEFAULT_COLLECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on scrapes and health checks served at the same time (see
/// [`EndpointOptions::with_max_concurrent_scrapes`]).
///
/// ```
/// assert_eq!(autobot_otel::http::DEFAULT_MAX_CONCURRENT_SCRAPES, 8);
/// ```
pub const DEFAULT_MAX_CONCURRENT_SCRAPES: usize = 8;

/// Where a bearer token set in code comes from, as [`InvalidToken`] names it.
const CODE_SETTING: &str = "`EndpointOptions::with_bearer_token`";

/// How the endpoints guard themselves.
///
/// - Bearer token ([`EndpointOptions::with_bearer_token`],
///   [`EndpointOptions::with_bearer_token_from_env`]): when set, a request must
///   send exactly one `Authorization: Bearer <token>` header; any other request
///   (no header, another scheme, a wrong token, two `Authorization` headers) gets
///   `401` with `WWW-Authenticate: Bearer`. The scheme is matched case-insensitively
///   (`bearer`, `BEARER`) and the spaces around the token are ignored; the token
///   itself is compared byte for byte, case-sensitively, in constant time
///   (the `subtle` crate; a token of another length is refused at once, so use a long
///   random one). An empty, whitespace-only or unsendable token is refused where it
///   is configured ([`InvalidToken`]): a configured token never means "open". The
///   token never appears in `Debug` output, errors or logs.
/// - Concurrency cap ([`EndpointOptions::with_max_concurrent_scrapes`]): requests
///   past it get `503` with `Retry-After: 1` instead of queueing CPU work (default
///   [`DEFAULT_MAX_CONCURRENT_SCRAPES`]).
/// - Collection timeout ([`EndpointOptions::with_collect_timeout`]): a collection
///   slower than it gets `503` (default [`DEFAULT_COLLECT_TIMEOUT`]).
///
/// Wrong methods get `405`, unknown paths `404`, oversized headers `431` (hyper's
/// limits), and nothing a client sends can make a handler panic.
///
/// ```
/// use autobot_otel::http::EndpointOptions;
/// let options = EndpointOptions::default().with_bearer_token("s3cret")?.with_max_concurrent_scrapes(4);
/// assert!(!format!("{options:?}").contains("s3cret"));
/// # Ok::<(), autobot_otel::http::InvalidToken>(())
/// ```
#[derive(Clone)]
pub struct EndpointOptions {
    pub(super) bearer_token: Option<Arc<[u8]>>,
    pub(super) max_concurrent_scrapes: usize,
    pub(super) collect_timeout: Duration,
}

impl Default for EndpointOptions {
    fn default() -> Self {
        EndpointOptions {
            bearer_token: None,
            max_concurrent_scrapes: DEFAULT_MAX_CONCURRENT_SCRAPES,
            collect_timeout: DEFAULT_COLLECT_TIMEOUT,
        }
    }
}

impl std::fmt::Debug for EndpointOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointOptions")
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .field("max_concurrent_scrapes", &self.max_concurrent_scrapes)
            .field("collect_timeout", &self.collect_timeout)
            .finish()
    }
}

impl EndpointOptions {
    /// Requires `Authorization: Bearer <token>` on both endpoints.
    ///
    /// Fails, without keeping the token, when it is empty or only whitespace
    /// ([`InvalidToken::Empty`]: such a token must never mean "authenticated"), or
    /// holds characters other than visible ASCII (`!` to `~`; no spaces, control
    /// or non-ASCII characters), which a client's `Authorization` header cannot
    /// carry unchanged ([`InvalidToken::Unsendable`]). Surrounding whitespace is
    /// not trimmed: a token read from a file with its trailing newline is refused,
    /// rather than silently never matching what Prometheus sends.
    ///
    /// ```
    /// use autobot_otel::http::{EndpointOptions, InvalidToken};
    ///
    /// let options = EndpointOptions::default().with_bearer_token("4f1c9e0b7d2a")?;
    /// # drop(options);
    /// // An empty token (e.g. an unset variable read with `unwrap_or_default()`) is an error.
    /// let empty = EndpointOptions::default().with_bearer_token("").unwrap_err();
    /// assert!(matches!(empty, InvalidToken::Empty { .. }));
    /// assert!(EndpointOptions::default().with_bearer_token(" \t").is_err());
    /// // The error never quotes the token.
    /// let spaced = EndpointOptions::default().with_bearer_token("my secret").unwrap_err();
    /// assert!(!spaced.to_string().contains("my secret"));
    /// # Ok::<(), InvalidToken>(())
    /// ```
    pub fn with_bearer_token(self, token: impl AsRef<str>) -> Result<Self, InvalidToken> {
        self.with_checked_token(token.as_ref(), || CODE_SETTING.to_string())
    }

    /// Requires `Authorization: Bearer <token>`, the token being the value of the
    /// environment variable `variable` (e.g. `AUTOBOT_METRICS_TOKEN`).
    ///
    /// Fails when the variable is not set ([`InvalidToken::Unset`]), and for the
    /// values [`EndpointOptions::with_bearer_token`] refuses (a value that is not
    /// Unicode is [`InvalidToken::Unsendable`]). The error names the variable,
    /// never its value: propagate it with `?` so that the service does not start
    /// with an open endpoint.
    ///
    /// ```
    /// use autobot_otel::http::{EndpointOptions, InvalidToken};
    ///
    /// let err = EndpointOptions::default()
    ///     .with_bearer_token_from_env("AUTOBOT_DOCTEST_UNSET_TOKEN")
    ///     .unwrap_err();
    /// assert_eq!(err, InvalidToken::Unset { variable: "AUTOBOT_DOCTEST_UNSET_TOKEN".into() });
    /// assert!(err.to_string().contains("AUTOBOT_DOCTEST_UNSET_TOKEN"));
    /// ```
    pub fn with_bearer_token_from_env(self, variable: &str) -> Result<Self, InvalidToken> {
        let setting = || format!("the environment variable `{variable}`");
        match std::env::var(variable) {
            Ok(token) => self.with_checked_token(&token, setting),
            Err(std::env::VarError::NotPresent) => Err(InvalidToken::Unset {
                variable: variable.to_string(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(InvalidToken::Unsendable { setting: setting() })
            }
        }
    }

    fn with_checked_token(
        mut self,
        token: &str,
        setting: impl FnOnce() -> String,
    ) -> Result<Self, InvalidToken> {
        if token.trim().is_empty() {
            return Err(InvalidToken::Empty { setting: setting() });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidToken::Unsendable { setting: setting() });
        }
        self.bearer_token = Some(Arc::from(token.as_bytes()));
        Ok(self)
    }

    /// Serves at most `n` requests at once; the others get `503` with
    /// `Retry-After: 1` (default [`DEFAULT_MAX_CONCURRENT_SCRAPES`]; `0` refuses
    /// every request).
    ///
    /// ```
    /// use autobot_otel::http::EndpointOptions;
    /// let options = EndpointOptions::default().with_max_concurrent_scrapes(2);
    /// assert!(format!("{options:?}").contains("max_concurrent_scrapes: 2"));
    /// ```
    pub fn with_max_concurrent_scrapes(mut self, n: usize) -> Self {
        self.max_concurrent_scrapes = n;
        self
    }

    /// Answers `503` when a collection takes longer than `timeout` (default
    /// [`DEFAULT_COLLECT_TIMEOUT`]), e.g. behind an observable callback of the
    /// application that hangs. The stuck collection keeps its concurrency permit
    /// until it ends, so hanging collections never pile up past the cap.
    ///
    /// ```
    /// use autobot_otel::http::EndpointOptions;
    /// let options = EndpointOptions::default().with_collect_timeout(std::time::Duration::from_secs(3));
    /// assert!(format!("{options:?}").contains("3s"));
    /// ```
    pub fn with_collect_timeout(mut self, timeout: Duration) -> Self {
        self.collect_timeout = timeout;
        self
    }
}

/// A bearer token refused where it is configured, because serving with it would
/// leave the endpoints open or unusable. Names the setting (the environment
/// variable, or `EndpointOptions::with_bearer_token`), never the token.
///
/// Converts into [`std::io::Error`] (`InvalidInput`), so `?` works in a function
/// returning `std::io::Result`, as in the README.
///
/// ```
/// use autobot_otel::http::{EndpointOptions, InvalidToken};
///
/// let err = EndpointOptions::default().with_bearer_token("").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "the metrics bearer token from `EndpointOptions::with_bearer_token` is empty or only \
///      whitespace, which would leave the endpoints open: set it to a long random secret \
///      (e.g. `openssl rand -hex 32`), or configure no token and keep the server on 127.0.0.1"
/// );
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidToken {
    /// [`EndpointOptions::with_bearer_token_from_env`]: the variable is not set.
    Unset {
        /// The environment variable's name.
        variable: String,
    },
    /// The token is empty or only whitespace.
    Empty {
        /// Where the token came from, e.g. ``the environment variable `AUTOBOT_METRICS_TOKEN` ``.
        setting: String,
    },
    /// The token holds a space, a control or a non-ASCII character (or the
    /// variable's value is not Unicode): an `Authorization` header cannot carry it
    /// unchanged.
    Unsendable {
        /// Where the token came from, e.g. ``the environment variable `AUTOBOT_METRICS_TOKEN` ``.
        setting: String,
    },
}

impl std::fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const FIX: &str = "set it to a long random secret (e.g. `openssl rand -hex 32`), \
                           or configure no token and keep the server on 127.0.0.1";
        match self {
            InvalidToken::Unset { variable } => write!(
                f,
                "the metrics bearer token variable `{variable}` is not set: {FIX}"
            ),
            InvalidToken::Empty { setting } => write!(
                f,
                "the metrics bearer token from {setting} is empty or only whitespace, \
                 which would leave the endpoints open: {FIX}"
            ),
            InvalidToken::Unsendable { setting } => write!(
                f,
                "the metrics bearer token from {setting} holds spaces, control or non-ASCII \
                 characters, which an `Authorization: Bearer` header cannot carry: use visible \
                 ASCII only (e.g. `openssl rand -hex 32`), without a trailing newline"
            ),
        }
    }
}

impl std::error::Error for InvalidToken {}

impl From<InvalidToken> for std::io::Error {
    fn from(err: InvalidToken) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, err)
    }
}
