//! Decimal digits of an unsigned integer, without allocating: the text
//! exposition's integers and the GenAI metrics' `server.port` values.

/// The decimal digits of `n`, written at the end of `buf` (20 bytes hold
/// `u64::MAX`).
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn digits_without_allocation() {
        let mut buf = [0u8; 20];
        assert_eq!(decimal(0, &mut buf), "0");
        assert_eq!(decimal(443, &mut buf), "443");
        assert_eq!(decimal(65535, &mut buf), "65535");
        assert_eq!(decimal(u64::MAX, &mut buf), u64::MAX.to_string());
    }
}
