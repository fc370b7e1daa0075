//! Local preservation: a `local.get` stays a lazy reference to the local's
//! register until the local is overwritten, and only then is copied out.

use super::*;

impl Emitter<'_, '_> {
    /// Copies every lazy reference to `local` into its home register.
    pub(super) fn preserve(&mut self, local: u32) {
        let positions = std::mem::take(&mut self.refs[local as usize]);
        for &p in &positions {
            let dst = self.home(p as usize);
            self.emit(op::Copy {
                dst,
                src: Reg(local as u16),
            });
            self.stack[p as usize] = Slot::Temp;
        }
        self.refs[local as usize] = positions;
        self.refs[local as usize].clear();
        self.ref_key[local as usize] = u32::MAX;
    }

    /// Re-tracks the lazy references to `local` (if any) by its next write
    /// after the current operator.
    pub(super) fn rekey(&mut self, local: u32) {
        if self.refs[local as usize].is_empty() {
            return;
        }
        let key = self
            .an
            .next_write_after(local, self.op_index)
            .unwrap_or(u32::MAX);
        self.ref_key[local as usize] = key;
        if key != u32::MAX {
            self.heap.push(Reverse((key, local)));
        }
    }

    /// Preserves, before the node opened by the current operator, every lazy
    /// reference to a local the node may write.
    pub(super) fn preserve_for_node(&mut self, node: &Node) {
        while let Some(&Reverse((key, local))) = self.heap.peek() {
            if key > node.end {
                break;
            }
            self.heap.pop();
            if self.ref_key[local as usize] == key && !self.refs[local as usize].is_empty() {
                debug_assert!(self.an.node_writes(node, local));
                self.preserve(local);
            }
        }
    }

    pub(super) fn local_set(&mut self, local: u32, tee: bool) -> R<usize> {
        let (slot, pos) = self.pop();
        let dst = Reg(local as u16);
        if slot == Slot::Local(local as u16) {
            // `local.get l; local.set l` writes nothing, so the other lazy
            // references to `l` stay valid; their next write is now a later
            // one.
            self.rekey(local);
        } else {
            self.preserve(local);
            match slot {
                Slot::Local(l) => {
                    self.emit(op::Copy { dst, src: Reg(l) });
                }
                Slot::Temp => {
                    let src = self.home(pos);
                    self.emit(op::Copy { dst, src });
                }
                Slot::Const(c) => self.emit_const_of(dst, c, pos),
                Slot::Pending(p) => self.emit_pending_of(dst, p, pos),
            }
            let sym = self.notes.sym(pos);
            self.notes.set_local(local, sym);
        }
        if tee {
            self.push(Slot::Local(local as u16))?;
        }
        Ok(1)
    }
}
