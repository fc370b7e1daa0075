//! The `-W` (Wasm) and `-S` (WASI) option lists of `regwasm run`, spelled
//! as `wasmtime run` spells them: `-W fuel=N,timeout=10s -S inherit-env`.

use std::time::Duration;

/// What the `-W` and `-S` lists set; `None` where they say nothing.
#[derive(Debug, Default, PartialEq)]
pub struct Settings {
    /// `-W fuel=N`: trap after about N executed operators.
    pub fuel: Option<u64>,
    /// `-W timeout=DURATION`: interrupt the guest after this wall time.
    pub timeout: Option<Duration>,
    /// `-S inherit-env[=y|n]`: pass the host's whole environment.
    pub inherit_env: Option<bool>,
}

impl Settings {
    /// Applies one `-W` value: a comma-separated list of `KEY=VALUE`.
    pub fn apply_wasm(&mut self, list: &str) -> Result<(), String> {
        for (key, value) in items(list) {
            match key {
                "fuel" => {
                    let v = value.ok_or("-W fuel needs a count: -W fuel=N")?;
                    let n = v
                        .parse()
                        .map_err(|_| format!("-W fuel={v}: not a whole number"))?;
                    self.fuel = Some(n);
                }
                "timeout" => {
                    let v = value.ok_or("-W timeout needs a duration: -W timeout=10s")?;
                    self.timeout = Some(duration(v).map_err(|e| format!("-W timeout={v}: {e}"))?);
                }
                _ => {
                    return Err(format!(
                        "-W {key}: not an option regwasm has (it has fuel, timeout)"
                    ))
                }
            }
        }
        Ok(())
    }

    /// Applies one `-S` value: a comma-separated list of `KEY[=VALUE]`.
    pub fn apply_wasi(&mut self, list: &str) -> Result<(), String> {
        for (key, value) in items(list) {
            match key {
                "inherit-env" => {
                    self.inherit_env = Some(flag(value).map_err(|e| format!("-S {key}: {e}"))?)
                }
                _ => {
                    return Err(format!(
                        "-S {key}: not an option regwasm has (it has inherit-env)"
                    ))
                }
            }
        }
        Ok(())
    }
}

/// The `KEY[=VALUE]` items of a comma-separated list.
fn items(list: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    list.split(',')
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item, None),
        })
}

/// A boolean option: on when given without a value.
fn flag(value: Option<&str>) -> Result<bool, String> {
    match value {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(v) => Err(format!("`{v}` is not y or n")),
    }
}

/// A duration: a number and a unit (`ns`, `us`, `ms`, `s`, `m`, `h`); a
/// bare number is seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 10s or 500ms"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ns" => n / 1e9,
        "us" => n / 1e6,
        "ms" => n / 1e3,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit `{unit}` (ns, us, ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_and_wasi_lists_set_what_they_name() {
        let mut s = Settings::default();
        s.apply_wasm("fuel=1000,timeout=1.5s").unwrap();
        s.apply_wasi("inherit-env").unwrap();
        assert_eq!(
            s,
            Settings {
                fuel: Some(1000),
                timeout: Some(Duration::from_millis(1500)),
                inherit_env: Some(true),
            }
        );
        s.apply_wasi("inherit-env=n").unwrap();
        assert_eq!(s.inherit_env, Some(false));
    }

    #[test]
    fn durations_take_wasmtime_units() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(duration("3us"), Ok(Duration::from_micros(3)));
        assert!(duration("ten").is_err());
        assert!(duration("5d").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn unknown_or_malformed_options_say_what_there_is() {
        let mut s = Settings::default();
        let e = s.apply_wasm("max-memory-size=10").unwrap_err();
        assert!(e.contains("it has fuel, timeout"), "{e}");
        assert!(s.apply_wasm("fuel").unwrap_err().contains("needs a count"));
        assert!(s
            .apply_wasm("fuel=x")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(s
            .apply_wasi("inherit-env=maybe")
            .unwrap_err()
            .contains("not y or n"));
        assert!(s
            .apply_wasi("tcplisten=1")
            .unwrap_err()
            .contains("inherit-env"));
    }
}
