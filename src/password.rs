//! Password hashing with argon2id.
//!
//! Parameters follow the OWASP Password Storage Cheat Sheet's first argon2id option:
//! m = 19 MiB (19,456 KiB), t = 2 iterations, p = 1. Hashing is CPU-bound, so the async wrappers run it on
//! tokio's blocking pool. For an unknown account the same work is done against [`dummy_hash`], so the time
//! to answer does not reveal whether an email exists.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use std::sync::OnceLock;

use crate::DomainError;

fn hasher() -> Argon2<'static> {
    // The constants are valid argon2 parameters; Params::new only fails outside the ranges of RFC 9106.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub fn hash(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::internal("hashing password", e))
}

/// True when `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, computed once, to verify against when the account doesn't exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

pub async fn hash_blocking(password: String) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(|e| DomainError::internal("hashing task", e))?
}

/// Verifies on the blocking pool; with `stored = None` it verifies against the dummy hash and returns false.
pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify(&password, &stored),
        None => {
            let _ = verify(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A generated password: 20 characters from a 56-symbol alphabet without look-alikes (about 116 bits).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_owasp_parameters() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    }

    #[test]
    fn verify_accepts_the_password_and_refuses_others() {
        let h = hash("correct horse battery").unwrap();
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate();
        let b = generate();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, b);
        assert_eq!(crate::validation::password_error(&a, "x@y.co"), None);
    }
}
