//! Stages 2 to 4: string to sign, signing key, signature.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

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
    Ok(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
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
    format!("{date}/{region}/{service}/aws4_request")
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
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{amz_date}\n{credential_scope}\n{hash}")
}

/// A derived signing key. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningKey").field(&REDACTED).finish()
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC is defined for keys of every length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
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
    SigningKey(hmac_sha256(&k_service, b"aws4_request"))
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
    Signature(hex::encode(hmac_sha256(&key.0, string_to_sign.as_bytes())))
}

/// The `Authorization` header value:
/// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
pub fn authorization_header(
    access_key_id: &str,
    credential_scope: &str,
    signed_headers: &str,
    signature: &Signature,
) -> String {
    format!(
        "{ALGORITHM} Credential={access_key_id}/{credential_scope}, SignedHeaders={signed_headers}, Signature={}",
        signature.as_str()
    )
}
