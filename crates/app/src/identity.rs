//! Identity: the secrets people and programs sign in with.

use bulwark_core::ApiToken;

use crate::{AppError, AppResult};

/// 256 bits from the operating system's generator.
pub fn random_bytes() -> AppResult<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        AppError::internal()
    })?;
    Ok(b)
}

/// A fresh API token.
pub fn new_token() -> AppResult<ApiToken> {
    Ok(ApiToken::from_random(
        bulwark_core::secret::TOKEN_PREFIX,
        random_bytes()?,
    ))
}

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask more).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, to bound the hashing work an attacker can demand.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes a password with argon2id (the crate's default parameters, the
/// OWASP-recommended 19 MiB, 2 passes) off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::validation(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::validation(format!(
            "password must be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let salt_bytes = random_bytes()?;
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&salt_bytes[..16]).map_err(|_| AppError::internal())?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| AppError::internal())
    })
    .await
    .map_err(|_| AppError::internal())?
}

/// Checks a password against a stored hash, off the async threads. Any
/// failure to parse the stored hash counts as a mismatch.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    // Without a stored hash we still spend the time of a check, so that the
    // response time does not tell which usernames exist.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Ht6y1xZ0hNn9A4YtZcUuBl0y9wS5Dm7eYdGq3s7u0Xs";
    let has = stored.is_some();
    let stored = stored.unwrap_or_else(|| DUMMY.to_owned());
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && has
    })
    .await
    .unwrap_or(false)
}
