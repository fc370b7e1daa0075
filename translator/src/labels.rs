//! Forward and backward branch labels with patching.

/// A branch target in the code being emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(pub u32);

#[derive(Default)]
struct LabelState {
    pos: Option<usize>,
    /// `(offset_field_position, offset_base)` of branches waiting for the label.
    pending: Vec<(usize, usize)>,
}

#[derive(Default)]
pub struct Labels {
    labels: Vec<LabelState>,
}

impl Labels {
    pub fn new_label(&mut self) -> Label {
        self.labels.push(LabelState::default());
        Label(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to `pos` and patches every branch waiting for it.
    pub fn bind(&mut self, code: &mut [u8], label: Label, pos: usize) {
        let state = &mut self.labels[label.0 as usize];
        state.pos = Some(pos);
        for (field, base) in state.pending.drain(..) {
            write_offset(code, field, base, pos);
        }
    }

    /// Records a branch whose 4-byte offset field is at `field`, relative to `base`.
    pub fn use_label(&mut self, code: &mut [u8], label: Label, field: usize, base: usize) {
        let state = &mut self.labels[label.0 as usize];
        match state.pos {
            Some(pos) => write_offset(code, field, base, pos),
            None => state.pending.push((field, base)),
        }
    }

    /// True if some branch targets the label (bound or pending).
    pub fn has_uses(&self, label: Label) -> bool {
        !self.labels[label.0 as usize].pending.is_empty()
    }
}

fn write_offset(code: &mut [u8], field: usize, base: usize, target: usize) {
    let off = target as i64 - base as i64;
    code[field..field + 4].copy_from_slice(&(off as i32).to_le_bytes());
}
