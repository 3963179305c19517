//! Input rules shared by the browser (before submit) and the server (always).

use serde::{Deserialize, Serialize};

/// Error messages keyed by the field they concern, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// One field's error.
    pub fn one(field: &str, message: impl Into<String>) -> FieldErrors {
        FieldErrors(vec![(field.to_string(), message.into())])
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Why a value is refused when it holds a control character other than tab, line feed or carriage return.
///
/// Nobody types NUL, escape, DEL or the C1 controls into a form; they come from scripts and fuzzers, and NUL
/// is not even storable (Postgres' `text` refuses it, which used to surface as a 500). Tab and line feed are
/// ordinary text. Carriage return is allowed too: HTML form submission sends every textarea line break as
/// CRLF, so refusing CR would refuse every multi-line note typed in a browser.
pub fn control_char_error(value: &str) -> Option<String> {
    let bad = value.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    bad.then(|| "must not contain control characters (only tabs and line breaks are allowed)".to_string())
}

/// Applies [`control_char_error`] to every text field of a form struct, keyed by the field's name as the
/// form sends it (its serde name), lists of text included. Every form's `validate` calls this first, so a
/// field added to a form later is covered without anyone remembering to. Other checks don't run on such
/// input: their messages would only describe the garbage.
pub fn no_control_chars(form: &impl Serialize) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    // A struct of strings always serialises to an object; anything else has no text fields to check.
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(form) {
        for (field, value) in &fields {
            let message = match value {
                serde_json::Value::String(text) => control_char_error(text),
                serde_json::Value::Array(items) => items.iter().filter_map(|i| i.as_str()).find_map(control_char_error),
                _ => None,
            };
            if let Some(message) = message {
                errors.add(field, message);
            }
        }
    }
    errors.into_result()
}

/// The sign-in form. Only control characters are refused here: a malformed email or a short password is
/// just a failed sign-in, answered like any other.
pub fn sign_in_errors(email: &str, password: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (field, value) in [("email", email), ("password", password)] {
        if let Some(message) = control_char_error(value) {
            errors.add(field, message);
        }
    }
    errors
}

/// Passwords: at least this many characters (NIST SP 800-63B allows 8; we ask 12 for staff accounts).
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Upper bound keeps hashing cost bounded (argon2 input) while allowing long passphrases.
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;
/// RFC 5321 limits a forward path to 254 characters.
pub const EMAIL_MAX_CHARS: usize = 254;

/// Normalises an email for storage and lookup: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain of letters, digits and
/// hyphens, no whitespace. Deliverability is not checked here.
pub fn email_error(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() {
        return Some("enter an email address".into());
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Some(format!("email must be at most {EMAIL_MAX_CHARS} characters"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Some("email must look like name@example.com".into());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.split('.').all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'));
    let local_ok = !local.is_empty() && !local.chars().any(|c| c.is_whitespace() || c == '@');
    if domain_ok && local_ok {
        None
    } else {
        Some("email must look like name@example.com".into())
    }
}

pub fn name_error(name: &str) -> Option<String> {
    let n = name.trim().chars().count();
    if n == 0 {
        Some("enter a name".into())
    } else if n > NAME_MAX_CHARS {
        Some(format!("name must be at most {NAME_MAX_CHARS} characters"))
    } else {
        None
    }
}

/// The password policy: 12 to 128 characters, no control characters and not the account's email.
pub fn password_error(password: &str, email: &str) -> Option<String> {
    let n = password.chars().count();
    if let Some(e) = control_char_error(password) {
        Some(e)
    } else if n < PASSWORD_MIN_CHARS {
        Some(format!("password must be at least {PASSWORD_MIN_CHARS} characters"))
    } else if n > PASSWORD_MAX_CHARS {
        Some(format!("password must be at most {PASSWORD_MAX_CHARS} characters"))
    } else if !email.trim().is_empty() && password.trim().eq_ignore_ascii_case(email.trim()) {
        Some("password must not be your email address".into())
    } else {
        None
    }
}

/// A new user as an admin enters it. `password` empty means "generate one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

impl NewUser {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        no_control_chars(self)?;
        let mut errors = FieldErrors::default();
        if let Some(e) = email_error(&self.email) {
            errors.add("email", e);
        }
        if let Some(e) = name_error(&self.name) {
            errors.add("name", e);
        }
        match crate::model::Role::parse(&self.role) {
            Some(crate::model::Role::Client) => {
                errors.add("role", "client users are invited from their client's page");
            }
            Some(_) => {}
            None => errors.add("role", "choose admin, account manager or staff"),
        }
        if !self.password.is_empty() {
            if let Some(e) = password_error(&self.password, &self.email) {
                errors.add("password", e);
            }
        }
        errors.into_result()
    }
}

/// A password change: the new one must pass the policy and the confirmation must match.
pub fn password_change_errors(new_password: &str, confirm: &str, email: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if let Some(e) = password_error(new_password, email) {
        errors.add("new_password", e);
    } else if let Some(e) = control_char_error(confirm) {
        errors.add("confirm_password", e);
    } else if new_password != confirm {
        errors.add("confirm_password", "the two passwords differ");
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        assert_eq!(email_error("ann@example.com"), None);
        assert_eq!(email_error("  Ann.Lee+seo@sub.example.co.uk "), None);
        for bad in
            ["", "ann", "ann@", "@example.com", "ann@example", "ann@.com", "ann@ex..com", "a n@x.com", "a@b@c.com"]
        {
            assert!(email_error(bad).is_some(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn email_is_normalised_to_lower_case() {
        assert_eq!(normalize_email("  Ann@Example.COM "), "ann@example.com");
    }

    #[test]
    fn password_needs_twelve_characters() {
        assert!(password_error("short-pass1", "a@b.co").is_some());
        assert_eq!(password_error("twelve-chars", "a@b.co"), None);
        assert!(password_error(&"x".repeat(129), "a@b.co").is_some());
    }

    #[test]
    fn password_counts_characters_not_bytes() {
        assert!(password_error("пароль-абв", "a@b.co").is_some(), "10 characters, 19 bytes");
        assert_eq!(password_error("пароль-абвгд", "a@b.co"), None);
    }

    #[test]
    fn password_may_not_equal_the_email() {
        assert!(password_error("Long.Name@example.com", "long.name@example.com").is_some());
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(name_error("   ").is_some());
        assert_eq!(name_error("Ann Lee"), None);
        assert!(name_error(&"n".repeat(101)).is_some());
    }

    #[test]
    fn new_user_errors_name_every_bad_field() {
        let user = NewUser { email: "nope".into(), name: "".into(), role: "boss".into(), password: "short".into() };
        let errors = user.validate().unwrap_err();
        for field in ["email", "name", "role", "password"] {
            assert!(errors.get(field).is_some(), "missing error for {field}");
        }
    }

    #[test]
    fn empty_password_means_generate() {
        let user = NewUser { email: "a@b.co".into(), name: "A".into(), role: "staff".into(), password: String::new() };
        assert_eq!(user.validate(), Ok(()));
    }

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_are_text() {
        for bad in ["a\0b", "\u{1b}[31m", "del\u{7f}", "c1\u{85}", "\u{0}"] {
            assert!(control_char_error(bad).is_some(), "{bad:?} should be refused");
        }
        for good in ["", "plain", "tab\there", "line\nbreak", "textarea\r\nline", "émoji ✓ \u{a0}"] {
            assert_eq!(control_char_error(good), None, "{good:?} should pass");
        }
    }

    #[test]
    fn every_text_field_of_a_form_is_checked_for_control_characters() {
        #[derive(Serialize)]
        struct Form {
            name: String,
            note: String,
            tags: Vec<String>,
            count: u32,
        }
        let form =
            Form { name: "a\0".into(), note: "fine\r\n".into(), tags: vec!["ok".into(), "\u{1b}".into()], count: 1 };
        let errors = no_control_chars(&form).unwrap_err();
        assert!(errors.get("name").is_some() && errors.get("tags").is_some(), "{errors}");
        assert_eq!(errors.get("note"), None);
    }

    #[test]
    fn user_and_password_forms_name_the_field_with_a_control_character() {
        let user =
            NewUser { email: "a\0b@x.test".into(), name: "A".into(), role: "staff".into(), password: String::new() };
        assert!(user.validate().unwrap_err().get("email").is_some());
        let user =
            NewUser { email: "a@b.co".into(), name: "Ann\u{1b}".into(), role: "staff".into(), password: String::new() };
        assert!(user.validate().unwrap_err().get("name").is_some());
        assert!(password_error("twelve-chars\0", "a@b.co").is_some());
        assert!(password_change_errors("a-long-password", "a-long-pass\0word", "a@b.co")
            .get("confirm_password")
            .is_some());
        let e = sign_in_errors("a\0b@x.test", "pass\u{1b}word");
        assert!(e.get("email").is_some() && e.get("password").is_some());
        assert!(sign_in_errors("ann@example.com", "any password").is_empty());
    }

    #[test]
    fn confirmation_must_match() {
        let e = password_change_errors("a-long-password", "a-long-passwort", "a@b.co");
        assert!(e.get("confirm_password").is_some());
        assert!(password_change_errors("a-long-password", "a-long-password", "a@b.co").is_empty());
    }
}

/// Where to go after signing in: only a path on this site (`/...`, not `//host` or `/\host`), else `/`.
pub fn safe_redirect_target(next: &str) -> String {
    let next = next.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control())
        && !next.starts_with("/login");
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod redirect_tests {
    use super::safe_redirect_target;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_redirect_target("/admin/users?role=staff"), "/admin/users?role=staff");
        for bad in
            ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", "/login", "/a\nb"]
        {
            assert_eq!(safe_redirect_target(bad), "/", "{bad:?}");
        }
    }
}
