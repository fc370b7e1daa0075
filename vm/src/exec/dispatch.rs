//! The two dispatchers, both generated from the one instruction list.
//!
//! - `threaded`: every handler ends by loading the next opcode and calling
//!   its handler in tail position with the hot state (ip, fp, memory base and
//!   length, context) as arguments. In optimised builds LLVM turns these
//!   sibling calls into jumps, so the state stays in machine registers.
//! - `looped`: a plain loop calling one handler per instruction; correct in
//!   any build, used where tail calls are not guaranteed (debug builds,
//!   other targets) or when the `portable-dispatch` feature asks for it.

use super::handlers as h;
use super::{Cx, Exit, Res, St};
use regwasm_ir::{acc, op, Opcode};

/// One row's functions: plain for rows without a shape, one instance per
/// accumulator mode (`M`) for rows with one. `@table` lists the row's eight
/// table entries, mode by mode; modes the shape does not allow go to `bad`,
/// which verified code never reaches.
macro_rules! row {
    (@step $name:ident $snake:ident) => {
        #[inline(always)]
        pub(super) unsafe fn $snake(s: &mut St, cx: &mut Cx) -> Res {
            // SAFETY: `ip` points at an instruction of a verified body whose
            // opcode selected this function, so the operand struct's bytes
            // follow it.
            let o = std::ptr::read_unaligned(s.ip.add(2) as *const op::$name);
            s.ip = s.ip.add(op::$name::SIZE);
            h::$snake(s, cx, o)
        }
    };
    (@step $name:ident $snake:ident $shape:ident) => {
        #[inline(always)]
        pub(super) unsafe fn $snake<const M: u8>(s: &mut St, cx: &mut Cx) -> Res {
            // SAFETY: as for rows without a shape.
            let o = std::ptr::read_unaligned(s.ip.add(2) as *const op::$name);
            s.ip = s.ip.add(op::$name::SIZE);
            h::$snake::<M>(s, cx, o)
        }
    };
    (@looped $snake:ident) => {
        unsafe fn $snake(s: &mut St, cx: &mut Cx) -> Res {
            step::$snake(s, cx)
        }
    };
    (@looped $snake:ident $shape:ident) => {
        unsafe fn $snake<const M: u8>(s: &mut St, cx: &mut Cx) -> Res {
            step::$snake::<M>(s, cx)
        }
    };
    (@threaded $snake:ident) => {
        unsafe fn $snake(
            ip: *const u8,
            fp: *mut u64,
            mem: *mut u8,
            mem_len: usize,
            acc: u64,
            cx: &mut Cx,
        ) -> Exit {
            let mut s = St {
                ip,
                fp,
                mem,
                mem_len,
                acc,
            };
            match step::$snake(&mut s, cx) {
                Ok(()) => next(s.ip, s.fp, s.mem, s.mem_len, s.acc, cx),
                Err(exit) => {
                    cx.save(&s);
                    exit
                }
            }
        }
    };
    (@threaded $snake:ident $shape:ident) => {
        unsafe fn $snake<const M: u8>(
            ip: *const u8,
            fp: *mut u64,
            mem: *mut u8,
            mem_len: usize,
            acc: u64,
            cx: &mut Cx,
        ) -> Exit {
            let mut s = St {
                ip,
                fp,
                mem,
                mem_len,
                acc,
            };
            match step::$snake::<M>(&mut s, cx) {
                Ok(()) => next(s.ip, s.fp, s.mem, s.mem_len, s.acc, cx),
                Err(exit) => {
                    cx.save(&s);
                    exit
                }
            }
        }
    };
    (@table $f:ident) => {
        [$f, bad, bad, bad, bad, bad, bad, bad]
    };
    (@table $f:ident dxy) => {
        [
            $f::<0>, $f::<1>, $f::<2>, $f::<3>, $f::<4>, $f::<5>, bad, bad,
        ]
    };
    (@table $f:ident dx) => {
        [$f::<0>, $f::<1>, $f::<2>, $f::<3>, bad, bad, bad, bad]
    };
    (@table $f:ident d) => {
        [$f::<0>, $f::<1>, bad, bad, bad, bad, bad, bad]
    };
    (@table $f:ident xy) => {
        [$f::<0>, bad, $f::<2>, bad, $f::<4>, bad, bad, bad]
    };
    (@table $f:ident x) => {
        [$f::<0>, bad, $f::<2>, bad, bad, bad, bad, bad]
    };
}

macro_rules! define_dispatch {
    ($( $name:ident = $snake:ident $([$acc:ident])? { $($field:ident : $ty:ty),* } )*) => {
        /// Decode operands, advance `ip`, run the handler.
        mod step {
            use super::*;
            $( row!(@step $name $snake $($acc)?); )*
        }

        pub(super) mod looped {
            use super::*;
            type Handler = unsafe fn(&mut St, &mut Cx) -> Res;
            $( row!(@looped $snake $($acc)?); )*
            unsafe fn bad(_s: &mut St, _cx: &mut Cx) -> Res {
                Err(Exit::Trap(regwasm_ir::TrapCode::Unreachable))
            }
            static TABLE: [[Handler; acc::MODES]; Opcode::COUNT] = [$(row!(@table $snake $($acc)?)),*];

            /// Runs until an exit; the state is saved in `cx` on exit.
            pub(in crate::exec) unsafe fn run(s: &mut St, cx: &mut Cx) -> Exit {
                #[cfg(feature = "pair-profile")]
                let mut prev = 0u16;
                loop {
                    // SAFETY: verified code only holds valid opcodes and
                    // modes, `opcode * 8 + mode` indexes the flat table.
                    let code = std::ptr::read_unaligned(s.ip as *const u16);
                    #[cfg(feature = "pair-profile")]
                    {
                        super::super::pairs::record(prev, code);
                        prev = code;
                    }
                    let handler = TABLE.as_flattened().get_unchecked(code as usize);
                    if let Err(exit) = handler(s, cx) {
                        cx.save(s);
                        #[cfg(feature = "pair-profile")]
                        super::super::pairs::flush();
                        return exit;
                    }
                }
            }
        }

        #[allow(dead_code)]
        pub(super) mod threaded {
            use super::*;
            type Handler = unsafe fn(*const u8, *mut u64, *mut u8, usize, u64, &mut Cx) -> Exit;
            $( row!(@threaded $snake $($acc)?); )*
            unsafe fn bad(_ip: *const u8, _fp: *mut u64, _mem: *mut u8, _mem_len: usize, _acc: u64, _cx: &mut Cx) -> Exit {
                Exit::Trap(regwasm_ir::TrapCode::Unreachable)
            }
            static TABLE: [[Handler; acc::MODES]; Opcode::COUNT] = [$(row!(@table $snake $($acc)?)),*];

            /// Jumps to the handler of the instruction at `ip`; `acc` is the
            /// accumulator, kept in a machine register from handler to handler.
            #[inline(always)]
            pub(in crate::exec) unsafe fn next(ip: *const u8, fp: *mut u64, mem: *mut u8, mem_len: usize, acc: u64, cx: &mut Cx) -> Exit {
                // SAFETY: verified code only holds valid opcodes and modes.
                let code = std::ptr::read_unaligned(ip as *const u16);
                TABLE.as_flattened().get_unchecked(code as usize)(ip, fp, mem, mem_len, acc, cx)
            }
        }
    };
}

regwasm_ir::for_each_instr!(define_dispatch);

/// True when this build dispatches by tail calls.
pub const TAIL_CALL_DISPATCH: bool = cfg!(all(
    not(feature = "portable-dispatch"),
    not(feature = "pair-profile"),
    not(debug_assertions),
    any(target_arch = "x86_64", target_arch = "aarch64")
));

/// Runs from the state in `s` until an exit.
///
/// # Safety
/// `s` must describe a frame set up by `Cx` over verified code.
pub(super) unsafe fn run(s: &mut St, cx: &mut Cx) -> Exit {
    if TAIL_CALL_DISPATCH {
        threaded::next(s.ip, s.fp, s.mem, s.mem_len, s.acc, cx)
    } else {
        looped::run(s, cx)
    }
}
