//! Encoding: instructions into the code buffer, each with its source
//! position and the checker notes waiting for it.

use super::*;

impl Emitter<'_, '_> {
    pub(super) fn emit(&mut self, instr: impl Into<Instr>) -> usize {
        self.emit_instr(instr.into())
    }

    pub(super) fn emit_instr(&mut self, instr: Instr) -> usize {
        let (instr, fused) = self.through_acc(instr);
        if let Some(at) = self.merge_copy(&instr) {
            if let Some(n) = self.notes.as_mut() {
                n.attach(at, &instr);
            }
            return at;
        }
        let at = self.code.len();
        // A fused pair takes the place (and the source position) of its
        // first instruction.
        if !fused {
            self.source_map.push(at, self.wasm_offset);
        }
        instr.encode(&mut self.code);
        if let Some(n) = self.notes.as_mut() {
            n.attach(at, &instr);
        }
        self.last = Some((at, instr));
        at
    }
}
