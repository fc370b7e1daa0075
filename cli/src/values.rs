//! Converting between command-line text and Wasm values.

use regwasm::{Val, ValType};

/// Parses one command-line argument as a value of type `ty`.
///
/// Integers are decimal (optionally negative) or `0x` hexadecimal; values up
/// to the unsigned maximum are accepted and wrap (`4294967295` is `-1i32`).
/// Floats use Rust's float syntax (`1.5`, `-2e3`, `inf`, `nan`).
pub fn parse_arg(text: &str, ty: ValType) -> Result<Val, String> {
    let bad = |what: &str| format!("invalid {what} argument `{text}`");
    match ty {
        ValType::I32 => parse_int(text, 32)
            .map(|v| Val::I32(v as u32 as i32))
            .ok_or_else(|| bad("i32")),
        ValType::I64 => parse_int(text, 64)
            .map(|v| Val::I64(v as u64 as i64))
            .ok_or_else(|| bad("i64")),
        ValType::F32 => text
            .parse::<f32>()
            .map(|f| Val::F32(f.to_bits()))
            .map_err(|_| bad("f32")),
        ValType::F64 => text
            .parse::<f64>()
            .map(|f| Val::F64(f.to_bits()))
            .map_err(|_| bad("f64")),
        ValType::FuncRef | ValType::ExternRef if text == "null" => Ok(null_of(ty)),
        other => Err(format!(
            "cannot pass `{text}` as a {} argument from the command line",
            other
        )),
    }
}

/// A null reference of the given reference type.
fn null_of(ty: ValType) -> Val {
    match ty {
        ValType::ExternRef => Val::ExternRef(None),
        _ => Val::FuncRef(None),
    }
}

/// Parses a decimal or `0x` hex integer that fits in `bits` bits, either as a
/// signed or an unsigned number. Returns the value as its unsigned bit pattern
/// (sign-extended to 128 bits before truncation by the caller).
fn parse_int(text: &str, bits: u32) -> Option<i128> {
    let text = text.replace('_', "");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u128>().ok()?,
    };
    let value = if negative {
        let min_magnitude = 1u128 << (bits - 1);
        if magnitude > min_magnitude {
            return None;
        }
        -(magnitude as i128)
    } else {
        if magnitude > (1u128 << bits) - 1 {
            return None;
        }
        magnitude as i128
    };
    Some(value)
}

/// Formats a result value the way `regwasm run` prints it: integers as signed
/// decimal, floats in Rust's shortest round-trip form, references as
/// `null`/`funcref`/`externref`.
pub fn format_val(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i32_of(text: &str) -> Option<i32> {
        match parse_arg(text, ValType::I32) {
            Ok(Val::I32(v)) => Some(v),
            _ => None,
        }
    }

    fn i64_of(text: &str) -> Option<i64> {
        match parse_arg(text, ValType::I64) {
            Ok(Val::I64(v)) => Some(v),
            _ => None,
        }
    }

    #[test]
    fn integers() {
        assert_eq!(i32_of("42"), Some(42));
        assert_eq!(i32_of("-7"), Some(-7));
        assert_eq!(i32_of("0x10"), Some(16));
        assert_eq!(i32_of("0xffffffff"), Some(-1));
        assert_eq!(i32_of("4294967295"), Some(-1));
        assert_eq!(i32_of("-2147483648"), Some(i32::MIN));
        assert_eq!(i32_of("4294967296"), None);
        assert_eq!(i32_of("-2147483649"), None);
        assert_eq!(i32_of("1.5"), None);
        assert_eq!(i32_of("abc"), None);
        assert_eq!(i64_of("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(i64_of("0xFFFFFFFFFFFFFFFF"), Some(-1));
        assert_eq!(i64_of("18446744073709551616"), None);
    }

    #[test]
    fn floats() {
        match parse_arg("1.5", ValType::F32) {
            Ok(Val::F32(bits)) => assert_eq!(f32::from_bits(bits), 1.5),
            other => panic!("{other:?}"),
        }
        match parse_arg("-2e3", ValType::F64) {
            Ok(Val::F64(bits)) => assert_eq!(f64::from_bits(bits), -2000.0),
            other => panic!("{other:?}"),
        }
        assert!(parse_arg("x", ValType::F64).is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_val(&Val::I32(-3)), "-3");
        assert_eq!(format_val(&Val::I64(1 << 40)), "1099511627776");
        assert_eq!(format_val(&Val::F32(1.5f32.to_bits())), "1.5");
        assert_eq!(format_val(&Val::F64(0.25f64.to_bits())), "0.25");
        assert_eq!(format_val(&Val::FuncRef(None)), "null");
    }
}
