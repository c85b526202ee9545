//! Request bodies to OTLP/JSON lines: gzip with a bomb guard, protobuf or JSON decoding, the
//! span checks behind partial success, and the encoded answers.

use std::collections::HashSet;
use std::io::Read;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;

/// The two OTLP/HTTP body encodings; answers use the request's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// From a `Content-Type` value (parameters such as `; charset=utf-8` ignored).
    pub fn from_content_type(value: &str) -> Option<Encoding> {
        let media = value.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/x-protobuf") {
            Some(Encoding::Protobuf)
        } else if media.eq_ignore_ascii_case("application/json") {
            Some(Encoding::Json)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Why a body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Past the size limit once inflated (413).
    TooLarge,
    /// Not valid gzip, protobuf or JSON (400), with a short reason.
    Invalid(String),
}

/// A decoded request: the line to record (None when every span was rejected) and the counts.
#[derive(Debug)]
pub struct Decoded {
    pub line: Option<String>,
    pub spans: usize,
    pub traces: usize,
    pub rejected: usize,
    pub reject_reason: String,
}

/// Inflates a gzip body, reading at most `max + 1` bytes of output: a bomb stops there.
pub fn gunzip(body: &[u8], max: usize) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(max));
    let mut dec = flate2::read::MultiGzDecoder::new(body).take(max as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| BodyError::Invalid(format!("gzip: {e}")))?;
    if out.len() > max {
        return Err(BodyError::TooLarge);
    }
    Ok(out)
}

/// Decodes an (already inflated) body, drops spans with invalid ids and renders the rest as
/// one OTLP/JSON line.
pub fn decode_body(body: &[u8], encoding: Encoding) -> Result<Decoded, BodyError> {
    let mut req = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body)
            .map_err(|e| BodyError::Invalid(format!("protobuf: {e}")))?,
        Encoding::Json => serde_json::from_slice::<ExportTraceServiceRequest>(body)
            .map_err(|e| BodyError::Invalid(format!("json: {e}")))?,
    };
    let mut spans = 0;
    let mut rejected = 0;
    let mut traces = HashSet::new();
    for rs in &mut req.resource_spans {
        for ss in &mut rs.scope_spans {
            ss.spans.retain(|s| {
                let ok = valid_id(&s.trace_id, 16)
                    && valid_id(&s.span_id, 8)
                    && (s.parent_span_id.is_empty() || s.parent_span_id.len() == 8);
                if ok {
                    spans += 1;
                    traces.insert(s.trace_id.clone());
                } else {
                    rejected += 1;
                }
                ok
            });
        }
        rs.scope_spans.retain(|ss| !ss.spans.is_empty());
    }
    req.resource_spans.retain(|rs| !rs.scope_spans.is_empty());
    let line = if spans == 0 {
        None
    } else {
        Some(serde_json::to_string(&req).map_err(|e| BodyError::Invalid(format!("json: {e}")))?)
    };
    Ok(Decoded {
        line,
        spans,
        traces: traces.len(),
        rejected,
        reject_reason: if rejected > 0 {
            "spans need a 16-byte non-zero traceId and an 8-byte non-zero spanId".into()
        } else {
            String::new()
        },
    })
}

fn valid_id(id: &[u8], len: usize) -> bool {
    id.len() == len && id.iter().any(|&b| b != 0)
}

/// The 200 answer: an `ExportTraceServiceResponse`, with `partial_success` when spans were rejected.
pub(crate) fn success_body(encoding: Encoding, rejected: usize, reason: &str) -> Vec<u8> {
    let resp = ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: rejected as i64,
            error_message: reason.to_owned(),
        }),
    };
    match encoding {
        Encoding::Protobuf => resp.encode_to_vec(),
        // proto3 JSON: an unset message is left out, an int64 is a decimal string.
        Encoding::Json => match resp.partial_success {
            None => b"{}".to_vec(),
            Some(p) => serde_json::json!({ "partialSuccess": {
                "rejectedSpans": p.rejected_spans.to_string(),
                "errorMessage": p.error_message,
            }})
            .to_string()
            .into_bytes(),
        },
    }
}

/// An error answer: a `google.rpc.Status` with `code` and `message` (the OTLP spec's body for
/// 4xx/5xx), encoded by hand: field 1 varint, field 2 string.
pub(crate) fn status_body(encoding: Encoding, code: i32, message: &str) -> Vec<u8> {
    match encoding {
        Encoding::Json => serde_json::json!({ "code": code, "message": message })
            .to_string()
            .into_bytes(),
        Encoding::Protobuf => {
            let mut out = Vec::with_capacity(message.len() + 8);
            prost::encoding::int32::encode(1, &code, &mut out);
            prost::encoding::string::encode(2, &message.to_owned(), &mut out);
            out
        }
    }
}

#[cfg(test)]
mod tests;
