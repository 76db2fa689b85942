//! `serve --credentials FILE`: AWS Signature Version 4 verification of every request, and the
//! tables each access key may use.
//!
//! The signature is recomputed with the AWS SDK's own signer (`aws-sigv4`) over exactly the
//! headers the client says it signed, at the time it says it signed, and compared in constant
//! time. The answers are DynamoDB's (`MissingAuthenticationTokenException`,
//! `IncompleteSignatureException`, `UnrecognizedClientException`, `InvalidSignatureException`,
//! `AccessDeniedException`), all HTTP 400. The clock is the server's injected one.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use dynolab_model::{ApiError, ErrorCode};
use hyper::HeaderMap;
use serde::Deserialize;

/// How far a request's `X-Amz-Date` may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// One `[[key]]` of the credentials file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub id: String,
    pub secret: String,
    /// The tables this key may use; absent: every table.
    #[serde(default)]
    pub tables: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    key: Vec<Key>,
}

/// The keys the server accepts, by access key id.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    keys: HashMap<String, Key>,
}

impl Keys {
    /// Reads a TOML file of `[[key]]` entries (`id`, `secret`, optional `tables`).
    pub fn load(path: &Path) -> Result<Keys, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Keys::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Keys, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.key.is_empty() {
            return Err("no [[key]] entries".into());
        }
        let mut keys = HashMap::new();
        for k in file.key {
            if k.id.is_empty() || k.secret.is_empty() {
                return Err("a [[key]] needs a non-empty id and secret".into());
            }
            if keys.insert(k.id.clone(), k).is_some() {
                return Err("two [[key]] entries have the same id".into());
            }
        }
        Ok(Keys { keys })
    }

    /// Verifies the request's SigV4 signature (Authorization header) and returns the key that
    /// signed it.
    pub fn verify(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<&Key, ApiError> {
        self.verify_scoped(method, path_and_query, headers, body, now, None)
    }

    /// [`Keys::verify`], and the credential scope must name `region` and one of `services`
    /// when given (DynamoDB's endpoint checks both).
    pub fn verify_scoped(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
        scope: Option<(&str, &[&str])>,
    ) -> Result<&Key, ApiError> {
        let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
            return Err(ApiError::new(
                ErrorCode::MissingAuthenticationTokenException,
                "Request is missing Authentication Token",
            ));
        };
        let parts = parse_authorization(auth)?;
        if let Some((region, services)) = scope {
            if parts.region != region {
                return Err(invalid_signature(format!(
                    "Credential should be scoped to a valid region, not '{}'. ",
                    parts.region
                )));
            }
            if !services.contains(&parts.service) {
                return Err(invalid_signature(format!(
                    "Credential should be scoped to correct service: '{}'. ",
                    services[0]
                )));
            }
        }
        let key = self.keys.get(parts.key_id).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            )
        })?;
        let amz_date = headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                incomplete(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                )
            })?;
        let signed_at = parse_amz_date(amz_date).ok_or_else(|| {
            incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{amz_date}'."
            ))
        })?;
        check_skew(amz_date, signed_at, now)?;
        // `parse_amz_date` accepted 16 ASCII bytes, so the first 8 are the date.
        let day = amz_date.get(..8).unwrap_or_default();
        if parts.date != day {
            return Err(invalid_signature(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{day}', from '{amz_date}'.",
                parts.date
            )));
        }
        let mut signed = Vec::with_capacity(parts.signed_headers.len());
        for name in &parts.signed_headers {
            // Every value of a header the client signed, in order, as the canonical request joins them.
            let values: Vec<&str> = headers
                .get_all(*name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            if values.is_empty() {
                return Err(invalid_signature(SIGNATURE_MISMATCH));
            }
            signed.push((*name, values.join(",")));
        }
        let computed = signature(
            key,
            &parts,
            method,
            path_and_query,
            &signed,
            body,
            signed_at,
            headers
                .get("x-amz-security-token")
                .and_then(|v| v.to_str().ok()),
        )?;
        if !constant_time_eq(computed.as_bytes(), parts.signature.as_bytes()) {
            return Err(invalid_signature(SIGNATURE_MISMATCH));
        }
        Ok(key)
    }
}

impl Keys {
    /// `Authorization: Basic base64(id:secret)` of a known key (the live page's login).
    pub fn basic_auth(&self, header: &str) -> bool {
        use base64::Engine as _;
        let Some(encoded) = header.strip_prefix("Basic ") else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(text) = std::str::from_utf8(&decoded) else {
            return false;
        };
        let Some((id, secret)) = text.split_once(':') else {
            return false;
        };
        self.keys
            .get(id)
            .is_some_and(|k| constant_time_eq(k.secret.as_bytes(), secret.as_bytes()))
    }
}

impl Key {
    /// Whether this key may use `table`.
    pub fn may_use(&self, table: &str) -> bool {
        self.tables
            .as_ref()
            .is_none_or(|tables| tables.iter().any(|t| t == table))
    }
}

/// DynamoDB's answer to a key that may not use a table.
pub fn access_denied(account: &str, key_id: &str, operation: &str, table_arn: &str) -> ApiError {
    ApiError::new(
        ErrorCode::AccessDeniedException,
        format!(
            "User: arn:aws:iam::{account}:user/{key_id} is not authorized to perform: dynamodb:{operation} on resource: {table_arn} because no identity-based policy allows the dynamodb:{operation} action"
        ),
    )
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::IncompleteSignatureException, message)
}

fn invalid_signature(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidSignatureException, message)
}

/// The parts of `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
struct Authorization<'a> {
    key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(header: &str) -> Result<Authorization<'_>, ApiError> {
    let rest = header
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| incomplete(format!("Authorization header requires '{ALGORITHM}' as its algorithm. Authorization={header}")))?;
    let mut fields: HashMap<&str, &str> = HashMap::new();
    for part in rest.split(',') {
        if let Some((k, v)) = part.trim().split_once('=') {
            fields.insert(k.trim(), v.trim());
        }
    }
    let missing: Vec<String> = ["Credential", "Signature", "SignedHeaders"]
        .iter()
        .filter(|k| fields.get(*k).is_none_or(|v| v.is_empty()))
        .map(|k| format!("Authorization header requires '{k}' parameter."))
        .collect();
    if !missing.is_empty() {
        return Err(incomplete(format!(
            "{} Authorization={header}",
            missing.join(" ")
        )));
    }
    let field = |k: &str| fields.get(k).copied().unwrap_or_default();
    let credential = field("Credential");
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, terminator] = scope[..] else {
        return Err(incomplete(format!(
            "Credential should be scoped to a valid region. Credential={credential}"
        )));
    };
    if terminator != "aws4_request" || date.len() != 8 {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    Ok(Authorization {
        key_id,
        date,
        region,
        service,
        signed_headers: field("SignedHeaders").split(';').collect(),
        signature: field("Signature"),
    })
}

#[allow(clippy::too_many_arguments)]
fn signature(
    key: &Key,
    parts: &Authorization<'_>,
    method: &str,
    path_and_query: &str,
    signed: &[(&str, String)],
    body: &[u8],
    signed_at: SystemTime,
    session_token: Option<&str>,
) -> Result<String, ApiError> {
    let credentials = AwsCredentials::new(
        &key.id,
        &key.secret,
        session_token.map(str::to_string),
        None,
        "dynolab",
    );
    let identity: Identity = credentials.into();
    let mut settings = SigningSettings::default();
    // Exactly the headers the client signed: none excluded, none added.
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(parts.region)
        .name(parts.service)
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|_| invalid_signature(SIGNATURE_MISMATCH))?
        .into();
    let request = SignableRequest::new(
        method,
        path_and_query,
        signed.iter().map(|(n, v)| (*n, v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|_| invalid_signature(SIGNATURE_MISMATCH))?;
    let output = sign(request, &params).map_err(|_| invalid_signature(SIGNATURE_MISMATCH))?;
    Ok(output.signature().to_string())
}

fn check_skew(amz_date: &str, signed_at: SystemTime, now: SystemTime) -> Result<(), ApiError> {
    let now_text = format_amz_date(now);
    if signed_at + MAX_SKEW < now {
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({now_text} - 15 min.)",
            format_amz_date(now - MAX_SKEW)
        )));
    }
    if signed_at > now + MAX_SKEW {
        return Err(invalid_signature(format!(
            "Signature not yet current: {amz_date} is still later than {} ({now_text} + 15 min.)",
            format_amz_date(now + MAX_SKEW)
        )));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `20250101T120000Z` to a time.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = dynolab_clock::days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

fn format_amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (y, mo, d) = dynolab_clock::civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `serve --tls-cert FILE --tls-key FILE`: a TLS acceptor for a PEM certificate chain and
/// private key (rustls with the aws-lc-rs provider; HTTP/2 and HTTP/1.1 offered by ALPN).
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("reading the certificate {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {}", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("reading the private key {}: {e}", key.display()))?;
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not make a TLS configuration: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for text in [
            "19700101T000000Z",
            "20250101T120000Z",
            "20241231T235959Z",
            "20000229T101010Z",
        ] {
            let t = parse_amz_date(text).unwrap();
            assert_eq!(format_amz_date(t), text);
        }
        assert_eq!(parse_amz_date("20250101T120000"), None);
        assert_eq!(parse_amz_date("20251301T120000Z"), None);
    }

    #[test]
    fn credentials_files_need_keys() {
        assert!(Keys::parse("").is_err());
        assert!(Keys::parse("[[key]]\nid = \"A\"\nsecret = \"\"\n").is_err());
        let keys = Keys::parse(
            "[[key]]\nid = \"A\"\nsecret = \"s\"\ntables = [\"orders\"]\n[[key]]\nid = \"B\"\nsecret = \"t\"\n",
        )
        .unwrap();
        assert!(keys.keys["A"].may_use("orders"));
        assert!(!keys.keys["A"].may_use("other"));
        assert!(keys.keys["B"].may_use("other"));
    }

    #[test]
    fn missing_and_malformed_authorization() {
        let keys = Keys::parse("[[key]]\nid = \"A\"\nsecret = \"s\"\n").unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        let e = keys.verify("POST", "/", &h, b"{}", now).unwrap_err();
        assert_eq!(e.code, ErrorCode::MissingAuthenticationTokenException);
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=A/20231114/us-east-1/dynamodb/aws4_request"
                .parse()
                .unwrap(),
        );
        let e = keys.verify("POST", "/", &h, b"{}", now).unwrap_err();
        assert_eq!(e.code, ErrorCode::IncompleteSignatureException);
        assert!(e.message.unwrap().starts_with("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."));
    }
}
