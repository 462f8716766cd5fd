//! The compute estimators reproduce their formulas exactly.

use bulwark_frontier::compute::{ComputeError, compare, from_hardware, from_params, two_sig};

#[test]
fn six_n_d_exactly() {
    // 6 × 7e10 = 4.2e11 is exact, so the one rounding gives the double nearest 6.3e24.
    assert_eq!(from_params(7e10, 1.5e13, None), Ok(6.3e24));
    // Mixture of experts (DeepSeek-V3's published 671B total, 37B active,
    // 14.8T tokens): N is the active parameters.
    assert_eq!(from_params(6.71e11, 1.48e13, Some(3.7e10)), Ok(3.2856e24));
    assert_eq!(from_params(3.7e10, 1.48e13, None), Ok(3.2856e24));
    // Left to right, bit for bit.
    let (n, d) = (405e9_f64, 15.6e12_f64);
    assert_eq!(from_params(n, d, None), Ok(6.0 * n * d));
}

#[test]
fn hardware_exactly() {
    assert_eq!(from_hardware(1000.0, 1e15, 1000.0, 0.5), Ok(1.8e24));
    assert_eq!(from_hardware(1.0, 1e15, 1.0, 1.0), Ok(3.6e18));
    // 16,384 H100s (989 TFLOP/s dense BF16) for 54 days at 40 % utilisation.
    let hours = 54.0 * 24.0;
    assert_eq!(
        from_hardware(16384.0, 989e12, hours, 0.4),
        Ok(16384.0 * 989e12 * hours * 3600.0 * 0.4)
    );
}

#[test]
fn inputs_are_validated() {
    assert!(matches!(
        from_params(0.0, 1e12, None),
        Err(ComputeError::NotPositive {
            name: "parameters",
            ..
        })
    ));
    assert!(matches!(
        from_params(1e9, f64::NAN, None),
        Err(ComputeError::NotPositive { name: "tokens", .. })
    ));
    assert!(matches!(
        from_params(1e9, 1e12, Some(-1.0)),
        Err(ComputeError::NotPositive { .. })
    ));
    assert!(matches!(
        from_params(1e9, 1e12, Some(2e9)),
        Err(ComputeError::ActiveExceedsTotal { .. })
    ));
    assert!(matches!(
        from_params(f64::INFINITY, 1e12, None),
        Err(ComputeError::NotPositive { .. })
    ));
    assert!(matches!(
        from_params(1e300, 1e300, None),
        Err(ComputeError::NotPositive {
            name: "the estimate",
            ..
        })
    ));
    assert!(matches!(
        from_hardware(-1.0, 1e15, 1.0, 0.5),
        Err(ComputeError::NotPositive { name: "chips", .. })
    ));
    assert!(matches!(
        from_hardware(1.0, 1e15, 0.0, 0.5),
        Err(ComputeError::NotPositive { name: "hours", .. })
    ));
    assert_eq!(
        from_hardware(1.0, 1e15, 1.0, 0.0),
        Err(ComputeError::Utilization(0.0))
    );
    assert_eq!(
        from_hardware(1.0, 1e15, 1.0, 1.01),
        Err(ComputeError::Utilization(1.01))
    );
    assert!(from_hardware(1.0, 1e15, 1.0, 1.0).is_ok());
    assert_eq!(
        from_hardware(1.0, 1e15, 1.0, 40.0).unwrap_err().to_string(),
        "utilization must be in (0, 1], not 40"
    );
}

#[test]
fn comparison_and_the_30_percent_flag() {
    let c = compare(10.0, 13.0).unwrap();
    assert_eq!(c.ratio, 1.3);
    assert!(!c.differs, "exactly 30 % is not more than 30 %");
    assert!(compare(10.0, 13.01).unwrap().differs);
    assert!(compare(13.01, 10.0).unwrap().differs, "symmetric");
    assert!(!compare(13.0, 10.0).unwrap().differs);
    let c = compare(6.3e24, 1.8e24).unwrap();
    assert_eq!(two_sig(c.ratio), "0.29");
    assert!(c.differs);
    assert!(compare(0.0, 1.0).is_err());
}

#[test]
fn two_significant_figures() {
    for (x, s) in [
        (6.3e24, "6.3e24"),
        (3.2856e24, "3.3e24"),
        (1.8e24, "1.8e24"),
        (1e26, "1.0e26"),
        (1.3, "1.3"),
        (1.0, "1.0"),
        (0.52, "0.52"),
        (0.104, "0.10"),
        (13.04, "13"),
        (99.6, "1.0e2"),
        (0.0123, "1.2e-2"),
        (0.0, "0.0"),
        (-2.71, "-2.7"),
    ] {
        assert_eq!(two_sig(x), s, "{x}");
    }
}
