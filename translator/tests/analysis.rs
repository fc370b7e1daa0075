//! Pass 1 on small functions: control tree, write sets and the value IR.

use regwasm_translator::analysis::{Analysis, NodeKind};
use regwasm_translator::ModuleEnv;
use wasmparser::{FunctionBody, Parser, Payload, SubType};

/// Just enough of a module for the translator: types and function types.
struct Env {
    types: Vec<SubType>,
    funcs: Vec<u32>,
}

impl ModuleEnv for Env {
    fn func_type_index(&self, func: u32) -> Option<u32> {
        self.funcs.get(func as usize).copied()
    }
    fn sub_type(&self, ty: u32) -> Option<&SubType> {
        self.types.get(ty as usize)
    }
}

fn parse(wat: &str) -> (Env, Vec<u8>) {
    let bytes = wat::parse_str(wat).unwrap();
    let mut env = Env {
        types: Vec::new(),
        funcs: Vec::new(),
    };
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            Payload::TypeSection(r) => {
                for g in r {
                    env.types.extend(g.unwrap().types().cloned());
                }
            }
            Payload::FunctionSection(r) => env.funcs.extend(r.into_iter().map(|t| t.unwrap())),
            _ => {}
        }
    }
    (env, bytes)
}

fn with_body<R>(wat: &str, f: impl FnOnce(&Env, &FunctionBody<'_>) -> R) -> R {
    let (env, bytes) = parse(wat);
    let body = Parser::new(0)
        .parse_all(&bytes)
        .find_map(|p| match p.unwrap() {
            Payload::CodeSectionEntry(b) => Some(b),
            _ => None,
        })
        .unwrap();
    f(&env, &body)
}

const SAMPLE: &str = r#"(module (func (param i32 i32) (result i32) (local i32)
    local.get 0          ;; 0
    block                ;; 1
      local.get 1        ;; 2
      br_if 0            ;; 3
      loop               ;; 4
        i32.const 9      ;; 5
        local.set 2      ;; 6
      end                ;; 7
      local.get 0        ;; 8
      local.get 1        ;; 9
      i32.lt_s           ;; 10
      br_if 0            ;; 11
      i32.const 1        ;; 12
      local.set 0        ;; 13
    end                  ;; 14
  ))"#;

#[test]
fn control_tree_and_write_sets() {
    with_body(SAMPLE, |env, body| {
        let ty = env.func_type(0).unwrap().clone();
        let an = Analysis::run(env, body, &ty).unwrap();
        assert_eq!(an.num_locals, 3);
        let kinds: Vec<_> = an.nodes.iter().map(|n| (n.kind, n.start, n.end)).collect();
        assert_eq!(
            kinds,
            vec![
                (NodeKind::Func, 0, 15),
                (NodeKind::Block, 1, 14),
                (NodeKind::Loop, 4, 7)
            ]
        );
        let (block, lp) = (an.nodes[1], an.nodes[2]);
        // The block writes locals 0 and 2 (2 inside its nested loop), not 1.
        assert!(an.node_writes(&block, 0));
        assert!(!an.node_writes(&block, 1));
        assert!(an.node_writes(&block, 2));
        // The loop writes only local 2.
        assert!(!an.node_writes(&lp, 0));
        assert!(an.node_writes(&lp, 2));
        assert_eq!(an.next_write_after(0, 0), Some(13));
        assert_eq!(an.next_write_after(2, 6), None);
    });
}

#[test]
fn value_ir_pairs_producers_with_consumers() {
    with_body(SAMPLE, |env, body| {
        let ty = env.func_type(0).unwrap().clone();
        let an = Analysis::run(env, body, &ty).unwrap();
        let ir = &an.values;
        // `local.get 1` is consumed by the `br_if` right after it.
        assert_eq!(ir.consumer_of(2), Some(3));
        // The comparison is consumed by the next `br_if`: a fusion pair.
        assert_eq!(ir.consumer_of(10), Some(11));
        // Its operands are the two reads before it.
        assert_eq!(ir.consumer_of(8), Some(10));
        assert_eq!(ir.consumer_of(9), Some(10));
        // The constant feeds `local.set 2`.
        assert_eq!(ir.consumer_of(5), Some(6));
        // The first `local.get 0` is the function's result, consumed by the
        // final `end`.
        assert_eq!(ir.consumer_of(0), Some(15));
        // `local.set` produces nothing.
        assert_eq!(ir.result_of(6), None);
    });
}
