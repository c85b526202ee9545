//! The HTTP side: one route, `POST /v1/traces`, and the OTLP/HTTP answers.
//!
//! Checks run cheapest first: token (401), content type and encoding (415), a queue slot (429),
//! the declared length (413), then the body is read with a limit (413), inflated with a limit
//! (413), decoded (400), written (503 if the disk fails) and only then answered 200.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::decode::{self, BodyError, Encoding};
use crate::queue::{Batch, Sink};

/// How long a request may take to send its body once it holds a queue slot.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// What every request handler shares.
pub(crate) struct State {
    sink: Sink,
    token: Option<String>,
    max_body: usize,
    retry_after: Duration,
}

impl State {
    pub(crate) fn new(config: &crate::Config, sink: Sink) -> Arc<State> {
        Arc::new(State {
            sink,
            token: config.token.clone().filter(|t| !t.is_empty()),
            max_body: config.max_body,
            retry_after: config.retry_after,
        })
    }
}

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/traces", post(traces))
        .with_state(state)
}

fn answer(status: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    r
}

fn refuse(status: StatusCode, encoding: Encoding, message: &str) -> Response {
    // google.rpc.Code: 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 16 UNAUTHENTICATED.
    let code = match status {
        StatusCode::UNAUTHORIZED => 16,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::PAYLOAD_TOO_LARGE => 8,
        StatusCode::SERVICE_UNAVAILABLE => 14,
        _ => 3,
    };
    answer(
        status,
        encoding,
        decode::status_body(encoding, code, message),
    )
}

fn retry_later(state: &State, status: StatusCode, encoding: Encoding, message: &str) -> Response {
    let mut r = refuse(status, encoding, message);
    let secs = state.retry_after.as_secs().max(1);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

async fn traces(Extract(state): Extract<Arc<State>>, headers: HeaderMap, body: Body) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let encoding = Encoding::from_content_type(content_type);
    // Errors before the encoding is known are answered in protobuf, the OTLP/HTTP default.
    let reply_enc = encoding.unwrap_or(Encoding::Protobuf);
    if let Some(token) = &state.token {
        let auth = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !crate::auth::bearer_ok(auth, token) {
            let mut r = refuse(
                StatusCode::UNAUTHORIZED,
                reply_enc,
                "missing or wrong bearer token",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    let Some(encoding) = encoding else {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            reply_enc,
            "Content-Type must be application/x-protobuf or application/json",
        );
    };
    let gzip = match headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        None | Some("" | "identity") => false,
        Some(e) if e.eq_ignore_ascii_case("gzip") => true,
        Some(_) => {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                encoding,
                "Content-Encoding must be gzip or identity",
            );
        }
    };
    let Some(permit) = state.sink.reserve() else {
        return retry_later(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            encoding,
            "queue full, retry later",
        );
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            encoding,
            "request body exceeds the size limit",
        )
    };
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return too_large();
    }
    // A slow sender holds a queue slot; it gets BODY_TIMEOUT to finish its body.
    let read = tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, state.max_body).collect());
    let raw = match read.await {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(_)) => return refuse(StatusCode::BAD_REQUEST, encoding, "could not read the body"),
        Err(_) => {
            return refuse(
                StatusCode::REQUEST_TIMEOUT,
                encoding,
                "the body took too long",
            );
        }
    };
    let st = Arc::clone(&state);
    let work = tokio::task::spawn_blocking(move || -> Result<(usize, String), Box<Response>> {
        let inflated;
        let body: &[u8] = if gzip {
            inflated =
                decode::gunzip(&raw, st.max_body).map_err(|e| Box::new(body_error(e, encoding)))?;
            &inflated
        } else {
            &raw
        };
        let d =
            decode::decode_body(body, encoding).map_err(|e| Box::new(body_error(e, encoding)))?;
        if let Some(line) = d.line {
            let batch = Batch {
                line,
                spans: d.spans,
                traces: d.traces,
                rejected: d.rejected,
            };
            if let Err(e) = st.sink.commit(permit, batch) {
                return Err(Box::new(retry_later(
                    &st,
                    StatusCode::SERVICE_UNAVAILABLE,
                    encoding,
                    &format!("could not write the recording: {e}"),
                )));
            }
        }
        Ok((d.rejected, d.reject_reason))
    })
    .await;
    match work {
        Ok(Ok((rejected, reason))) => answer(
            StatusCode::OK,
            encoding,
            decode::success_body(encoding, rejected, &reason),
        ),
        Ok(Err(r)) => *r,
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            encoding,
            "internal error",
        ),
    }
}

fn body_error(e: BodyError, encoding: Encoding) -> Response {
    match e {
        BodyError::TooLarge => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            encoding,
            "decompressed body exceeds the size limit",
        ),
        BodyError::Invalid(why) => refuse(StatusCode::BAD_REQUEST, encoding, &why),
    }
}
