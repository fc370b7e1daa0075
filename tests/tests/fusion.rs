//! Translator unit tests, one per fusion: each test translates a small module
//! eagerly (with the bytecode verifier on), snapshots its disassembly,
//! checks that the fused instruction is used (and the unfused form is not,
//! where that matters), and runs the functions on inputs covering every
//! outcome, checking results worked out by hand.
//!
//! Review changed listings, then accept them with
//! `INSTA_UPDATE=always cargo test -p regwasm-tests --test fusion`.

use regwasm_tests::{mnemonics, Fixture};

/// The listing's instruction lines (without the header).
fn instr_lines(listing: &str) -> Vec<&str> {
    listing.lines().filter(|l| l.contains(" @")).collect()
}

const CMPS: [&str; 10] = [
    "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
];

fn cmp_i32(op: &str, a: i32, b: i32) -> bool {
    let (ua, ub) = (a as u32, b as u32);
    match op {
        "eq" => a == b,
        "ne" => a != b,
        "lt_s" => a < b,
        "lt_u" => ua < ub,
        "gt_s" => a > b,
        "gt_u" => ua > ub,
        "le_s" => a <= b,
        "le_u" => ua <= ub,
        "ge_s" => a >= b,
        "ge_u" => ua >= ub,
        _ => unreachable!("{op}"),
    }
}

fn cmp_i64(op: &str, a: i64, b: i64) -> bool {
    let (ua, ub) = (a as u64, b as u64);
    match op {
        "eq" => a == b,
        "ne" => a != b,
        "lt_s" => a < b,
        "lt_u" => ua < ub,
        "gt_s" => a > b,
        "gt_u" => ua > ub,
        "le_s" => a <= b,
        "le_u" => ua <= ub,
        "ge_s" => a >= b,
        "ge_u" => ua >= ub,
        _ => unreachable!("{op}"),
    }
}

/// One function per comparison: returns 1 when `br_if` is taken, else 0.
fn br_if_module(ty: &str) -> String {
    let mut wat = String::from("(module\n");
    for op in CMPS {
        wat.push_str(&format!(
            r#"  (func (export "{op}") (param {ty} {ty}) (result i32)
    block
      local.get 0
      local.get 1
      {ty}.{op}
      br_if 0
      i32.const 0
      return
    end
    i32.const 1)
"#
        ));
    }
    wat.push(')');
    wat
}

#[test]
fn compare_branch_i32_reg_reg() {
    let mut fx = Fixture::new(&br_if_module("i32"));
    insta::assert_snapshot!("compare_branch_i32_reg_reg", fx.all_listings());
    for op in CMPS {
        let fused = format!("br_i32_{op}");
        let plain = format!("i32_{op}");
        fx.expect_ops(op, &[&fused], &[&plain, "br_nez", "br_eqz"]);
    }
    // Outcomes worked out by hand, both directions and signed vs unsigned.
    let hand: [(&str, i32, i32, i32); 16] = [
        ("eq", 5, 5, 1),
        ("eq", 5, -5, 0),
        ("ne", 5, 5, 0),
        ("ne", 0, i32::MIN, 1),
        ("lt_s", -1, 0, 1),
        ("lt_u", -1, 0, 0),
        ("lt_s", 3, 3, 0),
        ("gt_s", i32::MIN, i32::MAX, 0),
        ("gt_u", i32::MIN, i32::MAX, 1),
        ("le_s", 3, 3, 1),
        ("le_u", i32::MIN, i32::MAX, 0),
        ("le_u", 0, -1, 1),
        ("ge_s", -2, -1, 0),
        ("ge_u", -2, -1, 0),
        ("ge_u", -1, -2, 1),
        ("ge_s", i32::MAX, i32::MIN, 1),
    ];
    for (op, a, b, want) in hand {
        assert_eq!(
            fx.call::<(i32, i32), i32>(op, (a, b)),
            want,
            "{op}({a}, {b})"
        );
    }
    // Every pair of boundary values, for every comparison.
    let values = [i32::MIN, i32::MIN + 1, -1, 0, 1, 7, i32::MAX];
    for op in CMPS {
        for a in values {
            for b in values {
                let want = i32::from(cmp_i32(op, a, b));
                assert_eq!(
                    fx.call::<(i32, i32), i32>(op, (a, b)),
                    want,
                    "{op}({a}, {b})"
                );
            }
        }
    }
}

#[test]
fn compare_branch_i64_reg_reg() {
    let mut fx = Fixture::new(&br_if_module("i64"));
    insta::assert_snapshot!("compare_branch_i64_reg_reg", fx.all_listings());
    for op in CMPS {
        let fused = format!("br_i64_{op}");
        let plain = format!("i64_{op}");
        fx.expect_ops(op, &[&fused], &[&plain, "br_nez", "br_eqz"]);
    }
    const HI: i64 = 0x1_0000_0000;
    let hand: [(&str, i64, i64, i32); 14] = [
        // Equal low halves, different high halves.
        ("eq", HI, 0, 0),
        ("ne", HI, 0, 1),
        ("eq", -1, -1, 1),
        ("lt_u", 0xffff_ffff, HI, 1),
        ("lt_s", -1, 0, 1),
        ("lt_u", -1, 0, 0),
        ("gt_s", i64::MIN, i64::MAX, 0),
        ("gt_u", i64::MIN, i64::MAX, 1),
        ("le_s", HI, HI, 1),
        ("le_u", -1, HI, 0),
        ("ge_s", -HI, 0, 0),
        ("ge_u", -HI, 0, 1),
        ("gt_s", HI, 0xffff_ffff, 1),
        ("lt_s", i64::MIN, i64::MIN + 1, 1),
    ];
    for (op, a, b, want) in hand {
        assert_eq!(
            fx.call::<(i64, i64), i32>(op, (a, b)),
            want,
            "{op}({a}, {b})"
        );
    }
    let values = [i64::MIN, -HI, -1, 0, 1, 0xffff_ffff, HI, i64::MAX];
    for op in CMPS {
        for a in values {
            for b in values {
                let want = i32::from(cmp_i64(op, a, b));
                assert_eq!(
                    fx.call::<(i64, i64), i32>(op, (a, b)),
                    want,
                    "{op}({a}, {b})"
                );
            }
        }
    }
}

/// `block; <x> <const> cmp; br_if 0; return 0; end; return 1`.
fn br_if_fn(name: &str, ty: &str, body: &str) -> String {
    format!(
        r#"  (func (export "{name}") (param {ty}) (result i32)
    block
      {body}
      br_if 0
      i32.const 0
      return
    end
    i32.const 1)
"#
    )
}

#[test]
fn compare_branch_i32_reg_imm() {
    let wat = [
        br_if_fn("gt_u_100", "i32", "local.get 0 i32.const 100 i32.gt_u"),
        br_if_fn("lt_s_neg5", "i32", "local.get 0 i32.const -5 i32.lt_s"),
        br_if_fn(
            "ge_u_min",
            "i32",
            "local.get 0 i32.const 0x80000000 i32.ge_u",
        ),
        br_if_fn("eq_zero", "i32", "local.get 0 i32.const 0 i32.eq"),
        // Constant on the left: the comparison is mirrored.
        br_if_fn("five_lt_s_x", "i32", "i32.const 5 local.get 0 i32.lt_s"),
        br_if_fn("max_le_u_x", "i32", "i32.const -1 local.get 0 i32.le_u"),
        br_if_fn("zero_ge_s_x", "i32", "i32.const 0 local.get 0 i32.ge_s"),
        br_if_fn("ten_gt_u_x", "i32", "i32.const 10 local.get 0 i32.gt_u"),
        br_if_fn("ff_ne_x", "i32", "i32.const 42 local.get 0 i32.ne"),
    ]
    .concat();
    let mut fx = Fixture::new(&format!("(module\n{wat})"));
    insta::assert_snapshot!("compare_branch_i32_reg_imm", fx.all_listings());
    let fused = [
        ("gt_u_100", "br_i32_gt_u_imm", "b=100,"),
        ("lt_s_neg5", "br_i32_lt_s_imm", "b=-5,"),
        ("ge_u_min", "br_i32_ge_u_imm", "b=-2147483648,"),
        ("eq_zero", "br_i32_eq_imm", "b=0,"),
        ("five_lt_s_x", "br_i32_gt_s_imm", "b=5,"),
        ("max_le_u_x", "br_i32_ge_u_imm", "b=-1,"),
        ("zero_ge_s_x", "br_i32_le_s_imm", "b=0,"),
        ("ten_gt_u_x", "br_i32_lt_u_imm", "b=10,"),
        ("ff_ne_x", "br_i32_ne_imm", "b=42,"),
    ];
    for (name, mnemonic, imm) in fused {
        // The constant is an immediate: never materialized in a register.
        fx.expect_ops(name, &[mnemonic], &["copy_imm32", "br_nez", "br_eqz"]);
        let listing = fx.listing(name);
        let line = instr_lines(&listing)[0];
        assert!(
            line.contains(mnemonic) && line.contains("a=r0") && line.contains(imm),
            "{name}: {line}"
        );
    }
    let cases: [(&str, i32, i32); 34] = [
        ("gt_u_100", 100, 0),
        ("gt_u_100", 101, 1),
        ("gt_u_100", -1, 1),
        ("gt_u_100", 0, 0),
        ("lt_s_neg5", -5, 0),
        ("lt_s_neg5", -6, 1),
        ("lt_s_neg5", i32::MIN, 1),
        ("lt_s_neg5", 5, 0),
        ("ge_u_min", i32::MIN, 1),
        ("ge_u_min", -1, 1),
        ("ge_u_min", i32::MAX, 0),
        ("ge_u_min", 0, 0),
        ("eq_zero", 0, 1),
        ("eq_zero", 1, 0),
        ("eq_zero", i32::MIN, 0),
        ("five_lt_s_x", 5, 0),
        ("five_lt_s_x", 6, 1),
        ("five_lt_s_x", -6, 0),
        ("five_lt_s_x", i32::MAX, 1),
        ("max_le_u_x", -1, 1),
        ("max_le_u_x", -2, 0),
        ("max_le_u_x", i32::MAX, 0),
        ("zero_ge_s_x", 0, 1),
        ("zero_ge_s_x", -1, 1),
        ("zero_ge_s_x", 1, 0),
        ("zero_ge_s_x", i32::MIN, 1),
        ("ten_gt_u_x", 9, 1),
        ("ten_gt_u_x", 10, 0),
        ("ten_gt_u_x", -1, 0),
        ("ten_gt_u_x", 0, 1),
        ("ff_ne_x", 42, 0),
        ("ff_ne_x", 43, 1),
        ("ff_ne_x", 0, 1),
        ("ff_ne_x", -42, 1),
    ];
    for (name, x, want) in cases {
        assert_eq!(fx.call::<i32, i32>(name, x), want, "{name}({x})");
    }
}

#[test]
fn compare_branch_i64_reg_imm() {
    let wat = [
        br_if_fn("lt_s_neg1", "i64", "local.get 0 i64.const -1 i64.lt_s"),
        // The immediate is sign-extended: `x <u -1` is `x != u64::MAX`.
        br_if_fn("lt_u_neg1", "i64", "local.get 0 i64.const -1 i64.lt_u"),
        br_if_fn(
            "eq_i32_min",
            "i64",
            "local.get 0 i64.const -2147483648 i64.eq",
        ),
        br_if_fn(
            "ge_s_i32_max",
            "i64",
            "local.get 0 i64.const 0x7fffffff i64.ge_s",
        ),
        // Constant on the left, mirrored.
        br_if_fn("ten_gt_s_x", "i64", "i64.const 10 local.get 0 i64.gt_s"),
        br_if_fn("zero_lt_u_x", "i64", "i64.const 0 local.get 0 i64.lt_u"),
        // Constants that do not fit a sign-extended i32: no immediate form.
        br_if_fn(
            "eq_u32_max",
            "i64",
            "local.get 0 i64.const 0xffffffff i64.eq",
        ),
        br_if_fn(
            "gt_u_2pow32",
            "i64",
            "local.get 0 i64.const 0x100000000 i64.gt_u",
        ),
    ]
    .concat();
    let mut fx = Fixture::new(&format!("(module\n{wat})"));
    insta::assert_snapshot!("compare_branch_i64_reg_imm", fx.all_listings());
    let fused = [
        ("lt_s_neg1", "br_i64_lt_s_imm", "b=-1,"),
        ("lt_u_neg1", "br_i64_lt_u_imm", "b=-1,"),
        ("eq_i32_min", "br_i64_eq_imm", "b=-2147483648,"),
        ("ge_s_i32_max", "br_i64_ge_s_imm", "b=2147483647,"),
        ("ten_gt_s_x", "br_i64_lt_s_imm", "b=10,"),
        ("zero_lt_u_x", "br_i64_gt_u_imm", "b=0,"),
    ];
    for (name, mnemonic, imm) in fused {
        fx.expect_ops(name, &[mnemonic], &["copy_imm32", "copy_imm64", "br_nez64"]);
        let listing = fx.listing(name);
        let line = instr_lines(&listing)[0];
        assert!(
            line.contains(mnemonic) && line.contains("a=r0") && line.contains(imm),
            "{name}: {line}"
        );
    }
    fx.expect_ops(
        "eq_u32_max",
        &["copy_imm32", "br_i64_eq"],
        &["br_i64_eq_imm"],
    );
    fx.expect_ops(
        "gt_u_2pow32",
        &["copy_imm64", "br_i64_gt_u"],
        &["br_i64_gt_u_imm"],
    );

    const HI: i64 = 0x1_0000_0000;
    let cases: [(&str, i64, i32); 33] = [
        ("lt_s_neg1", -1, 0),
        ("lt_s_neg1", -2, 1),
        ("lt_s_neg1", 0, 0),
        ("lt_s_neg1", i64::MIN, 1),
        ("lt_u_neg1", -1, 0),
        ("lt_u_neg1", -2, 1),
        ("lt_u_neg1", 0xffff_ffff, 1),
        ("lt_u_neg1", 0, 1),
        ("eq_i32_min", -2147483648, 1),
        ("eq_i32_min", 2147483648, 0),
        ("eq_i32_min", 0xffff_ffff_8000_0000_u64 as i64, 1),
        ("eq_i32_min", 0, 0),
        ("ge_s_i32_max", 0x7fff_ffff, 1),
        ("ge_s_i32_max", 0x7fff_fffe, 0),
        ("ge_s_i32_max", HI, 1),
        ("ge_s_i32_max", -1, 0),
        ("ten_gt_s_x", 9, 1),
        ("ten_gt_s_x", 10, 0),
        ("ten_gt_s_x", i64::MIN, 1),
        ("ten_gt_s_x", HI, 0),
        ("zero_lt_u_x", 0, 0),
        ("zero_lt_u_x", 1, 1),
        ("zero_lt_u_x", HI, 1),
        ("zero_lt_u_x", i64::MIN, 1),
        ("eq_u32_max", 0xffff_ffff, 1),
        ("eq_u32_max", -1, 0),
        ("eq_u32_max", 0x7fff_ffff, 0),
        ("gt_u_2pow32", HI, 0),
        ("gt_u_2pow32", HI + 1, 1),
        ("gt_u_2pow32", 0xffff_ffff, 0),
        ("gt_u_2pow32", -1, 1),
        ("gt_u_2pow32", i64::MAX, 1),
        ("gt_u_2pow32", 0, 0),
    ];
    for (name, x, want) in cases {
        assert_eq!(fx.call::<i64, i32>(name, x), want, "{name}({x})");
    }
}

#[test]
fn compare_branch_carrying_values() {
    // A `br_if` whose target takes a value: when the move only writes a
    // register nothing on the stack lives in, it is done before the fused
    // branch (`pick`, `pick64_imm`); when it would overwrite a live value,
    // the branch is inverted to skip the move-and-branch sequence
    // (`pick_live`); a loop's back edge branches backwards.
    let mut fx = Fixture::new(
        r#"(module
  (func (export "pick") (param i32 i32) (result i32)
    block (result i32)
      i32.const 7
      local.get 0
      local.get 1
      i32.lt_s
      br_if 0
      drop
      i32.const 9
    end)
  (func (export "pick_live") (param i32 i32) (result i32)
    block (result i32)
      local.get 0
      local.get 1
      i32.add
      i32.const 7
      local.get 0
      local.get 1
      i32.lt_s
      br_if 0
      i32.add
    end)
  (func (export "pick64_imm") (param i64) (result i64)
    block (result i64)
      local.get 0
      local.get 0
      i64.const 100
      i64.gt_u
      br_if 0
      i64.const 1
      i64.add
    end)
  (func (export "return_if") (param i32 i32) (result i32)
    i32.const 5
    local.get 0
    i32.const -3
    i32.le_s
    br_if 0
    drop
    local.get 1)
  (func (export "if_param") (param i32 i32) (result i32)
    local.get 1
    local.get 0
    local.get 1
    i32.gt_u
    if (param i32) (result i32)
      i32.const 1
      i32.add
    else
      i32.const 2
      i32.sub
    end)
  (func (export "count_up") (param i32) (result i32) (local i32)
    loop
      local.get 1
      i32.const 1
      i32.add
      local.tee 1
      local.get 0
      i32.lt_s
      br_if 0
    end
    local.get 1))"#,
    );
    insta::assert_snapshot!("compare_branch_carrying_values", fx.all_listings());
    fx.expect_ops(
        "pick",
        &["copy_imm32", "br_i32_lt_s"],
        &["br_i32_ge_s", "i32_lt_s"],
    );
    fx.expect_ops(
        "pick_live",
        &["br_i32_ge_s", "br"],
        &["br_i32_lt_s", "i32_lt_s"],
    );
    fx.expect_ops(
        "pick64_imm",
        &["br_i64_gt_u_imm"],
        &["br_i64_le_u_imm", "i64_gt_u_imm", "br_nez"],
    );
    // Taken: return 5; the inverse comparison skips the return.
    fx.expect_ops(
        "return_if",
        &["br_i32_gt_s_imm", "ret_imm32", "ret_reg"],
        &["i32_le_s_imm"],
    );
    fx.expect_ops("if_param", &["br_i32_le_u"], &["i32_gt_u", "br_eqz"]);
    // The step and the loop test fuse into one compare-and-branch.
    fx.expect_ops(
        "count_up",
        &["i32_add_imm_br_lt_s"],
        &["i32_lt_s", "br_nez", "br_i32_lt_s"],
    );
    let listing = fx.listing("count_up");
    let back = instr_lines(&listing)
        .into_iter()
        .find(|l| l.contains("i32_add_imm_br_lt_s"))
        .unwrap();
    assert!(
        back.contains("off=-"),
        "the loop branch goes backwards: {back}"
    );

    assert_eq!(fx.call::<(i32, i32), i32>("pick", (1, 2)), 7);
    assert_eq!(fx.call::<(i32, i32), i32>("pick", (2, 2)), 9);
    assert_eq!(fx.call::<(i32, i32), i32>("pick", (-1, 0)), 7);
    assert_eq!(fx.call::<(i32, i32), i32>("pick", (0, -1)), 9);
    // Taken: 7; fallthrough: (a + b) + 7, which needs the live sum intact.
    assert_eq!(fx.call::<(i32, i32), i32>("pick_live", (1, 2)), 7);
    assert_eq!(fx.call::<(i32, i32), i32>("pick_live", (5, 2)), 14);
    assert_eq!(fx.call::<(i32, i32), i32>("pick_live", (-3, -4)), -7 + 7);
    assert_eq!(fx.call::<i64, i64>("pick64_imm", 100), 101);
    assert_eq!(fx.call::<i64, i64>("pick64_imm", 101), 101);
    assert_eq!(fx.call::<i64, i64>("pick64_imm", -1), -1);
    assert_eq!(fx.call::<i64, i64>("pick64_imm", 0), 1);
    for (a, want) in [
        (-3, 5),
        (-4, 5),
        (i32::MIN, 5),
        (-2, 77),
        (0, 77),
        (i32::MAX, 77),
    ] {
        assert_eq!(
            fx.call::<(i32, i32), i32>("return_if", (a, 77)),
            want,
            "return_if({a})"
        );
    }
    // a >u b: b + 1, else b - 2.
    let if_param: [(i32, i32, i32); 5] = [(5, 3, 4), (3, 5, 3), (5, 5, 3), (-1, 0, 1), (0, -1, -3)];
    for (a, b, want) in if_param {
        assert_eq!(
            fx.call::<(i32, i32), i32>("if_param", (a, b)),
            want,
            "if_param({a}, {b})"
        );
    }
    assert_eq!(fx.call::<i32, i32>("count_up", 1), 1);
    assert_eq!(fx.call::<i32, i32>("count_up", 10), 10);
    assert_eq!(fx.call::<i32, i32>("count_up", -5), 1);
    assert_eq!(fx.call::<i32, i32>("count_up", 1000), 1000);
}

#[test]
fn eqz_branch() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "i32_eqz_br_if") (param i32) (result i32)
    block
      local.get 0
      i32.eqz
      br_if 0
      i32.const 0
      return
    end
    i32.const 1)
  (func (export "i64_eqz_br_if") (param i64) (result i32)
    block
      local.get 0
      i64.eqz
      br_if 0
      i32.const 0
      return
    end
    i32.const 1)
  (func (export "i32_eqz_if") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 1
    else
      i32.const 0
    end)
  (func (export "i64_eqz_if") (param i64) (result i32)
    local.get 0
    i64.eqz
    if (result i32)
      i32.const 1
    else
      i32.const 0
    end)
  (func (export "i32_br_if") (param i32) (result i32)
    block
      local.get 0
      br_if 0
      i32.const 0
      return
    end
    i32.const 1)
  (func (export "i32_if") (param i32) (result i32)
    local.get 0
    if (result i32)
      i32.const 1
    else
      i32.const 0
    end))"#,
    );
    insta::assert_snapshot!("eqz_branch", fx.all_listings());
    let no_set = ["i32_eqz", "i64_eqz"];
    fx.expect_ops("i32_eqz_br_if", &["br_eqz"], &no_set);
    fx.expect_ops("i64_eqz_br_if", &["br_eqz64"], &no_set);
    fx.expect_ops("i32_eqz_if", &["br_nez"], &no_set);
    fx.expect_ops("i64_eqz_if", &["br_nez64"], &no_set);
    fx.expect_ops("i32_br_if", &["br_nez"], &no_set);
    fx.expect_ops("i32_if", &["br_eqz"], &no_set);

    for name in ["i32_eqz_br_if", "i32_eqz_if"] {
        assert_eq!(fx.call::<i32, i32>(name, 0), 1, "{name}(0)");
        assert_eq!(fx.call::<i32, i32>(name, 1), 0, "{name}(1)");
        assert_eq!(fx.call::<i32, i32>(name, -1), 0, "{name}(-1)");
        assert_eq!(fx.call::<i32, i32>(name, i32::MIN), 0, "{name}(MIN)");
    }
    for name in ["i32_br_if", "i32_if"] {
        assert_eq!(fx.call::<i32, i32>(name, 0), 0, "{name}(0)");
        assert_eq!(fx.call::<i32, i32>(name, 1), 1, "{name}(1)");
        assert_eq!(fx.call::<i32, i32>(name, -1), 1, "{name}(-1)");
        assert_eq!(fx.call::<i32, i32>(name, i32::MIN), 1, "{name}(MIN)");
    }
    for name in ["i64_eqz_br_if", "i64_eqz_if"] {
        assert_eq!(fx.call::<i64, i32>(name, 0), 1, "{name}(0)");
        assert_eq!(fx.call::<i64, i32>(name, 1), 0, "{name}(1)");
        // The low half is zero: the test must look at all 64 bits.
        assert_eq!(fx.call::<i64, i32>(name, 0x1_0000_0000), 0, "{name}(2^32)");
        assert_eq!(fx.call::<i64, i32>(name, i64::MIN), 0, "{name}(MIN)");
        assert_eq!(fx.call::<i64, i32>(name, -1), 0, "{name}(-1)");
    }
}

#[test]
fn compare_fused_into_if() {
    // `if` branches to its else arm when the condition fails: the fused
    // branch carries the inverse comparison.
    let mut fx = Fixture::new(
        r#"(module
  (func (export "lt_s") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.lt_s
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end)
  (func (export "gt_u_imm") (param i32) (result i32)
    local.get 0
    i32.const 10
    i32.gt_u
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end)
  (func (export "ten_gt_u_x") (param i32) (result i32)
    i32.const 10
    local.get 0
    i32.gt_u
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end)
  (func (export "i64_ne") (param i64 i64) (result i32)
    local.get 0
    local.get 1
    i64.ne
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end)
  (func (export "i64_le_s_imm") (param i64) (result i32)
    local.get 0
    i64.const -3
    i64.le_s
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end)
  (func (export "no_else") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.ge_u
    if
      i32.const 100
      local.set 0
    end
    local.get 0))"#,
    );
    insta::assert_snapshot!("compare_fused_into_if", fx.all_listings());
    fx.expect_ops(
        "lt_s",
        &["br_i32_ge_s"],
        &["i32_lt_s", "br_eqz", "br_i32_lt_s"],
    );
    fx.expect_ops(
        "gt_u_imm",
        &["br_i32_le_u_imm"],
        &["i32_gt_u_imm", "br_eqz"],
    );
    // 10 > x  <=>  x < 10, inverted: x >= 10.
    fx.expect_ops("ten_gt_u_x", &["br_i32_ge_u_imm"], &["i32_gt_u", "br_eqz"]);
    fx.expect_ops("i64_ne", &["br_i64_eq"], &["i64_ne", "br_eqz"]);
    fx.expect_ops(
        "i64_le_s_imm",
        &["br_i64_gt_s_imm"],
        &["i64_le_s_imm", "br_eqz"],
    );
    fx.expect_ops("no_else", &["br_i32_lt_u"], &["i32_ge_u", "br_eqz"]);

    let i32_cases: [(i32, i32, i32); 6] = [
        (1, 2, 1),
        (2, 2, 2),
        (-1, 0, 1),
        (0, -1, 2),
        (i32::MIN, i32::MAX, 1),
        (i32::MAX, i32::MIN, 2),
    ];
    for (a, b, want) in i32_cases {
        assert_eq!(
            fx.call::<(i32, i32), i32>("lt_s", (a, b)),
            want,
            "lt_s({a}, {b})"
        );
    }
    for (x, want) in [(10, 2), (11, 1), (0, 2), (-1, 1)] {
        assert_eq!(fx.call::<i32, i32>("gt_u_imm", x), want, "gt_u_imm({x})");
    }
    for (x, want) in [(9, 1), (10, 2), (0, 1), (-1, 2)] {
        assert_eq!(
            fx.call::<i32, i32>("ten_gt_u_x", x),
            want,
            "ten_gt_u_x({x})"
        );
    }
    let i64_cases: [(i64, i64, i32); 4] =
        [(1, 1, 2), (1, 2, 1), (0x1_0000_0000, 0, 1), (-1, -1, 2)];
    for (a, b, want) in i64_cases {
        assert_eq!(
            fx.call::<(i64, i64), i32>("i64_ne", (a, b)),
            want,
            "i64_ne({a}, {b})"
        );
    }
    for (x, want) in [(-3, 1), (-2, 2), (i64::MIN, 1), (0x1_0000_0000, 2), (-4, 1)] {
        assert_eq!(
            fx.call::<i64, i32>("i64_le_s_imm", x),
            want,
            "i64_le_s_imm({x})"
        );
    }
    for (a, b, want) in [
        (5, 5, 100),
        (6, 5, 100),
        (4, 5, 4),
        (-1, 5, 100),
        (5, -1, 5),
    ] {
        assert_eq!(
            fx.call::<(i32, i32), i32>("no_else", (a, b)),
            want,
            "no_else({a}, {b})"
        );
    }
}

#[test]
fn select_with_fused_compare() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "lt_s") (param i32 i32 i32 i32) (result i32)
    local.get 2
    local.get 3
    local.get 0
    local.get 1
    i32.lt_s
    select)
  (func (export "lt_u_imm") (param i32 i32 i32) (result i32)
    local.get 1
    local.get 2
    local.get 0
    i32.const 7
    i32.lt_u
    select)
  (func (export "seven_lt_s_x") (param i32 i32 i32) (result i32)
    local.get 1
    local.get 2
    i32.const 7
    local.get 0
    i32.lt_s
    select)
  (func (export "i64_ge_u") (param i64 i64 i64 i64) (result i64)
    local.get 2
    local.get 3
    local.get 0
    local.get 1
    i64.ge_u
    select)
  (func (export "i64_eq_i32_vals") (param i64 i64 i32 i32) (result i32)
    local.get 2
    local.get 3
    local.get 0
    local.get 1
    i64.eq
    select)
  (func (export "const_vals") (param i32 i32) (result i32)
    i32.const 100
    i32.const -100
    local.get 0
    local.get 1
    i32.gt_s
    select))"#,
    );
    insta::assert_snapshot!("select_with_fused_compare", fx.all_listings());
    fx.expect_ops("lt_s", &["select_i32_lt_s"], &["i32_lt_s", "select"]);
    fx.expect_ops(
        "lt_u_imm",
        &["select_i32_lt_u"],
        &["i32_lt_u_imm", "select"],
    );
    // 7 < x  <=>  x > 7.
    fx.expect_ops(
        "seven_lt_s_x",
        &["select_i32_gt_s"],
        &["select_i32_lt_s", "i32_lt_s", "select"],
    );
    fx.expect_ops("i64_ge_u", &["select_i64_ge_u"], &["i64_ge_u", "select64"]);
    fx.expect_ops("i64_eq_i32_vals", &["select_i64_eq"], &["i64_eq", "select"]);
    fx.expect_ops("const_vals", &["select_i32_gt_s"], &["i32_gt_s", "select"]);
    let listing = fx.listing("lt_s");
    assert!(
        listing.contains("x=r0, y=r1, a=r2, b=r3"),
        "operands straight from the locals:\n{listing}"
    );

    for (x, y, want) in [
        (1, 2, 10),
        (2, 2, 20),
        (-1, 0, 10),
        (0, -1, 20),
        (i32::MIN, i32::MAX, 10),
    ] {
        assert_eq!(
            fx.call::<(i32, i32, i32, i32), i32>("lt_s", (x, y, 10, 20)),
            want,
            "lt_s({x}, {y})"
        );
    }
    for (x, want) in [(6, 10), (7, 20), (0, 10), (-1, 20)] {
        assert_eq!(
            fx.call::<(i32, i32, i32), i32>("lt_u_imm", (x, 10, 20)),
            want,
            "lt_u_imm({x})"
        );
    }
    for (x, want) in [(8, 10), (7, 20), (-8, 20), (i32::MAX, 10)] {
        assert_eq!(
            fx.call::<(i32, i32, i32), i32>("seven_lt_s_x", (x, 10, 20)),
            want,
            "seven_lt_s_x({x})"
        );
    }
    const A: i64 = 0x1234_5678_9abc_def0;
    const B: i64 = -0x0fed_cba9_8765_4321;
    let i64_cases: [(i64, i64, i64); 5] = [(1, 1, A), (2, 1, A), (1, 2, B), (-1, 0, A), (0, -1, B)];
    for (x, y, want) in i64_cases {
        assert_eq!(
            fx.call::<(i64, i64, i64, i64), i64>("i64_ge_u", (x, y, A, B)),
            want,
            "i64_ge_u({x}, {y})"
        );
    }
    let eq_cases: [(i64, i64, i32); 4] = [
        (5, 5, -1),
        (0x1_0000_0005, 5, 3),
        (-1, -1, -1),
        (0, i64::MIN, 3),
    ];
    for (x, y, want) in eq_cases {
        assert_eq!(
            fx.call::<(i64, i64, i32, i32), i32>("i64_eq_i32_vals", (x, y, -1, 3)),
            want,
            "i64_eq({x}, {y})"
        );
    }
    for (x, y, want) in [
        (1, 0, 100),
        (0, 0, -100),
        (-1, 0, -100),
        (i32::MAX, i32::MIN, 100),
    ] {
        assert_eq!(
            fx.call::<(i32, i32), i32>("const_vals", (x, y)),
            want,
            "const_vals({x}, {y})"
        );
    }
}

#[test]
fn select_eqz_and_plain() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "eqz32") (param i32 i32 i32) (result i32)
    local.get 1
    local.get 2
    local.get 0
    i32.eqz
    select)
  (func (export "eqz64") (param i64 i32 i32) (result i32)
    local.get 1
    local.get 2
    local.get 0
    i64.eqz
    select)
  (func (export "plain") (param i32 i32 i32) (result i32)
    local.get 1
    local.get 2
    local.get 0
    select)
  (func (export "typed_i64") (param i64 i64 i32) (result i64)
    local.get 0
    local.get 1
    local.get 2
    i32.const 1
    i32.and
    select (result i64))
  (func (export "f64") (param f64 f64 i32) (result f64)
    local.get 0
    local.get 1
    local.get 2
    select))"#,
    );
    insta::assert_snapshot!("select_eqz_and_plain", fx.all_listings());
    fx.expect_ops("eqz32", &["select"], &["i32_eqz", "select64"]);
    fx.expect_ops("eqz64", &["select64"], &["i64_eqz", "select"]);
    fx.expect_ops("plain", &["select"], &["select64"]);
    fx.expect_ops("typed_i64", &["i32_and_imm", "select"], &["copy_imm32"]);
    fx.expect_ops("f64", &["select"], &[]);

    for (c, want) in [(0, 10), (1, 20), (-1, 20), (i32::MIN, 20)] {
        assert_eq!(
            fx.call::<(i32, i32, i32), i32>("eqz32", (c, 10, 20)),
            want,
            "eqz32({c})"
        );
        // Plain select picks the first value when the condition is nonzero.
        let plain = if c == 0 { 20 } else { 10 };
        assert_eq!(
            fx.call::<(i32, i32, i32), i32>("plain", (c, 10, 20)),
            plain,
            "plain({c})"
        );
    }
    for (c, want) in [(0, 10), (1, 20), (0x1_0000_0000, 20), (i64::MIN, 20)] {
        assert_eq!(
            fx.call::<(i64, i32, i32), i32>("eqz64", (c, 10, 20)),
            want,
            "eqz64({c})"
        );
    }
    const A: i64 = -2;
    const B: i64 = 0x7777_0000_0000_0001;
    for (c, want) in [(1, A), (2, B), (3, A), (0, B), (-1, A)] {
        assert_eq!(
            fx.call::<(i64, i64, i32), i64>("typed_i64", (A, B, c)),
            want,
            "typed_i64({c})"
        );
    }
    assert_eq!(fx.call::<(f64, f64, i32), f64>("f64", (1.5, -2.5, 1)), 1.5);
    assert_eq!(fx.call::<(f64, f64, i32), f64>("f64", (1.5, -2.5, 0)), -2.5);
}

#[test]
fn constant_moves() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "consts") (result i32 i64 i64 i64 f32 f64)
    (local i32 i64 i64 i64 f32 f64)
    i32.const -1
    local.set 0
    i64.const 0x123456789abcdef0
    local.set 1
    i64.const -1
    local.set 2
    i64.const 0xffffffff
    local.set 3
    f32.const 1.5
    local.set 4
    f64.const -2.5
    local.set 5
    local.get 0
    local.get 1
    local.get 2
    local.get 3
    local.get 4
    local.get 5)
  (func (export "overwrite") (param i32) (result i32)
    i32.const 7
    local.set 0
    local.get 0))"#,
    );
    insta::assert_snapshot!("constant_moves", fx.all_listings());
    let listing = fx.listing("consts");
    for line in [
        "copy_imm32 dst=r0, imm=4294967295",
        "copy_imm64 dst=r1, imm=1311768467463790320",
        "copy_imm64 dst=r2, imm=18446744073709551615",
        "copy_imm32 dst=r3, imm=4294967295",
        "copy_imm32 dst=r4, imm=1069547520",
        "copy_imm64 dst=r5, imm=13836183955189006336",
    ] {
        assert!(listing.contains(line), "missing `{line}` in\n{listing}");
    }
    fx.expect_ops("overwrite", &["copy_imm32", "ret_reg"], &["copy"]);
    let got = fx.call::<(), (i32, i64, i64, i64, f32, f64)>("consts", ());
    assert_eq!(got, (-1, 0x1234_5678_9abc_def0, -1, 0xffff_ffff, 1.5, -2.5));
    assert_eq!(fx.call::<i32, i32>("overwrite", 123), 7);
}

#[test]
fn arithmetic_with_immediate() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "add_imm") (param i32) (result i32)
    local.get 0 i32.const 7 i32.add)
  (func (export "mul_const_left") (param i32) (result i32)
    i32.const 3 local.get 0 i32.mul)
  (func (export "and_const_left") (param i32) (result i32)
    i32.const 0xff local.get 0 i32.and)
  (func (export "sub_imm") (param i32) (result i32)
    local.get 0 i32.const 10 i32.sub)
  (func (export "sub_const_left") (param i32) (result i32)
    i32.const 10 local.get 0 i32.sub)
  (func (export "shl_const_left") (param i32) (result i32)
    i32.const 1 local.get 0 i32.shl)
  (func (export "shr_u_imm") (param i32) (result i32)
    local.get 0 i32.const 33 i32.shr_u)
  (func (export "i64_add_neg") (param i64) (result i64)
    local.get 0 i64.const -1 i64.add)
  (func (export "i64_xor_const_left") (param i64) (result i64)
    i64.const -256 local.get 0 i64.xor)
  (func (export "i64_and_u32_max") (param i64) (result i64)
    local.get 0 i64.const 0xffffffff i64.and)
  (func (export "i64_sub_const_left") (param i64) (result i64)
    i64.const 100 local.get 0 i64.sub)
  (func (export "i64_rotl_imm") (param i64) (result i64)
    local.get 0 i64.const 68 i64.rotl))"#,
    );
    insta::assert_snapshot!("arithmetic_with_immediate", fx.all_listings());
    fx.expect_ops("add_imm", &["i32_add_imm"], &["i32_add", "copy_imm32"]);
    fx.expect_ops(
        "mul_const_left",
        &["i32_mul_imm"],
        &["i32_mul", "copy_imm32"],
    );
    fx.expect_ops(
        "and_const_left",
        &["i32_and_imm"],
        &["i32_and", "copy_imm32"],
    );
    fx.expect_ops(
        "sub_imm",
        &["i32_sub_imm"],
        &["i32_sub", "i32_add_imm", "copy_imm32"],
    );
    // Not commutative: the constant on the left stays a register operand.
    fx.expect_ops(
        "sub_const_left",
        &["copy_imm32", "i32_sub"],
        &["i32_sub_imm", "i32_add_imm"],
    );
    fx.expect_ops(
        "shl_const_left",
        &["copy_imm32", "i32_shl"],
        &["i32_shl_imm"],
    );
    fx.expect_ops("shr_u_imm", &["i32_shr_u_imm"], &["i32_shr_u"]);
    fx.expect_ops("i64_add_neg", &["i64_add_imm"], &["i64_add", "copy_imm64"]);
    fx.expect_ops(
        "i64_xor_const_left",
        &["i64_xor_imm"],
        &["i64_xor", "copy_imm64"],
    );
    // 0xffffffff is not a sign-extended i32: no immediate form.
    fx.expect_ops(
        "i64_and_u32_max",
        &["copy_imm32", "i64_and"],
        &["i64_and_imm"],
    );
    fx.expect_ops(
        "i64_sub_const_left",
        &["copy_imm32", "i64_sub"],
        &["i64_sub_imm"],
    );
    fx.expect_ops("i64_rotl_imm", &["i64_rotl_imm"], &["i64_rotl"]);
    for (name, imm) in [
        ("add_imm", "a=r0, b=7"),
        ("mul_const_left", "a=r0, b=3"),
        ("and_const_left", "a=r0, b=255"),
        ("sub_imm", "a=r0, b=10"),
        ("i64_add_neg", "a=r0, b=-1"),
        ("i64_xor_const_left", "a=r0, b=-256"),
    ] {
        let listing = fx.listing(name);
        assert!(
            listing.contains(imm),
            "{name}: expected `{imm}` in\n{listing}"
        );
    }

    let i32_cases: [(&str, i32, i32); 22] = [
        ("add_imm", 1, 8),
        ("add_imm", -7, 0),
        ("add_imm", i32::MAX, i32::MIN + 6),
        ("mul_const_left", 5, 15),
        ("mul_const_left", -5, -15),
        ("mul_const_left", 0x4000_0000, -0x4000_0000),
        ("and_const_left", 0x1234, 0x34),
        ("and_const_left", -1, 0xff),
        ("sub_imm", 15, 5),
        ("sub_imm", 0, -10),
        ("sub_imm", i32::MIN, i32::MAX - 9),
        ("sub_const_left", 3, 7),
        ("sub_const_left", 15, -5),
        ("sub_const_left", i32::MIN, i32::MIN + 10),
        ("shl_const_left", 0, 1),
        ("shl_const_left", 31, i32::MIN),
        ("shl_const_left", 32, 1),
        ("shl_const_left", 35, 8),
        ("shr_u_imm", 8, 4),
        ("shr_u_imm", -1, i32::MAX),
        ("shr_u_imm", 1, 0),
        ("shr_u_imm", i32::MIN, 0x4000_0000),
    ];
    for (name, x, want) in i32_cases {
        assert_eq!(fx.call::<i32, i32>(name, x), want, "{name}({x})");
    }
    let i64_cases: [(&str, i64, i64); 16] = [
        ("i64_add_neg", 0, -1),
        ("i64_add_neg", 0x1_0000_0000, 0xffff_ffff),
        ("i64_add_neg", i64::MIN, i64::MAX),
        ("i64_xor_const_left", 0, -256),
        ("i64_xor_const_left", -1, 255),
        ("i64_xor_const_left", 0x1ff, -257),
        ("i64_and_u32_max", -1, 0xffff_ffff),
        ("i64_and_u32_max", 0x1_2345_6789, 0x2345_6789),
        ("i64_and_u32_max", i64::MIN, 0),
        ("i64_sub_const_left", 1, 99),
        ("i64_sub_const_left", 101, -1),
        ("i64_sub_const_left", i64::MIN, i64::MIN + 100),
        ("i64_rotl_imm", 1, 16),
        ("i64_rotl_imm", i64::MIN, 8),
        (
            "i64_rotl_imm",
            0x0f00_0000_0000_0000,
            -0x1000_0000_0000_0000,
        ),
        ("i64_rotl_imm", -1, -1),
    ];
    for (name, x, want) in i64_cases {
        assert_eq!(fx.call::<i64, i64>(name, x), want, "{name}({x})");
    }
}

#[test]
fn load_store_offset_folded() {
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\80\ff\7f")
  (func (export "store_load") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.store offset=8
    local.get 0
    i32.load offset=8)
  (func (export "load8_s") (param i32) (result i64)
    local.get 0
    i64.load8_s offset=3)
  (func (export "load16_u") (param i32) (result i32)
    local.get 0
    i32.load16_u offset=4)
  (func (export "store_i64") (param i32 i64)
    local.get 0
    local.get 1
    i64.store offset=100)
  (func (export "load_i64") (param i32) (result i64)
    local.get 0
    i64.load offset=100)
  (func (export "load_last") (param i32) (result i32)
    local.get 0
    i32.load offset=65532)
  (func (export "load_wrap") (param i32) (result i32)
    local.get 0
    i32.load offset=16))"#,
    );
    insta::assert_snapshot!("load_store_offset_folded", fx.all_listings());
    let folded = [
        ("store_load", "i32_store", "offset=8"),
        ("store_load", "i32_load", "offset=8"),
        ("load8_s", "i64_load8_s", "offset=3"),
        ("load16_u", "i32_load16_u", "offset=4"),
        ("store_i64", "i64_store", "offset=100"),
        ("load_i64", "i64_load", "offset=100"),
        ("load_last", "i32_load", "offset=65532"),
        ("load_wrap", "i32_load", "offset=16"),
    ];
    for (name, mnemonic, offset) in folded {
        let listing = fx.listing(name);
        let found = instr_lines(&listing).into_iter().any(|l| {
            l.split_whitespace().nth(2) == Some(mnemonic)
                && l.contains(offset)
                && l.contains("addr=r0")
        });
        assert!(
            found,
            "{name}: expected `{mnemonic} ... addr=r0 ... {offset}` in\n{listing}"
        );
        // No separate address computation.
        fx.expect_ops(name, &[], &["i32_add", "i32_add_imm", "copy"]);
    }

    assert_eq!(
        fx.call::<(i32, i32), i32>("store_load", (0, 0x1234_5678)),
        0x1234_5678
    );
    assert_eq!(fx.call::<(i32, i32), i32>("store_load", (65524, -2)), -2);
    assert_eq!(fx.call::<i32, i64>("load8_s", 0), -128);
    assert_eq!(fx.call::<i32, i64>("load8_s", 1), -1);
    assert_eq!(fx.call::<i32, i64>("load8_s", 2), 0x7f);
    // Bytes 4 and 5 are 0xff, 0x7f; the store above left 0x12345678 at 8.
    assert_eq!(fx.call::<i32, i32>("load16_u", 0), 0x7fff);
    assert_eq!(fx.call::<i32, i32>("load16_u", 4), 0x5678);
    fx.call::<(i32, i64), ()>("store_i64", (8, -0x0123_4567_89ab_cdef));
    assert_eq!(fx.call::<i32, i64>("load_i64", 8), -0x0123_4567_89ab_cdef);
    assert_eq!(fx.call::<i32, i32>("load16_u", 104), 0x3211);
    assert_eq!(fx.call::<i32, i32>("load_last", 0), -2);
    fx.call::<(i32, i64), ()>("store_i64", (65428, 0x0102_0304_0506_0708));
    assert_eq!(fx.call::<i32, i32>("load_last", 0), 0x0102_0304);

    let oob = "out of bounds memory access";
    // The access would end one byte past the memory.
    assert_eq!(fx.trap::<(i32, i32), i32>("store_load", (65525, 1)), oob);
    assert_eq!(fx.trap::<(i32, i32), i32>("store_load", (65528, 1)), oob);
    assert_eq!(fx.trap::<i32, i32>("load_last", 1), oob);
    assert_eq!(fx.trap::<i32, i64>("load_i64", 65429), oob);
    assert_eq!(fx.trap::<(i32, i64), ()>("store_i64", (65429, 1)), oob);
    // Address plus offset exceeds 2^32: must not wrap around to 0.
    assert_eq!(fx.trap::<i32, i32>("load_wrap", -16), oob);
    assert_eq!(fx.trap::<i32, i32>("load_wrap", -1), oob);
    assert_eq!(fx.trap::<i32, i32>("load_wrap", i32::MIN), oob);
    assert_eq!(fx.trap::<i32, i64>("load8_s", -3), oob);
    // A trapping store wrote nothing.
    assert_eq!(fx.call::<i32, i32>("load_last", 0), 0x0102_0304);
}

#[test]
fn return_forms() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "ret_local") (param i32) (result i32)
    local.get 0)
  (func (export "ret_temp") (param i32) (result i32)
    local.get 0
    i32.popcnt)
  (func (export "ret_imm32") (result i32)
    i32.const -7)
  (func (export "ret_imm64") (result i64)
    i64.const -7)
  (func (export "ret_i64_small") (result i64)
    i64.const 7)
  (func (export "ret_f64") (result f64)
    f64.const 1.5)
  (func (export "ret_early") (param i32) (result i32)
    local.get 0
    if
      i32.const 1
      return
    end
    i32.const 2)
  (func (export "ret_span2") (param i32 i64) (result i64 i32)
    local.get 1
    local.get 0)
  (func (export "ret_span3") (param i32 i32) (result i32 i32 i32)
    local.get 1
    local.get 0
    i32.const 9)
  (func (export "ret_void")))"#,
    );
    insta::assert_snapshot!("return_forms", fx.all_listings());
    fx.expect_ops("ret_local", &["ret_reg"], &["copy"]);
    assert!(fx.listing("ret_local").contains("ret_reg src=r0"));
    fx.expect_ops("ret_temp", &["i32_popcnt", "ret_reg"], &["copy"]);
    fx.expect_ops("ret_imm32", &["ret_imm32"], &["copy_imm32", "ret_reg"]);
    assert!(fx.listing("ret_imm32").contains("ret_imm32 imm=4294967289"));
    fx.expect_ops("ret_imm64", &["ret_imm64"], &["copy_imm64", "ret_reg"]);
    assert!(fx
        .listing("ret_imm64")
        .contains("ret_imm64 imm=18446744073709551609"));
    fx.expect_ops("ret_i64_small", &["ret_imm32"], &["ret_imm64"]);
    fx.expect_ops("ret_f64", &["ret_imm64"], &["ret_reg"]);
    fx.expect_ops("ret_early", &["br_eqz", "ret_imm32"], &["ret_reg"]);
    assert_eq!(
        mnemonics(&fx.listing("ret_early"))
            .iter()
            .filter(|m| **m == "ret_imm32")
            .count(),
        2
    );
    fx.expect_ops("ret_span2", &["ret_span"], &["ret_reg"]);
    assert!(fx.listing("ret_span2").contains("len=2"));
    fx.expect_ops("ret_span3", &["ret_span"], &["ret_reg"]);
    assert!(fx.listing("ret_span3").contains("len=3"));
    fx.expect_ops("ret_void", &["ret"], &[]);

    assert_eq!(fx.call::<i32, i32>("ret_local", -5), -5);
    assert_eq!(fx.call::<i32, i32>("ret_temp", -1), 32);
    assert_eq!(fx.call::<i32, i32>("ret_temp", 0x0f0f), 8);
    assert_eq!(fx.call::<(), i32>("ret_imm32", ()), -7);
    assert_eq!(fx.call::<(), i64>("ret_imm64", ()), -7);
    assert_eq!(fx.call::<(), u64>("ret_i64_small", ()), 7);
    assert_eq!(fx.call::<(), f64>("ret_f64", ()), 1.5);
    assert_eq!(fx.call::<i32, i32>("ret_early", 5), 1);
    assert_eq!(fx.call::<i32, i32>("ret_early", 0), 2);
    assert_eq!(
        fx.call::<(i32, i64), (i64, i32)>("ret_span2", (-1, i64::MIN)),
        (i64::MIN, -1)
    );
    assert_eq!(
        fx.call::<(i32, i32), (i32, i32, i32)>("ret_span3", (1, 2)),
        (2, 1, 9)
    );
    assert_eq!(
        fx.call::<(i32, i32), (i32, i32, i32)>("ret_span3", (i32::MIN, -1)),
        (-1, i32::MIN, 9)
    );
    fx.call::<(), ()>("ret_void", ());
}

#[test]
fn local_set_retargets_result() {
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  (data (i32.const 16) "\2a")
  (func (export "add_set") (param i32 i32) (result i32) (local i32)
    local.get 0
    local.get 1
    i32.add
    local.set 2
    local.get 2)
  (func (export "imm_set") (param i32) (result i32) (local i32)
    local.get 0
    i32.const 5
    i32.mul
    local.set 1
    local.get 1)
  (func (export "cmp_set") (param i32 i32) (result i32) (local i32)
    local.get 0
    local.get 1
    i32.lt_u
    local.set 2
    local.get 2)
  (func (export "load_set") (param i32) (result i32) (local i32)
    local.get 0
    i32.load8_u
    local.set 1
    local.get 1)
  (func (export "into_operand") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.sub
    local.set 1
    local.get 1)
  (func (export "old_value_kept") (param i32 i32) (result i32)
    local.get 0
    local.get 0
    local.get 1
    i32.add
    local.set 0
    local.get 0
    i32.sub))"#,
    );
    insta::assert_snapshot!("local_set_retargets_result", fx.all_listings());
    let single = [
        ("add_set", "i32_add dst=r2, a=r0, b=r1"),
        ("imm_set", "i32_mul_imm dst=r1, a=r0, b=5"),
        ("cmp_set", "i32_lt_u dst=r2, a=r0, b=r1"),
        ("load_set", "i32_load8_u dst=r1, addr=r0"),
        ("into_operand", "i32_sub dst=r1, a=r0, b=r1"),
    ];
    for (name, first) in single {
        let listing = fx.listing(name);
        let lines = instr_lines(&listing);
        // The operation writes the local itself, then the local is returned.
        assert_eq!(lines.len(), 2, "{name}:\n{listing}");
        assert!(
            lines[0].contains(first),
            "{name}: expected `{first}` in\n{listing}"
        );
        assert!(lines[1].contains("ret_reg"), "{name}:\n{listing}");
    }
    // The pending `local.get 0` is preserved before the add overwrites r0.
    let listing = fx.listing("old_value_kept");
    let ops = mnemonics(&listing);
    let copy = ops
        .iter()
        .position(|m| *m == "copy")
        .expect("a preservation copy");
    let add = ops.iter().position(|m| *m == "i32_add").expect("i32_add");
    assert!(copy < add, "copy before add:\n{listing}");
    assert!(listing.contains("i32_add dst=r0, a=r0, b=r1"), "{listing}");

    assert_eq!(fx.call::<(i32, i32), i32>("add_set", (2, 3)), 5);
    assert_eq!(
        fx.call::<(i32, i32), i32>("add_set", (i32::MAX, 1)),
        i32::MIN
    );
    assert_eq!(fx.call::<i32, i32>("imm_set", 7), 35);
    assert_eq!(fx.call::<i32, i32>("imm_set", -7), -35);
    assert_eq!(fx.call::<(i32, i32), i32>("cmp_set", (1, 2)), 1);
    assert_eq!(fx.call::<(i32, i32), i32>("cmp_set", (-1, 2)), 0);
    assert_eq!(fx.call::<(i32, i32), i32>("cmp_set", (2, 2)), 0);
    assert_eq!(fx.call::<i32, i32>("load_set", 16), 42);
    assert_eq!(fx.call::<i32, i32>("load_set", 17), 0);
    assert_eq!(fx.call::<(i32, i32), i32>("into_operand", (10, 3)), 7);
    assert_eq!(fx.call::<(i32, i32), i32>("into_operand", (3, 10)), -7);
    // old a - (a + b) = -b
    assert_eq!(fx.call::<(i32, i32), i32>("old_value_kept", (100, 7)), -7);
    assert_eq!(fx.call::<(i32, i32), i32>("old_value_kept", (-5, -9)), 9);
}

#[test]
fn local_tee_retargets_result() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "square_sum") (param i32 i32) (result i32) (local i32)
    local.get 0
    local.get 1
    i32.add
    local.tee 2
    local.get 2
    i32.mul)
  (func (export "old_and_new") (param i32 i32 i32) (result i32 i32)
    local.get 2
    local.get 0
    local.get 1
    i32.add
    local.tee 2
    i32.sub
    local.get 2)
  (func (export "countdown") (param i32) (result i32) (local i32)
    loop
      local.get 1
      i32.const 1
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1))"#,
    );
    insta::assert_snapshot!("local_tee_retargets_result", fx.all_listings());
    let listing = fx.listing("square_sum");
    assert!(listing.contains("i32_add dst=r2, a=r0, b=r1"), "{listing}");
    assert!(listing.contains("i32_mul dst=acc, a=r2, b=r2"), "{listing}");
    fx.expect_ops("square_sum", &[], &["copy"]);
    let listing = fx.listing("old_and_new");
    assert!(listing.contains("i32_add dst=r2, a=r0, b=r1"), "{listing}");
    let listing = fx.listing("countdown");
    assert!(
        listing.contains("i32_add_imm dst=r1, a=r1, b=1"),
        "{listing}"
    );
    // The tee'd decrement and the br_if on it are one instruction.
    assert!(
        listing.contains("i32_add_imm_br_nez dst=r0, a=r0, b=-1"),
        "{listing}"
    );
    fx.expect_ops("countdown", &[], &["copy"]);

    assert_eq!(fx.call::<(i32, i32), i32>("square_sum", (2, 3)), 25);
    assert_eq!(fx.call::<(i32, i32), i32>("square_sum", (-2, -3)), 25);
    assert_eq!(fx.call::<(i32, i32), i32>("square_sum", (0x10000, 0)), 0);
    // (old c - (a + b), a + b)
    assert_eq!(
        fx.call::<(i32, i32, i32), (i32, i32)>("old_and_new", (1, 2, 10)),
        (7, 3)
    );
    assert_eq!(
        fx.call::<(i32, i32, i32), (i32, i32)>("old_and_new", (5, 5, 0)),
        (-10, 10)
    );
    assert_eq!(fx.call::<i32, i32>("countdown", 1), 1);
    assert_eq!(fx.call::<i32, i32>("countdown", 5), 5);
    assert_eq!(fx.call::<i32, i32>("countdown", 1000), 1000);
}

#[test]
fn division_traps_through_immediate_forms() {
    let mut fx = Fixture::new(
        r#"(module
  (func (export "div_s_0") (param i32) (result i32) local.get 0 i32.const 0 i32.div_s)
  (func (export "div_u_0") (param i32) (result i32) local.get 0 i32.const 0 i32.div_u)
  (func (export "rem_s_0") (param i32) (result i32) local.get 0 i32.const 0 i32.rem_s)
  (func (export "rem_u_0") (param i32) (result i32) local.get 0 i32.const 0 i32.rem_u)
  (func (export "i64_div_s_0") (param i64) (result i64) local.get 0 i64.const 0 i64.div_s)
  (func (export "i64_rem_u_0") (param i64) (result i64) local.get 0 i64.const 0 i64.rem_u)
  (func (export "div_s_neg1") (param i32) (result i32) local.get 0 i32.const -1 i32.div_s)
  (func (export "rem_s_neg1") (param i32) (result i32) local.get 0 i32.const -1 i32.rem_s)
  (func (export "div_u_neg1") (param i32) (result i32) local.get 0 i32.const -1 i32.div_u)
  (func (export "div_s_2") (param i32) (result i32) local.get 0 i32.const 2 i32.div_s)
  (func (export "rem_s_2") (param i32) (result i32) local.get 0 i32.const 2 i32.rem_s)
  (func (export "i64_div_s_neg1") (param i64) (result i64) local.get 0 i64.const -1 i64.div_s)
  (func (export "i64_rem_s_neg1") (param i64) (result i64) local.get 0 i64.const -1 i64.rem_s)
  (func (export "i64_div_u_neg1") (param i64) (result i64) local.get 0 i64.const -1 i64.div_u)
  (func (export "min_div_s_x") (param i32) (result i32) i32.const 0x80000000 local.get 0 i32.div_s)
  (func (export "div_s_locals") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))"#,
    );
    insta::assert_snapshot!("division_traps_through_immediate_forms", fx.all_listings());
    let imm_forms = [
        ("div_s_0", "i32_div_s_imm"),
        ("div_u_0", "i32_div_u_imm"),
        ("rem_s_0", "i32_rem_s_imm"),
        ("rem_u_0", "i32_rem_u_imm"),
        ("i64_div_s_0", "i64_div_s_imm"),
        ("i64_rem_u_0", "i64_rem_u_imm"),
        ("div_s_neg1", "i32_div_s_imm"),
        ("rem_s_neg1", "i32_rem_s_imm"),
        ("div_u_neg1", "i32_div_u_imm"),
        ("div_s_2", "i32_div_s_imm"),
        ("rem_s_2", "i32_rem_s_imm"),
        ("i64_div_s_neg1", "i64_div_s_imm"),
        ("i64_rem_s_neg1", "i64_rem_s_imm"),
        ("i64_div_u_neg1", "i64_div_u_imm"),
    ];
    for (name, mnemonic) in imm_forms {
        fx.expect_ops(name, &[mnemonic], &["copy_imm32", "copy_imm64"]);
    }
    // Not commutative: the constant dividend is a register.
    fx.expect_ops(
        "min_div_s_x",
        &["copy_imm32", "i32_div_s"],
        &["i32_div_s_imm"],
    );

    let zero = "integer divide by zero";
    let overflow = "integer overflow";
    for x in [0, 1, -1, i32::MIN, i32::MAX] {
        for name in ["div_s_0", "div_u_0", "rem_s_0", "rem_u_0"] {
            assert_eq!(fx.trap::<i32, i32>(name, x), zero, "{name}({x})");
        }
        assert_eq!(fx.trap::<(i32, i32), i32>("div_s_locals", (x, 0)), zero);
    }
    for x in [0, 1, -1, i64::MIN, 0x1_0000_0000] {
        assert_eq!(
            fx.trap::<i64, i64>("i64_div_s_0", x),
            zero,
            "i64_div_s_0({x})"
        );
        assert_eq!(
            fx.trap::<i64, i64>("i64_rem_u_0", x),
            zero,
            "i64_rem_u_0({x})"
        );
    }
    assert_eq!(fx.trap::<i32, i32>("div_s_neg1", i32::MIN), overflow);
    assert_eq!(fx.trap::<i64, i64>("i64_div_s_neg1", i64::MIN), overflow);
    assert_eq!(fx.trap::<i32, i32>("min_div_s_x", -1), overflow);
    assert_eq!(fx.trap::<i32, i32>("min_div_s_x", 0), zero);
    assert_eq!(
        fx.trap::<(i32, i32), i32>("div_s_locals", (i32::MIN, -1)),
        overflow
    );

    let i32_cases: [(&str, i32, i32); 20] = [
        ("div_s_neg1", 7, -7),
        ("div_s_neg1", i32::MAX, -i32::MAX),
        ("div_s_neg1", 0, 0),
        // The remainder of MIN by -1 is 0, not a trap.
        ("rem_s_neg1", i32::MIN, 0),
        ("rem_s_neg1", 7, 0),
        // The u32 divisor 0xffffffff, not a sign-extended -1.
        ("div_u_neg1", -1, 1),
        ("div_u_neg1", -2, 0),
        ("div_u_neg1", i32::MAX, 0),
        ("div_s_2", 7, 3),
        ("div_s_2", -7, -3),
        ("div_s_2", i32::MIN, -0x4000_0000),
        ("div_s_2", -1, 0),
        ("rem_s_2", 7, 1),
        ("rem_s_2", -7, -1),
        ("rem_s_2", i32::MIN, 0),
        ("rem_s_2", -1, -1),
        ("min_div_s_x", 2, -0x4000_0000),
        ("min_div_s_x", 1, i32::MIN),
        ("min_div_s_x", i32::MIN, 1),
        ("min_div_s_x", 3, -715_827_882),
    ];
    for (name, x, want) in i32_cases {
        assert_eq!(fx.call::<i32, i32>(name, x), want, "{name}({x})");
    }
    let i64_cases: [(&str, i64, i64); 7] = [
        ("i64_div_s_neg1", 7, -7),
        ("i64_div_s_neg1", i64::MAX, -i64::MAX),
        ("i64_rem_s_neg1", i64::MIN, 0),
        ("i64_rem_s_neg1", -7, 0),
        // Sign-extended immediate: the divisor is u64::MAX.
        ("i64_div_u_neg1", -1, 1),
        ("i64_div_u_neg1", -2, 0),
        ("i64_div_u_neg1", 0xffff_ffff, 0),
    ];
    for (name, x, want) in i64_cases {
        assert_eq!(fx.call::<i64, i64>(name, x), want, "{name}({x})");
    }
    assert_eq!(fx.call::<(i32, i32), i32>("div_s_locals", (-9, 2)), -4);
    assert_eq!(
        fx.call::<(i32, i32), i32>("div_s_locals", (i32::MIN, 1)),
        i32::MIN
    );
}

#[test]
fn immediate_results_stay_32_bit() {
    // i32 values live zero-extended in 64-bit registers and
    // `i64.extend_i32_u` emits nothing, so an i32 result computed with a
    // (sign-extended) immediate must not leak into the upper half.
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  (data (i32.const 0) "\80")
  (func (export "add_imm") (param i32) (result i64)
    local.get 0 i32.const 1 i32.add i64.extend_i32_u)
  (func (export "add_neg") (param i32) (result i64)
    local.get 0 i32.const -1 i32.add i64.extend_i32_u)
  (func (export "shl_imm") (param i32) (result i64)
    local.get 0 i32.const 1 i32.shl i64.extend_i32_u)
  (func (export "mul_imm") (param i32) (result i64)
    local.get 0 i32.const -2 i32.mul i64.extend_i32_u)
  (func (export "rotl_imm") (param i32) (result i64)
    local.get 0 i32.const 4 i32.rotl i64.extend_i32_u)
  (func (export "shr_s_imm") (param i32) (result i64)
    local.get 0 i32.const 4 i32.shr_s i64.extend_i32_u)
  (func (export "div_s_imm") (param i32) (result i64)
    local.get 0 i32.const -1 i32.div_s i64.extend_i32_u)
  (func (export "sub_const_left") (param i32) (result i64)
    i32.const 0 local.get 0 i32.sub i64.extend_i32_u)
  (func (export "set_retargeted") (param i32) (result i64)
    local.get 0 i32.const -1 i32.xor local.set 0
    local.get 0 i64.extend_i32_u)
  (func (export "copy_imm") (result i64) (local i32)
    i32.const -1 local.set 0
    local.get 0 i64.extend_i32_u)
  (func (export "load8_s") (param i32) (result i64)
    local.get 0 i32.load8_s i64.extend_i32_u))"#,
    );
    insta::assert_snapshot!("immediate_results_stay_32_bit", fx.all_listings());
    let imm = [
        ("add_imm", "i32_add_imm"),
        ("add_neg", "i32_add_imm"),
        ("shl_imm", "i32_shl_imm"),
        ("mul_imm", "i32_mul_imm"),
        ("rotl_imm", "i32_rotl_imm"),
        ("shr_s_imm", "i32_shr_s_imm"),
        ("div_s_imm", "i32_div_s_imm"),
        ("set_retargeted", "i32_xor_imm"),
    ];
    for (name, mnemonic) in imm {
        fx.expect_ops(name, &[mnemonic], &[]);
    }
    let cases: [(&str, i32, u64); 15] = [
        ("add_imm", -1, 0),
        ("add_imm", i32::MAX, 0x8000_0000),
        ("add_neg", 0, 0xffff_ffff),
        ("add_neg", i32::MIN, 0x7fff_ffff),
        ("shl_imm", i32::MIN, 0),
        ("shl_imm", -1, 0xffff_fffe),
        ("mul_imm", 1, 0xffff_fffe),
        ("mul_imm", -1, 2),
        ("rotl_imm", 0xf000_0001_u32 as i32, 0x1f),
        ("shr_s_imm", i32::MIN, 0xf800_0000),
        ("div_s_imm", 1, 0xffff_ffff),
        ("sub_const_left", 1, 0xffff_ffff),
        ("set_retargeted", 0, 0xffff_ffff),
        ("load8_s", 0, 0xffff_ff80),
        ("load8_s", 1, 0),
    ];
    for (name, x, want) in cases {
        assert_eq!(fx.call::<i32, u64>(name, x), want, "{name}({x})");
    }
    assert_eq!(fx.call::<(), u64>("copy_imm", ()), 0xffff_ffff);
}

/// `i32.add` whose only consumer is the next load fuses into a base+index
/// load: the add wraps at 32 bits, then the offset is added without wrapping.
#[test]
fn add_feeds_load_as_indexed_load() {
    let mut f = Fixture::new(
        r#"(module
            (memory 1)
            (data (i32.const 100) "\01\02\03\04\05\06\07\08")
            (func (export "get8") (param i32 i32) (result i32)
              local.get 0 local.get 1 i32.add i32.load8_u offset=2)
            (func (export "get32") (param i32 i32) (result i32)
              local.get 0 local.get 1 i32.add i32.load)
            (func (export "into_local") (param i32 i32) (result i32) (local i32)
              local.get 0 local.get 1 i32.add i32.load16_s local.set 2
              local.get 2)
            (func (export "const_index") (param i32) (result i32)
              local.get 0 i32.const 1 i32.add i32.load8_u))"#,
    );
    let get8 = f.listing("get8");
    assert!(
        get8.contains("i32_load8_u_idx dst=acc, base=r0, index=r1, offset=2"),
        "{get8}"
    );
    assert!(!get8.contains("i32_add"), "{get8}");
    assert!(f.listing("get32").contains("i32_load_idx"));
    // The load's result goes straight into the local.
    assert!(f.listing("into_local").contains("i32_load16_s_idx dst=r2"));
    // A constant index keeps the add-immediate form.
    let c = f.listing("const_index");
    assert!(
        c.contains("i32_add_imm") && c.contains("i32_load8_u dst"),
        "{c}"
    );
    insta::assert_snapshot!("add_feeds_load_as_indexed_load", f.all_listings());

    assert_eq!(f.call::<(i32, i32), i32>("get8", (100, 0)), 3);
    assert_eq!(f.call::<(i32, i32), i32>("get8", (98, 2)), 3);
    assert_eq!(f.call::<(i32, i32), i32>("get32", (100, 0)), 0x0403_0201);
    assert_eq!(f.call::<(i32, i32), i32>("into_local", (101, 1)), 0x0403);
    assert_eq!(f.call::<i32, i32>("const_index", 103), 5);
    // base + index wraps at 32 bits: -1 + 101 is address 100.
    assert_eq!(f.call::<(i32, i32), i32>("get8", (-1, 101)), 3);
    // The offset does not wrap: the access ends past the memory.
    assert_eq!(
        f.trap::<(i32, i32), i32>("get8", (65534, 0)),
        "out of bounds memory access"
    );
    assert_eq!(
        f.trap::<(i32, i32), i32>("get32", (-2, 0)),
        "out of bounds memory access"
    );
}

/// Float comparisons fuse into `br_if` and `if`. The inverse of a float
/// comparison is its negation, not the opposite comparison: with a NaN
/// operand every ordered comparison is false.
#[test]
fn float_compare_and_branch() {
    let mut f = Fixture::new(
        r#"(module
            (func (export "lt_br_if") (param f64 f64) (result i32)
              block
                local.get 0 local.get 1 f64.lt
                br_if 0
                i32.const 0
                return
              end
              i32.const 1)
            (func (export "gt_if") (param f32 f32) (result i32)
              local.get 0 local.get 1 f32.gt
              if (result i32) i32.const 1 else i32.const 0 end)
            (func (export "ge_to_local") (param f64 f64) (result i32) (local i32)
              local.get 0 local.get 1 f64.ge local.set 2
              local.get 2))"#,
    );
    let lt = f.listing("lt_br_if");
    assert!(lt.contains("br_f64_lt a=r0, b=r1"), "{lt}");
    assert!(!lt.contains("f64_lt dst"), "{lt}");
    // `if` branches to `else` when the comparison does not hold.
    let gt = f.listing("gt_if");
    assert!(gt.contains("br_f32_not_gt"), "{gt}");
    // Not consumed by a branch: the plain comparison into the local.
    assert!(f.listing("ge_to_local").contains("f64_ge dst=r2"));
    insta::assert_snapshot!("float_compare_and_branch", f.all_listings());

    let nan64 = f64::NAN;
    assert_eq!(f.call::<(f64, f64), i32>("lt_br_if", (1.0, 2.0)), 1);
    assert_eq!(f.call::<(f64, f64), i32>("lt_br_if", (2.0, 1.0)), 0);
    assert_eq!(f.call::<(f64, f64), i32>("lt_br_if", (nan64, 1.0)), 0);
    assert_eq!(f.call::<(f64, f64), i32>("lt_br_if", (-0.0, 0.0)), 0);
    assert_eq!(f.call::<(f32, f32), i32>("gt_if", (2.0, 1.0)), 1);
    assert_eq!(f.call::<(f32, f32), i32>("gt_if", (1.0, 2.0)), 0);
    assert_eq!(f.call::<(f32, f32), i32>("gt_if", (f32::NAN, 1.0)), 0);
    assert_eq!(f.call::<(f32, f32), i32>("gt_if", (1.0, f32::NAN)), 0);
    assert_eq!(f.call::<(f64, f64), i32>("ge_to_local", (1.0, 1.0)), 1);
    assert_eq!(f.call::<(f64, f64), i32>("ge_to_local", (nan64, nan64)), 0);
}

#[test]
fn loop_constants_in_pooled_registers() {
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  ;; x = x * 1.5 + 0.25, n times: both float constants pooled.
  (func (export "fpoly") (param i32 f64) (result f64)
    block
      loop
        local.get 0
        i32.eqz
        br_if 1
        local.get 1
        f64.const 1.5
        f64.mul
        f64.const 0.25
        f64.add
        local.set 1
        local.get 0
        i32.const -1
        i32.add
        local.set 0
        br 0
      end
    end
    local.get 1)
  ;; Sum of 1 << i for i < n: the left operand of shl is pooled, the
  ;; immediates of add and the compare stay immediates.
  (func (export "shl_left") (param i32) (result i32)
    (local i32 i32)
    loop
      i32.const 1
      local.get 1
      i32.shl
      local.get 2
      i32.add
      local.set 2
      local.get 1
      i32.const 1
      i32.add
      local.tee 1
      local.get 0
      i32.lt_u
      br_if 0
    end
    local.get 2)
  ;; An i64 too wide for an immediate, a store value and a select operand.
  (func (export "wide") (param i32) (result i64)
    (local i64)
    loop
      local.get 1
      i64.const 0x100000001
      i64.add
      local.set 1
      i32.const 8
      i32.const 77
      i32.store
      local.get 0
      i32.const -1
      i32.add
      local.tee 0
      br_if 0
    end
    local.get 1
    i64.const 5
    i32.const 8
    i32.load
    i32.const 77
    i32.eq
    select)
  ;; Recursion inside the loop: each frame's pooled registers are its own.
  (func $rec (export "rec") (param i32) (result f64)
    (local f64 i32)
    loop
      local.get 1
      f64.const 2.5
      f64.add
      local.set 1
      local.get 0
      i32.const 0
      i32.gt_s
      if
        local.get 0
        i32.const -1
        i32.add
        call $rec
        local.get 1
        f64.add
        local.set 1
      end
      local.get 2
      i32.const 1
      i32.add
      local.tee 2
      i32.const 2
      i32.lt_u
      br_if 0
    end
    local.get 1)
  ;; A constant outside any loop is materialized where it is used.
  (func (export "straight") (param f64) (result f64)
    local.get 0
    f64.const 3
    f64.mul))"#,
    );
    insta::assert_snapshot!("loop_constants_in_pooled_registers", fx.all_listings());
    for name in ["fpoly", "wide", "rec"] {
        fx.expect_ops(name, &[], &["copy_imm64"]);
    }
    fx.expect_ops(
        "shl_left",
        &["i32_shl", "i32_add_imm_br_lt_u"],
        &["copy_imm32"],
    );
    fx.expect_ops("straight", &["copy_imm64", "f64_mul"], &[]);
    assert!(fx
        .listing("fpoly")
        .contains("const r2 = 0x3ff8000000000000"));
    assert!(!fx.listing("straight").contains("const r"));
    let mut x = 1.0f64;
    for n in 0..6 {
        assert_eq!(
            fx.call::<(i32, f64), f64>("fpoly", (n, 1.0)),
            x,
            "fpoly({n})"
        );
        x = x * 1.5 + 0.25;
    }
    for n in [1, 2, 5, 31] {
        let expect = (0..n).fold(0u32, |acc, i| acc.wrapping_add(1 << i));
        assert_eq!(
            fx.call::<i32, i32>("shl_left", n) as u32,
            expect,
            "shl_left({n})"
        );
    }
    assert_eq!(fx.call::<i32, i64>("wide", 3), 3 * 0x1_0000_0001);
    // rec(n): two iterations, each adding 2.5, the first also rec(n - 1)
    // on top of the running sum (and both iterations see the pooled 2.5).
    fn rec(n: i32) -> f64 {
        let mut x = 0.0;
        for _ in 0..2 {
            x += 2.5;
            if n > 0 {
                x += rec(n - 1);
            }
        }
        x
    }
    for n in 0..5 {
        assert_eq!(fx.call::<i32, f64>("rec", n), rec(n), "rec({n})");
    }
}

#[test]
fn counter_step_fused_into_its_branch() {
    let mut fx = Fixture::new(
        r#"(module
  ;; Counts n down to 0: the decrement and br_if on it are one instruction.
  (func (export "down") (param i32) (result i32)
    (local i32)
    loop
      local.get 1
      i32.const 3
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1)
  ;; i from 0 while i < n (register), i != 7 (immediate), 20 > i (mirrored).
  (func (export "lt_reg") (param i32) (result i32)
    (local i32)
    loop
      local.get 1
      i32.const 1
      i32.add
      local.tee 1
      local.get 0
      i32.lt_s
      br_if 0
    end
    local.get 1)
  (func (export "ne_imm") (result i32)
    (local i32 i32)
    loop
      local.get 1
      local.get 0
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.add
      local.tee 0
      i32.const 7
      i32.ne
      br_if 0
    end
    local.get 1)
  (func (export "mirrored") (result i32)
    (local i32)
    loop
      i32.const 20
      local.get 0
      i32.const 2
      i32.add
      local.tee 0
      i32.gt_u
      br_if 0
    end
    local.get 0)
  ;; An if on the new value (branch when it is zero), with i32::MIN as the
  ;; subtrahend (the fused add uses its wrapping negation).
  (func (export "if_zero") (param i32) (result i32)
    local.get 0
    i32.const 0x80000000
    i32.sub
    local.tee 0
    if (result i32)
      local.get 0
    else
      i32.const -1
    end)
  ;; The comparison reads the sum twice: not fused (the test would need dst).
  (func (export "self_cmp") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    local.tee 0
    local.get 0
    i32.eq
    if (result i32)
      i32.const 5
    else
      i32.const 6
    end)
  ;; A label between the add and the branch: not fused.
  (func (export "label_between") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    local.set 0
    loop
      local.get 0
      i32.const 10
      i32.lt_u
      if
        local.get 0
        i32.const 1
        i32.add
        local.set 0
        br 1
      end
    end
    local.get 0))"#,
    );
    insta::assert_snapshot!("counter_step_fused_into_its_branch", fx.all_listings());
    fx.expect_ops("down", &["i32_add_imm_br_nez"], &["br_nez", "i32_sub_imm"]);
    fx.expect_ops("lt_reg", &["i32_add_imm_br_lt_s"], &["br_i32_lt_s"]);
    fx.expect_ops("ne_imm", &["i32_add_imm_br_ne_imm"], &["br_i32_ne_imm"]);
    fx.expect_ops("mirrored", &["i32_add_imm_br_lt_u_imm"], &[]);
    fx.expect_ops("if_zero", &["i32_add_imm_br_eqz"], &["br_eqz"]);
    fx.expect_ops("self_cmp", &["i32_add_imm"], &["i32_add_imm_br_eq"]);
    fx.expect_ops(
        "label_between",
        &["i32_add_imm"],
        &["i32_add_imm_br_ge_u_imm"],
    );
    for n in [1, 2, 5] {
        assert_eq!(fx.call::<i32, i32>("down", n), 3 * n, "down({n})");
    }
    for n in [-5, 0, 1, 9] {
        assert_eq!(fx.call::<i32, i32>("lt_reg", n), n.max(1), "lt_reg({n})");
    }
    assert_eq!(fx.call::<(), i32>("ne_imm", ()), 21);
    assert_eq!(fx.call::<(), i32>("mirrored", ()), 20);
    assert_eq!(fx.call::<i32, i32>("if_zero", i32::MIN), -1);
    assert_eq!(
        fx.call::<i32, i32>("if_zero", 5),
        5i32.wrapping_sub(i32::MIN)
    );
    assert_eq!(fx.call::<i32, i32>("self_cmp", 3), 5);
    assert_eq!(fx.call::<i32, i32>("label_between", 0), 10);
    assert_eq!(fx.call::<i32, i32>("label_between", 40), 41);
}

#[test]
fn float_pairs_keep_the_inner_result_in_a_register() {
    let mut fx = Fixture::new(
        r#"(module
  ;; x - (a * b): the product is the right operand of the next operator.
  (func (export "x_minus_ab") (param f64 f64 f64) (result f64)
    local.get 0
    local.get 1
    local.get 2
    f64.mul
    f64.sub)
  ;; (a - b) * y: the difference is the left operand, y a local.get.
  (func (export "amb_times_y") (param f64 f64 f64) (result f64)
    local.get 0
    local.get 1
    f64.sub
    local.get 2
    f64.mul)
  ;; f32, retargeted into a local: l = (a + b) - y.
  (func (export "f32_apb_minus_y") (param f32 f32 f32) (result f32)
    (local f32)
    local.get 0
    local.get 1
    f32.add
    local.get 2
    f32.sub
    local.set 3
    local.get 3)
  ;; The inner product has two uses (a tee): not fused.
  (func (export "shared") (param f64 f64) (result f64)
    (local f64)
    local.get 0
    local.get 1
    f64.mul
    local.tee 2
    local.get 2
    f64.add))"#,
    );
    insta::assert_snapshot!(
        "float_pairs_keep_the_inner_result_in_a_register",
        fx.all_listings()
    );
    fx.expect_ops("x_minus_ab", &["f64_mul_sub_r"], &["f64_mul", "f64_sub"]);
    fx.expect_ops("amb_times_y", &["f64_sub_mul_l"], &["f64_sub", "f64_mul"]);
    fx.expect_ops("f32_apb_minus_y", &["f32_add_sub_l"], &["copy"]);
    fx.expect_ops(
        "shared",
        &["f64_mul", "f64_add"],
        &["f64_mul_add_l", "f64_mul_add_r"],
    );
    let cases: [(f64, f64, f64); 3] = [(1.5, 2.25, -3.0), (1e308, 10.0, 1e308), (-0.0, 0.0, 7.0)];
    for (x, a, b) in cases {
        let got: f64 = fx.call("x_minus_ab", (x, a, b));
        assert_eq!(
            got.to_bits(),
            (x - a * b).to_bits(),
            "x_minus_ab{:?}",
            (x, a, b)
        );
        let got: f64 = fx.call("amb_times_y", (x, a, b));
        assert_eq!(
            got.to_bits(),
            ((x - a) * b).to_bits(),
            "amb_times_y{:?}",
            (x, a, b)
        );
        let (x, a, b) = (x as f32, a as f32, b as f32);
        let got: f32 = fx.call("f32_apb_minus_y", (x, a, b));
        assert_eq!(got.to_bits(), ((x + a) - b).to_bits(), "f32{:?}", (x, a, b));
    }
    assert_eq!(fx.call::<(f64, f64), f64>("shared", (3.0, 0.5)), 3.0);
}

#[test]
fn call_arguments_and_returned_parameters_move_as_spans() {
    let mut fx = Fixture::new(
        r#"(module
  (func $pick (export "pick") (param i64 i64 i64 i64 i64 i64) (result i64 i64 i64 i64 i64 i64)
    ;; Its own parameters, in order: already where results go.
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5)
  (func $tail (export "tail") (param i64 i64 i64) (result i64 i64)
    ;; Parameters 1 and 2: a span in place, returned from r1.
    local.get 1 local.get 2)
  (func (export "spread") (param i64 i64) (result i64)
    ;; Six arguments from two locals: one copy_many.
    (call $pick (local.get 0) (local.get 1) (local.get 0)
                (local.get 1) (local.get 0) (local.get 1))
    ;; a - b + a - b + a - b, in order from the results
    i64.sub i64.add i64.sub i64.add i64.sub)
  (func (export "two") (param i64 i64 i64) (result i64)
    (call $tail (local.get 2) (local.get 1) (local.get 0))
    i64.sub)
  (func (export "swap") (param i32 i32) (result i32 i32)
    ;; Not in order: copied to the homes first, never in place.
    local.get 1 local.get 0))"#,
    );
    insta::assert_snapshot!(
        "call_arguments_and_returned_parameters_move_as_spans",
        fx.all_listings()
    );
    fx.expect_ops("spread", &["copy_many", "call"], &["copy"]);
    fx.expect_ops("pick", &["ret"], &["copy", "copy_many", "ret_span"]);
    assert!(
        fx.listing("tail").contains("ret_span src=r1, len=2"),
        "{}",
        fx.listing("tail")
    );
    assert!(
        fx.listing("spread")
            .contains("copy_many dst=r2, len=6 <- r0 r1 r0 r1 r0 r1"),
        "{}",
        fx.listing("spread")
    );
    // (a - (b + (a - (b + (a - b))))) evaluated from the top of the stack.
    let (a, b) = (100i64, 7i64);
    let want = a - (b + (a - (b + (a - b))));
    assert_eq!(fx.call::<(i64, i64), i64>("spread", (a, b)), want);
    // $tail(z, y, x) returns (y, x): y - x.
    assert_eq!(fx.call::<(i64, i64, i64), i64>("two", (1, 20, 300)), 20 - 1);
    assert_eq!(fx.call::<(i32, i32), (i32, i32)>("swap", (1, 2)), (2, 1));
}

#[test]
fn integer_pairs_fuse_through_the_accumulator() {
    let mut fx = Fixture::new(
        r#"(module
  ;; base + (i << 2): array indexing.
  (func (export "index") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.const 2 i32.shl i32.add)
  ;; (i << 3) + base: the shifted value on the left.
  (func (export "index_left") (param i32 i32) (result i32)
    local.get 1 i32.const 35 i32.shl local.get 0 i32.add)
  ;; (x >> 5) & 0x3f: a bit field.
  (func (export "field") (param i32) (result i32)
    local.get 0 i32.const 5 i32.shr_u i32.const 63 i32.and)
  ;; a + b - 9.
  (func (export "sum_imm") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add i32.const -9 i32.add)
  ;; c + a * b, stored into a local and returned.
  (func (export "mul_add") (param i32 i32 i32) (result i32)
    (local i32)
    local.get 2 local.get 0 local.get 1 i32.mul i32.add local.set 3
    local.get 3)
  ;; A chain: ((a + 1) << 4) + b, the first add reading into the pair.
  (func (export "chain") (param i32 i32) (result i32)
    local.get 1 local.get 0 i32.const 1 i32.add i32.const 4 i32.shl i32.add)
  ;; The shifted value is also kept (a tee): not fused.
  (func (export "shared") (param i32 i32) (result i32)
    (local i32)
    local.get 0 local.get 1 i32.const 2 i32.shl local.tee 2 i32.add
    local.get 2 i32.add))"#,
    );
    insta::assert_snapshot!(
        "integer_pairs_fuse_through_the_accumulator",
        fx.all_listings()
    );
    fx.expect_ops("index", &["i32_add_shl_imm"], &["i32_shl_imm", "i32_add"]);
    fx.expect_ops("index_left", &["i32_add_shl_imm"], &["i32_shl_imm"]);
    fx.expect_ops("field", &["i32_shr_u_and_imm"], &["i32_shr_u_imm"]);
    fx.expect_ops("sum_imm", &["i32_add_add_imm"], &["i32_add_imm"]);
    fx.expect_ops("mul_add", &["i32_mul_add"], &["i32_mul", "copy"]);
    fx.expect_ops("shared", &["i32_shl_imm"], &["i32_add_shl_imm"]);
    let samples: [(u32, u32, u32); 4] = [
        (0, 0, 0),
        (1000, 7, 3),
        (0xffff_fff0, 0x4000_0001, 0xdead_beef),
        (u32::MAX, u32::MAX, u32::MAX),
    ];
    for (a, b, c) in samples {
        let call2 = |fx: &mut Fixture, name: &str| fx.call::<(u32, u32), u32>(name, (a, b));
        assert_eq!(
            call2(&mut fx, "index"),
            a.wrapping_add(b << 2),
            "index {a} {b}"
        );
        // The shift count is taken mod 32, as Wasm says: 35 is 3.
        assert_eq!(call2(&mut fx, "index_left"), (b << 3).wrapping_add(a));
        assert_eq!(fx.call::<u32, u32>("field", a), (a >> 5) & 63);
        assert_eq!(call2(&mut fx, "sum_imm"), a.wrapping_add(b).wrapping_sub(9));
        assert_eq!(
            fx.call::<(u32, u32, u32), u32>("mul_add", (a, b, c)),
            c.wrapping_add(a.wrapping_mul(b))
        );
        assert_eq!(
            call2(&mut fx, "chain"),
            b.wrapping_add(a.wrapping_add(1) << 4)
        );
        assert_eq!(
            call2(&mut fx, "shared"),
            a.wrapping_add(b << 2).wrapping_add(b << 2)
        );
    }
}

#[test]
fn xor_rotate_pairs_fuse_for_hashes_and_ciphers() {
    let mut fx = Fixture::new(
        r#"(module
  ;; BLAKE/ChaCha mixing: (d ^ a) rotl 16.
  (func (export "rotl32") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.xor i32.const 16 i32.rotl)
  ;; A rotate right by 7 is a rotate left by 25.
  (func (export "rotr32") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.xor i32.const 7 i32.rotr)
  ;; Counts are taken modulo the width: 32 is 0, and rotr 32 is rotl 0.
  (func (export "rotr32_by_32") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.xor i32.const 32 i32.rotr)
  ;; Keccak's theta step: (c ^ d) rotl 1, on i64.
  (func (export "rotl64") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.xor i64.const 1 i64.rotl)
  (func (export "rotr64") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.xor i64.const 40 i64.rotr)
  ;; The xor is kept (a tee): not fused.
  (func (export "kept") (param i32 i32) (result i32)
    (local i32)
    local.get 0 local.get 1 i32.xor local.tee 2 i32.const 8 i32.rotl
    local.get 2 i32.add))"#,
    );
    insta::assert_snapshot!(
        "xor_rotate_pairs_fuse_for_hashes_and_ciphers",
        fx.all_listings()
    );
    for name in ["rotl32", "rotr32", "rotr32_by_32"] {
        fx.expect_ops(name, &["i32_xor_rotl_imm"], &["i32_xor", "i32_rotr_imm"]);
    }
    for name in ["rotl64", "rotr64"] {
        fx.expect_ops(name, &["i64_xor_rotl_imm"], &["i64_xor", "i64_rotr_imm"]);
    }
    fx.expect_ops("kept", &["i32_xor", "i32_rotl_imm"], &["i32_xor_rotl_imm"]);
    let samples: [(u32, u32); 4] = [
        (0, 0),
        (0x8000_0001, 0x0000_00ff),
        (0xdead_beef, 0x1234_5678),
        (u32::MAX, 0x5555_5555),
    ];
    for (a, b) in samples {
        let x = a ^ b;
        assert_eq!(
            fx.call::<(u32, u32), u32>("rotl32", (a, b)),
            x.rotate_left(16)
        );
        assert_eq!(
            fx.call::<(u32, u32), u32>("rotr32", (a, b)),
            x.rotate_right(7)
        );
        assert_eq!(fx.call::<(u32, u32), u32>("rotr32_by_32", (a, b)), x);
        assert_eq!(
            fx.call::<(u32, u32), u32>("kept", (a, b)),
            x.rotate_left(8).wrapping_add(x)
        );
        let (a, b) = (u64::from(a) << 32 | u64::from(b), u64::from(b) << 29 | 1);
        let x = a ^ b;
        assert_eq!(
            fx.call::<(u64, u64), u64>("rotl64", (a, b)),
            x.rotate_left(1)
        );
        assert_eq!(
            fx.call::<(u64, u64), u64>("rotr64", (a, b)),
            x.rotate_right(40)
        );
    }
}

#[test]
fn eqz_of_a_comparison_is_the_opposite_comparison() {
    let mut fx = Fixture::new(
        r#"(module
  ;; Rust's loop shape: `i32.eq; i32.eqz; if`, counting from a to b.
  (func (export "count") (param i32 i32) (result i32)
    (local i32)
    (loop
      (if (i32.eqz (i32.eq (local.get 0) (local.get 1)))
        (then
          (local.set 0 (i32.add (local.get 0) (i32.const 1)))
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br 1))))
    local.get 2)
  ;; As a value: not (a <s b).
  (func (export "not_lt") (param i32 i32) (result i32)
    (i32.eqz (i32.lt_s (local.get 0) (local.get 1))))
  ;; eqz of eqz of an i64: x != 0.
  (func (export "nonzero64") (param i64) (result i32)
    (i32.eqz (i64.eqz (local.get 0))))
  ;; In a select, against an immediate.
  (func (export "pick") (param i32 i32 i32) (result i32)
    (select (local.get 1) (local.get 2) (i32.eqz (i32.gt_u (local.get 0) (i32.const 9)))))
  ;; Floats keep their eqz: !(a < b) is not a >= b when one is NaN.
  (func (export "not_flt") (param f64 f64) (result i32)
    (i32.eqz (f64.lt (local.get 0) (local.get 1)))))"#,
    );
    insta::assert_snapshot!(
        "eqz_of_a_comparison_is_the_opposite_comparison",
        fx.all_listings()
    );
    fx.expect_ops("count", &["br_i32_eq"], &["i32_eq", "i32_eqz", "br_eqz"]);
    fx.expect_ops("not_lt", &["i32_ge_s"], &["i32_lt_s", "i32_eqz"]);
    fx.expect_ops("nonzero64", &["i64_ne_imm"], &["i64_eqz", "i32_eqz"]);
    fx.expect_ops("pick", &["select_i32_le_u"], &["i32_eqz", "i32_gt_u"]);
    fx.expect_ops("not_flt", &["i32_eqz"], &[]);
    assert_eq!(fx.call::<(i32, i32), i32>("count", (3, 10)), 7);
    assert_eq!(fx.call::<(i32, i32), i32>("count", (5, 5)), 0);
    for (a, b) in [(1, 2), (2, 1), (-5, 3), (7, 7)] {
        assert_eq!(
            fx.call::<(i32, i32), i32>("not_lt", (a, b)),
            (a >= b) as i32
        );
    }
    for x in [0i64, 1, -1, i64::MIN] {
        assert_eq!(fx.call::<i64, i32>("nonzero64", x), (x != 0) as i32);
    }
    for x in [0, 9, 10, -1] {
        let want = if (x as u32) <= 9 { 100 } else { 200 };
        assert_eq!(fx.call::<(i32, i32, i32), i32>("pick", (x, 100, 200)), want);
    }
    assert_eq!(fx.call::<(f64, f64), i32>("not_flt", (f64::NAN, 1.0)), 1);
    assert_eq!(fx.call::<(f64, f64), i32>("not_flt", (0.5, 1.0)), 0);
}

/// Regression: with checker notes off (the default outside tests), reading
/// a pooled constant looked up its checker symbol, which only exists with
/// notes on, and panicked.
#[test]
fn pooled_constants_translate_without_checker_notes() {
    use regwasm::{Config, Engine, Linker, Module, Store};
    let mut config = Config::default();
    config
        .eager_translation(true)
        .verify(true)
        .symbolic_check(false);
    let engine = Engine::new(&config);
    let module = Module::new(
        &engine,
        r#"(module
  (func (export "scale") (param f64 i32) (result f64)
    (loop
      (local.set 0 (f64.mul (local.get 0) (f64.const 1.5)))
      (br_if 0 (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
    local.get 0))"#,
    )
    .expect("translates with notes off");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let scale = instance
        .get_typed_func::<(f64, i32), f64>(&store, "scale")
        .unwrap();
    assert_eq!(
        scale.call(&mut store, (2.0, 3)).unwrap(),
        2.0 * 1.5 * 1.5 * 1.5
    );
    assert!(module.disassemble(0).unwrap().contains("const r"));
}

#[test]
fn a_copy_before_a_branch_is_one_instruction() {
    let mut fx = Fixture::new(
        r#"(module
  ;; The loop's last move and its back edge: copy_br_nez.
  (func (export "fib") (param $n i32) (result i32) (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block
      (br_if 0 (i32.eqz (local.get $n)))
      (loop
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br_if 0 (local.get $n))))
    local.get $a)
  ;; The exit test after the moves: copy_br_eqz.
  (func (export "fib_exit") (param $n i32) (result i32) (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block
      (loop
        (br_if 1 (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br_if 1 (i32.eqz (local.get $n)))
        (br 0)))
    local.get $a)
  ;; The branch tests the register the copy writes: not fused.
  (func (export "tests_dst") (param i32 i32) (result i32)
    (block
      (local.set 0 (local.get 1))
      (br_if 0 (local.get 0))
      (local.set 0 (i32.const 7)))
    local.get 0))"#,
    );
    insta::assert_snapshot!(
        "a_copy_before_a_branch_is_one_instruction",
        fx.all_listings()
    );
    fx.expect_ops("fib", &["copy_br_nez"], &[]);
    fx.expect_ops("fib_exit", &["copy_br_eqz"], &[]);
    fx.expect_ops("tests_dst", &["copy", "br_nez"], &["copy_br_nez"]);
    let fib = |n: u32| {
        (0..n)
            .fold((0u32, 1u32), |(a, b), _| (b, a.wrapping_add(b)))
            .0
    };
    for n in [0, 1, 2, 10, 47] {
        assert_eq!(fx.call::<u32, u32>("fib", n), fib(n), "fib {n}");
        assert_eq!(fx.call::<u32, u32>("fib_exit", n), fib(n), "fib_exit {n}");
    }
    assert_eq!(fx.call::<(i32, i32), i32>("tests_dst", (1, 0)), 7);
    assert_eq!(fx.call::<(i32, i32), i32>("tests_dst", (1, 5)), 5);
}

#[test]
fn two_independent_steps_by_constants_are_one_instruction() {
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  ;; Adds n halfwords from p into words at q: p += 2 and q += 4 together.
  (func (export "widen") (param $p i32) (param $q i32) (param $n i32) (result i32)
    (block
      (br_if 0 (i32.eqz (local.get $n)))
      (loop
        (i32.store (local.get $q)
          (i32.add (i32.load (local.get $q)) (i32.load16_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br_if 0 (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    local.get $q)
  ;; The second step reads the first's result: two instructions.
  (func (export "chained") (param i32) (result i32) (local i32)
    (local.set 1 (i32.add (local.get 0) (i32.const 5)))
    (local.set 0 (i32.add (local.get 1) (i32.const 7)))
    (i32.mul (local.get 0) (local.get 1)))
  (func (export "word") (param i32) (result i32) (i32.load (local.get 0)))
  (data (i32.const 0) "\01\00\02\00\03\00"))"#,
    );
    insta::assert_snapshot!(
        "two_independent_steps_by_constants_are_one_instruction",
        fx.all_listings()
    );
    fx.expect_ops("widen", &["i32_add_imm2", "i32_add_imm_br_nez"], &[]);
    fx.expect_ops("chained", &["i32_add_imm"], &["i32_add_imm2"]);
    // Three halfwords (1, 2, 3) from 0 added into words from 64, twice.
    assert_eq!(fx.call::<(i32, i32, i32), i32>("widen", (0, 64, 3)), 76);
    assert_eq!(fx.call::<(i32, i32, i32), i32>("widen", (0, 64, 3)), 76);
    let words: Vec<i32> = [64, 68, 72, 76]
        .iter()
        .map(|&a| fx.call::<i32, i32>("word", a))
        .collect();
    assert_eq!(words, [2, 4, 6, 0]);
    assert_eq!(fx.call::<(i32, i32, i32), i32>("widen", (0, 64, 0)), 64);
    assert_eq!(fx.call::<i32, i32>("chained", 1), (1 + 5 + 7) * (1 + 5));
}

#[test]
fn a_load_and_the_test_of_its_value_are_one_instruction() {
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  ;; A list: 16 -> 32 -> 48 -> null.
  (data (i32.const 16) "\20\00\00\00")
  (data (i32.const 32) "\30\00\00\00")
  (data (i32.const 48) "\00\00\00\00")
  ;; Words 5, 7, 9, then 0.
  (data (i32.const 64) "\05\00\00\00\07\00\00\00\09\00\00\00\00\00\00\00")
  ;; while (p = p->next) n++: the loaded pointer is tested (br_nez).
  (func (export "length") (param $p i32) (result i32) (local $n i32)
    (block
      (br_if 0 (i32.eqz (local.get $p)))
      (loop
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if 0 (local.tee $p (i32.load (local.get $p))))))
    local.get $n)
  ;; while (v = *p) { s += v; p++ }: the `if` skips on zero (br_eqz).
  (func (export "sum") (param $p i32) (result i32) (local $s i32) (local $v i32)
    (loop
      (if (local.tee $v (i32.load (local.get $p)))
        (then
          (local.set $s (i32.add (local.get $s) (local.get $v)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br 1))))
    local.get $s)
  ;; The branch tests something else: not fused.
  (func (export "other") (param i32 i32) (result i32) (local i32)
    (local.set 2 (i32.load (local.get 0)))
    (if (result i32) (local.get 1) (then (local.get 2)) (else (i32.const -1)))))"#,
    );
    insta::assert_snapshot!(
        "a_load_and_the_test_of_its_value_are_one_instruction",
        fx.all_listings()
    );
    fx.expect_ops("length", &["i32_load_br_nez"], &["i32_load"]);
    fx.expect_ops("sum", &["i32_load_br_eqz"], &["i32_load"]);
    fx.expect_ops(
        "other",
        &["i32_load"],
        &["i32_load_br_nez", "i32_load_br_eqz"],
    );
    assert_eq!(fx.call::<i32, i32>("length", 16), 3);
    assert_eq!(fx.call::<i32, i32>("length", 48), 1);
    assert_eq!(fx.call::<i32, i32>("length", 0), 0);
    assert_eq!(fx.call::<i32, i32>("sum", 64), 21);
    assert_eq!(fx.call::<i32, i32>("sum", 76), 0);
    assert_eq!(fx.call::<(i32, i32), i32>("other", (64, 1)), 5);
    // The fused load still traps, and nothing is written before it does.
    let trap = fx.trap::<i32, i32>("length", 65534);
    assert!(trap.contains("out of bounds memory access"), "{trap}");
    let trap = fx.trap::<i32, i32>("sum", -4);
    assert!(trap.contains("out of bounds memory access"), "{trap}");
}

#[test]
fn a_global_read_right_after_its_write_keeps_the_written_value() {
    let mut fx = Fixture::new(
        r#"(module
  (global $g (mut i32) (i32.const 0))
  (global $h (mut i32) (i32.const 100))
  (global $f (mut f64) (f64.const 0))
  (func (export "g") (result i32) global.get $g)
  (func (export "f") (result f64) global.get $f)
  ;; wasmi's counter-global: the loop reads back what it just wrote.
  (func (export "count") (param $n i32) (result i32)
    (global.set $g (local.get $n))
    (loop $continue
      (br_if $continue
        (global.set $g (i32.sub (global.get $g) (i32.const 1)))
        (global.get $g)))
    (global.get $g))
  ;; The value kept is a lazy reference to a local written afterwards.
  (func (export "local") (param $x i32) (result i32)
    (global.set $g (local.get $x))
    (global.get $g)
    (local.set $x (i32.const 5))
    (local.get $x)
    i32.add)
  (func (export "const") (result i32)
    (global.set $g (i32.const 7))
    (global.get $g))
  (func (export "compare") (param i32) (result i32)
    (global.set $g (i32.lt_s (local.get 0) (i32.const 3)))
    (global.get $g))
  (func (export "float") (param f64) (result f64)
    (global.set $f (f64.add (local.get 0) (f64.const 0.5)))
    (global.get $f))
  ;; Another global: read as usual.
  (func (export "other") (param i32) (result i32)
    (global.set $g (local.get 0))
    (global.get $h)))"#,
    );
    insta::assert_snapshot!(
        "a_global_read_right_after_its_write_keeps_the_written_value",
        fx.all_listings()
    );
    // One read of the global per iteration, none after its write.
    let count = fx.listing("count");
    let gets = mnemonics(&count)
        .iter()
        .filter(|m| **m == "global_get")
        .count();
    assert_eq!(gets, 2, "{count}");
    fx.expect_ops("local", &["global_set"], &["global_get"]);
    fx.expect_ops("const", &["global_set"], &["global_get"]);
    fx.expect_ops("compare", &["global_set"], &["global_get"]);
    fx.expect_ops("float", &["global_set"], &["global_get"]);
    fx.expect_ops("other", &["global_set", "global_get"], &[]);
    assert_eq!(fx.call::<i32, i32>("count", 1000), 0);
    assert_eq!(fx.call::<(), i32>("g", ()), 0);
    assert_eq!(fx.call::<i32, i32>("local", 37), 42);
    assert_eq!(fx.call::<(), i32>("g", ()), 37);
    assert_eq!(fx.call::<(), i32>("const", ()), 7);
    assert_eq!(fx.call::<(), i32>("g", ()), 7);
    assert_eq!(fx.call::<i32, i32>("compare", 2), 1);
    assert_eq!(fx.call::<(), i32>("g", ()), 1);
    assert_eq!(fx.call::<i32, i32>("compare", 3), 0);
    assert_eq!(fx.call::<(), i32>("g", ()), 0);
    assert_eq!(fx.call::<f64, f64>("float", 1.25), 1.75);
    assert_eq!(fx.call::<(), f64>("f", ()), 1.75);
    assert_eq!(fx.call::<i32, i32>("other", 9), 100);
    assert_eq!(fx.call::<(), i32>("g", ()), 9);
}

#[test]
fn a_branch_on_an_and_tests_the_bits_in_one_instruction() {
    let mut fx = Fixture::new(
        r#"(module
  ;; `a >= lo && a <= hi` in the shape of wasmi's fuse benchmark.
  (func (export "between") (param $a i32) (param $lo i32) (param $hi i32) (result i32)
    (block
      (br_if 0 (i32.eqz (i32.and (i32.ge_s (local.get $a) (local.get $lo))
                                 (i32.le_s (local.get $a) (local.get $hi)))))
      (return (i32.const 1)))
    i32.const 0)
  ;; Bit tests against an immediate, either operand.
  (func (export "bit2") (param i32) (result i32)
    (block
      (br_if 0 (i32.and (local.get 0) (i32.const 4)))
      (return (i32.const 0)))
    i32.const 1)
  (func (export "not_bit0") (param i32) (result i32)
    (block
      (br_if 0 (i32.eqz (i32.and (i32.const 1) (local.get 0))))
      (return (i32.const 0)))
    i32.const 1)
  ;; Registers, no `eqz`; high bits matter.
  (func (export "common") (param i32 i32) (result i32)
    (block
      (br_if 0 (i32.and (local.get 0) (local.get 1)))
      (return (i32.const 0)))
    i32.const 1)
  ;; `if` on the test and on its `eqz`.
  (func (export "if_and") (param i32 i32) (result i32)
    (if (result i32) (i32.and (local.get 0) (local.get 1))
      (then (i32.const 10)) (else (i32.const 20))))
  (func (export "if_nand") (param i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (local.get 0) (i32.const 0x80000000)))
      (then (i32.const 10)) (else (i32.const 20))))
  ;; Not a branch: the plain `and` (and `eqz`).
  (func (export "value") (param i32 i32) (result i32)
    (i32.and (local.get 0) (local.get 1)))
  (func (export "select") (param i32 i32) (result i32)
    (select (i32.const 3) (i32.const 4) (i32.eqz (i32.and (local.get 0) (local.get 1))))))"#,
    );
    insta::assert_snapshot!(
        "a_branch_on_an_and_tests_the_bits_in_one_instruction",
        fx.all_listings()
    );
    fx.expect_ops("between", &["br_i32_nand"], &["i32_and", "i32_eqz"]);
    fx.expect_ops("bit2", &["br_i32_and_imm"], &["i32_and_imm", "br_nez"]);
    fx.expect_ops(
        "not_bit0",
        &["br_i32_nand_imm"],
        &["i32_and_imm", "i32_eqz"],
    );
    fx.expect_ops("common", &["br_i32_and"], &["i32_and", "br_nez"]);
    fx.expect_ops("if_and", &["br_i32_nand"], &["i32_and"]);
    fx.expect_ops("if_nand", &["br_i32_and_imm"], &["i32_and_imm", "i32_eqz"]);
    fx.expect_ops("value", &["i32_and"], &["br_i32_and", "br_i32_nand"]);
    // `eqz` feeding `select` swaps its arms, as before.
    fx.expect_ops(
        "select",
        &["i32_and", "select"],
        &["br_i32_nand", "i32_eqz"],
    );
    for (a, lo, hi) in [
        (5, 1, 9),
        (1, 1, 9),
        (9, 1, 9),
        (0, 1, 9),
        (10, 1, 9),
        (-3, -5, -1),
        (3, 5, 1),
    ] {
        let want = i32::from(a >= lo && a <= hi);
        assert_eq!(
            fx.call::<(i32, i32, i32), i32>("between", (a, lo, hi)),
            want,
            "between({a}, {lo}, {hi})"
        );
    }
    for x in [0, 1, 3, 4, 5, 7, 8, -1, i32::MIN] {
        assert_eq!(fx.call::<i32, i32>("bit2", x), x >> 2 & 1, "bit2({x})");
        assert_eq!(
            fx.call::<i32, i32>("not_bit0", x),
            1 - (x & 1),
            "not_bit0({x})"
        );
        assert_eq!(
            fx.call::<i32, i32>("if_nand", x),
            if x < 0 { 20 } else { 10 },
            "if_nand({x})"
        );
        for y in [0, 1, 2, 6, -1, i32::MIN] {
            let and = x & y;
            assert_eq!(
                fx.call::<(i32, i32), i32>("common", (x, y)),
                i32::from(and != 0)
            );
            assert_eq!(
                fx.call::<(i32, i32), i32>("if_and", (x, y)),
                if and != 0 { 10 } else { 20 }
            );
            assert_eq!(fx.call::<(i32, i32), i32>("value", (x, y)), and);
            assert_eq!(
                fx.call::<(i32, i32), i32>("select", (x, y)),
                if and == 0 { 3 } else { 4 }
            );
        }
    }
}

#[test]
fn a_while_loop_tests_at_its_back_edge() {
    let mut fx = Fixture::new(
        r#"(module
  (memory 1)
  (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00")
  ;; while (i != n) { s += a[i]; i++ }
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.eq (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s)
          (i32.load (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    local.get $s)
  ;; A `continue` from inside the body goes through the header test:
  ;; while (i < n) { i++; if (i & 1) continue; s += i }
  (func (export "evens") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $top (i32.and (local.get $i) (i32.const 1)))
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (br $top)))
    local.get $s)
  ;; A 64-bit test through `eqz`: while (x) { x >>= 1; c++ }
  (func (export "bits") (param $x i64) (result i32) (local $c i32)
    (block $exit
      (loop $top
        (br_if $exit (i64.eqz (local.get $x)))
        (local.set $x (i64.shr_u (local.get $x) (i64.const 1)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $top)))
    local.get $c)
  ;; Code between the loop's end and the block's: left as it is.
  (func (export "after") (param $n i32) (result i32) (local $i i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $top))
      (local.set $i (i32.const 99)))
    local.get $i))"#,
    );
    insta::assert_snapshot!("a_while_loop_tests_at_its_back_edge", fx.all_listings());
    // The loop's last instruction is its test: no jump back to the header.
    for name in ["sum", "evens", "bits"] {
        let listing = fx.listing(name);
        let m = mnemonics(&listing);
        assert!(!m.contains(&"br"), "{name}: a jump is left in\n{listing}");
    }
    assert!(mnemonics(&fx.listing("after")).contains(&"br"));
    for n in 0..=5 {
        assert_eq!(fx.call::<i32, i32>("sum", n), n * (n + 1) / 2, "sum({n})");
    }
    for n in [-3, 0, 1, 2, 3, 4, 9, 10] {
        let want: i32 = (1..=n.max(0)).filter(|i| i % 2 == 0).sum();
        assert_eq!(fx.call::<i32, i32>("evens", n), want, "evens({n})");
    }
    for x in [0u64, 1, 2, 255, 256, u64::MAX] {
        let want = 64 - x.leading_zeros() as i32;
        assert_eq!(fx.call::<i64, i32>("bits", x as i64), want, "bits({x})");
    }
    // Leaving through the header skips the `local.set`.
    assert_eq!(fx.call::<i32, i32>("after", 5), 6);
    // An out-of-bounds load in the body still traps, on the first and on a
    // later iteration.
    assert!(fx.trap::<i32, i32>("sum", 20000).contains("out of bounds"));
}

#[test]
fn a_rotated_count_down_loop_steps_and_tests_in_one_instruction() {
    let mut fx = Fixture::new(
        r#"(module
  ;; while (n) { s += n; n-- }
  (func (export "down") (param $n i32) (result i32) (local $s i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    local.get $s))"#,
    );
    insta::assert_snapshot!(
        "a_rotated_count_down_loop_steps_and_tests_in_one_instruction",
        fx.all_listings()
    );
    fx.expect_ops(
        "down",
        &["br_eqz", "i32_add_imm_br_nez"],
        &["i32_sub_imm", "br"],
    );
    for n in [0, 1, 2, 10, 1000] {
        assert_eq!(fx.call::<i32, i32>("down", n), n * (n + 1) / 2, "down({n})");
    }
}

#[test]
fn float_equality_branches_negate_to_the_other_test() {
    let mut fx = Fixture::new(
        r#"(module
  ;; An `if` branches to its `else` when the test fails: `!(a == b)` is
  ;; `a != b` and `!(a != b)` is `a == b`, NaNs included.
  (func (export "eq64") (param f64 f64) (result i32)
    (if (result i32) (f64.eq (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 0))))
  (func (export "ne32") (param f32 f32) (result i32)
    (if (result i32) (f32.ne (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 0)))))"#,
    );
    fx.expect_ops("eq64", &["br_f64_ne"], &["f64_eq"]);
    fx.expect_ops("ne32", &["br_f32_eq"], &["f32_ne"]);
    let nan = f64::NAN;
    for (a, b) in [
        (1.0, 1.0),
        (1.0, 2.0),
        (nan, 1.0),
        (1.0, nan),
        (nan, nan),
        (0.0, -0.0),
    ] {
        let eq = i32::from(a == b);
        assert_eq!(
            fx.call::<(f64, f64), i32>("eq64", (a, b)),
            eq,
            "eq64({a}, {b})"
        );
        let (a, b) = (a as f32, b as f32);
        let ne = i32::from(a != b);
        assert_eq!(
            fx.call::<(f32, f32), i32>("ne32", (a, b)),
            ne,
            "ne32({a}, {b})"
        );
    }
}
