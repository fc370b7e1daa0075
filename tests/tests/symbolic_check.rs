//! The symbolic translation checker (`regwasm_ir::check`): it proves real
//! translations right, and it rejects the known miscompilation shapes, each
//! seeded into real translator output, that the definedness verifier lets
//! through.

use regwasm::{Config, Engine, Module};
use regwasm_ir::{check, disassemble, verify, CheckError, Fact, FuncBody, Instr, Reg};

fn module(wat: &str) -> Module {
    let mut config = Config::default();
    config.verify(true).symbolic_check(true);
    Module::new(&Engine::new(&config), wat).expect("module")
}

/// The body of the module's function 0, with checker notes.
fn noted(m: &Module) -> FuncBody {
    m.translated_with_notes(0).expect("translated")
}

/// The offset and decoded form of every instruction.
fn instrs(body: &FuncBody) -> Vec<(usize, Instr)> {
    body.instrs().map(|i| i.expect("decodes")).collect()
}

/// Rewrites the instruction at `at` (same opcode, so the same size).
fn patch(body: &mut FuncBody, at: usize, instr: Instr) {
    let mut bytes = Vec::new();
    instr.encode(&mut bytes);
    let old = Instr::decode(&body.code[at..]).expect("decodes");
    assert_eq!(old.encoded_len(), bytes.len(), "patch must keep the size");
    body.code[at..at + bytes.len()].copy_from_slice(&bytes);
}

fn find(body: &FuncBody, pred: impl Fn(&Instr) -> bool) -> (usize, Instr) {
    instrs(body)
        .into_iter()
        .find(|(_, i)| pred(i))
        .unwrap_or_else(|| panic!("instruction not found in\n{}", disassemble(body)))
}

/// The seeded bug keeps the code well-formed and every read defined, so
/// only the symbolic checker can object; returns its objection.
fn checker_rejects(m: &Module, body: &FuncBody) -> CheckError {
    verify(body, m).unwrap_or_else(|e| {
        panic!(
            "the definedness verifier should accept the seeded bug: {e}\n{}",
            disassemble(body)
        )
    });
    check(body, m).expect_err(&format!(
        "the checker accepted a miscompiled body:\n{}",
        disassemble(body)
    ))
}

#[test]
fn proves_translations_with_preservation_loops_and_branches() {
    let m = module(
        r#"(module
  (memory 1)
  (table 1 funcref)
  (func $callee (param i32 i32) (result i32 i32) local.get 1 local.get 0)
  (func (export "mix") (param i32 i32) (result i32) (local i32 i64)
    ;; a lazy local.get preserved before a loop that writes its local
    local.get 0
    loop (result i32)
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      local.tee 2
      local.get 1
      i32.gt_s
      br_if 0
      local.get 2
    end
    i32.add
    ;; if/else with parameters and results, tee chains
    local.get 1
    if (param i32) (result i32)
      local.get 0
      local.tee 1
      local.tee 2
      i32.mul
    else
      i32.const 3
      local.set 0
      local.get 0
      i32.add
    end
    ;; br_table carrying a value, select fused with a comparison
    block (result i32)
      block (result i32)
        local.get 0
        local.get 1
        br_table 0 1 0
      end
      local.get 1
      local.get 1
      local.get 0
      i32.lt_u
      select
    end
    local.get 0
    local.get 1
    call $callee
    i32.sub
    i32.add
    local.get 0
    i32.const 7
    i32.lt_s
    select (result i32)))"#,
    );
    for func in 0..2 {
        let stats = m.check_translation(func).expect("proven");
        assert!(stats.uses > 0, "function {func}: nothing was checked");
    }
}

#[test]
fn rejects_a_preservation_register_overwritten_before_its_use() {
    let m = module(
        r#"(module
  (func (export "f") (param i32) (result i32)
    local.get 0
    block
      i32.const 5
      local.set 0
    end
    local.get 0
    i32.add))"#,
    );
    let mut body = noted(&m);
    check(&body, &m).expect("the real translation is right");
    // The preservation copy saved local 0 into a temporary; seed the bug by
    // making the block's write land in that temporary instead.
    let (_, copy) = find(
        &body,
        |i| matches!(i, Instr::Copy(c) if { c.src } == Reg(0)),
    );
    let Instr::Copy(copy) = copy else {
        unreachable!()
    };
    let (at, write) = find(
        &body,
        |i| matches!(i, Instr::CopyImm32(c) if { c.dst } == Reg(0) && { c.imm } == 5),
    );
    let Instr::CopyImm32(mut write) = write else {
        unreachable!()
    };
    // A translator with this bug would also claim the value it wrote where
    // it wrote it.
    for (fact_at, fact) in &mut body.notes.as_mut().expect("notes").facts {
        if let (true, Fact::Def(reg, _)) = (*fact_at as usize == at, fact) {
            *reg = copy.dst;
        }
    }
    write.dst = copy.dst;
    patch(&mut body, at, write.into());
    match checker_rejects(&m, &body) {
        CheckError::WrongValue { .. } => {}
        other => panic!("unexpected objection: {other}"),
    }
}

#[test]
fn rejects_a_preservation_copy_inside_the_loop() {
    let m = module(
        r#"(module
  (func (export "f") (param i32 i32) (result i32)
    local.get 0
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1
    i32.add))"#,
    );
    let mut body = noted(&m);
    check(&body, &m).expect("the real translation is right");
    // Correct code copies local 0 to a temporary, then the loop header
    // follows. Seed the bug: the header (and its back edge) move up to the
    // copy, so every iteration copies the decremented local again.
    let (copy_at, copy_instr) = find(
        &body,
        |i| matches!(i, Instr::Copy(c) if { c.src } == Reg(0)),
    );
    let header = copy_at + copy_instr.encoded_len();
    let Instr::Copy(copy) = copy_instr else {
        unreachable!()
    };
    let notes = body.notes.as_mut().expect("notes");
    let bind = notes
        .binds
        .iter_mut()
        .find(|b| b.offset as usize == header)
        .expect("the loop header is a label");
    bind.offset = copy_at as u32;
    let (br_at, br) = find(&body, |i| i.branch_offset().is_some());
    let mut bytes = Vec::new();
    br.encode(&mut bytes);
    let base = br_at + br.opcode().size();
    let off = copy_at as i64 - base as i64;
    let field = br_at + bytes.len() - 4;
    body.code[field..field + 4].copy_from_slice(&(off as i32).to_le_bytes());
    match checker_rejects(&m, &body) {
        CheckError::WrongValue { reg, .. } => assert_eq!(reg, { copy.dst }),
        other => panic!("unexpected objection: {other}"),
    }
}

#[test]
fn rejects_a_local_tee_chain_copying_the_wrong_source() {
    let m = module(
        r#"(module
  (func (export "f") (param i32) (result i32) (local i32 i32)
    local.get 0
    i32.const 1
    i32.add
    local.tee 1
    local.tee 2
    local.get 1
    i32.mul))"#,
    );
    let mut body = noted(&m);
    check(&body, &m).expect("the real translation is right");
    // `local.tee 2` copies local 1 (the retargeted sum) into local 2; seed
    // the bug of copying from the parameter instead.
    let (at, copy) = find(
        &body,
        |i| matches!(i, Instr::Copy(c) if { c.dst } == Reg(2) && { c.src } == Reg(1)),
    );
    let Instr::Copy(mut copy) = copy else {
        unreachable!()
    };
    copy.src = Reg(0);
    patch(&mut body, at, copy.into());
    match checker_rejects(&m, &body) {
        CheckError::WrongValue { .. } => {}
        other => panic!("unexpected objection: {other}"),
    }
}

#[test]
fn rejects_a_loop_back_edge_that_carries_a_stale_value() {
    // Fibonacci with the pair (a, b) as loop parameters: the back edge
    // carries (b, a + b), so b must move into the first parameter's register.
    let m = module(
        r#"(module
  (func (export "f") (param i32) (result i32) (local i32 i32)
    i32.const 0
    i32.const 1
    loop (param i32 i32) (result i32)
      local.set 2
      local.set 1
      local.get 2
      local.get 1
      local.get 2
      i32.add
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
      drop
    end))"#,
    );
    let mut body = noted(&m);
    check(&body, &m).expect("the real translation is right");
    // Seed the bug: that move becomes a no-op, so the first parameter keeps
    // the previous iteration's a.
    // The move is either a `copy` before the back edge or the copy half of
    // the back edge itself (`copy_br_nez`).
    let all = instrs(&body);
    let (at, broken) = all
        .windows(2)
        .find_map(|w| match (&w[0].1, &w[1].1) {
            (Instr::Copy(c), br) if br.branch_offset().is_some_and(|o| o.0 < 0) => {
                let mut c = *c;
                c.src = c.dst;
                Some((w[0].0, Instr::from(c)))
            }
            (Instr::CopyBrNez(c), _) if { c.off }.0 < 0 => {
                let mut c = *c;
                c.src = c.dst;
                Some((w[0].0, Instr::from(c)))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no move before the back edge in\n{}", disassemble(&body)));
    patch(&mut body, at, broken);
    match checker_rejects(&m, &body) {
        CheckError::WrongValue { .. } => {}
        other => panic!("unexpected objection: {other}"),
    }
}

#[test]
fn rejects_a_copy_and_branch_that_tests_its_own_destination() {
    // The checker reads `cond` before it moves `src`; the VM moves first.
    // The translator never tests the copy's destination, and a body that
    // does is refused rather than checked in the wrong order.
    let m = module(
        r#"(module
  (func (export "f") (param i32 i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
      (local.set 2 (local.get 0))
      (br_if 0 (local.get 1)))
    local.get 2))"#,
    );
    let mut body = noted(&m);
    check(&body, &m).expect("the real translation is right");
    let (at, mut fused) = instrs(&body)
        .into_iter()
        .find_map(|(at, i)| match i {
            Instr::CopyBrNez(c) => Some((at, c)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no copy_br_nez in\n{}", disassemble(&body)));
    fused.cond = fused.dst;
    patch(&mut body, at, fused.into());
    match checker_rejects(&m, &body) {
        CheckError::Malformed { .. } => {}
        other => panic!("unexpected objection: {other}"),
    }
}

#[test]
fn rejects_missing_notes_and_unexplained_reads() {
    let m = module(r#"(module (func (param i32) (result i32) local.get 0 i32.eqz))"#);
    let mut body = noted(&m);
    check(&body, &m).expect("the real translation is right");
    let mut bare = body.clone();
    bare.notes = None;
    assert_eq!(check(&bare, &m), Err(CheckError::NoNotes));
    body.notes.as_mut().expect("notes").facts.clear();
    assert!(matches!(
        check(&body, &m),
        Err(CheckError::Unannotated { .. })
    ));
}

/// Every function of a real program (ffmpeg.wasm, 6,660 functions) proven,
/// from `$REGWASM_FFMPEG_DIR` (default `../shared/fixtures/ffmpeg`).
#[test]
fn every_ffmpeg_function_is_proven() {
    if cfg!(debug_assertions) {
        println!("SKIPPED: checking all of ffmpeg takes minutes in a debug build; use --release");
        return;
    }
    let dir = std::env::var_os("REGWASM_FFMPEG_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/ffmpeg")
        });
    let path = dir.join("ffmpeg.wasm");
    if !path.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the ffmpeg fixture is missing at {}",
            path.display()
        );
        println!(
            "SKIPPED: no {}; set REGWASM_FFMPEG_DIR to a copy of shared/fixtures/ffmpeg",
            path.display()
        );
        return;
    }
    let bytes = std::fs::read(&path).expect("read ffmpeg.wasm");
    let m = Module::new(&Engine::default(), &bytes).expect("ffmpeg compiles");
    let imported = m
        .imports()
        .filter(|(_, _, ty)| matches!(ty, regwasm::ExternType::Func(_)))
        .count() as u32;
    let start = std::time::Instant::now();
    let (mut funcs, mut uses, mut instrs) = (0, 0, 0);
    for func in imported..m.func_count() {
        let stats = m
            .check_translation(func)
            .unwrap_or_else(|e| panic!("function {func}: {e}"));
        funcs += 1;
        uses += stats.uses;
        instrs += stats.instrs;
    }
    println!(
        "ffmpeg.wasm: {funcs} functions, {instrs} instructions, {uses} register reads proven in {:?} (translation included)",
        start.elapsed()
    );
    assert!(funcs > 6000 && uses > instrs / 2);
}
