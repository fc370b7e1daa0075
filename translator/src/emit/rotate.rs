//! Loop rotation: a loop in the `while` shape (`block; loop; br_if 1
//! (test); body; br 0; end; end`) jumps back to its header only to test
//! and leave. Its back edge repeats the test instead, branching to the
//! body while the exit test fails, so each iteration costs one
//! compare-and-branch and no jump. The header test stays for the first
//! iteration and for `br 0` from inside the body.

use super::*;
use crate::analysis::is_int_compare;

/// The header test of a rotated loop and the label after it.
pub(super) struct Rotation {
    /// The header's operators: `test_start..test_end`, then the `br_if`
    /// at `test_end`.
    test_start: usize,
    test_end: usize,
    /// The `br 0` right before the loop's `end`.
    back_edge: usize,
    /// The body's first instruction, after the header test.
    body: Label,
    /// The body label's phis (the loop's written locals, fresh symbols).
    pub phis: FramePhis,
}

/// At most this many operators compute the header test: repeating it at the
/// back edge copies its code.
const MAX_TEST_OPS: usize = 6;

impl Emitter<'_, '_> {
    /// Whether loop `node`, entered now, has the `while` shape, and where its
    /// test is. Not with fuel or interrupts, whose checks sit at the header.
    pub(super) fn rotation(
        &mut self,
        node: &Node,
        params: usize,
        results: usize,
    ) -> Option<Rotation> {
        if !self.fuse || self.fuel || self.interruptible || params != 0 || results != 0 {
            return None;
        }
        // The exit test leaves to the block around the loop, which ends
        // right after it and has no results: falling out of the loop is
        // leaving it.
        let parent = self.ctrl.last()?;
        let parent_node = self.an.nodes.get(node.parent? as usize)?;
        if parent.kind != NodeKind::Block || parent.results != 0 || parent_node.end != node.end + 1
        {
            return None;
        }
        let an = self.an;
        let ops = &an.ops;
        let back_edge = (node.end as usize).checked_sub(1)?;
        if !matches!(ops.get(back_edge)?.0, Operator::Br { relative_depth: 0 }) {
            return None;
        }
        let test_start = node.start as usize + 1;
        let last = (test_start + MAX_TEST_OPS).min(back_edge);
        for (k, (op, _)) in ops.iter().enumerate().take(last).skip(test_start) {
            use Operator as O;
            match *op {
                O::BrIf { relative_depth: 1 } if k > test_start => {
                    return Some(Rotation {
                        test_start,
                        test_end: k,
                        back_edge,
                        body: self.labels.new_label(),
                        phis: FramePhis::default(),
                    });
                }
                // Operators that read and write nothing but the stack, each
                // translated as one operator (no look-ahead consumes more).
                O::LocalGet { .. }
                | O::I32Const { .. }
                | O::I64Const { .. }
                | O::I32Eqz
                | O::I64Eqz
                | O::I32And => {}
                _ if is_int_compare(op) => {}
                _ => return None,
            }
        }
        None
    }

    /// After the header test of a rotated loop: the body starts here.
    pub(super) fn rotated_body_start(&mut self) {
        let Some(f) = self.ctrl.last() else {
            return;
        };
        let Some(r) = f.rotate.as_ref().filter(|r| r.test_end == self.op_index) else {
            return;
        };
        let (body, height, phis) = (r.body, f.height, r.phis.clone());
        let fall = self.notes.is_on().then(|| self.notes.pairs(&phis, height));
        self.bind(body, fall);
        self.notes.enter_phis(&phis, height);
    }

    /// At the `br 0` closing a rotated loop: the header test again, and a
    /// branch back to the body while it does not hold. Falling through
    /// leaves the loop, as the header's `br_if` would have. False when
    /// this `br` is not a rotated loop's back edge.
    pub(super) fn rotated_back_edge(&mut self) -> R<bool> {
        let Some(f) = self.ctrl.last() else {
            return Ok(false);
        };
        let Some(r) = f.rotate.as_ref().filter(|r| r.back_edge == self.op_index) else {
            return Ok(false);
        };
        let (start, end, body, height) = (r.test_start, r.test_end, r.body, f.height);
        let phis = r.phis.clone();
        let (at, offset) = (self.op_index, self.wasm_offset);
        let an = self.an;
        self.truncate(height);
        for k in start..end {
            self.op_index = k;
            self.wasm_offset = an.ops[k].1;
            self.notes.clear_reads();
            let consumed = self.translate_op(&an.ops[k].0)?;
            debug_assert_eq!(
                consumed, 1,
                "header test operators are translated one by one"
            );
        }
        self.op_index = end;
        self.wasm_offset = an.ops[end].1;
        self.notes.clear_reads();
        let (slot, pos) = self.pop();
        let pairs = self.notes.pairs(&phis, height);
        self.branch_on(slot, pos, false, body, pairs);
        self.op_index = at;
        self.wasm_offset = offset;
        Ok(true)
    }
}
