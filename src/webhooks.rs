//! Outgoing webhooks, as the Standard Webhooks specification (<https://www.standardwebhooks.com>) has them,
//! so that receivers can verify them with its published libraries: the event catalogue endpoints
//! subscribe to, signing secrets, the signature headers and the retry schedule.
//!
//! A message is signed with each of the endpoint's current secrets (two during a rotation's overlap):
//!
//! ```text
//! webhook-id:        msg_…   (the same on every retry of a message: receivers deduplicate on it)
//! webhook-timestamp: unix seconds of this attempt
//! webhook-signature: v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")> [v1,<…> …]
//! ```
//!
//! where `secret` is the bytes behind the base64 of `whsec_<base64>`.

pub mod dispatch;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::model::webhook::{is_event_type, EVENT_TYPES};

/// How long after its first attempt a message is tried again (seconds): immediately, 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h and 10 h, the specification's schedule. Each wait gets [`jitter`]. After the last one
/// fails the message is given up.
pub const RETRY_SCHEDULE_SECS: [u64; 8] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// The wait before attempt `attempt` (1 is the first, which waits 0 s), with up to ±10 % of it added from
/// `unit` (a number in 0..1 the caller draws), so that messages that failed together don't all come back
/// at the same second. `None` once the schedule is spent.
///
/// `wait = base × (1 + 0.2 × (unit − 0.5))`, rounded to whole seconds.
pub fn retry_wait_secs(attempt: usize, unit: f64) -> Option<u64> {
    let base = *RETRY_SCHEDULE_SECS.get(attempt.checked_sub(1)?)? as f64;
    let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 0.5 };
    Some((base * (1.0 + 0.2 * (unit - 0.5))).round() as u64)
}

/// The prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of a new secret (the specification allows 24 to 64).
pub const SECRET_BYTES: usize = 32;

/// An endpoint's signing secret: `whsec_` and the base64 of 24 to 64 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new random secret.
    pub fn generate() -> Secret {
        use rand::RngCore;
        let mut key = vec![0u8; SECRET_BYTES];
        rand::thread_rng().fill_bytes(&mut key);
        Secret { key }
    }

    /// Reads `whsec_<base64>`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Secret, &'static str> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or("a signing secret starts with whsec_")?;
        let key = BASE64.decode(encoded).map_err(|_| "a signing secret is whsec_ and base64")?;
        if !(24..=64).contains(&key.len()) {
            return Err("a signing secret holds 24 to 64 bytes");
        }
        Ok(Secret { key })
    }

    /// `whsec_<base64>`: shown to the admin once, stored for signing.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.key))
    }

    /// `v1,<base64 signature>` of one message.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", BASE64.encode(self.mac(msg_id, timestamp, body).finalize().into_bytes()))
    }

    /// Whether `header` (a `webhook-signature` value: space-separated `v1,<base64>`) has a signature of
    /// this message made with this secret. Compared in constant time.
    pub fn verify(&self, msg_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        header
            .split(' ')
            .filter_map(|s| s.strip_prefix("v1,"))
            .filter_map(|s| BASE64.decode(s).ok())
            .any(|given| self.mac(msg_id, timestamp, body).verify_slice(&given).is_ok())
    }

    /// HMAC-SHA256 over `{msg_id}.{timestamp}.{body}`.
    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The `webhook-signature` value for a message signed by every secret in `secrets` (the current one, and
/// the previous one while a rotation overlaps), space-separated.
pub fn signature_header(secrets: &[Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| s.sign(msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The specification's example, and the signature the published JavaScript library (`standardwebhooks`
    // 1.1.1 from npm, `new Webhook(secret).sign(id, new Date(1614265330000), payload)`) gives for it.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_as_the_published_library_does() {
        let secret = Secret::parse(SECRET).expect("secret");
        assert_eq!(secret.sign(ID, TIMESTAMP, BODY.as_bytes()), SIGNATURE);
        assert!(secret.verify(ID, TIMESTAMP, BODY.as_bytes(), SIGNATURE));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let secret = Secret::parse(SECRET).expect("secret");
        assert!(!secret.verify(ID, TIMESTAMP + 1, BODY.as_bytes(), SIGNATURE));
        assert!(!secret.verify("msg_other", TIMESTAMP, BODY.as_bytes(), SIGNATURE));
        assert!(!secret.verify(ID, TIMESTAMP, br#"{"test": 2432232315}"#, SIGNATURE));
        assert!(!Secret::generate().verify(ID, TIMESTAMP, BODY.as_bytes(), SIGNATURE));
        assert!(!secret.verify(ID, TIMESTAMP, BODY.as_bytes(), "v1,bm90IGEgc2lnbmF0dXJl"));
        assert!(!secret.verify(ID, TIMESTAMP, BODY.as_bytes(), "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_and_either_verifies() {
        let (old, new) = (Secret::parse(SECRET).expect("secret"), Secret::generate());
        let header = signature_header(&[new.clone(), old.clone()], ID, TIMESTAMP, BODY.as_bytes());
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], SIGNATURE);
        assert!(old.verify(ID, TIMESTAMP, BODY.as_bytes(), &header));
        assert!(new.verify(ID, TIMESTAMP, BODY.as_bytes(), &header));
    }

    #[test]
    fn secrets_are_whsec_base64_of_24_to_64_bytes() {
        let s = Secret::generate();
        let text = s.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text), Ok(s.clone()));
        assert_ne!(Secret::generate(), s, "random");
        assert_eq!(format!("{s:?}"), "Secret(…)", "never printed");
        assert_eq!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Err("a signing secret starts with whsec_"));
        assert_eq!(Secret::parse("whsec_not base64!"), Err("a signing secret is whsec_ and base64"));
        let short = format!("whsec_{}", BASE64.encode([7u8; 23]));
        let long = format!("whsec_{}", BASE64.encode([7u8; 65]));
        assert_eq!(Secret::parse(&short), Err("a signing secret holds 24 to 64 bytes"));
        assert_eq!(Secret::parse(&long), Err("a signing secret holds 24 to 64 bytes"));
        assert!(Secret::parse(&format!("whsec_{}", BASE64.encode([7u8; 24]))).is_ok());
        assert!(Secret::parse(&format!("whsec_{}", BASE64.encode([7u8; 64]))).is_ok());
    }

    #[test]
    fn the_retry_schedule_is_the_specifications_with_ten_percent_jitter() {
        let plain: Vec<u64> = (1..=8).map(|a| retry_wait_secs(a, 0.5).expect("in schedule")).collect();
        assert_eq!(plain, vec![0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]);
        assert_eq!(retry_wait_secs(9, 0.5), None, "given up after the eighth attempt");
        assert_eq!(retry_wait_secs(0, 0.5), None);
        assert_eq!(retry_wait_secs(4, 0.0), Some(1_620), "30 min less 10 %");
        assert_eq!(retry_wait_secs(4, 1.0), Some(1_980), "30 min plus 10 %");
        assert_eq!(retry_wait_secs(1, 1.0), Some(0), "the first attempt is immediate");
        assert_eq!(retry_wait_secs(3, f64::NAN), Some(300));
        assert_eq!(retry_wait_secs(3, 7.0), Some(330), "clamped");
    }
}
