//! Training-compute estimation, for developers who give parameters and
//! tokens or hardware and hours instead of a FLOP count.
//!
//! Two standard estimates (Epoch AI's methods, also in the EU AI Act
//! guidelines on general-purpose AI models):
//!
//! - from the model: `6 · N · D`, N parameters (active parameters per token
//!   for a mixture-of-experts model), D training tokens;
//! - from the hardware: `chips × peak FLOP/s per chip × hours × 3600 ×
//!   utilisation`.
//!
//! Both are computed in IEEE-754 double precision, in exactly the order
//! written above (left to right), so a hand computation in that order
//! reproduces them bit for bit.

use serde::Serialize;

/// Two estimates "differ" when the larger exceeds the smaller by more than
/// this factor, i.e. by more than 30 % of the smaller.
pub const DISCREPANCY_FACTOR: f64 = 1.3;

/// An input the estimator refuses, with the input named.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComputeError {
    #[error("{name} must be a finite number greater than zero, not {value}")]
    NotPositive { name: &'static str, value: f64 },
    #[error("utilization must be in (0, 1], not {0}")]
    Utilization(f64),
    #[error("active parameters ({active}) cannot exceed parameters ({total})")]
    ActiveExceedsTotal { active: f64, total: f64 },
}

fn positive(name: &'static str, value: f64) -> Result<f64, ComputeError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ComputeError::NotPositive { name, value })
    }
}

/// `6 · N · D`, with N the active parameters when given (mixture of experts),
/// else all parameters.
pub fn from_params(
    parameters: f64,
    tokens: f64,
    active_parameters: Option<f64>,
) -> Result<f64, ComputeError> {
    let total = positive("parameters", parameters)?;
    let tokens = positive("tokens", tokens)?;
    let n = match active_parameters {
        Some(a) => {
            let a = positive("active parameters", a)?;
            if a > total {
                return Err(ComputeError::ActiveExceedsTotal { active: a, total });
            }
            a
        }
        None => total,
    };
    finite(6.0 * n * tokens)
}

/// `chips × peak FLOP/s per chip × hours × 3600 × utilisation`.
pub fn from_hardware(
    chips: f64,
    chip_flops: f64,
    hours: f64,
    utilization: f64,
) -> Result<f64, ComputeError> {
    let chips = positive("chips", chips)?;
    let chip_flops = positive("chip FLOP/s", chip_flops)?;
    let hours = positive("hours", hours)?;
    if !(utilization.is_finite() && utilization > 0.0 && utilization <= 1.0) {
        return Err(ComputeError::Utilization(utilization));
    }
    finite(chips * chip_flops * hours * 3600.0 * utilization)
}

fn finite(v: f64) -> Result<f64, ComputeError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ComputeError::NotPositive {
            name: "the estimate",
            value: v,
        })
    }
}

/// Both estimates side by side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    pub from_params: f64,
    pub from_hardware: f64,
    /// `from_hardware / from_params`.
    pub ratio: f64,
    /// The larger estimate exceeds the smaller by more than 30 %:
    /// `max / min > 1.3` (a difference of exactly 30 % is not flagged).
    /// Symmetric, so it does not matter which estimate is taken as the truth.
    pub differs: bool,
}

/// Compares the two estimates. Both must be positive, as the estimators
/// return them.
pub fn compare(from_params: f64, from_hardware: f64) -> Result<Comparison, ComputeError> {
    let p = positive("the parameter estimate", from_params)?;
    let h = positive("the hardware estimate", from_hardware)?;
    let (lo, hi) = if p <= h { (p, h) } else { (h, p) };
    Ok(Comparison {
        from_params: p,
        from_hardware: h,
        ratio: h / p,
        differs: hi / lo > DISCREPANCY_FACTOR,
    })
}

/// Two significant figures, for showing estimates: `6.3e24`; values from 0.1
/// to under 100 in plain notation (`1.3`, `0.52`, `13`), as ratios read best.
/// Rounding is to nearest (ties to even on the exact binary value).
pub fn two_sig(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0.0".to_owned();
    }
    let sci = format!("{x:.1e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    let (sign, digits) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let d: String = digits.chars().filter(char::is_ascii_digit).collect();
    match exp {
        -1 => format!("{sign}0.{d}"),
        0 => format!("{sign}{}.{}", &d[..1], &d[1..]),
        1 => format!("{sign}{d}"),
        _ => sci,
    }
}
