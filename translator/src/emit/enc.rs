//! Encoding: instructions into the code buffer, each with its source
//! position and the checker notes waiting for it.

use super::*;

impl Emitter<'_, '_> {
    pub(super) fn emit(&mut self, instr: impl Into<Instr>) -> usize {
        self.emit_instr(instr.into())
    }

    pub(super) fn emit_instr(&mut self, instr: Instr) -> usize {
        let mut instr = self.through_acc(instr);
        if let Some(f) = self.copy_branch(&instr).or_else(|| self.add_pair(&instr)) {
            instr = f;
        }
        if let Some(at) = self.merge_copy(&instr) {
            self.notes.attach(at, &instr);
            return at;
        }
        let at = self.code.len();
        // A fused instruction takes the place of the one it started as, and
        // keeps that one's source position (`SourceMap::push`).
        self.source_map.push(at, self.wasm_offset);
        instr.encode(&mut self.code);
        self.notes.attach(at, &instr);
        self.last = Some((at, instr));
        at
    }
}
