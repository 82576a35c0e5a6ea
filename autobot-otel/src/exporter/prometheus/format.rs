//! Numbers and escaped strings as the text format writes them.

use std::fmt::Write as _;

/// Integers below this magnitude are exact in an `f64`.
pub(super) const F64_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Appends `v` as `f64::to_string` would: integers without a fraction (`3`,
/// `-0`), no exponent, `inf`, `-inf`, `NaN`.
pub(super) fn push_f64(out: &mut String, v: f64) {
    // `fract` is NaN for NaN and infinities, so they take the slow path.
    if v.fract() == 0.0 && v.abs() < F64_EXACT_INT {
        if v == 0.0 {
            out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        } else {
            if v < 0.0 {
                out.push('-');
            }
            push_u64(out, v.abs() as u64);
        }
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Appends `(n as f64).to_string()`.
pub(super) fn push_u64_as_f64(out: &mut String, n: u64) {
    if n < F64_EXACT_INT as u64 {
        push_u64(out, n);
    } else {
        push_f64(out, n as f64);
    }
}

fn push_u64(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// prometheus' `escape_string`: `\` → `\\`, newline → `\n`, and `"` → `\"`
/// when `quote` (label values; not `# HELP`).
pub(super) fn push_escaped(out: &mut String, s: &str, quote: bool) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quote => "\\\"",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(escaped);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_display() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e15,
            1e16,
            1e21,
            1e-7,
            123456789.125,
            F64_EXACT_INT,
            F64_EXACT_INT - 1.0,
            -F64_EXACT_INT,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ] {
            let mut s = String::new();
            push_f64(&mut s, v);
            assert_eq!(s, v.to_string(), "{v:?}");
        }
        for n in [0, 1, 9, 10, u64::MAX, (1 << 53) - 1, 1 << 53, (1 << 53) + 1] {
            let mut s = String::new();
            push_u64_as_f64(&mut s, n);
            assert_eq!(s, (n as f64).to_string(), "{n}");
        }
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        push_escaped(&mut s, "a\\b\"c\nd\té", true);
        assert_eq!(s, "a\\\\b\\\"c\\nd\té");
        s.clear();
        push_escaped(&mut s, "a\\b\"c\n", false);
        assert_eq!(s, "a\\\\b\"c\\n");
    }
}
