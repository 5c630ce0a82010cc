//! Kafka request/response framing over any byte stream, with the messages from `kafka-protocol`.

use bytes::{Buf, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Responses larger than this are refused: a probe never needs them and a wrong listener may send
/// garbage that looks like a huge length.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// A byte stream a Kafka connection runs over (TCP or TLS).
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Why a round trip failed.
#[derive(Debug)]
pub(crate) enum WireError {
    /// Reading or writing failed (includes TLS alerts, resets, EOF).
    Io(std::io::Error),
    /// The bytes received are not the expected Kafka response.
    Protocol(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                f.write_str("the broker closed the connection")
            }
            Self::Io(e) => write!(f, "{e}"),
            Self::Protocol(s) => f.write_str(s),
        }
    }
}

/// One Kafka connection.
pub(crate) struct Connection {
    stream: Box<dyn Stream>,
    next_correlation: i32,
    client_id: StrBytes,
}

impl Connection {
    pub(crate) fn new(stream: Box<dyn Stream>, client_id: &str) -> Self {
        Self {
            stream,
            next_correlation: 1,
            client_id: StrBytes::from_string(client_id.to_owned()),
        }
    }

    /// Sends `req` (API `api_key`) at `version` and reads its response as `Resp`.
    pub(crate) async fn send<Req: Encodable, Resp: Decodable>(
        &mut self,
        api_key: ApiKey,
        req: &Req,
        version: i16,
    ) -> Result<Resp, WireError> {
        let correlation = self.next_correlation;
        self.next_correlation += 1;
        let header = RequestHeader::default()
            .with_request_api_key(api_key as i16)
            .with_request_api_version(version)
            .with_correlation_id(correlation)
            .with_client_id(Some(self.client_id.clone()));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, api_key.request_header_version(version))
            .and_then(|()| req.encode(&mut body, version))
            .map_err(|e| {
                WireError::Protocol(format!("cannot encode {api_key:?} v{version}: {e}"))
            })?;
        let len = u32::try_from(body.len())
            .map_err(|_| WireError::Protocol("request too large".into()))?;
        let mut frame = Vec::with_capacity(4 + body.len());
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&body);
        let written = async {
            self.stream.write_all(&frame).await?;
            self.stream.flush().await
        }
        .await;
        if let Err(write_error) = written {
            // A server that rejects us after the TLS handshake sends an alert and closes; the write
            // may fail first. Reading once surfaces the alert, which says why.
            let mut byte = [0u8; 1];
            return Err(WireError::Io(match self.stream.read(&mut byte).await {
                Err(read_error) if read_error.get_ref().is_some() => read_error,
                _ => write_error,
            }));
        }

        let mut len = [0u8; 4];
        self.stream
            .read_exact(&mut len)
            .await
            .map_err(WireError::Io)?;
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_RESPONSE_BYTES {
            return Err(WireError::Protocol(format!(
                "the response claims {len} bytes; this is not a Kafka listener speaking this protocol (a TLS port reached without TLS?)"
            )));
        }
        let mut buf = BytesMut::zeroed(len);
        self.stream
            .read_exact(&mut buf)
            .await
            .map_err(WireError::Io)?;
        let mut buf = buf.freeze();
        let rh = ResponseHeader::decode(&mut buf, api_key.response_header_version(version))
            .map_err(|e| {
                WireError::Protocol(format!("malformed {api_key:?} response header: {e}"))
            })?;
        if rh.correlation_id != correlation {
            return Err(WireError::Protocol(format!(
                "response correlation id {} does not match request {correlation}",
                rh.correlation_id
            )));
        }
        let resp = Resp::decode(&mut buf, version).map_err(|e| {
            WireError::Protocol(format!("malformed {api_key:?} v{version} response: {e}"))
        })?;
        if buf.has_remaining() {
            tracing::debug!(api = ?api_key, extra = buf.remaining(), "response has trailing bytes");
        }
        Ok(resp)
    }
}
