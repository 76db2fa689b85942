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
    ///
    /// The signature may come in the `Authorization` header or in the query string (a
    /// presigned request: `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Signature`, optional `X-Amz-Expires` and
    /// `X-Amz-Security-Token`). The checks run in the order DynamoDB's front end runs them
    /// (recorded against DynamoDB in dynalite's `test/connection.js` and `index.js`): the form,
    /// the date and its skew, `host` signed, the algorithm, the credential's shape, its scope
    /// (every wrong piece in one message), the key, and last the signature.
    pub fn verify_scoped(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
        scope: Option<(&str, &[&str])>,
    ) -> Result<&Key, ApiError> {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let presented = Presented::read(headers, &query)?;
        let signed_at = parse_amz_date(&presented.date).ok_or_else(|| {
            incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                presented.date
            ))
        })?;
        check_skew(&presented.date, signed_at, now)?;
        if let Some(expires) = &presented.expires {
            check_expires(&presented.date, expires, signed_at, now)?;
        }
        let signed_headers: Vec<String> = presented
            .signed_headers
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect();
        if !signed_headers.iter().any(|h| h == "host") {
            return Err(invalid_signature(
                "'Host' must be a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        if presented.algorithm != ALGORITHM {
            return Err(incomplete(format!(
                "Unsupported AWS 'algorithm': '{}' (only {ALGORITHM} for now). ",
                presented.algorithm
            )));
        }
        let scope_parts: Vec<&str> = presented
            .credential
            .trim_end_matches('/')
            .split('/')
            .collect();
        let [key_id, date, region, service, terminator] = scope_parts[..] else {
            return Err(incomplete(format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
                presented.credential
            )));
        };
        let mut wrong = String::new();
        if let Some((want_region, services)) = scope {
            if region != want_region {
                wrong +=
                    &format!("Credential should be scoped to a valid region, not '{region}'. ");
            }
            if !services.contains(&service) {
                let first = services.first().copied().unwrap_or_default();
                wrong += &format!("Credential should be scoped to correct service: '{first}'. ");
            }
        }
        if terminator != "aws4_request" {
            wrong += &format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
            );
        }
        // `parse_amz_date` accepted 16 ASCII bytes, so the first 8 are the date.
        let day = presented.date.get(..8).unwrap_or_default();
        if date != day {
            wrong += &format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{day}', from '{}'.",
                presented.date
            );
        }
        if !wrong.is_empty() {
            return Err(invalid_signature(wrong));
        }
        let key = self.keys.get(key_id).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            )
        })?;
        let mut signed = Vec::with_capacity(signed_headers.len());
        for name in &signed_headers {
            // Every value of a header the client signed, in order, as the canonical request joins them.
            let values: Vec<&str> = headers
                .get_all(name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            if values.is_empty() {
                return Err(invalid_signature(SIGNATURE_MISMATCH));
            }
            signed.push((name.as_str(), values.join(",")));
        }
        let canonical = Canonical {
            method,
            // A presigned request signs its query string without the signature itself.
            path_and_query: if presented.in_query {
                let rest: Vec<(&str, &str)> = query
                    .iter()
                    .filter(|(k, _)| k != "X-Amz-Signature")
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let encoded = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(rest)
                    .finish();
                format!("{path}?{encoded}")
            } else {
                path_and_query.to_string()
            },
            signed: &signed,
            region,
            service,
            signed_at,
            // A presigned request carries its session token in the query string.
            session_token: if presented.in_query {
                None
            } else {
                headers
                    .get("x-amz-security-token")
                    .and_then(|v| v.to_str().ok())
            },
            date_signed: signed_headers.iter().any(|h| h == "x-amz-date"),
        };
        // A signed `x-amz-content-sha256` is the payload line of the canonical request: the
        // body's hash (which must then be this body's) or `UNSIGNED-PAYLOAD`. Presigned
        // requests are signed over `UNSIGNED-PAYLOAD` by the SDKs' presigners, or over the
        // body's hash; the header form hashes the body.
        let content_sha256 = signed
            .iter()
            .find(|(name, _)| *name == "x-amz-content-sha256")
            .map(|(_, v)| v.as_str());
        let bodies: Vec<SignableBody<'_>> = match content_sha256 {
            Some("UNSIGNED-PAYLOAD") => vec![SignableBody::UnsignedPayload],
            Some(claimed) => {
                if !constant_time_eq(claimed.as_bytes(), sha256_hex(body).as_bytes()) {
                    return Err(invalid_signature(SIGNATURE_MISMATCH));
                }
                vec![SignableBody::Bytes(body)]
            }
            None if presented.in_query => {
                vec![SignableBody::UnsignedPayload, SignableBody::Bytes(body)]
            }
            None => vec![SignableBody::Bytes(body)],
        };
        for body in bodies {
            let computed = signature(key, &canonical, body)?;
            if constant_time_eq(computed.as_bytes(), presented.signature.as_bytes()) {
                return Ok(key);
            }
        }
        Err(invalid_signature(SIGNATURE_MISMATCH))
    }
}

/// What a request presents as its signature, from the header or the query string.
struct Presented {
    in_query: bool,
    algorithm: String,
    credential: String,
    signed_headers: String,
    signature: String,
    date: String,
    expires: Option<String>,
}

impl Presented {
    fn read(headers: &HeaderMap, query: &[(String, String)]) -> Result<Presented, ApiError> {
        let header = headers
            .get("authorization")
            .map(|v| v.to_str().unwrap_or_default());
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let in_query = param("X-Amz-Algorithm").is_some();
        match header {
            Some(_) if in_query => Err(invalid_signature(
                "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
            )),
            Some(header) if header.trim().starts_with("AWS4-") => {
                Presented::from_header(header, headers)
            }
            None if in_query => Presented::from_query(param),
            _ => Err(ApiError::new(
                ErrorCode::MissingAuthenticationTokenException,
                "Request is missing Authentication Token",
            )),
        }
    }

    /// `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (fields split on commas
    /// and spaces, as DynamoDB reads them).
    fn from_header(header: &str, headers: &HeaderMap) -> Result<Presented, ApiError> {
        let mut tokens = header.trim().split([',', ' ']).filter(|t| !t.is_empty());
        let algorithm = tokens.next().unwrap_or_default();
        let fields: HashMap<&str, &str> = tokens.filter_map(|t| t.split_once('=')).collect();
        let field = |k: &str| fields.get(k).copied().unwrap_or_default();
        let date = ["x-amz-date", "date"]
            .iter()
            .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()));
        let mut missing: String = ["Credential", "Signature", "SignedHeaders"]
            .iter()
            .filter(|k| field(k).is_empty())
            .map(|k| format!("Authorization header requires '{k}' parameter. "))
            .collect();
        if date.is_none() {
            missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
        }
        if !missing.is_empty() {
            return Err(incomplete(format!("{missing}Authorization={header}")));
        }
        Ok(Presented {
            in_query: false,
            algorithm: algorithm.to_string(),
            credential: field("Credential").to_string(),
            signed_headers: field("SignedHeaders").to_string(),
            signature: field("Signature").to_string(),
            date: date.unwrap_or_default().to_string(),
            expires: None,
        })
    }

    fn from_query<'q>(param: impl Fn(&str) -> Option<&'q str>) -> Result<Presented, ApiError> {
        let value = |k: &str| param(k).unwrap_or_default().to_string();
        let missing: String = [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Signature",
            "X-Amz-SignedHeaders",
            "X-Amz-Date",
        ]
        .iter()
        .filter(|k| param(k).is_none_or(str::is_empty))
        .map(|k| format!("AWS query-string parameters must include '{k}'. "))
        .collect();
        if !missing.is_empty() {
            return Err(incomplete(format!(
                "{missing}Re-examine the query-string parameters."
            )));
        }
        Ok(Presented {
            in_query: true,
            algorithm: value("X-Amz-Algorithm"),
            credential: value("X-Amz-Credential"),
            signed_headers: value("X-Amz-SignedHeaders"),
            signature: value("X-Amz-Signature"),
            date: value("X-Amz-Date"),
            expires: param("X-Amz-Expires").map(str::to_string),
        })
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

/// What the signature is computed over, apart from the body.
struct Canonical<'a> {
    method: &'a str,
    path_and_query: String,
    signed: &'a [(&'a str, String)],
    region: &'a str,
    service: &'a str,
    signed_at: SystemTime,
    session_token: Option<&'a str>,
    /// Whether the client signed an `x-amz-date` header (the header form always does; a
    /// presigned request carries the date in its query string instead).
    date_signed: bool,
}

fn signature(key: &Key, c: &Canonical<'_>, body: SignableBody<'_>) -> Result<String, ApiError> {
    let credentials = AwsCredentials::new(
        &key.id,
        &key.secret,
        c.session_token.map(str::to_string),
        None,
        "dynolab",
    );
    let identity: Identity = credentials.into();
    let mut settings = SigningSettings::default();
    // Exactly the headers the client signed: none excluded, none added (the signer adds
    // `x-amz-date`, which a presigned request does not sign).
    settings.excluded_headers = (!c.date_signed).then(|| vec!["x-amz-date".into()]);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(c.region)
        .name(c.service)
        .time(c.signed_at)
        .settings(settings)
        .build()
        .map_err(|_| invalid_signature(SIGNATURE_MISMATCH))?
        .into();
    let request = SignableRequest::new(
        c.method,
        &c.path_and_query,
        c.signed.iter().map(|(n, v)| (*n, v.as_str())),
        body,
    )
    .map_err(|_| invalid_signature(SIGNATURE_MISMATCH))?;
    let output = sign(request, &params).map_err(|_| invalid_signature(SIGNATURE_MISMATCH))?;
    Ok(output.signature().to_string())
}

/// A presigned request's `X-Amz-Expires` (1 to 604,800 seconds, SigV4's week), checked as
/// well as the skew rule. DynamoDB's texts for these two cases are not documented; ours follow
/// the skew message (docs/COMPAT.md).
fn check_expires(
    amz_date: &str,
    expires: &str,
    signed_at: SystemTime,
    now: SystemTime,
) -> Result<(), ApiError> {
    let secs = expires
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=604_800).contains(s))
        .ok_or_else(|| {
            incomplete(format!(
                "X-Amz-Expires must be a whole number of seconds from 1 to 604800. Got '{expires}'."
            ))
        })?;
    let window = Duration::from_secs(secs);
    if signed_at + window < now {
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - {secs} sec.)",
            format_amz_date(now - window),
            format_amz_date(now)
        )));
    }
    Ok(())
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

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

    /// The answers DynamoDB gives to malformed signatures, recorded against DynamoDB in
    /// architect/dynalite's `test/connection.js` and the notes in its `index.js`.
    #[test]
    fn malformed_signatures_get_dynamodbs_answers() {
        let keys = Keys::parse("[[key]]\nid = \"A\"\nsecret = \"s\"\n").unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000); // 20231114T221320Z
        const GOOD_DATE: &str = "20231114T221320Z";
        // (path and query, headers, the answer's type, its message)
        type Case = (
            &'static str,
            &'static [(&'static str, &'static str)],
            ErrorCode,
            &'static str,
        );
        let cases: &[Case] = &[
            (
                "/",
                &[],
                ErrorCode::MissingAuthenticationTokenException,
                "Request is missing Authentication Token",
            ),
            (
                "/",
                &[("authorization", "AWS4")],
                ErrorCode::MissingAuthenticationTokenException,
                "Request is missing Authentication Token",
            ),
            (
                "/?X-Amz-Algorith",
                &[("authorization", "X")],
                ErrorCode::MissingAuthenticationTokenException,
                "Request is missing Authentication Token",
            ),
            (
                "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d",
                &[],
                ErrorCode::MissingAuthenticationTokenException,
                "Request is missing Authentication Token",
            ),
            (
                "/?X-Amz-Algorithm",
                &[("authorization", "X")],
                ErrorCode::InvalidSignatureException,
                "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
            ),
            (
                "/",
                &[("authorization", "AWS4-")],
                ErrorCode::IncompleteSignatureException,
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-",
            ),
            (
                "/",
                &[
                    ("authorization", "AWS4- Signature=b Credential=a"),
                    ("date", "a"),
                ],
                ErrorCode::IncompleteSignatureException,
                "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a",
            ),
            (
                "/",
                &[
                    ("authorization", "AWS4- Signature=b,Credential=a"),
                    ("date", "a"),
                ],
                ErrorCode::IncompleteSignatureException,
                "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b,Credential=a",
            ),
            (
                "/?X-Amz-Algorithm",
                &[],
                ErrorCode::IncompleteSignatureException,
                "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
            ),
            (
                "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d",
                &[],
                ErrorCode::IncompleteSignatureException,
                "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
            ),
            // The checks after the form, in DynamoDB's order (dynalite's index.js notes).
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", "201"),
                ],
                ErrorCode::IncompleteSignatureException,
                "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", "20130301T000000Z"),
                ],
                ErrorCode::InvalidSignatureException,
                "Signature expired: 20130301T000000Z is now earlier than 20231114T215820Z (20231114T221320Z - 15 min.)",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=x-amz-date, Signature=c",
                    ),
                    ("x-amz-date", GOOD_DATE),
                ],
                ErrorCode::InvalidSignatureException,
                "'Host' must be a 'SignedHeader' in the AWS Authorization.",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA25 Credential=a, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", GOOD_DATE),
                ],
                ErrorCode::IncompleteSignatureException,
                "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", GOOD_DATE),
                ],
                ErrorCode::IncompleteSignatureException,
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", GOOD_DATE),
                ],
                ErrorCode::InvalidSignatureException,
                "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'dynamodb'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20231114', from '20231114T221320Z'.",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=Z/20231114/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", GOOD_DATE),
                ],
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            ),
            (
                "/",
                &[
                    (
                        "authorization",
                        "AWS4-HMAC-SHA256 Credential=A/20231114/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=c",
                    ),
                    ("x-amz-date", GOOD_DATE),
                    ("host", "localhost"),
                ],
                ErrorCode::InvalidSignatureException,
                SIGNATURE_MISMATCH,
            ),
        ];
        for (path, hs, code, message) in cases {
            let mut h = HeaderMap::new();
            for (k, v) in *hs {
                h.insert(*k, v.parse().unwrap());
            }
            let e = keys
                .verify_scoped(
                    "POST",
                    path,
                    &h,
                    b"{}",
                    now,
                    Some(("us-east-1", &["dynamodb"])),
                )
                .unwrap_err();
            assert_eq!(
                (e.code, e.message.as_deref().unwrap_or_default()),
                (*code, *message),
                "{path} {hs:?}"
            );
        }
    }

    /// A request presigned the way the SDKs presign (signature in the query string, over
    /// `UNSIGNED-PAYLOAD`) verifies; a changed parameter, an expired one or a wrong secret does not.
    #[test]
    fn presigned_requests_verify() {
        use aws_sigv4::http_request::SignatureLocation;
        let keys = Keys::parse("[[key]]\nid = \"A\"\nsecret = \"s\"\n").unwrap();
        let signed_at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let presign = |secret: &str, expires: u64| -> String {
            let identity: Identity = AwsCredentials::new("A", secret, None, None, "t").into();
            let mut settings = SigningSettings::default();
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(expires));
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("us-east-1")
                .name("dynamodb")
                .time(signed_at)
                .settings(settings)
                .build()
                .unwrap()
                .into();
            let request = SignableRequest::new(
                "POST",
                "/?Action=x",
                [("host", "localhost:8000")].into_iter(),
                SignableBody::UnsignedPayload,
            )
            .unwrap();
            let (instructions, _) = sign(request, &params).unwrap().into_parts();
            let pairs: Vec<(String, String)> = instructions
                .params()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("Action", "x")
                .extend_pairs(pairs)
                .finish();
            format!("/?{q}")
        };
        let mut h = HeaderMap::new();
        h.insert("host", "localhost:8000".parse().unwrap());
        let verify = |path: &str, now: SystemTime| {
            keys.verify_scoped(
                "POST",
                path,
                &h,
                b"{\"any\":1}",
                now,
                Some(("us-east-1", &["dynamodb"])),
            )
            .map(|k| k.id.clone())
            .map_err(|e| (e.code, e.message.unwrap_or_default()))
        };
        let url = presign("s", 300);
        assert_eq!(
            verify(&url, signed_at + Duration::from_secs(60)),
            Ok("A".to_string())
        );
        let err = verify(&url.replace("Action=x", "Action=y"), signed_at).unwrap_err();
        assert_eq!(
            err,
            (
                ErrorCode::InvalidSignatureException,
                SIGNATURE_MISMATCH.to_string()
            )
        );
        let err = verify(&presign("wrong", 300), signed_at).unwrap_err();
        assert_eq!(err.0, ErrorCode::InvalidSignatureException);
        let err = verify(&presign("s", 30), signed_at + Duration::from_secs(31)).unwrap_err();
        assert_eq!(err, (ErrorCode::InvalidSignatureException, "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z (20231114T221351Z - 30 sec.)".to_string()));
        let err = verify(
            &url.replace("X-Amz-Expires=300", "X-Amz-Expires=0"),
            signed_at,
        )
        .unwrap_err();
        assert_eq!(err.0, ErrorCode::IncompleteSignatureException);
    }

    /// A signed `x-amz-content-sha256` (S3's style, which some signers use everywhere) stands
    /// for the body: the body's hash verifies, `UNSIGNED-PAYLOAD` verifies any body, and a
    /// hash of another body is refused.
    #[test]
    fn signed_content_sha256_headers() {
        use aws_sigv4::http_request::PayloadChecksumKind;
        let keys = Keys::parse("[[key]]\nid = \"A\"\nsecret = \"s\"\n").unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let sign_headers = |body: SignableBody<'_>| -> HeaderMap {
            let identity: Identity = AwsCredentials::new("A", "s", None, None, "t").into();
            let mut settings = SigningSettings::default();
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("us-east-1")
                .name("dynamodb")
                .time(at)
                .settings(settings)
                .build()
                .unwrap()
                .into();
            let request =
                SignableRequest::new("POST", "/", [("host", "h")].into_iter(), body).unwrap();
            let (instructions, _) = sign(request, &params).unwrap().into_parts();
            let mut h = HeaderMap::new();
            h.insert("host", "h".parse().unwrap());
            for (name, value) in instructions.headers() {
                h.insert(
                    hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            h
        };
        let verify = |h: &HeaderMap, body: &[u8]| {
            keys.verify("POST", "/", h, body, at).map(|k| k.id.clone())
        };
        let hashed = sign_headers(SignableBody::Bytes(b"{}"));
        assert!(hashed.contains_key("x-amz-content-sha256"));
        assert_eq!(verify(&hashed, b"{}"), Ok("A".to_string()));
        assert_eq!(
            verify(&hashed, b"{\"Limit\":1}").unwrap_err().code,
            ErrorCode::InvalidSignatureException
        );
        let unsigned = sign_headers(SignableBody::UnsignedPayload);
        assert_eq!(verify(&unsigned, b"{\"any\":1}"), Ok("A".to_string()));
    }
}
