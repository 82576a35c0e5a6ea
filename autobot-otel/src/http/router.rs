//! The axum [`Router`] serving both endpoints: authorisation, the concurrency
//! cap and the bounded collection behind each request.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use subtle::ConstantTimeEq;

use super::negotiate::negotiate;
use super::{EndpointOptions, ServerMetricsLayer};
use crate::Telemetry;
use crate::health::{HEALTH_PATH, METRICS_PATH};

#[derive(Clone)]
struct AppState {
    telemetry: Telemetry,
    token: Option<Arc<[u8]>>,
    permits: Arc<tokio::sync::Semaphore>,
    collect_timeout: Duration,
}

/// A router serving both endpoints for `telemetry`, with the default options (no
/// token: mount it only where the network is trusted, or use [`router_with`]).
/// Their requests are recorded as the HTTP server conventions' metrics
/// ([`ServerMetricsLayer`], `http_route` the endpoint's path): do not wrap the
/// merged app in another `ServerMetricsLayer` of the same pipeline, or they
/// count twice.
///
/// ```
/// let app: axum::Router = autobot_otel::http::router(autobot_otel::global().clone());
/// # drop(app);
/// ```
pub fn router(telemetry: Telemetry) -> Router {
    router_with(telemetry, EndpointOptions::default())
}

/// A router serving both endpoints for `telemetry`, guarded as `options` says
/// (see [`EndpointOptions`] for the token rules, the cap and the timeout).
///
/// ```
/// use autobot_otel::http::{router_with, EndpointOptions};
/// let options = EndpointOptions::default().with_bearer_token("4f1c9e0b7d2a")?;
/// let app: axum::Router = router_with(autobot_otel::global().clone(), options);
/// # drop(app);
/// # Ok::<(), autobot_otel::http::InvalidToken>(())
/// ```
pub fn router_with(telemetry: Telemetry, options: EndpointOptions) -> Router {
    // Their own requests, as the HTTP server conventions' metrics (matched
    // routes only: a merged app's fallback stays the app's).
    let server_metrics = ServerMetricsLayer::new(&telemetry);
    let state = AppState {
        telemetry,
        token: options.bearer_token,
        permits: Arc::new(tokio::sync::Semaphore::new(options.max_concurrent_scrapes)),
        collect_timeout: options.collect_timeout,
    };
    Router::new()
        .route(METRICS_PATH, get(metrics_handler))
        .route(HEALTH_PATH, get(health_handler))
        .route_layer(server_metrics)
        .with_state(state)
}

/// Whether `headers` carry exactly one `Authorization: Bearer <token>` with this
/// token: scheme case-insensitive, spaces around the token ignored, the token
/// compared in constant time. No header, two headers, another scheme: `false`.
fn authorized(headers: &HeaderMap, token: &[u8]) -> bool {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    let value = value.as_bytes().trim_ascii_start();
    let Some(space) = value.iter().position(|&b| b == b' ' || b == b'\t') else {
        return false;
    };
    let (scheme, given) = value.split_at(space);
    scheme.eq_ignore_ascii_case(b"bearer") && bool::from(given.trim_ascii().ct_eq(token))
}

/// Why a request is turned away.
enum Rejection {
    Unauthorized,
    Busy,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response(),
            Rejection::Busy => unavailable("too many concurrent scrapes"),
        }
    }
}

/// A permit to serve, or why not (unauthorised, over capacity).
fn admit(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<tokio::sync::OwnedSemaphorePermit, Rejection> {
    if let Some(token) = &state.token
        && !authorized(headers, token)
    {
        return Err(Rejection::Unauthorized);
    }
    state
        .permits
        .clone()
        .try_acquire_owned()
        .map_err(|_| Rejection::Busy)
}

async fn metrics_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let exposition = negotiate(&headers);
    let render = move |t: &Telemetry| t.try_render(exposition);
    let mut response = match collect_off_thread(&state, &headers, render).await {
        Ok(Some(body)) => {
            ([(header::CONTENT_TYPE, exposition.content_type())], body).into_response()
        }
        Ok(None) => unavailable("collection failed; see the health endpoint"),
        Err(response) => response,
    };
    // The body's format depends on `Accept`: a cache must not serve one
    // client's format to another (RFC 9110 §12.5.5).
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept"));
    response
}

async fn health_handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match collect_off_thread(&state, &headers, |t| t.health()).await {
        Ok(report) => Json(report).into_response(),
        Err(response) => response,
    }
}

/// Admits the request, then runs `work` (CPU work proportional to the series
/// count) on a blocking thread, bounded by the collection timeout. The permit
/// stays with the work, so a stuck collection holds its slot until it ends.
async fn collect_off_thread<T: Send + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    work: impl FnOnce(&Telemetry) -> T + Send + 'static,
) -> Result<T, Response> {
    let permit = admit(state, headers).map_err(IntoResponse::into_response)?;
    let telemetry = state.telemetry.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&telemetry)
    });
    match tokio::time::timeout(state.collect_timeout, task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Err(_) => Err(unavailable("collection timed out")),
    }
}

/// `503` with `Retry-After` and a one-line reason.
fn unavailable(reason: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1")],
        reason,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::AUTHORIZATION, v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn authorization_header_forms() {
        let token = b"s3cret";
        for ok in [
            "Bearer s3cret",
            "bearer s3cret",
            "BEARER s3cret",
            "Bearer   s3cret",
            "Bearer\ts3cret",
            "Bearer s3cret  ",
        ] {
            assert!(authorized(&with(&[ok]), token), "{ok:?}");
        }
        for refused in [
            "",
            "Bearer",
            "Bearer ",
            "Bearers3cret",
            "Bearer S3CRET",
            "Bearer s3cre",
            "Bearer s3cret2",
            "Bearer s3 cret",
            "Basic s3cret",
            "Token s3cret",
            "s3cret",
        ] {
            assert!(!authorized(&with(&[refused]), token), "{refused:?}");
        }
        assert!(!authorized(&with(&[]), token));
        assert!(!authorized(
            &with(&["Bearer s3cret", "Bearer s3cret"]),
            token
        ));
        assert!(!authorized(
            &with(&["Bearer wrong", "Bearer s3cret"]),
            token
        ));
    }
}
