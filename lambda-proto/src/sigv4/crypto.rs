//! Stages 2 to 4: string to sign, signing key, signature.

use std::fmt;

use ring::{digest, hmac};
use time::{OffsetDateTime, UtcOffset};

use crate::lowerhex;

use super::{SigningError, ALGORITHM};

const REDACTED: &str = "** redacted **";

/// The signing time as SigV4 writes it (`x-amz-date`): `YYYYMMDDTHHMMSSZ`, in UTC.
///
/// ```
/// use lambda_proto::sigv4::amz_date;
/// use time::macros::datetime;
///
/// assert_eq!(amz_date(datetime!(2015-08-30 14:36:00 +2)).unwrap(), "20150830T123600Z");
/// ```
pub fn amz_date(time: OffsetDateTime) -> Result<String, SigningError> {
    let t = time.to_offset(UtcOffset::UTC);
    if !(0..=9999).contains(&t.year()) {
        return Err(SigningError::InvalidParam {
            field: "time",
            rule: "must be in the years 0 to 9999",
        });
    }
    let mut out = String::with_capacity(16);
    push_digits(&mut out, t.year().unsigned_abs(), 4);
    push_digits(&mut out, u8::from(t.month()).into(), 2);
    push_digits(&mut out, t.day().into(), 2);
    out.push('T');
    push_digits(&mut out, t.hour().into(), 2);
    push_digits(&mut out, t.minute().into(), 2);
    push_digits(&mut out, t.second().into(), 2);
    out.push('Z');
    Ok(out)
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// The credential scope: `YYYYMMDD/region/service/aws4_request`, with `date` the first eight
/// characters of the [`amz_date`].
///
/// ```
/// use lambda_proto::sigv4::credential_scope;
///
/// assert_eq!(credential_scope("20150830", "us-east-1", "lambda"), "20150830/us-east-1/lambda/aws4_request");
/// ```
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    let mut out = String::with_capacity(date.len() + region.len() + service.len() + 15);
    for part in [date, "/", region, "/", service, "/aws4_request"] {
        out.push_str(part);
    }
    out
}

/// The string to sign: the algorithm, the [`amz_date`], the [`credential_scope`] and the
/// lowercase hex SHA-256 of the canonical request, one per line.
///
/// ```
/// use lambda_proto::sigv4::string_to_sign;
///
/// let sts = string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", "");
/// assert_eq!(
///     sts,
///     "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
///      e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn string_to_sign(amz_date: &str, credential_scope: &str, canonical_request: &str) -> String {
    let hash = digest::digest(&digest::SHA256, canonical_request.as_bytes());
    let mut out =
        String::with_capacity(ALGORITHM.len() + amz_date.len() + credential_scope.len() + 67);
    for part in [ALGORITHM, "\n", amz_date, "\n", credential_scope, "\n"] {
        out.push_str(part);
    }
    lowerhex::encode_into(&mut out, hash.as_ref());
    out
}

/// A derived signing key, ready to sign: the HMAC state it starts from is computed once,
/// when the key is derived. `Debug` does not show it.
#[derive(Clone)]
pub struct SigningKey {
    bytes: [u8; 32],
    hmac: hmac::Key,
}

impl SigningKey {
    fn new(bytes: [u8; 32]) -> Self {
        Self {
            hmac: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
            bytes,
        }
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningKey").field(&REDACTED).finish()
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Derives the signing key: `HMAC("AWS4" + secret, date)`, then the region, the service and
/// `aws4_request` in turn, with `date` as `YYYYMMDD`.
///
/// ```
/// use lambda_proto::sigv4::signing_key;
///
/// let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
/// assert_eq!(hex::encode(key.as_bytes()), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
/// ```
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> SigningKey {
    let mut secret = Vec::with_capacity(4 + secret_access_key.len());
    secret.extend_from_slice(b"AWS4");
    secret.extend_from_slice(secret_access_key.as_bytes());
    let k_date = hmac_sha256(&secret, date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    SigningKey::new(hmac_sha256(&k_service, b"aws4_request"))
}

/// A signature: 64 lowercase hex digits. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(String);

impl Signature {
    /// The signature as lowercase hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Signature").field(&REDACTED).finish()
    }
}

/// The signature: lowercase hex `HMAC(signing key, string to sign)`.
pub fn signature(key: &SigningKey, string_to_sign: &str) -> Signature {
    let tag = hmac::sign(&key.hmac, string_to_sign.as_bytes());
    Signature(lowerhex::encode(tag.as_ref()))
}

/// The `Authorization` header value:
/// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
pub fn authorization_header(
    access_key_id: &str,
    credential_scope: &str,
    signed_headers: &str,
    signature: &Signature,
) -> String {
    let parts = [
        ALGORITHM,
        " Credential=",
        access_key_id,
        "/",
        credential_scope,
        ", SignedHeaders=",
        signed_headers,
        ", Signature=",
        signature.as_str(),
    ];
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}
